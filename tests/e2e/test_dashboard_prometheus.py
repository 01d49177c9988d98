"""The shipped dashboard and rules against a real Prometheus (Debian's): it scrapes the
exporter attached to the sample app under gunicorn while traffic runs, loads the shipped
rules, and then **every** panel query of deploy/grafana (variables expanded as Grafana
would, All selected) must return data, and the job and instance variables must list the
scrape's values."""
import os
import subprocess
import sys
import threading
import time

import requests

from conftest import answers, free_port, stop_process, wait_until

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "deploy"))
from dashboard_queries import (RULES, all_values, label_values_query, load_dashboard,  # noqa: E402
                               panel_queries, variables)

JOB = "flask-ebpf-exporter"
DATA_SECONDS = 90  # the bound on waiting for every panel's data
PROMETHEUS_CONFIG = """
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: ["{rules}"]
scrape_configs:
  - job_name: {job}
    static_configs:
      - targets: ["127.0.0.1:{port}"]
"""


def traffic(base, stop):
    """A mix a Flask app sees: fast pages, an error route, slow requests, 4xx."""
    session = requests.Session()
    paths = ["/", "/items/1", "/items/2", "/fail", "/bad", "/old", "/nope"]
    i = 0
    while not stop.is_set():
        path = "/slow" if i % 25 == 0 else paths[i % len(paths)]
        session.get(base + path, timeout=10, allow_redirects=False)
        i += 1
        time.sleep(0.01)  # the pace of the traffic


def query(prometheus, expr):
    r = requests.get(prometheus + "/api/v1/query", params={"query": expr}, timeout=10)
    assert r.status_code == 200, f"{expr}: {r.text}"
    return r.json()["data"]["result"]


def test_every_panel_returns_data(gunicorn_server, attach, tmp_path):
    exporter = attach(gunicorn_server.pid)
    prom_port = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(PROMETHEUS_CONFIG.format(rules=RULES, job=JOB, port=exporter.port))
    prometheus = subprocess.Popen(
        ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'data'}",
         f"--web.listen-address=127.0.0.1:{prom_port}", "--log.level=warn"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{prom_port}"
    stop = threading.Event()
    sender = threading.Thread(target=traffic, args=(gunicorn_server.base, stop))
    try:
        wait_until(lambda: prometheus.poll() is not None or answers(base + "/-/ready", 200), 30,
                   "prometheus ready")
        assert prometheus.poll() is None, prometheus.stderr.read().decode()
        sender.start()

        d = load_dashboard()
        values = all_values(d)
        empty = []

        def every_panel_has_data():
            empty[:] = [(title, ref, expr) for title, ref, expr
                        in panel_queries(d, values, "15s") if not query(base, expr)]
            return not empty

        # Scrapes, rule evaluations and rate windows take their time: wait for the data,
        # bounded (a panel that never gets any fails below, listed).
        deadline = time.monotonic() + DATA_SECONDS
        while not every_panel_has_data() and time.monotonic() < deadline:
            time.sleep(2)
        print(f"every panel had data after {time.monotonic() - deadline + DATA_SECONDS:.0f} s")
        assert empty == [], "panel queries without data:\n" + "\n".join(map(str, empty))

        # the variables list what Prometheus scraped
        v = variables(d)
        for name, want in (("job", JOB), ("instance", f"127.0.0.1:{exporter.port}")):
            selector, label = label_values_query(v[name])
            selector = selector.replace("$job", ".*")
            r = requests.get(f"{base}/api/v1/label/{label}/values",
                             params={"match[]": selector}, timeout=10).json()
            assert want in r["data"], (name, r)

        # the shipped rules loaded and evaluate without error
        groups = requests.get(base + "/api/v1/rules", timeout=10).json()["data"]["groups"]
        assert {g["name"] for g in groups} == {"flask_http_recording", "flask_http_slo_recording",
                                               "flask_http_alerts", "flask_ebpf_exporter_alerts"}
        assert all(r["health"] != "err" for g in groups for r in g["rules"]), groups
    finally:
        stop.set()
        if sender.is_alive():
            sender.join(15)
        stop_process(prometheus)

"""Debian's Prometheus scrapes the exporter through TLS, a client certificate and basic
auth, with the scrape_config docs/securing-the-endpoint.md shows: its target is up and the
samples land. A second job with a wrong password is down with the 401 it got."""
import subprocess
import time

import requests

from conftest import free_port, stop_process
from web_security import Pki, SecureExporter, bcrypt_hash, sleeper, write_web_config  # noqa: F401


def targets(base):
    r = requests.get(base + "/api/v1/targets", timeout=5)
    r.raise_for_status()
    return {t["labels"]["job"]: t for t in r.json()["data"]["activeTargets"]}


def test_prometheus_scrapes_through_tls_and_basic_auth(sleeper, tmp_path):
    (tmp_path / "pki").mkdir()
    pki = Pki(tmp_path / "pki")
    web = write_web_config(
        tmp_path / "web.yml",
        f"tls_server_config:\n  cert_file: {pki.server_cert}\n  key_file: {pki.server_key}\n"
        f"  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: {pki.ca_cert}\n"
        f"basic_auth_users:\n  prometheus: '{bcrypt_hash('s3cret')}'\n")
    exp = SecureExporter([sleeper], web, verify=pki.ca_cert,
                         cert=(pki.client_cert, pki.client_key), auth=("prometheus", "s3cret"))
    prom = None
    try:
        exp.wait_ready()
        password_file = write_web_config(tmp_path / "password", "s3cret\n")

        def job(name, password):
            return (f"  - job_name: {name}\n"
                    "    scheme: https\n"
                    "    tls_config:\n"
                    f"      ca_file: {pki.ca_cert}\n"
                    f"      cert_file: {pki.client_cert}\n"
                    f"      key_file: {pki.client_key}\n"
                    "    basic_auth:\n"
                    "      username: prometheus\n"
                    f"      {password}\n"
                    f"    static_configs: [{{targets: ['localhost:{exp.port}']}}]\n")

        config = write_web_config(
            tmp_path / "prometheus.yml",
            "global: {scrape_interval: 1s, scrape_timeout: 1s}\nscrape_configs:\n" +
            job("fee", f"password_file: {password_file}") + job("wrong", "password: guess"))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        prom = subprocess.Popen(["prometheus", f"--config.file={config}",
                                 f"--storage.tsdb.path={tmp_path / 'data'}",
                                 f"--web.listen-address=127.0.0.1:{port}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        seen = {}
        while time.monotonic() < deadline:
            try:
                seen = targets(base)
            except requests.RequestException:
                seen = {}
            if (seen.get("fee", {}).get("health") == "up" and
                    seen.get("wrong", {}).get("health") == "down"):
                break
            time.sleep(0.5)
        assert seen["fee"]["health"] == "up", seen
        assert seen["wrong"]["health"] == "down"
        assert "401" in seen["wrong"]["lastError"]
        # The samples arrived: the exporter's build_info through Prometheus' query API.
        r = requests.get(base + "/api/v1/query", timeout=5,
                         params={"query": 'flask_ebpf_exporter_build_info{job="fee"}'})
        assert r.json()["data"]["result"][0]["value"][1] == "1"
    finally:
        if prom:
            stop_process(prom, timeout=20)
        code, err = exp.stop()
        assert code == 0, err

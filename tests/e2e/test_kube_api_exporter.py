"""The exporter with `kubernetes.api` on, against kube_api_server.FakeKubeAPI: it lists and
watches this node's pods and says so in flask_ebpf_exporter_kube_api_*, and a slow,
refusing or absent API server never holds back or loses a request's metrics."""
import os
import subprocess
import time

import pytest
import requests

from conftest import (FEE_BIN, Expected, assert_exact_counts, free_port, promtool_check, series,
                      start_server, stop_process, wait_until)
from kube_api_server import FakeKubeAPI

NODE = "node-a"


@pytest.fixture
def api(tmp_path):
    server = FakeKubeAPI(str(tmp_path / "api"))
    yield server
    server.stop()


def service_account(api, directory):
    sa = directory / "serviceaccount"
    sa.mkdir()
    (sa / "token").write_text("token-1\n")
    (sa / "ca.crt").write_text(open(api.ca).read())
    return sa


@pytest.fixture
def exporter_with_api(api, tmp_path, monkeypatch, attach):
    """exporter_with_api(pid, api_yaml) -> a ready Exporter (conftest's attach: stopped and
    checked at teardown) whose config turns the API on, in-cluster as in a pod."""
    sa = service_account(api, tmp_path)
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", str(api.port))
    monkeypatch.setenv("NODE_NAME", NODE)
    configs = []

    def _start(pid, api_yaml=""):
        config = tmp_path / f"exporter-{len(configs)}.yaml"
        config.write_text(f"kubernetes:\n  api:\n    service_account_dir: {sa}\n{api_yaml}")
        configs.append(config)
        return attach(pid, args=["--config", str(config)])

    return _start


@pytest.fixture
def app():
    server = start_server("werkzeug", free_port())
    yield server
    stop_process(server.proc)


def one(text, name):
    values = list(series(text, name).values())
    assert len(values) == 1, (name, values)
    return values[0]


def test_lists_and_watches_this_nodes_pods(api, exporter_with_api, app):
    c = api.cluster
    c.add_pod("shop-7d4b9c8f6d-x2x8z", "shop", {"app": "shop", "pod-template-hash": "7d4b9c8f6d"},
              {}, ("ReplicaSet", "shop-7d4b9c8f6d"))
    c.add_pod("db-0", "shop", {"app": "db"}, {}, ("StatefulSet", "db"))
    c.add_pod("elsewhere", "shop", {}, {}, None, node="node-b")
    exp = exporter_with_api(app.pid, "    pod_labels: [app]\n")
    wait_until(lambda: one(exp.scrape_text(), "flask_ebpf_exporter_kube_api_synced") == 1, 10,
               "the pod list")
    c.add_pod("cart-0", "shop", {"app": "cart"}, {}, ("StatefulSet", "cart"))
    wait_until(lambda: one(exp.scrape_text(), "flask_ebpf_exporter_kube_api_pods") == 3, 10,
               "the watch event")
    text = exp.scrape_text()
    assert one(text, "flask_ebpf_exporter_kube_api_watch_connected") == 1
    assert one(text, "flask_ebpf_exporter_kube_api_lists_total") == 1
    events = series(text, "flask_ebpf_exporter_kube_api_watch_events_total")
    assert events[frozenset({("type", "ADDED")})] == 1
    assert 0 < one(text, "flask_ebpf_exporter_kube_api_memory_bytes") < 64 * 1024
    watches = api.requests_with(watch="1")
    assert watches and all(r[1]["fieldSelector"] == f"spec.nodeName={NODE}" for r in watches)
    promtool_check(text)
    # The watch thread holds no capability: capabilities are per thread, and it starts
    # before the daemon drops its own after attach.
    pid = exp.proc.pid
    watch_threads = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/comm") as f:
            if f.read().strip() != "kube-api-watch":
                continue
        with open(f"/proc/{pid}/task/{tid}/status") as f:
            caps = dict(line.split(":", 1) for line in f if line.startswith("Cap"))
        assert int(caps["CapEff"], 16) == 0 and int(caps["CapPrm"], 16) == 0, caps
        watch_threads += 1
    assert watch_threads == 1


def send(app, n, expected):
    for i in range(n):
        r = requests.get(f"{app.base}/items/{i % 3}", timeout=5)
        expected.add("GET", f"/items/{i % 3}", r.status_code)


def test_slow_api_server_never_holds_back_metrics(api, exporter_with_api, app):
    api.cluster.add_pod("shop-0", "shop", {"app": "shop"})
    with api.cluster.cond:
        api.cluster.delay = 6.0  # every API answer takes 6 s
    exp = exporter_with_api(app.pid)
    expected = Expected()
    started = time.monotonic()
    while time.monotonic() - started < 3:
        send(app, 5, expected)
        t0 = time.monotonic()
        text = exp.scrape_text()
        assert time.monotonic() - t0 < 1.0, "a scrape waited on the API server"
        assert one(text, "flask_ebpf_exporter_kube_api_synced") == 0
    wait_until(lambda: sum(series(exp.scrape_text(), "flask_http_request_total").values()) ==
               expected.count, 10, "the last records")
    assert_exact_counts(exp.scrape_text(), expected)
    wait_until(lambda: one(exp.scrape_text(), "flask_ebpf_exporter_kube_api_synced") == 1, 20,
               "the slow list")


def requests_counted_exactly(exp, app, n):
    """n requests to the app, all counted exactly whatever the API server does."""
    expected = Expected()
    send(app, n, expected)
    wait_until(lambda: sum(series(exp.scrape_text(), "flask_http_request_total").values()) == n,
               10, "the requests")
    assert_exact_counts(exp.scrape_text(), expected)


def failures(exp, reason):
    return series(exp.scrape_text(), "flask_ebpf_exporter_kube_api_request_failures_total")[
        frozenset({("reason", reason)})]


def test_refused_api_server_is_counted_and_recovered_from(api, exporter_with_api, app):
    with api.cluster.cond:
        api.cluster.tokens = set()  # every token refused: 401
    exp = exporter_with_api(app.pid)
    wait_until(lambda: failures(exp, "unauthorized") >= 2, 10, "two 401s")
    requests_counted_exactly(exp, app, 6)
    with api.cluster.cond:
        api.cluster.tokens = {"token-1"}
    wait_until(lambda: one(exp.scrape_text(), "flask_ebpf_exporter_kube_api_synced") == 1, 40,
               "the list once the token is accepted")


def test_absent_api_server_is_counted(api, exporter_with_api, app, monkeypatch):
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", str(free_port()))  # nothing listens
    exp = exporter_with_api(app.pid)
    wait_until(lambda: failures(exp, "other") >= 2, 10, "two connection failures")
    requests_counted_exactly(exp, app, 4)


@pytest.mark.parametrize("api_yaml, message", [
    ("  api:\n    pod_labels: [app, 'team*']\n",
     "x.yaml:3: kubernetes.api.pod_labels[1]: 'team*': pod label keys are exact, no wildcards"),
    ("  api:\n    selector: 'app in (shop'\n",
     "x.yaml:3: kubernetes.api.selector: 'app in (shop': missing ')'"),
    ("  api:\n    owners: [Deploy/shop]\n",
     "x.yaml:3: kubernetes.api.owners[0]: 'Deploy': unknown kind"),
    ("  api: sometimes\n", "x.yaml:2: kubernetes.api: expected true or false"),
])
def test_config_errors_exit_2(tmp_path, api_yaml, message):
    path = tmp_path / "x.yaml"
    path.write_text("kubernetes:\n" + api_yaml)
    r = subprocess.run([FEE_BIN, "--config", str(path), "--check-config"], capture_output=True,
                       text=True, timeout=10)
    assert r.returncode == 2, r.stderr
    assert message in r.stderr


def test_missing_node_name_is_an_error(api, tmp_path, monkeypatch, app):
    sa = service_account(api, tmp_path)
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", str(api.port))
    monkeypatch.delenv("NODE_NAME", raising=False)
    config = tmp_path / "x.yaml"
    config.write_text(f"kubernetes:\n  api:\n    service_account_dir: {sa}\n")
    r = subprocess.run([FEE_BIN, "--pid", str(app.pid), "--config", str(config)],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode != 0
    assert "NODE_NAME is not set" in r.stderr

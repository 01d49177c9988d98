"""--exe and --port: targets named by what they are, not by PID. The server is stopped and
started again during the test (a new PID); the exporter picks the new one up within a
second, and both runs are counted exactly."""
import os
import shutil

import pytest
import requests

from conftest import PYTHON, free_port, labels, series, start_server, stop_process, wait_until


def target_processes(exporter, target=0):
    text = exporter.scrape_text()
    for lbls, v in series(text, "flask_ebpf_exporter_target_processes").items():
        if dict(lbls)["target"] == str(target):
            return v
    raise AssertionError("no flask_ebpf_exporter_target_processes for the target")


@pytest.fixture
def own_python(tmp_path):
    """A copy of the interpreter under a name no other process on the machine has, so a
    glob on the executable path picks out only our servers."""
    exe = tmp_path / "fee-selector-python"
    shutil.copy(os.path.realpath(PYTHON), exe)
    return str(exe)


def serve_and_count(exporter, kind, port, n, path, expected_processes, **kw):
    # The exporter may watch the server before it answers: no probe request.
    server = start_server(kind, port, probe="tcp", **kw)
    try:
        # Picked up by the selector's rescan (every 500 ms; the server may have been
        # watched before it answered): a bounded wait with room for a loaded machine.
        wait_until(lambda: target_processes(exporter) == expected_processes, 10,
                   "the exporter to pick up the server")
        for _ in range(n):
            assert requests.get(server.base + path, timeout=10).status_code == 200
    finally:
        stop_process(server.proc)
    wait_until(lambda: target_processes(exporter) == 0, 10, "the server's processes to go")


def check_totals(exporter, want):
    text = exporter.scrape_text()
    assert series(text, "flask_http_request_total") == {
        labels(method="GET", status="200"): float(sum(want.values()))}
    counts = series(text, "flask_http_request_duration_seconds_count")
    assert counts == {labels(method="GET", path=p, status="200"): float(n)
                      for p, n in want.items()}
    assert series(text, "flask_ebpf_exporter_processes_watched") == {frozenset(): 0.0}


def test_exe_glob_follows_restarts(attach, own_python):
    # Started before anything matches: the exporter waits for the server.
    exporter = attach(args=["--exe", os.path.join(os.path.dirname(own_python), "fee-selector-*")])
    assert target_processes(exporter) == 0
    port = free_port()
    serve_and_count(exporter, "werkzeug", port, 11, "/items/1", 1, python=own_python)
    # Restarted: a new process with the same executable, on another port this time.
    serve_and_count(exporter, "werkzeug", free_port(), 13, "/items/2", 1, python=own_python)
    check_totals(exporter, {"/items/1": 11, "/items/2": 13})


def test_port_follows_restarts(attach):
    port = free_port()
    exporter = attach(args=["--port", str(port)])
    # gunicorn: the master and both workers hold the listening socket.
    serve_and_count(exporter, "gunicorn", port, 17, "/items/1", 3)
    # Another server kind on the same port after the first one stopped.
    serve_and_count(exporter, "werkzeug", port, 19, "/items/2", 1)
    check_totals(exporter, {"/items/1": 17, "/items/2": 19})

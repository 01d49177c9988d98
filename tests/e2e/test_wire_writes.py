"""Responses written in pieces by a real server (tests/apps/raw_writes_server.py): a status
line split over two writes, and response heads sent with sendmsg() and writev() over several
iovecs, each counted exactly with its own status and path."""
import os
import subprocess

import requests

from conftest import (APPS, PYTHON, free_port, promtool_check, scrape_when_counted, series,
                      stop_process, wait_until)


def start_raw_server():
    port = free_port()
    proc = subprocess.Popen([PYTHON, os.path.join(APPS, "raw_writes_server.py"), "--port",
                             str(port)])
    base = f"http://127.0.0.1:{port}"

    def up():
        try:
            requests.get(base + "/", timeout=1)
            return True
        except requests.RequestException:
            return proc.poll() is not None

    wait_until(up, 20, "raw_writes_server")
    assert proc.poll() is None, f"raw_writes_server exited with {proc.returncode}"
    return proc, base


def test_split_and_vector_response_heads(attach):
    proc, base = start_raw_server()
    try:
        exporter = attach(proc.pid)
        want = {"/split": 201, "/sendmsg": 202, "/writev": 203}
        with requests.Session() as http:  # one keep-alive connection
            for _ in range(5):
                for path, status in want.items():
                    r = http.get(base + path + "?q=1", timeout=10)
                    assert (r.status_code, r.content) == (status, b"ok")
        for path, status in want.items():  # and a fresh connection each
            assert requests.get(base + path, timeout=10).status_code == status

        text = scrape_when_counted(exporter, 6 * len(want))
        totals = series(text, "flask_http_request_total")
        assert totals == {frozenset({("method", "GET"), ("status", str(s))}): 6
                          for s in want.values()}
        counts = series(text, "flask_http_request_duration_seconds_count")
        assert counts == {frozenset({("method", "GET"), ("path", p), ("status", str(s))}): 6
                          for p, s in want.items()}
        assert series(text, "flask_ebpf_exporter_kernel_events_total")[
            frozenset({("event", "bad_response")})] == 0
        promtool_check(text)
    finally:
        stop_process(proc)

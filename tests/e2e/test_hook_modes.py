"""Hook modes on this machine's kernel: the chosen mode is logged and exported, an explicit
mode the kernel lacks is a clear error, and every mode it has counts requests exactly.
(Other kernels: make test-kernels boots Debian's 6.1 and runs every mode there.)"""
import subprocess

import pytest
import requests

from conftest import FEE_BIN, answers, free_port, series, start_server, stop_process, wait_until

MODES = ("fentry", "kprobe", "fentry-syscall", "kprobe-syscall", "tracepoint")
REQUESTS = 25


def start_exporter(pid, mode):
    port = free_port()
    proc = subprocess.Popen([FEE_BIN, "--pid", str(pid), "--listen", f"127.0.0.1:{port}",
                             "--hooks", mode], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: proc.poll() is not None or answers(base + "/-/ready", 200), 60,
               f"the exporter in {mode} mode")
    return proc, base


@pytest.fixture(scope="module")
def werkzeug():
    s = start_server("werkzeug", free_port())
    yield s
    stop_process(s.proc)


@pytest.mark.parametrize("mode", MODES)
def test_each_mode_counts_exactly_or_says_why_not(werkzeug, mode):
    proc, base = start_exporter(werkzeug.pid, mode)
    try:
        if proc.poll() is not None:
            err = proc.stderr.read()
            assert proc.returncode == 1, err
            assert f"--hooks {mode} is unavailable on this kernel: " in err, err
            # The tracepoints are the floor every supported kernel has.
            assert mode != "tracepoint", err
            return
        with requests.Session() as http:
            for _ in range(REQUESTS):
                assert http.get(f"http://127.0.0.1:{werkzeug.port}/", timeout=10).status_code == 200

        scrape = {}

        def counted():
            scrape["text"] = requests.get(base + "/metrics", timeout=10).text
            return sum(series(scrape["text"], "flask_http_request_total").values()) >= REQUESTS

        wait_until(counted, 10, f"{REQUESTS} requests counted in {mode} mode")
        total = series(scrape["text"], "flask_http_request_total")
        assert sum(total.values()) == REQUESTS, total
        build = series(scrape["text"], "flask_ebpf_exporter_build_info")
        assert [dict(labels)["hook_mode"] for labels in build] == [mode]
    finally:
        stop_process(proc)
    assert proc.returncode == 0
    assert f"hooking socket I/O with {mode} programs" in proc.stderr.read()


def test_auto_picks_a_mode_and_exports_it(werkzeug):
    proc, base = start_exporter(werkzeug.pid, "auto")
    try:
        assert proc.poll() is None, proc.stderr.read()
        build = series(requests.get(base + "/metrics", timeout=10).text,
                       "flask_ebpf_exporter_build_info")
    finally:
        stop_process(proc)
    (labels,) = build
    chosen = dict(labels)["hook_mode"]
    assert chosen in MODES
    log = proc.stderr.read()
    assert f"hooking socket I/O with {chosen} programs" in log
    # Every cheaper mode was tried first and its failure explained.
    for cheaper in MODES[:MODES.index(chosen)]:
        assert f"hook mode {cheaper} is unavailable: " in log, log


def test_unknown_mode_is_a_usage_error():
    r = subprocess.run([FEE_BIN, "--pid", "1", "--hooks", "ebpf"], capture_output=True,
                       text=True, timeout=20)
    assert r.returncode == 2
    assert ("--hooks: expected auto, fentry, kprobe, fentry-syscall, kprobe-syscall or "
            "tracepoint, got 'ebpf'") in r.stderr

"""A stopped daemon never blocks the app: with the exporter SIGSTOPped under load, nginx
keeps serving (more than 0.6 of its rate with the daemon running, where a blocked app
would fall to nothing; the margin is this shared machine's noise, so the test asserts no
blocking, not speed: it prints the measured ratio), the kernel side counts what the full
ring buffer could not take, and counting resumes exactly after SIGCONT."""
import os
import signal
import socket
import subprocess

from conftest import RECEIVED, scrape_when_counted, series
from nginx_server import Nginx

ROUND_SECONDS = 2


def wrk_rps(url):
    out = subprocess.run(["wrk", "-t1", "-c8", f"-d{ROUND_SECONDS}s", "--timeout", "5s", url],
                         capture_output=True, text=True, timeout=ROUND_SECONDS + 30).stdout
    for line in out.splitlines():
        if line.startswith("Requests/sec:"):
            return float(line.split()[1])
    raise AssertionError(f"no rate in wrk's output: {out}")


DROPPED = "flask_ebpf_exporter_records_dropped_total"


def one_value(text, name):
    return sum(series(text, name).values())


def answered_since(log, before):
    """Requests nginx logged (it logs each after writing its response) past the first
    `before` lines."""
    with open(log) as f:
        return sum(1 for _ in f) - before


def scrape_accounted(exporter, log, before):
    """A scrape once every request nginx answered is received or dropped (see
    scrape_when_counted): the daemon has drained what the ring held."""
    return scrape_when_counted(exporter, answered_since(log, before), RECEIVED, DROPPED)


def get_n(port, n):
    """n requests on one keep-alive connection, each answered before the next."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        f = s.makefile("rb")
        for i in range(n):
            s.sendall(b"GET /after/%d HTTP/1.1\r\nHost: x\r\n\r\n" % i)
            assert f.readline().startswith(b"HTTP/1.1 200 ")
            while f.readline() != b"\r\n":
                pass
            assert f.read(3) == b"ok\n"


def test_sigstopped_daemon_never_blocks_the_app_and_every_request_is_counted_or_dropped(
        tmp_path, attach):
    log = tmp_path / "access.log"
    nginx = Nginx(str(tmp_path), access_log=str(log))
    try:
        # A 64 KiB ring holds about 220 records: a stopped daemon fills it in milliseconds.
        exporter = attach(nginx.pid, args=["--ring-buffer-kb", "64"])
        before = sum(1 for _ in open(log))  # nginx's own readiness check, unmeasured
        url = nginx.base + "/"
        running, stopped = [], []
        # Alternate rounds, in both orders, so that the shared machine's drift cancels out.
        for order in ("RSSR", "SRRS"):
            for phase in order:
                if phase == "R":
                    running.append(wrk_rps(url))
                    continue
                os.kill(exporter.proc.pid, signal.SIGSTOP)
                try:
                    stopped.append(wrk_rps(url))
                finally:
                    os.kill(exporter.proc.pid, signal.SIGCONT)
                scrape_accounted(exporter, log, before)  # the daemon drained the ring
        ratio = sum(stopped) / sum(running)
        print(f"nginx req/s with the daemon running {running}, stopped {stopped}: "
              f"ratio {ratio:.3f}")
        # A blocked app would drop to nothing; the margin is this noisy machine's.
        assert ratio > 0.6, (running, stopped)

        text = scrape_accounted(exporter, log, before)
        received = one_value(text, RECEIVED)
        dropped = one_value(text, DROPPED)
        answered = answered_since(log, before)
        assert dropped > 0, "the ring never filled"
        # Every answered request is either counted or reported dropped: none is lost silently.
        assert received + dropped == answered, (received, dropped, answered)
        assert one_value(text, "flask_http_request_total") == received

        # Counting resumes, exactly.
        get_n(nginx.port, 200)
        text = scrape_when_counted(exporter, received + 200)
        assert one_value(text, "flask_http_request_total") == received + 200
        assert one_value(text, DROPPED) == dropped
    finally:
        nginx.proc.terminate()
        nginx.proc.wait(10)

"""The endpoint under abuse, with the default limits: 500 slowloris connections trickling
headers and 1 000 connections left idle (both re-opened whenever the exporter drops them)
while a well-behaved scraper fetches /metrics every 100 ms for 20 s. Every scrape must
succeed within 1 s, the exporter's fds and RSS stay bounded, the app's counts stay exact.
Then oversized heads and 10 000 name[] parameters get 4xx answers, not a crash. Loopback
only; bounded in time and connections."""
import os
import resource
import socket
import threading
import time

import requests

from conftest import (Expected, assert_exact_counts, free_port, scrape_when_counted, series,
                      start_server, wait_until, waiting_to_be_accepted)
from test_flood import vm_rss_kb

SLOW, IDLE = 500, 1000
SCRAPES, INTERVAL = 200, 0.1  # 20 s
MAX_CONNECTIONS, CLOSING_MARGIN = 1024, 256  # the default --web.max-connections, and its room


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


class Attacker(threading.Thread):
    """Holds SLOW connections sending one header line a second and IDLE connections that
    send nothing; a connection the exporter closes is opened again (at most once a
    second), so the pressure lasts the whole test."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.stop = threading.Event()
        self.slow = [None] * SLOW
        self.idle = [None] * IDLE
        self.reopened = 0
        self.in_place = threading.Event()  # every connection opened once

    def connect(self, first_bytes):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", self.port))
        return [s, first_bytes]

    @staticmethod
    def step(c, line):
        """One tick of one connection; False once the exporter has closed it."""
        s, pending = c
        try:
            if s.recv(4096, socket.MSG_DONTWAIT) == b"":
                return False
        except BlockingIOError:
            pass
        except OSError:
            return False
        try:
            if line:
                s.send(pending + b"X-Slow: " + b"a" * 8 + b"\r\n")
                c[1] = b""
        except BlockingIOError:
            pass
        except OSError:
            return False
        return True

    def tend(self, conns, line):
        for i, c in enumerate(conns):
            if c is None:
                conns[i] = self.connect(b"GET /metrics HTTP/1.1\r\nHost: x\r\n" if line else b"")
            elif not self.step(c, line):
                c[0].close()
                conns[i] = None
                self.reopened += 1

    def run(self):
        while not self.stop.is_set():
            self.tend(self.slow, True)
            self.tend(self.idle, False)
            self.in_place.set()
            self.stop.wait(1.0)

    def close(self):
        self.stop.set()
        self.join(10)
        for c in self.slow + self.idle:
            if c:
                c[0].close()


def test_scrapes_hold_under_slowloris_and_idle_floods(attach, stopping):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    app = start_server("werkzeug", free_port())
    stopping(app)
    exp = attach(app.proc.pid)
    pid = exp.proc.pid
    base_fds, base_rss = fd_count(pid), vm_rss_kb(pid)
    expected = Expected()
    attacker = Attacker(exp.port)
    latencies, fds, rss = [], [], []
    try:
        attacker.start()
        # The floods in place before the first scrape: opened, and taken in by the exporter.
        assert attacker.in_place.wait(30), "the attacker's connections opened"
        wait_until(lambda: waiting_to_be_accepted(exp.port) == 0, 30,
                   "the exporter to accept the floods")
        for i in range(SCRAPES):
            started = time.monotonic()
            r = requests.get(exp.base + "/metrics", timeout=5)  # a new connection each time
            latencies.append(time.monotonic() - started)
            assert r.status_code == 200
            assert "flask_ebpf_exporter_build_info" in r.text
            fds.append(fd_count(pid))
            rss.append(vm_rss_kb(pid))
            if i % 10 == 0:  # the app keeps being used, and counted
                assert requests.get(app.base + "/", timeout=5).status_code == 200
                expected.add("GET", "/", 200)
            time.sleep(max(0.0, INTERVAL - (time.monotonic() - started)))
    finally:
        attacker.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    print(f"\nscrape latency under abuse: p50 {latencies[len(latencies) // 2] * 1000:.1f} ms, "
          f"p99 {p99 * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms; exporter fds "
          f"{base_fds} -> max {max(fds)}, RSS {base_rss} -> max {max(rss)} KiB; "
          f"attacker re-opened {attacker.reopened} connections")
    assert latencies[-1] < 1.0
    # Bounded: the connection limit and its closing margin, over what it held at rest.
    assert max(fds) <= base_fds + MAX_CONNECTIONS + CLOSING_MARGIN
    assert max(rss) < base_rss + 64 * 1024
    assert attacker.reopened > 0  # the exporter did drop abusers

    text = scrape_when_counted(exp, expected.count)  # the app's last records drained
    assert_exact_counts(text, expected)
    rejected = series(text, "flask_ebpf_exporter_endpoint_rejections_total")
    # 1 500 abusers for 1 024 places: the oldest waiting made room, over and over.
    assert rejected[frozenset({("reason", "connection_limit")})] > 0


def test_request_timeout_closes_slow_and_idle_clients(attach, stopping):
    """--web.request-timeout: an idle connection and one trickling a header line every
    half second are both closed once the time is up, and counted."""
    app = start_server("werkzeug", free_port())
    stopping(app)
    exp = attach(app.proc.pid, args=["--web.request-timeout", "2s"])
    idle = socket.create_connection(("127.0.0.1", exp.port), timeout=10)
    slow = socket.create_connection(("127.0.0.1", exp.port), timeout=10)
    started = time.monotonic()
    try:
        slow.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        closed_at = None
        while closed_at is None and time.monotonic() - started < 10:
            try:
                slow.sendall(b"X-Slow: a\r\n")
            except OSError:
                closed_at = time.monotonic()
            time.sleep(0.5)
        assert closed_at is not None and 1.5 < closed_at - started < 5
        assert idle.recv(100) == b""  # closed too, without an answer
    finally:
        idle.close()
        slow.close()
    rejected = series(exp.scrape_text(), "flask_ebpf_exporter_endpoint_rejections_total")
    assert rejected[frozenset({("reason", "request_timeout")})] == 2


def raw_request(port, head):
    """Sends one request head; the status code of the answer (0 when none came)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(head)
        data = b""
        try:
            while b"\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        except ConnectionResetError:
            pass
    return int(data.split()[1]) if data.startswith(b"HTTP/1.") else 0


def test_oversized_heads_and_name_floods(attach, stopping):
    app = start_server("werkzeug", free_port())
    stopping(app)
    exp = attach(app.proc.pid)
    big = b"X-Big: " + b"a" * 20_000 + b"\r\n"
    huge = b"X-Big: " + b"a" * 200_000 + b"\r\n"
    names = "&".join(["name[]=flask_http_request_total"] * 10_000)
    few = "&".join(["name[]=a"] * 300)
    # Over --web.max-header-bytes: our 431.
    assert raw_request(exp.port, b"GET /metrics HTTP/1.1\r\nHost: x\r\n" + big + b"\r\n") == 431
    # Past the connection's buffer: libmicrohttpd's own 431.
    assert raw_request(exp.port, b"GET /metrics HTTP/1.1\r\nHost: x\r\n" + huge + b"\r\n") == 431
    # 10 000 name[] parameters: a request line too long to hold (414).
    assert raw_request(exp.port, f"GET /metrics?{names} HTTP/1.1\r\nHost: x\r\n\r\n"
                       .encode()) == 414
    # 300 short ones fit, but are over --web.max-names (256): 400.
    r = requests.get(f"{exp.base}/metrics?{few}", timeout=10)
    assert r.status_code == 400
    # Many small headers: libmicrohttpd's buffer fills with their records first (431).
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(3000))
    assert raw_request(exp.port, b"GET /metrics HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n") == 431
    # Still alive and serving, every refusal counted.
    text = exp.scrape_text()
    rejected = {dict(k)["reason"]: v for k, v in
                series(text, "flask_ebpf_exporter_endpoint_rejections_total").items()}
    assert rejected["header_too_large"] == 1
    assert rejected["bad_request"] == 3
    assert rejected["too_many_names"] == 1
    assert exp.proc.poll() is None

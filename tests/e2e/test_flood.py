"""A random-path flood: 100 000 distinct paths against nginx. The duration family stays at
its cap (plus the "<overflow>" child), the daemon's memory stays flat, and every request is
still counted exactly."""
import socket
import time

from conftest import scrape_when_counted, series, wait_counted
from nginx_server import Nginx

FLOOD = 100_000
CAP = 2000  # the default --max-series
DEPTH = 4  # requests per write: pipelined, well within the kernel's 8 per connection


def vm_rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def flood(port, first, count):
    """`count` requests for distinct paths on keep-alive connections, DEPTH per write;
    returns how many 200s came back."""
    ok = 0
    sent = 0
    while sent < count:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            buf = b""
            for _ in range(200):  # a fresh connection now and then, as real clients do
                n = min(DEPTH, count - sent)
                if n == 0:
                    break
                s.sendall(b"".join(b"GET /flood/%d?q=%d HTTP/1.1\r\nHost: x\r\n\r\n"
                                   % (first + sent + i, i) for i in range(n)))
                sent += n
                got = 0
                while got < n:
                    chunk = s.recv(65536)
                    assert chunk, "nginx closed the connection"
                    buf += chunk
                    # nginx answers "ok\n" with Content-Length: every response ends so.
                    while (end := buf.find(b"\r\n\r\nok\n")) >= 0:
                        assert buf.startswith(b"HTTP/1.1 200 "), buf[:40]
                        buf = buf[end + 7:]
                        got += 1
                ok += got
    return ok


# The landing page keeps the duration family's last 6 snapshots, one every 2 s (src/main.c
# PAGE_SAMPLE_MS, route_rates.h ROUTE_HISTORY_MAX): ≈ 0.6 MB each at the cap, so the
# daemon's memory grows for 12 s after the series exist, then holds. The first reading
# waits that out (and one more sample for a late loop).
PAGE_HISTORY_SECONDS = 6 * 2 + 2


def total_requests(text):
    return sum(series(text, "flask_http_request_total").values())


def test_random_path_flood_stays_bounded(tmp_path, attach):
    nginx = Nginx(str(tmp_path))
    try:
        exporter = attach(nginx.pid)
        answered = flood(nginx.port, 0, FLOOD // 5)  # past the cap: memory is in place
        wait_counted(exporter, FLOOD // 5)
        time.sleep(PAGE_HISTORY_SECONDS)  # the page's history full (see above)
        rss_warm = vm_rss_kb(exporter.proc.pid)
        answered += flood(nginx.port, FLOOD // 5, FLOOD - FLOOD // 5)
        assert answered == FLOOD
        wait_counted(exporter, FLOOD)
        rss_end = vm_rss_kb(exporter.proc.pid)
        text = scrape_when_counted(exporter, FLOOD)

        assert total_requests(text) == FLOOD
        durations = series(text, "flask_http_request_duration_seconds_count")
        assert len(durations) == CAP + 1
        overflow = durations[frozenset({("method", "GET"), ("path", "<overflow>"),
                                        ("status", "200")})]
        assert overflow == FLOOD - CAP
        assert sum(durations.values()) == FLOOD
        over_cap = series(text, "flask_ebpf_exporter_series_over_cap_total")
        assert over_cap[frozenset({("family", "flask_http_request_duration_seconds")})] == \
            FLOOD - CAP
        assert series(text, "flask_ebpf_exporter_records_dropped_total") == {frozenset(): 0}
        # 80 000 more distinct paths cost the daemon no memory to speak of.
        assert rss_end - rss_warm < 1024, (rss_warm, rss_end)
        print(f"daemon VmRSS after 20k requests {rss_warm} kB, after 100k {rss_end} kB")
    finally:
        nginx.proc.terminate()
        nginx.proc.wait(10)

"""The foundation, end to end: a real Flask server (werkzeug threaded, gunicorn with 2 sync
workers), the exporter attached by the server's PID, a fixed mix of requests from real
clients, and exact counts in the scrape."""
import socket
import ssl

import requests

from conftest import Expected, promtool_check, scrape_when_counted, series

# What the sample app answers; the test also checks each response really had this status.
KNOWN_STATUS = {
    ("GET", "/"): 200, ("GET", "/items/1"): 200, ("GET", "/items/2"): 200,
    ("GET", "/items/7"): 200, ("POST", "/created"): 201, ("GET", "/empty"): 204,
    ("GET", "/old"): 301, ("GET", "/bad"): 400, ("GET", "/fail"): 500,
    ("GET", "/unavailable"): 503, ("GET", "/only-post"): 405, ("GET", "/nope"): 404,
    ("HEAD", "/"): 200, ("OPTIONS", "/"): 200, ("GET", "/slow"): 200,
    ("GET", "/large"): 200, ("POST", "/echo"): 200, ("POST", "/"): 405,
}


def send(http, expected, method, url_path, path=None, **kwargs):
    """One request; records what the exporter must count for it."""
    path = path or url_path.split("?")[0]
    # verify=False: HTTPS runs of the mix (test_tls.py) use a self-signed certificate.
    r = http.request(method, expected.base + url_path, allow_redirects=False, timeout=10,
                     verify=False, **kwargs)
    _ = r.content  # read the whole body
    assert r.status_code == KNOWN_STATUS[(method, path)], (method, url_path, r.status_code)
    expected.add(method, path, r.status_code)
    return r


def raw_connection(expected):
    """A client socket to the server, speaking TLS when the server does."""
    s = socket.create_connection(("127.0.0.1", expected.port), timeout=10)
    if not expected.base.startswith("https:"):
        return s
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context.wrap_socket(s, server_hostname="localhost")


def send_http10(expected, path):
    """An HTTP/1.0 request over a raw socket (no client library needed)."""
    with raw_connection(expected) as s:
        s.sendall(f"GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    status_line = data.split(b"\r\n", 1)[0].decode()
    assert status_line.startswith("HTTP/1."), status_line
    status = int(status_line.split()[1])
    assert status == KNOWN_STATUS[("GET", path)]
    expected.add("GET", path, status)


def request_mix(server):
    expected = Expected()
    expected.base, expected.port = server.base, server.port
    fresh = requests  # a new connection per request
    for _ in range(3):
        send(fresh, expected, "GET", "/")
    send(fresh, expected, "GET", "/items/1")
    send(fresh, expected, "POST", "/created")
    send(fresh, expected, "GET", "/empty")
    send(fresh, expected, "GET", "/old")
    send(fresh, expected, "GET", "/bad")
    send(fresh, expected, "GET", "/fail")
    send(fresh, expected, "GET", "/unavailable")
    send(fresh, expected, "GET", "/only-post")
    send(fresh, expected, "POST", "/")
    send(fresh, expected, "GET", "/nope")
    send(fresh, expected, "HEAD", "/")
    send(fresh, expected, "OPTIONS", "/")
    send(fresh, expected, "GET", "/items/7?x=1&y=2")
    send_http10(expected, "/")
    send_http10(expected, "/items/2")
    send(fresh, expected, "GET", "/slow")
    send(fresh, expected, "GET", "/slow")
    r = send(fresh, expected, "GET", "/large")
    assert len(r.content) == 1 << 20
    r = send(fresh, expected, "POST", "/echo", data=b"z" * 100_000)
    assert r.text.strip() == "100000"
    with requests.Session() as keep_alive:  # several requests on one connection
        for path in ["/", "/items/1", "/nope", "/empty", "/items/2", "/bad"]:
            send(keep_alive, expected, "GET", path)
        send(keep_alive, expected, "POST", "/echo", data=b"y" * 5000)
        send(keep_alive, expected, "GET", "/")
    return expected


def test_exact_counts(server, attach):
    exporter = attach(server.pid)
    expected = request_mix(server)
    assert_mix_counted(scrape_when_counted(exporter, expected.count), expected)


def assert_mix_counted(text, expected):
    """The scrape shows exactly what request_mix() sent, with sensible durations."""
    totals = {(dict(k)["method"], dict(k)["status"]): v
              for k, v in series(text, "flask_http_request_total").items()}
    assert totals == dict(expected.total)

    counts = {(dict(k)["method"], dict(k)["path"], dict(k)["status"]): v
              for k, v in series(text, "flask_http_request_duration_seconds_count").items()}
    assert counts == dict(expected.duration)

    # /slow sleeps 0.3 s: both requests above 0.25, both within 0.5.
    buckets = {dict(k)["le"]: v for k, v in
               series(text, "flask_http_request_duration_seconds_bucket").items()
               if dict(k)["path"] == "/slow"}
    assert buckets["0.25"] == 0
    assert buckets["0.5"] == 2
    assert buckets["+Inf"] == 2
    # Fast routes are fast: every / request under 0.25 s.
    fast = {dict(k)["le"]: v for k, v in
            series(text, "flask_http_request_duration_seconds_bucket").items()
            if dict(k)["path"] == "/" and dict(k)["method"] == "GET"}
    assert fast["0.25"] == fast["+Inf"] == expected.duration[("GET", "/", "200")]

    assert series(text, "flask_ebpf_exporter_records_dropped_total") == {frozenset(): 0}
    assert series(text, "flask_ebpf_exporter_records_received_total") == {
        frozenset(): expected.count}
    assert series(text, "flask_exporter_info")[frozenset({("version", "0.1.0")})] == 1
    promtool_check(text)


def test_scrape_shape(server, attach):
    """HELP/TYPE lines and _created families as prometheus_flask_exporter prints them."""
    exporter = attach(server.pid)
    requests.get(server.base + "/", timeout=10)
    text = scrape_when_counted(exporter, 1)
    for line in [
        "# HELP flask_http_request_duration_seconds Flask HTTP request duration in seconds",
        "# TYPE flask_http_request_duration_seconds histogram",
        "# HELP flask_http_request_total Total number of HTTP requests",
        "# TYPE flask_http_request_total counter",
        "# HELP flask_http_request_exceptions_total Total number of HTTP requests which "
        "resulted in an exception",
        "# TYPE flask_http_request_exceptions_total counter",
        "# TYPE flask_http_request_created gauge",
        "# TYPE flask_http_request_duration_seconds_created gauge",
        'flask_http_request_total{method="GET",status="200"} 1.0',
        'flask_http_request_duration_seconds_bucket{le="0.005",method="GET",path="/",'
        'status="200"}',
    ]:
        assert line in text, line
    promtool_check(text)

"""Unusual and hostile bytes on the wire, against real servers (werkzeug, gunicorn, nginx),
sent from raw sockets where a client library would refuse: every case must be counted
exactly as SPEC §3 says, and nothing may crash or count what the server did not answer."""
import os
import random
import socket
import subprocess
import time

import pytest
import requests

from conftest import (free_port, promtool_check, scrape_when_counted, series, start_server,
                      stop_process, wait_read_by_server)
from nginx_server import Nginx


# ---- servers ------------------------------------------------------------------------------------

# Servers that answer pipelined requests. werkzeug's dev server answers one request per
# connection and closes; gunicorn's gthread worker keeps connections alive but answers only
# the first of requests that arrive together, then closes.
PIPELINES = {"nginx"}


@pytest.fixture(params=["werkzeug", "gunicorn-gthread", "nginx"])
def any_server(request, tmp_path):
    if request.param == "nginx":
        s = Nginx(str(tmp_path))
    else:
        s = start_server(request.param, free_port())
    s.kind = request.param
    yield s
    stop_process(s.proc)


@pytest.fixture(params=["werkzeug", "gunicorn", "gunicorn-gthread"])
def flask_server(request):
    s = start_server(request.param, free_port())
    s.kind = request.param
    yield s
    stop_process(s.proc)


@pytest.fixture
def nginx(tmp_path):
    s = Nginx(str(tmp_path))
    yield s
    stop_process(s.proc)


# ---- a raw HTTP/1.1 client ------------------------------------------------------------------------

def connect(server):
    s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_response(f, head_only=False):
    """One response from a socket file: (status, body). Interim 1xx are returned too."""
    status_line = f.readline()
    assert status_line.startswith(b"HTTP/1."), status_line
    status = int(status_line.split()[1])
    headers = {}
    while (line := f.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    if status < 200 or status in (204, 304) or head_only:
        return status, b""
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while (size := int(f.readline().split(b";")[0], 16)) > 0:
            body += f.read(size)
            f.readline()
        while f.readline() not in (b"\r\n", b"\n", b""):
            pass
        return status, body
    if "content-length" in headers:
        return status, f.read(int(headers["content-length"]))
    return status, f.read()  # until the server closes


def get(path, extra=""):
    return f"GET {path} HTTP/1.1\r\nHost: localhost\r\n{extra}\r\n".encode()


def totals(exporter):
    return {(dict(k)["method"], dict(k)["status"]): v
            for k, v in series(exporter.scrape_text(), "flask_http_request_total").items()}


def wait_total(exporter, want):
    """The exporter's request total once it reaches `want` and stays (see
    scrape_when_counted); a total above `want` is returned at once, so the caller's
    equality check catches it."""
    text = scrape_when_counted(exporter, want, "flask_http_request_total")
    return sum(series(text, "flask_http_request_total").values())


def paths(exporter):
    return {(dict(k)["method"], dict(k)["path"], dict(k)["status"]): v for k, v in
            series(exporter.scrape_text(), "flask_http_request_duration_seconds_count").items()}


# ---- cases --------------------------------------------------------------------------------------

def read_responses(f, n):
    """Statuses of up to n responses, fewer when the server closes first."""
    got = []
    while len(got) < n and f.peek(1):
        got.append(read_response(f)[0])
    return got


def test_pipelined_requests_in_one_write(any_server, attach):
    exporter = attach(any_server.pid)
    order = ["/", "/nope", "/", "/nope", "/"]
    with connect(any_server) as s:
        s.sendall(b"".join(get(p) for p in order))
        got = read_responses(s.makefile("rb"), len(order))
    # A server that closes after each response answers only the first: the four it never
    # answered must not be counted.
    assert got == ([200, 404, 200, 404, 200] if any_server.kind in PIPELINES else [200])
    want = {("GET", "/", "200"): got.count(200), ("GET", "/nope", "404"): got.count(404)}
    assert wait_total(exporter, len(got)) == len(got)
    assert paths(exporter) == {k: v for k, v in want.items() if v}


def test_pipelined_requests_past_a_close_are_not_counted(any_server, attach):
    exporter = attach(any_server.pid)
    with connect(any_server) as s:
        # The server answers the first two and closes: the third is never answered.
        s.sendall(get("/") + get("/nope", "Connection: close\r\n") + get("/"))
        got = read_responses(s.makefile("rb"), 3)
    assert got == ([200, 404] if any_server.kind in PIPELINES else [200])
    assert wait_total(exporter, len(got)) == len(got)
    assert sum(totals(exporter).values()) == len(got)


def test_trickled_head_counts_from_its_end(any_server, attach):
    exporter = attach(any_server.pid)
    with connect(any_server) as s:
        for b in get("/nope"):  # about 40 bytes, 5 ms apart
            s.send(bytes([b]))
            time.sleep(0.005)
        assert read_response(s.makefile("rb"))[0] == 404
    assert wait_total(exporter, 1) == 1
    buckets = {dict(k)["le"]: v for k, v in
               series(exporter.scrape_text(), "flask_http_request_duration_seconds_bucket").items()}
    assert buckets["0.1"] == 1, "the head's arrival time was counted"


def test_request_line_longer_than_the_kernel_copy(any_server, attach):
    exporter = attach(any_server.pid)
    path = "/nope" + "x" * 600
    with connect(any_server) as s:
        s.sendall(get(path) + get("/nope"))  # and a pipelined one after it
        got = read_responses(s.makefile("rb"), 2)
    assert got[1:] == ([404] if any_server.kind in PIPELINES else [])
    assert wait_total(exporter, len(got)) == len(got)
    text = exporter.scrape_text()
    counted = paths(exporter)
    assert counted.pop(("GET", "<overflow>", str(got[0]))) == 1
    assert counted == ({} if len(got) == 1 else {("GET", "/nope", "404"): 1})
    assert series(text, "flask_ebpf_exporter_paths_truncated_total") == {frozenset(): 1}


def read_final(f):
    """The final response, after any number of interim 1xx: (interims, status, body)."""
    interims = 0
    while True:
        status, body = read_response(f)
        if status >= 200:
            return interims, status, body
        interims += 1


def test_expect_100_continue(flask_server, attach):
    exporter = attach(flask_server.pid)
    with connect(flask_server) as s:
        s.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                  b"Expect: 100-continue\r\n\r\n")
        f = s.makefile("rb")
        assert read_response(f)[0] == 100
        s.sendall(b"hello")
        # werkzeug sends a second 100 Continue (http.server's and its own).
        interims, status, body = read_final(f)
        assert (status, body) == (200, b"5\n")
    assert interims == (1 if flask_server.kind == "werkzeug" else 0)
    assert wait_total(exporter, 1) == 1
    assert paths(exporter) == {("POST", "/echo", "200"): 1}


def test_chunked_request_bodies(flask_server, attach):
    exporter = attach(flask_server.pid)
    fake = b"GET /fake HTTP/1.1\r\n\r\n"  # chunk data that looks like a request
    with connect(flask_server) as s:
        # Each piece read on its own before the next is sent: the chunk that looks like a
        # request arrives while the server reads the body.
        s.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        wait_read_by_server(flask_server.port, s)
        s.sendall(b"%x\r\n%s\r\n" % (len(fake), fake))
        wait_read_by_server(flask_server.port, s)
        s.sendall(b"3\r\nabc\r\n0\r\n\r\n")
        f = s.makefile("rb")
        assert read_response(f) == (200, b"%d\n" % (len(fake) + 3))
        if flask_server.kind == "gunicorn-gthread":  # the connection goes on
            s.sendall(get("/nope"))
            assert read_response(f)[0] == 404
    want = {("POST", "/echo", "200"): 1}
    if flask_server.kind == "gunicorn-gthread":
        want[("GET", "/nope", "404")] = 1
    assert wait_total(exporter, len(want)) == len(want)
    assert paths(exporter) == want


def test_sendfile_bodies(nginx, attach):
    exporter = attach(nginx.pid)
    with requests.Session() as keep_alive:
        for _ in range(3):
            r = keep_alive.get(nginx.base + "/static/blob.bin", timeout=10)
            assert r.status_code == 200 and len(r.content) == 256 * 1024
    for _ in range(2):
        r = requests.get(nginx.base + "/static/blob.bin", timeout=10)
        assert r.status_code == 200 and len(r.content) == 256 * 1024
    assert wait_total(exporter, 5) == 5
    assert paths(exporter) == {("GET", "/static/blob.bin", "200"): 5}


def test_reused_descriptors(any_server, attach):
    """Short connections, half of them abandoned mid-head: the server's descriptor numbers
    come back again and again, and nothing of an old connection leaks into a new one."""
    exporter = attach(any_server.pid)
    answered = 0
    for i in range(30):
        with connect(any_server) as s:
            if i % 2:
                s.sendall(b"GET /nope HTTP/1.1\r\nHost:")  # never finished
                wait_read_by_server(any_server.port, s)  # the server holds a partial head
                continue
            s.sendall(get("/", "Connection: close\r\n"))
            assert read_response(s.makefile("rb"))[0] == 200
            answered += 1
    # werkzeug takes a client's hang-up for the end of the head and answers the abandoned
    # requests (404): those answers are counted, as the app counted them.
    abandoned = 15 if any_server.kind == "werkzeug" else 0
    assert wait_total(exporter, answered + abandoned) == answered + abandoned
    want = {("GET", "200"): answered, ("GET", "404"): abandoned}
    assert totals(exporter) == {k: v for k, v in want.items() if v}


HTTP2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes.fromhex("000000040000000000")
TLS_CLIENT_HELLO = bytes.fromhex(
    "16030100c4010000c00303") + bytes(32) + bytes.fromhex("000004130113020100009300000013")


def test_non_http_bytes_count_nothing(any_server, attach):
    exporter = attach(any_server.pid)
    rng = random.Random(7)
    blobs = [HTTP2_PREFACE, TLS_CLIENT_HELLO] + [
        bytes(rng.randrange(256) for _ in range(rng.randrange(1, 2000))) for _ in range(20)]
    for blob in blobs:
        with connect(any_server) as s:
            s.settimeout(2)
            try:
                s.sendall(blob)
                s.shutdown(socket.SHUT_WR)
                while s.recv(65536):
                    pass
            except OSError:
                pass  # the server may reset the connection: that is its answer
    # The exporter is alive and exact for what follows.
    for path, status in [("/", 200), ("/nope", 404)]:
        with connect(any_server) as s:
            s.sendall(get(path))
            assert read_response(s.makefile("rb"))[0] == status
    assert wait_total(exporter, 2) == 2
    assert totals(exporter) == {("GET", "200"): 1, ("GET", "404"): 1}
    assert exporter.proc.poll() is None
    promtool_check(exporter.scrape_text())

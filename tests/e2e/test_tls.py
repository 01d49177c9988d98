"""HTTPS, measured through OpenSSL uprobes: the plaintext the server hands to SSL_read and
SSL_write feeds the same request recognition as socket bytes, and the ciphertext on the
socket is never counted. Real servers (gunicorn, werkzeug, nginx) with a throw-away
self-signed certificate, real clients (requests, curl -k, raw TLS sockets), exact counts."""
import socket
import struct
import subprocess

import pytest
import requests

from conftest import (RECEIVED, Expected, answers, free_port, scrape_when_counted, series,
                      start_server, stop_process, wait_read_by_server, wait_until)
from nginx_server import Nginx, nginx_command
from test_pipeline import assert_mix_counted, raw_connection, request_mix

LIBSSL_PROBED = "flask_ebpf_exporter_tls_libraries_probed"


def probed_libraries(text):
    return {dict(k)["path"]: v for k, v in series(text, LIBSSL_PROBED).items()}


def assert_libssl_probed(text):
    libs = probed_libraries(text)
    assert any("libssl" in path for path in libs), libs
    assert all(v == 1 for v in libs.values()), libs


def totals_by_path(text):
    return {dict(k)["path"]: v
            for k, v in series(text, "flask_http_request_duration_seconds_count").items()}


@pytest.mark.parametrize("kind", ["gunicorn", "werkzeug"])
def test_python_server_https_mix(kind, tls_cert, attach):
    """The standard request mix over HTTPS: gunicorn (2 sync workers, --certfile/--keyfile)
    and the werkzeug dev server (ssl_context), attached by PID."""
    server = start_server(kind, free_port(), tls=tls_cert)
    try:
        assert server.base.startswith("https://")
        exporter = attach(server.pid)
        expected = request_mix(server)
        text = scrape_when_counted(exporter, expected.count)
        assert_mix_counted(text, expected)
        assert_libssl_probed(text)
    finally:
        stop_process(server.proc)


def test_gunicorn_https_exceptions(tls_cert, attach):
    """The exception side signal keys the request by its TLS connection too."""
    server = start_server("gunicorn", free_port(), app="exceptions_app", tls=tls_cert)
    try:
        exporter = attach(server.pid)
        with requests.Session() as keep_alive:
            for client in (requests, keep_alive, requests):
                assert client.get(server.base + "/raise", timeout=10, verify=False).status_code == 500
            for client in (requests, keep_alive):
                assert client.get(server.base + "/return500", timeout=10,
                                  verify=False).status_code == 500
                assert client.get(server.base + "/", timeout=10, verify=False).status_code == 200
        text = scrape_when_counted(exporter, 7)
        assert series(text, "flask_http_request_exceptions_total") == {
            frozenset({("method", "GET"), ("status", "500")}): 3}
        assert totals_by_path(text) == {"/raise": 3, "/return500": 2, "/": 2}
    finally:
        stop_process(server.proc)


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_response_to_a_client_that_hung_up_counts(scheme, tls_cert, attach):
    """SPEC §3: the server answered, even though its write failed (the client reset the
    connection while /slow was sleeping). Over TLS the failed SSL_write is seen through the
    EPIPE/ECONNRESET of the socket write under it; plain HTTP is the reference."""
    server = start_server("gunicorn", free_port(), tls=tls_cert if scheme == "https" else None)
    try:
        exporter = attach(server.pid)
        expected = Expected()
        expected.base, expected.port = server.base, server.port
        for _ in range(2):
            conn = raw_connection(expected)
            conn.sendall(b"GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n")
            wait_read_by_server(server.port, conn)  # the worker now sleeps in the view
            # Linger 0: close() sends a reset, so the server's response write fails.
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()
        text = scrape_when_counted(exporter, 2)  # both responses written (and failed)
        assert totals_by_path(text) == {"/slow": 2}
        assert series(text, "flask_http_request_total") == {
            frozenset({("method", "GET"), ("status", "200")}): 2}
    finally:
        stop_process(server.proc)


# ---- nginx: TLS on, `return 200`, one worker, a private prefix ------------------------------

@pytest.fixture
def nginx(tls_cert, tmp_path):
    """start(plain=False) -> a running Nginx with HTTPS (and plain HTTP when asked), stopped
    at teardown."""
    started = []

    def start(plain=False):
        server = Nginx(str(tmp_path), tls_cert=tls_cert, plain=plain)
        started.append(server)
        return server

    yield start
    for server in started:
        stop_process(server.proc)


def curl(url):
    """One request on a fresh connection with curl -k; returns the status."""
    r = subprocess.run(["curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}", url],
                       capture_output=True, timeout=20)
    return int(r.stdout)


def send_requests(base, prefix, fresh, keep_alive):
    """`fresh` requests with curl and `keep_alive` on one requests.Session, each to its own
    path under prefix; returns {path: 1}."""
    sent = {}
    for i in range(fresh):
        path = f"{prefix}/curl/{i}"
        assert curl(base + path) == 200
        sent[path] = 1
    with requests.Session() as session:
        for i in range(keep_alive):
            path = f"{prefix}/session/{i}"
            assert session.get(base + path + "?q=1", timeout=10, verify=False).status_code == 200
            sent[path] = 1
    return sent


def test_nginx_https_return_200(nginx, attach):
    server = nginx()
    exporter = attach(server.pid)
    sent = send_requests(server.https, "/tls", fresh=6, keep_alive=8)
    text = scrape_when_counted(exporter, len(sent))
    assert totals_by_path(text) == sent
    assert series(text, "flask_http_request_total") == {
        frozenset({("method", "GET"), ("status", "200")}): len(sent)}
    assert_libssl_probed(text)


def test_nginx_plain_and_https_ports(nginx, attach):
    """One server, plain HTTP on one port and HTTPS on another: each request counted once."""
    server = nginx(plain=True)
    exporter = attach(server.pid)
    sent = send_requests(server.https, "/tls", fresh=4, keep_alive=5)
    sent.update(send_requests(server.http, "/plain", fresh=3, keep_alive=6))
    sent.update(send_requests(server.https, "/tls-again", fresh=2, keep_alive=2))
    text = scrape_when_counted(exporter, len(sent))
    assert totals_by_path(text) == sent
    assert sum(series(text, "flask_http_request_total").values()) == len(sent) == 22
    assert series(text, "flask_ebpf_exporter_records_received_total") == {frozenset(): 22}


def test_library_probed_when_a_new_target_maps_it(tls_cert, tmp_path, attach):
    """The exporter watches a shell that starts nginx later: the new processes map libssl,
    which the exporter then probes without being told."""
    tls_port = free_port()
    command = " ".join(nginx_command(str(tmp_path), tls_port=tls_port, tls_cert=tls_cert))
    launcher = subprocess.Popen(["sh", "-c", f"read go; exec {command}"], stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        exporter = attach(launcher.pid)
        assert probed_libraries(exporter.scrape_text()) == {}
        launcher.stdin.write(b"go\n")
        launcher.stdin.close()
        base = f"https://127.0.0.1:{tls_port}"
        wait_until(lambda: answers(base + "/", 200), 20, "nginx over HTTPS")
        # New processes are looked at every second.
        wait_until(lambda: probed_libraries(exporter.scrape_text()), 10, "libssl probed")
        before = sum(series(exporter.scrape_text(), RECEIVED).values())
        sent = send_requests(base, "/late", fresh=3, keep_alive=4)
        text = scrape_when_counted(exporter, before + len(sent))
        counted = {p: v for p, v in totals_by_path(text).items() if p.startswith("/late")}
        assert counted == sent
        assert_libssl_probed(text)
    finally:
        stop_process(launcher)

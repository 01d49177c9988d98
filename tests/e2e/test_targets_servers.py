"""More servers attached by PID, with exact counts: gunicorn gthread with keep-alive
connections opened before the exporter attached, uWSGI (master + 2 processes) and waitress
(threads)."""
import http.client

import pytest
import requests

from conftest import (Expected, assert_exact_counts, free_port, pids_of_two_workers,
                      scrape_when_counted, series, start_server)


def get(conn, path):
    """One request on an open keep-alive connection; the response is read whole."""
    conn.request("GET", path)
    r = conn.getresponse()
    r.read()
    return r.status


def test_gthread_keepalive_opened_before_attach(attach, stopping):
    server = start_server("gunicorn-gthread", free_port(), extra=["--keep-alive", "60"])
    stopping(server)
    conns = [http.client.HTTPConnection("127.0.0.1", server.port, timeout=10) for _ in range(3)]
    try:
        for c in conns:  # requests before the exporter exists: never counted
            for _ in range(4):
                assert get(c, "/items/1") == 200
        sockets = [c.sock for c in conns]

        exporter = attach(server.pid)
        expected = Expected()
        for round_ in range(5):
            for i, c in enumerate(conns):
                assert get(c, f"/items/{i}") == 200
                expected.add("GET", f"/items/{i}", 200)
                assert get(c, "/nope") == 404
                expected.add("GET", "/nope", 404)
        # Still the connections opened before attach: none was re-established.
        assert [c.sock for c in conns] == sockets
        text = scrape_when_counted(exporter, expected.count)
        assert expected.count == 30
        assert_exact_counts(text, expected)
    finally:
        for c in conns:
            c.close()


@pytest.mark.parametrize("kind", ["uwsgi", "waitress"])
def test_server_attached_by_pid(kind, attach, stopping):
    server = start_server(kind, free_port())
    stopping(server)
    exporter = attach(server.pid)
    expected = Expected()
    served_by = set()
    # Keep-alive with waitress. uWSGI's --http-socket closes each connection after its
    # response without saying so (no Connection: close): a client reusing it races that
    # close and is reset whenever its next request arrives first. A new connection each.
    session = requests.Session() if kind == "waitress" else requests
    for i in range(40):
        r = session.get(server.base + "/pid", timeout=10)
        assert r.status_code == 200
        served_by.add(int(r.text))
        expected.add("GET", "/pid", 200)
        r = requests.post(server.base + "/created", timeout=10)  # a new connection each
        assert r.status_code == 201
        expected.add("POST", "/created", 201)
    # Until every worker process has served, each one counted. uWSGI's processes race for
    # each connection and one may win them all: keep one busy while the other is asked.
    workers = set(server.children()) if kind == "uwsgi" else {server.pid}
    for _ in range(20):
        if served_by == workers:
            break
        served_by.update(pids_of_two_workers(server))
        expected.add("GET", "/pid", 200)
        expected.add("GET", "/pid", 200)
    assert served_by == workers, "a worker process never served"
    for _ in range(5):
        assert requests.get(server.base + "/nope", timeout=10).status_code == 404
        expected.add("GET", "/nope", 404)
        assert requests.get(server.base + "/fail", timeout=10).status_code == 500
        expected.add("GET", "/fail", 500)
    text = scrape_when_counted(exporter, expected.count)
    assert_exact_counts(text, expected)
    watched = series(text, "flask_ebpf_exporter_processes_watched")[frozenset()]
    assert watched == (3 if kind == "uwsgi" else 1)

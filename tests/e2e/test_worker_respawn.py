"""A gunicorn worker killed after the exporter attached is respawned by the master, and
the new worker is measured too."""
import os
import signal

import requests

from conftest import scrape_when_counted, series, wait_until


def get_pid(server):
    r = requests.get(server.base + "/pid", timeout=10)
    assert r.status_code == 200
    return int(r.text)


def test_respawned_worker_is_measured(gunicorn_server, attach):
    server = gunicorn_server
    exporter = attach(server.pid)
    sent = 0
    for _ in range(10):
        assert requests.get(server.base + "/items/1", timeout=10).status_code == 200
        sent += 1

    old_workers = set(server.children())
    victim = sorted(old_workers)[0]
    os.kill(victim, signal.SIGKILL)
    wait_until(lambda: len(set(server.children()) - old_workers) == 1
               and len(server.children()) == 2, 30, "gunicorn to respawn the worker")
    (new_worker,) = set(server.children()) - old_workers
    (survivor,) = old_workers - {victim}

    # gunicorn's sync workers race for each connection and a warm worker tends to win
    # every race, so pause the survivor: then only the respawned worker can answer.
    os.kill(survivor, signal.SIGSTOP)
    try:
        for _ in range(5):
            assert get_pid(server) == new_worker
            sent += 1
    finally:
        os.kill(survivor, signal.SIGCONT)
    for _ in range(10):
        assert requests.get(server.base + "/nope", timeout=10).status_code == 404
        sent += 1

    text = scrape_when_counted(exporter, sent)
    totals = series(text, "flask_http_request_total")
    assert sum(totals.values()) == sent
    assert totals[frozenset({("method", "GET"), ("status", "404")})] == 10
    counts = series(text, "flask_http_request_duration_seconds_count")
    assert counts[frozenset({("method", "GET"), ("path", "/pid"), ("status", "200")})] == sent - 20
    assert series(text, "flask_ebpf_exporter_records_dropped_total") == {frozenset(): 0}

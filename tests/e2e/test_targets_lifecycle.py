"""Processes of a --pid target that come and go: gunicorn recycling its workers
(--max-requests), werkzeug's reloader replacing its serving child, gunicorn --reload
replacing a worker after a source change. Every request counted exactly once."""
import os
import shutil
import time

import pytest
import requests

from conftest import (APPS, free_port, labels, pids_of_two_workers, scrape_when_counted, series,
                      start_server, wait_until)


@pytest.fixture
def app_copy(tmp_path):
    """The sample app in a directory of its own, so touching it disturbs nothing else."""
    shutil.copy(os.path.join(APPS, "sample_app.py"), tmp_path / "sample_app.py")
    return tmp_path


def touch_later(path):
    """Make the file look changed to a polling reloader (mtime strictly later)."""
    st = os.stat(path)
    os.utime(path, (st.st_atime, st.st_mtime + 5))


def serving_pid(server):
    r = requests.get(server.base + "/pid", timeout=10)
    assert r.status_code == 200
    return int(r.text)


def check(exporter, expected_pid_requests):
    text = scrape_when_counted(exporter, expected_pid_requests)
    totals = series(text, "flask_http_request_total")
    assert totals == {labels(method="GET", status="200"): float(expected_pid_requests)}
    counts = series(text, "flask_http_request_duration_seconds_count")
    assert counts == {labels(method="GET", path="/pid", status="200"): expected_pid_requests}
    assert series(text, "flask_ebpf_exporter_records_dropped_total") == {frozenset(): 0}
    return text


def test_max_requests_recycles_workers(attach, stopping):
    # Each worker exits after 10 (+ jitter 0) requests and the master forks a new one.
    server = start_server("gunicorn", free_port(), extra=["--max-requests", "10"])
    stopping(server)
    exporter = attach(server.pid)
    first_workers = set(server.children())
    served_by = set()
    sent = 0
    for _ in range(70):
        for attempt in range(50):  # a recycling worker may drop the connection it gets
            try:
                served_by.add(serving_pid(server))
                sent += 1
                break
            except requests.ConnectionError:
                time.sleep(0.05)
    # 70 requests over 2 workers of 10 each: at least 5 generations of workers.
    assert len(served_by - first_workers) >= 4, served_by
    wait_until(lambda: len(server.children()) == 2, 20, "gunicorn's workers")
    text = check(exporter, sent)
    watched = series(text, "flask_ebpf_exporter_processes_watched")[frozenset()]
    assert watched == 3  # the master and its 2 current workers: the recycled ones left


def test_werkzeug_reloader_child_replaced(attach, stopping, app_copy):
    server = start_server("werkzeug-reloader", free_port(), app_dir=str(app_copy))
    stopping(server)
    # Attach to the reloader's parent, as a user would (the oldest process).
    exporter = attach(server.pid)
    (first_child,) = server.children()
    sent = 0
    for _ in range(10):
        assert serving_pid(server) == first_child
        sent += 1

    touch_later(app_copy / "sample_app.py")
    wait_until(lambda: len(server.children()) == 1 and server.children()[0] != first_child,
               30, "the reloader to start a new child")
    (second_child,) = server.children()
    # The new child re-binds the port: wait until it answers (those probes are counted).
    probes = 0
    deadline = time.monotonic() + 30
    while True:
        try:
            pid = serving_pid(server)
            probes += 1
            if pid == second_child:
                break
        except requests.ConnectionError:
            assert time.monotonic() < deadline, "the reloaded child never answered"
            time.sleep(0.1)
    for _ in range(10):
        assert serving_pid(server) == second_child
        sent += 1
    check(exporter, sent + probes)


def test_gunicorn_reload_replaces_worker(attach, stopping, app_copy):
    server = start_server("gunicorn", free_port(), app_dir=str(app_copy), extra=["--reload"])
    stopping(server)
    exporter = attach(server.pid)
    old_workers = set(server.children())
    sent = 0
    for _ in range(10):
        serving_pid(server)
        sent += 1
    touch_later(app_copy / "sample_app.py")
    # gunicorn's reloader makes each worker exit; the master forks fresh ones.
    wait_until(lambda: not (set(server.children()) & old_workers)
               and len(server.children()) == 2, 30, "gunicorn --reload to replace workers")
    new_workers = set(server.children())
    served_by_new = set()
    for _ in range(20):  # a fresh worker may still be importing the app: ask again
        served_by_new.update(pids_of_two_workers(server))
        sent += 2
        if served_by_new == new_workers:
            break
    assert served_by_new == new_workers
    check(exporter, sent)

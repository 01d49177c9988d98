"""--cgroup: every process in a cgroup v2 directory and below, including processes moved in
after the exporter attached; requests served before a process joined are not counted."""
import os
import uuid

import pytest
import requests

from conftest import (Expected, assert_exact_counts, free_port, labels, scrape_when_counted,
                      series, start_server, stop_process, wait_until)


def cgroup2_mount():
    """The cgroup v2 mount point, from mountinfo (hybrid hosts mount it at .../unified)."""
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            sep = fields.index("-")
            if fields[sep + 1] == "cgroup2":
                return fields[4]
    return None


def move_to_cgroup(directory, pid):
    with open(os.path.join(directory, "cgroup.procs"), "w") as f:
        f.write(str(pid))


def cgroup_members(directory):
    with open(os.path.join(directory, "cgroup.procs")) as f:
        return [int(p) for p in f.read().split()]


@pytest.fixture
def test_cgroup():
    """A fresh cgroup with a sub-cgroup, removed at teardown (its members are moved back
    to the root cgroup first, should any be left)."""
    mount = cgroup2_mount()
    if mount is None:
        pytest.fail("no cgroup v2 mount in /proc/self/mountinfo")
    top = os.path.join(mount, f"fee-test-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    sub = os.path.join(top, "inner")
    os.mkdir(top)
    os.mkdir(sub)
    yield top, sub
    for d in (sub, top):
        for pid in cgroup_members(d):
            try:
                move_to_cgroup(mount, pid)
            except OSError:
                pass  # exited meanwhile
        os.rmdir(d)


def test_cgroup_members_and_later_joiners(attach, test_cgroup):
    top, sub = test_cgroup
    first = start_server("werkzeug", free_port())
    second = start_server("gunicorn", free_port())  # master + 2 workers, outside for now
    try:
        move_to_cgroup(top, first.pid)
        exporter = attach(args=["--cgroup", top])
        expected = Expected()
        for i in range(12):
            assert requests.get(f"{first.base}/items/{i % 3}", timeout=10).status_code == 200
            expected.add("GET", f"/items/{i % 3}", 200)

        # The second server is not in the cgroup yet: its requests are not ours.
        for _ in range(7):
            assert requests.get(second.base + "/", timeout=10).status_code == 200
        text = scrape_when_counted(exporter, 12)
        assert sum(series(text, "flask_http_request_total").values()) == 12

        # Moved into a sub-cgroup after attach: measured from its next request on.
        for pid in [second.pid, *second.children()]:
            move_to_cgroup(sub, pid)
        for _ in range(9):
            assert requests.get(second.base + "/", timeout=10).status_code == 200
            expected.add("GET", "/", 200)
            assert requests.post(second.base + "/created", timeout=10).status_code == 201
            expected.add("POST", "/created", 201)

        text = scrape_when_counted(exporter, expected.count)
        assert_exact_counts(text, expected)
        assert expected.count == 30
        assert series(text, "flask_ebpf_exporter_processes_watched") == {frozenset(): 4.0}
        assert series(text, "flask_ebpf_exporter_target_processes") == {
            labels(target="0", kind="cgroup"): 4.0}
    finally:
        stop_process(first.proc)
        stop_process(second.proc)
    # Gone from the cgroup: the gauges follow, the request series stay.
    wait_until(lambda: not cgroup_members(top) and not cgroup_members(sub), 10,
               "the servers to leave the cgroup")
    text = exporter.scrape_text()
    assert series(text, "flask_ebpf_exporter_processes_watched") == {frozenset(): 0.0}
    assert sum(series(text, "flask_http_request_total").values()) == 30


def test_cgroup_errors(tmp_path):
    import subprocess
    from conftest import FEE_BIN
    for path, message in ((str(tmp_path), "not a directory on a cgroup v2 mount"),
                          (str(tmp_path / "missing"), "No such file or directory")):
        r = subprocess.run([FEE_BIN, "--cgroup", path, "--listen", f"127.0.0.1:{free_port()}"],
                           capture_output=True, text=True, timeout=20)
        assert r.returncode == 1
        assert f"--cgroup {path}: {message}" in r.stderr


def test_https_under_a_cgroup_target(attach, test_cgroup, tls_cert):
    """A server watched only through its cgroup gets OpenSSL probes too (found in its maps,
    through /proc/PID/root): its HTTPS requests are counted, each once."""
    top, _ = test_cgroup
    server = start_server("gunicorn", free_port(), tls=tls_cert)
    try:
        for pid in [server.pid, *server.children()]:
            move_to_cgroup(top, pid)
        exporter = attach(args=["--cgroup", top])
        expected = Expected()
        for i in range(6):
            assert requests.get(f"{server.base}/items/{i}", timeout=10,
                                verify=False).status_code == 200
            expected.add("GET", f"/items/{i}", 200)
        assert requests.post(server.base + "/created", timeout=10,
                             verify=False).status_code == 201
        expected.add("POST", "/created", 201)
        text = scrape_when_counted(exporter, expected.count)
        assert_exact_counts(text, expected)
        assert any("libssl" in dict(k)["path"]
                   for k in series(text, "flask_ebpf_exporter_tls_libraries_probed"))
    finally:
        stop_process(server.proc)

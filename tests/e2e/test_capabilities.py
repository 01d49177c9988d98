"""Least privilege (README, "Capabilities"): the exporter as a non-root uid with exactly the
documented capabilities (ambient, via setpriv) counts the foundation mix exactly; with one
of them missing it exits 1 naming it; after attach /proc/PID/status shows only the
documented remainder and no_new_privs. The remainder is enough for what the run still does:
an HTTPS server started after attach is found by --port and its OpenSSL probed."""
import subprocess

import pytest

from conftest import (FEE_BIN, Exporter, free_port, labels, promtool_check, scrape_when_counted,
                      series, start_server, stop_process, wait_until)
from test_pipeline import request_mix

NOBODY = "65534"
# tracepoint or auto hooks as a non-root uid, --pid/--cgroup targets, no HTTPS probing.
BASE = ["bpf", "perfmon", "dac_read_search"]
# ...and --port with HTTPS probing of the servers found.
HTTPS = BASE + ["sys_ptrace", "sys_admin"]
# What stays after attach (capability bits, linux/capability.h).
CAP_BITS = {"dac_read_search": 2, "sys_ptrace": 19, "sys_admin": 21, "perfmon": 38, "bpf": 39}


def as_nobody(caps):
    """setpriv: uid/gid 65534, no groups, exactly `caps` as ambient (and bounding) set."""
    spec = ",".join(["-all"] + [f"+{c}" for c in caps])
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
            f"--inh-caps={spec}", f"--ambient-caps={spec}", f"--bounding-set={spec}", "--"]


class NonRootExporter(Exporter):
    """conftest's Exporter (ready wait, scrape, stop), started under setpriv."""

    def __init__(self, caps, port, args):  # pylint: disable=super-init-not-called
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.metrics_path = "/metrics"
        cmd = as_nobody(caps) + [FEE_BIN, "--listen", f"127.0.0.1:{port}", *args]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def status(pid):
    with open(f"/proc/{pid}/status") as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)


def capability_mask(caps):
    return f"{sum(1 << CAP_BITS[c] for c in caps):016x}"


@pytest.fixture
def nonroot():
    started = []

    def _start(caps, args):
        exp = NonRootExporter(caps, free_port(), args)
        started.append(exp)
        return exp

    yield _start
    for exp in started:
        stop_process(exp.proc, timeout=20)


def test_documented_capabilities_count_exactly_then_drop(nonroot, gunicorn_server):
    exp = nonroot(BASE, ["--pid", str(gunicorn_server.pid)])
    exp.wait_ready(timeout=60)
    st = status(exp.proc.pid)
    assert st["Uid"].split()[0] == NOBODY
    # Only what the rest of this run needs: CAP_DAC_READ_SEARCH for the process metrics'
    # /proc/PID/fd; the others are gone, for good.
    assert st["CapEff"] == st["CapPrm"] == capability_mask(["dac_read_search"]), st
    assert st["CapInh"] == st["CapAmb"] == "0" * 16
    assert st["NoNewPrivs"] == "1"

    expected = request_mix(gunicorn_server)
    text = scrape_when_counted(exp, expected.count)
    assert series(text, "flask_http_request_total") == {
        labels(method=m, status=s): float(n) for (m, s), n in expected.total.items()}
    assert series(text, "flask_ebpf_exporter_records_dropped_total") == {frozenset(): 0}
    promtool_check(text)
    code, err = exp.stop()
    assert code == 0, err
    assert "capabilities kept for the run: CAP_DAC_READ_SEARCH" in err
    # gunicorn maps OpenSSL; without CAP_SYS_ADMIN it is not probed, and the log says so.
    # (With --no-process-metrics nothing at all would be kept: test below.)
    assert "CAP_SYS_ADMIN" in err and "HTTPS" in err


def test_nothing_kept_without_process_metrics(nonroot, gunicorn_server):
    exp = nonroot(BASE, ["--pid", str(gunicorn_server.pid), "--no-process-metrics"])
    exp.wait_ready(timeout=60)
    st = status(exp.proc.pid)
    assert st["CapEff"] == st["CapPrm"] == st["CapAmb"] == "0" * 16, st
    assert st["NoNewPrivs"] == "1"


@pytest.mark.parametrize("missing", BASE)
def test_one_capability_missing_exits_1_naming_it(nonroot, gunicorn_server, missing):
    exp = nonroot([c for c in BASE if c != missing], ["--pid", str(gunicorn_server.pid)])
    try:
        code = exp.proc.wait(60)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the exporter kept running without CAP_{missing.upper()}")
    err = exp.proc.stderr.read().decode()
    assert code == 1, err
    assert f"missing capability CAP_{missing.upper()}: needed for" in err
    assert err.count("missing capability") == 1, err


def test_https_remainder_is_enough_for_servers_found_later(nonroot, tls_cert, stopping):
    port = free_port()
    exp = nonroot(HTTPS, ["--port", str(port)])
    exp.wait_ready(timeout=60)
    st = status(exp.proc.pid)
    kept = ["dac_read_search", "sys_ptrace", "sys_admin"]
    assert st["CapEff"] == st["CapPrm"] == capability_mask(kept), st
    assert st["CapAmb"] == "0" * 16 and st["NoNewPrivs"] == "1"

    # Started after the drop: found by the --port rescan, its OpenSSL probed with what is left.
    server = start_server("gunicorn", port, tls=tls_cert, probe="tcp")
    stopping(server)
    wait_until(lambda: 'kind="port"' in exp.scrape_text() and
               'flask_ebpf_exporter_target_processes{kind="port",target="0"} 3.0'
               in exp.scrape_text(), 10, "the --port rescan to find gunicorn")
    wait_until(lambda: "libssl" in exp.scrape_text(), 10, "the OpenSSL probes")
    expected = request_mix(server)
    text = scrape_when_counted(exp, expected.count)
    assert series(text, "flask_http_request_total") == {
        labels(method=m, status=s): float(n) for (m, s), n in expected.total.items()}
    assert series(text, "flask_ebpf_exporter_records_dropped_total") == {frozenset(): 0}

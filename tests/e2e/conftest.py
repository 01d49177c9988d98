"""Fixtures of the end-to-end tier: real servers, the real exporter, real clients.

Everything here is bounded in time and cleans up after itself, even when a test fails.
Run with Debian's interpreter: /usr/bin/python3 -m pytest tests/e2e (as root).
"""
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter as Tally

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
APPS = os.path.join(REPO, "tests", "apps")
FEE_BIN = os.environ.get("FEE_BIN", os.path.join(REPO, "build", "flask_ebpf_exporter"))
PYTHON = "/usr/bin/python3"  # Debian's: the one that sees python3-flask & co.


def pytest_sessionstart(session):
    """Without root every test here would be a skip and the tier would pass having tested
    nothing: fail at once instead, as the BPF tier does."""
    if os.geteuid() != 0:
        pytest.exit("tests/e2e needs root (loads BPF programs): run sudo make test-e2e",
                    returncode=1)


# HTTPS tests use a throw-away self-signed certificate: clients do not verify it.
unverified_https_ok = pytest.mark.filterwarnings(
    "ignore::urllib3.exceptions.InsecureRequestWarning")


def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(unverified_https_ok)


@pytest.fixture(scope="session", autouse=True)
def exporter_binary():
    """The binary must exist: a missing build is a failure, not a skip."""
    if not os.access(FEE_BIN, os.X_OK):
        pytest.fail(f"{FEE_BIN} is missing: run make first")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def answers(url, expect_status=None):
    try:
        r = requests.get(url, timeout=1, verify=False)
    except requests.RequestException:
        return False
    return expect_status is None or r.status_code == expect_status


def stop_process(proc, timeout=5):
    """SIGTERM, then SIGKILL; returns the exit code."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)
    return proc.returncode


class Server:
    """A real HTTP server running the sample app."""

    def __init__(self, kind, port, proc, scheme="http"):
        self.kind, self.port, self.proc = kind, port, proc
        self.base = f"{scheme}://127.0.0.1:{port}"

    @property
    def pid(self):
        return self.proc.pid

    def children(self):
        """PIDs of the server's child processes (gunicorn workers)."""
        path = f"/proc/{self.pid}/task/{self.pid}/children"
        with open(path) as f:
            return [int(p) for p in f.read().split()]


def server_command(kind, port, app="sample_app", app_dir=APPS, log_path=None, extra=(),
                   tls=None):
    """(argv, number of worker processes to wait for, cwd) of a server kind:
    werkzeug (threaded), werkzeug-reloader (debug reloader: a parent that re-spawns the
    serving child), gunicorn (2 sync workers), gunicorn-gthread (1 worker, 4 threads),
    uwsgi (master + 2 processes), waitress (1 process, 4 threads). tls: a TlsCert to serve
    HTTPS with (werkzeug and gunicorn)."""
    if kind in ("werkzeug", "werkzeug-reloader"):
        cmd = [PYTHON, os.path.join(app_dir, app + ".py"), "--port", str(port)]
        if tls:
            cmd += ["--cert", tls.cert, "--key", tls.key]
        if kind == "werkzeug-reloader":
            cmd.append("--reload")
        return cmd + list(extra), (1 if kind == "werkzeug-reloader" else 0), app_dir
    if kind in ("gunicorn", "gunicorn-gthread"):
        worker_args = (["--workers", "2", "--worker-class", "sync"] if kind == "gunicorn" else
                       ["--workers", "1", "--worker-class", "gthread", "--threads", "4"])
        cmd = ["gunicorn", "--chdir", app_dir, *worker_args, "--bind", f"127.0.0.1:{port}",
               "--log-level", "warning", *extra, f"{app}:app"]
        if log_path:
            cmd[1:1] = ["--error-logfile", log_path]
        if tls:
            cmd[1:1] = ["--certfile", tls.cert, "--keyfile", tls.key]
        return cmd, (2 if kind == "gunicorn" else 1), app_dir
    if kind == "uwsgi":
        cmd = ["uwsgi", "--plugin", "python3", "--http-socket", f"127.0.0.1:{port}",
               "--processes", "2", "--master", "--chdir", app_dir, "--module", f"{app}:app",
               "--die-on-term", "--disable-logging", "--need-app", *extra]
        return cmd, 2, app_dir
    if kind == "waitress":
        cmd = [PYTHON, "-m", "waitress", "--host", "127.0.0.1", "--port", str(port),
               "--threads", "4", *extra, f"{app}:app"]
        return cmd, 0, app_dir
    raise ValueError(kind)


def tcp_sockets():
    """(state, local port, remote port, rx queue, tx queue) of each IPv4 TCP socket of this
    network namespace, from /proc/net/tcp. A listener's rx queue is its count of connections
    not yet accepted; a connection's rx queue holds the bytes received and not yet read, its
    tx queue the bytes sent and not yet acknowledged by the peer."""
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            local, remote, state, queues = fields[1], fields[2], fields[3], fields[4]
            tx_queue, rx_queue = queues.split(":")
            yield (state, int(local.split(":")[1], 16), int(remote.split(":")[1], 16),
                   int(rx_queue, 16), int(tx_queue, 16))


LISTEN, ESTABLISHED = "0A", "01"


def waiting_to_be_accepted(port, sockets=None):
    """Connections to the listener on `port` not yet accept()ed by its server."""
    return sum(queue for state, local, _, queue, _ in (sockets or tcp_sockets())
               if state == LISTEN and local == port)


def accepted_by_server(port, client_port):
    """The server on `port` has accept()ed the connection from `client_port`: its side of
    the connection exists and nothing waits in the listener's queue."""
    sockets = list(tcp_sockets())
    child = any(state == ESTABLISHED and local == port and remote == client_port
                for state, local, remote, _, _ in sockets)
    return child and waiting_to_be_accepted(port, sockets) == 0


def read_by_server(port, client_port):
    """The server on `port` has read every byte the client on `client_port` sent so far:
    the server's kernel acknowledged them all (the client's tx queue is empty) and none
    waits unread on the server's side of the connection (its rx queue is empty)."""
    sockets = list(tcp_sockets())
    server_side = [rx for state, local, remote, rx, _ in sockets
                   if state == ESTABLISHED and local == port and remote == client_port]
    client_side = [tx for state, local, remote, _, tx in sockets
                   if state == ESTABLISHED and local == client_port and remote == port]
    return server_side == [0] and client_side == [0]


def wait_read_by_server(port, sock, timeout=10):
    """Until the server on `port` has read what `sock`, a client socket, sent (a fixed
    sleep would be a guess at how soon a loaded machine schedules the server)."""
    client_port = sock.getsockname()[1]
    wait_until(lambda: read_by_server(port, client_port), timeout,
               f"the server on port {port} to read what port {client_port} sent")


def pids_of_two_workers(server, wait=0.3):
    """The PIDs that answered two requests to /pid, the first kept busy for `wait` seconds
    and accept()ed before the second is sent: with two single-threaded workers up (gunicorn
    sync, uWSGI processes), two different workers answer, so sequential tests reach both
    (left alone, one worker may win every connection; which one takes a first request is
    the scheduler's choice). Both requests are answered with 200 (2 requests on path /pid)."""
    busy = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        busy.request("GET", f"/pid?wait={wait}")
        client_port = busy.sock.getsockname()[1]
        wait_until(lambda: accepted_by_server(server.port, client_port), 10,
                   "a worker to accept the busy request")
        r = requests.get(server.base + "/pid", timeout=10)
        assert r.status_code == 200
        first = busy.getresponse()
        assert first.status == 200
        return int(first.read()), int(r.text)
    finally:
        busy.close()


def accepts_connections(port):
    """Something listens on 127.0.0.1:port (the connection is closed without a request)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def start_server(kind, port, app="sample_app", env=None, log_path=None, tls=None, extra=(),
                 app_dir=APPS, python=None, probe="http"):
    """A running server of `kind` (see server_command) on 127.0.0.1:port, answering and
    with all its workers up. log_path: the server's error log (and Flask's) goes to this
    file instead of a pipe. tls: a TlsCert to serve HTTPS with. python: another
    interpreter binary for the Python servers.
    probe: "http" waits for an answer to GET /; "tcp" only for the port to accept, for
    tests where an exporter may already be watching (a probe request would count)."""
    cmd, workers, cwd = server_command(kind, port, app, app_dir, log_path, extra, tls)
    if python and cmd[0] == PYTHON:
        cmd[0] = python
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log, cwd=cwd,
                            env={**os.environ, **(env or {})})
    if log_path:
        log.close()
    server = Server(kind, port, proc, "https" if tls else "http")
    try:
        ready = ((lambda: answers(server.base + "/")) if probe == "http" else
                 (lambda: accepts_connections(port)))
        wait_until(lambda: ready() or proc.poll() is not None, 30, f"{kind} on port {port}")
        assert proc.poll() is None, f"{kind} exited with {proc.returncode}"
        if workers:
            wait_until(lambda: len(server.children()) == workers, 20, f"{workers} workers")
    except BaseException:
        stop_process(proc)
        raise
    return server


class TlsCert:
    """A throw-away self-signed certificate for localhost, made at test time."""

    def __init__(self, directory):
        self.cert = os.path.join(directory, "cert.pem")
        self.key = os.path.join(directory, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=localhost", "-keyout", self.key, "-out", self.cert],
                       check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="session")
def tls_cert(tmp_path_factory):
    return TlsCert(str(tmp_path_factory.mktemp("tls")))


@pytest.fixture(params=["werkzeug", "gunicorn"])
def server(request):
    s = start_server(request.param, free_port())
    yield s
    stop_process(s.proc)


@pytest.fixture
def gunicorn_server():
    s = start_server("gunicorn", free_port())
    yield s
    stop_process(s.proc)


# The bound on an exporter's start: ≈ 0.65 s alone, but loading and attaching its BPF
# programs took over 20 s once beside busy loops and other test runs.
READY_SECONDS = 60


class Exporter:
    """The exporter under test, attached to PIDs, with its scrape helpers."""

    def __init__(self, pids, port, extra_args=(), metrics_path="/metrics"):
        """extra_args: more flags (--prefix, --config FILE, ...); metrics_path: where
        scrape_text() looks."""
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.metrics_path = metrics_path
        args = [FEE_BIN, "--listen", f"127.0.0.1:{port}"]
        for pid in pids:
            args += ["--pid", str(pid)]
        args += list(extra_args)
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def wait_ready(self, timeout=READY_SECONDS):
        try:
            wait_until(lambda: answers(self.base + "/-/ready", 200) or self.proc.poll() is not None,
                       timeout, "the exporter's /-/ready")
        finally:
            if self.proc.poll() is not None:
                raise AssertionError(f"exporter exited with {self.proc.returncode}: "
                                     f"{self.proc.stderr.read().decode()}")

    def scrape_text(self, names=()):
        """The scrape's text; names: only the samples so named (?name[]=, cheap to render
        where a full scrape may hold thousands of series)."""
        r = requests.get(self.base + self.metrics_path, params={"name[]": list(names)},
                         timeout=10)
        assert r.status_code == 200
        assert r.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
        return r.text

    def stop(self):
        # Detaching takes one RCU grace period per BPF link (~50-80 ms each on this 2-core
        # machine under load, ~4 s for all of them): allow that before SIGKILL.
        code = stop_process(self.proc, timeout=20)
        err = self.proc.stderr.read().decode()
        return code, err


@pytest.fixture
def attach():
    """attach(pid, ..., args=[flags], metrics_path=...) -> a ready Exporter; stopped (and
    checked to exit 0) at teardown."""
    started = []

    def _attach(*pids, args=(), metrics_path="/metrics"):
        exp = Exporter(pids, free_port(), args, metrics_path)
        started.append(exp)
        exp.wait_ready()
        return exp

    yield _attach
    for exp in started:
        code, err = exp.stop()
        assert code == 0, f"exporter exited {code} on SIGTERM: {err}"


def samples(text):
    """{(sample name, frozenset(labels)): value} of one scrape, via prometheus_client."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def labels(**kv):
    """A label set as series() keys it."""
    return frozenset(kv.items())


def series(text, name):
    """{frozenset(labels): value} of the samples called `name`."""
    return {labels: v for (n, labels), v in samples(text).items() if n == name}


RECEIVED = "flask_ebpf_exporter_records_received_total"
QUIET_SECONDS = 0.3  # three of the daemon's 100 ms drains


def wait_counted(exporter, want, *names, timeout=20):
    """Until the samples called `names` (by default the records received, whatever the
    prefix or exclusions) add up to `want` or more, or `timeout` passed; polled with
    scrapes of those samples only."""
    names = names or (RECEIVED,)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = exporter.scrape_text(names)
        if sum(sum(series(text, name).values()) for name in names) >= want:
            return
        time.sleep(0.1)


def scrape_when_counted(exporter, want, *names, timeout=20):
    """One scrape, taken once the samples called `names` add up to `want` (wait_counted)
    and a quiet period has passed. A record is emitted when the server's write returns,
    and its client may read the response before that on a loaded machine: the last records
    can trail the last answer. A sum above `want` ends the wait at once, and after
    `timeout` the scrape is returned as it is: the caller's exact assertions then say what
    is missing or extra."""
    wait_counted(exporter, want, *names, timeout=timeout)
    time.sleep(QUIET_SECONDS)  # a quiet period: nothing more may arrive
    return exporter.scrape_text()


def promtool_check(text):
    """promtool check metrics must find no problem at all in the scrape."""
    r = subprocess.run(["promtool", "check", "metrics"], input=text.encode(),
                       capture_output=True, timeout=30)
    assert r.returncode == 0, f"promtool: {r.stdout.decode()} {r.stderr.decode()}"


@pytest.fixture
def stopping():
    """stopping(server): the server is stopped at teardown, whatever happens."""
    servers = []
    yield servers.append
    for s in servers:
        stop_process(s.proc)


def assert_exact_counts(text, expected):
    """The request families hold exactly what `expected` (an Expected) tallied, and no
    record was dropped."""
    assert series(text, "flask_http_request_total") == {
        labels(method=m, status=s): float(n) for (m, s), n in expected.total.items()}
    assert series(text, "flask_http_request_duration_seconds_count") == {
        labels(method=m, path=p, status=s): float(n)
        for (m, p, s), n in expected.duration.items()}
    assert series(text, "flask_ebpf_exporter_records_dropped_total") == {frozenset(): 0}


class Expected:
    """What the client sent and got, tallied the way the exporter must count it."""

    def __init__(self):
        self.total = Tally()     # (method, status) -> n
        self.duration = Tally()  # (method, path, status) -> n

    def add(self, method, path, status):
        self.total[(method, str(status))] += 1
        self.duration[(method, path, str(status))] += 1

    @property
    def count(self):
        return sum(self.total.values())

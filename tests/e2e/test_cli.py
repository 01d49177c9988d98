"""The daemon's command line and its error paths: clear messages and exit codes."""
import subprocess

from conftest import FEE_BIN, free_port


def run(*args, timeout=20):
    return subprocess.run([FEE_BIN, *args], capture_output=True, text=True, timeout=timeout)


def test_help_and_version():
    r = run("--help")
    assert r.returncode == 0
    assert "--pid" in r.stdout and "--listen" in r.stdout
    r = run("--version")
    assert r.returncode == 0
    assert r.stdout.startswith("flask_ebpf_exporter 0.1.0")


def test_no_such_process():
    r = run("--pid", "999999999", "--listen", f"127.0.0.1:{free_port()}")
    assert r.returncode == 1
    assert "no such process: 999999999" in r.stderr


def test_usage_errors():
    for args in (["--frobnicate"], [], ["--pid", "abc"], ["--pid", "1", "--listen", "nowhere"]):
        r = run(*args)
        assert r.returncode == 2, args
        assert "flask_ebpf_exporter:" in r.stderr, args
    r = run("--frobnicate")
    assert "unknown option '--frobnicate'" in r.stderr
    assert "Usage:" in r.stderr


def test_port_in_use():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        r = run("--pid", "1", "--listen", f"127.0.0.1:{port}")
    assert r.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in r.stderr


def test_not_root():
    """Without privileges the exporter says what it needs instead of failing obscurely."""
    r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                        FEE_BIN, "--pid", "1", "--listen", f"127.0.0.1:{free_port()}"],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 1
    # Each missing capability is named with what it is for (test_capabilities.py has more).
    assert "missing capability CAP_BPF: needed for loading the BPF programs" in r.stderr
    assert "missing capability CAP_PERFMON: needed for attaching the tracing programs" in r.stderr

"""The app's process metrics (issue 17): prometheus_client's process_* families and
python_info, computed from /proc for the target as one application, compared with what
/proc and ps say for the whole process tree; the exporter's own under
flask_ebpf_exporter_process_*.

Tolerances (the app keeps running between our scrape and our own reading of /proc):
memory within 2 % + 256 KiB, CPU within 0.05 s + 2 %, open fds within 2, start time and
limits exact (to 1 ms), virtual size within 1 %.
"""
import os
import re
import signal
import subprocess
import time

import requests
from prometheus_client import CollectorRegistry, PlatformCollector, ProcessCollector
from prometheus_client.exposition import generate_latest

from conftest import PYTHON, free_port, labels, samples, series, start_server, stop_process
from nginx_server import Nginx

TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
FAMILIES = ["process_virtual_memory_bytes", "process_resident_memory_bytes",
            "process_start_time_seconds", "process_cpu_seconds_total", "process_open_fds",
            "process_max_fds"]


def boot_time():
    with open("/proc/stat") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("btime "))


def proc_stat(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is field 3 (state): field n is fields[n - 3]
    return {"utime": int(fields[11]), "stime": int(fields[12]), "cutime": int(fields[13]),
            "cstime": int(fields[14]), "start": int(fields[19]), "vsize": int(fields[20]),
            "rss": int(fields[21])}


def tree(pid):
    """pid and its descendants, from /proc."""
    out = [pid]
    for p in out:
        for task in os.listdir(f"/proc/{p}/task"):
            try:
                with open(f"/proc/{p}/task/{task}/children") as f:
                    out += [int(c) for c in f.read().split()]
            except FileNotFoundError:
                pass
    return out


def soft_nofile(pid):
    with open(f"/proc/{pid}/limits") as f:
        line = next(line for line in f if line.startswith("Max open files"))
    return float(line.split()[3])


def proc_view(pid):
    """What /proc and ps say about the tree rooted at pid, summed as the exporter sums."""
    pids = tree(pid)
    stats = [proc_stat(p) for p in pids]
    ps = subprocess.run(["ps", "-o", "rss=,vsz=", "-p", ",".join(map(str, pids))],
                        capture_output=True, text=True, check=True).stdout.split()
    return {
        "pids": pids,
        "cpu": sum(s["utime"] + s["stime"] + s["cutime"] + s["cstime"] for s in stats) / TICKS,
        "rss_proc": sum(s["rss"] for s in stats) * PAGE,
        "rss_ps": sum(int(v) for v in ps[0::2]) * 1024,
        "vsize": sum(s["vsize"] for s in stats),
        "vsz_ps": sum(int(v) for v in ps[1::2]) * 1024,
        "start": boot_time() + min(s["start"] for s in stats) / TICKS,
        "fds": sum(len(os.listdir(f"/proc/{p}/fd")) for p in pids),
        "max_fds": soft_nofile(pid),
    }


def one(text, name):
    values = series(text, name)
    assert len(values) == 1, f"{name}: {values}"
    return next(iter(values.values()))


def close(got, want, rel, absolute, what):
    assert abs(got - want) <= absolute + rel * abs(want), f"{what}: {got} vs {want}"


def client_help_and_types():
    """The HELP and TYPE lines prometheus_client prints for its process and platform
    collectors."""
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    return {line for line in generate_latest(registry).decode().splitlines()
            if line.startswith("# ") and ("process_" in line or "python_info" in line)}


def test_gunicorn_tree_agrees_with_proc(gunicorn_server, attach):
    exporter = attach(gunicorn_server.pid)
    for _ in range(200):  # some CPU in the workers
        requests.get(gunicorn_server.base + "/large", timeout=10)
    text = exporter.scrape_text()
    view = proc_view(gunicorn_server.pid)
    assert len(view["pids"]) == 3  # master + 2 workers

    close(one(text, "process_resident_memory_bytes"), view["rss_proc"], 0.02, 256 << 10, "rss")
    close(one(text, "process_resident_memory_bytes"), view["rss_ps"], 0.02, 256 << 10, "ps rss")
    close(one(text, "process_virtual_memory_bytes"), view["vsize"], 0.01, 0, "vsize")
    close(one(text, "process_virtual_memory_bytes"), view["vsz_ps"], 0.01, 0, "ps vsz")
    close(one(text, "process_cpu_seconds_total"), view["cpu"], 0.02, 0.05, "cpu")
    assert one(text, "process_cpu_seconds_total") > 0.1
    close(one(text, "process_start_time_seconds"), view["start"], 0, 0.001, "start")
    close(one(text, "process_open_fds"), view["fds"], 0, 2, "open fds")
    assert one(text, "process_max_fds") == view["max_fds"]

    # the same HELP and TYPE lines as prometheus_client; no _created for the counter
    lines = {line for line in text.splitlines()
             if line.startswith("# ") and re.search(r" (process_|python_info)", line)}
    assert lines == client_help_and_types()
    assert "process_cpu_seconds_created" not in text

    # the interpreter's own version, not a guess
    info = subprocess.run([PYTHON, "-c", "import sys, platform; v = sys.version_info; "
                           "print(platform.python_implementation(), v.major, v.minor, "
                           "v.micro, platform.python_version())"],
                          capture_output=True, text=True, check=True).stdout.split()
    assert series(text, "python_info") == {
        labels(implementation=info[0], major=info[1], minor=info[2], patchlevel=info[3],
               version=info[4]): 1.0}


def test_exporter_figures_under_own_prefix(gunicorn_server, attach):
    exporter = attach(gunicorn_server.pid)
    text = exporter.scrape_text()
    mine = proc_stat(exporter.proc.pid)
    for name in FAMILIES:
        assert len(series(text, "flask_ebpf_exporter_" + name)) == 1, name
    close(one(text, "flask_ebpf_exporter_process_resident_memory_bytes"), mine["rss"] * PAGE,
          0.05, 1 << 20, "exporter rss")
    close(one(text, "flask_ebpf_exporter_process_start_time_seconds"),
          boot_time() + mine["start"] / TICKS, 0, 0.001, "exporter start")
    # the app's figures do not include the exporter: it is no part of the tree
    assert exporter.proc.pid not in tree(gunicorn_server.pid)


def test_switched_off(gunicorn_server, attach, tmp_path):
    for args in (["--no-process-metrics"], ["--config", str(tmp_path / "c.yaml")]):
        (tmp_path / "c.yaml").write_text("process_metrics: false\n")
        exporter = attach(gunicorn_server.pid, args=args)
        names = {name for name, _ in samples(exporter.scrape_text())}
        assert not {n for n in names if n.startswith("process_") or n == "python_info"}, args
        assert "flask_ebpf_exporter_process_cpu_seconds_total" in names
        exporter.stop()


def test_cpu_never_goes_down_across_worker_respawn(gunicorn_server, attach):
    exporter = attach(gunicorn_server.pid)
    for _ in range(300):
        requests.get(gunicorn_server.base + "/large", timeout=10)
    before = one(exporter.scrape_text(), "process_cpu_seconds_total")
    workers = gunicorn_server.children()
    victim = workers[0]
    worker_cpu = sum(proc_stat(victim)[k] for k in ("utime", "stime")) / TICKS
    assert worker_cpu > 0.02, "the worker did some work first"
    os.kill(victim, signal.SIGKILL)
    values = [before]
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        values.append(one(exporter.scrape_text(), "process_cpu_seconds_total"))
        kids = gunicorn_server.children()
        if victim not in kids and len(kids) == 2 and len(values) > 5:
            break
        time.sleep(0.05)
    assert len(gunicorn_server.children()) == 2, "gunicorn respawned the worker"
    assert all(b >= a for a, b in zip(values, values[1:])), values
    # the killed worker's CPU is still in (the master reaped it: cutime)
    master = proc_stat(gunicorn_server.pid)
    assert (master["cutime"] + master["cstime"]) / TICKS >= worker_cpu - 0.011
    after = one(exporter.scrape_text(), "process_cpu_seconds_total")
    assert after >= before
    close(after, proc_view(gunicorn_server.pid)["cpu"], 0.02, 0.05, "cpu after respawn")


def test_nginx_has_no_python_info(attach, tmp_path):
    nginx = Nginx(str(tmp_path))
    try:
        exporter = attach(nginx.pid)
        requests.get(nginx.base + "/", timeout=5)
        text = exporter.scrape_text()
        assert series(text, "python_info") == {}
        assert "# TYPE python_info gauge" in text  # declared, no sample: nothing to say
        view = proc_view(nginx.pid)
        close(one(text, "process_resident_memory_bytes"), view["rss_proc"], 0.02, 256 << 10,
              "nginx rss")
        close(one(text, "process_start_time_seconds"), view["start"], 0, 0.001, "nginx start")
    finally:
        stop_process(nginx.proc)


def test_uwsgi_embedded_python_info(attach):
    """uwsgi embeds Python through libpython3.X.so: python_info is read from that library."""
    server = start_server("uwsgi", free_port())
    try:
        exporter = attach(server.pid)
        info = subprocess.run([PYTHON, "-c", "import platform; print(platform.python_version())"],
                              capture_output=True, text=True, check=True).stdout.strip()
        versions = {dict(k)["version"] for k in series(exporter.scrape_text(), "python_info")}
        assert versions == {info}
    finally:
        stop_process(server.proc)


def test_target_labels_carried(gunicorn_server, attach):
    exporter = attach(gunicorn_server.pid, args=["--target-label", "app=shop"])
    text = exporter.scrape_text()
    assert set(series(text, "process_cpu_seconds_total")) == {labels(app="shop")}
    assert {dict(k)["app"] for k in series(text, "python_info")} == {"shop"}

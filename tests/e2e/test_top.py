"""`flask_ebpf_exporter top` (issue 17) in tmux against a live app under known traffic:
capture-pane shows the routes sent with rates within 20 % of what was sent, the error
route flagged, and the keys change the sort. Both ways of naming the target: flags as
for the daemon (--pid), and a running exporter's URL. The last capture is kept under
build/ (docs/observability.md's capture is a copy of it: FEE_UPDATE_DOC_IMAGES=1 writes
docs/images/top.txt)."""
import os
import re
import shlex
import subprocess
import threading
import time

import pytest
import requests

from conftest import FEE_BIN, REPO

CAPTURE = os.path.join(REPO, "build", "test-artifacts", "top.txt")
# requests per second sent to each route, paced by the sender
SENT = {("GET", "/", "200"): 20.0, ("GET", "/items/3", "200"): 10.0,
        ("GET", "/fail", "500"): 5.0}
ROW = re.compile(r"^([! ]) (\S+)\s+(\S+)\s+(\d{3})\s+([\d.]+)\s+([\d.]+)")


def paced(base, stop, started):
    """Sends SENT's rates exactly: each route on its own schedule from one start time.
    `started` is set once the first requests are answered."""
    s = requests.Session()
    start = time.monotonic()
    sent = {key: 0 for key in SENT}
    while not stop.is_set():
        elapsed = time.monotonic() - start
        for key, rate in SENT.items():
            while sent[key] < elapsed * rate:
                s.get(base + key[1], timeout=10)
                sent[key] += 1
        started.set()
        time.sleep(0.005)  # the pace of the traffic


class Tmux:
    def __init__(self, command):
        self.session = f"fee-top-{os.getpid()}-{time.monotonic_ns()}"
        subprocess.run(["tmux", "new-session", "-d", "-s", self.session, "-x", "130", "-y",
                        "24", command], check=True, timeout=10)

    def capture(self):
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", self.session],
                              capture_output=True, text=True, check=True, timeout=10).stdout

    def keys(self, *keys):
        subprocess.run(["tmux", "send-keys", "-t", self.session, *keys], check=True, timeout=10)

    def alive(self):
        return subprocess.run(["tmux", "has-session", "-t", self.session],
                              capture_output=True, timeout=10).returncode == 0

    def kill(self):
        subprocess.run(["tmux", "kill-session", "-t", self.session], capture_output=True,
                       timeout=10)


def rows(screen):
    """[(flag, method, route, status, rate, error %)] of the table on screen."""
    return [(m[1], m[2], m[3], m[4], float(m[5]), float(m[6]))
            for m in map(ROW.match, screen.splitlines()) if m]


def wait_screen(tmux, predicate, timeout, what):
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux.capture()
        if predicate(screen):
            return screen
        time.sleep(0.25)
    raise AssertionError(f"{what}; the screen:\n{screen}")


def check_top(tmux):
    # rates over a 5 s window: wait until it spans 5 s of traffic
    # (top started after the traffic: every window it shows is all traffic)
    screen = wait_screen(tmux, lambda s: "over 5 s" in s and len(rows(s)) >= 3, 30,
                         "top shows the three routes over 5 s")
    got = {(r[1], r[2], r[3]): r for r in rows(screen)}
    for key, rate in SENT.items():
        assert key in got, f"{key} missing:\n{screen}"
        assert abs(got[key][4] - rate) <= 0.2 * rate, f"{key}: {got[key][4]} vs {rate}\n{screen}"
    assert got[("GET", "/fail", "500")][0] == "!" and got[("GET", "/fail", "500")][5] == 100.0
    assert got[("GET", "/", "200")][0] == " "
    order = [r[2] for r in rows(screen)]
    assert order[:3] == ["/", "/items/3", "/fail"], f"sorted by rate:\n{screen}"
    assert "sort: rate" in screen
    os.makedirs(os.path.dirname(CAPTURE), exist_ok=True)
    with open(CAPTURE, "w") as f:
        f.write(screen)
    if os.environ.get("FEE_UPDATE_DOC_IMAGES"):  # docs/observability.md's capture: docs/images/top.txt
        with open(os.path.join(REPO, "docs", "images", "top.txt"), "w") as f:
            f.write(screen.rstrip() + "\n")

    tmux.keys("n")  # by route name
    screen = wait_screen(tmux, lambda s: "sort: route" in s, 5, "n sorts by route")
    assert [r[2] for r in rows(screen)][:3] == ["/", "/fail", "/items/3"]
    tmux.keys("e")  # errors first
    screen = wait_screen(tmux, lambda s: "sort: errors" in s, 5, "e sorts by errors")
    assert rows(screen)[0][2] == "/fail"
    tmux.keys("s")  # per route, statuses summed
    wait_screen(tmux, lambda s: "per route" in s, 5, "s groups per route")
    tmux.keys("q")
    deadline = time.monotonic() + 20
    while tmux.alive() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not tmux.alive(), "q quits"


@pytest.mark.parametrize("how", ["pid", "url"])
def test_top_in_tmux(gunicorn_server, attach, how):
    if how == "url":
        exporter = attach(gunicorn_server.pid)
        command = f"{FEE_BIN} top {exporter.base}/metrics"
    else:
        command = f"{FEE_BIN} top --pid {gunicorn_server.pid}"
    stop, started = threading.Event(), threading.Event()
    sender = threading.Thread(target=paced, args=(gunicorn_server.base, stop, started))
    # the daemon's log (stderr) would draw over the view: keep it in a file
    log = f"/tmp/fee-top-{os.getpid()}.log"
    tmux = None
    try:
        sender.start()
        assert started.wait(30), "the traffic never started"
        tmux = Tmux(f"{command} 2>{shlex.quote(log)}")
        check_top(tmux)
    finally:
        stop.set()
        sender.join(15)
        if tmux:
            tmux.kill()
        if os.path.exists(log):
            os.unlink(log)

"""The landing page at `/` (issue 17), loaded by headless Chromium (Debian's) while traffic
runs: the DOM names the target and its processes and lists the routes sent with non-zero
rates, the error route marked (escaping of what traffic sends: tests/unit/serve). The screenshot is kept under build/ (the README's image
is a copy of it: FEE_UPDATE_DOC_IMAGES=1 writes it to docs/images/)."""
import os
import shutil
import subprocess
import threading
import time
from html.parser import HTMLParser

import requests

from conftest import REPO, wait_until

SCREENSHOT = os.path.join(REPO, "build", "test-artifacts", "landing-page.png")


def chromium(*args):
    """Headless Chromium as root (no sandbox there), bounded in time."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "chromium is missing: scripts/install-deps.sh installs it"
    return subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                           "--hide-scrollbars", "--user-data-dir=" + args[0], *args[1:]],
                          capture_output=True, text=True, timeout=90)


class Dom(HTMLParser):
    """The bits of the rendered DOM the test looks at: cells by table id, elements by id,
    scripts."""

    def __init__(self):
        super().__init__()
        self.tables, self.ids, self.scripts = {}, {}, 0
        self._table = self._row = self._id = None
        self._cell = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if tag == "table":
            self._table = a.get("id")
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self._row = {"class": a.get("class") or "", "cells": [], "data": {}}
            self.tables[self._table].append(self._row)
        elif tag == "td" and self._row is not None:
            self._cell = ""
            self._row["data"].update({k: v for k, v in a.items() if k.startswith("data-")})
        if "id" in a and tag != "table":
            self._id = a["id"]
            self.ids[self._id] = ""

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self._row["cells"].append(self._cell)
            self._cell = None
        elif tag == "table":
            self._table = self._row = None
        if self._id and tag in ("dd", "a"):
            self._id = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        if self._id:
            self.ids[self._id] += data


def routes(dom):
    """{(method, route): row} of the page's table of busy routes."""
    return {(row["cells"][0], row["cells"][1]): row for row in dom.tables.get("routes", [])
            if len(row["cells"]) == 7}


def page_lists(base, wanted):
    """The page, fetched now, has a row with a rate for each (method, route) wanted."""
    dom = Dom()
    dom.feed(requests.get(base + "/", timeout=5).text)
    return wanted <= set(routes(dom))


def send(base, stop):
    s = requests.Session()
    while not stop.is_set():
        for path in ("/", "/", "/items/7", "/fail"):
            s.get(base + path, timeout=10)
        time.sleep(0.02)  # the pace of the traffic


def test_landing_page_in_chromium(gunicorn_server, attach, tmp_path):
    exporter = attach(gunicorn_server.pid)
    stop = threading.Event()
    sender = threading.Thread(target=send, args=(gunicorn_server.base, stop))
    sender.start()
    try:
        # Samples of the traffic (one each 2 s): rows appear once two samples differ.
        wait_until(lambda: page_lists(exporter.base, {("GET", "/"), ("GET", "/fail")}), 30,
                   "the page to list the routes sent")
        r = chromium(str(tmp_path / "profile"), "--dump-dom", exporter.base + "/")
        assert r.returncode == 0, r.stderr
        dom = Dom()
        dom.feed(r.stdout)
        os.makedirs(os.path.dirname(SCREENSHOT), exist_ok=True)
        shot = chromium(str(tmp_path / "profile2"), "--window-size=1100,900",
                        f"--screenshot={SCREENSHOT}", exporter.base + "/")
        assert shot.returncode == 0 and os.path.getsize(SCREENSHOT) > 10000, shot.stderr
        if os.environ.get("FEE_UPDATE_DOC_IMAGES"):  # README's image: docs/images/
            shutil.copy(SCREENSHOT, os.path.join(REPO, "docs", "images", "landing-page.png"))
    finally:
        stop.set()
        sender.join(15)

    assert dom.scripts == 0, "the page needs no JavaScript"
    assert dom.ids["version"].strip() and dom.ids["hook-mode"].strip() in (
        "tracepoint", "fentry", "kprobe")
    assert dom.ids["ready"] == "ready"
    assert int(dom.ids["processes"]) == 3  # master + 2 workers
    # the target: --pid, its PID, its 3 processes
    targets = [row for row in dom.tables["targets"] if row["cells"]]
    assert [(t["cells"][0], t["cells"][1], t["data"]["data-processes"]) for t in targets] == [
        ("pid", str(gunicorn_server.pid), "3")]
    # the busiest routes, with rates; the error route marked
    busy = routes(dom)
    assert float(busy[("GET", "/")]["data"]["data-rate"]) > 1
    assert float(busy[("GET", "/fail")]["data"]["data-rate"]) > 0
    assert "error" in busy[("GET", "/fail")]["class"]
    assert "error" not in busy[("GET", "/")]["class"]
    assert busy[("GET", "/fail")]["cells"][3] == "100.0 %"
    # the links
    assert dom.ids["metrics-link"] == "/metrics"
    html = requests.get(exporter.base + "/", timeout=5)
    assert html.headers["Content-Type"] == "text/html; charset=utf-8"
    assert 'href="/-/ready"' in html.text and 'href="/-/healthy"' in html.text

"""Routes, group_by and custom metrics (SPEC §4) against a real Flask app under a real
server, attached by the exporter. Every expected label comes from Flask itself: the test
asks the app's own url_map (and request.full_path) what the library would have seen."""
import os
import signal
import subprocess
import sys
import threading

import pytest
import requests

from conftest import (APPS, FEE_BIN, REPO, free_port, promtool_check, scrape_when_counted,
                      series, start_server, stop_process, wait_until)

sys.path.insert(0, APPS)
import routes_app  # noqa: E402  (the app under test, for Flask's own view of each request)

# The app's rules, as a user would list them (routes_app.py has no static folder).
ROUTES = """
static_url_path: null
routes:
  - {rule: /, endpoint: index}
  - {rule: /items/, endpoint: items}
  - {rule: '/items/<int:item_id>', endpoint: item}
  - {rule: '/items/<int:item_id>', endpoint: update_item, methods: [POST]}
  - {rule: '/<item_type>', endpoint: by_type}
  - {rule: '/files/<path:name>', endpoint: files}
  - {rule: /health, endpoint: health, do_not_track: true}
  - {rule: /secret, endpoint: secret, exclude_all_metrics: true}
  - {rule: /block, endpoint: block}
"""

# (method, target) sent to the server, once each.
REQUESTS = [
    ("GET", "/"),
    ("GET", "/items"),        # 308 to /items/: no rule (url_rule None)
    ("GET", "/items/"),
    ("GET", "/items/007"),
    ("HEAD", "/items/3"),
    ("POST", "/items/5"),     # the second rule of the same text
    ("PUT", "/items/5"),      # 405: no rule
    ("GET", "/books?color=red&x=%20y"),
    ("GET", "/books"),
    ("GET", "/files/a/b.txt"),
    ("GET", "/nope/deeper"),  # 404
    ("GET", "/items/abc"),    # 404: int does not match, nothing else does
    ("GET", "/health"),       # do_not_track: the defaults skip it
    ("GET", "/secret"),       # exclude_all_metrics: nothing counts it
    ("OPTIONS", "/health"),   # Flask answers OPTIONS itself: the decorator never runs
]


def flask_view(method, target):
    """What Flask's request object holds for this request: (status it would send, path,
    full_path, endpoint, url_rule, view_args), the labels as str() prints them."""
    app = routes_app.app
    with app.test_request_context(target, method=method):
        from flask import request
        rule = request.url_rule
        return (request.path, request.full_path, str(request.endpoint),
                str(rule) if rule is not None else "None")


def send_all(base):
    statuses = {}
    for method, target in REQUESTS:
        r = requests.request(method, base + target, allow_redirects=False, timeout=10)
        statuses[(method, target)] = r.status_code
    return statuses


def write_config(tmp_path, text):
    path = tmp_path / "exporter.yaml"
    path.write_text(text)
    return str(path)


@pytest.fixture
def routes_server():
    s = start_server("werkzeug", free_port(), app="routes_app")
    yield s
    stop_process(s.proc)


@pytest.mark.parametrize("group_by,how", [("path", "default"), ("full_path", "flag"),
                                          ("endpoint", "yaml"), ("url_rule", "flag")])
def test_group_by(group_by, how, routes_server, attach, tmp_path):
    config = ROUTES + (f"group_by: {group_by}\n" if how == "yaml" else "")
    args = ["--config", write_config(tmp_path, config)]
    if how == "flag":
        args += ["--group-by", group_by]
    exporter = attach(routes_server.pid, args=args)
    statuses = send_all(routes_server.base)
    assert statuses[("GET", "/items")] == 308
    assert statuses[("PUT", "/items/5")] == 405
    assert statuses[("GET", "/nope/deeper")] == 404

    want_duration, want_total = {}, {}
    for method, target in REQUESTS:
        path, full_path, endpoint, url_rule = flask_view(method, target)
        if target in ("/health", "/secret") and method != "OPTIONS":
            continue  # the routes marked do_not_track / exclude_all_metrics
        group = {"path": path, "full_path": full_path, "endpoint": endpoint,
                 "url_rule": url_rule}[group_by]
        status = str(statuses[(method, target)])
        key = frozenset({("method", method), (group_by, group), ("status", status)})
        want_duration[key] = want_duration.get(key, 0) + 1
        key = frozenset({("method", method), ("status", status)})
        want_total[key] = want_total.get(key, 0) + 1

    text = scrape_when_counted(exporter, len(REQUESTS))  # every request answered
    assert series(text, "flask_http_request_duration_seconds_count") == want_duration
    assert series(text, "flask_http_request_total") == want_total
    unexported = series(text, "flask_ebpf_exporter_requests_unexported_total")
    assert unexported[frozenset({("reason", "not_tracked")})] == 2
    if group_by in ("endpoint", "url_rule"):  # unmatched requests label None, like the library
        none = sum(n for k, n in want_duration.items() if (group_by, "None") in k)
        assert none == 4  # the 308, the 405 and two 404s
    if group_by == "full_path":
        assert frozenset({("method", "GET"), ("full_path", "/books?color=red&x=%20y"),
                          ("status", "200")}) in want_duration
        assert frozenset({("method", "GET"), ("full_path", "/books?"),
                          ("status", "200")}) in want_duration


CUSTOM = ROUTES + """
metrics:
  - type: counter
    name: items_by_type
    help: Requests by item type
    routes: [by_type]
    labels: {item_type: {param: item_type}, status: {from: status}}
  - type: counter
    name: view_requests
    help: Requests that reached a view
    labels: {endpoint: {from: endpoint}, method: {from: method}, rule: {from: url_rule},
             team: web}
  - type: histogram
    name: item_seconds
    help: Item latency
    buckets: [0.5, 5]
    routes: [item, update_item]
    labels: {path: {from: path}}
  - type: summary
    name: files_seconds
    help: Files latency
    routes: ['/files/<path:name>']
  - type: counter
    name: health_checks
    help: Health checks, although the defaults do not track them
    routes: [health]
"""


def test_custom_metrics(routes_server, attach, tmp_path):
    exporter = attach(routes_server.pid, args=["--config", write_config(tmp_path, CUSTOM)])
    text = exporter.scrape_text()
    # Label-less metrics start at zero, as the client shows them.
    assert series(text, "health_checks_total") == {frozenset(): 0}
    assert series(text, "files_seconds_count") == {frozenset(): 0}

    statuses = send_all(routes_server.base)
    text = scrape_when_counted(exporter, len(REQUESTS))
    assert series(text, "items_by_type_total") == {
        frozenset({("item_type", "books"), ("status", "200")}): 2}
    # register_default: every request whose view ran, whatever its route, but not a 404,
    # 405 or redirect, not Flask's own OPTIONS answer, not an exclude_all route.
    want = {}
    for method, target in REQUESTS:
        path, full_path, endpoint, url_rule = flask_view(method, target)
        if endpoint in ("None", "secret") or method == "OPTIONS":
            continue
        key = frozenset({("endpoint", endpoint), ("method", method), ("rule", url_rule),
                         ("team", "web")})
        want[key] = want.get(key, 0) + 1
    assert series(text, "view_requests_total") == want
    assert sum(want.values()) == 9
    assert series(text, "item_seconds_count") == {
        frozenset({("path", "/items/007")}): 1, frozenset({("path", "/items/3")}): 1,
        frozenset({("path", "/items/5")}): 1}
    buckets = series(text, "item_seconds_bucket")
    assert buckets[frozenset({("path", "/items/5"), ("le", "0.5")})] == 1
    assert buckets[frozenset({("path", "/items/5"), ("le", "+Inf")})] == 1
    assert series(text, "files_seconds_count") == {frozenset(): 1}
    assert series(text, "health_checks_total") == {frozenset(): 1}
    assert statuses[("GET", "/health")] == 200
    promtool_check(text)


GAUGE = ROUTES + """
metrics:
  - type: gauge
    name: block_in_progress
    help: Requests to /block in progress
    routes: [block]
    labels: {app: routes}
"""


@pytest.mark.parametrize("kind", ["werkzeug", "gunicorn"])
def test_in_progress_gauge(kind, attach, tmp_path):
    release = tmp_path / "release"
    server = start_server(kind, free_port(), app="routes_app",
                          env={"ROUTES_APP_RELEASE_FILE": str(release)})
    try:
        exporter = attach(server.pid, args=["--config", write_config(tmp_path, GAUGE)])
        key = frozenset({("app", "routes")})
        assert series(exporter.scrape_text(), "block_in_progress") == {key: 0}

        result = {}
        client = threading.Thread(target=lambda: result.update(
            r=requests.get(server.base + "/block", timeout=20)))
        client.start()
        try:
            wait_until(lambda: series(exporter.scrape_text(), "block_in_progress")[key] == 1,
                       10, "the gauge to read 1 while /block runs")
            # Still one, however often it is scraped, while the request is held.
            text = exporter.scrape_text()
            assert series(text, "block_in_progress") == {key: 1}
            promtool_check(text)
        finally:
            release.write_text("go")
            client.join(20)
        assert result["r"].status_code == 200
        requests.get(server.base + "/", timeout=10)  # out of scope: leaves the gauge alone
        wait_until(lambda: series(exporter.scrape_text(), "flask_http_request_total").get(
            frozenset({("method", "GET"), ("status", "200")})) == 2, 10, "both requests")
        assert series(exporter.scrape_text(), "block_in_progress") == {key: 0}
    finally:
        stop_process(server.proc)


@pytest.mark.parametrize("text,message", [
    ("routes:\n  - {rule: /a}\n  - {rule: '/b/<nope:x>'}\n",
     "x.yaml:3: routes[1]: the converter 'nope' does not exist"),
    ("routes: [{rule: '/<kind>'}]\nmetrics:\n"
     "  - {type: counter, name: c, help: h, routes: [kinds]}\n",
     "x.yaml:3: metrics[0]: c: scope 'kinds' names no route (endpoint or rule)"),
    ("group_by: rule\n",
     "x.yaml:1: group_by: 'rule' is not one of path, full_path, endpoint, url_rule"),
])
def test_route_config_errors(text, message, tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text(text)
    r = subprocess.run([FEE_BIN, "--config", str(path), "--check-config"],
                       capture_output=True, timeout=30)
    assert r.returncode == 2
    assert r.stderr.decode().strip() == f"flask_ebpf_exporter: {tmp_path}/{message}"
    r = subprocess.run([FEE_BIN, "--group-by", "rule", "--check-config"],
                       capture_output=True, timeout=30)
    assert r.returncode == 2
    assert "--group-by: 'rule' is not one of path, full_path, endpoint, url_rule" in \
        r.stderr.decode()
    r = subprocess.run([FEE_BIN, "--group-by", "endpoint", "--check-config"],
                       capture_output=True, timeout=30)
    assert r.returncode == 2
    assert r.stderr.decode() == ("flask_ebpf_exporter: error: group_by endpoint needs the "
                                 "app's routes (routes: in --config)\n")


def test_killed_worker_releases_the_gauge(attach, tmp_path):
    """A worker that dies in the middle of a request (gunicorn kills one that overruns its
    timeout) closes its sockets without close(): the kernel abandons its requests when the
    process exits, so the gauge falls back to 0 instead of staying up for ever."""
    server = start_server("gunicorn", free_port(), app="routes_app",
                          env={"ROUTES_APP_RELEASE_FILE": str(tmp_path / "never")})
    try:
        exporter = attach(server.pid, args=["--config", write_config(tmp_path, GAUGE)])
        key = frozenset({("app", "routes")})
        errors = []

        def blocked_request():
            try:
                requests.get(server.base + "/block", timeout=20)
            except requests.RequestException as e:
                errors.append(e)

        client = threading.Thread(target=blocked_request)
        client.start()
        wait_until(lambda: series(exporter.scrape_text(), "block_in_progress")[key] == 1,
                   10, "the gauge to read 1 while /block runs")
        for worker in server.children():
            os.kill(worker, signal.SIGKILL)
        client.join(20)
        assert errors, "the killed worker still answered"
        wait_until(lambda: series(exporter.scrape_text(), "block_in_progress")[key] == 0,
                   10, "the gauge to fall back to 0")
        assert series(exporter.scrape_text(), "flask_http_request_total") == {}
    finally:
        stop_process(server.proc)


# The configuration examples of the documentation: (file, the heading above the example).
DOCUMENTED_EXAMPLES = [
    ("docs/routes-and-custom-metrics.md", "# Routes and custom metrics"),
    ("docs/configuration.md", "## The configuration file"),
    ("README.md", "### Targets"),
    ("README.md", "## On Kubernetes"),
    ("README.md", "### Pod labels and owners from the API server"),
    ("docs/kubernetes.md", "## A config to copy"),
]


@pytest.mark.parametrize("doc,heading", DOCUMENTED_EXAMPLES)
def test_documented_example_is_valid(tmp_path, doc, heading):
    """The first YAML example under each heading passes --check-config."""
    import re
    with open(os.path.join(REPO, doc), encoding="utf-8") as f:
        text = f.read()
    section = text[text.index(heading + "\n"):]
    example = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
    path = tmp_path / "example.yaml"
    path.write_text(example)
    r = subprocess.run([FEE_BIN, "--config", str(path), "--check-config"],
                       capture_output=True, timeout=30)
    assert r.returncode == 0, r.stderr.decode()
    if doc.endswith("routes-and-custom-metrics.md"):
        assert "items_by_type" in example and "register_default" in example

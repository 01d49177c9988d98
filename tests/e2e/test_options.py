"""prometheus_flask_exporter's options, zero-code (SPEC §4), end to end: a real server (the
sample app under werkzeug; gunicorn where workers matter), the exporter attached with the
option, real requests, exact counts in the scrape."""
import gzip
import subprocess
import threading

import pytest
import requests
from prometheus_client.openmetrics.parser import \
    text_string_to_metric_families as om_families

from conftest import (FEE_BIN, free_port, promtool_check, samples, scrape_when_counted, series,
                      start_server, stop_process)


@pytest.fixture
def app():
    s = start_server("werkzeug", free_port())
    yield s
    stop_process(s.proc)


def get(server, path, n=1, status=200):
    for _ in range(n):
        r = requests.get(server.base + path, timeout=10)
        assert r.status_code == status, (path, r.status_code)


def by(text, name, *keys):
    """{(label values...): value} of the samples called name."""
    return {tuple(dict(k)[key] for key in keys): v for k, v in series(text, name).items()}


def write_config(tmp_path, text, name="exporter.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_prefix(app, attach):
    exporter = attach(app.pid, args=["--prefix", "myapp"])
    get(app, "/", 3)
    get(app, "/nope", 1, status=404)
    text = scrape_when_counted(exporter, 4, "myapp_http_request_total")
    assert by(text, "myapp_http_request_total", "method", "status") == {
        ("GET", "200"): 3, ("GET", "404"): 1}
    assert by(text, "myapp_http_request_duration_seconds_count", "path") == {
        ("/",): 3, ("/nope",): 1}
    assert series(text, "myapp_exporter_info") == {frozenset({("version", "0.1.0")}): 1}
    assert "flask_http_request_total" not in text
    promtool_check(text)


def test_empty_prefix(app, attach, tmp_path):
    """NO_PREFIX: no prefix and no underscore; here from the config file."""
    exporter = attach(app.pid, args=["--config", write_config(tmp_path, "prefix: ''\n")])
    get(app, "/items/1", 2)
    text = scrape_when_counted(exporter, 2, "http_request_total")
    assert by(text, "http_request_total", "method", "status") == {("GET", "200"): 2}
    assert by(text, "http_request_duration_seconds_count", "path") == {("/items/1",): 2}
    assert "# TYPE http_request_exceptions_total counter" in text
    assert "# TYPE exporter_info gauge" in text
    assert "_http_request" not in text.replace("flask_ebpf_exporter", "")
    promtool_check(text)


def test_buckets(app, attach):
    exporter = attach(app.pid, args=["--buckets", "0.1,0.5"])
    get(app, "/", 3)
    get(app, "/slow", 2)  # 0.3 s each
    text = scrape_when_counted(exporter, 5, "flask_http_request_total")
    buckets = {}
    for labels, v in series(text, "flask_http_request_duration_seconds_bucket").items():
        d = dict(labels)
        buckets[(d["path"], d["le"])] = v
    assert buckets == {("/", "0.1"): 3, ("/", "0.5"): 3, ("/", "+Inf"): 3,
                       ("/slow", "0.1"): 0, ("/slow", "0.5"): 2, ("/slow", "+Inf"): 2}
    promtool_check(text)


def test_summary(app, attach):
    exporter = attach(app.pid, args=["--latency", "summary"])
    get(app, "/slow", 2)
    get(app, "/", 1)
    text = scrape_when_counted(exporter, 3, "flask_http_request_total")
    assert "# TYPE flask_http_request_duration_seconds summary" in text
    assert "_bucket" not in text and "quantile" not in text
    assert by(text, "flask_http_request_duration_seconds_count", "path") == {
        ("/slow",): 2, ("/",): 1}
    sums = by(text, "flask_http_request_duration_seconds_sum", "path")
    assert 0.6 <= sums[("/slow",)] < 1.0
    assert set(by(text, "flask_http_request_duration_seconds_created", "path")) == {
        ("/slow",), ("/",)}
    promtool_check(text)


def test_exclude(app, attach):
    """re.match: anchored at the start of the path, not at its end."""
    exporter = attach(app.pid, args=["--exclude", "/items", "--exclude", "/empty$"])
    get(app, "/items/1", 2)           # prefix match: excluded
    get(app, "/items/7?x=1", 1)       # the query string is not part of the path
    get(app, "/empty", 1, status=204)  # excluded
    get(app, "/empty/x", 1, status=404)  # '$' anchors the end: counted
    get(app, "/", 2)                  # counted
    text = scrape_when_counted(exporter, 7)
    assert by(text, "flask_http_request_duration_seconds_count", "path", "status") == {
        ("/empty/x", "404"): 1, ("/", "200"): 2}
    assert by(text, "flask_http_request_total", "status") == {("404",): 1, ("200",): 2}
    assert by(text, "flask_ebpf_exporter_requests_unexported_total", "reason")[
        ("excluded",)] == 4
    promtool_check(text)


def test_static_labels(attach, tmp_path):
    """default_labels: on the three request families, not on the info gauges."""
    server = start_server("werkzeug", free_port(), app="exceptions_app")
    try:
        config = write_config(tmp_path, "labels: {team: web, env: prod}\ninfo:\n"
                              "  - {name: app_info, help: App, labels: {version: '1.0.3'}}\n")
        exporter = attach(server.pid, args=["--config", config, "--label", "env=staging"])
        get(server, "/", 2)
        get(server, "/raise", 1, status=500)
        text = scrape_when_counted(exporter, 3, "flask_http_request_total")
        extra = {("team", "web"), ("env", "staging")}  # the flag overrides the file's env
        assert series(text, "flask_http_request_total") == {
            frozenset({("method", "GET"), ("status", "200"), *extra}): 2,
            frozenset({("method", "GET"), ("status", "500"), *extra}): 1}
        assert series(text, "flask_http_request_exceptions_total") == {
            frozenset({("method", "GET"), ("status", "500"), *extra}): 1}
        assert series(text, "flask_http_request_duration_seconds_count") == {
            frozenset({("method", "GET"), ("path", "/"), ("status", "200"), *extra}): 2,
            frozenset({("method", "GET"), ("path", "/raise"), ("status", "500"), *extra}): 1}
        assert series(text, "flask_exporter_info") == {frozenset({("version", "0.1.0")}): 1}
        assert series(text, "app_info") == {frozenset({("version", "1.0.3")}): 1}
        promtool_check(text)
    finally:
        stop_process(server.proc)


def test_info_gauges_from_config(app, attach, tmp_path):
    config = write_config(tmp_path, """\
info:
  - name: app_info
    help: Application info
    labels:
      version: "1.0.3"
  - name: build_info
    help: 'Build "x"'
""")
    exporter = attach(app.pid, args=["--config", config])
    text = exporter.scrape_text()
    assert ("# HELP app_info Application info\n# TYPE app_info gauge\n"
            'app_info{version="1.0.3"} 1.0\n') in text
    assert '# HELP build_info Build "x"\n# TYPE build_info gauge\nbuild_info 1.0\n' in text
    promtool_check(text)


def test_name_filter(app, attach):
    """?name[]= keeps the samples with those exact names, as restricted_registry() does."""
    exporter = attach(app.pid)
    get(app, "/", 2)
    scrape_when_counted(exporter, 2, "flask_http_request_total")
    r = requests.get(exporter.base + "/metrics", timeout=10, params=[
        ("name[]", "flask_http_request_total"),
        ("name[]", "flask_http_request_duration_seconds_count"),
        ("name[]", "flask_http_request_exceptions_total"),  # no samples yet: left out
        ("name[]", "flask_ebpf_exporter_records_received_total")])
    assert r.status_code == 200
    assert {name for name, _ in samples(r.text)} == {
        "flask_http_request_total", "flask_http_request_duration_seconds_count",
        "flask_ebpf_exporter_records_received_total"}
    assert r.text.count("# TYPE") == 3
    assert 'flask_http_request_total{method="GET",status="200"} 2.0' in r.text
    assert "_created" not in r.text and "_bucket" not in r.text
    assert "exceptions" not in r.text
    # a name no sample has: an empty answer
    r = requests.get(exporter.base + "/metrics?name[]=flask_http_request", timeout=10)
    assert r.status_code == 200 and r.text == ""
    promtool_check(exporter.scrape_text())


def test_openmetrics(app, attach):
    exporter = attach(app.pid)
    get(app, "/", 2)
    get(app, "/nope", 1, status=404)
    scrape_when_counted(exporter, 3, "flask_http_request_total")
    r = requests.get(exporter.base + "/metrics", timeout=10, headers={
        "Accept": "application/openmetrics-text; version=1.0.0; charset=utf-8, "
                  "text/plain;version=0.0.4;q=0.5"})
    assert r.status_code == 200
    assert r.headers["Content-Type"] == \
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    text = r.text
    assert text.endswith("# EOF\n")
    assert "# TYPE flask_http_request counter\n" in text
    assert "# TYPE flask_http_request_total" not in text
    assert "# TYPE flask_http_request_created" not in text  # _created inside its family
    families = {f.name: f for f in om_families(text)}
    totals = {(s.labels["method"], s.labels["status"]): s.value
              for s in families["flask_http_request"].samples if s.name.endswith("_total")}
    assert totals == {("GET", "200"): 2, ("GET", "404"): 1}
    promtool_check_openmetrics(text)
    # The filter applies to OpenMetrics too.
    r = requests.get(exporter.base + "/metrics?name[]=flask_http_request_total", timeout=10,
                     headers={"Accept": "application/openmetrics-text"})
    assert r.text == ("# HELP flask_http_request Total number of HTTP requests\n"
                      "# TYPE flask_http_request counter\n"
                      'flask_http_request_total{method="GET",status="200"} 2.0\n'
                      'flask_http_request_total{method="GET",status="404"} 1.0\n'
                      "# EOF\n")


def promtool_check_openmetrics(text):
    """promtool check metrics parses the scrape without error. promtool 2.42 reads the text
    format 0.0.4 only, so its linter (exit 3) reports the OpenMetrics naming itself: samples
    `x_total`/`x_created` of a family HELPed as `x` have "no help text". Those, and only
    those, are tolerated, and only for families that do have a HELP line."""
    r = subprocess.run(["promtool", "check", "metrics"], input=text.encode(),
                       capture_output=True, timeout=30)
    assert r.returncode in (0, 3), f"promtool: {r.stdout.decode()} {r.stderr.decode()}"
    helped = {line.split()[2] for line in text.splitlines() if line.startswith("# HELP ")}
    for line in (r.stdout + r.stderr).decode().splitlines():
        name, _, problem = line.partition(" ")
        assert problem == "no help text", line
        family = name.rsplit("_", 1)[0]
        assert name.endswith(("_total", "_created")) and family in helped, line


def test_gzip(app, attach):
    exporter = attach(app.pid)
    get(app, "/", 1)
    plain = scrape_when_counted(exporter, 1, "flask_http_request_total")
    r = requests.get(exporter.base + "/metrics", timeout=10, stream=True,
                     headers={"Accept-Encoding": "deflate, gzip;q=0.8"})
    raw = r.raw.read(decode_content=False)
    assert r.headers["Content-Encoding"] == "gzip"
    assert raw[:2] == b"\x1f\x8b"
    text = gzip.decompress(raw).decode()
    assert by(text, "flask_http_request_total", "status") == {("200",): 1}
    assert len(raw) < len(plain) / 3
    # Not asked: not compressed.
    r = requests.get(exporter.base + "/metrics", timeout=10, stream=True,
                     headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in r.headers
    assert r.raw.read(decode_content=False).startswith(b"# HELP")


def test_metrics_path(app, attach):
    exporter = attach(app.pid, args=["--metrics-path", "/prometheus/metrics"],
                      metrics_path="/prometheus/metrics")
    get(app, "/", 2)
    text = scrape_when_counted(exporter, 2, "flask_http_request_total")
    assert by(text, "flask_http_request_total", "status") == {("200",): 2}
    assert requests.get(exporter.base + "/metrics", timeout=10).status_code == 404
    assert requests.post(exporter.base + "/prometheus/metrics", timeout=10).status_code == 405


def test_no_created(app, attach):
    exporter = attach(app.pid, args=["--no-created"])
    get(app, "/", 2)
    text = scrape_when_counted(exporter, 2, "flask_http_request_total")
    assert by(text, "flask_http_request_total", "status") == {("200",): 2}
    assert "_created" not in text
    promtool_check(text)


def test_no_defaults(app, attach, tmp_path):
    """export_defaults=False: none of the four families; info gauges and self-metrics stay."""
    config = write_config(tmp_path, "defaults: false\n"
                          "info: [{name: app_info, help: App, labels: {v: '2'}}]\n")
    exporter = attach(app.pid, args=["--config", config])
    get(app, "/", 2)
    text = scrape_when_counted(exporter, 2)
    assert "flask_http_request" not in text and "flask_exporter_info" not in text
    assert series(text, "flask_ebpf_exporter_records_received_total") == {frozenset(): 2}
    assert series(text, "app_info") == {frozenset({("v", "2")}): 1}
    promtool_check(text)


def test_once(app):
    """--once: attach, wait, print the exposition on stdout, exit 0; no HTTP served."""
    proc = subprocess.Popen([FEE_BIN, "--pid", str(app.pid), "--once", "3s"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # The exporter says when the targets are watched; requests after that are counted.
        watching = threading.Event()

        def read_stderr():
            for line in proc.stderr:
                if "watching process" in line:
                    watching.set()

        reader = threading.Thread(target=read_stderr, daemon=True)
        reader.start()
        assert watching.wait(20), "the exporter never reported watching the process"
        get(app, "/", 3)
        get(app, "/items/2", 1)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            stop_process(proc)
    assert proc.returncode == 0
    assert by(out, "flask_http_request_total", "status") == {("200",): 4}
    assert by(out, "flask_http_request_duration_seconds_count", "path") == {
        ("/",): 3, ("/items/2",): 1}
    promtool_check(out)


def test_flags_override_config_file(app, attach, tmp_path):
    config = write_config(tmp_path, "prefix: fromfile\nbuckets: [1]\nexclude: /items\n")
    exporter = attach(app.pid, args=["--config", config, "--prefix", "fromflag",
                                     "--exclude", "/empty"])
    get(app, "/items/1", 1)
    get(app, "/empty", 1, status=204)
    get(app, "/", 1)
    text = scrape_when_counted(exporter, 1, "fromflag_http_request_total")
    assert by(text, "fromflag_http_request_total", "status") == {("200",): 1}
    assert by(text, "fromflag_http_request_duration_seconds_bucket", "le") == {
        ("1.0",): 1, ("+Inf",): 1}
    assert "fromfile" not in text


# Broken config files: (file content, exact message after "flask_ebpf_exporter: ").
BROKEN = [
    ("prefix: flask\nbuckets: [0.1, fast]\n",
     "{f}:2: buckets[1]: expected a number, got 'fast'"),
    ("latency: histogram\nprefx: x\n",
     "{f}:2: prefx: unknown key (known: pids, listen, metrics_path, hooks, verbose, defaults, "
     "prefix, buckets, latency, created, labels, exclude, info, group_by, static_url_path, "
     "routes, metrics, max_series, fold_ids, process_metrics, ring_buffer_kb, targets, "
     "kubernetes, web_config_file, web_limits)"),
    ("exclude:\n  - /ok\n  - '/bad[('\n",
     "{f}:3: exclude[1]: bad regex '/bad[(': missing terminating ] for character class at "
     "offset 6"),
    ("labels: {team: [a]}\n", "{f}:1: labels.team: expected a string, got a list"),
    ("info:\n  - name: app_info\n", "{f}:2: info[0]: an info gauge needs a help text"),
    ("buckets: [1\n", "{f}:2: did not find expected ',' or ']' while parsing a flow sequence"),
]


@pytest.mark.parametrize("content,message", BROKEN)
def test_config_errors(tmp_path, content, message):
    """Broken files stop the exporter before it attaches: exit 2 and file:line: key."""
    path = write_config(tmp_path, content)
    for extra in (["--check-config"], ["--pid", "1"]):
        r = subprocess.run([FEE_BIN, "--config", path, *extra], capture_output=True,
                           text=True, timeout=10)
        assert r.returncode == 2
        assert r.stderr == "flask_ebpf_exporter: " + message.format(f=path) + "\n"
        assert r.stdout == ""


def test_check_config(tmp_path):
    good = write_config(tmp_path, "prefix: app\nbuckets: [0.1, 1]\nlabels: {team: web}\n")
    r = subprocess.run([FEE_BIN, "--config", good, "--check-config"], capture_output=True,
                       text=True, timeout=10)
    assert (r.returncode, r.stdout, r.stderr) == (0, f"{good}: configuration is valid\n", "")
    # Valid YAML, but the info gauge takes a name the default families use.
    clash = write_config(tmp_path, "info: [{name: flask_http_request_total, help: x}]\n",
                         "clash.yaml")
    r = subprocess.run([FEE_BIN, "--config", clash, "--check-config"], capture_output=True,
                       text=True, timeout=10)
    assert r.returncode == 2
    assert r.stderr == (f"flask_ebpf_exporter: error: {clash}:1: info[0]: "
                        "'flask_http_request_total' clashes with another metric's name or has "
                        "a bad label\n")

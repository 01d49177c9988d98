"""The shipped Grafana dashboard, offline: the library dashboard's panels are all there
with the additions docs/observability.md promises, every query is valid PromQL (promtool checks each
as a recording rule), and every query filters on the dashboard's variables."""
import os
import subprocess
import tempfile

import yaml

from dashboard_queries import (all_values, label_values_query, load_dashboard, panel_queries,
                               panels, variables)

# prometheus_flask_exporter's dashboards/flask_webapp.json, panel by panel.
LIBRARY_PANELS = {
    "Requests per second", "Errors per second", "Total requests per minute",
    "Average response time", "Request duration - p50", "Request duration - p90",
    "Requests under 250ms", "Memory usage", "CPU usage",
}
ADDED_PANELS = {
    "Latency by route: p50, p90, p99", "Error ratio by route (5xx)", "Requests by status",
    "Records dropped", "Requests unexported, by reason", "Series over cap", "Processes watched",
}


def test_panel_set():
    titles = [p["title"] for p in panels(load_dashboard())]
    assert len(titles) == len(set(titles)), "duplicate panel titles"
    assert LIBRARY_PANELS - set(titles) == set()
    assert ADDED_PANELS - set(titles) == set()


def test_variables():
    v = variables(load_dashboard())
    assert v["datasource"]["type"] == "datasource"
    for name, label in (("job", "job"), ("instance", "instance"),
                        ("namespace", "k8s_namespace"), ("pod", "k8s_pod")):
        assert label_values_query(v[name])[1] == label
        assert v[name]["includeAll"] and v[name]["allValue"] == ".*"


def test_latency_quantiles_per_route():
    p = next(p for p in panels(load_dashboard()) if p["title"].startswith("Latency by route"))
    exprs = [t["expr"] for t in p["targets"]]
    for q in ("0.5", "0.9", "0.99"):
        assert any(e.startswith(f"histogram_quantile({q}, sum by (path, le)") for e in exprs)


def test_every_query_filters_on_job_and_instance():
    for p in panels(load_dashboard()):
        for t in p["targets"]:
            assert 'job=~"$job"' in t["expr"] and 'instance=~"$instance"' in t["expr"], p["title"]
            if "flask_ebpf_exporter_" not in t["expr"]:  # the app's series: pod labels too
                assert 'k8s_pod=~"$pod"' in t["expr"], p["title"]


def test_every_query_is_valid_promql():
    d = load_dashboard()
    queries = panel_queries(d, all_values(d))
    assert len(queries) >= 20
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"dashboard:query_{i}", "expr": expr} for i, (_, _, expr) in enumerate(queries)]}]}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "dashboard_queries.yml")
        with open(path, "w") as f:
            yaml.safe_dump(rules, f)
        r = subprocess.run(["promtool", "check", "rules", path], capture_output=True,
                           text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"SUCCESS: {len(queries)} rules found" in r.stdout

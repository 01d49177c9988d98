"""The shipped Grafana dashboard's queries, with its variables expanded as Grafana would.

Shared by the offline checks (tests/deploy) and the test against a real Prometheus
(tests/e2e/test_dashboard_prometheus.py).
"""
import json
import os
import re

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DASHBOARD = os.path.join(REPO, "deploy", "grafana", "flask_ebpf_exporter.json")
RULES = os.path.join(REPO, "deploy", "prometheus", "flask_ebpf_exporter.rules.yml")
RULE_TESTS = os.path.join(REPO, "deploy", "prometheus", "tests")


def load_dashboard():
    with open(DASHBOARD) as f:
        return json.load(f)


def panels(dashboard):
    """Every panel that draws something (rows are only headings)."""
    return [p for p in dashboard["panels"] if p["type"] != "row"]


def variables(dashboard):
    return {v["name"]: v for v in dashboard["templating"]["list"]}


def expand(expr, values, rate_interval="1m"):
    """expr with $name / ${name} replaced from values (a regex each, as Grafana puts a
    multi-value or All selection into =~) and $__rate_interval by rate_interval."""
    expr = expr.replace("$__rate_interval", rate_interval)

    def value(m):
        name = m.group(1) or m.group(2)
        if name not in values:
            raise KeyError(f"dashboard variable ${name} has no value")
        return values[name]
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", value, expr)


def all_values(dashboard):
    """Every query variable set to All (its allValue)."""
    return {name: v["allValue"] for name, v in variables(dashboard).items()
            if v["type"] == "query"}


def panel_queries(dashboard, values, rate_interval="1m"):
    """[(panel title, refId, expanded expr)] for every target of every panel."""
    return [(p["title"], t["refId"], expand(t["expr"], values, rate_interval))
            for p in panels(dashboard) for t in p["targets"]]


def label_values_query(variable):
    """label_values(SELECTOR, LABEL) of a query variable -> (selector, label)."""
    m = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", variable["definition"])
    if not m:
        raise ValueError(f"variable {variable['name']}: not label_values(...): "
                         f"{variable['definition']}")
    return m.group(1), m.group(2)

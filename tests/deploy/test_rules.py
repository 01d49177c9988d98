"""The shipped Prometheus rules: promtool accepts them, and the unit tests fire every alert
on crafted series and keep every alert quiet on healthy ones."""
import glob
import subprocess

import yaml

from dashboard_queries import RULES, RULE_TESTS


def promtool(*args):
    return subprocess.run(["promtool", *args], capture_output=True, text=True, timeout=120)


def alert_names():
    with open(RULES) as f:
        groups = yaml.safe_load(f)["groups"]
    return [r["alert"] for g in groups for r in g["rules"] if "alert" in r]


def test_rules_check_clean():
    r = promtool("check", "rules", RULES)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "SUCCESS" in r.stdout
    # a clean check, not one passed with warnings
    assert "WARNING" not in (r.stdout + r.stderr).upper()


def test_rule_unit_tests_pass():
    files = sorted(glob.glob(RULE_TESTS + "/*.yml"))
    assert files
    r = promtool("test", "rules", *files)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "FAILED" not in r.stdout


def test_every_alert_has_a_runbook_and_severity():
    with open(RULES) as f:
        groups = yaml.safe_load(f)["groups"]
    for rule in (r for g in groups for r in g["rules"] if "alert" in r):
        assert rule["annotations"].get("runbook", "").strip(), rule["alert"]
        assert rule["annotations"].get("summary", "").strip(), rule["alert"]
        assert rule["labels"]["severity"] in ("critical", "warning", "info"), rule["alert"]


def test_every_alert_tested_firing_and_quiet():
    """Each alert appears in the unit tests at least once with expected alerts (it fires)
    and at least once with none (it stays quiet)."""
    fires, quiet = set(), set()
    for path in glob.glob(RULE_TESTS + "/*.yml"):
        with open(path) as f:
            for test in yaml.safe_load(f)["tests"]:
                for case in test.get("alert_rule_test", []):
                    (fires if case.get("exp_alerts") else quiet).add(case["alertname"])
    names = set(alert_names())
    assert len(names) >= 7
    assert names - fires == set(), "alerts never tested firing"
    assert names - quiet == set(), "alerts never tested quiet"
    assert (fires | quiet) - names == set(), "tests of alerts that do not exist"

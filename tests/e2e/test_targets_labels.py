"""Two apps on one host, two targets with different static labels: separate series, each
with its own exact counts; a target without the label gets it empty."""
import requests

from conftest import (free_port, labels, promtool_check, scrape_when_counted, series,
                      start_server, stop_process)


def test_two_targets_two_label_sets(attach):
    billing = start_server("gunicorn", free_port())
    search = start_server("werkzeug", free_port())
    plain = start_server("waitress", free_port())
    try:
        exporter = attach(args=[
            "--pid", str(billing.pid), "--target-label", "service=billing",
            "--target-label", "tier=backend",
            "--pid", str(search.pid), "--target-label", "service=search",
            "--pid", str(plain.pid)])
        for _ in range(14):
            assert requests.get(billing.base + "/items/1", timeout=10).status_code == 200
        for _ in range(6):
            assert requests.get(billing.base + "/nope", timeout=10).status_code == 404
        for _ in range(9):
            assert requests.get(search.base + "/items/1", timeout=10).status_code == 200
        for _ in range(4):
            assert requests.get(plain.base + "/items/1", timeout=10).status_code == 200

        text = scrape_when_counted(exporter, 14 + 6 + 9 + 4)
        promtool_check(text)
        assert series(text, "flask_http_request_total") == {
            labels(method="GET", status="200", service="billing", tier="backend"): 14.0,
            labels(method="GET", status="404", service="billing", tier="backend"): 6.0,
            labels(method="GET", status="200", service="search", tier=""): 9.0,
            labels(method="GET", status="200", service="", tier=""): 4.0,
        }
        counts = series(text, "flask_http_request_duration_seconds_count")
        assert counts[labels(method="GET", path="/items/1", status="200", service="billing",
                             tier="backend")] == 14.0
        assert counts[labels(method="GET", path="/items/1", status="200", service="search",
                             tier="")] == 9.0
        # The processes of each target, by the target's index in the command line.
        assert series(text, "flask_ebpf_exporter_target_processes") == {
            labels(target="0", kind="pid"): 3.0,
            labels(target="1", kind="pid"): 1.0,
            labels(target="2", kind="pid"): 1.0,
        }
        assert 'service="billing"' in text and 'tier="backend"' in text
    finally:
        for s in (billing, search, plain):
            stop_process(s.proc)


def test_targets_from_the_config_file(attach, tmp_path):
    """targets: in the YAML, with labels, next to a global --label: the target's value wins,
    the global one fills in, the flags' targets come after the file's."""
    first = start_server("werkzeug", free_port())
    second = start_server("werkzeug", free_port())
    try:
        config = tmp_path / "exporter.yaml"
        config.write_text(f"targets:\n"
                          f"  - port: {first.port}\n"
                          f"    labels: {{service: billing, env: canary}}\n"
                          f"labels: {{env: prod}}\n")
        exporter = attach(args=["--config", str(config), "--pid", str(second.pid),
                                "--target-label", "service=search"])
        for _ in range(5):
            assert requests.get(first.base + "/items/1", timeout=10).status_code == 200
        for _ in range(3):
            assert requests.get(second.base + "/items/1", timeout=10).status_code == 200
        text = scrape_when_counted(exporter, 5 + 3)
        assert series(text, "flask_http_request_total") == {
            labels(method="GET", status="200", service="billing", env="canary"): 5.0,
            labels(method="GET", status="200", service="search", env="prod"): 3.0,
        }
        assert series(text, "flask_ebpf_exporter_target_processes") == {
            labels(target="0", kind="port"): 1.0,
            labels(target="1", kind="pid"): 1.0,
        }
    finally:
        stop_process(first.proc)
        stop_process(second.proc)

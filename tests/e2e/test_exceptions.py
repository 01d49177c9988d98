"""flask_http_request_exceptions_total from outside the process (SPEC §3): only requests
during which a view raised count, whatever the status sent; abort(500) and a returned 500
do not. Real servers, the app's error log on a pipe or in a file."""
import os

import pytest
import requests

from conftest import free_port, scrape_when_counted, series, start_server, stop_process

RAISES, ABORTS, RETURNS, OKS = 3, 2, 2, 2


@pytest.fixture(params=["werkzeug", "gunicorn", "gunicorn-gthread"])
def kind(request):
    return request.param


@pytest.mark.parametrize("variant", ["stderr", "handler-503", "log-file"])
def test_only_raising_views_count_as_exceptions(kind, variant, attach, tmp_path):
    env = {"EXCEPTIONS_APP_HANDLER_503": "1"} if variant == "handler-503" else {}
    log_path = str(tmp_path / "error.log") if variant == "log-file" else None
    server = start_server(kind, free_port(), app="exceptions_app", env=env, log_path=log_path)
    try:
        exporter = attach(server.pid)
        handled = 503 if variant == "handler-503" else 500
        expected_status = {"/raise": handled, "/abort500": handled, "/return500": 500, "/": 200}
        sent = {"/raise": RAISES, "/abort500": ABORTS, "/return500": RETURNS, "/": OKS}
        with requests.Session() as keep_alive:
            for path, n in sent.items():
                for i in range(n):
                    client = keep_alive if i % 2 else requests  # both connection styles
                    r = client.get(server.base + path, timeout=10)
                    assert r.status_code == expected_status[path], (path, r.status_code)

        text = scrape_when_counted(exporter, sum(sent.values()))
        exceptions = series(text, "flask_http_request_exceptions_total")
        assert exceptions == {frozenset({("method", "GET"), ("status", "500")}): RAISES}

        totals = {dict(k)["status"]: v for k, v in series(text, "flask_http_request_total").items()}
        want = {}
        for path, n in sent.items():
            want[str(expected_status[path])] = want.get(str(expected_status[path]), 0) + n
        assert totals == want
        if log_path:  # the log really went to the file, not to a pipe
            with open(log_path) as f:
                assert f.read().count("Traceback (most recent call last):") == RAISES
    finally:
        stop_process(server.proc)

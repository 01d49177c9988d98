"""A Flask app with the kinds of routes the route table must tell apart, for
tests/e2e/test_routes.py. Its rules are listed, the same, in the exporter's config there.

Run:  /usr/bin/python3 tests/apps/routes_app.py --port 8000
or:   gunicorn --chdir tests/apps -w 2 -b 127.0.0.1:8000 routes_app:app
It knows nothing of Prometheus: the exporter measures it from outside.
"""
import argparse
import os
import time

from flask import Flask

app = Flask(__name__, static_folder=None)

# /block waits (at most BLOCK_LIMIT seconds) until this file exists: a request the test
# can hold in progress for as long as it needs, whatever the server's process model.
RELEASE_FILE = os.environ.get("ROUTES_APP_RELEASE_FILE", "")
BLOCK_LIMIT = 15


@app.route("/")
def index():
    return "routes app\n"


@app.route("/items/")
def items():
    return "all items\n"


@app.route("/items/<int:item_id>")
def item(item_id):
    return f"item {item_id}\n"


@app.route("/items/<int:item_id>", methods=["POST"], endpoint="update_item")
def update_item(item_id):
    return f"updated {item_id}\n", 201


@app.route("/<item_type>")
def by_type(item_type):
    return f"type {item_type}\n"


@app.route("/files/<path:name>")
def files(name):
    return f"file {name}\n"


@app.route("/health")
def health():  # the library would mark it @metrics.do_not_track()
    return "ok\n"


@app.route("/secret")
def secret():  # ... and this one @metrics.exclude_all_metrics()
    return "hidden\n"


@app.route("/block")
def block():
    deadline = time.monotonic() + BLOCK_LIMIT
    while RELEASE_FILE and not os.path.exists(RELEASE_FILE) and time.monotonic() < deadline:
        time.sleep(0.02)
    return "released\n"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    app.run(host=args.host, port=args.port, threaded=True, debug=False, use_reloader=False)

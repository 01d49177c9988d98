"""The sample Flask app of the tests, the demo and the benchmarks.

Run under gunicorn:  gunicorn --chdir tests/apps -w 2 -b 127.0.0.1:8000 sample_app:app
or the werkzeug dev server:  /usr/bin/python3 tests/apps/sample_app.py --port 8000 [--reload]
(HTTPS: add --cert cert.pem --key key.pem; gunicorn takes --certfile/--keyfile).
It knows nothing of Prometheus: the exporter measures it from outside.
"""
import argparse
import os
import time

from flask import Flask, abort, jsonify, redirect, request

app = Flask(__name__)

SLOW_SECONDS = 0.3  # tests assert the /slow durations land between 0.25 and 0.5 s


@app.route("/")
def index():
    return "hello from the sample app\n"


@app.route("/items/<int:item_id>")
def item(item_id):
    return jsonify(id=item_id, name=f"item {item_id}")


@app.route("/created", methods=["POST"])
def created():
    return "created\n", 201


@app.route("/empty")
def empty():
    return "", 204


@app.route("/old")
def old():
    return redirect("/", code=301)


@app.route("/bad")
def bad():
    abort(400)


@app.route("/fail")
def fail():
    return "failed on purpose\n", 500  # a 500 without an exception


@app.route("/unavailable")
def unavailable():
    return "come back later\n", 503


@app.route("/only-post", methods=["POST"])
def only_post():
    return "posted\n"


@app.route("/slow")
def slow():
    time.sleep(SLOW_SECONDS)
    return "slow\n"


@app.route("/large")
def large():
    return "x" * (1 << 20)


@app.route("/echo", methods=["POST"])
def echo():
    return f"{len(request.get_data())}\n"


@app.route("/pid")
def pid():
    # ?wait=S (at most 1 s) keeps this worker busy first: tests use it to reach each of
    # a server's workers in turn (tests/e2e/conftest.py, pids_of_two_workers).
    time.sleep(min(float(request.args.get("wait", 0)), 1.0))
    return f"{os.getpid()}\n"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--cert", help="serve HTTPS with this certificate (PEM) ...")
    parser.add_argument("--key", help="... and this private key (PEM)")
    parser.add_argument("--reload", action="store_true",
                        help="werkzeug's reloader: a parent process re-spawns the server "
                             "whenever a source file changes")
    args = parser.parse_args()
    ssl_context = (args.cert, args.key) if args.cert else None
    app.run(host=args.host, port=args.port, threaded=True, debug=False,
            use_reloader=args.reload, reloader_type="stat", ssl_context=ssl_context)

"""A Flask app whose views fail in the three ways that look alike on the wire.

/raise raises (an uncaught exception: Flask logs it and answers 500), /abort500 calls
abort(500) and /return500 returns a 500: neither is an exception. With
EXCEPTIONS_APP_HANDLER_503=1 an errorhandler(500) answers 503 instead (the exception is
still one). Run like the sample app (gunicorn exceptions_app:app, or this file --port N).
"""
import argparse
import os

from flask import Flask, abort

app = Flask(__name__)


@app.route("/")
def index():
    return "ok\n"


@app.route("/raise")
def raise_():
    raise ValueError("an uncaught exception, on purpose")


@app.route("/abort500")
def abort500():
    abort(500)


@app.route("/return500")
def return500():
    return "a 500 without an exception\n", 500


if os.environ.get("EXCEPTIONS_APP_HANDLER_503"):
    @app.errorhandler(500)
    def answer_503(error):
        return "handled\n", 503


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    app.run(host="127.0.0.1", port=args.port, threaded=True, debug=False, use_reloader=False)

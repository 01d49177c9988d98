#!/usr/bin/python3
"""Writes routes_expected.txt: what Flask 2.2 / werkzeug 2.2 (Debian's python3-flask and
python3-werkzeug) match for each request of routes_paths.txt against the rules of
routes_rules.txt. test_route_table.c must agree line for line.

Run: /usr/bin/python3 tests/unit/golden/make_routes_golden.py tests/unit/golden

Each output line: METHOD<TAB>PATH<TAB>url_rule<TAB>endpoint<TAB>name=value,... where
url_rule and endpoint are str() of Flask's request.url_rule and request.endpoint ("None"
when nothing matched: a 404, a 405 or a redirect) and the values are str() of
request.view_args' values, in the rule's order. The path is Flask's request.path, given to
the matcher as it is (the golden file keeps the literal text of routes_paths.txt).
"""
import os
import sys

from flask import Flask
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect


def load(name):
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), name),
              encoding='utf-8') as f:
        return [line.rstrip('\n') for line in f if line.strip() and not line.startswith('#')]


def main(out_dir):
    app = Flask(__name__, static_folder=None)  # the static rule is listed explicitly
    for line in load('routes_rules.txt'):
        rule, endpoint, methods = line.split('\t')
        app.add_url_rule(rule, endpoint, lambda **kw: '', methods=methods.split(','))
    adapter = app.url_map.bind('localhost', url_scheme='http')
    lines = []
    for line in load('routes_paths.txt'):
        method, path = line.split(' ', 1)
        try:
            rule, args = adapter.match(path_info=path, method=method, return_rule=True)
            params = ','.join(f'{k}={v}' for k, v in args.items())
            lines.append(f'{method}\t{path}\t{rule}\t{rule.endpoint}\t{params}')
        except (HTTPException, RequestRedirect):
            lines.append(f'{method}\t{path}\tNone\tNone\t')
    with open(os.path.join(out_dir, 'routes_expected.txt'), 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines) + '\n')


if __name__ == '__main__':
    main(sys.argv[1])

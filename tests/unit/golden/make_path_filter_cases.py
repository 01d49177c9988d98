#!/usr/bin/python3
"""Writes path_filter_cases.txt: what Python's re.match (the library's excluded_paths test)
answers for each (pattern, path) pair below, so test_path_filter.c checks PCRE2 against
Python itself. Run: /usr/bin/python3 tests/unit/golden/make_path_filter_cases.py tests/unit/golden

Format: one case per line, UTF-8: pattern TAB path TAB 1|0 (1: re.match finds a match); in
the path, backslash and newline are written as \\ and \n.
"""
import re
import sys

PATTERNS = [
    '/static', '/health$', '/api/v[0-9]+/', r'/items/\d+$', r'(?P<p>/a)(?P=p)', '/(admin|internal)',
    r'\w+', r'/\w+$', '.*secret', r'/caf\u00e9', '/CASE', '(?i)/case', r'/x\Z', '^/anchored',
    '/a|/b', r'/[^/]+/edit$', r'/\S+\s', '/unicode/.',
]
PATHS = [
    '/', '/static', '/static/app.js', '/staticky', '/api/static', '/health', '/health/',
    '/health/deep', '/api/v2/users', '/api/vx/users', '/items/12', '/items/12/x', '/items/\u0661\u0662',
    '/a/a', '/a/b', '/admin/x', '/internal', '/x', '/x\n', '/\u00e9t\u00e9', '/my/secret/file',
    '/caf\u00e9', '/case', '/CASE', '/anchored', '/b', '/post/edit', '/post/1/edit', '/a b',
    '/unicode/\u00e9', '/unicode/\U0001F600',
]


def main(outdir):
    with open(f'{outdir}/path_filter_cases.txt', 'w', encoding='utf-8') as f:
        for pattern in PATTERNS:
            for path in PATHS:
                if '\t' in pattern + path or '\n' in pattern:
                    continue
                hit = 1 if re.match(pattern, path) else 0
                escaped = path.replace('\\', '\\\\').replace('\n', '\\n')
                f.write(f'{pattern}\t{escaped}\t{hit}\n')


if __name__ == '__main__':
    main(sys.argv[1])

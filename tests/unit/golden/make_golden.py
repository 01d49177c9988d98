#!/usr/bin/python3
"""Writes the golden expositions that test_exposition.c compares against, produced by the
real prometheus_client (Debian's python3-prometheus-client) with a frozen clock.

Run: /usr/bin/python3 tests/unit/golden/make_golden.py tests/unit/golden

One deliberate difference from the Python client, required by SPEC §2: label names are
printed sorted (the client prints `le` last); sort_labels() applies it to the client's
output so the rest stays byte-for-byte the client's.
"""
import re
import sys
import time

time.time = lambda: 1700000000.5  # every _created sample gets this value

from prometheus_client import (CollectorRegistry, Counter, Gauge, Histogram,  # noqa: E402
                               Summary, generate_latest)

LABELS = re.compile(r'^([^{ ]+)\{(.*)\} (.*)$')
PAIR = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def sort_labels(text):
    out = []
    for line in text.splitlines(keepends=True):
        m = LABELS.match(line.rstrip('\n'))
        if not line.startswith('#') and m:
            pairs = sorted(PAIR.findall(m.group(2)))
            labels = ','.join(f'{k}="{v}"' for k, v in pairs)
            line = f'{m.group(1)}{{{labels}}} {m.group(3)}\n'
        out.append(line)
    return ''.join(out)


def default_families(registry):
    """The four families of prometheus_flask_exporter, as the library declares them."""
    info = Gauge('flask_exporter_info', 'Information about the Prometheus Flask exporter',
                 ['version'], registry=registry)
    duration = Histogram('flask_http_request_duration_seconds',
                         'Flask HTTP request duration in seconds',
                         ('method', 'path', 'status'), registry=registry)
    total = Counter('flask_http_request_total', 'Total number of HTTP requests',
                    ('method', 'status'), registry=registry)
    exceptions = Counter('flask_http_request_exceptions_total',
                         'Total number of HTTP requests which resulted in an exception',
                         ('method', 'status'), registry=registry)
    return info, duration, total, exceptions


def write(path, text):
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)


def main(outdir):
    # 1. The default families with no requests yet.
    r = CollectorRegistry()
    info, _, _, _ = default_families(r)
    info.labels(version='0.1.0').set(1)
    write(f'{outdir}/default_empty.txt', sort_labels(generate_latest(r).decode()))

    # 2. After a few requests (the same calls test_exposition.c makes).
    r = CollectorRegistry()
    info, duration, total, exceptions = default_families(r)
    info.labels(version='0.1.0').set(1)
    for method, path, status, seconds in [
            ('GET', '/', '200', 0.003), ('GET', '/', '200', 0.3), ('POST', '/items', '201', 0.02),
            ('GET', '/a "quoted" \\ path\nx', '404', 12.5), ('GET', '/', '200', 0.005)]:
        duration.labels(method, path, status).observe(seconds)
        total.labels(method, status).inc()
    exceptions.labels('GET', '500').inc()
    write(f'{outdir}/default_requests.txt', sort_labels(generate_latest(r).decode()))

    # 3. A summary, a label-less counter and gauge, and a help text needing escapes.
    r = CollectorRegistry()
    s = Summary('latency_seconds', 'A summary', ['route'], registry=r)
    s.labels('/x').observe(1.5)
    s.labels('/x').observe(0.25)
    c = Counter('jobs', 'Jobs done\nsecond line \\ backslash', registry=r)
    c.inc(3)
    g = Gauge('in_progress', 'Requests in progress', registry=r)
    g.set(1234567.0)
    write(f'{outdir}/misc.txt', sort_labels(generate_latest(r).decode()))


if __name__ == '__main__':
    main(sys.argv[1])

#!/usr/bin/python3
"""Writes the golden expositions that test_exposition.c compares against, printed by the real
prometheus_client (Debian's python3-prometheus-client 0.16) with a frozen clock. The output is
the client's own, unedited: it already sorts every sample's labels, `le` included.

Run: /usr/bin/python3 tests/unit/golden/make_golden.py tests/unit/golden

Each scenario below is mirrored call for call by a test in test_exposition.c. The
`*_nocreated.txt` files come from a second run of this script with
PROMETHEUS_DISABLE_CREATED_SERIES=True, the switch the exporter's `created` option mirrors
(the client reads it once, at import).
"""
import math
import os
import subprocess
import sys
import time

time.time = lambda: 1700000000.5  # every _created sample gets this value

from prometheus_client import (CollectorRegistry, Counter, Gauge, Histogram,  # noqa: E402
                               Summary, generate_latest)
from prometheus_client.openmetrics.exposition import \
    generate_latest as generate_openmetrics  # noqa: E402


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


def default_empty():
    r = CollectorRegistry()
    info, _, _, _ = default_families(r)
    info.labels(version='0.1.0').set(1)
    return r


def default_requests():
    r = CollectorRegistry()
    info, duration, total, exceptions = default_families(r)
    info.labels(version='0.1.0').set(1)
    for method, path, status, seconds in [
            ('GET', '/', '200', 0.003), ('GET', '/', '200', 0.3), ('POST', '/items', '201', 0.02),
            ('GET', '/a "quoted" \\ path\nx', '404', 12.5), ('GET', '/', '200', 0.005)]:
        duration.labels(method, path, status).observe(seconds)
        total.labels(method, status).inc()
    exceptions.labels('GET', '500').inc()
    return r


def misc():
    """A summary, a label-less counter and gauge, and a help text needing escapes."""
    r = CollectorRegistry()
    s = Summary('latency_seconds', 'A summary', ['route'], registry=r)
    s.labels('/x').observe(1.5)
    s.labels('/x').observe(0.25)
    c = Counter('jobs', 'Jobs done\nsecond line \\ backslash', registry=r)
    c.inc(3)
    g = Gauge('in_progress', 'Requests in progress', registry=r)
    g.set(1234567.0)
    return r


def edges():
    """Corners of the format: untouched metrics, odd buckets, odd values, odd label values."""
    r = CollectorRegistry()
    Counter('idle_total', 'Never incremented', registry=r)
    Gauge('temperature', 'Never set', registry=r)
    Summary('unused_seconds', 'No children yet', ['route'], registry=r)
    h = Histogram('offset_seconds', 'Say "hi" \\ there\n', ['zone', 'a_label'],
                  buckets=(-1.0, 0.0, 1.5e-5, 2e6), registry=r)
    h.labels('eu', 'x').observe(-2.0)
    h.labels('eu', 'x').observe(0.0)
    h.labels('eu', 'x').observe(1e-5)
    h.labels('us', 'y').observe(math.nan)
    h.labels('us', 'y').observe(3e6)
    d = Histogram('plain_seconds', '', registry=r)
    d.observe(0.25)
    d.observe(0.0031942700006766245)
    n = Summary('nan_seconds', 'A NaN counts in a summary', registry=r)
    n.observe(1.0)
    n.observe(math.nan)
    v = Gauge('values', 'Special values', ['kind'], registry=r)
    for kind, value in [('nan', math.nan), ('inf', math.inf), ('-inf', -math.inf),
                        ('-zero', -0.0), ('big', 1e22), ('epoch', 1795543423.8),
                        ('small', 1e-05), ('neg', -1234567.0), ('tiny', 5e-324)]:
        v.labels(kind).set(value)
    c = Counter('requests_total', 'Label values', ['v', 'b'], registry=r)
    for value in ['', 'é ü', 'a"b\\c\nd', '{}=,']:
        c.labels(value, 'same').inc(0.5)
    return r


SCENARIOS = {
    'default_empty': default_empty,
    'default_requests': default_requests,
    'misc': misc,
    'edges': edges,
}
NOCREATED = ('default_requests', 'edges')


# The ?name[]= scenario: sample names of several kinds, one with no samples, one unknown.
FILTER_NAMES = ['flask_http_request_total', 'flask_http_request_duration_seconds_count',
                'flask_http_request_duration_seconds_bucket', 'flask_http_request_created',
                'flask_exporter_info', 'flask_http_request_exceptions_created', 'nope']


class Restricted:
    """registry.restricted_registry(names), families in registration order."""

    def __init__(self, names, registry):
        self.names, self.registry = set(names), registry

    def collect(self):
        for metric in self.registry.collect():
            m = metric._restricted_metric(self.names)
            if m:
                yield m


def write(outdir, name, registry):
    with open(f'{outdir}/{name}.txt', 'wb') as f:
        f.write(generate_latest(registry))
    with open(f'{outdir}/{name}.om.txt', 'wb') as f:
        f.write(generate_openmetrics(registry))


def main(outdir, created=True):
    for name, build in SCENARIOS.items():
        if created:
            write(outdir, name, build())
        elif name in NOCREATED:
            write(outdir, name + '_nocreated', build())
    suffix = '' if created else '_nocreated'
    write(outdir, 'default_requests_filtered' + suffix,
          Restricted(FILTER_NAMES, default_requests()))
    if created:
        env = dict(os.environ, PROMETHEUS_DISABLE_CREATED_SERIES='True')
        subprocess.run([sys.executable, __file__, outdir, '--no-created'], env=env, check=True)


if __name__ == '__main__':
    main(sys.argv[1], created='--no-created' not in sys.argv[2:])

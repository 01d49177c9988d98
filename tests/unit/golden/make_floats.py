#!/usr/bin/python3
"""Writes floats.txt for test_float_format.c: one double per line, exactly (as float.hex(),
which strtod reads back), a tab, and what prometheus_client's floatToGoString prints for it.

Run: /usr/bin/python3 tests/unit/golden/make_floats.py tests/unit/golden

The sample reaches every corner of the shortest-digits search and of the layout: powers of two
(their rounding interval is lopsided, the case where the nearest n-digit decimal can miss and a
farther one fit), random bit patterns over the whole range with subnormals, and decimals with
few digits around the thresholds (1e-4, 1e6, 1e16) where the notation changes.
"""
import math
import random
import struct
import sys

from prometheus_client.utils import floatToGoString


def sample():
    rng = random.Random(20231114)
    values = []
    for e in range(-1074, 1024, 5):
        values += [math.ldexp(1.0, e), -math.ldexp(1.0, e)]
    for _ in range(300):
        values.append(struct.unpack('<d', struct.pack('<Q', rng.getrandbits(64)))[0])
    for _ in range(100):
        values.append(rng.getrandbits(52) * 2.0 ** -1074)  # subnormals
    for _ in range(300):
        digits = rng.randint(1, 17)
        exponent = rng.randint(-8, 19)
        values.append(float(f'{rng.randint(1, 10 ** digits - 1)}e{exponent - digits}'))
    for e in range(-6, 19):
        for m in (1, 9.999999999999998, 1.0000000000000002):
            values.append(float(f'{m}e{e}'))
    values += [0.0, -0.0, math.inf, -math.inf, math.nan]
    return values


def main(outdir):
    with open(f'{outdir}/floats.txt', 'w', encoding='ascii') as out:
        for v in sample():
            out.write(f'{v.hex()}\t{floatToGoString(v)}\n')


if __name__ == '__main__':
    main(sys.argv[1])

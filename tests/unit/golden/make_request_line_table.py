#!/usr/bin/python3
"""The request-line table of tests/unit/http/test_request_line.c, as werkzeug itself answers it.

Each request line below is sent over a real socket to a real werkzeug dev server (Debian's
python3-werkzeug, the Flask 2.2 stack), whose app answers with request.method and
request.path; the result is printed as the C table's rows. One deliberate difference, the
one SPEC §3 and the README state: raw (unescaped) non-ASCII bytes in a target are decoded
as UTF-8, as gunicorn does, where werkzeug's dev server decodes them as latin-1. For those
lines werkzeug is asked about the same target with each such byte percent-escaped, which
it decodes as UTF-8.

Run: /usr/bin/python3 tests/unit/golden/make_request_line_table.py
       prints the rows of the `valid[]` table;
     /usr/bin/python3 tests/unit/golden/make_request_line_table.py --check FILE.c
       exits 1 unless FILE.c's `valid[]` table holds exactly these rows, in this order
       (make test-unit runs this).
"""
import json
import logging
import re
import socket
import sys
import threading

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

LINES = [
    b"GET / HTTP/1.1",
    b"get /lower HTTP/1.1",
    b"HEAD / HTTP/1.1",
    b"OPTIONS * HTTP/1.1",
    b"OPTIONS /x HTTP/1.1",
    b"GET /items/7?x=1&y=2 HTTP/1.1",
    b"GET /a? HTTP/1.1",
    b"GET /a%2Fb HTTP/1.1",
    b"GET /a%20b HTTP/1.1",
    b"GET /%25 HTTP/1.1",
    b"GET /a+b HTTP/1.1",
    b"GET /caf%C3%A9 HTTP/1.1",
    b"GET /caf%c3%a9 HTTP/1.1",
    b"GET /%E2%82 HTTP/1.1",
    b"GET /%FF%FF HTTP/1.1",
    b"GET /%ED%A0%80 HTTP/1.1",
    b"GET /%C0%AF HTTP/1.1",
    b"GET /%F4%90%80%80 HTTP/1.1",
    b"GET /%F0%9F%98%80 HTTP/1.1",
    b"GET /%zz HTTP/1.1",
    b"GET /a% HTTP/1.1",
    b"GET /a%2 HTTP/1.1",
    b"GET //a//b HTTP/1.1",
    b"GET ///a HTTP/1.1",
    b"GET /%2F%2Fa HTTP/1.1",
    b"GET /a/../b HTTP/1.1",
    b"GET /a/ HTTP/1.1",
    b"GET /a/./b HTTP/1.1",
    b"GET http://example.com:8080/abs?q=1 HTTP/1.1",
    b"GET http://example.com HTTP/1.1",
    b"GET HTTP://Example.com/UP HTTP/1.1",
    b"GET https://h/s%20p HTTP/1.1",
    b"GET /%0Anl HTTP/1.1",
    b"GET /tab%09x HTTP/1.1",
    b"GET /%22q%22%5C HTTP/1.1",
    b"POST /created HTTP/1.0",
    b"DELETE /x HTTP/1.1",
    b"PATCH /x HTTP/1.1",
    b"GET /\xc3\xa9raw HTTP/1.1",
    b"GET /%E2%82%AC%E2 HTTP/1.1",
]


@Request.application
def echo(request):
    # In a header (JSON is ASCII), so that HEAD answers carry it too.
    return Response(headers={"X-Echo": json.dumps([request.method, request.path])})


def escape_raw_bytes(line):
    """The line with each non-ASCII byte percent-escaped (the UTF-8 decision above)."""
    return b"".join(b"%%%02X" % b if b >= 0x80 else bytes([b]) for b in line)


def ask(port, line):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(line + b"\r\nHost: h\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    status, *headers = data.partition(b"\r\n\r\n")[0].split(b"\r\n")
    echo = [h[len(b"X-Echo: "):] for h in headers if h.startswith(b"X-Echo: ")]
    if b" 200 " not in status or len(echo) != 1:
        sys.exit(f"make_request_line_table: werkzeug answered {line!r} with {data!r}")
    method, path = json.loads(echo[0])
    return method.encode(), path.encode("utf-8")


def werkzeug_rows():
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.socket.getsockname()[1]
        return [(line, *ask(port, escape_raw_bytes(line))) for line in LINES]
    finally:
        server.shutdown()


def c_literal(data):
    """bytes as a C string literal; a hex escape followed by a hex digit ends the literal
    (C's \\x takes every hex digit that follows)."""
    out, after_hex = "", False
    for b in data:
        c = chr(b)
        if after_hex and c in "0123456789abcdefABCDEF":
            out += '" "'
        after_hex = False
        if c in '"\\':
            out += "\\" + c
        elif 0x20 <= b < 0x7F:
            out += c
        else:
            out += f"\\x{b:02x}"
            after_hex = True
    return f'"{out}"'


def parse_c_literals(text):
    """The bytes of a run of adjacent C string literals ("a" "b")."""
    out = bytearray()
    for body in re.findall(r'"((?:[^"\\]|\\.)*)"', text):
        i = 0
        while i < len(body):
            if body[i] != "\\":
                out += body[i].encode()
                i += 1
            elif body[i + 1] == "x":
                digits = re.match(r"[0-9a-fA-F]+", body[i + 2:]).group()
                out.append(int(digits, 16) & 0xFF)
                i += 2 + len(digits)
            else:
                out += {"n": b"\n", "t": b"\t", "0": b"\0"}.get(body[i + 1], body[i + 1].encode())
                i += 2
    return bytes(out)


def table_rows(c_path):
    """The (line, method, path) rows of the `valid[]` table in a C test file."""
    with open(c_path, encoding="utf-8") as f:
        source = f.read()
    table = re.search(r"\} valid\[\] = \{(.*?)\n\};", source, re.S)
    if not table:
        sys.exit(f"make_request_line_table: no valid[] table in {c_path}")
    rows = []
    for row in re.findall(r'^\s*\{ (".*") \},\s*$', table.group(1), re.M):
        fields = re.findall(r'(?:"(?:[^"\\]|\\.)*"\s*)+', row)
        rows.append(tuple(parse_c_literals(field) for field in fields))
    return rows


def main(argv):
    rows = werkzeug_rows()
    if len(argv) == 1:
        for row in rows:
            print("\t{ " + ", ".join(c_literal(field) for field in row) + " },")
        return 0
    if len(argv) != 3 or argv[1] != "--check":
        sys.exit(__doc__)
    committed = table_rows(argv[2])
    if committed == rows:
        print(f"make_request_line_table: {argv[2]}: {len(rows)} rows agree with werkzeug")
        return 0
    for i in range(max(len(rows), len(committed))):
        want = rows[i] if i < len(rows) else None
        got = committed[i] if i < len(committed) else None
        if want != got:
            print(f"row {i}: table has {got!r}, werkzeug says {want!r}", file=sys.stderr)
    print(f"make_request_line_table: {argv[2]}'s valid[] table differs from werkzeug's answers;"
          " print the rows with this script", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))

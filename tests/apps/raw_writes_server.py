"""A tiny keep-alive HTTP/1.1 server that writes its responses in the awkward shapes real
servers use: a status line split over two send() calls, a head spread over several iovecs of
one sendmsg(), and over several iovecs of one writev(). The exporter must count each exactly.

Usage: raw_writes_server.py --port N
"""
import argparse
import os
import socket
import threading
import time

BODY = b"ok"


def respond(conn, path):
    tail = b"Content-Length: 2\r\n\r\n" + BODY
    if path == "/split":  # status line cut in the middle of its code
        conn.sendall(b"HTTP/1.1 2")
        time.sleep(0.005)
        conn.sendall(b"01 Created\r\n" + tail)
    elif path == "/sendmsg":  # the status line itself spans two iovecs
        conn.sendmsg([b"HTTP/1.1 ", b"202 Accepted\r\n", b"Server: raw\r\n", tail])
    elif path == "/writev":
        os.writev(conn.fileno(), [b"HTTP/1.1 203 Non-Authoritative Information\r\n", tail])
    else:
        conn.sendall(b"HTTP/1.1 404 Not Found\r\n" + tail)


def serve(conn):
    with conn, conn.makefile("rb") as f:
        while True:
            line = f.readline()
            if not line:
                return
            while f.readline() not in (b"\r\n", b"\n", b""):
                pass
            respond(conn, line.split()[1].decode().partition("?")[0])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    listener = socket.create_server(("127.0.0.1", port))
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()

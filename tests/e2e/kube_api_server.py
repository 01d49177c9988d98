"""A stand-in for the Kubernetes API server's pod list and watch, on 127.0.0.1 over HTTPS.

No API server can run on the test machines, so the exporter's client is tested against
this: the same URLs, query parameters, status codes and bodies (tests/fixtures/kube-api/,
whose README names where each shape comes from), with the behaviours a real cluster shows
a node agent:

- GET /api/v1/pods?fieldSelector=spec.nodeName=N&limit=L[&continue=C]: a paged PodList of
  the node's pods at one resourceVersion;
- ...&watch=1&resourceVersion=RV&allowWatchBookmarks=true&timeoutSeconds=T: a chunked
  stream of WatchEvents after RV, BOOKMARKs on request, the stream closed after T seconds;
  a RV older than the kept history gets an ERROR event with the 410 Expired Status, as the
  watch cache sends it;
- Authorization: Bearer <token> checked against the tokens currently valid (401 and the
  Unauthorized Status otherwise); every request's token is recorded;
- faults on demand: expire history (the next or open watches get 410), cut open watch
  connections without ending the chunked body, answer slowly.
"""
import copy
import json
import os
import socket
import ssl
import subprocess
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures",
                        "kube-api")


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return json.load(f)


def make_certs(directory):
    """A CA and a server certificate for 127.0.0.1 signed by it; returns (ca, cert, key)."""
    os.makedirs(directory, exist_ok=True)
    ca_key, ca = os.path.join(directory, "ca.key"), os.path.join(directory, "ca.crt")
    key, csr = os.path.join(directory, "server.key"), os.path.join(directory, "server.csr")
    cert, ext = os.path.join(directory, "server.crt"), os.path.join(directory, "san.ext")
    run = lambda *a: subprocess.run(a, check=True, capture_output=True, timeout=60)
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        "-subj", "/CN=fake-kubernetes-ca", "-keyout", ca_key, "-out", ca)
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=kube-apiserver",
        "-keyout", key, "-out", csr)
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:kubernetes.default.svc\n")
    run("openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
        "-days", "1", "-extfile", ext, "-out", cert)
    return ca, cert, key


class Cluster:
    """The pods, their history of changes and the faults to inject; thread-safe."""

    def __init__(self, node):
        self.node = node
        self.rv = 10000
        self.pods = {}  # uid -> pod object
        self.history = []  # (rv, type, object) of every change
        self.oldest_rv = self.rv  # watches from before this get 410
        self.cond = threading.Condition()
        self.tokens = {"token-1"}
        self.requests = []  # (path, params, token) of every request
        self.delay = 0.0
        self.cut_generation = 0  # bumped to cut every open watch
        self.open_watches = 0
        self.bookmark_every = 0.0  # seconds; 0 = none
        self.expire_next_continue = False  # the next continue token gets 410 Expired

    def _bump(self):
        self.rv += 1
        return str(self.rv)

    def _record(self, kind, pod):
        self.history.append((self.rv, kind, copy.deepcopy(pod)))
        self.cond.notify_all()

    def add_pod(self, name, namespace="default", labels=None, annotations=None, owner=None,
                node=None, uid=None):
        """owner: (kind, name) of the controller reference, or None for a bare pod."""
        pod = fixture("pod.json")
        meta = pod["metadata"]
        meta["name"], meta["namespace"] = name, namespace
        meta["generateName"] = name.rsplit("-", 1)[0] + "-"
        meta["uid"] = uid or f"{abs(hash((name, namespace, time.time()))):032x}"[:8] + \
            "-0000-4000-8000-" + f"{self.rv:012d}"
        meta["labels"] = dict(labels or {})
        meta["annotations"] = dict(annotations or {})
        if owner:
            meta["ownerReferences"][0].update(kind=owner[0], name=owner[1])
        else:
            del meta["ownerReferences"]
        pod["spec"]["nodeName"] = node or self.node
        with self.cond:
            meta["resourceVersion"] = self._bump()
            self.pods[meta["uid"]] = pod
            self._record("ADDED", pod)
        return meta["uid"]

    def modify_pod(self, uid, labels=None, annotations=None):
        with self.cond:
            pod = self.pods[uid]
            if labels is not None:
                pod["metadata"]["labels"] = dict(labels)
            if annotations is not None:
                pod["metadata"]["annotations"] = dict(annotations)
            pod["metadata"]["resourceVersion"] = self._bump()
            self._record("MODIFIED", pod)

    def delete_pod(self, uid):
        with self.cond:
            pod = self.pods.pop(uid)
            pod["metadata"]["resourceVersion"] = self._bump()
            pod["metadata"]["deletionTimestamp"] = "2026-11-28T21:00:00Z"
            self._record("DELETED", pod)

    def compact(self):
        """Forgets the history up to now (etcd compaction): watches from an older
        resourceVersion, the open ones included, get 410 Expired."""
        with self.cond:
            self._bump()
            self.oldest_rv = self.rv
            self.history = []
            self.cond.notify_all()

    def cut_watches(self):
        """Closes every open watch connection abruptly (no final chunk)."""
        with self.cond:
            self.cut_generation += 1
            self.cond.notify_all()

    def on_node(self):
        return [p for p in self.pods.values() if p["spec"]["nodeName"] == self.node]


def expired_status(client_rv, current_rv):
    status = fixture("status-expired.json")
    status["message"] = f"too old resource version: {client_rv} ({current_rv})"
    return status


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    cluster = None  # set per server

    def log_message(self, *args):
        pass

    def _json(self, code, obj):
        body = json.dumps(obj, separators=(",", ":")).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        c = self.cluster
        url = urllib.parse.urlsplit(self.path)
        params = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        auth = self.headers.get("Authorization", "")
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else None
        with c.cond:
            c.requests.append((url.path, params, token))
            valid = token in c.tokens
            delay = c.delay
        if delay:
            time.sleep(delay)
        if not valid:
            return self._json(401, fixture("status-unauthorized.json"))
        if url.path != "/api/v1/pods":
            return self._json(404, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                                    "status": "Failure", "message": "not found",
                                    "reason": "NotFound", "code": 404})
        wanted = f"spec.nodeName={c.node}"
        if params.get("fieldSelector") != wanted:
            return self._json(400, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                                    "status": "Failure", "code": 400, "reason": "BadRequest",
                                    "message": f"this test server expects {wanted}"})
        if params.get("watch") in ("1", "true"):
            return self._watch(params)
        return self._list(params)

    def _list(self, params):
        c = self.cluster
        limit = int(params.get("limit", "0") or 0)
        with c.cond:
            if "continue" in params:
                start, rv = (int(x) for x in params["continue"].split(":"))
                if rv < c.oldest_rv or c.expire_next_continue:
                    c.expire_next_continue = False
                    return self._json(410, expired_status(rv, c.rv))
            else:
                start, rv = 0, c.rv
            pods = sorted(c.on_node(), key=lambda p: p["metadata"]["uid"])
            page = pods[start:start + limit] if limit else pods[start:]
            out = fixture("pod-list.json")
            out["metadata"]["resourceVersion"] = str(rv)
            if limit and start + limit < len(pods):
                out["metadata"]["continue"] = f"{start + limit}:{rv}"
            out["items"] = copy.deepcopy(page)
        self._json(200, out)

    def _chunk(self, obj):
        data = (json.dumps(obj, separators=(",", ":")) + "\n").encode()
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _watch(self, params):
        c = self.cluster
        since = int(params.get("resourceVersion") or 0)
        timeout = int(params.get("timeoutSeconds") or 1800)
        bookmarks = params.get("allowWatchBookmarks") == "true"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        deadline = time.monotonic() + timeout
        with c.cond:
            c.open_watches += 1
            generation = c.cut_generation
        last_bookmark = time.monotonic()
        try:
            while True:
                with c.cond:
                    if since < c.oldest_rv:
                        event = {"type": "ERROR", "object": expired_status(since, c.rv)}
                        pending, done = [event], True
                    else:
                        pending = [{"type": t, "object": o} for rv, t, o in c.history
                                   if rv > since and o["spec"]["nodeName"] == c.node]
                        done = False
                    if not pending and not done:
                        c.cond.wait(0.2)
                    cut = c.cut_generation != generation
                    every, current = c.bookmark_every, c.rv
                if cut:
                    # As a proxy or a dying server does: the TCP connection ends mid-body.
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                for event in pending:
                    self._chunk(event)
                    if event["type"] != "ERROR":
                        since = int(event["object"]["metadata"]["resourceVersion"])
                if done:
                    break
                if bookmarks and every and time.monotonic() - last_bookmark >= every:
                    bookmark = fixture("bookmark.json")
                    bookmark["metadata"]["resourceVersion"] = str(current)
                    self._chunk({"type": "BOOKMARK", "object": bookmark})
                    since = max(since, current)
                    last_bookmark = time.monotonic()
                if time.monotonic() >= deadline:
                    break
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            self.close_connection = True
        finally:
            with c.cond:
                c.open_watches -= 1


class FakeKubeAPI:
    """The server on 127.0.0.1:<free port>, in a thread; .cluster is what it serves."""

    def __init__(self, directory, node="node-a"):
        self.ca, cert, key = make_certs(directory)
        self.cluster = Cluster(node)
        handler = type("BoundHandler", (Handler,), {"cluster": self.cluster})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def requests_with(self, **match):
        """The recorded requests whose params include `match`."""
        with self.cluster.cond:
            return [r for r in self.cluster.requests
                    if all(r[1].get(k) == v for k, v in match.items())]

    def stop(self):
        self.cluster.cut_watches()
        self.httpd.shutdown()
        self.httpd.server_close()

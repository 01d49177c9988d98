"""The Kubernetes API client (src/targets/kube_*) against kube_api_server.FakeKubeAPI: list
then watch of this node's pods, bookmarks, 410 Gone mid-watch, a cut connection, a rotated
token, a slow server, a kubeconfig, and the memory kept for 500 pods.

The client runs in build/tests/kube/kube_pod_watch_tool (the watch thread and the pod cache
of the exporter, driven over stdin); the exporter's own use of it is tested in
test_kube_labels.py.
"""
import base64
import json
import os
import subprocess
import time

import pytest

from conftest import REPO, wait_until
from kube_api_server import FakeKubeAPI, make_certs

TOOL = os.environ.get("KUBE_TOOL", os.path.join(REPO, "build", "tests", "kube",
                                                "kube_pod_watch_tool"))
NODE = "node-a"
SCRAPE = "flask-ebpf-exporter/scrape"


class Watcher:
    """The tool, started against the fake server; dump() is its cache and counters."""

    def __init__(self, api, directory, args=(), kubeconfig=None, token="token-1", ca=None):
        self.sa = os.path.join(directory, "serviceaccount")
        os.makedirs(self.sa, exist_ok=True)
        self.write_token(token)
        with open(ca or api.ca) as src, open(os.path.join(self.sa, "ca.crt"), "w") as dst:
            dst.write(src.read())
        env = dict(os.environ, KUBERNETES_SERVICE_HOST="127.0.0.1",
                   KUBERNETES_SERVICE_PORT=str(api.port))
        where = ["--kubeconfig", kubeconfig] if kubeconfig else \
            ["--service-account-dir", self.sa]
        self.proc = subprocess.Popen(
            [TOOL, *where, "--node", NODE, "--label", "app", "--label", "version",
             "--annotation", SCRAPE, "--backoff-max", "1", *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
            text=True)

    def write_token(self, token):
        # As the kubelet rotates a projected token: a new file renamed over the old one.
        tmp = os.path.join(self.sa, ".token.tmp")
        with open(tmp, "w") as f:
            f.write(token + "\n")
        os.rename(tmp, os.path.join(self.sa, "token"))

    def dump(self):
        self.proc.stdin.write("dump\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, f"the tool died: {self.proc.stderr.read()}"
        return json.loads(line)

    def pods(self):
        return {p["name"]: p for p in self.dump()["pods"]}

    def stats(self):
        return self.dump()["stats"]

    def wait(self, predicate, what, timeout=10):
        wait_until(lambda: predicate(self.dump()), timeout, what)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("the watch did not stop within 5 s")
        return self.proc.returncode


@pytest.fixture
def api(tmp_path):
    server = FakeKubeAPI(str(tmp_path))
    yield server
    server.stop()


@pytest.fixture
def watcher(api, tmp_path):
    started = []

    def _start(**kw):
        w = Watcher(api, str(tmp_path), **kw)
        started.append(w)
        return w

    yield _start
    for w in started:
        assert w.stop() == 0


def add_shop(cluster, name="shop-7d4b9c8f6d-x2x8z", **labels):
    return cluster.add_pod(name, "shop", {"app": "shop", "pod-template-hash": "7d4b9c8f6d",
                                          **labels},
                           {SCRAPE: "true", "other": "dropped"},
                           ("ReplicaSet", "shop-7d4b9c8f6d"))


def test_lists_this_nodes_pods_then_watches_from_the_lists_version(api, watcher):
    c = api.cluster
    add_shop(c)
    c.add_pod("db-0", "shop", {"app": "db"}, {}, ("StatefulSet", "db"))
    c.add_pod("agent-x7k2p", "monitoring", {"app": "agent"}, {}, ("DaemonSet", "agent"))
    c.add_pod("report-29410560-abcde", "batch", {}, {}, ("Job", "report-29410560"))
    c.add_pod("elsewhere", "shop", {"app": "shop"}, {}, None, node="node-b")
    w = watcher()
    w.wait(lambda d: d["stats"]["synced"] and d["stats"]["connected"], "list and watch")
    pods = w.pods()
    assert sorted(pods) == ["agent-x7k2p", "db-0", "report-29410560-abcde",
                            "shop-7d4b9c8f6d-x2x8z"]
    shop = pods["shop-7d4b9c8f6d-x2x8z"]
    assert (shop["owner_kind"], shop["owner"]) == ("Deployment", "shop")
    assert shop["labels"] == {"app": "shop"}  # pod-template-hash read, not kept
    assert shop["annotations"] == {SCRAPE: "true"}
    assert (pods["db-0"]["owner_kind"], pods["db-0"]["owner"]) == ("StatefulSet", "db")
    assert pods["agent-x7k2p"]["owner_kind"] == "DaemonSet"
    assert (pods["report-29410560-abcde"]["owner_kind"],
            pods["report-29410560-abcde"]["owner"]) == ("CronJob", "report")
    lists = api.requests_with(limit="100")
    watches = api.requests_with(watch="1")
    assert len(lists) == 1 and lists[0][1]["fieldSelector"] == f"spec.nodeName={NODE}"
    assert watches[0][1]["allowWatchBookmarks"] == "true"
    assert watches[0][1]["resourceVersion"] == str(c.rv)
    assert watches[0][1]["fieldSelector"] == f"spec.nodeName={NODE}"


def test_events_change_the_cache(api, watcher):
    c = api.cluster
    uid = add_shop(c)
    w = watcher()
    w.wait(lambda d: d["stats"]["connected"], "the watch")
    c.modify_pod(uid, labels={"app": "shop", "version": "v2"})
    new = c.add_pod("cart-6c9f8d7b5-q4w5e", "shop", {"app": "cart", "pod-template-hash":
                                                      "6c9f8d7b5"}, {},
                    ("ReplicaSet", "cart-6c9f8d7b5"))
    w.wait(lambda d: len(d["pods"]) == 2 and d["stats"]["MODIFIED"] == 1, "two events")
    assert w.pods()["shop-7d4b9c8f6d-x2x8z"]["labels"] == {"app": "shop", "version": "v2"}
    c.delete_pod(new)
    w.wait(lambda d: len(d["pods"]) == 1, "the delete")
    st = w.stats()
    assert (st["ADDED"], st["MODIFIED"], st["DELETED"], st["lists"]) == (1, 1, 1, 1)


def test_bookmarks_move_the_resume_point(api, watcher):
    c = api.cluster
    add_shop(c)
    c.bookmark_every = 0.3
    w = watcher()
    w.wait(lambda d: d["stats"]["BOOKMARK"] >= 1, "a bookmark")
    # Changes on other nodes move the version without events for us; a bookmark says so.
    c.add_pod("far-away", "shop", {}, {}, None, node="node-b")
    w.wait(lambda d: d["stats"]["BOOKMARK"] >= 3, "more bookmarks")
    resume = c.rv
    c.cut_watches()
    wait_until(lambda: len(api.requests_with(watch="1")) >= 2, 10, "a new watch")
    assert api.requests_with(watch="1")[-1][1]["resourceVersion"] == str(resume)
    assert w.stats()["lists"] == 1  # resumed, not relisted


def test_410_gone_mid_watch_relists(api, watcher):
    c = api.cluster
    uid = add_shop(c)
    gone = c.add_pod("gone-soon", "shop", {"app": "x"})
    w = watcher()
    w.wait(lambda d: d["stats"]["connected"] and len(d["pods"]) == 2, "the watch")
    # The deletion is lost with the compacted history: only the relist can notice it.
    with c.cond:
        c.pods.pop(gone)
        c.pods[uid]["metadata"]["labels"]["version"] = "v9"
    c.compact()
    w.wait(lambda d: d["stats"]["lists"] == 2, "the relist")
    st = w.stats()
    assert (st["ERROR"], st["relists_gone"]) == (1, 1)
    pods = w.pods()
    assert list(pods) == ["shop-7d4b9c8f6d-x2x8z"]
    assert pods["shop-7d4b9c8f6d-x2x8z"]["labels"]["version"] == "v9"
    w.wait(lambda d: d["stats"]["connected"], "watching again")
    assert api.requests_with(watch="1")[-1][1]["resourceVersion"] == str(c.rv)


def test_http_410_on_a_continued_list_starts_over(api, watcher):
    c = api.cluster
    for i in range(250):
        c.add_pod(f"p-{i:03d}", "shop", {"app": "x"})
    with c.cond:
        c.expire_next_continue = True  # the continue token is too old by page 2
    w = watcher()
    w.wait(lambda d: d["stats"]["synced"], "a complete list", timeout=20)
    assert len(w.pods()) == 250
    st = w.stats()
    assert st["lists"] == 1 and st["failures"] == 1
    assert len(api.requests_with(limit="100")) == 2 + 3  # pages 1 and 2 (410), then 1-3


def test_cut_connection_resumes_without_relist(api, watcher):
    c = api.cluster
    add_shop(c)
    w = watcher()
    w.wait(lambda d: d["stats"]["connected"], "the watch")
    last = c.rv
    c.cut_watches()
    c.add_pod("after-the-cut", "shop", {"app": "late"})
    w.wait(lambda d: "after-the-cut" in {p["name"] for p in d["pods"]}, "the event after")
    watches = api.requests_with(watch="1")
    assert len(watches) == 2
    assert watches[1][1]["resourceVersion"] == str(last)
    st = w.stats()
    assert st["lists"] == 1 and st["failures"] == 1 and st["relists_gone"] == 0


def test_rotated_token_is_sent_on_the_next_request(api, watcher):
    c = api.cluster
    add_shop(c)
    w = watcher(args=["--watch-timeout", "1"])
    w.wait(lambda d: d["stats"]["connected"], "the watch")
    with c.cond:
        c.tokens = {"token-2"}  # the old one is no longer valid, as after expiry
    w.write_token("token-2")
    before = len(c.requests)
    wait_until(lambda: len(c.requests) > before, 10, "the next request")
    assert c.requests[before][2] == "token-2"
    assert w.stats()["unauthorized"] == 0
    c.add_pod("seen-with-new-token", "shop")
    w.wait(lambda d: len(d["pods"]) == 2, "events with the new token")


def test_unauthorized_backs_off_and_recovers(api, watcher):
    c = api.cluster
    add_shop(c)
    with c.cond:
        c.tokens = set()
    w = watcher()
    w.wait(lambda d: d["stats"]["unauthorized"] >= 2, "two refusals")
    assert not w.stats()["synced"]
    with c.cond:
        c.tokens = {"token-1"}
    w.wait(lambda d: d["stats"]["synced"], "the list once the token is valid")
    # Backoff: not a request storm while refused (0.5, 1, 1 s ... with --backoff-max 1).
    assert len([r for r in c.requests if r[2] == "token-1"]) < 20


def test_slow_server_never_blocks_the_caller(api, watcher):
    c = api.cluster
    add_shop(c)
    with c.cond:
        c.delay = 3.0
    w = watcher()
    started = time.monotonic()
    for _ in range(10):
        assert not w.stats()["synced"]
    assert time.monotonic() - started < 1.5  # ten answers while the list hangs
    w.wait(lambda d: d["stats"]["synced"], "the slow list", timeout=15)
    stopping = time.monotonic()
    assert w.stop() == 0  # mid-watch, waiting on the slow server
    assert time.monotonic() - stopping < 3


def test_kubeconfig_outside_the_cluster(api, watcher, tmp_path):
    add_shop(api.cluster)
    with open(api.ca, "rb") as f:
        ca_data = base64.b64encode(f.read()).decode()
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(f"""apiVersion: v1
kind: Config
current-context: test
clusters:
- name: fake
  cluster:
    server: https://127.0.0.1:{api.port}
    certificate-authority-data: {ca_data}
contexts:
- name: test
  context: {{cluster: fake, user: agent}}
users:
- name: agent
  user: {{token: token-1}}
""")
    w = watcher(kubeconfig=str(kubeconfig))
    w.wait(lambda d: d["stats"]["synced"], "the list")
    assert list(w.pods()) == ["shop-7d4b9c8f6d-x2x8z"]


def test_untrusted_server_certificate_is_refused(api, watcher, tmp_path):
    add_shop(api.cluster)
    other_ca, _, _ = make_certs(str(tmp_path / "other"))  # same names, another CA
    w = watcher(ca=other_ca)
    w.wait(lambda d: d["stats"]["failures"] >= 2, "TLS failures")
    assert not w.stats()["synced"]
    assert api.cluster.requests == []  # the handshake failed: no request, no token sent


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return {k: int(v.split()[0]) for k, v in
                (line.split(":", 1) for line in f if line.startswith(("VmRSS", "VmHWM")))}


def test_memory_for_500_pods(api, watcher):
    c = api.cluster
    w = watcher()
    w.wait(lambda d: d["stats"]["connected"], "the watch")
    empty = rss_kib(w.proc.pid)
    for i in range(500):
        c.add_pod(f"shop-7d4b9c8f6d-{i:05d}", f"ns-{i % 20}",
                  {"app": f"app-{i % 50}", "version": "v1", "pod-template-hash": "7d4b9c8f6d",
                   "team": "payments", "tier": "web"},
                  {SCRAPE: "true", "kubectl.kubernetes.io/last-applied-configuration": "x" * 2000},
                  ("ReplicaSet", "shop-7d4b9c8f6d"))
    w.wait(lambda d: len(d["pods"]) == 500, "500 pods", timeout=30)
    c.compact()  # and once more through a relist, as after a 410
    w.wait(lambda d: d["stats"]["lists"] == 2, "the relist", timeout=30)
    st = w.stats()
    full = rss_kib(w.proc.pid)
    print(f"\nkube pod cache for 500 pods: {st['cache_bytes']} bytes kept; tool RSS "
          f"{empty['VmRSS']} KiB empty -> {full['VmRSS']} KiB with 500 pods "
          f"(peak {full['VmHWM']} KiB)")
    assert len(w.pods()) == 500
    # What is kept: name, namespace, uid, owner, 2 labels, 1 annotation: < 500 B a pod.
    assert st["cache_bytes"] < 500 * 500
    assert full["VmRSS"] - empty["VmRSS"] < 16 * 1024

"""kubernetes.api with real pods: containerd pods (tests/e2e/pods.py; containerd keeps no pod
labels on the node) selected and labelled by what kube_api_server.FakeKubeAPI says of them
(same uids): by label selector and by Deployment, exact counts, the API's labels on the
series, and a label changed on a running pod on its next requests."""
from collections import Counter

import requests

from conftest import series, wait_until
from kube_api_server import FakeKubeAPI
from pods import containerd  # noqa: F401  (fixture)
from test_kubernetes import kube_config

NODE = "node-a"
OWNER_LABELS = ("k8s_deployment", "k8s_statefulset", "k8s_daemonset", "k8s_cronjob", "k8s_job")


def start(containerd, attach, tmp_path, monkeypatch, api_yaml):  # noqa: F811
    api = FakeKubeAPI(str(tmp_path / "api"))
    sa = tmp_path / "serviceaccount"
    sa.mkdir()
    (sa / "token").write_text("token-1\n")
    (sa / "ca.crt").write_text(open(api.ca).read())
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", str(api.port))
    monkeypatch.setenv("NODE_NAME", NODE)
    extra = f"  api:\n    service_account_dir: {sa}\n{api_yaml}"
    return api, lambda: attach(args=["--config", kube_config(tmp_path, containerd, extra)])


def send(pod, times, tally, app_labels, owner=None):
    for _ in range(times):
        assert requests.get(pod.url("/"), timeout=10).status_code == 200
    key = dict(k8s_namespace=pod.namespace, k8s_pod=pod.name, k8s_container="web",
               k8s_node=NODE, method="GET", status="200", **app_labels)
    key.update({name: "" for name in OWNER_LABELS})
    if owner:
        key[owner[0]] = owner[1]
    tally[frozenset(key.items())] += times


def test_selected_by_label_and_relabelled(containerd, attach, tmp_path, monkeypatch):  # noqa: F811
    shop = containerd.run_pod("shop", "shop-7d4b9c8f6d-x2x8z", workers=1)
    cart = containerd.run_pod("shop", "cart-0", workers=1)
    other = containerd.run_pod("shop", "other-1", workers=1)
    api, run = start(containerd, attach, tmp_path, monkeypatch,
                     "    selector: 'app in (shop,cart)'\n    pod_labels: [app, version]\n")
    try:
        c = api.cluster
        c.add_pod(shop.name, "shop", {"app": "shop", "version": "v1",
                                      "pod-template-hash": "7d4b9c8f6d"}, {},
                  ("ReplicaSet", "shop-7d4b9c8f6d"), uid=shop.uid)
        c.add_pod(cart.name, "shop", {"app": "cart", "version": "v1"}, {},
                  ("StatefulSet", "cart"), uid=cart.uid)
        c.add_pod(other.name, "shop", {"app": "other"}, {}, None, uid=other.uid)
        exporter = run()
        tally = Counter()
        send(shop, 4, tally, {"k8s_label_app": "shop", "k8s_label_version": "v1"},
             ("k8s_deployment", "shop"))
        send(cart, 3, tally, {"k8s_label_app": "cart", "k8s_label_version": "v1"},
             ("k8s_statefulset", "cart"))
        for _ in range(5):  # not selected: not counted
            assert requests.get(other.url("/"), timeout=10).status_code == 200
        wait_until(lambda: sum(series(exporter.scrape_text(),
                                      "flask_http_request_total").values()) == 7, 10,
                   "7 requests")
        text = exporter.scrape_text()
        assert series(text, "flask_http_request_total") == {k: float(v)
                                                            for k, v in tally.items()}
        assert "other-1" not in "".join(l for l in text.splitlines()
                                        if l.startswith("flask_http_"))
        # A label changed on the running pod: its next requests carry the new value.
        c.modify_pod(shop.uid, labels={"app": "shop", "version": "v2",
                                       "pod-template-hash": "7d4b9c8f6d"})
        wait_until(lambda: series(exporter.scrape_text(),
                                  "flask_ebpf_exporter_kube_api_watch_events_total")
                   [frozenset({("type", "MODIFIED")})] == 1, 10, "the MODIFIED event")
        send(shop, 2, tally, {"k8s_label_app": "shop", "k8s_label_version": "v2"},
             ("k8s_deployment", "shop"))
        wait_until(lambda: sum(series(exporter.scrape_text(),
                                      "flask_http_request_total").values()) == 9, 10,
                   "9 requests")
        assert series(exporter.scrape_text(), "flask_http_request_total") == {
            k: float(v) for k, v in tally.items()}
        assert series(text, "flask_ebpf_exporter_kube_metadata_unknown_requests_total") == {
            frozenset(): 0.0}
    finally:
        api.stop()


def test_selected_by_deployment(containerd, attach, tmp_path, monkeypatch):  # noqa: F811
    shop = containerd.run_pod("shop", "shop-7d4b9c8f6d-q4w5e", workers=1)
    db = containerd.run_pod("shop", "db-0", workers=1)
    api, run = start(containerd, attach, tmp_path, monkeypatch,
                     "    owners: [Deployment/shop]\n")
    try:
        api.cluster.add_pod(shop.name, "shop", {"pod-template-hash": "7d4b9c8f6d"}, {},
                            ("ReplicaSet", "shop-7d4b9c8f6d"), uid=shop.uid)
        api.cluster.add_pod(db.name, "shop", {}, {}, ("StatefulSet", "db"), uid=db.uid)
        exporter = run()
        tally = Counter()
        send(shop, 5, tally, {}, ("k8s_deployment", "shop"))
        for _ in range(3):
            assert requests.get(db.url("/"), timeout=10).status_code == 200
        wait_until(lambda: sum(series(exporter.scrape_text(),
                                      "flask_http_request_total").values()) == 5, 10,
                   "5 requests")
        assert series(exporter.scrape_text(), "flask_http_request_total") == {
            k: float(v) for k, v in tally.items()}
    finally:
        api.stop()

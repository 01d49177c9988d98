"""--kubernetes: every selected container of this node's pods, found from the node itself
(the kubelet's cgroups and the runtime's config.json), counted per pod and container.
The pods are real containers of real runtimes (tests/e2e/pods.py)."""
import os
from collections import Counter

import requests

from conftest import labels, promtool_check, scrape_when_counted, series, wait_until
from pods import containerd, crio  # noqa: F401  (fixtures)

NODE = "node-a"


def kube_config(tmp_path, runtime, extra=""):
    """A config file pointing discovery at this test's runtime (its state dirs and its
    cgroup root), so that other runtimes on the machine are not seen."""
    containerd_dirs = [runtime.state_dir] if hasattr(runtime, "state_dir") else []
    crio_dirs = [runtime.storage_root] if hasattr(runtime, "storage_root") else []
    path = tmp_path / "kube.yaml"
    path.write_text(f"""kubernetes:
  enabled: true
  cgroup_root: {runtime.cgroup_root}
  containerd_state_dirs: {containerd_dirs}
  crio_storage_dirs: {crio_dirs}
{extra}""")
    return str(path)


class Mix:
    """Requests sent to pods and what the exporter must count for them."""

    def __init__(self):
        self.total = Counter()  # (namespace, pod, container, method, status) -> n

    def send(self, pod, method, path, status, times, container=None):
        for _ in range(times):
            r = requests.request(method, pod.url(path, container), timeout=10, verify=False,
                                 allow_redirects=False)
            assert r.status_code == status
            c = container or pod.containers[0].name
            self.total[(pod.namespace, pod.name, c, method, str(status))] += 1

    def expected(self, node=NODE):
        return {labels(k8s_namespace=ns, k8s_pod=pod, k8s_container=c, k8s_node=node,
                       method=m, status=s): float(n)
                for (ns, pod, c, m, s), n in self.total.items()}


def test_containerd_pods_counted_per_pod(containerd, attach, tmp_path, monkeypatch):  # noqa: F811
    web = containerd.run_pod("shop", "web-1", qos="guaranteed", driver="systemd")
    api = containerd.run_pod("billing", "api-1", qos="besteffort", driver="cgroupfs",
                             containers=("api", "admin"), workers=1)
    dns = containerd.run_pod("kube-system", "dns-1", qos="burstable", driver="systemd")
    monkeypatch.setenv("NODE_NAME", NODE)
    exporter = attach(args=["--config", kube_config(tmp_path, containerd)])

    mix = Mix()
    mix.send(web, "GET", "/", 200, 5)
    mix.send(web, "GET", "/items/3", 200, 3)
    mix.send(web, "POST", "/created", 201, 2)
    mix.send(api, "GET", "/bad", 400, 4, "api")
    mix.send(api, "GET", "/empty", 204, 2, "api")
    mix.send(api, "GET", "/old", 301, 3, "admin")
    for _ in range(6):  # kube-system is excluded by default: not counted
        assert requests.get(dns.url("/"), timeout=10).status_code == 200

    text = scrape_when_counted(exporter, sum(mix.total.values()))
    assert series(text, "flask_http_request_total") == mix.expected()
    assert sum(mix.total.values()) == 19
    assert series(text, "flask_ebpf_exporter_records_dropped_total") == {frozenset(): 0}
    assert "kube-system" not in text
    # The pods' own self-metrics: one gauge per watched container, with its labels.
    processes = series(text, "flask_ebpf_exporter_target_processes")
    assert {(dict(k)["k8s_pod"], dict(k)["k8s_container"]): v for k, v in processes.items()
            if dict(k)["kind"] == "kubernetes"} == {
        ("web-1", "web"): 3.0, ("api-1", "api"): 2.0, ("api-1", "admin"): 2.0}
    assert series(text, "flask_ebpf_exporter_kubernetes_containers") == {
        labels(state="watched"): 3.0, labels(state="skipped"): 1.0,
        labels(state="sandbox"): 3.0, labels(state="metadata_unknown"): 0.0,
        labels(state="over_limit"): 0.0}
    # The app's process metrics (issue 17) per pod container, with the pod's labels.
    containers = {("web-1", "web"), ("api-1", "api"), ("api-1", "admin")}
    for name in ("process_cpu_seconds_total", "process_resident_memory_bytes", "python_info"):
        got = series(text, name)
        assert {(dict(k)["k8s_pod"], dict(k)["k8s_container"]) for k in got} == containers, name
    assert all(v > 0 for v in series(text, "process_resident_memory_bytes").values())
    promtool_check(text)


def test_crio_pods_selected_by_pod_label(crio, attach, tmp_path, monkeypatch):  # noqa: F811
    cart = crio.run_pod("shop", "cart-1", qos="burstable", driver="systemd",
                        labels={"app": "cart", "tier": "front"})
    other = crio.run_pod("shop", "search-1", qos="besteffort", driver="cgroupfs",
                         labels={"app": "search"})
    monkeypatch.delenv("NODE_NAME", raising=False)
    exporter = attach(args=["--config", kube_config(tmp_path, crio, """  include:
    - labels: {app: 'car*'}
  label_names: {namespace: namespace, pod: pod, container: container}
""")])
    mix = Mix()
    mix.send(cart, "GET", "/", 200, 4)
    mix.send(cart, "GET", "/fail", 500, 2)
    for _ in range(5):  # not selected: no series
        assert requests.get(other.url("/"), timeout=10).status_code == 200
    text = scrape_when_counted(exporter, sum(mix.total.values()))
    # plain label names (for honor_labels), no node label without NODE_NAME
    assert series(text, "flask_http_request_total") == {
        labels(namespace=ns, pod=pod, container=c, method=m, status=s): float(n)
        for (ns, pod, c, m, s), n in mix.total.items()}
    assert sum(mix.total.values()) == 6
    assert series(text, "flask_ebpf_exporter_kubernetes_containers")[
        labels(state="skipped")] == 1.0
    promtool_check(text)


def test_https_inside_a_pod_counted_once(containerd, attach, tmp_path, tls_cert):  # noqa: F811
    pod = containerd.run_pod("secure", "tls-1", tls=tls_cert, workers=1)
    exporter = attach(args=["--config", kube_config(tmp_path, containerd)])
    mix = Mix()
    mix.send(pod, "GET", "/", 200, 5)
    mix.send(pod, "POST", "/created", 201, 3)
    text = scrape_when_counted(exporter, sum(mix.total.values()))
    node = os.environ.get("NODE_NAME")
    assert series(text, "flask_http_request_total") == {
        labels(k8s_namespace="secure", k8s_pod="tls-1", k8s_container="web", method=m,
               status=s, **({"k8s_node": node} if node else {})): float(n)
        for (_, _, _, m, s), n in mix.total.items()}
    # found in the container's maps and probed through /proc/PID/root: without the probes
    # the encrypted requests above could not have been counted at all
    libs = series(text, "flask_ebpf_exporter_tls_libraries_probed")
    assert any("libssl" in dict(k)["path"] for k in libs), libs


def kernel_cgroup_targets(pid):
    """The keys (cgroup ids) of the exporter's cgroup_targets map, found through its own
    file descriptors (other exporters may run on this machine)."""
    import json
    import subprocess
    for fd in os.listdir(f"/proc/{pid}/fdinfo"):
        try:
            with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                info = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        if "map_id" not in info:
            continue
        map_id = info["map_id"].strip()
        shown = json.loads(subprocess.run(["bpftool", "map", "show", "id", map_id, "-j"],
                                          capture_output=True, text=True, check=True).stdout)
        if shown.get("name") != "cgroup_targets":
            continue
        dump = json.loads(subprocess.run(["bpftool", "map", "dump", "id", map_id, "-j"],
                                         capture_output=True, text=True, check=True).stdout)
        return {int.from_bytes(bytes(int(b, 16) for b in e["key"]), "little") for e in dump}
    raise AssertionError("the exporter has no cgroup_targets map")


def cgroup_id(container):
    from pods import cgroup2_mount
    return os.stat(os.path.join(cgroup2_mount(), container.cgroup.lstrip("/"))).st_ino


def test_churn_under_load(containerd, attach, tmp_path, monkeypatch):  # noqa: F811
    """A pod deleted and a new one started while another pod is under load: every request
    of the three is counted exactly; the new pod from its first request 1 s after it
    listens; the deleted pod's kernel entry is gone."""
    import threading
    import time
    monkeypatch.delenv("NODE_NAME", raising=False)
    steady = containerd.run_pod("shop", "steady-1", workers=1)
    old = containerd.run_pod("shop", "old-1", workers=1)
    exporter = attach(args=["--config", kube_config(tmp_path, containerd)])
    old_id = cgroup_id(old.containers[0])
    assert kernel_cgroup_targets(exporter.proc.pid) == {cgroup_id(steady.containers[0]), old_id}

    mix, stop, errors = Mix(), threading.Event(), []

    def load():  # steady traffic for the whole churn, bounded in count and time
        deadline = time.monotonic() + 60
        try:
            while not stop.is_set() and time.monotonic() < deadline:
                mix.send(steady, "GET", "/items/1", 200, 1)
        except Exception as e:  # reported below
            errors.append(e)
    loader = threading.Thread(target=load)
    loader.start()
    try:
        mix.send(old, "GET", "/", 200, 7)
        containerd.delete_pod(old)
        new = containerd.run_pod("shop", "new-1", workers=1)
        started = time.monotonic()
        # picked up: its gauge appears (measured for the report)
        wait_until(lambda: 'k8s_pod="new-1"' in exporter.scrape_text(), 20, "new-1 watched")
        pickup = time.monotonic() - started
        time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))
        mix.send(new, "GET", "/", 200, 9)
        mix.send(new, "GET", "/bad", 400, 2)
    finally:
        stop.set()
        loader.join()
    assert not errors, errors
    text = scrape_when_counted(exporter, sum(mix.total.values()))
    got = series(text, "flask_http_request_total")
    assert got == {
        labels(k8s_namespace=ns, k8s_pod=pod, k8s_container=c, method=m, status=s): float(n)
        for (ns, pod, c, m, s), n in mix.total.items()}
    assert series(text, "flask_ebpf_exporter_records_dropped_total") == {frozenset(): 0}
    keys = kernel_cgroup_targets(exporter.proc.pid)
    assert old_id not in keys
    assert keys == {cgroup_id(steady.containers[0]), cgroup_id(new.containers[0])}
    print(f"pick-up latency of a new pod: {pickup * 1000:.0f} ms; "
          f"steady requests during churn: {mix.total[('shop', 'steady-1', 'web', 'GET', '200')]}")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def idle_cpu(pid, seconds=5.0):
    """The exporter's CPU share (of one core) over `seconds` without traffic: its rescans
    of the cgroup hierarchy and its loop."""
    import time
    start, t0 = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return (cpu_seconds(pid) - start) / (time.monotonic() - t0)


def test_fifty_pods_discovery_cost_flat(containerd, attach, tmp_path, monkeypatch):  # noqa: F811
    """50 pods (a sandbox and a container each) on the node: discovery's CPU and the
    exporter's RSS stay flat. Measured, printed for the record, bounded loosely."""
    from concurrent.futures import ThreadPoolExecutor
    monkeypatch.delenv("NODE_NAME", raising=False)
    first = containerd.run_pod("load", "pod-0", app="sleep")
    exporter = attach(args=["--config", kube_config(tmp_path, containerd)])
    pid = exporter.proc.pid
    cpu_one, rss_one = idle_cpu(pid), rss_kib(pid)
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda i: containerd.run_pod("load", f"pod-{i}", app="sleep"),
                      range(1, 50)))
    wait_until(lambda: series(exporter.scrape_text(),
                              "flask_ebpf_exporter_kubernetes_containers")[
                                  labels(state="watched")] == 50.0, 10, "50 pods watched")
    cpu_fifty, rss_fifty = idle_cpu(pid), rss_kib(pid)
    cpu_later, rss_later = idle_cpu(pid), rss_kib(pid)
    # The 51st: from its container running to its gauge (the rescan interval bounds it).
    import time
    containerd.run_pod("load", "pod-50", app="sleep")
    started = time.monotonic()
    wait_until(lambda: 'k8s_pod="pod-50"' in exporter.scrape_text(), 20, "pod-50 watched")
    pickup = time.monotonic() - started
    print(f"1 pod: {cpu_one * 100:.2f}% CPU, {rss_one} KiB RSS; 50 pods: "
          f"{cpu_fifty * 100:.2f}% CPU, {rss_fifty} KiB; 5 s later: {cpu_later * 100:.2f}% CPU, "
          f"{rss_later} KiB; pod 51 watched {pickup * 1000:.0f} ms after it ran")
    assert len(first.containers[0].pids()) == 1
    assert rss_later - rss_fifty < 1024   # flat: no growth while nothing changes
    assert rss_fifty - rss_one < 8 * 1024  # ~100 cgroups' entries, not megabytes each
    assert cpu_later < 0.05               # rescans of 100 cgroups twice a second


def test_exporter_in_a_pod_does_not_watch_itself(containerd, tmp_path, monkeypatch):  # noqa: F811
    """Run as a DaemonSet, the exporter's own container is a pod container of the node too:
    it is skipped, so the scrapes it answers are never counted as an app's requests."""
    import subprocess
    from conftest import FEE_BIN, Exporter, free_port
    from pods import cgroup2_mount
    monkeypatch.delenv("NODE_NAME", raising=False)
    home = containerd.run_pod("monitoring", "exporter-1", app="sleep")
    app = containerd.run_pod("shop", "web-1", workers=1)
    procs = os.path.join(cgroup2_mount(), home.containers[0].cgroup.lstrip("/"), "cgroup.procs")
    port = free_port()

    def join_the_pod():  # in the child, before exec: the exporter starts inside the pod
        with open(procs, "w") as f:
            f.write(str(os.getpid()))
    # conftest's Exporter, but started inside the pod's cgroup
    exporter = Exporter.__new__(Exporter)
    exporter.port, exporter.base, exporter.metrics_path = port, f"http://127.0.0.1:{port}", \
        "/metrics"
    exporter.proc = subprocess.Popen([FEE_BIN, "--listen", f"127.0.0.1:{port}", "--config",
                                      kube_config(tmp_path, containerd)],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     preexec_fn=join_the_pod)
    try:
        exporter.wait_ready()
        mix = Mix()
        mix.send(app, "GET", "/", 200, 3)
        for _ in range(3):
            exporter.scrape_text()
        text = scrape_when_counted(exporter, sum(mix.total.values()))
        assert series(text, "flask_http_request_total") == {
            labels(k8s_namespace="shop", k8s_pod="web-1", k8s_container="web", method="GET",
                   status="200"): 3.0}
        assert series(text, "flask_ebpf_exporter_kubernetes_containers")[
            labels(state="skipped")] == 1.0
    finally:
        code, err = exporter.stop()
        assert code == 0, err


def test_selection_by_port_in_the_pods_netns(containerd, attach, tmp_path, monkeypatch):  # noqa: F811
    """port: is read in each pod's own network namespace (every pod here listens on 8080;
    only one also on 8081), not in the exporter's."""
    monkeypatch.delenv("NODE_NAME", raising=False)
    two = containerd.run_pod("shop", "two-1", containers=("api", "admin"), workers=1)
    one = containerd.run_pod("shop", "one-1", workers=1)
    exporter = attach(args=["--config", kube_config(tmp_path, containerd, """  include:
    - {namespace: shop, port: 8081}
""")])
    mix = Mix()
    mix.send(two, "GET", "/", 200, 3, "api")
    mix.send(two, "GET", "/empty", 204, 2, "admin")
    for _ in range(4):  # listens on 8080 only: not selected
        assert requests.get(one.url("/"), timeout=10).status_code == 200
    text = scrape_when_counted(exporter, sum(mix.total.values()))
    assert series(text, "flask_http_request_total") == {
        labels(k8s_namespace=ns, k8s_pod=pod, k8s_container=c, method=m, status=s): float(n)
        for (ns, pod, c, m, s), n in mix.total.items()}
    assert series(text, "flask_ebpf_exporter_kubernetes_containers")[
        labels(state="skipped")] == 1.0

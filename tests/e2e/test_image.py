"""The image, run the way the DaemonSet runs it: the settings (user, capabilities, read-only
root, no-new-privileges, seccomp, hostPID, hostPath and ConfigMap mounts, args, env) are read
from the rendered deploy/kubernetes/base manifests, never written here, and applied to a
podman/runc container of the image `scripts/build/image.sh` builds from `make static`.
The container gets a network namespace of its own, as a pod has. The apps are pods of a
private containerd (tests/e2e/pods.py: CRI annotations, kubelet cgroups); the node's
/run/containerd, which the DaemonSet mounts, is that containerd's state directory here.
The exporter finds the pods by itself (the ConfigMap enables `kubernetes:`) and must count
a request mix exactly, per pod, with the pod labels, and nothing from kube-system.

podman and buildah use a private store under the test's temp directory (other tests and
developers build images at the same time)."""
import json
import os
import subprocess
import uuid

import pytest
import requests
import yaml

from conftest import REPO, promtool_check, series, wait_until
from pods import containerd  # noqa: F401  (fixture)
from test_kubernetes import Mix

STATIC_BIN = os.path.join(REPO, "build", "static", "flask_ebpf_exporter")
VERSION = open(os.path.join(REPO, "VERSION")).read().strip()
NODE_NAME = "test-node-1"


def rendered_objects():
    out = subprocess.run(["kubectl", "kustomize", os.path.join(REPO, "deploy/kubernetes/base")],
                         check=True, capture_output=True, timeout=60).stdout
    return [o for o in yaml.safe_load_all(out) if o]


def the(objects, kind):
    found = [o for o in objects if o["kind"] == kind]
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


class PodmanStore:
    def __init__(self, directory):
        self.options = ["--root", os.path.join(directory, "root"),
                        "--runroot", os.path.join(directory, "run")]

    def podman(self, *args, timeout=120, check=True):
        cmd = ["podman", *self.options, "--runtime", "runc", "--cgroup-manager=cgroupfs",
               "--events-backend=file", *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=check)


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    """localhost/flask-ebpf-exporter:VERSION in a private store, built by image.sh."""
    if not os.access(STATIC_BIN, os.X_OK):
        pytest.fail(f"{STATIC_BIN} is missing: run make static")
    directory = str(tmp_path_factory.mktemp("store"))
    store = PodmanStore(directory)
    archive = os.path.join(directory, "image.oci.tar")
    subprocess.run([os.path.join(REPO, "scripts/build/image.sh"), STATIC_BIN, VERSION, archive],
                   check=True, capture_output=True, timeout=300,
                   env={**os.environ, "BUILDAH_STORE": " ".join(store.options)})
    yield store, f"localhost/flask-ebpf-exporter:{VERSION}", archive
    store.podman("rmi", "--all", "--force", check=False)
    subprocess.run(["buildah", *store.options, "rm", "--all"], capture_output=True, timeout=60)


@pytest.fixture
def netns():
    """A network namespace for the exporter's container, as a pod has its own."""
    name = f"fee-img-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    subprocess.run(["ip", "netns", "add", name], check=True, timeout=10)
    subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True, timeout=10)
    yield name
    subprocess.run(["ip", "netns", "del", name], timeout=10)


def podman_run_args(objects, config_dir, netns, host_paths):
    """`podman run` options equivalent to the DaemonSet's pod and container spec.
    host_paths: where this test node keeps what a hostPath names, when not at that path."""
    ds = the(objects, "DaemonSet")
    pod = ds["spec"]["template"]["spec"]
    [container] = pod["containers"]
    sc = container["securityContext"]
    assert sc.get("privileged") is False
    args = ["run", "-d", "--name", f"fee-img-{uuid.uuid4().hex[:8]}",
            "--network", f"ns:/run/netns/{netns}",
            # runc on this machine refuses the host's RLIMIT_NOFILE hard limit.
            "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]
    if pod.get("hostPID"):
        args += ["--pid", "host"]
    args += ["--user", f"{sc['runAsUser']}:{sc.get('runAsGroup', sc['runAsUser'])}"]
    for cap in sc["capabilities"].get("drop", []):
        args += ["--cap-drop", cap]
    for cap in sc["capabilities"].get("add", []):
        args += ["--cap-add", cap]
    if sc.get("readOnlyRootFilesystem"):
        # Kubernetes adds no tmpfs mounts to a read-only root; podman would.
        args += ["--read-only", "--read-only-tmpfs=false"]
    if sc.get("allowPrivilegeEscalation") is False:
        args += ["--security-opt", "no-new-privileges"]
    seccomp = sc.get("seccompProfile", pod.get("securityContext", {}).get("seccompProfile"))
    # Without a profile the kubelet runs containers unconfined (SeccompDefault is off).
    if seccomp is None or seccomp["type"] == "Unconfined":
        args += ["--security-opt", "seccomp=unconfined"]
    else:
        assert seccomp["type"] == "RuntimeDefault", seccomp
    for env in container.get("env", []):
        if "value" in env:
            args += ["--env", f"{env['name']}={env['value']}"]
        else:
            assert env["valueFrom"]["fieldRef"]["fieldPath"] == "spec.nodeName", env
            args += ["--env", f"{env['name']}={NODE_NAME}"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    for mount in container["volumeMounts"]:
        volume = volumes[mount["name"]]
        mode = "ro" if mount.get("readOnly") else "rw"
        if "hostPath" in volume:
            path = volume["hostPath"]["path"]
            source = host_paths.get(path, path)
            kind = volume["hostPath"].get("type", "")
            if kind == "DirectoryOrCreate":
                os.makedirs(source, exist_ok=True)  # what the kubelet does
            else:
                assert kind == "Directory" and os.path.isdir(source), volume
        else:
            assert volume["configMap"]["name"] == config_dir[0], volume
            source = config_dir[1]
        args += ["--volume", f"{source}:{mount['mountPath']}:{mode}"]
    return args, container.get("args", []), container


def write_config_map(objects, directory):
    """The ConfigMap's files in a directory, as the kubelet projects them."""
    cm = the(objects, "ConfigMap")
    os.makedirs(directory)
    for name, text in cm["data"].items():
        with open(os.path.join(directory, name), "w") as f:
            f.write(text)
    return cm["metadata"]["name"], directory


def in_netns(netns, *cmd, timeout=15):
    return subprocess.run(["ip", "netns", "exec", netns, *cmd], capture_output=True,
                          text=True, timeout=timeout)


def test_image_runs_as_the_daemonset_says(image, netns, containerd, tmp_path):  # noqa: F811
    store, image_ref, archive = image
    assert os.path.getsize(archive) > 0
    inspect = json.loads(store.podman("image", "inspect", image_ref).stdout)[0]
    assert inspect["Config"]["User"] == "65534:65534"  # non-root unless told otherwise
    objects = rendered_objects()
    container_spec = the(objects, "DaemonSet")["spec"]["template"]["spec"]["containers"][0]
    assert container_spec["image"] == image_ref

    web = containerd.run_pod("shop", "web-1", qos="burstable", driver="systemd")
    api = containerd.run_pod("billing", "api-1", qos="besteffort", driver="cgroupfs")
    dns = containerd.run_pod("kube-system", "dns-1", qos="guaranteed", driver="systemd")
    run_args, args, _ = podman_run_args(
        objects, write_config_map(objects, str(tmp_path / "config")), netns,
        {"/run/containerd": containerd.state_dir})
    name = None
    try:
        name = store.podman(*run_args, image_ref, *args).stdout.strip()

        def ready():
            state = store.podman("inspect", "--format", "{{.State.Running}}", name,
                                 check=False).stdout.strip()
            assert state == "true", store.podman("logs", name, check=False).stderr
            return in_netns(netns, "curl", "-sf", "http://127.0.0.1:9969/-/ready").returncode == 0
        wait_until(ready, 60, "the container's /-/ready")
        assert in_netns(netns, "curl", "-sf",
                        "http://127.0.0.1:9969/-/healthy").returncode == 0

        def scrape():
            return in_netns(netns, "curl", "-sf", "http://127.0.0.1:9969/metrics").stdout

        def watching(pods):
            processes = series(scrape(), "flask_ebpf_exporter_target_processes")
            found = {dict(k).get("k8s_pod") for k in processes if dict(k)["kind"] == "kubernetes"}
            return found == pods
        wait_until(lambda: watching({"web-1", "api-1"}), 10, "discovery of the two pods")

        mix = Mix()
        mix.send(web, "GET", "/", 200, 5)
        mix.send(web, "GET", "/items/3", 200, 3)
        mix.send(web, "POST", "/created", 201, 2)
        mix.send(web, "GET", "/nope", 404, 2)
        mix.send(api, "GET", "/bad", 400, 4)
        mix.send(api, "GET", "/fail", 500, 1)
        for _ in range(4):  # kube-system is left out by the ConfigMap's defaults
            assert requests.get(dns.url("/"), timeout=10).status_code == 200

        text = scrape()
        assert series(text, "flask_http_request_total") == mix.expected(node=NODE_NAME)
        assert sum(mix.total.values()) == 17
        assert series(text, "flask_ebpf_exporter_records_dropped_total") == {frozenset(): 0}
        assert "kube-system" not in text
        promtool_check(text)

        # After attaching, of the DaemonSet's four capabilities CAP_SYS_PTRACE and
        # CAP_DAC_READ_SEARCH stay (README, "Capabilities": the runtimes' state of pods
        # that start later, the process metrics' /proc/PID/fd); no SYS_ADMIN in the
        # DaemonSet, so no HTTPS probing; BPF and PERFMON are gone.
        pid = store.podman("inspect", "--format", "{{.State.Pid}}", name).stdout.strip()
        with open(f"/proc/{pid}/status") as f:
            status = dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
        kept = (1 << 2) | (1 << 19)  # DAC_READ_SEARCH, SYS_PTRACE
        assert status["CapEff"] == status["CapPrm"] == f"{kept:016x}", status
        assert status["NoNewPrivs"] == "1"
    finally:
        if name:
            store.podman("rm", "--force", "--time", "20", name, check=False, timeout=60)

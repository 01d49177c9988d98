"""The image, run the way the DaemonSet runs it: the settings (user, capabilities, read-only
root, no-new-privileges, seccomp, hostPID, hostPath and ConfigMap mounts, args, env) are read
from the rendered deploy/kubernetes/base manifests, never written here, and applied to a
podman/runc container of the image `scripts/build/image.sh` builds from `make static`.
The container gets a network namespace of its own, as a pod has. The app is a gunicorn
server in a kubelet-style pod cgroup; the foundation request mix must be counted exactly.

podman and buildah use a private store under the test's temp directory (other tests and
developers build images at the same time)."""
import json
import os
import shutil
import subprocess
import uuid

import pytest
import yaml

from conftest import (REPO, assert_exact_counts, free_port, labels, series, server_command,
                      stop_process, wait_until, accepts_connections, Server)
from test_pipeline import request_mix
from test_targets_cgroup import cgroup2_mount, cgroup_members, move_to_cgroup

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


@pytest.fixture
def pod_cgroup():
    """A kubelet-style (systemd driver, burstable) pod container cgroup, removed at teardown."""
    mount = cgroup2_mount()
    uid = str(uuid.uuid4())
    cid = uuid.uuid4().hex + uuid.uuid4().hex
    top = os.path.join(mount, f"fee-test-{os.getpid()}-kubepods.slice")
    pod = os.path.join(top, "kubepods-burstable.slice",
                       f"kubepods-burstable-pod{uid.replace('-', '_')}.slice")
    container = os.path.join(pod, f"cri-containerd-{cid}.scope")
    os.makedirs(container)
    yield container
    for d in (container, pod, os.path.dirname(pod), top):
        for pid in cgroup_members(d):
            try:
                move_to_cgroup(mount, pid)
            except OSError:
                pass
        os.rmdir(d)


def podman_run_args(objects, config_dir, netns):
    """`podman run` options equivalent to the DaemonSet's pod and container spec."""
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
            source = volume["hostPath"]["path"]
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


def test_image_runs_as_the_daemonset_says(image, netns, pod_cgroup, tmp_path):
    store, image_ref, archive = image
    assert os.path.getsize(archive) > 0
    inspect = json.loads(store.podman("image", "inspect", image_ref).stdout)[0]
    assert inspect["Config"]["User"] == "65534:65534"  # non-root unless told otherwise
    objects = rendered_objects()
    container_spec = the(objects, "DaemonSet")["spec"]["template"]["spec"]["containers"][0]
    assert container_spec["image"] == image_ref

    # The app: gunicorn (master + 2 workers) started inside the pod's container cgroup.
    port = free_port()
    cmd, workers, cwd = server_command("gunicorn", port)
    app = subprocess.Popen(["sh", "-c", f'echo $$ > {pod_cgroup}/cgroup.procs && exec "$@"',
                            "sh", *cmd], cwd=cwd, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    server = Server("gunicorn", port, app)
    name = None
    try:
        wait_until(lambda: accepts_connections(port) and len(server.children()) == workers,
                   30, "gunicorn in the pod cgroup")
        assert set(cgroup_members(pod_cgroup)) == {app.pid, *server.children()}

        run_args, args, _ = podman_run_args(
            objects, write_config_map(objects, str(tmp_path / "config")), netns)
        # Until pod discovery (--kubernetes) lands, the target is the pod's cgroup, named
        # as the kubelet names it, with the pod's labels.
        args = [*args, "--cgroup", pod_cgroup, "--target-label", "k8s_pod=shop-0"]
        r = store.podman(*run_args, image_ref, *args)
        name = r.stdout.strip()

        def ready():
            state = store.podman("inspect", "--format", "{{.State.Running}}", name,
                                 check=False).stdout.strip()
            assert state == "true", store.podman("logs", name, check=False).stderr
            return in_netns(netns, "curl", "-sf", "http://127.0.0.1:9969/-/ready").returncode == 0
        wait_until(ready, 60, "the container's /-/ready")
        assert in_netns(netns, "curl", "-sf",
                        "http://127.0.0.1:9969/-/healthy").returncode == 0

        expected = request_mix(server)
        text = in_netns(netns, "curl", "-sf", "http://127.0.0.1:9969/metrics").stdout
        assert_exact_counts_labelled(text, expected, k8s_pod="shop-0")
    finally:
        if name:
            store.podman("rm", "--force", "--time", "20", name, check=False, timeout=60)
        stop_process(app)


def assert_exact_counts_labelled(text, expected, **extra):
    assert series(text, "flask_http_request_total") == {
        labels(method=m, status=s, **extra): float(n) for (m, s), n in expected.total.items()}
    assert series(text, "flask_http_request_duration_seconds_count") == {
        labels(method=m, path=p, status=s, **extra): float(n)
        for (m, p, s), n in expected.duration.items()}
    assert series(text, "flask_ebpf_exporter_records_dropped_total") == {frozenset(): 0}

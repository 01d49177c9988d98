"""Kubernetes-shaped pods on this machine, without a kubelet: real container runtimes
started by the test itself, laid out the way a node's kubelet would lay them out.

- containerd (Debian's, with ctr): a private containerd per fixture (own root, state,
  socket and config under a temp dir). Each pod is a sandbox ("pause") container plus
  app containers run with `ctr -n k8s.io run --rootfs`, the CRI annotations a kubelet's
  containerd writes into the task bundle's config.json
  (<state>/io.containerd.runtime.v2.task/k8s.io/<id>/config.json) and a kubelet-style
  cgroup (systemd or cgroupfs driver, guaranteed/burstable/besteffort QoS).
- CRI-O's shape: podman + runc with a private containers/storage (own --root/--runroot);
  podman writes each container's config.json to <root>/overlay-containers/<id>/userdata/
  like CRI-O does, with the io.kubernetes.* and io.kubernetes.cri-o.* annotations CRI-O
  sets (pod labels on the sandbox as io.kubernetes.cri-o.Labels). podman always puts a
  container in <parent>/libpod-<id>, so once the app is up its processes are moved to
  the kubelet's crio-<id>.scope (cgroup v2 only, which is what the exporter reads).

Every pod has its own network namespace, reachable from the host over a veth pair with
private /30 addresses made for it (the app listens on 0.0.0.0:<port> inside, like a pod),
and every container its own PID and mount namespaces. The root filesystem of a container
is a small directory: the host's /usr and /etc bind-mounted read-only, the app directory
at /app, writable /tmp.

All cgroups live below one unique top directory per fixture (the kubelet's --cgroup-root,
e.g. /fee-pods-1a2b3c4d/kubepods.slice/...), so concurrent test runs never see each
other's pods. Everything a fixture made (containers, runtime daemons, cgroups in every
hierarchy, network namespaces, files) is removed at teardown, also when a test fails.

Use from a test module:
    from pods import containerd, crio   # noqa: F401  (pytest fixtures)
    def test_x(containerd):
        pod = containerd.run_pod("shop", "web-1", qos="burstable")
        requests.get(pod.url("/"))
"""
import contextlib
import json
import os
import random
import shutil
import subprocess
import tempfile
import uuid

import pytest

from conftest import APPS, wait_until

APP_PORT = 8080  # inside every pod's network namespace, like containerPort
CTR = "ctr"
PODMAN = "podman"


def run(cmd, timeout=60, check=True, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {r.returncode}: {r.stderr.strip()}")
    return r


# --- cgroups -----------------------------------------------------------------------------

def cgroup_mounts():
    """Mount points of every cgroup hierarchy (v1 controllers and cgroup2): runc's cgroupfs
    driver creates a container's path in each of them."""
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            fstype = fields[fields.index("-") + 1]
            if fstype in ("cgroup", "cgroup2"):
                out.append(fields[4])
    return out


def cgroup2_mount():
    """Where cgroup2 is mounted (/sys/fs/cgroup/unified on this hybrid machine)."""
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            if fields[fields.index("-") + 1] == "cgroup2":
                return fields[4]
    raise RuntimeError("no cgroup2 mount")


def remove_cgroup_tree(relative):
    """rmdir `relative` (e.g. /fee-pods-x) and everything below it in every hierarchy,
    leaves first; processes still inside are moved to the root first."""
    for mount in cgroup_mounts():
        top = os.path.join(mount, relative.lstrip("/"))
        if not os.path.isdir(top):
            continue
        for dirpath, _, _ in sorted(os.walk(top), key=lambda w: -w[0].count("/")):
            try:
                with open(os.path.join(dirpath, "cgroup.procs")) as f:
                    pids = f.read().split()
                for pid in pids:
                    try:
                        with open(os.path.join(mount, "cgroup.procs"), "w") as f:
                            f.write(pid)
                    except OSError:
                        pass
                os.rmdir(dirpath)
            except OSError:
                pass


def kubelet_cgroup(root, driver, qos, pod_uid, runtime, container_id):
    """The cgroup path a kubelet with --cgroup-root=`root` and `driver` ("systemd" or
    "cgroupfs") gives a container of a pod of QoS class `qos` ("guaranteed", "burstable",
    "besteffort"): runtime "containerd" -> cri-containerd-<id>.scope / <id>, "crio" ->
    crio-<id>.scope / crio-<id>."""
    if driver == "systemd":
        uid = pod_uid.replace("-", "_")
        if qos == "guaranteed":
            parts = ["kubepods.slice", f"kubepods-pod{uid}.slice"]
        else:
            parts = ["kubepods.slice", f"kubepods-{qos}.slice", f"kubepods-{qos}-pod{uid}.slice"]
        prefix = "cri-containerd" if runtime == "containerd" else "crio"
        parts.append(f"{prefix}-{container_id}.scope")
    elif driver == "cgroupfs":
        parts = ["kubepods"] + ([] if qos == "guaranteed" else [qos]) + [f"pod{pod_uid}"]
        parts.append(container_id if runtime == "containerd" else f"crio-{container_id}")
    else:
        raise ValueError(driver)
    return "/".join([root.rstrip("/")] + parts)


def cgroup_procs(relative):
    """PIDs in a cgroup v2 directory (relative to the cgroup2 mount), [] when it is gone."""
    try:
        with open(os.path.join(cgroup2_mount(), relative.lstrip("/"), "cgroup.procs")) as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


# --- network ------------------------------------------------------------------------------

_used_subnets = set()


def _pick_subnet():
    """A private /30 (10.A.B.C) that no interface of the host uses yet."""
    addrs = run(["ip", "-4", "-o", "addr", "show"]).stdout
    for _ in range(1000):
        a, b, c = random.randrange(200, 250), random.randrange(256), random.randrange(0, 256, 4)
        prefix = f"10.{a}.{b}."
        if (a, b, c) in _used_subnets or f" {prefix}" in addrs:
            continue
        _used_subnets.add((a, b, c))
        return f"{prefix}{c}"
    raise RuntimeError("no free private /30 found")


class PodNetwork:
    """A network namespace with a veth pair to the host: host side .1/30, pod side .2/30."""

    def __init__(self):
        tag = uuid.uuid4().hex[:8]
        self.name = f"fee-{tag}"
        self.path = f"/var/run/netns/{self.name}"
        self.host_if, self.pod_if = f"fee{tag}h", f"fee{tag}p"
        base = _pick_subnet()
        stem = base.rsplit(".", 1)[0]
        last = int(base.rsplit(".", 1)[1])
        self.host_ip, self.pod_ip = f"{stem}.{last + 1}", f"{stem}.{last + 2}"
        run(["ip", "netns", "add", self.name])
        try:
            run(["ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.pod_if])
            run(["ip", "link", "set", self.pod_if, "netns", self.name])
            run(["ip", "addr", "add", f"{self.host_ip}/30", "dev", self.host_if])
            run(["ip", "link", "set", self.host_if, "up"])
            ns = ["ip", "-n", self.name]
            run(ns + ["addr", "add", f"{self.pod_ip}/30", "dev", self.pod_if])
            run(ns + ["link", "set", self.pod_if, "up"])
            run(ns + ["link", "set", "lo", "up"])
        except BaseException:
            self.remove()
            raise

    def remove(self):
        # Deleting the namespace deletes the pod end, and with it the pair.
        run(["ip", "link", "del", self.host_if], check=False)
        run(["ip", "netns", "del", self.name], check=False)


# --- root filesystems ------------------------------------------------------------------------

def make_rootfs(directory):
    """A minimal root: mount points for the host's read-only /usr and /etc and the app,
    merged-/usr symlinks, a writable /tmp."""
    for d in ("usr", "etc", "app", "certs", "tmp", "proc", "dev", "sys", "run"):
        os.makedirs(os.path.join(directory, d), exist_ok=True)
    os.chmod(os.path.join(directory, "tmp"), 0o1777)
    for link in ("bin", "lib", "lib64", "sbin"):
        if os.path.lexists(f"/{link}"):
            os.symlink(f"usr/{link}", os.path.join(directory, link))
    return directory


def _mounts_below(real):
    with open("/proc/self/mountinfo") as f:
        points = [line.split()[4] for line in f]
    return [p for p in points if p == real or p.startswith(real + "/")]


def remove_dir(directory):
    """rm -r, after unmounting whatever a runtime left mounted below it (podman's storage
    keeps a private bind of its overlay directory); refuses while anything is still
    mounted there: a bind of /usr must never be walked into."""
    real = os.path.realpath(directory)
    for point in sorted(_mounts_below(real), key=len, reverse=True):
        run(["umount", "-l", point], check=False)
    if _mounts_below(real):
        raise RuntimeError(f"{directory} still has mounts below it: not removed")
    shutil.rmtree(real, ignore_errors=True)


def app_command(app, port, server, tls, workers):
    """argv of the app inside a container (paths as the container sees them)."""
    if server == "gunicorn":
        cmd = ["/usr/bin/gunicorn", "--chdir", "/app", "--workers", str(workers),
               "--worker-class", "sync", "--bind", f"0.0.0.0:{port}", "--log-level", "warning"]
        if tls:
            cmd += ["--certfile", "/certs/cert.pem", "--keyfile", "/certs/key.pem"]
        return cmd + [f"{app}:app"]
    if server == "sleep":
        return ["/bin/sleep", "infinity"]
    raise ValueError(server)


# --- pods -----------------------------------------------------------------------------------

class Container:
    def __init__(self, name, cid, cgroup, kind, rootfs):
        self.name, self.id, self.cgroup, self.kind = name, cid, cgroup, kind
        self.rootfs = rootfs

    def pids(self):
        """Host PIDs of the container's processes (from its cgroup v2 directory)."""
        return cgroup_procs(self.cgroup)


class Pod:
    """A pod: namespace, name, uid, QoS class, network, a sandbox and app containers."""

    def __init__(self, namespace, name, qos, driver, labels, tls):
        self.namespace, self.name, self.qos, self.driver = namespace, name, qos, driver
        self.uid = str(uuid.uuid4())
        self.labels = dict(labels or {})
        self.scheme = "https" if tls else "http"
        self.net = None
        self.sandbox = None
        self.containers = []  # app containers, in start order
        self.starting = []    # every container started, the sandbox first (for cleanup)
        self.ports = {}       # container name -> port inside the pod

    def url(self, path="/", container=None):
        """URL of `path` on an app container (the first one by default), from the host."""
        port = self.ports[container or self.containers[0].name]
        return f"{self.scheme}://{self.net.pod_ip}:{port}{path}"

    def container(self, name):
        return next(c for c in self.containers if c.name == name)


def _wait_app(pod, container, workers, port):
    """Wait until the app listens in the pod and has its workers (no HTTP request: an
    exporter may already be counting)."""
    want = 1 + workers

    def ready():
        return (len(container.pids()) >= want and
                _listening(container.pids()[0], port))
    wait_until(ready, 30, f"{container.name} of pod {pod.namespace}/{pod.name} to listen")


def _listening(pid, port):
    """A socket in LISTEN state on `port` in the network namespace of `pid`."""
    for table in ("tcp", "tcp6"):
        try:
            with open(f"/proc/{pid}/net/{table}") as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                        return True
        except OSError:
            pass
    return False


class _Runtime:
    """What both runtimes share: pods, the fixture's cgroup root, cleanup."""

    def __init__(self, base):
        self.base = base
        self.cgroup_root = f"/fee-pods-{uuid.uuid4().hex[:8]}"
        self.pods = []

    def _new_pod(self, namespace, name, qos, driver, labels, tls):
        pod = Pod(namespace, name, qos, driver, labels, tls)
        pod.net = PodNetwork()
        self.pods.append(pod)
        return pod

    def _rootfs(self, name, tls):
        rootfs = make_rootfs(os.path.join(self.base, "rootfs", name))
        if tls:
            shutil.copy(tls.cert, os.path.join(rootfs, "certs", "cert.pem"))
            shutil.copy(tls.key, os.path.join(rootfs, "certs", "key.pem"))
        return rootfs

    def delete_pod(self, pod):
        """Stop and remove every container of the pod, its network and its cgroups."""
        for c in reversed(pod.starting):
            self._remove_container(c)
            remove_cgroup_tree(c.cgroup)
            remove_dir(c.rootfs)
        if pod.starting:  # the pod's own cgroup (kubepods-...-pod<uid>.slice, pod<uid>)
            remove_cgroup_tree(os.path.dirname(pod.starting[0].cgroup))
        pod.net.remove()
        self.pods.remove(pod)

    def close(self):
        errors = []
        for pod in list(self.pods):
            try:
                self.delete_pod(pod)
            except Exception as e:  # keep cleaning the rest
                errors.append(e)
        self._stop_daemon()
        remove_cgroup_tree(self.cgroup_root)
        if errors:
            raise errors[0]


class Containerd(_Runtime):
    """A private containerd; pods run as CRI would run them (namespace k8s.io)."""

    def __init__(self, base):
        super().__init__(base)
        self.root = os.path.join(base, "root")
        self.state_dir = os.path.join(base, "state")  # what `state = ` says in config.toml
        self.address = os.path.join(base, "containerd.sock")
        self.config = os.path.join(base, "config.toml")
        with open(self.config, "w") as f:
            f.write(f"""version = 2
root = "{self.root}"
state = "{self.state_dir}"
# No CRI server (no kubelet talks to it), nothing that listens beyond our own socket.
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.internal.v1.tracing",
  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]
[grpc]
  address = "{self.address}"
[ttrpc]
  address = "{self.address}.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "{os.path.join(base, 'opt')}"
""")
        self.log = open(os.path.join(base, "containerd.log"), "wb")
        self.proc = subprocess.Popen(["containerd", "--config", self.config],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        try:
            wait_until(lambda: self.proc.poll() is not None or
                       self._ctr(["version"], check=False).returncode == 0, 30,
                       "containerd to serve")
            if self.proc.poll() is not None:
                raise RuntimeError(f"containerd exited {self.proc.returncode}")
        except BaseException:
            self._stop_daemon()
            raise

    @property
    def task_dir(self):
        """Where the task bundles (config.json) of CRI's k8s.io namespace live."""
        return os.path.join(self.state_dir, "io.containerd.runtime.v2.task", "k8s.io")

    def _ctr(self, args, check=True, timeout=60):
        return run([CTR, "--address", self.address, "-n", "k8s.io", *args], check=check,
                   timeout=timeout)

    def run_pod(self, namespace, name, qos="burstable", driver="systemd", app="sample_app",
                containers=("web",), workers=2, tls=None, sandbox=True, labels=None):
        """Starts a pod: a sandbox (unless sandbox=False) and one gunicorn container per
        name in `containers`, each on its own port (8080, 8081, ...); app="sleep" runs
        `sleep infinity` instead (a pod that serves nothing). tls: a TlsCert to serve HTTPS
        with. labels: kept on the Pod only (containerd's config.json does not carry pod
        labels). Returns the Pod once every app listens."""
        pod = self._new_pod(namespace, name, qos, driver, labels, tls)
        common = {"io.kubernetes.cri.sandbox-name": name,
                  "io.kubernetes.cri.sandbox-namespace": namespace,
                  "io.kubernetes.cri.sandbox-uid": pod.uid}
        sandbox_id = uuid.uuid4().hex + uuid.uuid4().hex
        if sandbox:
            pod.sandbox = self._start(pod, sandbox_id, "POD", "sleep", None, 0, {
                **common, "io.kubernetes.cri.container-type": "sandbox",
                "io.kubernetes.cri.sandbox-id": sandbox_id}, APP_PORT, "sandbox")
        for i, cname in enumerate(containers):
            cid = uuid.uuid4().hex + uuid.uuid4().hex
            port = APP_PORT + i
            c = self._start(pod, cid, cname, app, tls, workers, {
                **common, "io.kubernetes.cri.container-type": "container",
                "io.kubernetes.cri.sandbox-id": sandbox_id,
                "io.kubernetes.cri.container-name": cname,
                "io.kubernetes.cri.image-name": "localhost/fee-sample-app:test"}, port,
                "container")
            pod.containers.append(c)
            pod.ports[cname] = port
            if app == "sleep":
                wait_until(c.pids, 30, f"{cname} of pod {namespace}/{name} to run")
            else:
                _wait_app(pod, c, workers, port)
        return pod

    def _start(self, pod, cid, cname, app, tls, workers, annotations, port, kind):
        cgroup = kubelet_cgroup(self.cgroup_root, pod.driver, pod.qos, pod.uid, "containerd",
                                cid)
        rootfs = self._rootfs(cid, tls)
        server = "sleep" if app == "sleep" else "gunicorn"
        args = ["run", "-d", "--rootfs", "--cgroup", cgroup,
                "--with-ns", f"network:{pod.net.path}",
                "--env", "PYTHONDONTWRITEBYTECODE=1",
                "--mount", "type=bind,src=/usr,dst=/usr,options=rbind:ro",
                "--mount", "type=bind,src=/etc,dst=/etc,options=rbind:ro",
                "--mount", f"type=bind,src={APPS},dst=/app,options=rbind:ro"]
        for k, v in annotations.items():
            args += ["--annotation", f"{k}={v}"]
        container = Container(cname, cid, cgroup, kind, rootfs)
        pod.starting.append(container)  # cleaned up even if the start fails
        self._ctr(args + [rootfs, cid, *app_command(app, port, server, tls, workers)])
        return container

    def _remove_container(self, c):
        self._ctr(["task", "kill", "-s", "SIGKILL", c.id], check=False)
        wait_until(lambda: not c.pids(), 20, f"container {c.id[:12]} to exit")
        self._ctr(["task", "delete", c.id], check=False)
        self._ctr(["container", "delete", c.id], check=False)

    def _stop_daemon(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()


class Crio(_Runtime):
    """CRI-O's on-node shape from podman + runc with a private containers/storage: each
    container's config.json at <root>/overlay-containers/<id>/userdata/config.json,
    annotated like CRI-O; the processes in <cgroup-root>/kubepods.../crio-<id>.scope."""

    def __init__(self, base):
        super().__init__(base)
        self.storage_root = os.path.join(base, "storage")   # CRI-O: /var/lib/containers/storage
        self.storage_runroot = os.path.join(base, "run")    # CRI-O: /run/containers/storage
        self.tmpdir = os.path.join(base, "tmp")
        os.makedirs(self.tmpdir, exist_ok=True)

    @property
    def containers_dir(self):
        """Where the containers' userdata/config.json live (CRI-O's overlay-containers)."""
        return os.path.join(self.storage_root, "overlay-containers")

    def _podman(self, args, check=True, timeout=60):
        return run([PODMAN, "--root", self.storage_root, "--runroot", self.storage_runroot,
                    "--tmpdir", self.tmpdir, "--storage-driver", "overlay",
                    "--runtime", "runc", "--cgroup-manager=cgroupfs",
                    "--events-backend=file", *args], check=check, timeout=timeout)

    def run_pod(self, namespace, name, qos="burstable", driver="systemd", app="sample_app",
                containers=("web",), workers=2, tls=None, labels=None):
        """A sandbox carrying the pod labels (io.kubernetes.cri-o.Labels) and one gunicorn
        container per name; returns the Pod once every app listens."""
        pod = self._new_pod(namespace, name, qos, driver, labels, tls)
        pod_keys = {"io.kubernetes.pod.name": name, "io.kubernetes.pod.namespace": namespace,
                    "io.kubernetes.pod.uid": pod.uid}
        sandbox_labels = {**pod.labels, **pod_keys, "io.kubernetes.container.name": "POD"}
        sandbox_ann = {**pod_keys, "io.kubernetes.container.name": "POD",
                       "io.kubernetes.cri-o.ContainerType": "sandbox",
                       "io.kubernetes.cri-o.Labels": json.dumps(sandbox_labels),
                       "io.kubernetes.cri-o.Namespace": namespace}
        pod.sandbox = self._start(pod, "POD", "sleep", None, 0, sandbox_ann, APP_PORT,
                                  "sandbox")
        for i, cname in enumerate(containers):
            port = APP_PORT + i
            ann = {**pod_keys, "io.kubernetes.container.name": cname,
                   "io.kubernetes.cri-o.ContainerType": "container",
                   "io.kubernetes.cri-o.ContainerName":
                       f"k8s_{cname}_{name}_{namespace}_{pod.uid}_0",
                   "io.kubernetes.cri-o.SandboxID": pod.sandbox.id,
                   "io.kubernetes.cri-o.Labels": json.dumps(
                       {**pod_keys, "io.kubernetes.container.name": cname})}
            c = self._start(pod, cname, app, tls, workers, ann, port, "container")
            pod.containers.append(c)
            pod.ports[cname] = port
            if app != "sleep":
                _wait_app(pod, c, workers, port)
        return pod

    def _start(self, pod, cname, app, tls, workers, annotations, port, kind):
        tmp_id = uuid.uuid4().hex
        rootfs = self._rootfs(tmp_id, tls)
        server = "sleep" if app == "sleep" else "gunicorn"
        # podman makes <parent>/libpod-<id>; the processes move to crio-<id>.scope below.
        parent = f"{self.cgroup_root}/podman-staging/{tmp_id}"
        args = ["run", "-d", "--network", f"ns:{pod.net.path}",
                "--cgroup-parent", parent, "--ulimit", "nofile=1024:1024",
                "--ulimit", "nproc=1024:1024", "--env", "PYTHONDONTWRITEBYTECODE=1",
                "-v", "/usr:/usr:ro", "-v", "/etc:/etc:ro", "-v", f"{APPS}:/app:ro",
                "--name", f"fee-{tmp_id[:12]}"]
        for k, v in annotations.items():
            # podman reads --annotation as one CSV field: quote JSON values.
            item = f"{k}={v}"
            if any(ch in item for ch in ',"'):
                item = '"' + item.replace('"', '""') + '"'
            args += ["--annotation", item]
        args += ["--cidfile", os.path.join(self.tmpdir, tmp_id + ".cid")]
        try:
            # --rootfs is a switch: the first argument is the root, the rest the command.
            self._podman(args + ["--rootfs", rootfs, *app_command(app, port, server, tls,
                                                                   workers)])
        finally:
            try:
                with open(os.path.join(self.tmpdir, tmp_id + ".cid")) as f:
                    cid = f.read().strip()
            except OSError:
                cid = None
            if cid:  # created: cleaned up even if the start failed
                cgroup = kubelet_cgroup(self.cgroup_root, pod.driver, pod.qos, pod.uid,
                                        "crio", cid)
                container = Container(cname, cid, cgroup, kind, rootfs)
                pod.starting.append(container)
            else:
                remove_dir(rootfs)
        staged = f"{parent}/libpod-{cid}"
        os.makedirs(os.path.join(cgroup2_mount(), cgroup.lstrip("/")), exist_ok=True)
        want = 1 + (workers if server == "gunicorn" else 0)
        if server == "gunicorn":
            wait_until(lambda: len(cgroup_procs(staged)) >= want and
                       _listening(cgroup_procs(staged)[0], port), 30,
                       f"{cname} of pod {pod.namespace}/{pod.name} to listen")
        else:
            wait_until(lambda: cgroup_procs(staged), 30, f"sandbox of {pod.name}")
        for pid in cgroup_procs(staged):
            with open(os.path.join(cgroup2_mount(), cgroup.lstrip("/"), "cgroup.procs"),
                      "w") as f:
                f.write(str(pid))
        return container

    def _remove_container(self, c):
        self._podman(["rm", "-f", "-t", "0", c.id], check=False)
        wait_until(lambda: not c.pids(), 20, f"container {c.id[:12]} to exit")

    def _stop_daemon(self):
        # No daemon: podman's conmon processes exit with their containers.
        self._podman(["rm", "-f", "-t", "0", "--all"], check=False)


@contextlib.contextmanager
def running(runtime_class, prefix):
    """A runtime of `runtime_class` in a fresh temp dir, everything removed on exit."""
    base = tempfile.mkdtemp(prefix=prefix)
    rt = None
    try:
        rt = runtime_class(base)
        yield rt
    finally:
        try:
            if rt:
                rt.close()
        finally:
            remove_dir(base)


@pytest.fixture
def containerd():
    """A private containerd (Containerd); its pods, cgroups and files go at teardown."""
    with running(Containerd, "fee-ctrd-") as rt:
        yield rt


@pytest.fixture
def crio():
    """CRI-O's layout (Crio: podman + runc, private storage); all removed at teardown."""
    with running(Crio, "fee-crio-") as rt:
        yield rt

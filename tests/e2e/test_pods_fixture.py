"""The pod fixtures themselves (tests/e2e/pods.py): the shapes a kubelet would leave on a
node, and nothing left behind afterwards."""
import json
import os

import requests

from pods import Containerd, Crio, cgroup_mounts, cgroup2_mount, running


def init_pid_ns():
    return os.readlink("/proc/self/ns/pid")


def assert_gone(rt, pods):
    for mount in cgroup_mounts():
        assert not os.path.exists(os.path.join(mount, rt.cgroup_root.lstrip("/")))
    assert not os.path.exists(rt.base)
    for pod in pods:
        assert not os.path.exists(pod.net.path)
        assert not os.path.exists(f"/sys/class/net/{pod.net.host_if}")


def test_containerd_pods_kubelet_shapes():
    with running(Containerd, "fee-ctrd-") as rt:
        web = rt.run_pod("shop", "web-1", qos="burstable", driver="systemd")
        api = rt.run_pod("billing", "api-1", qos="guaranteed", driver="cgroupfs")
        pods = [web, api]
        for pod in pods:
            r = requests.get(pod.url("/"), timeout=10)
            assert r.status_code == 200 and r.text == "hello from the sample app\n"
        c = web.containers[0]
        uid_ = web.uid.replace("-", "_")
        assert c.cgroup == (f"{rt.cgroup_root}/kubepods.slice/kubepods-burstable.slice/"
                            f"kubepods-burstable-pod{uid_}.slice/cri-containerd-{c.id}.scope")
        assert api.containers[0].cgroup == (f"{rt.cgroup_root}/kubepods/pod{api.uid}/"
                                            f"{api.containers[0].id}")
        pids = c.pids()
        assert len(pids) == 3  # gunicorn master + 2 workers
        with open(f"/proc/{pids[0]}/cgroup") as f:
            assert f"0::{c.cgroup}\n" in f.read()
        assert os.readlink(f"/proc/{pids[0]}/ns/pid") != init_pid_ns()
        with open(os.path.join(rt.task_dir, c.id, "config.json")) as f:
            ann = json.load(f)["annotations"]
        assert ann["io.kubernetes.cri.container-type"] == "container"
        assert ann["io.kubernetes.cri.container-name"] == "web"
        assert ann["io.kubernetes.cri.sandbox-name"] == "web-1"
        assert ann["io.kubernetes.cri.sandbox-namespace"] == "shop"
        assert ann["io.kubernetes.cri.sandbox-uid"] == web.uid
        with open(os.path.join(rt.task_dir, web.sandbox.id, "config.json")) as f:
            assert json.load(f)["annotations"]["io.kubernetes.cri.container-type"] == "sandbox"
        rt.delete_pod(web)
        assert not os.path.exists(os.path.join(rt.task_dir, c.id))
        assert not os.path.exists(os.path.join(cgroup2_mount(), c.cgroup.lstrip("/")))
        assert requests.get(api.url("/"), timeout=10).status_code == 200
    assert_gone(rt, pods)


def test_crio_pods_storage_shape():
    with running(Crio, "fee-crio-") as rt:
        pod = rt.run_pod("shop", "cart-1", qos="besteffort", driver="systemd",
                         labels={"app": "cart"})
        assert requests.get(pod.url("/"), timeout=10).status_code == 200
        c = pod.containers[0]
        uid_ = pod.uid.replace("-", "_")
        assert c.cgroup == (f"{rt.cgroup_root}/kubepods.slice/kubepods-besteffort.slice/"
                            f"kubepods-besteffort-pod{uid_}.slice/crio-{c.id}.scope")
        assert len(c.pids()) == 3
        with open(f"/proc/{c.pids()[0]}/cgroup") as f:
            assert f"0::{c.cgroup}\n" in f.read()
        with open(os.path.join(rt.containers_dir, c.id, "userdata", "config.json")) as f:
            ann = json.load(f)["annotations"]
        assert ann["io.kubernetes.pod.name"] == "cart-1"
        assert ann["io.kubernetes.container.name"] == "web"
        assert ann["io.kubernetes.cri-o.SandboxID"] == pod.sandbox.id
        with open(os.path.join(rt.containers_dir, pod.sandbox.id, "userdata",
                               "config.json")) as f:
            sandbox = json.load(f)["annotations"]
        assert json.loads(sandbox["io.kubernetes.cri-o.Labels"])["app"] == "cart"
    assert_gone(rt, [pod])

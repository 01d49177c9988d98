"""deploy/kubernetes/api-metadata: the only way the manifests give the exporter an API
credential, and then only read access to pods (get/list/watch); base/ has none of it."""
import os
import subprocess

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def render(directory):
    r = subprocess.run(["kubectl", "kustomize", os.path.join(REPO, directory)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return [d for d in yaml.safe_load_all(r.stdout) if d]


def of_kind(objects, kind):
    return [o for o in objects if o["kind"] == kind]


def test_overlay_grants_read_access_to_pods_only():
    objects = render("deploy/kubernetes/api-metadata")
    roles = of_kind(objects, "ClusterRole") + of_kind(objects, "Role")
    assert len(roles) == 1
    assert roles[0]["rules"] == [
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}]
    bindings = of_kind(objects, "ClusterRoleBinding") + of_kind(objects, "RoleBinding")
    assert len(bindings) == 1
    assert bindings[0]["roleRef"]["name"] == roles[0]["metadata"]["name"]
    account = of_kind(objects, "ServiceAccount")[0]
    assert bindings[0]["subjects"] == [{"kind": "ServiceAccount",
                                        "name": account["metadata"]["name"],
                                        "namespace": account["metadata"]["namespace"]}]
    pod = of_kind(objects, "DaemonSet")[0]["spec"]["template"]["spec"]
    assert pod["automountServiceAccountToken"] is True
    assert pod["serviceAccountName"] == account["metadata"]["name"]
    env = {e["name"]: e for e in pod["containers"][0]["env"]}
    assert env["NODE_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "spec.nodeName"
    config = yaml.safe_load(of_kind(objects, "ConfigMap")[0]["data"]["exporter.yaml"])
    assert config["kubernetes"]["api"]


def test_base_has_no_credentials():
    for directory in ("deploy/kubernetes/base", "deploy/kubernetes"):
        objects = render(directory)
        kinds = {o["kind"] for o in objects}
        assert not kinds & {"ClusterRole", "Role", "ClusterRoleBinding", "RoleBinding"}
        pod = of_kind(objects, "DaemonSet")[0]["spec"]["template"]["spec"]
        assert pod["automountServiceAccountToken"] is False
        assert of_kind(objects, "ServiceAccount")[0]["automountServiceAccountToken"] is False

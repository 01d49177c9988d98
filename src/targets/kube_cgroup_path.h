/*
 * kube_cgroup_path — recognise a kubelet pod container's cgroup from its path in the
 * cgroup v2 hierarchy, for both cgroup drivers and the three QoS classes:
 *   systemd:  [prefix/]kubepods.slice/kubepods-burstable.slice/
 *             kubepods-burstable-pod<uid_>.slice/cri-containerd-<id>.scope   (crio-, docker-)
 *             guaranteed pods: kubepods.slice/kubepods-pod<uid_>.slice/<rt>-<id>.scope
 *             kind: kubelet.slice/kubelet-kubepods.slice/...
 *   cgroupfs: [prefix/]kubepods/besteffort/pod<uid>/<id>                    (crio-<id>)
 *             guaranteed pods: kubepods/pod<uid>/<id>
 * Pure: string work only; the scan that walks the hierarchy is kube_cgroup_scan.
 */
#ifndef FEE_TARGETS_KUBE_CGROUP_PATH_H
#define FEE_TARGETS_KUBE_CGROUP_PATH_H

enum kube_qos {
	KUBE_QOS_GUARANTEED,
	KUBE_QOS_BURSTABLE,
	KUBE_QOS_BESTEFFORT,
};

/* Which runtime the container cgroup's name says made it (cgroupfs' bare <id>: unknown). */
enum kube_cgroup_runtime {
	KUBE_CGROUP_RUNTIME_UNKNOWN,
	KUBE_CGROUP_RUNTIME_CONTAINERD,
	KUBE_CGROUP_RUNTIME_CRIO,
	KUBE_CGROUP_RUNTIME_DOCKER,
};

#define KUBE_CONTAINER_ID_LEN 64 /* hex digits of a container id */
#define KUBE_POD_UID_MAX 40	 /* 36 of a UUID, and the NUL */

struct kube_cgroup_path {
	char pod_uid[KUBE_POD_UID_MAX];		      /* with dashes, as the API server has it */
	char container_id[KUBE_CONTAINER_ID_LEN + 1]; /* 64 lower-case hex digits */
	enum kube_qos qos;
	enum kube_cgroup_runtime runtime;
};

/* What a path is to the scan. */
enum kube_cgroup_kind {
	KUBE_CGROUP_OTHER,     /* not below a kubepods cgroup: look further down */
	KUBE_CGROUP_KUBEPODS,  /* kubepods itself, a QoS class or a pod: look further down */
	KUBE_CGROUP_CONTAINER, /* a container's cgroup: *out is set; nothing to find below */
	KUBE_CGROUP_NONE,      /* below kubepods but no container (crio-conmon-...): skip */
};

/*
 * Classifies `path`, the slash-separated path of a cgroup relative to the root of the
 * hierarchy ("/a/b", "a/b" and "a/b/" alike). The first component named kubepods,
 * kubepods.slice or *-kubepods.slice starts the kubelet's tree.
 */
enum kube_cgroup_kind kube_cgroup_path_parse(const char *path, struct kube_cgroup_path *out);

/* "guaranteed", "burstable", "besteffort". */
const char *kube_qos_name(enum kube_qos qos);

#endif

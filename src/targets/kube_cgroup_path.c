// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "targets/kube_cgroup_path.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* Components below kubepods: QoS class, pod, container. */
#define MAX_BELOW 3
#define COMPONENT_MAX 256

struct component {
	const char *s;
	size_t len;
};

static bool is_hex_id(const char *s, size_t len)
{
	if (len != KUBE_CONTAINER_ID_LEN)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static bool ends_with(struct component c, const char *suffix)
{
	size_t n = strlen(suffix);

	return c.len >= n && !memcmp(c.s + c.len - n, suffix, n);
}

static bool equals(struct component c, const char *s)
{
	return c.len == strlen(s) && !memcmp(c.s, s, c.len);
}

static bool is_kubepods(struct component c)
{
	return equals(c, "kubepods") || equals(c, "kubepods.slice") ||
	       ends_with(c, "-kubepods.slice");
}

/* A pod UID: 36 characters of hex and dashes (underscores for the systemd driver). */
static bool copy_uid(const char *s, size_t len, char *out)
{
	if (len != 36)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i] == '_' ? '-' : s[i];

		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || ch == '-'))
			return false;
		out[i] = ch;
	}
	out[len] = '\0';
	return true;
}

/* "<anything>-pod<uid_>.slice" (systemd) or "pod<uid>" (cgroupfs). */
static bool parse_pod(struct component c, bool systemd, char *uid)
{
	if (systemd) {
		const char *p;

		if (!ends_with(c, ".slice"))
			return false;
		for (p = c.s + c.len - strlen(".slice"); p > c.s; p--)
			if (!strncmp(p - 1, "-pod", 4))
				break;
		if (p == c.s)
			return false;
		p += 3; /* past "pod" */
		return copy_uid(p, (size_t)(c.s + c.len - strlen(".slice") - p), uid);
	}
	return c.len > 3 && !memcmp(c.s, "pod", 3) && copy_uid(c.s + 3, c.len - 3, uid);
}

static bool parse_qos(struct component c, bool systemd, enum kube_qos *qos)
{
	if (systemd ? ends_with(c, "-burstable.slice") : equals(c, "burstable"))
		*qos = KUBE_QOS_BURSTABLE;
	else if (systemd ? ends_with(c, "-besteffort.slice") : equals(c, "besteffort"))
		*qos = KUBE_QOS_BESTEFFORT;
	else
		return false;
	return true;
}

/* systemd: "<runtime>-<id>.scope"; cgroupfs: "<id>" or "<runtime>-<id>". */
static bool parse_container(struct component c, bool systemd, struct kube_cgroup_path *out)
{
	static const struct {
		const char *prefix;
		enum kube_cgroup_runtime runtime;
	} runtimes[] = {
		{ "cri-containerd-", KUBE_CGROUP_RUNTIME_CONTAINERD },
		{ "crio-", KUBE_CGROUP_RUNTIME_CRIO },
		{ "docker-", KUBE_CGROUP_RUNTIME_DOCKER },
	};
	size_t len = c.len;

	if (systemd) {
		if (!ends_with(c, ".scope"))
			return false;
		len -= strlen(".scope");
	} else if (is_hex_id(c.s, len)) {
		memcpy(out->container_id, c.s, len);
		out->container_id[len] = '\0';
		out->runtime = KUBE_CGROUP_RUNTIME_UNKNOWN;
		return true;
	}
	for (size_t i = 0; i < sizeof(runtimes) / sizeof(runtimes[0]); i++) {
		size_t n = strlen(runtimes[i].prefix);

		/* crio-conmon-<id>.scope is CRI-O's monitor, not the container. */
		if (len > n && !memcmp(c.s, runtimes[i].prefix, n) && is_hex_id(c.s + n, len - n)) {
			memcpy(out->container_id, c.s + n, len - n);
			out->container_id[len - n] = '\0';
			out->runtime = runtimes[i].runtime;
			return true;
		}
	}
	return false;
}

enum kube_cgroup_kind kube_cgroup_path_parse(const char *path, struct kube_cgroup_path *out)
{
	struct component below[MAX_BELOW];
	size_t n_below = 0, i = 0;
	bool found = false, systemd = false;
	const char *p = path;

	while (*p) {
		struct component c;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		c.s = p;
		while (*p && *p != '/')
			p++;
		c.len = (size_t)(p - c.s);
		if (c.len >= COMPONENT_MAX)
			return found ? KUBE_CGROUP_NONE : KUBE_CGROUP_OTHER;
		if (!found) {
			if (is_kubepods(c)) {
				found = true;
				systemd = ends_with(c, ".slice");
			}
			continue;
		}
		if (n_below == MAX_BELOW)
			return KUBE_CGROUP_NONE; /* below a container */
		below[n_below++] = c;
	}
	if (!found)
		return KUBE_CGROUP_OTHER;
	memset(out, 0, sizeof(*out));
	out->qos = KUBE_QOS_GUARANTEED;
	if (n_below > 0 && parse_qos(below[0], systemd, &out->qos))
		i = 1;
	if (n_below == i)
		return KUBE_CGROUP_KUBEPODS; /* kubepods or a QoS class */
	if (!parse_pod(below[i], systemd, out->pod_uid))
		return KUBE_CGROUP_NONE;
	if (n_below == i + 1)
		return KUBE_CGROUP_KUBEPODS; /* the pod itself */
	if (n_below == i + 2 && parse_container(below[i + 1], systemd, out))
		return KUBE_CGROUP_CONTAINER;
	return KUBE_CGROUP_NONE;
}

const char *kube_qos_name(enum kube_qos qos)
{
	switch (qos) {
	case KUBE_QOS_BURSTABLE:
		return "burstable";
	case KUBE_QOS_BESTEFFORT:
		return "besteffort";
	default:
		return "guaranteed";
	}
}

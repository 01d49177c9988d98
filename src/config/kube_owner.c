// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "config/kube_owner.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const kind_names[KUBE_OWNER_KINDS] = {
	[KUBE_OWNER_NONE] = "",
	[KUBE_OWNER_DEPLOYMENT] = "Deployment",
	[KUBE_OWNER_REPLICASET] = "ReplicaSet",
	[KUBE_OWNER_STATEFULSET] = "StatefulSet",
	[KUBE_OWNER_DAEMONSET] = "DaemonSet",
	[KUBE_OWNER_CRONJOB] = "CronJob",
	[KUBE_OWNER_JOB] = "Job",
	[KUBE_OWNER_OTHER] = "Other",
};

const char *kube_owner_kind_name(enum kube_owner_kind kind)
{
	return kind < KUBE_OWNER_KINDS ? kind_names[kind] : "";
}

int kube_owner_kind_parse(const char *name)
{
	for (int k = KUBE_OWNER_DEPLOYMENT; k < KUBE_OWNER_OTHER; k++)
		if (name && !strcasecmp(name, kind_names[k]))
			return k;
	return -1;
}

/* Length of `name` without "-<suffix>" when it ends so, else 0. */
static size_t strip_suffix(const char *name, const char *suffix)
{
	size_t n = strlen(name), s = strlen(suffix);

	if (!s || n < s + 2 || name[n - s - 1] != '-' || strcmp(name + n - s, suffix))
		return 0;
	return n - s - 1;
}

/* Length of a CronJob's name when `job` is "<cronjob>-<8 or more digits>", else 0. */
static size_t cronjob_prefix(const char *job)
{
	const char *dash = strrchr(job, '-');
	size_t digits;

	if (!dash || dash == job)
		return 0;
	digits = strlen(dash + 1);
	if (digits < 8)
		return 0;
	for (const char *p = dash + 1; *p; p++)
		if (!isdigit((unsigned char)*p))
			return 0;
	return (size_t)(dash - job);
}

static void set(struct kube_owner *out, enum kube_owner_kind kind, const char *name, size_t len)
{
	out->kind = kind;
	snprintf(out->name, sizeof(out->name), "%.*s", (int)len, name);
}

int kube_owner_resolve(const char *ref_kind, const char *ref_name, const char *template_hash,
		       struct kube_owner *out)
{
	size_t len;
	int kind;

	out->kind = KUBE_OWNER_NONE;
	out->name[0] = '\0';
	if (!ref_kind || !ref_name || !ref_name[0])
		return 0;
	len = strlen(ref_name);
	if (len >= KUBE_NAME_MAX)
		return -EINVAL;
	kind = kube_owner_kind_parse(ref_kind);
	switch (kind) {
	case KUBE_OWNER_REPLICASET: {
		size_t d = template_hash ? strip_suffix(ref_name, template_hash) : 0;

		if (d)
			set(out, KUBE_OWNER_DEPLOYMENT, ref_name, d);
		else
			set(out, KUBE_OWNER_REPLICASET, ref_name, len);
		return 0;
	}
	case KUBE_OWNER_JOB: {
		size_t c = cronjob_prefix(ref_name);

		if (c)
			set(out, KUBE_OWNER_CRONJOB, ref_name, c);
		else
			set(out, KUBE_OWNER_JOB, ref_name, len);
		return 0;
	}
	case -1:
		set(out, KUBE_OWNER_OTHER, ref_name, len);
		return 0;
	default:
		set(out, (enum kube_owner_kind)kind, ref_name, len);
		return 0;
	}
}

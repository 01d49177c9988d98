/*
 * target_kind — the kinds of target the exporter watches (--pid, --cgroup, --exe, --port,
 * or the items of the config's `targets:` list) and their limits. A record's `target`
 * field is the index of its target in the configuration's list.
 */
#ifndef FEE_TARGET_KIND_H
#define FEE_TARGET_KIND_H

#include <linux/types.h>

#include "flask_ebpf_exporter.h"

/* Targets one exporter watches. */
#define TARGET_MAX 64

enum target_kind {
	TARGET_PID,    /* a process and all its descendants */
	TARGET_CGROUP, /* every process in a cgroup v2 directory and below */
	TARGET_EXE,    /* processes whose executable path matches a glob, and descendants */
	TARGET_PORT,   /* the processes listening on a TCP port, and descendants */
	TARGET_KINDS,
};

/* "pid", "cgroup", "exe", "port". */
const char *target_kind_name(enum target_kind kind);

/* The kind named so, or -1. */
int target_kind_parse(const char *name);

#endif

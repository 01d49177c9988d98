// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "capture/privileges.h"

#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <unistd.h>

/* Linux's own numbers: libcap 2.66's headers know them, older ones may not. */
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static size_t add(struct privilege_requirement *out, size_t n, size_t max, int cap,
		  const char *name, const char *why)
{
	for (size_t i = 0; i < n && i < max; i++)
		if (out[i].cap == cap)
			return n; /* the first reason given stays */
	if (n < max)
		out[n] = (struct privilege_requirement){ cap, name, why };
	return n + 1;
}

#define ADD(cap, why) (n = add(out, n, max, cap, #cap, why))

size_t privileges_required(const struct privilege_needs *needs, enum privilege_phase phase,
			   struct privilege_requirement *out, size_t max)
{
	size_t n = 0;
	/* auto may fall back to tracepoints: it needs what they need. */
	bool tracepoints = !needs->hooks || !strcmp(needs->hooks, "tracepoint") ||
			   !strcmp(needs->hooks, "auto");

	if (phase == PRIVILEGES_ATTACH) {
		ADD(CAP_BPF, "loading the BPF programs and creating their maps");
		ADD(CAP_PERFMON,
		    "attaching the tracing programs (fentry, kprobe, tracepoint, "
		    "raw tracepoint) and reading request bytes from the servers' memory");
		if (needs->exe_selectors)
			ADD(CAP_SYS_PTRACE,
			    "reading /proc/PID/exe of other users' processes for --exe");
		if (needs->port_selectors) {
			ADD(CAP_SYS_PTRACE,
			    "reading /proc/PID/fd of other users' processes for --port");
			ADD(CAP_DAC_READ_SEARCH, "listing /proc/PID/fd (mode 0500) of other users' "
						 "processes for --port");
		}
		if (needs->kubernetes)
			ADD(CAP_DAC_READ_SEARCH,
			    "reading the container runtimes' state (mode 0700, "
			    "e.g. /run/containerd) as a non-root user");
		if (needs->tls) {
			ADD(CAP_SYS_PTRACE, "reading /proc/PID/maps and /proc/PID/root of other "
					    "users' processes to find OpenSSL");
			ADD(CAP_SYS_ADMIN, "attaching uprobes to OpenSSL (HTTPS in the server)");
		}
		if (tracepoints && needs->mount_tracefs)
			ADD(CAP_SYS_ADMIN, "mounting tracefs at /sys/kernel/tracing for the "
					   "tracepoint ids");
		if (tracepoints && needs->tracefs_not_searchable)
			ADD(CAP_DAC_READ_SEARCH,
			    "reading the tracepoint ids in tracefs (mode 0700, "
			    "owned by root) as a non-root user");
		return n;
	}
	if (needs->bpf_syscall_gated)
		ADD(CAP_BPF, "map reads and updates while running (this kernel checks CAP_BPF on "
			     "every bpf(2) call)");
	if (needs->tls) {
		ADD(CAP_SYS_PTRACE, "finding OpenSSL in processes that start later "
				    "(/proc/PID/maps, /proc/PID/root)");
		ADD(CAP_SYS_ADMIN, "attaching uprobes to OpenSSL in processes that start later");
	}
	if (needs->exe_selectors)
		ADD(CAP_SYS_PTRACE, "the --exe rescans (/proc/PID/exe)");
	if (needs->process_metrics) {
		ADD(CAP_SYS_PTRACE, "process_open_fds of other users' processes (/proc/PID/fd)");
		ADD(CAP_DAC_READ_SEARCH, "process_open_fds of other users' processes "
					 "(/proc/PID/fd, mode 0500)");
	}
	if (needs->kubernetes)
		ADD(CAP_DAC_READ_SEARCH, "reading the runtimes' state of pods that start later");
	if (needs->port_selectors) {
		ADD(CAP_SYS_PTRACE, "the --port rescans (/proc/PID/fd)");
		ADD(CAP_DAC_READ_SEARCH, "the --port rescans (/proc/PID/fd)");
	}
	return n;
}

bool privileges_effective(int cap)
{
	cap_t caps = cap_get_proc();
	cap_flag_value_t value = CAP_CLEAR;

	if (!caps)
		return false;
	if (cap_get_flag(caps, (cap_value_t)cap, CAP_EFFECTIVE, &value))
		value = CAP_CLEAR;
	cap_free(caps);
	return value == CAP_SET;
}

#define MAX_REQUIREMENTS 16

int privileges_check(const struct privilege_needs *needs)
{
	struct privilege_requirement req[MAX_REQUIREMENTS];
	size_t n = privileges_required(needs, PRIVILEGES_ATTACH, req, MAX_REQUIREMENTS);
	int missing = 0;

	for (size_t i = 0; i < n && i < MAX_REQUIREMENTS; i++) {
		if (privileges_effective(req[i].cap))
			continue;
		log_error("missing capability %s: needed for %s", req[i].name, req[i].why);
		missing++;
	}
	if (missing)
		log_error("run as root, or give the capabilities above (README, \"Capabilities\")");
	return missing ? -EPERM : 0;
}

int privileges_drop(const struct privilege_needs *needs)
{
	struct privilege_requirement req[MAX_REQUIREMENTS];
	size_t n = privileges_required(needs, PRIVILEGES_RUN, req, MAX_REQUIREMENTS);
	cap_value_t keep[MAX_REQUIREMENTS];
	char names[256] = "";
	int n_keep = 0, err = 0;
	cap_t caps = cap_init(); /* all three sets empty */

	if (!caps)
		return -errno;
	for (size_t i = 0; i < n && i < MAX_REQUIREMENTS; i++) {
		if (!privileges_effective(req[i].cap))
			continue; /* never had it: nothing to keep */
		keep[n_keep++] = (cap_value_t)req[i].cap;
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			 names[0] ? " " : "", req[i].name);
	}
	if ((n_keep && (cap_set_flag(caps, CAP_PERMITTED, n_keep, keep, CAP_SET) ||
			cap_set_flag(caps, CAP_EFFECTIVE, n_keep, keep, CAP_SET))) ||
	    cap_reset_ambient() || cap_set_proc(caps))
		err = -errno;
	cap_free(caps);
	if (!err && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		err = -errno;
	if (err) {
		log_error("cannot drop capabilities after attaching: %s", strerror(-err));
		return err;
	}
	log_info("attached; capabilities kept for the run: %s", names[0] ? names : "none");
	return 0;
}

#define TRACEFS_EVENTS "/sys/kernel/tracing/events"
#define DEBUGFS_TRACING_EVENTS "/sys/kernel/debug/tracing/events"

void privileges_probe_environment(struct privilege_needs *needs)
{
	struct utsname uts;

	/* Effective ids and capabilities (AT_EACCESS), as the loader will use them. */
	int tracefs = faccessat(AT_FDCWD, TRACEFS_EVENTS, X_OK, AT_EACCESS) ? errno : 0;

	if (!tracefs || faccessat(AT_FDCWD, DEBUGFS_TRACING_EVENTS, X_OK, AT_EACCESS) == 0) {
		needs->mount_tracefs = needs->tracefs_not_searchable = false;
	} else if (tracefs == EACCES) {
		needs->tracefs_not_searchable = true; /* mounted, mode 0700, owned by root */
	} else {
		needs->mount_tracefs = true; /* not mounted: the loader mounts it */
	}
	needs->bpf_syscall_gated = uname(&uts) != 0 || privileges_kernel_gates_bpf(uts.release);
}

bool privileges_kernel_gates_bpf(const char *release)
{
	int major = 0, minor = 0;

	if (sscanf(release, "%d.%d", &major, &minor) != 2)
		return true; /* unknown: keep CAP_BPF rather than break map access */
	return major < 5 || (major == 5 && minor < 19);
}

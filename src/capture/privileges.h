/*
 * privileges — the capabilities a run needs, checked at start and dropped after attach.
 *
 * The exporter runs as root or as any uid with capabilities (ambient ones for a non-root
 * uid, e.g. systemd's AmbientCapabilities= or `setpriv --ambient-caps`). Which it needs
 * depends on the hook mode and the features the configuration uses (README, "Capabilities");
 * privileges_check() fails naming each missing one and what it is for, and
 * privileges_drop() keeps only what the rest of the run needs, then sets no_new_privs.
 */
#ifndef FEE_PRIVILEGES_H
#define FEE_PRIVILEGES_H

#include <stdbool.h>
#include <stddef.h>

/* What the run does, as far as privileges go. */
struct privilege_needs {
	/* The hook mode asked for: "auto", "fentry", "kprobe" or "tracepoint". */
	const char *hooks;
	/* --exe targets: /proc/PID/exe of every process, at start and on each rescan. */
	bool exe_selectors;
	/* --port targets: /proc/PID/fd of every process, at start and on each rescan. */
	bool port_selectors;
	/* The app's process_* metrics: /proc/PID/fd of the targets, at every scrape. */
	bool process_metrics;
	/* --kubernetes: pod containers found from the cgroups and the runtimes' state. */
	bool kubernetes;
	/* OpenSSL uprobes in the targets (HTTPS terminated by the server). */
	bool tls;
	/* tracefs (tracepoint ids) is not reachable and must be mounted. */
	bool mount_tracefs;
	/* tracefs is mounted but this uid cannot search it (mode 0700, owned by root). */
	bool tracefs_not_searchable;
	/* The kernel checks CAP_BPF on every bpf(2) call (before 5.19, when unprivileged BPF
	 * is disabled): map reads and updates while running too. */
	bool bpf_syscall_gated;
};

enum privilege_phase {
	PRIVILEGES_ATTACH, /* from start until every probe is attached */
	PRIVILEGES_RUN,	   /* the rest of the run */
};

struct privilege_requirement {
	int cap;	  /* CAP_* */
	const char *name; /* "CAP_BPF" */
	const char *why;  /* what it is for, for the error message and the README */
};

/* The capabilities `phase` needs, each once, in a fixed order. Returns how many (at most
 * max are written). */
size_t privileges_required(const struct privilege_needs *needs, enum privilege_phase phase,
			   struct privilege_requirement *out, size_t max);

/* Does this process have `cap` in its effective set? */
bool privileges_effective(int cap);

/*
 * At start: every capability of PRIVILEGES_ATTACH must be effective. Logs one error per
 * missing capability, naming it and what it is for. Returns 0 or -EPERM.
 */
int privileges_check(const struct privilege_needs *needs);

/*
 * After attach: keep only the PRIVILEGES_RUN set (permitted and effective), clear the
 * inheritable and ambient sets, and set no_new_privs, so that nothing the process execs or
 * becomes later regains what was dropped. Returns 0 or -errno.
 */
int privileges_drop(const struct privilege_needs *needs);

/* Whether the running kernel gates every bpf(2) command on CAP_BPF (release < 5.19). */
bool privileges_kernel_gates_bpf(const char *release);

/* Fills the facts of this machine into needs: tracefs (mounted? searchable by this uid?)
 * and the kernel's bpf(2) gate. The configuration's part (hooks, selectors, tls) is the
 * caller's. */
void privileges_probe_environment(struct privilege_needs *needs);

#endif

/*
 * process_metrics — the application's process figures with prometheus_client's names,
 * types and HELP texts (process_cpu_seconds_total, process_virtual_memory_bytes,
 * process_resident_memory_bytes, process_start_time_seconds, process_open_fds,
 * process_max_fds) and python_info, computed from /proc for each application; and the
 * exporter's own figures as flask_ebpf_exporter_process_* (what
 * ProcessCollector(namespace="flask_ebpf_exporter") would print), so they never clash.
 *
 * An application is the processes of the targets that carry the same target labels (one
 * with no labels: all targets without labels; the series could not be told apart anyway).
 * What each figure covers (README "Process metrics"):
 *   cpu        own user+system time of every live process, plus the CPU of the children
 *              they reaped (a respawned gunicorn worker), monotonic while the exporter
 *              runs (app_cpu.h)
 *   memory     the sum over processes of RSS (shared pages once per process, as `ps`) and
 *              of virtual size
 *   start time the oldest process's (the master's)
 *   fds        open: the sum over processes; max: the oldest process's soft limit
 * python_info: read from the oldest process's interpreter (python_version.h), absent when
 * it is not CPython 3.11+ (nginx).
 */
#ifndef FEE_PROCESS_METRICS_H
#define FEE_PROCESS_METRICS_H

#include <stddef.h>
#include <sys/types.h>

#include "config/config.h"
#include "metrics/registry.h"

struct process_metrics;

/*
 * Declares the families in r: the application's (when `apps`, one application per set of
 * target label values among targets[0..n), with room for the label names run-time targets
 * set: dynamic_keys) and the exporter's own. proc_root: "/proc" (another directory in
 * tests). NULL + errno: EINVAL for a name clash in r.
 */
struct process_metrics *process_metrics_new(struct registry *r, const struct config_target *targets,
					    size_t n_targets, const char *const *dynamic_keys,
					    size_t n_dynamic_keys, int apps, const char *proc_root);

/* A target added at run time (a Kubernetes pod container, target index `target`) with its
 * labels (keys among the dynamic_keys; copied): its processes are the application with
 * those label values. 0 or -ENOMEM; nothing when the app's families are off. */
int process_metrics_add_target(struct process_metrics *pm, unsigned int target,
			       const char *const *keys, const char *const *values, size_t n);
void process_metrics_free(struct process_metrics *pm);

/*
 * Reads /proc for the processes now watched (pids[i] belongs to target targets[i]) and
 * for the exporter, and sets the families. Processes that vanished meanwhile are skipped.
 * 0 or -ENOMEM.
 */
int process_metrics_update(struct process_metrics *pm, const pid_t *pids,
			   const unsigned int *targets, size_t n);

#endif

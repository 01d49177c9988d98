/* tracefs — make sure the tracing filesystem libbpf needs for tracepoints is mounted. */
#ifndef FEE_TRACEFS_H
#define FEE_TRACEFS_H

/* Mounts tracefs at /sys/kernel/tracing when neither it nor debugfs's copy is there.
 * Returns 0 or -errno. */
int tracefs_ensure_mounted(void);

#endif

/*
 * tracepoint_exits — tracepoint mode's shared exit programs (bpf/hooks_tracepoint.bpf.h):
 * one program for the exits of all socket reads and writes, one for both accepts, each
 * attached here to every sys_exit_* tracepoint it serves, since libbpf attaches a program
 * to one tracepoint only.
 */
#ifndef FEE_TRACEPOINT_EXITS_H
#define FEE_TRACEPOINT_EXITS_H

#include <stddef.h>

struct exporter_bpf;
struct bpf_link;

/* The links tracepoint_exits_attach makes: one per syscall of the shared lists
 * (include/socket_syscalls.h). */
#define TRACEPOINT_EXIT_LINKS 10

/* Keeps libbpf from attaching the shared programs (their sections name no tracepoint).
 * Call between open and attach, whatever the mode. */
void tracepoint_exits_attach_manually(struct exporter_bpf *skel);

/* Attaches the shared exit programs to their tracepoints, into links[] (zeroed, at least
 * TRACEPOINT_EXIT_LINKS); the caller destroys them, also on failure. Returns 0, or -errno
 * with the tracepoint that failed written into `failed`. */
int tracepoint_exits_attach(const struct exporter_bpf *skel, struct bpf_link **links, char *failed,
			    size_t failed_size);

#endif

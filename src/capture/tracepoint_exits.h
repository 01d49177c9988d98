/*
 * tracepoint_exits — tracepoint mode's shared exit programs (bpf/hooks_tracepoint.bpf.h):
 * one program for the exits of all socket reads (which have no entry program), one for
 * those of all writes, one for both accepts. Each
 * syscall's own exit program tail-calls them through the tp_shared_exits table, which is
 * filled here after load; the shared programs themselves are never attached.
 */
#ifndef FEE_TRACEPOINT_EXITS_H
#define FEE_TRACEPOINT_EXITS_H

#include <stddef.h>

struct exporter_bpf;

/* Keeps libbpf from attaching the shared programs (their sections name no tracepoint).
 * Call between open and attach, whatever the mode. */
void tracepoint_exits_attach_manually(struct exporter_bpf *skel);

/* Puts the loaded shared programs into tp_shared_exits; call after load, before attach, in
 * tracepoint mode. 0, or -errno with the program that failed written into `failed`. */
int tracepoint_exits_install(const struct exporter_bpf *skel, char *failed, size_t failed_size);

#endif

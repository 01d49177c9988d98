/*
 * hook_probe — does this kernel have a hook family? Asked with a tiny probe object
 * (bpf/hook_probe.bpf.c) before the exporter's own programs are loaded, so auto mode does
 * not pay a full verification for a family that then fails to attach.
 */
#ifndef FEE_HOOK_PROBE_H
#define FEE_HOOK_PROBE_H

#include <stddef.h>

#include "capture/hook_attach.h"

struct bpf_object;

/* Between open and load: autoload the socket hooks of mode and no other family's;
 * programs shared by every mode keep their setting. Returns 0 or -errno. */
int hook_select(struct bpf_object *obj, enum hook_mode mode);

/* Loads and attaches mode's probe programs, then removes them; for the socket-level
 * modes, first checks with the thread's own socket I/O that every socket read and write
 * syscall reaches the hooked functions. Returns 0, or -errno with the stage and reason in
 * words in why. */
int hook_probe(enum hook_mode mode, char *why, size_t why_size);

#endif

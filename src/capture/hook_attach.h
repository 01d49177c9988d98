/*
 * hook_attach — what each hook mode (config/hook_mode.h) means to the loader: which to try
 * first, which programs belong to which, and why a mode failed, in words. Pure: the
 * capture loads.
 */
#ifndef FEE_HOOK_ATTACH_H
#define FEE_HOOK_ATTACH_H

#include "config/hook_mode.h"

/* Where a mode failed. */
enum hook_stage {
	HOOK_STAGE_LOAD,
	HOOK_STAGE_ATTACH,
};

/* The modes to try for a request, in order: all of them, cheapest first, for auto, else
 * just the one asked for. Returns how many were written to out (at most
 * HOOK_MODE_COUNT - 1). */
int hook_mode_candidates(enum hook_mode requested, enum hook_mode *out);

/* The family a BPF program belongs to, by its section name; HOOK_MODE_AUTO for programs
 * that every mode loads (the scheduler tracepoints, anything that is not a socket hook).
 * fentry and fexit sections read as the syscall-level family: only the program's name
 * tells the socket-level ones (hook_mode_of_program). */
enum hook_mode hook_mode_of_section(const char *section);

/* The family a BPF program belongs to, by its name (the socket-level families' programs
 * start with "sfe_" and "skp_"), else by its section. */
enum hook_mode hook_mode_of_program(const char *name, const char *section);

/* The kernel function a section names ("fexit/sock_recvmsg" -> "sock_recvmsg"), or "". */
const char *hook_section_function(const char *section);

/* Whether a mode needs tracefs (tracepoint ids, legacy kprobe events). */
int hook_mode_needs_tracefs(enum hook_mode mode);

/* A short explanation of err at stage for mode, starting with " (" and ending with ")",
 * or "" when there is nothing to add to strerror(). */
const char *hook_mode_hint(enum hook_mode mode, enum hook_stage stage, int err);

#endif

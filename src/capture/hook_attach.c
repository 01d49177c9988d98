// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "capture/hook_attach.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

/* The kernel's "operation not supported" (ENOTSUPP), which libc has no name for. */
#define KERNEL_ENOTSUPP 524

struct family_prefix {
	const char *prefix;
	enum hook_mode mode;
};

/* Section prefixes of each family's programs (bpf/hooks_*.bpf.h). */
static const struct family_prefix family_sections[] = {
	{ "fentry/", HOOK_MODE_FENTRY_SYSCALL },
	{ "fexit/", HOOK_MODE_FENTRY_SYSCALL },
	{ "ksyscall/", HOOK_MODE_KPROBE_SYSCALL },
	{ "kretsyscall/", HOOK_MODE_KPROBE_SYSCALL },
	{ "kprobe/", HOOK_MODE_KPROBE },
	{ "kretprobe/", HOOK_MODE_KPROBE },
	{ "tracepoint/syscalls/", HOOK_MODE_TRACEPOINT },
};

/* Program name prefixes of the socket-level families (bpf/hooks_socket_*.bpf.h), which
 * also hook a few syscalls (accept, close, write for the exception log) in sections that
 * look like the syscall-level families'. */
static const struct family_prefix family_names[] = {
	{ "sfe_", HOOK_MODE_FENTRY },
	{ "skp_", HOOK_MODE_KPROBE },
};

static enum hook_mode family_by_prefix(const struct family_prefix *table, size_t n,
				       const char *text)
{
	for (size_t i = 0; i < n; i++)
		if (!strncmp(text, table[i].prefix, strlen(table[i].prefix)))
			return table[i].mode;
	return HOOK_MODE_AUTO;
}

int hook_mode_candidates(enum hook_mode requested, enum hook_mode *out)
{
	int n = 0;

	if (requested != HOOK_MODE_AUTO) {
		out[0] = requested;
		return 1;
	}
	for (int m = HOOK_MODE_AUTO + 1; m < HOOK_MODE_COUNT; m++)
		out[n++] = (enum hook_mode)m;
	return n;
}

enum hook_mode hook_mode_of_section(const char *section)
{
	return family_by_prefix(family_sections,
				sizeof(family_sections) / sizeof(family_sections[0]), section);
}

enum hook_mode hook_mode_of_program(const char *name, const char *section)
{
	enum hook_mode mode = family_by_prefix(
		family_names, sizeof(family_names) / sizeof(family_names[0]), name);

	return mode != HOOK_MODE_AUTO ? mode : hook_mode_of_section(section);
}

const char *hook_section_function(const char *section)
{
	const char *slash = strchr(section, '/');

	return slash ? slash + 1 : "";
}

int hook_mode_needs_tracefs(enum hook_mode mode)
{
	return mode == HOOK_MODE_TRACEPOINT || mode == HOOK_MODE_KPROBE ||
	       mode == HOOK_MODE_KPROBE_SYSCALL;
}

/* fentry and kprobe fail the same ways on the socket functions and on the syscalls. */
static enum hook_mode base_family(enum hook_mode mode)
{
	if (mode == HOOK_MODE_FENTRY_SYSCALL)
		return HOOK_MODE_FENTRY;
	if (mode == HOOK_MODE_KPROBE_SYSCALL)
		return HOOK_MODE_KPROBE;
	return mode;
}

const char *hook_mode_hint(enum hook_mode mode, enum hook_stage stage, int err)
{
	bool socket_level = mode == HOOK_MODE_FENTRY || mode == HOOK_MODE_KPROBE;

	if (err < 0)
		err = -err;
	mode = base_family(mode);
	if (stage == HOOK_STAGE_LOAD) {
		if (socket_level && err == EINVAL)
			return " (hooking the socket functions needs bpf_task_pt_regs and "
			       "bpf_get_current_task_btf: Linux 5.15 or later)";
		if (mode == HOOK_MODE_FENTRY && err == EPERM)
			return " (the kernel refuses BPF trampolines, e.g. when locked down)";
		if (mode == HOOK_MODE_FENTRY && (err == ESRCH || err == ENOENT))
			return socket_level
				       ? " (a socket function is missing from the kernel's BTF)"
				       : " (a syscall function is missing from the kernel's BTF)";
		if (mode == HOOK_MODE_FENTRY && (err == KERNEL_ENOTSUPP || err == EOPNOTSUPP))
			return " (no BPF trampolines: they need the BPF JIT and "
			       "CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS)";
		if (err == EPERM)
			return " (is the kernel locked down?)";
		return "";
	}
	if (mode == HOOK_MODE_KPROBE && (err == ENOENT || err == EOPNOTSUPP))
		return socket_level ? " (no kprobes: the kernel is built without CONFIG_KPROBES, "
				      "or a socket function cannot be probed)"
				    : " (no kprobes: the kernel is built without CONFIG_KPROBES, "
				      "or the syscall function cannot be probed)";
	if (mode == HOOK_MODE_TRACEPOINT && err == ENOENT)
		return " (no syscall tracepoints: the kernel is built without "
		       "CONFIG_FTRACE_SYSCALLS)";
	if (mode == HOOK_MODE_FENTRY && (err == KERNEL_ENOTSUPP || err == EOPNOTSUPP))
		return " (no BPF trampolines on this kernel)";
	return "";
}

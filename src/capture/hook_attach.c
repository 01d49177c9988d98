// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "capture/hook_attach.h"

#include <errno.h>
#include <string.h>

/* The kernel's "operation not supported" (ENOTSUPP), which libc has no name for. */
#define KERNEL_ENOTSUPP 524

/* Section prefixes of each family's programs (bpf/hooks_*.bpf.h). */
static const struct {
	const char *prefix;
	enum hook_mode mode;
} family_sections[] = {
	{ "fentry/", HOOK_MODE_FENTRY },
	{ "fexit/", HOOK_MODE_FENTRY },
	{ "ksyscall/", HOOK_MODE_KPROBE },
	{ "kretsyscall/", HOOK_MODE_KPROBE },
	{ "tracepoint/syscalls/", HOOK_MODE_TRACEPOINT },
};

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
	for (size_t i = 0; i < sizeof(family_sections) / sizeof(family_sections[0]); i++)
		if (!strncmp(section, family_sections[i].prefix, strlen(family_sections[i].prefix)))
			return family_sections[i].mode;
	return HOOK_MODE_AUTO;
}

int hook_mode_needs_tracefs(enum hook_mode mode)
{
	return mode == HOOK_MODE_TRACEPOINT || mode == HOOK_MODE_KPROBE;
}

const char *hook_mode_hint(enum hook_mode mode, enum hook_stage stage, int err)
{
	if (err < 0)
		err = -err;
	if (stage == HOOK_STAGE_LOAD) {
		if (mode == HOOK_MODE_FENTRY && err == EPERM)
			return " (the kernel refuses BPF trampolines, e.g. when locked down)";
		if (mode == HOOK_MODE_FENTRY && (err == ESRCH || err == ENOENT))
			return " (a syscall function is missing from the kernel's BTF)";
		if (mode == HOOK_MODE_FENTRY && (err == KERNEL_ENOTSUPP || err == EOPNOTSUPP))
			return " (no BPF trampolines: they need the BPF JIT and "
			       "CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS)";
		if (err == EPERM)
			return " (is the kernel locked down?)";
		return "";
	}
	if (mode == HOOK_MODE_KPROBE && (err == ENOENT || err == EOPNOTSUPP))
		return " (no kprobes: the kernel is built without CONFIG_KPROBES, or the syscall "
		       "function cannot be probed)";
	if (mode == HOOK_MODE_TRACEPOINT && err == ENOENT)
		return " (no syscall tracepoints: the kernel is built without "
		       "CONFIG_FTRACE_SYSCALLS)";
	if (mode == HOOK_MODE_FENTRY && (err == KERNEL_ENOTSUPP || err == EOPNOTSUPP))
		return " (no BPF trampolines on this kernel)";
	return "";
}

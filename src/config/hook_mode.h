/*
 * hook_mode — the interchangeable ways to hook socket reads and writes (bpf/hooks_*.bpf.h),
 * as the configuration names them (--hooks, `hooks:`): fentry and kprobe on the kernel's
 * socket functions, the same two families on the syscalls (the fallback for kernels whose
 * socket functions cannot be hooked that way), and the syscall tracepoints. Plain data:
 * capture/hook_attach.h knows what each mode loads and why it fails.
 */
#ifndef FEE_HOOK_MODE_H
#define FEE_HOOK_MODE_H

/* Cheapest first: auto tries them in this order. */
enum hook_mode {
	HOOK_MODE_AUTO,
	HOOK_MODE_FENTRY,
	HOOK_MODE_KPROBE,
	HOOK_MODE_FENTRY_SYSCALL,
	HOOK_MODE_KPROBE_SYSCALL,
	HOOK_MODE_TRACEPOINT,
	HOOK_MODE_COUNT,
};

/* "auto", "fentry", "kprobe", "fentry-syscall", "kprobe-syscall", "tracepoint". */
const char *hook_mode_name(enum hook_mode mode);

/* Parses a --hooks value. Returns 0 or -EINVAL. */
int hook_mode_parse(const char *name, enum hook_mode *mode);

#endif

/*
 * hook_mode — the three interchangeable ways to hook socket reads and writes (fentry,
 * kprobe, tracepoint; bpf/hooks_*.bpf.h), as the configuration names them (--hooks,
 * `hooks:`). Plain data: capture/hook_attach.h knows what each mode loads and why it fails.
 */
#ifndef FEE_HOOK_MODE_H
#define FEE_HOOK_MODE_H

/* Cheapest first: auto tries them in this order. */
enum hook_mode {
	HOOK_MODE_AUTO,
	HOOK_MODE_FENTRY,
	HOOK_MODE_KPROBE,
	HOOK_MODE_TRACEPOINT,
	HOOK_MODE_COUNT,
};

/* "auto", "fentry", "kprobe", "tracepoint". */
const char *hook_mode_name(enum hook_mode mode);

/* Parses a --hooks value. Returns 0 or -EINVAL. */
int hook_mode_parse(const char *name, enum hook_mode *mode);

#endif

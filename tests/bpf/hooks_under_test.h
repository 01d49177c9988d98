/* The hook mode a BPF-tier test loads: FEE_HOOKS=fentry|kprobe|fentry-syscall|
 * kprobe-syscall|tracepoint, default auto. make test-kernels runs every BPF test in
 * tracepoint mode here and in the socket-level fentry and kprobe modes in the guest. */
#ifndef FEE_TESTS_HOOKS_UNDER_TEST_H
#define FEE_TESTS_HOOKS_UNDER_TEST_H

#include <stdio.h>
#include <stdlib.h>

#include "config/hook_mode.h"

static inline enum hook_mode hooks_under_test(void)
{
	const char *name = getenv("FEE_HOOKS");
	enum hook_mode mode = HOOK_MODE_AUTO;

	if (name && hook_mode_parse(name, &mode)) {
		fprintf(stderr, "FEE_HOOKS: no such hook mode '%s'\n", name);
		exit(1);
	}
	return mode;
}

#endif

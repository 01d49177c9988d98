// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The capability sets per hook mode and feature (README, "Capabilities"): before attach and
 * for the rest of the run. The e2e test (test_capabilities.py) checks them on a live run. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <linux/capability.h>
#include <string.h>

#include "capture/privileges.h"

#define MAX 16

/* The capability names of a set, space-separated, in the module's order. */
static const char *names(const struct privilege_needs *needs, enum privilege_phase phase)
{
	static char buf[256];
	struct privilege_requirement req[MAX];
	size_t n = privileges_required(needs, phase, req, MAX);

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		assert_non_null(req[i].why);
		assert_true(strlen(req[i].why) > 10);
		if (i)
			strcat(buf, " ");
		strcat(buf, req[i].name);
	}
	return buf;
}

static void test_every_mode_needs_bpf_and_perfmon(void **state)
{
	const char *modes[] = { "fentry", "kprobe", "tracepoint", "auto" };

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct privilege_needs needs = { .hooks = modes[i] };

		assert_string_equal(names(&needs, PRIVILEGES_ATTACH), "CAP_BPF CAP_PERFMON");
		/* Nothing at all after attach for --pid/--cgroup targets on a current kernel. */
		assert_string_equal(names(&needs, PRIVILEGES_RUN), "");
	}
}

static void test_tracefs_access_only_for_tracepoints(void **state)
{
	struct privilege_needs needs = { .hooks = "fentry",
					 .tracefs_not_searchable = true,
					 .mount_tracefs = true };

	assert_string_equal(names(&needs, PRIVILEGES_ATTACH), "CAP_BPF CAP_PERFMON");
	needs.hooks = "tracepoint";
	assert_string_equal(names(&needs, PRIVILEGES_ATTACH),
			    "CAP_BPF CAP_PERFMON CAP_SYS_ADMIN CAP_DAC_READ_SEARCH");
	/* auto may end up on tracepoints. */
	needs.hooks = "auto";
	needs.mount_tracefs = false;
	assert_string_equal(names(&needs, PRIVILEGES_ATTACH),
			    "CAP_BPF CAP_PERFMON CAP_DAC_READ_SEARCH");
	assert_string_equal(names(&needs, PRIVILEGES_RUN), "");
}

static void test_features_add_their_capabilities(void **state)
{
	struct privilege_needs needs = { .hooks = "fentry", .exe_selectors = true };

	assert_string_equal(names(&needs, PRIVILEGES_ATTACH), "CAP_BPF CAP_PERFMON CAP_SYS_PTRACE");
	assert_string_equal(names(&needs, PRIVILEGES_RUN), "CAP_SYS_PTRACE");

	needs = (struct privilege_needs){ .hooks = "fentry", .port_selectors = true };
	assert_string_equal(names(&needs, PRIVILEGES_ATTACH),
			    "CAP_BPF CAP_PERFMON CAP_SYS_PTRACE CAP_DAC_READ_SEARCH");
	assert_string_equal(names(&needs, PRIVILEGES_RUN), "CAP_SYS_PTRACE CAP_DAC_READ_SEARCH");

	needs = (struct privilege_needs){ .hooks = "fentry", .tls = true };
	assert_string_equal(names(&needs, PRIVILEGES_ATTACH),
			    "CAP_BPF CAP_PERFMON CAP_SYS_PTRACE CAP_SYS_ADMIN");
	/* Later uprobes need no CAP_BPF: the programs are loaded, libbpf's probes cached. */
	assert_string_equal(names(&needs, PRIVILEGES_RUN), "CAP_SYS_PTRACE CAP_SYS_ADMIN");

	/* process_open_fds: kept for the scrapes, not needed to attach. */
	needs = (struct privilege_needs){ .hooks = "fentry", .process_metrics = true };
	assert_string_equal(names(&needs, PRIVILEGES_ATTACH), "CAP_BPF CAP_PERFMON");
	assert_string_equal(names(&needs, PRIVILEGES_RUN), "CAP_SYS_PTRACE CAP_DAC_READ_SEARCH");

	needs = (struct privilege_needs){ .hooks = "kprobe", .kubernetes = true };
	assert_string_equal(names(&needs, PRIVILEGES_ATTACH),
			    "CAP_BPF CAP_PERFMON CAP_DAC_READ_SEARCH");
	assert_string_equal(names(&needs, PRIVILEGES_RUN), "CAP_DAC_READ_SEARCH");

	needs = (struct privilege_needs){ .hooks = "fentry", .tls = true };
	/* Each capability once, with the first reason. */
	needs.exe_selectors = needs.port_selectors = true;
	needs.bpf_syscall_gated = true;
	assert_string_equal(names(&needs, PRIVILEGES_RUN),
			    "CAP_BPF CAP_SYS_PTRACE CAP_SYS_ADMIN CAP_DAC_READ_SEARCH");
}

static void test_reasons_name_what_they_are_for(void **state)
{
	struct privilege_needs needs = { .hooks = "tracepoint", .tracefs_not_searchable = true };
	struct privilege_requirement req[MAX];
	size_t n = privileges_required(&needs, PRIVILEGES_ATTACH, req, MAX);

	assert_int_equal(n, 3);
	assert_int_equal(req[0].cap, CAP_BPF);
	assert_int_equal(req[1].cap, CAP_PERFMON);
	assert_int_equal(req[2].cap, CAP_DAC_READ_SEARCH);
	assert_non_null(strstr(req[2].why, "tracefs"));
	/* A short buffer gets the first ones and the full count. */
	assert_int_equal(privileges_required(&needs, PRIVILEGES_ATTACH, req, 1), 3);
	assert_int_equal(req[0].cap, CAP_BPF);
}

static void test_bpf_gate_by_kernel_release(void **state)
{
	assert_true(privileges_kernel_gates_bpf("5.17.0-1-amd64"));
	assert_true(privileges_kernel_gates_bpf("5.18.19"));
	assert_false(privileges_kernel_gates_bpf("5.19.0"));
	assert_false(privileges_kernel_gates_bpf("6.1.0-56-amd64"));
	assert_false(privileges_kernel_gates_bpf("6.18.44-fc"));
	assert_true(privileges_kernel_gates_bpf("garbage"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_mode_needs_bpf_and_perfmon),
		cmocka_unit_test(test_tracefs_access_only_for_tracepoints),
		cmocka_unit_test(test_features_add_their_capabilities),
		cmocka_unit_test(test_reasons_name_what_they_are_for),
		cmocka_unit_test(test_bpf_gate_by_kernel_release),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Hook modes: fallback order, which program belongs to which family, failure hints. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "capture/hook_attach.h"

static void test_auto_tries_cheapest_first(void **state)
{
	enum hook_mode modes[HOOK_MODE_COUNT];

	/* The socket functions before the syscalls, trampolines before kprobes. */
	assert_int_equal(hook_mode_candidates(HOOK_MODE_AUTO, modes), 5);
	assert_int_equal(modes[0], HOOK_MODE_FENTRY);
	assert_int_equal(modes[1], HOOK_MODE_KPROBE);
	assert_int_equal(modes[2], HOOK_MODE_FENTRY_SYSCALL);
	assert_int_equal(modes[3], HOOK_MODE_KPROBE_SYSCALL);
	assert_int_equal(modes[4], HOOK_MODE_TRACEPOINT);

	/* An explicit mode is the only one tried: no silent fallback. */
	assert_int_equal(hook_mode_candidates(HOOK_MODE_KPROBE, modes), 1);
	assert_int_equal(modes[0], HOOK_MODE_KPROBE);
}

static void test_sections_map_to_families(void **state)
{
	assert_int_equal(hook_mode_of_section("fentry/__x64_sys_read"), HOOK_MODE_FENTRY_SYSCALL);
	assert_int_equal(hook_mode_of_section("fexit/__x64_sys_read"), HOOK_MODE_FENTRY_SYSCALL);
	assert_int_equal(hook_mode_of_section("ksyscall/read"), HOOK_MODE_KPROBE_SYSCALL);
	assert_int_equal(hook_mode_of_section("kretsyscall/accept4"), HOOK_MODE_KPROBE_SYSCALL);
	assert_int_equal(hook_mode_of_section("kretprobe/sock_recvmsg"), HOOK_MODE_KPROBE);
	assert_int_equal(hook_mode_of_section("tracepoint/syscalls/sys_enter_read"),
			 HOOK_MODE_TRACEPOINT);
	/* Shared by every mode: the scheduler hooks, and anything else (uprobes). */
	assert_int_equal(hook_mode_of_section("raw_tracepoint/sched_process_fork"), HOOK_MODE_AUTO);
	assert_int_equal(hook_mode_of_section("tracepoint/sched/sched_process_exit"),
			 HOOK_MODE_AUTO);
	assert_int_equal(hook_mode_of_section("uprobe"), HOOK_MODE_AUTO);
}

static void test_program_names_tell_the_socket_level_families(void **state)
{
	assert_int_equal(hook_mode_of_program("sfe_recv_exit", "fexit/sock_recvmsg"),
			 HOOK_MODE_FENTRY);
	/* Its syscall hooks sit in sections like the syscall-level family's. */
	assert_int_equal(hook_mode_of_program("sfe_enter_close", "fentry/__x64_sys_close"),
			 HOOK_MODE_FENTRY);
	assert_int_equal(hook_mode_of_program("skp_enter_close", "ksyscall/close"),
			 HOOK_MODE_KPROBE);
	assert_int_equal(hook_mode_of_program("fe_enter_close", "fentry/__x64_sys_close"),
			 HOOK_MODE_FENTRY_SYSCALL);
	assert_int_equal(hook_mode_of_program("ks_exit_read", "kretsyscall/read"),
			 HOOK_MODE_KPROBE_SYSCALL);
	assert_int_equal(
		hook_mode_of_program("rtp_process_fork", "raw_tracepoint/sched_process_fork"),
		HOOK_MODE_AUTO);
	assert_string_equal(hook_section_function("fexit/__sock_sendmsg"), "__sock_sendmsg");
	assert_string_equal(hook_section_function("uprobe"), "");
}

static void test_hints_name_the_missing_feature(void **state)
{
	assert_non_null(strstr(hook_mode_hint(HOOK_MODE_KPROBE, HOOK_STAGE_ATTACH, -ENOENT),
			       "CONFIG_KPROBES"));
	assert_non_null(
		strstr(hook_mode_hint(HOOK_MODE_FENTRY, HOOK_STAGE_LOAD, -EPERM), "trampolines"));
	assert_non_null(strstr(hook_mode_hint(HOOK_MODE_TRACEPOINT, HOOK_STAGE_ATTACH, -ENOENT),
			       "CONFIG_FTRACE_SYSCALLS"));
	assert_string_equal(hook_mode_hint(HOOK_MODE_KPROBE, HOOK_STAGE_ATTACH, -ENOMEM), "");
	/* The syscall-level families fail as the socket-level ones do, in their words. */
	assert_non_null(strstr(hook_mode_hint(HOOK_MODE_FENTRY_SYSCALL, HOOK_STAGE_LOAD, -EPERM),
			       "trampolines"));
	assert_non_null(strstr(hook_mode_hint(HOOK_MODE_KPROBE_SYSCALL, HOOK_STAGE_ATTACH, -ENOENT),
			       "syscall function"));
	assert_non_null(strstr(hook_mode_hint(HOOK_MODE_KPROBE, HOOK_STAGE_ATTACH, -ENOENT),
			       "socket function"));
	assert_non_null(strstr(hook_mode_hint(HOOK_MODE_FENTRY, HOOK_STAGE_LOAD, -EINVAL),
			       "bpf_task_pt_regs"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auto_tries_cheapest_first),
		cmocka_unit_test(test_sections_map_to_families),
		cmocka_unit_test(test_program_names_tell_the_socket_level_families),
		cmocka_unit_test(test_hints_name_the_missing_feature),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

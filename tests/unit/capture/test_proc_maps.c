// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Finding OpenSSL for uprobes: the /proc/PID/maps lines that say where a library is mapped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/proc_maps.h"

static void test_maps_library_line(void **state)
{
	char line[] = "7f1c2a000000-7f1c2a0a0000 r-xp 00022000 fd:01 1049123                    "
		      "/usr/lib/x86_64-linux-gnu/libssl.so.3\n";
	struct proc_mapping m;

	assert_int_equal(proc_maps_parse_line(line, &m), 0);
	assert_true(m.start == 0x7f1c2a000000UL && m.end == 0x7f1c2a0a0000UL);
	assert_true(m.offset == 0x22000);
	assert_int_equal(m.dev_major, 0xfd);
	assert_int_equal(m.dev_minor, 1);
	assert_true(m.inode == 1049123);
	assert_string_equal(m.perms, "r-xp");
	assert_string_equal(m.path, "/usr/lib/x86_64-linux-gnu/libssl.so.3");
	assert_true(proc_mapping_is_file_code(&m));
}

static void test_maps_other_lines(void **state)
{
	char anon[] = "7ffd1000-7ffd2000 rw-p 00000000 00:00 0\n";
	char heap[] = "55d0a000-55d0b000 rw-p 00000000 00:00 0                          [heap]\n";
	char spaces[] = "1000-2000 r-xp 00001000 08:02 77 /opt/my app/libssl.so.1.1 (deleted)\n";
	char data[] = "1000-2000 r--p 00000000 08:02 77 /usr/lib/libssl.so.3\n";
	char bad[] = "not a maps line\n";
	char short_perms[] = "1000-2000 r-x 00000000 08:02 77 /x\n";
	struct proc_mapping m;

	assert_int_equal(proc_maps_parse_line(anon, &m), 0);
	assert_string_equal(m.path, "");
	assert_false(proc_mapping_is_file_code(&m));
	assert_int_equal(proc_maps_parse_line(heap, &m), 0);
	assert_string_equal(m.path, "[heap]");
	assert_false(proc_mapping_is_file_code(&m));
	assert_int_equal(proc_maps_parse_line(spaces, &m), 0);
	assert_string_equal(m.path, "/opt/my app/libssl.so.1.1 (deleted)");
	assert_true(proc_mapping_is_file_code(&m));
	assert_int_equal(proc_maps_parse_line(data, &m), 0);
	assert_false(proc_mapping_is_file_code(&m)); /* not code */
	assert_int_equal(proc_maps_parse_line(bad, &m), -EINVAL);
	assert_int_equal(proc_maps_parse_line(short_perms, &m), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_maps_library_line),
		cmocka_unit_test(test_maps_other_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

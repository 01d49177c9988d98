// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Finding OpenSSL for uprobes: function offsets in ELF files, checked against where the
 * loader really put a function of this very test (read from /proc/self/maps). */
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

#include "capture/elf_symbols.h"
#include "capture/proc_maps.h"

/* A function of this test, kept out of line and exported so the symbol table has it. */
__attribute__((noinline, used)) int fee_probe_target_function(int x)
{
	return x * 3 + 1;
}

/* The file offset of addr, from the mapping of /proc/self/maps holding it. */
static size_t file_offset_of(const void *addr)
{
	unsigned long a = (unsigned long)addr;
	size_t found = 0, cap = 0;
	char *line = NULL;
	FILE *maps = fopen("/proc/self/maps", "re");

	assert_non_null(maps);
	while (getline(&line, &cap, maps) > 0) {
		struct proc_mapping m;

		if (proc_maps_parse_line(line, &m) == 0 && a >= m.start && a < m.end)
			found = a - m.start + m.offset;
	}
	free(line);
	fclose(maps);
	return found;
}

static void test_elf_offsets_match_the_loader(void **state)
{
	const char *names[] = { "fee_probe_target_function", "no_such_function_here", "printf" };
	size_t offsets[3];

	assert_int_equal(fee_probe_target_function(1), 4);
	assert_int_equal(elf_function_offsets("/proc/self/exe", names, 3, offsets), 1);
	assert_true(offsets[0] != 0);
	assert_true(offsets[0] == file_offset_of((const void *)fee_probe_target_function));
	assert_true(offsets[1] == 0);
	assert_true(offsets[2] == 0); /* imported from libc, not defined here */
}

static void test_elf_errors(void **state)
{
	const char *names[] = { "SSL_read" };
	size_t offsets[1] = { 99 };
	char text[] = "/tmp/fee-not-elf-XXXXXX";
	int fd = mkstemp(text);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "hello, not an ELF file\n", 23), 23);
	close(fd);
	assert_int_equal(elf_function_offsets(text, names, 1, offsets), -ENOEXEC);
	assert_true(offsets[0] == 0);
	unlink(text);
	assert_int_equal(elf_function_offsets("/nonexistent/libssl.so.3", names, 1, offsets),
			 -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elf_offsets_match_the_loader),
		cmocka_unit_test(test_elf_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

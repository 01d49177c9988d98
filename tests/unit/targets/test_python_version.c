// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* python_info's labels from PY_VERSION_HEX, and Py_Version read from ELF files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "targets/python_version.h"

static void test_from_hex(void **state)
{
	struct python_version v;

	assert_int_equal(python_version_from_hex(0x030B02F0, &v), 0);
	assert_string_equal(v.implementation, "CPython");
	assert_string_equal(v.major, "3");
	assert_string_equal(v.minor, "11");
	assert_string_equal(v.patchlevel, "2");
	assert_string_equal(v.version, "3.11.2");
	/* platform.python_version() of pre-releases */
	assert_int_equal(python_version_from_hex(0x030D00C1, &v), 0);
	assert_string_equal(v.version, "3.13.0rc1");
	assert_string_equal(v.patchlevel, "0");
	assert_int_equal(python_version_from_hex(0x030E00A7, &v), 0);
	assert_string_equal(v.version, "3.14.0a7");
	assert_int_equal(python_version_from_hex(0x030B0200, &v), -EINVAL);
	assert_int_equal(python_version_from_hex(0, &v), -EINVAL);
}

/* Debian's interpreter defines Py_Version (3.11); a shell and a text file do not. */
static void test_of_file(void **state)
{
	struct python_version v;
	char path[64];

	assert_int_equal(python_version_of_file("/bin/sh", &v), -ENODATA);
	assert_int_equal(python_version_of_file("/etc/hostname", &v), -ENOEXEC);
	assert_int_equal(python_version_of_file("/nonexistent", &v), -ENOENT);
	assert_int_equal(python_version_of_file("/usr/bin/python3", &v), 0);
	assert_string_equal(v.major, "3");
	/* the binary's name says 3.MINOR: the constant inside must agree */
	snprintf(path, sizeof(path), "/usr/bin/python3.%s", v.minor);
	assert_int_equal(access(path, X_OK), 0);
}

/* A process that is no interpreter: this test. One that is gone: -ESRCH. */
static void test_of_process(void **state)
{
	struct python_version v;

	assert_int_equal(python_version_of_process("/proc", getpid(), &v), -ENODATA);
	assert_int_equal(python_version_of_process("/proc", 0x3ffffff0, &v), -ESRCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_hex),
		cmocka_unit_test(test_of_file),
		cmocka_unit_test(test_of_process),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

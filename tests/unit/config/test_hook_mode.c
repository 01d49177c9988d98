// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Hook modes as the configuration names them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "config/hook_mode.h"

static void test_names_round_trip(void **state)
{
	for (int m = 0; m < HOOK_MODE_COUNT; m++) {
		enum hook_mode parsed;

		assert_int_equal(hook_mode_parse(hook_mode_name(m), &parsed), 0);
		assert_int_equal(parsed, m);
	}
	assert_string_equal(hook_mode_name(HOOK_MODE_COUNT), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* strpair: append copies, set replaces in place, find takes the first, copy_all is deep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "util/strpair.h"

static void test_append_copies_and_find(void **state)
{
	struct strpair *list = NULL;
	size_t n = 0;
	char key[] = "app", value[] = "shop";

	assert_int_equal(strpair_append(&list, &n, key, value), 0);
	assert_int_equal(strpair_append(&list, &n, "tier", ""), 0);
	key[0] = 'X'; /* the list holds copies */
	value[0] = 'X';
	assert_int_equal(n, 2);
	assert_string_equal(strpair_find(list, n, "app"), "shop");
	assert_string_equal(strpair_find(list, n, "tier"), "");
	assert_null(strpair_find(list, n, "Xpp"));
	assert_null(strpair_find(NULL, 0, "app"));
	strpair_free_all(list, n);
}

static void test_set_replaces_or_appends(void **state)
{
	struct strpair *list = NULL;
	size_t n = 0;

	assert_int_equal(strpair_set(&list, &n, "team", "web"), 0);
	assert_int_equal(strpair_set(&list, &n, "env", "dev"), 0);
	assert_int_equal(strpair_set(&list, &n, "team", "api"), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].key, "team"); /* kept its place */
	assert_string_equal(list[0].value, "api");
	assert_string_equal(list[1].value, "dev");
	strpair_free_all(list, n);
}

static void test_copy_all_is_deep(void **state)
{
	struct strpair src[] = { { "a", "1" }, { "b", "2" } }, *dst = (void *)1;

	assert_int_equal(strpair_copy_all(&dst, src, 2), 0);
	assert_ptr_not_equal(dst[0].key, src[0].key);
	assert_string_equal(dst[1].key, "b");
	assert_string_equal(dst[1].value, "2");
	strpair_free_all(dst, 2);
	assert_int_equal(strpair_copy_all(&dst, src, 0), 0);
	assert_null(dst);
	strpair_free_all(NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_copies_and_find),
		cmocka_unit_test(test_set_replaces_or_appends),
		cmocka_unit_test(test_copy_all_is_deep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

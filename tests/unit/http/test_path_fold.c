// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* --fold-ids: which path segments count as ids, and what never changes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "http/path_fold.h"

static void assert_folds(const char *path, const char *want)
{
	char out[256];

	assert_int_equal(path_fold_ids(path, out, sizeof(out)), strlen(want));
	assert_string_equal(out, want);
}

static void test_ids_fold(void **state)
{
	assert_folds("/users/42", "/users/:id");
	assert_folds("/users/42/orders/7/", "/users/:id/orders/:id/");
	assert_folds("/o/123e4567-e89b-12d3-a456-426614174000/x", "/o/:id/x");
	assert_folds("/blob/9f86d081884c7d659a2feaa0c55ad015", "/blob/:id");
	assert_folds("/0", "/:id");
}

static void test_other_segments_stay(void **state)
{
	assert_folds("/", "/");
	assert_folds("/items", "/items");
	assert_folds("/v2/items", "/v2/items");
	assert_folds("/users/42abc", "/users/42abc");
	assert_folds("/deadbeefcafebabefeed", "/deadbeefcafebabefeed"); /* a word: no digit */
	assert_folds("/abc123", "/abc123");				/* short hex */
	assert_folds("/123e4567-e89b-12d3-a456-42661417400",
		     "/123e4567-e89b-12d3-a456-42661417400");
	assert_folds("//double//42", "//double//:id");
	assert_folds("/caf\xc3\xa9/1", "/caf\xc3\xa9/:id");
}

static void test_small_output_is_cut_at_a_character(void **state)
{
	char out[8];

	assert_int_equal(path_fold_ids("/\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", out, sizeof(out)), 7);
	assert_string_equal(out, "/\xc3\xa9\xc3\xa9\xc3\xa9");
	assert_int_equal(path_fold_ids("/\xc3\xa9\xc3\xa9\xc3\xa9x", out, sizeof(out)), 7);
	/* A placeholder is never cut. */
	assert_int_equal(path_fold_ids("/1/2/3/4", out, sizeof(out)), 5);
	assert_string_equal(out, "/:id/");
	assert_int_equal(path_fold_ids("/x", out, 1), 0);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids_fold),
		cmocka_unit_test(test_other_segments_stay),
		cmocka_unit_test(test_small_output_is_cut_at_a_character),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

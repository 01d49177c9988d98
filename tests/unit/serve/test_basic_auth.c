// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Basic auth as the exporter-toolkit checks it: bcrypt through crypt_r, unknown users cost a
 * bcrypt too, and each (user, password) outcome is cached. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve/basic_auth.h"

/* The toolkit's own test hash: "fakepassword", $2y$, cost 10. */
#define TOOLKIT_HASH "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi"

static char *bcrypt4(const char *password)
{
	struct crypt_data cd = { 0 };
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];

	assert_non_null(crypt_gensalt_rn("$2b$", 4, NULL, 0, salt, sizeof(salt)));
	return strdup(crypt_r(password, salt, &cd));
}

static void test_check_and_cache(void **state)
{
	struct strpair users[2] = { { "alice", bcrypt4("wonderland") }, { "bob", TOOLKIT_HASH } };
	struct basic_auth *a = basic_auth_new(users, 2);

	assert_non_null(a);
	assert_true(basic_auth_enabled(a));
	assert_int_equal(basic_auth_check(a, "alice", "wonderland"), 1);
	assert_int_equal(basic_auth_bcrypt_runs(a), 1);
	/* The second time comes from the cache. */
	assert_int_equal(basic_auth_check(a, "alice", "wonderland"), 1);
	assert_int_equal(basic_auth_bcrypt_runs(a), 1);
	assert_int_equal(basic_auth_check(a, "alice", "Wonderland"), 0);
	assert_int_equal(basic_auth_check(a, "alice", "wonderland "), 0);
	assert_int_equal(basic_auth_check(a, "alice", ""), 0);
	assert_int_equal(basic_auth_bcrypt_runs(a), 4);
	/* Another user's password is not this user's. */
	assert_int_equal(basic_auth_check(a, "bob", "wonderland"), 0);
	assert_int_equal(basic_auth_check(a, "bob", "fakepassword"), 1);
	/* An unknown user costs a bcrypt (the dummy hash) and is refused. */
	assert_int_equal(basic_auth_check(a, "carol", "wonderland"), 0);
	assert_int_equal(basic_auth_bcrypt_runs(a), 7);
	/* Refusals are cached too: a repeated wrong guess costs nothing. */
	assert_int_equal(basic_auth_check(a, "carol", "wonderland"), 0);
	assert_int_equal(basic_auth_bcrypt_runs(a), 7);
	/* No credentials at all. */
	assert_int_equal(basic_auth_check(a, NULL, NULL), 0);
	/* user "ali" + password "ce\0..." must not collide with "alice": the key has a NUL. */
	assert_int_equal(basic_auth_check(a, "alic", "ewonderland"), 0);
	basic_auth_free(a);
	free(users[0].value);
}

/* Past BASIC_AUTH_CACHE_SIZE entries the cache drops some, and answers stay right. */
static void test_cache_full(void **state)
{
	struct strpair user = { "alice", bcrypt4("pw") };
	struct basic_auth *a = basic_auth_new(&user, 1);
	char guess[32];

	assert_non_null(a);
	for (int i = 0; i < BASIC_AUTH_CACHE_SIZE + 50; i++) {
		snprintf(guess, sizeof(guess), "guess%d", i);
		assert_int_equal(basic_auth_check(a, "alice", guess), 0);
	}
	assert_int_equal(basic_auth_bcrypt_runs(a), BASIC_AUTH_CACHE_SIZE + 50);
	assert_int_equal(basic_auth_check(a, "alice", "pw"), 1);
	assert_int_equal(basic_auth_check(a, "alice", "pw"), 1);
	assert_int_equal(basic_auth_bcrypt_runs(a), BASIC_AUTH_CACHE_SIZE + 51);
	basic_auth_free(a);
	free(user.value);
}

static void test_no_users(void **state)
{
	struct basic_auth *a = basic_auth_new(NULL, 0);

	assert_non_null(a);
	assert_false(basic_auth_enabled(a));
	assert_int_equal(basic_auth_check(a, NULL, NULL), 1);
	assert_int_equal(basic_auth_bcrypt_runs(a), 0);
	basic_auth_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_and_cache),
		cmocka_unit_test(test_cache_full),
		cmocka_unit_test(test_no_users),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

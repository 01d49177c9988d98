// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Label selectors as kubectl -l writes them: parsing, errors, and matching. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "config/label_selector.h"

static struct strpair shop_v1[] = {
	{ "app", "shop" },
	{ "version", "v1" },
	{ "tier", "" },
	{ "replicas", "3" },
	{ "app.kubernetes.io/name", "shop" },
};
#define N_SHOP (sizeof(shop_v1) / sizeof(shop_v1[0]))

static int matches(const char *text)
{
	char err[256];
	struct label_selector *s =
		label_selector_parse(text, LABEL_SELECTOR_LABEL_VALUES, err, sizeof(err));
	int m;

	if (!s)
		fail_msg("'%s' did not parse: %s", text, err);
	m = label_selector_matches(s, shop_v1, N_SHOP);
	label_selector_free(s);
	return m;
}

static void test_equality(void **state)
{
	assert_true(matches("app=shop"));
	assert_true(matches("app==shop"));
	assert_true(matches(" app = shop , version=v1 "));
	assert_false(matches("app=cart"));
	assert_true(matches("app!=cart"));
	assert_false(matches("app!=shop"));
	assert_true(matches("missing!=x")); /* absent matches != as in apimachinery */
	assert_false(matches("missing=x"));
	assert_true(matches("tier=")); /* an empty value is a value */
	assert_true(matches("app.kubernetes.io/name=shop"));
}

static void test_sets_and_existence(void **state)
{
	assert_true(matches("app in (shop, cart)"));
	assert_false(matches("app in (cart,db)"));
	assert_true(matches("app notin (cart,db)"));
	assert_false(matches("app notin (shop)"));
	assert_true(matches("missing notin (x)"));
	assert_false(matches("missing in (x)"));
	assert_true(matches("app"));
	assert_false(matches("missing"));
	assert_true(matches("!missing"));
	assert_false(matches("!app"));
	assert_true(matches("app in (shop),version notin (v2),!canary"));
}

static void test_numbers(void **state)
{
	assert_true(matches("replicas>2"));
	assert_false(matches("replicas>3"));
	assert_true(matches("replicas<4"));
	assert_false(matches("app>1")); /* not a number: no match */
	assert_false(matches("missing<9"));
}

static void test_empty_matches_all(void **state)
{
	assert_true(matches(""));
	assert_true(label_selector_matches(NULL, shop_v1, N_SHOP));
}

static void expect_error(const char *text, const char *part)
{
	char err[256] = "";
	struct label_selector *s =
		label_selector_parse(text, LABEL_SELECTOR_LABEL_VALUES, err, sizeof(err));

	if (s)
		fail_msg("'%s' parsed but must not", text);
	assert_int_equal(errno, EINVAL);
	if (!strstr(err, part))
		fail_msg("'%s': message '%s' lacks '%s'", text, err, part);
}

static void test_errors(void **state)
{
	expect_error("app in (a,b", "missing ')'");
	expect_error("app in a", "expected '('");
	expect_error("app=shop,", "nothing after ','");
	expect_error("app shop", "expected =, ==, !=, in, notin");
	expect_error("=shop", "expected a key");
	expect_error("-app=x", "invalid key");
	expect_error("Example.com/app=x", "invalid key"); /* prefixes are lower-case DNS */
	expect_error("app=sh*p", "invalid value");	  /* no globs */
	expect_error("app>x", "whole number");
	expect_error("app in ()", "expected a value");
}

static void test_annotation_values(void **state)
{
	struct strpair pod[] = { { "example.com/owner", "team:payments@corp" } };
	char err[256];
	struct label_selector *s =
		label_selector_parse("example.com/owner=team:payments@corp",
				     LABEL_SELECTOR_ANNOTATION_VALUES, err, sizeof(err));

	assert_non_null(s);
	assert_true(label_selector_matches(s, pod, 1));
	label_selector_free(s);
	assert_null(label_selector_parse("example.com/owner=team:payments@corp",
					 LABEL_SELECTOR_LABEL_VALUES, err, sizeof(err)));
}

static void test_keys_reported(void **state)
{
	char err[256];
	struct label_selector *s = label_selector_parse(
		"app in (a), !canary, tier", LABEL_SELECTOR_LABEL_VALUES, err, sizeof(err));

	assert_non_null(s);
	assert_int_equal(label_selector_key_count(s), 3);
	assert_string_equal(label_selector_key(s, 0), "app");
	assert_string_equal(label_selector_key(s, 1), "canary");
	assert_string_equal(label_selector_key(s, 2), "tier");
	assert_null(label_selector_key(s, 3));
	label_selector_free(s);
}

static void test_key_validity(void **state)
{
	assert_true(kube_label_key_valid("app"));
	assert_true(kube_label_key_valid("app.kubernetes.io/name"));
	assert_true(kube_label_key_valid("a_b-c.d"));
	assert_false(kube_label_key_valid(""));
	assert_false(kube_label_key_valid("app*"));
	assert_false(kube_label_key_valid("/name"));
	assert_false(kube_label_key_valid("a/"));
	assert_false(kube_label_key_valid(
		"a234567890123456789012345678901234567890123456789012345678901234"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equality),      cmocka_unit_test(test_sets_and_existence),
		cmocka_unit_test(test_numbers),	      cmocka_unit_test(test_empty_matches_all),
		cmocka_unit_test(test_errors),	      cmocka_unit_test(test_annotation_values),
		cmocka_unit_test(test_keys_reported), cmocka_unit_test(test_key_validity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * excluded_paths with PCRE2 against Python itself: every (pattern, path) pair of
 * tests/unit/golden/path_filter_cases.txt must match exactly when Python's re.match does
 * (make_path_filter_cases.py wrote the answers).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/path_filter.h"

/* Undoes the golden file's \\ and \n escapes, in place. */
static void unescape(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (*s == '\\' && (s[1] == '\\' || s[1] == 'n')) {
			*out++ = s[1] == 'n' ? '\n' : '\\';
			s++;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

static void test_same_answers_as_python(void **state)
{
	FILE *f = fopen("tests/unit/golden/path_filter_cases.txt", "r");
	char line[1024];
	int cases = 0, matches = 0;

	if (!f)
		fail_msg("cannot open the cases (run from the repository root)");
	while (fgets(line, sizeof(line), f)) {
		char *pattern = strtok(line, "\t"), *path = strtok(NULL, "\t");
		char *want = strtok(NULL, "\t\n");
		const char *patterns[1] = { pattern };
		char err[256];
		struct path_filter *filter;

		assert_non_null(want);
		unescape(path);
		filter = path_filter_new(patterns, 1, err, sizeof(err));
		if (!filter)
			fail_msg("'%s' does not compile: %s", pattern, err);
		if (path_filter_match(filter, path) != atoi(want))
			fail_msg("re.match('%s', '%s') is %s in Python", pattern, path,
				 atoi(want) ? "a match" : "no match");
		path_filter_free(filter);
		cases++;
		matches += atoi(want);
	}
	fclose(f);
	assert_true(cases > 500 && matches > 30); /* the file was really read */
}

static void test_several_patterns_and_errors(void **state)
{
	static const char *const patterns[] = { "/a", "/b$" };
	static const char *const bad[] = { "/x", "(unclosed" };
	struct path_filter *f = path_filter_new(patterns, 2, NULL, 0);
	char err[256];

	assert_non_null(f);
	assert_true(path_filter_match(f, "/abc"));
	assert_true(path_filter_match(f, "/b"));
	assert_false(path_filter_match(f, "/bc"));
	path_filter_free(f);

	assert_null(path_filter_new(bad, 2, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_string_equal(err, "bad regex '(unclosed': missing closing parenthesis at offset 9");
	assert_int_equal(path_filter_check("[z-a]", err, sizeof(err)), -EINVAL);
	assert_int_equal(path_filter_check("/ok/\\d+", err, sizeof(err)), 0);
	/* no patterns: matches nothing */
	f = path_filter_new(NULL, 0, NULL, 0);
	assert_non_null(f);
	assert_false(path_filter_match(f, "/"));
	path_filter_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_answers_as_python),
		cmocka_unit_test(test_several_patterns_and_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Files a unit test writes into its own temporary folder (fake /proc, kubeconfigs, ...). */
#ifndef FEE_TEST_FILES_H
#define FEE_TEST_FILES_H

#include <stdio.h>

/* Writes text to dir/name, failing the test when it cannot. Needs cmocka.h before it. */
static inline void write_test_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	assert_true((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) < sizeof(path));
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

#endif

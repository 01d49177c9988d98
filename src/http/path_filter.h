/*
 * path_filter — the library's `excluded_paths`: Python-style regular expressions (PCRE2)
 * matched the way `re.match` does, anchored at the start of the decoded path but not at
 * its end ("/admin" excludes "/admin/users"). Pure: knows nothing of records or metrics.
 */
#ifndef FEE_PATH_FILTER_H
#define FEE_PATH_FILTER_H

#include <stddef.h>

struct path_filter;

/*
 * Compiles the patterns (UTF-8, Unicode classes as Python's str patterns have them).
 * NULL + errno: EINVAL with "REGEX: MESSAGE at offset N" in err for a bad pattern, ENOMEM.
 * n may be 0 (matches nothing).
 */
struct path_filter *path_filter_new(const char *const *patterns, size_t n, char *err,
				    size_t err_size);
void path_filter_free(struct path_filter *f);

/* Checks that one pattern compiles; 0 or -EINVAL with the message in err. */
int path_filter_check(const char *pattern, char *err, size_t err_size);

/* Whether any pattern matches at the start of path (valid UTF-8, NUL-terminated). */
int path_filter_match(const struct path_filter *f, const char *path);

#endif

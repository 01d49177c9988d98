/* strpair — a heap array of key/value string pairs: static labels, pod labels and
 * annotations, label globs, response headers, users and their hashes. Every pair owns
 * both strings. */
#ifndef FEE_UTIL_STRPAIR_H
#define FEE_UTIL_STRPAIR_H

#include <stddef.h>

struct strpair {
	char *key;
	char *value;
};

/* Appends copies of key and value to (*list)[0..*n). 0, or -ENOMEM (then *n is as before
 * and nothing is leaked). */
int strpair_append(struct strpair **list, size_t *n, const char *key, const char *value);

/* Replaces the value of key if it is there, else appends the pair. 0 or -ENOMEM. */
int strpair_set(struct strpair **list, size_t *n, const char *key, const char *value);

/* The value of the first pair with this key, or NULL. */
const char *strpair_find(const struct strpair *list, size_t n, const char *key);

/* *dst = copies of src[0..n) (NULL when n is 0). 0, or -ENOMEM with *dst NULL. */
int strpair_copy_all(struct strpair **dst, const struct strpair *src, size_t n);

/* Frees both strings of each pair and the array. */
void strpair_free_all(struct strpair *list, size_t n);

#endif

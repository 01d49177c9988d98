/* strlist — a heap array of heap strings, grown one copy at a time. */
#ifndef FEE_UTIL_STRLIST_H
#define FEE_UTIL_STRLIST_H

#include <stddef.h>

/* Appends a copy of s to (*list)[0..*n). 0, or -ENOMEM (then *list and *n are as before,
 * apart from the array's size). */
int strlist_append(char ***list, size_t *n, const char *s);

#endif

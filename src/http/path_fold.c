// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "http/path_fold.h"

#include <string.h>

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return 0;
	return n > 0;
}

/* 8-4-4-4-12 hex digits. */
static int is_uuid(const char *s, size_t n)
{
	if (n != 36)
		return 0;
	for (size_t i = 0; i < n; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : !is_hex(s[i]))
			return 0;
	}
	return 1;
}

/* A hash or hex token: long, hex only, with a digit (so plain words are kept). */
static int is_long_hex(const char *s, size_t n)
{
	int digit = 0;

	if (n < 16)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!is_hex(s[i]))
			return 0;
		digit |= is_digit(s[i]);
	}
	return digit;
}

static int id_like(const char *s, size_t n)
{
	return all_digits(s, n) || is_uuid(s, n) || is_long_hex(s, n);
}

/* Appends n bytes if they fit whole (never splitting a UTF-8 sequence). */
static int append(char *out, size_t size, size_t *len, const char *s, size_t n)
{
	if (*len + n >= size)
		return 0;
	memcpy(out + *len, s, n);
	*len += n;
	return 1;
}

size_t path_fold_ids(const char *path, char *out, size_t size)
{
	size_t len = 0;

	if (size == 0)
		return 0;
	while (*path) {
		const char *end;
		size_t n;

		if (*path == '/') {
			if (!append(out, size, &len, "/", 1))
				break;
			path++;
			continue;
		}
		end = strchr(path, '/');
		n = end ? (size_t)(end - path) : strlen(path);
		if (id_like(path, n)) {
			if (!append(out, size, &len, PATH_FOLD_PLACEHOLDER,
				    sizeof(PATH_FOLD_PLACEHOLDER) - 1))
				break;
		} else if (!append(out, size, &len, path, n)) {
			/* Cut what does not fit at a character boundary. */
			size_t fit = size - 1 - len;

			while (fit > 0 && ((unsigned char)path[fit] & 0xc0) == 0x80)
				fit--;
			append(out, size, &len, path, fit);
			break;
		}
		path += n;
	}
	out[len] = '\0';
	return len;
}

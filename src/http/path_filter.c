// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define PCRE2_CODE_UNIT_WIDTH 8
#include "http/path_filter.h"

#include <errno.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct path_filter {
	pcre2_code **codes;
	size_t n;
	pcre2_match_data *match; /* shared: the daemon matches from one thread */
};

/*
 * Python's \Z is the very end of the string, PCRE2's \z (PCRE2's \Z also matches before
 * a final newline). Everything else is copied; out has room for strlen(pattern) + 1.
 */
static void python_to_pcre2(const char *pattern, char *out)
{
	for (; *pattern; pattern++) {
		*out++ = *pattern;
		if (*pattern == '\\' && pattern[1]) {
			pattern++;
			*out++ = *pattern == 'Z' ? 'z' : *pattern;
		}
	}
	*out = '\0';
}

/*
 * re.match: anchored at the start only. PCRE2_UCP gives \w, \d, \s, \b their Unicode
 * meaning, as Python 3 str patterns have by default; PCRE2_ALT_BSUX reads \uhhhh and \xhh
 * as Python does.
 */
static pcre2_code *compile(const char *pattern, char *err, size_t err_size)
{
	PCRE2_UCHAR msg[160];
	PCRE2_SIZE offset = 0;
	pcre2_code *re = NULL;
	char *translated = malloc(strlen(pattern) + 1);
	int code = PCRE2_ERROR_NOMEMORY;

	if (translated) {
		python_to_pcre2(pattern, translated);
		re = pcre2_compile((PCRE2_SPTR)translated, PCRE2_ZERO_TERMINATED,
				   PCRE2_ANCHORED | PCRE2_UTF | PCRE2_UCP | PCRE2_ALT_BSUX, &code,
				   &offset, NULL);
		free(translated);
	}
	if (!re && err) {
		pcre2_get_error_message(code, msg, sizeof(msg));
		snprintf(err, err_size, "bad regex '%s': %s at offset %zu", pattern, (char *)msg,
			 (size_t)offset);
	}
	return re;
}

int path_filter_check(const char *pattern, char *err, size_t err_size)
{
	pcre2_code *re = compile(pattern, err, err_size);

	if (!re)
		return -EINVAL;
	pcre2_code_free(re);
	return 0;
}

void path_filter_free(struct path_filter *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		pcre2_code_free(f->codes[i]);
	free(f->codes);
	pcre2_match_data_free(f->match);
	free(f);
}

struct path_filter *path_filter_new(const char *const *patterns, size_t n, char *err,
				    size_t err_size)
{
	struct path_filter *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->codes = calloc(n ? n : 1, sizeof(*f->codes));
	f->match = pcre2_match_data_create(1, NULL);
	if (!f->codes || !f->match) {
		path_filter_free(f);
		errno = ENOMEM;
		return NULL;
	}
	for (; f->n < n; f->n++) {
		f->codes[f->n] = compile(patterns[f->n], err, err_size);
		if (!f->codes[f->n]) {
			path_filter_free(f);
			errno = EINVAL;
			return NULL;
		}
	}
	return f;
}

int path_filter_match(const struct path_filter *f, const char *path)
{
	for (size_t i = 0; f && i < f->n; i++)
		if (pcre2_match(f->codes[i], (PCRE2_SPTR)path, PCRE2_ZERO_TERMINATED, 0, 0,
				f->match, NULL) >= 0)
			return 1;
	return 0;
}

/* strbuf — a growable, always NUL-terminated byte buffer for building text. */
#ifndef FEE_STRBUF_H
#define FEE_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *buf;  /* NUL-terminated; NULL until the first append */
	size_t len; /* bytes used, not counting the NUL */
	size_t cap; /* bytes allocated */
	int failed; /* set once an allocation failed; later appends are no-ops */
};

#define STRBUF_INIT                                                                                \
	{                                                                                          \
		NULL, 0, 0, 0                                                                      \
	}

/* Appends return 0, or -ENOMEM (and set sb->failed) when memory runs out. */
int strbuf_append(struct strbuf *sb, const char *data, size_t len);
int strbuf_puts(struct strbuf *sb, const char *s);
int strbuf_putc(struct strbuf *sb, char c);
int strbuf_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Forget the content but keep the allocation. */
void strbuf_reset(struct strbuf *sb);
/* Hand the buffer to the caller (who frees it) and reset sb to empty. */
char *strbuf_detach(struct strbuf *sb, size_t *len);
void strbuf_release(struct strbuf *sb);

#endif

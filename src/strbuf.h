/*
 * strbuf.h - a growable string, for rendering and messages.
 *
 * Once grown, a strbuf is reused without allocating: sb_reset() keeps the
 * buffer.  Allocation failure is sticky (sb->failed) and checked once at the
 * end, so rendering code need not test every append.
 */
#ifndef SGREACH_STRBUF_H
#define SGREACH_STRBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

struct strbuf {
	char *s;
	size_t len;
	size_t cap;
	int failed;
};

void sb_init(struct strbuf *sb);
void sb_free(struct strbuf *sb);
void sb_reset(struct strbuf *sb);
/* The append that does not fit: grows the buffer, or sets failed. */
void sb_putn_slow(struct strbuf *sb, const char *s, size_t n);

/* The appends are inline: rendering a verdict makes about a hundred of
 * them, mostly of string literals whose length the compiler then knows. */
static inline void sb_putn(struct strbuf *sb, const char *s, size_t n)
{
	if (sb->len + n >= sb->cap) {
		sb_putn_slow(sb, s, n);
		return;
	}
	memcpy(sb->s + sb->len, s, n);
	sb->len += n;
	sb->s[sb->len] = '\0';
}

/* Appends the first n (< 16) bytes of s16, which holds 16 readable bytes:
 * a copy of known size, for short pieces made once and written often. */
static inline void sb_put16(struct strbuf *sb, const char *s16, size_t n)
{
	if (sb->len + 16 >= sb->cap) {
		sb_putn_slow(sb, s16, n);
		return;
	}
	memcpy(sb->s + sb->len, s16, 16);
	sb->len += n;
	sb->s[sb->len] = '\0';
}

static inline void sb_putc(struct strbuf *sb, char c)
{
	sb_putn(sb, &c, 1);
}

static inline void sb_puts(struct strbuf *sb, const char *s)
{
	sb_putn(sb, s, strlen(s));
}
void sb_printf(struct strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends a decimal integer (no printf: this is on the batch path). */
void sb_int(struct strbuf *sb, long v);
/* Appends s as a JSON string literal with quotes ("null" for NULL). */
void sb_json_str(struct strbuf *sb, const char *s);
/* Appends s for a terminal: control characters, DEL and invalid bytes are
 * written as \xNN so input data cannot inject escape sequences. */
void sb_text(struct strbuf *sb, const char *s);
/* sb_text() of a string (not NULL) that goes between quote characters:
 * each quote in it is doubled (CSV, RFC 4180); quote 0 doubles nothing. */
void sb_text_quoted(struct strbuf *sb, const char *s, char quote);
/* Copies src to dst (size bytes, always terminated) with control
 * characters, DEL and C1 controls written as \xNN: for messages that quote
 * input and end up on a terminal. */
void text_scrub(char *dst, size_t size, const char *src);
/* Returns the NUL-terminated text, or NULL if an allocation failed. */
const char *sb_str(struct strbuf *sb);

#endif

/*
 * json_msg.h - building the messages of the strict JSON layer, shared by
 * the raw-text scanner (json_scan.c) and the typed getters (json.c).
 *
 * Messages go to the caller's buffer and never allocate.  Values quoted in
 * them are escaped down to printable ASCII, and a finished message is
 * scrubbed of control characters, so that a hostile document or file name
 * cannot drive the user's terminal.
 */
#ifndef SGREACH_IMPORT_JSON_MSG_H
#define SGREACH_IMPORT_JSON_MSG_H

#include <stdarg.h>
#include <stddef.h>

#include "import/json.h"

/* Keys and strings longer than this are cut short in messages. */
#define SHOW_MAX 80

/* A bounded writer into the caller's message buffer: like snprintf, it
 * counts what would have been written and always NUL-terminates. */
struct sink {
	char *buf;
	size_t size;
	size_t len;
};

void sink_init(struct sink *s, char *buf, size_t size);
void sink_put(struct sink *s, const char *p, size_t n);
void sink_puts(struct sink *s, const char *str);
void sink_putc(struct sink *s, char c);
void sink_vprintf(struct sink *s, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
void sink_printf(struct sink *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Writes n bytes as a double-quoted string in printable ASCII, cut after
 * SHOW_MAX bytes of input (then followed by "..."). */
void sink_quoted(struct sink *s, const char *str, size_t n);

/* Writes a path: "$", "$.a[3].b", "$[\"odd key\"]". */
void sink_path(struct sink *s, const struct jpath *p);

/* Replaces, in the finished message, every byte a terminal could take as a
 * control with '?'. */
void sink_scrub(struct sink *s);

/* Starts r's message with "FILE: ", then "PATH: " when at is not NULL (key,
 * if not NULL, is one more step).  Returns 0 when r is NULL (nothing to
 * write), 1 otherwise. */
int sink_begin(struct jreader *r, struct sink *s, const struct jpath *at,
	       const char *key);

/* Writes r's file name ("<buffer>" when it has none). */
void sink_file(struct sink *s, const struct jreader *r);

/*
 * Decodes one UTF-8 sequence of at most n bytes at p.  Returns its length
 * and the code point, or 0 when the bytes are not valid UTF-8 (overlong,
 * surrogate, above U+10FFFF, truncated, stray continuation byte).
 */
size_t json_utf8_decode(const unsigned char *p, size_t n, unsigned long *cp);

#endif /* SGREACH_IMPORT_JSON_MSG_H */

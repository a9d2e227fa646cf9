/*
 * json_msg.c - messages of the strict JSON layer (see json_msg.h): a
 * bounded writer, quoting, JSON paths, and the "FILE: PATH: ..." frame.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "import/json_msg.h"

void sink_init(struct sink *s, char *buf, size_t size)
{
	s->buf = size ? buf : NULL;
	s->size = buf ? size : 0;
	s->len = 0;
	if (s->size)
		s->buf[0] = '\0';
}

static size_t sink_pos(const struct sink *s)
{
	return s->len < s->size ? s->len : s->size - 1;
}

void sink_put(struct sink *s, const char *p, size_t n)
{
	if (s->size) {
		size_t at = sink_pos(s);
		size_t room = s->size - 1 - at;
		size_t k = n < room ? n : room;

		memcpy(s->buf + at, p, k);
		s->buf[at + k] = '\0';
	}
	s->len += n;
}

void sink_puts(struct sink *s, const char *str)
{
	sink_put(s, str, strlen(str));
}

void sink_putc(struct sink *s, char c)
{
	sink_put(s, &c, 1);
}

void sink_vprintf(struct sink *s, const char *fmt, va_list ap)
{
	int n;

	if (s->size) {
		size_t at = sink_pos(s);

		n = vsnprintf(s->buf + at, s->size - at, fmt, ap);
	} else {
		n = vsnprintf(NULL, 0, fmt, ap);
	}
	if (n > 0)
		s->len += (size_t)n;
}

void sink_printf(struct sink *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sink_vprintf(s, fmt, ap);
	va_end(ap);
}

size_t json_utf8_decode(const unsigned char *p, size_t n, unsigned long *cp)
{
	unsigned char c = p[0];
	unsigned char lo = 0x80, hi = 0xBF;
	size_t need, i;
	unsigned long v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		need = 1;
		v = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 2;
		v = c & 0x0F;
		if (c == 0xE0)
			lo = 0xA0; /* below: overlong */
		else if (c == 0xED)
			hi = 0x9F; /* above: UTF-16 surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3;
		v = c & 0x07;
		if (c == 0xF0)
			lo = 0x90; /* below: overlong */
		else if (c == 0xF4)
			hi = 0x8F; /* above: beyond U+10FFFF */
	} else {
		return 0;
	}
	if (n < need + 1)
		return 0;
	for (i = 1; i <= need; i++) {
		unsigned char b = p[i];

		if (b < (i == 1 ? lo : 0x80) || b > (i == 1 ? hi : 0xBF))
			return 0;
		v = v << 6 | (b & 0x3F);
	}
	*cp = v;
	return need + 1;
}

/*
 * JSON escapes for quotes, backslashes and control characters, \uXXXX for
 * everything outside ASCII (a surrogate pair above U+FFFF), \xNN for bytes
 * that are not UTF-8.  Input is cut at a character boundary.
 */
void sink_quoted(struct sink *s, const char *str, size_t n)
{
	const unsigned char *p = (const unsigned char *)str;
	size_t i = 0;

	sink_putc(s, '"');
	while (i < n) {
		unsigned long cp;
		size_t k = json_utf8_decode(p + i, n - i, &cp);

		if (i + (k ? k : 1) > SHOW_MAX)
			break;
		if (!k) {
			sink_printf(s, "\\x%02X", p[i]);
			i++;
			continue;
		}
		i += k;
		switch (cp) {
		case '"':
			sink_puts(s, "\\\"");
			break;
		case '\\':
			sink_puts(s, "\\\\");
			break;
		case '\n':
			sink_puts(s, "\\n");
			break;
		case '\r':
			sink_puts(s, "\\r");
			break;
		case '\t':
			sink_puts(s, "\\t");
			break;
		default:
			if (cp >= 0x20 && cp < 0x7F)
				sink_putc(s, (char)cp);
			else if (cp < 0x10000)
				sink_printf(s, "\\u%04lX", cp);
			else
				sink_printf(s, "\\u%04lX\\u%04lX",
					    0xD800 + ((cp - 0x10000) >> 10),
					    0xDC00 + ((cp - 0x10000) & 0x3FF));
		}
	}
	sink_putc(s, '"');
	if (i < n)
		sink_puts(s, "...");
}

/* C0, DEL, and C1 controls encoded in UTF-8. */
void sink_scrub(struct sink *s)
{
	unsigned char *p;

	if (!s->size)
		return;
	for (p = (unsigned char *)s->buf; *p; p++) {
		if (*p < 0x20 || *p == 0x7F) {
			*p = '?';
		} else if (*p == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) {
			p[0] = '?';
			p[1] = '?';
			p++;
		}
	}
}

static int is_identifier(const char *k)
{
	size_t i;

	if (!((*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') ||
	      *k == '_'))
		return 0;
	for (i = 1; k[i]; i++) {
		char c = k[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '_'))
			return 0;
	}
	return i <= SHOW_MAX;
}

/* A frame with neither parent nor key is the root. */
static int is_root(const struct jpath *p)
{
	return !p->up && !p->key;
}

void sink_path(struct sink *s, const struct jpath *p)
{
	const struct jpath *f;
	size_t n = 0, i, j;

	for (f = p; f && !is_root(f); f = f->up)
		n++;
	sink_putc(s, '$');
	/* Frames link child to parent; walk up anew for each step rather
	 * than keep a stack, since paths are short and this is the error
	 * path. */
	for (i = n; i-- > 0;) {
		for (f = p, j = 0; j < i; j++)
			f = f->up;
		if (!f->key) {
			sink_printf(s, "[%zu]", f->index);
		} else if (is_identifier(f->key)) {
			sink_putc(s, '.');
			sink_puts(s, f->key);
		} else {
			sink_putc(s, '[');
			sink_quoted(s, f->key, strlen(f->key));
			sink_putc(s, ']');
		}
	}
}

char *json_path_format(const struct jpath *p, char *buf, size_t size)
{
	struct sink s;

	sink_init(&s, buf, size);
	sink_path(&s, p);
	return buf;
}

void sink_file(struct sink *s, const struct jreader *r)
{
	sink_puts(s, r->file ? r->file : "<buffer>");
}

int sink_begin(struct jreader *r, struct sink *s, const struct jpath *at,
	       const char *key)
{
	if (!r)
		return 0;
	sink_init(s, r->err, r->errsize);
	sink_file(s, r);
	sink_puts(s, ": ");
	if (at) {
		struct jpath k = JPATH_KEY(at, key);

		sink_path(s, key ? &k : at);
		sink_puts(s, ": ");
	}
	return 1;
}

int json_fail(struct jreader *r, const struct jpath *at, const char *key,
	      const char *fmt, ...)
{
	struct sink s;
	va_list ap;

	if (!sink_begin(r, &s, at, key))
		return -EINVAL;
	va_start(ap, fmt);
	sink_vprintf(&s, fmt, ap);
	va_end(ap);
	sink_scrub(&s);
	return -EINVAL;
}

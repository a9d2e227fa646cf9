/*
 * json.c - strict JSON reading on top of cJSON (see json.h).
 *
 * A document is checked in two passes over the raw bytes before cJSON sees
 * it: first as text (UTF-8 without NUL bytes), then against the JSON
 * grammar with an explicit stack.  The grammar pass is what gives messages
 * a line, a column and a cheap explanation, enforces JSON_MAX_DEPTH before
 * cJSON's recursive descent could go 1000 deep, rejects \u0000, unpaired
 * surrogates and raw control characters (which cJSON accepts), and makes
 * cJSON's own failure path (which writes a global error pointer) unreachable
 * except for lack of memory.  cJSON then only builds the tree, from a
 * NUL-terminated copy so that nothing ever reads past the caller's buffer.
 *
 * Nothing here writes global state; messages go to the caller's buffer and
 * never allocate.  Values quoted in messages are escaped down to printable
 * ASCII, and the finished message is scrubbed of control characters, so a
 * hostile document or file name cannot drive the user's terminal.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/json.h"

/* Keys and strings longer than this are cut short in messages. */
#define SHOW_MAX 80

/* The longest number cJSON 1.7 reads whole (its buffer is 64 bytes); longer
 * numbers would be split silently, so the grammar pass refuses them. */
#define NUMBER_MAX 63

/* Bytes kept of each key when naming the path of a too-deep value: enough
 * to show SHOW_MAX of it and to know that it was cut. */
#define KEYBUF (SHOW_MAX + 8)

/* ------------------------------------------------------------ messages -- */

/* A bounded writer into the caller's message buffer: like snprintf, it
 * counts what would have been written and always NUL-terminates. */
struct sink {
	char *buf;
	size_t size;
	size_t len;
};

static void sink_init(struct sink *s, char *buf, size_t size)
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

static void put(struct sink *s, const char *p, size_t n)
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

static void puts_(struct sink *s, const char *str)
{
	put(s, str, strlen(str));
}

static void putc_(struct sink *s, char c)
{
	put(s, &c, 1);
}

__attribute__((format(printf, 2, 0))) static void
putv(struct sink *s, const char *fmt, va_list ap)
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

__attribute__((format(printf, 2, 3))) static void putf(struct sink *s,
						       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	putv(s, fmt, ap);
	va_end(ap);
}

/*
 * Decodes one UTF-8 sequence of at most n bytes at p.  Returns its length
 * and the code point, or 0 when the bytes are not valid UTF-8 (overlong,
 * surrogate, above U+10FFFF, truncated, stray continuation byte).
 */
static size_t utf8_decode(const unsigned char *p, size_t n, unsigned long *cp)
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
 * Writes n bytes as a double-quoted string in printable ASCII: JSON escapes
 * for quotes, backslashes and control characters, \uXXXX for everything
 * outside ASCII (a surrogate pair above U+FFFF), \xNN for bytes that are not
 * UTF-8.  Input beyond SHOW_MAX bytes is cut at a character boundary and
 * the closing quote is followed by "...".
 */
static void put_quoted(struct sink *s, const char *str, size_t n)
{
	const unsigned char *p = (const unsigned char *)str;
	size_t i = 0;

	putc_(s, '"');
	while (i < n) {
		unsigned long cp;
		size_t k = utf8_decode(p + i, n - i, &cp);

		if (i + (k ? k : 1) > SHOW_MAX)
			break;
		if (!k) {
			putf(s, "\\x%02X", p[i]);
			i++;
			continue;
		}
		i += k;
		switch (cp) {
		case '"':
			puts_(s, "\\\"");
			break;
		case '\\':
			puts_(s, "\\\\");
			break;
		case '\n':
			puts_(s, "\\n");
			break;
		case '\r':
			puts_(s, "\\r");
			break;
		case '\t':
			puts_(s, "\\t");
			break;
		default:
			if (cp >= 0x20 && cp < 0x7F)
				putc_(s, (char)cp);
			else if (cp < 0x10000)
				putf(s, "\\u%04lX", cp);
			else
				putf(s, "\\u%04lX\\u%04lX",
				     0xD800 + ((cp - 0x10000) >> 10),
				     0xDC00 + ((cp - 0x10000) & 0x3FF));
		}
	}
	putc_(s, '"');
	if (i < n)
		puts_(s, "...");
}

/* Replaces, in the finished message, every byte a terminal could take as a
 * control (C0, DEL, and C1 controls encoded in UTF-8) with '?'. */
static void scrub(struct sink *s)
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

static void put_path(struct sink *s, const struct jpath *p)
{
	const struct jpath *f;
	size_t n = 0, i, j;

	for (f = p; f && !is_root(f); f = f->up)
		n++;
	putc_(s, '$');
	/* Frames link child to parent; walk up anew for each step rather
	 * than keep a stack, since paths are short and this is the error
	 * path. */
	for (i = n; i-- > 0;) {
		for (f = p, j = 0; j < i; j++)
			f = f->up;
		if (!f->key) {
			putf(s, "[%zu]", f->index);
		} else if (is_identifier(f->key)) {
			putc_(s, '.');
			puts_(s, f->key);
		} else {
			putc_(s, '[');
			put_quoted(s, f->key, strlen(f->key));
			putc_(s, ']');
		}
	}
}

char *json_path_format(const struct jpath *p, char *buf, size_t size)
{
	struct sink s;

	sink_init(&s, buf, size);
	put_path(&s, p);
	return buf;
}

static void put_file(struct sink *s, const struct jreader *r)
{
	puts_(s, r->file ? r->file : "<buffer>");
}

/* Starts "FILE: PATH: " (at may be NULL; key is one more step). */
static int begin(struct jreader *r, struct sink *s, const struct jpath *at,
		 const char *key)
{
	if (!r)
		return 0;
	sink_init(s, r->err, r->errsize);
	put_file(s, r);
	puts_(s, ": ");
	if (at) {
		struct jpath k = JPATH_KEY(at, key);

		put_path(s, key ? &k : at);
		puts_(s, ": ");
	}
	return 1;
}

int json_fail(struct jreader *r, const struct jpath *at, const char *key,
	      const char *fmt, ...)
{
	struct sink s;
	va_list ap;

	if (!begin(r, &s, at, key))
		return -EINVAL;
	va_start(ap, fmt);
	putv(&s, fmt, ap);
	va_end(ap);
	scrub(&s);
	return -EINVAL;
}

const char *json_type_name(const cJSON *v)
{
	if (!v)
		return "nothing";
	switch (v->type & 0xFF) {
	case cJSON_False:
	case cJSON_True:
		return "a boolean";
	case cJSON_NULL:
		return "null";
	case cJSON_Number:
		return "a number";
	case cJSON_String:
		return "a string";
	case cJSON_Array:
		return "an array";
	case cJSON_Object:
		return "an object";
	case cJSON_Raw:
		return "raw JSON";
	default:
		return "an invalid value";
	}
}

/* Writes the shortest "%g" form that reads back as the same double. */
static void put_number(struct sink *s, double d)
{
	char tmp[40];
	int prec;

	if (!isfinite(d)) {
		puts_(s, isnan(d) ? "not a number (NaN)"
				  : "a number too large for a double");
		return;
	}
	for (prec = 15; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
	puts_(s, tmp);
}

/* Describes a value for "got ...": its type, and the value itself for
 * scalars. */
static void put_value(struct sink *s, const cJSON *v)
{
	if (!v) {
		puts_(s, "nothing");
		return;
	}
	switch (v->type & 0xFF) {
	case cJSON_False:
		puts_(s, "false");
		break;
	case cJSON_True:
		puts_(s, "true");
		break;
	case cJSON_Number:
		put_number(s, v->valuedouble);
		break;
	case cJSON_String:
		puts_(s, "a string ");
		if (v->valuestring)
			put_quoted(s, v->valuestring, strlen(v->valuestring));
		else
			puts_(s, "(none)");
		break;
	default:
		puts_(s, json_type_name(v));
	}
}

/* "FILE: PATH: expected WHAT, got VALUE". */
static int fail_expected(struct jreader *r, const struct jpath *at,
			 const char *key, const char *what, const cJSON *got)
{
	struct sink s;

	if (!begin(r, &s, at, key))
		return -EINVAL;
	puts_(&s, "expected ");
	puts_(&s, what);
	puts_(&s, ", got ");
	put_value(&s, got);
	scrub(&s);
	return -EINVAL;
}

static int fail_int(struct jreader *r, const struct jpath *at, const char *key,
		    long lo, long hi, const char *also, const cJSON *got)
{
	struct sink s;

	if (!begin(r, &s, at, key))
		return -EINVAL;
	putf(&s, "expected an integer from %ld to %ld%s, got ", lo, hi, also);
	put_value(&s, got);
	scrub(&s);
	return -EINVAL;
}

static int fail_missing(struct jreader *r, const struct jpath *at,
			const char *key, const char *what)
{
	return json_fail(r, at, key, "required but missing (expected %s)",
			 what);
}

/* ------------------------------------------------------- raw-text pass -- */

struct scan {
	struct jreader *r;
	const unsigned char *s;
	size_t len;
	size_t base; /* line 1, column 1 (after a BOM) */
	size_t pos;
	size_t depth;
	size_t value_end; /* end of the top-level value */
	struct sframe {
		int obj;
		size_t open;	    /* offset of its bracket */
		size_t index;	    /* arrays: current element */
		size_t key, keylen; /* objects: raw text of the key */
	} st[JSON_MAX_DEPTH];
};

/* Columns count characters, not bytes, so they match what an editor
 * shows; a tab is one column. */
static void linecol(const struct scan *sc, size_t pos, size_t *line,
		    size_t *col)
{
	size_t i, start = sc->base, l = 1, c = 1;

	for (i = sc->base; i < pos; i++) {
		if (sc->s[i] == '\n') {
			l++;
			start = i + 1;
		}
	}
	for (i = start; i < pos; i++)
		if ((sc->s[i] & 0xC0) != 0x80)
			c++;
	*line = l;
	*col = c;
}

/* Starts "FILE:LINE:COL: " for an error at byte pos. */
static int begin_at(struct scan *sc, struct sink *s, size_t pos)
{
	size_t line, col;

	if (!sc->r)
		return 0;
	sink_init(s, sc->r->err, sc->r->errsize);
	put_file(s, sc->r);
	linecol(sc, pos, &line, &col);
	putf(s, ":%zu:%zu: ", line, col);
	return 1;
}

__attribute__((format(printf, 3, 4))) static int
syntax_fail(struct scan *sc, size_t pos, const char *fmt, ...)
{
	struct sink s;
	va_list ap;

	if (!begin_at(sc, &s, pos))
		return -EINVAL;
	puts_(&s, "invalid JSON: ");
	va_start(ap, fmt);
	putv(&s, fmt, ap);
	va_end(ap);
	scrub(&s);
	return -EINVAL;
}

/* Describes the character at pos for "got ...". */
static void put_char_at(struct sink *s, const struct scan *sc, size_t pos)
{
	unsigned long cp;

	if (pos >= sc->len) {
		puts_(s, "end of input");
		return;
	}
	if (!utf8_decode(sc->s + pos, sc->len - pos, &cp)) {
		putf(s, "byte 0x%02X", sc->s[pos]);
		return;
	}
	if (cp > 0x20 && cp < 0x7F && cp != '\'')
		putf(s, "'%c'", (char)cp);
	else
		putf(s, "U+%04lX", cp);
}

/* "FILE:L:C: invalid JSON: WHAT, got CHAR" for the character at pos. */
static int fail_got(struct scan *sc, size_t pos, const char *what)
{
	struct sink s;

	if (!begin_at(sc, &s, pos))
		return -EINVAL;
	puts_(&s, "invalid JSON: ");
	puts_(&s, what);
	puts_(&s, ", got ");
	put_char_at(&s, sc, pos);
	scrub(&s);
	return -EINVAL;
}

/* First pass: the document must be UTF-8 text without NUL bytes. */
static int check_text(struct scan *sc)
{
	const unsigned char *s = sc->s;
	size_t i = sc->base, n = sc->len;

	while (i < n) {
		unsigned long cp;
		size_t k;
		unsigned char c = s[i];
		const char *why;
		struct sink o;

		if (c >= 0x01 && c < 0x80) {
			i++;
			continue;
		}
		if (c == 0)
			return syntax_fail(sc, i, "NUL byte (offset %zu)", i);
		k = utf8_decode(s + i, n - i, &cp);
		if (k) {
			i += k;
			continue;
		}
		if (c >= 0x80 && c <= 0xBF)
			why = "unexpected continuation byte";
		else if (c == 0xC0 || c == 0xC1 ||
			 (c == 0xE0 && i + 1 < n && s[i + 1] < 0xA0 &&
			  s[i + 1] >= 0x80) ||
			 (c == 0xF0 && i + 1 < n && s[i + 1] < 0x90 &&
			  s[i + 1] >= 0x80))
			why = "overlong encoding at byte";
		else if (c == 0xED && i + 1 < n && s[i + 1] >= 0xA0 &&
			 s[i + 1] <= 0xBF)
			why = "UTF-16 surrogate encoded at byte";
		else if ((c == 0xF4 && i + 1 < n && s[i + 1] >= 0x90 &&
			  s[i + 1] <= 0xBF) ||
			 (c >= 0xF5 && c <= 0xF7))
			why = "code point above U+10FFFF at byte";
		else if (c >= 0xF8)
			why = "invalid byte";
		else
			why = "truncated sequence at byte";
		if (!begin_at(sc, &o, i))
			return -EINVAL;
		putf(&o, "invalid UTF-8: %s 0x%02X (offset %zu)", why, c, i);
		scrub(&o);
		return -EINVAL;
	}
	return 0;
}

static void skip_ws(struct scan *sc)
{
	while (sc->pos < sc->len) {
		unsigned char c = sc->s[sc->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		sc->pos++;
	}
}

static int hex4(const unsigned char *p, size_t avail, unsigned *out)
{
	unsigned v = 0;
	size_t i;

	if (avail < 4)
		return 0;
	for (i = 0; i < 4; i++) {
		unsigned char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return 0;
	}
	*out = v;
	return 1;
}

/* A string at sc->pos (its opening quote); leaves pos after it. */
static int scan_string(struct scan *sc)
{
	const unsigned char *s = sc->s;
	size_t start = sc->pos, pos = sc->pos + 1, n = sc->len;

	for (;;) {
		unsigned char c;
		unsigned u, u2;
		size_t esc;

		while (pos < n && s[pos] != '"' && s[pos] != '\\' &&
		       s[pos] >= 0x20)
			pos++;
		if (pos >= n)
			return syntax_fail(sc, start, "unterminated string");
		c = s[pos];
		if (c == '"')
			break;
		if (c < 0x20)
			return syntax_fail(
			    sc, pos,
			    "unescaped control character U+%04X in a "
			    "string%s",
			    c, c == '\n' ? " (missing closing quote?)" : "");
		esc = pos++;
		if (pos >= n)
			return syntax_fail(sc, start, "unterminated string");
		switch (s[pos]) {
		case '"':
		case '\\':
		case '/':
		case 'b':
		case 'f':
		case 'n':
		case 'r':
		case 't':
			pos++;
			continue;
		case 'u':
			break;
		default: {
			struct sink o;

			if (!begin_at(sc, &o, esc))
				return -EINVAL;
			puts_(&o, "invalid JSON: invalid escape: expected one "
				  "of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u "
				  "after '\\', got ");
			put_char_at(&o, sc, pos);
			scrub(&o);
			return -EINVAL;
		}
		}
		if (!hex4(s + pos + 1, n - pos - 1, &u))
			return syntax_fail(sc, esc,
					   "invalid \\u escape: expected four "
					   "hex digits");
		pos += 5;
		/* cJSON would end the string at the NUL: whatever followed
		 * would be silently lost. */
		if (u == 0)
			return syntax_fail(
			    sc, esc, "\\u0000 is not allowed in a string");
		if (u >= 0xDC00 && u <= 0xDFFF)
			return syntax_fail(
			    sc, esc, "unpaired UTF-16 surrogate \\u%04X", u);
		if (u >= 0xD800 && u <= 0xDBFF) {
			if (pos + 1 >= n || s[pos] != '\\' ||
			    s[pos + 1] != 'u' ||
			    !hex4(s + pos + 2, n - pos - 2, &u2) ||
			    u2 < 0xDC00 || u2 > 0xDFFF)
				return syntax_fail(
				    sc, esc,
				    "unpaired UTF-16 surrogate \\u%04X", u);
			pos += 6;
		}
	}
	sc->pos = pos + 1;
	return 0;
}

static int is_digit(const struct scan *sc, size_t pos)
{
	return pos < sc->len && sc->s[pos] >= '0' && sc->s[pos] <= '9';
}

/* RFC 8259: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static int scan_number(struct scan *sc)
{
	size_t start = sc->pos, pos = sc->pos;

	if (sc->s[pos] == '-')
		pos++;
	if (!is_digit(sc, pos))
		return fail_got(sc, pos,
				"invalid number: expected a digit after '-'");
	if (sc->s[pos] == '0') {
		pos++;
		if (is_digit(sc, pos))
			return syntax_fail(sc, start,
					   "invalid number: leading zeros are "
					   "not allowed");
	} else {
		while (is_digit(sc, pos))
			pos++;
	}
	if (pos < sc->len && sc->s[pos] == '.') {
		pos++;
		if (!is_digit(sc, pos))
			return fail_got(sc, pos,
					"invalid number: expected a digit "
					"after '.'");
		while (is_digit(sc, pos))
			pos++;
	}
	if (pos < sc->len && (sc->s[pos] == 'e' || sc->s[pos] == 'E')) {
		pos++;
		if (pos < sc->len && (sc->s[pos] == '+' || sc->s[pos] == '-'))
			pos++;
		if (!is_digit(sc, pos))
			return fail_got(sc, pos,
					"invalid number: expected a digit in "
					"the exponent");
		while (is_digit(sc, pos))
			pos++;
	}
	if (pos - start > NUMBER_MAX)
		return syntax_fail(
		    sc, start, "number longer than %d characters", NUMBER_MAX);
	sc->pos = pos;
	return 0;
}

static int scan_literal(struct scan *sc)
{
	static const char *const words[] = {"true", "false", "null"};
	size_t i;

	for (i = 0; i < 3; i++) {
		size_t n = strlen(words[i]);

		if (sc->len - sc->pos >= n &&
		    !memcmp(sc->s + sc->pos, words[i], n)) {
			sc->pos += n;
			return 0;
		}
	}
	return syntax_fail(sc, sc->pos,
			   "invalid literal: expected true, false or null");
}

/* An object member's key and colon; pos is at the key (after spaces). */
static int scan_key(struct scan *sc)
{
	struct sframe *f = &sc->st[sc->depth - 1];
	int rc;

	skip_ws(sc);
	if (sc->pos >= sc->len || sc->s[sc->pos] != '"')
		return fail_got(sc, sc->pos, "expected a string key");
	f->key = sc->pos + 1;
	rc = scan_string(sc);
	if (rc)
		return rc;
	f->keylen = sc->pos - 1 - f->key;
	skip_ws(sc);
	if (sc->pos >= sc->len || sc->s[sc->pos] != ':')
		return fail_got(sc, sc->pos, "expected ':' after the key");
	sc->pos++;
	return 0;
}

/*
 * Decodes the raw text of a key (already checked by scan_string) into out,
 * keeping at most size - 1 bytes: enough for messages, which cut keys at
 * SHOW_MAX anyway.
 */
static void decode_key(const unsigned char *p, size_t n, char *out, size_t size)
{
	size_t i = 0, o = 0;

	while (i < n && o + 4 < size) {
		unsigned long cp;
		unsigned u, u2;

		if (p[i] != '\\') {
			out[o++] = (char)p[i++];
			continue;
		}
		switch (p[i + 1]) {
		case 'b':
			cp = '\b';
			break;
		case 'f':
			cp = '\f';
			break;
		case 'n':
			cp = '\n';
			break;
		case 'r':
			cp = '\r';
			break;
		case 't':
			cp = '\t';
			break;
		case 'u':
			hex4(p + i + 2, 4, &u);
			cp = u;
			if (u >= 0xD800 && u <= 0xDBFF) {
				hex4(p + i + 8, 4, &u2);
				cp = 0x10000 + ((u - 0xD800) << 10) +
				     (u2 - 0xDC00);
				i += 6;
			}
			i += 4;
			break;
		default:
			cp = p[i + 1];
		}
		i += 2;
		if (cp < 0x80) {
			out[o++] = (char)cp;
		} else if (cp < 0x800) {
			out[o++] = (char)(0xC0 | cp >> 6);
			out[o++] = (char)(0x80 | (cp & 0x3F));
		} else if (cp < 0x10000) {
			out[o++] = (char)(0xE0 | cp >> 12);
			out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
			out[o++] = (char)(0x80 | (cp & 0x3F));
		} else {
			out[o++] = (char)(0xF0 | cp >> 18);
			out[o++] = (char)(0x80 | ((cp >> 12) & 0x3F));
			out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
			out[o++] = (char)(0x80 | (cp & 0x3F));
		}
	}
	out[o] = '\0';
}

/* The value at pos would be one level deeper than allowed: name it by its
 * path, built from the grammar pass's stack. */
static int fail_depth(struct scan *sc, size_t pos)
{
	struct jpath chain[JSON_MAX_DEPTH + 1];
	char keys[JSON_MAX_DEPTH][KEYBUF];
	struct sink s;
	size_t i;

	chain[0] = JPATH_ROOT;
	for (i = 0; i < sc->depth; i++) {
		const struct sframe *f = &sc->st[i];

		if (f->obj) {
			decode_key(sc->s + f->key, f->keylen, keys[i], KEYBUF);
			chain[i + 1] = JPATH_KEY(&chain[i], keys[i]);
		} else {
			chain[i + 1] = JPATH_INDEX(&chain[i], f->index);
		}
	}
	if (!begin_at(sc, &s, pos))
		return -EINVAL;
	putf(&s, "invalid JSON: nesting deeper than %d arrays and objects at ",
	     JSON_MAX_DEPTH);
	put_path(&s, &chain[sc->depth]);
	scrub(&s);
	return -EINVAL;
}

static int fail_after(struct scan *sc)
{
	const struct sframe *f = &sc->st[sc->depth - 1];
	size_t line, col;
	char what[96];

	if (sc->pos < sc->len)
		return fail_got(sc, sc->pos,
				f->obj ? "expected ',' or '}' after an object "
					 "member"
				       : "expected ',' or ']' after an array "
					 "element");
	linecol(sc, f->open, &line, &col);
	snprintf(what, sizeof(what),
		 "unexpected end of input: the %s opened at %zu:%zu is not "
		 "closed",
		 f->obj ? "object" : "array", line, col);
	return syntax_fail(sc, sc->pos, "%s", what);
}

/* Second pass: the JSON grammar, with an explicit stack. */
static int scan_document(struct scan *sc)
{
	int want_value = 1;
	int rc;

	for (;;) {
		struct sframe *f;
		unsigned char c;

		skip_ws(sc);
		if (!want_value) {
			if (sc->depth == 0) {
				if (sc->pos < sc->len)
					return fail_got(sc, sc->pos,
							"expected end of input "
							"after the value");
				return 0;
			}
			f = &sc->st[sc->depth - 1];
			if (sc->pos >= sc->len)
				return fail_after(sc);
			c = sc->s[sc->pos];
			if (c == (f->obj ? '}' : ']')) {
				sc->pos++;
				if (--sc->depth == 0)
					sc->value_end = sc->pos;
				continue;
			}
			if (c != ',')
				return fail_after(sc);
			sc->pos++;
			if (f->obj) {
				rc = scan_key(sc);
				if (rc)
					return rc;
			} else {
				f->index++;
			}
			want_value = 1;
			continue;
		}
		if (sc->pos >= sc->len) {
			if (sc->depth)
				return fail_after(sc);
			return fail_got(sc, sc->pos, "expected a value");
		}
		c = sc->s[sc->pos];
		if (c == '{' || c == '[') {
			if (sc->depth == JSON_MAX_DEPTH)
				return fail_depth(sc, sc->pos);
			f = &sc->st[sc->depth++];
			f->obj = c == '{';
			f->open = sc->pos++;
			f->index = 0;
			f->key = f->keylen = 0;
			skip_ws(sc);
			if (sc->pos < sc->len &&
			    sc->s[sc->pos] == (f->obj ? '}' : ']')) {
				sc->pos++;
				if (--sc->depth == 0)
					sc->value_end = sc->pos;
				want_value = 0;
				continue;
			}
			if (f->obj) {
				rc = scan_key(sc);
				if (rc)
					return rc;
			}
			continue;
		}
		if (c == '"')
			rc = scan_string(sc);
		else if (c == '-' || (c >= '0' && c <= '9'))
			rc = scan_number(sc);
		else if (c == 't' || c == 'f' || c == 'n')
			rc = scan_literal(sc);
		else
			return fail_got(sc, sc->pos, "expected a value");
		if (rc)
			return rc;
		if (sc->depth == 0)
			sc->value_end = sc->pos;
		want_value = 0;
	}
}

/* ---------------------------------------------------- duplicate keys -- */

struct keyref {
	const char *key;
	size_t index;
};

static int keyref_cmp(const void *a, const void *b)
{
	const struct keyref *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Small objects are compared pairwise; this is most objects, and spares
 * them an allocation. */
#define PAIRWISE_MAX 16

/*
 * Finds, in one object, the duplicate whose second occurrence comes first
 * in the document.  Returns 1 and the two member indexes, 0 when the keys
 * are distinct, or -ENOMEM.
 */
static int first_duplicate(const cJSON *obj, size_t *first, size_t *second)
{
	const cJSON *a, *b;
	struct keyref *refs;
	size_t n = 0, i, j;
	int found = 0;

	for (a = obj->child; a; a = a->next)
		n++;
	if (n <= PAIRWISE_MAX) {
		for (b = obj->child, j = 0; b; b = b->next, j++)
			for (a = obj->child, i = 0; a != b; a = a->next, i++)
				if (!strcmp(a->string, b->string)) {
					*first = i;
					*second = j;
					return 1;
				}
		return 0;
	}
	refs = malloc(n * sizeof(*refs));
	if (!refs)
		return -ENOMEM;
	for (a = obj->child, i = 0; a; a = a->next, i++) {
		refs[i].key = a->string;
		refs[i].index = i;
	}
	qsort(refs, n, sizeof(*refs), keyref_cmp);
	for (i = 0; i + 1 < n; i++) {
		if (strcmp(refs[i].key, refs[i + 1].key))
			continue;
		/* refs[i] is the first occurrence of its run (sorted by
		 * index within equal keys) only if it starts the run. */
		if (i > 0 && !strcmp(refs[i - 1].key, refs[i].key))
			continue;
		if (!found || refs[i + 1].index < *second) {
			*first = refs[i].index;
			*second = refs[i + 1].index;
			found = 1;
		}
	}
	free(refs);
	return found;
}

/* Reports the duplicate earliest in the document: in an object, members
 * before the second occurrence of its own duplicate come first. */
static int check_duplicates(struct jreader *r, const cJSON *v,
			    const struct jpath *at)
{
	const cJSON *c;
	size_t i, first = 0, second = 0, limit = (size_t)-1;
	int rc;

	if (cJSON_IsArray(v)) {
		for (c = v->child, i = 0; c; c = c->next, i++) {
			struct jpath p = JPATH_INDEX(at, i);

			rc = check_duplicates(r, c, &p);
			if (rc)
				return rc;
		}
		return 0;
	}
	if (!cJSON_IsObject(v))
		return 0;
	rc = first_duplicate(v, &first, &second);
	if (rc < 0) {
		json_fail(r, NULL, NULL, "out of memory");
		return rc;
	}
	if (rc)
		limit = second;
	for (c = v->child, i = 0; c && i < limit; c = c->next, i++) {
		struct jpath p = JPATH_KEY(at, c->string);

		rc = check_duplicates(r, c, &p);
		if (rc)
			return rc;
	}
	if (limit != (size_t)-1) {
		struct sink s;

		if (!begin(r, &s, at, c->string))
			return -EINVAL;
		puts_(&s, "duplicate key ");
		put_quoted(&s, c->string, strlen(c->string));
		putf(&s, " (members %zu and %zu of the object)", first, second);
		scrub(&s);
		return -EINVAL;
	}
	return 0;
}

/* ------------------------------------------------------------- parsing -- */

int json_parse(struct jreader *r, const char *buf, size_t len, cJSON **out)
{
	struct scan sc;
	struct jpath root = JPATH_ROOT;
	const char *end = NULL;
	char *copy;
	cJSON *tree;
	size_t n;
	int rc;

	if (out)
		*out = NULL;
	/* Checked before anything reads the buffer: len may be a lie. */
	if (len > JSON_MAX_BYTES) {
		json_fail(r, NULL, NULL,
			  "document of %zu bytes is over the limit of %zu "
			  "bytes",
			  len, JSON_MAX_BYTES);
		return -E2BIG;
	}
	if (!out || (!buf && len))
		return json_fail(r, NULL, NULL, "no document to parse");

	memset(&sc, 0, sizeof(sc));
	sc.r = r;
	sc.s = (const unsigned char *)(buf ? buf : "");
	sc.len = len;
	if (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3))
		sc.base = 3;
	sc.pos = sc.base;
	rc = check_text(&sc);
	if (rc)
		return rc;
	rc = scan_document(&sc);
	if (rc)
		return rc;

	n = len - sc.base;
	copy = malloc(n + 1);
	if (!copy) {
		json_fail(r, NULL, NULL, "out of memory");
		return -ENOMEM;
	}
	memcpy(copy, buf + sc.base, n);
	copy[n] = '\0';
	tree = cJSON_ParseWithLengthOpts(copy, n, &end, 0);
	if (!tree) {
		/* The grammar pass accepted the text, so only an allocation
		 * can have failed. */
		free(copy);
		json_fail(r, NULL, NULL, "out of memory");
		return -ENOMEM;
	}
	if (end != copy + (sc.value_end - sc.base)) {
		/* Two parsers disagree on where the value ends: refuse
		 * rather than guess which one is right. */
		size_t at = end && end >= copy && end <= copy + n
				? (size_t)(end - copy) + sc.base
				: sc.base;

		free(copy);
		cJSON_Delete(tree);
		return syntax_fail(&sc, at,
				   "the parser stopped here (internal error)");
	}
	free(copy);
	rc = check_duplicates(r, tree, &root);
	if (rc) {
		cJSON_Delete(tree);
		return rc;
	}
	*out = tree;
	return 0;
}

/* ------------------------------------------------------------- getters -- */

const cJSON *json_get(const cJSON *obj, const char *key)
{
	if (!cJSON_IsObject(obj) || !key)
		return NULL;
	return cJSON_GetObjectItemCaseSensitive(obj, key);
}

/*
 * obj[key], or NULL when absent.  A NULL obj counts as an absent object (so
 * an optional sub-object can be read without a test); anything else that is
 * not an object is an error at its own path.
 */
static int lookup(struct jreader *r, const struct jpath *at, const cJSON *obj,
		  const char *key, const cJSON **v)
{
	*v = NULL;
	if (!obj)
		return 0;
	if (!cJSON_IsObject(obj))
		return fail_expected(r, at, NULL, "an object", obj);
	*v = json_get(obj, key);
	return 0;
}

int json_opt_string(struct jreader *r, const struct jpath *at, const cJSON *obj,
		    const char *key, const char **out)
{
	const cJSON *v;
	int rc = lookup(r, at, obj, key, &v);

	if (rc || !v || cJSON_IsNull(v))
		return rc;
	if (!cJSON_IsString(v) || !v->valuestring)
		return fail_expected(r, at, key, "a string", v);
	*out = v->valuestring;
	return 1;
}

int json_req_string(struct jreader *r, const struct jpath *at, const cJSON *obj,
		    const char *key, const char **out)
{
	const cJSON *v;
	int rc = lookup(r, at, obj, key, &v);

	if (rc)
		return rc;
	if (!v)
		return fail_missing(r, at, key, "a string");
	if (!cJSON_IsString(v) || !v->valuestring)
		return fail_expected(r, at, key, "a string", v);
	*out = v->valuestring;
	return 0;
}

/*
 * cJSON keeps numbers as doubles and saturates valueint: decide from the
 * double.  The bounds test comes before the cast, which is undefined for
 * values a long cannot hold; -(double)LONG_MIN is exactly 2^(bits-1).
 */
static int to_long(double d, long lo, long hi, long *out)
{
	const double lim = -(double)LONG_MIN;
	long v;

	if (!isfinite(d) || !(d >= -lim && d < lim))
		return 0;
	v = (long)d;
	if ((double)v != d || v < lo || v > hi)
		return 0;
	*out = v;
	return 1;
}

static int read_int(struct jreader *r, const struct jpath *at, const char *key,
		    const cJSON *v, long lo, long hi, long *out)
{
	if (!cJSON_IsNumber(v) || !to_long(v->valuedouble, lo, hi, out))
		return fail_int(r, at, key, lo, hi, "", v);
	return 0;
}

int json_opt_int(struct jreader *r, const struct jpath *at, const cJSON *obj,
		 const char *key, long lo, long hi, long *out)
{
	const cJSON *v;
	int rc = lookup(r, at, obj, key, &v);

	if (rc || !v || cJSON_IsNull(v))
		return rc;
	rc = read_int(r, at, key, v, lo, hi, out);
	return rc ? rc : 1;
}

int json_req_int(struct jreader *r, const struct jpath *at, const cJSON *obj,
		 const char *key, long lo, long hi, long *out)
{
	const cJSON *v;
	int rc = lookup(r, at, obj, key, &v);

	if (rc)
		return rc;
	if (!v)
		return fail_missing(r, at, key, "an integer");
	return read_int(r, at, key, v, lo, hi, out);
}

/* Decimal digits with an optional '-': no sign '+', no spaces, no leading
 * zeros, no hex, nothing a long cannot hold. */
static int parse_decimal(const char *p, long *out)
{
	int neg = *p == '-';
	unsigned long v = 0, lim;

	if (neg)
		p++;
	if (*p < '0' || *p > '9' || (p[0] == '0' && p[1]))
		return 0;
	lim = neg ? (unsigned long)LONG_MAX + 1 : (unsigned long)LONG_MAX;
	for (; *p; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (*p < '0' || *p > '9' || v > (lim - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	if (neg)
		*out = v ? -(long)(v - 1) - 1 : 0;
	else
		*out = (long)v;
	return 1;
}

int json_opt_int_or_string(struct jreader *r, const struct jpath *at,
			   const cJSON *obj, const char *key, long lo, long hi,
			   long *out)
{
	const cJSON *v;
	long x;
	int rc = lookup(r, at, obj, key, &v);

	if (rc || !v || cJSON_IsNull(v))
		return rc;
	if (cJSON_IsNumber(v) && to_long(v->valuedouble, lo, hi, out))
		return 1;
	if (cJSON_IsString(v) && v->valuestring &&
	    parse_decimal(v->valuestring, &x) && x >= lo && x <= hi) {
		*out = x;
		return 1;
	}
	return fail_int(r, at, key, lo, hi, " (or a string of one)", v);
}

int json_opt_bool(struct jreader *r, const struct jpath *at, const cJSON *obj,
		  const char *key, int *out)
{
	const cJSON *v;
	int rc = lookup(r, at, obj, key, &v);

	if (rc || !v || cJSON_IsNull(v))
		return rc;
	if (!cJSON_IsBool(v))
		return fail_expected(r, at, key, "true or false", v);
	*out = cJSON_IsTrue(v) ? 1 : 0;
	return 1;
}

int json_opt_array(struct jreader *r, const struct jpath *at, const cJSON *obj,
		   const char *key, const cJSON **out)
{
	const cJSON *v;
	int rc = lookup(r, at, obj, key, &v);

	if (rc)
		return rc;
	if (!v || cJSON_IsNull(v)) {
		*out = NULL;
		return 0;
	}
	if (!cJSON_IsArray(v))
		return fail_expected(r, at, key, "an array", v);
	*out = v;
	return 1;
}

int json_opt_object(struct jreader *r, const struct jpath *at, const cJSON *obj,
		    const char *key, const cJSON **out)
{
	const cJSON *v;
	int rc = lookup(r, at, obj, key, &v);

	if (rc)
		return rc;
	if (!v || cJSON_IsNull(v)) {
		*out = NULL;
		return 0;
	}
	if (!cJSON_IsObject(v))
		return fail_expected(r, at, key, "an object", v);
	*out = v;
	return 1;
}

int json_expect_object(struct jreader *r, const struct jpath *at,
		       const cJSON *v)
{
	if (!cJSON_IsObject(v))
		return fail_expected(r, at, NULL, "an object", v);
	return 0;
}

int json_expect_string(struct jreader *r, const struct jpath *at,
		       const cJSON *v, const char **out)
{
	if (!cJSON_IsString(v) || !v->valuestring)
		return fail_expected(r, at, NULL, "a string", v);
	*out = v->valuestring;
	return 0;
}

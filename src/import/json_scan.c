/*
 * json_scan.c - json_parse(): the raw-text checks in front of cJSON (see
 * json.h).
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
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/json.h"
#include "import/json_msg.h"

/* The longest number cJSON 1.7 reads whole (its buffer is 64 bytes); longer
 * numbers would be split silently, so the grammar pass refuses them. */
#define NUMBER_MAX 63

/* Bytes kept of each key when naming the path of a too-deep value: enough
 * to show SHOW_MAX of it and to know that it was cut. */
#define KEYBUF (SHOW_MAX + 8)

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
	sink_file(s, sc->r);
	linecol(sc, pos, &line, &col);
	sink_printf(s, ":%zu:%zu: ", line, col);
	return 1;
}

__attribute__((format(printf, 3, 4))) static int
syntax_fail(struct scan *sc, size_t pos, const char *fmt, ...)
{
	struct sink s;
	va_list ap;

	if (!begin_at(sc, &s, pos))
		return -EINVAL;
	sink_puts(&s, "invalid JSON: ");
	va_start(ap, fmt);
	sink_vprintf(&s, fmt, ap);
	va_end(ap);
	sink_scrub(&s);
	return -EINVAL;
}

/* Describes the character at pos for "got ...". */
static void put_char_at(struct sink *s, const struct scan *sc, size_t pos)
{
	unsigned long cp;

	if (pos >= sc->len) {
		sink_puts(s, "end of input");
		return;
	}
	if (!json_utf8_decode(sc->s + pos, sc->len - pos, &cp)) {
		sink_printf(s, "byte 0x%02X", sc->s[pos]);
		return;
	}
	if (cp > 0x20 && cp < 0x7F && cp != '\'')
		sink_printf(s, "'%c'", (char)cp);
	else
		sink_printf(s, "U+%04lX", cp);
}

/* "FILE:L:C: invalid JSON: WHAT, got CHAR" for the character at pos. */
static int fail_got(struct scan *sc, size_t pos, const char *what)
{
	struct sink s;

	if (!begin_at(sc, &s, pos))
		return -EINVAL;
	sink_puts(&s, "invalid JSON: ");
	sink_puts(&s, what);
	sink_puts(&s, ", got ");
	put_char_at(&s, sc, pos);
	sink_scrub(&s);
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
		k = json_utf8_decode(s + i, n - i, &cp);
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
		sink_printf(&o, "invalid UTF-8: %s 0x%02X (offset %zu)", why, c,
			    i);
		sink_scrub(&o);
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
			sink_puts(&o,
				  "invalid JSON: invalid escape: expected one "
				  "of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u "
				  "after '\\', got ");
			put_char_at(&o, sc, pos);
			sink_scrub(&o);
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
	sink_printf(
	    &s, "invalid JSON: nesting deeper than %d arrays and objects at ",
	    JSON_MAX_DEPTH);
	sink_path(&s, &chain[sc->depth]);
	sink_scrub(&s);
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

		if (!sink_begin(r, &s, at, c->string))
			return -EINVAL;
		sink_puts(&s, "duplicate key ");
		sink_quoted(&s, c->string, strlen(c->string));
		sink_printf(&s, " (members %zu and %zu of the object)", first,
			    second);
		sink_scrub(&s);
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

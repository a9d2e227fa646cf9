/*
 * json_scan.c - json_parse(): one pass over the raw text in front of cJSON
 * (see json.h).
 *
 * The scan checks the JSON grammar with an explicit stack, validates UTF-8
 * inside strings (outside them the grammar admits only ASCII), and keeps the
 * keys of the open objects to look for duplicates when each one closes.  It
 * is what gives messages a line, a column and a cheap explanation, enforces
 * JSON_MAX_DEPTH before cJSON's recursive descent could go 1000 deep,
 * rejects \u0000, unpaired surrogates and raw control characters (which
 * cJSON accepts), and makes cJSON's own failure path (which writes a global
 * error pointer) unreachable except for lack of memory.  cJSON then only
 * builds the tree, straight from the caller's buffer: it reads no byte at
 * or past the length it is given (cJSON 1.7.13 and later bound every read by
 * it), and the scan has already proved that the value ends before that.
 *
 * Errors are reported as if the document had first been checked as text
 * (UTF-8, no NUL byte), then as JSON, then for duplicate keys: when the scan
 * fails, the whole text is checked again and a text error, wherever it is,
 * wins over the grammar error; a duplicate key is only reported when the
 * grammar holds to the end.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/json.h"
#include "import/json_keys.h"
#include "import/json_msg.h"

/* The longest number cJSON 1.7 reads whole (its buffer is 64 bytes); longer
 * numbers would be split silently, so the scan refuses them. */
#define NUMBER_MAX 63

/* Bytes kept of each key when naming a path from the scan's stack: enough
 * to show SHOW_MAX of it and to know that it was cut. */
#define KEYBUF (SHOW_MAX + 8)

/* Sixteen bytes at a time with SSE2, eight on other little-endian
 * machines (GCC and clang), one by one elsewhere. */
#if defined(__GNUC__) && defined(__SSE2__)
#define USE_SSE2 1
#include <emmintrin.h>
#else
#define USE_SSE2 0
#endif
#if defined(__GNUC__) && defined(__BYTE_ORDER__) &&                            \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SWAR 1
#else
#define SWAR 0
#endif

#define ONES  0x0101010101010101ull
#define HIGHS 0x8080808080808080ull
#define LOWS  0x7F7F7F7F7F7F7F7Full

struct scan {
	struct jreader *r;
	const unsigned char *s;
	size_t len;
	size_t base; /* line 1, column 1 (after a BOM) */
	size_t depth;
	size_t value_end; /* end of the top-level value */
	int rc;		  /* why a step returned NULL */
	/* The keys of the open objects, innermost last. */
	struct json_key *keys;
	size_t nkeys, capkeys;
	/* The second occurrence of the earliest duplicate key found so far
	 * (its message is in r->err), or NULL. */
	const unsigned char *dup;
	struct sframe {
		int obj;
		size_t open;		  /* offset of its bracket */
		size_t index;		  /* arrays: current element */
		const unsigned char *key; /* objects: raw text of the key */
		size_t keylen;
		size_t keys; /* objects: its first key in sc->keys */
	} st[JSON_MAX_DEPTH];
};

/* ------------------------------------------------------------ messages -- */

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

/* The document must be UTF-8 text without NUL bytes.  Run only when the
 * scan failed: its error may come from, or hide, a text error. */
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

/* Writes the path of the current member of each of the first n frames,
 * then key if not NULL. */
static void put_stack_path(struct sink *s, const struct scan *sc, size_t n,
			   const char *key)
{
	struct jpath chain[JSON_MAX_DEPTH + 2];
	char keys[JSON_MAX_DEPTH][KEYBUF];
	size_t i;

	chain[0] = JPATH_ROOT;
	for (i = 0; i < n; i++) {
		const struct sframe *f = &sc->st[i];

		if (f->obj) {
			json_key_decode(f->key, f->keylen, keys[i], KEYBUF);
			chain[i + 1] = JPATH_KEY(&chain[i], keys[i]);
		} else {
			chain[i + 1] = JPATH_INDEX(&chain[i], f->index);
		}
	}
	if (key) {
		chain[n + 1] = JPATH_KEY(&chain[n], key);
		n++;
	}
	sink_path(s, &chain[n]);
}

/* The value at pos would be one level deeper than allowed: name it by its
 * path, built from the scan's stack. */
static int fail_depth(struct scan *sc, size_t pos)
{
	struct sink s;

	if (!begin_at(sc, &s, pos))
		return -EINVAL;
	sink_printf(&s,
		    "invalid JSON: nesting deeper than %d arrays and objects "
		    "at ",
		    JSON_MAX_DEPTH);
	put_stack_path(&s, sc, sc->depth, NULL);
	sink_scrub(&s);
	return -EINVAL;
}

static int fail_after(struct scan *sc, size_t pos)
{
	const struct sframe *f = &sc->st[sc->depth - 1];
	size_t line, col;
	char what[96];

	if (pos < sc->len)
		return fail_got(sc, pos,
				f->obj ? "expected ',' or '}' after an object "
					 "member"
				       : "expected ',' or ']' after an array "
					 "element");
	linecol(sc, f->open, &line, &col);
	snprintf(what, sizeof(what),
		 "unexpected end of input: the %s opened at %zu:%zu is not "
		 "closed",
		 f->obj ? "object" : "array", line, col);
	return syntax_fail(sc, pos, "%s", what);
}

/* ----------------------------------------------------------- the scan -- */

#if SWAR
static inline uint64_t load64(const unsigned char *p)
{
	uint64_t w;

	memcpy(&w, p, 8);
	return w;
}
#endif

/*
 * The two runs that make up most of a document: spaces (indentation) and
 * the plain bytes of a string (not a quote, a backslash, a control
 * character or a byte above 0x7F).  Each skips whole blocks of 16 (SSE2)
 * or 8 bytes (other little-endian machines) and returns the first byte
 * that ends the run, or where less than a block is left: the byte loops
 * of the callers take it from there.
 */
#if USE_SSE2
static inline const unsigned char *skip_space_run(const unsigned char *p,
						  const unsigned char *end)
{
	const __m128i sp = _mm_set1_epi8(' ');

	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		unsigned m =
		    (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, sp)) ^
		    0xFFFFu;

		if (m)
			return p + __builtin_ctz(m);
		p += 16;
	}
	return p;
}

static inline const unsigned char *skip_plain_run(const unsigned char *p,
						  const unsigned char *end)
{
	const __m128i quote = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\');
	const __m128i low = _mm_set1_epi8(0x20);

	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		/* Signed: bytes above 0x7F are below 0x20 too. */
		__m128i stop =
		    _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote),
					      _mm_cmpeq_epi8(v, bs)),
				 _mm_cmplt_epi8(v, low));
		unsigned m = (unsigned)_mm_movemask_epi8(stop);

		if (m)
			return p + __builtin_ctz(m);
		p += 16;
	}
	return p;
}
#elif SWAR
static inline const unsigned char *skip_space_run(const unsigned char *p,
						  const unsigned char *end)
{
	while (end - p >= 8) {
		uint64_t x = load64(p) ^ (ONES * ' ');
		/* 0x80 in each byte that is not a space. */
		uint64_t m = (((x & LOWS) + LOWS) | x) & HIGHS;

		if (m)
			return p + (__builtin_ctzll(m) >> 3);
		p += 8;
	}
	return p;
}

static inline const unsigned char *skip_plain_run(const unsigned char *p,
						  const unsigned char *end)
{
	while (end - p >= 8) {
		uint64_t w = load64(p);
		uint64_t q = w ^ (ONES * '"'), b = w ^ (ONES * '\\');
		/* 0x80 in the first byte that ends the run; later bytes may
		 * be flagged wrongly (borrows), never earlier ones. */
		uint64_t m = (((q - ONES) & ~q) | ((b - ONES) & ~b) |
			      (w - ONES * 0x20) | w) &
			     HIGHS;

		if (m)
			return p + (__builtin_ctzll(m) >> 3);
		p += 8;
	}
	return p;
}
#else
static inline const unsigned char *skip_space_run(const unsigned char *p,
						  const unsigned char *end)
{
	(void)end;
	return p;
}

static inline const unsigned char *skip_plain_run(const unsigned char *p,
						  const unsigned char *end)
{
	(void)end;
	return p;
}
#endif

/* Whitespace, for c <= ' '. */
static inline int is_ws(unsigned char c)
{
	return ((1ull << c) & (1ull << ' ' | 1ull << '\n' | 1ull << '\r' |
			       1ull << '\t')) != 0;
}

static inline const unsigned char *skip_ws(const unsigned char *p,
					   const unsigned char *end)
{
	while (p < end && *p <= ' ' && is_ws(*p)) {
		p++;
		/* One space (after a colon) or a newline and indentation. */
		if (p < end && *p == ' ')
			p = skip_space_run(p, end);
	}
	return p;
}

/* The rare bytes of a string at p: an escape, a control character or
 * UTF-8.  Returns what follows them, or NULL (sc->rc set). */
static const unsigned char *string_special(struct scan *sc,
					   const unsigned char *start,
					   const unsigned char *p, int *escaped)
{
	const unsigned char *s = sc->s, *end = s + sc->len;
	unsigned char c = *p;
	size_t esc = (size_t)(p - s), pos;
	unsigned u, u2;

	if (c >= 0x80) {
		unsigned long cp;
		size_t k = json_utf8_decode(p, (size_t)(end - p), &cp);

		if (k)
			return p + k;
		/* check_text() will say what is wrong with it. */
		sc->rc = syntax_fail(sc, esc, "invalid UTF-8");
		return NULL;
	}
	if (c < 0x20) {
		sc->rc = syntax_fail(
		    sc, esc, "unescaped control character U+%04X in a string%s",
		    c, c == '\n' ? " (missing closing quote?)" : "");
		return NULL;
	}
	/* A backslash. */
	*escaped = 1;
	pos = esc + 1;
	if (pos >= sc->len) {
		sc->rc =
		    syntax_fail(sc, (size_t)(start - s), "unterminated string");
		return NULL;
	}
	switch (s[pos]) {
	case '"':
	case '\\':
	case '/':
	case 'b':
	case 'f':
	case 'n':
	case 'r':
	case 't':
		return s + pos + 1;
	case 'u':
		break;
	default: {
		struct sink o;

		sc->rc = -EINVAL;
		if (!begin_at(sc, &o, esc))
			return NULL;
		sink_puts(&o, "invalid JSON: invalid escape: expected one "
			      "of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u "
			      "after '\\', got ");
		put_char_at(&o, sc, pos);
		sink_scrub(&o);
		return NULL;
	}
	}
	if (!json_hex4(s + pos + 1, sc->len - pos - 1, &u)) {
		sc->rc = syntax_fail(sc, esc,
				     "invalid \\u escape: expected four hex "
				     "digits");
		return NULL;
	}
	pos += 5;
	/* cJSON would end the string at the NUL: whatever followed would
	 * be silently lost. */
	if (u == 0) {
		sc->rc =
		    syntax_fail(sc, esc, "\\u0000 is not allowed in a string");
		return NULL;
	}
	if (u >= 0xDC00 && u <= 0xDFFF) {
		sc->rc = syntax_fail(sc, esc,
				     "unpaired UTF-16 surrogate \\u%04X", u);
		return NULL;
	}
	if (u >= 0xD800 && u <= 0xDBFF) {
		if (pos + 1 >= sc->len || s[pos] != '\\' || s[pos + 1] != 'u' ||
		    !json_hex4(s + pos + 2, sc->len - pos - 2, &u2) ||
		    u2 < 0xDC00 || u2 > 0xDFFF) {
			sc->rc = syntax_fail(
			    sc, esc, "unpaired UTF-16 surrogate \\u%04X", u);
			return NULL;
		}
		pos += 6;
	}
	return s + pos;
}

/* A string at p (its opening quote).  Returns what follows its closing
 * quote, or NULL (sc->rc set); *escaped is set when it has escapes. */
static inline const unsigned char *
scan_string(struct scan *sc, const unsigned char *p, int *escaped)
{
	const unsigned char *start = p, *end = sc->s + sc->len;

	p++;
	for (;;) {
		p = skip_plain_run(p, end);
		while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' &&
		       *p != '\\')
			p++;
		if (p >= end) {
			sc->rc = syntax_fail(sc, (size_t)(start - sc->s),
					     "unterminated string");
			return NULL;
		}
		if (*p == '"')
			return p + 1;
		p = string_special(sc, start, p, escaped);
		if (!p)
			return NULL;
	}
}

static int is_digit(const struct scan *sc, size_t pos)
{
	return pos < sc->len && sc->s[pos] >= '0' && sc->s[pos] <= '9';
}

/* RFC 8259: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static const unsigned char *scan_number(struct scan *sc,
					const unsigned char *at)
{
	size_t start = (size_t)(at - sc->s), pos = start;

	if (sc->s[pos] == '-')
		pos++;
	if (!is_digit(sc, pos)) {
		sc->rc = fail_got(sc, pos,
				  "invalid number: expected a digit after '-'");
		return NULL;
	}
	if (sc->s[pos] == '0') {
		pos++;
		if (is_digit(sc, pos)) {
			sc->rc = syntax_fail(sc, start,
					     "invalid number: leading zeros "
					     "are not allowed");
			return NULL;
		}
	} else {
		while (is_digit(sc, pos))
			pos++;
	}
	if (pos < sc->len && sc->s[pos] == '.') {
		pos++;
		if (!is_digit(sc, pos)) {
			sc->rc = fail_got(sc, pos,
					  "invalid number: expected a digit "
					  "after '.'");
			return NULL;
		}
		while (is_digit(sc, pos))
			pos++;
	}
	if (pos < sc->len && (sc->s[pos] == 'e' || sc->s[pos] == 'E')) {
		pos++;
		if (pos < sc->len && (sc->s[pos] == '+' || sc->s[pos] == '-'))
			pos++;
		if (!is_digit(sc, pos)) {
			sc->rc = fail_got(sc, pos,
					  "invalid number: expected a digit in "
					  "the exponent");
			return NULL;
		}
		while (is_digit(sc, pos))
			pos++;
	}
	if (pos - start > NUMBER_MAX) {
		sc->rc = syntax_fail(
		    sc, start, "number longer than %d characters", NUMBER_MAX);
		return NULL;
	}
	return sc->s + pos;
}

static const unsigned char *scan_literal(struct scan *sc,
					 const unsigned char *p)
{
	static const char *const words[] = {"true", "false", "null"};
	size_t i, avail = sc->len - (size_t)(p - sc->s);

	for (i = 0; i < 3; i++) {
		size_t n = strlen(words[i]);

		if (avail >= n && !memcmp(p, words[i], n))
			return p + n;
	}
	sc->rc = syntax_fail(sc, (size_t)(p - sc->s),
			     "invalid literal: expected true, false or null");
	return NULL;
}

/* ------------------------------------------------------ duplicate keys -- */

/* The fingerprint of a key (struct json_key): its first 8 bytes, decoded,
 * zero padded. */
static uint64_t key_fp(const struct scan *sc, const unsigned char *p,
		       size_t len, int escaped)
{
	unsigned char b[8] = {0};
	uint64_t fp;

	if (escaped)
		return json_key_fp_escaped(p, len);
#if SWAR
	if (len >= 8)
		return load64(p);
	if ((size_t)(sc->s + sc->len - p) >= 8)
		return load64(p) & ((1ull << (8 * len)) - 1);
#else
	(void)sc;
#endif
	memcpy(b, p, len < 8 ? len : 8);
	memcpy(&fp, b, 8);
	return fp;
}

static int push_key(struct scan *sc, const unsigned char *p, size_t len,
		    int escaped, size_t idx)
{
	struct json_key *k;

	if (sc->nkeys == sc->capkeys) {
		size_t cap = sc->capkeys ? sc->capkeys * 2 : 256;
		struct json_key *nk = realloc(sc->keys, cap * sizeof(*nk));

		if (!nk)
			return -ENOMEM;
		sc->keys = nk;
		sc->capkeys = cap;
	}
	k = &sc->keys[sc->nkeys++];
	k->fp = key_fp(sc, p, len, escaped);
	k->p = p;
	k->len = (uint32_t)len;
	k->idx = (uint32_t)idx & 0x7FFFFFFF;
	k->escaped = escaped ? 1 : 0;
	return 0;
}

/*
 * The object of the innermost frame closes: look for a duplicate key.  The
 * one reported is the earliest in the document, so a duplicate replaces the
 * one found before only when its second occurrence comes first (it can,
 * in an enclosing object).
 */
static void close_object(struct scan *sc, const struct sframe *f)
{
	struct json_key *keys = sc->keys + f->keys;
	size_t n = sc->nkeys - f->keys, first = 0, second = 0;
	const unsigned char *at;
	char key[KEYBUF];
	struct sink s;
	size_t i;

	if (n >= 2 && json_first_duplicate(keys, n, &first, &second)) {
		for (i = 0; keys[i].idx != second; i++)
			;
		at = keys[i].p;
		if (!sc->dup || at < sc->dup) {
			sc->dup = at;
			json_key_decode(at, keys[i].len, key, sizeof(key));
			if (sink_begin(sc->r, &s, NULL, NULL)) {
				put_stack_path(&s, sc, sc->depth - 1, key);
				sink_puts(&s, ": duplicate key ");
				sink_quoted(&s, key, strlen(key));
				sink_printf(&s,
					    " (members %zu and %zu of the "
					    "object)",
					    first, second);
				sink_scrub(&s);
			}
		}
	}
	sc->nkeys = f->keys;
}

/* ----------------------------------------------------------- grammar -- */

/* An object member's key and colon; p is at the key (or spaces before
 * it).  Returns what follows the colon, or NULL (sc->rc set). */
static const unsigned char *scan_key(struct scan *sc, struct sframe *f,
				     const unsigned char *p, size_t idx)
{
	const unsigned char *end = sc->s + sc->len, *q;
	int escaped = 0;

	p = skip_ws(p, end);
	if (p >= end || *p != '"') {
		sc->rc =
		    fail_got(sc, (size_t)(p - sc->s), "expected a string key");
		return NULL;
	}
	q = scan_string(sc, p, &escaped);
	if (!q)
		return NULL;
	f->key = p + 1;
	f->keylen = (size_t)(q - 1 - f->key);
	if (push_key(sc, f->key, f->keylen, escaped, idx)) {
		sc->rc = -ENOMEM;
		json_fail(sc->r, NULL, NULL, "out of memory");
		return NULL;
	}
	if (q < end && *q == ':')
		return q + 1;
	p = skip_ws(q, end);
	if (p >= end || *p != ':') {
		sc->rc = fail_got(sc, (size_t)(p - sc->s),
				  "expected ':' after the key");
		return NULL;
	}
	return p + 1;
}

/* The whole document, with an explicit stack. */
static int scan_document(struct scan *sc)
{
	const unsigned char *s = sc->s, *end = s + sc->len, *p = s + sc->base;
	struct sframe *f;
	unsigned char c;

value:
	if (p < end && *p <= ' ')
		p = skip_ws(p, end);
	if (p >= end) {
		if (sc->depth)
			return fail_after(sc, sc->len);
		return fail_got(sc, sc->len, "expected a value");
	}
	c = *p;
	switch (c) {
	case '{':
	case '[':
		if (sc->depth == JSON_MAX_DEPTH)
			return fail_depth(sc, (size_t)(p - s));
		f = &sc->st[sc->depth++];
		f->obj = c == '{';
		f->open = (size_t)(p - s);
		f->index = 0;
		f->key = NULL;
		f->keylen = 0;
		f->keys = sc->nkeys;
		p = skip_ws(p + 1, end);
		if (p < end && *p == (f->obj ? '}' : ']')) {
			p++;
			if (--sc->depth == 0)
				sc->value_end = (size_t)(p - s);
			goto after;
		}
		if (f->obj && !(p = scan_key(sc, f, p, 0)))
			return sc->rc;
		goto value;
	case '"':
		p = scan_string(sc, p, &(int){0});
		break;
	case '-':
	case '0':
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
	case '6':
	case '7':
	case '8':
	case '9':
		p = scan_number(sc, p);
		break;
	case 't':
	case 'f':
	case 'n':
		p = scan_literal(sc, p);
		break;
	default:
		return fail_got(sc, (size_t)(p - s), "expected a value");
	}
	if (!p)
		return sc->rc;
	if (sc->depth == 0)
		sc->value_end = (size_t)(p - s);

after:
	if (p < end && *p <= ' ')
		p = skip_ws(p, end);
	if (sc->depth == 0) {
		if (p < end)
			return fail_got(sc, (size_t)(p - s),
					"expected end of input after the "
					"value");
		return 0;
	}
	f = &sc->st[sc->depth - 1];
	if (p >= end)
		return fail_after(sc, sc->len);
	c = *p;
	if (c == ',') {
		p++;
		if (!f->obj)
			f->index++;
		else if (!(p = scan_key(sc, f, p, sc->nkeys - f->keys)))
			return sc->rc;
		goto value;
	}
	if (c != (f->obj ? '}' : ']'))
		return fail_after(sc, (size_t)(p - s));
	p++;
	if (f->obj)
		close_object(sc, f);
	if (--sc->depth == 0)
		sc->value_end = (size_t)(p - s);
	goto after;
}

/* ------------------------------------------------------------- parsing -- */

int json_parse(struct jreader *r, const char *buf, size_t len, cJSON **out)
{
	struct scan sc;
	const char *start, *end = NULL;
	cJSON *tree;
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

	sc.r = r;
	sc.s = (const unsigned char *)(buf ? buf : "");
	sc.len = len;
	sc.base = len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3) ? 3 : 0;
	sc.depth = sc.value_end = 0;
	sc.rc = 0;
	sc.keys = NULL;
	sc.nkeys = sc.capkeys = 0;
	sc.dup = NULL;
	rc = scan_document(&sc);
	free(sc.keys);
	if (rc == -EINVAL) {
		/* A text error comes first wherever it is. */
		check_text(&sc);
		return rc;
	}
	if (rc)
		return rc;
	if (sc.dup)
		return -EINVAL;

	start = buf + sc.base;
	tree = cJSON_ParseWithLengthOpts(start, len - sc.base, &end, 0);
	if (!tree) {
		/* The scan accepted the text, so only an allocation can have
		 * failed. */
		json_fail(r, NULL, NULL, "out of memory");
		return -ENOMEM;
	}
	if (end != start + (sc.value_end - sc.base)) {
		/* Two parsers disagree on where the value ends: refuse
		 * rather than guess which one is right. */
		size_t at = end && end >= start && end <= buf + len
				? (size_t)(end - buf)
				: sc.base;

		cJSON_Delete(tree);
		return syntax_fail(&sc, at,
				   "the parser stopped here (internal error)");
	}
	*out = tree;
	return 0;
}

/* strbuf.c - a growable string; see strbuf.h. */
#include "strbuf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

void sb_init(struct strbuf *sb)
{
	memset(sb, 0, sizeof(*sb));
}

void sb_free(struct strbuf *sb)
{
	free(sb->s);
	sb_init(sb);
}

void sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	sb->failed = 0;
	if (sb->s)
		sb->s[0] = '\0';
}

static int sb_grow(struct strbuf *sb, size_t extra)
{
	size_t need, cap;
	char *s;

	if (sb->failed)
		return -1;
	need = sb->len + extra + 1;
	if (need <= sb->cap)
		return 0;
	cap = sb->cap ? sb->cap : 256;
	while (cap < need)
		cap *= 2;
	s = realloc(sb->s, cap);
	if (!s) {
		sb->failed = 1;
		return -1;
	}
	sb->s = s;
	sb->cap = cap;
	return 0;
}

void sb_putn_slow(struct strbuf *sb, const char *s, size_t n)
{
	if (sb_grow(sb, n))
		return;
	memcpy(sb->s + sb->len, s, n);
	sb->len += n;
	sb->s[sb->len] = '\0';
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (sb_grow(sb, 64))
		return;
	va_start(ap, fmt);
	n = vsnprintf(sb->s + sb->len, sb->cap - sb->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		sb->failed = 1;
		return;
	}
	if ((size_t)n >= sb->cap - sb->len) {
		if (sb_grow(sb, (size_t)n))
			return;
		va_start(ap, fmt);
		vsnprintf(sb->s + sb->len, sb->cap - sb->len, fmt, ap);
		va_end(ap);
	}
	sb->len += (size_t)n;
}

void sb_int(struct strbuf *sb, long v)
{
	unsigned long u = v < 0 ? 0ul - (unsigned long)v : (unsigned long)v, t;
	size_t n = 1 + (v < 0);
	char *p;

	/* The digits go straight into the buffer, from the last: a copy of
	 * a few bytes through memcpy() cost as much as making them. */
	for (t = u; t >= 10; t /= 10)
		n++;
	if (sb_grow(sb, n))
		return;
	p = sb->s + sb->len + n;
	*p = '\0';
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	sb->len += n;
}

/* Bytes that JSON strings must escape: controls, '"' and '\\'; DEL too,
 * so output stays printable. */
static const unsigned char json_escape[256] = {
    [0 ... 0x1f] = 1,
    ['"'] = 1,
    ['\\'] = 1,
    [0x7f] = 1,
};

/* Does any of the eight bytes at p need escaping (json_escape)?  Bytes
 * below 0x20, '"', '\\' and DEL, tested a word at a time: strings in a
 * verdict are ids and addresses, which almost never need it. */
static inline int escape_in8(const char *p)
{
	const uint64_t ones = 0x0101010101010101ull;
	const uint64_t high = 0x8080808080808080ull;
	uint64_t x, q, b, d;

	memcpy(&x, p, sizeof(x));
	q = x ^ (ones * '"');
	b = x ^ (ones * '\\');
	d = x ^ (ones * 0x7f);
	return ((((x - ones * 0x20) & ~x) | ((q - ones) & ~q) |
		 ((b - ones) & ~b) | ((d - ones) & ~d)) &
		high) != 0;
}

#ifdef __SSE2__
/* escape_in8() for sixteen bytes, with SSE2 (every x86-64): task ARNs are
 * 90 bytes. */
static inline int escape_in16(const char *p)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
	/* bytes up to 0x1f are those min(x, 0x1f) leaves unchanged */
	__m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1f)), x);
	__m128i q = _mm_cmpeq_epi8(x, _mm_set1_epi8('"'));
	__m128i b = _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'));
	__m128i d = _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f));

	return _mm_movemask_epi8(
		   _mm_or_si128(_mm_or_si128(ctl, q), _mm_or_si128(b, d))) != 0;
}
#endif

/* The common case of sb_json_str(): s (n bytes) needs no escaping and
 * fits.  Copies it a word at a time as it is tested, quotes and all, and
 * returns 1; returns 0 having written nothing otherwise. */
static int json_str_plain(struct strbuf *sb, const char *s, size_t n)
{
	char *o;
	size_t i = 0;

	if (sb->len + n + 2 >= sb->cap)
		return 0;
	o = sb->s + sb->len + 1;
#ifdef __SSE2__
	if (n >= 16) {
		for (; i + 16 <= n; i += 16) {
			if (escape_in16(s + i))
				return 0;
			memcpy(o + i, s + i, 16);
		}
		/* the last sixteen bytes, overlapping those done */
		if (i < n && escape_in16(s + n - 16))
			return 0;
		memcpy(o + n - 16, s + n - 16, 16);
		goto done;
	}
#endif
	for (; i + 8 <= n; i += 8) {
		if (escape_in8(s + i))
			return 0;
		memcpy(o + i, s + i, 8);
	}
	if (n >= 8 && i < n) {
		/* the last eight bytes, overlapping those done */
		if (escape_in8(s + n - 8))
			return 0;
		memcpy(o + n - 8, s + n - 8, 8);
	} else {
		for (; i < n; i++) {
			if (json_escape[(unsigned char)s[i]])
				return 0;
			o[i] = s[i];
		}
	}
#ifdef __SSE2__
done:
#endif
	o[-1] = '"';
	o[n] = '"';
	o[n + 1] = '\0';
	sb->len += n + 2;
	return 1;
}

void sb_json_str(struct strbuf *sb, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t n, i = 0, run = 0;

	if (!s) {
		sb_putn(sb, "null", 4);
		return;
	}
	n = strlen(s);
	if (json_str_plain(sb, s, n))
		return;
	sb_putc(sb, '"');
	for (;;) {
		unsigned char c;

		while (i + 8 <= n && !escape_in8(s + i))
			i += 8;
		while (i < n && !json_escape[(unsigned char)s[i]])
			i++;
		if (i > run)
			sb_putn(sb, s + run, i - run);
		if (i == n)
			break;
		c = (unsigned char)s[i];
		switch (c) {
		case '"':
			sb_putn(sb, "\\\"", 2);
			break;
		case '\\':
			sb_putn(sb, "\\\\", 2);
			break;
		case '\n':
			sb_putn(sb, "\\n", 2);
			break;
		case '\t':
			sb_putn(sb, "\\t", 2);
			break;
		case '\r':
			sb_putn(sb, "\\r", 2);
			break;
		default: {
			char u[6] = {'\\', 'u',		'0',
				     '0',  hex[c >> 4], hex[c & 15]};

			sb_putn(sb, u, sizeof(u));
		}
		}
		run = ++i;
	}
	sb_putc(sb, '"');
}

void sb_text(struct strbuf *sb, const char *s)
{
	if (!s) {
		sb_puts(sb, "-");
		return;
	}
	sb_text_quoted(sb, s, 0);
}

void sb_text_quoted(struct strbuf *sb, const char *s, char quote)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++) {
		if (quote && *p == (unsigned char)quote) {
			sb_putc(sb, quote);
			sb_putc(sb, quote);
			continue;
		}
		/* U+0080..U+009F (C1 controls, 0xC2 0x80..0x9F in UTF-8)
		 * include CSI, which some terminals honour. */
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			char e[6] = {'\\',	     'u',	    '0', '0',
				     hex[p[1] >> 4], hex[p[1] & 15]};

			sb_putn(sb, e, sizeof(e));
			p++;
			continue;
		}
		if (*p < 0x20 || *p == 0x7f || *p == '\\') {
			char e[4] = {'\\', 'x', hex[*p >> 4], hex[*p & 15]};

			if (*p == '\\')
				sb_puts(sb, "\\\\");
			else
				sb_putn(sb, e, 4);
		} else {
			sb_putc(sb, (char)*p);
		}
	}
}

const char *sb_str(struct strbuf *sb)
{
	if (sb->failed)
		return NULL;
	if (!sb->s && sb_grow(sb, 0))
		return NULL;
	if (sb->len == 0)
		sb->s[0] = '\0';
	return sb->s;
}

void text_scrub(char *dst, size_t size, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)src;
	size_t o = 0;

	if (!size)
		return;
	for (; *p && o + 1 < size; p++) {
		unsigned int c = *p;
		int ctl = c < 0x20 || c == 0x7f;

		if (c == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			c = *++p; /* a C1 control, U+0080..U+009F */
			ctl = 1;
		}
		if (!ctl) {
			dst[o++] = (char)c;
			continue;
		}
		if (o + 5 > size)
			break;
		dst[o++] = '\\';
		dst[o++] = 'x';
		dst[o++] = hex[c >> 4];
		dst[o++] = hex[c & 15];
	}
	dst[o] = '\0';
}

/* addr.c - address parsing and formatting; see addr.h. */
#include "addr.h"

#include <errno.h>
#include <libcidr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

/*
 * The strict grammar: four decimal octets without leading zeros, or what
 * inet_pton(3) reads as IPv6, then an optional "/n" without leading zeros.
 * libcidr alone accepts "010.0.0.1", "10.1" and "10.0.0.0/8a", and
 * "1::2::3" for IPv6.  Sets *len to the written length or -1.
 */
static int parse_strict(const char *s, int *fam, int *len, struct sg_addr *a)
{
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	a->hi = a->lo = 0;
	*len = -1;
	if (n == 0 || n > 45)
		return -1;
	if (memchr(s, ':', n)) {
		unsigned char b[16];
		char buf[46];
		int i;

		for (i = 0; i < (int)n; i++) {
			unsigned int c = (unsigned char)s[i];

			if (!(c - '0' <= 9 || (c | 0x20) - 'a' <= 5 ||
			      c == ':' || c == '.'))
				return -1;
		}
		memcpy(buf, s, n);
		buf[n] = '\0';
		if (inet_pton(AF_INET6, buf, b) != 1)
			return -1;
		for (i = 0; i < 8; i++)
			a->hi = a->hi << 8 | b[i];
		for (i = 8; i < 16; i++)
			a->lo = a->lo << 8 | b[i];
		*fam = 6;
	} else {
		const char *p = s;
		uint64_t v = 0;
		int octet;

		for (octet = 0; octet < 4; octet++) {
			int digits = 0, x = 0;

			if (octet && *p++ != '.')
				return -1;
			if (p[0] == '0' && p[1] >= '0' && p[1] <= '9')
				return -1;
			while (*p >= '0' && *p <= '9' && digits < 4) {
				x = x * 10 + (*p++ - '0');
				digits++;
			}
			if (digits == 0 || digits > 3 || x > 255)
				return -1;
			v = v << 8 | (uint64_t)x;
		}
		if (p != s + n)
			return -1;
		a->hi = v << 32;
		*fam = 4;
	}
	if (slash) {
		const char *p = slash + 1;
		int digits = 0, max = *fam == 4 ? 32 : 128;

		if (p[0] == '0' && p[1] != '\0')
			return -1;
		*len = 0;
		while (*p >= '0' && *p <= '9' && digits < 4) {
			*len = *len * 10 + (*p++ - '0');
			digits++;
		}
		if (digits == 0 || *len > max || *p)
			return -1;
	}
	return 0;
}

/* The value of a decimal digit; above 9 for any other byte. */
static inline unsigned int digit(char c)
{
	return (unsigned int)(unsigned char)c - '0';
}

size_t addr_parse_ipv4(const char *text, uint32_t *out)
{
	const char *p = text;
	uint32_t v = 0;
	int octet;

	/* Each octet's digits are read only while the ones before them are
	 * digits, so nothing past the terminating NUL is read. */
	for (octet = 0; octet < 4; octet++) {
		unsigned int d0, d1, d2, x;

		if (octet && *p++ != '.')
			return 0;
		d0 = digit(p[0]);
		if (d0 > 9)
			return 0;
		d1 = digit(p[1]);
		if (d1 > 9) {
			x = d0;
			p += 1;
		} else {
			if (d0 == 0) /* a leading zero */
				return 0;
			d2 = digit(p[2]);
			if (d2 > 9) {
				x = d0 * 10 + d1;
				p += 2;
			} else {
				x = d0 * 100 + d1 * 10 + d2;
				if (x > 255 || digit(p[3]) <= 9)
					return 0;
				p += 3;
			}
		}
		v = v << 8 | x;
	}
	if (*p)
		return 0;
	*out = v;
	return (size_t)(p - text);
}

int addr_parse_fast(const char *text, int want_prefix, struct sg_prefix *out,
		    int *host_bits)
{
	struct sg_addr m, a;
	int len, fam;

	if (!text || parse_strict(text, &fam, &len, &a))
		return -EINVAL;
	if ((want_prefix == 0 && len >= 0) || (want_prefix == 1 && len < 0))
		return -EINVAL;
	if (len < 0)
		len = fam == 4 ? 32 : 128;
	m = addr_mask((unsigned int)len);
	if (host_bits)
		*host_bits = (a.hi & ~m.hi) || (a.lo & ~m.lo);
	out->a.hi = a.hi & m.hi;
	out->a.lo = a.lo & m.lo;
	out->len = (uint8_t)len;
	out->fam = (uint8_t)fam;
	return 0;
}

/* Input files are also read by libcidr, the project's address library;
 * both readings must agree. */
int addr_parse(const char *text, int want_prefix, struct sg_prefix *out,
	       int *host_bits)
{
	struct sg_addr a = {0, 0};
	char pad[8 + 72];
	uint8_t *bytes;
	CIDR *c;
	int rc, i;

	rc = addr_parse_fast(text, want_prefix, out, host_bits);
	if (rc)
		return rc;
	/* libcidr reads a few bytes before the start of short IPv6 strings
	 * ("::/0"): hand it a copy with room in front. */
	memset(pad, 0, 8);
	memcpy(pad + 8, text, strlen(text) + 1);
	c = cidr_from_str(pad + 8);
	if (!c)
		return -EINVAL;
	bytes = cidr_get_addr(c);
	if (!bytes) {
		cidr_free(c);
		return -ENOMEM;
	}
	/* libcidr keeps 16 bytes for both families; IPv4 in the last four. */
	if (out->fam == 4) {
		a.hi = (uint64_t)bytes[12] << 56 | (uint64_t)bytes[13] << 48 |
		       (uint64_t)bytes[14] << 40 | (uint64_t)bytes[15] << 32;
	} else {
		for (i = 0; i < 8; i++)
			a.hi = a.hi << 8 | bytes[i];
		for (i = 8; i < 16; i++)
			a.lo = a.lo << 8 | bytes[i];
	}
	{
		struct sg_addr m = addr_mask(out->len);

		rc = cidr_get_proto(c) !=
			 (out->fam == 4 ? CIDR_IPV4 : CIDR_IPV6) ||
		     cidr_get_pflen(c) != out->len ||
		     (a.hi & m.hi) != out->a.hi || (a.lo & m.lo) != out->a.lo;
	}
	free(bytes);
	cidr_free(c);
	return rc ? -EINVAL : 0;
}

/* Writes the IPv6 address of p at o as glibc's inet_ntop() does (RFC 5952,
 * plus "::a.b.c.d" and "::ffff:a.b.c.d"); returns the end.  By hand:
 * inet_ntop() cost ~3,300 instructions, a third of a batch line. */
static char *ipv6_text(const struct sg_prefix *p, char *o)
{
	static const char hex[] = "0123456789abcdef";
	unsigned int w[8];
	int i, best = -1, best_len = 0, cur = -1, cur_len = 0;

	for (i = 0; i < 4; i++) {
		w[i] = (unsigned int)(p->a.hi >> (48 - 16 * i)) & 0xffff;
		w[4 + i] = (unsigned int)(p->a.lo >> (48 - 16 * i)) & 0xffff;
	}
	/* the longest run of zero words, the first of equals; not one word */
	for (i = 0; i <= 8; i++) {
		if (i < 8 && w[i] == 0) {
			if (cur < 0)
				cur = i, cur_len = 0;
			cur_len++;
		} else if (cur >= 0) {
			if (best < 0 || cur_len > best_len)
				best = cur, best_len = cur_len;
			cur = -1;
		}
	}
	if (best >= 0 && best_len < 2)
		best = -1;
	for (i = 0; i < 8; i++) {
		int shift, started = 0;

		if (best >= 0 && i >= best && i < best + best_len) {
			if (i == best)
				*o++ = ':';
			continue;
		}
		if (i)
			*o++ = ':';
		if (i == 6 && best == 0 &&
		    (best_len == 6 || (best_len == 5 && w[5] == 0xffff))) {
			struct sg_prefix v4 = {.fam = 4, .len = 32};

			v4.a.hi = (p->a.lo & 0xffffffffu) << 32;
			addr_format(&v4, 1, o, 20);
			return o + strlen(o);
		}
		for (shift = 12; shift >= 0; shift -= 4) {
			unsigned int x = (w[i] >> shift) & 15;

			if (x || started || !shift) {
				*o++ = hex[x];
				started = 1;
			}
		}
	}
	if (best >= 0 && best + best_len == 8)
		*o++ = ':';
	return o;
}

char *addr_format(const struct sg_prefix *p, int bare, char *buf, size_t size)
{
	char tmp[64], *o;
	int i, full = p->len == (p->fam == 4 ? 32 : 128);
	size_t n;

	if (p->fam == 4) {
		/* By hand: inet_ntop and snprintf dominate batch output. */
		char *end = buf + size;

		o = buf;
		for (i = 0; i < 4 && o + 4 < end; i++) {
			unsigned int x =
			    (unsigned int)(p->a.hi >> (56 - 8 * i)) & 255;

			if (i)
				*o++ = '.';
			if (x >= 100)
				*o++ = (char)('0' + x / 100);
			if (x >= 10)
				*o++ = (char)('0' + x / 10 % 10);
			*o++ = (char)('0' + x % 10);
		}
		if (!(bare && full) && o + 4 < end) {
			*o++ = '/';
			if (p->len >= 10)
				*o++ = (char)('0' + p->len / 10);
			*o++ = (char)('0' + p->len % 10);
		}
		if (size)
			*(o < end ? o : end - 1) = '\0';
		return buf;
	}
	o = ipv6_text(p, tmp);
	if (!(bare && full)) {
		*o++ = '/';
		if (p->len >= 100)
			*o++ = (char)('0' + p->len / 100);
		if (p->len >= 10)
			*o++ = (char)('0' + p->len / 10 % 10);
		*o++ = (char)('0' + p->len % 10);
	}
	/* as snprintf(buf, size, ...) would */
	n = (size_t)(o - tmp);
	if (size) {
		if (n >= size)
			n = size - 1;
		memcpy(buf, tmp, n);
		buf[n] = '\0';
	}
	return buf;
}

void prefix_range(const struct sg_prefix *p, struct sg_range *r)
{
	struct sg_addr m = addr_mask(p->len);
	struct sg_addr w = addr_mask(p->fam == 4 ? 32 : 128);

	r->fam = p->fam;
	r->first = p->a;
	r->last.hi = p->a.hi | (~m.hi & w.hi);
	r->last.lo = p->a.lo | (~m.lo & w.lo);
}

/* IPv4 counts in the top 32 bits: one step is 1 << 32 in hi. */
struct sg_addr addr_next(const struct sg_addr *a, int fam)
{
	struct sg_addr r = *a;

	if (fam == 4) {
		r.hi += 1ull << 32;
	} else {
		r.lo++;
		if (r.lo == 0)
			r.hi++;
	}
	return r;
}

struct sg_addr addr_prev(const struct sg_addr *a, int fam)
{
	struct sg_addr r = *a;

	if (fam == 4) {
		r.hi -= 1ull << 32;
	} else {
		if (r.lo == 0)
			r.hi--;
		r.lo--;
	}
	return r;
}

size_t range_to_prefixes(const struct sg_range *r, struct sg_prefix *out,
			 size_t max)
{
	unsigned int width = r->fam == 4 ? 32 : 128;
	struct sg_addr cur = r->first;
	size_t n = 0;

	while (n < max && addr_cmp(&cur, &r->last) <= 0) {
		/* The largest aligned block starting at cur that fits. */
		unsigned int len = 0;

		for (len = 0; len <= width; len++) {
			struct sg_prefix p = {cur, (uint8_t)len, r->fam};
			struct sg_addr m = addr_mask(len);
			struct sg_range pr;

			if ((cur.hi & ~m.hi & addr_mask(width).hi) ||
			    (cur.lo & ~m.lo & addr_mask(width).lo))
				continue; /* cur is not aligned to this size */
			prefix_range(&p, &pr);
			if (addr_cmp(&pr.last, &r->last) <= 0)
				break;
		}
		out[n].a = cur;
		out[n].len = (uint8_t)len;
		out[n].fam = r->fam;
		{
			struct sg_range pr;

			prefix_range(&out[n], &pr);
			n++;
			if (addr_cmp(&pr.last, &r->last) >= 0)
				break;
			cur = addr_next(&pr.last, r->fam);
		}
	}
	return n;
}

/*
 * addr.h - IPv4 and IPv6 addresses and prefixes as packed 128-bit values.
 *
 * Text is validated by a strict grammar and parsed by libcidr once, at load
 * time; the hot path compares packed integers.  An IPv4 address sits in the
 * top 32 bits (hi >> 32) so that one mask routine serves both families.
 */
#ifndef SGREACH_ADDR_H
#define SGREACH_ADDR_H

#include <stddef.h>
#include <stdint.h>

struct sg_addr {
	uint64_t hi, lo;
};

struct sg_prefix {
	struct sg_addr a; /* network address (host bits cleared) */
	uint8_t len;	  /* prefix length: 0-32 (IPv4), 0-128 (IPv6) */
	uint8_t fam;	  /* 4 or 6 */
};

/* A closed interval of addresses of one family, for set arithmetic. */
struct sg_range {
	struct sg_addr first, last;
	uint8_t fam;
};

/*
 * Parses "a.b.c.d", "a.b.c.d/n", an IPv6 address or "addr/n" (and checks
 * that libcidr reads it the same way).  Strict: no
 * leading zeros in IPv4 octets or prefix lengths, four octets, nothing after
 * the length.  want_prefix: 0 = an address without "/n" is required; 1 = a
 * "/n" is required; 2 = either (a plain address is a /32 or /128).
 * *host_bits (may be NULL) is set when the text had bits set beyond the
 * prefix length (they are cleared in *out).  Returns 0 or -EINVAL.
 */
int addr_parse(const char *text, int want_prefix, struct sg_prefix *out,
	       int *host_bits);

/* As addr_parse() without the libcidr cross-check: for selectors on the
 * query path, where a text no loaded object holds is simply outside. */
int addr_parse_fast(const char *text, int want_prefix, struct sg_prefix *out,
		    int *host_bits);

/* A plain IPv4 address, "a.b.c.d" and nothing after it, in one pass:
 * returns the text's length and sets *out (a in the top byte) when the
 * whole text is one by the grammar of addr_parse(), 0 otherwise (then
 * addr_parse_fast() says what else it is).  For selectors on every query. */
size_t addr_parse_ipv4(const char *text, uint32_t *out);

/* Writes the canonical text ("10.0.0.0/8", "2001:db8::/32"; a full-length
 * prefix without "/n" when bare is set).  Returns buf. */
char *addr_format(const struct sg_prefix *p, int bare, char *buf, size_t size);
#define ADDR_TEXT_MAX 64

static inline struct sg_addr addr_mask(unsigned int len)
{
	struct sg_addr m;

	m.hi = len == 0 ? 0 : len >= 64 ? ~0ull : ~0ull << (64 - len);
	m.lo = len <= 64 ? 0 : len >= 128 ? ~0ull : ~0ull << (128 - len);
	return m;
}

/* Does prefix outer contain the whole of inner (same family)? */
static inline int prefix_contains(const struct sg_prefix *outer,
				  const struct sg_prefix *inner)
{
	struct sg_addr m;

	if (outer->fam != inner->fam || outer->len > inner->len)
		return 0;
	m = addr_mask(outer->len);
	return ((inner->a.hi & m.hi) == outer->a.hi) &&
	       ((inner->a.lo & m.lo) == outer->a.lo);
}

/* Do the two prefixes share any address? */
static inline int prefix_overlaps(const struct sg_prefix *x,
				  const struct sg_prefix *y)
{
	return prefix_contains(x, y) || prefix_contains(y, x);
}

static inline int addr_cmp(const struct sg_addr *x, const struct sg_addr *y)
{
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return 0;
}

/* The first and last address of a prefix. */
void prefix_range(const struct sg_prefix *p, struct sg_range *r);

/* Appends to out[] the prefixes that exactly cover r (at most 2 * width);
 * returns how many were written. */
size_t range_to_prefixes(const struct sg_range *r, struct sg_prefix *out,
			 size_t max);

/* addr + 1 / addr - 1 within 128 bits (IPv4 steps in the top 32 bits). */
struct sg_addr addr_next(const struct sg_addr *a, int fam);
struct sg_addr addr_prev(const struct sg_addr *a, int fam);

#endif

/*
 * test_connset.c - connection sets against a brute-force model.
 *
 * The model is one bit per flow: 65536 bits for each of tcp, udp, icmp
 * (type << 8 | code) and icmpv6, and 256 bits for the other protocols.  It
 * is too slow for sgreach but obviously right, so random sets built both
 * ways must agree after every operation.  A set is compared with a model by
 * checking the set's lists are canonical (sorted, disjoint, non-adjacent)
 * and expanding them into a second model: equal bits + canonical lists
 * means the set is exactly the model's, in its only representation.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "connset.h"
#include "proto.h"

#define WORDS	   (65536 / 64)
#define ITERATIONS 3000

static const int listed[CS_NLISTS] = {PROTO_TCP, PROTO_UDP, PROTO_ICMP,
				      PROTO_ICMPV6};

struct model {
	uint64_t bits[CS_NLISTS][WORDS];
	uint64_t other[4];
};

/* ---------------------------------------------------------------- model -- */

static int model_list(int proto)
{
	int i;

	for (i = 0; i < CS_NLISTS; i++)
		if (listed[i] == proto)
			return i;
	return -1;
}

static void bits_set(uint64_t *w, unsigned int lo, unsigned int hi)
{
	unsigned int v;

	for (v = lo; v <= hi; v++) {
		/* Whole words at a time where possible: ranges span 64K. */
		if (v % 64 == 0 && v + 63 <= hi) {
			w[v / 64] = ~(uint64_t)0;
			v += 63;
			continue;
		}
		w[v / 64] |= (uint64_t)1 << (v % 64);
	}
}

static bool bits_get(const uint64_t *w, unsigned int v)
{
	return w[v / 64] >> (v % 64) & 1;
}

static void model_add(struct model *m, int proto, unsigned int lo,
		      unsigned int hi)
{
	int i = model_list(proto);

	if (i < 0)
		m->other[proto / 64] |= (uint64_t)1 << (proto % 64);
	else
		bits_set(m->bits[i], lo, hi);
}

static void model_add_all(struct model *m)
{
	int p;

	for (p = 0; p < 256; p++)
		model_add(m, p, 0, 65535);
}

static bool model_contains(const struct model *m, int proto, unsigned int v)
{
	int i = model_list(proto);

	if (i < 0)
		return m->other[proto / 64] >> (proto % 64) & 1;
	return bits_get(m->bits[i], v);
}

enum op { OP_UNION, OP_INTERSECT, OP_SUBTRACT };

static void model_op(struct model *r, const struct model *a,
		     const struct model *b, enum op op)
{
	size_t i, n = sizeof(*r) / sizeof(uint64_t);
	const uint64_t *x = (const uint64_t *)a, *y = (const uint64_t *)b;
	uint64_t *z = (uint64_t *)r;

	for (i = 0; i < n; i++)
		z[i] = op == OP_UNION	    ? x[i] | y[i]
		       : op == OP_INTERSECT ? x[i] & y[i]
					    : x[i] & ~y[i];
}

static bool model_is_empty(const struct model *m)
{
	static const struct model zero;

	return memcmp(m, &zero, sizeof(*m)) == 0;
}

static bool model_subset(const struct model *a, const struct model *b)
{
	size_t i, n = sizeof(*a) / sizeof(uint64_t);
	const uint64_t *x = (const uint64_t *)a, *y = (const uint64_t *)b;

	for (i = 0; i < n; i++)
		if (x[i] & ~y[i])
			return false;
	return true;
}

/* Asserts s is canonical and fills m with its flows. */
static void model_of(const struct connset *s, struct model *m)
{
	int i;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < CS_NLISTS; i++) {
		size_t n, k;
		const struct cs_range *r = connset_ranges(s, listed[i], &n);

		for (k = 0; k < n; k++) {
			cr_assert_leq(r[k].lo, r[k].hi, "list %d item %zu", i,
				      k);
			if (k)
				cr_assert_gt(r[k].lo, r[k - 1].hi + 1u,
					     "list %d: %zu not after %zu "
					     "with a gap",
					     i, k, k - 1);
			bits_set(m->bits[i], r[k].lo, r[k].hi);
		}
	}
	for (i = 0; i < CS_NLISTS; i++)
		cr_assert_eq(s->other[listed[i] / 64] >> (listed[i] % 64) & 1,
			     0, "bit of listed protocol %d set", listed[i]);
	memcpy(m->other, s->other, sizeof(m->other));
}

static void assert_matches(const struct connset *s, const struct model *want,
			   const char *what)
{
	static struct model got;

	model_of(s, &got);
	cr_assert(memcmp(&got, want, sizeof(got)) == 0,
		  "%s: set differs from the model", what);
}

/* ---------------------------------------------------------- random sets -- */

static uint64_t rng;

static uint64_t rnd(void)
{
	/* xorshift64*: reproducible from the seed printed on failure. */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static unsigned int below(unsigned int n)
{
	return (unsigned int)(rnd() >> 32) % n;
}

/* A value from the set's "universe": values crowd near the edges in some
 * sets so that ranges touch, overlap and hit 0 and 65535. */
static unsigned int rnd_value(int mode)
{
	switch (mode) {
	case 0:
		return below(2) ? below(40) : 65535 - below(40);
	case 1: /* ICMP-like: few types, codes near 0 and 255 */
		return (below(2) ? below(6) : 255 - below(6)) << 8 |
		       (below(2) ? below(4) : 255 - below(4));
	default:
		return below(65536);
	}
}

/* Builds s and m with the same random additions. */
static void rnd_set(struct connset *s, struct model *m)
{
	int mode = (int)below(3);
	unsigned int k, adds = below(12);

	connset_clear(s);
	memset(m, 0, sizeof(*m));
	if (below(40) == 0) {
		connset_add_all(s);
		model_add_all(m);
	}
	for (k = 0; k < adds; k++) {
		static const int pick[] = {PROTO_TCP,  PROTO_TCP,
					   PROTO_UDP,  PROTO_ICMP,
					   PROTO_ICMP, PROTO_ICMPV6};
		unsigned int lo, hi, w;
		int proto;

		proto = below(5) ? pick[below(6)] : (int)below(256);
		lo = rnd_value(mode);
		switch (below(4)) {
		case 0:
			w = 0;
			break;
		case 1:
			w = below(4);
			break;
		case 2:
			w = below(600);
			break;
		default:
			w = below(65536);
			break;
		}
		hi = lo + w > 65535 ? 65535 : lo + w;
		if (below(30) == 0) {
			lo = 0;
			hi = 65535;
		}
		cr_assert_eq(connset_add(s, proto, lo, hi), 0);
		model_add(m, proto, lo, hi);
	}
}

static void seed(uint64_t v)
{
	rng = v;
	cr_log_info("seed %llu", (unsigned long long)v);
}

/* Some probes for contains(): every bound of s's lists and its neighbours,
 * and random values. */
static void check_contains(const struct connset *s, const struct model *m)
{
	int i, p;

	for (i = 0; i < CS_NLISTS; i++) {
		size_t n, k;
		const struct cs_range *r = connset_ranges(s, listed[i], &n);

		for (k = 0; k < n; k++) {
			unsigned int probe[4] = {r[k].lo - 1u, r[k].lo, r[k].hi,
						 r[k].hi + 1u};
			int j;

			for (j = 0; j < 4; j++) {
				bool want =
				    probe[j] <= 65535 &&
				    model_contains(m, listed[i], probe[j]);

				cr_assert_eq(
				    connset_contains(s, listed[i], probe[j]),
				    want, "proto %d value %u", listed[i],
				    probe[j]);
			}
		}
		for (k = 0; k < 20; k++) {
			unsigned int v = below(65536);

			cr_assert_eq(connset_contains(s, listed[i], v),
				     model_contains(m, listed[i], v));
		}
	}
	for (p = 0; p < 256; p++)
		cr_assert_eq(connset_contains(s, p, 7), model_contains(m, p, 7),
			     "proto %d", p);
}

static struct model ma, mb, mr, mx;

Test(connset, random_operations_match_model)
{
	struct connset a, b, r;
	int it;

	seed(0x5eed0001);
	connset_init(&a);
	connset_init(&b);
	connset_init(&r);
	for (it = 0; it < ITERATIONS; it++) {
		enum op op;

		rnd_set(&a, &ma);
		rnd_set(&b, &mb);
		assert_matches(&a, &ma, "built a");
		assert_matches(&b, &mb, "built b");
		check_contains(&a, &ma);

		for (op = OP_UNION; op <= OP_SUBTRACT; op++) {
			cr_assert_eq(connset_copy(&r, &a), 0);
			if (op == OP_UNION)
				cr_assert_eq(connset_union(&r, &b), 0);
			else if (op == OP_INTERSECT)
				cr_assert_eq(connset_intersect(&r, &b), 0);
			else
				cr_assert_eq(connset_subtract(&r, &b), 0);
			model_op(&mr, &ma, &mb, op);
			assert_matches(&r, &mr, "operation result");
			check_contains(&r, &mr);
			cr_assert_eq(connset_is_empty(&r), model_is_empty(&mr));
			if (op == OP_INTERSECT) {
				cr_assert_eq(connset_overlaps(&a, &b),
					     !model_is_empty(&mr),
					     "iteration %d", it);
				cr_assert_eq(connset_overlaps(&b, &a),
					     !model_is_empty(&mr));
			}
			/* b is never touched by an operation on r. */
			assert_matches(&b, &mb, "operand b");
		}

		cr_assert_eq(connset_is_subset(&a, &b), model_subset(&ma, &mb),
			     "iteration %d", it);
		cr_assert_eq(connset_is_subset(&b, &a), model_subset(&mb, &ma));
		cr_assert_eq(connset_equal(&a, &b),
			     memcmp(&ma, &mb, sizeof(ma)) == 0);
		cr_assert_eq(connset_is_empty(&a), model_is_empty(&ma));
		memset(&mx, 0, sizeof(mx));
		model_add_all(&mx);
		cr_assert_eq(connset_is_all(&a),
			     memcmp(&ma, &mx, sizeof(ma)) == 0);
	}
	connset_free(&a);
	connset_free(&b);
	connset_free(&r);
}

Test(connset, random_algebraic_identities)
{
	struct connset a, b, d, i, u, v;
	int it;

	seed(0x5eed0002);
	connset_init(&a);
	connset_init(&b);
	connset_init(&d);
	connset_init(&i);
	connset_init(&u);
	connset_init(&v);
	for (it = 0; it < ITERATIONS; it++) {
		rnd_set(&a, &ma);
		rnd_set(&b, &mb);

		/* (A - B) u (A n B) = A */
		cr_assert_eq(connset_copy(&d, &a), 0);
		cr_assert_eq(connset_subtract(&d, &b), 0);
		cr_assert_eq(connset_copy(&i, &a), 0);
		cr_assert_eq(connset_intersect(&i, &b), 0);
		cr_assert(connset_is_subset(&d, &a));
		cr_assert(connset_is_subset(&i, &b));
		cr_assert_eq(connset_copy(&u, &i), 0);
		cr_assert_eq(connset_intersect(&u, &d), 0);
		cr_assert(connset_is_empty(&u), "A-B and AnB overlap");
		cr_assert_eq(connset_union(&d, &i), 0);
		cr_assert(connset_equal(&d, &a), "iteration %d", it);

		/* Commutativity, and the operand aliasing the result. */
		cr_assert_eq(connset_copy(&u, &a), 0);
		cr_assert_eq(connset_union(&u, &b), 0);
		cr_assert_eq(connset_copy(&v, &b), 0);
		cr_assert_eq(connset_union(&v, &a), 0);
		cr_assert(connset_equal(&u, &v));
		cr_assert_eq(connset_hash(&u), connset_hash(&v));
		cr_assert(connset_is_subset(&a, &u));
		cr_assert_eq(connset_union(&u, &u), 0);
		cr_assert(connset_equal(&u, &v));
		cr_assert_eq(connset_intersect(&u, &u), 0);
		cr_assert(connset_equal(&u, &v));
		cr_assert_eq(connset_subtract(&u, &u), 0);
		cr_assert(connset_is_empty(&u));
		cr_assert_eq(connset_copy(&u, &u), 0);
	}
	connset_free(&a);
	connset_free(&b);
	connset_free(&d);
	connset_free(&i);
	connset_free(&u);
	connset_free(&v);
}

struct join {
	char *buf;
	size_t len, size;
	int items;
};

static int join_item(void *ctx, int proto, const char *text, size_t len)
{
	struct join *j = ctx;

	cr_assert_eq(strlen(text), len);
	cr_assert(proto >= -1 && proto <= 255);
	if (j->items++) {
		memcpy(j->buf + j->len, ", ", 2);
		j->len += 2;
	}
	cr_assert_lt(j->len + len, j->size);
	memcpy(j->buf + j->len, text, len + 1);
	j->len += len;
	return 0;
}

/* Formats s into a fresh buffer, checking the snprintf contract. */
static char *format_alloc(const struct connset *s)
{
	int len = connset_format(s, NULL, 0);
	char *buf, small[8];
	struct join j;

	cr_assert_geq(len, 0);
	buf = malloc((size_t)len + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(connset_format(s, buf, (size_t)len + 1), len);
	cr_assert_eq(strlen(buf), (size_t)len);

	/* Truncation keeps a terminated prefix and the full length. */
	cr_assert_eq(connset_format(s, small, sizeof(small)), len);
	cr_assert_eq(strlen(small), len < 7 ? (size_t)len : 7u);
	cr_assert(strncmp(small, buf, strlen(small)) == 0);

	/* The items, joined by ", ", are the text. */
	j.size = (size_t)len + 1;
	j.buf = malloc(j.size);
	cr_assert_not_null(j.buf);
	j.buf[0] = '\0';
	j.len = 0;
	j.items = 0;
	cr_assert_eq(connset_foreach_item(s, join_item, &j), 0);
	cr_assert_str_eq(j.buf, buf);
	free(j.buf);
	return buf;
}

Test(connset, random_format_parse_round_trip)
{
	struct connset a, p;
	int it;

	seed(0x5eed0003);
	connset_init(&a);
	connset_init(&p);
	for (it = 0; it < ITERATIONS; it++) {
		char *text, *again;

		rnd_set(&a, &ma);
		text = format_alloc(&a);
		cr_assert_eq(connset_parse(text, &p), 0, "parse \"%s\"", text);
		cr_assert(connset_equal(&p, &a), "round trip of \"%s\"", text);
		assert_matches(&p, &ma, "parsed");
		again = format_alloc(&p);
		cr_assert_str_eq(again, text);
		free(text);
		free(again);
	}
	connset_free(&a);
	connset_free(&p);
}

/* Rebuilds the flows of m as random overlapping pieces in random order. */
static void rebuild_shuffled(struct connset *s, const struct model *m)
{
	struct piece {
		int proto;
		unsigned int lo, hi;
	} * pc;
	size_t n = 0, cap = 1024, k;
	int i, p;

	pc = malloc(cap * sizeof(*pc));
	cr_assert_not_null(pc);
	for (i = 0; i < CS_NLISTS; i++) {
		unsigned int v = 0;

		while (v <= 65535) {
			unsigned int lo, hi;

			if (!bits_get(m->bits[i], v)) {
				v++;
				continue;
			}
			for (lo = v; v <= 65535 && bits_get(m->bits[i], v); v++)
				;
			/* Split [lo, v - 1] into pieces that overlap by
			 * a little or just touch. */
			for (hi = v - 1; lo <= hi;) {
				unsigned int end = lo + below(300);

				if (end > hi)
					end = hi;
				if (n == cap) {
					cap *= 2;
					pc = realloc(pc, cap * sizeof(*pc));
					cr_assert_not_null(pc);
				}
				pc[n].proto = listed[i];
				pc[n].lo = lo > 0 && below(2) ? lo - 1 : lo;
				pc[n].hi = end;
				/* Never reach outside the flows of m. */
				if (!bits_get(m->bits[i], pc[n].lo))
					pc[n].lo = lo;
				n++;
				lo = end + 1;
				if (end == 65535)
					break;
			}
		}
	}
	for (p = 0; p < 256; p++) {
		if (model_list(p) >= 0 || !(m->other[p / 64] >> (p % 64) & 1))
			continue;
		if (n == cap) {
			cap *= 2;
			pc = realloc(pc, cap * sizeof(*pc));
			cr_assert_not_null(pc);
		}
		pc[n].proto = p;
		pc[n].lo = below(65536); /* ignored for these protocols */
		pc[n].hi = 0;
		n++;
	}
	for (k = n; k > 1; k--) {
		size_t j = below((unsigned int)k);
		struct piece t = pc[k - 1];

		pc[k - 1] = pc[j];
		pc[j] = t;
	}
	connset_clear(s);
	for (k = 0; k < n; k++)
		cr_assert_eq(connset_add(s, pc[k].proto, pc[k].lo, pc[k].hi),
			     0);
	free(pc);
}

Test(connset, random_canonical_form_is_unique)
{
	struct connset a, b, c;
	int it;

	seed(0x5eed0004);
	connset_init(&a);
	connset_init(&b);
	connset_init(&c);
	for (it = 0; it < ITERATIONS / 3; it++) {
		char *ta, *tb, *tc;

		rnd_set(&a, &ma);
		rnd_set(&b, &mb);
		rebuild_shuffled(&c, &ma);
		assert_matches(&c, &ma, "rebuilt");
		cr_assert(connset_equal(&a, &c));
		cr_assert_eq(connset_hash(&a), connset_hash(&c));
		ta = format_alloc(&a);
		tb = format_alloc(&b);
		tc = format_alloc(&c);
		cr_assert_str_eq(ta, tc, "same flows, different text");
		/* Text equal iff flows equal. */
		cr_assert_eq(strcmp(ta, tb) == 0,
			     memcmp(&ma, &mb, sizeof(ma)) == 0, "\"%s\" \"%s\"",
			     ta, tb);
		if (memcmp(&ma, &mb, sizeof(ma)) == 0)
			cr_assert_eq(connset_hash(&a), connset_hash(&b));
		free(ta);
		free(tb);
		free(tc);
	}
	connset_free(&a);
	connset_free(&b);
	connset_free(&c);
}

/* ----------------------------------------------------- hand-written rows -- */

#define ALL (-2)

struct add {
	int proto;
	unsigned int lo, hi;
};

struct row {
	const char *text;
	size_t n;
	struct add add[8];
};

static const struct row rows[] = {
    {"", 0, {{0}}},
    {"tcp/80,443,8000-8100", 3, {{6, 80, 80}, {6, 443, 443}, {6, 8000, 8100}}},
    {"udp/53", 1, {{17, 53, 53}}},
    {"icmp/8", 1, {{1, 8 << 8, 8 << 8 | 255}}},
    {"icmp/3/4", 1, {{1, 0x304, 0x304}}},
    {"icmp/3/0-4", 1, {{1, 0x300, 0x304}}},
    {"icmp/8-11", 1, {{1, 0x800, 0xbff}}},
    {"icmp/8-11", 2, {{1, 0xa00, 0xbff}, {1, 0x800, 0x9ff}}},
    {"icmp", 1, {{1, 0, 65535}}},
    {"icmpv6/128", 1, {{58, 128 << 8, 128 << 8 | 255}}},
    {"icmpv6/135/0", 1, {{58, 135 << 8, 135 << 8}}},
    {"icmpv6", 1, {{58, 0, 65535}}},
    {"tcp", 1, {{6, 0, 65535}}},
    {"tcp", 2, {{6, 32768, 65535}, {6, 0, 32767}}},
    {"udp", 3, {{17, 0, 100}, {17, 50, 65535}, {17, 7, 7}}},
    {"esp", 1, {{50, 0, 0}}},
    {"ah", 1, {{51, 7, 9}}},
    {"gre", 1, {{47, 0, 0}}},
    {"sctp", 1, {{132, 80, 80}}},
    {"ipip", 1, {{4, 0, 0}}},
    {"igmp", 1, {{2, 0, 0}}},
    {"ospf", 1, {{89, 0, 0}}},
    {"pim", 1, {{103, 0, 0}}},
    {"vrrp", 1, {{112, 0, 0}}},
    {"l2tp", 1, {{115, 0, 0}}},
    {"proto-253", 1, {{253, 0, 0}}},
    {"proto-0", 1, {{0, 0, 0}}},
    {"proto-255", 1, {{255, 0, 0}}},
    {"all", 1, {{ALL, 0, 0}}},
    {"all", 2, {{6, 80, 80}, {ALL, 0, 0}}},
    /* edges and merging */
    {"tcp/0", 1, {{6, 0, 0}}},
    {"tcp/65535", 1, {{6, 65535, 65535}}},
    {"tcp/0,65535", 2, {{6, 65535, 65535}, {6, 0, 0}}},
    {"tcp/0-1", 2, {{6, 1, 1}, {6, 0, 0}}},
    {"tcp/65534-65535", 2, {{6, 65534, 65534}, {6, 65535, 65535}}},
    {"tcp/10-30", 2, {{6, 21, 30}, {6, 10, 20}}},
    {"tcp/10-20,22-30", 2, {{6, 22, 30}, {6, 10, 20}}},
    {"tcp/10-40", 3, {{6, 10, 20}, {6, 30, 40}, {6, 21, 29}}},
    {"tcp/5-100", 4, {{6, 10, 20}, {6, 30, 40}, {6, 50, 60}, {6, 5, 100}}},
    {"tcp/1-65535", 1, {{6, 1, 65535}}},
    {"tcp/0-65534", 1, {{6, 0, 65534}}},
    {"tcp/22, udp/22", 2, {{17, 22, 22}, {6, 22, 22}}},
    /* ICMP intervals that start or end inside a type */
    {"icmp/3/4-255, icmp/4, icmp/5/0-2", 1, {{1, 0x304, 0x502}}},
    {"icmp/3/4-255, icmp/4/0-2", 1, {{1, 0x304, 0x402}}},
    {"icmp/3/4-255, icmp/4-6", 1, {{1, 0x304, 0x6ff}}},
    {"icmp/3-5, icmp/6/0", 1, {{1, 0x300, 0x600}}},
    {"icmp/3/0-3, icmp/3/5-7", 2, {{1, 0x305, 0x307}, {1, 0x300, 0x303}}},
    {"icmp/0/0", 1, {{1, 0, 0}}},
    {"icmp/255/255", 1, {{1, 65535, 65535}}},
    {"icmp/255/0-254", 1, {{1, 0xff00, 0xfffe}}},
    {"icmp/255", 1, {{1, 0xff00, 0xffff}}},
    {"icmp/0-254", 1, {{1, 0, 0xfeff}}},
    {"icmp/0/1-255, icmp/1-255", 1, {{1, 1, 65535}}},
    /* fixed order whatever the order of addition */
    {"tcp/22, udp/53, icmp/8, icmpv6/128, igmp, esp, proto-253",
     7,
     {{253, 0, 0},
      {50, 0, 0},
      {2, 0, 0},
      {58, 128 << 8, 128 << 8 | 255},
      {1, 8 << 8, 8 << 8 | 255},
      {17, 53, 53},
      {6, 22, 22}}},
    {"tcp, udp, icmp, icmpv6",
     4,
     {{58, 0, 65535}, {1, 0, 65535}, {17, 0, 65535}, {6, 0, 65535}}},
};

static void build(struct connset *s, const struct row *r)
{
	size_t k;

	connset_clear(s);
	for (k = 0; k < r->n; k++) {
		if (r->add[k].proto == ALL)
			connset_add_all(s);
		else
			cr_assert_eq(connset_add(s, r->add[k].proto,
						 r->add[k].lo, r->add[k].hi),
				     0);
	}
}

Test(connset, text_rows)
{
	struct connset s, p;
	size_t i;

	connset_init(&s);
	connset_init(&p);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *text;

		build(&s, &rows[i]);
		text = format_alloc(&s);
		cr_assert_str_eq(text, rows[i].text, "row %zu", i);
		free(text);
		cr_assert_eq(connset_parse(rows[i].text, &p), 0, "parse \"%s\"",
			     rows[i].text);
		cr_assert(connset_equal(&p, &s), "parse \"%s\"", rows[i].text);
		cr_assert_eq(connset_is_empty(&s), rows[i].text[0] == '\0');
		cr_assert_eq(connset_is_all(&s),
			     strcmp(rows[i].text, "all") == 0);
	}
	connset_free(&s);
	connset_free(&p);
}

Test(connset, everything_by_pieces_is_all)
{
	struct connset s;
	char buf[64];
	int p;

	connset_init(&s);
	for (p = 255; p >= 0; p--) {
		cr_assert_not(connset_is_all(&s));
		cr_assert_eq(connset_add(&s, p, 0, 65535), 0);
	}
	cr_assert(connset_is_all(&s));
	cr_assert_eq(connset_format(&s, buf, sizeof(buf)), 3);
	cr_assert_str_eq(buf, "all");

	/* Everything but one protocol, or one port, is not "all". */
	cr_assert_eq(connset_parse("all", &s), 0);
	{
		struct connset t;

		connset_init(&t);
		cr_assert_eq(connset_add(&t, 6, 65535, 65535), 0);
		cr_assert_eq(connset_subtract(&s, &t), 0);
		cr_assert_not(connset_is_all(&s));
		connset_format(&s, buf, sizeof(buf));
		cr_assert_eq(connset_format(&s, NULL, 0) > (int)sizeof(buf),
			     true);
		cr_assert(strcmp(buf, "tcp/0-65534, udp, icmp, icmpv6, "
				      "proto-0, igmp, proto-3, ipip, p") == 0,
			  "%s", buf);
		connset_free(&t);
	}
	connset_free(&s);
}

Test(connset, parse_rejects_what_format_never_writes)
{
	static const char *const bad[] = {
	    "tcp/",
	    "tcp/80,",
	    "tcp/80 ,443",
	    "tcp/80,,443",
	    "tcp/65536",
	    "tcp/080",
	    "tcp/00",
	    "tcp/90-80",
	    "tcp/80-",
	    "tcp/-80",
	    "tcp/+80",
	    "udp/53,tcp/80",
	    "tcp/80,  udp/53",
	    "tcp/80, ",
	    ", tcp/80",
	    " tcp/80",
	    "tcp/80 ",
	    "TCP/80",
	    "Tcp",
	    "tcp/99999999999999999999",
	    "icmp/256",
	    "icmp/3/256",
	    "icmp/3/4/5",
	    "icmp/3-4/0",
	    "icmp/3/4-2",
	    "icmp/",
	    "icmp/3/",
	    "icmp/3,4",
	    "proto-256",
	    "proto-6",
	    "proto-50",
	    "proto-",
	    "proto-0253",
	    "proto-1x",
	    "proto--1",
	    "50",
	    "-1",
	    "esp/50",
	    "gre/0",
	    "all/1",
	    "all ",
	    "foo",
	    "tcp/80;udp/53",
	    "tcp\t",
	    "ipv6-icmp",
	    "icmpv6/128/0/0",
	    ",",
	    "tcp,,udp",
	};
	struct connset s, before;
	size_t i;

	connset_init(&s);
	connset_init(&before);
	cr_assert_eq(connset_parse("udp/53", &before), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(connset_parse("udp/53", &s), 0);
		cr_assert_eq(connset_parse(bad[i], &s), -EINVAL,
			     "accepted \"%s\"", bad[i]);
		cr_assert(connset_equal(&s, &before), "\"%s\" changed the set",
			  bad[i]);
	}
	connset_free(&s);
	connset_free(&before);
}

Test(connset, parse_merges_items_in_any_order)
{
	struct connset s;
	char buf[128];

	connset_init(&s);
	cr_assert_eq(connset_parse("esp, tcp/443, udp/53, tcp/80,81-90, "
				   "icmp/3/0-255, tcp/91",
				   &s),
		     0);
	connset_format(&s, buf, sizeof(buf));
	cr_assert_str_eq(buf, "tcp/80-91,443, udp/53, icmp/3, esp");
	cr_assert_eq(connset_parse("", &s), 0);
	cr_assert(connset_is_empty(&s));
	connset_free(&s);
}

/* connset_overlaps() at the edges: intervals that touch share a flow,
 * adjacent ones do not; every list and the other protocols count. */
Test(connset, overlaps_rows)
{
	static const struct {
		const char *a, *b;
		bool overlap;
	} orows[] = {
	    {"", "", false},
	    {"", "all", false},
	    {"all", "all", true},
	    {"tcp/80", "tcp/80", true},
	    {"tcp/1-2", "tcp/3-4", false},
	    {"tcp/1-3", "tcp/3-4", true},
	    {"tcp/1-10", "tcp/4", true},
	    {"tcp/1,5,9", "tcp/2-4,6-8,10", false},
	    {"tcp/1,5,9", "tcp/2-4,6-9", true},
	    {"tcp/443", "udp/443", false},
	    {"udp/53", "udp", true},
	    {"icmp/8", "icmp/8/0", true},
	    {"icmp/3/4", "icmp/3/5", false},
	    {"icmp/8", "icmpv6/8", false},
	    {"esp", "gre", false},
	    {"esp, tcp/22", "esp", true},
	    {"proto-253", "all", true},
	    {"tcp", "esp, udp, icmp, icmpv6", false},
	};
	struct connset a, b;
	size_t i;

	connset_init(&a);
	connset_init(&b);
	for (i = 0; i < sizeof(orows) / sizeof(orows[0]); i++) {
		cr_assert_eq(connset_parse(orows[i].a, &a), 0, "%s", orows[i].a);
		cr_assert_eq(connset_parse(orows[i].b, &b), 0, "%s", orows[i].b);
		cr_assert_eq(connset_overlaps(&a, &b), orows[i].overlap,
			     "'%s' and '%s'", orows[i].a, orows[i].b);
		cr_assert_eq(connset_overlaps(&b, &a), orows[i].overlap,
			     "'%s' and '%s'", orows[i].b, orows[i].a);
	}
	connset_free(&a);
	connset_free(&b);
}

Test(connset, add_rejects_bad_arguments)
{
	struct connset s;

	connset_init(&s);
	cr_assert_eq(connset_add(&s, -1, 0, 0), -EINVAL);
	cr_assert_eq(connset_add(&s, 256, 0, 0), -EINVAL);
	cr_assert_eq(connset_add(&s, 6, 10, 9), -EINVAL);
	cr_assert_eq(connset_add(&s, 17, 0, 65536), -EINVAL);
	cr_assert_eq(connset_add(&s, 1, 65536, 65536), -EINVAL);
	cr_assert(connset_is_empty(&s));
	/* Ports mean nothing for the other protocols: any are accepted. */
	cr_assert_eq(connset_add(&s, 50, 70000, 3), 0);
	cr_assert(connset_contains(&s, 50, 0));
	cr_assert_not(connset_contains(&s, 256, 0));
	cr_assert_not(connset_contains(&s, -1, 0));
	cr_assert_not(connset_contains(&s, 6, 65536));
	connset_free(&s);
}

/* Lists longer than the inline room go to the heap and keep working
 * through copy, clear, every operation and long item texts. */
Test(connset, long_lists_on_the_heap)
{
	struct connset odd, even, s;
	size_t n;
	char *text;
	int len;
	unsigned int v;

	connset_init(&odd);
	connset_init(&even);
	connset_init(&s);
	for (v = 0; v <= 65535; v += 2) {
		cr_assert_eq(connset_add(&even, 6, v, v), 0);
		cr_assert_eq(connset_add(&odd, 6, v + 1, v + 1), 0);
	}
	connset_ranges(&even, 6, &n);
	cr_assert_eq(n, 32768);
	cr_assert_not(connset_contains(&even, 6, 65535));
	cr_assert(connset_contains(&odd, 6, 65535));

	text = format_alloc(&even);
	len = (int)strlen(text);
	cr_assert_eq(strncmp(text, "tcp/0,2,4,6,8,10,", 17), 0);
	cr_assert_str_eq(text + len - 12, ",65532,65534");
	cr_assert_eq(connset_parse(text, &s), 0);
	cr_assert(connset_equal(&s, &even));
	free(text);

	cr_assert_eq(connset_copy(&s, &even), 0);
	cr_assert_eq(connset_union(&s, &odd), 0);
	connset_ranges(&s, 6, &n);
	cr_assert_eq(n, 1);
	cr_assert_eq(connset_format(&s, NULL, 0), 3);
	cr_assert_eq(connset_intersect(&s, &odd), 0);
	cr_assert(connset_equal(&s, &odd));
	cr_assert_eq(connset_subtract(&s, &even), 0);
	cr_assert(connset_equal(&s, &odd));
	cr_assert_eq(connset_intersect(&s, &even), 0);
	cr_assert(connset_is_empty(&s));
	cr_assert_eq(connset_hash(&s), connset_hash(&(struct connset){0}));

	connset_clear(&even);
	cr_assert(connset_is_empty(&even));
	cr_assert_eq(connset_add(&even, 6, 80, 80), 0);
	cr_assert_eq(connset_format(&even, NULL, 0), 6);
	connset_free(&odd);
	connset_free(&odd); /* a freed set is empty: freeing again is safe */
	connset_free(&even);
	connset_free(&s);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Distinct small sets hash apart: the same interval in another protocol's
 * list, or split differently, must not collide (a 64-bit hash makes a
 * chance collision among these ~700 sets practically impossible). */
Test(connset, hash_separates_lists)
{
	static uint64_t h[CS_NLISTS * 150 + 256];
	struct connset s;
	size_t n = 0, k;
	int i, p;
	unsigned int v;

	connset_init(&s);
	for (i = 0; i < CS_NLISTS; i++) {
		for (v = 0; v < 100; v++) {
			connset_clear(&s);
			cr_assert_eq(connset_add(&s, listed[i], v, v), 0);
			h[n++] = connset_hash(&s);
		}
		for (v = 0; v < 50; v++) {
			connset_clear(&s);
			cr_assert_eq(connset_add(&s, listed[i], v, v + 1), 0);
			cr_assert_eq(connset_add(&s, listed[i], v + 3, v + 3),
				     0);
			h[n++] = connset_hash(&s);
		}
	}
	for (p = 0; p < 256; p++) {
		connset_clear(&s);
		cr_assert_eq(connset_add(&s, p, 0, 65535), 0);
		h[n++] = connset_hash(&s);
	}
	qsort(h, n, sizeof(h[0]), cmp_u64);
	for (k = 1; k < n; k++)
		cr_assert_neq(h[k], h[k - 1], "hash collision");
	connset_free(&s);
}

static int stop_at_second(void *ctx, int proto, const char *text, size_t len)
{
	int *seen = ctx;

	(void)proto;
	(void)text;
	(void)len;
	return ++*seen == 2 ? 42 : 0;
}

struct protos {
	int n;
	int proto[8];
};

static int record_proto(void *ctx, int proto, const char *text, size_t len)
{
	struct protos *p = ctx;

	(void)text;
	(void)len;
	cr_assert_lt(p->n, 8);
	p->proto[p->n++] = proto;
	return 0;
}

Test(connset, foreach_reports_protocols_and_stops)
{
	static const int want[] = {6, 17, 1, 1, 58, 2, 253};
	struct protos got = {0};
	struct connset s;
	int i, seen = 0;

	connset_init(&s);
	cr_assert_eq(connset_parse("tcp/22, udp/53, icmp/0, icmp/8, "
				   "icmpv6/128, igmp, proto-253",
				   &s),
		     0);
	cr_assert_eq(connset_foreach_item(&s, stop_at_second, &seen), 42);
	cr_assert_eq(seen, 2);
	cr_assert_eq(connset_foreach_item(&s, record_proto, &got), 0);
	cr_assert_eq(got.n, 7);
	for (i = 0; i < 7; i++)
		cr_assert_eq(got.proto[i], want[i], "item %d", i);

	connset_add_all(&s);
	got.n = 0;
	cr_assert_eq(connset_foreach_item(&s, record_proto, &got), 0);
	cr_assert_eq(got.n, 1);
	cr_assert_eq(got.proto[0], -1);
	connset_free(&s);
}

Test(proto, names_both_ways)
{
	static const struct {
		int number;
		const char *name;
	} known[] = {
	    {1, "icmp"},    {2, "igmp"},   {4, "ipip"},	 {6, "tcp"},
	    {17, "udp"},    {47, "gre"},   {50, "esp"},	 {51, "ah"},
	    {58, "icmpv6"}, {89, "ospf"},  {103, "pim"}, {112, "vrrp"},
	    {115, "l2tp"},  {132, "sctp"},
	};
	size_t i;
	int p, named = 0;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		cr_assert_str_eq(proto_name(known[i].number), known[i].name);
		cr_assert_eq(proto_number(known[i].name), known[i].number);
	}
	for (p = 0; p < 256; p++) {
		const char *n = proto_name(p);

		if (n) {
			named++;
			cr_assert_eq(proto_number(n), p);
		}
	}
	cr_assert_eq(named, (int)(sizeof(known) / sizeof(known[0])));
	cr_assert_null(proto_name(253));
	cr_assert_null(proto_name(-1));
	cr_assert_null(proto_name(256));
	cr_assert_eq(proto_number("ESP"), -1);
	cr_assert_eq(proto_number("50"), -1);
	cr_assert_eq(proto_number(""), -1);
	cr_assert_eq(proto_number_n("espx", 3), 50);
	cr_assert_eq(proto_number_n("esp", 2), -1);
}

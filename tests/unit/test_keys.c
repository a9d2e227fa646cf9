/* test_keys.c - the protocol and port test of every rule shape against
 * every kind of flow, as spec section 3 writes it.  Queries skip rules by
 * a 32-bit key range (struct sg_hrange); an encoding slip there would drop
 * or add matches silently, so each (rule, flow) pair is asked through the
 * public API and compared with the spec's formula computed here. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "sgreach.h"

struct shape {
	const char *proto;
	int from, to;
};

/* Every shape sgreach_model_add_rule() accepts, as written by users. */
static const struct shape shapes[] = {
    {"-1", -1, -1},	 {"tcp", 443, 443},  {"tcp", 0, 65535},
    {"tcp", -1, -1},	 {"tcp", 0, 0},	     {"tcp", 65535, 65535},
    {"tcp", 1000, 2000}, {"6", 22, 22},	     {"udp", 53, 53},
    {"udp", -1, 80},	 {"17", 0, 1023},    {"icmp", -1, -1},
    {"icmp", 8, -1},	 {"icmp", 8, 0},     {"icmp", 0, 0},
    {"icmp", 255, 255},	 {"icmp", -1, 5},    {"1", 3, 4},
    {"icmpv6", -1, -1},	 {"icmpv6", 128, 0}, {"icmpv6", 128, -1},
    {"esp", -1, -1},	 {"50", 80, 90},     {"gre", 0, 0},
    {"132", 1, 2},	 {"255", -1, -1},    {"0", -1, -1},
};
#define NSHAPES (sizeof(shapes) / sizeof(shapes[0]))

static const sgreach_flow flows[] = {
    {6, 443, -1},  {6, 0, -1},	 {6, 65535, -1}, {6, 1000, -1},	 {6, 2000, -1},
    {6, 2001, -1}, {6, 22, -1},	 {6, -1, -1},	 {6, 70000, -1}, {6, -5, -1},
    {17, 53, -1},  {17, 80, -1}, {17, 81, -1},	 {17, 1023, -1}, {1, 8, 0},
    {1, 8, 1},	   {1, 8, -1},	 {1, 0, 0},	 {1, 255, 255},	 {1, 3, 4},
    {1, 3, 5},	   {1, -1, -1},	 {1, -1, 5},	 {1, 300, 0},	 {1, 5, 300},
    {58, 128, 0},  {58, 128, 7}, {58, 129, 0},	 {58, -1, -1},	 {50, -1, -1},
    {50, 85, -1},  {47, -1, -1}, {132, 9, -1},	 {255, -1, -1},	 {0, -1, -1},
    {4, -1, -1},
};
#define NFLOWS (sizeof(flows) / sizeof(flows[0]))

/* Spec 3, from the rule as written. */
static int spec_admits(const struct shape *s, const sgreach_flow *f)
{
	int proto = -2, lo = s->from, hi = s->to;

	if (!strcmp(s->proto, "-1"))
		return 1;
	if (!strcmp(s->proto, "tcp") || !strcmp(s->proto, "6"))
		proto = 6;
	else if (!strcmp(s->proto, "udp") || !strcmp(s->proto, "17"))
		proto = 17;
	else if (!strcmp(s->proto, "icmp") || !strcmp(s->proto, "1"))
		proto = 1;
	else if (!strcmp(s->proto, "icmpv6"))
		proto = 58;
	else if (!strcmp(s->proto, "esp"))
		proto = 50;
	else if (!strcmp(s->proto, "gre"))
		proto = 47;
	else
		proto = atoi(s->proto);
	if (proto != f->protocol)
		return 0;
	switch (proto) {
	case 6:
	case 17:
		if (lo == -1 || hi == -1) /* treat -1 as all */
			lo = 0, hi = 65535;
		return f->port >= lo && f->port <= hi;
	case 1:
	case 58:
		return lo == -1 ||
		       (lo == f->port && (hi == -1 || hi == f->code));
	default:
		return 1; /* all ports, whatever written */
	}
}

/* One endpoint per shape, each with one group holding that shape from
 * 0.0.0.0/0 and from ::/0. */
static sgreach_model *build_shapes(void)
{
	sgreach_model *m = sgreach_model_new();
	char gid[32], eid[32], a4[32], a6[32];
	size_t i;

	cr_assert(m);
	for (i = 0; i < NSHAPES; i++) {
		snprintf(gid, sizeof(gid), "sg-%zu", i);
		snprintf(eid, sizeof(eid), "eni-%zu", i);
		snprintf(a4, sizeof(a4), "10.0.0.%zu", i + 1);
		snprintf(a6, sizeof(a6), "fd00::%zx", i + 1);
		cr_assert_eq(sgreach_model_add_group(m, gid, gid, "vpc-1",
						     SGREACH_GROUP_COMPLETE),
			     0);
		cr_assert_eq(sgreach_model_add_rule(
				 m, gid, SGREACH_INGRESS, shapes[i].proto,
				 shapes[i].from, shapes[i].to,
				 SGREACH_PEER_CIDR, "0.0.0.0/0", NULL, NULL, 0),
			     0, "%s %d %d: %s", shapes[i].proto, shapes[i].from,
			     shapes[i].to, sgreach_model_error(m));
		cr_assert_eq(sgreach_model_add_rule(
				 m, gid, SGREACH_INGRESS, shapes[i].proto,
				 shapes[i].from, shapes[i].to,
				 SGREACH_PEER_CIDR, "::/0", NULL, NULL, 0),
			     0);
		cr_assert_eq(sgreach_model_add_endpoint(m, eid,
							SGREACH_ENDPOINT_ENI,
							"vpc-1", NULL, NULL),
			     0);
		cr_assert_eq(sgreach_model_add_address(m, eid, a4, 0), 0);
		cr_assert_eq(sgreach_model_add_address(m, eid, a6, 0), 0);
		cr_assert_eq(sgreach_model_add_endpoint_group(m, eid, gid), 0);
	}
	cr_assert_eq(sgreach_model_finalize(m), 0);
	return m;
}

static const char *flow_src(const sgreach_flow *f)
{
	return f->protocol == 58 ? "2001:db8::1" : "192.0.2.1";
}

Test(keys, every_rule_shape_against_every_flow)
{
	sgreach_model *m = build_shapes();
	sgreach_verdict *v = sgreach_verdict_new();
	char eid[32];
	size_t i, j, asked = 0, admitted = 0;

	cr_assert(v);
	/* Both ways a query evaluates: the result alone, and everything. */
	for (unsigned int fl = 0; fl <= SGREACH_QUERY_DETAILS;
	     fl += SGREACH_QUERY_DETAILS)
		for (i = 0; i < NSHAPES; i++) {
			snprintf(eid, sizeof(eid), "eni-%zu", i);
			for (j = 0; j < NFLOWS; j++) {
				const sgreach_flow *f = &flows[j];
				int want = spec_admits(&shapes[i], f);
				int rc = sgreach_query_flow(m, flow_src(f), eid,
							    f, fl, v);

				cr_assert_eq(rc, 0, "%s: %s", eid,
					     sgreach_verdict_error(v));
				cr_expect_eq(sgreach_verdict_result(v) ==
						 SGREACH_ALLOWED,
					     want,
					     "rule %s %d %d, flow %d/%d/%d, "
					     "flags %u: spec says %s",
					     shapes[i].proto, shapes[i].from,
					     shapes[i].to, f->protocol, f->port,
					     f->code, fl,
					     want ? "allowed" : "denied");
				asked++;
				admitted += (size_t)want;
			}
		}
	/* Both answers occur often: the comparison cannot pass vacuously. */
	cr_expect_gt(admitted, NSHAPES);
	cr_expect_gt(asked - admitted, NSHAPES * 10);
	sgreach_verdict_free(v);
	sgreach_model_free(m);
}

/* A model of 2^24 rules or more keeps rule indexes out of struct sg_hkey;
 * the limit is lowered to take that path here, and every answer must be
 * the same, rules included. */
Test(keys, wide_models_answer_alike)
{
	sgreach_model *narrow = build_shapes(), *wide;
	sgreach_verdict *a = sgreach_verdict_new(), *b = sgreach_verdict_new();
	char eid[32];
	size_t i, j, allowed = 0;

	sg_hkey_rule_limit = 0;
	wide = build_shapes();
	sg_hkey_rule_limit = SG_HKEY_RULES;
	cr_assert(a && b);
	cr_assert(!narrow->hkey_wide && wide->hkey_wide);
	for (i = 0; i < NSHAPES; i++) {
		snprintf(eid, sizeof(eid), "eni-%zu", i);
		for (j = 0; j < NFLOWS; j++) {
			const sgreach_flow *f = &flows[j];

			cr_assert_eq(sgreach_query_flow(narrow, flow_src(f),
							eid, f, 0, a),
				     0);
			cr_assert_eq(
			    sgreach_query_flow(wide, flow_src(f), eid, f, 0, b),
			    0);
			cr_assert_str_eq(
			    sgreach_verdict_render(a, SGREACH_FORMAT_JSON),
			    sgreach_verdict_render(b, SGREACH_FORMAT_JSON));
			allowed += sgreach_verdict_result(a) == SGREACH_ALLOWED;
		}
	}
	cr_expect_gt(allowed, NSHAPES); /* rules were listed, not only none */
	sgreach_verdict_free(a);
	sgreach_verdict_free(b);
	sgreach_model_free(narrow);
	sgreach_model_free(wide);
}

/* The key ranges of rules, as sg_hrange_set() takes them: edges first. */
static const struct {
	uint32_t lo, span;
} ranges[] = {
    {0, UINT32_MAX},	    {UINT32_MAX, 0},	     {0, 0},
    {1, 0},		    {0x7fffffffu, 0},	     {0x80000000u, 0},
    {0x7fffffffu, 1},	    {0x80000000u, 0x7fffffffu}, {6u << 18, 0x3ffff},
    {6u << 18 | 444, 0},    {6u << 18 | 1, 65535},  {17u << 18 | 54, 10},
    {1u << 18 | 8u << 9, 0x1ff}, {0xfffffff0u, 0x20}, {5, UINT32_MAX - 5},
};
#define NRANGES (sizeof(ranges) / sizeof(ranges[0]))

/* sg_hrange_has() is the test a rule's range is written for, on every
 * edge: k in [lo, lo + span], in 32-bit unsigned arithmetic. */
Test(keys, range_test_is_the_unsigned_interval)
{
	size_t i, j;

	for (i = 0; i < NRANGES; i++) {
		const uint32_t lo = ranges[i].lo, span = ranges[i].span;
		const uint32_t keys[] = {lo - 1,	lo,	   lo + 1,
					 lo + span - 1, lo + span, lo + span + 1,
					 0,		UINT32_MAX, 0x80000000u,
					 0x7fffffffu};
		struct sg_hrange h;

		sg_hrange_set(&h, lo, span);
		for (j = 0; j < sizeof(keys) / sizeof(keys[0]); j++)
			cr_expect_eq(sg_hrange_has(&h, keys[j]),
				     keys[j] - lo <= span,
				     "lo %#x span %#x key %#x", lo, span,
				     keys[j]);
	}
}

/* sg_hrange_scan(), which reads ranges four at a time and up to three
 * past the run, against sg_hrange_has() one by one: every run length up
 * to past 64 (it looks at 64 at most), every key an edge of some range.
 * The ranges past the run hold every key: a lane read there and not
 * masked off would show. */
Test(keys, scan_finds_what_one_at_a_time_finds)
{
	struct sg_hrange hr[80 + SG_HKEY_PAD];
	uint32_t seed = 11, n, i, t, checked = 0, found = 0;

	for (t = 0; t < 40; t++) {
		for (n = 0; n <= 80; n++) {
			for (i = 0; i < 80 + SG_HKEY_PAD; i++) {
				seed = seed * 1103515245u + 12345u;
				if (i >= n && i < n + SG_HKEY_PAD)
					sg_hrange_set(&hr[i], 0, UINT32_MAX);
				else
					sg_hrange_set(
					    &hr[i],
					    ranges[(seed >> 8) % NRANGES].lo,
					    ranges[(seed >> 8) % NRANGES].span);
			}
			for (i = 0; i < 2 * NRANGES; i++) {
				const uint32_t k =
				    i < NRANGES ? ranges[i].lo
						: ranges[i - NRANGES].lo +
						      ranges[i - NRANGES].span +
						      (t & 1);
				uint64_t want = 0, got;
				uint32_t r;

				for (r = 0; r < n && r < 64; r++)
					want |= (uint64_t)sg_hrange_has(&hr[r],
									k)
						<< r;
				got = sg_hrange_scan(hr, n, k);
				cr_assert_eq(got, want,
					     "run of %u, key %#x: %#llx, "
					     "want %#llx",
					     n, k, (unsigned long long)got,
					     (unsigned long long)want);
				checked++;
				found += want != 0;
			}
		}
	}
	/* Neither answer is rare: the comparison cannot pass vacuously. */
	cr_expect_gt(found, checked / 4);
	cr_expect_lt(found, checked);
}

/* Adds eni-1 (10.0.0.1, in vpc-1) carrying group sg-1, and finalizes. */
static void finish_with_eni_1(sgreach_model *m)
{
	cr_assert_eq(sgreach_model_add_endpoint(m, "eni-1",
						SGREACH_ENDPOINT_ENI, "vpc-1",
						NULL, NULL),
		     0);
	cr_assert_eq(sgreach_model_add_address(m, "eni-1", "10.0.0.1", 0), 0);
	cr_assert_eq(sgreach_model_add_endpoint_group(m, "eni-1", "sg-1"), 0);
	cr_assert_eq(sgreach_model_finalize(m), 0, "%s",
		     sgreach_model_error(m));
}

/* A group's ingress run of every length the scan treats differently (up
 * to a lane of four, past 64 keys, past the 255 a query's view holds),
 * rule i admitting tcp port 1000 + i alone, and its egress run, next in
 * memory, admitting everything: the query finds rule p at every position,
 * and nothing past the run. */
Test(keys, every_position_of_a_long_run)
{
	static const uint32_t lengths[] = {1,  2,  3,  4,   5,	 7,   8,  9,
					   63, 64, 65, 66,  127, 128, 129, 255,
					   256, 300};
	sgreach_verdict *v = sgreach_verdict_new();
	size_t li;

	cr_assert(v);
	for (li = 0; li < sizeof(lengths) / sizeof(lengths[0]); li++) {
		const uint32_t len = lengths[li];
		sgreach_model *m = sgreach_model_new();
		char flow[32];
		uint32_t i, p;

		cr_assert(m);
		cr_assert_eq(sgreach_model_add_group(m, "sg-1", "run", "vpc-1",
						     SGREACH_GROUP_COMPLETE),
			     0);
		for (i = 0; i < len; i++)
			cr_assert_eq(sgreach_model_add_rule(
					 m, "sg-1", SGREACH_INGRESS, "tcp",
					 (int)(1000 + i), (int)(1000 + i),
					 SGREACH_PEER_CIDR, "0.0.0.0/0", NULL,
					 NULL, 0),
				     0);
		cr_assert_eq(sgreach_model_add_rule(m, "sg-1", SGREACH_EGRESS,
						    "-1", -1, -1,
						    SGREACH_PEER_CIDR,
						    "0.0.0.0/0", NULL, NULL, 0),
			     0);
		finish_with_eni_1(m);
		for (p = 0; p <= len; p++) {
			snprintf(flow, sizeof(flow), "tcp/%u", 1000 + p);
			for (unsigned int fl = 0; fl <= SGREACH_QUERY_DETAILS;
			     fl += SGREACH_QUERY_DETAILS) {
				cr_assert_eq(sgreach_query(m, "192.0.2.1",
							   "eni-1", flow, fl,
							   v),
					     0);
				cr_expect_eq(sgreach_verdict_result(v),
					     p < len ? SGREACH_ALLOWED
						     : SGREACH_DENIED,
					     "run of %u, %s, flags %u", len,
					     flow, fl);
			}
		}
		sgreach_model_free(m);
	}
	sgreach_verdict_free(v);
}

/* A prefix list of both families, an IPv4 entry of every length among
 * IPv6 ones: an IPv4 address is allowed exactly when an IPv4 entry holds
 * it (queries read the list's IPv4 entries apart). */
Test(keys, prefix_list_entries_of_both_families)
{
	static const char *const entries[] = {
	    "2001:db8::/32", "10.1.2.3/32", "::/0",	    "10.2.0.0/16",
	    "fd00::/8",	     "172.16.0.0/12", "192.0.2.128/25", "2001:db8::/127",
	};
	static const struct {
		const char *src;
		int allowed;
	} srcs[] = {
	    {"10.1.2.3", 1},	 {"10.1.2.4", 0},     {"10.2.255.255", 1},
	    {"10.3.0.0", 0},	 {"172.31.0.1", 1},   {"172.32.0.1", 0},
	    {"192.0.2.128", 1},	 {"192.0.2.127", 0},  {"192.0.2.255", 1},
	    {"8.8.8.8", 0},
	};
	sgreach_model *m = sgreach_model_new();
	sgreach_verdict *v = sgreach_verdict_new();
	size_t i;

	cr_assert(m && v);
	for (i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
		cr_assert_eq(sgreach_model_add_prefix_list_entry(m, "pl-1",
								 entries[i]),
			     0, "%s", sgreach_model_error(m));
	cr_assert_eq(sgreach_model_add_prefix_list_entry(m, "pl-v6",
							 "::/0"),
		     0);
	cr_assert_eq(sgreach_model_add_group(m, "sg-1", "d", "vpc-1",
					     SGREACH_GROUP_COMPLETE),
		     0);
	cr_assert_eq(sgreach_model_add_rule(m, "sg-1", SGREACH_INGRESS, "tcp",
					    443, 443, SGREACH_PEER_PREFIX_LIST,
					    "pl-1", NULL, NULL, 0),
		     0);
	/* A list of IPv6 entries alone holds no IPv4 address. */
	cr_assert_eq(sgreach_model_add_rule(m, "sg-1", SGREACH_INGRESS, "tcp",
					    80, 80, SGREACH_PEER_PREFIX_LIST,
					    "pl-v6", NULL, NULL, 0),
		     0);
	finish_with_eni_1(m);
	for (i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++)
		for (unsigned int fl = 0; fl <= SGREACH_QUERY_DETAILS;
		     fl += SGREACH_QUERY_DETAILS) {
			cr_assert_eq(sgreach_query(m, srcs[i].src, "eni-1",
						   "tcp/443", fl, v),
				     0);
			cr_expect_eq(sgreach_verdict_result(v),
				     srcs[i].allowed ? SGREACH_ALLOWED
						     : SGREACH_DENIED,
				     "%s, flags %u", srcs[i].src, fl);
			cr_assert_eq(sgreach_query(m, srcs[i].src, "eni-1",
						   "tcp/80", fl, v),
				     0);
			cr_expect_eq(sgreach_verdict_result(v), SGREACH_DENIED,
				     "%s tcp/80, flags %u", srcs[i].src, fl);
		}
	sgreach_verdict_free(v);
	sgreach_model_free(m);
}

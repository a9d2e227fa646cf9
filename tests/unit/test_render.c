/* test_render.c - a verdict keeps the JSON of the rules it rendered and
 * copies it the next time (render/verdict.c): every rendering must be
 * byte for byte what a fresh verdict writes, whatever was rendered before,
 * on which model, and however full the cache is. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "sgreach.h"

/* Strings that need escaping, so that the cache must hold escaped text. */
static const char *const names[] = {"web \"front\"", "db\\main",    "tab\there",
				    "caf\xc3\xa9",   "ctl\x01\x7f", NULL};

/* Four groups with rules of every peer kind, five interfaces (one with a
 * task of a service), one group never defined.  tag makes the strings of
 * two models differ while their shape (and allocation sizes) stays. */
static sgreach_model *build(const char *tag, const char *big)
{
	sgreach_model *m = sgreach_model_new();
	char g[4][32], desc[64], eni[5][32], addr[32];
	int i, k;

	cr_assert_not_null(m);
	for (i = 0; i < 4; i++) {
		snprintf(g[i], sizeof(g[i]), "sg-%s%d", tag, i);
		cr_assert_eq(sgreach_model_add_group(m, g[i], names[i + 1],
						     "vpc-1",
						     SGREACH_GROUP_COMPLETE),
			     0);
	}
	for (i = 0; i < 4; i++)
		for (k = 0; k < 3; k++) {
			snprintf(desc, sizeof(desc), "%s rule %d.%d %s", tag, i,
				 k, names[(i + k) % 5]);
			cr_assert_eq(
			    sgreach_model_add_rule(
				m, g[i], SGREACH_INGRESS,
				k == 0	 ? "tcp"
				: k == 1 ? "-1"
					 : "udp",
				k == 1 ? -1 : 100 * i,
				k == 1 ? -1 : 100 * i + 99,
				k == 2 ? SGREACH_PEER_GROUP : SGREACH_PEER_CIDR,
				k == 2 ? g[(i + 1) % 4] : "10.0.0.0/16",
				k ? NULL : "sgr-1", big && k == 0 ? big : desc,
				0),
			    0, "%s", sgreach_model_error(m));
			cr_assert_eq(sgreach_model_add_rule(
					 m, g[i], SGREACH_EGRESS, "-1", -1, -1,
					 SGREACH_PEER_CIDR,
					 k ? "0.0.0.0/0" : "10.0.0.0/8", NULL,
					 k ? NULL : names[k], 0),
				     0);
		}
	for (i = 0; i < 5; i++) {
		snprintf(eni[i], sizeof(eni[i]), "eni-%s%d", tag, i);
		snprintf(addr, sizeof(addr), "10.0.1.%d", 10 + i);
		cr_assert_eq(sgreach_model_add_endpoint(m, eni[i],
							SGREACH_ENDPOINT_ENI,
							"vpc-1", NULL, NULL),
			     0);
		cr_assert_eq(sgreach_model_add_address(m, eni[i], addr, 0), 0);
		if (i == 0) {
			/* one interface, three addresses: the selection
			 * object names the one selected */
			cr_assert_eq(sgreach_model_add_address(m, eni[i],
							       "10.0.1.100", 0),
				     0);
			cr_assert_eq(sgreach_model_add_address(
					 m, eni[i], "2001:db8::10", 0),
				     0);
		}
		cr_assert_eq(
		    sgreach_model_add_endpoint_group(m, eni[i], g[i % 4]), 0);
		if (i == 4)
			cr_assert_eq(sgreach_model_add_endpoint_group(
					 m, eni[i], "sg-never-defined"),
				     0);
	}
	cr_assert_eq(sgreach_model_add_task(m,
					    "arn:aws:ecs:eu-west-1:1:task/c/t1",
					    eni[1], "svc \"one\""),
		     0);
	cr_assert_eq(sgreach_model_finalize(m), 0, "%s",
		     sgreach_model_error(m));
	return m;
}

static const char *const flows[] = {"tcp/5",   "tcp/150", "udp/250",
				    "tcp/399", "esp",	  "icmp/8/0"};
#define NFLOWS (sizeof(flows) / sizeof(flows[0]))

/* Renders SRC DST FLOW with v and with a fresh verdict: they must agree.
 * Returns how many rules the answer cites (a rough count of "rule_id"). */
static int agree(sgreach_model *m, sgreach_verdict *v, const char *src,
		 const char *dst, const char *flow)
{
	sgreach_verdict *fresh = sgreach_verdict_new();
	const char *a, *b, *p;
	int rules = 0, rc;

	cr_assert_not_null(fresh);
	rc = sgreach_query(m, src, dst, flow, 0, v);
	cr_assert_eq(rc, sgreach_query(m, src, dst, flow, 0, fresh));
	if (rc) {
		sgreach_verdict_free(fresh);
		return 0;
	}
	a = sgreach_verdict_render(v, SGREACH_FORMAT_JSON);
	b = sgreach_verdict_render(fresh, SGREACH_FORMAT_JSON);
	cr_assert_not_null(a);
	cr_assert_not_null(b);
	cr_assert_str_eq(a, b, "%s -> %s %s", src, dst, flow);
	for (p = a; (p = strstr(p, "\"rule_id\"")); p++)
		rules++;
	/* and the text form is untouched by the JSON cache */
	a = sgreach_verdict_render(v, SGREACH_FORMAT_TEXT);
	b = sgreach_verdict_render(fresh, SGREACH_FORMAT_TEXT);
	cr_assert_str_eq(a, b);
	sgreach_verdict_free(fresh);
	return rules;
}

/* Every pair of the first nsel selectors (interfaces, then the addresses
 * of one, a task, a service, addresses and a range outside the model) on
 * every flow, twice with one verdict: the second pass is all cache hits. */
static int all_pairs(sgreach_model *m, sgreach_verdict *v, const char *tag,
		     int nsel)
{
	static const char *const others[] = {
	    "10.0.1.10",	   "10.0.1.100", "2001:db8::10",  "t1",
	    "service:svc \"one\"", "192.0.2.1",	 "2001:db8:1::1", "10.0.0.0/8"};
	char sel[13][48];
	int i, j, pass, rules = 0;
	size_t f;

	for (i = 0; i < 5; i++)
		snprintf(sel[i], sizeof(sel[i]), "eni-%s%d", tag, i);
	for (i = 0; i < 8; i++)
		snprintf(sel[5 + i], sizeof(sel[5 + i]), "%s", others[i]);
	cr_assert_leq(nsel, 13);
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < nsel; i++)
			for (j = 0; j < nsel; j++)
				for (f = 0; f < NFLOWS; f++)
					rules += agree(m, v, sel[i], sel[j],
						       flows[f]);
	return rules;
}

Test(render, cached_rules_render_as_fresh_ones)
{
	sgreach_model *m = build("a", NULL);
	sgreach_verdict *v = sgreach_verdict_new();

	cr_assert_gt(all_pairs(m, v, "a", 13), 100, "the answers cite rules");
	sgreach_verdict_free(v);
	sgreach_model_free(m);
}

/* An interface selected by its IPv4 and by its IPv6 address in turn (a
 * batch asking with -4 and -6): both renderings stay cached.  With one
 * fragment per interface each replaced the other, and the cache's text
 * grew by a copy every time until it was cleared (sgreach batch on large
 * rendered 142,000 fragments for 36,600 distinct ones). */
Test(render, both_families_of_an_interface_stay_cached)
{
	sgreach_model *m = build("a", NULL);
	sgreach_verdict *v = sgreach_verdict_new();
	size_t bytes = 0;
	int round;

	cr_assert_not_null(v);
	for (round = 0; round < 10; round++) {
		/* eni-a0 by each of its families, to and from addresses
		 * outside the model */
		agree(m, v, "10.0.1.100", "192.0.2.1", "tcp/250");
		agree(m, v, "2001:db8::10", "2001:db8:1::1", "tcp/250");
		agree(m, v, "192.0.2.1", "10.0.1.100", "tcp/250");
		agree(m, v, "2001:db8:1::1", "2001:db8::10", "tcp/250");
		if (round == 1)
			bytes = verdict_render_cache_bytes(v);
	}
	cr_assert_eq(sgreach_query(m, "2001:db8::10", "2001:db8:1::1",
				   "tcp/250", 0, v),
		     0, "%s", sgreach_verdict_error(v));
	cr_assert_gt(bytes, 0);
	cr_assert_eq(verdict_render_cache_bytes(v), bytes,
		     "the cache grew from %zu to %zu bytes", bytes,
		     verdict_render_cache_bytes(v));
	sgreach_verdict_free(v);
	sgreach_model_free(m);
}

/* A verdict that renders one answer (a single query, the Python bindings'
 * verdict per query) builds no cache: arrays sized by the model cost more
 * than its rendering (Python on large: 22k -> 14k queries/s when it did).
 * The second rendering builds it. */
Test(render, cache_starts_with_the_second_answer)
{
	sgreach_model *m = build("a", NULL);
	sgreach_verdict *v = sgreach_verdict_new();
	char first[4096];

	cr_assert_eq(sgreach_query(m, "eni-a1", "eni-a2", "tcp/250", 0, v), 0);
	snprintf(first, sizeof(first), "%s",
		 sgreach_verdict_render(v, SGREACH_FORMAT_JSON));
	cr_expect_null(v->cache);
	cr_expect_str_eq(sgreach_verdict_render(v, SGREACH_FORMAT_JSON),
			 first);
	cr_expect_not_null(v->cache);
	sgreach_verdict_free(v);
	sgreach_model_free(m);
}

/* The cache is tied to the model, not to its address: a verdict used on
 * one model, which is then freed, and on another (of the same shape, so
 * likely at the same address) must render the second model's strings. */
Test(render, cache_follows_the_model)
{
	sgreach_verdict *v = sgreach_verdict_new();
	sgreach_model *m = build("a", NULL), *m2;
	const char *json;

	all_pairs(m, v, "a", 13);
	sgreach_model_free(m);
	m = build("b", NULL);
	all_pairs(m, v, "b", 13);
	cr_assert_eq(sgreach_query(m, "eni-b1", "eni-b2", "tcp/250", 0, v), 0);
	json = sgreach_verdict_render(v, SGREACH_FORMAT_JSON);
	cr_expect(strstr(json, "\"description\":\"b rule 2.0 ") != NULL, "%s",
		  json);
	cr_expect(strstr(json, "a rule") == NULL, "%s", json);
	/* two live models, alternately */
	m2 = build("c", NULL);
	all_pairs(m2, v, "c", 13);
	all_pairs(m, v, "b", 13);
	sgreach_model_free(m2);
	sgreach_model_free(m);
	sgreach_verdict_free(v);
}

/* Rules of a few megabytes each: the cache's bound (16 MiB of text) is
 * passed (four rules of 6 MiB once escaped), so it starts over, and a
 * fragment larger than the bound (17 MiB) is never kept; the answers must
 * not change. */
Test(render, cache_bound_passed)
{
	size_t n = 3u << 20;
	char *big = malloc(n + 1);
	sgreach_verdict *v = sgreach_verdict_new();
	sgreach_model *m;
	size_t i;

	cr_assert_not_null(big);
	for (i = 0; i < n; i++)
		big[i] = "ab\"c\\d\x01"[i % 7];
	big[n] = '\0';
	m = build("a", big);
	all_pairs(m, v, "a", 6);
	sgreach_model_free(m);
	big = realloc(big, (17u << 20) + 1);
	cr_assert_not_null(big);
	memset(big, 'x', 17u << 20);
	big[17u << 20] = '\0';
	m = build("a", big);
	all_pairs(m, v, "a", 6);
	sgreach_model_free(m);
	free(big);
	sgreach_verdict_free(v);
}

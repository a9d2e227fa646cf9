/* test_views.c - the query's shortcuts against its general path.
 *
 * A query of one pair works out its result alone, stopping at the first
 * rule that decides (the details wait for a rendering); it reads an
 * endpoint's groups and their rule runs from one 64-byte view, and VPC
 * reachability from a bit matrix.  Each shortcut has a general path that it
 * must agree with: more groups than the view holds, an interface's one
 * address (IPv4 or IPv6) read from the interface, rules read group by
 * group rather than from a copy of the interface's groups' runs (and a
 * model where only some lists of groups fit the copies' limit), more VPCs
 * than the matrix, SGREACH_QUERY_DETAILS.  Here one seeded model, mixing
 * every kind of peer, missing groups and prefix lists, peered and
 * unpeered VPCs, public addresses and ranges, is built three times: as
 * usual (its query arrays in one block), with every shortcut's limit at
 * 0, and with the copies' limit in between.  Thousands of queries must then give the same return code,
 * message, result and renderings. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "sgreach.h"

#define NGROUPS	   24
#define NENDPOINTS 48
#define NQUERIES   6000

static uint32_t rnd_state;

static uint32_t rnd(uint32_t n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

static const char *const vpcs[] = {"vpc-a", "vpc-b", "vpc-c", "vpc-d", NULL};

static void add_rule(sgreach_model *m, const char *gid, int dir)
{
	static const struct {
		const char *proto;
		int from, to;
	} ports[] = {
	    {"tcp", 22, 22},	 {"tcp", 443, 443},  {"tcp", 0, 65535},
	    {"tcp", 1000, 2000}, {"udp", 53, 53},    {"udp", -1, -1},
	    {"icmp", 8, -1},	 {"icmp", -1, -1},   {"icmp", 3, 4},
	    {"-1", -1, -1},	 {"esp", -1, -1},    {"icmpv6", 128, -1},
	};
	static const char *const cidrs[] = {
	    "0.0.0.0/0",    "10.0.0.0/8",  "10.1.0.0/16",  "10.2.3.0/24",
	    "10.1.2.16/28", "10.3.4.5/32", "192.0.2.0/24", "::/0",
	    "fd00::/8",	    "8.8.8.8/32",  "10.0.0.0/9",   "10.2.0.0/15",
	    /* the second addresses of some interfaces, not the first */
	    "10.0.9.0/24",  "10.1.9.0/24",
	};
	static const char *const plists[] = {"pl-full", "pl-empty",
					     "pl-missing"};
	const int p = (int)rnd(sizeof(ports) / sizeof(ports[0]));
	char peer[32];
	sgreach_peer_kind kind;
	unsigned int flags = 0;
	uint32_t k = rnd(20);

	if (k < 9) {
		kind = SGREACH_PEER_CIDR;
		snprintf(peer, sizeof(peer), "%s",
			 cidrs[rnd(sizeof(cidrs) / sizeof(cidrs[0]))]);
	} else if (k < 16) {
		kind = SGREACH_PEER_GROUP;
		snprintf(peer, sizeof(peer), "sg-%u", rnd(NGROUPS + 1));
		if (rnd(10) == 0)
			flags = SGREACH_RULE_STALE;
	} else if (k < 19) {
		kind = SGREACH_PEER_PREFIX_LIST;
		snprintf(peer, sizeof(peer), "%s", plists[rnd(3)]);
	} else {
		kind = SGREACH_PEER_UNKNOWN;
		snprintf(peer, sizeof(peer), "aws_security_group.x.id");
	}
	cr_assert_eq(sgreach_model_add_rule(m, gid, (sgreach_direction)dir,
					    ports[p].proto, ports[p].from,
					    ports[p].to, kind, peer, NULL, NULL,
					    flags),
		     0, "%s: %s", gid, sgreach_model_error(m));
}

/* The model; the same seed gives the same model. */
static sgreach_model *build(void)
{
	sgreach_model *m = sgreach_model_new();
	char id[32], addr[64];
	uint32_t i, k, n;

	cr_assert(m);
	rnd_state = 7;
	cr_assert_eq(sgreach_model_add_vpc(m, "vpc-a", "10.0.0.0/16"), 0);
	cr_assert_eq(sgreach_model_add_vpc(m, "vpc-b", "10.1.0.0/16"), 0);
	cr_assert_eq(sgreach_model_add_vpc(m, "vpc-c", "10.2.0.0/16"), 0);
	cr_assert_eq(sgreach_model_add_vpc(m, "vpc-d", "10.3.0.0/16"), 0);
	cr_assert_eq(sgreach_model_add_peering(m, "pcx-ab", "vpc-a", "vpc-b", 1),
		     0);
	cr_assert_eq(sgreach_model_add_peering(m, "pcx-ac", "vpc-a", "vpc-c", 0),
		     0);
	cr_assert_eq(sgreach_model_add_prefix_list_entry(m, "pl-full",
							 "10.1.0.0/16"),
		     0);
	cr_assert_eq(sgreach_model_add_prefix_list_entry(m, "pl-full",
							 "192.0.2.0/25"),
		     0);
	cr_assert_eq(sgreach_model_add_prefix_list(m, "pl-empty", NULL), 0);
	/* sg-NGROUPS is referenced and attached, never defined: missing. */
	for (i = 0; i < NGROUPS; i++) {
		snprintf(id, sizeof(id), "sg-%u", i);
		cr_assert_eq(sgreach_model_add_group(m, id, id, vpcs[i % 4],
						     SGREACH_GROUP_COMPLETE),
			     0);
		for (int dir = 0; dir < 2; dir++)
			for (n = rnd(9); n > 0; n--)
				add_rule(m, id, dir);
	}
	/* Long runs, past the scan's blocks of 64, in both directions. */
	cr_assert_eq(sgreach_model_add_group(m, "sg-long", "long", "vpc-a",
					     SGREACH_GROUP_COMPLETE),
		     0);
	for (i = 0; i < 300; i++)
		for (int dir = 0; dir < 2; dir++)
			cr_assert_eq(sgreach_model_add_rule(
					 m, "sg-long", (sgreach_direction)dir,
					 "tcp", (int)(1000 + i * dir),
					 (int)(1000 + i), SGREACH_PEER_CIDR,
					 i % 2 ? "10.0.0.0/10" : "10.1.2.0/24",
					 NULL, NULL, 0),
				     0);
	for (i = 0; i < NENDPOINTS; i++) {
		const char *vpc = vpcs[i % 5];
		const uint32_t vi = i % 5;

		snprintf(id, sizeof(id), "eni-%u", i);
		cr_assert_eq(sgreach_model_add_endpoint(m, id,
							SGREACH_ENDPOINT_ENI,
							vpc, NULL, NULL),
			     0);
		snprintf(addr, sizeof(addr), "10.%u.%u.%u", vi, i / 8,
			 16 + i % 8);
		cr_assert_eq(sgreach_model_add_address(m, id, addr, 0), 0);
		if (i % 7 == 3) { /* two private IPv4 addresses */
			snprintf(addr, sizeof(addr), "10.%u.9.%u", vi, i);
			cr_assert_eq(sgreach_model_add_address(m, id, addr, 0),
				     0);
		}
		if (i % 3 == 0) {
			snprintf(addr, sizeof(addr), "fd00::%x", i + 1);
			cr_assert_eq(sgreach_model_add_address(m, id, addr, 0),
				     0);
		}
		if (i % 5 == 1) {
			snprintf(addr, sizeof(addr), "203.0.113.%u", i);
			cr_assert_eq(sgreach_model_add_address(
					 m, id, addr, SGREACH_ADDR_PUBLIC),
				     0);
		}
		/* 0 to 7 groups: beyond SG_QEP_GROUPS too. */
		for (k = 0, n = i % 11 == 10 ? 7 : rnd(6); k < n; k++) {
			snprintf(addr, sizeof(addr), "sg-%u",
				 rnd(NGROUPS + 1));
			sgreach_model_add_endpoint_group(m, id, addr);
		}
		if (i % 9 == 4)
			cr_assert_eq(
			    sgreach_model_add_endpoint_group(m, id, "sg-long"),
			    0);
		if (i % 4 == 2) { /* a task, in one of two services */
			snprintf(addr, sizeof(addr),
				 "arn:aws:ecs:eu-west-1:1:task/c/t%u", i);
			cr_assert_eq(sgreach_model_add_task(
					 m, addr, id, i % 8 == 2 ? "a" : "b"),
				     0);
		}
	}
	/* Two interfaces with the same groups, in the same order: one copy
	 * of their rules. */
	for (i = 0; i < 2; i++) {
		snprintf(id, sizeof(id), "eni-twin-%u", i);
		snprintf(addr, sizeof(addr), "10.0.200.%u", i);
		cr_assert_eq(sgreach_model_add_endpoint(m, id,
							SGREACH_ENDPOINT_ENI,
							"vpc-a", NULL, NULL),
			     0);
		cr_assert_eq(sgreach_model_add_address(m, id, addr, 0), 0);
		cr_assert_eq(sgreach_model_add_endpoint_group(m, id, "sg-1"), 0);
		cr_assert_eq(sgreach_model_add_endpoint_group(m, id, "sg-2"), 0);
	}
	cr_assert_eq(sgreach_model_finalize(m), 0, "%s", sgreach_model_error(m));
	return m;
}

static const char *const outside[] = {
    "8.8.8.8",	   "10.1.2.3",	   "192.0.2.7",	  "10.2.3.0/24",
    "0.0.0.0/0",   "10.1.2.16/28", "2001:db8::1", "fd00::/8",
    "10.3.4.5",	   "192.0.2.0/24", "10.0.0.0/8",  "10.1.0.0/23",
};
#define NOUTSIDE (sizeof(outside) / sizeof(outside[0]))

/* Every selector kind a query takes, several of each; those outside the
 * model last. */
static size_t selectors(char sel[][48], size_t cap)
{
	size_t n = 0, i;

	for (i = 0; i < NENDPOINTS && n < cap; i++) {
		snprintf(sel[n++], 48, "eni-%zu", i);
		if (i % 2 == 0)
			snprintf(sel[n++], 48, "10.%zu.%zu.%zu", i % 5, i / 8,
				 16 + i % 8);
		if (i % 5 == 1)
			snprintf(sel[n++], 48, "203.0.113.%zu", i);
		if (i % 12 == 0) /* an interface's IPv6 address */
			snprintf(sel[n++], 48, "fd00::%zx", i + 1);
		if (i % 4 == 2)
			snprintf(sel[n++], 48,
				 i % 3 ? "arn:aws:ecs:eu-west-1:1:task/c/t%zu"
				       : "t%zu",
				 i);
	}
	snprintf(sel[n++], 48, "service:a");
	snprintf(sel[n++], 48, "service:b");
	for (i = 0; i < sizeof(outside) / sizeof(outside[0]); i++)
		snprintf(sel[n++], 48, "%s", outside[i]);
	return n;
}

static const char *const flows[] = {
    "tcp/22",	"tcp/443",  "tcp/1500",	    "tcp/1299", "udp/53",
    "icmp/8/0", "icmp/3/4", "icmpv6/128/0", "esp",	"tcp/65535",
};

/* One random query over the nsel selectors: their indexes in s and d. A
 * quarter of the sides are outside the model (ranges give partial
 * answers). */
struct ask {
	size_t s, d;
	const char *flow;
	unsigned int flags;
};

static struct ask ask(size_t nsel)
{
	struct ask a;

	a.s = rnd(4) ? rnd((uint32_t)nsel) : nsel - 1 - rnd(NOUTSIDE);
	a.d = rnd(4) ? rnd((uint32_t)nsel) : nsel - 1 - rnd(NOUTSIDE);
	a.flow = flows[rnd(sizeof(flows) / sizeof(flows[0]))];
	a.flags = !strncmp(a.flow, "icmpv6", 6) || rnd(10) == 0
		      ? SGREACH_QUERY_IPV6
		      : 0;
	return a;
}

Test(views, shortcuts_answer_as_the_general_path)
{
	static char sel[200][48];
	static sgreach_selector *hs[200];
	const size_t nsel = selectors(sel, 180);
	sgreach_model *fast, *slow, *mixed;
	sgreach_verdict *a = sgreach_verdict_new(), *b = sgreach_verdict_new();
	sgreach_verdict *c = sgreach_verdict_new(), *dm = sgreach_verdict_new();
	size_t results[5] = {0}, errors = 0, inl = 0, handled = 0, i;
	size_t one6 = 0, copied = 0, general = 0;
	uint32_t twin[2];

	/* Its query arrays in one block (model_pack_queries()), as a model
	 * whose arrays fill 2 MB has them. */
	sg_pack_min = 0;
	fast = build();
	sg_pack_min = SG_PACK_MIN;
	sg_hkey_rule_limit = 0;
	sg_qep_groups_limit = 0;
	sg_qconn_limit = 0;
	sg_run_copies = 0;
	sg_run_copy_floor = 0;
	slow = build();
	/* Some lists of groups copied, the rest not (the copies read
	 * through m->hot, as hkey_wide). */
	sg_run_copy_floor = 60;
	mixed = build();
	sg_hkey_rule_limit = SG_HKEY_RULES;
	sg_qep_groups_limit = SG_QEP_GROUPS;
	sg_qconn_limit = SG_QCONN_VPCS;
	sg_run_copies = SG_RUN_COPIES;
	sg_run_copy_floor = SG_RUN_COPY_FLOOR;
	/* The interfaces' one address, read from the endpoint instead. */
	for (i = 0; i < slow->endpoints.n; i++) {
		one6 += fast->qep[i].one_addr6;
		slow->qep[i].one_addr4 = 0;
		slow->qep[i].one_addr6 = 0;
	}
	cr_assert_gt(one6, 4);
	cr_assert(a && b && c && dm);
	/* By handle too: a selector holds its own copy of its interface's
	 * view (the selectors that do not resolve stay NULL). */
	for (i = 0; i < nsel; i++)
		sgreach_select(fast, sel[i], NULL, &hs[i]);
	/* Both paths are taken in fast, only the general one in slow. */
	for (i = 0; i < fast->endpoints.n; i++)
		inl += fast->qep[i].inline_;
	cr_assert(inl > NENDPOINTS / 2 && inl < fast->endpoints.n,
		  "%zu of %zu endpoints inline", inl, fast->endpoints.n);
	for (i = 0; i < slow->endpoints.n; i++)
		cr_assert(!slow->qep[i].inline_ || slow->qep[i].ngroups == 0);
	cr_assert(fast->qconn && !slow->qconn);
	cr_assert(!fast->hkey_wide && slow->hkey_wide && mixed->hkey_wide);
	/* One run for every interface in fast; several groups take the
	 * general path in slow, and both are taken in mixed. */
	for (i = 0; i < fast->endpoints.n; i++) {
		const int several = fast->endpoints.v[i].groups.n > 1;

		cr_assert(fast->qep[i].run);
		cr_assert_eq(slow->qep[i].run, !several);
		copied += several && mixed->qep[i].run;
		general += several && !mixed->qep[i].run;
	}
	cr_assert(fast->hcopy && !slow->hcopy && mixed->hcopy);
	cr_assert(fast->pack && !slow->pack && !mixed->pack);
	cr_assert_eq((uintptr_t)fast->pack % SG_PACK_PAGE, 0);
	cr_assert_eq((void *)fast->qep, fast->pack);
	cr_assert((char *)fast->sel_ids.slots > (char *)fast->pack &&
		  (char *)fast->addr4.slots > (char *)fast->sel_ids.slots);
	twin[0] = twin[1] = SG_NONE;
	for (i = 0; i < fast->endpoints.n; i++)
		if (!strncmp(fast->endpoints.v[i].id, "eni-twin-", 9))
			twin[fast->endpoints.v[i].id[9] - '0'] = (uint32_t)i;
	cr_assert(twin[0] != SG_NONE && twin[1] != SG_NONE);
	cr_assert_eq(fast->qep[twin[0]].at, fast->qep[twin[1]].at);
	cr_assert_geq(fast->qep[twin[0]].at, fast->nhot);
	cr_assert(copied > 2 && general > 2, "mixed: %zu copied, %zu not",
		  copied, general);

	rnd_state = 99;
	for (i = 0; i < NQUERIES; i++) {
		const struct ask q = ask(nsel);
		const char *s = sel[q.s], *d = sel[q.d], *f = q.flow;
		const unsigned int fam = q.flags;
		int ra = sgreach_query(fast, s, d, f, fam, a);
		int rb = sgreach_query(slow, s, d, f,
				       fam | SGREACH_QUERY_DETAILS, b);
		int rm = sgreach_query(mixed, s, d, f, fam, dm);
		int rc = -1;
		const char *ja, *jb, *jm;
		sgreach_flow fl;

		cr_assert_eq(ra, rb, "%s %s %s: %d, general path %d", s, d, f,
			     ra, rb);
		cr_assert_eq(rm, ra, "%s %s %s: mixed %d, %d", s, d, f, rm,
			     ra);
		if (hs[q.s] && hs[q.d]) {
			cr_assert_eq(sgreach_flow_parse(f, &fl), 0);
			rc = sgreach_query_selected(fast, hs[q.s], hs[q.d], &fl,
						    fam, c);
			cr_assert_eq(rc, ra, "%s %s %s by handle: %d, %d", s,
				     d, f, rc, ra);
			handled++;
		}
		if (ra) {
			cr_assert_str_eq(sgreach_verdict_error(a),
					 sgreach_verdict_error(b));
			errors++;
			continue;
		}
		cr_assert_eq(sgreach_verdict_result(a),
			     sgreach_verdict_result(b),
			     "%s %s %s: %s, general path %s", s, d, f,
			     sgreach_result_name(sgreach_verdict_result(a)),
			     sgreach_result_name(sgreach_verdict_result(b)));
		cr_assert_eq(sgreach_verdict_result(dm),
			     sgreach_verdict_result(a), "%s %s %s: mixed", s,
			     d, f);
		results[sgreach_verdict_result(a) % 5]++;
		if (rc == 0)
			cr_assert_eq(sgreach_verdict_result(c),
				     sgreach_verdict_result(a),
				     "%s %s %s by handle", s, d, f);
		/* Every other answer rendered: the quick verdicts that are
		 * never rendered must be right on their own too. */
		if (i % 2)
			continue;
		ja = sgreach_verdict_render(a, i % 4 ? SGREACH_FORMAT_TEXT
						     : SGREACH_FORMAT_JSON);
		jb = sgreach_verdict_render(b, i % 4 ? SGREACH_FORMAT_TEXT
						     : SGREACH_FORMAT_JSON);
		jm = sgreach_verdict_render(dm, i % 4 ? SGREACH_FORMAT_TEXT
						      : SGREACH_FORMAT_JSON);
		cr_assert(ja && jb && jm);
		cr_assert_str_eq(ja, jb, "%s %s %s:\n%s\ngeneral path:\n%s", s,
				 d, f, ja, jb);
		cr_assert_str_eq(jm, ja, "%s %s %s mixed:\n%s\nfast:\n%s", s,
				 d, f, jm, ja);
		if (rc == 0) {
			const char *jc = sgreach_verdict_render(
			    c, i % 4 ? SGREACH_FORMAT_TEXT : SGREACH_FORMAT_JSON);

			cr_assert(jc);
			cr_assert_str_eq(jc, ja, "%s %s %s by handle:\n%s\n"
						 "by text:\n%s",
					 s, d, f, jc, ja);
		}
	}
	/* Every answer occurs often enough to have been compared. */
	cr_expect_gt(results[SGREACH_ALLOWED], NQUERIES / 20);
	cr_expect_gt(results[SGREACH_DENIED], NQUERIES / 20);
	cr_expect_gt(results[SGREACH_UNKNOWN], NQUERIES / 20);
	cr_expect_gt(results[SGREACH_PARTIAL], NQUERIES / 100);
	cr_expect_gt(errors, 0);
	cr_expect_lt(errors, NQUERIES * 2 / 5, "%zu errors", errors);
	cr_expect_gt(handled, NQUERIES / 2);
	for (i = 0; i < nsel; i++)
		sgreach_selector_free(hs[i]);
	sgreach_verdict_free(a);
	sgreach_verdict_free(b);
	sgreach_verdict_free(c);
	sgreach_verdict_free(dm);
	sgreach_model_free(fast);
	sgreach_model_free(slow);
	sgreach_model_free(mixed);
}

/* sgreach_query_many() answers each question as sgreach_query_selected()
 * would, whatever its reading ahead and its own path between two single
 * addresses; misused questions fail alone; the call's own errors. */
Test(views, many_answers_as_one_at_a_time)
{
	static char sel[200][48];
	static sgreach_question q[NQUERIES], again[NQUERIES];
	const size_t nsel = selectors(sel, 180);
	sgreach_model *m = build(), *other = build(), *unfinished;
	sgreach_verdict *v = sgreach_verdict_new(), *w = sgreach_verdict_new();
	sgreach_selector *hs[200] = {NULL}, *foreign = NULL;
	size_t results[5] = {0}, errors = 0, i, k, first = NQUERIES;
	size_t v6[16], nv6 = 0;
	char first_err[512] = "";
	int rc;

	cr_assert(v && w);
	for (k = 0; k < nsel; k++) { /* NULL where it names nothing */
		sgreach_select(m, sel[k], w, &hs[k]);
		if (!strncmp(sel[k], "fd00::", 6) && !strchr(sel[k], '/') &&
		    nv6 < 16)
			v6[nv6++] = k;
	}
	cr_assert_gt(nv6, 2);
	cr_assert_eq(sgreach_select(other, "eni-1", w, &foreign), 0);
	rnd_state = 7;
	for (i = 0; i < NQUERIES; i++) {
		struct ask a = ask(nsel);

		/* The last questions between interfaces by their IPv6
		 * addresses: the family then decides group references. */
		if (i >= NQUERIES - 400) {
			a.s = v6[rnd((uint32_t)nv6)];
			a.d = v6[rnd((uint32_t)nv6)];
		}
		q[i].src = hs[a.s];
		q[i].dst = hs[a.d];
		cr_assert_eq(sgreach_flow_parse(a.flow, &q[i].flow), 0);
		q[i].flags = a.flags;
		/* A few misuses, each to fail alone. */
		if (i % 500 == 17)
			q[i].flags |= SGREACH_QUERY_DETAILS;
		else if (i % 500 == 33)
			q[i].src = foreign;
		else if (i % 500 == 49)
			q[i].flags = SGREACH_QUERY_IPV4 | SGREACH_QUERY_IPV6;
		else if (i % 500 == 65)
			q[i].flow.protocol = 300;
		q[i].result = (sgreach_result)99;
		q[i].error = 99;
	}
	memcpy(again, q, sizeof(q));
	rc = sgreach_query_many(m, q, NQUERIES, v);

	for (i = 0; i < NQUERIES; i++) {
		const char *msg = NULL;
		int one;

		if (q[i].flags & SGREACH_QUERY_DETAILS) {
			cr_assert_eq(q[i].error, -EINVAL);
			one = -EINVAL;
			msg = "SGREACH_QUERY_DETAILS: the answers of "
			      "sgreach_query_many() are results only";
		} else {
			one = sgreach_query_selected(m, q[i].src, q[i].dst,
						     &q[i].flow, q[i].flags, w);
			cr_assert_eq(q[i].error, one,
				     "question %zu: %d, one "
				     "at a time %d (%s)",
				     i, q[i].error, one,
				     sgreach_verdict_error(w));
		}
		if (one) {
			if (first == NQUERIES) {
				first = i;
				snprintf(first_err, sizeof(first_err), "%s",
					 msg ? msg : sgreach_verdict_error(w));
			}
			cr_assert_eq(q[i].result, (sgreach_result)99);
			errors++;
			continue;
		}
		cr_assert_eq(q[i].result, sgreach_verdict_result(w),
			     "question %zu: %s, one at a time %s", i,
			     sgreach_result_name(q[i].result),
			     sgreach_result_name(sgreach_verdict_result(w)));
		results[q[i].result % 5]++;
	}
	/* The first failure's code and message; no verdict to render. */
	cr_assert_lt(first, NQUERIES);
	cr_assert_eq(rc, q[first].error);
	cr_assert_str_eq(sgreach_verdict_error(v), first_err);
	cr_assert_null(sgreach_verdict_render(v, SGREACH_FORMAT_JSON));
	cr_expect_gt(results[SGREACH_ALLOWED], NQUERIES / 20);
	cr_expect_gt(results[SGREACH_DENIED], NQUERIES / 20);
	cr_expect_gt(results[SGREACH_UNKNOWN], NQUERIES / 20);
	cr_expect_gt(results[SGREACH_PARTIAL], NQUERIES / 100);
	cr_expect_gt(errors, NQUERIES / 500 * 4);
	cr_expect_lt(errors, NQUERIES * 2 / 5, "%zu errors", errors);

	/* The same answers in calls of every size: reading ahead stops at
	 * the end of each call. */
	for (i = 0, k = 1; i < NQUERIES; i += k, k = k % 19 + 1)
		sgreach_query_many(m, again + i,
				   k < NQUERIES - i ? k : NQUERIES - i, v);
	for (i = 0; i < NQUERIES; i++) {
		cr_assert_eq(again[i].error, q[i].error, "question %zu", i);
		cr_assert_eq(again[i].result, q[i].result, "question %zu", i);
	}

	/* The call's own errors set every question's. */
	cr_assert_eq(sgreach_query_many(m, q, 3, NULL), -EINVAL);
	cr_assert_eq(sgreach_query_many(NULL, q, 3, v), -EINVAL);
	for (i = 0; i < 3; i++)
		cr_assert_eq(q[i].error, -EINVAL);
	cr_assert_eq(sgreach_query_many(m, NULL, 3, v), -EINVAL);
	cr_assert_eq(sgreach_query_many(m, NULL, 0, v), 0);
	unfinished = sgreach_model_new();
	cr_assert_not_null(unfinished);
	cr_assert_eq(sgreach_query_many(unfinished, q, 2, v), -EBUSY);
	cr_assert_eq(q[1].error, -EBUSY);
	cr_assert_str_eq(sgreach_verdict_error(v),
			 "the model is not finalized");

	for (k = 0; k < nsel; k++)
		sgreach_selector_free(hs[k]);
	sgreach_selector_free(foreign);
	sgreach_model_free(unfinished);
	sgreach_model_free(other);
	sgreach_model_free(m);
	sgreach_verdict_free(v);
	sgreach_verdict_free(w);
}

/* What sgreach_query_many_text()'s callback saw of each question. */
struct seen {
	sgreach_text_question *q;
	size_t calls, next, stop_at;
	int rc[NQUERIES];
	char text[NQUERIES][64]; /* the start of the rendering or message */
};

static int record(void *arg, size_t i, sgreach_verdict *v)
{
	struct seen *s = arg;
	const char *out;

	cr_assert_eq(i, s->next, "question %zu called back as %zu", s->next, i);
	s->next++;
	s->calls++;
	s->rc[i] = s->q[i].error;
	if (s->q[i].error) {
		out = sgreach_verdict_error(v);
	} else {
		cr_assert_eq(sgreach_verdict_result(v), s->q[i].result);
		out = sgreach_verdict_render(v, SGREACH_FORMAT_JSON);
		cr_assert_not_null(out);
	}
	snprintf(s->text[i], sizeof(s->text[i]), "%s", out);
	return s->stop_at == i;
}

/* sgreach_query_many_text() answers each question as sgreach_query_flow()
 * would, and its callback sees each answer, in order, as that call leaves
 * the verdict, whatever the reading ahead: with details or not, texts that
 * name nothing, empty or NULL texts, a bad flow or flags; in calls of every
 * size; stopped by the callback; the call's own errors. */
Test(views, many_by_text_answers_as_one_at_a_time)
{
	static char sel[200][48];
	static sgreach_text_question q[NQUERIES], again[NQUERIES];
	static struct seen seen;
	static const char *const odd[] = {"eni-999",  "",	   NULL,
					  "10.9.9.9", "task/none", "fd00::99"};
	const size_t nsel = selectors(sel, 180);
	sgreach_model *m = build(), *unfinished;
	sgreach_verdict *v = sgreach_verdict_new(), *w = sgreach_verdict_new();
	size_t errors = 0, details = 0, i, k, first = NQUERIES;
	char first_err[512] = "";
	int rc;

	cr_assert(m && v && w);
	rnd_state = 11;
	for (i = 0; i < NQUERIES; i++) {
		struct ask a = ask(nsel);

		q[i].src = sel[a.s];
		q[i].dst = sel[a.d];
		cr_assert_eq(sgreach_flow_parse(a.flow, &q[i].flow), 0);
		q[i].flags = a.flags;
		if (i % 3 == 0) {
			q[i].flags |= SGREACH_QUERY_DETAILS;
			details++;
		}
		if (i % 97 == 5)
			q[i].src = odd[i % 6];
		else if (i % 97 == 6)
			q[i].dst = odd[i % 6];
		else if (i % 500 == 49)
			q[i].flags = SGREACH_QUERY_IPV4 | SGREACH_QUERY_IPV6;
		else if (i % 500 == 65)
			q[i].flow.protocol = 300;
		else if (i % 500 == 81)
			q[i].flags |= 0x100;
		q[i].result = (sgreach_result)99;
		q[i].error = 99;
	}
	memcpy(again, q, sizeof(q));
	seen.q = q;
	seen.stop_at = NQUERIES;
	rc = sgreach_query_many_text(m, q, NQUERIES, v, record, &seen);
	cr_assert_eq(seen.calls, NQUERIES);

	for (i = 0; i < NQUERIES; i++) {
		char one_text[64];
		int one = sgreach_query_flow(m, q[i].src, q[i].dst, &q[i].flow,
					     q[i].flags, w);

		cr_assert_eq(q[i].error, one,
			     "question %zu: %d, one at a time %d (%s)", i,
			     q[i].error, one, sgreach_verdict_error(w));
		snprintf(one_text, sizeof(one_text), "%s",
			 one ? sgreach_verdict_error(w)
			     : sgreach_verdict_render(w, SGREACH_FORMAT_JSON));
		cr_assert_str_eq(seen.text[i], one_text, "question %zu", i);
		if (one) {
			if (first == NQUERIES) {
				first = i;
				snprintf(first_err, sizeof(first_err), "%s",
					 sgreach_verdict_error(w));
			}
			cr_assert_eq(q[i].result, (sgreach_result)99);
			errors++;
			continue;
		}
		cr_assert_eq(q[i].result, sgreach_verdict_result(w),
			     "question %zu", i);
	}
	cr_assert_lt(first, NQUERIES);
	cr_assert_eq(rc, q[first].error);
	cr_assert_str_eq(sgreach_verdict_error(v), first_err);
	cr_assert_null(sgreach_verdict_render(v, SGREACH_FORMAT_JSON));
	cr_expect_gt(errors, NQUERIES / 97);
	cr_expect_lt(errors, NQUERIES * 2 / 5, "%zu errors", errors);

	/* The same answers in calls of every size, without a callback:
	 * reading ahead stops at the end of each call. */
	for (i = 0, k = 1; i < NQUERIES; i += k, k = k % 19 + 1)
		sgreach_query_many_text(m, again + i,
					k < NQUERIES - i ? k : NQUERIES - i, v,
					NULL, NULL);
	for (i = 0; i < NQUERIES; i++) {
		cr_assert_eq(again[i].error, q[i].error, "question %zu", i);
		cr_assert_eq(again[i].result, q[i].result, "question %zu", i);
	}

	/* A callback that stops the call: the questions after it are not
	 * answered. */
	memset(&seen, 0, sizeof(seen));
	seen.q = again;
	seen.stop_at = 40;
	cr_assert_eq(sgreach_query_many_text(m, again, 100, v, record, &seen),
		     -ECANCELED);
	cr_assert_eq(seen.calls, 41);
	cr_assert_eq(again[40].error, q[40].error);
	for (i = 41; i < 100; i++)
		cr_assert_eq(again[i].error, -ECANCELED, "question %zu", i);
	cr_assert_str_eq(sgreach_verdict_error(v),
			 "the answer function stopped the call after "
			 "question 40");

	/* The call's own errors set every question's. */
	cr_assert_eq(sgreach_query_many_text(m, q, 3, NULL, NULL, NULL),
		     -EINVAL);
	cr_assert_eq(sgreach_query_many_text(NULL, q, 3, v, NULL, NULL),
		     -EINVAL);
	for (i = 0; i < 3; i++)
		cr_assert_eq(q[i].error, -EINVAL);
	cr_assert_eq(sgreach_query_many_text(m, NULL, 3, v, NULL, NULL),
		     -EINVAL);
	cr_assert_eq(sgreach_query_many_text(m, NULL, 0, v, NULL, NULL), 0);
	unfinished = sgreach_model_new();
	cr_assert_not_null(unfinished);
	cr_assert_eq(sgreach_query_many_text(unfinished, q, 2, v, NULL, NULL),
		     -EBUSY);
	cr_assert_eq(q[1].error, -EBUSY);
	cr_assert_str_eq(sgreach_verdict_error(v),
			 "the model is not finalized");
	cr_expect_gt(details, NQUERIES / 4);

	sgreach_model_free(unfinished);
	sgreach_model_free(m);
	sgreach_verdict_free(v);
	sgreach_verdict_free(w);
}

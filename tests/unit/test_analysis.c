/*
 * test_analysis.c - the analyses (ports, who, reach, matrix, exposure).
 *
 * Golden tests on examples/ecs-awsvpc/aws with answers worked out by hand
 * from shared/spec/aws-semantics.md (the README's table of groups), and a
 * property test: on random seeded estates, every flow set an analysis
 * reports agrees with sgreach_query() asked about single flows.
 */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/allpairs.h"
#include "analysis/analysis.h"
#include "sgreach.h"

#ifndef SRCDIR
#define SRCDIR "."
#endif

/* ---------------------------------------------------------------- golden -- */

#define ALB    "eni-5dd2722e4103927e4"
#define WEB_A  "eni-7443b17faeb5db2d6"
#define WEB_B  "eni-5f072e3892ca651dd"
#define WORKER "eni-ed0ff7b36a7504ca3"
#define DB     "eni-8a387e54d69e9c897"
#define API    "eni-738206efb262942d3"
#define CACHE  "eni-5ed8fe6a0cbb79ca0"
#define BATCH  "eni-69661815cee057115"

static sgreach_model *example(void)
{
	sgreach_model *m = sgreach_model_new();
	int rc;

	cr_assert_not_null(m);
	rc = sgreach_model_load_file(m, SRCDIR "/examples/ecs-awsvpc/aws");
	cr_assert_eq(rc, 0, "load: %s", sgreach_model_error(m));
	cr_assert_eq(sgreach_model_finalize(m), 0);
	return m;
}

/* The items of a JSON array of strings, joined by " ". */
static void items(const cJSON *a, char *buf, size_t size)
{
	const cJSON *x;

	buf[0] = '\0';
	cJSON_ArrayForEach(x, a)
	{
		if (buf[0])
			strncat(buf, " ", size - strlen(buf) - 1);
		strncat(buf, x->valuestring, size - strlen(buf) - 1);
	}
}

static cJSON *run_json(int rc, const char *out, sgreach_verdict *v)
{
	cJSON *j;

	cr_assert_eq(rc, 0, "analysis failed: %s", sgreach_verdict_error(v));
	j = cJSON_Parse(out);
	cr_assert_not_null(j, "not JSON: %s", out);
	return j;
}

/* The call runs before its output is read. */
#define RUN(call) (rc_ = (call), run_json(rc_, out, v))

static void expect_ports(sgreach_model *m, sgreach_verdict *v, const char *src,
			 const char *dst, const char *allowed)
{
	const char *out = NULL;
	int rc_;
	char buf[512];
	cJSON *j =
	    RUN(sgreach_ports(m, src, dst, 0, SGREACH_FORMAT_JSON, v, &out));

	items(cJSON_GetObjectItemCaseSensitive(j, "allowed"), buf, sizeof(buf));
	cr_expect_str_eq(buf, allowed, "ports %s %s", src, dst);
	items(cJSON_GetObjectItemCaseSensitive(j, "unknown"), buf, sizeof(buf));
	cr_expect_str_eq(buf, "", "ports %s %s: unknown", src, dst);
	cJSON_Delete(j);
}

Test(analysis_golden, ports)
{
	sgreach_model *m = example();
	sgreach_verdict *v = sgreach_verdict_new();
	const char *out = NULL;
	int rc_;
	cJSON *j, *rules;

	/* web egress all; db ingress tcp 5432 from group web. */
	expect_ports(m, v, WEB_A, DB, "tcp/5432");
	expect_ports(m, v, "service:web", DB, "tcp/5432");
	/* alb egress all; web ingress 8080 from alb, api 8000 from alb. */
	expect_ports(m, v, ALB, "service:web", "tcp/8080");
	expect_ports(m, v, ALB, API, "tcp/8000");
	/* batch egress tcp 443 to 0.0.0.0/0 and 5432 to db; alb admits 443
	 * from anywhere, db only web. */
	expect_ports(m, v, BATCH, ALB, "tcp/443");
	expect_ports(m, v, BATCH, DB, "");
	expect_ports(m, v, BATCH, "8.8.8.8", "tcp/443");
	/* worker keeps the default egress rule: every flow to the internet. */
	expect_ports(m, v, WORKER, "8.8.8.8", "all");
	/* Nothing admits anything into worker or batch. */
	expect_ports(m, v, ALB, WORKER, "");
	expect_ports(m, v, "203.0.113.9", ALB, "tcp/443");
	expect_ports(m, v, API, CACHE, "tcp/6379");

	/* The rules behind web -> db: web's egress all, db's ingress 5432. */
	j = RUN(sgreach_ports(m, WEB_A, DB, 0, SGREACH_FORMAT_JSON, v, &out));
	rules = cJSON_GetObjectItemCaseSensitive(j, "rules");
	cr_assert_eq(cJSON_GetArraySize(rules), 2, "%s", out);
	cr_expect_str_eq(cJSON_GetObjectItemCaseSensitive(
			     cJSON_GetArrayItem(rules, 0), "direction")
			     ->valuestring,
			 "egress");
	cr_expect_str_eq(cJSON_GetObjectItemCaseSensitive(
			     cJSON_GetArrayItem(rules, 1), "peer")
			     ->valuestring,
			 "sg-6f4f177c5066b8606");
	cJSON_Delete(j);

	cr_expect_eq(
	    sgreach_ports(m, WEB_A, DB, 0, SGREACH_FORMAT_DOT, v, &out),
	    -EINVAL, "DOT is for the matrix only");
	cr_expect_eq(sgreach_ports(m, "8.8.8.8", "1.1.1.1", 0,
				   SGREACH_FORMAT_TEXT, v, &out),
		     -EINVAL);
	cr_expect_eq(
	    sgreach_ports(m, "eni-nope", DB, 0, SGREACH_FORMAT_TEXT, v, &out),
	    -ENOENT);
	sgreach_verdict_free(v);
	sgreach_model_free(m);
}

Test(analysis_golden, who_db_and_alb)
{
	sgreach_model *m = example();
	sgreach_verdict *v = sgreach_verdict_new();
	const char *out = NULL;
	int rc_;
	const cJSON *x;
	char buf[1024], ids[1024] = "";
	cJSON *j;

	/* db admits tcp 5432 from group web only: the two web tasks and
	 * their service; nothing outside the model. */
	j = RUN(sgreach_who(m, DB, NULL, 0, SGREACH_FORMAT_JSON, v, &out));
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(j, "sources"))
	{
		strcat(ids,
		       cJSON_GetObjectItemCaseSensitive(x, "id")->valuestring);
		strcat(ids, " ");
		items(cJSON_GetObjectItemCaseSensitive(x, "allowed"), buf,
		      sizeof(buf));
		cr_expect_str_eq(buf, "tcp/5432");
	}
	cr_expect_str_eq(ids, WEB_A " " WEB_B " service:web ", "%s", out);
	cr_expect_eq(
	    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "external")),
	    0);
	cJSON_Delete(j);

	/* alb admits tcp 443 from 0.0.0.0/0: every loaded endpoint whose
	 * egress reaches 10.0.0.10 on 443 (all of them: default egress, or
	 * batch's 443 to 0.0.0.0/0), and the whole address space. */
	j = RUN(
	    sgreach_who(m, ALB, "tcp/443", 0, SGREACH_FORMAT_JSON, v, &out));
	cr_expect_eq(
	    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "sources")),
	    11, "7 interfaces and 4 services: %s", out);
	x = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "external"),
			       0);
	cr_assert_not_null(x);
	items(cJSON_GetObjectItemCaseSensitive(x, "ranges"), buf, sizeof(buf));
	cr_expect_str_eq(buf, "0.0.0.0/0");
	cr_expect_str_eq(
	    cJSON_GetObjectItemCaseSensitive(x, "internet")->valuestring,
	    "partly");
	cJSON_Delete(j);

	/* Nobody reaches alb on 80. */
	j = RUN(sgreach_who(m, ALB, "tcp/80", 0, SGREACH_FORMAT_JSON, v, &out));
	cr_expect_eq(
	    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "sources")),
	    0);
	cr_expect_eq(
	    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "external")),
	    0);
	cJSON_Delete(j);

	/* batch reaches alb (443) and the whole internet on 443 only. */
	j = RUN(sgreach_reach(m, BATCH, NULL, 0, SGREACH_FORMAT_JSON, v, &out));
	x = cJSON_GetObjectItemCaseSensitive(j, "destinations");
	cr_expect_eq(cJSON_GetArraySize(x), 1, "%s", out);
	cr_expect_str_eq(
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(x, 0), "id")
		->valuestring,
	    ALB);
	x = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "external"),
			       0);
	items(cJSON_GetObjectItemCaseSensitive(x, "allowed"), buf, sizeof(buf));
	cr_expect_str_eq(buf, "tcp/443");
	cJSON_Delete(j);
	sgreach_verdict_free(v);
	sgreach_model_free(m);
}

Test(analysis_golden, matrix_by_service)
{
	/* From the README's table: who admits what from whom. */
	static const char *const want[] = {
	    ALB " service:web tcp/8080",
	    ALB " service:api tcp/8000",
	    DB " " ALB " tcp/443",
	    CACHE " " ALB " tcp/443",
	    "service:web " ALB " tcp/443",
	    "service:web " DB " tcp/5432",
	    "service:worker " ALB " tcp/443",
	    "service:api " ALB " tcp/443",
	    "service:api " CACHE " tcp/6379",
	    "service:batch " ALB " tcp/443",
	};
	sgreach_model *m = example();
	sgreach_verdict *v = sgreach_verdict_new();
	const char *out = NULL;
	int rc_;
	const cJSON *x;
	char got[16][600], buf[256];
	size_t n = 0, i, k;
	cJSON *j;

	j = RUN(sgreach_matrix(m, NULL, SGREACH_GROUP_BY_SERVICE, 0,
			       SGREACH_FORMAT_JSON, v, &out));
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(j, "pairs"))
	{
		cr_assert_lt(n, 16);
		items(cJSON_GetObjectItemCaseSensitive(x, "allowed"), buf,
		      sizeof(buf));
		snprintf(
		    got[n++], sizeof(got[0]), "%s %s %s",
		    cJSON_GetObjectItemCaseSensitive(x, "src")->valuestring,
		    cJSON_GetObjectItemCaseSensitive(x, "dst")->valuestring,
		    buf);
	}
	cr_expect_eq(n, sizeof(want) / sizeof(*want), "%s", out);
	for (i = 0; i < sizeof(want) / sizeof(*want); i++) {
		for (k = 0; k < n && strcmp(got[k], want[i]); k++)
			;
		cr_expect_lt(k, n, "missing pair '%s' in %s", want[i], out);
	}
	cJSON_Delete(j);

	/* On one flow only the pairs allowing it remain. */
	j = RUN(sgreach_matrix(m, "tcp/5432", SGREACH_GROUP_BY_SERVICE, 0,
			       SGREACH_FORMAT_JSON, v, &out));
	cr_expect_eq(
	    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "pairs")), 1,
	    "%s", out);
	cJSON_Delete(j);

	cr_expect_eq(sgreach_matrix(m, NULL, SGREACH_GROUP_BY_NONE, 0,
				    SGREACH_FORMAT_CSV, v, &out),
		     0);
	cr_expect(strncmp(out, "src,dst,allowed,partial,unknown\r\n", 33) == 0);
	sgreach_verdict_free(v);
	sgreach_model_free(m);
}

Test(analysis_golden, matrix_classes)
{
	/* The README's table again: worker and batch (egress to the alb on
	 * 443 only, nobody admits them) answer alike as destinations; db,
	 * cache, worker and batch reach only the alb, on 443. */
	sgreach_model *m = example();
	sgreach_verdict *v = sgreach_verdict_new();
	const char *out = NULL;
	int rc_;
	cJSON *j;
	char buf[600];

	j = RUN(sgreach_matrix(m, NULL, SGREACH_GROUP_BY_SERVICE,
			       SGREACH_MATRIX_CLASSES, SGREACH_FORMAT_JSON, v,
			       &out));
	cr_expect_str_eq(
	    cJSON_GetObjectItemCaseSensitive(j, "form")->valuestring,
	    "classes");
	items(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "sources"),
				 1),
	      buf, sizeof(buf));
	cr_expect_str_eq(buf, DB " " CACHE " service:worker service:batch",
			 "%s", out);
	items(cJSON_GetArrayItem(
		  cJSON_GetObjectItemCaseSensitive(j, "destinations"), 4),
	      buf, sizeof(buf));
	cr_expect_str_eq(buf, "service:worker service:batch", "%s", out);
	cr_expect(strstr(out, "{\"src\":1,\"dst\":[0],\"answer\":2}") &&
		      strstr(out, "\"answers\":[{\"allowed\":[\"tcp/8080\"]"),
		  "%s", out);
	cJSON_Delete(j);

	/* Text: the same entries, answers inline. */
	cr_assert_eq(sgreach_matrix(m, "tcp/443", SGREACH_GROUP_BY_SERVICE,
				    SGREACH_MATRIX_CLASSES,
				    SGREACH_FORMAT_TEXT, v, &out),
		     0);
	cr_expect(strstr(out, "matrix by service (IPv4, tcp/443), classes\n") &&
		      strstr(out, "\nS0  D0  tcp/443"),
		  "%s", out);
	cr_expect_eq(sgreach_matrix(m, NULL, SGREACH_GROUP_BY_SERVICE,
				    SGREACH_MATRIX_CLASSES, SGREACH_FORMAT_CSV,
				    v, &out),
		     -EINVAL);
	cr_expect_eq(sgreach_matrix(m, NULL, SGREACH_GROUP_BY_SERVICE, 1u << 9,
				    SGREACH_FORMAT_JSON, v, &out),
		     -EINVAL);
	sgreach_verdict_free(v);
	sgreach_model_free(m);
}

/* No node at all: every grouping and form, one flow and all, answers
 * with empty lists (regression: the class form of one flow divided by
 * its row's 0 bytes). */
Test(analysis_golden, matrix_of_no_node)
{
	sgreach_model *m = sgreach_model_new();
	sgreach_verdict *v = sgreach_verdict_new();
	const char *out = NULL;
	int i;

	cr_assert_eq(sgreach_model_add_vpc(m, "vpc-a", "10.0.0.0/16"), 0);
	cr_assert_eq(sgreach_model_finalize(m), 0);
	/* Bits of i: JSON or text, the class form, one flow; then the
	 * grouping. */
	for (i = 0; i < 24; i++) {
		const int json = i & 1, cl = i & 2, fl = i & 4;

		cr_assert_eq(sgreach_matrix(
				 m, fl ? "tcp/443" : NULL,
				 (sgreach_group_by)(i >> 3),
				 cl ? SGREACH_MATRIX_CLASSES : 0,
				 json ? SGREACH_FORMAT_JSON : SGREACH_FORMAT_TEXT,
				 v, &out),
			     0, "%s", sgreach_verdict_error(v));
		if (json)
			cr_expect(strstr(out, cl ? "\"sources\":[],"
						   "\"destinations\":[],"
						   "\"pairs\":[]"
						 : "\"pairs\":[]"),
				  "%s", out);
	}
	sgreach_verdict_free(v);
	sgreach_model_free(m);
}

Test(analysis_golden, matrix_dot_renders)
{
	sgreach_model *m = example();
	sgreach_verdict *v = sgreach_verdict_new();
	const char *out = NULL;
	FILE *f;
	int rc;

	cr_assert_eq(sgreach_matrix(m, NULL, SGREACH_GROUP_BY_NONE, 0,
				    SGREACH_FORMAT_DOT, v, &out),
		     0);
	cr_expect(strstr(out, "\"" ALB "\" -> \"" WEB_A
			      "\" [label=\"tcp/8080\"") != NULL,
		  "%s", out);
	if (system("command -v dot >/dev/null 2>&1") != 0) {
		cr_log_warn("graphviz 'dot' not installed: DOT not rendered");
		goto out;
	}
	f = popen("dot -Tsvg >/dev/null", "w");
	cr_assert_not_null(f);
	fputs(out, f);
	rc = pclose(f);
	cr_expect_eq(rc, 0, "dot -Tsvg rejected the graph:\n%s", out);
out:
	sgreach_verdict_free(v);
	sgreach_model_free(m);
}

Test(analysis_golden, exposure)
{
	sgreach_model *m = example();
	sgreach_verdict *v = sgreach_verdict_new();
	const char *out = NULL;
	int rc_;
	const cJSON *e;
	char buf[256];
	cJSON *j;

	/* Only alb admits public space (tcp 443 from 0.0.0.0/0), and it has
	 * the public address 198.51.100.20. */
	j = RUN(sgreach_exposure(m, 0, SGREACH_FORMAT_JSON, v, &out));
	cr_assert_eq(cJSON_GetArraySize(
			 cJSON_GetObjectItemCaseSensitive(j, "endpoints")),
		     1, "%s", out);
	e = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "endpoints"),
			       0);
	cr_expect_str_eq(cJSON_GetObjectItemCaseSensitive(e, "id")->valuestring,
			 ALB);
	cr_expect(
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "addressable")));
	items(cJSON_GetObjectItemCaseSensitive(e, "allowed"), buf, sizeof(buf));
	cr_expect_str_eq(buf, "tcp/443");
	items(cJSON_GetObjectItemCaseSensitive(e, "public_addresses"), buf,
	      sizeof(buf));
	cr_expect_str_eq(buf, "198.51.100.20");
	cr_expect_eq(
	    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(e, "rules")),
	    1);
	cJSON_Delete(j);
	sgreach_verdict_free(v);
	sgreach_model_free(m);
}

/* -------------------------------------------------------------- property -- */

/* A small deterministic generator (xorshift), so that a failure names a
 * seed that reproduces it. */
static uint64_t rnd_state;

static uint32_t rnd(uint32_t n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (uint32_t)(rnd_state % n);
}

#define NGROUPS 15
#define NENIS	30

/* A second generator for random_estate()'s changes (diff), apart from the
 * first so that a changed estate draws everything else alike. */
static uint64_t mut_state;
static uint32_t mut_scale; /* the odds of a change, times this */

/* rnd() of the changes' generator. */
static uint32_t mrnd(uint32_t n)
{
	uint64_t keep = rnd_state;
	uint32_t r;

	rnd_state = mut_state;
	r = rnd(n);
	mut_state = rnd_state;
	rnd_state = keep;
	return r;
}

/* 1 once in `odds` draws when changes are asked for, else 0. */
static int mutate(uint32_t odds)
{
	return mut_state && mrnd(odds * mut_scale) == 0;
}

static const char *const cidrs[] = {
    "0.0.0.0/0",
    "10.0.0.0/16",
    "10.0.1.0/24",
    "10.0.1.16/28",
    "10.0.2.5/32",
    "10.1.0.0/16",
    "203.0.113.0/24",
    "192.168.0.0/16",
    "10.0.2.0/25",
    "198.51.100.0/26",
    "8.0.0.0/8",
    "10.0.1.0/25",
    /* Halves that cover a subnet or the internet only together. */
    "10.0.1.128/25",
    "10.0.2.128/25",
    "0.0.0.0/1",
    "128.0.0.0/1",
};

static const char *const cidrs6[] = {
    "::/0",
    "2001:db8::/32",
    "2001:db8:1::/48",
    "2001:db8:1::/64",
    "2001:db8:1::1a/128",
    "2001:db8:2::/48",
    "2400::/12",
    "2001:db8:1::/65",
    "2001:db8:1:0:8000::/65",
};

/* The family under test: 4 or 6. */
static int test_fam = 4;

/* Draws a rule and adds it when add is set: the draws are the same
 * either way. */
static void draw_rule(sgreach_model *m, const char *g, int dir, int add)
{
	static const char *const protos[] = {"-1",  "tcp",  "tcp",    "tcp",
					     "udp", "icmp", "50",     "47",
					     "6",   "1",    "icmpv6", "58"};
	static const int ports[][2] = {{22, 22},     {80, 80},	   {443, 443},
				       {1000, 2000}, {5432, 5432}, {0, 65535},
				       {-1, -1},     {443, 8443}};
	static const int icmp[][2] = {{-1, -1}, {8, -1}, {8, 0}, {3, 4}};
	const char *proto = protos[rnd(12)];
	int from = -1, to = -1, kind = (int)rnd(10), rc, flags = 0;
	char peer[64];

	if (!strcmp(proto, "tcp") || !strcmp(proto, "udp") ||
	    !strcmp(proto, "6")) {
		int k = (int)rnd(8);

		from = ports[k][0];
		to = ports[k][1];
	} else if (!strcmp(proto, "icmp") || !strcmp(proto, "1") ||
		   !strcmp(proto, "icmpv6") || !strcmp(proto, "58")) {
		int k = (int)rnd(4);

		from = icmp[k][0];
		to = icmp[k][1];
	}
	if (kind < 5) {
		if (rnd(3) == 0)
			snprintf(peer, sizeof(peer), "%s",
				 cidrs6[rnd(sizeof(cidrs6) / sizeof(*cidrs6))]);
		else
			snprintf(peer, sizeof(peer), "%s",
				 cidrs[rnd(sizeof(cidrs) / sizeof(*cidrs))]);
	} else if (kind < 9) {
		snprintf(peer, sizeof(peer), "sg-%u", rnd(NGROUPS));
		flags = rnd(8) ? 0 : SGREACH_RULE_STALE;
	} else {
		snprintf(peer, sizeof(peer), "%s",
			 rnd(3) ? "pl-loaded" : "pl-missing");
	}
	if (!add)
		return;
	rc = sgreach_model_add_rule(m, g, dir, proto, from, to,
				    kind < 5   ? SGREACH_PEER_CIDR
				    : kind < 9 ? SGREACH_PEER_GROUP
					       : SGREACH_PEER_PREFIX_LIST,
				    peer, NULL, NULL, flags);
	cr_assert_eq(rc, 0, "%s", sgreach_model_error(m));
}

/* A rule of the estate: under changes, sometimes left out, sometimes with
 * another one (drawn from the changes' generator) after it. */
static void add_random_rule(sgreach_model *m, const char *g, int dir)
{
	draw_rule(m, g, dir, !mutate(25));
	if (mutate(25)) {
		uint64_t keep = rnd_state;

		rnd_state = mut_state;
		draw_rule(m, g, dir, 1);
		mut_state = rnd_state;
		rnd_state = keep;
	}
}

/*
 * About 30 interfaces, 15 groups (3 of them without rules), two peered or
 * unpeered VPCs, prefix lists loaded and missing, public addresses, two
 * services with tasks and one without.  With mut not 0, the same estate
 * with random changes drawn from mut (mutate()), fewer the larger mut %
 * 8: rules left out or
 * added, groups attached or not, incomplete groups, addresses and VPCs
 * moved, tasks in the other service or none, a prefix list changed, and
 * the peering turned over when mut % 5 is 4.
 */
static sgreach_model *random_estate_mut(uint64_t seed, uint64_t mut)
{
	sgreach_model *m = sgreach_model_new();
	char id[64], addr[64];
	int i, k;

	rnd_state = seed * 2654435761u + 88172645463325252ull;
	mut_state = mut ? mut * 0x9e3779b97f4a7c15ull | 1 : 0;
	mut_scale = 1 + (uint32_t)(mut % 8); /* from many changes to one */
	cr_assert_eq(sgreach_model_add_vpc(m, "vpc-a", "10.0.0.0/16"), 0);
	cr_assert_eq(sgreach_model_add_vpc(m, "vpc-b", "10.1.0.0/16"), 0);
	cr_assert_eq(sgreach_model_add_peering(m, "pcx-1", "vpc-a", "vpc-b",
					       (int)rnd(2) ^ (mut % 5 == 4)),
		     0);
	cr_assert_eq(
	    sgreach_model_add_subnet(m, "subnet-a1", "vpc-a", "10.0.1.0/24"),
	    0);
	cr_assert_eq(
	    sgreach_model_add_subnet(m, "subnet-a2", "vpc-a", "10.0.2.0/24"),
	    0);
	cr_assert_eq(sgreach_model_add_prefix_list(m, "pl-loaded", NULL), 0);
	cr_assert_eq(
	    sgreach_model_add_prefix_list_entry(m, "pl-loaded", "10.0.2.0/25"),
	    0);
	if (!mutate(15))
		cr_assert_eq(sgreach_model_add_prefix_list_entry(
				 m, "pl-loaded", "198.51.100.0/24"),
			     0);
	cr_assert_eq(sgreach_model_add_prefix_list_entry(m, "pl-loaded",
							 "2001:db8:1::/56"),
		     0);
	cr_assert_eq(
	    sgreach_model_add_subnet_cidr(m, "subnet-a1", "2001:db8:1::/64"),
	    0);
	for (i = 0; i < NGROUPS - 3; i++) {
		int nin = (int)rnd(5), neg = (int)rnd(4);

		snprintf(id, sizeof(id), "sg-%d", i);
		cr_assert_eq(sgreach_model_add_group(
				 m, id, NULL, i % 4 ? "vpc-a" : "vpc-b",
				 mutate(30) ? 0 : SGREACH_GROUP_COMPLETE),
			     0);
		for (k = 0; k < nin; k++)
			add_random_rule(m, id, SGREACH_INGRESS);
		if (i == 2) {
			/* Rules that cover a range only together: a subnet
			 * (svc-c without tasks) or the internet as peer. */
			cr_assert_eq(sgreach_model_add_rule(
					 m, id, SGREACH_INGRESS, "tcp", 443,
					 443, SGREACH_PEER_CIDR, "10.0.1.0/25",
					 NULL, NULL, 0),
				     0);
			cr_assert_eq(sgreach_model_add_rule(
					 m, id, SGREACH_INGRESS, "tcp", 80,
					 8443, SGREACH_PEER_CIDR,
					 "10.0.1.128/25", NULL, NULL, 0),
				     0);
			cr_assert_eq(
			    sgreach_model_add_rule(m, id, SGREACH_EGRESS, "-1",
						   -1, -1, SGREACH_PEER_CIDR,
						   "0.0.0.0/1", NULL, NULL, 0),
			    0);
			cr_assert_eq(sgreach_model_add_rule(
					 m, id, SGREACH_EGRESS, "udp", 0, 65535,
					 SGREACH_PEER_CIDR, "128.0.0.0/1", NULL,
					 NULL, 0),
				     0);
		}
		for (k = 0; k < neg; k++)
			add_random_rule(m, id, SGREACH_EGRESS);
	}
	for (i = 0; i < NENIS; i++) {
		int vpc_b = i % 7 == 6, ng = 1 + (int)rnd(3);

		snprintf(id, sizeof(id), "eni-%d", i);
		cr_assert_eq(sgreach_model_add_endpoint(
				 m, id, SGREACH_ENDPOINT_ENI,
				 vpc_b ^ mutate(40) ? "vpc-b" : "vpc-a", NULL,
				 NULL),
			     0);
		if (vpc_b)
			snprintf(addr, sizeof(addr), "10.1.1.%d", 10 + i);
		else
			snprintf(addr, sizeof(addr), "10.0.%d.%d", 1 + i % 2,
				 rnd(3) ? 10 + i : (int)rnd(30));
		if (mutate(30)) /* nobody else's: 200 and up */
			snprintf(addr, sizeof(addr), "10.0.%d.%d", 1 + i % 2,
				 200 + i);
		/* Clashes are possible by design of the draw: skip them. */
		if (sgreach_model_add_address(m, id, addr, 0) != 0)
			cr_assert_fail("%s", sgreach_model_error(m));
		if (rnd(6) == 0) {
			snprintf(addr, sizeof(addr), "198.51.100.%d", 100 + i);
			cr_assert_eq(sgreach_model_add_address(
					 m, id, addr, SGREACH_ADDR_PUBLIC),
				     0);
		}
		if (i % 3 != 2) {
			snprintf(addr, sizeof(addr), "2001:db8:%d::%x",
				 vpc_b ? 2 : 1, 10 + i);
			cr_assert_eq(sgreach_model_add_address(m, id, addr, 0),
				     0);
		}
		if (rnd(10) == 0) {
			snprintf(addr, sizeof(addr), "10.0.3.%d", 100 + i);
			cr_assert_eq(sgreach_model_add_address(m, id, addr, 0),
				     0);
		}
		if (i == 7 || i == 8)
			cr_assert_eq(
			    sgreach_model_add_endpoint_group(m, id, "sg-2"), 0);
		for (k = 0; k < ng; k++) {
			snprintf(addr, sizeof(addr), "sg-%u", rnd(NGROUPS));
			if (!mutate(20))
				cr_assert_eq(sgreach_model_add_endpoint_group(
						 m, id, addr),
					     0);
		}
		if (mutate(20)) {
			snprintf(addr, sizeof(addr), "sg-%u", mrnd(NGROUPS));
			cr_assert_eq(
			    sgreach_model_add_endpoint_group(m, id, addr), 0);
		}
	}
	for (i = 0; i < 6; i++) {
		char arn[128];

		snprintf(arn, sizeof(arn),
			 "arn:aws:ecs:eu-west-1:1:task/c/task%d", i);
		snprintf(id, sizeof(id), "eni-%d", i);
		if (mutate(15))
			continue;
		cr_assert_eq(sgreach_model_add_task(m, arn, id,
						    (i < 4) ^ mutate(10)
							? "svc-a"
							: "svc-b"),
			     0);
	}
	cr_assert_eq(sgreach_model_add_endpoint(m, "svc-c",
						SGREACH_ENDPOINT_SERVICE, NULL,
						NULL, NULL),
		     0);
	cr_assert_eq(sgreach_model_add_endpoint_subnet(m, "svc-c", "subnet-a1"),
		     0);
	if (!mutate(10))
		cr_assert_eq(
		    sgreach_model_add_endpoint_subnet(m, "svc-c", "subnet-a2"),
		    0);
	cr_assert_eq(sgreach_model_add_endpoint_group(m, "svc-c", "sg-1"), 0);
	cr_assert_eq(sgreach_model_finalize(m), 0, "%s",
		     sgreach_model_error(m));
	return m;
}

static sgreach_model *random_estate(uint64_t seed)
{
	return random_estate_mut(seed, 0);
}

/* Flows at and around the ports and types the generator writes. */
static int sample_flows(sgreach_flow *f)
{
	static const int tcp[] = {0,	21,   22,   23,	  79,	80,   81,
				  442,	443,  444,  999,  1000, 1500, 2000,
				  2001, 5431, 5432, 5433, 8443, 8444, 65535};
	static const int icmp[][2] = {{8, 0}, {8, 1}, {3, 4}, {3, 3}, {0, 0}};
	static const int icmp6[][2] = {
	    {128, 0}, {128, 3}, {1, 4}, {8, 0}, {135, 0}};
	static const int other[] = {50, 47, 132, 0, 255};
	int n = 0;
	size_t i;

	for (i = 0; i < sizeof(tcp) / sizeof(*tcp); i++) {
		f[n++] = (sgreach_flow){6, tcp[i], -1};
		if (i % 3 == 0)
			f[n++] = (sgreach_flow){17, tcp[i], -1};
	}
	for (i = 0; i < 5; i++)
		f[n++] = test_fam == 4
			     ? (sgreach_flow){1, icmp[i][0], icmp[i][1]}
			     : (sgreach_flow){58, icmp6[i][0], icmp6[i][1]};
	for (i = 0; i < 5; i++)
		f[n++] = (sgreach_flow){other[i], -1, -1};
	return n;
}

static int set_index(sgreach_result r)
{
	switch (r) {
	case SGREACH_ALLOWED:
		return VS_A;
	case SGREACH_DENIED:
		return VS_D;
	case SGREACH_UNKNOWN:
		return VS_U;
	case SGREACH_PARTIAL:
		return VS_P;
	}
	return -1;
}

static unsigned int flow_value(const sgreach_flow *f)
{
	if (f->protocol == 1 || f->protocol == 58)
		return (unsigned int)(f->port << 8 | f->code);
	return f->port < 0 ? 0 : (unsigned int)f->port;
}

/* Every sampled flow lies in exactly one set, the one a query names. */
static int check_sets(const sgreach_model *m, sgreach_verdict *q,
		      const char *src, const char *dst, const struct vsets *vs,
		      uint64_t seed)
{
	sgreach_flow f[64];
	int n = sample_flows(f), i, k, checked = 0;

	for (i = 0; i < n; i++) {
		int in = -1, count = 0;

		if (sgreach_query_flow(m, src, dst, &f[i],
				       test_fam == 6 ? SGREACH_QUERY_IPV6 : 0,
				       q) != 0)
			continue;
		for (k = 0; k < VS_N; k++)
			if (connset_contains(&vs->s[k], f[i].protocol,
					     flow_value(&f[i]))) {
				in = k;
				count++;
			}
		cr_assert_eq(count, 1,
			     "seed %llu: %s -> %s flow %d/%d/%d in %d sets",
			     (unsigned long long)seed, src, dst, f[i].protocol,
			     f[i].port, f[i].code, count);
		cr_assert_eq(in, set_index(sgreach_verdict_result(q)),
			     "seed %llu: %s -> %s flow %d/%d/%d: analysis says "
			     "set %d, query says %s",
			     (unsigned long long)seed, src, dst, f[i].protocol,
			     f[i].port, f[i].code, in,
			     sgreach_result_name(sgreach_verdict_result(q)));
		checked++;
	}
	return checked;
}

static const char *node_sel(struct an_ctx *c, uint32_t i, char *buf,
			    size_t size)
{
	return an_node_name(c, &c->nodes.v[i], buf, size);
}

Test(analysis_property, agrees_with_query, .timeout = 120)
{
	uint64_t seed;
	long checked = 0;

	for (seed = 1; seed <= 24; seed++) {
		sgreach_model *m = random_estate(seed);
		sgreach_verdict *ctx = sgreach_verdict_new(), *q;
		struct an_ctx c;
		uint32_t a, b;
		int gb, fam = seed % 2 ? 4 : 6;
		unsigned int qflags = fam == 6 ? SGREACH_QUERY_IPV6 : 0;

		test_fam = fam;
		q = sgreach_verdict_new();
		/* matrix (by interface, by service) and who/reach: node to
		 * node sets against pairwise queries. */
		for (gb = 0; gb < 2; gb++) {
			cr_assert_eq(an_init(&c, m, ctx, fam), 0);
			cr_assert_eq(
			    an_add_nodes(&c, gb ? NODE_SERVICE : NODE_ENDPOINT),
			    0);
			cr_assert_eq(an_finish_nodes(&c), 0);
			/* As the matrix does: pairs read from side tables. */
			cr_assert_eq(an_build_tables(&c), 0);
			cr_assert_gt(c.stab_n, 0);
			for (a = 0; a < c.nodes.n; a++)
				for (b = 0; b < c.nodes.n; b++) {
					const struct vsets *vs;
					char sa[128], sb[128];
					uint32_t id;

					if (a == b || rnd(3))
						continue;
					cr_assert_eq(
					    an_node_pair_id(&c, a, b, &id), 0);
					vs = &c.res.v[id];
					checked += check_sets(
					    m, q, node_sel(&c, a, sa, 128),
					    node_sel(&c, b, sb, 128), vs, seed);
				}
			an_free(&c);
		}
		/* ports and who/reach with selectors of every kind,
		 * including public and outside addresses. */
		{
			static const char *const sels[] = {
			    "eni-0",	      "eni-3",	       "eni-6",
			    "eni-7",	      "eni-13",	       "eni-20",
			    "task1",	      "task5",	       "service:svc-a",
			    "service:svc-b",  "service:svc-c", "10.0.1.10",
			    "8.8.8.8",	      "203.0.113.7",   "10.0.1.200",
			    "198.51.100.110", "198.51.100.5",  "10.0.2.0/28",
			    "0.0.0.0/0"};
			static const char *const sels6[] = {"eni-0",
							    "eni-3",
							    "eni-6",
							    "eni-7",
							    "eni-13",
							    "eni-20",
							    "task1",
							    "task5",
							    "service:svc-a",
							    "service:svc-c",
							    "2001:db8:1::a",
							    "2001:db8::5",
							    "2001:db8:1::ff",
							    "2400:cafe::1",
							    "2001:db8:1::/120",
							    "::/0"};
			const char *const *sl = fam == 4 ? sels : sels6;
			size_t ns = fam == 4 ? sizeof(sels) / sizeof(*sels)
					     : sizeof(sels6) / sizeof(*sels6),
			       i, j;

			for (i = 0; i < ns; i++)
				for (j = 0; j < ns; j++) {
					struct selection s, d;
					VEC(struct member) sm = {0};
					VEC(struct member) dm = {0};
					struct vsets vs;

					if (i == j)
						continue;
					memset(&s, 0, sizeof(s));
					memset(&d, 0, sizeof(d));
					cr_assert_eq(an_init(&c, m, ctx, fam),
						     0);
					vsets_init(&vs);
					if (an_select(&c, sl[i], &s, &sm) ||
					    an_select(&c, sl[j], &d, &dm) ||
					    ((s.what == SELW_ADDRESS ||
					      s.what == SELW_CIDR) &&
					     (d.what == SELW_ADDRESS ||
					      d.what == SELW_CIDR))) {
						/* The query must refuse too. */
						cr_expect_neq(
						    sgreach_query(
							m, sl[i], sl[j],
							"tcp/443", qflags, q),
						    0, "%s %s", sl[i], sl[j]);
					} else {
						cr_assert_eq(
						    an_members_pair(&c, &sm,
								    &dm, &vs),
						    0);
						checked += check_sets(
						    m, q, sl[i], sl[j], &vs,
						    seed);
					}
					vsets_free(&vs);
					vec_free(&sm);
					vec_free(&dm);
					an_free(&c);
				}
		}
		sgreach_verdict_free(q);
		sgreach_verdict_free(ctx);
		sgreach_model_free(m);
	}
	cr_log_info("%ld flow verdicts compared", checked);
	cr_expect_gt(checked, 10000, "too few comparisons: %ld", checked);
}

/* One flow: the answer holds it in exactly the set the query names. */
static int check_flow(const sgreach_model *m, sgreach_verdict *q,
		      const char *src, const char *dst, const struct vsets *vs,
		      const sgreach_flow *f, uint64_t seed)
{
	int in = -1, count = 0, k;

	if (sgreach_query_flow(m, src, dst, f,
			       test_fam == 6 ? SGREACH_QUERY_IPV6 : 0, q) != 0)
		return 0;
	for (k = 0; k < VS_N; k++)
		if (connset_contains(&vs->s[k], f->protocol, flow_value(f))) {
			in = k;
			count++;
		}
	cr_assert_eq(count, 1, "seed %llu: %s -> %s flow %d/%d/%d in %d sets",
		     (unsigned long long)seed, src, dst, f->protocol, f->port,
		     f->code, count);
	cr_assert_eq(in, set_index(sgreach_verdict_result(q)),
		     "seed %llu: %s -> %s flow %d/%d/%d: matrix says set %d, "
		     "query says %s",
		     (unsigned long long)seed, src, dst, f->protocol, f->port,
		     f->code, in,
		     sgreach_result_name(sgreach_verdict_result(q)));
	return 1;
}

/*
 * The matrix's fast paths (allpairs.c): every node pair's answer, for all
 * flows and for single flows, equals the exact path's (an_node_pair_id())
 * and, for interfaces and services, the queries'.
 */
Test(analysis_property, matrix_rows_agree, .timeout = 240)
{
	static const int kinds[] = {NODE_ENDPOINT, NODE_SERVICE, NODE_GROUP};
	uint64_t seed;
	long checked = 0, compared = 0;

	for (seed = 1; seed <= 24; seed++) {
		sgreach_model *m = random_estate(seed);
		sgreach_verdict *ctx = sgreach_verdict_new(), *q;
		sgreach_flow flows[64];
		int nf, fi, gb, fam = seed % 2 ? 4 : 6;

		test_fam = fam;
		nf = sample_flows(flows);
		q = sgreach_verdict_new();
		for (gb = 0; gb < 3; gb++)
			/* fi == -1: every flow; else one of the samples. */
			for (fi = -1; fi < nf; fi += fi < 0 ? 1 + (int)rnd(3)
							   : 2 + (int)rnd(6)) {
				struct an_ctx c;
				struct allpairs ap;
				struct connset only;
				uint32_t *row, a, b;

				cr_assert_eq(an_init(&c, m, ctx, fam), 0);
				connset_init(&only);
				if (fi < 0)
					cr_assert_eq(
					    connset_copy(&only, &c.universe),
					    0);
				else
					cr_assert_eq(
					    an_flow_set(&flows[fi], &only), 0);
				cr_assert_eq(an_add_nodes(&c, kinds[gb]), 0);
				cr_assert_eq(an_finish_nodes(&c), 0);
				c.only = &only;
				cr_assert_eq(ap_init(&ap, &c,
						     fi < 0 ? NULL
							    : &flows[fi]),
					     0);
				cr_assert_neq(ap.mode, AP_EXACT);
				row = malloc((ap.nnc + 1) * sizeof(*row));
				cr_assert_not_null(row);
				for (a = 0; a < c.nodes.n; a++) {
					cr_assert_eq(
					    ap_row(&ap, c.nodes.v[a].nclass,
						   row),
					    0);
					for (b = 0; b < c.nodes.n; b++) {
						uint32_t id =
						    row[c.nodes.v[b].nclass],
							 ex;
						char sa[128], sb[128];
						const char *na, *nb;

						cr_assert_eq(an_node_pair_id(
								 &c, a, b, &ex),
							     0);
						cr_assert(
						    vsets_equal(&c.res.v[id],
								&c.res.v[ex]),
						    "seed %llu group_by %d "
						    "flow %d: nodes %u -> %u",
						    (unsigned long long)seed,
						    gb, fi, a, b);
						compared++;
						if (a == b ||
						    kinds[gb] == NODE_GROUP ||
						    rnd(4))
							continue;
						na = node_sel(&c, a, sa, 128);
						nb = node_sel(&c, b, sb, 128);
						checked +=
						    fi < 0 ? check_sets(
								 m, q, na, nb,
								 &c.res.v[id],
								 seed)
							   : check_flow(
								 m, q, na, nb,
								 &c.res.v[id],
								 &flows[fi],
								 seed);
					}
				}
				free(row);
				ap_free(&ap);
				connset_free(&only);
				an_free(&c);
			}
		sgreach_verdict_free(q);
		sgreach_verdict_free(ctx);
		sgreach_model_free(m);
	}
	cr_log_info("%ld node pairs compared with the exact path, %ld flow "
		    "verdicts with queries",
		    compared, checked);
	cr_expect_gt(checked, 20000, "too few comparisons: %ld", checked);
}

/* The answers of every node class to every node class, through ap_row(),
 * with the limits of the moment; the mode ap_init() chose in *mode. */
static uint32_t *all_rows(struct an_ctx *c, int *mode, uint32_t *most,
			  uint32_t *slots)
{
	struct allpairs ap;
	uint32_t *rows, x, p;
	int dir;

	cr_assert_eq(ap_init(&ap, c, NULL), 0);
	*mode = ap.mode;
	*most = *slots = 0;
	for (dir = 0; ap.mode == AP_TABLE && dir < 2; dir++) {
		const struct ap_side *sd = &ap.side[dir];

		/* The answers of the profile with most, and of the side. */
		for (p = 0; p < sd->nprof; p++) {
			uint32_t end = p + 1 < sd->nprof ? sd->loff[p + 1]
							 : sd->lslot.n;

			if (end - sd->loff[p] > *most)
				*most = end - sd->loff[p];
		}
		if (sd->slot_res.n > *slots)
			*slots = sd->slot_res.n;
	}
	rows = malloc(((size_t)ap.nnc * ap.nnc + 1) * sizeof(*rows));
	cr_assert_not_null(rows);
	for (x = 0; x < ap.nnc; x++)
		cr_assert_eq(ap_row(&ap, x, rows + (size_t)x * ap.nnc), 0);
	ap_free(&ap);
	return rows;
}

/* A table cell holds an index among its profile's answers, so a side may
 * have more answers in all than a cell holds (xl's ingress: 74,639 in 16
 * bits; until the cells were made local, any side past 65,535 fell back
 * to pair by pair, which never finished).  With the cells' limit at the
 * answers of the profile with most, fewer than the side's, the table is
 * kept and every answer is as before; one below, that profile does not fit
 * and the fallback answers the same; so does the map of pairs that
 * replaces the table. */
Test(analysis_property, matrix_cells_hold_profile_answers, .timeout = 120)
{
	uint64_t seed;
	int narrow = 0;

	for (seed = 1; seed <= 24; seed++) {
		sgreach_model *m = random_estate(seed);
		sgreach_verdict *ctx = sgreach_verdict_new();
		int fam = seed % 2 ? 4 : 6, gb, mode;

		test_fam = fam;
		for (gb = 0; gb < 2; gb++) {
			struct an_ctx c;
			struct connset only;
			uint32_t *want, *got, most, slots, m2, s2, n;

			cr_assert_eq(an_init(&c, m, ctx, fam), 0);
			connset_init(&only);
			cr_assert_eq(connset_copy(&only, &c.universe), 0);
			cr_assert_eq(an_add_nodes(&c, gb ? NODE_SERVICE
							 : NODE_ENDPOINT),
				     0);
			cr_assert_eq(an_finish_nodes(&c), 0);
			c.only = &only;
			n = c.ncls_keys.n;
			want = all_rows(&c, &mode, &most, &slots);
			cr_assert_eq(mode, AP_TABLE, "seed %llu",
				     (unsigned long long)seed);
			if (most < slots) {
				narrow++;
				ap_cell_max = most;
				got = all_rows(&c, &mode, &m2, &s2);
				cr_assert_eq(mode, AP_TABLE,
					     "seed %llu: %u answers, at most "
					     "%u a profile",
					     (unsigned long long)seed, slots,
					     most);
				cr_assert_arr_eq(got, want,
						 (size_t)n * n * sizeof(*got));
				free(got);
			}
			ap_cell_max = most - 1;
			got = all_rows(&c, &mode, &m2, &s2);
			cr_assert_eq(mode, AP_EXACT, "seed %llu",
				     (unsigned long long)seed);
			for (m2 = 0; m2 < n * n; m2++)
				cr_assert(vsets_equal(&c.res.v[got[m2]],
						      &c.res.v[want[m2]]),
					  "seed %llu, cell %u",
					  (unsigned long long)seed, m2);
			free(got);
			ap_cell_max = 0xffff;
			ap_pairs_max = 0;
			got = all_rows(&c, &mode, &m2, &s2);
			ap_pairs_max = (size_t)1 << 28;
			cr_assert_eq(mode, AP_TABLE);
			cr_assert_arr_eq(got, want,
					 (size_t)n * n * sizeof(*got));
			free(got);
			free(want);
			connset_free(&only);
			an_free(&c);
		}
		sgreach_verdict_free(ctx);
		sgreach_model_free(m);
	}
	ap_cell_max = 0xffff;
	ap_pairs_max = (size_t)1 << 28;
	cr_log_info("%d matrices with more answers on a side than in a profile",
		    narrow);
	cr_expect_gt(narrow, 10, "sides with more answers than a profile: %d",
		     narrow);
}

/* Profiles with more distinct flow sets than one 64-bit mask holds: 130
 * ingress rules on one group, each a port of its own from one interface
 * or from a group; some interfaces carry a group whose rules are missing. */
static sgreach_model *wide_estate(void)
{
	sgreach_model *m = sgreach_model_new();
	char id[64], addr[64], peer[64];
	int i;

	cr_assert_eq(sgreach_model_add_group(m, "sg-wide", NULL, "vpc-a",
					     SGREACH_GROUP_COMPLETE),
		     0);
	cr_assert_eq(sgreach_model_add_group(m, "sg-out", NULL, "vpc-a",
					     SGREACH_GROUP_COMPLETE),
		     0);
	cr_assert_eq(sgreach_model_add_rule(m, "sg-out", SGREACH_EGRESS, "-1",
					    -1, -1, SGREACH_PEER_CIDR,
					    "0.0.0.0/0", NULL, NULL, 0),
		     0);
	for (i = 0; i < 6; i++) {
		snprintf(id, sizeof(id), "sg-g%d", i);
		cr_assert_eq(sgreach_model_add_group(m, id, NULL, "vpc-a",
						     SGREACH_GROUP_COMPLETE),
			     0);
	}
	for (i = 0; i < 130; i++) {
		if (i % 3)
			snprintf(peer, sizeof(peer), "10.0.0.%d/32", 10 + i % 70);
		else
			snprintf(peer, sizeof(peer), "sg-g%d", i % 6);
		cr_assert_eq(sgreach_model_add_rule(
				 m, "sg-wide", SGREACH_INGRESS, "tcp", 1000 + i,
				 1000 + i + i % 2, i % 3 ? SGREACH_PEER_CIDR
							 : SGREACH_PEER_GROUP,
				 peer, NULL, NULL, 0),
			     0);
	}
	for (i = 0; i < 70; i++) {
		snprintf(id, sizeof(id), "eni-%d", i);
		snprintf(addr, sizeof(addr), "10.0.0.%d", 10 + i);
		cr_assert_eq(sgreach_model_add_endpoint(m, id,
							SGREACH_ENDPOINT_ENI,
							"vpc-a", NULL, NULL),
			     0);
		cr_assert_eq(sgreach_model_add_address(m, id, addr, 0), 0);
		cr_assert_eq(sgreach_model_add_endpoint_group(
				 m, id, i % 5 ? "sg-wide" : "sg-out"),
			     0);
		cr_assert_eq(sgreach_model_add_endpoint_group(m, id, "sg-out"),
			     0);
		snprintf(peer, sizeof(peer), "sg-g%d", i % 7 < 6 ? i % 7 : 0);
		cr_assert_eq(sgreach_model_add_endpoint_group(
				 m, id, i % 11 == 3 ? "sg-norules" : peer),
			     0);
	}
	cr_assert_eq(sgreach_model_finalize(m), 0, "%s",
		     sgreach_model_error(m));
	return m;
}

Test(analysis_property, matrix_wide_profiles, .timeout = 60)
{
	sgreach_model *m = wide_estate();
	sgreach_verdict *ctx = sgreach_verdict_new(), *q = sgreach_verdict_new();
	static const sgreach_flow flows[] = {
	    {6, 1000, -1}, {6, 1064, -1}, {6, 1129, -1}, {6, 1130, -1}};
	long checked = 0, group_cells = 0;
	int fi, gb;

	test_fam = 4;
	/* By interface, then by group: a group's node has many member
	 * classes (sg-out's all 70), whose answers are tallied. */
	for (gb = 0; gb < 2; gb++)
		for (fi = -1; fi < 4; fi++) {
			struct an_ctx c;
			struct allpairs ap;
			struct connset only;
			uint32_t *row, a, b;

			cr_assert_eq(an_init(&c, m, ctx, 4), 0);
			connset_init(&only);
			cr_assert_eq(fi < 0 ? connset_copy(&only, &c.universe)
					    : an_flow_set(&flows[fi], &only),
				     0);
			cr_assert_eq(
			    an_add_nodes(&c, gb ? NODE_GROUP : NODE_ENDPOINT),
			    0);
			cr_assert_eq(an_finish_nodes(&c), 0);
			c.only = &only;
			cr_assert_eq(
			    ap_init(&ap, &c, fi < 0 ? NULL : &flows[fi]), 0);
			row = malloc((ap.nnc + 1) * sizeof(*row));
			cr_assert_not_null(row);
			for (a = 0; a < c.nodes.n; a++) {
				cr_assert_eq(
				    ap_row(&ap, c.nodes.v[a].nclass, row), 0);
				for (b = 0; b < c.nodes.n; b++) {
					uint32_t id = row[c.nodes.v[b].nclass],
						 ex;
					char sa[128], sb[128];
					const char *na = node_sel(&c, a, sa, 128);
					const char *nb = node_sel(&c, b, sb, 128);

					cr_assert_eq(
					    an_node_pair_id(&c, a, b, &ex), 0);
					cr_assert(vsets_equal(&c.res.v[id],
							      &c.res.v[ex]),
						  "flow %d, group_by %d: %s -> "
						  "%s",
						  fi, gb, na, nb);
					group_cells += gb;
					if (a == b || gb)
						continue;
					checked +=
					    fi < 0
						? check_sets(m, q, na, nb,
							     &c.res.v[id], 0)
						: check_flow(m, q, na, nb,
							     &c.res.v[id],
							     &flows[fi], 0);
				}
			}
			free(row);
			ap_free(&ap);
			connset_free(&only);
			an_free(&c);
		}
	cr_expect_gt(checked, 20000, "too few comparisons: %ld", checked);
	cr_expect_gt(group_cells, 100, "too few group cells: %ld",
		     group_cells);
	sgreach_verdict_free(q);
	sgreach_verdict_free(ctx);
	sgreach_model_free(m);
}

/* "allowed partial unknown" arrays of a pairs entry, as one string. */
static void entry_sets(const cJSON *e, char *buf, size_t size)
{
	static const char *const keys[] = {"allowed", "partial", "unknown"};
	char *t;
	int k;

	buf[0] = '\0';
	for (k = 0; k < 3; k++) {
		t = cJSON_PrintUnformatted(
		    cJSON_GetObjectItemCaseSensitive(e, keys[k]));
		cr_assert_not_null(t);
		strncat(buf, t, size - strlen(buf) - 2);
		strcat(buf, " ");
		free(t);
	}
}

/* The pair entries of a per-node matrix as "src\tdst" -> sets. */
static cJSON *pairs_by_name(const cJSON *j)
{
	cJSON *map = cJSON_CreateObject();
	const cJSON *x;
	char key[300], sets[4096];

	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(j, "pairs"))
	{
		snprintf(
		    key, sizeof(key), "%s\t%s",
		    cJSON_GetObjectItemCaseSensitive(x, "src")->valuestring,
		    cJSON_GetObjectItemCaseSensitive(x, "dst")->valuestring);
		entry_sets(x, sets, sizeof(sets));
		cr_assert_null(cJSON_GetObjectItemCaseSensitive(map, key));
		cJSON_AddStringToObject(map, key, sets);
	}
	return map;
}

/*
 * Is class k of `side` one node whose class on the other side is that node
 * alone?  Then the two classes' entry would hold only the node's pair with
 * itself, which the form leaves out, while its answer still tells the
 * class apart from others.
 */
static int alone_with_self(const cJSON *side, const cJSON *other, int k)
{
	const cJSON *c = cJSON_GetArrayItem(side, k), *o;

	if (cJSON_GetArraySize(c) != 1)
		return 0;
	cJSON_ArrayForEach(o, other) if (cJSON_GetArraySize(o) == 1 &&
					 !strcmp(cJSON_GetArrayItem(o, 0)
						     ->valuestring,
						 cJSON_GetArrayItem(c, 0)
						     ->valuestring)) return 1;
	return 0;
}

/*
 * The classes are as few as the answers allow: no two source classes have
 * the same answer to every destination class, and no two destination
 * classes from every source class, but where a class's self pair (left
 * out) may differ (alone_with_self()).  A hash that failed would still
 * give right answers, every node class a class of its own: only this
 * finds it.
 */
static long distinct_checked;

static void classes_distinct(const cJSON *cls, uint64_t seed)
{
	const cJSON *p, *d,
	    *srcs = cJSON_GetObjectItemCaseSensitive(cls, "sources"),
	    *dsts = cJSON_GetObjectItemCaseSensitive(cls, "destinations");
	int ns = cJSON_GetArraySize(srcs), nd = cJSON_GetArraySize(dsts), i, j,
	    k;
	int *sig = calloc((size_t)ns * nd + 1, sizeof(int));

	cr_assert_not_null(sig);
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(cls, "pairs"))
	{
		int sc = cJSON_GetObjectItemCaseSensitive(p, "src")->valueint,
		    an = cJSON_GetObjectItemCaseSensitive(p, "answer")->valueint;

		cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(p, "dst"))
		    sig[sc * nd + d->valueint] = an + 1;
	}
	for (i = 0; i < ns; i++)
		for (j = i + 1; j < ns; j++)
			cr_assert(memcmp(sig + i * nd, sig + j * nd,
					 nd * sizeof(int)) ||
				      alone_with_self(srcs, dsts, i) ||
				      alone_with_self(srcs, dsts, j),
				  "seed %llu: source classes %d and %d have "
				  "the same answers",
				  (unsigned long long)seed, i, j);
	for (i = 0; i < nd; i++)
		for (j = i + 1; j < nd; j++) {
			for (k = 0; k < ns; k++)
				if (sig[k * nd + i] != sig[k * nd + j])
					break;
			cr_assert(k < ns || alone_with_self(dsts, srcs, i) ||
				      alone_with_self(dsts, srcs, j),
				  "seed %llu: destination classes %d and %d "
				  "have the same answers",
				  (unsigned long long)seed, i, j);
		}
	distinct_checked += ns + nd;
	free(sig);
}

/*
 * The class form: every pair of distinct nodes, one in a source class and
 * one in a destination class of an entry, has the entry's answer in the
 * per-node matrix; every pair of that matrix is covered exactly once; and
 * on one flow the entry's set holding the flow is the query's verdict.
 */
static long check_classes(sgreach_model *m, sgreach_verdict *v,
			  sgreach_verdict *q, const char *flow,
			  sgreach_group_by gb, unsigned int flags,
			  const sgreach_flow *f, uint64_t seed)
{
	const char *out = NULL;
	cJSON *nodes, *cls, *map;
	const cJSON *e, *p, *srcs, *dsts, *answers;
	long covered = 0, checked = 0;
	char sets[4096], key[300];

	cr_assert_eq(sgreach_matrix(m, flow, gb, flags, SGREACH_FORMAT_JSON, v,
				    &out),
		     0, "%s", sgreach_verdict_error(v));
	nodes = cJSON_Parse(out);
	cr_assert_not_null(nodes);
	map = pairs_by_name(nodes);
	cr_assert_eq(sgreach_matrix(m, flow, gb,
				    flags | SGREACH_MATRIX_CLASSES,
				    SGREACH_FORMAT_JSON, v, &out),
		     0, "%s", sgreach_verdict_error(v));
	cls = cJSON_Parse(out);
	cr_assert_not_null(cls, "%s", out);
	cr_assert_str_eq(
	    cJSON_GetObjectItemCaseSensitive(cls, "form")->valuestring,
	    "classes");
	srcs = cJSON_GetObjectItemCaseSensitive(cls, "sources");
	dsts = cJSON_GetObjectItemCaseSensitive(cls, "destinations");
	answers = cJSON_GetObjectItemCaseSensitive(cls, "answers");
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(cls, "pairs"))
	{
		const cJSON *sc = cJSON_GetArrayItem(
		    srcs, cJSON_GetObjectItemCaseSensitive(p, "src")->valueint);
		const cJSON *d, *a, *b;

		e = cJSON_GetArrayItem(
		    answers,
		    cJSON_GetObjectItemCaseSensitive(p, "answer")->valueint);
		cr_assert_not_null(sc);
		cr_assert_not_null(e);
		entry_sets(e, sets, sizeof(sets));
		cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(p, "dst"))
		{
			const cJSON *dc = cJSON_GetArrayItem(dsts, d->valueint);

			cr_assert_not_null(dc);
			cJSON_ArrayForEach(a, sc) cJSON_ArrayForEach(b, dc)
			{
				const cJSON *want;

				if (!strcmp(a->valuestring, b->valuestring))
					continue;
				snprintf(key, sizeof(key), "%s\t%s",
					 a->valuestring, b->valuestring);
				want = cJSON_GetObjectItemCaseSensitive(map,
									key);
				cr_assert_not_null(
				    want, "seed %llu: %s -> %s in the class "
					  "form (%s), not in the matrix",
				    (unsigned long long)seed, a->valuestring,
				    b->valuestring, sets);
				cr_assert_str_eq(want->valuestring, sets,
						 "seed %llu: %s -> %s",
						 (unsigned long long)seed,
						 a->valuestring,
						 b->valuestring);
				/* Covered once: the entry is used up. */
				cJSON_DeleteItemFromObjectCaseSensitive(map,
									key);
				covered++;
				if (!f || rnd(3))
					continue;
				{
					struct vsets vs;
					int k;

					/* Which set names the flow. */
					vsets_init(&vs);
					for (k = 0; k < 3; k++) {
						static const char *const kk[] =
						    {"allowed", "partial",
						     "unknown"};
						static const int idx[] = {
						    VS_A, VS_P, VS_U};

						if (cJSON_GetArraySize(
							cJSON_GetObjectItemCaseSensitive(
							    e, kk[k])))
							cr_assert_eq(
							    an_flow_set(
								f,
								&vs.s[idx[k]]),
							    0);
					}
					if (vsets_all_denied(&vs))
						cr_assert_eq(
						    an_flow_set(f,
								&vs.s[VS_D]),
						    0);
					checked += check_flow(
					    m, q, a->valuestring,
					    b->valuestring, &vs, f, seed);
					vsets_free(&vs);
				}
			}
		}
	}
	cr_expect_eq(cJSON_GetArraySize(map), 0,
		     "seed %llu: %d pairs of the matrix not in the class form",
		     (unsigned long long)seed, cJSON_GetArraySize(map));
	if (!mx_hash_weak)
		classes_distinct(cls, seed);
	cJSON_Delete(map);
	cJSON_Delete(nodes);
	cJSON_Delete(cls);
	return covered + checked;
}

Test(analysis_property, matrix_classes_agree, .timeout = 240)
{
	uint64_t seed;
	long checked = 0;

	distinct_checked = 0;

	for (seed = 1; seed <= 24; seed++) {
		sgreach_model *m = random_estate(seed);
		sgreach_verdict *v = sgreach_verdict_new(),
				*q = sgreach_verdict_new();
		static const char *const flows4[] = {"tcp/443", "udp/53",
						     "icmp/8/0", "esp"};
		static const char *const flows6[] = {"tcp/22", "udp/53",
						     "icmpv6/128/0", "gre"};
		unsigned int flags =
		    seed % 2 ? SGREACH_QUERY_IPV4 : SGREACH_QUERY_IPV6;
		const char *const *fl = seed % 2 ? flows4 : flows6;
		int gb, i;

		test_fam = seed % 2 ? 4 : 6;
		/* mx_classes() keeps every row of one flow between its
		 * passes (seed % 4: 0 and 3), the first few (1: the others
		 * computed again) or none (2); on 3, 5, 7, 11... every row's
		 * hash collides too (and on 7, 15, 23 every column's), so that
		 * comparing the rows must find it. */
		mx_cache_bytes = seed % 4 == 1	 ? 24
				 : seed % 4 == 2 ? 0
						 : (size_t)256 << 20;
		mx_hash_weak = seed % 8 == 7 ? 2
			       : seed % 4 == 3 || seed % 8 == 5 ? 1
								 : 0;
		for (gb = 0; gb < 3; gb++) {
			sgreach_group_by g = gb == 0   ? SGREACH_GROUP_BY_NONE
					     : gb == 1 ? SGREACH_GROUP_BY_SERVICE
						       : SGREACH_GROUP_BY_GROUP;

			checked +=
			    check_classes(m, v, q, NULL, g, flags, NULL, seed);
			for (i = 0; i < 4; i++) {
				sgreach_flow f;

				cr_assert_eq(sgreach_flow_parse(fl[i], &f), 0);
				checked += check_classes(
				    m, v, q, fl[i], g, flags,
				    g == SGREACH_GROUP_BY_GROUP ? NULL : &f,
				    seed);
			}
		}
		sgreach_verdict_free(q);
		sgreach_verdict_free(v);
		sgreach_model_free(m);
	}
	mx_cache_bytes = (size_t)256 << 20;
	mx_hash_weak = 0;
	cr_log_info("%ld class-form pairs and verdicts checked, %ld classes "
		    "distinct",
		    checked, distinct_checked);
	cr_expect_gt(distinct_checked, 1000, "too few classes: %ld",
		     distinct_checked);
	cr_expect_gt(checked, 10000, "too few comparisons: %ld", checked);
}

/* One answer of an_external() on a seeded estate, for a check of it. */
struct ext_case {
	const sgreach_model *m;
	sgreach_verdict *ctx, *q; /* the analysis context; for queries */
	const char *inside;	  /* the selection, of loaded things */
	int dir;
	const struct ext_range *ext;
	size_t next;
	uint64_t seed;
	int fam; /* 4 or 6 */
};

/* Calls check(x) for the outside ranges of a few selections of every kind,
 * both ways, in both families, on twelve seeded estates; sum[0] and sum[1]
 * are what it returns summed for IPv4 and IPv6. */
static void each_external(long (*check)(const struct ext_case *x),
			  long sum[2])
{
	/* task5 is eni-5, which has no IPv6 address; task4 has one. */
	static const char *const inside[] = {"eni-0",	      "eni-6",
					     "eni-13",	      "service:svc-a",
					     "service:svc-c", "task5"};
	static const char *const inside6[] = {"eni-0",	       "eni-6",
					      "eni-13",	       "service:svc-a",
					      "service:svc-c", "task4"};
	uint64_t seed;
	size_t i;

	sum[0] = sum[1] = 0;
	for (seed = 1; seed <= 24; seed++) {
		sgreach_model *m = random_estate((seed + 1) / 2);
		sgreach_verdict *ctx = sgreach_verdict_new();
		sgreach_verdict *q = sgreach_verdict_new();
		const int fam = seed % 2 ? 4 : 6;

		test_fam = fam;
		for (i = 0; i < sizeof(inside) / sizeof(*inside); i++) {
			const char *in = fam == 4 ? inside[i] : inside6[i];
			int dir;

			for (dir = 0; dir < 2; dir++) {
				struct an_ctx c;
				struct selection s;
				VEC(struct member) mem = {0};
				struct ext_range *ext;
				size_t next;
				struct ext_case x;

				memset(&s, 0, sizeof(s));
				cr_assert_eq(an_init(&c, m, ctx, fam), 0);
				cr_assert_eq(an_select(&c, in, &s, &mem), 0,
					     "%s", sgreach_verdict_error(ctx));
				cr_assert_eq(
				    an_external(&c, &mem, dir, &ext, &next), 0);
				x = (struct ext_case){
				    m,	 ctx,  q,		  in,	     dir,
				    ext, next, (seed + 1) / 2, fam};
				sum[fam == 6] += check(&x);
				an_ext_free(ext, next);
				vec_free(&mem);
				an_free(&c);
			}
		}
		sgreach_verdict_free(q);
		sgreach_verdict_free(ctx);
		sgreach_model_free(m);
	}
}

/* The flows of sets agree with the query between the selection and the
 * outside address text (check_sets()); 0 when text is the address of a
 * loaded interface, which is not outside the model. */
static long outside_agrees(const struct ext_case *x, const char *text,
			   const struct vsets *sets)
{
	struct selection o;

	memset(&o, 0, sizeof(o));
	cr_assert_eq(eval_resolve_selector(x->ctx, text, &o), 0);
	if (o.what != SELW_ADDRESS)
		return 0;
	return check_sets(x->m, x->q,
			  x->dir == SGREACH_INGRESS ? text : x->inside,
			  x->dir == SGREACH_INGRESS ? x->inside : text, sets,
			  x->seed);
}

static long addresses_agree(const struct ext_case *x)
{
	static const char *const outside4[] = {
	    "8.8.8.8",	   "203.0.113.7",     "10.0.1.200",   "10.0.1.17",
	    "192.168.4.4", "100.64.0.1",      "198.51.100.5", "10.1.200.1",
	    "0.0.0.1",	   "255.255.255.255", "10.0.2.130",   "172.16.0.1"};
	/* Inside and around the generator's prefixes (2001:db8:1::1a is
	 * an interface's, which outside_agrees() passes over), the ends
	 * of the space, unique local, link local and the internet. */
	static const char *const outside6[] = {
	    "2001:db8:1::1a",
	    "2001:db8:1::ffff",
	    "2001:db8:1:0:1::1",
	    "2001:db8:1:1::1",
	    "2001:db8:2::5",
	    "2001:db8:3::1",
	    "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff",
	    "2001:db9::",
	    "::",
	    "::1",
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	    "2606:4700::1111",
	    "fd00::1",
	    "fe80::1"};
	const char *const *outside = x->fam == 4 ? outside4 : outside6;
	const size_t n = x->fam == 4 ? sizeof(outside4) / sizeof(*outside4)
				     : sizeof(outside6) / sizeof(*outside6);
	size_t j, r;
	long checked = 0;

	for (j = 0; j < n; j++) {
		struct sg_prefix p;

		cr_assert_eq(addr_parse(outside[j], 0, &p, NULL), 0);
		cr_assert_eq(p.fam, x->fam);
		for (r = 0; r < x->next; r++)
			if (addr_cmp(&x->ext[r].r.first, &p.a) <= 0 &&
			    addr_cmp(&p.a, &x->ext[r].r.last) <= 0)
				break;
		cr_assert_lt(r, x->next, "%s in no range", outside[j]);
		checked += outside_agrees(x, outside[j], &x->ext[r].sets);
	}
	return checked;
}

/* Ranges outside the model: the answer of the range holding an address is
 * the query's answer from (who) or to (reach) that address. */
Test(analysis_property, external_ranges_agree, .timeout = 60)
{
	long checked[2];

	each_external(addresses_agree, checked);
	cr_log_info("%ld IPv4, %ld IPv6 addresses checked", checked[0],
		    checked[1]);
	cr_expect_gt(checked[0], 1000, "too few comparisons: %ld", checked[0]);
	cr_expect_gt(checked[1], 1000, "too few comparisons: %ld", checked[1]);
}

static long edges[2], edge_flows[2];

static long edges_agree(const struct ext_case *x)
{
	const struct ext_range *ext = x->ext;
	size_t r;

	cr_assert_gt(x->next, 0);
	cr_assert_eq(ext[0].r.first.hi, 0);
	cr_assert_eq(ext[0].r.first.lo, 0);
	if (x->fam == 4) {
		cr_assert_eq(ext[x->next - 1].r.last.hi, 0xffffffffull << 32);
		cr_assert_eq(ext[x->next - 1].r.last.lo, 0);
	} else {
		cr_assert_eq(ext[x->next - 1].r.last.hi, ~0ull);
		cr_assert_eq(ext[x->next - 1].r.last.lo, ~0ull);
	}
	for (r = 0; r < x->next; r++) {
		const struct sg_addr *a[2] = {&ext[r].r.first, &ext[r].r.last};
		int e;

		cr_assert_eq(ext[r].r.fam, x->fam);
		if (r + 1 < x->next) {
			struct sg_addr nx = addr_next(&ext[r].r.last, x->fam);

			cr_assert_eq(addr_cmp(&nx, &ext[r + 1].r.first), 0,
				     "seed %llu: a gap after range %zu",
				     (unsigned long long)x->seed, r);
			cr_assert(ext[r].internet != ext[r + 1].internet ||
				      !vsets_equal(&ext[r].sets,
						   &ext[r + 1].sets),
				  "seed %llu: ranges %zu and %zu not merged",
				  (unsigned long long)x->seed, r, r + 1);
		}
		for (e = 0; e < 2; e++) {
			struct sg_prefix p = {*a[e], x->fam == 4 ? 32 : 128,
					      (uint8_t)x->fam};
			char t[64];
			long n;

			addr_format(&p, 1, t, sizeof(t));
			n = outside_agrees(x, t, &ext[r].sets);
			edges[x->fam == 6] += n > 0;
			edge_flows[x->fam == 6] += n;
		}
	}
	return 0;
}

/* The ranges outside the model tile the address space, adjacent ranges
 * differ (in their sets or in being internet space), and at both ends of
 * every range the answer is the query's: the cuts between them are where
 * a rule's prefix starts or stops (an_external_cls() moves each class's
 * side along them). */
Test(analysis_property, external_range_edges_agree, .timeout = 120)
{
	long unused[2];
	int f;

	memset(edges, 0, sizeof(edges));
	memset(edge_flows, 0, sizeof(edge_flows));
	each_external(edges_agree, unused);
	for (f = 0; f < 2; f++) {
		cr_log_info("IPv%d: %ld range ends, %ld flows checked",
			    f ? 6 : 4, edges[f], edge_flows[f]);
		cr_expect_gt(edges[f], 1000, "too few range ends: %ld",
			     edges[f]);
		cr_expect_gt(edge_flows[f], 10000, "too few comparisons: %ld",
			     edge_flows[f]);
	}
}

/* ------------------------------------------------------ private space -- */

/* The constants an_range_private() tests are the prefixes these texts
 * name, in this order, and nothing else. */
/*
 * diff finds the pairs that differ by screening (only pairs with a name
 * whose node changed are asked) and asks them pair by pair or by rows:
 * every way gives what asking every pair gives (DIFF_FULL), byte for
 * byte, on random estates against changed copies of themselves, both
 * ways, in both formats and families.
 */
static const char *diff_out(const sgreach_model *a, const sgreach_model *b,
			    unsigned int flags, sgreach_format fmt, int mode,
			    int *gained, uint64_t seed)
{
	static sgreach_verdict *v;
	const char *out = NULL;
	int rc;

	if (!v)
		v = sgreach_verdict_new();
	rc = an_diff(a, b, flags, fmt, v, &out, gained, mode);
	cr_assert_eq(rc, 0, "seed %llu mode %d: %s", (unsigned long long)seed,
		     mode, sgreach_verdict_error(v));
	return out;
}

Test(analysis_property, diff_modes_agree, .timeout = 120)
{
	uint64_t seed;
	int changed = 0, pairs = 0;

	for (seed = 1; seed <= 60; seed++) {
		sgreach_model *m[3] = {random_estate(seed),
				       random_estate_mut(seed, seed),
				       random_estate(seed)};
		static const int ab[][2] = {{0, 1}, {1, 0}, {0, 2}};
		unsigned int flags = seed % 2 ? 0 : SGREACH_QUERY_IPV6;
		int k, fmt, mode;
		char empty[64];

		snprintf(empty, sizeof(empty),
			 "{\"family\":%d,\"gained\":[],\"lost\":[]}",
			 flags ? 6 : 4);

		for (k = 0; k < 3; k++)
			for (fmt = 0; fmt < 2; fmt++) {
				const sgreach_format f =
				    fmt ? SGREACH_FORMAT_TEXT
					: SGREACH_FORMAT_JSON;
				int g0, g;
				char *full = strdup(
				    diff_out(m[ab[k][0]], m[ab[k][1]], flags,
					     f, DIFF_FULL, &g0, seed));

				cr_assert_not_null(full);
				for (mode = DIFF_AUTO; mode <= DIFF_SCREEN_PAIRS;
				     mode++) {
					if (mode == DIFF_FULL)
						continue;
					cr_assert_str_eq(
					    diff_out(m[ab[k][0]], m[ab[k][1]],
						     flags, f, mode, &g, seed),
					    full, "seed %llu, %d to %d, mode %d",
					    (unsigned long long)seed, ab[k][0],
					    ab[k][1], mode);
					cr_assert_eq(g, g0);
				}
				if (k == 2 && fmt == 0)
					cr_assert_str_eq(full, empty);
				if (k == 0 && fmt == 0) {
					changed += strcmp(full, empty) != 0;
					pairs += g0;
				}
				free(full);
			}
		for (k = 0; k < 3; k++)
			sgreach_model_free(m[k]);
	}
	cr_log_info("%d of 60 changed estates diff, %d pairs gained", changed,
		    pairs);
	/* The changes must change something, or nothing is tested. */
	cr_expect_gt(changed, 30, "only %d changed estates differ", changed);
}

/*
 * check answers two wildcards' pairs with the all-pairs engine and asks
 * only the failures as queries: the report, the count of failures and
 * any error are those of a query for every pair, byte for byte.
 */
Test(analysis_property, check_engine_agrees, .timeout = 120)
{
	static const char *const lines[] = {
	    "* * tcp/443 allowed\n",
	    "eni-* eni-* tcp/22 denied\n",
	    "service:* eni-* udp/53 unknown\n",
	    "eni-1* service:* 50 partial\n",
	    "arn:* * tcp/5432 allowed\n",
	    "* eni-2* icmp/8/0 denied\n",
	    /* Two assertions: the engine built for each. */
	    "eni-1* eni-2* tcp/1000 allowed\n"
	    "service:* service:* tcp/80 denied\n",
	};
	sgreach_verdict *v = sgreach_verdict_new();
	uint64_t seed;
	int answered = 0, failures = 0;

	for (seed = 1; seed <= 30; seed++) {
		sgreach_model *m = random_estate(seed);
		unsigned int flags = seed % 3 ? 0 : SGREACH_QUERY_IPV6;
		size_t i;
		int fmt;

		for (i = 0; i < sizeof(lines) / sizeof(*lines); i++)
			for (fmt = 0; fmt < 2; fmt++) {
				const sgreach_format f =
				    fmt ? SGREACH_FORMAT_TEXT
					: SGREACH_FORMAT_JSON;
				const char *out = NULL;
				char *want = NULL, *werr;
				int rc0, rc, failed0 = -1, failed = -1;

				rc0 = an_check(m, lines[i], strlen(lines[i]),
					       "t", flags, f, v, &out,
					       &failed0, 0);
				if (!rc0)
					want = strdup(out);
				werr = strdup(sgreach_verdict_error(v));
				rc = an_check(m, lines[i], strlen(lines[i]),
					      "t", flags, f, v, &out, &failed,
					      2);
				cr_assert_eq(rc, rc0, "seed %llu line %zu",
					     (unsigned long long)seed, i);
				if (rc0) {
					cr_assert_str_eq(
					    sgreach_verdict_error(v), werr);
				} else {
					cr_assert_str_eq(
					    out, want, "seed %llu line %zu",
					    (unsigned long long)seed, i);
					cr_assert_eq(failed, failed0);
					answered++;
					failures += failed0 > 0;
				}
				free(want);
				free(werr);
			}
		sgreach_model_free(m);
	}
	sgreach_verdict_free(v);
	cr_log_info("%d reports compared, %d with failures", answered,
		    failures);
	cr_expect_gt(answered, 150, "too few reports: %d", answered);
	cr_expect_gt(failures, 50, "too few failures: %d", failures);
}

Test(analysis_private, constants_are_the_documented_prefixes)
{
	static const char *const v4[] = {
	    "0.0.0.0/8",      "10.0.0.0/8",	"100.64.0.0/10",
	    "127.0.0.0/8",    "169.254.0.0/16", "172.16.0.0/12",
	    "192.168.0.0/16", "224.0.0.0/4",	"240.0.0.0/4",
	};
	static const char *const v6[] = {"::/127", "fc00::/7", "fe80::/10",
					 "ff00::/8"};
	const char *const *text[2] = {v4, v6};
	const size_t want[2] = {sizeof(v4) / sizeof(*v4),
				sizeof(v6) / sizeof(*v6)};
	int f;

	for (f = 0; f < 2; f++) {
		size_t n, i;
		const struct sg_prefix *t = an_private_prefixes(f ? 6 : 4, &n);

		cr_assert_eq(n, want[f], "IPv%d: %zu prefixes", f ? 6 : 4, n);
		for (i = 0; i < n; i++) {
			struct sg_prefix p;

			cr_assert_eq(addr_parse(text[f][i], 1, &p, NULL), 0);
			cr_expect(t[i].fam == p.fam && t[i].len == p.len &&
				      t[i].a.hi == p.a.hi && t[i].a.lo == p.a.lo,
				  "%s", text[f][i]);
		}
	}
}

/* A range is private when one prefix holds all of it. */
Test(analysis_private, range_rows)
{
	static const struct {
		const char *prefix;
		int private_;
	} rows[] = {
	    {"10.1.2.3/32", 1},	    {"10.0.0.0/8", 1},	  {"10.0.0.0/7", 0},
	    {"11.0.0.0/8", 0},	    {"172.31.255.255/32", 1},
	    {"172.32.0.0/32", 0},   {"100.127.0.0/16", 1}, {"100.128.0.0/16", 0},
	    {"8.8.8.8/32", 0},	    {"255.255.255.255/32", 1},
	    {"0.0.0.0/0", 0},	    {"::1/128", 1},	  {"::2/128", 0},
	    {"fd00::/8", 1},	    {"fe80::1/128", 1},	  {"fec0::/10", 0},
	    {"2001:db8::/32", 0},   {"ff02::1/128", 1},	  {"::/0", 0},
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		struct sg_prefix p;
		struct sg_range r;

		cr_assert_eq(addr_parse(rows[i].prefix, 1, &p, NULL), 0, "%s",
			     rows[i].prefix);
		prefix_range(&p, &r);
		cr_expect_eq(an_range_private(&r), rows[i].private_, "%s",
			     rows[i].prefix);
	}
}

/* ---------------------------------------------------------- CSV fields -- */

/* Control characters as the text form writes them, then RFC 4180 quoting
 * (fuzz_analysis found a form feed in an interface id written raw). */
Test(analysis_csv, field_rows)
{
	static const struct {
		const char *in, *out;
	} rows[] = {
	    {"eni-0a1b", "eni-0a1b"},
	    {"a,b", "\"a,b\""},
	    {"say \"hi\"", "\"say \"\"hi\"\"\""},
	    {"a\r\nb", "a\\x0d\\x0ab"},
	    {"eni-1\f2", "eni-1\\x0c2"},
	    {"x\x1b[31m,y", "\"x\\x1b[31m,y\""},
	    {"back\\slash", "back\\\\slash"},
	    {"c1 \xc2\x9b csi", "c1 \\u009b csi"},
	    {"del\x7f", "del\\x7f"},
	    {"caf\xc3\xa9", "caf\xc3\xa9"},
	    {"", ""},
	};
	struct strbuf sb;
	size_t i;

	sb_init(&sb);
	for (i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		sb_reset(&sb);
		an_csv_field(&sb, rows[i].in);
		cr_expect_str_eq(sb_str(&sb), rows[i].out, "row %zu", i);
	}
	sb_reset(&sb);
	an_csv_field(&sb, NULL);
	cr_expect_str_eq(sb_str(&sb), "", "NULL writes nothing");
	sb_free(&sb);
}

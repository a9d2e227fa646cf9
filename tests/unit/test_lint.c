/*
 * test_lint.c - lint codes, diff and assertions.
 *
 * Every lint code has a model that must trigger it and one that must not:
 * a false positive is a bug just as a miss is.  The models are built with
 * the public add functions (the same path the importers use), small enough
 * to read the expected answer off the test.
 */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgreach.h"
#include "analysis/allpairs.h"
#include "analysis/analysis.h"

#ifndef SRCDIR
#define SRCDIR "."
#endif

#define IN  SGREACH_INGRESS
#define OUT SGREACH_EGRESS

static sgreach_model *M;

static void setup(void)
{
	M = sgreach_model_new();
	cr_assert_not_null(M);
}

static void teardown(void)
{
	sgreach_model_free(M);
	M = NULL;
}

static void grp(const char *id, const char *vpc)
{
	cr_assert_eq(sgreach_model_add_group(M, id, NULL, vpc,
					     SGREACH_GROUP_COMPLETE),
		     0, "%s", sgreach_model_error(M));
}

static void rule_f(const char *g, sgreach_direction d, const char *proto,
		   int from, int to, sgreach_peer_kind k, const char *peer,
		   unsigned int flags)
{
	cr_assert_eq(sgreach_model_add_rule(M, g, d, proto, from, to, k, peer,
					    NULL, NULL, flags),
		     0, "%s", sgreach_model_error(M));
}

static void rule(const char *g, sgreach_direction d, const char *proto,
		 int from, int to, sgreach_peer_kind k, const char *peer)
{
	rule_f(g, d, proto, from, to, k, peer, 0);
}

/* An interface with one private address (and a public one if given). */
static void eni(const char *id, const char *vpc, const char *addr,
		const char *pub)
{
	cr_assert_eq(sgreach_model_add_endpoint(M, id, SGREACH_ENDPOINT_ENI,
						vpc, NULL, NULL),
		     0);
	cr_assert_eq(sgreach_model_add_address(M, id, addr, 0), 0);
	if (pub)
		cr_assert_eq(sgreach_model_add_address(M, id, pub,
						       SGREACH_ADDR_PUBLIC),
			     0);
}

static void attach(const char *e, const char *g)
{
	cr_assert_eq(sgreach_model_add_endpoint_group(M, e, g), 0);
}

/* Finalizes M, lints it, and returns how many findings carry code. */
static int count_code(const char *code)
{
	sgreach_verdict *v = sgreach_verdict_new();
	const char *out = NULL;
	const cJSON *f;
	cJSON *j;
	int n = 0, worst = -2, rc;

	cr_assert_not_null(v);
	rc = sgreach_lint(M, 0, SGREACH_FORMAT_JSON, v, &out, &worst);
	cr_assert_eq(rc, 0, "lint: %s", sgreach_verdict_error(v));
	j = cJSON_Parse(out);
	cr_assert_not_null(j, "not JSON: %s", out);
	cJSON_ArrayForEach(f, cJSON_GetObjectItem(j, "findings"))
	{
		const cJSON *c = cJSON_GetObjectItem(f, "code");

		cr_assert(cJSON_IsString(c));
		cr_assert(cJSON_IsString(cJSON_GetObjectItem(f, "severity")));
		cr_assert(cJSON_IsString(cJSON_GetObjectItem(f, "message")));
		cr_assert(cJSON_IsString(cJSON_GetObjectItem(f, "hint")));
		cr_assert(cJSON_IsArray(cJSON_GetObjectItem(f, "objects")));
		if (!strcmp(c->valuestring, code))
			n++;
	}
	cr_assert(worst >= (cJSON_GetArraySize(cJSON_GetObjectItem(
				j, "findings")) ? 0 : -1));
	cJSON_Delete(j);
	sgreach_verdict_free(v);
	return n;
}

static int lint_code(const char *code)
{
	cr_assert_eq(sgreach_model_finalize(M), 0, "%s",
		     sgreach_model_error(M));
	return count_code(code);
}

TestSuite(lint, .init = setup, .fini = teardown);

/* A group used by one interface, to keep SG008 out of the way. */
static void base(void)
{
	grp("sg-app", "vpc-1");
	eni("eni-app", "vpc-1", "10.0.1.10", NULL);
	attach("eni-app", "sg-app");
}

Test(lint, sg001_hit)
{
	base();
	rule("sg-app", IN, "tcp", 80, 80, SGREACH_PEER_GROUP, "sg-gone");
	cr_assert_eq(lint_code("SG001"), 1);
}

Test(lint, sg001_miss)
{
	base();
	grp("sg-peer", "vpc-1");
	rule("sg-app", IN, "tcp", 80, 80, SGREACH_PEER_GROUP, "sg-peer");
	cr_assert_eq(lint_code("SG001"), 0);
}

Test(lint, sg002_hit)
{
	base();
	grp("sg-peer", "vpc-1");
	rule_f("sg-app", IN, "tcp", 80, 80, SGREACH_PEER_GROUP, "sg-peer",
	       SGREACH_RULE_STALE);
	cr_assert_eq(lint_code("SG002"), 1);
}

Test(lint, sg002_miss)
{
	base();
	grp("sg-peer", "vpc-1");
	rule("sg-app", IN, "tcp", 80, 80, SGREACH_PEER_GROUP, "sg-peer");
	cr_assert_eq(lint_code("SG002"), 0);
}

Test(lint, sg003_hit)
{
	base();
	grp("sg-far", "vpc-2");
	rule("sg-app", IN, "tcp", 80, 80, SGREACH_PEER_GROUP, "sg-far");
	cr_assert_eq(lint_code("SG003"), 1);
}

Test(lint, sg003_miss)
{
	base();
	grp("sg-far", "vpc-2");
	rule("sg-app", IN, "tcp", 80, 80, SGREACH_PEER_GROUP, "sg-far");
	cr_assert_eq(sgreach_model_add_peering(M, "pcx-1", "vpc-1", "vpc-2", 1),
		     0);
	cr_assert_eq(lint_code("SG003"), 0);
}

Test(lint, sg004_hit)
{
	base();
	attach("eni-app", "sg-unloaded");
	cr_assert_eq(lint_code("SG004"), 1);
}

Test(lint, sg004_miss)
{
	base();
	grp("sg-loaded-empty", "vpc-1"); /* complete, with no rules */
	attach("eni-app", "sg-loaded-empty");
	cr_assert_eq(lint_code("SG004"), 0);
}

Test(lint, sg005_hit)
{
	grp("sg-ssh", "vpc-1");
	rule("sg-ssh", IN, "tcp", 22, 22, SGREACH_PEER_CIDR, "0.0.0.0/0");
	eni("eni-bastion", "vpc-1", "10.0.0.5", "198.51.100.7");
	attach("eni-bastion", "sg-ssh");
	cr_assert_eq(lint_code("SG005"), 1);
}

/* What scanners flag and must not be: GRE (all "ports") from anywhere,
 * SSH from a private range, an egress rule, SSH open on a group that no
 * interface carries. */
Test(lint, sg005_miss)
{
	grp("sg-gre", "vpc-1");
	rule("sg-gre", IN, "47", 0, 65535, SGREACH_PEER_CIDR, "0.0.0.0/0");
	rule("sg-gre", IN, "tcp", 22, 22, SGREACH_PEER_CIDR, "10.0.0.0/8");
	rule("sg-gre", OUT, "tcp", 22, 22, SGREACH_PEER_CIDR, "0.0.0.0/0");
	eni("eni-vpn", "vpc-1", "10.0.0.6", "198.51.100.8");
	attach("eni-vpn", "sg-gre");
	grp("sg-unused", "vpc-1");
	rule("sg-unused", IN, "tcp", 22, 22, SGREACH_PEER_CIDR, "0.0.0.0/0");
	cr_assert_eq(lint_code("SG005"), 0);
}

/* A /24 of public space is "internet addresses" too: exact, not a guess
 * from the prefix length. */
Test(lint, sg005_hit_public_slash24)
{
	grp("sg-db", "vpc-1");
	rule("sg-db", IN, "tcp", 5432, 5432, SGREACH_PEER_CIDR,
	     "203.0.113.0/24");
	eni("eni-db", "vpc-1", "10.0.0.7", NULL);
	attach("eni-db", "sg-db");
	cr_assert_eq(lint_code("SG005"), 1);
}

Test(lint, sg006_hit)
{
	base();
	rule("sg-app", IN, "tcp", 80, 80, SGREACH_PEER_CIDR, "10.1.0.0/16");
	rule("sg-app", IN, "tcp", 0, 1024, SGREACH_PEER_CIDR, "10.0.0.0/8");
	/* Covered only by two halves together. */
	rule("sg-app", IN, "tcp", 443, 443, SGREACH_PEER_CIDR, "172.16.0.0/12");
	rule("sg-app", IN, "tcp", 400, 500, SGREACH_PEER_CIDR, "172.16.0.0/13");
	rule("sg-app", IN, "tcp", 443, 443, SGREACH_PEER_CIDR, "172.24.0.0/13");
	cr_assert_eq(lint_code("SG006"), 2);
}

Test(lint, sg006_miss)
{
	base();
	/* Half of the range only; a group covered by nothing but a CIDR
	 * holding its loaded member (others may exist). */
	rule("sg-app", IN, "tcp", 443, 443, SGREACH_PEER_CIDR, "172.16.0.0/12");
	rule("sg-app", IN, "tcp", 400, 500, SGREACH_PEER_CIDR, "172.16.0.0/13");
	rule("sg-app", IN, "tcp", 80, 80, SGREACH_PEER_GROUP, "sg-app");
	rule("sg-app", IN, "tcp", 80, 80, SGREACH_PEER_CIDR, "10.0.0.0/8");
	/* Different flows, and the other family. */
	rule("sg-app", IN, "udp", 443, 443, SGREACH_PEER_CIDR, "172.16.0.0/12");
	rule("sg-app", IN, "tcp", 443, 443, SGREACH_PEER_CIDR, "::/0");
	cr_assert_eq(lint_code("SG006"), 0);
}

/* Rules that cover each other: #0 (0-100) goes for #1 and #2, then #3
 * (101-150) for #1; #1 and #2 are needed once those are gone, so that
 * removing every reported rule keeps every flow. */
Test(lint, sg006_greedy)
{
	base();
	rule("sg-app", IN, "tcp", 0, 100, SGREACH_PEER_CIDR, "10.0.0.0/8");
	rule("sg-app", IN, "tcp", 50, 150, SGREACH_PEER_CIDR, "10.0.0.0/8");
	rule("sg-app", IN, "tcp", 0, 49, SGREACH_PEER_CIDR, "10.0.0.0/8");
	rule("sg-app", IN, "tcp", 101, 150, SGREACH_PEER_CIDR, "10.0.0.0/8");
	cr_assert_eq(lint_code("SG006"), 2);
	cr_assert_eq(count_code("SG007"), 0);
}

Test(lint, sg007_hit)
{
	base();
	rule("sg-app", IN, "tcp", 443, 443, SGREACH_PEER_CIDR, "10.0.0.0/8");
	grp("sg-wide", "vpc-1");
	rule("sg-wide", IN, "-1", -1, -1, SGREACH_PEER_CIDR, "10.0.0.0/8");
	attach("eni-app", "sg-wide");
	cr_assert_eq(lint_code("SG007"), 1);
}

Test(lint, sg007_miss)
{
	base();
	rule("sg-app", IN, "tcp", 443, 443, SGREACH_PEER_CIDR, "10.0.0.0/8");
	grp("sg-wide", "vpc-1");
	rule("sg-wide", IN, "-1", -1, -1, SGREACH_PEER_CIDR, "10.0.0.0/8");
	attach("eni-app", "sg-wide");
	/* A second carrier of sg-app without sg-wide needs the rule. */
	eni("eni-other", "vpc-1", "10.0.1.11", NULL);
	attach("eni-other", "sg-app");
	cr_assert_eq(lint_code("SG007"), 0);
}

Test(lint, sg008_hit)
{
	base();
	grp("sg-orphan", "vpc-1");
	cr_assert_eq(lint_code("SG008"), 1);
}

/* Services alone (no describe-network-interfaces) do not show what
 * instances or databases carry. */
Test(lint, sg008_miss_services_only)
{
	grp("sg-orphan", "vpc-1");
	grp("sg-svc", "vpc-1");
	cr_assert_eq(sgreach_model_add_endpoint(M, "web",
						SGREACH_ENDPOINT_SERVICE,
						"vpc-1", NULL, NULL),
		     0);
	attach("web", "sg-svc");
	cr_assert_eq(lint_code("SG008"), 0);
}

Test(lint, sg008_miss)
{
	/* No interface loaded: attachment is unknown, nothing to claim. */
	grp("sg-orphan", "vpc-1");
	cr_assert_eq(sgreach_model_add_group(M, "sg-def", "default", "vpc-1",
					     SGREACH_GROUP_COMPLETE),
		     0);
	cr_assert_eq(lint_code("SG008"), 0);
}

Test(lint, sg009_hit)
{
	base();
	rule("sg-app", IN, "tcp", 443, 443, SGREACH_PEER_PREFIX_LIST,
	     "pl-missing");
	cr_assert_eq(lint_code("SG009"), 1);
}

Test(lint, sg009_miss)
{
	base();
	cr_assert_eq(sgreach_model_add_prefix_list(M, "pl-1", "office"), 0);
	cr_assert_eq(sgreach_model_add_prefix_list_entry(M, "pl-1",
							 "192.0.2.0/24"),
		     0);
	rule("sg-app", IN, "tcp", 443, 443, SGREACH_PEER_PREFIX_LIST, "pl-1");
	cr_assert_eq(lint_code("SG009"), 0);
}

static void many_rules(const char *g, int n, const char *cidr)
{
	int i;

	for (i = 0; i < n; i++)
		rule(g, IN, "tcp", 1000 + 2 * i, 1000 + 2 * i,
		     SGREACH_PEER_CIDR, cidr);
}

Test(lint, sg010_hit)
{
	base();
	many_rules("sg-app", 61, "10.0.0.0/8");
	cr_assert_eq(lint_code("SG010"), 1);
}

Test(lint, sg010_miss)
{
	base();
	/* 60 per family is within the quota. */
	many_rules("sg-app", 60, "10.0.0.0/8");
	many_rules("sg-app", 60, "2001:db8::/32");
	cr_assert_eq(lint_code("SG010"), 0);
}

static void groups_on(const char *e, int n)
{
	char id[32];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "sg-extra%d", i);
		grp(id, "vpc-1");
		attach(e, id);
	}
}

Test(lint, sg011_hit)
{
	base();
	groups_on("eni-app", 5); /* six with sg-app */
	cr_assert_eq(lint_code("SG011"), 1);
}

Test(lint, sg011_miss)
{
	base();
	groups_on("eni-app", 4);
	cr_assert_eq(lint_code("SG011"), 0);
}

Test(lint, sg012_hit)
{
	base();
	many_rules("sg-app", 60, "10.0.0.0/8");
	groups_on("eni-app", 16); /* 17 x 60 = 1020 */
	cr_assert_eq(lint_code("SG012"), 1);
}

Test(lint, sg012_miss)
{
	base();
	many_rules("sg-app", 60, "10.0.0.0/8");
	groups_on("eni-app", 15); /* 16 x 60 = 960 */
	cr_assert_eq(lint_code("SG012"), 0);
}

Test(lint, sg013_hit)
{
	base();
	rule("sg-app", IN, "tcp", 443, 443, SGREACH_PEER_CIDR, "10.0.0.5/8");
	cr_assert_eq(lint_code("SG013"), 1);
}

Test(lint, sg013_miss)
{
	base();
	rule("sg-app", IN, "tcp", 443, 443, SGREACH_PEER_CIDR, "10.0.0.0/8");
	rule("sg-app", IN, "tcp", 443, 443, SGREACH_PEER_CIDR, "10.0.0.5/32");
	cr_assert_eq(lint_code("SG013"), 0);
}

/* The bundled example is clean; --fail-on sees the worst severity. */
Test(lint, example_clean)
{
	sgreach_verdict *v = sgreach_verdict_new();
	const char *out = NULL;
	int worst = 7;

	cr_assert_eq(sgreach_model_load_file(M, SRCDIR
					     "/examples/ecs-awsvpc/aws"),
		     0);
	cr_assert_eq(sgreach_model_finalize(M), 0);
	cr_assert_eq(sgreach_lint(M, 0, SGREACH_FORMAT_TEXT, v, &out, &worst),
		     0);
	cr_assert_eq(worst, -1, "%s", out);
	cr_assert_eq(sgreach_lint(M, 0, SGREACH_FORMAT_CSV, v, &out, &worst),
		     -EINVAL);
	cr_assert_eq(sgreach_lint(M, 1, SGREACH_FORMAT_TEXT, v, &out, &worst),
		     -EINVAL);
	sgreach_verdict_free(v);
}

Test(lint, severity_reported)
{
	sgreach_verdict *v = sgreach_verdict_new();
	const char *out = NULL;
	int worst = -2;

	grp("sg-ssh", "vpc-1");
	rule("sg-ssh", IN, "tcp", 22, 22, SGREACH_PEER_CIDR, "0.0.0.0/0");
	eni("eni-bastion", "vpc-1", "10.0.0.5", "198.51.100.7");
	attach("eni-bastion", "sg-ssh");
	cr_assert_eq(sgreach_model_finalize(M), 0);
	cr_assert_eq(sgreach_lint(M, 0, SGREACH_FORMAT_TEXT, v, &out, &worst),
		     0);
	cr_assert_eq(worst, SGREACH_SEVERITY_HIGH, "%s", out);
	cr_assert(strstr(out, "SG005 high:"), "%s", out);
	sgreach_verdict_free(v);
}

/* ------------------------------------------------------------ check -- */

static void example_model(void)
{
	cr_assert_eq(sgreach_model_load_file(M, SRCDIR
					     "/examples/ecs-awsvpc/aws"),
		     0);
	cr_assert_eq(sgreach_model_finalize(M), 0);
}

static int check(const char *text, sgreach_format fmt, const char **out,
		 int *failed, sgreach_verdict *v)
{
	return sgreach_check(M, text, strlen(text), "t", 0, fmt, v, out,
			     failed);
}

Test(lint, check_lines_and_wildcards)
{
	sgreach_verdict *v = sgreach_verdict_new();
	const char *out = NULL;
	int failed = -1;

	example_model();
	cr_assert_eq(check("# comment\n\nservice:web\teni-8a387e54d69e9c897 "
			   "tcp/5432 allowed # web to db\n"
			   "service:* eni-8a387e54d69e9c897 tcp/22 denied\n",
			   SGREACH_FORMAT_TEXT, &out, &failed, v),
		     0, "%s", sgreach_verdict_error(v));
	cr_assert_eq(failed, 0, "%s", out);
	/* 1 + one line per service (web, worker, api, batch). */
	cr_assert_str_eq(out, "5 passed, 0 failed");
	cr_assert_eq(check("service:* eni-8a387e54d69e9c897 tcp/5432 denied\n",
			   SGREACH_FORMAT_TEXT, &out, &failed, v),
		     0);
	cr_assert_eq(failed, 1, "%s", out);
	cr_assert(strstr(out, "FAIL t:1: service:web eni-8a387e54d69e9c897 "
			      "tcp/5432: expected denied, got allowed"),
		  "%s", out);
	cr_assert(strstr(out, "sg-6d11bafb4f91053cc"), "deciding rule: %s",
		  out);
	sgreach_verdict_free(v);
}

/* A failing assertion between two single interfaces: its query answers
 * with the result alone (no SGREACH_QUERY_DETAILS), so the report must
 * have the details worked out before rendering the deciding rules. */
Test(lint, check_failure_of_one_pair_names_its_rules)
{
	sgreach_verdict *v = sgreach_verdict_new();
	const char *line = "eni-7443b17faeb5db2d6 eni-8a387e54d69e9c897 "
			   "tcp/5432 denied\n";
	const char *out = NULL;
	int failed = -1;

	example_model();
	cr_assert_eq(check(line, SGREACH_FORMAT_TEXT, &out, &failed, v), 0,
		     "%s", sgreach_verdict_error(v));
	cr_assert_eq(failed, 1, "%s", out);
	cr_assert(strstr(out, "ingress: allowed by sg-6d11bafb4f91053cc"),
		  "deciding rule: %s", out);
	cr_assert(strstr(out, "egress:  allowed by sg-6f4f177c5066b8606"),
		  "deciding rule: %s", out);
	cr_assert_eq(check("[{\"src\":\"10.0.1.10\",\"dst\":"
			   "\"eni-8a387e54d69e9c897\",\"flow\":\"tcp/5432\","
			   "\"expect\":\"denied\"}]",
			   SGREACH_FORMAT_JSON, &out, &failed, v),
		     0, "%s", sgreach_verdict_error(v));
	cr_assert_eq(failed, 1);
	cr_assert(strstr(out, "\"group_id\":\"sg-6d11bafb4f91053cc\""),
		  "deciding rule: %s", out);
	sgreach_verdict_free(v);
}

Test(lint, check_json_and_errors)
{
	sgreach_verdict *v = sgreach_verdict_new();
	const char *out = NULL;
	int failed = -1;
	cJSON *j;

	example_model();
	cr_assert_eq(check(" [{\"src\":\"service:api\",\"dst\":"
			   "\"eni-5ed8fe6a0cbb79ca0\",\"flow\":\"tcp/6379\","
			   "\"expect\":\"denied\"}]",
			   SGREACH_FORMAT_JSON, &out, &failed, v),
		     0, "%s", sgreach_verdict_error(v));
	cr_assert_eq(failed, 1);
	j = cJSON_Parse(out);
	cr_assert_not_null(j, "%s", out);
	cr_assert_eq(cJSON_GetObjectItem(j, "failed")->valueint, 1);
	cr_assert_str_eq(cJSON_GetObjectItem(
			     cJSON_GetArrayItem(cJSON_GetObjectItem(j,
								    "results"),
						0),
			     "actual")
			     ->valuestring,
			 "allowed");
	cJSON_Delete(j);
	cr_assert_eq(check("a b tcp/1\n", 0, &out, &failed, v), -EINVAL);
	cr_assert(strstr(sgreach_verdict_error(v), "t: line 1:"));
	cr_assert_eq(check("service:web eni-x tcp/1 maybe\n", 0, &out, &failed,
			   v),
		     -EINVAL);
	cr_assert_eq(check("svc:* eni-8a387e54d69e9c897 tcp/1 denied\n", 0,
			   &out, &failed, v),
		     -ENOENT);
	cr_assert_eq(check("[{\"src\":\"a\"}]", 0, &out, &failed, v), -EINVAL);
	cr_assert_eq(check("[] x", 0, &out, &failed, v), -EINVAL);
	sgreach_verdict_free(v);
}

/* What a writer was given: the pieces joined, and how many. */
struct written {
	char *text;
	size_t len, calls;
	int fail_at; /* the call that fails, 0: none */
};

static int collect(void *cookie, const char *text, size_t len)
{
	struct written *w = cookie;

	w->calls++;
	if (w->fail_at && w->calls == (size_t)w->fail_at)
		return 7;
	cr_assert_gt(len, 0, "an empty piece");
	w->text = realloc(w->text, w->len + len + 1);
	cr_assert_not_null(w->text);
	memcpy(w->text + w->len, text, len);
	w->len += len;
	w->text[w->len] = '\0';
	return 0;
}

/* With a writer, the report goes through it, in pieces as it grows, and
 * is the text the analysis gives without one; a writer that fails stops
 * the analysis with -EIO. */
Test(lint, check_writer_gets_the_report)
{
	static const char *const lines =
	    "service:* service:* tcp/5432 denied\n"
	    "eni-* eni-* tcp/22 denied\n"
	    "eni-* eni-* tcp/5432 denied\n"
	    "service:web eni-8a387e54d69e9c897 tcp/5432 allowed\n";
	const sgreach_format fmts[] = {SGREACH_FORMAT_TEXT,
				       SGREACH_FORMAT_JSON};
	const size_t spill = an_spill_bytes;
	sgreach_verdict *v = sgreach_verdict_new();
	const char *out = NULL;
	size_t f, b;
	int failed = -1, want_failed;

	example_model();
	for (f = 0; f < 2; f++) {
		char *want;

		sgreach_verdict_set_writer(v, NULL, NULL);
		cr_assert_eq(check(lines, fmts[f], &out, &want_failed, v), 0,
			     "%s", sgreach_verdict_error(v));
		cr_assert_gt(want_failed, 0, "the report has failures");
		want = strdup(out);
		/* Every piece at once, a few bytes, the default 64 KiB. */
		for (b = 0; b < 3; b++) {
			struct written w = {NULL, 0, 0, 0};

			an_spill_bytes = b == 0 ? 1 : b == 1 ? 300 : spill;
			sgreach_verdict_set_writer(v, collect, &w);
			cr_assert_eq(check(lines, fmts[f], &out, &failed, v),
				     0, "%s", sgreach_verdict_error(v));
			cr_assert_str_eq(out, "");
			cr_assert_eq(failed, want_failed);
			cr_assert_not_null(w.text);
			cr_assert_str_eq(w.text, want);
			/* Text lists the two failures, then the count. */
			if (b < 2)
				cr_assert_geq(w.calls, f ? 10 : 3,
					      "pieces as it grows: %zu",
					      w.calls);
			free(w.text);
		}
		an_spill_bytes = spill;
		free(want);
	}
	/* Other analyses write once, at the end. */
	{
		struct written w = {NULL, 0, 0, 0};
		char *want;

		sgreach_verdict_set_writer(v, NULL, NULL);
		cr_assert_eq(sgreach_lint(M, 0, SGREACH_FORMAT_JSON, v, &out,
					  NULL),
			     0);
		want = strdup(out);
		sgreach_verdict_set_writer(v, collect, &w);
		cr_assert_eq(sgreach_lint(M, 0, SGREACH_FORMAT_JSON, v, &out,
					  NULL),
			     0);
		cr_assert_str_eq(out, "");
		cr_assert_eq(w.calls, 1);
		cr_assert_str_eq(w.text, want);
		free(w.text);
		free(want);
	}
	/* The matrix listing is written a row of nodes at a time, in every
	 * format; the text form still ends without a newline. */
	for (f = 0; f < 4; f++) {
		char *want;

		sgreach_verdict_set_writer(v, NULL, NULL);
		cr_assert_eq(sgreach_matrix(M, NULL, SGREACH_GROUP_BY_NONE, 0,
					    (sgreach_format)f, v, &out),
			     0, "%s", sgreach_verdict_error(v));
		want = strdup(out);
		for (b = 0; b < 2; b++) {
			struct written w = {NULL, 0, 0, 0};

			an_spill_bytes = b ? 300 : 1;
			sgreach_verdict_set_writer(v, collect, &w);
			cr_assert_eq(sgreach_matrix(M, NULL,
						    SGREACH_GROUP_BY_NONE, 0,
						    (sgreach_format)f, v, &out),
				     0);
			cr_assert_str_eq(out, "");
			cr_assert_str_eq(w.text, want, "format %zu", f);
			cr_assert_gt(w.calls, 2, "format %zu: %zu pieces", f,
				     w.calls);
			free(w.text);
		}
		an_spill_bytes = spill;
		free(want);
	}
	/* The class form too, by interface and by service, all flows and
	 * one; also when every row's hash collides (and every column's),
	 * which ends in a form of one node class a class: the classes are
	 * checked before anything is written, so the attempts that fail
	 * leave nothing in the output. */
	for (f = 0; f < 2; f++) {
		static const char *const flows[] = {NULL, "tcp/443"};
		int weak, gb, fl;

		for (gb = 0; gb < 2; gb++)
			for (fl = 0; fl < 2; fl++)
				for (weak = 0; weak < 3; weak++) {
					sgreach_group_by g =
					    gb ? SGREACH_GROUP_BY_SERVICE
					       : SGREACH_GROUP_BY_NONE;
					struct written w = {NULL, 0, 0, 0};
					char *want;

					mx_hash_weak = weak;
					sgreach_verdict_set_writer(v, NULL,
								   NULL);
					cr_assert_eq(
					    sgreach_matrix(
						M, flows[fl], g,
						SGREACH_MATRIX_CLASSES,
						(sgreach_format)f, v, &out),
					    0, "%s", sgreach_verdict_error(v));
					want = strdup(out);
					/* The blocks kept between the
					 * passes: all, none, the first. */
					mx_cache_bytes = weak == 0   ? (size_t)256 << 20
							 : weak == 1 ? 0
								     : 24;
					an_spill_bytes = 1;
					sgreach_verdict_set_writer(v, collect,
								   &w);
					cr_assert_eq(
					    sgreach_matrix(
						M, flows[fl], g,
						SGREACH_MATRIX_CLASSES,
						(sgreach_format)f, v, &out),
					    0);
					an_spill_bytes = spill;
					mx_hash_weak = 0;
					mx_cache_bytes = (size_t)256 << 20;
					cr_assert_str_eq(out, "");
					cr_assert_str_eq(w.text, want,
							 "format %zu, weak %d",
							 f, weak);
					/* Every flow by interface: a
					 * piece per source class (tcp/443
					 * by interface has one). */
					if (!gb && !fl)
						cr_assert_gt(w.calls, 2,
							     "format %zu: %zu "
							     "pieces",
							     f, w.calls);
					free(w.text);
					free(want);
				}
	}
	/* diff: gains, then losses, a pair at a time (the moto snapshots
	 * gain three pairs and lose two). */
	{
		sgreach_model *a = sgreach_model_new(),
			      *n = sgreach_model_new();
		int gained, g2;

		cr_assert_eq(sgreach_model_load_file(
				 a, SRCDIR "/tests/fixtures/diff/before"),
			     0);
		cr_assert_eq(sgreach_model_load_file(
				 n, SRCDIR "/tests/fixtures/diff/after"),
			     0);
		cr_assert_eq(sgreach_model_finalize(a), 0);
		cr_assert_eq(sgreach_model_finalize(n), 0);
		for (f = 0; f < 2; f++) {
			char *want;

			sgreach_verdict_set_writer(v, NULL, NULL);
			cr_assert_eq(
			    sgreach_diff(a, n, 0, fmts[f], v, &out, &gained), 0,
			    "%s", sgreach_verdict_error(v));
			cr_assert_eq(gained, 3, "%s", out);
			want = strdup(out);
			for (b = 0; b < 2; b++) {
				struct written w = {NULL, 0, 0, 0};

				an_spill_bytes = b ? 300 : 1;
				sgreach_verdict_set_writer(v, collect, &w);
				cr_assert_eq(sgreach_diff(a, n, 0, fmts[f], v,
							  &out, &g2),
					     0);
				cr_assert_str_eq(out, "");
				cr_assert_eq(g2, gained);
				cr_assert_str_eq(w.text, want, "format %zu", f);
				cr_assert_geq(w.calls, b ? 2 : 5,
					      "pieces as it grows: %zu",
					      w.calls);
				free(w.text);
			}
			an_spill_bytes = spill;
			free(want);
		}
		/* A writer that fails stops the diff where it fails. */
		{
			struct written w = {NULL, 0, 0, 2};

			an_spill_bytes = 1;
			sgreach_verdict_set_writer(v, collect, &w);
			cr_assert_eq(sgreach_diff(a, n, 0, SGREACH_FORMAT_JSON,
						  v, &out, &gained),
				     -EIO);
			cr_assert_eq(w.calls, 2, "stopped at the failure");
			free(w.text);
			an_spill_bytes = spill;
		}
		sgreach_model_free(a);
		sgreach_model_free(n);
	}
	/* A writer that fails stops the check where it fails. */
	{
		struct written w = {NULL, 0, 0, 3};

		an_spill_bytes = 1;
		sgreach_verdict_set_writer(v, collect, &w);
		cr_assert_eq(check(lines, SGREACH_FORMAT_JSON, &out, &failed,
				   v),
			     -EIO);
		cr_assert(strstr(sgreach_verdict_error(v), "writing"), "%s",
			  sgreach_verdict_error(v));
		cr_assert_eq(w.calls, 3, "stopped at the failure");
		free(w.text);
		an_spill_bytes = spill;
	}
	/* A wildcard matching nothing fails before anything is written. */
	{
		struct written w = {NULL, 0, 0, 0};

		an_spill_bytes = 1;
		sgreach_verdict_set_writer(v, collect, &w);
		cr_assert_eq(check("service:web eni-8a387e54d69e9c897 "
				   "tcp/5432 allowed\n"
				   "svc:* eni-8a387e54d69e9c897 tcp/1 denied\n",
				   SGREACH_FORMAT_JSON, &out, &failed, v),
			     -ENOENT);
		cr_assert_eq(w.calls, 0);
		an_spill_bytes = spill;
	}
	sgreach_verdict_free(v);
}

/* ------------------------------------------------------------- diff -- */

static sgreach_model *two_tier(int open_db)
{
	sgreach_model *m = sgreach_model_new(), *save = M;

	M = m;
	grp("sg-web", "vpc-1");
	rule("sg-web", OUT, "-1", -1, -1, SGREACH_PEER_CIDR, "0.0.0.0/0");
	grp("sg-db", "vpc-1");
	rule("sg-db", IN, "tcp", 5432, 5432, SGREACH_PEER_GROUP, "sg-web");
	if (open_db)
		rule("sg-db", IN, "tcp", 22, 22, SGREACH_PEER_CIDR,
		     "0.0.0.0/0");
	eni("eni-web", "vpc-1", "10.0.1.10", NULL);
	attach("eni-web", "sg-web");
	eni("eni-db", "vpc-1", "10.0.1.20", NULL);
	attach("eni-db", "sg-db");
	cr_assert_eq(sgreach_model_finalize(m), 0);
	M = save;
	return m;
}

Test(lint, diff_gain_and_loss)
{
	sgreach_model *a = two_tier(0), *b = two_tier(1);
	sgreach_verdict *v = sgreach_verdict_new();
	const char *out = NULL;
	int gained = -1;
	cJSON *j, *g;

	cr_assert_eq(sgreach_diff(a, a, 0, SGREACH_FORMAT_TEXT, v, &out,
				  &gained),
		     0);
	cr_assert_eq(gained, 0, "%s", out);
	cr_assert_eq(sgreach_diff(a, b, 0, SGREACH_FORMAT_JSON, v, &out,
				  &gained),
		     0, "%s", sgreach_verdict_error(v));
	/* web -> db and internet -> db gained tcp/22. */
	cr_assert_eq(gained, 2, "%s", out);
	j = cJSON_Parse(out);
	cr_assert_not_null(j, "%s", out);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "lost")), 0);
	cJSON_ArrayForEach(g, cJSON_GetObjectItem(j, "gained"))
	{
		const cJSON *ch = cJSON_GetArrayItem(
		    cJSON_GetObjectItem(g, "changes"), 0);

		cr_assert_str_eq(cJSON_GetArrayItem(
				     cJSON_GetObjectItem(g, "flows"), 0)
				     ->valuestring,
				 "tcp/22");
		cr_assert_str_eq(cJSON_GetObjectItem(g, "dst")->valuestring,
				 "eni-db");
		cr_assert_not_null(ch, "%s", out);
		cr_assert_str_eq(cJSON_GetObjectItem(ch, "change")->valuestring,
				 "rule added");
	}
	cJSON_Delete(j);
	cr_assert_eq(sgreach_diff(b, a, 0, SGREACH_FORMAT_TEXT, v, &out,
				  &gained),
		     0);
	cr_assert_eq(gained, 0);
	cr_assert(strstr(out, "lost internet -> eni-db: tcp/22\n  rule "
			      "removed: sg-db ingress #1 tcp 22 from "
			      "0.0.0.0/0"),
		  "%s", out);
	sgreach_verdict_free(v);
	sgreach_model_free(a);
	sgreach_model_free(b);
}

/* ------------------------------------------------- redundancy property -- */

/*
 * The claim behind SG006 and SG007: removing every rule they report keeps
 * every flow.  On random seeded estates with many overlapping CIDRs, group
 * references and port ranges, the model without the reported rules must
 * answer `who` and `reach` for every interface exactly as the full model
 * does (every flow, every peer inside and outside the model).
 */

struct prule {
	int group, dir, kind;
	const char *proto;
	int from, to;
	const char *peer;
};

static const char *const pcidrs[] = {
    "0.0.0.0/0",     "10.0.0.0/8",   "10.0.0.0/9",     "10.128.0.0/9",
    "10.0.1.0/24",   "10.0.1.0/25",  "10.0.1.128/25",  "10.0.1.5/32",
    "192.168.0.0/16", "203.0.113.0/24", "2001:db8::/32", "::/0",
};
static const char *const pgroups[] = {"sg-p0", "sg-p1", "sg-p2", "sg-p3"};

static unsigned int prng(unsigned int *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 16) & 0x7fff;
}

static void gen_rules(unsigned int seed, struct prule *r, int *n)
{
	static const char *const protos[] = {"tcp", "tcp", "tcp", "udp",
					     "icmp", "-1", "50"};
	int i, k;

	*n = 0;
	for (i = 0; i < 40; i++) {
		struct prule x;

		x.group = (int)(prng(&seed) % 4);
		x.dir = (int)(prng(&seed) % 2);
		x.proto = protos[prng(&seed) % 7];
		x.from = 20 + (int)(prng(&seed) % 6);
		x.to = x.from + (int)(prng(&seed) % 4);
		if (!strcmp(x.proto, "icmp")) {
			x.from = prng(&seed) % 2 ? -1 : 8;
			x.to = -1;
		} else if (strcmp(x.proto, "tcp") && strcmp(x.proto, "udp")) {
			/* Ports mean nothing here: the model drops such a rule
			 * as a duplicate, which would shift positions. */
			x.from = x.to = -1;
		}
		if (prng(&seed) % 4 == 0) {
			x.kind = SGREACH_PEER_GROUP;
			x.peer = pgroups[prng(&seed) % 4];
		} else {
			x.kind = SGREACH_PEER_CIDR;
			x.peer = pcidrs[prng(&seed) % 12];
		}
		for (k = 0; k < *n; k++)
			if (r[k].group == x.group && r[k].dir == x.dir &&
			    !strcmp(r[k].proto, x.proto) && r[k].from == x.from &&
			    r[k].to == x.to && !strcmp(r[k].peer, x.peer))
				break;
		if (k == *n)
			r[(*n)++] = x; /* no duplicates: positions are ours */
	}
}

/* Builds the estate without the rules whose skip[] is set. */
static sgreach_model *build_estate(unsigned int seed, const struct prule *r,
				   int n, const char *skip)
{
	static const char *const addrs[] = {"10.0.1.5", "10.0.1.200",
					    "10.130.0.1", "192.168.1.1",
					    "10.0.1.6"};
	sgreach_model *m = sgreach_model_new(), *save = M;
	char id[32];
	int i, g;

	M = m;
	for (g = 0; g < 4; g++)
		grp(pgroups[g], "vpc-1");
	for (i = 0; i < n; i++)
		if (!skip[i])
			rule(pgroups[r[i].group], r[i].dir, r[i].proto,
			     r[i].from, r[i].to, r[i].kind, r[i].peer);
	for (i = 0; i < 5; i++) {
		snprintf(id, sizeof(id), "eni-p%d", i);
		eni(id, "vpc-1", addrs[i], i == 0 ? "198.51.100.9" : NULL);
		cr_assert_eq(sgreach_model_add_address(m, id, i ? "2001:db8::9"
								: "2001:db8::5",
						       0),
			     0);
		for (g = 0; g < 4; g++)
			if (prng(&seed) % 2 || g == i % 4)
				attach(id, pgroups[g]);
	}
	cr_assert_eq(sgreach_model_finalize(m), 0);
	M = save;
	return m;
}

/* Marks the subject rule of every SG006/SG007 finding; returns how many. */
static int mark_redundant(sgreach_model *m, const struct prule *r, int n,
			  char *skip)
{
	sgreach_verdict *v = sgreach_verdict_new();
	const char *out = NULL;
	const cJSON *f, *o;
	cJSON *j;
	int count = 0, pos[4][2], i, worst;

	cr_assert_eq(sgreach_lint(m, 0, SGREACH_FORMAT_JSON, v, &out, &worst),
		     0);
	j = cJSON_Parse(out);
	cr_assert_not_null(j);
	cJSON_ArrayForEach(f, cJSON_GetObjectItem(j, "findings"))
	{
		const char *code = cJSON_GetObjectItem(f, "code")->valuestring;

		if (strcmp(code, "SG006") && strcmp(code, "SG007"))
			continue;
		cJSON_ArrayForEach(o, cJSON_GetObjectItem(f, "objects"))
		{
			const cJSON *rj = cJSON_GetObjectItem(o, "rule");
			const char *gid;
			int dir, p, g;

			if (!rj)
				continue;
			gid = cJSON_GetObjectItem(rj, "group_id")->valuestring;
			dir = !strcmp(cJSON_GetObjectItem(rj, "direction")
					  ->valuestring,
				      "egress");
			p = cJSON_GetObjectItem(rj, "position")->valueint;
			/* Position p of (group, dir) is our p-th such rule. */
			memset(pos, 0, sizeof(pos));
			for (i = 0; i < n; i++) {
				g = r[i].group;
				if (!strcmp(pgroups[g], gid) && r[i].dir == dir &&
				    pos[g][dir]++ == p) {
					cr_assert(!skip[i], "reported twice");

					skip[i] = 1;
					count++;
					break;
				}
			}
			cr_assert(i < n, "no rule %s %d #%d", gid, dir, p);
			break; /* the first rule object is the subject */
		}
	}
	cJSON_Delete(j);
	sgreach_verdict_free(v);
	return count;
}

static void expect_same(sgreach_model *a, sgreach_model *b, unsigned int seed)
{
	sgreach_verdict *v = sgreach_verdict_new();
	const char *out;
	char id[32], *ta;
	int i, fam, who;

	for (i = 0; i < 5; i++)
		for (fam = 0; fam < 2; fam++)
			for (who = 0; who < 2; who++) {
				unsigned int fl = fam ? SGREACH_QUERY_IPV6
						      : SGREACH_QUERY_IPV4;

				snprintf(id, sizeof(id), "eni-p%d", i);
				cr_assert_eq((who ? sgreach_who : sgreach_reach)(
						 a, id, NULL, fl,
						 SGREACH_FORMAT_JSON, v, &out),
					     0);
				ta = malloc(strlen(out) + 1);
				cr_assert_not_null(ta);
				memcpy(ta, out, strlen(out) + 1);
				cr_assert_eq((who ? sgreach_who : sgreach_reach)(
						 b, id, NULL, fl,
						 SGREACH_FORMAT_JSON, v, &out),
					     0);
				cr_assert_str_eq(ta, out,
						 "seed %u: %s %s IPv%d changed",
						 seed, who ? "who" : "reach",
						 id, fam ? 6 : 4);
				free(ta);
			}
	sgreach_verdict_free(v);
}

Test(lint, redundant_rules_can_all_go)
{
	struct prule r[40];
	char skip[40];
	unsigned int seed;
	int n, removed = 0;

	for (seed = 1; seed <= 60; seed++) {
		sgreach_model *full, *less;

		gen_rules(seed, r, &n);
		memset(skip, 0, sizeof(skip));

		full = build_estate(seed, r, n, skip);
		removed += mark_redundant(full, r, n, skip);
		less = build_estate(seed, r, n, skip);
		expect_same(full, less, seed);
		sgreach_model_free(full);
		sgreach_model_free(less);
	}
	/* The estates are dense with overlaps: many rules must go. */
	cr_assert_gt(removed, 60, "only %d redundant rules found", removed);
}

/* Tasks come and go with new interfaces: a service is matched by name, so
 * replacing its tasks is no change; a service that appears is. */
static sgreach_model *service_tasks(const char *const *enis, int n,
				    int with_api)
{
	sgreach_model *m = sgreach_model_new(), *save = M;
	char arn[128], addr[32];
	int i;

	M = m;
	grp("sg-web", "vpc-1");
	rule("sg-web", IN, "tcp", 8080, 8080, SGREACH_PEER_CIDR, "10.0.0.0/8");
	rule("sg-web", OUT, "-1", -1, -1, SGREACH_PEER_CIDR, "0.0.0.0/0");
	for (i = 0; i < n; i++) {
		snprintf(addr, sizeof(addr), "10.0.1.%d", 10 + i);
		eni(enis[i], "vpc-1", addr, NULL);
		attach(enis[i], "sg-web");
		snprintf(arn, sizeof(arn),
			 "arn:aws:ecs:eu-west-1:123456789012:task/prod/%s",
			 enis[i]);
		cr_assert_eq(sgreach_model_add_task(m, arn, enis[i], "web"), 0);
	}
	if (with_api) {
		eni("eni-api", "vpc-1", "10.0.2.10", NULL);
		attach("eni-api", "sg-web");
		cr_assert_eq(sgreach_model_add_task(
				 m, "arn:aws:ecs:eu-west-1:123456789012:task/"
				    "prod/api1",
				 "eni-api", "api"),
			     0);
	}
	cr_assert_eq(sgreach_model_finalize(m), 0);
	M = save;
	return m;
}

Test(lint, diff_task_churn)
{
	static const char *const before[] = {"eni-a", "eni-b"};
	static const char *const after[] = {"eni-c", "eni-d", "eni-e"};
	sgreach_model *a = service_tasks(before, 2, 0);
	sgreach_model *b = service_tasks(after, 3, 0);
	sgreach_model *c = service_tasks(after, 3, 1);
	sgreach_verdict *v = sgreach_verdict_new();
	const char *out = NULL;
	int gained = -1;

	cr_assert_eq(sgreach_diff(a, b, 0, SGREACH_FORMAT_TEXT, v, &out,
				  &gained),
		     0);
	cr_assert_eq(gained, 0, "%s", out);
	cr_assert(strstr(out, "0 pairs gained flows, 0 lost flows"), "%s", out);
	cr_assert_eq(sgreach_diff(a, c, 0, SGREACH_FORMAT_TEXT, v, &out,
				  &gained),
		     0);
	/* service:api appears: it reaches web, web reaches it, it reaches
	 * itself and the internet. */
	cr_assert(strstr(out, "gained service:api -> service:web: tcp/8080\n"),
		  "%s", out);
	cr_assert(strstr(out, "gained service:web -> service:api: tcp/8080\n"),
		  "%s", out);
	/* The web tasks replaced carry what web's tasks carried before. */
	cr_assert(!strstr(out, "eni-c +"), "%s", out);
	cr_assert(strstr(out, "gained service:api -> internet: all\n"), "%s",
		  out);
	cr_assert(strstr(out, "groups changed: eni-api +[sg-web] -[]"), "%s",
		  out);
	cr_assert(strncmp(out, "lost ", 5) && !strstr(out, "\nlost "), "%s", out);
	sgreach_verdict_free(v);
	sgreach_model_free(a);
	sgreach_model_free(b);
	sgreach_model_free(c);
}

/* test_terraform.c - `terraform show -json` states and plans: the example
 * and the fixtures of tests/fixtures/terraform, produced by the provider
 * against moto (see make.sh there).  Expected verdicts follow from the .tf
 * sources beside the fixtures and spec sections 1-3 and 7. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgreach.h"

#ifndef SRCDIR
#define SRCDIR "."
#endif
#define EXAMPLE SRCDIR "/examples/ecs-awsvpc/terraform/"
#define FIX	SRCDIR "/tests/fixtures/terraform/"

static sgreach_model *m;

static void setup(void)
{
	m = sgreach_model_new();
	cr_assert_not_null(m);
}

static void teardown(void)
{
	sgreach_model_free(m);
}

TestSuite(terraform, .init = setup, .fini = teardown);

static void load(const char *path)
{
	int rc = sgreach_model_load_file(m, path);

	cr_assert_eq(rc, 0, "%s: %s", path, sgreach_model_error(m));
}

static void finalize(void)
{
	int rc = sgreach_model_finalize(m);

	cr_assert_eq(rc, 0, "finalize: %s", sgreach_model_error(m));
}

static const char *verdict_of(const char *src, const char *dst,
			      const char *flow)
{
	static char out[32];
	sgreach_verdict *v = sgreach_verdict_new();
	int rc = sgreach_query(m, src, dst, flow, 0, v);

	cr_assert_eq(rc, 0, "%s -> %s %s: %s", src, dst, flow,
		     sgreach_verdict_error(v));
	snprintf(out, sizeof(out), "%s",
		 sgreach_result_name(sgreach_verdict_result(v)));
	sgreach_verdict_free(v);
	return out;
}

#define expect(src, dst, flow, want)                                           \
	cr_expect_str_eq(verdict_of(src, dst, flow), want, "%s -> %s %s", src, \
			 dst, flow)

/* The text of the last query's rendering, for reasons. */
static char *render_of(const char *src, const char *dst, const char *flow)
{
	sgreach_verdict *v = sgreach_verdict_new();
	char *s;

	cr_assert_eq(sgreach_query(m, src, dst, flow, 0, v), 0);
	s = strdup(sgreach_verdict_render(v, SGREACH_FORMAT_TEXT));
	sgreach_verdict_free(v);
	return s;
}

static int has_warning(const char *needle)
{
	size_t i;

	for (i = 0; i < sgreach_model_warning_count(m); i++)
		if (strstr(sgreach_model_warning(m, i), needle))
			return 1;
	return 0;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	cr_assert_not_null(f, "%s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static const char *find_id(const cJSON *mod, const char *address)
{
	const cJSON *r, *c;

	cJSON_ArrayForEach(r, cJSON_GetObjectItem(mod, "resources"))
	{
		const cJSON *a = cJSON_GetObjectItem(r, "address");

		if (cJSON_IsString(a) && !strcmp(a->valuestring, address))
			return cJSON_GetObjectItem(
				   cJSON_GetObjectItem(r, "values"), "id")
			    ->valuestring;
	}
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(mod, "child_modules"))
	{
		const char *id = find_id(c, address);

		if (id)
			return id;
	}
	return NULL;
}

/* The id moto gave a resource of a state fixture (ids are random). */
static const char *state_id(const char *path, const char *address)
{
	static char out[8][128];
	static int slot;
	char *text = slurp(path);
	cJSON *doc = cJSON_Parse(text);
	const char *id;

	cr_assert_not_null(doc);
	id = find_id(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "values"),
					 "root_module"),
		     address);
	cr_assert_not_null(id, "%s: no %s", path, address);
	slot = (slot + 1) % 8;
	snprintf(out[slot], sizeof(out[slot]), "%s", id);
	cJSON_Delete(doc);
	free(text);
	return out[slot];
}

/* A test ENI carrying one group, to query groups that no loaded endpoint
 * carries. */
static void add_eni(const char *id, const char *addr, const char *group)
{
	cr_assert_eq(sgreach_model_add_endpoint(m, id, SGREACH_ENDPOINT_ENI,
						NULL, NULL, NULL),
		     0, "%s", sgreach_model_error(m));
	cr_assert_eq(sgreach_model_add_address(m, id, addr, 0), 0, "%s",
		     sgreach_model_error(m));
	cr_assert_eq(sgreach_model_add_endpoint_group(m, id, group), 0, "%s",
		     sgreach_model_error(m));
}

/* ------------------------------------------------------------ example -- */

/* The seed architecture's answers (the rows of ../expected.tsv that do not
 * need the ALB's interface), the same from the state (real ids) and from
 * the plan (ids unknown, attributed through references). */
static void example_verdicts(void)
{
	/* db (10.0.1.30) accepts 5432 from web only: web_to_db. */
	expect("service:web", "10.0.1.30", "tcp/5432", "allowed");
	expect("service:worker", "10.0.1.30", "tcp/5432", "denied");
	expect("service:api", "10.0.1.30", "tcp/5432", "denied");
	/* batch may send to db but db does not accept it. */
	expect("service:batch", "10.0.1.30", "tcp/5432", "denied");
	/* cache (10.0.2.30) accepts 6379 from api only: api_to_cache. */
	expect("service:api", "10.0.2.30", "tcp/6379", "allowed");
	expect("service:web", "10.0.2.30", "tcp/6379", "denied");
	/* web and api take traffic from the ALB group only. */
	expect("0.0.0.0/0", "service:web", "tcp/8080", "denied");
	expect("203.0.113.9", "service:api", "tcp/8000", "denied");
	expect("service:web", "service:api", "tcp/8000", "denied");
	/* worker has no ingress */
	expect("service:api", "service:worker", "tcp/8000", "denied");
	expect("10.0.1.30", "service:worker", "tcp/22", "denied");
	/* batch's egress: 443 anywhere and 5432 to db only */
	expect("service:batch", "8.8.8.8", "tcp/443", "allowed");
	expect("service:batch", "8.8.8.8", "tcp/80", "denied");
	expect("service:batch", "10.0.2.30", "tcp/6379", "denied");
	/* db declares egress to everywhere */
	expect("10.0.1.30", "8.8.8.8", "tcp/443", "allowed");
}

static void example_counts(void)
{
	cr_expect_eq(sgreach_model_count(m, SGREACH_COUNT_GROUPS), 7);
	/* 4 services + the db and cache interfaces */
	cr_expect_eq(sgreach_model_count(m, SGREACH_COUNT_ENDPOINTS), 6);
	/* 2 private + 2 public */
	cr_expect_eq(sgreach_model_count(m, SGREACH_COUNT_SUBNETS), 4);
	cr_expect_eq(sgreach_model_count(m, SGREACH_COUNT_VPCS), 1);
	/* alb 2 + 1, web 2, worker 2, db 1 + 1, api 2, cache 1 + 1,
	 * batch 2 */
	cr_expect_eq(sgreach_model_count(m, SGREACH_COUNT_RULES), 15);
	cr_expect(has_warning("ignored"), "the ECS cluster, task "
					  "definitions and load balancer are "
					  "counted as ignored");
}

Test(terraform, example_state)
{
	load(EXAMPLE "state.json");
	finalize();
	example_counts();
	example_verdicts();
}

Test(terraform, example_plan_from_nothing)
{
	char *why;

	load(EXAMPLE "plan.json");
	finalize();
	example_counts();
	example_verdicts();
	/* Unknown ids are named by the resource address. */
	why = render_of("service:web", "10.0.1.30", "tcp/5432");
	cr_expect(strstr(why, "aws_security_group.db") != NULL, "%s", why);
	free(why);
}

Test(terraform, example_plan_change_opens_db_to_worker)
{
	load(EXAMPLE "plan-change.json");
	finalize();
	/* worker_to_db */
	expect("service:worker", "10.0.1.30", "tcp/5432", "allowed");
	expect("service:web", "10.0.1.30", "tcp/5432", "allowed");
	expect("service:api", "10.0.1.30", "tcp/5432", "denied");
	/* batch_http, a new egress rule */
	expect("service:batch", "8.8.8.8", "tcp/80", "allowed");
	expect("service:batch", "8.8.8.8", "tcp/8080", "denied");
}

/* ------------------------------------------------------------ modules -- */

static void modules_verdicts(const char *lb, const char *app, const char *db)
{
	add_eni("eni-lb", "10.1.0.10", lb);
	add_eni("eni-app", "10.1.1.10", app);
	add_eni("eni-db", "10.1.2.10", db);
	finalize();
	cr_expect_eq(sgreach_model_count(m, SGREACH_COUNT_GROUPS), 3);
	/* app accepts 8080 from lb: var.lb_sg_id of module.app */
	expect("eni-lb", "eni-app", "tcp/8080", "allowed");
	/* db accepts 5432 from app: var.client_id two modules deep */
	expect("eni-app", "eni-db", "tcp/5432", "allowed");
	expect("eni-lb", "eni-db", "tcp/5432", "denied");
	expect("eni-app", "eni-lb", "tcp/443", "denied");
}

Test(terraform, modules_state)
{
	const char *f = FIX "modules.state.json";

	load(f);
	modules_verdicts(
	    state_id(f, "aws_security_group.lb"),
	    state_id(f, "module.app.aws_security_group.app"),
	    state_id(f, "module.app.module.db.aws_security_group.db"));
}

Test(terraform, modules_plan_follows_variables)
{
	load(FIX "modules.plan.json");
	modules_verdicts("aws_security_group.lb",
			 "module.app.aws_security_group.app",
			 "module.app.module.db.aws_security_group.db");
}

/* ------------------------------------------------------ count/for_each -- */

Test(terraform, count_foreach_state)
{
	const char *f = FIX "count-foreach.state.json";

	load(f);
	add_eni("eni-t0", "10.2.0.10",
		state_id(f, "aws_security_group.tier[0]"));
	add_eni("eni-t1", "10.2.1.10",
		state_id(f, "aws_security_group.tier[1]"));
	add_eni("eni-api", "10.2.2.10",
		state_id(f, "aws_security_group.svc[\"api\"]"));
	add_eni("eni-admin", "10.2.3.10",
		state_id(f, "aws_security_group.svc[\"admin\"]"));
	finalize();
	cr_expect_eq(sgreach_model_count(m, SGREACH_COUNT_GROUPS), 4);
	expect("eni-t0", "eni-api", "tcp/8000", "allowed");
	expect("eni-t0", "eni-admin", "tcp/9000", "allowed");
	expect("eni-t0", "eni-api", "tcp/9000", "denied");
	expect("eni-t1", "eni-api", "tcp/8000", "denied");
	expect("eni-t0", "eni-t1", "tcp/7000", "allowed");
	expect("eni-t1", "eni-t0", "tcp/7000", "denied");
}

/* In a plan, svc[each.key] and tier[count.index + 1] cannot be told apart
 * from their references: the rules make verdicts unknown on their ports,
 * and nothing else. */
Test(terraform, count_foreach_plan_is_unknown_not_guessed)
{
	load(FIX "count-foreach.plan.json");
	add_eni("eni-t0", "10.2.0.10", "aws_security_group.tier[0]");
	add_eni("eni-t1", "10.2.1.10", "aws_security_group.tier[1]");
	add_eni("eni-api", "10.2.2.10", "aws_security_group.svc[\"api\"]");
	finalize();
	expect("eni-t0", "eni-api", "tcp/8000", "unknown");
	expect("eni-t0", "eni-api", "tcp/9000", "unknown");
	expect("eni-t0", "eni-api", "tcp/22", "denied");
	expect("eni-t0", "eni-t1", "tcp/7000", "unknown");
	expect("eni-t0", "eni-t1", "tcp/7001", "denied");
}

/* ---------------------------------------------------------- ambiguous -- */

Test(terraform, ambiguous_reference_gives_unknown_with_reason)
{
	char *why;

	load(FIX "ambiguous.plan.json");
	add_eni("eni-a", "10.3.0.10", "aws_security_group.a");
	add_eni("eni-b", "10.3.0.11", "aws_security_group.b");
	add_eni("eni-t", "10.3.0.12", "aws_security_group.target");
	finalize();
	/* var.use_a ? a : b */
	expect("eni-a", "eni-t", "tcp/22", "unknown");
	expect("eni-b", "eni-t", "tcp/22", "unknown");
	why = render_of("eni-b", "eni-t", "tcp/22");
	cr_expect(strstr(why, "aws_security_group_rule.from_a_or_b") &&
		      strstr(why, "var.use_a"),
		  "%s", why);
	free(why);
	/* the unambiguous rule resolves */
	expect("eni-a", "eni-t", "tcp/80", "allowed");
	expect("eni-b", "eni-t", "tcp/80", "denied");
}

Test(terraform, ambiguous_state_is_decided)
{
	const char *f = FIX "ambiguous.state.json";

	load(f);
	add_eni("eni-a", "10.3.0.10", state_id(f, "aws_security_group.a"));
	add_eni("eni-b", "10.3.0.11", state_id(f, "aws_security_group.b"));
	add_eni("eni-t", "10.3.0.12", state_id(f, "aws_security_group.target"));
	finalize();
	/* use_a defaults to true */
	expect("eni-a", "eni-t", "tcp/22", "allowed");
	expect("eni-b", "eni-t", "tcp/22", "denied");
}

/* ---------------------------------------------------------- resources -- */

static void resources_verdicts(void)
{
	/* inline prefix_list_ids: the list's inline entries and the
	 * separate aws_ec2_managed_prefix_list_entry */
	expect("192.0.2.7", "10.4.1.10", "tcp/443", "allowed");
	expect("203.0.113.5", "10.4.1.10", "tcp/443", "allowed");
	expect("198.51.100.200", "10.4.1.10", "tcp/443", "denied");
	/* cidr_blocks */
	expect("10.9.1.1", "10.4.1.10", "tcp/443", "allowed");
	expect("10.9.1.1", "10.4.1.10", "tcp/444", "denied");
	/* icmp type 8 code 0 only */
	expect("10.4.9.9", "10.4.1.11", "icmp/8/0", "allowed");
	expect("10.4.9.9", "10.4.1.11", "icmp/8/1", "denied");
	/* protocol "6" from the mixed group (service app carries it) */
	expect("service:app", "10.4.1.10", "tcp/22", "allowed");
	/* the default group (nogroups) is not mixed nor peer */
	expect("service:nogroups", "10.4.1.10", "tcp/22", "denied");
	/* the db interface carries peer only through
	 * aws_network_interface_sg_attachment (its own list has default) */
	expect("service:app", "10.4.2.10", "tcp/22", "allowed");
	/* and default's self rule */
	expect("service:nogroups", "10.4.2.10", "tcp/5432", "allowed");
	expect("10.4.1.10", "10.4.2.10", "tcp/5432", "denied");
}

Test(terraform, resources_state)
{
	load(FIX "resources.state.json");
	finalize();
	cr_expect_eq(sgreach_model_count(m, SGREACH_COUNT_GROUPS), 3);
	cr_expect_eq(sgreach_model_count(m, SGREACH_COUNT_PREFIX_LISTS), 1);
	cr_expect_eq(sgreach_model_count(m, SGREACH_COUNT_SUBNETS), 2);
	cr_expect_eq(sgreach_model_count(m, SGREACH_COUNT_VPCS), 1);
	/* two ENIs and two services */
	cr_expect_eq(sgreach_model_count(m, SGREACH_COUNT_ENDPOINTS), 4);
	resources_verdicts();
}

Test(terraform, resources_plan)
{
	load(FIX "resources.plan.json");
	finalize();
	cr_expect_eq(sgreach_model_count(m, SGREACH_COUNT_GROUPS), 3);
	resources_verdicts();
}

/* A group of another account, written "111122223333/sg-0123": membership
 * of sg-0123 decides.  (The fixture is an edited copy of the state: moto
 * holds no group of another account.) */
Test(terraform, cross_account_reference)
{
	load(FIX "crossaccount.state.json");
	/* sg-0123's own rules: all egress, so that its ingress side decides */
	cr_assert_eq(sgreach_model_add_group(m, "sg-0123", NULL, NULL,
					     SGREACH_GROUP_COMPLETE),
		     0);
	cr_assert_eq(sgreach_model_add_rule(m, "sg-0123", SGREACH_EGRESS, "-1",
					    -1, -1, SGREACH_PEER_CIDR,
					    "0.0.0.0/0", NULL, NULL, 0),
		     0);
	add_eni("eni-other", "10.4.2.99", "sg-0123");
	finalize();
	expect("eni-other", "10.4.1.10", "tcp/22", "allowed");
	expect("10.4.2.98", "10.4.1.10", "tcp/22", "denied");
}

/* ------------------------------------------------------------- errors -- */

static int load_text(const char *json)
{
	return sgreach_model_load_buffer(m, "tf.json", json, strlen(json));
}

Test(terraform, malformed_value_names_address_and_path)
{
	const char *doc =
	    "{\"format_version\":\"1.0\",\"values\":{\"root_module\":{"
	    "\"resources\":[{\"address\":\"aws_vpc.x\",\"mode\":"
	    "\"managed\",\"type\":\"aws_vpc\",\"name\":\"x\",\"values\":{"
	    "\"id\":\"vpc-1\",\"cidr_block\":\"10.0.0.0/16\"}}],"
	    "\"child_modules\":[{\"address\":\"module.m\",\"resources\":["
	    "{\"address\":\"module.m.aws_security_group.s\",\"mode\":"
	    "\"managed\",\"type\":\"aws_security_group\",\"name\":\"s\","
	    "\"values\":{\"id\":\"sg-1\",\"vpc_id\":\"vpc-1\",\"ingress\":"
	    "[{\"protocol\":\"tcp\",\"from_port\":\"http\",\"to_port\":80,"
	    "\"cidr_blocks\":[\"0.0.0.0/0\"]}],\"egress\":[]}}]}]}}}";
	const char *err;

	cr_assert_eq(load_text(doc), -EINVAL);
	err = sgreach_model_error(m);
	cr_expect(strstr(err, "tf.json") != NULL, "%s", err);
	cr_expect(strstr(err,
			 "$.values.root_module.child_modules[0]."
			 "resources[0].values.ingress[0].from_port") != NULL,
		  "%s", err);
	cr_expect(strstr(err, "module.m.aws_security_group.s") != NULL, "%s",
		  err);
	/* nothing of the failing document is kept */
	finalize();
	cr_expect_eq(sgreach_model_count(m, SGREACH_COUNT_VPCS), 0);
}

Test(terraform, bad_cidr_is_an_error_at_its_path)
{
	const char *doc =
	    "{\"format_version\":\"1.0\",\"values\":{\"root_module\":{"
	    "\"resources\":[{\"address\":\"aws_security_group_rule.r\","
	    "\"mode\":\"managed\",\"type\":\"aws_security_group_rule\","
	    "\"name\":\"r\",\"values\":{\"type\":\"ingress\","
	    "\"security_group_id\":\"sg-1\",\"protocol\":\"tcp\","
	    "\"from_port\":22,\"to_port\":22,\"cidr_blocks\":[\"10.0.0.0/"
	    "33\"],\"self\":false}}]}}}";
	const char *err;

	cr_assert_eq(load_text(doc), -EINVAL);
	err = sgreach_model_error(m);
	cr_expect(strstr(err, "resources[0].values.cidr_blocks[0]") != NULL,
		  "%s", err);
	cr_expect(strstr(err, "aws_security_group_rule.r") != NULL, "%s", err);
}

Test(terraform, rule_without_peer_is_an_error)
{
	const char *doc =
	    "{\"format_version\":\"1.0\",\"values\":{\"root_module\":{"
	    "\"resources\":[{\"address\":"
	    "\"aws_vpc_security_group_egress_rule.r\",\"mode\":\"managed\","
	    "\"type\":\"aws_vpc_security_group_egress_rule\",\"name\":\"r\","
	    "\"values\":{\"security_group_id\":\"sg-1\",\"ip_protocol\":"
	    "\"-1\",\"from_port\":null,\"to_port\":null,\"cidr_ipv4\":null}}"
	    "]}}}";

	cr_assert_eq(load_text(doc), -EINVAL);
	cr_expect(strstr(sgreach_model_error(m),
			 "aws_vpc_security_group_egress_rule.r") != NULL,
		  "%s", sgreach_model_error(m));
}

/* ip_protocol "-1" with null ports is every protocol; "6" is tcp. */
Test(terraform, all_protocols_and_numbers)
{
	const char *doc =
	    "{\"format_version\":\"1.0\",\"values\":{\"root_module\":{"
	    "\"resources\":[{\"address\":\"aws_security_group.g\",\"mode\":"
	    "\"managed\",\"type\":\"aws_security_group\",\"name\":\"g\","
	    "\"values\":{\"id\":\"sg-g\",\"ingress\":[],\"egress\":[]}},"
	    "{\"address\":\"aws_vpc_security_group_egress_rule.r\",\"mode\":"
	    "\"managed\",\"type\":\"aws_vpc_security_group_egress_rule\","
	    "\"name\":\"r\",\"values\":{\"security_group_id\":\"sg-g\","
	    "\"ip_protocol\":\"-1\",\"from_port\":null,\"to_port\":null,"
	    "\"cidr_ipv4\":\"0.0.0.0/0\"}},"
	    "{\"address\":\"aws_vpc_security_group_ingress_rule.n\",\"mode\":"
	    "\"managed\",\"type\":\"aws_vpc_security_group_ingress_rule\","
	    "\"name\":\"n\",\"values\":{\"security_group_id\":\"sg-g\","
	    "\"ip_protocol\":\"6\",\"from_port\":8443,\"to_port\":8443,"
	    "\"cidr_ipv4\":\"0.0.0.0/0\"}}]}}}";

	cr_assert_eq(load_text(doc), 0, "%s", sgreach_model_error(m));
	add_eni("eni-g", "10.0.0.1", "sg-g");
	finalize();
	expect("eni-g", "8.8.8.8", "udp/53", "allowed");
	expect("eni-g", "8.8.8.8", "esp", "allowed");
	expect("8.8.8.8", "eni-g", "tcp/22", "denied");
	expect("8.8.8.8", "eni-g", "tcp/8443", "allowed");
	expect("8.8.8.8", "eni-g", "udp/8443", "denied");
}

/* ------------------------------------------------- hand-written plans -- */

/* A plan in which group web's one ingress block names a group apply will
 * create; the configuration's `ingress` expression references refs. */
#define ALLOUT                                                                 \
	"\"egress\":[{\"protocol\":\"-1\",\"from_port\":0,\"to_port\":0,"      \
	"\"cidr_blocks\":[\"0.0.0.0/0\"],\"ipv6_cidr_blocks\":[],"             \
	"\"prefix_list_ids\":[],\"security_groups\":[],\"self\":false}]"
#define SHARED_PLAN(refs)                                                      \
	"{\"format_version\":\"1.2\",\"planned_values\":{\"root_module\":{"    \
	"\"resources\":[{\"address\":\"aws_security_group.old\",\"mode\":"     \
	"\"managed\",\"type\":\"aws_security_group\",\"name\":\"old\","        \
	"\"values\":{\"id\":\"sg-old\",\"ingress\":[]," ALLOUT "}},"           \
	"{\"address\":\"aws_security_group.new\",\"mode\":\"managed\","        \
	"\"type\":\"aws_security_group\",\"name\":\"new\",\"values\":{"        \
	"\"ingress\":[]," ALLOUT "}},"                                         \
	"{\"address\":\"aws_security_group.web\",\"mode\":\"managed\","        \
	"\"type\":\"aws_security_group\",\"name\":\"web\",\"values\":{\"id\":" \
	"\"sg-web\",\"egress\":[],\"ingress\":[{\"protocol\":\"tcp\","         \
	"\"from_port\":22,\"to_port\":22,\"cidr_blocks\":[],"                  \
	"\"ipv6_cidr_blocks\":[],\"prefix_list_ids\":[],\"self\":false}]}}]}}" \
	","                                                                    \
	"\"configuration\":{\"root_module\":{\"resources\":[{\"address\":"     \
	"\"aws_security_group.web\",\"mode\":\"managed\",\"type\":"            \
	"\"aws_security_group\",\"name\":\"web\",\"expressions\":{"            \
	"\"ingress\":{\"references\":[" refs "]}}}]}}}"

static void shared_plan_enis(void)
{
	add_eni("eni-old", "10.0.0.1", "sg-old");
	add_eni("eni-new", "10.0.0.2", "aws_security_group.new");
	add_eni("eni-web", "10.0.0.3", "sg-web");
	finalize();
}

Test(terraform, plan_unknown_list_attributed_to_the_new_group)
{
	cr_assert_eq(load_text(SHARED_PLAN("\"aws_security_group.new.id\","
					   "\"aws_security_group.new\"")),
		     0, "%s", sgreach_model_error(m));
	shared_plan_enis();
	expect("eni-new", "eni-web", "tcp/22", "allowed");
	expect("eni-old", "eni-web", "tcp/22", "denied");
	expect("eni-new", "eni-web", "tcp/23", "denied");
}

/* The expression also names a group that exists (its id is known): it may
 * belong to the block or not, so the block's peers are unknown. */
Test(terraform, plan_unknown_list_with_an_existing_group_is_unknown)
{
	cr_assert_eq(load_text(SHARED_PLAN("\"aws_security_group.old.id\","
					   "\"aws_security_group.old\","
					   "\"aws_security_group.new.id\","
					   "\"aws_security_group.new\"")),
		     0, "%s", sgreach_model_error(m));
	shared_plan_enis();
	expect("eni-new", "eni-web", "tcp/22", "unknown");
	expect("eni-old", "eni-web", "tcp/22", "unknown");
	/* the block's port is known: other ports stay denied */
	expect("eni-new", "eni-web", "tcp/23", "denied");
}

/* A local cannot be followed: unknown, naming it. */
Test(terraform, plan_reference_through_a_local_is_unknown)
{
	char *why;

	cr_assert_eq(load_text(SHARED_PLAN("\"local.sources\"")), 0, "%s",
		     sgreach_model_error(m));
	shared_plan_enis();
	expect("eni-new", "eni-web", "tcp/22", "unknown");
	why = render_of("eni-new", "eni-web", "tcp/22");
	cr_expect(strstr(why, "local.sources") != NULL, "%s", why);
	free(why);
}

/* An id that only places an object (a subnet's VPC) is left out with a
 * warning when a plan cannot attribute it. */
Test(terraform, plan_unattributed_vpc_is_a_warning)
{
	const char *doc =
	    "{\"format_version\":\"1.2\",\"planned_values\":{\"root_module\":{"
	    "\"resources\":[{\"address\":\"aws_subnet.s\",\"mode\":\"managed\","
	    "\"type\":\"aws_subnet\",\"name\":\"s\",\"values\":{\"cidr_block\":"
	    "\"10.0.1.0/24\"}}]}},\"configuration\":{\"root_module\":{"
	    "\"resources\":[{\"address\":\"aws_subnet.s\",\"mode\":\"managed\","
	    "\"type\":\"aws_subnet\",\"name\":\"s\",\"expressions\":{\"vpc_"
	    "id\":"
	    "{\"references\":[\"local.vpc_id\"]}}}]}}}";

	cr_assert_eq(load_text(doc), 0, "%s", sgreach_model_error(m));
	cr_expect(has_warning("aws_subnet.s: vpc_id not known until apply "
			      "(local.vpc_id)"));
	finalize();
	cr_expect_eq(sgreach_model_count(m, SGREACH_COUNT_SUBNETS), 1);
}

/* assign_public_ip makes a service addressable from the internet. */
Test(terraform, service_assign_public_ip)
{
	const char *doc =
	    "{\"format_version\":\"1.0\",\"values\":{\"root_module\":{"
	    "\"resources\":[{\"address\":\"aws_ecs_service.pub\",\"mode\":"
	    "\"managed\",\"type\":\"aws_ecs_service\",\"name\":\"pub\","
	    "\"values\":{\"name\":\"pub\",\"network_configuration\":[{"
	    "\"assign_public_ip\":true,\"security_groups\":[\"sg-g\"],"
	    "\"subnets\":[\"subnet-1\"]}]}},{\"address\":"
	    "\"aws_ecs_service.priv\",\"mode\":\"managed\",\"type\":"
	    "\"aws_ecs_service\",\"name\":\"priv\",\"values\":{\"name\":"
	    "\"priv\",\"network_configuration\":[{\"assign_public_ip\":false,"
	    "\"security_groups\":[\"sg-g\"],\"subnets\":[\"subnet-1\"]}]}},"
	    "{\"address\":\"aws_subnet.s\",\"mode\":\"managed\",\"type\":"
	    "\"aws_subnet\",\"name\":\"s\",\"values\":{\"id\":\"subnet-1\","
	    "\"vpc_id\":\"vpc-1\",\"cidr_block\":\"10.0.1.0/24\"}},{"
	    "\"address\":\"aws_security_group.g\",\"mode\":\"managed\","
	    "\"type\":\"aws_security_group\",\"name\":\"g\",\"values\":{"
	    "\"id\":\"sg-g\",\"vpc_id\":\"vpc-1\",\"egress\":[],\"ingress\":[{"
	    "\"protocol\":\"tcp\",\"from_port\":443,\"to_port\":443,"
	    "\"cidr_blocks\":[\"0.0.0.0/0\"],\"ipv6_cidr_blocks\":[],"
	    "\"prefix_list_ids\":[],\"security_groups\":[],\"self\":false}]}}"
	    "]}}}";
	sgreach_verdict *v;
	const char *out = NULL;

	cr_assert_eq(load_text(doc), 0, "%s", sgreach_model_error(m));
	finalize();
	v = sgreach_verdict_new();
	cr_assert_eq(sgreach_exposure(m, 0, SGREACH_FORMAT_JSON, v, &out), 0);
	cr_expect(strstr(out, "\"service\":\"pub\",\"addressable\":true") !=
		      NULL,
		  "%s", out);
	cr_expect(strstr(out, "\"service\":\"priv\",\"addressable\":false") !=
		      NULL,
		  "%s", out);
	sgreach_verdict_free(v);
}

/* Services are per cluster: `cluster` (an ARN in a state, or a name)
 * keeps two services "web" apart. */
Test(terraform, services_of_one_name_in_two_clusters)
{
#define TF_WEB(addr, cluster)                                                  \
	"{\"address\":\"" addr "\",\"mode\":\"managed\",\"type\":"             \
	"\"aws_ecs_service\",\"name\":\"web\",\"values\":{\"name\":\"web\","   \
	"\"cluster\":\"" cluster "\",\"network_configuration\":[{"             \
	"\"assign_public_ip\":false,\"security_groups\":[\"sg-g\"],"           \
	"\"subnets\":[\"subnet-1\"]}]}}"
	const char *doc =
	    "{\"format_version\":\"1.0\",\"values\":{\"root_module\":{"
	    "\"resources\":[" TF_WEB("aws_ecs_service.prod",
				     "arn:aws:ecs:eu-west-1:1:cluster/prod") ","
	    TF_WEB("aws_ecs_service.staging", "staging") ",{\"address\":"
	    "\"aws_subnet.s\",\"mode\":\"managed\",\"type\":\"aws_subnet\","
	    "\"name\":\"s\",\"values\":{\"id\":\"subnet-1\",\"vpc_id\":"
	    "\"vpc-1\",\"cidr_block\":\"10.0.1.0/24\"}},{\"address\":"
	    "\"aws_security_group.g\",\"mode\":\"managed\",\"type\":"
	    "\"aws_security_group\",\"name\":\"g\",\"values\":{\"id\":\"sg-g\","
	    "\"vpc_id\":\"vpc-1\",\"egress\":[],\"ingress\":[{\"protocol\":"
	    "\"tcp\",\"from_port\":443,\"to_port\":443,\"cidr_blocks\":["
	    "\"0.0.0.0/0\"],\"ipv6_cidr_blocks\":[],\"prefix_list_ids\":[],"
	    "\"security_groups\":[],\"self\":false}]}}]}}}";
#undef TF_WEB
	sgreach_verdict *v = sgreach_verdict_new();

	cr_assert_eq(load_text(doc), 0, "%s", sgreach_model_error(m));
	finalize();
	cr_assert_eq(sgreach_query(m, "0.0.0.0/0", "service:prod/web",
				   "tcp/443", 0, v),
		     0, "%s", sgreach_verdict_error(v));
	cr_expect_eq(sgreach_verdict_result(v), SGREACH_ALLOWED);
	cr_assert_eq(sgreach_query(m, "0.0.0.0/0", "service:staging/web",
				   "tcp/443", 0, v),
		     0, "%s", sgreach_verdict_error(v));
	cr_expect_eq(sgreach_query(m, "0.0.0.0/0", "service:web", "tcp/443", 0,
				   v),
		     -EINVAL);
	sgreach_verdict_free(v);
}

/* The clusters fixture: services "web" in clusters prod, staging and
 * env-blue (an instance of a for_each), and admin, whose cluster depends
 * on a variable.  Each way of loading it
 * must name the services alike. */
static void clusters_verdicts(void)
{
	sgreach_verdict *v = sgreach_verdict_new();

	expect("10.6.0.9", "service:prod/web", "tcp/443", "allowed");
	expect("10.6.0.9", "service:staging/web", "tcp/443", "allowed");
	expect("10.6.0.9", "service:env-blue/web", "tcp/443", "allowed");
	expect("10.6.0.9", "service:prod/web", "tcp/22", "denied");
	expect("service:admin", "service:staging/web", "tcp/443", "allowed");
	cr_expect_eq(sgreach_query(m, "10.6.0.9", "service:web", "tcp/443", 0,
				   v),
		     -EINVAL);
	cr_expect(strstr(sgreach_verdict_error(v), "ambiguous") != NULL, "%s",
		  sgreach_verdict_error(v));
	sgreach_verdict_free(v);
}

Test(terraform, clusters_state)
{
	load(FIX "clusters.state.json");
	finalize();
	cr_expect_eq(sgreach_model_count(m, SGREACH_COUNT_ENDPOINTS), 4);
	clusters_verdicts();
	expect("10.6.0.9", "service:prod/admin", "tcp/443", "allowed");
}

/* A plan that creates the clusters knows their names, not their ARNs: each
 * service's cluster is the cluster its configuration's reference names
 * (".id" for prod, ".arn" for staging, env["blue"].id for env-blue).  Both services were once named
 * "web", and the plan failed to load: "web: service added twice". */
Test(terraform, clusters_plan_names_services_by_referenced_cluster)
{
	load(FIX "clusters.plan.json");
	finalize();
	cr_expect_eq(sgreach_model_count(m, SGREACH_COUNT_ENDPOINTS), 4);
	clusters_verdicts();
	/* admin's cluster is var.admin_in_prod ? prod : staging */
	cr_expect(has_warning("aws_ecs_service.admin: cluster not known until "
			      "apply: var.admin_in_prod"));
	cr_expect(has_warning("the service is named admin alone"));
	cr_expect(!has_warning("prod_web"));
	cr_expect(!has_warning("staging_web"));
}

/* A later plan adds api to prod, whose ARN it knows; the others are
 * unchanged, so a diff between the state and the plan shows only api. */
Test(terraform, clusters_plan_change_adds_one_service)
{
	sgreach_model *plan;
	sgreach_verdict *v = sgreach_verdict_new();
	const char *out = NULL;
	int gained = -1;

	load(FIX "clusters.plan-change.json");
	finalize();
	clusters_verdicts();
	expect("10.6.0.9", "service:prod/api", "tcp/443", "allowed");
	plan = m;
	m = sgreach_model_new();
	cr_assert_not_null(m);
	load(FIX "clusters.state.json");
	finalize();
	cr_assert_eq(sgreach_diff(m, plan, 0, SGREACH_FORMAT_TEXT, v, &out,
				  &gained),
		     0, "%s", sgreach_verdict_error(v));
	/* api to and from each of the four others, to itself and to the
	 * internet (its egress is open) */
	cr_expect_eq(gained, 10, "%s", out);
	cr_expect(strstr(out, "gained service:api -> service:prod/web") != NULL,
		  "%s", out);
	cr_expect(strstr(out, "gained service:prod/web -> service:api") != NULL,
		  "%s", out);
	cr_expect(strncmp(out, "lost ", 5) && !strstr(out, "\nlost "), "%s",
		  out);
	cr_expect(strstr(out, ", 0 lost flows") != NULL, "%s", out);
	sgreach_verdict_free(v);
	sgreach_model_free(plan);
}

/* A plan's service whose configuration sets no cluster: ECS puts it in the
 * cluster named "default", and a state after apply says so
 * ("arn:...:cluster/default"), so the plan names it default/jobs too. */
Test(terraform, plan_service_without_cluster_is_in_default)
{
	const char *doc =
	    "{\"format_version\":\"1.2\",\"planned_values\":{\"root_module\":{"
	    "\"resources\":[{\"address\":\"aws_ecs_service.jobs\",\"mode\":"
	    "\"managed\",\"type\":\"aws_ecs_service\",\"name\":\"jobs\","
	    "\"values\":{\"name\":\"jobs\",\"network_configuration\":[{"
	    "\"assign_public_ip\":false,\"security_groups\":[\"sg-g\"],"
	    "\"subnets\":[\"subnet-1\"]}]}}]}},\"configuration\":{"
	    "\"root_module\":{\"resources\":[{\"address\":"
	    "\"aws_ecs_service.jobs\",\"mode\":\"managed\",\"type\":"
	    "\"aws_ecs_service\",\"name\":\"jobs\",\"expressions\":{"
	    "\"name\":{\"constant_value\":\"jobs\"}}}]}}}";

	cr_assert_eq(load_text(doc), 0, "%s", sgreach_model_error(m));
	cr_assert_eq(sgreach_model_add_subnet(m, "subnet-1", "vpc-1",
					      "10.0.1.0/24"),
		     0);
	cr_assert_eq(sgreach_model_add_group(m, "sg-g", NULL, "vpc-1",
					     SGREACH_GROUP_COMPLETE),
		     0);
	finalize();
	expect("10.0.1.9", "service:default/jobs", "tcp/443", "denied");
	cr_expect(!has_warning("cluster"));
}

/* A CIDR apply will compute (the VPC's, from IPAM): unknown, naming it. */
Test(terraform, plan_unknown_cidr_names_its_expression)
{
	const char *doc =
	    "{\"format_version\":\"1.2\",\"planned_values\":{\"root_module\":{"
	    "\"resources\":[{\"address\":\"aws_security_group.g\",\"mode\":"
	    "\"managed\",\"type\":\"aws_security_group\",\"name\":\"g\","
	    "\"values\":{\"id\":\"sg-g\",\"ingress\":[]," ALLOUT "}},{"
	    "\"address\":\"aws_security_group_rule.r\",\"mode\":\"managed\","
	    "\"type\":\"aws_security_group_rule\",\"name\":\"r\",\"values\":{"
	    "\"type\":\"ingress\",\"security_group_id\":\"sg-g\",\"protocol\":"
	    "\"tcp\",\"from_port\":5432,\"to_port\":5432,\"ipv6_cidr_blocks\":"
	    "null,\"prefix_list_ids\":null,\"source_security_group_id\":null,"
	    "\"self\":false}}]}},\"configuration\":{\"root_module\":{"
	    "\"resources\":[{\"address\":\"aws_security_group_rule.r\","
	    "\"mode\":\"managed\",\"type\":\"aws_security_group_rule\","
	    "\"name\":\"r\",\"expressions\":{\"cidr_blocks\":{\"references\":["
	    "\"aws_vpc.main.cidr_block\",\"aws_vpc.main\"]}}}]}}}";
	char *why;

	cr_assert_eq(load_text(doc), 0, "%s", sgreach_model_error(m));
	add_eni("eni-g", "10.0.0.1", "sg-g");
	finalize();
	expect("10.0.0.2", "eni-g", "tcp/5432", "unknown");
	expect("10.0.0.2", "eni-g", "tcp/5433", "denied");
	why = render_of("10.0.0.2", "eni-g", "tcp/5432");
	cr_expect(strstr(why,
			 "aws_security_group_rule.r: cidr_blocks not "
			 "known until apply (aws_vpc.main.cidr_block)") != NULL,
		  "%s", why);
	free(why);
}

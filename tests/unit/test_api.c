/* test_api.c - building a model in code, by reference, and the contract of
 * every public function: return codes, ownership, state errors. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "sgreach.h"

Test(api, version_and_errors)
{
	cr_expect_str_eq(sgreach_version(), "0.1.0");
	cr_expect_str_eq(sgreach_strerror(-EINVAL), "invalid input or argument");
	cr_expect_str_eq(sgreach_strerror(EBUSY),
			 sgreach_strerror(-EBUSY));
	cr_expect_str_eq(sgreach_strerror(-12345), "unknown error code");
	cr_expect_str_eq(sgreach_result_name(SGREACH_PARTIAL), "partial");
}

/* A rule names a group added later; another group is never added. */
static sgreach_model *build(void)
{
	sgreach_model *m = sgreach_model_new();

	cr_assert_not_null(m);
	cr_assert_eq(sgreach_model_add_rule(m, "sg-db", SGREACH_INGRESS, "tcp",
					    5432, 5432, SGREACH_PEER_GROUP,
					    "sg-app", "sgr-1", "from app", 0),
		     0);
	cr_assert_eq(sgreach_model_add_rule(m, "sg-db", SGREACH_INGRESS, "6",
					    5432, 5432, SGREACH_PEER_GROUP,
					    "123456789012/sg-app", NULL, NULL,
					    0),
		     0, "a cross-account spelling of the same reference");
	cr_assert_eq(sgreach_model_add_group(m, "sg-db", "db", "vpc-1",
					     SGREACH_GROUP_COMPLETE),
		     0);
	cr_assert_eq(sgreach_model_add_group(m, "sg-app", "app", "vpc-1",
					     SGREACH_GROUP_COMPLETE),
		     0);
	cr_assert_eq(sgreach_model_add_rule(m, "sg-app", SGREACH_EGRESS, "-1",
					    -1, -1, SGREACH_PEER_CIDR,
					    "0.0.0.0/0", NULL, NULL, 0),
		     0);
	cr_assert_eq(sgreach_model_add_endpoint(m, "eni-app",
						SGREACH_ENDPOINT_ENI, "vpc-1",
						"subnet-1", NULL),
		     0);
	cr_assert_eq(sgreach_model_add_address(m, "eni-app", "10.0.1.5", 0), 0);
	cr_assert_eq(sgreach_model_add_endpoint_group(m, "eni-app", "sg-app"),
		     0);
	cr_assert_eq(sgreach_model_add_endpoint(m, "eni-db",
						SGREACH_ENDPOINT_ENI, "vpc-1",
						NULL, NULL),
		     0);
	cr_assert_eq(sgreach_model_add_address(m, "eni-db", "10.0.2.5", 0), 0);
	cr_assert_eq(sgreach_model_add_endpoint_group(m, "eni-db", "sg-db"), 0);
	cr_assert_eq(sgreach_model_add_endpoint_group(m, "eni-db", "sg-mon"),
		     0, "a group whose rules are never added");
	cr_assert_eq(sgreach_model_add_task(m,
					    "arn:aws:ecs:eu-west-1:1:task/c/abc",
					    "eni-app", "app"),
		     0);
	return m;
}

Test(api, programmatic_model_by_reference)
{
	sgreach_model *m = build();
	sgreach_verdict *v = sgreach_verdict_new();
	const char *text, *json;

	cr_assert_eq(sgreach_query(m, "eni-app", "eni-db", "tcp/5432", 0, v),
		     -EBUSY, "queries need a finalized model");
	cr_assert_eq(sgreach_model_finalize(m), 0);
	cr_expect_eq(sgreach_model_count(m, SGREACH_COUNT_RULES), 2,
		     "the cross-account spelling is the same rule");
	cr_assert_eq(sgreach_query(m, "eni-app", "eni-db", "tcp/5432", 0, v),
		     0, "%s", sgreach_verdict_error(v));
	cr_expect_eq(sgreach_verdict_result(v), SGREACH_ALLOWED);
	text = sgreach_verdict_render(v, SGREACH_FORMAT_TEXT);
	cr_assert_not_null(text);
	cr_expect(strstr(text, "ALLOWED") == text, "%s", text);
	cr_expect(strstr(text, "sg-db \"db\": ingress tcp 5432 from sg-app "
			       "\"app\"") != NULL,
		  "%s", text);
	cr_expect(strstr(text, "sgr-1") != NULL, "%s", text);
	json = sgreach_verdict_render(v, SGREACH_FORMAT_JSON);
	cr_expect(strstr(json, "\"verdict\":\"allowed\"") != NULL, "%s", json);
	cr_expect(strstr(json, "\"description\":\"from app\"") != NULL);

	/* by task id and ARN, and by address */
	cr_assert_eq(sgreach_query(m, "abc", "10.0.2.5", "tcp/5432", 0, v), 0);
	cr_expect_eq(sgreach_verdict_result(v), SGREACH_ALLOWED);
	cr_assert_eq(sgreach_query(m, "arn:aws:ecs:eu-west-1:1:task/c/abc",
				   "eni-db", "tcp/5432", 0, v),
		     0);
	cr_assert_eq(sgreach_query(m, "service:app", "eni-db", "tcp/5432", 0,
				   v),
		     0, "%s", sgreach_verdict_error(v));
	cr_expect_eq(sgreach_verdict_result(v), SGREACH_ALLOWED);

	/* sg-mon's rules are missing and sg-db does not allow: unknown */
	cr_assert_eq(sgreach_query(m, "eni-app", "eni-db", "tcp/22", 0, v), 0);
	cr_expect_eq(sgreach_verdict_result(v), SGREACH_UNKNOWN);
	json = sgreach_verdict_render(v, SGREACH_FORMAT_JSON);
	cr_expect(strstr(json, "\"missing\":[\"sg-mon\"]") != NULL, "%s", json);
	cr_expect(strstr(json, "group-rules-missing") != NULL, "%s", json);

	/* the reverse: db's egress is unknown (sg-db has no egress rule,
	 * sg-mon's are missing) but app has no ingress rule: denied wins */
	cr_assert_eq(sgreach_query(m, "eni-db", "eni-app", "tcp/22", 0, v), 0);
	cr_expect_eq(sgreach_verdict_result(v), SGREACH_DENIED);
	json = sgreach_verdict_render(v, SGREACH_FORMAT_JSON);
	cr_expect(strstr(json, "\"egress\":{\"verdict\":\"unknown\"") !=
			  NULL,
		  "%s", json);
	cr_expect(strstr(json, "\"ingress\":{\"verdict\":\"denied\","
			       "\"reason\":\"no-rules\"") != NULL,
		  "%s", json);

	sgreach_verdict_free(v);
	sgreach_model_free(m);
}

Test(api, query_errors)
{
	sgreach_model *m = build();
	sgreach_verdict *v = sgreach_verdict_new();

	cr_assert_eq(sgreach_model_finalize(m), 0);
	cr_expect_eq(sgreach_query(m, "eni-nope", "eni-db", "tcp/1", 0, v),
		     -ENOENT);
	cr_expect(strstr(sgreach_verdict_error(v), "eni-nope") != NULL);
	cr_expect_null(sgreach_verdict_render(v, SGREACH_FORMAT_TEXT),
		       "a failed query leaves nothing to render");
	cr_expect_eq(sgreach_query(m, "eni-app", "eni-db", "tcp/99999", 0, v),
		     -EINVAL);
	cr_expect(strstr(sgreach_verdict_error(v), "port") != NULL, "%s",
		  sgreach_verdict_error(v));
	cr_expect_eq(sgreach_query(m, "service:nope", "eni-db", "tcp/1", 0, v),
		     -ENOENT);
	cr_expect_eq(sgreach_query(m, "10.0.0.0/8a", "eni-db", "tcp/1", 0, v),
		     -EINVAL);
	cr_expect_eq(sgreach_query(m, "8.8.8.8", "1.1.1.1", "tcp/1", 0, v),
		     -EINVAL, "two outside addresses: nothing to evaluate");
	cr_expect_eq(sgreach_query(m, "eni-app", "eni-db", "tcp/1",
				   SGREACH_QUERY_IPV6, v),
		     -EINVAL, "no IPv6 address");
	cr_expect_eq(sgreach_query(m, "eni-app", "eni-db", "icmpv6/128/0",
				   SGREACH_QUERY_IPV4, v),
		     -EINVAL);
	cr_expect_eq(sgreach_query(m, "eni-app", "eni-db", "tcp/1", 0x100, v),
		     -EINVAL);
	cr_expect_eq(sgreach_query(m, "eni-app", "eni-db", "tcp/1", 0, NULL),
		     -EINVAL);
	sgreach_verdict_free(v);
	sgreach_model_free(m);
}

/* Selectors resolved once: their errors, their model, their lifetime. */
Test(api, selectors_resolved_once)
{
	sgreach_model *m = build(), *other = build();
	sgreach_verdict *v = sgreach_verdict_new();
	sgreach_selector *app = NULL, *db = NULL, *x = (void *)1, *o = NULL;
	sgreach_flow f;

	cr_assert_not_null(v);
	cr_assert_eq(sgreach_flow_parse("tcp/5432", &f), 0);
	cr_expect_eq(sgreach_select(m, "eni-app", v, &x), -EBUSY,
		     "not finalized");
	cr_expect_null(x, "*out is NULL on failure");
	cr_assert_eq(sgreach_model_finalize(m), 0);
	cr_assert_eq(sgreach_model_finalize(other), 0);
	cr_expect_eq(sgreach_select(NULL, "eni-app", v, &x), -EINVAL);
	cr_expect_eq(sgreach_select(m, "eni-app", v, NULL), -EINVAL);
	cr_expect_eq(sgreach_select(m, "eni-nope", v, &x), -ENOENT);
	cr_expect(strstr(sgreach_verdict_error(v), "eni-nope") != NULL, "%s",
		  sgreach_verdict_error(v));
	cr_expect_eq(sgreach_select(m, "10.0.0.0/8a", NULL, &x), -EINVAL,
		     "no context: the code alone");
	cr_expect_eq(sgreach_select(m, "", v, &x), -EINVAL);
	cr_expect_null(x);

	cr_assert_eq(sgreach_select(m, "abc", v, &app), 0, "a task id");
	cr_assert_eq(sgreach_select(m, "10.0.2.5", v, &db), 0, "an address");
	cr_assert_eq(sgreach_select(other, "eni-db", v, &o), 0);
	cr_assert_eq(sgreach_query_selected(m, app, db, &f, 0, v), 0, "%s",
		     sgreach_verdict_error(v));
	cr_expect_eq(sgreach_verdict_result(v), SGREACH_ALLOWED,
		     "sg-db allows it: sg-mon's missing rules do not matter");
	cr_expect(strstr(sgreach_verdict_render(v, SGREACH_FORMAT_JSON),
			 "\"selector\":\"abc\"") != NULL,
		  "the JSON names the selector as given: %s",
		  sgreach_verdict_render(v, SGREACH_FORMAT_JSON));
	cr_expect_eq(sgreach_query_selected(m, app, o, &f, 0, v), -EINVAL);
	cr_expect(strstr(sgreach_verdict_error(v), "another model") != NULL,
		  "%s", sgreach_verdict_error(v));
	cr_expect_null(sgreach_verdict_render(v, SGREACH_FORMAT_JSON));
	cr_expect_eq(sgreach_query_selected(m, NULL, db, &f, 0, v), -EINVAL);
	cr_expect_eq(sgreach_query_selected(m, app, db, NULL, 0, v), -EINVAL);
	cr_expect_eq(sgreach_query_selected(m, app, db, &f, 0x100, v),
		     -EINVAL);
	cr_expect_eq(sgreach_query_selected(m, app, db, &f, 0, NULL), -EINVAL);
	cr_expect_eq(sgreach_query_selected(m, app, db, &f,
					    SGREACH_QUERY_IPV6, v),
		     -EINVAL, "no IPv6 address: the error of a query");
	/* Freed after its model: a selector never touches the model. */
	sgreach_model_free(other);
	sgreach_selector_free(o);
	sgreach_selector_free(NULL);
	sgreach_selector_free(app);
	sgreach_selector_free(db);
	sgreach_verdict_free(v);
	sgreach_model_free(m);
}

Test(api, add_errors_and_finalized_model)
{
	sgreach_model *m = sgreach_model_new();

	cr_expect_eq(sgreach_model_add_group(m, "", NULL, NULL, 0), -EINVAL);
	cr_expect_eq(sgreach_model_add_group(m, "sg-1", NULL, NULL, 0x80),
		     -EINVAL);
	cr_expect_eq(sgreach_model_add_rule(m, "sg-1", SGREACH_INGRESS, "tcpx",
					    1, 1, SGREACH_PEER_CIDR,
					    "10.0.0.0/8", NULL, NULL, 0),
		     -EINVAL);
	cr_expect(strstr(sgreach_model_error(m), "tcpx") != NULL);
	cr_expect_eq(sgreach_model_add_rule(m, "sg-1", SGREACH_INGRESS, "tcp",
					    80, 22, SGREACH_PEER_CIDR,
					    "10.0.0.0/8", NULL, NULL, 0),
		     -EINVAL);
	cr_expect_eq(sgreach_model_add_rule(m, "sg-1", SGREACH_INGRESS, "tcp",
					    1, 1, SGREACH_PEER_CIDR, "10.0.0.1",
					    NULL, NULL, 0),
		     -EINVAL, "a CIDR needs its /n");
	cr_expect_eq(sgreach_model_add_rule(m, "sg-1", SGREACH_INGRESS, "icmp",
					    300, 0, SGREACH_PEER_CIDR,
					    "10.0.0.0/8", NULL, NULL, 0),
		     -EINVAL);
	cr_expect_eq(sgreach_model_add_rule(m, "sg-1", 7, "tcp", 1, 1,
					    SGREACH_PEER_CIDR, "10.0.0.0/8",
					    NULL, NULL, 0),
		     -EINVAL);
	cr_expect_eq(sgreach_model_add_address(m, "eni-none", "10.0.0.1", 0),
		     -ENOENT);
	cr_assert_eq(sgreach_model_add_endpoint(m, "eni-1",
						SGREACH_ENDPOINT_ENI, NULL,
						NULL, NULL),
		     0);
	cr_expect_eq(sgreach_model_add_endpoint(m, "eni-1",
						SGREACH_ENDPOINT_ENI, NULL,
						NULL, NULL),
		     -EEXIST);
	cr_expect_eq(sgreach_model_add_address(m, "eni-1", "10.0.0.300", 0),
		     -EINVAL);
	cr_expect_eq(sgreach_model_add_prefix_list_entry(m, "pl-1", "x"),
		     -EINVAL);
	cr_expect_eq(sgreach_model_add_subnet(m, "subnet-1", "vpc-1", "10/8"),
		     -EINVAL);
	cr_expect_eq(sgreach_model_add_vpc(m, "vpc-1", "10.0.0.0/16"), 0);
	cr_expect_eq(sgreach_model_add_peering(m, "pcx-1", "vpc-1", "", 1),
		     -EINVAL);
	cr_assert_eq(sgreach_model_finalize(m), 0);
	cr_expect_eq(sgreach_model_finalize(m), -EBUSY);
	cr_expect_eq(sgreach_model_add_group(m, "sg-2", NULL, NULL, 0), -EBUSY);
	cr_expect_eq(sgreach_model_load_buffer(m, "x", "{}", 2), -EBUSY);
	cr_expect_null(sgreach_model_warning(m, 999));
	sgreach_model_free(m);
	sgreach_model_free(NULL);
	sgreach_verdict_free(NULL);
}

Test(api, partial_over_a_cidr_source)
{
	sgreach_model *m = sgreach_model_new();
	sgreach_verdict *v = sgreach_verdict_new();
	const char *json;

	cr_assert_eq(sgreach_model_add_group(m, "sg-web", "web", "vpc-1",
					     SGREACH_GROUP_COMPLETE),
		     0);
	cr_assert_eq(sgreach_model_add_rule(m, "sg-web", SGREACH_INGRESS, "tcp",
					    443, 443, SGREACH_PEER_CIDR,
					    "10.0.0.0/9", NULL, NULL, 0),
		     0);
	cr_assert_eq(sgreach_model_add_rule(m, "sg-web", SGREACH_INGRESS, "tcp",
					    443, 443, SGREACH_PEER_CIDR,
					    "10.128.0.0/10", NULL, NULL, 0),
		     0);
	cr_assert_eq(sgreach_model_add_endpoint(m, "eni-web",
						SGREACH_ENDPOINT_ENI, "vpc-1",
						NULL, NULL),
		     0);
	cr_assert_eq(sgreach_model_add_address(m, "eni-web", "10.0.0.10", 0), 0);
	cr_assert_eq(sgreach_model_add_endpoint_group(m, "eni-web", "sg-web"),
		     0);
	cr_assert_eq(sgreach_model_finalize(m), 0);

	cr_assert_eq(sgreach_query(m, "10.0.0.0/8", "eni-web", "tcp/443", 0, v),
		     0, "%s", sgreach_verdict_error(v));
	cr_expect_eq(sgreach_verdict_result(v), SGREACH_PARTIAL);
	json = sgreach_verdict_render(v, SGREACH_FORMAT_JSON);
	cr_expect(strstr(json, "\"allowed_src\":[\"10.0.0.0/9\","
			       "\"10.128.0.0/10\"]") != NULL,
		  "%s", json);
	cr_expect(strstr(json, "\"denied_src\":[\"10.192.0.0/10\"]") != NULL,
		  "%s", json);

	cr_assert_eq(sgreach_query(m, "10.0.0.0/9", "eni-web", "tcp/443", 0, v),
		     0);
	cr_expect_eq(sgreach_verdict_result(v), SGREACH_ALLOWED);
	cr_assert_eq(sgreach_query(m, "11.0.0.0/8", "eni-web", "tcp/443", 0, v),
		     0);
	cr_expect_eq(sgreach_verdict_result(v), SGREACH_DENIED);
	cr_assert_eq(sgreach_query(m, "0.0.0.0/0", "eni-web", "tcp/443", 0, v),
		     0);
	cr_expect_eq(sgreach_verdict_result(v), SGREACH_PARTIAL);
	sgreach_verdict_free(v);
	sgreach_model_free(m);
}

Test(api, service_by_subnets_is_partial_when_a_rule_covers_some)
{
	sgreach_model *m = sgreach_model_new();
	sgreach_verdict *v = sgreach_verdict_new();

	cr_assert_eq(sgreach_model_add_subnet(m, "subnet-a", "vpc-1",
					      "10.0.1.0/24"),
		     0);
	cr_assert_eq(sgreach_model_add_subnet(m, "subnet-b", "vpc-1",
					      "10.0.2.0/24"),
		     0);
	cr_assert_eq(sgreach_model_add_group(m, "sg-web", "web", "vpc-1",
					     SGREACH_GROUP_COMPLETE),
		     0);
	cr_assert_eq(sgreach_model_add_rule(m, "sg-web", SGREACH_EGRESS, "-1",
					    -1, -1, SGREACH_PEER_CIDR,
					    "0.0.0.0/0", NULL, NULL, 0),
		     0);
	cr_assert_eq(sgreach_model_add_group(m, "sg-db", "db", "vpc-1",
					     SGREACH_GROUP_COMPLETE),
		     0);
	cr_assert_eq(sgreach_model_add_rule(m, "sg-db", SGREACH_INGRESS, "tcp",
					    5432, 5432, SGREACH_PEER_CIDR,
					    "10.0.1.0/24", NULL, NULL, 0),
		     0);
	cr_assert_eq(sgreach_model_add_rule(m, "sg-db", SGREACH_INGRESS, "tcp",
					    6432, 6432, SGREACH_PEER_GROUP,
					    "sg-web", NULL, NULL, 0),
		     0);
	cr_assert_eq(sgreach_model_add_endpoint(m, "web",
						SGREACH_ENDPOINT_SERVICE, NULL,
						NULL, NULL),
		     0);
	cr_assert_eq(sgreach_model_add_endpoint_subnet(m, "web", "subnet-a"), 0);
	cr_assert_eq(sgreach_model_add_endpoint_subnet(m, "web", "subnet-b"), 0);
	cr_assert_eq(sgreach_model_add_endpoint_group(m, "web", "sg-web"), 0);
	cr_assert_eq(sgreach_model_add_endpoint(m, "eni-db",
						SGREACH_ENDPOINT_ENI, "vpc-1",
						NULL, NULL),
		     0);
	cr_assert_eq(sgreach_model_add_address(m, "eni-db", "10.0.3.5", 0), 0);
	cr_assert_eq(sgreach_model_add_endpoint_group(m, "eni-db", "sg-db"), 0);
	cr_assert_eq(sgreach_model_finalize(m), 0);

	cr_assert_eq(sgreach_query(m, "service:web", "eni-db", "tcp/5432", 0,
				   v),
		     0, "%s", sgreach_verdict_error(v));
	cr_expect_eq(sgreach_verdict_result(v), SGREACH_PARTIAL);
	cr_assert_eq(sgreach_query(m, "service:web", "eni-db", "tcp/6432", 0,
				   v),
		     0);
	cr_expect_eq(sgreach_verdict_result(v), SGREACH_ALLOWED,
		     "membership covers every subnet");
	cr_assert_eq(sgreach_query(m, "service:web", "eni-db", "tcp/22", 0, v),
		     0);
	cr_expect_eq(sgreach_verdict_result(v), SGREACH_DENIED);
	sgreach_verdict_free(v);
	sgreach_model_free(m);
}

Test(api, verdict_reused_across_queries_and_threads_of_use)
{
	sgreach_model *m = build();
	sgreach_verdict *v = sgreach_verdict_new();
	int i;

	cr_assert_eq(sgreach_model_finalize(m), 0);
	for (i = 0; i < 1000; i++) {
		cr_assert_eq(sgreach_query(m, "eni-app", "eni-db",
					   i % 2 ? "tcp/5432" : "tcp/5433", 0,
					   v),
			     0);
		cr_assert_eq(sgreach_verdict_result(v),
			     i % 2 ? SGREACH_ALLOWED : SGREACH_UNKNOWN);
	}
	sgreach_verdict_free(v);
	sgreach_model_free(m);
}

/* test_import.c - loading documents: detection, merging, errors with the
 * file and JSON path, and the all-or-nothing rule. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h"
#include "sgreach.h"

#ifndef SRCDIR
#define SRCDIR "."
#endif

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

TestSuite(import, .init = setup, .fini = teardown);

static int load(const char *name, const char *json)
{
	return sgreach_model_load_buffer(m, name, json, strlen(json));
}

#define SG_DB                                                                  \
	"{\"SecurityGroups\":[{\"GroupId\":\"sg-db\",\"GroupName\":\"db\","    \
	"\"VpcId\":\"vpc-1\",\"IpPermissions\":[{\"IpProtocol\":\"tcp\","      \
	"\"FromPort\":5432,\"ToPort\":5432,\"UserIdGroupPairs\":[{"            \
	"\"GroupId\":\"sg-web\"}]}],\"IpPermissionsEgress\":[]}]}"
#define ENIS                                                                   \
	"{\"NetworkInterfaces\":[{\"NetworkInterfaceId\":\"eni-web\","         \
	"\"VpcId\":\"vpc-1\",\"PrivateIpAddress\":\"10.0.1.10\",\"Groups\":[{" \
	"\"GroupId\":\"sg-web\",\"GroupName\":\"web\"}]},"                     \
	"{\"NetworkInterfaceId\":\"eni-db\",\"VpcId\":\"vpc-1\","              \
	"\"PrivateIpAddress\":\"10.0.2.20\",\"Groups\":[{\"GroupId\":"         \
	"\"sg-db\"}]}]}"

static const char *verdict_of(const char *src, const char *dst,
			      const char *flow)
{
	static char out[32];
	sgreach_verdict *v = sgreach_verdict_new();
	int rc = sgreach_query(m, src, dst, flow, 0, v);

	cr_assert_eq(rc, 0, "%s", sgreach_verdict_error(v));
	snprintf(out, sizeof(out), "%s",
		 sgreach_result_name(sgreach_verdict_result(v)));
	sgreach_verdict_free(v);
	return out;
}

Test(import, group_reference_resolved_across_documents)
{
	/* web's own rules are never loaded: the reference is decided by
	 * membership; web's egress is unknown. */
	cr_assert_eq(load("a.json", ENIS), 0, "%s", sgreach_model_error(m));
	cr_assert_eq(load("b.json", SG_DB), 0, "%s", sgreach_model_error(m));
	cr_assert_eq(sgreach_model_finalize(m), 0);
	cr_expect_str_eq(verdict_of("eni-web", "eni-db", "tcp/5432"),
			 "unknown");
	cr_expect_str_eq(verdict_of("eni-web", "eni-db", "tcp/5433"),
			 "denied");
	cr_expect_str_eq(verdict_of("203.0.113.1", "eni-db", "tcp/5432"),
			 "denied");
}

Test(import, error_names_file_and_json_path)
{
	int rc = load("sg.json",
		      "{\"SecurityGroups\":[{\"GroupId\":\"sg-1\","
		      "\"IpPermissions\":[{\"IpProtocol\":\"tcp\","
		      "\"FromPort\":22,\"ToPort\":22,\"IpRanges\":[{\"CidrIp\":"
		      "\"10.1/16\"}]}]}]}");

	cr_assert_eq(rc, -EINVAL);
	cr_expect(strstr(sgreach_model_error(m), "sg.json") != NULL, "%s",
		  sgreach_model_error(m));
	cr_expect(strstr(sgreach_model_error(m),
			 "$.SecurityGroups[0].IpPermissions[0].IpRanges[0]."
			 "CidrIp") != NULL,
		  "%s", sgreach_model_error(m));
	cr_expect(strstr(sgreach_model_error(m), "10.1/16") != NULL);
}

Test(import, failed_load_leaves_nothing_behind)
{
	cr_assert_eq(load("a.json", ENIS), 0);
	cr_assert_eq(sgreach_model_count(m, SGREACH_COUNT_ENDPOINTS), 2);
	cr_assert_eq(sgreach_model_count(m, SGREACH_COUNT_GROUPS), 2);
	/* a second document adding a group, a rule, an interface, an address
	 * to an existing interface, then failing on its last value */
	cr_assert_eq(load("bad.json",
			  "{\"SecurityGroups\":[{\"GroupId\":\"sg-new\","
			  "\"IpPermissions\":[{\"IpProtocol\":\"-1\","
			  "\"IpRanges\":[{\"CidrIp\":\"0.0.0.0/0\"}]}]},"
			  "{\"GroupId\":\"sg-web\",\"GroupName\":\"renamed\"}],"
			  "\"NetworkInterfaces\":[{\"NetworkInterfaceId\":"
			  "\"eni-new\",\"PrivateIpAddress\":\"10.9.9.9\"},"
			  "{\"NetworkInterfaceId\":\"eni-x\",\"Groups\":[{"
			  "\"GroupId\":\"sg-db\"}],\"PrivateIpAddress\":"
			  "\"010.0.0.1\"}]}"),
		     -EINVAL);
	cr_expect_eq(sgreach_model_count(m, SGREACH_COUNT_ENDPOINTS), 2);
	cr_expect_eq(sgreach_model_count(m, SGREACH_COUNT_GROUPS), 2);
	cr_expect_eq(sgreach_model_count(m, SGREACH_COUNT_RULES), 0);
	cr_assert_eq(sgreach_model_finalize(m), 0);
	/* sg-web is still known by id only: its rules were never loaded */
	cr_expect_str_eq(verdict_of("eni-web", "10.0.2.20", "tcp/1"),
			 "unknown");
	cr_expect_str_eq(verdict_of("10.0.1.10", "eni-db", "tcp/1"), "unknown");
}

Test(import, same_group_in_two_files_later_wins)
{
	cr_assert_eq(load("old.json", SG_DB), 0);
	cr_assert_eq(load("new.json",
			  "{\"SecurityGroups\":[{\"GroupId\":\"sg-db\","
			  "\"IpPermissions\":[{\"IpProtocol\":\"tcp\","
			  "\"FromPort\":6432,\"ToPort\":6432,"
			  "\"UserIdGroupPairs\":[{\"GroupId\":\"sg-web\"}]}]}]}"),
		     0);
	cr_assert_eq(load("enis.json", ENIS), 0);
	cr_assert_eq(sgreach_model_finalize(m), 0);
	cr_expect_eq(sgreach_model_count(m, SGREACH_COUNT_RULES), 1);
	cr_assert_geq(sgreach_model_warning_count(m), 1);
	cr_expect(strstr(sgreach_model_warning(m, 0), "new.json") != NULL,
		  "%s", sgreach_model_warning(m, 0));
	/* the old 5432 rule is gone (denied wins over web's unknown egress);
	 * the new 6432 rule admits web (web's egress is not loaded) */
	cr_expect_str_eq(verdict_of("eni-web", "eni-db", "tcp/5432"), "denied");
	cr_expect_str_eq(verdict_of("eni-web", "eni-db", "tcp/6432"),
			 "unknown");
}

Test(import, groups_and_rules_documents_count_once)
{
	cr_assert_eq(load("sg.json", SG_DB), 0);
	cr_assert_eq(load("rules.json",
			  "{\"SecurityGroupRules\":[{\"SecurityGroupRuleId\":"
			  "\"sgr-1\",\"GroupId\":\"sg-db\",\"IsEgress\":false,"
			  "\"IpProtocol\":\"tcp\",\"FromPort\":5432,\"ToPort\":"
			  "5432,\"ReferencedGroupInfo\":{\"GroupId\":"
			  "\"sg-web\"}}]}"),
		     0);
	cr_assert_eq(load("enis.json", ENIS), 0);
	cr_assert_eq(sgreach_model_finalize(m), 0);
	cr_expect_eq(sgreach_model_count(m, SGREACH_COUNT_RULES), 1);
	{
		sgreach_verdict *v = sgreach_verdict_new();
		const char *json;

		cr_assert_eq(sgreach_query(m, "203.0.113.1", "eni-db",
					   "tcp/5432", 0, v),
			     0);
		cr_assert_eq(sgreach_query(m, "10.0.1.10", "eni-db",
					   "tcp/5432", 0, v),
			     0);
		json = sgreach_verdict_render(v, SGREACH_FORMAT_JSON);
		cr_expect(strstr(json, "\"rule_id\":\"sgr-1\"") != NULL, "%s",
			  json);
		sgreach_verdict_free(v);
	}
}

Test(import, unknown_key_warns_and_nothing_known_fails)
{
	cr_assert_eq(load("x.json", "{\"Vpcs\":[],\"Foo\":1}"), 0);
	cr_assert_eq(sgreach_model_warning_count(m), 1);
	cr_expect(strstr(sgreach_model_warning(m, 0), "Foo") != NULL);
	cr_expect_eq(load("y.json", "{\"Foo\":1}"), -EINVAL);
	cr_expect(strstr(sgreach_model_error(m), "nothing recognisable"));
	cr_expect_eq(load("z.json", "[1,2]"), -EINVAL);
	cr_expect_eq(load("t.json", "{\"SecurityGroups\":{}}"), -EINVAL);
	cr_expect(strstr(sgreach_model_error(m), "$.SecurityGroups") != NULL,
		  "%s", sgreach_model_error(m));
}

Test(import, strict_json_errors)
{
	cr_expect_eq(load("dup.json", "{\"Vpcs\":[],\"Vpcs\":[]}"), -EINVAL);
	cr_expect(strstr(sgreach_model_error(m), "dup.json") != NULL);
	cr_expect_eq(load("trail.json", "{\"Vpcs\":[]} x"), -EINVAL);
	cr_expect_eq(load("nul.json", "{\"Vpcs\":[{\"VpcId\":\"a\\u0000b\"}]}"),
		     -EINVAL);
	cr_expect_eq(load("port.json",
			  "{\"SecurityGroups\":[{\"GroupId\":\"sg-1\","
			  "\"IpPermissions\":[{\"IpProtocol\":\"tcp\","
			  "\"FromPort\":22.5,\"ToPort\":22}]}]}"),
		     -EINVAL);
	cr_expect(strstr(sgreach_model_error(m),
			 "$.SecurityGroups[0].IpPermissions[0].FromPort") !=
			  NULL,
		  "%s", sgreach_model_error(m));
	cr_expect_eq(load("range.json",
			  "{\"SecurityGroups\":[{\"GroupId\":\"sg-1\","
			  "\"IpPermissions\":[{\"IpProtocol\":\"tcp\","
			  "\"FromPort\":80,\"ToPort\":70000}]}]}"),
		     -EINVAL);
	cr_expect_eq(load("order.json",
			  "{\"SecurityGroups\":[{\"GroupId\":\"sg-1\","
			  "\"IpPermissions\":[{\"IpProtocol\":\"tcp\","
			  "\"FromPort\":80,\"ToPort\":70}]}]}"),
		     -EINVAL);
	cr_expect_eq(load("proto.json",
			  "{\"SecurityGroups\":[{\"GroupId\":\"sg-1\","
			  "\"IpPermissions\":[{\"IpProtocol\":\"tcpx\"}]}]}"),
		     -EINVAL);
	cr_expect(strstr(sgreach_model_error(m), "IpProtocol") != NULL);
	cr_expect_eq(load("empty.json", ""), -EINVAL);
	cr_expect_eq(sgreach_model_count(m, SGREACH_COUNT_GROUPS), 0);
}

Test(import, prefix_list_entries_take_the_id_from_the_file_name)
{
	cr_assert_eq(load("/x/pl-0a1b2c.json",
			  "{\"Entries\":[{\"Cidr\":\"10.8.0.0/16\"}]}"),
		     0, "%s", sgreach_model_error(m));
	cr_expect_eq(sgreach_model_count(m, SGREACH_COUNT_PREFIX_LISTS), 1);
	cr_expect_eq(load("entries.json",
			  "{\"Entries\":[{\"Cidr\":\"10.8.0.0/16\"}]}"),
		     -EINVAL);
	cr_expect(strstr(sgreach_model_error(m), "PrefixLists") != NULL);
}

Test(import, listing_without_entries_stays_unknown)
{
	cr_assert_eq(load("pls.json",
			  "{\"PrefixLists\":[{\"PrefixListId\":\"pl-1\","
			  "\"PrefixListName\":\"corp\"}]}"),
		     0);
	cr_expect_eq(sgreach_model_warning_count(m), 1);
	cr_assert_eq(load("sg.json",
			  "{\"SecurityGroups\":[{\"GroupId\":\"sg-db\","
			  "\"IpPermissions\":[{\"IpProtocol\":\"tcp\","
			  "\"FromPort\":5432,\"ToPort\":5432,\"PrefixListIds\":"
			  "[{\"PrefixListId\":\"pl-1\"}]}]}]}"),
		     0);
	cr_assert_eq(load("e.json", ENIS), 0);
	cr_assert_eq(sgreach_model_finalize(m), 0);
	cr_expect_str_eq(verdict_of("198.51.100.1", "eni-db", "tcp/5432"),
			 "unknown");
}

Test(import, files_directories_and_errors)
{
	char dir[] = "/tmp/sgreach-test-XXXXXX";
	char path[256];
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	cr_expect_eq(sgreach_model_load_file(m, dir), -ENOENT,
		     "an empty directory is an error");
	snprintf(path, sizeof(path), "%s/a.json", dir);
	f = fopen(path, "w");
	fputs(ENIS, f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/b.json", dir);
	f = fopen(path, "w");
	fputs(SG_DB, f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/notes.txt", dir);
	f = fopen(path, "w");
	fputs("not json", f);
	fclose(f);
	cr_assert_eq(sgreach_model_load_file(m, dir), 0, "%s",
		     sgreach_model_error(m));
	cr_expect_eq(sgreach_model_count(m, SGREACH_COUNT_ENDPOINTS), 2);
	cr_expect_eq(sgreach_model_load_file(m, "/nonexistent/x.json"),
		     -ENOENT);
	cr_expect(strstr(sgreach_model_error(m), "/nonexistent/x.json"));
	cr_assert_eq(sgreach_model_finalize(m), 0);
	cr_expect_eq(sgreach_model_load_file(m, path), -EBUSY);
	unlink(path);
	snprintf(path, sizeof(path), "%s/b.json", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/a.json", dir);
	unlink(path);
	rmdir(dir);
}

Test(import, bundled_example_loads)
{
	cr_assert_eq(sgreach_model_load_file(m, SRCDIR
					     "/examples/ecs-awsvpc/aws"),
		     0, "%s", sgreach_model_error(m));
	cr_assert_eq(sgreach_model_finalize(m), 0);
	cr_expect_gt(sgreach_model_count(m, SGREACH_COUNT_TASKS), 0);
	cr_expect_gt(sgreach_model_count(m, SGREACH_COUNT_ENDPOINTS), 0);
}

Test(import, empty_terraform_workspace_loads_as_nothing)
{
	cr_expect_eq(load("empty.json", "{\"format_version\":\"1.0\"}"), 0,
		     "%s", sgreach_model_error(m));
	cr_expect_eq(sgreach_model_count(m, SGREACH_COUNT_GROUPS), 0);
	cr_expect_eq(load("odd.json", "{\"format_version\":\"1.0\",\"x\":1}"),
		     -EINVAL, "anything else beside the version is not a state");
}

Test(import, only_an_account_number_prefixes_a_group_reference)
{
	sgreach_verdict *v = sgreach_verdict_new();

	/* "123456789012/sg-b" names sg-b; "x/sg-b" is some other id */
	cr_assert_eq(sgreach_model_add_rule(m, "sg-a", SGREACH_INGRESS, "-1", -1,
					    -1, SGREACH_PEER_GROUP,
					    "123456789012/sg-b", NULL, NULL, 0),
		     0);
	cr_assert_eq(sgreach_model_add_rule(m, "sg-a", SGREACH_INGRESS, "-1", -1,
					    -1, SGREACH_PEER_GROUP, "x/sg-c",
					    NULL, NULL, 0),
		     0);
	cr_assert_eq(load("e.json",
			  "{\"NetworkInterfaces\":[{\"NetworkInterfaceId\":"
			  "\"eni-a\",\"PrivateIpAddress\":\"10.0.0.1\","
			  "\"Groups\":[{\"GroupId\":\"sg-a\"}]},"
			  "{\"NetworkInterfaceId\":\"eni-b\",\"PrivateIpAddress\":"
			  "\"10.0.0.2\",\"Groups\":[{\"GroupId\":\"sg-b\"}]},"
			  "{\"NetworkInterfaceId\":\"eni-c\",\"PrivateIpAddress\":"
			  "\"10.0.0.3\",\"Groups\":[{\"GroupId\":\"sg-c\"}]}]}"),
		     0);
	cr_assert_eq(sgreach_model_finalize(m), 0);
	cr_assert_eq(sgreach_query(m, "8.8.8.8", "eni-a", "tcp/1", 0, v), 0);
	cr_assert_eq(sgreach_query(m, "eni-b", "eni-a", "tcp/1", 0, v), 0);
	cr_expect_neq(sgreach_verdict_result(v), SGREACH_DENIED,
		      "sg-b's egress is unknown, its ingress to a is allowed");
	{
		const char *json = sgreach_verdict_render(v, SGREACH_FORMAT_JSON);

		cr_expect(strstr(json, "\"peer\":\"123456789012/sg-b\"") != NULL,
			  "%s", json);
	}
	cr_assert_eq(sgreach_query(m, "eni-c", "eni-a", "tcp/1", 0, v), 0);
	cr_expect_eq(sgreach_verdict_result(v), SGREACH_DENIED,
		     "x/sg-c is not sg-c");
	sgreach_verdict_free(v);
}

Test(import, failed_load_restores_the_public_flag)
{
	uint32_t e;

	cr_assert_eq(load("svc.json",
			  "{\"services\":[{\"serviceName\":\"web\","
			  "\"networkConfiguration\":{\"awsvpcConfiguration\":{"
			  "\"subnets\":[\"subnet-1\"],\"assignPublicIp\":"
			  "\"DISABLED\"}}}]}"),
		     0, "%s", sgreach_model_error(m));
	e = model_find_endpoint(m, "web");
	cr_assert_neq(e, SG_NONE);
	cr_assert_eq(m->endpoints.v[e].assign_public, 0);
	/* what a load does to an endpoint of an earlier load is undone when
	 * it fails */
	model_load_begin(m, "later.json");
	cr_assert_eq(sgreach_model_set_endpoint_public(m, "web", 1), 0);
	cr_assert_eq(m->endpoints.v[e].assign_public, 1);
	model_load_end(m, 0);
	cr_expect_eq(m->endpoints.v[e].assign_public, 0);
}

Test(import, messages_quote_input_without_control_bytes)
{
	const char *w;

	cr_assert_eq(load("esc.json", "{\"Vpcs\":[],\"\\u001b[31mX\\u007f\":1}"),
		     0);
	w = sgreach_model_warning(m, 0);
	cr_assert_not_null(w);
	cr_expect(strchr(w, 0x1b) == NULL && strchr(w, 0x7f) == NULL, "%s", w);
	cr_expect(strstr(w, "\\x1b[31mX\\x7f") != NULL, "%s", w);
	cr_expect_eq(sgreach_model_add_group(m, "sg-\x1b]0;t\x07", NULL, NULL,
					     0x40),
		     -EINVAL);
	cr_expect(strchr(sgreach_model_error(m), 0x1b) == NULL, "%s",
		  sgreach_model_error(m));
}

Test(import, endpoints_with_one_group_list_share_their_rule_arrays)
{
	uint32_t web, db;

	cr_assert_eq(load("sg.json", SG_DB), 0);
	cr_assert_eq(load("enis.json", ENIS), 0);
	cr_assert_eq(load("more.json",
			  "{\"NetworkInterfaces\":[{\"NetworkInterfaceId\":"
			  "\"eni-db2\",\"PrivateIpAddress\":\"10.0.2.21\","
			  "\"Groups\":[{\"GroupId\":\"sg-db\"}]}]}"),
		     0);
	cr_assert_eq(sgreach_model_finalize(m), 0);
	web = model_find_endpoint(m, "eni-web");
	db = model_find_endpoint(m, "eni-db");
	/* memory grows with distinct group lists, not with interfaces */
	cr_expect_eq(m->endpoints.v[db].rules[SGREACH_INGRESS],
		     m->endpoints.v[model_find_endpoint(m, "eni-db2")]
			     .rules[SGREACH_INGRESS]);
	cr_expect_neq(m->endpoints.v[db].rules[SGREACH_INGRESS],
		      m->endpoints.v[web].rules[SGREACH_INGRESS]);
	cr_expect_eq(m->endpoints.v[db].nrules[SGREACH_INGRESS], 1);
	cr_expect_str_eq(verdict_of("eni-web", "eni-db2", "tcp/5432"),
			 "unknown");
}

Test(import, per_endpoint_limits_are_input_errors)
{
	int i, rc = 0;
	char id[32];

	cr_assert_eq(sgreach_model_add_endpoint(m, "eni-1",
						SGREACH_ENDPOINT_ENI, NULL, NULL,
						NULL),
		     0);
	for (i = 0; i <= 1000 && !rc; i++) {
		snprintf(id, sizeof(id), "sg-%d", i);
		rc = sgreach_model_add_endpoint_group(m, "eni-1", id);
	}
	cr_expect_eq(rc, -E2BIG);
	cr_expect_eq(i, 1001, "the 1001st group is refused");
	cr_expect(strstr(sgreach_model_error(m), "AWS allows 16") != NULL,
		  "%s", sgreach_model_error(m));
}

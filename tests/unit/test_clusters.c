/* test_clusters.c - ECS services are per cluster: two clusters may each run
 * a service of the same name.  How tasks join their service, how a service
 * is selected and named, and how diff and check match services. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "sgreach.h"

/* db admits 5432 from group web-prod; each task's interface carries its
 * cluster's group; every group may send anything. */
static sgreach_model *base(void)
{
	static const char *const groups[] = {"sg-web-prod", "sg-web-staging",
					     "sg-db"};
	static const struct {
		const char *id, *addr, *group;
	} enis[] = {
	    {"eni-p1", "10.0.1.1", "sg-web-prod"},
	    {"eni-p2", "10.0.1.2", "sg-web-prod"},
	    {"eni-s1", "10.0.1.3", "sg-web-staging"},
	    {"eni-db", "10.0.1.9", "sg-db"},
	};
	sgreach_model *m = sgreach_model_new();
	size_t i;

	cr_assert_not_null(m);
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		cr_assert_eq(sgreach_model_add_group(m, groups[i], groups[i],
						     "vpc-1",
						     SGREACH_GROUP_COMPLETE),
			     0);
		cr_assert_eq(sgreach_model_add_rule(
				 m, groups[i], SGREACH_EGRESS, "-1", -1, -1,
				 SGREACH_PEER_CIDR, "0.0.0.0/0", NULL, NULL, 0),
			     0);
	}
	cr_assert_eq(sgreach_model_add_rule(m, "sg-db", SGREACH_INGRESS, "tcp",
					    5432, 5432, SGREACH_PEER_GROUP,
					    "sg-web-prod", NULL, NULL, 0),
		     0);
	for (i = 0; i < sizeof(enis) / sizeof(enis[0]); i++) {
		cr_assert_eq(sgreach_model_add_endpoint(m, enis[i].id,
							SGREACH_ENDPOINT_ENI,
							"vpc-1", NULL, NULL),
			     0);
		cr_assert_eq(
		    sgreach_model_add_address(m, enis[i].id, enis[i].addr, 0),
		    0);
		cr_assert_eq(sgreach_model_add_endpoint_group(m, enis[i].id,
							      enis[i].group),
			     0);
	}
	return m;
}

static void service(sgreach_model *m, const char *id, const char *group)
{
	cr_assert_eq(sgreach_model_add_endpoint(m, id, SGREACH_ENDPOINT_SERVICE,
						"vpc-1", NULL, NULL),
		     0, "%s", sgreach_model_error(m));
	cr_assert_eq(sgreach_model_add_endpoint_group(m, id, group), 0);
}

static void task(sgreach_model *m, const char *arn, const char *eni,
		 const char *service)
{
	cr_assert_eq(sgreach_model_add_task(m, arn, eni, service), 0, "%s",
		     sgreach_model_error(m));
}

/* Both clusters' services and tasks, with the cluster known. */
static sgreach_model *two_clusters(void)
{
	sgreach_model *m = base();

	service(m, "prod/web", "sg-web-prod");
	service(m, "staging/web", "sg-web-staging");
	task(m, "arn:aws:ecs:r:1:task/prod/p1", "eni-p1", "prod/web");
	task(m, "arn:aws:ecs:r:1:task/prod/p2", "eni-p2", "prod/web");
	task(m, "arn:aws:ecs:r:1:task/staging/s1", "eni-s1", "staging/web");
	cr_assert_eq(sgreach_model_finalize(m), 0, "%s",
		     sgreach_model_error(m));
	return m;
}

/* Queries src -> eni-db on tcp/5432; returns the text rendering. */
static const char *ask(const sgreach_model *m, sgreach_verdict *v,
		       const char *src, sgreach_result want)
{
	cr_assert_eq(sgreach_query(m, src, "eni-db", "tcp/5432", 0, v), 0,
		     "%s: %s", src, sgreach_verdict_error(v));
	cr_expect_eq(sgreach_verdict_result(v), want, "%s: %s", src,
		     sgreach_result_name(sgreach_verdict_result(v)));
	return sgreach_verdict_render(v, SGREACH_FORMAT_TEXT);
}

static int has(const char *text, const char *part)
{
	return text && strstr(text, part) != NULL;
}

/* ask(), and its text says what. */
static void expect_says(const sgreach_model *m, sgreach_verdict *v,
			const char *src, sgreach_result want, const char *what)
{
	const char *out = ask(m, v, src, want);

	cr_expect(has(out, what), "%s: no '%s' in: %s", src, what, out);
}

/* Some warning of m says part. */
static int has_warning(const sgreach_model *m, const char *part)
{
	size_t i, n = sgreach_model_warning_count(m);

	for (i = 0; i < n; i++)
		if (has(sgreach_model_warning(m, i), part))
			return 1;
	return 0;
}

Test(clusters, same_name_in_two_clusters_is_two_services)
{
	sgreach_model *m = two_clusters();
	sgreach_verdict *v = sgreach_verdict_new();
	const char *out;

	expect_says(m, v, "service:prod/web", SGREACH_ALLOWED,
		    "service prod/web (2 task addresses)");
	expect_says(m, v, "service:staging/web", SGREACH_DENIED,
		    "service staging/web (1 task address)");
	/* A task is shown with its service's name, cluster included. */
	ask(m, v, "eni-s1", SGREACH_DENIED);
	out = sgreach_verdict_render(v, SGREACH_FORMAT_JSON);
	cr_expect(has(out, "\"service\":\"staging/web\""), "%s", out);
	out = sgreach_verdict_render(v, SGREACH_FORMAT_TEXT);
	cr_expect(has(out, "task staging/web/s1"), "%s", out);

	cr_expect_eq(sgreach_query(m, "service:web", "eni-db", "tcp/5432", 0,
				   v),
		     -EINVAL);
	cr_expect(has(sgreach_verdict_error(v), "several clusters have a "
						"service web; select one as "
						"service:CLUSTER/web"),
		  "%s", sgreach_verdict_error(v));
	cr_expect_eq(sgreach_query(m, "service:qa/web", "eni-db", "tcp/5432", 0,
				   v),
		     -ENOENT);
	sgreach_verdict_free(v);
	sgreach_model_free(m);
}

Test(clusters, one_cluster_keeps_the_short_name)
{
	sgreach_model *m = base();
	sgreach_verdict *v = sgreach_verdict_new();
	const char *out;

	service(m, "prod/web", "sg-web-prod");
	task(m, "arn:aws:ecs:r:1:task/prod/p1", "eni-p1", "prod/web");
	cr_assert_eq(sgreach_model_finalize(m), 0);
	expect_says(m, v, "service:web", SGREACH_ALLOWED,
		    "service web (1 task address)");
	ask(m, v, "service:prod/web", SGREACH_ALLOWED);
	ask(m, v, "eni-p1", SGREACH_ALLOWED);
	out = sgreach_verdict_render(v, SGREACH_FORMAT_JSON);
	cr_expect(has(out, "\"service\":\"web\""), "%s", out);
	sgreach_verdict_free(v);
	sgreach_model_free(m);
}

/* One service (id svc, group) and one task on eni naming task_svc: the
 * task joins the service, and no second service is made for it; sel then
 * gets want, in a text saying what. */
static void expect_joined(const char *svc, const char *group,
			  const char *task_svc, const char *eni,
			  const char *sel, sgreach_result want,
			  const char *what)
{
	sgreach_model *m = base();
	sgreach_verdict *v = sgreach_verdict_new();

	service(m, svc, group);
	task(m, "arn:aws:ecs:r:1:task/t1", eni, task_svc);
	cr_assert_eq(sgreach_model_finalize(m), 0);
	cr_expect_eq(sgreach_model_count(m, SGREACH_COUNT_ENDPOINTS), 5,
		     "%s, %s: no second service was made for the task", svc,
		     task_svc);
	expect_says(m, v, sel, want, what);
	sgreach_verdict_free(v);
	sgreach_model_free(m);
}

/* Tasks know their cluster (clusterArn); a service from a Terraform plan
 * may not: the two meet by name. */
Test(clusters, task_with_its_cluster_joins_a_service_without)
{
	expect_joined("web", "sg-web-prod", "prod/web", "eni-p1", "service:web",
		      SGREACH_ALLOWED, "service web (1 task address)");
}

Test(clusters, task_without_its_cluster_joins_the_one_service_of_its_name)
{
	expect_joined("staging/web", "sg-web-staging", "web", "eni-s1",
		      "service:staging/web", SGREACH_DENIED,
		      "service web (1 task address)");
}

/* prod/web and its task p1 on eni-p1, a second service `other` of name
 * web, and a task x1 on eni-s1 that names "web" without its cluster. */
static sgreach_model *web_and(const char *other, const char *group)
{
	sgreach_model *m = base();

	service(m, "prod/web", "sg-web-prod");
	service(m, other, group);
	task(m, "arn:aws:ecs:r:1:task/prod/p1", "eni-p1", "prod/web");
	task(m, "arn:aws:ecs:r:1:task/x1", "eni-s1", "web");
	cr_assert_eq(sgreach_model_finalize(m), 0);
	return m;
}

Test(clusters, task_without_its_cluster_and_two_candidates_joins_none)
{
	sgreach_model *m = web_and("staging/web", "sg-web-staging");
	sgreach_verdict *v = sgreach_verdict_new();

	cr_expect(has_warning(m, "task arn:aws:ecs:r:1:task/x1 names service "
				 "web without its cluster, and several "
				 "clusters have one"),
		  "the task's lost service is said");
	expect_says(m, v, "service:prod/web", SGREACH_ALLOWED,
		    "(1 task address)");
	/* staging/web has no task: its addresses are its subnets', none. */
	expect_says(m, v, "x1", SGREACH_DENIED, "eni-s1 (task web/x1");
	sgreach_verdict_free(v);
	sgreach_model_free(m);
}

/* A service loaded without its cluster beside one of its name that has
 * one: service:NAME is the former's id and selects it; the other is
 * service:CLUSTER/NAME.  Each is selectable by the name output gives it. */
Test(clusters, service_without_a_cluster_keeps_its_name)
{
	sgreach_model *m = web_and("web", "sg-web-staging");
	sgreach_verdict *v = sgreach_verdict_new();

	expect_says(m, v, "service:web", SGREACH_DENIED,
		    "service web (1 task address)");
	expect_says(m, v, "service:prod/web", SGREACH_ALLOWED,
		    "service prod/web (1 task address)");
	cr_expect_eq(sgreach_model_warning_count(m), 0, "%s",
		     sgreach_model_warning(m, 0));
	sgreach_verdict_free(v);
	sgreach_model_free(m);
}

/* Whatever the order of the tasks: a task without its cluster never makes
 * a service that takes in the tasks of clusters that have their own. */
Test(clusters, task_without_its_cluster_first_takes_in_no_cluster)
{
	sgreach_model *m = base();
	sgreach_verdict *v = sgreach_verdict_new();

	task(m, "arn:aws:ecs:r:1:task/x1", "eni-p2", "web");
	task(m, "arn:aws:ecs:r:1:task/prod/p1", "eni-p1", "prod/web");
	task(m, "arn:aws:ecs:r:1:task/staging/s1", "eni-s1", "staging/web");
	cr_assert_eq(sgreach_model_finalize(m), 0);
	expect_says(m, v, "service:prod/web", SGREACH_ALLOWED,
		    "service prod/web (1 task address)");
	expect_says(m, v, "service:staging/web", SGREACH_DENIED,
		    "service staging/web (1 task address)");
	cr_expect(has_warning(m, "task/x1 names service web without"),
		  "x1's service is ambiguous, and said to be");
	cr_expect_eq(sgreach_model_count(m, SGREACH_COUNT_ENDPOINTS), 6,
		     "four interfaces and two services");
	sgreach_verdict_free(v);
	sgreach_model_free(m);
}

/* diff matches a service across models by cluster and name, so a second
 * cluster's service of the same name changes nothing about the first. */
Test(clusters, diff_matches_services_by_cluster)
{
	sgreach_model *old = base(), *new = two_clusters();
	sgreach_verdict *v = sgreach_verdict_new();
	const char *out = NULL;
	int gained = -1;

	service(old, "prod/web", "sg-web-prod");
	task(old, "arn:aws:ecs:r:1:task/prod/p1", "eni-p1", "prod/web");
	task(old, "arn:aws:ecs:r:1:task/prod/p2", "eni-p2", "prod/web");
	cr_assert_eq(sgreach_model_finalize(old), 0);
	cr_assert_eq(sgreach_diff(old, new, 0, SGREACH_FORMAT_TEXT, v, &out,
				  &gained),
		     0, "%s", sgreach_verdict_error(v));
	/* prod/web is "web" in the old model and "prod/web" in the new, and
	 * the same service: nothing of it changed.  staging/web is new. */
	cr_expect(!has(out, "service:web"), "%s", out);
	cr_expect(!has(out, "service:prod/web"), "%s", out);
	cr_expect(has(out, "gained service:staging/web -> internet"), "%s",
		  out);
	sgreach_verdict_free(v);
	sgreach_model_free(old);
	sgreach_model_free(new);
}

/* "service:*" in an assertion stands for each service as it is selected:
 * with its cluster when the name is shared. */
Test(clusters, check_wildcard_names_each_service)
{
	static const char assertions[] = "service:* eni-db tcp/5432 allowed\n";
	sgreach_model *m = two_clusters();
	sgreach_verdict *v = sgreach_verdict_new();
	const char *out = NULL;
	int failed = -1;

	cr_assert_eq(sgreach_check(m, assertions, sizeof(assertions) - 1,
				   "t", 0, SGREACH_FORMAT_TEXT, v, &out,
				   &failed),
		     0, "%s", sgreach_verdict_error(v));
	cr_expect_eq(failed, 1, "%s", out);
	cr_expect(has(out, "service:staging/web"), "%s", out);
	sgreach_verdict_free(v);
	sgreach_model_free(m);
}

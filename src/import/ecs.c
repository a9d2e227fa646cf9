/*
 * ecs.c - `aws ecs describe-tasks` and `aws ecs describe-services`.
 *
 * A task in awsvpc mode runs on its own network interface, named in its
 * ElasticNetworkInterface attachment; tasks join interfaces by id.  A
 * service's network configuration gives the groups and subnets any of its
 * tasks will have.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "import/importers.h"
#include "model.h"

#define FOR_EACH_ITEM(list, i, it)                                             \
	for ((i) = 0, (it) = (list) ? (list)->child : NULL; (it);              \
	     (it) = (it)->next, (i)++)

/* Finds details[].value for details[].name == name. */
static int attachment_detail(struct jreader *r, const struct jpath *at,
			     const cJSON *details, const char *name,
			     const char **out)
{
	const cJSON *d;
	size_t i;
	int rc;

	*out = NULL;
	FOR_EACH_ITEM(details, i, d)
	{
		struct jpath dp = JPATH_INDEX(at, i);
		const char *n, *v = NULL;

		if ((rc = json_expect_object(r, &dp, d)) ||
		    (rc = json_req_string(r, &dp, d, "name", &n)) ||
		    (rc = json_opt_string(r, &dp, d, "value", &v)) < 0)
			return rc;
		if (!strcmp(n, name))
			*out = v;
	}
	return 0;
}

const char *import_service_id(char *buf, size_t size, const char *cluster,
			      const char *name)
{
	const char *slash = cluster ? strrchr(cluster, '/') : NULL;
	int n;

	if (slash)
		cluster = slash + 1;
	if (strlen(name) > 255 || (cluster && strlen(cluster) > 255))
		return NULL;
	if (!cluster || !*cluster)
		n = snprintf(buf, size, "%s", name);
	else
		n = snprintf(buf, size, "%s/%s", cluster, name);
	return n >= 0 && (size_t)n < size ? buf : NULL;
}

int import_ecs_tasks(sgreach_model *m, struct jreader *r,
		     const struct jpath *at, const cJSON *list)
{
	const cJSON *t;
	size_t i;
	int rc;

	FOR_EACH_ITEM(list, i, t)
	{
		struct jpath tp = JPATH_INDEX(at, i);
		struct jpath ap = JPATH_KEY(&tp, "attachments");
		const char *arn, *group = NULL, *status = NULL, *eni = NULL;
		const char *service = NULL, *cluster = NULL;
		char sid[SERVICE_ID_MAX];
		const cJSON *atts, *a;
		size_t k;

		if ((rc = json_expect_object(r, &tp, t)) ||
		    (rc = json_req_string(r, &tp, t, "taskArn", &arn)) ||
		    (rc = json_opt_string(r, &tp, t, "group", &group)) < 0 ||
		    (rc = json_opt_string(r, &tp, t, "lastStatus", &status)) <
			0 ||
		    (rc = json_opt_string(r, &tp, t, "clusterArn", &cluster)) <
			0 ||
		    (rc = json_opt_array(r, &tp, t, "attachments", &atts)) < 0)
			return rc;
		/* A stopped task holds no interface any more. */
		if (status && !strcmp(status, "STOPPED"))
			continue;
		FOR_EACH_ITEM(atts, k, a)
		{
			struct jpath xp = JPATH_INDEX(&ap, k);
			struct jpath dp = JPATH_KEY(&xp, "details");
			const char *type = NULL, *astatus = NULL, *id;
			const cJSON *details;

			if ((rc = json_expect_object(r, &xp, a)) ||
			    (rc = json_opt_string(r, &xp, a, "type", &type)) <
				0 ||
			    (rc = json_opt_string(r, &xp, a, "status",
						  &astatus)) < 0 ||
			    (rc = json_opt_array(r, &xp, a, "details",
						 &details)) < 0)
				return rc;
			if (!type || strcmp(type, "ElasticNetworkInterface") ||
			    (astatus && !strcmp(astatus, "DELETED")))
				continue;
			if ((rc = attachment_detail(r, &dp, details,
						    "networkInterfaceId", &id)))
				return rc;
			if (id)
				eni = id;
		}
		if (!eni) {
			if (model_warn(m,
				       "task %s has no attached "
				       "network interface (not "
				       "awsvpc, or not started); "
				       "skipped",
				       arn))
				return -ENOMEM;
			continue;
		}
		if (group && !strncmp(group, "service:", 8) && group[8] &&
		    !(service = import_service_id(sid, sizeof(sid), cluster,
						  group + 8)))
			return json_fail(r, &tp, "group", SERVICE_ID_EXPECTED);
		if ((rc = sgreach_model_add_task(m, arn, eni, service)))
			return import_add_failed(m, r, &tp, "taskArn", rc);
	}
	return 0;
}

/* Adds every string of list (at path at/key) to endpoint `name` with add:
 * a service's subnets and its security groups, both by reference. */
static int add_id_list(sgreach_model *m, struct jreader *r,
		       const struct jpath *at, const char *key,
		       const cJSON *list, const char *name,
		       int (*add)(sgreach_model *, const char *, const char *))
{
	struct jpath lp = JPATH_KEY(at, key);
	const cJSON *x;
	size_t k;
	int rc;

	FOR_EACH_ITEM(list, k, x)
	{
		struct jpath ip = JPATH_INDEX(&lp, k);
		const char *id;

		if ((rc = json_expect_string(r, &ip, x, &id)))
			return rc;
		if ((rc = add(m, name, id)))
			return import_add_failed(m, r, &ip, NULL, rc);
	}
	return 0;
}

int import_ecs_services(sgreach_model *m, struct jreader *r,
			const struct jpath *at, const cJSON *list)
{
	const cJSON *s;
	size_t i;
	int rc;

	FOR_EACH_ITEM(list, i, s)
	{
		struct jpath sp = JPATH_INDEX(at, i);
		struct jpath np = JPATH_KEY(&sp, "networkConfiguration");
		struct jpath vp = JPATH_KEY(&np, "awsvpcConfiguration");
		const char *name, *arn = NULL, *public_ip = NULL;
		const char *cluster = NULL, *status = NULL, *id;
		const cJSON *net = NULL, *vpc = NULL, *subnets, *groups;
		char sid[SERVICE_ID_MAX];

		if ((rc = json_expect_object(r, &sp, s)) ||
		    (rc = json_req_string(r, &sp, s, "serviceName", &name)) ||
		    (rc = json_opt_string(r, &sp, s, "serviceArn", &arn)) < 0 ||
		    (rc = json_opt_string(r, &sp, s, "clusterArn", &cluster)) <
			0 ||
		    (rc = json_opt_string(r, &sp, s, "status", &status)) < 0 ||
		    (rc = json_opt_object(r, &sp, s, "networkConfiguration",
					  &net)) < 0)
			return rc;
		if (!(id = import_service_id(sid, sizeof(sid), cluster, name)))
			return json_fail(r, &sp, "serviceName",
					 SERVICE_ID_EXPECTED);
		/* A deleted service: describe-services still lists it, but it
		 * runs nothing and never will (DRAINING ones still have
		 * tasks). */
		if (status && !strcmp(status, "INACTIVE")) {
			if (model_warn(m,
				       "service %s is INACTIVE (deleted); "
				       "skipped",
				       id))
				return -ENOMEM;
			continue;
		}
		if (net && (rc = json_opt_object(
				r, &np, net, "awsvpcConfiguration", &vpc)) < 0)
			return rc;
		if (!vpc) {
			if (model_warn(m,
				       "service %s has no awsvpc "
				       "network configuration; "
				       "skipped",
				       id))
				return -ENOMEM;
			continue;
		}
		if ((rc = json_opt_array(r, &vp, vpc, "subnets", &subnets)) <
			0 ||
		    (rc = json_opt_array(r, &vp, vpc, "securityGroups",
					 &groups)) < 0 ||
		    (rc = json_opt_string(r, &vp, vpc, "assignPublicIp",
					  &public_ip)) < 0)
			return rc;
		rc = sgreach_model_add_endpoint(m, id, SGREACH_ENDPOINT_SERVICE,
						NULL, NULL, arn);
		if (rc)
			return import_add_failed(m, r, &sp, "serviceName", rc);
		/* Its tasks get public addresses: exposure needs to know. */
		if (public_ip && strcmp(public_ip, "ENABLED") == 0 &&
		    (rc = sgreach_model_set_endpoint_public(m, id, 1)))
			return import_add_failed(m, r, &vp, "assignPublicIp",
						 rc);
		if ((rc = add_id_list(m, r, &vp, "subnets", subnets, id,
				      sgreach_model_add_endpoint_subnet)) ||
		    (rc = add_id_list(m, r, &vp, "securityGroups", groups, id,
				      sgreach_model_add_endpoint_group)))
			return rc;
	}
	return 0;
}

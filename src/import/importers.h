/*
 * importers.h - one function per accepted document family.  Each reads a
 * parsed document and adds to the model through the public add functions
 * only, so loading a file and building a model in code are one path.
 * Each returns 0 or a negative errno, with the message (file and JSON path)
 * in r->err.
 */
#ifndef SGREACH_IMPORTERS_H
#define SGREACH_IMPORTERS_H

#include <cjson/cJSON.h>

#include "sgreach.h"
#include "import/json.h"

/* Reads all of fd (a file of `hint` bytes, 0 if unknown) into a new buffer
 * of at most `limit` bytes: a document of exactly `limit` bytes is read,
 * one byte more is -E2BIG (message in m naming `name`).  load.c calls it
 * with JSON_MAX_BYTES; the tests with small limits. */
int load_read_fd(sgreach_model *m, const char *name, int fd, size_t hint,
		 size_t limit, char **out, size_t *outlen);

/* One handler per recognised top-level key of an AWS CLI document; `list`
 * is the value of that key and `at` its path. */
typedef int (*aws_import_fn)(sgreach_model *m, struct jreader *r,
			     const struct jpath *at, const cJSON *list);

int import_aws_security_groups(sgreach_model *m, struct jreader *r,
			       const struct jpath *at, const cJSON *list);
int import_aws_security_group_rules(sgreach_model *m, struct jreader *r,
				    const struct jpath *at, const cJSON *list);
int import_aws_network_interfaces(sgreach_model *m, struct jreader *r,
				  const struct jpath *at, const cJSON *list);
int import_aws_subnets(sgreach_model *m, struct jreader *r,
		       const struct jpath *at, const cJSON *list);
int import_aws_vpcs(sgreach_model *m, struct jreader *r, const struct jpath *at,
		    const cJSON *list);
int import_aws_prefix_lists(sgreach_model *m, struct jreader *r,
			    const struct jpath *at, const cJSON *list);
int import_aws_peerings(sgreach_model *m, struct jreader *r,
			const struct jpath *at, const cJSON *list);
/* get-managed-prefix-list-entries prints no id: the caller passes the id it
 * found in the file name. */
int import_aws_prefix_list_entries(sgreach_model *m, struct jreader *r,
				   const struct jpath *at, const cJSON *list,
				   const char *prefix_list_id);

int import_ecs_tasks(sgreach_model *m, struct jreader *r,
		     const struct jpath *at, const cJSON *list);
int import_ecs_services(sgreach_model *m, struct jreader *r,
			const struct jpath *at, const cJSON *list);

/* terraform show -json: a state or a plan document (the whole root). */
int import_terraform_state(sgreach_model *m, struct jreader *r,
			   const cJSON *root);
int import_terraform_plan(sgreach_model *m, struct jreader *r,
			  const cJSON *root);

/*
 * A service's endpoint id: "CLUSTER/NAME" when cluster (a cluster's ARN or
 * name) is known, else NAME, so that services of the same name in two
 * clusters stay two.  Into buf; NULL when either name is longer than ECS
 * allows (255 characters) or buf is too small.
 */
const char *import_service_id(char *buf, size_t size, const char *cluster,
			      const char *name);
#define SERVICE_ID_MAX 512 /* ECS names: 255 characters at most */
/* What a failed import_service_id() expected, for json_fail(). */
#define SERVICE_ID_EXPECTED                                                    \
	"expected a cluster and a service name of at most 255 characters each"

/* Maps a failed add (rc) to an error at path at/key: the model's message,
 * prefixed with the file and JSON path.  Returns rc. */
int import_add_failed(sgreach_model *m, struct jreader *r,
		      const struct jpath *at, const char *key, int rc);

#endif

/*
 * terraform.h - what terraform.c (resources) and terraform_refs.c (values
 * and the references of a plan's configuration) share.  Private to them.
 */
#ifndef SGREACH_IMPORT_TERRAFORM_H
#define SGREACH_IMPORT_TERRAFORM_H

#include <stddef.h>

#include "import/importers.h"

#define FOR_EACH_ITEM(list, i, it)                                             \
	for ((i) = 0, (it) = (list) ? (list)->child : NULL; (it);              \
	     (it) = (it)->next, (i)++)

#define TF_MAX_MODULE_DEPTH 32	/* child_modules nesting */
#define TF_MAX_REF_DEPTH    16	/* variables and outputs followed */
#define TF_MAX_IDS	    64	/* ids one attribute may resolve to */
#define TF_PREFIX_MAX	    512 /* "module.a[0].module.b." */

/* What an id-valued attribute names, and the resource types that make it. */
enum tf_kind {
	TF_GROUP,
	TF_SUBNET,
	TF_VPC,
	TF_PLIST,
	TF_ENI,
	TF_CLUSTER, /* an ECS cluster, named by its name: "CLUSTER/NAME" */
	TF_KINDS
};

struct tf_res {
	const char *address, *type;
	const cJSON *values;
};

struct tf_str {
	struct tf_str *next;
	char s[];
};

struct tf {
	sgreach_model *m;
	struct jreader *r;
	int plan;
	const cJSON *config; /* configuration.root_module, plans only */
	struct tf_res *res;
	size_t nres, cap;
	struct tf_str *strs;
	size_t cursor; /* passes 1 and 2 meet res[] in the order of pass 0 */
	size_t ignored;
	char ignored_types[200];
};

/* One resource being imported: where it is and what it holds. */
struct tf_item {
	const struct tf_res *res;
	const struct jpath *at; /* path of its "values" */
};

/* The ids an attribute names.  ambiguous: some of it could not be
 * attributed; why then lists the references, for the unknown peer. */
struct tf_ids {
	const char *id[TF_MAX_IDS];
	size_t n;
	size_t nknown; /* id[0..nknown) were written in the document */
	int ambiguous;
	/* The expression also feeds other attributes (inline blocks share
	 * one): ids of other kinds and other attributes are theirs. */
	int shared_expr;
	char why[384];
};

/* Strings that live as long as the import; NULL when out of memory. */
const char *tf_printf(struct tf *tf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Frees the strings and the resource index. */
void tf_free(struct tf *tf);

/* In a plan an absent attribute is one Terraform cannot know before
 * apply. */
int tf_is_unknown(const struct tf *tf, const cJSON *obj, const char *key);
/* The id a resource will have: its id when known, else its address. */
const char *tf_res_id(const struct tf_res *res);
/* Whether the configuration sets a top-level attribute of res: 1, 0, or
 * -1 when the configuration of the resource is missing. */
int tf_config_sets(const struct tf *tf, const struct tf_res *res,
		   const char *attr);

/* The references of top-level attribute attr of res, as written, for a
 * reason ("var.x, aws_vpc.main.cidr_block").  0 or -ENOMEM. */
int tf_expr_refs(struct tf *tf, const struct tf_res *res, const char *attr,
		 char *buf, size_t size);

/* A list of ids at obj[key] (known, and in a plan attributed through the
 * expression of attr, in nested block `block` if not NULL).  0 or a
 * negative errno. */
int tf_read_id_list(struct tf *tf, const struct tf_item *it,
		    const struct jpath *at, const cJSON *obj, const char *key,
		    const char *block, const char *attr, enum tf_kind kind,
		    int shared, struct tf_ids *out);
/* One id at obj[key]: 1 with *id, 0 when null, 2 when not attributable
 * (out->why; out->id[] holds the resources it could be), or a negative
 * errno. */
int tf_read_id(struct tf *tf, const struct tf_item *it, const struct jpath *at,
	       const cJSON *obj, const char *key, enum tf_kind kind,
	       const char **id, struct tf_ids *out);

#endif

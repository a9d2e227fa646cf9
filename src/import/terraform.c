/*
 * terraform.c - `terraform show -json` of a state or a plan (spec section 7).
 *
 * Resources are found in values.root_module (state) or planned_values
 * .root_module (plan) and, recursively, in child_modules[].  Everything is
 * added through the public add functions, so a Terraform document and a
 * model built in code are one path.
 *
 * A plan leaves unknown what apply will compute: the ids of groups, subnets
 * and VPCs not created yet.  Terraform omits an unknown attribute from
 * planned_values and writes an unknown list element as null.  Such a value
 * is attributed through the configuration's `references` to the resource
 * address, which then serves as the id ("aws_security_group.alb"), following
 * module variables and outputs.  When the references do not name exactly
 * what the value holds (a conditional, a count.index, a local), the rule is
 * added with an unknown peer naming the expression: verdicts that depend on
 * it are `unknown`, never a guess.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/json_msg.h"
#include "import/terraform.h"
#include "model.h" /* model_warn() */

/* Errors from the JSON getters name the file and path; the resource
 * address makes them findable in a large state.  The address is the
 * document's: scrubbed of control characters, as the rest of the message
 * is (json_msg.h). */
static int blame(struct tf *tf, const char *address, int rc)
{
	size_t len = strlen(tf->r->err);
	struct sink s;

	if (rc != -ENOMEM && address && len + 1 < tf->r->errsize) {
		sink_init(&s, tf->r->err + len, tf->r->errsize - len);
		sink_printf(&s, " (resource %s)", address);
		sink_scrub(&s);
	}
	return rc;
}

static int add_failed(struct tf *tf, const struct jpath *at, const char *key,
		      int rc)
{
	return import_add_failed(tf->m, tf->r, at, key, rc);
}

/* -------------------------------------------------------------- rules -- */

struct tf_perm {
	const char *protocol;
	long from, to;
	const char *rule_id, *desc;
	const char *unknown; /* what of protocol/ports is not known, or NULL */
};

static int add_rule(struct tf *tf, const struct jpath *at, const char *key,
		    const char *gid, sgreach_direction dir,
		    const struct tf_perm *p, sgreach_peer_kind kind,
		    const char *peer)
{
	int rc;

	rc = sgreach_model_add_rule(tf->m, gid, dir, p->protocol, (int)p->from,
				    (int)p->to, kind, peer, p->rule_id, p->desc,
				    0);
	return rc ? add_failed(tf, at, key, rc) : 0;
}

/* A rule whose peer apply will decide: verdicts it could change are
 * `unknown`, with this text as the reason. */
static int add_unknown(struct tf *tf, const struct tf_item *it,
		       const struct jpath *at, const char *key, const char *gid,
		       sgreach_direction dir, const struct tf_perm *p,
		       const char *attr, const char *why)
{
	const char *peer;

	peer = tf_printf(tf, "%s: %s not known until apply%s%s%s",
			 it->res->address, attr, why && *why ? " (" : "",
			 why && *why ? why : "", why && *why ? ")" : "");
	if (!peer)
		return -ENOMEM;
	return add_rule(tf, at, key, gid, dir, p, SGREACH_PEER_UNKNOWN, peer);
}

/* Reads protocol and ports (keys differ between rule shapes); a plan may
 * leave them unknown: the rule then covers everything, peer unknown. */
static int read_perm(struct tf *tf, const struct jpath *at, const cJSON *obj,
		     const char *proto_key, struct tf_perm *p)
{
	int rc;

	memset(p, 0, sizeof(*p));
	p->from = p->to = -1;
	if (tf_is_unknown(tf, obj, proto_key)) {
		p->protocol = "-1";
		p->unknown = proto_key;
		return 0;
	}
	if ((rc = json_req_string(tf->r, at, obj, proto_key, &p->protocol)))
		return rc;
	if (tf_is_unknown(tf, obj, "from_port") ||
	    tf_is_unknown(tf, obj, "to_port")) {
		p->unknown = "from_port/to_port";
		return 0;
	}
	if ((rc = json_opt_int(tf->r, at, obj, "from_port", -1, 65535,
			       &p->from)) < 0 ||
	    (rc = json_opt_int(tf->r, at, obj, "to_port", -1, 65535, &p->to)) <
		0 ||
	    (rc = json_opt_string(tf->r, at, obj, "description", &p->desc)) <
		0 ||
	    (rc = json_opt_string(tf->r, at, obj, "security_group_rule_id",
				  &p->rule_id)) < 0)
		return rc;
	if (p->desc && !*p->desc)
		p->desc = NULL;
	if (p->rule_id && !*p->rule_id)
		p->rule_id = NULL;
	return 0;
}

/* cidr_blocks / ipv6_cidr_blocks: one rule per CIDR. */
/* expr_attr: the top-level attribute whose expression computes it. */
static int add_cidr_list(struct tf *tf, const struct tf_item *it,
			 const struct jpath *at, const cJSON *obj,
			 const char *key, const char *expr_attr,
			 const char *gid, sgreach_direction dir,
			 const struct tf_perm *p)
{
	char why[384];
	struct jpath lp = JPATH_KEY(at, key);
	const cJSON *list, *x;
	int rc, unknown = tf_is_unknown(tf, obj, key);
	size_t i;

	if ((rc = json_opt_array(tf->r, at, obj, key, &list)) < 0)
		return rc;
	FOR_EACH_ITEM(list, i, x)
	{
		struct jpath ip = JPATH_INDEX(&lp, i);
		const char *cidr;

		if (tf->plan && cJSON_IsNull(x)) {
			unknown = 1;
			continue;
		}
		if ((rc = json_expect_string(tf->r, &ip, x, &cidr)) ||
		    (rc = add_rule(tf, &ip, NULL, gid, dir, p,
				   SGREACH_PEER_CIDR, cidr)))
			return rc;
	}
	if (!unknown)
		return 0;
	if ((rc = tf_expr_refs(tf, it->res, expr_attr, why, sizeof(why))))
		return rc;
	return add_unknown(tf, it, at, key, gid, dir, p, key, why);
}

/* The group or prefix-list peers of a rule, as resolved. */
static int add_id_peers(struct tf *tf, const struct tf_item *it,
			const struct jpath *at, const char *key,
			const char *gid, sgreach_direction dir,
			const struct tf_perm *p, sgreach_peer_kind kind,
			const struct tf_ids *ids)
{
	size_t i, n = ids->ambiguous ? ids->nknown : ids->n;
	int rc;

	for (i = 0; i < n; i++)
		if ((rc = add_rule(tf, at, key, gid, dir, p, kind, ids->id[i])))
			return rc;
	if (ids->ambiguous)
		return add_unknown(tf, it, at, key, gid, dir, p, key, ids->why);
	return 0;
}

static int has_unknown_ids(const struct tf *tf, const cJSON *blk,
			   const char *key)
{
	const cJSON *l = json_get(blk, key), *x;

	if (tf_is_unknown(tf, blk, key))
		return 1;
	if (!tf->plan || !cJSON_IsArray(l))
		return 0;
	for (x = l->child; x; x = x->next)
		if (cJSON_IsNull(x))
			return 1;
	return 0;
}

/* The inline ingress or egress blocks of aws_security_group and
 * aws_default_security_group. */
static int import_inline(struct tf *tf, const struct tf_item *it,
			 const char *gid, const char *key,
			 sgreach_direction dir)
{
	struct jpath lp = JPATH_KEY(it->at, key);
	const cJSON *list, *blk;
	size_t i, nunk[2] = {0, 0};
	int rc;

	if (tf_is_unknown(tf, it->res->values, key)) {
		struct tf_perm all = {"-1", -1, -1, NULL, NULL, NULL};

		/* ingress/egress are optional and computed: left out of the
		 * configuration, the provider creates the group without them
		 * (it revokes AWS's default egress rule). */
		if (!tf_config_sets(tf, it->res, key))
			return 0;
		return add_unknown(tf, it, it->at, key, gid, dir, &all, key,
				   NULL);
	}
	if ((rc = json_opt_array(tf->r, it->at, it->res->values, key, &list)) <
	    0)
		return rc;
	/* One expression covers every block: it attributes an unknown list
	 * only when a single block has one. */
	FOR_EACH_ITEM(list, i, blk)
	{
		nunk[0] += has_unknown_ids(tf, blk, "security_groups");
		nunk[1] += has_unknown_ids(tf, blk, "prefix_list_ids");
	}
	FOR_EACH_ITEM(list, i, blk)
	{
		struct jpath bp = JPATH_INDEX(&lp, i);
		struct tf_perm p;
		struct tf_ids ids;
		int self = 0;

		if ((rc = json_expect_object(tf->r, &bp, blk)) ||
		    (rc = read_perm(tf, &bp, blk, "protocol", &p)))
			return rc;
		if (p.unknown) {
			if ((rc = add_unknown(tf, it, &bp, NULL, gid, dir, &p,
					      p.unknown, NULL)))
				return rc;
			continue;
		}
		if ((rc = add_cidr_list(tf, it, &bp, blk, "cidr_blocks", key,
					gid, dir, &p)) ||
		    (rc = add_cidr_list(tf, it, &bp, blk, "ipv6_cidr_blocks",
					key, gid, dir, &p)) ||
		    (rc = tf_read_id_list(tf, it, &bp, blk, "prefix_list_ids",
					  NULL, key, TF_PLIST, nunk[1] > 1,
					  &ids)) ||
		    (rc = add_id_peers(tf, it, &bp, "prefix_list_ids", gid, dir,
				       &p, SGREACH_PEER_PREFIX_LIST, &ids)) ||
		    (rc = tf_read_id_list(tf, it, &bp, blk, "security_groups",
					  NULL, key, TF_GROUP, nunk[0] > 1,
					  &ids)) ||
		    (rc = add_id_peers(tf, it, &bp, "security_groups", gid, dir,
				       &p, SGREACH_PEER_GROUP, &ids)))
			return rc;
		if (tf_is_unknown(tf, blk, "self")) {
			rc = add_unknown(tf, it, &bp, "self", gid, dir, &p,
					 "self", NULL);
		} else if ((rc = json_opt_bool(tf->r, &bp, blk, "self",
					       &self)) >= 0) {
			rc = self ? add_rule(tf, &bp, "self", gid, dir, &p,
					     SGREACH_PEER_GROUP, gid)
				  : 0;
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* An id a plan cannot attribute, where the object is still useful without
 * it (a group without its VPC): said once, not guessed.  rc is
 * tf_read_id()'s. */
static int warn_unattributed(struct tf *tf, const struct tf_item *it,
			     const char *attr, const struct tf_ids *ids, int rc)
{
	if (rc != 2)
		return rc < 0 ? rc : 0;
	return model_warn(tf->m, "%s: %s not known until apply (%s); left out",
			  it->res->address, attr, ids->why)
		   ? -ENOMEM
		   : 0;
}

static int import_group(struct tf *tf, const struct tf_item *it)
{
	const cJSON *v = it->res->values;
	const char *gid = tf_res_id(it->res), *name = NULL, *vpc;
	struct tf_ids ids;
	int rc;

	if ((rc = json_opt_string(tf->r, it->at, v, "name", &name)) < 0)
		return rc;
	rc = tf_read_id(tf, it, it->at, v, "vpc_id", TF_VPC, &vpc, &ids);
	if ((rc = warn_unattributed(tf, it, "vpc_id", &ids, rc)))
		return rc;
	if (!strcmp(it->res->type, "aws_default_security_group") &&
	    (!name || !*name))
		name = "default";
	/* Complete: Terraform manages the whole rule set, and removes AWS's
	 * default egress rule from a group that declares none. */
	rc = sgreach_model_add_group(tf->m, gid, name, vpc,
				     SGREACH_GROUP_COMPLETE);
	return rc ? add_failed(tf, it->at, "id", rc) : 0;
}

static int import_group_rules(struct tf *tf, const struct tf_item *it)
{
	const char *gid = tf_res_id(it->res);
	int rc;

	if ((rc = import_inline(tf, it, gid, "ingress", SGREACH_INGRESS)))
		return rc;
	return import_inline(tf, it, gid, "egress", SGREACH_EGRESS);
}

/* A rule resource whose own group apply will decide: each group it could
 * belong to gets an unknown rule for its protocol and ports. */
static int add_to_candidates(struct tf *tf, const struct tf_item *it,
			     sgreach_direction dir, const struct tf_perm *p,
			     const struct tf_ids *owner)
{
	size_t i;
	int rc;

	if (!owner->n)
		return model_warn(tf->m,
				  "%s: security_group_id not known until "
				  "apply (%s); rule not attributed to any "
				  "group",
				  it->res->address, owner->why)
			   ? -ENOMEM
			   : 0;
	for (i = 0; i < owner->n; i++)
		if ((rc = add_unknown(tf, it, it->at, "security_group_id",
				      owner->id[i], dir, p, "security_group_id",
				      owner->why)))
			return rc;
	return 0;
}

/* aws_security_group_rule */
static int import_sg_rule(struct tf *tf, const struct tf_item *it)
{
	const cJSON *v = it->res->values;
	const char *type, *gid, *src;
	sgreach_direction dir;
	struct tf_perm p;
	struct tf_ids ids;
	int rc, self = 0, npeers = 0, has_src;

	if ((rc = json_req_string(tf->r, it->at, v, "type", &type)))
		return rc;
	if (!strcmp(type, "ingress"))
		dir = SGREACH_INGRESS;
	else if (!strcmp(type, "egress"))
		dir = SGREACH_EGRESS;
	else
		return json_fail(tf->r, it->at, "type",
				 "expected \"ingress\" or \"egress\", got "
				 "\"%s\"",
				 type);
	if ((rc = read_perm(tf, it->at, v, "protocol", &p)))
		return rc;
	rc = tf_read_id(tf, it, it->at, v, "security_group_id", TF_GROUP, &gid,
			&ids);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return json_fail(tf->r, it->at, "security_group_id",
				 "expected a group id, got null");
	if (rc == 2)
		return add_to_candidates(tf, it, dir, &p, &ids);
	if (p.unknown)
		return add_unknown(tf, it, it->at, NULL, gid, dir, &p,
				   p.unknown, NULL);
	if ((rc = add_cidr_list(tf, it, it->at, v, "cidr_blocks", "cidr_blocks",
				gid, dir, &p)) ||
	    (rc = add_cidr_list(tf, it, it->at, v, "ipv6_cidr_blocks",
				"ipv6_cidr_blocks", gid, dir, &p)) ||
	    (rc = tf_read_id_list(tf, it, it->at, v, "prefix_list_ids", NULL,
				  "prefix_list_ids", TF_PLIST, 0, &ids)) ||
	    (rc = add_id_peers(tf, it, it->at, "prefix_list_ids", gid, dir, &p,
			       SGREACH_PEER_PREFIX_LIST, &ids)))
		return rc;
	rc = tf_read_id(tf, it, it->at, v, "source_security_group_id", TF_GROUP,
			&src, &ids);
	has_src = rc > 0;
	if (rc == 1)
		rc = add_rule(tf, it->at, "source_security_group_id", gid, dir,
			      &p, SGREACH_PEER_GROUP, src);
	else if (rc == 2)
		rc =
		    add_unknown(tf, it, it->at, "source_security_group_id", gid,
				dir, &p, "source_security_group_id", ids.why);
	if (rc < 0 || (rc = json_opt_bool(tf->r, it->at, v, "self", &self)) < 0)
		return rc;
	if (self && (rc = add_rule(tf, it->at, "self", gid, dir, &p,
				   SGREACH_PEER_GROUP, gid)))
		return rc;
	/* A rule resource names exactly one kind of peer. */
	npeers = cJSON_GetArraySize(json_get(v, "cidr_blocks")) +
		 cJSON_GetArraySize(json_get(v, "ipv6_cidr_blocks")) +
		 cJSON_GetArraySize(json_get(v, "prefix_list_ids")) + has_src +
		 self;
	if (!npeers && !tf->plan)
		return json_fail(tf->r, it->at, NULL,
				 "expected one of cidr_blocks, "
				 "ipv6_cidr_blocks, prefix_list_ids, "
				 "source_security_group_id or self");
	return 0;
}

/* aws_vpc_security_group_ingress_rule / _egress_rule */
static int import_vpc_rule(struct tf *tf, const struct tf_item *it)
{
	static const struct {
		const char *key;
		sgreach_peer_kind kind;
		enum tf_kind idkind;
	} peers[] = {
	    {"cidr_ipv4", SGREACH_PEER_CIDR, TF_GROUP},
	    {"cidr_ipv6", SGREACH_PEER_CIDR, TF_GROUP},
	    {"prefix_list_id", SGREACH_PEER_PREFIX_LIST, TF_PLIST},
	    {"referenced_security_group_id", SGREACH_PEER_GROUP, TF_GROUP},
	};
	const cJSON *v = it->res->values;
	sgreach_direction dir =
	    strstr(it->res->type, "egress") ? SGREACH_EGRESS : SGREACH_INGRESS;
	const char *gid;
	struct tf_perm p;
	struct tf_ids ids;
	size_t i;
	int rc, n = 0;

	if ((rc = read_perm(tf, it->at, v, "ip_protocol", &p)))
		return rc;
	rc = tf_read_id(tf, it, it->at, v, "security_group_id", TF_GROUP, &gid,
			&ids);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return json_fail(tf->r, it->at, "security_group_id",
				 "expected a group id, got null");
	if (rc == 2)
		return add_to_candidates(tf, it, dir, &p, &ids);
	if (p.unknown)
		return add_unknown(tf, it, it->at, NULL, gid, dir, &p,
				   p.unknown, NULL);
	for (i = 0; i < sizeof(peers) / sizeof(peers[0]); i++) {
		const char *key = peers[i].key, *peer = NULL;

		if (peers[i].kind == SGREACH_PEER_CIDR) {
			ids.why[0] = '\0';
			if (!tf_is_unknown(tf, v, key))
				rc = json_opt_string(tf->r, it->at, v, key,
						     &peer);
			else if (!(rc = tf_expr_refs(tf, it->res, key, ids.why,
						     sizeof(ids.why))))
				rc = 2;
			if (rc < 0)
				return rc;
		} else if ((rc = tf_read_id(tf, it, it->at, v, key,
					    peers[i].idkind, &peer, &ids)) <
			   0) {
			return rc;
		}
		if (rc == 1 && peer)
			rc = add_rule(tf, it->at, key, gid, dir, &p,
				      peers[i].kind, peer);
		else if (rc == 2)
			rc = add_unknown(tf, it, it->at, key, gid, dir, &p, key,
					 ids.why);
		else
			continue;
		if (rc)
			return rc;
		n++;
	}
	if (!n)
		return json_fail(tf->r, it->at, NULL,
				 "expected one of cidr_ipv4, cidr_ipv6, "
				 "prefix_list_id or "
				 "referenced_security_group_id");
	return 0;
}

/* --------------------------------------------------- network objects -- */

static int import_vpc(struct tf *tf, const struct tf_item *it)
{
	const cJSON *v = it->res->values;
	const char *id = tf_res_id(it->res), *cidr = NULL, *cidr6 = NULL;
	int rc;

	if ((rc = json_opt_string(tf->r, it->at, v, "cidr_block", &cidr)) < 0 ||
	    (rc = json_opt_string(tf->r, it->at, v, "ipv6_cidr_block",
				  &cidr6)) < 0)
		return rc;
	if ((rc =
		 sgreach_model_add_vpc(tf->m, id, cidr && *cidr ? cidr : NULL)))
		return add_failed(tf, it->at, "cidr_block", rc);
	if (cidr6 && *cidr6 && (rc = sgreach_model_add_vpc(tf->m, id, cidr6)))
		return add_failed(tf, it->at, "ipv6_cidr_block", rc);
	return 0;
}

/* aws_vpc_ipv4_cidr_block_association / _ipv6_: one more block. */
static int import_vpc_cidr(struct tf *tf, const struct tf_item *it)
{
	const cJSON *v = it->res->values;
	const char *key =
	    strstr(it->res->type, "ipv6") ? "ipv6_cidr_block" : "cidr_block";
	const char *vpc, *cidr = NULL;
	struct tf_ids ids;
	int rc;

	rc = tf_read_id(tf, it, it->at, v, "vpc_id", TF_VPC, &vpc, &ids);
	if (rc < 0)
		return rc;
	if (rc != 1)
		return model_warn(tf->m,
				  "%s: vpc_id not known; CIDR block "
				  "not attributed",
				  it->res->address)
			   ? -ENOMEM
			   : 0;
	if ((rc = json_opt_string(tf->r, it->at, v, key, &cidr)) < 0)
		return rc;
	if (!cidr || !*cidr)
		return 0;
	rc = sgreach_model_add_vpc(tf->m, vpc, cidr);
	return rc ? add_failed(tf, it->at, key, rc) : 0;
}

static int import_subnet(struct tf *tf, const struct tf_item *it)
{
	const cJSON *v = it->res->values;
	const char *id = tf_res_id(it->res), *vpc, *cidr = NULL, *cidr6 = NULL;
	struct tf_ids ids;
	int rc;

	rc = tf_read_id(tf, it, it->at, v, "vpc_id", TF_VPC, &vpc, &ids);
	if ((rc = warn_unattributed(tf, it, "vpc_id", &ids, rc)) ||
	    (rc = json_opt_string(tf->r, it->at, v, "cidr_block", &cidr)) < 0 ||
	    (rc = json_opt_string(tf->r, it->at, v, "ipv6_cidr_block",
				  &cidr6)) < 0)
		return rc;
	if ((rc = sgreach_model_add_subnet(tf->m, id, vpc,
					   cidr && *cidr ? cidr : NULL)))
		return add_failed(tf, it->at, "cidr_block", rc);
	if (cidr6 && *cidr6 &&
	    (rc = sgreach_model_add_subnet_cidr(tf->m, id, cidr6)))
		return add_failed(tf, it->at, "ipv6_cidr_block", rc);
	return 0;
}

static int import_prefix_list(struct tf *tf, const struct tf_item *it)
{
	const cJSON *v = it->res->values, *list, *e;
	struct jpath lp = JPATH_KEY(it->at, "entry");
	const char *id = tf_res_id(it->res), *name = NULL;
	size_t i;
	int rc;

	/* Entries apply will decide: leave the list's entries missing, so
	 * that rules naming it give `unknown`. */
	if (tf_is_unknown(tf, v, "entry"))
		return 0;
	if ((rc = json_opt_string(tf->r, it->at, v, "name", &name)) < 0 ||
	    (rc = json_opt_array(tf->r, it->at, v, "entry", &list)) < 0)
		return rc;
	if ((rc = sgreach_model_add_prefix_list(tf->m, id, name)))
		return add_failed(tf, it->at, "id", rc);
	FOR_EACH_ITEM(list, i, e)
	{
		struct jpath ep = JPATH_INDEX(&lp, i);
		const char *cidr;

		if ((rc = json_expect_object(tf->r, &ep, e)) ||
		    (rc = json_req_string(tf->r, &ep, e, "cidr", &cidr)))
			return rc;
		if ((rc = sgreach_model_add_prefix_list_entry(tf->m, id, cidr)))
			return add_failed(tf, &ep, "cidr", rc);
	}
	return 0;
}

static int import_prefix_list_entry(struct tf *tf, const struct tf_item *it)
{
	const cJSON *v = it->res->values;
	const char *pl, *cidr;
	struct tf_ids ids;
	int rc;

	rc = tf_read_id(tf, it, it->at, v, "prefix_list_id", TF_PLIST, &pl,
			&ids);
	if (rc < 0)
		return rc;
	if (rc != 1)
		return model_warn(tf->m,
				  "%s: prefix_list_id not known; entry "
				  "not attributed",
				  it->res->address)
			   ? -ENOMEM
			   : 0;
	if ((rc = json_req_string(tf->r, it->at, v, "cidr", &cidr)))
		return rc;
	rc = sgreach_model_add_prefix_list_entry(tf->m, pl, cidr);
	return rc ? add_failed(tf, it->at, "cidr", rc) : 0;
}

/* Groups of an endpoint.  Groups apply will decide are attached as a group
 * that no document defines, named after the attribute: the endpoint then
 * carries a group whose rules are missing, and verdicts say `unknown`. */
static int add_endpoint_groups(struct tf *tf, const struct tf_item *it,
			       const char *eid, const struct jpath *at,
			       const char *key, const struct tf_ids *ids,
			       const char *attr)
{
	size_t i, n = ids->ambiguous ? ids->nknown : ids->n;
	int rc;

	if (ids->ambiguous) {
		const char *g =
		    tf_printf(tf, "unknown:%s.%s", it->res->address, attr);

		if (!g)
			return -ENOMEM;
		if ((rc = model_warn(tf->m, "%s: %s not known until apply%s%s",
				     it->res->address, attr,
				     *ids->why ? ": " : "", ids->why)))
			return -ENOMEM;
		if ((rc = sgreach_model_add_endpoint_group(tf->m, eid, g)))
			return add_failed(tf, at, key, rc);
	}
	for (i = 0; i < n; i++)
		if ((rc = sgreach_model_add_endpoint_group(tf->m, eid,
							   ids->id[i])))
			return add_failed(tf, at, key, rc);
	return 0;
}

static int add_addresses(struct tf *tf, const struct tf_item *it,
			 const char *eid, const char *key, const char **seen,
			 size_t *nseen, size_t max)
{
	struct jpath lp = JPATH_KEY(it->at, key);
	const cJSON *list, *x;
	size_t i, j;
	int rc;

	if ((rc = json_opt_array(tf->r, it->at, it->res->values, key, &list)) <
	    0)
		return rc;
	FOR_EACH_ITEM(list, i, x)
	{
		struct jpath ip = JPATH_INDEX(&lp, i);
		const char *a;

		if (tf->plan && cJSON_IsNull(x))
			continue;
		if ((rc = json_expect_string(tf->r, &ip, x, &a)))
			return rc;
		for (j = 0; j < *nseen && strcmp(seen[j], a); j++)
			;
		if (j < *nseen)
			continue;
		if (*nseen < max)
			seen[(*nseen)++] = a;
		if ((rc = sgreach_model_add_address(tf->m, eid, a, 0)))
			return add_failed(tf, &ip, NULL, rc);
	}
	return 0;
}

static int import_eni(struct tf *tf, const struct tf_item *it)
{
	static const char *const addr_keys[] = {
	    "private_ips", "ipv6_addresses", "ipv4_prefixes", "ipv6_prefixes"};
	const cJSON *v = it->res->values;
	const char *id = tf_res_id(it->res), *subnet, *type = NULL,
		   *desc = NULL;
	const char *primary = NULL, *seen[64];
	sgreach_endpoint_kind kind = SGREACH_ENDPOINT_ENI;
	size_t i, nseen = 0;
	struct tf_ids ids;
	int rc;

	rc = tf_read_id(tf, it, it->at, v, "subnet_id", TF_SUBNET, &subnet,
			&ids);
	if ((rc = warn_unattributed(tf, it, "subnet_id", &ids, rc)) ||
	    (rc = json_opt_string(tf->r, it->at, v, "interface_type", &type)) <
		0 ||
	    (rc = json_opt_string(tf->r, it->at, v, "description", &desc)) <
		0 ||
	    (rc = json_opt_string(tf->r, it->at, v, "private_ip", &primary)) <
		0)
		return rc;
	if (type && !strcmp(type, "trunk"))
		kind = SGREACH_ENDPOINT_TRUNK;
	else if (type && !strcmp(type, "branch"))
		kind = SGREACH_ENDPOINT_BRANCH;
	if ((rc = sgreach_model_add_endpoint(tf->m, id, kind, NULL, subnet,
					     desc && *desc ? desc
							   : it->res->address)))
		return add_failed(tf, it->at, "id", rc);
	if (primary && *primary) {
		seen[nseen++] = primary;
		if ((rc = sgreach_model_add_address(tf->m, id, primary, 0)))
			return add_failed(tf, it->at, "private_ip", rc);
	}
	for (i = 0; i < sizeof(addr_keys) / sizeof(addr_keys[0]); i++)
		if ((rc = add_addresses(tf, it, id, addr_keys[i], seen, &nseen,
					sizeof(seen) / sizeof(seen[0]))))
			return rc;
	if ((rc = tf_read_id_list(tf, it, it->at, v, "security_groups", NULL,
				  "security_groups", TF_GROUP, 0, &ids)))
		return rc;
	return add_endpoint_groups(tf, it, id, it->at, "security_groups", &ids,
				   "security_groups");
}

/* aws_network_interface_sg_attachment: one more group on an ENI. */
static int import_sg_attachment(struct tf *tf, const struct tf_item *it)
{
	const cJSON *v = it->res->values;
	const char *eni, *gid;
	struct tf_ids ids;
	int rc;

	rc = tf_read_id(tf, it, it->at, v, "network_interface_id", TF_ENI, &eni,
			&ids);
	if (rc < 0)
		return rc;
	if (rc != 1)
		return model_warn(tf->m,
				  "%s: network_interface_id not known; "
				  "attachment ignored",
				  it->res->address)
			   ? -ENOMEM
			   : 0;
	if ((rc = tf_read_id(tf, it, it->at, v, "security_group_id", TF_GROUP,
			     &gid, &ids)) < 0)
		return rc;
	if (rc == 0)
		return json_fail(tf->r, it->at, "security_group_id",
				 "expected a group id, got null");
	ids.n = ids.nknown = rc == 1;
	ids.id[0] = gid;
	ids.ambiguous = rc == 2;
	return add_endpoint_groups(tf, it, eni, it->at, "security_group_id",
				   &ids, "security_group_id");
}

/* aws_ecs_service: an endpoint named by the cluster and the service name
 * (import_service_id()), so that "service:NAME" selects it; its address is
 * any of its subnets' until its tasks are loaded.  In a plan that creates
 * the cluster its ARN is not known until apply: the cluster is then the
 * planned name of the aws_ecs_cluster the configuration's reference names
 * (tf_read_id(), TF_CLUSTER), or "default" when the configuration sets
 * none; when the reference names no one cluster, the service is named by
 * NAME alone, with a warning. */
static int import_ecs_service(struct tf *tf, const struct tf_item *it)
{
	const cJSON *v = it->res->values, *nets, *net;
	struct jpath np = JPATH_KEY(it->at, "network_configuration");
	struct jpath n0 = JPATH_INDEX(&np, 0);
	const char *name = NULL, *cluster = NULL;
	char sid[SERVICE_ID_MAX];
	struct tf_ids ids;
	size_t i;
	int rc, public_ip = 0;

	if (!tf_is_unknown(tf, v, "name") &&
	    (rc = json_req_string(tf->r, it->at, v, "name", &name)))
		return rc;
	if (!name)
		name = it->res->address;
	if (tf_is_unknown(tf, v, "cluster") &&
	    tf_config_sets(tf, it->res, "cluster") == 0) {
		/* Left out of the configuration: ECS puts the service in
		 * the cluster named "default", as a state then says. */
		cluster = "default";
	} else if ((rc = tf_read_id(tf, it, it->at, v, "cluster", TF_CLUSTER,
				    &cluster, &ids)) < 0) {
		return rc;
	} else if (rc == 2) {
		cluster = NULL;
		if (model_warn(tf->m,
			       "%s: cluster not known until apply%s%s; the "
			       "service is named %s alone",
			       it->res->address, *ids.why ? ": " : "", ids.why,
			       name))
			return -ENOMEM;
	}
	if (!(name = import_service_id(sid, sizeof(sid), cluster, name)))
		return json_fail(tf->r, it->at, "name", SERVICE_ID_EXPECTED);
	if ((rc = json_opt_array(tf->r, it->at, v, "network_configuration",
				 &nets)) < 0)
		return rc;
	net = nets ? nets->child : NULL;
	if (!net)
		return model_warn(tf->m,
				  "%s: service %s has no awsvpc "
				  "network_configuration; skipped",
				  it->res->address, name)
			   ? -ENOMEM
			   : 0;
	if ((rc = json_expect_object(tf->r, &n0, net)))
		return rc;
	if ((rc = sgreach_model_add_endpoint(tf->m, name,
					     SGREACH_ENDPOINT_SERVICE, NULL,
					     NULL, it->res->address)))
		return add_failed(tf, it->at, "name", rc);
	/* Its tasks get public addresses: exposure needs to know. */
	if ((rc = json_opt_bool(tf->r, &n0, net, "assign_public_ip",
				&public_ip)) < 0)
		return rc;
	if (public_ip &&
	    (rc = sgreach_model_set_endpoint_public(tf->m, name, 1)))
		return add_failed(tf, &n0, "assign_public_ip", rc);
	if ((rc = tf_read_id_list(tf, it, &n0, net, "subnets",
				  "network_configuration", "subnets", TF_SUBNET,
				  0, &ids)))
		return rc;
	if (ids.ambiguous &&
	    model_warn(tf->m, "%s: subnets not known until apply%s%s",
		       it->res->address, *ids.why ? ": " : "", ids.why))
		return -ENOMEM;
	for (i = 0; i < ids.n; i++)
		if ((rc = sgreach_model_add_endpoint_subnet(tf->m, name,
							    ids.id[i])))
			return add_failed(tf, &n0, "subnets", rc);
	if ((rc = tf_read_id_list(tf, it, &n0, net, "security_groups",
				  "network_configuration", "security_groups",
				  TF_GROUP, 0, &ids)))
		return rc;
	/* No groups: ECS uses the VPC's default group (the library adds it
	 * at finalize). */
	return add_endpoint_groups(tf, it, name, &n0, "security_groups", &ids,
				   "network_configuration[0].security_groups");
}

/* ----------------------------------------------------------- dispatch -- */

/* Pass 1 adds groups, VPCs, subnets, prefix lists and endpoints; pass 2
 * the rules and attachments, so that a group is complete before its rules
 * arrive and endpoints exist before groups are attached. */
static const struct {
	const char *type;
	int pass;
	int (*fn)(struct tf *tf, const struct tf_item *it);
} handlers[] = {
    {"aws_security_group", 1, import_group},
    {"aws_default_security_group", 1, import_group},
    {"aws_vpc", 1, import_vpc},
    {"aws_vpc_ipv4_cidr_block_association", 1, import_vpc_cidr},
    {"aws_vpc_ipv6_cidr_block_association", 1, import_vpc_cidr},
    {"aws_subnet", 1, import_subnet},
    {"aws_ec2_managed_prefix_list", 1, import_prefix_list},
    {"aws_network_interface", 1, import_eni},
    {"aws_ecs_service", 1, import_ecs_service},
    {"aws_security_group", 2, import_group_rules},
    {"aws_default_security_group", 2, import_group_rules},
    {"aws_security_group_rule", 2, import_sg_rule},
    {"aws_vpc_security_group_ingress_rule", 2, import_vpc_rule},
    {"aws_vpc_security_group_egress_rule", 2, import_vpc_rule},
    {"aws_ec2_managed_prefix_list_entry", 2, import_prefix_list_entry},
    {"aws_network_interface_sg_attachment", 2, import_sg_attachment},
};

static void note_ignored(struct tf *tf, const char *type)
{
	size_t len = strlen(tf->ignored_types);

	tf->ignored++;
	if (strstr(tf->ignored_types, type) ||
	    len + 8 >= sizeof(tf->ignored_types))
		return;
	snprintf(tf->ignored_types + len, sizeof(tf->ignored_types) - len,
		 "%s%s", len ? ", " : "", type);
}

static int import_resource(struct tf *tf, const struct tf_res *res,
			   const struct jpath *rp, int pass)
{
	struct jpath vp = JPATH_KEY(rp, "values");
	struct tf_item it = {res, &vp};
	size_t i;
	int known = 0, rc;

	for (i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++) {
		if (strcmp(handlers[i].type, res->type))
			continue;
		known = 1;
		if (handlers[i].pass == pass && (rc = handlers[i].fn(tf, &it)))
			return blame(tf, res->address, rc);
	}
	if (!known && pass == 1)
		note_ignored(tf, res->type);
	return 0;
}

/* Pass 0 checks the shape and indexes every managed resource; passes 1
 * and 2 import. */
static int walk_module(struct tf *tf, const cJSON *mod, const struct jpath *at,
		       int pass, int depth)
{
	struct jpath rl = JPATH_KEY(at, "resources");
	struct jpath cl = JPATH_KEY(at, "child_modules");
	const cJSON *list, *children, *x;
	size_t i;
	int rc;

	if (depth > TF_MAX_MODULE_DEPTH)
		return json_fail(tf->r, at, NULL,
				 "modules nested deeper than %d",
				 TF_MAX_MODULE_DEPTH);
	if ((rc = json_expect_object(tf->r, at, mod)) ||
	    (rc = json_opt_array(tf->r, at, mod, "resources", &list)) < 0 ||
	    (rc = json_opt_array(tf->r, at, mod, "child_modules", &children)) <
		0)
		return rc;
	FOR_EACH_ITEM(list, i, x)
	{
		struct jpath rp = JPATH_INDEX(&rl, i);
		struct tf_res res;
		const char *mode = NULL;

		if (pass == 0) {
			const cJSON *values;

			if ((rc = json_expect_object(tf->r, &rp, x)) ||
			    (rc = json_req_string(tf->r, &rp, x, "address",
						  &res.address)) ||
			    (rc = json_req_string(tf->r, &rp, x, "type",
						  &res.type)) ||
			    (rc = json_opt_string(tf->r, &rp, x, "mode",
						  &mode)) < 0 ||
			    (rc = json_opt_object(tf->r, &rp, x, "values",
						  &values)) < 0)
				return rc;
			if (mode && strcmp(mode, "managed"))
				continue; /* data sources describe, not make */
			res.values = values;
			if (tf->nres == tf->cap) {
				size_t cap = tf->cap ? 2 * tf->cap : 64;
				struct tf_res *n =
				    realloc(tf->res, cap * sizeof(*n));

				if (!n)
					return -ENOMEM;
				tf->res = n;
				tf->cap = cap;
			}
			tf->res[tf->nres++] = res;
			continue;
		}
		mode = json_get(x, "mode") ? json_get(x, "mode")->valuestring
					   : NULL;
		if (mode && strcmp(mode, "managed"))
			continue;
		if (tf->cursor >= tf->nres)
			return -EINVAL; /* cannot happen: pass 0 saw it */
		if (tf->res[tf->cursor].values &&
		    (rc = import_resource(tf, &tf->res[tf->cursor], &rp, pass)))
			return rc;
		tf->cursor++;
	}
	FOR_EACH_ITEM(children, i, x)
	{
		struct jpath mp = JPATH_INDEX(&cl, i);

		if ((rc = walk_module(tf, x, &mp, pass, depth + 1)))
			return rc;
	}
	return 0;
}

static int import_terraform(sgreach_model *m, struct jreader *r,
			    const cJSON *root, int plan)
{
	struct tf tf = {.m = m, .r = r, .plan = plan};
	struct jpath top = JPATH_ROOT;
	const char *vkey = plan ? "planned_values" : "values";
	struct jpath vp = JPATH_KEY(&top, vkey);
	struct jpath mp = JPATH_KEY(&vp, "root_module");
	const cJSON *values, *mod, *cfg;
	int pass, rc;

	if ((rc = json_opt_object(r, &top, root, vkey, &values)) < 0)
		return rc;
	/* A state of an empty workspace has no values at all. */
	if (!values)
		return 0;
	if ((rc = json_opt_object(r, &vp, values, "root_module", &mod)) < 0)
		return rc;
	if (!mod)
		return 0;
	if (plan) {
		struct jpath cp = JPATH_KEY(&top, "configuration");

		if ((rc = json_opt_object(r, &top, root, "configuration",
					  &cfg)) < 0 ||
		    (cfg && (rc = json_opt_object(r, &cp, cfg, "root_module",
						  &tf.config)) < 0))
			return rc;
	}
	for (pass = 0; pass <= 2; pass++) {
		tf.cursor = 0;
		if ((rc = walk_module(&tf, mod, &mp, pass, 0)))
			goto out;
	}
	if (tf.ignored) {
		/* Counted where the model keeps it, and said once. */
		m->ignored_resources += tf.ignored;
		if (model_warn(m, "ignored %zu resource%s of other types (%s)",
			       tf.ignored, tf.ignored == 1 ? "" : "s",
			       tf.ignored_types))
			rc = -ENOMEM;
	}
out:
	tf_free(&tf);
	return rc;
}

int import_terraform_state(sgreach_model *m, struct jreader *r,
			   const cJSON *root)
{
	return import_terraform(m, r, root, 0);
}

int import_terraform_plan(sgreach_model *m, struct jreader *r,
			  const cJSON *root)
{
	return import_terraform(m, r, root, 1);
}

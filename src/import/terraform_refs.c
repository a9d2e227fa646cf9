/*
 * terraform_refs.c - values of `terraform show -json` and, in a plan, the
 * attribution of unknown ids through the configuration's references.
 *
 * Terraform omits an unknown attribute from planned_values and writes an
 * unknown list element as null.  The configuration's expressions list the
 * references each attribute is computed from ("aws_security_group.alb.id",
 * "var.client_id", "module.db.sg_id"); following variables into calling
 * modules and outputs into called ones leads to resources, whose address
 * serves as the id of a resource apply has not created.  Anything else (a
 * conditional's variable, count.index, a local) is not attributable: the
 * caller then adds an unknown peer naming the references.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/terraform.h"

static const char *const tf_kind_types[][3] = {
    [TF_GROUP] = {"aws_security_group", "aws_default_security_group", NULL},
    [TF_SUBNET] = {"aws_subnet", NULL, NULL},
    [TF_VPC] = {"aws_vpc", NULL, NULL},
    [TF_PLIST] = {"aws_ec2_managed_prefix_list", NULL, NULL},
    [TF_ENI] = {"aws_network_interface", NULL, NULL},
    [TF_CLUSTER] = {"aws_ecs_cluster", NULL, NULL},
};

/* A module instance while references are followed. */
struct tf_scope {
	const struct tf_scope *up;
	const cJSON *cfg; /* its configuration: resources, module_calls */
	const char *call; /* its call's name in up's module_calls */
	char prefix[TF_PREFIX_MAX]; /* "" at the root */
};

/* ------------------------------------------------------------ strings -- */

const char *tf_printf(struct tf *tf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

const char *tf_printf(struct tf *tf, const char *fmt, ...)
{
	struct tf_str *s;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !(s = malloc(sizeof(*s) + (size_t)n + 1)))
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s->s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	s->next = tf->strs;
	tf->strs = s;
	return s->s;
}

void tf_free(struct tf *tf)
{
	while (tf->strs) {
		struct tf_str *n = tf->strs->next;

		free(tf->strs);
		tf->strs = n;
	}
	free(tf->res);
}

static void why_add(struct tf_ids *ids, const char *text)
{
	size_t len = strlen(ids->why);

	if (len + 8 >= sizeof(ids->why))
		return;
	snprintf(ids->why + len, sizeof(ids->why) - len, "%s%s",
		 len ? ", " : "", text);
}

/* ------------------------------------------------------------- values -- */

/* In a plan an absent attribute is one Terraform cannot know before apply;
 * in a state it is simply not set. */
int tf_is_unknown(const struct tf *tf, const cJSON *obj, const char *key)
{
	return tf->plan && !json_get(obj, key);
}

/* The id a resource will have: its id when known, else its address. */
const char *tf_res_id(const struct tf_res *res)
{
	const cJSON *id = json_get(res->values, "id");

	if (cJSON_IsString(id) && id->valuestring[0])
		return id->valuestring;
	return res->address;
}

/* dst = base + add[0..addlen) + tail; the caller checked the length
 * (TF_PREFIX_MAX). */
static void prefix_cat(char *dst, const char *base, const char *add,
		       size_t addlen, const char *tail)
{
	size_t bl = strlen(base), tl = strlen(tail);

	memmove(dst, base, bl);
	memcpy(dst + bl, add, addlen);
	memcpy(dst + bl + addlen, tail, tl + 1);
}

/* Length of an instance key "[0]" or "[\"k\"]" at p; 0 if none, -1 when
 * malformed. */
static long key_len(const char *p)
{
	const char *q = p;

	if (*q != '[')
		return 0;
	q++;
	if (*q == '"') {
		for (q++; *q && *q != '"'; q++)
			if (*q == '\\' && q[1])
				q++;
		if (*q != '"')
			return -1;
		q++;
	} else {
		while (*q >= '0' && *q <= '9')
			q++;
	}
	return *q == ']' ? q + 1 - p : -1;
}

/* Length of an identifier (a Terraform name) at p. */
static size_t name_len(const char *p)
{
	size_t n = 0;

	while (p[n] && p[n] != '.' && p[n] != '[')
		n++;
	return n;
}

static const cJSON *get_n(const cJSON *obj, const char *key, size_t len)
{
	char buf[256];

	if (len >= sizeof(buf))
		return NULL;
	memcpy(buf, key, len);
	buf[len] = '\0';
	return json_get(obj, buf);
}

/* ------------------------------------------------------- references -- */

/* The module instances of a resource address, root first; *rest is left at
 * "TYPE.NAME[KEY]".  Returns the innermost scope or NULL when the address
 * is not one Terraform writes. */
static const struct tf_scope *build_scopes(const struct tf *tf,
					   const char *address,
					   struct tf_scope *sc,
					   const char **rest)
{
	const char *p = address;
	size_t n = 0;

	sc[0].up = NULL;
	sc[0].cfg = tf->config;
	sc[0].call = NULL;
	sc[0].prefix[0] = '\0';
	while (!strncmp(p, "module.", 7)) {
		const char *name = p + 7;
		size_t nl = name_len(name);
		long kl = key_len(name + nl);
		const cJSON *call;
		size_t step;

		if (!nl || kl < 0 || name[nl + kl] != '.' ||
		    n + 1 >= TF_MAX_MODULE_DEPTH)
			return NULL;
		step = (size_t)(name + nl + kl + 1 - p);
		if (strlen(sc[n].prefix) + step >= TF_PREFIX_MAX)
			return NULL;
		call = get_n(json_get(sc[n].cfg, "module_calls"), name, nl);
		sc[n + 1].up = &sc[n];
		sc[n + 1].cfg = json_get(call, "module");
		sc[n + 1].call = call ? call->string : NULL;
		prefix_cat(sc[n + 1].prefix, sc[n].prefix, p, step, "");
		p += step;
		n++;
	}
	*rest = p;
	return &sc[n];
}

/* The configuration of the resource "TYPE.NAME[KEY]" in a module. */
static const cJSON *config_resource(const struct tf_scope *s, const char *rest)
{
	const cJSON *list = json_get(s->cfg, "resources"), *c;
	size_t len = strlen(rest);

	if (len && rest[len - 1] == ']') {
		const char *b = strchr(rest, '[');

		if (b)
			len = (size_t)(b - rest);
	}
	for (c = list ? list->child : NULL; c; c = c->next) {
		const cJSON *a = json_get(c, "address");

		if (cJSON_IsString(a) && strlen(a->valuestring) == len &&
		    !strncmp(a->valuestring, rest, len))
			return c;
	}
	return NULL;
}

/* The expression of attribute attr, inside nested block `block` if not
 * NULL (blocks are lists of objects of expressions). */
static const cJSON *config_expr(const cJSON *cres, const char *block,
				const char *attr)
{
	const cJSON *e = json_get(cres, "expressions");

	if (block) {
		e = json_get(e, block);
		if (cJSON_IsArray(e))
			e = e->child;
	}
	return json_get(e, attr);
}

static int ids_add(struct tf_ids *ids, const char *id)
{
	size_t i;

	for (i = 0; i < ids->n; i++)
		if (!strcmp(ids->id[i], id))
			return 0;
	if (ids->n == TF_MAX_IDS) {
		ids->ambiguous = 1;
		return 0;
	}
	ids->id[ids->n++] = id;
	return 0;
}

static int resolve_refs(struct tf *tf, const struct tf_scope *s,
			const cJSON *refs, enum tf_kind kind, int depth,
			struct tf_ids *out);

static int is_kind_type(enum tf_kind kind, const char *type, size_t len)
{
	size_t i;

	for (i = 0; i < 3 && tf_kind_types[kind][i]; i++)
		if (strlen(tf_kind_types[kind][i]) == len &&
		    !strncmp(tf_kind_types[kind][i], type, len))
			return 1;
	return 0;
}

/* "aws_security_group.alb.id", "aws_subnet.private[0]",
 * "aws_subnet.private" (a splat: every instance). */
static int resolve_resource(struct tf *tf, const struct tf_scope *s,
			    const char *ref, enum tf_kind kind,
			    struct tf_ids *out)
{
	size_t tl = name_len(ref), nl, base, i, found = 0;
	const char *p, *addr;
	enum tf_kind o;
	int other = 0;
	long kl;

	/* A resource of another kind named in a shared expression feeds
	 * another attribute. */
	for (o = TF_GROUP; o < TF_KINDS; o++)
		other |= o != kind && is_kind_type(o, ref, tl);
	if (ref[tl] != '.')
		return out->ambiguous = 1, 0;
	if (other && out->shared_expr)
		return 0;
	if (!is_kind_type(kind, ref, tl))
		return out->ambiguous = 1, 0;
	nl = name_len(ref + tl + 1);
	p = ref + tl + 1 + nl;
	if (!nl || (kl = key_len(p)) < 0)
		return out->ambiguous = 1, 0;
	p += kl;
	/* Only the id names the object; any other attribute is some other
	 * string.  A cluster is named by its name, which its id (an ARN)
	 * and arn end with, and which a plan knows. */
	if (*p && strcmp(p, ".id") &&
	    (kind != TF_CLUSTER || (strcmp(p, ".arn") && strcmp(p, ".name"))))
		return out->shared_expr ? 0 : (out->ambiguous = 1, 0);
	base = (size_t)(p - ref);
	addr = tf_printf(tf, "%s%.*s", s->prefix, (int)base, ref);
	if (!addr)
		return -ENOMEM;
	base = strlen(addr);
	for (i = 0; i < tf->nres; i++) {
		const char *a = tf->res[i].address;

		if (strncmp(a, addr, base) ||
		    (a[base] && (kl || a[base] != '[')))
			continue;
		if (a[base] && key_len(a + base) != (long)strlen(a + base))
			continue;
		/* A shared expression also feeds blocks whose values are
		 * known: a resource already created may be theirs. */
		if (out->shared_expr &&
		    tf_res_id(&tf->res[i]) != tf->res[i].address)
			out->ambiguous = 1;
		if (kind == TF_CLUSTER) {
			const cJSON *name = json_get(tf->res[i].values, "name");

			if (!cJSON_IsString(name) || !name->valuestring[0]) {
				out->ambiguous = 1;
				continue;
			}
			ids_add(out, name->valuestring);
		} else {
			ids_add(out, tf_res_id(&tf->res[i]));
		}
		found++;
	}
	if (!found)
		out->ambiguous = 1;
	return 0;
}

/* A leaf reference: one not extended by another in the same list (Terraform
 * lists "a.b[0].id", "a.b[0]" and "a.b" for one use of a.b[0].id). */
static int is_leaf(const cJSON *refs, const char *ref)
{
	size_t len = strlen(ref);
	const cJSON *o;

	for (o = refs->child; o; o = o->next)
		if (cJSON_IsString(o) && o->valuestring != ref &&
		    !strncmp(o->valuestring, ref, len) &&
		    (o->valuestring[len] == '.' || o->valuestring[len] == '['))
			return 0;
	return 1;
}

static int resolve_leaf(struct tf *tf, const struct tf_scope *s,
			const char *ref, enum tf_kind kind, int depth,
			struct tf_ids *out)
{
	if (depth >= TF_MAX_REF_DEPTH)
		return out->ambiguous = 1, 0;
	if (!strncmp(ref, "var.", 4)) {
		/* A module variable: what the calling module passes. */
		const cJSON *call, *e;

		if (!s->up || !s->call || name_len(ref + 4) != strlen(ref + 4))
			return out->ambiguous = 1, 0;
		call = json_get(json_get(s->up->cfg, "module_calls"), s->call);
		e = json_get(json_get(call, "expressions"), ref + 4);
		return resolve_refs(tf, s->up, json_get(e, "references"), kind,
				    depth + 1, out);
	}
	if (!strncmp(ref, "module.", 7)) {
		/* A module output: the expression inside that module. */
		const char *name = ref + 7, *outp;
		size_t nl = name_len(name);
		const cJSON *call, *e;
		struct tf_scope child;

		call = get_n(json_get(s->cfg, "module_calls"), name, nl);
		outp = name + nl + 1;
		/* Instances of a module with count/for_each are not told
		 * apart by the reference. */
		if (!call || name[nl] != '.' ||
		    json_get(call, "count_expression") ||
		    json_get(call, "for_each_expression") ||
		    name_len(outp) != strlen(outp) ||
		    strlen(s->prefix) + nl + 9 >= TF_PREFIX_MAX)
			return out->ambiguous = 1, 0;
		child.up = s;
		child.cfg = json_get(call, "module");
		child.call = call->string;
		prefix_cat(child.prefix, s->prefix, ref, nl + 7, ".");
		e = json_get(json_get(json_get(child.cfg, "outputs"), outp),
			     "expression");
		return resolve_refs(tf, &child, json_get(e, "references"), kind,
				    depth + 1, out);
	}
	if (!strncmp(ref, "aws_", 4))
		return resolve_resource(tf, s, ref, kind, out);
	/* count.index, each.key, local.*, data.*, path.*: not attributable. */
	return out->ambiguous = 1, 0;
}

static int resolve_refs(struct tf *tf, const struct tf_scope *s,
			const cJSON *refs, enum tf_kind kind, int depth,
			struct tf_ids *out)
{
	const cJSON *ref;
	int rc;

	if (!cJSON_IsArray(refs) || !refs->child) {
		out->ambiguous = 1;
		if (!depth)
			why_add(out, "no references in the configuration");
		return 0;
	}
	for (ref = refs->child; ref; ref = ref->next) {
		if (!cJSON_IsString(ref)) {
			out->ambiguous = 1;
			continue;
		}
		if (!is_leaf(refs, ref->valuestring))
			continue;
		if (!depth)
			why_add(out, ref->valuestring);
		if ((rc = resolve_leaf(tf, s, ref->valuestring, kind, depth,
				       out)))
			return rc;
	}
	return 0;
}

/* Attributes an unknown value of attribute attr (in nested block `block`)
 * of a resource through its configuration.  Fills out; returns 0 or
 * -ENOMEM. */
static int resolve_unknown(struct tf *tf, const struct tf_res *res,
			   const char *block, const char *attr,
			   enum tf_kind kind, struct tf_ids *out)
{
	struct tf_scope sc[TF_MAX_MODULE_DEPTH];
	const struct tf_scope *s;
	const char *rest;
	const cJSON *cres;

	s = build_scopes(tf, res->address, sc, &rest);
	cres = s ? config_resource(s, rest) : NULL;
	if (!cres) {
		out->ambiguous = 1;
		why_add(out, "no configuration for the resource");
		return 0;
	}
	return resolve_refs(
	    tf, s, json_get(config_expr(cres, block, attr), "references"), kind,
	    0, out);
}

int tf_expr_refs(struct tf *tf, const struct tf_res *res, const char *attr,
		 char *buf, size_t size)
{
	struct tf_ids tmp;
	int rc;

	memset(&tmp, 0, sizeof(tmp));
	tmp.shared_expr = 1; /* only the text is wanted */
	rc = resolve_unknown(tf, res, NULL, attr, TF_GROUP, &tmp);
	snprintf(buf, size, "%s", tmp.why);
	return rc;
}

/* Whether the configuration sets a top-level attribute.  1 yes, 0 no, -1
 * when the configuration of the resource is missing. */
int tf_config_sets(const struct tf *tf, const struct tf_res *res,
		   const char *attr)
{
	struct tf_scope sc[TF_MAX_MODULE_DEPTH];
	const struct tf_scope *s;
	const char *rest;
	const cJSON *cres;

	s = build_scopes(tf, res->address, sc, &rest);
	cres = s ? config_resource(s, rest) : NULL;
	if (!cres)
		return -1;
	return config_expr(cres, NULL, attr) != NULL;
}

/*
 * Reads a list of ids at obj[key] into out: the known ones, and in a plan
 * the unknown ones (the whole list absent, or null elements) attributed
 * through the configuration of block/attr.  shared: the expression also
 * covers other blocks with unknown values (the inline ingress/egress of a
 * group share one expression), so it says nothing about this one.
 */
int tf_read_id_list(struct tf *tf, const struct tf_item *it,
		    const struct jpath *at, const cJSON *obj, const char *key,
		    const char *block, const char *attr, enum tf_kind kind,
		    int shared, struct tf_ids *out)
{
	struct jpath lp = JPATH_KEY(at, key);
	size_t i, nnull = 0, nknown;
	const cJSON *list, *x;
	int rc, whole;

	memset(out, 0, sizeof(*out));
	out->shared_expr = strcmp(key, attr) != 0;
	whole = tf_is_unknown(tf, obj, key);
	if ((rc = json_opt_array(tf->r, at, obj, key, &list)) < 0)
		return rc;
	FOR_EACH_ITEM(list, i, x)
	{
		struct jpath ip = JPATH_INDEX(&lp, i);
		const char *id;

		if (tf->plan && cJSON_IsNull(x)) {
			nnull++;
			continue;
		}
		if ((rc = json_expect_string(tf->r, &ip, x, &id)))
			return rc;
		ids_add(out, id);
	}
	nknown = out->nknown = out->n;
	if (!whole && !nnull)
		return 0;
	if (shared) {
		struct tf_ids tmp;

		memset(&tmp, 0, sizeof(tmp));
		tmp.shared_expr = out->shared_expr;
		if ((rc =
			 resolve_unknown(tf, it->res, block, attr, kind, &tmp)))
			return rc;
		out->ambiguous = 1;
		snprintf(out->why, sizeof(out->why), "%s", tmp.why);
		return 0;
	}
	if ((rc = resolve_unknown(tf, it->res, block, attr, kind, out)))
		return rc;
	/* null elements are counted: the references must name exactly that
	 * many new ids. */
	if (!whole && out->n - nknown != nnull)
		out->ambiguous = 1;
	if (out->n == nknown)
		out->ambiguous = 1;
	return 0;
}

/*
 * Reads one id at obj[key]: 1 with *id set, 0 when null (or absent in a
 * state), 2 when a plan leaves it unknown and the references do not name
 * exactly one resource (out->why says what they name; out->id[] holds the
 * resources they could be).
 */
int tf_read_id(struct tf *tf, const struct tf_item *it, const struct jpath *at,
	       const cJSON *obj, const char *key, enum tf_kind kind,
	       const char **id, struct tf_ids *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	*id = NULL;
	if (tf_is_unknown(tf, obj, key)) {
		if ((rc = resolve_unknown(tf, it->res, NULL, key, kind, out)))
			return rc;
		if (out->ambiguous || out->n != 1)
			return 2;
		*id = out->id[0];
		return 1;
	}
	if ((rc = json_opt_string(tf->r, at, obj, key, id)) < 0)
		return rc;
	return *id && **id ? 1 : 0;
}

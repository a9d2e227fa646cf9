/*
 * analysis/who.c - `sgreach who DST [FLOW]` and `sgreach reach SRC [FLOW]`.
 *
 * who: every loaded interface, task and service that can reach DST, and
 * the address ranges outside the model that can, with the flows each may
 * use.  reach is the mirror image.  Loaded sources are evaluated once per
 * node class (nodes whose members behave alike), then listed one by one;
 * ranges outside the model are cut where any rule CIDR starts or ends, so
 * a range's answer holds for every address in it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"
#include "flow.h"

struct who_out {
	struct an_ctx *c;
	sgreach_format fmt;
	int who; /* 1: who (entries are sources), 0: reach */
	const char *sel;
	uint32_t n;
	uint32_t shown; /* entries of the current section, any format */
};

static void entry_node(struct who_out *o, const struct an_node *n,
		       const struct vsets *v)
{
	struct an_ctx *c = o->c;
	const sgreach_model *m = c->m;
	struct strbuf *sb = &c->v->out;
	const struct sg_endpoint *e = &m->endpoints.v[n->idx];
	const char *task = NULL, *svc = NULL;
	char buf[AN_NAME_MAX];
	const char *name = an_node_name(c, n, buf, sizeof(buf));

	if (n->kind == NODE_ENDPOINT && e->kind != SGREACH_ENDPOINT_SERVICE) {
		if (e->task != SG_NONE)
			task = m->tasks.v[e->task].arn;
		if (e->service != SG_NONE)
			svc = model_service_name(&m->endpoints.v[e->service]);
	} else {
		svc = model_service_name(e);
	}
	o->shown++;
	switch (o->fmt) {
	case SGREACH_FORMAT_JSON:
		if (o->n++)
			sb_putc(sb, ',');
		sb_puts(sb, "{\"id\":");
		sb_json_str(sb, name);
		sb_puts(sb, ",\"kind\":");
		sb_json_str(sb, an_node_kind(c, n));
		sb_puts(sb, ",\"task\":");
		sb_json_str(sb, task);
		sb_puts(sb, ",\"service\":");
		sb_json_str(sb, svc);
		sb_putc(sb, ',');
		an_sets_json(c, sb, v);
		sb_putc(sb, '}');
		break;
	case SGREACH_FORMAT_CSV:
		an_csv_field(sb, o->who ? name : o->sel);
		sb_putc(sb, ',');
		an_csv_field(sb, o->who ? o->sel : name);
		sb_putc(sb, ',');
		sb_puts(sb, an_node_kind(c, n));
		sb_puts(sb, ",,");
		break;
	default:
		sb_puts(sb, "  ");
		sb_text(sb, name);
		sb_printf(sb, " (%s", an_node_kind(c, n));
		if (svc && n->kind == NODE_ENDPOINT) {
			sb_puts(sb, " of service ");
			sb_text(sb, svc);
		}
		sb_puts(sb, ")");
		break;
	}
}

static void entry_sets(struct who_out *o, const struct vsets *v)
{
	struct an_ctx *c = o->c;
	struct strbuf *sb = &c->v->out;
	static const char *const names[] = {"allowed", "partial", "unknown"};
	static const int idx[] = {VS_A, VS_P, VS_U};
	int i, k = 0;

	if (o->fmt == SGREACH_FORMAT_CSV) {
		for (i = 0; i < 3; i++) {
			struct strbuf t;

			sb_init(&t);
			an_set_text(c, &t, &v->s[idx[i]], " ");
			if (i)
				sb_putc(sb, ',');
			an_csv_field(sb, sb_str(&t) ? sb_str(&t) : "");
			if (t.failed)
				sb->failed = 1;
			sb_free(&t);
		}
		sb_puts(sb, "\r\n");
		return;
	}
	if (o->fmt != SGREACH_FORMAT_TEXT)
		return;
	for (i = 0; i < 3; i++) {
		if (connset_is_empty(&v->s[idx[i]]))
			continue;
		sb_puts(sb, k++ ? "; " : ": ");
		sb_printf(sb, "%s ", names[i]);
		an_set_text(c, sb, &v->s[idx[i]], ", ");
	}
	sb_putc(sb, '\n');
}

static const char *const internet_json[] = {"", "true", "false", "\"partly\""};
static const char *const internet_text[] = {"", " (internet)", "",
					    " (internet and private space)"};
static const char *const internet_csv[] = {"", "internet", "", "partly"};

/* A range outside the model; kinds: 1 public space, 2 private, 3 both. */
static void entry_range(struct who_out *o, const struct sg_range *r, int kinds,
			const struct vsets *sets)
{
	struct an_ctx *c = o->c;
	struct strbuf *sb = &c->v->out;

	o->shown++;
	switch (o->fmt) {
	case SGREACH_FORMAT_JSON:
		if (o->n++)
			sb_putc(sb, ',');
		sb_puts(sb, "{\"ranges\":[");
		an_range_text(sb, r, 1);
		sb_printf(sb, "],\"internet\":%s,", internet_json[kinds]);
		an_sets_json(c, sb, sets);
		sb_putc(sb, '}');
		return;
	case SGREACH_FORMAT_CSV: {
		struct strbuf t;

		sb_init(&t);
		an_range_text(&t, r, 0);
		if (!o->who) {
			an_csv_field(sb, o->sel);
			sb_putc(sb, ',');
		}
		an_csv_field(sb, sb_str(&t) ? sb_str(&t) : "");
		if (o->who) {
			sb_putc(sb, ',');
			an_csv_field(sb, o->sel);
		}
		if (t.failed)
			sb->failed = 1;
		sb_free(&t);
		sb_printf(sb, ",range,%s,", internet_csv[kinds]);
		entry_sets(o, sets);
		return;
	}
	default:
		sb_puts(sb, "  ");
		an_range_text(sb, r, 0);
		sb_puts(sb, internet_text[kinds]);
		entry_sets(o, sets);
	}
}

/* Is node n the selection itself (a pair of a thing with itself)? */
static int same_thing(const struct an_ctx *c, const struct an_node *n,
		      const struct selection *s)
{
	uint32_t e = selection_endpoint(c->m, s);

	if (n->kind == NODE_ENDPOINT)
		return e != SG_NONE
			   ? n->idx == e
			   : s->what == SELW_SERVICE && n->idx == s->idx;
	return s->what == SELW_SERVICE && n->idx == s->idx;
}

static int who_reach(const sgreach_model *m, const char *text,
		     const char *flow_text, unsigned int flags,
		     sgreach_format fmt, sgreach_verdict *ctx, const char **out,
		     int who)
{
	struct an_ctx c;
	struct selection s;
	VEC(struct member) mem = {0};
	struct vsets *by_class = NULL;
	uint8_t *done = NULL;
	struct connset only;
	sgreach_flow flow;
	struct ext_range *ext = NULL;
	size_t next = 0, i, j;
	struct who_out o;
	struct strbuf *sb = &ctx->out;
	uint32_t k, nclasses;
	int rc, fam;

	memset(&c, 0, sizeof(c));
	c.v = ctx;
	connset_init(&only);
	rc = an_begin(m, ctx, out, fmt,
		      1u << SGREACH_FORMAT_TEXT | 1u << SGREACH_FORMAT_JSON |
			  1u << SGREACH_FORMAT_CSV,
		      who ? "who" : "reach");
	if (rc)
		return rc;
	if (flags & ~(unsigned int)(SGREACH_QUERY_IPV4 | SGREACH_QUERY_IPV6))
		return an_fail(&c, -EINVAL, "unknown flags");
	if (flow_text && (rc = an_parse_flow(&c, flow_text, &flow)))
		return rc;
	memset(&s, 0, sizeof(s));
	if ((rc = eval_resolve_selector(ctx, text, &s)) ||
	    (rc = an_pick_family(ctx, flags, &s, NULL, flow_text ? &flow : NULL,
				 &fam)))
		return rc;
	if ((rc = an_init(&c, m, ctx, fam)) ||
	    (rc = an_select(&c, NULL, &s, &mem)))
		goto out;
	if (flow_text) {
		if ((rc = an_flow_set(&flow, &only)) ||
		    (rc = connset_intersect(&only, &c.universe)))
			goto out;
	} else if ((rc = connset_copy(&only, &c.universe))) {
		goto out;
	}
	/* Every interface and task, every service without tasks (its
	 * subnets), and every service with tasks as a whole. */
	if ((rc = an_add_nodes(&c, NODE_ENDPOINT)))
		goto out;
	for (k = 0; k < m->endpoints.n && !rc; k++)
		if (m->endpoints.v[k].kind == SGREACH_ENDPOINT_SERVICE &&
		    m->endpoints.v[k].members.n)
			rc = an_add_node(&c, NODE_SERVICE, k);
	if (rc || (rc = an_finish_nodes(&c)))
		goto out;
	nclasses = c.ncls_keys.n;
	by_class = calloc(nclasses ? nclasses : 1, sizeof(*by_class));
	done = calloc(nclasses ? nclasses : 1, 1);
	if (!by_class || !done) {
		rc = -ENOMEM;
		goto out;
	}
	for (k = 0; k < nclasses; k++)
		vsets_init(&by_class[k]);

	memset(&o, 0, sizeof(o));
	o.c = &c;
	o.fmt = fmt;
	o.who = who;
	o.sel = s.text;
	sb_reset(sb);
	if (fmt == SGREACH_FORMAT_JSON) {
		sb_printf(sb, "{\"%s\":", who ? "dst" : "src");
		sb_json_str(sb, s.text);
		sb_printf(sb, ",\"family\":%d,\"flow\":", fam);
		sb_json_str(sb, flow_text ? flow_text : NULL);
		sb_printf(sb, ",\"%s\":[", who ? "sources" : "destinations");
	} else if (fmt == SGREACH_FORMAT_CSV) {
		sb_puts(sb,
			"src,dst,kind,internet,allowed,partial,unknown\r\n");
	} else {
		sb_puts(sb, who ? "who can reach " : "what ");
		sb_text(sb, s.text);
		sb_printf(sb, "%s (IPv%d", who ? "" : " can reach", fam);
		if (flow_text) {
			sb_puts(sb, ", ");
			sb_text(sb, flow_text);
		}
		sb_puts(sb, "):\n");
	}
	for (k = 0; k < c.nodes.n; k++) {
		const struct an_node *n = &c.nodes.v[k];
		struct vsets *v = &by_class[n->nclass];

		if (same_thing(&c, n, &s))
			continue;
		if (!done[n->nclass]) {
			if ((rc = an_members_to_node(&c, &mem, k, !who, v)) ||
			    (rc = vsets_restrict(v, &only)))
				goto out;
			done[n->nclass] = 1;
		}
		if (vsets_all_denied(v))
			continue;
		entry_node(&o, n, v);
		entry_sets(&o, v);
	}
	if (fmt == SGREACH_FORMAT_JSON)
		sb_puts(sb, "],\"external\":[");
	else if (fmt == SGREACH_FORMAT_TEXT)
		sb_puts(sb, o.shown ? "outside the model:\n"
				    : "  nothing in the model\noutside the "
				      "model:\n");
	o.n = 0;
	o.shown = 0;
	/* Addresses outside the model: only when the selection is inside. */
	if (s.what != SELW_ADDRESS && s.what != SELW_CIDR) {
		if ((rc = an_external(&c, &mem,
				      who ? SGREACH_INGRESS : SGREACH_EGRESS,
				      &ext, &next)))
			goto out;
		for (i = 0; i < next; i++)
			if ((rc = vsets_restrict(&ext[i].sets, &only)))
				goto out;
		/* Show public and private space in one range when they
		 * answer alike ("internet": "partly"). */
		for (i = 0; i < next; i = j) {
			struct sg_range r = ext[i].r;
			int kinds = ext[i].internet ? 1 : 2;

			for (j = i + 1; j < next &&
					vsets_equal(&ext[j].sets, &ext[i].sets);
			     j++) {
				r.last = ext[j].r.last;
				kinds |= ext[j].internet ? 1 : 2;
			}
			if (!vsets_all_denied(&ext[i].sets))
				entry_range(&o, &r, kinds, &ext[i].sets);
		}
	}
	if (fmt == SGREACH_FORMAT_JSON)
		sb_puts(sb, "]}");
	else if (fmt == SGREACH_FORMAT_TEXT && !o.shown)
		sb_puts(sb, "  no address outside the model\n");
	if (fmt == SGREACH_FORMAT_TEXT && sb->len && !sb->failed)
		sb->s[--sb->len] = '\0';
out:
	rc = an_end(&c, rc, out);
	if (by_class)
		for (k = 0; k < c.ncls_keys.n; k++)
			vsets_free(&by_class[k]);
	free(by_class);
	free(done);
	an_ext_free(ext, next);
	connset_free(&only);
	vec_free(&mem);
	an_free(&c);
	return rc;
}

SGREACH_API int sgreach_who(const sgreach_model *m, const char *dst,
			    const char *flow, unsigned int flags,
			    sgreach_format fmt, sgreach_verdict *ctx,
			    const char **out)
{
	return who_reach(m, dst, flow, flags, fmt, ctx, out, 1);
}

SGREACH_API int sgreach_reach(const sgreach_model *m, const char *src,
			      const char *flow, unsigned int flags,
			      sgreach_format fmt, sgreach_verdict *ctx,
			      const char **out)
{
	return who_reach(m, src, flow, flags, fmt, ctx, out, 0);
}

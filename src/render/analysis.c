/*
 * render/analysis.c - pieces every analysis prints: flow sets, node names,
 * rules, address ranges, CSV fields.
 *
 * Strings from the input are data: text output goes through sb_text (no
 * escape sequences reach a terminal), JSON through sb_json_str, CSV as the
 * text form, then quoted per RFC 4180, and DOT escapes quotes and
 * backslashes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "analysis/analysis.h"
#include "flow.h"
#include "proto.h"

const char *an_node_kind(const struct an_ctx *c, const struct an_node *n)
{
	if (n->kind == NODE_GROUP)
		return "group";
	if (n->kind == NODE_SERVICE)
		return "service";
	if (c->m->endpoints.v[n->idx].task != SG_NONE)
		return "task";
	if (c->m->endpoints.v[n->idx].kind == SGREACH_ENDPOINT_SERVICE)
		return "service";
	return render_endpoint_kind(c->m->endpoints.v[n->idx].kind);
}

static const char *node_name(const struct an_ctx *c, const struct an_node *n,
			     char *buf, size_t size, int qualified)
{
	const struct sg_endpoint *e;

	if (n->kind == NODE_GROUP)
		return c->m->groups.v[n->idx].id;
	e = &c->m->endpoints.v[n->idx]; /* a group's idx is no endpoint's */
	if (n->kind == NODE_SERVICE || e->kind == SGREACH_ENDPOINT_SERVICE) {
		snprintf(buf, size, "service:%s",
			 qualified ? e->id : model_service_name(e));
		return buf;
	}
	return e->id;
}

/* The node's selector: what `sgreach query` takes to name it. */
const char *an_node_name(const struct an_ctx *c, const struct an_node *n,
			 char *buf, size_t size)
{
	return node_name(c, n, buf, size, 0);
}

/* The same, with a service's cluster whenever it is known: one service has
 * the same key in two models however many clusters each has a service of
 * its name. */
const char *an_node_key(const struct an_ctx *c, const struct an_node *n,
			char *buf, size_t size)
{
	return node_name(c, n, buf, size, 1);
}

struct items {
	struct strbuf *sb;
	const char *sep;
	int json, skip_others, n;
};

static int put_item(void *ctx, int proto, const char *text, size_t len)
{
	struct items *it = ctx;

	if (it->skip_others && proto != -1 && proto != PROTO_TCP &&
	    proto != PROTO_UDP && proto != PROTO_ICMP && proto != PROTO_ICMPV6)
		return 0;
	if (it->n++)
		sb_puts(it->sb, it->sep);
	if (it->json)
		sb_json_str(it->sb, text);
	else
		sb_putn(it->sb, text, len);
	return 0;
}

static void set_items(struct an_ctx *c, struct strbuf *sb,
		      const struct connset *s, const char *sep, int json)
{
	struct items it = {sb, sep, json, 0, 0};

	if (connset_equal(s, &c->universe)) {
		sb_puts(sb, json ? "\"all\"" : "all");
		return;
	}
	/* Every protocol without ports: one item, not two hundred. */
	it.skip_others = connset_is_subset(&c->others, s);
	if (connset_foreach_item(s, put_item, &it))
		sb->failed = 1;
	if (it.skip_others) {
		if (it.n++)
			sb_puts(sb, sep);
		sb_puts(sb, json ? "\"other\"" : "other");
	}
}

void an_set_text(struct an_ctx *c, struct strbuf *sb, const struct connset *s,
		 const char *sep)
{
	set_items(c, sb, s, sep, 0);
}

void an_set_json(struct an_ctx *c, struct strbuf *sb, const struct connset *s)
{
	sb_putc(sb, '[');
	set_items(c, sb, s, ",", 1);
	sb_putc(sb, ']');
}

void an_sets_json(struct an_ctx *c, struct strbuf *sb, const struct vsets *v)
{
	sb_puts(sb, "\"allowed\":");
	an_set_json(c, sb, &v->s[VS_A]);
	sb_puts(sb, ",\"partial\":");
	an_set_json(c, sb, &v->s[VS_P]);
	sb_puts(sb, ",\"unknown\":");
	an_set_json(c, sb, &v->s[VS_U]);
}

void an_sets_text(struct an_ctx *c, struct strbuf *sb, const struct vsets *v)
{
	an_set_text(c, sb, &v->s[VS_A], ",");
	if (connset_is_empty(&v->s[VS_A]))
		sb_putc(sb, '-');
	if (!connset_is_empty(&v->s[VS_P])) {
		sb_puts(sb, "  partial ");
		an_set_text(c, sb, &v->s[VS_P], ",");
	}
	if (!connset_is_empty(&v->s[VS_U])) {
		sb_puts(sb, "  unknown ");
		an_set_text(c, sb, &v->s[VS_U], ",");
	}
	sb_putc(sb, '\n');
}

/* Control characters are written as the text form writes them (\xNN),
 * so that no CR or LF breaks a record and nothing reaches a terminal raw;
 * then the field is quoted per RFC 4180 if it holds a comma or a quote. */
void an_csv_field(struct strbuf *sb, const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"")) {
		sb_text_quoted(sb, s, 0);
		return;
	}
	sb_putc(sb, '"');
	sb_text_quoted(sb, s, '"');
	sb_putc(sb, '"');
}

void an_range_text(struct strbuf *sb, const struct sg_range *r, int json)
{
	struct sg_prefix pfx[256];
	char buf[ADDR_TEXT_MAX];
	size_t n, i;

	n = range_to_prefixes(r, pfx, sizeof(pfx) / sizeof(*pfx));
	for (i = 0; i < n; i++) {
		if (i)
			sb_puts(sb, json ? "," : " ");
		if (json)
			sb_json_str(sb,
				    addr_format(&pfx[i], 0, buf, sizeof(buf)));
		else
			sb_puts(sb, addr_format(&pfx[i], 0, buf, sizeof(buf)));
	}
}

void an_rule_json(struct an_ctx *c, struct strbuf *sb, uint32_t ri)
{
	const struct sg_rule *r = &c->m->rules.v[ri];
	const struct sg_group *g = &c->m->groups.v[r->group];
	char buf[16];

	sb_puts(sb, "{\"group_id\":");
	sb_json_str(sb, g->id);
	sb_puts(sb, ",\"group_name\":");
	sb_json_str(sb, g->name);
	sb_printf(sb, ",\"direction\":\"%s\",\"position\":%u,\"rule_id\":",
		  r->dir == SGREACH_EGRESS ? "egress" : "ingress", r->position);
	sb_json_str(sb, r->rule_id);
	sb_puts(sb, ",\"protocol\":");
	sb_json_str(sb, proto_text(r->proto, buf, sizeof(buf)));
	sb_printf(sb, ",\"from_port\":%d,\"to_port\":%d,\"peer_kind\":\"%s\"",
		  r->from, r->to, render_peer_kind(r->peer_kind));
	sb_puts(sb, ",\"peer\":");
	sb_json_str(sb, r->peer_text);
	sb_putc(sb, '}');
}

void an_rule_text(struct an_ctx *c, struct strbuf *sb, uint32_t ri)
{
	const struct sg_rule *r = &c->m->rules.v[ri];
	const struct sg_group *g = &c->m->groups.v[r->group];
	char buf[16];

	sb_text(sb, g->id);
	if (g->name) {
		sb_puts(sb, " (");
		sb_text(sb, g->name);
		sb_putc(sb, ')');
	}
	sb_printf(sb, " %s #%u %s",
		  r->dir == SGREACH_EGRESS ? "egress" : "ingress", r->position,
		  proto_text(r->proto, buf, sizeof(buf)));
	if ((r->proto == PROTO_TCP || r->proto == PROTO_UDP) &&
	    !(r->from == 0 && r->to == 65535)) {
		if (r->from == r->to)
			sb_printf(sb, " %d", r->from);
		else
			sb_printf(sb, " %d-%d", r->from, r->to);
	} else if ((r->proto == PROTO_ICMP || r->proto == PROTO_ICMPV6) &&
		   r->from != -1) {
		sb_printf(sb, " type %d", r->from);
		if (r->to != -1)
			sb_printf(sb, " code %d", r->to);
	}
	sb_puts(sb, r->dir == SGREACH_EGRESS ? " to " : " from ");
	sb_text(sb, r->peer_text);
	if (r->rule_id) {
		sb_puts(sb, " [");
		sb_text(sb, r->rule_id);
		sb_putc(sb, ']');
	}
}

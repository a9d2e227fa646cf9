/*
 * analysis/ports.c - `sgreach ports SRC DST`: every flow SRC may open to
 * DST, as merged ranges, with the rules that allow them on each side.
 *
 * The answer is a query's answer for every flow at once: a flow listed as
 * allowed is one that sgreach_query() calls allowed, and likewise for
 * partial and unknown; every flow not listed is denied.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"

/* The rules that take part in the answer: on each side, the rules of the
 * side's interfaces that match the other side's members, with the flows
 * they contribute to what is allowed, partial or unknown. */
static int collect_rules(struct an_ctx *c, const void *smem, const void *dmem,
			 uint8_t *used)
{
	VEC(uint32_t) a = {0};
	VEC(uint32_t) b = {0};
	uint32_t i, j, k;
	int rc;

	if ((rc = an_members_classes(c, smem, &a)) ||
	    (rc = an_members_classes(c, dmem, &b)))
		goto out;
	for (i = 0; i < a.n; i++)
		for (j = 0; j < b.n; j++) {
			const struct member *s = &c->mcls.v[a.v[i]].rep;
			const struct member *d = &c->mcls.v[b.v[j]].rep;
			const struct sg_endpoint *e;

			if (s->ep != SG_NONE) {
				e = &c->m->endpoints.v[s->ep];
				for (k = 0; k < e->nrules[SGREACH_EGRESS]; k++)
					if (an_rule_matches(
						c, s->ep,
						e->rules[SGREACH_EGRESS][k], d))
						used[e->rules[SGREACH_EGRESS]
							     [k]] = 1;
			}
			if (d->ep != SG_NONE) {
				struct member src;

				an_seen_source(c, s, d, &src);
				e = &c->m->endpoints.v[d->ep];
				for (k = 0; k < e->nrules[SGREACH_INGRESS]; k++)
					if (an_rule_matches(
						c, d->ep,
						e->rules[SGREACH_INGRESS][k],
						&src))
						used[e->rules[SGREACH_INGRESS]
							     [k]] = 1;
			}
		}
out:
	vec_free(&a);
	vec_free(&b);
	return rc;
}

static void render(struct an_ctx *c, sgreach_format fmt,
		   const struct selection *s, const struct selection *d,
		   const struct vsets *v, const uint8_t *used)
{
	struct strbuf *sb = &c->v->out;
	struct connset any, t;
	static const char *const names[] = {"allowed", "partial", "unknown"};
	static const int idx[] = {VS_A, VS_P, VS_U};
	uint32_t ri, n = 0;
	int dir, i;

	sb_reset(sb);
	connset_init(&any);
	connset_init(&t);
	if (connset_copy(&any, &v->s[VS_A]) ||
	    connset_union(&any, &v->s[VS_P]) ||
	    connset_union(&any, &v->s[VS_U]))
		sb->failed = 1;
	if (fmt == SGREACH_FORMAT_JSON) {
		sb_puts(sb, "{\"src\":");
		sb_json_str(sb, s->text);
		sb_puts(sb, ",\"dst\":");
		sb_json_str(sb, d->text);
		sb_printf(sb, ",\"family\":%d,", c->fam);
		an_sets_json(c, sb, v);
		sb_puts(sb, ",\"rules\":[");
	} else {
		sb_text(sb, s->text);
		sb_puts(sb, " -> ");
		sb_text(sb, d->text);
		sb_printf(sb, " (IPv%d)\n", c->fam);
		for (i = 0; i < 3; i++) {
			if (i && connset_is_empty(&v->s[idx[i]]))
				continue;
			sb_printf(sb, "%s: ", names[i]);
			if (connset_is_empty(&v->s[idx[i]]))
				sb_puts(sb, "nothing");
			else
				an_set_text(c, sb, &v->s[idx[i]], ", ");
			sb_putc(sb, '\n');
		}
	}
	/* Egress rules first, then ingress, each in the model's order. */
	for (dir = SGREACH_EGRESS; dir >= SGREACH_INGRESS; dir--)
		for (ri = 0; ri < c->m->rules.n; ri++) {
			const struct connset *rs;

			if (!used[ri] || c->m->rules.v[ri].dir != dir)
				continue;
			rs = an_rule_conn(c, ri);
			if (!rs || connset_copy(&t, rs) ||
			    connset_intersect(&t, &any)) {
				sb->failed = 1;
				continue;
			}
			if (connset_is_empty(&t))
				continue;
			if (fmt == SGREACH_FORMAT_JSON) {
				if (n++)
					sb_putc(sb, ',');
				an_rule_json(c, sb, ri);
				sb->len--; /* reopen the object */
				sb_puts(sb, ",\"flows\":");
				an_set_json(c, sb, &t);
				sb_putc(sb, '}');
			} else {
				if (!n++)
					sb_puts(sb, "rules:\n");
				sb_puts(sb, "  ");
				an_rule_text(c, sb, ri);
				sb_puts(sb, ": ");
				an_set_text(c, sb, &t, ", ");
				sb_putc(sb, '\n');
			}
		}
	if (fmt == SGREACH_FORMAT_JSON)
		sb_puts(sb, "]}");
	else if (sb->len && !sb->failed)
		sb->s[--sb->len] = '\0'; /* no final newline, as verdicts */
	connset_free(&any);
	connset_free(&t);
}

SGREACH_API int sgreach_ports(const sgreach_model *m, const char *src,
			      const char *dst, unsigned int flags,
			      sgreach_format fmt, sgreach_verdict *ctx,
			      const char **out)
{
	struct an_ctx c;
	struct selection s, d;
	VEC(struct member) sm = {0};
	VEC(struct member) dm = {0};
	struct vsets v;
	uint8_t *used = NULL;
	int rc, fam;

	memset(&c, 0, sizeof(c));
	c.v = ctx;
	rc = an_begin(m, ctx, out, fmt,
		      1u << SGREACH_FORMAT_TEXT | 1u << SGREACH_FORMAT_JSON,
		      "ports");
	if (rc)
		return rc;
	if (flags & ~(unsigned int)(SGREACH_QUERY_IPV4 | SGREACH_QUERY_IPV6))
		return an_fail(&c, -EINVAL, "unknown flags");
	memset(&s, 0, sizeof(s));
	memset(&d, 0, sizeof(d));
	if ((rc = eval_resolve_selector(ctx, src, &s)) ||
	    (rc = eval_resolve_selector(ctx, dst, &d)) ||
	    (rc = an_pick_family(ctx, flags, &s, &d, NULL, &fam)))
		return rc;
	if ((s.what == SELW_ADDRESS || s.what == SELW_CIDR) &&
	    (d.what == SELW_ADDRESS || d.what == SELW_CIDR)) {
		return an_fail(&c, -EINVAL,
			       "both %s and %s are outside the model: "
			       "security groups have nothing to say",
			       s.text, d.text);
	}
	vsets_init(&v);
	if ((rc = an_init(&c, m, ctx, fam)) ||
	    (rc = an_select(&c, NULL, &s, &sm)) ||
	    (rc = an_select(&c, NULL, &d, &dm)) ||
	    (rc = an_members_pair(&c, &sm, &dm, &v)))
		goto out;
	used = calloc(m->rules.n ? m->rules.n : 1, 1);
	if (!used) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = collect_rules(&c, &sm, &dm, used)))
		goto out;
	render(&c, fmt, &s, &d, &v, used);
out:
	rc = an_end(&c, rc, out);
	free(used);
	vsets_free(&v);
	vec_free(&sm);
	vec_free(&dm);
	an_free(&c);
	return rc;
}

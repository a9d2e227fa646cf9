/*
 * analysis/exposure.c - `sgreach exposure`: what the internet can reach.
 *
 * Every endpoint whose ingress rules admit flows from public address
 * space, with those flows, the address ranges, the rules responsible, and
 * whether the endpoint can be addressed from the internet at all (a public
 * address, or a service that assigns public IPs to its tasks).  A rule
 * that admits the internet on an endpoint without a public address still
 * matters: a load balancer or NAT in front of it, or a later change, makes
 * it reachable.  Endpoints are evaluated once per class.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"

/* The node's answer: internet ranges that are not all denied, and the
 * union of their flows. */
struct exposed {
	struct ext_range *ext;
	size_t next;
	struct vsets total;
	int done, any;
	uint32_t last; /* the class's last node */
};

/* A public IPv4 address (Association.PublicIp), or in IPv6 any address
 * in public space (IPv6 addresses are routable as they are). */
static int public_address(const struct sg_eaddr *a, int fam)
{
	struct sg_range r;

	if (a->p.fam != fam)
		return 0;
	if (a->is_public)
		return 1;
	prefix_range(&a->p, &r);
	return fam == 6 && !an_range_private(&r);
}

static int addressable(const sgreach_model *m, const struct sg_endpoint *e,
		       int fam, struct strbuf *pub, int json)
{
	uint32_t k, n = 0;
	char buf[ADDR_TEXT_MAX];

	for (k = 0; k < e->addrs.n; k++) {
		if (e->kind == SGREACH_ENDPOINT_SERVICE ||
		    !public_address(&e->addrs.v[k], fam))
			continue;
		if (n++)
			sb_puts(pub, json ? "," : " ");
		if (json)
			sb_json_str(pub, addr_format(&e->addrs.v[k].p, 1, buf,
						     sizeof(buf)));
		else
			sb_puts(pub, addr_format(&e->addrs.v[k].p, 1, buf,
						 sizeof(buf)));
	}
	if (n || (fam == 4 && e->assign_public))
		return 1;
	if (fam != 4)
		return 0;
	return e->service != SG_NONE &&
	       m->endpoints.v[e->service].assign_public;
}

/*
 * Shows public pieces i..last, with private space between them, as the
 * smallest prefix holding them when no other public piece falls in it:
 * "public addresses of ::/0" rather than a hundred prefixes around the
 * private ones.
 */
static void widen(const struct exposed *x, size_t i, size_t last,
		  struct sg_range *env)
{
	unsigned int width = env->fam == 4 ? 32 : 128, len;
	struct sg_prefix p;
	struct sg_range pr;
	size_t k;

	for (len = width;; len--) {
		struct sg_addr m = addr_mask(len);

		p.a.hi = env->first.hi & m.hi;
		p.a.lo = env->first.lo & m.lo;
		p.len = (uint8_t)len;
		p.fam = env->fam;
		prefix_range(&p, &pr);
		if (addr_cmp(&pr.last, &env->last) >= 0 || len == 0)
			break;
	}
	for (k = 0; k < x->next; k++) {
		const struct ext_range *r = &x->ext[k];

		if (!r->internet || (k >= i && k <= last))
			continue;
		if (addr_cmp(&r->r.last, &pr.first) >= 0 &&
		    addr_cmp(&r->r.first, &pr.last) <= 0)
			return; /* another public answer inside: keep env */
	}
	*env = pr;
}

/* Does rule ri admit a flow that sets s allow, allow in part or leave
 * unknown? */
static int rule_meets(struct an_ctx *c, uint32_t ri, const struct vsets *s)
{
	const struct connset *rs = an_rule_conn(c, ri);
	int i;

	if (!rs)
		return 0;
	for (i = 0; i < VS_N; i++)
		if (i != VS_D && connset_overlaps(rs, &s->s[i]))
			return 1;
	return 0;
}

/* Is ingress rule ri of endpoint e behind the exposure of range x? */
static int rule_exposes(struct an_ctx *c, uint32_t e, uint32_t ri,
			const struct ext_range *x)
{
	const struct sg_rule *r = &c->m->rules.v[ri];
	struct member peer;

	if (!rule_meets(c, ri, &x->sets))
		return 0;
	if (r->peer_kind == SGREACH_PEER_UNKNOWN ||
	    (r->peer_kind == SGREACH_PEER_PREFIX_LIST &&
	     !c->m->plists.v[r->peer].loaded))
		return 1;
	memset(&peer, 0, sizeof(peer));
	peer.ep = SG_NONE;
	peer.p.a = x->r.first;
	peer.p.fam = x->r.fam;
	peer.p.len = x->r.fam == 4 ? 32 : 128;
	return an_rule_matches(c, e, ri, &peer);
}

static int compute(struct an_ctx *c, const struct an_node *n, struct exposed *x)
{
	size_t i;
	int rc;

	if ((rc = an_external_cls(c, n->cls, n->ncls, SGREACH_INGRESS, &x->ext,
				  &x->next)))
		return rc;
	for (i = 0; i < x->next && !rc; i++) {
		struct ext_range *r = &x->ext[i];
		int k;

		if (!r->internet || vsets_all_denied(&r->sets))
			continue;
		x->any = 1;
		for (k = 0; k < VS_N && !rc; k++)
			if (k != VS_D)
				rc = connset_union(&x->total.s[k],
						   &r->sets.s[k]);
	}
	x->done = 1;
	return rc;
}

static void render_node(struct an_ctx *c, sgreach_format fmt,
			const struct an_node *n, const struct exposed *x,
			uint32_t *count)
{
	const sgreach_model *m = c->m;
	const struct sg_endpoint *e = &m->endpoints.v[n->idx];
	struct strbuf *sb = &c->v->out, pub;
	char buf[AN_NAME_MAX];
	const char *name = an_node_name(c, n, buf, sizeof(buf));
	const char *task = e->task != SG_NONE ? m->tasks.v[e->task].arn : NULL;
	const char *svc = e->kind == SGREACH_ENDPOINT_SERVICE
			      ? model_service_name(e)
			  : e->service != SG_NONE
			      ? model_service_name(&m->endpoints.v[e->service])
			      : NULL;
	int json = fmt == SGREACH_FORMAT_JSON, addr;
	uint32_t k, nr = 0;
	size_t i, j;

	sb_init(&pub);
	addr = addressable(m, e, c->fam, &pub, json);
	if ((*count)++ && json)
		sb_putc(sb, ',');
	if (json) {
		sb_puts(sb, "{\"id\":");
		sb_json_str(sb, name);
		sb_puts(sb, ",\"kind\":");
		sb_json_str(sb, an_node_kind(c, n));
		sb_puts(sb, ",\"task\":");
		sb_json_str(sb, task);
		sb_puts(sb, ",\"service\":");
		sb_json_str(sb, svc);
		sb_printf(sb, ",\"addressable\":%s,\"public_addresses\":[",
			  addr ? "true" : "false");
		if (pub.len)
			sb_putn(sb, pub.s, pub.len);
		sb_puts(sb, "],");
		an_sets_json(c, sb, &x->total);
		sb_puts(sb, ",\"ranges\":[");
	} else {
		sb_text(sb, name);
		sb_printf(sb, " (%s", an_node_kind(c, n));
		if (svc && e->kind != SGREACH_ENDPOINT_SERVICE) {
			sb_puts(sb, " of service ");
			sb_text(sb, svc);
		}
		sb_puts(sb, addr ? "), addressable from the internet"
				 : "), no public address");
		if (pub.len) {
			sb_puts(sb, ": ");
			sb_putn(sb, pub.s, pub.len);
		}
		sb_putc(sb, '\n');
	}
	if (pub.failed)
		sb->failed = 1;
	sb_free(&pub);
	/* Public pieces with the same answer are shown as one range, the
	 * private space between them left out ("public addresses of"). */
	for (i = 0; i < x->next; i = j) {
		const struct ext_range *r = &x->ext[i];
		struct sg_range env = r->r;
		size_t last = i;

		j = i + 1;
		if (!r->internet || vsets_all_denied(&r->sets))
			continue;
		for (; j < x->next; j++) {
			if (!x->ext[j].internet)
				continue;
			if (!vsets_equal(&x->ext[j].sets, &r->sets))
				break;
			last = j;
		}
		j = last + 1;
		env.last = x->ext[last].r.last;
		if (last > i)
			widen(x, i, last, &env);
		if (json) {
			if (nr++)
				sb_putc(sb, ',');
			sb_puts(sb, "{\"ranges\":[");
			an_range_text(sb, &env, 1);
			sb_printf(sb, "],\"public_only\":%s,",
				  last > i ? "true" : "false");
			an_sets_json(c, sb, &r->sets);
			sb_putc(sb, '}');
		} else {
			static const char *const names[] = {
			    "allowed", "partial", "unknown"};
			static const int idx[] = {VS_A, VS_P, VS_U};
			int t, w = 0;

			sb_puts(sb, last > i ? "  from public addresses of "
					     : "  from ");
			an_range_text(sb, &env, 0);
			for (t = 0; t < 3; t++) {
				if (connset_is_empty(&r->sets.s[idx[t]]))
					continue;
				sb_puts(sb, w++ ? "; " : ": ");
				sb_printf(sb, "%s ", names[t]);
				an_set_text(c, sb, &r->sets.s[idx[t]], ", ");
			}
			sb_putc(sb, '\n');
		}
	}
	if (json)
		sb_puts(sb, "],\"rules\":[");
	nr = 0;
	for (k = 0; k < e->nrules[SGREACH_INGRESS]; k++) {
		uint32_t ri = e->rules[SGREACH_INGRESS][k];

		/* x->total holds the flows of every range below: a rule
		 * that admits none of them exposes none. */
		if (!rule_meets(c, ri, &x->total))
			continue;
		for (i = 0; i < x->next; i++)
			if (x->ext[i].internet &&
			    !vsets_all_denied(&x->ext[i].sets) &&
			    rule_exposes(c, n->idx, ri, &x->ext[i]))
				break;
		if (i == x->next)
			continue;
		if (json) {
			if (nr++)
				sb_putc(sb, ',');
			an_rule_json(c, sb, ri);
		} else {
			sb_puts(sb, "  rule ");
			an_rule_text(c, sb, ri);
			sb_putc(sb, '\n');
		}
	}
	if (json)
		sb_puts(sb, "]}");
}

SGREACH_API int sgreach_exposure(const sgreach_model *m, unsigned int flags,
				 sgreach_format fmt, sgreach_verdict *ctx,
				 const char **out)
{
	struct an_ctx c;
	struct exposed *by_class = NULL;
	uint32_t k, count = 0, nclasses = 0;
	int rc, fam;

	memset(&c, 0, sizeof(c));
	c.v = ctx;
	rc = an_begin(m, ctx, out, fmt,
		      1u << SGREACH_FORMAT_TEXT | 1u << SGREACH_FORMAT_JSON,
		      "exposure");
	if (rc)
		return rc;
	if (flags & ~(unsigned int)(SGREACH_QUERY_IPV4 | SGREACH_QUERY_IPV6))
		return an_fail(&c, -EINVAL, "unknown flags");
	if ((rc = an_pick_family(ctx, flags, NULL, NULL, NULL, &fam)))
		return rc;
	if ((rc = an_init(&c, m, ctx, fam)) ||
	    (rc = an_add_nodes(&c, NODE_ENDPOINT)) ||
	    (rc = an_finish_nodes(&c)))
		goto out;
	nclasses = c.ncls_keys.n;
	by_class = calloc(nclasses ? nclasses : 1, sizeof(*by_class));
	if (!by_class) {
		rc = -ENOMEM;
		goto out;
	}
	for (k = 0; k < nclasses; k++)
		vsets_init(&by_class[k].total);
	/* Each class's answer is freed once its last node is rendered:
	 * held to the end, the answers of large were 300 MB. */
	for (k = 0; k < c.nodes.n; k++)
		by_class[c.nodes.v[k].nclass].last = k;
	sb_reset(&ctx->out);
	if (fmt == SGREACH_FORMAT_JSON)
		sb_printf(&ctx->out, "{\"family\":%d,\"endpoints\":[", fam);
	else
		sb_printf(&ctx->out, "exposed to the internet (IPv%d):\n", fam);
	for (k = 0; k < c.nodes.n; k++) {
		const struct an_node *n = &c.nodes.v[k];
		struct exposed *x = &by_class[n->nclass];

		if (!x->done && (rc = compute(&c, n, x)))
			goto out;
		if (x->any)
			render_node(&c, fmt, n, x, &count);
		if (x->last == k) {
			an_ext_free(x->ext, x->next);
			x->ext = NULL;
			x->next = 0;
		}
	}
	if (fmt == SGREACH_FORMAT_JSON)
		sb_puts(&ctx->out, "]}");
	else if (!count)
		sb_puts(&ctx->out, "nothing");
	else if (ctx->out.len && !ctx->out.failed)
		ctx->out.s[--ctx->out.len] = '\0';
out:
	rc = an_end(&c, rc, out);
	for (k = 0; by_class && k < nclasses; k++) {
		an_ext_free(by_class[k].ext, by_class[k].next);
		vsets_free(&by_class[k].total);
	}
	free(by_class);
	an_free(&c);
	return rc;
}

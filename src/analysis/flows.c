/*
 * analysis/flows.c - the allowed flows between two members, as sets.
 *
 * Mirrors eval.c: eval_side() decides one flow by walking the rules that
 * match the flow's protocol and port; an_side() walks every rule once and
 * puts the rule's whole flow set where that walk would have put each of its
 * flows.  An ingress and an egress side combine as eval_pairs() combines
 * them, and the members of a set combine as its tally does.
 *
 * Whole-estate analyses work on classes (classes.c): two members (addresses of
 * endpoints) whose endpoints carry the same groups in the same VPC and
 * whose addresses fall in the same CIDRs of every rule behave alike on
 * both sides of every pair, so a pair of classes is evaluated once.
 */
#include "analysis/analysis.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "proto.h"

/* ----------------------------------------------------------- verdict sets --
 */

void vsets_init(struct vsets *v)
{
	int i;

	for (i = 0; i < VS_N; i++)
		connset_init(&v->s[i]);
}

void vsets_free(struct vsets *v)
{
	int i;

	for (i = 0; i < VS_N; i++)
		connset_free(&v->s[i]);
}

int vsets_copy(struct vsets *dst, const struct vsets *src)
{
	int i, rc;

	for (i = 0; i < VS_N; i++)
		if ((rc = connset_copy(&dst->s[i], &src->s[i])))
			return rc;
	return 0;
}

bool vsets_equal(const struct vsets *a, const struct vsets *b)
{
	int i;

	for (i = 0; i < VS_N; i++)
		if (!connset_equal(&a->s[i], &b->s[i]))
			return false;
	return true;
}

int vsets_restrict(struct vsets *v, const struct connset *only)
{
	int i, rc;

	for (i = 0; i < VS_N; i++)
		if ((rc = connset_intersect(&v->s[i], only)))
			return rc;
	return 0;
}

bool vsets_all_denied(const struct vsets *v)
{
	return connset_is_empty(&v->s[VS_A]) && connset_is_empty(&v->s[VS_U]) &&
	       connset_is_empty(&v->s[VS_P]);
}

void presence_init(struct presence *p)
{
	int i;

	for (i = 0; i < VS_N; i++)
		connset_init(&p->has[i]);
}

void presence_free(struct presence *p)
{
	int i;

	for (i = 0; i < VS_N; i++)
		connset_free(&p->has[i]);
}

int presence_add(struct presence *p, const struct vsets *pair)
{
	int i, rc;

	for (i = 0; i < VS_N; i++)
		if ((rc = connset_union(&p->has[i], &pair->s[i])))
			return rc;
	return 0;
}

/*
 * eval.c's tally_result() per flow: allowed when every pair allows, denied
 * when every pair denies, partial when some allow (or are partial) and
 * some deny, else unknown when some pair is unknown, else partial.
 */
int presence_result(const struct presence *p, const struct connset *universe,
		    struct vsets *out)
{
	struct connset t;
	int rc;

	connset_init(&t);
	/* allowed = has A − (has D ∪ has U ∪ has P) */
	if ((rc = connset_copy(&t, &p->has[VS_D])) ||
	    (rc = connset_union(&t, &p->has[VS_U])) ||
	    (rc = connset_union(&t, &p->has[VS_P])) ||
	    (rc = connset_copy(&out->s[VS_A], &p->has[VS_A])) ||
	    (rc = connset_subtract(&out->s[VS_A], &t)))
		goto out;
	/* denied = has D − (has A ∪ has U ∪ has P) */
	if ((rc = connset_copy(&t, &p->has[VS_A])) ||
	    (rc = connset_union(&t, &p->has[VS_U])) ||
	    (rc = connset_union(&t, &p->has[VS_P])) ||
	    (rc = connset_copy(&out->s[VS_D], &p->has[VS_D])) ||
	    (rc = connset_subtract(&out->s[VS_D], &t)))
		goto out;
	/* mixed = (has A ∪ has P) ∩ has D is partial; unknown = has U − mixed
	 */
	if ((rc = connset_copy(&t, &p->has[VS_A])) ||
	    (rc = connset_union(&t, &p->has[VS_P])) ||
	    (rc = connset_intersect(&t, &p->has[VS_D])) ||
	    (rc = connset_copy(&out->s[VS_U], &p->has[VS_U])) ||
	    (rc = connset_subtract(&out->s[VS_U], &t)))
		goto out;
	/* partial = the rest */
	if ((rc = connset_copy(&out->s[VS_P], universe)) ||
	    (rc = connset_subtract(&out->s[VS_P], &out->s[VS_A])) ||
	    (rc = connset_subtract(&out->s[VS_P], &out->s[VS_D])) ||
	    (rc = connset_subtract(&out->s[VS_P], &out->s[VS_U])))
		goto out;
out:
	connset_free(&t);
	return rc;
}

/* --------------------------------------------------------------- context -- */

int an_fail(struct an_ctx *c, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->v->err, sizeof(c->v->err), fmt, ap);
	va_end(ap);
	return rc;
}

static int prefix_cmp(const void *a, const void *b)
{
	const struct sg_prefix *x = a, *y = b;
	int d = addr_cmp(&x->a, &y->a);

	return d ? d : (int)x->len - (int)y->len;
}

/* CIDR prefixes nest or are disjoint: sorted by address then length, each
 * one's parent (the smallest CIDR strictly holding it) is on the stack of
 * those still open when it comes. */
static int cidr_parents(struct an_ctx *c)
{
	uint32_t *stack, top = 0, i;

	c->cparent = malloc((c->ncidrs ? c->ncidrs : 1) * sizeof(uint32_t));
	stack = malloc((c->ncidrs ? c->ncidrs : 1) * sizeof(uint32_t));
	if (!c->cparent || !stack) {
		free(stack);
		return -ENOMEM;
	}
	for (i = 0; i < c->ncidrs; i++) {
		while (top && !prefix_contains(&c->cidrs[stack[top - 1]],
					       &c->cidrs[i]))
			top--;
		c->cparent[i] = top ? stack[top - 1] : SG_NONE;
		stack[top++] = i;
	}
	free(stack);
	return 0;
}

/* The distinct CIDRs of the family that live rules name. */
static int collect_cidrs(struct an_ctx *c)
{
	const sgreach_model *m = c->m;
	uint32_t i, k, n = 0, cap = 64, w;
	struct sg_prefix *v = malloc(cap * sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (i = 0; i < m->rules.n; i++) {
		const struct sg_rule *r = &m->rules.v[i];
		const struct sg_prefix *p = NULL;
		uint32_t np = 0;

		if (r->dropped)
			continue;
		if (r->peer_kind == SGREACH_PEER_CIDR) {
			p = &r->cidr;
			np = 1;
		} else if (r->peer_kind == SGREACH_PEER_PREFIX_LIST &&
			   m->plists.v[r->peer].loaded) {
			p = m->plists.v[r->peer].entries.v;
			np = m->plists.v[r->peer].entries.n;
		}
		for (k = 0; k < np; k++) {
			if (p[k].fam != c->fam)
				continue;
			if (n == cap) {
				struct sg_prefix *nv =
				    realloc(v, 2 * cap * sizeof(*v));

				if (!nv) {
					free(v);
					return -ENOMEM;
				}
				v = nv;
				cap *= 2;
			}
			v[n++] = p[k];
		}
	}
	qsort(v, n, sizeof(*v), prefix_cmp);
	for (i = 0, w = 0; i < n; i++)
		if (!w || prefix_cmp(&v[w - 1], &v[i]))
			v[w++] = v[i];
	c->cidrs = v;
	c->ncidrs = w;
	return 0;
}

int an_init(struct an_ctx *c, const sgreach_model *m, sgreach_verdict *v,
	    int fam)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->m = m;
	c->v = v;
	c->fam = fam;
	v->m = m;
	v->family = fam;
	v->ok = 0;
	v->err[0] = '\0';
	hmap_init(&c->mcls_ids);
	hmap_init(&c->ncls_ids);
	hmap_init(&c->res_ids);
	hmap_init(&c->side_ids);
	connset_init(&c->universe);
	connset_init(&c->others);
	/* ICMP is IPv4 only and ICMPv6 IPv6 only (spec 3). */
	connset_add_all(&c->universe);
	{
		struct connset other;

		connset_init(&other);
		rc = connset_add(&other, fam == 4 ? PROTO_ICMPV6 : PROTO_ICMP,
				 0, 0xffff);
		if (!rc)
			rc = connset_subtract(&c->universe, &other);
		connset_free(&other);
		if (rc)
			return rc;
	}
	if ((rc = connset_copy(&c->others, &c->universe)))
		return rc;
	{
		static const int listed[] = {PROTO_TCP, PROTO_UDP, PROTO_ICMP,
					     PROTO_ICMPV6};
		struct connset l;
		size_t i;

		connset_init(&l);
		for (i = 0; i < 4 && !rc; i++)
			rc = connset_add(&l, listed[i], 0, 0xffff);
		if (!rc)
			rc = connset_subtract(&c->others, &l);
		connset_free(&l);
		if (rc)
			return rc;
	}
	c->rconn = calloc(m->rules.n ? m->rules.n : 1, sizeof(*c->rconn));
	c->rconn_ok = calloc(m->rules.n ? m->rules.n : 1, 1);
	if (!c->rconn || !c->rconn_ok)
		return -ENOMEM;
	if ((rc = collect_cidrs(c)))
		return rc;
	/* Where each CIDR rule's prefix sits in cidrs (sorted, distinct). */
	c->rcidx = calloc(m->rules.n ? m->rules.n : 1, sizeof(*c->rcidx));
	if (!c->rcidx)
		return -ENOMEM;
	{
		uint32_t i;

		for (i = 0; i < m->rules.n; i++) {
			const struct sg_rule *r = &m->rules.v[i];
			const struct sg_prefix *hit;

			c->rcidx[i] = SG_NONE;
			if (r->dropped || r->peer_kind != SGREACH_PEER_CIDR ||
			    r->cidr.fam != fam)
				continue;
			hit = bsearch(&r->cidr, c->cidrs, c->ncidrs,
				      sizeof(*c->cidrs), prefix_cmp);
			if (hit)
				c->rcidx[i] = (uint32_t)(hit - c->cidrs);
		}
	}
	return cidr_parents(c);
}

uint32_t an_cidr_index(const struct an_ctx *c, const struct sg_prefix *p)
{
	const struct sg_prefix *hit =
	    bsearch(p, c->cidrs, c->ncidrs, sizeof(*c->cidrs), prefix_cmp);

	return hit ? (uint32_t)(hit - c->cidrs) : SG_NONE;
}

/* The position of the last CIDR at or before p in cidrs' order, or
 * SG_NONE when every CIDR comes after it. */
static uint32_t cidr_floor(const struct an_ctx *c, const struct sg_prefix *p)
{
	uint32_t lo = 0, hi = c->ncidrs;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (prefix_cmp(&c->cidrs[mid], p) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? lo - 1 : SG_NONE;
}

uint32_t an_cidr_deepest(const struct an_ctx *c, const struct sg_prefix *p)
{
	uint32_t i = cidr_floor(c, p);

	/* Every CIDR that holds p sorts at or before it, and the last one
	 * at or before p starts inside any of them: so it is one of them or
	 * lies inside one, and the holders are on its chain of parents. */
	while (i != SG_NONE && !prefix_contains(&c->cidrs[i], p))
		i = c->cparent[i];
	return i;
}

uint32_t an_cidr_first_inside(const struct an_ctx *c, const struct sg_prefix *p)
{
	uint32_t i = cidr_floor(c, p);

	/* A CIDR strictly inside p sorts after p (same start, longer; or a
	 * later start), and one that holds p sorts at or before it. */
	return i == SG_NONE ? 0 : i + 1;
}

void an_free(struct an_ctx *c)
{
	uint32_t i;

	if (c->rconn) {
		for (i = 0; i < c->m->rules.n; i++)
			if (c->rconn_ok[i])
				connset_free(&c->rconn[i]);
	}
	free(c->rconn);
	free(c->rconn_ok);
	free(c->rcidx);
	free(c->cidrs);
	free(c->cparent);
	for (i = 0; i < c->mcls.n; i++) {
		free(c->mcls.v[i].key);
		free(c->mcls.v[i].bits);
	}
	vec_free(&c->mcls);
	hmap_free(&c->mcls_ids);
	an_memo_free(c);
	for (i = 0; i < c->nodes.n; i++)
		free(c->nodes.v[i].cls);
	vec_free(&c->nodes);
	hmap_free(&c->ncls_ids);
	for (i = 0; i < c->ncls_keys.n; i++)
		free(c->ncls_keys.v[i]);
	vec_free(&c->ncls_keys);
	u64map_free(&c->npair_ids);
	vec_free(&c->cov);
	vec_free(&c->covr);
	vec_free(&c->bounds);
	connset_free(&c->universe);
	connset_free(&c->others);
}

/* ----------------------------------------------------------------- rules -- */

static int rule_conn(const struct sg_rule *r, struct connset *s)
{
	switch (r->proto) {
	case PROTO_ALL:
		connset_add_all(s);
		return 0;
	case PROTO_TCP:
	case PROTO_UDP:
		return connset_add(s, r->proto, (unsigned int)r->from,
				   (unsigned int)r->to);
	case PROTO_ICMP:
	case PROTO_ICMPV6:
		/* FromPort = type, ToPort = code, -1 = any (spec 3). */
		if (r->from == -1)
			return connset_add(s, r->proto, 0, 0xffff);
		if (r->to == -1)
			return connset_add(s, r->proto,
					   (unsigned int)r->from << 8,
					   (unsigned int)r->from << 8 | 0xff);
		return connset_add(s, r->proto,
				   (unsigned int)(r->from << 8 | r->to),
				   (unsigned int)(r->from << 8 | r->to));
	default:
		/* Other protocols: all of it, whatever ports are written. */
		return connset_add(s, r->proto, 0, 0);
	}
}

const struct connset *an_rule_conn(struct an_ctx *c, uint32_t ri)
{
	if (!c->rconn_ok[ri]) {
		connset_init(&c->rconn[ri]);
		if (rule_conn(&c->m->rules.v[ri], &c->rconn[ri]) ||
		    connset_intersect(&c->rconn[ri], &c->universe)) {
			connset_free(&c->rconn[ri]);
			return NULL;
		}
		c->rconn_ok[ri] = connset_is_empty(&c->rconn[ri]) ? 2 : 1;
	}
	return &c->rconn[ri];
}

int an_rule_live(struct an_ctx *c, uint32_t ri)
{
	if (!c->rconn_ok[ri] && !an_rule_conn(c, ri))
		return -ENOMEM;
	return c->rconn_ok[ri] == 1;
}

static int push_cov(struct an_ctx *c, const struct sg_prefix *p, uint32_t ri);

/* How rule ri of endpoint self matches peer (M_NO, M_ALL, M_SOME), as
 * eval_side() classifies it; *unknown when it depends on missing data.
 * With push, the parts of a range peer it covers go to c->cov. */
static int rule_how(struct an_ctx *c, uint32_t self, uint32_t ri,
		    const struct member *peer, int push, int *unknown, int *rc)
{
	const sgreach_model *m = c->m;
	const struct sg_rule *r = &m->rules.v[ri];
	int how = M_NO;
	uint32_t k;

	*unknown = 0;
	*rc = 0;
	switch (r->peer_kind) {
	case SGREACH_PEER_CIDR:
		how = eval_prefix_match(&r->cidr, peer);
		if (how == M_SOME && push)
			*rc = push_cov(c, &r->cidr, ri);
		break;
	case SGREACH_PEER_GROUP:
		/* Group references match by private address only, across
		 * an active peering at most. */
		if (r->stale || peer->ep == SG_NONE || peer->is_public ||
		    peer->nat || peer->p.fam != c->fam)
			break;
		if (eval_endpoint_has_group(m, peer->ep, r->peer) &&
		    eval_endpoints_connected(m, self, peer->ep))
			how = M_ALL;
		break;
	case SGREACH_PEER_PREFIX_LIST: {
		const struct sg_plist *pl = &m->plists.v[r->peer];

		if (!pl->loaded) {
			*unknown = 1;
			break;
		}
		for (k = 0; k < pl->entries.n && how != M_ALL && !*rc; k++) {
			int h = eval_prefix_match(&pl->entries.v[k], peer);

			if (h == M_SOME && push)
				*rc = push_cov(c, &pl->entries.v[k], ri);
			if (h > how)
				how = h;
		}
		break;
	}
	case SGREACH_PEER_UNKNOWN:
		*unknown = 1;
		break;
	}
	return how;
}

int an_rule_how(struct an_ctx *c, uint32_t self, uint32_t ri,
		const struct member *peer, int *unknown)
{
	int rc;

	return rule_how(c, self, ri, peer, 0, unknown, &rc);
}

int an_rule_matches(struct an_ctx *c, uint32_t self, uint32_t ri,
		    const struct member *peer)
{
	int unknown, rc;

	return rule_how(c, self, ri, peer, 0, &unknown, &rc) != M_NO;
}

static int push_cov(struct an_ctx *c, const struct sg_prefix *p, uint32_t ri)
{
	struct sg_range r;

	prefix_range(p, &r);
	if (vec_push(&c->cov, r) || vec_push(&c->covr, ri))
		return -ENOMEM;
	return 0;
}

/*
 * Rules that cover part of a range peer allow a flow when the parts that
 * the rules matching that flow cover make up the whole range (eval_side's
 * coverage check).  Cut the range at every part's ends: the flows allowed
 * are those that, on every piece, some rule covering the piece allows.
 */
static int covered_flows(struct an_ctx *c, const struct member *peer,
			 uint32_t first, struct connset *out)
{
	struct sg_range want;
	struct connset piece;
	uint32_t i, k, nb;
	int rc = 0;

	prefix_range(&peer->p, &want);
	c->bounds.n = 0;
	if (vec_push(&c->bounds, want.first))
		return -ENOMEM;
	for (i = first; i < c->cov.n; i++) {
		struct sg_addr nx = addr_next(&c->cov.v[i].last, want.fam);

		if (vec_push(&c->bounds, c->cov.v[i].first))
			return -ENOMEM;
		if (addr_cmp(&c->cov.v[i].last, &want.last) < 0 &&
		    vec_push(&c->bounds, nx))
			return -ENOMEM;
	}
	qsort(c->bounds.v, c->bounds.n, sizeof(*c->bounds.v), an_addr_cmp);
	for (i = 0, nb = 0; i < c->bounds.n; i++)
		if (!nb || addr_cmp(&c->bounds.v[nb - 1], &c->bounds.v[i]))
			c->bounds.v[nb++] = c->bounds.v[i];
	connset_clear(out);
	if ((rc = connset_copy(out, &c->universe)))
		return rc;
	connset_init(&piece);
	for (i = 0; i < nb && !connset_is_empty(out); i++) {
		const struct sg_addr *b = &c->bounds.v[i];

		connset_clear(&piece);
		for (k = first; k < c->cov.n; k++)
			if (addr_cmp(&c->cov.v[k].first, b) <= 0 &&
			    addr_cmp(b, &c->cov.v[k].last) <= 0 &&
			    (rc = connset_union(&piece,
						&c->rconn[c->covr.v[k]])))
				goto out;
		if ((rc = connset_intersect(out, &piece)))
			goto out;
	}
out:
	connset_free(&piece);
	return rc;
}

int an_side(struct an_ctx *c, uint32_t self, int dir, const struct member *peer,
	    struct vsets *out)
{
	const sgreach_model *m = c->m;
	const struct sg_endpoint *e = &m->endpoints.v[self];
	struct connset unk, some, cov, t;
	uint32_t i;
	int rc = 0;

	for (i = 0; i < VS_N; i++)
		connset_clear(&out->s[i]);
	connset_init(&unk);
	connset_init(&some);
	connset_init(&cov);
	connset_init(&t);
	c->cov.n = 0;
	c->covr.n = 0;
	for (i = 0; i < e->nrules[dir]; i++) {
		uint32_t ri = e->rules[dir][i];
		const struct connset *rc_set = an_rule_conn(c, ri);
		uint32_t mark = c->cov.n;
		int how = M_NO, unknown = 0;

		if (!rc_set) {
			rc = -ENOMEM;
			goto out;
		}
		if (connset_is_empty(rc_set))
			continue; /* flows of the other family only */
		how = rule_how(c, self, ri, peer, 1, &unknown, &rc);
		if (rc)
			goto out;
		if (how == M_ALL) {
			c->cov.n = c->covr.n =
			    mark; /* the whole peer: no parts */
			rc = connset_union(&out->s[VS_A], rc_set);
		} else if (how == M_SOME) {
			rc = connset_union(&some, rc_set);
		}
		if (!rc && unknown)
			rc = connset_union(&unk, rc_set);
		if (rc)
			goto out;
	}
	if (e->missing_groups && (rc = connset_copy(&unk, &c->universe)))
		goto out;
	/* Allowed: some rule matches the whole peer, or the partial rules
	 * that match the flow cover the whole range between them. */
	if (c->cov.n) {
		if ((rc = covered_flows(c, peer, 0, &cov)) ||
		    (rc = connset_union(&out->s[VS_A], &cov)))
			goto out;
	}
	/* Partly covered: unknown when something is missing, else partial. */
	if ((rc = connset_subtract(&some, &out->s[VS_A])) ||
	    (rc = connset_copy(&t, &some)) ||
	    (rc = connset_intersect(&t, &unk)) ||
	    (rc = connset_union(&out->s[VS_U], &t)) ||
	    (rc = connset_subtract(&some, &unk)) ||
	    (rc = connset_union(&out->s[VS_P], &some)))
		goto out;
	/* Nothing matches: unknown when a missing piece might, or when the
	 * source is seen through an unknown NAT address; else denied. */
	if ((rc = connset_copy(&t, &c->universe)) ||
	    (rc = connset_subtract(&t, &out->s[VS_A])) ||
	    (rc = connset_subtract(&t, &out->s[VS_U])) ||
	    (rc = connset_subtract(&t, &out->s[VS_P])))
		goto out;
	if (peer->nat) {
		rc = connset_union(&out->s[VS_U], &t);
	} else {
		if ((rc = connset_copy(&cov, &t)) ||
		    (rc = connset_intersect(&cov, &unk)) ||
		    (rc = connset_union(&out->s[VS_U], &cov)) ||
		    (rc = connset_subtract(&t, &unk)))
			goto out;
		rc = connset_union(&out->s[VS_D], &t);
	}
out:
	connset_free(&unk);
	connset_free(&some);
	connset_free(&cov);
	connset_free(&t);
	return rc;
}

/* Denied wins over everything, then unknown, then partial (spec 4). */
int an_combine_sides(struct an_ctx *c, const struct vsets *a,
		     const struct vsets *b, struct vsets *out)
{
	int rc;

	if ((rc = connset_copy(&out->s[VS_D], &a->s[VS_D])) ||
	    (rc = connset_union(&out->s[VS_D], &b->s[VS_D])) ||
	    (rc = connset_copy(&out->s[VS_U], &a->s[VS_U])) ||
	    (rc = connset_union(&out->s[VS_U], &b->s[VS_U])) ||
	    (rc = connset_subtract(&out->s[VS_U], &out->s[VS_D])) ||
	    (rc = connset_copy(&out->s[VS_P], &a->s[VS_P])) ||
	    (rc = connset_union(&out->s[VS_P], &b->s[VS_P])) ||
	    (rc = connset_subtract(&out->s[VS_P], &out->s[VS_D])) ||
	    (rc = connset_subtract(&out->s[VS_P], &out->s[VS_U])) ||
	    (rc = connset_copy(&out->s[VS_A], &c->universe)) ||
	    (rc = connset_subtract(&out->s[VS_A], &out->s[VS_D])) ||
	    (rc = connset_subtract(&out->s[VS_A], &out->s[VS_U])) ||
	    (rc = connset_subtract(&out->s[VS_A], &out->s[VS_P])))
		return rc;
	return 0;
}

void an_seen_source(struct an_ctx *c, const struct member *src,
		    const struct member *dst, struct member *out)
{
	*out = *src;
	/* Traffic to a public address arrives from the sender's public
	 * address, or from a NAT address. */
	if (dst->is_public && src->ep != SG_NONE) {
		const struct sg_endpoint *se = &c->m->endpoints.v[src->ep];
		uint32_t k;

		out->nat = 1;
		for (k = 0; k < se->addrs.n; k++)
			if (se->addrs.v[k].is_public &&
			    se->addrs.v[k].p.fam == c->fam) {
				out->p = se->addrs.v[k].p;
				out->is_public = 1;
				out->nat = 0;
				break;
			}
	}
}

int an_pair(struct an_ctx *c, const struct member *src_in,
	    const struct member *dst, struct vsets *out)
{
	const sgreach_model *m = c->m;
	struct member src;
	struct vsets eg, in;
	int rc = 0, i;

	an_seen_source(c, src_in, dst, &src);
	vsets_init(&eg);
	vsets_init(&in);
	if (src.ep == SG_NONE && dst->ep == SG_NONE) {
		/* Both outside: nothing to say (a query refuses it). */
		for (i = 0; i < VS_N; i++)
			connset_clear(&out->s[i]);
		rc = connset_copy(&out->s[VS_A], &c->universe);
		goto out;
	}
	if (src.ep != SG_NONE &&
	    (rc = an_side(c, src.ep, SGREACH_EGRESS, dst, &eg)))
		goto out;
	if (dst->ep != SG_NONE &&
	    (rc = an_side(c, dst->ep, SGREACH_INGRESS, &src, &in)))
		goto out;
	if (src.ep == SG_NONE)
		rc = vsets_copy(out, &in);
	else if (dst->ep == SG_NONE)
		rc = vsets_copy(out, &eg);
	else
		rc = an_combine_sides(c, &eg, &in, out);
	if (rc)
		goto out;
	if (src.ep != SG_NONE && dst->ep != SG_NONE && !dst->is_public &&
	    !eval_endpoints_connected(m, src.ep, dst->ep)) {
		/* No path between the VPCs: not denied becomes unknown. */
		if ((rc = connset_union(&out->s[VS_U], &out->s[VS_A])) ||
		    (rc = connset_union(&out->s[VS_U], &out->s[VS_P])))
			goto out;
		connset_clear(&out->s[VS_A]);
		connset_clear(&out->s[VS_P]);
	}
out:
	vsets_free(&eg);
	vsets_free(&in);
	return rc;
}

/*
 * analysis/lint_redundant.c - SG006 and SG007: rules implied by others.
 *
 * A rule is redundant only if, on every endpoint that carries its group,
 * the other rules of the same direction allow every (peer address or
 * member, flow) it allows.  CIDR and loaded prefix list peers are compared
 * exactly, address ranges cut where any candidate starts or ends; group
 * references (and unloaded prefix lists) only by rules naming the same
 * peer or /0 of each family, because members not loaded may exist.  Rules
 * are judged in order without those already reported, so all can go.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/lint.h"

/* A candidate that covers part of the address space with some flows. */
struct cover {
	struct sg_prefix p;
	const struct connset *conn;
};

struct covers {
	VEC(struct cover) v;
	VEC(struct sg_addr) cuts;
};

static int addr_qcmp(const void *a, const void *b)
{
	return addr_cmp(a, b);
}

/*
 * Is every (address of t, flow of want) allowed by some cover?  The covers
 * that overlap t either contain it or lie inside it; cutting t at their
 * ends gives pieces on which each cover is all or nothing, so it is enough
 * to check one address per piece.  Returns 1, 0 or -ENOMEM.
 */
static int prefix_covered(struct covers *cv, const struct sg_prefix *t,
			  const struct connset *want)
{
	struct sg_range tr, cr;
	struct connset have;
	uint32_t i, k, n;
	int rc = 1;

	if (connset_is_empty(want))
		return 1;
	prefix_range(t, &tr);
	cv->cuts.n = 0;
	if (vec_push(&cv->cuts, tr.first))
		return -ENOMEM;
	for (i = 0; i < cv->v.n; i++) {
		const struct cover *c = &cv->v.v[i];

		if (c->p.fam != t->fam || !prefix_overlaps(&c->p, t) ||
		    prefix_contains(&c->p, t))
			continue;
		prefix_range(&c->p, &cr);
		if (vec_push(&cv->cuts, cr.first))
			return -ENOMEM;
		if (addr_cmp(&cr.last, &tr.last) < 0 &&
		    vec_push(&cv->cuts, addr_next(&cr.last, t->fam)))
			return -ENOMEM;
	}
	qsort(cv->cuts.v, cv->cuts.n, sizeof(*cv->cuts.v), addr_qcmp);
	connset_init(&have);
	for (i = 0, n = 0; i < cv->cuts.n && rc == 1; i++) {
		struct sg_prefix pt;

		if (n && !addr_cmp(&cv->cuts.v[n - 1], &cv->cuts.v[i]))
			continue;
		cv->cuts.v[n++] = cv->cuts.v[i];
		pt.a = cv->cuts.v[i];
		pt.fam = t->fam;
		pt.len = t->fam == 4 ? 32 : 128;
		connset_clear(&have);
		for (k = 0; k < cv->v.n; k++)
			if (prefix_contains(&cv->v.v[k].p, &pt) &&
			    connset_union(&have, cv->v.v[k].conn)) {
				rc = -ENOMEM;
				break;
			}
		if (rc == 1 && !connset_is_subset(want, &have))
			rc = 0;
	}
	connset_free(&have);
	return rc;
}

static const struct connset *conn_of(struct lint *l, int fam, uint32_t ri)
{
	const struct connset *s = an_rule_conn(&l->c[fam == 6], ri);

	if (!s)
		l->err = -ENOMEM;
	return s;
}

/* Does rule o prove every peer of the rule r it stands next to?  For
 * group and unloaded prefix list peers (members unknown): o names the same
 * peer, or all of a family. */
static int same_peer(const struct sg_rule *r, const struct sg_rule *o)
{
	return o->peer_kind == r->peer_kind && o->peer == r->peer && !o->stale;
}

static int covers_family(const sgreach_model *m, const struct sg_rule *o,
			 int fam)
{
	uint32_t e;

	if (o->peer_kind == SGREACH_PEER_CIDR)
		return o->cidr.fam == fam && o->cidr.len == 0;
	if (o->peer_kind == SGREACH_PEER_PREFIX_LIST &&
	    m->plists.v[o->peer].loaded) {
		const struct sg_plist *pl = &m->plists.v[o->peer];

		for (e = 0; e < pl->entries.n; e++)
			if (pl->entries.v[e].fam == fam &&
			    pl->entries.v[e].len == 0)
				return 1;
	}
	return 0;
}

/* Adds the address covers of rule o (CIDR, loaded prefix list entries)
 * to cv. */
static int push_covers(struct lint *l, struct covers *cv, uint32_t oi)
{
	const sgreach_model *m = l->m;
	const struct sg_rule *o = &m->rules.v[oi];
	struct cover c;
	uint32_t e;

	if (o->peer_kind == SGREACH_PEER_CIDR) {
		c.p = o->cidr;
		if (!(c.conn = conn_of(l, o->cidr.fam, oi)))
			return -ENOMEM;
		return vec_push(&cv->v, c);
	}
	if (o->peer_kind == SGREACH_PEER_PREFIX_LIST &&
	    m->plists.v[o->peer].loaded) {
		const struct sg_plist *pl = &m->plists.v[o->peer];

		for (e = 0; e < pl->entries.n; e++) {
			c.p = pl->entries.v[e];
			if (!(c.conn = conn_of(l, c.p.fam, oi)) ||
			    vec_push(&cv->v, c))
				return -ENOMEM;
		}
	}
	return 0;
}

/*
 * Is rule ri implied by the rules others[0..n) (ri itself skipped)?
 * Returns 1, 0, or -ENOMEM; rules it cannot judge are never implied.
 */
static int implied(struct lint *l, uint32_t ri, const uint32_t *others,
		   uint32_t n, const uint8_t *skip)
{
	const sgreach_model *m = l->m;
	const struct sg_rule *r = &m->rules.v[ri];
	struct covers cv;
	struct connset have;
	uint32_t k, e;
	int rc = 1, fam, live = 0;

	if (r->stale || r->peer_kind == SGREACH_PEER_UNKNOWN)
		return 0;
	for (fam = 4; fam <= 6; fam += 2) {
		const struct connset *s = conn_of(l, fam, ri);

		if (!s)
			return -ENOMEM;
		live |= !connset_is_empty(s);
	}
	if (!live)
		return 0; /* matches nothing at all: not "implied" */
	memset(&cv, 0, sizeof(cv));
	connset_init(&have);
	if (r->peer_kind == SGREACH_PEER_CIDR ||
	    (r->peer_kind == SGREACH_PEER_PREFIX_LIST &&
	     m->plists.v[r->peer].loaded)) {
		for (k = 0; k < n && !l->err; k++) {
			const struct sg_rule *o = &m->rules.v[others[k]];

			if (others[k] == ri || (skip && skip[others[k]]) ||
			    o->stale)
				continue;
			if (r->peer_kind == SGREACH_PEER_PREFIX_LIST &&
			    same_peer(r, o)) {
				/* The same list: covers each entry whole. */
				const struct sg_plist *pl =
				    &m->plists.v[r->peer];
				struct cover c;

				for (e = 0; e < pl->entries.n; e++) {
					c.p = pl->entries.v[e];
					c.conn = conn_of(l, c.p.fam, others[k]);
					if (!c.conn || vec_push(&cv.v, c))
						l->err = -ENOMEM;
				}
				continue;
			}
			if (push_covers(l, &cv, others[k]))
				l->err = -ENOMEM;
		}
		if (r->peer_kind == SGREACH_PEER_CIDR) {
			const struct connset *w = conn_of(l, r->cidr.fam, ri);

			rc = l->err ? l->err : prefix_covered(&cv, &r->cidr, w);
		} else {
			const struct sg_plist *pl = &m->plists.v[r->peer];

			if (!pl->entries.n)
				rc = 0; /* an empty list matches nothing */
			for (e = 0; e < pl->entries.n && rc == 1; e++) {
				const struct connset *w =
				    conn_of(l, pl->entries.v[e].fam, ri);

				rc = l->err ? l->err
					    : prefix_covered(
						  &cv, &pl->entries.v[e], w);
			}
		}
		goto out;
	}
	/* A group or an unloaded prefix list: its addresses are unknown. */
	for (fam = 4; fam <= 6 && rc == 1; fam += 2) {
		const struct connset *w = conn_of(l, fam, ri);

		connset_clear(&have);
		for (k = 0; k < n && w; k++) {
			const struct sg_rule *o = &m->rules.v[others[k]];
			const struct connset *s;

			if (others[k] == ri || (skip && skip[others[k]]) ||
			    o->stale)
				continue;
			if (!same_peer(r, o) && !covers_family(m, o, fam))
				continue;
			if (!(s = conn_of(l, fam, others[k])) ||
			    connset_union(&have, s))
				l->err = -ENOMEM;
		}
		if (l->err)
			rc = l->err;
		else if (!connset_is_subset(w, &have))
			rc = 0;
	}
out:
	connset_free(&have);
	vec_free(&cv.v);
	vec_free(&cv.cuts);
	return rc;
}

static int same_groups(const struct sg_endpoint *a, const struct sg_endpoint *b)
{
	return a->groups.n == b->groups.n &&
	       !memcmp(a->groups.v, b->groups.v,
		       a->groups.n * sizeof(*a->groups.v));
}

void lint_check_redundancy(struct lint *l)
{
	const sgreach_model *m = l->m;
	uint8_t *gone = calloc(m->rules.n ? m->rules.n : 1, 1);
	uint32_t g, k, j;
	int d, rc;

	if (!gone) {
		l->err = -ENOMEM;
		return;
	}
	/* SG006: within the group, in order, each judged against the rules
	 * not already found redundant, so that all can go together. */
	for (g = 0; g < m->groups.n && !l->err; g++) {
		const struct sg_group *grp = &m->groups.v[g];

		for (d = 0; d < 2 && !l->err; d++)
			for (k = 0; k < grp->nrules[d] && !l->err; k++) {
				uint32_t ri = grp->rules[d][k];
				struct finding *f;
				char desc[512];

				rc = implied(l, ri, grp->rules[d],
					     grp->nrules[d], gone);
				if (rc < 0) {
					l->err = rc;
					break;
				}
				if (!rc)
					continue;
				gone[ri] = 1;
				lint_rule_desc(l, ri, desc, sizeof(desc));
				f = lint_add_finding(
				    l, L_REDUNDANT_IN_GROUP, 1,
				    "%s is implied by the other "
				    "%s rules of %s",
				    desc, lint_dir_name(d), grp->id);
				lint_add_rule_obj(l, f, ri);
				for (j = 0; j < grp->nrules[d]; j++)
					if (grp->rules[d][j] != ri &&
					    !gone[grp->rules[d][j]])
						lint_add_rule_obj(
						    l, f, grp->rules[d][j]);
			}
	}
	/* SG007: implied, on every endpoint carrying the group, by the
	 * rules of the endpoint's other groups and its own group's rest;
	 * in order and without the rules already reported, as above. */
	for (g = 0; g < m->groups.n && !l->err; g++) {
		const struct sg_group *grp = &m->groups.v[g];

		if (!grp->nmembers)
			continue;
		for (d = 0; d < 2 && !l->err; d++)
			for (k = 0; k < grp->nrules[d] && !l->err; k++) {
				uint32_t ri = grp->rules[d][k], e;
				struct finding *f;
				char desc[512];

				if (gone[ri])
					continue;
				rc = 1;
				for (e = 0; e < grp->nmembers && rc == 1; e++) {
					const struct sg_endpoint *ep =
					    &m->endpoints.v[grp->members[e]];

					/* Tasks of a service come in a row
					 * with equal groups: judge once. */
					if (e &&
					    same_groups(
						&m->endpoints
						     .v[grp->members[e - 1]],
						ep))
						continue;
					rc = implied(l, ri, ep->rules[d],
						     ep->nrules[d], gone);
				}
				if (rc < 0) {
					l->err = rc;
					break;
				}
				if (!rc)
					continue;
				gone[ri] = 1;
				lint_rule_desc(l, ri, desc, sizeof(desc));
				f = lint_add_finding(
				    l, L_REDUNDANT_ON_ENIS, 1,
				    "%s is implied, on each of the %u loaded "
				    "endpoint%s carrying %s, by the %s rules "
				    "of "
				    "the other groups there",
				    desc, grp->nmembers,
				    grp->nmembers == 1 ? "" : "s", grp->id,
				    lint_dir_name(d));
				lint_add_rule_obj(l, f, ri);
				for (e = 0; e < grp->nmembers; e++) {
					const struct sg_endpoint *ep =
					    &m->endpoints.v[grp->members[e]];

					lint_add_obj(l, f, "endpoint", ep->id,
						     SG_NONE);
					for (j = 0; j < ep->groups.n; j++)
						if (ep->groups.v[j] != g)
							lint_add_obj(
							    l, f, "group",
							    m->groups
								.v[ep->groups
								       .v[j]]
								.id,
							    SG_NONE);
				}
			}
	}
	free(gone);
}

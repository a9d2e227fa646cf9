/*
 * analysis/allpairs.c - the answers of every pair of nodes at once, for
 * the matrix (allpairs.h).
 *
 * On a large estate nearly every interface is a class of its own (random
 * group sets make that common): 11,600 classes are 135 million pairs, too
 * many to evaluate one by one however well each answer is remembered.
 * Here a pair costs a few bit operations or table reads:
 *
 *  - A class that is one private address of an interface ("fast") is
 *    matched by a rule through set membership alone: a CIDR rule matches
 *    the classes inside its CIDR, a group rule those carrying the group in
 *    a VPC that the rule's interface can reach, a loaded prefix list those
 *    inside one of its entries.  Each is a bitset over the classes, built once.
 *  - Classes whose interfaces have the same rules in a direction and sit
 *    in the same VPC (one profile) decide that side alike: the work is per
 *    profile, not per class.
 *  - One flow (AP_FLOW): a profile's egress is the OR of the sets of its
 *    rules that hold the flow.  A pair is allowed when the source's egress
 *    holds the destination, the destination's ingress holds the source (a
 *    transposed copy gives it as a row) and the VPCs connect; unknown when
 *    neither side is denied but one of them depends on missing data or
 *    the VPCs do not connect.  That is an_side() and an_pair() for a peer
 *    that a rule matches wholly or not at all.
 *  - Every flow (AP_TABLE): a side's answer depends only on which of its
 *    rules match the peer.  Per profile, the peers are split by that (a
 *    64x64 bit transpose gives each peer its mask over the profile's
 *    distinct flow sets), each distinct mask is evaluated once by the exact
 *    code (an_side_id_bits()), and two tables hold the answers' slots: a
 *    pair is two table reads and the remembered combination of two slots.
 *
 * The other classes (a service's subnets, delegated prefixes: ranges that
 * rules may cover in part) take the exact path, an_class_pair_id(), for
 * every pair they are in; they are few.  Nodes (services, groups) combine
 * their classes' answers as a query tallies its members.
 *
 * This file: the class sets, the profiles, the exact classes and the
 * nodes; allpairs_flow.c and allpairs_table.c answer the pairs of classes.
 */
#include "analysis/allpairs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define WORDS(n) (((size_t)(n) + 63) / 64)

/* a[i] bit j becomes a[j] bit i. */
void ap_transpose64(uint64_t a[64])
{
	uint64_t m = 0x00000000ffffffffull, t;
	int j, k;

	for (j = 32; j; j >>= 1, m ^= m << j)
		for (k = 0; k < 64; k = (k + j + 1) & ~j) {
			t = ((a[k] >> j) ^ a[k + j]) & m;
			a[k] ^= t << j;
			a[k + j] ^= t;
		}
}

uint64_t *ap_new_set(const struct allpairs *ap)
{
	return calloc(ap->w ? ap->w : 1, sizeof(uint64_t));
}

/* ---------------------------------------------------------- class sets -- */

static int vpc_slots(struct allpairs *ap)
{
	const sgreach_model *m = ap->c->m;
	uint32_t y, a, b;

	ap->vslot = malloc(ap->n * sizeof(*ap->vslot) + 1);
	ap->vpcs = malloc(ap->n * sizeof(*ap->vpcs) + sizeof(*ap->vpcs));
	if (!ap->vslot || !ap->vpcs)
		return -ENOMEM;
	for (y = 0; y < ap->n; y++) {
		uint32_t ep = ap->c->mcls.v[y].rep.ep;
		const char *vpc = ep == SG_NONE ? NULL : m->endpoints.v[ep].vpc;

		/* VPCs are few: a linear search is enough. */
		for (a = 0; a < ap->nv && ap->vpcs[a] != vpc; a++)
			;
		if (a == ap->nv)
			ap->vpcs[ap->nv++] = vpc;
		ap->vslot[y] = a;
	}
	ap->vconn = malloc((size_t)ap->nv * ap->nv + 1);
	ap->vrow = calloc((size_t)ap->nv * ap->w + 1, sizeof(uint64_t));
	if (!ap->vconn || !ap->vrow)
		return -ENOMEM;
	for (a = 0; a < ap->nv; a++)
		for (b = 0; b < ap->nv; b++)
			ap->vconn[a * ap->nv + b] = (uint8_t)an_vpcs_connected(
			    m, ap->vpcs[a], ap->vpcs[b]);
	for (y = 0; y < ap->n; y++)
		for (a = 0; a < ap->nv; a++)
			if (ap->vconn[a * ap->nv + ap->vslot[y]])
				ap->vrow[a * ap->w + y / 64] |= 1ull
								<< (y & 63);
	return 0;
}

/* The CIDR and group sets of the fast classes.  A CIDR's set is every
 * class whose address's chain of CIDRs passes through it. */
static int class_sets(struct allpairs *ap)
{
	struct an_ctx *c = ap->c;
	const sgreach_model *m = c->m;
	uint32_t y, i, k;

	ap->cbits = calloc(c->ncidrs + 1, sizeof(*ap->cbits));
	ap->gbits = calloc(m->groups.n + 1, sizeof(*ap->gbits));
	ap->pbits = calloc(m->plists.n + 1, sizeof(*ap->pbits));
	if (!ap->cbits || !ap->gbits || !ap->pbits)
		return -ENOMEM;
	for (y = 0; y < ap->n; y++) {
		const struct member *x = &c->mcls.v[y].rep;
		const struct sg_endpoint *e;

		if (ap->kind[y])
			continue;
		for (i = an_cidr_deepest(c, &x->p); i != SG_NONE;
		     i = c->cparent[i]) {
			if (!ap->cbits[i] && !(ap->cbits[i] = ap_new_set(ap)))
				return -ENOMEM;
			ap->cbits[i][y / 64] |= 1ull << (y & 63);
		}
		e = &m->endpoints.v[x->ep];
		for (k = 0; k < e->groups.n; k++) {
			uint32_t g = e->groups.v[k];

			if (!ap->gbits[g] && !(ap->gbits[g] = ap_new_set(ap)))
				return -ENOMEM;
			ap->gbits[g][y / 64] |= 1ull << (y & 63);
		}
	}
	return 0;
}

static const uint64_t *plist_bits(struct allpairs *ap, uint32_t pl)
{
	const struct sg_plist *p = &ap->c->m->plists.v[pl];
	uint32_t k, cx;
	size_t i;

	if (ap->pbits[pl])
		return ap->pbits[pl];
	if (!(ap->pbits[pl] = ap_new_set(ap)))
		return NULL;
	for (k = 0; k < p->entries.n; k++) {
		if (p->entries.v[k].fam != ap->c->fam)
			continue;
		cx = an_cidr_index(ap->c, &p->entries.v[k]);
		if (cx == SG_NONE || !ap->cbits[cx])
			continue;
		for (i = 0; i < ap->w; i++)
			ap->pbits[pl][i] |= ap->cbits[cx][i];
	}
	return ap->pbits[pl];
}

/*
 * The classes rule ri (of an interface in VPC slot vs) matches, as an_side()
 * decides it for a fast peer: *set (with *vmask to AND in, or NULL), or
 * USE_UNKNOWN for a rule that depends on missing data, or USE_NONE.
 */
int ap_rule_use(struct allpairs *ap, uint32_t ri, uint32_t vs,
		const uint64_t **set, const uint64_t **vmask)
{
	const struct sg_rule *r = &ap->c->m->rules.v[ri];
	uint32_t cx;

	*set = *vmask = NULL;
	switch (r->peer_kind) {
	case SGREACH_PEER_CIDR:
		/* Of the other family: rcidx is SG_NONE, and it matches
		 * nothing. */
		cx = ap->c->rcidx[ri];
		if (cx == SG_NONE || !ap->cbits[cx])
			return USE_NONE;
		*set = ap->cbits[cx];
		return USE_SET;
	case SGREACH_PEER_GROUP:
		if (r->stale || !ap->gbits[r->peer])
			return USE_NONE;
		*set = ap->gbits[r->peer];
		*vmask = ap->vrow + (size_t)vs * ap->w;
		return USE_SET;
	case SGREACH_PEER_PREFIX_LIST:
		if (!ap->c->m->plists.v[r->peer].loaded)
			return USE_UNKNOWN;
		if (!(*set = plist_bits(ap, r->peer)))
			return -ENOMEM;
		return USE_SET;
	default:
		return USE_UNKNOWN;
	}
}

void ap_or_set(struct allpairs *ap, uint64_t *dst, const uint64_t *set,
	       const uint64_t *vmask)
{
	size_t i;

	if (vmask)
		for (i = 0; i < ap->w; i++)
			dst[i] |= set[i] & vmask[i];
	else
		for (i = 0; i < ap->w; i++)
			dst[i] |= set[i];
}

/* ------------------------------------------------------------ profiles -- */

/* A rule's flow set as a small id: rules with equal sets share it.  A hash
 * collision only gives a fresh id (profiles then merge less). */
int ap_conn_id(struct allpairs *ap, uint32_t ri, uint32_t *id)
{
	const struct connset *s = an_rule_conn(ap->c, ri), *t;
	uint64_t h;
	uint32_t other;

	if (!s)
		return -ENOMEM;
	if (ap->rconnid[ri] != SG_NONE) {
		*id = ap->rconnid[ri];
		return 0;
	}
	h = connset_hash(s);
	if (u64map_get(&ap->conns, h, &other)) {
		t = an_rule_conn(ap->c, other);
		if (t && connset_equal(s, t)) {
			*id = ap->rconnid[ri] = ap->rconnid[other];
			return 0;
		}
		*id = ap->rconnid[ri] = ri;
		return 0;
	}
	*id = ap->rconnid[ri] = ri;
	return u64map_put(&ap->conns, h, ri);
}

struct pkey1 {
	const uint32_t *rules;
	uint32_t nrules, vslot, missing, pad;
};

static int triple_cmp(const void *a, const void *b)
{
	const uint32_t *x = a, *y = b;
	int i;

	for (i = 0; i < 3; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

/* A profile's key: VPC slot, missing groups, then (kind, peer, flow set)
 * of every rule that can match or be unknown, sorted and distinct. */
static int profile_key(struct allpairs *ap, const struct sg_endpoint *e,
		       int dir, uint32_t vs, void *vec)
{
	VEC(uint32_t) *k = vec;
	const sgreach_model *m = ap->c->m;
	uint32_t i, n, w, t[3];
	int rc;

	k->n = 0;
	if (vec_push(k, vs) || vec_push(k, e->missing_groups ? 1u : 0u))
		return -ENOMEM;
	for (i = 0; i < e->nrules[dir]; i++) {
		uint32_t ri = e->rules[dir][i];
		const struct sg_rule *r = &m->rules.v[ri];
		int live = an_rule_live(ap->c, ri);

		if (live < 0)
			return live;
		if (!live)
			continue;
		switch (r->peer_kind) {
		case SGREACH_PEER_CIDR:
			if (ap->c->rcidx[ri] == SG_NONE)
				continue;
			t[0] = 0;
			t[1] = ap->c->rcidx[ri];
			break;
		case SGREACH_PEER_GROUP:
			if (r->stale)
				continue;
			t[0] = 1;
			t[1] = r->peer;
			break;
		case SGREACH_PEER_PREFIX_LIST:
			t[0] = m->plists.v[r->peer].loaded ? 2 : 3;
			t[1] = t[0] == 2 ? r->peer : 0;
			break;
		default:
			t[0] = 3;
			t[1] = 0;
		}
		if ((rc = ap_conn_id(ap, ri, &t[2])))
			return rc;
		if (vec_push(k, t[0]) || vec_push(k, t[1]) || vec_push(k, t[2]))
			return -ENOMEM;
	}
	n = (k->n - 2) / 3;
	qsort(k->v + 2, n, 3 * sizeof(uint32_t), triple_cmp);
	for (i = 0, w = 0; i < n; i++)
		if (!w ||
		    triple_cmp(k->v + 2 + 3 * (w - 1), k->v + 2 + 3 * i)) {
			memmove(k->v + 2 + 3 * w, k->v + 2 + 3 * i,
				3 * sizeof(uint32_t));
			w++;
		}
	k->n = 2 + 3 * w;
	return 0;
}

/* Profiles of one direction.  Interfaces with the same group list share
 * their rule array, so most lookups stop at the first map. */
static int build_profiles(struct allpairs *ap, int dir)
{
	struct ap_side *sd = &ap->side[dir];
	const sgreach_model *m = ap->c->m;
	struct pkey1 *k1 = malloc((ap->n + 1) * sizeof(*k1));
	struct hmap by_array, by_content;
	VEC(uint32_t *) keys = {0};
	VEC(uint32_t) k = {0};
	uint32_t y, n1 = 0, val;
	int rc = 0;

	hmap_init(&by_array);
	hmap_init(&by_content);
	sd->prof = malloc((ap->n + 1) * sizeof(*sd->prof));
	sd->self = malloc((ap->n + 1) * sizeof(*sd->self));
	if (!k1 || !sd->prof || !sd->self) {
		rc = -ENOMEM;
		goto out;
	}
	for (y = 0; y < ap->n && !rc; y++) {
		const struct sg_endpoint *e;
		uint32_t *copy;

		sd->prof[y] = SG_NONE;
		if (ap->kind[y])
			continue;
		e = &m->endpoints.v[ap->c->mcls.v[y].rep.ep];
		memset(&k1[n1], 0, sizeof(k1[n1]));
		k1[n1].rules = e->rules[dir];
		k1[n1].nrules = e->nrules[dir];
		k1[n1].vslot = ap->vslot[y];
		k1[n1].missing = e->missing_groups ? 1 : 0;
		if (hmap_get(&by_array, &k1[n1], sizeof(*k1), &val)) {
			sd->prof[y] = val;
			continue;
		}
		if ((rc = profile_key(ap, e, dir, ap->vslot[y], &k)))
			break;
		if (!hmap_get(&by_content, k.v, k.n * sizeof(uint32_t), &val)) {
			val = sd->nprof;
			copy = malloc(k.n * sizeof(uint32_t));
			if (!copy || vec_push(&keys, copy)) {
				free(copy);
				rc = -ENOMEM;
				break;
			}
			memcpy(copy, k.v, k.n * sizeof(uint32_t));
			if ((rc = hmap_put(&by_content, copy,
					   k.n * sizeof(uint32_t), val)))
				break;
			sd->self[sd->nprof++] = y;
		}
		if ((rc = hmap_put(&by_array, &k1[n1], sizeof(*k1), val)))
			break;
		n1++;
		sd->prof[y] = val;
	}
out:
	hmap_free(&by_array);
	hmap_free(&by_content);
	for (y = 0; y < keys.n; y++)
		free(keys.v[y]);
	vec_free(&keys);
	vec_free(&k);
	free(k1);
	return rc;
}

/* ------------------------------------------------------- exact classes -- */

static int exact_init(struct allpairs *ap)
{
	uint32_t y, d, k;
	int rc;

	ap->exact_idx = malloc((ap->n + 1) * sizeof(uint32_t));
	if (!ap->exact_idx)
		return -ENOMEM;
	ap->exact = malloc((ap->n + 1) * sizeof(uint32_t));
	if (!ap->exact)
		return -ENOMEM;
	for (y = 0; y < ap->n; y++) {
		ap->exact_idx[y] = ap->kind[y] ? ap->nexact : SG_NONE;
		if (ap->kind[y])
			ap->exact[ap->nexact++] = y;
	}
	ap->exact_row =
	    malloc(((size_t)ap->nexact * ap->n + 1) * sizeof(uint32_t));
	ap->exact_col =
	    malloc(((size_t)ap->nexact * ap->n + 1) * sizeof(uint32_t));
	if (!ap->exact_row || !ap->exact_col)
		return -ENOMEM;
	for (y = 0; y < ap->n; y++) {
		if ((k = ap->exact_idx[y]) == SG_NONE)
			continue;
		for (d = 0; d < ap->n; d++) {
			uint32_t *r = &ap->exact_row[(size_t)k * ap->n + d];
			uint32_t *c = &ap->exact_col[(size_t)k * ap->n + d];

			if ((rc = an_class_pair_id(ap->c, y, d, r)) ||
			    (rc = an_restrict_id(ap->c, *r, r)) ||
			    (rc = an_class_pair_id(ap->c, d, y, c)) ||
			    (rc = an_restrict_id(ap->c, *c, c)))
				return rc;
		}
	}
	if (ap->mode != AP_FLOW)
		return 0;
	/* One flow: as codes. */
	ap->exact_rowc = malloc((size_t)ap->nexact * ap->n + 1);
	ap->exact_colc = malloc((size_t)ap->nexact * ap->n + 1);
	if (!ap->exact_rowc || !ap->exact_colc)
		return -ENOMEM;
	for (d = 0; d < ap->nexact * ap->n; d++) {
		ap->exact_rowc[d] = ap_flow_code(ap, ap->exact_row[d]);
		ap->exact_colc[d] = ap_flow_code(ap, ap->exact_col[d]);
	}
	return 0;
}

/* The answers of class s to every class (AP_TABLE). */
static int class_row(struct allpairs *ap, uint32_t s, uint32_t *out)
{
	uint32_t k;
	int rc;

	if ((k = ap->exact_idx[s]) != SG_NONE) {
		memcpy(out, ap->exact_row + (size_t)k * ap->n,
		       ap->n * sizeof(*out));
		return 0;
	}
	if ((rc = ap_table_row(ap, s, out)))
		return rc;
	for (k = 0; k < ap->nexact; k++)
		out[ap->exact[k]] = ap->exact_col[(size_t)k * ap->n + s];
	return 0;
}

/* ---------------------------------------------------------------- nodes -- */

/* The presence of two sets of answers together (their union per verdict:
 * a lone answer is its own presence). */
static int combine(struct allpairs *ap, uint32_t a, uint32_t b, uint32_t *out)
{
	uint64_t key;
	size_t slot;
	struct vsets v;
	int rc, i;

	if (a == b) {
		*out = a;
		return 0;
	}
	if (a > b) {
		uint32_t t = a;

		a = b;
		b = t;
	}
	key = (uint64_t)a << 32 | b;
	/* A small direct-mapped cache in front of the map: a row meets the
	 * same few pairs of answers again and again. */
	slot = (size_t)((key * 0x9e3779b97f4a7c15ull) >> 52);
	if (ap->ccache[slot].key == key + 1) {
		*out = ap->ccache[slot].val;
		return 0;
	}
	if (u64map_get(&ap->comb, key, out)) {
		ap->ccache[slot].key = key + 1;
		ap->ccache[slot].val = *out;
		return 0;
	}
	vsets_init(&v);
	rc = vsets_copy(&v, &ap->c->res.v[a]);
	for (i = 0; i < VS_N && !rc; i++)
		rc = connset_union(&v.s[i], &ap->c->res.v[b].s[i]);
	if (!rc)
		rc = an_intern(ap->c, &v, out);
	if (rc) {
		vsets_free(&v);
		return rc;
	}
	return u64map_put(&ap->comb, key, *out);
}

/* The tally's answer for a presence, restricted to the flow. */
static int finish(struct allpairs *ap, uint32_t p, uint32_t *out)
{
	struct presence pr;
	struct vsets v;
	int rc, i;

	while (ap->fin.n <= p)
		if (vec_push(&ap->fin, SG_NONE))
			return -ENOMEM;
	if (ap->fin.v[p] != SG_NONE) {
		*out = ap->fin.v[p];
		return 0;
	}
	presence_init(&pr);
	vsets_init(&v);
	rc = 0;
	for (i = 0; i < VS_N && !rc; i++)
		rc = connset_copy(&pr.has[i], &ap->c->res.v[p].s[i]);
	if (!rc)
		rc = presence_result(&pr, &ap->c->universe, &v);
	if (!rc && ap->c->only)
		rc = vsets_restrict(&v, ap->c->only);
	presence_free(&pr);
	if (!rc)
		rc = an_intern(ap->c, &v, out);
	if (rc) {
		vsets_free(&v);
		return rc;
	}
	/* fin may have moved: an_intern() does not touch it. */
	ap->fin.v[p] = *out;
	return 0;
}

int ap_row(struct allpairs *ap, uint32_t x, uint32_t *out)
{
	struct an_ctx *c = ap->c;
	const struct an_node *nx = &c->nodes.v[ap->ncrep[x]];
	const uint32_t *row = ap->row, *first = ap->ncfirst;
	uint32_t y, k, d;
	int rc, multi = nx->ncls > 1;

	if (ap->mode == AP_EXACT) {
		for (y = 0; y < ap->nnc; y++)
			if ((rc = an_node_pair_id(c, ap->ncrep[x], ap->ncrep[y],
						  &out[y])))
				return rc;
		return 0;
	}
	if (ap->mode == AP_FLOW) {
		ap_flow_node_codes(ap, x, out);
		for (y = 0; y < ap->nnc; y++)
			out[y] = ap->vid[out[y]];
		return 0;
	}
	if ((rc = class_row(ap, nx->cls[0], ap->row)))
		return rc;
	if (multi) {
		memcpy(ap->tally, ap->row, ap->n * sizeof(*ap->tally));
		for (k = 1; k < nx->ncls; k++) {
			if ((rc = class_row(ap, nx->cls[k], ap->row)))
				return rc;
			for (d = 0; d < ap->n; d++)
				if (ap->tally[d] != ap->row[d] &&
				    (rc = combine(ap, ap->tally[d], ap->row[d],
						  &ap->tally[d])))
					return rc;
		}
		row = ap->tally;
	}
	/* Most node classes are one member class: a read each. */
	for (y = 0; y < ap->nnc; y++)
		out[y] = row[first[y]];
	for (k = 0; k < ap->nmulti; k++) {
		uint32_t v = out[ap->multi[k]];

		for (d = ap->moff[k] + 1; d < ap->moff[k + 1]; d++)
			if (v != row[ap->mcls[d]] &&
			    (rc = combine(ap, v, row[ap->mcls[d]], &v)))
				return rc;
		if ((rc = finish(ap, v, &out[ap->multi[k]])))
			return rc;
	}
	if (multi)
		for (y = 0, k = 0; y < ap->nnc; y++) {
			if (k < ap->nmulti && ap->multi[k] == y) {
				k++;
				continue;
			}
			if ((rc = finish(ap, out[y], &out[y])))
				return rc;
		}
	return 0;
}

int ap_row_values(struct allpairs *ap, uint32_t x, uint32_t *out)
{
	if (ap->mode != AP_FLOW)
		return ap_row(ap, x, out);
	ap_flow_node_codes(ap, x, out);
	return 0;
}

/* ----------------------------------------------------------------- setup -- */

static int node_classes(struct allpairs *ap)
{
	const struct an_ctx *c = ap->c;
	size_t total = 0;
	uint32_t i;

	ap->nnc = c->ncls_keys.n;
	ap->ncrep = malloc((ap->nnc + 1) * sizeof(*ap->ncrep));
	if (!ap->ncrep)
		return -ENOMEM;
	for (i = 0; i < ap->nnc; i++)
		ap->ncrep[i] = SG_NONE;
	for (i = 0; i < c->nodes.n; i++)
		if (ap->ncrep[c->nodes.v[i].nclass] == SG_NONE)
			ap->ncrep[c->nodes.v[i].nclass] = i;
	ap->ncfirst = malloc((ap->nnc + 1) * sizeof(*ap->ncfirst));
	ap->multi = malloc((ap->nnc + 1) * sizeof(*ap->multi));
	if (!ap->ncfirst || !ap->multi)
		return -ENOMEM;
	for (i = 0; i < ap->nnc; i++) {
		const struct an_node *n = &c->nodes.v[ap->ncrep[i]];

		ap->ncfirst[i] = n->cls[0];
		if (n->ncls > 1) {
			ap->multi[ap->nmulti++] = i;
			total += n->ncls;
		}
	}
	/* Their member classes, in one array. */
	ap->moff = malloc((ap->nmulti + 1) * sizeof(*ap->moff));
	ap->mcls = malloc((total + 1) * sizeof(*ap->mcls));
	if (!ap->moff || !ap->mcls)
		return -ENOMEM;
	for (i = 0, total = 0; i < ap->nmulti; i++) {
		const struct an_node *n = &c->nodes.v[ap->ncrep[ap->multi[i]]];

		ap->moff[i] = (uint32_t)total;
		memcpy(ap->mcls + total, n->cls, n->ncls * sizeof(*n->cls));
		total += n->ncls;
	}
	ap->moff[ap->nmulti] = (uint32_t)total;
	return 0;
}

/* Can a class be matched by set membership: one private address of an
 * interface of the family, its own. */
static int is_fast(const struct an_ctx *c, const struct mclass *x)
{
	return x->bits && x->rep.ep != SG_NONE && !x->rep.is_public &&
	       !x->rep.nat && x->rep.p.fam == c->fam;
}

int ap_init(struct allpairs *ap, struct an_ctx *c, const sgreach_flow *flow)
{
	uint32_t y;
	int rc, dir;

	memset(ap, 0, sizeof(*ap));
	ap->c = c;
	ap->n = c->mcls.n;
	ap->w = WORDS(ap->n);
	if ((rc = node_classes(ap)))
		return rc;
	ap->kind = malloc(ap->n + 1);
	ap->fast = ap_new_set(ap);
	ap->rconnid = malloc((c->m->rules.n + 1) * sizeof(uint32_t));
	ap->row = malloc((ap->n + 1) * sizeof(uint32_t));
	ap->tally = malloc((ap->n + 1) * sizeof(uint32_t));
	if (!ap->kind || !ap->fast || !ap->rconnid || !ap->row || !ap->tally)
		return -ENOMEM;
	memset(ap->rconnid, 0xff, (c->m->rules.n + 1) * sizeof(uint32_t));
	for (y = 0; y < ap->n; y++) {
		ap->kind[y] = !is_fast(c, &c->mcls.v[y]);
		if (!ap->kind[y])
			ap->fast[y / 64] |= 1ull << (y & 63);
	}
	if ((rc = vpc_slots(ap)) || (rc = class_sets(ap)))
		return rc;
	for (dir = 0; dir < 2; dir++)
		if ((rc = build_profiles(ap, dir)))
			return rc;
	ap->mode = flow ? AP_FLOW : AP_TABLE;
	rc = flow ? ap_flow_init(ap, flow) : ap_table_init(ap);
	if (rc == -E2BIG) {
		/* A profile with more answers than a cell holds (one per
		 * member class: past 65,535 classes): pair by pair. */
		free(ap->egress);
		free(ap->ingress);
		ap->egress = ap->ingress = NULL;
		ap->mode = AP_EXACT;
		return an_build_tables(c);
	}
	if (rc)
		return rc;
	return exact_init(ap);
}

void ap_free(struct allpairs *ap)
{
	const struct an_ctx *c = ap->c;
	uint32_t i;
	int dir;

	if (!c)
		return;
	if (ap->cbits)
		for (i = 0; i < c->ncidrs; i++)
			free(ap->cbits[i]);
	if (ap->gbits)
		for (i = 0; i < c->m->groups.n; i++)
			free(ap->gbits[i]);
	if (ap->pbits)
		for (i = 0; i < c->m->plists.n; i++)
			free(ap->pbits[i]);
	free(ap->cbits);
	free(ap->gbits);
	free(ap->pbits);
	for (dir = 0; dir < 2; dir++) {
		struct ap_side *sd = &ap->side[dir];

		free(sd->prof);
		free(sd->self);
		free(sd->rows);
		free(sd->unknown);
		vec_free(&sd->slot_res);
		vec_free(&sd->res_slot);
		vec_free(&sd->lslot);
		free(sd->loff);
	}
	free(ap->kind);
	free(ap->fast);
	free(ap->vslot);
	free(ap->vpcs);
	free(ap->vconn);
	free(ap->vrow);
	free(ap->rconnid);
	u64map_free(&ap->conns);
	free(ap->exact_idx);
	free(ap->exact);
	free(ap->exact_row);
	free(ap->exact_col);
	free(ap->exact_rowc);
	free(ap->exact_colc);
	free(ap->codes);
	free(ap->pres);
	free(ap->presbits);
	free(ap->iat);
	free(ap->iunk);
	free(ap->egress);
	free(ap->ingress);
	free(ap->pairs);
	u64map_free(&ap->pair_map);
	free(ap->islot);
	free(ap->ncrep);
	free(ap->ncfirst);
	free(ap->multi);
	free(ap->moff);
	free(ap->mcls);
	free(ap->row);
	free(ap->tally);
	u64map_free(&ap->comb);
	vec_free(&ap->fin);
	memset(ap, 0, sizeof(*ap));
}

/*
 * analysis/memo.c - remembering answers, so that all pairs cost little.
 *
 * Two facts keep whole-estate analyses cheap even when nearly every
 * interface is a class of its own (random group sets make that common):
 *
 *  - A side's verdict sets depend only on which of its rules match the
 *    peer (wholly, partly, or unknowably), the peer's range when some match
 *    partly, and two flags.  Finding the matching rules is a few integer
 *    compares per rule; the set arithmetic is done once per distinct
 *    outcome and looked up by it afterwards.
 *  - The verdict sets that occur are few (most pairs allow nothing, many
 *    allow the same ports), so results are interned: a pair or node answer
 *    is a small integer, and the maps from pairs of sides to answers stay
 *    small.
 */
#include "analysis/analysis.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A result's identity for interning: the hashes of its four sets. */
struct res_key {
	uint64_t h[VS_N];
};

int an_intern(struct an_ctx *c, struct vsets *v, uint32_t *id)
{
	struct res_key *k = malloc(sizeof(*k));
	uint32_t val;
	int i, rc;

	if (!k)
		return -ENOMEM;
	memset(k, 0, sizeof(*k));
	for (i = 0; i < VS_N; i++)
		k->h[i] = connset_hash(&v->s[i]);
	if (hmap_get(&c->res_ids, k, sizeof(*k), &val) &&
	    vsets_equal(&c->res.v[val], v)) {
		free(k);
		vsets_free(v);
		*id = val;
		return 0;
	}
	/* A new result (or, against all odds, a hash collision: then it is
	 * stored without being found again, which is only slower). */
	if (vec_push(&c->res, *v)) {
		free(k);
		return -ENOMEM;
	}
	val = c->res.n - 1;
	if (vec_push(&c->res_keys, (void *)k)) {
		free(k);
		return -ENOMEM;
	}
	if (!hmap_get(&c->res_ids, k, sizeof(*k), &(uint32_t){0}) &&
	    (rc = hmap_put(&c->res_ids, k, sizeof(*k), val)))
		return rc;
	*id = val;
	return 0;
}

/* The key of a side: flags, then each rule that matters with how it
 * matches, then the peer's range if some rule covers part of it. */
static int side_key(struct an_ctx *c, uint32_t self, int dir,
		    const struct member *peer, const uint64_t *bits, void *vec)
{
	VEC(uint32_t) *k = vec;
	const struct sg_endpoint *e = &c->m->endpoints.v[self];
	uint32_t i;
	int some = 0;

	k->n = 0;
	if (vec_push(k, (uint32_t)dir << 2 | (e->missing_groups ? 2u : 0u) |
			    peer->nat))
		return -ENOMEM;
	for (i = 0; i < e->nrules[dir]; i++) {
		uint32_t ri = e->rules[dir][i], x;
		int how, unknown = 0, live = an_rule_live(c, ri);

		if (live < 0)
			return live;
		if (!live)
			continue;
		/* A single private address: a CIDR rule holds it or not
		 * (an_rule_how() would compare prefixes to say the same). */
		if (bits && (x = c->rcidx[ri]) != SG_NONE)
			how = bits[x >> 6] >> (x & 63) & 1 ? AN_MATCH_ALL
							   : AN_MATCH_NO;
		else
			how = an_rule_how(c, self, ri, peer, &unknown);
		if (how && vec_push(k, ri << 2 | (uint32_t)how))
			return -ENOMEM;
		if (unknown && vec_push(k, ri << 2 | 3))
			return -ENOMEM;
		some |= how == AN_MATCH_SOME;
	}
	if (some) {
		uint32_t p[5] = {
		    (uint32_t)(peer->p.a.hi >> 32), (uint32_t)peer->p.a.hi,
		    (uint32_t)(peer->p.a.lo >> 32), (uint32_t)peer->p.a.lo,
		    (uint32_t)peer->p.len << 8 | peer->p.fam};

		for (i = 0; i < 5; i++)
			if (vec_push(k, p[i]))
				return -ENOMEM;
	}
	return 0;
}

/* The side whose key side_key() (or an_ext_pair_id()'s caller) left in
 * c->skey: looked up, or worked out and remembered. */
static int side_of_skey(struct an_ctx *c, uint32_t self, int dir,
			const struct member *peer, uint32_t *id)
{
	struct vsets v;
	uint32_t *key;
	size_t len = c->skey.n * sizeof(uint32_t);
	int rc;

	if (hmap_get(&c->side_ids, c->skey.v, len, id))
		return 0;
	vsets_init(&v);
	if ((rc = an_side(c, self, dir, peer, &v)) ||
	    (rc = an_intern(c, &v, id))) {
		vsets_free(&v);
		return rc;
	}
	key = malloc(len ? len : 1);
	if (!key)
		return -ENOMEM;
	memcpy(key, c->skey.v, len);
	if (vec_push(&c->side_keys, key)) {
		free(key);
		return -ENOMEM;
	}
	return hmap_put(&c->side_ids, key, len, *id);
}

static int side_id(struct an_ctx *c, uint32_t self, int dir,
		   const struct member *peer, const uint64_t *bits,
		   uint32_t *id)
{
	int rc = side_key(c, self, dir, peer, bits, &c->skey);

	return rc ? rc : side_of_skey(c, self, dir, peer, id);
}

int an_side_id(struct an_ctx *c, uint32_t self, int dir,
	       const struct member *peer, uint32_t *id)
{
	return side_id(c, self, dir, peer, NULL, id);
}

int an_side_id_bits(struct an_ctx *c, uint32_t self, int dir,
		    const struct member *peer, const uint64_t *bits,
		    uint32_t *id)
{
	return side_id(c, self, dir, peer, bits, id);
}

/* A pair's result from its two interned sides, as an_pair() combines
 * them; remembered under key. */
static int combine_ids(struct an_ctx *c, uint32_t eg, uint32_t in,
		       uint32_t nopath, uint64_t key, uint32_t *id)
{
	int rc = an_combine_ids(c, eg, in, nopath, id);

	return rc ? rc : u64map_put(&c->pair_memo, key, *id);
}

int an_combine_ids(struct an_ctx *c, uint32_t eg, uint32_t in, uint32_t nopath,
		   uint32_t *id)
{
	struct vsets v;
	int rc, i;

	vsets_init(&v);
	if (eg == SIDE_NONE && in == SIDE_NONE) {
		rc = connset_copy(&v.s[VS_A], &c->universe);
	} else if (eg == SIDE_NONE) {
		rc = vsets_copy(&v, &c->res.v[in]);
	} else if (in == SIDE_NONE) {
		rc = vsets_copy(&v, &c->res.v[eg]);
	} else {
		/* Copies: interning may move c->res. */
		struct vsets a, b;

		vsets_init(&a);
		vsets_init(&b);
		rc = vsets_copy(&a, &c->res.v[eg]);
		if (!rc)
			rc = vsets_copy(&b, &c->res.v[in]);
		if (!rc)
			rc = an_combine_sides(c, &a, &b, &v);
		vsets_free(&a);
		vsets_free(&b);
	}
	if (!rc && nopath) {
		/* No path between the VPCs: not denied becomes unknown. */
		if (!(rc = connset_union(&v.s[VS_U], &v.s[VS_A])))
			rc = connset_union(&v.s[VS_U], &v.s[VS_P]);
		connset_clear(&v.s[VS_A]);
		connset_clear(&v.s[VS_P]);
	}
	if (!rc)
		rc = an_intern(c, &v, id);
	if (rc)
		for (i = 0; i < VS_N; i++)
			connset_free(&v.s[i]);
	return rc;
}

/* The pair's result from its side results: looked up by them, or worked
 * out and remembered. */
static int pair_of_sides(struct an_ctx *c, const struct member *src,
			 const struct member *dst, uint32_t eg, uint32_t in,
			 uint32_t nopath, uint32_t *id)
{
	uint64_t key = (uint64_t)eg << 32 | (uint64_t)in << 1 | nopath;
	struct vsets v;
	int rc;

	if (u64map_get(&c->pair_memo, key, id))
		return 0;
	vsets_init(&v);
	if ((rc = an_pair(c, src, dst, &v)) || (rc = an_intern(c, &v, id))) {
		vsets_free(&v);
		return rc;
	}
	return u64map_put(&c->pair_memo, key, *id);
}

static int pair_id(struct an_ctx *c, const struct member *src,
		   const struct member *dst, const uint64_t *sbits,
		   const uint64_t *dbits, uint32_t *id)
{
	struct member seen;
	uint32_t eg = SIDE_NONE, in = SIDE_NONE, nopath = 0;
	int rc;

	an_seen_source(c, src, dst, &seen);
	if (seen.nat || seen.is_public != src->is_public ||
	    seen.p.len != src->p.len || addr_cmp(&seen.p.a, &src->p.a))
		sbits = NULL; /* seen from another address */
	if (src->ep != SG_NONE &&
	    (rc = side_id(c, src->ep, SGREACH_EGRESS, dst, dbits, &eg)))
		return rc;
	if (dst->ep != SG_NONE &&
	    (rc = side_id(c, dst->ep, SGREACH_INGRESS, &seen, sbits, &in)))
		return rc;
	if (src->ep != SG_NONE && dst->ep != SG_NONE && !dst->is_public &&
	    !eval_endpoints_connected(c->m, src->ep, dst->ep))
		nopath = 1;
	return pair_of_sides(c, src, dst, eg, in, nopath, id);
}

int an_ext_pair_id(struct an_ctx *c, const struct member *ext,
		   const struct member *self, int dir, uint32_t *id)
{
	uint32_t side;
	int rc;

	/* An outside source is seen as itself (an_seen_source()), and
	 * with one side outside the model there is no VPC to compare. */
	if ((rc = side_of_skey(c, self->ep, dir, ext, &side)))
		return rc;
	return dir == SGREACH_INGRESS
		   ? pair_of_sides(c, ext, self, SIDE_NONE, side, 0, id)
		   : pair_of_sides(c, self, ext, side, SIDE_NONE, 0, id);
}

int an_pair_id(struct an_ctx *c, const struct member *src,
	       const struct member *dst, uint32_t *id)
{
	return pair_id(c, src, dst, NULL, NULL, id);
}

int an_class_pair_id(struct an_ctx *c, uint32_t a, uint32_t b, uint32_t *id)
{
	const struct member *s = &c->mcls.v[a].rep, *d = &c->mcls.v[b].rep;
	uint32_t n = c->stab_n, eg, in, nopath = 0;
	uint64_t key;

	if (a >= n || b >= n)
		return pair_id(c, s, d, c->mcls.v[a].bits, c->mcls.v[b].bits,
			       id);
	/* Both sides read from the tables; only the pair is looked up. */
	eg = c->stab[SGREACH_EGRESS][(size_t)a * n + b];
	in = c->stab[SGREACH_INGRESS][(size_t)b * n + a];
	if (s->ep != SG_NONE && d->ep != SG_NONE && !d->is_public &&
	    !eval_endpoints_connected(c->m, s->ep, d->ep))
		nopath = 1;
	key = (uint64_t)eg << 32 | (uint64_t)in << 1 | nopath;
	if (u64map_get(&c->pair_memo, key, id))
		return 0;
	return combine_ids(c, eg, in, nopath, key, id);
}

/* The fast classes whose interface carries group g, as bits.  Built for
 * every group at once, from each class's own groups. */
static int group_bits(struct an_ctx *c, uint32_t g, const uint8_t *fast,
		      const uint64_t **out)
{
	uint32_t n = c->mcls.n, y, k, ng = c->m->groups.n;

	if (!c->gbits) {
		c->gbits = calloc(ng ? ng : 1, sizeof(*c->gbits));
		if (!c->gbits)
			return -ENOMEM;
		for (y = 0; y < n; y++) {
			const struct member *x = &c->mcls.v[y].rep;
			const struct sg_endpoint *e;

			if (!fast[y] || x->p.fam != c->fam)
				continue;
			e = &c->m->endpoints.v[x->ep];
			for (k = 0; k < e->groups.n; k++) {
				uint32_t gi = e->groups.v[k];

				if (!c->gbits[gi] &&
				    !(c->gbits[gi] =
					  calloc(n / 64 + 1, sizeof(uint64_t))))
					return -ENOMEM;
				c->gbits[gi][y >> 6] |= 1ull << (y & 63);
			}
		}
		/* Groups nobody carries: an empty set, shared. */
		c->gnone = calloc(n / 64 + 1, sizeof(uint64_t));
		if (!c->gnone)
			return -ENOMEM;
	}
	*out = c->gbits[g] ? c->gbits[g] : c->gnone;
	return 0;
}

/* How rule ri of endpoint self matches fast class y: a CIDR rule by
 * the class's address bits, a group rule by the group's class bits (gb)
 * and the VPCs, anything else the exact way. */
static int class_how(struct an_ctx *c, uint32_t self, uint32_t ri,
		     const uint64_t *gb, uint32_t y)
{
	const struct member *peer = &c->mcls.v[y].rep;
	uint32_t cx = c->rcidx[ri];
	int unknown;

	if (cx != SG_NONE)
		return (c->mcls.v[y].bits[cx >> 6] >> (cx & 63) & 1)
			   ? AN_MATCH_ALL
			   : AN_MATCH_NO;
	if (c->m->rules.v[ri].peer_kind == SGREACH_PEER_CIDR)
		return AN_MATCH_NO; /* the other family */
	if (gb) {
		if (!(gb[y >> 6] >> (y & 63) & 1))
			return AN_MATCH_NO;
		return eval_endpoints_connected(c->m, self, peer->ep)
			   ? AN_MATCH_ALL
			   : AN_MATCH_NO;
	}
	return an_rule_how(c, self, ri, peer, &unknown);
}

/* Can a class be matched by bit tests: one private address, its own. */
static int fast_class(const struct mclass *x)
{
	return x->bits && x->rep.ep != SG_NONE && !x->rep.is_public &&
	       !x->rep.nat;
}

/*
 * The side tables: stab[dir][self * n + peer] is the result id of class
 * self's rules in direction dir against class peer.  For each self class,
 * the peer classes are split by each of its rules into those it matches
 * and those it does not (partition refinement): peers that end in one
 * block match exactly the same rules, so one of them gives the block's
 * answer through the exact path.  Cost: classes² × rules bit tests, and
 * one side evaluation per distinct outcome.
 */
int an_build_tables(struct an_ctx *c)
{
	const sgreach_model *m = c->m;
	uint32_t n = c->mcls.n, x, y, k, nb;
	uint32_t *blk = NULL, *remap = NULL, *rep = NULL, *ren = NULL;
	uint8_t *fast = NULL;
	int dir, rc = 0;

	if (n == 0 || (uint64_t)n * n > (1u << 26))
		return 0; /* too large for tables: pairs take the memo path */
	c->stab[0] = malloc((size_t)n * n * sizeof(uint32_t));
	c->stab[1] = malloc((size_t)n * n * sizeof(uint32_t));
	blk = malloc(n * sizeof(*blk));
	remap = malloc(3 * (size_t)n * sizeof(*remap) + 3 * sizeof(*remap));
	rep = malloc(n * sizeof(*rep) + sizeof(*rep));
	ren = malloc(3 * (size_t)n * sizeof(*ren) + 3 * sizeof(*ren));
	fast = malloc(n);
	if (!c->stab[0] || !c->stab[1] || !blk || !remap || !rep || !ren ||
	    !fast) {
		rc = -ENOMEM;
		goto out;
	}
	for (y = 0; y < n; y++)
		fast[y] = (uint8_t)fast_class(&c->mcls.v[y]);
	for (dir = 0; dir < 2 && !rc; dir++) {
		uint32_t *t = c->stab[dir];

		for (x = 0; x < n && !rc; x++) {
			const struct member *self = &c->mcls.v[x].rep;
			const struct sg_endpoint *e;

			if (self->ep == SG_NONE) {
				for (y = 0; y < n; y++)
					t[(size_t)x * n + y] = SIDE_NONE;
				continue;
			}
			e = &m->endpoints.v[self->ep];
			memset(blk, 0, n * sizeof(*blk));
			nb = 1;
			for (k = 0; k < e->nrules[dir] && !rc; k++) {
				uint32_t ri = e->rules[dir][k], nb0 = nb;
				const struct sg_rule *r = &m->rules.v[ri];
				int live = an_rule_live(c, ri);
				const uint64_t *gb = NULL;

				if (live <= 0) {
					rc = live;
					continue;
				}
				if (r->peer_kind == SGREACH_PEER_GROUP) {
					if (r->stale)
						continue; /* never matches */
					if ((rc = group_bits(c, r->peer, fast,
							     &gb)))
						continue;
				}
				for (y = 0; y < 3 * nb0; y++)
					remap[y] = SG_NONE;
				for (y = 0; y < n; y++) {
					int how;
					uint32_t *slot;

					if (!fast[y])
						continue;
					how = class_how(c, self->ep, ri, gb, y);
					if (!how)
						continue;
					slot =
					    &remap[blk[y] * 3 + (uint32_t)how];
					if (*slot == SG_NONE)
						*slot = nb++;
					blk[y] = *slot;
				}
				/* Renumber the blocks densely: emptied blocks
				 * would otherwise keep ids, and ids (which
				 * index remap and rep) could pass n. */
				for (y = 0; y < nb; y++)
					ren[y] = SG_NONE;
				nb = 0;
				for (y = 0; y < n; y++) {
					if (ren[blk[y]] == SG_NONE)
						ren[blk[y]] = nb++;
					blk[y] = ren[blk[y]];
				}
			}
			for (y = 0; y < nb; y++)
				rep[y] = SG_NONE;
			for (y = 0; y < n && !rc; y++) {
				uint32_t *cell = &t[(size_t)x * n + y];
				const struct mclass *peer = &c->mcls.v[y];

				if (!fast[y]) {
					rc = side_id(c, self->ep, dir,
						     &peer->rep, peer->bits,
						     cell);
					continue;
				}
				if (rep[blk[y]] == SG_NONE) {
					rc = side_id(c, self->ep, dir,
						     &peer->rep, peer->bits,
						     cell);
					rep[blk[y]] = *cell;
				} else {
					*cell = rep[blk[y]];
				}
			}
		}
	}
out:
	free(blk);
	free(ren);
	free(remap);
	free(rep);
	free(fast);
	if (rc) {
		free(c->stab[0]);
		free(c->stab[1]);
		c->stab[0] = c->stab[1] = NULL;
		return rc;
	}
	c->stab_n = n;
	return 0;
}

void an_memo_free(struct an_ctx *c)
{
	uint32_t i;

	for (i = 0; i < c->res.n; i++)
		vsets_free(&c->res.v[i]);
	vec_free(&c->res);
	for (i = 0; i < c->res_keys.n; i++)
		free(c->res_keys.v[i]);
	vec_free(&c->res_keys);
	hmap_free(&c->res_ids);
	for (i = 0; i < c->side_keys.n; i++)
		free(c->side_keys.v[i]);
	vec_free(&c->side_keys);
	hmap_free(&c->side_ids);
	vec_free(&c->skey);
	u64map_free(&c->pair_memo);
	free(c->stab[0]);
	free(c->stab[1]);
	if (c->gbits) {
		uint32_t g;

		for (g = 0; g < c->m->groups.n; g++)
			free(c->gbits[g]);
		free(c->gbits);
	}
	free(c->gnone);
	u64map_free(&c->only_memo);
}

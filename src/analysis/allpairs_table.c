/*
 * analysis/allpairs_table.c - every pair's answers to every flow
 * (AP_TABLE): per profile, the side's answer against every peer, as 16-bit
 * cells in two tables (allpairs.c), each an index among the profile's own
 * answers.
 */
#include "analysis/allpairs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define WORDS(n) (((size_t)(n) + 63) / 64)

size_t ap_pairs_max = (size_t)1 << 28;
uint32_t ap_cell_max = 0xffff;

/* The slot of side result rid in direction dir, added if new. */
static int side_slot(struct allpairs *ap, int dir, uint32_t rid, uint32_t *slot)
{
	struct ap_side *sd = &ap->side[dir];

	while (sd->res_slot.n <= rid)
		if (vec_push(&sd->res_slot, SG_NONE))
			return -ENOMEM;
	if (sd->res_slot.v[rid] == SG_NONE) {
		if (vec_push(&sd->slot_res, rid))
			return -ENOMEM;
		sd->res_slot.v[rid] = sd->slot_res.n - 1;
	}
	*slot = sd->res_slot.v[rid];
	return 0;
}

/* Distinct masks of one profile -> slot, open addressing. */
struct maskmap {
	uint64_t *keys; /* cap x mw words */
	uint32_t *vals; /* SG_NONE: free */
	size_t cap, count, mw;
	uint32_t *used; /* slots in use, to clear them */
};

static int words_equal(const uint64_t *a, const uint64_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

static uint64_t mask_hash(const uint64_t *k, size_t mw)
{
	uint64_t h = 0x9e3779b97f4a7c15ull;
	size_t i;

	for (i = 0; i < mw; i++) {
		h ^= k[i];
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	return h;
}

static int maskmap_setup(struct maskmap *mm, size_t mw)
{
	size_t i;

	if (mm->keys && mm->mw == mw) {
		for (i = 0; i < mm->count; i++)
			mm->vals[mm->used[i]] = SG_NONE;
		mm->count = 0;
		return 0;
	}
	free(mm->keys);
	free(mm->vals);
	free(mm->used);
	mm->mw = mw;
	mm->cap = 64;
	mm->count = 0;
	mm->keys = malloc(mm->cap * mw * sizeof(uint64_t));
	mm->vals = malloc(mm->cap * sizeof(uint32_t));
	mm->used = malloc(mm->cap / 2 * sizeof(uint32_t));
	if (!mm->keys || !mm->vals || !mm->used)
		return -ENOMEM;
	for (i = 0; i < mm->cap; i++)
		mm->vals[i] = SG_NONE;
	return 0;
}

static uint32_t *maskmap_slot(struct maskmap *mm, const uint64_t *k)
{
	size_t i = mask_hash(k, mm->mw) & (mm->cap - 1);

	while (mm->vals[i] != SG_NONE &&
	       !words_equal(mm->keys + i * mm->mw, k, mm->mw))
		i = (i + 1) & (mm->cap - 1);
	return &mm->vals[i];
}

static int maskmap_put(struct maskmap *mm, const uint64_t *k, uint32_t val)
{
	uint32_t *slot;

	if ((mm->count + 1) * 2 > mm->cap) {
		struct maskmap big = {0};
		size_t i;

		big.mw = mm->mw;
		big.cap = mm->cap * 2;
		big.keys = malloc(big.cap * big.mw * sizeof(uint64_t));
		big.vals = malloc(big.cap * sizeof(uint32_t));
		big.used = malloc(big.cap / 2 * sizeof(uint32_t));
		if (!big.keys || !big.vals || !big.used) {
			free(big.keys);
			free(big.vals);
			free(big.used);
			return -ENOMEM;
		}
		for (i = 0; i < big.cap; i++)
			big.vals[i] = SG_NONE;
		for (i = 0; i < mm->count; i++) {
			size_t u = mm->used[i];

			slot = maskmap_slot(&big, mm->keys + u * mm->mw);
			memcpy(big.keys + (size_t)(slot - big.vals) * big.mw,
			       mm->keys + u * mm->mw,
			       big.mw * sizeof(uint64_t));
			*slot = mm->vals[u];
			big.used[big.count++] = (uint32_t)(slot - big.vals);
		}
		free(mm->keys);
		free(mm->vals);
		free(mm->used);
		*mm = big;
	}
	slot = maskmap_slot(mm, k);
	memcpy(mm->keys + (size_t)(slot - mm->vals) * mm->mw, k,
	       mm->mw * sizeof(uint64_t));
	*slot = val;
	mm->used[mm->count++] = (uint32_t)(slot - mm->vals);
	return 0;
}

static void maskmap_free(struct maskmap *mm)
{
	free(mm->keys);
	free(mm->vals);
	free(mm->used);
}

/* Scratch of table_profile(). */
struct tscratch {
	VEC(uint32_t) conn;  /* distinct flow set ids of the profile */
	VEC(uint64_t) sets;  /* per flow set: the classes matched */
	VEC(uint64_t) masks; /* 64 peers x mw words */
	struct maskmap mm;
};

/*
 * Profile p's side (direction dir) against every fast peer, into
 * out[peer]: the index of the answer among the profile's own, whose slots
 * table_profile() appends to sd->lslot.  The peers are split by which of
 * the profile's flow sets some matching rule carries (the side's answer
 * depends on nothing else: an_side() unions the flow sets of the rules
 * matching a peer wholly); the first peer of each part is evaluated
 * exactly.  A cell is local to its profile so that 16 bits hold it however
 * many answers the side has in all: xl's ingress has 74,639.
 */
static int table_profile(struct allpairs *ap, int dir, uint32_t p,
			 struct tscratch *t, uint16_t *out)
{
	struct ap_side *sd = &ap->side[dir];
	const sgreach_model *m = ap->c->m;
	uint32_t y0 = sd->self[p], vs = ap->vslot[y0],
		 ep = ap->c->mcls.v[y0].rep.ep;
	const struct sg_endpoint *e = &m->endpoints.v[ep];
	size_t ng, mw, b, i, j, g;
	uint64_t blk[64];
	uint32_t k, first = sd->lslot.n;
	int rc;

	sd->loff[p] = first;
	t->conn.n = 0;
	t->sets.n = 0;
	for (k = 0; k < e->nrules[dir]; k++) {
		uint32_t ri = e->rules[dir][k], id;
		const uint64_t *set, *vmask;
		int use, live = an_rule_live(ap->c, ri);

		if (live < 0)
			return live;
		if (!live)
			continue;
		use = ap_rule_use(ap, ri, vs, &set, &vmask);
		if (use < 0)
			return use;
		if (use != USE_SET)
			continue;
		if ((rc = ap_conn_id(ap, ri, &id)))
			return rc;
		for (g = 0; g < t->conn.n && t->conn.v[g] != id; g++)
			;
		if (g == t->conn.n) {
			if (vec_push(&t->conn, id) ||
			    vec_reserve(&t->sets, (uint32_t)((g + 1) * ap->w)))
				return -ENOMEM;
			memset(t->sets.v + g * ap->w, 0,
			       ap->w * sizeof(uint64_t));
			t->sets.n = (uint32_t)((g + 1) * ap->w);
		}
		ap_or_set(ap, t->sets.v + g * ap->w, set, vmask);
	}
	ng = t->conn.n;
	mw = ng ? WORDS(ng) : 1;
	if (vec_reserve(&t->masks, (uint32_t)(64 * mw)) ||
	    (rc = maskmap_setup(&t->mm, mw)))
		return -ENOMEM;
	for (b = 0; b < ap->w; b++) {
		uint64_t *mk = t->masks.v;
		uint32_t last = SG_NONE;
		const uint64_t *lastk = NULL;

		for (j = 0; j < mw; j++) {
			uint64_t any = 0;

			for (i = 0; i < 64; i++) {
				blk[i] =
				    j * 64 + i < ng
					? t->sets.v[(j * 64 + i) * ap->w + b]
					: 0;
				any |= blk[i];
			}
			/* Most flow sets match few of 64 classes. */
			if (any)
				ap_transpose64(blk);
			for (i = 0; i < 64; i++)
				mk[i * mw + j] = blk[i];
		}
		for (i = 0; i < 64 && b * 64 + i < ap->n; i++) {
			size_t y = b * 64 + i;
			const uint64_t *key = mk + i * mw;
			uint32_t *slot, rid, s;

			if (ap->kind[y])
				continue;
			if (lastk && words_equal(lastk, key, mw)) {
				out[y] = (uint16_t)last;
				continue;
			}
			slot = maskmap_slot(&t->mm, key);
			if (*slot != SG_NONE) {
				s = *slot;
			} else {
				const struct mclass *peer = &ap->c->mcls.v[y];

				s = sd->lslot.n - first;
				/* Too many for a cell: the caller falls
				 * back to pair by pair. */
				if (s >= ap_cell_max)
					return -E2BIG;
				if ((rc = an_side_id_bits(ap->c, ep, dir,
							  &peer->rep,
							  peer->bits, &rid)) ||
				    (rc = side_slot(ap, dir, rid, &k)) ||
				    (rc = vec_push(&sd->lslot, k)) ||
				    (rc = maskmap_put(&t->mm, key, s)))
					return rc;
			}
			out[y] = (uint16_t)s;
			last = s;
			lastk = key;
		}
	}
	return 0;
}

/* Ingress slots are read along a source's row: built 32 profiles at a
 * time, then written to each source's row. */
#define INGRESS_CHUNK 32

int ap_table_init(struct allpairs *ap)
{
	const struct ap_side *eg = &ap->side[SGREACH_EGRESS];
	const struct ap_side *in = &ap->side[SGREACH_INGRESS];
	struct tscratch t;
	uint16_t *chunk = NULL;
	uint32_t p, q0, y;
	size_t ne, ni;
	int rc = 0;

	memset(&t, 0, sizeof(t));
	ap->egress = malloc(((size_t)eg->nprof * ap->n + 1) * sizeof(uint16_t));
	ap->ingress =
	    malloc(((size_t)ap->n * in->nprof + 1) * sizeof(uint16_t));
	chunk = malloc(((size_t)INGRESS_CHUNK * ap->n + 1) * sizeof(uint16_t));
	ap->side[SGREACH_EGRESS].loff =
	    malloc(((size_t)eg->nprof + 1) * sizeof(uint32_t));
	ap->side[SGREACH_INGRESS].loff =
	    malloc(((size_t)in->nprof + 1) * sizeof(uint32_t));
	ap->islot = malloc(((size_t)in->nprof + 1) * sizeof(uint32_t));
	if (!ap->egress || !ap->ingress || !chunk || !eg->loff || !in->loff ||
	    !ap->islot) {
		rc = -ENOMEM;
		goto out;
	}
	for (p = 0; p < eg->nprof && !rc; p++)
		rc = table_profile(ap, SGREACH_EGRESS, p, &t,
				   ap->egress + (size_t)p * ap->n);
	for (q0 = 0; q0 < in->nprof && !rc; q0 += INGRESS_CHUNK) {
		uint32_t nq = in->nprof - q0 < INGRESS_CHUNK ? in->nprof - q0
							     : INGRESS_CHUNK;

		for (p = 0; p < nq && !rc; p++)
			rc = table_profile(ap, SGREACH_INGRESS, q0 + p, &t,
					   chunk + (size_t)p * ap->n);
		for (y = 0; y < ap->n && !rc; y++) {
			if (ap->kind[y])
				continue;
			for (p = 0; p < nq; p++)
				ap->ingress[(size_t)y * in->nprof + q0 + p] =
				    chunk[(size_t)p * ap->n + y];
		}
	}
	if (rc)
		goto out;
	/* The answers of pairs of slots, lazily: a table when it is small
	 * enough (calloc()'s pages of zeros cost nothing until written: a
	 * large table takes the memory of the pairs met), else a map, which
	 * also stands in when the table's address space is refused. */
	ne = eg->slot_res.n;
	ni = in->slot_res.n;
	if (!ni || ne <= ap_pairs_max / 2 / ni)
		ap->pairs = calloc(ne * ni * 2 + 1, sizeof(uint32_t));
out:
	free(chunk);
	vec_free(&t.conn);
	vec_free(&t.sets);
	vec_free(&t.masks);
	maskmap_free(&t.mm);
	return rc;
}

static int pair_answer(struct allpairs *ap, uint32_t e, uint32_t i,
		       uint32_t nopath, uint32_t *out)
{
	size_t ni = ap->side[SGREACH_INGRESS].slot_res.n;
	uint64_t key = ((uint64_t)e * ni + i) * 2 + nopath;
	uint32_t id;
	int rc;

	if (!ap->pairs && u64map_get(&ap->pair_map, key, out))
		return 0;
	if ((rc = an_combine_ids(ap->c, ap->side[SGREACH_EGRESS].slot_res.v[e],
				 ap->side[SGREACH_INGRESS].slot_res.v[i],
				 nopath, &id)) ||
	    (rc = an_restrict_id(ap->c, id, &id)))
		return rc;
	*out = id;
	if (ap->pairs) {
		ap->pairs[key] = id + 1;
		return 0;
	}
	return u64map_put(&ap->pair_map, key, id);
}

int ap_table_row(struct allpairs *ap, uint32_t s, uint32_t *out)
{
	const struct ap_side *eg = &ap->side[SGREACH_EGRESS];
	const struct ap_side *in = &ap->side[SGREACH_INGRESS];
	const uint32_t pe = eg->prof[s];
	const uint16_t *er = ap->egress + (size_t)pe * ap->n;
	const uint16_t *ir = ap->ingress + (size_t)s * in->nprof;
	/* The source's egress profile's slots, and its ingress slots in
	 * every destination profile (read once a row, not once a cell). */
	const uint32_t *es = eg->lslot.v + eg->loff[pe];
	uint32_t *is = ap->islot;
	const uint8_t *vc = ap->vconn + (size_t)ap->vslot[s] * ap->nv;
	size_t ni = in->slot_res.n;
	uint32_t d, q;
	int rc;

	for (q = 0; q < in->nprof; q++)
		is[q] = in->lslot.v[in->loff[q] + ir[q]];
	for (d = 0; d < ap->n; d++) {
		uint32_t np, e, i;
		uint64_t key;

		if (ap->kind[d])
			continue; /* exact: filled by the caller */
		e = es[er[d]];
		i = is[in->prof[d]];
		np = !vc[ap->vslot[d]];
		key = ((uint64_t)e * ni + i) * 2 + np;
		if (ap->pairs && ap->pairs[key]) {
			out[d] = ap->pairs[key] - 1;
			continue;
		}
		if ((rc = pair_answer(ap, e, i, np, &out[d])))
			return rc;
	}
	return 0;
}

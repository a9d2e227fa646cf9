/*
 * analysis/allpairs_flow.c - every pair's answer to one flow (AP_FLOW):
 * bitsets of the classes each profile's side allows (allpairs.c).
 */
#include "analysis/allpairs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

static int flow_rows(struct allpairs *ap, int dir)
{
	struct ap_side *sd = &ap->side[dir];
	const sgreach_model *m = ap->c->m;
	uint32_t p, i;

	sd->rows = calloc((size_t)sd->nprof * ap->w + 1, sizeof(uint64_t));
	sd->unknown = calloc(sd->nprof + 1, 1);
	if (!sd->rows || !sd->unknown)
		return -ENOMEM;
	for (p = 0; p < sd->nprof; p++) {
		uint32_t y = sd->self[p], vs = ap->vslot[y];
		const struct sg_endpoint *e =
		    &m->endpoints.v[ap->c->mcls.v[y].rep.ep];
		uint64_t *row = sd->rows + (size_t)p * ap->w;

		if (e->missing_groups)
			sd->unknown[p] = 1;
		for (i = 0; i < e->nrules[dir]; i++) {
			uint32_t ri = e->rules[dir][i];
			const struct connset *conn = an_rule_conn(ap->c, ri);
			const uint64_t *set, *vmask;
			int use;

			if (!conn)
				return -ENOMEM;
			if (!connset_contains(conn, ap->flow_proto,
					      ap->flow_value))
				continue;
			use = ap_rule_use(ap, ri, vs, &set, &vmask);
			if (use < 0)
				return use;
			if (use == USE_SET)
				ap_or_set(ap, row, set, vmask);
			else if (use == USE_UNKNOWN)
				sd->unknown[p] = 1;
		}
	}
	return 0;
}

/* iat[s] = the destinations d whose ingress row holds s. */
static int flow_transpose(struct allpairs *ap)
{
	const struct ap_side *in = &ap->side[SGREACH_INGRESS];
	uint64_t t[64];
	size_t bd, bs, i;

	ap->iat = calloc((size_t)ap->n * ap->w + 1, sizeof(uint64_t));
	ap->iunk = ap_new_set(ap);
	if (!ap->iat || !ap->iunk)
		return -ENOMEM;
	for (bd = 0; bd < ap->w; bd++)
		for (bs = 0; bs < ap->w; bs++) {
			for (i = 0; i < 64; i++) {
				size_t d = bd * 64 + i;
				uint32_t p = d < ap->n ? in->prof[d] : SG_NONE;

				t[i] = p == SG_NONE
					   ? 0
					   : in->rows[(size_t)p * ap->w + bs];
			}
			ap_transpose64(t);
			for (i = 0; i < 64 && bs * 64 + i < ap->n; i++)
				ap->iat[(bs * 64 + i) * ap->w + bd] = t[i];
		}
	for (i = 0; i < ap->n; i++)
		if (in->prof[i] != SG_NONE && in->unknown[in->prof[i]])
			ap->iunk[i / 64] |= 1ull << (i & 63);
	return 0;
}

#define BYTE_ONES 0x0101010101010101ull

/* The low 8 bits of b, bit k to byte k in memory (0 or 1 each). */
static inline uint64_t spread8(uint64_t b)
{
	uint64_t x;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* b in every byte; byte k keeps bit k (0 or 1 << k); adding 0x7f
	 * sets a byte's top bit when it is not 0, with no carry out of it;
	 * that bit moves to the byte's bottom. */
	x = ((b & 0xff) * BYTE_ONES) & 0x8040201008040201ull;
	x = (x + 0x7f7f7f7f7f7f7f7full) >> 7 & BYTE_ONES;
#else
	uint8_t by[8];
	int k;

	for (k = 0; k < 8; k++)
		by[k] = (uint8_t)(b >> k & 1);
	memcpy(&x, by, 8);
#endif
	return x;
}

/* Class s's side of the flow against every class, a word at a time:
 * flow_word() gives the classes allowed and unknown in word i (the fast
 * classes only; the others are exact). */
struct flow_src {
	const uint64_t *e, *ia, *vr;
	int eunk;
};

static void flow_src(const struct allpairs *ap, uint32_t s, struct flow_src *fs)
{
	const struct ap_side *eg = &ap->side[SGREACH_EGRESS];
	uint32_t p = eg->prof[s];

	fs->e = eg->rows + (size_t)p * ap->w;
	fs->ia = ap->iat + (size_t)s * ap->w;
	fs->vr = ap->vrow + (size_t)ap->vslot[s] * ap->w;
	fs->eunk = eg->unknown[p];
}

static inline void flow_word(const struct allpairs *ap,
			     const struct flow_src *fs, size_t i, uint64_t *a,
			     uint64_t *u)
{
	uint64_t f = ap->fast[i];

	*a = fs->e[i] & fs->ia[i] & fs->vr[i] & f;
	/* Neither side denied: allowed, or unknown. */
	*u = (fs->eunk ? f : fs->e[i]) & (fs->ia[i] | ap->iunk[i]) & ~*a;
}

/* The verdict of the flow for class s to every class, as VS_* codes. */
static void flow_codes(struct allpairs *ap, uint32_t s, uint8_t *out)
{
	struct flow_src fs;
	uint32_t k;
	size_t i;

	if ((k = ap->exact_idx[s]) != SG_NONE) {
		memcpy(out, ap->exact_rowc + (size_t)k * ap->n, ap->n);
		return;
	}
	flow_src(ap, s, &fs);
	for (i = 0; i < ap->w; i++) {
		uint64_t a, u;
		size_t j = i * 64,
		       end = (i + 1) * 64 < ap->n ? (i + 1) * 64 : ap->n;

		flow_word(ap, &fs, i, &a, &u);
		/* VS_A 0, VS_D 1, VS_U 2: 1 - a + u (u excludes a), eight
		 * codes at a time where the word is whole: no lane borrows
		 * or carries, so the lanes are bytes in either byte order. */
		if (end - j == 64)
			for (; j < end; j += 8) {
				uint64_t x = BYTE_ONES -
					     spread8(a >> (j & 63)) +
					     spread8(u >> (j & 63));

				memcpy(out + j, &x, 8);
			}
		for (; j < end; j++)
			out[j] = (uint8_t)(1 - (a >> (j & 63) & 1) +
					   (u >> (j & 63) & 1));
	}
	for (k = 0; k < ap->nexact; k++)
		out[ap->exact[k]] = ap->exact_colc[(size_t)k * ap->n + s];
}

/* Ors the codes of flow_codes(ap, s) into the presence bitsets pb: bit d
 * of pb[c * w...] is set when class d's code is c. */
static void flow_presence(struct allpairs *ap, uint32_t s, uint64_t *pb)
{
	const size_t w = ap->w;
	struct flow_src fs;
	uint32_t k, d;
	size_t i;

	if ((k = ap->exact_idx[s]) != SG_NONE) {
		const uint8_t *rc = ap->exact_rowc + (size_t)k * ap->n;

		for (d = 0; d < ap->n; d++)
			pb[rc[d] * w + d / 64] |= 1ull << (d & 63);
		return;
	}
	flow_src(ap, s, &fs);
	for (i = 0; i < w; i++) {
		uint64_t a, u;

		flow_word(ap, &fs, i, &a, &u);
		pb[VS_A * w + i] |= a;
		pb[VS_U * w + i] |= u;
		/* The other fast classes are denied; the exact ones below. */
		pb[VS_D * w + i] |= ap->fast[i] & ~(a | u);
	}
	for (k = 0; k < ap->nexact; k++) {
		d = ap->exact[k];
		pb[ap->exact_colc[(size_t)k * ap->n + s] * w + d / 64] |=
		    1ull << (d & 63);
	}
}

/* The presence bytes of the bitsets pb (flow_presence()): bit c of
 * pres[d] is bit d of pb[c * w...]. */
static void presence_bytes(const struct allpairs *ap, const uint64_t *pb,
			   uint8_t *pres)
{
	const size_t w = ap->w;
	size_t i, j;
	int c;

	for (i = 0; i < w; i++) {
		size_t end = (i + 1) * 64 < ap->n ? (i + 1) * 64 : ap->n;

		j = i * 64;
		if (end - j == 64)
			for (; j < end; j += 8) {
				uint64_t x = 0;

				for (c = 0; c < VS_N; c++)
					x |= spread8(pb[c * w + i] >> (j & 63))
					     << c;
				memcpy(pres + j, &x, 8);
			}
		for (; j < end; j++) {
			pres[j] = 0;
			for (c = 0; c < VS_N; c++)
				pres[j] |=
				    (uint8_t)((pb[c * w + i] >> (j & 63) & 1)
					      << c);
		}
	}
}

/* The VS_* code of a result restricted to the one flow. */
uint8_t ap_flow_code(const struct allpairs *ap, uint32_t id)
{
	int k;

	for (k = 0; k < VS_N; k++)
		if (ap->vid[k] == id ||
		    !connset_is_empty(&ap->c->res.v[id].s[k]))
			return (uint8_t)k;
	return VS_D;
}

/* The tally of one flow: for each presence (bit k: some member pair
 * answers k), the answer. */
static int flow_tally(struct allpairs *ap)
{
	struct presence pr;
	struct vsets v;
	uint32_t p;
	int rc = 0, k;

	for (p = 1; p < 16 && !rc; p++) {
		presence_init(&pr);
		vsets_init(&v);
		for (k = 0; k < VS_N && !rc; k++)
			if (p >> k & 1)
				rc = connset_copy(&pr.has[k], ap->c->only);
		if (!rc)
			rc = presence_result(&pr, ap->c->only, &v);
		for (k = 0; k < VS_N && !rc; k++)
			if (!connset_is_empty(&v.s[k]))
				ap->cfin[p] = (uint8_t)k;
		presence_free(&pr);
		vsets_free(&v);
	}
	ap->cfin[0] = VS_D; /* no member pair: never asked */
	return rc;
}

/* The VS_* codes of node class x to every node class. */
void ap_flow_node_codes(struct allpairs *ap, uint32_t x, uint32_t *out)
{
	const struct an_node *nx = &ap->c->nodes.v[ap->ncrep[x]];
	uint8_t *pres = ap->pres, *codes = ap->codes;
	uint32_t y, k, d;

	if (nx->ncls == 1) {
		flow_codes(ap, nx->cls[0], codes);
		/* A lone member pair is its own tally. */
		for (y = 0; y < ap->nnc; y++)
			out[y] = codes[ap->ncfirst[y]];
		for (k = 0; k < ap->nmulti; k++) {
			uint8_t p = 0;

			for (d = ap->moff[k]; d < ap->moff[k + 1]; d++)
				p |= (uint8_t)(1u << codes[ap->mcls[d]]);
			out[ap->multi[k]] = ap->cfin[p];
		}
		return;
	}
	/* Several member classes: their codes ored as bitsets, a word at
	 * a time, then made bytes once. */
	memset(ap->presbits, 0, (size_t)VS_N * ap->w * sizeof(uint64_t));
	for (k = 0; k < nx->ncls; k++)
		flow_presence(ap, nx->cls[k], ap->presbits);
	presence_bytes(ap, ap->presbits, pres);
	for (y = 0; y < ap->nnc; y++)
		out[y] = ap->cfin[pres[ap->ncfirst[y]]];
	for (k = 0; k < ap->nmulti; k++) {
		uint8_t p = 0;

		for (d = ap->moff[k]; d < ap->moff[k + 1]; d++)
			p |= pres[ap->mcls[d]];
		out[ap->multi[k]] = ap->cfin[p];
	}
}

int ap_flow_init(struct allpairs *ap, const sgreach_flow *f)
{
	int k, rc;

	ap->flow_proto = f->protocol;
	if (f->protocol == PROTO_TCP || f->protocol == PROTO_UDP)
		ap->flow_value = (unsigned int)f->port;
	else if (f->protocol == PROTO_ICMP || f->protocol == PROTO_ICMPV6)
		ap->flow_value = (unsigned int)(f->port << 8 | f->code);
	else
		ap->flow_value = 0;
	/* The four answers: the flow in one set, the others empty. */
	for (k = 0; k < VS_N; k++) {
		struct vsets v;

		vsets_init(&v);
		if ((rc = connset_copy(&v.s[k], ap->c->only)) ||
		    (rc = an_intern(ap->c, &v, &ap->vid[k]))) {
			vsets_free(&v);
			return rc;
		}
	}
	ap->codes = malloc(ap->n + 1);
	ap->pres = malloc(ap->n + 1);
	ap->presbits = malloc(((size_t)VS_N * ap->w + 1) * sizeof(uint64_t));
	if (!ap->codes || !ap->pres || !ap->presbits)
		return -ENOMEM;
	if ((rc = flow_tally(ap)) || (rc = flow_rows(ap, SGREACH_EGRESS)) ||
	    (rc = flow_rows(ap, SGREACH_INGRESS)))
		return rc;
	return flow_transpose(ap);
}

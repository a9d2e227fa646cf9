/*
 * analysis/matrix_classes.c - the class form of the matrix
 * (SGREACH_MATRIX_CLASSES, `sgreach matrix --classes`).
 *
 * Listing every pair of nodes costs nodes² rows: 120 million on an estate
 * of 11,000 services and interfaces, gigabytes of text.  The class form
 * lists instead the source classes (nodes whose answers to every node are
 * the same, whatever the source), the destination classes (nodes that
 * every node answers alike), and, per source class, its destination
 * classes grouped by answer.  A pair of classes stands for every pair of
 * distinct nodes, one in each: the output grows with the classes and their
 * pairs.
 *
 * The classes are those of the answers themselves, for the FLOW asked:
 * rows and columns of the node-class matrix are hashed (128 bits) in a
 * first pass, then a second pass recomputes every row and checks it, cell
 * by cell, against its class's row, so the output never rests on a hash.
 * Were two different rows ever to hash alike, the classes are rebuilt with
 * other seeds, and at last every node class is a class of its own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/allpairs.h"

/* A partition of the node classes. */
struct part {
	uint32_t n;	/* classes */
	uint32_t *of;	/* per node class: its class */
	uint32_t *rep;	/* per class: its first node class */
	uint32_t *off;	/* per class: start of its node classes in list */
	uint32_t *list; /* node classes, class by class */
	uint32_t *noff; /* per class: start of its nodes in nodes */
	uint32_t *nodes;
};

struct hkey {
	uint64_t h[2];
	uint32_t x;
};

static int hkey_cmp(const void *a, const void *b)
{
	const struct hkey *p = a, *q = b;

	if (p->h[0] != q->h[0])
		return p->h[0] < q->h[0] ? -1 : 1;
	if (p->h[1] != q->h[1])
		return p->h[1] < q->h[1] ? -1 : 1;
	return p->x < q->x ? -1 : p->x > q->x;
}

/* One step of a row's hash: a multiply and a shift.  Not h * k + v + 1,
 * a polynomial in k modulo 2^64, under which some different sequences of
 * small values give the same hash whatever k is.  The second pass checks
 * every row anyway. */
static uint64_t mix(uint64_t h, uint64_t v, uint64_t k)
{
	h = (h ^ v) * k;
	return h ^ h >> 29;
}

/* A 64-bit value of x with every bit depending on every bit of x. */
static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ x >> 30) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ x >> 27) * 0x94d049bb133111ebull;
	return x ^ x >> 31;
}

static void part_free(struct part *p)
{
	free(p->of);
	free(p->rep);
	free(p->off);
	free(p->list);
	free(p->noff);
	free(p->nodes);
	memset(p, 0, sizeof(*p));
}

/*
 * Classes of equal keys (keys[x] for node class x, or each node class
 * alone when keys is NULL), numbered in the order of their first node
 * class, with their node classes and nodes listed.
 */
static int part_build(struct an_ctx *c, uint32_t nnc, struct hkey *keys,
		      struct part *p)
{
	uint32_t i, x, k;

	memset(p, 0, sizeof(*p));
	p->of = malloc((nnc + 1) * sizeof(uint32_t));
	p->rep = malloc((nnc + 1) * sizeof(uint32_t));
	p->off = calloc(nnc + 2, sizeof(uint32_t));
	p->list = malloc((nnc + 1) * sizeof(uint32_t));
	p->noff = calloc(nnc + 2, sizeof(uint32_t));
	p->nodes = malloc((c->nodes.n + 1) * sizeof(uint32_t));
	if (!p->of || !p->rep || !p->off || !p->list || !p->noff || !p->nodes)
		return -ENOMEM;
	if (!keys) {
		for (x = 0; x < nnc; x++)
			p->of[x] = x;
	} else {
		/* Sorted, equal keys are neighbours; each run is a class,
		 * named for now by its smallest node class. */
		qsort(keys, nnc, sizeof(*keys), hkey_cmp);
		for (i = 0, k = 0; i < nnc; i++) {
			if (!i || keys[i].h[0] != keys[i - 1].h[0] ||
			    keys[i].h[1] != keys[i - 1].h[1])
				k = keys[i].x;
			p->of[keys[i].x] = k;
		}
	}
	/* Number the classes by their first node class. */
	for (x = 0; x < nnc; x++)
		p->rep[x] = SG_NONE;
	for (x = 0; x < nnc; x++) {
		uint32_t name = p->of[x];

		if (p->rep[name] == SG_NONE)
			p->rep[name] = p->n++;
		p->of[x] = p->rep[name];
	}
	for (x = 0; x < nnc; x++)
		p->off[p->of[x] + 1]++;
	for (k = 0; k < p->n; k++)
		p->off[k + 1] += p->off[k];
	for (x = 0; x < nnc; x++) {
		/* off[k] advances while filling: restored below. */
		p->list[p->off[p->of[x]]++] = x;
	}
	for (k = p->n; k > 0; k--)
		p->off[k] = p->off[k - 1];
	p->off[0] = 0;
	for (k = 0; k < p->n; k++)
		p->rep[k] = p->list[p->off[k]];
	for (i = 0; i < c->nodes.n; i++)
		p->noff[p->of[c->nodes.v[i].nclass] + 1]++;
	for (k = 0; k < p->n; k++)
		p->noff[k + 1] += p->noff[k];
	for (i = 0; i < c->nodes.n; i++)
		p->nodes[p->noff[p->of[c->nodes.v[i].nclass]]++] = i;
	for (k = p->n; k > 0; k--)
		p->noff[k] = p->noff[k - 1];
	p->noff[0] = 0;
	return 0;
}

struct form {
	struct an_ctx *c;
	struct allpairs *ap;
	sgreach_format fmt;
	uint32_t *row, *block;
	uint8_t *denied; /* per result id: 2 not known yet */
	uint32_t nd;
	/* Grouping a block row by answer: per result id, its group in the
	 * current row (valid when stamp matches). */
	uint32_t *grp, *stamp, ngrp;
	uint32_t *gans, *gcnt, *goff, *gdst;
	char **tail; /* text: per result id, its rendered answer */
	size_t *tlen;
	uint32_t ntail;
	/* JSON: per result id, its index in "answers" (SG_NONE: not yet),
	 * and the answers in that order. */
	uint32_t *aidx;
	VEC(uint32_t) answers;
	uint32_t rows;
	/* One flow: the first ncached rows of the first pass, 2 bits a cell
	 * (the index of its answer among ap->vid), for the second to read,
	 * not compute. */
	uint8_t *cache;
	uint32_t ncached;
	size_t stride;
	uint8_t *packed; /* stride: a row not cached, packed */
	uint64_t *colr;	 /* all flows: per column, two random odd words */
	/* All flows, with a writer: the first nblocks source classes'
	 * answers at the destination classes, kept by the pass that checks
	 * the classes for the pass that writes them. */
	uint32_t *blocks;
	uint32_t nblocks;
	/* Per destination class b: ",D<b>" (text) or ",<b>" (JSON) at
	 * dnum + 16 * b, its length in dlen[b]: the entries are mostly these
	 * numbers, written again for every source class. */
	char *dnum;
	uint8_t *dlen;
};

size_t mx_cache_bytes = (size_t)256 << 20;
int mx_hash_weak;

/* Row values (0-3, the VS_* codes of AP_FLOW) four to a byte: every
 * byte of the stride written, the bits past n clear. */
static void pack_row(const uint32_t *row, uint32_t n, uint8_t *c)
{
	uint32_t y, i;

	for (y = 0; y + 4 <= n; y += 4)
		c[y / 4] = (uint8_t)(row[y] | row[y + 1] << 2 |
				     row[y + 2] << 4 | row[y + 3] << 6);
	if (y < n) {
		c[y / 4] = 0;
		for (i = 0; y + i < n; i++)
			c[y / 4] |= (uint8_t)(row[y + i] << 2 * i);
	}
}

static void unpack_row(const uint8_t *c, uint32_t n, uint32_t *row)
{
	uint32_t y;

	for (y = 0; y + 4 <= n; y += 4) {
		row[y] = c[y / 4] & 3u;
		row[y + 1] = c[y / 4] >> 2 & 3u;
		row[y + 2] = c[y / 4] >> 4 & 3u;
		row[y + 3] = (uint32_t)c[y / 4] >> 6;
	}
	for (; y < n; y++)
		row[y] = c[y / 4] >> (y % 4 * 2) & 3u;
}

/* The values (ap_row_values()) of node class x: from the cache, or
 * computed (and cached when it is one of the cached rows and fill is
 * set). */
static int get_row(struct form *f, uint32_t x, int fill)
{
	uint32_t nnc = f->ap->nnc;
	int rc;

	if (x >= f->ncached || fill) {
		if ((rc = ap_row_values(f->ap, x, f->row)))
			return rc;
		if (x < f->ncached)
			pack_row(f->row, nnc, f->cache + (size_t)x * f->stride);
		return 0;
	}
	unpack_row(f->cache + (size_t)x * f->stride, nnc, f->row);
	return 0;
}

/* The answer a value stands for. */
static uint32_t value_id(const struct form *f, uint32_t v)
{
	return f->ap->mode == AP_FLOW ? f->ap->vid[v] : v;
}

static int grow_ids(struct form *f)
{
	uint32_t n = f->c->res.n, i;
	uint8_t *d;
	uint32_t *g, *s, *a;
	char **t;
	size_t *tl;

	if (n <= f->nd)
		return 0;
	d = realloc(f->denied, n);
	g = realloc(f->grp, n * sizeof(*g));
	s = realloc(f->stamp, n * sizeof(*s));
	a = realloc(f->aidx, n * sizeof(*a));
	t = realloc(f->tail, n * sizeof(*t));
	tl = realloc(f->tlen, n * sizeof(*tl));
	if (d)
		f->denied = d;
	if (g)
		f->grp = g;
	if (s)
		f->stamp = s;
	if (a)
		f->aidx = a;
	if (t)
		f->tail = t;
	if (tl)
		f->tlen = tl;
	if (!d || !g || !s || !a || !t || !tl)
		return -ENOMEM;
	for (i = f->nd; i < n; i++) {
		f->denied[i] = 2;
		f->stamp[i] = SG_NONE;
		f->aidx[i] = SG_NONE;
		f->tail[i] = NULL;
		f->tlen[i] = 0;
	}
	f->nd = f->ntail = n;
	return 0;
}

static int is_denied(struct form *f, uint32_t id)
{
	if (f->denied[id] == 2)
		f->denied[id] = vsets_all_denied(&f->c->res.v[id]);
	return f->denied[id];
}

/* The end of a pairs entry for answer id: in JSON its index in
 * "answers", in text the answer itself (rendered once). */
static void put_tail(struct form *f, uint32_t id, struct strbuf *out)
{
	const struct vsets *v = &f->c->res.v[id];

	if (f->fmt == SGREACH_FORMAT_JSON) {
		if (f->aidx[id] == SG_NONE) {
			if (vec_push(&f->answers, id)) {
				out->failed = 1;
				return;
			}
			f->aidx[id] = f->answers.n - 1;
		}
		sb_puts(out, "],\"answer\":");
		sb_int(out, f->aidx[id]);
		sb_putc(out, '}');
		return;
	}
	if (!f->tail[id]) {
		struct strbuf sb;

		sb_init(&sb);
		sb_puts(&sb, "  ");
		an_sets_text(f->c, &sb, v);
		if (!sb_str(&sb)) {
			out->failed = 1;
			sb_free(&sb);
			return;
		}
		f->tail[id] = sb.s; /* the buffer is ours now */
		f->tlen[id] = sb.len;
	}
	sb_putn(out, f->tail[id], f->tlen[id]);
}

static void put_members(struct form *f, const struct part *p, uint32_t k,
			struct strbuf *sb)
{
	uint32_t i;
	char buf[AN_NAME_MAX];

	for (i = p->noff[k]; i < p->noff[k + 1]; i++) {
		const char *name = an_node_name(
		    f->c, &f->c->nodes.v[p->nodes[i]], buf, sizeof(buf));

		if (f->fmt == SGREACH_FORMAT_JSON) {
			if (i > p->noff[k])
				sb_putc(sb, ',');
			sb_json_str(sb, name);
		} else {
			sb_putc(sb, ' ');
			sb_text(sb, name);
		}
	}
}

static void put_classes(struct form *f, const struct part *p, char tag,
			const char *title, struct strbuf *sb)
{
	uint32_t k;

	if (f->fmt == SGREACH_FORMAT_JSON) {
		sb_printf(sb, ",\"%s\":[", title);
		for (k = 0; k < p->n; k++) {
			sb_puts(sb, k ? ",[" : "[");
			put_members(f, p, k, sb);
			sb_putc(sb, ']');
		}
		sb_putc(sb, ']');
		return;
	}
	sb_printf(sb, "%s\n", title);
	for (k = 0; k < p->n; k++) {
		sb_printf(sb, "%c%u ", tag, k);
		put_members(f, p, k, sb);
		sb_putc(sb, '\n');
	}
}

/* The destination class b whose pair with source class a stands for no
 * pair of distinct nodes (both are the same one node), or SG_NONE. */
static uint32_t only_self(const struct form *f, const struct part *r,
			  uint32_t a, const struct part *d)
{
	uint32_t x, b;

	if (r->noff[a + 1] - r->noff[a] != 1)
		return SG_NONE;
	x = r->nodes[r->noff[a]];
	b = d->of[f->c->nodes.v[x].nclass];
	return d->noff[b + 1] - d->noff[b] == 1 && d->nodes[d->noff[b]] == x
		   ? b
		   : SG_NONE;
}

/* The entries of source class a: its destination classes grouped by
 * answer, in the order of their first class. */
static int put_row(struct form *f, const struct part *src,
		   const struct part *dst, uint32_t a, struct strbuf *sb)
{
	uint32_t b, g, i, self = only_self(f, src, a, dst);
	int rc;

	if ((rc = grow_ids(f)))
		return rc;
	for (b = 0; b < dst->n; b++)
		f->block[b] = value_id(f, f->block[b]);
	f->ngrp = 0;
	for (b = 0; b < dst->n; b++) {
		uint32_t id = f->block[b];

		if (is_denied(f, id) || b == self)
			continue;
		if (f->stamp[id] != a) {
			f->stamp[id] = a;
			f->grp[id] = f->ngrp;
			f->gans[f->ngrp] = id;
			f->gcnt[f->ngrp++] = 0;
		}
		f->gcnt[f->grp[id]]++;
	}
	for (g = 0, i = 0; g < f->ngrp; g++) {
		f->goff[g] = i;
		i += f->gcnt[g];
	}
	for (b = 0; b < dst->n; b++) {
		uint32_t id = f->block[b];

		if (f->stamp[id] == a && !f->denied[id] && b != self)
			f->gdst[f->goff[f->grp[id]]++] = b;
	}
	for (g = 0; g < f->ngrp; g++) {
		uint32_t start = f->goff[g] - f->gcnt[g];

		if (f->fmt == SGREACH_FORMAT_JSON) {
			sb_puts(sb, f->rows++ ? ",{\"src\":" : "{\"src\":");
			sb_int(sb, a);
			sb_puts(sb, ",\"dst\":[");
		} else {
			f->rows++;
			sb_putc(sb, 'S');
			sb_int(sb, a);
			sb_puts(sb, "  ");
		}
		/* The first without its comma. */
		for (i = start; i < f->goff[g]; i++) {
			b = f->gdst[i];
			sb_put16(sb, f->dnum + 16 * (size_t)b + (i == start),
				 f->dlen[b] - (i == start));
		}
		put_tail(f, f->gans[g], sb);
	}
	return 0;
}

/* First pass: the hashes of every row and column. */
static int hash_rows(struct form *f, uint64_t seed, struct hkey *rows,
		     struct hkey *cols)
{
	uint32_t nnc = f->ap->nnc, x, y;
	const uint64_t k0 = (0xff51afd7ed558ccdull ^ seed) | 1,
		       k1 = (0xc4ceb9fe1a85ec53ull ^ (seed << 1)) | 1;
	int rc;

	for (y = 0; y < nnc; y++) {
		cols[y].h[0] = cols[y].h[1] = seed;
		cols[y].x = y;
		if (f->colr) {
			f->colr[2 * (size_t)y] =
			    splitmix(seed ^ ((uint64_t)y << 32 | 1)) | 1;
			f->colr[2 * (size_t)y + 1] =
			    splitmix(~seed ^ ((uint64_t)y << 32 | 1)) | 1;
		}
	}
	for (x = 0; x < nnc; x++) {
		uint64_t h0 = seed, h1 = ~seed;

		if ((rc = get_row(f, x, 1)))
			return rc;
		if (f->ap->mode == AP_FLOW) {
			/* Values 0-3: the row hashes its packed bytes, eight
			 * at a time; each column adds row x's random word for
			 * its value (no multiply, no chain between cells). */
			const uint8_t *pk =
			    x < f->ncached ? f->cache + (size_t)x * f->stride
					   : f->packed;
			uint64_t t0[4], t1[4], wd;
			size_t b;
			int i;

			if (x >= f->ncached)
				pack_row(f->row, nnc, f->packed);
			for (b = 0; b < f->stride; b += 8) {
				wd = 0;
				memcpy(&wd, pk + b,
				       f->stride - b < 8 ? f->stride - b : 8);
				h0 = mix(h0, wd, k0);
				h1 = mix(h1, wd, k1);
			}
			for (i = 0; i < 4; i++) {
				t0[i] = splitmix(seed ^ ((uint64_t)x << 2 | i));
				t1[i] =
				    splitmix(~seed ^ ((uint64_t)x << 2 | i));
			}
			for (y = 0; y < nnc; y++) {
				cols[y].h[0] += t0[f->row[y]];
				cols[y].h[1] += t1[f->row[y]];
			}
		} else {
			/* Answer ids (v + 1, never 0): random linear hashes,
			 * the row's with a random odd word per column, each
			 * column's with one per row.  Four multiplies a cell
			 * and no chain of them. */
			const uint64_t r0 = splitmix(seed ^ x) | 1,
				       r1 = splitmix(~seed ^ x) | 1;

			for (y = 0; y < nnc; y++) {
				uint64_t v = (uint64_t)f->row[y] + 1;

				h0 += v * f->colr[2 * (size_t)y];
				h1 += v * f->colr[2 * (size_t)y + 1];
				cols[y].h[0] += v * r0;
				cols[y].h[1] += v * r1;
			}
		}
		rows[x].h[0] = mx_hash_weak ? 0 : h0;
		rows[x].h[1] = mx_hash_weak ? 0 : h1;
		rows[x].x = x;
	}
	for (y = 0; y < nnc && mx_hash_weak > 1; y++)
		cols[y].h[0] = cols[y].h[1] = 0;
	return 0;
}

/* f->dnum and f->dlen for the destination classes. */
static int dst_numbers(struct form *f, const struct part *dst)
{
	uint32_t b;

	free(f->dnum);
	free(f->dlen);
	f->dnum = calloc((size_t)dst->n + 1, 16);
	f->dlen = malloc((size_t)dst->n + 1);
	if (!f->dnum || !f->dlen)
		return -ENOMEM;
	for (b = 0; b < dst->n; b++) {
		int n =
		    snprintf(f->dnum + 16 * (size_t)b, 16,
			     f->fmt == SGREACH_FORMAT_JSON ? ",%u" : ",D%u", b);

		f->dlen[b] = (uint8_t)n;
	}
	return 0;
}

/*
 * Second pass: every row again, checked against its class's row (read at
 * the destination classes' first node classes) when check is set, and the
 * entries of each source class written when sb is not NULL (then through
 * the writer as they grow, when ctx has one).  Unchecked, only a class's
 * first row is computed.  Returns 1 when a row differs from its class's:
 * the hashes collided.
 */
static int pairs_pass(struct form *f, const struct part *src,
		      const struct part *dst, int check, struct strbuf *sb)
{
	uint32_t nnc = f->ap->nnc, a, k, y, b;
	int rc;

	f->rows = 0;
	f->answers.n = 0;
	if (sb && (rc = dst_numbers(f, dst)))
		return rc;
	for (k = 0; k < f->nd; k++) {
		f->stamp[k] = SG_NONE;
		f->aidx[k] = SG_NONE;
	}
	for (a = 0; a < src->n; a++) {
		uint32_t first = src->list[src->off[a]];
		uint32_t end = check ? src->off[a + 1] : src->off[a] + 1;
		uint32_t *kept =
		    a < f->nblocks ? f->blocks + (size_t)a * dst->n : NULL;

		if (kept && !check) {
			memcpy(f->block, kept, dst->n * sizeof(*kept));
			end = src->off[a];
		}

		for (k = src->off[a]; k < end; k++) {
			uint32_t x = src->list[k];

			/* Two cached rows: the same bytes, or not.  The class's
			 * first row was checked against the columns' classes
			 * below, so an equal row is too. */
			if (k > src->off[a] && x < f->ncached &&
			    first < f->ncached) {
				if (memcmp(f->cache + (size_t)x * f->stride,
					   f->cache + (size_t)first * f->stride,
					   f->stride))
					return 1;
				continue;
			}
			if ((rc = get_row(f, x, 0)))
				return rc;
			if (k == src->off[a]) {
				for (b = 0; b < dst->n; b++)
					f->block[b] = f->row[dst->rep[b]];
				if (kept)
					memcpy(kept, f->block,
					       dst->n * sizeof(*kept));
			}
			if (check)
				for (y = 0; y < nnc; y++)
					if (f->row[y] != f->block[dst->of[y]])
						return 1;
		}
		if (sb && ((rc = put_row(f, src, dst, a, sb)) ||
			   (rc = mx_spill(f->c->v, f->fmt))))
			return rc;
	}
	return 0;
}

/* Room for the blocks of as many source classes as mx_cache_bytes holds,
 * for the pass that writes to read instead of computing their rows again
 * (large: 7,769 x 5,602 answers, 174 MB).  Fewer, or none, when memory is
 * short: the rows are computed again. */
static void keep_blocks(struct form *f, const struct part *src,
			const struct part *dst)
{
	size_t fit = dst->n ? mx_cache_bytes / (dst->n * sizeof(uint32_t)) : 0;

	free(f->blocks);
	f->nblocks = fit < src->n ? (uint32_t)fit : src->n;
	f->blocks = f->nblocks
			? malloc((size_t)f->nblocks * dst->n * sizeof(uint32_t))
			: NULL;
	if (!f->blocks)
		f->nblocks = 0;
}

int mx_classes(struct an_ctx *c, struct allpairs *ap, sgreach_format fmt)
{
	struct strbuf *sb = &c->v->out;
	struct form f;
	struct part src, dst;
	struct hkey *rows = NULL, *cols = NULL;
	size_t start = sb->len;
	uint32_t nnc = ap->nnc, i;
	int rc = 0, attempt, stream = c->v->writer != NULL;

	memset(&f, 0, sizeof(f));
	memset(&src, 0, sizeof(src));
	memset(&dst, 0, sizeof(dst));
	f.c = c;
	f.ap = ap;
	f.fmt = fmt;
	f.row = malloc((nnc + 1) * sizeof(uint32_t));
	f.block = malloc((nnc + 1) * sizeof(uint32_t));
	f.gans = malloc((nnc + 1) * sizeof(uint32_t));
	f.gcnt = malloc((nnc + 1) * sizeof(uint32_t));
	f.goff = malloc((nnc + 1) * sizeof(uint32_t));
	f.gdst = malloc((nnc + 1) * sizeof(uint32_t));
	rows = malloc((nnc + 1) * sizeof(*rows));
	cols = malloc((nnc + 1) * sizeof(*cols));
	if (!f.row || !f.block || !f.gans || !f.gcnt || !f.goff || !f.gdst ||
	    !rows || !cols) {
		rc = -ENOMEM;
		goto out;
	}
	/* One flow: the rows of the first pass, for the second, in at most
	 * 256 MB (8,655 node classes on large take 19 MB, 38,171 on xl
	 * 364 MB); the rows beyond are computed again. */
	f.stride = ((size_t)nnc + 3) / 4;
	if (ap->mode == AP_FLOW) {
		/* No node: a stride of 0, and nothing to keep. */
		size_t fit = f.stride ? mx_cache_bytes / f.stride : 0;

		f.ncached = fit < nnc ? (uint32_t)fit : nnc;
		f.cache = malloc(f.stride * f.ncached + 1);
		f.packed = malloc(f.stride + 1);
		if (!f.packed) {
			rc = -ENOMEM;
			goto out;
		}
		if (!f.cache)
			f.ncached = 0;
	} else {
		f.colr = malloc((2 * (size_t)nnc + 1) * sizeof(uint64_t));
		if (!f.colr) {
			rc = -ENOMEM;
			goto out;
		}
	}
	/* Three seeds, then no hashing at all (every node class alone).  The
	 * last attempt reads the rows kept by the first pass of the others:
	 * it must never come first. */
	for (attempt = 0; attempt < 4; attempt++) {
		int last = attempt == 3;

		part_free(&src);
		part_free(&dst);
		sb->len = start;
		if (!last &&
		    (rc = hash_rows(&f, 0x9e3779b97f4a7c15ull * (attempt + 1),
				    rows, cols)))
			goto out;
		if ((rc = part_build(c, nnc, last ? NULL : rows, &src)) ||
		    (rc = part_build(c, nnc, last ? NULL : cols, &dst)))
			goto out;
		/* With a writer the output goes out as it is made, so the
		 * classes are checked first, in a pass of their own: nothing
		 * written may rest on a hash.  Without, one pass checks and
		 * writes (a collision takes the output back). */
		if (stream && ap->mode != AP_FLOW)
			keep_blocks(&f, &src, &dst);
		if (stream && (rc = pairs_pass(&f, &src, &dst, 1, NULL))) {
			if (rc < 0)
				goto out;
			continue;
		}
		put_classes(&f, &src, 'S', "sources", sb);
		put_classes(&f, &dst, 'D', "destinations", sb);
		sb_puts(sb, fmt == SGREACH_FORMAT_JSON ? ",\"pairs\":["
						       : "pairs\n");
		rc = pairs_pass(&f, &src, &dst, !stream, sb);
		if (rc <= 0)
			break;
	}
	if (rc)
		goto out;
	if (fmt == SGREACH_FORMAT_JSON) {
		/* The answers the entries name, in the order first named. */
		sb_puts(sb, "],\"answers\":[");
		for (i = 0; i < f.answers.n; i++) {
			sb_puts(sb, i ? ",{" : "{");
			an_sets_json(c, sb, &c->res.v[f.answers.v[i]]);
			sb_putc(sb, '}');
		}
		sb_puts(sb, "]}");
	}
out:
	for (i = 0; i < f.ntail; i++)
		free(f.tail[i]);
	free(f.tail);
	free(f.tlen);
	free(f.aidx);
	vec_free(&f.answers);
	free(f.cache);
	free(f.packed);
	free(f.colr);
	free(f.blocks);
	free(f.dnum);
	free(f.dlen);
	free(f.denied);
	free(f.grp);
	free(f.stamp);
	free(f.row);
	free(f.block);
	free(f.gans);
	free(f.gcnt);
	free(f.goff);
	free(f.gdst);
	free(rows);
	free(cols);
	part_free(&src);
	part_free(&dst);
	return rc;
}

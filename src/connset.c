/*
 * connset.c - sets of flows as canonical interval lists (see connset.h).
 *
 * Every list is kept sorted, disjoint and non-adjacent after every
 * operation, so equality is memcmp, the hash is a walk, and the text form
 * is unique without a normalising pass.
 *
 * The set operations build every list's result in scratch space and
 * reserve every list's capacity before they overwrite anything: a failed
 * allocation leaves the set exactly as it was.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "connset.h"

#define VALUE_MAX 65535u

/* Operations whose operands hold up to this many intervals in all build
 * their results on the stack. */
#define SCRATCH_STACK 128

/* Item texts up to this long are built on the stack by foreach_item. */
#define ITEM_STACK 256

/* The protocol number of each list, in text order. */
static const int list_proto[CS_NLISTS] = {
    [CS_TCP] = PROTO_TCP,
    [CS_UDP] = PROTO_UDP,
    [CS_ICMP] = PROTO_ICMP,
    [CS_ICMPV6] = PROTO_ICMPV6,
};

static int list_index(int proto)
{
	switch (proto) {
	case PROTO_TCP:
		return CS_TCP;
	case PROTO_UDP:
		return CS_UDP;
	case PROTO_ICMP:
		return CS_ICMP;
	case PROTO_ICMPV6:
		return CS_ICMPV6;
	default:
		return -1;
	}
}

/* The "other" bitmap of every protocol that has no list. */
static void other_all(uint64_t o[4])
{
	o[0] = o[1] = o[2] = o[3] = ~(uint64_t)0;
	o[0] &= ~((uint64_t)1 << PROTO_ICMP | (uint64_t)1 << PROTO_TCP |
		  (uint64_t)1 << PROTO_UDP | (uint64_t)1 << PROTO_ICMPV6);
}

/* ---------------------------------------------------------------- lists -- */

static struct cs_range *list_data(struct cs_list *l)
{
	return l->cap > CONNSET_INLINE ? l->heap : l->in;
}

static const struct cs_range *list_cdata(const struct cs_list *l)
{
	return l->cap > CONNSET_INLINE ? l->heap : l->in;
}

static bool list_full(const struct cs_list *l)
{
	const struct cs_range *r = list_cdata(l);

	return l->n == 1 && r[0].lo == 0 && r[0].hi == VALUE_MAX;
}

/* Makes room for n intervals, keeping the current ones. */
static int list_reserve(struct cs_list *l, size_t n)
{
	struct cs_range *p;
	size_t cap;

	if (n <= l->cap)
		return 0;
	if (n > VALUE_MAX / 2 + 1)
		return -ENOMEM; /* cannot happen for canonical lists */
	cap = (size_t)l->cap * 2;
	if (cap < n)
		cap = n;
	if (cap < 16)
		cap = 16;
	if (l->cap > CONNSET_INLINE) {
		p = realloc(l->heap, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
	} else {
		p = malloc(cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		memcpy(p, l->in, l->n * sizeof(*p));
	}
	l->heap = p;
	l->cap = (uint32_t)cap;
	return 0;
}

/* Copies n intervals (not l's own) into l, whose capacity must do. */
static void list_assign(struct cs_list *l, const struct cs_range *r, size_t n)
{
	memcpy(list_data(l), r, n * sizeof(*r));
	l->n = (uint32_t)n;
}

static void emit(struct cs_range *out, size_t *k, unsigned int lo,
		 unsigned int hi)
{
	if (out) {
		out[*k].lo = (uint16_t)lo;
		out[*k].hi = (uint16_t)hi;
	}
	(*k)++;
}

/*
 * The three merges.  Each writes the canonical result to out (room for
 * na + nb intervals) or only counts it when out is NULL, and returns its
 * length.  out must not alias a or b.
 */
static size_t merge_union(const struct cs_range *a, size_t na,
			  const struct cs_range *b, size_t nb,
			  struct cs_range *out)
{
	size_t i = 0, j = 0, k = 0;
	unsigned int lo = 0, hi = 0;
	bool open = false;

	while (i < na || j < nb) {
		struct cs_range r;

		if (j >= nb || (i < na && a[i].lo <= b[j].lo))
			r = a[i++];
		else
			r = b[j++];
		if (open && r.lo <= hi + 1) {
			if (r.hi > hi)
				hi = r.hi;
			continue;
		}
		if (open)
			emit(out, &k, lo, hi);
		lo = r.lo;
		hi = r.hi;
		open = true;
	}
	if (open)
		emit(out, &k, lo, hi);
	return k;
}

static size_t merge_intersect(const struct cs_range *a, size_t na,
			      const struct cs_range *b, size_t nb,
			      struct cs_range *out)
{
	size_t i = 0, j = 0, k = 0;

	/* Pieces of one interval of a cut by distinct intervals of b are
	 * separated by b's gaps, so the result is non-adjacent as it is. */
	while (i < na && j < nb) {
		unsigned int lo = a[i].lo > b[j].lo ? a[i].lo : b[j].lo;
		unsigned int hi = a[i].hi < b[j].hi ? a[i].hi : b[j].hi;

		if (lo <= hi)
			emit(out, &k, lo, hi);
		if (a[i].hi < b[j].hi)
			i++;
		else
			j++;
	}
	return k;
}

static size_t merge_subtract(const struct cs_range *a, size_t na,
			     const struct cs_range *b, size_t nb,
			     struct cs_range *out)
{
	size_t i, j = 0, k = 0;

	for (i = 0; i < na; i++) {
		unsigned int cur = a[i].lo, hi = a[i].hi;
		size_t m;

		/* b's intervals wholly below a[i] are below every later one
		 * too; the ones reaching into a[i] may reach a[i + 1]. */
		while (j < nb && b[j].hi < cur)
			j++;
		for (m = j; m < nb && b[m].lo <= hi; m++) {
			if (b[m].lo > cur)
				emit(out, &k, cur, b[m].lo - 1u);
			if (b[m].hi + 1u > cur)
				cur = b[m].hi + 1u;
		}
		if (cur <= hi)
			emit(out, &k, cur, hi);
	}
	return k;
}

enum cs_op { OP_UNION, OP_INTERSECT, OP_SUBTRACT };

static size_t merge(enum cs_op op, const struct cs_list *a,
		    const struct cs_list *b, struct cs_range *out)
{
	const struct cs_range *x = list_cdata(a), *y = list_cdata(b);

	switch (op) {
	case OP_UNION:
		return merge_union(x, a->n, y, b->n, out);
	case OP_INTERSECT:
		return merge_intersect(x, a->n, y, b->n, out);
	default:
		return merge_subtract(x, a->n, y, b->n, out);
	}
}

/* Does op leave a list of na intervals as it is, given nb?  Most lists of
 * most sets are empty: skipping them is most of the speed. */
static bool list_unchanged(enum cs_op op, size_t na, size_t nb)
{
	switch (op) {
	case OP_UNION:
		return nb == 0;
	case OP_INTERSECT:
		return na == 0;
	default:
		return na == 0 || nb == 0;
	}
}

/*
 * s = s op t for every list, all or nothing: every result is computed into
 * scratch space (na + nb bounds each one) and every list's capacity
 * reserved before the first list is overwritten.
 */
static int lists_apply(struct connset *s, const struct connset *t,
		       enum cs_op op)
{
	struct cs_range stack[SCRATCH_STACK], *buf = stack;
	struct cs_range *out[CS_NLISTS];
	size_t cnt[CS_NLISTS], need = 0, used = 0;
	int i, rc = 0;

	for (i = 0; i < CS_NLISTS; i++)
		if (!list_unchanged(op, s->list[i].n, t->list[i].n))
			need += (size_t)s->list[i].n + t->list[i].n;
	if (need == 0)
		return 0;
	if (need > SCRATCH_STACK) {
		buf = malloc(need * sizeof(*buf));
		if (!buf)
			return -ENOMEM;
	}
	for (i = 0; i < CS_NLISTS; i++) {
		out[i] = NULL;
		if (list_unchanged(op, s->list[i].n, t->list[i].n))
			continue;
		out[i] = buf + used;
		cnt[i] = merge(op, &s->list[i], &t->list[i], out[i]);
		used += cnt[i];
		rc = list_reserve(&s->list[i], cnt[i]);
		if (rc < 0)
			goto out;
	}
	for (i = 0; i < CS_NLISTS; i++)
		if (out[i])
			list_assign(&s->list[i], out[i], cnt[i]);
out:
	if (buf != stack)
		free(buf);
	return rc;
}

/* ------------------------------------------------------------ lifecycle -- */

void connset_init(struct connset *s)
{
	int i;

	for (i = 0; i < CS_NLISTS; i++) {
		s->list[i].n = 0;
		s->list[i].cap = CONNSET_INLINE;
	}
	memset(s->other, 0, sizeof(s->other));
}

void connset_free(struct connset *s)
{
	int i;

	for (i = 0; i < CS_NLISTS; i++)
		if (s->list[i].cap > CONNSET_INLINE)
			free(s->list[i].heap);
	/* Leaves a valid empty set: a second free is harmless. */
	connset_init(s);
}

void connset_clear(struct connset *s)
{
	int i;

	for (i = 0; i < CS_NLISTS; i++)
		s->list[i].n = 0;
	memset(s->other, 0, sizeof(s->other));
}

int connset_copy(struct connset *dst, const struct connset *src)
{
	int i;

	if (dst == src)
		return 0;
	for (i = 0; i < CS_NLISTS; i++)
		if (list_reserve(&dst->list[i], src->list[i].n) < 0)
			return -ENOMEM;
	for (i = 0; i < CS_NLISTS; i++)
		list_assign(&dst->list[i], list_cdata(&src->list[i]),
			    src->list[i].n);
	memcpy(dst->other, src->other, sizeof(dst->other));
	return 0;
}

/* ------------------------------------------------------------- building -- */

int connset_add(struct connset *s, int proto, unsigned int lo, unsigned int hi)
{
	struct cs_list *l;
	struct cs_range *r;
	size_t first, end, a, b;
	int idx;

	if (proto < 0 || proto > PROTO_MAX)
		return -EINVAL;
	idx = list_index(proto);
	if (idx < 0) {
		s->other[proto / 64] |= (uint64_t)1 << (proto % 64);
		return 0;
	}
	if (lo > hi || hi > VALUE_MAX)
		return -EINVAL;

	/* first: the first interval ending at or after lo - 1; end: one past
	 * the last starting at or before hi + 1.  [first, end) are the
	 * intervals [lo, hi] overlaps or touches. */
	l = &s->list[idx];
	r = list_data(l);
	a = 0;
	b = l->n;
	while (a < b) {
		size_t mid = a + (b - a) / 2;

		if (r[mid].hi + 1u < lo)
			a = mid + 1;
		else
			b = mid;
	}
	first = a;
	b = l->n;
	while (a < b) {
		size_t mid = a + (b - a) / 2;

		if (r[mid].lo <= hi + 1u)
			a = mid + 1;
		else
			b = mid;
	}
	end = a;

	if (first == end) {
		if (list_reserve(l, (size_t)l->n + 1) < 0)
			return -ENOMEM;
		r = list_data(l);
		memmove(&r[first + 1], &r[first], (l->n - first) * sizeof(*r));
		r[first].lo = (uint16_t)lo;
		r[first].hi = (uint16_t)hi;
		l->n++;
		return 0;
	}
	if (r[first].lo < lo)
		lo = r[first].lo;
	if (r[end - 1].hi > hi)
		hi = r[end - 1].hi;
	r[first].lo = (uint16_t)lo;
	r[first].hi = (uint16_t)hi;
	memmove(&r[first + 1], &r[end], (l->n - end) * sizeof(*r));
	l->n -= (uint32_t)(end - first - 1);
	return 0;
}

void connset_add_all(struct connset *s)
{
	int i;

	for (i = 0; i < CS_NLISTS; i++) {
		struct cs_range *r = list_data(&s->list[i]);

		/* Every list has room for one interval inline. */
		r[0].lo = 0;
		r[0].hi = VALUE_MAX;
		s->list[i].n = 1;
	}
	other_all(s->other);
}

/* ----------------------------------------------------------- operations -- */

int connset_union(struct connset *s, const struct connset *t)
{
	int i, rc;

	if (s == t)
		return 0;
	rc = lists_apply(s, t, OP_UNION);
	if (rc < 0)
		return rc;
	for (i = 0; i < 4; i++)
		s->other[i] |= t->other[i];
	return 0;
}

int connset_intersect(struct connset *s, const struct connset *t)
{
	int i, rc;

	if (s == t)
		return 0;
	rc = lists_apply(s, t, OP_INTERSECT);
	if (rc < 0)
		return rc;
	for (i = 0; i < 4; i++)
		s->other[i] &= t->other[i];
	return 0;
}

int connset_subtract(struct connset *s, const struct connset *t)
{
	int i, rc;

	if (s == t) {
		connset_clear(s);
		return 0;
	}
	rc = lists_apply(s, t, OP_SUBTRACT);
	if (rc < 0)
		return rc;
	for (i = 0; i < 4; i++)
		s->other[i] &= ~t->other[i];
	return 0;
}

/* ----------------------------------------------------------- predicates -- */

bool connset_equal(const struct connset *a, const struct connset *b)
{
	int i;

	for (i = 0; i < CS_NLISTS; i++) {
		const struct cs_list *x = &a->list[i], *y = &b->list[i];

		if (x->n != y->n || memcmp(list_cdata(x), list_cdata(y),
					   x->n * sizeof(struct cs_range)) != 0)
			return false;
	}
	return memcmp(a->other, b->other, sizeof(a->other)) == 0;
}

bool connset_is_subset(const struct connset *a, const struct connset *b)
{
	int i;

	for (i = 0; i < 4; i++)
		if (a->other[i] & ~b->other[i])
			return false;
	for (i = 0; i < CS_NLISTS; i++) {
		const struct cs_list *x = &a->list[i], *y = &b->list[i];

		if (merge_subtract(list_cdata(x), x->n, list_cdata(y), y->n,
				   NULL) != 0)
			return false;
	}
	return true;
}

bool connset_overlaps(const struct connset *a, const struct connset *b)
{
	int i;

	for (i = 0; i < 4; i++)
		if (a->other[i] & b->other[i])
			return true;
	for (i = 0; i < CS_NLISTS; i++) {
		const struct cs_range *x = list_cdata(&a->list[i]);
		const struct cs_range *y = list_cdata(&b->list[i]);
		size_t p = 0, q = 0;

		/* Both sorted: step past whichever interval ends first. */
		while (p < a->list[i].n && q < b->list[i].n) {
			if (x[p].hi < y[q].lo)
				p++;
			else if (y[q].hi < x[p].lo)
				q++;
			else
				return true;
		}
	}
	return false;
}

bool connset_is_empty(const struct connset *s)
{
	int i;

	for (i = 0; i < CS_NLISTS; i++)
		if (s->list[i].n)
			return false;
	return !(s->other[0] | s->other[1] | s->other[2] | s->other[3]);
}

bool connset_is_all(const struct connset *s)
{
	uint64_t all[4];
	int i;

	for (i = 0; i < CS_NLISTS; i++)
		if (!list_full(&s->list[i]))
			return false;
	other_all(all);
	return memcmp(s->other, all, sizeof(all)) == 0;
}

bool connset_contains(const struct connset *s, int proto, unsigned int value)
{
	const struct cs_list *l;
	const struct cs_range *r;
	size_t a = 0, b;
	int idx;

	if (proto < 0 || proto > PROTO_MAX)
		return false;
	idx = list_index(proto);
	if (idx < 0)
		return s->other[proto / 64] >> (proto % 64) & 1;
	if (value > VALUE_MAX)
		return false;
	l = &s->list[idx];
	r = list_cdata(l);
	/* Find the first interval ending at or after value. */
	b = l->n;
	while (a < b) {
		size_t mid = a + (b - a) / 2;

		if (r[mid].hi < value)
			a = mid + 1;
		else
			b = mid;
	}
	return a < l->n && r[a].lo <= value;
}

static uint64_t hash_mix(uint64_t h, uint64_t x)
{
	h ^= x;
	h *= 0x9e3779b97f4a7c15ULL;
	return h ^ h >> 29;
}

uint64_t connset_hash(const struct connset *s)
{
	uint64_t h = 0x5347524541434855ULL;
	int i;

	for (i = 0; i < CS_NLISTS; i++) {
		const struct cs_range *r = list_cdata(&s->list[i]);
		uint32_t k;

		/* The count separates the lists: {tcp/1} != {udp/1}. */
		h = hash_mix(h, s->list[i].n);
		for (k = 0; k < s->list[i].n; k++)
			h = hash_mix(h, (uint64_t)r[k].lo << 16 | r[k].hi);
	}
	for (i = 0; i < 4; i++)
		h = hash_mix(h, s->other[i]);
	/* splitmix64's finalizer, so that nearby sets land far apart. */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	return h ^ h >> 31;
}

const struct cs_range *connset_ranges(const struct connset *s, int proto,
				      size_t *n)
{
	int idx = list_index(proto);

	if (idx < 0) {
		*n = 0;
		return NULL;
	}
	*n = s->list[idx].n;
	return list_cdata(&s->list[idx]);
}

/* ----------------------------------------------------------------- text -- */

/* An snprintf-like writer: counts everything, stores what fits. */
struct sink {
	char *buf;
	size_t size;
	size_t len;
};

static void sink_mem(struct sink *k, const char *p, size_t n)
{
	size_t avail = k->size ? k->size - 1 : 0;

	if (k->len < avail) {
		size_t room = avail - k->len;

		memcpy(k->buf + k->len, p, n < room ? n : room);
	}
	k->len += n;
}

static void sink_str(struct sink *k, const char *s)
{
	sink_mem(k, s, strlen(s));
}

static void sink_uint(struct sink *k, unsigned int v)
{
	char d[12];
	size_t i = sizeof(d);

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	sink_mem(k, d + i, sizeof(d) - i);
}

static void sink_end(struct sink *k)
{
	if (k->size)
		k->buf[k->len < k->size ? k->len : k->size - 1] = '\0';
}

enum item_kind {
	IT_ALL,	  /* "all" */
	IT_PROTO, /* a whole protocol: "tcp", "esp", "proto-253" */
	IT_PORTS, /* "tcp/80,443,8000-8100" */
	IT_TYPES, /* "icmp/8", "icmp/8-11" */
	IT_CODES, /* "icmp/3/4", "icmp/3/0-4" */
};

struct item {
	enum item_kind kind;
	int proto;
	const struct cs_range *r; /* IT_PORTS */
	size_t n;
	unsigned int a, b, c; /* types a-b, or type a codes b-c */
};

static void sink_range(struct sink *k, unsigned int lo, unsigned int hi)
{
	sink_uint(k, lo);
	if (hi != lo) {
		sink_mem(k, "-", 1);
		sink_uint(k, hi);
	}
}

static void write_item(struct sink *k, const struct item *it)
{
	const char *name;
	size_t i;

	if (it->kind == IT_ALL) {
		sink_str(k, "all");
		return;
	}
	name = proto_name(it->proto);
	if (name) {
		sink_str(k, name);
	} else {
		sink_str(k, "proto-");
		sink_uint(k, (unsigned int)it->proto);
	}
	switch (it->kind) {
	case IT_PORTS:
		sink_mem(k, "/", 1);
		for (i = 0; i < it->n; i++) {
			if (i)
				sink_mem(k, ",", 1);
			sink_range(k, it->r[i].lo, it->r[i].hi);
		}
		break;
	case IT_TYPES:
		sink_mem(k, "/", 1);
		sink_range(k, it->a, it->b);
		break;
	case IT_CODES:
		sink_mem(k, "/", 1);
		sink_uint(k, it->a);
		sink_mem(k, "/", 1);
		sink_range(k, it->b, it->c);
		break;
	default:
		break;
	}
}

typedef int (*walk_fn)(void *ctx, const struct item *it);

/*
 * Splits one ICMP interval into items: the codes of its first type when it
 * starts mid-type, the whole types, the codes of its last type when it ends
 * mid-type.  Deterministic, so the text stays canonical.
 */
static int walk_icmp(int proto, struct cs_range r, walk_fn fn, void *ctx)
{
	unsigned int t1 = r.lo >> 8, c1 = r.lo & 255;
	unsigned int t2 = r.hi >> 8, c2 = r.hi & 255;
	struct item it = {.proto = proto};
	int rc;

	if (t1 == t2 && (c1 != 0 || c2 != 255)) {
		it.kind = IT_CODES;
		it.a = t1;
		it.b = c1;
		it.c = c2;
		return fn(ctx, &it);
	}
	if (c1 != 0) {
		it.kind = IT_CODES;
		it.a = t1;
		it.b = c1;
		it.c = 255;
		rc = fn(ctx, &it);
		if (rc)
			return rc;
		t1++;
	}
	if (c2 != 255)
		t2--; /* t2 > t1 here, as t1 == t2 with a partial end is above
		       */
	if (t1 <= t2) {
		it.kind = IT_TYPES;
		it.a = t1;
		it.b = t2;
		rc = fn(ctx, &it);
		if (rc)
			return rc;
	}
	if (c2 != 255) {
		it.kind = IT_CODES;
		it.a = r.hi >> 8;
		it.b = 0;
		it.c = c2;
		return fn(ctx, &it);
	}
	return 0;
}

/* Calls fn for every item of s in text order; stops at a nonzero return. */
static int walk(const struct connset *s, walk_fn fn, void *ctx)
{
	struct item it = {0};
	int i, p, rc;

	if (connset_is_all(s)) {
		it.kind = IT_ALL;
		it.proto = -1;
		return fn(ctx, &it);
	}
	for (i = 0; i < CS_NLISTS; i++) {
		const struct cs_list *l = &s->list[i];
		const struct cs_range *r = list_cdata(l);
		uint32_t k;

		if (l->n == 0)
			continue;
		it.proto = list_proto[i];
		if (list_full(l)) {
			it.kind = IT_PROTO;
			rc = fn(ctx, &it);
		} else if (i == CS_TCP || i == CS_UDP) {
			it.kind = IT_PORTS;
			it.r = r;
			it.n = l->n;
			rc = fn(ctx, &it);
		} else {
			for (k = 0, rc = 0; k < l->n && !rc; k++)
				rc = walk_icmp(list_proto[i], r[k], fn, ctx);
		}
		if (rc)
			return rc;
	}
	it.kind = IT_PROTO;
	for (p = 0; p <= PROTO_MAX; p++) {
		if (!(s->other[p / 64] >> (p % 64) & 1))
			continue;
		it.proto = p;
		rc = fn(ctx, &it);
		if (rc)
			return rc;
	}
	return 0;
}

struct format_ctx {
	struct sink sink;
	bool first;
};

static int format_item(void *ctx, const struct item *it)
{
	struct format_ctx *f = ctx;

	if (!f->first)
		sink_mem(&f->sink, ", ", 2);
	f->first = false;
	write_item(&f->sink, it);
	return 0;
}

int connset_format(const struct connset *s, char *buf, size_t size)
{
	struct format_ctx f = {{buf, size, 0}, true};

	walk(s, format_item, &f);
	sink_end(&f.sink);
	return (int)f.sink.len;
}

struct foreach_ctx {
	connset_item_fn fn;
	void *ctx;
	bool nomem;
};

static int foreach_one(void *ctx, const struct item *it)
{
	struct foreach_ctx *f = ctx;
	char stack[ITEM_STACK];
	struct sink k = {stack, sizeof(stack), 0};
	int rc;

	write_item(&k, it);
	if (k.len < sizeof(stack)) {
		sink_end(&k);
		return f->fn(f->ctx, it->proto, stack, k.len);
	}
	/* A long port list: build it again in a buffer of the right size. */
	k.buf = malloc(k.len + 1);
	if (!k.buf) {
		f->nomem = true;
		return -ENOMEM;
	}
	k.size = k.len + 1;
	k.len = 0;
	write_item(&k, it);
	sink_end(&k);
	rc = f->fn(f->ctx, it->proto, k.buf, k.len);
	free(k.buf);
	return rc;
}

int connset_foreach_item(const struct connset *s, connset_item_fn fn, void *ctx)
{
	struct foreach_ctx f = {fn, ctx, false};

	return walk(s, foreach_one, &f);
}

/* ---------------------------------------------------------------- parse -- */

/* Reads a decimal number <= max without sign or leading zeros. */
static int parse_uint(const char **pp, unsigned int max, unsigned int *out)
{
	const char *p = *pp;
	unsigned long v = 0;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	if (*p == '0' && p[1] >= '0' && p[1] <= '9')
		return -EINVAL;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > max)
			return -EINVAL;
		p++;
	}
	*pp = p;
	*out = (unsigned int)v;
	return 0;
}

/* Reads "N" or "N-M" with N <= M <= max. */
static int parse_range(const char **pp, unsigned int max, unsigned int *lo,
		       unsigned int *hi)
{
	if (parse_uint(pp, max, lo) < 0)
		return -EINVAL;
	*hi = *lo;
	if (**pp == '-') {
		(*pp)++;
		if (parse_uint(pp, max, hi) < 0 || *hi < *lo)
			return -EINVAL;
	}
	return 0;
}

static int parse_ports(const char **pp, int proto, struct connset *s)
{
	unsigned int lo, hi;
	int rc;

	for (;;) {
		if (parse_range(pp, VALUE_MAX, &lo, &hi) < 0)
			return -EINVAL;
		rc = connset_add(s, proto, lo, hi);
		if (rc < 0)
			return rc;
		/* "," then a digit continues the list; ", " ends the item. */
		if ((*pp)[0] != ',' || (*pp)[1] < '0' || (*pp)[1] > '9')
			return 0;
		(*pp)++;
	}
}

static int parse_icmp(const char **pp, int proto, struct connset *s)
{
	unsigned int t1, t2, c1, c2;

	if (parse_range(pp, 255, &t1, &t2) < 0)
		return -EINVAL;
	if (**pp != '/')
		return connset_add(s, proto, t1 << 8, t2 << 8 | 255);
	if (t1 != t2)
		return -EINVAL; /* codes belong to one type */
	(*pp)++;
	if (parse_range(pp, 255, &c1, &c2) < 0)
		return -EINVAL;
	return connset_add(s, proto, t1 << 8 | c1, t1 << 8 | c2);
}

static bool word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

static int parse_item(const char **pp, struct connset *s)
{
	const char *p = *pp, *w = p;
	unsigned int num;
	size_t len;
	int proto, rc;

	while (word_char(*p))
		p++;
	len = (size_t)(p - w);
	if (len == 3 && memcmp(w, "all", 3) == 0) {
		connset_add_all(s);
		*pp = p;
		return 0;
	}
	if (len > 6 && memcmp(w, "proto-", 6) == 0) {
		const char *q = w + 6;

		/* Only numbers without a name are written this way. */
		if (parse_uint(&q, PROTO_MAX, &num) < 0 || q != p ||
		    proto_name((int)num))
			return -EINVAL;
		proto = (int)num;
	} else {
		proto = proto_number_n(w, len);
		if (proto < 0)
			return -EINVAL;
	}
	if (*p != '/') {
		*pp = p;
		return connset_add(s, proto, 0, VALUE_MAX);
	}
	p++;
	switch (proto) {
	case PROTO_TCP:
	case PROTO_UDP:
		rc = parse_ports(&p, proto, s);
		break;
	case PROTO_ICMP:
	case PROTO_ICMPV6:
		rc = parse_icmp(&p, proto, s);
		break;
	default:
		rc = -EINVAL; /* no ports on the other protocols */
		break;
	}
	*pp = p;
	return rc;
}

int connset_parse(const char *text, struct connset *s)
{
	struct connset t;
	const char *p = text;
	int rc;

	connset_init(&t);
	while (*p) {
		rc = parse_item(&p, &t);
		if (rc < 0)
			goto fail;
		if (*p == '\0')
			break;
		if (p[0] != ',' || p[1] != ' ' || p[2] == '\0') {
			rc = -EINVAL;
			goto fail;
		}
		p += 2;
	}
	/* The inline intervals live in the struct itself: a struct copy
	 * moves the set. */
	connset_free(s);
	*s = t;
	return 0;
fail:
	connset_free(&t);
	return rc;
}

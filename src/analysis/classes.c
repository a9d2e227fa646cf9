/*
 * analysis/classes.c - endpoint equivalence classes (design.md, "Many
 * endpoints, few classes"), nodes of whole-estate analyses, and the address
 * space outside the model.
 *
 * Two members (addresses of endpoints) whose endpoints carry the same
 * groups in the same VPC, and whose addresses stand in the same relation
 * to every CIDR any rule names, behave alike as source and as destination:
 * an_pair() cannot tell them apart.  A pair of classes is evaluated once;
 * a node (service, group, interface) is the set of its members' classes,
 * and nodes with equal sets form a node class, evaluated once per pair.
 */
#include "analysis/analysis.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ 64-bit map -- */

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

void u64map_free(struct u64map *h)
{
	free(h->keys);
	free(h->vals);
	memset(h, 0, sizeof(*h));
}

/* Keys are stored + 1 so that 0 marks a free slot. */
int u64map_get(const struct u64map *h, uint64_t key, uint32_t *val)
{
	size_t i;

	if (!h->keys)
		return 0;
	for (i = mix64(key) & h->mask; h->keys[i]; i = (i + 1) & h->mask)
		if (h->keys[i] == key + 1) {
			*val = h->vals[i];
			return 1;
		}
	return 0;
}

int u64map_put(struct u64map *h, uint64_t key, uint32_t val)
{
	size_t i;

	if ((h->count + 1) * 2 > (h->keys ? h->mask + 1 : 0)) {
		size_t cap = h->keys ? (h->mask + 1) * 2 : 64, k;
		uint64_t *keys = calloc(cap, sizeof(*keys));
		uint32_t *vals = calloc(cap, sizeof(*vals));

		if (!keys || !vals) {
			free(keys);
			free(vals);
			return -ENOMEM;
		}
		for (k = 0; h->keys && k <= h->mask; k++) {
			if (!h->keys[k])
				continue;
			for (i = mix64(h->keys[k] - 1) & (cap - 1); keys[i];
			     i = (i + 1) & (cap - 1))
				;
			keys[i] = h->keys[k];
			vals[i] = h->vals[k];
		}
		free(h->keys);
		free(h->vals);
		h->keys = keys;
		h->vals = vals;
		h->mask = cap - 1;
	}
	for (i = mix64(key) & h->mask; h->keys[i]; i = (i + 1) & h->mask)
		if (h->keys[i] == key + 1) {
			h->vals[i] = val;
			return 0;
		}
	h->keys[i] = key + 1;
	h->vals[i] = val;
	h->count++;
	return 0;
}

/* --------------------------------------------------------------- classes -- */

struct keybuf {
	uint8_t *b;
	size_t n, cap;
};

static int kb_put(struct keybuf *k, const void *p, size_t n)
{
	if (k->n + n > k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 256;
		uint8_t *nb;

		while (cap < k->n + n)
			cap *= 2;
		nb = realloc(k->b, cap);
		if (!nb)
			return -ENOMEM;
		k->b = nb;
		k->cap = cap;
	}
	memcpy(k->b + k->n, p, n);
	k->n += n;
	return 0;
}

/* How an address relates to every rule CIDR: the indexes that contain it
 * (tag 1) and those it contains (tag 2), in order.  The first are the
 * chain of parents of the deepest CIDR holding it, the others follow it
 * in cidrs' order while they start inside it. */
static int key_address(struct an_ctx *c, struct keybuf *k,
		       const struct sg_prefix *p)
{
	struct sg_range r;
	uint32_t chain[130], n = 0, i, tag;
	int rc;

	for (i = an_cidr_deepest(c, p); i != SG_NONE && n < 130;
	     i = c->cparent[i])
		chain[n++] = i;
	while (n) {
		tag = chain[--n] << 2 | 1;
		if ((rc = kb_put(k, &tag, sizeof(tag))))
			return rc;
	}
	prefix_range(p, &r);
	for (i = an_cidr_first_inside(c, p);
	     i < c->ncidrs && addr_cmp(&c->cidrs[i].a, &r.last) <= 0; i++) {
		tag = i << 2 | 2;
		if ((rc = kb_put(k, &tag, sizeof(tag))))
			return rc;
	}
	return 0;
}

/*
 * A member's class key: its endpoint's groups (sorted) and VPC, the
 * member's family, publicness and relation to every rule CIDR, whether it
 * is outside the model, and the same for the endpoint's first public
 * address of the family (the address its traffic to a public address
 * leaves from).
 */
int an_member_class(struct an_ctx *c, const struct member *x, uint32_t *cls)
{
	const sgreach_model *m = c->m;
	struct keybuf k = {0};
	uint32_t hdr[4], val, i;
	int rc = 0;

	hdr[0] = x->ep == SG_NONE ? 1 : 0;
	hdr[1] = (uint32_t)x->p.fam << 8 | x->is_public << 1 | x->nat;
	hdr[2] = x->p.len;
	hdr[3] = 0;
	if ((rc = kb_put(&k, hdr, sizeof(hdr))))
		goto fail;
	if (x->ep != SG_NONE) {
		const struct sg_endpoint *e = &m->endpoints.v[x->ep];
		uint32_t *g = malloc((e->groups.n + 1) * sizeof(*g));
		uint32_t sep = UINT32_MAX;

		if (!g) {
			rc = -ENOMEM;
			goto fail;
		}
		if (e->groups.n)
			memcpy(g, e->groups.v, e->groups.n * sizeof(*g));
		qsort(g, e->groups.n, sizeof(*g), an_u32_cmp);
		rc = kb_put(&k, &e->groups.n, sizeof(e->groups.n));
		if (!rc)
			rc = kb_put(&k, g, e->groups.n * sizeof(*g));
		free(g);
		if (rc || (rc = kb_put(&k, &e->vpc, sizeof(e->vpc))))
			goto fail;
		for (i = 0; i < e->addrs.n; i++)
			if (e->addrs.v[i].is_public &&
			    e->addrs.v[i].p.fam == c->fam) {
				if ((rc = kb_put(&k, &sep, sizeof(sep))) ||
				    (rc = key_address(c, &k, &e->addrs.v[i].p)))
					goto fail;
				break;
			}
		if ((rc = kb_put(&k, &sep, sizeof(sep))))
			goto fail;
	}
	if ((rc = key_address(c, &k, &x->p)))
		goto fail;
	if (hmap_get(&c->mcls_ids, k.b, k.n, &val)) {
		free(k.b);
		*cls = val;
		return 0;
	}
	{
		struct mclass mc;

		mc.rep = *x;
		mc.key = k.b;
		mc.keylen = (uint32_t)k.n;
		mc.bits = NULL;
		if (x->p.len == (x->p.fam == 4 ? 32 : 128) && !x->nat) {
			mc.bits = calloc(c->ncidrs / 64 + 1, sizeof(uint64_t));
			if (!mc.bits) {
				rc = -ENOMEM;
				goto fail;
			}
			for (i = an_cidr_deepest(c, &x->p); i != SG_NONE;
			     i = c->cparent[i])
				mc.bits[i >> 6] |= 1ull << (i & 63);
		}
		if (vec_push(&c->mcls, mc)) {
			free(mc.bits);
			rc = -ENOMEM;
			goto fail;
		}
		if ((rc = hmap_put(&c->mcls_ids, mc.key, mc.keylen,
				   c->mcls.n - 1))) {
			c->mcls.n--;
			goto fail;
		}
		*cls = c->mcls.n - 1;
	}
	return 0;
fail:
	free(k.b);
	return rc;
}

int an_class_pair(struct an_ctx *c, uint32_t a, uint32_t b,
		  const struct vsets **out)
{
	uint32_t id;
	int rc = an_class_pair_id(c, a, b, &id);

	if (!rc)
		*out = &c->res.v[id];
	return rc;
}

/* ------------------------------------------------------------------ nodes --
 */

static int push_member_classes(struct an_ctx *c, uint32_t e, void *vec)
{
	VEC(uint32_t) *cls = vec;
	const struct sg_endpoint *ep = &c->m->endpoints.v[e];
	uint32_t k, id;
	int rc;

	for (k = 0; k < ep->addrs.n; k++) {
		struct member x;

		/* A service's own addresses are its subnets (no tasks);
		 * an interface's are its private addresses. */
		if (ep->addrs.v[k].p.fam != c->fam ||
		    (ep->addrs.v[k].is_public &&
		     ep->kind != SGREACH_ENDPOINT_SERVICE))
			continue;
		memset(&x, 0, sizeof(x));
		x.ep = e;
		x.p = ep->addrs.v[k].p;
		if ((rc = an_member_class(c, &x, &id)) ||
		    (rc = vec_push(cls, id)))
			return rc;
	}
	return 0;
}

int an_add_node(struct an_ctx *c, int kind, uint32_t idx)
{
	const sgreach_model *m = c->m;
	VEC(uint32_t) cls = {0};
	struct an_node n;
	uint32_t k, w;
	int rc = 0;

	if (kind == NODE_GROUP) {
		const struct sg_group *g = &m->groups.v[idx];

		for (k = 0; k < g->nmembers && !rc; k++) {
			const struct sg_endpoint *e =
			    &m->endpoints.v[g->members[k]];

			/* A service with tasks is its tasks' interfaces,
			 * which carry the group themselves. */
			if (e->kind == SGREACH_ENDPOINT_SERVICE && e->members.n)
				continue;
			rc = push_member_classes(c, g->members[k], &cls);
		}
	} else if (kind == NODE_SERVICE && m->endpoints.v[idx].members.n) {
		const struct sg_endpoint *svc = &m->endpoints.v[idx];

		for (k = 0; k < svc->members.n && !rc; k++)
			rc = push_member_classes(c, svc->members.v[k], &cls);
	} else {
		rc = push_member_classes(c, idx, &cls);
	}
	if (rc || cls.n == 0) {
		vec_free(&cls);
		return rc;
	}
	qsort(cls.v, cls.n, sizeof(*cls.v), an_u32_cmp);
	for (k = 0, w = 0; k < cls.n; k++)
		if (!w || cls.v[w - 1] != cls.v[k])
			cls.v[w++] = cls.v[k];
	memset(&n, 0, sizeof(n));
	n.kind = (uint8_t)kind;
	n.idx = idx;
	n.ncls = w;
	n.cls = cls.v;
	if (vec_push(&c->nodes, n)) {
		vec_free(&cls);
		return -ENOMEM;
	}
	return 0;
}

int an_add_nodes(struct an_ctx *c, int group_by)
{
	const sgreach_model *m = c->m;
	uint32_t i;
	int rc = 0;

	if (group_by == NODE_GROUP) {
		for (i = 0; i < m->groups.n && !rc; i++)
			if (m->groups.v[i].nmembers)
				rc = an_add_node(c, NODE_GROUP, i);
		return rc;
	}
	for (i = 0; i < m->endpoints.n && !rc; i++) {
		const struct sg_endpoint *e = &m->endpoints.v[i];

		if (e->kind == SGREACH_ENDPOINT_SERVICE) {
			if (group_by == NODE_SERVICE || !e->members.n)
				rc = an_add_node(c, NODE_SERVICE, i);
		} else if (group_by == NODE_ENDPOINT || e->service == SG_NONE) {
			rc = an_add_node(c, NODE_ENDPOINT, i);
		}
	}
	return rc;
}

int an_finish_nodes(struct an_ctx *c)
{
	uint32_t i, val;
	int rc;

	for (i = 0; i < c->nodes.n; i++) {
		struct an_node *n = &c->nodes.v[i];
		size_t len = n->ncls * sizeof(*n->cls);

		if (hmap_get(&c->ncls_ids, n->cls, len, &val)) {
			n->nclass = val;
			continue;
		}
		/* The key is the first node's array: nodes outlive the map. */
		val = c->ncls_keys.n;
		if (vec_push(&c->ncls_keys, NULL))
			return -ENOMEM;
		if ((rc = hmap_put(&c->ncls_ids, n->cls, len, val)))
			return rc;
		n->nclass = val;
	}
	return 0;
}

/* The tally over every member-class pair of two class lists. */
static int lists_pair(struct an_ctx *c, const uint32_t *a, uint32_t na,
		      const uint32_t *b, uint32_t nb, uint32_t *id)
{
	struct presence p;
	struct vsets v;
	uint32_t i, j, pid;
	int rc = 0;

	if (na == 1 && nb == 1)
		return an_class_pair_id(c, a[0], b[0], id);
	presence_init(&p);
	vsets_init(&v);
	for (i = 0; i < na && !rc; i++)
		for (j = 0; j < nb && !rc; j++) {
			rc = an_class_pair_id(c, a[i], b[j], &pid);
			if (!rc)
				rc = presence_add(&p, &c->res.v[pid]);
		}
	if (!rc)
		rc = presence_result(&p, &c->universe, &v);
	if (!rc)
		rc = an_intern(c, &v, id);
	if (rc)
		vsets_free(&v);
	presence_free(&p);
	return rc;
}

int an_restrict_id(struct an_ctx *c, uint32_t id, uint32_t *out)
{
	struct vsets v;
	int rc;

	if (!c->only) {
		*out = id;
		return 0;
	}
	if (u64map_get(&c->only_memo, id, out))
		return 0;
	vsets_init(&v);
	if ((rc = vsets_copy(&v, &c->res.v[id])) ||
	    (rc = vsets_restrict(&v, c->only)) ||
	    (rc = an_intern(c, &v, out))) {
		vsets_free(&v);
		return rc;
	}
	return u64map_put(&c->only_memo, id, *out);
}

int an_node_pair_id(struct an_ctx *c, uint32_t a, uint32_t b, uint32_t *out)
{
	const struct an_node *x = &c->nodes.v[a], *y = &c->nodes.v[b];
	uint64_t key = (uint64_t)x->nclass << 32 | y->nclass;
	uint32_t id;
	int rc;

	/* Nodes of one member each are answered by the pair memo; only
	 * sets (services, groups) are worth a cache of their own. */
	if (x->ncls == 1 && y->ncls == 1) {
		rc = lists_pair(c, x->cls, 1, y->cls, 1, &id);
	} else if (!u64map_get(&c->npair_ids, key, &id)) {
		rc = lists_pair(c, x->cls, x->ncls, y->cls, y->ncls, &id);
		if (!rc)
			rc = u64map_put(&c->npair_ids, key, id);
	} else {
		rc = 0;
	}
	if (!rc && c->only)
		rc = an_restrict_id(c, id, &id);
	if (!rc)
		*out = id;
	return rc;
}

/* Member classes of a selection's members. */
int an_members_classes(struct an_ctx *c, const void *members, void *out)
{
	const VEC(struct member) *mem = members;
	VEC(uint32_t) *cls = out;
	uint32_t i, id, w;
	int rc;

	cls->n = 0;
	for (i = 0; i < mem->n; i++)
		if ((rc = an_member_class(c, &mem->v[i], &id)) ||
		    (rc = vec_push(cls, id)))
			return rc;
	qsort(cls->v, cls->n, sizeof(*cls->v), an_u32_cmp);
	for (i = 0, w = 0; i < cls->n; i++)
		if (!w || cls->v[w - 1] != cls->v[i])
			cls->v[w++] = cls->v[i];
	cls->n = w;
	return 0;
}

int an_members_pair(struct an_ctx *c, const void *src, const void *dst,
		    struct vsets *out)
{
	VEC(uint32_t) a = {0};
	VEC(uint32_t) b = {0};
	uint32_t id;
	int rc;

	rc = an_members_classes(c, src, &a);
	if (!rc)
		rc = an_members_classes(c, dst, &b);
	if (!rc)
		rc = lists_pair(c, a.v, a.n, b.v, b.n, &id);
	if (!rc)
		rc = vsets_copy(out, &c->res.v[id]);
	vec_free(&a);
	vec_free(&b);
	return rc;
}

int an_members_to_node(struct an_ctx *c, const void *members, uint32_t node,
		       int members_are_src, struct vsets *out)
{
	const struct an_node *n = &c->nodes.v[node];
	VEC(uint32_t) cls = {0};
	uint32_t id;
	int rc;

	rc = an_members_classes(c, members, &cls);
	if (!rc)
		rc = members_are_src
			 ? lists_pair(c, cls.v, cls.n, n->cls, n->ncls, &id)
			 : lists_pair(c, n->cls, n->ncls, cls.v, cls.n, &id);
	if (!rc)
		rc = vsets_copy(out, &c->res.v[id]);
	vec_free(&cls);
	return rc;
}

/* ------------------------------------------------------ outside the model --
 */

/* Address space that is not the internet's (RFC 6890 and friends), as
 * constants: an_range_private() runs for every range of every class, and
 * parsing the texts there was a quarter of `sgreach exposure` on large.
 * tests/unit/test_analysis.c checks them against the texts.  IP4(): an
 * IPv4 address as struct sg_addr holds it, in the top half of hi. */
#define IP4(a, b, c, d)                                                        \
	((uint64_t)((a) << 24 | (b) << 16 | (c) << 8 | (d)) << 32)
static const struct sg_prefix private4[] = {
    {{IP4(0u, 0, 0, 0), 0}, 8, 4},	{{IP4(10u, 0, 0, 0), 0}, 8, 4},
    {{IP4(100u, 64, 0, 0), 0}, 10, 4},	{{IP4(127u, 0, 0, 0), 0}, 8, 4},
    {{IP4(169u, 254, 0, 0), 0}, 16, 4}, {{IP4(172u, 16, 0, 0), 0}, 12, 4},
    {{IP4(192u, 168, 0, 0), 0}, 16, 4}, {{IP4(224u, 0, 0, 0), 0}, 4, 4},
    {{IP4(240u, 0, 0, 0), 0}, 4, 4},
};
#undef IP4
static const struct sg_prefix private6[] = {
    {{0, 0}, 127, 6},		   /* ::/127: unspecified, loopback */
    {{0xfc00ull << 48, 0}, 7, 6},  /* unique local */
    {{0xfe80ull << 48, 0}, 10, 6}, /* link local */
    {{0xff00ull << 48, 0}, 8, 6},  /* multicast */
};

const struct sg_prefix *an_private_prefixes(int fam, size_t *n)
{
	*n = fam == 4 ? sizeof(private4) / sizeof(*private4)
		      : sizeof(private6) / sizeof(*private6);
	return fam == 4 ? private4 : private6;
}

int an_range_private(const struct sg_range *r)
{
	size_t i, n;
	const struct sg_prefix *t = an_private_prefixes(r->fam, &n);
	struct sg_range s;

	for (i = 0; i < n; i++) {
		prefix_range(&t[i], &s);
		if (addr_cmp(&s.first, &r->first) <= 0 &&
		    addr_cmp(&r->last, &s.last) <= 0)
			return 1;
	}
	return 0;
}

void an_ext_free(struct ext_range *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		vsets_free(&r[i].sets);
	free(r);
}

/* Where prefix p starts holding addresses and where it stops (the address
 * after its last, unless that is the family's last): into e[]; returns 1
 * or 2, the number of them. */
static int prefix_edges(const struct an_ctx *c, const struct sg_prefix *p,
			struct sg_addr e[2])
{
	struct sg_prefix top = {{0, 0}, 0, (uint8_t)c->fam};
	struct sg_range r, all;

	prefix_range(p, &r);
	prefix_range(&top, &all);
	e[0] = r.first;
	if (addr_cmp(&r.last, &all.last) >= 0)
		return 1;
	e[1] = addr_next(&r.last, c->fam);
	return 2;
}

static int push_bound(struct an_ctx *c, const struct sg_prefix *p)
{
	struct sg_addr e[2];
	int i, n = prefix_edges(c, p, e);

	for (i = 0; i < n; i++)
		if (vec_push(&c->bounds, e[i]))
			return -ENOMEM;
	return 0;
}

/*
 * Along the address space outside the model, the key of a class's side
 * against an outside address (memo.c's side_key()) changes only where one
 * of the class's own rules starts or stops holding the address.  So each
 * class keeps the rules that can hold such an address (candidates, in the
 * order of its rules), how many of each one's prefixes hold the current
 * piece, and the addresses where those counts change, sorted; the key is
 * written again only at those addresses.  Testing every rule at every
 * piece instead cost a class's rules times its pieces, 75% of `lint`.
 */
struct ext_event {
	struct sg_addr at;
	uint32_t cand;
	int32_t delta;
};

struct ext_sweep {
	int outside;	/* the class is outside the model: one answer */
	uint32_t flags; /* the key's first word */
	/* ri << 2 | 3: in the key everywhere (a peer not loaded or not
	 * known); ri << 2: in the key, as a match, where held[] > 0. */
	VEC(uint32_t) cand;
	uint32_t *held;
	VEC(struct ext_event) ev;
	uint32_t at; /* the next event */
};

static int ev_cmp(const void *a, const void *b)
{
	return addr_cmp(&((const struct ext_event *)a)->at,
			&((const struct ext_event *)b)->at);
}

/* Candidate cand holds the addresses of p. */
static int sweep_prefix(struct an_ctx *c, struct ext_sweep *w, uint32_t cand,
			const struct sg_prefix *p)
{
	struct sg_addr at[2];
	int i, n = prefix_edges(c, p, at);

	for (i = 0; i < n; i++)
		if (vec_push(&w->ev,
			     ((struct ext_event){at[i], cand, i ? -1 : 1})))
			return -ENOMEM;
	return 0;
}

/* The rules of rep's interface in direction dir that can hold an outside
 * address, as side_key() and an_rule_how() see them: live rules with a
 * CIDR or a prefix list of the family, and those whose peer is not
 * loaded or not known.  A group reference never holds one. */
static int sweep_init(struct an_ctx *c, struct ext_sweep *w,
		      const struct member *rep, int dir)
{
	const sgreach_model *m = c->m;
	const struct sg_endpoint *e;
	uint32_t i, k;
	int rc;

	if (rep->ep == SG_NONE) {
		w->outside = 1;
		return 0;
	}
	e = &m->endpoints.v[rep->ep];
	w->flags = (uint32_t)dir << 2 | (e->missing_groups ? 2u : 0u);
	for (i = 0; i < e->nrules[dir]; i++) {
		uint32_t ri = e->rules[dir][i];
		const struct sg_rule *r = &m->rules.v[ri];
		const struct sg_plist *pl;
		int live = an_rule_live(c, ri);

		if (live <= 0) {
			if (live < 0)
				return live;
			continue;
		}
		switch (r->peer_kind) {
		case SGREACH_PEER_CIDR:
			if (r->cidr.fam != c->fam)
				break;
			if (vec_push(&w->cand, ri << 2))
				return -ENOMEM;
			if ((rc = sweep_prefix(c, w, w->cand.n - 1, &r->cidr)))
				return rc;
			break;
		case SGREACH_PEER_PREFIX_LIST:
			pl = &m->plists.v[r->peer];
			if (vec_push(&w->cand, ri << 2 | (pl->loaded ? 0 : 3)))
				return -ENOMEM;
			for (k = 0; pl->loaded && k < pl->entries.n; k++)
				if (pl->entries.v[k].fam == c->fam &&
				    (rc = sweep_prefix(c, w, w->cand.n - 1,
						       &pl->entries.v[k])))
					return rc;
			break;
		case SGREACH_PEER_UNKNOWN:
			if (vec_push(&w->cand, ri << 2 | 3))
				return -ENOMEM;
			break;
		default:
			break;
		}
	}
	if (!(w->held = calloc(w->cand.n + 1, sizeof(*w->held))))
		return -ENOMEM;
	if (w->ev.n > 32) {
		qsort(w->ev.v, w->ev.n, sizeof(*w->ev.v), ev_cmp);
		return 0;
	}
	/* A few: insertion, without qsort()'s call per compare. */
	for (i = 1; i < w->ev.n; i++) {
		struct ext_event x = w->ev.v[i];

		for (k = i; k && addr_cmp(&w->ev.v[k - 1].at, &x.at) > 0; k--)
			w->ev.v[k] = w->ev.v[k - 1];
		w->ev.v[k] = x;
	}
	return 0;
}

/* Merges the addresses of w's events (sorted) into the sorted, distinct
 * addresses of bvec (VEC(struct sg_addr)), through tmpvec (the same). */
static int merge_bounds(void *bvec, void *tmpvec, const struct ext_sweep *w)
{
	VEC(struct sg_addr) *b = bvec, *t = tmpvec, swap;
	uint32_t i = 0, j = 0;

	if (!w->ev.n)
		return 0;
	t->n = 0;
	if (vec_reserve(t, b->n + w->ev.n))
		return -ENOMEM;
	while (i < b->n || j < w->ev.n) {
		const struct sg_addr *x;

		if (j == w->ev.n ||
		    (i < b->n && addr_cmp(&b->v[i], &w->ev.v[j].at) <= 0))
			x = &b->v[i++];
		else
			x = &w->ev.v[j++].at;
		if (!t->n || addr_cmp(&t->v[t->n - 1], x))
			t->v[t->n++] = *x;
	}
	swap = *b;
	*b = *t;
	*t = swap;
	return 0;
}

/* Moves w to the piece that starts at a; 1 when some count changed. */
static int sweep_to(struct ext_sweep *w, const struct sg_addr *a)
{
	int moved = 0;

	for (; w->at < w->ev.n && addr_cmp(&w->ev.v[w->at].at, a) <= 0;
	     w->at++) {
		w->held[w->ev.v[w->at].cand] += (uint32_t)w->ev.v[w->at].delta;
		moved = 1;
	}
	return moved;
}

/* side_key() of the class's side against an address of the piece, into
 * c->skey. */
static int sweep_key(struct an_ctx *c, const struct ext_sweep *w)
{
	uint32_t i;

	c->skey.n = 0;
	if (vec_push(&c->skey, w->flags))
		return -ENOMEM;
	for (i = 0; i < w->cand.n; i++) {
		uint32_t x = w->cand.v[i];

		if ((x & 3) != 3 && !w->held[i])
			continue;
		if (vec_push(&c->skey, (x & 3) == 3 ? x : x | AN_MATCH_ALL))
			return -ENOMEM;
	}
	return 0;
}

static void sweep_free(struct ext_sweep *w, uint32_t n)
{
	uint32_t i;

	for (i = 0; w && i < n; i++) {
		vec_free(&w[i].cand);
		vec_free(&w[i].ev);
		free(w[i].held);
	}
	free(w);
}

int an_external(struct an_ctx *c, const void *members, int dir,
		struct ext_range **out, size_t *nout)
{
	VEC(uint32_t) cls = {0};
	int rc;

	*out = NULL;
	*nout = 0;
	rc = an_members_classes(c, members, &cls);
	if (!rc)
		rc = an_external_cls(c, cls.v, cls.n, dir, out, nout);
	vec_free(&cls);
	return rc;
}

int an_external_cls(struct an_ctx *c, const uint32_t *clsv, uint32_t ncls,
		    int dir, struct ext_range **out, size_t *nout)
{
	struct {
		const uint32_t *v;
		uint32_t n;
	} cls = {clsv, ncls};
	VEC(struct sg_addr) b = {0};
	struct ext_range *res = NULL;
	struct ext_sweep *sw = NULL;
	uint32_t *pids = NULL;
	struct sg_prefix top = {{0, 0}, 0, (uint8_t)c->fam};
	const struct sg_prefix *sp;
	size_t nsp;
	struct sg_range all;
	size_t nres = 0, i;
	uint32_t k, nb = 0;
	int rc;

	*out = NULL;
	*nout = 0;
	prefix_range(&top, &all);
	sw = calloc(cls.n ? cls.n : 1, sizeof(*sw));
	if (!sw) {
		rc = -ENOMEM;
		goto out;
	}
	for (k = 0; k < cls.n; k++)
		if ((rc = sweep_init(c, &sw[k], &c->mcls.v[cls.v[k]].rep, dir)))
			goto out;
	/* Cut the address space where some class's key may change and at
	 * the edges of the non-internet ranges: within a piece each class
	 * has one answer, and the piece is all internet or none.  (Only
	 * this side's rules look at an outside address.) */
	c->bounds.n = 0;
	if ((rc = push_bound(c, &top)))
		goto out;
	sp = an_private_prefixes(c->fam, &nsp);
	for (i = 0; i < nsp; i++)
		if ((rc = push_bound(c, &sp[i])))
			goto out;
	qsort(c->bounds.v, c->bounds.n, sizeof(*c->bounds.v), an_addr_cmp);
	for (k = 0, nb = 0; k < c->bounds.n; k++)
		if (!nb || addr_cmp(&c->bounds.v[nb - 1], &c->bounds.v[k]))
			c->bounds.v[nb++] = c->bounds.v[k];
	/* Kept in b: an_pair() below reuses c->bounds. */
	if (vec_reserve(&b, nb)) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(b.v, c->bounds.v, nb * sizeof(*b.v));
	b.n = nb;
	for (k = 0; k < cls.n; k++)
		if ((rc = merge_bounds(&b, &c->bounds, &sw[k])))
			goto out;
	nb = b.n;
	res = calloc(nb, sizeof(*res));
	/* The pair answers at this piece, and at the one before. */
	pids = malloc(2 * (cls.n ? cls.n : 1) * sizeof(*pids));
	if (!res || !pids) {
		rc = -ENOMEM;
		goto out;
	}
	for (k = 0; k < nb; k++) {
		struct ext_range *x = &res[nres];
		uint32_t *cur = pids + (k % 2) * cls.n,
			 *prev = pids + (1 - k % 2) * cls.n;
		struct presence p;
		struct member ext;
		uint32_t j;

		memset(&ext, 0, sizeof(ext));
		ext.ep = SG_NONE;
		ext.p.a = b.v[k];
		ext.p.fam = (uint8_t)c->fam;
		ext.p.len = c->fam == 4 ? 32 : 128;
		x->r.fam = (uint8_t)c->fam;
		x->r.first = b.v[k];
		x->r.last =
		    k + 1 < nb ? addr_prev(&b.v[k + 1], c->fam) : all.last;
		x->internet = !an_range_private(&x->r);
		vsets_init(&x->sets);
		for (j = 0; j < cls.n; j++) {
			const struct member *rep = &c->mcls.v[cls.v[j]].rep;

			if (sw[j].outside && k)
				cur[j] = prev[j];
			else if (sw[j].outside)
				rc = dir == SGREACH_INGRESS
					 ? an_pair_id(c, &ext, rep, &cur[j])
					 : an_pair_id(c, rep, &ext, &cur[j]);
			else if (!sweep_to(&sw[j], &ext.p.a) && k)
				cur[j] = prev[j];
			else if (!(rc = sweep_key(c, &sw[j])))
				rc = an_ext_pair_id(c, &ext, rep, dir, &cur[j]);
			if (rc)
				goto out;
		}
		/* The same answers as the piece before (half the pieces of
		 * the bench's estates): the same sets, without working
		 * them out again. */
		if (k && !memcmp(cur, prev, cls.n * sizeof(*cur))) {
			if (res[nres - 1].internet == x->internet) {
				res[nres - 1].r.last = x->r.last;
				continue;
			}
			rc = vsets_copy(&x->sets, &res[nres - 1].sets);
			nres++;
			if (rc)
				goto out;
			continue;
		}
		if (cls.n == 1) {
			/* One class: its answer, as lists_pair() takes the
			 * answer of one pair of classes. */
			rc = vsets_copy(&x->sets, &c->res.v[cur[0]]);
		} else {
			presence_init(&p);
			for (j = 0; j < cls.n && !rc; j++)
				rc = presence_add(&p, &c->res.v[cur[j]]);
			if (!rc)
				rc =
				    presence_result(&p, &c->universe, &x->sets);
			presence_free(&p);
		}
		nres++;
		if (rc)
			goto out;
		/* Merge with the previous piece when nothing tells them
		 * apart. */
		if (nres > 1 && res[nres - 2].internet == x->internet &&
		    vsets_equal(&res[nres - 2].sets, &x->sets)) {
			res[nres - 2].r.last = x->r.last;
			vsets_free(&x->sets);
			nres--;
		}
	}
out:
	vec_free(&b);
	free(pids);
	sweep_free(sw, cls.n);
	if (rc) {
		an_ext_free(res, nres);
		return rc;
	}
	/* Merging leaves most of the nb pieces unused, and callers keep
	 * the answer of every class (exposure: 69% of its peak heap on
	 * medium).  A failed shrink keeps the larger block. */
	if (nres < nb) {
		struct ext_range *t =
		    realloc(res, (nres ? nres : 1) * sizeof(*res));

		if (t)
			res = t;
	}
	*out = res;
	*nout = nres;
	return 0;
}

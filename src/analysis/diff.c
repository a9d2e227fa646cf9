/*
 * analysis/diff.c - `sgreach diff OLD NEW`: connectivity gained and lost,
 * with the rule changes behind each.
 *
 * Nodes are matched by name across the two models: a service by its
 * cluster and name (tasks come and go, services stay), an interface outside
 * any service by its id, and "internet" (any public address) as a source.
 * For every pair of names, the flows allowed for some member (allowed or
 * partial) in each model are compared as flow sets; the difference is what
 * was gained or lost.  The changes shown for a pair are the rules added,
 * removed or modified in a group one side carries, in the direction that
 * side uses, whose flows meet the change and whose peer matches the other
 * side; and the changes of group attachment of the pair's interfaces.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/allpairs.h"
#include "analysis/analysis.h"
#include "proto.h"

#define INTERNET "internet"

/* One side of the diff: a model and its nodes by name. */
struct dside {
	struct an_ctx c;
	struct hmap names; /* name -> node index */
	struct hmap rules; /* rule key -> rule index */
	char **rkey;	   /* per rule: its key, NULL when dropped */
	/* The live rules naming group g as their peer, in rule order:
	 * gref[gref_off[g]] to gref[gref_off[g + 1] - 1]. */
	uint32_t *gref_off, *gref;
	/* Per direction and node: flows between it and some internet
	 * address ([SGREACH_INGRESS]: from the internet to the node). */
	struct connset *inet[2];
	uint8_t *inet_ok[2];
	/* compare(): the all-pairs engine, and the flows of each answer
	 * (res_flows()). */
	struct allpairs ap;
	struct connset *res_flows;
	uint8_t *res_flows_ok;
	uint32_t *res_fid; /* per answer: its flows' id (res_fid()), or
			      SG_NONE */
	size_t nres_flows;
};

/* The flow sets of the answers of both sides, each distinct set once:
 * compare() tells two answers apart by their ids, not their sets. */
struct fset {
	struct connset s;
	uint32_t next; /* the next set of the same hash, or SG_NONE */
};

struct name {
	char *text;
	uint32_t node[2]; /* per side, SG_NONE when absent */
};

/* A change between the models: a rule or an endpoint's groups. */
enum { CH_ADDED, CH_REMOVED, CH_MODIFIED, CH_GROUPS };

struct change {
	int kind;
	uint32_t rule[2];     /* rule index per side (SG_NONE) */
	const char *endpoint; /* CH_GROUPS */
	uint32_t ep[2];
};

/* A pair of names whose flows differ. */
struct diff_at {
	uint32_t dst, src; /* name indexes, names.n: the internet */
};

struct diff {
	struct dside s[2]; /* [0] old, [1] new */
	sgreach_verdict *v;
	sgreach_format fmt;
	VEC(struct name) names;
	VEC(struct change) changes;
	/* Per side: the rule changes of each group (whose rule on that
	 * side is in it), in change order, gch[gch_off[g]] on; and each
	 * endpoint's attachment change (ech[e], SG_NONE when none).  A
	 * pair asks only the changes of its nodes (render_entry()). */
	uint32_t *gch_off[2], *gch[2], *ech[2];
	VEC(uint32_t) cand;
	VEC(struct diff_at) at; /* compare(): the pairs that differ, sorted */
	uint32_t ngained, nlost;
	VEC(struct fset) fsets;
	struct u64map fset_ids; /* hash -> the last set of that hash */
};

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);

	if (d)
		memcpy(d, s, n);
	return d;
}

/* ------------------------------------------------------------ names -- */

/*
 * Nodes are matched by key (an_node_key(): a service with its cluster) and
 * shown by name (an_node_name()), the new side's when both have the node: a
 * service keeps its short name unless a second cluster's service takes it.
 */
static int add_names(struct diff *d, int side)
{
	struct dside *s = &d->s[side];
	uint32_t i;
	char kbuf[AN_NAME_MAX], nbuf[AN_NAME_MAX];

	for (i = 0; i < s->c.nodes.n; i++) {
		const struct an_node *node = &s->c.nodes.v[i];
		const char *key = an_node_key(&s->c, node, kbuf, sizeof(kbuf));
		char *text =
		    xstrdup(an_node_name(&s->c, node, nbuf, sizeof(nbuf)));
		struct name nm;
		uint32_t k;

		if (!text || hmap_put(&s->names, key, strlen(key), i)) {
			free(text);
			return -ENOMEM;
		}
		/* Known from the old side?  Its names are its nodes, in
		 * order. */
		if (side == 1 &&
		    hmap_get(&d->s[0].names, key, strlen(key), &k)) {
			free(d->names.v[k].text);
			d->names.v[k].text = text;
			d->names.v[k].node[1] = i;
			continue;
		}
		nm.text = text;
		nm.node[0] = side == 0 ? i : SG_NONE;
		nm.node[1] = side == 1 ? i : SG_NONE;
		if (vec_push(&d->names, nm)) {
			free(nm.text);
			return -ENOMEM;
		}
	}
	return 0;
}

/* ------------------------------------------------------------- sets -- */

/* The flows a pair answer allows (allowed or partial), by result id,
 * worked out once per id. */
static int res_flows(struct dside *s, uint32_t id, const struct connset **out)
{
	if (id >= s->nres_flows) {
		size_t n = s->c.res.n > id ? s->c.res.n : (size_t)id + 1, k;
		struct connset *f = realloc(s->res_flows, n * sizeof(*f));
		uint32_t *fid;
		uint8_t *ok;

		if (!f)
			return -ENOMEM;
		s->res_flows = f;
		ok = realloc(s->res_flows_ok, n);
		if (!ok)
			return -ENOMEM;
		s->res_flows_ok = ok;
		fid = realloc(s->res_fid, n * sizeof(*fid));
		if (!fid)
			return -ENOMEM;
		s->res_fid = fid;
		for (k = s->nres_flows; k < n; k++) {
			ok[k] = 0;
			fid[k] = SG_NONE;
		}
		s->nres_flows = n;
	}
	if (!s->res_flows_ok[id]) {
		const struct vsets *v = &s->c.res.v[id];
		struct connset *f = &s->res_flows[id];
		int rc;

		connset_init(f);
		s->res_flows_ok[id] = 1;
		if ((rc = connset_union(f, &v->s[VS_A])) ||
		    (rc = connset_union(f, &v->s[VS_P])))
			return rc;
	}
	*out = &s->res_flows[id];
	return 0;
}

/* The id of flow set f among d->fsets, added if new. */
static int intern_flows(struct diff *d, const struct connset *f, uint32_t *out)
{
	/* u64map keys are 64 bits less one value. */
	uint64_t h = connset_hash(f) >> 1;
	uint32_t first = SG_NONE, k;
	struct fset x;
	int rc;

	u64map_get(&d->fset_ids, h, &first);
	for (k = first; k != SG_NONE; k = d->fsets.v[k].next)
		if (connset_equal(&d->fsets.v[k].s, f)) {
			*out = k;
			return 0;
		}
	x.next = first;
	connset_init(&x.s);
	if ((rc = connset_copy(&x.s, f)) || (rc = vec_push(&d->fsets, x))) {
		connset_free(&x.s);
		return rc;
	}
	*out = d->fsets.n - 1;
	return u64map_put(&d->fset_ids, h, *out);
}

/* The id of the flows answer id allows (res_flows()): equal for two
 * answers, of either side, that allow the same flows. */
static int res_fid(struct diff *d, struct dside *s, uint32_t id, uint32_t *out)
{
	const struct connset *f;
	int rc;

	if (id < s->nres_flows && s->res_fid[id] != SG_NONE) {
		*out = s->res_fid[id];
		return 0;
	}
	if ((rc = res_flows(s, id, &f)) ||
	    (rc = intern_flows(d, f, &s->res_fid[id])))
		return rc;
	*out = s->res_fid[id];
	return 0;
}

/* Flows node a may open to node b (allowed for some member). */
static int pair_flows(struct dside *s, uint32_t a, uint32_t b,
		      struct connset *out)
{
	const struct connset *f;
	uint32_t id;
	int rc;

	connset_clear(out);
	if (a == SG_NONE || b == SG_NONE)
		return 0;
	if ((rc = an_node_pair_id(&s->c, a, b, &id)) ||
	    (rc = res_flows(s, id, &f)))
		return rc;
	return connset_copy(out, f);
}

/* Flows between node b and some internet address: opened by the internet
 * (dir SGREACH_INGRESS) or by b (SGREACH_EGRESS). */
static int inet_flows(struct dside *s, uint32_t b, int dir, struct connset *out)
{
	const struct an_node *n;
	struct ext_range *ext = NULL;
	size_t next = 0, i;
	int rc = 0;

	connset_clear(out);
	if (b == SG_NONE)
		return 0;
	if (!s->inet_ok[dir][b]) {
		n = &s->c.nodes.v[b];
		connset_init(&s->inet[dir][b]);
		s->inet_ok[dir][b] = 1;
		if ((rc = an_external_cls(&s->c, n->cls, n->ncls, dir, &ext,
					  &next)))
			return rc;
		for (i = 0; i < next && !rc; i++)
			if (ext[i].internet &&
			    !(rc = connset_union(&s->inet[dir][b],
						 &ext[i].sets.s[VS_A])))
				rc = connset_union(&s->inet[dir][b],
						   &ext[i].sets.s[VS_P]);
		an_ext_free(ext, next);
		if (rc)
			return rc;
	}
	return connset_copy(out, &s->inet[dir][b]);
}

/* ---------------------------------------------------------- changes -- */

/* What a rule allows, independent of where and when it was written. */
static char *rule_key(const sgreach_model *m, const struct sg_rule *r)
{
	char peer[ADDR_TEXT_MAX], *key;
	const char *p = r->peer_text;
	int n;

	if (r->peer_kind == SGREACH_PEER_CIDR)
		p = addr_format(&r->cidr, 0, peer, sizeof(peer));
	else if (r->peer_kind == SGREACH_PEER_GROUP)
		p = m->groups.v[r->peer].id;
	else if (r->peer_kind == SGREACH_PEER_PREFIX_LIST)
		p = m->plists.v[r->peer].id;
	n = snprintf(NULL, 0, "%s|%d|%d|%d|%d|%d|%d|%s",
		     m->groups.v[r->group].id, r->dir, r->proto, r->from, r->to,
		     r->peer_kind, r->stale, p);
	key = malloc((size_t)n + 1);
	if (key)
		snprintf(key, (size_t)n + 1, "%s|%d|%d|%d|%d|%d|%d|%s",
			 m->groups.v[r->group].id, r->dir, r->proto, r->from,
			 r->to, r->peer_kind, r->stale, p);
	return key;
}

/*
 * Items 0..nitems-1 listed by key: *list holds, for each key k, the items
 * whose key[] is k, in item order, from (*off)[k] to (*off)[k + 1] (items
 * whose key is SG_NONE are left out).  0 or -ENOMEM.
 */
static int index_by_key(const uint32_t *key, uint32_t nitems, uint32_t nkeys,
			uint32_t **off, uint32_t **list)
{
	uint32_t *o = calloc((size_t)nkeys + 2, sizeof(*o)), i;
	uint32_t *l = malloc(((size_t)nitems + 1) * sizeof(*l));

	*off = o;
	*list = l;
	if (!o || !l)
		return -ENOMEM;
	/* Counted into o[k + 2], summed, then filled: o[k + 1] advances
	 * to the end of k's items, which is where k + 1's start. */
	for (i = 0; i < nitems; i++)
		if (key[i] != SG_NONE)
			o[key[i] + 2]++;
	for (i = 0; i < nkeys; i++)
		o[i + 2] += o[i + 1];
	for (i = 0; i < nitems; i++)
		if (key[i] != SG_NONE)
			l[o[key[i] + 1]++] = i;
	return 0;
}

static int index_rules(struct dside *s)
{
	const sgreach_model *m = s->c.m;
	uint32_t *peer, i;
	int rc;

	s->rkey = calloc(m->rules.n ? m->rules.n : 1, sizeof(*s->rkey));
	peer = calloc(m->rules.n + 1, sizeof(*peer));
	if (!s->rkey || !peer) {
		free(peer);
		return -ENOMEM;
	}
	/* The rules naming each group. */
	for (i = 0; i < m->rules.n; i++) {
		const struct sg_rule *r = &m->rules.v[i];

		peer[i] = SG_NONE;
		if (!r->dropped && r->peer_kind == SGREACH_PEER_GROUP)
			peer[i] = r->peer;
	}
	rc =
	    index_by_key(peer, m->rules.n, m->groups.n, &s->gref_off, &s->gref);
	free(peer);
	if (rc)
		return rc;
	for (i = 0; i < m->rules.n; i++) {
		if (m->rules.v[i].dropped)
			continue;
		if (!(s->rkey[i] = rule_key(m, &m->rules.v[i])) ||
		    hmap_put(&s->rules, s->rkey[i], strlen(s->rkey[i]), i))
			return -ENOMEM;
	}
	return 0;
}

static int group_set_equal(const sgreach_model *a, const struct sg_endpoint *x,
			   const sgreach_model *b, const struct sg_endpoint *y)
{
	uint32_t i, j;

	if (x->groups.n != y->groups.n)
		return 0;
	for (i = 0; i < x->groups.n; i++) {
		for (j = 0; j < y->groups.n; j++)
			if (!strcmp(a->groups.v[x->groups.v[i]].id,
				    b->groups.v[y->groups.v[j]].id))
				break;
		if (j == y->groups.n)
			return 0;
	}
	return 1;
}

static int find_changes(struct diff *d)
{
	const sgreach_model *om = d->s[0].c.m, *nm = d->s[1].c.m;
	uint32_t i, j, val;
	struct change ch;

	for (i = 0; i < om->rules.n; i++) {
		const char *k = d->s[0].rkey[i];

		if (!k || hmap_get(&d->s[1].rules, k, strlen(k), &val))
			continue;
		memset(&ch, 0, sizeof(ch));
		ch.kind = CH_REMOVED;
		ch.rule[0] = i;
		ch.rule[1] = SG_NONE;
		/* The same SecurityGroupRuleId on a new rule: modified. */
		for (j = 0; om->rules.v[i].rule_id && j < nm->rules.n; j++) {
			const char *nk = d->s[1].rkey[j];

			if (nk && nm->rules.v[j].rule_id &&
			    !strcmp(nm->rules.v[j].rule_id,
				    om->rules.v[i].rule_id) &&
			    !hmap_get(&d->s[0].rules, nk, strlen(nk), &val)) {
				ch.kind = CH_MODIFIED;
				ch.rule[1] = j;
				break;
			}
		}
		if (vec_push(&d->changes, ch))
			return -ENOMEM;
	}
	for (j = 0; j < nm->rules.n; j++) {
		const char *k = d->s[1].rkey[j];
		int paired = 0;

		if (!k || hmap_get(&d->s[0].rules, k, strlen(k), &val))
			continue;
		for (i = 0; i < d->changes.n; i++)
			if (d->changes.v[i].kind == CH_MODIFIED &&
			    d->changes.v[i].rule[1] == j)
				paired = 1;
		if (paired)
			continue;
		memset(&ch, 0, sizeof(ch));
		ch.kind = CH_ADDED;
		ch.rule[0] = SG_NONE;
		ch.rule[1] = j;
		if (vec_push(&d->changes, ch))
			return -ENOMEM;
	}
	/* Group attachments, by endpoint id. */
	for (i = 0; i < nm->endpoints.n; i++) {
		const struct sg_endpoint *ne = &nm->endpoints.v[i];
		uint32_t o = model_find_endpoint(om, ne->id);

		if (o != SG_NONE &&
		    group_set_equal(om, &om->endpoints.v[o], nm, ne))
			continue;
		if (o == SG_NONE && !ne->groups.n)
			continue;
		memset(&ch, 0, sizeof(ch));
		ch.kind = CH_GROUPS;
		ch.endpoint = ne->id;
		ch.ep[0] = o;
		ch.ep[1] = i;
		ch.rule[0] = ch.rule[1] = SG_NONE;
		if (vec_push(&d->changes, ch))
			return -ENOMEM;
	}
	for (i = 0; i < om->endpoints.n; i++) {
		const struct sg_endpoint *oe = &om->endpoints.v[i];

		if (model_find_endpoint(nm, oe->id) != SG_NONE || !oe->groups.n)
			continue;
		memset(&ch, 0, sizeof(ch));
		ch.kind = CH_GROUPS;
		ch.endpoint = oe->id;
		ch.ep[0] = i;
		ch.ep[1] = SG_NONE;
		ch.rule[0] = ch.rule[1] = SG_NONE;
		if (vec_push(&d->changes, ch))
			return -ENOMEM;
	}
	return 0;
}

/* The changes by group and by endpoint, per side (struct diff). */
static int index_changes(struct diff *d)
{
	uint32_t k;
	int side;

	for (side = 0; side < 2; side++) {
		const sgreach_model *m = d->s[side].c.m;
		uint32_t *group, *ech;
		int rc;

		group = calloc(d->changes.n + 1, sizeof(*group));
		ech = d->ech[side] =
		    malloc((m->endpoints.n + 1) * sizeof(*ech));
		if (!group || !ech) {
			free(group);
			return -ENOMEM;
		}
		for (k = 0; k < m->endpoints.n; k++)
			ech[k] = SG_NONE;
		for (k = 0; k < d->changes.n; k++) {
			const struct change *ch = &d->changes.v[k];

			group[k] = SG_NONE;
			if (ch->kind == CH_GROUPS) {
				if (ch->ep[side] != SG_NONE)
					ech[ch->ep[side]] = k;
			} else if (ch->rule[side] != SG_NONE) {
				group[k] = m->rules.v[ch->rule[side]].group;
			}
		}
		rc = index_by_key(group, d->changes.n, m->groups.n,
				  &d->gch_off[side], &d->gch[side]);
		free(group);
		if (rc)
			return rc;
	}
	return 0;
}

/* Adds to d->cand the changes that may concern node n of one side: the
 * rule changes of the groups its endpoints carry, and their attachment
 * changes. */
static int node_candidates(struct diff *d, int side, uint32_t n)
{
	const sgreach_model *m = d->s[side].c.m;
	const uint32_t e0 = d->s[side].c.nodes.v[n].idx;
	const struct sg_endpoint *ne = &m->endpoints.v[e0];
	uint32_t k, j, i;

	for (k = 0; k <= ne->members.n; k++) {
		const uint32_t e = k ? ne->members.v[k - 1] : e0;
		const struct sg_endpoint *ep = &m->endpoints.v[e];

		if (k && ne->kind != SGREACH_ENDPOINT_SERVICE)
			break;
		if (d->ech[side][e] != SG_NONE &&
		    vec_push(&d->cand, d->ech[side][e]))
			return -ENOMEM;
		for (j = 0; j < ep->groups.n; j++) {
			const uint32_t g = ep->groups.v[j];

			for (i = d->gch_off[side][g];
			     i < d->gch_off[side][g + 1]; i++)
				if (vec_push(&d->cand, d->gch[side][i]))
					return -ENOMEM;
		}
	}
	return 0;
}

/* d->cand: the changes, in order and once each, that may be behind a
 * change of flows from src to dst (NULL: the internet) on the side gain
 * picks (change_relevant() returns 0 for every other). */
static int candidates(struct diff *d, const struct name *src,
		      const struct name *dst, int gain)
{
	const int side = gain ? 1 : 0;
	uint32_t k, w;
	int rc;

	d->cand.n = 0;
	if (src && src->node[side] != SG_NONE &&
	    (rc = node_candidates(d, side, src->node[side])))
		return rc;
	if (dst && dst->node[side] != SG_NONE &&
	    (rc = node_candidates(d, side, dst->node[side])))
		return rc;
	if (d->cand.n > 1)
		qsort(d->cand.v, d->cand.n, sizeof(*d->cand.v), an_u32_cmp);
	for (k = 0, w = 0; k < d->cand.n; k++)
		if (!w || d->cand.v[w - 1] != d->cand.v[k])
			d->cand.v[w++] = d->cand.v[k];
	d->cand.n = w;
	return 0;
}

/* Is endpoint e (of side s) node n or one of its service's tasks? */
static int node_has_endpoint(const struct dside *s, uint32_t n, uint32_t e)
{
	const sgreach_model *m = s->c.m;
	const struct an_node *node = &s->c.nodes.v[n];
	const struct sg_endpoint *ne = &m->endpoints.v[node->idx];
	uint32_t k;

	if (node->idx == e)
		return 1;
	for (k = 0; ne->kind == SGREACH_ENDPOINT_SERVICE && k < ne->members.n;
	     k++)
		if (ne->members.v[k] == e)
			return 1;
	return 0;
}

/* Does node n (of side s) carry group g: its endpoint, or one of its
 * service's tasks?  (Asked of the node's few endpoints, not of the
 * group's members: a group like "base" has thousands.) */
static int node_carries(const struct dside *s, uint32_t n, uint32_t g)
{
	const sgreach_model *m = s->c.m;
	const uint32_t e = s->c.nodes.v[n].idx;
	const struct sg_endpoint *ne = &m->endpoints.v[e];
	uint32_t k;

	if (eval_endpoint_has_group(m, e, g))
		return 1;
	for (k = 0; ne->kind == SGREACH_ENDPOINT_SERVICE && k < ne->members.n;
	     k++)
		if (eval_endpoint_has_group(m, ne->members.v[k], g))
			return 1;
	return 0;
}

/* Does rule ri match some member of node peer (SG_NONE: the internet)? */
static int rule_reaches(struct dside *s, uint32_t ri, uint32_t self,
			uint32_t peer)
{
	const struct sg_rule *r = &s->c.m->rules.v[ri];
	const struct an_node *sn = &s->c.nodes.v[self], *pn;
	uint32_t a, b;

	if (peer == SG_NONE) /* group references never match the internet */
		return r->peer_kind != SGREACH_PEER_GROUP;
	pn = &s->c.nodes.v[peer];
	for (a = 0; a < sn->ncls; a++) {
		const struct member *me = &s->c.mcls.v[sn->cls[a]].rep;

		if (me->ep == SG_NONE)
			continue;
		for (b = 0; b < pn->ncls; b++) {
			int unk = 0;

			if (an_rule_how(&s->c, me->ep, ri,
					&s->c.mcls.v[pn->cls[b]].rep,
					&unk) != AN_MATCH_NO ||
			    unk)
				return 1;
		}
	}
	return 0;
}

static int side_already(struct diff *d, int other, int dir,
			const struct name *self, const struct name *peer,
			const struct connset *want);

/*
 * Can rule ri of side `side` be behind a change of flows from the node
 * named self to the node named peer (NULL: the internet)?  It must allow
 * some of them, match the peer, and the other model's side must not have
 * allowed them already.  1, 0 or -ENOMEM.
 */
static int rule_cause(struct diff *d, int side, uint32_t ri,
		      const struct name *self, const struct name *peer,
		      const struct connset *flows)
{
	struct dside *s = &d->s[side];
	const struct connset *rs = an_rule_conn(&s->c, ri);
	uint32_t sn = self->node[side], pn = peer ? peer->node[side] : SG_NONE;
	struct connset t;
	int rc = 0;

	if (!rs)
		return -ENOMEM;
	if (sn == SG_NONE || (peer && pn == SG_NONE))
		return 0;
	if (!connset_overlaps(rs, flows))
		return 0;
	connset_init(&t);
	if (connset_copy(&t, rs) || connset_intersect(&t, flows))
		rc = -ENOMEM;
	else if (!connset_is_empty(&t) && rule_reaches(s, ri, sn, pn)) {
		rc = side_already(d, !side, s->c.m->rules.v[ri].dir, self, peer,
				  &t);
		rc = rc < 0 ? rc : !rc;
	}
	connset_free(&t);
	return rc;
}

/* A task's interface that exists on one side only (tasks come and go): did
 * its service carry the group on the other side, on some task or itself?
 * Then the group is no change for it. */
static int service_had_group(const sgreach_model *m, uint32_t e,
			     const sgreach_model *o, const char *gid)
{
	const struct sg_endpoint *ep = &m->endpoints.v[e], *svc;
	uint32_t s, k, j;

	if (ep->service == SG_NONE)
		return 0;
	s = model_find_endpoint(o, m->endpoints.v[ep->service].id);
	if (s == SG_NONE || o->endpoints.v[s].kind != SGREACH_ENDPOINT_SERVICE)
		return 0;
	svc = &o->endpoints.v[s];
	for (k = 0; k <= svc->members.n; k++) {
		const struct sg_endpoint *x =
		    k < svc->members.n ? &o->endpoints.v[svc->members.v[k]]
				       : svc;

		for (j = 0; j < x->groups.n; j++)
			if (!strcmp(o->groups.v[x->groups.v[j]].id, gid))
				return 1;
	}
	return 0;
}

/* Is group g carried by the endpoint on this side and not on the other? */
static int group_only_here(struct diff *d, const struct change *ch, int side,
			   uint32_t g)
{
	const sgreach_model *m = d->s[side].c.m, *o = d->s[!side].c.m;
	const struct sg_endpoint *oe;
	uint32_t k;

	if (ch->ep[!side] == SG_NONE)
		return !service_had_group(m, ch->ep[side], o,
					  m->groups.v[g].id);
	oe = &o->endpoints.v[ch->ep[!side]];
	for (k = 0; k < oe->groups.n; k++)
		if (!strcmp(o->groups.v[oe->groups.v[k]].id, m->groups.v[g].id))
			return 0;
	return 1;
}

/*
 * An attachment change matters to a pair when a group attached on one side
 * only has a rule for these flows in the direction the endpoint uses (its
 * egress as a source, its ingress as a destination), or when the other
 * end of the pair names such a group in a rule (membership).
 */
static int groups_change_relevant(struct diff *d, const struct change *ch,
				  int side, const struct name *src,
				  const struct name *dst, int in_src,
				  int in_dst, const struct connset *flows)
{
	struct dside *s = &d->s[side];
	const sgreach_model *m = s->c.m;
	const struct sg_endpoint *e = &m->endpoints.v[ch->ep[side]];
	uint32_t k, q, g, i;
	int r;

	for (k = 0; k < e->groups.n; k++) {
		const struct sg_group *grp;

		g = e->groups.v[k];
		if (!group_only_here(d, ch, side, g))
			continue;
		grp = &m->groups.v[g];
		if (!grp->complete)
			return 1; /* unknown rules: it may matter */
		for (q = 0; in_src && q < grp->nrules[SGREACH_EGRESS]; q++)
			if ((r = rule_cause(d, side,
					    grp->rules[SGREACH_EGRESS][q], src,
					    dst, flows)))
				return r;
		for (q = 0; in_dst && q < grp->nrules[SGREACH_INGRESS]; q++)
			if ((r = rule_cause(d, side,
					    grp->rules[SGREACH_INGRESS][q], dst,
					    src, flows)))
				return r;
		/* Membership: the other end's rules naming the group. */
		for (i = s->gref_off[g]; i < s->gref_off[g + 1]; i++) {
			const struct sg_rule *x = &m->rules.v[s->gref[i]];

			q = s->gref[i];
			if (in_src && dst && x->dir == SGREACH_INGRESS &&
			    dst->node[side] != SG_NONE)
				r = node_carries(s, dst->node[side], x->group)
					? rule_cause(d, side, q, dst, src,
						     flows)
					: 0;
			else if (in_dst && src && x->dir == SGREACH_EGRESS &&
				 src->node[side] != SG_NONE)
				r = node_carries(s, src->node[side], x->group)
					? rule_cause(d, side, q, src, dst,
						     flows)
					: 0;
			else
				continue;
			if (r)
				return r;
		}
	}
	return 0;
}

/*
 * Did the other model's side (dir, from node self to node peer, both by
 * name) already allow every flow of want for every member pair?  Then a
 * rule change on this side cannot be what changed the pair.
 */
static int side_already(struct diff *d, int other, int dir,
			const struct name *self, const struct name *peer,
			const struct connset *want)
{
	struct dside *s = &d->s[other];
	const struct an_node *sn, *pn;
	struct vsets vs;
	uint32_t a, b;
	int all = 1, rc;

	if (!peer || self->node[other] == SG_NONE ||
	    peer->node[other] == SG_NONE)
		return 0;
	sn = &s->c.nodes.v[self->node[other]];
	pn = &s->c.nodes.v[peer->node[other]];
	vsets_init(&vs);
	for (a = 0; a < sn->ncls && all; a++) {
		const struct member *me = &s->c.mcls.v[sn->cls[a]].rep;

		if (me->ep == SG_NONE) {
			all = 0;
			break;
		}
		for (b = 0; b < pn->ncls && all; b++) {
			rc = an_side(&s->c, me->ep, dir,
				     &s->c.mcls.v[pn->cls[b]].rep, &vs);
			if (rc) {
				vsets_free(&vs);
				return rc;
			}
			all = connset_is_subset(want, &vs.s[VS_A]);
		}
	}
	vsets_free(&vs);
	return all;
}

/*
 * Security groups only allow, so a flow is gained through what the new
 * model has and the old lacks (a rule added, a group attached), and lost
 * through the reverse: gain picks the side (1 new, 0 old) to look at.
 */
static int change_relevant(struct diff *d, const struct change *ch,
			   const struct name *src, const struct name *dst,
			   const struct connset *flows, int gain)
{
	int side = gain ? 1 : 0;
	struct dside *s = &d->s[side];
	uint32_t ri = ch->rule[side], self;
	const struct name *self_name, *peer_name;
	const struct sg_rule *r;

	if (ch->kind == CH_GROUPS) {
		int in_src, in_dst;

		if (ch->ep[side] == SG_NONE)
			return 0;
		in_src = src && src->node[side] != SG_NONE &&
			 node_has_endpoint(s, src->node[side], ch->ep[side]);
		in_dst = dst && dst->node[side] != SG_NONE &&
			 node_has_endpoint(s, dst->node[side], ch->ep[side]);
		if (!in_src && !in_dst)
			return 0;
		return groups_change_relevant(d, ch, side, src, dst, in_src,
					      in_dst, flows);
	}
	if (ri == SG_NONE)
		return 0;
	r = &s->c.m->rules.v[ri];
	if (r->dir == SGREACH_EGRESS) {
		if (!src)
			return 0; /* the internet has no egress */
		self_name = src;
		peer_name = dst;
	} else {
		if (!dst)
			return 0; /* nor ingress */
		self_name = dst;
		peer_name = src;
	}
	self = self_name->node[side];
	if (self == SG_NONE || !node_carries(s, self, r->group))
		return 0;
	return rule_cause(d, side, ri, self_name, peer_name, flows);
}

/* -------------------------------------------------------- rendering -- */

/* A flow set as the other analyses print it: "all" for every flow of the
 * family, "other" for every protocol without ports or types. */
static void put_set(struct diff *d, struct strbuf *sb, const struct connset *s,
		    int json)
{
	if (json)
		an_set_json(&d->s[0].c, sb, s);
	else
		an_set_text(&d->s[0].c, sb, s, ", ");
}

static void put_groups(struct strbuf *sb, const sgreach_model *m,
		       const struct sg_endpoint *e, const sgreach_model *other,
		       const struct sg_endpoint *oe, int json, int *n)
{
	uint32_t i, j;

	for (i = 0; e && i < e->groups.n; i++) {
		const char *g = m->groups.v[e->groups.v[i]].id;

		for (j = 0; oe && j < oe->groups.n; j++)
			if (!strcmp(g, other->groups.v[oe->groups.v[j]].id))
				break;
		if (oe && j < oe->groups.n)
			continue;
		if ((*n)++)
			sb_puts(sb, json ? "," : " ");
		if (json)
			sb_json_str(sb, g);
		else
			sb_text(sb, g);
	}
}

static void render_change(struct diff *d, struct strbuf *sb,
			  const struct change *ch, int first)
{
	static const char *const kinds[] = {"rule added", "rule removed",
					    "rule modified", "groups changed"};
	int json = d->fmt == SGREACH_FORMAT_JSON, n;

	if (json) {
		if (!first)
			sb_putc(sb, ',');
		sb_printf(sb, "{\"change\":\"%s\"", kinds[ch->kind]);
	} else {
		sb_printf(sb, "  %s: ", kinds[ch->kind]);
	}
	if (ch->kind == CH_GROUPS) {
		const sgreach_model *om = d->s[0].c.m, *nm = d->s[1].c.m;
		const struct sg_endpoint *oe =
		    ch->ep[0] == SG_NONE ? NULL : &om->endpoints.v[ch->ep[0]];
		const struct sg_endpoint *ne =
		    ch->ep[1] == SG_NONE ? NULL : &nm->endpoints.v[ch->ep[1]];

		if (json) {
			sb_puts(sb, ",\"endpoint\":");
			sb_json_str(sb, ch->endpoint);
			sb_puts(sb, ",\"groups_added\":[");
		} else {
			sb_text(sb, ch->endpoint);
			sb_puts(sb, " +[");
		}
		n = 0;
		put_groups(sb, nm, ne, om, oe, json, &n);
		sb_puts(sb, json ? "],\"groups_removed\":[" : "] -[");
		n = 0;
		put_groups(sb, om, oe, nm, ne, json, &n);
		sb_puts(sb, json ? "]}" : "]\n");
		return;
	}
	if (json) {
		if (ch->rule[1] != SG_NONE) {
			sb_puts(sb, ",\"rule\":");
			an_rule_json(&d->s[1].c, sb, ch->rule[1]);
		}
		if (ch->rule[0] != SG_NONE) {
			sb_puts(sb, ch->kind == CH_REMOVED ? ",\"rule\":"
							   : ",\"old_rule\":");
			an_rule_json(&d->s[0].c, sb, ch->rule[0]);
		}
		sb_putc(sb, '}');
		return;
	}
	if (ch->rule[0] != SG_NONE)
		an_rule_text(&d->s[0].c, sb, ch->rule[0]);
	if (ch->kind == CH_MODIFIED)
		sb_puts(sb, " => ");
	if (ch->rule[1] != SG_NONE)
		an_rule_text(&d->s[1].c, sb, ch->rule[1]);
	sb_putc(sb, '\n');
}

static int render_entry(struct diff *d, struct strbuf *sb,
			const struct name *src, const struct name *dst,
			const struct connset *flows, int gain, uint32_t count)
{
	const char *what = gain ? "gained" : "lost";
	int json = d->fmt == SGREACH_FORMAT_JSON, rc;
	uint32_t k, shown = 0;

	if (json) {
		if (count)
			sb_putc(sb, ',');
		sb_puts(sb, "{\"src\":");
		sb_json_str(sb, src ? src->text : INTERNET);
		sb_puts(sb, ",\"dst\":");
		sb_json_str(sb, dst ? dst->text : INTERNET);
		sb_puts(sb, ",\"flows\":");
		put_set(d, sb, flows, 1);
		sb_puts(sb, ",\"changes\":[");
	} else {
		sb_printf(sb, "%s ", what);
		sb_text(sb, src ? src->text : INTERNET);
		sb_puts(sb, " -> ");
		sb_text(sb, dst ? dst->text : INTERNET);
		sb_puts(sb, ": ");
		put_set(d, sb, flows, 0);
		sb_putc(sb, '\n');
	}
	if ((rc = candidates(d, src, dst, gain)))
		return rc;
	for (k = 0; k < d->cand.n; k++) {
		const struct change *ch = &d->changes.v[d->cand.v[k]];

		rc = change_relevant(d, ch, src, dst, flows, gain);
		if (rc < 0)
			return rc;
		if (rc)
			render_change(d, sb, ch, !shown++);
	}
	if (json)
		sb_puts(sb, "]}");
	else if (!shown)
		sb_puts(sb, "  (no rule or attachment change of these "
			    "endpoints: membership or addresses changed)\n");
	return 0;
}

/* The flows of pair (src, dst) on both sides into o and n, and what was
 * gained (gain set) or lost rendered into sb: the slow path, for the pairs
 * that differ. */
static int compare_pair(struct diff *d, const struct name *src,
			const struct name *dst, struct connset *o,
			struct connset *n, struct connset *t, struct strbuf *sb,
			int gain)
{
	int side, rc = 0;

	for (side = 0; side < 2 && !rc; side++)
		rc = src && dst ? pair_flows(&d->s[side], src->node[side],
					     dst->node[side], side ? n : o)
		     : src	? inet_flows(&d->s[side], src->node[side],
					     SGREACH_EGRESS, side ? n : o)
				: inet_flows(&d->s[side], dst->node[side],
					     SGREACH_INGRESS, side ? n : o);
	if (rc || (rc = connset_copy(t, gain ? n : o)) ||
	    (rc = connset_subtract(t, gain ? o : n)) || connset_is_empty(t))
		return rc;
	return render_entry(d, sb, src, dst, t, gain,
			    gain ? d->ngained++ : d->nlost++);
}

/* -------------------------------------------------------- screening -- */

/*
 * Which names can answer differently at all.  A pair's answer is a
 * function of its two nodes: their members' addresses, VPCs and groups,
 * those groups' rules (and completeness), the prefix lists the rules
 * name, and the VPC peerings (sgreach_query() reads nothing else; the
 * analyses agree with it, test_analysis.c).  So when the peerings are the
 * same on both sides, a pair of names whose nodes are both the same on
 * both sides answers the same, and only the pairs with a changed name
 * need comparing: a diff of a large estate against itself, or against a
 * change of a few rules, then asks a few pairs instead of every pair.
 */
struct screen {
	int8_t *group; /* per new group: -1 not known yet, 0 differs, 1 same */
	int8_t *plist; /* per new prefix list: likewise */
};

static int str_same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static int prefix_same(const struct sg_prefix *a, const struct sg_prefix *b)
{
	return a->len == b->len && a->fam == b->fam && !addr_cmp(&a->a, &b->a);
}

static int plist_same(struct diff *d, struct screen *sc, uint32_t np)
{
	const sgreach_model *om = d->s[0].c.m, *nm = d->s[1].c.m;
	const struct sg_plist *n = &nm->plists.v[np], *o;
	uint32_t op, k;

	if (sc->plist[np] >= 0)
		return sc->plist[np];
	sc->plist[np] = 0;
	op = model_find_plist(om, n->id);
	if (op == SG_NONE)
		return 0;
	o = &om->plists.v[op];
	if (o->loaded != n->loaded || o->entries.n != n->entries.n)
		return 0;
	for (k = 0; k < n->entries.n; k++)
		if (!prefix_same(&o->entries.v[k], &n->entries.v[k]))
			return 0;
	sc->plist[np] = 1;
	return 1;
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The keys (rule_key()) of a group's live rules of one direction, sorted,
 * into keys (room for g->nrules[dir]). */
static void group_keys(const struct dside *s, const struct sg_group *g, int dir,
		       const char **keys)
{
	uint32_t k;

	for (k = 0; k < g->nrules[dir]; k++)
		keys[k] = s->rkey[g->rules[dir][k]];
	if (g->nrules[dir])
		qsort(keys, g->nrules[dir], sizeof(*keys), key_cmp);
}

/* Does new group ng have the same rules on both sides, with the same
 * prefix lists behind them?  1, 0 or -ENOMEM. */
static int group_same(struct diff *d, struct screen *sc, uint32_t ng)
{
	const sgreach_model *om = d->s[0].c.m, *nm = d->s[1].c.m;
	const struct sg_group *n = &nm->groups.v[ng], *o;
	const char **keys[2] = {NULL, NULL};
	uint32_t og, k;
	int dir, same = 1;

	if (sc->group[ng] >= 0)
		return sc->group[ng];
	og = model_find_group(om, n->id);
	if (og == SG_NONE) {
		sc->group[ng] = 0;
		return 0;
	}
	o = &om->groups.v[og];
	if (o->complete != n->complete || o->nrules[0] != n->nrules[0] ||
	    o->nrules[1] != n->nrules[1])
		same = 0;
	for (dir = 0; dir < 2 && same; dir++) {
		keys[0] = malloc((n->nrules[dir] + 1) * sizeof(*keys[0]));
		keys[1] = malloc((n->nrules[dir] + 1) * sizeof(*keys[1]));
		if (!keys[0] || !keys[1]) {
			free(keys[0]);
			free(keys[1]);
			return -ENOMEM;
		}
		group_keys(&d->s[0], o, dir, keys[0]);
		group_keys(&d->s[1], n, dir, keys[1]);
		for (k = 0; k < n->nrules[dir] && same; k++)
			same = !strcmp(keys[0][k], keys[1][k]);
		free(keys[0]);
		free(keys[1]);
		/* The same prefix list ids: the same lists? */
		for (k = 0; k < n->nrules[dir] && same; k++) {
			const struct sg_rule *r =
			    &nm->rules.v[n->rules[dir][k]];

			if (r->peer_kind == SGREACH_PEER_PREFIX_LIST)
				same = plist_same(d, sc, r->peer);
		}
	}
	sc->group[ng] = (int8_t)same;
	return same;
}

/* Is endpoint ne of the new side the same as endpoint oe of the old, in
 * everything an answer reads?  1, 0 or -ENOMEM. */
static int endpoint_same(struct diff *d, struct screen *sc, uint32_t oe,
			 uint32_t ne)
{
	const sgreach_model *om = d->s[0].c.m, *nm = d->s[1].c.m;
	const struct sg_endpoint *o = &om->endpoints.v[oe],
				 *n = &nm->endpoints.v[ne];
	uint32_t k, j;
	int rc;

	if (o->kind != n->kind || o->assign_public != n->assign_public ||
	    !str_same(o->vpc, n->vpc) || !str_same(o->id, n->id) ||
	    o->addrs.n != n->addrs.n || o->groups.n != n->groups.n ||
	    o->subnet_ids.n != n->subnet_ids.n ||
	    o->missing_groups != n->missing_groups ||
	    o->members.n != n->members.n)
		return 0;
	for (k = 0; k < n->addrs.n; k++)
		if (o->addrs.v[k].is_public != n->addrs.v[k].is_public ||
		    !prefix_same(&o->addrs.v[k].p, &n->addrs.v[k].p))
			return 0;
	for (k = 0; k < n->subnet_ids.n; k++)
		if (!str_same(o->subnet_ids.v[k], n->subnet_ids.v[k]))
			return 0;
	/* The same groups (an endpoint lists a group once), each the same. */
	for (k = 0; k < n->groups.n; k++) {
		const char *id = nm->groups.v[n->groups.v[k]].id;

		for (j = 0; j < o->groups.n; j++)
			if (!strcmp(om->groups.v[o->groups.v[j]].id, id))
				break;
		if (j == o->groups.n)
			return 0;
		if ((rc = group_same(d, sc, n->groups.v[k])) <= 0)
			return rc;
	}
	/* A service: the same tasks' interfaces, each the same. */
	for (k = 0; k < n->members.n; k++)
		if ((rc = endpoint_same(d, sc, o->members.v[k],
					n->members.v[k])) <= 0)
			return rc;
	return 1;
}

static int peering_cmp(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;
	int c = strcmp(x[0], y[0]);

	return c ? c : strcmp(x[1], y[1]);
}

/* The active peerings of m as sorted pairs of VPC ids, each pair sorted
 * and listed once, into *out (2 x *n strings). */
static int peerings(const sgreach_model *m, const char ***out, uint32_t *n)
{
	const char **p = malloc((2 * (size_t)m->peerings.n + 1) * sizeof(*p));
	uint32_t i, k = 0, w = 0;

	if (!p)
		return -ENOMEM;
	for (i = 0; i < m->peerings.n; i++) {
		const struct sg_peering *x = &m->peerings.v[i];
		const char *a = x->vpc_a ? x->vpc_a : "",
			   *b = x->vpc_b ? x->vpc_b : "";

		if (!x->active)
			continue;
		p[2 * k] = strcmp(a, b) <= 0 ? a : b;
		p[2 * k + 1] = strcmp(a, b) <= 0 ? b : a;
		k++;
	}
	if (k)
		qsort(p, k, 2 * sizeof(*p), peering_cmp);
	for (i = 0; i < k; i++)
		if (!w || peering_cmp(p + 2 * (w - 1), p + 2 * i)) {
			p[2 * w] = p[2 * i];
			p[2 * w + 1] = p[2 * i + 1];
			w++;
		}
	*out = p;
	*n = w;
	return 0;
}

static int peerings_same(const sgreach_model *om, const sgreach_model *nm)
{
	const char **p[2] = {NULL, NULL};
	uint32_t n[2] = {0, 0}, i;
	int rc;

	if ((rc = peerings(om, &p[0], &n[0])) ||
	    (rc = peerings(nm, &p[1], &n[1]))) {
		free(p[0]);
		return rc;
	}
	rc = n[0] == n[1];
	for (i = 0; i < n[0] && rc; i++)
		rc = !peering_cmp(p[0] + 2 * i, p[1] + 2 * i);
	free(p[0]);
	free(p[1]);
	return rc;
}

/*
 * dirty[i] = 1 for every name whose pairs may answer differently on the
 * two sides: it is missing from one, or its node is not the same on both
 * (endpoint_same()); every name when the peerings differ.  *ndirty is
 * their count.  0 or -ENOMEM.
 */
static int screen_names(struct diff *d, uint8_t *dirty, uint32_t *ndirty)
{
	const sgreach_model *nm = d->s[1].c.m;
	struct screen sc;
	uint32_t i;
	int rc, all;

	*ndirty = 0;
	if ((rc = peerings_same(d->s[0].c.m, nm)) < 0)
		return rc;
	all = !rc;
	sc.group = malloc(nm->groups.n + 1);
	sc.plist = malloc(nm->plists.n + 1);
	if (!sc.group || !sc.plist) {
		free(sc.group);
		free(sc.plist);
		return -ENOMEM;
	}
	memset(sc.group, -1, nm->groups.n + 1);
	memset(sc.plist, -1, nm->plists.n + 1);
	for (i = 0, rc = 0; i < d->names.n && rc >= 0; i++) {
		const struct name *x = &d->names.v[i];

		rc = all || x->node[0] == SG_NONE || x->node[1] == SG_NONE
			 ? 0
			 : endpoint_same(d, &sc,
					 d->s[0].c.nodes.v[x->node[0]].idx,
					 d->s[1].c.nodes.v[x->node[1]].idx);
		dirty[i] = rc == 0;
		*ndirty += dirty[i];
	}
	free(sc.group);
	free(sc.plist);
	return rc < 0 ? rc : 0;
}

static int at_cmp(const void *a, const void *b)
{
	const struct diff_at *x = a, *y = b;

	if (x->dst != y->dst)
		return x->dst < y->dst ? -1 : 1;
	return x->src < y->src ? -1 : x->src > y->src;
}

/* The id of the flows node a opens to node b on one side (res_fid()):
 * from row, a's row of the all-pairs engine, or pair by pair. */
static int node_fid(struct diff *d, int side, uint32_t a, uint32_t b,
		    const uint32_t *row, uint32_t *fid)
{
	struct dside *s = &d->s[side];
	uint32_t id;
	int rc;

	if (row)
		id = row[s->c.nodes.v[b].nclass];
	else if ((rc = an_node_pair_id(&s->c, a, b, &id)))
		return rc;
	return res_fid(d, s, id, fid);
}

/*
 * A pair asked one by one (an_node_pair_id()) costs about as much as
 * PAIR_COST cells of the all-pairs engine's rows, tables included: 29 on
 * bench/'s medium estate, 123 on large (2.5 and 7.6 us a pair, 87 and
 * 62 ns a cell).  Fewer pairs than the rows' cells / PAIR_COST are asked
 * one by one, without the engine's tables (3 GB on xl).
 */
#define PAIR_COST 100

/*
 * Every pair of names with a changed name (screen_names()), the internet
 * included, and every pair under DIFF_FULL: which pairs' flows differ is
 * found by source, either a row of pair answers at a time from the
 * all-pairs engine (allpairs.h) or pair by pair when the changed names are
 * few, comparing the flows of each answer, worked out once per answer.
 * Pair by pair over every pair, a large estate's diff took ten minutes.
 * The pairs that differ go to d->at, by destination, then source.
 */
static int compare(struct diff *d, int mode)
{
	const uint32_t nn = (uint32_t)d->names.n;
	uint32_t *row[2] = {NULL, NULL}, cur[2] = {SG_NONE, SG_NONE};
	uint32_t *dlist = NULL, ndirty = 0;
	uint8_t *dirty = NULL;
	struct connset t, empty;
	uint32_t i, j, k, empty_fid = SG_NONE;
	uint64_t asked;
	int rc = 0, side, rows;

	connset_init(&t);
	connset_init(&empty);
	dirty = malloc(nn + 1);
	dlist = malloc((nn + 1) * sizeof(*dlist));
	if (!dirty || !dlist)
		rc = -ENOMEM;
	else if (mode == DIFF_FULL) {
		memset(dirty, 1, nn + 1);
		ndirty = nn;
	} else
		rc = screen_names(d, dirty, &ndirty);
	for (i = 0, k = 0; i < nn && !rc; i++)
		if (dirty[i])
			dlist[k++] = i;
	/* The pairs to ask: a changed name's row, and every other row's
	 * cells of changed names. */
	asked = (uint64_t)ndirty * (nn + 1) + (uint64_t)(nn - ndirty) * ndirty;
	rows = ndirty && (mode == DIFF_FULL || mode == DIFF_SCREEN_ROWS ||
			  (mode == DIFF_AUTO &&
			   asked * PAIR_COST > (uint64_t)(nn + 1) * (nn + 1)));
	if (!rc)
		rc = intern_flows(d, &empty, &empty_fid);
	for (side = 0; side < 2 && rows && !rc; side++) {
		struct dside *s = &d->s[side];

		if ((rc = ap_init(&s->ap, &s->c, NULL)))
			break;
		row[side] = malloc((s->ap.nnc + 1) * sizeof(*row[side]));
		if (!row[side])
			rc = -ENOMEM;
	}
	for (i = 0; i <= nn && ndirty && !rc; i++) {
		const struct name *src = i < nn ? &d->names.v[i] : NULL;
		/* A changed name's row whole, the others at changed names. */
		const int whole = src && dirty[i];

		for (side = 0; side < 2 && src && rows && !rc; side++) {
			uint32_t a = src->node[side], y;

			if (a == SG_NONE)
				continue;
			y = d->s[side].c.nodes.v[a].nclass;
			if (y != cur[side] &&
			    !(rc = ap_row(&d->s[side].ap, y, row[side])))
				cur[side] = y;
		}
		for (k = 0; k < (whole ? nn + 1 : ndirty) && !rc; k++) {
			const struct name *dst;
			const struct connset *f[2];

			j = whole ? k : dlist[k];
			dst = j < nn ? &d->names.v[j] : NULL;
			if (!src && !dst)
				continue;
			if (src && dst) {
				/* Two nodes: their answers' flows, by id. */
				uint32_t fid[2] = {empty_fid, empty_fid};

				for (side = 0; side < 2 && !rc; side++) {
					uint32_t a = src->node[side];
					uint32_t b = dst->node[side];

					if (a != SG_NONE && b != SG_NONE)
						rc = node_fid(d, side, a, b,
							      row[side],
							      &fid[side]);
				}
				if (rc || fid[0] == fid[1])
					continue;
				if (vec_push(&d->at, ((struct diff_at){j, i})))
					rc = -ENOMEM;
				continue;
			}
			for (side = 0; side < 2 && !rc; side++) {
				struct dside *s = &d->s[side];
				uint32_t a = src ? src->node[side] : SG_NONE;
				uint32_t b = dst ? dst->node[side] : SG_NONE;

				f[side] = &empty;
				if ((rc = inet_flows(s, src ? a : b,
						     src ? SGREACH_EGRESS
							 : SGREACH_INGRESS,
						     &t)) == 0 &&
				    (src ? a : b) != SG_NONE) {
					f[side] =
					    &s->inet[src ? SGREACH_EGRESS
							 : SGREACH_INGRESS]
						    [src ? a : b];
				}
			}
			if (rc || connset_equal(f[0], f[1]))
				continue;
			if (vec_push(&d->at, ((struct diff_at){j, i})))
				rc = -ENOMEM;
		}
	}
	if (!rc && d->at.n) /* qsort() of NULL: undefined, even of nothing */
		qsort(d->at.v, d->at.n, sizeof(*d->at.v), at_cmp);
	free(row[0]);
	free(row[1]);
	free(dirty);
	free(dlist);
	connset_free(&t);
	connset_free(&empty);
	return rc;
}

/*
 * The entries of the pairs that differ (d->at) that gained flows (gain
 * set) or lost some, written into the context's output and sent on
 * through its writer, if any, as they grow (an_spill()).
 */
static int write_entries(struct diff *d, int gain)
{
	const uint32_t nn = (uint32_t)d->names.n;
	struct connset o, n, t;
	size_t x;
	int rc = 0;

	connset_init(&o);
	connset_init(&n);
	connset_init(&t);
	for (x = 0; x < d->at.n && !rc; x++) {
		const struct diff_at *p = &d->at.v[x];

		rc = compare_pair(d, p->src < nn ? &d->names.v[p->src] : NULL,
				  p->dst < nn ? &d->names.v[p->dst] : NULL, &o,
				  &n, &t, &d->v->out, gain);
		if (!rc)
			rc = an_spill(d->v, 0);
	}
	connset_free(&o);
	connset_free(&n);
	connset_free(&t);
	return rc;
}

static int side_init(struct diff *d, int side, const sgreach_model *m, int fam)
{
	struct dside *s = &d->s[side];
	int rc;

	hmap_init(&s->names);
	hmap_init(&s->rules);
	if ((rc = an_init(&s->c, m, d->v, fam)) ||
	    (rc = an_add_nodes(&s->c, NODE_SERVICE)) ||
	    (rc = an_finish_nodes(&s->c)))
		return rc;
	for (rc = 0; rc < 2; rc++) {
		s->inet[rc] = calloc(s->c.nodes.n + 1, sizeof(*s->inet[rc]));
		s->inet_ok[rc] = calloc(s->c.nodes.n + 1, 1);
		if (!s->inet[rc] || !s->inet_ok[rc])
			return -ENOMEM;
	}
	if ((rc = index_rules(s)))
		return rc;
	return add_names(d, side);
}

static void side_free(struct dside *s)
{
	uint32_t i;

	int dir;

	for (dir = 0; dir < 2; dir++) {
		if (s->inet[dir] && s->inet_ok[dir])
			for (i = 0; i < s->c.nodes.n; i++)
				if (s->inet_ok[dir][i])
					connset_free(&s->inet[dir][i]);
		free(s->inet[dir]);
		free(s->inet_ok[dir]);
	}
	for (i = 0; i < s->nres_flows; i++)
		if (s->res_flows_ok[i])
			connset_free(&s->res_flows[i]);
	free(s->res_flows);
	free(s->res_flows_ok);
	free(s->res_fid);
	ap_free(&s->ap);
	if (s->rkey)
		for (i = 0; i < s->c.m->rules.n; i++)
			free(s->rkey[i]);
	free(s->rkey);
	free(s->gref_off);
	free(s->gref);
	hmap_free(&s->names);
	hmap_free(&s->rules);
	if (s->c.m)
		an_free(&s->c);
}

int an_diff(const sgreach_model *old_model, const sgreach_model *new_model,
	    unsigned int flags, sgreach_format fmt, sgreach_verdict *ctx,
	    const char **out, int *gained, int mode)
{
	struct diff d;
	uint32_t i;
	int rc, fam;

	if (gained)
		*gained = 0;
	rc = an_begin(old_model, ctx, out, fmt,
		      1u << SGREACH_FORMAT_TEXT | 1u << SGREACH_FORMAT_JSON,
		      "diff");
	if (!rc)
		rc = an_begin(new_model, ctx, out, fmt,
			      1u << SGREACH_FORMAT_TEXT |
				  1u << SGREACH_FORMAT_JSON,
			      "diff");
	if (rc)
		return rc;
	memset(&d, 0, sizeof(d));
	d.v = ctx;
	d.fmt = fmt;
	d.s[0].c.v = ctx;
	if (flags & ~(unsigned int)(SGREACH_QUERY_IPV4 | SGREACH_QUERY_IPV6)) {
		snprintf(ctx->err, sizeof(ctx->err), "diff: unknown flags");
		return -EINVAL;
	}
	if ((rc = an_pick_family(ctx, flags, NULL, NULL, NULL, &fam)))
		return rc;
	if ((rc = side_init(&d, 0, old_model, fam)) ||
	    (rc = side_init(&d, 1, new_model, fam)) ||
	    (rc = find_changes(&d)) || (rc = index_changes(&d)) ||
	    (rc = compare(&d, mode)))
		goto out;
	/* Gains, then losses, each written as it is rendered: the report
	 * of a diff where much changed runs to gigabytes. */
	sb_reset(&ctx->out);
	if (fmt == SGREACH_FORMAT_JSON) {
		sb_puts(&ctx->out, "{\"family\":");
		sb_int(&ctx->out, fam);
		sb_puts(&ctx->out, ",\"gained\":[");
	}
	if ((rc = write_entries(&d, 1)))
		goto out;
	if (fmt == SGREACH_FORMAT_JSON)
		sb_puts(&ctx->out, "],\"lost\":[");
	if ((rc = write_entries(&d, 0)))
		goto out;
	if (fmt == SGREACH_FORMAT_JSON) {
		sb_puts(&ctx->out, "]}");
	} else {
		sb_printf(&ctx->out,
			  "%u pair%s gained flows, %u lost flows "
			  "(IPv%d)",
			  d.ngained, d.ngained == 1 ? "" : "s", d.nlost, fam);
	}
	if (gained)
		*gained = (int)d.ngained;
out:
	rc = an_end(&d.s[0].c, rc, out);
	side_free(&d.s[0]);
	side_free(&d.s[1]);
	for (i = 0; i < d.names.n; i++)
		free(d.names.v[i].text);
	vec_free(&d.names);
	vec_free(&d.changes);
	for (i = 0; i < 2; i++) {
		free(d.gch_off[i]);
		free(d.gch[i]);
		free(d.ech[i]);
	}
	vec_free(&d.cand);
	vec_free(&d.at);
	for (i = 0; i < d.fsets.n; i++)
		connset_free(&d.fsets.v[i].s);
	vec_free(&d.fsets);
	u64map_free(&d.fset_ids);
	return rc;
}

SGREACH_API int sgreach_diff(const sgreach_model *old_model,
			     const sgreach_model *new_model, unsigned int flags,
			     sgreach_format fmt, sgreach_verdict *ctx,
			     const char **out, int *gained)
{
	return an_diff(old_model, new_model, flags, fmt, ctx, out, gained,
		       DIFF_AUTO);
}

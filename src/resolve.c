/*
 * resolve.c - finalize: turn ids into indexes, settle merged definitions,
 * and build the indexes queries use.  The model is immutable afterwards.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "flow.h"
#include "model.h"
#include "proto.h"
#include "strbuf.h"

/* Groups defined completely by several sources keep the rules of the latest
 * one: a later snapshot of the same group replaces the earlier one. */
static int settle_redefinitions(sgreach_model *m)
{
	uint32_t g, i;

	for (g = 0; g < m->groups.n; g++) {
		struct sg_group *grp = &m->groups.v[g];
		uint32_t latest = 0;

		if (grp->def_sources.n < 2)
			continue;
		for (i = 0; i < grp->def_sources.n; i++)
			if (grp->def_sources.v[i] > latest)
				latest = grp->def_sources.v[i];
		for (i = 0; i < m->rules.n; i++) {
			struct sg_rule *r = &m->rules.v[i];
			uint32_t k;

			if (r->group != g || r->source == latest)
				continue;
			for (k = 0; k < grp->def_sources.n; k++)
				if (grp->def_sources.v[k] == r->source)
					r->dropped = 1;
		}
		{
			const char *old = "the API", *new = "the API";
			uint32_t first = grp->def_sources.v[0];

			if (first && first <= m->sources.n)
				old = m->sources.v[first - 1];
			if (latest && latest <= m->sources.n)
				new = m->sources.v[latest - 1];
			if (model_warn(m,
				       "security group %s is defined in %s "
				       "and again in %s: the rules of %s are "
				       "used",
				       grp->id, old, new, new))
				return -ENOMEM;
		}
	}
	return 0;
}

/* The identity of a rule: what it allows, not where it was written. */
struct rule_key {
	uint32_t group;
	int32_t proto, from, to;
	uint8_t dir, peer_kind, stale, fam;
	uint8_t len, pad[3];
	uint32_t peer;
	uint64_t hi, lo;
	const char *text; /* interned: pointer identity is string identity */
};

static void rule_key(const struct sg_rule *r, struct rule_key *k)
{
	memset(k, 0, sizeof(*k));
	k->group = r->group;
	k->proto = r->proto;
	k->from = r->from;
	k->to = r->to;
	k->dir = r->dir;
	k->peer_kind = r->peer_kind;
	k->stale = r->stale;
	switch (r->peer_kind) {
	case SGREACH_PEER_CIDR:
		k->fam = r->cidr.fam;
		k->len = r->cidr.len;
		k->hi = r->cidr.a.hi;
		k->lo = r->cidr.a.lo;
		break;
	case SGREACH_PEER_UNKNOWN:
		k->text = r->peer_text;
		break;
	default:
		k->peer = r->peer;
		break;
	}
}

/* Identical rules count once (describe-security-groups and
 * describe-security-group-rules list the same rules; Terraform inline and
 * separate rules may repeat each other).  The survivor takes the rule id
 * and description the duplicate knew. */
static int drop_duplicates(sgreach_model *m)
{
	struct rule_key *keys;
	struct hmap seen;
	uint32_t i;
	int rc = 0;

	keys = calloc(m->rules.n ? m->rules.n : 1, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	hmap_init(&seen);
	for (i = 0; i < m->rules.n && !rc; i++) {
		struct sg_rule *r = &m->rules.v[i];
		uint32_t first;

		if (r->dropped)
			continue;
		rule_key(r, &keys[i]);
		if (hmap_get(&seen, &keys[i], sizeof(keys[i]), &first)) {
			struct sg_rule *f = &m->rules.v[first];

			if (!f->rule_id)
				f->rule_id = r->rule_id;
			if (!f->description)
				f->description = r->description;
			r->dropped = 1;
			continue;
		}
		rc = hmap_put(&seen, &keys[i], sizeof(keys[i]), i);
	}
	hmap_free(&seen);
	free(keys);
	return rc;
}

static int build_group_rules(sgreach_model *m)
{
	uint32_t i, g, d;

	for (i = 0; i < m->rules.n; i++) {
		struct sg_rule *r = &m->rules.v[i];

		if (!r->dropped)
			m->groups.v[r->group].nrules[r->dir]++;
	}
	for (g = 0; g < m->groups.n; g++) {
		struct sg_group *grp = &m->groups.v[g];

		for (d = 0; d < 2; d++) {
			grp->rules[d] =
			    calloc(grp->nrules[d] ? grp->nrules[d] : 1,
				   sizeof(uint32_t));
			if (!grp->rules[d])
				return -ENOMEM;
			grp->nrules[d] = 0;
		}
	}
	/* Rules were appended in order of addition: positions follow. */
	for (i = 0; i < m->rules.n; i++) {
		struct sg_rule *r = &m->rules.v[i];
		struct sg_group *grp;

		if (r->dropped)
			continue;
		grp = &m->groups.v[r->group];
		r->position = grp->nrules[r->dir];
		grp->rules[r->dir][grp->nrules[r->dir]++] = i;
	}
	for (g = 0; g < m->groups.n; g++) {
		struct sg_group *grp = &m->groups.v[g];

		if (grp->nrules[0] || grp->nrules[1])
			grp->complete = 1;
	}
	return 0;
}

/* The key range of a rule's protocol and ports (struct sg_hrange); returns
 * whether it is exact.  Values that the key cannot hold get the whole
 * protocol's range, and the query then tests them as written. */
static int hot_key(const struct sg_rule *r, struct sg_hrange *h)
{
	const uint32_t p = (uint32_t)r->proto << SG_HKEY_SHIFT;
	const uint32_t all = (1u << SG_HKEY_SHIFT) - 1;
	int exact = 1;

	if (r->proto == PROTO_ALL) {
		sg_hrange_set(h, 0, UINT32_MAX);
		return 1;
	}
	if (r->proto < 0 || r->proto > PROTO_MAX) {
		sg_hrange_set(h, UINT32_MAX, 0); /* no flow has this key */
		return 1;
	}
	switch (r->proto) {
	case PROTO_TCP:
	case PROTO_UDP:
		if (r->from < -1 || r->to > 65535)
			exact = 0;
		else if (r->from > r->to) /* above every port's key */
			sg_hrange_set(h, p | all, 0);
		else
			sg_hrange_set(h, p | (uint32_t)(r->from + 1),
				      (uint32_t)(r->to - r->from));
		break;
	case PROTO_ICMP:
	case PROTO_ICMPV6:
		if (r->from == -1)
			sg_hrange_set(h, p, all);
		else if (r->from < 0 || r->from > 255 || r->to < -1 ||
			 r->to > 255)
			exact = 0;
		else if (r->to == -1)
			sg_hrange_set(h, p | (uint32_t)r->from << 9, 0x1ff);
		else
			sg_hrange_set(
			    h, p | (uint32_t)r->from << 9 | (uint32_t)r->to, 0);
		break;
	default:
		sg_hrange_set(h, p, all);
		break;
	}
	if (!exact)
		sg_hrange_set(h, p, all);
	return exact;
}

uint32_t sg_hkey_rule_limit = SG_HKEY_RULES;
uint32_t sg_qep_groups_limit = SG_QEP_GROUPS;
uint32_t sg_qconn_limit = SG_QCONN_VPCS;
uint32_t sg_run_copies = SG_RUN_COPIES;
uint32_t sg_run_copy_floor = SG_RUN_COPY_FLOOR;
size_t sg_pack_min = SG_PACK_MIN;

/* The packed copy of every live rule for queries (struct sg_hot). */
static int build_hot_rules(sgreach_model *m)
{
	size_t total = 0, at = 0;
	uint32_t g, d, k;

	for (g = 0; g < m->groups.n; g++)
		total +=
		    (size_t)m->groups.v[g].nrules[0] + m->groups.v[g].nrules[1];
	free(m->hot); /* a finalize that failed for lack of memory */
	free(m->hkey);
	free(m->hrange);
	free(m->hcopy);
	m->hcopy = NULL;
	m->ncopy = 0;
	m->nhot = (uint32_t)total;
	m->hot = calloc(total ? total : 1, sizeof(*m->hot));
	m->hkey = calloc(total ? total : 1, sizeof(*m->hkey));
	m->hrange = calloc(total + SG_HKEY_PAD, sizeof(*m->hrange));
	if (!m->hot || !m->hkey || !m->hrange)
		return -ENOMEM;
	m->hkey_wide = m->rules.n >= sg_hkey_rule_limit;
	for (g = 0; g < m->groups.n; g++) {
		struct sg_group *grp = &m->groups.v[g];

		for (d = 0; d < 2; d++) {
			grp->hot[d] = (uint32_t)at;
			for (k = 0; k < grp->nrules[d]; k++) {
				const struct sg_rule *r =
				    &m->rules.v[grp->rules[d][k]];
				struct sg_hot *h = &m->hot[at];
				struct sg_hkey *hk = &m->hkey[at];
				struct sg_hrange *hr = &m->hrange[at++];

				h->cidr = r->cidr;
				h->from = r->from;
				h->to = r->to;
				h->peer = r->peer;
				h->rule = grp->rules[d][k];
				h->proto = (int16_t)r->proto;
				h->peer_kind = r->peer_kind;
				h->stale = r->stale;
				h->key_exact = (uint8_t)hot_key(r, hr);
				hk->rule = m->hkey_wide ? 0 : h->rule;
				if (!h->key_exact)
					hk->kind = SG_HK_SLOW;
				else if (r->peer_kind == SGREACH_PEER_CIDR &&
					 r->cidr.fam == 4) {
					hk->kind = SG_HK_CIDR4;
					hk->peer =
					    (uint32_t)(r->cidr.a.hi >> 32);
					hk->len = r->cidr.len;
				} else if (r->peer_kind == SGREACH_PEER_GROUP &&
					   !r->stale) {
					hk->kind = SG_HK_GROUP;
					hk->peer = r->peer;
				} else if (r->peer_kind == SGREACH_PEER_CIDR) {
					hk->kind = SG_HK_CIDR6;
				} else if (r->peer_kind ==
					   SGREACH_PEER_PREFIX_LIST) {
					hk->kind = SG_HK_PLIST;
					hk->peer = r->peer;
				}
			}
		}
	}
	return 0;
}

/* The IPv4 entries of every prefix list, for queries (struct sg_plist4). */
static int build_plist4(sgreach_model *m)
{
	size_t total = 0, at = 0;
	uint32_t i, k;

	for (i = 0; i < m->plists.n; i++)
		total += m->plists.v[i].entries.n;
	free(m->plist4);
	m->plist4 = calloc(total ? total : 1, sizeof(*m->plist4));
	if (!m->plist4)
		return -ENOMEM;
	for (i = 0; i < m->plists.n; i++) {
		struct sg_plist *pl = &m->plists.v[i];

		pl->at4 = (uint32_t)at;
		for (k = 0; k < pl->entries.n; k++) {
			const struct sg_prefix *e = &pl->entries.v[k];

			if (e->fam != 4)
				continue;
			m->plist4[at].net = (uint32_t)(e->a.hi >> 32);
			m->plist4[at].mask =
			    e->len ? 0xffffffffu << (32 - e->len) : 0;
			at++;
		}
		pl->n4 = (uint32_t)at - pl->at4;
	}
	return 0;
}

/* Sets bit b of row a and bit a of row b of m->qconn. */
static void qconn_set(sgreach_model *m, uint32_t a, uint32_t b)
{
	m->qconn[a * m->qconn_words + b / 64] |= 1ull << (b % 64);
	m->qconn[b * m->qconn_words + a / 64] |= 1ull << (a % 64);
}

/* m->qconn over the nvpc VPCs of m->qvpc (their indexes in vpcs, by
 * interned pointer), as eval_vpcs_connected() answers: a VPC reaches
 * itself, an unknown VPC (NULL) reaches everything, and an active peering
 * joins its two VPCs. */
static int build_vpc_matrix(sgreach_model *m, const struct hmap *vpcs,
			    uint32_t nvpc)
{
	uint32_t i, j, a, b;

	free(m->qconn);
	m->qconn = NULL;
	m->qconn_words = (nvpc + 63) / 64;
	if (nvpc == 0 || nvpc > sg_qconn_limit)
		return 0;
	m->qconn = calloc((size_t)nvpc * m->qconn_words, sizeof(*m->qconn));
	if (!m->qconn)
		return -ENOMEM;
	for (i = 0; i < nvpc; i++) {
		qconn_set(m, i, i);
		if (!m->qvpc[i])
			for (j = 0; j < nvpc; j++)
				qconn_set(m, i, j);
	}
	for (i = 0; i < m->peerings.n; i++) {
		const struct sg_peering *p = &m->peerings.v[i];

		if (p->active &&
		    hmap_get(vpcs, &p->vpc_a, sizeof(p->vpc_a), &a) &&
		    hmap_get(vpcs, &p->vpc_b, sizeof(p->vpc_b), &b))
			qconn_set(m, a, b);
	}
	return 0;
}

/* struct sg_grun for every group, and struct sg_qep for every endpoint:
 * the query's view of them. */
static int build_query_endpoints(sgreach_model *m)
{
	size_t n = m->endpoints.n ? m->endpoints.n : 1;
	struct hmap vpcs;
	uint32_t i, k, nvpc = 0;
	int rc = 0;

	free(m->qep);
	free(m->grun);
	free(m->qvpc);
	m->qep = aligned_alloc(64, (n * sizeof(*m->qep) + 63) / 64 * 64);
	m->grun = calloc(m->groups.n ? m->groups.n : 1, sizeof(*m->grun));
	m->qvpc =
	    calloc(n < SG_QEP_VPC_SLOW ? n : SG_QEP_VPC_SLOW, sizeof(*m->qvpc));
	if (!m->qep || !m->grun || !m->qvpc)
		return -ENOMEM;
	memset(m->qep, 0, n * sizeof(*m->qep));
	for (i = 0; i < m->groups.n; i++) {
		const struct sg_group *g = &m->groups.v[i];

		m->grun[i].at = g->hot[0];
		m->grun[i].n[0] = g->nrules[0];
		m->grun[i].n[1] = g->nrules[1];
	}
	hmap_init(&vpcs);
	for (i = 0; i < m->endpoints.n && !rc; i++) {
		const struct sg_endpoint *e = &m->endpoints.v[i];
		struct sg_qep *q = &m->qep[i];
		uint32_t naddr4 = 0, naddr6 = 0, at;

		/* VPCs by their interned pointer; e->vpc lives as long as
		 * the map. */
		if (hmap_get(&vpcs, &e->vpc, sizeof(e->vpc), &at)) {
			q->vpc = (uint16_t)at;
		} else if (nvpc < SG_QEP_VPC_SLOW) {
			m->qvpc[nvpc] = e->vpc;
			q->vpc = (uint16_t)nvpc;
			rc = hmap_put(&vpcs, &e->vpc, sizeof(e->vpc), nvpc++);
		} else {
			q->vpc = SG_QEP_VPC_SLOW;
		}
		q->missing = e->missing_groups != 0;
		q->inline_ = e->groups.n <= sg_qep_groups_limit;
		for (k = 0; q->inline_ && k < e->groups.n; k++)
			q->groups[k] = e->groups.v[k];
		q->ngroups = q->inline_ ? (uint8_t)e->groups.n : 0;
		/* No group, or one: its run (copies: build_copied_runs()). */
		if (e->groups.n <= 1) {
			q->run = 1;
			if (e->groups.n) {
				const struct sg_grun *run =
				    &m->grun[e->groups.v[0]];

				q->at = run->at;
				q->n[0] = run->n[0];
				q->n[1] = run->n[1];
			}
		}
		for (k = 0; k < e->addrs.n; k++) {
			const struct sg_eaddr *a = &e->addrs.v[k];

			if (a->is_public)
				continue;
			if (a->p.fam == 4) {
				naddr4++;
				q->one_addr4 = a->p.len == 32;
				q->addr4 = (uint32_t)(a->p.a.hi >> 32);
			} else {
				naddr6++;
				q->one_addr6 = a->p.len == 128;
				q->addr6 = a->p.a;
			}
		}
		if (naddr4 != 1) {
			q->one_addr4 = 0;
			q->addr4 = 0;
		}
		if (naddr6 != 1) {
			q->one_addr6 = 0;
			q->addr6 = (struct sg_addr){0, 0};
		}
	}
	if (!rc)
		rc = build_vpc_matrix(m, &vpcs, nvpc);
	hmap_free(&vpcs);
	return rc;
}

/* Copies rules [at, at + n) of m->hkey / m->hrange to entry *to on. */
static void copy_run(sgreach_model *m, uint32_t at, uint32_t n, size_t *to)
{
	uint32_t k;

	memcpy(m->hkey + *to, m->hkey + at, n * sizeof(*m->hkey));
	memcpy(m->hrange + *to, m->hrange + at, n * sizeof(*m->hrange));
	for (k = 0; k < n; k++)
		m->hcopy[*to - m->nhot + k] = model_hot_of(m, at + k);
	*to += n;
}

/*
 * The runs of the endpoints with several groups (struct sg_qep.run): one
 * copy of their groups' rules per distinct list of groups, in the order
 * of the endpoints, as long as the copies fit sg_run_copies times m->hot's
 * entries and sg_run_copy_floor more; the endpoints of the lists that do
 * not fit keep the general path.
 */
static int build_copied_runs(sgreach_model *m)
{
	const size_t limit =
	    (size_t)sg_run_copies * m->nhot + sg_run_copy_floor;
	struct hmap lists;
	size_t total = 0, to;
	struct sg_hkey *hk;
	struct sg_hrange *hr;
	uint32_t i, k, d, first;
	int rc = 0;

	/* The size first: the distinct lists, each marked with its first
	 * endpoint (struct sg_qep.at until the copy). */
	hmap_init(&lists);
	for (i = 0; i < m->endpoints.n && !rc; i++) {
		const struct sg_endpoint *e = &m->endpoints.v[i];
		struct sg_qep *q = &m->qep[i];
		size_t n = 0;

		if (e->groups.n <= 1)
			continue;
		if (hmap_get(&lists, e->groups.v,
			     e->groups.n * sizeof(*e->groups.v), &first)) {
			q->run = 1; /* a list that fits, as first's */
			q->at = first;
			continue;
		}
		for (k = 0; k < e->groups.n; k++)
			n += (size_t)m->grun[e->groups.v[k]].n[0] +
			     m->grun[e->groups.v[k]].n[1];
		if (total + n > limit || m->nhot + total + n >= UINT32_MAX)
			continue; /* the general path */
		total += n;
		q->run = 1;
		q->at = i;
		rc = hmap_put(&lists, e->groups.v,
			      e->groups.n * sizeof(*e->groups.v), i);
	}
	hmap_free(&lists);
	if (rc || total == 0)
		return rc;
	hk = realloc(m->hkey, (m->nhot + total) * sizeof(*m->hkey));
	if (!hk)
		return -ENOMEM;
	m->hkey = hk;
	hr = realloc(m->hrange,
		     (m->nhot + total + SG_HKEY_PAD) * sizeof(*m->hrange));
	if (!hr)
		return -ENOMEM;
	m->hrange = hr;
	memset(hr + m->nhot + total, 0, SG_HKEY_PAD * sizeof(*hr));
	m->hcopy = malloc(total * sizeof(*m->hcopy));
	if (!m->hcopy)
		return -ENOMEM;
	m->ncopy = (uint32_t)total;
	to = m->nhot;
	for (i = 0; i < m->endpoints.n; i++) {
		const struct sg_endpoint *e = &m->endpoints.v[i];
		struct sg_qep *q = &m->qep[i];

		if (e->groups.n <= 1 || !q->run)
			continue;
		if (q->at != i) { /* the list of endpoint q->at, copied */
			const struct sg_qep *f = &m->qep[q->at];

			q->at = f->at;
			q->n[0] = f->n[0];
			q->n[1] = f->n[1];
			continue;
		}
		q->at = (uint32_t)to;
		q->n[0] = q->n[1] = 0;
		for (d = 0; d < 2; d++)
			for (k = 0; k < e->groups.n; k++) {
				const struct sg_grun *run =
				    &m->grun[e->groups.v[k]];

				copy_run(m, run->at + (d ? run->n[0] : 0),
					 run->n[d], &to);
				q->n[d] += run->n[d];
			}
	}
	return 0;
}

/* The arrays model_pack_queries() moves, with their sizes in bytes: the
 * block's layout, each at a multiple of 64 bytes. */
struct pack_sizes {
	size_t qep, hrange, hkey, hot, hcopy, ids, addr4;
};

static size_t pack_at(size_t size)
{
	return (size + 63) / 64 * 64;
}

/* Moves old (size bytes) to *at in block b, and on; returns where. */
static void *pack_move(char *b, size_t *at, void *old, size_t size)
{
	void *to = b + *at;

	if (old && size)
		memcpy(to, old, size);
	free(old);
	*at += pack_at(size);
	return size ? to : NULL;
}

/*
 * Moves the arrays every query reads (the interfaces' views, the rules'
 * entries and copies, the slots of the maps that selector texts are
 * looked up in) into one block aligned to 2 MB and asks the kernel for
 * 2 MB pages there (madvise(2), MADV_HUGEPAGE; Linux's transparent huge
 * pages).  Questions asked at random read these arrays at random:
 * bench/gen's large estate has 11.8 MB of them, 2,900 pages of 4 KB, more
 * than the 2,048 entries of a Zen 3's second-level TLB (the bench's VM),
 * which the selectors and everything else share; each miss walks the page
 * tables.  Six 2 MB pages hold them.  Only models whose arrays fill
 * sg_pack_min; a block that cannot be had leaves them as they are (not an
 * error).  The block is up to 2 MB larger than the arrays (its last page)
 * and is counted by malloc as allocated; the kernel backs what is
 * touched.  The model is finalized: nothing adds to the maps any more.
 */
static void model_pack_queries(sgreach_model *m)
{
	const size_t nk = (size_t)m->nhot + m->ncopy;
	struct pack_sizes z;
	size_t total, at = 0;
	char *b;

	z.qep = (m->endpoints.n ? m->endpoints.n : 1) * sizeof(*m->qep);
	z.hrange = (nk + SG_HKEY_PAD) * sizeof(*m->hrange);
	z.hkey = (nk ? nk : 1) * sizeof(*m->hkey);
	z.hot = (m->nhot ? m->nhot : 1) * sizeof(*m->hot);
	z.hcopy = m->ncopy * sizeof(*m->hcopy);
	z.ids = m->sel_ids.slots
		    ? (m->sel_ids.mask + 1) * sizeof(*m->sel_ids.slots)
		    : 0;
	z.addr4 =
	    m->addr4.slots ? (m->addr4.mask + 1) * sizeof(*m->addr4.slots) : 0;
	total = pack_at(z.qep) + pack_at(z.hrange) + pack_at(z.hkey) +
		pack_at(z.hot) + pack_at(z.hcopy) + pack_at(z.ids) +
		pack_at(z.addr4);
	if (total < sg_pack_min || total > SIZE_MAX - SG_PACK_PAGE)
		return;
	total = (total + SG_PACK_PAGE - 1) / SG_PACK_PAGE * SG_PACK_PAGE;
	b = aligned_alloc(SG_PACK_PAGE, total);
	if (!b)
		return;
#ifdef MADV_HUGEPAGE
	(void)madvise(b, total, MADV_HUGEPAGE); /* a wish, not a need */
#endif
	m->qep = pack_move(b, &at, m->qep, z.qep);
	m->hrange = pack_move(b, &at, m->hrange, z.hrange);
	m->hkey = pack_move(b, &at, m->hkey, z.hkey);
	m->hot = pack_move(b, &at, m->hot, z.hot);
	m->hcopy = pack_move(b, &at, m->hcopy, z.hcopy);
	m->sel_ids.slots = pack_move(b, &at, m->sel_ids.slots, z.ids);
	m->addr4.slots = pack_move(b, &at, m->addr4.slots, z.addr4);
	m->pack = b;
}

static uint32_t find_vpc(const sgreach_model *m, const char *id)
{
	uint32_t v;

	if (!id || !hmap_get(&m->vpc_ids, id, strlen(id), &v))
		return SG_NONE;
	return v;
}

static uint32_t find_subnet(const sgreach_model *m, const char *id)
{
	uint32_t v;

	if (!id || !hmap_get(&m->subnet_ids, id, strlen(id), &v))
		return SG_NONE;
	return v;
}

/* The VPC's "default" group: an ECS service without security groups gets
 * it.  When it is not loaded, a placeholder id names what is missing. */
static int default_group(sgreach_model *m, const char *vpc, uint32_t *out)
{
	char id[256];
	uint32_t g;

	for (g = 0; g < m->groups.n; g++)
		if (m->groups.v[g].is_default && m->groups.v[g].vpc == vpc &&
		    vpc) {
			*out = g;
			return 0;
		}
	snprintf(id, sizeof(id), "default group of %s",
		 vpc ? vpc : "the service's VPC");
	g = model_group_ref(m, id);
	if (g == SG_NONE)
		return -ENOMEM;
	*out = g;
	return 0;
}

static int resolve_endpoints(sgreach_model *m)
{
	uint32_t i, k;
	int rc;

	for (i = 0; i < m->endpoints.n; i++) {
		struct sg_endpoint *e = &m->endpoints.v[i];

		if (!e->vpc && e->subnet) {
			uint32_t s = find_subnet(m, e->subnet);

			if (s != SG_NONE)
				e->vpc = m->subnets.v[s].vpc;
		}
		if (e->kind != SGREACH_ENDPOINT_SERVICE)
			continue;
		/* A service's tasks land in any of its subnets: until the
		 * tasks are known, its addresses are theirs. */
		for (k = 0; k < e->subnet_ids.n; k++) {
			uint32_t s = find_subnet(m, e->subnet_ids.v[k]);
			uint32_t c;

			if (s == SG_NONE) {
				if (model_warn(m,
					       "service %s: subnet %s is not "
					       "loaded; its addresses are "
					       "unknown",
					       e->id, e->subnet_ids.v[k]))
					return -ENOMEM;
				continue;
			}
			if (!e->vpc)
				e->vpc = m->subnets.v[s].vpc;
			for (c = 0; c < m->subnets.v[s].cidrs.n; c++) {
				struct sg_eaddr a = {m->subnets.v[s].cidrs.v[c],
						     0};

				if (vec_push(&e->addrs, a))
					return -ENOMEM;
			}
		}
		if (e->groups.n == 0 && e->members.n == 0) {
			uint32_t g;

			if ((rc = default_group(m, e->vpc, &g)))
				return rc;
			if (vec_push(&e->groups, g))
				return -ENOMEM;
		}
	}
	for (i = 0; i < m->endpoints.n; i++)
		m->endpoints.v[i].vpc_idx = find_vpc(m, m->endpoints.v[i].vpc);
	return 0;
}

/* Adds service endpoint i to the services by name (SEL_AMBIGUOUS when
 * several clusters have one). */
static int index_service_name(const sgreach_model *m, struct hmap *names,
			      uint32_t i)
{
	const char *n = model_service_short(m->endpoints.v[i].id);
	uint32_t val = i, old;

	if (hmap_get(names, n, strlen(n), &old) && old != i)
		val = SEL_AMBIGUOUS;
	return hmap_put(names, n, strlen(n), val);
}

/* Every loaded service by name. */
static int index_service_names(const sgreach_model *m, struct hmap *names)
{
	uint32_t i;
	int rc;

	for (i = 0; i < m->endpoints.n; i++)
		if (m->endpoints.v[i].kind == SGREACH_ENDPOINT_SERVICE &&
		    (rc = index_service_name(m, names, i)))
			return rc;
	return 0;
}

/* The service endpoint with id `id`, or SG_NONE. */
static uint32_t find_service(const sgreach_model *m, const char *id)
{
	uint32_t e = model_find_endpoint(m, id);

	return e != SG_NONE &&
		       m->endpoints.v[e].kind == SGREACH_ENDPOINT_SERVICE
		   ? e
		   : SG_NONE;
}

/*
 * The service a task belongs to.  Both sides name it CLUSTER/NAME when they
 * know the cluster (clusterArn), NAME when not: a task whose cluster is
 * known joins a service loaded without one of the same name, and a task
 * without a cluster joins the one service of its name, if only one cluster
 * has it.  SG_NONE: no such service is loaded yet; SEL_AMBIGUOUS: several.
 */
static uint32_t find_task_service(const sgreach_model *m,
				  const struct hmap *names, const char *service)
{
	const char *n = model_service_short(service);
	uint32_t e = model_find_endpoint(m, service), val;

	if (e != SG_NONE)
		return e;
	if (n != service) {
		return find_service(m, n);
	}
	if (hmap_get(names, n, strlen(n), &val))
		return val;
	return SG_NONE;
}

/* Task t, on endpoint e, joins its service. */
static int join_service(sgreach_model *m, struct hmap *names,
			const struct sg_task *t, uint32_t e)
{
	uint32_t svc = find_task_service(m, names, t->service);
	int rc;

	if (svc == SEL_AMBIGUOUS)
		return model_warn(m,
				  "task %s names service %s without its "
				  "cluster, and several clusters have one: it "
				  "is counted in none",
				  t->arn, t->service)
			   ? -ENOMEM
			   : 0;
	/* A service known only from its tasks gets an endpoint of its own
	 * to hold them. */
	if (svc == SG_NONE) {
		rc = sgreach_model_add_endpoint(
		    m, t->service, SGREACH_ENDPOINT_SERVICE,
		    m->endpoints.v[e].vpc, NULL, NULL);
		if (rc)
			return rc;
		svc = model_find_endpoint(m, t->service);
		if ((rc = index_service_name(m, names, svc)))
			return rc;
	}
	if (m->endpoints.v[svc].kind != SGREACH_ENDPOINT_SERVICE)
		return model_warn(m,
				  "task %s: service %s has the id of an "
				  "interface; service:%s cannot be queried",
				  t->arn, t->service, t->service)
			   ? -ENOMEM
			   : 0;
	m->endpoints.v[e].service = svc;
	return vec_push(&m->endpoints.v[svc].members, e);
}

static int join_tasks(sgreach_model *m, struct hmap *names)
{
	uint32_t i;
	int pass, rc;

	for (i = 0; i < m->tasks.n; i++) {
		struct sg_task *t = &m->tasks.v[i];
		uint32_t e = model_find_endpoint(m, t->endpoint_id);

		t->endpoint = e;
		if (e == SG_NONE) {
			if (model_warn(m,
				       "task %s: network interface %s is not "
				       "loaded; the task cannot be queried",
				       t->arn, t->endpoint_id))
				return -ENOMEM;
			continue;
		}
		if (m->endpoints.v[e].task == SG_NONE)
			m->endpoints.v[e].task = i;
	}
	/* Running tasks stand for their service: service:NAME then means
	 * their interfaces.  Tasks that know their cluster join first, so
	 * that a service made for a task without one never takes in the
	 * tasks of clusters that have their own. */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < m->tasks.n; i++) {
			const struct sg_task *t = &m->tasks.v[i];

			if (t->endpoint == SG_NONE || !t->service ||
			    (model_service_short(t->service) != t->service) !=
				(pass == 0))
				continue;
			if ((rc = join_service(m, names, t, t->endpoint)))
				return rc;
		}
	return 0;
}

/* Which services output names by NAME alone (model_service_name()), from
 * names, which holds every service by then. */
static void name_services(sgreach_model *m, const struct hmap *names)
{
	uint32_t i, val;

	for (i = 0; i < m->endpoints.n; i++) {
		struct sg_endpoint *e = &m->endpoints.v[i];
		const char *n = model_service_short(e->id);

		e->name_short = e->kind == SGREACH_ENDPOINT_SERVICE &&
				hmap_get(names, n, strlen(n), &val) && val == i;
	}
}

static int resolve_tasks(sgreach_model *m)
{
	struct hmap names;
	int rc;

	hmap_init(&names);
	if (!(rc = index_service_names(m, &names)) &&
	    !(rc = join_tasks(m, &names)))
		name_services(m, &names);
	hmap_free(&names);
	return rc;
}

/* Concatenates the rules of an endpoint's groups per direction, so a query
 * walks one array per side.  Endpoints with the same group list share the
 * arrays: memory grows with distinct group lists, not with endpoints. */
static int build_endpoint_rules(sgreach_model *m)
{
	struct hmap seen;
	uint32_t i, k, d, first;
	int rc = 0;

	hmap_init(&seen);
	for (i = 0; i < m->endpoints.n && !rc; i++) {
		struct sg_endpoint *e = &m->endpoints.v[i];

		e->missing_groups = 0;
		for (k = 0; k < e->groups.n; k++)
			if (!m->groups.v[e->groups.v[k]].complete)
				e->missing_groups++;
		if (e->groups.n &&
		    hmap_get(&seen, e->groups.v, e->groups.n * sizeof(uint32_t),
			     &first)) {
			for (d = 0; d < 2; d++) {
				e->rules[d] = m->endpoints.v[first].rules[d];
				e->nrules[d] = m->endpoints.v[first].nrules[d];
			}
			continue;
		}
		for (d = 0; d < 2 && !rc; d++) {
			uint32_t n = 0;

			for (k = 0; k < e->groups.n; k++)
				n += m->groups.v[e->groups.v[k]].nrules[d];
			if (vec_reserve(&m->rule_sets, m->rule_sets.n + 1) ||
			    !(e->rules[d] =
				  calloc(n ? n : 1, sizeof(uint32_t)))) {
				rc = -ENOMEM;
				break;
			}
			m->rule_sets.v[m->rule_sets.n++] = e->rules[d];
			e->nrules[d] = 0;
			for (k = 0; k < e->groups.n; k++) {
				struct sg_group *g =
				    &m->groups.v[e->groups.v[k]];

				memcpy(e->rules[d] + e->nrules[d], g->rules[d],
				       g->nrules[d] * sizeof(uint32_t));
				e->nrules[d] += g->nrules[d];
			}
		}
		if (!rc && e->groups.n)
			rc = hmap_put(&seen, e->groups.v,
				      e->groups.n * sizeof(uint32_t), i);
	}
	hmap_free(&seen);
	return rc;
}

static int build_members(sgreach_model *m)
{
	uint32_t i, k;

	for (i = 0; i < m->endpoints.n; i++)
		for (k = 0; k < m->endpoints.v[i].groups.n; k++)
			m->groups.v[m->endpoints.v[i].groups.v[k]].nmembers++;
	for (i = 0; i < m->groups.n; i++) {
		struct sg_group *g = &m->groups.v[i];

		g->members =
		    calloc(g->nmembers ? g->nmembers : 1, sizeof(uint32_t));
		if (!g->members)
			return -ENOMEM;
		g->nmembers = 0;
	}
	for (i = 0; i < m->endpoints.n; i++)
		for (k = 0; k < m->endpoints.v[i].groups.n; k++) {
			struct sg_group *g =
			    &m->groups.v[m->endpoints.v[i].groups.v[k]];

			g->members[g->nmembers++] = i;
		}
	return 0;
}

/* A text two objects claim maps to SEL_AMBIGUOUS (see model.h for which
 * of the two maps a text goes to). */
static int put_selector(sgreach_model *m, const char *key, uint32_t val)
{
	struct sg_prefix p;
	struct kkey k;
	uint32_t old;

	if (sel_id_key(key, strlen(key), &k)) {
		if (kmap_get(&m->sel_ids, &k, &old) && old != val)
			val = SEL_PACK(SEL_KIND(val), SEL_AMBIGUOUS);
		return kmap_put(&m->sel_ids, &k, val);
	}
	if (hmap_get(&m->selectors, key, strlen(key), &old) && old != val)
		val = SEL_PACK(SEL_KIND(val), SEL_AMBIGUOUS);
	if (addr_parse_fast(key, 2, &p, NULL) == 0)
		m->sel_addrlike = 1;
	return hmap_put(&m->selectors, key, strlen(key), val);
}

/* Selects service endpoint i by "service:" and name. */
static int put_service_selector(sgreach_model *m, const char *name, uint32_t i)
{
	struct strbuf sb;
	const char *key;

	sb_init(&sb);
	sb_puts(&sb, "service:");
	sb_puts(&sb, name);
	key = sb_str(&sb);
	key = key ? model_str(m, key) : NULL;
	sb_free(&sb);
	return key ? put_selector(m, key, SEL_PACK(SEL_SERVICE, i)) : -ENOMEM;
}

/* The address index: one endpoint per address, or SEL_AMBIGUOUS.  An
 * address an endpoint holds twice keeps its first entry. */
static int put_address(sgreach_model *m, const struct sg_eaddr *a, uint32_t i)
{
	uint32_t val = a->is_public ? i | ADDRV_PUBLIC : i, old;

	if (a->p.fam == 4) {
		uint32_t key = (uint32_t)(a->p.a.hi >> 32);

		if (u32map_get(&m->addr4, key, &old)) {
			if ((old & ~ADDRV_PUBLIC) == i)
				return 0;
			val = SEL_AMBIGUOUS;
		}
		return u32map_put(&m->addr4, key, val);
	} else {
		struct kkey key = {a->p.a.hi, a->p.a.lo, ADDR6_TAG};

		if (kmap_get(&m->addr6, &key, &old)) {
			if ((old & ~ADDRV_PUBLIC) == i)
				return 0;
			val = SEL_AMBIGUOUS;
		}
		return kmap_put(&m->addr6, &key, val);
	}
}

static int build_selectors(sgreach_model *m)
{
	uint32_t i, k;
	int rc = 0;

	for (i = 0; i < m->endpoints.n && !rc; i++) {
		struct sg_endpoint *e = &m->endpoints.v[i];

		if (e->kind == SGREACH_ENDPOINT_SERVICE) {
			/* service:CLUSTER/NAME, and service:NAME: ambiguous
			 * when several clusters have a service NAME, the
			 * service loaded without a cluster when there is one
			 * (its id is NAME: nothing else could select it). */
			const char *n = model_service_short(e->id);

			rc = put_service_selector(m, e->id, i);
			if (!rc && n != e->id && find_service(m, n) == SG_NONE)
				rc = put_service_selector(m, n, i);
		} else {
			rc = put_selector(m, e->id, SEL_PACK(SEL_ENDPOINT, i));
		}
	}
	for (i = 0; i < m->tasks.n && !rc; i++) {
		struct sg_task *t = &m->tasks.v[i];

		if (t->endpoint == SG_NONE)
			continue;
		rc = put_selector(m, t->arn, SEL_PACK(SEL_TASK, i));
		if (!rc && t->id != t->arn)
			rc = put_selector(m, t->id, SEL_PACK(SEL_TASK, i));
	}
	if (rc)
		return rc;

	/* Addresses of network interfaces (services are sets, not
	 * addresses). */
	for (i = 0; i < m->endpoints.n; i++) {
		struct sg_endpoint *e = &m->endpoints.v[i];

		if (e->kind == SGREACH_ENDPOINT_SERVICE)
			continue;
		for (k = 0; k < e->addrs.n; k++) {
			if (e->addrs.v[k].p.len !=
			    (e->addrs.v[k].p.fam == 4 ? 32 : 128)) {
				struct sg_delegated d = {e->addrs.v[k].p, i};

				if (vec_push(&m->delegated, d))
					return -ENOMEM;
				continue;
			}
			if ((rc = put_address(m, &e->addrs.v[k], i)))
				return rc;
		}
	}
	return 0;
}

static int warn_dangling(sgreach_model *m)
{
	uint32_t i;

	for (i = 0; i < m->rules.n; i++) {
		struct sg_rule *r = &m->rules.v[i];

		if (r->dropped || r->peer_kind != SGREACH_PEER_PREFIX_LIST)
			continue;
		if (!m->plists.v[r->peer].loaded &&
		    model_warn(m,
			       "security group %s: prefix list %s is not "
			       "loaded; rules naming it give 'unknown'",
			       m->groups.v[r->group].id, r->peer_text))
			return -ENOMEM;
	}
	return 0;
}

int model_resolve(sgreach_model *m)
{
	int rc;

	if ((rc = settle_redefinitions(m)) || (rc = drop_duplicates(m)) ||
	    (rc = resolve_tasks(m)) || (rc = resolve_endpoints(m)) ||
	    (rc = build_group_rules(m)) || (rc = build_hot_rules(m)) ||
	    (rc = build_plist4(m)) || (rc = build_endpoint_rules(m)) ||
	    (rc = build_members(m)) || (rc = build_query_endpoints(m)) ||
	    (rc = build_copied_runs(m)) || (rc = build_selectors(m)) ||
	    (rc = warn_dangling(m)))
		return rc;
	model_pack_queries(m);
	return 0;
}

SGREACH_API int sgreach_model_finalize(sgreach_model *m)
{
	int rc;

	if (!m)
		return -EINVAL;
	if (m->finalized)
		return model_fail(m, -EBUSY, "the model is already finalized");
	rc = model_resolve(m);
	if (rc == -ENOMEM)
		model_fail(m, rc, "out of memory while finalizing the model");
	if (rc == 0)
		m->finalized = 1;
	return rc;
}

/*
 * model.c - building a model by reference: the add functions, interning,
 * diagnostics, and the all-or-nothing rollback of a failed load.
 */
#include "model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "proto.h"
#include "strbuf.h"

/* ------------------------------------------------------------- helpers -- */

int vec_grow_(void **v, uint32_t *cap, size_t elem, uint32_t need)
{
	uint32_t ncap;
	void *nv;

	if (need <= *cap)
		return 0;
	if (need > UINT32_MAX / 2)
		return -ENOMEM;
	ncap = *cap ? *cap : 4;
	while (ncap < need)
		ncap *= 2;
	nv = realloc(*v, (size_t)ncap * elem);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

/* Strings live in large chunks freed with the model: ids are many, small
 * and never freed one by one. */
struct arena_chunk {
	struct arena_chunk *next;
	size_t used, size;
	char data[];
};

static char *arena_alloc(sgreach_model *m, size_t n)
{
	struct arena_chunk *c = m->arena;

	if (!c || c->size - c->used < n) {
		size_t size = n > 65536 ? n : 65536;

		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->next = m->arena;
		c->used = 0;
		c->size = size;
		m->arena = c;
	}
	c->used += n;
	return c->data + c->used - n;
}

const char *model_str(sgreach_model *m, const char *s)
{
	size_t len;
	char *p;

	if (!s)
		return NULL;
	len = strlen(s);
	/* The strings map holds the interned copies themselves as keys. */
	if (m->strings.slots) {
		const struct hslot *slot;
		uint32_t h = hash_bytes(s, len);
		size_t i = h & m->strings.mask;

		for (;; i = (i + 1) & m->strings.mask) {
			slot = &m->strings.slots[i];
			if (!slot->key)
				break;
			if (slot->hash == h && slot->len == len &&
			    memcmp(slot->key, s, len) == 0)
				return slot->key;
		}
	}
	p = arena_alloc(m, len + 1);
	if (!p)
		return NULL;
	memcpy(p, s, len + 1);
	if (hmap_put(&m->strings, p, len, 0))
		return NULL;
	return p;
}

int model_warn(sgreach_model *m, const char *fmt, ...)
{
	char buf[1024], clean[1024], *w;
	va_list ap;
	int n = 0;

	if (m->source_name)
		n = snprintf(buf, sizeof(buf), "%s: ", m->source_name);
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	/* Warnings quote ids from input and are printed to terminals. */
	text_scrub(clean, sizeof(clean), buf);
	w = strdup(clean);
	if (!w || vec_push(&m->warnings, w)) {
		free(w);
		return -ENOMEM;
	}
	return 0;
}

int model_fail(sgreach_model *m, int err, const char *fmt, ...)
{
	char buf[sizeof(m->err)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	text_scrub(m->err, sizeof(m->err), buf);
	return err;
}

static uint32_t find(const struct hmap *h, const char *id)
{
	uint32_t v;

	if (!id || !hmap_get(h, id, strlen(id), &v))
		return SG_NONE;
	return v;
}

uint32_t model_find_group(const sgreach_model *m, const char *id)
{
	return find(&m->group_ids, id);
}

uint32_t model_find_endpoint(const sgreach_model *m, const char *id)
{
	return find(&m->endpoint_ids, id);
}

uint32_t model_find_plist(const sgreach_model *m, const char *id)
{
	return find(&m->plist_ids, id);
}

/* ------------------------------------------------------------- rollback -- */

/*
 * A load either completes or leaves the model as it was.  New objects are
 * dropped by truncating the arrays; changes to objects that existed before
 * the load are undone from this log; the id maps are then rebuilt.
 */
enum undo_kind {
	U_GROUP,      /* name, vpc, complete, def_sources.n */
	U_EP_GROUPS,  /* endpoints[i].groups.n */
	U_EP_ADDRS,   /* endpoints[i].addrs.n */
	U_EP_SUBNETS, /* endpoints[i].subnet_ids.n */
	U_PLIST,      /* name, loaded, entries.n */
	U_SUBNET,     /* vpc, cidrs.n */
	U_VPC,	      /* cidrs.n */
	U_EP_PUBLIC,  /* endpoints[i].assign_public */
};

struct undo {
	uint8_t kind;
	uint8_t flag;
	uint32_t idx;
	uint32_t n;
	const char *s1, *s2;
};

struct load_mark {
	int active;
	uint32_t groups, rules, endpoints, tasks, plists, subnets, vpcs,
	    peerings, warnings, sources;
	size_t ignored;
	VEC(struct undo) log;
};

static struct load_mark *mark_of(sgreach_model *m);

static void undo_log(sgreach_model *m, enum undo_kind kind, uint32_t idx,
		     uint32_t existing_count)
{
	struct load_mark *mk = mark_of(m);
	struct undo u = {0};

	if (!mk || !mk->active || idx >= existing_count)
		return; /* created by this load: truncation removes it */
	u.kind = (uint8_t)kind;
	u.idx = idx;
	switch (kind) {
	case U_GROUP: {
		struct sg_group *g = &m->groups.v[idx];

		u.s1 = g->name;
		u.s2 = g->vpc;
		u.flag = g->complete;
		u.n = g->def_sources.n;
		break;
	}
	case U_EP_GROUPS:
		u.n = m->endpoints.v[idx].groups.n;
		break;
	case U_EP_ADDRS:
		u.n = m->endpoints.v[idx].addrs.n;
		break;
	case U_EP_SUBNETS:
		u.n = m->endpoints.v[idx].subnet_ids.n;
		break;
	case U_PLIST:
		u.s1 = m->plists.v[idx].name;
		u.flag = m->plists.v[idx].loaded;
		u.n = m->plists.v[idx].entries.n;
		break;
	case U_SUBNET:
		u.s1 = m->subnets.v[idx].vpc;
		u.n = m->subnets.v[idx].cidrs.n;
		break;
	case U_VPC:
		u.n = m->vpcs.v[idx].cidrs.n;
		break;
	case U_EP_PUBLIC:
		u.flag = m->endpoints.v[idx].assign_public;
		break;
	}
	/* On allocation failure the load fails anyway; an entry logged twice
	 * restores the older value last, which is the right one. */
	(void)vec_push(&mk->log, u);
}

/* The mark lives beside the model, allocated on first load. */
static struct load_mark *mark_of(sgreach_model *m)
{
	return (struct load_mark *)m->load_mark;
}

static void free_endpoint(struct sg_endpoint *e)
{
	vec_free(&e->groups);
	vec_free(&e->addrs);
	vec_free(&e->subnet_ids);
	vec_free(&e->members);
}

static void free_group(struct sg_group *g)
{
	vec_free(&g->def_sources);
	free(g->rules[0]);
	free(g->rules[1]);
	free(g->members);
}

static int rebuild_maps(sgreach_model *m)
{
	uint32_t i;
	int rc = 0;

#define REBUILD(map, vec)                                                      \
	do {                                                                   \
		hmap_free(&m->map);                                            \
		for (i = 0; i < m->vec.n && !rc; i++)                          \
			rc = hmap_put(&m->map, m->vec.v[i].id,                 \
				      strlen(m->vec.v[i].id), i);              \
	} while (0)
	REBUILD(group_ids, groups);
	REBUILD(endpoint_ids, endpoints);
	REBUILD(plist_ids, plists);
	REBUILD(subnet_ids, subnets);
	REBUILD(vpc_ids, vpcs);
	hmap_free(&m->task_ids);
	for (i = 0; i < m->tasks.n && !rc; i++)
		rc = hmap_put(&m->task_ids, m->tasks.v[i].arn,
			      strlen(m->tasks.v[i].arn), i);
#undef REBUILD
	return rc;
}

void model_load_begin(sgreach_model *m, const char *name)
{
	struct load_mark *mk = mark_of(m);

	if (!mk) {
		mk = calloc(1, sizeof(*mk));
		m->load_mark = mk;
		if (!mk)
			return; /* then a failed load cannot be undone: the
				   caller sees -ENOMEM from the load anyway */
	}
	mk->active = 1;
	mk->groups = m->groups.n;
	mk->rules = m->rules.n;
	mk->endpoints = m->endpoints.n;
	mk->tasks = m->tasks.n;
	mk->plists = m->plists.n;
	mk->subnets = m->subnets.n;
	mk->vpcs = m->vpcs.n;
	mk->peerings = m->peerings.n;
	mk->warnings = m->warnings.n;
	mk->sources = m->sources.n;
	mk->ignored = m->ignored_resources;
	mk->log.n = 0;
	m->source = m->sources.n + 1;
	m->source_name = model_str(m, name ? name : "<buffer>");
	if (m->source_name)
		(void)vec_push(&m->sources, m->source_name);
}

void model_load_end(sgreach_model *m, int ok)
{
	struct load_mark *mk = mark_of(m);
	uint32_t i;

	m->source = 0;
	m->source_name = NULL;
	if (!mk || !mk->active)
		return;
	mk->active = 0;
	if (ok)
		return;
	/* Undo changes to older objects, newest first. */
	for (i = mk->log.n; i-- > 0;) {
		struct undo *u = &mk->log.v[i];

		switch (u->kind) {
		case U_GROUP: {
			struct sg_group *g = &m->groups.v[u->idx];

			g->name = u->s1;
			g->vpc = u->s2;
			g->complete = u->flag;
			g->def_sources.n = u->n;
			break;
		}
		case U_EP_GROUPS:
			m->endpoints.v[u->idx].groups.n = u->n;
			break;
		case U_EP_ADDRS:
			m->endpoints.v[u->idx].addrs.n = u->n;
			break;
		case U_EP_SUBNETS:
			m->endpoints.v[u->idx].subnet_ids.n = u->n;
			break;
		case U_PLIST:
			m->plists.v[u->idx].name = u->s1;
			m->plists.v[u->idx].loaded = u->flag;
			m->plists.v[u->idx].entries.n = u->n;
			break;
		case U_SUBNET:
			m->subnets.v[u->idx].vpc = u->s1;
			m->subnets.v[u->idx].cidrs.n = u->n;
			break;
		case U_VPC:
			m->vpcs.v[u->idx].cidrs.n = u->n;
			break;
		case U_EP_PUBLIC:
			m->endpoints.v[u->idx].assign_public = u->flag;
			break;
		}
	}
	for (i = mk->groups; i < m->groups.n; i++)
		free_group(&m->groups.v[i]);
	for (i = mk->endpoints; i < m->endpoints.n; i++)
		free_endpoint(&m->endpoints.v[i]);
	for (i = mk->plists; i < m->plists.n; i++)
		vec_free(&m->plists.v[i].entries);
	for (i = mk->subnets; i < m->subnets.n; i++)
		vec_free(&m->subnets.v[i].cidrs);
	for (i = mk->vpcs; i < m->vpcs.n; i++)
		vec_free(&m->vpcs.v[i].cidrs);
	for (i = mk->warnings; i < m->warnings.n; i++)
		free(m->warnings.v[i]);
	m->groups.n = mk->groups;
	m->rules.n = mk->rules;
	m->endpoints.n = mk->endpoints;
	m->tasks.n = mk->tasks;
	m->plists.n = mk->plists;
	m->subnets.n = mk->subnets;
	m->vpcs.n = mk->vpcs;
	m->peerings.n = mk->peerings;
	m->warnings.n = mk->warnings;
	m->sources.n = mk->sources;
	m->ignored_resources = mk->ignored;
	/* Rebuilding can only fail for memory; the maps are then partial and
	 * every later add reports -ENOMEM soon enough. */
	(void)rebuild_maps(m);
}

/* ------------------------------------------------------------ lifecycle -- */

SGREACH_API sgreach_model *sgreach_model_new(void)
{
	static uint64_t next_serial;
	sgreach_model *m = calloc(1, sizeof(sgreach_model));

	/* Atomic: models may be created from several threads. */
	if (m)
		m->serial =
		    __atomic_add_fetch(&next_serial, 1, __ATOMIC_RELAXED);
	return m;
}

SGREACH_API void sgreach_model_free(sgreach_model *m)
{
	struct load_mark *mk;
	uint32_t i;

	if (!m)
		return;
	for (i = 0; i < m->groups.n; i++)
		free_group(&m->groups.v[i]);
	for (i = 0; i < m->endpoints.n; i++)
		free_endpoint(&m->endpoints.v[i]);
	for (i = 0; i < m->plists.n; i++)
		vec_free(&m->plists.v[i].entries);
	for (i = 0; i < m->subnets.n; i++)
		vec_free(&m->subnets.v[i].cidrs);
	for (i = 0; i < m->vpcs.n; i++)
		vec_free(&m->vpcs.v[i].cidrs);
	for (i = 0; i < m->warnings.n; i++)
		free(m->warnings.v[i]);
	vec_free(&m->groups);
	vec_free(&m->rules);
	vec_free(&m->endpoints);
	vec_free(&m->tasks);
	vec_free(&m->plists);
	vec_free(&m->subnets);
	vec_free(&m->vpcs);
	vec_free(&m->peerings);
	vec_free(&m->delegated);
	for (i = 0; i < m->rule_sets.n; i++)
		free(m->rule_sets.v[i]);
	vec_free(&m->rule_sets);
	if (m->pack) { /* they are in it */
		m->hot = NULL;
		m->hrange = NULL;
		m->hkey = NULL;
		m->hcopy = NULL;
		m->qep = NULL;
		m->sel_ids.slots = NULL;
		m->addr4.slots = NULL;
		free(m->pack);
	}
	free(m->hot);
	free(m->hrange);
	free(m->plist4);
	free(m->hkey);
	free(m->hcopy);
	free(m->qep);
	free(m->grun);
	free(m->qvpc);
	free(m->qconn);
	vec_free(&m->warnings);
	vec_free(&m->sources);
	hmap_free(&m->group_ids);
	hmap_free(&m->endpoint_ids);
	hmap_free(&m->task_ids);
	hmap_free(&m->plist_ids);
	hmap_free(&m->subnet_ids);
	hmap_free(&m->vpc_ids);
	hmap_free(&m->strings);
	hmap_free(&m->selectors);
	kmap_free(&m->sel_ids);
	u32map_free(&m->addr4);
	kmap_free(&m->addr6);
	mk = mark_of(m);
	if (mk) {
		vec_free(&mk->log);
		free(mk);
	}
	while (m->arena) {
		struct arena_chunk *c = m->arena;

		m->arena = c->next;
		free(c);
	}
	free(m);
}

SGREACH_API const char *sgreach_model_error(const sgreach_model *m)
{
	return m ? m->err : "";
}

SGREACH_API size_t sgreach_model_warning_count(const sgreach_model *m)
{
	return m ? m->warnings.n : 0;
}

SGREACH_API const char *sgreach_model_warning(const sgreach_model *m, size_t i)
{
	if (!m || i >= m->warnings.n)
		return NULL;
	return m->warnings.v[i];
}

SGREACH_API size_t sgreach_model_count(const sgreach_model *m,
				       sgreach_count what)
{
	size_t n = 0;
	uint32_t i;

	if (!m)
		return 0;
	switch (what) {
	case SGREACH_COUNT_GROUPS:
		return m->groups.n;
	case SGREACH_COUNT_RULES:
		for (i = 0; i < m->rules.n; i++)
			n += !m->rules.v[i].dropped;
		return n;
	case SGREACH_COUNT_ENDPOINTS:
		return m->endpoints.n;
	case SGREACH_COUNT_TASKS:
		return m->tasks.n;
	case SGREACH_COUNT_PREFIX_LISTS:
		return m->plists.n;
	case SGREACH_COUNT_SUBNETS:
		return m->subnets.n;
	case SGREACH_COUNT_VPCS:
		return m->vpcs.n;
	}
	return 0;
}

/* ----------------------------------------------------------------- adds -- */

#define CHECK_OPEN(m)                                                          \
	do {                                                                   \
		if (!(m))                                                      \
			return -EINVAL;                                        \
		if ((m)->finalized)                                            \
			return model_fail((m), -EBUSY,                         \
					  "the model is finalized");           \
	} while (0)

static int check_id(sgreach_model *m, const char *what, const char *id)
{
	if (!id || !*id)
		return model_fail(m, -EINVAL, "%s: an id is required", what);
	return 0;
}

/* Finds id in map or appends a zeroed element to vec with that id. */
#define FIND_OR_ADD(m, map, vec, idv, outidx, created)                         \
	do {                                                                   \
		uint32_t i_ = find(&(m)->map, (idv));                          \
		(created) = 0;                                                 \
		if (i_ == SG_NONE) {                                           \
			const char *s_ = model_str((m), (idv));                \
			if (!s_ || vec_reserve(&(m)->vec, (m)->vec.n + 1))     \
				return -ENOMEM;                                \
			i_ = (m)->vec.n;                                       \
			memset(&(m)->vec.v[i_], 0, sizeof((m)->vec.v[i_]));    \
			(m)->vec.v[i_].id = s_;                                \
			if (hmap_put(&(m)->map, s_, strlen(s_), i_))           \
				return -ENOMEM;                                \
			(m)->vec.n++;                                          \
			(created) = 1;                                         \
		}                                                              \
		(outidx) = i_;                                                 \
	} while (0)

static int group_ref(sgreach_model *m, const char *id, uint32_t *out)
{
	int created;
	uint32_t idx;

	FIND_OR_ADD(m, group_ids, groups, id, idx, created);
	(void)created;
	*out = idx;
	return 0;
}

uint32_t model_group_ref(sgreach_model *m, const char *id)
{
	uint32_t idx;

	return group_ref(m, id, &idx) ? SG_NONE : idx;
}

static int plist_ref(sgreach_model *m, const char *id, uint32_t *out)
{
	int created;
	uint32_t idx;

	FIND_OR_ADD(m, plist_ids, plists, id, idx, created);
	(void)created;
	*out = idx;
	return 0;
}

uint32_t model_plist_ref(sgreach_model *m, const char *id)
{
	uint32_t idx;

	return plist_ref(m, id, &idx) ? SG_NONE : idx;
}

SGREACH_API int sgreach_model_add_group(sgreach_model *m, const char *group_id,
					const char *name, const char *vpc_id,
					unsigned int flags)
{
	struct load_mark *mk;
	struct sg_group *g;
	uint32_t idx, i, existing;
	int rc;

	CHECK_OPEN(m);
	if ((rc = check_id(m, "security group", group_id)))
		return rc;
	if (flags & ~(unsigned int)SGREACH_GROUP_COMPLETE)
		return model_fail(m, -EINVAL, "%s: unknown flags", group_id);
	mk = mark_of(m);
	existing = mk && mk->active ? mk->groups : m->groups.n;
	if ((rc = group_ref(m, group_id, &idx)))
		return rc;
	undo_log(m, U_GROUP, idx, existing);
	g = &m->groups.v[idx];
	if (name && !(g->name = model_str(m, name)))
		return -ENOMEM;
	if (vpc_id && !(g->vpc = model_str(m, vpc_id)))
		return -ENOMEM;
	if (name && strcmp(name, "default") == 0)
		g->is_default = 1;
	if (flags & SGREACH_GROUP_COMPLETE) {
		g->complete = 1;
		for (i = 0; i < g->def_sources.n; i++)
			if (g->def_sources.v[i] == m->source)
				return 0;
		if (vec_push(&g->def_sources, m->source))
			return -ENOMEM;
	}
	return 0;
}

/* Normalises ports as AWS reads them: -1 (or an absent bound) means all. */
static int norm_ports(sgreach_model *m, const char *gid, int proto, int from,
		      int to, int32_t *lo, int32_t *hi)
{
	if (proto == PROTO_TCP || proto == PROTO_UDP) {
		if (from < -1 || from > 65535 || to < -1 || to > 65535)
			return model_fail(m, -EINVAL,
					  "%s: port range %d-%d: ports are -1 "
					  "or 0 to 65535",
					  gid, from, to);
		if (from == -1 || to == -1) {
			*lo = 0;
			*hi = 65535;
			return 0;
		}
		if (from > to)
			return model_fail(m, -EINVAL,
					  "%s: port range %d-%d: the first "
					  "port is greater than the last",
					  gid, from, to);
		*lo = from;
		*hi = to;
		return 0;
	}
	if (proto == PROTO_ICMP || proto == PROTO_ICMPV6) {
		if (from < -1 || from > 255 || to < -1 || to > 255)
			return model_fail(m, -EINVAL,
					  "%s: ICMP type %d code %d: each is "
					  "-1 or 0 to 255",
					  gid, from, to);
		*lo = from;
		*hi = from == -1 ? -1 : to;
		return 0;
	}
	*lo = -1;
	*hi = -1;
	return 0;
}

/* "111122223333/sg-0123" names sg-0123 of another account: group ids are
 * unique across accounts, so membership is looked up by the bare id. */
static const char *bare_group_id(const char *peer)
{
	const char *p = peer;

	while (*p >= '0' && *p <= '9')
		p++;
	return *p == '/' && p > peer ? p + 1 : peer;
}

SGREACH_API int sgreach_model_add_rule(sgreach_model *m, const char *group_id,
				       sgreach_direction dir,
				       const char *protocol, int from_port,
				       int to_port, sgreach_peer_kind peer_kind,
				       const char *peer, const char *rule_id,
				       const char *description,
				       unsigned int flags)
{
	struct sg_rule r;
	uint32_t gidx;
	int rc, proto;

	CHECK_OPEN(m);
	if ((rc = check_id(m, "rule", group_id)))
		return rc;
	memset(&r, 0, sizeof(r));
	if (dir != SGREACH_INGRESS && dir != SGREACH_EGRESS)
		return model_fail(m, -EINVAL, "%s: invalid rule direction",
				  group_id);
	if (flags & ~(unsigned int)SGREACH_RULE_STALE)
		return model_fail(m, -EINVAL, "%s: unknown rule flags",
				  group_id);
	if (protocol_parse(protocol, &proto))
		return model_fail(m, -EINVAL,
				  "%s: invalid protocol '%s': expected -1, "
				  "tcp, udp, icmp, icmpv6, a protocol name or "
				  "a number from 0 to 255",
				  group_id, protocol ? protocol : "(null)");
	if ((rc = norm_ports(m, group_id, proto, from_port, to_port, &r.from,
			     &r.to)))
		return rc;
	r.proto = proto;
	r.dir = (uint8_t)dir;
	r.peer_kind = (uint8_t)peer_kind;
	r.peer = SG_NONE;
	r.stale = !!(flags & SGREACH_RULE_STALE);
	if (!peer || !*peer)
		return model_fail(m, -EINVAL, "%s: a rule needs a peer",
				  group_id);
	switch (peer_kind) {
	case SGREACH_PEER_CIDR: {
		int hb = 0;

		if (addr_parse(peer, 1, &r.cidr, &hb))
			return model_fail(m, -EINVAL,
					  "%s: invalid CIDR '%s': expected "
					  "a.b.c.d/n or an IPv6 prefix",
					  group_id, peer);
		r.host_bits = (uint8_t)hb;
		break;
	}
	case SGREACH_PEER_PREFIX_LIST:
		if ((rc = plist_ref(m, peer, &r.peer)))
			return rc;
		break;
	case SGREACH_PEER_GROUP:
		if (!*bare_group_id(peer))
			return model_fail(m, -EINVAL,
					  "%s: invalid group reference '%s'",
					  group_id, peer);
		if ((rc = group_ref(m, bare_group_id(peer), &r.peer)))
			return rc;
		break;
	case SGREACH_PEER_UNKNOWN:
		break;
	default:
		return model_fail(m, -EINVAL, "%s: invalid peer kind",
				  group_id);
	}
	if ((rc = group_ref(m, group_id, &gidx)))
		return rc;
	r.group = gidx;
	r.source = m->source;
	r.position = m->rules.n;
	if (!(r.peer_text = model_str(m, peer)) ||
	    (rule_id && !(r.rule_id = model_str(m, rule_id))) ||
	    (description && !(r.description = model_str(m, description))))
		return -ENOMEM;
	return vec_push(&m->rules, r);
}

SGREACH_API int
sgreach_model_add_endpoint(sgreach_model *m, const char *endpoint_id,
			   sgreach_endpoint_kind kind, const char *vpc_id,
			   const char *subnet_id, const char *description)
{
	struct sg_endpoint *e;
	uint32_t idx;
	int rc, created;

	CHECK_OPEN(m);
	if ((rc = check_id(m, "endpoint", endpoint_id)))
		return rc;
	if (kind > SGREACH_ENDPOINT_SERVICE)
		return model_fail(m, -EINVAL, "%s: invalid endpoint kind",
				  endpoint_id);
	if (find(&m->endpoint_ids, endpoint_id) != SG_NONE)
		return model_fail(
		    m, -EEXIST, "%s: %s added twice", endpoint_id,
		    kind == SGREACH_ENDPOINT_SERVICE ? "service" : "endpoint");
	FIND_OR_ADD(m, endpoint_ids, endpoints, endpoint_id, idx, created);
	(void)created;
	e = &m->endpoints.v[idx];
	e->kind = (uint8_t)kind;
	e->vpc_idx = e->task = e->service = SG_NONE;
	if ((vpc_id && !(e->vpc = model_str(m, vpc_id))) ||
	    (subnet_id && !(e->subnet = model_str(m, subnet_id))) ||
	    (description && !(e->description = model_str(m, description))))
		return -ENOMEM;
	return 0;
}

static int endpoint_for_update(sgreach_model *m, const char *id,
			       enum undo_kind kind, uint32_t *out)
{
	struct load_mark *mk = mark_of(m);
	uint32_t idx;
	int rc;

	*out = SG_NONE; /* on failure too: GCC -O3 cannot tell it unread */
	if ((rc = check_id(m, "endpoint", id)))
		return rc;
	idx = find(&m->endpoint_ids, id);
	if (idx == SG_NONE)
		return model_fail(m, -ENOENT, "%s: no such endpoint", id);
	undo_log(m, kind, idx, mk && mk->active ? mk->endpoints : UINT32_MAX);
	*out = idx;
	return 0;
}

SGREACH_API int sgreach_model_add_address(sgreach_model *m,
					  const char *endpoint_id,
					  const char *address,
					  unsigned int flags)
{
	struct sg_eaddr a;
	uint32_t idx;
	uint32_t i;
	int rc;

	CHECK_OPEN(m);
	if (flags & ~(unsigned int)SGREACH_ADDR_PUBLIC)
		return model_fail(m, -EINVAL, "unknown address flags");
	memset(&a, 0, sizeof(a));
	if (addr_parse(address, 2, &a.p, NULL))
		return model_fail(m, -EINVAL,
				  "%s: invalid address '%s': expected an IPv4 "
				  "or IPv6 address or prefix",
				  endpoint_id ? endpoint_id : "(null)",
				  address ? address : "(null)");
	if ((rc = endpoint_for_update(m, endpoint_id, U_EP_ADDRS, &idx)))
		return rc;
	a.is_public = !!(flags & SGREACH_ADDR_PUBLIC);
	/* The same address listed twice (PrivateIpAddress and
	 * PrivateIpAddresses[]) is one address. */
	if (m->endpoints.v[idx].addrs.n >= SG_MAX_ENDPOINT_ADDRS)
		return model_fail(m, -E2BIG,
				  "%s: more than %d addresses on one endpoint",
				  endpoint_id, SG_MAX_ENDPOINT_ADDRS);
	for (i = 0; i < m->endpoints.v[idx].addrs.n; i++) {
		struct sg_eaddr *o = &m->endpoints.v[idx].addrs.v[i];

		if (o->p.fam == a.p.fam && o->p.len == a.p.len &&
		    !addr_cmp(&o->p.a, &a.p.a) && o->is_public == a.is_public)
			return 0;
	}
	return vec_push(&m->endpoints.v[idx].addrs, a);
}

SGREACH_API int sgreach_model_add_endpoint_group(sgreach_model *m,
						 const char *endpoint_id,
						 const char *group_id)
{
	uint32_t idx, g, i;
	int rc;

	CHECK_OPEN(m);
	if ((rc = check_id(m, "group", group_id)))
		return rc;
	if ((rc = endpoint_for_update(m, endpoint_id, U_EP_GROUPS, &idx)))
		return rc;
	if ((rc = group_ref(m, group_id, &g)))
		return rc;
	for (i = 0; i < m->endpoints.v[idx].groups.n; i++)
		if (m->endpoints.v[idx].groups.v[i] == g)
			return 0;
	if (m->endpoints.v[idx].groups.n >= SG_MAX_ENDPOINT_GROUPS)
		return model_fail(m, -E2BIG,
				  "%s: more than %d security groups on one "
				  "endpoint (AWS allows 16)",
				  endpoint_id, SG_MAX_ENDPOINT_GROUPS);
	return vec_push(&m->endpoints.v[idx].groups, g);
}

SGREACH_API int sgreach_model_set_endpoint_public(sgreach_model *m,
						  const char *endpoint_id,
						  int is_public)
{
	uint32_t idx;
	int rc;

	CHECK_OPEN(m);
	if ((rc = endpoint_for_update(m, endpoint_id, U_EP_PUBLIC, &idx)))
		return rc;
	m->endpoints.v[idx].assign_public = !!is_public;
	return 0;
}

SGREACH_API int sgreach_model_add_endpoint_subnet(sgreach_model *m,
						  const char *endpoint_id,
						  const char *subnet_id)
{
	const char *s;
	uint32_t idx;
	int rc;

	CHECK_OPEN(m);
	if ((rc = check_id(m, "subnet", subnet_id)))
		return rc;
	if ((rc = endpoint_for_update(m, endpoint_id, U_EP_SUBNETS, &idx)))
		return rc;
	if (!(s = model_str(m, subnet_id)))
		return -ENOMEM;
	return vec_push(&m->endpoints.v[idx].subnet_ids, s);
}

SGREACH_API int sgreach_model_add_task(sgreach_model *m, const char *task_arn,
				       const char *endpoint_id,
				       const char *service)
{
	struct sg_task t;
	const char *slash;
	int rc;

	CHECK_OPEN(m);
	if ((rc = check_id(m, "task", task_arn)) ||
	    (rc = check_id(m, "task endpoint", endpoint_id)))
		return rc;
	if (find(&m->task_ids, task_arn) != SG_NONE)
		return model_fail(m, -EEXIST, "%s: task added twice", task_arn);
	memset(&t, 0, sizeof(t));
	if (!(t.arn = model_str(m, task_arn)) ||
	    !(t.endpoint_id = model_str(m, endpoint_id)) ||
	    (service && !(t.service = model_str(m, service))))
		return -ENOMEM;
	slash = strrchr(t.arn, '/');
	t.id = slash && slash[1] ? slash + 1 : t.arn;
	t.endpoint = SG_NONE;
	if (hmap_put(&m->task_ids, t.arn, strlen(t.arn), m->tasks.n))
		return -ENOMEM;
	return vec_push(&m->tasks, t);
}

SGREACH_API int sgreach_model_add_prefix_list(sgreach_model *m,
					      const char *prefix_list_id,
					      const char *name)
{
	struct load_mark *mk = mark_of(m);
	uint32_t idx;
	int rc;

	CHECK_OPEN(m);
	if ((rc = check_id(m, "prefix list", prefix_list_id)))
		return rc;
	mk = mark_of(m);
	if ((rc = plist_ref(m, prefix_list_id, &idx)))
		return rc;
	undo_log(m, U_PLIST, idx, mk && mk->active ? mk->plists : UINT32_MAX);
	m->plists.v[idx].loaded = 1;
	if (name && !(m->plists.v[idx].name = model_str(m, name)))
		return -ENOMEM;
	return 0;
}

SGREACH_API int sgreach_model_add_prefix_list_entry(sgreach_model *m,
						    const char *prefix_list_id,
						    const char *cidr)
{
	struct sg_prefix p;
	int rc;

	CHECK_OPEN(m);
	if (addr_parse(cidr, 1, &p, NULL))
		return model_fail(m, -EINVAL,
				  "%s: invalid CIDR '%s' in prefix list",
				  prefix_list_id ? prefix_list_id : "(null)",
				  cidr ? cidr : "(null)");
	if ((rc = sgreach_model_add_prefix_list(m, prefix_list_id, NULL)))
		return rc;
	return vec_push(
	    &m->plists.v[model_plist_ref(m, prefix_list_id)].entries, p);
}

static int subnet_ref(sgreach_model *m, const char *id, uint32_t *out)
{
	struct load_mark *mk = mark_of(m);
	int created;
	uint32_t idx;

	FIND_OR_ADD(m, subnet_ids, subnets, id, idx, created);
	(void)created;
	undo_log(m, U_SUBNET, idx, mk && mk->active ? mk->subnets : UINT32_MAX);
	*out = idx;
	return 0;
}

static int add_cidr_to(sgreach_model *m, const char *owner, const char *cidr,
		       void *vec)
{
	VEC(struct sg_prefix) *v = vec;
	struct sg_prefix p;
	uint32_t i;

	if (addr_parse(cidr, 1, &p, NULL))
		return model_fail(m, -EINVAL, "%s: invalid CIDR '%s'", owner,
				  cidr);
	for (i = 0; i < v->n; i++)
		if (v->v[i].fam == p.fam && v->v[i].len == p.len &&
		    !addr_cmp(&v->v[i].a, &p.a))
			return 0;
	return vec_push(v, p);
}

SGREACH_API int sgreach_model_add_subnet(sgreach_model *m,
					 const char *subnet_id,
					 const char *vpc_id, const char *cidr)
{
	uint32_t idx;
	int rc;

	CHECK_OPEN(m);
	if ((rc = check_id(m, "subnet", subnet_id)))
		return rc;
	if (cidr) {
		struct sg_prefix p;

		if (addr_parse(cidr, 1, &p, NULL))
			return model_fail(m, -EINVAL, "%s: invalid CIDR '%s'",
					  subnet_id, cidr);
	}
	if ((rc = subnet_ref(m, subnet_id, &idx)))
		return rc;
	if (vpc_id && !(m->subnets.v[idx].vpc = model_str(m, vpc_id)))
		return -ENOMEM;
	return cidr ? add_cidr_to(m, subnet_id, cidr, &m->subnets.v[idx].cidrs)
		    : 0;
}

SGREACH_API int sgreach_model_add_subnet_cidr(sgreach_model *m,
					      const char *subnet_id,
					      const char *cidr)
{
	return sgreach_model_add_subnet(m, subnet_id, NULL, cidr);
}

SGREACH_API int sgreach_model_add_vpc(sgreach_model *m, const char *vpc_id,
				      const char *cidr)
{
	struct load_mark *mk;
	int rc, created;
	uint32_t idx;

	CHECK_OPEN(m);
	if ((rc = check_id(m, "VPC", vpc_id)))
		return rc;
	if (cidr) {
		struct sg_prefix p;

		if (addr_parse(cidr, 1, &p, NULL))
			return model_fail(m, -EINVAL, "%s: invalid CIDR '%s'",
					  vpc_id, cidr);
	}
	mk = mark_of(m);
	FIND_OR_ADD(m, vpc_ids, vpcs, vpc_id, idx, created);
	(void)created;
	undo_log(m, U_VPC, idx, mk && mk->active ? mk->vpcs : UINT32_MAX);
	return cidr ? add_cidr_to(m, vpc_id, cidr, &m->vpcs.v[idx].cidrs) : 0;
}

SGREACH_API int sgreach_model_add_peering(sgreach_model *m,
					  const char *peering_id,
					  const char *vpc_a, const char *vpc_b,
					  int active)
{
	struct sg_peering p;
	int rc;

	CHECK_OPEN(m);
	if ((rc = check_id(m, "peering", peering_id)) ||
	    (rc = check_id(m, "peering VPC", vpc_a)) ||
	    (rc = check_id(m, "peering VPC", vpc_b)))
		return rc;
	if (!(p.id = model_str(m, peering_id)) ||
	    !(p.vpc_a = model_str(m, vpc_a)) ||
	    !(p.vpc_b = model_str(m, vpc_b)))
		return -ENOMEM;
	p.active = !!active;
	return vec_push(&m->peerings, p);
}

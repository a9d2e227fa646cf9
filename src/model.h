/*
 * model.h - the policy model's internals, shared by model.c (adding),
 * resolve.c (finalize), eval.c (queries) and the analyses.
 *
 * Everything is named by id while loading; finalize turns ids into indexes.
 * After finalize nothing here changes, so readers need no locks.
 */
#ifndef SGREACH_MODEL_H
#define SGREACH_MODEL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <string.h>

#include "sgreach.h"
#include "addr.h"
#include "hash.h"

#include "export.h"

#define SG_NONE UINT32_MAX

/* Per-endpoint bounds (sgreach-inputs(5), LIMITS): AWS allows 16 groups
 * and some fifty addresses per interface; these keep hostile input from
 * making the per-endpoint duplicate checks quadratic in the millions. */
#define SG_MAX_ENDPOINT_GROUPS 1000
#define SG_MAX_ENDPOINT_ADDRS  10000

/* A growable array of T: VEC(T) name; grow with vec_push(). */
#define VEC(T)                                                                 \
	struct {                                                               \
		T *v;                                                          \
		uint32_t n, cap;                                               \
	}
int vec_grow_(void **v, uint32_t *cap, size_t elem, uint32_t need);
/* The capacity test is inline: vec_push() runs on every query and every
 * loaded object, and almost never needs to grow. */
#define vec_reserve(vec, need)                                                 \
	((need) <= (vec)->cap ? 0                                              \
			      : vec_grow_((void **)&(vec)->v, &(vec)->cap,     \
					  sizeof(*(vec)->v), (need)))
/* Appends x; evaluates to 0 or -ENOMEM. */
#define vec_push(vec, x)                                                       \
	(vec_reserve((vec), (vec)->n + 1) ? -ENOMEM                            \
					  : ((vec)->v[(vec)->n++] = (x), 0))
#define vec_free(vec)                                                          \
	(free((vec)->v), (vec)->v = NULL, (vec)->n = (vec)->cap = 0)

struct sg_rule {
	uint32_t group;	   /* owning group */
	uint32_t source;   /* the load (file) it came from; 0 = the API */
	uint32_t position; /* order of addition within its group */
	int32_t proto;	   /* PROTO_ALL or 0-255 */
	int32_t from, to;  /* tcp/udp: port range; icmp: type, code (-1 any) */
	uint8_t dir;	   /* sgreach_direction */
	uint8_t peer_kind; /* sgreach_peer_kind */
	uint8_t stale;	   /* a stale group reference: never matches */
	uint8_t host_bits; /* CIDR written with host bits set */
	uint8_t dropped;   /* replaced by a later definition, or a duplicate */
	struct sg_prefix cidr; /* SGREACH_PEER_CIDR */
	uint32_t peer;	       /* group or prefix list index */
	const char *peer_text; /* the peer as written */
	const char *rule_id;   /* SecurityGroupRuleId or NULL */
	const char *description;
};

/* What a query reads of a live rule, packed (48 bytes, a third of struct
 * sg_rule) and stored per group and direction in position order, so that
 * evaluating an interface walks a few contiguous runs instead of chasing
 * one index per rule across the whole rule array (built at finalize). */
struct sg_hot {
	struct sg_prefix cidr; /* SGREACH_PEER_CIDR */
	int32_t from, to;
	uint32_t peer; /* group or prefix list index */
	uint32_t rule; /* index in m->rules */
	int16_t proto;
	uint8_t peer_kind;
	uint8_t stale;
	uint8_t key_exact; /* its struct sg_hrange decides the protocol test */
};

/*
 * What the scan of a group's run reads of each rule, in two arrays
 * parallel to m->hot (built at finalize): first the rule's protocol and
 * ports (struct sg_hrange, 8 bytes), which pass over most of a run four
 * rules at a time; then, for the rules that may match, the peer (struct
 * sg_hkey, 8 bytes).
 *
 * The protocol and ports are one range of 32-bit keys: a flow's key
 * (eval.c) falls in [lo, lo + span] exactly when the rule's protocol and
 * ports admit the flow (when key_exact in struct sg_hot; otherwise the
 * range is a superset and proto_matches() decides).  Key = protocol << 18
 * | value: tcp/udp port + 1 (port -1 is 0); ICMP type << 9 | code, where
 * 256 stands for -1 ("none"); 0 for other protocols.  All protocols ("-1")
 * span every key.  The range is stored for a signed compare, which SSE2
 * has: the key k is in it exactly when (int32_t)(k + lob) <= (int32_t)
 * spanb, with lob = 2^31 - lo and spanb = span ^ 2^31 (sg_hrange_set()).
 *
 * The two commonest peers are in struct sg_hkey, so that a query reads a
 * rule's struct sg_hot only when it matches: an IPv4 CIDR (its network,
 * the top half of struct sg_addr.hi, and length) and a live group
 * reference (the group).  An IPv6 CIDR is only marked as one
 * (SG_HK_CIDR6): it holds no IPv4 peer, and a query of IPv4, most of
 * them, passes over it unread.  A prefix list is its index (SG_HK_PLIST).
 * Everything else is SG_HK_SLOW and read from struct sg_hot.
 */
#define SG_HKEY_SHIFT 18
enum { SG_HK_SLOW = 0, SG_HK_CIDR4, SG_HK_GROUP, SG_HK_CIDR6, SG_HK_PLIST };
#define SG_HKEY_RULES (1u << 23) /* rule indexes that struct sg_hkey holds */
/* Entries past the last that m->hrange holds: a query reads ranges four at
 * a time, up to three past a run (sg_hrange_scan() below). */
#define SG_HKEY_PAD 3
/* SG_HKEY_RULES, lowered by tests to take the wide path on small models. */
extern uint32_t sg_hkey_rule_limit;
struct sg_hrange {
	uint32_t lob;	/* 2^31 - lo */
	uint32_t spanb; /* span ^ 2^31 */
};
_Static_assert(sizeof(struct sg_hrange) == 8, "struct sg_hrange: 8 bytes");
struct sg_hkey {
	/* SG_HK_CIDR4: the network; SG_HK_GROUP: the group; SG_HK_PLIST: the
	 * prefix list */
	uint32_t peer;
	uint32_t rule : 23; /* index in m->rules, unless m->hkey_wide */
	uint32_t kind : 3;  /* SG_HK_* */
	uint32_t len : 6;   /* SG_HK_CIDR4: the prefix length */
};
_Static_assert(sizeof(struct sg_hkey) == 8, "struct sg_hkey: 8 bytes");

/* The struct sg_hrange of the key range [lo, lo + span]. */
static inline void sg_hrange_set(struct sg_hrange *h, uint32_t lo,
				 uint32_t span)
{
	h->lob = 0x80000000u - lo;
	h->spanb = span ^ 0x80000000u;
}

/* Whether key k is in range h (the scalar form of the test). */
static inline int sg_hrange_has(const struct sg_hrange *h, uint32_t k)
{
	return (int32_t)(k + h->lob) <= (int32_t)h->spanb;
}

/*
 * Which of the n ranges from hr (the first 64 at most) hold key k: bit i
 * for hr[i] (sg_hrange_has()).  A query passes over most of a rule run
 * this way (rules of other protocols and ports), four rules an instruction
 * where SSE2 is (every x86-64), and then takes one branch per rule that may
 * match rather than one per rule.  Reads up to three ranges past the n
 * (m->hrange has room for them, SG_HKEY_PAD).
 */
static inline uint64_t sg_hrange_scan(const struct sg_hrange *hr, uint32_t n,
				      uint32_t k)
{
	uint64_t out = 0; /* bit i: hr[i] does not hold k */
	uint32_t i;

	if (n > 64)
		n = 64;
#if defined(__SSE2__)
	{
		const __m128i key = _mm_set1_epi32((int)k);

		for (i = 0; i < n; i += 4) {
			const float *p = (const float *)(const void *)(hr + i);
			/* lob0 spanb0 lob1 spanb1 | lob2 spanb2 lob3 spanb3 */
			const __m128 a = _mm_loadu_ps(p),
				     b = _mm_loadu_ps(p + 4);
			const __m128i lob = _mm_castps_si128(
			    _mm_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0)));
			const __m128i spanb = _mm_castps_si128(
			    _mm_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1)));
			const __m128i gt =
			    _mm_cmpgt_epi32(_mm_add_epi32(key, lob), spanb);

			out |= (uint64_t)_mm_movemask_ps(_mm_castsi128_ps(gt))
			       << i;
		}
	}
#else
	for (i = 0; i < n; i++)
		out |= (uint64_t)!sg_hrange_has(&hr[i], k) << i;
#endif
	return n ? ~out & ~0ull >> (64 - n) : 0;
}

/*
 * What a query reads of an endpoint, one 64-byte cache line (built at
 * finalize).  Without it a query follows endpoint -> its group array ->
 * each group -> the group's rules, dependent loads that each miss the
 * cache on a large estate; with it, the endpoint's rules are one run of
 * m->hkey / m->hrange in each direction (run): the rules of its groups in
 * their order, ingress at `at` and egress next.  A one-group endpoint's
 * run is its group's; the run of several groups is a copy, made once for
 * every endpoint with the same groups in the same order, so that a query
 * scans one run rather than one per group (a run cost ~30 instructions
 * and a missed line of its own).  Copies are limited (SG_RUN_COPIES): the
 * endpoints of the lists of groups that do not fit take the general path
 * through m->grun (run == 0).
 * The groups themselves, for rules that name a group, are here when they
 * fit (inline_; AWS allows 5 by default), or in the endpoint.
 */
#define SG_QEP_GROUPS	5
#define SG_QEP_VPC_SLOW 0xffff /* the VPC is e->vpc (too many VPCs) */
#define SG_QCONN_VPCS	1024   /* m->qconn: at most 128 KiB */
/* The copied runs hold at most SG_RUN_COPIES times the rules of m->hkey,
 * and SG_RUN_COPY_FLOOR entries more (1.3 MB). */
#define SG_RUN_COPIES	  4
#define SG_RUN_COPY_FLOOR 65536
/* SG_QEP_GROUPS, SG_QCONN_VPCS and the limit of copies (SG_RUN_COPIES,
 * SG_RUN_COPY_FLOOR), lowered by tests to take the general paths on small
 * models. */
extern uint32_t sg_qep_groups_limit, sg_qconn_limit;
extern uint32_t sg_run_copies, sg_run_copy_floor;
/* The smallest block model_pack_queries() makes (SG_PACK_MIN), lowered by
 * tests. */
#define SG_PACK_PAGE (2u << 20)
#define SG_PACK_MIN  SG_PACK_PAGE
extern size_t sg_pack_min;
struct sg_qep {
	uint32_t groups[SG_QEP_GROUPS]; /* group indexes, in order */
	uint32_t at;			/* when run: the ingress run's first */
	uint32_t n[2];			/* when run: the runs' lengths */
	uint32_t addr4; /* the private IPv4 address, when one_addr4 */
	uint32_t pad;
	struct sg_addr addr6; /* the private IPv6 address, when one_addr6 */
	uint16_t vpc;	      /* index in m->qvpc, or SG_QEP_VPC_SLOW */
	uint8_t ngroups;      /* when inline_ */
	uint8_t inline_ : 1;
	uint8_t one_addr4 : 1; /* exactly one private IPv4 entry, a /32 */
	uint8_t one_addr6 : 1; /* exactly one private IPv6 entry, a /128 */
	uint8_t missing : 1;   /* missing_groups != 0 */
	uint8_t run : 1;       /* at and n hold the rules */
	uint8_t pad2[4];
};
_Static_assert(sizeof(struct sg_qep) == 64, "struct sg_qep: 64 bytes");

/* The endpoint's one private address of family fam (4 or 6) into *p,
 * when its view q holds it (one_addr4, one_addr6): returns 1, else 0. */
static inline int sg_qep_one_addr(const struct sg_qep *q, int fam,
				  struct sg_prefix *p)
{
	if (fam == 4 && q->one_addr4) {
		p->a.hi = (uint64_t)q->addr4 << 32;
		p->a.lo = 0;
		p->len = 32;
		p->fam = 4;
		return 1;
	}
	if (fam == 6 && q->one_addr6) {
		p->a = q->addr6;
		p->len = 128;
		p->fam = 6;
		return 1;
	}
	return 0;
}

/* A group's rule runs in m->hot / m->hkey: ingress at `at`, egress next. */
struct sg_grun {
	uint32_t at;
	uint32_t n[2]; /* run lengths by direction */
};

struct sg_group {
	const char *id;
	const char *name;
	const char *vpc;
	unsigned int complete : 1; /* its rule set is known */
	unsigned int is_default : 1;
	VEC(uint32_t) def_sources; /* sources that defined it completely */
	/* After finalize: the live rules of each direction, by position. */
	uint32_t *rules[2];
	uint32_t nrules[2];
	uint32_t hot[2]; /* first of its nrules[d] entries in m->hot */
	/* After finalize: endpoints carrying the group. */
	uint32_t *members;
	uint32_t nmembers;
};

struct sg_eaddr {
	struct sg_prefix p; /* an address (/32, /128) or a delegated prefix */
	uint8_t is_public;
};

struct sg_endpoint {
	/* A service's id is CLUSTER/NAME, or NAME when its cluster is not
	 * known (model_service_name()). */
	const char *id;
	const char *vpc;
	const char *subnet;
	const char *description;
	uint8_t kind;	       /* sgreach_endpoint_kind */
	uint8_t assign_public; /* gets a public address (assignPublicIp) */
	uint8_t name_short;    /* after finalize: no other service has its
				* NAME (model_service_name()) */
	VEC(uint32_t) groups;
	VEC(struct sg_eaddr) addrs;
	VEC(const char *) subnet_ids; /* service endpoints */
	/* After finalize. */
	uint32_t vpc_idx; /* SG_NONE when unknown */
	uint32_t task;	  /* first task on it, or SG_NONE */
	uint32_t service; /* the service endpoint its task belongs to */
	/* Rules of all its groups, per direction (shared by every endpoint
	 * with the same group list; owned by the model's rule_sets), and
	 * whether any group on it lacks its rules. */
	uint32_t *rules[2];
	uint32_t nrules[2];
	uint32_t missing_groups; /* count of carried groups without rules */
	VEC(uint32_t) members;	 /* a service: the endpoints of its tasks */
};

struct sg_task {
	const char *arn;
	const char *id; /* last path component of the ARN */
	const char *endpoint_id;
	const char *service;
	uint32_t endpoint; /* after finalize */
};

struct sg_plist {
	const char *id;
	const char *name;
	unsigned int loaded : 1;
	VEC(struct sg_prefix) entries;
	/* After finalize: its IPv4 entries in m->plist4, in order. */
	uint32_t at4, n4;
};

/* An IPv4 entry of a prefix list as a query tests an address against it:
 * (address & mask) == net. */
struct sg_plist4 {
	uint32_t net, mask;
};

struct sg_subnet {
	const char *id;
	const char *vpc;
	VEC(struct sg_prefix) cidrs;
};

struct sg_delegated {
	struct sg_prefix p;
	uint32_t ep;
};

struct sg_vpc {
	const char *id;
	VEC(struct sg_prefix) cidrs;
};

struct sg_peering {
	const char *id;
	const char *vpc_a, *vpc_b;
	int active;
};

/* Selector index values: kind in the top 4 bits, index below. */
enum sel_kind { SEL_ENDPOINT = 1, SEL_TASK = 2, SEL_SERVICE = 3 };
#define SEL_PACK(kind, idx) ((uint32_t)(kind) << 28 | (idx))
#define SEL_KIND(v)	    ((v) >> 28)
#define SEL_IDX(v)	    ((v)&0x0fffffffu)
#define SEL_AMBIGUOUS	    0x0fffffffu

/* Eight lowercase hex digits at p as 32 bits, UINT64_MAX when a byte is
 * not one: eight bytes at a time, without a branch per byte.  Every byte
 * is ASCII when tested, so adding a constant below 0x80 to it never
 * carries into the next; the high bit of b + (0x80 - c) says b >= c. */
static inline uint64_t sel_hex8(const char *p)
{
	const uint64_t ones = 0x0101010101010101ull, high = ones * 0x80;
	uint64_t w, dig, af;

	memcpy(&w, p, sizeof(w));
	if (w & high)
		return UINT64_MAX;
	dig = (w + ones * (0x80 - '0')) & ~(w + ones * (0x80 - '9' - 1));
	af = (w + ones * (0x80 - 'a')) & ~(w + ones * (0x80 - 'f' - 1));
	if (((dig | af) & high) != high)
		return UINT64_MAX;
	/* Each byte's digit value, then the eight nibbles packed. */
	w = (w & ones * 0x0f) + ((af & high) >> 7) * 9;
	w = ((w << 4) | (w >> 8)) & 0x00ff00ff00ff00ffull;
	w = ((w << 8) | (w >> 16)) & 0x0000ffff0000ffffull;
	return ((w << 16) | (w >> 32)) & 0xffffffffull;
}

/*
 * Selector texts that are an optional "eni-" and 1 to 32 lowercase hex
 * digits (interface ids, task ids: most selectors) are keyed by their
 * digits, 4 bits each, in m->sel_ids; every other text by its bytes in
 * m->selectors.  The key is one-to-one (the tag holds the prefix and the
 * digit count), and whether a text is so keyed depends on the text
 * alone, so the two maps together map texts exactly as one map would.
 * len is strlen(text).  Returns 1 when the text is so keyed, 0 when not.
 */
static inline int sel_id_key(const char *text, size_t len, struct kkey *k)
{
	const char *p = text;
	uint64_t hi = 0, lo = 0, x;
	uint32_t kind = 1, n;

	if (len > 4 && !memcmp(p, "eni-", 4)) {
		p += 4;
		len -= 4;
		kind = 2;
	}
	if (len == 0 || len > 32)
		return 0;
	k->tag = kind << 8 | (uint32_t)len;
	for (n = (uint32_t)len; n >= 8; n -= 8, p += 8) {
		if ((x = sel_hex8(p)) == UINT64_MAX)
			return 0;
		hi = hi << 32 | lo >> 32;
		lo = lo << 32 | x;
	}
	for (; n; n--, p++) {
		uint32_t c = (unsigned char)*p, d = c - '0';

		if (d > 9) {
			d = c - 'a';
			if (d > 5)
				return 0;
			d += 10;
		}
		hi = hi << 4 | lo >> 60;
		lo = lo << 4 | d;
	}
	k->hi = hi;
	k->lo = lo;
	return 1;
}

/* Tag of an IPv6 address in m->addr6 (IPv4 addresses are in m->addr4). */
#define ADDR6_TAG 6

struct arena_chunk;

/* Values of the address index: the endpoint, flagged when the address is
 * public; SEL_AMBIGUOUS when two endpoints hold it (different VPCs). */
#define ADDRV_PUBLIC 0x80000000u

struct sgreach_model {
	int finalized;
	uint32_t source;	   /* current load number */
	const char *source_name;   /* current file, for warnings */
	VEC(const char *) sources; /* name of each load */
	struct arena_chunk *arena;

	VEC(struct sg_group) groups;
	VEC(struct sg_rule) rules;
	VEC(struct sg_endpoint) endpoints;
	VEC(struct sg_task) tasks;
	VEC(struct sg_plist) plists;
	VEC(struct sg_subnet) subnets;
	VEC(struct sg_vpc) vpcs;
	VEC(struct sg_peering) peerings;

	struct hmap group_ids, endpoint_ids, task_ids, plist_ids, subnet_ids,
	    vpc_ids, strings;
	/* After finalize: selector text -> SEL_PACK (ids as sel_id_key()
	 * writes them in sel_ids, other texts in selectors); address ->
	 * endpoint (IPv4 by its 32 bits, IPv6 by its 128 bits and
	 * ADDR6_TAG).  sel_addrlike: some text in selectors also reads as
	 * an address, so a query must look an address up there first. */
	struct hmap selectors;
	struct kmap sel_ids;
	struct u32map addr4;
	struct kmap addr6;
	int sel_addrlike;

	/* After finalize: the endpoints' rule arrays, one per distinct group
	 * list, not one per endpoint (20,000 interfaces sharing a group of
	 * 20,000 rules would otherwise need 1.6 GB). */
	VEC(uint32_t *) rule_sets;
	/* After finalize: the live rules packed for queries (struct sg_hot),
	 * each group's runs contiguous. */
	struct sg_hot *hot;
	struct sg_hrange *hrange; /* one per m->hot entry, SG_HKEY_PAD more */
	struct sg_plist4 *plist4; /* struct sg_plist's at4, n4 */
	struct sg_hkey *hkey;	  /* one per m->hot entry */
	/* m->hkey and m->hrange go on past m->hot's nhot entries with the
	 * copied runs (struct sg_qep): entry nhot + i copies hcopy[i]. */
	uint32_t nhot;
	uint32_t *hcopy;
	uint32_t ncopy;
	/* When not NULL: one block holding m->qep, m->hrange, m->hkey,
	 * m->hot, m->hcopy and the slots of m->sel_ids and m->addr4, which
	 * are then not freed one by one (model_pack_queries()). */
	void *pack;
	int hkey_wide; /* SG_HKEY_RULES rules or more: rule from m->hot */
	/* After finalize: one struct sg_qep per endpoint, 64-byte aligned. */
	struct sg_qep *qep;
	struct sg_grun *grun; /* one per group */
	const char **qvpc;    /* the VPCs struct sg_qep.vpc indexes */
	/* Whether qvpc[i] and qvpc[j] share a network (eval_vpcs_connected()):
	 * bit j of the qconn_words 64-bit words at qconn[i * qconn_words];
	 * NULL when there are more than SG_QCONN_VPCS of them. */
	uint64_t *qconn;
	uint32_t qconn_words;
	/* After finalize: delegated prefixes (Ipv4Prefixes...), few. */
	VEC(struct sg_delegated) delegated;

	void *load_mark; /* model.c: the rollback state of the current load */

	VEC(char *) warnings;
	char err[1024];
	size_t ignored_resources;
	/* Unique among the models of the process, so that a verdict's cache
	 * of rendered JSON (render/verdict.c) can tell this model from a
	 * later one allocated at the same address. */
	uint64_t serial;
};

/* Interns s (NULL stays NULL); returns NULL only when out of memory. */
const char *model_str(sgreach_model *m, const char *s);
/* Records a warning (prefixed with the current source's name if any). */
int model_warn(sgreach_model *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Writes the model's error message; returns err. */
int model_fail(sgreach_model *m, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Looks up by id; SG_NONE when absent. */
uint32_t model_find_group(const sgreach_model *m, const char *id);
uint32_t model_find_endpoint(const sgreach_model *m, const char *id);
uint32_t model_find_plist(const sgreach_model *m, const char *id);

/* The m->hot entry that entry pos of m->hkey / m->hrange is, or copies. */
static inline uint32_t model_hot_of(const sgreach_model *m, uint32_t pos)
{
	return pos < m->nhot ? pos : m->hcopy[pos - m->nhot];
}

/* A service id's NAME: what follows "CLUSTER/", or the whole id. */
static inline const char *model_service_short(const char *id)
{
	const char *slash = strchr(id, '/');

	return slash ? slash + 1 : id;
}

/* A service's name in selectors and output, after "service:" (after
 * finalize): NAME when no other loaded service has that name, else its id,
 * CLUSTER/NAME.  (Not a field: struct sg_endpoint is read by queries, and
 * a pointer more made it a line longer for some.) */
static inline const char *model_service_name(const struct sg_endpoint *e)
{
	return e->name_short ? model_service_short(e->id) : e->id;
}

/* The service endpoint e's task belongs to, as output names it (after
 * finalize): the service's name, or what the task said when it joined no
 * service; NULL without one. */
static inline const char *model_endpoint_service(const sgreach_model *m,
						 const struct sg_endpoint *e)
{
	if (e->service != SG_NONE)
		return model_service_name(&m->endpoints.v[e->service]);
	return e->task != SG_NONE ? m->tasks.v[e->task].service : NULL;
}

/* Finds or creates (by reference) a group / prefix list; SG_NONE if out of
 * memory. */
uint32_t model_group_ref(sgreach_model *m, const char *id);
uint32_t model_plist_ref(sgreach_model *m, const char *id);

/* Starts / ends one load (a file or buffer).  A load that fails is rolled
 * back: model_load_end(m, 0) restores the state of model_load_begin(). */
void model_load_begin(sgreach_model *m, const char *name);
void model_load_end(sgreach_model *m, int ok);

int model_resolve(sgreach_model *m); /* resolve.c: the body of finalize */

#endif

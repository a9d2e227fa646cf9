/*
 * analysis.h - what the analyses (ports, who, reach, matrix, exposure)
 * share: the verdict of a pair as a set of flows instead of one flow, and
 * endpoint equivalence classes.
 *
 * A query asks "is this one flow allowed?"; an analysis asks "which flows
 * are allowed?".  Both follow eval.c step by step: the members of a
 * selection, each side's rules against the peer member, the public/NAT
 * rule, VPC peering, and the combination denied > unknown > partial.  Here
 * every step yields a partition of the flow space into four sets (allowed,
 * denied, unknown, partial) instead of one verdict, so that for every flow
 * f of the family, f lies in set X exactly when sgreach_query() on f
 * answers X (the property test checks this).
 *
 * Flow space: one address family at a time.  ICMP flows are IPv4 and
 * ICMPv6 flows IPv6 (as in a query), so the IPv4 space holds every flow
 * except ICMPv6, and the IPv6 space every flow except ICMP.
 */
#ifndef SGREACH_ANALYSIS_H
#define SGREACH_ANALYSIS_H

#include "connset.h"
#include "eval.h"

/* Indexes of the four verdict sets. */
enum { VS_A = 0, VS_D, VS_U, VS_P, VS_N };

/* A partition of the family's flows by verdict. */
struct vsets {
	struct connset s[VS_N];
};

void vsets_init(struct vsets *v);
void vsets_free(struct vsets *v);
int vsets_copy(struct vsets *dst, const struct vsets *src);
bool vsets_equal(const struct vsets *a, const struct vsets *b);
/* Keeps only the flows of `only` in every set (a FLOW argument). */
int vsets_restrict(struct vsets *v, const struct connset *only);
/* Nothing allowed, partial or unknown. */
bool vsets_all_denied(const struct vsets *v);

/* Presence of each verdict among the member pairs of a selection pair:
 * has[X] holds the flows for which some member pair answers X.  Combining
 * by presence is eval.c's tally (counts never matter, only which verdicts
 * occur). */
struct presence {
	struct connset has[VS_N];
};

void presence_init(struct presence *p);
void presence_free(struct presence *p);
int presence_add(struct presence *p, const struct vsets *pair);
/* The tally's answer, per flow (universe: the family's flows). */
int presence_result(const struct presence *p, const struct connset *universe,
		    struct vsets *out);

/* One member class: members (addresses of endpoints) that behave alike on
 * both sides of every pair.  rep is one of them. */
struct mclass {
	struct member rep;
	/* For a single address: bit i set when c->cidrs[i] holds it, so
	 * that CIDR rules match by one bit test (NULL for ranges). */
	uint64_t *bits;
	uint8_t *key;
	uint32_t keylen;
};

/* One selectable thing of a whole-estate analysis: an endpoint (ENI or
 * task), a service, or a security group's members. */
enum node_kind { NODE_ENDPOINT = 0, NODE_SERVICE, NODE_GROUP };

struct an_node {
	uint8_t kind;
	uint32_t idx;	 /* endpoint (services too) or group index */
	uint32_t ncls;	 /* distinct member classes */
	uint32_t *cls;	 /* sorted */
	uint32_t nclass; /* node class: nodes with equal cls[] */
};

/* A 64-bit key -> 32-bit value map for the pair caches. */
struct u64map {
	uint64_t *keys;
	uint32_t *vals;
	size_t mask, count;
};

/* An elementary address range outside the model and what it may do. */
struct ext_range {
	struct sg_range r;
	uint8_t internet; /* public address space */
	struct vsets sets;
};

void u64map_free(struct u64map *h);
/* 1 and *val when found; put inserts or replaces (0 or -ENOMEM). */
int u64map_get(const struct u64map *h, uint64_t key, uint32_t *val);
int u64map_put(struct u64map *h, uint64_t key, uint32_t val);

struct an_ctx {
	const sgreach_model *m;
	sgreach_verdict *v; /* errors and the output buffer */
	int fam;
	struct connset universe;
	struct connset others; /* protocols without ports or types */
	/* When set, an_node_pair_id() keeps only these flows (a FLOW). */
	const struct connset *only;
	struct connset *rconn; /* per rule, filled lazily */
	uint8_t *rconn_ok;     /* 1: computed, non-empty; 2: computed, empty */
	uint32_t *rcidx;       /* CIDR rules: index of their CIDR in cidrs */
	/* Distinct CIDRs (and loaded prefix list entries) of the family that
	 * some live rule names: the address classes are relative to them. */
	struct sg_prefix *cidrs;
	uint32_t ncidrs;
	/* Prefixes nest or are disjoint: each CIDR's smallest strict holder
	 * in cidrs, or SG_NONE. */
	uint32_t *cparent;
	/* Member classes. */
	VEC(struct mclass) mcls;
	struct hmap mcls_ids;
	/* Interned results (memo.c): every distinct answer once. */
	VEC(struct vsets) res;
	struct hmap res_ids;
	VEC(void *) res_keys;
	/* Side outcome -> result; pair of side results -> result. */
	struct hmap side_ids;
	VEC(uint32_t *) side_keys;
	VEC(uint32_t) skey;
	struct u64map pair_memo;
	/* Side tables of an_build_tables(): stab_n classes at build time. */
	uint32_t *stab[2];
	uint32_t stab_n;
	uint64_t **gbits; /* per group: classes carrying it (tables only) */
	uint64_t *gnone;
	struct u64map only_memo; /* result -> result restricted to only */
	/* Nodes and node classes of a whole-estate analysis. */
	VEC(struct an_node) nodes;
	struct hmap ncls_ids;
	VEC(uint32_t *) ncls_keys;
	struct u64map npair_ids; /* node-class pair -> result */
	/* Scratch. */
	VEC(struct sg_range) cov;
	VEC(uint32_t) covr;
	VEC(struct sg_addr) bounds;
};

/* The checks every entry point starts with; formats is a bit mask of
 * 1 << sgreach_format.  Returns 0 or the error (message in v). */
int an_begin(const sgreach_model *m, sgreach_verdict *v, const char **out,
	     sgreach_format fmt, unsigned int formats, const char *what);
/* Turns an allocation failure (rc or in the output buffer) into -ENOMEM
 * with its message; on success writes what is left of the output through
 * the writer if v has one (an_spill()) and points *out at the output. */
int an_end(struct an_ctx *c, int rc, const char **out);
/* With a writer on v (sgreach_verdict_set_writer()): v->out through it
 * and emptied, once it holds an_spill_bytes or more, or whatever it holds
 * when all.  0, -EIO when the writer fails, -ENOMEM when the output could
 * not be built (messages in v).  Without a writer: 0, nothing done. */
int an_spill(sgreach_verdict *v, int all);
/* 64 KiB; lowered by tests to write after every piece. */
extern size_t an_spill_bytes;

/* The one flow f as a set. */
int an_flow_set(const sgreach_flow *f, struct connset *s);
/* Parses a FLOW argument (message in c->v on error). */
int an_parse_flow(struct an_ctx *c, const char *text, sgreach_flow *f);

/* Sets up ctx for family fam (4 or 6) over m, reporting through v. */
int an_init(struct an_ctx *c, const sgreach_model *m, sgreach_verdict *v,
	    int fam);
void an_free(struct an_ctx *c);
/* Writes the error message into the verdict; returns rc. */
int an_fail(struct an_ctx *c, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The index of prefix p in c->cidrs, or SG_NONE. */
uint32_t an_cidr_index(const struct an_ctx *c, const struct sg_prefix *p);
/* The deepest CIDR of c->cidrs that holds p (then its parents hold it
 * too, and no other does), or SG_NONE. */
uint32_t an_cidr_deepest(const struct an_ctx *c, const struct sg_prefix *p);
/* The first index of c->cidrs that may lie strictly inside p: those that
 * do follow it while they start inside p. */
uint32_t an_cidr_first_inside(const struct an_ctx *c,
			      const struct sg_prefix *p);

/* The flows a rule allows (whatever its peer), as a set. */
const struct connset *an_rule_conn(struct an_ctx *c, uint32_t ri);
/* 1 when the rule allows some flow of the family, 0 if none, or
 * -ENOMEM. */
int an_rule_live(struct an_ctx *c, uint32_t ri);

/* One side: rules of endpoint self in direction dir against peer. */
int an_side(struct an_ctx *c, uint32_t self, int dir, const struct member *peer,
	    struct vsets *out);
/* Does rule ri (of endpoint self) match peer, wholly or partly? */
int an_rule_matches(struct an_ctx *c, uint32_t self, uint32_t ri,
		    const struct member *peer);
/* How: AN_MATCH_NO, _ALL (the whole peer) or _SOME (part of a range
 * peer); *unknown when the rule depends on data not loaded. */
enum { AN_MATCH_NO = 0, AN_MATCH_ALL, AN_MATCH_SOME };
int an_rule_how(struct an_ctx *c, uint32_t self, uint32_t ri,
		const struct member *peer, int *unknown);
/* May private addresses of the two VPCs reach each other? */
/* One definition, in eval.c. */
#define an_vpcs_connected eval_vpcs_connected
/* The source address dst's ingress rules see: src's own, or for a public
 * destination the sender's public address or an unknown NAT address. */
void an_seen_source(struct an_ctx *c, const struct member *src,
		    const struct member *dst, struct member *out);
/* Combines an egress and an ingress side: denied > unknown > partial. */
int an_combine_sides(struct an_ctx *c, const struct vsets *eg,
		     const struct vsets *in, struct vsets *out);
/* One member pair, as eval_pairs() evaluates it (NAT and VPC rules too). */
int an_pair(struct an_ctx *c, const struct member *src,
	    const struct member *dst, struct vsets *out);

/* Interning (memo.c).  an_intern() takes v's contents (v is left empty
 * or freed); results live in c->res until an_free(), but pointers into it
 * move when it grows: use them before the next an_*_id() call. */
int an_intern(struct an_ctx *c, struct vsets *v, uint32_t *id);
int an_side_id(struct an_ctx *c, uint32_t self, int dir,
	       const struct member *peer, uint32_t *id);
int an_pair_id(struct an_ctx *c, const struct member *src,
	       const struct member *dst, uint32_t *id);
/* As an_side_id() with the peer's CIDR bits (struct mclass), or NULL. */
int an_side_id_bits(struct an_ctx *c, uint32_t self, int dir,
		    const struct member *peer, const uint64_t *bits,
		    uint32_t *id);
/* As an_pair_id() of ext, one address outside the model, and member self
 * of an interface: from ext to self when dir is SGREACH_INGRESS, from
 * self to ext when SGREACH_EGRESS.  The caller has put the key of self's
 * side against ext in c->skey, as memo.c's side_key() would write it
 * (an_external_cls() keeps it up to date along the address space). */
int an_ext_pair_id(struct an_ctx *c, const struct member *ext,
		   const struct member *self, int dir, uint32_t *id);
/* Side results that stand for no side (the peer is outside the model). */
#define SIDE_NONE 0x7fffffffu
/* A pair's result from its interned egress and ingress results (or
 * SIDE_NONE), as an_pair() combines them; nopath: private addresses of
 * the two VPCs cannot reach each other. */
int an_combine_ids(struct an_ctx *c, uint32_t eg, uint32_t in, uint32_t nopath,
		   uint32_t *id);
/* Result id restricted to c->only (a FLOW argument; remembered). */
int an_restrict_id(struct an_ctx *c, uint32_t id, uint32_t *out);
/* As an_pair_id() for two member classes (fast CIDR matching). */
int an_class_pair_id(struct an_ctx *c, uint32_t a, uint32_t b, uint32_t *id);
void an_memo_free(struct an_ctx *c);
/* Precomputes the side of every pair of the member classes known so far
 * (after an_finish_nodes()), for all-pairs analyses.  Skipped (0) when
 * the classes are too many for memory. */
int an_build_tables(struct an_ctx *c);

/* Classifies a member (finds or adds its class). */
int an_member_class(struct an_ctx *c, const struct member *x, uint32_t *cls);
/* The pair verdict sets of two member classes (cached). */
int an_class_pair(struct an_ctx *c, uint32_t a, uint32_t b,
		  const struct vsets **out);

/* A selection's members as a query builds them, in ctx's family. */
int an_select(struct an_ctx *c, const char *text, struct selection *sel,
	      void *members /* VEC(struct member) * */);
/* The family an analysis uses: -4/-6 flags, then address selectors, then
 * an ICMP flow (NULL: none), as a query picks it.  0 or -EINVAL. */
int an_pick_family(sgreach_verdict *v, unsigned int flags,
		   const struct selection *a, const struct selection *b,
		   const sgreach_flow *flow, int *fam);

/* Adds a node (its member classes from the model) to c->nodes; a node
 * without members in the family is not added.  Node classes are assigned
 * by an_finish_nodes(). */
int an_add_node(struct an_ctx *c, int kind, uint32_t idx);
/* Adds every node of a kind: NODE_ENDPOINT: every ENI/task interface and
 * every service without tasks; NODE_SERVICE: every service, and every
 * interface that belongs to no service; NODE_GROUP: every group carried by
 * some endpoint. */
int an_add_nodes(struct an_ctx *c, int group_by);
int an_finish_nodes(struct an_ctx *c);
/* The verdict sets of node a to node b, as a result id (into c->res;
 * cached by node class). */
int an_node_pair_id(struct an_ctx *c, uint32_t a, uint32_t b, uint32_t *id);
/* The distinct member classes of members, sorted, into out (a
 * VEC(uint32_t) *). */
int an_members_classes(struct an_ctx *c, const void *members, void *out);
/* The verdict sets of one selection's members to another's: a query's
 * answer for every flow. */
int an_members_pair(struct an_ctx *c, const void *src, const void *dst,
		    struct vsets *out);
/* The verdict sets of a selection (members) to / from a node. */
int an_members_to_node(struct an_ctx *c, const void *members, uint32_t node,
		       int members_are_src, struct vsets *out);

/* The address space outside the model as elementary ranges, with the
 * verdict sets of flows from them to the members (dir SGREACH_INGRESS:
 * "who") or from the members to them (SGREACH_EGRESS: "reach"); adjacent
 * ranges with equal sets merged.  *out is malloc'd; free with
 * an_ext_free(). */
int an_external(struct an_ctx *c, const void *members, int dir,
		struct ext_range **out, size_t *n);
/* As an_external() for a sorted list of member classes. */
int an_external_cls(struct an_ctx *c, const uint32_t *cls, uint32_t ncls,
		    int dir, struct ext_range **out, size_t *n);
void an_ext_free(struct ext_range *r, size_t n);

/* Is the whole range non-public space (RFC 1918, RFC 6598, loopback,
 * link-local, multicast...)?  Ranges from an_external() never straddle. */
int an_range_private(const struct sg_range *r);
/* The prefixes an_range_private() tests, of family fam (4 or 6). */
const struct sg_prefix *an_private_prefixes(int fam, size_t *n);

/* qsort() comparisons of uint32_t and of struct sg_addr. */
int an_u32_cmp(const void *a, const void *b);
int an_addr_cmp(const void *a, const void *b);

/* sgreach_diff() with a choice of how the pairs that differ are found
 * (diff.c): DIFF_AUTO as sgreach_diff(); DIFF_FULL every pair, by the
 * all-pairs engine's rows; DIFF_SCREEN_ROWS and DIFF_SCREEN_PAIRS only
 * the pairs with a changed name, by rows or pair by pair.  The output is
 * the same whatever the mode: the tests compare them. */
enum { DIFF_AUTO = 0, DIFF_FULL, DIFF_SCREEN_ROWS, DIFF_SCREEN_PAIRS };
int an_diff(const sgreach_model *old_model, const sgreach_model *new_model,
	    unsigned int flags, sgreach_format fmt, sgreach_verdict *ctx,
	    const char **out, int *gained, int mode);

/* sgreach_check(), with the all-pairs engine for two wildcards' pairs
 * when they are many (engine 1, as sgreach_check()), always (2) or never
 * (0: a query a pair).  The output is the same whatever the choice: the
 * tests compare them. */
int an_check(const sgreach_model *m, const char *assertions, size_t len,
	     const char *name, unsigned int flags, sgreach_format fmt,
	     sgreach_verdict *ctx, const char **out, int *failed, int engine);

/* Node naming and rendering helpers (render/analysis.c).  A name fits
 * AN_NAME_MAX bytes: "service:", a cluster's and a service's name (255
 * characters each, ECS's limit) and the slash between them. */
#define AN_NAME_MAX 520
const char *an_node_name(const struct an_ctx *c, const struct an_node *n,
			 char *buf, size_t size);
const char *an_node_key(const struct an_ctx *c, const struct an_node *n,
			char *buf, size_t size);
const char *an_node_kind(const struct an_ctx *c, const struct an_node *n);
/* Appends a set's text form: "all", or canonical items where "other"
 * stands for every protocol without ports or types when all are in. */
void an_set_text(struct an_ctx *c, struct strbuf *sb, const struct connset *s,
		 const char *sep);
/* Appends a set as a JSON array of the same items. */
void an_set_json(struct an_ctx *c, struct strbuf *sb, const struct connset *s);
/* Appends "\"allowed\":[...],\"partial\":[...],\"unknown\":[...]". */
void an_sets_json(struct an_ctx *c, struct strbuf *sb, const struct vsets *v);
/* Appends the text end of a matrix row: the allowed flows ("-" if none),
 * then "  partial ..." and "  unknown ..." when there are any, and a
 * newline. */
void an_sets_text(struct an_ctx *c, struct strbuf *sb, const struct vsets *v);
/* Appends a rule: JSON object, or one line of text. */
void an_rule_json(struct an_ctx *c, struct strbuf *sb, uint32_t ri);
void an_rule_text(struct an_ctx *c, struct strbuf *sb, uint32_t ri);
/* Appends a CSV field (quoted when needed). */
void an_csv_field(struct strbuf *sb, const char *s);
/* Appends ranges as CIDR prefixes, sep between. */
void an_range_text(struct strbuf *sb, const struct sg_range *r, int json);

#endif

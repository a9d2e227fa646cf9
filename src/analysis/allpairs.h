/*
 * allpairs.h - the answers of every pair of nodes at once (allpairs.c),
 * for the matrix.
 *
 * After an_add_nodes() and an_finish_nodes() (and with c->only set when a
 * FLOW restricts the answers), ap_init() builds what the pairs need; then
 * ap_row() gives the answers (result ids into c->res, restricted to
 * c->only) of one node class to every node class.  The answers are those
 * of an_node_pair_id(): the property test checks both against queries.
 */
#ifndef SGREACH_ALLPAIRS_H
#define SGREACH_ALLPAIRS_H

#include "analysis/analysis.h"

enum ap_mode {
	AP_EXACT = 0, /* pair by pair (an_node_pair_id), the fallback */
	AP_FLOW,      /* one flow: bitsets */
	AP_TABLE,     /* every flow: side tables */
};

/* Per profile of one direction (classes whose interfaces have the same
 * rules there, in the same VPC): a class that has it. */
struct ap_side {
	uint32_t nprof;
	uint32_t *prof; /* per class: its profile, SG_NONE if not fast */
	uint32_t *self; /* per profile: a class */
	/* AP_FLOW: per profile, the classes its rules that hold the flow
	 * match (nprof x W words), and whether a rule depends on missing
	 * data (so that what is not allowed is unknown, not denied). */
	uint64_t *rows;
	uint8_t *unknown;
	/* AP_TABLE: the distinct answers of this side (result ids) and the
	 * slot of each result id (SG_NONE when not one). */
	VEC(uint32_t) slot_res;
	VEC(uint32_t) res_slot;
	/* AP_TABLE: a table cell holds an index among its profile's own
	 * answers (16 bits: a profile has at most one per class); profile
	 * p's are lslot[loff[p]..], as slots. */
	VEC(uint32_t) lslot;
	uint32_t *loff;
};

struct allpairs {
	struct an_ctx *c;
	int mode;
	uint32_t n, w;	 /* member classes; 64-bit words of a class set */
	uint8_t *kind;	 /* per class: 0 fast, 1 exact */
	uint64_t *fast;	 /* the fast classes */
	uint32_t *vslot; /* per class: its VPC's slot */
	const char **vpcs;
	uint32_t nv;
	uint8_t *vconn;	     /* nv x nv: may the VPCs reach each other */
	uint64_t *vrow;	     /* nv x w: classes in VPCs a VPC reaches */
	uint64_t **cbits;    /* per rule CIDR: the fast classes inside */
	uint64_t **gbits;    /* per group: the fast classes carrying it */
	uint64_t **pbits;    /* per prefix list: classes inside an entry */
	uint32_t *rconnid;   /* per rule: its flow set's id, lazily */
	struct u64map conns; /* flow set hash -> a rule with that set */
	struct ap_side side[2];
	/* Classes that take the exact path: their answers to and from every
	 * class (nexact x n result ids). */
	uint32_t nexact;
	uint32_t *exact;     /* them */
	uint32_t *exact_idx; /* per class: its index among them, or SG_NONE */
	uint32_t *exact_row, *exact_col;
	uint8_t *exact_rowc, *exact_colc; /* AP_FLOW: as VS_* codes */
	/* AP_FLOW. */
	int flow_proto;
	unsigned int flow_value;
	uint64_t *iat;	    /* n x w: the destinations whose ingress allows s */
	uint64_t *iunk;	    /* destinations whose ingress is unknown */
	uint32_t vid[VS_N]; /* the answer "the flow is in set k" */
	uint8_t cfin[16];   /* the tally's VS_* code, by presence of VS_* */
	uint8_t *codes, *pres; /* n: one class's codes; presence bits */
	uint64_t *presbits;    /* VS_N x w: presence bitsets, per code */
	/* AP_TABLE: egress[profile x n] and ingress[class x profile] cells
	 * (a profile's own answers, 16 bits), and the answer of each pair of
	 * slots (x 2: VPCs connected or not), lazily, in a table (the answer
	 * + 1; 0 not yet) or a map. */
	uint16_t *egress, *ingress;
	uint32_t *pairs;
	struct u64map pair_map;
	uint32_t *islot; /* nprof of ingress: one source's ingress slots */
	/* Nodes. */
	uint32_t nnc;	   /* node classes */
	uint32_t *ncrep;   /* per node class: its first node */
	uint32_t *ncfirst; /* per node class: its first member class */
	uint32_t *multi;   /* the node classes of several member classes */
	uint32_t nmulti;
	uint32_t *moff, *mcls; /* multi[k]'s classes: mcls[moff[k]..] */
	uint32_t *row;	       /* n: one class's answers */
	uint32_t *tally;       /* n: several classes' answers combined */
	struct u64map comb;    /* (presence, presence) -> presence */
	struct {
		uint64_t key; /* + 1: 0 is free */
		uint32_t val;
	} ccache[4096];
	VEC(uint32_t) fin; /* presence -> answer, or SG_NONE */
};

/* Prepares every pair's answer of c's nodes: flow (NULL: all flows) is
 * the one flow c->only holds.  0 or -ENOMEM. */
int ap_init(struct allpairs *ap, struct an_ctx *c, const sgreach_flow *flow);
/* The answers of node class x to every node class y, into out[y]. */
int ap_row(struct allpairs *ap, uint32_t x, uint32_t *out);
/* The same as values: answers, or with AP_FLOW the VS_* code of the flow
 * (the answer is ap->vid[code]): cheaper to compare and store. */
int ap_row_values(struct allpairs *ap, uint32_t x, uint32_t *out);
void ap_free(struct allpairs *ap);

/* Shared by allpairs*.c. */
/* a[i] bit j becomes a[j] bit i. */
void ap_transpose64(uint64_t a[64]);
/* An empty set of classes (w words), or NULL. */
uint64_t *ap_new_set(const struct allpairs *ap);
/* How a rule of an interface in VPC slot vs treats a fast peer. */
enum rule_use { USE_NONE = 0, USE_SET, USE_UNKNOWN };
int ap_rule_use(struct allpairs *ap, uint32_t ri, uint32_t vs,
		const uint64_t **set, const uint64_t **vmask);
/* dst |= set (& vmask when not NULL). */
void ap_or_set(struct allpairs *ap, uint64_t *dst, const uint64_t *set,
	       const uint64_t *vmask);
/* A rule's flow set as a small id shared by rules with equal sets. */
int ap_conn_id(struct allpairs *ap, uint32_t ri, uint32_t *id);
/* allpairs_flow.c. */
int ap_flow_init(struct allpairs *ap, const sgreach_flow *f);
uint8_t ap_flow_code(const struct allpairs *ap, uint32_t id);
void ap_flow_node_codes(struct allpairs *ap, uint32_t x, uint32_t *out);
/* allpairs_table.c. */
int ap_table_init(struct allpairs *ap);
int ap_table_row(struct allpairs *ap, uint32_t s, uint32_t *out);

/* The class form of the matrix (matrix_classes.c), text or JSON, after
 * the header: source and destination classes, then their pairs. */
int mx_classes(struct an_ctx *c, struct allpairs *ap, sgreach_format fmt);
/* The matrix's output so far through ctx's writer, once it has grown
 * (matrix.c). */
int mx_spill(sgreach_verdict *v, sgreach_format fmt);
/* For tests: the bytes of rows of one flow kept between mx_classes()'s
 * two passes (256 MiB; 0 computes every row twice), and of source classes'
 * answers (all flows) kept between the checking and the writing pass
 * when there is a writer, and a hash so weak
 * that every row (1) or every row and column (2) collides: the rows are
 * compared, the collision found and the form made without hashing. */
extern size_t mx_cache_bytes;
extern int mx_hash_weak;
/* For tests: the entries of the table of pairs of slots (AP_TABLE; more
 * take a map: 0 always does), and the answers a profile may have in a
 * table cell (more: pair by pair, AP_EXACT). */
extern size_t ap_pairs_max;
extern uint32_t ap_cell_max;

#endif

/*
 * eval.h - one flow from a source to a destination: the verdict and the
 * rules behind it.  The verdict object owns every buffer a query needs, so
 * a reused verdict makes queries allocation-free.
 */
#ifndef SGREACH_EVAL_H
#define SGREACH_EVAL_H

#include "model.h"
#include "strbuf.h"

/* Side verdicts: the sgreach_result values plus "does not apply". */
#define SIDE_NA 5
/* A quick evaluation (eval.c) that needs the full one. */
#define SIDE_AGAIN 6

enum side_reason {
	REASON_NONE = 0,
	REASON_NO_MATCH,      /* rules exist, none matches */
	REASON_NO_RULES,      /* no rule at all in that direction */
	REASON_GROUP_MISSING, /* a carried group's rules are not loaded */
	REASON_PLIST_MISSING, /* a prefix list's entries are not loaded */
	REASON_PLAN_UNKNOWN,  /* a peer not known until apply */
	REASON_OUTSIDE,	      /* the side is outside the model */
	REASON_NAT_UNKNOWN,   /* the translated source address is unknown */
};

/* What a selector named. */
enum sel_what {
	SELW_ENDPOINT = 1,
	SELW_TASK,
	SELW_SERVICE,
	SELW_ADDRESS, /* an address no loaded endpoint holds */
	SELW_CIDR,    /* a range of addresses outside the model */
};

struct selection {
	uint8_t what;
	uint8_t addr_given; /* an endpoint selected by one of its addresses */
	uint8_t is_public;  /* ...by its public address */
	uint16_t len;	    /* of text */
	uint32_t idx;	    /* endpoint / task / service index */
	struct sg_prefix addr;
	/* A selector's own copy of the view of the interface it names
	 * (struct sgreach_selector), and that interface; NULL when the
	 * selection was resolved from text: the model's view is read. */
	const struct sg_qep *view;
	uint32_t view_ep;
	char text[256]; /* last: copies stop at text[len] (selection_of()) */
};

/* The interface a selection names: its own, or its task's; SG_NONE for
 * addresses, ranges and services. */
static inline uint32_t selection_endpoint(const sgreach_model *m,
					  const struct selection *s)
{
	if (s->view)
		return s->view_ep;
	if (s->what == SELW_ENDPOINT)
		return s->idx;
	if (s->what == SELW_TASK)
		return m->tasks.v[s->idx].endpoint;
	return SG_NONE;
}

/*
 * A selector resolved once, for queries by handle (sgreach_select()), in an
 * object aligned to 64: first a copy of the view of the interface it names
 * (m->qep[ep], 64 bytes), then a struct selection's fields packed so that a
 * short text (an interface id, an address) ends within the second 64.  A
 * query reads the object at random among thousands, and then the rule runs
 * the view points to: from the model's view that was three loads, each
 * waiting for the one before (selector, view, runs); the two lines of the
 * object are fetched together.  The model does not change once finalized,
 * so the copy stays true.
 */
struct sgreach_selector {
	struct sg_qep view; /* when ep != SG_NONE */
	const sgreach_model *m;
	struct sg_addr addr; /* struct selection's addr, without padding */
	uint32_t idx;
	/* The one interface an interface or task selection names (the task's
	 * endpoint looked up once), SG_NONE otherwise: where
	 * sgreach_query_many() reads ahead. */
	uint32_t ep;
	uint16_t len;
	uint8_t what, addr_given, is_public, addr_len, addr_fam;
	char text[]; /* len + 1 bytes */
};

/* One address (or range) of a selection. */
struct member {
	uint32_t ep; /* endpoint, or SG_NONE outside the model */
	/* ep's view: a selector's copy, or NULL for m->qep[ep]
	 * (member_view()) */
	const struct sg_qep *view;
	struct sg_prefix p;
	uint8_t is_public;
	uint8_t nat; /* source seen through an unknown NAT address */
};

struct side {
	int verdict; /* sgreach_result or SIDE_NA */
	int reason;
	uint32_t ep;	      /* the first endpoint evaluated on this side */
	VEC(uint32_t) rules;  /* matched rules, distinct */
	VEC(uint32_t) groups; /* groups whose rules are missing */
	VEC(uint32_t) plists; /* prefix lists not loaded */
	VEC(const char *) unknown_peers;
};

/* The view of member x's endpoint (not SG_NONE). */
static inline const struct sg_qep *member_view(const sgreach_model *m,
					       const struct member *x)
{
	return x->view ? x->view : &m->qep[x->ep];
}

/* The per-pair outcome, for partial answers. */
struct pair {
	uint32_t s, d; /* member indices */
	int verdict, egress, ingress;
	uint32_t cov_first[2],
	    cov_n[2]; /* allowed ranges in v->cov, per side */
};

struct sgreach_verdict {
	const sgreach_model *m;
	int ok; /* holds a result */
	/* The sides, pairs and ranges below are filled in: a quick query
	 * (eval.c) leaves them for the first rendering to work out. */
	int detailed;
	sgreach_result result;
	int family;
	int no_path; /* VPCs without an active peering */
	sgreach_flow flow;
	uint32_t fkey; /* the flow's struct sg_hrange key, when fkey_ok */
	int fkey_ok;
	/* The directions (1 << SGREACH_INGRESS, 1 << SGREACH_EGRESS) whose
	 * rule runs the call answering many questions fetched ahead for the
	 * one being answered; 0 otherwise. */
	unsigned int fetched;
	struct selection src, dst;
	VEC(struct member) smem, dmem;
	struct side side[2]; /* [SGREACH_INGRESS], [SGREACH_EGRESS] */
	VEC(struct pair) pairs;
	VEC(struct sg_range) cov; /* allowed sub-ranges of range members */
	VEC(struct sg_range) scratch;
	char err[512];
	struct strbuf out;
	struct strbuf tmp;
	struct render_cache *cache; /* render/verdict.c; NULL until used */
	unsigned int json_renders;  /* before the cache: render/verdict.c */
	/* The analyses' output goes here when set
	 * (sgreach_verdict_set_writer(), analysis/common.c). */
	sgreach_write_fn writer;
	void *writer_cookie;
};

/* Rule matching shared with the analyses: one definition each, in eval.c. */
enum { M_NO = 0, M_ALL, M_SOME }; /* how a peer relates to a rule prefix */
int eval_prefix_match(const struct sg_prefix *rule, const struct member *p);
int eval_endpoint_has_group(const sgreach_model *m, uint32_t e, uint32_t g);
/* Same VPC, or joined by an active peering (an unknown VPC invents no
 * boundary). */
int eval_vpcs_connected(const sgreach_model *m, const char *a, const char *b);
/* eval_vpcs_connected() of endpoints a and b's VPCs, from the finalized
 * model's table when it has one. */
int eval_endpoints_connected(const sgreach_model *m, uint32_t a, uint32_t b);

/* Works out the details of a verdict that holds a result without them
 * (a quick query): 0, or -ENOMEM with the verdict still holding its
 * result.  Call it before verdict_render_json() or _text(), which read a
 * finished verdict (sgreach_verdict_render() does). */
int eval_details(sgreach_verdict *v);

/* Render (render/verdict.c). */
const char *verdict_render_text(sgreach_verdict *v);
const char *verdict_render_json(sgreach_verdict *v);
/* Frees the verdict's cache of rendered JSON fragments. */
void verdict_render_cache_free(sgreach_verdict *v);
/* The bytes of text that cache holds (for tests). */
size_t verdict_render_cache_bytes(const sgreach_verdict *v);
/* The names both renderings give a rule's peer kind ("cidr", "group"...)
 * and an interface's kind ("eni", "branch", "trunk"). */
const char *render_peer_kind(int k);
const char *render_endpoint_kind(int kind);

/* For the analyses (analysis/): selector resolution and the members of a
 * selection exactly as a query builds them (v->m and v->family set by the
 * caller).  Return 0 or a negative errno with the message in v->err. */
int eval_resolve_selector(sgreach_verdict *v, const char *text,
			  struct selection *s);
int eval_build_members(sgreach_verdict *v, const struct selection *s,
		       void *members /* VEC(struct member) * */);

#endif

/*
 * render/verdict.c - a verdict as a reviewer's sentence, and as JSON.
 *
 * Every string that came from input is data: text output escapes control
 * characters (sb_text), JSON output escapes per RFC 8259 (sb_json_str).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "flow.h"
#include "prefetch.h"
#include "proto.h"

static const char *side_name(int verdict)
{
	return verdict == SIDE_NA
		   ? "not-applicable"
		   : sgreach_result_name((sgreach_result)verdict);
}

static const char *reason_name(int reason)
{
	switch (reason) {
	case REASON_NO_MATCH:
		return "no-matching-rule";
	case REASON_NO_RULES:
		return "no-rules";
	case REASON_GROUP_MISSING:
		return "group-rules-missing";
	case REASON_PLIST_MISSING:
		return "prefix-list-missing";
	case REASON_PLAN_UNKNOWN:
		return "plan-unknown";
	case REASON_OUTSIDE:
		return "outside-model";
	case REASON_NAT_UNKNOWN:
		return "nat-address-unknown";
	}
	return NULL;
}

const char *render_peer_kind(int k)
{
	switch (k) {
	case SGREACH_PEER_CIDR:
		return "cidr";
	case SGREACH_PEER_PREFIX_LIST:
		return "prefix-list";
	case SGREACH_PEER_GROUP:
		return "group";
	}
	return "unknown";
}

const char *render_endpoint_kind(int kind)
{
	switch (kind) {
	case SGREACH_ENDPOINT_BRANCH:
		return "branch";
	case SGREACH_ENDPOINT_TRUNK:
		return "trunk";
	}
	return "eni";
}

/* The kind of a selection; ep_kind is that of the endpoint it names. */
static const char *kind_name(const struct selection *s, int ep_kind)
{
	if (s->what == SELW_ADDRESS)
		return "address";
	if (s->what == SELW_CIDR)
		return "cidr";
	if (s->what == SELW_TASK)
		return "task";
	if (s->what == SELW_SERVICE)
		return "service";
	return render_endpoint_kind(ep_kind);
}

static void addr_text(struct strbuf *sb, const struct sg_prefix *p)
{
	char buf[ADDR_TEXT_MAX];

	sb_puts(sb, addr_format(p, 1, buf, sizeof(buf)));
}

/* ------------------------------------------------------- fragment cache -- */

/*
 * A verdict's cache of rendered JSON fragments: a rule's whole object, by
 * rule index, and what a selection object says of an endpoint, by endpoint
 * index.  The answers of a batch cite the rules of widely shared groups
 * again and again (20,000 medium lines: 45,000 citations of 1,116 rules),
 * and rendering a rule again escapes six strings scattered over the model,
 * about twenty times the cost of copying its fragment.
 *
 * The cache belongs to one verdict, so threads share nothing and the model
 * stays read-only.  It is tied to one model by the model's serial (not its
 * address, which a later model may reuse); its text is bounded by
 * RENDER_CACHE_MAX, past which it starts over; it is freed with the
 * verdict.  Nothing is cached when an allocation fails: the rendering is
 * then done every time.
 */
#define RENDER_CACHE_MAX (16u << 20)

struct frag {
	uint32_t off, len; /* in render_cache.text; len 0: not cached */
};

/* The fragment of endpoint e rendered with an address of family fam (0:
 * none). */
#define EP_FRAG(e, fam) ((size_t)(e)*2 + ((fam) == 6))

struct render_cache {
	uint64_t model; /* serial of the model the fragments are of */
	uint32_t nrules, neps;
	struct frag *rule; /* nrules entries, by rule index */
	/* Two per endpoint (EP_FRAG: an interface is selected by its IPv4
	 * or its IPv6 address, and a batch asks both ways; one slot made
	 * each rendering replace the other's, and the text filled up with
	 * the copies): the address it was rendered with, the endpoint's
	 * kind, then what a selection object says after its kind
	 * (json_endpoint). */
	struct frag *ep;
	/* By task index: 1 + the task's endpoint, 0 when not seen yet.
	 * Small and dense where the tasks are not: a task selection
	 * need not read the task. */
	uint32_t *task_ep;
	struct strbuf text;
};

static void cache_clear(struct render_cache *c)
{
	memset(c->rule, 0, c->nrules * sizeof(*c->rule));
	memset(c->ep, 0, c->neps * 2 * sizeof(*c->ep));
	sb_reset(&c->text);
}

void verdict_render_cache_free(sgreach_verdict *v)
{
	if (!v->cache)
		return;
	free(v->cache->rule);
	free(v->cache->ep);
	free(v->cache->task_ep);
	sb_free(&v->cache->text);
	free(v->cache);
	v->cache = NULL;
}

size_t verdict_render_cache_bytes(const sgreach_verdict *v)
{
	return v->cache ? v->cache->text.len : 0;
}

/* The verdict's cache, ready for v->m; NULL if it cannot be allocated. */
static struct render_cache *cache_for(sgreach_verdict *v)
{
	struct render_cache *c = v->cache;
	const sgreach_model *m = v->m;

	if (c && c->model == m->serial)
		return c->rule ? c : NULL;
	/* Arrays sized by the model would cost a verdict that renders one
	 * answer (`sgreach query`, the Python bindings' verdict per query)
	 * more than its rendering: the cache starts with the second. */
	if (!c && v->json_renders++ == 0)
		return NULL;
	if (!c) {
		if (!(c = calloc(1, sizeof(*c))))
			return NULL;
		sb_init(&c->text);
		v->cache = c;
	}
	free(c->rule);
	free(c->ep);
	free(c->task_ep);
	/* One more entry than needed: calloc(0) may return NULL. */
	c->rule = calloc((size_t)m->rules.n + 1, sizeof(*c->rule));
	c->ep = calloc((size_t)m->endpoints.n * 2 + 1, sizeof(*c->ep));
	c->task_ep = calloc((size_t)m->tasks.n + 1, sizeof(*c->task_ep));
	if (!c->rule || !c->ep || !c->task_ep) {
		free(c->rule);
		free(c->ep);
		free(c->task_ep);
		c->rule = NULL;
		c->ep = NULL;
		c->task_ep = NULL;
	}
	c->nrules = c->rule ? m->rules.n : 0;
	c->neps = c->rule ? m->endpoints.n : 0;
	c->model = m->serial;
	sb_reset(&c->text);
	return c->rule ? c : NULL;
}

/* Appends fragment f if it is cached and begins with the klen bytes at
 * key; returns 0 when it is not. */
static int cache_get(struct strbuf *sb, const struct render_cache *c,
		     const struct frag *f, const void *key, size_t klen)
{
	if (!f->len || (klen && memcmp(c->text.s + f->off, key, klen)))
		return 0;
	sb_putn(sb, c->text.s + f->off + klen, f->len - klen);
	return 1;
}

/* Keeps the klen bytes at key, then the text sb rendered from offset
 * start, as fragment f. */
static void cache_put(struct render_cache *c, struct frag *f, const void *key,
		      size_t klen, const struct strbuf *sb, size_t start)
{
	size_t n = klen + sb->len - start;

	/* Below the bound, not at it: the text's buffer (length + 1 for
	 * the NUL) then never doubles past RENDER_CACHE_MAX. */
	if (sb->failed || n == klen || n >= RENDER_CACHE_MAX)
		return;
	if (c->text.len + n >= RENDER_CACHE_MAX)
		cache_clear(c);
	f->len = 0;
	f->off = (uint32_t)c->text.len;
	if (klen)
		sb_putn(&c->text, key, klen);
	sb_putn(&c->text, sb->s + start, sb->len - start);
	if (c->text.failed) {
		cache_clear(c);
		return;
	}
	f->len = (uint32_t)n;
}

/* The cached endpoint fragment a selection will copy, or NULL. */
static inline const struct frag *sel_frag(const struct render_cache *c,
					  const struct selection *s, int family)
{
	if (s->what == SELW_ENDPOINT)
		return &c->ep[EP_FRAG(s->idx, family)];
	if (s->what == SELW_TASK && c->task_ep[s->idx])
		return &c->ep[EP_FRAG(c->task_ep[s->idx] - 1, family)];
	return NULL;
}

SG_PREFETCH_FN void prefetch_frag(const struct render_cache *c,
				  const struct frag *f)
{
	if (f && f->len) {
		SG_PREFETCH(c->text.s + f->off);
		SG_PREFETCH(c->text.s + f->off + f->len - 1);
	}
}

/*
 * Starts loading the cached fragments a verdict will copy, all at once:
 * on a large model each is a cache miss, and rendering them one after the
 * other waited for each in turn.  The cache's index entries are read here
 * (their misses overlap), then the fragments they point to are prefetched.
 */
SG_PREFETCH_FN void cache_prefetch(const sgreach_verdict *v,
				   const struct render_cache *c)
{
	const struct frag *f[2];
	int d;
	uint32_t i;

	f[0] = sel_frag(c, &v->src, v->family);
	f[1] = sel_frag(c, &v->dst, v->family);
	prefetch_frag(c, f[0]);
	prefetch_frag(c, f[1]);
	for (d = 0; d < 2; d++)
		for (i = 0; i < v->side[d].rules.n && i < 8; i++)
			prefetch_frag(c, &c->rule[v->side[d].rules.v[i]]);
}

/* ------------------------------------------------------------------ JSON -- */

/* A selection's address: its one member's, or null.  Addresses need no
 * escaping. */
static void json_address(struct strbuf *sb, const void *members)
{
	const VEC(struct member) *mem = members;
	char buf[ADDR_TEXT_MAX];

	if (mem->n != 1) {
		sb_putn(sb, "null", 4);
		return;
	}
	sb_putc(sb, '"');
	sb_puts(sb, addr_format(&mem->v[0].p, 1, buf, sizeof(buf)));
	sb_putc(sb, '"');
}

/* What a selection object says after its kind when it names endpoint e. */
static void json_endpoint_render(struct strbuf *sb, const sgreach_model *m,
				 uint32_t e, const void *members)
{
	const struct sg_endpoint *ep = &m->endpoints.v[e];

	sb_puts(sb, ",\"id\":");
	sb_json_str(sb, ep->id);
	sb_puts(sb, ",\"address\":");
	json_address(sb, members);
	sb_puts(sb, ",\"task\":");
	if (ep->task != SG_NONE)
		sb_json_str(sb, m->tasks.v[ep->task].arn);
	else
		sb_json_str(sb, NULL);
	sb_puts(sb, ",\"service\":");
	sb_json_str(sb, model_endpoint_service(m, ep));
	sb_putc(sb, '}');
}

/* The kind and the rest of a selection object that names endpoint e,
 * from the cache when e was rendered with the same address (an endpoint
 * may have several): then neither the endpoint nor its strings are read,
 * which on a large model are cache misses. */
static void json_endpoint(sgreach_verdict *v, struct render_cache *c,
			  const struct selection *s, uint32_t e,
			  const void *members)
{
	const VEC(struct member) *mem = members;
	struct strbuf *sb = &v->out;
	struct frag *f =
	    c ? &c->ep[EP_FRAG(e, mem->n == 1 ? mem->v[0].p.fam : 0)] : NULL;
	size_t start;
	int kind;
	/* the address: family (0: none), length, bits; then the kind */
	unsigned char key[19] = {0};

	if (mem->n == 1) {
		key[0] = mem->v[0].p.fam;
		key[1] = mem->v[0].p.len;
		memcpy(key + 2, &mem->v[0].p.a.hi, 8);
		memcpy(key + 10, &mem->v[0].p.a.lo, 8);
	}
	if (f && f->len && !memcmp(c->text.s + f->off, key, 18)) {
		const char *t = c->text.s + f->off + 18;

		kind = (unsigned char)t[0];
		sb_puts(sb, ",\"kind\":\"");
		sb_puts(sb, kind_name(s, kind));
		sb_putc(sb, '"');
		sb_putn(sb, t + 1, f->len - sizeof(key));
		return;
	}
	kind = v->m->endpoints.v[e].kind;
	sb_puts(sb, ",\"kind\":\"");
	sb_puts(sb, kind_name(s, kind));
	sb_putc(sb, '"');
	start = sb->len;
	json_endpoint_render(sb, v->m, e, members);
	key[18] = (unsigned char)kind;
	if (f)
		cache_put(c, f, key, sizeof(key), sb, start);
}

static void json_selection(sgreach_verdict *v, struct render_cache *c,
			   const struct selection *s, const void *members)
{
	const sgreach_model *m = v->m;
	struct strbuf *sb = &v->out;
	uint32_t e = SG_NONE;

	sb_puts(sb, "{\"selector\":");
	sb_json_str(sb, s->text);
	if (s->what == SELW_ENDPOINT) {
		e = s->idx;
	} else if (s->what == SELW_TASK) {
		if (c && c->task_ep[s->idx]) {
			e = c->task_ep[s->idx] - 1;
		} else {
			e = m->tasks.v[s->idx].endpoint;
			if (c && e != SG_NONE)
				c->task_ep[s->idx] = e + 1;
		}
	}
	if (e != SG_NONE) {
		json_endpoint(v, c, s, e, members);
		return;
	}
	/* kind names need no escaping */
	sb_puts(sb, ",\"kind\":\"");
	sb_puts(sb, kind_name(s, -1));
	sb_putc(sb, '"');
	sb_puts(sb, ",\"id\":");
	if (s->what == SELW_SERVICE)
		sb_json_str(sb, model_service_name(&m->endpoints.v[s->idx]));
	else
		sb_json_str(sb, NULL);
	sb_puts(sb, ",\"address\":");
	json_address(sb, members);
	sb_puts(sb, ",\"task\":null,\"service\":");
	if (s->what == SELW_SERVICE)
		sb_json_str(sb, model_service_name(&m->endpoints.v[s->idx]));
	else
		sb_json_str(sb, NULL);
	sb_putc(sb, '}');
}

static void json_rule_render(struct strbuf *sb, const sgreach_model *m,
			     uint32_t ri)
{
	const struct sg_rule *r = &m->rules.v[ri];
	const struct sg_group *g = &m->groups.v[r->group];
	char buf[16];

	sb_puts(sb, "{\"group_id\":");
	sb_json_str(sb, g->id);
	sb_puts(sb, ",\"group_name\":");
	sb_json_str(sb, g->name);
	sb_puts(sb, r->dir == SGREACH_EGRESS
			? ",\"direction\":\"egress\",\"position\":"
			: ",\"direction\":\"ingress\",\"position\":");
	sb_int(sb, (long)r->position);
	sb_puts(sb, ",\"rule_id\":");
	sb_json_str(sb, r->rule_id);
	sb_puts(sb, ",\"protocol\":");
	sb_json_str(sb, proto_text(r->proto, buf, sizeof(buf)));
	sb_puts(sb, ",\"from_port\":");
	sb_int(sb, r->from);
	sb_puts(sb, ",\"to_port\":");
	sb_int(sb, r->to);
	sb_puts(sb, ",\"peer_kind\":\"");
	sb_puts(sb, render_peer_kind(r->peer_kind));
	sb_putc(sb, '"');
	sb_puts(sb, ",\"peer\":");
	sb_json_str(sb, r->peer_text);
	sb_puts(sb, ",\"description\":");
	sb_json_str(sb, r->description);
	sb_putc(sb, '}');
}

static void json_rule(sgreach_verdict *v, struct render_cache *c, uint32_t ri)
{
	struct strbuf *sb = &v->out;
	size_t start = sb->len;

	if (c && cache_get(sb, c, &c->rule[ri], NULL, 0))
		return;
	json_rule_render(sb, v->m, ri);
	if (c)
		cache_put(c, &c->rule[ri], NULL, 0, sb, start);
}

static void json_side(sgreach_verdict *v, struct render_cache *c, int dir)
{
	const struct side *s = &v->side[dir];
	const sgreach_model *m = v->m;
	struct strbuf *sb = &v->out;
	const char *reason = reason_name(s->reason);
	uint32_t i;
	int first = 1;

	/* Verdict and reason names need no escaping. */
	sb_puts(sb, "{\"verdict\":\"");
	sb_puts(sb, side_name(s->verdict));
	if (reason) {
		sb_puts(sb, "\",\"reason\":\"");
		sb_puts(sb, reason);
		sb_puts(sb, "\",\"rules\":[");
	} else {
		sb_puts(sb, "\",\"reason\":null,\"rules\":[");
	}
	for (i = 0; i < s->rules.n; i++) {
		if (i)
			sb_putc(sb, ',');
		json_rule(v, c, s->rules.v[i]);
	}
	sb_puts(sb, "],\"missing\":[");
	if (s->verdict != SGREACH_ALLOWED && s->verdict != SIDE_NA) {
		for (i = 0; i < s->groups.n; i++, first = 0) {
			if (!first)
				sb_putc(sb, ',');
			sb_json_str(sb, m->groups.v[s->groups.v[i]].id);
		}
		for (i = 0; i < s->plists.n; i++, first = 0) {
			if (!first)
				sb_putc(sb, ',');
			sb_json_str(sb, m->plists.v[s->plists.v[i]].id);
		}
		for (i = 0; i < s->unknown_peers.n; i++, first = 0) {
			if (!first)
				sb_putc(sb, ',');
			sb_json_str(sb, s->unknown_peers.v[i]);
		}
	}
	sb_puts(sb, "]}");
}

/* Writes the prefixes covering [first, last] as JSON strings. */
static void json_range_prefixes(struct strbuf *sb, const struct sg_range *r,
				int *first)
{
	struct sg_prefix out[256];
	char buf[ADDR_TEXT_MAX];
	size_t n = range_to_prefixes(r, out, 256), i;

	for (i = 0; i < n; i++, *first = 0) {
		if (!*first)
			sb_putc(sb, ',');
		sb_json_str(sb, addr_format(&out[i], 0, buf, sizeof(buf)));
	}
}

/* For a range member only partly allowed: the allowed and denied parts. */
static void json_coverage(sgreach_verdict *v, const struct pair *p, int dir,
			  const struct member *peer, const char *label)
{
	struct strbuf *sb = &v->out;
	struct sg_range want, gap;
	uint32_t k;
	int first = 1;

	if (!p->cov_n[dir])
		return;
	prefix_range(&peer->p, &want);
	sb_printf(sb, ",\"allowed_%s\":[", label);
	for (k = 0; k < p->cov_n[dir]; k++)
		json_range_prefixes(sb, &v->cov.v[p->cov_first[dir] + k],
				    &first);
	sb_printf(sb, "],\"denied_%s\":[", label);
	first = 1;
	gap.fam = want.fam;
	gap.first = want.first;
	for (k = 0; k < p->cov_n[dir]; k++) {
		const struct sg_range *c = &v->cov.v[p->cov_first[dir] + k];

		if (addr_cmp(&c->first, &gap.first) > 0) {
			gap.last = addr_prev(&c->first, want.fam);
			json_range_prefixes(sb, &gap, &first);
		}
		gap.first = addr_next(&c->last, want.fam);
		if (addr_cmp(&c->last, &want.last) >= 0)
			goto done;
	}
	gap.last = want.last;
	json_range_prefixes(sb, &gap, &first);
done:
	sb_putc(sb, ']');
}

static void json_member(sgreach_verdict *v, const struct member *x)
{
	char buf[ADDR_TEXT_MAX];

	if (x->ep != SG_NONE &&
	    v->m->endpoints.v[x->ep].kind != SGREACH_ENDPOINT_SERVICE) {
		sb_json_str(&v->out, v->m->endpoints.v[x->ep].id);
		return;
	}
	sb_json_str(&v->out, addr_format(&x->p, 1, buf, sizeof(buf)));
}

const char *verdict_render_json(sgreach_verdict *v)
{
	struct render_cache *c = cache_for(v);
	struct strbuf *sb = &v->out;
	char flow[64];
	int n;
	uint32_t i;

	sb_reset(sb);
	if (c)
		cache_prefetch(v, c);
	n = sgreach_flow_format(&v->flow, flow, sizeof(flow));
	sb_puts(sb, "{\"src\":");
	json_selection(v, c, &v->src, &v->smem);
	sb_puts(sb, ",\"dst\":");
	json_selection(v, c, &v->dst, &v->dmem);
	sb_puts(sb, ",\"flow\":");
	if (n > 0 && (size_t)n < sizeof(flow)) {
		/* protocol names and numbers: nothing to escape */
		sb_putc(sb, '"');
		sb_putn(sb, flow, (size_t)n);
		sb_putc(sb, '"');
	} else {
		sb_json_str(sb, n < 0 ? "" : flow);
	}
	sb_puts(sb, v->family == 6 ? ",\"family\":6,\"verdict\":\""
				   : ",\"family\":4,\"verdict\":\"");
	sb_puts(sb, sgreach_result_name(v->result));
	sb_puts(sb, "\",\"egress\":");
	json_side(v, c, SGREACH_EGRESS);
	sb_puts(sb, ",\"ingress\":");
	json_side(v, c, SGREACH_INGRESS);
	if (v->no_path)
		sb_puts(sb, ",\"path\":{\"verdict\":\"unknown\",\"reason\":"
			    "\"no-path\"}");
	if (v->result == SGREACH_PARTIAL ||
	    (v->pairs.n > 1 && v->result != SGREACH_ALLOWED &&
	     v->result != SGREACH_DENIED)) {
		sb_puts(sb, ",\"members\":[");
		for (i = 0; i < v->pairs.n; i++) {
			const struct pair *p = &v->pairs.v[i];

			if (i)
				sb_putc(sb, ',');
			sb_puts(sb, "{\"src\":");
			json_member(v, &v->smem.v[p->s]);
			sb_puts(sb, ",\"dst\":");
			json_member(v, &v->dmem.v[p->d]);
			sb_printf(
			    sb, ",\"verdict\":\"%s\"",
			    sgreach_result_name((sgreach_result)p->verdict));
			json_coverage(v, p, SGREACH_INGRESS, &v->smem.v[p->s],
				      "src");
			json_coverage(v, p, SGREACH_EGRESS, &v->dmem.v[p->d],
				      "dst");
			sb_putc(sb, '}');
		}
		sb_putc(sb, ']');
	}
	sb_puts(sb, ",\"warnings\":[");
	if (v->no_path) {
		sb_json_str(sb, "the two interfaces are in different VPCs with "
				"no active peering loaded; a transit gateway "
				"may join them");
	}
	sb_puts(sb, "]}");
	return sb_str(sb);
}

/* ------------------------------------------------------------------ text -- */

static void text_selection(sgreach_verdict *v, const struct selection *s,
			   const void *members)
{
	const VEC(struct member) *mem = members;
	const sgreach_model *m = v->m;
	struct strbuf *sb = &v->out;
	uint32_t e = selection_endpoint(v->m, s);

	if (s->what == SELW_ADDRESS || s->what == SELW_CIDR) {
		sb_text(sb, s->text);
		sb_puts(sb, " (outside the model)");
		return;
	}
	if (s->what == SELW_SERVICE) {
		sb_puts(sb, "service ");
		sb_text(sb, model_service_name(&m->endpoints.v[s->idx]));
		sb_printf(
		    sb, " (%u %s)", mem->n,
		    m->endpoints.v[s->idx].members.n
			? (mem->n == 1 ? "task address" : "task addresses")
			: (mem->n == 1 ? "subnet" : "subnets"));
		return;
	}
	sb_text(sb, m->endpoints.v[e].id);
	sb_puts(sb, " (");
	if (m->endpoints.v[e].task != SG_NONE) {
		const struct sg_task *t = &m->tasks.v[m->endpoints.v[e].task];
		const char *svc = model_endpoint_service(m, &m->endpoints.v[e]);

		sb_puts(sb, "task ");
		if (svc) {
			sb_text(sb, svc);
			sb_putc(sb, '/');
		}
		sb_text(sb, t->id);
		sb_puts(sb, ", ");
	}
	if (mem->n == 1)
		addr_text(sb, &mem->v[0].p);
	else
		sb_printf(sb, "%u addresses", mem->n);
	sb_putc(sb, ')');
}

static void text_rule(struct strbuf *sb, const sgreach_model *m, uint32_t ri)
{
	const struct sg_rule *r = &m->rules.v[ri];
	const struct sg_group *g = &m->groups.v[r->group];
	char buf[16];

	sb_text(sb, g->id);
	if (g->name) {
		sb_puts(sb, " \"");
		sb_text(sb, g->name);
		sb_putc(sb, '"');
	}
	sb_puts(sb, r->dir == SGREACH_EGRESS ? ": egress " : ": ingress ");
	if (r->proto == PROTO_ALL) {
		sb_puts(sb, "all traffic");
	} else {
		sb_puts(sb, proto_text(r->proto, buf, sizeof(buf)));
		if (r->proto == PROTO_TCP || r->proto == PROTO_UDP) {
			if (r->from == 0 && r->to == 65535)
				sb_puts(sb, " all ports");
			else if (r->from == r->to)
				sb_printf(sb, " %d", r->from);
			else
				sb_printf(sb, " %d-%d", r->from, r->to);
		} else if (r->proto == PROTO_ICMP || r->proto == PROTO_ICMPV6) {
			if (r->from == -1)
				sb_puts(sb, " all types");
			else if (r->to == -1)
				sb_printf(sb, " type %d", r->from);
			else
				sb_printf(sb, " type %d code %d", r->from,
					  r->to);
		}
	}
	sb_puts(sb, r->dir == SGREACH_EGRESS ? " to " : " from ");
	sb_text(sb, r->peer_text);
	if (r->peer_kind == SGREACH_PEER_GROUP && r->peer != SG_NONE &&
	    m->groups.v[r->peer].name) {
		sb_puts(sb, " \"");
		sb_text(sb, m->groups.v[r->peer].name);
		sb_putc(sb, '"');
	}
	sb_printf(sb, " (rule #%u", r->position);
	if (r->rule_id) {
		sb_puts(sb, ", ");
		sb_text(sb, r->rule_id);
	}
	sb_putc(sb, ')');
}

/* "sg-1 "db"" or "sg-1 "db" or sg-2": the groups a side consulted. */
static void text_groups(struct strbuf *sb, const sgreach_model *m, uint32_t e)
{
	const struct sg_endpoint *ep;
	uint32_t k;

	if (e == SG_NONE) {
		sb_puts(sb, "its groups");
		return;
	}
	ep = &m->endpoints.v[e];
	if (ep->groups.n == 0)
		sb_puts(sb, "(no group)");
	for (k = 0; k < ep->groups.n; k++) {
		const struct sg_group *g = &m->groups.v[ep->groups.v[k]];

		if (k)
			sb_puts(sb, k + 1 == ep->groups.n ? " or " : ", ");
		sb_text(sb, g->id);
		if (g->name) {
			sb_puts(sb, " \"");
			sb_text(sb, g->name);
			sb_putc(sb, '"');
		}
	}
}

static void text_side(sgreach_verdict *v, int dir)
{
	const struct side *s = &v->side[dir];
	const sgreach_model *m = v->m;
	struct strbuf *sb = &v->out;
	const char *label =
	    dir == SGREACH_EGRESS ? "  egress:  " : "  ingress: ";
	uint32_t i;

	sb_puts(sb, label);
	if (s->verdict == SIDE_NA) {
		sb_puts(sb, dir == SGREACH_EGRESS
				? "not checked: the source is outside the "
				  "model\n"
				: "not checked: the destination is outside "
				  "the model\n");
		return;
	}
	sb_puts(sb, side_name(s->verdict));
	if (s->rules.n) {
		sb_puts(sb, s->verdict == SGREACH_ALLOWED ? " by "
							  : ", matched by ");
		for (i = 0; i < s->rules.n; i++) {
			if (i)
				sb_puts(sb, "\n           and ");
			text_rule(sb, m, s->rules.v[i]);
		}
	}
	switch (s->verdict == SGREACH_ALLOWED ? REASON_NONE : s->reason) {
	case REASON_NO_MATCH:
		sb_puts(sb, dir == SGREACH_EGRESS ? ": no egress rule of "
						  : ": no ingress rule of ");
		text_groups(sb, m, s->ep);
		sb_puts(sb, " matches");
		break;
	case REASON_NO_RULES:
		sb_puts(sb, ": ");
		text_groups(sb, m, s->ep);
		sb_puts(sb, dir == SGREACH_EGRESS
				? " has no egress rule at all"
				: " has no ingress rule at all");
		break;
	case REASON_NAT_UNKNOWN:
		sb_puts(sb, ": the source reaches a public address through "
			    "NAT, whose address is not loaded");
		break;
	default:
		break;
	}
	if (s->verdict != SGREACH_ALLOWED &&
	    (s->groups.n || s->plists.n || s->unknown_peers.n)) {
		const char *sep = "";

		sb_puts(sb, "; depends on ");
		for (i = 0; i < s->groups.n; i++, sep = ", ") {
			sb_puts(sb, sep);
			sb_puts(sb, "the rules of ");
			sb_text(sb, m->groups.v[s->groups.v[i]].id);
			sb_puts(sb, " (not loaded)");
		}
		for (i = 0; i < s->plists.n; i++, sep = ", ") {
			sb_puts(sb, sep);
			sb_puts(sb, "prefix list ");
			sb_text(sb, m->plists.v[s->plists.v[i]].id);
			sb_puts(sb, " (entries not loaded)");
		}
		for (i = 0; i < s->unknown_peers.n; i++, sep = ", ") {
			sb_puts(sb, sep);
			sb_text(sb, s->unknown_peers.v[i]);
			sb_puts(sb, " (known after apply)");
		}
	}
	sb_putc(sb, '\n');
}

const char *verdict_render_text(sgreach_verdict *v)
{
	struct strbuf *sb = &v->out;
	char flow[64];
	uint32_t i;

	sb_reset(sb);
	sgreach_flow_format(&v->flow, flow, sizeof(flow));
	switch (v->result) {
	case SGREACH_ALLOWED:
		sb_puts(sb, "ALLOWED: ");
		break;
	case SGREACH_DENIED:
		sb_puts(sb, "DENIED: ");
		break;
	case SGREACH_UNKNOWN:
		sb_puts(sb, "UNKNOWN: ");
		break;
	case SGREACH_PARTIAL:
		sb_puts(sb, "PARTIAL: ");
		break;
	}
	text_selection(v, &v->src, &v->smem);
	switch (v->result) {
	case SGREACH_ALLOWED:
		sb_puts(sb, " can reach ");
		break;
	case SGREACH_DENIED:
		sb_puts(sb, " cannot reach ");
		break;
	case SGREACH_UNKNOWN:
		sb_puts(sb, " may or may not reach ");
		break;
	case SGREACH_PARTIAL:
		sb_puts(sb, " can partly reach ");
		break;
	}
	text_selection(v, &v->dst, &v->dmem);
	sb_printf(sb, " on %s%s\n", flow, v->family == 6 ? " (IPv6)" : "");
	text_side(v, SGREACH_EGRESS);
	text_side(v, SGREACH_INGRESS);
	if (v->no_path)
		sb_puts(sb, "  path:    unknown: the two interfaces are in "
			    "different VPCs with no active peering loaded\n");
	if (v->result == SGREACH_PARTIAL || v->result == SGREACH_UNKNOWN) {
		for (i = 0; i < v->pairs.n && v->pairs.n > 1; i++) {
			const struct pair *p = &v->pairs.v[i];
			char a[ADDR_TEXT_MAX], b[ADDR_TEXT_MAX];

			sb_printf(
			    sb, "  member:  %s -> %s: %s\n",
			    addr_format(&v->smem.v[p->s].p, 1, a, sizeof(a)),
			    addr_format(&v->dmem.v[p->d].p, 1, b, sizeof(b)),
			    sgreach_result_name((sgreach_result)p->verdict));
		}
		for (i = 0; i < v->pairs.n; i++) {
			const struct pair *p = &v->pairs.v[i];
			uint32_t k;
			int d;

			for (d = 0; d < 2; d++)
				for (k = 0; k < p->cov_n[d]; k++) {
					struct sg_prefix out[256];
					char buf[ADDR_TEXT_MAX];
					size_t n = range_to_prefixes(
						   &v->cov
							.v[p->cov_first[d] + k],
						   out, 256),
					       j;

					for (j = 0; j < n; j++)
						sb_printf(
						    sb, "  allowed: %s %s\n",
						    d == SGREACH_INGRESS
							? "from"
							: "to",
						    addr_format(&out[j], 0, buf,
								sizeof(buf)));
				}
		}
	}
	if (sb->len && sb->s[sb->len - 1] == '\n') {
		sb->len--;
		sb->s[sb->len] = '\0';
	}
	return sb_str(sb);
}

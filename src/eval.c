/*
 * eval.c - the verdict engine (spec sections 1-4).
 *
 * A flow from A to B is allowed by security groups iff some egress rule on
 * A's interface matches (B's address, protocol, port) and some ingress rule
 * on B's interface matches (A's address, protocol, port).  A side outside
 * the model does not apply.  Selectors that name sets (services, ranges,
 * interfaces with several addresses) are evaluated per member and combined.
 */
#include "eval.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "proto.h"

/* -------------------------------------------------------------- verdict -- */

SGREACH_API sgreach_verdict *sgreach_verdict_new(void)
{
	sgreach_verdict *v = calloc(1, sizeof(*v));

	if (v) {
		sb_init(&v->out);
		sb_init(&v->tmp);
	}
	return v;
}

SGREACH_API void sgreach_verdict_free(sgreach_verdict *v)
{
	int d;

	if (!v)
		return;
	for (d = 0; d < 2; d++) {
		vec_free(&v->side[d].rules);
		vec_free(&v->side[d].groups);
		vec_free(&v->side[d].plists);
		vec_free(&v->side[d].unknown_peers);
	}
	vec_free(&v->smem);
	vec_free(&v->dmem);
	vec_free(&v->pairs);
	vec_free(&v->cov);
	vec_free(&v->scratch);
	sb_free(&v->out);
	sb_free(&v->tmp);
	verdict_render_cache_free(v);
	free(v);
}

SGREACH_API sgreach_result sgreach_verdict_result(const sgreach_verdict *v)
{
	return v ? v->result : SGREACH_UNKNOWN;
}

SGREACH_API const char *sgreach_result_name(sgreach_result r)
{
	switch (r) {
	case SGREACH_ALLOWED:
		return "allowed";
	case SGREACH_DENIED:
		return "denied";
	case SGREACH_UNKNOWN:
		return "unknown";
	case SGREACH_PARTIAL:
		return "partial";
	}
	return "invalid";
}

SGREACH_API const char *sgreach_verdict_error(const sgreach_verdict *v)
{
	return v ? v->err : "";
}

static int qfail(sgreach_verdict *v, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int qfail(sgreach_verdict *v, int rc, const char *fmt, ...)
{
	char buf[sizeof(v->err)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	text_scrub(v->err, sizeof(v->err), buf);
	v->ok = 0;
	return rc;
}

/* ------------------------------------------------------------ selectors -- */

static int lookup_address(const sgreach_model *m, const struct sg_prefix *p,
			  uint32_t *val)
{
	struct kkey key;

	if (p->fam == 4)
		return u32map_get(&m->addr4, (uint32_t)(p->a.hi >> 32), val);
	key.hi = p->a.hi;
	key.lo = p->a.lo;
	key.tag = ADDR6_TAG;
	return kmap_get(&m->addr6, &key, val);
}

/* Which endpoint's delegated prefix holds this address, if any: a short
 * list built at finalize, not a scan of every endpoint. */
static uint32_t delegated_owner(const sgreach_model *m,
				const struct sg_prefix *p)
{
	uint32_t i;

	for (i = 0; i < m->delegated.n; i++)
		if (prefix_contains(&m->delegated.v[i].p, p))
			return m->delegated.v[i].ep;
	return SG_NONE;
}

/* The query reads the endpoint's struct sg_qep next, and on a large
 * model it is not in the cache: its line (64 bytes, aligned: one line) is
 * fetched while the other selector is resolved. */
SG_PREFETCH_FN void prefetch_endpoint(const sgreach_model *m, uint32_t e)
{
	SG_PREFETCH(&m->qep[e]);
}

/* s names what the selector maps hold for its text (val, as SEL_PACK). */
static int select_loaded(sgreach_verdict *v, uint32_t val, struct selection *s)
{
	if (SEL_IDX(val) == SEL_AMBIGUOUS && SEL_KIND(val) == SEL_SERVICE)
		return qfail(v, -EINVAL,
			     "'%s' is ambiguous: several clusters have a "
			     "service %s; select one as service:CLUSTER/%s",
			     s->text, s->text + 8, s->text + 8);
	if (SEL_IDX(val) == SEL_AMBIGUOUS)
		return qfail(v, -EINVAL,
			     "selector '%s' is ambiguous: several "
			     "loaded objects have that id",
			     s->text);
	s->idx = SEL_IDX(val);
	switch (SEL_KIND(val)) {
	case SEL_ENDPOINT:
		s->what = SELW_ENDPOINT;
		prefetch_endpoint(v->m, s->idx);
		break;
	case SEL_TASK:
		s->what = SELW_TASK;
		SG_PREFETCH(&v->m->tasks.v[s->idx]);
		break;
	default:
		s->what = SELW_SERVICE;
		break;
	}
	return 0;
}

/* s names the interface holding the address p (full length), the one
 * whose delegated prefix holds it, or the address outside the model;
 * found and val are what lookup_address() gives for p. */
static int select_address_found(sgreach_verdict *v, const struct sg_prefix *p,
				struct selection *s, int found, uint32_t val)
{
	const sgreach_model *m = v->m;

	s->addr = *p;
	if (found) {
		if (val == SEL_AMBIGUOUS)
			return qfail(v, -EINVAL,
				     "address %s is held by several "
				     "interfaces (in different "
				     "VPCs); select one by its "
				     "id",
				     s->text);
		s->what = SELW_ENDPOINT;
		s->idx = val & ~ADDRV_PUBLIC;
		s->addr_given = 1;
		s->is_public = !!(val & ADDRV_PUBLIC);
		prefetch_endpoint(m, s->idx);
		return 0;
	}
	val = delegated_owner(m, p);
	if (val != SG_NONE) {
		s->what = SELW_ENDPOINT;
		s->idx = val;
		s->addr_given = 1;
		return 0;
	}
	s->what = SELW_ADDRESS;
	return 0;
}

static int select_address(sgreach_verdict *v, const struct sg_prefix *p,
			  struct selection *s)
{
	uint32_t val = 0;
	int found = lookup_address(v->m, p, &val);

	return select_address_found(v, p, s, found, val);
}

static int not_loaded(sgreach_verdict *v, const char *text)
{
	if (strncmp(text, "service:", 8) == 0)
		return qfail(v, -ENOENT,
			     "no service '%s' is loaded (from ecs "
			     "describe-services, describe-tasks or "
			     "Terraform)",
			     text + 8);
	return qfail(v, -ENOENT,
		     "'%s' is not a loaded interface, task, service or an "
		     "address",
		     text);
}

/* What one pass over a selector's text found, before any lookup. */
struct sel_text {
	size_t len;
	enum { SELT_OTHER, SELT_ID, SELT_IPV4 } kind;
	struct kkey key; /* SELT_ID */
	uint32_t a4;	 /* SELT_IPV4 */
	/* lookup_text(): whether the map was read, what it holds */
	uint8_t looked, found;
	uint32_t val;
};

/*
 * Interface and task ids and IPv4 addresses, most selectors, are each told
 * by one pass over the text and found in a map keyed by their value
 * (model.h).  An address is looked up as a selector text first only when
 * some selector text reads as an address (m->sel_addrlike); without one it
 * could not be found there.  The map's slot is fetched from here: a query
 * reads both selectors' texts before it looks either up.
 */
static inline void read_selector(const sgreach_model *m, const char *text,
				 struct sel_text *t)
{
	t->kind = SELT_OTHER;
	t->looked = 0;
	t->len = text ? strlen(text) : 0;
	if (t->len >= 7 &&
	    (text[1] == '.' || text[2] == '.' || text[3] == '.')) {
		/* An IPv4 address, if anything of these two kinds: an id has
		 * no dot. */
		if (addr_parse_ipv4(text, &t->a4) && !m->sel_addrlike) {
			t->kind = SELT_IPV4;
			u32map_prefetch(&m->addr4, t->a4);
		}
	} else if (t->len && sel_id_key(text, t->len, &t->key)) {
		t->kind = SELT_ID;
		kmap_prefetch(&m->sel_ids, &t->key);
	}
}

/* The map lookup of an id or IPv4 address that read_selector() told,
 * into t (found, val), made once for both its uses. */
static inline void lookup_text(const sgreach_model *m, struct sel_text *t)
{
	t->looked = 1;
	t->val = 0;
	if (t->kind == SELT_IPV4)
		t->found = (uint8_t)u32map_get(&m->addr4, t->a4, &t->val);
	else if (t->kind == SELT_ID)
		t->found = (uint8_t)kmap_get(&m->sel_ids, &t->key, &t->val);
	else
		t->found = 0;
}

static int resolve_read(sgreach_verdict *v, const char *text,
			struct sel_text *t, struct selection *s)
{
	const sgreach_model *m = v->m;
	size_t len = t->len;
	uint32_t val;

	/* Everything before the text, and the text empty: what a failed
	 * resolution leaves. */
	memset(s, 0, offsetof(struct selection, text));
	s->text[0] = '\0';
	if (!text || !*text)
		return qfail(v, -EINVAL, "empty selector");
	if (t->kind == SELT_IPV4) {
		struct sg_prefix p;

		memcpy(s->text, text, len + 1);
		s->len = (uint16_t)len;
		memset(&p, 0, sizeof(p));
		p.a.hi = (uint64_t)t->a4 << 32;
		p.len = 32;
		p.fam = 4;
		if (!t->looked)
			lookup_text(m, t);
		return select_address_found(v, &p, s, t->found, t->val);
	}
	if (t->kind == SELT_ID) {
		memcpy(s->text, text, len + 1);
		s->len = (uint16_t)len;
		if (!t->looked)
			lookup_text(m, t);
		if (t->found)
			return select_loaded(v, t->val, s);
		return not_loaded(v, text); /* and not an address */
	}

	if (len >= sizeof(s->text))
		return qfail(v, -EINVAL, "selector too long: %.64s...", text);
	memcpy(s->text, text, len + 1);
	s->len = (uint16_t)len;

	if (hmap_get(&m->selectors, text, len, &val))
		return select_loaded(v, val, s);
	if (strchr(text, '/') || strchr(text, ':') ||
	    (text[0] >= '0' && text[0] <= '9')) {
		struct sg_prefix p;

		if (addr_parse_fast(text, 2, &p, NULL) == 0) {
			if (p.len != (p.fam == 4 ? 32 : 128)) {
				s->addr = p;
				s->what = SELW_CIDR;
				return 0;
			}
			return select_address(v, &p, s);
		}
		if (strchr(text, '/') && !strstr(text, "arn:") &&
		    strncmp(text, "service:", 8) != 0)
			return qfail(v, -EINVAL,
				     "invalid selector '%s': not a valid "
				     "address, CIDR or loaded id",
				     text);
	}
	return not_loaded(v, text);
}

static int resolve_selector(sgreach_verdict *v, const char *text,
			    struct selection *s)
{
	struct sel_text t;

	read_selector(v->m, text, &t);
	return resolve_read(v, text, &t, s);
}

/* What family_of() finds wrong. */
enum { FAM_BOTH = -1, FAM_SELECTOR = -2, FAM_ICMPV6 = -3, FAM_ICMP = -4 };

/* The family a selection fixes (an address, a CIDR, an interface named by
 * one of its addresses), or 0. */
static inline int sel_family(int what, int addr_given, int fam)
{
	return what == SELW_ADDRESS || what == SELW_CIDR || addr_given ? fam
								       : 0;
}

/* The address family of a query whose source and destination fix f[0]
 * and f[1] (sel_family()): IPv6 when asked, when a selector is an IPv6
 * address or the flow is ICMPv6; ICMP means IPv4.  Returns 4 or 6, or a
 * FAM_ value (FAM_SELECTOR: side *bad is of the other family). */
static inline int family_of(const int f[2], int proto, unsigned int flags,
			    int *bad)
{
	int fam = 0;
	int i;

	if ((flags & SGREACH_QUERY_IPV4) && (flags & SGREACH_QUERY_IPV6))
		return FAM_BOTH;
	if (flags & SGREACH_QUERY_IPV6)
		fam = 6;
	if (flags & SGREACH_QUERY_IPV4)
		fam = 4;
	for (i = 0; i < 2; i++) {
		if (f[i] && fam && f[i] != fam) {
			*bad = i;
			return FAM_SELECTOR;
		}
		if (f[i])
			fam = f[i];
	}
	if (proto == PROTO_ICMPV6) {
		if (fam == 4)
			return FAM_ICMPV6;
		fam = 6;
	} else if (proto == PROTO_ICMP) {
		if (fam == 6)
			return FAM_ICMP;
		fam = 4;
	}
	return fam ? fam : 4;
}

/* Sets v->family for the query (family_of()), or fails with its
 * message. */
static inline __attribute__((always_inline)) int pick_family(sgreach_verdict *v,
							     unsigned int flags)
{
	const struct selection *sel[2] = {&v->src, &v->dst};
	const int f[2] = {
	    sel_family(v->src.what, v->src.addr_given, v->src.addr.fam),
	    sel_family(v->dst.what, v->dst.addr_given, v->dst.addr.fam)};
	int bad = 0;
	int fam = family_of(f, v->flow.protocol, flags, &bad);

	switch (fam) {
	case FAM_BOTH:
		return qfail(v, -EINVAL, "-4 and -6 exclude each other");
	case FAM_SELECTOR:
		return qfail(v, -EINVAL,
			     "%s is an IPv%s address; it cannot be used with "
			     "the other family",
			     sel[bad]->text, f[bad] == 4 ? "4" : "6");
	case FAM_ICMPV6:
		return qfail(v, -EINVAL, "icmpv6 flows are IPv6 only");
	case FAM_ICMP:
		return qfail(v, -EINVAL,
			     "icmp flows are IPv4 only (use icmpv6)");
	}
	v->family = fam;
	return 0;
}

/* Appends the private addresses of endpoint e in the query's family. */
static int add_endpoint_members(sgreach_verdict *v, uint32_t e, void *vec)
{
	VEC(struct member) *mem = vec;
	const struct sg_qep *q = &v->m->qep[e];
	const struct sg_endpoint *ep;
	uint32_t k;

	struct member one;

	memset(&one, 0, sizeof(one));
	if (sg_qep_one_addr(q, v->family, &one.p)) {
		one.ep = e;
		return vec_push(mem, one);
	}
	ep = &v->m->endpoints.v[e];
	for (k = 0; k < ep->addrs.n; k++) {
		struct member x;

		if (ep->addrs.v[k].is_public ||
		    ep->addrs.v[k].p.fam != v->family)
			continue;
		memset(&x, 0, sizeof(x));
		x.ep = e;
		x.p = ep->addrs.v[k].p;
		if (vec_push(mem, x))
			return -ENOMEM;
	}
	return 0;
}

/* The one private address of the family that endpoint e holds, as
 * add_endpoint_members() would add it, into x->p: 1; 0 when it holds
 * none or several. */
static int only_private(const struct sg_endpoint *e, int family,
			struct member *x)
{
	int found = 0;
	uint32_t k;

	for (k = 0; k < e->addrs.n; k++) {
		if (e->addrs.v[k].is_public || e->addrs.v[k].p.fam != family)
			continue;
		if (found++)
			return 0;
		x->p = e->addrs.v[k].p;
	}
	return found;
}

/*
 * The member that build_members() would make of a selection that makes
 * exactly one, into *x without the vector: returns 1; or 0 when the
 * selection needs build_members() (a service, an interface without exactly
 * one private address of the family).  A selection's fields, as struct
 * selection and struct sgreach_selector both hold them; ep is the
 * interface an interface or task selection names.
 */
static inline int one_member(const sgreach_model *m, int what, uint32_t ep,
			     const struct sg_qep *view, int addr_given,
			     const struct sg_prefix *addr, int is_public,
			     int family, struct member *x)
{
	memset(x, 0, sizeof(*x));
	switch (what) {
	case SELW_ADDRESS:
	case SELW_CIDR:
		x->ep = SG_NONE;
		x->p = *addr;
		return 1;
	case SELW_ENDPOINT:
	case SELW_TASK:
		x->ep = ep;
		x->view = view;
		if (addr_given) {
			x->p = *addr;
			x->is_public = (uint8_t)is_public;
			return 1;
		}
		if (!view)
			view = &m->qep[ep];
		if (sg_qep_one_addr(view, family, &x->p))
			return 1;
		return only_private(&m->endpoints.v[ep], family, x);
	}
	return 0;
}

static int build_members(sgreach_verdict *v, const struct selection *s,
			 void *vec)
{
	VEC(struct member) *mem = vec;
	const sgreach_model *m = v->m;
	struct member x;
	uint32_t e, k;
	int rc;

	mem->n = 0;
	memset(&x, 0, sizeof(x));
	switch (s->what) {
	case SELW_ADDRESS:
	case SELW_CIDR:
		x.ep = SG_NONE;
		x.p = s->addr;
		return vec_push(mem, x);
	case SELW_ENDPOINT:
	case SELW_TASK:
		e = selection_endpoint(m, s);
		if (s->addr_given) {
			x.ep = e;
			x.p = s->addr;
			x.is_public = s->is_public;
			return vec_push(mem, x);
		}
		if ((rc = add_endpoint_members(v, e, mem)))
			return rc;
		if (mem->n == 0)
			return qfail(v, -EINVAL,
				     "%s has no private IPv%s address (try the "
				     "other family with -4 or -6)",
				     s->text, v->family == 4 ? "4" : "6");
		return 0;
	case SELW_SERVICE: {
		const struct sg_endpoint *svc = &m->endpoints.v[s->idx];

		if (svc->members.n) {
			for (k = 0; k < svc->members.n; k++)
				if ((rc = add_endpoint_members(
					 v, svc->members.v[k], mem)))
					return rc;
		} else {
			for (k = 0; k < svc->addrs.n; k++) {
				if (svc->addrs.v[k].p.fam != v->family)
					continue;
				x.ep = s->idx;
				x.p = svc->addrs.v[k].p;
				if (vec_push(mem, x))
					return -ENOMEM;
			}
		}
		if (mem->n == 0)
			return qfail(v, -EINVAL,
				     "%s has no IPv%s address: neither running "
				     "tasks nor subnets with CIDRs are loaded",
				     s->text, v->family == 4 ? "4" : "6");
		return 0;
	}
	}
	return qfail(v, -EINVAL, "internal: bad selection");
}

/* build_members() for a query: the commonest selections, which make one
 * member, without its calls. */
static inline int query_members(sgreach_verdict *v, const struct selection *s,
				void *vec)
{
	VEC(struct member) *mem = vec;

	if (vec_reserve(mem, 1) == 0 &&
	    one_member(v->m, s->what, selection_endpoint(v->m, s), s->view,
		       s->addr_given, &s->addr, s->is_public, v->family,
		       mem->v)) {
		mem->n = 1;
		return 0;
	}
	return build_members(v, s, vec);
}

/* ---------------------------------------------------------------- rules -- */

static inline int proto_matches(const struct sg_hot *r, const sgreach_flow *f)
{
	if (r->proto == PROTO_ALL)
		return 1;
	if (r->proto != f->protocol)
		return 0;
	switch (r->proto) {
	case PROTO_TCP:
	case PROTO_UDP:
		return f->port >= r->from && f->port <= r->to;
	case PROTO_ICMP:
	case PROTO_ICMPV6:
		/* FromPort = type, ToPort = code, -1 = any. */
		return r->from == -1 || (r->from == f->port &&
					 (r->to == -1 || r->to == f->code));
	default:
		return 1; /* other protocols: all ports, whatever written */
	}
}

/* The flow's key in struct sg_hrange terms; 0 when its values are outside
 * what keys hold (a flow built by hand), and rules are then tested by
 * proto_matches() alone. */
static inline int flow_key(const sgreach_flow *f, uint32_t *key)
{
	const uint32_t p = (uint32_t)f->protocol << SG_HKEY_SHIFT;

	switch (f->protocol) {
	case PROTO_TCP:
	case PROTO_UDP:
		if (f->port < -1 || f->port > 65535)
			return 0;
		*key = p | (uint32_t)(f->port + 1);
		return 1;
	case PROTO_ICMP:
	case PROTO_ICMPV6:
		if (f->port < -1 || f->port > 255 || f->code < -1 ||
		    f->code > 255)
			return 0;
		*key = p | (uint32_t)(f->port == -1 ? 256 : f->port) << 9 |
		       (uint32_t)(f->code == -1 ? 256 : f->code);
		return 1;
	default:
		*key = p;
		return 1;
	}
}

/* The VPC of endpoint e, from its query view q. */
static inline const char *view_vpc(const sgreach_model *m,
				   const struct sg_qep *q, uint32_t e)
{
	return q->vpc != SG_QEP_VPC_SLOW ? m->qvpc[q->vpc]
					 : m->endpoints.v[e].vpc;
}

/* Whether endpoints a and b, of views qa and qb, share a network
 * (eval_vpcs_connected()). */
static inline int views_same_net(const sgreach_model *m,
				 const struct sg_qep *qa, uint32_t a,
				 const struct sg_qep *qb, uint32_t b)
{
	const uint32_t x = qa->vpc, y = qb->vpc;

	if (m->qconn && x != SG_QEP_VPC_SLOW && y != SG_QEP_VPC_SLOW)
		return (int)(m->qconn[x * m->qconn_words + y / 64] >> (y % 64) &
			     1);
	return eval_vpcs_connected(m, view_vpc(m, qa, a), view_vpc(m, qb, b));
}

/* Whether the endpoints of members a and b share a network. */
static inline int same_net(const sgreach_model *m, const struct member *a,
			   const struct member *b)
{
	return views_same_net(m, member_view(m, a), a->ep, member_view(m, b),
			      b->ep);
}

/* same_net(), asked once per side: *memo is -1 until then. */
static inline int same_net_once(const sgreach_model *m, const struct member *a,
				const struct member *b, int *memo)
{
	if (*memo < 0)
		*memo = same_net(m, a, b);
	return *memo;
}

/* Whether endpoint e, of view q (NULL before finalize), carries group g. */
static inline int view_has_group(const sgreach_model *m, const struct sg_qep *q,
				 uint32_t e, uint32_t g)
{
	const struct sg_endpoint *ep;
	uint32_t k;

	if (q && q->inline_) {
		for (k = 0; k < q->ngroups; k++)
			if (q->groups[k] == g)
				return 1;
		return 0;
	}
	ep = &m->endpoints.v[e];
	for (k = 0; k < ep->groups.n; k++)
		if (ep->groups.v[k] == g)
			return 1;
	return 0;
}

int eval_endpoint_has_group(const sgreach_model *m, uint32_t e, uint32_t g)
{
	return view_has_group(m, m->qep ? &m->qep[e] : NULL, e, g);
}

int eval_endpoints_connected(const sgreach_model *m, uint32_t a, uint32_t b)
{
	return views_same_net(m, &m->qep[a], a, &m->qep[b], b);
}

int eval_vpcs_connected(const sgreach_model *m, const char *a, const char *b)
{
	uint32_t i;

	if (!a || !b || a == b)
		return 1; /* unknown VPC: do not invent a boundary */
	for (i = 0; i < m->peerings.n; i++) {
		const struct sg_peering *p = &m->peerings.v[i];

		if (p->active && ((p->vpc_a == a && p->vpc_b == b) ||
				  (p->vpc_a == b && p->vpc_b == a)))
			return 1;
	}
	return 0;
}

static inline uint32_t mask32(unsigned int len)
{
	return len ? 0xffffffffu << (32 - len) : 0;
}

/* The first rules of the run an interface's view q points to in
 * direction dir: the ranges and keys of up to AHEAD_RANGES (one scan
 * block).  Nothing on the general path (!q->run). */
enum { AHEAD_RANGES = 64 };
SG_PREFETCH_FN void ahead_view_runs(const sgreach_model *m,
				    const struct sg_qep *q, int dir)
{
	uint32_t at, n, k;

	if (!q->run)
		return;
	at = q->at + (dir ? q->n[0] : 0);
	n = q->n[dir] < AHEAD_RANGES ? q->n[dir] : AHEAD_RANGES;
	for (k = 0; k < n; k += 8) {
		SG_PREFETCH(m->hrange + at + k);
		SG_PREFETCH(m->hkey + at + k);
	}
}

/* The rule's prefix holds the whole peer (M_ALL), part of it (M_SOME: the
 * peer is a wider range) or none of it.  Of two prefixes of one family,
 * only the shorter can contain the longer, so one mask decides.  Inline:
 * this runs for every CIDR rule of every query. */
static inline int prefix_match(const struct sg_prefix *rule,
			       const struct member *p)
{
	struct sg_addr mk;

	if (rule->fam != p->p.fam)
		return M_NO;
	if (p->nat)
		return rule->len == 0 ? M_ALL : M_NO;
	if (rule->len <= p->p.len) {
		mk = addr_mask(rule->len);
		return (p->p.a.hi & mk.hi) == rule->a.hi &&
			       (p->p.a.lo & mk.lo) == rule->a.lo
			   ? M_ALL
			   : M_NO;
	}
	mk = addr_mask(p->p.len);
	return (rule->a.hi & mk.hi) == p->p.a.hi &&
		       (rule->a.lo & mk.lo) == p->p.a.lo
		   ? M_SOME
		   : M_NO;
}

/* prefix_match() for an SG_HK_CIDR4 rule, from its struct sg_hkey: IPv4
 * addresses are the top half of struct sg_addr.hi, the rest zero. */
static inline int cidr4_match(const struct sg_hkey *hk, const struct member *p)
{
	const uint32_t pa = (uint32_t)(p->p.a.hi >> 32);

	if (p->p.fam != 4)
		return M_NO;
	if (p->nat)
		return hk->len == 0 ? M_ALL : M_NO;
	if (hk->len <= p->p.len)
		return (pa & mask32(hk->len)) == hk->peer ? M_ALL : M_NO;
	return (hk->peer & mask32(p->p.len)) == pa ? M_SOME : M_NO;
}

/* The struct sg_hot of rule entry hk of m->hkey, or of the one it copies. */
static inline const struct sg_hot *hkey_hot(const sgreach_model *m,
					    const struct sg_hkey *hk)
{
	return m->hot + model_hot_of(m, (uint32_t)(hk - m->hkey));
}

/* The index in m->rules of the rule of entry hk of m->hkey. */
static inline uint32_t hkey_rule(const sgreach_model *m,
				 const struct sg_hkey *hk)
{
	return m->hkey_wide ? hkey_hot(m, hk)->rule : hk->rule;
}

int eval_prefix_match(const struct sg_prefix *rule, const struct member *p)
{
	return prefix_match(rule, p);
}

static int push_unique(void *vec, uint32_t x)
{
	VEC(uint32_t) *u = vec;
	uint32_t i;

	for (i = 0; i < u->n; i++)
		if (u->v[i] == x)
			return 0;
	return vec_push(u, x);
}

static int push_cov(sgreach_verdict *v, const struct sg_prefix *rule,
		    const struct member *p)
{
	struct sg_range r;

	(void)p;
	prefix_range(rule, &r);
	return vec_push(&v->scratch, r);
}

static int range_cmp(const void *a, const void *b)
{
	return addr_cmp(&((const struct sg_range *)a)->first,
			&((const struct sg_range *)b)->first);
}

/* Whether rules naming a group may match peer (side_eval()): *memo is -1
 * until asked. */
static inline int peer_by_group(const sgreach_verdict *v,
				const struct member *peer, int *memo)
{
	if (*memo < 0)
		*memo = !(peer->ep == SG_NONE || peer->is_public || peer->nat ||
			  peer->p.fam != v->family);
	return *memo;
}

/*
 * Evaluates one side: the rules of endpoint `self` in direction `dir` against
 * `peer`.  Returns the side verdict; matched rules and missing pieces are
 * added to v->side[dir]; allowed sub-ranges of a range peer go to v->cov.
 *
 * quick (a constant: eval_side() and eval_side_quick() below are the two
 * copies): the side verdict only, nothing recorded, and the scan stops at
 * the first rule that allows the whole peer, which decides the side.  A
 * rule that allows part of the peer (a range) needs the full evaluation:
 * quick returns SIDE_AGAIN then.
 */
static inline __attribute__((always_inline)) int
side_eval(sgreach_verdict *v, const struct member *me, int dir,
	  const struct member *peer, uint32_t *cov_first, uint32_t *cov_n,
	  int *reason, const int quick, const int ahead)
{
	const sgreach_model *m = v->m;
	const uint32_t self = me->ep;
	const struct sg_endpoint *e = &m->endpoints.v[self]; /* if needed */
	const struct sg_qep *q = member_view(m, me);
	/* The peer's view, when a rule names a group. */
	const struct sg_qep *pq = NULL;
	/* One run (struct sg_qep), or one per group on the general path. */
	const uint32_t nruns = q->run ? 1 : e->groups.n;
	struct side *side = &v->side[dir];
	int all = 0, unknown = 0, some = 0;
	uint32_t nrules = 0;
	/* Group references match by private address only, across an
	 * active peering at most: what the peer allows is fixed for the
	 * side, worked out when a rule first names a group (-1 until
	 * then), and the VPC test is made once, when first needed. */
	int by_group = -1;
	const sgreach_flow *const flow = &v->flow;
	const uint32_t fkey = v->fkey;
	const int fkey_ok = v->fkey_ok;
	int same_net = -1;
	uint32_t g, k;

	*reason = REASON_NONE;
	/* Quick, nothing is recorded: eval_details() works it all out
	 * again. */
	if (!quick) {
		*cov_first = v->cov.n;
		*cov_n = 0;
		v->scratch.n = 0;
		if (side->ep == SG_NONE)
			side->ep = self;
	}
	/* The first rules of every run, missed together rather than one
	 * run after the other; ahead: fetched already. */
	if (!ahead)
		ahead_view_runs(m, q, dir);
	/* The rules of each group in turn: the order of e->rules[dir].  The
	 * ranges (struct sg_hrange) pass over the rules of other protocols
	 * and ports without reading them. */
	for (g = 0; g < nruns; g++) {
		const struct sg_grun *run =
		    q->run ? NULL : &m->grun[e->groups.v[g]];
		const uint32_t at = run ? run->at + (dir ? run->n[0] : 0)
					: q->at + (dir ? q->n[0] : 0);
		const uint32_t n = run ? run->n[dir] : q->n[dir];
		const struct sg_hkey *const h0 = m->hkey + at;
		const struct sg_hrange *const r0 = m->hrange + at;
		uint32_t c;

		nrules += n;
		/* The rules that may admit the flow, 64 at a time. */
		for (c = 0; c < n; c += 64) {
			uint64_t cand =
			    fkey_ok ? sg_hrange_scan(r0 + c, n - c, fkey)
				    : ~0ull >> (n - c >= 64 ? 0 : 64 - (n - c));

			while (cand) {
				const struct sg_hkey *const hk =
				    h0 + c + (uint32_t)__builtin_ctzll(cand);
				const struct sg_hot *r;
				uint32_t ri, plist;
				int how = M_NO;

				cand &= cand - 1;
				if (fkey_ok) {
					/* The two commonest peers, decided here
					 * without reading struct sg_hot. */
					if (hk->kind == SG_HK_CIDR4) {
						how = cidr4_match(hk, peer);
						if (how == M_NO)
							continue;
						if (how == M_ALL)
							goto matched;
						if (quick)
							return SIDE_AGAIN;
						how = M_NO; /* M_SOME: as
							       written */
					} else if (hk->kind == SG_HK_CIDR6 &&
						   peer->p.fam != 6) {
						continue; /* prefix_match():
							     M_NO */
					} else if (hk->kind == SG_HK_PLIST) {
						plist = hk->peer;
						ri = hkey_rule(m, hk);
						goto prefix_list;
					} else if (hk->kind == SG_HK_GROUP) {
						if (!peer_by_group(v, peer,
								   &by_group))
							continue;
						if (!pq)
							pq = member_view(m,
									 peer);
						if (!view_has_group(m, pq,
								    peer->ep,
								    hk->peer) ||
						    !same_net_once(m, me, peer,
								   &same_net))
							continue;
						how = M_ALL;
						goto matched;
					}
				}
				r = hkey_hot(m, hk);
				if ((!fkey_ok || !r->key_exact) &&
				    !proto_matches(r, flow))
					continue;
				ri = r->rule;
				switch (r->peer_kind) {
				case SGREACH_PEER_CIDR:
					how = prefix_match(&r->cidr, peer);
					if (how == M_SOME &&
					    (quick ||
					     push_cov(v, &r->cidr, peer)))
						return quick ? SIDE_AGAIN
							     : -ENOMEM;
					break;
				case SGREACH_PEER_GROUP:
					if (r->stale ||
					    !peer_by_group(v, peer, &by_group))
						break;
					if (!pq)
						pq = member_view(m, peer);
					if (view_has_group(m, pq, peer->ep,
							   r->peer) &&
					    same_net_once(m, me, peer,
							  &same_net))
						how = M_ALL;
					break;
				case SGREACH_PEER_PREFIX_LIST:
					plist = r->peer;
				prefix_list : {
					const struct sg_plist *pl =
					    &m->plists.v[plist];

					if (!pl->loaded) {
						unknown = 1;
						*reason = REASON_PLIST_MISSING;
						if (!quick &&
						    push_unique(&side->plists,
								plist))
							return -ENOMEM;
						break;
					}
					/* An IPv4 address: as prefix_match()
					 * finds it, from the list's IPv4
					 * entries. */
					if (peer->p.fam == 4 &&
					    peer->p.len == 32 && !peer->nat) {
						const uint32_t pa =
						    (uint32_t)(peer->p.a.hi >>
							       32);
						const struct sg_plist4 *p4 =
						    m->plist4 + pl->at4;

						for (k = 0; k < pl->n4; k++)
							if ((pa & p4[k].mask) ==
							    p4[k].net) {
								how = M_ALL;
								break;
							}
						break;
					}
					for (k = 0;
					     k < pl->entries.n && how != M_ALL;
					     k++) {
						int h = prefix_match(
						    &pl->entries.v[k], peer);

						if (h == M_SOME &&
						    (quick ||
						     push_cov(v,
							      &pl->entries.v[k],
							      peer)))
							return quick
								   ? SIDE_AGAIN
								   : -ENOMEM;
						if (h > how)
							how = h;
					}
					break;
				}
				case SGREACH_PEER_UNKNOWN:
					unknown = 1;
					*reason = REASON_PLAN_UNKNOWN;
					if (!quick &&
					    vec_push(&side->unknown_peers,
						     m->rules.v[ri].peer_text))
						return -ENOMEM;
					break;
				}
				if (0) {
				matched:
					if (quick)
						return SGREACH_ALLOWED;
					ri = hkey_rule(m, hk);
				}
				if (quick) {
					if (how == M_ALL)
						return SGREACH_ALLOWED;
					continue;
				}
				if (how == M_ALL) {
					all = 1;
					if (push_unique(&side->rules, ri))
						return -ENOMEM;
				} else if (how == M_SOME) {
					some = 1;
					if (push_unique(&side->rules, ri))
						return -ENOMEM;
				}
			}
		}
	}
	if (q->missing && !quick) {
		for (k = 0; k < e->groups.n; k++)
			if (!m->groups.v[e->groups.v[k]].complete &&
			    push_unique(&side->groups, e->groups.v[k]))
				return -ENOMEM;
	}
	if (all)
		return SGREACH_ALLOWED;
	if (some) {
		/* Rules covering part of a range peer: merge what they cover
		 * and see whether it is the whole range. */
		struct sg_range want;
		uint32_t j;

		prefix_range(&peer->p, &want);
		qsort(v->scratch.v, v->scratch.n, sizeof(*v->scratch.v),
		      range_cmp);
		for (j = 0; j < v->scratch.n; j++) {
			const struct sg_range *r = &v->scratch.v[j];
			struct sg_range *last = v->cov.n > *cov_first
						    ? &v->cov.v[v->cov.n - 1]
						    : NULL;

			if (last) {
				struct sg_addr after =
				    addr_next(&last->last, r->fam);

				if (addr_cmp(&r->first, &last->last) <= 0 ||
				    addr_cmp(&r->first, &after) == 0) {
					if (addr_cmp(&r->last, &last->last) > 0)
						last->last = r->last;
					continue;
				}
			}
			if (vec_push(&v->cov, *r))
				return -ENOMEM;
		}
		*cov_n = v->cov.n - *cov_first;
		if (*cov_n == 1 &&
		    !addr_cmp(&v->cov.v[*cov_first].first, &want.first) &&
		    !addr_cmp(&v->cov.v[*cov_first].last, &want.last)) {
			v->cov.n = *cov_first;
			*cov_n = 0;
			return SGREACH_ALLOWED;
		}
		if (unknown || q->missing) {
			if (!*reason)
				*reason = REASON_GROUP_MISSING;
			return SGREACH_UNKNOWN;
		}
		return SGREACH_PARTIAL;
	}
	if (unknown || q->missing) {
		if (!*reason)
			*reason = REASON_GROUP_MISSING;
		return SGREACH_UNKNOWN;
	}
	if (peer->nat) {
		*reason = REASON_NAT_UNKNOWN;
		return SGREACH_UNKNOWN;
	}
	*reason = nrules ? REASON_NO_MATCH : REASON_NO_RULES;
	return SGREACH_DENIED;
}

static int eval_side(sgreach_verdict *v, const struct member *me, int dir,
		     const struct member *peer, uint32_t *cov_first,
		     uint32_t *cov_n, int *reason)
{
	return side_eval(v, me, dir, peer, cov_first, cov_n, reason, 0, 0);
}

/* A function of its own, called for each side: inlined into
 * sgreach_query_many() (as it was up to 3325004), the loop over rules shared
 * the registers of the whole question and spilled; as a call, bench/ab
 * measured large's questions 1.07-1.09x faster (medium 1.06x, small
 * 1.04x), for 1% more instructions. */
static __attribute__((noinline)) int
eval_side_quick(sgreach_verdict *v, const struct member *me, int dir,
		const struct member *peer, int *reason, int ahead)
{
	uint32_t cov_first, cov_n;

	return side_eval(v, me, dir, peer, &cov_first, &cov_n, reason, 1,
			 ahead);
}

/* Denied wins over everything, then unknown, then partial (spec 4). */
static int combine(int a, int b)
{
	if (a == SIDE_NA)
		return b;
	if (b == SIDE_NA)
		return a;
	if (a == SGREACH_DENIED || b == SGREACH_DENIED)
		return SGREACH_DENIED;
	if (a == SGREACH_UNKNOWN || b == SGREACH_UNKNOWN)
		return SGREACH_UNKNOWN;
	if (a == SGREACH_PARTIAL || b == SGREACH_PARTIAL)
		return SGREACH_PARTIAL;
	return SGREACH_ALLOWED;
}

/* Members of a set: all alike gives that verdict; allowed for some and
 * denied for others is partial; otherwise unknown. */
struct tally {
	uint32_t n[6];
	uint32_t total;
};

static void tally_add(struct tally *t, int verdict)
{
	t->n[verdict]++;
	t->total++;
}

static int tally_result(const struct tally *t)
{
	uint32_t yes = t->n[SGREACH_ALLOWED] + t->n[SGREACH_PARTIAL];

	if (t->n[SIDE_NA] == t->total)
		return SIDE_NA;
	if (t->n[SGREACH_ALLOWED] + t->n[SIDE_NA] == t->total)
		return SGREACH_ALLOWED;
	if (t->n[SGREACH_DENIED] == t->total - t->n[SIDE_NA])
		return SGREACH_DENIED;
	if (yes && t->n[SGREACH_DENIED])
		return SGREACH_PARTIAL;
	if (t->n[SGREACH_UNKNOWN])
		return SGREACH_UNKNOWN;
	return SGREACH_PARTIAL;
}

/* Empties what eval_pairs() fills in. */
static void reset_details(sgreach_verdict *v)
{
	int d;

	v->detailed = 0;
	v->no_path = 0;
	for (d = 0; d < 2; d++) {
		v->side[d].verdict = SIDE_NA;
		v->side[d].reason = REASON_NONE;
		v->side[d].ep = SG_NONE;
		v->side[d].rules.n = 0;
		v->side[d].groups.n = 0;
		v->side[d].plists.n = 0;
		v->side[d].unknown_peers.n = 0;
	}
	v->pairs.n = 0;
	v->cov.n = 0;
}

static void reset(sgreach_verdict *v)
{
	v->ok = 0;
	v->err[0] = '\0';
	reset_details(v);
	v->smem.n = v->dmem.n = 0;
}

/*
 * The pair of members i, j (sm and dm: v->smem.v[i] and v->dmem.v[j], or a
 * question's own, sgreach_query_many()): the source's egress against the
 * destination and the destination's ingress against the source, into *p,
 * with each side's first reason into reasons[].  quick: p->verdict only
 * (eval_side_quick()), the ingress first and the egress not asked once the
 * ingress denies; returns SIDE_AGAIN when that is not enough.  Otherwise 0
 * or -ENOMEM.  fetched: the directions whose runs the caller fetched ahead
 * (struct sgreach_verdict's; quick only).
 */
static inline __attribute__((always_inline)) int
eval_pair(sgreach_verdict *v, uint32_t i, uint32_t j, const struct member *sm,
	  const struct member *dm, struct pair *p, int reasons[2],
	  const int quick, const unsigned int fetched)
{
	const sgreach_model *m = v->m;
	struct member src = *sm;
	const struct member *dst = dm;
	int reason, k;

	memset(p, 0, sizeof(*p));
	p->s = i;
	p->d = j;
	/* Traffic to a public address arrives from the sender's public
	 * address, or a NAT address. */
	if (dst->is_public && src.ep != SG_NONE) {
		const struct sg_endpoint *se = &m->endpoints.v[src.ep];
		uint32_t a;

		src.nat = 1;
		for (a = 0; a < se->addrs.n; a++)
			if (se->addrs.v[a].is_public &&
			    se->addrs.v[a].p.fam == v->family) {
				src.p = se->addrs.v[a].p;
				src.is_public = 1;
				src.nat = 0;
				break;
			}
	}
	p->egress = SIDE_NA;
	p->ingress = SIDE_NA;
	/* Egress, then ingress; quick: the destination's ingress first, as
	 * it denies more often (egress rules tend to allow everything), and
	 * a denial decides. */
	for (k = 0; k < 2; k++) {
		const int d =
		    (k == 0) == (quick != 0) ? SGREACH_INGRESS : SGREACH_EGRESS;
		const struct member *me = d == SGREACH_EGRESS ? &src : dst;
		const struct member *peer = d == SGREACH_EGRESS ? dst : &src;
		int *side = d == SGREACH_EGRESS ? &p->egress : &p->ingress;

		if (me->ep == SG_NONE)
			continue;
		if (quick && k == 1 &&
		    (p->egress == SGREACH_DENIED ||
		     p->ingress == SGREACH_DENIED))
			break;
		*side = quick ? eval_side_quick(v, me, d, peer, &reason,
						(fetched >> d) & 1)
			      : eval_side(v, me, d, peer, &p->cov_first[d],
					  &p->cov_n[d], &reason);
		if (*side < 0 || *side == SIDE_AGAIN)
			return *side;
		if (reason && !reasons[d])
			reasons[d] = reason;
	}
	p->verdict = combine(p->egress, p->ingress);
	if (p->verdict == SIDE_NA)
		p->verdict = SGREACH_ALLOWED;
	/* No path between the two networks makes any answer but a denial
	 * unknown; quick, a denial needs no look (v->no_path is for the
	 * details, which eval_details() works out again). */
	if ((!quick || p->verdict != SGREACH_DENIED) && src.ep != SG_NONE &&
	    dst->ep != SG_NONE && !dst->is_public && !same_net(m, &src, dst)) {
		v->no_path = 1;
		if (p->verdict != SGREACH_DENIED)
			p->verdict = SGREACH_UNKNOWN;
	}
	return 0;
}

/* Every pair of members, their tallies and the query's result: the
 * details a rendering shows. */
static int eval_pairs(sgreach_verdict *v)
{
	struct tally all = {{0}, 0}, side_t[2] = {{{0}, 0}, {{0}, 0}};
	int reasons[2] = {REASON_NONE, REASON_NONE};
	uint32_t i, j;
	int d, rc;

	for (i = 0; i < v->smem.n; i++) {
		for (j = 0; j < v->dmem.n; j++) {
			struct pair p;

			if ((rc = eval_pair(v, i, j, &v->smem.v[i],
					    &v->dmem.v[j], &p, reasons, 0, 0)))
				return rc;
			tally_add(&all, p.verdict);
			tally_add(&side_t[SGREACH_EGRESS], p.egress);
			tally_add(&side_t[SGREACH_INGRESS], p.ingress);
			if (vec_push(&v->pairs, p))
				return -ENOMEM;
		}
	}
	for (d = 0; d < 2; d++) {
		/* Of one pair, the tally is that pair's verdict. */
		v->side[d].verdict = v->pairs.n != 1 ? tally_result(&side_t[d])
				     : d == SGREACH_EGRESS
					 ? v->pairs.v[0].egress
					 : v->pairs.v[0].ingress;
		v->side[d].reason =
		    v->side[d].verdict == SIDE_NA	    ? REASON_OUTSIDE
		    : v->side[d].verdict == SGREACH_ALLOWED ? REASON_NONE
							    : reasons[d];
	}
	v->result = (sgreach_result)(v->pairs.n == 1 ? v->pairs.v[0].verdict
						     : tally_result(&all));
	v->detailed = 1;
	return 0;
}

/*
 * The result of a query of one pair without its details: the rules that
 * decide it, the missing pieces and the side verdicts are left for
 * eval_details(), which sgreach_verdict_render() calls.  Returns 0 with
 * v->result set, SIDE_AGAIN when the full evaluation is needed, or -ENOMEM.
 */
static int eval_quick(sgreach_verdict *v)
{
	int reasons[2] = {REASON_NONE, REASON_NONE};
	struct pair p;
	int rc;

	if ((rc = eval_pair(v, 0, 0, &v->smem.v[0], &v->dmem.v[0], &p, reasons,
			    1, v->fetched)))
		return rc;
	v->result = (sgreach_result)p.verdict;
	return 0;
}

/*
 * eval_quick() for several members (services, interfaces with several
 * addresses): each pair's verdict alone, tallied as eval_pairs() tallies
 * them.  `sgreach check service:* service:*` asks this of every pair of
 * services, and failing pairs aside nobody reads their details.  Returns
 * as eval_quick().
 */
static int eval_quick_pairs(sgreach_verdict *v)
{
	struct tally all = {{0}, 0};
	int reasons[2] = {REASON_NONE, REASON_NONE};
	uint32_t i, j;
	int rc;

	for (i = 0; i < v->smem.n; i++)
		for (j = 0; j < v->dmem.n; j++) {
			struct pair p;

			if ((rc = eval_pair(v, i, j, &v->smem.v[i],
					    &v->dmem.v[j], &p, reasons, 1, 0)))
				return rc;
			tally_add(&all, p.verdict);
		}
	v->result = (sgreach_result)tally_result(&all);
	return 0;
}

/* Readies v for a call on m, which must be a finalized model; have_args
 * says whether the call's other pointers are there (missing is written in
 * the message otherwise). */
static int ready(sgreach_verdict *v, const sgreach_model *m, int have_args,
		 const char *missing)
{
	reset(v);
	v->m = m;
	if (!m || !have_args)
		return qfail(v, -EINVAL, "%s", missing);
	if (!m->finalized)
		return qfail(v, -EBUSY, "the model is not finalized");
	return 0;
}

/* Checks what every query takes and readies v for one. */
static int query_begin(const sgreach_model *m, const sgreach_flow *flow,
		       unsigned int flags, sgreach_verdict *v)
{
	int rc = ready(v, m, flow != NULL, "no model or flow");

	if (rc)
		return rc;
	if (flags & ~(unsigned int)(SGREACH_QUERY_IPV4 | SGREACH_QUERY_IPV6 |
				    SGREACH_QUERY_DETAILS))
		return qfail(v, -EINVAL, "unknown query flags");
	if (flow->protocol < 0 || flow->protocol > PROTO_MAX)
		return qfail(v, -EINVAL, "invalid flow protocol");
	v->flow = *flow;
	v->fkey_ok = flow_key(flow, &v->fkey);
	return 0;
}

/* The query itself, once v->src and v->dst are resolved. */
static int query_run(sgreach_verdict *v, unsigned int flags)
{
	int rc;

	if ((rc = pick_family(v, flags)))
		return rc;
	if ((v->src.what == SELW_ADDRESS || v->src.what == SELW_CIDR) &&
	    (v->dst.what == SELW_ADDRESS || v->dst.what == SELW_CIDR))
		return qfail(v, -EINVAL,
			     "both %s and %s are outside the model: security "
			     "groups have nothing to say",
			     v->src.text, v->dst.text);
	if ((rc = query_members(v, &v->src, &v->smem)) ||
	    (rc = query_members(v, &v->dst, &v->dmem)))
		return rc == -ENOMEM ? qfail(v, rc, "out of memory") : rc;
	/* Details may never be asked for: the result alone, the details on
	 * the first rendering. */
	if (!(flags & SGREACH_QUERY_DETAILS) && v->smem.n && v->dmem.n) {
		rc = v->smem.n == 1 && v->dmem.n == 1 ? eval_quick(v)
						      : eval_quick_pairs(v);
		if (rc == SIDE_AGAIN)
			reset_details(v);
		else if (rc)
			return qfail(v, rc, "out of memory");
		else
			goto done;
	}
	rc = eval_pairs(v);
	if (rc)
		return qfail(v, rc, "out of memory");
done:
	v->ok = 1;
	return 0;
}

int eval_details(sgreach_verdict *v)
{
	int rc;

	if (!v->ok || v->detailed)
		return 0;
	reset_details(v);
	rc = eval_pairs(v);
	if (rc) {
		reset_details(v);
		return rc;
	}
	return 0;
}

SGREACH_API const char *sgreach_verdict_render(sgreach_verdict *v,
					       sgreach_format fmt)
{
	if (!v || !v->ok ||
	    (fmt != SGREACH_FORMAT_JSON && fmt != SGREACH_FORMAT_TEXT))
		return NULL;
	/* The renderers read a finished verdict: a quick query's details
	 * are worked out here, before them. */
	if (eval_details(v))
		return NULL;
	return fmt == SGREACH_FORMAT_JSON ? verdict_render_json(v)
					  : verdict_render_text(v);
}

SGREACH_API int sgreach_query_flow(const sgreach_model *m, const char *src,
				   const char *dst, const sgreach_flow *flow,
				   unsigned int flags, sgreach_verdict *v)
{
	struct sel_text st, dt;
	int rc;

	if (!v)
		return -EINVAL;
	if ((rc = query_begin(m, flow, flags, v)))
		return rc;
	/* Both texts read before either is looked up: on a large model
	 * both lookups miss the cache, and so wait for memory together. */
	read_selector(m, src, &st);
	read_selector(m, dst, &dt);
	if ((rc = resolve_read(v, src, &st, &v->src)) ||
	    (rc = resolve_read(v, dst, &dt, &v->dst)))
		return rc;
	return query_run(v, flags);
}

/* ------------------------------------------------------------- handles -- */

/* The address a selector packs (struct selection's addr). */
static inline struct sg_prefix selector_addr(const struct sgreach_selector *s)
{
	struct sg_prefix p;

	p.a = s->addr;
	p.len = s->addr_len;
	p.fam = s->addr_fam;
	return p;
}

/* The copy of its interface's view a selector holds, or NULL. */
static inline const struct sg_qep *
selector_view(const struct sgreach_selector *s)
{
	return s->ep != SG_NONE ? &s->view : NULL;
}

/* The selection a selector holds, up to the end of its text (every field:
 * nothing reads the padding). */
static void selection_of(struct selection *d, const struct sgreach_selector *s)
{
	d->addr = selector_addr(s);
	d->what = s->what;
	d->addr_given = s->addr_given;
	d->is_public = s->is_public;
	d->len = s->len;
	d->idx = s->idx;
	d->view = selector_view(s);
	d->view_ep = s->ep;
	memcpy(d->text, s->text, (size_t)s->len + 1);
}

/* sgreach_query(3): 128 bytes for a text of up to 24 characters (an
 * interface id has 21, an IPv4 address at most 15). */
_Static_assert(offsetof(struct sgreach_selector, text) + 24 + 1 <= 128,
	       "struct sgreach_selector: 128 bytes for 24 characters");

SGREACH_API int sgreach_select(const sgreach_model *m, const char *text,
			       sgreach_verdict *ctx, sgreach_selector **out)
{
	sgreach_verdict local;
	sgreach_verdict *v = ctx;
	struct sgreach_selector *s;
	int rc;

	if (out)
		*out = NULL;
	if (!v) {
		memset(&local, 0, sizeof(local));
		v = &local;
	}
	rc = ready(v, m, out != NULL, "no model or no place for the result");
	if (rc || (rc = resolve_selector(v, text, &v->src)))
		return rc;
	/* Only as much of the text buffer as the text needs: a program may
	 * hold a selector for every workload of an organisation.  Aligned,
	 * so that a short text leaves the object one cache line. */
	s = aligned_alloc(64, (offsetof(struct sgreach_selector, text) +
			       v->src.len + 1 + 63) /
				  64 * 64);
	if (!s)
		return qfail(v, -ENOMEM, "out of memory");
	s->m = m;
	s->addr = v->src.addr.a;
	s->idx = v->src.idx;
	s->ep = selection_endpoint(m, &v->src);
	if (s->ep != SG_NONE)
		s->view = m->qep[s->ep];
	else
		memset(&s->view, 0, sizeof(s->view));
	s->len = v->src.len;
	s->what = v->src.what;
	s->addr_given = v->src.addr_given;
	s->is_public = v->src.is_public;
	s->addr_len = v->src.addr.len;
	s->addr_fam = v->src.addr.fam;
	memcpy(s->text, v->src.text, (size_t)v->src.len + 1);
	reset(v);
	*out = s;
	return 0;
}

SGREACH_API void sgreach_selector_free(sgreach_selector *s)
{
	free(s);
}

/* The first key of the rule run that a side of the question reads
 * first in direction dir. */
SG_PREFETCH_FN void ahead_runs(const sgreach_model *m,
			       const struct sgreach_selector *s, int dir)
{
	if (s && s->m == m && s->ep != SG_NONE)
		ahead_view_runs(m, &s->view, dir);
}

SGREACH_API int sgreach_query_selected(const sgreach_model *m,
				       const sgreach_selector *src,
				       const sgreach_selector *dst,
				       const sgreach_flow *flow,
				       unsigned int flags, sgreach_verdict *v)
{
	int rc;

	if (!v)
		return -EINVAL;
	if ((rc = query_begin(m, flow, flags, v)))
		return rc;
	if (!src || !dst)
		return qfail(v, -EINVAL, "no source or destination selector");
	if (src->m != m || dst->m != m)
		return qfail(v, -EINVAL,
			     "a selector was resolved against another model");
	/* The rule runs the two views point to, while the rest is read;
	 * the sides need not fetch them again. */
	ahead_runs(m, dst, SGREACH_INGRESS);
	ahead_runs(m, src, SGREACH_EGRESS);
	selection_of(&v->src, src);
	selection_of(&v->dst, dst);
	v->fetched = (dst->ep != SG_NONE ? 1u << SGREACH_INGRESS : 0) |
		     (src->ep != SG_NONE ? 1u << SGREACH_EGRESS : 0);
	rc = query_run(v, flags);
	v->fetched = 0;
	return rc;
}

/* ---------------------------------------------------- many at once -- */

/* one_member() of a selector. */
static inline int selector_member(const sgreach_model *m,
				  const struct sgreach_selector *s, int family,
				  struct member *x)
{
	const struct sg_prefix a = selector_addr(s);

	return one_member(m, s->what, s->ep, selector_view(s), s->addr_given,
			  &a, s->is_public, family, x);
}

/*
 * One question of sgreach_query_many(): between two single addresses, the
 * quick evaluation straight from the selectors, without the copies and
 * vectors of a query; anything else (and anything the quick evaluation
 * cannot decide, and every error) as sgreach_query_selected().
 */
static int answer(sgreach_verdict *v, sgreach_question *q)
{
	const unsigned int flags = q->flags;
	const sgreach_model *m = v->m;
	const struct sgreach_selector *s = q->src, *d = q->dst;
	int rc;

	if (s && d && s->m == m && d->m == m &&
	    (s->ep != SG_NONE || d->ep != SG_NONE) && q->flow.protocol >= 0 &&
	    q->flow.protocol <= PROTO_MAX &&
	    !(flags &
	      ~(unsigned int)(SGREACH_QUERY_IPV4 | SGREACH_QUERY_IPV6))) {
		const int f[2] = {
		    sel_family(s->what, s->addr_given, s->addr_fam),
		    sel_family(d->what, d->addr_given, d->addr_fam)};
		int bad, reasons[2] = {REASON_NONE, REASON_NONE};
		int fam = family_of(f, q->flow.protocol, flags, &bad);
		struct member sm, dm;
		struct pair p;

		if (fam > 0 && selector_member(m, s, fam, &sm) &&
		    selector_member(m, d, fam, &dm)) {
			v->flow = q->flow;
			v->fkey_ok = flow_key(&q->flow, &v->fkey);
			v->family = fam;
			rc = eval_pair(v, 0, 0, &sm, &dm, &p, reasons, 1,
				       1u << SGREACH_INGRESS);
			if (rc == 0) {
				q->result = (sgreach_result)p.verdict;
				return 0;
			}
		}
	}
	if (flags & SGREACH_QUERY_DETAILS)
		return qfail(v, -EINVAL,
			     "SGREACH_QUERY_DETAILS: the answers of "
			     "sgreach_query_many() are results only");
	rc = sgreach_query_selected(m, s, d, &q->flow, flags, v);
	if (rc == 0)
		q->result = v->result;
	return rc;
}

/* The first failure of a call that answers many questions: its code and
 * message, which the verdict holds again once the call has reset it. */
struct first_failure {
	int rc;
	char err[sizeof(((sgreach_verdict *)0)->err)];
};

static void note_failure(struct first_failure *f, int rc,
			 const sgreach_verdict *v)
{
	if (rc && !f->rc) {
		f->rc = rc;
		memcpy(f->err, v->err, sizeof(f->err));
	}
}

/* Ends such a call: v holds no verdict, only the first failure's message;
 * returns its code (0 when every question was answered). */
static int many_done(sgreach_verdict *v, const struct first_failure *f)
{
	reset(v);
	if (f->rc)
		memcpy(v->err, f->err, sizeof(v->err));
	return f->rc;
}

/* How far ahead sgreach_query_many() reads, in questions: the selectors
 * (both lines: the view and the fields) first, then the first rules of
 * each ingress run the destination's view points to, once it has
 * arrived.  Not the source's egress runs: the quick evaluation reads them
 * only when the ingress does not deny (a quarter of large's questions),
 * and fetching them for every question cost more than it saved (bench/ab,
 * large: 1.05-1.08x faster without). */
enum { AHEAD_SELECTORS = 8, AHEAD_RUNS = 4 };

SG_PREFETCH_FN void ahead_selector(const struct sgreach_selector *s)
{
	if (s) {
		SG_PREFETCH(s);
		SG_PREFETCH((const char *)s + 64);
	}
}

SGREACH_API int sgreach_query_many(const sgreach_model *m, sgreach_question *q,
				   size_t n, sgreach_verdict *v)
{
	struct first_failure first; /* its err is set with its rc */
	int rc;
	size_t i;

	first.rc = 0;
	rc = v ? ready(v, m, q || !n, "no model or questions") : -EINVAL;
	if (rc) {
		for (i = 0; q && i < n; i++)
			q[i].error = rc;
		return rc;
	}
	for (i = 0; i < n; i++) {
		if (i + AHEAD_SELECTORS < n) {
			ahead_selector(q[i + AHEAD_SELECTORS].src);
			ahead_selector(q[i + AHEAD_SELECTORS].dst);
		}
		if (i + AHEAD_RUNS < n) {
			ahead_runs(m, q[i + AHEAD_RUNS].dst, SGREACH_INGRESS);
		}
		q[i].error = rc = answer(v, &q[i]);
		note_failure(&first, rc, v);
	}
	return many_done(v, &first);
}

/* ------------------------------------------------- many by selector text -- */

/*
 * sgreach_query_many_text() reads each question's two selectors ahead of
 * answering it, in three steps (questions ahead): their texts, whose map
 * slots it starts fetching; those slots, whose interface views (or tasks)
 * it starts fetching; then those views, whose first rule keys it starts
 * fetching.  Each step reads what the step before fetched, so none waits
 * for memory, and the question itself finds all of it in the cache.  The
 * map lookup of step two is kept with the text (lookup_text()) for
 * resolve_read(), which decides from it, with its errors, when the
 * question is answered.
 */
enum { TEXT_AHEAD_SLOTS = 8, TEXT_AHEAD_VIEWS = 4, TEXT_AHEAD_RUNS = 2 };
#define TEXT_RING 16 /* a power of two above TEXT_AHEAD_SLOTS */

struct text_ahead {
	struct sel_text t[2]; /* source, destination */
	uint32_t idx[2];      /* the interface or task named, or SG_NONE */
	uint8_t task[2];      /* idx is a task */
};

/* Step two: what a selector text names, when it is an interface or a task
 * (most of them), its view or task being fetched. */
static void ahead_lookup(const sgreach_model *m, struct text_ahead *a, int k)
{
	struct sel_text *t = &a->t[k];
	uint32_t val;

	a->idx[k] = SG_NONE;
	a->task[k] = 0;
	lookup_text(m, t);
	val = t->val;
	if (!t->found)
		return;
	if (t->kind == SELT_IPV4) {
		if (val == SEL_AMBIGUOUS)
			return;
		a->idx[k] = val & ~ADDRV_PUBLIC;
	} else if (t->kind == SELT_ID && SEL_IDX(val) != SEL_AMBIGUOUS) {
		if (SEL_KIND(val) == SEL_TASK) {
			a->idx[k] = SEL_IDX(val);
			a->task[k] = 1;
			SG_PREFETCH(&m->tasks.v[a->idx[k]]);
			return;
		}
		if (SEL_KIND(val) != SEL_ENDPOINT)
			return;
		a->idx[k] = SEL_IDX(val);
	} else {
		return;
	}
	prefetch_endpoint(m, a->idx[k]);
}

/* Step three: the first rule keys of the interface's view, or the view of
 * a task's interface. */
SG_PREFETCH_FN void ahead_view(const sgreach_model *m,
			       const struct text_ahead *a, int k, int dir)
{
	uint32_t e = a->idx[k];

	if (e == SG_NONE)
		return;
	if (a->task[k]) {
		e = m->tasks.v[e].endpoint;
		if (e != SG_NONE)
			prefetch_endpoint(m, e);
		return;
	}
	ahead_view_runs(m, &m->qep[e], dir);
}

/* Step one. */
static inline void ahead_text(const sgreach_model *m,
			      const sgreach_text_question *q,
			      struct text_ahead *a)
{
	read_selector(m, q->src, &a->t[0]);
	read_selector(m, q->dst, &a->t[1]);
}

/* sgreach_query_flow() of a question whose texts step one read. */
static int answer_text(sgreach_verdict *v, const sgreach_text_question *q,
		       struct text_ahead *a)
{
	int rc;

	if ((rc = query_begin(v->m, &q->flow, q->flags, v)) ||
	    (rc = resolve_read(v, q->src, &a->t[0], &v->src)) ||
	    (rc = resolve_read(v, q->dst, &a->t[1], &v->dst)))
		return rc;
	return query_run(v, q->flags);
}

SGREACH_API int sgreach_query_many_text(const sgreach_model *m,
					sgreach_text_question *q, size_t n,
					sgreach_verdict *v,
					sgreach_answer_fn each, void *arg)
{
	struct text_ahead ring[TEXT_RING];
	struct first_failure first; /* its err is set with its rc */
	int rc;
	size_t i, j;

	first.rc = 0;
	rc = v ? ready(v, m, q || !n, "no model or questions") : -EINVAL;
	if (rc) {
		for (i = 0; q && i < n; i++)
			q[i].error = rc;
		return rc;
	}
	/* The first questions, through the steps they would have taken. */
	for (j = 0; j < n && j < TEXT_AHEAD_SLOTS; j++)
		ahead_text(m, &q[j], &ring[j]);
	for (j = 0; j < n && j < TEXT_AHEAD_VIEWS; j++) {
		ahead_lookup(m, &ring[j], 0);
		ahead_lookup(m, &ring[j], 1);
	}
	for (j = 0; j < n && j < TEXT_AHEAD_RUNS; j++) {
		ahead_view(m, &ring[j], 0, SGREACH_EGRESS);
		ahead_view(m, &ring[j], 1, SGREACH_INGRESS);
	}
	for (i = 0; i < n; i++) {
		if ((j = i + TEXT_AHEAD_SLOTS) < n)
			ahead_text(m, &q[j], &ring[j % TEXT_RING]);
		if ((j = i + TEXT_AHEAD_VIEWS) < n) {
			ahead_lookup(m, &ring[j % TEXT_RING], 0);
			ahead_lookup(m, &ring[j % TEXT_RING], 1);
		}
		if ((j = i + TEXT_AHEAD_RUNS) < n) {
			ahead_view(m, &ring[j % TEXT_RING], 0, SGREACH_EGRESS);
			ahead_view(m, &ring[j % TEXT_RING], 1, SGREACH_INGRESS);
		}
		/* Both sides' runs were fetched TEXT_AHEAD_RUNS questions
		 * back (or before the loop). */
		v->fetched = 1u << SGREACH_INGRESS | 1u << SGREACH_EGRESS;
		q[i].error = rc = answer_text(v, &q[i], &ring[i % TEXT_RING]);
		v->fetched = 0;
		if (!rc)
			q[i].result = v->result;
		note_failure(&first, rc, v);
		if (each && each(arg, i, v)) {
			for (j = i + 1; j < n; j++)
				q[j].error = -ECANCELED;
			first.rc = -ECANCELED;
			snprintf(first.err, sizeof(first.err),
				 "the answer function stopped the call after "
				 "question %zu",
				 i);
			break;
		}
	}
	return many_done(v, &first);
}

SGREACH_API int sgreach_query(const sgreach_model *m, const char *src,
			      const char *dst, const char *flow,
			      unsigned int flags, sgreach_verdict *v)
{
	sgreach_flow f;
	char msg[256];

	if (!v)
		return -EINVAL;
	if (flow_parse(flow, &f, msg, sizeof(msg))) {
		reset(v);
		v->m = m;
		return qfail(v, -EINVAL, "%s", msg);
	}
	return sgreach_query_flow(m, src, dst, &f, flags, v);
}

int eval_resolve_selector(sgreach_verdict *v, const char *text,
			  struct selection *s)
{
	return resolve_selector(v, text, s);
}

int eval_build_members(sgreach_verdict *v, const struct selection *s,
		       void *members)
{
	return build_members(v, s, members);
}

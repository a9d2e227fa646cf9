/*
 * analysis/lint.c - `sgreach lint`: findings a reviewer acts on.
 *
 * Scanners that judge rules one by one cry wolf; lint judges them with the
 * semantics and the whole model, and claims only what it can prove:
 *
 *   - a sensitive port open to the internet is reported only where an
 *     endpoint accepts it (the exposure analysis of analysis/), so GRE is
 *     not SSH and an egress-only group is not an ingress finding;
 *   - a rule is redundant only if the other rules cover every (peer
 *     address or member, flow) it covers, computed exactly with flow sets
 *     and CIDR containment.  Group references are covered only by rules
 *     naming the same group or by /0 of both families: a group's members
 *     outside the loaded model are unknown, so CIDRs covering the loaded
 *     members prove nothing.
 *
 * Codes are stable: a code keeps its meaning once published (sgreach(1)).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/lint.h"
#include "proto.h"

static const char *const code_hint[L_NCODES] = {
    "load the referenced group's describe-security-groups output, or remove "
    "the rule if the group no longer exists",
    "remove the rule: a stale reference never matches (the peering or the "
    "group is gone)",
    "peer the VPCs (an active peering in the same region), or reference "
    "the peer by CIDR",
    "load the group's rules (describe-security-groups); until then verdicts "
    "through it are 'unknown'",
    "restrict the source to known CIDRs or a load balancer's group, or "
    "remove the rule",
    "remove the rule; findings of this code are computed in order, so "
    "removing all of them keeps every flow",
    "remove the rule, unless the group is attached to interfaces not loaded "
    "here; removing all findings of SG006 and SG007 keeps every flow",
    "delete the group, or attach it where intended (check interfaces not "
    "loaded here)",
    "load the prefix list (get-managed-prefix-list-entries); until then "
    "verdicts through it are 'unknown'",
    "merge rules (wider port ranges, prefix lists) or split the group: AWS "
    "refuses more than 60 rules per direction and family",
    "merge groups; the default quota is 5 groups per interface, at most 16",
    "fewer rules or fewer groups: rules per group times groups per "
    "interface may not exceed 1000",
    "write the network address (the rule means the prefix, not the host)",
};

static const char *const sev_name[] = {"info", "low", "medium", "high"};

/* Ports reviewers never want open to the internet: remote shells and
 * desktops, databases, caches, search engines, container daemons. */
static const struct {
	int proto;
	unsigned int port;
} sensitive[] = {
    {PROTO_TCP, 22},	{PROTO_TCP, 23},    {PROTO_TCP, 445},
    {PROTO_TCP, 1433},	{PROTO_TCP, 1521},  {PROTO_TCP, 2375},
    {PROTO_TCP, 2376},	{PROTO_TCP, 2379},  {PROTO_TCP, 3306},
    {PROTO_TCP, 3389},	{PROTO_TCP, 5432},  {PROTO_TCP, 5601},
    {PROTO_TCP, 5984},	{PROTO_TCP, 6379},  {PROTO_TCP, 9042},
    {PROTO_TCP, 9200},	{PROTO_TCP, 9300},  {PROTO_TCP, 11211},
    {PROTO_TCP, 27017}, {PROTO_UDP, 11211}, {PROTO_UDP, 3389},
};

/* ---------------------------------------------------------- findings -- */

struct finding *lint_add_finding(struct lint *l, int code, int severity,
				 const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
struct finding *lint_add_finding(struct lint *l, int code, int severity,
				 const char *fmt, ...)
{
	struct finding f;
	va_list ap;
	int n;

	memset(&f, 0, sizeof(f));
	f.code = code;
	f.severity = severity;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	f.message = malloc((size_t)n + 1);
	if (!f.message || vec_push(&l->f, f)) {
		free(f.message);
		l->err = -ENOMEM;
		return NULL;
	}
	va_start(ap, fmt);
	vsnprintf(f.message, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return &l->f.v[l->f.n - 1];
}

void lint_add_obj(struct lint *l, struct finding *f, const char *kind,
		  const char *id, uint32_t rule)
{
	struct lobj o = {kind, id, rule};
	uint32_t i;

	if (!f)
		return;
	for (i = 0; i < f->objs.n; i++)
		if (f->objs.v[i].kind == kind && f->objs.v[i].id == id &&
		    f->objs.v[i].rule == rule)
			return;
	if (vec_push(&f->objs, o))
		l->err = -ENOMEM;
}

void lint_add_rule_obj(struct lint *l, struct finding *f, uint32_t ri)
{
	const struct sg_rule *r = &l->m->rules.v[ri];

	lint_add_obj(l, f, "group", l->m->groups.v[r->group].id, SG_NONE);
	lint_add_obj(l, f, "rule", l->m->groups.v[r->group].id, ri);
}

const char *lint_dir_name(int dir)
{
	return dir == SGREACH_EGRESS ? "egress" : "ingress";
}

/* A short description of a rule for messages. */
void lint_rule_desc(struct lint *l, uint32_t ri, char *buf, size_t size)
{
	struct strbuf sb;

	sb_init(&sb);
	an_rule_text(&l->c[0], &sb, ri);
	snprintf(buf, size, "%s", sb.failed || !sb.s ? "?" : sb_str(&sb));
	sb_free(&sb);
}

/* ------------------------------------------------------ references -- */

static void check_references(struct lint *l)
{
	const sgreach_model *m = l->m;
	uint32_t g, i;
	/* The finding of each group / prefix list, once made. */
	uint32_t *first = malloc((m->groups.n + 1) * sizeof(*first));
	uint32_t *pfirst = malloc((m->plists.n + 1) * sizeof(*pfirst));

	if (!first || !pfirst) {
		free(first);
		free(pfirst);
		l->err = -ENOMEM;
		return;
	}
	for (g = 0; g < m->groups.n; g++)
		first[g] = SG_NONE;
	for (g = 0; g < m->plists.n; g++)
		pfirst[g] = SG_NONE;
	/* SG001: one finding per referenced group, naming the referrers. */
	for (i = 0; i < m->rules.n; i++) {
		const struct sg_rule *r = &m->rules.v[i];
		const struct sg_group *grp;
		struct finding *f;

		if (r->dropped || r->peer_kind != SGREACH_PEER_GROUP ||
		    r->stale || m->groups.v[r->peer].complete)
			continue;
		grp = &m->groups.v[r->peer];
		if (first[r->peer] == SG_NONE) {
			first[r->peer] = l->f.n;
			f = lint_add_finding(
			    l, L_GROUP_NOT_LOADED, 1,
			    "security group %s is referenced but not loaded; "
			    "%s",
			    grp->id,
			    grp->nmembers
				? "rules naming it match only its loaded "
				  "members"
				: "no loaded interface carries it, so "
				  "rules naming it match nothing here");
			lint_add_obj(l, f, "group", grp->id, SG_NONE);
		}
		if (!l->err)
			lint_add_rule_obj(l, &l->f.v[first[r->peer]], i);
	}
	/* SG002 and SG003: per rule. */
	for (i = 0; i < m->rules.n; i++) {
		const struct sg_rule *r = &m->rules.v[i];
		const struct sg_group *own = &m->groups.v[r->group], *peer;
		struct finding *f;
		char d[512];

		if (r->dropped || r->peer_kind != SGREACH_PEER_GROUP)
			continue;
		peer = &m->groups.v[r->peer];
		if (r->stale) {
			lint_rule_desc(l, i, d, sizeof(d));
			f = lint_add_finding(
			    l, L_STALE_REF, 2,
			    "%s: the reference to %s is stale "
			    "(peering or group deleted) and never "
			    "matches",
			    d, peer->id);
			lint_add_rule_obj(l, f, i);
			lint_add_obj(l, f, "group", peer->id, SG_NONE);
			continue;
		}
		if (own->vpc && peer->vpc && own->vpc != peer->vpc &&
		    !an_vpcs_connected(m, own->vpc, peer->vpc)) {
			lint_rule_desc(l, i, d, sizeof(d));
			f = lint_add_finding(
			    l, L_CROSS_VPC_REF, 2,
			    "%s: %s is in %s and %s in %s, with no "
			    "active peering between them; the "
			    "reference never matches",
			    d, own->id, own->vpc, peer->id, peer->vpc);
			lint_add_rule_obj(l, f, i);
			lint_add_obj(l, f, "group", peer->id, SG_NONE);
		}
	}
	/* SG009: prefix lists named by rules but not loaded. */
	for (i = 0; i < m->rules.n && !l->err; i++) {
		const struct sg_rule *r = &m->rules.v[i];
		const struct sg_plist *pl;

		if (r->dropped || r->peer_kind != SGREACH_PEER_PREFIX_LIST ||
		    m->plists.v[r->peer].loaded)
			continue;
		pl = &m->plists.v[r->peer];
		if (pfirst[r->peer] == SG_NONE) {
			pfirst[r->peer] = l->f.n;
			lint_add_obj(l,
				     lint_add_finding(
					 l, L_PLIST_NOT_LOADED, 2,
					 "prefix list %s is referenced but not "
					 "loaded",
					 pl->id),
				     "prefix-list", pl->id, SG_NONE);
		}
		if (!l->err)
			lint_add_rule_obj(l, &l->f.v[pfirst[r->peer]], i);
	}
	free(first);
	free(pfirst);
}

/* SG004 and SG008: groups without rules on endpoints, and groups on
 * nothing. */
static void check_attachments(struct lint *l)
{
	const sgreach_model *m = l->m;
	uint32_t g, k, interfaces = 0;

	/* Attachment is known from interfaces (describe-network-interfaces
	 * lists every one of an account); services alone say nothing about
	 * the groups of instances, databases or load balancers. */
	for (k = 0; k < m->endpoints.n; k++)
		if (m->endpoints.v[k].kind != SGREACH_ENDPOINT_SERVICE)
			interfaces++;

	for (g = 0; g < m->groups.n; g++) {
		const struct sg_group *grp = &m->groups.v[g];
		struct finding *f;

		if (!grp->complete && grp->nmembers) {
			f = lint_add_finding(
			    l, L_RULES_MISSING, 2,
			    "%s is carried by %u endpoint%s but its "
			    "rules are not loaded",
			    grp->id, grp->nmembers,
			    grp->nmembers == 1 ? "" : "s");
			lint_add_obj(l, f, "group", grp->id, SG_NONE);
			for (k = 0; k < grp->nmembers; k++)
				lint_add_obj(l, f, "endpoint",
					     m->endpoints.v[grp->members[k]].id,
					     SG_NONE);
		}
		/* Only when interfaces were loaded: a lone
		 * describe-security-groups says nothing about attachment.
		 * Nor when the importers skipped resources (a Terraform
		 * aws_lb or aws_instance may carry the group).  The default
		 * group cannot be deleted. */
		if (grp->complete && !grp->nmembers && interfaces &&
		    !m->ignored_resources && !grp->is_default) {
			f = lint_add_finding(
			    l, L_UNATTACHED, 1,
			    "%s%s%s%s is attached to no loaded "
			    "interface or service",
			    grp->id, grp->name ? " (" : "",
			    grp->name ? grp->name : "", grp->name ? ")" : "");
			lint_add_obj(l, f, "group", grp->id, SG_NONE);
		}
	}
}

/* ---------------------------------------------------------- quotas -- */

/* Rules of a group in one direction counted against AWS's per-family
 * quota: a group reference counts in both families, a prefix list as its
 * entries (its MaxEntries is not known: a lower bound). */
static void group_rule_counts(const sgreach_model *m, uint32_t g, int dir,
			      uint32_t count[2])
{
	const struct sg_group *grp = &m->groups.v[g];
	uint32_t k, e;

	count[0] = count[1] = 0;
	for (k = 0; k < grp->nrules[dir]; k++) {
		const struct sg_rule *r = &m->rules.v[grp->rules[dir][k]];

		switch (r->peer_kind) {
		case SGREACH_PEER_CIDR:
			count[r->cidr.fam == 6]++;
			break;
		case SGREACH_PEER_PREFIX_LIST: {
			const struct sg_plist *pl = &m->plists.v[r->peer];
			uint32_t n[2] = {0, 0};

			for (e = 0; e < pl->entries.n; e++)
				n[pl->entries.v[e].fam == 6]++;
			if (!pl->loaded || !pl->entries.n)
				n[0] = 1;
			count[0] += n[0];
			count[1] += n[1];
			break;
		}
		case SGREACH_PEER_GROUP:
			count[0]++;
			count[1]++;
			break;
		default:
			count[0]++;
		}
	}
}

static void check_quotas(struct lint *l)
{
	const sgreach_model *m = l->m;
	uint32_t g, i, k;
	int d, fam;

	for (g = 0; g < m->groups.n; g++)
		for (d = 0; d < 2; d++) {
			uint32_t n[2];

			group_rule_counts(m, g, d, n);
			for (fam = 0; fam < 2; fam++) {
				struct finding *f;

				if (n[fam] <= 60)
					continue;
				f = lint_add_finding(
				    l, L_QUOTA_RULES, 3,
				    "%s has %u %s IPv%d rules; the "
				    "quota is 60",
				    m->groups.v[g].id, n[fam], lint_dir_name(d),
				    fam ? 6 : 4);
				lint_add_obj(l, f, "group", m->groups.v[g].id,
					     SG_NONE);
			}
		}
	for (i = 0; i < m->endpoints.n; i++) {
		const struct sg_endpoint *e = &m->endpoints.v[i];
		uint32_t most = 0;
		struct finding *f;

		if (e->groups.n > 5) {
			f = lint_add_finding(
			    l, L_QUOTA_GROUPS, e->groups.n > 16 ? 3 : 1,
			    "%s carries %u security groups; the "
			    "default quota is 5%s",
			    e->id, e->groups.n,
			    e->groups.n > 16 ? " and the maximum 16" : "");
			lint_add_obj(l, f, "endpoint", e->id, SG_NONE);
		}
		for (k = 0; k < e->groups.n; k++)
			for (d = 0; d < 2; d++) {
				uint32_t n[2];

				group_rule_counts(m, e->groups.v[k], d, n);
				if (n[0] > most)
					most = n[0];
				if (n[1] > most)
					most = n[1];
			}
		if ((uint64_t)most * e->groups.n > 1000) {
			f = lint_add_finding(
			    l, L_QUOTA_PRODUCT, 2,
			    "%s carries %u groups, one with %u "
			    "rules in a direction: %u x %u exceeds "
			    "the 1000 rules per interface",
			    e->id, e->groups.n, most, e->groups.n, most);
			lint_add_obj(l, f, "endpoint", e->id, SG_NONE);
			for (k = 0; k < e->groups.n; k++)
				lint_add_obj(l, f, "group",
					     m->groups.v[e->groups.v[k]].id,
					     SG_NONE);
		}
	}
	/* SG013: CIDRs written with host bits (a prefix list entry cannot
	 * hold them: AWS refuses it). */
	for (i = 0; i < m->rules.n; i++) {
		const struct sg_rule *r = &m->rules.v[i];
		char buf[ADDR_TEXT_MAX], desc[512];
		struct finding *f;

		if (r->dropped || r->peer_kind != SGREACH_PEER_CIDR ||
		    !r->host_bits)
			continue;
		lint_rule_desc(l, i, desc, sizeof(desc));
		f = lint_add_finding(
		    l, L_HOST_BITS, 1, "%s: %s has host bits set; it means %s",
		    desc, r->peer_text,
		    addr_format(&r->cidr, 0, buf, sizeof(buf)));
		lint_add_rule_obj(l, f, i);
	}
}

/* ------------------------------------------------------- sensitive -- */

static int node_addressable(const sgreach_model *m, const struct an_ctx *c,
			    const struct an_node *n)
{
	const struct sg_endpoint *e = &m->endpoints.v[n->idx];
	uint32_t k, j;

	if (e->assign_public)
		return 1;
	if (e->service != SG_NONE && m->endpoints.v[e->service].assign_public)
		return 1;
	for (k = 0; k < n->ncls; k++) {
		const struct member *rep = &c->mcls.v[n->cls[k]].rep;
		const struct sg_endpoint *me;

		if (rep->ep == SG_NONE)
			continue;
		me = &m->endpoints.v[rep->ep];
		for (j = 0; j < me->addrs.n; j++)
			if (me->addrs.v[j].is_public)
				return 1;
	}
	for (k = 0; k < e->addrs.n; k++)
		if (e->addrs.v[k].is_public)
			return 1;
	return 0;
}

static int check_sensitive_family(struct lint *l, int fam)
{
	struct an_ctx *c = &l->c[fam == 6];
	const sgreach_model *m = l->m;
	struct connset sens, hit;
	uint32_t i, k, q;
	size_t j;
	int rc;

	connset_init(&sens);
	connset_init(&hit);
	for (j = 0; j < sizeof(sensitive) / sizeof(*sensitive); j++)
		if ((rc = connset_add(&sens, sensitive[j].proto,
				      sensitive[j].port, sensitive[j].port)))
			goto out;
	if ((rc = an_add_nodes(c, NODE_SERVICE)) || (rc = an_finish_nodes(c)))
		goto out;
	for (i = 0; i < c->nodes.n; i++) {
		const struct an_node *n = &c->nodes.v[i];
		struct ext_range *ext = NULL;
		size_t next = 0;
		struct finding *f;
		char name[AN_NAME_MAX], txt[512];
		int addr;

		if ((rc = an_external_cls(c, n->cls, n->ncls, SGREACH_INGRESS,
					  &ext, &next)))
			goto out;
		connset_clear(&hit);
		for (j = 0; j < next && !rc; j++) {
			if (!ext[j].internet)
				continue;
			if ((rc = connset_union(&hit, &ext[j].sets.s[VS_A])) ||
			    (rc = connset_union(&hit, &ext[j].sets.s[VS_P])))
				break;
		}
		if (!rc)
			rc = connset_intersect(&hit, &sens);
		if (rc || connset_is_empty(&hit)) {
			an_ext_free(ext, next);
			if (rc)
				goto out;
			continue;
		}
		connset_format(&hit, txt, sizeof(txt));
		addr = node_addressable(m, c, n);
		f = lint_add_finding(
		    l, L_SENSITIVE_OPEN, addr ? 3 : 2,
		    "%s accepts %s from internet addresses (IPv%d)%s",
		    an_node_name(c, n, name, sizeof(name)), txt, fam,
		    addr ? " and is addressable from the internet"
			 : "; it has no public address, but a load "
			   "balancer or NAT in front of it would "
			   "pass them");
		lint_add_obj(l, f, "endpoint", m->endpoints.v[n->idx].id,
			     SG_NONE);
		/* The ingress rules behind it: they allow a flow of hit from
		 * an internet range that some member accepts it from. */
		for (k = 0; k < n->ncls; k++) {
			const struct member *rep = &c->mcls.v[n->cls[k]].rep;
			const struct sg_endpoint *me;

			if (rep->ep == SG_NONE)
				continue;
			me = &m->endpoints.v[rep->ep];
			for (q = 0; q < me->nrules[SGREACH_INGRESS]; q++) {
				uint32_t ri = me->rules[SGREACH_INGRESS][q];
				const struct connset *rs = an_rule_conn(c, ri);

				if (!rs) {
					rc = -ENOMEM;
					break;
				}
				if (!connset_overlaps(rs, &hit))
					continue;
				for (j = 0; j < next; j++) {
					struct member peer;
					int unk = 0;

					if (!ext[j].internet ||
					    vsets_all_denied(&ext[j].sets))
						continue;
					memset(&peer, 0, sizeof(peer));
					peer.ep = SG_NONE;
					peer.p.a = ext[j].r.first;
					peer.p.fam = (uint8_t)fam;
					peer.p.len = fam == 4 ? 32 : 128;
					if (an_rule_how(c, rep->ep, ri, &peer,
							&unk) != AN_MATCH_NO) {
						lint_add_rule_obj(l, f, ri);
						break;
					}
				}
			}
		}
		an_ext_free(ext, next);
		if (rc)
			goto out;
	}
out:
	connset_free(&sens);
	connset_free(&hit);
	return rc;
}

/* -------------------------------------------------------- rendering -- */

static int finding_cmp(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;

	return x->code - y->code;
}

static void render(struct lint *l, sgreach_format fmt)
{
	struct strbuf *sb = &l->v->out;
	uint32_t i, k, count[4] = {0, 0, 0, 0};

	sb_reset(sb);
	if (fmt == SGREACH_FORMAT_JSON)
		sb_puts(sb, "{\"findings\":[");
	for (i = 0; i < l->f.n; i++) {
		const struct finding *f = &l->f.v[i];

		count[f->severity]++;
		if (fmt == SGREACH_FORMAT_JSON) {
			if (i)
				sb_putc(sb, ',');
			sb_printf(sb,
				  "{\"code\":\"SG%03d\",\"severity\":\"%s\","
				  "\"message\":",
				  f->code + 1, sev_name[f->severity]);
			sb_json_str(sb, f->message);
			sb_puts(sb, ",\"objects\":[");
			for (k = 0; k < f->objs.n; k++) {
				const struct lobj *o = &f->objs.v[k];

				if (k)
					sb_putc(sb, ',');
				sb_puts(sb, "{\"kind\":");
				sb_json_str(sb, o->kind);
				sb_puts(sb, ",\"id\":");
				sb_json_str(sb, o->id);
				if (o->rule != SG_NONE) {
					sb_puts(sb, ",\"rule\":");
					an_rule_json(&l->c[0], sb, o->rule);
				}
				sb_putc(sb, '}');
			}
			sb_puts(sb, "],\"hint\":");
			sb_json_str(sb, code_hint[f->code]);
			sb_putc(sb, '}');
			continue;
		}
		sb_printf(sb, "SG%03d %s: ", f->code + 1,
			  sev_name[f->severity]);
		sb_text(sb, f->message);
		sb_putc(sb, '\n');
		for (k = 0; k < f->objs.n; k++) {
			const struct lobj *o = &f->objs.v[k];

			if (o->rule != SG_NONE) {
				sb_puts(sb, "  rule ");
				an_rule_text(&l->c[0], sb, o->rule);
			} else {
				sb_printf(sb, "  %s ", o->kind);
				sb_text(sb, o->id);
			}
			sb_putc(sb, '\n');
		}
		sb_puts(sb, "  hint: ");
		sb_puts(sb, code_hint[f->code]);
		sb_putc(sb, '\n');
	}
	if (fmt == SGREACH_FORMAT_JSON) {
		sb_puts(sb, "]}");
		return;
	}
	sb_printf(sb, "%u finding%s: %u high, %u medium, %u low, %u info",
		  l->f.n, l->f.n == 1 ? "" : "s", count[3], count[2], count[1],
		  count[0]);
}

SGREACH_API int sgreach_lint(const sgreach_model *m, unsigned int flags,
			     sgreach_format fmt, sgreach_verdict *ctx,
			     const char **out, int *worst_severity)
{
	struct lint l;
	uint32_t i;
	int rc;

	if (worst_severity)
		*worst_severity = -1;
	rc = an_begin(m, ctx, out, fmt,
		      1u << SGREACH_FORMAT_TEXT | 1u << SGREACH_FORMAT_JSON,
		      "lint");
	if (rc)
		return rc;
	if (flags) {
		snprintf(ctx->err, sizeof(ctx->err), "lint: unknown flags");
		return -EINVAL;
	}
	memset(&l, 0, sizeof(l));
	l.m = m;
	l.v = ctx;
	l.c[0].v = ctx; /* an_end() reports through it whatever happens */
	if ((rc = an_init(&l.c[1], m, ctx, 6)) ||
	    (rc = an_init(&l.c[0], m, ctx, 4)))
		goto out;
	check_references(&l);
	check_attachments(&l);
	if (!l.err)
		l.err = check_sensitive_family(&l, 4);
	if (!l.err)
		l.err = check_sensitive_family(&l, 6);
	if (!l.err)
		lint_check_redundancy(&l);
	if (!l.err)
		check_quotas(&l);
	rc = l.err;
	if (rc)
		goto out;
	/* Stable order: by code, then as found (model order). */
	for (i = 1; i < l.f.n; i++) {
		struct finding x = l.f.v[i];
		uint32_t j = i;

		while (j > 0 && finding_cmp(&l.f.v[j - 1], &x) > 0) {
			l.f.v[j] = l.f.v[j - 1];
			j--;
		}
		l.f.v[j] = x;
	}
	render(&l, fmt);
	if (worst_severity)
		for (i = 0; i < l.f.n; i++)
			if (l.f.v[i].severity > *worst_severity)
				*worst_severity = l.f.v[i].severity;
out:
	rc = an_end(&l.c[0], rc, out);
	for (i = 0; i < l.f.n; i++) {
		free(l.f.v[i].message);
		vec_free(&l.f.v[i].objs);
	}
	vec_free(&l.f);
	if (l.c[0].m)
		an_free(&l.c[0]);
	if (l.c[1].m)
		an_free(&l.c[1]);
	return rc;
}

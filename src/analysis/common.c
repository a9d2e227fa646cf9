/*
 * analysis/common.c - what every analysis entry point does first: check
 * its arguments, resolve selectors and pick the address family exactly as
 * a query does, parse a FLOW argument, and hand back the output.
 */
#include "analysis/analysis.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "flow.h"
#include "proto.h"

/* ------------------------------------------------------------ selections -- */

static int pick_fail(sgreach_verdict *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int pick_fail(sgreach_verdict *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v->err, sizeof(v->err), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int an_pick_family(sgreach_verdict *v, unsigned int flags,
		   const struct selection *a, const struct selection *b,
		   const sgreach_flow *flow, int *out)
{
	const struct selection *sel[2] = {a, b};
	int fam = 0, i;

	if ((flags & SGREACH_QUERY_IPV4) && (flags & SGREACH_QUERY_IPV6))
		return pick_fail(v, "-4 and -6 exclude each other");
	if (flags & SGREACH_QUERY_IPV6)
		fam = 6;
	if (flags & SGREACH_QUERY_IPV4)
		fam = 4;
	for (i = 0; i < 2; i++) {
		int f = 0;

		if (!sel[i])
			continue;
		if (sel[i]->what == SELW_ADDRESS || sel[i]->what == SELW_CIDR ||
		    sel[i]->addr_given)
			f = sel[i]->addr.fam;
		if (f && fam && f != fam)
			return pick_fail(v,
					 "%s is an IPv%s address; it cannot be "
					 "used with the other family",
					 sel[i]->text, f == 4 ? "4" : "6");
		if (f)
			fam = f;
	}
	if (flow && flow->protocol == PROTO_ICMPV6) {
		if (fam == 4)
			return pick_fail(v, "icmpv6 flows are IPv6 only");
		fam = 6;
	} else if (flow && flow->protocol == PROTO_ICMP) {
		if (fam == 6)
			return pick_fail(v, "icmp flows are IPv4 only (use "
					    "icmpv6)");
		fam = 4;
	}
	*out = fam ? fam : 4;
	return 0;
}

int an_select(struct an_ctx *c, const char *text, struct selection *sel,
	      void *members)
{
	c->v->family = c->fam;
	c->v->m = c->m;
	if (!sel->what) {
		int rc = eval_resolve_selector(c->v, text, sel);

		if (rc)
			return rc;
	}
	return eval_build_members(c->v, sel, members);
}

/* ----------------------------------------------------------- entry points --
 */

int an_u32_cmp(const void *a, const void *b)
{
	const uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int an_addr_cmp(const void *a, const void *b)
{
	return addr_cmp(a, b);
}

int an_begin(const sgreach_model *m, sgreach_verdict *v, const char **out,
	     sgreach_format fmt, unsigned int formats, const char *what)
{
	if (!v || !out)
		return -EINVAL;
	*out = NULL;
	v->ok = 0;
	v->err[0] = '\0';
	v->m = m;
	if (!m) {
		snprintf(v->err, sizeof(v->err), "no model");
		return -EINVAL;
	}
	if (!m->finalized) {
		snprintf(v->err, sizeof(v->err), "the model is not finalized");
		return -EBUSY;
	}
	if ((unsigned int)fmt > 31 || !(formats & (1u << fmt))) {
		snprintf(v->err, sizeof(v->err),
			 "%s does not write that output format", what);
		return -EINVAL;
	}
	return 0;
}

SGREACH_API void sgreach_verdict_set_writer(sgreach_verdict *ctx,
					    sgreach_write_fn write,
					    void *cookie)
{
	if (!ctx)
		return;
	ctx->writer = write;
	ctx->writer_cookie = write ? cookie : NULL;
}

size_t an_spill_bytes = 64u << 10;

int an_spill(sgreach_verdict *v, int all)
{
	struct strbuf *sb = &v->out;
	int rc;

	if (!v->writer || (!all && sb->len < an_spill_bytes))
		return 0;
	if (sb->failed) {
		snprintf(v->err, sizeof(v->err), "out of memory");
		return -ENOMEM;
	}
	rc = sb->len ? v->writer(v->writer_cookie, sb->s, sb->len) : 0;
	sb_reset(sb);
	if (rc) {
		snprintf(v->err, sizeof(v->err),
			 "writing the output failed (the writer returned %d)",
			 rc);
		return -EIO;
	}
	return 0;
}

int an_end(struct an_ctx *c, int rc, const char **out)
{
	if (rc == -ENOMEM || (!rc && c->v->out.failed)) {
		an_fail(c, -ENOMEM, "out of memory");
		rc = -ENOMEM;
	}
	if (!rc)
		rc = an_spill(c->v, 1);
	if (!rc)
		*out = sb_str(&c->v->out);
	return rc;
}

int an_flow_set(const sgreach_flow *f, struct connset *s)
{
	switch (f->protocol) {
	case PROTO_TCP:
	case PROTO_UDP:
		return connset_add(s, f->protocol, (unsigned int)f->port,
				   (unsigned int)f->port);
	case PROTO_ICMP:
	case PROTO_ICMPV6: {
		unsigned int v = (unsigned int)(f->port << 8 | f->code);

		return connset_add(s, f->protocol, v, v);
	}
	}
	return connset_add(s, f->protocol, 0, 0);
}

int an_parse_flow(struct an_ctx *c, const char *text, sgreach_flow *f)
{
	char msg[256];

	if (flow_parse(text, f, msg, sizeof(msg)))
		return an_fail(c, -EINVAL, "%s", msg);
	return 0;
}

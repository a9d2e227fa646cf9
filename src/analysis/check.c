/*
 * analysis/check.c - `sgreach check ASSERTIONS`: intended reachability as
 * data, so that CI fails a change that breaks it.
 *
 * Each assertion is one query (sgreach_query(), the same code path as the
 * command line), so a failing line is reported with exactly the verdict
 * and deciding rules `sgreach query` would print.  A selector ending in
 * '*' expands to every loaded object whose selector starts with the rest:
 * services ("service:NAME"), interfaces (their id) and tasks (their ARN).
 * When wildcards on both sides make many pairs, the all-pairs engine
 * (allpairs.h) answers them instead, as the matrix does, and only the
 * pairs that fail are asked again as queries, for their report.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "analysis/allpairs.h"
#include "analysis/analysis.h"
#include "flow.h"

/* A list of selectors (VEC(const char *) as a named type). */
struct strvec {
	const char **v;
	uint32_t n, cap;
};

struct assertion {
	unsigned int line; /* 1-based line, or array index + 1 for JSON */
	char *src, *dst, *flow;
	int expect; /* sgreach_result */
};

/* What a wildcard's selector stands for: a node of the analyses. */
struct selnode {
	uint8_t kind; /* NODE_ENDPOINT or NODE_SERVICE */
	uint32_t idx; /* the endpoint */
};

struct check {
	const sgreach_model *m;
	sgreach_verdict *ctx, *q;
	const char *name;
	unsigned int flags;
	sgreach_format fmt;
	VEC(struct assertion) a;
	struct strvec sel;	  /* every selector a wildcard may expand to */
	VEC(struct selnode) seln; /* and what each stands for */
	unsigned int passed, failed, shown;
	int engine; /* 0: never the engine; 1: when the pairs are many;
		       2: for any two wildcards (the tests compare) */
};

/* The selectors of an assertion's side, and their indexes in k->sel
 * (SG_NONE for a selector that is no wildcard's). */
struct side_sel {
	struct strvec s;
	VEC(uint32_t) at;
};

static int cfail(struct check *k, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int cfail(struct check *k, int rc, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(k->ctx->err, sizeof(k->ctx->err), "%s: ", k->name);
	if (n < 0 || (size_t)n >= sizeof(k->ctx->err))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(k->ctx->err + n, sizeof(k->ctx->err) - (size_t)n, fmt, ap);
	va_end(ap);
	return rc;
}

static int parse_expect(const char *s, size_t n, int *out)
{
	static const struct {
		const char *name;
		int r;
	} names[] = {{"allowed", SGREACH_ALLOWED},
		     {"denied", SGREACH_DENIED},
		     {"unknown", SGREACH_UNKNOWN},
		     {"partial", SGREACH_PARTIAL}};
	size_t i;

	for (i = 0; i < 4; i++)
		if (strlen(names[i].name) == n &&
		    !memcmp(names[i].name, s, n)) {
			*out = names[i].r;
			return 0;
		}
	return -1;
}

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static int push_assertion(struct check *k, unsigned int line, const char *f[4],
			  const size_t n[4])
{
	struct assertion a;

	a.line = line;
	if (parse_expect(f[3], n[3], &a.expect))
		return cfail(k, -EINVAL,
			     "line %u: expected allowed, denied, unknown or "
			     "partial, found '%.*s'",
			     line, (int)(n[3] > 40 ? 40 : n[3]), f[3]);
	a.src = dup_n(f[0], n[0]);
	a.dst = dup_n(f[1], n[1]);
	a.flow = dup_n(f[2], n[2]);
	if (!a.src || !a.dst || !a.flow || vec_push(&k->a, a)) {
		free(a.src);
		free(a.dst);
		free(a.flow);
		return cfail(k, -ENOMEM, "out of memory");
	}
	return 0;
}

static int parse_lines(struct check *k, const char *buf, size_t len)
{
	size_t pos = 0;
	unsigned int line = 0;
	int rc;

	while (pos < len) {
		size_t end = pos, stop, n[4];
		const char *f[4];
		int nf = 0;

		while (end < len && buf[end] != '\n')
			end++;
		line++;
		stop = pos;
		while (stop < end && buf[stop] != '#')
			stop++;
		for (;;) {
			size_t s;

			while (pos < stop &&
			       (buf[pos] == ' ' || buf[pos] == '\t' ||
				buf[pos] == '\r'))
				pos++;
			if (pos == stop)
				break;
			s = pos;
			while (pos < stop && buf[pos] != ' ' &&
			       buf[pos] != '\t' && buf[pos] != '\r')
				pos++;
			if (memchr(buf + s, '\0', pos - s))
				return cfail(k, -EINVAL, "line %u: NUL byte",
					     line);
			if (nf == 4)
				return cfail(k, -EINVAL,
					     "line %u: expected SRC DST FLOW "
					     "EXPECTED, found more fields",
					     line);
			f[nf] = buf + s;
			n[nf++] = pos - s;
		}
		pos = end + 1;
		if (!nf)
			continue;
		if (nf != 4)
			return cfail(k, -EINVAL,
				     "line %u: expected SRC DST FLOW EXPECTED, "
				     "found %d field%s",
				     line, nf, nf == 1 ? "" : "s");
		if ((rc = push_assertion(k, line, f, n)))
			return rc;
	}
	return 0;
}

static int parse_json(struct check *k, const char *buf, size_t len)
{
	static const char *const keys[4] = {"src", "dst", "flow", "expect"};
	char *copy = dup_n(buf, len);
	const char *end = NULL;
	cJSON *tree, *it;
	unsigned int i = 0;
	int rc = 0;

	if (!copy)
		return cfail(k, -ENOMEM, "out of memory");
	if (memchr(buf, '\0', len)) {
		free(copy);
		return cfail(k, -EINVAL, "NUL byte in JSON");
	}
	tree = cJSON_ParseWithOpts(copy, &end, 1);
	if (!tree || !cJSON_IsArray(tree)) {
		rc = cfail(k, -EINVAL,
			   "expected a JSON array of {\"src\", \"dst\", "
			   "\"flow\", \"expect\"} objects%s",
			   tree ? "" : " (invalid JSON)");
		goto out;
	}
	cJSON_ArrayForEach(it, tree)
	{
		const char *f[4];
		size_t n[4];
		cJSON *x;
		int j, count = 0;

		i++;
		if (!cJSON_IsObject(it)) {
			rc = cfail(k, -EINVAL, "$[%u]: expected an object",
				   i - 1);
			goto out;
		}
		for (x = it->child; x; x = x->next)
			count++;
		for (j = 0; j < 4; j++) {
			x = cJSON_GetObjectItemCaseSensitive(it, keys[j]);
			if (!cJSON_IsString(x)) {
				rc = cfail(k, -EINVAL,
					   "$[%u].%s: expected a string", i - 1,
					   keys[j]);
				goto out;
			}
			f[j] = x->valuestring;
			n[j] = strlen(x->valuestring);
		}
		if (count != 4) {
			rc = cfail(k, -EINVAL,
				   "$[%u]: expected exactly the keys src, dst, "
				   "flow and expect",
				   i - 1);
			goto out;
		}
		if ((rc = push_assertion(k, i, f, n)))
			goto out;
	}
out:
	cJSON_Delete(tree);
	free(copy);
	return rc;
}

/* Every selector a wildcard can stand for, in model order. */
static int collect_selectors(struct check *k)
{
	const sgreach_model *m = k->m;
	uint32_t i;

	for (i = 0; i < m->endpoints.n; i++) {
		const struct sg_endpoint *e = &m->endpoints.v[i];
		char *d;

		if (e->kind == SGREACH_ENDPOINT_SERVICE) {
			const char *name = model_service_name(e);
			size_t n = strlen(name);

			if ((d = malloc(n + 9))) {
				memcpy(d, "service:", 8);
				memcpy(d + 8, name, n + 1);
			}
		} else {
			d = dup_n(e->id, strlen(e->id));
		}
		if (!d || vec_push(&k->sel, d)) {
			free(d);
			return -ENOMEM;
		}
		if (vec_push(&k->seln, ((struct selnode){
					   e->kind == SGREACH_ENDPOINT_SERVICE
					       ? NODE_SERVICE
					       : NODE_ENDPOINT,
					   i})))
			return -ENOMEM;
	}
	for (i = 0; i < m->tasks.n; i++) {
		char *d;

		if (m->tasks.v[i].endpoint == SG_NONE)
			continue;
		d = dup_n(m->tasks.v[i].arn, strlen(m->tasks.v[i].arn));
		if (!d || vec_push(&k->sel, d)) {
			free(d);
			return -ENOMEM;
		}
		/* A task selects its interface. */
		if (vec_push(&k->seln,
			     ((struct selnode){NODE_ENDPOINT,
					       m->tasks.v[i].endpoint})))
			return -ENOMEM;
	}
	return 0;
}

/* The selectors text stands for: itself, or a wildcard's matches. */
static int expand(struct check *k, const struct assertion *a, const char *text,
		  struct side_sel *out)
{
	size_t n = strlen(text);
	uint32_t i;

	out->s.n = 0;
	out->at.n = 0;
	if (!n || text[n - 1] != '*')
		return vec_push(&out->s, text) || vec_push(&out->at, SG_NONE)
			   ? cfail(k, -ENOMEM, "out of memory")
			   : 0;
	for (i = 0; i < k->sel.n; i++)
		if (!strncmp(k->sel.v[i], text, n - 1) &&
		    (vec_push(&out->s, k->sel.v[i]) || vec_push(&out->at, i)))
			return cfail(k, -ENOMEM, "out of memory");
	if (!out->s.n)
		return cfail(k, -ENOENT, "line %u: %s matches nothing loaded",
			     a->line, text);
	return 0;
}

/* One pair's line of the report: got is its result; when it is not the
 * expected one, k->q holds its verdict (a query), shown with it. */
static void report(struct check *k, const struct assertion *a, const char *src,
		   const char *dst, int ok, sgreach_result got)
{
	struct strbuf *sb = &k->ctx->out;
	const char *rendered;

	if (k->fmt == SGREACH_FORMAT_JSON) {
		if (k->shown++)
			sb_putc(sb, ',');
		/* Millions of these for two wildcards: no printf. */
		sb_puts(sb, "{\"line\":");
		sb_int(sb, a->line);
		sb_puts(sb, ",\"src\":");
		sb_json_str(sb, src);
		sb_puts(sb, ",\"dst\":");
		sb_json_str(sb, dst);
		sb_puts(sb, ",\"flow\":");
		sb_json_str(sb, a->flow);
		sb_puts(sb, ",\"expect\":\"");
		sb_puts(sb, sgreach_result_name((sgreach_result)a->expect));
		sb_puts(sb, "\",\"actual\":\"");
		sb_puts(sb, sgreach_result_name(got));
		sb_puts(sb, ok ? "\",\"ok\":true" : "\",\"ok\":false");
		if (!ok) {
			rendered = eval_details(k->q)
				       ? NULL
				       : verdict_render_json(k->q);
			sb_puts(sb, ",\"verdict\":");
			if (rendered)
				sb_puts(sb, rendered);
			else
				sb->failed = 1;
		}
		sb_putc(sb, '}');
		return;
	}
	if (ok)
		return; /* text lists the failures; the count says the rest */
	sb_printf(sb, "FAIL %s:%u: ", k->name, a->line);
	sb_text(sb, src);
	sb_putc(sb, ' ');
	sb_text(sb, dst);
	sb_putc(sb, ' ');
	sb_text(sb, a->flow);
	sb_printf(sb, ": expected %s, got %s\n",
		  sgreach_result_name((sgreach_result)a->expect),
		  sgreach_result_name(got));
	rendered = eval_details(k->q) ? NULL : verdict_render_text(k->q);
	if (!rendered) {
		sb->failed = 1;
		return;
	}
	/* The verdict's own text, indented under the failure. */
	while (*rendered) {
		const char *nl = strchr(rendered, '\n');
		size_t n = nl ? (size_t)(nl - rendered) : strlen(rendered);

		sb_puts(sb, "    ");
		sb_putn(sb, rendered, n);
		sb_putc(sb, '\n');
		rendered += n + (nl ? 1 : 0);
	}
}

/* ------------------------------------------------------------ engine -- */

/* Wildcards on both sides making at least this many pairs are answered
 * by the all-pairs engine.  On bench/'s large estate, 14,310 pairs of
 * services take the same time either way (the engine's setup is what
 * their queries cost), and 253,260 take 2.5 s instead of 3.2 s. */
#define ENGINE_PAIRS 16384

/* One assertion's pairs answered by the all-pairs engine for its flow,
 * as `sgreach matrix FLOW` answers them (the property tests hold both to
 * sgreach_query()). */
struct engine {
	struct an_ctx c;
	struct allpairs ap;
	struct connset only;
	int on;		/* built */
	uint32_t *node; /* per selector of k->sel: its node, or SG_NONE */
	uint32_t *row;	/* ap_row() of the node class cur */
	uint32_t cur;
	VEC(int8_t)
	res; /* per answer id: the flow's sgreach_result, -1 not
		known yet, -2 none */
};

static void engine_free(struct engine *e)
{
	if (e->on) {
		ap_free(&e->ap);
		an_free(&e->c);
	}
	connset_free(&e->only);
	free(e->node);
	free(e->row);
	vec_free(&e->res);
	memset(e, 0, sizeof(*e));
}

/*
 * Builds the engine for assertion a's flow over the nodes of the
 * selectors srcs and dsts name, when both sides are wildcards and make
 * many pairs.  0 with e->on set or not (not: ask queries, which also
 * report any error of the flow or family), or -ENOMEM.
 */
static int engine_build(struct check *k, const struct assertion *a,
			const struct side_sel *srcs,
			const struct side_sel *dsts, struct engine *e)
{
	const struct side_sel *sides[2] = {srcs, dsts};
	sgreach_flow flow;
	char msg[256];
	uint32_t i;
	int fam, rc, side;

	memset(e, 0, sizeof(*e));
	connset_init(&e->only);
	if (!k->engine || srcs->at.v[0] == SG_NONE ||
	    dsts->at.v[0] == SG_NONE ||
	    (k->engine == 1 &&
	     (uint64_t)srcs->s.n * dsts->s.n < ENGINE_PAIRS) ||
	    flow_parse(a->flow, &flow, msg, sizeof(msg)) ||
	    an_pick_family(k->q, k->flags, NULL, NULL, &flow, &fam))
		return 0;
	e->node = malloc((k->sel.n + 1) * sizeof(*e->node));
	if (!e->node)
		return -ENOMEM;
	for (i = 0; i < k->sel.n; i++)
		e->node[i] = SG_NONE;
	e->on = 1; /* an_free() takes what an_init() left, even failing */
	if ((rc = an_init(&e->c, k->m, k->q, fam)) ||
	    (rc = an_flow_set(&flow, &e->only)))
		return rc;
	/* A node per selector named: none when it has no address of the
	 * family (its query then fails, as without the engine). */
	for (side = 0; side < 2; side++)
		for (i = 0; i < sides[side]->at.n; i++) {
			const uint32_t at = sides[side]->at.v[i];
			const struct selnode *sn = &k->seln.v[at];
			const uint32_t before = e->c.nodes.n;

			if (e->node[at] != SG_NONE || sn->idx == SG_NONE)
				continue;
			if ((rc = an_add_node(&e->c, sn->kind, sn->idx)))
				return rc;
			if (e->c.nodes.n > before)
				e->node[at] = before;
		}
	if ((rc = an_finish_nodes(&e->c)))
		return rc;
	e->c.only = &e->only;
	if ((rc = ap_init(&e->ap, &e->c, &flow)))
		return rc;
	e->row = malloc((e->ap.nnc + 1) * sizeof(*e->row));
	if (!e->row)
		return -ENOMEM;
	e->cur = SG_NONE;
	return 0;
}

/* The engine's answer for the pair of selectors k->sel[s], k->sel[d], as
 * an sgreach_result into *res; -1 when it has none (ask a query).  0 or
 * -ENOMEM. */
static int engine_answer(struct engine *e, uint32_t s, uint32_t d, int *res)
{
	static const int results[VS_N] = {SGREACH_ALLOWED, SGREACH_DENIED,
					  SGREACH_UNKNOWN, SGREACH_PARTIAL};
	const uint32_t x = e->node[s], y = e->node[d];
	uint32_t id;
	int rc, v;

	*res = -1;
	if (x == SG_NONE || y == SG_NONE)
		return 0;
	if (e->c.nodes.v[x].nclass != e->cur) {
		e->cur = e->c.nodes.v[x].nclass;
		if ((rc = ap_row(&e->ap, e->cur, e->row))) {
			e->cur = SG_NONE;
			return rc;
		}
	}
	id = e->row[e->c.nodes.v[y].nclass];
	while (e->res.n <= id)
		if (vec_push(&e->res, (int8_t)-1))
			return -ENOMEM;
	if (e->res.v[id] == -1) {
		e->res.v[id] = -2;
		for (v = 0; v < VS_N; v++)
			if (connset_overlaps(&e->c.res.v[id].s[v], &e->only)) {
				e->res.v[id] = (int8_t)results[v];
				break;
			}
	}
	*res = e->res.v[id] >= 0 ? e->res.v[id] : -1;
	return 0;
}

/* ------------------------------------------------------------- run -- */

static int run(struct check *k)
{
	struct side_sel srcs = {{0}, {0}}, dsts = {{0}, {0}};
	struct engine e;
	uint32_t i, s, d;
	int rc = 0;

	memset(&e, 0, sizeof(e));
	/* A wildcard that matches nothing is an error found before any
	 * output, which a writer may already have sent on. */
	for (i = 0; i < k->a.n && !rc; i++)
		if (!(rc = expand(k, &k->a.v[i], k->a.v[i].src, &srcs)))
			rc = expand(k, &k->a.v[i], k->a.v[i].dst, &dsts);
	if (!rc && k->fmt == SGREACH_FORMAT_JSON)
		sb_puts(&k->ctx->out, "{\"results\":[");
	for (i = 0; i < k->a.n && !rc; i++) {
		const struct assertion *a = &k->a.v[i];

		if ((rc = expand(k, a, a->src, &srcs)) ||
		    (rc = expand(k, a, a->dst, &dsts)))
			break;
		engine_free(&e);
		if ((rc = engine_build(k, a, &srcs, &dsts, &e))) {
			rc = cfail(k, rc, "out of memory");
			break;
		}
		for (s = 0; s < srcs.s.n && !rc; s++)
			for (d = 0; d < dsts.s.n && !rc; d++) {
				int ok, got = -1;

				/* A wildcard pairing a thing with itself
				 * asserts nothing about it. */
				if ((srcs.s.n > 1 || dsts.s.n > 1) &&
				    !strcmp(srcs.s.v[s], dsts.s.v[d]))
					continue;
				if (e.on &&
				    (rc = engine_answer(&e, srcs.at.v[s],
							dsts.at.v[d], &got))) {
					rc = cfail(k, rc, "out of memory");
					break;
				}
				/* A failure is asked as a query: its report
				 * is the query's. */
				if (got != a->expect) {
					rc = sgreach_query(k->m, srcs.s.v[s],
							   dsts.s.v[d], a->flow,
							   k->flags, k->q);
					if (rc) {
						rc =
						    cfail(k, rc, "line %u: %s",
							  a->line,
							  sgreach_verdict_error(
							      k->q));
						break;
					}
					got = (int)sgreach_verdict_result(k->q);
				}
				ok = got == a->expect;
				if (ok)
					k->passed++;
				else
					k->failed++;
				report(k, a, srcs.s.v[s], dsts.s.v[d], ok,
				       (sgreach_result)got);
				/* Through the writer, if any, as it grows. */
				rc = an_spill(k->ctx, 0);
			}
	}
	engine_free(&e);
	vec_free(&srcs.s);
	vec_free(&srcs.at);
	vec_free(&dsts.s);
	vec_free(&dsts.at);
	if (rc)
		return rc;
	if (k->fmt == SGREACH_FORMAT_JSON)
		sb_printf(&k->ctx->out, "],\"passed\":%u,\"failed\":%u}",
			  k->passed, k->failed);
	else
		sb_printf(&k->ctx->out, "%u passed, %u failed", k->passed,
			  k->failed);
	return 0;
}

int an_check(const sgreach_model *m, const char *assertions, size_t len,
	     const char *name, unsigned int flags, sgreach_format fmt,
	     sgreach_verdict *ctx, const char **out, int *failed, int engine)
{
	struct check k;
	size_t i;
	uint32_t j;
	int rc;

	if (failed)
		*failed = 0;
	rc = an_begin(m, ctx, out, fmt,
		      1u << SGREACH_FORMAT_TEXT | 1u << SGREACH_FORMAT_JSON,
		      "check");
	if (rc)
		return rc;
	memset(&k, 0, sizeof(k));
	k.m = m;
	k.ctx = ctx;
	k.name = name ? name : "<assertions>";
	k.flags = flags;
	k.fmt = fmt;
	k.engine = engine;
	if (!assertions && len)
		return cfail(&k, -EINVAL, "no assertions");
	if (flags & ~(unsigned int)(SGREACH_QUERY_IPV4 | SGREACH_QUERY_IPV6))
		return cfail(&k, -EINVAL, "unknown flags");
	sb_reset(&ctx->out);
	for (i = 0; i < len && (assertions[i] == ' ' || assertions[i] == '\t' ||
				assertions[i] == '\r' || assertions[i] == '\n');
	     i++)
		;
	rc = i < len && assertions[i] == '[' ? parse_json(&k, assertions, len)
					     : parse_lines(&k, assertions, len);
	if (!rc && !(k.q = sgreach_verdict_new()))
		rc = cfail(&k, -ENOMEM, "out of memory");
	if (!rc && collect_selectors(&k))
		rc = cfail(&k, -ENOMEM, "out of memory");
	if (!rc)
		rc = run(&k);
	if (!rc && ctx->out.failed)
		rc = cfail(&k, -ENOMEM, "out of memory");
	if (!rc)
		rc = an_spill(ctx, 1);
	if (!rc) {
		*out = sb_str(&ctx->out);
		if (failed)
			*failed = (int)k.failed;
	}
	sgreach_verdict_free(k.q);
	for (j = 0; j < k.a.n; j++) {
		free(k.a.v[j].src);
		free(k.a.v[j].dst);
		free(k.a.v[j].flow);
	}
	vec_free(&k.a);
	for (j = 0; j < k.sel.n; j++)
		free((char *)k.sel.v[j]);
	vec_free(&k.sel);
	vec_free(&k.seln);
	return rc;
}

SGREACH_API int sgreach_check(const sgreach_model *m, const char *assertions,
			      size_t len, const char *name, unsigned int flags,
			      sgreach_format fmt, sgreach_verdict *ctx,
			      const char **out, int *failed)
{
	return an_check(m, assertions, len, name, flags, fmt, ctx, out, failed,
			1);
}

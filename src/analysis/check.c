/*
 * analysis/check.c - `sgreach check ASSERTIONS`: intended reachability as
 * data, so that CI fails a change that breaks it.
 *
 * Each assertion is one query (sgreach_query(), the same code path as the
 * command line), so a failing line is reported with exactly the verdict
 * and deciding rules `sgreach query` would print.  A selector ending in
 * '*' expands to every loaded object whose selector starts with the rest:
 * services ("service:NAME"), interfaces (their id) and tasks (their ARN).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "analysis/analysis.h"

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

struct check {
	const sgreach_model *m;
	sgreach_verdict *ctx, *q;
	const char *name;
	unsigned int flags;
	sgreach_format fmt;
	VEC(struct assertion) a;
	struct strvec sel; /* every selector a wildcard may expand to */
	unsigned int passed, failed, shown;
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
	}
	return 0;
}

/* The selectors text stands for: itself, or a wildcard's matches. */
static int expand(struct check *k, const struct assertion *a, const char *text,
		  struct strvec *out)
{
	size_t n = strlen(text);
	uint32_t i;

	out->n = 0;
	if (!n || text[n - 1] != '*')
		return vec_push(out, text) ? cfail(k, -ENOMEM, "out of memory")
					   : 0;
	for (i = 0; i < k->sel.n; i++)
		if (!strncmp(k->sel.v[i], text, n - 1) &&
		    vec_push(out, k->sel.v[i]))
			return cfail(k, -ENOMEM, "out of memory");
	if (!out->n)
		return cfail(k, -ENOENT, "line %u: %s matches nothing loaded",
			     a->line, text);
	return 0;
}

static void report(struct check *k, const struct assertion *a, const char *src,
		   const char *dst, int ok)
{
	struct strbuf *sb = &k->ctx->out;
	sgreach_result got = sgreach_verdict_result(k->q);
	const char *rendered;

	if (k->fmt == SGREACH_FORMAT_JSON) {
		if (k->shown++)
			sb_putc(sb, ',');
		sb_printf(sb, "{\"line\":%u,\"src\":", a->line);
		sb_json_str(sb, src);
		sb_puts(sb, ",\"dst\":");
		sb_json_str(sb, dst);
		sb_puts(sb, ",\"flow\":");
		sb_json_str(sb, a->flow);
		sb_printf(sb, ",\"expect\":\"%s\",\"actual\":\"%s\",\"ok\":%s",
			  sgreach_result_name((sgreach_result)a->expect),
			  sgreach_result_name(got), ok ? "true" : "false");
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

static int run(struct check *k)
{
	struct strvec srcs = {0}, dsts = {0};
	uint32_t i, s, d;
	int rc = 0;

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
		for (s = 0; s < srcs.n && !rc; s++)
			for (d = 0; d < dsts.n && !rc; d++) {
				int ok;

				/* A wildcard pairing a thing with itself
				 * asserts nothing about it. */
				if ((srcs.n > 1 || dsts.n > 1) &&
				    !strcmp(srcs.v[s], dsts.v[d]))
					continue;
				rc = sgreach_query(k->m, srcs.v[s], dsts.v[d],
						   a->flow, k->flags, k->q);
				if (rc) {
					rc =
					    cfail(k, rc, "line %u: %s", a->line,
						  sgreach_verdict_error(k->q));
					break;
				}
				ok = (int)sgreach_verdict_result(k->q) ==
				     a->expect;
				if (ok)
					k->passed++;
				else
					k->failed++;
				report(k, a, srcs.v[s], dsts.v[d], ok);
				/* Through the writer, if any, as it grows. */
				rc = an_spill(k->ctx, 0);
			}
	}
	vec_free(&srcs);
	vec_free(&dsts);
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

SGREACH_API int sgreach_check(const sgreach_model *m, const char *assertions,
			      size_t len, const char *name, unsigned int flags,
			      sgreach_format fmt, sgreach_verdict *ctx,
			      const char **out, int *failed)
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
	return rc;
}

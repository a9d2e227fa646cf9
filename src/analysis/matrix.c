/*
 * analysis/matrix.c - `sgreach matrix [FLOW] [--group-by ...] [--classes]`:
 * every pair of nodes with the flows allowed between them.
 *
 * Nodes are services (a service's tasks as one), security groups (their
 * members as one) or single interfaces.  The answers come a row of node
 * classes at a time from allpairs.c and are printed for every pair of
 * nodes: the output grows with nodes².  The class form
 * (matrix_classes.c) prints classes of nodes and their pairs instead.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/allpairs.h"

/* DOT strings: quotes and backslashes escaped, control bytes dropped. */
static void dot_str(struct strbuf *sb, const char *s)
{
	sb_putc(sb, '"');
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			sb_putc(sb, '\\');
		if (ch < 0x20 || ch == 0x7f)
			sb_putc(sb, '?');
		else
			sb_putc(sb, (char)ch);
	}
	sb_putc(sb, '"');
}

static void csv_set(struct an_ctx *c, struct strbuf *sb,
		    const struct connset *s)
{
	struct strbuf t;

	sb_init(&t);
	an_set_text(c, &t, s, " ");
	an_csv_field(sb, sb_str(&t) ? sb_str(&t) : "");
	if (t.failed)
		sb->failed = 1;
	sb_free(&t);
}

/* The widest node name, for the text table. */
static size_t name_width(struct an_ctx *c)
{
	size_t w = 3, i;
	char buf[AN_NAME_MAX];

	for (i = 0; i < c->nodes.n; i++) {
		size_t l =
		    strlen(an_node_name(c, &c->nodes.v[i], buf, sizeof(buf)));

		if (l > w)
			w = l;
	}
	return w > 60 ? 60 : w;
}

static void pad(struct strbuf *sb, size_t have, size_t want)
{
	while (have++ < want)
		sb_putc(sb, ' ');
}

/* The end of a row depends only on the pair's answer, and answers are
 * few: each is rendered once per format and copied for every row. */
struct tails {
	char **s;
	size_t *len;
	uint32_t n;
};

static void tail_render(struct an_ctx *c, sgreach_format fmt,
			const struct vsets *v, struct strbuf *sb)
{
	switch (fmt) {
	case SGREACH_FORMAT_JSON:
		sb_putc(sb, ',');
		an_sets_json(c, sb, v);
		sb_putc(sb, '}');
		return;
	case SGREACH_FORMAT_CSV:
		csv_set(c, sb, &v->s[VS_A]);
		sb_putc(sb, ',');
		csv_set(c, sb, &v->s[VS_P]);
		sb_putc(sb, ',');
		csv_set(c, sb, &v->s[VS_U]);
		sb_puts(sb, "\r\n");
		return;
	default:
		an_sets_text(c, sb, v);
	}
}

/* Appends the rendered end of answer id, rendering it on first use. */
static void tail(struct an_ctx *c, sgreach_format fmt, struct tails *t,
		 uint32_t id, struct strbuf *sb)
{
	if (id >= t->n) {
		uint32_t n = c->res.n > id ? c->res.n : id + 1, i;
		char **s = realloc(t->s, n * sizeof(*s));
		size_t *len;

		if (!s) {
			sb->failed = 1;
			return;
		}
		t->s = s;
		len = realloc(t->len, n * sizeof(*len));
		if (!len) {
			sb->failed = 1;
			return;
		}
		t->len = len;
		for (i = t->n; i < n; i++)
			t->s[i] = NULL;
		t->n = n;
	}
	if (!t->s[id]) {
		struct strbuf r;

		sb_init(&r);
		tail_render(c, fmt, &c->res.v[id], &r);
		if (!sb_str(&r)) {
			sb->failed = 1;
			sb_free(&r);
			return;
		}
		t->s[id] = r.s; /* the buffer is ours now */
		t->len[id] = r.len;
	}
	sb_putn(sb, t->s[id], t->len[id]);
}

static void tails_free(struct tails *t)
{
	uint32_t i;

	for (i = 0; i < t->n; i++)
		free(t->s[i]);
	free(t->s);
	free(t->len);
}

static void row(struct an_ctx *c, sgreach_format fmt, uint32_t a, uint32_t b,
		uint32_t id, struct tails *t, size_t width, uint32_t *n)
{
	const struct vsets *v = &c->res.v[id];
	struct strbuf *sb = &c->v->out;
	char ba[AN_NAME_MAX], bb[AN_NAME_MAX];
	const char *sa = an_node_name(c, &c->nodes.v[a], ba, sizeof(ba));
	const char *sd = an_node_name(c, &c->nodes.v[b], bb, sizeof(bb));
	size_t len;

	switch (fmt) {
	case SGREACH_FORMAT_JSON:
		if ((*n)++)
			sb_putc(sb, ',');
		sb_puts(sb, "{\"src\":");
		sb_json_str(sb, sa);
		sb_puts(sb, ",\"dst\":");
		sb_json_str(sb, sd);
		tail(c, fmt, t, id, sb);
		return;
	case SGREACH_FORMAT_CSV:
		an_csv_field(sb, sa);
		sb_putc(sb, ',');
		an_csv_field(sb, sd);
		sb_putc(sb, ',');
		tail(c, fmt, t, id, sb);
		return;
	case SGREACH_FORMAT_DOT: {
		static const char *const style[] = {"solid", "dashed",
						    "dotted"};
		static const char *const prefix[] = {"",
						     "partial: ", "unknown: "};
		static const int idx[] = {VS_A, VS_P, VS_U};
		int i;

		/* One edge per verdict: allowed solid, partial dashed,
		 * unknown dotted. */
		for (i = 0; i < 3; i++) {
			struct strbuf lb;

			if (connset_is_empty(&v->s[idx[i]]))
				continue;
			sb_init(&lb);
			sb_puts(&lb, prefix[i]);
			an_set_text(c, &lb, &v->s[idx[i]], ", ");
			sb_puts(sb, "  ");
			dot_str(sb, sa);
			sb_puts(sb, " -> ");
			dot_str(sb, sd);
			sb_puts(sb, " [label=");
			dot_str(sb, sb_str(&lb));
			sb_printf(sb, ", style=%s];\n", style[i]);
			if (lb.failed)
				sb->failed = 1;
			sb_free(&lb);
		}
		return;
	}
	default:
		len = sb->len;
		sb_text(sb, sa);
		pad(sb, sb->len - len, width + 2);
		len = sb->len;
		sb_text(sb, sd);
		pad(sb, sb->len - len, width + 2);
		tail(c, fmt, t, id, sb);
	}
}

/* Every node's name as a row writes it, rendered once (names are escaped
 * and padded): the source part, with what comes before the destination,
 * and the destination part.  Node i's parts are src.s[soff[i] ..
 * soff[i + 1]) and dst.s[doff[i] .. doff[i + 1]). */
struct names {
	struct strbuf src, dst;
	size_t *soff, *doff;
};

static void names_free(struct names *nm)
{
	sb_free(&nm->src);
	sb_free(&nm->dst);
	free(nm->soff);
	free(nm->doff);
}

static int names_render(struct an_ctx *c, sgreach_format fmt, size_t width,
			struct names *nm)
{
	uint32_t i, n = c->nodes.n;
	char buf[AN_NAME_MAX];

	sb_init(&nm->src);
	sb_init(&nm->dst);
	nm->soff = malloc((n + 1) * sizeof(*nm->soff));
	nm->doff = malloc((n + 1) * sizeof(*nm->doff));
	if (!nm->soff || !nm->doff)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const char *name =
		    an_node_name(c, &c->nodes.v[i], buf, sizeof(buf));
		size_t len;

		nm->soff[i] = nm->src.len;
		nm->doff[i] = nm->dst.len;
		switch (fmt) {
		case SGREACH_FORMAT_JSON:
			sb_puts(&nm->src, "{\"src\":");
			sb_json_str(&nm->src, name);
			sb_puts(&nm->src, ",\"dst\":");
			sb_json_str(&nm->dst, name);
			break;
		case SGREACH_FORMAT_CSV:
			an_csv_field(&nm->src, name);
			sb_putc(&nm->src, ',');
			an_csv_field(&nm->dst, name);
			sb_putc(&nm->dst, ',');
			break;
		default:
			len = nm->src.len;
			sb_text(&nm->src, name);
			pad(&nm->src, nm->src.len - len, width + 2);
			len = nm->dst.len;
			sb_text(&nm->dst, name);
			pad(&nm->dst, nm->dst.len - len, width + 2);
		}
	}
	nm->soff[n] = nm->src.len;
	nm->doff[n] = nm->dst.len;
	return nm->src.failed || nm->dst.failed ? -ENOMEM : 0;
}

/* A row of text, JSON or CSV from the rendered names and answer. */
static void row_fast(struct an_ctx *c, sgreach_format fmt,
		     const struct names *nm, uint32_t a, uint32_t b,
		     uint32_t id, struct tails *t, uint32_t *n)
{
	struct strbuf *sb = &c->v->out;

	if (fmt == SGREACH_FORMAT_JSON && (*n)++)
		sb_putc(sb, ',');
	sb_putn(sb, nm->src.s + nm->soff[a], nm->soff[a + 1] - nm->soff[a]);
	sb_putn(sb, nm->dst.s + nm->doff[b], nm->doff[b + 1] - nm->doff[b]);
	tail(c, fmt, t, id, sb);
}

/*
 * The output so far through the writer, if ctx has one and it has grown
 * (an_spill()): the listing of large for one flow is 2.4 GB of JSON, the
 * class form of xl for all flows 7.6 GB.  The text form keeps its last
 * byte back, a newline that the end of sgreach_matrix() takes off the last
 * line.
 */
int mx_spill(sgreach_verdict *v, sgreach_format fmt)
{
	char last;
	int rc;

	if (!v->writer || v->out.len < an_spill_bytes || v->out.failed)
		return 0;
	if (fmt != SGREACH_FORMAT_TEXT)
		return an_spill(v, 0);
	last = v->out.s[v->out.len - 1];
	v->out.len--;
	rc = an_spill(v, 1);
	sb_putc(&v->out, last);
	return rc;
}

static void header(struct an_ctx *c, sgreach_format fmt, const char *flow,
		   const char *group_by, size_t width)
{
	struct strbuf *sb = &c->v->out;
	uint32_t i;
	char buf[AN_NAME_MAX];

	switch (fmt) {
	case SGREACH_FORMAT_JSON:
		sb_printf(sb, "{\"family\":%d,\"flow\":", c->fam);
		sb_json_str(sb, flow);
		sb_printf(sb, ",\"group_by\":\"%s\",\"pairs\":[", group_by);
		return;
	case SGREACH_FORMAT_CSV:
		sb_puts(sb, "src,dst,allowed,partial,unknown\r\n");
		return;
	case SGREACH_FORMAT_DOT:
		sb_puts(sb, "digraph sgreach {\n  rankdir=LR;\n"
			    "  node [shape=box, fontname=\"monospace\"];\n"
			    "  edge [fontname=\"monospace\", fontsize=10];\n");
		for (i = 0; i < c->nodes.n; i++) {
			const struct an_node *n = &c->nodes.v[i];
			const char *name = an_node_name(c, n, buf, sizeof(buf));

			sb_puts(sb, "  ");
			dot_str(sb, name);
			sb_printf(sb, " [shape=%s];\n",
				  n->kind == NODE_ENDPOINT  ? "box"
				  : n->kind == NODE_SERVICE ? "component"
							    : "folder");
		}
		return;
	default:
		sb_printf(sb, "matrix by %s (IPv%d", group_by, c->fam);
		if (flow) {
			sb_puts(sb, ", ");
			sb_text(sb, flow);
		}
		sb_puts(sb, ")\n");
		sb_puts(sb, "SRC");
		pad(sb, 3, width + 2);
		sb_puts(sb, "DST");
		pad(sb, 3, width + 2);
		sb_puts(sb, "ALLOWED\n");
	}
}

static void header_classes(struct an_ctx *c, sgreach_format fmt,
			   const char *flow, const char *group_by)
{
	struct strbuf *sb = &c->v->out;

	if (fmt == SGREACH_FORMAT_JSON) {
		sb_printf(sb, "{\"family\":%d,\"flow\":", c->fam);
		sb_json_str(sb, flow);
		sb_printf(sb, ",\"group_by\":\"%s\",\"form\":\"classes\"",
			  group_by);
		return;
	}
	sb_printf(sb, "matrix by %s (IPv%d", group_by, c->fam);
	if (flow) {
		sb_puts(sb, ", ");
		sb_text(sb, flow);
	}
	sb_puts(sb, "), classes\n");
}

SGREACH_API int sgreach_matrix(const sgreach_model *m, const char *flow_text,
			       sgreach_group_by group_by, unsigned int flags,
			       sgreach_format fmt, sgreach_verdict *ctx,
			       const char **out)
{
	static const char *const gb_name[] = {"service", "group", "none"};
	static const int gb_node[] = {NODE_SERVICE, NODE_GROUP, NODE_ENDPOINT};
	struct an_ctx c;
	struct connset only;
	sgreach_flow flow;
	struct tails tails = {NULL, NULL, 0};
	struct allpairs ap;
	struct names names;
	uint8_t *denied = NULL;
	uint32_t *answers = NULL;
	size_t width;
	uint32_t a, b, n = 0, nd = 0, cur = SG_NONE;
	int rc, fam;

	memset(&c, 0, sizeof(c));
	memset(&ap, 0, sizeof(ap));
	memset(&names, 0, sizeof(names));
	c.v = ctx;
	connset_init(&only);
	rc = an_begin(m, ctx, out, fmt,
		      1u << SGREACH_FORMAT_TEXT | 1u << SGREACH_FORMAT_JSON |
			  1u << SGREACH_FORMAT_CSV | 1u << SGREACH_FORMAT_DOT,
		      "matrix");
	if (rc)
		return rc;
	if (flags & ~(unsigned int)(SGREACH_QUERY_IPV4 | SGREACH_QUERY_IPV6 |
				    SGREACH_MATRIX_CLASSES))
		return an_fail(&c, -EINVAL, "unknown flags");
	if ((flags & SGREACH_MATRIX_CLASSES) && fmt != SGREACH_FORMAT_TEXT &&
	    fmt != SGREACH_FORMAT_JSON)
		return an_fail(&c, -EINVAL,
			       "the class form of the matrix is text or JSON");
	if ((unsigned int)group_by > SGREACH_GROUP_BY_NONE)
		return an_fail(&c, -EINVAL, "invalid group_by");
	if (flow_text && (rc = an_parse_flow(&c, flow_text, &flow)))
		return rc;
	if ((rc = an_pick_family(ctx, flags & ~SGREACH_MATRIX_CLASSES, NULL,
				 NULL, flow_text ? &flow : NULL, &fam)))
		return rc;
	if ((rc = an_init(&c, m, ctx, fam)))
		goto out;
	if (flow_text)
		rc = an_flow_set(&flow, &only);
	else
		rc = connset_copy(&only, &c.universe);
	if (rc || (rc = an_add_nodes(&c, gb_node[group_by])) ||
	    (rc = an_finish_nodes(&c)))
		goto out;
	c.only = &only;
	if ((rc = ap_init(&ap, &c, flow_text ? &flow : NULL)))
		goto out;
	answers = malloc((ap.nnc + 1) * sizeof(*answers));
	if (!answers) {
		rc = -ENOMEM;
		goto out;
	}
	sb_reset(&ctx->out);
	if (flags & SGREACH_MATRIX_CLASSES) {
		header_classes(&c, fmt, flow_text, gb_name[group_by]);
		if ((rc = mx_classes(&c, &ap, fmt)))
			goto out;
		goto done;
	}
	width = name_width(&c);
	if (fmt != SGREACH_FORMAT_DOT &&
	    (rc = names_render(&c, fmt, width, &names)))
		goto out;
	header(&c, fmt, flow_text, gb_name[group_by], width);
	for (a = 0; a < c.nodes.n; a++) {
		/* Consecutive nodes of one class share their answers. */
		if (c.nodes.v[a].nclass != cur) {
			cur = c.nodes.v[a].nclass;
			if ((rc = ap_row(&ap, cur, answers)))
				goto out;
		}
		for (b = 0; b < c.nodes.n; b++) {
			uint32_t id = answers[c.nodes.v[b].nclass];

			if (a == b)
				continue;
			if (id >= nd) {
				/* Whether an answer allows anything, once. */
				uint8_t *d = realloc(denied, c.res.n);

				if (!d) {
					rc = -ENOMEM;
					goto out;
				}
				denied = d;
				for (; nd < c.res.n; nd++)
					denied[nd] = 2;
			}
			if (denied[id] == 2)
				denied[id] = vsets_all_denied(&c.res.v[id]);
			if (denied[id])
				continue;
			if (fmt == SGREACH_FORMAT_DOT)
				row(&c, fmt, a, b, id, &tails, width, &n);
			else
				row_fast(&c, fmt, &names, a, b, id, &tails, &n);
		}
		if ((rc = mx_spill(ctx, fmt)))
			goto out;
	}
	if (fmt == SGREACH_FORMAT_JSON)
		sb_puts(&ctx->out, "]}");
	else if (fmt == SGREACH_FORMAT_DOT)
		sb_puts(&ctx->out, "}\n");
done:
	if (fmt == SGREACH_FORMAT_TEXT && ctx->out.len && !ctx->out.failed)
		ctx->out.s[--ctx->out.len] = '\0';
out:
	rc = an_end(&c, rc, out);
	tails_free(&tails);
	free(denied);
	free(answers);
	names_free(&names);
	ap_free(&ap);
	connset_free(&only);
	an_free(&c);
	return rc;
}

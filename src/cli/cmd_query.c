/*
 * cmd_query.c - `sgreach query SRC DST FLOW` and `sgreach batch`.
 *
 * batch answers one query per line of standard input with one JSON object
 * per line.  It is the path scripts use for many queries, so it reads
 * standard input in large blocks, reuses one verdict, gathers answers in
 * one large buffer and allocates nothing per line.
 */
/* ssize_t, read() */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "cli/cli.h"

/* Exit code of a verdict: the codes are the sgreach_result values, but
 * spelled out so that a change in the enum cannot change the CLI. */
static int result_exit(sgreach_result r)
{
	switch (r) {
	case SGREACH_ALLOWED:
		return CLI_EXIT_ALLOWED;
	case SGREACH_DENIED:
		return CLI_EXIT_DENIED;
	case SGREACH_UNKNOWN:
		return CLI_EXIT_UNKNOWN;
	case SGREACH_PARTIAL:
		return CLI_EXIT_PARTIAL;
	}
	return cli_error("internal error: unexpected result %d", (int)r);
}

/* The message of a failed query: the verdict's, else the code's. */
static const char *query_error(const sgreach_verdict *v, int err)
{
	const char *msg = sgreach_verdict_error(v);

	return msg && *msg ? msg : sgreach_strerror(err);
}

static int run_query(struct cli *cli, int argc, char **argv)
{
	sgreach_verdict *v;
	const char *out;
	int err, rc;

	(void)argc;
	v = sgreach_verdict_new();
	if (!v)
		return cli_error("%s", sgreach_strerror(-ENOMEM));
	err = sgreach_query(cli->model, argv[0], argv[1], argv[2],
			    cli->query_flags | SGREACH_QUERY_DETAILS, v);
	if (err) {
		rc = cli_error("%s", query_error(v, err));
		goto out;
	}
	out = sgreach_verdict_render(v, cli->format == CLI_FORMAT_JSON
					    ? SGREACH_FORMAT_JSON
					    : SGREACH_FORMAT_TEXT);
	if (!out) {
		rc = cli_error("%s", sgreach_strerror(-ENOMEM));
		goto out;
	}
	/* Rendered text ends without a newline; one object or text per run. */
	fputs(out, stdout);
	fputc('\n', stdout);
	rc = result_exit(sgreach_verdict_result(v));
out:
	sgreach_verdict_free(v);
	return rc;
}

const struct cli_command cmd_query = {
    .name = "query",
    .args = "SRC DST FLOW",
    .summary = "can SRC reach DST on FLOW, and why",
    .min_args = 3,
    .max_args = 3,
    .formats = CLI_FORMAT_TEXT | CLI_FORMAT_JSON,
    .needs_model = 1,
    .run = run_query,
};

/* ---------------------------------------------------------------- batch -- */

#define BATCH_MAX_FIELDS 4 /* SRC DST FLOW [-4|-6] */
#define BATCH_OUT_BUFFER (1u << 20)
#define BATCH_IN_BUFFER	 (1u << 18)

/* The bytes isspace() accepts in the C locale: ' ' and '\t' to '\r'.
 * Tested once per input byte, so without a chain of comparisons. */
static int is_space(char c)
{
	return c == ' ' || (unsigned char)(c - '\t') <= '\r' - '\t';
}

/*
 * One input line split in place: each field is NUL-terminated where its
 * separator was, and the separator is kept so that the line can be put
 * back for an error object.
 */
struct fields {
	char *field[BATCH_MAX_FIELDS];
	char *cut[BATCH_MAX_FIELDS]; /* where a NUL was written */
	char saved[BATCH_MAX_FIELDS];
	int n;	    /* fields stored */
	int excess; /* more fields than BATCH_MAX_FIELDS */
};

/* The first space at or after p, or end.  Eight bytes at a time while
 * none is below 0x21 (spaces are ' ' and '\t' to '\r'): selectors are
 * ids and addresses of 10 to 90 bytes. */
static char *field_end(char *p, char *end)
{
	const uint64_t ones = 0x0101010101010101ull;
	uint64_t x;

	while (end - p >= 8) {
		memcpy(&x, p, sizeof(x));
		if ((x - ones * 0x21) & ~x & (ones << 7))
			break;
		p += 8;
	}
	while (p < end && !is_space(*p))
		p++;
	return p;
}

static void split_fields(char *p, char *end, struct fields *f)
{
	f->n = 0;
	f->excess = 0;
	for (;;) {
		while (p < end && is_space(*p))
			p++;
		if (p == end)
			return;
		if (f->n == BATCH_MAX_FIELDS) {
			f->excess = 1;
			return;
		}
		f->field[f->n] = p;
		p = field_end(p, end);
		f->cut[f->n] = p;
		f->saved[f->n] = *p; /* *end is the line's NUL */
		*p = '\0';
		f->n++;
		if (p < end)
			p++;
	}
}

static void restore_fields(struct fields *f)
{
	int i;

	for (i = 0; i < f->n; i++)
		*f->cut[i] = f->saved[i];
	f->n = 0;
}

/*
 * Answers are gathered in one large buffer and written in blocks: fputs()
 * per answer cost a lock, a strlen and stdio's copy loop, a tenth of a
 * line's work.  Anything else written to stdout (error objects) is written
 * after a flush of this buffer, so lines stay in input order.
 */
struct out_buffer {
	char *buf;
	size_t len;
};

static void out_flush(struct out_buffer *o)
{
	if (o->len)
		fwrite(o->buf, 1, o->len, stdout);
	o->len = 0;
}

/* Every answer so far, out of this buffer and stdio's, before batch waits
 * for more input: whoever types or pipes a line and then waits (a
 * terminal, a coprocess) gets its answer. */
static void out_push(struct out_buffer *o)
{
	out_flush(o);
	fflush(stdout);
}

/*
 * Standard input read in large blocks and cut into lines in place, instead
 * of getline()'s copy of each line.  A line longer than the buffer grows
 * it, so lines have no length limit.  read(2), as stdio would: a line is
 * answered as soon as it has arrived, not when a block is full, and the
 * answers are pushed out before each read (out_push).
 */
struct line_reader {
	char *buf;
	size_t cap, start, end; /* unread bytes: [start, end) */
	size_t scanned;		/* [start, scanned) holds no newline */
	int eof;
	int err; /* errno of a failed read or allocation, else 0 */
	struct out_buffer *out; /* pushed out before each read */
};

/* The next line, its newline replaced by a NUL, its length in *len; NULL
 * at the end of input or on an error (r->err), and when may_read is 0 and
 * no whole line is left without reading more.  The lines returned stay in
 * place until the next read. */
static char *next_line(struct line_reader *r, size_t *len, int may_read)
{
	for (;;) {
		char *line = r->buf + r->start, *nl = NULL;
		ssize_t got;

		if (r->scanned < r->end)
			nl = memchr(r->buf + r->scanned, '\n',
				    r->end - r->scanned);
		if (nl || (r->eof && r->start < r->end)) {
			if (!nl)
				nl = r->buf + r->end; /* the last line */
			*len = (size_t)(nl - line);
			*nl = '\0';
			r->start = (size_t)(nl - r->buf) + 1;
			if (r->start > r->end)
				r->start = r->end;
			r->scanned = r->start;
			return line;
		}
		if (r->eof || !may_read)
			return NULL;
		/* Keep the partial line, at the front; one byte stays free
		 * for the NUL of a last line without a newline. */
		r->scanned = r->end;
		if (r->start) {
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->end -= r->start;
			r->scanned -= r->start;
			r->start = 0;
		}
		if (r->cap - r->end < BATCH_IN_BUFFER / 2) {
			size_t cap = r->cap ? r->cap * 2 : BATCH_IN_BUFFER;
			char *b = realloc(r->buf, cap);

			if (!b) {
				r->err = ENOMEM;
				return NULL;
			}
			r->buf = b;
			r->cap = cap;
		}
		out_push(r->out);
		do
			got = read(STDIN_FILENO, r->buf + r->end,
				   r->cap - r->end - 1);
		while (got < 0 && errno == EINTR);
		if (got < 0) {
			r->err = errno;
			return NULL;
		}
		r->end += (size_t)got;
		if (got == 0)
			r->eof = 1;
	}
}

static void out_line(struct out_buffer *o, const char *s, size_t n)
{
	if (o->len + n + 1 > BATCH_OUT_BUFFER) {
		out_flush(o);
		if (n + 1 > BATCH_OUT_BUFFER) {
			fwrite(s, 1, n, stdout);
			fputc('\n', stdout);
			return;
		}
	}
	memcpy(o->buf + o->len, s, n);
	o->buf[o->len + n] = '\n';
	o->len += n + 1;
}

static void batch_error(struct out_buffer *o, size_t lineno, const char *line,
			size_t len, const char *msg)
{
	out_flush(o);
	printf("{\"line\": %zu, \"input\": \"", lineno);
	cli_json_escape(stdout, line, len);
	fputs("\", \"error\": \"", stdout);
	cli_json_escape(stdout, msg, strlen(msg));
	fputs("\"}\n", stdout);
}

/*
 * Lines are answered in blocks of the lines already read (up to
 * BATCH_BLOCK), in one sgreach_query_many_text() call, which reads each
 * line's selectors ahead of answering it: on a large model the lookups of
 * several lines then wait for memory together.  A line is still answered
 * as soon as it has arrived: a block never waits for more input.
 */
#define BATCH_BLOCK 64

/* One line of a block. */
struct batch_line {
	char *line;
	size_t len, lineno;
	struct fields f;
	unsigned int flags;
	const char *error; /* rejected before any query, or NULL */
};

struct batch {
	struct cli *cli;
	struct out_buffer *o;
	sgreach_verdict *alone; /* for the lines asked alone */
	struct batch_line line[BATCH_BLOCK];
	sgreach_text_question q[BATCH_BLOCK];
	size_t qline[BATCH_BLOCK]; /* the line of each question */
	size_t nline, nq, written;
	int rc; /* a failure that ends the batch */
};

/* Adds a line to the block, unless it is blank or a comment. */
static void batch_add(struct batch *b, char *line, size_t len, size_t lineno)
{
	struct batch_line *l = &b->line[b->nline];
	const char *first = line;
	struct fields *f = &l->f;

	while (first < line + len && is_space(*first))
		first++;
	if (first == line + len || *first == '#')
		return;
	b->nline++;
	l->line = line;
	l->len = len;
	l->lineno = lineno;
	l->error = NULL;
	l->flags = b->cli->query_flags;
	f->n = 0;
	if (memchr(line, '\0', len)) {
		l->error = "the line contains a NUL byte";
		return;
	}
	split_fields(line, line + len, f);
	if (f->n == 4 && strcmp(f->field[3], "-4") == 0) {
		l->flags = SGREACH_QUERY_IPV4;
	} else if (f->n == 4 && strcmp(f->field[3], "-6") == 0) {
		l->flags = SGREACH_QUERY_IPV6;
	} else if (f->n == 4) {
		restore_fields(f);
		l->error = "the fourth field must be -4 or -6";
		return;
	}
	if (f->n < 3 || f->excess) {
		restore_fields(f);
		l->error = "expected SRC DST FLOW [-4|-6]";
		return;
	}
	/* Every answer is rendered: its rules are worked out at once, not
	 * by a second pass in the rendering. */
	l->flags |= SGREACH_QUERY_DETAILS;
	/* A flow that does not parse: the line is asked alone (by
	 * batch_write_until()), and sgreach_query() words the error. */
	if (sgreach_flow_parse(f->field[2], &b->q[b->nq].flow))
		return;
	b->q[b->nq].src = f->field[0];
	b->q[b->nq].dst = f->field[1];
	b->q[b->nq].flags = l->flags;
	b->qline[b->nq++] = b->nline - 1;
}

/* Writes line l's answer from v, or its error (err). */
static int batch_write(struct batch *b, struct batch_line *l, int err,
		       sgreach_verdict *v)
{
	const char *out;

	if (err) {
		restore_fields(&l->f);
		batch_error(b->o, l->lineno, l->line, l->len,
			    query_error(v, err));
		return 0;
	}
	out = sgreach_verdict_render(v, SGREACH_FORMAT_JSON);
	if (!out) {
		b->rc = cli_error("line %zu: %s", l->lineno,
				  sgreach_strerror(-ENOMEM));
		return -1;
	}
	out_line(b->o, out, strlen(out));
	/* A full disk or closed pipe ends the batch: the rest would be lost
	 * anyway. */
	return ferror(stdout) ? -1 : 0;
}

/* Writes the lines of the block from b->written up to line `end` that
 * the block's sgreach_query_many_text() call does not answer: those
 * rejected, with their error, and those asked alone (a flow that does not
 * parse), through sgreach_query(). */
static int batch_write_until(struct batch *b, size_t end)
{
	for (; b->written < end; b->written++) {
		struct batch_line *l = &b->line[b->written];
		const struct fields *f = &l->f;
		int err;

		if (l->error) {
			batch_error(b->o, l->lineno, l->line, l->len, l->error);
			continue;
		}
		err = sgreach_query(b->cli->model, f->field[0], f->field[1],
				    f->field[2], l->flags, b->alone);
		if (batch_write(b, l, err, b->alone))
			return -1;
	}
	return 0;
}

/* sgreach_answer_fn: writes question i's line, after the lines before it. */
static int batch_answer(void *arg, size_t i, sgreach_verdict *v)
{
	struct batch *b = arg;
	size_t k = b->qline[i];

	if (batch_write_until(b, k) ||
	    batch_write(b, &b->line[k], b->q[i].error, v))
		return -1;
	b->written = k + 1;
	return 0;
}

static int run_batch(struct cli *cli, int argc, char **argv)
{
	static char outbuf[BATCH_OUT_BUFFER];
	struct batch b;
	struct out_buffer o = {outbuf, 0};
	struct line_reader in = {.out = &o};
	sgreach_verdict *v;
	size_t len, lineno = 0;
	char *line;

	(void)argc;
	(void)argv;
	memset(&b, 0, sizeof(b));
	b.cli = cli;
	b.o = &o;
	v = sgreach_verdict_new();
	b.alone = sgreach_verdict_new();
	if (!v || !b.alone) {
		sgreach_verdict_free(v);
		sgreach_verdict_free(b.alone);
		return cli_error("%s", sgreach_strerror(-ENOMEM));
	}
	/* A failure to write, or to render (b.rc), ends the batch. */
	while (b.rc == 0 && !ferror(stdout) &&
	       (line = next_line(&in, &len, 1))) {
		b.nline = b.nq = b.written = 0;
		do
			batch_add(&b, line, len, ++lineno);
		while (b.nline < BATCH_BLOCK &&
		       (line = next_line(&in, &len, 0)));
		if (b.nq)
			sgreach_query_many_text(cli->model, b.q, b.nq, v,
						batch_answer, &b);
		if (b.rc == 0 && !ferror(stdout))
			batch_write_until(&b, b.nline);
	}
	out_flush(&o);
	if (b.rc == 0 && in.err)
		b.rc =
		    cli_error("reading standard input: %s", strerror(in.err));
	free(in.buf);
	sgreach_verdict_free(v);
	sgreach_verdict_free(b.alone);
	/* A write error is reported by main() once stdout is flushed. */
	return b.rc;
}

const struct cli_command cmd_batch = {
    .name = "batch",
    .args = "",
    .summary = "queries from stdin lines, one JSON object each",
    .min_args = 0,
    .max_args = 0,
    .formats = CLI_FORMAT_JSON,
    .needs_model = 1,
    .reads_stdin = 1,
    .run = run_batch,
};

/*
 * cmd_query.c - `sgreach query SRC DST FLOW` and `sgreach batch`.
 *
 * batch answers one query per line of standard input with one JSON object
 * per line.  It is the path scripts use for many queries, so it reuses one
 * line buffer and one verdict, writes through a large stdio buffer and
 * allocates nothing per line.
 */
/* getline() */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

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
			    cli->query_flags, v);
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

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	       c == '\f';
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
		while (p < end && !is_space(*p))
			p++;
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

static void batch_error(size_t lineno, const char *line, size_t len,
			const char *msg)
{
	printf("{\"line\": %zu, \"input\": \"", lineno);
	cli_json_escape(stdout, line, len);
	fputs("\", \"error\": \"", stdout);
	cli_json_escape(stdout, msg, strlen(msg));
	fputs("\"}\n", stdout);
}

static int run_batch(struct cli *cli, int argc, char **argv)
{
	static char outbuf[BATCH_OUT_BUFFER], inbuf[BATCH_IN_BUFFER];
	sgreach_verdict *v;
	struct fields f;
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t got;
	int rc = 0;

	(void)argc;
	(void)argv;
	v = sgreach_verdict_new();
	if (!v)
		return cli_error("%s", sgreach_strerror(-ENOMEM));
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	setvbuf(stdin, inbuf, _IOFBF, sizeof(inbuf));

	while ((got = getline(&line, &cap, stdin)) != -1) {
		size_t len = (size_t)got;
		unsigned int flags = cli->query_flags;
		const char *out, *first;
		int err;

		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		first = line;
		while (first < line + len && is_space(*first))
			first++;
		if (first == line + len || *first == '#')
			continue;
		if (memchr(line, '\0', len)) {
			batch_error(lineno, line, len,
				    "the line contains a NUL byte");
			continue;
		}
		split_fields(line, line + len, &f);
		if (f.n == 4 && strcmp(f.field[3], "-4") == 0) {
			flags = SGREACH_QUERY_IPV4;
		} else if (f.n == 4 && strcmp(f.field[3], "-6") == 0) {
			flags = SGREACH_QUERY_IPV6;
		} else if (f.n == 4) {
			restore_fields(&f);
			batch_error(lineno, line, len,
				    "the fourth field must be -4 or -6");
			continue;
		}
		if (f.n < 3 || f.excess) {
			restore_fields(&f);
			batch_error(lineno, line, len,
				    "expected SRC DST FLOW [-4|-6]");
			continue;
		}
		err = sgreach_query(cli->model, f.field[0], f.field[1],
				    f.field[2], flags, v);
		if (err) {
			restore_fields(&f);
			batch_error(lineno, line, len, query_error(v, err));
			continue;
		}
		out = sgreach_verdict_render(v, SGREACH_FORMAT_JSON);
		if (!out) {
			rc = cli_error("line %zu: %s", lineno,
				       sgreach_strerror(-ENOMEM));
			break;
		}
		fputs(out, stdout);
		fputc('\n', stdout);
		/* A full disk or closed pipe ends the batch: the rest would
		 * be lost anyway. */
		if (ferror(stdout))
			break;
	}
	if (rc == 0 && ferror(stdin))
		rc = cli_error("reading standard input: %s", strerror(errno));
	free(line);
	sgreach_verdict_free(v);
	/* A write error is reported by main() once stdout is flushed. */
	return rc;
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

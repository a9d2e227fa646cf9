/*
 * cmd_check.c - `sgreach check ASSERTIONS`: intended reachability as data.
 * ASSERTIONS is a file of "SRC DST FLOW EXPECTED" lines or a JSON array
 * ("-" reads standard input).  Exit 0 when every assertion holds, 1 when
 * any fails, 2 on a usage or input error.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* Assertion files are small; a limit keeps a wrong path from eating
 * memory. */
#define MAX_ASSERTIONS (64u << 20)

static char *read_all(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf = NULL, *nb;
	size_t cap = 0, n = 0, got;

	if (!f) {
		cli_error("%s: %s", path, strerror(errno));
		return NULL;
	}
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 8192;
			if (cap > MAX_ASSERTIONS || !(nb = realloc(buf, cap))) {
				cli_error("%s: %s", path,
					  cap > MAX_ASSERTIONS
					      ? "file too large"
					      : strerror(ENOMEM));
				free(buf);
				buf = NULL;
				goto out;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got);
	if (ferror(f)) {
		cli_error("%s: read error", path);
		free(buf);
		buf = NULL;
		goto out;
	}
	*len = n;
out:
	if (f != stdin)
		fclose(f);
	return buf;
}

static int run_check(struct cli *cli, int argc, char **argv)
{
	sgreach_verdict *ctx = NULL;
	struct cli_output o;
	const char *out = NULL;
	size_t len = 0;
	char *text;
	int err, failed = 0, rc;

	(void)argc;
	if (!(text = read_all(argv[0], &len)))
		return CLI_EXIT_USAGE;
	if (!(ctx = sgreach_verdict_new())) {
		free(text);
		return cli_error("%s", sgreach_strerror(-ENOMEM));
	}
	cli_output_start(&o, ctx);
	err =
	    sgreach_check(cli->model, text, len, argv[0], cli->query_flags,
			  cli->format == CLI_FORMAT_JSON ? SGREACH_FORMAT_JSON
							 : SGREACH_FORMAT_TEXT,
			  ctx, &out, &failed);
	rc = cli_output_end(&o, ctx, err, failed ? 1 : 0);
	sgreach_verdict_free(ctx);
	free(text);
	return rc;
}

const struct cli_command cmd_check = {
    .name = "check",
    .args = "ASSERTIONS",
    .summary = "intended reachability as data; exit 1 if any assertion fails",
    .min_args = 1,
    .max_args = 1,
    .formats = CLI_FORMAT_TEXT | CLI_FORMAT_JSON,
    .needs_model = 1,
    .run = run_check,
};

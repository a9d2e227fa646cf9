/*
 * cmd_diff.c - `sgreach diff OLD NEW [--fail-on-gain]`: connectivity gained
 * and lost between two snapshots (files or directories; a Terraform state
 * and a plan).  Each side is loaded into a model of its own, so -f is not
 * used.  Exit 0, 1 with --fail-on-gain when anything became reachable, 2
 * on a usage or input error.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static int fail_on_gain;

enum { OPT_FAIL_ON_GAIN = CLI_OPT_COMMAND + 0x20 };

static const struct option diff_options[] = {
    {"fail-on-gain", no_argument, NULL, OPT_FAIL_ON_GAIN},
    {NULL, 0, NULL, 0},
};

static int diff_option(struct cli *cli, int val, const char *arg)
{
	(void)cli;
	(void)arg;
	if (val != OPT_FAIL_ON_GAIN)
		return cli_error("internal error: option %d", val);
	fail_on_gain = 1;
	return 0;
}

/* Loads and finalizes one side; NULL after printing the error. */
static sgreach_model *load_side(const struct cli *cli, const char *path)
{
	sgreach_model *m = sgreach_model_new();
	size_t i, n;
	int err;

	if (!m) {
		cli_error("%s", sgreach_strerror(-ENOMEM));
		return NULL;
	}
	err = sgreach_model_load_file(m, path);
	if (!err)
		err = sgreach_model_finalize(m);
	if (!cli->quiet) {
		n = sgreach_model_warning_count(m);
		for (i = 0; i < n; i++)
			fprintf(stderr, "sgreach: warning: %s\n",
				sgreach_model_warning(m, i));
	}
	if (err) {
		const char *msg = sgreach_model_error(m);

		if (!msg || !*msg)
			cli_error("%s: %s", path, sgreach_strerror(err));
		else if (!strstr(msg, path))
			cli_error("%s: %s", path, msg);
		else
			cli_error("%s", msg);
		sgreach_model_free(m);
		return NULL;
	}
	return m;
}

static int run_diff(struct cli *cli, int argc, char **argv)
{
	sgreach_model *old_m = NULL, *new_m = NULL;
	sgreach_verdict *ctx = NULL;
	struct cli_output o;
	const char *out = NULL;
	int err, gained = 0, rc = CLI_EXIT_USAGE;

	(void)argc;
	if (!(old_m = load_side(cli, argv[0])) ||
	    !(new_m = load_side(cli, argv[1])))
		goto out;
	if (!(ctx = sgreach_verdict_new())) {
		rc = cli_error("%s", sgreach_strerror(-ENOMEM));
		goto out;
	}
	cli_output_start(&o, ctx);
	err = sgreach_diff(old_m, new_m, cli->query_flags,
			   cli->format == CLI_FORMAT_JSON ? SGREACH_FORMAT_JSON
							  : SGREACH_FORMAT_TEXT,
			   ctx, &out, &gained);
	rc = cli_output_end(&o, ctx, err, fail_on_gain && gained > 0 ? 1 : 0);
out:
	sgreach_verdict_free(ctx);
	sgreach_model_free(old_m);
	sgreach_model_free(new_m);
	return rc;
}

const struct cli_command cmd_diff = {
    .name = "diff",
    .args = "OLD NEW",
    .summary = "connectivity gained and lost, with the rule changes behind it",
    .min_args = 2,
    .max_args = 2,
    .formats = CLI_FORMAT_TEXT | CLI_FORMAT_JSON,
    .needs_model = 0,
    .options = diff_options,
    .options_help = "      --fail-on-gain  exit 1 when any flow becomes "
		    "newly allowed\n",
    .option = diff_option,
    .run = run_diff,
};

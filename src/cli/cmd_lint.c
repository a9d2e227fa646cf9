/*
 * cmd_lint.c - `sgreach lint [--fail-on LEVEL]`: findings about the loaded
 * model.  Exit 0, or 1 when a finding is at or above --fail-on, so that CI
 * chooses what blocks a change; 2 on a usage or input error.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

/* --fail-on: -1 never fails (the default). */
static int fail_on = -1;

enum { OPT_FAIL_ON = CLI_OPT_COMMAND + 0x10 };

static const struct option lint_options[] = {
    {"fail-on", required_argument, NULL, OPT_FAIL_ON},
    {NULL, 0, NULL, 0},
};

static int lint_option(struct cli *cli, int val, const char *arg)
{
	static const char *const levels[] = {"info", "low", "medium", "high"};
	int i;

	(void)cli;
	if (val != OPT_FAIL_ON)
		return cli_error("internal error: option %d", val);
	for (i = 0; i < 4; i++)
		if (strcmp(arg, levels[i]) == 0) {
			fail_on = i;
			return 0;
		}
	return cli_error("--fail-on takes info, low, medium or high, not '%s'",
			 arg);
}

static int run_lint(struct cli *cli, int argc, char **argv)
{
	sgreach_verdict *ctx = sgreach_verdict_new();
	const char *out = NULL, *msg;
	int err, worst = -1, rc;

	(void)argc;
	(void)argv;
	if (!ctx)
		return cli_error("%s", sgreach_strerror(-ENOMEM));
	err = sgreach_lint(cli->model, 0,
			   cli->format == CLI_FORMAT_JSON ? SGREACH_FORMAT_JSON
							  : SGREACH_FORMAT_TEXT,
			   ctx, &out, &worst);
	if (err) {
		msg = sgreach_verdict_error(ctx);
		rc = cli_error("%s", msg && *msg ? msg : sgreach_strerror(err));
	} else {
		puts(out);
		rc = fail_on >= 0 && worst >= fail_on ? 1 : 0;
	}
	sgreach_verdict_free(ctx);
	return rc;
}

const struct cli_command cmd_lint = {
    .name = "lint",
    .args = "",
    .summary = "findings with stable codes, severities and fix hints",
    .min_args = 0,
    .max_args = 0,
    .formats = CLI_FORMAT_TEXT | CLI_FORMAT_JSON,
    .needs_model = 1,
    .options = lint_options,
    .options_help = "      --fail-on=info|low|medium|high  exit 1 when a "
		    "finding is at or above\n",
    .option = lint_option,
    .run = run_lint,
};

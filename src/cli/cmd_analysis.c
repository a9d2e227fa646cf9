/*
 * cmd_analysis.c - the analyses of sgreach(1): ports, who, reach, matrix
 * and exposure.  Each prints what the library renders and exits 0, or 2
 * on a usage or input error (they answer many questions, so no single
 * verdict decides the exit status).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static sgreach_format lib_format(enum cli_format f)
{
	switch (f) {
	case CLI_FORMAT_JSON:
		return SGREACH_FORMAT_JSON;
	case CLI_FORMAT_CSV:
		return SGREACH_FORMAT_CSV;
	case CLI_FORMAT_DOT:
		return SGREACH_FORMAT_DOT;
	default:
		return SGREACH_FORMAT_TEXT;
	}
}

enum analysis { A_PORTS, A_WHO, A_REACH, A_MATRIX, A_EXPOSURE };

/* --group-by and --classes of matrix: commands have no state of their own
 * in struct cli, and one command runs per process. */
static sgreach_group_by group_by = SGREACH_GROUP_BY_SERVICE;
static unsigned int matrix_flags;

static int run(struct cli *cli, enum analysis what, int argc, char **argv)
{
	sgreach_verdict *ctx = sgreach_verdict_new();
	sgreach_format fmt = lib_format(cli->format);
	struct cli_output o;
	const char *out = NULL;
	int err = -EINVAL, rc;

	if (!ctx)
		return cli_error("%s", sgreach_strerror(-ENOMEM));
	cli_output_start(&o, ctx);
	switch (what) {
	case A_PORTS:
		err = sgreach_ports(cli->model, argv[0], argv[1],
				    cli->query_flags, fmt, ctx, &out);
		break;
	case A_WHO:
		err =
		    sgreach_who(cli->model, argv[0], argc > 1 ? argv[1] : NULL,
				cli->query_flags, fmt, ctx, &out);
		break;
	case A_REACH:
		err = sgreach_reach(cli->model, argv[0],
				    argc > 1 ? argv[1] : NULL, cli->query_flags,
				    fmt, ctx, &out);
		break;
	case A_MATRIX:
		err = sgreach_matrix(cli->model, argc > 0 ? argv[0] : NULL,
				     group_by, cli->query_flags | matrix_flags,
				     fmt, ctx, &out);
		break;
	case A_EXPOSURE:
		err = sgreach_exposure(cli->model, cli->query_flags, fmt, ctx,
				       &out);
		break;
	}
	/* DOT and CSV end their own lines; the others get one. */
	rc = cli_output_end(&o, ctx, err, 0);
	sgreach_verdict_free(ctx);
	return rc;
}

static int run_ports(struct cli *cli, int argc, char **argv)
{
	return run(cli, A_PORTS, argc, argv);
}

static int run_who(struct cli *cli, int argc, char **argv)
{
	return run(cli, A_WHO, argc, argv);
}

static int run_reach(struct cli *cli, int argc, char **argv)
{
	return run(cli, A_REACH, argc, argv);
}

static int run_matrix(struct cli *cli, int argc, char **argv)
{
	return run(cli, A_MATRIX, argc, argv);
}

static int run_exposure(struct cli *cli, int argc, char **argv)
{
	return run(cli, A_EXPOSURE, argc, argv);
}

enum { OPT_GROUP_BY = CLI_OPT_COMMAND, OPT_CLASSES };

static const struct option matrix_options[] = {
    {"group-by", required_argument, NULL, OPT_GROUP_BY},
    {"classes", no_argument, NULL, OPT_CLASSES},
    {NULL, 0, NULL, 0},
};

static int matrix_option(struct cli *cli, int val, const char *arg)
{
	(void)cli;
	if (val == OPT_CLASSES) {
		matrix_flags |= SGREACH_MATRIX_CLASSES;
		return 0;
	}
	if (val != OPT_GROUP_BY)
		return cli_error("internal error: option %d", val);
	if (strcmp(arg, "service") == 0)
		group_by = SGREACH_GROUP_BY_SERVICE;
	else if (strcmp(arg, "group") == 0)
		group_by = SGREACH_GROUP_BY_GROUP;
	else if (strcmp(arg, "none") == 0)
		group_by = SGREACH_GROUP_BY_NONE;
	else
		return cli_error("--group-by takes service, group or none, "
				 "not '%s'",
				 arg);
	return 0;
}

const struct cli_command cmd_ports = {
    .name = "ports",
    .args = "SRC DST",
    .summary = "every flow SRC may open to DST, and the rules behind it",
    .min_args = 2,
    .max_args = 2,
    .formats = CLI_FORMAT_TEXT | CLI_FORMAT_JSON,
    .needs_model = 1,
    .run = run_ports,
};

const struct cli_command cmd_who = {
    .name = "who",
    .args = "DST [FLOW]",
    .summary = "every source that can reach DST (endpoints, ranges)",
    .min_args = 1,
    .max_args = 2,
    .formats = CLI_FORMAT_TEXT | CLI_FORMAT_JSON | CLI_FORMAT_CSV,
    .needs_model = 1,
    .run = run_who,
};

const struct cli_command cmd_reach = {
    .name = "reach",
    .args = "SRC [FLOW]",
    .summary = "every destination SRC can reach",
    .min_args = 1,
    .max_args = 2,
    .formats = CLI_FORMAT_TEXT | CLI_FORMAT_JSON | CLI_FORMAT_CSV,
    .needs_model = 1,
    .run = run_reach,
};

const struct cli_command cmd_matrix = {
    .name = "matrix",
    .args = "[FLOW]",
    .summary = "all pairs of services, groups or interfaces",
    .min_args = 0,
    .max_args = 1,
    .formats =
	CLI_FORMAT_TEXT | CLI_FORMAT_JSON | CLI_FORMAT_CSV | CLI_FORMAT_DOT,
    .needs_model = 1,
    .options = matrix_options,
    .options_help = "      --group-by=service|group|none  nodes of the "
		    "matrix (default service)\n"
		    "      --classes  nodes with the same answers as classes, "
		    "one entry per\n"
		    "                 source class and answer (text, JSON)\n",
    .option = matrix_option,
    .run = run_matrix,
};

const struct cli_command cmd_exposure = {
    .name = "exposure",
    .args = "",
    .summary = "what the internet can reach, on which flows",
    .min_args = 0,
    .max_args = 0,
    .formats = CLI_FORMAT_TEXT | CLI_FORMAT_JSON,
    .needs_model = 1,
    .run = run_exposure,
};

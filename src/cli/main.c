/*
 * main.c - sgreach(1): options, the command table, loading the model.
 *
 *   sgreach COMMAND [-f PATH]... [-o text|json] [-4|-6] [-q] ARGS
 *
 * Options may come before or after the command and its arguments (GNU
 * permutation); "--" ends them.  Every -f is loaded in order, then the
 * model is finalized; any input error is one line on stderr and exit 2, so
 * that nothing is answered from a half-loaded model.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* The commands, in the order --help lists them.  Add new ones here. */
static const struct cli_command *const commands[] = {
    &cmd_query,	 &cmd_batch,	&cmd_ports, &cmd_who,  &cmd_reach,
    &cmd_matrix, &cmd_exposure, &cmd_lint,  &cmd_diff, &cmd_check,
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

/* Values of the long-only common options. */
enum {
	OPT_VERSION = 0x100,
};

static const struct option common_options[] = {
    {"file", required_argument, NULL, 'f'},
    {"output", required_argument, NULL, 'o'},
    {"ipv4", no_argument, NULL, '4'},
    {"ipv6", no_argument, NULL, '6'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
};
#define N_COMMON (sizeof(common_options) / sizeof(common_options[0]))

/* Leading ':' makes getopt report a missing argument as ':' rather than
 * printing its own message, which would name the libtool wrapper's argv[0]. */
static const char short_options[] = ":f:o:46qh";

static int write_stdout(void *cookie, const char *text, size_t len)
{
	struct cli_output *o = cookie;

	if (fwrite(text, 1, len, stdout) != len)
		return -1;
	o->written += len;
	o->last = text[len - 1];
	return 0;
}

void cli_output_start(struct cli_output *o, sgreach_verdict *ctx)
{
	o->written = 0;
	o->last = '\0';
	sgreach_verdict_set_writer(ctx, write_stdout, o);
}

int cli_output_end(struct cli_output *o, sgreach_verdict *ctx, int err,
		   int status)
{
	const char *msg;

	if (err == -EIO && ferror(stdout))
		return CLI_EXIT_USAGE; /* main() reports the write error */
	if (err) {
		msg = sgreach_verdict_error(ctx);
		return cli_error("%s",
				 msg && *msg ? msg : sgreach_strerror(err));
	}
	if (!o->written || o->last != '\n')
		fputc('\n', stdout);
	return status;
}

int cli_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("sgreach: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_EXIT_USAGE;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned long cp;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0; /* continuation, overlong lead, over U+10FFFF */
	len = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (n < len)
		return 0;
	cp = s[0] & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

void cli_json_escape(FILE *f, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + len;

	while (p < end) {
		const unsigned char *run = p;
		size_t seq;

		/* Copy each run of bytes that need no escaping at once. */
		while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' &&
		       *p != '\\')
			p++;
		if (p > run)
			fwrite(run, 1, (size_t)(p - run), f);
		if (p == end)
			break;
		if (*p >= 0x80) {
			seq = utf8_sequence(p, (size_t)(end - p));
			if (seq) {
				fwrite(p, 1, seq, f);
				p += seq;
			} else {
				/* Valid JSON whatever the input. */
				fputs("\\ufffd", f);
				p++;
			}
			continue;
		}
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		default:
			fputs("\\u00", f);
			fputc(hex[*p >> 4], f);
			fputc(hex[*p & 15], f);
		}
		p++;
	}
}

static void usage(FILE *f)
{
	size_t i, width = 0;

	fputs("Usage: sgreach COMMAND [-f PATH]... [-o FORMAT] [-4|-6] [-q] "
	      "ARGS\n"
	      "Can AWS workload A reach B on this flow, and why?  Answers from "
	      "the JSON\nthat 'aws' and 'terraform show -json' print.\n\n"
	      "Commands:\n",
	      f);
	for (i = 0; i < N_COMMANDS; i++) {
		size_t w =
		    strlen(commands[i]->name) + 1 + strlen(commands[i]->args);
		if (w > width)
			width = w;
	}
	for (i = 0; i < N_COMMANDS; i++) {
		const struct cli_command *c = commands[i];
		int pad = (int)(width - strlen(c->name) - 1);

		fprintf(f, "  %s %-*s  %s\n", c->name, pad, c->args,
			c->summary);
		if (c->options_help)
			fprintf(f, "%s", c->options_help);
	}
	fputs("\nOptions (before or after the command; '--' ends them):\n"
	      "  -f, --file=PATH     load a JSON document, or every *.json of "
	      "a directory;\n"
	      "                      '-' reads standard input; repeatable\n"
	      "  -o, --output=FMT    text (default), json, csv (who, reach, "
	      "matrix)\n"
	      "                      or dot (matrix)\n"
	      "  -4, --ipv4          use IPv4 addresses (the default unless a "
	      "selector\n"
	      "                      is an IPv6 address or FLOW is icmpv6)\n"
	      "  -6, --ipv6          use IPv6 addresses\n"
	      "  -q, --quiet         do not print warnings about the input\n"
	      "  -h, --help          print this help and exit\n"
	      "      --version       print the version and exit\n"
	      "\nSRC and DST: an ENI id, an ECS task ARN or id, service:NAME "
	      "(or\nservice:CLUSTER/NAME), an IP address, a CIDR (0.0.0.0/0 is "
	      "the internet).\nFLOW: "
	      "tcp/443, udp/53, icmp/8/0, icmpv6/128/0, esp, gre, 50...\n"
	      "\nExit status: 0 allowed, 1 denied, 2 usage or input error, "
	      "3 unknown, 4 partial.\nSee sgreach(1).\n",
	      f);
}

static int usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("sgreach: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'sgreach --help' for more information.\n", stderr);
	return CLI_EXIT_USAGE;
}

static const struct cli_command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

static int unknown_command(const char *name)
{
	size_t i;

	fflush(stdout);
	fputs("sgreach: unknown command '", stderr);
	fputs(name, stderr);
	fputs("'; commands:", stderr);
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(stderr, " %s", commands[i]->name);
	fputs("\nTry 'sgreach --help' for more information.\n", stderr);
	return CLI_EXIT_USAGE;
}

/*
 * The long options getopt sees: the common ones, then every command's.
 * The command is not known until the permuted arguments are seen, so all
 * are accepted here and checked against the chosen command afterwards.
 */
static struct option *build_options(void)
{
	size_t i, n = N_COMMON;
	struct option *all, *o;

	for (i = 0; i < N_COMMANDS; i++)
		for (o = (struct option *)commands[i]->options; o && o->name;
		     o++)
			n++;
	all = calloc(n + 1, sizeof(*all));
	if (!all)
		return NULL;
	memcpy(all, common_options, sizeof(common_options));
	n = N_COMMON;
	for (i = 0; i < N_COMMANDS; i++)
		for (o = (struct option *)commands[i]->options; o && o->name;
		     o++)
			all[n++] = *o;
	return all;
}

static int parse_format(const char *arg, enum cli_format *out)
{
	if (strcmp(arg, "text") == 0)
		*out = CLI_FORMAT_TEXT;
	else if (strcmp(arg, "json") == 0)
		*out = CLI_FORMAT_JSON;
	else if (strcmp(arg, "dot") == 0)
		*out = CLI_FORMAT_DOT;
	else if (strcmp(arg, "csv") == 0)
		*out = CLI_FORMAT_CSV;
	else
		return -1;
	return 0;
}

static const char *format_name(enum cli_format f)
{
	return f == CLI_FORMAT_JSON  ? "json"
	       : f == CLI_FORMAT_DOT ? "dot"
	       : f == CLI_FORMAT_CSV ? "csv"
				     : "text";
}

/* Prints warnings first..count-1; returns count. */
static size_t print_warnings(const struct cli *cli, size_t first)
{
	size_t i, n = sgreach_model_warning_count(cli->model);

	if (!cli->quiet)
		for (i = first; i < n; i++)
			fprintf(stderr, "sgreach: warning: %s\n",
				sgreach_model_warning(cli->model, i));
	return n;
}

/* Loads every -f in order and finalizes.  Returns 0 or an exit code. */
static int load_model(struct cli *cli, char **files, size_t n_files)
{
	size_t i, warned = 0;
	int err;

	cli->model = sgreach_model_new();
	if (!cli->model)
		return cli_error("%s", sgreach_strerror(-ENOMEM));
	for (i = 0; i < n_files; i++) {
		const char *msg;

		err = sgreach_model_load_file(cli->model, files[i]);
		warned = print_warnings(cli, warned);
		if (err == 0)
			continue;
		msg = sgreach_model_error(cli->model);
		/* File errors may come without a message; name the file. */
		if (!msg || !*msg)
			return cli_error("%s: %s", files[i],
					 sgreach_strerror(err));
		if (strcmp(files[i], "-") != 0 && !strstr(msg, files[i]))
			return cli_error("%s: %s", files[i], msg);
		return cli_error("%s", msg);
	}
	err = sgreach_model_finalize(cli->model);
	print_warnings(cli, warned);
	if (err) {
		const char *msg = sgreach_model_error(cli->model);

		return cli_error("%s",
				 msg && *msg ? msg : sgreach_strerror(err));
	}
	return 0;
}

/* Makes sure everything written reached stdout; a full disk is an error. */
static int close_stdout(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "sgreach: write error: %s\n", strerror(errno));
		return CLI_EXIT_USAGE;
	}
	return rc;
}

struct command_arg {
	const char *name; /* long option name, as getopt matched it */
	const char *arg;
};

/* What main() frees whatever way sgreach_main() returns. */
struct args {
	struct option *longopts;
	char **files;		   /* -f PATH, in order */
	struct command_arg *cargs; /* commands' own options, in order */
};

static int sgreach_main(struct cli *cli, struct args *a, int argc, char **argv)
{
	const struct cli_command *cmd;
	struct option *longopts;
	char **files;
	struct command_arg *cargs;
	size_t n_files = 0, n_cargs = 0, i;
	int format_given = 0, help = 0, version = 0, rc, c, longindex;
	char **args;
	int nargs;

	longopts = a->longopts = build_options();
	files = a->files = calloc((size_t)argc + 1, sizeof(*files));
	cargs = a->cargs = calloc((size_t)argc + 1, sizeof(*cargs));
	if (!longopts || !files || !cargs)
		return cli_error("%s", sgreach_strerror(-ENOMEM));

	opterr = 0;
	for (;;) {
		longindex = -1;
		c = getopt_long(argc, argv, short_options, longopts,
				&longindex);
		if (c == -1)
			break;
		switch (c) {
		case 'f':
			files[n_files++] = optarg;
			break;
		case 'o':
			if (parse_format(optarg, &cli->format))
				return usage_error("unknown output format '%s' "
						   "(text, json, csv, dot)",
						   optarg);
			format_given = 1;
			break;
		case '4':
		case '6':
			if (cli->query_flags &&
			    cli->query_flags != (c == '4' ? SGREACH_QUERY_IPV4
							  : SGREACH_QUERY_IPV6))
				return usage_error("-4 and -6 exclude each "
						   "other");
			cli->query_flags =
			    c == '4' ? SGREACH_QUERY_IPV4 : SGREACH_QUERY_IPV6;
			break;
		case 'q':
			cli->quiet = 1;
			break;
		case 'h':
			help = 1;
			break;
		case OPT_VERSION:
			version = 1;
			break;
		case ':':
			if (optopt)
				return usage_error("option '-%c' needs an "
						   "argument",
						   optopt);
			return usage_error("option '%s' needs an argument",
					   argv[optind - 1]);
		case '?':
			if (optopt)
				return usage_error("unknown option '-%c'",
						   optopt);
			return usage_error("unknown option '%s'",
					   argv[optind - 1]);
		default:
			/* A command's own option: checked once it is known. */
			cargs[n_cargs].name = longopts[longindex].name;
			cargs[n_cargs].arg = optarg;
			n_cargs++;
		}
	}
	if (help) {
		usage(stdout);
		return 0;
	}
	if (version) {
		printf("sgreach %s\n", sgreach_version());
		return 0;
	}
	if (optind >= argc)
		return usage_error("no command given");
	cmd = find_command(argv[optind]);
	if (!cmd)
		return unknown_command(argv[optind]);
	args = argv + optind + 1;
	nargs = argc - optind - 1;
	if (nargs < cmd->min_args ||
	    (cmd->max_args >= 0 && nargs > cmd->max_args)) {
		if (cmd->max_args == 0)
			return usage_error("%s takes no arguments", cmd->name);
		if (cmd->min_args == cmd->max_args)
			return usage_error("%s takes %d argument%s: %s %s",
					   cmd->name, cmd->min_args,
					   cmd->min_args == 1 ? "" : "s",
					   cmd->name, cmd->args);
		return usage_error("wrong number of arguments: %s %s",
				   cmd->name, cmd->args);
	}
	if (!format_given)
		cli->format = cmd->formats & -cmd->formats; /* lowest bit */
	else if (!(cli->format & cmd->formats))
		return usage_error("%s does not write -o %s", cmd->name,
				   format_name(cli->format));
	for (i = 0; i < n_cargs; i++) {
		const struct option *o;

		for (o = cmd->options; o && o->name; o++)
			if (strcmp(o->name, cargs[i].name) == 0)
				break;
		if (!o || !o->name)
			return usage_error("option '--%s' is not an option of "
					   "%s",
					   cargs[i].name, cmd->name);
		rc = cmd->option(cli, o->val, cargs[i].arg);
		if (rc)
			return rc;
	}

	if (cmd->needs_model) {
		if (n_files == 0)
			return usage_error("no input: give -f PATH");
		for (i = 0; cmd->reads_stdin && i < n_files; i++)
			if (strcmp(files[i], "-") == 0)
				return usage_error("%s reads standard input: "
						   "-f - cannot read the model "
						   "from it too",
						   cmd->name);
		rc = load_model(cli, files, n_files);
		if (rc)
			return rc;
	}
	return cmd->run(cli, nargs, args);
}

int main(int argc, char **argv)
{
	struct cli cli = {0};
	struct args a = {0};
	int rc;

	rc = sgreach_main(&cli, &a, argc, argv);
	sgreach_model_free(cli.model);
	free(a.longopts);
	free(a.files);
	free(a.cargs);
	return close_stdout(rc);
}

/*
 * cli.h - what the commands of sgreach(1) share.
 *
 * main.c parses the options common to every command, loads the model and
 * calls one entry of the command table.  A new command is one more file
 * (src/cli/cmd_NAME.c, listed in sgreach_SOURCES) defining a
 * `const struct cli_command cmd_NAME`, plus one line in the table in main.c.
 * Commands use only the public API of <sgreach.h>.
 */
#ifndef SGREACH_CLI_H
#define SGREACH_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

#include "sgreach.h"

/* Exit codes of sgreach(1).  The verdict codes equal sgreach_result. */
enum {
	CLI_EXIT_ALLOWED = 0,
	CLI_EXIT_DENIED = 1,
	CLI_EXIT_USAGE = 2, /* usage or input error */
	CLI_EXIT_UNKNOWN = 3,
	CLI_EXIT_PARTIAL = 4,
};

/* Output formats, as bits so that a command can say which it supports. */
enum cli_format {
	CLI_FORMAT_TEXT = 1u << 0,
	CLI_FORMAT_JSON = 1u << 1,
	CLI_FORMAT_DOT = 1u << 2,
	CLI_FORMAT_CSV = 1u << 3,
};

/* State shared by main.c and the running command. */
struct cli {
	sgreach_model *model;	  /* finalized, or NULL for needs_model == 0 */
	enum cli_format format;	  /* -o, or the command's default */
	unsigned int query_flags; /* SGREACH_QUERY_IPV4 / _IPV6 from -4 / -6 */
	int quiet;		  /* -q: no warnings */
};

struct cli_command {
	const char *name;
	const char *args;    /* synopsis of the arguments: "SRC DST FLOW" */
	const char *summary; /* one line for --help */
	int min_args;
	int max_args; /* -1: no limit */
	/* CLI_FORMAT_* accepted by -o; the lowest bit is the default. */
	unsigned int formats;
	int needs_model; /* load -f files before run() */
	int reads_stdin; /* its input is stdin: -f - is an error */
	/*
	 * Options of this command only (long names, val >= CLI_OPT_COMMAND),
	 * terminated by a zeroed entry; NULL if none.  Their values reach
	 * option() after the command is known.  Each line of options_help
	 * is printed under the command in --help.
	 */
	const struct option *options;
	const char *options_help;
	int (*option)(struct cli *cli, int val, const char *arg);
	/* Returns the exit code. */
	int (*run)(struct cli *cli, int argc, char **argv);
};

/* Option values from here on belong to commands (main.c keeps the lower). */
#define CLI_OPT_COMMAND 0x1000

/* Prints "sgreach: MESSAGE" on stderr.  Returns CLI_EXIT_USAGE. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The output of an analysis, written to standard output as the library
 * makes it (sgreach_verdict_set_writer()) rather than gathered first: a
 * wildcard check, a matrix listing or a diff over a large estate runs to
 * gigabytes.  cli_output_start() sets it on ctx; cli_output_end() ends
 * the output with a newline if it has none, or, for an analysis that
 * failed (err), reports the error: once, by main(), when it is that
 * standard output could not be written.  Returns the exit status.
 */
struct cli_output {
	size_t written;
	char last; /* the last byte written */
};
void cli_output_start(struct cli_output *o, sgreach_verdict *ctx);
int cli_output_end(struct cli_output *o, sgreach_verdict *ctx, int err,
		   int status);

/* Writes s as the contents of a JSON string (no quotes) to f: escapes '"',
 * '\\' and control characters, replaces invalid UTF-8 with U+FFFD. */
void cli_json_escape(FILE *f, const char *s, size_t len);

extern const struct cli_command cmd_query;
extern const struct cli_command cmd_batch;
extern const struct cli_command cmd_ports;
extern const struct cli_command cmd_who;
extern const struct cli_command cmd_reach;
extern const struct cli_command cmd_matrix;
extern const struct cli_command cmd_exposure;
extern const struct cli_command cmd_lint;
extern const struct cli_command cmd_diff;
extern const struct cli_command cmd_check;

#endif /* SGREACH_CLI_H */

/*
 * cli.h: command tables and command-line parsing, free of any I/O but the
 * help text, so that it can be tested on its own.
 *
 * Every command is a Command value defined next to its handler (cmd_*.c)
 * and listed by address in a NULL-terminated table: the top-level table is
 * in main.c, a command with subcommands points at its own table. Adding a
 * command is adding a file and a row.
 */
#ifndef TRIAD_CLIENT_CLI_H
#define TRIAD_CLIENT_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Exit codes, for scripts; documented in `triad --help` and main.c. */
typedef enum TriadExit {
	TRIAD_EXIT_OK = 0,          /* success */
	TRIAD_EXIT_SERVER = 1,      /* the server answered with an error status */
	TRIAD_EXIT_USAGE = 2,       /* the command line is wrong */
	TRIAD_EXIT_UNREACHABLE = 3, /* cannot connect, timed out, connection lost */
	TRIAD_EXIT_AUTH = 4,        /* UNAUTHENTICATED or PERMISSION_DENIED */
} TriadExit;

/*
 * One option. Written --name (and -s when short_name is set); arg names the
 * value for options that take one ("N", "HOST:PORT") and is NULL for flags.
 * A value is given as --name VALUE, --name=VALUE, -s VALUE or -sVALUE.
 * Tables of options end with an entry whose name is NULL.
 */
typedef struct CliOption {
	const char *name;
	char short_name;
	const char *arg;
	const char *help;
} CliOption;

/* One option as found on the command line; value borrowed from argv. */
typedef struct CliMatch {
	const CliOption *option;
	const char *value; /* NULL for flags */
} CliMatch;

/*
 * The result of parsing one level of the command line. All strings are
 * borrowed from argv. Options are kept in command-line order, so a later
 * repetition wins when looked up.
 */
typedef struct CliArgs {
	CliMatch *matches;   /* owned array */
	size_t n_matches;
	const char **pos;    /* owned array of borrowed positional arguments */
	size_t n_pos;
	int consumed;        /* arguments read; with stop_at_command, up to and
	                        excluding the command name in pos[0] */
} CliArgs;

typedef struct Client Client;
typedef struct Command Command;

/*
 * Run a command. args holds its options (its own and the global ones) and
 * its positional arguments, whose number the dispatcher has already checked
 * against min_args..max_args. Returns the exit code.
 */
typedef int (*CommandHandler)(Client *c, const Command *cmd, const CliArgs *args);

/*
 * A command. A leaf has a handler; a group has subcommands (a NULL-terminated
 * table), and a handler only when it does something given no command. summary is one line without a full stop, shown in
 * command lists. usage is what follows the command's path in the usage
 * line, such as "[--db] [--count N]" (NULL: "COMMAND [ARGS]" for a group,
 * nothing for a leaf); a choice between required options is written in
 * parentheses, "(--cohort ID | --run ID)". description is text ending in a
 * newline, printed at the end of --help; it may be NULL. ctx is for
 * handlers that serve several commands, such as call_run() (call.h).
 */
struct Command {
	const char *name;
	const char *summary;
	const char *usage;
	const char *description;
	const CliOption *options;
	size_t min_args;
	size_t max_args;
	CommandHandler handler;
	const Command *const *subcommands;
	const void *ctx;
};

/* max_args for a command that takes any number of arguments. */
#define CLI_ARGS_ANY ((size_t)-1)

/*
 * Parse argv[0..argc-1] against the option tables in tables[0..ntables-1]
 * (each terminated by a NULL name). Options and positional arguments may be
 * mixed; "--" ends the options. With stop_at_command, parsing stops at the
 * first positional argument, which is left in pos[0] (used for a group,
 * whose first positional argument names the subcommand). On failure err
 * holds a precise message such as "unknown option '--cuont'. Did you mean
 * '--count'?" and out is left empty. Free out with cli_args_free().
 */
__attribute__((warn_unused_result))
bool cli_args_parse(CliArgs *out, int argc, char **argv, const CliOption *const *tables,
		    size_t ntables, bool stop_at_command, char *err, size_t errlen);

/* Free what cli_args_parse() allocated. Safe on a zeroed or freed CliArgs. */
void cli_args_free(CliArgs *args);

/* True when the option named name (its long name) was given. */
bool cli_args_has(const CliArgs *args, const char *name);

/* The value of the last occurrence of option name, or NULL. */
const char *cli_args_value(const CliArgs *args, const char *name);

/* The command called name in a NULL-terminated table, or NULL. */
const Command *cli_find(const Command *const *table, const char *name);

/*
 * The command in table whose name is closest to name by edit distance
 * (a swap of two neighbouring letters counts as one edit), if it is close
 * enough to be a likely typo; otherwise NULL.
 */
const Command *cli_suggest(const Command *const *table, const char *name);

/*
 * Edit distance between a and b: insertions, deletions, substitutions and
 * transpositions of adjacent characters, ignoring ASCII case. Strings
 * longer than 64 bytes are compared by their first 64 bytes.
 */
size_t cli_edit_distance(const char *a, const char *b);

/*
 * Whether a word typed at edit distance dist from candidate is likely a
 * typo of it: at most one edit for names of up to 3 letters, else two.
 */
bool cli_close_enough(const char *candidate, size_t dist);

/*
 * Parse s as a whole decimal number from min to max, with nothing else
 * around it.
 */
__attribute__((warn_unused_result))
bool cli_parse_ulong(const char *s, unsigned long min, unsigned long max,
		     unsigned long *out);

/*
 * Parse s as a number of seconds greater than 0 and at most one day, such
 * as "5" or "0.25", into milliseconds (at least 1).
 */
__attribute__((warn_unused_result))
bool cli_parse_seconds(const char *s, int *ms);

/*
 * Write the help for cmd, reached as path (such as "triad ping"), to out:
 * the usage line, summary, subcommands, options and description. When
 * globals is not NULL, one line names them and points at `triad --help`.
 */
void cli_print_help(FILE *out, const char *path, const Command *cmd, const CliOption *globals);

/*
 * The name of positional argument index (from 0) as cmd's usage line
 * spells it, such as "PERSON_ID" in "PERSON_ID --role ROLE [--org ID]":
 * the words that are neither in brackets or parentheses, nor options, nor
 * their values.
 * False when the usage line names no such argument.
 */
__attribute__((warn_unused_result))
bool cli_positional_name(const Command *cmd, size_t index, char *buf, size_t len);

/* Write "usage: PATH USAGE" for cmd to out. */
void cli_print_usage(FILE *out, const char *path, const Command *cmd);

#endif

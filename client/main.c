/*
 * main.c: triad, the command-line client of triadd.
 *
 * The program parses the command line, sends one kind of request and
 * prints the answer; every rule lives in the server. The top-level command
 * table is below; each command is defined in a cmd_*.c file (see
 * commands.h), and a new command is one more row here.
 *
 * Exit status, which scripts may rely on (TriadExit in cli.h):
 *   0  success
 *   1  the server answered with an error status
 *   2  usage error: the command line is wrong
 *   3  the service is unreachable: cannot connect, no answer in time, or
 *      the connection was lost or closed by the server
 *   4  authentication failed: UNAUTHENTICATED or PERMISSION_DENIED
 */
#include "client.h"
#include "commands.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const Command *const commands[] = {
	&cmd_ping,
	&cmd_version,
	&cmd_help,
	NULL,
};

static const Command root = {
	.name = "triad",
	.summary = "triad: talk to a triadd server from the command line",
	.usage = "[--addr HOST:PORT] [--token TOKEN] [--timeout SECONDS] [--json|--csv]\n"
		 "             COMMAND [ARGS]",
	.description =
		"Environment:\n"
		"  TRIAD_ADDR   server address, used when --addr is not given\n"
		"  TRIAD_TOKEN  API token, used when --token is not given; otherwise the\n"
		"               first line of ~/.config/triad/credentials is used, a file\n"
		"               that only its owner should be able to read\n"
		"\n"
		"Exit status:\n"
		"  0  success\n"
		"  1  the server answered with an error\n"
		"  2  usage error: the command line is wrong\n"
		"  3  the server cannot be reached, did not answer in time, or the\n"
		"     connection was lost\n"
		"  4  authentication failed: the token is missing, unknown or not allowed\n"
		"\n"
		"Run 'triad help COMMAND' or 'triad COMMAND --help' for more about a command.\n",
	.options = client_global_options,
	.subcommands = commands,
};

int
main(int argc, char **argv)
{
	Client *c = client_new(&root, stdout, stderr);
	int rc;

	if (c == NULL) {
		fputs("triad: out of memory\n", stderr);
		return TRIAD_EXIT_SERVER;
	}
	rc = client_run(c, argc, argv);
	client_free(c);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "triad: cannot write the output: %s\n", strerror(errno));
		if (rc == TRIAD_EXIT_OK)
			rc = TRIAD_EXIT_SERVER;
	}
	return rc;
}

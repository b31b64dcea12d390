/*
 * cmd_help.c: `triad help [COMMAND...]`, the same text as --help.
 */
#include "client.h"
#include "commands.h"

#include <string.h>

/*
 * Walk from the root along the words given, as client_run() would, and
 * print the help of the command reached. An unknown word is a usage error
 * with a suggestion, worded as if the user had run the command itself.
 */
static int
help_run(Client *c, const Command *cmd, const CliArgs *args)
{
	const Command *at = c->root;
	char path[sizeof c->path];

	snprintf(path, sizeof path, "%s", at->name);
	for (size_t i = 0; i < args->n_pos; i++) {
		const Command *next = cli_find(at->subcommands, args->pos[i]);
		size_t len = strlen(path);

		if (at->subcommands == NULL) {
			fprintf(c->err, "%s: '%s' has no subcommands\n", c->path, path);
			return TRIAD_EXIT_USAGE;
		}
		if (next == NULL)
			return client_unknown_command(c, path, at->subcommands, args->pos[i]);
		if ((size_t)snprintf(path + len, sizeof path - len, " %s", next->name) >=
		    sizeof path - len) {
			fprintf(c->err, "%s: command nested too deeply\n", c->path);
			return TRIAD_EXIT_USAGE;
		}
		at = next;
	}
	cli_print_help(c->out, path, at, at == c->root ? NULL : client_global_options);
	return TRIAD_EXIT_OK;
}

const Command cmd_help = {
	.name = "help",
	.summary = "Show help for triad or for a command",
	.usage = "[COMMAND...]",
	.description = "'triad help ping' shows the same text as 'triad ping --help'.\n",
	.max_args = CLI_ARGS_ANY,
	.handler = help_run,
};

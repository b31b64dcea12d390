/*
 * cmd_me.c: `triad me ...`, what the service holds about the caller.
 *
 * `triad me export` asks for everything the service holds about the
 * signed-in person, in every institution, as one JSON document
 * (ExportMyDataRequest in access.proto), and prints it: indented for
 * reading, or on one line with --json, or into a file only its owner may
 * read (--output).
 */
#include "client.h"
#include "commands.h"
#include "resource.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Write the JSON text doc to out without the white space between its
 * tokens, or, with indent, one member or element to a line, indented by
 * two spaces a level. Assumes doc is valid JSON (the server made it); its
 * strings are copied as they are.
 */
static void
json_reflow(FILE *out, const char *doc, bool indent)
{
	int depth = 0;
	bool in_string = false;

	for (const char *p = doc; *p != '\0'; p++) {
		char ch = *p;

		if (in_string) {
			putc(ch, out);
			if (ch == '\\' && p[1] != '\0')
				putc(*++p, out);
			else if (ch == '"')
				in_string = false;
			continue;
		}
		if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r')
			continue;
		if (ch == '"')
			in_string = true;
		if (!indent) {
			putc(ch, out);
			continue;
		}
		if (ch == '{' || ch == '[') {
			const char *next = p + 1 + strspn(p + 1, " \t\r\n");

			putc(ch, out);
			if (*next == (ch == '{' ? '}' : ']')) {
				putc(*next, out);
				p = next;
				continue;
			}
			fprintf(out, "\n%*s", 2 * ++depth, "");
		} else if (ch == '}' || ch == ']') {
			fprintf(out, "\n%*s%c", 2 * --depth, "", ch);
		} else if (ch == ',') {
			fprintf(out, ",\n%*s", 2 * depth, "");
		} else if (ch == ':') {
			fputs(": ", out);
		} else {
			putc(ch, out);
		}
	}
	putc('\n', out);
}

/*
 * Open path for the document: created or emptied, readable and writable
 * by its owner only, whatever it was before; never through a symbolic
 * link. NULL, with errno, when that fails.
 */
static FILE *
open_private(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	FILE *f;

	if (fd < 0)
		return NULL;
	if (fchmod(fd, 0600) != 0 || (f = fdopen(fd, "w")) == NULL) {
		int saved = errno;

		close(fd);
		errno = saved;
		return NULL;
	}
	return f;
}

static int
export_run(Client *c, const Command *cmd, const CliArgs *args)
{
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__ExportMyDataRequest body = TRIAD__V1__EXPORT_MY_DATA_REQUEST__INIT;
	Triad__V1__Response *resp;
	const char *path;
	FILE *out = c->out;
	TriadExit rc;

	(void)cmd;
	if ((rc = resource_option(c, args, "output", false, &path)) != TRIAD_EXIT_OK)
		return rc;
	req.body_case = TRIAD__V1__REQUEST__BODY_EXPORT_MY_DATA;
	req.export_my_data = &body;
	if ((rc = client_call_expect(c, &req, TRIAD__V1__RESPONSE__BODY_MY_DATA, &resp)) !=
	    TRIAD_EXIT_OK)
		return rc;
	if (path != NULL && (out = open_private(path)) == NULL) {
		rc = client_error(c, TRIAD_EXIT_SERVER, "INTERNAL", "--output", "cannot write %s: %s",
				  path, strerror(errno));
		rpc_response_free(resp);
		return rc;
	}
	json_reflow(out, resp->my_data->document, c->format != PRINT_JSON);
	if (path != NULL) {
		bool ok = fclose(out) == 0;

		if (!ok)
			rc = client_error(c, TRIAD_EXIT_SERVER, "INTERNAL", "--output",
					  "cannot write %s: %s", path, strerror(errno));
		else if (c->format == PRINT_TEXT)
			fprintf(c->out, "Your data is in %s, which only you can read.\n", path);
	}
	rpc_response_free(resp);
	return rc;
}

static const CliOption export_options[] = {
	{"output", 'o', "FILE", "write it to FILE (readable only by you) instead"},
	{NULL, 0, NULL, NULL},
};

static const Command me_export = {
	.name = "export",
	.summary = "Everything the service holds about you, as one JSON document",
	.usage = "[--output FILE]",
	.description =
		"Asks for what every institution you are known to holds about you: your\n"
		"person and sign-in, your tokens (never their secrets), roles, invites,\n"
		"enrollments with attendance, consents, coaches, feedback requests and\n"
		"feedback, prior learning claims, exemptions, whom you coach and what you\n"
		"wrote, communities, practice questions, events, boards, ambassadorships,\n"
		"and the audit rows about you or by you. It is printed indented, or on\n"
		"one line with --json; --output writes it to a file that only you may\n"
		"read. A partner system has no data of its own to export.\n",
	.options = export_options,
	.handler = export_run,
};

static const Command *const me_commands[] = {
	&me_export,
	NULL,
};

const Command cmd_me = {
	.name = "me",
	.summary = "Your roles, enrollments, coaches, coachees, consents and open requests",
	.usage = "[export [--output FILE]]",
	.description =
		"Everything the service holds about you that you work with, in every\n"
		"institution at once: where you have which role; the enrollments you follow\n"
		"(not completed or withdrawn); your coaches and the participants you coach;\n"
		"the consents you gave employers; and the requests for feedback that you\n"
		"sent and that wait for you. --json prints all of it.\n"
		"\n"
		"The commands that act on your own enrollment (progress, consent set,\n"
		"relation propose, feedback ask) use it without being told which when you\n"
		"have just one; with several, name it by programme code or cohort name.\n"
		"\n"
		"'triad me export' gives everything the service holds about you.\n",
	.handler = me_summary_run,
	.subcommands = me_commands,
};

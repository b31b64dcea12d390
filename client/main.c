/*
 * main.c: triad, the command-line client of triadd.
 *
 * The program parses the command line, sends one kind of request (login
 * and the update commands send two) and prints the answer; every rule
 * lives in the server. The top-level command table is below; each command
 * is defined in a cmd_*.c file (see commands.h), and a new command is one
 * more row here.
 *
 * Exit status, which scripts may rely on (TriadExit in cli.h; the rule is
 * client_exit_code()'s in client.h):
 *   0  success
 *   1  the server refused for the state of things (NOT_FOUND, ...)
 *   2  usage error: the command line is wrong, or the server found a field
 *      invalid (INVALID_ARGUMENT)
 *   3  the service is unreachable or cannot serve for now: cannot connect,
 *      no answer in time, the connection was lost or closed by the server,
 *      UNAVAILABLE, DEADLINE_EXCEEDED
 *   4  authentication failed: UNAUTHENTICATED or PERMISSION_DENIED
 */
#include "client.h"
#include "commands.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const Command *const commands[] = {
	&cmd_login,
	&cmd_logout,
	&cmd_whoami,
	&cmd_me,
	&cmd_institution,
	&cmd_person,
	&cmd_org,
	&cmd_grant,
	&cmd_token,
	&cmd_invite,
	&cmd_audit,
	&cmd_notification,
	&cmd_programme,
	&cmd_line,
	&cmd_outcome,
	&cmd_module,
	&cmd_cohort,
	&cmd_run,
	&cmd_enroll,
	&cmd_enrollment,
	&cmd_waitlist,
	&cmd_attendance,
	&cmd_prior_learning,
	&cmd_progress,
	&cmd_coachees,
	&cmd_feedback,
	&cmd_relation,
	&cmd_partner,
	&cmd_agreement,
	&cmd_consent,
	&cmd_employer,
	&cmd_judgement,
	&cmd_journey,
	&cmd_conversation,
	&cmd_logbook,
	&cmd_timeline,
	&cmd_community,
	&cmd_question,
	&cmd_event,
	&cmd_alumni,
	&cmd_ambassador,
	&cmd_board,
	&cmd_events,
	&cmd_webhook,
	&cmd_internship,
	&cmd_document,
	&cmd_intervision,
	&cmd_report,
	&cmd_certificate,
	&cmd_assignment,
	&cmd_submission,
	&cmd_assessment,
	&cmd_completion,
	&cmd_transcript,
	&cmd_ping,
	&cmd_version,
	&cmd_help,
	NULL,
};

static const Command root = {
	.name = "triad",
	.summary = "triad: talk to a triadd server from the command line",
	.usage = "[--addr HOST:PORT] [--token TOKEN] [--institution ID|SLUG] "
		 "[--timeout SECONDS] [--ca FILE] [--cert FILE --key FILE] [--insecure|--plain] [--json|--csv] [--wide] [--utc] COMMAND [ARGS]",
	.description =
		"Getting started:\n"
		"  triad login --invite CODE   sign in with the code from your invitation\n"
		"  triad login --email ADDRESS sign in again, with a code sent by e-mail\n"
		"  triad login                 sign in with an API token\n"
		"  triad whoami                who you are and what you may do\n"
		"\n"
		"Participants:\n"
		"  triad me                    your enrollments, coaches, consents, requests\n"
		"  triad progress              how far you are (your enrollment by default)\n"
		"  triad feedback ask --question TEXT   ask your coach for feedback\n"
		"  triad consent set ORG LEVEL what an employer may see of your progress\n"
		"\n"
		"Coaches:\n"
		"  triad coachees              the participants you coach\n"
		"  triad feedback requests     what they asked you for feedback on\n"
		"  triad feedback give EMAIL   write feedback for one of them\n"
		"\n"
		"Employers:\n"
		"  triad employer view         your participants, as far as they consent\n"
		"  triad consent list          who consented, at which level\n"
		"\n"
		"Events:\n"
		"  triad event list            the events you may go to\n"
		"  triad event register ID     register; says whether you have a place\n"
		"\n"
		"Names: wherever a command takes an id it also takes the name people use:\n"
		"a programme's or module's code, a cohort's name, a person's e-mail, an\n"
		"organisation's name or registry number, an institution's slug in any case.\n"
		"\n"
		"Environment:\n"
		"  TRIAD_ADDR         server address, used when --addr is not given\n"
		"  TRIAD_CA           CA certificates for the server's, used when --ca is not\n"
		"                     given; otherwise the system's CAs\n"
		"  TRIAD_PLAIN        1: plain TCP, as --plain (a loopback server with tls = off)\n"
		"  TRIAD_CERT, TRIAD_KEY  a client certificate and its key, used when --cert\n"
		"                     and --key are not given (a machine bound to its certificate)\n"
		"  TRIAD_TOKEN        API token, used when --token is not given; otherwise\n"
		"                     the token stored by 'triad login' is used, from\n"
		"                     $XDG_CONFIG_HOME/triad/credentials or\n"
		"                     ~/.config/triad/credentials, a file that only its\n"
		"                     owner may be able to read\n"
		"  TRIAD_INSTITUTION  the institution to act in, used when --institution is\n"
		"                     not given; may be left out by those whose roles are\n"
		"                     all in one institution\n"
		"  TZ                 the time zone times are read and shown in (--utc: UTC)\n"
		"\n"
		"Exit status:\n"
		"  0  success\n"
		"  1  the server refused: not found, already exists, not allowed now\n"
		"  2  usage error: the command line is wrong, or the server found a field\n"
		"     of the request invalid (INVALID_ARGUMENT)\n"
		"  3  the server cannot be reached, did not answer in time, lost the\n"
		"     connection, or cannot serve for now (UNAVAILABLE): try again later\n"
		"  4  authentication failed: the token is missing, unknown or not allowed\n"
		"\n"
		"With --json, an error is one JSON object on stderr:\n"
		"  {\"code\":\"INVALID_ARGUMENT\",\"message\":\"...\",\"field\":\"...\"}\n"
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

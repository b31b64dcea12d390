/*
 * cmd_enrollment.c: cohorts, module runs, enrollment, the waitlist,
 * attendance, prior learning and progress (proto/triad/v1/enrollment.proto).
 * Every command is a Call (call.h); what options cannot say is below:
 * evidence from a file, and how enrollment and progress read.
 */
#include "call.h"
#include "commands.h"
#include "resource.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define END_OPTIONS {NULL, 0, NULL, NULL}
#define RQ(x) TRIAD__V1__REQUEST__BODY_##x
#define RS(x) TRIAD__V1__RESPONSE__BODY_##x

/* The most evidence read from a file or standard input. */
#define EVIDENCE_MAX (256 * 1024)

#define STATUS_WORDS "applied, intake-planned, admitted, active, completed or withdrawn"

/* ---- cohorts -------------------------------------------------------------- */

static const CliOption cohort_create_options[] = {
	{"programme", 0, "CODE", "the programme, by its code"},
	{"name", 0, "NAME", "unique in the programme, such as 'Metropool 24'"},
	{"starts", 0, "YYYY-MM-DD", "the first day"},
	{"ends", 0, "YYYY-MM-DD", "the last day"},
	END_OPTIONS,
};

static const Call cohort_create_call = {
	.request = RQ(CREATE_COHORT),
	.reply = RS(COHORT),
	.object = "cohort",
	.required = "programme name starts ends",
};

static const Command cohort_create = {
	.name = "create",
	.summary = "Start a cohort of a programme",
	.usage = "--programme CODE --name NAME --starts YYYY-MM-DD --ends YYYY-MM-DD",
	.description = "A cohort is the learning community of the participants who follow the\n"
		       "programme together. Its modules are given to it as runs ('triad run').\n",
	.options = cohort_create_options,
	.handler = call_run,
	.ctx = &cohort_create_call,
};

CALL_SHOW(cohort_show, "cohort", RQ(GET_COHORT), RS(COHORT));

static const CliOption cohort_list_options[] = {
	{"programme", 0, "CODE", "only the cohorts of this programme"},
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const Call cohort_list_call = {
	.request = RQ(LIST_COHORTS),
	.reply = RS(COHORTS),
	.items = "cohorts",
	.columns = "id name programme_id starts_on ends_on",
};

static const Command cohort_list = {
	.name = "list",
	.summary = "List cohorts",
	.usage = "[--programme CODE] " LIST_PAGING_USAGE,
	.options = cohort_list_options,
	.handler = call_run,
	.ctx = &cohort_list_call,
};

static const Command *const cohort_commands[] = {
	&cohort_create, &cohort_show, &cohort_list, NULL,
};

const Command cmd_cohort = {
	.name = "cohort",
	.summary = "Start and look up the cohorts of a programme",
	.subcommands = cohort_commands,
};

/* ---- module runs, their sessions and sub-groups --------------------------- */

static const CliOption run_create_options[] = {
	{"module", 0, "CODE", "the module that is given, by its code"},
	{"cohort", 0, "NAME", "the cohort whose group follows it, by its name"},
	{"capacity", 0, "N", "the most members of the group (default 25)"},
	{"starts", 0, "YYYY-MM-DD", "the first day"},
	{"ends", 0, "YYYY-MM-DD", "the last day"},
	END_OPTIONS,
};

static const Call run_create_call = {
	.request = RQ(CREATE_RUN),
	.reply = RS(RUN),
	.object = "run",
	.required = "module cohort",
};

static const Command run_create = {
	.name = "create",
	.summary = "Give a module to the group of a cohort",
	.usage = "--module CODE --cohort NAME [--capacity N] [--starts YYYY-MM-DD] "
		 "[--ends YYYY-MM-DD]",
	.description =
		"The group holds the cohort's participants and the standalone participants\n"
		"of the run. It never has more members than its capacity, and standalone\n"
		"members stay below the programme's share; who does not fit is waitlisted.\n",
	.options = run_create_options,
	.handler = call_run,
	.ctx = &run_create_call,
};

CALL_SHOW(run_show, "run with its members, waitlist and warnings", RQ(GET_RUN), RS(RUN));

static const CliOption run_list_options[] = {
	{"cohort", 0, "NAME", "only the runs of this cohort"},
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const Call run_list_call = {
	.request = RQ(LIST_RUNS),
	.reply = RS(RUNS),
	.items = "runs",
	.columns = "id module_code cohort_id capacity members standalone waitlisted warning",
};

static const Command run_list = {
	.name = "list",
	.summary = "List module runs",
	.usage = "[--cohort NAME] " LIST_PAGING_USAGE,
	.options = run_list_options,
	.handler = call_run,
	.ctx = &run_list_call,
};

static const CliOption session_add_options[] = {
	{"at", 0, "WHEN", "day and local time it starts, such as '2026-09-14 09:30'"},
	{"history", 0, NULL, "record a session that was held: --at may be in the past"},
	{"title", 0, "TITLE", "what it is about"},
	END_OPTIONS,
};

static const Call session_add_call = {
	.request = RQ(CREATE_SESSION),
	.reply = RS(SESSION),
	.object = "session",
	.args = "run_id",
	.fields = "at=starts_at history=record_history",
	.required = "at",
};

static const Command session_add = {
	.name = "add",
	.summary = "Add a session to a run",
	.usage = "RUN --at WHEN [--history] [--title TITLE]",
	.description =
		"--at is a day and a time in your time zone (TZ; UTC with --utc), such as\n"
		"'2026-09-14 09:30', or a full RFC 3339 time. It is now or later, unless\n"
		"--history records a session that was held (to record attendance).\n",
	.options = session_add_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &session_add_call,
};

static const Command *const session_commands[] = {&session_add, NULL};

static const Command run_session = {
	.name = "session",
	.summary = "Add sessions to a run",
	.subcommands = session_commands,
};

static const CliOption paging_options[] = {
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const Call run_sessions_call = {
	.request = RQ(LIST_SESSIONS),
	.reply = RS(SESSIONS),
	.args = "run_id",
	.items = "sessions",
	.columns = "id starts_at title",
};

static const Command run_sessions = {
	.name = "sessions",
	.summary = "List the sessions of a run",
	.usage = "RUN " LIST_PAGING_USAGE,
	.options = paging_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &run_sessions_call,
};

static const CliOption subgroup_add_options[] = {
	{"name", 0, "NAME", "the sub-group's name"},
	{"purpose", 0, "PURPOSE", "assignments or intervision"},
	END_OPTIONS,
};

static const Call subgroup_add_call = {
	.request = RQ(CREATE_SUBGROUP),
	.reply = RS(SUBGROUP),
	.object = "subgroup",
	.args = "run_id",
	.required = "name purpose",
};

static const Command subgroup_add = {
	.name = "add",
	.summary = "Add a sub-group to a run",
	.usage = "RUN --name NAME --purpose PURPOSE",
	.description = "A sub-group prepares assignments together or meets for intervision.\n",
	.options = subgroup_add_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &subgroup_add_call,
};

static const Call subgroup_member_call = {
	.request = RQ(ADD_SUBGROUP_MEMBER),
	.reply = RS(SUBGROUP),
	.args = "subgroup_id enrollment_id",
};

static const Command subgroup_member = {
	.name = "member",
	.summary = "Put a placed enrollment of the run in a sub-group",
	.usage = "SUBGROUP_ID ENROLLMENT",
	.min_args = 2,
	.max_args = 2,
	.handler = call_run,
	.ctx = &subgroup_member_call,
};

static const Command *const subgroup_commands[] = {&subgroup_add, &subgroup_member, NULL};

static const Command run_subgroup = {
	.name = "subgroup",
	.summary = "Add sub-groups to a run and members to them",
	.subcommands = subgroup_commands,
};

static const Call run_subgroups_call = {
	.request = RQ(LIST_SUBGROUPS),
	.reply = RS(SUBGROUPS),
	.args = "run_id",
	.items = "sub-groups",
	.columns = "id name purpose enrollment_ids",
};

static const Command run_subgroups = {
	.name = "subgroups",
	.summary = "List the sub-groups of a run",
	.usage = "RUN " LIST_PAGING_USAGE,
	.options = paging_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &run_subgroups_call,
};

static const Command *const run_commands[] = {
	&run_create,   &run_show,     &run_list,      &run_session,
	&run_sessions, &run_subgroup, &run_subgroups, NULL,
};

const Command cmd_run = {
	.name = "run",
	.summary = "Give modules to groups, with sessions and sub-groups",
	.subcommands = run_commands,
};

/* ---- enrollment ----------------------------------------------------------- */

/* "Enrolled Ada Lovelace (enrollment e-1): waitlisted at position 2." */
static TriadExit
enrolled_print(Client *c, const ProtobufCMessage *answer)
{
	const Triad__V1__Enrollment *e = (const Triad__V1__Enrollment *)answer;

	if (c->format != PRINT_TEXT)
		return call_print_record(c, answer);
	fputs("Enrolled ", c->out);
	print_sanitized(c->out, e->person_name[0] != '\0' ? e->person_name : e->person_id);
	fputs(" (enrollment ", c->out);
	print_sanitized(c->out, e->id);
	fputs("): ", c->out);
	if (e->placement == TRIAD__V1__PLACEMENT__PLACEMENT_WAITLISTED)
		fprintf(c->out, "waitlisted at position %d.\n", (int)e->waitlist_position);
	else if (e->placement == TRIAD__V1__PLACEMENT__PLACEMENT_PLACED)
		fputs("placed.\n", c->out);
	else
		fputs("not placed yet.\n", c->out);
	return TRIAD_EXIT_OK;
}

static const CliOption enroll_options[] = {
	{"cohort", 0, "NAME", "for the whole programme, with this cohort"},
	{"run", 0, "RUN", "for this module run only, as a standalone participant"},
	{"employer", 0, "ORG", "the organisation the person works for: name or registry "
				  "number"},
	{"hours-per-week", 0, "N", "hours a week the employer grants for study"},
	{"change-assignment", 0, "TEXT", "the change assignment the employer gives"},
	END_OPTIONS,
};

static const Call enroll_call = {
	.request = RQ(ENROLL),
	.reply = RS(ENROLLMENT),
	.args = "person_id",
	.one_of = "cohort run",
	.print = enrolled_print,
};

const Command cmd_enroll = {
	.name = "enroll",
	.summary = "Enroll a person for a programme or a single module run",
	.usage = "EMAIL (--cohort NAME | --run RUN) [--employer ORG] [--hours-per-week N] "
		 "[--change-assignment TEXT]",
	.description =
		"EMAIL is the person's e-mail address; RUN is a module run, named by cohort\n"
		"and module: 'Metropool 24/M1'.\n"
		"\n"
		"Says whether the person was placed or waitlisted. A full group, or one\n"
		"where standalone participants would no longer be a minority, puts the\n"
		"enrollment on the waitlist, in order of arrival; it moves up by itself\n"
		"when a place frees up.\n",
	.options = enroll_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &enroll_call,
};

#define ENROLLMENT_COLUMNS "id person_name track status placement waitlist_position blocked_reason"

static const Call enrollment_show_call = {
	.request = RQ(GET_ENROLLMENT),
	.reply = RS(ENROLLMENT),
	.args = "id",
};

static const Command enrollment_show = {
	.name = "show",
	.summary = "Show one enrollment",
	.usage = "[ENROLLMENT]",
	.description = "A participant's own without ENROLLMENT when she has one. Staff name it\n"
		       "by the participant's e-mail address (with the programme's code where\n"
		       "needed: anna@example.org/MPM) or its id.\n",
	.max_args = 1,
	.handler = call_run,
	.ctx = &enrollment_show_call,
};

static const CliOption enrollment_list_options[] = {
	{"cohort", 0, "NAME", "only the enrollments of this cohort"},
	{"run", 0, "RUN", "only the standalone enrollments of this run"},
	{"person", 0, "EMAIL", "only this person's"},
	{"status", 0, "STATUS", "only those in this status (see below)"},
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const Call enrollment_list_call = {
	.request = RQ(LIST_ENROLLMENTS),
	.reply = RS(ENROLLMENTS),
	.items = "enrollments",
	.columns = ENROLLMENT_COLUMNS,
};

static const Command enrollment_list = {
	.name = "list",
	.summary = "List enrollments",
	.usage = "[--cohort NAME] [--run RUN] [--person EMAIL] [--status STATUS] " LIST_PAGING_USAGE,
	.description = "Filters combine. Statuses: " STATUS_WORDS ".\n",
	.options = enrollment_list_options,
	.handler = call_run,
	.ctx = &enrollment_list_call,
};

static const Call enrollment_move_call = {
	.request = RQ(TRANSITION_ENROLLMENT),
	.reply = RS(ENROLLMENT),
	.args = "id status",
};

static const Command enrollment_move = {
	.name = "move",
	.summary = "Move an enrollment to another status",
	.usage = "ID STATUS",
	.description =
		"STATUS is " STATUS_WORDS ".\n"
		"An enrollment goes applied, intake-planned, admitted, active, completed, and\n"
		"may be withdrawn before it is completed. Admission needs a place; a\n"
		"withdrawal frees the place for the first on the waitlist.\n"
		"Completing needs every completion rule of the programme met, or an\n"
		"exemption (triad certificate check names the unmet ones), and issues the\n"
		"participant's certificate in the same request when the server can sign;\n"
		"the line after the enrollment says which certificate, or why none.\n",
	.min_args = 2,
	.max_args = 2,
	.handler = call_run,
	.ctx = &enrollment_move_call,
};

static const CliOption reason_options[] = {
	{"reason", 0, "TEXT", "why; kept in the audit trail"},
	END_OPTIONS,
};

static const Call enrollment_exempt_call = {
	.request = RQ(RECORD_EXEMPTION),
	.reply = RS(EXEMPTION),
	.args = "person_id module_id",
	.required = "reason",
};

static const Command enrollment_exempt = {
	.name = "exempt",
	.summary = "Let a person take a flexible module without the core or prerequisites",
	.usage = "EMAIL MODULE --reason TEXT",
	.options = reason_options,
	.min_args = 2,
	.max_args = 2,
	.handler = call_run,
	.ctx = &enrollment_exempt_call,
};

static const CliOption resolve_options[] = {
	{"resolution", 0, "TEXT", "how it was resolved, such as 'module 1 repeated'"},
	END_OPTIONS,
};

static const Call enrollment_resolve_call = {
	.request = RQ(RESOLVE_BLOCK),
	.reply = RS(ENROLLMENT),
	.args = "enrollment_id",
	.required = "resolution",
};

static const Command enrollment_resolve = {
	.name = "resolve",
	.summary = "Lift the block of a missed cannot-be-missed session",
	.usage = "ENROLLMENT --resolution TEXT",
	.options = resolve_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &enrollment_resolve_call,
};

static const Call enrollment_complete_call = {
	.request = RQ(COMPLETE_MODULE),
	.reply = RS(MODULE_COMPLETION),
	.args = "enrollment_id module_id",
};

static const Command enrollment_complete = {
	.name = "complete",
	.summary = "Record that an enrollment completed a module",
	.usage = "ENROLLMENT MODULE",
	.min_args = 2,
	.max_args = 2,
	.handler = call_run,
	.ctx = &enrollment_complete_call,
};

static const Command *const enrollment_commands[] = {
	&enrollment_show,    &enrollment_list,     &enrollment_move, &enrollment_exempt,
	&enrollment_resolve, &enrollment_complete, NULL,
};

const Command cmd_enrollment = {
	.name = "enrollment",
	.summary = "Look up and move enrollments; exemptions, blocks, completed modules",
	.subcommands = enrollment_commands,
};

static const CliOption waitlist_options[] = {
	{"cohort", 0, "NAME", "the waitlist of a cohort (programme enrollments)"},
	{"run", 0, "RUN", "the waitlist of a run (standalone enrollments)"},
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const Call waitlist_call = {
	.request = RQ(LIST_WAITLIST),
	.reply = RS(WAITLIST),
	.one_of = "cohort run",
	.items = "waitlisted enrollments",
	.columns = "waitlist_position person_name id track created_at",
};

const Command cmd_waitlist = {
	.name = "waitlist",
	.summary = "Show who waits for a place, in order",
	.usage = "(--cohort NAME | --run RUN)" " " LIST_PAGING_USAGE,
	.options = waitlist_options,
	.handler = call_run,
	.ctx = &waitlist_call,
};

/* ---- attendance ----------------------------------------------------------- */

static const Call attendance_record_call = {
	.request = RQ(RECORD_ATTENDANCE),
	.reply = RS(ATTENDANCE_RECORD),
	.args = "session_id enrollment_id status",
};

static const Command attendance_record = {
	.name = "record",
	.summary = "Record whether an enrollment attended a session",
	.usage = "SESSION_ID ENROLLMENT STATUS",
	.description =
		"STATUS is present, absent or excused; recording again replaces it.\n"
		"Missing a session of a cannot-be-missed module blocks the enrollment\n"
		"until staff resolve it ('triad enrollment resolve').\n",
	.min_args = 3,
	.max_args = 3,
	.handler = call_run,
	.ctx = &attendance_record_call,
};

static const CliOption attendance_list_options[] = {
	{"session", 0, "ID", "who attended this session"},
	{"enrollment", 0, "ENROLLMENT", "which sessions this enrollment attended"},
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const Call attendance_list_call = {
	.request = RQ(LIST_ATTENDANCE),
	.reply = RS(ATTENDANCE),
	.one_of = "session enrollment",
	.items = "attendance records",
	.columns = "session_starts_at module_code person_name enrollment_id status",
};

static const Command attendance_list = {
	.name = "list",
	.summary = "List attendance by session or by enrollment",
	.usage = "(--session ID | --enrollment ENROLLMENT) " LIST_PAGING_USAGE,
	.options = attendance_list_options,
	.handler = call_run,
	.ctx = &attendance_list_call,
};

static const Command *const attendance_commands[] = {
	&attendance_record, &attendance_list, NULL,
};

const Command cmd_attendance = {
	.name = "attendance",
	.summary = "Record and look up attendance at sessions",
	.subcommands = attendance_commands,
};

/* ---- prior learning -------------------------------------------------------- */

/*
 * The evidence of a claim: --evidence, else the file --evidence-file names
 * ("-" for standard input), else standard input.
 */
static TriadExit
claim_prepare(Client *c, const CliArgs *args, ProtobufCMessage *target)
{
	const char *path = cli_args_value(args, "evidence-file");
	bool from_file = path != NULL && strcmp(path, "-") != 0;
	FILE *in = c->in;
	char *buf;
	size_t n;
	TriadExit rc = TRIAD_EXIT_OK;

	if (path != NULL && cli_args_has(args, "evidence"))
		return client_usage_error(c, "--evidence and --evidence-file cannot be used "
					     "together");
	if (cli_args_has(args, "evidence"))
		return TRIAD_EXIT_OK;
	if (path != NULL && path[0] == '\0')
		return client_usage_error(c, "--evidence-file must not be empty");
	if (from_file && (in = fopen(path, "r")) == NULL)
		return client_usage_error(c, "cannot read %s: %s", path, strerror(errno));
	if (!from_file && isatty(fileno(in)))
		fputs("Type the evidence, then Ctrl-D on a line of its own:\n", c->prompt);
	if ((buf = malloc(EVIDENCE_MAX + 1)) == NULL) {
		if (from_file)
			fclose(in);
		return client_out_of_memory(c);
	}
	n = fread(buf, 1, EVIDENCE_MAX + 1, in);
	buf[n > EVIDENCE_MAX ? EVIDENCE_MAX : n] = '\0';
	if (ferror(in))
		rc = client_usage_error(c, "cannot read %s: %s", from_file ? path : "standard input",
					strerror(errno));
	else if (n > EVIDENCE_MAX)
		rc = client_usage_error(c, "the evidence is longer than %d KiB",
					EVIDENCE_MAX / 1024);
	else if (buf[strspn(buf, " \t\r\n")] == '\0')
		rc = client_usage_error(c, "the evidence is empty: give it with --evidence, "
					   "--evidence-file or on standard input");
	else if (!fields_set_named(target, "evidence", buf))
		rc = client_out_of_memory(c);
	if (from_file)
		fclose(in);
	free(buf);
	return rc;
}

static const CliOption claim_options[] = {
	{"evidence", 0, "TEXT", "what shows that you master the outcome"},
	{"evidence-file", 0, "PATH", "read the evidence from this file ('-': standard input)"},
	END_OPTIONS,
};

static const Call claim_call = {
	.request = RQ(CLAIM_PRIOR_LEARNING),
	.reply = RS(CLAIM),
	.args = "outcome_id",
	.fields = "evidence-file=",
	.prepare = claim_prepare,
};

static const Command prior_claim = {
	.name = "claim",
	.summary = "Claim a learning outcome from what you learned before",
	.usage = "OUTCOME [--evidence TEXT | --evidence-file PATH]",
	.description = "OUTCOME is the learning outcome's code, in your programme (with the\n"
		       "programme's code where you follow several: MPM/LO1).\n"
		       "Without --evidence or --evidence-file the evidence is read from\n"
		       "standard input. An assessor validates or rejects the claim; validated\n"
		       "outcomes count as earned credits.\n",
	.options = claim_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &claim_call,
};

static const CliOption decide_options[] = {
	{"validate", 0, NULL, "the claim holds: its credits count"},
	{"reject", 0, NULL, "the claim does not hold"},
	{"reason", 0, "TEXT", "why; the claimant sees it"},
	END_OPTIONS,
};

static const Call decide_call = {
	.request = RQ(DECIDE_CLAIM),
	.reply = RS(CLAIM),
	.args = "id",
	.fields = "reject=",
	.required = "reason",
	.one_of = "validate reject",
};

static const Command prior_decide = {
	.name = "decide",
	.summary = "Validate or reject a claim (assessors)",
	.usage = "CLAIM_ID (--validate | --reject) --reason TEXT",
	.options = decide_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &decide_call,
};

static const CliOption claims_list_options[] = {
	{"person", 0, "EMAIL", "only this person's claims"},
	{"status", 0, "STATUS", "claimed, validated or rejected"},
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const Call claims_list_call = {
	.request = RQ(LIST_CLAIMS),
	.reply = RS(CLAIMS),
	.items = "claims",
	.columns = "id person_name outcome_code credits status created_at",
};

static const Command prior_list = {
	.name = "list",
	.summary = "List claims: participants their own, staff all of the institution's",
	.usage = "[--person EMAIL] [--status STATUS] " LIST_PAGING_USAGE,
	.options = claims_list_options,
	.handler = call_run,
	.ctx = &claims_list_call,
};

static const Command *const prior_commands[] = {&prior_claim, &prior_decide, &prior_list, NULL};

const Command cmd_prior_learning = {
	.name = "prior-learning",
	.summary = "Claim and assess learning outcomes from prior learning",
	.subcommands = prior_commands,
};

/* ---- progress ------------------------------------------------------------- */

static TriadExit
progress_prepare(Client *c, const CliArgs *args, ProtobufCMessage *target)
{
	if (c->format == PRINT_CSV)
		return client_usage_error(c, "progress has nested lists and no CSV form; use "
					     "--json");
	return TRIAD_EXIT_OK;
}

/* What covered an outcome, in words. */
static const char *
covered_by(const char *how)
{
	if (how[0] == '\0')
		return "not yet";
	if (strcmp(how, "validation") == 0)
		return "prior learning";
	if (strcmp(how, "module") == 0)
		return "a module";
	return how;
}

/* The header of the report: who, what, how far. */
static bool
progress_header(Client *c, const Triad__V1__Progress *p)
{
	static const char *const labels[] = {"person", "programme", "status", "credits",
					     "projected end", "blocked", "enrollment"};
	const char *cells[7], *shown[7], *status = names_label(
		names_of(&triad__v1__enrollment_status__descriptor), p->status);
	char credits[128];
	size_t n = 0;

	snprintf(credits, sizeof credits, "%.15g earned, %.15g validated, %.15g required",
		 p->credits_earned, p->credits_validated, p->credits_required);
	cells[0] = p->person_name;
	cells[1] = p->programme_code;
	cells[2] = status != NULL ? status : "";
	cells[3] = credits;
	cells[4] = p->projected_end;
	cells[5] = p->blocked_reason;
	cells[6] = p->enrollment_id;
	for (size_t i = 0; i < 7; i++)
		if (cells[i][0] != '\0') {
			shown[n] = labels[i];
			cells[n++] = cells[i];
		}
	return resource_print_record(c, n, shown, cells) == TRIAD_EXIT_OK;
}

/* Print t under a title, or say that there is nothing. */
static bool
progress_table(Client *c, const char *title, Table *t)
{
	fprintf(c->out, "\n%s:\n", title);
	if (table_rows(t) == 0) {
		fputs("  none\n", c->out);
		return true;
	}
	return table_print(t, PRINT_TEXT, c->out);
}

static TriadExit
progress_print(Client *c, const ProtobufCMessage *answer)
{
	static const char *const module_headers[] = {"code",  "name",     "kind",  "credits",
						     "state", "attended", "missed"};
	static const char *const outcome_headers[] = {"code", "credits", "covered by"};
	const Triad__V1__Progress *p = (const Triad__V1__Progress *)answer;
	const NameMap *kinds = names_of(&triad__v1__module_kind__descriptor);
	Table *modules = client_table(c, 7, module_headers);
	Table *outcomes = client_table(c, 3, outcome_headers);
	bool ok = modules != NULL && outcomes != NULL && kinds != NULL;

	if (c->format == PRINT_JSON) {
		table_free(modules);
		table_free(outcomes);
		fields_print_json(c->out, answer);
		putc('\n', c->out);
		return fflush(c->out) == 0 && !ferror(c->out) ? TRIAD_EXIT_OK : TRIAD_EXIT_SERVER;
	}
	for (size_t i = 0; ok && i < p->n_modules; i++) {
		const Triad__V1__ProgressModule *m = p->modules[i];
		const char *kind = names_label(kinds, m->kind);
		char credits[32], attended[16], missed[16];
		const char *cells[] = {m->code, m->name, kind != NULL ? kind : "", credits,
				       m->state, attended, missed};

		snprintf(credits, sizeof credits, "%.15g", m->credits);
		snprintf(attended, sizeof attended, "%d", (int)m->sessions_attended);
		snprintf(missed, sizeof missed, "%d", (int)m->sessions_missed);
		ok = table_add_row(modules, cells);
	}
	for (size_t i = 0; ok && i < p->n_outcomes; i++) {
		const Triad__V1__ProgressOutcome *o = p->outcomes[i];
		char credits[32];
		const char *cells[] = {o->code, credits, covered_by(o->covered_by)};

		snprintf(credits, sizeof credits, "%.15g", o->credits);
		ok = table_add_row(outcomes, cells);
	}
	if (!ok) {
		table_free(modules);
		table_free(outcomes);
		return client_out_of_memory(c);
	}
	ok = progress_header(c, p) && progress_table(c, "Modules", modules) &&
	     progress_table(c, "Learning outcomes", outcomes);
	table_free(modules);
	table_free(outcomes);
	return ok ? TRIAD_EXIT_OK : TRIAD_EXIT_SERVER;
}

static const Call progress_call = {
	.request = RQ(GET_PROGRESS),
	.reply = RS(PROGRESS),
	.args = "enrollment_id",
	.prepare = progress_prepare,
	.print = progress_print,
};

const Command cmd_progress = {
	.name = "progress",
	.summary = "Show how far an enrollment is: credits, modules, outcomes",
	.usage = "[ENROLLMENT]",
	.description = "Participants see their own progress: without ENROLLMENT, that of their\n"
		       "enrollment, or with several, the one ENROLLMENT names by programme code\n"
		       "or cohort name. Staff see the institution's: ENROLLMENT is then the\n"
		       "participant's e-mail address, with the programme's code where needed\n"
		       "(anna@example.org/MPM), or an id.\n"
		       "--json prints the whole report, modules and outcomes included.\n",
	.max_args = 1,
	.handler = call_run,
	.ctx = &progress_call,
};

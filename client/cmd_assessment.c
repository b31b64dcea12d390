/*
 * cmd_assessment.c: assignments and their tailoring, submissions,
 * assessments, completion rules (`triad certificate check`) and the
 * transcript (proto/triad/v1/assessment.proto).
 *
 * Every command is a Call (call.h). By hand below: reading the work to
 * submit from a file or standard input, and printing the answers that
 * hold lists beside a record (the assessments with their results, the
 * completion check with its rules, the transcript with its lines).
 */
#include "call.h"
#include "commands.h"
#include "editor.h"
#include "resource.h"
#include "when.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define END_OPTIONS {NULL, 0, NULL, NULL}
#define RQ(x) TRIAD__V1__REQUEST__BODY_##x
#define RS(x) TRIAD__V1__RESPONSE__BODY_##x

/* The most a submission holds: the server's limit is 200000 characters. */
#define SUBMISSION_MAX (800 * 1024)

#define PARTICIPANT_HELP                                                                   \
	"PARTICIPANT is the participant's e-mail address, with the programme's code\n"    \
	"when she has several (anna@example.org/MPM).\n"
#define ASSIGNMENT_HELP                                                                    \
	"ASSIGNMENT is the assignment's code, with the programme's code when it is\n"     \
	"not enough (MPM/P1).\n"

/* ---- printing lists beside a record --------------------------------------- */

/*
 * The items[0..n-1] (messages of type d) as a table of the fields named in
 * columns (all when NULL), in the client's format. False when out of memory.
 */
static bool
print_items(Client *c, const ProtobufCMessageDescriptor *d, ProtobufCMessage *const *items,
	    size_t n, const char *columns)
{
	const ProtobufCFieldDescriptor *cols[FIELDS_MAX_COLUMNS];
	const char *headers[FIELDS_MAX_COLUMNS];
	char names[FIELDS_MAX_COLUMNS][64];
	size_t ncols = 0;

	if (columns == NULL) {
		for (unsigned i = 0; i < d->n_fields && ncols < FIELDS_MAX_COLUMNS; i++) {
			if (d->fields[i].type == PROTOBUF_C_TYPE_MESSAGE ||
			    fields_is_time_us(d, &d->fields[i]))
				continue;
			cols[ncols++] = &d->fields[i];
		}
	} else {
		char word[64];
		const char *p = columns;
		while (fields_next_word(&p, word, sizeof word) && ncols < FIELDS_MAX_COLUMNS) {
			const ProtobufCFieldDescriptor *f =
				protobuf_c_message_descriptor_get_field_by_name(d, word);
			if (f != NULL)
				cols[ncols++] = f;
		}
	}
	for (size_t i = 0; i < ncols; i++)
		headers[i] = fields_header(cols[i], names[i], sizeof names[i]);
	Table *t = client_table(c, ncols, headers);
	if (t == NULL)
		return false;
	call_set_kinds(t, cols, ncols);
	for (size_t i = 0; i < n; i++) {
		if (!call_add_row(t, cols, ncols, items[i], c->format)) {
			table_free(t);
			return false;
		}
	}
	bool ok = table_print(t, c->format, c->out);
	table_free(t);
	return ok;
}

/* ---- assignments ------------------------------------------------------------ */

static const CliOption assignment_create_options[] = {
	{"title", 0, "TEXT", "what the assignment is called"},
	{"kind", 0, "KIND", "assignment, paper, intervention, internship-report or final"},
	{"context", 0, "LEVEL", "micro, meso or macro"},
	{"module", 0, "CODE", "the module it belongs to"},
	{"semester", 0, "N", "the semester it belongs to (instead of a module)"},
	{"due", 0, "YYYY-MM-DD", "the due date"},
	{"outcome", 0, "CODE", "a learning outcome it assesses (repeat for more)"},
	{"description", 0, "TEXT", "what the participant does"},
	END_OPTIONS,
};

static const Call assignment_create_call = {
	.request = RQ(CREATE_ASSIGNMENT),
	.reply = RS(ASSIGNMENT),
	.args = "programme_id code",
	.fields = "due=due_on outcome=outcomes module=module_id",
	.required = "title kind",
};

static const Command assignment_create = {
	.name = "create",
	.summary = "Create an assignment of a programme",
	.usage = "PROGRAMME CODE --title TEXT --kind KIND [--context LEVEL] "
		 "[--module CODE | --semester N] [--due YYYY-MM-DD] [--outcome CODE]... "
		 "[--description TEXT]",
	.description =
		"An assignment belongs to a module or to a semester, in a context (micro: the\n"
		"learning of pupils or clients; meso: of teams and the organisation; macro:\n"
		"the organisation and its surroundings), and assesses learning outcomes of\n"
		"the programme. Each participant tailors it to her own workplace.\n",
	.options = assignment_create_options,
	.min_args = 2,
	.max_args = 2,
	.handler = call_run,
	.ctx = &assignment_create_call,
};

static const CliOption assignment_list_options[] = {
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const Call assignment_list_call = {
	.request = RQ(LIST_ASSIGNMENTS),
	.reply = RS(ASSIGNMENTS),
	.args = "programme_id",
	.items = "assignments",
	.columns = "programme_code code title kind context semester module_code due_on outcomes",
};

static const Command assignment_list = {
	.name = "list",
	.summary = "List a programme's assignments",
	.usage = "[PROGRAMME] " LIST_PAGING_USAGE,
	.description = "Without PROGRAMME, every programme's.\n",
	.options = assignment_list_options,
	.max_args = 1,
	.handler = call_run,
	.ctx = &assignment_list_call,
};

static const Call assignment_show_call = {
	.request = RQ(GET_ASSIGNMENT),
	.reply = RS(ASSIGNMENT),
	.args = "assignment",
};

static const Command assignment_show = {
	.name = "show",
	.summary = "Show an assignment",
	.usage = "ASSIGNMENT",
	.description = ASSIGNMENT_HELP,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &assignment_show_call,
};

static const CliOption tailor_options[] = {
	{"org", 0, "ORG", "your workplace organisation: its name or registry number"},
	{"question", 0, "TEXT", "your own question for this assignment"},
	END_OPTIONS,
};

static const Call tailor_call = {
	.request = RQ(TAILOR_ASSIGNMENT),
	.reply = RS(ASSIGNMENT_INSTANCE),
	.args = "assignment",
	.fields = "org=organisation",
	.required = "org question",
};

static const Command assignment_tailor = {
	.name = "tailor",
	.summary = "Tailor an assignment to your workplace, for staff to approve",
	.usage = "ASSIGNMENT --org ORG --question TEXT",
	.description = ASSIGNMENT_HELP
		       "Proposing again after staff returned it asks for a new decision; once\n"
		       "approved it no longer changes.\n",
	.options = tailor_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &tailor_call,
};

static TriadExit
approve_prepare(Client *c, const CliArgs *args, ProtobufCMessage *target)
{
	(void)c;
	(void)args;
	((Triad__V1__DecideTailoringRequest *)target)->approve = true;
	return TRIAD_EXIT_OK;
}

static const CliOption decide_options[] = {
	{"note", 0, "TEXT", "a note for the participant"},
	END_OPTIONS,
};

static const Call approve_call = {
	.request = RQ(DECIDE_TAILORING),
	.reply = RS(ASSIGNMENT_INSTANCE),
	.args = "assignment participant",
	.prepare = approve_prepare,
};

static const Command assignment_approve = {
	.name = "approve",
	.summary = "Approve the way a participant tailored an assignment",
	.usage = "ASSIGNMENT PARTICIPANT [--note TEXT]",
	.description = ASSIGNMENT_HELP PARTICIPANT_HELP,
	.options = decide_options,
	.min_args = 2,
	.max_args = 2,
	.handler = call_run,
	.ctx = &approve_call,
};

static const Call return_call = {
	.request = RQ(DECIDE_TAILORING),
	.reply = RS(ASSIGNMENT_INSTANCE),
	.args = "assignment participant",
	.required = "note",
};

static const Command assignment_return = {
	.name = "return",
	.summary = "Return a tailored assignment to the participant, saying why",
	.usage = "ASSIGNMENT PARTICIPANT --note TEXT",
	.description = ASSIGNMENT_HELP PARTICIPANT_HELP,
	.options = decide_options,
	.min_args = 2,
	.max_args = 2,
	.handler = call_run,
	.ctx = &return_call,
};

static const CliOption status_options[] = {
	{"assignment", 0, "CODE", "only this assignment"},
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const Call status_call = {
	.request = RQ(LIST_ASSIGNMENT_INSTANCES),
	.reply = RS(ASSIGNMENT_INSTANCES),
	.args = "participant",
	.items = "instances",
	.columns = "assignment_code kind context due_on organisation_name question status versions "
		   "assessment_status",
};

static const Command assignment_status = {
	.name = "status",
	.summary = "A participant's assignments: tailoring, versions handed in, assessment",
	.usage = "[PARTICIPANT] [--assignment CODE] " LIST_PAGING_USAGE,
	.description = "Without PARTICIPANT, your own.\n" PARTICIPANT_HELP,
	.options = status_options,
	.max_args = 1,
	.handler = call_run,
	.ctx = &status_call,
};

static const Command *const assignment_commands[] = {
	&assignment_create, &assignment_list, &assignment_show, &assignment_tailor,
	&assignment_approve, &assignment_return, &assignment_status, NULL,
};

const Command cmd_assignment = {
	.name = "assignment",
	.summary = "Assignments: micro, meso and macro work tailored to the workplace",
	.subcommands = assignment_commands,
};

/* ---- submissions ------------------------------------------------------------ */

/* The work from FILE, "-" or a pipe into the body. */
static TriadExit
submit_prepare(Client *c, const CliArgs *args, ProtobufCMessage *target)
{
	const char *path = args->n_pos > 1 ? args->pos[1] : NULL;
	EditorError err = {0};
	char *text = NULL;
	bool ok;

	if (path == NULL && !editor_piped(stdin))
		return client_usage_error(c, "give the FILE with your work, or pipe it in");
	ok = path == NULL ? editor_read(stdin, "standard input", SUBMISSION_MAX, &text, &err)
			  : editor_read_path(path, stdin, SUBMISSION_MAX, &text, &err);
	if (!ok) {
		if (err.status == EDITOR_NO_MEMORY)
			return client_out_of_memory(c);
		return client_error(c, TRIAD_EXIT_USAGE, "INVALID_ARGUMENT", "FILE", "%s: %s",
				    err.what,
				    err.status == EDITOR_TOO_LONG ? "too long for a submission"
				    : err.status == EDITOR_NOT_TEXT ? "not text"
				    : err.errnum != 0 ? strerror(err.errnum) : "cannot be read");
	}
	bool stored = fields_set_named(target, "body", text);
	free(text);
	return stored ? TRIAD_EXIT_OK : client_out_of_memory(c);
}

static const CliOption submit_options[] = {
	{"title", 0, "TEXT", "a title for this version"},
	{"enrollment", 0, "KEY", "which of your enrollments, when you have several"},
	END_OPTIONS,
};

static const Call submit_call = {
	.request = RQ(SUBMIT_WORK),
	.reply = RS(SUBMISSION),
	.args = "assignment",
	.fields = "enrollment=enrollment_id",
	.prepare = submit_prepare,
};

static const Command submission_add = {
	.name = "add",
	.summary = "Hand in a new version of your work on an assignment",
	.usage = "ASSIGNMENT [FILE] [--title TEXT]",
	.description = ASSIGNMENT_HELP
		       "The work is the text of FILE, or of standard input when FILE is - or\n"
		       "left out and something is piped in. Each hand-in is a new version; no\n"
		       "version is ever replaced, and `triad submission list` shows them all.\n",
	.options = submit_options,
	.min_args = 1,
	.max_args = 2,
	.handler = call_run,
	.ctx = &submit_call,
};

static const CliOption submission_list_options[] = {
	{"with-body", 0, NULL, "include the text of every version"},
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const Call submission_list_call = {
	.request = RQ(LIST_SUBMISSIONS),
	.reply = RS(SUBMISSIONS),
	.args = "assignment participant",
	.items = "submissions",
	.columns = "version title size sha256 created_at",
};

static const Command submission_list = {
	.name = "list",
	.summary = "Every version of a participant's work on an assignment",
	.usage = "ASSIGNMENT [PARTICIPANT] [--with-body] " LIST_PAGING_USAGE,
	.description = ASSIGNMENT_HELP "Without PARTICIPANT, your own.\n" PARTICIPANT_HELP,
	.options = submission_list_options,
	.min_args = 1,
	.max_args = 2,
	.handler = call_run,
	.ctx = &submission_list_call,
};

static const Command *const submission_commands[] = {&submission_add, &submission_list, NULL};

const Command cmd_submission = {
	.name = "submission",
	.summary = "Hand in work on assignments, and see every version",
	.subcommands = submission_commands,
};

/* ---- assessments ------------------------------------------------------------ */

/* Assessments with their results, evidence and corrections. */
static TriadExit
assessments_print(Client *c, const ProtobufCMessage *answer)
{
	const Triad__V1__AssessmentRecord *r = (const Triad__V1__AssessmentRecord *)answer;

	if (c->format != PRINT_TEXT) {
		bool ok = print_items(c, &triad__v1__assessment__descriptor,
				      (ProtobufCMessage *const *)r->assessments, r->n_assessments,
				      NULL);
		return ok ? TRIAD_EXIT_OK : client_out_of_memory(c);
	}
	if (r->n_assessments == 0) {
		fputs("No assessments.\n", c->out);
		return TRIAD_EXIT_OK;
	}
	for (size_t i = 0; i < r->n_assessments; i++) {
		const Triad__V1__Assessment *a = r->assessments[i];
		const ProtobufCMessage *items[64];
		size_t n;

		if (i > 0)
			fputs("\n", c->out);
		fputs("== ", c->out);
		print_sanitized(c->out, a->assignment_code);
		fputs(" ", c->out);
		print_sanitized(c->out, a->assignment_title);
		fputs(": ", c->out);
		print_sanitized(c->out, a->participant_name);
		fputs(", assessed by ", c->out);
		print_sanitized(c->out, a->assessor_name);
		fprintf(c->out, " (%s, %s)\n", a->passed ? "passed" : "not passed",
			a->status == TRIAD__V1__ASSESSMENT_STATUS__ASSESSMENT_STATUS_RELEASED
				? "released" : "recorded, not released");
		n = 0;
		for (size_t k = 0; k < r->n_results && n < 64; k++)
			if (strcmp(r->results[k]->assessment_id, a->id) == 0)
				items[n++] = &r->results[k]->base;
		if (!print_items(c, &triad__v1__assessment_result__descriptor,
				 (ProtobufCMessage *const *)items, n,
				 "outcome_code result passed corrected outcome_description"))
			return client_out_of_memory(c);
		fputs("Feedback: ", c->out);
		print_sanitized(c->out, a->feedback);
		fputs("\n", c->out);
		for (size_t k = 0; k < r->n_evidence; k++) {
			if (strcmp(r->evidence[k]->assessment_id, a->id) != 0)
				continue;
			fputs("Evidence: ", c->out);
			print_sanitized(c->out, r->evidence[k]->label);
			fputs("\n", c->out);
		}
		for (size_t k = 0; k < r->n_corrections; k++) {
			const Triad__V1__AssessmentCorrection *x = r->corrections[k];
			if (strcmp(x->assessment_id, a->id) != 0)
				continue;
			fputs("Corrected: ", c->out);
			print_sanitized(c->out, x->outcome_code);
			fputs(" ", c->out);
			print_sanitized(c->out, x->previous);
			fputs(" -> ", c->out);
			print_sanitized(c->out, x->result);
			fputs(" by ", c->out);
			print_sanitized(c->out, x->corrected_by);
			fputs(" on ", c->out);
			char corrected[WHEN_MAX];
			print_sanitized(c->out, WHEN_US(x, corrected_at, corrected));
			fputs(": ", c->out);
			print_sanitized(c->out, x->reason);
			fputs("\n", c->out);
		}
	}
	return TRIAD_EXIT_OK;
}

static const CliOption record_options[] = {
	{"result", 0, "OUTCOME=RESULT", "the result for one learning outcome (repeat for each)"},
	{"feedback", 0, "TEXT", "what the result rests on, for the participant"},
	{"evidence", 0, "WHAT", "submission[:N], chapter:MODULE, feedback[:ID] or hours (repeat)"},
	END_OPTIONS,
};

static const Call record_call = {
	.request = RQ(RECORD_ASSESSMENT),
	.reply = RS(ASSESSMENT),
	.args = "assignment participant",
	.fields = "result=results",
	.required = "result feedback evidence",
};

static const Command assessment_record = {
	.name = "record",
	.summary = "Record your assessment of a participant's work (assessors only)",
	.usage = "ASSIGNMENT PARTICIPANT --result OUTCOME=RESULT... --feedback TEXT "
		 "--evidence WHAT...",
	.description =
		ASSIGNMENT_HELP PARTICIPANT_HELP
		"A result for every learning outcome the assignment assesses, on the\n"
		"programme's scale (`triad assessment policy PROGRAMME`): --result OPB1=good,\n"
		"--result LO2=7.5. The evidence: submission (the latest version) or\n"
		"submission:N, chapter:MODULE (a submitted logbook chapter), feedback (the\n"
		"latest coach feedback) or feedback:ID, hours (the internship's verified\n"
		"hours). Only programme staff with the title assessor record results, and\n"
		"never about a participant they coach when the programme forbids it.\n"
		"Recording again replaces yours until it is released.\n",
	.options = record_options,
	.min_args = 2,
	.max_args = 2,
	.handler = call_run,
	.ctx = &record_call,
};

static const Call release_call = {
	.request = RQ(RELEASE_ASSESSMENT),
	.reply = RS(ASSESSMENT_RECORD),
	.args = "assignment participant",
	.print = assessments_print,
};

static const Command assessment_release = {
	.name = "release",
	.summary = "Release the assessment of a participant's work to her",
	.usage = "ASSIGNMENT PARTICIPANT",
	.description = ASSIGNMENT_HELP PARTICIPANT_HELP
		       "Final work needs two assessors who agree when the programme asks for\n"
		       "four eyes. Once released, a result changes only by `triad assessment\n"
		       "correct`, with a reason.\n",
	.min_args = 2,
	.max_args = 2,
	.handler = call_run,
	.ctx = &release_call,
};

static const CliOption correct_options[] = {
	{"reason", 0, "TEXT", "why the result changes (kept and audited)"},
	END_OPTIONS,
};

static const Call correct_call = {
	.request = RQ(CORRECT_ASSESSMENT),
	.reply = RS(ASSESSMENT_RECORD),
	.args = "assignment participant outcome result",
	.required = "reason",
	.print = assessments_print,
};

static const Command assessment_correct = {
	.name = "correct",
	.summary = "Correct a released result, with a reason",
	.usage = "ASSIGNMENT PARTICIPANT OUTCOME RESULT --reason TEXT",
	.description = ASSIGNMENT_HELP PARTICIPANT_HELP
		       "The previous result, who corrected it, when and why are kept.\n",
	.options = correct_options,
	.min_args = 4,
	.max_args = 4,
	.handler = call_run,
	.ctx = &correct_call,
};

static const CliOption assessment_list_options[] = {
	{"assignment", 0, "CODE", "only this assignment"},
	END_OPTIONS,
};

static const Call assessment_list_call = {
	.request = RQ(GET_ASSESSMENT_RECORD),
	.reply = RS(ASSESSMENT_RECORD),
	.args = "participant",
	.print = assessments_print,
};

static const Command assessment_list = {
	.name = "list",
	.summary = "A participant's assessments, with results, evidence and corrections",
	.usage = "[PARTICIPANT] [--assignment CODE]",
	.description = "Without PARTICIPANT, your own; a participant sees released ones only.\n"
		       PARTICIPANT_HELP,
	.options = assessment_list_options,
	.max_args = 1,
	.handler = call_run,
	.ctx = &assessment_list_call,
};

static const Call policy_call = {
	.request = RQ(GET_ASSESSMENT_POLICY),
	.reply = RS(ASSESSMENT_POLICY),
	.args = "programme_id",
};

static const Command assessment_policy = {
	.name = "policy",
	.summary = "Show how a programme assesses: its scale, four eyes, own coachees",
	.usage = "PROGRAMME",
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &policy_call,
};

static const CliOption set_policy_options[] = {
	{"scale", 0, "SCALE", "levels (words) or mark (1 to 10)"},
	{"level", 0, "WORD", "a level of the scale, lowest first (repeat for each)"},
	{"pass-level", 0, "WORD", "the lowest level that passes"},
	{"pass-mark", 0, "N", "the lowest mark that passes, such as 5.5"},
	{"four-eyes-final", 0, NULL, "final work needs two assessors who agree"},
	{"no-four-eyes-final", 0, NULL, "one assessor is enough for final work"},
	{"no-own-coachee", 0, NULL, "an assessor never assesses a participant she coaches"},
	{"no-no-own-coachee", 0, NULL, "an assessor may assess a participant she coaches"},
	END_OPTIONS,
};

static const Call set_policy_call = {
	.request = RQ(SET_ASSESSMENT_POLICY),
	.reply = RS(ASSESSMENT_POLICY),
	.args = "programme_id",
	.fields = "level=levels",
};

static const Command assessment_set_policy = {
	.name = "set-policy",
	.summary = "Set how a programme assesses",
	.usage = "PROGRAMME [--scale SCALE] [--level WORD]... [--pass-level WORD] [--pass-mark N] "
		 "[--[no-]four-eyes-final] [--[no-]no-own-coachee]",
	.description = "Only what is given changes. The defaults: levels insufficient,\n"
		       "sufficient and good, passing from sufficient; four eyes for final work;\n"
		       "no assessor of her own coachee.\n",
	.options = set_policy_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &set_policy_call,
};

static const Command *const assessment_commands[] = {
	&assessment_record, &assessment_release, &assessment_correct, &assessment_list,
	&assessment_policy, &assessment_set_policy, NULL,
};

const Command cmd_assessment = {
	.name = "assessment",
	.summary = "Assessments by assessors: results per learning outcome, release, corrections",
	.subcommands = assessment_commands,
};

/* ---- completion -------------------------------------------------------------- */

/* The check: a sentence, then every rule with met or unmet and its evidence. */
static TriadExit
check_print(Client *c, const ProtobufCMessage *answer)
{
	const Triad__V1__CompletionCheck *r = (const Triad__V1__CompletionCheck *)answer;

	if (c->format == PRINT_TEXT) {
		print_sanitized(c->out, r->participant_name);
		fputs(" <", c->out);
		print_sanitized(c->out, r->participant_email);
		fputs(">, ", c->out);
		print_sanitized(c->out, r->programme_code);
		fputs(" (", c->out);
		print_sanitized(c->out, r->status);
		fputs("): ", c->out);
		if (r->rules_total == 0)
			fputs("the programme sets no completion rules.\n", c->out);
		else if (r->ready)
			fprintf(c->out, "every completion rule is met (%d of %d).\n", r->rules_met,
				r->rules_total);
		else
			fprintf(c->out, "%d of %d completion rules met.\n", r->rules_met,
				r->rules_total);
		if (r->exempted) {
			fputs("Exempted by the programme manager: ", c->out);
			print_sanitized(c->out, r->exemption_reason);
			fputs("\n", c->out);
		}
		/* Lines, not a table: the evidence is the point and must not be
		 * cut to a terminal's width. */
		if (r->n_rules > 0)
			fputs("\n", c->out);
		for (size_t i = 0; i < r->n_rules; i++) {
			fputs(r->rules[i]->met ? "  met    " : "  UNMET  ", c->out);
			print_sanitized(c->out, r->rules[i]->rule);
			fputs(": ", c->out);
			print_sanitized(c->out, r->rules[i]->evidence);
			fputs("\n", c->out);
		}
		return TRIAD_EXIT_OK;
	}
	if (!print_items(c, &triad__v1__completion_rule__descriptor,
			 (ProtobufCMessage *const *)r->rules, r->n_rules, "met rule evidence"))
		return client_out_of_memory(c);
	return TRIAD_EXIT_OK;
}

static const Call check_call = {
	.request = RQ(CHECK_COMPLETION),
	.reply = RS(COMPLETION_CHECK),
	.args = "participant",
	.print = check_print,
};

/* `triad certificate check`: one of cmd_certificate's (cmd_certificate.c). */
const Command cmd_certificate_check = {
	.name = "check",
	.summary = "Every completion rule of a participant's programme, met or unmet, with evidence",
	.usage = "[PARTICIPANT]",
	.description = "Without PARTICIPANT, your own.\n" PARTICIPANT_HELP
		       "The enrollment completes (`triad enrollment transition ... completed`) when\n"
		       "every rule is met, or the programme manager recorded an exemption\n"
		       "(`triad completion exempt`). Exit code 0 either way: see the met column,\n"
		       "or ready in --json.\n",
	.max_args = 1,
	.handler = call_run,
	.ctx = &check_call,
};

static const Call rules_call = {
	.request = RQ(GET_COMPLETION_RULES),
	.reply = RS(COMPLETION_RULES),
	.args = "programme_id",
};

static const Command completion_rules = {
	.name = "rules",
	.summary = "Show a programme's completion rules",
	.usage = "PROGRAMME",
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &rules_call,
};

static const CliOption set_rules_options[] = {
	{"min-attendance", 0, "PERCENT", "attendance in every module, 0 for no rule"},
	{"cannot-be-missed", 0, NULL, "cannot-be-missed sessions attended or resolved"},
	{"no-cannot-be-missed", 0, NULL, "drop that rule"},
	{"internship-hours", 0, NULL, "verified internship hours at the programme's minimum"},
	{"no-internship-hours", 0, NULL, "drop that rule"},
	{"logbook-chapters", 0, NULL, "a submitted logbook chapter for every module"},
	{"no-logbook-chapters", 0, NULL, "drop that rule"},
	{"outcomes-achieved", 0, NULL, "every outcome achieved by assessment or prior learning"},
	{"no-outcomes-achieved", 0, NULL, "drop that rule"},
	{"final-passed", 0, NULL, "the final assessment passed"},
	{"no-final-passed", 0, NULL, "drop that rule"},
	{"min-conversations", 0, "N", "development, final and three-way conversations held"},
	END_OPTIONS,
};

static const Call set_rules_call = {
	.request = RQ(SET_COMPLETION_RULES),
	.reply = RS(COMPLETION_RULES),
	.args = "programme_id",
	.fields = "min-attendance=min_attendance_percent",
};

static const Command completion_set_rules = {
	.name = "set-rules",
	.summary = "Set a programme's completion rules",
	.usage = "PROGRAMME [--min-attendance PERCENT] [--[no-]cannot-be-missed] "
		 "[--[no-]internship-hours] [--[no-]logbook-chapters] [--[no-]outcomes-achieved] "
		 "[--[no-]final-passed] [--min-conversations N]",
	.description = "Only what is given changes. The internship's minimum hours are set with\n"
		       "`triad internship minimum`.\n",
	.options = set_rules_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &set_rules_call,
};

static const CliOption exempt_options[] = {
	{"reason", 0, "TEXT", "why the participant completes with rules unmet"},
	END_OPTIONS,
};

static const Call exempt_call = {
	.request = RQ(EXEMPT_COMPLETION),
	.reply = RS(COMPLETION_CHECK),
	.args = "participant",
	.required = "reason",
	.print = check_print,
};

static const Command completion_exempt = {
	.name = "exempt",
	.summary = "Let a participant complete with rules unmet (programme manager)",
	.usage = "PARTICIPANT --reason TEXT",
	.description = PARTICIPANT_HELP
		       "Only the programme's dean or programme manager; the unmet rules and the\n"
		       "reason are kept and audited.\n",
	.options = exempt_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &exempt_call,
};

static const Command *const completion_commands[] = {
	&cmd_certificate_check, &completion_rules, &completion_set_rules, &completion_exempt, NULL,
};

const Command cmd_completion = {
	.name = "completion",
	.summary = "Completion rules of programmes, and exemptions from them",
	.subcommands = completion_commands,
};

/* ---- the transcript -------------------------------------------------------- */

/* The transcript: a sentence with the credits, then a line per module and
 * outcome; in JSON and CSV the lines alone. */
static TriadExit
transcript_print(Client *c, const ProtobufCMessage *answer)
{
	const Triad__V1__Transcript *r = (const Triad__V1__Transcript *)answer;

	if (c->format == PRINT_TEXT) {
		fputs("Transcript of ", c->out);
		print_sanitized(c->out, r->participant_name);
		fputs(" <", c->out);
		print_sanitized(c->out, r->participant_email);
		fputs(">, ", c->out);
		print_sanitized(c->out, r->programme_code);
		fputs(" ", c->out);
		print_sanitized(c->out, r->programme_name);
		fprintf(c->out, ": %g of %g credits earned\n\n", r->credits_earned,
			r->credits_available);
	}
	if (!print_items(c, &triad__v1__transcript_line__descriptor,
			 (ProtobufCMessage *const *)r->lines, r->n_lines,
			 "module_code outcome_code credits result achieved_by assignment_code "
			 "assessed_on"))
		return client_out_of_memory(c);
	return TRIAD_EXIT_OK;
}

static const Call transcript_call = {
	.request = RQ(GET_TRANSCRIPT),
	.reply = RS(TRANSCRIPT),
	.args = "participant",
	.print = transcript_print,
};

const Command cmd_transcript = {
	.name = "transcript",
	.summary = "Results per module and learning outcome, with credits",
	.usage = "[PARTICIPANT]",
	.description = "Without PARTICIPANT, your own.\n" PARTICIPANT_HELP
		       "An outcome counts when a released assessment passed it or prior learning\n"
		       "was validated for it.\n",
	.max_args = 1,
	.handler = call_run,
	.ctx = &transcript_call,
};

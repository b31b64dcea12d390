/*
 * cmd_triangle.c: the workplace triangle as staff, participants and
 * employers see it (proto/triad/v1/triangle.proto): partners and their
 * agreements, coaching relations, consent, and what an employer sees and
 * says. The coach's own commands are in cmd_feedback.c.
 *
 * Most commands are a Call (call.h); by hand below: a new relation's
 * invite for its coach, consent levels (whose first value, none, is a
 * real choice rather than "unspecified"), and the employer's view.
 *
 * Everything is named as people name it, and the server finds it: an
 * organisation by name or registry number, a person by e-mail address, an
 * enrollment by the participant's e-mail and programme code. A
 * participant's own enrollment needs no naming when she has one.
 */
#include "call.h"
#include "commands.h"
#include "feedback.h"
#include "resource.h"
#include "when.h"

#include <stdlib.h>
#include <string.h>

#define END_OPTIONS {NULL, 0, NULL, NULL}
#define RQ(x) TRIAD__V1__REQUEST__BODY_##x
#define RS(x) TRIAD__V1__RESPONSE__BODY_##x

#define RELATION_KINDS "workplace-coach, confidant, programme-coach or alumni-coach"

/* ---- partners and agreements ---------------------------------------------- */

static const CliOption paging_options[] = {
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const Call partner_list_call = {
	.request = RQ(LIST_PARTNERS),
	.reply = RS(PARTNERS),
	.items = "partners",
	.columns = "organisation_name agreements hours_committed hours_recorded participants "
		   "organisation_id",
};

static const Command partner_list = {
	.name = "list",
	.summary = "List partner organisations with their hours ledger",
	.usage = LIST_PAGING_USAGE,
	.description =
		"A partner is an organisation with a current agreement. The ledger sets the\n"
		"hours per week committed in its current agreements (hours_committed)\n"
		"against the hours per week recorded on the current enrollments of its\n"
		"employees (hours_recorded), for the participants column's enrollments.\n",
	.options = paging_options,
	.handler = call_run,
	.ctx = &partner_list_call,
};

static const Command *const partner_commands[] = {&partner_list, NULL};

const Command cmd_partner = {
	.name = "partner",
	.summary = "Partner organisations and their hours ledger",
	.subcommands = partner_commands,
};

static const CliOption agreement_create_options[] = {
	{"org", 0, "ORG", "the organisation the agreement is with: name or registry number"},
	{"kind", 0, "KIND", "covenant, professional-workplace or professional-network"},
	{"starts", 0, "YYYY-MM-DD", "the first day (default today)"},
	{"ends", 0, "YYYY-MM-DD", "the last day (default: open-ended)"},
	{"hours-per-week", 0, "N", "study hours a week the organisation commits"},
	{"change-assignments", 0, "N", "change assignments it commits"},
	{"internship-places", 0, "N", "internship places it commits"},
	{"contact", 0, "NAME", "a contact at the organisation (repeatable)"},
	{"ambassador", 0, "NAME", "an executive or alumnus who speaks for the programme "
				  "(repeatable)"},
	{"member", 0, "NAME", "for a professional network: a member organisation (repeatable)"},
	END_OPTIONS,
};

static const Call agreement_create_call = {
	.request = RQ(CREATE_AGREEMENT),
	.reply = RS(AGREEMENT),
	.object = "agreement",
	.fields = "org=organisation_id",
	.required = "org kind",
};

static const Command agreement_create = {
	.name = "create",
	.summary = "Record an agreement that makes an organisation a partner",
	.usage = "--org ORG --kind KIND [--starts YYYY-MM-DD] [--ends YYYY-MM-DD] "
		 "[--hours-per-week N] [--change-assignments N] [--internship-places N] "
		 "[--contact NAME]... [--ambassador NAME]... [--member NAME]...",
	.description =
		"Kinds: covenant; professional-workplace, a workplace where participants\n"
		"learn the profession; professional-network, which bundles small\n"
		"organisations, named with --member.\n",
	.options = agreement_create_options,
	.handler = call_run,
	.ctx = &agreement_create_call,
};

CALL_SHOW(agreement_show, "agreement", RQ(GET_AGREEMENT), RS(AGREEMENT));

static const CliOption agreement_list_options[] = {
	{"org", 0, "ORG", "only the agreements with this organisation"},
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const Call agreement_list_call = {
	.request = RQ(LIST_AGREEMENTS),
	.reply = RS(AGREEMENTS),
	.fields = "org=organisation_id",
	.items = "agreements",
	.columns = "id organisation_name kind starts_on ends_on hours_per_week",
};

static const Command agreement_list = {
	.name = "list",
	.summary = "List agreements, current and ended",
	.usage = "[--org ORG] " LIST_PAGING_USAGE,
	.options = agreement_list_options,
	.handler = call_run,
	.ctx = &agreement_list_call,
};

static const CliOption agreement_end_options[] = {
	{"on", 0, "YYYY-MM-DD", "the last day (default today)"},
	END_OPTIONS,
};

static const Call agreement_end_call = {
	.request = RQ(END_AGREEMENT),
	.reply = RS(AGREEMENT),
	.args = "id",
	.fields = "on=ends_on",
};

static const Command agreement_end = {
	.name = "end",
	.summary = "End an agreement",
	.usage = "ID [--on YYYY-MM-DD]",
	.description = "Its commitments leave the hours ledger once it has ended.\n",
	.options = agreement_end_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &agreement_end_call,
};

static const Command *const agreement_commands[] = {
	&agreement_create, &agreement_show, &agreement_list, &agreement_end, NULL,
};

const Command cmd_agreement = {
	.name = "agreement",
	.summary = "Record, look up and end agreements with partner organisations",
	.subcommands = agreement_commands,
};

/* ---- coaching relations --------------------------------------------------- */

/* A relation is a workplace coach's unless --kind says otherwise. */
static TriadExit
relation_prepare(Client *c, const CliArgs *args, ProtobufCMessage *target)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field_by_name(target->descriptor, "kind");

	if (f != NULL && *(const int *)((const char *)target + f->offset) == 0)
		*(int *)((char *)target + f->offset) =
			TRIAD__V1__RELATION_KIND__RELATION_KIND_WORKPLACE_COACH;
	return TRIAD_EXIT_OK;
}

/* "KIND" of a relation for a sentence, such as "workplace coach". */
static const char *
kind_label(int kind, char *buf, size_t len)
{
	const NameMap *m = names_of(&triad__v1__relation_kind__descriptor);
	const char *label = m != NULL ? names_label(m, kind) : NULL;

	if (label != NULL && label[0] != '\0')
		return label;
	snprintf(buf, len, "coach (kind %d)", kind);
	return buf;
}

/*
 * A new or approved relation (done says which), and when its coach cannot
 * sign in yet, the command that lets them: the invite's code works once
 * and is not shown again.
 */
static TriadExit
relation_print(Client *c, const ProtobufCMessage *answer, const char *done)
{
	static const Triad__V1__CoachingRelation none = TRIAD__V1__COACHING_RELATION__INIT;
	const Triad__V1__CreateRelationReply *reply =
		(const Triad__V1__CreateRelationReply *)answer;
	const Triad__V1__CoachingRelation *r = reply->relation != NULL ? reply->relation : &none;
	const char *coach = r->coach_name[0] != '\0' ? r->coach_name : r->coach_person_id;
	char command[1024] = "", kind[32];

	if (reply->invite_code[0] != '\0')
		client_invite_command(c, reply->invite_code, command, sizeof command);
	if (c->format != PRINT_TEXT) {
		const ProtobufCFieldDescriptor *cols[FIELDS_MAX_COLUMNS + 2];
		char names[FIELDS_MAX_COLUMNS][64], *cells[FIELDS_MAX_COLUMNS + 2] = {NULL};
		const char *headers[FIELDS_MAX_COLUMNS + 2];
		CellKind kinds[FIELDS_MAX_COLUMNS + 2] = {CELL_TEXT};
		size_t n = fields_columns(r->base.descriptor, NULL, cols, FIELDS_MAX_COLUMNS);
		TriadExit rc = TRIAD_EXIT_OK;

		for (size_t i = 0; i < n; i++) {
			headers[i] = fields_header(cols[i], names[i], sizeof names[i]);
			kinds[i] = fields_kind(cols[i]);
			if ((cells[i] = fields_cell(&r->base, cols[i], c->format)) == NULL)
				rc = TRIAD_EXIT_SERVER;
		}
		headers[n] = "invite_code";
		cells[n] = strdup(reply->invite_code);
		headers[n + 1] = "command";
		cells[n + 1] = strdup(command);
		if (rc != TRIAD_EXIT_OK || cells[n] == NULL || cells[n + 1] == NULL)
			rc = client_out_of_memory(c);
		else
			rc = resource_print_typed(c, n + 2, headers, (const char *const *)cells,
						  kinds);
		for (size_t i = 0; i < n + 2; i++)
			free(cells[i]);
		return rc;
	}
	fputs("Coaching relation ", c->out);
	print_sanitized(c->out, r->id);
	fprintf(c->out, " %s: ", done);
	print_sanitized(c->out, coach);
	fputs(" coaches ", c->out);
	print_sanitized(c->out, r->participant_name[0] != '\0' ? r->participant_name
							       : r->enrollment_id);
	fputs(" as ", c->out);
	print_sanitized(c->out, kind_label(r->kind, kind, sizeof kind));
	if (r->starts_on[0] != '\0') {
		fputs(", from ", c->out);
		print_sanitized(c->out, r->starts_on);
	}
	if (r->ends_on[0] != '\0') {
		fputs(" until ", c->out);
		print_sanitized(c->out, r->ends_on);
	}
	fputs(".\n", c->out);
	if (reply->invite_code[0] != '\0') {
		fputs("\n", c->out);
		print_sanitized(c->out, coach);
		fputs(" has no sign-in yet. Send them this command; the code works once:\n\n  ",
		      c->out);
		print_sanitized(c->out, command);
		fputs("\n", c->out);
	}
	return TRIAD_EXIT_OK;
}

static TriadExit
relation_created_print(Client *c, const ProtobufCMessage *answer)
{
	return relation_print(c, answer, "created");
}

static TriadExit
relation_approved_print(Client *c, const ProtobufCMessage *answer)
{
	return relation_print(c, answer, "approved");
}

static const CliOption relation_create_options[] = {
	{"kind", 0, "KIND", "workplace-coach (the default), confidant, programme-coach or "
			    "alumni-coach"},
	{"starts", 0, "YYYY-MM-DD", "the first day (default today)"},
	{"ends", 0, "YYYY-MM-DD", "the last day (default: until it is ended)"},
	END_OPTIONS,
};

static const Call relation_create_call = {
	.request = RQ(CREATE_RELATION),
	.reply = RS(CREATE_RELATION),
	.args = "enrollment_id coach_person_id",
	.prepare = relation_prepare,
	.print = relation_created_print,
};

static const Command relation_create = {
	.name = "create",
	.summary = "Make a person the coach of an enrollment",
	.usage = "ENROLLMENT COACH [--kind KIND] [--starts YYYY-MM-DD] [--ends YYYY-MM-DD]",
	.description =
		"ENROLLMENT is the participant's e-mail address, with the programme's code\n"
		"when she has several enrollments (anna@example.org/MPM), or its id; COACH\n"
		"is the coach's e-mail address (or person id): someone the service knows,\n"
		"though perhaps not this institution yet.\n"
		"\n"
		"Kinds: workplace-coach, who follows the participant at work and gives\n"
		"feedback (not necessarily the manager); confidant, who supports, for\n"
		"example with the research question; programme-coach, programme staff who\n"
		"visit the workplace; alumni-coach, an alumnus who coaches.\n"
		"\n"
		"A participant has one relation of each kind with the same coach until it\n"
		"ends; --ends is not before --starts.\n"
		"\n"
		"When the coach cannot sign in yet, the answer holds the command that lets\n"
		"them: send it to the coach. Its code works once.\n",
	.options = relation_create_options,
	.min_args = 2,
	.max_args = 2,
	.handler = call_run,
	.ctx = &relation_create_call,
};

static const CliOption relation_propose_options[] = {
	{"enrollment", 0, "ENROLLMENT", "which of your enrollments: programme code or cohort "
					"name"},
	{"kind", 0, "KIND", "workplace-coach (the default), confidant, programme-coach or "
			    "alumni-coach"},
	END_OPTIONS,
};

/*
 * COACH [--enrollment E] (the argument filled coach_person_id), or as
 * before ENROLLMENT COACH; the enrollment is the participant's own, which
 * the server fills in when she has one.
 */
static TriadExit
propose_prepare(Client *c, const CliArgs *args, ProtobufCMessage *target)
{
	const char *enrollment;
	TriadExit rc = resource_option(c, args, "enrollment", false, &enrollment);

	if (rc != TRIAD_EXIT_OK)
		return rc;
	if (args->n_pos == 2 && enrollment != NULL)
		return client_usage_error(c, "give the enrollment once: as --enrollment or as the "
					     "first argument");
	if (args->n_pos == 2)
		enrollment = args->pos[0];
	if ((enrollment != NULL && !fields_set_named(target, "enrollment_id", enrollment)) ||
	    !fields_set_named(target, "coach_person_id", args->pos[args->n_pos - 1]))
		return client_out_of_memory(c);
	return relation_prepare(c, args, target);
}

static const Call relation_propose_call = {
	.request = RQ(PROPOSE_RELATION),
	.reply = RS(RELATION),
	.args = "coach_person_id",
	.fields = "enrollment=",
	.prepare = propose_prepare,
};

static const Command relation_propose = {
	.name = "propose",
	.summary = "Propose a coach for your own enrollment",
	.usage = "COACH [--enrollment ENROLLMENT] [--kind KIND]",
	.description =
		"COACH is the coach's e-mail address. The enrollment is yours: with one,\n"
		"it needs no naming; with several, name it by programme code or cohort\n"
		"name ('triad me' lists them). Programme staff approve the proposal\n"
		"('triad relation approve').\n"
		"Kinds: " RELATION_KINDS ".\n",
	.options = relation_propose_options,
	.min_args = 1,
	.max_args = 2,
	.handler = call_run,
	.ctx = &relation_propose_call,
};

static const Call relation_approve_call = {
	.request = RQ(APPROVE_RELATION),
	.reply = RS(CREATE_RELATION),
	.args = "id",
	.print = relation_approved_print,
};

static const Command relation_approve = {
	.name = "approve",
	.summary = "Approve a proposed relation",
	.usage = "RELATION",
	.description =
		"RELATION is its id, or the participant's and the coach's e-mail\n"
		"addresses: anna@example.org/coach@example.org.\n"
		"\n"
		"The coach gets what a relation made with 'triad relation create' gives:\n"
		"the workplace-coach role here when they can sign in, and otherwise an\n"
		"invite, whose command the answer holds: send it to the coach. Its code\n"
		"works once.\n",
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &relation_approve_call,
};

static const Call relation_end_call = {
	.request = RQ(END_RELATION),
	.reply = RS(RELATION),
	.args = "id",
};

static const Command relation_end = {
	.name = "end",
	.summary = "End a relation",
	.usage = "RELATION",
	.description = "The coach no longer sees the participant; the feedback given stays.\n"
		       "RELATION is its id, or the participant's and the coach's e-mail\n"
		       "addresses: anna@example.org/coach@example.org.\n",
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &relation_end_call,
};

static const CliOption relation_list_options[] = {
	{"enrollment", 0, "ENROLLMENT", "only the relations of this enrollment"},
	{"coach", 0, "EMAIL", "only the relations of this coach"},
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const Call relation_list_call = {
	.request = RQ(LIST_RELATIONS),
	.reply = RS(RELATIONS),
	.fields = "coach=coach_person_id",
	.items = "relations",
	.columns = "id participant_name coach_name kind status starts_on ends_on",
};

static const Command relation_list = {
	.name = "list",
	.summary = "List coaching relations: staff all, a participant hers, a coach theirs",
	.usage = "[--enrollment ENROLLMENT] [--coach EMAIL] " LIST_PAGING_USAGE,
	.options = relation_list_options,
	.handler = call_run,
	.ctx = &relation_list_call,
};

static const Command *const relation_commands[] = {
	&relation_create, &relation_propose, &relation_approve,
	&relation_end,    &relation_list,    NULL,
};

const Command cmd_relation = {
	.name = "relation",
	.summary = "Coaching relations between participants and their coaches",
	.subcommands = relation_commands,
};

/* ---- consent -------------------------------------------------------------- */

static const NameEntry consent_entries[] = {
	{TRIAD__V1__CONSENT_LEVEL__CONSENT_LEVEL_NONE, "none", "nothing of your progress", false},
	{TRIAD__V1__CONSENT_LEVEL__CONSENT_LEVEL_PROGRESS, "progress",
	 "your progress: status, credits, modules and attendance", false},
	{TRIAD__V1__CONSENT_LEVEL__CONSENT_LEVEL_FULL, "full",
	 "your progress and the feedback your coaches give you", false},
};

/* Consent levels; none is a choice here, not "unspecified". */
static const NameMap names_consent = {"consent level", "levels", "CONSENT_LEVEL_",
				      consent_entries,
				      sizeof consent_entries / sizeof consent_entries[0]};

static const char *
consent_entry(int level, bool label)
{
	for (size_t i = 0; i < names_consent.n; i++)
		if (consent_entries[i].value == level)
			return label ? consent_entries[i].label : consent_entries[i].name;
	return NULL;
}

/*
 * ORG LEVEL [--enrollment E], or as before ENROLLMENT ORG LEVEL. The
 * arguments filled enrollment_id and organisation_id in the old order;
 * here they are put right, and the enrollment left to the server (the
 * participant's own) when not given.
 */
static TriadExit
consent_prepare(Client *c, const CliArgs *args, ProtobufCMessage *target)
{
	Triad__V1__SetConsentRequest *m = (Triad__V1__SetConsentRequest *)target;
	const char *enrollment, *level_word = args->pos[args->n_pos - 1];
	char why[512];
	int level;
	TriadExit rc = resource_option(c, args, "enrollment", false, &enrollment);

	if (rc != TRIAD_EXIT_OK)
		return rc;
	if (args->n_pos == 3 && enrollment != NULL)
		return client_usage_error(c, "give the enrollment once: as --enrollment or as the "
					     "first argument");
	if (args->n_pos == 3)
		enrollment = args->pos[0];
	if (!names_parse(&names_consent, level_word, &level)) {
		names_explain(&names_consent, level_word, why, sizeof why);
		return client_usage_error(c, "invalid LEVEL: %s", why);
	}
	if (!fields_set_named(target, "enrollment_id", enrollment != NULL ? enrollment : "") ||
	    !fields_set_named(target, "organisation_id", args->pos[args->n_pos - 2]))
		return client_out_of_memory(c);
	m->level = (Triad__V1__ConsentLevel)level;
	return TRIAD_EXIT_OK;
}

static TriadExit
consent_print(Client *c, const ProtobufCMessage *answer)
{
	const Triad__V1__Consent *k = (const Triad__V1__Consent *)answer;
	const char *what = consent_entry(k->level, true);
	char level[16];

	if (c->format != PRINT_TEXT) {
		const char *name = consent_entry(k->level, false);
		const char *headers[] = {"enrollment_id", "organisation_id", "level", "updated_at"};
		char updated[WHEN_MAX];
		const char *cells[] = {k->enrollment_id, k->organisation_id,
				       name != NULL ? name : resource_u64((uint64_t)k->level, level,
									  sizeof level),
				       WHEN_US(k, updated_at, updated)};

		return resource_print_record(c, 4, headers, cells);
	}
	print_sanitized(c->out, k->organisation_name[0] != '\0' ? k->organisation_name
							       : k->organisation_id);
	fputs(" may now see ", c->out);
	if (what != NULL)
		fputs(what, c->out);
	else
		fprintf(c->out, "what consent level %d allows", (int)k->level);
	fputs(" (", c->out);
	if (k->programme_code[0] != '\0') {
		print_sanitized(c->out, k->programme_code);
		fputs(", ", c->out);
	}
	fputs("enrollment ", c->out);
	print_sanitized(c->out, k->enrollment_id);
	fputs(").\n", c->out);
	return TRIAD_EXIT_OK;
}

static const Call consent_set_call = {
	.request = RQ(SET_CONSENT),
	.reply = RS(CONSENT),
	.args = "enrollment_id organisation_id",
	.fields = "enrollment=",
	.prepare = consent_prepare,
	.print = consent_print,
};

static const CliOption consent_set_options[] = {
	{"enrollment", 0, "ENROLLMENT", "which of your enrollments: programme code or cohort "
					"name"},
	END_OPTIONS,
};

static const Command consent_set = {
	.name = "set",
	.summary = "Say what an employer may see of your enrollment",
	.usage = "ORG LEVEL [--enrollment ENROLLMENT]",
	.description =
		"ORG is the organisation's name or registry number. The enrollment is\n"
		"yours: with one, it needs no naming; with several, name it by programme\n"
		"code or cohort name ('triad me' lists them).\n"
		"\n"
		"LEVEL is what the organisation's contacts see:\n"
		"  none      nothing of your progress; this is where everyone starts, and\n"
		"            setting it takes consent back\n"
		"  progress  your status, credits, modules and attendance\n"
		"  full      your progress and the feedback your coaches give you\n"
		"\n"
		"You can change it at any time; every change is recorded.\n",
	.options = consent_set_options,
	.min_args = 2,
	.max_args = 3,
	.handler = call_run,
	.ctx = &consent_set_call,
};

/* The level by its word (progress, full) in every format. */
static void
consent_cells(const ProtobufCMessage *m, const char **cells, CallNumbers *num)
{
	const Triad__V1__Consent *k = (const Triad__V1__Consent *)m;
	const char *level = consent_entry(k->level, false);

	cells[0] = k->participant_name;
	cells[1] = k->programme_code;
	cells[2] = k->organisation_name;
	cells[3] = level != NULL ? level : resource_u64((uint64_t)k->level, num->n[0],
							 sizeof num->n[0]);
	cells[4] = WHEN_US(k, updated_at, num->n[1]);
	cells[5] = k->enrollment_id;
	cells[6] = k->organisation_id;
}

static const char *const consent_headers[] = {
	"participant_name", "programme_code", "organisation_name", "level", "updated_at",
	"enrollment_id", "organisation_id",
};

static const CliOption consent_list_options[] = {
	{"enrollment", 0, "ENROLLMENT", "only the consents of this enrollment"},
	{"org", 0, "ORG", "only the consents given to this organisation"},
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const Call consent_list_call = {
	.request = RQ(LIST_CONSENTS),
	.reply = RS(CONSENTS),
	.fields = "org=organisation_id",
	.items = "consents",
	.ncols = sizeof consent_headers / sizeof consent_headers[0],
	.headers = consent_headers,
	.cells = consent_cells,
};

static const Command consent_list = {
	.name = "list",
	.summary = "List consents: those you gave, or those given to your organisation",
	.usage = "[--enrollment ENROLLMENT] [--org ORG] " LIST_PAGING_USAGE,
	.description =
		"A participant sees the consents she gave (also those set back to none);\n"
		"an employer's contact the participants who consented to the\n"
		"organisation, and at which level; programme staff all of the\n"
		"institution's.\n",
	.options = consent_list_options,
	.handler = call_run,
	.ctx = &consent_list_call,
};

static const Command *const consent_commands[] = {&consent_set, &consent_list, NULL};

const Command cmd_consent = {
	.name = "consent",
	.summary = "Say what an employer may see of your progress and feedback",
	.subcommands = consent_commands,
};

/* ---- the employer's view -------------------------------------------------- */

static const char *const view_headers[] = {
	"participant_name", "programme_code", "consent",  "status",  "credits",
	"modules",          "sessions",       "enrollment_id",
};
#define VIEW_COLS (sizeof view_headers / sizeof view_headers[0])

static const char *const view_text_headers[] = {
	"participant", "programme", "shares", "status", "credits", "modules",
	"sessions",    "enrollment",
};

static bool
view_row(Table *t, const Triad__V1__EmployerView *v)
{
	const char *consent = consent_entry(v->consent, false);
	bool progress = v->consent != TRIAD__V1__CONSENT_LEVEL__CONSENT_LEVEL_NONE;
	char credits[64] = "", modules[32] = "", sessions[64] = "", level[16];
	const char *cells[VIEW_COLS];

	if (progress) {
		snprintf(credits, sizeof credits, "%.15g of %.15g", v->credits_earned,
			 v->credits_required);
		snprintf(modules, sizeof modules, "%d of %d", (int)v->modules_completed,
			 (int)v->modules_total);
		snprintf(sessions, sizeof sessions, "%d attended, %d missed",
			 (int)v->sessions_attended, (int)v->sessions_missed);
	}
	cells[0] = v->participant_name;
	cells[1] = v->programme_code;
	cells[2] = consent != NULL ? consent : resource_u64((uint64_t)v->consent, level,
							    sizeof level);
	cells[3] = v->status;
	cells[4] = credits;
	cells[5] = modules;
	cells[6] = sessions;
	cells[7] = v->enrollment_id;
	return table_add_row(t, cells);
}

/* Write text under a heading, each of its lines indented; nothing when empty. */
static void
print_part(FILE *out, const char *heading, const char *text)
{
	if (text == NULL || text[0] == '\0')
		return;
	fprintf(out, "  %s:\n", heading);
	while (*text != '\0') {
		size_t len = strcspn(text, "\n");
		char *line = strndup(text, len);

		fputs("    ", out);
		print_sanitized(out, line != NULL ? line : "");
		putc('\n', out);
		free(line);
		text += len;
		if (*text == '\n')
			text++;
	}
}

static TriadExit
view_print(Client *c, const Triad__V1__ListEmployerViewReply *v)
{
	Table *t = client_table(c, VIEW_COLS, c->format == PRINT_TEXT ? view_text_headers
							       : view_headers);
	bool ok = t != NULL;

	if (c->format == PRINT_JSON) {
		table_free(t);
		fields_print_json(c->out, &v->base);
		putc('\n', c->out);
		return TRIAD_EXIT_OK;
	}
	for (size_t i = 0; ok && i < v->n_participants; i++)
		ok = view_row(t, v->participants[i]);
	if (!ok) {
		table_free(t);
		return client_out_of_memory(c);
	}
	if (c->format == PRINT_TEXT && v->n_participants == 0)
		fputs("No participants have shared their progress with your organisation.\n",
		      c->out);
	else if (!table_print(t, c->format, c->out))
		ok = false;
	table_free(t);
	if (c->format != PRINT_TEXT)
		return ok ? TRIAD_EXIT_OK : TRIAD_EXIT_SERVER;
	for (size_t i = 0; i < v->n_participants; i++) {
		const Triad__V1__EmployerView *p = v->participants[i];
		bool any = false;

		if (p->consent != TRIAD__V1__CONSENT_LEVEL__CONSENT_LEVEL_FULL)
			continue;
		for (size_t k = 0; k < v->n_feedback; k++) {
			const Triad__V1__Feedback *f = v->feedback[k];
			char when[32];

			if (strcmp(f->enrollment_id, p->enrollment_id) != 0)
				continue;
			if (!any) {
				fputs("\nFeedback for ", c->out);
				print_sanitized(c->out, p->participant_name);
				fputs(":\n", c->out);
				any = true;
			}
			fputs("\n  ", c->out);
			char created[WHEN_MAX];
			print_sanitized(c->out, feedback_local_time(WHEN_US(f, created_at, created),
								    "%Y-%m-%d %H:%M", when,
								    sizeof when));
			fputs(", from ", c->out);
			print_sanitized(c->out, f->coach_name);
			putc('\n', c->out);
			const char *texts[FEEDBACK_PARTS] = {f->situation, f->behaviour,
							     f->effect, f->suggestion};

			for (int part = 0; part < FEEDBACK_PARTS; part++)
				print_part(c->out, feedback_headings[part], texts[part]);
		}
	}
	return ok ? TRIAD_EXIT_OK : TRIAD_EXIT_SERVER;
}

/* Moves the rows of more (a later page) to the end of all. */
static bool
view_append(Triad__V1__ListEmployerViewReply *all, Triad__V1__ListEmployerViewReply *more)
{
	Triad__V1__EmployerView **p = realloc(all->participants, (all->n_participants +
								 more->n_participants + 1) *
								sizeof *p);
	Triad__V1__Feedback **f;
	char *next;

	if (p == NULL)
		return false;
	all->participants = p;
	f = realloc(all->feedback, (all->n_feedback + more->n_feedback + 1) * sizeof *f);
	if (f == NULL)
		return false;
	all->feedback = f;
	if ((next = strdup(more->next_page_token)) == NULL)
		return false;
	memcpy(p + all->n_participants, more->participants,
	       more->n_participants * sizeof *p);
	all->n_participants += more->n_participants;
	more->n_participants = 0;
	memcpy(f + all->n_feedback, more->feedback, more->n_feedback * sizeof *f);
	all->n_feedback += more->n_feedback;
	more->n_feedback = 0;
	if (all->next_page_token != protobuf_c_empty_string)
		free(all->next_page_token);
	all->next_page_token = next;
	return true;
}

static int
employer_view_run(Client *c, const Command *cmd, const CliArgs *args)
{
	Triad__V1__ListEmployerViewRequest m = TRIAD__V1__LIST_EMPLOYER_VIEW_REQUEST__INIT;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__Response *resp;
	ListPaging paging;
	TriadExit rc;

	if ((rc = list_paging_parse(c, args, &paging)) != TRIAD_EXIT_OK)
		return rc;
	m.page_size = paging.page_size;
	m.page_token = (char *)paging.page_token;
	req.body_case = RQ(LIST_EMPLOYER_VIEW);
	req.list_employer_view = &m;
	if ((rc = client_call_expect(c, &req, RS(EMPLOYER_VIEW), &resp)) != TRIAD_EXIT_OK)
		return rc;
	/* --all: the pages after the first, gathered into the first answer. */
	while (paging.all && resp->employer_view->next_page_token[0] != '\0') {
		Triad__V1__ListEmployerViewReply *all = resp->employer_view;
		Triad__V1__Response *more;
		char *token = strdup(all->next_page_token);

		if (token == NULL) {
			rpc_response_free(resp);
			return client_out_of_memory(c);
		}
		m.page_token = token;
		rc = client_call_expect(c, &req, RS(EMPLOYER_VIEW), &more);
		free(token);
		if (rc != TRIAD_EXIT_OK) {
			rpc_response_free(resp);
			return rc;
		}
		if (!view_append(all, more->employer_view)) {
			rpc_response_free(more);
			rpc_response_free(resp);
			return client_out_of_memory(c);
		}
		rpc_response_free(more);
	}
	rc = view_print(c, resp->employer_view);
	if (rc == TRIAD_EXIT_OK && resp->employer_view->next_page_token[0] != '\0') {
		fflush(c->out);
		fprintf(c->err, "%s: there are more participants; run it again with --page-token ",
			c->path);
		print_sanitized(c->err, resp->employer_view->next_page_token);
		putc('\n', c->err);
	}
	rpc_response_free(resp);
	return rc;
}

static const CliOption employer_view_options[] = {
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const Command employer_view = {
	.name = "view",
	.summary = "See the participants of your organisation, as far as they consent",
	.usage = LIST_PAGING_USAGE,
	.description =
		"Each participant decides what you see ('triad consent set'): their progress\n"
		"(status, credits, modules, attendance), and with full consent also the\n"
		"feedback their coaches give. Participants who share nothing are not listed.\n",
	.options = employer_view_options,
	.handler = employer_view_run,
};

static TriadExit
judgement_print(Client *c, const ProtobufCMessage *answer)
{
	const Triad__V1__AdvisoryJudgement *j = (const Triad__V1__AdvisoryJudgement *)answer;

	if (c->format != PRINT_TEXT)
		return call_print_record(c, answer);
	fputs("Your advisory judgement on the workplace intervention of ", c->out);
	if (j->participant_name[0] != '\0') {
		print_sanitized(c->out, j->participant_name);
	} else {
		fputs("enrollment ", c->out);
		print_sanitized(c->out, j->enrollment_id);
	}
	fputs(" is recorded (id ", c->out);
	print_sanitized(c->out, j->id);
	fputs(").\n", c->out);
	return TRIAD_EXIT_OK;
}

static const CliOption employer_judge_options[] = {
	{"text", 0, "TEXT", "your judgement, in words"},
	END_OPTIONS,
};

static const Call employer_judge_call = {
	.request = RQ(ADD_ADVISORY_JUDGEMENT),
	.reply = RS(ADVISORY_JUDGEMENT),
	.args = "enrollment_id",
	.required = "text",
	.print = judgement_print,
};

static const Command employer_judge = {
	.name = "judge",
	.summary = "Give advice on a participant's workplace intervention",
	.usage = "ENROLLMENT --text TEXT",
	.description =
		"ENROLLMENT is the participant's e-mail address (with the programme's code\n"
		"when she follows several: anna@example.org/MPM), as 'triad employer view'\n"
		"shows her, or the enrollment's id.\n"
		"\n"
		"The judgement is about one subject only: the change the participant\n"
		"brings about at work (the workplace intervention). It is advice, in\n"
		"words, for the programme's assessors: employers never grade, and the\n"
		"grade is the assessors' alone.\n",
	.options = employer_judge_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &employer_judge_call,
};

static const Command *const employer_commands[] = {&employer_view, &employer_judge, NULL};

const Command cmd_employer = {
	.name = "employer",
	.summary = "For employers: your participants' progress, and advice on their work",
	.subcommands = employer_commands,
};

/* ---- reading advisory judgements ---------------------------------------------- */

static const CliOption judgement_list_options[] = {
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const Call judgement_list_call = {
	.request = RQ(LIST_ADVISORY_JUDGEMENTS),
	.reply = RS(ADVISORY_JUDGEMENTS),
	.args = "enrollment_id",
	.items = "advisory judgements",
	.columns = "created_at participant_name organisation_name author_name text",
};

static const Command judgement_list = {
	.name = "list",
	.summary = "Read employers' advisory judgements on workplace interventions",
	.usage = "[ENROLLMENT] " LIST_PAGING_USAGE,
	.description =
		"The programme's assessors read all of them, a participant those about\n"
		"her, an employer's contact those of the organisation. ENROLLMENT (the\n"
		"participant's e-mail address, or an id) narrows it to one participant.\n",
	.options = judgement_list_options,
	.max_args = 1,
	.handler = call_run,
	.ctx = &judgement_list_call,
};

static const Command *const judgement_commands[] = {&judgement_list, NULL};

const Command cmd_judgement = {
	.name = "judgement",
	.summary = "Employers' advisory judgements, for assessors and participants",
	.subcommands = judgement_commands,
};

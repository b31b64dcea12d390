/*
 * cmd_event.c: events with their registrations, waitlist, attendance and
 * topic suggestions; alumni; ambassadors and their activities
 * (proto/triad/v1/event.proto).
 *
 * Every command is a Call (call.h); times are read and shown in the
 * user's time zone (when.h). By hand below: a topic typed as words, the
 * waitlist as a list of its own, and `event register`, which says in a
 * sentence whether there was a place.
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

#define EVENT_KINDS                                                                        \
	"Kinds: symposium, alumni-presentation, practice-coach-meeting,\n"                 \
	"community-meeting or intervision.\n"

/* ---- events ---------------------------------------------------------------- */

static const CliOption event_create_options[] = {
	{"kind", 0, "KIND", "what sort of event (see below)"},
	{"title", 0, "TITLE", "what the event is called"},
	{"starts", 0, "WHEN", "day and local time it begins, such as '2026-10-01 14:00'"},
	{"history", 0, NULL, "record an event that was held: --starts may be in the past"},
	{"place", 0, "PLACE", "where it is held"},
	{"capacity", 0, "N", "the most people who get a place, 1 to 10000 (default 25)"},
	{"community", 0, "ID", "the community it belongs to"},
	{"programme", 0, "CODE", "the programme it is for"},
	{"presenter", 0, "EMAIL", "for an alumni presentation: the alumnus who presents"},
	{"topic", 0, "TEXT", "for an alumni presentation: what it is about"},
	{"description", 0, "TEXT", "what to expect"},
	END_OPTIONS,
};

static const Call event_create_call = {
	.request = RQ(CREATE_EVENT),
	.reply = RS(EVENT),
	.fields = "starts=starts_at presenter=presenter_person_id history=record_history",
	.required = "kind title starts",
};

static const Command event_create = {
	.name = "create",
	.summary = "Plan an event",
	.usage = "--kind KIND --title TITLE --starts WHEN [--history] [--place PLACE] "
		 "[--capacity N] [--community ID] [--programme CODE] "
		 "[--presenter EMAIL --topic TEXT] [--description TEXT]",
	.description =
		EVENT_KINDS
		"A community meeting needs --community. An alumni presentation needs\n"
		"--presenter, an alumnus of one of the institution's programmes, and --topic.\n"
		"\n"
		"--starts is a day and a time in your time zone (TZ; UTC with --utc),\n"
		"such as '2026-10-01 14:00', or a full RFC 3339 time. It is now or later,\n"
		"unless --history records an event that was held.\n"
		"\n"
		"An event of a community is seen by its members and staff; one without a\n"
		"community by everyone in the institution. Who registers when the event is\n"
		"full is put on its waitlist.\n",
	.options = event_create_options,
	.handler = call_run,
	.ctx = &event_create_call,
};

CALL_SHOW(event_show, "event", RQ(GET_EVENT), RS(EVENT));

static const CliOption event_list_options[] = {
	{"community", 0, "ID", "only the events of this community"},
	{"kind", 0, "KIND", "only events of this kind (see below)"},
	{"upcoming", 0, NULL, "only events that have not begun"},
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const Call event_list_call = {
	.request = RQ(LIST_EVENTS),
	.reply = RS(EVENTS),
	.items = "events",
	.columns = "starts_at title kind place capacity placed waitlisted community_name id",
};

static const Command event_list = {
	.name = "list",
	.summary = "List the events you may see",
	.usage = "[--community ID] [--kind KIND] [--upcoming] " LIST_PAGING_USAGE,
	.description = "Filters combine. Times are shown in your time zone (TZ; UTC with\n"
		       "--utc).\n"
		       EVENT_KINDS,
	.options = event_list_options,
	.handler = call_run,
	.ctx = &event_list_call,
};

static const Call event_capacity_call = {
	.request = RQ(SET_EVENT_CAPACITY),
	.reply = RS(EVENT),
	.args = "id capacity",
};

static const Command event_capacity = {
	.name = "capacity",
	.summary = "Change how many people an event has room for",
	.usage = "ID N",
	.description =
		"N is from 1 to 10000. More room gives places to the first on the waitlist,\n"
		"in order of arrival. Less room than the people already placed is refused:\n"
		"cancel registrations first.\n",
	.min_args = 2,
	.max_args = 2,
	.handler = call_run,
	.ctx = &event_capacity_call,
};

/*
 * The event a registration is for, as "Symposium 2026 on 2026-10-01
 * 14:00", into buf; "event ID" when it cannot be looked up.
 */
static const char *
event_phrase(Client *c, const char *event_id, char *buf, size_t len)
{
	Triad__V1__GetEventRequest get = TRIAD__V1__GET_EVENT_REQUEST__INIT;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__Response *resp;
	RpcError err;
	char when[64];

	get.id = (char *)event_id;
	req.body_case = RQ(GET_EVENT);
	req.get_event = &get;
	if (call_quietly(c, &req, RS(EVENT), &resp, &err) != TRIAD_EXIT_OK ||
	    resp->event->title[0] == '\0') {
		rpc_response_free(resp);
		snprintf(buf, len, "event %s", event_id);
		return buf;
	}
	char starts_buf[WHEN_MAX];
	const char *starts = WHEN_US(resp->event, starts_at, starts_buf);
	if (starts[0] != '\0')
		snprintf(buf, len, "%s on %s", resp->event->title,
			 feedback_local_time(starts, "%Y-%m-%d %H:%M", when, sizeof when));
	else
		snprintf(buf, len, "%s", resp->event->title);
	rpc_response_free(resp);
	return buf;
}

/*
 * "Registered for Symposium 2026 on 2026-10-01 14:00 (registration r-1):
 * you have a place." for oneself, or "Registered Ada Lovelace for ...:
 * placed." for someone else; with the waitlist position when it was full.
 */
static TriadExit
registered_print(Client *c, const Triad__V1__EventRegistration *r, bool self)
{
	char event[512];

	if (c->format != PRINT_TEXT)
		return call_print_record(c, &r->base);
	event_phrase(c, r->event_id, event, sizeof event);
	fputs("Registered ", c->out);
	if (!self) {
		print_sanitized(c->out, r->person_name[0] != '\0' ? r->person_name : r->person_id);
		putc(' ', c->out);
	}
	fputs("for ", c->out);
	print_sanitized(c->out, event);
	fputs(" (registration ", c->out);
	print_sanitized(c->out, r->id);
	fputs("): ", c->out);
	if (r->placement == TRIAD__V1__PLACEMENT__PLACEMENT_WAITLISTED && self)
		fprintf(c->out, "the event is full; you are number %d on the waitlist.\n"
				"You get a place by yourself, in order, when one frees up.\n",
			(int)r->waitlist_position);
	else if (r->placement == TRIAD__V1__PLACEMENT__PLACEMENT_WAITLISTED)
		fprintf(c->out, "the event is full; waitlisted at number %d.\n",
			(int)r->waitlist_position);
	else if (r->placement == TRIAD__V1__PLACEMENT__PLACEMENT_PLACED)
		fputs(self ? "you have a place.\n" : "placed.\n", c->out);
	else
		fputs("not placed yet.\n", c->out);
	return TRIAD_EXIT_OK;
}

/* call_run(), but the answer's sentence depends on whether EMAIL was given. */
static int
event_register_run(Client *c, const Command *cmd, const CliArgs *args)
{
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	ProtobufCMessage *body = fields_new(call_target(cmd->ctx));
	Triad__V1__Response *resp;
	TriadExit rc;

	if (body == NULL)
		return client_out_of_memory(c);
	rc = call_fill(c, cmd, args, body);
	req.body_case = RQ(REGISTER_FOR_EVENT);
	req.register_for_event = (Triad__V1__RegisterForEventRequest *)body;
	if (rc == TRIAD_EXIT_OK)
		rc = client_call_expect(c, &req, RS(REGISTRATION), &resp);
	if (rc == TRIAD_EXIT_OK) {
		rc = registered_print(c, resp->registration, args->n_pos < 2);
		rpc_response_free(resp);
	}
	fields_free(body);
	return rc;
}

static const Call event_register_call = {
	.request = RQ(REGISTER_FOR_EVENT),
	.reply = RS(REGISTRATION),
	.args = "event_id person_id",
};

static const Command event_register = {
	.name = "register",
	.summary = "Register for an event, yourself or (staff) someone else",
	.usage = "EVENT_ID [EMAIL]",
	.description =
		"Says whether there was a place. When the event is full the registration is\n"
		"put on the waitlist, in order of arrival, and gets a place by itself when\n"
		"one frees up: someone cancels, or the event gets more room. Registering\n"
		"twice is refused. Staff may register anyone of the institution.\n",
	.min_args = 1,
	.max_args = 2,
	.handler = event_register_run,
	.ctx = &event_register_call,
};

static const Call event_cancel_call = {
	.request = RQ(CANCEL_REGISTRATION),
	.reply = RS(REGISTRATION),
	.args = "id",
};

static const Command event_cancel = {
	.name = "cancel",
	.summary = "Cancel a registration for an event",
	.usage = "REGISTRATION_ID",
	.description =
		"Your own registration, or any for staff; it is never refused. The place\n"
		"goes to the first on the waitlist. 'triad event registrations EVENT_ID'\n"
		"shows the registration's id.\n",
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &event_cancel_call,
};

static const CliOption paging_options[] = {
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const CliOption registrations_options[] = {
	{"cancelled", 0, NULL, "also cancelled registrations"},
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const Call event_registrations_call = {
	.request = RQ(LIST_REGISTRATIONS),
	.reply = RS(REGISTRATIONS),
	.args = "event_id",
	.fields = "cancelled=include_cancelled",
	.items = "registrations",
	.columns = "person_name status placement waitlist_position attendance registered_at id",
};

static const Command event_registrations = {
	.name = "registrations",
	.summary = "List the registrations for an event",
	.usage = "EVENT_ID [--cancelled]" " " LIST_PAGING_USAGE,
	.description = "Staff see every registration; anyone else their own.\n",
	.options = registrations_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &event_registrations_call,
};

/* The waitlist is the registrations waiting for a place. */
static TriadExit
waitlist_prepare(Client *c, const CliArgs *args, ProtobufCMessage *target)
{
	(void)c;
	(void)args;
	((Triad__V1__ListRegistrationsRequest *)target)->waitlisted = true;
	return TRIAD_EXIT_OK;
}

static const Call event_waitlist_call = {
	.request = RQ(LIST_REGISTRATIONS),
	.reply = RS(REGISTRATIONS),
	.args = "event_id",
	.prepare = waitlist_prepare,
	.items = "registrations on the waitlist",
	.columns = "waitlist_position person_name registered_at id",
};

static const Command event_waitlist = {
	.name = "waitlist",
	.summary = "Show who waits for a place at an event, in order",
	.options = paging_options,
	.usage = "EVENT_ID" " " LIST_PAGING_USAGE,
	.description = "The first in line gets the next place that frees up.\n",
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &event_waitlist_call,
};

static const Call event_attend_call = {
	.request = RQ(RECORD_EVENT_ATTENDANCE),
	.reply = RS(REGISTRATION),
	.args = "registration_id status",
};

static const Command event_attend = {
	.name = "attend",
	.summary = "Record whether a registered person attended an event",
	.usage = "REGISTRATION_ID STATUS",
	.description = "STATUS is present, absent or excused; recording again replaces it.\n"
		       "Only registrations that have a place are recorded.\n",
	.min_args = 2,
	.max_args = 2,
	.handler = call_run,
	.ctx = &event_attend_call,
};

/* The topic: --text, or the words after EVENT_ID. */
static TriadExit
suggest_prepare(Client *c, const CliArgs *args, ProtobufCMessage *target)
{
	size_t len = 0;
	char *text, *p;
	bool ok;

	if (args->n_pos > 1 && cli_args_has(args, "text"))
		return client_usage_error(c, "give the topic either with --text or after EVENT_ID, "
					     "not both");
	if (cli_args_has(args, "text"))
		return TRIAD_EXIT_OK;
	if (args->n_pos < 2)
		return client_usage_error(c, "missing argument TEXT: the topic you suggest");
	for (size_t i = 1; i < args->n_pos; i++)
		len += strlen(args->pos[i]) + 1;
	if ((text = p = malloc(len)) == NULL)
		return client_out_of_memory(c);
	for (size_t i = 1; i < args->n_pos; i++)
		p += sprintf(p, "%s%s", i > 1 ? " " : "", args->pos[i]);
	ok = fields_set_named(target, "text", text);
	free(text);
	return ok ? TRIAD_EXIT_OK : client_out_of_memory(c);
}

static const CliOption suggest_options[] = {
	{"text", 0, "TEXT", "the topic, instead of the words after EVENT_ID"},
	END_OPTIONS,
};

static const Call event_suggest_call = {
	.request = RQ(SUGGEST_TOPIC),
	.reply = RS(TOPIC),
	.args = "event_id",
	.prepare = suggest_prepare,
};

static const Command event_suggest = {
	.name = "suggest",
	.summary = "Suggest a topic for an event",
	.usage = "EVENT_ID (TEXT... | --text TEXT)",
	.description =
		"Participants, coaches, alumni, partners and staff who may see an event can\n"
		"suggest what it should be about, up to 500 characters, until it begins.\n"
		"Example:\n"
		"  triad event suggest EVENT_ID How do we keep night shifts safe?\n",
	.options = suggest_options,
	.min_args = 1,
	.max_args = CLI_ARGS_ANY,
	.handler = call_run,
	.ctx = &event_suggest_call,
};

static const Call event_topics_call = {
	.request = RQ(LIST_TOPICS),
	.reply = RS(TOPICS),
	.args = "event_id",
	.items = "topics",
	.columns = "text person_name suggested_as created_at id",
};

static const Command event_topics = {
	.name = "topics",
	.summary = "List the topics suggested for an event",
	.options = paging_options,
	.usage = "EVENT_ID" " " LIST_PAGING_USAGE,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &event_topics_call,
};

static const Command *const event_commands[] = {
	&event_create, &event_list,          &event_show,     &event_capacity,
	&event_register, &event_cancel,      &event_registrations, &event_waitlist,
	&event_attend, &event_suggest,       &event_topics,   NULL,
};

const Command cmd_event = {
	.name = "event",
	.summary = "Symposia, alumni presentations and other meetings; registration",
	.description =
		"An event never places more people than its capacity. Who registers when it\n"
		"is full waits on its waitlist in order of arrival, and gets a place by\n"
		"itself when someone cancels or the event gets more room.\n",
	.subcommands = event_commands,
};

/* ---- alumni ---------------------------------------------------------------- */

static const CliOption alumni_list_options[] = {
	{"programme", 0, "CODE", "only the alumni of this programme"},
	{"person", 0, "EMAIL", "only this person"},
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const Call alumni_list_call = {
	.request = RQ(LIST_ALUMNI),
	.reply = RS(ALUMNI),
	.items = "alumni",
	.columns = "person_name programme_code cohort_name completed_on coaching presentations "
		   "ambassador person_id",
};

static const Command alumni_list = {
	.name = "list",
	.summary = "List alumni and the roles they take",
	.usage = "[--programme CODE] [--person EMAIL] " LIST_PAGING_USAGE,
	.description =
		"A person whose enrollment in a programme is completed is an alumnus of that\n"
		"programme; nothing else needs to be recorded. The columns count what they\n"
		"do: coaching (active alumni-coach relations), presentations (alumni\n"
		"presentations given or planned), and whether they are an ambassador now.\n"
		"Staff see every alumnus; anyone else only themselves.\n",
	.options = alumni_list_options,
	.handler = call_run,
	.ctx = &alumni_list_call,
};

static const Command *const alumni_commands[] = {&alumni_list, NULL};

const Command cmd_alumni = {
	.name = "alumni",
	.summary = "Alumni: who completed a programme, and how they stay involved",
	.subcommands = alumni_commands,
};

/* ---- ambassadors ----------------------------------------------------------- */

static const CliOption ambassador_add_options[] = {
	{"person", 0, "EMAIL", "who speaks for the programme"},
	{"programme", 0, "CODE", "the programme they speak for"},
	{"org", 0, "ORG", "the organisation where they speak for it"},
	{"basis", 0, "BASIS", "executive or alumnus"},
	{"starts", 0, "YYYY-MM-DD", "the first day (default today)"},
	{"ends", 0, "YYYY-MM-DD", "the last day (default: open-ended)"},
	END_OPTIONS,
};

static const Call ambassador_add_call = {
	.request = RQ(CREATE_AMBASSADOR),
	.reply = RS(AMBASSADOR),
	.fields = "org=organisation_id",
	.required = "person programme org basis",
};

static const Command ambassador_add = {
	.name = "add",
	.summary = "Name an ambassador of a programme at an organisation",
	.usage = "--person EMAIL --programme CODE --org ORG --basis BASIS [--starts YYYY-MM-DD] "
		 "[--ends YYYY-MM-DD]",
	.description =
		"An ambassador speaks for the programme at their organisation. --basis says\n"
		"who they are: executive, an executive of the organisation; or alumnus, who\n"
		"must have completed the programme.\n",
	.options = ambassador_add_options,
	.handler = call_run,
	.ctx = &ambassador_add_call,
};

static const CliOption ambassador_list_options[] = {
	{"programme", 0, "CODE", "only the ambassadors of this programme"},
	{"org", 0, "ORG", "only those at this organisation"},
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const Call ambassador_list_call = {
	.request = RQ(LIST_AMBASSADORS),
	.reply = RS(AMBASSADORS),
	.fields = "org=organisation_id",
	.items = "ambassadors",
	.columns = "person_name organisation_name programme_code basis starts_on ends_on "
		   "activities id",
};

static const Command ambassador_list = {
	.name = "list",
	.summary = "List ambassadors, current and former",
	.usage = "[--programme CODE] [--org ORG] " LIST_PAGING_USAGE,
	.options = ambassador_list_options,
	.handler = call_run,
	.ctx = &ambassador_list_call,
};

static const CliOption ambassador_end_options[] = {
	{"on", 0, "YYYY-MM-DD", "the last day (default today)"},
	END_OPTIONS,
};

static const Call ambassador_end_call = {
	.request = RQ(END_AMBASSADOR),
	.reply = RS(AMBASSADOR),
	.args = "id",
	.fields = "on=ends_on",
};

static const Command ambassador_end = {
	.name = "end",
	.summary = "End an ambassadorship",
	.usage = "ID [--on YYYY-MM-DD]",
	.description = "What the ambassador did stays recorded.\n",
	.options = ambassador_end_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &ambassador_end_call,
};

static const CliOption activity_add_options[] = {
	{"kind", 0, "KIND", "guest-lecture, talk or recruitment"},
	{"on", 0, "YYYY-MM-DD", "the day (default today)"},
	{"description", 0, "TEXT", "what it was"},
	{"reach", 0, "N", "how many people it reached"},
	END_OPTIONS,
};

static const Call activity_add_call = {
	.request = RQ(RECORD_AMBASSADOR_ACTIVITY),
	.reply = RS(AMBASSADOR_ACTIVITY),
	.args = "ambassador_id",
	.fields = "on=held_on",
	.required = "kind",
};

static const Command activity_add = {
	.name = "add",
	.summary = "Record what an ambassador did",
	.usage = "AMBASSADOR_ID --kind KIND [--on YYYY-MM-DD] [--description TEXT] [--reach N]",
	.options = activity_add_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &activity_add_call,
};

static const Call activity_list_call = {
	.request = RQ(LIST_AMBASSADOR_ACTIVITIES),
	.reply = RS(AMBASSADOR_ACTIVITIES),
	.args = "ambassador_id",
	.items = "activities",
	.columns = "held_on ambassador_name kind reach description id",
};

static const Command activity_list = {
	.name = "list",
	.summary = "List what ambassadors did, newest first",
	.options = paging_options,
	.usage = "[AMBASSADOR_ID]" " " LIST_PAGING_USAGE,
	.description = "Without AMBASSADOR_ID, the activities of every ambassador.\n",
	.min_args = 0,
	.max_args = 1,
	.handler = call_run,
	.ctx = &activity_list_call,
};

static const Command *const activity_commands[] = {&activity_add, &activity_list, NULL};

static const Command ambassador_activity = {
	.name = "activity",
	.summary = "Guest lectures, talks and recruitment by ambassadors",
	.subcommands = activity_commands,
};

static const Command *const ambassador_commands[] = {
	&ambassador_add, &ambassador_list, &ambassador_end, &ambassador_activity, NULL,
};

const Command cmd_ambassador = {
	.name = "ambassador",
	.summary = "People who speak for a programme at their organisation",
	.subcommands = ambassador_commands,
};

/*
 * cmd_journey.c: the learning journey. `triad journey` (one participant's
 * journey at a glance, and a programme's plan), `triad conversation`
 * (intake, development, final and three-way conversations, their notes and
 * agreed actions), `triad logbook` (a chapter per module) and `triad
 * timeline`. All but `logbook write` are Calls (call.h); `logbook write`
 * keeps the text in a buffer on disk (logbook.h) until the server has it.
 */
#include "call.h"
#include "commands.h"
#include "editor.h"
#include "feedback.h"
#include "logbook.h"
#include "resource.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define RQ(x) TRIAD__V1__REQUEST__BODY_##x
#define RS(x) TRIAD__V1__RESPONSE__BODY_##x
#define END_OPTIONS {NULL, 0, NULL, NULL}

#define PARTICIPANT_HELP                                                                   \
	"PARTICIPANT is the participant's e-mail address; with several enrollments,\n"    \
	"add the programme code or cohort: anna@example.org/METRO.\n"
#define CONVERSATION_HELP                                                                  \
	"CONVERSATION is the participant's e-mail address and the kind, such as\n"        \
	"anna@example.org/intake (the latest of that kind), or\n"                         \
	"anna@example.org/development/2 for the second; its id works too.\n"

/* ---- journey ---- */

static const Call journey_show_call = {
	.request = RQ(GET_JOURNEY),
	.reply = RS(JOURNEY),
	.args = "enrollment_id",
};

static const Command journey_show = {
	.name = "show",
	.summary = "Show a participant's journey: conversations held and what is missing",
	.usage = "[PARTICIPANT]",
	.description = "Without PARTICIPANT, your own journey.\n" PARTICIPANT_HELP,
	.max_args = 1,
	.handler = call_run,
	.ctx = &journey_show_call,
};

static const CliOption plan_options[] = {
	{"intake-required", 0, NULL, "admission needs a held intake conversation"},
	{"no-intake-required", 0, NULL, "admission needs no intake conversation"},
	{"development", 0, "N", "how many development conversations a participant has"},
	END_OPTIONS,
};

static const Call journey_plan_call = {
	.request = RQ(SET_JOURNEY_PLAN),
	.reply = RS(JOURNEY_PLAN),
	.args = "programme_id",
	.fields = "development=development_conversations",
};

static const Command journey_plan = {
	.name = "plan",
	.summary = "Set what a programme's journey asks for",
	.usage = "PROGRAMME [--intake-required | --no-intake-required] [--development N]",
	.description =
		"PROGRAMME is the programme's code. Metropool requires a held intake\n"
		"conversation before admission and has two development conversations:\n"
		"  triad journey plan METRO --intake-required --development 2\n"
		"Only what is given changes.\n",
	.options = plan_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &journey_plan_call,
};

static const Command *const journey_commands[] = {&journey_show, &journey_plan, NULL};

const Command cmd_journey = {
	.name = "journey",
	.summary = "A participant's journey at a glance, and a programme's plan",
	.subcommands = journey_commands,
};

/* ---- conversations ---- */

static const CliOption conv_plan_options[] = {
	{"kind", 0, "KIND", "intake, development, final or three-way"},
	{"at", 0, "TIME", "when, such as '2026-11-20 14:00'"},
	{"staff", 0, "EMAIL", "who holds it (repeatable; default: you)"},
	{"coach", 0, "EMAIL", "the workplace coach (three-way conversations)"},
	{"history", 0, NULL, "record one that took place already"},
	END_OPTIONS,
};

static const Call conv_plan_call = {
	.request = RQ(PLAN_CONVERSATION),
	.reply = RS(CONVERSATION),
	.args = "enrollment_id",
	.fields = "at=planned_at history=record_history",
	.required = "kind at",
};

static const Command conv_plan = {
	.name = "plan",
	.summary = "Plan a conversation with a participant",
	.usage = "PARTICIPANT --kind KIND --at TIME [--staff EMAIL]... [--coach EMAIL] "
		 "[--history]",
	.description = PARTICIPANT_HELP,
	.options = conv_plan_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &conv_plan_call,
};

static const CliOption conv_record_options[] = {
	{"notes", 0, "TEXT", "the notes, which the participant reads"},
	{"private-note", 0, "TEXT", "a note for staff only; the participant never sees it"},
	{"held", 0, NULL, "the conversation took place (now, or --held-at)"},
	{"held-at", 0, "TIME", "when it took place"},
	END_OPTIONS,
};

static const Call conv_record_call = {
	.request = RQ(RECORD_CONVERSATION),
	.reply = RS(CONVERSATION),
	.args = "conversation",
};

static const Command conv_record = {
	.name = "record",
	.summary = "Write a conversation's notes, or record that it was held",
	.usage = "CONVERSATION [--notes TEXT] [--private-note TEXT] [--held] [--held-at TIME]",
	.description = CONVERSATION_HELP "Only what is given changes.\n",
	.options = conv_record_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &conv_record_call,
};

static const Call conv_show_call = {
	.request = RQ(GET_CONVERSATION),
	.reply = RS(CONVERSATION),
	.args = "conversation",
};

static const Command conv_show = {
	.name = "show",
	.summary = "Show one conversation",
	.usage = "CONVERSATION",
	.description = CONVERSATION_HELP,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &conv_show_call,
};

static const CliOption conv_list_options[] = {
	{"participant", 0, "EMAIL", "only this participant's"},
	{"kind", 0, "KIND", "only this kind"},
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const Call conv_list_call = {
	.request = RQ(LIST_CONVERSATIONS),
	.reply = RS(CONVERSATIONS),
	.fields = "participant=enrollment_id",
	.items = "conversations",
	.columns = "planned_at kind participant_email held_at staff coach chapters open_actions",
};

static const Command conv_list = {
	.name = "list",
	.summary = "List conversations, in time order",
	.usage = "[--participant EMAIL] [--kind KIND] " LIST_PAGING_USAGE,
	.description = "Staff see every participant's; a participant her own.\n",
	.options = conv_list_options,
	.handler = call_run,
	.ctx = &conv_list_call,
};

static const Call conv_link_call = {
	.request = RQ(LINK_CHAPTER),
	.reply = RS(CONVERSATION),
	.args = "conversation module_id",
};

static const Command conv_link = {
	.name = "link",
	.summary = "Record that a conversation discussed a logbook chapter",
	.usage = "CONVERSATION MODULE",
	.description = CONVERSATION_HELP "MODULE is the chapter's module code, such as M1.\n",
	.min_args = 2,
	.max_args = 2,
	.handler = call_run,
	.ctx = &conv_link_call,
};

static const CliOption action_add_options[] = {
	{"owner", 0, "EMAIL", "who does it: the participant, or who held the conversation"},
	{"due", 0, "DATE", "by when (YYYY-MM-DD)"},
	END_OPTIONS,
};

static const Call action_add_call = {
	.request = RQ(ADD_CONVERSATION_ACTION),
	.reply = RS(CONVERSATION_ACTION),
	.args = "conversation description",
	.fields = "due=due_on",
	.required = "owner",
};

static const Command conv_act = {
	.name = "act",
	.summary = "Record an action agreed in a conversation",
	.usage = "CONVERSATION DESCRIPTION --owner EMAIL [--due DATE]",
	.description = CONVERSATION_HELP,
	.options = action_add_options,
	.min_args = 2,
	.max_args = 2,
	.handler = call_run,
	.ctx = &action_add_call,
};

static const Call action_done_call = {
	.request = RQ(COMPLETE_CONVERSATION_ACTION),
	.reply = RS(CONVERSATION_ACTION),
	.args = "action",
};

static const Command conv_done = {
	.name = "done",
	.summary = "Mark an agreed action done",
	.usage = "ACTION",
	.description = "ACTION is the start of its description, as 'triad conversation actions'\n"
		       "shows it (or its id). Staff, and the action's owner, may.\n",
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &action_done_call,
};

static const CliOption actions_options[] = {
	{"conversation", 0, "CONVERSATION", "only this conversation's"},
	{"participant", 0, "EMAIL", "only this participant's"},
	{"include-done", 0, NULL, "also the actions that are done"},
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const Call actions_call = {
	.request = RQ(LIST_CONVERSATION_ACTIONS),
	.reply = RS(CONVERSATION_ACTIONS),
	.fields = "participant=enrollment_id",
	.items = "actions",
	.columns = "due_on owner description done_at overdue",
};

static const Command conv_actions = {
	.name = "actions",
	.summary = "List the actions agreed in conversations",
	.usage = "[--conversation CONVERSATION] [--participant EMAIL] [--include-done] "
		 LIST_PAGING_USAGE,
	.description = "Open ones only, unless --include-done.\n",
	.options = actions_options,
	.handler = call_run,
	.ctx = &actions_call,
};

static const Command *const conversation_commands[] = {
	&conv_plan, &conv_record, &conv_show, &conv_list, &conv_link, &conv_act, &conv_done,
	&conv_actions, NULL,
};

const Command cmd_conversation = {
	.name = "conversation",
	.summary = "Intake, development, final and three-way conversations",
	.subcommands = conversation_commands,
};

/* ---- the logbook ---- */

static const Call logbook_list_call = {
	.request = RQ(LIST_CHAPTERS),
	.reply = RS(CHAPTERS),
	.args = "enrollment_id",
	.items = "chapters",
	.columns = "module_code status opens_on saves submitted_at shared_with comments",
};

static const CliOption logbook_list_options[] = {
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const Command logbook_list = {
	.name = "list",
	.summary = "List the chapters of a logbook, one per module",
	.usage = "[PARTICIPANT] " LIST_PAGING_USAGE,
	.options = logbook_list_options,
	.description = "Without PARTICIPANT, your own logbook.\n" PARTICIPANT_HELP,
	.max_args = 1,
	.handler = call_run,
	.ctx = &logbook_list_call,
};

static const CliOption participant_option[] = {
	{"participant", 0, "EMAIL", "another participant's (staff, coaches)"},
	END_OPTIONS,
};

static const CliOption comments_options[] = {
	{"participant", 0, "EMAIL", "another participant's (staff, coaches)"},
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const Call logbook_show_call = {
	.request = RQ(GET_CHAPTER),
	.reply = RS(CHAPTER),
	.args = "module_id",
	.fields = "participant=enrollment_id",
};

static const Command logbook_show = {
	.name = "show",
	.summary = "Show one chapter",
	.usage = "MODULE [--participant EMAIL]",
	.description = "MODULE is the module's code, such as M1.\n",
	.options = participant_option,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &logbook_show_call,
};

/* Says what went wrong with the buffer at path. */
static TriadExit
buffer_failed(Client *c, const char *what, const char *path)
{
	fprintf(c->err, "%s: cannot %s %s: %s\n", c->path, what, path, strerror(errno));
	return TRIAD_EXIT_SERVER;
}

/* The participant's current draft of module, malloc'd ("" when none). */
static char *
current_draft(Client *c, const char *module)
{
	Triad__V1__GetChapterRequest m = TRIAD__V1__GET_CHAPTER_REQUEST__INIT;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__Response *resp = NULL;
	RpcError err;
	char *text;

	m.module_id = (char *)module;
	req.body_case = RQ(GET_CHAPTER);
	req.get_chapter = &m;
	if (call_quietly(c, &req, RS(CHAPTER), &resp, &err) != TRIAD_EXIT_OK)
		return strdup("");
	text = strdup(resp->chapter->text);
	rpc_response_free(resp);
	return text;
}

/*
 * `logbook write MODULE`: the text from --from-file, standard input or the
 * editor (which starts from the unsent buffer, else the saved draft), kept
 * in the buffer before it is sent, and the buffer dropped once the server
 * has saved it as a draft.
 */
static int
write_run(Client *c, const Command *cmd, const CliArgs *args)
{
	const char *module = args->pos[0], *file = cli_args_value(args, "from-file");
	Triad__V1__SaveChapterRequest m = TRIAD__V1__SAVE_CHAPTER_REQUEST__INIT;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__Response *resp = NULL;
	char path[4200], key[FEEDBACK_KEY_HEX + 1];
	char *start = NULL, *text = NULL;
	bool from_buffer = false, failed = false;
	EditorError e;
	TriadExit rc;

	(void)cmd;
	if (module[0] == '\0')
		return client_usage_error(c, "MODULE must not be empty");
	if (!logbook_buffer_path(client_institution(c), module, path, sizeof path))
		return buffer_failed(c, "find a place for", "the logbook buffer");
	if (!logbook_buffer_load(path, &start))
		return buffer_failed(c, "read", path);
	from_buffer = start != NULL;

	if (file != NULL) {
		if (!editor_read_path(file, c->in, LOGBOOK_TEXT_MAX, &text, &e)) {
			free(start);
			fprintf(c->err, "%s: cannot read %s\n", c->path, e.what);
			return TRIAD_EXIT_USAGE;
		}
	} else if (editor_piped(c->in)) {
		if (!editor_read(c->in, "standard input", LOGBOOK_TEXT_MAX, &text, &e)) {
			free(start);
			fprintf(c->err, "%s: cannot read standard input\n", c->path);
			return TRIAD_EXIT_USAGE;
		}
	} else {
		if (start == NULL && (start = current_draft(c, module)) == NULL)
			return client_out_of_memory(c);
		if (from_buffer)
			fprintf(c->err, "Continuing from your unsent text in %s\n", path);
		if (!editor_edit(start, "triad-logbook", LOGBOOK_TEXT_MAX, c->err, &text, &failed,
				 &e)) {
			free(start);
			fprintf(c->err, "%s: the editor could not be used (%s)\n", c->path, e.what);
			return TRIAD_EXIT_SERVER;
		}
		/* After an editor the connection may have idled out: start afresh. */
		client_close_session(c);
	}
	free(start);
	if (text[strspn(text, " \t\r\n")] == '\0') {
		fputs("Aborting: nothing written.\n", c->err);
		free(text);
		return TRIAD_EXIT_USAGE;
	}
	if (!logbook_buffer_store(path, text)) {
		rc = buffer_failed(c, "keep the text in", path);
		free(text);
		return rc;
	}
	if (!feedback_new_key(key)) {
		free(text);
		return buffer_failed(c, "read", "/dev/urandom");
	}
	m.module_id = (char *)module;
	m.text = text;
	req.idempotency_key = key;
	req.body_case = RQ(SAVE_CHAPTER);
	req.save_chapter = &m;
	rc = client_call_expect(c, &req, RS(CHAPTER), &resp);
	if (rc != TRIAD_EXIT_OK) {
		fprintf(c->err, "Your text is kept in %s; 'triad logbook write ", path);
		print_sanitized(c->err, module);
		fputs("' continues from it.\n", c->err);
		free(text);
		return rc;
	}
	if (!logbook_buffer_drop(path))
		fprintf(c->err, "%s: cannot remove %s: %s\n", c->path, path, strerror(errno));
	if (c->format != PRINT_TEXT) {
		rc = call_print_record(c, &resp->chapter->base);
	} else {
		fputs("Saved the draft of chapter ", c->out);
		print_sanitized(c->out, resp->chapter->module_code);
		fprintf(c->out, " (save %d). 'triad logbook submit ", resp->chapter->saves);
		print_sanitized(c->out, resp->chapter->module_code);
		fputs("' hands it in.\n", c->out);
	}
	rpc_response_free(resp);
	free(text);
	return rc;
}

static const CliOption write_options[] = {
	{"from-file", 0, "PATH", "read the text from PATH ('-': standard input)"},
	END_OPTIONS,
};

static const Command logbook_write = {
	.name = "write",
	.summary = "Write your chapter of a module; every save keeps a draft",
	.usage = "MODULE [--from-file PATH]",
	.description =
		"MODULE is the module's code, such as M1. A chapter opens after the\n"
		"module's last session. The text comes from --from-file, from standard\n"
		"input when it is not a terminal, or from your editor ($VISUAL, $EDITOR),\n"
		"which starts from your last draft.\n"
		"\n"
		"Before it is sent, the text is kept in ~/.cache/triad (or\n"
		"$XDG_CACHE_HOME/triad); when the connection drops or the server refuses\n"
		"it, nothing is lost: the next 'triad logbook write MODULE' starts from it.\n"
		"The file goes once the server has saved the draft.\n",
	.options = write_options,
	.min_args = 1,
	.max_args = 1,
	.handler = write_run,
};

static const Call logbook_submit_call = {
	.request = RQ(SUBMIT_CHAPTER),
	.reply = RS(CHAPTER),
	.args = "module_id",
};

static const Command logbook_submit = {
	.name = "submit",
	.summary = "Hand in your chapter of a module; it can no longer change",
	.usage = "MODULE",
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &logbook_submit_call,
};

static const Call logbook_share_call = {
	.request = RQ(SHARE_CHAPTER),
	.reply = RS(CHAPTER),
	.args = "module_id coach",
};

static const Command logbook_share = {
	.name = "share",
	.summary = "Share your chapter with your workplace coach",
	.usage = "MODULE COACH",
	.description = "COACH is your coach's e-mail address; they read the chapter once it\n"
		       "is submitted. 'triad logbook unshare MODULE' stops sharing.\n",
	.min_args = 2,
	.max_args = 2,
	.handler = call_run,
	.ctx = &logbook_share_call,
};

static const Call logbook_unshare_call = {
	.request = RQ(SHARE_CHAPTER),
	.reply = RS(CHAPTER),
	.args = "module_id",
};

static const Command logbook_unshare = {
	.name = "unshare",
	.summary = "Stop sharing your chapter with your coach",
	.usage = "MODULE",
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &logbook_unshare_call,
};

static const Call logbook_comment_call = {
	.request = RQ(COMMENT_CHAPTER),
	.reply = RS(CHAPTER_COMMENT),
	.args = "enrollment_id module_id text",
};

static const Command logbook_comment = {
	.name = "comment",
	.summary = "Comment on a participant's submitted chapter (staff, programme coach)",
	.usage = "PARTICIPANT MODULE TEXT",
	.description = PARTICIPANT_HELP,
	.min_args = 3,
	.max_args = 3,
	.handler = call_run,
	.ctx = &logbook_comment_call,
};

static const Call logbook_comments_call = {
	.request = RQ(LIST_CHAPTER_COMMENTS),
	.reply = RS(CHAPTER_COMMENTS),
	.args = "module_id",
	.fields = "participant=enrollment_id",
	.items = "comments",
	.columns = "created_at author_name text",
};

static const Command logbook_comments = {
	.name = "comments",
	.summary = "List the comments on a chapter",
	.usage = "MODULE [--participant EMAIL] " LIST_PAGING_USAGE,
	.options = comments_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &logbook_comments_call,
};

static const Command *const logbook_commands[] = {
	&logbook_list, &logbook_show, &logbook_write, &logbook_submit, &logbook_share,
	&logbook_unshare, &logbook_comment, &logbook_comments, NULL,
};

const Command cmd_logbook = {
	.name = "logbook",
	.summary = "The personal logbook: a chapter after every module",
	.subcommands = logbook_commands,
};

/* ---- the timeline ---- */

static const CliOption timeline_options[] = {
	{"kind", 0, "KIND", "only entries of this kind (repeatable)"},
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const Call timeline_call = {
	.request = RQ(LIST_TIMELINE),
	.reply = RS(TIMELINE),
	.args = "enrollment_id",
	.items = "entries",
	.columns = "at kind title detail",
};

const Command cmd_timeline = {
	.name = "timeline",
	.summary = "A participant's journey in time order",
	.usage = "[PARTICIPANT] [--kind KIND]... " LIST_PAGING_USAGE,
	.description =
		"Without PARTICIPANT, your own. Kinds: enrollment, session, conversation,\n"
		"logbook, feedback, feedback_request, prior_learning, event, community,\n"
		"internship.\n"
		"Staff see their institution's participants; a workplace coach what the\n"
		"participant shared with them; an employer contact only with the\n"
		"participant's consent at the level 'full', and never a conversation's notes.\n"
		"\n" PARTICIPANT_HELP,
	.options = timeline_options,
	.max_args = 1,
	.handler = call_run,
	.ctx = &timeline_call,
};

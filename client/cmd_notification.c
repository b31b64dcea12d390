/*
 * cmd_notification.c: `triad notification list|show`, the notification
 * outbox: the mails the service sends (invites, feedback requests and
 * their reminders, places from a waitlist, sign-in codes), and whether
 * they went. Both are Calls (call.h).
 */
#include "call.h"
#include "commands.h"
#include "resource.h"

#include <stdlib.h>
#include <string.h>

#define RQ(x) TRIAD__V1__REQUEST__BODY_##x
#define RS(x) TRIAD__V1__RESPONSE__BODY_##x

#define NOTIFICATION_WORDS                                                                \
	"Kinds: invite, feedback-request, feedback-reminder, enrollment-promoted,\n"      \
	"event-promoted and signin-code. Statuses: pending (not sent yet, or to be\n"    \
	"tried again), sent, failed (refused by the mail relay, or out of attempts)\n"   \
	"and expired (not sent in time).\n"

static const CliOption list_options[] = {
	{"status", 0, "STATUS", "only messages with this status (see below)"},
	{"kind", 0, "KIND", "only messages of this kind (see below)"},
	{"to", 0, "EMAIL", "only messages to this address"},
	LIST_PAGING_OPTIONS,
	{NULL, 0, NULL, NULL},
};

static const Call notification_list_call = {
	.request = RQ(LIST_NOTIFICATIONS),
	.reply = RS(NOTIFICATIONS),
	.fields = "to=recipient",
	.items = "notifications",
	.columns = "created_at kind status recipient subject attempts last_error id",
};

static const Command notification_list = {
	.name = "list",
	.summary = "List the notification outbox of the institution",
	.usage = "[--status STATUS] [--kind KIND] [--to EMAIL] " LIST_PAGING_USAGE,
	.description =
		"Staff of the institution see its messages; an operator who gives no\n"
		"--institution sees those of the whole service, sign-in codes included.\n"
		"Filters combine. 'triad notification show ID' shows one with its text;\n"
		"--json shows the text of all.\n"
		"\n"
		"Until the server has a mail relay, messages stay pending here, and this is\n"
		"where their text is read: pass an invite's code on to its person yourself.\n"
		"Codes are in the text only while a message is pending, and only\n"
		"institution admins and operators see invite codes, only operators\n"
		"sign-in codes.\n"
		"\n" NOTIFICATION_WORDS,
	.options = list_options,
	.handler = call_run,
	.ctx = &notification_list_call,
};

/* On a terminal: the record without its text, then the text line by line,
 * as the mail has it; otherwise the record. */
static TriadExit
show_print(Client *c, const ProtobufCMessage *answer)
{
	const Triad__V1__Notification *n = (const Triad__V1__Notification *)answer;
	Triad__V1__Notification head = *n;
	TriadExit rc;

	if (c->format != PRINT_TEXT)
		return call_print_record(c, answer);
	head.body = "";
	if ((rc = call_print_record(c, &head.base)) != TRIAD_EXIT_OK)
		return rc;
	putc('\n', c->out);
	for (const char *p = n->body; *p != '\0';) {
		size_t len = strcspn(p, "\n");
		char *line = strndup(p, len);
		if (line == NULL)
			return client_out_of_memory(c);
		if (len > 0)
			fputs("  ", c->out);
		print_sanitized(c->out, line);
		putc('\n', c->out);
		free(line);
		p += len + (p[len] == '\n');
	}
	return TRIAD_EXIT_OK;
}

static const Call notification_show_call = {
	.request = RQ(GET_NOTIFICATION),
	.reply = RS(NOTIFICATION),
	.args = "id",
	.print = show_print,
};

static const Command notification_show = {
	.name = "show",
	.summary = "Show one message of the outbox, with its text",
	.usage = "ID",
	.description = "ID is the id from 'triad notification list'.\n",
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &notification_show_call,
};

static const Command *const notification_commands[] = {
	&notification_list,
	&notification_show,
	NULL,
};

const Command cmd_notification = {
	.name = "notification",
	.summary = "Read the notification outbox: what was mailed, and what is waiting",
	.subcommands = notification_commands,
};

/*
 * cmd_webhook.c: `triad webhook create|list|delete|rotate-secret|
 * deliveries|redeliver`, a partner's HTTP endpoints for the institution's
 * events (proto/triad/v1/webhook.proto, docs/webhooks.md). Every command
 * is a Call (call.h); create and rotate-secret print the secret, once.
 */
#include <stdio.h>
#include <string.h>

#include "call.h"
#include "commands.h"
#include "resource.h"

#define RQ(x) TRIAD__V1__REQUEST__BODY_##x
#define RS(x) TRIAD__V1__RESPONSE__BODY_##x

/* The webhook and its new secret, and a word that it is shown once. */
static TriadExit
secret_print(Client *c, const ProtobufCMessage *answer)
{
	static const char *const headers[] = {"secret", "id", "url", "types", "status", "owner_name"};
	const Triad__V1__WebhookSecretReply *r = (const Triad__V1__WebhookSecretReply *)answer;
	static const Triad__V1__Webhook none = TRIAD__V1__WEBHOOK__INIT;
	const Triad__V1__Webhook *w = r->webhook != NULL ? r->webhook : &none;
	char types[2048] = "";
	size_t len = 0;

	for (size_t i = 0; i < w->n_types && len + 1 < sizeof types; i++)
		len += (size_t)snprintf(types + len, sizeof types - len, "%s%s", i ? ", " : "",
					w->types[i]);
	const char *cells[] = {r->secret, w->id, w->url, w->n_types ? types : "(all)", w->status,
			       w->owner_name};
	TriadExit rc = resource_print_record(c, sizeof headers / sizeof headers[0], headers, cells);
	if (rc == TRIAD_EXIT_OK) {
		fflush(c->out);
		fprintf(c->err, "%s: copy the secret now: it is shown only this once. Check the "
			"Triad-Signature of every request with it (docs/webhooks.md).\n", c->path);
	}
	return rc;
}

static const Call create_call = {
	.request = RQ(CREATE_WEBHOOK),
	.reply = RS(WEBHOOK_SECRET),
	.args = "url",
	.print = secret_print,
};

static const CliOption create_options[] = {
	{"type", 0, "TYPE", "send only events of this type, such as enrollment.admitted "
			    "(repeat for more; default: all)"},
	{"description", 0, "TEXT", "what the endpoint is, for the list"},
	{NULL, 0, NULL, NULL},
};

#define SIGNATURE_WORDS                                                                    \
	"Each event is POSTed as JSON with the header\n"                                  \
	"  Triad-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, \"<t>.<body>\")>\n"  \
	"and Triad-Event-Id. Check the signature over the body exactly as received,\n"    \
	"refuse a t more than 300 seconds from your clock, and drop an event id you\n"    \
	"have handled: an event can come twice. Answer 2xx within 10 seconds; other\n"    \
	"answers are retried for three days, the waits doubling from a minute to an\n"    \
	"hour, and hold the later events back, which come in order after it.\n"

static const Command webhook_create = {
	.name = "create",
	.summary = "Register an endpoint that the institution's events are POSTed to",
	.usage = "URL [--type TYPE]... [--description TEXT]",
	.description =
		"URL is http:// or https:// (an https endpoint's certificate must be valid\n"
		"for its name). It receives the events that happen from now on that you may\n"
		"see: a partner system of an organisation those about its employees who\n"
		"consent. The secret that signs them is printed once.\n"
		"\n" SIGNATURE_WORDS
		"\n"
		"Example: triad webhook create https://hr.example.org/triad --type enrollment.admitted\n",
	.options = create_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &create_call,
};

static const Call list_call = {
	.request = RQ(LIST_WEBHOOKS),
	.reply = RS(WEBHOOKS),
	.items = "webhooks",
	.columns = "id url status types pending failed last_attempt_at last_result owner_name",
};

static const CliOption list_options[] = {
	LIST_PAGING_OPTIONS,
	{NULL, 0, NULL, NULL},
};

static const Command webhook_list = {
	.name = "list",
	.summary = "List webhooks: yours, or an institution admin all of them",
	.usage = LIST_PAGING_USAGE,
	.description = "pending is what is owed now; failed what was given up on (see\n"
		       "'triad webhook redeliver'); last_result the last answer's HTTP status\n"
		       "or error.\n",
	.options = list_options,
	.handler = call_run,
	.ctx = &list_call,
};

CALL_DELETE(webhook_delete, "webhook", RQ(DELETE_WEBHOOK), RS(WEBHOOK),
	    "Nothing more is sent to it; its attempts stay listed. Deleting a deleted\n"
	    "webhook changes nothing.\n");

static const Call rotate_call = {
	.request = RQ(ROTATE_WEBHOOK_SECRET),
	.reply = RS(WEBHOOK_SECRET),
	.args = "id",
	.print = secret_print,
};

static const CliOption rotate_options[] = {
	{"expire-now", 0, NULL, "stop signing with the old secret at once (default: a day later)"},
	{NULL, 0, NULL, NULL},
};

static const Command webhook_rotate = {
	.name = "rotate-secret",
	.summary = "Give a webhook a new secret, shown once",
	.usage = "ID [--expire-now]",
	.description =
		"For a day the requests carry two v1 signatures, one with each secret, so\n"
		"the endpoint can switch to the new secret without refusing an event.\n",
	.options = rotate_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &rotate_call,
};

static const Call deliveries_call = {
	.request = RQ(LIST_WEBHOOK_DELIVERIES),
	.reply = RS(WEBHOOK_DELIVERIES),
	.args = "webhook_id",
	.fields = "failed=only_failed",
	.items = "attempts",
	.columns = "attempted_at event_type event_id attempt outcome http_status error duration_ms "
		   "next_attempt_at",
};

static const CliOption deliveries_options[] = {
	{"failed", 0, NULL, "only the attempts that did not deliver"},
	{"event", 0, "EVENT_ID", "only the attempts for this event"},
	LIST_PAGING_OPTIONS,
	{NULL, 0, NULL, NULL},
};

static const Command webhook_deliveries = {
	.name = "deliveries",
	.summary = "List every attempt at delivering to a webhook, newest first",
	.usage = "WEBHOOK_ID [--failed] [--event EVENT_ID] " LIST_PAGING_USAGE,
	.description =
		"Each attempt: when, the event, the HTTP status answered or why none came\n"
		"(error), how long it took, and the outcome: delivered, retry (at\n"
		"next_attempt_at) or failed (given up on).\n",
	.options = deliveries_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &deliveries_call,
};

static const Call redeliver_call = {
	.request = RQ(REDELIVER_WEBHOOK),
	.reply = RS(REDELIVERED),
	.args = "webhook_id",
	.one_of = "event failed-since",
};

static const CliOption redeliver_options[] = {
	{"event", 0, "EVENT_ID", "send this event again"},
	{"failed-since", 0, "TIME", "send again every event given up on since TIME "
				    "(RFC 3339, such as 2026-12-01T09:00:00Z)"},
	{NULL, 0, NULL, NULL},
};

static const Command webhook_redeliver = {
	.name = "redeliver",
	.summary = "Send an event again, or every one given up on since a time",
	.usage = "WEBHOOK_ID --event EVENT_ID | --failed-since TIME",
	.description =
		"The events are queued after what is owed now, with their own event ids\n"
		"and new delivery ids (Triad-Delivery-Id). Events are kept for 30 days\n"
		"unless the server says otherwise; older ones cannot be sent again.\n",
	.options = redeliver_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &redeliver_call,
};

static const Command *const webhook_commands[] = {
	&webhook_create,
	&webhook_list,
	&webhook_delete,
	&webhook_rotate,
	&webhook_deliveries,
	&webhook_redeliver,
	NULL,
};

const Command cmd_webhook = {
	.name = "webhook",
	.summary = "Have the institution's events POSTed to your endpoint, signed",
	.subcommands = webhook_commands,
};

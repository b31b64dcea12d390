/*
 * cmd_stream.c: `triad events list|follow|ack`, the institution's event
 * stream as a partner reads it (proto/triad/v1/stream.proto): a page of
 * events after a cursor, the events as they happen, and the stored
 * resume point.
 */
#include "call.h"
#include "client.h"
#include "commands.h"
#include "print.h"
#include "resource.h"
#include "when.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TYPES_MAX 32

static const char *const event_headers[] = {"occurred_at", "type", "aggregate_type",
					    "aggregate_id", "aggregate_version", "cursor", "id"};
#define EVENT_COLS (sizeof event_headers / sizeof event_headers[0])

/* --type A,B,C split in place into types (up to TYPES_MAX). */
static TriadExit
types_option(Client *c, const CliArgs *args, char *buf, size_t size, char **types, size_t *n)
{
	const char *v = cli_args_value(args, "type");
	*n = 0;
	if (v == NULL)
		return TRIAD_EXIT_OK;
	if (strlen(v) >= size)
		return client_usage_error(c, "--type is too long");
	snprintf(buf, size, "%s", v);
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t != NULL;
	     t = strtok_r(NULL, ",", &save)) {
		if (*n == TYPES_MAX)
			return client_usage_error(c, "at most %d types", TYPES_MAX);
		types[(*n)++] = t;
	}
	return TRIAD_EXIT_OK;
}

/* One event as a JSON object on one line: its fields, and data as the
 * JSON it is. */
static void
event_json(FILE *out, const Triad__V1__DomainEvent *e)
{
	char version[24];
	snprintf(version, sizeof version, "%" PRIu64, e->aggregate_version);
	fputs("{\"id\":", out);
	print_json_string(out, e->id);
	fputs(",\"cursor\":", out);
	print_json_string(out, e->cursor);
	fputs(",\"type\":", out);
	print_json_string(out, e->type);
	fputs(",\"institution_id\":", out);
	print_json_string(out, e->institution_id);
	fputs(",\"aggregate_type\":", out);
	print_json_string(out, e->aggregate_type);
	fputs(",\"aggregate_id\":", out);
	print_json_string(out, e->aggregate_id);
	char occurred[WHEN_MAX];
	fprintf(out, ",\"aggregate_version\":%s,\"occurred_at\":", version);
	print_json_string(out, WHEN_US(e, occurred_at, occurred));
	fprintf(out, ",\"schema_version\":%u,\"data\":%s}", e->schema_version,
		e->data[0] != '\0' ? e->data : "null");
}

static bool
event_row(Table *t, const Triad__V1__DomainEvent *e)
{
	char version[24], occurred[WHEN_MAX];
	snprintf(version, sizeof version, "%" PRIu64, e->aggregate_version);
	const char *cells[EVENT_COLS] = {WHEN_US(e, occurred_at, occurred), e->type, e->aggregate_type,
					 e->aggregate_id, version, e->cursor, e->id};
	return table_add_row(t, cells);
}

static int
events_list_run(Client *c, const Command *cmd, const CliArgs *args)
{
	(void)cmd;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__ListDomainEventsRequest m = TRIAD__V1__LIST_DOMAIN_EVENTS_REQUEST__INIT;
	Triad__V1__Response *resp = NULL;
	char typebuf[2048], *types[TYPES_MAX];
	const char *after, *limit;
	unsigned long n = 0;
	TriadExit rc;

	if ((rc = resource_option(c, args, "after", false, &after)) != TRIAD_EXIT_OK ||
	    (rc = resource_option(c, args, "limit", false, &limit)) != TRIAD_EXIT_OK ||
	    (rc = types_option(c, args, typebuf, sizeof typebuf, types, &m.n_types)) !=
		    TRIAD_EXIT_OK)
		return rc;
	if (limit != NULL && !cli_parse_ulong(limit, 1, 500, &n))
		return client_usage_error(c, "invalid value for --limit: '%s' (1 to 500)", limit);
	m.after = (char *)(after != NULL ? after : "");
	m.from_ack = cli_args_has(args, "from-ack");
	m.page_size = (int32_t)n;
	m.types = types;
	req.institution = (char *)client_institution(c);
	req.body_case = TRIAD__V1__REQUEST__BODY_LIST_DOMAIN_EVENTS;
	req.list_domain_events = &m;
	if ((rc = client_call_expect(c, &req, TRIAD__V1__RESPONSE__BODY_DOMAIN_EVENTS, &resp)) !=
	    TRIAD_EXIT_OK)
		return rc;
	const Triad__V1__ListDomainEventsReply *p = resp->domain_events;
	if (c->format == PRINT_JSON) {
		fputs("{\"events\":[", c->out);
		for (size_t i = 0; i < p->n_events; i++) {
			if (i > 0)
				fputc(',', c->out);
			event_json(c->out, p->events[i]);
		}
		fputs("],\"next_cursor\":", c->out);
		print_json_string(c->out, p->next_cursor);
		fprintf(c->out, ",\"more\":%s,\"acked\":", p->more ? "true" : "false");
		print_json_string(c->out, p->acked);
		fputs("}\n", c->out);
		rpc_response_free(resp);
		return TRIAD_EXIT_OK;
	}
	if (p->n_events == 0 && c->format == PRINT_TEXT) {
		/* Nothing to tabulate, and no cursor to go on from. */
		fputs("No events; `triad events follow` waits for the next.\n", c->out);
		rpc_response_free(resp);
		return TRIAD_EXIT_OK;
	}
	Table *t = client_table(c, EVENT_COLS, event_headers);
	bool ok = t != NULL;
	for (size_t i = 0; ok && i < p->n_events; i++)
		ok = event_row(t, p->events[i]);
	if (ok)
		ok = table_print(t, c->format, c->out);
	table_free(t);
	if (ok && c->format == PRINT_TEXT)
		fprintf(c->out, "next: --after %s%s\n", p->next_cursor,
			p->more ? " (more waiting)" : "");
	rpc_response_free(resp);
	return ok ? TRIAD_EXIT_OK : client_out_of_memory(c);
}

/*
 * Subscribes and prints each event as it comes, one line each (one JSON
 * object per line with --json), until the connection ends or the server
 * ends the subscription.
 */
static int
follow_run(Client *c, const Command *cmd, const CliArgs *args)
{
	(void)cmd;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__SubscribeRequest m = TRIAD__V1__SUBSCRIBE_REQUEST__INIT;
	Triad__V1__Response *resp = NULL;
	char typebuf[2048], *types[TYPES_MAX];
	const char *after;
	RpcSession *s;
	RpcError err;
	TriadExit rc;

	const char *count;
	unsigned long left = 0;

	if ((rc = resource_option(c, args, "after", false, &after)) != TRIAD_EXIT_OK ||
	    (rc = resource_option(c, args, "count", false, &count)) != TRIAD_EXIT_OK ||
	    (rc = types_option(c, args, typebuf, sizeof typebuf, types, &m.n_types)) !=
		    TRIAD_EXIT_OK)
		return rc;
	if (count != NULL && !cli_parse_ulong(count, 1, 1000000000UL, &left))
		return client_usage_error(c, "invalid value for --count: '%s' (a number from 1)",
					  count);
	m.after = (char *)(after != NULL ? after : "");
	m.from_ack = cli_args_has(args, "from-ack");
	m.types = types;
	req.institution = (char *)client_institution(c);
	req.body_case = TRIAD__V1__REQUEST__BODY_SUBSCRIBE;
	req.subscribe = &m;
	if ((rc = client_call_expect(c, &req, TRIAD__V1__RESPONSE__BODY_SUBSCRIBED, &resp)) !=
	    TRIAD_EXIT_OK)
		return rc;
	rpc_response_free(resp);
	if ((rc = client_session(c, &s)) != TRIAD_EXIT_OK)
		return rc;
	for (;;) {
		/* Events come when they happen: no deadline but the connection's. */
		if (!rpc_next(s, req.id, rpc_now_ms() + (INT64_C(1) << 40), &resp, &err))
			return client_report(c, &err);
		if (resp->body_case != TRIAD__V1__RESPONSE__BODY_DOMAIN_EVENT) {
			rpc_response_free(resp);
			return client_bad_answer(c);
		}
		const Triad__V1__DomainEvent *e = resp->domain_event;
		if (c->format == PRINT_JSON) {
			event_json(c->out, e);
			fputc('\n', c->out);
		} else {
			char occurred[WHEN_MAX];
			fprintf(c->out, "%s  %s  %s/%s v%" PRIu64 "  %s\n",
				WHEN_US(e, occurred_at, occurred), e->type,
				e->aggregate_type, e->aggregate_id, e->aggregate_version, e->cursor);
		}
		fflush(c->out);
		rpc_response_free(resp);
		if (count != NULL && --left == 0)
			return TRIAD_EXIT_OK;
	}
}

static const Call ack_call = {
	.request = TRIAD__V1__REQUEST__BODY_ACK_EVENTS,
	.reply = TRIAD__V1__RESPONSE__BODY_ACKED_EVENTS,
	.args = "cursor",
};

static const CliOption list_options[] = {
	{"after", 0, "CURSOR", "events after this cursor (default: the start of what is kept)"},
	{"from-ack", 0, NULL, "events after the cursor stored with 'triad events ack'"},
	{"type", 0, "TYPE[,TYPE...]", "only events of these types, such as enrollment.queued"},
	{"limit", 0, "N", "at most N events (1 to 500; default 50)"},
	{NULL, 0, NULL, NULL},
};

static const CliOption follow_options[] = {
	{"after", 0, "CURSOR", "events after this cursor (default: the start of what is kept)"},
	{"from-ack", 0, NULL, "events after the cursor stored with 'triad events ack'"},
	{"type", 0, "TYPE[,TYPE...]", "only events of these types, such as enrollment.queued"},
	{"count", 0, "N", "stop after N events"},
	{NULL, 0, NULL, NULL},
};

#define EVENTS_WORDS                                                                      \
	"An event says what happened (its type, such as enrollment.queued,\n"             \
	"enrollment.admitted, feedback.given or question.moved), to which resource\n"    \
	"(aggregate type, id and version) and when, with the resource as it is after\n"  \
	"the change (--json shows it as data). Each has a cursor: pass it to --after\n" \
	"to read on from there. Events are kept for a configured time (30 days\n"        \
	"unless the server says otherwise); a cursor older than that is refused, and\n"  \
	"you resynchronise from the list commands.\n"

static const Command events_list = {
	.name = "list",
	.summary = "List the institution's events after a cursor, oldest first",
	.usage = "[--after CURSOR | --from-ack] [--type TYPE[,TYPE...]] [--limit N]",
	.description = EVENTS_WORDS
		"\n"
		"Staff see all of the institution's events; an employer sees those about its\n"
		"employees who consent to it, as long as they do.\n"
		"\n"
		"Example: triad events list --type enrollment.queued,enrollment.admitted\n",
	.options = list_options,
	.handler = events_list_run,
};

static const Command events_follow = {
	.name = "follow",
	.summary = "Print the institution's events as they happen",
	.usage = "[--after CURSOR | --from-ack] [--type TYPE[,TYPE...]] [--count N]",
	.description = EVENTS_WORDS
		"\n"
		"Prints the events after the cursor, then each new one as it is committed,\n"
		"one per line (with --json, one JSON object per line), until interrupted\n"
		"or, with --count, until N have been printed.\n"
		"After a reconnect the same event may come again: its id tells.\n",
	.options = follow_options,
	.handler = follow_run,
};

static const Command events_ack = {
	.name = "ack",
	.summary = "Store the cursor of the last event you handled, to resume from",
	.usage = "CURSOR",
	.description = "'triad events list --from-ack' and 'triad events follow --from-ack'\n"
		       "read on after it, from any machine with your credential.\n",
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &ack_call,
};

static const Command *const events_commands[] = {
	&events_list,
	&events_follow,
	&events_ack,
	NULL,
};

const Command cmd_events = {
	.name = "events",
	.summary = "Read the institution's event stream, as a partner system does",
	.subcommands = events_commands,
};

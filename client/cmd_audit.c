/*
 * cmd_audit.c: `triad audit list`, the institution's record of every
 * change: who did what to which resource, and when.
 */
#include "client.h"
#include "commands.h"
#include "resource.h"
#include "when.h"

#include <string.h>

static const char *const audit_headers[] = {"at", "action", "outcome", "resource_kind",
					    "resource_id", "principal_id", "request_id",
					    "institution_id", "id"};
#define AUDIT_COLS (sizeof audit_headers / sizeof audit_headers[0])
/* request_id is a number; the rest text. */
static const CellKind audit_kinds[AUDIT_COLS] = {[6] = CELL_NUMBER};

/* The list request plus room for the resource kind cut from --resource. */
typedef struct AuditList {
	Triad__V1__ListAuditRequest req;
	char kind[128];
	char since[WHEN_MAX];     /* --since as UTC */
	PrintFormat format;       /* for the times shown */
} AuditList;

static void
list_request(void *ctx, Triad__V1__Request *req, int32_t page_size, const char *page_token)
{
	AuditList *list = ctx;

	list->req.page_size = page_size;
	list->req.page_token = (char *)page_token;
	req->body_case = TRIAD__V1__REQUEST__BODY_LIST_AUDIT;
	req->list_audit = &list->req;
}

static const char *
list_rows(void *ctx, const Triad__V1__Response *resp, Table *t)
{
	const AuditList *list = ctx;
	const Triad__V1__ListAuditReply *reply = resp->audit;

	for (size_t i = 0; i < reply->n_events; i++) {
		const Triad__V1__AuditEvent *e = reply->events[i];
		char request_id[24], at[WHEN_MAX], at_text[WHEN_MAX];
		const char *cells[AUDIT_COLS] = {
			when_format(WHEN_US(e, at, at_text), list->format, at, sizeof at), e->action, e->outcome,
			e->resource_kind, e->resource_id, e->principal_id, resource_u64(e->request_id, request_id, sizeof request_id),
			e->institution_id, e->id,
		};

		if (!table_add_row(t, cells))
			return NULL;
	}
	return reply->next_page_token;
}

static int
list_cmd_run(Client *c, const Command *cmd, const CliArgs *args)
{
	static const ListSpec spec = {
		.items = "audit events",
		.ncols = AUDIT_COLS,
		.headers = audit_headers,
		.kinds = audit_kinds,
		.reply = TRIAD__V1__RESPONSE__BODY_AUDIT,
		.request = list_request,
		.rows = list_rows,
	};
	AuditList list = {.req = TRIAD__V1__LIST_AUDIT_REQUEST__INIT, .format = c->format};
	const char *since, *resource, *colon;
	TriadExit rc;

	if ((rc = resource_option(c, args, "since", false, &since)) != TRIAD_EXIT_OK ||
	    (rc = resource_option(c, args, "resource", false, &resource)) != TRIAD_EXIT_OK)
		return rc;
	if (since != NULL) {
		/* As typed, in the reader's time zone (when.h). */
		if (!when_parse(since, list.since, sizeof list.since))
			return client_usage_error(c, "invalid value for --since: '%s' (expected a day "
						  "and time such as '2026-10-01 14:00', or RFC 3339)",
						  since);
		list.req.since = list.since;
		list.req.since_us = when_us(list.since);
	}
	if (resource != NULL) {
		colon = strchr(resource, ':');
		if (colon == NULL) {
			list.req.resource_kind = (char *)resource;
		} else {
			size_t n = (size_t)(colon - resource);

			if (n == 0 || colon[1] == '\0' || n >= sizeof list.kind)
				return client_usage_error(c,
							  "invalid value for --resource: '%s' "
							  "(expected KIND or KIND:ID, such as "
							  "grant or grant:ID)", resource);
			memcpy(list.kind, resource, n);
			list.kind[n] = '\0';
			list.req.resource_kind = list.kind;
			list.req.resource_id = (char *)colon + 1;
		}
	}
	return list_run(c, args, &spec, &list);
}

static const CliOption list_options[] = {
	{"since", 0, "TIME", "only events at or after TIME, such as '2026-10-01 14:00'"},
	{"resource", 0, "KIND[:ID]", "only events about this kind of resource or this one"},
	LIST_PAGING_OPTIONS,
	{NULL, 0, NULL, NULL},
};

static const Command audit_list = {
	.name = "list",
	.summary = "List the audit trail of the institution, newest first",
	.usage = "[--since TIME] [--resource KIND[:ID]] " LIST_PAGING_USAGE,
	.description =
		"Every change is recorded with who made it, the action (such as\n"
		"invite.create or grant.create), the resource, the time and the outcome.\n"
		"Choose the institution with --institution; an operator without one sees\n"
		"the service-wide events.\n"
		"\n"
		"Example: triad audit list --since 2026-11-22T08:00:00Z --resource grant\n",
	.options = list_options,
	.handler = list_cmd_run,
};

static const Command *const audit_commands[] = {
	&audit_list,
	NULL,
};

const Command cmd_audit = {
	.name = "audit",
	.summary = "Read the audit trail: who changed what, and when",
	.subcommands = audit_commands,
};

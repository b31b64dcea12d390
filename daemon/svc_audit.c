/*
 * svc_audit.c: reading the audit trail.
 *
 * Rows are written by the handlers that change things, in the same
 * statement as the change; the daemon's role may insert and read them but
 * never change or delete them.
 */
#include <stdio.h>
#include <stdlib.h>

#include "pool.h"
#include "svc_util.h"

#define AUDIT_COLS(inst) \
	"e.id::text, " inst ", coalesce(e.principal_id::text, ''), e.action, e.resource_kind, " \
	"e.resource_id, coalesce(e.request_id, 0)::text, triad_us(e.at), e.outcome"

static void
fill_event(void *msg, const PGresult *r, int row, TimeText *times)
{
	Triad__V1__AuditEvent *m = msg;
	m->id = cell(r, row, 0);
	m->institution_id = cell(r, row, 1);
	m->principal_id = cell(r, row, 2);
	m->action = cell(r, row, 3);
	m->resource_kind = cell(r, row, 4);
	m->resource_id = cell(r, row, 5);
	m->request_id = strtoull(cell(r, row, 6), NULL, 10);
	cell_time(r, row, 7, &m->at_us, &m->at, times[0]);
	m->outcome = cell(r, row, 8);
}

static void
init_event(void *msg)
{
	triad__v1__audit_event__init(msg);
}

static const ListSpec event_list = {sizeof(Triad__V1__AuditEvent), init_event, fill_event, 0, 1};

static void
audit_done(void *arg, const DbOutcome *out)
{
	Call *call = arg;
	List l;
	if (out->code == TRIAD__V1__CODE__CODE_INVALID_ARGUMENT) {
		call_fail(call, out->code, "list_audit.since",
			  "since is not a time; use RFC 3339, such as 2026-11-22T08:00:00Z");
		return;
	}
	if (call_db_failed(call, out, NULL) ||
	    (!list_build(&event_list, out->results[0], call->page_limit, &l) &&
	     !list_answer_oom(call)))
		return;
	Triad__V1__ListAuditReply reply = TRIAD__V1__LIST_AUDIT_REPLY__INIT;
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	reply.events = (Triad__V1__AuditEvent **)l.items;
	reply.n_events = l.n;
	reply.next_page_token = l.next_page_token;
	resp.body_case = TRIAD__V1__RESPONSE__BODY_AUDIT;
	resp.audit = &reply;
	call_answer(call, &resp);
	list_free(&l);
}

#define AUDIT_FILTER \
	" WHERE ($1 = '' OR e.at >= $1::timestamptz)" \
	"   AND ($2 = '' OR e.resource_kind = $2)" \
	"   AND ($3 = '' OR e.resource_id = $3)" \
	"   AND ($4 = '' OR e.id < $4::bigint)" \
	" ORDER BY e.id DESC LIMIT $5::int"

/*
 * The institution's trail (row-level security keeps it to the tenant), or,
 * for an operator who names no institution, the service-wide trail.
 */
static void
svc_audit_list(Call *call, const Triad__V1__Request *req)
{
	const Triad__V1__ListAuditRequest *m = req->list_audit;
	bool service = call->institution[0] == '\0' && call->principal->operator;

	if (!check_text(call, "list_audit.since", m->since, 0, 64) ||
	    !check_text(call, "list_audit.resource_kind", m->resource_kind, 0, 64) ||
	    !check_text(call, "list_audit.resource_id", m->resource_id, 0, 64) ||
	    !check_page_token(call, "list_audit.page_token", m->page_token, true))
		return;
	if (!check_page_size(call, "list_audit.page_size", m->page_size, &call->page_limit))
		return;
	char limit[16];
	snprintf(limit, sizeof limit, "%d", call->page_limit + 1);
	/* since_us, when given, wins over the deprecated text since. */
	TimeText since_text;
	const char *since = m->since_us != 0 ? text_time_us_exact(since_text, sizeof since_text, m->since_us)
					     : m->since;
	const char *params[5] = {since, m->resource_kind, m->resource_id, m->page_token, limit};
	DbJob *job = call_job(call, audit_done, call);
	if (job != NULL && call_job_add(call, job,
			service ? "SELECT " AUDIT_COLS("''") " FROM service_audit_event e" AUDIT_FILTER
				: "SELECT " AUDIT_COLS("e.institution_id::text") " FROM audit_event e"
					AUDIT_FILTER,
			5, params))
		pool_submit(call->srv->pool, job);
}

/* ---- the rows ---- */

/* An operator who names no institution reads the service's own trail. */
static bool
service_trail(const Call *call, const Triad__V1__Request *req)
{
	return call->institution[0] == '\0' && call->principal != NULL && call->principal->operator;
}

static const VerbHook service_hook = {service_trail, VERB_LIST_SERVICE_AUDIT,
				      "by an operator naming no institution"};

#define K(x) TRIAD__V1__REQUEST__BODY_##x
#define R(x) TRIAD__V1__RESPONSE__BODY_##x

const Route audit_routes[] = {
	{.kind = K(LIST_AUDIT), .verb = VERB_LIST_AUDIT, .reply = R(AUDIT), .flags = ROUTE_READ,
	 .handler = svc_audit_list, .hook = &service_hook},
	{0},
};

/*
 * svc_stream.c: the partners' event stream (stream.proto): a page of
 * events, a subscription on the connection (stream.h), and the stored
 * resume point.
 *
 * What is read, in which order and who sees which event are the
 * database's (triad_stream_read(), sql/functions/stream.sql); these
 * handlers check the arguments and turn rows into Events.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pool.h"
#include "sqlroute.h"
#include "stream.h"
#include "svc_util.h"

#define K(x) TRIAD__V1__REQUEST__BODY_##x
#define R(x) TRIAD__V1__RESPONSE__BODY_##x

#define TYPES_MAX 32
#define TYPE_LEN_MAX 64

/*
 * The types asked for as a text[] literal ("{}" for all) into out. Each is
 * "<aggregate>.<what happened>" in lower case and underscores, which needs
 * no quoting. False (the call answered) for one that is not.
 */
static bool
types_literal(Call *call, const char *field, char *const *types, size_t n, char *out,
	      size_t size)
{
	size_t len = 0;
	if (n > TYPES_MAX) {
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, field,
			  "at most %d types", TYPES_MAX);
		return false;
	}
	out[len++] = '{';
	for (size_t i = 0; i < n; i++) {
		const char *t = types[i];
		size_t tl = strlen(t), dots = 0;
		bool ok = tl > 2 && tl <= TYPE_LEN_MAX && t[0] != '.' && t[tl - 1] != '.';
		for (size_t j = 0; ok && j < tl; j++) {
			dots += t[j] == '.';
			ok = (t[j] >= 'a' && t[j] <= 'z') || t[j] == '_' || t[j] == '.';
		}
		if (!ok || dots != 1) {
			call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, field,
				  "types: \"%.64s\" is not an event type (such as enrollment.queued)", t);
			return false;
		}
		len += (size_t)snprintf(out + len, size - len, "%s%s", i ? "," : "", t);
	}
	snprintf(out + len, size - len, "}");
	return true;
}

/* ---- ListDomainEvents ---- */

static void
list_done(void *arg, const DbOutcome *out)
{
	Call *call = arg;
	if (call_db_failed(call, out, NULL))
		return;
	const PGresult *r = out->results[0];
	int n = PQntuples(r);
	Triad__V1__DomainEvent *evs = calloc((size_t)(n > 0 ? n : 1), sizeof *evs);
	Triad__V1__DomainEvent **ptrs = calloc((size_t)(n > 0 ? n : 1), sizeof *ptrs);
	char (*times)[TEXT_TIME_MAX] = calloc((size_t)(n > 0 ? n : 1), sizeof *times);
	if (evs == NULL || ptrs == NULL || times == NULL) {
		free(evs);
		free(ptrs);
		free(times);
		(void)list_answer_oom(call);
		return;
	}
	Triad__V1__ListDomainEventsReply reply = TRIAD__V1__LIST_DOMAIN_EVENTS_REPLY__INIT;
	const char *next = "";
	bool more = false;
	size_t k = 0;
	for (int i = 0; i < n; i++) {
		if (stream_event_row(r, i, &evs[k], times[k], &next, &more)) {
			ptrs[k] = &evs[k];
			k++;
		}
	}
	reply.n_events = k;
	reply.events = ptrs;
	reply.next_cursor = (char *)next;
	reply.more = more;
	reply.acked = (char *)cell(out->results[1], 0, 0);
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	resp.body_case = R(DOMAIN_EVENTS);
	resp.domain_events = &reply;
	call_answer(call, &resp);
	free(evs);
	free(ptrs);
	free(times);
}

static void
svc_events_list(Call *call, const Triad__V1__Request *req)
{
	const Triad__V1__ListDomainEventsRequest *m = req->list_domain_events;
	char types[TYPES_MAX * (TYPE_LEN_MAX + 1) + 4], limit[16], retention[16];
	int size;

	if (!check_page_size(call, "list_domain_events.page_size", m->page_size, &size))
		return;
	if (!check_text(call, "list_domain_events.after", m->after, 0, 40) ||
	    !types_literal(call, "list_domain_events.types", m->types, m->n_types, types, sizeof types))
		return;
	snprintf(limit, sizeof limit, "%d", size);
	snprintf(retention, sizeof retention, "%d", stream_retention_s(&call->srv->cfg));
	DbJob *job = call_job(call, list_done, call);
	if (job == NULL)
		return;
	const char *params[6] = {m->after, types, limit, retention, "list_domain_events.after",
				 m->from_ack ? "true" : "false"};
	if (!call_job_add(call, job,
			  "SELECT * FROM triad_stream_read(CASE WHEN $6::boolean "
			  "THEN triad_stream_acked() ELSE $1 END, $2::text[], $3::int, $4::int, $5)",
			  6, params) ||
	    !call_job_add(call, job, "SELECT triad_stream_acked()", 0, NULL))
		return;
	pool_submit(call->srv->pool, job);
}

/* ---- Subscribe ---- */

typedef struct SubscribeArgs {
	Call *call;
	char types[TYPES_MAX * (TYPE_LEN_MAX + 1) + 4];
	DbJob *scope;
} SubscribeArgs;

/* The starting cursor is known (the stored one, for from_ack): the
 * subscription starts, and the call is answered before its first event. */
static void
subscribe_done(void *arg, const DbOutcome *out)
{
	SubscribeArgs *a = arg;
	Call *call = a->call;
	DbJob *scope = a->scope;
	char types[sizeof a->types];
	memcpy(types, a->types, sizeof types);
	free(a);
	if (call_db_failed(call, out, NULL)) {
		db_job_free(scope);
		return;
	}
	const char *after = cell(out->results[0], 0, 0);
	Conn *c = conn_lookup(call->srv, call->conn);
	if (c == NULL) {
		db_job_free(scope);
		call_fail(call, TRIAD__V1__CODE__CODE_UNAVAILABLE, NULL, "the connection has gone");
		return;
	}
	if (c->streaming) {
		db_job_free(scope);
		call_fail(call, TRIAD__V1__CODE__CODE_FAILED_PRECONDITION, NULL,
			  "this connection has a subscription already; open another connection "
			  "for another");
		return;
	}
	if (!stream_subscribe(call->srv->stream, call->conn, call->request_id, after, types,
			      scope)) {
		db_job_free(scope);
		call_fail(call, TRIAD__V1__CODE__CODE_UNAVAILABLE, NULL, "server is out of memory");
		return;
	}
	db_job_free(scope);
	c->streaming = true;
	Triad__V1__SubscribeReply reply = TRIAD__V1__SUBSCRIBE_REPLY__INIT;
	reply.after = (char *)after;
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	resp.body_case = R(SUBSCRIBED);
	resp.subscribed = &reply;
	call_answer(call, &resp);
}

static void
svc_subscribe(Call *call, const Triad__V1__Request *req)
{
	const Triad__V1__SubscribeRequest *m = req->subscribe;
	SubscribeArgs *a = calloc(1, sizeof *a);
	if (a == NULL) {
		call_fail(call, TRIAD__V1__CODE__CODE_UNAVAILABLE, NULL, "server is out of memory");
		return;
	}
	a->call = call;
	if (!check_text(call, "subscribe.after", m->after, 0, 40) ||
	    !types_literal(call, "subscribe.types", m->types, m->n_types, a->types,
			   sizeof a->types)) {
		free(a);
		return;
	}
	/* The scope every read of the subscription is made with: this call's,
	 * as dispatch gave it (tenant, session, standing, organisation). */
	a->scope = call_lookup_job(call, NULL, NULL);
	if (a->scope == NULL) {
		free(a);
		return;
	}
	DbJob *job = call_job(call, subscribe_done, a);
	if (job == NULL) {
		db_job_free(a->scope);
		free(a);
		return;
	}
	/* The starting cursor checked (its form, its age) by a read of nothing. */
	char retention[16];
	snprintf(retention, sizeof retention, "%d", stream_retention_s(&call->srv->cfg));
	const char *params[4] = {m->after, m->from_ack ? "true" : "false", retention,
				 "subscribe.after"};
	if (!call_job_add(call, job,
			  "SELECT cursor FROM triad_stream_read(CASE WHEN $2::boolean "
			  "THEN triad_stream_acked() ELSE $1 END, '{}', 0, $3::int, $4) "
			  "WHERE id IS NULL",
			  4, params)) {
		db_job_free(a->scope);
		free(a);
		return;
	}
	pool_submit(call->srv->pool, job);
}

const Route stream_routes[] = {
	{K(LIST_DOMAIN_EVENTS), VERB_EVENT_STREAM, R(DOMAIN_EVENTS), ROUTE_READ, .handler = svc_events_list},
	{K(SUBSCRIBE), VERB_EVENT_STREAM, R(SUBSCRIBED), ROUTE_STREAMS, .handler = svc_subscribe},
	{K(ACK_EVENTS), VERB_EVENT_STREAM, R(ACKED_EVENTS), ROUTE_ACCESS_WRITE,
	 {{"SELECT triad_stream_ack($1, $2, 'ack_events.cursor') AS cursor",
	   {"cursor", "$request_id"}}}},
	{0},
};

/*
 * dispatch.c: the table of request kinds and the Call life cycle.
 */
#include "dispatch.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"
#include "svc.h"

typedef struct Route {
	Triad__V1__Request__BodyCase kind;
	const char *name;
	bool needs_session;   /* false only for the Hello itself */
	Handler handler;
} Route;

static const Route routes[] = {
	{TRIAD__V1__REQUEST__BODY_HELLO, "hello", false, svc_session_hello},
	{TRIAD__V1__REQUEST__BODY_PING, "ping", true, svc_session_ping},
};

static const Route *
route_find(Triad__V1__Request__BodyCase kind)
{
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		if (routes[i].kind == kind)
			return &routes[i];
	}
	return NULL;
}

uint64_t
now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void
call_answer(Call *call, Triad__V1__Response *resp)
{
	Triad__V1__Status ok = TRIAD__V1__STATUS__INIT;

	resp->id = call->request_id;
	if (resp->status == NULL)
		resp->status = &ok;
	if (resp->status->code != TRIAD__V1__CODE__CODE_OK)
		call->srv->stats.responses_error++;
	log_debug("request_done", "conn_slot=%" PRIu32 " id=%" PRIu64 " kind=%s code=%d us=%" PRIu64,
		  call->conn.slot, call->request_id, call->route, (int)resp->status->code,
		  now_us() - call->started_us);
	conn_send_answer(call->srv, call->conn, resp);
	free(call);
}

static void
call_vfail(Call *call, Triad__V1__Code code, const char *field, const char *fmt, va_list ap)
{
	char msg[512];
	Triad__V1__Status st = TRIAD__V1__STATUS__INIT;
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;

	vsnprintf(msg, sizeof msg, fmt, ap);
	st.code = code;
	st.message = msg;
	if (field != NULL)
		st.field = (char *)field;
	resp.status = &st;
	call_answer(call, &resp);
}

void
call_fail(Call *call, Triad__V1__Code code, const char *field, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	call_vfail(call, code, field, fmt, ap);
	va_end(ap);
}

void
dispatch_request(Conn *c, Triad__V1__Request *req)
{
	const Route *route = route_find(req->body_case);
	Call *call = malloc(sizeof *call);

	if (call == NULL) {
		conn_fail(c, TRIAD__V1__CODE__CODE_UNAVAILABLE, "server is out of memory");
		triad__v1__request__free_unpacked(req, NULL);
		return;
	}
	*call = (Call){
		.srv = c->srv,
		.conn = c->ref,
		.request_id = req->id,
		.route = route != NULL ? route->name : "unknown",
		.started_us = now_us(),
	};
	c->in_flight++;
	c->srv->stats.requests++;

	if (route == NULL) {
		if (req->body_case == TRIAD__V1__REQUEST__BODY__NOT_SET && req->base.n_unknown_fields == 0)
			call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, "body",
				  "request has no body: set exactly one request kind");
		else
			call_fail(call, TRIAD__V1__CODE__CODE_UNIMPLEMENTED, "body",
				  "this server does not implement that request kind; "
				  "it speaks protocol version %d", TRIAD_PROTOCOL_VERSION);
	} else if (route->needs_session && c->state != CONN_ST_READY) {
		call_fail(call, TRIAD__V1__CODE__CODE_UNAUTHENTICATED, NULL,
			  "no session: the first request on a connection must be a Hello");
		conn_close_after_flush(c);
	} else {
		if (route->kind == TRIAD__V1__REQUEST__BODY_HELLO)
			c->hello_pending = true;
		route->handler(call, req);
	}
	triad__v1__request__free_unpacked(req, NULL);
}

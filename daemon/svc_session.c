/*
 * svc_session.c: Hello and Ping.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "db.h"
#include "pool.h"
#include "svc.h"

#define CLIENT_NAME_MAX 128
#define PING_PAYLOAD_MAX 1024

/*
 * Opens the session. Until the access layer checks tokens, any credential
 * is accepted; the version check and the field limits already apply. A
 * failed Hello closes the connection.
 */
void
svc_session_hello(Call *call, const Triad__V1__Request *req)
{
	const Triad__V1__Hello *h = req->hello;
	Conn *c = conn_lookup(call->srv, call->conn);
	const Config *cfg = &call->srv->cfg;

	if (c->state == CONN_ST_READY) {
		c->hello_pending = false;
		call_fail(call, TRIAD__V1__CODE__CODE_FAILED_PRECONDITION, NULL,
			  "the session is already open: send Hello once per connection");
		return;
	}
	if (h->protocol_version != TRIAD_PROTOCOL_VERSION) {
		call_fail(call, TRIAD__V1__CODE__CODE_FAILED_PRECONDITION, "hello.protocol_version",
			  "protocol version %u is not supported; this server speaks version %d",
			  h->protocol_version, TRIAD_PROTOCOL_VERSION);
		conn_close_after_flush(c);
		return;
	}
	if (strlen(h->client_name) > CLIENT_NAME_MAX) {
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, "hello.client_name",
			  "client_name is longer than %d bytes", CLIENT_NAME_MAX);
		conn_close_after_flush(c);
		return;
	}

	conn_open_session(c, h->client_name);

	Triad__V1__HelloReply reply = TRIAD__V1__HELLO_REPLY__INIT;
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	reply.protocol_version = TRIAD_PROTOCOL_VERSION;
	reply.server_version = "triadd/" TRIAD_VERSION;
	reply.max_frame_bytes = (uint32_t)cfg->max_frame_bytes;
	reply.max_in_flight = (uint32_t)cfg->max_in_flight;
	reply.idle_timeout_seconds = (uint32_t)(cfg->idle_timeout_ms / 1000);
	resp.body_case = TRIAD__V1__RESPONSE__BODY_HELLO;
	resp.hello = &reply;
	call_answer(call, &resp);
}

static int64_t
wall_us(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* What a database ping keeps while its job runs: the Call and the payload. */
typedef struct PingCtx {
	Call *call;
	size_t len;
	uint8_t payload[];
} PingCtx;

static void
ping_answer(Call *call, bool database, const ProtobufCBinaryData *payload)
{
	Triad__V1__PingReply reply = TRIAD__V1__PING_REPLY__INIT;
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;

	reply.server_time_us = wall_us();
	reply.database = database;
	reply.payload = *payload;
	resp.body_case = TRIAD__V1__RESPONSE__BODY_PING;
	resp.ping = &reply;
	call_answer(call, &resp);
}

static void
ping_db_done(void *arg, const DbOutcome *out)
{
	PingCtx *ctx = arg;

	if (out->code != TRIAD__V1__CODE__CODE_OK) {
		call_fail(ctx->call, out->code, NULL, "%s", out->message);
	} else {
		ProtobufCBinaryData payload = {ctx->len, ctx->payload};
		ping_answer(ctx->call, true, &payload);
	}
	free(ctx);
}

void
svc_session_ping(Call *call, const Triad__V1__Request *req)
{
	const Triad__V1__Ping *p = req->ping;

	if (p->payload.len > PING_PAYLOAD_MAX) {
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, "ping.payload",
			  "payload is %zu bytes; at most %d are echoed", p->payload.len,
			  PING_PAYLOAD_MAX);
		return;
	}
	if (!p->database) {
		ping_answer(call, false, &p->payload);
		return;
	}

	PingCtx *ctx = malloc(sizeof *ctx + p->payload.len);
	DbJob *job = ctx != NULL ? db_job_new(NULL, ping_db_done, ctx) : NULL;
	if (job == NULL || !db_job_add(job, "SELECT 1", 0, NULL)) {
		db_job_free(job);
		free(ctx);
		call_fail(call, TRIAD__V1__CODE__CODE_UNAVAILABLE, NULL, "server is out of memory");
		return;
	}
	ctx->call = call;
	ctx->len = p->payload.len;
	if (p->payload.len > 0)
		memcpy(ctx->payload, p->payload.data, p->payload.len);
	pool_submit(call->srv->pool, job);
}

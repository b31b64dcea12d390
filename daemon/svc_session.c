/*
 * svc_session.c: opening a session (Hello), Ping, redeeming an invite,
 * signing in with a code sent by e-mail, and WhoAmI.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <event2/event.h>

#include "clock.h"
#include "db.h"
#include "log.h"
#include "pool.h"
#include "svc_util.h"

#define CLIENT_NAME_MAX 128
#define PING_PAYLOAD_MAX 1024
#define TOKEN_LABEL_MAX 100

static uint64_t
ms_mono(void)
{
	return now_us() / 1000u;
}

/*
 * Answers a sign-in (a Hello, or an invite redemption when hello is false)
 * that did not succeed. A refused credential counts against the secret
 * presented (secret_hash, or NULL when it was not even well formed) and
 * against the address; the database's trouble does not. A failed Hello
 * closes the connection once the answer is out.
 */
static void
signin_failed(Call *call, bool hello, const uint8_t *secret_hash, Triad__V1__Code code,
	      const char *field, const char *message)
{
	Conn *c = conn_lookup(call->srv, call->conn);
	bool refused = code == TRIAD__V1__CODE__CODE_UNAUTHENTICATED ||
		       code == TRIAD__V1__CODE__CODE_NOT_FOUND ||
		       code == TRIAD__V1__CODE__CODE_INVALID_ARGUMENT;
	uint32_t limit = (uint32_t)call->srv->cfg.signin_failures_max;
	uint64_t now = ms_mono();
	if (refused && secret_hash != NULL &&
	    auth_limiter_secret_fail(&call->srv->limiter, secret_hash, limit, now))
		log_warn("signin_secret_limited", "addr=%s failures=%u window_s=%d",
			 c != NULL ? c->peer_ip : "gone", limit, AUTH_FAIL_WINDOW_MS / 1000);
	if (c != NULL) {
		if (refused && auth_limiter_fail(&call->srv->limiter, c->peer_ip, limit, now))
			log_warn("signin_rate_limited", "addr=%s failures=%u window_s=%d",
				 c->peer_ip, limit, AUTH_FAIL_WINDOW_MS / 1000);
		if (hello) {
			conn_hello_failed(c);
			conn_close_after_flush(c);
		}
	}
	call_fail(call, code, field, "%s", message);
}

/*
 * True (and the call answered) when the secret presented has failed too
 * often lately: it is refused without asking the database. The address
 * alone never refuses a sign-in (see signin_owner()).
 */
static bool
signin_limited(Call *call, bool hello, Conn *c, const uint8_t secret_hash[SECRET_HASH_LEN])
{
	if (auth_limiter_secret_allows(&call->srv->limiter, secret_hash,
				       (uint32_t)call->srv->cfg.signin_failures_max, ms_mono()))
		return false;
	if (hello) {
		conn_hello_failed(c);
		conn_close_after_flush(c);
	}
	call_fail(call, TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED, NULL,
		  "this %s has failed too often in the last minute; check it, and wait a minute "
		  "before trying it again", hello ? "token" : "invite code");
	return true;
}

/*
 * Whose turn a sign-in's database job waits for: the connection's, or,
 * while its address is over the failure limit, the address's, shared by
 * all its connections, so a flood of bad sign-ins from one place gets one
 * client's share of the database however many connections it opens.
 */
static uint64_t
signin_owner(Call *call, const Conn *c)
{
	if (auth_limiter_allows(&call->srv->limiter, c->peer_ip,
				(uint32_t)call->srv->cfg.signin_failures_max, ms_mono()))
		return pool_owner_conn(call->conn.slot, call->conn.gen);
	return pool_owner_addr(c->peer_ip);
}

/* ---- Hello ---- */

typedef struct HelloCtx {
	Call *call;
	uint8_t hash[SECRET_HASH_LEN];
	char client_name[CLIENT_NAME_MAX + 1];
	Principal *principal;
} HelloCtx;

static void
hello_ctx_free(HelloCtx *ctx)
{
	principal_unref(ctx->principal);
	free(ctx);
}

static const char token_candidates_sql[] =
	"SELECT t.id, t.hash, t.principal_id,"
	"       t.expires_at IS NOT NULL AND t.expires_at <= now(),"
	"       t.revoked_at IS NOT NULL,"
	"       p.kind, p.name, coalesce(p.person_id::text, ''),"
	"       EXISTS (SELECT 1 FROM operator o WHERE o.principal_id = p.id),"
	"       coalesce(encode(p.client_cert_sha256, 'hex'), ''),"
	"       t.expires_at IS NOT NULL,"
	"       greatest(0, floor(extract(epoch FROM t.expires_at - now()) * 1000))::bigint"
	"  FROM api_token t JOIN principal p ON p.id = t.principal_id"
	" WHERE t.prefix = $1";

static const char token_used_sql[] =
	"UPDATE api_token SET last_used_at = now() WHERE id = $1";

static const char principal_grants_sql[] =
	"SELECT institution_id, slug, id, role, coalesce(title, ''),"
	"       coalesce(organisation_id::text, '')"
	"  FROM triad_principal_grants($1)";

static void
hello_answer(Call *call, const Principal *p)
{
	const Config *cfg = &call->srv->cfg;
	Triad__V1__HelloReply reply = TRIAD__V1__HELLO_REPLY__INIT;
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;

	reply.protocol_version = TRIAD_PROTOCOL_VERSION;
	reply.server_version = "triadd/" TRIAD_VERSION;
	reply.max_frame_bytes = (uint32_t)cfg->max_frame_bytes;
	reply.max_in_flight = (uint32_t)cfg->max_in_flight;
	reply.idle_timeout_seconds = (uint32_t)(cfg->idle_timeout_ms / 1000);
	reply.principal_id = (char *)p->id;
	reply.principal_name = (char *)p->name;
	resp.body_case = TRIAD__V1__RESPONSE__BODY_HELLO;
	resp.hello = &reply;
	call_answer(call, &resp);
}

static void
hello_grants_done(void *arg, const DbOutcome *out)
{
	HelloCtx *ctx = arg;
	Call *call = ctx->call;
	Principal *p = ctx->principal;

	if (out->code != TRIAD__V1__CODE__CODE_OK) {
		signin_failed(call, true, ctx->hash, out->code, NULL, out->message);
		hello_ctx_free(ctx);
		return;
	}
	const PGresult *r = out->results[1];
	int n = PQntuples(r);
	p->grants = n > 0 ? calloc((size_t)n, sizeof *p->grants) : NULL;
	if (n > 0 && p->grants == NULL) {
		signin_failed(call, true, NULL, TRIAD__V1__CODE__CODE_UNAVAILABLE, NULL,
			      "server is out of memory");
		hello_ctx_free(ctx);
		return;
	}
	for (int i = 0; i < n; i++) {
		SessionGrant *g = &p->grants[i];
		snprintf(g->institution_id, sizeof g->institution_id, "%s", cell(r, i, 0));
		snprintf(g->slug, sizeof g->slug, "%s", cell(r, i, 1));
		snprintf(g->id, sizeof g->id, "%s", cell(r, i, 2));
		g->role = role_from_sql(cell(r, i, 3));
		g->title = title_from_sql(cell(r, i, 4));
		snprintf(g->organisation_id, sizeof g->organisation_id, "%s", cell(r, i, 5));
	}
	p->ngrants = n;

	/* The connection may have gone, or be closing (a drain): then the
	 * answer still goes out but no session opens. */
	Conn *c = conn_lookup(call->srv, call->conn);
	if (c != NULL && c->state == CONN_ST_HELLO)
		conn_open_session(c, ctx->client_name, p);
	hello_answer(call, p);
	hello_ctx_free(ctx);
}

/*
 * The row of r whose column col holds hash (a bytea), or -1. Every row is
 * compared, in constant time each, so the time taken does not tell which
 * candidate matched.
 */
static int
hash_row(const PGresult *r, int col, const uint8_t hash[SECRET_HASH_LEN])
{
	int match = -1;
	for (int i = 0; i < PQntuples(r); i++) {
		uint8_t stored[SECRET_HASH_LEN];
		if (secret_hash_from_bytea(cell(r, i, col), stored) &&
		    secret_hash_equal(stored, hash))
			match = i;
	}
	return match;
}

/*
 * A machine bound to a client certificate (fingerprint bound, hex; "" for
 * none) signs in only over a connection that presented that certificate.
 */
static const char *
certificate_refusal(Call *call, const char *bound)
{
	if (bound[0] == '\0')
		return NULL;
	Conn *c = conn_lookup(call->srv, call->conn);
	const char *shown = c != NULL ? c->client_cert_sha256 : "";
	if (shown[0] == '\0')
		return "this machine signs in with its client certificate: connect with it "
		       "(the client's --cert and --key), the token alone is not enough";
	if (strcmp(shown, bound) != 0)
		return "the client certificate presented is not the one this machine is bound to";
	return NULL;
}

/* The candidates for the token's prefix are in: find the one whose hash
 * matches, in constant time per candidate, then load its grants. */
static void
hello_token_done(void *arg, const DbOutcome *out)
{
	HelloCtx *ctx = arg;
	Call *call = ctx->call;

	if (out->code != TRIAD__V1__CODE__CODE_OK) {
		signin_failed(call, true, ctx->hash, out->code, NULL, out->message);
		hello_ctx_free(ctx);
		return;
	}
	const PGresult *r = out->results[0];
	int match = hash_row(r, 1, ctx->hash);
	const char *refusal = NULL;
	if (match < 0)
		refusal = "the token is not known to this service; check it or create a new one";
	else if (cell_bool(r, match, 4))
		refusal = "the token has been revoked; create a new one";
	else if (cell_bool(r, match, 3))
		refusal = "the token has expired; create a new one";
	else
		refusal = certificate_refusal(call, cell(r, match, 9));
	if (refusal != NULL) {
		signin_failed(call, true, ctx->hash, TRIAD__V1__CODE__CODE_UNAUTHENTICATED, NULL,
			      refusal);
		hello_ctx_free(ctx);
		return;
	}

	Principal *p = ctx->principal = principal_new();
	if (p == NULL) {
		signin_failed(call, true, NULL, TRIAD__V1__CODE__CODE_UNAVAILABLE, NULL,
			      "server is out of memory");
		hello_ctx_free(ctx);
		return;
	}
	snprintf(p->token_id, sizeof p->token_id, "%s", cell(r, match, 0));
	snprintf(p->id, sizeof p->id, "%s", cell(r, match, 2));
	p->kind = strcmp(cell(r, match, 5), "machine") == 0
			  ? TRIAD__V1__PRINCIPAL_KIND__PRINCIPAL_KIND_MACHINE
			  : TRIAD__V1__PRINCIPAL_KIND__PRINCIPAL_KIND_PERSON;
	snprintf(p->name, sizeof p->name, "%s", cell(r, match, 6));
	snprintf(p->person_id, sizeof p->person_id, "%s", cell(r, match, 7));
	p->operator = cell_bool(r, match, 8);
	/* When the token expires, by the database's clock as read now: the
	 * requests that skip the database's check of the token (auth.h) stop
	 * there. */
	p->token_expiry_known = true;
	if (cell_bool(r, match, 10))
		p->token_expires_us = now_us() + (uint64_t)strtoll(cell(r, match, 11), NULL, 10) * 1000;

	DbJob *job = db_job_new(hello_grants_done, ctx);
	pool_job_owner(job, pool_owner_conn(call->conn.slot, call->conn.gen));
	const char *tok[1] = {p->token_id};
	const char *pid[1] = {p->id};
	if (job == NULL || !db_job_add(job, token_used_sql, 1, tok) ||
	    !db_job_add(job, principal_grants_sql, 1, pid)) {
		db_job_free(job);
		signin_failed(call, true, NULL, TRIAD__V1__CODE__CODE_UNAVAILABLE, NULL,
			      "server is out of memory");
		hello_ctx_free(ctx);
		return;
	}
	pool_submit(call->srv->pool, job);
}

/*
 * Opens the session: checks the version, the form of the token, then the
 * token itself against the database. Any failure closes the connection.
 */
static void
svc_session_hello(Call *call, const Triad__V1__Request *req)
{
	const Triad__V1__Hello *h = req->hello;
	Conn *c = conn_lookup(call->srv, call->conn);

	if (c->state == CONN_ST_READY) {
		conn_hello_failed(c);
		call_fail(call, TRIAD__V1__CODE__CODE_FAILED_PRECONDITION, NULL,
			  "the session is already open: send Hello once per connection");
		return;
	}
	if (h->protocol_version != TRIAD_PROTOCOL_VERSION) {
		conn_hello_failed(c);
		conn_close_after_flush(c);
		call_fail(call, TRIAD__V1__CODE__CODE_FAILED_PRECONDITION, "hello.protocol_version",
			  "protocol version %u is not supported; this server speaks version %d",
			  h->protocol_version, TRIAD_PROTOCOL_VERSION);
		return;
	}
	if (strlen(h->client_name) > CLIENT_NAME_MAX) {
		conn_hello_failed(c);
		conn_close_after_flush(c);
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, "hello.client_name",
			  "client_name is longer than %d bytes", CLIENT_NAME_MAX);
		return;
	}
	HelloCtx *ctx = calloc(1, sizeof *ctx);
	char prefix[SECRET_PREFIX_LEN + 1];
	if (ctx == NULL) {
		signin_failed(call, true, NULL, TRIAD__V1__CODE__CODE_UNAVAILABLE, NULL,
			      "server is out of memory");
		return;
	}
	if (h->token[0] == '\0' || !secret_parse("trd", h->token, prefix, ctx->hash)) {
		free(ctx);
		signin_failed(call, true, NULL, TRIAD__V1__CODE__CODE_UNAUTHENTICATED, "hello.token",
			      h->token[0] == '\0'
				      ? "a token is required: sign in with `triad login`"
				      : "this is not a triad token (they start with trd_ and are "
					"47 characters long)");
		return;
	}
	if (signin_limited(call, true, c, ctx->hash)) {
		free(ctx);
		return;
	}
	ctx->call = call;
	snprintf(ctx->client_name, sizeof ctx->client_name, "%s", h->client_name);
	/* Only the hash is needed from here on; do not leave the secret in
	 * memory that is about to be freed. */
	explicit_bzero(h->token, strlen(h->token));

	DbJob *job = db_job_new(hello_token_done, ctx);
	pool_job_owner(job, signin_owner(call, c));
	const char *params[1] = {prefix};
	if (job == NULL || !db_job_add(job, token_candidates_sql, 1, params)) {
		db_job_free(job);
		free(ctx);
		signin_failed(call, true, NULL, TRIAD__V1__CODE__CODE_UNAVAILABLE, NULL,
			      "server is out of memory");
		return;
	}
	pool_submit(call->srv->pool, job);
}

/* ---- Ping ---- */

/* The wall clock as the loop last read it (after its last wait for
 * events): a ping's answer says when the server saw it, not to the
 * microsecond, and pipelined pings ask for it hundreds of times a pass. */
static int64_t
wall_us(const Call *call)
{
	struct timeval tv;
	if (event_base_gettimeofday_cached(call->srv->base, &tv) != 0)
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

	reply.server_time_us = wall_us(call);
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

	if (!call_db_failed(ctx->call, out, NULL)) {
		ProtobufCBinaryData payload = {ctx->len, ctx->payload};
		ping_answer(ctx->call, true, &payload);
	}
	free(ctx);
}

static void
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
	DbJob *job = ctx != NULL ? db_job_new(ping_db_done, ctx) : NULL;
	call_job_owner(call, job);
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

/* ---- RedeemInvite ---- */

typedef struct RedeemCtx {
	Call *call;
	uint8_t code_hash[SECRET_HASH_LEN];
	char token[SECRET_LEN + 1];
	char token_prefix[SECRET_PREFIX_LEN + 1];
	char token_hash[2 + 2 * SECRET_HASH_LEN + 1];
	char label[TOKEN_LABEL_MAX + 1];
	char institution_id[UUID_LEN + 1];
	char invite_id[UUID_LEN + 1];
} RedeemCtx;

static const char invite_candidates_sql[] =
	"SELECT institution_id, id, hash, expired, used, revoked"
	"  FROM triad_invite_candidates($1)";

static const char redeem_sql[] =
	"SELECT principal_id, principal_name, person_id, token_id, triad_us(token_created_at),"
	"       grant_id, role, coalesce(title, ''), coalesce(organisation_id::text, ''),"
	"       triad_us(grant_created_at)"
	"  FROM triad_redeem_invite($1::uuid, $2, $3::bytea, $4, $5::numeric)";

/* A coach who already coaches elsewhere gets the role there too. */
static const char coach_grants_sql[] =
	"SELECT triad_coach_grants(pr.id) FROM invite i"
	"  JOIN principal pr ON pr.person_id = i.person_id WHERE i.id = $1::uuid";

static void
redeem_free(RedeemCtx *ctx)
{
	explicit_bzero(ctx->token, sizeof ctx->token);
	free(ctx);
}

static void
redeem_done(void *arg, const DbOutcome *out)
{
	RedeemCtx *ctx = arg;
	Call *call = ctx->call;

	if (call_db_failed(call, out, NULL)) {
		redeem_free(ctx);
		return;
	}
	const PGresult *r = out->results[0];
	Triad__V1__RedeemInviteReply reply = TRIAD__V1__REDEEM_INVITE_REPLY__INIT;
	Triad__V1__Token tok = TRIAD__V1__TOKEN__INIT;
	Triad__V1__Principal pr = TRIAD__V1__PRINCIPAL__INIT;
	Triad__V1__Grant g = TRIAD__V1__GRANT__INIT;
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	TimeText tok_time, grant_time;

	pr.id = cell(r, 0, 0);
	pr.kind = TRIAD__V1__PRINCIPAL_KIND__PRINCIPAL_KIND_PERSON;
	pr.name = cell(r, 0, 1);
	pr.person_id = cell(r, 0, 2);
	tok.id = cell(r, 0, 3);
	tok.prefix = ctx->token_prefix;
	tok.label = ctx->label;
	tok.principal_id = pr.id;
	cell_time(r, 0, 4, &tok.created_at_us, &tok.created_at, tok_time);
	g.id = cell(r, 0, 5);
	g.institution_id = ctx->institution_id;
	g.principal_id = pr.id;
	g.principal_name = pr.name;
	g.role = role_from_sql(cell(r, 0, 6));
	g.title = title_from_sql(cell(r, 0, 7));
	g.organisation_id = cell(r, 0, 8);
	cell_time(r, 0, 9, &g.created_at_us, &g.created_at, grant_time);
	reply.token = ctx->token;
	reply.token_info = &tok;
	reply.principal = &pr;
	reply.grant = &g;
	resp.body_case = TRIAD__V1__RESPONSE__BODY_REDEEM_INVITE;
	resp.redeem_invite = &reply;
	log_info("invite_redeemed", "conn_slot=%" PRIu32 " id=%" PRIu64 " institution=%s "
		 "invite=%s principal=%s", call->conn.slot, call->request_id, ctx->institution_id,
		 ctx->invite_id, pr.id);
	call_answer(call, &resp);
	redeem_free(ctx);
}

static void
redeem_candidates_done(void *arg, const DbOutcome *out)
{
	RedeemCtx *ctx = arg;
	Call *call = ctx->call;

	if (call_db_failed(call, out, NULL)) {
		redeem_free(ctx);
		return;
	}
	const PGresult *r = out->results[0];
	int match = hash_row(r, 2, ctx->code_hash);
	const char *refusal = NULL;
	Triad__V1__Code code = TRIAD__V1__CODE__CODE_FAILED_PRECONDITION;
	if (match < 0) {
		refusal = "this invite code is not valid; check it, or ask for a new invite";
		code = TRIAD__V1__CODE__CODE_NOT_FOUND;
	} else if (cell_bool(r, match, 4)) {
		refusal = "this invite has already been used; sign in with your token, or ask for a new invite";
	} else if (cell_bool(r, match, 5)) {
		refusal = "this invite has been withdrawn; ask for a new one";
	} else if (cell_bool(r, match, 3)) {
		refusal = "this invite has expired; ask for a new one";
	}
	if (refusal != NULL) {
		/* Only a code nobody issued looks like guessing. */
		if (match < 0)
			signin_failed(call, false, ctx->code_hash, code, NULL, refusal);
		else
			call_fail(call, code, NULL, "%s", refusal);
		redeem_free(ctx);
		return;
	}
	snprintf(ctx->institution_id, sizeof ctx->institution_id, "%s", cell(r, match, 0));
	snprintf(ctx->invite_id, sizeof ctx->invite_id, "%s", cell(r, match, 1));

	uint8_t hash[SECRET_HASH_LEN];
	if (!secret_new("trd", ctx->token, ctx->token_prefix, hash)) {
		call_fail(call, TRIAD__V1__CODE__CODE_UNAVAILABLE, NULL,
			  "the server could not make a token; try again");
		redeem_free(ctx);
		return;
	}
	secret_hash_to_bytea(hash, ctx->token_hash);

	DbJob *job = db_job_new(redeem_done, ctx);
	pool_job_owner(job, pool_owner_conn(call->conn.slot, call->conn.gen));
	const char *params[5] = {ctx->invite_id, ctx->token_prefix, ctx->token_hash, ctx->label,
				 call_request_id_text(call)};
	const char *invite[1] = {ctx->invite_id};
	if (job == NULL ||
	    !db_job_scope(job, ctx->institution_id, NULL, NULL, NULL, NULL, false, NULL) ||
	    !db_job_add(job, redeem_sql, 5, params) ||
	    !db_job_add(job, coach_grants_sql, 1, invite)) {
		db_job_free(job);
		call_fail(call, TRIAD__V1__CODE__CODE_UNAVAILABLE, NULL, "server is out of memory");
		redeem_free(ctx);
		return;
	}
	pool_submit(call->srv->pool, job);
}

/*
 * Exchanges an invite code for a token. Needs no session, so it counts as
 * a sign-in for the limiter: a wrong code is a failed attempt.
 */
static void
svc_session_redeem_invite(Call *call, const Triad__V1__Request *req)
{
	const Triad__V1__RedeemInviteRequest *m = req->redeem_invite;
	Conn *c = conn_lookup(call->srv, call->conn);
	char prefix[SECRET_PREFIX_LEN + 1];

	if (strlen(m->token_label) > TOKEN_LABEL_MAX) {
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, "redeem_invite.token_label",
			  "token_label is longer than %d characters", TOKEN_LABEL_MAX);
		return;
	}
	RedeemCtx *ctx = calloc(1, sizeof *ctx);
	if (ctx == NULL) {
		call_fail(call, TRIAD__V1__CODE__CODE_UNAVAILABLE, NULL, "server is out of memory");
		return;
	}
	if (!secret_parse("inv", m->code, prefix, ctx->code_hash)) {
		free(ctx);
		signin_failed(call, false, NULL, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT,
			      "redeem_invite.code",
			      "this is not an invite code (they start with inv_ and are 47 "
			      "characters long)");
		return;
	}
	if (signin_limited(call, false, c, ctx->code_hash)) {
		free(ctx);
		return;
	}
	ctx->call = call;
	snprintf(ctx->label, sizeof ctx->label, "%s",
		 m->token_label[0] != '\0' ? m->token_label : "invite");

	DbJob *job = db_job_new(redeem_candidates_done, ctx);
	pool_job_owner(job, signin_owner(call, c));
	const char *params[1] = {prefix};
	if (job == NULL || !db_job_add(job, invite_candidates_sql, 1, params)) {
		db_job_free(job);
		free(ctx);
		call_fail(call, TRIAD__V1__CODE__CODE_UNAVAILABLE, NULL, "server is out of memory");
		return;
	}
	pool_submit(call->srv->pool, job);
}

/* ---- Signing in by e-mail ---- */

#define EMAIL_MAX 254
#define SIGNIN_CODE_TTL_S (15 * 60)   /* as triad_signin_code_start() keeps them */

/* Checks the form of an address given before a session: present, not too
 * long, one '@' with something on both sides. Whether anyone has it is
 * never said. */
static bool
check_email(Call *call, const char *field, const char *email)
{
	const char *at = strchr(email, '@');
	size_t len = strlen(email);

	if (len == 0 || len > EMAIL_MAX || at == NULL || at == email || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL || strpbrk(email, " \t\r\n") != NULL) {
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, field,
			  len == 0 ? "an e-mail address is required"
				   : "this is not an e-mail address (at most 254 characters, such as "
				     "name@example.org)");
		return false;
	}
	return true;
}

typedef struct CodeStartCtx {
	Call *call;
	char code[SIGNIN_CODE_SHOWN + 1];
} CodeStartCtx;

static void
code_start_done(void *arg, const DbOutcome *out)
{
	CodeStartCtx *ctx = arg;

	if (!call_db_failed(ctx->call, out, NULL)) {
		Triad__V1__StartEmailSignInReply reply = TRIAD__V1__START_EMAIL_SIGN_IN_REPLY__INIT;
		Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
		reply.expires_in_seconds = SIGNIN_CODE_TTL_S;
		resp.body_case = TRIAD__V1__RESPONSE__BODY_START_EMAIL_SIGN_IN;
		resp.start_email_sign_in = &reply;
		call_answer(ctx->call, &resp);
	}
	explicit_bzero(ctx->code, sizeof ctx->code);
	free(ctx);
}

static const char code_start_sql[] =
	"SELECT triad_signin_code_start($1, $2::bytea, $3, $4::numeric)";

/*
 * Sends a one-time sign-in code to a person who can sign in, through the
 * outbox. The answer never tells whether the address is anyone's; an
 * address of the network that asks too often is refused (per minute, in
 * this daemon), and the database sends few codes per e-mail address.
 */
static void
svc_session_start_email_sign_in(Call *call, const Triad__V1__Request *req)
{
	const Triad__V1__StartEmailSignInRequest *m = req->start_email_sign_in;
	Conn *c = conn_lookup(call->srv, call->conn);
	uint32_t limit = (uint32_t)call->srv->cfg.signin_codes_per_address;
	uint64_t now = ms_mono();

	if (!check_email(call, "start_email_sign_in.email", m->email))
		return;
	if (c != NULL) {
		if (!auth_limiter_allows(&call->srv->code_limiter, c->peer_ip, limit, now)) {
			call_fail(call, TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED, NULL,
				  "too many sign-in codes were asked for from your address in the "
				  "last minute; wait a minute and try again");
			return;
		}
		if (auth_limiter_fail(&call->srv->code_limiter, c->peer_ip, limit, now))
			log_warn("signin_code_rate_limited", "addr=%s requests=%u window_s=%d",
				 c->peer_ip, limit, AUTH_FAIL_WINDOW_MS / 1000);
	}
	CodeStartCtx *ctx = calloc(1, sizeof *ctx);
	uint8_t hash[SECRET_HASH_LEN];
	char hash_text[2 + 2 * SECRET_HASH_LEN + 1];
	if (ctx == NULL || !signin_code_new(ctx->code)) {
		free(ctx);
		call_fail(call, TRIAD__V1__CODE__CODE_UNAVAILABLE, NULL,
			  "the server could not make a sign-in code; try again");
		return;
	}
	ctx->call = call;
	signin_code_hash(m->email, ctx->code, hash);
	secret_hash_to_bytea(hash, hash_text);
	const char *params[4] = {m->email, hash_text, ctx->code, call_request_id_text(call)};
	DbJob *job = call_job(call, code_start_done, ctx);
	if (job == NULL || !call_job_add(call, job, code_start_sql, 4, params)) {
		explicit_bzero(ctx->code, sizeof ctx->code);
		free(ctx);
		return;
	}
	if (c != NULL)
		pool_job_owner(job, signin_owner(call, c));
	pool_submit(call->srv->pool, job);
}

typedef struct CodeSignInCtx {
	Call *call;
	uint8_t hash[SECRET_HASH_LEN];
	char token[SECRET_LEN + 1];
	char token_prefix[SECRET_PREFIX_LEN + 1];
	char token_hash[2 + 2 * SECRET_HASH_LEN + 1];
	char label[TOKEN_LABEL_MAX + 1];
} CodeSignInCtx;

static void
code_sign_in_free(CodeSignInCtx *ctx)
{
	explicit_bzero(ctx->token, sizeof ctx->token);
	free(ctx);
}

static const char code_attempt_sql[] = "SELECT id, hash FROM triad_signin_code_attempt($1)";

static const char code_redeem_sql[] =
	"SELECT principal_id, principal_name, person_id, token_id, triad_us(token_created_at)"
	"  FROM triad_signin_code_redeem($1::uuid, $2, $3::bytea, $4, $5::numeric)";

/* One answer for every code that does not work, so that none tells more. */
#define CODE_REFUSED \
	"this code is not right for this e-mail address, or it has been used, replaced or " \
	"has expired; ask for a new one with `triad login --email ADDRESS`"

static void
code_redeem_done(void *arg, const DbOutcome *out)
{
	CodeSignInCtx *ctx = arg;
	Call *call = ctx->call;

	if (out->code == TRIAD__V1__CODE__CODE_UNAUTHENTICATED) {
		call_fail(call, out->code, NULL, CODE_REFUSED);
		code_sign_in_free(ctx);
		return;
	}
	if (call_db_failed(call, out, NULL)) {
		code_sign_in_free(ctx);
		return;
	}
	const PGresult *r = out->results[0];
	Triad__V1__SignInWithCodeReply reply = TRIAD__V1__SIGN_IN_WITH_CODE_REPLY__INIT;
	Triad__V1__Token tok = TRIAD__V1__TOKEN__INIT;
	Triad__V1__Principal pr = TRIAD__V1__PRINCIPAL__INIT;
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	TimeText tok_time;

	pr.id = cell(r, 0, 0);
	pr.kind = TRIAD__V1__PRINCIPAL_KIND__PRINCIPAL_KIND_PERSON;
	pr.name = cell(r, 0, 1);
	pr.person_id = cell(r, 0, 2);
	tok.id = cell(r, 0, 3);
	tok.prefix = ctx->token_prefix;
	tok.label = ctx->label;
	tok.principal_id = pr.id;
	cell_time(r, 0, 4, &tok.created_at_us, &tok.created_at, tok_time);
	reply.token = ctx->token;
	reply.token_info = &tok;
	reply.principal = &pr;
	resp.body_case = TRIAD__V1__RESPONSE__BODY_SIGN_IN_WITH_CODE;
	resp.sign_in_with_code = &reply;
	log_info("signin_code_used", "conn_slot=%" PRIu32 " id=%" PRIu64 " principal=%s token=%s",
		 call->conn.slot, call->request_id, pr.id, tok.id);
	call_answer(call, &resp);
	code_sign_in_free(ctx);
}

/* The live code of the address, if any, is in (its attempt counted):
 * compare in constant time, then use it. */
static void
code_attempt_done(void *arg, const DbOutcome *out)
{
	CodeSignInCtx *ctx = arg;
	Call *call = ctx->call;

	if (call_db_failed(call, out, NULL)) {
		code_sign_in_free(ctx);
		return;
	}
	const PGresult *r = out->results[0];
	int match = hash_row(r, 1, ctx->hash);
	if (match < 0) {
		signin_failed(call, false, ctx->hash, TRIAD__V1__CODE__CODE_UNAUTHENTICATED, NULL,
			      CODE_REFUSED);
		code_sign_in_free(ctx);
		return;
	}
	uint8_t hash[SECRET_HASH_LEN];
	if (!secret_new("trd", ctx->token, ctx->token_prefix, hash)) {
		call_fail(call, TRIAD__V1__CODE__CODE_UNAVAILABLE, NULL,
			  "the server could not make a token; try again");
		code_sign_in_free(ctx);
		return;
	}
	secret_hash_to_bytea(hash, ctx->token_hash);
	DbJob *job = db_job_new(code_redeem_done, ctx);
	pool_job_owner(job, pool_owner_conn(call->conn.slot, call->conn.gen));
	const char *params[5] = {cell(r, match, 0), ctx->token_prefix, ctx->token_hash, ctx->label,
				 call_request_id_text(call)};
	if (job == NULL || !db_job_add(job, code_redeem_sql, 5, params)) {
		db_job_free(job);
		call_fail(call, TRIAD__V1__CODE__CODE_UNAVAILABLE, NULL, "server is out of memory");
		code_sign_in_free(ctx);
		return;
	}
	pool_submit(call->srv->pool, job);
}

/*
 * Exchanges an address and the code mailed to it for a token. Like an
 * invite redemption it needs no session and counts as a sign-in for the
 * limiter: a code that does not work is a failed attempt, for the address
 * of the network and for the code; the database bounds the attempts at
 * each code.
 */
static void
svc_session_sign_in_with_code(Call *call, const Triad__V1__Request *req)
{
	const Triad__V1__SignInWithCodeRequest *m = req->sign_in_with_code;
	Conn *c = conn_lookup(call->srv, call->conn);
	char code[SIGNIN_CODE_LEN + 1];

	if (!check_email(call, "sign_in_with_code.email", m->email))
		return;
	if (strlen(m->token_label) > TOKEN_LABEL_MAX) {
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT,
			  "sign_in_with_code.token_label",
			  "token_label is longer than %d characters", TOKEN_LABEL_MAX);
		return;
	}
	if (!signin_code_parse(m->code, code)) {
		signin_failed(call, false, NULL, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT,
			      "sign_in_with_code.code",
			      "this is not a sign-in code (they are 12 letters and digits, such "
			      "as K7QD-9XRM-2HTW)");
		return;
	}
	CodeSignInCtx *ctx = calloc(1, sizeof *ctx);
	if (ctx == NULL) {
		call_fail(call, TRIAD__V1__CODE__CODE_UNAVAILABLE, NULL, "server is out of memory");
		return;
	}
	signin_code_hash(m->email, code, ctx->hash);
	explicit_bzero(code, sizeof code);
	if (signin_limited(call, false, c, ctx->hash)) {
		free(ctx);
		return;
	}
	ctx->call = call;
	snprintf(ctx->label, sizeof ctx->label, "%s",
		 m->token_label[0] != '\0' ? m->token_label : "e-mail sign-in");

	DbJob *job = db_job_new(code_attempt_done, ctx);
	pool_job_owner(job, signin_owner(call, c));
	const char *params[1] = {m->email};
	if (job == NULL || !db_job_add(job, code_attempt_sql, 1, params)) {
		db_job_free(job);
		free(ctx);
		call_fail(call, TRIAD__V1__CODE__CODE_UNAVAILABLE, NULL, "server is out of memory");
		return;
	}
	pool_submit(call->srv->pool, job);
}

/* ---- WhoAmI ---- */

static const char whoami_grants_sql[] =
	"SELECT institution_id, slug, institution_name, id, role, coalesce(title, ''),"
	"       coalesce(organisation_id::text, ''), triad_us(created_at)"
	"  FROM triad_principal_grants($1)";

static const char whoami_person_sql[] =
	"SELECT id, name, email, triad_us(created_at) FROM person WHERE id::text = $1";

static void
whoami_done(void *arg, const DbOutcome *out)
{
	Call *call = arg;
	const Principal *p = call->principal;

	if (call_db_failed(call, out, NULL))
		return;
	const PGresult *gr = out->results[0], *pr = out->results[1];
	int n = PQntuples(gr);
	Triad__V1__WhoAmIReply reply = TRIAD__V1__WHO_AM_IREPLY__INIT;
	Triad__V1__Principal pm = TRIAD__V1__PRINCIPAL__INIT;
	Triad__V1__Person person = TRIAD__V1__PERSON__INIT;
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	/* One slot more: an operator's role, which belongs to no institution. */
	Triad__V1__Grant *grants = calloc((size_t)n + 1, sizeof *grants);
	Triad__V1__Grant **gp = calloc((size_t)n + 1, sizeof *gp);
	Triad__V1__Institution *insts = calloc((size_t)n + 1, sizeof *insts);
	Triad__V1__Institution **ip = calloc((size_t)n + 1, sizeof *ip);
	TimeText person_time, *grant_times = calloc((size_t)n + 1, sizeof *grant_times);

	if (grants == NULL || gp == NULL || insts == NULL || ip == NULL || grant_times == NULL) {
		call_fail(call, TRIAD__V1__CODE__CODE_UNAVAILABLE, NULL, "server is out of memory");
		goto out;
	}
	pm.id = (char *)p->id;
	pm.kind = p->kind;
	pm.name = (char *)p->name;
	pm.person_id = (char *)p->person_id;
	reply.principal = &pm;
	if (PQntuples(pr) == 1) {
		person.id = cell(pr, 0, 0);
		person.name = cell(pr, 0, 1);
		person.email = cell(pr, 0, 2);
		cell_time(pr, 0, 3, &person.created_at_us, &person.created_at, person_time);
		reply.person = &person;
	}
	size_t ninst = 0;
	for (int i = 0; i < n; i++) {
		triad__v1__grant__init(&grants[i]);
		grants[i].institution_id = cell(gr, i, 0);
		grants[i].id = cell(gr, i, 3);
		grants[i].principal_id = pm.id;
		grants[i].principal_name = pm.name;
		grants[i].role = role_from_sql(cell(gr, i, 4));
		grants[i].title = title_from_sql(cell(gr, i, 5));
		grants[i].organisation_id = cell(gr, i, 6);
		cell_time(gr, i, 7, &grants[i].created_at_us, &grants[i].created_at, grant_times[i]);
		gp[i] = &grants[i];
		/* Grants come ordered by institution: one entry per run. */
		if (i == 0 || strcmp(cell(gr, i, 0), cell(gr, i - 1, 0)) != 0) {
			triad__v1__institution__init(&insts[ninst]);
			insts[ninst].id = cell(gr, i, 0);
			insts[ninst].slug = cell(gr, i, 1);
			insts[ninst].name = cell(gr, i, 2);
			ip[ninst] = &insts[ninst];
			ninst++;
		}
	}
	size_t ngrants = (size_t)n;
	if (p->operator) {
		triad__v1__grant__init(&grants[ngrants]);
		grants[ngrants].principal_id = pm.id;
		grants[ngrants].principal_name = pm.name;
		grants[ngrants].role = TRIAD__V1__ROLE__ROLE_OPERATOR;
		gp[ngrants] = &grants[ngrants];
		ngrants++;
	}
	reply.n_grants = ngrants;
	reply.grants = gp;
	reply.n_institutions = ninst;
	reply.institutions = ip;
	resp.body_case = TRIAD__V1__RESPONSE__BODY_WHO_AM_I;
	resp.who_am_i = &reply;
	call_answer(call, &resp);
out:
	free(grants);
	free(gp);
	free(insts);
	free(ip);
	free(grant_times);
}

static void
svc_session_who_am_i(Call *call, const Triad__V1__Request *req)
{
	DbJob *job = call_job(call, whoami_done, call);
	const char *pid[1] = {call->principal->id};
	const char *person[1] = {call->principal->person_id};
	if (job == NULL || !call_job_add(call, job, whoami_grants_sql, 1, pid) ||
	    !call_job_add(call, job, whoami_person_sql, 1, person))
		return;
	pool_submit(call->srv->pool, job);
}

/* ---- the rows ---- */

#define K(x) TRIAD__V1__REQUEST__BODY_##x
#define R(x) TRIAD__V1__RESPONSE__BODY_##x

const Route session_routes[] = {
	{.kind = K(HELLO), .verb = VERB_HELLO, .reply = R(HELLO), .flags = ROUTE_PUBLIC | ROUTE_WRITES,
	 .handler = svc_session_hello},
	{.kind = K(PING), .verb = VERB_PING, .reply = R(PING), .flags = ROUTE_READ,
	 .handler = svc_session_ping},
	{.kind = K(REDEEM_INVITE), .verb = VERB_REDEEM_INVITE, .reply = R(REDEEM_INVITE), .flags = ROUTE_PUBLIC | ROUTE_WRITES | ROUTE_SECRET,
	 .handler = svc_session_redeem_invite},
	{.kind = K(WHO_AM_I), .verb = VERB_WHO_AM_I, .reply = R(WHO_AM_I), .flags = ROUTE_READ,
	 .handler = svc_session_who_am_i},
	{.kind = K(START_EMAIL_SIGN_IN), .verb = VERB_EMAIL_SIGNIN, .reply = R(START_EMAIL_SIGN_IN),
	 .flags = ROUTE_PUBLIC | ROUTE_WRITES, .handler = svc_session_start_email_sign_in},
	{.kind = K(SIGN_IN_WITH_CODE), .verb = VERB_EMAIL_SIGNIN, .reply = R(SIGN_IN_WITH_CODE),
	 .flags = ROUTE_PUBLIC | ROUTE_WRITES | ROUTE_SECRET, .handler = svc_session_sign_in_with_code},
	{0},
};

/*
 * svc_webhook.c: partners' webhooks (webhook.proto): registering,
 * listing, deleting, rotating the secret, the attempts made, and
 * redelivery. The sending is webhook.c's.
 *
 * Creating a webhook and rotating its secret are written in C because
 * only the daemon makes secrets; the rest are rows over the functions and
 * views of sql/functions/webhook.sql, which decide who sees which webhook
 * (an institution admin all of the institution's, a partner its own).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pool.h"
#include "sqlroute.h"
#include "svc_util.h"
#include "webhook.h"

#define K(x) TRIAD__V1__REQUEST__BODY_##x
#define R(x) TRIAD__V1__RESPONSE__BODY_##x
#define ID(n) "nullif($" #n ", '')::uuid"
#define PAGE(n) " AND (nullif($" #n ", '') IS NULL OR id > nullif($" #n ", '')::uuid)"

#define TYPES_MAX 32
#define TYPE_LEN_MAX 64
/* A day: how long the replaced secret still signs after a rotation. */
#define ROTATE_OVERLAP_S 86400

/* The columns of webhook_v that a handler written in C fills a Webhook
 * from: the types as one comma-separated text (they hold no commas). */
#define WEBHOOK_COLS \
	"id, url, description, array_to_string(types, ',') AS types_csv, status, owner_id," \
	" owner_name, created_at_us, secret_rotated_at_us, disabled_at_us, pending, failed," \
	" last_attempt_at_us, last_result"

static void svc_webhook_create(Call *call, const Triad__V1__Request *req);
static void svc_webhook_rotate(Call *call, const Triad__V1__Request *req);

const Route webhook_routes[] = {
	{.kind = K(CREATE_WEBHOOK), .verb = VERB_WEBHOOK, .reply = R(WEBHOOK_SECRET),
	 .flags = ROUTE_ACCESS_WRITE | ROUTE_SECRET, .handler = svc_webhook_create},
	{K(LIST_WEBHOOKS), VERB_WEBHOOK, R(WEBHOOKS), ROUTE_READ,
	 {{"SELECT * FROM webhook_v WHERE true" PAGE(1) " ORDER BY id LIMIT $2::int",
	   {"page_token", "$limit"}, "webhooks"}},
	 NULL, true},
	{K(DELETE_WEBHOOK), VERB_WEBHOOK, R(WEBHOOK), ROUTE_ACCESS_WRITE,
	 {{"SELECT * FROM triad_webhook_delete(" ID(1) ", $2::numeric)", {"id", "$request_id"}}},
	 "webhook not found"},
	{.kind = K(ROTATE_WEBHOOK_SECRET), .verb = VERB_WEBHOOK, .reply = R(WEBHOOK_SECRET),
	 .flags = ROUTE_ACCESS_WRITE | ROUTE_SECRET, .handler = svc_webhook_rotate},
	{K(LIST_WEBHOOK_DELIVERIES), VERB_WEBHOOK, R(WEBHOOK_DELIVERIES), ROUTE_READ,
	 {{"SELECT 1 AS seen FROM webhook_v WHERE id = " ID(1), {"webhook_id"}},
	  {"SELECT id, webhook_id, delivery_id, event_id, event_type, attempt, attempted_at_us,"
	   " duration_ms, http_status, error, outcome, next_attempt_at_us, redelivery"
	   " FROM webhook_attempt_v WHERE webhook_id = " ID(1)
	   "   AND (NOT $2::boolean OR outcome <> 'delivered')"
	   "   AND (nullif($3, '') IS NULL OR event_id = " ID(3) ")"
	   " ORDER BY at DESC, id LIMIT $4::int OFFSET $5::int",
	   {"webhook_id", "only_failed", "event_id", "$limit", "$offset"}, "attempts"}},
	 "webhook not found", .paged_by_position = true},
	{K(REDELIVER_WEBHOOK), VERB_WEBHOOK, R(REDELIVERED), ROUTE_ACCESS_WRITE,
	 {{"SELECT * FROM triad_webhook_redeliver(" ID(1) ", $2, $3, $4::numeric)",
	   {"webhook_id", "event_id", "failed_since", "$request_id"}}}},
	{0},
};

/* ---- the secret's answer ---- */

typedef struct SecretCtx {
	Call *call;
	char secret[SECRET_LEN + 1];
} SecretCtx;

static void
secret_ctx_free(SecretCtx *ctx)
{
	if (ctx != NULL)
		explicit_bzero(ctx->secret, sizeof ctx->secret);
	free(ctx);
}

/* Answers with the webhook of the first row and the new secret. */
static void
secret_done(void *arg, const DbOutcome *out)
{
	SecretCtx *ctx = arg;
	Call *call = ctx->call;

	if (call_db_failed(call, out, NULL)) {
		secret_ctx_free(ctx);
		return;
	}
	const PGresult *r = out->results[0];
	Triad__V1__Webhook w = TRIAD__V1__WEBHOOK__INIT;
	char *types[TYPES_MAX];
	char csv[TYPES_MAX * (TYPE_LEN_MAX + 1) + 1];
	SqlTimes w_times = {0};
	if (PQntuples(r) != 1 || !sqlroute_fill(&w.base, r, 0, &w_times)) {
		log_error("bug", "what=webhook_reply");
		call_fail(call, TRIAD__V1__CODE__CODE_INTERNAL, NULL, "internal error (reply)");
		secret_ctx_free(ctx);
		return;
	}
	snprintf(csv, sizeof csv, "%s", PQgetvalue(r, 0, PQfnumber(r, "types_csv")));
	for (char *save = NULL, *t = strtok_r(csv, ",", &save); t != NULL && w.n_types < TYPES_MAX;
	     t = strtok_r(NULL, ",", &save))
		types[w.n_types++] = t;
	w.types = types;
	Triad__V1__WebhookSecretReply reply = TRIAD__V1__WEBHOOK_SECRET_REPLY__INIT;
	reply.webhook = &w;
	reply.secret = ctx->secret;
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	resp.body_case = R(WEBHOOK_SECRET);
	resp.webhook_secret = &reply;
	call_answer(call, &resp);
	secret_ctx_free(ctx);
}

static SecretCtx *
secret_ctx_new(Call *call)
{
	SecretCtx *ctx = calloc(1, sizeof *ctx);
	char prefix[SECRET_PREFIX_LEN + 1];
	uint8_t hash[SECRET_HASH_LEN];

	if (ctx == NULL) {
		call_fail(call, TRIAD__V1__CODE__CODE_UNAVAILABLE, NULL, "server is out of memory");
		return NULL;
	}
	ctx->call = call;
	if (!secret_new(WEBHOOK_SECRET_KIND, ctx->secret, prefix, hash)) {
		secret_ctx_free(ctx);
		call_fail(call, TRIAD__V1__CODE__CODE_UNAVAILABLE, NULL,
			  "the server could not make a secret; try again");
		return NULL;
	}
	return ctx;
}

/* ---- CreateWebhook ---- */

/*
 * The types as a text[] literal into out. Each is "<aggregate>.<what
 * happened>" in lower case and underscores, which needs no quoting. False
 * (the call answered) for one that is not.
 */
static bool
types_literal(Call *call, char *const *types, size_t n, char *out, size_t size)
{
	static const char field[] = "create_webhook.types";
	size_t len = 0;

	if (n > TYPES_MAX) {
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, field, "at most %d types",
			  TYPES_MAX);
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
				  "types: \"%.64s\" is not an event type (such as enrollment.admitted)",
				  t);
			return false;
		}
		len += (size_t)snprintf(out + len, size - len, "%s%s", i ? "," : "", t);
	}
	snprintf(out + len, size - len, "}");
	return true;
}

static void
svc_webhook_create(Call *call, const Triad__V1__Request *req)
{
	const Triad__V1__CreateWebhookRequest *m = req->create_webhook;
	char types[TYPES_MAX * (TYPE_LEN_MAX + 1) + 4], why[160];
	WebhookUrl url;

	if (!check_text(call, "create_webhook.url", m->url, 1, WEBHOOK_URL_MAX) ||
	    !check_text(call, "create_webhook.description", m->description, 0, 200) ||
	    !types_literal(call, m->types, m->n_types, types, sizeof types))
		return;
	if (!webhook_url_parse(m->url, &url, why, sizeof why)) {
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, "create_webhook.url",
			  "url: %s", why);
		return;
	}
	if (!call->srv->cfg.webhook_allow_private && webhook_host_private(url.host)) {
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, "create_webhook.url",
			  "url: %s is a loopback or private address, which this service does not "
			  "send to; give the endpoint's public name", url.host);
		return;
	}
	SecretCtx *ctx = secret_ctx_new(call);
	if (ctx == NULL)
		return;
	DbJob *job = call_job(call, secret_done, ctx);
	const char *params[5] = {m->url, types, m->description, ctx->secret, call_request_id_text(call)};
	if (job == NULL ||
	    !call_job_add(call, job,
			  "SELECT " WEBHOOK_COLS " FROM triad_webhook_create($1, $2::text[], $3, $4,"
			  " $5::numeric)", 5, params)) {
		secret_ctx_free(ctx);
		return;
	}
	pool_submit(call->srv->pool, job);
}

/* ---- RotateWebhookSecret ---- */

static void
svc_webhook_rotate(Call *call, const Triad__V1__Request *req)
{
	const Triad__V1__RotateWebhookSecretRequest *m = req->rotate_webhook_secret;
	char overlap[16];

	if (!check_id(call, "rotate_webhook_secret.id", m->id, true))
		return;
	SecretCtx *ctx = secret_ctx_new(call);
	if (ctx == NULL)
		return;
	snprintf(overlap, sizeof overlap, "%d", m->expire_now ? 0 : ROTATE_OVERLAP_S);
	DbJob *job = call_job(call, secret_done, ctx);
	const char *params[4] = {m->id, ctx->secret, overlap, call_request_id_text(call)};
	if (job == NULL ||
	    !call_job_add(call, job,
			  "SELECT " WEBHOOK_COLS " FROM triad_webhook_rotate($1::uuid, $2, $3::int,"
			  " $4::numeric)", 4, params)) {
		secret_ctx_free(ctx);
		return;
	}
	pool_submit(call->srv->pool, job);
}

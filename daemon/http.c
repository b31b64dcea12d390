/*
 * http.c: GET /healthz, /readyz and /metrics on the operations port.
 *
 * Peers here are scrapers and probes, not clients, so every bound is small:
 * a request is a few headers and no body, and a connection that says
 * nothing for HTTP_TIMEOUT_S is closed by evhttp.
 */
#include "http.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "badges.h"
#include "listener.h"
#include "mailer.h"
#include "webhook.h"
#include "metrics.h"
#include "pool.h"

#define HTTP_MAX_HEADERS_BYTES 8192
#define HTTP_MAX_BODY_BYTES 1024
#define HTTP_TIMEOUT_S 10

#define CT_TEXT "text/plain; charset=utf-8"
#define CT_METRICS "text/plain; version=0.0.4; charset=utf-8"

/* Sends code with body as plain text; the request is finished after this. */
static void
reply(struct evhttp_request *req, int code, const char *reason, const char *ctype,
      struct evbuffer *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Type", ctype);
	evhttp_add_header(h, "Cache-Control", "no-store");
	if (code == HTTP_BADMETHOD)
		evhttp_add_header(h, "Allow", "GET");
	evhttp_send_reply(req, code, reason, body);
}

static void
reply_text(struct evhttp_request *req, int code, const char *reason, const char *text)
{
	struct evbuffer *body = evbuffer_new();

	if (body == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	evbuffer_add(body, text, strlen(text));
	reply(req, code, reason, CT_TEXT, body);
	evbuffer_free(body);
}

static void
metric(struct evbuffer *b, const char *name, const char *type, const char *help, uint64_t v)
{
	evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %" PRIu64 "\n", name, help, name,
			    type, name, v);
}

/* The Prometheus text format, version 0.0.4. */
static void
serve_metrics(Server *srv, struct evhttp_request *req)
{
	struct evbuffer *b = evbuffer_new();

	if (b == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	const Stats *st = &srv->stats;
	metric(b, "triad_connections_accepted_total", "counter",
	       "Client connections accepted on the protocol port.", st->conns_accepted);
	metric(b, "triad_connections_rejected_total", "counter",
	       "Client connections refused at max_connections.", st->conns_rejected);
	metric(b, "triad_requests_total", "counter", "Requests received.", st->requests);
	metric(b, "triad_responses_error_total", "counter",
	       "Responses with a status other than OK.", st->responses_error);
	metric(b, "triad_connections_rejected_unauthenticated_total", "counter",
	       "Client connections refused at max_unauthenticated or "
	       "max_unauthenticated_per_address.", st->conns_rejected_unauthenticated);
	metric(b, "triad_frames_refused_total", "counter",
	       "Frames refused as oversized, empty, undecodable or over the decoding limits.",
	       st->frames_refused);
	metric(b, "triad_frame_timeouts_total", "counter",
	       "Connections closed because a frame took longer than frame_timeout_ms.",
	       st->frame_timeouts);
	metric(b, "triad_conn_writes_direct_total", "counter",
	       "Writes of answers a plain TCP connection made itself, once per pass of the loop.",
	       st->writes_direct);
	metric(b, "triad_conn_writes_blocked_total", "counter",
	       "Such writes that found the socket full, so that the rest waited for it.",
	       st->writes_blocked);
	metric(b, "triad_tls_handshakes_total", "counter",
	       "TLS handshakes finished on the protocol port.", st->tls_handshakes);
	metric(b, "triad_tls_handshake_failures_total", "counter",
	       "TLS handshakes that failed or did not finish within hello_timeout_ms.",
	       st->tls_failures);
	metric(b, "triad_credential_checks_total", "counter",
	       "Database jobs that checked their session's token and grants in full rather than "
	       "trusting the last check (no change of them heard of since).",
	       st->credential_checks);
	metric(b, "triad_partial_frame_evictions_total", "counter",
	       "Connections closed to keep partial frames within partial_frames_max_bytes.",
	       st->partial_evictions);
	metric(b, "triad_connections_open", "gauge", "Client connections open now.",
	       srv->conns.live);
	metric(b, "triad_sessions_open", "gauge", "Signed-in client connections open now.",
	       srv->conns.sessions);
	metric(b, "triad_connections_unauthenticated", "gauge",
	       "Client connections open now without a session.", srv->conns.unauthenticated);
	metric(b, "triad_partial_frame_bytes", "gauge",
	       "Bytes of frames received in part, all connections.", srv->conns.partial_bytes);
	metric(b, "triad_db_connections_up", "gauge", "Database connections up now.",
	       (uint64_t)srv->pool->n_up);
	metric(b, "triad_db_queue_length", "gauge",
	       "Requests waiting for a database connection.", (uint64_t)srv->pool->qlen);
	metric(b, "triad_db_queue_clients", "gauge",
	       "Owners the queue keeps count of: connections with requests waiting or running, "
	       "addresses over the sign-in limit, accounts with requests waiting.",
	       (uint64_t)srv->pool->nflows);
	metric(b, "triad_db_refused_client_cap_total", "counter",
	       "Requests refused because their connection had db_queue_per_client_max waiting.",
	       srv->pool->stats.refused_client_cap);
	metric(b, "triad_db_refused_principal_cap_total", "counter",
	       "Requests refused because their account had db_queue_per_principal_max waiting.",
	       srv->pool->stats.refused_principal_cap);
	metric(b, "triad_db_backlog_connections", "gauge",
	       "Database connections running a request of a client that has another running.",
	       (uint64_t)srv->pool->backlog_busy);
	metric(b, "triad_db_refused_queue_full_total", "counter",
	       "Requests refused, or pushed out by a lighter client's, at db_queue_max.",
	       srv->pool->stats.refused_queue_full);
	metric(b, "triad_db_group_commits_total", "counter",
	       "Transactions that committed several waiting writes together (db_group_commit_max).",
	       srv->pool->stats.group_commits);
	metric(b, "triad_db_group_commit_requests_total", "counter",
	       "The writes in them.", srv->pool->stats.group_commit_jobs);
	metric(b, "triad_db_group_commit_retries_total", "counter",
	       "Group commits that one write's failure voided; each of their writes ran again alone.",
	       srv->pool->stats.group_commit_retries);
	const MailerStats *ms = mailer_stats(srv->mailer);
	metric(b, "triad_mail_sent_total", "counter", "Notifications the mail relay accepted.",
	       ms->sent);
	metric(b, "triad_mail_deferred_total", "counter",
	       "Attempts to send a notification that failed and will be tried again.",
	       ms->deferred);
	metric(b, "triad_mail_failed_total", "counter",
	       "Notifications given up on: refused by the relay, or out of attempts.", ms->failed);
	metric(b, "triad_mail_relay_down", "gauge",
	       "1 when the last attempt could not reach the mail relay.",
	       ms->relay_down ? 1u : 0u);
	metric(b, "triad_outbox_pending", "gauge",
	       "Notifications waiting in the outbox, as of the last sweep.", ms->pending);
	metric(b, "triad_outbox_failed_last_day", "gauge",
	       "Notifications that failed in the last day, as of the last sweep.",
	       ms->failed_last_day);
	const WebhookStats *ws = webhooks_stats(srv->webhooks);
	metric(b, "triad_webhook_delivered_total", "counter",
	       "Webhook deliveries an endpoint answered with a 2xx.", ws->delivered);
	metric(b, "triad_webhook_retried_total", "counter",
	       "Webhook attempts that failed and will be tried again.", ws->retried);
	metric(b, "triad_webhook_failed_total", "counter",
	       "Webhook deliveries given up on after webhook_give_up_s.", ws->failed);
	metrics_print(b);
	reply(req, HTTP_OK, "OK", CT_METRICS, b);
	evbuffer_free(b);
}

/*
 * evhttp's callback for every complete request. Known paths answer GET
 * only; everything is answered at once from the server's state.
 */
static void
on_request(struct evhttp_request *req, void *arg)
{
	Server *srv = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;

	if (path == NULL)
		path = "";
	/* Certificates' published keys and revocation lists (badges.h). */
	if (srv->badges != NULL && badges_http(srv->badges, req, path))
		return;
	bool known = strcmp(path, "/healthz") == 0 || strcmp(path, "/readyz") == 0 ||
		     strcmp(path, "/metrics") == 0;
	if (!known) {
		reply_text(req, HTTP_NOTFOUND, "Not Found", "not found\n");
		return;
	}
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		reply_text(req, HTTP_BADMETHOD, "Method Not Allowed", "only GET\n");
		return;
	}
	if (strcmp(path, "/healthz") == 0)
		reply_text(req, HTTP_OK, "OK", "ok\n");
	else if (strcmp(path, "/readyz") == 0) {
		if (srv->draining)
			reply_text(req, HTTP_SERVUNAVAIL, "Service Unavailable", "draining\n");
		else if (!pool_ready(srv->pool))
			reply_text(req, HTTP_SERVUNAVAIL, "Service Unavailable",
				   "no database connection\n");
		else
			reply_text(req, HTTP_OK, "OK", "ready\n");
	} else
		serve_metrics(srv, req);
}

bool
http_start(Server *srv, char err[256])
{
	if (srv->cfg.http_listen[0] == '\0')
		return true;
	srv->http = evhttp_new(srv->base);
	if (srv->http == NULL) {
		snprintf(err, 256, "http_listen: out of memory");
		return false;
	}
	/* Every method reaches on_request, so each gets 405 rather than 501. */
	evhttp_set_allowed_methods(srv->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
		EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
		EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_max_headers_size(srv->http, HTTP_MAX_HEADERS_BYTES);
	evhttp_set_max_body_size(srv->http, HTTP_MAX_BODY_BYTES);
	evhttp_set_timeout(srv->http, HTTP_TIMEOUT_S);
	evhttp_set_gencb(srv->http, on_request, srv);

	struct evconnlistener *l = listener_bind(srv->base, "http_listen", srv->cfg.http_listen,
						 srv->http_bound, err);
	if (l == NULL)
		return false;
	/* On success the bound socket owns l and frees it with srv->http. */
	if (evhttp_bind_listener(srv->http, l) == NULL) {
		evconnlistener_free(l);
		snprintf(err, 256, "http_listen: out of memory");
		return false;
	}
	return true;
}

void
http_stop(Server *srv)
{
	if (srv->http != NULL) {
		evhttp_free(srv->http);
		srv->http = NULL;
	}
}

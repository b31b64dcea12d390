/*
 * server.c: putting the pieces together, draining and reloading.
 */
#include "server.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>


#include "conn.h"
#include "db.h"
#include "dispatch.h"
#include "http.h"
#include "ooapi.h"
#include "listener.h"
#include "log.h"
#include "badges.h"
#include "mailer.h"
#include "pool.h"
#include "sqlroute.h"
#include "stream.h"
#include "webhook.h"
#include "tls.h"

/* Initial size of the connection table; it grows on demand. */
#define CONN_TABLE_INITIAL 1024

static void
on_reap(evutil_socket_t fd, short what, void *arg)
{
	Server *srv = arg;

	conn_reap(srv);
	if (srv->draining && srv->conns.live == 0 && srv->conns.rejecting == 0)
		event_base_loopbreak(srv->base);
}

static void
on_flush(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_flush_all(arg);
}

/* After the drain timeout, the requests still waiting or running are
 * answered (pool_abort), and their answers get this long to be sent. */
#define DRAIN_FLUSH_MS 1000

static void
on_drain_timeout(evutil_socket_t fd, short what, void *arg)
{
	Server *srv = arg;

	if (srv->drain_expired) {
		log_warn("drain_flush_timeout", "connections=%" PRIu32, srv->conns.live);
		event_base_loopbreak(srv->base);
		return;
	}
	srv->drain_expired = true;
	log_warn("drain_timeout", "connections=%" PRIu32 " ms=%d", srv->conns.live,
		 srv->cfg.drain_timeout_ms);
	/* No request leaves without an answer: those not started are
	 * CANCELLED, those running have an unknown outcome. Connections close
	 * once their answers are out, and the reaper ends the loop. */
	pool_abort(srv->pool);
	struct timeval tv = {DRAIN_FLUSH_MS / 1000, (DRAIN_FLUSH_MS % 1000) * 1000};
	evtimer_add(srv->drain_timer, &tv);
	event_active(srv->reaper, EV_TIMEOUT, 0);
}

Server *
server_new(const Config *cfg, char err[256])
{
	Server *srv = calloc(1, sizeof *srv);
	if (srv == NULL) {
		snprintf(err, 256, "out of memory");
		return NULL;
	}
	srv->cfg = *cfg;
	srv->base = event_base_new();
	if (srv->base == NULL || !conn_table_init(&srv->conns, CONN_TABLE_INITIAL)) {
		snprintf(err, 256, "out of memory");
		server_free(srv);
		return NULL;
	}
	srv->reaper = event_new(srv->base, -1, 0, on_reap, srv);
	srv->flusher = event_new(srv->base, -1, 0, on_flush, srv);
	srv->drain_timer = evtimer_new(srv->base, on_drain_timeout, srv);
	if (srv->reaper == NULL || srv->flusher == NULL || srv->drain_timer == NULL) {
		snprintf(err, 256, "out of memory");
		server_free(srv);
		return NULL;
	}
	if (!tls_config_check(&srv->cfg, err) ||
	    (srv->cfg.tls && (srv->tls_ctx = tls_server_ctx(&srv->cfg, err)) == NULL)) {
		server_free(srv);
		return NULL;
	}
	if (!srv->cfg.tls)
		log_warn("tls_off", "listen=%s plain TCP on loopback only", srv->cfg.listen);
	srv->pool = pool_new(srv->base, &srv->cfg, err);
	if (srv->pool != NULL && (srv->stream = stream_new(srv)) == NULL)
		snprintf(err, 256, "out of memory");
	/* The webhooks' sender, once the pool is there. */
	if (srv->stream != NULL && (srv->webhooks = webhooks_new(srv, err)) == NULL) {
		server_free(srv);
		return NULL;
	}
	if (srv->pool == NULL || srv->stream == NULL || (srv->mailer = mailer_new(srv, err)) == NULL ||
	    !listener_start(srv, err) || !http_start(srv, err) || !ooapi_start(srv, err) ||
	    (srv->badges = badges_new(srv, err)) == NULL) {
		server_free(srv);
		return NULL;
	}
	return srv;
}

int
server_run(Server *srv)
{
	if (srv->http != NULL)
		log_info("http_listening", "addr=%s", srv->http_bound);
	log_info("listening", "addr=%s tls=%s pool=%d max_connections=%d max_unauthenticated=%d",
		 srv->bound, srv->tls_ctx != NULL ? "on" : "off", srv->cfg.pool_size,
		 srv->cfg.max_connections,
		 srv->cfg.max_unauthenticated);
	if (event_base_dispatch(srv->base) < 0) {
		log_error("loop_failed", NULL);
		return 1;
	}
	log_info("stopped", "requests=%" PRIu64 " connections=%" PRIu64, srv->stats.requests,
		 srv->stats.conns_accepted);
	return 0;
}

void
server_drain(Server *srv)
{
	if (srv->draining)
		return;
	srv->draining = true;
	/* The operations port stays open: /readyz says "draining" until the end. */
	listener_stop(srv);
	/* No more mail is sent; what is claimed is sent by whoever runs next. */
	mailer_stop(srv->mailer);
	/* Likewise webhooks: requests in flight end, and are sent again. */
	webhooks_stop(srv->webhooks);
	log_info("draining", "connections=%" PRIu32 " timeout_ms=%d", srv->conns.live,
		 srv->cfg.drain_timeout_ms);
	conn_drain_all(srv);
	struct timeval tv = {srv->cfg.drain_timeout_ms / 1000,
			     (srv->cfg.drain_timeout_ms % 1000) * 1000};
	evtimer_add(srv->drain_timer, &tv);
	/* Let the reaper decide: it runs even when nothing was closed. */
	event_active(srv->reaper, EV_TIMEOUT, 0);
}

void
server_reload(Server *srv, const Config *next)
{
	int changed = config_apply_reload(&srv->cfg, next);

	log_set_level(srv->cfg.log_level);
	/* Open connections buffer at most one frame of the (new) largest size. */
	for (uint32_t i = 0; i < srv->conns.cap; i++) {
		Conn *c = srv->conns.slots[i];
		if (c != NULL)
			conn_apply_limits(c);
	}
	/* The certificate and key are read anew even when their paths did not
	 * change: renewing a certificate replaces the files. The new context
	 * is whole before it is swapped in; on error the old one stays. */
	if (srv->tls_ctx != NULL) {
		char err[256], q[320];
		SSL_CTX *ctx = tls_server_ctx(&srv->cfg, err);
		if (ctx == NULL) {
			log_warn("tls_reload_failed", "error=%s keeping=old",
				 log_quote(q, sizeof q, err));
		} else {
			SSL_CTX_free(srv->tls_ctx);
			srv->tls_ctx = ctx;
			log_info("tls_reloaded", "cert=%s", srv->cfg.tls_cert);
		}
	}
	badges_reload(srv->badges);
	log_info("config_reloaded", "changed=%d", changed);
}

void
server_free(Server *srv)
{
	if (srv == NULL)
		return;
	listener_stop(srv);
	http_stop(srv);
	ooapi_stop(srv);
	/* Close what is left (after a drain timeout), then free it. */
	for (uint32_t i = 0; i < srv->conns.cap; i++) {
		Conn *c = srv->conns.slots[i];
		if (c != NULL)
			conn_abort(c);
	}
	conn_reap(srv);
	/* The mailer's jobs still in the pool call back while it is freed. */
	mailer_stop(srv->mailer);
	webhooks_stop(srv->webhooks);
	stream_stop(srv->stream);
	badges_stop(srv->badges);
	pool_free(srv->pool);
	ooapi_free(srv);
	mailer_free(srv->mailer);
	webhooks_free(srv->webhooks);
	stream_free(srv->stream);
	badges_free(srv->badges);
	if (srv->reaper != NULL)
		event_free(srv->reaper);
	if (srv->flusher != NULL)
		event_free(srv->flusher);
	if (srv->drain_timer != NULL)
		event_free(srv->drain_timer);
	conn_table_free(&srv->conns);
	frame_stage_free(&srv->stage);
	SSL_CTX_free(srv->tls_ctx);
	if (srv->base != NULL)
		event_base_free(srv->base);
	free(srv);
	dispatch_free();
	db_jobs_free_cached();
	sqlroute_free();
}

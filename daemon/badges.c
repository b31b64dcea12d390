/*
 * badges.c: the master key and the published keys and revocation lists
 * (see badges.h).
 */
#include "badges.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <openssl/crypto.h>

#include "clock.h"
#include "log.h"
#include "pool.h"

/* What one institution publishes. */
typedef struct Published {
	char *slug;
	char *jwks;
	char *revocations;
} Published;

struct Badges {
	Server *srv;
	bool has_master;
	uint8_t master[VCJWT_MASTER_LEN];
	char base[CONFIG_STR_MAX + 16];
	Published *items;            /* owned, sorted by slug as the database gave them */
	size_t nitems;
	bool loaded;                 /* a read has answered */
	bool reading;                /* a read is in the pool */
	bool again;                  /* another read was asked for meanwhile */
	bool stopped;
	struct event *timer;         /* owned: the next read */
	LogEpisode trouble;          /* reads failing */
};

static void
published_free(Published *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(items[i].slug);
		free(items[i].jwks);
		free(items[i].revocations);
	}
	free(items);
}

static void
base_set(Badges *b)
{
	const Config *cfg = &b->srv->cfg;
	if (cfg->public_url[0] != '\0')
		snprintf(b->base, sizeof b->base, "%s", cfg->public_url);
	else
		snprintf(b->base, sizeof b->base, "http://%s",
			 b->srv->http_bound[0] != '\0' ? b->srv->http_bound : cfg->http_listen);
	size_t n = strlen(b->base);
	while (n > 0 && b->base[n - 1] == '/')
		b->base[--n] = '\0';
}

static bool
master_load(Badges *b, char err[256])
{
	const char *path = b->srv->cfg.credential_key_file;
	uint8_t key[VCJWT_MASTER_LEN];

	if (path[0] == '\0') {
		OPENSSL_cleanse(b->master, sizeof b->master);
		b->has_master = false;
		return true;
	}
	if (!vcjwt_master_load(path, key, err))
		return false;
	memcpy(b->master, key, sizeof key);
	OPENSSL_cleanse(key, sizeof key);
	b->has_master = true;
	return true;
}

static void
schedule(Badges *b, int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	if (!b->stopped)
		evtimer_add(b->timer, &tv);
}

static char *
dup_cell(const PGresult *r, int row, int col)
{
	return strdup(PQgetvalue(r, row, col));
}

static void
read_done(void *arg, const DbOutcome *out)
{
	Badges *b = arg;

	b->reading = false;
	if (b->stopped)
		return;
	if (out->code != TRIAD__V1__CODE__CODE_OK) {
		char q[320];
		if (log_episode_hit(&b->trouble, now_us()))
			log_warn("credentials_read_failed", "error=%s",
				 log_quote(q, sizeof q, out->message));
		schedule(b, b->again ? 1000 : BADGES_POLL_MS);
		b->again = false;
		return;
	}
	uint64_t count, ms;
	if (log_episode_end(&b->trouble, now_us(), &count, &ms))
		log_info("credentials_read_ok", "failures=%" PRIu64 " ms=%" PRIu64, count, ms);
	const PGresult *r = out->results[0];
	int n = PQntuples(r);
	size_t bytes = 0;
	for (int i = 0; i < n; i++)
		bytes += (size_t)PQgetlength(r, i, 1) + (size_t)PQgetlength(r, i, 2);
	if (bytes > BADGES_CACHE_MAX) {
		log_error("credentials_too_large", "bytes=%zu max=%u keeping=old", bytes,
			  BADGES_CACHE_MAX);
	} else {
		Published *items = calloc((size_t)n + 1, sizeof *items);
		bool ok = items != NULL;
		for (int i = 0; ok && i < n; i++) {
			items[i].slug = dup_cell(r, i, 0);
			items[i].jwks = dup_cell(r, i, 1);
			items[i].revocations = dup_cell(r, i, 2);
			ok = items[i].slug && items[i].jwks && items[i].revocations;
		}
		if (ok) {
			published_free(b->items, b->nitems);
			b->items = items;
			b->nitems = (size_t)n;
			b->loaded = true;
			log_debug("credentials_read", "institutions=%d", n);
		} else {
			published_free(items, items != NULL ? (size_t)n : 0);
			log_error("credentials_out_of_memory", "keeping=old");
		}
	}
	if (b->again) {
		b->again = false;
		schedule(b, 0);
	} else {
		schedule(b, BADGES_POLL_MS);
	}
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	Badges *b = arg;
	(void)fd;
	(void)what;

	if (b->stopped)
		return;
	if (b->reading) {
		b->again = true;
		return;
	}
	base_set(b);
	const char *params[1] = {b->base};
	DbJob *job = db_job_new(read_done, b);
	if (job == NULL ||
	    !db_job_add(job, "SELECT slug, jwks, revocations FROM triad_credential_published($1)",
			1, params)) {
		db_job_free(job);
		schedule(b, 1000);
		return;
	}
	b->reading = true;
	pool_submit(b->srv->pool, job);
}

Badges *
badges_new(Server *srv, char err[256])
{
	Badges *b = calloc(1, sizeof *b);
	if (b == NULL) {
		snprintf(err, 256, "out of memory");
		return NULL;
	}
	b->srv = srv;
	if (!master_load(b, err)) {
		free(b);
		return NULL;
	}
	if ((b->timer = evtimer_new(srv->base, on_timer, b)) == NULL) {
		snprintf(err, 256, "out of memory");
		badges_free(b);
		return NULL;
	}
	base_set(b);
	schedule(b, 0);
	return b;
}

void
badges_stop(Badges *b)
{
	if (b == NULL)
		return;
	b->stopped = true;
	if (b->timer != NULL)
		evtimer_del(b->timer);
}

void
badges_free(Badges *b)
{
	if (b == NULL)
		return;
	if (b->timer != NULL)
		event_free(b->timer);
	published_free(b->items, b->nitems);
	OPENSSL_cleanse(b->master, sizeof b->master);
	free(b);
}

void
badges_reload(Badges *b)
{
	char err[256], q[320];

	if (!master_load(b, err))
		log_warn("credential_key_file_reload_failed", "error=%s keeping=old",
			 log_quote(q, sizeof q, err));
	base_set(b);
	badges_refresh(b);
}

const uint8_t *
badges_master(const Badges *b)
{
	return b != NULL && b->has_master ? b->master : NULL;
}

const char *
badges_base_url(const Badges *b)
{
	return b->base;
}

void
badges_refresh(Badges *b)
{
	if (b == NULL || b->stopped)
		return;
	if (b->reading)
		b->again = true;
	else
		schedule(b, 0);
}

static void
send_text(struct evhttp_request *req, int code, const char *reason, const char *text)
{
	struct evbuffer *body = evbuffer_new();
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	if (body == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	evbuffer_add(body, text, strlen(text));
	evhttp_add_header(h, "Content-Type", "text/plain; charset=utf-8");
	evhttp_add_header(h, "Cache-Control", "no-store");
	if (code == HTTP_BADMETHOD)
		evhttp_add_header(h, "Allow", "GET");
	evhttp_send_reply(req, code, reason, body);
	evbuffer_free(body);
}

bool
badges_http(Badges *b, struct evhttp_request *req, const char *path)
{
	static const char prefix[] = "/institutions/";
	const char *doc = NULL, *ctype = NULL;
	char slug[64];

	if (strncmp(path, prefix, sizeof prefix - 1) != 0)
		return false;
	const char *s = path + sizeof prefix - 1;
	const char *slash = strchr(s, '/');
	bool jwks = false;
	if (slash == NULL || slash == s || (size_t)(slash - s) >= sizeof slug)
		return false;
	if (strcmp(slash, "/jwks.json") == 0)
		jwks = true;
	else if (strcmp(slash, "/revocations.json") != 0)
		return false;
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		send_text(req, HTTP_BADMETHOD, "Method Not Allowed", "only GET\n");
		return true;
	}
	memcpy(slug, s, (size_t)(slash - s));
	slug[slash - s] = '\0';
	if (!b->loaded) {
		send_text(req, HTTP_SERVUNAVAIL, "Service Unavailable",
			  "not loaded from the database yet; try again\n");
		return true;
	}
	for (size_t i = 0; i < b->nitems; i++) {
		if (strcmp(b->items[i].slug, slug) == 0) {
			doc = jwks ? b->items[i].jwks : b->items[i].revocations;
			ctype = jwks ? "application/jwk-set+json" : "application/json";
			break;
		}
	}
	if (doc == NULL) {
		send_text(req, HTTP_NOTFOUND, "Not Found",
			  "no institution of that name publishes credentials here\n");
		return true;
	}
	struct evbuffer *body = evbuffer_new();
	if (body == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return true;
	}
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	evbuffer_add(body, doc, strlen(doc));
	evhttp_add_header(h, "Content-Type", ctype);
	/* Verifiers may cache briefly; a revocation shows within a minute. */
	evhttp_add_header(h, "Cache-Control", "max-age=60");
	evhttp_add_header(h, "Access-Control-Allow-Origin", "*");
	evhttp_send_reply(req, HTTP_OK, "OK", body);
	evbuffer_free(body);
	return true;
}

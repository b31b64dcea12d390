/*
 * webhook.c: the sender of partners' webhooks (see webhook.h).
 */
#include "webhook.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/util.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "auth.h"
#include "clock.h"
#include "db.h"
#include "log.h"
#include "pool.h"

#define HEADERS_MAX_BYTES (16 * 1024)

typedef struct Work Work;

/* One request for one delivery. */
typedef struct Send {
	Work *w;
	char delivery[UUID_LEN + 1];
	char event[UUID_LEN + 1];
	char type[80];
	int attempt;
	char *body;                      /* owned */
	char signature[WEBHOOK_SIGNATURE_MAX];
	struct evhttp_connection *evcon; /* owned; freed by on_reap, never in its own callback */
	SSL *ssl;                        /* the connection's, for its verify result; not owned */
	WebhookUrl url;                  /* the endpoint, taken apart */
	struct evdns_getaddrinfo_request *dnsreq; /* a name being resolved, or NULL */
	struct DnsWait *dns_wait;        /* what its callback finds s by, while it waits */
	struct event *deadline;          /* owned */
	uint64_t started_us;
	int64_t started_ms;              /* wall clock, for the record */
	int duration_ms;
	int status;                      /* the HTTP status answered, 0 when none */
	char error[256];                 /* why it failed; "" when an answer came */
	bool started;
	bool done;
} Send;

/*
 * What a resolution's callback holds instead of the Send: a Send that goes
 * away first sets s to NULL, and the callback, whenever evdns makes it
 * (at once or later, even after a cancel), frees this and does nothing.
 */
typedef struct DnsWait {
	struct Send *s;
} DnsWait;

typedef enum WorkState {
	WORK_READING,                    /* its work job is in the pool */
	WORK_SENDING,                    /* requests in flight */
	WORK_RECORDING,                  /* its record job is in the pool */
} WorkState;

/* One claimed webhook, from its claim to the end of its lease. */
struct Work {
	Webhooks *wh;
	WorkState state;
	char institution[UUID_LEN + 1];
	char id[UUID_LEN + 1];
	char lease[UUID_LEN + 1];
	char url[WEBHOOK_URL_MAX + 1];
	Send sends[WEBHOOK_INFLIGHT_MAX];
	int nsends;
	int open;                        /* sends not done */
	struct event *reap;              /* owned: frees finished connections */
	Work *next;
};

struct Webhooks {
	Server *srv;
	struct event *poll;              /* owned */
	struct evdns_base *dns;          /* owned; made when first needed */
	SSL_CTX *ssl;                    /* owned: verifies the endpoints' certificates */
	Work *works;
	int nworks;
	bool claiming;
	bool stopped;
	uint64_t claimed_us;             /* when the last claim was sent */
	LogEpisode db_trouble;
	WebhookStats stats;
};

/* ---- URLs and signatures ---- */

bool
webhook_url_parse(const char *url, WebhookUrl *out, char *why, size_t size)
{
	memset(out, 0, sizeof *out);
	if (strlen(url) > WEBHOOK_URL_MAX) {
		snprintf(why, size, "longer than %d characters", WEBHOOK_URL_MAX);
		return false;
	}
	for (const unsigned char *p = (const unsigned char *)url; *p; p++) {
		if (*p <= ' ' || *p == 0x7f) {
			snprintf(why, size, "has a space or a control character; encode it (%%20)");
			return false;
		}
	}
	struct evhttp_uri *u = evhttp_uri_parse_with_flags(url, 0);
	if (u == NULL) {
		snprintf(why, size, "not a URL such as https://example.org/triad-events");
		return false;
	}
	const char *scheme = evhttp_uri_get_scheme(u), *host = evhttp_uri_get_host(u);
	const char *path = evhttp_uri_get_path(u), *query = evhttp_uri_get_query(u);
	bool ok = false;
	if (scheme == NULL || (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0))
		snprintf(why, size, "must start with https:// or http://");
	else if (host == NULL || *host == '\0')
		snprintf(why, size, "names no host");
	else if (evhttp_uri_get_userinfo(u) != NULL)
		snprintf(why, size, "must not hold a user name or password; the signature "
			 "authenticates the sender");
	else if (evhttp_uri_get_fragment(u) != NULL)
		snprintf(why, size, "must not have a #fragment");
	else if (strlen(host) >= sizeof out->host + 2)
		snprintf(why, size, "the host name is too long");
	else
		ok = true;
	if (ok) {
		out->https = strcasecmp(scheme, "https") == 0;
		size_t hl = strlen(host);
		if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']')
			snprintf(out->host, sizeof out->host, "%.*s", (int)(hl - 2), host + 1);
		else
			snprintf(out->host, sizeof out->host, "%s", host);
		int port = evhttp_uri_get_port(u);
		out->port = port > 0 ? port : (out->https ? 443 : 80);
		snprintf(out->target, sizeof out->target, "%s%s%s",
			 path != NULL && *path != '\0' ? path : "/", query != NULL ? "?" : "",
			 query != NULL ? query : "");
	}
	evhttp_uri_free(u);
	return ok;
}

bool
webhook_address_private(int family, const void *addr)
{
	const unsigned char *a = addr;
	if (family == AF_INET6) {
		static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		static const unsigned char zero[15] = {0};
		if (memcmp(a, mapped, 12) == 0)
			return webhook_address_private(AF_INET, a + 12);
		return memcmp(a, zero, 15) == 0 ||               /* :: and ::1 */
		       (a[0] & 0xfe) == 0xfc ||                  /* fc00::/7, unique local */
		       (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || /* fe80::/10, link local */
		       a[0] == 0xff;                             /* multicast */
	}
	return a[0] == 0 || a[0] == 10 || a[0] == 127 ||        /* this, private, loopback */
	       (a[0] == 100 && (a[1] & 0xc0) == 64) ||           /* 100.64/10, shared */
	       (a[0] == 169 && a[1] == 254) ||                   /* link local, metadata */
	       (a[0] == 172 && (a[1] & 0xf0) == 16) ||           /* 172.16/12 */
	       (a[0] == 192 && a[1] == 168) ||                   /* 192.168/16 */
	       a[0] >= 224;                                      /* multicast, reserved */
}

bool
webhook_host_private(const char *host)
{
	unsigned char addr[16];
	if (evutil_inet_pton(AF_INET, host, addr) == 1)
		return webhook_address_private(AF_INET, addr);
	if (evutil_inet_pton(AF_INET6, host, addr) == 1)
		return webhook_address_private(AF_INET6, addr);
	return strcasecmp(host, "localhost") == 0;
}

/* Appends ",v1=<hex>" of HMAC-SHA256(key, "<t>.<body>") at out + *len. */
static bool
sign_one(const char *key, const char *t, const char *body, size_t len, char *out, size_t size,
	 size_t *at)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	/* HMAC over the timestamp, a dot and the body, in one pass. */
	EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = hmac != NULL ? EVP_MAC_CTX_new(hmac) : NULL;
	OSSL_PARAM params[2] = {OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
				OSSL_PARAM_construct_end()};
	size_t outl = 0;
	bool ok = ctx != NULL &&
		  EVP_MAC_init(ctx, (const unsigned char *)key, strlen(key), params) == 1 &&
		  EVP_MAC_update(ctx, (const unsigned char *)t, strlen(t)) == 1 &&
		  EVP_MAC_update(ctx, (const unsigned char *)".", 1) == 1 &&
		  EVP_MAC_update(ctx, (const unsigned char *)body, len) == 1 &&
		  EVP_MAC_final(ctx, mac, &outl, sizeof mac) == 1;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(hmac);
	maclen = (unsigned int)outl;
	if (!ok || *at + 4 + 2 * (size_t)maclen + 1 > size)
		return false;
	*at += (size_t)snprintf(out + *at, size - *at, ",v1=");
	for (unsigned int i = 0; i < maclen; i++)
		*at += (size_t)snprintf(out + *at, size - *at, "%02x", mac[i]);
	OPENSSL_cleanse(mac, sizeof mac);
	return true;
}

bool
webhook_sign(const char *secret, const char *previous, int64_t t, const char *body, size_t len,
	     char *out, size_t size)
{
	char ts[24];
	snprintf(ts, sizeof ts, "%" PRId64, t);
	int n = snprintf(out, size, "t=%s", ts);
	if (n < 0 || (size_t)n >= size)
		return false;
	size_t at = (size_t)n;
	if (!sign_one(secret, ts, body, len, out, size, &at))
		return false;
	if (previous != NULL && *previous != '\0' && !sign_one(previous, ts, body, len, out, size, &at))
		return false;
	return true;
}

/* ---- the sender ---- */

static void
schedule(struct event *ev, int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	evtimer_add(ev, &tv);
}

static void
db_trouble(Webhooks *wh, const char *what, const DbOutcome *out)
{
	if (log_episode_hit(&wh->db_trouble, now_us())) {
		char q[256];
		log_warn("webhooks_unavailable", "during=%s error=%s", what,
			 log_quote(q, sizeof q, out->message != NULL ? out->message : "?"));
	}
}

static void
db_fine(Webhooks *wh)
{
	uint64_t count, ms;
	if (log_episode_end(&wh->db_trouble, now_us(), &count, &ms))
		log_info("webhooks_available", "failures=%" PRIu64 " ms=%" PRIu64, count, ms);
}

/* How long a claimed webhook is ours: reading its work, its requests (each
 * ends by webhook_timeout_ms) and recording them, with room to spare. */
static int
lease_ms(const Config *cfg)
{
	int64_t ms = 2 * (int64_t)cfg->webhook_timeout_ms + 3 * (int64_t)cfg->db_timeout_ms + 1000;
	return ms > INT32_MAX ? INT32_MAX : (int)ms;
}

/* The wait before attempt number attempt + 1: webhook_retry_ms doubled per
 * attempt made, at most webhook_retry_max_ms, less up to a fifth at random
 * so that a receiver coming back is not met by every retry at once. */
static int
retry_ms(const Config *cfg, int attempt)
{
	uint64_t wait = (uint64_t)cfg->webhook_retry_ms;
	for (int i = 1; i < attempt && wait < (uint64_t)cfg->webhook_retry_max_ms; i++)
		wait *= 2;
	if (wait > (uint64_t)cfg->webhook_retry_max_ms)
		wait = (uint64_t)cfg->webhook_retry_max_ms;
	uint64_t jitter = wait / 5;
	if (jitter > 0)
		wait -= (uint64_t)random() % (jitter + 1);
	return (int)wait;
}

/* Lets go of a resolution still under way: its callback will find no Send. */
static void
send_forget_dns(Send *s)
{
	if (s->dns_wait == NULL)
		return;
	s->dns_wait->s = NULL;
	s->dns_wait = NULL;
	struct evdns_getaddrinfo_request *req = s->dnsreq;
	s->dnsreq = NULL;
	if (req != NULL)
		evdns_getaddrinfo_cancel(req);
}

static void
send_clear(Send *s)
{
	send_forget_dns(s);
	if (s->evcon != NULL)
		evhttp_connection_free(s->evcon);   /* a request still queued goes with it */
	if (s->deadline != NULL)
		event_free(s->deadline);
	free(s->body);
	memset(s, 0, sizeof *s);
}

static void
work_free(Work *w)
{
	if (w == NULL)
		return;
	Webhooks *wh = w->wh;
	for (Work **p = &wh->works; *p != NULL; p = &(*p)->next) {
		if (*p == w) {
			*p = w->next;
			wh->nworks--;
			break;
		}
	}
	for (int i = 0; i < w->nsends; i++)
		send_clear(&w->sends[i]);
	if (w->reap != NULL)
		event_free(w->reap);
	free(w);
}

/* The work of w ended: a slot is free, so look for more (at once when the
 * webhook said more is due). */
static void
work_end(Work *w, bool more)
{
	Webhooks *wh = w->wh;
	work_free(w);
	if (!wh->stopped && (more || !evtimer_pending(wh->poll, NULL)))
		schedule(wh->poll, more ? 0 : wh->srv->cfg.webhook_poll_ms);
}

/* ---- recording ---- */

static void
record_done(void *arg, const DbOutcome *out)
{
	Work *w = arg;
	Webhooks *wh = w->wh;
	char q[300];

	if (wh->stopped) {
		work_free(w);
		return;
	}
	if (out->code != TRIAD__V1__CODE__CODE_OK) {
		/* The lease runs out and the deliveries are sent again. */
		log_warn("webhook_outcome_lost", "webhook=%s sends=%d error=%s", w->id, w->nsends,
			 log_quote(q, sizeof q, out->message != NULL ? out->message : "?"));
		work_end(w, false);
		return;
	}
	db_fine(wh);
	for (int i = 0; i < w->nsends && i < out->nresults - 1; i++) {
		const Send *s = &w->sends[i];
		const PGresult *r = out->results[i];
		if (PQntuples(r) != 1)
			continue;
		const char *outcome = PQgetvalue(r, 0, 0);
		log_quote(q, sizeof q, s->error[0] != '\0' ? s->error : "");
		if (strcmp(outcome, "delivered") == 0) {
			wh->stats.delivered++;
			log_info("webhook_delivered", "webhook=%s event=%s delivery=%s attempt=%d "
				 "status=%d ms=%d", w->id, s->event, s->delivery, s->attempt,
				 s->status, s->duration_ms);
		} else if (strcmp(outcome, "retry") == 0) {
			wh->stats.retried++;
			log_warn("webhook_retry", "webhook=%s event=%s delivery=%s attempt=%d status=%d "
				 "error=%s next=%s", w->id, s->event, s->delivery, s->attempt, s->status,
				 q, PQgetvalue(r, 0, 2));
		} else {
			wh->stats.failed++;
			log_error("webhook_failed", "webhook=%s event=%s delivery=%s attempt=%d "
				  "status=%d error=%s", w->id, s->event, s->delivery, s->attempt,
				  s->status, q);
		}
	}
	const PGresult *rel = out->results[out->nresults - 1];
	bool more = PQntuples(rel) == 1 && PQgetvalue(rel, 0, 0)[0] == 't';
	work_end(w, more);
}

static const char result_sql[] =
	"SELECT outcome, attempt, next_attempt_at FROM triad_webhook_result($1::uuid, $2::uuid,"
	" $3::bigint, $4::int, $5::int, $6, $7::int, $8::int)";
static const char release_sql[] = "SELECT triad_webhook_release($1::uuid, $2::uuid)";

/* Every request of w has ended: one job records them all and gives the
 * lease up. */
static void
work_record(Work *w)
{
	Webhooks *wh = w->wh;
	const Config *cfg = &wh->srv->cfg;
	DbJob *job = db_job_new(record_done, w);
	bool ok = job != NULL && db_job_scope(job, w->institution, NULL, NULL, NULL, NULL, false,
					      NULL);
	for (int i = 0; ok && i < w->nsends; i++) {
		const Send *s = &w->sends[i];
		char started[24], duration[16], status[16], retry[16], give_up[16];
		snprintf(started, sizeof started, "%" PRId64, s->started_ms);
		snprintf(duration, sizeof duration, "%d", s->duration_ms);
		snprintf(status, sizeof status, "%d", s->status);
		snprintf(retry, sizeof retry, "%d", retry_ms(cfg, s->attempt));
		snprintf(give_up, sizeof give_up, "%d", cfg->webhook_give_up_s);
		const char *params[8] = {w->id, s->delivery, started, duration, status,
					 s->error[0] != '\0' ? s->error : NULL, retry, give_up};
		ok = db_job_add(job, result_sql, 8, params);
	}
	const char *rel[2] = {w->id, w->lease};
	if (!ok || !db_job_add(job, release_sql, 2, rel)) {
		db_job_free(job);
		log_warn("webhook_outcome_lost", "webhook=%s error=\"out of memory\"", w->id);
		work_end(w, false);
		return;
	}
	w->state = WORK_RECORDING;
	pool_submit(wh->srv->pool, job);
}

/* Frees the connections of finished requests, outside their callbacks;
 * records once every request has ended. */
static void
on_reap(evutil_socket_t fd, short what, void *arg)
{
	Work *w = arg;
	(void)fd;
	(void)what;
	for (int i = 0; i < w->nsends; i++) {
		Send *s = &w->sends[i];
		if (s->done)
			send_forget_dns(s);
		if (s->done && s->evcon != NULL) {
			evhttp_connection_free(s->evcon);
			s->evcon = NULL;
		}
	}
	if (w->open == 0 && w->state == WORK_SENDING)
		work_record(w);
}

/* The request of s has ended (answered, failed or timed out). */
static void
send_finish(Send *s)
{
	if (s->done)
		return;
	s->done = true;
	s->duration_ms = (int)((now_us() - s->started_us) / 1000);
	if (s->deadline != NULL)
		evtimer_del(s->deadline);
	s->w->open--;
	event_active(s->w->reap, EV_TIMEOUT, 0);
}

/* Why the connection of s failed, from what its bufferevent knows. */
static void
send_connection_error(Send *s, const char *what)
{
	struct bufferevent *bev = s->evcon != NULL ? evhttp_connection_get_bufferevent(s->evcon)
						   : NULL;
	int dns = bev != NULL ? bufferevent_socket_get_dns_error(bev) : 0;
	unsigned long tls = bev != NULL && s->ssl != NULL ? bufferevent_get_openssl_error(bev) : 0;
	long verify = s->ssl != NULL ? SSL_get_verify_result(s->ssl) : X509_V_OK;
	int err = EVUTIL_SOCKET_ERROR();

	if (dns != 0) {
		snprintf(s->error, sizeof s->error, "could not resolve %s: %s", what,
			 evutil_gai_strerror(dns));
	} else if (verify != X509_V_OK) {
		snprintf(s->error, sizeof s->error, "TLS: the server's certificate is not trusted: %s",
			 X509_verify_cert_error_string(verify));
	} else if (tls != 0) {
		char buf[160];
		ERR_error_string_n(tls, buf, sizeof buf);
		snprintf(s->error, sizeof s->error, "TLS: %s", buf);
	} else if (err != 0 && err != ENOTCONN) {
		snprintf(s->error, sizeof s->error, "could not connect to %s: %s", what,
			 evutil_socket_error_to_string(err));
	} else {
		/* By now the socket's own error is gone (ENOTCONN is what is left). */
		snprintf(s->error, sizeof s->error, "could not connect to %s (refused or unreachable)",
			 what);
	}
	while (bev != NULL && s->ssl != NULL && bufferevent_get_openssl_error(bev) != 0)
		;
}

static void
on_request_error(enum evhttp_request_error e, void *arg)
{
	Send *s = arg;
	const Config *cfg = &s->w->wh->srv->cfg;

	if (s->done || s->error[0] != '\0')
		return;
	long verify = s->ssl != NULL ? SSL_get_verify_result(s->ssl) : X509_V_OK;
	if (verify != X509_V_OK) {
		send_connection_error(s, s->w->url);
		return;
	}
	switch (e) {
	case EVREQ_HTTP_TIMEOUT:
		snprintf(s->error, sizeof s->error, "timed out after %d ms", cfg->webhook_timeout_ms);
		break;
	case EVREQ_HTTP_EOF:
		snprintf(s->error, sizeof s->error, "the connection closed before an answer");
		break;
	case EVREQ_HTTP_INVALID_HEADER:
		snprintf(s->error, sizeof s->error, "the answer was not valid HTTP");
		break;
	case EVREQ_HTTP_DATA_TOO_LONG:
		snprintf(s->error, sizeof s->error, "the answer was longer than %d bytes",
			 cfg->webhook_response_max_bytes);
		break;
	default:
		send_connection_error(s, s->w->url);
		break;
	}
}

static void
on_response(struct evhttp_request *req, void *arg)
{
	Send *s = arg;

	if (s->done)
		return;
	int code = req != NULL ? evhttp_request_get_response_code(req) : 0;
	if (code > 0) {
		s->status = code;
		s->error[0] = '\0';
	} else if (s->error[0] == '\0') {
		send_connection_error(s, s->w->url);
	}
	send_finish(s);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	Send *s = arg;
	(void)fd;
	(void)what;
	if (s->done)
		return;
	snprintf(s->error, sizeof s->error, "timed out after %d ms",
		 s->w->wh->srv->cfg.webhook_timeout_ms);
	send_finish(s);
}

static struct evdns_base *
dns_base(Webhooks *wh)
{
	if (wh->dns == NULL) {
		/* Reads /etc/resolv.conf and /etc/hosts once. */
		wh->dns = evdns_base_new(wh->srv->base, EVDNS_BASE_INITIALIZE_NAMESERVERS |
							EVDNS_BASE_DISABLE_WHEN_INACTIVE);
		if (wh->dns == NULL) {
			wh->dns = evdns_base_new(wh->srv->base, EVDNS_BASE_DISABLE_WHEN_INACTIVE);
			if (wh->dns != NULL)
				(void)evdns_base_load_hosts(wh->dns, NULL);
		}
	}
	return wh->dns;
}

/* A new TLS session for host: SNI for a name, and the certificate checked
 * against the name or the address. */
static SSL *
tls_for(Webhooks *wh, const char *host)
{
	SSL *ssl = SSL_new(wh->ssl);
	unsigned char addr[16];
	if (ssl == NULL)
		return NULL;
	bool literal = evutil_inet_pton(AF_INET, host, addr) == 1 ||
		       evutil_inet_pton(AF_INET6, host, addr) == 1;
	X509_VERIFY_PARAM *vp = SSL_get0_param(ssl);
	bool ok = literal ? X509_VERIFY_PARAM_set1_ip_asc(vp, host) == 1
			  : SSL_set_tlsext_host_name(ssl, host) == 1 && SSL_set1_host(ssl, host) == 1;
	if (!ok) {
		SSL_free(ssl);
		return NULL;
	}
	if (!literal)
		X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	return ssl;
}

/*
 * Connects to address (numeric, checked) and sends the request of s: the
 * name in the URL is still what TLS checks the certificate against and
 * what the Host header says.
 */
static void
send_connect(Send *s, const char *address)
{
	Webhooks *wh = s->w->wh;
	const Config *cfg = &wh->srv->cfg;
	const WebhookUrl *u = &s->url;
	struct bufferevent *bev = NULL;

	if (u->https) {
		SSL *ssl = tls_for(wh, u->host);
		if (ssl != NULL)
			bev = bufferevent_openssl_socket_new(wh->srv->base, -1, ssl,
							     BUFFEREVENT_SSL_CONNECTING,
							     BEV_OPT_CLOSE_ON_FREE |
							     BEV_OPT_DEFER_CALLBACKS);
		if (bev != NULL) {
			bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
			s->ssl = ssl;
		}
	} else {
		bev = bufferevent_socket_new(wh->srv->base, -1,
					     BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	}
	if (bev == NULL ||
	    (s->evcon = evhttp_connection_base_bufferevent_new(wh->srv->base, dns_base(wh), bev,
							       address, (ev_uint16_t)u->port)) == NULL) {
		if (bev != NULL)
			bufferevent_free(bev);
		s->ssl = NULL;
		snprintf(s->error, sizeof s->error, "out of memory");
		send_finish(s);
		return;
	}
	struct timeval tv = {cfg->webhook_timeout_ms / 1000, (cfg->webhook_timeout_ms % 1000) * 1000};
	evhttp_connection_set_timeout_tv(s->evcon, &tv);
	evhttp_connection_set_retries(s->evcon, 0);
	evhttp_connection_set_max_body_size(s->evcon, (ev_ssize_t)cfg->webhook_response_max_bytes);
	evhttp_connection_set_max_headers_size(s->evcon, HEADERS_MAX_BYTES);

	struct evhttp_request *req = evhttp_request_new(on_response, s);
	if (req == NULL) {
		snprintf(s->error, sizeof s->error, "out of memory");
		send_finish(s);
		return;
	}
	evhttp_request_set_error_cb(req, on_request_error);
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	char host[300];
	if (strchr(u->host, ':') != NULL)
		snprintf(host, sizeof host, "[%s]:%d", u->host, u->port);
	else if (u->port == (u->https ? 443 : 80))
		snprintf(host, sizeof host, "%s", u->host);
	else
		snprintf(host, sizeof host, "%s:%d", u->host, u->port);
	bool ok = evhttp_add_header(h, "Host", host) == 0 &&
		  evhttp_add_header(h, "User-Agent", "triadd-webhooks/1") == 0 &&
		  evhttp_add_header(h, "Content-Type", "application/json") == 0 &&
		  evhttp_add_header(h, "Connection", "close") == 0 &&
		  evhttp_add_header(h, "Triad-Event-Id", s->event) == 0 &&
		  evhttp_add_header(h, "Triad-Event-Type", s->type) == 0 &&
		  evhttp_add_header(h, "Triad-Delivery-Id", s->delivery) == 0 &&
		  evhttp_add_header(h, "Triad-Signature", s->signature) == 0 &&
		  evbuffer_add(evhttp_request_get_output_buffer(req), s->body, strlen(s->body)) == 0;
	if (!ok) {
		evhttp_request_free(req);
		snprintf(s->error, sizeof s->error, "out of memory");
		send_finish(s);
		return;
	}
	/* From here on, the request belongs to the connection. */
	if (evhttp_make_request(s->evcon, req, EVHTTP_REQ_POST, u->target) != 0) {
		snprintf(s->error, sizeof s->error, "could not start the request");
		send_finish(s);
	}
}

/* Connects to address unless the service does not send there. */
static void
send_to(Send *s, int family, const void *addr)
{
	char text[INET6_ADDRSTRLEN];
	if (evutil_inet_ntop(family, addr, text, sizeof text) == NULL) {
		snprintf(s->error, sizeof s->error, "could not resolve %s", s->url.host);
		send_finish(s);
		return;
	}
	if (!s->w->wh->srv->cfg.webhook_allow_private && webhook_address_private(family, addr)) {
		snprintf(s->error, sizeof s->error,
			 "%s is %s, a private address this service does not send to "
			 "(webhook_allow_private)", s->url.host, text);
		send_finish(s);
		return;
	}
	send_connect(s, text);
}

/* The name of the endpoint resolved (evdns): connect to its first address. */
static void
on_resolved(int result, struct evutil_addrinfo *ai, void *arg)
{
	DnsWait *wait = arg;
	Send *s = wait->s;
	free(wait);
	if (s == NULL || s->done || result == EVUTIL_EAI_CANCEL) {
		if (s != NULL) {
			s->dns_wait = NULL;
			s->dnsreq = NULL;
		}
		if (ai != NULL)
			evutil_freeaddrinfo(ai);
		return;
	}
	s->dns_wait = NULL;
	s->dnsreq = NULL;
	const struct evutil_addrinfo *a = ai;
	while (a != NULL && a->ai_family != AF_INET && a->ai_family != AF_INET6)
		a = a->ai_next;
	if (result != 0 || a == NULL) {
		snprintf(s->error, sizeof s->error, "could not resolve %s: %s", s->url.host,
			 result != 0 ? evutil_gai_strerror(result) : "no address");
		send_finish(s);
	} else if (a->ai_family == AF_INET) {
		send_to(s, AF_INET, &((const struct sockaddr_in *)a->ai_addr)->sin_addr);
	} else {
		send_to(s, AF_INET6, &((const struct sockaddr_in6 *)a->ai_addr)->sin6_addr);
	}
	if (ai != NULL)
		evutil_freeaddrinfo(ai);
}

/*
 * Starts the request of s to url: resolves its name through evdns, checks
 * the address, connects without blocking. Whatever goes wrong ends s with
 * the reason (send_finish()); the whole of it ends by webhook_timeout_ms.
 */
static void
send_start(Send *s, const char *url)
{
	Webhooks *wh = s->w->wh;
	const Config *cfg = &wh->srv->cfg;
	char why[160];

	s->started = true;
	s->started_us = now_us();
	struct timeval now;
	gettimeofday(&now, NULL);
	s->started_ms = (int64_t)now.tv_sec * 1000 + now.tv_usec / 1000;
	s->deadline = evtimer_new(wh->srv->base, on_deadline, s);
	if (s->deadline == NULL) {
		snprintf(s->error, sizeof s->error, "out of memory");
		send_finish(s);
		return;
	}
	schedule(s->deadline, cfg->webhook_timeout_ms);
	if (!webhook_url_parse(url, &s->url, why, sizeof why)) {
		snprintf(s->error, sizeof s->error, "url: %s", why);
		send_finish(s);
		return;
	}
	unsigned char addr[16];
	if (evutil_inet_pton(AF_INET, s->url.host, addr) == 1) {
		send_to(s, AF_INET, addr);
		return;
	}
	if (evutil_inet_pton(AF_INET6, s->url.host, addr) == 1) {
		send_to(s, AF_INET6, addr);
		return;
	}
	struct evdns_base *dns = dns_base(wh);
	if (dns == NULL) {
		snprintf(s->error, sizeof s->error, "out of memory");
		send_finish(s);
		return;
	}
	struct evutil_addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
					.ai_protocol = IPPROTO_TCP};
	DnsWait *wait = malloc(sizeof *wait);
	if (wait == NULL) {
		snprintf(s->error, sizeof s->error, "out of memory");
		send_finish(s);
		return;
	}
	wait->s = s;
	s->dns_wait = wait;
	struct evdns_getaddrinfo_request *req =
		evdns_getaddrinfo(dns, s->url.host, NULL, &hints, on_resolved, wait);
	if (s->dns_wait != NULL)
		s->dnsreq = req;   /* otherwise it has called back already */
}

/* ---- reading the work ---- */

static void
work_done(void *arg, const DbOutcome *out)
{
	Work *w = arg;
	Webhooks *wh = w->wh;

	if (wh->stopped) {
		work_free(w);
		return;
	}
	if (out->code != TRIAD__V1__CODE__CODE_OK) {
		/* The lease runs out; whoever claims it next does the work. */
		db_trouble(wh, "work", out);
		work_end(w, false);
		return;
	}
	db_fine(wh);
	const PGresult *r = out->results[0];
	int n = PQntuples(r);
	if (n > WEBHOOK_INFLIGHT_MAX)
		n = WEBHOOK_INFLIGHT_MAX;
	struct timeval now;
	gettimeofday(&now, NULL);
	for (int i = 0; i < n; i++) {
		Send *s = &w->sends[i];
		const char *body = PQgetvalue(r, i, 6);
		s->w = w;
		s->started_us = now_us();
		s->started_ms = (int64_t)now.tv_sec * 1000 + now.tv_usec / 1000;
		snprintf(s->delivery, sizeof s->delivery, "%s", PQgetvalue(r, i, 0));
		snprintf(s->event, sizeof s->event, "%s", PQgetvalue(r, i, 1));
		s->attempt = atoi(PQgetvalue(r, i, 2));
		snprintf(w->url, sizeof w->url, "%s", PQgetvalue(r, i, 3));
		snprintf(s->type, sizeof s->type, "%s", PQgetvalue(r, i, 7));
		s->body = strdup(body);
		if (s->body == NULL ||
		    !webhook_sign(PQgetvalue(r, i, 4), PQgetvalue(r, i, 5), (int64_t)now.tv_sec, body,
				  strlen(body), s->signature, sizeof s->signature)) {
			/* Counted as an attempt that failed, and tried again. */
			snprintf(s->error, sizeof s->error, "could not sign the body (out of memory)");
			s->done = true;
		}
		w->nsends++;
	}
	if (n == 0) {
		w->state = WORK_SENDING;
		work_record(w);
		return;
	}
	w->state = WORK_SENDING;
	for (int i = 0; i < w->nsends; i++) {
		if (!w->sends[i].done) {
			w->open++;
		}
	}
	for (int i = 0; i < w->nsends; i++) {
		if (!w->sends[i].done)
			send_start(&w->sends[i], w->url);
	}
	if (w->open == 0)
		event_active(w->reap, EV_TIMEOUT, 0);
}

static const char work_sql[] =
	"SELECT delivery_id, event_id, attempt, url, secret, coalesce(previous_secret, ''), body,"
	" body::json->>'type' FROM triad_webhook_work($1::uuid, $2::uuid, $3::int, $4::int,"
	" $5::int)";

static void
work_start(Webhooks *wh, const char *institution, const char *id, const char *lease)
{
	const Config *cfg = &wh->srv->cfg;
	Work *w = calloc(1, sizeof *w);
	if (w == NULL)
		return;   /* its lease runs out */
	w->wh = wh;
	w->state = WORK_READING;
	snprintf(w->institution, sizeof w->institution, "%s", institution);
	snprintf(w->id, sizeof w->id, "%s", id);
	snprintf(w->lease, sizeof w->lease, "%s", lease);
	w->reap = event_new(wh->srv->base, -1, 0, on_reap, w);
	w->next = wh->works;
	wh->works = w;
	wh->nworks++;
	char feed[16], inflight[16], retention[16];
	snprintf(feed, sizeof feed, "%d", WEBHOOK_FEED);
	snprintf(inflight, sizeof inflight, "%d", cfg->webhook_inflight);
	snprintf(retention, sizeof retention, "%d", cfg->event_retention_days * 86400);
	const char *params[5] = {id, lease, feed, inflight, retention};
	DbJob *job = w->reap != NULL ? db_job_new(work_done, w) : NULL;
	if (job == NULL ||
	    !db_job_scope(job, institution, NULL, NULL, NULL, NULL, false, NULL) ||
	    !db_job_add(job, work_sql, 5, params)) {
		db_job_free(job);
		work_free(w);
		return;
	}
	pool_submit(wh->srv->pool, job);
}

/* ---- claiming ---- */

static void
claim_done(void *arg, const DbOutcome *out)
{
	Webhooks *wh = arg;
	const Config *cfg = &wh->srv->cfg;

	wh->claiming = false;
	if (wh->stopped)
		return;
	if (out->code != TRIAD__V1__CODE__CODE_OK) {
		db_trouble(wh, "claim", out);
		schedule(wh->poll, cfg->webhook_poll_ms);
		return;
	}
	db_fine(wh);
	const PGresult *r = out->results[0];
	int n = PQntuples(r);
	for (int i = 0; i < n; i++)
		work_start(wh, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
	/* A full claim may have left more waiting: look again as slots free
	 * up (work_end()); otherwise at the next poll. */
	schedule(wh->poll, n > 0 && wh->nworks < cfg->webhook_concurrency ? 0 : cfg->webhook_poll_ms);
}

static void
on_poll(evutil_socket_t fd, short what, void *arg)
{
	Webhooks *wh = arg;
	const Config *cfg = &wh->srv->cfg;
	(void)fd;
	(void)what;

	if (wh->stopped || wh->claiming)
		return;
	int room = cfg->webhook_concurrency - wh->nworks;
	if (room <= 0) {
		/* Sending is off, or every slot is busy: a slot freed looks again. */
		schedule(wh->poll, cfg->webhook_poll_ms);
		return;
	}
	char limit[16], lease[16];
	snprintf(limit, sizeof limit, "%d", room);
	snprintf(lease, sizeof lease, "%d", lease_ms(cfg));
	const char *params[2] = {limit, lease};
	DbJob *job = db_job_new(claim_done, wh);
	if (job == NULL ||
	    !db_job_add(job, "SELECT institution_id, id, lease FROM triad_webhook_claim($1::int,"
			     " $2::int)", 2, params)) {
		db_job_free(job);
		schedule(wh->poll, cfg->webhook_poll_ms);
		return;
	}
	wh->claiming = true;
	wh->claimed_us = now_us();
	pool_submit(wh->srv->pool, job);
}

/* ---- life ---- */

static SSL_CTX *
client_tls(const Config *cfg, char err[256])
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL) {
		snprintf(err, 256, "out of memory");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	int ok = cfg->webhook_ca_file[0] != '\0'
			 ? SSL_CTX_load_verify_locations(ctx, cfg->webhook_ca_file, NULL)
			 : SSL_CTX_set_default_verify_paths(ctx);
	if (ok != 1) {
		char buf[160];
		ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
		snprintf(err, 256, "webhook_ca_file: cannot read '%s': %s", cfg->webhook_ca_file, buf);
		ERR_clear_error();
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

Webhooks *
webhooks_new(Server *srv, char err[256])
{
	Webhooks *wh = calloc(1, sizeof *wh);
	if (wh == NULL) {
		snprintf(err, 256, "out of memory");
		return NULL;
	}
	wh->srv = srv;
	wh->poll = evtimer_new(srv->base, on_poll, wh);
	if (wh->poll == NULL) {
		snprintf(err, 256, "out of memory");
		webhooks_free(wh);
		return NULL;
	}
	if ((wh->ssl = client_tls(&srv->cfg, err)) == NULL) {
		webhooks_free(wh);
		return NULL;
	}
	schedule(wh->poll, 0);
	return wh;
}

/*
 * New events were committed. The claim runs at once, but not within
 * WAKE_GAP_MS of the one before: under a stream of writes, one claim then
 * serves the events of that while, rather than every event costing a claim
 * that takes a pool connection from the requests (the notices come one per
 * committed event).
 */
#define WAKE_GAP_MS 100

void
webhooks_wake(Webhooks *wh)
{
	if (wh == NULL || wh->stopped || wh->claiming)
		return;
	uint64_t now = now_us(), next = wh->claimed_us + (uint64_t)WAKE_GAP_MS * 1000u;
	schedule(wh->poll, now >= next ? 0 : (int)((next - now + 999) / 1000));
}

void
webhooks_stop(Webhooks *wh)
{
	if (wh == NULL || wh->stopped)
		return;
	wh->stopped = true;
	evtimer_del(wh->poll);
	/* Requests in flight end here; works whose jobs are in the pool are
	 * freed by their callbacks. */
	Work *w = wh->works;
	while (w != NULL) {
		Work *next = w->next;
		if (w->state == WORK_SENDING)
			work_free(w);
		w = next;
	}
	if (wh->dns != NULL) {
		/* Resolutions still under way call back (with an error) and free
		 * what they hold; no Send waits for them any more. */
		evdns_base_free(wh->dns, 1);
		wh->dns = NULL;
	}
}

void
webhooks_free(Webhooks *wh)
{
	if (wh == NULL)
		return;
	webhooks_stop(wh);
	while (wh->works != NULL)
		work_free(wh->works);
	if (wh->poll != NULL)
		event_free(wh->poll);
	SSL_CTX_free(wh->ssl);
	free(wh);
}

const WebhookStats *
webhooks_stats(const Webhooks *wh)
{
	return &wh->stats;
}

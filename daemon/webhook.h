/*
 * webhook.h: the sender of partners' webhooks.
 *
 * What is owed to which webhook is the database's (sql/functions/webhook.sql):
 * every webhook_poll_ms, at once when a change commits (the event stream's
 * NOTIFY, stream.c) and at once after work that left more due, the sender
 * claims up to webhook_concurrency webhooks with work (triad_webhook_claim:
 * a lease per webhook, taken with FOR UPDATE SKIP LOCKED, so that daemons
 * sharing the database never send for one webhook at the same time). For
 * each, one job in its institution follows the stream into deliveries, as
 * the webhook's owner may see them now, and returns the head of its queue:
 * at most webhook_inflight deliveries, in commit order, each with its JSON
 * body. Each is signed (Triad-Signature, in the style of Stripe) and
 * POSTed by libevent's HTTP client: DNS through evdns, connect
 * non-blocking, HTTPS through a bufferevent_openssl that verifies the
 * server's certificate and name against the system's CAs or
 * webhook_ca_file. Each request ends within webhook_timeout_ms and reads
 * at most webhook_response_max_bytes of answer. Then one job records every
 * attempt (triad_webhook_result: delivered on a 2xx; otherwise tried
 * again after webhook_retry_ms, doubled per attempt up to
 * webhook_retry_max_ms, less up to a fifth at random, until
 * webhook_give_up_s after it was queued) and gives up the lease. Nothing
 * here blocks the loop.
 *
 * A daemon that stops or dies mid-way leaves its leases to run out; what
 * it did not record is sent again by whichever daemon runs next, with the
 * same event id: at least once.
 */
#ifndef TRIAD_WEBHOOK_H
#define TRIAD_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server.h"

#define WEBHOOK_URL_MAX 2000
#define WEBHOOK_SECRET_KIND "whk"
#define WEBHOOK_INFLIGHT_MAX 6
/* Events followed into deliveries per piece of work. */
#define WEBHOOK_FEED 200
/* "t=<20 digits>" and two ",v1=<64 hex>". */
#define WEBHOOK_SIGNATURE_MAX 192

/* An endpoint's URL taken apart. */
typedef struct WebhookUrl {
	bool https;
	char host[256];              /* without the brackets of an IPv6 literal */
	int port;
	char target[WEBHOOK_URL_MAX + 1];   /* path and query: what the request line names */
} WebhookUrl;

/*
 * Parses url: http or https, a host, an optional port, no user name or
 * password, no fragment, no spaces or control characters. False with a
 * sentence in why otherwise.
 */
__attribute__((warn_unused_result))
bool webhook_url_parse(const char *url, WebhookUrl *out, char *why, size_t size);

/*
 * True for an address the service does not send to unless
 * webhook_allow_private is on: loopback, private (RFC 1918, unique local),
 * shared (100.64/10), link-local (cloud metadata among them), unspecified,
 * multicast and reserved. addr is a struct in_addr or in6_addr.
 */
bool webhook_address_private(int family, const void *addr);

/* True when host (from a URL) is such an address written out, or
 * "localhost". A name that resolves to one is refused when sent to. */
bool webhook_host_private(const char *host);

/*
 * The Triad-Signature value for body (len bytes) at Unix time t:
 * "t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>", and a second v1 with
 * previous when that is not NULL or empty. False when it does not fit.
 */
__attribute__((warn_unused_result))
bool webhook_sign(const char *secret, const char *previous, int64_t t, const char *body,
		  size_t len, char *out, size_t size);

typedef struct Webhooks Webhooks;

typedef struct WebhookStats {
	uint64_t delivered;          /* attempts answered with a 2xx */
	uint64_t retried;            /* failed attempts to be tried again */
	uint64_t failed;             /* deliveries given up on */
} WebhookStats;

/* Starts srv's sender. NULL with err set when webhook_ca_file cannot be
 * read or memory ran out. */
Webhooks *webhooks_new(Server *srv, char err[256]);

/* Something committed: look for work now. NULL is a no-op. */
void webhooks_wake(Webhooks *wh);

/*
 * Stops for good: no more claims, and requests in flight end at once
 * (their deliveries are sent again once their leases end). Callbacks of
 * jobs still in the pool find the sender stopped. NULL is a no-op.
 */
void webhooks_stop(Webhooks *wh);

/* Frees wh after webhooks_stop() and pool_free(). NULL is a no-op. */
void webhooks_free(Webhooks *wh);

const WebhookStats *webhooks_stats(const Webhooks *wh);

#endif

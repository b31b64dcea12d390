/*
 * badges.h: what a running triadd needs for certificates besides the
 * requests: the master key that unseals signing keys, and what it
 * publishes on the HTTP port for verifiers.
 *
 * Published, for every institution with a signing key (read from the
 * database by triad_credential_published(), so every daemon serves the
 * same):
 *   GET /institutions/<slug>/jwks.json         its public keys (JWKS)
 *   GET /institutions/<slug>/revocations.json  its revoked credentials
 * The HTTP loop never waits for the database: requests are answered from
 * an in-memory copy, which is read again through the pool when a NOTIFY on
 * triad_credentials arrives (any daemon's issue, revocation or new key;
 * stream.c's listening connection), after this daemon's own such writes,
 * and every BADGES_POLL_MS regardless. Until the first read has answered,
 * those paths answer 503. The copy is bounded (BADGES_CACHE_MAX bytes); a
 * larger set is not taken, and the old copy stays, with a log line.
 */
#ifndef TRIAD_BADGES_H
#define TRIAD_BADGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server.h"
#include "vcjwt.h"

struct evhttp_request;

#define BADGES_POLL_MS 30000
#define BADGES_CACHE_MAX (64u << 20)

typedef struct Badges Badges;

/*
 * Loads the master key (credential_key_file, when set) and starts reading
 * what to publish. NULL with err set when the key file is configured but
 * does not load.
 */
Badges *badges_new(Server *srv, char err[256]);

/* Stops the timer; reads still in the pool are ignored when they answer. */
void badges_stop(Badges *b);

/* Frees b (after the pool is gone). NULL is a no-op. */
void badges_free(Badges *b);

/* After a reload: reads credential_key_file anew; keeps the old key, with
 * a log line, when the new file does not load. */
void badges_reload(Badges *b);

/* The master key, or NULL when no credential_key_file is configured. */
const uint8_t *badges_master(const Badges *b);

/* The base of the URLs in credentials: public_url, or http://<the HTTP
 * port's bound address> when it is empty. */
const char *badges_base_url(const Badges *b);

/* Reads what to publish again soon (coalesced with a read in flight). */
void badges_refresh(Badges *b);

/*
 * Answers req when path is one of the published ones (see above), and
 * returns true; false, having done nothing, for any other path.
 */
bool badges_http(Badges *b, struct evhttp_request *req, const char *path);

#endif

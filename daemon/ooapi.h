/*
 * ooapi.h: the standards port: OOAPI v5 and xAPI, read-only, over HTTP.
 *
 * A listener of its own (ooapi_listen, off by default), on the server's
 * loop, served by libevent's evhttp, over TLS when the protocol port is.
 * Every request carries an API token (Authorization: Bearer), the same
 * tokens as the protocol; it becomes a Principal as a Hello would make it
 * (cached for OOAPI_CACHE_TTL_MS by the token's hash) and is authorised by
 * auth_decide() with the protocol's verbs. The answer is built in
 * PostgreSQL (sql/functions/ooapi.sql) by one statement in a transaction
 * opened by triad_begin(), through the pool like any request, so row-level
 * security and the views' rules decide what is seen. Nothing waits: evhttp
 * holds the request until the job's callback answers it.
 *
 * Bounds: ooapi_max_connections connections at once (beyond, 503 and the
 * connection closes), one request at a time per connection (evhttp reads
 * the next one after the answer), headers of OOAPI_MAX_HEADERS_BYTES, no
 * body, OOAPI_TIMEOUT_S of silence. A request with no token or a malformed
 * one is answered 401 without touching the database; a token that failed
 * signin_failures_max times in a minute likewise.
 *
 * Paths and the mapping are in docs/ooapi.md.
 */
#ifndef TRIAD_OOAPI_H
#define TRIAD_OOAPI_H

#include <stdbool.h>

#include "server.h"

#define OOAPI_MAX_HEADERS_BYTES 8192
#define OOAPI_TIMEOUT_S 30
#define OOAPI_CACHE_SLOTS 128
#define OOAPI_CACHE_TTL_MS 30000
#define XAPI_LIMIT_DEFAULT 100
#define XAPI_LIMIT_MAX 500

/*
 * Binds cfg.ooapi_listen when set and starts answering. Plain HTTP (tls =
 * off) only on a loopback address. On failure err says why.
 */
__attribute__((warn_unused_result))
bool ooapi_start(Server *srv, char err[256]);

/* Stops accepting, and from now on drops the answers of jobs still in the
 * pool (the server is going away): call before pool_free(). */
void ooapi_stop(Server *srv);

/* Frees the port and its connections: call after pool_free(). */
void ooapi_free(Server *srv);

#endif

/*
 * http.h: the operations port: health, readiness and Prometheus metrics.
 *
 * A separate HTTP listener (libevent's evhttp) on the server's loop, for
 * load balancers, supervisors and scrapers. It only reads the server's
 * state; every answer is built from memory, so it never waits on anything.
 */
#ifndef TRIAD_HTTP_H
#define TRIAD_HTTP_H

#include <stdbool.h>

#include "server.h"

/*
 * Binds cfg.http_listen (resolved here, before the loop runs) and starts
 * answering; does nothing when it is empty. The address really bound goes
 * to srv->http_bound. On failure err says why.
 */
__attribute__((warn_unused_result))
bool http_start(Server *srv, char err[256]);

/* Closes the port and any HTTP connection still open. */
void http_stop(Server *srv);

#endif

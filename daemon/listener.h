/*
 * listener.h: the protocol port.
 */
#ifndef TRIAD_LISTENER_H
#define TRIAD_LISTENER_H

#include <stdbool.h>

#include "server.h"

/*
 * Resolves addr (HOST:PORT or [V6]:PORT; the name is resolved here, so call
 * it before the loop runs) and binds a listening socket that accepts nothing
 * until the caller sets a callback. The address really bound (after port 0)
 * goes to bound; on failure returns NULL with err naming setting and why.
 */
struct evconnlistener *listener_bind(struct event_base *base, const char *setting,
				     const char *addr, char bound[64], char err[256]);

/*
 * Binds cfg.listen (HOST:PORT; the name is resolved here, before the loop
 * runs) and starts accepting into conn_accept(). On failure err says why.
 */
__attribute__((warn_unused_result))
bool listener_start(Server *srv, char err[256]);

/* Stops accepting; the socket is closed. */
void listener_stop(Server *srv);

#endif

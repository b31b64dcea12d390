/*
 * listener.h: the protocol port.
 */
#ifndef TRIAD_LISTENER_H
#define TRIAD_LISTENER_H

#include <stdbool.h>

#include "server.h"

/*
 * Binds cfg.listen (HOST:PORT; the name is resolved here, before the loop
 * runs) and starts accepting into conn_accept(). On failure err says why.
 */
__attribute__((warn_unused_result))
bool listener_start(Server *srv, char err[256]);

/* Stops accepting; the socket is closed. */
void listener_stop(Server *srv);

#endif

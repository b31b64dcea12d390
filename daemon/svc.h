/*
 * svc.h: the request handlers, one file per domain area (svc_<area>.c).
 *
 * Each handler validates its input, runs at most one database transaction
 * through the pool and answers the Call (see dispatch.h for the contract).
 */
#ifndef TRIAD_SVC_H
#define TRIAD_SVC_H

#include "dispatch.h"

/* svc_session.c */
void svc_session_hello(Call *call, const Triad__V1__Request *req);
void svc_session_ping(Call *call, const Triad__V1__Request *req);

#endif

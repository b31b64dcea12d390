/*
 * metrics.h: the distributions /metrics shows beside the plain counters of
 * Stats: request latency per request kind, how long jobs wait for a
 * database connection, and database errors by SQLSTATE.
 *
 * One loop, one thread: the recorders are plain increments on state of
 * this module, bounded whatever the peers send (request kinds are the
 * registry's, SQLSTATEs are five characters and at most METRICS_SQLSTATES
 * of them are told apart; the rest count as "other").
 */
#ifndef TRIAD_METRICS_H
#define TRIAD_METRICS_H

#include <stdint.h>

#include <event2/buffer.h>

#define METRICS_SQLSTATES 64

/* A request of kind (the Request body case; 0 for none) answered after us. */
void metrics_request(unsigned kind, uint64_t us);

/* A database job started after waiting us for a connection. */
void metrics_pool_wait(uint64_t us);

/* A statement failed with sqlstate. */
void metrics_db_error(const char *sqlstate);

/* The three, in the Prometheus text format, onto b. */
void metrics_print(struct evbuffer *b);

#endif

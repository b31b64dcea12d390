/*
 * pool.h: N asynchronous PostgreSQL connections and a bounded queue.
 *
 * Jobs wait in FIFO order for an idle connection. The queue is bounded
 * (db_queue_max: beyond it RESOURCE_EXHAUSTED) and so is time: a job that
 * has not finished db_timeout_ms after it was submitted gets UNAVAILABLE,
 * whether it was still queued or already running. While no connection is
 * up after a failure (an outage), jobs fail at once with UNAVAILABLE
 * instead of waiting; the connections keep retrying in the background.
 */
#ifndef TRIAD_POOL_H
#define TRIAD_POOL_H

#include <stdbool.h>

#include "config.h"
#include "db.h"

struct Pool {
	struct event_base *base;
	const Config *cfg;            /* the server's live settings */
	const char **keys;            /* libpq connection keywords, owned */
	const char **values;          /* and their values, owned */
	int size;
	DbConn *conns;                /* owned array of size entries */
	DbJob *qhead, *qtail;         /* waiting jobs, owned */
	int qlen;
	int n_up;                     /* connections IDLE or BUSY */
	bool outage;                  /* no connection up since the last failure */
	struct event *sweep;          /* owned; enforces deadlines */
};

/*
 * Creates the pool and starts connecting; nothing blocks except the name
 * lookup of a database host given by name, which happens here, before the
 * loop runs (libpq would otherwise resolve it on every connect, on the
 * loop). On failure returns NULL with the reason in err.
 */
Pool *pool_new(struct event_base *base, const Config *cfg, char err[256]);
void pool_free(Pool *pool);

/*
 * Runs job on the next free connection. Takes ownership of job. The done
 * callback may run before this returns (queue full, outage).
 */
void pool_submit(Pool *pool, DbJob *job);

/*
 * For a server that stops: answers every job, now. Those still waiting are
 * CANCELLED (they never ran); those running get OUTCOME_UNKNOWN, and their
 * connections are dropped.
 */
void pool_abort(Pool *pool);

/* True when at least one connection is up. */
bool pool_ready(const Pool *pool);

/* Called by db.c on state changes of one connection. */
void pool_conn_up(Pool *pool, DbConn *dc);
void pool_conn_down(Pool *pool, DbConn *dc, bool was_up, const char *why);
void pool_conn_idle(Pool *pool, DbConn *dc);

#endif

/*
 * stream.h: partners' subscriptions to the event stream, and the one
 * PostgreSQL connection that tells them when to look.
 *
 * A subscription belongs to one client connection (by ConnRef). It reads
 * the events after its cursor through the pool, in jobs scoped like the
 * Subscribe request's own (so row-level security and the read-time rules
 * of triad_stream_read() apply to each read anew), and writes each event to
 * the connection as a Response with the Subscribe's id. It reads again when
 *   - a NOTIFY on channel triad_events arrives (a hint only, on a dedicated
 *     connection that is not the pool's, reconnected after a restart of
 *     PostgreSQL, after which every subscription reads again);
 *   - its last read said more is waiting (at once when the page was full,
 *     a moment later when a transaction still running holds it back);
 *   - the connection's output has drained after it paused; and
 *   - now and then regardless (STREAM_POLL_MS), so that nothing depends on
 *     a notification arriving.
 * It reads only while the connection's output holds less than half of
 * max_output_bytes, and a page holds at most STREAM_PAGE events, so a slow
 * reader costs at most that, and resumes from its cursor. One read at a
 * time per subscription; a failure of the database is retried with
 * backoff; an error the partner must act on (an expired cursor, a revoked
 * token) is sent with the Subscribe's id and ends the subscription.
 */
#ifndef TRIAD_STREAM_H
#define TRIAD_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "conn.h"
#include "creds.h"
#include "db.h"
#include "server.h"
#include "text.h"
#include "triad/v1/stream.pb-c.h"

#define STREAM_PAGE 50
#define STREAM_POLL_MS 10000
#define STREAM_HELD_MS 200

typedef struct Stream Stream;

/* Creates the subscriptions' registry and starts the listening connection. */
Stream *stream_new(Server *srv);

/* Closes the listening connection and stops every timer; subscriptions
 * whose reads are still in the pool are freed when those answer. */
void stream_stop(Stream *st);

/* Frees what is left (after the pool is gone). NULL is a no-op. */
void stream_free(Stream *st);

/*
 * Starts a subscription on connection ref for request request_id, after
 * cursor after (copied), for types (a text[] literal, copied; "{}" for
 * all), reading with jobs scoped as scope (its scope fields are copied).
 * False when memory ran out or the connection already has one.
 */
__attribute__((warn_unused_result))
bool stream_subscribe(Stream *st, ConnRef ref, uint64_t request_id, const char *after,
		      const char *types, const DbJob *scope);

/* Connection c has written all its output: a paused subscription reads on. */
void stream_writable(Stream *st, ConnRef ref);

/* Every subscription reads again (for tests and the listener). */
void stream_wake_all(Stream *st);

/* The retention in seconds as the SQL functions take it, from cfg. */
int stream_retention_s(const Config *cfg);

/*
 * Converts row i of a triad_stream_read() result into ev (its strings
 * point into r, its occurred_at into occurred, which must live as long).
 * False for the closing row, which holds the next cursor (in *next) and
 * whether more wait (*more).
 */
bool stream_event_row(const PGresult *r, int i, Triad__V1__DomainEvent *ev,
		      char occurred[TEXT_TIME_MAX], const char **next, bool *more);

/* The statement of a read: after, types, limit, retention, field. */
extern const char stream_read_sql[];

/*
 * Whose credentials changed (creds.h), or NULL while the LISTEN connection
 * is down or not yet listening again: then every request checks its
 * credentials in the database. While it is up and its LISTEN confirmed, a
 * change of a token or a grant is recorded as it is committed.
 */
const Creds *stream_credentials(const struct Stream *st);

/* This daemon changed a token or a grant: every session checks again now,
 * without waiting for the NOTIFY. */
void stream_credentials_changed(struct Stream *st);

/*
 * This daemon committed a request that wrote domain events. The listening
 * connection sends NOTIFY triad_events after the commit, outside the
 * writing transaction, and every daemon that listens (this one too) reads:
 *   - a NOTIFY sent inside the writing transaction makes PostgreSQL take
 *     one cluster-wide lock at its commit and hold it until the commit is
 *     flushed (src/backend/commands/async.c, PreCommit_Notify), so every
 *     such write waited for the flush of the one before it (seen as the
 *     wait event Lock:object);
 *   - the NOTIFY goes out in a transaction of its own, without waiting for
 *     its flush (synchronous_commit = off: it is only a hint), and one at a
 *     time: the commits while one is on the way are told by the next;
 *   - while the connection is down, it is sent when it is up again.
 */
void stream_events_committed(struct Stream *st);

#endif

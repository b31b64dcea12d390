/*
 * pool.h: N asynchronous PostgreSQL connections and a fair, bounded queue.
 *
 * Every job has an owner (DbJob.owner: the client connection, or for
 * sign-ins from an address over its failure limit, that address). Waiting
 * jobs queue per owner, and a free connection takes the oldest job of the
 * next owner in turn, so one client's pipeline cannot starve another's
 * single request. Owners with nothing running go first, so a client that
 * sends one request at a time is served at the next free connection,
 * whatever others have queued (fq_codel's new and old flows, with a
 * quantum of one job); so that a crowd of such clients cannot starve the
 * others for ever, every pool_size-th job in a row comes from the round.
 * An owner's first running job takes any free connection; jobs it sends
 * while one runs (a pipeline) run on at most db_backlog_connections
 * connections, shared by all such owners, so deep pipelines cannot take
 * the database's CPU from clients that wait for each answer. Once none of
 * an owner's jobs runs, its next one is a first again: every client,
 * pipelining or not, has one job at a time on the whole pool.
 *
 * Group commit: when the job a free connection takes is a write that can
 * share its transaction (db_job_batchable()), the writes of the same kind
 * that come next in the fair order join it, one per owner, up to
 * db_group_commit_max, and commit together (db_conn_run_batch()): while
 * commits wait for the disk, one flush serves all of them. Nothing waits
 * to form a batch: a batch is what queued while the connections were busy.
 * A batch runs in the order of its statements and their first parameters,
 * so that batches lock the rows they share in one order (pool.c).
 *
 * Bounds: one owner may have db_queue_per_client_max jobs waiting (beyond:
 * RESOURCE_EXHAUSTED for that owner only), one principal over all its
 * connections db_queue_per_principal_max (DbJob.principal); all owners together
 * db_queue_max. When the whole queue is full, the newest job of the owner
 * with the most waiting is refused to make room, unless the newcomer's
 * owner is that owner (or as long), so a full queue is paid for by whoever
 * filled it. Time is bounded too: a job that has not finished
 * db_timeout_ms after it was submitted gets UNAVAILABLE when it was still
 * queued (it never ran) and OUTCOME_UNKNOWN when it was running (the
 * database may still finish it). PostgreSQL's statement_timeout is set to
 * three quarters of db_timeout_ms, so a slow statement is usually cancelled
 * there first, with a known outcome (and plan_cache_mode to
 * force_generic_plan: see pool.c). While no connection is up after a
 * failure (an outage), jobs fail at once with UNAVAILABLE instead of
 * waiting; the connections keep retrying in the background.
 *
 * A job's done callback may submit more jobs (a client whose answer frees
 * a slot sends its next request): the pool finishes its own bookkeeping
 * before it calls back.
 */
#ifndef TRIAD_POOL_H
#define TRIAD_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "db.h"
#include "log.h"

/* Owner keys: a client connection (its ConnRef's slot and generation), or
 * an address whose sign-ins share one place in the queue. */
#define POOL_OWNER_CONN (UINT64_C(1) << 62)
#define POOL_OWNER_ADDR (UINT64_C(1) << 63)

static inline uint64_t
pool_owner_conn(uint32_t slot, uint32_t gen)
{
	return POOL_OWNER_CONN | (uint64_t)(gen & 0x3fffffffu) << 32 | slot;
}

/* Sets job's owner; a NULL job (out of memory) is left alone. */
static inline void
pool_job_owner(DbJob *job, uint64_t owner)
{
	if (job != NULL)
		job->owner = owner;
}

/* The owner for sign-ins from addr (see svc_session.c). */
uint64_t pool_owner_addr(const char *addr);

/* The key of principal id, for db_queue_per_principal_max (DbJob.principal). */
uint64_t pool_owner_principal(const char *id);

typedef struct PoolFlow PoolFlow;

/* The most writes one group commit takes (db_group_commit_max's bound). */
#define POOL_GROUP_MAX 64

/* Servers one db conninfo may list (libpq's host, hostaddr, port lists). */
#define POOL_HOSTS_MAX 16

/* One server of the conninfo, as libpq pairs the lists. */
typedef struct PoolHost {
	char *host;                   /* name, address or socket directory; NULL: default */
	char *addr;                   /* numeric address (hostaddr); NULL for sockets */
	char *port;                   /* NULL: the default */
} PoolHost;

typedef struct PoolFlowList {
	PoolFlow *head, *tail;
} PoolFlowList;

typedef struct PoolStats {
	uint64_t refused_client_cap;  /* jobs refused at db_queue_per_client_max */
	uint64_t refused_principal_cap; /* jobs refused at db_queue_per_principal_max */
	uint64_t refused_queue_full;  /* jobs refused (or pushed out) at db_queue_max */
	uint64_t group_commits;       /* batches of writes sent as one transaction */
	uint64_t group_commit_jobs;   /* the jobs in them */
	uint64_t group_commit_retries; /* batches that failed, whose jobs ran alone */
} PoolStats;

struct Pool {
	struct event_base *base;
	const Config *cfg;            /* the server's live settings */
	const char **keys;            /* libpq connection keywords, owned; the last
					 three (from khost) are host, hostaddr and
					 port, whose values each attempt fills */
	const char **values;          /* and their values, owned */
	int khost;
	PoolHost hosts[POOL_HOSTS_MAX]; /* the servers, in the conninfo's order */
	int nhosts;
	char *lists[3];               /* owned: room for host, hostaddr, port lists */
	int size;
	DbConn *conns;                /* owned array of size entries */
	PoolFlow **buckets;           /* owner -> flow, owned (and the flows) */
	PoolFlowList fresh;           /* owners with jobs waiting, none running: first */
	PoolFlowList rounds;          /* owners with jobs waiting and running: in turn */
	int qlen;                     /* jobs waiting, all owners */
	int nflows;                   /* owners with jobs waiting */
	int ncapped;                  /* owners refused at their cap, still waiting */
	int nprincipals_capped;       /* the same, of principals */
	int fresh_run;                /* jobs taken from fresh in a row */
	int backlog_busy;             /* connections running a job taken from rounds */
	int n_up;                     /* connections IDLE or BUSY */
	bool outage;                  /* no connection up since the last failure */
	bool aborting;                /* pool_abort() ran: every new job is CANCELLED */
	struct event *sweep;          /* owned; enforces deadlines */
	PoolStats stats;
	LogEpisode full;              /* the queue is full (db_queue_full) */
	LogEpisode capped;            /* some owner is held to its cap */
	LogEpisode principal_capped;  /* some principal is held to its cap */
	LogEpisode read_only;         /* the server refuses writes (SQLSTATE 25006) */
};

Pool *pool_new(struct event_base *base, const Config *cfg, char err[256]);
void pool_free(Pool *pool);

/*
 * Runs job on the next free connection, in its owner's turn (job->owner,
 * set by the caller; only connection owners are held to the per-client
 * cap: an address's sign-ins are bounded by its connections, and 0, a job
 * nobody claimed, is one owner shared by all such jobs). Takes ownership of job. The done callback may run
 * before this returns (over a bound, outage), and so may that of another
 * owner's job pushed out of a full queue.
 */
void pool_submit(Pool *pool, DbJob *job);

/* dc's job is over, or about to be reported: its owner's turn no longer
 * counts it as running. Idempotent; db.c calls it before the done callback,
 * so a request the callback sends is not taken for a backlog. */
void pool_conn_job_over(Pool *pool, DbConn *dc);

/* The same for a job that ran in dc's batch (DbJob.flow), other than dc's
 * own job. Idempotent. */
void pool_job_over(Pool *pool, DbJob *job);

/* A batch failed at one of its jobs: they run again, alone (for the
 * metrics). */
void pool_batch_failed(Pool *pool);

/*
 * For a server that stops: answers every job, now. Those still waiting are
 * CANCELLED (they never ran); those running get OUTCOME_UNKNOWN, and their
 * connections are dropped.
 */
void pool_abort(Pool *pool);

/*
 * Starts a connection to one of the servers: libpq gets them in a new
 * random order each time (see pool.c). NULL when memory ran out.
 */
PGconn *pool_connect_start(Pool *pool);

/*
 * dc's server refused a write as read-only (SQLSTATE 25006): it is no
 * longer the primary. Every connection that is up now is taken to be on
 * that server: idle ones are dropped at once, busy ones when their job is
 * over, and all reconnect, to the new primary when libpq is asked for
 * target_session_attrs=read-write.
 */
void pool_read_only(Pool *pool, DbConn *dc);

/* True when at least one connection is up. */
bool pool_ready(const Pool *pool);

/* Called by db.c on state changes of one connection. */
void pool_conn_up(Pool *pool, DbConn *dc);
void pool_conn_down(Pool *pool, DbConn *dc, bool was_up, const char *why);
void pool_conn_idle(Pool *pool, DbConn *dc);

#endif

/*
 * db.h: one asynchronous PostgreSQL connection, driven by the event loop.
 *
 * A DbConn connects with PQconnectStartParams/PQconnectPoll, runs one DbJob
 * at a time in pipeline mode (every statement of the job, then one sync: one
 * round trip, one implicit transaction), or a batch of writes the same way
 * (group commit: db_conn_run_batch()), and reconnects with backoff and
 * jitter when the server goes away. Nothing here blocks.
 *
 * A DbJob is a unit of work for one request: an optional tenant, then up to
 * DB_MAX_STMTS parameterised statements that run in a single transaction.
 * The job owns copies of its SQL parameters. The pool owns a submitted job
 * until its done callback has returned; the PGresults handed to the callback
 * are cleared right after, so the callback copies what it keeps.
 */
#ifndef TRIAD_DB_H
#define TRIAD_DB_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/event.h>
#include <libpq-fe.h>

#include "triad/v1/envelope.pb-c.h"

#define DB_MAX_STMTS 8
#define DB_MAX_PARAMS 16
/* Commands one phase of a job sends: BEGIN, triad_begin(), the event
 * route, the claim and its statements, each preceded by its preparation on
 * a connection that has not prepared it yet. */
#define DB_MAX_CMDS 32

typedef struct Pool Pool;
typedef struct DbJob DbJob;

/* What became of a job. On OK every statement succeeded and results[i] is
 * the result of statement i. Otherwise message says why, and for SQL errors
 * sqlstate is the five-character SQLSTATE of the statement that failed. */
typedef struct DbOutcome {
	Triad__V1__Code code;
	const char *message;
	char sqlstate[6];
	const char *field;                /* the request field an error names, or NULL */
	int failed_stmt;                  /* index of the failing statement, or -1 */
	const char *detail;               /* the error's DETAIL, or NULL */
	const char *constraint;           /* for integrity errors (class 23): the */
	const char *table;                /* constraint and table, or NULL */
	PGresult *const *results;
	int nresults;
	DbJob *job;                       /* the job, for db_job_commit() from the
					     callback; NULL for a failed commit */
} DbOutcome;

typedef void (*DbDoneFn)(void *arg, const DbOutcome *outcome);

typedef struct DbStmt {
	const char *sql;                  /* static text; never built from input */
	int nparams;
	char *params[DB_MAX_PARAMS];      /* owned copies; NULL is SQL NULL */
} DbStmt;

struct DbJob {
	/* The scope set by triad_begin() before the first statement, each NULL
	 * when unused: the institution (id, or slug for operators) that row-level
	 * security confines the transaction to, the session's token (checked to
	 * be still valid) and the principal (recorded by the audit trail). */
	char *institution;
	char *token_id;
	char *principal_id;
	char *grants;                     /* the session's grant count there, or NULL */
	/* Who the caller is inside the institution, for the views that decide
	 * which rows it sees (triad_person(), triad_staff(),
	 * triad_organisation()): its person id (NULL for machines), "true"
	 * when it is staff there (or an operator), and the organisation it
	 * speaks for there (NULL when none). */
	char *person_id;
	char *staff;
	char *organisation_id;
	/* Scope the transaction without checking the token and the grants
	 * again (the cheap begin: dispatch.c call_job_scoped()); institution
	 * is then an id. */
	bool begin_fast;
	/* For a request flagged ROUTE_EVENT: its name, set as triad.event_route
	 * after triad_begin(), so that the changes it audits write their domain
	 * events (sql/functions/stream.sql). A static string, or NULL. */
	const char *event_route;
	int nstmts;
	DbStmt stmts[DB_MAX_STMTS];
	PGresult *results[DB_MAX_STMTS];
	DbDoneFn done;
	void *arg;
	/* A held job (db_job_hold) opens its transaction with BEGIN, claims
	 * its idempotency key, and leaves the transaction open for its done
	 * callback to commit with one more statement (db_job_commit) or, by
	 * default, to roll back. */
	bool hold;
	char *claim[4];                   /* key, request hash, request name, ttl */
	int phase;                        /* JOB_RUN, then JOB_COMMIT, JOB_ROLLBACK or
					     JOB_SETTLE (a repeat: see db.c) */
	DbStmt finish;                    /* run before COMMIT */
	DbDoneFn committed;
	void *committed_arg;
	uint64_t deadline_us;             /* set by the pool on submit */
	uint64_t submitted_us;            /* likewise: when it began to wait */
	uint32_t conn_slot;               /* the request it serves, for log lines: */
	uint64_t request_id;              /* conn_slot= id=, as request_done says */
	uint64_t owner;                   /* whose job, for the pool's fair queue
					     (pool_owner_conn()); 0: nobody's */
	uint64_t principal;               /* whose account (pool_owner_principal()),
					     for its cap; 0: none */
	/* It changes data (its route is ROUTE_WRITES): without a hold, it may
	 * commit together with others (db_job_batchable()). */
	bool writes;
	struct PoolFlow *flow;            /* its owner's flow in the pool while it
					     runs in another job's batch (pool.c) */
	/* progress while running */
	int nresults;
	bool stmt_seen;                   /* a result of the current statement arrived */
	int failed_stmt;
	char sqlstate[6];
	char *error;                      /* first error message, owned */
	char *error_detail;               /* its DETAIL, owned */
	char *error_constraint;           /* its CONSTRAINT_NAME, owned */
	char *error_table;                /* its TABLE_NAME, owned */
	char *error_field;                /* its COLUMN (the schema's functions put the
					     request field there), owned */
	char settle_state[6];             /* JOB_SETTLE: SQLSTATE of its failure, or "" */
	int settle_syncs;                 /* JOB_SETTLE: syncs still to come */
	/* The commands of the current phase as sent, for telling the results
	 * of a preparation (the prepared statement's id) from those of an
	 * execution (-1); cmd is the one whose results arrive now. */
	int ncmds;
	int cmd;
	int cmd_prep[DB_MAX_CMDS];
	DbJob *next;                      /* queue link */
};

/* Creates an empty, unscoped job. done is called exactly once with arg. */
DbJob *db_job_new(DbDoneFn done, void *arg);

/*
 * Scopes the job (see DbJob; arguments are copied, NULL leaves a part
 * unset; staff is true or false). Returns false when memory ran out.
 */
__attribute__((warn_unused_result))
bool db_job_scope(DbJob *job, const char *institution, const char *token_id,
		  const char *principal_id, const char *grants, const char *person_id,
		  bool staff, const char *organisation_id);

/*
 * Appends a statement. sql must be a string literal or otherwise outlive the
 * job; params are copied. Returns false when the job is full or memory ran
 * out; the job is then unchanged.
 */
__attribute__((warn_unused_result))
bool db_job_add(DbJob *job, const char *sql, int nparams, const char *const *params);

enum { JOB_RUN, JOB_COMMIT, JOB_ROLLBACK, JOB_SETTLE };

/*
 * Makes job idempotent: it runs in an explicit transaction that first
 * claims key for the session's principal (triad_idempotency_claim(): a
 * repeat of a committed request fails with SQLSTATE TRIDP and the first
 * answer, hex-encoded, as DETAIL; the same key with another request hash
 * fails with TR409). The transaction stays open for the done callback. The
 * arguments are copied. False when memory ran out.
 */
__attribute__((warn_unused_result))
bool db_job_hold(DbJob *job, const char *key, const char *request_hash, const char *request_name,
		 const char *ttl_s);

/*
 * From the done callback of a held job that succeeded: runs one more
 * statement (sql with params, copied) and commits. committed is called
 * exactly once with the outcome of the commit: OK, or a failure after
 * which the write may or may not have happened (UNAVAILABLE) or did not.
 * Without this call the transaction is rolled back. False when memory ran
 * out (the transaction is then rolled back and committed is not called).
 */
__attribute__((warn_unused_result))
bool db_job_commit(DbJob *job, const char *sql, int nparams, const char *const *params,
		   DbDoneFn committed, void *arg);

/* Frees a job that was never submitted, or whose callback has run. */
void db_job_free(DbJob *job);

/* Frees the memory kept for jobs, once no job is left (server_free()). */
void db_jobs_free_cached(void);

/* Calls the job's done callback with a failure and frees the job. */
void db_job_fail(DbJob *job, Triad__V1__Code code, const char *message);

typedef enum DbState {
	DB_ST_DOWN,        /* waiting for the reconnect timer */
	DB_ST_CONNECTING,
	DB_ST_IDLE,
	DB_ST_BUSY,        /* running a job */
} DbState;

typedef struct DbConn {
	Pool *pool;
	int index;
	DbState state;
	PGconn *pg;                  /* owned */
	struct event *io;            /* owned; watches PQsocket() */
	evutil_socket_t io_fd;
	short io_what;
	struct event *retry;         /* owned; reconnect timer */
	int backoff_ms;
	DbJob *job;                  /* the running job, owned while running */
	/* Group commit: jobs that run in one transaction with job, linked by
	 * next, owned. While batch_sent they are in flight with it; after a
	 * batch failed they wait to run alone, one after another. reading is
	 * the job whose results arrive now. */
	DbJob *batch;
	bool batch_sent;
	DbJob *reading;
	uint64_t job_started_us;
	bool backlog;                /* the job counts against db_backlog_connections */
	bool stale;                  /* its server refused a write as read-only:
					dropped instead of going idle */
	struct PoolFlow *flow;       /* its owner's, in the pool (pool.c) */
	/* Which registered statements (prepared.h) this connection has
	 * prepared, by id: a bit each, owned; forgotten when it drops. */
	unsigned char *prepared;
	int prepared_cap;            /* bytes */
} DbConn;

/*
 * Registers the statements db.c sends for every job (triad_begin(), the
 * event route, the idempotency claim, the settling write) to be prepared
 * on each connection (prepared.h). False when memory ran out.
 */
__attribute__((warn_unused_result))
bool db_register_statements(void);

/* Sets up a connection slot and starts connecting. */
__attribute__((warn_unused_result))
bool db_conn_init(DbConn *dc, Pool *pool, int index);

/* Closes the connection; a running job fails with OUTCOME_UNKNOWN. */
void db_conn_fini(DbConn *dc);

/* Starts job on an idle connection. The connection owns it until done. */
void db_conn_run(DbConn *dc, DbJob *job);

/*
 * True when job may share a transaction with others: a write without an
 * idempotency hold, whose answer can wait for the commit of all of them.
 */
bool db_job_batchable(const DbJob *job);

/*
 * Group commit: runs job and the batchable jobs of rest (linked by next)
 * as one transaction, one round trip and one commit, on an idle
 * connection that then owns them all. Each job scopes itself as it would
 * alone. Their done callbacks run after the commit, in order. When one of
 * them fails, the transaction is void and each runs again alone, so every
 * one gets its own answer; when the connection is lost at the commit,
 * each gets OUTCOME_UNKNOWN.
 */
void db_conn_run_batch(DbConn *dc, DbJob *job, DbJob *rest);

/*
 * For a connection whose server has turned read-only (pool_read_only()):
 * an idle one is dropped now, a busy one when its job is over. Others are
 * left alone.
 */
void db_conn_stale(DbConn *dc, const char *why);

/* A connection waiting for its reconnect timer tries again now. */
void db_conn_hurry(DbConn *dc);

/*
 * Gives up on the running job (it ran past its deadline, or the server is
 * stopping): the job gets OUTCOME_UNKNOWN, since the database may still
 * finish it, and the connection is dropped and reconnected. why is for the
 * log.
 */
void db_conn_abandon(DbConn *dc, const char *why);

/* The earliest deadline of the jobs in flight on busy dc: its job's, or of
 * a batch sent with it the earliest of theirs (they share its fate). */
uint64_t db_conn_deadline(const DbConn *dc);

#endif

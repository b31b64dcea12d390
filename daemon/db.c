/*
 * db.c: one PostgreSQL connection on the event loop, and DbJob.
 */
#include "db.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "freelist.h"
#include "log.h"
#include "metrics.h"
#include "pool.h"
#include "prepared.h"

/* Reconnects back off from BACKOFF_MIN_MS, doubling, to BACKOFF_MAX_MS,
 * each with +-50% jitter. The cap bounds how long service stays down after
 * the database (or a promoted standby) is back: about 1-3 s. The first
 * connection up wakes the others (pool_conn_up()), so a pool of N costs
 * the servers N attempts per backoff period at most, while it is down. */
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 2000

/* What a client is told of a request that was running when its outcome
 * was lost (envelope.proto, CODE_OUTCOME_UNKNOWN). */
static const char outcome_unknown[] =
	"the request was running in the database when its outcome was lost: it may or may "
	"not have taken effect; for a write, send it again with the same idempotency key";

static const char begin_sql[] =
	"SELECT triad_begin($1, $2::uuid, $3::uuid, $4::int, $5::uuid, $6::boolean, $7::uuid)";
/* The cheap begin: the settings triad_begin() makes, and nothing else. */
static const char begin_fast_sql[] =
	"SELECT set_config('triad.institution_id', coalesce($1::uuid::text, ''), true),"
	"       set_config('triad.principal_id', coalesce($2::uuid::text, ''), true),"
	"       set_config('triad.person_id', coalesce($3::uuid::text, ''), true),"
	"       set_config('triad.staff', coalesce($4::boolean, false)::text, true),"
	"       set_config('triad.organisation_id', coalesce($5::uuid::text, ''), true)";
/* What a client is told of a request that the server refused because it
 * is read-only now: a demoted primary, or a standby. */
static const char read_only_msg[] =
	"the database server no longer accepts writes (a failover is under way): the "
	"request was not carried out; try again shortly";

/* ... and of one cut short by a server going down: not carried out. */
static const char going_down_msg[] =
	"the database server is shutting down or restarting (a failover may be under "
	"way): the request was not carried out; try again shortly";

/* ... and of a repeat whose first answer could not be confirmed durable. */
static const char unconfirmed_msg[] =
	"the first answer to this idempotency key could not be confirmed as saved on the "
	"database's standby: the request was not answered; send it again with the same key";

/* Writes a WAL record under a transaction id and commits: the commit waits,
 * as every commit that wrote WAL does under synchronous replication, until
 * the standbys have the WAL up to it, and with it every commit before. A
 * transaction id alone is not enough: PostgreSQL commits a transaction that
 * wrote no WAL before its commit record asynchronously, without waiting for
 * a standby (RecordTransactionCommit). A transactional logical message is
 * the smallest write there is; nothing decodes it. */
static const char settle_sql[] = "SELECT pg_logical_emit_message(true, 'triad', 'settle')";

static const char event_route_sql[] = "SELECT set_config('triad.event_route', $1, true)";
/* A job in a batch shares the transaction with the jobs before it: it sets
 * (or clears) every setting a job may leave behind, its scope aside. */
static const char batch_scope_sql[] =
	"SELECT set_config('triad.event_route', coalesce($1, ''), true),"
	"       set_config('triad.wrote_id', '', true)";
static const char claim_sql[] =
	"SELECT triad_idempotency_claim($1, $2::bytea, $3, $4::int)";

/* What a client is told of a request whose prepared statement no longer
 * fits the schema (a migration changed a view's columns while the daemon
 * ran): the connection is replaced and nothing was carried out. */
static const char replanned_msg[] =
	"the database's schema changed under a prepared statement: the request was not "
	"carried out; try again";

bool
db_register_statements(void)
{
	return prep_register(begin_sql, 0, NULL) >= 0 && prep_register(begin_fast_sql, 0, NULL) >= 0 &&
	       prep_register(event_route_sql, 0, NULL) >= 0 &&
	       prep_register(batch_scope_sql, 0, NULL) >= 0 &&
	       prep_register(claim_sql, 0, NULL) >= 0 && prep_register(settle_sql, 0, NULL) >= 0;
}

/* ---- statements prepared per connection ---- */

static bool
prepared_has(const DbConn *dc, int id)
{
	return id / 8 < dc->prepared_cap && (dc->prepared[id / 8] >> (id % 8)) & 1;
}

static bool
prepared_mark(DbConn *dc, int id, bool on)
{
	if (id / 8 >= dc->prepared_cap) {
		if (!on)
			return true;
		int cap = (prep_count() + 7) / 8 + 16;
		unsigned char *p = realloc(dc->prepared, (size_t)cap);
		if (p == NULL)
			return false;
		memset(p + dc->prepared_cap, 0, (size_t)(cap - dc->prepared_cap));
		dc->prepared = p;
		dc->prepared_cap = cap;
	}
	if (on)
		dc->prepared[id / 8] |= (unsigned char)(1u << (id % 8));
	else
		dc->prepared[id / 8] &= (unsigned char)~(1u << (id % 8));
	return true;
}

/* A new connection has prepared nothing. */
static void
prepared_forget(DbConn *dc)
{
	free(dc->prepared);
	dc->prepared = NULL;
	dc->prepared_cap = 0;
}

/*
 * Sends one statement of job: a registered one by name, prepared first
 * (in the same pipeline) when this connection has not prepared it yet;
 * any other unnamed. The command log tells busy_read() which results are
 * a preparation's.
 */
static bool
send_stmt(DbConn *dc, DbJob *job, const char *sql, int nparams, const char *const *params)
{
	int id = prep_find(sql);

	assert(job->ncmds + 2 <= DB_MAX_CMDS);
	if (id >= 0) {
		char name[16];
		prep_name(id, name);
		if (!prepared_has(dc, id)) {
			const PrepStmt *ps = prep_get(id);
			if (!prepared_mark(dc, id, true))
				goto unnamed;
			if (PQsendPrepare(dc->pg, name, sql, ps->ntypes, ps->ntypes ? ps->types : NULL) != 1)
				return false;
			job->cmd_prep[job->ncmds++] = id;
		}
		job->cmd_prep[job->ncmds++] = -1;
		return PQsendQueryPrepared(dc->pg, name, nparams, params, NULL, NULL, 0) == 1;
	}
unnamed:
	job->cmd_prep[job->ncmds++] = -1;
	return PQsendQueryParams(dc->pg, sql, nparams, NULL, params, NULL, NULL, 0) == 1;
}

/* Starts a phase's command log. */
static void
cmds_reset(DbJob *job)
{
	job->ncmds = 0;
	job->cmd = 0;
	job->stmt_seen = false;
}

/* Jobs freed, kept for the next requests (freelist.h). */
static FreeList job_cache = {.cap = 64};

DbJob *
db_job_new(DbDoneFn done, void *arg)
{
	DbJob *job = freelist_take(&job_cache, sizeof *job);
	if (job == NULL)
		return NULL;
	job->done = done;
	job->arg = arg;
	job->failed_stmt = -1;
	return job;
}

static bool
dup_opt(char **dst, const char *src)
{
	free(*dst);
	*dst = NULL;
	return src == NULL || (*dst = strdup(src)) != NULL;
}

bool
db_job_scope(DbJob *job, const char *institution, const char *token_id, const char *principal_id,
	     const char *grants, const char *person_id, bool staff, const char *organisation_id)
{
	return dup_opt(&job->institution, institution) && dup_opt(&job->token_id, token_id) &&
	       dup_opt(&job->principal_id, principal_id) && dup_opt(&job->grants, grants) &&
	       dup_opt(&job->person_id, person_id) &&
	       dup_opt(&job->staff, staff ? "true" : "false") &&
	       dup_opt(&job->organisation_id, organisation_id);
}

/* True when the job opens with triad_begin(). */
static bool
job_scoped(const DbJob *job)
{
	return job->institution != NULL || job->token_id != NULL || job->principal_id != NULL;
}

bool
db_job_hold(DbJob *job, const char *key, const char *request_hash, const char *request_name,
	    const char *ttl_s)
{
	const char *v[4] = {key, request_hash, request_name, ttl_s};
	job->hold = true;
	for (int i = 0; i < 4; i++) {
		if (!dup_opt(&job->claim[i], v[i]))
			return false;
	}
	return true;
}

/* Copies a statement into st; false (st empty) when memory ran out. */
static bool
stmt_set(DbStmt *st, const char *sql, int nparams, const char *const *params)
{
	memset(st, 0, sizeof *st);
	for (int i = 0; i < nparams; i++) {
		if (params[i] != NULL && (st->params[i] = strdup(params[i])) == NULL) {
			for (int j = 0; j < i; j++)
				free(st->params[j]);
			memset(st, 0, sizeof *st);
			return false;
		}
	}
	st->sql = sql;
	st->nparams = nparams;
	return true;
}

static void
stmt_clear(DbStmt *st)
{
	for (int j = 0; j < st->nparams; j++)
		free(st->params[j]);
	memset(st, 0, sizeof *st);
}

bool
db_job_add(DbJob *job, const char *sql, int nparams, const char *const *params)
{
	if (job->nstmts >= DB_MAX_STMTS || nparams < 0 || nparams > DB_MAX_PARAMS)
		return false;
	if (!stmt_set(&job->stmts[job->nstmts], sql, nparams, params))
		return false;
	job->nstmts++;
	return true;
}

bool
db_job_commit(DbJob *job, const char *sql, int nparams, const char *const *params,
	      DbDoneFn committed, void *arg)
{
	assert(job->hold && job->phase == JOB_RUN && job->committed == NULL);
	if (nparams < 0 || nparams > DB_MAX_PARAMS || !stmt_set(&job->finish, sql, nparams, params))
		return false;
	job->committed = committed;
	job->committed_arg = arg;
	return true;
}

void
db_job_free(DbJob *job)
{
	if (job == NULL)
		return;
	for (int i = 0; i < job->nstmts; i++) {
		stmt_clear(&job->stmts[i]);
		PQclear(job->results[i]);
	}
	stmt_clear(&job->finish);
	for (int i = 0; i < 4; i++)
		free(job->claim[i]);
	free(job->error_detail);
	free(job->error_constraint);
	free(job->error_table);
	free(job->institution);
	free(job->token_id);
	free(job->principal_id);
	free(job->grants);
	free(job->person_id);
	free(job->staff);
	free(job->organisation_id);
	free(job->error);
	free(job->error_field);
	freelist_give(&job_cache, job);
}

void
db_jobs_free_cached(void)
{
	freelist_clear(&job_cache);
}

void
db_job_fail(DbJob *job, Triad__V1__Code code, const char *message)
{
	DbOutcome out = {.code = code, .message = message, .failed_stmt = -1};
	/* The request was answered in phase one; a commit under way tells its
	 * own callback, and a rollback tells nobody. */
	if (job->phase == JOB_RUN || job->phase == JOB_SETTLE)
		job->done(job->arg, &out);
	else if (job->phase == JOB_COMMIT)
		job->committed(job->committed_arg, &out);
	db_job_free(job);
}

/* Maps a SQLSTATE to the status a client should see. Handlers refine it. */
static Triad__V1__Code
code_for_sqlstate(const char *s)
{
	/* Raised by the schema's own functions, with messages meant for people. */
	if (strcmp(s, "TR400") == 0)
		return TRIAD__V1__CODE__CODE_INVALID_ARGUMENT;
	if (strcmp(s, "TR401") == 0)
		return TRIAD__V1__CODE__CODE_UNAUTHENTICATED;
	if (strcmp(s, "TR403") == 0)
		return TRIAD__V1__CODE__CODE_PERMISSION_DENIED;
	if (strcmp(s, "TR404") == 0)
		return TRIAD__V1__CODE__CODE_NOT_FOUND;
	if (strcmp(s, "TR409") == 0)
		return TRIAD__V1__CODE__CODE_FAILED_PRECONDITION;
	if (strcmp(s, "TR410") == 0)
		return TRIAD__V1__CODE__CODE_CURSOR_EXPIRED;
	if (strcmp(s, "TRDUP") == 0)
		return TRIAD__V1__CODE__CODE_ALREADY_EXISTS;
	/* A repeat of a request done already: the dispatcher sends its answer. */
	if (strcmp(s, "TRIDP") == 0)
		return TRIAD__V1__CODE__CODE_ALREADY_EXISTS;
	if (strncmp(s, "08", 2) == 0 || strncmp(s, "57P", 3) == 0 || strncmp(s, "53", 2) == 0)
		return TRIAD__V1__CODE__CODE_UNAVAILABLE;
	/* read_only_sql_transaction: a demoted primary or a standby. */
	if (strcmp(s, "25006") == 0)
		return TRIAD__V1__CODE__CODE_UNAVAILABLE;
	if (strcmp(s, "40001") == 0 || strcmp(s, "40P01") == 0)
		return TRIAD__V1__CODE__CODE_ABORTED;
	if (strcmp(s, "23505") == 0)
		return TRIAD__V1__CODE__CODE_ALREADY_EXISTS;
	if (strncmp(s, "23", 2) == 0 || strcmp(s, "P0001") == 0)
		return TRIAD__V1__CODE__CODE_FAILED_PRECONDITION;
	if (strncmp(s, "22", 2) == 0)
		return TRIAD__V1__CODE__CODE_INVALID_ARGUMENT;
	if (strcmp(s, "42501") == 0)
		return TRIAD__V1__CODE__CODE_PERMISSION_DENIED;
	if (strcmp(s, "57014") == 0)
		return TRIAD__V1__CODE__CODE_DEADLINE_EXCEEDED;
	return TRIAD__V1__CODE__CODE_INTERNAL;
}

/* True for the SQLSTATEs of a server that goes away: connection
 * exceptions (08), and the shutdowns, crash and restarts of class 57P. */
static bool
sqlstate_going_down(const char *s)
{
	return strncmp(s, "08", 2) == 0 || strcmp(s, "57P01") == 0 || strcmp(s, "57P02") == 0 ||
	       strcmp(s, "57P03") == 0;
}

static void on_io(evutil_socket_t fd, short what, void *arg);
static void db_connect(DbConn *dc);
static void batch_fail(DbConn *dc);

static void
notice_ignore(void *arg, const char *message)
{
}

/* Watches the connection's socket for what, replacing the previous watch. */
static void
db_watch(DbConn *dc, short what)
{
	evutil_socket_t fd = PQsocket(dc->pg);

	if (dc->io != NULL && dc->io_fd == fd && dc->io_what == what)
		return;
	if (dc->io != NULL) {
		event_free(dc->io);
		dc->io = NULL;
	}
	if (fd < 0)
		return;
	dc->io = event_new(dc->pool->base, fd, what | EV_PERSIST, on_io, dc);
	dc->io_fd = fd;
	dc->io_what = what;
	if (dc->io != NULL)
		event_add(dc->io, NULL);
}

static void
retry_in(DbConn *dc, int ms)
{
	struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
	evtimer_add(dc->retry, &tv);
}

/*
 * Drops the connection and schedules a reconnect after the current backoff
 * with +-50% jitter, so N connections (and N daemons) do not reconnect in
 * step. A running job fails with OUTCOME_UNKNOWN: it may or may not have
 * committed, which is what idempotency keys are for.
 */
static void
db_drop(DbConn *dc, const char *why)
{
	bool was_up = dc->state == DB_ST_IDLE || dc->state == DB_ST_BUSY;
	DbJob *job = dc->job;

	dc->job = NULL;
	if (dc->io != NULL) {
		event_free(dc->io);
		dc->io = NULL;
	}
	if (dc->pg != NULL) {
		PQfinish(dc->pg);
		dc->pg = NULL;
	}
	dc->state = DB_ST_DOWN;
	dc->stale = false;
	prepared_forget(dc);
	int jitter = dc->backoff_ms / 2 + (int)(random() % (dc->backoff_ms + 1));
	retry_in(dc, jitter);
	dc->backoff_ms = dc->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : dc->backoff_ms * 2;
	log_debug("db_conn_down", "index=%d reason=\"%s\"", dc->index, why);
	pool_conn_job_over(dc->pool, dc);
	if (job != NULL)
		db_job_fail(job, TRIAD__V1__CODE__CODE_OUTCOME_UNKNOWN, outcome_unknown);
	batch_fail(dc);
	pool_conn_down(dc->pool, dc, was_up, why);
}

/* libpq messages end in a newline; logs want one line. */
static const char *
pq_error(PGconn *pg)
{
	static char buf[256];
	snprintf(buf, sizeof buf, "%s", pg != NULL ? PQerrorMessage(pg) : "out of memory");
	for (char *p = buf; *p; p++) {
		if (*p == '\n' || *p == '"')
			*p = ' ';
	}
	return buf;
}

static void
on_retry(evutil_socket_t fd, short what, void *arg)
{
	DbConn *dc = arg;

	if (dc->state == DB_ST_CONNECTING) {
		db_drop(dc, "connect timed out");
		return;
	}
	if (dc->state == DB_ST_DOWN)
		db_connect(dc);
}

static void
db_connect(DbConn *dc)
{
	dc->pg = pool_connect_start(dc->pool);
	if (dc->pg == NULL || PQstatus(dc->pg) == CONNECTION_BAD) {
		db_drop(dc, pq_error(dc->pg));
		return;
	}
	dc->state = DB_ST_CONNECTING;
	/* libpq does not enforce connect_timeout for asynchronous connects. */
	retry_in(dc, dc->pool->cfg->db_timeout_ms);
	db_watch(dc, EV_WRITE);
}

static void
connect_poll(DbConn *dc)
{
	/* libpq may close its socket and open another with the same number
	 * (the next host, an SSL retry): a watch kept by number would then be
	 * on a descriptor the kernel no longer knows. Watch afresh each time. */
	if (dc->io != NULL) {
		event_free(dc->io);
		dc->io = NULL;
	}
	switch (PQconnectPoll(dc->pg)) {
	case PGRES_POLLING_READING:
		db_watch(dc, EV_READ);
		return;
	case PGRES_POLLING_WRITING:
		db_watch(dc, EV_WRITE);
		return;
	case PGRES_POLLING_OK:
		if (PQsetnonblocking(dc->pg, 1) != 0 || PQenterPipelineMode(dc->pg) != 1) {
			db_drop(dc, pq_error(dc->pg));
			return;
		}
		evtimer_del(dc->retry);
		/* NOTICEs would be written to stderr synchronously; drop them. */
		PQsetNoticeProcessor(dc->pg, notice_ignore, NULL);
		dc->state = DB_ST_IDLE;
		dc->backoff_ms = BACKOFF_MIN_MS;
		db_watch(dc, EV_READ);
		log_debug("db_conn_up", "index=%d host=%s port=%s", dc->index, PQhost(dc->pg),
			  PQport(dc->pg));
		pool_conn_up(dc->pool, dc);
		return;
	default:
		db_drop(dc, pq_error(dc->pg));
		return;
	}
}

/* Sends what libpq has buffered; keeps watching WRITE until it is all out. */
static bool
db_flush(DbConn *dc)
{
	int rc = PQflush(dc->pg);
	if (rc < 0)
		return false;
	db_watch(dc, rc == 1 ? EV_READ | EV_WRITE : EV_READ);
	return true;
}

/*
 * Sends job's commands, without the sync. In a batch (batched), its setting
 * of the event route also clears what a job before it may have set.
 */
static bool
job_send(DbConn *dc, DbJob *job, bool batched)
{
	bool route = batched || job->event_route != NULL;
	/* Statements before the job's own report no results: BEGIN and the
	 * claim of a held job, triad_begin(), and the event route's setting. */
	job->nresults = -(job_scoped(job) ? 1 : 0) - (job->hold ? 2 : 0) - (route ? 1 : 0);
	job->stmt_seen = false;

	cmds_reset(job);
	bool ok = true;
	if (job->hold)
		ok = send_stmt(dc, job, "BEGIN", 0, NULL);
	if (ok && job_scoped(job) && job->begin_fast) {
		const char *p[5] = {job->institution, job->principal_id, job->person_id, job->staff,
				    job->organisation_id};
		ok = send_stmt(dc, job, begin_fast_sql, 5, p);
	} else if (ok && job_scoped(job)) {
		const char *p[7] = {job->institution, job->token_id, job->principal_id, job->grants,
				    job->person_id, job->staff, job->organisation_id};
		ok = send_stmt(dc, job, begin_sql, 7, p);
	}
	if (ok && route) {
		const char *p[1] = {job->event_route};
		ok = send_stmt(dc, job, batched ? batch_scope_sql : event_route_sql, 1, p);
	}
	if (ok && job->hold)
		ok = send_stmt(dc, job, claim_sql, 4, (const char *const *)job->claim);
	for (int i = 0; ok && i < job->nstmts; i++) {
		const DbStmt *st = &job->stmts[i];
		ok = send_stmt(dc, job, st->sql, st->nparams, (const char *const *)st->params);
	}
	return ok;
}

void
db_conn_run(DbConn *dc, DbJob *job)
{
	dc->state = DB_ST_BUSY;
	dc->job = job;
	dc->reading = job;
	dc->job_started_us = now_us();
	bool ok = job_send(dc, job, false) && PQpipelineSync(dc->pg) == 1;
	if (!ok || !db_flush(dc))
		db_drop(dc, pq_error(dc->pg));
}

bool
db_job_batchable(const DbJob *job)
{
	return job->writes && !job->hold && job->phase == JOB_RUN && job->nstmts > 0;
}

void
db_conn_run_batch(DbConn *dc, DbJob *job, DbJob *rest)
{
	if (rest == NULL) {
		db_conn_run(dc, job);
		return;
	}
	assert(db_job_batchable(job));
	dc->state = DB_ST_BUSY;
	dc->job = job;
	dc->batch = rest;
	dc->batch_sent = true;
	dc->reading = job;
	dc->job_started_us = now_us();
	bool ok = job_send(dc, job, true);
	for (DbJob *j = rest; ok && j != NULL; j = j->next) {
		assert(db_job_batchable(j));
		ok = job_send(dc, j, true);
	}
	if (ok)
		ok = PQpipelineSync(dc->pg) == 1;
	if (!ok || !db_flush(dc))
		db_drop(dc, pq_error(dc->pg));
}

/* Forgets what a run of job left, for running it again. */
static void
job_reset(DbJob *job)
{
	for (int i = 0; i < job->nstmts; i++) {
		PQclear(job->results[i]);
		job->results[i] = NULL;
	}
	free(job->error);
	free(job->error_field);
	free(job->error_detail);
	free(job->error_constraint);
	free(job->error_table);
	job->error = job->error_field = job->error_detail = NULL;
	job->error_constraint = job->error_table = NULL;
	job->sqlstate[0] = '\0';
	job->failed_stmt = -1;
	job->nresults = 0;
	cmds_reset(job);
}

/* The jobs of dc's batch, when the connection goes: those in flight with
 * its job may have been committed; those that were to run alone did not
 * run (their batch's transaction was rolled back). */
static void
batch_fail(DbConn *dc)
{
	DbJob *j = dc->batch;
	bool sent = dc->batch_sent;

	dc->batch = NULL;
	dc->batch_sent = false;
	while (j != NULL) {
		DbJob *next = j->next;
		j->next = NULL;
		pool_job_over(dc->pool, j);
		if (sent)
			db_job_fail(j, TRIAD__V1__CODE__CODE_OUTCOME_UNKNOWN, outcome_unknown);
		else
			db_job_fail(j, TRIAD__V1__CODE__CODE_UNAVAILABLE, going_down_msg);
		j = next;
	}
}

/* Records one result of the running job. Takes ownership of r. */
static void
job_take_result(DbJob *job, PGresult *r)
{
	int i = job->nresults;   /* -1 is triad_begin() */

	job->stmt_seen = true;
	if (job->phase == JOB_SETTLE) {
		ExecStatusType st = PQresultStatus(r);
		if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK && job->settle_state[0] == '\0') {
			const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
			snprintf(job->settle_state, sizeof job->settle_state, "%s",
				 state != NULL ? state : "XX000");
		}
		PQclear(r);
		return;
	}
	switch (PQresultStatus(r)) {
	case PGRES_TUPLES_OK:
	case PGRES_COMMAND_OK:
		if (job->phase == JOB_RUN && i >= 0 && i < job->nstmts && job->results[i] == NULL) {
			job->results[i] = r;
			return;
		}
		break;
	case PGRES_PIPELINE_ABORTED:
		break;
	default:
		if (job->error == NULL) {
			const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
			const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
			snprintf(job->sqlstate, sizeof job->sqlstate, "%s", state ? state : "XX000");
			metrics_db_error(job->sqlstate);
			const char *column = PQresultErrorField(r, PG_DIAG_COLUMN_NAME);
			const char *detail = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);
			job->error = strdup(msg != NULL ? msg : "database error");
			job->error_field = column != NULL ? strdup(column) : NULL;
			job->error_detail = detail != NULL ? strdup(detail) : NULL;
			const char *cons = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
			const char *table = PQresultErrorField(r, PG_DIAG_TABLE_NAME);
			job->error_constraint = cons != NULL ? strdup(cons) : NULL;
			job->error_table = table != NULL ? strdup(table) : NULL;
			job->failed_stmt = i;
		}
		break;
	}
	PQclear(r);
}

/* The connection is free again: hand it the next job, or drop it when a
 * transaction was left open on it. */
static void
conn_release(DbConn *dc)
{
	if (dc->stale) {
		db_drop(dc, "the server refuses writes");
		return;
	}
	if (PQstatus(dc->pg) == CONNECTION_BAD) {
		db_drop(dc, pq_error(dc->pg));
		return;
	}
	/* A statement must never leave a transaction open on a shared connection. */
	PGTransactionStatusType ts = PQtransactionStatus(dc->pg);
	if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR || ts == PQTRANS_UNKNOWN) {
		db_drop(dc, "transaction left open");
		return;
	}
	if (dc->batch != NULL) {
		/* The rest of a batch that failed, one at a time. */
		DbJob *next = dc->batch;
		dc->batch = next->next;
		next->next = NULL;
		job_reset(next);
		db_conn_run(dc, next);
		return;
	}
	dc->state = DB_ST_IDLE;
	pool_conn_idle(dc->pool, dc);
}

/* Fills out from the job's first error. */
static void
outcome_error(const DbJob *job, DbOutcome *out)
{
	out->code = code_for_sqlstate(job->sqlstate);
	out->message = job->error;
	out->failed_stmt = job->failed_stmt;
	out->field = job->error_field;
	out->detail = job->error_detail;
	out->constraint = job->error_constraint;
	out->table = job->error_table;
	memcpy(out->sqlstate, job->sqlstate, sizeof out->sqlstate);
	if (out->code == TRIAD__V1__CODE__CODE_INTERNAL)
		log_error("db_error", "conn_slot=%" PRIu32 " id=%" PRIu64 " sqlstate=%s stmt=%d "
			  "message=\"%s\"", job->conn_slot, job->request_id, job->sqlstate,
			  job->failed_stmt, job->error);
}

/*
 * The failures of a job that a failover causes, as a client should read
 * them. A write refused as read-only (25006) was not done, and the server
 * is no longer the primary: this connection and the others on it go. A
 * server going down while a statement ran aborted the transaction (not
 * done); after the last statement of an unheld job, at its implicit
 * commit, the outcome is unknown. SQLSTATEs stay for the log; an unknown
 * outcome has none, as one from a lost connection.
 */
static void
job_error_refine(DbConn *dc, const DbJob *job, DbOutcome *out)
{
	if (strcmp(job->sqlstate, "25006") == 0) {
		out->code = TRIAD__V1__CODE__CODE_UNAVAILABLE;
		out->message = read_only_msg;
		out->field = NULL;
		dc->stale = true;
		pool_read_only(dc->pool, dc);
	} else if (sqlstate_going_down(job->sqlstate)) {
		bool at_commit = !job->hold && job->failed_stmt >= job->nstmts;
		out->code = at_commit ? TRIAD__V1__CODE__CODE_OUTCOME_UNKNOWN
				      : TRIAD__V1__CODE__CODE_UNAVAILABLE;
		out->message = at_commit ? outcome_unknown : going_down_msg;
		out->field = NULL;
		if (at_commit)
			out->sqlstate[0] = '\0';
	} else if (strcmp(job->sqlstate, "0A000") == 0 && job->error != NULL &&
		   strstr(job->error, "cached plan") != NULL) {
		/* A prepared statement no longer fits the schema: PostgreSQL
		 * refused it before it ran, and the transaction is void. A
		 * new connection prepares every statement afresh. */
		out->code = TRIAD__V1__CODE__CODE_UNAVAILABLE;
		out->message = replanned_msg;
		out->field = NULL;
		dc->stale = true;
	}
}

/*
 * Phase two of a held job: the commit (with its last statement) or the
 * rollback. The job stays on the connection until its sync arrives.
 */
static void
job_end_transaction(DbConn *dc, DbJob *job, bool commit)
{
	bool ok = true;
	job->phase = commit ? JOB_COMMIT : JOB_ROLLBACK;
	cmds_reset(job);
	if (commit)
		ok = send_stmt(dc, job, job->finish.sql, job->finish.nparams,
			       (const char *const *)job->finish.params);
	if (ok)
		ok = send_stmt(dc, job, commit ? "COMMIT" : "ROLLBACK", 0, NULL);
	if (ok)
		ok = PQpipelineSync(dc->pg) == 1;
	if (!ok || !db_flush(dc))
		db_drop(dc, pq_error(dc->pg));
}

/*
 * A held job found its key's first answer (TRIDP). That answer's commit
 * may be durable here only: written before a crash of this server and not
 * yet on the synchronous standby that a failover would promote. Answering
 * from it now could acknowledge a write that the failover then loses. So
 * the transaction is rolled back and a write of no consequence is
 * committed (settle_sql) before the done callback hears of the repeat; its
 * commit waits for the standby like any other.
 */
static void
job_settle(DbConn *dc, DbJob *job)
{
	job->phase = JOB_SETTLE;
	cmds_reset(job);
	bool ok = send_stmt(dc, job, "ROLLBACK", 0, NULL) && PQpipelineSync(dc->pg) == 1 &&
		  send_stmt(dc, job, settle_sql, 0, NULL) && PQpipelineSync(dc->pg) == 1;
	job->settle_syncs = 2;
	if (!ok || !db_flush(dc))
		db_drop(dc, pq_error(dc->pg));
}

/* The sync of a held job's commit or rollback arrived. */
static void
job_finish_transaction(DbConn *dc)
{
	DbJob *job = dc->job;
	DbOutcome out = {.failed_stmt = -1};

	dc->job = NULL;
	if (job->phase == JOB_SETTLE) {
		if (job->settle_state[0] == '\0') {
			outcome_error(job, &out);
		} else {
			out.code = TRIAD__V1__CODE__CODE_UNAVAILABLE;
			out.message = unconfirmed_msg;
			if (strcmp(job->settle_state, "25006") == 0) {
				dc->stale = true;
				pool_read_only(dc->pool, dc);
			}
		}
		pool_conn_job_over(dc->pool, dc);
		job->done(job->arg, &out);
	} else if (job->phase == JOB_COMMIT) {
		if (job->error != NULL && sqlstate_going_down(job->sqlstate)) {
			/* The server went away around the COMMIT: it may have been
			 * done (a commit waiting for a synchronous standby is
			 * already durable here when a shutdown cuts the wait). */
			out.code = TRIAD__V1__CODE__CODE_OUTCOME_UNKNOWN;
			out.message = outcome_unknown;
		} else if (job->error != NULL)
			outcome_error(job, &out);
		else if (PQtransactionStatus(dc->pg) != PQTRANS_IDLE) {
			out.code = TRIAD__V1__CODE__CODE_INTERNAL;
			out.message = "the commit left a transaction open";
		} else
			out.code = TRIAD__V1__CODE__CODE_OK;
		job->committed(job->committed_arg, &out);
	}
	db_job_free(job);
	conn_release(dc);
}

/* Fills out from a job whose statements all succeeded: its results. */
static void
outcome_results(DbJob *job, DbOutcome *out)
{
	if (job->nresults != job->nstmts) {
		out->code = TRIAD__V1__CODE__CODE_INTERNAL;
		out->message = "the database returned an unexpected number of results";
		log_error("bug", "what=result_count got=%d want=%d", job->nresults, job->nstmts);
		return;
	}
	out->code = TRIAD__V1__CODE__CODE_OK;
	out->results = job->results;
	out->nresults = job->nstmts;
	out->job = job;
}

/* A failure of the database server rather than of one request: it ends a
 * batch for all its jobs alike (job_error_refine()). */
static bool
failover_error(const DbJob *job)
{
	return strcmp(job->sqlstate, "25006") == 0 || sqlstate_going_down(job->sqlstate) ||
	       (strcmp(job->sqlstate, "0A000") == 0 && job->error != NULL &&
		strstr(job->error, "cached plan") != NULL);
}

/*
 * The sync of a batch arrived. All committed: each job hears of its own
 * results. One failed: the transaction is void; when the server failed,
 * every job hears so, else they run again alone (conn_release()), so that
 * each gets its own answer, unaffected by the others.
 */
static void
batch_finish(DbConn *dc)
{
	DbJob *first = dc->job;
	DbJob *failed = NULL;

	dc->batch_sent = false;
	dc->reading = first;
	for (DbJob *j = first; j != NULL && failed == NULL; j = j == first ? dc->batch : j->next)
		if (j->error != NULL)
			failed = j;
	PGTransactionStatusType ts = PQtransactionStatus(dc->pg);
	if (failed != NULL && !failover_error(failed) && ts == PQTRANS_IDLE) {
		dc->job = NULL;
		DbJob *alone = first;
		alone->next = dc->batch;
		dc->batch = alone;
		pool_batch_failed(dc->pool);
		conn_release(dc);
		return;
	}
	DbOutcome failure = {.failed_stmt = -1};
	if (failed != NULL) {
		outcome_error(failed, &failure);
		job_error_refine(dc, failed, &failure);
		/* At the commit only when after the last job's statements. */
		bool last = failed->next == NULL && (failed != first || dc->batch == NULL);
		if (sqlstate_going_down(failed->sqlstate) && !(last && failed->failed_stmt >= failed->nstmts)) {
			failure.code = TRIAD__V1__CODE__CODE_UNAVAILABLE;
			failure.message = going_down_msg;
			failure.sqlstate[0] = '\0';
		}
		failure.field = NULL;
		failure.failed_stmt = -1;
		failure.detail = failure.constraint = failure.table = NULL;
	} else if (ts != PQTRANS_IDLE) {
		failure.code = TRIAD__V1__CODE__CODE_INTERNAL;
		failure.message = "the request left a transaction open and was rolled back";
		log_error("bug", "what=transaction_left_open batch=1");
	}
	DbJob *j = first;
	first->next = dc->batch;
	dc->batch = NULL;
	dc->job = NULL;
	pool_conn_job_over(dc->pool, dc);
	while (j != NULL) {
		DbJob *next = j->next;
		j->next = NULL;
		pool_job_over(dc->pool, j);
		DbOutcome out = failure;
		if (failed == NULL && ts == PQTRANS_IDLE)
			outcome_results(j, &out);
		j->done(j->arg, &out);
		db_job_free(j);
		j = next;
	}
	conn_release(dc);
}

/* The sync arrived: the job's statements are done. Report, then go idle
 * (or, for a held job, end its transaction). */
static void
job_finish(DbConn *dc)
{
	DbJob *job = dc->job;
	DbOutcome out = {.failed_stmt = -1};

	if (job->phase != JOB_RUN) {
		job_finish_transaction(dc);
		return;
	}
	if (dc->batch_sent) {
		batch_finish(dc);
		return;
	}
	PGTransactionStatusType ts = PQtransactionStatus(dc->pg);
	bool open = ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR;
	if (job->error != NULL && job->hold && open && strcmp(job->sqlstate, "TRIDP") == 0) {
		job_settle(dc, job);
		return;
	}
	if (job->error != NULL) {
		outcome_error(job, &out);
		job_error_refine(dc, job, &out);
	} else if (open != job->hold) {
		/* A statement opened or ended a transaction of its own: it is
		 * rolled back when the connection is dropped below. */
		out.code = TRIAD__V1__CODE__CODE_INTERNAL;
		out.message = "the request left a transaction open and was rolled back";
		log_error("bug", "what=transaction_left_open");
	} else {
		outcome_results(job, &out);
	}
	pool_conn_job_over(dc->pool, dc);
	pool_job_over(dc->pool, job);
	if (!job->hold) {
		/* Still BUSY while the callback runs, so the pool gives it nothing. */
		dc->job = NULL;
		job->done(job->arg, &out);
		db_job_free(job);
		conn_release(dc);
		return;
	}
	/* The job stays on the connection through its commit or rollback. */
	job->done(job->arg, &out);
	bool commit = out.code == TRIAD__V1__CODE__CODE_OK && job->committed != NULL && open;
	if (commit && job->error == NULL) {
		job_end_transaction(dc, job, true);
		return;
	}
	job->committed = NULL;
	if (open)
		job_end_transaction(dc, job, false);
	else {
		dc->job = NULL;
		db_job_free(job);
		conn_release(dc);
	}
}

/*
 * The result of preparing a statement. One that did not prepare (its
 * pipeline was aborted by an earlier error, or it failed itself) is
 * prepared again next time; its own failure fails the job.
 */
static void
prepare_result(DbConn *dc, DbJob *job, PGresult *r)
{
	ExecStatusType st = PQresultStatus(r);

	if (st == PGRES_COMMAND_OK) {
		job->stmt_seen = true;
		PQclear(r);
		return;
	}
	prepared_mark(dc, job->cmd_prep[job->cmd], false);
	if (st == PGRES_PIPELINE_ABORTED) {
		job->stmt_seen = true;
		PQclear(r);
		return;
	}
	job_take_result(job, r);
}

/*
 * Reads what has arrived and hands out results until libpq needs more
 * input or the job's sync point is reached.
 */
static void
busy_read(DbConn *dc)
{
	DbJob *job = dc->reading;
	int nulls = 0;

	while (!PQisBusy(dc->pg)) {
		PGresult *r = PQgetResult(dc->pg);
		if (r == NULL) {
			/* End of one command's results. */
			if (job->stmt_seen) {
				if (job->cmd >= job->ncmds || job->cmd_prep[job->cmd] < 0)
					job->nresults++;
				job->cmd++;
				job->stmt_seen = false;
				/* In a batch, the next job's results follow. */
				if (dc->batch_sent && job->cmd >= job->ncmds) {
					DbJob *next = job == dc->job ? dc->batch : job->next;
					if (next != NULL)
						dc->reading = job = next;
				}
			}
			if (++nulls > 1)
				return;
			continue;
		}
		nulls = 0;
		if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
			PQclear(r);
			/* A settling job's ROLLBACK: its commit comes next. */
			if (job->phase == JOB_SETTLE && --job->settle_syncs > 0)
				continue;
			job_finish(dc);
			return;
		}
		if (job->cmd < job->ncmds && job->cmd_prep[job->cmd] >= 0) {
			prepare_result(dc, job, r);
			continue;
		}
		job_take_result(job, r);
	}
}

static void
on_io(evutil_socket_t fd, short what, void *arg)
{
	DbConn *dc = arg;

	switch (dc->state) {
	case DB_ST_CONNECTING:
		connect_poll(dc);
		return;
	case DB_ST_IDLE:
		/* Nothing is expected: this is the server closing on us. */
		if (!PQconsumeInput(dc->pg) || PQstatus(dc->pg) == CONNECTION_BAD) {
			db_drop(dc, pq_error(dc->pg));
			return;
		}
		for (PGnotify *n; (n = PQnotifies(dc->pg)) != NULL;)
			PQfreemem(n);
		return;
	case DB_ST_BUSY:
		if ((what & EV_WRITE) && !db_flush(dc)) {
			db_drop(dc, pq_error(dc->pg));
			return;
		}
		if (what & EV_READ) {
			if (!PQconsumeInput(dc->pg)) {
				db_drop(dc, pq_error(dc->pg));
				return;
			}
			busy_read(dc);
		}
		return;
	case DB_ST_DOWN:
		return;
	}
}

bool
db_conn_init(DbConn *dc, Pool *pool, int index)
{
	memset(dc, 0, sizeof *dc);
	dc->pool = pool;
	dc->index = index;
	dc->io_fd = -1;
	dc->backoff_ms = BACKOFF_MIN_MS;
	dc->retry = evtimer_new(pool->base, on_retry, dc);
	if (dc->retry == NULL)
		return false;
	db_connect(dc);
	return true;
}

void
db_conn_fini(DbConn *dc)
{
	DbJob *job = dc->job;

	dc->job = NULL;
	if (job != NULL)
		db_job_fail(job, TRIAD__V1__CODE__CODE_OUTCOME_UNKNOWN, outcome_unknown);
	batch_fail(dc);
	if (dc->io != NULL)
		event_free(dc->io);
	if (dc->retry != NULL)
		event_free(dc->retry);
	PQfinish(dc->pg);
	prepared_forget(dc);
	memset(dc, 0, sizeof *dc);
}

void
db_conn_stale(DbConn *dc, const char *why)
{
	if (dc->state == DB_ST_IDLE)
		db_drop(dc, why);
	else if (dc->state == DB_ST_BUSY)
		dc->stale = true;
}

void
db_conn_hurry(DbConn *dc)
{
	if (dc->state != DB_ST_DOWN)
		return;
	dc->backoff_ms = BACKOFF_MIN_MS;
	evtimer_del(dc->retry);
	retry_in(dc, 0);
}

uint64_t
db_conn_deadline(const DbConn *dc)
{
	uint64_t d = dc->job->deadline_us;
	for (const DbJob *j = dc->batch_sent ? dc->batch : NULL; j != NULL; j = j->next)
		if (j->deadline_us < d)
			d = j->deadline_us;
	return d;
}

void
db_conn_abandon(DbConn *dc, const char *why)
{
	DbJob *job = dc->job;

	dc->job = NULL;
	pool_conn_job_over(dc->pool, dc);
	if (job != NULL)
		db_job_fail(job, TRIAD__V1__CODE__CODE_OUTCOME_UNKNOWN, outcome_unknown);
	dc->backoff_ms = BACKOFF_MIN_MS;
	db_drop(dc, why);
}

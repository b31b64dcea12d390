/*
 * migrate.c: applying and checking the schema version.
 */
#include "migrate.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

/* Arbitrary but fixed: the key of the advisory lock migrators share. */
#define MIGRATE_LOCK_KEY "7411001"

static void
set_err(char err[512], const char *what, PGconn *pg, const PGresult *r)
{
	const char *msg = r != NULL ? PQresultErrorMessage(r) : PQerrorMessage(pg);
	snprintf(err, 512, "%s: %s", what, msg);
	size_t n = strlen(err);
	while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == ' '))
		err[--n] = '\0';
}

/* Runs sql; true when it succeeded. On failure fills err. */
static bool
exec_ok(PGconn *pg, const char *sql, const char *what, char err[512])
{
	PGresult *r = PQexec(pg, sql);
	ExecStatusType st = PQresultStatus(r);
	bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
	if (!ok)
		set_err(err, what, pg, r);
	PQclear(r);
	return ok;
}

static void
notice_ignore(void *arg, const char *message)
{
}

static PGconn *
connect_db(const char *conninfo, char err[512])
{
	PGconn *pg = PQconnectdb(conninfo);
	if (PQstatus(pg) != CONNECTION_OK) {
		set_err(err, "cannot connect to the database", pg, NULL);
		PQfinish(pg);
		return NULL;
	}
	/* Keep the server's chatter (NOTICEs) out of the operator's terminal. */
	PQsetNoticeProcessor(pg, notice_ignore, NULL);
	return pg;
}

/* Highest applied version, or -1 with err set. 0 when the table is absent. */
static int
applied_version(PGconn *pg, char err[512])
{
	PGresult *r = PQexec(pg,
		"SELECT coalesce(max(version), 0) FROM triad_schema_migrations");
	int v = -1;
	if (PQresultStatus(r) == PGRES_TUPLES_OK) {
		v = atoi(PQgetvalue(r, 0, 0));
	} else {
		const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		if (state != NULL && strcmp(state, "42P01") == 0)
			v = 0;
		else
			set_err(err, "cannot read the schema version", pg, r);
	}
	PQclear(r);
	return v;
}

static bool
apply_one(PGconn *pg, const Migration *m, char err[512])
{
	char what[160];
	snprintf(what, sizeof what, "migration %s failed", m->name);

	if (!exec_ok(pg, "BEGIN", what, err))
		return false;
	if (!exec_ok(pg, m->sql, what, err)) {
		PQclear(PQexec(pg, "ROLLBACK"));
		return false;
	}
	char version[16];
	snprintf(version, sizeof version, "%d", m->version);
	const char *params[2] = {version, m->name};
	PGresult *r = PQexecParams(pg,
		"INSERT INTO triad_schema_migrations (version, name) VALUES ($1, $2)",
		2, NULL, params, NULL, NULL, 0);
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		set_err(err, what, pg, r);
	PQclear(r);
	if (!ok) {
		PQclear(PQexec(pg, "ROLLBACK"));
		return false;
	}
	return exec_ok(pg, "COMMIT", what, err);
}

/*
 * Re-creates the functions and views: every file of schema_code in order,
 * in one transaction, so that a daemon running meanwhile sees either the
 * old code or the new, and a failure leaves the old in place. The first
 * file drops what the others create (sql/functions/reset.sql).
 */
static bool
apply_code(PGconn *pg, char err[512])
{
	if (!exec_ok(pg, "BEGIN", "cannot re-create the functions", err))
		return false;
	for (int i = 0; i < schema_code_count; i++) {
		char what[160];
		snprintf(what, sizeof what, "%s failed", schema_code[i].name);
		if (!exec_ok(pg, schema_code[i].sql, what, err)) {
			PQclear(PQexec(pg, "ROLLBACK"));
			return false;
		}
	}
	return exec_ok(pg, "COMMIT", "cannot re-create the functions", err);
}

bool
migrate_apply(const char *conninfo, FILE *out, char err[512])
{
	PGconn *pg = connect_db(conninfo, err);
	if (pg == NULL)
		return false;

	bool ok = exec_ok(pg, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")",
			  "cannot take the migration lock", err) &&
		  exec_ok(pg,
			  "CREATE TABLE IF NOT EXISTS triad_schema_migrations ("
			  " version integer PRIMARY KEY,"
			  " name text NOT NULL,"
			  " applied_at timestamptz NOT NULL DEFAULT now())",
			  "cannot create triad_schema_migrations", err);
	int current = ok ? applied_version(pg, err) : -1;
	ok = current >= 0;
	if (ok && current > migrations_count) {
		snprintf(err, 512,
			 "the database schema is at version %d, newer than this triadd "
			 "(version %d); upgrade triadd", current, migrations_count);
		ok = false;
	}
	int applied = 0;
	for (int i = current; ok && i < migrations_count; i++) {
		ok = apply_one(pg, &migrations[i], err);
		if (ok) {
			fprintf(out, "applied %s\n", migrations[i].name);
			applied++;
		}
	}
	if (ok)
		fprintf(out, "schema is at version %d (%d applied now)\n",
			    current + applied, applied);
	if (ok) {
		ok = apply_code(pg, err);
		if (ok)
			fprintf(out, "functions and views re-created from %d files\n",
				schema_code_count);
	}
	PQclear(PQexec(pg, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")"));
	PQfinish(pg);
	return ok;
}

bool
migrate_check(const char *conninfo, char err[512])
{
	PGconn *pg = connect_db(conninfo, err);
	if (pg == NULL)
		return false;
	int v = applied_version(pg, err);
	PQfinish(pg);
	if (v < 0)
		return false;
	if (v < migrations_count) {
		snprintf(err, 512,
			 "the database schema is at version %d but this triadd needs version %d; "
			 "run: triadd migrate", v, migrations_count);
		return false;
	}
	if (v > migrations_count) {
		snprintf(err, 512,
			 "the database schema is at version %d, newer than this triadd "
			 "(version %d); upgrade triadd", v, migrations_count);
		return false;
	}
	return true;
}

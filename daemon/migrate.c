/*
 * migrate.c: applying and checking the schema version.
 */
#include "migrate.h"

#include <libpq-fe.h>
#include <openssl/sha.h>
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
/* SHA-256 of the code this binary carries (names and text, in order), hex. */
static void
code_hash(char out[2 * SHA256_DIGEST_LENGTH + 1])
{
	static const char digits[] = "0123456789abcdef";
	uint8_t digest[SHA256_DIGEST_LENGTH];
	size_t len = 0;
	for (int i = 0; i < schema_code_count; i++)
		len += strlen(schema_code[i].name) + strlen(schema_code[i].sql) + 2;
	char *all = malloc(len + 1), *p = all;
	if (all != NULL) {
		for (int i = 0; i < schema_code_count; i++)
			p += sprintf(p, "%s%c%s%c", schema_code[i].name, 0, schema_code[i].sql, 0);
		SHA256((const uint8_t *)all, len, digest);
		free(all);
	} else {
		memset(digest, 0, sizeof digest);
	}
	for (int i = 0; i < SHA256_DIGEST_LENGTH; i++) {
		out[2 * i] = digits[digest[i] >> 4];
		out[2 * i + 1] = digits[digest[i] & 15];
	}
	out[2 * SHA256_DIGEST_LENGTH] = '\0';
}

/* The hash of the code the database runs now, into out ("" for none);
 * false with err set when it cannot be read. */
static bool
applied_code(PGconn *pg, char out[2 * SHA256_DIGEST_LENGTH + 1], char err[512])
{
	PGresult *r = PQexec(pg, "SELECT hash FROM triad_schema_code");
	bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	out[0] = '\0';
	if (!ok && state != NULL && strcmp(state, "42P01") == 0)
		ok = true;   /* no table: no code recorded yet */
	if (ok && PQntuples(r) == 1)
		snprintf(out, 2 * SHA256_DIGEST_LENGTH + 1, "%s", PQgetvalue(r, 0, 0));
	if (!ok)
		set_err(err, "cannot read the schema's code version", pg, r);
	PQclear(r);
	return ok;
}

/*
 * Re-creates the functions and views in one transaction and records their
 * hash, unless the database runs this very code already and no migration
 * was applied now (a migration may drop a view it changes the table of).
 * Dropping code that sessions are using makes their statements fail for a
 * moment, so an unchanged schema is left alone. *done says which it was.
 */
static bool
apply_code(PGconn *pg, bool migrated, bool *done, char err[512])
{
	char want[2 * SHA256_DIGEST_LENGTH + 1], have[2 * SHA256_DIGEST_LENGTH + 1];

	code_hash(want);
	*done = false;
	if (!applied_code(pg, have, err))
		return false;
	if (!migrated && strcmp(have, want) == 0)
		return true;
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
	const char *params[1] = {want};
	PGresult *r = PQexecParams(pg,
		"INSERT INTO triad_schema_code (id, hash) VALUES (true, $1)"
		" ON CONFLICT (id) DO UPDATE SET hash = excluded.hash, applied_at = now()",
		1, NULL, params, NULL, NULL, 0);
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		set_err(err, "cannot record the schema's code version", pg, r);
	PQclear(r);
	if (!ok || !exec_ok(pg, "GRANT SELECT ON triad_schema_code TO triad_app",
			    "cannot grant triad_schema_code", err)) {
		PQclear(PQexec(pg, "ROLLBACK"));
		return false;
	}
	*done = true;
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
			  "cannot create triad_schema_migrations", err) &&
		  exec_ok(pg,
			  "CREATE TABLE IF NOT EXISTS triad_schema_code ("
			  " id boolean PRIMARY KEY DEFAULT true CHECK (id),"
			  " hash text NOT NULL,"
			  " applied_at timestamptz NOT NULL DEFAULT now())",
			  "cannot create triad_schema_code", err);
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
	bool recreated = false;
	if (ok)
		ok = apply_code(pg, applied > 0, &recreated, err);
	if (ok && recreated)
		fprintf(out, "functions and views re-created from %d files\n", schema_code_count);
	else if (ok)
		fprintf(out, "functions and views are current\n");
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
	char want[2 * SHA256_DIGEST_LENGTH + 1], have[2 * SHA256_DIGEST_LENGTH + 1] = "";
	bool code_read = v >= 0 && applied_code(pg, have, err);
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
	if (!code_read)
		return false;
	code_hash(want);
	if (strcmp(have, want) != 0) {
		snprintf(err, 512,
			 "the database's functions and views are not the ones this triadd was "
			 "built with; run: triadd migrate");
		return false;
	}
	return true;
}

/*
 * bootstrap.c: making the first operator token.
 */
#include "bootstrap.h"

#include <libpq-fe.h>
#include <string.h>

#include "auth.h"

static void
set_err(char err[512], const char *what, PGconn *pg, const PGresult *r)
{
	snprintf(err, 512, "%s: %s", what, r != NULL ? PQresultErrorMessage(r) : PQerrorMessage(pg));
	size_t n = strlen(err);
	while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == ' '))
		err[--n] = '\0';
}

/* Runs one parameterised statement; returns its result or NULL with err set. */
static PGresult *
run(PGconn *pg, const char *sql, int n, const char *const *params, char err[512])
{
	PGresult *r = PQexecParams(pg, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		set_err(err, "bootstrap failed", pg, r);
		PQclear(r);
		return NULL;
	}
	return r;
}

bool
bootstrap_operator(const char *conninfo, bool force, FILE *out, char err[512])
{
	char secret[SECRET_LEN + 1], prefix[SECRET_PREFIX_LEN + 1];
	char hash_text[2 + 2 * SECRET_HASH_LEN + 1];
	uint8_t hash[SECRET_HASH_LEN];
	bool ok = false;
	PGresult *r = NULL;

	if (!secret_new("trd", secret, prefix, hash)) {
		snprintf(err, 512, "the random number generator failed");
		return false;
	}
	secret_hash_to_bytea(hash, hash_text);

	PGconn *pg = PQconnectdb(conninfo);
	if (PQstatus(pg) != CONNECTION_OK) {
		set_err(err, "cannot connect to the database", pg, NULL);
		goto done;
	}
	if ((r = run(pg, "BEGIN", 0, NULL, err)) == NULL)
		goto done;
	PQclear(r);
	/* Two bootstraps at once must not both see "no operator yet". */
	if ((r = run(pg, "LOCK TABLE operator IN EXCLUSIVE MODE", 0, NULL, err)) == NULL)
		goto done;
	PQclear(r);
	if ((r = run(pg, "SELECT principal_id FROM operator ORDER BY created_at LIMIT 1", 0, NULL,
		     err)) == NULL)
		goto done;
	bool exists = PQntuples(r) == 1;
	char principal[UUID_LEN + 1] = "";
	if (exists)
		snprintf(principal, sizeof principal, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	if (exists && !force) {
		snprintf(err, 512,
			 "an operator already exists; its tokens are managed with `triad token`. "
			 "To add a token anyway, run `triadd bootstrap --force` (this is audited)");
		goto done;
	}
	if (!exists) {
		r = run(pg, "WITH p AS (INSERT INTO principal (kind, name)"
			    "           VALUES ('machine', 'operator') RETURNING id)"
			    " INSERT INTO operator (principal_id) SELECT id FROM p RETURNING principal_id",
			0, NULL, err);
		if (r == NULL)
			goto done;
		snprintf(principal, sizeof principal, "%s", PQgetvalue(r, 0, 0));
		PQclear(r);
	}
	const char *params[4] = {principal, prefix, hash_text,
				 exists ? "bootstrap.force" : "bootstrap"};
	r = run(pg, "WITH t AS (INSERT INTO api_token (principal_id, prefix, hash, label)"
		    "           VALUES ($1::uuid, $2, $3::bytea, 'bootstrap') RETURNING id)"
		    " SELECT triad_service_audit($4, 'token', t.id, NULL, $1::uuid) FROM t",
		4, params, err);
	if (r == NULL)
		goto done;
	PQclear(r);
	if ((r = run(pg, "COMMIT", 0, NULL, err)) == NULL)
		goto done;
	PQclear(r);
	fprintf(out, "%s\n", secret);
	ok = true;
done:
	explicit_bzero(secret, sizeof secret);
	PQfinish(pg);
	return ok;
}

/*
 * keys.c: `triadd keys rotate` (see keys.h).
 */
#include "keys.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "vcjwt.h"

static void
set_err(char err[512], const char *what, PGconn *pg, const PGresult *r)
{
	snprintf(err, 512, "%s: %s", what, r != NULL ? PQresultErrorMessage(r) : PQerrorMessage(pg));
	size_t n = strlen(err);
	while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == ' '))
		err[--n] = '\0';
}

static PGresult *
run(PGconn *pg, const char *sql, int n, const char *const *params, char err[512])
{
	PGresult *r = PQexecParams(pg, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		set_err(err, "keys rotate failed", pg, r);
		PQclear(r);
		return NULL;
	}
	return r;
}

bool
keys_rotate(const Config *cfg, const char *institution, FILE *out, char err[512])
{
	uint8_t master[VCJWT_MASTER_LEN];
	char merr[256], base[CONFIG_STR_MAX + 16];
	EVP_PKEY *pkey = NULL;
	char *jwk = NULL, *sealed = NULL;
	bool ok = false;
	PGresult *r = NULL;

	if (cfg->credential_key_file[0] == '\0') {
		snprintf(err, 512, "no credential_key_file is configured: it holds the master key "
			 "that seals signing keys (see triadd(8))");
		return false;
	}
	if (!vcjwt_master_load(cfg->credential_key_file, master, merr)) {
		snprintf(err, 512, "%s", merr);
		return false;
	}
	/* The kid is a URL of the daemons' published keys: it must be the one
	 * they serve, which a port chosen at start (":0") is not. */
	size_t hl = strlen(cfg->http_listen);
	if (cfg->public_url[0] == '\0' &&
	    (hl == 0 || (hl >= 2 && strcmp(cfg->http_listen + hl - 2, ":0") == 0))) {
		snprintf(err, 512, "set public_url: the URL where the daemons' HTTP port is "
			 "reached, which the key's kid is made from");
		OPENSSL_cleanse(master, sizeof master);
		return false;
	}
	if (cfg->public_url[0] != '\0')
		snprintf(base, sizeof base, "%s", cfg->public_url);
	else
		snprintf(base, sizeof base, "http://%s", cfg->http_listen);

	PGconn *pg = PQconnectdb(cfg->db);
	if (PQstatus(pg) != CONNECTION_OK) {
		set_err(err, "cannot connect to the database", pg, NULL);
		goto done;
	}
	const char *inst[1] = {institution};
	const char *basep[1] = {base};
	if ((r = run(pg, "BEGIN", 0, NULL, err)) == NULL)
		goto done;
	PQclear(r);
	if ((r = run(pg, "SELECT triad_begin($1, NULL, NULL, NULL, NULL, true, NULL)", 1, inst,
		     err)) == NULL)
		goto done;
	PQclear(r);
	if ((r = run(pg, "SELECT id, kid FROM triad_credential_key_next($1)", 1, basep,
		     err)) == NULL)
		goto done;
	char id[64], kid[CONFIG_STR_MAX + 128];
	snprintf(id, sizeof id, "%s", PQgetvalue(r, 0, 0));
	snprintf(kid, sizeof kid, "%s", PQgetvalue(r, 0, 1));
	PQclear(r);
	if (!vcjwt_key_new(cfg->credential_key_alg, kid, master, &pkey, &jwk, &sealed)) {
		snprintf(err, 512, "could not make a %s key", cfg->credential_key_alg);
		r = NULL;
		goto done;
	}
	const char *params[5] = {id, kid, cfg->credential_key_alg, jwk, sealed};
	if ((r = run(pg, "SELECT kid, alg FROM triad_credential_key_add($1::uuid, $2, $3, $4, $5,"
		     " true, NULL)", 5, params, err)) == NULL)
		goto done;
	PQclear(r);
	if ((r = run(pg, "COMMIT", 0, NULL, err)) == NULL)
		goto done;
	PQclear(r);
	r = NULL;
	fprintf(out, "%s\n", kid);
	ok = true;
done:
	PQclear(r);
	PQfinish(pg);
	EVP_PKEY_free(pkey);
	free(jwk);
	if (sealed != NULL)
		OPENSSL_cleanse(sealed, strlen(sealed));
	free(sealed);
	OPENSSL_cleanse(master, sizeof master);
	return ok;
}

/*
 * svc_credentials.c: grants, API tokens and invites: who may do what, and
 * how they prove who they are.
 *
 * Secrets (tokens, invite codes) are made here, returned once, and stored
 * only as hashes; an invite's code also rides in its mail, in the
 * notification outbox, until the mail is sent (sql/functions/notify.sql).
 * Every change writes its audit row in the same statement. The person of a
 * grant or an invite may be named by e-mail address, its organisation by
 * name or registry number (sqlroute_keys()).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pool.h"
#include "sqlroute.h"
#include "svc_util.h"

#define LABEL_MAX 100
#define MACHINE_NAME_MAX 200
#define TOKEN_DAYS_MAX 3650
#define INVITE_DAYS_DEFAULT 14
#define INVITE_DAYS_MAX 90

/*
 * Checks role, title and organisation of a grant or invite to be: a real
 * tenant role (not operator), a title exactly for programme staff, an
 * organisation required for employer contacts, allowed for partner
 * integrations and refused elsewhere (an id or a key: looked up after).
 * prefix is the request field's path.
 */
static bool
check_role(Call *call, const char *prefix, Triad__V1__Role role, Triad__V1__StaffTitle title,
	   const char *org, const char **role_sql, const char **title_sql)
{
	char field[64];

	*role_sql = role_to_sql(role);
	*title_sql = title_to_sql(title);
	if (*role_sql == NULL || role == TRIAD__V1__ROLE__ROLE_OPERATOR) {
		snprintf(field, sizeof field, "%s.role", prefix);
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, field,
			  role == TRIAD__V1__ROLE__ROLE_OPERATOR
				  ? "operators are made with `triadd bootstrap`, not granted"
				  : "role is required: institution admin, programme staff, participant, "
				    "workplace coach, employer contact or partner integration");
		return false;
	}
	snprintf(field, sizeof field, "%s.title", prefix);
	if (role == TRIAD__V1__ROLE__ROLE_PROGRAMME_STAFF && *title_sql == NULL) {
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, field,
			  "programme staff need a title: dean, programme manager, lecturer, trainer "
			  "or assessor");
		return false;
	}
	if (role != TRIAD__V1__ROLE__ROLE_PROGRAMME_STAFF && title != 0) {
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, field,
			  "only programme staff have a title");
		return false;
	}
	snprintf(field, sizeof field, "%s.organisation_id", prefix);
	if (role == TRIAD__V1__ROLE__ROLE_EMPLOYER_CONTACT && org[0] == '\0') {
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, field,
			  "an employer contact speaks for an organisation: organisation_id is "
			  "required");
		return false;
	}
	if (org[0] != '\0' && role != TRIAD__V1__ROLE__ROLE_EMPLOYER_CONTACT &&
	    role != TRIAD__V1__ROLE__ROLE_PARTNER_INTEGRATION) {
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, field,
			  "only employer contacts and partner integrations are limited to an "
			  "organisation");
		return false;
	}
	return check_text(call, field, org, 0, SQLROUTE_KEY_MAX);
}

/* A grant or an invite to be, while its person and organisation are looked up. */
typedef struct GrantCtx {
	Call *call;
	const char *role, *title;    /* static strings (role_to_sql) */
	char days[16];               /* an invite's days to live */
	char code[SECRET_LEN + 1];   /* an invite's code */
} GrantCtx;

static void
grant_ctx_free(GrantCtx *ctx)
{
	if (ctx != NULL)
		explicit_bzero(ctx->code, sizeof ctx->code);
	free(ctx);
}

/* Maps a foreign-key failure to the organisation that does not exist. */
static bool
failed_with_org(Call *call, const DbOutcome *out, const char *duplicate)
{
	if (out->code == TRIAD__V1__CODE__CODE_FAILED_PRECONDITION &&
	    strcmp(out->sqlstate, "23503") == 0) {
		call_fail(call, TRIAD__V1__CODE__CODE_NOT_FOUND, NULL, "organisation not found");
		return true;
	}
	return call_db_failed(call, out, duplicate);
}

/* ---- Grants ---- */

#define GRANT_COLS \
	"g.id, g.institution_id, g.principal_id, pc.name, g.role, coalesce(g.title, ''), " \
	"coalesce(g.organisation_id::text, ''), triad_us(g.created_at)"

static void
fill_grant(void *msg, const PGresult *r, int row, TimeText *times)
{
	Triad__V1__Grant *m = msg;
	m->id = cell(r, row, 0);
	m->institution_id = cell(r, row, 1);
	m->principal_id = cell(r, row, 2);
	m->principal_name = cell(r, row, 3);
	m->role = role_from_sql(cell(r, row, 4));
	m->title = title_from_sql(cell(r, row, 5));
	m->organisation_id = cell(r, row, 6);
	cell_time(r, row, 7, &m->created_at_us, &m->created_at, times[0]);
}

static void
init_grant(void *msg)
{
	triad__v1__grant__init(msg);
}

static const ListSpec grant_list = {sizeof(Triad__V1__Grant), init_grant, fill_grant, 0, 1};

/* Answers with the one grant in the result, or NOT_FOUND with not_found. */
static void
grant_answer(Call *call, const DbOutcome *out, const char *not_found)
{
	if (failed_with_org(call, out, "this person already has that role here"))
		return;
	const PGresult *r = out->results[0];
	if (PQntuples(r) != 1) {
		call_fail(call, TRIAD__V1__CODE__CODE_NOT_FOUND, NULL, "%s", not_found);
		return;
	}
	Triad__V1__Grant m = TRIAD__V1__GRANT__INIT;
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	TimeText m_times[1];
	fill_grant(&m, r, 0, m_times);
	resp.body_case = TRIAD__V1__RESPONSE__BODY_GRANT;
	resp.grant = &m;
	call_answer(call, &resp);
}

static void
create_grant_done(void *arg, const DbOutcome *out)
{
	grant_answer(arg, out, "person not found in this institution; add them first");
}

static void
revoke_grant_done(void *arg, const DbOutcome *out)
{
	grant_answer(arg, out, "grant not found");
}

/* The person must be the tenant's; their principal is made on first use. */
static const char create_grant_sql[] =
	"WITH pe AS (SELECT p.id, p.name FROM person p JOIN member m ON m.person_id = p.id"
	"             WHERE p.id = $1::uuid),"
	"     ins AS (INSERT INTO principal (kind, person_id, name)"
	"             SELECT 'person', pe.id, pe.name FROM pe"
	"             ON CONFLICT (person_id) DO NOTHING RETURNING id, name),"
	"     pc AS (SELECT id, name FROM ins UNION ALL"
	"            SELECT c.id, c.name FROM principal c JOIN pe ON c.person_id = pe.id LIMIT 1),"
	"     g AS (INSERT INTO role_grant (institution_id, principal_id, role, title,"
	"                                   organisation_id, created_by)"
	"           SELECT triad_tenant(), pc.id, $2, $3, $4::uuid, triad_principal() FROM pc"
	"           RETURNING *),"
	"     a AS (SELECT triad_audit('grant.create', 'grant', g.id, $5::numeric) FROM g)"
	" SELECT " GRANT_COLS " FROM g JOIN pc ON pc.id = g.principal_id"
	"  CROSS JOIN (SELECT count(*) FROM a) AS audited";

/* With the person and the organisation found (ids[0], ids[1]). */
static void
grant_create_found(Call *call, char *const *ids, void *arg)
{
	GrantCtx *ctx = arg;

	if (ids != NULL) {
		DbJob *job = call_job(call, create_grant_done, call);
		const char *params[5] = {ids[0], ctx->role, ctx->title,
					 ids[1][0] != '\0' ? ids[1] : NULL, call_request_id_text(call)};
		if (job != NULL && call_job_add(call, job, create_grant_sql, 5, params))
			pool_submit(call->srv->pool, job);
	}
	grant_ctx_free(ctx);
}

static void
svc_grant_create(Call *call, const Triad__V1__Request *req)
{
	const Triad__V1__CreateGrantRequest *m = req->create_grant;
	const char *role, *title;
	GrantCtx *ctx;

	if (!check_text(call, "create_grant.person_id", m->person_id, 1, SQLROUTE_KEY_MAX) ||
	    !check_role(call, "create_grant", m->role, m->title, m->organisation_id, &role, &title))
		return;
	if ((ctx = calloc(1, sizeof *ctx)) == NULL) {
		list_answer_oom(call);
		return;
	}
	ctx->call = call;
	ctx->role = role;
	ctx->title = title;
	const SqlKey keys[2] = {
		{"create_grant.person_id", "person", m->person_id},
		{"create_grant.organisation_id", "organisation", m->organisation_id},
	};
	sqlroute_keys(call, keys, 2, grant_create_found, ctx);
}

static void
grants_done(void *arg, const DbOutcome *out)
{
	Call *call = arg;
	List l;
	if (call_db_failed(call, out, NULL) ||
	    (!list_build(&grant_list, out->results[0], call->page_limit, &l) &&
	     !list_answer_oom(call)))
		return;
	Triad__V1__ListGrantsReply reply = TRIAD__V1__LIST_GRANTS_REPLY__INIT;
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	reply.grants = (Triad__V1__Grant **)l.items;
	reply.n_grants = l.n;
	reply.next_page_token = l.next_page_token;
	resp.body_case = TRIAD__V1__RESPONSE__BODY_GRANTS;
	resp.grants = &reply;
	call_answer(call, &resp);
	list_free(&l);
}

static void
svc_grant_list(Call *call, const Triad__V1__Request *req)
{
	const Triad__V1__ListGrantsRequest *m = req->list_grants;

	if (!check_id(call, "list_grants.principal_id", m->principal_id, false) ||
	    !check_page_token(call, "list_grants.page_token", m->page_token, false))
		return;
	if (!check_page_size(call, "list_grants.page_size", m->page_size, &call->page_limit))
		return;
	char limit[16];
	snprintf(limit, sizeof limit, "%d", call->page_limit + 1);
	const char *params[3] = {m->principal_id, m->page_token, limit};
	DbJob *job = call_job(call, grants_done, call);
	if (job != NULL && call_job_add(call, job,
			"SELECT " GRANT_COLS " FROM role_grant g JOIN principal pc ON pc.id = g.principal_id"
			" WHERE ($1 = '' OR g.principal_id = $1::uuid)"
			"   AND ($2 = '' OR g.id > $2::uuid) ORDER BY g.id LIMIT $3::int", 3, params))
		pool_submit(call->srv->pool, job);
}

static const char revoke_grant_sql[] =
	"WITH g AS (DELETE FROM role_grant WHERE id = $1::uuid RETURNING *),"
	"     a AS (SELECT triad_audit('grant.revoke', 'grant', g.id, $2::numeric) FROM g)"
	" SELECT " GRANT_COLS " FROM g JOIN principal pc ON pc.id = g.principal_id"
	"  CROSS JOIN (SELECT count(*) FROM a) AS audited";

static void
svc_grant_revoke(Call *call, const Triad__V1__Request *req)
{
	const char *id = req->revoke_grant->id;

	if (!check_id(call, "revoke_grant.id", id, true))
		return;
	DbJob *job = call_job(call, revoke_grant_done, call);
	const char *params[2] = {id, call_request_id_text(call)};
	if (job != NULL && call_job_add(call, job, revoke_grant_sql, 2, params))
		pool_submit(call->srv->pool, job);
}

/* ---- Tokens ---- */

#define TOKEN_COLS \
	"t.id, t.prefix, t.label, t.principal_id, triad_us(t.created_at), " \
	"triad_us(t.expires_at), triad_us(t.last_used_at), triad_us(t.revoked_at)"

static void
fill_token(void *msg, const PGresult *r, int row, TimeText *times)
{
	Triad__V1__Token *m = msg;
	m->id = cell(r, row, 0);
	m->prefix = cell(r, row, 1);
	m->label = cell(r, row, 2);
	m->principal_id = cell(r, row, 3);
	cell_time(r, row, 4, &m->created_at_us, &m->created_at, times[0]);
	cell_time(r, row, 5, &m->expires_at_us, &m->expires_at, times[1]);
	cell_time(r, row, 6, &m->last_used_at_us, &m->last_used_at, times[2]);
	cell_time(r, row, 7, &m->revoked_at_us, &m->revoked_at, times[3]);
}

static void
init_token(void *msg)
{
	triad__v1__token__init(msg);
}

static const ListSpec token_list = {sizeof(Triad__V1__Token), init_token, fill_token, 0, 4};

typedef struct TokenCtx {
	Call *call;
	char secret[SECRET_LEN + 1];
	/* The request's fields, while a machine's organisation is looked up. */
	char label[LABEL_MAX + 1];
	char machine_name[MACHINE_NAME_MAX + 1];
	char days[16];
	char cert_sha256[65];   /* hex, "" for none */
} TokenCtx;

static void
create_token_done(void *arg, const DbOutcome *out)
{
	TokenCtx *ctx = arg;
	Call *call = ctx->call;

	if (!failed_with_org(call, out, NULL)) {
		const PGresult *r = out->results[0];
		Triad__V1__CreateTokenReply reply = TRIAD__V1__CREATE_TOKEN_REPLY__INIT;
		Triad__V1__Token tok = TRIAD__V1__TOKEN__INIT;
		Triad__V1__Principal pr = TRIAD__V1__PRINCIPAL__INIT;
		Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
		TimeText tok_times[4];
		fill_token(&tok, r, 0, tok_times);
		pr.id = cell(r, 0, 3);
		pr.name = cell(r, 0, 8);
		pr.kind = strcmp(cell(r, 0, 9), "machine") == 0
				  ? TRIAD__V1__PRINCIPAL_KIND__PRINCIPAL_KIND_MACHINE
				  : TRIAD__V1__PRINCIPAL_KIND__PRINCIPAL_KIND_PERSON;
		pr.person_id = cell(r, 0, 10);
		reply.token = ctx->secret;
		reply.token_info = &tok;
		reply.principal = &pr;
		resp.body_case = TRIAD__V1__RESPONSE__BODY_CREATE_TOKEN;
		resp.create_token = &reply;
		call_answer(call, &resp);
	}
	explicit_bzero(ctx->secret, sizeof ctx->secret);
	free(ctx);
}

#define TOKEN_EXPIRY "CASE WHEN $4::int > 0 THEN now() + make_interval(days => $4::int) END"

/* A token for the caller. Service-wide: it belongs to no institution. */
static const char create_own_token_sql[] =
	"WITH t AS (INSERT INTO api_token (principal_id, prefix, hash, label, expires_at)"
	"           VALUES (triad_principal(), $1, $2::bytea, $3, " TOKEN_EXPIRY ") RETURNING *),"
	"     a AS (SELECT triad_service_audit('token.create', 'token', t.id, $5::numeric) FROM t)"
	" SELECT " TOKEN_COLS ", pc.name, pc.kind, coalesce(pc.person_id::text, '')"
	"   FROM t JOIN principal pc ON pc.id = t.principal_id"
	"  CROSS JOIN (SELECT count(*) FROM a) AS audited";

/* A partner system of the tenant: its principal, its grant, its token. */
static const char create_machine_sql[] =
	"WITH pc AS (INSERT INTO principal (kind, name, client_cert_sha256)"
	"            VALUES ('machine', $6, decode(nullif($8, ''), 'hex')) RETURNING *),"
	"     g AS (INSERT INTO role_grant (institution_id, principal_id, role, organisation_id,"
	"                                   created_by)"
	"           SELECT triad_tenant(), pc.id, 'partner_integration', $7::uuid,"
	"                  triad_principal() FROM pc RETURNING *),"
	"     t AS (INSERT INTO api_token (principal_id, prefix, hash, label, expires_at)"
	"           SELECT pc.id, $1, $2::bytea, $3, " TOKEN_EXPIRY " FROM pc RETURNING *),"
	"     a AS (SELECT triad_audit('machine.create', 'principal', pc.id, $5::numeric) FROM pc"
	"           UNION ALL"
	"           SELECT triad_audit('grant.create', 'grant', g.id, $5::numeric) FROM g"
	"           UNION ALL"
	"           SELECT triad_audit('token.create', 'token', t.id, $5::numeric) FROM t)"
	" SELECT " TOKEN_COLS ", pc.name, pc.kind, '' FROM t JOIN pc ON pc.id = t.principal_id"
	"  CROSS JOIN (SELECT count(*) FROM a) AS audited";

/* With a machine's organisation found (ids[0]; "" for none). */
static void
token_create_found(Call *call, char *const *ids, void *arg)
{
	TokenCtx *ctx = arg;
	bool machine = ctx->machine_name[0] != '\0';
	char prefix[SECRET_PREFIX_LEN + 1], hash_text[2 + 2 * SECRET_HASH_LEN + 1];
	uint8_t hash[SECRET_HASH_LEN];

	if (ids == NULL) {
		free(ctx);
		return;
	}
	if (!secret_new("trd", ctx->secret, prefix, hash)) {
		free(ctx);
		call_fail(call, TRIAD__V1__CODE__CODE_UNAVAILABLE, NULL,
			  "the server could not make a token; try again");
		return;
	}
	secret_hash_to_bytea(hash, hash_text);
	const char *params[8] = {prefix, hash_text, ctx->label, ctx->days, call_request_id_text(call),
				 ctx->machine_name, ids[0][0] != '\0' ? ids[0] : NULL,
				 ctx->cert_sha256};
	DbJob *job = call_job(call, create_token_done, ctx);
	if (job == NULL) {
		free(ctx);
		return;
	}
	if (!call_job_add(call, job, machine ? create_machine_sql : create_own_token_sql,
			  machine ? 8 : 5, params)) {
		explicit_bzero(ctx->secret, sizeof ctx->secret);
		free(ctx);
		return;
	}
	pool_submit(call->srv->pool, job);
}

/* A SHA-256 fingerprint in hex, colons allowed, into 64 lowercase digits. */
static bool
fingerprint_parse(const char *text, char out[65])
{
	size_t n = 0;
	for (const char *p = text; *p != '\0'; p++) {
		if (*p == ':')
			continue;
		if (!isxdigit((unsigned char)*p) || n == 64)
			return false;
		out[n++] = (char)tolower((unsigned char)*p);
	}
	out[n] = '\0';
	return n == 64;
}

static void
svc_token_create(Call *call, const Triad__V1__Request *req)
{
	const Triad__V1__CreateTokenRequest *m = req->create_token;
	bool machine = m->machine_name[0] != '\0';

	if (!check_text(call, "create_token.label", m->label, 0, LABEL_MAX) ||
	    !check_text(call, "create_token.machine_name", m->machine_name, 0, MACHINE_NAME_MAX) ||
	    !check_text(call, "create_token.organisation_id", m->organisation_id, 0,
			SQLROUTE_KEY_MAX))
		return;
	/* Left out, the token does not expire; given, even as 0, it is judged. */
	bool expires = field_given(&m->base, "expires_in_days");
	if (expires && (m->expires_in_days < 1 || m->expires_in_days > TOKEN_DAYS_MAX)) {
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, "create_token.expires_in_days",
			  "expires_in_days must be 1 to %d, not %d (leave it out for a token that "
			  "does not expire)", TOKEN_DAYS_MAX, m->expires_in_days);
		return;
	}
	if (!machine && m->organisation_id[0] != '\0') {
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, "create_token.organisation_id",
			  "organisation_id is only for a new machine (machine_name)");
		return;
	}
	char cert[65] = "";
	if (m->client_certificate_sha256[0] != '\0') {
		if (!machine) {
			call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT,
				  "create_token.client_certificate_sha256",
				  "client_certificate_sha256 is only for a new machine (machine_name)");
			return;
		}
		if (!fingerprint_parse(m->client_certificate_sha256, cert)) {
			call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT,
				  "create_token.client_certificate_sha256",
				  "client_certificate_sha256 must be 64 hex digits (colons allowed), "
				  "as `openssl x509 -noout -fingerprint -sha256 -in CERT` prints");
			return;
		}
	}
	TokenCtx *ctx = calloc(1, sizeof *ctx);
	if (ctx == NULL) {
		list_answer_oom(call);
		return;
	}
	ctx->call = call;
	snprintf(ctx->label, sizeof ctx->label, "%s", m->label);
	snprintf(ctx->machine_name, sizeof ctx->machine_name, "%s", m->machine_name);
	snprintf(ctx->days, sizeof ctx->days, "%d", expires ? m->expires_in_days : 0);
	snprintf(ctx->cert_sha256, sizeof ctx->cert_sha256, "%s", cert);
	/* A machine's organisation by id, name or registry number. */
	const SqlKey key = {"create_token.organisation_id", "organisation", m->organisation_id};
	sqlroute_keys(call, &key, 1, token_create_found, ctx);
}

static void
tokens_done(void *arg, const DbOutcome *out)
{
	Call *call = arg;
	List l;
	if (call_db_failed(call, out, NULL) ||
	    (!list_build(&token_list, out->results[0], call->page_limit, &l) &&
	     !list_answer_oom(call)))
		return;
	Triad__V1__ListTokensReply reply = TRIAD__V1__LIST_TOKENS_REPLY__INIT;
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	reply.tokens = (Triad__V1__Token **)l.items;
	reply.n_tokens = l.n;
	reply.next_page_token = l.next_page_token;
	resp.body_case = TRIAD__V1__RESPONSE__BODY_TOKENS;
	resp.tokens = &reply;
	call_answer(call, &resp);
	list_free(&l);
}

static void
svc_token_list(Call *call, const Triad__V1__Request *req)
{
	const Triad__V1__ListTokensRequest *m = req->list_tokens;

	if (!check_page_token(call, "list_tokens.page_token", m->page_token, false))
		return;
	if (!check_page_size(call, "list_tokens.page_size", m->page_size, &call->page_limit))
		return;
	char limit[16];
	snprintf(limit, sizeof limit, "%d", call->page_limit + 1);
	const char *params[2] = {m->page_token, limit};
	DbJob *job = call_job(call, tokens_done, call);
	if (job != NULL && call_job_add(call, job,
			"SELECT " TOKEN_COLS " FROM api_token t WHERE t.principal_id = triad_principal()"
			"   AND ($1 = '' OR t.id > $1::uuid) ORDER BY t.id LIMIT $2::int", 2, params))
		pool_submit(call->srv->pool, job);
}

static void
revoke_token_done(void *arg, const DbOutcome *out)
{
	Call *call = arg;
	if (call_db_failed(call, out, NULL))
		return;
	const PGresult *r = out->results[0];
	if (PQntuples(r) != 1) {
		call_fail(call, TRIAD__V1__CODE__CODE_NOT_FOUND, NULL, "token not found among yours");
		return;
	}
	Triad__V1__Token m = TRIAD__V1__TOKEN__INIT;
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	TimeText m_times[4];
	fill_token(&m, r, 0, m_times);
	resp.body_case = TRIAD__V1__RESPONSE__BODY_TOKEN;
	resp.token = &m;
	/* Revoking the session's own token ends the session. */
	bool own = strcmp(m.id, call->principal->token_id) == 0;
	Server *srv = call->srv;
	ConnRef ref = call->conn;
	call_answer(call, &resp);
	Conn *c = own ? conn_lookup(srv, ref) : NULL;
	if (c != NULL)
		conn_close_after_flush(c);
}

static const char revoke_token_sql[] =
	"WITH t AS (UPDATE api_token SET revoked_at = coalesce(revoked_at, now())"
	"            WHERE id = $1::uuid AND principal_id = triad_principal() RETURNING *),"
	"     a AS (SELECT triad_service_audit('token.revoke', 'token', t.id, $2::numeric) FROM t)"
	" SELECT " TOKEN_COLS " FROM t CROSS JOIN (SELECT count(*) FROM a) AS audited";

static void
svc_token_revoke(Call *call, const Triad__V1__Request *req)
{
	const char *id = req->revoke_token->id;

	if (!check_id(call, "revoke_token.id", id, true))
		return;
	DbJob *job = call_job(call, revoke_token_done, call);
	const char *params[2] = {id, call_request_id_text(call)};
	if (job != NULL && call_job_add(call, job, revoke_token_sql, 2, params))
		pool_submit(call->srv->pool, job);
}

/* SignOut: RevokeToken of the token the session opened with, which
 * revoke_token_done() sees is the session's own and so ends the session. */
static void
svc_sign_out(Call *call, const Triad__V1__Request *req)
{
	(void)req;
	DbJob *job = call_job(call, revoke_token_done, call);
	const char *params[2] = {call->principal->token_id, call_request_id_text(call)};
	if (job != NULL && call_job_add(call, job, revoke_token_sql, 2, params))
		pool_submit(call->srv->pool, job);
}

/* ---- Invites ---- */

#define INVITE_COLS \
	"i.id, i.institution_id, i.person_id, pe.email, i.role, coalesce(i.title, ''), " \
	"coalesce(i.organisation_id::text, ''), triad_us(i.created_at), " \
	"triad_us(i.expires_at), triad_us(i.used_at), triad_us(i.revoked_at)"

static void
fill_invite(void *msg, const PGresult *r, int row, TimeText *times)
{
	Triad__V1__Invite *m = msg;
	m->id = cell(r, row, 0);
	m->institution_id = cell(r, row, 1);
	m->person_id = cell(r, row, 2);
	m->person_email = cell(r, row, 3);
	m->role = role_from_sql(cell(r, row, 4));
	m->title = title_from_sql(cell(r, row, 5));
	m->organisation_id = cell(r, row, 6);
	cell_time(r, row, 7, &m->created_at_us, &m->created_at, times[0]);
	cell_time(r, row, 8, &m->expires_at_us, &m->expires_at, times[1]);
	cell_time(r, row, 9, &m->used_at_us, &m->used_at, times[2]);
	cell_time(r, row, 10, &m->revoked_at_us, &m->revoked_at, times[3]);
}

static void
init_invite(void *msg)
{
	triad__v1__invite__init(msg);
}

static const ListSpec invite_list = {sizeof(Triad__V1__Invite), init_invite, fill_invite, 0, 4};

static void
create_invite_done(void *arg, const DbOutcome *out)
{
	GrantCtx *ctx = arg;
	Call *call = ctx->call;

	if (!failed_with_org(call, out, NULL)) {
		const PGresult *r = out->results[0];
		if (PQntuples(r) != 1) {
			call_fail(call, TRIAD__V1__CODE__CODE_NOT_FOUND, NULL,
				  "person not found in this institution; add them first");
		} else {
			Triad__V1__CreateInviteReply reply = TRIAD__V1__CREATE_INVITE_REPLY__INIT;
			Triad__V1__Invite inv = TRIAD__V1__INVITE__INIT;
			Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
			TimeText inv_times[4];
			fill_invite(&inv, r, 0, inv_times);
			reply.code = ctx->code;
			reply.invite = &inv;
			resp.body_case = TRIAD__V1__RESPONSE__BODY_CREATE_INVITE;
			resp.create_invite = &reply;
			call_answer(call, &resp);
		}
	}
	grant_ctx_free(ctx);
}

/* The invite, its audit row and the mail that carries the code (the
 * notification outbox) are written by one function. */
static const char create_invite_sql[] =
	"SELECT " INVITE_COLS
	"  FROM triad_invite_create($1::uuid, $2, $3, $4::uuid, $5, $6::bytea, $7::int, $9,"
	"                           $8::numeric) i"
	"  JOIN person pe ON pe.id = i.person_id";

/* With the person and the organisation found (ids[0], ids[1]). */
static void
invite_create_found(Call *call, char *const *ids, void *arg)
{
	GrantCtx *ctx = arg;
	char prefix[SECRET_PREFIX_LEN + 1], hash_text[2 + 2 * SECRET_HASH_LEN + 1];
	uint8_t hash[SECRET_HASH_LEN];

	if (ids == NULL) {
		grant_ctx_free(ctx);
		return;
	}
	if (!secret_new("inv", ctx->code, prefix, hash)) {
		grant_ctx_free(ctx);
		call_fail(call, TRIAD__V1__CODE__CODE_UNAVAILABLE, NULL,
			  "the server could not make an invite code; try again");
		return;
	}
	secret_hash_to_bytea(hash, hash_text);
	const char *params[9] = {ids[0], ctx->role, ctx->title, ids[1][0] != '\0' ? ids[1] : NULL,
				 prefix, hash_text, ctx->days, call_request_id_text(call), ctx->code};
	DbJob *job = call_job(call, create_invite_done, ctx);
	if (job == NULL || !call_job_add(call, job, create_invite_sql, 9, params)) {
		grant_ctx_free(ctx);
		return;
	}
	pool_submit(call->srv->pool, job);
}

static void
svc_invite_create(Call *call, const Triad__V1__Request *req)
{
	const Triad__V1__CreateInviteRequest *m = req->create_invite;
	const char *role, *title;

	if (!check_text(call, "create_invite.person_id", m->person_id, 1, SQLROUTE_KEY_MAX) ||
	    !check_role(call, "create_invite", m->role, m->title, m->organisation_id, &role, &title))
		return;
	/* Left out, the default; given, even as 0, it is judged. */
	int days = field_given(&m->base, "expires_in_days") ? m->expires_in_days
							     : INVITE_DAYS_DEFAULT;
	if (days < 1 || days > INVITE_DAYS_MAX) {
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, "create_invite.expires_in_days",
			  "expires_in_days must be 1 to %d, not %d (leave it out for the default, %d)",
			  INVITE_DAYS_MAX, days, INVITE_DAYS_DEFAULT);
		return;
	}
	GrantCtx *ctx = calloc(1, sizeof *ctx);
	if (ctx == NULL) {
		list_answer_oom(call);
		return;
	}
	ctx->call = call;
	ctx->role = role;
	ctx->title = title;
	snprintf(ctx->days, sizeof ctx->days, "%d", days);
	const SqlKey keys[2] = {
		{"create_invite.person_id", "person", m->person_id},
		{"create_invite.organisation_id", "organisation", m->organisation_id},
	};
	sqlroute_keys(call, keys, 2, invite_create_found, ctx);
}

static void
invites_done(void *arg, const DbOutcome *out)
{
	Call *call = arg;
	List l;
	if (call_db_failed(call, out, NULL) ||
	    (!list_build(&invite_list, out->results[0], call->page_limit, &l) &&
	     !list_answer_oom(call)))
		return;
	Triad__V1__ListInvitesReply reply = TRIAD__V1__LIST_INVITES_REPLY__INIT;
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	reply.invites = (Triad__V1__Invite **)l.items;
	reply.n_invites = l.n;
	reply.next_page_token = l.next_page_token;
	resp.body_case = TRIAD__V1__RESPONSE__BODY_INVITES;
	resp.invites = &reply;
	call_answer(call, &resp);
	list_free(&l);
}

static void
svc_invite_list(Call *call, const Triad__V1__Request *req)
{
	const Triad__V1__ListInvitesRequest *m = req->list_invites;

	if (!check_page_token(call, "list_invites.page_token", m->page_token, false))
		return;
	if (!check_page_size(call, "list_invites.page_size", m->page_size, &call->page_limit))
		return;
	char limit[16];
	snprintf(limit, sizeof limit, "%d", call->page_limit + 1);
	const char *params[2] = {m->page_token, limit};
	DbJob *job = call_job(call, invites_done, call);
	if (job != NULL && call_job_add(call, job,
			"SELECT " INVITE_COLS " FROM invite i JOIN person pe ON pe.id = i.person_id"
			" WHERE ($1 = '' OR i.id > $1::uuid) ORDER BY i.id LIMIT $2::int", 2, params))
		pool_submit(call->srv->pool, job);
}

static void
invite_done(void *arg, const DbOutcome *out)
{
	Call *call = arg;
	if (call_db_failed(call, out, NULL))
		return;
	const PGresult *r = out->results[0];
	if (PQntuples(r) != 1) {
		call_fail(call, TRIAD__V1__CODE__CODE_NOT_FOUND, NULL, "invite not found");
		return;
	}
	Triad__V1__Invite m = TRIAD__V1__INVITE__INIT;
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	TimeText m_times[4];
	fill_invite(&m, r, 0, m_times);
	resp.body_case = TRIAD__V1__RESPONSE__BODY_INVITE;
	resp.invite = &m;
	call_answer(call, &resp);
}

static const char revoke_invite_sql[] =
	"WITH i AS (UPDATE invite SET revoked_at = coalesce(revoked_at, now())"
	"            WHERE id = $1::uuid RETURNING *),"
	"     a AS (SELECT triad_audit('invite.revoke', 'invite', i.id, $2::numeric) FROM i)"
	" SELECT " INVITE_COLS " FROM i JOIN person pe ON pe.id = i.person_id"
	"  CROSS JOIN (SELECT count(*) FROM a) AS audited";

static void
svc_invite_revoke(Call *call, const Triad__V1__Request *req)
{
	const char *id = req->revoke_invite->id;

	if (!check_id(call, "revoke_invite.id", id, true))
		return;
	DbJob *job = call_job(call, invite_done, call);
	const char *params[2] = {id, call_request_id_text(call)};
	if (job != NULL && call_job_add(call, job, revoke_invite_sql, 2, params))
		pool_submit(call->srv->pool, job);
}

/* ---- the rows ---- */

/* Deans and programme managers invite the people of their programmes;
 * anyone else, with another role, is an institution admin's to invite. */
static bool
invites_staff(const Call *call, const Triad__V1__Request *req)
{
	(void)call;
	switch (req->create_invite->role) {
	case TRIAD__V1__ROLE__ROLE_UNSPECIFIED:   /* refused by the handler, naming role */
	case TRIAD__V1__ROLE__ROLE_PARTICIPANT:
	case TRIAD__V1__ROLE__ROLE_WORKPLACE_COACH:
	case TRIAD__V1__ROLE__ROLE_EMPLOYER_CONTACT:
		return false;
	default:
		return true;
	}
}

static const VerbHook staff_invite_hook = {
	invites_staff, VERB_INVITE_STAFF,
	"with role institution_admin, programme_staff or partner_integration"};

/* A token for a new machine, rather than for oneself, is an admin's act. */
static bool
creates_machine(const Call *call, const Triad__V1__Request *req)
{
	return req->create_token->machine_name[0] != '\0';
}

static const VerbHook machine_hook = {creates_machine, VERB_CREATE_MACHINE, "with machine_name"};

#define K(x) TRIAD__V1__REQUEST__BODY_##x
#define R(x) TRIAD__V1__RESPONSE__BODY_##x

const Route credential_routes[] = {
	{.kind = K(CREATE_GRANT), .verb = VERB_CREATE_GRANT, .reply = R(GRANT), .flags = ROUTE_ACCESS_WRITE,
	 .handler = svc_grant_create},
	{.kind = K(LIST_GRANTS), .verb = VERB_LIST_GRANTS, .reply = R(GRANTS), .flags = ROUTE_READ,
	 .handler = svc_grant_list},
	{.kind = K(REVOKE_GRANT), .verb = VERB_REVOKE_GRANT, .reply = R(GRANT), .flags = ROUTE_ACCESS_WRITE,
	 .handler = svc_grant_revoke},
	{.kind = K(CREATE_TOKEN), .verb = VERB_CREATE_TOKEN, .reply = R(CREATE_TOKEN), .flags = ROUTE_ACCESS_WRITE | ROUTE_SECRET,
	 .handler = svc_token_create, .hook = &machine_hook},
	{.kind = K(LIST_TOKENS), .verb = VERB_LIST_TOKENS, .reply = R(TOKENS), .flags = ROUTE_READ,
	 .handler = svc_token_list},
	{.kind = K(REVOKE_TOKEN), .verb = VERB_REVOKE_TOKEN, .reply = R(TOKEN), .flags = ROUTE_ACCESS_WRITE,
	 .handler = svc_token_revoke},
	{.kind = K(SIGN_OUT), .verb = VERB_REVOKE_TOKEN, .reply = R(TOKEN), .flags = ROUTE_ACCESS_WRITE,
	 .handler = svc_sign_out},
	{.kind = K(CREATE_INVITE), .verb = VERB_CREATE_INVITE, .reply = R(CREATE_INVITE), .flags = ROUTE_ACCESS_WRITE | ROUTE_SECRET,
	 .handler = svc_invite_create, .hook = &staff_invite_hook},
	{.kind = K(LIST_INVITES), .verb = VERB_LIST_INVITES, .reply = R(INVITES), .flags = ROUTE_READ,
	 .handler = svc_invite_list},
	{.kind = K(REVOKE_INVITE), .verb = VERB_REVOKE_INVITE, .reply = R(INVITE), .flags = ROUTE_ACCESS_WRITE,
	 .handler = svc_invite_revoke},
	{0},
};

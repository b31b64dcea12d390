/*
 * ooapi.c: OOAPI v5 and xAPI statements on the standards port (ooapi.h).
 */
#include "ooapi.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>

#include "auth.h"
#include "clock.h"
#include "db.h"
#include "listener.h"
#include "log.h"
#include "pool.h"
#include "svc_util.h"
#include "tls.h"

#define CT_JSON "application/json"
#define CT_PROBLEM "application/problem+json"
#define INSTITUTION_MAX 64
#define CURSOR_MAX 48

typedef struct CacheSlot {
	uint8_t hash[SECRET_HASH_LEN];
	Principal *principal;          /* a reference; NULL: free */
	char cert[65];                 /* the certificate it is bound to, or "" */
	uint64_t expires_ms;
} CacheSlot;

typedef struct Ooapi {
	Server *srv;
	struct evhttp *http;
	bool stopping;
	int nconns;
	struct evhttp_connection **conns;  /* the open ones (nconns of them), owned array */
	int conns_cap;
	CacheSlot cache[OOAPI_CACHE_SLOTS];
} Ooapi;

/* What a path asks for. */
typedef enum Kind {
	K_SERVICE,
	K_SQL,          /* an OOAPI resource, built by triad_ooapi() */
	K_XAPI_STATEMENTS,
	K_XAPI_ABOUT,
} Kind;

typedef struct Path {
	const char *first;             /* the first segment */
	bool id;                       /* a uuid follows */
	const char *last;              /* the segment after the id (or after first), or NULL */
	Kind kind;
	const char *resource;          /* triad_ooapi()'s name */
	Verb verb;                     /* asked of auth_decide(), as the protocol's
					  requests of the same data do */
} Path;

static const Path paths[] = {
	{"", false, NULL, K_SERVICE, NULL, VERB_CATALOGUE_READ},
	{"programs", false, NULL, K_SQL, "programs", VERB_CATALOGUE_READ},
	{"programs", true, NULL, K_SQL, "program", VERB_CATALOGUE_READ},
	{"programs", true, "courses", K_SQL, "program_courses", VERB_CATALOGUE_READ},
	{"programs", true, "offerings", K_SQL, "program_offerings", VERB_COHORT_READ},
	{"courses", false, NULL, K_SQL, "courses", VERB_CATALOGUE_READ},
	{"courses", true, NULL, K_SQL, "course", VERB_CATALOGUE_READ},
	{"courses", true, "offerings", K_SQL, "course_offerings", VERB_COHORT_READ},
	{"offerings", true, NULL, K_SQL, "offering", VERB_COHORT_READ},
	{"offerings", true, "associations", K_SQL, "offering_associations", VERB_ENROLLMENT_READ},
	{"associations", true, NULL, K_SQL, "association", VERB_ENROLLMENT_READ},
	{"persons", false, NULL, K_SQL, "persons", VERB_LIST_PERSONS},
	{"persons", false, "me", K_SQL, "person_me", VERB_CATALOGUE_READ},
	{"persons", true, NULL, K_SQL, "person", VERB_GET_PERSON},
	{"persons", true, "associations", K_SQL, "person_associations", VERB_ENROLLMENT_READ},
	{"organizations", false, NULL, K_SQL, "organizations", VERB_LIST_ORGANISATIONS},
	{"organizations", true, NULL, K_SQL, "organization", VERB_GET_ORGANISATION},
	{"xapi", false, "statements", K_XAPI_STATEMENTS, NULL, VERB_EVENT_STREAM},
	{"xapi", false, "about", K_XAPI_ABOUT, NULL, VERB_CATALOGUE_READ},
};

/*
 * One request between its arrival and its answer. Owned by whoever holds it
 * now: on_request(), then the done callback of the job it waits for; freed
 * once answered (req_problem(), send_body() and req_free()). evhttp keeps
 * req alive until it is answered, even when the client has gone.
 */
typedef struct Req {
	Ooapi *o;
	struct evhttp_request *req;
	const Path *route;
	char id[UUID_LEN + 1];
	char institution[INSTITUTION_MAX + 1];
	char since[CURSOR_MAX + 1];
	int page_size, page_number, limit;
	uint8_t hash[SECRET_HASH_LEN];
	char prefix[SECRET_PREFIX_LEN + 1];
	char addr[48];
	char conn_key[80];             /* "ooapi ADDR:PORT": its connection, for the pool */
	char cert[65];                 /* the client certificate's fingerprint, or "" */
	Principal *principal;          /* a reference, once signed in */
} Req;

static void
req_free(Req *r)
{
	if (r == NULL)
		return;
	principal_unref(r->principal);
	free(r);
}

/* ---- answers ---- */

static const char *
reason_of(int code)
{
	switch (code) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Internal Server Error";
	}
}

/* Sends body (may be NULL) with code; req is finished after this. */
static void
send_body(struct evhttp_request *req, int code, const char *ctype, struct evbuffer *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Content-Type", ctype);
	evhttp_add_header(h, "Cache-Control", "no-store");
	if (code == 401)
		evhttp_add_header(h, "WWW-Authenticate", "Bearer realm=\"triad\"");
	if (code == 405)
		evhttp_add_header(h, "Allow", "GET");
	evhttp_send_reply(req, code, reason_of(code), body);
}

/* Appends s as the inside of a JSON string. */
static void
json_escape(struct evbuffer *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			evbuffer_add_printf(b, "\\%c", *p);
		else if (*p < 0x20)
			evbuffer_add_printf(b, "\\u%04x", *p);
		else
			evbuffer_add(b, p, 1);
	}
}

/* An OOAPI error: application/problem+json with status as a string. */
static void
problem(struct evhttp_request *req, int code, const char *detail)
{
	struct evbuffer *b = evbuffer_new();
	if (b == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	evbuffer_add_printf(b, "{\"status\":\"%d\",\"title\":\"%s\",\"detail\":\"", code,
			    reason_of(code));
	json_escape(b, detail);
	evbuffer_add_printf(b, "\"}");
	send_body(req, code, CT_PROBLEM, b);
	evbuffer_free(b);
}

/* Answers r with a problem and frees it. */
static void
req_problem(Req *r, int code, const char *detail)
{
	problem(r->req, code, detail);
	req_free(r);
}

/* A failed job as a problem: our own 401 (a token revoked or a grant
 * changed since it was cached) drops the cache entry. */
static void
req_db_failed(Req *r, const DbOutcome *out)
{
	if (strcmp(out->sqlstate, "TR401") == 0) {
		for (int i = 0; i < OOAPI_CACHE_SLOTS; i++) {
			CacheSlot *s = &r->o->cache[i];
			if (s->principal != NULL && secret_hash_equal(s->hash, r->hash)) {
				principal_unref(s->principal);
				s->principal = NULL;
			}
		}
		req_problem(r, 401, out->message);
		return;
	}
	/* The schema's own errors are written for people: TR403 and TR404 as
	 * themselves, the others (a bad or expired cursor: TR400, TR410) as a
	 * bad request. */
	if (out->sqlstate[0] == 'T' && out->sqlstate[1] == 'R') {
		int code = strcmp(out->sqlstate, "TR403") == 0   ? 403
			   : strcmp(out->sqlstate, "TR404") == 0 ? 404
								 : 400;
		req_problem(r, code, out->message);
		return;
	}
	/* Reads only: whatever the database's trouble (down, busy, too slow),
	 * asking again later is the answer. */
	if (out->sqlstate[0] == '\0' || strcmp(out->sqlstate, "57014") == 0 ||
	    out->code == TRIAD__V1__CODE__CODE_UNAVAILABLE ||
	    out->code == TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED) {
		req_problem(r, 503, "the database is not reachable now; try again shortly");
		return;
	}
	log_warn("ooapi_db_failed", "path=%s sqlstate=%s", r->route->first, out->sqlstate);
	req_problem(r, 500, "the database could not answer; the server's log has the details");
}

/* ---- the answer from PostgreSQL ---- */

static void
sql_done(void *arg, const DbOutcome *out)
{
	Req *r = arg;
	if (r->o->stopping) {
		req_free(r);
		return;
	}
	if (out->code != TRIAD__V1__CODE__CODE_OK) {
		req_db_failed(r, out);
		return;
	}
	const PGresult *res = out->results[0];
	if (PQntuples(res) != 1) {
		req_problem(r, 500, "no answer");
		return;
	}
	int code = atoi(cell(res, 0, 0));
	const char *body = cell(res, 0, 1);
	struct evbuffer *b = evbuffer_new();
	if (b == NULL) {
		req_problem(r, 503, "server is out of memory");
		return;
	}
	evbuffer_add(b, body, strlen(body));
	send_body(r->req, code, code == 200 ? CT_JSON : CT_PROBLEM, b);
	evbuffer_free(b);
	req_free(r);
}

/* The actor of a statement: the e-mail address in clear when the caller
 * may see the person, its SHA-1 (xAPI's mbox_sha1sum) otherwise. */
static void
xapi_actor(struct evbuffer *b, const char *email, bool visible)
{
	evbuffer_add_printf(b, "{\"actor\":{\"objectType\":\"Agent\",");
	if (visible) {
		evbuffer_add_printf(b, "\"mbox\":\"mailto:");
		json_escape(b, email);
		evbuffer_add_printf(b, "\"},");
		return;
	}
	char mbox[320];
	uint8_t md[SHA_DIGEST_LENGTH];
	snprintf(mbox, sizeof mbox, "mailto:%s", email);
	SHA1((const unsigned char *)mbox, strlen(mbox), md);
	evbuffer_add_printf(b, "\"mbox_sha1sum\":\"");
	for (int i = 0; i < SHA_DIGEST_LENGTH; i++)
		evbuffer_add_printf(b, "%02x", md[i]);
	evbuffer_add_printf(b, "\"},");
}

static void
xapi_done(void *arg, const DbOutcome *out)
{
	Req *r = arg;
	if (r->o->stopping) {
		req_free(r);
		return;
	}
	if (out->code != TRIAD__V1__CODE__CODE_OK) {
		req_db_failed(r, out);
		return;
	}
	const PGresult *res = out->results[0];
	struct evbuffer *b = evbuffer_new();
	if (b == NULL) {
		req_problem(r, 503, "server is out of memory");
		return;
	}
	int n = PQntuples(res), nst = 0;
	evbuffer_add_printf(b, "{\"statements\":[");
	for (int i = 0; i < n; i++) {
		if (PQgetisnull(res, i, 0)) {
			/* The last row: where the next pull starts. */
			evbuffer_add_printf(b, "],\"more\":\"");
			if (cell_bool(res, i, 4)) {
				evbuffer_add_printf(b, "/xapi/statements?since=%s&limit=%d", cell(res, i, 3),
						    r->limit);
				if (r->institution[0] != '\0') {
					char *q = evhttp_encode_uri(r->institution);
					evbuffer_add_printf(b, "&institution=%s", q != NULL ? q : "");
					free(q);
				}
			}
			evbuffer_add_printf(b, "\",\"x-triad-cursor\":\"%s\"}", cell(res, i, 3));
			break;
		}
		const char *st = cell(res, i, 0);
		if (st[0] != '{' || st[1] == '\0')
			continue;
		if (nst++ > 0)
			evbuffer_add_printf(b, ",");
		xapi_actor(b, cell(res, i, 1), cell_bool(res, i, 2));
		evbuffer_add(b, st + 1, strlen(st + 1));
	}
	struct evkeyvalq *h = evhttp_request_get_output_headers(r->req);
	evhttp_add_header(h, "X-Experience-API-Version", "1.0.3");
	char now[32];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
	evhttp_add_header(h, "X-Experience-API-Consistent-Through", now);
	send_body(r->req, 200, CT_JSON, b);
	evbuffer_free(b);
	req_free(r);
}

static const char ooapi_sql[] =
	"SELECT status, body::text FROM triad_ooapi($1, $2::uuid, $3::int, $4::int, $5::boolean,"
	" $6::boolean)";
static const char xapi_sql[] =
	"SELECT statement, email, visible, cursor, more FROM triad_xapi_read($1, $2::int, $3::int, $4)";

/* The service's public URL: ooapi_public_url, or this port's own address. */
static void
public_url(const Ooapi *o, char *buf, size_t size)
{
	const Config *cfg = &o->srv->cfg;
	if (cfg->ooapi_public_url[0] != '\0')
		snprintf(buf, size, "%s", cfg->ooapi_public_url);
	else
		snprintf(buf, size, "%s://%s", o->srv->tls_ctx != NULL ? "https" : "http",
			 o->srv->ooapi_bound);
	size_t n = strlen(buf);
	while (n > 0 && buf[n - 1] == '/')
		buf[--n] = '\0';
}

/* The service document (GET /), from the settings. */
static void
serve_service(Req *r)
{
	const Config *cfg = &r->o->srv->cfg;
	char url[CONFIG_STR_MAX + 16];
	const char *contact = cfg->ooapi_contact_email[0] != '\0' ? cfg->ooapi_contact_email
				: cfg->smtp_from[0] != '\0' ? cfg->smtp_from : "postmaster@localhost";
	struct evbuffer *b = evbuffer_new();
	if (b == NULL) {
		req_problem(r, 503, "server is out of memory");
		return;
	}
	public_url(r->o, url, sizeof url);
	evbuffer_add_printf(b, "{\"contactEmail\":\"");
	json_escape(b, contact);
	evbuffer_add_printf(b, "\",\"specification\":\"https://open-education-api.github.io/"
			    "specification/v5/docs.html\",\"documentation\":\"");
	json_escape(b, url);
	evbuffer_add_printf(b, "/docs/ooapi\",\"consumers\":[{\"consumerKey\":\"x-triad\","
			    "\"server\":\"triadd/" TRIAD_VERSION "\",\"xapi\":\"");
	json_escape(b, url);
	evbuffer_add_printf(b, "/xapi/statements\"}]}");
	send_body(r->req, 200, CT_JSON, b);
	evbuffer_free(b);
	req_free(r);
}

/* Signed in: authorise, then run the statement of the route. */
static void
req_run(Req *r)
{
	const Principal *p = r->principal;
	const char *tenant = NULL;
	const Path *rt = r->route;

	if (rt->kind == K_XAPI_ABOUT) {
		struct evbuffer *b = evbuffer_new();
		if (b == NULL) {
			req_problem(r, 503, "server is out of memory");
			return;
		}
		evbuffer_add_printf(b, "{\"version\":[\"1.0.3\"]}");
		evhttp_add_header(evhttp_request_get_output_headers(r->req),
				  "X-Experience-API-Version", "1.0.3");
		send_body(r->req, 200, CT_JSON, b);
		evbuffer_free(b);
		req_free(r);
		return;
	}
	if (rt->kind == K_SERVICE) {
		serve_service(r);
		return;
	}
	switch (auth_decide(p, rt->verb, r->institution, &tenant)) {
	case AUTH_ALLOW:
		break;
	case AUTH_DENY: {
		char msg[200];
		const char *who = auth_verb_who(rt->verb);
		snprintf(msg, sizeof msg, "you may not %s here%s%s%s", auth_verb_phrase(rt->verb),
			 who != NULL ? ": " : "", who != NULL ? who : "", who != NULL ? " may" : "");
		req_problem(r, 403, msg);
		return;
	}
	case AUTH_NOT_FOUND:
		/* A bad parameter (OOAPI's lists have no 404), and no word on
		 * whether the institution exists. */
		req_problem(r, 400, "no such institution, or not one you may see");
		return;
	case AUTH_NEED_INSTITUTION:
		req_problem(r, 400, "say which institution this is about: "
			    "?institution=<slug or id> or the header X-Triad-Institution");
		return;
	}
	if (rt->kind == K_SQL && strcmp(rt->resource, "person_me") == 0 && p->person_id[0] == '\0') {
		req_problem(r, 404, "this token belongs to a machine, not a person");
		return;
	}
	/* Organisations are shared: their reads are scoped by the caller's
	 * institution when it names one, as the protocol's are. */
	const char *scope = tenant;
	char grants[16];
	int n = scope != NULL ? auth_grant_count(p, scope) : -1;
	snprintf(grants, sizeof grants, "%d", n);
	const char *org = auth_organisation(p, scope);
	DbJob *job = db_job_new(rt->kind == K_SQL ? sql_done : xapi_done, r);
	if (job == NULL) {
		req_problem(r, 503, "server is out of memory");
		return;
	}
	/* Like a protocol connection, each HTTP connection is an owner of its
	 * own in the fair queue; its account's cap holds over all of them. */
	job->owner = pool_owner_addr(r->conn_key);
	job->principal = pool_owner_principal(p->id);
	bool ok = db_job_scope(job, scope, p->token_id, p->id, n >= 0 ? grants : NULL,
			       p->person_id[0] != '\0' ? p->person_id : NULL,
			       auth_is_staff(p, scope), org[0] != '\0' ? org : NULL);
	if (ok && rt->kind == K_SQL) {
		char size[16], number[16];
		const char *ignore = NULL;
		bool rel = scope != NULL && auth_decide(p, VERB_RELATION_READ, scope, &ignore) == AUTH_ALLOW;
		bool con = scope != NULL && auth_decide(p, VERB_CONSENT_READ, scope, &ignore) == AUTH_ALLOW;
		snprintf(size, sizeof size, "%d", r->page_size);
		snprintf(number, sizeof number, "%d", r->page_number);
		const char *params[6] = {rt->resource, r->id[0] ? r->id : NULL, size, number,
					 rel ? "true" : "false", con ? "true" : "false"};
		ok = db_job_add(job, ooapi_sql, 6, params);
	} else if (ok) {
		char limit[16], retention[16], url[CONFIG_STR_MAX + 16];
		snprintf(limit, sizeof limit, "%d", r->limit);
		snprintf(retention, sizeof retention, "%d",
			 r->o->srv->cfg.event_retention_days * 86400);
		public_url(r->o, url, sizeof url);
		const char *params[4] = {r->since, limit, retention, url};
		ok = db_job_add(job, xapi_sql, 4, params);
	}
	if (!ok) {
		db_job_free(job);
		req_problem(r, 503, "server is out of memory");
		return;
	}
	pool_submit(r->o->srv->pool, job);
}

/* ---- signing in with the token ---- */

static const char signin_sql[] =
	"SELECT t.id, t.hash, t.principal_id,"
	"       t.expires_at IS NOT NULL AND t.expires_at <= now(),"
	"       t.revoked_at IS NOT NULL,"
	"       p.kind, p.name, coalesce(p.person_id::text, ''),"
	"       EXISTS (SELECT 1 FROM operator o WHERE o.principal_id = p.id),"
	"       coalesce(encode(p.client_cert_sha256, 'hex'), '')"
	"  FROM api_token t JOIN principal p ON p.id = t.principal_id"
	" WHERE t.prefix = $1";
static const char signin_grants_sql[] =
	"SELECT t.principal_id, g.institution_id, g.slug, g.id, g.role, coalesce(g.title, ''),"
	"       coalesce(g.organisation_id::text, '')"
	"  FROM api_token t CROSS JOIN LATERAL triad_principal_grants(t.principal_id) g"
	" WHERE t.prefix = $1";

static void
signin_refused(Req *r, const char *why)
{
	Server *srv = r->o->srv;
	if (auth_limiter_secret_fail(&srv->limiter, r->hash, (uint32_t)srv->cfg.signin_failures_max,
				     now_us() / 1000))
		log_info("ooapi_token_limited", "addr=%s", r->addr);
	req_problem(r, 401, why);
}

static void
cache_put(Ooapi *o, const uint8_t hash[SECRET_HASH_LEN], Principal *p, const char *cert)
{
	uint64_t now = now_us() / 1000;
	CacheSlot *victim = &o->cache[0];
	for (int i = 0; i < OOAPI_CACHE_SLOTS; i++) {
		CacheSlot *s = &o->cache[i];
		if (s->principal == NULL || s->expires_ms <= now) {
			victim = s;
			break;
		}
		if (s->expires_ms < victim->expires_ms)
			victim = s;
	}
	principal_unref(victim->principal);
	memcpy(victim->hash, hash, SECRET_HASH_LEN);
	victim->principal = principal_ref(p);
	snprintf(victim->cert, sizeof victim->cert, "%s", cert);
	victim->expires_ms = now + OOAPI_CACHE_TTL_MS;
}

static void
signin_done(void *arg, const DbOutcome *out)
{
	Req *r = arg;
	if (r->o->stopping) {
		req_free(r);
		return;
	}
	if (out->code != TRIAD__V1__CODE__CODE_OK) {
		req_db_failed(r, out);
		return;
	}
	const PGresult *t = out->results[0];
	int match = -1;
	for (int i = 0; i < PQntuples(t); i++) {
		uint8_t stored[SECRET_HASH_LEN];
		if (secret_hash_from_bytea(cell(t, i, 1), stored) && secret_hash_equal(stored, r->hash))
			match = i;
	}
	if (match < 0) {
		signin_refused(r, "the token is not known to this service");
		return;
	}
	if (cell_bool(t, match, 4)) {
		signin_refused(r, "the token has been revoked");
		return;
	}
	if (cell_bool(t, match, 3)) {
		signin_refused(r, "the token has expired");
		return;
	}
	const char *bound = cell(t, match, 9);
	if (bound[0] != '\0' && strcmp(bound, r->cert) != 0) {
		req_problem(r, 401, "this machine signs in with its client certificate: connect with it");
		return;
	}
	Principal *p = principal_new();
	const PGresult *g = out->results[1];
	int n = 0;
	for (int i = 0; i < PQntuples(g); i++)
		n += strcmp(cell(g, i, 0), cell(t, match, 2)) == 0;
	if (p != NULL && n > 0 && (p->grants = calloc((size_t)n, sizeof *p->grants)) == NULL) {
		principal_unref(p);
		p = NULL;
	}
	if (p == NULL) {
		req_problem(r, 503, "server is out of memory");
		return;
	}
	snprintf(p->token_id, sizeof p->token_id, "%s", cell(t, match, 0));
	snprintf(p->id, sizeof p->id, "%s", cell(t, match, 2));
	p->kind = strcmp(cell(t, match, 5), "machine") == 0
			  ? TRIAD__V1__PRINCIPAL_KIND__PRINCIPAL_KIND_MACHINE
			  : TRIAD__V1__PRINCIPAL_KIND__PRINCIPAL_KIND_PERSON;
	snprintf(p->name, sizeof p->name, "%s", cell(t, match, 6));
	snprintf(p->person_id, sizeof p->person_id, "%s", cell(t, match, 7));
	p->operator = cell_bool(t, match, 8);
	for (int i = 0; i < PQntuples(g); i++) {
		if (strcmp(cell(g, i, 0), p->id) != 0)
			continue;
		SessionGrant *sg = &p->grants[p->ngrants++];
		snprintf(sg->institution_id, sizeof sg->institution_id, "%s", cell(g, i, 1));
		snprintf(sg->slug, sizeof sg->slug, "%s", cell(g, i, 2));
		snprintf(sg->id, sizeof sg->id, "%s", cell(g, i, 3));
		sg->role = role_from_sql(cell(g, i, 4));
		sg->title = title_from_sql(cell(g, i, 5));
		snprintf(sg->organisation_id, sizeof sg->organisation_id, "%s", cell(g, i, 6));
	}
	cache_put(r->o, r->hash, p, bound);
	r->principal = p;
	req_run(r);
}

/* ---- requests ---- */

/* Matches path against the routes; the id of the path goes to id. */
static const Path *
route_match(const char *path, char id[UUID_LEN + 1], bool *bad_id)
{
	char seg[3][64];
	int n = 0;
	*bad_id = false;
	id[0] = '\0';
	if (path[0] != '/')
		return NULL;
	const char *p = path + 1;
	while (*p != '\0') {
		size_t len = strcspn(p, "/");
		if (n == 3 || len >= sizeof seg[0])
			return NULL;
		snprintf(seg[n++], sizeof seg[0], "%.*s", (int)len, p);
		p += len;
		if (*p == '/')
			p++;
	}
	if (n == 0) {
		snprintf(seg[0], sizeof seg[0], "%s", "");
		n = 1;
	}
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		const Path *rt = &paths[i];
		int want = 1 + (rt->id ? 1 : 0) + (rt->last != NULL ? 1 : 0);
		if (want != n || strcmp(seg[0], rt->first) != 0)
			continue;
		if (rt->id && rt->last != NULL && strcmp(seg[2], rt->last) != 0)
			continue;
		if (!rt->id && rt->last != NULL && strcmp(seg[1], rt->last) != 0)
			continue;
		if (rt->id && (!is_uuid(seg[1]))) {
			/* /persons/me is a route of its own, tried first. */
			*bad_id = true;
			continue;
		}
		if (rt->id)
			snprintf(id, UUID_LEN + 1, "%s", seg[1]);
		*bad_id = false;
		return rt;
	}
	return NULL;
}

/* An integer query parameter, or def when absent; false when malformed. */
static bool
query_int(const struct evkeyvalq *q, const char *name, int def, int *out)
{
	const char *v = evhttp_find_header(q, name);
	if (v == NULL) {
		*out = def;
		return true;
	}
	char *end;
	long n = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || n < 0 || n > 1000000)
		return false;
	*out = (int)n;
	return true;
}

/* The client certificate's fingerprint of req's connection, if any. */
static void
peer_cert(struct evhttp_request *req, char hex[65])
{
	hex[0] = '\0';
	struct evhttp_connection *ec = evhttp_request_get_connection(req);
	struct bufferevent *bev = ec != NULL ? evhttp_connection_get_bufferevent(ec) : NULL;
	SSL *ssl = bev != NULL ? bufferevent_openssl_get_ssl(bev) : NULL;
	if (ssl != NULL)
		(void)tls_peer_fingerprint(ssl, hex);
}

static void
on_close(struct evhttp_connection *ec, void *arg)
{
	Ooapi *o = arg;
	for (int i = 0; i < o->nconns; i++) {
		if (o->conns[i] == ec) {
			o->conns[i] = o->conns[--o->nconns];
			return;
		}
	}
}

/* Counts req's connection on its first request; false when it is one too
 * many (ooapi_max_connections). */
static bool
conn_admit(Ooapi *o, struct evhttp_request *req)
{
	struct evhttp_connection *ec = evhttp_request_get_connection(req);
	if (ec == NULL)
		return false;
	for (int i = 0; i < o->nconns; i++)
		if (o->conns[i] == ec)
			return true;
	int max = o->srv->cfg.ooapi_max_connections;
	if (o->nconns >= max)
		return false;
	if (o->nconns == o->conns_cap) {
		int cap = o->conns_cap ? 2 * o->conns_cap : 16;
		struct evhttp_connection **c = realloc(o->conns, (size_t)cap * sizeof *c);
		if (c == NULL)
			return false;
		o->conns = c;
		o->conns_cap = cap;
	}
	o->conns[o->nconns++] = ec;
	evhttp_connection_set_closecb(ec, on_close, o);
	return true;
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	Ooapi *o = arg;
	if (o->stopping) {
		problem(req, 503, "the server is stopping");
		return;
	}
	if (!conn_admit(o, req)) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
		problem(req, 503, "too many connections to this port; try again shortly");
		return;
	}
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		problem(req, 405, "this API is read-only: only GET");
		return;
	}
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	char id[UUID_LEN + 1];
	bool bad_id;
	const Path *rt = route_match(path != NULL && path[0] ? path : "/", id, &bad_id);
	if (rt == NULL) {
		problem(req, 404, bad_id ? "no such resource: ids are UUIDs"
					 : "no such path (see docs/ooapi.md for the ones served)");
		return;
	}
	Req *r = calloc(1, sizeof *r);
	if (r == NULL) {
		problem(req, 503, "server is out of memory");
		return;
	}
	r->o = o;
	r->req = req;
	r->route = rt;
	snprintf(r->id, sizeof r->id, "%s", id);

	struct evkeyvalq q;
	TAILQ_INIT(&q);
	const char *query = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	if (query != NULL && evhttp_parse_query_str(query, &q) != 0) {
		evhttp_clear_headers(&q);
		req_problem(r, 400, "the query string cannot be read");
		return;
	}
	const char *detail = NULL;
	if (!query_int(&q, "pageSize", 10, &r->page_size) ||
	    (r->page_size != 10 && r->page_size != 20 && r->page_size != 50 &&
	     r->page_size != 100 && r->page_size != 250))
		detail = "pageSize is one of 10, 20, 50, 100 and 250";
	else if (!query_int(&q, "pageNumber", 1, &r->page_number) || r->page_number < 1 ||
		 r->page_number > 100000)
		detail = "pageNumber is a whole number from 1";
	else if (!query_int(&q, "limit", XAPI_LIMIT_DEFAULT, &r->limit) || r->limit < 1 ||
		 r->limit > XAPI_LIMIT_MAX)
		detail = "limit is a whole number from 1 to 500";
	const char *inst = evhttp_find_header(&q, "institution");
	if (inst == NULL)
		inst = evhttp_find_header(evhttp_request_get_input_headers(req), "X-Triad-Institution");
	const char *since = evhttp_find_header(&q, "since");
	if (detail == NULL && inst != NULL && strlen(inst) > INSTITUTION_MAX)
		detail = "institution is a slug or an id";
	if (detail == NULL && since != NULL && strlen(since) > CURSOR_MAX)
		detail = "since is a cursor taken from \"more\" or x-triad-cursor";
	if (detail == NULL) {
		snprintf(r->institution, sizeof r->institution, "%s", inst != NULL ? inst : "");
		snprintf(r->since, sizeof r->since, "%s", since != NULL ? since : "");
	}
	evhttp_clear_headers(&q);
	if (detail != NULL) {
		req_problem(r, 400, detail);
		return;
	}

	/* The token. */
	const char *auth = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
	if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0) {
		req_problem(r, 401, "send the API token as Authorization: Bearer trd_...");
		return;
	}
	const char *token = auth + 7;
	while (*token == ' ')
		token++;
	if (strlen(token) > SECRET_LEN || !secret_parse("trd", token, r->prefix, r->hash)) {
		req_problem(r, 401, "this is not a triad token (they start with trd_ and are 47 "
			    "characters long)");
		return;
	}
	Server *srv = o->srv;
	uint64_t now = now_us() / 1000;
	if (!auth_limiter_secret_allows(&srv->limiter, r->hash,
					(uint32_t)srv->cfg.signin_failures_max, now)) {
		req_problem(r, 401, "this token failed too often in the last minute; wait before "
			    "trying it again");
		return;
	}
	char *host = NULL;
	ev_uint16_t port = 0;
	evhttp_connection_get_peer(evhttp_request_get_connection(req), &host, &port);
	snprintf(r->addr, sizeof r->addr, "%s", host != NULL ? host : "");
	snprintf(r->conn_key, sizeof r->conn_key, "ooapi %s:%u", r->addr, (unsigned)port);
	peer_cert(req, r->cert);

	for (int i = 0; i < OOAPI_CACHE_SLOTS; i++) {
		CacheSlot *s = &o->cache[i];
		if (s->principal != NULL && s->expires_ms > now && secret_hash_equal(s->hash, r->hash) &&
		    (s->cert[0] == '\0' || strcmp(s->cert, r->cert) == 0)) {
			r->principal = principal_ref(s->principal);
			req_run(r);
			return;
		}
	}
	/* Not seen lately: one job finds the token and its principal's grants.
	 * Sign-ins share their address's place in the queue. */
	DbJob *job = db_job_new(signin_done, r);
	const char *params[1] = {r->prefix};
	if (job == NULL || !db_job_add(job, signin_sql, 1, params) ||
	    !db_job_add(job, signin_grants_sql, 1, params)) {
		db_job_free(job);
		req_problem(r, 503, "server is out of memory");
		return;
	}
	job->owner = pool_owner_addr(r->addr);
	pool_submit(srv->pool, job);
}

/* Each connection's bufferevent: TLS when the protocol port has it. */
static struct bufferevent *
make_bev(struct event_base *base, void *arg)
{
	Ooapi *o = arg;
	static const unsigned char sid_ctx[] = "triad-ooapi";
	SSL *ssl = SSL_new(o->srv->tls_ctx);
	if (ssl == NULL)
		return NULL;
	/* HTTP clients resume TLS sessions (a new connection per request is
	 * common). The context asks for client certificates, and OpenSSL then
	 * refuses to resume, with an internal-error alert, unless sessions
	 * carry a context id. */
	if (SSL_set_session_id_context(ssl, sid_ctx, sizeof sid_ctx - 1) != 1) {
		SSL_free(ssl);
		return NULL;
	}
	return bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
					      BEV_OPT_CLOSE_ON_FREE);
}

/* The host part of HOST:PORT or [V6]:PORT. */
static void
host_of(const char *listen, char *host, size_t size)
{
	const char *colon = strrchr(listen, ':');
	size_t n = colon != NULL ? (size_t)(colon - listen) : strlen(listen);
	if (n >= 2 && listen[0] == '[' && listen[n - 1] == ']') {
		listen++;
		n -= 2;
	}
	snprintf(host, size, "%.*s", (int)n, listen);
}

bool
ooapi_start(Server *srv, char err[256])
{
	const char *listen = srv->cfg.ooapi_listen;
	if (listen[0] == '\0')
		return true;
	char host[CONFIG_STR_MAX];
	host_of(listen, host, sizeof host);
	if (srv->tls_ctx == NULL && !tls_host_loopback(host)) {
		snprintf(err, 256, "ooapi_listen: plain HTTP (tls = off) is allowed only on a "
			 "loopback address, not on '%.100s'", listen);
		return false;
	}
	Ooapi *o = calloc(1, sizeof *o);
	if (o == NULL || (o->http = evhttp_new(srv->base)) == NULL) {
		free(o);
		snprintf(err, 256, "ooapi_listen: out of memory");
		return false;
	}
	o->srv = srv;
	srv->ooapi = o;
	evhttp_set_allowed_methods(o->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
		EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_max_headers_size(o->http, OOAPI_MAX_HEADERS_BYTES);
	evhttp_set_max_body_size(o->http, 0);
	evhttp_set_timeout(o->http, OOAPI_TIMEOUT_S);
	evhttp_set_gencb(o->http, on_request, o);
	if (srv->tls_ctx != NULL)
		evhttp_set_bevcb(o->http, make_bev, o);
	struct evconnlistener *l = listener_bind(srv->base, "ooapi_listen", listen,
						 srv->ooapi_bound, err);
	if (l == NULL)
		return false;
	if (evhttp_bind_listener(o->http, l) == NULL) {
		evconnlistener_free(l);
		snprintf(err, 256, "ooapi_listen: out of memory");
		return false;
	}
	log_info("ooapi_listening", "addr=%s tls=%s", srv->ooapi_bound,
		 srv->tls_ctx != NULL ? "on" : "off");
	return true;
}

void
ooapi_stop(Server *srv)
{
	if (srv->ooapi != NULL)
		srv->ooapi->stopping = true;
}

void
ooapi_free(Server *srv)
{
	Ooapi *o = srv->ooapi;
	if (o == NULL)
		return;
	if (o->http != NULL)
		evhttp_free(o->http);
	for (int i = 0; i < OOAPI_CACHE_SLOTS; i++)
		principal_unref(o->cache[i].principal);
	free(o->conns);
	free(o);
	srv->ooapi = NULL;
}

/*
 * svc_certificate.c: certificates as Open Badges 3.0 credentials, and the
 * institutions' signing keys (certificate.proto, sql/functions/
 * certificate.sql).
 *
 * Reading and revoking are registry rows. Issuing and rotating a key are
 * written in C, because only the daemon holds the master key
 * (credential_key_file) that seals and unseals private keys and so only
 * the daemon makes keys and signs: a look-up job asks the database for the
 * draft (the credential's JSON, and the institution's key, sealed) or for
 * a new key's id and kid; the daemon signs, inline (microseconds); the
 * request's own job stores the result, audited.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "badges.h"
#include "log.h"
#include "pool.h"
#include "sqlroute.h"
#include "svc_util.h"
#include "vcjwt.h"

#define K(x) TRIAD__V1__REQUEST__BODY_##x
#define R(x) TRIAD__V1__RESPONSE__BODY_##x
#define PAGE(n) " AND (nullif($" #n ", '') IS NULL OR id > nullif($" #n ", '')::uuid)"
#define FIND(field) "triad_certificate_find($1, $2, '" field "')"

static void svc_certificate_issue(Call *call, const Triad__V1__Request *req);
static void svc_credential_key_rotate(Call *call, const Triad__V1__Request *req);

const Route certificate_routes[] = {
	{.kind = K(ISSUE_CERTIFICATE), .verb = VERB_CERTIFICATE_ISSUE, .reply = R(CERTIFICATE),
	 .flags = ROUTE_WRITE, .handler = svc_certificate_issue},
	{K(GET_CERTIFICATE), VERB_CERTIFICATE_READ, R(CERTIFICATE), ROUTE_READ,
	 {{"SELECT * FROM certificate_v WHERE id = " FIND("get_certificate.certificate"),
	   {"certificate", "programme"}}},
	 "certificate not found"},
	{K(LIST_CERTIFICATES), VERB_CERTIFICATE_READ, R(CERTIFICATES), ROUTE_READ,
	 {{"SELECT * FROM certificate_v WHERE true" PAGE(1) " ORDER BY id LIMIT $2::int",
	   {"page_token", "$limit"}, "certificates"}},
	 NULL, true},
	{K(REVOKE_CERTIFICATE), VERB_CERTIFICATE_REVOKE, R(CERTIFICATE), ROUTE_WRITE,
	 {{"SELECT * FROM triad_certificate_revoke(" FIND("revoke_certificate.certificate")
	   ", $3, $4::numeric)",
	   {"certificate", "programme", "reason", "$request_id"}}}},
	{.kind = K(ROTATE_CREDENTIAL_KEY), .verb = VERB_CREDENTIAL_KEY_ROTATE,
	 .reply = R(CREDENTIAL_KEY), .flags = ROUTE_ACCESS_WRITE,
	 .handler = svc_credential_key_rotate},
	{K(LIST_CREDENTIAL_KEYS), VERB_CREDENTIAL_KEY_READ, R(CREDENTIAL_KEYS), ROUTE_READ,
	 {{"SELECT * FROM credential_key_v ORDER BY created_at_us, id LIMIT $1::int OFFSET $2::int",
	   {"$limit", "$offset"}, "keys"}},
	 .paged_by_position = true},
	{0},
};

/* The master key, or NULL after answering FAILED_PRECONDITION. */
static const uint8_t *
master_or_fail(Call *call)
{
	const uint8_t *master = badges_master(call->srv->badges);
	if (master == NULL)
		call_fail(call, TRIAD__V1__CODE__CODE_FAILED_PRECONDITION, NULL,
			  "this server cannot sign certificates: no credential_key_file is "
			  "configured (see triadd(8))");
	return master;
}

/* ---- IssueCertificate ---- */

static void
issue_stored(void *arg, const DbOutcome *out)
{
	Call *call = arg;

	if (call_db_failed(call, out, NULL))
		return;
	const PGresult *r = out->results[out->nresults - 1];
	Triad__V1__Certificate cert = TRIAD__V1__CERTIFICATE__INIT;
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	SqlTimes cert_times = {0};
	if (PQntuples(r) != 1 || !sqlroute_fill(&cert.base, r, 0, &cert_times)) {
		log_error("bug", "what=certificate_reply");
		call_fail(call, TRIAD__V1__CODE__CODE_INTERNAL, NULL, "internal error (reply)");
		return;
	}
	/* Every daemon reads the new list on the NOTIFY; this one at once. */
	badges_refresh(call->srv->badges);
	resp.body_case = TRIAD__V1__RESPONSE__BODY_CERTIFICATE;
	resp.certificate = &cert;
	call_answer(call, &resp);
}

/*
 * Signs a draft (row 0 of r): enrollment_id, credential_id, payload, key_id,
 * kid, alg, sealed, new_key_id, new_kid (triad_certificate_draft,
 * triad_completion_draft), with the institution's key, or with a new one
 * made here when it has none yet, and adds the statements that store the
 * certificate (and the new key) to job, the request's own. False when the
 * call has been answered with an error and job freed.
 */
static bool
draft_sign(Call *call, const PGresult *r, DbJob *job)
{
	EVP_PKEY *pkey = NULL;
	char *jwk = NULL, *sealed = NULL, *jwt = NULL;
	const uint8_t *master = master_or_fail(call);

	if (master == NULL) {
		db_job_free(job);
		return false;
	}
	const char *enrollment = cell(r, 0, 0), *id = cell(r, 0, 1), *payload = cell(r, 0, 2);
	const char *key_id = cell(r, 0, 3), *kid = cell(r, 0, 4), *alg = cell(r, 0, 5);
	bool new_key = key_id[0] == '\0';
	if (new_key) {
		key_id = cell(r, 0, 7);
		kid = cell(r, 0, 8);
		alg = call->srv->cfg.credential_key_alg;
		if (!vcjwt_key_new(alg, kid, master, &pkey, &jwk, &sealed)) {
			log_error("credential_key_failed", "what=generate alg=%s", alg);
			db_job_free(job);
			call_fail(call, TRIAD__V1__CODE__CODE_INTERNAL, NULL,
				  "the server could not make a signing key");
			return false;
		}
		log_info("credential_key_created", "kid=%s alg=%s", kid, alg);
	} else if ((pkey = vcjwt_key_open(cell(r, 0, 6), kid, master)) == NULL) {
		log_error("credential_key_failed", "what=open kid=%s", kid);
		db_job_free(job);
		call_fail(call, TRIAD__V1__CODE__CODE_FAILED_PRECONDITION, NULL,
			  "the institution's signing key does not open with this server's "
			  "credential_key_file (another master key?); an institution admin can "
			  "rotate the key");
		return false;
	}
	jwt = vcjwt_sign(pkey, alg, kid, payload);
	EVP_PKEY_free(pkey);
	if (jwt == NULL) {
		log_error("credential_key_failed", "what=sign kid=%s", kid);
		db_job_free(job);
		call_fail(call, TRIAD__V1__CODE__CODE_INTERNAL, NULL,
			  "the server could not sign the certificate");
		free(jwk);
		free(sealed);
		return false;
	}
	bool ok = true;
	if (new_key) {
		const char *kp[6] = {key_id, kid, alg, jwk, sealed, call_request_id_text(call)};
		ok = call_job_add(call, job,
				  "SELECT id FROM triad_credential_key_add($1::uuid, $2, $3, $4, $5,"
				  " false, $6::numeric)", 6, kp);
	}
	if (ok) {
		const char *cp[6] = {enrollment, id, key_id, payload, jwt, call_request_id_text(call)};
		ok = call_job_add(call, job,
				  "SELECT * FROM triad_certificate_store($1::uuid, $2::uuid, $3::uuid,"
				  " $4, $5, $6::numeric)", 6, cp);
	}
	free(jwk);
	if (sealed != NULL)
		OPENSSL_cleanse(sealed, strlen(sealed));
	free(sealed);
	free(jwt);
	return ok;
}

/* With the draft (triad_certificate_draft): signs it and stores the
 * certificate in the request's job. */
static void
issue_drafted(void *arg, const DbOutcome *out)
{
	Call *call = arg;

	if (call_db_failed(call, out, NULL))
		return;
	const PGresult *r = out->results[0];
	if (PQntuples(r) != 1) {
		log_error("bug", "what=certificate_draft rows=%d", PQntuples(r));
		call_fail(call, TRIAD__V1__CODE__CODE_INTERNAL, NULL, "internal error (draft)");
		return;
	}
	DbJob *job = call_job(call, issue_stored, call);
	if (job != NULL && draft_sign(call, r, job))
		pool_submit(call->srv->pool, job);
}

static void
svc_certificate_issue(Call *call, const Triad__V1__Request *req)
{
	const Triad__V1__IssueCertificateRequest *m = req->issue_certificate;

	if (!check_text(call, "issue_certificate.participant", m->participant, 1,
			SQLROUTE_KEY_MAX) ||
	    !check_text(call, "issue_certificate.programme", m->programme, 0, 64))
		return;
	if (master_or_fail(call) == NULL)
		return;
	const char *params[3] = {m->participant, m->programme,
				 badges_base_url(call->srv->badges)};
	DbJob *job = call_lookup_job(call, issue_drafted, call);
	if (job == NULL ||
	    !call_job_add(call, job, "SELECT * FROM triad_certificate_draft($1, $2, $3)", 3,
			  params))
		return;
	pool_submit(call->srv->pool, job);
}

/* ---- RotateCredentialKey ---- */

static void
rotate_stored(void *arg, const DbOutcome *out)
{
	Call *call = arg;

	if (call_db_failed(call, out, NULL))
		return;
	Triad__V1__CredentialKey key = TRIAD__V1__CREDENTIAL_KEY__INIT;
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	SqlTimes key_times = {0};
	if (PQntuples(out->results[0]) != 1 || !sqlroute_fill(&key.base, out->results[0], 0, &key_times)) {
		log_error("bug", "what=credential_key_reply");
		call_fail(call, TRIAD__V1__CODE__CODE_INTERNAL, NULL, "internal error (reply)");
		return;
	}
	log_info("credential_key_rotated", "kid=%s alg=%s", key.kid, key.alg);
	badges_refresh(call->srv->badges);
	resp.body_case = TRIAD__V1__RESPONSE__BODY_CREDENTIAL_KEY;
	resp.credential_key = &key;
	call_answer(call, &resp);
}

/* With the new key's id and kid (triad_credential_key_next): makes the key
 * and stores it, retiring the current one. */
static void
rotate_named(void *arg, const DbOutcome *out)
{
	Call *call = arg;
	EVP_PKEY *pkey = NULL;
	char *jwk = NULL, *sealed = NULL;

	if (call_db_failed(call, out, NULL))
		return;
	const uint8_t *master = master_or_fail(call);
	if (master == NULL)
		return;
	const PGresult *r = out->results[0];
	if (PQntuples(r) != 1) {
		call_fail(call, TRIAD__V1__CODE__CODE_INTERNAL, NULL, "internal error (key id)");
		return;
	}
	const char *alg = call->srv->cfg.credential_key_alg;
	if (!vcjwt_key_new(alg, cell(r, 0, 1), master, &pkey, &jwk, &sealed)) {
		log_error("credential_key_failed", "what=generate alg=%s", alg);
		call_fail(call, TRIAD__V1__CODE__CODE_INTERNAL, NULL,
			  "the server could not make a signing key");
		return;
	}
	EVP_PKEY_free(pkey);
	const char *params[6] = {cell(r, 0, 0), cell(r, 0, 1), alg, jwk, sealed,
				 call_request_id_text(call)};
	DbJob *job = call_job(call, rotate_stored, call);
	bool ok = job != NULL &&
		  call_job_add(call, job,
			       "SELECT * FROM triad_credential_key_add($1::uuid, $2, $3, $4, $5, true,"
			       " $6::numeric)", 6, params);
	free(jwk);
	OPENSSL_cleanse(sealed, strlen(sealed));
	free(sealed);
	if (ok)
		pool_submit(call->srv->pool, job);
}

static void
svc_credential_key_rotate(Call *call, const Triad__V1__Request *req)
{
	(void)req;
	if (master_or_fail(call) == NULL)
		return;
	const char *params[1] = {badges_base_url(call->srv->badges)};
	DbJob *job = call_lookup_job(call, rotate_named, call);
	if (job == NULL ||
	    !call_job_add(call, job, "SELECT id, kid FROM triad_credential_key_next($1)", 1, params))
		return;
	pool_submit(call->srv->pool, job);
}

/* ---- TransitionEnrollment: completing issues the certificate ---- */

/* A transition under way, until its enrollment key has been looked up
 * and, for a completion, its certificate drafted. */
typedef struct Transition {
	Call *call;
	char id[64];        /* the enrollment's id, or "" */
	char status[32];    /* the status asked for, as SQL text, or "" */
	char note[256];     /* why no certificate comes with this completion */
} Transition;

static void
transition_done(void *arg, const DbOutcome *out)
{
	Transition *t = arg;
	Call *call = t->call;
	Triad__V1__Enrollment enrollment = TRIAD__V1__ENROLLMENT__INIT;
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	Triad__V1__Status status = TRIAD__V1__STATUS__INIT;
	char message[512] = "";

	if (call_db_failed(call, out, NULL)) {
		free(t);
		return;
	}
	const PGresult *r = out->results[0];
	SqlTimes enrollment_times = {0};
	if (PQntuples(r) != 1 || !sqlroute_fill(&enrollment.base, r, 0, &enrollment_times)) {
		log_error("bug", "what=transition_reply rows=%d", PQntuples(r));
		call_fail(call, TRIAD__V1__CODE__CODE_INTERNAL, NULL, "internal error (reply)");
		free(t);
		return;
	}
	if (strcmp(t->status, "completed") == 0) {
		/* The certificate's row comes last when one was stored. */
		const PGresult *c = out->results[out->nresults - 1];
		int col = PQfnumber(c, "credential_id"), kid = PQfnumber(c, "kid");
		if (out->nresults > 1 && col >= 0 && kid >= 0 && PQntuples(c) == 1) {
			badges_refresh(call->srv->badges);
			snprintf(message, sizeof message,
				 "completed; certificate %s issued, signed with key %s",
				 cell(c, 0, col), cell(c, 0, kid));
		} else {
			snprintf(message, sizeof message,
				 "completed; no certificate was issued: %s",
				 t->note[0] != '\0' ? t->note
						    : "the enrollment was not ready when its "
						      "certificate was drafted; issue it now");
		}
		status.message = message;
		resp.status = &status;
	}
	resp.body_case = TRIAD__V1__RESPONSE__BODY_ENROLLMENT;
	resp.enrollment = &enrollment;
	call_answer(call, &resp);
	free(t);
}

/* The request's own job: the transition, and with a draft (row 0 of r) the
 * certificate signed and stored, in one transaction. */
static void
transition_write(Transition *t, const PGresult *r)
{
	Call *call = t->call;
	const char *params[3] = {t->id, t->status, call_request_id_text(call)};
	DbJob *job = call_job(call, transition_done, t);

	if (job == NULL ||
	    !call_job_add(call, job,
			  "SELECT * FROM triad_enrollment_transition(nullif($1, '')::uuid,"
			  " nullif($2, ''), $3::numeric)", 3, params) ||
	    (r != NULL && !draft_sign(call, r, job))) {
		free(t);
		return;
	}
	pool_submit(call->srv->pool, job);
}

static void
transition_drafted(void *arg, const DbOutcome *out)
{
	Transition *t = arg;

	if (call_db_failed(t->call, out, NULL)) {
		free(t);
		return;
	}
	const PGresult *r = out->results[0];
	/* No row: the transition will say why it cannot be done, or give the
	 * first answer of a repeated request. */
	if (PQntuples(r) == 1 && PQgetisnull(r, 0, 2)) {
		snprintf(t->note, sizeof t->note, "%s", cell(r, 0, 9));
		r = NULL;
	} else if (PQntuples(r) != 1) {
		r = NULL;
	}
	transition_write(t, r);
}

static void
transition_keyed(Call *call, char *const *ids, void *arg)
{
	Transition *t = arg;

	if (ids == NULL) {
		free(t);
		return;
	}
	snprintf(t->id, sizeof t->id, "%s", ids[0] != NULL ? ids[0] : "");
	if (strcmp(t->status, "completed") != 0) {
		transition_write(t, NULL);
		return;
	}
	if (badges_master(call->srv->badges) == NULL) {
		snprintf(t->note, sizeof t->note,
			 "this server cannot sign certificates (no credential_key_file is "
			 "configured, see triadd(8)); once it can, issue it with "
			 "IssueCertificate");
		transition_write(t, NULL);
		return;
	}
	const char *params[2] = {t->id, badges_base_url(call->srv->badges)};
	DbJob *job = call_lookup_job(call, transition_drafted, t);
	if (job == NULL ||
	    !call_job_add(call, job,
			  "SELECT * FROM triad_completion_draft(nullif($1, '')::uuid, $2)", 2,
			  params)) {
		free(t);
		return;
	}
	pool_submit(call->srv->pool, job);
}

void
svc_enrollment_transition(Call *call, const Triad__V1__Request *req)
{
	const Triad__V1__TransitionEnrollmentRequest *m = req->transition_enrollment;
	Transition *t;

	if (!check_text(call, "transition_enrollment.id", m->id, 0, SQLROUTE_KEY_MAX))
		return;
	if ((t = calloc(1, sizeof *t)) == NULL) {
		call_fail(call, TRIAD__V1__CODE__CODE_UNAVAILABLE, NULL, "server is out of memory");
		return;
	}
	t->call = call;
	if (!sqlroute_enum_name(&triad__v1__enrollment_status__descriptor, (int)m->status,
				t->status, sizeof t->status)) {
		free(t);
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT,
			  "transition_enrollment.status", "unknown enrollment status %d",
			  (int)m->status);
		return;
	}
	SqlKey key = {"transition_enrollment.id", "enrollment", m->id};
	sqlroute_keys(call, &key, 1, transition_keyed, t);
}

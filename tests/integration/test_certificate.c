/*
 * test_certificate.c: certificates as Open Badges 3.0 credentials against a
 * real daemon and PostgreSQL, checked by an independent verifier
 * (tests/badges/verify.mjs: jose for the VC-JWT and the JWKS the daemon
 * publishes on its HTTP port, ajv for 1EdTech's JSON schema): a completed
 * enrollment gets a credential that verifies, for the participant's e-mail
 * address; one byte changed and it does not; an enrollment not completed
 * gets none; a revocation needs a reason and shows in the published list;
 * a rotated key leaves earlier credentials verifiable; ES256 keys verify
 * too; the private key is sealed in the database; the audit trail and the
 * partner stream tell of each; and the client's commands.
 */
#include "harness.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define REQ(var) Triad__V1__Request var = TRIAD__V1__REQUEST__INIT
#define CODE(x) TRIAD__V1__CODE__CODE_##x

static Triadd d;
static Sess op;
static char http_addr[64];
static char master_path[256];
static char slug[64];
static char prog_code[32];
static char *cohort;
static int uniq;

typedef struct Part {
	char name[80];
	char email[128];
	char *person;
	char *enrollment;
} Part;

/* ---- helpers ---- */

/* GET path from the HTTP port at addr (HTTP/1.0); the status code, the body in body. */
static int
http_get(const char *addr, const char *path, char *body, size_t size)
{
	static char buf[262144];
	char req[512];
	size_t used = 0;
	int fd = tc_connect_plain(addr);

	snprintf(req, sizeof req, "GET %s HTTP/1.0\r\n\r\n", path);
	tc_send_raw(fd, req, strlen(req));
	uint64_t deadline = ms_now() + 5000;
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int left = (int)(deadline - ms_now());
		if (left <= 0 || poll(&p, 1, left) <= 0)
			fail_msg("no answer to GET %s", path);
		ssize_t n = read(fd, buf + used, sizeof buf - 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		assert_true(n >= 0);
		if (n == 0)
			break;
		used += (size_t)n;
		assert_true(used < sizeof buf - 1);
	}
	close(fd);
	buf[used] = '\0';
	int status = 0;
	assert_int_equal(sscanf(buf, "HTTP/1.%*d %d", &status), 1);
	const char *b = strstr(buf, "\r\n\r\n");
	assert_non_null(b);
	snprintf(body, size, "%s", b + 4);
	return status;
}

/* Polls GET path until its body contains want (the published set is read
 * asynchronously); fails after 10 s. */
static void
http_wait_for(const char *addr, const char *path, const char *want)
{
	static char body[262144];
	uint64_t deadline = ms_now() + 10000;
	for (;;) {
		int status = http_get(addr, path, body, sizeof body);
		if (status == 200 && strstr(body, want) != NULL)
			return;
		if (ms_now() > deadline)
			fail_msg("GET %s: %d, no \"%s\" in:\n%s", path, status, want, body);
		usleep(50 * 1000);
	}
}

static void
write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/*
 * Runs the independent verifier on jwt (for email when not NULL); returns
 * its exit code, its JSON line in out.
 */
static int
verify(const char *jwt, const char *email, char *out, size_t size)
{
	char file[256], cmd[1024], lower[128] = "";
	/* What is hashed is the address in lower case (docs/certificates.md). */
	for (size_t i = 0; email != NULL && email[i] != '\0' && i + 1 < sizeof lower; i++) {
		lower[i] = (char)(email[i] >= 'A' && email[i] <= 'Z' ? email[i] + 32 : email[i]);
		lower[i + 1] = '\0';
	}
	email = email != NULL ? lower : NULL;
	harness_tmp_path(file, sizeof file, "credential.jwt");
	write_text(file, jwt);
	snprintf(cmd, sizeof cmd, "node '%s/tests/badges/verify.mjs' '%s'%s%s%s 2>&1",
		 TRIAD_SOURCE_DIR, file, email ? " --email '" : "", email ? email : "",
		 email ? "'" : "");
	return run_capture(cmd, out, size);
}

/* Like expect_status_free(), with part of the message. */
static void
expect_fail(Triad__V1__Response *r, Triad__V1__Code code, const char *part, const char *field)
{
	expect_status(r, code, NULL, field);
	if (part != NULL)
		expect_contains(r->status->message, part);
	rpc_free(r);
}

/* The verifier must accept. */
static void
verify_ok(const char *jwt, const char *email, char *out, size_t size)
{
	if (verify(jwt, email, out, size) != 0)
		fail_msg("the verifier refused: %s", out);
}

static void
mk_part(Part *p, const char *stem)
{
	test_unique(p->name, sizeof p->name, stem);
	snprintf(p->email, sizeof p->email, "%s@example.org", p->name);
	for (char *c = p->email; *c; c++) {
		if (*c == ' ')
			*c = '.';
	}
	p->person = make_person(&op, slug, p->name, p->email);
	REQ(req);
	Triad__V1__EnrollRequest m = TRIAD__V1__ENROLL_REQUEST__INIT;
	m.person_id = p->person;
	m.cohort_id = cohort;
	req.body_case = TRIAD__V1__REQUEST__BODY_ENROLL;
	req.enroll = &m;
	Triad__V1__Response *r = rpc_ok(&op, slug, &req);
	p->enrollment = test_strdup(r->enrollment->id);
	rpc_free(r);
}

/* Takes p's enrollment from applied to status to, step by step. */
static void
advance(Part *p, Triad__V1__EnrollmentStatus to)
{
	static const Triad__V1__EnrollmentStatus steps[] = {
		TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_INTAKE_PLANNED,
		TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ADMITTED,
		TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ACTIVE,
		TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_COMPLETED,
	};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		Triad__V1__Response *r = move_enrollment(&op, slug, p->enrollment, steps[i]);
		expect_status_free(r, CODE(OK), NULL, NULL);
		if (steps[i] == to)
			return;
	}
}

static Triad__V1__Response *
issue(Sess *s, const char *who)
{
	REQ(req);
	Triad__V1__IssueCertificateRequest m = TRIAD__V1__ISSUE_CERTIFICATE_REQUEST__INIT;
	m.participant = (char *)who;
	req.body_case = TRIAD__V1__REQUEST__BODY_ISSUE_CERTIFICATE;
	req.issue_certificate = &m;
	return rpc(s, slug, &req);
}

/* The certificate a completion issued, by the participant's key. */
static Triad__V1__Response *
issued(Sess *s, const char *who)
{
	REQ(req);
	Triad__V1__GetCertificateRequest m = TRIAD__V1__GET_CERTIFICATE_REQUEST__INIT;
	m.certificate = (char *)who;
	req.body_case = TRIAD__V1__REQUEST__BODY_GET_CERTIFICATE;
	req.get_certificate = &m;
	return rpc(s, slug, &req);
}

static Triad__V1__Response *
revoke_cert(Sess *s, const char *who, const char *reason)
{
	REQ(req);
	Triad__V1__RevokeCertificateRequest m = TRIAD__V1__REVOKE_CERTIFICATE_REQUEST__INIT;
	m.certificate = (char *)who;
	m.reason = (char *)reason;
	req.body_case = TRIAD__V1__REQUEST__BODY_REVOKE_CERTIFICATE;
	req.revoke_certificate = &m;
	return rpc(s, slug, &req);
}

static Triad__V1__Response *
rotate(Sess *s)
{
	REQ(req);
	Triad__V1__RotateCredentialKeyRequest m = TRIAD__V1__ROTATE_CREDENTIAL_KEY_REQUEST__INIT;
	req.body_case = TRIAD__V1__REQUEST__BODY_ROTATE_CREDENTIAL_KEY;
	req.rotate_credential_key = &m;
	return rpc(s, slug, &req);
}

/* The path of the institution's JWKS, and of its revocation list. */
static void
jwks_path(char *buf, size_t size)
{
	snprintf(buf, size, "/institutions/%s/jwks.json", slug);
}

static void
revocations_path(char *buf, size_t size)
{
	snprintf(buf, size, "/institutions/%s/revocations.json", slug);
}

/* ---- setup ---- */

static int
setup(void **state)
{
	char extra[512];
	harness_tmp_path(master_path, sizeof master_path, "credential.key");
	write_text(master_path,
		   "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n");
	assert_int_equal(chmod(master_path, 0600), 0);
	snprintf(extra, sizeof extra, "credential_key_file = %s\n", master_path);
	triadd_start(&d, extra);
	if (!triadd_http_addr(&d, http_addr, sizeof http_addr))
		fail_msg("no event=http_listening in the log");
	op = sess_open(d.addr, test_token());

	make_institution(&op, "cert", "Hogeschool van Amsterdam", slug);
	snprintf(prog_code, sizeof prog_code, "MPM%d", ++uniq);
	char *programme = make_programme(&op, slug, prog_code, 0);

	REQ(ro);
	Triad__V1__CreateLearningOutcomeRequest co = TRIAD__V1__CREATE_LEARNING_OUTCOME_REQUEST__INIT;
	Triad__V1__LearningOutcome o = TRIAD__V1__LEARNING_OUTCOME__INIT;
	o.programme_id = programme;
	o.code = "LO1";
	o.description = "Onderzoekt een praktijkvraag in de eigen werkplek";
	o.credits = 15;
	co.outcome = &o;
	ro.body_case = TRIAD__V1__REQUEST__BODY_CREATE_LEARNING_OUTCOME;
	ro.create_learning_outcome = &co;
	rpc_free(rpc_ok(&op, slug, &ro));

	REQ(rc);
	Triad__V1__CreateCohortRequest cc = TRIAD__V1__CREATE_COHORT_REQUEST__INIT;
	Triad__V1__Cohort c = TRIAD__V1__COHORT__INIT;
	char name[64];
	test_unique(name, sizeof name, "MPM 24");
	c.programme_id = programme;
	c.name = name;
	c.starts_on = "2024-09-01";
	c.ends_on = "2026-06-30";
	cc.cohort = &c;
	rc.body_case = TRIAD__V1__REQUEST__BODY_CREATE_COHORT;
	rc.create_cohort = &cc;
	Triad__V1__Response *r = rpc_ok(&op, slug, &rc);
	cohort = test_strdup(r->cohort->id);
	rpc_free(r);
	free(programme);
	return 0;
}

static int
teardown(void **state)
{
	sess_close(&op);
	free(cohort);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
	return 0;
}

/* ---- tests ---- */

/*
 * The whole way: a completed enrollment's certificate verifies with the
 * independent verifier, for her address and no other; a byte changed
 * anywhere fails it; a second certificate is refused; a revocation needs a
 * reason, and the verifier then sees the credential revoked.
 */
static void
test_issue_verify_tamper_revoke(void **state)
{
	Part anna;
	char out[8192], path[256];

	mk_part(&anna, "Anna Certificaat");
	advance(&anna, TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_COMPLETED);

	/* Issued by the completion itself. */
	Triad__V1__Response *r = issued(&op, anna.email);
	expect_status(r, CODE(OK), NULL, NULL);
	const Triad__V1__Certificate *c = r->certificate;
	assert_int_equal(c->status, TRIAD__V1__CERTIFICATE_STATUS__CERTIFICATE_STATUS_VALID);
	assert_string_equal(c->participant_email, anna.email);
	assert_string_equal(c->programme_code, prog_code);
	assert_string_equal(c->alg, "EdDSA");
	char want_kid[256];
	snprintf(want_kid, sizeof want_kid, "http://%s/institutions/%s/jwks.json#", http_addr, slug);
	assert_true(strncmp(c->kid, want_kid, strlen(want_kid)) == 0);
	assert_true(c->credits_available == 60);
	expect_contains(c->credential, "\"OpenBadgeCredential\"");
	expect_contains(c->credential, "\"identityHash\": \"sha256$");
	expect_contains(c->credential, "LO1: Onderzoekt een praktijkvraag");
	/* No person's address in clear: only its salted hash. */
	expect_lacks(c->credential, anna.email);
	char *jwt = test_strdup(c->jwt);
	char *id = test_strdup(c->id);
	char *credential_id = test_strdup(c->credential_id);
	rpc_free(r);

	/* Published by the daemon (read asynchronously: wait for it). */
	jwks_path(path, sizeof path);
	http_wait_for(http_addr, path, "\"crv\": \"Ed25519\"");

	verify_ok(jwt, anna.email, out, sizeof out);
	expect_contains(out, "\"verified\":true");
	expect_contains(out, "\"status\":\"valid\"");
	expect_contains(out, "\"recipient\":true");
	expect_contains(out, credential_id);

	/* Someone else's address does not match the credential. */
	assert_int_not_equal(verify(jwt, "someone.else@example.org", out, sizeof out), 0);
	expect_contains(out, "not about this e-mail address");

	/* One byte changed in the payload, then in the signature: refused. */
	char *bad = test_strdup(jwt);
	char *dot = strchr(bad, '.');
	assert_non_null(dot);
	char *p = dot + 20;
	*p = *p == 'A' ? 'B' : 'A';
	assert_int_not_equal(verify(bad, anna.email, out, sizeof out), 0);
	expect_contains(out, "\"verified\":false");
	expect_contains(out, "signature");
	free(bad);
	bad = test_strdup(jwt);
	p = strrchr(bad, '.') + 10;
	*p = *p == 'A' ? 'B' : 'A';
	assert_int_not_equal(verify(bad, anna.email, out, sizeof out), 0);
	expect_contains(out, "signature");
	free(bad);

	/* One valid certificate per enrollment. */
	r = issue(&op, anna.email);
	expect_fail(r, CODE(ALREADY_EXISTS), "valid certificate already",
			   "issue_certificate.participant");

	/* The private key is sealed; the published one has no private part. */
	char *n = owner_sql("SELECT count(*) FROM credential_key k JOIN institution i"
			    " ON i.id = k.institution_id WHERE i.slug = $1"
			    " AND position('PRIVATE KEY'::bytea IN k.private_sealed) = 0"
			    " AND NOT k.public_jwk ? 'd'", slug, NULL, NULL);
	assert_string_equal(n, "1");
	free(n);

	/* Revoking needs a reason. */
	r = revoke_cert(&op, anna.email, "");
	expect_fail(r, CODE(INVALID_ARGUMENT), "needs a reason", "revoke_certificate.reason");
	r = revoke_cert(&op, anna.email, "Plagiaat in het eindwerk vastgesteld");
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->certificate->status,
			 TRIAD__V1__CERTIFICATE_STATUS__CERTIFICATE_STATUS_REVOKED);
	assert_string_equal(r->certificate->revocation_reason, "Plagiaat in het eindwerk vastgesteld");
	rpc_free(r);
	r = revoke_cert(&op, id, "again");
	expect_fail(r, CODE(FAILED_PRECONDITION), "revoked already", NULL);

	revocations_path(path, sizeof path);
	http_wait_for(http_addr, path, credential_id);
	/* The public list names the credential, not the reason. */
	char body[65536];
	assert_int_equal(http_get(http_addr, path, body, sizeof body), 200);
	expect_lacks(body, "Plagiaat");
	verify_ok(jwt, anna.email, out, sizeof out);
	expect_contains(out, "\"status\":\"revoked\"");

	/* Audited, and told to partners as domain events. */
	n = owner_sql("SELECT string_agg(action, ',' ORDER BY id) FROM audit_event"
		      " WHERE resource_id = $1", id, NULL, NULL);
	assert_string_equal(n, "certificate.issue,certificate.revoke");
	free(n);
	n = owner_sql("SELECT string_agg(type, ',' ORDER BY aggregate_version) FROM domain_event"
		      " WHERE aggregate_id = $1::uuid", id, NULL, NULL);
	assert_string_equal(n, "certificate.issued,certificate.revoked");
	free(n);
	n = owner_sql("SELECT count(*) FROM domain_event WHERE aggregate_type = 'credential_key'",
		      NULL, NULL, NULL);
	assert_string_equal(n, "0");
	free(n);

	/* A new certificate after the revocation. */
	r = issue(&op, anna.email);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_not_equal(r->certificate->id, id);
	char *second = test_strdup(r->certificate->id);
	rpc_free(r);

	/* Named by her address or her enrollment: the valid one; by its id, the
	 * revoked one. */
	const char *names[3] = {anna.email, anna.enrollment, credential_id};
	const char *want[3] = {second, second, id};
	for (int i = 0; i < 3; i++) {
		REQ(get);
		Triad__V1__GetCertificateRequest g = TRIAD__V1__GET_CERTIFICATE_REQUEST__INIT;
		g.certificate = (char *)names[i];
		get.body_case = TRIAD__V1__REQUEST__BODY_GET_CERTIFICATE;
		get.get_certificate = &g;
		r = rpc(&op, slug, &get);
		expect_status(r, CODE(OK), NULL, NULL);
		assert_string_equal(r->certificate->id, want[i]);
		rpc_free(r);
	}
	free(second);

	free(jwt);
	free(id);
	free(credential_id);
	free(anna.person);
	free(anna.enrollment);
}

/*
 * A completion sent again with the same idempotency key gets its first
 * answer, certificate included, and issues no second one; the completion
 * and its certificate are audited once, under the completing request.
 */
static void
test_completion_done_once(void **state)
{
	Part kees;
	char rid[32];

	mk_part(&kees, "Kees Eenmaal");
	advance(&kees, TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ACTIVE);
	REQ(req);
	Triad__V1__TransitionEnrollmentRequest m = TRIAD__V1__TRANSITION_ENROLLMENT_REQUEST__INIT;
	m.id = kees.email;
	m.status = TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_COMPLETED;
	req.body_case = TRIAD__V1__REQUEST__BODY_TRANSITION_ENROLLMENT;
	req.transition_enrollment = &m;
	char key[128];
	/* Keys are kept a while: one of this run's. */
	snprintf(key, sizeof key, "complete-%s", kees.enrollment);
	req.idempotency_key = key;
	Triad__V1__Response *r1 = rpc(&op, slug, &req);
	expect_status(r1, CODE(OK), NULL, NULL);
	expect_contains(r1->status->message, "completed; certificate urn:uuid:");
	assert_int_equal(r1->enrollment->status,
			 TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_COMPLETED);
	snprintf(rid, sizeof rid, "%llu", (unsigned long long)req.id);
	Triad__V1__Response *r2 = rpc(&op, slug, &req);
	expect_status(r2, CODE(OK), NULL, NULL);
	assert_string_equal(r2->status->message, r1->status->message);
	assert_string_equal(r2->enrollment->id, r1->enrollment->id);
	rpc_free(r1);
	rpc_free(r2);
	char *n = owner_sql("SELECT count(*) FROM certificate WHERE enrollment_id = $1",
			    kees.enrollment, NULL, NULL);
	assert_string_equal(n, "1");
	free(n);
	n = owner_sql("SELECT string_agg(action, ',' ORDER BY id) FROM audit_event"
		      " WHERE request_id = $1::numeric AND resource_id IN ($2,"
		      " (SELECT id::text FROM certificate WHERE enrollment_id::text = $2))",
		      rid, kees.enrollment, NULL);
	expect_contains(n, "enrollment.completed");
	expect_contains(n, "certificate.issue");
	free(n);
	/* Partners hear of the certificate as of any issue. */
	n = owner_sql("SELECT count(*) FROM domain_event d JOIN certificate c ON c.id = d.aggregate_id"
		      " WHERE c.enrollment_id = $1 AND d.type = 'certificate.issued'",
		      kees.enrollment, NULL, NULL);
	assert_string_equal(n, "1");
	free(n);
	free(kees.person);
	free(kees.enrollment);
}

/* An enrollment that is not completed gets no certificate, and says why. */
static void
test_not_completed(void **state)
{
	Part bram;
	mk_part(&bram, "Bram Bezig");
	advance(&bram, TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ACTIVE);
	Triad__V1__Response *r = issue(&op, bram.email);
	expect_fail(r, CODE(FAILED_PRECONDITION), "active, not completed",
			   "issue_certificate.participant");
	r = issue(&op, "nobody@example.org");
	expect_fail(r, CODE(NOT_FOUND), "no enrollment of", "issue_certificate.participant");
	r = issue(&op, "");
	expect_status_free(r, CODE(INVALID_ARGUMENT), NULL, "issue_certificate.participant");
	free(bram.person);
	free(bram.enrollment);
}

/*
 * Who: a lecturer neither issues nor revokes; the participant sees her own
 * certificate and cannot issue one; an institution admin rotates the key.
 */
static void
test_who(void **state)
{
	Part carla;
	char name[80], email[128];

	mk_part(&carla, "Carla Compleet");
	advance(&carla, TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_COMPLETED);
	char *token = invite_and_redeem(&op, d.addr, slug, carla.person,
					TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0, NULL);
	test_unique(name, sizeof name, "Docent");
	snprintf(email, sizeof email, "docent%d@example.org", ++uniq);
	char *lecturer = make_person(&op, slug, name, email);
	char *lt = invite_and_redeem(&op, d.addr, slug, lecturer,
				     TRIAD__V1__ROLE__ROLE_PROGRAMME_STAFF,
				     TRIAD__V1__STAFF_TITLE__STAFF_TITLE_LECTURER, NULL);

	Sess ls = sess_open(d.addr, lt);
	expect_status_free(issue(&ls, carla.email), CODE(PERMISSION_DENIED), NULL, NULL);
	Sess ps = sess_open(d.addr, token);
	expect_status_free(issue(&ps, carla.email), CODE(PERMISSION_DENIED), NULL, NULL);
	expect_status_free(rotate(&ps), CODE(PERMISSION_DENIED), NULL, NULL);
	expect_status_free(rotate(&ls), CODE(PERMISSION_DENIED), NULL, NULL);

	Triad__V1__Response *r = issued(&op, carla.email);
	expect_status(r, CODE(OK), NULL, NULL);
	char *id = test_strdup(r->certificate->id);
	rpc_free(r);

	/* Her own, with nothing named. */
	REQ(get);
	Triad__V1__GetCertificateRequest g = TRIAD__V1__GET_CERTIFICATE_REQUEST__INIT;
	get.body_case = TRIAD__V1__REQUEST__BODY_GET_CERTIFICATE;
	get.get_certificate = &g;
	r = rpc(&ps, slug, &get);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->certificate->id, id);
	rpc_free(r);
	expect_status_free(revoke_cert(&ls, carla.email, "no"), CODE(PERMISSION_DENIED), NULL, NULL);

	/* Her export holds it, as signed. */
	REQ(ex);
	Triad__V1__ExportMyDataRequest em = TRIAD__V1__EXPORT_MY_DATA_REQUEST__INIT;
	ex.body_case = TRIAD__V1__REQUEST__BODY_EXPORT_MY_DATA;
	ex.export_my_data = &em;
	r = rpc(&ps, NULL, &ex);
	expect_status(r, CODE(OK), NULL, NULL);
	expect_contains(r->my_data->document, "\"certificates\"");
	char urn[64];
	snprintf(urn, sizeof urn, "urn:uuid:%s", id);
	expect_contains(r->my_data->document, urn);
	rpc_free(r);

	sess_close(&ls);
	sess_close(&ps);
	free(id);
	free(token);
	free(lt);
	free(lecturer);
	free(carla.person);
	free(carla.enrollment);
}

/*
 * Rotation: the new key signs what is issued from then on; the retired key
 * stays published and what it signed still verifies. `triadd keys rotate`
 * does the same from the server's command line.
 */
static void
test_rotation(void **state)
{
	Part dirk, eva;
	char out[8192], path[256];

	mk_part(&dirk, "Dirk Voor");
	advance(&dirk, TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_COMPLETED);
	Triad__V1__Response *r = issued(&op, dirk.email);
	expect_status(r, CODE(OK), NULL, NULL);
	char *old_jwt = test_strdup(r->certificate->jwt);
	char *old_kid = test_strdup(r->certificate->kid);
	rpc_free(r);

	r = rotate(&op);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_true(r->credential_key->current);
	assert_string_not_equal(r->credential_key->kid, old_kid);
	char *new_kid = test_strdup(r->credential_key->kid);
	rpc_free(r);

	mk_part(&eva, "Eva Na");
	advance(&eva, TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_COMPLETED);
	r = issued(&op, eva.email);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->certificate->kid, new_kid);
	char *new_jwt = test_strdup(r->certificate->jwt);
	rpc_free(r);

	jwks_path(path, sizeof path);
	http_wait_for(http_addr, path, strchr(new_kid, '#'));
	http_wait_for(http_addr, path, strchr(old_kid, '#'));
	verify_ok(old_jwt, dirk.email, out, sizeof out);
	expect_contains(out, old_kid);
	verify_ok(new_jwt, eva.email, out, sizeof out);
	expect_contains(out, new_kid);

	/* From the server's command line, with the daemon's config, which must
	 * say where the HTTP port is reached (its port was chosen at start). */
	char cmd[1024], extra[512];
	snprintf(cmd, sizeof cmd, "'%s' keys rotate --config '%s' --institution '%s' 2>&1",
		 env_required("TRIADD"), d.conf, slug);
	assert_int_equal(run_capture(cmd, out, sizeof out), 1);
	expect_contains(out, "set public_url");
	snprintf(extra, sizeof extra, "credential_key_file = %s\npublic_url = http://%s/\n",
		 master_path, http_addr);
	triadd_write_config(&d, extra);
	snprintf(cmd, sizeof cmd, "'%s' keys rotate --config '%s' --institution '%s' 2>&1",
		 env_required("TRIADD"), d.conf, slug);
	assert_int_equal(run_capture(cmd, out, sizeof out), 0);
	expect_contains(out, "/jwks.json#");
	char cli_kid_tail[64];
	snprintf(cli_kid_tail, sizeof cli_kid_tail, "%.36s", strchr(out, '#') + 1);
	/* The running daemon hears of it (NOTIFY) and publishes it. */
	http_wait_for(http_addr, path, cli_kid_tail);
	char *n = owner_sql("SELECT count(*) FILTER (WHERE retired_at IS NULL) || '/' || count(*)"
			    " FROM credential_key k JOIN institution i ON i.id = k.institution_id"
			    " WHERE i.slug = $1", slug, NULL, NULL);
	assert_string_equal(n, "1/3");
	free(n);
	n = owner_sql("SELECT count(*) FROM audit_event a JOIN institution i"
		      " ON i.id = a.institution_id WHERE i.slug = $1"
		      " AND a.action = 'credential_key.rotate'", slug, NULL, NULL);
	assert_string_equal(n, "2");
	free(n);
	verify_ok(old_jwt, dirk.email, out, sizeof out);

	free(old_jwt);
	free(old_kid);
	free(new_kid);
	free(new_jwt);
	free(dirk.person);
	free(dirk.enrollment);
	free(eva.person);
	free(eva.enrollment);
}

/* A daemon configured for ES256 signs with P-256 keys, which verify too. */
static void
test_es256(void **state)
{
	Triadd e;
	char extra[512], addr[64], out[8192], path[256], other[64];

	snprintf(extra, sizeof extra, "credential_key_file = %s\ncredential_key_alg = ES256\n",
		 master_path);
	triadd_start(&e, extra);
	if (!triadd_http_addr(&e, addr, sizeof addr))
		fail_msg("no event=http_listening in the log");
	Sess s = sess_open(e.addr, test_token());
	/* A fresh institution, whose first key this daemon makes. */
	make_institution(&s, "es", "Fontys", other);
	char *programme = make_programme(&s, other, "MIZ", 0);
	REQ(rc);
	Triad__V1__CreateCohortRequest cc = TRIAD__V1__CREATE_COHORT_REQUEST__INIT;
	Triad__V1__Cohort c = TRIAD__V1__COHORT__INIT;
	c.programme_id = programme;
	c.name = "MiZ 24";
	c.starts_on = "2024-09-01";
	c.ends_on = "2026-06-30";
	cc.cohort = &c;
	rc.body_case = TRIAD__V1__REQUEST__BODY_CREATE_COHORT;
	rc.create_cohort = &cc;
	Triad__V1__Response *r = rpc_ok(&s, other, &rc);
	char *es_cohort = test_strdup(r->cohort->id);
	rpc_free(r);
	char fname[80], femail[128];
	test_unique(fname, sizeof fname, "Fenna");
	snprintf(femail, sizeof femail, "%s@fontys.example.org", fname);
	for (char *q = femail; *q; q++) {
		if (*q == ' ')
			*q = '.';
	}
	char *person = make_person(&s, other, fname, femail);
	REQ(er);
	Triad__V1__EnrollRequest em = TRIAD__V1__ENROLL_REQUEST__INIT;
	em.person_id = person;
	em.cohort_id = es_cohort;
	er.body_case = TRIAD__V1__REQUEST__BODY_ENROLL;
	er.enroll = &em;
	r = rpc_ok(&s, other, &er);
	char *enrollment = test_strdup(r->enrollment->id);
	rpc_free(r);
	for (int st = TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_INTAKE_PLANNED;
	     st < TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_COMPLETED; st++)
		expect_status_free(move_enrollment(&s, other, enrollment, st), CODE(OK), NULL, NULL);
	/* The completion issues it, and says so. */
	r = move_enrollment(&s, other, enrollment,
			    TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_COMPLETED);
	expect_status(r, CODE(OK), NULL, NULL);
	expect_contains(r->status->message, "issued, signed with key");
	rpc_free(r);

	REQ(req);
	Triad__V1__GetCertificateRequest m = TRIAD__V1__GET_CERTIFICATE_REQUEST__INIT;
	m.certificate = femail;
	req.body_case = TRIAD__V1__REQUEST__BODY_GET_CERTIFICATE;
	req.get_certificate = &m;
	r = rpc(&s, other, &req);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->certificate->alg, "ES256");
	char *jwt = test_strdup(r->certificate->jwt);
	rpc_free(r);
	snprintf(path, sizeof path, "/institutions/%s/jwks.json", other);
	http_wait_for(addr, path, "\"crv\": \"P-256\"");
	verify_ok(jwt, femail, out, sizeof out);
	expect_contains(out, "\"alg\":\"ES256\"");

	/* The first daemon publishes the same keys (from the database). */
	http_wait_for(http_addr, path, "\"crv\": \"P-256\"");

	sess_close(&s);
	assert_int_equal(triadd_stop(&e, SIGTERM), 0);
	free(jwt);
	free(programme);
	free(es_cohort);
	free(person);
	free(enrollment);
}

/* A daemon without credential_key_file says it cannot sign; unknown paths 404. */
static void
test_no_key_file(void **state)
{
	Triadd e;
	char addr[64], body[1024];
	triadd_start(&e, NULL);
	if (!triadd_http_addr(&e, addr, sizeof addr))
		fail_msg("no event=http_listening in the log");
	Sess s = sess_open(e.addr, test_token());
	Triad__V1__Response *r = issue(&s, "x@example.org");
	expect_fail(r, CODE(FAILED_PRECONDITION), "no credential_key_file", NULL);
	/* A completion on it is done, without a certificate, and says why. */
	Part ida;
	mk_part(&ida, "Ida Zondersleutel");
	for (int st = TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_INTAKE_PLANNED;
	     st <= TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_COMPLETED; st++) {
		r = move_enrollment(&s, slug, ida.enrollment, st);
		expect_status(r, CODE(OK), NULL, NULL);
		assert_int_equal(r->enrollment->status, st);
		if (st == TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_COMPLETED)
			expect_contains(r->status->message,
					"no certificate was issued: this server cannot sign");
		rpc_free(r);
	}
	r = issued(&op, ida.email);
	expect_fail(r, CODE(NOT_FOUND), NULL, NULL);
	sess_close(&s);
	/* A server that can sign issues it afterwards. */
	r = issue(&op, ida.email);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->certificate->participant_email, ida.email);
	rpc_free(r);
	free(ida.person);
	free(ida.enrollment);
	/* 503 until the published set is read, then 404 for an unknown name. */
	uint64_t deadline = ms_now() + 10000;
	int status;
	while ((status = http_get(addr, "/institutions/no-such-slug-here/jwks.json", body,
				  sizeof body)) == 503 && ms_now() < deadline)
		usleep(50 * 1000);
	assert_int_equal(status, 404);
	assert_int_equal(triadd_stop(&e, SIGTERM), 0);
}

/* The client: issue by e-mail, show readable, --json the credential, export the VC-JWT. */
static void
test_client(void **state)
{
	Part gijs;
	char out[65536], args[512];

	mk_part(&gijs, "Gijs Client");
	advance(&gijs, TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ACTIVE);
	/* Completing through the client issues it, and says so. */
	snprintf(args, sizeof args, "--institution %s enrollment move %s completed", slug,
		 gijs.enrollment);
	triad_cli_ok(d.addr, test_token(), args, out, sizeof out);
	expect_contains(out, "completed; certificate urn:uuid:");
	expect_contains(out, "issued, signed with key");
	/* A second issue is refused while it is valid. */
	snprintf(args, sizeof args, "--institution %s certificate issue %s", slug, gijs.email);
	assert_int_equal(triad_cli(d.addr, test_token(), args, out, sizeof out), 1);
	expect_contains(out, "valid certificate already");
	snprintf(args, sizeof args, "--institution %s certificate show %s", slug, gijs.email);
	triad_cli_ok(d.addr, test_token(), args, out, sizeof out);
	expect_contains(out, "Certificate of ");
	expect_contains(out, "status       valid");
	expect_contains(out, "triad certificate export");

	snprintf(args, sizeof args, "--institution %s certificate show %s --json", slug,
		 gijs.email);
	triad_cli_ok(d.addr, test_token(), args, out, sizeof out);
	assert_true(out[0] == '{');
	expect_contains(out, "\"type\": [\"VerifiableCredential\", \"OpenBadgeCredential\"]");

	snprintf(args, sizeof args, "--institution %s certificate export %s", slug, gijs.email);
	triad_cli_ok(d.addr, test_token(), args, out, sizeof out);
	out[strcspn(out, "\n")] = '\0';
	char verdict[8192];
	verify_ok(out, gijs.email, verdict, sizeof verdict);

	snprintf(args, sizeof args, "--institution %s certificate revoke %s", slug, gijs.email);
	assert_int_equal(triad_cli(d.addr, test_token(), args, out, sizeof out), 2);
	expect_contains(out, "--reason");
	snprintf(args, sizeof args, "--institution %s certificate revoke %s --reason 'Fout "
		 "uitgegeven'", slug, gijs.email);
	triad_cli_ok(d.addr, test_token(), args, out, sizeof out);
	expect_contains(out, "status       revoked");
	expect_contains(out, "Fout uitgegeven");

	snprintf(args, sizeof args, "--institution %s certificate keys", slug);
	triad_cli_ok(d.addr, test_token(), args, out, sizeof out);
	expect_contains(out, "EdDSA");
	free(gijs.person);
	free(gijs.enrollment);
}

/* A reload with a master key file that does not load keeps the old key. */
static void
test_reload_keeps_key(void **state)
{
	Part hans;
	char bad[256], extra[512];

	harness_tmp_path(bad, sizeof bad, "open.key");
	write_text(bad, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n");
	assert_int_equal(chmod(bad, 0644), 0);
	snprintf(extra, sizeof extra, "credential_key_file = %s\n", bad);
	triadd_write_config(&d, extra);
	assert_int_equal(kill(d.pid, SIGHUP), 0);
	uint64_t deadline = ms_now() + 10000;
	while (!triadd_log_contains(&d, "event=credential_key_file_reload_failed") &&
	       ms_now() < deadline)
		usleep(20 * 1000);
	assert_true(triadd_log_contains(&d, "make it 0600"));

	mk_part(&hans, "Hans Herladen");
	advance(&hans, TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_COMPLETED);
	Triad__V1__Response *r = issued(&op, hans.email);
	expect_status(r, CODE(OK), NULL, NULL);
	rpc_free(r);

	snprintf(extra, sizeof extra, "credential_key_file = %s\n", master_path);
	triadd_write_config(&d, extra);
	free(hans.person);
	free(hans.enrollment);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_issue_verify_tamper_revoke),
		cmocka_unit_test(test_completion_done_once),
		cmocka_unit_test(test_not_completed),
		cmocka_unit_test(test_who),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_es256),
		cmocka_unit_test(test_no_key_file),
		cmocka_unit_test(test_client),
		cmocka_unit_test(test_reload_keeps_key),
	};
	return harness_run_group("certificate", tests, sizeof tests / sizeof tests[0], setup,
				 teardown);
}

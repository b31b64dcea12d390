/*
 * test_outcomes.c: answers that say what is known. A write cut off while
 * it ran in the database gets OUTCOME_UNKNOWN, never UNAVAILABLE (which
 * says it did not run), and a retry with its idempotency key does it once;
 * at the drain timeout every request still waiting or running is answered
 * before the daemon exits.
 *
 * The database is made slow by the schema owner holding a lock the write
 * needs, which the test releases itself: no sleep stands in for it.
 */
#include "harness.h"

#include <libpq-fe.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REQ(var) Triad__V1__Request var = TRIAD__V1__REQUEST__INIT

/* The schema owner's connection holding organisation locked, released by
 * unlock() or, when a test fails first, by the teardown. */
static PGconn *held;

static PGconn *
lock_organisations(void)
{
	PGconn *pg = PQconnectdb(env_required("TRIAD_TEST_OWNER_DB"));
	if (PQstatus(pg) != CONNECTION_OK)
		fail_msg("owner connection: %s", PQerrorMessage(pg));
	PGresult *r = PQexec(pg, "BEGIN; LOCK TABLE organisation IN EXCLUSIVE MODE");
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fail_msg("lock: %s", PQerrorMessage(pg));
	PQclear(r);
	held = pg;
	return pg;
}

static void
unlock(PGconn *pg)
{
	PQclear(PQexec(pg, "COMMIT"));
	PQfinish(pg);
	held = NULL;
}

static int
release_lock(void **state)
{
	if (held != NULL)
		unlock(held);
	return 0;
}

/*
 * A daemon whose database statements may run far longer than its own
 * deadline, as when PostgreSQL stops answering: the server-side statement
 * timeout (db_timeout_ms unless the conninfo sets options) would otherwise
 * cancel the write first, and then its outcome is known.
 */
static void
start_patient_database(Triadd *d, const char *extra)
{
	char config[2048];
	snprintf(config, sizeof config, "db = %s options='-c statement_timeout=120000'\n%s",
		 env_required("TRIAD_TEST_DB"), extra);
	triadd_start(d, config);
}

static void
send_create_org(Sess *s, uint64_t id, const char *name, const char *key)
{
	REQ(req);
	Triad__V1__CreateOrganisationRequest m = TRIAD__V1__CREATE_ORGANISATION_REQUEST__INIT;
	m.name = (char *)name;
	m.kind = TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_HOSPITAL;
	req.id = id;
	req.idempotency_key = (char *)(key != NULL ? key : "");
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_ORGANISATION;
	req.create_organisation = &m;
	tc_send(s->fd, &req);
}

static Triad__V1__Response *
recv_id(Sess *s, uint64_t id)
{
	Triad__V1__Response *r = tc_recv(s->fd, 20000, NULL);
	if (r == NULL)
		fail_msg("no answer to request %llu", (unsigned long long)id);
	assert_int_equal(r->id, id);
	return r;
}

static long
orgs_named(const char *name)
{
	char *n = owner_sql("SELECT count(*) FROM organisation WHERE name = $1", name, NULL, NULL);
	long v = strtol(n, NULL, 10);
	free(n);
	return v;
}

static void
test_a_write_cut_at_the_deadline_has_an_unknown_outcome(void **state)
{
	Triadd d;
	start_patient_database(&d, "db_timeout_ms = 500\n");
	Sess op = sess_open(d.addr, test_token());
	char keyed[96], unkeyed[96], key[96];
	test_unique(keyed, sizeof keyed, "Ziekenhuis sleutel ");
	test_unique(unkeyed, sizeof unkeyed, "Ziekenhuis zonder sleutel ");
	test_unique(key, sizeof key, "key-");

	PGconn *lock = lock_organisations();
	send_create_org(&op, 101, keyed, key);
	send_create_org(&op, 102, unkeyed, NULL);
	for (int i = 0; i < 2; i++) {
		Triad__V1__Response *r = tc_recv(op.fd, 20000, NULL);
		assert_non_null(r);
		if (r->status->code != TRIAD__V1__CODE__CODE_OUTCOME_UNKNOWN)
			fail_msg("request %llu: code %d (%s), want OUTCOME_UNKNOWN",
				 (unsigned long long)r->id, r->status->code, r->status->message);
		expect_contains(r->status->message, "may or may not have taken effect");
		expect_contains(r->status->message, "same idempotency key");
		rpc_free(r);
	}
	unlock(lock);

	/* The write without a key was only cut off from its answer: the
	 * database finishes it once the lock is gone, as the answer warned. */
	uint64_t until = ms_now() + 15000;
	while (orgs_named(unkeyed) == 0 && ms_now() < until)
		;
	assert_int_equal(orgs_named(unkeyed), 1);

	/* The one with a key had not committed; sent again, it is done once.
	 * The daemon dropped the two database connections it gave up on and
	 * answers UNAVAILABLE (certainly not done) until they are back. */
	Triad__V1__Response *r = NULL;
	for (uint64_t id = 1000;; id++) {
		send_create_org(&op, id, keyed, key);
		r = recv_id(&op, id);
		if (r->status->code != TRIAD__V1__CODE__CODE_UNAVAILABLE || ms_now() > until)
			break;
		rpc_free(r);
	}
	expect_status(r, TRIAD__V1__CODE__CODE_OK, NULL, NULL);
	char first[37];
	snprintf(first, sizeof first, "%s", r->organisation->id);
	rpc_free(r);
	send_create_org(&op, 104, keyed, key);
	r = recv_id(&op, 104);
	expect_status(r, TRIAD__V1__CODE__CODE_OK, NULL, NULL);
	assert_string_equal(r->organisation->id, first);
	rpc_free(r);
	assert_int_equal(orgs_named(keyed), 1);

	sess_close(&op);
	triadd_stop(&d, SIGTERM);
}

/* A waiting request is CANCELLED (it never ran) and a running one has an
 * unknown outcome; neither connection is closed without its answer. */
static void
test_drain_answers_every_request(void **state)
{
	Triadd d;
	start_patient_database(&d, "pool_size = 1\ndb_timeout_ms = 60000\ndrain_timeout_ms = 300\n");
	Sess op = sess_open(d.addr, test_token());
	char name[96], key[96];
	test_unique(name, sizeof name, "Ziekenhuis drain ");
	test_unique(key, sizeof key, "key-");

	PGconn *lock = lock_organisations();
	send_create_org(&op, 201, name, key);
	tc_send_ping(op.fd, 202, true);
	/* Both are with the pool when the stop comes: the first holds the only
	 * connection, which the ping waits for. A ping that needs no database,
	 * sent after them, is answered only once both were dispatched. */
	tc_send_ping(op.fd, 203, false);
	Triad__V1__Response *pong = recv_id(&op, 203);
	expect_status(pong, TRIAD__V1__CODE__CODE_OK, NULL, NULL);
	rpc_free(pong);
	kill(d.pid, SIGTERM);
	int seen = 0;
	for (int i = 0; i < 2; i++) {
		Triad__V1__Response *r = tc_recv(op.fd, 20000, NULL);
		if (r == NULL)
			fail_msg("the connection closed with %d of 2 answers", seen);
		if (r->id == 201)
			expect_status(r, TRIAD__V1__CODE__CODE_OUTCOME_UNKNOWN, NULL, NULL);
		else if (r->id == 202)
			expect_status(r, TRIAD__V1__CODE__CODE_CANCELLED, NULL, NULL);
		else
			fail_msg("answer to an unknown request %llu", (unsigned long long)r->id);
		seen++;
		rpc_free(r);
	}
	assert_int_equal(triadd_wait(&d, 20000), 0);
	unlock(lock);
	sess_close(&op);
}

/* A keyed write refused before its own transaction (the look-up of the
 * programme its field names finds none, between binding its parameters and
 * making its job) leaves nothing behind: not its key, and, for the daemon's
 * leak check at exit, not its memory. */
static void
test_a_keyed_write_refused_before_the_database(void **state)
{
	Triadd d;
	triadd_start(&d, NULL);
	Sess op = sess_open(d.addr, test_token());
	char inst[64], key[96];
	make_institution(&op, "refused", "Refused", inst);
	test_unique(key, sizeof key, "key-");
	for (uint64_t id = 301; id <= 302; id++) {
		REQ(req);
		Triad__V1__CreateCohortRequest m = TRIAD__V1__CREATE_COHORT_REQUEST__INIT;
		Triad__V1__Cohort c = TRIAD__V1__COHORT__INIT;
		c.programme_id = "not-an-id";
		c.name = "Metropool";
		m.cohort = &c;
		req.id = id;
		req.institution = inst;
		req.idempotency_key = key;
		req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_COHORT;
		req.create_cohort = &m;
		tc_send(op.fd, &req);
		Triad__V1__Response *r = recv_id(&op, id);
		/* Not an id: a programme code, looked up before the request's own
		 * transaction, which never starts. */
		expect_status(r, TRIAD__V1__CODE__CODE_NOT_FOUND,
			      "no programme with code \"not-an-id\"",
			      "create_cohort.cohort.programme_id");
		rpc_free(r);
	}
	char *n = owner_sql("SELECT count(*) FROM idempotency_key WHERE key = $1", key, NULL, NULL);
	assert_string_equal(n, "0");
	free(n);
	sess_close(&op);
	triadd_stop(&d, SIGTERM);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_a_write_cut_at_the_deadline_has_an_unknown_outcome,
					  release_lock),
		cmocka_unit_test_teardown(test_drain_answers_every_request, release_lock),
		cmocka_unit_test(test_a_keyed_write_refused_before_the_database),
	};
	return harness_run_group_tests(tests, NULL, NULL);
}

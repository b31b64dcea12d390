/*
 * test_credentials_notify.c: an open session whose token or grant changes
 * behind the daemon's back.
 *
 * The daemon checks a session's token and grants in the database once and
 * then scopes its requests without checking again, for as long as no token
 * or grant has changed (dispatch.c, the cheap begin). It hears of changes
 * through the triggers of migration 0022 and its LISTEN connection. Here
 * the changes are made in SQL as the schema owner, as an operator or
 * another daemon would: the session is refused once the NOTIFY has
 * arrived (polled for, with a deadline), and while the LISTEN connection
 * is down it is refused at its very next request. An institution renamed
 * in SQL is found by its new slug (the daemon maps operators' slugs to
 * ids, tenants.h).
 */
#include "harness.h"
#include "faults.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REQ(name) Triad__V1__Request name = TRIAD__V1__REQUEST__INIT

static Triadd d;
static Sess op;
static char slug[64];

static const char revoked_msg[] = "the session's token has been revoked or has expired";
static const char roles_msg[] = "your roles at this institution have changed; sign in again";

static int
setup(void **state)
{
	/* One database connection, so that the requests below share it. */
	triadd_start(&d, "pool_size = 1\n");
	op = sess_open(d.addr, test_token());
	make_institution(&op, "creds", "Credentials", slug);
	return 0;
}

static int
teardown(void **state)
{
	sess_close(&op);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
	return 0;
}

/* An institution admin of slug: its token (malloc'd) and its grant's id. */
static char *
make_admin(char grant[64], char token_id[64])
{
	char email[96];
	test_unique(email, sizeof email, "ada");
	strcat(email, "@example.org");
	char *person = make_person(&op, slug, "Ada Admin", email);
	char *token = invite_and_redeem(&op, d.addr, slug, person,
					TRIAD__V1__ROLE__ROLE_INSTITUTION_ADMIN, 0, NULL);
	Sess s = sess_open(d.addr, token);
	REQ(who);
	Triad__V1__WhoAmIRequest w = TRIAD__V1__WHO_AM_IREQUEST__INIT;
	who.body_case = TRIAD__V1__REQUEST__BODY_WHO_AM_I;
	who.who_am_i = &w;
	Triad__V1__Response *r = rpc_ok(&s, NULL, &who);
	assert_int_equal(r->who_am_i->n_grants, 1);
	snprintf(grant, 64, "%s", r->who_am_i->grants[0]->id);
	rpc_free(r);
	sess_close(&s);
	char *tid = owner_sql("SELECT id FROM api_token WHERE principal_id = "
			      "(SELECT principal_id FROM role_grant WHERE id = $1::uuid) "
			      "ORDER BY created_at DESC LIMIT 1", grant, NULL, NULL);
	assert_non_null(tid);
	snprintf(token_id, 64, "%s", tid);
	free(tid);
	free(person);
	return token;
}

/* ListPersons in the institution: what the admin's session keeps asking. */
static Triad__V1__Response *
list_persons(Sess *s)
{
	REQ(lp);
	Triad__V1__ListPersonsRequest l = TRIAD__V1__LIST_PERSONS_REQUEST__INIT;
	lp.body_case = TRIAD__V1__REQUEST__BODY_LIST_PERSONS;
	lp.list_persons = &l;
	return rpc(s, slug, &lp);
}

/* Asks until the session is refused, for up to 5 s; returns the refusal. */
static Triad__V1__Response *
until_refused(Sess *s)
{
	uint64_t deadline = ms_now() + 5000;
	for (;;) {
		Triad__V1__Response *r = list_persons(s);
		if (r->status != NULL && r->status->code != TRIAD__V1__CODE__CODE_OK)
			return r;
		rpc_free(r);
		if (ms_now() > deadline)
			fail_msg("the session was still served 5 s after the change");
	}
}

/* Several requests, so that the session is past its first full check. */
static void
warm(Sess *s)
{
	for (int i = 0; i < 3; i++) {
		Triad__V1__Response *r = list_persons(s);
		assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
		rpc_free(r);
	}
}

static void
test_a_token_revoked_in_sql_stops_an_open_session(void **state)
{
	char grant[64], token_id[64];
	char *token = make_admin(grant, token_id);
	Sess s = sess_open(d.addr, token);
	warm(&s);

	free(owner_sql("UPDATE api_token SET revoked_at = now() WHERE id = $1::uuid", token_id,
		       NULL, NULL));
	Triad__V1__Response *r = until_refused(&s);
	expect_status_free(r, TRIAD__V1__CODE__CODE_UNAUTHENTICATED, revoked_msg, NULL);
	sess_close(&s);
	free(token);
}

static void
test_a_grant_removed_in_sql_stops_an_open_session(void **state)
{
	char grant[64], token_id[64];
	char *token = make_admin(grant, token_id);
	Sess s = sess_open(d.addr, token);
	warm(&s);

	free(owner_sql("DELETE FROM role_grant WHERE id = $1::uuid", grant, NULL, NULL));
	Triad__V1__Response *r = until_refused(&s);
	expect_status_free(r, TRIAD__V1__CODE__CODE_UNAUTHENTICATED, roles_msg, NULL);
	sess_close(&s);
	free(token);
}

/*
 * A change of one principal's credentials sends only its own sessions back
 * to the database: another session, past its first check, stays on the
 * cheap begin (triad_credential_checks_total counts the full checks).
 */
static void
test_a_change_of_another_leaves_a_session_alone(void **state)
{
	const char *checks = "triad_credential_checks_total";
	char grant_a[64], token_a[64], grant_b[64], token_b[64];
	char *ta = make_admin(grant_a, token_a);
	char *tb = make_admin(grant_b, token_b);
	Sess a = sess_open(d.addr, ta), b = sess_open(d.addr, tb);
	warm(&a);
	warm(&b);

	uint64_t before = fault_metric(&d, checks);
	warm(&a);
	assert_int_equal(fault_metric(&d, checks) - before, 0);

	/* b's token revoked: b is refused once the NOTIFY is heard (that
	 * refusal is one full check), a carries on without any. */
	free(owner_sql("UPDATE api_token SET revoked_at = now() WHERE id = $1::uuid", token_b,
		       NULL, NULL));
	expect_status_free(until_refused(&b), TRIAD__V1__CODE__CODE_UNAUTHENTICATED, revoked_msg,
			   NULL);
	before = fault_metric(&d, checks);
	warm(&a);
	assert_int_equal(fault_metric(&d, checks) - before, 0);

	/* A change of a's own grants (here one that changes nothing: the
	 * trigger fires all the same) sends a back, once. */
	free(owner_sql("UPDATE role_grant SET role = role WHERE id = $1::uuid",
		       grant_a, NULL, NULL));
	uint64_t deadline = ms_now() + 5000;
	for (before = fault_metric(&d, checks);;) {
		warm(&a);
		if (fault_metric(&d, checks) - before == 1)
			break;
		if (ms_now() > deadline)
			fail_msg("a's grant changed and a was not checked again within 5 s");
	}
	before = fault_metric(&d, checks);
	warm(&a);
	assert_int_equal(fault_metric(&d, checks) - before, 0);
	sess_close(&a);
	sess_close(&b);
	free(ta);
	free(tb);
}

/*
 * The LISTEN connection is cut (its backend terminated): while it is down
 * the daemon cannot hear of a change, so a request checks in full, and a
 * token revoked meanwhile is refused at once, at the very next request.
 */
static void
test_a_revocation_while_not_listening_is_seen(void **state)
{
	char grant[64], token_id[64];
	char *token = make_admin(grant, token_id);
	Sess s = sess_open(d.addr, token);
	warm(&s);

	char cmd[1024], out[4096];
	snprintf(cmd, sizeof cmd,
		 "%s -X -q -A -t -c \"SELECT count(pg_terminate_backend(pid)) FROM "
		 "pg_stat_activity WHERE query LIKE 'LISTEN triad_events%%' "
		 "OR query = 'NOTIFY triad_events'\" 2>&1",
		 env_required("TRIAD_TEST_PG_PSQL"));
	if (run_capture(cmd, out, sizeof out) != 0)
		fail_msg("terminating the LISTEN connection failed: %s", out);
	uint64_t deadline = ms_now() + 5000;
	while (!triadd_log_contains(&d, "stream_listen_down")) {
		if (ms_now() > deadline)
			fail_msg("the daemon did not notice its LISTEN connection go (psql: %s)",
				 out);
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}

	/* No NOTIFY can reach the daemon now, or it was down when this
	 * committed; either way the next request must see it. */
	free(owner_sql("UPDATE api_token SET revoked_at = now() WHERE id = $1::uuid", token_id,
		       NULL, NULL));
	/* A request of a kind the connection has not prepared yet: its
	 * preparation is cut short by the refused begin. */
	REQ(lc);
	Triad__V1__ListCohortsRequest c = TRIAD__V1__LIST_COHORTS_REQUEST__INIT;
	lc.body_case = TRIAD__V1__REQUEST__BODY_LIST_COHORTS;
	lc.list_cohorts = &c;
	Triad__V1__Response *r = rpc(&s, slug, &lc);
	expect_status_free(r, TRIAD__V1__CODE__CODE_UNAUTHENTICATED, revoked_msg, NULL);
	/* ... and is prepared afresh when someone else asks the same. */
	rpc_free(rpc_ok(&op, slug, &lc));
	sess_close(&s);
	free(token);
}

/*
 * An operator names the institution by its slug, which the daemon maps to
 * the id: renamed in SQL, the old slug stops naming it and the new one
 * does, once the NOTIFY has arrived.
 */
static void
test_an_institution_renamed_in_sql_is_found_by_its_new_slug(void **state)
{
	for (int i = 0; i < 3; i++) {
		Triad__V1__Response *r = list_persons(&op);
		assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
		rpc_free(r);
	}
	char old[64], renamed[64];
	snprintf(old, sizeof old, "%s", slug);
	test_unique(renamed, sizeof renamed, "renamed");
	free(owner_sql("UPDATE institution SET slug = $2 WHERE slug = $1", old, renamed, NULL));

	char want[128];
	snprintf(want, sizeof want, "institution %s not found", old);
	Triad__V1__Response *r = until_refused(&op);
	expect_status_free(r, TRIAD__V1__CODE__CODE_NOT_FOUND, want, NULL);
	snprintf(slug, sizeof slug, "%s", renamed);
	r = list_persons(&op);
	expect_status_free(r, TRIAD__V1__CODE__CODE_OK, NULL, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_token_revoked_in_sql_stops_an_open_session),
		cmocka_unit_test(test_a_grant_removed_in_sql_stops_an_open_session),
		cmocka_unit_test(test_a_change_of_another_leaves_a_session_alone),
		cmocka_unit_test(test_a_revocation_while_not_listening_is_seen),
		cmocka_unit_test(test_an_institution_renamed_in_sql_is_found_by_its_new_slug),
	};
	return harness_run_group_tests(tests, setup, teardown);
}

/*
 * test_outage.c: PostgreSQL stops and comes back while triadd runs.
 * Requests during the outage get UNAVAILABLE within a bounded time, the
 * daemon stays up, and service resumes without a restart. And the server
 * the pool's connections are on turns read-only, as a demoted primary is,
 * while new sessions can write, as on a promoted standby: the pool drops
 * its connections and carries on without a restart.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Sends a database ping and returns its status code; fails on no answer. */
static Triad__V1__Code
db_ping(int fd, uint64_t id, uint64_t *elapsed_ms)
{
	uint64_t t0 = ms_now();
	tc_send_ping(fd, id, true);
	Triad__V1__Response *r = tc_recv(fd, 15000, NULL);
	if (r == NULL)
		fail_msg("no answer to a database ping within 15 s");
	assert_int_equal(r->id, id);
	Triad__V1__Code code = r->status->code;
	if (code != TRIAD__V1__CODE__CODE_OK && code != TRIAD__V1__CODE__CODE_UNAVAILABLE)
		fail_msg("unexpected code %d: %s", code, r->status->message);
	triad__v1__response__free_unpacked(r, NULL);
	if (elapsed_ms != NULL)
		*elapsed_ms = ms_now() - t0;
	return code;
}

static void
test_postgres_restart(void **state)
{
	const char *stop = env_required("TRIAD_TEST_PG_STOP");
	const char *start = env_required("TRIAD_TEST_PG_START");
	Triadd d;
	triadd_start(&d, "pool_size = 3\ndb_timeout_ms = 2000\n");
	int fd = tc_session(d.addr);
	uint64_t id = 10;

	assert_int_equal(db_ping(fd, id++, NULL), TRIAD__V1__CODE__CODE_OK);

	assert_int_equal(system(stop), 0);
	/* Every request during the outage is answered, and quickly. */
	for (int i = 0; i < 5; i++) {
		uint64_t ms = 0;
		assert_int_equal(db_ping(fd, id++, &ms), TRIAD__V1__CODE__CODE_UNAVAILABLE);
		assert_true(ms < 3000);
	}
	/* The daemon itself is fine. */
	tc_send_ping(fd, id, false);
	Triad__V1__Response *r = tc_recv(fd, 5000, NULL);
	assert_non_null(r);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
	triad__v1__response__free_unpacked(r, NULL);
	id++;

	assert_int_equal(system(start), 0);
	/* Reconnects back off to at most ~3 s; allow for more. */
	uint64_t deadline = ms_now() + 20000;
	Triad__V1__Code code = TRIAD__V1__CODE__CODE_UNAVAILABLE;
	while (ms_now() < deadline && code != TRIAD__V1__CODE__CODE_OK) {
		code = db_ping(fd, id++, NULL);
		if (code != TRIAD__V1__CODE__CODE_OK)
			usleep(200000);
	}
	assert_int_equal(code, TRIAD__V1__CODE__CODE_OK);
	/* Same connection, same daemon process. */
	assert_true(kill(d.pid, 0) == 0);
	assert_true(triadd_log_contains(&d, "event=db_unavailable"));
	assert_true(triadd_log_contains(&d, "event=db_available"));
	close(fd);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
}

/* Runs SQL as the cluster's superuser ($TRIAD_TEST_PG_PSQL). */
static void
superuser_sql(const char *sql)
{
	char cmd[1024], out[4096];
	snprintf(cmd, sizeof cmd, "%s -q -v ON_ERROR_STOP=1 -d triad -c \"%s\" 2>&1",
		 env_required("TRIAD_TEST_PG_PSQL"), sql);
	if (run_capture(cmd, out, sizeof out) != 0)
		fail_msg("%s: %s", sql, out);
}

/* Sends CreateOrganisation{name} with an idempotency key and returns the
 * answer, and in *ms how long it took. */
static Triad__V1__Response *
create_org(int fd, uint64_t id, const char *name, const char *key, uint64_t *ms)
{
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__CreateOrganisationRequest m = TRIAD__V1__CREATE_ORGANISATION_REQUEST__INIT;
	m.name = (char *)name;
	m.kind = TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_EMPLOYER;
	req.id = id;
	req.idempotency_key = (char *)key;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_ORGANISATION;
	req.create_organisation = &m;
	uint64_t t0 = ms_now();
	tc_send(fd, &req);
	Triad__V1__Response *r = tc_recv(fd, 15000, NULL);
	if (r == NULL)
		fail_msg("no answer to a write within 15 s");
	assert_int_equal(r->id, id);
	*ms = ms_now() - t0;
	return r;
}

/* Undoes what test_read_only_server changed, whether it passed or not. */
static int
read_only_teardown(void **state)
{
	superuser_sql("ALTER SYSTEM RESET default_transaction_read_only");
	superuser_sql("SELECT pg_reload_conf()");
	superuser_sql("ALTER ROLE triadd RESET default_transaction_read_only");
	return 0;
}

static void
test_read_only_server(void **state)
{
	char stem[64], name[96], key[96];
	Triadd d;
	char config[2048];
	snprintf(config, sizeof config,
		 "db = %s target_session_attrs=read-write\npool_size = 3\ndb_timeout_ms = 2000\n",
		 env_required("TRIAD_TEST_DB"));
	triadd_start(&d, config);
	int fd = tc_session(d.addr);
	uint64_t id = 10, ms = 0;
	test_unique(stem, sizeof stem, "readonly");

	snprintf(name, sizeof name, "%s-first", stem);
	snprintf(key, sizeof key, "%s-key-first", stem);
	Triad__V1__Response *r = create_org(fd, id++, name, key, &ms);
	expect_status_free(r, TRIAD__V1__CODE__CODE_OK, NULL, NULL);

	/* The sessions the pool holds turn read-only, as on a primary that
	 * was demoted under them; a new session of the daemon's role can
	 * still write, as on the standby promoted meanwhile (the role's own
	 * setting beats the server's). */
	superuser_sql("ALTER ROLE triadd SET default_transaction_read_only = off");
	superuser_sql("ALTER SYSTEM SET default_transaction_read_only = on");
	superuser_sql("SELECT pg_reload_conf()");

	/* The sessions take the new setting at their next statement; until
	 * then writes still succeed. The first refused one is UNAVAILABLE,
	 * quickly, and says it was not carried out. */
	uint64_t deadline = ms_now() + 10000;
	Triad__V1__Code code = TRIAD__V1__CODE__CODE_OK;
	int n = 0;
	while (code == TRIAD__V1__CODE__CODE_OK) {
		if (ms_now() > deadline)
			fail_msg("writes still succeed 10 s after the server turned read-only");
		snprintf(name, sizeof name, "%s-%d", stem, n);
		snprintf(key, sizeof key, "%s-key-%d", stem, n++);
		r = create_org(fd, id++, name, key, &ms);
		code = r->status->code;
		if (code != TRIAD__V1__CODE__CODE_OK)
			expect_status(r, TRIAD__V1__CODE__CODE_UNAVAILABLE,
				      "the database server no longer accepts writes (a failover is "
				      "under way): the request was not carried out; try again shortly",
				      NULL);
		rpc_free(r);
	}
	assert_true(ms < 3000);

	/* The pool drops those connections and opens new, writable ones: the
	 * same write with the same key succeeds without a restart. Were the
	 * connections kept, every write would be refused until one. */
	deadline = ms_now() + 10000;
	do {
		if (ms_now() > deadline)
			fail_msg("writes still refused 10 s after the server turned read-only");
		r = create_org(fd, id++, name, key, &ms);
		code = r->status->code;
		if (code != TRIAD__V1__CODE__CODE_OK &&
		    code != TRIAD__V1__CODE__CODE_UNAVAILABLE)
			fail_msg("code %d: %s", code, r->status->message);
		rpc_free(r);
	} while (code != TRIAD__V1__CODE__CODE_OK);
	char *rows = owner_sql("SELECT count(*) FROM organisation WHERE name = $1", name, NULL,
			       NULL);
	assert_string_equal(rows, "1");
	free(rows);
	assert_true(kill(d.pid, 0) == 0);
	assert_true(triadd_log_contains(&d, "event=db_read_only"));
	assert_true(triadd_log_contains(&d, "event=db_writable"));
	close(fd);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_postgres_restart),
		cmocka_unit_test_teardown(test_read_only_server, read_only_teardown),
	};
	return harness_run_group_tests(tests, NULL, NULL);
}

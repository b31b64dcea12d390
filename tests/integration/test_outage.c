/*
 * test_outage.c: PostgreSQL stops and comes back while triadd runs.
 * Requests during the outage get UNAVAILABLE within a bounded time, the
 * daemon stays up, and service resumes without a restart.
 */
#include "harness.h"

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
	/* Reconnects back off to at most ~7.5 s; allow for that. */
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_postgres_restart),
	};
	return harness_run_group_tests(tests, NULL, NULL);
}

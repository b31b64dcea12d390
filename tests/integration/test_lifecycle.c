/*
 * test_lifecycle.c: the daemon's command line, start-up checks, reloads and
 * shutdown.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
test_sigterm_answers_everything_in_flight(void **state)
{
	enum { N = 300 };
	Triadd d;
	triadd_start(&d, "pool_size = 1\n");
	int fd = tc_session(d.addr);
	static bool seen[N + 1];

	for (uint64_t id = 1; id <= N; id++)
		tc_send_ping(fd, id, true);
	assert_int_equal(kill(d.pid, SIGTERM), 0);

	for (int i = 0; i < N; i++) {
		Triad__V1__Response *r = tc_recv(fd, 20000, NULL);
		assert_non_null(r);
		if (r->status->code != TRIAD__V1__CODE__CODE_OK)
			fail_msg("request %d: code %d: %s", (int)r->id, r->status->code,
				 r->status->message);
		assert_false(seen[r->id]);
		seen[r->id] = true;
		triad__v1__response__free_unpacked(r, NULL);
	}
	/* Then the server says goodbye and closes. */
	Triad__V1__Response *bye = tc_recv(fd, 10000, NULL);
	assert_non_null(bye);
	assert_int_equal(bye->id, 0);
	assert_int_equal(bye->status->code, TRIAD__V1__CODE__CODE_UNAVAILABLE);
	assert_string_equal(bye->status->message,
			    "the server is shutting down; reconnect to continue");
	triad__v1__response__free_unpacked(bye, NULL);
	assert_true(tc_closed(fd, 5000));
	close(fd);
	assert_int_equal(triadd_wait(&d, 20000), 0);
	assert_true(triadd_log_contains(&d, "event=draining"));
}

static void
test_sighup_reloads_and_survives_a_broken_file(void **state)
{
	Triadd d;
	triadd_start(&d, "idle_timeout_ms = 300000\n");

	/* A broken file: the old settings stay and the reason is logged. */
	FILE *f = fopen(d.conf, "a");
	fputs("idle_timeout_ms = soon\n", f);
	fclose(f);
	assert_int_equal(kill(d.pid, SIGHUP), 0);
	uint64_t deadline = ms_now() + 5000;
	while (!triadd_log_contains(&d, "event=config_reload_failed") && ms_now() < deadline)
		usleep(20000);
	assert_true(triadd_log_contains(&d, "idle_timeout_ms: 'soon' is not a whole number"));
	int fd = tc_connect(d.addr);
	tc_send_hello(fd, 1, TRIAD_PROTOCOL_VERSION);
	Triad__V1__Response *r = tc_recv(fd, 5000, NULL);
	assert_non_null(r);
	assert_int_equal(r->hello->idle_timeout_seconds, 300);
	triad__v1__response__free_unpacked(r, NULL);
	close(fd);

	/* A good file: reloadable settings change, the rest waits for a restart. */
	triadd_write_config(&d, "idle_timeout_ms = 42000\npool_size = 7\n");
	assert_int_equal(kill(d.pid, SIGHUP), 0);
	deadline = ms_now() + 5000;
	while (!triadd_log_contains(&d, "event=config_reloaded") && ms_now() < deadline)
		usleep(20000);
	assert_true(triadd_log_contains(&d, "event=config_needs_restart setting=pool_size"));
	fd = tc_connect(d.addr);
	tc_send_hello(fd, 1, TRIAD_PROTOCOL_VERSION);
	r = tc_recv(fd, 5000, NULL);
	assert_non_null(r);
	assert_int_equal(r->hello->idle_timeout_seconds, 42);
	triad__v1__response__free_unpacked(r, NULL);
	close(fd);
	assert_int_equal(triadd_stop(&d, SIGINT), 0);
}

static void
test_migrate_twice_changes_nothing(void **state)
{
	char cmd[2048], out[4096];
	snprintf(cmd, sizeof cmd, "'%s' migrate --db '%s' 2>&1", env_required("TRIADD"),
		 env_required("TRIAD_TEST_OWNER_DB"));
	assert_int_equal(run_capture(cmd, out, sizeof out), 0);
	assert_non_null(strstr(out, "(0 applied now)"));
	assert_int_equal(run_capture(cmd, out, sizeof out), 0);
	assert_non_null(strstr(out, "(0 applied now)"));
}

static void
test_refuses_a_database_without_the_schema(void **state)
{
	char cmd[2048], out[4096];
	/* The same server and role, but the maintenance database, which has
	 * no triad schema. A later dbname wins in a conninfo string. */
	snprintf(cmd, sizeof cmd, "'%s' --listen 127.0.0.1:0 --db '%s dbname=postgres' 2>&1",
		 env_required("TRIADD"), env_required("TRIAD_TEST_DB"));
	assert_int_equal(run_capture(cmd, out, sizeof out), 1);
	assert_non_null(strstr(out, "the database schema is at version 0 but this triadd needs version"));
	assert_non_null(strstr(out, "run: triadd migrate"));
}

static void
test_command_line_errors(void **state)
{
	char cmd[1024], out[4096];
	const char *bin = env_required("TRIADD");

	snprintf(cmd, sizeof cmd, "'%s' --help", bin);
	assert_int_equal(run_capture(cmd, out, sizeof out), 0);
	assert_non_null(strstr(out, "usage: triadd [OPTIONS]"));

	snprintf(cmd, sizeof cmd, "'%s' --version", bin);
	assert_int_equal(run_capture(cmd, out, sizeof out), 0);
	assert_non_null(strstr(out, "triadd " TRIAD_VERSION));

	snprintf(cmd, sizeof cmd, "'%s' --frobnicate 2>&1", bin);
	assert_int_equal(run_capture(cmd, out, sizeof out), 2);

	snprintf(cmd, sizeof cmd, "'%s' serve-please 2>&1", bin);
	assert_int_equal(run_capture(cmd, out, sizeof out), 2);
	assert_non_null(strstr(out, "unexpected argument 'serve-please'"));

	snprintf(cmd, sizeof cmd, "'%s' --config /nonexistent.conf 2>&1", bin);
	assert_int_equal(run_capture(cmd, out, sizeof out), 2);
	assert_non_null(strstr(out, "/nonexistent.conf: cannot open"));

	snprintf(cmd, sizeof cmd, "'%s' --pool 0 2>&1", bin);
	assert_int_equal(run_capture(cmd, out, sizeof out), 2);
	assert_non_null(strstr(out, "pool_size: 0 is out of range"));

	snprintf(cmd, sizeof cmd, "'%s' --listen 127.0.0.1:0 2>&1", bin);
	assert_int_equal(run_capture(cmd, out, sizeof out), 2);
	assert_non_null(strstr(out, "no database configured"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sigterm_answers_everything_in_flight),
		cmocka_unit_test(test_sighup_reloads_and_survives_a_broken_file),
		cmocka_unit_test(test_migrate_twice_changes_nothing),
		cmocka_unit_test(test_refuses_a_database_without_the_schema),
		cmocka_unit_test(test_command_line_errors),
	};
	return harness_run_group_tests(tests, NULL, NULL);
}

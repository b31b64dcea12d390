/*
 * test_client.c: the triad command as a person uses it, against a real
 * daemon: what it prints and the exit codes scripts rely on.
 */
#include "harness.h"

#include <stdio.h>
#include <string.h>

static Triadd d;

static int
setup(void **state)
{
	triadd_start(&d, NULL);
	return 0;
}

static int
teardown(void **state)
{
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
	return 0;
}

/* Runs `triad ARGS` against the test daemon; returns the exit code. */
static int
triad(const char *args, char *out, size_t size)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "TRIAD_ADDR=%s TRIAD_TOKEN=%s XDG_CONFIG_HOME=/nonexistent '%s' %s 2>&1",
		 d.addr, test_token(), env_required("TRIAD"), args);
	return run_capture(cmd, out, size);
}

static void
test_ping_prints_round_trip(void **state)
{
	char out[4096];
	assert_int_equal(triad("ping", out, sizeof out), 0);
	char want[128];
	snprintf(want, sizeof want, "pong from %s: time=", d.addr);
	assert_non_null(strstr(out, want));

	assert_int_equal(triad("ping --db --count 2", out, sizeof out), 0);
	assert_non_null(strstr(out, "database=ok"));
	assert_non_null(strstr(out, "2 pings, min/avg/max"));

	assert_int_equal(triad("--json ping --db", out, sizeof out), 0);
	assert_non_null(strstr(out, "\"database\":\"ok\""));
}

static void
test_version_shows_both_sides(void **state)
{
	char out[4096];
	assert_int_equal(triad("version", out, sizeof out), 0);
	assert_non_null(strstr(out, "triad/" TRIAD_VERSION));
	assert_non_null(strstr(out, "triadd/" TRIAD_VERSION));
}

static void
test_exit_codes(void **state)
{
	char out[16384];

	/* 2: the command line is wrong, with a suggestion. */
	assert_int_equal(triad("pnig", out, sizeof out), 2);
	assert_non_null(strstr(out, "'pnig' is not a triad command. Did you mean 'ping'?"));
	assert_int_equal(triad("ping --count", out, sizeof out), 2);
	assert_int_equal(triad("ping --count zero", out, sizeof out), 2);

	/* 3: nobody answers. */
	assert_int_equal(triad("--addr 127.0.0.1:1 ping", out, sizeof out), 3);
	assert_non_null(strstr(out, "cannot connect to 127.0.0.1:1"));

	/* 0 with help at every level. */
	assert_int_equal(triad("--help", out, sizeof out), 0);
	assert_non_null(strstr(out, "Exit status:"));
	assert_int_equal(triad("ping --help", out, sizeof out), 0);
	assert_non_null(strstr(out, "usage: triad ping"));
	assert_int_equal(triad("help ping", out, sizeof out), 0);
	assert_non_null(strstr(out, "usage: triad ping"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ping_prints_round_trip),
		cmocka_unit_test(test_version_shows_both_sides),
		cmocka_unit_test(test_exit_codes),
	};
	return harness_run_group_tests(tests, setup, teardown);
}

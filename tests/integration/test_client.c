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

	/* 0: the version without a server. */
	assert_int_equal(triad("--addr 127.0.0.1:1 --version", out, sizeof out), 0);
	assert_string_equal(out, "triad " TRIAD_VERSION " (protocol 1)\n");
}

/*
 * One rule for usage mistakes, whoever finds them: a field the server
 * refuses exits 2 as a wrong command line does; a refusal for the state
 * of things exits 1. With --json each error is one object on stderr.
 */
static void
test_server_usage_errors(void **state)
{
	char out[16384], cmd[512], slug[64];

	/* An operator must say which institution: the server's INVALID_ARGUMENT. */
	assert_int_equal(triad("person create --name Ada --email ada@example.org", out,
			       sizeof out), 2);
	expect_contains(out, "say which institution");
	assert_int_equal(triad("--json person create --name Ada --email ada@example.org", out,
			       sizeof out), 2);
	expect_contains(out, "{\"code\":\"INVALID_ARGUMENT\",\"message\":\"say which institution");
	expect_contains(out, "\"field\":\"institution\"}\n");

	test_unique(slug, sizeof slug, "cli");
	for (char *p = slug; *p; p++)
		*p = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
	snprintf(cmd, sizeof cmd, "--json --institution %s person list", slug);
	assert_int_equal(triad(cmd, out, sizeof out), 1);
	expect_contains(out, "{\"code\":\"NOT_FOUND\",\"message\":\"institution ");

	/* The client's own finding, as JSON. */
	assert_int_equal(triad("--json person create --name Ada", out, sizeof out), 2);
	assert_string_equal(out, "{\"code\":\"INVALID_ARGUMENT\",\"message\":\"--email is "
				 "required\",\"field\":\"--email\"}\n");
}

/* Tables keep to 100 columns unless --wide: long text is cut, ids are not. */
static void
test_table_width(void **state)
{
	char out[16384], cmd[1024], slug[64], email[128];
	static const char long_name[] =
		"Adelheid Margaretha Wilhelmina van Oldenbarnevelt-Tjarda van Starkenborgh";

	test_unique(slug, sizeof slug, "wide");
	for (char *p = slug; *p; p++)
		*p = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
	snprintf(cmd, sizeof cmd, "institution create %s 'Wide tables'", slug);
	assert_int_equal(triad(cmd, out, sizeof out), 0);
	/* The same person in every run: e-mail addresses are shared by all. */
	snprintf(email, sizeof email, "adelheid.vo@example.org");
	snprintf(cmd, sizeof cmd, "--institution %s person create --name '%s' --email %s", slug,
		 long_name, email);
	assert_int_equal(triad(cmd, out, sizeof out), 0);

	snprintf(cmd, sizeof cmd, "--institution %s person list", slug);
	assert_int_equal(triad(cmd, out, sizeof out), 0);
	for (const char *line = out; *line != '\0';) {
		size_t n = strcspn(line, "\n"), cols = 0;

		for (size_t i = 0; i < n; i++)
			cols += ((unsigned char)line[i] & 0xC0) != 0x80;
		assert_true(cols <= 100);
		line += n + (line[n] == '\n');
	}
	expect_contains(out, "Adelheid Ma");
	expect_contains(out, "\u2026");
	expect_lacks(out, long_name);
	expect_contains(out, email);

	snprintf(cmd, sizeof cmd, "--institution %s person list --wide", slug);
	assert_int_equal(triad(cmd, out, sizeof out), 0);
	expect_contains(out, long_name);
	expect_lacks(out, "\u2026");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ping_prints_round_trip),
		cmocka_unit_test(test_version_shows_both_sides),
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_server_usage_errors),
		cmocka_unit_test(test_table_width),
	};
	return harness_run_group_tests(tests, setup, teardown);
}

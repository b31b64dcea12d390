/*
 * test_client_stream.c: `triad events list|follow|ack` against a real
 * triadd: what a partner's operator types to read the event stream.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static Triadd d;
static Sess op;
static char token[128];

static void
test_events_list_follow_ack(void **state)
{
	(void)state;
	char slug[64], args[512], out[65536], cursor[64];
	make_institution(&op, "cli", "Client events", slug);
	char *prog = make_programme(&op, slug, "CLI1", 0);

	/* A page, as JSON: the event with its data as JSON. */
	snprintf(args, sizeof args, "--institution %s --json events list", slug);
	triad_cli_ok(d.addr, token, args, out, sizeof out);
	expect_contains(out, "\"type\":\"programme.created\"");
	expect_contains(out, "\"data\":{");
	expect_contains(out, prog);
	json_string(out, "cursor", cursor, sizeof cursor);
	assert_string_not_equal(cursor, "");

	/* Following: the events as they come, one JSON object a line. */
	snprintf(args, sizeof args,
		 "--institution %s --json events follow --type programme.created --count 1", slug);
	triad_cli_ok(d.addr, token, args, out, sizeof out);
	expect_contains(out, "\"type\":\"programme.created\"");
	assert_int_equal(strchr(out, '\n') - out + 1, (long)strlen(out));

	/* The stored cursor is where --from-ack reads on. */
	snprintf(args, sizeof args, "--institution %s events ack %s", slug, cursor);
	triad_cli_ok(d.addr, token, args, out, sizeof out);
	snprintf(args, sizeof args, "--institution %s --json events list --from-ack", slug);
	triad_cli_ok(d.addr, token, args, out, sizeof out);
	char acked[64];
	json_string(out, "acked", acked, sizeof acked);
	assert_string_equal(acked, cursor);
	expect_lacks(out, "programme.created");

	/* On a terminal: a table, and where to go on. */
	snprintf(args, sizeof args, "--institution %s events list --limit 1", slug);
	triad_cli_ok(d.addr, token, args, out, sizeof out);
	expect_contains(out, "programme.created");
	expect_contains(out, "next: --after ");

	/* With nothing after the stored cursor: says so, and no cursor. */
	snprintf(args, sizeof args, "--institution %s events list --from-ack --type no.such", slug);
	triad_cli_ok(d.addr, token, args, out, sizeof out);
	expect_contains(out, "No events;");
	expect_lacks(out, "next: --after");

	/* Mistakes are the user's. */
	snprintf(args, sizeof args, "--institution %s events list --after yesterday", slug);
	assert_int_equal(triad_cli(d.addr, token, args, out, sizeof out), 2);
	expect_contains(out, "not a cursor");
	snprintf(args, sizeof args, "--institution %s events follow --count none", slug);
	assert_int_equal(triad_cli(d.addr, token, args, out, sizeof out), 2);
	free(prog);
}

static int
setup(void **state)
{
	(void)state;
	triadd_bootstrap(token, sizeof token);
	triadd_start(&d, NULL);
	op = sess_open(d.addr, token);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	sess_close(&op);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_events_list_follow_ack),
	};
	return harness_run_group_tests(tests, setup, teardown);
}

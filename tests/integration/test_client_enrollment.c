/*
 * test_client_enrollment.c: the catalogue and enrollment commands as staff
 * use them: the real triad binary against a real daemon.
 *
 * The operator creates an institution, a programme, a module, a cohort and
 * a run of the module for the cohort with room for two; enrolls three
 * persons, of whom the third is waitlisted; withdraws the first, which
 * promotes the third; and reads the third's progress. Along the way:
 * amounts in euros, an update that keeps what it does not name, and the
 * waitlist emptying.
 *
 * Names are unique per run (pid, time, counter): the test database is
 * shared and keeps what earlier runs made.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static Triadd d;

/* The client as the operator, against the test daemon. */
#define TRIAD(args, out, size) triad_cli(d.addr, test_token(), (args), (out), (size))
#define TRIAD_OK(args, out, size) triad_cli_ok(d.addr, test_token(), (args), (out), (size))

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

/* The enrollment id in "Enrolled NAME (enrollment ID): ...", into buf. */
static void
enrolled_id(const char *out, char *buf, size_t size)
{
	const char *p = strstr(out, "(enrollment "), *end;

	if (p == NULL)
		fail_msg("no enrollment id in: %s", out);
	p += strlen("(enrollment ");
	end = strstr(p, "):");
	assert_non_null(end);
	assert_true((size_t)(end - p) < size);
	snprintf(buf, size, "%.*s", (int)(end - p), p);
}

static void
test_enroll_waitlist_promote(void **state)
{
	char out[16384], args[1024], slug[64], in[96], code[64], want[256];
	char programme[128], module[128], cohort[128], run[128];
	char person[3][128], name[3][96], enrollment[3][128];

	/* The institution and its catalogue. */
	test_unique(slug, sizeof slug, "e");
	snprintf(args, sizeof args, "institution create %s 'Enrollment test %s'", slug, slug);
	TRIAD_OK(args, out, sizeof out);
	snprintf(in, sizeof in, "--institution %s", slug);

	test_unique(code, sizeof code, "P");
	snprintf(args, sizeof args,
		 "%s --json programme create --code %s --name 'Master Public Management' "
		 "--award degree --ects 60 --duration-months 24 --language nl --mode part-time "
		 "--start september --start february --fee 17,950.00 "
		 "--specialisation 'Public Management'",
		 in, code);
	TRIAD_OK(args, out, sizeof out);
	json_string(out, "id", programme, sizeof programme);
	expect_contains(out, "\"fee\":17950.00");
	expect_contains(out, "\"award\":\"degree\"");
	/* In an order the server chooses. */
	expect_contains(out, "september");
	expect_contains(out, "february");

	/* An update keeps what it does not name. */
	snprintf(args, sizeof args, "%s programme update %s --fee 18500", in, programme);
	TRIAD_OK(args, out, sizeof out);
	expect_contains(out, "EUR 18,500.00");
	snprintf(args, sizeof args, "%s programme show %s", in, programme);
	TRIAD_OK(args, out, sizeof out);
	expect_contains(out, "Master Public Management");
	expect_contains(out, "part time");
	expect_contains(out, "september");
	expect_contains(out, "EUR 18,500.00");

	snprintf(args, sizeof args,
		 "%s --json module create --programme %s --code M1 --name Leadership --kind core "
		 "--sequence 1 --credits 7.5 --mandatory-attendance --staff 'A. Jansen'",
		 in, programme);
	TRIAD_OK(args, out, sizeof out);
	json_string(out, "id", module, sizeof module);
	expect_contains(out, "\"kind\":\"core\"");
	expect_contains(out, "\"attendance_mandatory\":true");

	snprintf(args, sizeof args,
		 "%s --json cohort create --programme %s --name 'Cohort %s' --starts 2026-09-01 "
		 "--ends 2028-06-30",
		 in, programme, code);
	TRIAD_OK(args, out, sizeof out);
	json_string(out, "id", cohort, sizeof cohort);

	snprintf(args, sizeof args, "%s --json run create --module %s --cohort %s --capacity 2",
		 in, module, cohort);
	TRIAD_OK(args, out, sizeof out);
	json_string(out, "id", run, sizeof run);
	expect_contains(out, "\"capacity\":2");

	/* Three persons: two get a place, the third waits. */
	for (int i = 0; i < 3; i++) {
		char email[128];

		test_unique(name[i], sizeof name[i], "Participant ");
		test_unique(email, sizeof email, "participant-");
		strcat(email, "@example.org");
		snprintf(args, sizeof args, "%s --json person create --name '%s' --email %s", in,
			 name[i], email);
		TRIAD_OK(args, out, sizeof out);
		json_string(out, "id", person[i], sizeof person[i]);

		snprintf(args, sizeof args, "%s enroll %s --cohort %s --hours-per-week 8", in,
			 person[i], cohort);
		TRIAD_OK(args, out, sizeof out);
		snprintf(want, sizeof want, "Enrolled %s (enrollment ", name[i]);
		expect_contains(out, want);
		expect_contains(out, i < 2 ? "): placed.\n" : "): waitlisted at position 1.\n");
		enrolled_id(out, enrollment[i], sizeof enrollment[i]);
	}

	snprintf(args, sizeof args, "%s run show %s", in, run);
	TRIAD_OK(args, out, sizeof out);
	expect_contains(out, "members:");
	expect_contains(out, "capacity:");

	snprintf(args, sizeof args, "%s --json waitlist --cohort %s", in, cohort);
	TRIAD_OK(args, out, sizeof out);
	expect_contains(out, enrollment[2]);
	expect_contains(out, "\"waitlist_position\":1");

	/* The first withdraws: the third moves up. */
	snprintf(args, sizeof args, "%s enrollment move %s withdrawn", in, enrollment[0]);
	TRIAD_OK(args, out, sizeof out);
	expect_contains(out, "withdrawn");

	snprintf(args, sizeof args, "%s --json enrollment show %s", in, enrollment[2]);
	TRIAD_OK(args, out, sizeof out);
	expect_contains(out, "\"placement\":\"placed\"");
	expect_contains(out, "\"waitlist_position\":0");

	snprintf(args, sizeof args, "%s waitlist --cohort %s", in, cohort);
	TRIAD_OK(args, out, sizeof out);
	expect_contains(out, "No waitlisted enrollments.");

	snprintf(args, sizeof args, "%s --json enrollment list --cohort %s --status withdrawn",
		 in, cohort);
	TRIAD_OK(args, out, sizeof out);
	expect_contains(out, enrollment[0]);
	assert_null(strstr(out, enrollment[2]));

	/* The third's progress, for people and for scripts. */
	snprintf(args, sizeof args, "%s progress %s", in, enrollment[2]);
	TRIAD_OK(args, out, sizeof out);
	snprintf(want, sizeof want, "person:        %s\n", name[2]);
	expect_contains(out, want);
	snprintf(want, sizeof want, "programme:     %s\n", code);
	expect_contains(out, want);
	expect_contains(out, "credits:       ");
	expect_contains(out, "Modules:\nCODE  NAME");
	expect_contains(out, "M1    Leadership  core  7.5");
	expect_contains(out, "Learning outcomes:\n");

	snprintf(args, sizeof args, "%s --json progress %s", in, enrollment[2]);
	TRIAD_OK(args, out, sizeof out);
	snprintf(want, sizeof want, "{\"enrollment_id\":\"%s\"", enrollment[2]);
	expect_contains(out, want);
	expect_contains(out, "\"modules\":[{\"code\":\"M1\"");

	/* What the client refuses itself, and what the server does. */
	snprintf(args, sizeof args, "%s enroll %s", in, person[1]);
	assert_int_equal(TRIAD(args, out, sizeof out), 2);
	expect_contains(out, "either --cohort or --run is required");
	snprintf(args, sizeof args, "%s enrollment move %s finished", in, enrollment[1]);
	assert_int_equal(TRIAD(args, out, sizeof out), 2);
	expect_contains(out, "Valid enrollment statuses: applied, intake-planned");
	snprintf(args, sizeof args, "%s enrollment move %s applied", in, enrollment[0]);
	assert_int_equal(TRIAD(args, out, sizeof out), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enroll_waitlist_promote),
	};
	return harness_run_group_tests(tests, setup, teardown);
}

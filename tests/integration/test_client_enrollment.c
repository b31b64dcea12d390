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

/* A name no earlier run or other test used: PREFIX<pid>-<time>-<n>. */
static void
unique(char *buf, size_t size, const char *prefix)
{
	static int n;

	snprintf(buf, size, "%s%d-%ld-%d", prefix, (int)getpid(), (long)time(NULL), ++n);
}

/*
 * Runs `triad ARGS` as the operator against the test daemon, with stdin
 * empty and stderr in out; returns the exit code.
 */
static int
triad(const char *args, char *out, size_t size)
{
	char cmd[4096];

	snprintf(cmd, sizeof cmd,
		 "env -u TRIAD_INSTITUTION TRIAD_ADDR=%s TRIAD_TOKEN='%s' "
		 "XDG_CONFIG_HOME=/nonexistent '%s' %s </dev/null 2>&1",
		 d.addr, test_token(), env_required("TRIAD"), args);
	return run_capture(cmd, out, size);
}

/* triad() that must succeed; the output is in out. */
static void
triad_ok(const char *args, char *out, size_t size)
{
	int rc = triad(args, out, size);

	if (rc != 0)
		fail_msg("triad %s: exit %d: %s", args, rc, out);
}

/* The string value of "key" in JSON output, into buf (ids, codes: no escapes). */
static void
json_field(const char *json, const char *key, char *buf, size_t size)
{
	char pattern[64];
	const char *p, *end;

	snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
	p = strstr(json, pattern);
	if (p == NULL)
		fail_msg("no \"%s\" in: %s", key, json);
	p += strlen(pattern);
	end = strchr(p, '"');
	assert_non_null(end);
	assert_true((size_t)(end - p) < size);
	snprintf(buf, size, "%.*s", (int)(end - p), p);
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
must_contain(const char *out, const char *want)
{
	if (strstr(out, want) == NULL)
		fail_msg("no '%s' in: %s", want, out);
}

static void
test_enroll_waitlist_promote(void **state)
{
	char out[16384], args[1024], slug[64], in[96], code[64], want[256];
	char programme[128], module[128], cohort[128], run[128];
	char person[3][128], name[3][96], enrollment[3][128];

	/* The institution and its catalogue. */
	unique(slug, sizeof slug, "e");
	snprintf(args, sizeof args, "institution create %s 'Enrollment test %s'", slug, slug);
	triad_ok(args, out, sizeof out);
	snprintf(in, sizeof in, "--institution %s", slug);

	unique(code, sizeof code, "P");
	snprintf(args, sizeof args,
		 "%s --json programme create --code %s --name 'Master Public Management' "
		 "--award degree --ects 60 --duration-months 24 --language nl --mode part-time "
		 "--start september --start february --fee 17,950.00 "
		 "--specialisation 'Public Management'",
		 in, code);
	triad_ok(args, out, sizeof out);
	json_field(out, "id", programme, sizeof programme);
	must_contain(out, "\"fee\":\"17950.00\"");
	must_contain(out, "\"award\":\"degree\"");
	/* In an order the server chooses. */
	must_contain(out, "september");
	must_contain(out, "february");

	/* An update keeps what it does not name. */
	snprintf(args, sizeof args, "%s programme update %s --fee 18500", in, programme);
	triad_ok(args, out, sizeof out);
	must_contain(out, "EUR 18,500.00");
	snprintf(args, sizeof args, "%s programme show %s", in, programme);
	triad_ok(args, out, sizeof out);
	must_contain(out, "Master Public Management");
	must_contain(out, "part time");
	must_contain(out, "september");
	must_contain(out, "EUR 18,500.00");

	snprintf(args, sizeof args,
		 "%s --json module create --programme %s --code M1 --name Leadership --kind core "
		 "--sequence 1 --credits 7.5 --mandatory-attendance --staff 'A. Jansen'",
		 in, programme);
	triad_ok(args, out, sizeof out);
	json_field(out, "id", module, sizeof module);
	must_contain(out, "\"kind\":\"core\"");
	must_contain(out, "\"attendance_mandatory\":\"true\"");

	snprintf(args, sizeof args,
		 "%s --json cohort create --programme %s --name 'Cohort %s' --starts 2026-09-01 "
		 "--ends 2028-06-30",
		 in, programme, code);
	triad_ok(args, out, sizeof out);
	json_field(out, "id", cohort, sizeof cohort);

	snprintf(args, sizeof args, "%s --json run create --module %s --cohort %s --capacity 2",
		 in, module, cohort);
	triad_ok(args, out, sizeof out);
	json_field(out, "id", run, sizeof run);
	must_contain(out, "\"capacity\":\"2\"");

	/* Three persons: two get a place, the third waits. */
	for (int i = 0; i < 3; i++) {
		char email[128];

		unique(name[i], sizeof name[i], "Participant ");
		unique(email, sizeof email, "participant-");
		strcat(email, "@example.org");
		snprintf(args, sizeof args, "%s --json person create --name '%s' --email %s", in,
			 name[i], email);
		triad_ok(args, out, sizeof out);
		json_field(out, "id", person[i], sizeof person[i]);

		snprintf(args, sizeof args, "%s enroll %s --cohort %s --hours-per-week 8", in,
			 person[i], cohort);
		triad_ok(args, out, sizeof out);
		snprintf(want, sizeof want, "Enrolled %s (enrollment ", name[i]);
		must_contain(out, want);
		must_contain(out, i < 2 ? "): placed.\n" : "): waitlisted at position 1.\n");
		enrolled_id(out, enrollment[i], sizeof enrollment[i]);
	}

	snprintf(args, sizeof args, "%s run show %s", in, run);
	triad_ok(args, out, sizeof out);
	must_contain(out, "members:");
	must_contain(out, "capacity:");

	snprintf(args, sizeof args, "%s --json waitlist --cohort %s", in, cohort);
	triad_ok(args, out, sizeof out);
	must_contain(out, enrollment[2]);
	must_contain(out, "\"waitlist_position\":\"1\"");

	/* The first withdraws: the third moves up. */
	snprintf(args, sizeof args, "%s enrollment move %s withdrawn", in, enrollment[0]);
	triad_ok(args, out, sizeof out);
	must_contain(out, "withdrawn");

	snprintf(args, sizeof args, "%s --json enrollment show %s", in, enrollment[2]);
	triad_ok(args, out, sizeof out);
	must_contain(out, "\"placement\":\"placed\"");
	must_contain(out, "\"waitlist_position\":\"0\"");

	snprintf(args, sizeof args, "%s waitlist --cohort %s", in, cohort);
	triad_ok(args, out, sizeof out);
	must_contain(out, "No waitlisted enrollments.");

	snprintf(args, sizeof args, "%s --json enrollment list --cohort %s --status withdrawn",
		 in, cohort);
	triad_ok(args, out, sizeof out);
	must_contain(out, enrollment[0]);
	assert_null(strstr(out, enrollment[2]));

	/* The third's progress, for people and for scripts. */
	snprintf(args, sizeof args, "%s progress %s", in, enrollment[2]);
	triad_ok(args, out, sizeof out);
	snprintf(want, sizeof want, "person:        %s\n", name[2]);
	must_contain(out, want);
	snprintf(want, sizeof want, "programme:     %s\n", code);
	must_contain(out, want);
	must_contain(out, "credits:       ");
	must_contain(out, "Modules:\nCODE  NAME");
	must_contain(out, "M1    Leadership  core  7.5");
	must_contain(out, "Learning outcomes:\n");

	snprintf(args, sizeof args, "%s --json progress %s", in, enrollment[2]);
	triad_ok(args, out, sizeof out);
	snprintf(want, sizeof want, "{\"enrollment_id\":\"%s\"", enrollment[2]);
	must_contain(out, want);
	must_contain(out, "\"modules\":[{\"code\":\"M1\"");

	/* What the client refuses itself, and what the server does. */
	snprintf(args, sizeof args, "%s enroll %s", in, person[1]);
	assert_int_equal(triad(args, out, sizeof out), 2);
	must_contain(out, "either --cohort or --run is required");
	snprintf(args, sizeof args, "%s enrollment move %s finished", in, enrollment[1]);
	assert_int_equal(triad(args, out, sizeof out), 2);
	must_contain(out, "Valid enrollment statuses: applied, intake-planned");
	snprintf(args, sizeof args, "%s enrollment move %s applied", in, enrollment[0]);
	assert_int_equal(triad(args, out, sizeof out), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enroll_waitlist_promote),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * test_client_self.c: a participant, her workplace coach and her
 * employer's contact do their everyday work with the real triad binary
 * against a real daemon, naming everything by e-mail address, code, name
 * or registry number, never by id.
 *
 * Programme staff (the operator) set up an institution with the programme
 * MPM, its outcome LO1 and module M1, a cohort, and an employer with a
 * registry number; add Anna, Carla and Dirk; enroll Anna; invite Anna and
 * Dirk; and make Carla Anna's coach. Each then signs in with their invite
 * in a configuration directory of their own and works:
 *   Anna   `triad me`, her enrollments, progress, consent, a claim, asks
 *          Carla for feedback, sees what she sent, reads the judgement;
 *   Carla  `triad me`, her relations, the request, gives feedback;
 *   Dirk   sees who consented and how far, judges Anna's intervention.
 * At the end Anna follows a second programme, and a command that means
 * her enrollment asks which, with the choices (exit 2).
 *
 * Every command line is checked: none may hold an id.
 */
#include "harness.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static Triadd d;
static char dir[128];
static char slug[64], cohort[64], cohort2[64], org[96], kvk[64];
static char anna[128], carla[128], dirk[128];

/* Whether s holds something shaped like an id (a UUID). */
static bool
has_id(const char *s)
{
	static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

	for (; *s != '\0'; s++) {
		size_t i = 0;

		while (shape[i] != '\0' && s[i] != '\0' &&
		       (shape[i] == '-' ? s[i] == '-' : isxdigit((unsigned char)s[i])))
			i++;
		if (shape[i] == '\0')
			return true;
	}
	return false;
}

/*
 * Runs `triad ARGS` as who: "op" (the operator's token) or the name of a
 * person, whose configuration directory holds the token `login` stored.
 * Output and errors go to out. Returns the exit code.
 */
static int
triad_as(const char *who, const char *args, char *out, size_t size)
{
	char cmd[4096], auth[512];

	if (has_id(args))
		fail_msg("an id on the command line: triad %s", args);
	if (strcmp(who, "op") == 0)
		snprintf(auth, sizeof auth, "XDG_CONFIG_HOME=/nonexistent TRIAD_TOKEN='%s'",
			 test_token());
	else
		snprintf(auth, sizeof auth, "XDG_CONFIG_HOME='%s/%s'", dir, who);
	snprintf(cmd, sizeof cmd,
		 "env -u TRIAD_INSTITUTION -u TRIAD_TOKEN TRIAD_ADDR=%s %s '%s' %s </dev/null 2>&1",
		 d.addr, auth, env_required("TRIAD"), args);
	return run_capture(cmd, out, size);
}

static void
triad_ok(const char *who, const char *args, char *out, size_t size)
{
	int rc = triad_as(who, args, out, size);

	if (rc != 0)
		fail_msg("triad %s: exit %d: %s", args, rc, out);
}

/* As the operator, in the institution. */
static void
staff(const char *args, char *out, size_t size)
{
	char line[2048];

	snprintf(line, sizeof line, "--institution %s %s", slug, args);
	triad_ok("op", line, out, size);
}

/* who signs in with the invite code in a --json answer's field. */
static void
login(const char *who, const char *json, const char *field)
{
	char code[128], args[256], out[4096], home[192];

	json_string(json, field, code, sizeof code);
	snprintf(home, sizeof home, "%s/%s", dir, who);
	assert_int_equal(mkdir(home, 0700), 0);
	snprintf(args, sizeof args, "login --invite %s", code);
	triad_ok(who, args, out, sizeof out);
	expect_contains(out, "Welcome");
}

static int
setup(void **state)
{
	char out[16384], args[1024];

	(void)state;
	snprintf(dir, sizeof dir, "/tmp/triad-self-XXXXXX");
	assert_non_null(mkdtemp(dir));
	triadd_start(&d, NULL);

	test_unique(slug, sizeof slug, "me");
	snprintf(args, sizeof args, "institution create %s 'Self-service %s'", slug, slug);
	triad_ok("op", args, out, sizeof out);

	staff("programme create --code MPM --name 'Master Public Management' --award degree "
	      "--ects 60 --duration-months 24 --language nl --mode part-time", out, sizeof out);
	staff("outcome create --programme mpm --code LO1 --description 'Leads change' "
	      "--credits 5", out, sizeof out);
	staff("module create --programme MPM --code M1 --name Leadership --kind core "
	      "--sequence 1 --credits 7.5", out, sizeof out);
	test_unique(cohort, sizeof cohort, "Metropool ");
	snprintf(args, sizeof args,
		 "cohort create --programme MPM --name '%s' --starts 2026-09-01 --ends 2028-06-30",
		 cohort);
	staff(args, out, sizeof out);

	test_unique(org, sizeof org, "Gemeente Zuid ");
	test_unique(kvk, sizeof kvk, "KVK");
	snprintf(args, sizeof args, "org create --name '%s' --kind municipality "
		 "--registry-number %s", org, kvk);
	triad_ok("op", args, out, sizeof out);
	expect_contains(out, kvk);

	test_unique(anna, sizeof anna, "anna-");
	strcat(anna, "@example.org");
	test_unique(carla, sizeof carla, "carla-");
	strcat(carla, "@example.org");
	test_unique(dirk, sizeof dirk, "dirk-");
	strcat(dirk, "@example.org");
	snprintf(args, sizeof args, "person create --name 'Anna de Vries' --email %s", anna);
	staff(args, out, sizeof out);
	snprintf(args, sizeof args, "person create --name 'Carla Coach' --email %s", carla);
	staff(args, out, sizeof out);
	snprintf(args, sizeof args, "person create --name 'Dirk Dekker' --email %s", dirk);
	staff(args, out, sizeof out);

	snprintf(args, sizeof args, "enroll %s --cohort '%s' --employer %s --hours-per-week 8",
		 anna, cohort, kvk);
	staff(args, out, sizeof out);
	expect_contains(out, "Enrolled Anna de Vries");

	snprintf(args, sizeof args, "--json invite create %s --role participant", anna);
	staff(args, out, sizeof out);
	login("anna", out, "code");
	snprintf(args, sizeof args, "--json invite create %s --role employer-contact --org '%s'",
		 dirk, org);
	staff(args, out, sizeof out);
	login("dirk", out, "code");
	snprintf(args, sizeof args, "--json relation create %s %s", anna, carla);
	staff(args, out, sizeof out);
	login("carla", out, "invite_code");
	return 0;
}

static int
teardown(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
	return 0;
}

static void
test_participant(void **state)
{
	char out[16384], args[1024], want[256];

	(void)state;
	triad_ok("anna", "me", out, sizeof out);
	snprintf(want, sizeof want, "Anna de Vries <%s>", anna);
	expect_contains(out, want);
	expect_contains(out, "Enrollments:");
	expect_contains(out, cohort);
	expect_contains(out, "Your coaches:");
	expect_contains(out, "Carla Coach");
	triad_ok("anna", "--json me", out, sizeof out);
	expect_contains(out, "\"programme_code\":\"MPM\"");

	/* Her own enrollments, once refused her. */
	triad_ok("anna", "enrollment list --wide", out, sizeof out);
	expect_contains(out, "Anna de Vries");
	/* Progress and consent without naming the enrollment: she has one. */
	triad_ok("anna", "progress", out, sizeof out);
	expect_contains(out, "programme:     MPM\n");
	snprintf(args, sizeof args, "consent set '%s' progress", org);
	triad_ok("anna", args, out, sizeof out);
	snprintf(want, sizeof want, "%s may now see your progress", org);
	expect_contains(out, want);
	triad_ok("anna", "consent list --wide", out, sizeof out);
	expect_contains(out, "progress");
	expect_contains(out, org);

	/* A claim by the outcome's code, and her claims. */
	triad_ok("anna", "prior-learning claim LO1 --evidence 'Led the merger of two services'",
		 out, sizeof out);
	triad_ok("anna", "prior-learning list --wide", out, sizeof out);
	expect_contains(out, "LO1");

	/* She asks her coach without naming the relation. */
	triad_ok("anna", "feedback ask --question 'How did I chair the steering group?' "
		 "--module M1 --due 2030-01-31", out, sizeof out);
	expect_contains(out, "Asked Carla Coach for feedback, due 2030-01-31.");
	triad_ok("anna", "feedback sent --wide", out, sizeof out);
	expect_contains(out, "How did I chair the steering group?");
}

static void
test_coach(void **state)
{
	char out[16384], args[1024];

	(void)state;
	triad_ok("carla", "me", out, sizeof out);
	expect_contains(out, "You coach:");
	expect_contains(out, "Anna de Vries");
	expect_contains(out, "Feedback asked of you:");
	triad_ok("carla", "relation list --wide", out, sizeof out);
	expect_contains(out, "Anna de Vries");
	triad_ok("carla", "feedback requests --wide", out, sizeof out);
	expect_contains(out, "How did I chair the steering group?");
	triad_ok("carla", "person find vries", out, sizeof out);
	expect_contains(out, anna);
	snprintf(args, sizeof args,
		 "feedback give %s --outcome LO1 --module m1 --situation 'The steering group' "
		 "--behaviour 'You summed up each point before moving on'", anna);
	triad_ok("carla", args, out, sizeof out);
	expect_contains(out, "Feedback for Anna de Vries saved.");
}

static void
test_employer(void **state)
{
	char out[16384], args[1024];

	(void)state;
	triad_ok("dirk", "me", out, sizeof out);
	expect_contains(out, "employer contact");
	expect_contains(out, org);
	triad_ok("dirk", "consent list --wide", out, sizeof out);
	expect_contains(out, "Anna de Vries");
	expect_contains(out, "progress");
	triad_ok("dirk", "employer view --all --wide", out, sizeof out);
	expect_contains(out, "Anna de Vries");
	snprintf(args, sizeof args,
		 "employer judge %s --text 'The new intake procedure is in use'", anna);
	triad_ok("dirk", args, out, sizeof out);
	expect_contains(out, "is recorded");

	/* Anna reads it, and the feedback Carla gave. */
	triad_ok("anna", "judgement list --wide", out, sizeof out);
	expect_contains(out, "The new intake procedure is in use");
	triad_ok("anna", "feedback list --wide", out, sizeof out);
	expect_contains(out, "Carla Coach");
}

static void
test_several_enrollments_ask_which(void **state)
{
	char out[16384], args[1024];

	(void)state;
	staff("programme create --code MIZ --name 'Master Zorg' --award degree --ects 60 "
	      "--duration-months 24 --language nl --mode part-time", out, sizeof out);
	test_unique(cohort2, sizeof cohort2, "Zorg ");
	snprintf(args, sizeof args,
		 "cohort create --programme MIZ --name '%s' --starts 2026-09-01 --ends 2028-06-30",
		 cohort2);
	staff(args, out, sizeof out);
	snprintf(args, sizeof args, "enroll %s --cohort '%s'", anna, cohort2);
	staff(args, out, sizeof out);

	/* Now progress asks which, listing both as she can type them. */
	assert_int_equal(triad_as("anna", "progress", out, sizeof out), 2);
	expect_contains(out, "you have 2 enrollments; say which: ");
	snprintf(args, sizeof args, "MPM/%s", cohort);
	expect_contains(out, args);
	snprintf(args, sizeof args, "MIZ/%s", cohort2);
	expect_contains(out, args);
	expect_contains(out, "(field get_progress.enrollment_id)");
	triad_ok("anna", "progress miz", out, sizeof out);
	expect_contains(out, "programme:     MIZ\n");

	/* Staff name hers by e-mail and programme. */
	snprintf(args, sizeof args, "progress %s/MPM", anna);
	staff(args, out, sizeof out);
	expect_contains(out, "person:        Anna de Vries\n");
	snprintf(args, sizeof args, "--institution %s progress %s", slug, anna);
	assert_int_equal(triad_as("op", args, out, sizeof out), 2);
	expect_contains(out, "fits 2 enrollments; say which");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_participant),
		cmocka_unit_test(test_coach),
		cmocka_unit_test(test_employer),
		cmocka_unit_test(test_several_enrollments_ask_which),
	};
	return harness_run_group_tests(tests, setup, teardown);
}

/*
 * test_client_notify.c: the notification outbox and signing in by e-mail
 * as people use them, with the real triad binary against a daemon that has
 * no mail relay: each person has a config directory (XDG_CONFIG_HOME) of
 * their own.
 *
 * Without a relay the outbox is where mail waits, and staff read it there:
 * an institution admin reads an invite's code and passes it on; a lecturer
 * sees the same message with the code withheld; a participant may not read
 * the outbox at all. A person who joined by invite signs in again on a new
 * computer with `triad login --email`: the code waits in the outbox, where
 * only an operator reads it (not the institution's admin); it works once.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static Triadd d;
static char operator_token[128];
static char slug[64];

/* The config homes made so far, removed at the end even when a test fails. */
static char homes[16][64];
static int nhomes;

static char op_home[64], admin_home[64], lecturer_home[64], participant_home[64];
static char participant_email[128];

static void
make_home(char *dir)
{
	assert_true(nhomes < (int)(sizeof homes / sizeof homes[0]));
	snprintf(dir, 64, "/tmp/triad-home-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(homes[nhomes++], sizeof homes[0], "%s", dir);
}

/* Runs `triad ARGS` as the person whose config home is home; stdin empty,
 * stderr in out. */
static int
triad_as(const char *home, const char *args, char *out, size_t size)
{
	char cmd[4096];

	snprintf(cmd, sizeof cmd,
		 "env -u TRIAD_TOKEN -u TRIAD_INSTITUTION XDG_CONFIG_HOME='%s' TRIAD_ADDR=%s "
		 "'%s' %s </dev/null 2>&1", home, d.addr, env_required("TRIAD"), args);
	return run_capture(cmd, out, size);
}

static void
triad_ok(const char *home, const char *args, char *out, size_t size)
{
	if (triad_as(home, args, out, size) != 0)
		fail_msg("triad %s: %s", args, out);
}

/* The len characters after the first after in text, into buf. */
static void
after(const char *text, const char *marker, size_t len, char *buf, size_t size)
{
	const char *p = strstr(text, marker);
	if (p == NULL)
		fail_msg("no '%s' in: %s", marker, text);
	assert_true(len < size);
	snprintf(buf, size, "%.*s", (int)len, p + strlen(marker));
}

/* A person of the institution; their e-mail goes to email (128 bytes). */
static void
add_person(const char *name, char *email, char *id, size_t idsize)
{
	char args[1024], out[4096];

	test_unique(email, 128, "p");
	strcat(email, "@example.org");
	snprintf(args, sizeof args, "--institution %s --json person create --name '%s' --email %s",
		 slug, name, email);
	triad_ok(op_home, args, out, sizeof out);
	json_string(out, "id", id, idsize);
}

/* The operator invites person id with role (and options); the person signs in at home. */
static void
invite_and_login(const char *home, const char *id, const char *role)
{
	char args[1024], out[8192], code[64];

	snprintf(args, sizeof args, "--institution %s --json invite create %s --role %s", slug, id,
		 role);
	triad_ok(op_home, args, out, sizeof out);
	json_string(out, "code", code, sizeof code);
	snprintf(args, sizeof args, "login --invite '%s'", code);
	triad_ok(home, args, out, sizeof out);
}

static int
setup(void **state)
{
	char args[1024], out[8192], id[64], email[128];

	triadd_start(&d, "signin_failures_max = 1000\n");
	triadd_bootstrap(operator_token, sizeof operator_token);
	make_home(op_home);
	make_home(admin_home);
	make_home(lecturer_home);
	make_home(participant_home);
	snprintf(args, sizeof args, "login --token '%s'", operator_token);
	triad_ok(op_home, args, out, sizeof out);
	test_unique(slug, sizeof slug, "outbox");
	snprintf(args, sizeof args, "institution create %s 'Academie voor Bestuur'", slug);
	triad_ok(op_home, args, out, sizeof out);

	add_person("Admin Anna", email, id, sizeof id);
	invite_and_login(admin_home, id, "institution-admin");
	add_person("Docent Dirk", email, id, sizeof id);
	invite_and_login(lecturer_home, id, "programme-staff --title lecturer");
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	for (int i = 0; i < nhomes; i++) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", homes[i]);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", homes[i]);
	}
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
	return 0;
}

static void
test_outbox_is_the_fallback_without_mail(void **state)
{
	char args[1024], out[16384], id[64], code[64], want[256];

	add_person("Deelnemer Sara", participant_email, id, sizeof id);
	/* The admin invites; no relay, so the mail waits in the outbox. */
	snprintf(args, sizeof args, "--institution %s invite create %s --role participant", slug,
		 id);
	triad_ok(admin_home, args, out, sizeof out);

	/* The lecturer sees that it waits, but not the code. */
	snprintf(args, sizeof args, "--institution %s --json notification list --to %s", slug,
		 participant_email);
	triad_ok(lecturer_home, args, out, sizeof out);
	expect_contains(out, "\"kind\":\"invite\"");
	expect_contains(out, "\"status\":\"pending\"");
	expect_contains(out, "triad login --invite [code withheld: only institution admins see it]");
	expect_lacks(out, "inv_");

	/* The admin reads it whole, on a terminal too (--wide: no column cut). */
	snprintf(args, sizeof args, "--institution %s notification list --wide --to %s", slug,
		 participant_email);
	triad_ok(admin_home, args, out, sizeof out);
	expect_contains(out, "invite");
	expect_contains(out, "pending");
	expect_contains(out, "Your invitation to Academie voor Bestuur");
	snprintf(args, sizeof args, "--institution %s --json notification list --kind invite --to %s",
		 slug, participant_email);
	triad_ok(admin_home, args, out, sizeof out);
	after(out, "triad login --invite ", 47, code, sizeof code);
	assert_int_equal(strncmp(code, "inv_", 4), 0);
	json_string(out, "id", id, sizeof id);
	snprintf(args, sizeof args, "--institution %s notification show %s", slug, id);
	triad_ok(admin_home, args, out, sizeof out);
	snprintf(want, sizeof want, "\n      triad login --invite %s\n", code);
	expect_contains(out, want);
	expect_contains(out, "recipient:");

	/* The participant signs in with the code the admin passed on... */
	snprintf(args, sizeof args, "login --invite '%s'", code);
	triad_ok(participant_home, args, out, sizeof out);
	expect_contains(out, "Welcome, Deelnemer Sara.");
	/* ...and may not read the outbox. */
	snprintf(args, sizeof args, "--institution %s notification list", slug);
	assert_int_equal(triad_as(participant_home, args, out, sizeof out), 4);
	expect_contains(out, "read the notification outbox");

	/* Filters are checked by the client. */
	snprintf(args, sizeof args, "--institution %s notification list --kind postcard", slug);
	assert_int_equal(triad_as(admin_home, args, out, sizeof out), 2);
}

static void
test_login_by_email_on_a_new_computer(void **state)
{
	char args[1024], out[16384], code[32], laptop[64], stranger[64];

	make_home(laptop);
	make_home(stranger);
	/* Sara, who joined by invite (above), on a new laptop. */
	snprintf(args, sizeof args, "login --email %s", participant_email);
	triad_ok(laptop, args, out, sizeof out);
	expect_contains(out, "a sign-in code is\non its way to that address");
	expect_contains(out, "It works once, for 15 minutes.");
	char want[256];
	snprintf(want, sizeof want, "triad login --email %s --code CODE", participant_email);
	expect_contains(out, want);

	/* The institution's admin does not see sign-in codes... */
	snprintf(args, sizeof args, "--institution %s notification list --kind signin-code --to %s",
		 slug, participant_email);
	triad_ok(admin_home, args, out, sizeof out);
	expect_contains(out, "No notifications");
	/* ...the operator, reading the whole outbox, does. */
	snprintf(args, sizeof args, "--json notification list --kind signin-code --to %s",
		 participant_email);
	triad_ok(op_home, args, out, sizeof out);
	expect_contains(out, "\"status\":\"pending\"");
	expect_contains(out, "\"institution_id\":\"\"");
	after(out, "--code ", 14, code, sizeof code);

	snprintf(args, sizeof args, "login --email %s --code %s", participant_email, code);
	triad_ok(laptop, args, out, sizeof out);
	expect_contains(out, "Signed in as Deelnemer Sara.");
	snprintf(want, sizeof want, "participant at %s", slug);
	expect_contains(out, want);
	triad_ok(laptop, "whoami --json", out, sizeof out);
	expect_contains(out, participant_email);

	/* The code works once. */
	snprintf(args, sizeof args, "login --email %s --code %s", participant_email, code);
	assert_int_equal(triad_as(stranger, args, out, sizeof out), 4);
	expect_contains(out, "the server did not accept this code");
	assert_int_equal(triad_as(stranger, "whoami", out, sizeof out), 4);

	/* Usage mistakes are the client's to find. */
	assert_int_equal(triad_as(stranger, "login --code ABCD-EFGH-JKMN", out, sizeof out), 2);
	expect_contains(out, "--code is used with --email");
	snprintf(args, sizeof args, "login --email %s --invite inv_x", participant_email);
	assert_int_equal(triad_as(stranger, args, out, sizeof out), 2);
	assert_int_equal(triad_as(stranger, "login --email sara", out, sizeof out), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outbox_is_the_fallback_without_mail),
		cmocka_unit_test(test_login_by_email_on_a_new_computer),
	};
	return harness_run_group_tests(tests, setup, teardown);
}

/*
 * test_client_rules.c: the rules of test_rules.c as a person meets them in
 * the client: the real triad binary against a real daemon.
 *
 *   - `triad logout` revokes the token on the server, not only the file;
 *   - times are typed and shown in the user's time zone (TZ, or --utc),
 *     stored as the instant: sessions and events alike;
 *   - a session in the past needs --history;
 *   - --capacity 0 and --expires-in 0 are refused, not taken as defaults;
 *   - a second relation of the same kind with the same coach is refused,
 *     and `feedback give EMAIL` stays unambiguous;
 *   - approving a proposed coach prints the coach's sign-in command.
 *
 * Fixtures are made through the protocol as the operator. Names are
 * unique per run: the test database is shared and keeps what earlier runs
 * made.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define REQ(var) Triad__V1__Request var = TRIAD__V1__REQUEST__INIT
#define BODY(req, KIND, field, msg)                                   \
	do {                                                          \
		(req).body_case = TRIAD__V1__REQUEST__BODY_##KIND;    \
		(req).field = &(msg);                                 \
	} while (0)

/* Central European time, without depending on a time zone database. */
#define CET "TZ=CET-1CEST,M3.5.0,M10.5.0/3"

static Triadd d;
static Sess op;
static char slug[64], dir[96];
static char *module_id, *cohort, *run;

/*
 * Runs `triad ARGS` in the institution with token (NULL: the operator's),
 * after the shell words pre (such as TZ=...; may be ""), with its own
 * config home home (NULL: none), stdin empty and stderr in out. Returns
 * the exit code.
 */
static int
triad_with(const char *token, const char *home, const char *pre, const char *args, char *out,
	   size_t size)
{
	char cmd[8192], auth[600];

	if (home != NULL)
		snprintf(auth, sizeof auth, "XDG_CONFIG_HOME='%s'", home);
	else
		snprintf(auth, sizeof auth, "XDG_CONFIG_HOME=/nonexistent TRIAD_TOKEN='%s'",
			 token != NULL ? token : test_token());
	snprintf(cmd, sizeof cmd,
		 "env -u TRIAD_TOKEN -u TZ TRIAD_ADDR=%s TRIAD_INSTITUTION=%s %s %s '%s' %s "
		 "</dev/null 2>&1", d.addr, slug, auth, pre, env_required("TRIAD"), args);
	return run_capture(cmd, out, size);
}

static void
triad_ok(const char *token, const char *pre, const char *args, char *out, size_t size)
{
	int rc = triad_with(token, NULL, pre, args, out, size);

	if (rc != 0)
		fail_msg("triad %s: exit %d: %s", args, rc, out);
}

static char *
mk_person(const char *stem, char *email, size_t size)
{
	char name[96];
	test_unique(email, size, "rules-");
	strcat(email, "@example.org");
	test_unique(name, sizeof name, stem);
	return make_person(&op, slug, name, email);
}

static char *
enroll(const char *person)
{
	REQ(req);
	Triad__V1__EnrollRequest m = TRIAD__V1__ENROLL_REQUEST__INIT;
	m.person_id = (char *)person;
	m.cohort_id = cohort;
	BODY(req, ENROLL, enroll, m);
	Triad__V1__Response *r = rpc_ok(&op, slug, &req);
	char *id = test_strdup(r->enrollment->id);
	rpc_free(r);
	return id;
}

/* The id after marker in out, up to a space, ')' or the end of the line. */
static void
word_after(const char *out, const char *marker, char *buf, size_t size)
{
	const char *p = strstr(out, marker);

	if (p == NULL)
		fail_msg("no '%s' in: %s", marker, out);
	p += strlen(marker);
	size_t n = strcspn(p, " )\n:,");
	assert_true(n < size);
	snprintf(buf, size, "%.*s", (int)n, p);
}

static int
setup(void **state)
{
	(void)state;
	triadd_start(&d, NULL);
	op = sess_open(d.addr, test_token());
	make_institution(&op, "crules", "Client rules", slug);
	snprintf(dir, sizeof dir, "/tmp/triad-rules-XXXXXX");
	assert_non_null(mkdtemp(dir));

	char code[32];
	snprintf(code, sizeof code, "CR%d", (int)(getpid() % 100000));
	char *programme = make_programme(&op, slug, code, 0);
	REQ(rm);
	Triad__V1__CreateModuleRequest cm = TRIAD__V1__CREATE_MODULE_REQUEST__INIT;
	Triad__V1__Module mod = TRIAD__V1__MODULE__INIT;
	mod.programme_id = programme;
	mod.code = "M1";
	mod.name = "De stad";
	mod.kind = TRIAD__V1__MODULE_KIND__MODULE_KIND_CORE;
	mod.sequence = 1;
	mod.credits = 5;
	cm.module = &mod;
	BODY(rm, CREATE_MODULE, create_module, cm);
	Triad__V1__Response *r = rpc_ok(&op, slug, &rm);
	module_id = test_strdup(r->module->id);
	rpc_free(r);

	REQ(rc);
	Triad__V1__CreateCohortRequest cc = TRIAD__V1__CREATE_COHORT_REQUEST__INIT;
	Triad__V1__Cohort c = TRIAD__V1__COHORT__INIT;
	c.programme_id = programme;
	c.name = "Metropool 31";
	c.starts_on = "2031-01-01";
	c.ends_on = "2032-06-30";
	cc.cohort = &c;
	BODY(rc, CREATE_COHORT, create_cohort, cc);
	r = rpc_ok(&op, slug, &rc);
	cohort = test_strdup(r->cohort->id);
	rpc_free(r);

	REQ(rr);
	Triad__V1__CreateRunRequest cr = TRIAD__V1__CREATE_RUN_REQUEST__INIT;
	Triad__V1__ModuleRun mr = TRIAD__V1__MODULE_RUN__INIT;
	mr.module_id = module_id;
	mr.cohort_id = cohort;
	cr.run = &mr;
	BODY(rr, CREATE_RUN, create_run, cr);
	r = rpc_ok(&op, slug, &rr);
	run = test_strdup(r->run->id);
	rpc_free(r);
	free(programme);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[160];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	sess_close(&op);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
	return 0;
}

/* ---- logout ---- */

/* Signed out, the token stops working everywhere, not only on this computer. */
static void
test_logout_revokes_the_token(void **state)
{
	char email[128], home[160], out[8192], args[512], path[256], token[128];

	(void)state;
	char *p = mk_person("Leaving", email, sizeof email);
	char *tok = invite_and_redeem(&op, d.addr, slug, p, TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0,
				      NULL);
	snprintf(home, sizeof home, "%s/leaving", dir);
	snprintf(args, sizeof args, "login --token '%s'", tok);
	assert_int_equal(triad_with(NULL, home, "", args, out, sizeof out), 0);
	snprintf(path, sizeof path, "%s/triad/credentials", home);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(token, sizeof token, f));
	fclose(f);
	token[strcspn(token, "\n")] = '\0';
	assert_string_equal(token, tok);

	assert_int_equal(triad_with(NULL, home, "", "logout", out, sizeof out), 0);
	expect_contains(out, "Signed out: the token is revoked");
	assert_int_equal(access(path, F_OK), -1);
	/* Kept elsewhere, the same token is refused now. */
	assert_int_equal(triad_with(tok, NULL, "", "whoami", out, sizeof out), 4);
	expect_contains(out, "revoked");
	/* Nothing left to sign out. */
	assert_int_equal(triad_with(NULL, home, "", "logout", out, sizeof out), 0);
	expect_contains(out, "You were not signed in");
	free(tok);
	free(p);
}

/* ---- times ---- */

/*
 * A session typed as 14:00 in Central European summer time is the instant
 * 12:00 UTC: stored so, and shown as 14:00 +02:00 there, as 12:00 UTC
 * with --utc. An event likewise.
 */
static void
test_times_in_the_users_zone(void **state)
{
	char out[16384], args[512], id[64];

	(void)state;
	snprintf(args, sizeof args, "--json run session add %s --at '2031-07-01 14:00' "
		 "--title Zomer", run);
	triad_ok(NULL, CET, args, out, sizeof out);
	json_string(out, "id", id, sizeof id);
	expect_contains(out, "\"starts_at\":\"2031-07-01T14:00:00+02:00\"");
	char *at = owner_sql("SELECT to_char(starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')"
			     " FROM session WHERE id = $1::uuid", id, NULL, NULL);
	assert_string_equal(at, "2031-07-01 12:00");
	free(at);

	snprintf(args, sizeof args, "run sessions %s", run);
	triad_ok(NULL, CET, args, out, sizeof out);
	expect_contains(out, "2031-07-01 14:00 +02:00");
	snprintf(args, sizeof args, "--utc --json run sessions %s", run);
	triad_ok(NULL, CET, args, out, sizeof out);
	expect_contains(out, "\"starts_at\":\"2031-07-01T12:00:00Z\"");
	/* With --utc what is typed is UTC too. */
	snprintf(args, sizeof args, "--utc --json run session add %s --at '2031-12-01 09:30'",
		 run);
	triad_ok(NULL, CET, args, out, sizeof out);
	expect_contains(out, "\"starts_at\":\"2031-12-01T09:30:00Z\"");
	/* A time with its own offset is that instant, wherever one is. */
	snprintf(args, sizeof args, "--json run session add %s --at 2031-12-02T09:30:00-05:00",
		 run);
	triad_ok(NULL, CET, args, out, sizeof out);
	expect_contains(out, "\"starts_at\":\"2031-12-02T15:30:00+01:00\"");

	/* Events: typed and shown the same way. */
	triad_ok(NULL, CET, "--json event create --kind symposium --title 'Zomersymposium' "
		 "--starts '2031-07-02 19:30'", out, sizeof out);
	json_string(out, "id", id, sizeof id);
	expect_contains(out, "\"starts_at\":\"2031-07-02T19:30:00+02:00\"");
	at = owner_sql("SELECT to_char(starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')"
		       " FROM event WHERE id = $1::uuid", id, NULL, NULL);
	assert_string_equal(at, "2031-07-02 17:30");
	free(at);
	snprintf(args, sizeof args, "event show %s", id);
	triad_ok(NULL, "TZ=UTC", args, out, sizeof out);
	expect_contains(out, "2031-07-02 17:30 UTC");

	/* Not a time: a usage error that says what is wanted. */
	snprintf(args, sizeof args, "run session add %s --at 'next tuesday'", run);
	assert_int_equal(triad_with(NULL, NULL, CET, args, out, sizeof out), 2);
	expect_contains(out, "expected a day and time such as '2026-10-01 14:00'");
}

/* A session in the past is history, and says so. */
static void
test_history_is_explicit(void **state)
{
	char out[8192], args[512];

	(void)state;
	snprintf(args, sizeof args, "run session add %s --at '2020-03-02 09:00'", run);
	assert_int_equal(triad_with(NULL, NULL, CET, args, out, sizeof out), 2);
	expect_contains(out, "has passed");
	expect_contains(out, "--history");
	snprintf(args, sizeof args, "run session add %s --at '2020-03-02 09:00' --history", run);
	triad_ok(NULL, CET, args, out, sizeof out);
	triad_ok(NULL, CET, "event create --kind symposium --title Terugblik "
		 "--starts '2020-03-02 19:00' --history", out, sizeof out);
}

/* ---- zero ---- */

static void
test_zero_is_refused(void **state)
{
	char out[8192], args[512], email[128];

	(void)state;
	snprintf(args, sizeof args, "run create --module %s --cohort %s --capacity 0", module_id,
		 cohort);
	assert_int_equal(triad_with(NULL, NULL, "", args, out, sizeof out), 2);
	expect_contains(out, "capacity must be 1 to 1000, not 0");
	assert_int_equal(triad_with(NULL, NULL, "", "event create --kind symposium --title Nul "
				    "--starts '2031-05-05 10:00' --capacity 0", out, sizeof out),
			 2);
	expect_contains(out, "capacity must be 1 to 10000, not 0");
	char *p = mk_person("Invitee", email, sizeof email);
	snprintf(args, sizeof args, "invite create %s --role participant --expires-in 0", p);
	assert_int_equal(triad_with(NULL, NULL, "", args, out, sizeof out), 2);
	expect_contains(out, "expires_in_days must be 1 to 90, not 0");
	assert_int_equal(triad_with(NULL, NULL, "", "token create --label nul --expires-in 0", out,
				    sizeof out), 2);
	expect_contains(out, "expires_in_days must be 1 to 3650, not 0");
	free(p);
}

/* ---- relations ---- */

/*
 * Staff cannot give a participant the same coach twice for the same kind,
 * so the coach's `feedback give EMAIL` finds one coachee, not two.
 */
static void
test_one_relation_keeps_feedback_unambiguous(void **state)
{
	char out[16384], args[1024], pemail[128], cemail[128], code[128], home[160];

	(void)state;
	char *p = mk_person("Deelnemer", pemail, sizeof pemail);
	char *c = mk_person("Coach", cemail, sizeof cemail);
	char *e = enroll(p);

	snprintf(args, sizeof args, "relation create %s %s", e, c);
	triad_ok(NULL, "", args, out, sizeof out);
	word_after(out, "triad login --invite ", code, sizeof code);
	assert_int_equal(triad_with(NULL, NULL, "", args, out, sizeof out), 1);
	expect_contains(out, "already has a workplace coach relation");

	snprintf(home, sizeof home, "%s/coach", dir);
	snprintf(args, sizeof args, "login --invite %s", code);
	assert_int_equal(triad_with(NULL, home, "", args, out, sizeof out), 0);
	snprintf(args, sizeof args, "feedback give %s --situation 'Het teamoverleg' "
		 "--behaviour 'Je vatte samen voor je besloot'", pemail);
	if (triad_with(NULL, home, "", args, out, sizeof out) != 0)
		fail_msg("feedback give: %s", out);
	expect_contains(out, " saved. (id ");
	free(p);
	free(c);
	free(e);
}

/* Approving a participant's proposal prints the coach's sign-in command. */
static void
test_approve_prints_the_invite(void **state)
{
	char out[16384], args[1024], pemail[128], cemail[128], rel[64];

	(void)state;
	char *p = mk_person("Voorsteller", pemail, sizeof pemail);
	char *c = mk_person("Voorgestelde coach", cemail, sizeof cemail);
	char *e = enroll(p);
	char *tok = invite_and_redeem(&op, d.addr, slug, p, TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0,
				      NULL);

	snprintf(args, sizeof args, "--json relation propose %s %s", e, c);
	triad_ok(tok, "", args, out, sizeof out);
	json_string(out, "id", rel, sizeof rel);
	snprintf(args, sizeof args, "relation approve %s", rel);
	triad_ok(NULL, "", args, out, sizeof out);
	expect_contains(out, "approved");
	expect_contains(out, "has no sign-in yet");
	expect_contains(out, "triad login --invite inv_");
	free(tok);
	free(p);
	free(c);
	free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_logout_revokes_the_token),
		cmocka_unit_test(test_times_in_the_users_zone),
		cmocka_unit_test(test_history_is_explicit),
		cmocka_unit_test(test_zero_is_refused),
		cmocka_unit_test(test_one_relation_keeps_feedback_unambiguous),
		cmocka_unit_test(test_approve_prints_the_invite),
	};
	return harness_run_group_tests(tests, setup, teardown);
}

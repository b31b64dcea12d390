/*
 * test_client_journey.c: the learning journey as people use it, the real
 * triad binary against a real daemon. Staff set Metropool's plan, plan
 * and record an intake conversation with a private note; the participant
 * reads it without the note, writes her logbook (refused before the
 * module's last session, with the text kept on disk; kept again when the
 * server cannot be reached, and continued from in the editor), submits
 * it; both read the timeline.
 *
 * Names are unique per run: the test database is shared.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define REQ(var) Triad__V1__Request var = TRIAD__V1__REQUEST__INIT
#define BODY(req, KIND, field, msg)                                   \
	do {                                                          \
		(req).body_case = TRIAD__V1__REQUEST__BODY_##KIND;    \
		(req).field = &(msg);                                 \
	} while (0)

static Triadd d;
static Sess op;
static char slug[64], code[32], dir[128];
static char anna_email[128], dean_email[128];
static char *anna_token, *dean_token;

/* `triad ARGS` as the holder of token, with pre as a shell prefix (a pipe
 * or VAR=value words), at addr (NULL: the test daemon); stderr into out. */
static int
triad_at(const char *addr, const char *token, const char *pre, const char *args, char *out,
	 size_t size)
{
	char cmd[8192];
	bool pipe = strchr(pre, '|') != NULL;
	snprintf(cmd, sizeof cmd,
		 "%s env -u TRIAD_INSTITUTION -u VISUAL -u EDITOR TRIAD_ADDR=%s "
		 "XDG_CONFIG_HOME=/nonexistent XDG_CACHE_HOME='%s/cache' TRIAD_TOKEN='%s' "
		 "TRIAD_INSTITUTION='%s' %s '%s' %s %s 2>&1",
		 pipe ? pre : "", addr != NULL ? addr : d.addr, dir, token, slug, pipe ? "" : pre,
		 env_required("TRIAD"), args, pipe ? "" : "</dev/null");
	return run_capture(cmd, out, size);
}

static void
triad_ok(const char *token, const char *pre, const char *args, char *out, size_t size)
{
	int rc = triad_at(NULL, token, pre, args, out, size);
	if (rc != 0)
		fail_msg("triad %s: exit %d: %s", args, rc, out);
}

static char *
mk_module(const char *programme, const char *mcode, int seq)
{
	REQ(req);
	Triad__V1__CreateModuleRequest m = TRIAD__V1__CREATE_MODULE_REQUEST__INIT;
	Triad__V1__Module mod = TRIAD__V1__MODULE__INIT;
	mod.programme_id = (char *)programme;
	mod.code = (char *)mcode;
	mod.name = "De stad en haar bewoners";
	mod.kind = TRIAD__V1__MODULE_KIND__MODULE_KIND_CORE;
	mod.sequence = seq;
	mod.credits = 5;
	m.module = &mod;
	BODY(req, CREATE_MODULE, create_module, m);
	Triad__V1__Response *r = rpc_ok(&op, slug, &req);
	char *id = test_strdup(r->module->id);
	rpc_free(r);
	return id;
}

static void
mk_run_with_session(const char *mod, const char *cohort, const char *at)
{
	REQ(rr);
	Triad__V1__CreateRunRequest cr = TRIAD__V1__CREATE_RUN_REQUEST__INIT;
	Triad__V1__ModuleRun run = TRIAD__V1__MODULE_RUN__INIT;
	run.module_id = (char *)mod;
	run.cohort_id = (char *)cohort;
	cr.run = &run;
	BODY(rr, CREATE_RUN, create_run, cr);
	Triad__V1__Response *r = rpc_ok(&op, slug, &rr);
	REQ(rs);
	Triad__V1__CreateSessionRequest cs = TRIAD__V1__CREATE_SESSION_REQUEST__INIT;
	Triad__V1__Session s = TRIAD__V1__SESSION__INIT;
	s.run_id = r->run->id;
	s.starts_at = (char *)at;
	s.title = "Moduledag";
	cs.session = &s;
	cs.record_history = true;
	BODY(rs, CREATE_SESSION, create_session, cs);
	rpc_free(rpc_ok(&op, slug, &rs));
	rpc_free(r);
}

static int
setup(void **state)
{
	(void)state;
	triadd_start(&d, NULL);
	op = sess_open(d.addr, test_token());
	make_institution(&op, "cjourney", "Journey client tests", slug);
	test_unique(code, sizeof code, "MP");
	code[14] = '\0';
	char *programme = make_programme(&op, slug, code, 0);
	char *m1 = mk_module(programme, "M1", 1), *m2 = mk_module(programme, "M2", 2);

	REQ(rc);
	Triad__V1__CreateCohortRequest cc = TRIAD__V1__CREATE_COHORT_REQUEST__INIT;
	Triad__V1__Cohort c = TRIAD__V1__COHORT__INIT;
	char name[64];
	test_unique(name, sizeof name, "Metropool 24 ");
	c.programme_id = programme;
	c.name = name;
	c.starts_on = "2026-10-26";
	c.ends_on = "2031-06-30";
	cc.cohort = &c;
	BODY(rc, CREATE_COHORT, create_cohort, cc);
	Triad__V1__Response *r = rpc_ok(&op, slug, &rc);
	char *cohort = test_strdup(r->cohort->id);
	rpc_free(r);
	char at[32];
	time_t t = time(NULL) - 86400;
	strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	mk_run_with_session(m1, cohort, at);
	mk_run_with_session(m2, cohort, "2031-03-14T09:00:00Z");

	char stem[64];
	test_unique(stem, sizeof stem, "anna");
	snprintf(anna_email, sizeof anna_email, "%s@example.org", stem);
	char *anna = make_person(&op, slug, "Anna de Vries", anna_email);
	test_unique(stem, sizeof stem, "verloo");
	snprintf(dean_email, sizeof dean_email, "%s@example.org", stem);
	char *dean = make_person(&op, slug, "Nanke Verloo", dean_email);
	anna_token = invite_and_redeem(&op, d.addr, slug, anna,
				       TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0, NULL);
	dean_token = invite_and_redeem(&op, d.addr, slug, dean,
				       TRIAD__V1__ROLE__ROLE_PROGRAMME_STAFF,
				       TRIAD__V1__STAFF_TITLE__STAFF_TITLE_DEAN, NULL);
	REQ(re);
	Triad__V1__EnrollRequest em = TRIAD__V1__ENROLL_REQUEST__INIT;
	em.person_id = anna;
	em.cohort_id = cohort;
	BODY(re, ENROLL, enroll, em);
	rpc_free(rpc_ok(&op, slug, &re));

	snprintf(dir, sizeof dir, "/tmp/triad-cjourney-%d", (int)getpid());
	mkdir(dir, 0700);
	free(programme);
	free(m1);
	free(m2);
	free(cohort);
	free(anna);
	free(dean);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(anna_token);
	free(dean_token);
	sess_close(&op);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
	return 0;
}

static void
test_conversation_as_staff_and_participant(void **state)
{
	(void)state;
	char out[65536], args[1024], when[32];
	time_t t = time(NULL) - 3 * 86400;
	strftime(when, sizeof when, "%Y-%m-%d %H:%M", gmtime(&t));

	snprintf(args, sizeof args, "journey plan %s --intake-required --development 2", code);
	triad_ok(dean_token, "", args, out, sizeof out);
	snprintf(args, sizeof args, "conversation plan %s --kind intake --at '%s' --history",
		 anna_email, when);
	triad_ok(dean_token, "", args, out, sizeof out);
	expect_contains(out, "intake");
	snprintf(args, sizeof args, "conversation record %s/intake --held --notes 'Motivatie: de "
		 "regio beter leren kennen' --private-note 'Twijfel over haar planning'", anna_email);
	triad_ok(dean_token, "", args, out, sizeof out);
	expect_contains(out, "Twijfel over haar planning");

	/* The participant reads the notes, never the private note. */
	snprintf(args, sizeof args, "conversation show %s/intake", anna_email);
	triad_ok(anna_token, "", args, out, sizeof out);
	expect_contains(out, "Motivatie: de regio beter leren kennen");
	expect_lacks(out, "Twijfel");
	triad_ok(anna_token, "", "conversation list --json", out, sizeof out);
	expect_contains(out, "Motivatie");
	expect_lacks(out, "Twijfel");

	/* An agreed action she marks done herself. */
	snprintf(args, sizeof args, "conversation act %s/intake 'Lees het boek van Termeer' "
		 "--owner %s --due 2031-01-15", anna_email, anna_email);
	triad_ok(dean_token, "", args, out, sizeof out);
	triad_ok(anna_token, "", "conversation actions --csv", out, sizeof out);
	expect_contains(out, "Lees het boek van Termeer");
	triad_ok(anna_token, "", "conversation done 'lees het boek'", out, sizeof out);
	triad_ok(anna_token, "", "conversation actions", out, sizeof out);
	expect_lacks(out, "Lees het boek van Termeer");

	/* Her journey: the intake is held, two development conversations missing. */
	triad_ok(anna_token, "", "journey show --json", out, sizeof out);
	expect_contains(out, "development conversation 1 of 2");
}

static void
test_logbook_write_keeps_text(void **state)
{
	(void)state;
	char out[65536], path[512], args[512];
	snprintf(path, sizeof path, "%s/cache/triad/logbook-%s-M2.txt", dir, slug);

	/* Too early: refused with the day it opens, and the text is kept. */
	int rc = triad_at(NULL, anna_token, "echo 'Vooruit geschreven' |", "logbook write M2", out,
			  sizeof out);
	assert_int_equal(rc, 1);
	expect_contains(out, "the chapter for module M2 opens on 2031-03-14, after the module's "
			     "last session");
	expect_contains(out, "Your text is kept in");
	assert_int_equal(access(path, F_OK), 0);

	/* The server cannot be reached: the text waits on disk. */
	snprintf(path, sizeof path, "%s/cache/triad/logbook-%s-M1.txt", dir, slug);
	rc = triad_at("127.0.0.1:1", anna_token, "echo 'Eerste inzichten uit module 1' |",
		      "logbook write M1", out, sizeof out);
	assert_int_equal(rc, 3);
	assert_int_equal(access(path, F_OK), 0);

	/* Sent again from the kept file, it is saved as her draft and the
	 * file goes. (In a terminal, 'logbook write M1' opens the editor on
	 * it.) */
	char from[700];
	snprintf(from, sizeof from, "logbook write M1 --from-file '%s'", path);
	triad_ok(anna_token, "", from, out, sizeof out);
	expect_contains(out, "Saved the draft of chapter M1 (save 1)");
	assert_int_equal(access(path, F_OK), -1);
	triad_ok(anna_token, "", "logbook show M1 --json", out, sizeof out);
	expect_contains(out, "Eerste inzichten uit module 1");
	triad_ok(anna_token, "", "logbook submit M1", out, sizeof out);
	triad_ok(anna_token, "", "logbook list --csv", out, sizeof out);
	expect_contains(out, ",M1,De stad en haar bewoners,submitted,");
	expect_contains(out, ",M2,De stad en haar bewoners,not-open,2031-03-14,");

	/* Staff read the submitted chapter and comment on it. */
	snprintf(args, sizeof args, "logbook show M1 --participant %s", anna_email);
	triad_ok(dean_token, "", args, out, sizeof out);
	expect_contains(out, "Eerste inzichten uit module 1");
	snprintf(args, sizeof args, "logbook comment %s M1 'Sterk begin'", anna_email);
	triad_ok(dean_token, "", args, out, sizeof out);
	triad_ok(anna_token, "", "logbook comments M1", out, sizeof out);
	expect_contains(out, "Sterk begin");
}

static void
test_timeline(void **state)
{
	(void)state;
	char out[65536], args[512];
	triad_ok(anna_token, "", "timeline --csv", out, sizeof out);
	expect_contains(out, "intake conversation held");
	expect_contains(out, "logbook chapter M1 submitted");
	expect_lacks(out, "Twijfel");
	snprintf(args, sizeof args, "timeline %s --kind logbook --json", anna_email);
	triad_ok(dean_token, "", args, out, sizeof out);
	expect_contains(out, "logbook chapter M1 submitted");
	expect_lacks(out, "intake conversation");
	int rc = triad_at(NULL, anna_token, "", "timeline --kind diary", out, sizeof out);
	assert_int_equal(rc, 2);
	expect_contains(out, "\"diary\" is not a kind of timeline entry");

	/* Her export holds her conversations and logbook, not the private note. */
	triad_ok(anna_token, "", "me export", out, sizeof out);
	expect_contains(out, "Motivatie: de regio beter leren kennen");
	expect_contains(out, "Eerste inzichten uit module 1");
	expect_lacks(out, "Twijfel");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conversation_as_staff_and_participant),
		cmocka_unit_test(test_logbook_write_keeps_text),
		cmocka_unit_test(test_timeline),
	};
	return harness_run_group_tests(tests, setup, teardown);
}

/*
 * test_assessment.c: assignments, submissions, assessments and completion
 * rules as people use them, the real triad binary against a real daemon
 * and PostgreSQL.
 *
 * A Metropool-like programme with two learning outcomes, one module and
 * two participants: anna meets every rule and completes; bram misses
 * verified internship hours and sees exactly why, is refused completion
 * with the rule named, and completes once the programme manager records an
 * exemption (audited). Assessors alone record results: a lecturer, a coach
 * and the participant are refused; an assessor who is the participant's
 * programme coach is refused; final work needs two assessors who agree
 * (four eyes); a released result changes only by a correction with a
 * reason, which is kept and audited. Assessed outcomes count as credits in
 * progress and on the transcript. Completing issues the certificate: anna's
 * (and bram's, after his exemption) is accepted by the independent verifier
 * (tests/badges/verify.mjs); a tampered one is not.
 *
 * The internship hours, the logbook chapter and the conversation that the
 * rules look at are put in the database directly: their own requests are
 * tested in test_internship and test_journey.
 *
 * Names are unique per run: the test database is shared.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static Triadd d;
static Sess op;
static char slug[64], code[32], cohort[64], dir[128];
static char anna[128], bram[128], eva[128], frank[128], lies[128], mia[128], carl[128];
static char *anna_tok, *bram_tok, *eva_tok, *frank_tok, *lies_tok, *mia_tok, *carl_tok;
static char *inst_id, *anna_enr, *bram_enr;

/* `triad ARGS` as the holder of token, with stdin from in (NULL: nothing);
 * stdout and stderr into out; returns the exit code. */
static int
cli(const char *token, const char *in, const char *args, char *out, size_t size)
{
	char cmd[8192];
	snprintf(cmd, sizeof cmd,
		 "%s%s%s env -u VISUAL -u EDITOR TRIAD_ADDR=%s XDG_CONFIG_HOME=/nonexistent "
		 "XDG_CACHE_HOME='%s/cache' TRIAD_TOKEN='%s' TRIAD_INSTITUTION='%s' '%s' %s %s 2>&1",
		 in != NULL ? "printf '%s' '" : "", in != NULL ? in : "", in != NULL ? "' |" : "",
		 d.addr, dir, token, slug, env_required("TRIAD"), args,
		 in != NULL ? "" : "</dev/null");
	return run_capture(cmd, out, size);
}

static void
cli_ok(const char *token, const char *in, const char *args, char *out, size_t size)
{
	int rc = cli(token, in, args, out, size);
	if (rc != 0)
		fail_msg("triad %s: exit %d: %s", args, rc, out);
}

/* A person of the institution with an e-mail address from stem into email. */
static char *
person(const char *name, const char *stem, char email[128])
{
	char u[64];
	test_unique(u, sizeof u, stem);
	snprintf(email, 128, "%s@example.org", u);
	return make_person(&op, slug, name, email);
}

static char *
member(const char *name, const char *stem, char email[128], Triad__V1__Role role,
       Triad__V1__StaffTitle title)
{
	char *p = person(name, stem, email);
	char *tok = invite_and_redeem(&op, d.addr, slug, p, role, title, NULL);
	free(p);
	return tok;
}

/* Enrolls email in the cohort and makes the enrollment active; its id. */
static char *
enroll_active(const char *email)
{
	char out[4096], args[512], id[64];
	snprintf(args, sizeof args, "--json enroll %s --cohort '%s'", email, cohort);
	cli_ok(test_token(), NULL, args, out, sizeof out);
	json_string(out, "id", id, sizeof id);
	const Triad__V1__EnrollmentStatus steps[] = {
		TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_INTAKE_PLANNED,
		TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ADMITTED,
		TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ACTIVE,
	};
	for (size_t i = 0; i < 3; i++) {
		Triad__V1__Response *r = move_enrollment(&op, slug, id, steps[i]);
		expect_status_free(r, TRIAD__V1__CODE__CODE_OK, NULL, NULL);
	}
	return test_strdup(id);
}

/* verified internship hours for an enrollment: days of 8 hours. */
static void
verified_hours(const char *enrollment, const char *days)
{
	char *pl = owner_sql(
		"INSERT INTO placement (institution_id, enrollment_id, organisation_id,"
		" supervisor_person_id, starts_on, ends_on)"
		" SELECT e.institution_id, e.id, (SELECT id FROM organisation LIMIT 1),"
		" (SELECT id FROM person WHERE email = $2), current_date - 40, current_date - 10"
		" FROM enrollment e WHERE e.id = $1 RETURNING id",
		enrollment, carl, NULL);
	free(owner_sql("INSERT INTO hours_entry (institution_id, placement_id, day, hours, description,"
		       " status, submitted_at, decided_at, decided_by_person_id)"
		       " SELECT p.institution_id, p.id, p.starts_on + g, 8, 'Onderzoek op de stageplek',"
		       " 'verified', now(), now(), p.supervisor_person_id"
		       " FROM placement p, generate_series(0, $2::int - 1) g WHERE p.id = $1",
		       pl, days, NULL));
	free(pl);
}

/* A submitted logbook chapter of M1 and a held development conversation. */
static void
journey_done(const char *enrollment)
{
	free(owner_sql("INSERT INTO logbook_chapter (institution_id, enrollment_id, module_id, text,"
		       " saves, submitted_at)"
		       " SELECT e.institution_id, e.id, m.id, 'Wat ik leerde in module 1', 1, now()"
		       " FROM enrollment e JOIN cohort c ON c.id = e.cohort_id"
		       " JOIN module m ON m.programme_id = c.programme_id AND m.code = 'M1'"
		       " WHERE e.id = $1",
		       enrollment, NULL, NULL));
	free(owner_sql("INSERT INTO conversation (institution_id, enrollment_id, kind, planned_at,"
		       " held_at) SELECT institution_id, id, 'development', now() - interval '2 days',"
		       " now() - interval '2 days' FROM enrollment WHERE id = $1",
		       enrollment, NULL, NULL));
}

static int
setup(void **state)
{
	(void)state;
	char out[8192], args[1024], sess[64];

	/* The daemon signs certificates (credential_key_file, 0600). */
	char key[256], extra[512];
	harness_tmp_path(key, sizeof key, "credential.key");
	FILE *f = fopen(key, "w");
	assert_non_null(f);
	fputs("8f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(key, 0600), 0);
	snprintf(extra, sizeof extra, "credential_key_file = %s\n", key);
	triadd_start(&d, extra);
	op = sess_open(d.addr, test_token());
	harness_tmp_path(dir, sizeof dir, "cli");
	make_institution(&op, "assess", "Assessment tests", slug);
	inst_id = owner_sql("SELECT id FROM institution WHERE slug = $1", slug, NULL, NULL);
	test_unique(code, sizeof code, "MT");
	code[14] = '\0';
	free(make_programme(&op, slug, code, 0));
	const char *tok = test_token();
	snprintf(args, sizeof args, "outcome create --programme %s --code LO1 --credits 5 "
		 "--description 'Analyseert een stedelijke opgave'", code);
	cli_ok(tok, NULL, args, out, sizeof out);
	snprintf(args, sizeof args, "outcome create --programme %s --code LO2 --credits 10 "
		 "--description 'Intervenieert in de eigen organisatie'", code);
	cli_ok(tok, NULL, args, out, sizeof out);
	snprintf(args, sizeof args, "module create --programme %s --code M1 --name 'De stad' "
		 "--kind core --sequence 1 --credits 0 --outcome LO1 --outcome LO2", code);
	cli_ok(tok, NULL, args, out, sizeof out);
	test_unique(cohort, sizeof cohort, "Metropool ");
	snprintf(args, sizeof args, "cohort create --programme %s --name '%s' --starts 2026-01-05 "
		 "--ends 2031-06-30", code, cohort);
	cli_ok(tok, NULL, args, out, sizeof out);
	snprintf(args, sizeof args, "--json run create --module %s/M1 --cohort '%s'", code, cohort);
	cli_ok(tok, NULL, args, out, sizeof out);
	char run[64];
	json_string(out, "id", run, sizeof run);
	snprintf(args, sizeof args, "--json run session add %s --at '2026-01-12 09:30' --history",
		 run);
	cli_ok(tok, NULL, args, out, sizeof out);
	json_string(out, "id", sess, sizeof sess);
	snprintf(args, sizeof args, "internship minimum %s 160", code);
	cli_ok(tok, NULL, args, out, sizeof out);

	anna_tok = member("Anna de Vries", "anna", anna, TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0);
	bram_tok = member("Bram Jansen", "bram", bram, TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0);
	eva_tok = member("Eva Toets", "eva", eva, TRIAD__V1__ROLE__ROLE_PROGRAMME_STAFF,
			 TRIAD__V1__STAFF_TITLE__STAFF_TITLE_ASSESSOR);
	frank_tok = member("Frank Beoordeel", "frank", frank, TRIAD__V1__ROLE__ROLE_PROGRAMME_STAFF,
			   TRIAD__V1__STAFF_TITLE__STAFF_TITLE_ASSESSOR);
	lies_tok = member("Lies Docent", "lies", lies, TRIAD__V1__ROLE__ROLE_PROGRAMME_STAFF,
			  TRIAD__V1__STAFF_TITLE__STAFF_TITLE_LECTURER);
	mia_tok = member("Mia Manager", "mia", mia, TRIAD__V1__ROLE__ROLE_PROGRAMME_STAFF,
			 TRIAD__V1__STAFF_TITLE__STAFF_TITLE_PROGRAMME_MANAGER);
	carl_tok = member("Carl Coach", "carl", carl, TRIAD__V1__ROLE__ROLE_WORKPLACE_COACH, 0);
	anna_enr = enroll_active(anna);
	bram_enr = enroll_active(bram);
	for (int i = 0; i < 2; i++) {
		snprintf(args, sizeof args, "attendance record %s %s present", sess,
			 i == 0 ? anna : bram);
		cli_ok(tok, NULL, args, out, sizeof out);
	}
	snprintf(args, sizeof args, "relation create %s %s --kind workplace-coach", anna, carl);
	cli_ok(tok, NULL, args, out, sizeof out);
	/* Frank coaches bram for the programme: he may not assess bram's work. */
	snprintf(args, sizeof args, "relation create %s %s --kind programme-coach", bram, frank);
	cli_ok(tok, NULL, args, out, sizeof out);

	/* Lies sets up the assignments: a micro paper and the final work. */
	snprintf(args, sizeof args, "assignment create %s P1 --title 'Paper 1: leren van "
		 "leerlingen' --kind paper --context micro --semester 1 --due 2026-03-01 "
		 "--outcome LO1", code);
	cli_ok(lies_tok, NULL, args, out, sizeof out);
	snprintf(args, sizeof args, "assignment create %s EIND --title 'Eindwerkstuk' --kind final "
		 "--module M1 --outcome LO1 --outcome LO2", code);
	cli_ok(lies_tok, NULL, args, out, sizeof out);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	sess_close(&op);
	free(anna_tok);
	free(bram_tok);
	free(eva_tok);
	free(frank_tok);
	free(lies_tok);
	free(mia_tok);
	free(carl_tok);
	free(inst_id);
	free(anna_enr);
	free(bram_enr);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
	return 0;
}

/* The assignment is tailored, approved, and handed in twice; the whole
 * history shows. */
static void
test_tailor_and_submit(void **state)
{
	(void)state;
	char out[16384], args[1024];

	cli_ok(lies_tok, NULL, "assignment list", out, sizeof out);
	expect_contains(out, "P1");
	expect_contains(out, "micro");
	expect_contains(out, "EIND");

	char *org = make_org(&op, "Scholengroep", TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_SCHOOL);
	snprintf(args, sizeof args, "assignment tailor P1 --org %s --question 'Hoe leren mijn "
		 "leerlingen van feedback?'", org);
	free(org);
	/* Only the participant tailors her own. */
	assert_int_equal(cli(lies_tok, NULL, args, out, sizeof out), 4);
	cli_ok(anna_tok, NULL, args, out, sizeof out);
	expect_contains(out, "proposed");
	/* A participant does not approve her own. */
	snprintf(args, sizeof args, "assignment approve P1 %s", anna);
	assert_int_equal(cli(anna_tok, NULL, args, out, sizeof out), 4);
	cli_ok(lies_tok, NULL, args, out, sizeof out);
	expect_contains(out, "approved");

	cli_ok(anna_tok, "Versie een van mijn paper.", "submission add P1 - --title 'Eerste versie'",
	       out, sizeof out);
	cli_ok(anna_tok, "Versie twee, na feedback.", "submission add P1 -", out, sizeof out);
	cli_ok(anna_tok, NULL, "--json submission list P1 --with-body", out, sizeof out);
	expect_contains(out, "Versie een van mijn paper.");
	expect_contains(out, "Versie twee, na feedback.");
	expect_contains(out, "\"version\":2");
	/* The history pages: one version a page, every page with --all. */
	cli_ok(anna_tok, NULL, "--json submission list P1 --page-size 1", out, sizeof out);
	expect_lacks(out, "\"version\":2");
	cli_ok(anna_tok, NULL, "--json submission list P1 --page-size 1 --all", out, sizeof out);
	expect_contains(out, "\"version\":1");
	expect_contains(out, "\"version\":2");
	/* Staff see her history too; bram does not. */
	snprintf(args, sizeof args, "--json submission list P1 %s", anna);
	cli_ok(lies_tok, NULL, args, out, sizeof out);
	expect_contains(out, "Eerste versie");
	assert_int_equal(cli(bram_tok, NULL, args, out, sizeof out), 1);
	/* Nothing to hand in is a usage error. */
	assert_int_equal(cli(anna_tok, NULL, "submission add P1", out, sizeof out), 2);
	cli_ok(anna_tok, NULL, "assignment status", out, sizeof out);
	expect_contains(out, "approved");
}

/* Only assessors grade: a lecturer, a coach, the participant herself and
 * an operator are refused; the assessor's result is hidden until release,
 * then counts in progress and on the transcript. */
static void
test_assessors_alone_grade(void **state)
{
	(void)state;
	char out[16384], args[1024];

	snprintf(args, sizeof args, "assessment record P1 %s --result LO1=good --feedback 'Sterk' "
		 "--evidence submission", anna);
	const char *refused[] = {lies_tok, carl_tok, anna_tok, test_token()};
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(cli(refused[i], NULL, args, out, sizeof out), 4);
		expect_contains(out, "assessor");
	}
	/* A result off the scale, or a missing outcome, is refused. */
	snprintf(args, sizeof args, "assessment record P1 %s --result LO1=excellent "
		 "--feedback 'Sterk' --evidence submission", anna);
	assert_int_equal(cli(eva_tok, NULL, args, out, sizeof out), 2);
	expect_contains(out, "insufficient, sufficient, good");
	snprintf(args, sizeof args, "assessment record P1 %s --result LO1=good --feedback "
		 "'Sterke analyse van de eigen klas' --evidence submission:1 --evidence submission",
		 anna);
	cli_ok(eva_tok, NULL, args, out, sizeof out);
	cli_ok(anna_tok, NULL, "assessment list", out, sizeof out);
	expect_contains(out, "No assessments.");
	snprintf(args, sizeof args, "assessment release P1 %s", anna);
	cli_ok(eva_tok, NULL, args, out, sizeof out);
	cli_ok(anna_tok, NULL, "assessment list", out, sizeof out);
	expect_contains(out, "LO1");
	expect_contains(out, "good");
	expect_contains(out, "Evidence: submission version 1");
	expect_contains(out, "Evidence: submission version 2");
	cli_ok(anna_tok, NULL, "--json progress", out, sizeof out);
	expect_contains(out, "\"credits_assessed\":5");
	expect_contains(out, "\"covered_by\":\"assessment\"");
	cli_ok(anna_tok, NULL, "transcript", out, sizeof out);
	expect_contains(out, "5 of 60 credits earned");
	expect_contains(out, "assessment");
	/* Her timeline shows the versions and the released result. */
	cli_ok(anna_tok, NULL, "--json timeline", out, sizeof out);
	expect_contains(out, "P1 version 2 handed in");
	expect_contains(out, "P1 passed, assessed by Eva Toets");
	/* Her export holds her work and her released results. */
	cli_ok(anna_tok, NULL, "me export", out, sizeof out);
	expect_contains(out, "Versie twee, na feedback.");
	expect_contains(out, "Sterke analyse van de eigen klas");
}

/* An assessor never assesses her own coachee's work. */
static void
test_own_coachee_refused(void **state)
{
	(void)state;
	char out[8192], args[1024];

	cli_ok(bram_tok, "Mijn paper.", "submission add P1", out, sizeof out);
	snprintf(args, sizeof args, "assessment record P1 %s --result LO1=good --feedback 'Goed' "
		 "--evidence submission", bram);
	assert_int_equal(cli(frank_tok, NULL, args, out, sizeof out), 4);
	expect_contains(out, "programme coach");
	expect_contains(out, "own coachee");
	cli_ok(eva_tok, NULL, args, out, sizeof out);
	snprintf(args, sizeof args, "assessment release P1 %s", bram);
	cli_ok(eva_tok, NULL, args, out, sizeof out);
}

/* Final work: two assessors who agree, then release; after release only a
 * correction with a reason, kept and audited. */
static void
test_four_eyes_and_correction(void **state)
{
	(void)state;
	char out[16384], args[1024];

	cli_ok(anna_tok, "Mijn eindwerkstuk.", "submission add EIND", out, sizeof out);
	snprintf(args, sizeof args, "assessment record EIND %s --result LO1=good --result "
		 "LO2=good --feedback 'Overtuigend' --evidence submission --evidence feedback",
		 anna);
	/* No coach feedback about her yet: the evidence must exist. */
	assert_int_equal(cli(eva_tok, NULL, args, out, sizeof out), 1);
	expect_contains(out, "no coach feedback");
	snprintf(args, sizeof args, "assessment record EIND %s --result LO1=good --result "
		 "LO2=good --feedback 'Overtuigend' --evidence submission --evidence chapter:M1",
		 anna);
	assert_int_equal(cli(eva_tok, NULL, args, out, sizeof out), 1);
	expect_contains(out, "no submitted logbook chapter");
	journey_done(anna_enr);
	cli_ok(eva_tok, NULL, args, out, sizeof out);
	snprintf(args, sizeof args, "assessment release EIND %s", anna);
	assert_int_equal(cli(eva_tok, NULL, args, out, sizeof out), 1);
	expect_contains(out, "two assessors");
	snprintf(args, sizeof args, "assessment record EIND %s --result LO1=good --result "
		 "LO2=sufficient --feedback 'Voldoende interventie' --evidence submission", anna);
	cli_ok(frank_tok, NULL, args, out, sizeof out);
	snprintf(args, sizeof args, "assessment release EIND %s", anna);
	assert_int_equal(cli(eva_tok, NULL, args, out, sizeof out), 1);
	expect_contains(out, "differ on LO2");
	snprintf(args, sizeof args, "assessment record EIND %s --result LO1=good --result "
		 "LO2=good --feedback 'Na overleg: goed' --evidence submission", anna);
	cli_ok(frank_tok, NULL, args, out, sizeof out);
	snprintf(args, sizeof args, "assessment release EIND %s", anna);
	cli_ok(eva_tok, NULL, args, out, sizeof out);
	expect_contains(out, "Eva Toets");
	expect_contains(out, "Frank Beoordeel");

	/* Released: recording again is refused; a correction needs a reason. */
	snprintf(args, sizeof args, "assessment record EIND %s --result LO1=good --result "
		 "LO2=sufficient --feedback 'Anders' --evidence submission", anna);
	assert_int_equal(cli(eva_tok, NULL, args, out, sizeof out), 1);
	expect_contains(out, "correction with a reason");
	snprintf(args, sizeof args, "assessment correct EIND %s LO2 sufficient --reason ''", anna);
	assert_int_equal(cli(eva_tok, NULL, args, out, sizeof out), 2);
	expect_contains(out, "reason");
	snprintf(args, sizeof args, "assessment correct EIND %s LO2 sufficient --reason "
		 "'Rekenfout in de beoordeling van de interventie'", anna);
	assert_int_equal(cli(lies_tok, NULL, args, out, sizeof out), 4);
	cli_ok(eva_tok, NULL, args, out, sizeof out);
	cli_ok(anna_tok, NULL, "assessment list --assignment EIND", out, sizeof out);
	expect_contains(out, "Corrected: LO2 good -> sufficient");
	expect_contains(out, "Rekenfout in de beoordeling");
	char *n = owner_sql("SELECT count(*) FROM audit_event WHERE institution_id = $1"
			    " AND action = 'assessment.correct'", inst_id, NULL, NULL);
	assert_string_equal(n, "2");
	free(n);
	n = owner_sql("SELECT count(*) FROM assessment_correction c JOIN assessment x"
		      " ON x.id = c.assessment_id JOIN assignment_instance i ON i.id = x.instance_id"
		      " WHERE i.enrollment_id = $1 AND c.previous = 'good' AND c.result = 'sufficient'",
		      anna_enr, NULL, NULL);
	assert_string_equal(n, "2");
	free(n);
}

/* The independent verifier's verdict on the VC-JWT jwt for email (exit
 * code; its JSON line in out). */
static int
verify(const char *jwt, const char *email, char *out, size_t size)
{
	char file[256], cmd[1024], lower[128] = "";
	for (size_t i = 0; email[i] != '\0' && i + 1 < sizeof lower; i++) {
		lower[i] = (char)(email[i] >= 'A' && email[i] <= 'Z' ? email[i] + 32 : email[i]);
		lower[i + 1] = '\0';
	}
	harness_tmp_path(file, sizeof file, "completion.jwt");
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	fputs(jwt, f);
	assert_int_equal(fclose(f), 0);
	snprintf(cmd, sizeof cmd, "node '%s/tests/badges/verify.mjs' '%s' --email '%s' 2>&1",
		 TRIAD_SOURCE_DIR, file, lower);
	return run_capture(cmd, out, size);
}

/* Completion issued who's certificate: its VC-JWT (by the client's export)
 * verifies, for her address; one byte changed, it does not. */
static void
certificate_verifies(const char *who)
{
	char jwt[16384], out[8192], args[512];

	snprintf(args, sizeof args, "certificate export %s", who);
	cli_ok(lies_tok, NULL, args, jwt, sizeof jwt);
	jwt[strcspn(jwt, "\n")] = '\0';
	assert_true(strncmp(jwt, "eyJ", 3) == 0);
	if (verify(jwt, who, out, sizeof out) != 0)
		fail_msg("the verifier refused %s's certificate: %s", who, out);
	expect_contains(out, "\"verified\":true");
	expect_contains(out, "\"status\":\"valid\"");
	expect_contains(out, "\"recipient\":true");
	char *p = strchr(jwt, '.');
	assert_non_null(p);
	p += 20;
	*p = *p == 'A' ? 'B' : 'A';
	assert_int_not_equal(verify(jwt, who, out, sizeof out), 0);
	expect_contains(out, "\"verified\":false");
}

/* The rules as data: anna meets them all and completes; bram misses
 * verified hours, sees why, is refused, and completes by an exemption of
 * the programme manager. */
static void
test_completion_rules(void **state)
{
	(void)state;
	char out[16384], args[1024], *n0;

	snprintf(args, sizeof args, "completion set-rules %s --min-attendance 100 "
		 "--cannot-be-missed --internship-hours --logbook-chapters --outcomes-achieved "
		 "--final-passed --min-conversations 1", code);
	assert_int_equal(cli(anna_tok, NULL, args, out, sizeof out), 4);
	cli_ok(lies_tok, NULL, args, out, sizeof out);
	snprintf(args, sizeof args, "--json completion rules %s", code);
	cli_ok(anna_tok, NULL, args, out, sizeof out);
	expect_contains(out, "\"min_attendance_percent\":100");
	expect_contains(out, "\"internship_minimum\":160");

	verified_hours(anna_enr, "20");
	verified_hours(bram_enr, "15");
	journey_done(bram_enr);

	snprintf(args, sizeof args, "certificate check %s", anna);
	cli_ok(lies_tok, NULL, args, out, sizeof out);
	expect_contains(out, "every completion rule is met (7 of 7)");
	expect_contains(out, "160 of 160 hours verified");
	expect_contains(out, "LO1 by assessment, LO2 by assessment");
	expect_contains(out, "EIND passed");

	/* bram checks his own: the hours are short, and so are his outcomes. */
	cli_ok(bram_tok, NULL, "certificate check", out, sizeof out);
	expect_contains(out, "4 of 7 completion rules met");
	expect_contains(out, "120 of 160 hours verified by the host supervisor");
	expect_contains(out, "not yet: LO2");
	expect_contains(out, "no final assessment released yet");
	cli_ok(bram_tok, NULL, "--json certificate check", out, sizeof out);
	expect_contains(out, "\"met\":false");
	/* Nor may he check anna's. */
	snprintf(args, sizeof args, "certificate check %s", anna);
	assert_int_equal(cli(bram_tok, NULL, args, out, sizeof out), 1);

	/* Completion refused, naming the unmet rules. */
	snprintf(args, sizeof args, "enrollment move %s completed", bram_enr);
	assert_int_equal(cli(lies_tok, NULL, args, out, sizeof out), 1);
	expect_contains(out, "completion rules not met");
	expect_contains(out, "at least 160 verified internship hours (120 of 160 hours verified");
	expect_contains(out, "the final assessment passed");

	/* Refused, so no certificate either. */
	snprintf(args, sizeof args, "certificate show %s", bram);
	assert_int_equal(cli(lies_tok, NULL, args, out, sizeof out), 1);
	expect_contains(out, "no certificate");

	/* anna completes, and the completion issues her certificate. */
	snprintf(args, sizeof args, "enrollment move %s completed", anna_enr);
	cli_ok(lies_tok, NULL, args, out, sizeof out);
	expect_contains(out, "completed");
	expect_contains(out, "completed; certificate urn:uuid:");
	certificate_verifies(anna);
	n0 = owner_sql("SELECT count(*) FROM certificate WHERE enrollment_id = $1"
		       " AND revoked_at IS NULL", anna_enr, NULL, NULL);
	assert_string_equal(n0, "1");
	free(n0);

	/* Exemption: only the programme manager, with a reason; audited. */
	snprintf(args, sizeof args, "completion exempt %s --reason 'Stage verkort wegens ziekte; "
		 "vervangende opdracht met goed resultaat'", bram);
	assert_int_equal(cli(lies_tok, NULL, args, out, sizeof out), 4);
	assert_int_equal(cli(eva_tok, NULL, args, out, sizeof out), 4);
	snprintf(args, sizeof args, "completion exempt %s", anna);
	assert_int_equal(cli(mia_tok, NULL, args, out, sizeof out), 2);
	snprintf(args, sizeof args, "completion exempt %s --reason 'Alles is gehaald'", anna);
	assert_int_equal(cli(mia_tok, NULL, args, out, sizeof out), 1);
	expect_contains(out, "no exemption is needed");
	snprintf(args, sizeof args, "completion exempt %s --reason 'Stage verkort wegens ziekte; "
		 "vervangende opdracht met goed resultaat'", bram);
	cli_ok(mia_tok, NULL, args, out, sizeof out);
	expect_contains(out, "Exempted by the programme manager: Stage verkort");
	char *n = owner_sql("SELECT count(*) FROM audit_event WHERE institution_id = $1"
			    " AND action = 'completion.exempt' AND resource_id = $2",
			    inst_id, bram_enr, NULL);
	assert_string_equal(n, "1");
	free(n);
	n = owner_sql("SELECT array_to_string(unmet, '; ') FROM completion_exemption"
		      " WHERE enrollment_id = $1", bram_enr, NULL, NULL);
	expect_contains(n, "at least 160 verified internship hours");
	free(n);
	snprintf(args, sizeof args, "enrollment move %s completed", bram_enr);
	cli_ok(lies_tok, NULL, args, out, sizeof out);
	expect_contains(out, "completed; certificate urn:uuid:");
	certificate_verifies(bram);

	/* The SQL function the certificate is issued on says the same. */
	n = owner_sql("SELECT triad_completion_ready($1)::text || triad_completion_ready($2)::text",
		      anna_enr, bram_enr, NULL);
	assert_string_equal(n, "truefalse");
	free(n);
}

/* The client's errors for typos and missing arguments. */
static void
test_client_errors(void **state)
{
	(void)state;
	char out[8192];

	assert_int_equal(cli(eva_tok, NULL, "assessment recrod", out, sizeof out), 2);
	expect_contains(out, "Did you mean 'record'?");
	assert_int_equal(cli(eva_tok, NULL, "assessment record P1", out, sizeof out), 2);
	expect_contains(out, "PARTICIPANT");
	assert_int_equal(cli(eva_tok, NULL, "assignment show NOPE", out, sizeof out), 1);
	expect_contains(out, "no assignment \"NOPE\"");
	cli_ok(eva_tok, NULL, "transcript --help", out, sizeof out);
	expect_contains(out, "usage: triad transcript");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tailor_and_submit),
		cmocka_unit_test(test_assessors_alone_grade),
		cmocka_unit_test(test_own_coachee_refused),
		cmocka_unit_test(test_four_eyes_and_correction),
		cmocka_unit_test(test_completion_rules),
		cmocka_unit_test(test_client_errors),
	};
	return harness_run_group_tests(tests, setup, teardown);
}

/*
 * test_client_feedback.c: the coach's commands as a coach uses them: the
 * real triad binary against a real daemon.
 *
 * Fixtures are made through the protocol as the operator: an institution
 * with a programme, a module, a learning outcome and a cohort; two
 * participants with similar names, enrolled and signed in; a coach person
 * whose first relation carries an invite code. The coach signs in with
 * `triad login --invite CODE` in a configuration directory of their own,
 * and then, as the coach: `triad coachees`; `triad feedback give` with a
 * scripted $EDITOR, from a pipe, with an empty template (nothing sent),
 * with the options and codes; a text that is not valid (saved, and sent
 * again from the file); a retry that must not save twice; requests,
 * show and edit; a name that matches two coachees; and someone who is
 * not a coachee. The participant's `triad feedback list` shows what
 * arrived. Staff make a second relation with `triad relation create`,
 * once for a coach who can sign in and once for one who cannot.
 *
 * Names are unique per run (pid, time, counter): the test database is
 * shared and keeps what earlier runs made.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define REQ(var) Triad__V1__Request var = TRIAD__V1__REQUEST__INIT

static Triadd d;
static Sess op;
static char slug[64], programme_code[32];
static char *programme, *module_id, *cohort;
static char dir[128];            /* scratch: config, cache, editor scripts */
static char coach_config[192];   /* the coach's XDG_CONFIG_HOME */

typedef struct Part {
	char name[96];
	char email[128];
	char *person;
	char *enrollment;
	char *token;
	char *relation;
} Part;

static Part anna, annb;
static char coach_name[96], *coach_person;

/* How often needle occurs in s. */
static int
count(const char *s, const char *needle)
{
	int n = 0;

	for (const char *p = strstr(s, needle); p != NULL; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* Write a file (an editor script is made executable). */
static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/*
 * Runs `triad ARGS` against the test daemon as who: "coach" (the coach's
 * config directory and nothing else), "op" (the operator's token) or a
 * participant's token. pre is a shell prefix (a pipe, or VAR=value words;
 * may be ""), stdin is empty unless pre pipes into it; stderr goes to out
 * too. Returns the exit code.
 */
static int
triad_as(const char *who, const char *pre, const char *args, char *out, size_t size)
{
	char cmd[8192], auth[512];
	bool pipe = strchr(pre, '|') != NULL;

	if (strcmp(who, "coach") == 0)
		snprintf(auth, sizeof auth, "XDG_CONFIG_HOME='%s'", coach_config);
	else
		snprintf(auth, sizeof auth, "XDG_CONFIG_HOME=/nonexistent TRIAD_TOKEN='%s'",
			 strcmp(who, "op") == 0 ? test_token() : who);
	snprintf(cmd, sizeof cmd,
		 "%s env -u TRIAD_INSTITUTION -u TRIAD_TOKEN -u VISUAL -u EDITOR TRIAD_ADDR=%s "
		 "XDG_CACHE_HOME='%s/cache' %s %s '%s' %s %s 2>&1",
		 pipe ? pre : "", d.addr, dir, auth, pipe ? "" : pre, env_required("TRIAD"), args,
		 pipe ? "" : "</dev/null");
	return run_capture(cmd, out, size);
}

static void
triad_ok(const char *who, const char *pre, const char *args, char *out, size_t size)
{
	int rc = triad_as(who, pre, args, out, size);

	if (rc != 0)
		fail_msg("triad %s: exit %d: %s", args, rc, out);
}

/* The id in "... (id ID)" or "... (request ID)", into buf. */
static void
id_after(const char *out, const char *marker, char *buf, size_t size)
{
	const char *p = strstr(out, marker), *end;

	if (p == NULL)
		fail_msg("no '%s' in: %s", marker, out);
	p += strlen(marker);
	end = strchr(p, ')');
	assert_non_null(end);
	assert_true((size_t)(end - p) < size);
	snprintf(buf, size, "%.*s", (int)(end - p), p);
}

/* How many feedback the participant p sees. */
static int
feedback_seen(const Part *p)
{
	char out[65536];

	triad_ok(p->token, "", "--json feedback list", out, sizeof out);
	return count(out, "\"situation\":");
}

/* ---- fixtures through the protocol ---- */

static char *
mk_person(const char *name, const char *email)
{
	return make_person(&op, slug, name, email);
}

static void
mk_catalogue(void)
{
	test_unique(slug, sizeof slug, "fb");
	REQ(ri);
	Triad__V1__CreateInstitutionRequest ci = TRIAD__V1__CREATE_INSTITUTION_REQUEST__INIT;
	ci.slug = slug;
	ci.name = "Feedback client tests";
	ri.body_case = TRIAD__V1__REQUEST__BODY_CREATE_INSTITUTION;
	ri.create_institution = &ci;
	rpc_free(rpc_ok(&op, NULL, &ri));

	REQ(rp);
	Triad__V1__CreateProgrammeRequest cp = TRIAD__V1__CREATE_PROGRAMME_REQUEST__INIT;
	Triad__V1__Programme p = TRIAD__V1__PROGRAMME__INIT;
	snprintf(programme_code, sizeof programme_code, "ZORG%d", (int)(getpid() % 100000));
	p.code = programme_code;
	p.name = "Leading in care";
	p.award = TRIAD__V1__AWARD__AWARD_CERTIFICATE;
	p.ects = 30;
	p.duration_months = 12;
	p.language = "nl";
	p.mode = TRIAD__V1__STUDY_MODE__STUDY_MODE_PART_TIME;
	cp.programme = &p;
	rp.body_case = TRIAD__V1__REQUEST__BODY_CREATE_PROGRAMME;
	rp.create_programme = &cp;
	Triad__V1__Response *r = rpc_ok(&op, slug, &rp);
	programme = test_strdup(r->programme->id);
	rpc_free(r);

	REQ(ro);
	Triad__V1__CreateLearningOutcomeRequest co = TRIAD__V1__CREATE_LEARNING_OUTCOME_REQUEST__INIT;
	Triad__V1__LearningOutcome o = TRIAD__V1__LEARNING_OUTCOME__INIT;
	o.programme_id = programme;
	o.code = "LO1";
	o.description = "Leads a team through a change";
	o.credits = 5;
	co.outcome = &o;
	ro.body_case = TRIAD__V1__REQUEST__BODY_CREATE_LEARNING_OUTCOME;
	ro.create_learning_outcome = &co;
	rpc_free(rpc_ok(&op, slug, &ro));

	REQ(rm);
	Triad__V1__CreateModuleRequest cm = TRIAD__V1__CREATE_MODULE_REQUEST__INIT;
	Triad__V1__Module mod = TRIAD__V1__MODULE__INIT;
	mod.programme_id = programme;
	mod.code = "M1";
	mod.name = "Leading change";
	mod.kind = TRIAD__V1__MODULE_KIND__MODULE_KIND_CORE;
	mod.sequence = 1;
	mod.credits = 5;
	cm.module = &mod;
	rm.body_case = TRIAD__V1__REQUEST__BODY_CREATE_MODULE;
	rm.create_module = &cm;
	r = rpc_ok(&op, slug, &rm);
	module_id = test_strdup(r->module->id);
	rpc_free(r);

	REQ(rc);
	Triad__V1__CreateCohortRequest cc = TRIAD__V1__CREATE_COHORT_REQUEST__INIT;
	Triad__V1__Cohort c = TRIAD__V1__COHORT__INIT;
	char name[96];
	test_unique(name, sizeof name, "Ward leaders ");
	c.programme_id = programme;
	c.name = name;
	c.starts_on = "2026-09-01";
	c.ends_on = "2027-08-31";
	cc.cohort = &c;
	rc.body_case = TRIAD__V1__REQUEST__BODY_CREATE_COHORT;
	rc.create_cohort = &cc;
	r = rpc_ok(&op, slug, &rc);
	cohort = test_strdup(r->cohort->id);
	rpc_free(r);
}

/* A participant called "Anna <tag> <suffix>", enrolled and signed in. */
static void
mk_part(Part *p, const char *tag, const char *suffix)
{
	memset(p, 0, sizeof *p);
	snprintf(p->name, sizeof p->name, "Anna %s %s", tag, suffix);
	snprintf(p->email, sizeof p->email, "anna-%s-%s@example.org", tag, suffix);
	p->person = mk_person(p->name, p->email);

	REQ(req);
	Triad__V1__EnrollRequest m = TRIAD__V1__ENROLL_REQUEST__INIT;
	m.person_id = p->person;
	m.cohort_id = cohort;
	req.body_case = TRIAD__V1__REQUEST__BODY_ENROLL;
	req.enroll = &m;
	Triad__V1__Response *r = rpc_ok(&op, slug, &req);
	p->enrollment = test_strdup(r->enrollment->id);
	rpc_free(r);
	p->token = invite_and_redeem(&op, d.addr, slug, p->person,
				     TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0, NULL);
}

static void
part_free(Part *p)
{
	free(p->person);
	free(p->enrollment);
	free(p->token);
	free(p->relation);
}

static int
setup(void **state)
{
	char tag[64], out[8192], args[512], email[160];

	(void)state;
	snprintf(dir, sizeof dir, "/tmp/triad-fb-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(coach_config, sizeof coach_config, "%s/coach-config", dir);
	triadd_start(&d, NULL);
	op = sess_open(d.addr, test_token());
	mk_catalogue();
	test_unique(tag, sizeof tag, "T");
	mk_part(&anna, tag, "One");
	mk_part(&annb, tag, "Two");
	test_unique(coach_name, sizeof coach_name, "Ward Manager ");
	snprintf(email, sizeof email, "coach-%s@example.org", tag);
	coach_person = mk_person(coach_name, email);

	/* The first relation: the coach cannot sign in yet, so an invite comes with it. */
	REQ(req);
	Triad__V1__CreateRelationRequest m = TRIAD__V1__CREATE_RELATION_REQUEST__INIT;
	m.enrollment_id = anna.enrollment;
	m.coach_person_id = coach_person;
	m.kind = TRIAD__V1__RELATION_KIND__RELATION_KIND_WORKPLACE_COACH;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_RELATION;
	req.create_relation = &m;
	Triad__V1__Response *r = rpc_ok(&op, slug, &req);
	assert_true(r->create_relation->invite_code[0] != '\0');
	anna.relation = test_strdup(r->create_relation->relation->id);
	snprintf(args, sizeof args, "login --invite %s", r->create_relation->invite_code);
	rpc_free(r);
	triad_ok("coach", "", args, out, sizeof out);
	expect_contains(out, "Welcome");
	return 0;
}

static int
teardown(void **state)
{
	char cmd[256];

	(void)state;
	part_free(&anna);
	part_free(&annb);
	free(coach_person);
	free(programme);
	free(module_id);
	free(cohort);
	sess_close(&op);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
	return 0;
}

/* ---- the tests, in order: each builds on what the earlier ones made ---- */

static void
test_relation_create(void **state)
{
	char out[8192], args[512], name[96], email[160];
	char *other;

	(void)state;
	/* The coach can sign in by now: no invite, and the second coachee is theirs. */
	snprintf(args, sizeof args, "--institution %s relation create %s %s", slug,
		 annb.enrollment, coach_person);
	triad_ok("op", "", args, out, sizeof out);
	expect_contains(out, "Coaching relation ");
	expect_contains(out, " created: ");
	expect_contains(out, " as workplace coach");
	expect_lacks(out, "no sign-in");

	/* A confidant who cannot sign in gets the command that lets them. */
	test_unique(name, sizeof name, "Confidant ");
	snprintf(email, sizeof email, "confidant-%d@example.org", (int)getpid());
	other = mk_person(name, email);
	snprintf(args, sizeof args, "--institution %s relation create %s %s --kind confidant",
		 slug, anna.enrollment, other);
	triad_ok("op", "", args, out, sizeof out);
	expect_contains(out, " as confidant");
	expect_contains(out, " has no sign-in yet. Send them this command; the code works once:");
	expect_contains(out, "triad login --invite inv_");
	expect_contains(out, "--addr ");
	free(other);
}

static void
test_coachees(void **state)
{
	char out[8192];

	(void)state;
	/* Test names are long; --wide shows them whole. */
	triad_ok("coach", "", "--wide coachees", out, sizeof out);
	expect_contains(out, "NAME");
	expect_contains(out, "LAST FEEDBACK");
	expect_contains(out, anna.name);
	expect_contains(out, anna.email);
	expect_contains(out, annb.name);
	expect_contains(out, slug);
	expect_contains(out, programme_code);
	expect_contains(out, "never");
	expect_contains(out, "To give feedback: triad feedback give ");

	triad_ok("coach", "", "--json coachees", out, sizeof out);
	expect_contains(out, anna.relation);
	expect_contains(out, "\"kind\":\"workplace-coach\"");
}

static void
test_give_with_editor(void **state)
{
	char out[8192], pre[512], script[256], seen[256], cmd[512], tpl[8192];
	int before = feedback_seen(&anna);

	(void)state;
	/* The editor keeps a copy of the template it was given, then writes. */
	snprintf(script, sizeof script, "%s/editor-write.sh", dir);
	snprintf(seen, sizeof seen, "%s/template-seen.txt", dir);
	snprintf(cmd, sizeof cmd,
		 "#!/bin/sh\n"
		 "cp \"$1\" '%s'\n"
		 "cat > \"$1\" <<'EOF'\n"
		 "# the coach's own comment\n"
		 "situation:\n"
		 "On the ward round on Monday morning.\n"
		 "BEHAVIOUR: You asked the patient first,\n"
		 "  before the family.\n"
		 "Effect:\n"
		 "The patient relaxed.\n"
		 "\n"
		 "Suggestion:\n"
		 "Try the same with the night shift.\n"
		 "EOF\n",
		 seen);
	write_file(script, cmd, 0700);
	snprintf(pre, sizeof pre, "EDITOR='%s'", script);
	snprintf(cmd, sizeof cmd, "feedback give %s --edit", anna.email);
	triad_ok("coach", pre, cmd, out, sizeof out);
	expect_contains(out, "Feedback for ");
	expect_contains(out, anna.name);
	expect_contains(out, " saved. (id ");
	assert_int_equal(feedback_seen(&anna), before + 1);

	/* The template explains itself. */
	snprintf(cmd, sizeof cmd, "cat '%s'", seen);
	assert_int_equal(run_capture(cmd, tpl, sizeof tpl), 0);
	expect_contains(tpl, "# Feedback for ");
	expect_contains(tpl, anna.name);
	expect_contains(tpl, "\nSituation:\n# Where and when");
	expect_contains(tpl, "\nBehaviour:\n# What did ");
	expect_contains(tpl, "\nEffect:\n");
	expect_contains(tpl, "\nSuggestion:\n# One thing to try next time.");

	/* What arrived, as the participant reads it. */
	triad_ok(anna.token, "", "feedback list --wide", out, sizeof out);
	expect_contains(out, coach_name);
	expect_contains(out, "On the ward round on Monday");
}

static void
test_give_from_pipe(void **state)
{
	char out[8192], cmd[512];
	int before = feedback_seen(&anna);

	(void)state;
	snprintf(cmd, sizeof cmd, "feedback give '%s'", anna.name);
	triad_ok("coach",
		 "printf '# piped\\r\\nSituation:\\r\\nHandover at 7.\\r\\nBehaviour:\\r\\n"
		 "You read back the medication list.\\r\\n' |",
		 cmd, out, sizeof out);
	expect_contains(out, " saved. (id ");
	assert_int_equal(feedback_seen(&anna), before + 1);
}

static void
test_empty_template_sends_nothing(void **state)
{
	char out[8192], pre[512], script[256], cmd[512];
	int before = feedback_seen(&anna);

	(void)state;
	/* Only comments. */
	snprintf(script, sizeof script, "%s/editor-empty.sh", dir);
	write_file(script, "#!/bin/sh\nprintf '# nothing to say\\n#\\n' > \"$1\"\n", 0700);
	snprintf(pre, sizeof pre, "EDITOR='%s'", script);
	snprintf(cmd, sizeof cmd, "feedback give %s --edit", anna.email);
	assert_int_equal(triad_as("coach", pre, cmd, out, sizeof out), 1);
	expect_contains(out, "Aborting: no feedback written.");
	expect_lacks(out, "saved");

	/* The template as it came: headings, but nothing under them. */
	snprintf(pre, sizeof pre, "EDITOR=true");
	assert_int_equal(triad_as("coach", pre, cmd, out, sizeof out), 1);
	expect_contains(out, "Aborting: no feedback written.");

	/* Nothing on standard input either. */
	snprintf(cmd, sizeof cmd, "feedback give %s", anna.email);
	assert_int_equal(triad_as("coach", "printf '' |", cmd, out, sizeof out), 1);
	expect_contains(out, "Aborting: no feedback written.");

	assert_int_equal(feedback_seen(&anna), before);
}

static void
test_give_with_options(void **state)
{
	char out[8192], cmd[1024], id[64];
	int before = feedback_seen(&anna);

	(void)state;
	snprintf(cmd, sizeof cmd,
		 "feedback give %s --outcome lo1 --module M1 --situation 'Team meeting on the "
		 "new rosters' --behaviour 'You let everyone speak before deciding' --effect "
		 "'The team accepted the roster' --suggestion 'Summarise the decision in writing'",
		 anna.email);
	triad_ok("coach", "", cmd, out, sizeof out);
	id_after(out, "(id ", id, sizeof id);
	assert_int_equal(feedback_seen(&anna), before + 1);

	snprintf(cmd, sizeof cmd, "feedback show %s", id);
	triad_ok(anna.token, "", cmd, out, sizeof out);
	expect_contains(out, "Feedback for ");
	expect_contains(out, "About:    learning outcome LO1, module M1");
	expect_contains(out, "\nSituation:\n  Team meeting on the new rosters\n");
	expect_contains(out, "\nBehaviour:\n  You let everyone speak before deciding\n");
	expect_contains(out, "\nEffect:\n  The team accepted the roster\n");
	expect_contains(out, "\nSuggestion:\n  Summarise the decision in writing\n");

	/* A code the programme does not have, said before anything is written. */
	snprintf(cmd, sizeof cmd, "feedback give %s --outcome LO9 --situation a --behaviour b",
		 anna.email);
	assert_int_equal(triad_as("coach", "", cmd, out, sizeof out), 2);
	expect_contains(out, "--outcome: No learning outcome with code \"LO9\".");

	/* The coach edits it, within the 24 hours. */
	snprintf(cmd, sizeof cmd, "feedback edit %s --suggestion 'Put it on the board'", id);
	triad_ok("coach", "", cmd, out, sizeof out);
	expect_contains(out, " changed. (id ");
	snprintf(cmd, sizeof cmd, "feedback show %s", id);
	triad_ok("coach", "", cmd, out, sizeof out);
	expect_contains(out, "\nSuggestion:\n  Put it on the board\n");
	expect_contains(out, "\nBehaviour:\n  You let everyone speak before deciding\n");
	expect_contains(out, "(changed ");
}

static void
test_invalid_text_is_kept(void **state)
{
	char out[8192], cmd[1024], path[512], again[8192];
	const char *p, *end;
	struct stat st;
	int before = feedback_seen(&anna);

	(void)state;
	snprintf(cmd, sizeof cmd, "feedback give %s", anna.email);
	assert_int_equal(triad_as("coach", "printf 'Situation:\\nThe night shift.\\n' |", cmd,
				  out, sizeof out), 1);
	expect_contains(out, "Please describe the behaviour");
	expect_contains(out, "Your text is saved in ");
	p = strstr(out, "Your text is saved in ") + strlen("Your text is saved in ");
	end = strstr(p, "; run again with --from-file ");
	assert_non_null(end);
	snprintf(path, sizeof path, "%.*s", (int)(end - p), p);
	expect_contains(path, "/cache/triad/feedback-");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(cmd, sizeof cmd, "cat '%s'", path);
	assert_int_equal(run_capture(cmd, again, sizeof again), 0);
	expect_contains(again, "The night shift.");
	assert_int_equal(feedback_seen(&anna), before);

	/* The coach completes the saved text and sends it from the file. */
	snprintf(cmd, sizeof cmd, "printf 'Behaviour:\\nYou stayed calm.\\n' >> '%s'", path);
	assert_int_equal(run_capture(cmd, NULL, 0), 0);
	snprintf(cmd, sizeof cmd, "feedback give %s --from-file '%s'", anna.email, path);
	triad_ok("coach", "", cmd, out, sizeof out);
	expect_contains(out, " saved. (id ");
	assert_int_equal(feedback_seen(&anna), before + 1);
}

static void
test_retry_saves_once(void **state)
{
	char out[8192], cmd[1024], path[256], first[64], second[64];
	int before = feedback_seen(&anna);

	(void)state;
	/* A saved text whose first sending may or may not have arrived. */
	snprintf(path, sizeof path, "%s/retry.txt", dir);
	write_file(path,
		   "# Retry key: 0123456789abcdef0123456789abcdef\n"
		   "Situation:\nThe fire drill.\nBehaviour:\nYou counted everyone twice.\n",
		   0600);
	snprintf(cmd, sizeof cmd, "feedback give %s --from-file '%s'", anna.email, path);
	triad_ok("coach", "", cmd, out, sizeof out);
	id_after(out, "(id ", first, sizeof first);
	triad_ok("coach", "", cmd, out, sizeof out);
	id_after(out, "(id ", second, sizeof second);
	assert_string_equal(first, second);
	assert_int_equal(feedback_seen(&anna), before + 1);
}

static void
test_requests(void **state)
{
	char out[8192], cmd[1024], request[64];

	(void)state;
	/* A day that has passed is refused; the request is made for a later
	 * day and becomes overdue as the days go by (backdated here). */
	snprintf(cmd, sizeof cmd,
		 "feedback ask %s --question 'How did I handle the complaint?' --due 2020-01-31",
		 anna.relation);
	assert_int_equal(triad_as(anna.token, "", cmd, out, sizeof out), 2);
	expect_contains(out, "due_on 2020-01-31 has passed");
	snprintf(cmd, sizeof cmd,
		 "feedback ask %s --question 'How did I handle the complaint?' --due 2040-01-31",
		 anna.relation);
	triad_ok(anna.token, "", cmd, out, sizeof out);
	expect_contains(out, "Asked ");
	expect_contains(out, coach_name);
	id_after(out, "(request ", request, sizeof request);
	free(owner_sql("UPDATE feedback_request SET due_on = '2020-01-31' WHERE id = $1::uuid",
		       request, NULL, NULL));

	triad_ok("coach", "", "feedback requests --wide", out, sizeof out);
	expect_contains(out, "overdue since 2020-01-31");
	expect_contains(out, "How did I handle the complaint?");
	expect_contains(out, request);

	snprintf(cmd, sizeof cmd,
		 "feedback give --request %s --situation 'The complaint at the desk' "
		 "--behaviour 'You listened without interrupting'", request);
	triad_ok("coach", "", cmd, out, sizeof out);
	expect_contains(out, anna.name);
	expect_contains(out, " saved. (id ");

	triad_ok("coach", "", "feedback requests", out, sizeof out);
	expect_contains(out, "No open requests for feedback.");
}

static void
test_who_is_meant(void **state)
{
	char out[8192], cmd[1024], tag[96];
	int before_a = feedback_seen(&anna), before_b = feedback_seen(&annb);

	(void)state;
	/* "Anna T..." is both coachees: ask for the e-mail. */
	snprintf(tag, sizeof tag, "%.*s", (int)(strrchr(anna.name, ' ') - anna.name), anna.name);
	snprintf(cmd, sizeof cmd, "feedback give '%s' --situation a --behaviour b", tag);
	assert_int_equal(triad_as("coach", "", cmd, out, sizeof out), 2);
	expect_contains(out, "More than one of your coachees matches");
	expect_contains(out, anna.email);
	expect_contains(out, annb.email);
	expect_contains(out, "e-mail");

	/* The whole name is one of them. */
	snprintf(cmd, sizeof cmd, "feedback give '%s' --situation 'The audit' --behaviour "
				  "'You had the files ready'", annb.name);
	triad_ok("coach", "", cmd, out, sizeof out);
	expect_contains(out, annb.name);

	/* Someone who is not a coachee, whether they exist or not. */
	assert_int_equal(triad_as("coach", "",
				  "feedback give nobody@example.org --situation a --behaviour b",
				  out, sizeof out), 1);
	expect_contains(out, "You are not a coach of this participant (or your coaching has ended).");

	assert_int_equal(feedback_seen(&anna), before_a);
	assert_int_equal(feedback_seen(&annb), before_b + 1);

	/* The coach's own list of one coachee. */
	snprintf(cmd, sizeof cmd, "feedback list %s", annb.email);
	triad_ok("coach", "", cmd, out, sizeof out);
	expect_contains(out, "The audit");
	expect_lacks(out, "fire drill");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relation_create),
		cmocka_unit_test(test_coachees),
		cmocka_unit_test(test_give_with_editor),
		cmocka_unit_test(test_give_from_pipe),
		cmocka_unit_test(test_empty_template_sends_nothing),
		cmocka_unit_test(test_give_with_options),
		cmocka_unit_test(test_invalid_text_is_kept),
		cmocka_unit_test(test_retry_saves_once),
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_who_is_meant),
	};

	return harness_run_group_tests(tests, setup, teardown);
}

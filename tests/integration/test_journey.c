/*
 * test_journey.c: the learning journey through the protocol against a real
 * daemon and PostgreSQL: the logbook chapter that opens after its module's
 * last session, the private note of a conversation that the participant
 * never sees, admission that waits for a held intake conversation, the
 * journey's missing conversations, agreed actions, and what each role sees
 * of one participant's timeline.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REQ(var) Triad__V1__Request var = TRIAD__V1__REQUEST__INIT
#define CODE(x) TRIAD__V1__CODE__CODE_##x
#define BODY(req, KIND, field, msg)                                   \
	do {                                                          \
		(req).body_case = TRIAD__V1__REQUEST__BODY_##KIND;    \
		(req).field = &(msg);                                 \
	} while (0)

static Triadd d;
static Sess op;
static char inst[64];
static char code[32];
static char *programme, *m1, *m2, *cohort, *employer;

/* People: staff (a dean), a workplace coach, the employer's contact, and
 * two participants. */
typedef struct Who {
	char email[128];
	char *person;
	char *enrollment;
	Sess s;
} Who;
static Who dean, coach, hr, anna, bram;
static char *relation;     /* anna's workplace coach */

/* ---- fixtures ---- */

static char *
mk_module(const char *mcode, int seq)
{
	REQ(req);
	Triad__V1__CreateModuleRequest m = TRIAD__V1__CREATE_MODULE_REQUEST__INIT;
	Triad__V1__Module mod = TRIAD__V1__MODULE__INIT;
	mod.programme_id = programme;
	mod.code = (char *)mcode;
	mod.name = "De stad en haar bewoners";
	mod.kind = TRIAD__V1__MODULE_KIND__MODULE_KIND_CORE;
	mod.sequence = seq;
	mod.credits = 5;
	m.module = &mod;
	BODY(req, CREATE_MODULE, create_module, m);
	Triad__V1__Response *r = rpc_ok(&op, inst, &req);
	char *id = test_strdup(r->module->id);
	rpc_free(r);
	return id;
}

/* A run of module mod in the cohort with one session at `at`. */
static void
mk_run_with_session(const char *mod, const char *at)
{
	REQ(rr);
	Triad__V1__CreateRunRequest cr = TRIAD__V1__CREATE_RUN_REQUEST__INIT;
	Triad__V1__ModuleRun run = TRIAD__V1__MODULE_RUN__INIT;
	run.module_id = (char *)mod;
	run.cohort_id = cohort;
	run.capacity = 100;
	field_give(&run.base, "capacity");
	cr.run = &run;
	BODY(rr, CREATE_RUN, create_run, cr);
	Triad__V1__Response *r = rpc_ok(&op, inst, &rr);
	char *run_id = test_strdup(r->run->id);
	rpc_free(r);

	REQ(rs);
	Triad__V1__CreateSessionRequest cs = TRIAD__V1__CREATE_SESSION_REQUEST__INIT;
	Triad__V1__Session s = TRIAD__V1__SESSION__INIT;
	s.run_id = run_id;
	s.starts_at = (char *)at;
	s.title = "Moduledag";
	cs.session = &s;
	cs.record_history = true;
	BODY(rs, CREATE_SESSION, create_session, cs);
	rpc_free(rpc_ok(&op, inst, &rs));
	free(run_id);
}

static void
mk_who(Who *w, const char *stem, Triad__V1__Role role, Triad__V1__StaffTitle title,
       const char *org)
{
	char name[64];
	test_unique(name, sizeof name, stem);
	snprintf(w->email, sizeof w->email, "%s@example.org", name);
	for (char *c = w->email; *c; c++) {
		if (*c == ' ')
			*c = '.';
	}
	w->person = make_person(&op, inst, name, w->email);
	char *token = invite_and_redeem(&op, d.addr, inst, w->person, role, title, org);
	w->s = sess_open(d.addr, token);
	free(token);
}

static char *
enroll(const char *person)
{
	REQ(req);
	Triad__V1__EnrollRequest m = TRIAD__V1__ENROLL_REQUEST__INIT;
	m.person_id = (char *)person;
	m.cohort_id = cohort;
	m.employer_id = employer;
	m.hours_per_week = 8;
	BODY(req, ENROLL, enroll, m);
	Triad__V1__Response *r = rpc_ok(&op, inst, &req);
	char *id = test_strdup(r->enrollment->id);
	rpc_free(r);
	return id;
}

static void
set_plan(bool intake_required, int development)
{
	REQ(req);
	Triad__V1__SetJourneyPlanRequest m = TRIAD__V1__SET_JOURNEY_PLAN_REQUEST__INIT;
	m.programme_id = code;
	m.intake_required = intake_required;
	field_give(&m.base, "intake_required");
	m.development_conversations = development;
	field_give(&m.base, "development_conversations");
	BODY(req, SET_JOURNEY_PLAN, set_journey_plan, m);
	Triad__V1__Response *r = rpc_ok(&dean.s, inst, &req);
	assert_string_equal(r->journey_plan->programme_code, code);
	assert_int_equal(r->journey_plan->intake_required, intake_required);
	assert_int_equal(r->journey_plan->development_conversations, development);
	rpc_free(r);
}

/* The dean plans a conversation of kind with w (held yesterday when held)
 * and returns the answer. */
static Triad__V1__Response *
plan(Who *w, Triad__V1__ConversationKind kind, bool held)
{
	REQ(req);
	Triad__V1__PlanConversationRequest m = TRIAD__V1__PLAN_CONVERSATION_REQUEST__INIT;
	char at[32];
	time_t t = time(NULL) + (held ? -86400 : 7 * 86400);
	strftime(at, sizeof at, "%Y-%m-%d %H:%M", gmtime(&t));
	m.enrollment_id = w->email;
	m.kind = kind;
	m.planned_at = at;
	m.record_history = held;
	BODY(req, PLAN_CONVERSATION, plan_conversation, m);
	Triad__V1__Response *r = rpc_ok(&dean.s, inst, &req);
	if (held) {
		REQ(rec);
		Triad__V1__RecordConversationRequest rm = TRIAD__V1__RECORD_CONVERSATION_REQUEST__INIT;
		char *id = test_strdup(r->conversation->id);
		rm.conversation = id;
		rm.held = true;
		BODY(rec, RECORD_CONVERSATION, record_conversation, rm);
		rpc_free(r);
		r = rpc_ok(&dean.s, inst, &rec);
		free(id);
		assert_true(r->conversation->held_at[0] != '\0');
	}
	return r;
}

static Triad__V1__Response *
save(Who *w, const char *module, const char *text)
{
	REQ(req);
	Triad__V1__SaveChapterRequest m = TRIAD__V1__SAVE_CHAPTER_REQUEST__INIT;
	m.module_id = (char *)module;
	m.text = (char *)text;
	BODY(req, SAVE_CHAPTER, save_chapter, m);
	return rpc(&w->s, inst, &req);
}

static Triad__V1__Response *
timeline(Sess *s, const char *who, const char *kind, int page_size, const char *token)
{
	REQ(req);
	Triad__V1__ListTimelineRequest m = TRIAD__V1__LIST_TIMELINE_REQUEST__INIT;
	char *kinds[1] = {(char *)kind};
	m.enrollment_id = (char *)(who ? who : "");
	if (kind != NULL) {
		m.n_kinds = 1;
		m.kinds = kinds;
	}
	m.page_size = page_size;
	m.page_token = (char *)(token ? token : "");
	BODY(req, LIST_TIMELINE, list_timeline, m);
	return rpc(s, inst, &req);
}

/* How many entries of the timeline answer r are of kind. */
static int
count_kind(const Triad__V1__Response *r, const char *kind)
{
	int n = 0;
	for (size_t i = 0; i < r->timeline->n_entries; i++)
		n += strcmp(r->timeline->entries[i]->kind, kind) == 0;
	return n;
}

static const Triad__V1__TimelineEntry *
find_kind(const Triad__V1__Response *r, const char *kind)
{
	for (size_t i = 0; i < r->timeline->n_entries; i++) {
		if (strcmp(r->timeline->entries[i]->kind, kind) == 0)
			return r->timeline->entries[i];
	}
	return NULL;
}

static int
setup(void **state)
{
	(void)state;
	triadd_start(&d, NULL);
	op = sess_open(d.addr, test_token());
	make_institution(&op, "journey", "Journey tests", inst);
	test_unique(code, sizeof code, "MET");
	code[16] = '\0';
	programme = make_programme(&op, inst, code, 0);
	employer = make_org(&op, "Gemeente Rotterdam ",
			    TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_EMPLOYER);
	m1 = mk_module("M1", 1);
	m2 = mk_module("M2", 2);

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
	Triad__V1__Response *r = rpc_ok(&op, inst, &rc);
	cohort = test_strdup(r->cohort->id);
	rpc_free(r);

	/* M1's last session was yesterday; M2's is in 2031. */
	char at[32];
	time_t t = time(NULL) - 86400;
	strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	mk_run_with_session(m1, at);
	mk_run_with_session(m2, "2031-03-14T09:00:00Z");

	mk_who(&dean, "Decaan ", TRIAD__V1__ROLE__ROLE_PROGRAMME_STAFF,
	       TRIAD__V1__STAFF_TITLE__STAFF_TITLE_DEAN, NULL);
	mk_who(&anna, "Anna ", TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0, NULL);
	mk_who(&bram, "Bram ", TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0, NULL);
	mk_who(&coach, "Coach ", TRIAD__V1__ROLE__ROLE_WORKPLACE_COACH, 0, NULL);
	mk_who(&hr, "HR ", TRIAD__V1__ROLE__ROLE_EMPLOYER_CONTACT, 0, employer);
	anna.enrollment = enroll(anna.person);
	bram.enrollment = enroll(bram.person);

	REQ(rel);
	Triad__V1__CreateRelationRequest cr = TRIAD__V1__CREATE_RELATION_REQUEST__INIT;
	cr.enrollment_id = anna.enrollment;
	cr.coach_person_id = coach.person;
	cr.kind = TRIAD__V1__RELATION_KIND__RELATION_KIND_WORKPLACE_COACH;
	BODY(rel, CREATE_RELATION, create_relation, cr);
	r = rpc_ok(&op, inst, &rel);
	relation = test_strdup(r->create_relation->relation->id);
	rpc_free(r);
	set_plan(false, 2);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	Who *all[] = {&dean, &coach, &hr, &anna, &bram};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
		sess_close(&all[i]->s);
		free(all[i]->person);
		free(all[i]->enrollment);
	}
	free(programme);
	free(m1);
	free(m2);
	free(cohort);
	free(employer);
	free(relation);
	sess_close(&op);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
	return 0;
}

/* ---- the logbook ---- */

/* A chapter opens at its module's last session: before that, saving is
 * refused with the day it opens and the field; after, drafts are saved
 * on every save until the chapter is submitted, with its timestamp. */
static void
test_logbook_opens_after_last_session(void **state)
{
	(void)state;
	expect_status_free(save(&anna, "M2", "Te vroeg"), CODE(FAILED_PRECONDITION),
			   "the chapter for module M2 opens on 2031-03-14, after the module's "
			   "last session",
			   "save_chapter.module_id");

	Triad__V1__Response *r = save(&anna, "M1", "Eerste versie");
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->chapter->status, TRIAD__V1__CHAPTER_STATUS__CHAPTER_STATUS_DRAFT);
	assert_int_equal(r->chapter->saves, 1);
	rpc_free(r);
	r = save(&anna, "M1", "Tweede versie: drie perspectieven op mijn opgave");
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->chapter->saves, 2);
	assert_string_equal(r->chapter->text, "Tweede versie: drie perspectieven op mijn opgave");
	rpc_free(r);

	/* Staff see that there is a draft, not what it says. */
	REQ(g);
	Triad__V1__GetChapterRequest gm = TRIAD__V1__GET_CHAPTER_REQUEST__INIT;
	gm.enrollment_id = anna.email;
	gm.module_id = "M1";
	BODY(g, GET_CHAPTER, get_chapter, gm);
	r = rpc_ok(&dean.s, inst, &g);
	assert_int_equal(r->chapter->status, TRIAD__V1__CHAPTER_STATUS__CHAPTER_STATUS_DRAFT);
	assert_string_equal(r->chapter->text, "");
	rpc_free(r);

	REQ(sub);
	Triad__V1__SubmitChapterRequest sm = TRIAD__V1__SUBMIT_CHAPTER_REQUEST__INIT;
	sm.module_id = "M1";
	BODY(sub, SUBMIT_CHAPTER, submit_chapter, sm);
	r = rpc_ok(&anna.s, inst, &sub);
	assert_int_equal(r->chapter->status, TRIAD__V1__CHAPTER_STATUS__CHAPTER_STATUS_SUBMITTED);
	assert_true(r->chapter->submitted_at[0] != '\0');
	rpc_free(r);
	r = save(&anna, "M1", "Nog een wijziging");
	expect_status(r, CODE(FAILED_PRECONDITION), NULL, "save_chapter.module_id");
	expect_contains(r->status->message, "was submitted on");
	rpc_free(r);

	r = rpc_ok(&dean.s, inst, &g);
	assert_string_equal(r->chapter->text, "Tweede versie: drie perspectieven op mijn opgave");
	rpc_free(r);

	/* Only the programme coach and staff comment; a workplace coach not. */
	REQ(cm);
	Triad__V1__CommentChapterRequest cmm = TRIAD__V1__COMMENT_CHAPTER_REQUEST__INIT;
	cmm.enrollment_id = anna.email;
	cmm.module_id = "M1";
	cmm.text = "Mooi verbonden met je eigen opgave";
	BODY(cm, COMMENT_CHAPTER, comment_chapter, cmm);
	expect_status_free(rpc(&coach.s, inst, &cm), CODE(PERMISSION_DENIED),
			   "only staff and the participant's programme coach comment on logbook "
			   "chapters", NULL);
	r = rpc_ok(&dean.s, inst, &cm);
	assert_string_equal(r->chapter_comment->text, "Mooi verbonden met je eigen opgave");
	rpc_free(r);
}

/* ---- conversations ---- */

/* The participant reads the notes of her conversation, never the private
 * note; staff read both. */
static void
test_private_note_hidden_from_participant(void **state)
{
	(void)state;
	Triad__V1__Response *r = plan(&anna, TRIAD__V1__CONVERSATION_KIND__CONVERSATION_KIND_DEVELOPMENT,
				      true);
	char *id = test_strdup(r->conversation->id);
	rpc_free(r);

	REQ(rec);
	Triad__V1__RecordConversationRequest rm = TRIAD__V1__RECORD_CONVERSATION_REQUEST__INIT;
	char key[200];
	snprintf(key, sizeof key, "%s/development", anna.email);
	rm.conversation = key;
	rm.notes = "Anna wil haar netwerk in de regio vergroten.";
	field_give(&rm.base, "notes");
	rm.private_note = "Twijfelt over haar leidinggevende; voorzichtig bespreken.";
	field_give(&rm.base, "private_note");
	BODY(rec, RECORD_CONVERSATION, record_conversation, rm);
	r = rpc_ok(&dean.s, inst, &rec);
	assert_string_equal(r->conversation->private_note,
			    "Twijfelt over haar leidinggevende; voorzichtig bespreken.");
	rpc_free(r);

	REQ(g);
	Triad__V1__GetConversationRequest gm = TRIAD__V1__GET_CONVERSATION_REQUEST__INIT;
	gm.conversation = id;
	BODY(g, GET_CONVERSATION, get_conversation, gm);
	r = rpc_ok(&anna.s, inst, &g);
	assert_string_equal(r->conversation->notes, "Anna wil haar netwerk in de regio vergroten.");
	assert_string_equal(r->conversation->private_note, "");
	rpc_free(r);
	r = rpc_ok(&dean.s, inst, &g);
	assert_string_equal(r->conversation->private_note,
			    "Twijfelt over haar leidinggevende; voorzichtig bespreken.");
	rpc_free(r);

	REQ(l);
	Triad__V1__ListConversationsRequest lm = TRIAD__V1__LIST_CONVERSATIONS_REQUEST__INIT;
	BODY(l, LIST_CONVERSATIONS, list_conversations, lm);
	r = rpc_ok(&anna.s, inst, &l);
	assert_true(r->conversations->n_conversations >= 1);
	for (size_t i = 0; i < r->conversations->n_conversations; i++)
		assert_string_equal(r->conversations->conversations[i]->private_note, "");
	rpc_free(r);
	/* Bram sees none of Anna's conversations. */
	expect_status_free(rpc(&bram.s, inst, &g), CODE(NOT_FOUND), NULL, NULL);

	/* An action agreed with Anna, which she marks done herself. */
	REQ(a);
	Triad__V1__AddConversationActionRequest am = TRIAD__V1__ADD_CONVERSATION_ACTION_REQUEST__INIT;
	am.conversation = id;
	am.description = "Spreek twee strategen van de G4 over hun netwerk";
	am.owner = anna.email;
	am.due_on = "2031-01-15";
	BODY(a, ADD_CONVERSATION_ACTION, add_conversation_action, am);
	r = rpc_ok(&dean.s, inst, &a);
	assert_string_equal(r->conversation_action->owner, anna.email);
	rpc_free(r);
	am.owner = bram.email;
	expect_status_free(rpc(&dean.s, inst, &a), CODE(INVALID_ARGUMENT), NULL,
			   "add_conversation_action.owner");
	REQ(done);
	Triad__V1__CompleteConversationActionRequest dm =
		TRIAD__V1__COMPLETE_CONVERSATION_ACTION_REQUEST__INIT;
	dm.action = "spreek twee";
	BODY(done, COMPLETE_CONVERSATION_ACTION, complete_conversation_action, dm);
	expect_status_free(rpc(&bram.s, inst, &done), CODE(NOT_FOUND), NULL, NULL);
	r = rpc_ok(&anna.s, inst, &done);
	assert_true(r->conversation_action->done_at[0] != '\0');
	rpc_free(r);
	free(id);
}

/* Admission waits for a held intake conversation when the programme
 * requires one. */
static void
test_intake_required_for_admission(void **state)
{
	(void)state;
	Who carla;
	memset(&carla, 0, sizeof carla);
	char name[64];
	test_unique(name, sizeof name, "Carla");
	snprintf(carla.email, sizeof carla.email, "%s@example.org", name);
	carla.person = make_person(&op, inst, name, carla.email);
	carla.enrollment = enroll(carla.person);

	set_plan(true, 2);
	expect_status_free(move_enrollment(&dean.s, inst, carla.enrollment,
					   TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_INTAKE_PLANNED),
			   CODE(OK), NULL, NULL);
	Triad__V1__Response *r = move_enrollment(&dean.s, inst, carla.enrollment,
						 TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ADMITTED);
	expect_status(r, CODE(FAILED_PRECONDITION), NULL, "transition_enrollment.status");
	char want[300];
	snprintf(want, sizeof want, "admission to %s requires a held intake conversation, and %s "
		 "has none", code, name);
	expect_contains(r->status->message, want);
	rpc_free(r);

	/* Planned is not held. */
	rpc_free(plan(&carla, TRIAD__V1__CONVERSATION_KIND__CONVERSATION_KIND_INTAKE, false));
	expect_status_free(move_enrollment(&dean.s, inst, carla.enrollment,
					   TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ADMITTED),
			   CODE(FAILED_PRECONDITION), NULL, "transition_enrollment.status");
	rpc_free(plan(&carla, TRIAD__V1__CONVERSATION_KIND__CONVERSATION_KIND_INTAKE, true));
	expect_status_free(move_enrollment(&dean.s, inst, carla.enrollment,
					   TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ADMITTED),
			   CODE(OK), NULL, NULL);
	set_plan(false, 2);
	free(carla.person);
	free(carla.enrollment);
}

/* The journey shows which of the expected conversations are missing. */
static void
test_journey_shows_missing_conversations(void **state)
{
	(void)state;
	REQ(req);
	Triad__V1__GetJourneyRequest m = TRIAD__V1__GET_JOURNEY_REQUEST__INIT;
	BODY(req, GET_JOURNEY, get_journey, m);
	Triad__V1__Response *r = rpc_ok(&bram.s, inst, &req);
	assert_int_equal(r->journey->development_expected, 2);
	assert_int_equal(r->journey->development_held, 0);
	assert_int_equal(r->journey->n_missing, 4);
	assert_string_equal(r->journey->missing[0], "development conversation 1 of 2");
	assert_string_equal(r->journey->missing[1], "development conversation 2 of 2");
	assert_string_equal(r->journey->missing[2], "final conversation");
	assert_string_equal(r->journey->missing[3], "logbook chapter M1");
	assert_int_equal(r->journey->n_chapters, 2);
	assert_int_equal(r->journey->chapters[1]->status,
			 TRIAD__V1__CHAPTER_STATUS__CHAPTER_STATUS_NOT_OPEN);
	assert_string_equal(r->journey->chapters[1]->opens_on, "2031-03-14");
	rpc_free(r);

	rpc_free(plan(&bram, TRIAD__V1__CONVERSATION_KIND__CONVERSATION_KIND_DEVELOPMENT, true));
	m.enrollment_id = bram.email;
	r = rpc_ok(&dean.s, inst, &req);
	assert_int_equal(r->journey->development_held, 1);
	assert_string_equal(r->journey->missing[0], "development conversation 2 of 2");
	rpc_free(r);
}

/* ---- the timeline ---- */

/* Each role sees its share of Anna's timeline. */
static void
test_timeline_visibility_per_role(void **state)
{
	(void)state;
	/* Anna's journey: a held development conversation with notes, a
	 * submitted chapter shared with her coach, and the coach's feedback. */
	Triad__V1__Response *r = plan(&anna, TRIAD__V1__CONVERSATION_KIND__CONVERSATION_KIND_DEVELOPMENT,
				      true);
	REQ(rec);
	Triad__V1__RecordConversationRequest rm = TRIAD__V1__RECORD_CONVERSATION_REQUEST__INIT;
	rm.conversation = r->conversation->id;
	rm.notes = "Notes for the timeline";
	field_give(&rm.base, "notes");
	rm.private_note = "Private for the timeline";
	field_give(&rm.base, "private_note");
	BODY(rec, RECORD_CONVERSATION, record_conversation, rm);
	rpc_free(rpc_ok(&dean.s, inst, &rec));
	rpc_free(r);

	r = save(&anna, "M1", "x");
	rpc_free(r);   /* submitted already by the logbook test, or a draft now */
	REQ(sub);
	Triad__V1__SubmitChapterRequest sm = TRIAD__V1__SUBMIT_CHAPTER_REQUEST__INIT;
	sm.module_id = "M1";
	BODY(sub, SUBMIT_CHAPTER, submit_chapter, sm);
	rpc_free(rpc(&anna.s, inst, &sub));

	REQ(fb);
	Triad__V1__GiveFeedbackRequest fm = TRIAD__V1__GIVE_FEEDBACK_REQUEST__INIT;
	fm.relation_id = relation;
	fm.situation = "Het overleg met de wethouder";
	fm.behaviour = "Je vatte beide standpunten samen";
	BODY(fb, GIVE_FEEDBACK, give_feedback, fm);
	rpc_free(rpc_ok(&coach.s, inst, &fb));

	/* The participant sees her own, with the notes but no private note. */
	r = timeline(&anna.s, NULL, NULL, 0, NULL);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_true(count_kind(r, "enrollment") >= 1);
	assert_true(count_kind(r, "conversation") >= 1);
	assert_int_equal(count_kind(r, "logbook"), 1);
	assert_int_equal(count_kind(r, "feedback"), 1);
	for (size_t i = 0; i < r->timeline->n_entries; i++)
		expect_lacks(r->timeline->entries[i]->detail, "Private for the timeline");
	int all = (int)r->timeline->n_entries;
	rpc_free(r);

	/* Staff see the same entries. */
	r = timeline(&dean.s, anna.email, NULL, 0, NULL);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal((int)r->timeline->n_entries, all);
	rpc_free(r);

	/* The coach: before she shares the chapter, only the feedback. */
	r = timeline(&coach.s, anna.email, NULL, 0, NULL);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal((int)r->timeline->n_entries, count_kind(r, "feedback"));
	assert_int_equal(count_kind(r, "logbook"), 0);
	rpc_free(r);
	REQ(sh);
	Triad__V1__ShareChapterRequest shm = TRIAD__V1__SHARE_CHAPTER_REQUEST__INIT;
	shm.module_id = "M1";
	shm.coach = coach.email;
	BODY(sh, SHARE_CHAPTER, share_chapter, shm);
	r = rpc_ok(&anna.s, inst, &sh);
	assert_string_equal(r->chapter->shared_with, coach.email);
	rpc_free(r);
	r = timeline(&coach.s, anna.email, NULL, 0, NULL);
	assert_int_equal(count_kind(r, "logbook"), 1);
	assert_int_equal(count_kind(r, "conversation"), 0);
	assert_int_equal(count_kind(r, "enrollment"), 0);
	rpc_free(r);

	/* Another participant: nothing. */
	expect_status_free(timeline(&bram.s, anna.email, NULL, 0, NULL), CODE(NOT_FOUND), NULL,
			   NULL);

	/* The employer: nothing below "full"; at "full" the entries, but not
	 * what was said in a conversation. */
	REQ(cs);
	Triad__V1__SetConsentRequest csm = TRIAD__V1__SET_CONSENT_REQUEST__INIT;
	csm.organisation_id = employer;
	csm.level = TRIAD__V1__CONSENT_LEVEL__CONSENT_LEVEL_PROGRESS;
	BODY(cs, SET_CONSENT, set_consent, csm);
	rpc_free(rpc_ok(&anna.s, inst, &cs));
	expect_status_free(timeline(&hr.s, anna.email, NULL, 0, NULL), CODE(NOT_FOUND), NULL,
			   NULL);
	csm.level = TRIAD__V1__CONSENT_LEVEL__CONSENT_LEVEL_FULL;
	rpc_free(rpc_ok(&anna.s, inst, &cs));
	r = timeline(&hr.s, anna.email, NULL, 0, NULL);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal((int)r->timeline->n_entries, all);
	const Triad__V1__TimelineEntry *conv = find_kind(r, "conversation");
	assert_non_null(conv);
	for (size_t i = 0; i < r->timeline->n_entries; i++) {
		if (strcmp(r->timeline->entries[i]->kind, "conversation") == 0)
			assert_string_equal(r->timeline->entries[i]->detail, "");
	}
	rpc_free(r);

	/* Filtered by kind; a kind that is none is refused. */
	r = timeline(&anna.s, NULL, "logbook", 0, NULL);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal((int)r->timeline->n_entries, 1);
	assert_string_equal(r->timeline->entries[0]->title, "logbook chapter M1 submitted");
	rpc_free(r);
	expect_status_free(timeline(&anna.s, NULL, "diary", 0, NULL), CODE(INVALID_ARGUMENT), NULL,
			   "list_timeline.kinds");

	/* Paged in time order: page after page, every entry once. */
	char token[64] = "";
	int seen = 0;
	char prev_at[40] = "";
	for (int page = 0; page < 50; page++) {
		r = timeline(&anna.s, NULL, NULL, 2, token);
		expect_status(r, CODE(OK), NULL, NULL);
		for (size_t i = 0; i < r->timeline->n_entries; i++) {
			assert_true(strcmp(prev_at, r->timeline->entries[i]->at) <= 0);
			snprintf(prev_at, sizeof prev_at, "%s", r->timeline->entries[i]->at);
		}
		seen += (int)r->timeline->n_entries;
		snprintf(token, sizeof token, "%s", r->timeline->next_page_token);
		rpc_free(r);
		if (token[0] == '\0')
			break;
	}
	assert_int_equal(seen, all);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_logbook_opens_after_last_session),
		cmocka_unit_test(test_private_note_hidden_from_participant),
		cmocka_unit_test(test_intake_required_for_admission),
		cmocka_unit_test(test_journey_shows_missing_conversations),
		cmocka_unit_test(test_timeline_visibility_per_role),
	};
	return harness_run_group_tests(tests, setup, teardown);
}

/*
 * test_triangle.c: the workplace triangle through the protocol against a
 * real daemon and PostgreSQL: one coach with coachees at two institutions,
 * formative feedback (who may write it, retries, the 24-hour edit window,
 * ended relations), feedback requests, consent levels and what an
 * employer sees, the advisory judgement, agreements with the hours ledger,
 * and relations proposed by participants.
 */
#include "harness.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define REQ(var) Triad__V1__Request var = TRIAD__V1__REQUEST__INIT
#define CODE(x) TRIAD__V1__CODE__CODE_##x
#define NOT_A_COACH "you are not a coach of this participant"

static Triadd d;
static Sess op;
static int uniq;

/* An institution with one programme (60 ECTS), one module (5 credits),
 * a cohort with a group of that module and one session. */
typedef struct Inst {
	char slug[64];
	char *programme;
	char programme_code[32];
	char *module;
	char *cohort;
	char *run;
	char *session;
} Inst;

static Inst A, B;

/* A participant: a person enrolled in the cohort, signed in when asked. */
typedef struct Part {
	const Inst *inst;
	char name[80];
	char *person;
	char *enrollment;
	char *token;
} Part;

/* A coach: a person who signs in with the invite of their first relation. */
typedef struct Coach {
	char name[80];
	char email[128];
	char *person;
	char *token;
} Coach;

/* An e-mail address for a name: spaces become dots. */
static void
email_of(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s@example.org", name);
	for (char *c = buf; *c; c++) {
		if (*c == ' ')
			*c = '.';
	}
}

/* ---- the schema owner's connection, for what the protocol cannot do ---- */

/* ---- fixtures through the protocol ---- */

static char *
mk_person(const char *inst, const char *name, const char *email)
{
	return make_person(&op, inst, name, email);
}

static char *
mk_org(const char *stem)
{
	return make_org(&op, stem, TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_EMPLOYER);
}

static void
mk_inst(Inst *in, const char *stem)
{
	make_institution(&op, stem, "Triangle tests", in->slug);

	snprintf(in->programme_code, sizeof in->programme_code, "MPA%d", ++uniq);
	in->programme = make_programme(&op, in->slug, in->programme_code, 0);

	REQ(rm);
	Triad__V1__CreateModuleRequest cm = TRIAD__V1__CREATE_MODULE_REQUEST__INIT;
	Triad__V1__Module mod = TRIAD__V1__MODULE__INIT;
	mod.programme_id = in->programme;
	mod.code = "M1";
	mod.name = "Public value";
	mod.kind = TRIAD__V1__MODULE_KIND__MODULE_KIND_CORE;
	mod.sequence = 1;
	mod.credits = 5;
	cm.module = &mod;
	rm.body_case = TRIAD__V1__REQUEST__BODY_CREATE_MODULE;
	rm.create_module = &cm;
	Triad__V1__Response *r = rpc_ok(&op, in->slug, &rm);
	in->module = test_strdup(r->module->id);
	rpc_free(r);

	REQ(rc);
	Triad__V1__CreateCohortRequest cc = TRIAD__V1__CREATE_COHORT_REQUEST__INIT;
	Triad__V1__Cohort c = TRIAD__V1__COHORT__INIT;
	char name[64];
	test_unique(name, sizeof name, "Metropool 24");
	c.programme_id = in->programme;
	c.name = name;
	c.starts_on = "2026-10-26";
	c.ends_on = "2028-04-30";
	cc.cohort = &c;
	rc.body_case = TRIAD__V1__REQUEST__BODY_CREATE_COHORT;
	rc.create_cohort = &cc;
	r = rpc_ok(&op, in->slug, &rc);
	in->cohort = test_strdup(r->cohort->id);
	rpc_free(r);

	REQ(rr);
	Triad__V1__CreateRunRequest cr = TRIAD__V1__CREATE_RUN_REQUEST__INIT;
	Triad__V1__ModuleRun run = TRIAD__V1__MODULE_RUN__INIT;
	run.module_id = in->module;
	run.cohort_id = in->cohort;
	run.capacity = 200;
	field_give(&run.base, "capacity");
	cr.run = &run;
	rr.body_case = TRIAD__V1__REQUEST__BODY_CREATE_RUN;
	rr.create_run = &cr;
	r = rpc_ok(&op, in->slug, &rr);
	in->run = test_strdup(r->run->id);
	rpc_free(r);

	REQ(rs);
	Triad__V1__CreateSessionRequest cs = TRIAD__V1__CREATE_SESSION_REQUEST__INIT;
	Triad__V1__Session s = TRIAD__V1__SESSION__INIT;
	s.run_id = in->run;
	s.starts_at = "2026-10-26T09:00:00Z";
	s.title = "Kick-off";
	cs.session = &s;
	cs.record_history = true;   /* attendance is recorded for sessions held */
	rs.body_case = TRIAD__V1__REQUEST__BODY_CREATE_SESSION;
	rs.create_session = &cs;
	r = rpc_ok(&op, in->slug, &rs);
	in->session = test_strdup(r->session->id);
	rpc_free(r);
}

static void
inst_free(Inst *in)
{
	free(in->programme);
	free(in->module);
	free(in->cohort);
	free(in->run);
	free(in->session);
}

/* A new participant of in, enrolled in its cohort (employer may be NULL),
 * signed in as a participant when login. */
static void
mk_part(Part *p, const Inst *in, const char *stem, const char *employer, double hours, bool login)
{
	char email[128];
	memset(p, 0, sizeof *p);
	p->inst = in;
	test_unique(p->name, sizeof p->name, stem);
	email_of(email, sizeof email, p->name);
	p->person = mk_person(in->slug, p->name, email);

	REQ(req);
	Triad__V1__EnrollRequest m = TRIAD__V1__ENROLL_REQUEST__INIT;
	m.person_id = p->person;
	m.cohort_id = in->cohort;
	m.employer_id = (char *)(employer != NULL ? employer : "");
	m.hours_per_week = hours;
	req.body_case = TRIAD__V1__REQUEST__BODY_ENROLL;
	req.enroll = &m;
	Triad__V1__Response *r = rpc_ok(&op, in->slug, &req);
	p->enrollment = test_strdup(r->enrollment->id);
	rpc_free(r);
	if (login)
		p->token = invite_and_redeem(&op, d.addr, in->slug, p->person,
					     TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0, NULL);
}

static void
part_free(Part *p)
{
	free(p->person);
	free(p->enrollment);
	free(p->token);
}

static void
mk_coach_person(Coach *c, const Inst *in, const char *stem)
{
	memset(c, 0, sizeof *c);
	test_unique(c->name, sizeof c->name, stem);
	email_of(c->email, sizeof c->email, c->name);
	c->person = mk_person(in->slug, c->name, c->email);
}

static void
coach_free(Coach *c)
{
	free(c->person);
	free(c->token);
}

static Triad__V1__Response *
create_relation(const char *inst, const char *enrollment, const char *coach)
{
	REQ(req);
	Triad__V1__CreateRelationRequest m = TRIAD__V1__CREATE_RELATION_REQUEST__INIT;
	m.enrollment_id = (char *)enrollment;
	m.coach_person_id = (char *)coach;
	m.kind = TRIAD__V1__RELATION_KIND__RELATION_KIND_WORKPLACE_COACH;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_RELATION;
	req.create_relation = &m;
	return rpc_ok(&op, inst, &req);
}

/* Redeems an invite code on a fresh connection; returns the token. */
static char *
redeem(const char *code)
{
	int fd = tc_connect(d.addr);
	REQ(req);
	Triad__V1__RedeemInviteRequest m = TRIAD__V1__REDEEM_INVITE_REQUEST__INIT;
	m.code = (char *)code;
	m.token_label = "coach laptop";
	req.id = 7;
	req.body_case = TRIAD__V1__REQUEST__BODY_REDEEM_INVITE;
	req.redeem_invite = &m;
	tc_send(fd, &req);
	Triad__V1__Response *r = tc_recv(fd, 10000, NULL);
	close(fd);
	assert_non_null(r);
	if (r->status->code != CODE(OK))
		fail_msg("redeem: %s", r->status->message);
	assert_int_equal(r->redeem_invite->grant->role, TRIAD__V1__ROLE__ROLE_WORKPLACE_COACH);
	char *token = test_strdup(r->redeem_invite->token);
	rpc_free(r);
	return token;
}

/* A relation between p and coach c (a new person when c has none yet),
 * whose invite c redeems when the reply carries one. Returns its id. */
static char *
relate(Part *p, Coach *c)
{
	if (c->person == NULL)
		mk_coach_person(c, p->inst, "coach");
	Triad__V1__Response *r = create_relation(p->inst->slug, p->enrollment, c->person);
	assert_int_equal(r->create_relation->relation->status,
			 TRIAD__V1__RELATION_STATUS__RELATION_STATUS_ACTIVE);
	if (c->token == NULL) {
		assert_int_equal(strlen(r->create_relation->invite_code), 47);
		assert_int_equal(strncmp(r->create_relation->invite_code, "inv_", 4), 0);
		c->token = redeem(r->create_relation->invite_code);
	}
	char *id = test_strdup(r->create_relation->relation->id);
	rpc_free(r);
	return id;
}

static Triad__V1__Response *
give(Sess *s, const char *inst, const char *relation, const char *situation,
     const char *behaviour, const char *request, const char *key)
{
	REQ(req);
	Triad__V1__GiveFeedbackRequest m = TRIAD__V1__GIVE_FEEDBACK_REQUEST__INIT;
	m.relation_id = (char *)relation;
	m.situation = (char *)situation;
	m.behaviour = (char *)behaviour;
	m.effect = "The team agreed on a next step";
	m.suggestion = "Try it with the alderman too";
	m.request_id = (char *)(request != NULL ? request : "");
	req.idempotency_key = (char *)(key != NULL ? key : "");
	req.body_case = TRIAD__V1__REQUEST__BODY_GIVE_FEEDBACK;
	req.give_feedback = &m;
	return rpc(s, inst, &req);
}

/* Gives feedback that must succeed; returns its id. */
static char *
give_ok(Sess *s, const char *inst, const char *relation)
{
	Triad__V1__Response *r = give(s, inst, relation, "Tuesday's stakeholder meeting",
				      "You summarised both positions before proposing", NULL, NULL);
	expect_status(r, CODE(OK), NULL, NULL);
	char *id = test_strdup(r->feedback->id);
	rpc_free(r);
	return id;
}

static Triad__V1__Response *
list_feedback(Sess *s, const char *inst, const char *enrollment)
{
	REQ(req);
	Triad__V1__ListFeedbackRequest m = TRIAD__V1__LIST_FEEDBACK_REQUEST__INIT;
	m.enrollment_id = (char *)(enrollment != NULL ? enrollment : "");
	m.page_size = 100;
	req.body_case = TRIAD__V1__REQUEST__BODY_LIST_FEEDBACK;
	req.list_feedback = &m;
	return rpc_ok(s, inst, &req);
}

static Triad__V1__Response *
get_feedback(Sess *s, const char *inst, const char *id)
{
	REQ(req);
	Triad__V1__GetFeedbackRequest m = TRIAD__V1__GET_FEEDBACK_REQUEST__INIT;
	m.id = (char *)id;
	req.body_case = TRIAD__V1__REQUEST__BODY_GET_FEEDBACK;
	req.get_feedback = &m;
	return rpc(s, inst, &req);
}

static Triad__V1__Response *
list_coachees(Sess *s)
{
	REQ(req);
	Triad__V1__ListCoacheesRequest m = TRIAD__V1__LIST_COACHEES_REQUEST__INIT;
	req.body_case = TRIAD__V1__REQUEST__BODY_LIST_COACHEES;
	req.list_coachees = &m;
	return rpc_ok(s, NULL, &req);
}

static Triad__V1__Response *
list_requests(Sess *s)
{
	REQ(req);
	Triad__V1__ListFeedbackRequestsRequest m = TRIAD__V1__LIST_FEEDBACK_REQUESTS_REQUEST__INIT;
	req.body_case = TRIAD__V1__REQUEST__BODY_LIST_FEEDBACK_REQUESTS;
	req.list_feedback_requests = &m;
	return rpc_ok(s, NULL, &req);
}

static Triad__V1__Response *
ask(Sess *s, const char *inst, const char *relation, const char *question, const char *due)
{
	REQ(req);
	Triad__V1__RequestFeedbackRequest m = TRIAD__V1__REQUEST_FEEDBACK_REQUEST__INIT;
	m.relation_id = (char *)relation;
	m.question = (char *)question;
	m.due_on = (char *)(due != NULL ? due : "");
	req.body_case = TRIAD__V1__REQUEST__BODY_REQUEST_FEEDBACK;
	req.request_feedback = &m;
	return rpc(s, inst, &req);
}

static Triad__V1__Response *
set_consent(Part *p, const char *org, Triad__V1__ConsentLevel level)
{
	Sess s = sess_open(d.addr, p->token);
	REQ(req);
	Triad__V1__SetConsentRequest m = TRIAD__V1__SET_CONSENT_REQUEST__INIT;
	m.enrollment_id = p->enrollment;
	m.organisation_id = (char *)org;
	m.level = level;
	req.body_case = TRIAD__V1__REQUEST__BODY_SET_CONSENT;
	req.set_consent = &m;
	Triad__V1__Response *r = rpc(&s, p->inst->slug, &req);
	sess_close(&s);
	return r;
}

static Triad__V1__Response *
employer_view(Sess *s, const char *inst)
{
	REQ(req);
	Triad__V1__ListEmployerViewRequest m = TRIAD__V1__LIST_EMPLOYER_VIEW_REQUEST__INIT;
	req.body_case = TRIAD__V1__REQUEST__BODY_LIST_EMPLOYER_VIEW;
	req.list_employer_view = &m;
	return rpc_ok(s, inst, &req);
}

/* True when the audit trail of inst has action on resource. */
static bool
audited(const char *inst, const char *resource, const char *action)
{
	REQ(req);
	Triad__V1__ListAuditRequest m = TRIAD__V1__LIST_AUDIT_REQUEST__INIT;
	m.resource_id = (char *)resource;
	m.page_size = 100;
	req.body_case = TRIAD__V1__REQUEST__BODY_LIST_AUDIT;
	req.list_audit = &m;
	Triad__V1__Response *r = rpc_ok(&op, inst, &req);
	bool found = false;
	for (size_t i = 0; i < r->audit->n_events; i++)
		found |= strcmp(r->audit->events[i]->action, action) == 0;
	rpc_free(r);
	return found;
}

static int
setup(void **state)
{
	srand((unsigned)getpid() ^ (unsigned)time(NULL));
	triadd_start(&d, NULL);
	op = sess_open(d.addr, test_token());
	mk_inst(&A, "tri-a");
	mk_inst(&B, "tri-b");
	return 0;
}

static int
teardown(void **state)
{
	inst_free(&A);
	inst_free(&B);
	sess_close(&op);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
	return 0;
}

/* ---- 1. one coach, coachees at two institutions ---- */

static void
test_coach_in_two_institutions(void **state)
{
	Part pa, pa_none, pb, pa_other;
	mk_part(&pa, &A, "Anna", NULL, 0, true);
	mk_part(&pa_none, &A, "Bram", NULL, 0, false);
	mk_part(&pb, &B, "Cato", NULL, 0, true);
	mk_part(&pa_other, &A, "Daan", NULL, 0, true);

	/* Staff relate a coach who cannot sign in: the reply carries an invite. */
	Coach c;
	mk_coach_person(&c, &A, "Eva coach");
	Triad__V1__Response *r = create_relation(A.slug, pa.enrollment, c.person);
	Triad__V1__CreateRelationReply *cr = r->create_relation;
	assert_int_equal(strlen(cr->invite_code), 47);
	assert_int_equal(strncmp(cr->invite_code, "inv_", 4), 0);
	assert_string_equal(cr->relation->participant_name, pa.name);
	assert_string_equal(cr->relation->coach_name, c.name);
	assert_string_equal(cr->relation->coach_person_id, c.person);
	assert_int_equal(cr->relation->kind, TRIAD__V1__RELATION_KIND__RELATION_KIND_WORKPLACE_COACH);
	assert_int_equal(cr->relation->status, TRIAD__V1__RELATION_STATUS__RELATION_STATUS_ACTIVE);
	char *rel_a = test_strdup(cr->relation->id);
	c.token = redeem(cr->invite_code);
	rpc_free(r);

	/* The same e-mail at B is the same shared person. */
	char *again = mk_person(B.slug, c.name, c.email);
	assert_string_equal(again, c.person);
	free(again);
	r = create_relation(B.slug, pb.enrollment, c.person);
	assert_string_equal(r->create_relation->invite_code, "");
	char *rel_b = test_strdup(r->create_relation->relation->id);
	rpc_free(r);

	/* Someone else's coachee with an open request, for contrast. */
	Coach other = {0};
	char *rel_other = relate(&pa_other, &other);
	Sess ps = sess_open(d.addr, pa_other.token);
	rpc_free(ask(&ps, A.slug, rel_other, "How did I chair the meeting?", NULL));
	sess_close(&ps);

	/* Both coachees ask for feedback. */
	ps = sess_open(d.addr, pa.token);
	r = ask(&ps, A.slug, rel_a, "How do I come across to the board?", NULL);
	expect_status_free(r, CODE(OK), NULL, NULL);
	sess_close(&ps);
	ps = sess_open(d.addr, pb.token);
	r = ask(&ps, B.slug, rel_b, "Was my advice clear?", NULL);
	expect_status_free(r, CODE(OK), NULL, NULL);
	sess_close(&ps);

	/* One credential, both institutions, nothing else. */
	Sess cs = sess_open(d.addr, c.token);
	r = list_coachees(&cs);
	Triad__V1__ListCoacheesReply *cl = r->coachees;
	assert_int_equal(cl->n_coachees, 2);
	assert_string_equal(cl->coachees[0]->institution_slug, A.slug);
	assert_string_equal(cl->coachees[0]->participant_name, pa.name);
	assert_string_equal(cl->coachees[0]->relation_id, rel_a);
	assert_string_equal(cl->coachees[0]->enrollment_id, pa.enrollment);
	assert_string_equal(cl->coachees[0]->programme_code, A.programme_code);
	assert_int_equal(cl->coachees[0]->open_requests, 1);
	assert_string_equal(cl->coachees[0]->last_feedback_at, "");
	assert_string_equal(cl->coachees[1]->institution_slug, B.slug);
	assert_string_equal(cl->coachees[1]->participant_name, pb.name);
	assert_string_equal(cl->coachees[1]->relation_id, rel_b);
	assert_string_equal(cl->coachees[1]->programme_code, B.programme_code);
	rpc_free(r);

	r = list_requests(&cs);
	Triad__V1__ListFeedbackRequestsReply *rl = r->feedback_requests;
	assert_int_equal(rl->n_requests, 2);
	bool seen_a = false, seen_b = false;
	for (size_t i = 0; i < rl->n_requests; i++) {
		assert_string_equal(rl->requests[i]->coach_name, c.name);
		if (strcmp(rl->requests[i]->institution_slug, A.slug) == 0) {
			assert_string_equal(rl->requests[i]->participant_name, pa.name);
			assert_string_equal(rl->requests[i]->relation_id, rel_a);
			seen_a = true;
		} else {
			assert_string_equal(rl->requests[i]->institution_slug, B.slug);
			assert_string_equal(rl->requests[i]->participant_name, pb.name);
			seen_b = true;
		}
	}
	assert_true(seen_a && seen_b);
	rpc_free(r);

	/* The grant at B came with the relation: feedback there works. */
	free(give_ok(&cs, B.slug, rel_b));
	sess_close(&cs);

	free(rel_a);
	free(rel_b);
	free(rel_other);
	coach_free(&c);
	coach_free(&other);
	part_free(&pa);
	part_free(&pa_none);
	part_free(&pb);
	part_free(&pa_other);
}

/* ---- 2. giving feedback, and who reads it ---- */

static void
test_give_feedback(void **state)
{
	Part p, q;
	Coach c = {0}, c2 = {0};
	mk_part(&p, &A, "Fenna", NULL, 0, true);
	mk_part(&q, &A, "Gijs", NULL, 0, true);
	char *rel = relate(&p, &c);
	char *rel_q = relate(&q, &c2);

	Sess cs = sess_open(d.addr, c.token);
	Triad__V1__Response *r = give(&cs, A.slug, rel, "", "You listened first", NULL, NULL);
	expect_status_free(r, CODE(INVALID_ARGUMENT), NULL, "give_feedback.situation");
	r = give(&cs, A.slug, rel, "The team meeting", "  ", NULL, NULL);
	expect_status_free(r, CODE(INVALID_ARGUMENT), NULL, "give_feedback.behaviour");

	/* Another coach's relation and an id that does not exist: one answer. */
	char *ghost = calloc(1, 37);
	random_uuid(ghost);
	r = give(&cs, A.slug, rel_q, "The team meeting", "You listened first", NULL, NULL);
	expect_status_free(r, CODE(NOT_FOUND), NOT_A_COACH, NULL);
	r = give(&cs, A.slug, ghost, "The team meeting", "You listened first", NULL, NULL);
	expect_status_free(r, CODE(NOT_FOUND), NOT_A_COACH, NULL);

	r = give(&cs, A.slug, rel, "Tuesday's stakeholder meeting",
		 "You summarised both positions before proposing", NULL, NULL);
	expect_status(r, CODE(OK), NULL, NULL);
	Triad__V1__Feedback *f = r->feedback;
	assert_string_equal(f->relation_id, rel);
	assert_string_equal(f->enrollment_id, p.enrollment);
	assert_string_equal(f->participant_name, p.name);
	assert_string_equal(f->coach_name, c.name);
	assert_string_equal(f->situation, "Tuesday's stakeholder meeting");
	assert_string_equal(f->behaviour, "You summarised both positions before proposing");
	assert_string_equal(f->effect, "The team agreed on a next step");
	assert_string_equal(f->edited_at, "");
	assert_true(f->created_at[0] != '\0');
	/* The answer is the row as GetFeedback shows it, field by field. */
	Triad__V1__Response *g = get_feedback(&cs, A.slug, f->id);
	expect_status(g, CODE(OK), NULL, NULL);
	size_t given_len = triad__v1__feedback__get_packed_size(f);
	assert_int_equal(triad__v1__feedback__get_packed_size(g->feedback), given_len);
	uint8_t *given = malloc(given_len), *got = malloc(given_len);
	assert_true(given != NULL && got != NULL);
	triad__v1__feedback__pack(f, given);
	triad__v1__feedback__pack(g->feedback, got);
	assert_memory_equal(given, got, given_len);
	free(given);
	free(got);
	rpc_free(g);
	char *fid = test_strdup(f->id);
	rpc_free(r);
	sess_close(&cs);

	/* The participant reads it. */
	Sess ps = sess_open(d.addr, p.token);
	r = list_feedback(&ps, A.slug, NULL);
	assert_int_equal(r->feedback_list->n_feedback, 1);
	assert_string_equal(r->feedback_list->feedback[0]->id, fid);
	rpc_free(r);
	r = get_feedback(&ps, A.slug, fid);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->feedback->behaviour, "You summarised both positions before proposing");
	rpc_free(r);
	sess_close(&ps);

	/* Another participant does not. */
	ps = sess_open(d.addr, q.token);
	expect_status_free(get_feedback(&ps, A.slug, fid), CODE(NOT_FOUND), NULL, NULL);
	r = list_feedback(&ps, A.slug, NULL);
	assert_int_equal(r->feedback_list->n_feedback, 0);
	rpc_free(r);
	sess_close(&ps);

	/* Staff do. */
	r = list_feedback(&op, A.slug, p.enrollment);
	assert_int_equal(r->feedback_list->n_feedback, 1);
	assert_string_equal(r->feedback_list->feedback[0]->id, fid);
	rpc_free(r);
	expect_status_free(get_feedback(&op, A.slug, fid), CODE(OK), NULL, NULL);

	free(ghost);
	free(fid);
	free(rel);
	free(rel_q);
	coach_free(&c);
	coach_free(&c2);
	part_free(&p);
	part_free(&q);
}

/* ---- times travel as integers ---- */

/* The wall clock in microseconds since the epoch. */
static int64_t
now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* us as RFC 3339 in UTC to the second, by strftime(), not the daemon's code. */
static void
rfc3339(int64_t us, char *buf, size_t len)
{
	time_t t = (time_t)(us / 1000000 - (us % 1000000 < 0));
	struct tm tm;
	assert_non_null(gmtime_r(&t, &tm));
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
test_feedback_times_are_integers(void **state)
{
	(void)state;
	Part p;
	Coach c = {0};
	mk_part(&p, &A, "Hanna", NULL, 0, true);
	char *rel = relate(&p, &c);

	Sess cs = sess_open(d.addr, c.token);
	int64_t before = now_us();
	char *fid = give_ok(&cs, A.slug, rel);
	int64_t after = now_us();
	sess_close(&cs);

	Sess ps = sess_open(d.addr, p.token);
	Triad__V1__Response *r = list_feedback(&ps, A.slug, NULL);
	assert_int_equal(r->feedback_list->n_feedback, 1);
	Triad__V1__Feedback *f = r->feedback_list->feedback[0];
	assert_string_equal(f->id, fid);
	/* Within a few seconds of the wall clock (the database's clock is
	 * this machine's), with microseconds. */
	assert_true(f->created_at_us >= before - 5000000);
	assert_true(f->created_at_us <= after + 5000000);
	/* The deprecated text is the same instant, as it always was written. */
	char want[32];
	rfc3339(f->created_at_us, want, sizeof want);
	assert_string_equal(f->created_at, want);
	/* And PostgreSQL agrees: its own text and microseconds of the row. */
	char *pg = owner_sql("SELECT triad_ts(created_at) || ' ' || triad_us(created_at)"
			     "  FROM feedback WHERE id = $1::uuid", fid, NULL, NULL);
	char got[64];
	snprintf(got, sizeof got, "%s %lld", f->created_at, (long long)f->created_at_us);
	assert_string_equal(pg, got);
	free(pg);
	/* Never edited: both unset. */
	assert_int_equal(f->edited_at_us, 0);
	assert_string_equal(f->edited_at, "");
	rpc_free(r);

	/* GetFeedback says the same. */
	r = get_feedback(&ps, A.slug, fid);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->feedback->created_at, want);
	rpc_free(r);
	sess_close(&ps);

	free(fid);
	free(rel);
	coach_free(&c);
	part_free(&p);
}

/* ---- 3. a retry with the same key adds nothing ---- */

static void
test_feedback_idempotency(void **state)
{
	Part p;
	Coach c = {0};
	mk_part(&p, &A, "Hanna", NULL, 0, false);
	char *rel = relate(&p, &c);
	char key[64], key2[64];
	test_unique(key, sizeof key, "fb-key");
	test_unique(key2, sizeof key2, "fb-key");

	Sess cs = sess_open(d.addr, c.token);
	Triad__V1__Response *r1 = give(&cs, A.slug, rel, "The budget round", "You asked for data", NULL, key);
	Triad__V1__Response *r2 = give(&cs, A.slug, rel, "The budget round", "You asked for data", NULL, key);
	expect_status(r1, CODE(OK), NULL, NULL);
	expect_status(r2, CODE(OK), NULL, NULL);
	assert_string_equal(r1->feedback->id, r2->feedback->id);
	rpc_free(r2);

	Triad__V1__Response *l = list_feedback(&op, A.slug, p.enrollment);
	assert_int_equal(l->feedback_list->n_feedback, 1);
	assert_string_equal(l->feedback_list->feedback[0]->id, r1->feedback->id);
	rpc_free(l);

	r2 = give(&cs, A.slug, rel, "The budget round", "You asked for data", NULL, key2);
	expect_status(r2, CODE(OK), NULL, NULL);
	assert_string_not_equal(r1->feedback->id, r2->feedback->id);
	l = list_feedback(&op, A.slug, p.enrollment);
	assert_int_equal(l->feedback_list->n_feedback, 2);
	rpc_free(l);
	rpc_free(r1);
	rpc_free(r2);
	sess_close(&cs);

	free(rel);
	coach_free(&c);
	part_free(&p);
}

/* ---- 4. the author edits for 24 hours ---- */

static Triad__V1__Response *
edit(Sess *s, const char *id, const char *situation)
{
	REQ(req);
	Triad__V1__EditFeedbackRequest m = TRIAD__V1__EDIT_FEEDBACK_REQUEST__INIT;
	m.id = (char *)id;
	m.situation = (char *)situation;
	m.behaviour = "You summarised both positions, then proposed a pilot";
	req.body_case = TRIAD__V1__REQUEST__BODY_EDIT_FEEDBACK;
	req.edit_feedback = &m;
	return rpc(s, A.slug, &req);
}

static void
test_feedback_edit_window(void **state)
{
	Part p, q;
	Coach c = {0}, c2 = {0};
	mk_part(&p, &A, "Iris", NULL, 0, false);
	mk_part(&q, &A, "Joost", NULL, 0, false);
	char *rel = relate(&p, &c);
	char *rel_q = relate(&q, &c2);

	Sess cs = sess_open(d.addr, c.token);
	char *fid = give_ok(&cs, A.slug, rel);
	Triad__V1__Response *r = edit(&cs, fid, "Tuesday's stakeholder meeting at the town hall");
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->feedback->situation, "Tuesday's stakeholder meeting at the town hall");
	assert_string_equal(r->feedback->behaviour,
			    "You summarised both positions, then proposed a pilot");
	assert_true(r->feedback->edited_at[0] != '\0');
	rpc_free(r);
	assert_true(audited(A.slug, fid, "feedback.edit"));
	/* The rules of giving hold for editing. */
	expect_status_free(edit(&cs, fid, ""), CODE(INVALID_ARGUMENT), NULL, "edit_feedback.situation");

	/* Another coach (of the same institution) cannot touch it. */
	Sess c2s = sess_open(d.addr, c2.token);
	expect_status_free(edit(&c2s, fid, "Rewritten"), CODE(NOT_FOUND), NULL, NULL);
	sess_close(&c2s);

	/* A day and an hour later it is final. */
	char *n = owner_sql("UPDATE feedback SET created_at = now() - interval '25 hours'"
			    " WHERE id = $1::uuid", fid, NULL, NULL);
	assert_string_equal(n, "1");
	free(n);
	r = edit(&cs, fid, "Too late");
	expect_status(r, CODE(FAILED_PRECONDITION), NULL, NULL);
	const char *want = "feedback can be changed for 24 hours after it is given; this was given on ";
	if (strncmp(r->status->message, want, strlen(want)) != 0)
		fail_msg("message: %s", r->status->message);
	rpc_free(r);
	r = get_feedback(&cs, A.slug, fid);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->feedback->situation, "Tuesday's stakeholder meeting at the town hall");
	rpc_free(r);
	sess_close(&cs);

	free(fid);
	free(rel);
	free(rel_q);
	coach_free(&c);
	coach_free(&c2);
	part_free(&p);
	part_free(&q);
}

/* ---- 5. an ended relation ---- */

static void
test_end_relation(void **state)
{
	Part p;
	Coach c = {0};
	mk_part(&p, &A, "Kees", NULL, 0, true);
	char *rel = relate(&p, &c);
	Sess cs = sess_open(d.addr, c.token);
	char *fid = give_ok(&cs, A.slug, rel);
	Triad__V1__Response *r = list_coachees(&cs);
	assert_int_equal(r->coachees->n_coachees, 1);
	assert_true(r->coachees->coachees[0]->last_feedback_at[0] != '\0');
	rpc_free(r);

	REQ(req);
	Triad__V1__EndRelationRequest m = TRIAD__V1__END_RELATION_REQUEST__INIT;
	m.id = rel;
	req.body_case = TRIAD__V1__REQUEST__BODY_END_RELATION;
	req.end_relation = &m;
	r = rpc_ok(&op, A.slug, &req);
	assert_int_equal(r->relation->status, TRIAD__V1__RELATION_STATUS__RELATION_STATUS_ENDED);
	assert_true(r->relation->ends_on[0] != '\0');
	rpc_free(r);
	expect_status_free(rpc(&op, A.slug, &req), CODE(FAILED_PRECONDITION),
		    "the relation has already ended", NULL);

	r = list_coachees(&cs);
	assert_int_equal(r->coachees->n_coachees, 0);
	rpc_free(r);
	r = give(&cs, A.slug, rel, "The team meeting", "You listened first", NULL, NULL);
	expect_status_free(r, CODE(NOT_FOUND), NOT_A_COACH, NULL);
	expect_status_free(get_feedback(&cs, A.slug, fid), CODE(NOT_FOUND), NULL, NULL);
	r = list_feedback(&cs, A.slug, NULL);
	assert_int_equal(r->feedback_list->n_feedback, 0);
	rpc_free(r);
	sess_close(&cs);

	/* The feedback stays the participant's. */
	Sess ps = sess_open(d.addr, p.token);
	r = get_feedback(&ps, A.slug, fid);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->feedback->coach_name, c.name);
	rpc_free(r);
	sess_close(&ps);

	free(fid);
	free(rel);
	coach_free(&c);
	part_free(&p);
}

/* ---- 6. feedback requests ---- */

static void
test_feedback_requests(void **state)
{
	Part p, q;
	Coach c = {0};
	mk_part(&p, &A, "Lotte", NULL, 0, true);
	mk_part(&q, &A, "Maarten", NULL, 0, true);
	char *rel = relate(&p, &c);
	char *yesterday = owner_sql("SELECT (current_date - 1)::text", NULL, NULL, NULL);
	char *next_week = owner_sql("SELECT (current_date + 7)::text", NULL, NULL, NULL);

	Sess ps = sess_open(d.addr, p.token);
	expect_status_free(ask(&ps, A.slug, rel, " ", NULL), CODE(INVALID_ARGUMENT), NULL,
		    "request_feedback.question");
	Triad__V1__Response *r = ask(&ps, A.slug, rel, "Is my research question feasible?", next_week);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->feedback_request->due_on, next_week);
	assert_false(r->feedback_request->overdue);
	char *later = test_strdup(r->feedback_request->id);
	rpc_free(r);
	/* A day that has passed everywhere on earth is refused; one asked for
	 * today and left unanswered past its day is overdue (backdated here). */
	char *long_ago = owner_sql("SELECT (current_date - 2)::text", NULL, NULL, NULL);
	r = ask(&ps, A.slug, rel, "How did my presentation land?", long_ago);
	expect_status(r, CODE(INVALID_ARGUMENT), NULL, "request_feedback.due_on");
	expect_contains(r->status->message, "has passed");
	rpc_free(r);
	free(long_ago);
	r = ask(&ps, A.slug, rel, "How did my presentation land?", next_week);
	expect_status(r, CODE(OK), NULL, NULL);
	char *overdue = test_strdup(r->feedback_request->id);
	rpc_free(r);
	free(owner_sql("UPDATE feedback_request SET due_on = current_date - 1 WHERE id = $1::uuid",
		       overdue, NULL, NULL));
	sess_close(&ps);

	/* Someone else's relation does not exist for q. */
	Sess qs = sess_open(d.addr, q.token);
	expect_status_free(ask(&qs, A.slug, rel, "And mine?", NULL), CODE(NOT_FOUND), NULL,
		    "request_feedback.relation_id");
	sess_close(&qs);

	Sess cs = sess_open(d.addr, c.token);
	r = list_requests(&cs);
	Triad__V1__ListFeedbackRequestsReply *l = r->feedback_requests;
	assert_int_equal(l->n_requests, 2);
	assert_string_equal(l->requests[0]->id, overdue);
	assert_true(l->requests[0]->overdue);
	assert_string_equal(l->requests[0]->due_on, yesterday);
	assert_string_equal(l->requests[0]->question, "How did my presentation land?");
	assert_string_equal(l->requests[0]->participant_name, p.name);
	assert_string_equal(l->requests[0]->institution_slug, A.slug);
	assert_string_equal(l->requests[1]->id, later);
	assert_false(l->requests[1]->overdue);
	rpc_free(r);

	/* Answering takes it off the list. */
	r = give(&cs, A.slug, rel, "Thursday's presentation to the board",
		 "You opened with the question the board had", overdue, NULL);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->feedback->request_id, overdue);
	rpc_free(r);
	r = list_requests(&cs);
	assert_int_equal(r->feedback_requests->n_requests, 1);
	assert_string_equal(r->feedback_requests->requests[0]->id, later);
	rpc_free(r);
	r = list_coachees(&cs);
	assert_int_equal(r->coachees->n_coachees, 1);
	assert_int_equal(r->coachees->coachees[0]->open_requests, 1);
	rpc_free(r);
	sess_close(&cs);

	free(yesterday);
	free(next_week);
	free(later);
	free(overdue);
	free(rel);
	coach_free(&c);
	part_free(&p);
	part_free(&q);
}

/* ---- 7. consent and what the employer sees ---- */

static char *
employer_contact(const Inst *in, const char *org)
{
	char name[80], email[128];
	test_unique(name, sizeof name, "HR contact");
	email_of(email, sizeof email, name);
	char *person = mk_person(in->slug, name, email);
	char *token = invite_and_redeem(&op, d.addr, in->slug, person,
					TRIAD__V1__ROLE__ROLE_EMPLOYER_CONTACT, 0, org);
	free(person);
	return token;
}

static void
test_consent_and_employer_view(void **state)
{
	char *e = mk_org("Gemeente Zaanstad");
	char *f = mk_org("Provincie Utrecht");
	Part p, p2;
	Coach c = {0};
	mk_part(&p, &A, "Noor", e, 8, true);
	mk_part(&p2, &A, "Olaf", e, 16, false);
	char *rel = relate(&p, &c);
	Sess cs = sess_open(d.addr, c.token);
	char *fid = give_ok(&cs, A.slug, rel);
	sess_close(&cs);

	/* Progress to show: a session attended and the module completed. */
	REQ(ra);
	Triad__V1__RecordAttendanceRequest am = TRIAD__V1__RECORD_ATTENDANCE_REQUEST__INIT;
	am.session_id = A.session;
	am.enrollment_id = p.enrollment;
	am.status = TRIAD__V1__ATTENDANCE_STATUS__ATTENDANCE_STATUS_PRESENT;
	ra.body_case = TRIAD__V1__REQUEST__BODY_RECORD_ATTENDANCE;
	ra.record_attendance = &am;
	rpc_free(rpc_ok(&op, A.slug, &ra));
	REQ(rc);
	Triad__V1__CompleteModuleRequest cm = TRIAD__V1__COMPLETE_MODULE_REQUEST__INIT;
	cm.enrollment_id = p.enrollment;
	cm.module_id = A.module;
	rc.body_case = TRIAD__V1__REQUEST__BODY_COMPLETE_MODULE;
	rc.complete_module = &cm;
	rpc_free(rpc_ok(&op, A.slug, &rc));

	char *hr_token = employer_contact(&A, e);
	char *hr_f_token = employer_contact(&A, f);
	Sess hr = sess_open(d.addr, hr_token);
	Sess hr_f = sess_open(d.addr, hr_f_token);

	/* None is the default: nobody. */
	Triad__V1__Response *r = employer_view(&hr, A.slug);
	assert_int_equal(r->employer_view->n_participants, 0);
	assert_int_equal(r->employer_view->n_feedback, 0);
	rpc_free(r);

	/* Progress: the participant, without feedback. */
	r = set_consent(&p, e, TRIAD__V1__CONSENT_LEVEL__CONSENT_LEVEL_PROGRESS);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->consent->level, TRIAD__V1__CONSENT_LEVEL__CONSENT_LEVEL_PROGRESS);
	assert_string_equal(r->consent->organisation_id, e);
	rpc_free(r);
	r = employer_view(&hr, A.slug);
	Triad__V1__ListEmployerViewReply *v = r->employer_view;
	assert_int_equal(v->n_participants, 1);
	Triad__V1__EmployerView *ev = v->participants[0];
	assert_string_equal(ev->enrollment_id, p.enrollment);
	assert_string_equal(ev->participant_name, p.name);
	assert_string_equal(ev->programme_code, A.programme_code);
	assert_int_equal(ev->consent, TRIAD__V1__CONSENT_LEVEL__CONSENT_LEVEL_PROGRESS);
	assert_true(ev->status[0] != '\0');
	assert_true(ev->credits_earned == 5);
	assert_true(ev->credits_required == 60);
	assert_int_equal(ev->modules_completed, 1);
	assert_int_equal(ev->modules_total, 1);
	assert_int_equal(ev->sessions_attended, 1);
	assert_int_equal(ev->sessions_missed, 0);
	assert_int_equal(v->n_feedback, 0);
	rpc_free(r);

	/* Full: the coach's feedback too. */
	rpc_free(rpc_ok(&op, A.slug, &ra));   /* harmless repeat: nothing changes */
	r = set_consent(&p, e, TRIAD__V1__CONSENT_LEVEL__CONSENT_LEVEL_FULL);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->consent->level, TRIAD__V1__CONSENT_LEVEL__CONSENT_LEVEL_FULL);
	rpc_free(r);
	r = employer_view(&hr, A.slug);
	v = r->employer_view;
	assert_int_equal(v->n_participants, 1);
	assert_int_equal(v->participants[0]->consent, TRIAD__V1__CONSENT_LEVEL__CONSENT_LEVEL_FULL);
	assert_int_equal(v->n_feedback, 1);
	assert_string_equal(v->feedback[0]->id, fid);
	assert_string_equal(v->feedback[0]->enrollment_id, p.enrollment);
	assert_string_equal(v->feedback[0]->coach_name, c.name);
	rpc_free(r);

	/* Another employer sees nothing, even with consent it cannot use. */
	r = set_consent(&p, f, TRIAD__V1__CONSENT_LEVEL__CONSENT_LEVEL_FULL);
	expect_status_free(r, CODE(OK), NULL, NULL);
	r = employer_view(&hr_f, A.slug);
	assert_int_equal(r->employer_view->n_participants, 0);
	assert_int_equal(r->employer_view->n_feedback, 0);
	rpc_free(r);

	/* Back to none: hidden again. */
	r = set_consent(&p, e, TRIAD__V1__CONSENT_LEVEL__CONSENT_LEVEL_NONE);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->consent->level, TRIAD__V1__CONSENT_LEVEL__CONSENT_LEVEL_NONE);
	rpc_free(r);
	r = employer_view(&hr, A.slug);
	assert_int_equal(r->employer_view->n_participants, 0);
	assert_int_equal(r->employer_view->n_feedback, 0);
	rpc_free(r);

	assert_true(audited(A.slug, p.enrollment, "consent.progress"));
	assert_true(audited(A.slug, p.enrollment, "consent.full"));
	assert_true(audited(A.slug, p.enrollment, "consent.none"));

	/* Only the participant sets consent. */
	REQ(sc);
	Triad__V1__SetConsentRequest scm = TRIAD__V1__SET_CONSENT_REQUEST__INIT;
	scm.enrollment_id = p.enrollment;
	scm.organisation_id = e;
	scm.level = TRIAD__V1__CONSENT_LEVEL__CONSENT_LEVEL_FULL;
	sc.body_case = TRIAD__V1__REQUEST__BODY_SET_CONSENT;
	sc.set_consent = &scm;
	expect_status_free(rpc(&hr, A.slug, &sc), CODE(PERMISSION_DENIED), NULL, NULL);

	sess_close(&hr);
	sess_close(&hr_f);
	free(hr_token);
	free(hr_f_token);
	free(fid);
	free(rel);
	free(e);
	free(f);
	coach_free(&c);
	part_free(&p);
	part_free(&p2);
}

/* ---- 8. the employer advises; nobody outside grades ---- */

static Triad__V1__Response *
judge(Sess *s, const char *enrollment, const char *subject)
{
	REQ(req);
	Triad__V1__AddAdvisoryJudgementRequest m = TRIAD__V1__ADD_ADVISORY_JUDGEMENT_REQUEST__INIT;
	m.enrollment_id = (char *)enrollment;
	m.subject = (char *)subject;
	m.text = "The intervention changed how our team plans the budget round.";
	req.body_case = TRIAD__V1__REQUEST__BODY_ADD_ADVISORY_JUDGEMENT;
	req.add_advisory_judgement = &m;
	return rpc(s, A.slug, &req);
}

static void
test_advisory_judgement_and_no_grades(void **state)
{
	char *e = mk_org("Gemeente Almere");
	char *f = mk_org("Rijkswaterstaat");
	Part p, other;
	Coach c = {0};
	mk_part(&p, &A, "Pieter", e, 8, false);
	mk_part(&other, &A, "Quinten", f, 8, false);
	char *rel = relate(&p, &c);
	char *hr_token = employer_contact(&A, e);
	Sess hr = sess_open(d.addr, hr_token);

	Triad__V1__Response *r = judge(&hr, p.enrollment, "");
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->advisory_judgement->subject, "intervention");
	assert_string_equal(r->advisory_judgement->enrollment_id, p.enrollment);
	assert_string_equal(r->advisory_judgement->organisation_id, e);
	rpc_free(r);
	r = judge(&hr, p.enrollment, "intervention");
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->advisory_judgement->subject, "intervention");
	rpc_free(r);
	expect_status_free(judge(&hr, p.enrollment, "paper 3"), CODE(INVALID_ARGUMENT), NULL,
		    "add_advisory_judgement.subject");
	expect_status_free(judge(&hr, other.enrollment, "intervention"), CODE(NOT_FOUND), NULL, NULL);
	sess_close(&hr);

	/* A coach cannot decide on prior learning, and has nothing to grade with. */
	Sess cs = sess_open(d.addr, c.token);
	char ghost[37];
	random_uuid(ghost);
	REQ(req);
	Triad__V1__DecideClaimRequest m = TRIAD__V1__DECIDE_CLAIM_REQUEST__INIT;
	m.id = ghost;
	m.validate = true;
	req.body_case = TRIAD__V1__REQUEST__BODY_DECIDE_CLAIM;
	req.decide_claim = &m;
	expect_status_free(rpc(&cs, A.slug, &req), CODE(PERMISSION_DENIED), NULL, NULL);
	expect_status_free(judge(&cs, p.enrollment, ""), CODE(PERMISSION_DENIED), NULL, NULL);
	sess_close(&cs);

	const ProtobufCMessageDescriptor *descs[] = {&triad__v1__give_feedback_request__descriptor,
						     &triad__v1__edit_feedback_request__descriptor,
						     &triad__v1__feedback__descriptor};
	for (size_t k = 0; k < sizeof descs / sizeof descs[0]; k++) {
		assert_true(descs[k]->n_fields > 0);
		for (unsigned i = 0; i < descs[k]->n_fields; i++) {
			const char *name = descs[k]->fields[i].name;
			if (strstr(name, "grade") != NULL || strstr(name, "score") != NULL)
				fail_msg("%s has a field %s", descs[k]->name, name);
		}
	}

	free(hr_token);
	free(rel);
	free(e);
	free(f);
	coach_free(&c);
	part_free(&p);
	part_free(&other);
}

/* ---- 9. agreements and the hours ledger ---- */

static Triad__V1__Response *
agree(const char *org, Triad__V1__AgreementKind kind, const char *starts_on, double hours,
      char **members, size_t n_members)
{
	static char *contacts[] = {"J. de Vries (HR)", "M. Bakker (team lead)"};
	static char *ambassadors[] = {"Director public works"};
	REQ(req);
	Triad__V1__CreateAgreementRequest m = TRIAD__V1__CREATE_AGREEMENT_REQUEST__INIT;
	Triad__V1__Agreement a = TRIAD__V1__AGREEMENT__INIT;
	a.organisation_id = (char *)org;
	a.kind = kind;
	a.starts_on = (char *)starts_on;
	a.hours_per_week = hours;
	a.change_assignments = 2;
	a.internship_places = 1;
	a.contacts = contacts;
	a.n_contacts = 2;
	a.ambassadors = ambassadors;
	a.n_ambassadors = 1;
	a.members = members;
	a.n_members = n_members;
	m.agreement = &a;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_AGREEMENT;
	req.create_agreement = &m;
	return rpc(&op, A.slug, &req);
}

static Triad__V1__Partner *
find_partner(Triad__V1__ListPartnersReply *l, const char *org)
{
	for (size_t i = 0; i < l->n_partners; i++) {
		if (strcmp(l->partners[i]->organisation_id, org) == 0)
			return l->partners[i];
	}
	return NULL;
}

static Triad__V1__Response *
list_partners(void)
{
	REQ(req);
	Triad__V1__ListPartnersRequest m = TRIAD__V1__LIST_PARTNERS_REQUEST__INIT;
	m.page_size = 100;
	req.body_case = TRIAD__V1__REQUEST__BODY_LIST_PARTNERS;
	req.list_partners = &m;
	return rpc_ok(&op, A.slug, &req);
}

static void
test_agreements_and_ledger(void **state)
{
	char *e = mk_org("Gemeente Haarlem");
	char *net = mk_org("Netwerk Kleine Gemeenten");
	Part p;
	mk_part(&p, &A, "Roos", e, 8, false);
	static char *members[] = {"Gemeente Bloemendaal", "Gemeente Zandvoort"};

	Triad__V1__Response *r = agree(e, TRIAD__V1__AGREEMENT_KIND__AGREEMENT_KIND_PROFESSIONAL_WORKPLACE,
				       "2025-09-01", 16, NULL, 0);
	expect_status(r, CODE(OK), NULL, NULL);
	Triad__V1__Agreement *a = r->agreement;
	assert_string_equal(a->organisation_id, e);
	assert_int_equal(a->kind, TRIAD__V1__AGREEMENT_KIND__AGREEMENT_KIND_PROFESSIONAL_WORKPLACE);
	assert_string_equal(a->starts_on, "2025-09-01");
	assert_string_equal(a->ends_on, "");
	assert_true(a->hours_per_week == 16);
	assert_int_equal(a->change_assignments, 2);
	assert_int_equal(a->internship_places, 1);
	assert_int_equal(a->n_contacts, 2);
	assert_string_equal(a->contacts[0], "J. de Vries (HR)");
	assert_string_equal(a->contacts[1], "M. Bakker (team lead)");
	assert_int_equal(a->n_ambassadors, 1);
	assert_string_equal(a->ambassadors[0], "Director public works");
	assert_int_equal(a->n_members, 0);
	char *agreement = test_strdup(a->id);
	rpc_free(r);
	assert_true(audited(A.slug, agreement, "agreement.create"));

	/* Only a professional network bundles members. */
	expect_status_free(agree(e, TRIAD__V1__AGREEMENT_KIND__AGREEMENT_KIND_COVENANT, "2025-09-01", 0,
			  members, 2),
		    CODE(INVALID_ARGUMENT), NULL, "create_agreement.agreement.members");
	expect_status_free(agree(e, TRIAD__V1__AGREEMENT_KIND__AGREEMENT_KIND_PROFESSIONAL_WORKPLACE,
			  "2025-09-01", 0, members, 2),
		    CODE(INVALID_ARGUMENT), NULL, "create_agreement.agreement.members");
	r = agree(net, TRIAD__V1__AGREEMENT_KIND__AGREEMENT_KIND_PROFESSIONAL_NETWORK, "2025-09-01",
		  4, members, 2);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->agreement->n_members, 2);
	assert_string_equal(r->agreement->members[1], "Gemeente Zandvoort");
	rpc_free(r);

	/* The ledger: committed against recorded. */
	r = list_partners();
	Triad__V1__Partner *pe = find_partner(r->partners, e);
	assert_non_null(pe);
	assert_int_equal(pe->agreements, 1);
	assert_true(pe->hours_committed == 16);
	assert_true(pe->hours_recorded == 8);
	assert_int_equal(pe->participants, 1);
	Triad__V1__Partner *pn = find_partner(r->partners, net);
	assert_non_null(pn);
	assert_true(pn->hours_committed == 4);
	assert_true(pn->hours_recorded == 0);
	rpc_free(r);

	/* An agreement cannot end before it starts. */
	REQ(req);
	Triad__V1__EndAgreementRequest m = TRIAD__V1__END_AGREEMENT_REQUEST__INIT;
	m.id = agreement;
	m.ends_on = "2025-08-31";
	req.body_case = TRIAD__V1__REQUEST__BODY_END_AGREEMENT;
	req.end_agreement = &m;
	expect_status_free(rpc(&op, A.slug, &req), CODE(INVALID_ARGUMENT),
		    "an agreement cannot end before it starts", "end_agreement.ends_on");
	/* Ended yesterday, it no longer counts. */
	char *yesterday = owner_sql("SELECT (current_date - 1)::text", NULL, NULL, NULL);
	m.ends_on = yesterday;
	r = rpc_ok(&op, A.slug, &req);
	assert_string_equal(r->agreement->ends_on, yesterday);
	rpc_free(r);
	assert_true(audited(A.slug, agreement, "agreement.end"));
	free(yesterday);
	r = list_partners();
	assert_null(find_partner(r->partners, e));
	rpc_free(r);

	free(agreement);
	free(e);
	free(net);
	part_free(&p);
}

/* ---- 10. a participant proposes, staff approve ---- */

static void
test_propose_and_approve(void **state)
{
	Part p, q;
	Coach c = {0};
	mk_part(&q, &A, "Sanne", NULL, 0, false);
	mk_part(&p, &A, "Thijs", NULL, 0, true);
	char *rel_q = relate(&q, &c);   /* c can sign in from here on */

	Sess ps = sess_open(d.addr, p.token);
	REQ(req);
	Triad__V1__ProposeRelationRequest m = TRIAD__V1__PROPOSE_RELATION_REQUEST__INIT;
	m.enrollment_id = q.enrollment;
	m.coach_person_id = c.person;
	m.kind = TRIAD__V1__RELATION_KIND__RELATION_KIND_CONFIDANT;
	req.body_case = TRIAD__V1__REQUEST__BODY_PROPOSE_RELATION;
	req.propose_relation = &m;
	expect_status_free(rpc(&ps, A.slug, &req), CODE(NOT_FOUND), NULL, "propose_relation.enrollment_id");
	m.enrollment_id = p.enrollment;
	Triad__V1__Response *r = rpc(&ps, A.slug, &req);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->relation->status, TRIAD__V1__RELATION_STATUS__RELATION_STATUS_PROPOSED);
	assert_int_equal(r->relation->kind, TRIAD__V1__RELATION_KIND__RELATION_KIND_CONFIDANT);
	assert_string_equal(r->relation->coach_person_id, c.person);
	char *rel = test_strdup(r->relation->id);
	rpc_free(r);

	/* Proposed is not yet coaching. */
	Sess cs = sess_open(d.addr, c.token);
	r = list_coachees(&cs);
	assert_int_equal(r->coachees->n_coachees, 1);
	assert_string_equal(r->coachees->coachees[0]->relation_id, rel_q);
	rpc_free(r);
	r = give(&cs, A.slug, rel, "The team meeting", "You listened first", NULL, NULL);
	expect_status_free(r, CODE(NOT_FOUND), NOT_A_COACH, NULL);
	expect_status_free(ask(&ps, A.slug, rel, "Can you look at my plan?", NULL), CODE(NOT_FOUND), NULL,
		    "request_feedback.relation_id");

	/* The participant cannot approve their own proposal. */
	REQ(ap);
	Triad__V1__ApproveRelationRequest am = TRIAD__V1__APPROVE_RELATION_REQUEST__INIT;
	am.id = rel;
	ap.body_case = TRIAD__V1__REQUEST__BODY_APPROVE_RELATION;
	ap.approve_relation = &am;
	expect_status_free(rpc(&ps, A.slug, &ap), CODE(PERMISSION_DENIED), NULL, NULL);
	r = rpc_ok(&op, A.slug, &ap);
	assert_int_equal(r->create_relation->relation->status,
			 TRIAD__V1__RELATION_STATUS__RELATION_STATUS_ACTIVE);
	/* The coach can sign in already: no invite. */
	assert_string_equal(r->create_relation->invite_code, "");
	rpc_free(r);
	r = rpc(&op, A.slug, &ap);
	expect_status(r, CODE(FAILED_PRECONDITION), NULL, NULL);
	assert_non_null(strstr(r->status->message, "only a proposed relation can be approved"));
	rpc_free(r);

	r = list_coachees(&cs);
	assert_int_equal(r->coachees->n_coachees, 2);
	bool found = false;
	for (size_t i = 0; i < r->coachees->n_coachees; i++) {
		if (strcmp(r->coachees->coachees[i]->relation_id, rel) == 0) {
			assert_string_equal(r->coachees->coachees[i]->participant_name, p.name);
			assert_int_equal(r->coachees->coachees[i]->kind,
					 TRIAD__V1__RELATION_KIND__RELATION_KIND_CONFIDANT);
			found = true;
		}
	}
	assert_true(found);
	rpc_free(r);
	free(give_ok(&cs, A.slug, rel));
	sess_close(&cs);
	sess_close(&ps);

	free(rel);
	free(rel_q);
	coach_free(&c);
	part_free(&p);
	part_free(&q);
}

/* Relations at two institutions set up before the coach could sign in:
 * one invite is enough to reach both coachees. */
static void
test_first_sign_in_reaches_every_institution(void **state)
{
	Part pa, pb;
	Coach c;
	mk_part(&pa, &A, "early-a", NULL, 0, false);
	mk_part(&pb, &B, "early-b", NULL, 0, false);
	mk_coach_person(&c, &A, "early-coach");
	free(mk_person(B.slug, c.name, c.email));

	Triad__V1__Response *ra = create_relation(A.slug, pa.enrollment, c.person);
	Triad__V1__Response *rb = create_relation(B.slug, pb.enrollment, c.person);
	/* Neither could grant a role yet: both answer with an invite. */
	assert_int_equal(strlen(ra->create_relation->invite_code), 47);
	assert_int_equal(strlen(rb->create_relation->invite_code), 47);
	c.token = redeem(ra->create_relation->invite_code);
	rpc_free(ra);
	rpc_free(rb);

	Sess s = sess_open(d.addr, c.token);
	Triad__V1__Response *r = list_coachees(&s);
	assert_int_equal(r->coachees->n_coachees, 2);
	char *rel_b = NULL;
	for (size_t i = 0; i < r->coachees->n_coachees; i++) {
		if (strcmp(r->coachees->coachees[i]->institution_slug, B.slug) == 0)
			rel_b = test_strdup(r->coachees->coachees[i]->relation_id);
	}
	rpc_free(r);
	assert_non_null(rel_b);
	/* Feedback at B works with the credential from A's invite. */
	free(give_ok(&s, B.slug, rel_b));
	sess_close(&s);
	free(rel_b);
	part_free(&pa);
	part_free(&pb);
	coach_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_sign_in_reaches_every_institution),
		cmocka_unit_test(test_coach_in_two_institutions),
		cmocka_unit_test(test_give_feedback),
		cmocka_unit_test(test_feedback_times_are_integers),
		cmocka_unit_test(test_feedback_idempotency),
		cmocka_unit_test(test_feedback_edit_window),
		cmocka_unit_test(test_end_relation),
		cmocka_unit_test(test_feedback_requests),
		cmocka_unit_test(test_consent_and_employer_view),
		cmocka_unit_test(test_advisory_judgement_and_no_grades),
		cmocka_unit_test(test_agreements_and_ledger),
		cmocka_unit_test(test_propose_and_approve),
	};
	return harness_run_group_tests(tests, setup, teardown);
}

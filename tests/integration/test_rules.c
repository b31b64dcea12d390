/*
 * test_rules.c: rules of the domain that a person trying the service
 * could break from the client, each at its boundary, through the protocol
 * against a real daemon and PostgreSQL:
 *   - one seat per person in a group (programme and standalone);
 *   - one live relation of each kind between a participant and a coach;
 *   - approving a proposed coach issues the invite, or the role;
 *   - deans and programme managers add persons and invite them;
 *   - no sessions, events or due dates in the past without saying so, and
 *     no relation that ends before it starts;
 *   - a number that is given, even 0, is judged, never replaced by a
 *     default;
 *   - signing out revokes the session's token.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
static int uniq;

/* ---- fixtures through the protocol ---- */

static char *
mk_person(const char *stem)
{
	char email[128], name[96];
	test_unique(email, sizeof email, stem);
	strcat(email, "@example.org");
	test_unique(name, sizeof name, stem);
	return make_person(&op, inst, name, email);
}

/* A programme with one core module, a cohort and a run of it. */
typedef struct Group {
	char *programme, *module, *cohort, *run;
} Group;

static Group
mk_group(void)
{
	Group g;
	char code[32];
	snprintf(code, sizeof code, "R%d", ++uniq);
	g.programme = make_programme(&op, inst, code, 0);

	REQ(req);
	Triad__V1__CreateModuleRequest mm = TRIAD__V1__CREATE_MODULE_REQUEST__INIT;
	Triad__V1__Module mod = TRIAD__V1__MODULE__INIT;
	mod.programme_id = g.programme;
	mod.code = "M1";
	mod.name = "De stad";
	mod.kind = TRIAD__V1__MODULE_KIND__MODULE_KIND_CORE;
	mod.sequence = 1;
	mod.credits = 5;
	mm.module = &mod;
	BODY(req, CREATE_MODULE, create_module, mm);
	Triad__V1__Response *r = rpc_ok(&op, inst, &req);
	g.module = test_strdup(r->module->id);
	rpc_free(r);

	REQ(cr);
	Triad__V1__CreateCohortRequest cm = TRIAD__V1__CREATE_COHORT_REQUEST__INIT;
	Triad__V1__Cohort c = TRIAD__V1__COHORT__INIT;
	char name[64];
	test_unique(name, sizeof name, "Metropool ");
	c.programme_id = g.programme;
	c.name = name;
	c.starts_on = "2026-10-26";
	c.ends_on = "2028-04-30";
	cm.cohort = &c;
	BODY(cr, CREATE_COHORT, create_cohort, cm);
	r = rpc_ok(&op, inst, &cr);
	g.cohort = test_strdup(r->cohort->id);
	rpc_free(r);

	REQ(rr);
	Triad__V1__CreateRunRequest rm = TRIAD__V1__CREATE_RUN_REQUEST__INIT;
	Triad__V1__ModuleRun run = TRIAD__V1__MODULE_RUN__INIT;
	run.module_id = g.module;
	run.cohort_id = g.cohort;
	rm.run = &run;
	BODY(rr, CREATE_RUN, create_run, rm);
	r = rpc_ok(&op, inst, &rr);
	g.run = test_strdup(r->run->id);
	rpc_free(r);
	return g;
}

static void
group_free(Group *g)
{
	free(g->programme);
	free(g->module);
	free(g->cohort);
	free(g->run);
}

static Triad__V1__Response *
enroll(const char *person, const char *cohort, const char *run)
{
	REQ(req);
	Triad__V1__EnrollRequest m = TRIAD__V1__ENROLL_REQUEST__INIT;
	m.person_id = (char *)person;
	m.cohort_id = (char *)(cohort ? cohort : "");
	m.run_id = (char *)(run ? run : "");
	BODY(req, ENROLL, enroll, m);
	return rpc(&op, inst, &req);
}

static char *
enroll_ok(const char *person, const char *cohort, const char *run)
{
	Triad__V1__Response *r = enroll(person, cohort, run);
	expect_status(r, CODE(OK), NULL, NULL);
	char *id = test_strdup(r->enrollment->id);
	rpc_free(r);
	return id;
}

static Triad__V1__Response *
create_relation(const char *enrollment, const char *coach, Triad__V1__RelationKind kind,
		const char *starts, const char *ends)
{
	REQ(req);
	Triad__V1__CreateRelationRequest m = TRIAD__V1__CREATE_RELATION_REQUEST__INIT;
	m.enrollment_id = (char *)enrollment;
	m.coach_person_id = (char *)coach;
	m.kind = kind;
	m.starts_on = (char *)(starts ? starts : "");
	m.ends_on = (char *)(ends ? ends : "");
	BODY(req, CREATE_RELATION, create_relation, m);
	return rpc(&op, inst, &req);
}

static Triad__V1__Response *
propose(Sess *s, const char *enrollment, const char *coach, Triad__V1__RelationKind kind)
{
	REQ(req);
	Triad__V1__ProposeRelationRequest m = TRIAD__V1__PROPOSE_RELATION_REQUEST__INIT;
	m.enrollment_id = (char *)enrollment;
	m.coach_person_id = (char *)coach;
	m.kind = kind;
	BODY(req, PROPOSE_RELATION, propose_relation, m);
	return rpc(s, inst, &req);
}

static Triad__V1__Response *
approve(const char *relation)
{
	REQ(req);
	Triad__V1__ApproveRelationRequest m = TRIAD__V1__APPROVE_RELATION_REQUEST__INIT;
	m.id = (char *)relation;
	BODY(req, APPROVE_RELATION, approve_relation, m);
	return rpc(&op, inst, &req);
}

static void
end_relation(const char *relation)
{
	REQ(req);
	Triad__V1__EndRelationRequest m = TRIAD__V1__END_RELATION_REQUEST__INIT;
	m.id = (char *)relation;
	BODY(req, END_RELATION, end_relation, m);
	rpc_free(rpc_ok(&op, inst, &req));
}

/* Redeems an invite code; returns the new token. */
static char *
redeem(const char *code)
{
	int fd = tc_connect(d.addr);
	REQ(rd);
	Triad__V1__RedeemInviteRequest rm = TRIAD__V1__REDEEM_INVITE_REQUEST__INIT;
	rm.code = (char *)code;
	rd.id = 7;
	BODY(rd, REDEEM_INVITE, redeem_invite, rm);
	tc_send(fd, &rd);
	Triad__V1__Response *r = tc_recv(fd, 10000, NULL);
	close(fd);
	assert_non_null(r);
	expect_status(r, CODE(OK), NULL, NULL);
	char *token = test_strdup(r->redeem_invite->token);
	rpc_free(r);
	return token;
}

/* The status code of a Hello with token, on a fresh connection. */
static Triad__V1__Code
hello_code(const char *token, char *message, size_t size)
{
	int fd = tc_connect(d.addr);
	tc_send_hello_token(fd, 1, token);
	Triad__V1__Response *r = tc_recv(fd, 10000, NULL);
	assert_non_null(r);
	Triad__V1__Code code = r->status->code;
	snprintf(message, size, "%s", r->status->message);
	rpc_free(r);
	close(fd);
	return code;
}

/* The day days from now (UTC) as YYYY-MM-DD, and a time on it. */
static void
day_from_now(int days, char *day, size_t size)
{
	time_t t = time(NULL) + (time_t)days * 86400;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(day, size, "%Y-%m-%d", &tm);
}

static void
time_from_now(int days, char *at, size_t size)
{
	char day[16];
	day_from_now(days, day, sizeof day);
	snprintf(at, size, "%sT09:30:00Z", day);
}

static int
setup(void **state)
{
	(void)state;
	triadd_start(&d, NULL);
	op = sess_open(d.addr, test_token());
	make_institution(&op, "rules", "Rules that must not break", inst);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	sess_close(&op);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
	return 0;
}

/* ---- one seat per person in a group ---- */

/*
 * Enrolled for the programme, a person sits in every run of the cohort: a
 * standalone enrollment in one of them is refused, naming the run, and a
 * programme enrollment beside a standalone seat is refused, naming the
 * cohort. Once withdrawn, the seat is free again. The group counts the
 * person once.
 */
static void
test_one_seat_per_group(void **state)
{
	(void)state;
	Group g = mk_group();
	char *ann = mk_person("Ann"), *bob = mk_person("Bob");

	char *prog = enroll_ok(ann, g.cohort, NULL);
	Triad__V1__Response *r = enroll(ann, NULL, g.run);
	expect_status(r, CODE(FAILED_PRECONDITION), NULL, "enroll.run_id");
	assert_non_null(strstr(r->status->message, "already gives a seat in the group of M1"));
	rpc_free(r);

	char *alone = enroll_ok(bob, NULL, g.run);
	r = enroll(bob, g.cohort, NULL);
	expect_status(r, CODE(FAILED_PRECONDITION), NULL, "enroll.cohort_id");
	assert_non_null(strstr(r->status->message, "standalone seat in the group of M1"));
	rpc_free(r);

	REQ(get);
	Triad__V1__GetRunRequest gm = TRIAD__V1__GET_RUN_REQUEST__INIT;
	gm.id = g.run;
	BODY(get, GET_RUN, get_run, gm);
	r = rpc_ok(&op, inst, &get);
	assert_int_equal(r->run->members + r->run->waitlisted, 2);
	rpc_free(r);

	/* Withdrawn, the programme enrollment holds no seat any more. */
	expect_status_free(move_enrollment(&op, inst, prog, TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_WITHDRAWN),
			   CODE(OK), NULL, NULL);
	free(enroll_ok(ann, NULL, g.run));

	free(prog);
	free(alone);
	free(ann);
	free(bob);
	group_free(&g);
}

/* ---- one live relation of each kind with the same coach ---- */

static void
test_one_relation_of_each_kind(void **state)
{
	(void)state;
	Group g = mk_group();
	Group other = mk_group();
	char *ann = mk_person("Ann"), *coach = mk_person("Coach");
	char *e = enroll_ok(ann, g.cohort, NULL);
	char *e2 = enroll_ok(ann, other.cohort, NULL);
	const Triad__V1__RelationKind WORK = TRIAD__V1__RELATION_KIND__RELATION_KIND_WORKPLACE_COACH;
	const Triad__V1__RelationKind CONF = TRIAD__V1__RELATION_KIND__RELATION_KIND_CONFIDANT;

	Triad__V1__Response *r = create_relation(e, coach, WORK, NULL, NULL);
	expect_status(r, CODE(OK), NULL, NULL);
	char *first = test_strdup(r->create_relation->relation->id);
	rpc_free(r);

	/* Again, and in the participant's other enrollment: ALREADY_EXISTS. */
	r = create_relation(e, coach, WORK, NULL, NULL);
	expect_status(r, CODE(ALREADY_EXISTS), NULL, "create_relation.coach_person_id");
	assert_non_null(strstr(r->status->message, "already has a workplace coach relation"));
	rpc_free(r);
	expect_status_free(create_relation(e2, coach, WORK, NULL, NULL), CODE(ALREADY_EXISTS), NULL,
			   "create_relation.coach_person_id");

	/* The participant proposing the same: ALREADY_EXISTS too. */
	char *tok = invite_and_redeem(&op, d.addr, inst, ann, TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0,
				      NULL);
	Sess ps = sess_open(d.addr, tok);
	expect_status_free(propose(&ps, e, coach, WORK), CODE(ALREADY_EXISTS), NULL,
			   "propose_relation.coach_person_id");

	/* Another kind is another relation. */
	r = create_relation(e, coach, CONF, NULL, NULL);
	expect_status(r, CODE(OK), NULL, NULL);
	rpc_free(r);

	/* The coach sees the participant once per kind, not twice for one. */
	char *n = owner_sql("SELECT count(*) FROM coaching_relation r JOIN enrollment e"
			    " ON e.id = r.enrollment_id WHERE e.person_id = $1::uuid"
			    " AND r.coach_person_id = $2::uuid AND r.kind = 'workplace_coach'",
			    ann, coach, NULL);
	assert_string_equal(n, "1");
	free(n);

	/* Ended, it makes room for a new one. */
	end_relation(first);
	r = create_relation(e, coach, WORK, NULL, NULL);
	expect_status(r, CODE(OK), NULL, NULL);
	rpc_free(r);

	sess_close(&ps);
	free(tok);
	free(first);
	free(e);
	free(e2);
	free(ann);
	free(coach);
	group_free(&g);
	group_free(&other);
}

/* A relation that would end before it starts names ends_on. */
static void
test_relation_ends_after_it_starts(void **state)
{
	(void)state;
	Group g = mk_group();
	char *ann = mk_person("Ann"), *coach = mk_person("Coach");
	char *e = enroll_ok(ann, g.cohort, NULL);

	Triad__V1__Response *r = create_relation(e, coach,
		TRIAD__V1__RELATION_KIND__RELATION_KIND_WORKPLACE_COACH, "2031-03-01", "2031-02-01");
	expect_status(r, CODE(INVALID_ARGUMENT), NULL, "create_relation.ends_on");
	assert_non_null(strstr(r->status->message, "cannot end before it starts"));
	rpc_free(r);
	r = create_relation(e, coach, TRIAD__V1__RELATION_KIND__RELATION_KIND_WORKPLACE_COACH,
			    "2031-03-01", "2031-03-01");
	expect_status(r, CODE(OK), NULL, NULL);
	rpc_free(r);
	free(e);
	free(ann);
	free(coach);
	group_free(&g);
}

/* ---- approving a proposed coach ---- */

/*
 * A coach who cannot sign in yet gets an invite when the proposal is
 * approved, exactly as when staff create the relation: the answer holds
 * the code, and redeeming it shows the coachee. A coach who can sign in
 * gets the workplace-coach role in the institution, audited.
 */
static void
test_approve_issues_invite_or_role(void **state)
{
	(void)state;
	Group g = mk_group();
	char *ann = mk_person("Ann"), *coach = mk_person("Coach");
	char *e = enroll_ok(ann, g.cohort, NULL);
	char *tok = invite_and_redeem(&op, d.addr, inst, ann, TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0,
				      NULL);
	Sess ps = sess_open(d.addr, tok);

	Triad__V1__Response *r = propose(&ps, e, coach,
					 TRIAD__V1__RELATION_KIND__RELATION_KIND_WORKPLACE_COACH);
	expect_status(r, CODE(OK), NULL, NULL);
	char *rel = test_strdup(r->relation->id);
	rpc_free(r);

	r = approve(rel);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->body_case, TRIAD__V1__RESPONSE__BODY_CREATE_RELATION);
	assert_int_equal(r->create_relation->relation->status,
			 TRIAD__V1__RELATION_STATUS__RELATION_STATUS_ACTIVE);
	assert_true(strncmp(r->create_relation->invite_code, "inv_", 4) == 0);
	char *code = test_strdup(r->create_relation->invite_code);
	rpc_free(r);
	char *ctok = redeem(code);
	Sess cs = sess_open(d.addr, ctok);
	REQ(lc);
	Triad__V1__ListCoacheesRequest lm = TRIAD__V1__LIST_COACHEES_REQUEST__INIT;
	BODY(lc, LIST_COACHEES, list_coachees, lm);
	r = rpc_ok(&cs, NULL, &lc);
	assert_int_equal(r->coachees->n_coachees, 1);
	assert_string_equal(r->coachees->coachees[0]->relation_id, rel);
	rpc_free(r);
	sess_close(&cs);

	/* A coach who signs in already, with no role here yet: the role. */
	char other[64];
	make_institution(&op, "rules-o", "Elsewhere", other);
	char email[128];
	test_unique(email, sizeof email, "coach2-");
	strcat(email, "@example.org");
	char *c2 = make_person(&op, other, "Coach Elsewhere", email);
	char *c2tok = invite_and_redeem(&op, d.addr, other, c2, TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0,
					NULL);
	r = propose(&ps, e, c2, TRIAD__V1__RELATION_KIND__RELATION_KIND_CONFIDANT);
	expect_status(r, CODE(OK), NULL, NULL);
	char *rel2 = test_strdup(r->relation->id);
	rpc_free(r);
	REQ(ap);
	Triad__V1__ApproveRelationRequest am = TRIAD__V1__APPROVE_RELATION_REQUEST__INIT;
	am.id = rel2;
	BODY(ap, APPROVE_RELATION, approve_relation, am);
	r = rpc_ok(&op, inst, &ap);
	assert_string_equal(r->create_relation->invite_code, "");
	uint64_t approve_id = ap.id;
	rpc_free(r);
	char *grants = owner_sql("SELECT count(*) FROM role_grant g JOIN principal p"
				 " ON p.id = g.principal_id JOIN institution i ON i.id = g.institution_id"
				 " WHERE p.person_id = $1::uuid AND i.slug = $2 AND g.role = 'workplace_coach'",
				 c2, inst, NULL);
	assert_string_equal(grants, "1");
	free(grants);
	char rid[24];
	snprintf(rid, sizeof rid, "%llu", (unsigned long long)approve_id);
	char *audited = owner_sql("SELECT count(*) FROM audit_event a JOIN institution i"
				  " ON i.id = a.institution_id WHERE a.request_id = $1::numeric"
				  " AND i.slug = $2 AND a.action = 'grant.create'", rid, inst, NULL);
	assert_string_equal(audited, "1");
	free(audited);

	sess_close(&ps);
	free(rel);
	free(rel2);
	free(code);
	free(ctok);
	free(c2);
	free(c2tok);
	free(tok);
	free(e);
	free(ann);
	free(coach);
	group_free(&g);
}

/* ---- deans and programme managers add persons and invite them ---- */

static Triad__V1__Response *
create_person(Sess *s, const char *stem)
{
	REQ(req);
	Triad__V1__CreatePersonRequest m = TRIAD__V1__CREATE_PERSON_REQUEST__INIT;
	char email[128];
	test_unique(email, sizeof email, "new-");
	strcat(email, "@example.org");
	m.name = (char *)stem;
	m.email = email;
	BODY(req, CREATE_PERSON, create_person, m);
	return rpc(s, inst, &req);
}

static Triad__V1__Response *
create_invite(Sess *s, const char *person, Triad__V1__Role role, Triad__V1__StaffTitle title)
{
	REQ(req);
	Triad__V1__CreateInviteRequest m = TRIAD__V1__CREATE_INVITE_REQUEST__INIT;
	m.person_id = (char *)person;
	m.role = role;
	m.title = title;
	BODY(req, CREATE_INVITE, create_invite, m);
	return rpc(s, inst, &req);
}

static Sess
staff_session(Triad__V1__StaffTitle title, char **token)
{
	char *p = mk_person("Staff");
	*token = invite_and_redeem(&op, d.addr, inst, p, TRIAD__V1__ROLE__ROLE_PROGRAMME_STAFF, title,
				   NULL);
	free(p);
	return sess_open(d.addr, *token);
}

static void
test_programme_managers_add_and_invite(void **state)
{
	(void)state;
	static const Triad__V1__StaffTitle managers[] = {
		TRIAD__V1__STAFF_TITLE__STAFF_TITLE_PROGRAMME_MANAGER,
		TRIAD__V1__STAFF_TITLE__STAFF_TITLE_DEAN,
	};
	for (size_t i = 0; i < 2; i++) {
		char *tok;
		Sess s = staff_session(managers[i], &tok);
		Triad__V1__Response *r = create_person(&s, "Nieuwe Deelnemer");
		expect_status(r, CODE(OK), NULL, NULL);
		char *person = test_strdup(r->person->id);
		rpc_free(r);
		r = create_invite(&s, person, TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0);
		expect_status(r, CODE(OK), NULL, NULL);
		char *ptok = redeem(r->create_invite->code);
		rpc_free(r);
		Sess ps = sess_open(d.addr, ptok);
		sess_close(&ps);
		expect_status_free(create_invite(&s, person,
						 TRIAD__V1__ROLE__ROLE_WORKPLACE_COACH, 0),
				   CODE(OK), NULL, NULL);

		/* Staff and admins are an institution admin's to invite. */
		r = create_invite(&s, person, TRIAD__V1__ROLE__ROLE_PROGRAMME_STAFF,
				  TRIAD__V1__STAFF_TITLE__STAFF_TITLE_LECTURER);
		expect_status(r, CODE(PERMISSION_DENIED), NULL, NULL);
		assert_non_null(strstr(r->status->message, "only institution admins may"));
		rpc_free(r);
		expect_status_free(create_invite(&s, person,
						 TRIAD__V1__ROLE__ROLE_INSTITUTION_ADMIN, 0),
				   CODE(PERMISSION_DENIED), NULL, NULL);
		sess_close(&s);
		free(person);
		free(ptok);
		free(tok);
	}

	/* A lecturer may not, and is told who may. */
	char *tok;
	Sess s = staff_session(TRIAD__V1__STAFF_TITLE__STAFF_TITLE_LECTURER, &tok);
	Triad__V1__Response *r = create_person(&s, "Niet Door Docent");
	expect_status(r, CODE(PERMISSION_DENIED), NULL, NULL);
	assert_non_null(strstr(r->status->message,
			       "you may not add persons at"));
	assert_non_null(strstr(r->status->message,
			       "institution admins, deans and programme managers may"));
	rpc_free(r);
	sess_close(&s);
	free(tok);
}

/* ---- dates ---- */

static Triad__V1__Response *
create_session(const char *run, const char *at, bool history)
{
	REQ(req);
	Triad__V1__CreateSessionRequest m = TRIAD__V1__CREATE_SESSION_REQUEST__INIT;
	Triad__V1__Session s = TRIAD__V1__SESSION__INIT;
	s.run_id = (char *)run;
	s.starts_at = (char *)at;
	s.title = "Werkcollege";
	m.session = &s;
	m.record_history = history;
	BODY(req, CREATE_SESSION, create_session, m);
	return rpc(&op, inst, &req);
}

static Triad__V1__Response *
create_event(const char *at, bool history, int capacity, bool give_capacity)
{
	REQ(req);
	Triad__V1__CreateEventRequest m = TRIAD__V1__CREATE_EVENT_REQUEST__INIT;
	m.kind = TRIAD__V1__EVENT_KIND__EVENT_KIND_SYMPOSIUM;
	m.title = "Symposium";
	m.starts_at = (char *)at;
	m.record_history = history;
	m.capacity = capacity;
	if (give_capacity)
		field_give(&m.base, "capacity");
	BODY(req, CREATE_EVENT, create_event, m);
	return rpc(&op, inst, &req);
}

static Triad__V1__Response *
ask(Sess *s, const char *relation, const char *due)
{
	REQ(req);
	Triad__V1__RequestFeedbackRequest m = TRIAD__V1__REQUEST_FEEDBACK_REQUEST__INIT;
	m.relation_id = (char *)relation;
	m.question = "Hoe leidde ik het overleg?";
	m.due_on = (char *)due;
	BODY(req, REQUEST_FEEDBACK, request_feedback, m);
	return rpc(s, inst, &req);
}

static void
test_no_past_without_history(void **state)
{
	(void)state;
	Group g = mk_group();
	char past[40], future[40], day[16];
	time_from_now(-2, past, sizeof past);
	time_from_now(30, future, sizeof future);

	/* Sessions. */
	Triad__V1__Response *r = create_session(g.run, past, false);
	expect_status(r, CODE(INVALID_ARGUMENT), NULL, "create_session.session.starts_at");
	assert_non_null(strstr(r->status->message, "has passed"));
	assert_non_null(strstr(r->status->message, "record_history"));
	rpc_free(r);
	expect_status_free(create_session(g.run, past, true), CODE(OK), NULL, NULL);
	expect_status_free(create_session(g.run, future, false), CODE(OK), NULL, NULL);

	/* Events. */
	r = create_event(past, false, 0, false);
	expect_status(r, CODE(INVALID_ARGUMENT), NULL, "create_event.starts_at");
	rpc_free(r);
	expect_status_free(create_event(past, true, 0, false), CODE(OK), NULL, NULL);
	expect_status_free(create_event(future, false, 0, false), CODE(OK), NULL, NULL);

	/* Due dates: a participant asks a coach. */
	char *ann = mk_person("Ann"), *coach = mk_person("Coach");
	char *e = enroll_ok(ann, g.cohort, NULL);
	r = create_relation(e, coach, TRIAD__V1__RELATION_KIND__RELATION_KIND_WORKPLACE_COACH, NULL,
			    NULL);
	char *rel = test_strdup(r->create_relation->relation->id);
	rpc_free(r);
	char *tok = invite_and_redeem(&op, d.addr, inst, ann, TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0,
				      NULL);
	Sess ps = sess_open(d.addr, tok);
	day_from_now(-3, day, sizeof day);
	r = ask(&ps, rel, day);
	expect_status(r, CODE(INVALID_ARGUMENT), NULL, "request_feedback.due_on");
	assert_non_null(strstr(r->status->message, "has passed"));
	rpc_free(r);
	day_from_now(0, day, sizeof day);
	expect_status_free(ask(&ps, rel, day), CODE(OK), NULL, NULL);

	sess_close(&ps);
	free(tok);
	free(rel);
	free(e);
	free(ann);
	free(coach);
	group_free(&g);
}

/* ---- zero is a value ---- */

static void
test_zero_is_not_unset(void **state)
{
	(void)state;
	Group g = mk_group();
	char future[40];
	time_from_now(30, future, sizeof future);

	/* A run: left out, 25; 0, refused. */
	REQ(rr);
	Triad__V1__CreateRunRequest rm = TRIAD__V1__CREATE_RUN_REQUEST__INIT;
	Triad__V1__ModuleRun run = TRIAD__V1__MODULE_RUN__INIT;
	run.module_id = g.module;
	run.cohort_id = g.cohort;
	rm.run = &run;
	BODY(rr, CREATE_RUN, create_run, rm);
	Triad__V1__Response *r = rpc_ok(&op, inst, &rr);
	assert_int_equal(r->run->capacity, 25);
	rpc_free(r);
	field_give(&run.base, "capacity");
	r = rpc(&op, inst, &rr);
	expect_status(r, CODE(INVALID_ARGUMENT), NULL, "create_run.run.capacity");
	assert_non_null(strstr(r->status->message, "not 0"));
	rpc_free(r);

	/* An event: the same. */
	r = create_event(future, false, 0, false);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->event->capacity, 25);
	rpc_free(r);
	expect_status_free(create_event(future, false, 0, true), CODE(INVALID_ARGUMENT), NULL,
			   "create_event.capacity");
	r = create_event(future, false, 3, true);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->event->capacity, 3);
	rpc_free(r);

	/* An invite: left out, 14 days; 0, refused. */
	char *p = mk_person("Invitee");
	REQ(iv);
	Triad__V1__CreateInviteRequest im = TRIAD__V1__CREATE_INVITE_REQUEST__INIT;
	im.person_id = p;
	im.role = TRIAD__V1__ROLE__ROLE_PARTICIPANT;
	BODY(iv, CREATE_INVITE, create_invite, im);
	r = rpc_ok(&op, inst, &iv);
	char *days = owner_sql("SELECT round(extract(epoch FROM expires_at - created_at) / 86400)"
			       " FROM invite WHERE id = $1::uuid", r->create_invite->invite->id,
			       NULL, NULL);
	assert_string_equal(days, "14");
	free(days);
	rpc_free(r);
	field_give(&im.base, "expires_in_days");
	expect_status_free(rpc(&op, inst, &iv), CODE(INVALID_ARGUMENT), NULL,
			   "create_invite.expires_in_days");

	/* A token: left out, no expiry; 0, refused. */
	REQ(tk);
	Triad__V1__CreateTokenRequest tm = TRIAD__V1__CREATE_TOKEN_REQUEST__INIT;
	tm.label = "zero";
	BODY(tk, CREATE_TOKEN, create_token, tm);
	r = rpc_ok(&op, NULL, &tk);
	assert_string_equal(r->create_token->token_info->expires_at, "");
	rpc_free(r);
	field_give(&tm.base, "expires_in_days");
	expect_status_free(rpc(&op, NULL, &tk), CODE(INVALID_ARGUMENT), NULL,
			   "create_token.expires_in_days");

	/* A programme's standalone share: left out, 0.5; 0, refused. */
	REQ(pr);
	Triad__V1__CreateProgrammeRequest pm = TRIAD__V1__CREATE_PROGRAMME_REQUEST__INIT;
	Triad__V1__Programme prog = TRIAD__V1__PROGRAMME__INIT;
	char code[32];
	snprintf(code, sizeof code, "Z%d", ++uniq);
	prog.code = code;
	prog.name = "Nul";
	prog.award = TRIAD__V1__AWARD__AWARD_CERTIFICATE;
	prog.ects = 60;
	prog.duration_months = 12;
	prog.language = "nl";
	prog.mode = TRIAD__V1__STUDY_MODE__STUDY_MODE_PART_TIME;
	field_give(&prog.base, "standalone_share");
	pm.programme = &prog;
	BODY(pr, CREATE_PROGRAMME, create_programme, pm);
	expect_status_free(rpc(&op, inst, &pr), CODE(INVALID_ARGUMENT), NULL,
			   "create_programme.programme.standalone_share");

	free(p);
	group_free(&g);
}

/* ---- signing out ---- */

static void
test_sign_out_revokes_the_token(void **state)
{
	(void)state;
	char *p = mk_person("Leaving");
	char *tok = invite_and_redeem(&op, d.addr, inst, p, TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0,
				      NULL);
	char msg[256];
	Sess s = sess_open(d.addr, tok);
	REQ(req);
	Triad__V1__SignOutRequest m = TRIAD__V1__SIGN_OUT_REQUEST__INIT;
	BODY(req, SIGN_OUT, sign_out, m);
	Triad__V1__Response *r = rpc_ok(&s, NULL, &req);
	assert_string_not_equal(r->token->revoked_at, "");
	rpc_free(r);
	/* The session ends, and the token opens no other. */
	assert_true(tc_closed(s.fd, 5000));
	sess_close(&s);
	assert_int_equal(hello_code(tok, msg, sizeof msg), CODE(UNAUTHENTICATED));
	assert_string_equal(msg, "the token has been revoked; create a new one");
	free(tok);
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_seat_per_group),
		cmocka_unit_test(test_one_relation_of_each_kind),
		cmocka_unit_test(test_relation_ends_after_it_starts),
		cmocka_unit_test(test_approve_issues_invite_or_role),
		cmocka_unit_test(test_programme_managers_add_and_invite),
		cmocka_unit_test(test_no_past_without_history),
		cmocka_unit_test(test_zero_is_not_unset),
		cmocka_unit_test(test_sign_out_revokes_the_token),
	};
	return harness_run_group_tests(tests, setup, teardown);
}

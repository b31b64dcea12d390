/*
 * test_event.c: events, alumni and ambassadors through the protocol
 * against a real daemon and PostgreSQL: places and the waitlist at their
 * boundaries (capacity 3 and 1, cancellations, a larger and a smaller
 * capacity), 40 clients racing for 10 places, attendance of placed
 * registrations only, alumni derived from completed enrollments, alumni
 * presentations, topic suggestions before and after the start, who sees
 * which event and registration for each role, and ambassadors with their
 * activities.
 */
#include "harness.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REQ(var) Triad__V1__Request var = TRIAD__V1__REQUEST__INIT
#define CODE(x) TRIAD__V1__CODE__CODE_##x
#define PLACED TRIAD__V1__PLACEMENT__PLACEMENT_PLACED
#define WAITLISTED TRIAD__V1__PLACEMENT__PLACEMENT_WAITLISTED
#define SYMPOSIUM TRIAD__V1__EVENT_KIND__EVENT_KIND_SYMPOSIUM
#define PRESENTATION TRIAD__V1__EVENT_KIND__EVENT_KIND_ALUMNI_PRESENTATION
#define FUTURE "2031-03-12T15:00:00Z"
#define PAST "2024-03-12 15:00"

static Triadd d;
static Sess op;
static char inst[64];
static int uniq;
static char *programme, *programme_code, *cohort;

/* ---- fixtures ---- */

static char *
mk_person(const char *stem)
{
	char name[80], email[128];
	test_unique(name, sizeof name, stem);
	snprintf(email, sizeof email, "%s@example.org", name);
	return make_person(&op, inst, name, email);
}

/* The name mk_person gave a person. */
static char *
name_of(const char *person)
{
	return owner_sql("SELECT name FROM person WHERE id = $1::uuid", person, NULL, NULL);
}

static char *
mk_org(const char *stem)
{
	return make_org(&op, stem, TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_SCHOOL);
}

static Triad__V1__Response *
transition(const char *enrollment, Triad__V1__EnrollmentStatus to)
{
	return move_enrollment(&op, inst, enrollment, to);
}

/* Enrolls person in the cohort and moves the enrollment on to status. */
static char *
enroll(const char *person, Triad__V1__EnrollmentStatus status)
{
	REQ(req);
	Triad__V1__EnrollRequest m = TRIAD__V1__ENROLL_REQUEST__INIT;
	m.person_id = (char *)person;
	m.cohort_id = cohort;
	req.body_case = TRIAD__V1__REQUEST__BODY_ENROLL;
	req.enroll = &m;
	Triad__V1__Response *r = rpc_ok(&op, inst, &req);
	char *id = test_strdup(r->enrollment->id);
	rpc_free(r);
	static const Triad__V1__EnrollmentStatus path[] = {
		TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_INTAKE_PLANNED,
		TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ADMITTED,
		TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ACTIVE,
		TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_COMPLETED,
	};
	/* A withdrawal comes after the programme has started. */
	bool withdraw = status == TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_WITHDRAWN;
	Triad__V1__EnrollmentStatus last =
		withdraw ? TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ACTIVE : status;
	for (size_t i = 0; i < sizeof path / sizeof path[0] && (int)last >= (int)path[i]; i++)
		expect_status_free(transition(id, path[i]), CODE(OK), NULL, NULL);
	if (withdraw)
		expect_status_free(transition(id, status), CODE(OK), NULL, NULL);
	return id;
}

static char *
login(const char *person, Triad__V1__Role role, Triad__V1__StaffTitle title, const char *org)
{
	return invite_and_redeem(&op, d.addr, inst, person, role, title, org);
}

/* A community with the given current members, inserted directly: its
 * functions are not this test's subject. */
static char *
mk_community(char **members, size_t n)
{
	char name[80];
	test_unique(name, sizeof name, "Leergemeenschap");
	char *id = owner_sql("INSERT INTO community (institution_id, name, kind, starts_on)"
			     " SELECT id, $2, 'professional', '2026-01-01' FROM institution"
			     "  WHERE slug = $1 RETURNING id",
			     inst, name, NULL);
	for (size_t i = 0; i < n; i++)
		free(owner_sql("INSERT INTO community_member (institution_id, community_id, person_id,"
			       "                              role, affiliation)"
			       " SELECT institution_id, id, $2::uuid, 'member', 'participant'"
			       "   FROM community WHERE id = $1::uuid",
			       id, members[i], NULL));
	return id;
}

/* ---- requests ---- */

typedef struct EventSpec {
	Triad__V1__EventKind kind;
	const char *title;
	const char *community;
	const char *starts_at;
	int64_t starts_at_us;   /* wins over starts_at when set */
	int capacity;
	const char *presenter;
	const char *topic;
	bool history;   /* record_history: staff record one that was held */
} EventSpec;

static Triad__V1__Response *
create_event(Sess *s, const EventSpec *e)
{
	REQ(req);
	Triad__V1__CreateEventRequest m = TRIAD__V1__CREATE_EVENT_REQUEST__INIT;
	m.kind = e->kind;
	m.title = (char *)(e->title ? e->title : "Symposium teacher leadership");
	m.description = "Teachers, alumni and schools share what changed";
	m.community_id = (char *)(e->community ? e->community : "");
	m.programme_id = programme;
	m.starts_at = (char *)(e->starts_at ? e->starts_at : FUTURE);
	m.starts_at_us = e->starts_at_us;
	m.place = "Wibauthuis, Amsterdam";
	m.capacity = e->capacity;
	if (e->capacity != 0)
		field_give(&m.base, "capacity");
	m.presenter_person_id = (char *)(e->presenter ? e->presenter : "");
	m.topic = (char *)(e->topic ? e->topic : "");
	m.record_history = e->history;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_EVENT;
	req.create_event = &m;
	return rpc(s, inst, &req);
}

static char *
mk_event(int capacity, const char *community, const char *starts_at)
{
	EventSpec e = {.kind = SYMPOSIUM, .community = community, .starts_at = starts_at,
		       .capacity = capacity,
		       .history = starts_at != NULL && strcmp(starts_at, PAST) == 0};
	Triad__V1__Response *r = create_event(&op, &e);
	expect_status(r, CODE(OK), NULL, NULL);
	char *id = test_strdup(r->event->id);
	rpc_free(r);
	return id;
}

static Triad__V1__Response *
get_event(Sess *s, const char *id)
{
	REQ(req);
	Triad__V1__GetEventRequest m = TRIAD__V1__GET_EVENT_REQUEST__INIT;
	m.id = (char *)id;
	req.body_case = TRIAD__V1__REQUEST__BODY_GET_EVENT;
	req.get_event = &m;
	return rpc(s, inst, &req);
}

/* The event's placed / waitlisted / attended counts. */
static void
expect_counts(const char *event, int placed, int waitlisted, int attended)
{
	Triad__V1__Response *r = get_event(&op, event);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->event->placed, placed);
	assert_int_equal(r->event->waitlisted, waitlisted);
	assert_int_equal(r->event->attended, attended);
	rpc_free(r);
}

static Triad__V1__Response *
list_events(Sess *s, const char *community, bool upcoming, int page_size, const char *token)
{
	REQ(req);
	Triad__V1__ListEventsRequest m = TRIAD__V1__LIST_EVENTS_REQUEST__INIT;
	m.community_id = (char *)(community ? community : "");
	m.upcoming = upcoming;
	m.page_size = page_size;
	m.page_token = (char *)(token ? token : "");
	req.body_case = TRIAD__V1__REQUEST__BODY_LIST_EVENTS;
	req.list_events = &m;
	return rpc_ok(s, inst, &req);
}

/* True when the caller's list of events has id. */
static bool
lists_event(Sess *s, const char *id)
{
	Triad__V1__Response *r = list_events(s, NULL, false, 1000, NULL);
	bool found = false;
	for (size_t i = 0; i < r->events->n_events; i++)
		found |= strcmp(r->events->events[i]->id, id) == 0;
	rpc_free(r);
	return found;
}

static Triad__V1__Response *
reg(Sess *s, const char *event, const char *person)
{
	REQ(req);
	Triad__V1__RegisterForEventRequest m = TRIAD__V1__REGISTER_FOR_EVENT_REQUEST__INIT;
	m.event_id = (char *)event;
	m.person_id = (char *)(person ? person : "");
	req.body_case = TRIAD__V1__REQUEST__BODY_REGISTER_FOR_EVENT;
	req.register_for_event = &m;
	return rpc(s, inst, &req);
}

/* Registers person (staff do it); checks the placement; returns the id. */
static char *
reg_ok(const char *event, const char *person, Triad__V1__Placement want, int position)
{
	Triad__V1__Response *r = reg(&op, event, person);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->registration->event_id, event);
	assert_string_equal(r->registration->person_id, person);
	assert_int_equal(r->registration->status,
			 TRIAD__V1__REGISTRATION_STATUS__REGISTRATION_STATUS_REGISTERED);
	assert_int_equal(r->registration->placement, want);
	assert_int_equal(r->registration->waitlist_position, position);
	char *id = test_strdup(r->registration->id);
	rpc_free(r);
	return id;
}

static Triad__V1__Response *
cancel(Sess *s, const char *registration)
{
	REQ(req);
	Triad__V1__CancelRegistrationRequest m = TRIAD__V1__CANCEL_REGISTRATION_REQUEST__INIT;
	m.id = (char *)registration;
	req.body_case = TRIAD__V1__REQUEST__BODY_CANCEL_REGISTRATION;
	req.cancel_registration = &m;
	return rpc(s, inst, &req);
}

static Triad__V1__Response *
list_regs(Sess *s, const char *event, bool waitlisted, bool include_cancelled)
{
	REQ(req);
	Triad__V1__ListRegistrationsRequest m = TRIAD__V1__LIST_REGISTRATIONS_REQUEST__INIT;
	m.event_id = (char *)event;
	m.waitlisted = waitlisted;
	m.include_cancelled = include_cancelled;
	req.body_case = TRIAD__V1__REQUEST__BODY_LIST_REGISTRATIONS;
	req.list_registrations = &m;
	return rpc(s, inst, &req);
}

/* The registration id of the caller's list, or NULL. */
static Triad__V1__EventRegistration *
find_reg(Triad__V1__ListRegistrationsReply *l, const char *id)
{
	for (size_t i = 0; i < l->n_registrations; i++) {
		if (strcmp(l->registrations[i]->id, id) == 0)
			return l->registrations[i];
	}
	return NULL;
}

/* Checks one registration as staff see it. */
static void
expect_reg(const char *event, const char *id, Triad__V1__Placement placement, int position)
{
	Triad__V1__Response *r = list_regs(&op, event, false, true);
	expect_status(r, CODE(OK), NULL, NULL);
	Triad__V1__EventRegistration *e = find_reg(r->registrations, id);
	assert_non_null(e);
	assert_int_equal(e->placement, placement);
	assert_int_equal(e->waitlist_position, position);
	rpc_free(r);
}

static Triad__V1__Response *
set_capacity(Sess *s, const char *event, int capacity)
{
	REQ(req);
	Triad__V1__SetEventCapacityRequest m = TRIAD__V1__SET_EVENT_CAPACITY_REQUEST__INIT;
	m.id = (char *)event;
	m.capacity = capacity;
	req.body_case = TRIAD__V1__REQUEST__BODY_SET_EVENT_CAPACITY;
	req.set_event_capacity = &m;
	return rpc(s, inst, &req);
}

static Triad__V1__Response *
attend(Sess *s, const char *registration, Triad__V1__AttendanceStatus status)
{
	REQ(req);
	Triad__V1__RecordEventAttendanceRequest m = TRIAD__V1__RECORD_EVENT_ATTENDANCE_REQUEST__INIT;
	m.registration_id = (char *)registration;
	m.status = status;
	req.body_case = TRIAD__V1__REQUEST__BODY_RECORD_EVENT_ATTENDANCE;
	req.record_event_attendance = &m;
	return rpc(s, inst, &req);
}

static Triad__V1__Response *
suggest(Sess *s, const char *event, const char *text)
{
	REQ(req);
	Triad__V1__SuggestTopicRequest m = TRIAD__V1__SUGGEST_TOPIC_REQUEST__INIT;
	m.event_id = (char *)event;
	m.text = (char *)text;
	req.body_case = TRIAD__V1__REQUEST__BODY_SUGGEST_TOPIC;
	req.suggest_topic = &m;
	return rpc(s, inst, &req);
}

static Triad__V1__Response *
list_topics(Sess *s, const char *event)
{
	REQ(req);
	Triad__V1__ListTopicsRequest m = TRIAD__V1__LIST_TOPICS_REQUEST__INIT;
	m.event_id = (char *)event;
	req.body_case = TRIAD__V1__REQUEST__BODY_LIST_TOPICS;
	req.list_topics = &m;
	return rpc(s, inst, &req);
}

static Triad__V1__Response *
list_alumni(Sess *s, const char *person)
{
	REQ(req);
	Triad__V1__ListAlumniRequest m = TRIAD__V1__LIST_ALUMNI_REQUEST__INIT;
	m.programme_id = programme;
	m.person_id = (char *)(person ? person : "");
	m.page_size = 1000;
	req.body_case = TRIAD__V1__REQUEST__BODY_LIST_ALUMNI;
	req.list_alumni = &m;
	return rpc_ok(s, inst, &req);
}

static Triad__V1__Response *
create_ambassador(const char *person, const char *org, Triad__V1__AmbassadorBasis basis,
		  const char *starts_on)
{
	REQ(req);
	Triad__V1__CreateAmbassadorRequest m = TRIAD__V1__CREATE_AMBASSADOR_REQUEST__INIT;
	m.person_id = (char *)person;
	m.programme_id = programme;
	m.organisation_id = (char *)org;
	m.basis = basis;
	m.starts_on = (char *)(starts_on ? starts_on : "");
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_AMBASSADOR;
	req.create_ambassador = &m;
	return rpc(&op, inst, &req);
}

static Triad__V1__Response *
activity(const char *ambassador, Triad__V1__ActivityKind kind, const char *held_on, int reach)
{
	REQ(req);
	Triad__V1__RecordAmbassadorActivityRequest m =
		TRIAD__V1__RECORD_AMBASSADOR_ACTIVITY_REQUEST__INIT;
	m.ambassador_id = (char *)ambassador;
	m.kind = kind;
	m.held_on = (char *)(held_on ? held_on : "");
	m.description = "Over formatief handelen in de onderbouw";
	m.reach = reach;
	req.body_case = TRIAD__V1__REQUEST__BODY_RECORD_AMBASSADOR_ACTIVITY;
	req.record_ambassador_activity = &m;
	return rpc(&op, inst, &req);
}

static Triad__V1__Response *
end_ambassador(const char *id, const char *ends_on)
{
	REQ(req);
	Triad__V1__EndAmbassadorRequest m = TRIAD__V1__END_AMBASSADOR_REQUEST__INIT;
	m.id = (char *)id;
	m.ends_on = (char *)(ends_on ? ends_on : "");
	req.body_case = TRIAD__V1__REQUEST__BODY_END_AMBASSADOR;
	req.end_ambassador = &m;
	return rpc(&op, inst, &req);
}

/* How many audit rows of inst record action on resource. */
static int
audited(const char *resource, const char *action)
{
	REQ(req);
	Triad__V1__ListAuditRequest m = TRIAD__V1__LIST_AUDIT_REQUEST__INIT;
	m.resource_id = (char *)resource;
	m.page_size = 100;
	req.body_case = TRIAD__V1__REQUEST__BODY_LIST_AUDIT;
	req.list_audit = &m;
	Triad__V1__Response *r = rpc_ok(&op, inst, &req);
	int n = 0;
	for (size_t i = 0; i < r->audit->n_events; i++)
		n += strcmp(r->audit->events[i]->action, action) == 0;
	rpc_free(r);
	return n;
}

static int
setup(void **state)
{
	/* The race queues 40 registrations on one event's lock. */
	triadd_start(&d, "pool_size = 4\ndb_timeout_ms = 30000\n");
	op = sess_open(d.addr, test_token());

	make_institution(&op, "evt", "Event tests", inst);

	REQ(rp);
	Triad__V1__CreateProgrammeRequest cp = TRIAD__V1__CREATE_PROGRAMME_REQUEST__INIT;
	Triad__V1__Programme p = TRIAD__V1__PROGRAMME__INIT;
	char code[32];
	snprintf(code, sizeof code, "MPM%d", ++uniq);
	p.code = code;
	p.name = "Master Professioneel Meesterschap";
	p.award = TRIAD__V1__AWARD__AWARD_DEGREE;
	p.ects = 60;
	p.duration_months = 24;
	p.language = "nl";
	p.mode = TRIAD__V1__STUDY_MODE__STUDY_MODE_PART_TIME;
	cp.programme = &p;
	rp.body_case = TRIAD__V1__REQUEST__BODY_CREATE_PROGRAMME;
	rp.create_programme = &cp;
	Triad__V1__Response *r = rpc_ok(&op, inst, &rp);
	programme = test_strdup(r->programme->id);
	programme_code = test_strdup(r->programme->code);
	rpc_free(r);

	REQ(rc);
	Triad__V1__CreateCohortRequest cc = TRIAD__V1__CREATE_COHORT_REQUEST__INIT;
	Triad__V1__Cohort c = TRIAD__V1__COHORT__INIT;
	c.programme_id = programme;
	c.name = "MPM 2024-2026";
	c.starts_on = "2024-09-01";
	c.ends_on = "2026-08-31";
	cc.cohort = &c;
	rc.body_case = TRIAD__V1__REQUEST__BODY_CREATE_COHORT;
	rc.create_cohort = &cc;
	r = rpc_ok(&op, inst, &rc);
	cohort = test_strdup(r->cohort->id);
	rpc_free(r);
	return 0;
}

static int
teardown(void **state)
{
	free(programme);
	free(programme_code);
	free(cohort);
	sess_close(&op);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
	return 0;
}

/* ---- places and the waitlist: capacity 3, then 4, then 1 ---- */

static void
test_capacity_and_waitlist(void **state)
{
	char *ev = mk_event(3, NULL, NULL);
	char *p[7], *r[7];
	for (int i = 0; i < 7; i++)
		p[i] = mk_person("Registrant");

	/* 1..3 placed, the 4th and 5th wait in order. */
	for (int i = 0; i < 3; i++)
		r[i] = reg_ok(ev, p[i], PLACED, 0);
	r[3] = reg_ok(ev, p[3], WAITLISTED, 1);
	r[4] = reg_ok(ev, p[4], WAITLISTED, 2);
	expect_counts(ev, 3, 2, 0);
	assert_int_equal(audited(r[0], "event_registration.create"), 1);

	/* Twice while registered: refused. */
	char *name = name_of(p[0]);
	char msg[200];
	snprintf(msg, sizeof msg, "%s is already registered for this event", name);
	expect_status_free(reg(&op, ev, p[0]), CODE(ALREADY_EXISTS), msg, "register_for_event.person_id");
	free(name);

	/* A placed one cancels: the first in line gets the place. */
	Triad__V1__Response *resp = cancel(&op, r[1]);
	expect_status(resp, CODE(OK), NULL, NULL);
	assert_int_equal(resp->registration->status,
			 TRIAD__V1__REGISTRATION_STATUS__REGISTRATION_STATUS_CANCELLED);
	assert_int_equal(resp->registration->waitlist_position, 0);
	rpc_free(resp);
	expect_reg(ev, r[3], PLACED, 0);
	expect_reg(ev, r[4], WAITLISTED, 1);
	expect_counts(ev, 3, 1, 0);
	assert_int_equal(audited(r[1], "event_registration.cancel"), 1);
	assert_int_equal(audited(r[3], "event_registration.promote"), 1);
	assert_int_equal(audited(r[4], "event_registration.promote"), 0);

	/* Cancelling again is not possible. */
	expect_status_free(cancel(&op, r[1]), CODE(FAILED_PRECONDITION),
		    "the registration is already cancelled", NULL);

	/* A waitlisted one cancels: the next moves up, nobody is promoted. */
	r[5] = reg_ok(ev, p[5], WAITLISTED, 2);
	expect_status_free(cancel(&op, r[4]), CODE(OK), NULL, NULL);
	expect_reg(ev, r[5], WAITLISTED, 1);
	expect_counts(ev, 3, 1, 0);
	assert_int_equal(audited(r[5], "event_registration.promote"), 0);

	/* The waitlist, in order, and the cancelled ones when asked for. */
	resp = list_regs(&op, ev, true, false);
	expect_status(resp, CODE(OK), NULL, NULL);
	assert_int_equal(resp->registrations->n_registrations, 1);
	assert_string_equal(resp->registrations->registrations[0]->id, r[5]);
	rpc_free(resp);
	resp = list_regs(&op, ev, false, false);
	assert_int_equal(resp->registrations->n_registrations, 4);
	rpc_free(resp);
	resp = list_regs(&op, ev, false, true);
	assert_int_equal(resp->registrations->n_registrations, 6);
	rpc_free(resp);

	/* A larger capacity promotes. */
	resp = set_capacity(&op, ev, 4);
	expect_status(resp, CODE(OK), NULL, NULL);
	assert_int_equal(resp->event->capacity, 4);
	assert_int_equal(resp->event->placed, 4);
	assert_int_equal(resp->event->waitlisted, 0);
	rpc_free(resp);
	expect_reg(ev, r[5], PLACED, 0);
	assert_int_equal(audited(r[5], "event_registration.promote"), 1);
	assert_int_equal(audited(ev, "event.capacity"), 1);

	/* Below what is placed: refused, naming both numbers. Equal is fine. */
	expect_status_free(set_capacity(&op, ev, 3), CODE(FAILED_PRECONDITION),
		    "4 registrations have a place already; the capacity cannot go below that "
		    "(asked for 3)", "set_event_capacity.capacity");
	expect_status_free(set_capacity(&op, ev, 0), CODE(INVALID_ARGUMENT),
		    "capacity must be 1 to 10000", "set_event_capacity.capacity");
	expect_status_free(set_capacity(&op, ev, 4), CODE(OK), NULL, NULL);

	/* Coming back after a cancellation means the back of the line. */
	free(reg_ok(ev, p[1], WAITLISTED, 1));
	r[6] = reg_ok(ev, p[6], WAITLISTED, 2);

	/* Capacity 1: the second waits, and gets the place when the first goes. */
	char *one = mk_event(1, NULL, NULL);
	char *a = reg_ok(one, p[0], PLACED, 0);
	char *b = reg_ok(one, p[1], WAITLISTED, 1);
	expect_status_free(cancel(&op, a), CODE(OK), NULL, NULL);
	expect_reg(one, b, PLACED, 0);
	free(reg_ok(one, p[2], WAITLISTED, 1));
	expect_counts(one, 1, 1, 0);

	/* Capacity: left out means 25, and 10000 at most. */
	EventSpec spec = {.kind = SYMPOSIUM, .capacity = 0};
	resp = create_event(&op, &spec);
	expect_status(resp, CODE(OK), NULL, NULL);
	assert_int_equal(resp->event->capacity, 25);
	rpc_free(resp);
	spec.capacity = 10001;
	expect_status_free(create_event(&op, &spec), CODE(INVALID_ARGUMENT), NULL, "create_event.capacity");

	for (int i = 0; i < 7; i++) {
		free(p[i]);
		free(r[i]);
	}
	free(ev); free(one); free(a); free(b);
}

/* ---- the race: 40 clients, 10 places ---- */

static void
test_forty_clients_race_for_ten_places(void **state)
{
	enum { N = 40, PLACES = 10 };
	char *ev = mk_event(PLACES, NULL, NULL);
	static char *persons[N];
	static Sess sess[N];

	for (int i = 0; i < N; i++)
		persons[i] = mk_person("Racer");
	for (int i = 0; i < N; i++)
		sess[i] = sess_open(d.addr, test_token());
	/* Everyone sends, then everyone reads: the requests overlap. */
	for (int i = 0; i < N; i++) {
		REQ(req);
		Triad__V1__RegisterForEventRequest m = TRIAD__V1__REGISTER_FOR_EVENT_REQUEST__INIT;
		m.event_id = ev;
		m.person_id = persons[i];
		req.id = 9;
		req.institution = inst;
		req.body_case = TRIAD__V1__REQUEST__BODY_REGISTER_FOR_EVENT;
		req.register_for_event = &m;
		tc_send(sess[i].fd, &req);
	}
	int placed = 0;
	bool seen[N + 1] = {false};
	for (int i = 0; i < N; i++) {
		Triad__V1__Response *r = tc_recv(sess[i].fd, 30000, NULL);
		assert_non_null(r);
		if (r->status->code != CODE(OK))
			fail_msg("client %d: %s", i, r->status->message);
		if (r->registration->placement == PLACED) {
			assert_int_equal(r->registration->waitlist_position, 0);
			placed++;
		} else {
			int pos = r->registration->waitlist_position;
			assert_true(pos >= 1 && pos <= N - PLACES);
			assert_false(seen[pos]);
			seen[pos] = true;
		}
		rpc_free(r);
		sess_close(&sess[i]);
	}
	assert_int_equal(placed, PLACES);
	expect_counts(ev, PLACES, N - PLACES, 0);

	/* The waitlist comes in its order: 1 to 30. */
	Triad__V1__Response *r = list_regs(&op, ev, true, false);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->registrations->n_registrations, N - PLACES);
	for (size_t i = 0; i < r->registrations->n_registrations; i++) {
		assert_int_equal(r->registrations->registrations[i]->placement, WAITLISTED);
		assert_int_equal(r->registrations->registrations[i]->waitlist_position, (int)i + 1);
	}
	rpc_free(r);
	for (int i = 0; i < N; i++)
		free(persons[i]);
	free(ev);
}

/* ---- attendance: placed registrations only ---- */

static void
test_attendance(void **state)
{
	char *ev = mk_event(2, NULL, NULL);
	char *p[3], *r[3];
	for (int i = 0; i < 3; i++)
		p[i] = mk_person("Attendee");
	r[0] = reg_ok(ev, p[0], PLACED, 0);
	r[1] = reg_ok(ev, p[1], PLACED, 0);
	r[2] = reg_ok(ev, p[2], WAITLISTED, 1);

	Triad__V1__Response *resp = attend(&op, r[0], TRIAD__V1__ATTENDANCE_STATUS__ATTENDANCE_STATUS_PRESENT);
	expect_status(resp, CODE(OK), NULL, NULL);
	assert_int_equal(resp->registration->attendance,
			 TRIAD__V1__ATTENDANCE_STATUS__ATTENDANCE_STATUS_PRESENT);
	rpc_free(resp);
	expect_status_free(attend(&op, r[1], TRIAD__V1__ATTENDANCE_STATUS__ATTENDANCE_STATUS_ABSENT),
		    CODE(OK), NULL, NULL);
	expect_counts(ev, 2, 1, 1);

	/* Recording again updates. */
	resp = attend(&op, r[1], TRIAD__V1__ATTENDANCE_STATUS__ATTENDANCE_STATUS_PRESENT);
	expect_status(resp, CODE(OK), NULL, NULL);
	assert_int_equal(resp->registration->attendance,
			 TRIAD__V1__ATTENDANCE_STATUS__ATTENDANCE_STATUS_PRESENT);
	rpc_free(resp);
	expect_counts(ev, 2, 1, 2);
	assert_int_equal(audited(r[1], "event_registration.attendance"), 2);

	/* Not for the waitlist, not without a status, not when cancelled. */
	expect_status_free(attend(&op, r[2], TRIAD__V1__ATTENDANCE_STATUS__ATTENDANCE_STATUS_PRESENT),
		    CODE(FAILED_PRECONDITION),
		    "attendance is recorded for placed registrations only; this one is number 1 "
		    "on the waitlist", NULL);
	expect_status_free(attend(&op, r[0], TRIAD__V1__ATTENDANCE_STATUS__ATTENDANCE_STATUS_UNSPECIFIED),
		    CODE(INVALID_ARGUMENT), NULL, "record_event_attendance.status");
	expect_status_free(cancel(&op, r[0]), CODE(OK), NULL, NULL);
	expect_status_free(attend(&op, r[0], TRIAD__V1__ATTENDANCE_STATUS__ATTENDANCE_STATUS_PRESENT),
		    CODE(FAILED_PRECONDITION), NULL, NULL);
	/* The cancellation promoted the third, who can now be recorded. */
	expect_status_free(attend(&op, r[2], TRIAD__V1__ATTENDANCE_STATUS__ATTENDANCE_STATUS_EXCUSED),
		    CODE(OK), NULL, NULL);
	expect_counts(ev, 2, 0, 1);

	/* Only staff record attendance. */
	char *tok = login(p[0], TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0, NULL);
	Sess s = sess_open(d.addr, tok);
	expect_status_free(attend(&s, r[1], TRIAD__V1__ATTENDANCE_STATUS__ATTENDANCE_STATUS_ABSENT),
		    CODE(PERMISSION_DENIED), NULL, NULL);
	sess_close(&s);
	free(tok);
	for (int i = 0; i < 3; i++) {
		free(p[i]);
		free(r[i]);
	}
	free(ev);
}

/* ---- alumni: derived from completion ---- */

static Triad__V1__Alumnus *
find_alumnus(Triad__V1__ListAlumniReply *l, const char *person)
{
	for (size_t i = 0; i < l->n_alumni; i++) {
		if (strcmp(l->alumni[i]->person_id, person) == 0)
			return l->alumni[i];
	}
	return NULL;
}

static void
test_alumni_derived_from_completion(void **state)
{
	char *alum = mk_person("Alumna");
	char *active = mk_person("Student");
	char *gone = mk_person("Leaver");
	char *e_alum = enroll(alum, TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ACTIVE);
	char *e_active = enroll(active, TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ACTIVE);
	char *e_gone = enroll(gone, TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_WITHDRAWN);

	/* Active is not an alumnus yet. */
	Triad__V1__Response *r = list_alumni(&op, alum);
	assert_int_equal(r->alumni->n_alumni, 0);
	rpc_free(r);

	/* An alumni presentation needs an alumnus. */
	EventSpec spec = {.kind = PRESENTATION, .title = "Formatief handelen, twee jaar later",
			  .presenter = alum, .topic = "Wat bleef er van mijn interventie?"};
	char *alum_name = name_of(alum);
	char msg[300];
	snprintf(msg, sizeof msg, "%s is not an alumnus: an alumni presentation is given by "
		 "someone who completed one of the institution's programmes", alum_name);
	expect_status_free(create_event(&op, &spec), CODE(FAILED_PRECONDITION), msg,
		    "create_event.presenter_person_id");

	/* Completed: an alumnus, of the programme, without anything recorded. */
	expect_status_free(transition(e_alum, TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_COMPLETED),
		    CODE(OK), NULL, NULL);
	char *today = owner_sql("SELECT current_date::text", NULL, NULL, NULL);
	r = list_alumni(&op, NULL);
	Triad__V1__Alumnus *a = find_alumnus(r->alumni, alum);
	assert_non_null(a);
	assert_string_equal(a->id, e_alum);
	assert_string_equal(a->person_name, alum_name);
	assert_string_equal(a->programme_id, programme);
	assert_string_equal(a->programme_code, programme_code);
	assert_string_equal(a->cohort_name, "MPM 2024-2026");
	assert_string_equal(a->completed_on, today);
	assert_int_equal(a->coaching, 0);
	assert_int_equal(a->presentations, 0);
	assert_false(a->ambassador);
	assert_null(find_alumnus(r->alumni, active));
	assert_null(find_alumnus(r->alumni, gone));
	rpc_free(r);

	/* The presentation: refused without a topic, accepted with one. */
	spec.topic = "";
	expect_status_free(create_event(&op, &spec), CODE(INVALID_ARGUMENT), NULL, "create_event.topic");
	spec.topic = "Wat bleef er van mijn interventie?";
	r = create_event(&op, &spec);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->event->kind, PRESENTATION);
	assert_string_equal(r->event->presenter_person_id, alum);
	assert_string_equal(r->event->presenter_name, alum_name);
	assert_string_equal(r->event->topic, "Wat bleef er van mijn interventie?");
	char *pres = test_strdup(r->event->id);
	rpc_free(r);
	assert_int_equal(audited(pres, "event.create"), 1);
	/* The presenter of another kind of event is refused. */
	spec.kind = SYMPOSIUM;
	expect_status_free(create_event(&op, &spec), CODE(INVALID_ARGUMENT),
		    "only an alumni presentation names a presenter", "create_event.presenter_person_id");

	/* The alumnus coaches a student: an alumni-coach relation. */
	REQ(rr);
	Triad__V1__CreateRelationRequest cr = TRIAD__V1__CREATE_RELATION_REQUEST__INIT;
	cr.enrollment_id = e_active;
	cr.coach_person_id = alum;
	cr.kind = TRIAD__V1__RELATION_KIND__RELATION_KIND_ALUMNI_COACH;
	rr.body_case = TRIAD__V1__REQUEST__BODY_CREATE_RELATION;
	rr.create_relation = &cr;
	rpc_free(rpc_ok(&op, inst, &rr));
	char *school = mk_org("Scholengemeenschap");
	r = create_ambassador(alum, school, TRIAD__V1__AMBASSADOR_BASIS__AMBASSADOR_BASIS_ALUMNUS, NULL);
	expect_status(r, CODE(OK), NULL, NULL);
	rpc_free(r);

	r = list_alumni(&op, alum);
	assert_int_equal(r->alumni->n_alumni, 1);
	a = r->alumni->alumni[0];
	assert_int_equal(a->coaching, 1);
	assert_int_equal(a->presentations, 1);
	assert_true(a->ambassador);
	rpc_free(r);

	/* Withdrawn never makes an alumnus. */
	r = list_alumni(&op, gone);
	assert_int_equal(r->alumni->n_alumni, 0);
	rpc_free(r);

	/* Anyone but staff sees only themselves. */
	char *tok_alum = login(alum, TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0, NULL);
	char *tok_active = login(active, TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0, NULL);
	Sess sa = sess_open(d.addr, tok_alum), sb = sess_open(d.addr, tok_active);
	r = list_alumni(&sa, NULL);
	assert_int_equal(r->alumni->n_alumni, 1);
	assert_string_equal(r->alumni->alumni[0]->person_id, alum);
	rpc_free(r);
	r = list_alumni(&sb, NULL);
	assert_int_equal(r->alumni->n_alumni, 0);
	rpc_free(r);
	r = list_alumni(&sb, alum);
	assert_int_equal(r->alumni->n_alumni, 0);
	rpc_free(r);
	sess_close(&sa);
	sess_close(&sb);

	free(tok_alum); free(tok_active); free(school); free(pres); free(today); free(alum_name);
	free(alum); free(active); free(gone); free(e_alum); free(e_active); free(e_gone);
}

/* ---- topics: before the start, from whoever may see the event ---- */

static Triad__V1__Response *
suggest_ok(Sess *s, const char *event, const char *text, const char *as)
{
	Triad__V1__Response *r = suggest(s, event, text);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->topic->event_id, event);
	assert_string_equal(r->topic->text, text);
	assert_string_equal(r->topic->suggested_as, as);
	assert_int_equal(audited(r->topic->id, "topic.suggest"), 1);
	return r;
}

static void
test_topic_suggestions(void **state)
{
	char *ev = mk_event(50, NULL, NULL);
	char *past = mk_event(50, NULL, PAST);
	char *org = mk_org("Basisschool");

	char *student = mk_person("Deelnemer");
	free(enroll(student, TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ACTIVE));
	char *alum = mk_person("Alumnus");
	free(enroll(alum, TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_COMPLETED));
	char *coach = mk_person("Coach");
	char *contact = mk_person("Schoolleider");
	char *lecturer = mk_person("Docent");

	char *t_student = login(student, TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0, NULL);
	char *t_alum = login(alum, TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0, NULL);
	char *t_coach = login(coach, TRIAD__V1__ROLE__ROLE_WORKPLACE_COACH, 0, NULL);
	char *t_contact = login(contact, TRIAD__V1__ROLE__ROLE_EMPLOYER_CONTACT, 0, org);
	char *t_lecturer = login(lecturer, TRIAD__V1__ROLE__ROLE_PROGRAMME_STAFF,
				 TRIAD__V1__STAFF_TITLE__STAFF_TITLE_LECTURER, NULL);
	REQ(rt);
	Triad__V1__CreateTokenRequest ct = TRIAD__V1__CREATE_TOKEN_REQUEST__INIT;
	ct.machine_name = "schoolbestuur-sync";
	ct.organisation_id = org;
	rt.body_case = TRIAD__V1__REQUEST__BODY_CREATE_TOKEN;
	rt.create_token = &ct;
	Triad__V1__Response *r = rpc_ok(&op, inst, &rt);
	char *t_machine = test_strdup(r->create_token->token);
	rpc_free(r);

	Sess s_student = sess_open(d.addr, t_student), s_alum = sess_open(d.addr, t_alum),
	     s_coach = sess_open(d.addr, t_coach), s_contact = sess_open(d.addr, t_contact),
	     s_lecturer = sess_open(d.addr, t_lecturer), s_machine = sess_open(d.addr, t_machine);

	rpc_free(suggest_ok(&s_student, ev, "Formatief toetsen in de onderbouw", "participant"));
	rpc_free(suggest_ok(&s_alum, ev, "Wat doe je na de master met je onderzoek?", "alumnus"));
	rpc_free(suggest_ok(&s_coach, ev, "Hoe geef je feedback op gedrag in de klas?", "coach"));
	rpc_free(suggest_ok(&s_contact, ev, "Uren voor onderzoek in het taakbeleid", "partner"));
	rpc_free(suggest_ok(&s_lecturer, ev, "Programmatisch toetsen", "staff"));
	r = suggest_ok(&s_machine, ev, "Stageplaatsen in het primair onderwijs", "partner");
	assert_string_equal(r->topic->person_id, "");
	assert_string_equal(r->topic->person_name, "schoolbestuur-sync");
	rpc_free(r);

	/* Text: required, at most 500 characters. */
	expect_status_free(suggest(&s_student, ev, ""), CODE(INVALID_ARGUMENT),
		    "text is required (at most 500 characters)", "suggest_topic.text");
	char longer[502];
	memset(longer, 'x', 501);
	longer[501] = '\0';
	expect_status_free(suggest(&s_student, ev, longer), CODE(INVALID_ARGUMENT), NULL,
		    "suggest_topic.text");
	longer[500] = '\0';
	rpc_free(suggest_ok(&s_student, ev, longer, "participant"));

	/* After the start: closed. */
	expect_status_free(suggest(&s_student, past, "Te laat"), CODE(FAILED_PRECONDITION),
		    "suggestions close when the event begins", NULL);

	/* Everyone who may see the event sees the topics, in order. */
	r = list_topics(&s_contact, ev);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->topics->n_topics, 7);
	assert_string_equal(r->topics->topics[0]->person_id, student);
	assert_string_equal(r->topics->topics[0]->text, "Formatief toetsen in de onderbouw");
	assert_string_equal(r->topics->topics[1]->suggested_as, "alumnus");
	char *coach_name = name_of(coach);
	assert_string_equal(r->topics->topics[2]->person_name, coach_name);
	free(coach_name);
	rpc_free(r);
	r = list_topics(&s_machine, past);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->topics->n_topics, 0);
	rpc_free(r);

	sess_close(&s_student); sess_close(&s_alum); sess_close(&s_coach);
	sess_close(&s_contact); sess_close(&s_lecturer); sess_close(&s_machine);
	free(t_student); free(t_alum); free(t_coach); free(t_contact); free(t_lecturer);
	free(t_machine); free(student); free(alum); free(coach); free(contact); free(lecturer);
	free(ev); free(past); free(org);
}

/* ---- who sees which event, for each role ---- */

static void
test_visibility_for_each_role(void **state)
{
	char *org = mk_org("Mbo-college");
	char *member = mk_person("Lid");
	char *outsider = mk_person("Buitenstaander");
	char *coach = mk_person("Praktijkcoach");
	char *contact = mk_person("Werkgever");
	char *lecturer = mk_person("Opleider");
	free(enroll(member, TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ACTIVE));
	free(enroll(outsider, TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ACTIVE));
	char *members[] = {member};
	char *community = mk_community(members, 1);
	char *closed = mk_event(10, community, NULL);
	char *open = mk_event(10, NULL, NULL);
	char *begun = mk_event(10, NULL, PAST);
	char ghost[] = "0b6f1c1e-0000-4000-a000-000000000001";

	char *tok[5] = {
		login(member, TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0, NULL),
		login(outsider, TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0, NULL),
		login(coach, TRIAD__V1__ROLE__ROLE_WORKPLACE_COACH, 0, NULL),
		login(contact, TRIAD__V1__ROLE__ROLE_EMPLOYER_CONTACT, 0, org),
		login(lecturer, TRIAD__V1__ROLE__ROLE_PROGRAMME_STAFF,
		      TRIAD__V1__STAFF_TITLE__STAFF_TITLE_LECTURER, NULL),
	};
	Sess s_member = sess_open(d.addr, tok[0]), s_out = sess_open(d.addr, tok[1]),
	     s_coach = sess_open(d.addr, tok[2]), s_contact = sess_open(d.addr, tok[3]),
	     s_staff = sess_open(d.addr, tok[4]);
	REQ(rt);
	Triad__V1__CreateTokenRequest ct = TRIAD__V1__CREATE_TOKEN_REQUEST__INIT;
	ct.machine_name = "mbo-roosters";
	ct.organisation_id = org;
	rt.body_case = TRIAD__V1__REQUEST__BODY_CREATE_TOKEN;
	rt.create_token = &ct;
	Triad__V1__Response *r = rpc_ok(&op, inst, &rt);
	Sess s_machine = sess_open(d.addr, r->create_token->token);
	rpc_free(r);

	/* Staff and the community's member see the community's event. */
	Sess *sees_all[] = {&s_staff, &s_member};
	for (size_t i = 0; i < 2; i++) {
		r = get_event(sees_all[i], closed);
		expect_status(r, CODE(OK), NULL, NULL);
		assert_string_equal(r->event->community_id, community);
		rpc_free(r);
		assert_true(lists_event(sees_all[i], closed));
		assert_true(lists_event(sees_all[i], open));
	}
	/* Everyone else: not found, exactly like an id that names nothing. */
	Sess *others[] = {&s_out, &s_coach, &s_contact, &s_machine};
	for (size_t i = 0; i < 4; i++) {
		expect_status_free(get_event(others[i], closed), CODE(NOT_FOUND), "event not found", NULL);
		expect_status_free(get_event(others[i], ghost), CODE(NOT_FOUND), "event not found", NULL);
		assert_false(lists_event(others[i], closed));
		assert_true(lists_event(others[i], open));
		expect_status_free(list_topics(others[i], closed), CODE(NOT_FOUND), "event not found", NULL);
		expect_status_free(list_regs(others[i], closed, false, false), CODE(NOT_FOUND),
			    "event not found", NULL);
		expect_status_free(suggest(others[i], closed, "Een onderwerp"), CODE(NOT_FOUND),
			    "event not found", "suggest_topic.event_id");
		expect_status_free(reg(others[i], closed, NULL), CODE(NOT_FOUND), "event not found",
			    "register_for_event.event_id");
	}
	/* A community's filter and the upcoming filter. */
	r = list_events(&s_member, community, true, 100, NULL);
	assert_int_equal(r->events->n_events, 1);
	assert_string_equal(r->events->events[0]->id, closed);
	rpc_free(r);
	assert_true(lists_event(&s_out, begun));
	r = list_events(&s_out, NULL, true, 1000, NULL);
	for (size_t i = 0; i < r->events->n_events; i++)
		assert_string_not_equal(r->events->events[i]->id, begun);
	rpc_free(r);

	/* Registering oneself: the member for the community's event, the
	 * others for the open one; the employer contact too. */
	r = reg(&s_member, closed, NULL);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->registration->person_id, member);
	char *reg_member = test_strdup(r->registration->id);
	rpc_free(r);
	r = reg(&s_out, open, outsider);   /* one's own id is oneself */
	expect_status(r, CODE(OK), NULL, NULL);
	char *reg_out = test_strdup(r->registration->id);
	rpc_free(r);
	r = reg(&s_contact, open, NULL);
	expect_status(r, CODE(OK), NULL, NULL);
	char *reg_contact = test_strdup(r->registration->id);
	rpc_free(r);
	r = reg(&s_coach, open, NULL);
	expect_status(r, CODE(OK), NULL, NULL);
	rpc_free(r);
	expect_status_free(reg(&s_out, begun, NULL), CODE(FAILED_PRECONDITION),
		    "the event has already begun", NULL);

	/* Someone else: staff only, after the checks of the request itself. */
	expect_status_free(reg(&s_out, open, member), CODE(PERMISSION_DENIED),
		    "only staff can register someone else; leave person_id empty to register yourself",
		    NULL);
	expect_status_free(reg(&s_out, open, ghost), CODE(NOT_FOUND), "person not found in this institution",
		    "register_for_event.person_id");
	expect_status_free(reg(&s_machine, open, NULL), CODE(INVALID_ARGUMENT), NULL,
		    "register_for_event.person_id");
	expect_status_free(reg(&s_machine, open, member), CODE(PERMISSION_DENIED), NULL, NULL);
	r = reg(&s_staff, open, member);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->registration->person_id, member);
	rpc_free(r);
	/* Staff cannot put a non-member on a community's event. */
	char *out_name = name_of(outsider);
	r = reg(&s_staff, closed, outsider);
	expect_status(r, CODE(FAILED_PRECONDITION), NULL, "register_for_event.person_id");
	assert_non_null(strstr(r->status->message, out_name));
	assert_non_null(strstr(r->status->message, "is not a member of the community"));
	rpc_free(r);
	free(out_name);

	/* Registrations: staff see all, anyone else their own. */
	r = list_regs(&s_staff, open, false, false);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->registrations->n_registrations, 4);
	rpc_free(r);
	r = list_regs(&s_out, open, false, false);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->registrations->n_registrations, 1);
	assert_string_equal(r->registrations->registrations[0]->id, reg_out);
	rpc_free(r);
	r = list_regs(&s_machine, open, false, false);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->registrations->n_registrations, 0);
	rpc_free(r);

	/* Cancelling: one's own; staff any; someone else's is not found. */
	expect_status_free(cancel(&s_out, reg_contact), CODE(NOT_FOUND), "registration not found",
		    "cancel_registration.id");
	expect_status_free(cancel(&s_out, reg_out), CODE(OK), NULL, NULL);
	expect_status_free(cancel(&s_staff, reg_contact), CODE(OK), NULL, NULL);
	expect_status_free(cancel(&s_member, reg_member), CODE(OK), NULL, NULL);

	/* Planning events and ambassadors is for staff. */
	EventSpec spec = {.kind = SYMPOSIUM, .capacity = 5};
	expect_status_free(create_event(&s_member, &spec), CODE(PERMISSION_DENIED), NULL, NULL);
	expect_status_free(set_capacity(&s_contact, open, 50), CODE(PERMISSION_DENIED), NULL, NULL);
	REQ(la);
	Triad__V1__ListAmbassadorsRequest lam = TRIAD__V1__LIST_AMBASSADORS_REQUEST__INIT;
	la.body_case = TRIAD__V1__REQUEST__BODY_LIST_AMBASSADORS;
	la.list_ambassadors = &lam;
	Sess *not_staff[] = {&s_member, &s_coach, &s_contact, &s_machine};
	for (size_t i = 0; i < 4; i++)
		expect_status_free(rpc(not_staff[i], inst, &la), CODE(PERMISSION_DENIED), NULL, NULL);
	rpc_free(rpc_ok(&s_staff, inst, &la));

	/* An empty request of each kind is about the request, never about
	 * the caller, for any role that may make it. */
	static const struct {
		Triad__V1__Request__BodyCase kind;
		bool staff_only;      /* staff and operators */
	} kinds[] = {
		{TRIAD__V1__REQUEST__BODY_CREATE_EVENT, true},
		{TRIAD__V1__REQUEST__BODY_GET_EVENT, false},
		{TRIAD__V1__REQUEST__BODY_LIST_EVENTS, false},
		{TRIAD__V1__REQUEST__BODY_SET_EVENT_CAPACITY, true},
		{TRIAD__V1__REQUEST__BODY_REGISTER_FOR_EVENT, false},
		{TRIAD__V1__REQUEST__BODY_CANCEL_REGISTRATION, false},
		{TRIAD__V1__REQUEST__BODY_LIST_REGISTRATIONS, false},
		{TRIAD__V1__REQUEST__BODY_RECORD_EVENT_ATTENDANCE, true},
		{TRIAD__V1__REQUEST__BODY_SUGGEST_TOPIC, false},
		{TRIAD__V1__REQUEST__BODY_LIST_TOPICS, false},
		{TRIAD__V1__REQUEST__BODY_LIST_ALUMNI, false},
		{TRIAD__V1__REQUEST__BODY_CREATE_AMBASSADOR, true},
		{TRIAD__V1__REQUEST__BODY_LIST_AMBASSADORS, true},
		{TRIAD__V1__REQUEST__BODY_END_AMBASSADOR, true},
		{TRIAD__V1__REQUEST__BODY_RECORD_AMBASSADOR_ACTIVITY, true},
		{TRIAD__V1__REQUEST__BODY_LIST_AMBASSADOR_ACTIVITIES, true},
	};
	Sess *callers[] = {&op, &s_staff, &s_out, &s_coach, &s_contact, &s_machine};
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(
			&triad__v1__request__descriptor, (unsigned)kinds[k].kind);
		assert_non_null(f);
		for (size_t c = 0; c < sizeof callers / sizeof callers[0]; c++) {
			bool staff = c < 2;
			/* Suggesting topics is for people with a role in the
			 * institution; the operator has none. */
			bool denied = (kinds[k].staff_only && !staff) ||
				      (c == 0 && kinds[k].kind == TRIAD__V1__REQUEST__BODY_SUGGEST_TOPIC);
			const ProtobufCMessageDescriptor *md = f->descriptor;
			void *body = calloc(1, md->sizeof_message);
			assert_non_null(body);
			protobuf_c_message_init(md, body);
			REQ(req);
			req.body_case = kinds[k].kind;
			*(void **)((char *)&req + f->offset) = body;
			r = rpc(callers[c], inst, &req);
			Triad__V1__Code code = r->status->code;
			if (denied) {
				if (code != CODE(PERMISSION_DENIED))
					fail_msg("%s by caller %zu: %d", f->name, c, code);
			} else if (code != CODE(OK) && code != CODE(INVALID_ARGUMENT) &&
				   code != CODE(NOT_FOUND)) {
				fail_msg("%s by caller %zu: %d %s", f->name, c, code, r->status->message);
			}
			rpc_free(r);
			free(body);
		}
	}

	sess_close(&s_member); sess_close(&s_out); sess_close(&s_coach);
	sess_close(&s_contact); sess_close(&s_staff); sess_close(&s_machine);
	for (int i = 0; i < 5; i++)
		free(tok[i]);
	free(reg_member); free(reg_out); free(reg_contact);
	free(org); free(member); free(outsider); free(coach); free(contact); free(lecturer);
	free(community); free(closed); free(open); free(begun);
}

/* ---- events are listed soonest first, page after page ---- */

static void
test_events_soonest_first(void **state)
{
	char *members[1];
	members[0] = mk_person("Pager");
	char *community = mk_community(members, 1);
	static const char *const at[] = {"2032-05-01 10:00", "2032-02-01T10:00:00+01:00",
					 "2032-03-01T09:00:00Z", "2032-01-01 09:00",
					 "2032-04-01T12:00:00Z"};
	char *ids[5];
	for (int i = 0; i < 5; i++)
		ids[i] = mk_event(5, community, at[i]);
	static const int order[] = {3, 1, 2, 4, 0};
	char *token = NULL;
	int seen = 0;
	for (int page = 0; page < 3; page++) {
		Triad__V1__Response *r = list_events(&op, community, false, 2, token);
		for (size_t i = 0; i < r->events->n_events; i++)
			assert_string_equal(r->events->events[i]->id, ids[order[seen++]]);
		free(token);
		token = test_strdup(r->events->next_page_token);
		rpc_free(r);
	}
	assert_int_equal(seen, 5);
	assert_string_equal(token, "");
	free(token);
	Triad__V1__Response *r = get_event(&op, ids[1]);
	assert_string_equal(r->event->starts_at, "2032-02-01T09:00:00Z");
	rpc_free(r);
	r = get_event(&op, ids[0]);
	assert_string_equal(r->event->starts_at, "2032-05-01T10:00:00Z");
	rpc_free(r);
	EventSpec spec = {.kind = SYMPOSIUM, .starts_at = "next tuesday"};
	expect_status_free(create_event(&op, &spec), CODE(INVALID_ARGUMENT), NULL, "create_event.starts_at");
	spec.starts_at = "2032-02-30 10:00";
	expect_status_free(create_event(&op, &spec), CODE(INVALID_ARGUMENT), NULL, "create_event.starts_at");
	spec.kind = TRIAD__V1__EVENT_KIND__EVENT_KIND_COMMUNITY_MEETING;
	spec.starts_at = NULL;
	expect_status_free(create_event(&op, &spec), CODE(INVALID_ARGUMENT), NULL, "create_event.community_id");

	/* A start given in microseconds wins over the deprecated text and
	 * comes back to the microsecond, its text twin to the second. */
	spec = (EventSpec){.kind = SYMPOSIUM, .community = community,
			   .starts_at = "2031-01-01T00:00:00Z", .starts_at_us = 1970000000123456LL,
			   .capacity = 5};
	r = create_event(&op, &spec);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->event->starts_at_us, 1970000000123456LL);
	assert_string_equal(r->event->starts_at, "2032-06-04T22:13:20Z");
	char *us_id = test_strdup(r->event->id);
	rpc_free(r);
	r = get_event(&op, us_id);
	assert_int_equal(r->event->starts_at_us, 1970000000123456LL);
	assert_string_equal(r->event->starts_at, "2032-06-04T22:13:20Z");
	rpc_free(r);
	free(us_id);
	for (int i = 0; i < 5; i++)
		free(ids[i]);
	free(members[0]);
	free(community);
}

/* ---- ambassadors and their activities ---- */

static void
test_ambassadors(void **state)
{
	char *school = mk_org("Scholengemeenschap");
	char *alum = mk_person("Ambassadeur");
	free(enroll(alum, TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_COMPLETED));
	char *student = mk_person("Nog-bezig");
	free(enroll(student, TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ACTIVE));
	/* An executive the institution does not know yet: a shared person. */
	char email[96];
	test_unique(email, sizeof email, "bestuurder");
	strcat(email, "@example.org");
	char *exec = owner_sql("INSERT INTO person (name, email) VALUES ('Bea Bestuurder', $1)"
			       " RETURNING id", email, NULL, NULL);
	char *today = owner_sql("SELECT current_date::text", NULL, NULL, NULL);

	/* An alumnus basis needs an alumnus. */
	char *student_name = name_of(student);
	char msg[300];
	snprintf(msg, sizeof msg, "%s is not an alumnus of %s: only someone who completed the "
		 "programme is its ambassador as an alumnus", student_name, programme_code);
	expect_status_free(create_ambassador(student, school,
				      TRIAD__V1__AMBASSADOR_BASIS__AMBASSADOR_BASIS_ALUMNUS, NULL),
		    CODE(FAILED_PRECONDITION), msg, "create_ambassador.basis");
	free(student_name);
	expect_status_free(create_ambassador(alum, school,
				      TRIAD__V1__AMBASSADOR_BASIS__AMBASSADOR_BASIS_UNSPECIFIED, NULL),
		    CODE(INVALID_ARGUMENT), NULL, "create_ambassador.basis");

	Triad__V1__Response *r = create_ambassador(alum, school,
		TRIAD__V1__AMBASSADOR_BASIS__AMBASSADOR_BASIS_ALUMNUS, NULL);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->ambassador->person_id, alum);
	assert_string_equal(r->ambassador->programme_id, programme);
	assert_string_equal(r->ambassador->programme_code, programme_code);
	assert_string_equal(r->ambassador->organisation_id, school);
	assert_int_equal(r->ambassador->basis, TRIAD__V1__AMBASSADOR_BASIS__AMBASSADOR_BASIS_ALUMNUS);
	assert_string_equal(r->ambassador->starts_on, today);
	assert_string_equal(r->ambassador->ends_on, "");
	char *amb = test_strdup(r->ambassador->id);
	rpc_free(r);
	assert_int_equal(audited(amb, "ambassador.create"), 1);

	/* One current ambassadorship per person, programme and organisation. */
	expect_status_free(create_ambassador(alum, school,
				      TRIAD__V1__AMBASSADOR_BASIS__AMBASSADOR_BASIS_ALUMNUS, NULL),
		    CODE(ALREADY_EXISTS), NULL, "create_ambassador.person_id");

	/* The executive: becomes known to the institution. */
	r = create_ambassador(exec, school, TRIAD__V1__AMBASSADOR_BASIS__AMBASSADOR_BASIS_EXECUTIVE,
			      "2025-01-01");
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->ambassador->person_name, "Bea Bestuurder");
	char *amb_exec = test_strdup(r->ambassador->id);
	rpc_free(r);
	char *known = owner_sql("SELECT count(*) FROM member m JOIN institution i"
				"    ON i.id = m.institution_id"
				" WHERE i.slug = $1 AND m.person_id = $2::uuid", inst, exec, NULL);
	assert_string_equal(known, "1");
	free(known);

	/* Activities: kind required, reach not negative, within the period. */
	expect_status_free(activity(amb, TRIAD__V1__ACTIVITY_KIND__ACTIVITY_KIND_UNSPECIFIED, NULL, 0),
		    CODE(INVALID_ARGUMENT), NULL, "record_ambassador_activity.kind");
	expect_status_free(activity(amb, TRIAD__V1__ACTIVITY_KIND__ACTIVITY_KIND_TALK, NULL, -1),
		    CODE(INVALID_ARGUMENT), NULL, "record_ambassador_activity.reach");
	expect_status_free(activity(amb_exec, TRIAD__V1__ACTIVITY_KIND__ACTIVITY_KIND_TALK, "2024-12-31", 0),
		    CODE(FAILED_PRECONDITION), NULL, "record_ambassador_activity.held_on");
	r = activity(amb_exec, TRIAD__V1__ACTIVITY_KIND__ACTIVITY_KIND_GUEST_LECTURE, "2025-03-10", 60);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->ambassador_activity->ambassador_name, "Bea Bestuurder");
	assert_string_equal(r->ambassador_activity->held_on, "2025-03-10");
	assert_int_equal(r->ambassador_activity->reach, 60);
	assert_int_equal(audited(r->ambassador_activity->id, "ambassador.activity"), 1);
	rpc_free(r);
	expect_status_free(activity(amb_exec, TRIAD__V1__ACTIVITY_KIND__ACTIVITY_KIND_RECRUITMENT,
			     "2025-09-01", 12), CODE(OK), NULL, NULL);
	expect_status_free(activity(amb_exec, TRIAD__V1__ACTIVITY_KIND__ACTIVITY_KIND_TALK, "2025-05-20", 35),
		    CODE(OK), NULL, NULL);
	r = activity(amb, TRIAD__V1__ACTIVITY_KIND__ACTIVITY_KIND_TALK, NULL, 0);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->ambassador_activity->held_on, today);
	rpc_free(r);

	/* Newest first. */
	REQ(la);
	Triad__V1__ListAmbassadorActivitiesRequest lam =
		TRIAD__V1__LIST_AMBASSADOR_ACTIVITIES_REQUEST__INIT;
	lam.ambassador_id = amb_exec;
	la.body_case = TRIAD__V1__REQUEST__BODY_LIST_AMBASSADOR_ACTIVITIES;
	la.list_ambassador_activities = &lam;
	r = rpc_ok(&op, inst, &la);
	Triad__V1__ListAmbassadorActivitiesReply *acts = r->ambassador_activities;
	assert_int_equal(acts->n_activities, 3);
	assert_int_equal(acts->activities[0]->kind,
			 TRIAD__V1__ACTIVITY_KIND__ACTIVITY_KIND_RECRUITMENT);
	assert_string_equal(acts->activities[1]->held_on, "2025-05-20");
	assert_int_equal(acts->activities[1]->reach, 35);
	assert_int_equal(acts->activities[2]->kind,
			 TRIAD__V1__ACTIVITY_KIND__ACTIVITY_KIND_GUEST_LECTURE);
	rpc_free(r);
	lam.ambassador_id = "0b6f1c1e-0000-4000-a000-000000000002";
	expect_status_free(rpc(&op, inst, &la), CODE(NOT_FOUND), "ambassador not found", NULL);

	/* The list, by organisation, with the activities counted. */
	REQ(ll);
	Triad__V1__ListAmbassadorsRequest by_org = TRIAD__V1__LIST_AMBASSADORS_REQUEST__INIT;
	by_org.organisation_id = school;
	ll.body_case = TRIAD__V1__REQUEST__BODY_LIST_AMBASSADORS;
	ll.list_ambassadors = &by_org;
	r = rpc_ok(&op, inst, &ll);
	assert_int_equal(r->ambassadors->n_ambassadors, 2);
	for (size_t i = 0; i < 2; i++) {
		Triad__V1__Ambassador *a = r->ambassadors->ambassadors[i];
		assert_int_equal(a->activities, strcmp(a->id, amb_exec) == 0 ? 3 : 1);
	}
	rpc_free(r);

	/* Ending: not before the start, not before the last activity. */
	expect_status_free(end_ambassador(amb_exec, "2024-12-31"), CODE(INVALID_ARGUMENT), NULL,
		    "end_ambassador.ends_on");
	expect_status_free(end_ambassador(amb_exec, "2025-06-30"), CODE(FAILED_PRECONDITION),
		    "an activity was recorded on 2025-09-01, after 2025-06-30", "end_ambassador.ends_on");
	char *yesterday = owner_sql("SELECT (current_date - 1)::text", NULL, NULL, NULL);
	r = end_ambassador(amb_exec, yesterday);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->ambassador->ends_on, yesterday);
	rpc_free(r);
	assert_int_equal(audited(amb_exec, "ambassador.end"), 1);
	char expect_msg[120];
	snprintf(expect_msg, sizeof expect_msg, "the ambassadorship already ended on %s", yesterday);
	expect_status_free(end_ambassador(amb_exec, NULL), CODE(FAILED_PRECONDITION), expect_msg, NULL);
	/* Ended: a new ambassadorship for the same may start. */
	expect_status_free(create_ambassador(exec, school,
				      TRIAD__V1__AMBASSADOR_BASIS__AMBASSADOR_BASIS_EXECUTIVE, NULL),
		    CODE(OK), NULL, NULL);
	/* Ending today: today is the last day. */
	r = end_ambassador(amb, NULL);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->ambassador->ends_on, today);
	rpc_free(r);

	free(yesterday); free(today); free(amb); free(amb_exec); free(exec); free(alum);
	free(student); free(school);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capacity_and_waitlist),
		cmocka_unit_test(test_forty_clients_race_for_ten_places),
		cmocka_unit_test(test_attendance),
		cmocka_unit_test(test_alumni_derived_from_completion),
		cmocka_unit_test(test_topic_suggestions),
		cmocka_unit_test(test_visibility_for_each_role),
		cmocka_unit_test(test_events_soonest_first),
		cmocka_unit_test(test_ambassadors),
	};
	return harness_run_group_tests(tests, setup, teardown);
}

/*
 * test_enrollment.c: the rules programmes live by, each at its boundary,
 * through the protocol against a real daemon and PostgreSQL: capacity and
 * waitlists, the standalone minority, the status transitions, core first
 * with exemptions, cannot-be-missed sessions, prior learning, progress,
 * and 200 clients racing for one group.
 */
#include "harness.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static Triadd d;
static Sess op;
static char inst[64];
static int uniq;

#define REQ(var) Triad__V1__Request var = TRIAD__V1__REQUEST__INIT

/* ---- fixtures through the protocol ---- */

static char *
mk_person(const char *stem)
{
	char email[128];
	test_unique(email, sizeof email, stem);
	strcat(email, "@example.org");
	return make_person(&op, inst, stem, email);
}

static char *
mk_programme(double share)
{
	char code[32];
	snprintf(code, sizeof code, "P%d", ++uniq);
	return make_programme(&op, inst, code, share);
}

static char *
mk_module(const char *programme, const char *code, Triad__V1__ModuleKind kind, int seq,
	  bool mandatory, bool cannot_miss)
{
	REQ(req);
	Triad__V1__CreateModuleRequest m = TRIAD__V1__CREATE_MODULE_REQUEST__INIT;
	Triad__V1__Module mod = TRIAD__V1__MODULE__INIT;
	mod.programme_id = (char *)programme;
	mod.code = (char *)code;
	mod.name = (char *)code;
	mod.kind = kind;
	mod.sequence = seq;
	mod.credits = 5;
	mod.attendance_mandatory = mandatory;
	mod.cannot_be_missed = cannot_miss;
	m.module = &mod;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_MODULE;
	req.create_module = &m;
	Triad__V1__Response *r = rpc_ok(&op, inst, &req);
	char *id = strdup(r->module->id);
	rpc_free(r);
	return id;
}

static char *
mk_cohort(const char *programme)
{
	REQ(req);
	Triad__V1__CreateCohortRequest m = TRIAD__V1__CREATE_COHORT_REQUEST__INIT;
	Triad__V1__Cohort c = TRIAD__V1__COHORT__INIT;
	char name[64];
	test_unique(name, sizeof name, "Metropool 24");
	c.programme_id = (char *)programme;
	c.name = name;
	c.starts_on = "2026-10-26";
	c.ends_on = "2028-04-30";
	m.cohort = &c;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_COHORT;
	req.create_cohort = &m;
	Triad__V1__Response *r = rpc_ok(&op, inst, &req);
	assert_string_equal(r->cohort->starts_on, "2026-10-26");
	char *id = strdup(r->cohort->id);
	rpc_free(r);
	return id;
}

static char *
mk_run(const char *module, const char *cohort, int capacity)
{
	REQ(req);
	Triad__V1__CreateRunRequest m = TRIAD__V1__CREATE_RUN_REQUEST__INIT;
	Triad__V1__ModuleRun run = TRIAD__V1__MODULE_RUN__INIT;
	run.module_id = (char *)module;
	run.cohort_id = (char *)cohort;
	run.capacity = capacity;
	if (capacity != 0)
		field_give(&run.base, "capacity");
	m.run = &run;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_RUN;
	req.create_run = &m;
	Triad__V1__Response *r = rpc_ok(&op, inst, &req);
	assert_int_equal(r->run->capacity, capacity ? capacity : 25);
	char *id = strdup(r->run->id);
	rpc_free(r);
	return id;
}

static Triad__V1__ModuleRun *
get_run(const char *run)
{
	REQ(req);
	Triad__V1__GetRunRequest m = TRIAD__V1__GET_RUN_REQUEST__INIT;
	m.id = (char *)run;
	req.body_case = TRIAD__V1__REQUEST__BODY_GET_RUN;
	req.get_run = &m;
	Triad__V1__Response *r = rpc_ok(&op, inst, &req);
	Triad__V1__ModuleRun *out = r->run;
	r->run = NULL;   /* keep it; the rest goes */
	r->body_case = TRIAD__V1__RESPONSE__BODY__NOT_SET;
	rpc_free(r);
	return out;
}

static void
run_free(Triad__V1__ModuleRun *run)
{
	protobuf_c_message_free_unpacked(&run->base, NULL);
}

/* Enrolls; returns the response (caller frees). */
static Triad__V1__Response *
enroll(Sess *s, const char *person, const char *cohort, const char *run)
{
	REQ(req);
	Triad__V1__EnrollRequest m = TRIAD__V1__ENROLL_REQUEST__INIT;
	m.person_id = (char *)person;
	m.cohort_id = (char *)(cohort ? cohort : "");
	m.run_id = (char *)(run ? run : "");
	req.body_case = TRIAD__V1__REQUEST__BODY_ENROLL;
	req.enroll = &m;
	return rpc(s, inst, &req);
}

/* Enrolls a new person; returns the enrollment id, checks the placement. */
static char *
enroll_new(const char *cohort, const char *run, Triad__V1__Placement want, int position)
{
	char *person = mk_person("participant");
	Triad__V1__Response *r = enroll(&op, person, cohort, run);
	if (r->status->code != TRIAD__V1__CODE__CODE_OK)
		fail_msg("enroll: %s", r->status->message);
	assert_int_equal(r->enrollment->placement, want);
	assert_int_equal(r->enrollment->waitlist_position, position);
	char *id = strdup(r->enrollment->id);
	rpc_free(r);
	free(person);
	return id;
}

static Triad__V1__Response *
transition(const char *enrollment, Triad__V1__EnrollmentStatus to)
{
	return move_enrollment(&op, inst, enrollment, to);
}

static Triad__V1__Enrollment *
get_enrollment(const char *id)
{
	REQ(req);
	Triad__V1__GetEnrollmentRequest m = TRIAD__V1__GET_ENROLLMENT_REQUEST__INIT;
	m.id = (char *)id;
	req.body_case = TRIAD__V1__REQUEST__BODY_GET_ENROLLMENT;
	req.get_enrollment = &m;
	Triad__V1__Response *r = rpc_ok(&op, inst, &req);
	Triad__V1__Enrollment *e = r->enrollment;
	r->enrollment = NULL;
	r->body_case = TRIAD__V1__RESPONSE__BODY__NOT_SET;
	rpc_free(r);
	return e;
}

static int
setup(void **state)
{
	/* The race test queues 200 requests on one cohort's lock; under the
	 * sanitizers and a busy machine that can take longer than 5 s. */
	triadd_start(&d, "pool_size = 4\ndb_timeout_ms = 30000\n");
	op = sess_open(d.addr, test_token());
	make_institution(&op, "enr", "Enrollment tests", inst);
	return 0;
}

static int
teardown(void **state)
{
	sess_close(&op);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
	return 0;
}

/* ---- capacity: 24, 25 and 26 in a group of 25 ---- */

static void
test_capacity_and_waitlist(void **state)
{
	char *prog = mk_programme(0);
	char *mod = mk_module(prog, "M1", TRIAD__V1__MODULE_KIND__MODULE_KIND_CORE, 1, false, false);
	char *cohort = mk_cohort(prog);
	char *run = mk_run(mod, cohort, 0);   /* default capacity: 25 */
	char *ids[27];

	for (int i = 0; i < 24; i++)
		ids[i] = enroll_new(cohort, NULL, TRIAD__V1__PLACEMENT__PLACEMENT_PLACED, 0);
	Triad__V1__ModuleRun *r = get_run(run);
	assert_int_equal(r->members, 24);
	run_free(r);
	ids[24] = enroll_new(cohort, NULL, TRIAD__V1__PLACEMENT__PLACEMENT_PLACED, 0);
	r = get_run(run);
	assert_int_equal(r->members, 25);
	run_free(r);
	ids[25] = enroll_new(cohort, NULL, TRIAD__V1__PLACEMENT__PLACEMENT_WAITLISTED, 1);
	ids[26] = enroll_new(cohort, NULL, TRIAD__V1__PLACEMENT__PLACEMENT_WAITLISTED, 2);
	r = get_run(run);
	assert_int_equal(r->members, 25);
	assert_int_equal(r->waitlisted, 2);
	run_free(r);

	/* Admission needs a place. */
	Triad__V1__Response *resp = transition(ids[25], TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_INTAKE_PLANNED);
	assert_int_equal(resp->status->code, TRIAD__V1__CODE__CODE_OK);
	rpc_free(resp);
	resp = transition(ids[25], TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ADMITTED);
	assert_int_equal(resp->status->code, TRIAD__V1__CODE__CODE_FAILED_PRECONDITION);
	assert_string_equal(resp->status->message,
			    "admission needs a place: this enrollment is number 1 on the waitlist");
	rpc_free(resp);

	/* A withdrawal frees a place: the first in line is promoted. */
	resp = transition(ids[3], TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_WITHDRAWN);
	assert_int_equal(resp->status->code, TRIAD__V1__CODE__CODE_OK);
	rpc_free(resp);
	Triad__V1__Enrollment *e = get_enrollment(ids[25]);
	assert_int_equal(e->placement, TRIAD__V1__PLACEMENT__PLACEMENT_PLACED);
	protobuf_c_message_free_unpacked(&e->base, NULL);
	e = get_enrollment(ids[26]);
	assert_int_equal(e->placement, TRIAD__V1__PLACEMENT__PLACEMENT_WAITLISTED);
	assert_int_equal(e->waitlist_position, 1);
	protobuf_c_message_free_unpacked(&e->base, NULL);

	/* The promotion is in the audit trail. */
	REQ(req);
	Triad__V1__ListAuditRequest la = TRIAD__V1__LIST_AUDIT_REQUEST__INIT;
	la.resource_id = ids[25];
	req.body_case = TRIAD__V1__REQUEST__BODY_LIST_AUDIT;
	req.list_audit = &la;
	resp = rpc_ok(&op, inst, &req);
	bool promoted = false;
	for (size_t i = 0; i < resp->audit->n_events; i++)
		promoted |= strcmp(resp->audit->events[i]->action, "enrollment.promote") == 0;
	assert_true(promoted);
	rpc_free(resp);

	for (int i = 0; i < 27; i++)
		free(ids[i]);
	free(prog);
	free(mod);
	free(cohort);
	free(run);
}

/* ---- the standalone minority: 12 and then 13 in a group of 25 ---- */

static void
test_standalone_minority(void **state)
{
	char *prog = mk_programme(0);
	char *core = mk_module(prog, "M1", TRIAD__V1__MODULE_KIND__MODULE_KIND_CORE, 1, false, false);
	char *cohort = mk_cohort(prog);
	char *run = mk_run(core, cohort, 25);
	char *prog_ids[13];

	for (int i = 0; i < 13; i++)
		prog_ids[i] = enroll_new(cohort, NULL, TRIAD__V1__PLACEMENT__PLACEMENT_PLACED, 0);
	for (int i = 0; i < 12; i++)
		free(enroll_new(NULL, run, TRIAD__V1__PLACEMENT__PLACEMENT_PLACED, 0));
	Triad__V1__ModuleRun *r = get_run(run);
	assert_int_equal(r->members, 25);
	assert_int_equal(r->standalone, 12);
	assert_string_equal(r->warning, "");
	run_free(r);

	/* The 13th would be half or more: waitlisted. */
	free(enroll_new(NULL, run, TRIAD__V1__PLACEMENT__PLACEMENT_WAITLISTED, 1));

	/* A withdrawal is never refused, even when it unbalances the group. */
	Triad__V1__Response *resp = transition(prog_ids[0], TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_WITHDRAWN);
	assert_int_equal(resp->status->code, TRIAD__V1__CODE__CODE_OK);
	rpc_free(resp);
	r = get_run(run);
	assert_int_equal(r->members, 24);
	assert_int_equal(r->standalone, 12);
	/* The waiting standalone participant is not promoted into the gap. */
	assert_int_equal(r->waitlisted, 1);
	assert_string_equal(r->warning, "out of balance: 12 of 24 members are standalone; they must stay below 50%");
	run_free(r);

	/* A new programme participant restores the balance. */
	free(enroll_new(cohort, NULL, TRIAD__V1__PLACEMENT__PLACEMENT_PLACED, 0));
	r = get_run(run);
	assert_int_equal(r->members, 25);
	assert_string_equal(r->warning, "");
	run_free(r);

	/* Without room made by programme participants, the share binds before
	 * the capacity: 12 programme, 11 standalone fit, the 12th does not. */
	char *cohort2 = mk_cohort(prog);
	char *run2 = mk_run(core, cohort2, 30);
	for (int i = 0; i < 12; i++)
		free(enroll_new(cohort2, NULL, TRIAD__V1__PLACEMENT__PLACEMENT_PLACED, 0));
	for (int i = 0; i < 11; i++)
		free(enroll_new(NULL, run2, TRIAD__V1__PLACEMENT__PLACEMENT_PLACED, 0));
	free(enroll_new(NULL, run2, TRIAD__V1__PLACEMENT__PLACEMENT_WAITLISTED, 1));

	for (int i = 0; i < 13; i++)
		free(prog_ids[i]);
	free(prog);
	free(core);
	free(cohort);
	free(cohort2);
	free(run);
	free(run2);
}

/* ---- sub-groups for assignments and intervision ---- */

static void
test_subgroups(void **state)
{
	char *prog = mk_programme(0);
	char *mod = mk_module(prog, "S1", TRIAD__V1__MODULE_KIND__MODULE_KIND_CORE, 1, false, false);
	char *cohort = mk_cohort(prog);
	char *run = mk_run(mod, cohort, 1);
	char *placed = enroll_new(cohort, NULL, TRIAD__V1__PLACEMENT__PLACEMENT_PLACED, 0);
	char *waiting = enroll_new(cohort, NULL, TRIAD__V1__PLACEMENT__PLACEMENT_WAITLISTED, 1);

	REQ(req);
	Triad__V1__CreateSubgroupRequest cs = TRIAD__V1__CREATE_SUBGROUP_REQUEST__INIT;
	Triad__V1__Subgroup sg = TRIAD__V1__SUBGROUP__INIT;
	sg.run_id = run;
	sg.name = "Intervisie A";
	sg.purpose = TRIAD__V1__SUBGROUP_PURPOSE__SUBGROUP_PURPOSE_INTERVISION;
	cs.subgroup = &sg;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_SUBGROUP;
	req.create_subgroup = &cs;
	Triad__V1__Response *r = rpc_ok(&op, inst, &req);
	assert_int_equal(r->subgroup->purpose, TRIAD__V1__SUBGROUP_PURPOSE__SUBGROUP_PURPOSE_INTERVISION);
	assert_int_equal(r->subgroup->n_enrollment_ids, 0);
	char *subgroup = strdup(r->subgroup->id);
	rpc_free(r);
	/* Names are unique within the run. */
	r = rpc(&op, inst, &req);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_FAILED_PRECONDITION);
	assert_string_equal(r->status->field, "create_subgroup.subgroup.name");
	rpc_free(r);

	REQ(am);
	Triad__V1__AddSubgroupMemberRequest m = TRIAD__V1__ADD_SUBGROUP_MEMBER_REQUEST__INIT;
	m.subgroup_id = subgroup;
	m.enrollment_id = placed;
	am.body_case = TRIAD__V1__REQUEST__BODY_ADD_SUBGROUP_MEMBER;
	am.add_subgroup_member = &m;
	r = rpc_ok(&op, inst, &am);
	assert_int_equal(r->subgroup->n_enrollment_ids, 1);
	assert_string_equal(r->subgroup->enrollment_ids[0], placed);
	rpc_free(r);
	/* Only placed members of the run's group. */
	m.enrollment_id = waiting;
	r = rpc(&op, inst, &am);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_FAILED_PRECONDITION);
	assert_string_equal(r->status->message,
			    "the enrollment is not a placed member of this run's group");
	rpc_free(r);

	REQ(ls);
	Triad__V1__ListSubgroupsRequest l = TRIAD__V1__LIST_SUBGROUPS_REQUEST__INIT;
	l.run_id = run;
	ls.body_case = TRIAD__V1__REQUEST__BODY_LIST_SUBGROUPS;
	ls.list_subgroups = &l;
	r = rpc_ok(&op, inst, &ls);
	assert_int_equal(r->subgroups->n_subgroups, 1);
	assert_string_equal(r->subgroups->subgroups[0]->name, "Intervisie A");
	assert_int_equal(r->subgroups->subgroups[0]->n_enrollment_ids, 1);
	rpc_free(r);

	free(prog); free(mod); free(cohort); free(run); free(placed); free(waiting); free(subgroup);
}

/* ---- the transition table ---- */

static const Triad__V1__EnrollmentStatus states[] = {
	TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_APPLIED,
	TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_INTAKE_PLANNED,
	TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ADMITTED,
	TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ACTIVE,
	TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_COMPLETED,
	TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_WITHDRAWN,
};
static const char *const state_words[] = {
	"applied", "intake planned", "admitted", "active", "completed", "withdrawn",
};

/* legal[from][to], written out: the specification. */
static const bool legal[6][6] = {
	/*               app    intake admit  active compl  withdr */
	/* applied */   {false, true,  false, false, false, true},
	/* intake */    {false, false, true,  false, false, true},
	/* admitted */  {false, false, false, true,  false, true},
	/* active */    {false, false, false, false, true,  true},
	/* completed */ {false, false, false, false, false, false},
	/* withdrawn */ {false, false, false, false, false, false},
};

/* A placed enrollment brought to states[k] along the legal path. */
static char *
enrollment_in(const char *cohort, int k)
{
	char *id = enroll_new(cohort, NULL, TRIAD__V1__PLACEMENT__PLACEMENT_PLACED, 0);
	static const int path[6][4] = {
		{-1}, {1, -1}, {1, 2, -1}, {1, 2, 3, -1}, {1, 2, 3, 4}, {5, -1},
	};
	for (int i = 0; i < 4 && path[k][i] >= 0; i++) {
		if (k == 0)
			break;
		Triad__V1__Response *r = transition(id, states[path[k][i]]);
		if (r->status->code != TRIAD__V1__CODE__CODE_OK)
			fail_msg("to %s: %s", state_words[path[k][i]], r->status->message);
		rpc_free(r);
	}
	return id;
}

static void
test_transition_table(void **state)
{
	char *prog = mk_programme(0);
	char *cohort = mk_cohort(prog);   /* no runs: no capacity in the way */

	for (int from = 0; from < 6; from++) {
		for (int to = 0; to < 6; to++) {
			char *id = enrollment_in(cohort, from);
			Triad__V1__Response *r = transition(id, states[to]);
			if (legal[from][to]) {
				if (r->status->code != TRIAD__V1__CODE__CODE_OK)
					fail_msg("%s -> %s refused: %s", state_words[from], state_words[to],
						 r->status->message);
				assert_int_equal(r->enrollment->status, states[to]);
			} else {
				assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_FAILED_PRECONDITION);
				char want[128];
				snprintf(want, sizeof want, "an enrollment cannot go from %s to %s",
					 state_words[from], state_words[to]);
				if (strncmp(r->status->message, want, strlen(want)) != 0)
					fail_msg("%s -> %s: message \"%s\"", state_words[from], state_words[to],
						 r->status->message);
			}
			rpc_free(r);
			free(id);
		}
	}
	free(prog);
	free(cohort);
}

/* ---- cannot-be-missed ---- */

static char *
mk_session(const char *run, const char *at)
{
	REQ(req);
	Triad__V1__CreateSessionRequest m = TRIAD__V1__CREATE_SESSION_REQUEST__INIT;
	Triad__V1__Session s = TRIAD__V1__SESSION__INIT;
	s.run_id = (char *)run;
	s.starts_at = (char *)at;
	s.title = "Kick-off";
	m.session = &s;
	m.record_history = true;   /* attendance is recorded for sessions held */
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_SESSION;
	req.create_session = &m;
	Triad__V1__Response *r = rpc_ok(&op, inst, &req);
	char *id = strdup(r->session->id);
	rpc_free(r);
	return id;
}

static Triad__V1__Response *
attend(const char *session, const char *enrollment, Triad__V1__AttendanceStatus st)
{
	REQ(req);
	Triad__V1__RecordAttendanceRequest m = TRIAD__V1__RECORD_ATTENDANCE_REQUEST__INIT;
	m.session_id = (char *)session;
	m.enrollment_id = (char *)enrollment;
	m.status = st;
	req.body_case = TRIAD__V1__REQUEST__BODY_RECORD_ATTENDANCE;
	req.record_attendance = &m;
	return rpc(&op, inst, &req);
}

static void
test_missed_cannot_be_missed_blocks(void **state)
{
	char *prog = mk_programme(0);
	char *m1 = mk_module(prog, "M1", TRIAD__V1__MODULE_KIND__MODULE_KIND_CORE, 1, true, true);
	char *m2 = mk_module(prog, "M2", TRIAD__V1__MODULE_KIND__MODULE_KIND_CORE, 2, true, false);
	char *cohort = mk_cohort(prog);
	char *run1 = mk_run(m1, cohort, 25);
	char *run2 = mk_run(m2, cohort, 25);
	char *s1 = mk_session(run1, "2026-10-26T09:00:00Z");
	char *s2 = mk_session(run2, "2026-12-07T09:00:00Z");
	char *ok = enroll_new(cohort, NULL, TRIAD__V1__PLACEMENT__PLACEMENT_PLACED, 0);
	char *missed = enroll_new(cohort, NULL, TRIAD__V1__PLACEMENT__PLACEMENT_PLACED, 0);

	Triad__V1__Response *r = attend(s1, ok, TRIAD__V1__ATTENDANCE_STATUS__ATTENDANCE_STATUS_PRESENT);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
	rpc_free(r);
	r = attend(s1, missed, TRIAD__V1__ATTENDANCE_STATUS__ATTENDANCE_STATUS_ABSENT);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
	rpc_free(r);
	Triad__V1__Enrollment *e = get_enrollment(missed);
	assert_string_equal(e->blocked_reason,
			    "missed the 2026-10-26 session of M1 (M1), which cannot be missed");
	protobuf_c_message_free_unpacked(&e->base, NULL);

	/* The later run refuses the participant. */
	r = attend(s2, missed, TRIAD__V1__ATTENDANCE_STATUS__ATTENDANCE_STATUS_PRESENT);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_FAILED_PRECONDITION);
	assert_non_null(strstr(r->status->message, "blocked"));
	rpc_free(r);
	/* So does a new enrollment elsewhere. */
	e = get_enrollment(missed);
	char *person = strdup(e->person_id);
	protobuf_c_message_free_unpacked(&e->base, NULL);
	char *other_cohort = mk_cohort(prog);
	r = enroll(&op, person, other_cohort, NULL);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_FAILED_PRECONDITION);
	assert_non_null(strstr(r->status->message, "is blocked: missed the 2026-10-26 session"));
	rpc_free(r);
	/* The one who was there carries on. */
	r = attend(s2, ok, TRIAD__V1__ATTENDANCE_STATUS__ATTENDANCE_STATUS_PRESENT);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
	rpc_free(r);

	/* Staff record the resolution; the block lifts, and it is audited. */
	REQ(req);
	Triad__V1__ResolveBlockRequest rb = TRIAD__V1__RESOLVE_BLOCK_REQUEST__INIT;
	rb.enrollment_id = missed;
	rb.resolution = "M1 repeated with Metropool 25";
	req.body_case = TRIAD__V1__REQUEST__BODY_RESOLVE_BLOCK;
	req.resolve_block = &rb;
	r = rpc_ok(&op, inst, &req);
	assert_string_equal(r->enrollment->blocked_reason, "");
	rpc_free(r);
	r = attend(s2, missed, TRIAD__V1__ATTENDANCE_STATUS__ATTENDANCE_STATUS_PRESENT);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
	rpc_free(r);

	/* Mandatory attendance: completing M1 needs presence. */
	REQ(cm);
	Triad__V1__CompleteModuleRequest c = TRIAD__V1__COMPLETE_MODULE_REQUEST__INIT;
	c.enrollment_id = missed;
	c.module_id = m1;
	cm.body_case = TRIAD__V1__REQUEST__BODY_COMPLETE_MODULE;
	cm.complete_module = &c;
	r = rpc(&op, inst, &cm);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_FAILED_PRECONDITION);
	assert_string_equal(r->status->message, "attendance is mandatory for M1: not present on 2026-10-26");
	rpc_free(r);
	c.enrollment_id = ok;
	r = rpc_ok(&op, inst, &cm);
	assert_string_equal(r->module_completion->module_id, m1);
	rpc_free(r);

	free(prog); free(m1); free(m2); free(cohort); free(run1); free(run2); free(s1); free(s2);
	free(ok); free(missed); free(person); free(other_cohort);
}

/* ---- core first, exemptions, prior learning and progress ---- */

static char *
mk_outcome(const char *programme, const char *code, double credits)
{
	REQ(req);
	Triad__V1__CreateLearningOutcomeRequest m = TRIAD__V1__CREATE_LEARNING_OUTCOME_REQUEST__INIT;
	Triad__V1__LearningOutcome o = TRIAD__V1__LEARNING_OUTCOME__INIT;
	o.programme_id = (char *)programme;
	o.code = (char *)code;
	o.description = "Analyses a policy problem in its context";
	o.credits = credits;
	m.outcome = &o;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_LEARNING_OUTCOME;
	req.create_learning_outcome = &m;
	Triad__V1__Response *r = rpc_ok(&op, inst, &req);
	char *id = strdup(r->learning_outcome->id);
	rpc_free(r);
	return id;
}

static void
test_core_first_and_exemption(void **state)
{
	char *prog = mk_programme(0);
	char *core = mk_module(prog, "C1", TRIAD__V1__MODULE_KIND__MODULE_KIND_CORE, 1, false, false);
	char *mc = mk_module(prog, "MC1", TRIAD__V1__MODULE_KIND__MODULE_KIND_MASTERCLASS, 2, false, false);
	char *cohort = mk_cohort(prog);
	free(mk_run(core, cohort, 25));
	char *mc_run = mk_run(mc, cohort, 25);
	for (int i = 0; i < 3; i++)
		free(enroll_new(cohort, NULL, TRIAD__V1__PLACEMENT__PLACEMENT_PLACED, 0));

	char *person = mk_person("masterclass-follower");
	Triad__V1__Response *r = enroll(&op, person, NULL, mc_run);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_FAILED_PRECONDITION);
	assert_string_equal(r->status->message,
			    "masterclass MC1 needs the core and its prerequisites done first: C1 not yet; "
			    "staff can record an exemption with a reason");
	rpc_free(r);

	/* An exemption needs a reason, is audited, and opens the way. */
	REQ(req);
	Triad__V1__RecordExemptionRequest ex = TRIAD__V1__RECORD_EXEMPTION_REQUEST__INIT;
	ex.person_id = person;
	ex.module_id = mc;
	ex.reason = "";
	req.body_case = TRIAD__V1__REQUEST__BODY_RECORD_EXEMPTION;
	req.record_exemption = &ex;
	r = rpc(&op, inst, &req);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT);
	assert_string_equal(r->status->field, "record_exemption.reason");
	rpc_free(r);
	ex.reason = "ten years as policy advisor; core covered by prior work";
	r = rpc_ok(&op, inst, &req);
	char *exemption = strdup(r->exemption->id);
	rpc_free(r);
	REQ(la_req);
	Triad__V1__ListAuditRequest la = TRIAD__V1__LIST_AUDIT_REQUEST__INIT;
	la.resource_kind = "exemption";
	la.resource_id = exemption;
	la_req.body_case = TRIAD__V1__REQUEST__BODY_LIST_AUDIT;
	la_req.list_audit = &la;
	r = rpc_ok(&op, inst, &la_req);
	assert_int_equal(r->audit->n_events, 1);
	assert_string_equal(r->audit->events[0]->action, "exemption.create");
	rpc_free(r);
	r = enroll(&op, person, NULL, mc_run);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
	assert_int_equal(r->enrollment->placement, TRIAD__V1__PLACEMENT__PLACEMENT_PLACED);
	rpc_free(r);

	free(prog); free(core); free(mc); free(cohort); free(mc_run); free(person); free(exemption);
}

static Triad__V1__Response *
progress_of(Sess *s, const char *enrollment)
{
	REQ(req);
	Triad__V1__GetProgressRequest m = TRIAD__V1__GET_PROGRESS_REQUEST__INIT;
	m.enrollment_id = (char *)enrollment;
	req.body_case = TRIAD__V1__REQUEST__BODY_GET_PROGRESS;
	req.get_progress = &m;
	return rpc(s, inst, &req);
}

static void
test_prior_learning_and_progress(void **state)
{
	char *prog = mk_programme(0);
	char *o1 = mk_outcome(prog, "O1", 6);
	char *o2 = mk_outcome(prog, "O2", 4);
	REQ(mreq);
	Triad__V1__CreateModuleRequest mm = TRIAD__V1__CREATE_MODULE_REQUEST__INIT;
	Triad__V1__Module mod = TRIAD__V1__MODULE__INIT;
	char *codes1[] = {"O1"}, *codes2[] = {"O2"};
	mod.programme_id = prog;
	mod.code = "C1";
	mod.name = "Policy analysis";
	mod.kind = TRIAD__V1__MODULE_KIND__MODULE_KIND_CORE;
	mod.sequence = 1;
	mod.credits = 6;
	mod.n_outcome_codes = 1;
	mod.outcome_codes = codes1;
	mm.module = &mod;
	mreq.body_case = TRIAD__V1__REQUEST__BODY_CREATE_MODULE;
	mreq.create_module = &mm;
	rpc_free(rpc_ok(&op, inst, &mreq));
	mod.code = "C2";
	mod.sequence = 2;
	mod.credits = 4;
	mod.outcome_codes = codes2;
	rpc_free(rpc_ok(&op, inst, &mreq));
	char *cohort = mk_cohort(prog);

	char *person = mk_person("claimant");
	Triad__V1__Response *r = enroll(&op, person, cohort, NULL);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
	char *enrollment = strdup(r->enrollment->id);
	rpc_free(r);
	char *ptok = invite_and_redeem(&op, d.addr, inst, person,
				       TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0, NULL);
	char *assessor = mk_person("assessor");
	char *atok = invite_and_redeem(&op, d.addr, inst, assessor,
				       TRIAD__V1__ROLE__ROLE_PROGRAMME_STAFF,
				       TRIAD__V1__STAFF_TITLE__STAFF_TITLE_ASSESSOR, NULL);
	Sess part = sess_open(d.addr, ptok), asse = sess_open(d.addr, atok);

	/* The participant claims O1 with evidence. */
	REQ(creq);
	Triad__V1__ClaimPriorLearningRequest cl = TRIAD__V1__CLAIM_PRIOR_LEARNING_REQUEST__INIT;
	cl.outcome_id = o1;
	cl.evidence = "Wrote the municipality's policy analysis on youth care, 2024";
	creq.body_case = TRIAD__V1__REQUEST__BODY_CLAIM_PRIOR_LEARNING;
	creq.claim_prior_learning = &cl;
	r = rpc_ok(&part, inst, &creq);
	assert_int_equal(r->claim->status, TRIAD__V1__CLAIM_STATUS__CLAIM_STATUS_CLAIMED);
	char *claim = strdup(r->claim->id);
	rpc_free(r);

	/* The claimant cannot decide it; the assessor can, with a reason. */
	REQ(dreq);
	Triad__V1__DecideClaimRequest dc = TRIAD__V1__DECIDE_CLAIM_REQUEST__INIT;
	dc.id = claim;
	dc.validate = true;
	dc.reason = "evidence shows the outcome at master level";
	dreq.body_case = TRIAD__V1__REQUEST__BODY_DECIDE_CLAIM;
	dreq.decide_claim = &dc;
	r = rpc(&part, inst, &dreq);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_PERMISSION_DENIED);
	rpc_free(r);
	r = rpc_ok(&asse, inst, &dreq);
	assert_int_equal(r->claim->status, TRIAD__V1__CLAIM_STATUS__CLAIM_STATUS_VALIDATED);
	assert_true(r->claim->credits == 6);
	rpc_free(r);
	r = rpc(&asse, inst, &dreq);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_FAILED_PRECONDITION);
	rpc_free(r);

	/* Progress: O1 by validation, C1 validated, C2 remaining, credits and
	 * a projected end shortened by the validated 6 of 60. */
	r = progress_of(&part, enrollment);
	if (r->status->code != TRIAD__V1__CODE__CODE_OK)
		fail_msg("progress: %s", r->status->message);
	Triad__V1__Progress *p = r->progress;
	assert_true(p->credits_validated == 6);
	assert_true(p->credits_earned == 6);
	assert_true(p->credits_required == 60);
	/* 26 Oct 2026 + 18 months of 30.44 days x (1 - 6/60) = 493 days */
	assert_string_equal(p->projected_end, "2028-03-02");
	assert_int_equal(p->n_outcomes, 2);
	assert_string_equal(p->outcomes[0]->code, "O1");
	assert_string_equal(p->outcomes[0]->covered_by, "validation");
	assert_string_equal(p->outcomes[1]->covered_by, "");
	assert_int_equal(p->n_modules, 2);
	assert_string_equal(p->modules[0]->code, "C1");
	assert_string_equal(p->modules[0]->state, "validated");
	assert_string_equal(p->modules[1]->state, "remaining");
	rpc_free(r);

	/* A participant sees only their own progress. */
	char *other = enroll_new(cohort, NULL, TRIAD__V1__PLACEMENT__PLACEMENT_PLACED, 0);
	r = progress_of(&part, other);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_NOT_FOUND);
	rpc_free(r);
	r = progress_of(&asse, other);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
	rpc_free(r);

	sess_close(&part);
	sess_close(&asse);
	free(prog); free(o1); free(o2); free(cohort); free(person); free(enrollment);
	free(ptok); free(assessor); free(atok); free(claim); free(other);
}

/* ---- the race: 200 clients, one group of 25 ---- */

static void
test_two_hundred_clients_race_for_25_places(void **state)
{
	enum { N = 200 };
	char *prog = mk_programme(0);
	char *mod = mk_module(prog, "R1", TRIAD__V1__MODULE_KIND__MODULE_KIND_CORE, 1, false, false);
	char *cohort = mk_cohort(prog);
	char *run = mk_run(mod, cohort, 25);
	static char *persons[N];
	static Sess sess[N];

	for (int i = 0; i < N; i++)
		persons[i] = mk_person("racer");
	for (int i = 0; i < N; i++)
		sess[i] = sess_open(d.addr, test_token());
	/* Everyone sends, then everyone reads: the requests overlap. Odd
	 * clients come for the whole programme, even ones standalone. */
	for (int i = 0; i < N; i++) {
		REQ(req);
		Triad__V1__EnrollRequest m = TRIAD__V1__ENROLL_REQUEST__INIT;
		m.person_id = persons[i];
		m.cohort_id = i % 2 ? cohort : "";
		m.run_id = i % 2 ? "" : run;
		req.id = 5;
		req.institution = inst;
		req.body_case = TRIAD__V1__REQUEST__BODY_ENROLL;
		req.enroll = &m;
		tc_send(sess[i].fd, &req);
	}
	int placed = 0, placed_standalone = 0;
	for (int i = 0; i < N; i++) {
		Triad__V1__Response *r = tc_recv(sess[i].fd, 30000, NULL);
		assert_non_null(r);
		if (r->status->code != TRIAD__V1__CODE__CODE_OK)
			fail_msg("client %d: %s", i, r->status->message);
		if (r->enrollment->placement == TRIAD__V1__PLACEMENT__PLACEMENT_PLACED) {
			placed++;
			placed_standalone += r->enrollment->track ==
					     TRIAD__V1__ENROLLMENT_TRACK__ENROLLMENT_TRACK_STANDALONE;
		}
		rpc_free(r);
		sess_close(&sess[i]);
	}
	Triad__V1__ModuleRun *r = get_run(run);
	assert_true(r->members <= 25);
	assert_true(2 * r->standalone < r->members);
	assert_int_equal(r->members + r->waitlisted, N);
	/* What the clients were told agrees with the group, except for
	 * standalone ones promoted afterwards by later programme arrivals. */
	assert_true(placed <= r->members);
	assert_true(placed_standalone <= r->standalone);
	run_free(r);
	for (int i = 0; i < N; i++)
		free(persons[i]);
	free(prog); free(mod); free(cohort); free(run);
}

/* A partner system's token at inst, scoped to org ("" for the institution). */
static char *
mk_machine(const char *org)
{
	char name[80];
	return make_machine(&op, inst, org, "hr-sync", name);
}

static Triad__V1__Response *
enroll_with(Sess *s, const char *person, const char *cohort, const char *employer)
{
	REQ(req);
	Triad__V1__EnrollRequest m = TRIAD__V1__ENROLL_REQUEST__INIT;
	m.person_id = (char *)person;
	m.cohort_id = (char *)cohort;
	m.employer_id = (char *)employer;
	req.body_case = TRIAD__V1__REQUEST__BODY_ENROLL;
	req.enroll = &m;
	return rpc(s, inst, &req);
}

/*
 * An organisation's partner system enrolls that organisation's employees
 * and no one else, and cannot tell from the answer whether a person id
 * exists: a random id, a person of the institution who works elsewhere,
 * and a person of another institution get the same refusal. The
 * institution's own system enrolls anyone.
 */
static void
test_partner_machine_enrolls_only_its_employees(void **state)
{
	char *org = make_org(&op, "Zorggroep", TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_CARE_PROVIDER);
	char *other_org = make_org(&op, "Gemeente", TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_MUNICIPALITY);
	char *prog = mk_programme(0.5);
	char *c1 = mk_cohort(prog), *c2 = mk_cohort(prog);
	char *employee = mk_person("employee"), *stranger = mk_person("stranger");
	char *colleague_elsewhere = mk_person("elsewhere");
	char random_id[37];
	random_uuid(random_id);

	/* Staff enroll the employee with the organisation as employer, and
	 * someone else with another employer. */
	Triad__V1__Response *r = enroll_with(&op, employee, c1, org);
	expect_status_free(r, TRIAD__V1__CODE__CODE_OK, NULL, NULL);
	r = enroll_with(&op, colleague_elsewhere, c1, other_org);
	expect_status_free(r, TRIAD__V1__CODE__CODE_OK, NULL, NULL);

	char *token = mk_machine(org);
	Sess m = sess_open(d.addr, token);
	const char *refused[] = {random_id, stranger, colleague_elsewhere};
	char first[512] = "";
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		r = enroll_with(&m, refused[i], c2, "");
		/* Not its employee: out of its sight, like an id of no one. */
		assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_NOT_FOUND);
		assert_string_equal(r->status->field, "enroll.person_id");
		if (i == 0)
			snprintf(first, sizeof first, "%s", r->status->message);
		else
			assert_string_equal(r->status->message, first);
		rpc_free(r);
	}
	expect_contains(first, "your organisation's own employees");
	/* The same words whether or not the cohort exists, too. */
	char random_cohort[37];
	random_uuid(random_cohort);
	r = enroll_with(&m, random_id, random_cohort, "");
	expect_status_free(r, TRIAD__V1__CODE__CODE_NOT_FOUND, first, "enroll.person_id");

	/* Its employee, with the organisation as employer, whatever it says. */
	r = enroll_with(&m, employee, c2, other_org);
	expect_status_free(r, TRIAD__V1__CODE__CODE_PERMISSION_DENIED, NULL, "enroll.employer_id");
	r = enroll_with(&m, employee, c2, "");
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
	assert_string_equal(r->enrollment->employer_id, org);
	rpc_free(r);
	sess_close(&m);

	/* The institution's own system enrolls anyone of the institution. */
	char *inst_token = mk_machine("");
	Sess im = sess_open(d.addr, inst_token);
	r = enroll_with(&im, stranger, c2, other_org);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
	assert_string_equal(r->enrollment->employer_id, other_org);
	rpc_free(r);
	sess_close(&im);

	free(org); free(other_org); free(prog); free(c1); free(c2); free(employee);
	free(stranger); free(colleague_elsewhere); free(token); free(inst_token);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_partner_machine_enrolls_only_its_employees),
		cmocka_unit_test(test_capacity_and_waitlist),
		cmocka_unit_test(test_standalone_minority),
		cmocka_unit_test(test_subgroups),
		cmocka_unit_test(test_transition_table),
		cmocka_unit_test(test_missed_cannot_be_missed_blocks),
		cmocka_unit_test(test_core_first_and_exemption),
		cmocka_unit_test(test_prior_learning_and_progress),
		cmocka_unit_test(test_two_hundred_clients_race_for_25_places),
	};
	return harness_run_group_tests(tests, setup, teardown);
}

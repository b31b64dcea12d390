/*
 * test_internship.c: the internship and intervision through the protocol
 * against a real daemon and PostgreSQL: the host supervisor onboarded by
 * invite with one credential for two institutions, what he sees, the
 * minimum counted in verified hours only, the supervisor named on every
 * decision, reopening by staff only and audited, a document uploaded in
 * chunks and resumed after a connection dropped mid-frame, and case text
 * hidden from everyone outside the group but its facilitator, the client's
 * commands, and what erasing a participant does to her internship.
 */
#include "harness.h"

#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define REQ(var) Triad__V1__Request var = TRIAD__V1__REQUEST__INIT
#define CODE(x) TRIAD__V1__CODE__CODE_##x
#define DOC_MAX (1 << 20)

static Triadd d;
static Sess op;
static int uniq;

typedef struct Inst {
	char slug[64];
	char *programme;
	char code[32];
	char *cohort;
	char *run;
	char *staff_token;         /* a lecturer */
	char *staff_name;
} Inst;

typedef struct Part {
	char name[80];
	char email[128];
	char *person;
	char *enrollment;
	char *token;
} Part;

static Inst A, B;
static Part anna, bram, carla, dirk;  /* anna and bram in A's intervision group; dirk at B */
static char sup_name[80], sup_email[128];
static char *sup_token;
static char *first_invite;
static char days[4][11];              /* three days of the internship, and today */

static void
email_of(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s@example.org", name);
	for (char *c = buf; *c; c++) {
		if (*c == ' ')
			*c = '.';
	}
}

/* today + delta days as YYYY-MM-DD (UTC). */
static void
day_str(char out[11], int delta)
{
	time_t t = time(NULL) + (time_t)delta * 86400;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

static char *
staff_of(Inst *in, const char *stem, char **name_out)
{
	char name[80], email[128];
	test_unique(name, sizeof name, stem);
	email_of(email, sizeof email, name);
	char *person = make_person(&op, in->slug, name, email);
	char *token = invite_and_redeem(&op, d.addr, in->slug, person,
					TRIAD__V1__ROLE__ROLE_PROGRAMME_STAFF,
					TRIAD__V1__STAFF_TITLE__STAFF_TITLE_LECTURER, NULL);
	free(person);
	if (name_out != NULL)
		*name_out = test_strdup(name);
	return token;
}

static void
mk_inst(Inst *in, const char *stem)
{
	make_institution(&op, stem, "Internship tests", in->slug);
	snprintf(in->code, sizeof in->code, "MET%d", ++uniq);
	in->programme = make_programme(&op, in->slug, in->code, 0);

	REQ(rm);
	Triad__V1__CreateModuleRequest cm = TRIAD__V1__CREATE_MODULE_REQUEST__INIT;
	Triad__V1__Module mod = TRIAD__V1__MODULE__INIT;
	mod.programme_id = in->programme;
	mod.code = "M1";
	mod.name = "De stad als opgave";
	mod.kind = TRIAD__V1__MODULE_KIND__MODULE_KIND_CORE;
	mod.sequence = 1;
	mod.credits = 5;
	cm.module = &mod;
	rm.body_case = TRIAD__V1__REQUEST__BODY_CREATE_MODULE;
	rm.create_module = &cm;
	Triad__V1__Response *r = rpc_ok(&op, in->slug, &rm);
	char *module = test_strdup(r->module->id);
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
	run.module_id = module;
	run.cohort_id = in->cohort;
	cr.run = &run;
	rr.body_case = TRIAD__V1__REQUEST__BODY_CREATE_RUN;
	rr.create_run = &cr;
	r = rpc_ok(&op, in->slug, &rr);
	in->run = test_strdup(r->run->id);
	rpc_free(r);
	free(module);

	in->staff_token = staff_of(in, "Lecturer", &in->staff_name);
}

static void
mk_part(Part *p, Inst *in, const char *stem)
{
	test_unique(p->name, sizeof p->name, stem);
	email_of(p->email, sizeof p->email, p->name);
	p->person = make_person(&op, in->slug, p->name, p->email);
	REQ(req);
	Triad__V1__EnrollRequest m = TRIAD__V1__ENROLL_REQUEST__INIT;
	m.person_id = p->person;
	m.cohort_id = in->cohort;
	req.body_case = TRIAD__V1__REQUEST__BODY_ENROLL;
	req.enroll = &m;
	Triad__V1__Response *r = rpc_ok(&op, in->slug, &req);
	p->enrollment = test_strdup(r->enrollment->id);
	rpc_free(r);
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

/* Staff of in place p with the municipality under the supervisor. */
static Triad__V1__Response *
place(Inst *in, Part *p, const char *org)
{
	Sess s = sess_open(d.addr, in->staff_token);
	REQ(req);
	Triad__V1__CreatePlacementRequest m = TRIAD__V1__CREATE_PLACEMENT_REQUEST__INIT;
	char starts[11], ends[11];
	day_str(starts, -10);
	day_str(ends, 17);
	m.enrollment_id = p->email;
	m.organisation_id = (char *)org;
	m.supervisor = sup_email;
	m.starts_on = starts;
	m.ends_on = ends;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_PLACEMENT;
	req.create_placement = &m;
	Triad__V1__Response *r = rpc_ok(&s, in->slug, &req);
	sess_close(&s);
	return r;
}

static char *
redeem(const char *code)
{
	int fd = tc_connect(d.addr);
	REQ(rd);
	Triad__V1__RedeemInviteRequest rm = TRIAD__V1__REDEEM_INVITE_REQUEST__INIT;
	rm.code = (char *)code;
	rd.id = 7;
	rd.body_case = TRIAD__V1__REQUEST__BODY_REDEEM_INVITE;
	rd.redeem_invite = &rm;
	tc_send(fd, &rd);
	Triad__V1__Response *r = tc_recv(fd, 10000, NULL);
	close(fd);
	assert_non_null(r);
	if (r->status->code != CODE(OK))
		fail_msg("redeem: %s", r->status->message);
	char *token = test_strdup(r->redeem_invite->token);
	rpc_free(r);
	return token;
}

static Triad__V1__Response *
log_hours(Sess *s, const char *day, double hours, const char *what)
{
	REQ(req);
	Triad__V1__LogHoursRequest m = TRIAD__V1__LOG_HOURS_REQUEST__INIT;
	m.day = (char *)day;
	m.hours = hours;
	m.description = (char *)what;
	req.body_case = TRIAD__V1__REQUEST__BODY_LOG_HOURS;
	req.log_hours = &m;
	return rpc(s, A.slug, &req);
}

static Triad__V1__Response *
submit_all(Sess *s)
{
	REQ(req);
	Triad__V1__SubmitHoursRequest m = TRIAD__V1__SUBMIT_HOURS_REQUEST__INIT;
	req.body_case = TRIAD__V1__REQUEST__BODY_SUBMIT_HOURS;
	req.submit_hours = &m;
	return rpc(s, A.slug, &req);
}

static Triad__V1__Response *
decide(Sess *s, const char *who, const char *day, bool verify, const char *reason)
{
	REQ(req);
	Triad__V1__VerifyHoursRequest v = TRIAD__V1__VERIFY_HOURS_REQUEST__INIT;
	Triad__V1__RejectHoursRequest j = TRIAD__V1__REJECT_HOURS_REQUEST__INIT;
	if (verify) {
		v.participant = (char *)who;
		v.day = (char *)day;
		req.body_case = TRIAD__V1__REQUEST__BODY_VERIFY_HOURS;
		req.verify_hours = &v;
	} else {
		j.participant = (char *)who;
		j.day = (char *)day;
		j.reason = (char *)reason;
		req.body_case = TRIAD__V1__REQUEST__BODY_REJECT_HOURS;
		req.reject_hours = &j;
	}
	return rpc(s, A.slug, &req);
}

static Triad__V1__Response *
reopen(Sess *s, const char *who, const char *day, const char *reason)
{
	REQ(req);
	Triad__V1__ReopenHoursRequest m = TRIAD__V1__REOPEN_HOURS_REQUEST__INIT;
	m.participant = (char *)who;
	m.day = (char *)day;
	m.reason = (char *)reason;
	req.body_case = TRIAD__V1__REQUEST__BODY_REOPEN_HOURS;
	req.reopen_hours = &m;
	return rpc(s, A.slug, &req);
}

static Triad__V1__Response *
get_placement(Sess *s, const char *inst, const char *who)
{
	REQ(req);
	Triad__V1__GetPlacementRequest m = TRIAD__V1__GET_PLACEMENT_REQUEST__INIT;
	m.participant = (char *)who;
	req.body_case = TRIAD__V1__REQUEST__BODY_GET_PLACEMENT;
	req.get_placement = &m;
	return rpc(s, inst, &req);
}

static Triad__V1__Response *
list_hours(Sess *s, const char *who)
{
	REQ(req);
	Triad__V1__ListHoursRequest m = TRIAD__V1__LIST_HOURS_REQUEST__INIT;
	m.participant = (char *)who;
	req.body_case = TRIAD__V1__REQUEST__BODY_LIST_HOURS;
	req.list_hours = &m;
	return rpc(s, A.slug, &req);
}

static int
group_setup(void **state)
{
	(void)state;
	triadd_start(&d, "document_max_bytes = 1048576\n");
	op = sess_open(d.addr, test_token());
	mk_inst(&A, "intern-a");
	mk_inst(&B, "intern-b");
	mk_part(&anna, &A, "Anna Jansen");
	mk_part(&bram, &A, "Bram de Vries");
	mk_part(&carla, &A, "Carla Smit");
	mk_part(&dirk, &B, "Dirk Bakker");
	test_unique(sup_name, sizeof sup_name, "Sanne Host");
	email_of(sup_email, sizeof sup_email, sup_name);
	free(make_person(&op, A.slug, sup_name, sup_email));
	for (int i = 0; i < 3; i++)
		day_str(days[i], -9 + i);
	day_str(days[3], 0);

	/* The supervisor cannot sign in yet: the placement invites him. */
	char *org = make_org(&op, "Gemeente Rotterdam",
			     TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_MUNICIPALITY);
	Triad__V1__Response *r = place(&A, &anna, org);
	first_invite = test_strdup(r->create_placement->invite_code);
	rpc_free(r);
	sup_token = redeem(first_invite);

	/* The programme's minimum: 16 hours here, to keep the test short. */
	REQ(req);
	Triad__V1__SetInternshipMinimumRequest m = TRIAD__V1__SET_INTERNSHIP_MINIMUM_REQUEST__INIT;
	m.programme_id = A.code;
	m.hours = 16;
	req.body_case = TRIAD__V1__REQUEST__BODY_SET_INTERNSHIP_MINIMUM;
	req.set_internship_minimum = &m;
	rpc_free(rpc_ok(&op, A.slug, &req));
	free(org);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	sess_close(&op);
	part_free(&anna);
	part_free(&bram);
	part_free(&carla);
	part_free(&dirk);
	free(sup_token);
	free(first_invite);
	Inst *in[2] = {&A, &B};
	for (int i = 0; i < 2; i++) {
		free(in[i]->programme);
		free(in[i]->cohort);
		free(in[i]->run);
		free(in[i]->staff_token);
		free(in[i]->staff_name);
	}
	return 0;
}

/* ---- onboarding ---- */

/* The supervisor got an invite with the first placement; a second
 * placement, at another institution, gives his credential a role there
 * without another invite. */
static void
test_supervisor_onboarded_by_invite(void **state)
{
	(void)state;
	assert_int_equal(strncmp(first_invite, "inv_", 4), 0);

	char *org = make_org(&op, "Gemeente Utrecht",
			     TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_MUNICIPALITY);
	Triad__V1__Response *r = place(&B, &dirk, org);
	assert_string_equal(r->create_placement->invite_code, "");
	assert_string_equal(r->create_placement->placement->supervisor_name, sup_name);
	rpc_free(r);
	free(org);

	/* One credential: the same token sees the placements of both. */
	Sess s = sess_open(d.addr, sup_token);
	r = get_placement(&s, A.slug, anna.email);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->placement->participant_name, anna.name);
	assert_string_equal(r->placement->supervisor_email, sup_email);
	rpc_free(r);
	r = get_placement(&s, B.slug, dirk.email);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->placement->participant_name, dirk.name);
	rpc_free(r);
	/* And nothing of anyone he does not supervise. */
	r = get_placement(&s, A.slug, bram.email);
	expect_status_free(r, CODE(NOT_FOUND), NULL, "get_placement.participant");
	sess_close(&s);
}

/* ---- what the supervisor sees ---- */

static void
test_supervisor_sees_what_the_role_needs(void **state)
{
	(void)state;
	Sess p = sess_open(d.addr, anna.token);
	REQ(req);
	Triad__V1__WritePlacementPlanRequest w = TRIAD__V1__WRITE_PLACEMENT_PLAN_REQUEST__INIT;
	w.motivation = "Buiten mijn comfortzone: ik ken het sociaal domein niet.";
	w.research_question = "Hoe betrekt de gemeente bewoners bij de wijkaanpak?";
	req.body_case = TRIAD__V1__REQUEST__BODY_WRITE_PLACEMENT_PLAN;
	req.write_placement_plan = &w;
	Triad__V1__Response *r = rpc_ok(&p, A.slug, &req);
	assert_int_equal(r->placement->plan_status, TRIAD__V1__PLAN_STATUS__PLAN_STATUS_SUBMITTED);
	assert_string_equal(r->placement->motivation, w.motivation);
	rpc_free(r);
	/* A draft the supervisor has no business seeing yet. */
	const char *draft_day = days[3];
	r = log_hours(&p, draft_day, 3, "Kennismaking met het team");
	expect_status_free(r, CODE(OK), NULL, NULL);
	sess_close(&p);

	Sess s = sess_open(d.addr, sup_token);
	r = get_placement(&s, A.slug, anna.email);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->placement->motivation, "");
	assert_string_equal(r->placement->research_question, w.research_question);
	assert_true(r->placement->hours_draft == 0);
	rpc_free(r);
	r = list_hours(&s, anna.email);
	expect_status(r, CODE(OK), NULL, NULL);
	for (size_t i = 0; i < r->hours->n_entries; i++)
		assert_string_not_equal(r->hours->entries[i]->day, draft_day);
	rpc_free(r);
	/* Documents and enrollments are not his. */
	REQ(ld);
	Triad__V1__ListDocumentsRequest l = TRIAD__V1__LIST_DOCUMENTS_REQUEST__INIT;
	l.participant = anna.email;
	ld.body_case = TRIAD__V1__REQUEST__BODY_LIST_DOCUMENTS;
	ld.list_documents = &l;
	expect_status_free(rpc(&s, A.slug, &ld), CODE(PERMISSION_DENIED), NULL, NULL);
	REQ(le);
	Triad__V1__ListEnrollmentsRequest e = TRIAD__V1__LIST_ENROLLMENTS_REQUEST__INIT;
	le.body_case = TRIAD__V1__REQUEST__BODY_LIST_ENROLLMENTS;
	le.list_enrollments = &e;
	expect_status_free(rpc(&s, A.slug, &le), CODE(PERMISSION_DENIED), NULL, NULL);
	sess_close(&s);

	/* Staff see the motivation and approve the plan. */
	Sess st = sess_open(d.addr, A.staff_token);
	REQ(dq);
	Triad__V1__DecidePlacementPlanRequest dp = TRIAD__V1__DECIDE_PLACEMENT_PLAN_REQUEST__INIT;
	dp.participant = anna.email;
	dp.approve = true;
	dq.body_case = TRIAD__V1__REQUEST__BODY_DECIDE_PLACEMENT_PLAN;
	dq.decide_placement_plan = &dp;
	r = rpc_ok(&st, A.slug, &dq);
	assert_int_equal(r->placement->plan_status, TRIAD__V1__PLAN_STATUS__PLAN_STATUS_APPROVED);
	assert_string_equal(r->placement->motivation, w.motivation);
	assert_string_equal(r->placement->plan_decided_by, A.staff_name);
	rpc_free(r);
	sess_close(&st);
}

/* ---- hours ---- */

static double
verified_of(Sess *s, bool *met)
{
	Triad__V1__Response *r = get_placement(s, A.slug, anna.email);
	expect_status(r, CODE(OK), NULL, NULL);
	double v = r->placement->hours_verified;
	assert_true(r->placement->hours_minimum == 16);
	*met = r->placement->minimum_met;
	rpc_free(r);
	return v;
}

/* 24 hours logged and submitted, 8 verified: the minimum of 16 is not met
 * until a second day is verified. */
static void
test_minimum_counts_verified_hours_only(void **state)
{
	(void)state;
	Sess p = sess_open(d.addr, anna.token);
	Sess s = sess_open(d.addr, sup_token);
	Sess st = sess_open(d.addr, A.staff_token);
	bool met;

	for (int i = 0; i < 3; i++)
		expect_status_free(log_hours(&p, days[i], 8, "Interviews met wijkteams"), CODE(OK),
				   NULL, NULL);
	/* A day outside the internship is refused. */
	char before[11];
	day_str(before, -11);
	expect_status_free(log_hours(&p, before, 8, "Voorbereiding"), CODE(FAILED_PRECONDITION),
			   NULL, "log_hours.day");
	Triad__V1__Response *r = submit_all(&p);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->hours->n_entries, 4);   /* with today's draft */
	rpc_free(r);

	expect_status_free(decide(&s, anna.email, days[0], true, NULL), CODE(OK), NULL, NULL);
	expect_status_free(decide(&s, anna.email, days[1], false,
				  "Dit was een vrije dag volgens het rooster"), CODE(OK), NULL, NULL);
	/* 8 verified, 8 rejected, 8 + 3 submitted: 27 logged, not met. */
	assert_true(verified_of(&st, &met) == 8);
	assert_false(met);

	r = get_placement(&st, A.slug, anna.email);
	assert_true(r->placement->hours_submitted == 11);
	assert_true(r->placement->hours_rejected == 8);
	rpc_free(r);

	expect_status_free(decide(&s, anna.email, days[2], true, NULL), CODE(OK), NULL, NULL);
	assert_true(verified_of(&st, &met) == 16);
	assert_true(met);
	sess_close(&p);
	sess_close(&s);
	sess_close(&st);
}

/* Hours page by position, in the order of participant and day. */
static void
test_hours_page_in_order(void **state)
{
	(void)state;
	Sess st = sess_open(d.addr, A.staff_token);
	char all[64][16], paged[64][16], token[32] = "";
	size_t nall = 0, npaged = 0;

	REQ(req);
	Triad__V1__ListHoursRequest m = TRIAD__V1__LIST_HOURS_REQUEST__INIT;
	m.participant = anna.email;
	m.page_size = 500;
	req.body_case = TRIAD__V1__REQUEST__BODY_LIST_HOURS;
	req.list_hours = &m;
	Triad__V1__Response *r = rpc_ok(&st, A.slug, &req);
	assert_string_equal(r->hours->next_page_token, "");
	for (size_t i = 0; i < r->hours->n_entries && nall < 64; i++)
		snprintf(all[nall++], 16, "%s", r->hours->entries[i]->day);
	rpc_free(r);
	assert_true(nall >= 4);
	for (size_t i = 1; i < nall; i++)
		assert_true(strcmp(all[i - 1], all[i]) < 0);

	m.page_size = 3;
	do {
		m.page_token = token;
		r = rpc_ok(&st, A.slug, &req);
		assert_true(r->hours->n_entries <= 3);
		for (size_t i = 0; i < r->hours->n_entries && npaged < 64; i++)
			snprintf(paged[npaged++], 16, "%s", r->hours->entries[i]->day);
		snprintf(token, sizeof token, "%s", r->hours->next_page_token);
		rpc_free(r);
	} while (token[0] != '\0');
	assert_int_equal(npaged, nall);
	for (size_t i = 0; i < nall; i++)
		assert_string_equal(paged[i], all[i]);

	m.page_token = "not-a-position";
	expect_status_free(rpc(&st, A.slug, &req), CODE(INVALID_ARGUMENT), NULL,
			   "list_hours.page_token");
	sess_close(&st);
}

/* Every decision names the supervisor; no one else decides. */
static void
test_decisions_name_the_supervisor(void **state)
{
	(void)state;
	Sess st = sess_open(d.addr, A.staff_token);
	Triad__V1__Response *r = list_hours(&st, anna.email);
	expect_status(r, CODE(OK), NULL, NULL);
	int decided = 0;
	for (size_t i = 0; i < r->hours->n_entries; i++) {
		Triad__V1__HoursEntry *h = r->hours->entries[i];
		if (h->status == TRIAD__V1__HOURS_STATUS__HOURS_STATUS_VERIFIED ||
		    h->status == TRIAD__V1__HOURS_STATUS__HOURS_STATUS_REJECTED) {
			assert_string_equal(h->decided_by_name, sup_name);
			assert_string_equal(h->decided_by_email, sup_email);
			assert_string_not_equal(h->decided_at, "");
			decided++;
		}
		if (h->status == TRIAD__V1__HOURS_STATUS__HOURS_STATUS_REJECTED)
			assert_string_equal(h->reason, "Dit was een vrije dag volgens het rooster");
	}
	assert_int_equal(decided, 3);
	rpc_free(r);

	/* Staff, the participant and another coach cannot decide for him. */
	expect_status_free(decide(&st, anna.email, days[3], true, NULL), CODE(PERMISSION_DENIED),
			   NULL, NULL);
	sess_close(&st);
	Sess p = sess_open(d.addr, anna.token);
	expect_status_free(decide(&p, "", days[3], true, NULL), CODE(PERMISSION_DENIED), NULL, NULL);
	sess_close(&p);
	char other_name[80], other_email[128];
	test_unique(other_name, sizeof other_name, "Other Coach");
	email_of(other_email, sizeof other_email, other_name);
	char *other = make_person(&op, A.slug, other_name, other_email);
	char *tok = invite_and_redeem(&op, d.addr, A.slug, other,
				      TRIAD__V1__ROLE__ROLE_WORKPLACE_COACH, 0, NULL);
	Sess o = sess_open(d.addr, tok);
	expect_status_free(decide(&o, anna.email, days[3], true, NULL), CODE(NOT_FOUND), NULL,
			   "verify_hours.participant");
	sess_close(&o);
	free(tok);
	free(other);

	/* A rejection says why. */
	Sess s = sess_open(d.addr, sup_token);
	expect_status_free(decide(&s, anna.email, days[3], false, ""), CODE(INVALID_ARGUMENT),
			   "say why the hours are rejected", "reject_hours.reason");
	/* A decision stands until staff reopen it. */
	expect_status_free(decide(&s, anna.email, days[0], false, "toch niet"),
			   CODE(FAILED_PRECONDITION), NULL, "reject_hours.day");
	sess_close(&s);
}

/* The internship entries of anna's timeline, as the caller of s sees them
 * (enrollment: "" for the caller's own); returns how many, and whether one
 * is the rejected day with its reason. */
static int
timeline_hours(Sess *s, const char *enrollment, bool *rejected_seen)
{
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__ListTimelineRequest m = TRIAD__V1__LIST_TIMELINE_REQUEST__INIT;
	char *kinds[] = {"internship"};
	m.enrollment_id = (char *)enrollment;
	m.kinds = kinds;
	m.n_kinds = 1;
	m.page_size = 500;
	req.body_case = TRIAD__V1__REQUEST__BODY_LIST_TIMELINE;
	req.list_timeline = &m;
	Triad__V1__Response *r = rpc(s, A.slug, &req);
	expect_status(r, CODE(OK), NULL, NULL);
	int n = (int)r->timeline->n_entries;
	*rejected_seen = false;
	for (int i = 0; i < n; i++) {
		Triad__V1__TimelineEntry *e = r->timeline->entries[i];
		assert_string_equal(e->kind, "internship");
		if (strstr(e->title, " rejected") != NULL &&
		    strstr(e->detail, "Dit was een vrije dag volgens het rooster") != NULL)
			*rejected_seen = true;
	}
	rpc_free(r);
	return n;
}

/* Submitted and decided hours are on the participant's timeline, for her
 * and for staff; drafts are not. */
static void
test_timeline_shows_decided_hours(void **state)
{
	(void)state;
	bool rejected = false;
	Sess p = sess_open(d.addr, anna.token);
	int mine = timeline_hours(&p, "", &rejected);
	assert_true(mine >= 3);
	assert_true(rejected);
	sess_close(&p);
	Sess st = sess_open(d.addr, A.staff_token);
	assert_int_equal(timeline_hours(&st, anna.email, &rejected), mine);
	assert_true(rejected);
	sess_close(&st);
	char *drafts = owner_sql("SELECT count(*) FROM hours_entry WHERE status = 'draft'", NULL,
				 NULL, NULL);
	char *shown = owner_sql("SELECT count(*) FROM hours_entry h JOIN placement pl"
				" ON pl.institution_id = h.institution_id AND pl.id = h.placement_id"
				" JOIN enrollment e ON e.institution_id = pl.institution_id"
				" AND e.id = pl.enrollment_id JOIN person pe ON pe.id = e.person_id"
				" WHERE pe.email = $1 AND h.status <> 'draft'",
				anna.email, NULL, NULL);
	assert_int_equal(atoi(shown), mine);
	free(drafts);
	free(shown);
}

/* Only staff reopen, with a reason; it is kept and audited. */
static void
test_reopen_only_by_staff_and_audited(void **state)
{
	(void)state;
	Sess s = sess_open(d.addr, sup_token);
	expect_status_free(reopen(&s, anna.email, days[0], "vergissing"), CODE(PERMISSION_DENIED),
			   NULL, NULL);
	sess_close(&s);
	Sess p = sess_open(d.addr, anna.token);
	expect_status_free(reopen(&p, "", days[0], "vergissing"), CODE(PERMISSION_DENIED), NULL,
			   NULL);
	sess_close(&p);

	Sess st = sess_open(d.addr, A.staff_token);
	expect_status_free(reopen(&st, anna.email, days[0], ""), CODE(INVALID_ARGUMENT), NULL,
			   "reopen_hours.reason");
	Triad__V1__Response *r = reopen(&st, anna.email, days[0],
					"De begeleider tekende voor de verkeerde dag");
	expect_status(r, CODE(OK), NULL, NULL);
	Triad__V1__HoursEntry *h = r->hours_entry;
	assert_int_equal(h->status, TRIAD__V1__HOURS_STATUS__HOURS_STATUS_SUBMITTED);
	assert_string_equal(h->reopened_reason, "De begeleider tekende voor de verkeerde dag");
	assert_string_equal(h->reopened_by, A.staff_name);
	assert_string_equal(h->decided_by_name, "");
	char *entry = test_strdup(h->id);
	rpc_free(r);
	bool met;
	assert_true(verified_of(&st, &met) == 8);
	assert_false(met);

	/* The audit trail says who reopened it. */
	REQ(who);
	Triad__V1__WhoAmIRequest wm = TRIAD__V1__WHO_AM_IREQUEST__INIT;
	who.body_case = TRIAD__V1__REQUEST__BODY_WHO_AM_I;
	who.who_am_i = &wm;
	r = rpc_ok(&st, NULL, &who);
	char *staff_principal = test_strdup(r->who_am_i->principal->id);
	rpc_free(r);
	sess_close(&st);

	REQ(la);
	Triad__V1__ListAuditRequest lm = TRIAD__V1__LIST_AUDIT_REQUEST__INIT;
	lm.resource_kind = "hours";
	lm.resource_id = entry;
	la.body_case = TRIAD__V1__REQUEST__BODY_LIST_AUDIT;
	la.list_audit = &lm;
	r = rpc_ok(&op, A.slug, &la);
	int reopened = 0;
	for (size_t i = 0; i < r->audit->n_events; i++) {
		if (strcmp(r->audit->events[i]->action, "hours.reopen") == 0) {
			assert_string_equal(r->audit->events[i]->principal_id, staff_principal);
			reopened++;
		}
	}
	assert_int_equal(reopened, 1);
	rpc_free(r);

	/* The supervisor decides again, and is named again. */
	s = sess_open(d.addr, sup_token);
	r = decide(&s, anna.email, days[0], true, NULL);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->hours_entry->decided_by_name, sup_name);
	rpc_free(r);
	sess_close(&s);
	free(entry);
	free(staff_principal);
}

/* ---- documents ---- */

static Triad__V1__Response *
put_chunk(Sess *s, const char *sha, int64_t size, int64_t offset, const uint8_t *data, size_t len)
{
	REQ(req);
	Triad__V1__PutDocumentRequest m = TRIAD__V1__PUT_DOCUMENT_REQUEST__INIT;
	m.kind = TRIAD__V1__DOCUMENT_KIND__DOCUMENT_KIND_REPORT;
	m.media_type = "application/pdf";
	m.size = size;
	m.sha256 = (char *)sha;
	m.offset = offset;
	m.data.data = (uint8_t *)data;
	m.data.len = len;
	req.body_case = TRIAD__V1__REQUEST__BODY_PUT_DOCUMENT;
	req.put_document = &m;
	return rpc(s, A.slug, &req);
}

/* 700 KiB in chunks of 256 KiB; the connection drops in the middle of the
 * second chunk's frame, for real; a new connection learns the offset the
 * server has and goes on from there. */
static void
test_document_upload_resumes_after_drop(void **state)
{
	(void)state;
	const size_t size = 700 * 1024, chunk = 256 * 1024;
	uint8_t *doc = malloc(size), digest[SHA256_DIGEST_LENGTH];
	char sha[65];
	assert_non_null(doc);
	srand((unsigned)time(NULL));
	for (size_t i = 0; i < size; i++)
		doc[i] = (uint8_t)rand();
	SHA256(doc, size, digest);
	for (int i = 0; i < 32; i++)
		snprintf(sha + 2 * i, 3, "%02x", digest[i]);

	Sess p = sess_open(d.addr, anna.token);
	Triad__V1__Response *r = put_chunk(&p, sha, (int64_t)size, 0, doc, chunk);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->document->received, (int64_t)chunk);
	assert_int_equal(r->document->status, TRIAD__V1__DOCUMENT_STATUS__DOCUMENT_STATUS_UPLOADING);
	rpc_free(r);

	/* The second chunk: half its frame, and the connection is gone. */
	REQ(req);
	Triad__V1__PutDocumentRequest m = TRIAD__V1__PUT_DOCUMENT_REQUEST__INIT;
	m.kind = TRIAD__V1__DOCUMENT_KIND__DOCUMENT_KIND_REPORT;
	m.media_type = "application/pdf";
	m.size = (int64_t)size;
	m.sha256 = sha;
	m.offset = (int64_t)chunk;
	m.data.data = doc + chunk;
	m.data.len = chunk;
	req.id = p.next_id++;
	req.institution = A.slug;
	req.body_case = TRIAD__V1__REQUEST__BODY_PUT_DOCUMENT;
	req.put_document = &m;
	size_t n = triad__v1__request__get_packed_size(&req);
	uint8_t *frame = malloc(n + 4);
	assert_non_null(frame);
	frame[0] = (uint8_t)(n >> 24);
	frame[1] = (uint8_t)(n >> 16);
	frame[2] = (uint8_t)(n >> 8);
	frame[3] = (uint8_t)n;
	triad__v1__request__pack(&req, frame + 4);
	tc_send_raw(p.fd, frame, (n + 4) / 2);
	free(frame);
	sess_close(&p);

	/* A new connection asks what the server has: the first chunk only. */
	p = sess_open(d.addr, anna.token);
	r = put_chunk(&p, sha, (int64_t)size, 0, NULL, 0);
	expect_status(r, CODE(OK), NULL, NULL);
	int64_t have = r->document->received;
	assert_int_equal(have, (int64_t)chunk);
	rpc_free(r);
	/* A chunk from anywhere else is refused with the offset to use. */
	r = put_chunk(&p, sha, (int64_t)size, 0, doc, chunk);
	expect_status_free(r, CODE(FAILED_PRECONDITION),
			   "the server has 262144 bytes of this document; send from offset 262144",
			   "put_document.offset");
	while (have < (int64_t)size) {
		size_t len = size - (size_t)have < chunk ? size - (size_t)have : chunk;
		r = put_chunk(&p, sha, (int64_t)size, have, doc + have, len);
		expect_status(r, CODE(OK), NULL, NULL);
		have = r->document->received;
		if (have == (int64_t)size) {
			assert_int_equal(r->document->status,
					 TRIAD__V1__DOCUMENT_STATUS__DOCUMENT_STATUS_SUBMITTED);
			assert_string_equal(r->document->sha256, sha);
		}
		rpc_free(r);
	}

	/* Read back by staff, chunk by chunk: the same bytes. */
	Sess st = sess_open(d.addr, A.staff_token);
	uint8_t *back = malloc(size);
	assert_non_null(back);
	size_t got = 0;
	while (got < size) {
		REQ(gq);
		Triad__V1__GetDocumentRequest g = TRIAD__V1__GET_DOCUMENT_REQUEST__INIT;
		g.participant = anna.email;
		g.kind = TRIAD__V1__DOCUMENT_KIND__DOCUMENT_KIND_REPORT;
		g.offset = (int64_t)got;
		gq.body_case = TRIAD__V1__REQUEST__BODY_GET_DOCUMENT;
		gq.get_document = &g;
		r = rpc_ok(&st, A.slug, &gq);
		assert_true(r->get_document->data.len > 0);
		assert_true(got + r->get_document->data.len <= size);
		memcpy(back + got, r->get_document->data.data, r->get_document->data.len);
		got += r->get_document->data.len;
		rpc_free(r);
	}
	assert_memory_equal(back, doc, size);
	sess_close(&st);
	free(back);

	/* Larger than the server keeps: refused before a byte is stored. */
	r = put_chunk(&p, sha, 2 * DOC_MAX, 0, doc, 16);
	expect_status_free(r, CODE(RESOURCE_EXHAUSTED), NULL, "put_document.size");
	sess_close(&p);

	/* Another participant does not see it. */
	Sess b = sess_open(d.addr, bram.token);
	REQ(gq);
	Triad__V1__GetDocumentRequest g = TRIAD__V1__GET_DOCUMENT_REQUEST__INIT;
	g.participant = anna.email;
	g.kind = TRIAD__V1__DOCUMENT_KIND__DOCUMENT_KIND_REPORT;
	gq.body_case = TRIAD__V1__REQUEST__BODY_GET_DOCUMENT;
	gq.get_document = &g;
	expect_status_free(rpc(&b, A.slug, &gq), CODE(NOT_FOUND), NULL, "get_document.participant");
	sess_close(&b);
	free(doc);
}

/* ---- intervision ---- */

static void
test_case_text_hidden_from_non_members(void **state)
{
	(void)state;
	char gname[64], key[96], fac_name[80], fac_email[128];
	test_unique(gname, sizeof gname, "Intervisie A");

	REQ(cg);
	Triad__V1__CreateSubgroupRequest cs = TRIAD__V1__CREATE_SUBGROUP_REQUEST__INIT;
	Triad__V1__Subgroup sg = TRIAD__V1__SUBGROUP__INIT;
	sg.run_id = A.run;
	sg.name = gname;
	sg.purpose = TRIAD__V1__SUBGROUP_PURPOSE__SUBGROUP_PURPOSE_INTERVISION;
	cs.subgroup = &sg;
	cg.body_case = TRIAD__V1__REQUEST__BODY_CREATE_SUBGROUP;
	cg.create_subgroup = &cs;
	Triad__V1__Response *r = rpc_ok(&op, A.slug, &cg);
	char *group = test_strdup(r->subgroup->id);
	rpc_free(r);
	Part *members[2] = {&anna, &bram};
	for (int i = 0; i < 2; i++) {
		REQ(am);
		Triad__V1__AddSubgroupMemberRequest a = TRIAD__V1__ADD_SUBGROUP_MEMBER_REQUEST__INIT;
		a.subgroup_id = group;
		a.enrollment_id = members[i]->enrollment;
		am.body_case = TRIAD__V1__REQUEST__BODY_ADD_SUBGROUP_MEMBER;
		am.add_subgroup_member = &a;
		rpc_free(rpc_ok(&op, A.slug, &am));
	}
	/* The facilitator: a trainer of the institution. */
	char *fac_token = staff_of(&A, "Trainer", NULL);
	REQ(wq);
	Triad__V1__WhoAmIRequest wm = TRIAD__V1__WHO_AM_IREQUEST__INIT;
	wq.body_case = TRIAD__V1__REQUEST__BODY_WHO_AM_I;
	wq.who_am_i = &wm;
	Sess f = sess_open(d.addr, fac_token);
	r = rpc_ok(&f, NULL, &wq);
	snprintf(fac_name, sizeof fac_name, "%s", r->who_am_i->person->name);
	snprintf(fac_email, sizeof fac_email, "%s", r->who_am_i->person->email);
	rpc_free(r);

	Sess st = sess_open(d.addr, A.staff_token);
	REQ(cq);
	Triad__V1__CreateIntervisionSessionRequest c = TRIAD__V1__CREATE_INTERVISION_SESSION_REQUEST__INIT;
	char when[32], day[11];
	day_str(day, 3);
	snprintf(when, sizeof when, "%sT13:00:00Z", day);
	c.group = gname;
	c.starts_at = when;
	c.facilitator = fac_email;
	cq.body_case = TRIAD__V1__REQUEST__BODY_CREATE_INTERVISION_SESSION;
	cq.create_intervision_session = &c;
	r = rpc_ok(&st, A.slug, &cq);
	snprintf(key, sizeof key, "%s/%s", gname, day);
	assert_string_equal(r->intervision_session->key, key);
	assert_string_equal(r->intervision_session->facilitator_name, fac_name);
	rpc_free(r);

	const char *text = "Mijn wethouder wil de wijkaanpak stoppen; hoe houd ik het team bij elkaar?";
	Sess a = sess_open(d.addr, anna.token);
	REQ(bq);
	Triad__V1__BringCaseRequest bc = TRIAD__V1__BRING_CASE_REQUEST__INIT;
	bc.session = key;
	bc.title = "Een wethouder die afhaakt";
	bc.text = (char *)text;
	bq.body_case = TRIAD__V1__REQUEST__BODY_BRING_CASE;
	bq.bring_case = &bc;
	r = rpc_ok(&a, A.slug, &bq);
	assert_string_equal(r->intervision_case->text, text);
	rpc_free(r);
	sess_close(&a);

	REQ(lq);
	Triad__V1__ListCasesRequest lc = TRIAD__V1__LIST_CASES_REQUEST__INIT;
	lc.session = key;
	lq.body_case = TRIAD__V1__REQUEST__BODY_LIST_CASES;
	lq.list_cases = &lc;

	/* The group and the facilitator read it. */
	Sess b = sess_open(d.addr, bram.token);
	r = rpc_ok(&b, A.slug, &lq);
	assert_int_equal(r->intervision_cases->n_cases, 1);
	assert_string_equal(r->intervision_cases->cases[0]->text, text);
	assert_false(r->intervision_cases->cases[0]->hidden);
	rpc_free(r);
	sess_close(&b);
	r = rpc_ok(&f, A.slug, &lq);
	assert_string_equal(r->intervision_cases->cases[0]->text, text);
	rpc_free(r);
	sess_close(&f);

	/* Other staff see that a case was brought, not what. */
	r = rpc_ok(&st, A.slug, &lq);
	assert_int_equal(r->intervision_cases->n_cases, 1);
	assert_string_equal(r->intervision_cases->cases[0]->participant_name, anna.name);
	assert_string_equal(r->intervision_cases->cases[0]->text, "");
	assert_string_equal(r->intervision_cases->cases[0]->title, "");
	assert_true(r->intervision_cases->cases[0]->hidden);
	rpc_free(r);

	/* A participant outside the group does not find the session at all,
	 * and cannot bring a case to it. */
	Sess c2 = sess_open(d.addr, carla.token);
	expect_status_free(rpc(&c2, A.slug, &lq), CODE(NOT_FOUND), NULL, "list_cases.session");
	expect_status_free(rpc(&c2, A.slug, &bq), CODE(NOT_FOUND), NULL, "bring_case.session");
	sess_close(&c2);

	/* Attendance, recorded by staff, seen by the group. */
	REQ(rq);
	Triad__V1__RecordIntervisionAttendanceRequest ra =
		TRIAD__V1__RECORD_INTERVISION_ATTENDANCE_REQUEST__INIT;
	ra.session = key;
	ra.participant = anna.email;
	ra.status = TRIAD__V1__ATTENDANCE_STATUS__ATTENDANCE_STATUS_PRESENT;
	rq.body_case = TRIAD__V1__REQUEST__BODY_RECORD_INTERVISION_ATTENDANCE;
	rq.record_intervision_attendance = &ra;
	rpc_free(rpc_ok(&st, A.slug, &rq));
	ra.participant = carla.email;
	expect_status_free(rpc(&st, A.slug, &rq), CODE(NOT_FOUND), NULL,
			   "record_intervision_attendance.participant");
	sess_close(&st);
	free(fac_token);
	free(group);
}

/* ---- the client ---- */

/* The walk through the client: staff place, the participant plans, logs and
 * submits, the supervisor verifies and rejects, staff read the hours; a
 * report half sent over the protocol is finished by `triad document put`,
 * which goes on from where the server is, and read back whole. */
static void
test_client_walkthrough(void **state)
{
	(void)state;
	static char out[65536];
	char args[2048], d9[11], d8[11], starts[11], ends[11];
	day_str(d9, -9);
	day_str(d8, -8);
	day_str(starts, -10);
	day_str(ends, 17);
	char *org = make_org(&op, "Gemeente Den Haag",
			     TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_MUNICIPALITY);

	snprintf(args, sizeof args,
		 "--institution %s internship place %s --org %s --supervisor %s --starts %s --ends %s",
		 A.slug, carla.email, org, sup_email, starts, ends);
	triad_cli_ok(d.addr, A.staff_token, args, out, sizeof out);
	expect_contains(out, carla.name);
	expect_contains(out, sup_name);
	free(org);

	snprintf(args, sizeof args, "--institution %s internship plan --motivation 'Een andere "
		 "stad' --question 'Wat werkt in de wijk?'", A.slug);
	triad_cli_ok(d.addr, carla.token, args, out, sizeof out);
	expect_contains(out, "submitted");
	snprintf(args, sizeof args, "--institution %s internship hours log %s 8 'Interviews'",
		 A.slug, d9);
	triad_cli_ok(d.addr, carla.token, args, out, sizeof out);
	snprintf(args, sizeof args, "--institution %s internship hours log %s 7.5 'Analyse'",
		 A.slug, d8);
	triad_cli_ok(d.addr, carla.token, args, out, sizeof out);
	snprintf(args, sizeof args, "--institution %s internship hours submit", A.slug);
	triad_cli_ok(d.addr, carla.token, args, out, sizeof out);
	expect_contains(out, d9);
	expect_contains(out, d8);

	snprintf(args, sizeof args, "--institution %s internship hours verify %s %s", A.slug,
		 carla.email, d9);
	triad_cli_ok(d.addr, sup_token, args, out, sizeof out);
	snprintf(args, sizeof args, "--institution %s internship hours reject %s %s --reason "
		 "'Geen werkdag'", A.slug, carla.email, d8);
	triad_cli_ok(d.addr, sup_token, args, out, sizeof out);
	/* Reopening is not his: exit 4. */
	snprintf(args, sizeof args, "--institution %s internship hours reopen %s %s --reason x",
		 A.slug, carla.email, d9);
	assert_int_equal(triad_cli(d.addr, sup_token, args, out, sizeof out), 4);

	snprintf(args, sizeof args, "--institution %s --json internship hours list %s", A.slug,
		 carla.email);
	triad_cli_ok(d.addr, A.staff_token, args, out, sizeof out);
	expect_contains(out, sup_name);
	expect_contains(out, "\"verified\"");
	expect_contains(out, "\"rejected\"");
	expect_contains(out, "Geen werkdag");
	snprintf(args, sizeof args, "--institution %s --csv internship hours list %s", A.slug,
		 carla.email);
	triad_cli_ok(d.addr, A.staff_token, args, out, sizeof out);
	expect_contains(out, "participant_email,day,hours,description,status");

	/* A report of 600 KiB: the first chunk over the protocol, the rest by
	 * the client, which asks where the server is. */
	const size_t size = 600 * 1024, chunk = 256 * 1024;
	uint8_t *doc = malloc(size), digest[32];
	char sha[65], path[256], back_path[256];
	assert_non_null(doc);
	for (size_t i = 0; i < size; i++)
		doc[i] = (uint8_t)(i * 7 + i / 1000);
	SHA256(doc, size, digest);
	for (int i = 0; i < 32; i++)
		snprintf(sha + 2 * i, 3, "%02x", digest[i]);
	harness_tmp_path(path, sizeof path, "verslag.pdf");
	harness_tmp_path(back_path, sizeof back_path, "verslag-terug.pdf");
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(doc, 1, size, f), size);
	fclose(f);
	Sess c = sess_open(d.addr, carla.token);
	expect_status_free(put_chunk(&c, sha, (int64_t)size, 0, doc, chunk), CODE(OK), NULL, NULL);
	sess_close(&c);

	snprintf(args, sizeof args, "--institution %s document put '%s' --kind report", A.slug,
		 path);
	triad_cli_ok(d.addr, carla.token, args, out, sizeof out);
	expect_contains(out, "the server has 262144 of 614400 bytes; going on from there");
	expect_contains(out, sha);
	expect_contains(out, "submitted");

	snprintf(args, sizeof args, "--institution %s document get %s --kind report -o '%s'",
		 A.slug, carla.email, back_path);
	triad_cli_ok(d.addr, A.staff_token, args, out, sizeof out);
	f = fopen(back_path, "rb");
	assert_non_null(f);
	uint8_t *back = malloc(size + 1);
	assert_non_null(back);
	assert_int_equal(fread(back, 1, size + 1, f), size);
	fclose(f);
	assert_memory_equal(back, doc, size);
	free(back);
	free(doc);

	/* The supervisor may not read it. */
	snprintf(args, sizeof args, "--institution %s document get %s --kind report -o '%s'",
		 A.slug, carla.email, back_path);
	assert_int_equal(triad_cli(d.addr, sup_token, args, out, sizeof out), 4);
}

/* ---- erasure ---- */

/* Erasing the participant from the institution keeps her hours and the
 * supervisor's decisions (they count), and removes what she wrote and her
 * documents. */
static void
test_erasure_keeps_hours_and_removes_her_words(void **state)
{
	(void)state;
	char anon[64];
	REQ(req);
	Triad__V1__ErasePersonRequest m = TRIAD__V1__ERASE_PERSON_REQUEST__INIT;
	m.person = carla.email;
	req.body_case = TRIAD__V1__REQUEST__BODY_ERASE_PERSON;
	req.erase_person = &m;
	Triad__V1__Response *r = rpc_ok(&op, A.slug, &req);
	snprintf(anon, sizeof anon, "%s", r->erasure->person_id);
	rpc_free(r);

	Sess st = sess_open(d.addr, A.staff_token);
	r = list_hours(&st, "");
	expect_status(r, CODE(OK), NULL, NULL);
	int hers = 0;
	for (size_t i = 0; i < r->hours->n_entries; i++) {
		Triad__V1__HoursEntry *h = r->hours->entries[i];
		assert_string_not_equal(h->participant_email, carla.email);
		if (strcmp(h->participant_name, "Erased person") != 0)
			continue;
		hers++;
		assert_string_equal(h->description, "[erased]");
		assert_string_equal(h->decided_by_name, sup_name);
	}
	assert_int_equal(hers, 2);
	rpc_free(r);

	r = get_placement(&st, A.slug, anon);
	expect_status_free(r, CODE(NOT_FOUND), NULL, "get_placement.participant");
	REQ(lp);
	Triad__V1__ListPlacementsRequest l = TRIAD__V1__LIST_PLACEMENTS_REQUEST__INIT;
	l.page_size = 500;
	lp.body_case = TRIAD__V1__REQUEST__BODY_LIST_PLACEMENTS;
	lp.list_placements = &l;
	r = rpc_ok(&st, A.slug, &lp);
	int placements = 0;
	for (size_t i = 0; i < r->placements->n_placements; i++) {
		Triad__V1__InternshipPlacement *p = r->placements->placements[i];
		if (strcmp(p->participant_name, "Erased person") != 0)
			continue;
		placements++;
		assert_string_equal(p->motivation, "");
		assert_string_equal(p->research_question, "");
		assert_true(p->hours_verified == 8);
		REQ(ld);
		Triad__V1__ListDocumentsRequest dm = TRIAD__V1__LIST_DOCUMENTS_REQUEST__INIT;
		dm.participant = p->enrollment_id;
		ld.body_case = TRIAD__V1__REQUEST__BODY_LIST_DOCUMENTS;
		ld.list_documents = &dm;
		Triad__V1__Response *dr = rpc_ok(&st, A.slug, &ld);
		assert_int_equal(dr->documents->n_documents, 0);
		rpc_free(dr);
	}
	assert_int_equal(placements, 1);
	rpc_free(r);
	sess_close(&st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_supervisor_onboarded_by_invite),
		cmocka_unit_test(test_supervisor_sees_what_the_role_needs),
		cmocka_unit_test(test_minimum_counts_verified_hours_only),
		cmocka_unit_test(test_hours_page_in_order),
		cmocka_unit_test(test_decisions_name_the_supervisor),
		cmocka_unit_test(test_timeline_shows_decided_hours),
		cmocka_unit_test(test_reopen_only_by_staff_and_audited),
		cmocka_unit_test(test_document_upload_resumes_after_drop),
		cmocka_unit_test(test_case_text_hidden_from_non_members),
		cmocka_unit_test(test_client_walkthrough),
		cmocka_unit_test(test_erasure_keeps_hours_and_removes_her_words),
	};
	return harness_run_group_tests(tests, group_setup, group_teardown);
}

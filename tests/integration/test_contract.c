/*
 * test_contract.c: the rules envelope.proto states for every request, shown
 * on several kinds of request against a real triadd: the page-size rule
 * (PAGING), and when a refusal is PERMISSION_DENIED and when NOT_FOUND
 * (REFUSALS).
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CODE(x) TRIAD__V1__CODE__CODE_##x
#define REQ(name) Triad__V1__Request name = TRIAD__V1__REQUEST__INIT

static Triadd d;
static Sess op;
static char token[128];
static char inst[64], other[64];
static char *programme;
static int uniq;

/* ---- page sizes ---- */

static Triad__V1__Response *
list_lines(Sess *s, int32_t size, const char *page_token)
{
	REQ(req);
	Triad__V1__ListLearningLinesRequest m = TRIAD__V1__LIST_LEARNING_LINES_REQUEST__INIT;
	m.programme_id = programme;
	m.page_size = size;
	m.page_token = (char *)(page_token != NULL ? page_token : "");
	req.body_case = TRIAD__V1__REQUEST__BODY_LIST_LEARNING_LINES;
	req.list_learning_lines = &m;
	return rpc(s, inst, &req);
}

/* More than the most a page holds: 0 is the default, too many is the most,
 * and the rest comes on the next page. */
static void
test_page_size_clamped_to_the_maximum(void **state)
{
	(void)state;
	char *n = owner_sql("INSERT INTO learning_line (institution_id, programme_id, code, name)"
			    " SELECT i.id, $2::uuid, 'C' || g, 'Line ' || g"
			    "   FROM institution i, generate_series(1, 520) g WHERE i.slug = $1",
			    inst, programme, NULL);
	assert_string_equal(n, "520");
	free(n);

	Triad__V1__Response *r = list_lines(&op, 0, NULL);
	assert_int_equal(r->status->code, CODE(OK));
	assert_int_equal(r->learning_lines->n_lines, 50);
	assert_string_not_equal(r->learning_lines->next_page_token, "");
	rpc_free(r);

	r = list_lines(&op, 100000, NULL);
	assert_int_equal(r->status->code, CODE(OK));
	assert_int_equal(r->learning_lines->n_lines, 500);
	char *next = test_strdup(r->learning_lines->next_page_token);
	assert_string_not_equal(next, "");
	rpc_free(r);
	r = list_lines(&op, 100000, next);
	assert_int_equal(r->status->code, CODE(OK));
	assert_int_equal(r->learning_lines->n_lines, 20);
	assert_string_equal(r->learning_lines->next_page_token, "");
	rpc_free(r);
	free(next);
}

/* A negative page size is refused, naming the field, in lists of every
 * kind: rows paged by id, by position, written in C, and the event list. */
static void
test_negative_page_size_refused_everywhere(void **state)
{
	(void)state;
	static const char *why = "page_size must not be negative: 0 asks for the default of 50, "
				 "and more than 500 is taken as 500";

	expect_status_free(list_lines(&op, -1, NULL), CODE(INVALID_ARGUMENT), why,
			   "list_learning_lines.page_size");

	REQ(a);
	Triad__V1__ListPersonsRequest pm = TRIAD__V1__LIST_PERSONS_REQUEST__INIT;
	pm.page_size = -5;
	a.body_case = TRIAD__V1__REQUEST__BODY_LIST_PERSONS;
	a.list_persons = &pm;
	expect_status_free(rpc(&op, inst, &a), CODE(INVALID_ARGUMENT), why,
			   "list_persons.page_size");

	REQ(b);
	Triad__V1__ListDomainEventsRequest em = TRIAD__V1__LIST_DOMAIN_EVENTS_REQUEST__INIT;
	em.page_size = -1;
	b.body_case = TRIAD__V1__REQUEST__BODY_LIST_DOMAIN_EVENTS;
	b.list_domain_events = &em;
	expect_status_free(rpc(&op, inst, &b), CODE(INVALID_ARGUMENT), why,
			   "list_domain_events.page_size");

	REQ(c);
	Triad__V1__ListHoursRequest hm = TRIAD__V1__LIST_HOURS_REQUEST__INIT;
	hm.page_size = -2;
	c.body_case = TRIAD__V1__REQUEST__BODY_LIST_HOURS;
	c.list_hours = &hm;
	expect_status_free(rpc(&op, inst, &c), CODE(INVALID_ARGUMENT), why, "list_hours.page_size");

	/* More than the most is no error in the event list either. */
	em.page_size = 100000;
	Triad__V1__Response *r = rpc(&op, inst, &b);
	assert_int_equal(r->status->code, CODE(OK));
	assert_true(r->domain_events->n_events <= 500);
	rpc_free(r);
}

/* ---- refusals ---- */

static Triad__V1__Response *
update_programme(Sess *s, const char *in, const char *id)
{
	REQ(req);
	Triad__V1__UpdateProgrammeRequest m = TRIAD__V1__UPDATE_PROGRAMME_REQUEST__INIT;
	Triad__V1__Programme p = TRIAD__V1__PROGRAMME__INIT;
	p.id = (char *)id;
	p.name = "Renamed";
	m.programme = &p;
	req.body_case = TRIAD__V1__REQUEST__BODY_UPDATE_PROGRAMME;
	req.update_programme = &m;
	return rpc(s, in, &req);
}

static Triad__V1__Response *
get_programme(Sess *s, const char *in, const char *id)
{
	REQ(req);
	Triad__V1__GetProgrammeRequest m = TRIAD__V1__GET_PROGRAMME_REQUEST__INIT;
	m.id = (char *)id;
	req.body_case = TRIAD__V1__REQUEST__BODY_GET_PROGRAMME;
	req.get_programme = &m;
	return rpc(s, in, &req);
}

static Triad__V1__Response *
get_enrollment(Sess *s, const char *in, const char *id)
{
	REQ(req);
	Triad__V1__GetEnrollmentRequest m = TRIAD__V1__GET_ENROLLMENT_REQUEST__INIT;
	m.id = (char *)id;
	req.body_case = TRIAD__V1__REQUEST__BODY_GET_ENROLLMENT;
	req.get_enrollment = &m;
	return rpc(s, in, &req);
}

/* Two answers that must not tell apart what the caller may not know. */
static void
expect_same(Triad__V1__Response *a, Triad__V1__Response *b, Triad__V1__Code code,
	    const char *field)
{
	expect_status(a, code, NULL, field);
	expect_status(b, code, NULL, field);
	assert_string_equal(a->status->message, b->status->message);
	rpc_free(a);
	rpc_free(b);
}

/* A participant of inst, enrolled in a cohort of the programme, signed in;
 * her enrollment's id into enrollment. */
static Sess
participant(char **enrollment)
{
	char name[64], email[128], cname[64];
	test_unique(name, sizeof name, "Deelnemer");
	snprintf(email, sizeof email, "contract%d-%d@example.org", (int)getpid(), ++uniq);
	char *person = make_person(&op, inst, name, email);

	REQ(rc);
	Triad__V1__CreateCohortRequest cc = TRIAD__V1__CREATE_COHORT_REQUEST__INIT;
	Triad__V1__Cohort c = TRIAD__V1__COHORT__INIT;
	test_unique(cname, sizeof cname, "Contract");
	c.programme_id = programme;
	c.name = cname;
	c.starts_on = "2027-02-01";
	c.ends_on = "2028-07-31";
	cc.cohort = &c;
	rc.body_case = TRIAD__V1__REQUEST__BODY_CREATE_COHORT;
	rc.create_cohort = &cc;
	Triad__V1__Response *r = rpc_ok(&op, inst, &rc);
	char *cohort = test_strdup(r->cohort->id);
	rpc_free(r);

	REQ(req);
	Triad__V1__EnrollRequest m = TRIAD__V1__ENROLL_REQUEST__INIT;
	m.person_id = person;
	m.cohort_id = cohort;
	req.body_case = TRIAD__V1__REQUEST__BODY_ENROLL;
	req.enroll = &m;
	r = rpc_ok(&op, inst, &req);
	*enrollment = test_strdup(r->enrollment->id);
	rpc_free(r);
	char *tok = invite_and_redeem(&op, d.addr, inst, person, TRIAD__V1__ROLE__ROLE_PARTICIPANT,
				      0, NULL);
	Sess s = sess_open(d.addr, tok);
	free(tok);
	free(person);
	free(cohort);
	return s;
}

/* Permission first: a role that may not call a request is told so before
 * anything is read, whether what it names exists or not. */
static void
test_permission_before_existence(void **state)
{
	(void)state;
	char *mine, nothing[37];
	Sess p = participant(&mine);
	random_uuid(nothing);

	expect_same(update_programme(&p, inst, programme), update_programme(&p, inst, nothing),
		    CODE(PERMISSION_DENIED), "");

	/* An organisation's system may not read the audit trail, of a
	 * resource that exists or of one that does not. */
	char name[80];
	char *org = make_org(&op, "Contractant", TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_EMPLOYER);
	char *machine = make_machine(&op, inst, org, "contract-hr", name);
	Sess hr = sess_open(d.addr, machine);
	REQ(a);
	Triad__V1__ListAuditRequest am = TRIAD__V1__LIST_AUDIT_REQUEST__INIT;
	am.resource_id = programme;
	a.body_case = TRIAD__V1__REQUEST__BODY_LIST_AUDIT;
	a.list_audit = &am;
	Triad__V1__Response *r1 = rpc(&hr, inst, &a);
	am.resource_id = nothing;
	expect_same(r1, rpc(&hr, inst, &a), CODE(PERMISSION_DENIED), "");

	sess_close(&hr);
	sess_close(&p);
	free(machine);
	free(org);
	free(mine);
}

/* What the caller may not see is NOT_FOUND, exactly as what does not
 * exist, naming the field that named it. */
static void
test_unseen_is_not_found(void **state)
{
	(void)state;
	char *hers, *mine, nothing[37];
	Sess her = participant(&hers);
	Sess p = participant(&mine);
	random_uuid(nothing);

	/* Another participant's enrollment. */
	expect_same(get_enrollment(&p, inst, hers), get_enrollment(&p, inst, nothing),
		    CODE(NOT_FOUND), "get_enrollment.id");
	/* ... which its owner sees. */
	Triad__V1__Response *r = get_enrollment(&her, inst, hers);
	assert_int_equal(r->status->code, CODE(OK));
	rpc_free(r);

	/* An institution the caller has no grant in, and one that does not
	 * exist: the same answer, naming Request.institution. */
	char nowhere[80];
	snprintf(nowhere, sizeof nowhere, "%s-gone", other);
	char want[160];
	snprintf(want, sizeof want, "institution '%s' not found", other);
	expect_status_free(get_programme(&p, other, programme), CODE(NOT_FOUND), want,
			   "institution");
	snprintf(want, sizeof want, "institution '%s' not found", nowhere);
	expect_status_free(get_programme(&p, nowhere, programme), CODE(NOT_FOUND), want,
			   "institution");

	/* A programme that is not there, by id and by code. */
	expect_status_free(get_programme(&op, inst, nothing), CODE(NOT_FOUND), NULL,
			   "get_programme.id");
	expect_status_free(get_programme(&op, inst, "NOSUCHCODE"), CODE(NOT_FOUND), NULL,
			   "get_programme.id");

	/* An organisation's system enrolling a person who is not its
	 * employee: she is out of its sight, by id as by e-mail address, and
	 * her id is answered as an id of no one. */
	char name[80];
	char *org = make_org(&op, "Buiten", TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_EMPLOYER);
	char *machine = make_machine(&op, inst, org, "contract-buiten", name);
	Sess hr = sess_open(d.addr, machine);
	char *her_person = owner_sql("SELECT person_id::text FROM enrollment WHERE id = $1::uuid",
				     hers, NULL, NULL);
	char *her_email = owner_sql("SELECT email FROM person WHERE id = $1::uuid", her_person,
				    NULL, NULL);
	char *cohort = owner_sql("SELECT cohort_id::text FROM enrollment WHERE id = $1::uuid",
				 hers, NULL, NULL);
	const char *who[3] = {her_person, her_email, nothing};
	Triad__V1__Response *by[3];
	for (int i = 0; i < 3; i++) {
		REQ(req);
		Triad__V1__EnrollRequest m = TRIAD__V1__ENROLL_REQUEST__INIT;
		m.person_id = (char *)who[i];
		m.cohort_id = cohort;
		req.body_case = TRIAD__V1__REQUEST__BODY_ENROLL;
		req.enroll = &m;
		by[i] = rpc(&hr, inst, &req);
	}
	expect_status_free(by[1], CODE(NOT_FOUND), NULL, "enroll.person_id");
	expect_same(by[0], by[2], CODE(NOT_FOUND), "enroll.person_id");
	free(her_person);
	free(her_email);
	free(cohort);

	sess_close(&hr);
	sess_close(&her);
	sess_close(&p);
	free(machine);
	free(org);
	free(hers);
	free(mine);
}

/* Seen, but not the caller's to do: PERMISSION_DENIED naming the field,
 * saying who may. */
static void
test_seen_but_not_yours_is_denied(void **state)
{
	(void)state;
	char name[80], email[128];
	char *org = make_org(&op, "Eigen", TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_EMPLOYER);
	char *elsewhere = make_org(&op, "Ander", TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_EMPLOYER);
	char *machine = make_machine(&op, inst, org, "contract-eigen", name);
	snprintf(email, sizeof email, "employee%d-%d@example.org", (int)getpid(), ++uniq);
	char *person = make_person(&op, inst, "Werknemer Eigen", email);
	char *hers;
	Sess p = participant(&hers);
	char *cohort = owner_sql("SELECT cohort_id::text FROM enrollment WHERE id = $1::uuid",
				 hers, NULL, NULL);

	/* Staff enroll her with the organisation: she is its employee, and its
	 * system sees her. */
	REQ(req);
	Triad__V1__EnrollRequest m = TRIAD__V1__ENROLL_REQUEST__INIT;
	m.person_id = person;
	m.cohort_id = cohort;
	m.employer_id = org;
	req.body_case = TRIAD__V1__REQUEST__BODY_ENROLL;
	req.enroll = &m;
	rpc_free(rpc_ok(&op, inst, &req));

	/* Its system may not enroll her with another employer. */
	Sess hr = sess_open(d.addr, machine);
	m.employer_id = elsewhere;
	Triad__V1__Response *r = rpc(&hr, inst, &req);
	expect_status(r, CODE(PERMISSION_DENIED), NULL, "enroll.employer_id");
	expect_contains(r->status->message, "own organisation as the employer");
	rpc_free(r);

	sess_close(&hr);
	sess_close(&p);
	free(cohort);
	free(hers);
	free(person);
	free(machine);
	free(elsewhere);
	free(org);
}

/* Samples of what the Contract comments say, asked for real. */
static void
test_contract_samples(void **state)
{
	(void)state;
	/* CreateCohortRequest: "Required: cohort.ends_on, cohort.name,
	 * cohort.starts_on". */
	REQ(rc);
	Triad__V1__CreateCohortRequest cc = TRIAD__V1__CREATE_COHORT_REQUEST__INIT;
	Triad__V1__Cohort c = TRIAD__V1__COHORT__INIT;
	c.programme_id = programme;
	c.name = "Without an end";
	c.starts_on = "2027-02-01";
	cc.cohort = &c;
	rc.body_case = TRIAD__V1__REQUEST__BODY_CREATE_COHORT;
	rc.create_cohort = &cc;
	expect_status_free(rpc(&op, inst, &rc), CODE(INVALID_ARGUMENT), "ends_on is required (YYYY-MM-DD)",
			   "create_cohort.cohort.ends_on");

	/* CreateProgrammeRequest: "Required: ... programme.award ...". */
	REQ(rp);
	Triad__V1__CreateProgrammeRequest cp = TRIAD__V1__CREATE_PROGRAMME_REQUEST__INIT;
	Triad__V1__Programme p = TRIAD__V1__PROGRAMME__INIT;
	p.code = "NOAWARD";
	p.name = "Without an award";
	p.duration_months = 12;
	p.language = "nl";
	p.mode = TRIAD__V1__STUDY_MODE__STUDY_MODE_PART_TIME;
	cp.programme = &p;
	rp.body_case = TRIAD__V1__REQUEST__BODY_CREATE_PROGRAMME;
	rp.create_programme = &cp;
	Triad__V1__Response *r = rpc(&op, inst, &rp);
	expect_status(r, CODE(INVALID_ARGUMENT), NULL, "create_programme.programme.award");
	rpc_free(r);

	/* ListCasesRequest: "INVALID_ARGUMENT list_cases.session" when it is
	 * empty. */
	REQ(lc);
	Triad__V1__ListCasesRequest lm = TRIAD__V1__LIST_CASES_REQUEST__INIT;
	lc.body_case = TRIAD__V1__REQUEST__BODY_LIST_CASES;
	lc.list_cases = &lm;
	r = rpc(&op, inst, &lc);
	expect_status(r, CODE(INVALID_ARGUMENT), NULL, "list_cases.session");
	rpc_free(r);

	/* LogHoursRequest: "Who: participant": staff are refused before
	 * anything is read. */
	REQ(lh);
	Triad__V1__LogHoursRequest hm = TRIAD__V1__LOG_HOURS_REQUEST__INIT;
	hm.day = "2027-03-01";
	hm.hours = 8;
	hm.description = "Interviews";
	lh.body_case = TRIAD__V1__REQUEST__BODY_LOG_HOURS;
	lh.log_hours = &hm;
	r = rpc(&op, inst, &lh);
	expect_status(r, CODE(PERMISSION_DENIED), NULL, "");
	rpc_free(r);
}

static int
setup(void **state)
{
	(void)state;
	triadd_bootstrap(token, sizeof token);
	triadd_start(&d, NULL);
	op = sess_open(d.addr, token);
	make_institution(&op, "contract", "Contract College", inst);
	make_institution(&op, "elsewhere", "Elsewhere College", other);
	programme = make_programme(&op, inst, "CON", 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	free(programme);
	sess_close(&op);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_size_clamped_to_the_maximum),
		cmocka_unit_test(test_negative_page_size_refused_everywhere),
		cmocka_unit_test(test_permission_before_existence),
		cmocka_unit_test(test_unseen_is_not_found),
		cmocka_unit_test(test_seen_but_not_yours_is_denied),
		cmocka_unit_test(test_contract_samples),
	};
	return harness_run_group_tests(tests, setup, teardown);
}

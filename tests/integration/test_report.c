/*
 * test_report.c: ReportReturn's privacy rules on a programme built here
 * (the figures on the demo data are tests/report/run.sh's):
 *   - a group of fewer persons than the minimum (5) is suppressed: no value,
 *     no size, a note; at 5 it is shown; a request may raise the minimum,
 *     never lower it;
 *   - an employer contact gets its own organisation's figures only, and
 *     they count only the participants who consented to it;
 *   - mistakes are named by field.
 * The participants are made by the schema owner (owner_sql): the report
 * reads them, how they came to be is other tests' concern.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REQ(var) Triad__V1__Request var = TRIAD__V1__REQUEST__INIT

static Triadd d;
static Sess op;
static char slug[64], code[32], org_name[128], stem[64];
static char *programme, *cohort, *org;

/* Adds n active participants of the cohort, employed by org, 4 hours a week. */
static void
add_participants(int n)
{
	static int seq;
	char sql[1024], tag[96];
	snprintf(tag, sizeof tag, "%s-%d", stem, ++seq);
	snprintf(sql, sizeof sql,
		 "WITH p AS (INSERT INTO person (name, email)"
		 "           SELECT 'Report Participant ' || g, 'report.' || g || '.' || $3"
		 "                  || '@example.org' FROM generate_series(1, %d) g RETURNING id),"
		 " m AS (INSERT INTO member (institution_id, person_id)"
		 "       SELECT (SELECT institution_id FROM cohort WHERE id = $1::uuid), id FROM p"
		 "       RETURNING institution_id, person_id)"
		 " INSERT INTO enrollment (institution_id, person_id, track, cohort_id, status,"
		 "                         placement, employer_id, hours_per_week)"
		 " SELECT institution_id, person_id, 'programme', $1::uuid, 'active', 'placed',"
		 "        $2::uuid, 4 FROM m", n);
	free(owner_sql(sql, cohort, org, tag));
}

/* The first k participants (in order of arrival) consent to their employer. */
static void
consent_first(const char *k)
{
	free(owner_sql("INSERT INTO consent (institution_id, enrollment_id, organisation_id, level)"
		       " SELECT institution_id, id, employer_id, 'progress' FROM enrollment"
		       "  WHERE cohort_id = $1::uuid ORDER BY arrival LIMIT $2::int"
		       " ON CONFLICT DO NOTHING",
		       cohort, k, NULL));
}

static Triad__V1__Response *
report(Sess *s, const char *prog, const char *coh, int min)
{
	REQ(req);
	Triad__V1__ReportReturnRequest m = TRIAD__V1__REPORT_RETURN_REQUEST__INIT;
	m.programme_id = (char *)prog;
	m.cohort_id = (char *)(coh != NULL ? coh : "");
	m.min_group_size = min;
	req.body_case = TRIAD__V1__REQUEST__BODY_REPORT_RETURN;
	req.report_return = &m;
	return rpc(s, slug, &req);
}

static const Triad__V1__ReturnFigure *
figure(const Triad__V1__ReturnReport *r, const char *name, const char *kind)
{
	for (size_t i = 0; i < r->n_figures; i++) {
		if (strcmp(r->figures[i]->figure, name) == 0 &&
		    strcmp(r->figures[i]->group_kind, kind) == 0)
			return r->figures[i];
	}
	fail_msg("no figure %s of a %s", name, kind);
	return NULL;
}

static void
test_small_group_suppressed(void **state)
{
	(void)state;
	/* Three participants: fewer than five. */
	Triad__V1__Response *r = report(&op, code, NULL, 0);
	expect_status(r, TRIAD__V1__CODE__CODE_OK, NULL, NULL);
	const Triad__V1__ReturnReport *rep = r->return_report;
	assert_int_equal(rep->min_group_size, 5);
	const Triad__V1__ReturnFigure *f = figure(rep, "enrolled", "programme");
	assert_true(f->suppressed);
	assert_true(f->value == 0 && f->compare == 0);
	assert_int_equal(f->group_size, 0);
	assert_string_equal(f->note, "suppressed: fewer than 5 persons");
	rpc_free(r);

	/* Five: shown. */
	add_participants(2);
	r = report(&op, code, NULL, 0);
	expect_status(r, TRIAD__V1__CODE__CODE_OK, NULL, NULL);
	f = figure(r->return_report, "enrolled", "programme");
	assert_false(f->suppressed);
	assert_true(f->value == 5);
	assert_int_equal(f->group_size, 5);
	rpc_free(r);

	/* A request may ask for a larger minimum, never a smaller one. */
	r = report(&op, code, NULL, 6);
	assert_int_equal(r->return_report->min_group_size, 6);
	assert_true(figure(r->return_report, "enrolled", "programme")->suppressed);
	rpc_free(r);
	r = report(&op, code, NULL, 2);
	assert_int_equal(r->return_report->min_group_size, 5);
	assert_false(figure(r->return_report, "enrolled", "programme")->suppressed);
	rpc_free(r);
}

static void
test_employer_sees_its_consenting_participants_only(void **state)
{
	(void)state;
	/* Six of the organisation's employees, five of whom consented. */
	add_participants(1);
	consent_first("5");
	char contact_name[96], email[160];
	test_unique(contact_name, sizeof contact_name, "Report Contact ");
	snprintf(email, sizeof email, "report.contact.%s@example.org", stem);
	char *person = make_person(&op, slug, contact_name, email);
	char *token = invite_and_redeem(&op, d.addr, slug, person,
					TRIAD__V1__ROLE__ROLE_EMPLOYER_CONTACT, 0, org);
	Sess emp = sess_open(d.addr, token);

	Triad__V1__Response *r = report(&emp, code, NULL, 0);
	expect_status(r, TRIAD__V1__CODE__CODE_OK, NULL, NULL);
	const Triad__V1__ReturnReport *rep = r->return_report;
	assert_string_equal(rep->view, "employer");
	assert_string_equal(rep->organisation_name, org_name);
	assert_true(rep->n_figures > 0);
	for (size_t i = 0; i < rep->n_figures; i++) {
		assert_string_equal(rep->figures[i]->group_kind, "employer");
		assert_string_equal(rep->figures[i]->group, org_name);
	}
	const Triad__V1__ReturnFigure *f = figure(rep, "enrolled", "employer");
	assert_false(f->suppressed);
	assert_true(f->value == 5);   /* not 6: one did not consent */
	assert_true(figure(rep, "hours_recorded", "employer")->value == 20);
	rpc_free(r);

	/* Staff see the whole programme: six. */
	r = report(&op, code, NULL, 0);
	assert_true(figure(r->return_report, "enrolled", "programme")->value == 6);
	assert_true(figure(r->return_report, "enrolled", "employer")->value == 5);
	assert_string_equal(r->return_report->view, "programme");
	rpc_free(r);
	sess_close(&emp);
	free(token);
	free(person);
}

static void
test_mistakes_named_by_field(void **state)
{
	(void)state;
	expect_status_free(report(&op, "", NULL, 0), TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, NULL,
			   "report_return.programme_id");
	expect_status_free(report(&op, code, NULL, 1001), TRIAD__V1__CODE__CODE_INVALID_ARGUMENT,
			   "min_group_size must be between 0 and 1000",
			   "report_return.min_group_size");
	expect_status_free(report(&op, "NOSUCHPROG", NULL, 0), TRIAD__V1__CODE__CODE_NOT_FOUND, NULL,
			   "report_return.programme_id");
	/* A cohort of another programme of the institution. */
	char other[32];
	snprintf(other, sizeof other, "%s-B", code);
	char *prog_b = make_programme(&op, slug, other, 0);
	char *coh_b = owner_sql("INSERT INTO cohort (institution_id, programme_id, name, starts_on,"
				" ends_on) SELECT institution_id, id, 'Other cohort', current_date,"
				" current_date + 300 FROM programme WHERE id = $1::uuid RETURNING id",
				prog_b, NULL, NULL);
	expect_status_free(report(&op, code, coh_b, 0), TRIAD__V1__CODE__CODE_NOT_FOUND,
			   "no such cohort of this programme", "report_return.cohort_id");
	free(prog_b);
	free(coh_b);
}

static int
group_setup(void **state)
{
	(void)state;
	triadd_start(&d, NULL);
	op = sess_open(d.addr, test_token());
	test_unique(stem, sizeof stem, "rep");
	make_institution(&op, stem, "Report tests", slug);
	snprintf(code, sizeof code, "R%d", (int)(ms_now() % 100000));
	programme = make_programme(&op, slug, code, 0);
	cohort = owner_sql("INSERT INTO cohort (institution_id, programme_id, name, starts_on,"
			   " ends_on) SELECT institution_id, id, 'Small cohort', current_date - 30,"
			   " current_date + 300 FROM programme WHERE id = $1::uuid RETURNING id",
			   programme, NULL, NULL);
	org = make_org(&op, "Report Employer", TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_HOSPITAL);
	char *name = owner_sql("SELECT name FROM organisation WHERE id = $1::uuid", org, NULL, NULL);
	snprintf(org_name, sizeof org_name, "%s", name);
	free(name);
	add_participants(3);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	sess_close(&op);
	free(programme);
	free(cohort);
	free(org);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_group_suppressed),
		cmocka_unit_test(test_employer_sees_its_consenting_participants_only),
		cmocka_unit_test(test_mistakes_named_by_field),
	};
	return harness_run_group_tests(tests, group_setup, group_teardown);
}

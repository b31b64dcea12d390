/*
 * test_report.c: ReportReturn's privacy rules on a programme built here
 * (the figures on the demo data are tests/report/run.sh's):
 *   - a group of fewer persons than the minimum (5) is suppressed: no value,
 *     no size, a note; at 5 it is shown; a request may raise the minimum,
 *     never lower it;
 *   - an employer contact gets its own organisation's figures only, and
 *     they count only the participants who consented to it;
 *   - mistakes are named by field;
 *   - feedback is counted per participant and month as it is written.
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

/* Where feedback_month and the feedback it counts disagree: rows of
 * "enrollment month count count" for the cohort, or "" when they agree. */
static char *
feedback_count_mismatches(void)
{
	return owner_sql(
		"SELECT coalesce(string_agg(concat_ws(' ', coalesce(t.e, m.e), coalesce(t.mo, m.mo),"
		"                 coalesce(t.n, 0), coalesce(m.n, 0)), '; '), '')"
		"  FROM (SELECT f.enrollment_id e,"
		"               date_trunc('month', f.created_at AT TIME ZONE 'UTC')::date mo,"
		"               count(*)::int n"
		"          FROM feedback f JOIN enrollment x ON x.institution_id = f.institution_id"
		"           AND x.id = f.enrollment_id WHERE x.cohort_id = $1::uuid GROUP BY 1, 2) t"
		"  FULL JOIN (SELECT fm.enrollment_id e, fm.month mo, fm.n FROM feedback_month fm"
		"               JOIN enrollment x ON x.institution_id = fm.institution_id"
		"                AND x.id = fm.enrollment_id"
		"              WHERE x.cohort_id = $1::uuid AND fm.n > 0) m"
		"    ON m.e = t.e AND m.mo = t.mo"
		" WHERE t.n IS DISTINCT FROM m.n",
		cohort, NULL, NULL);
}

/* The report counts feedback per participant and month from counts kept as
 * feedback is written (feedback_month): they follow inserts of one row and
 * of many, deletions, and a row moved to another month, and the report's
 * figures are the rows'. */
static void
test_feedback_counts_follow_the_rows(void **state)
{
	(void)state;
	/* A coach and a relation with each of the cohort's participants (six). */
	char *coach = owner_sql("INSERT INTO person (name, email) VALUES ('Report Coach', $1 || '@example.org')"
				" RETURNING id", stem, NULL, NULL);
	free(owner_sql("INSERT INTO coaching_relation (institution_id, enrollment_id,"
		       " coach_person_id, kind, status)"
		       " SELECT institution_id, id, $2::uuid, 'workplace_coach', 'active'"
		       "   FROM enrollment WHERE cohort_id = $1::uuid",
		       cohort, coach, NULL));
	static const char give[] =
		"INSERT INTO feedback (institution_id, relation_id, enrollment_id, coach_person_id,"
		" situation, behaviour, created_at)"
		" SELECT r.institution_id, r.id, r.enrollment_id, r.coach_person_id, 's', 'b',"
		"        now() - make_interval(days => 40 * (g %% 3))"
		"   FROM coaching_relation r JOIN enrollment e ON e.institution_id = r.institution_id"
		"    AND e.id = r.enrollment_id, generate_series(1, %d) g"
		"  WHERE e.cohort_id = $1::uuid AND r.coach_person_id = $2::uuid";
	char sql[1024];
	/* Many rows in one statement, then one at a time. */
	snprintf(sql, sizeof sql, give, 7);
	free(owner_sql(sql, cohort, coach, NULL));
	snprintf(sql, sizeof sql, give, 1);
	free(owner_sql(sql, cohort, coach, NULL));
	char *bad = feedback_count_mismatches();
	assert_string_equal(bad, "");
	free(bad);
	char *n = owner_sql("SELECT sum(n) FROM feedback_month fm JOIN enrollment x"
			    " ON x.institution_id = fm.institution_id AND x.id = fm.enrollment_id"
			    " WHERE x.cohort_id = $1::uuid", cohort, NULL, NULL);
	assert_string_equal(n, "48");   /* 8 for each of 6 */
	free(n);

	/* A row moved to another month, and rows deleted. */
	free(owner_sql("UPDATE feedback SET created_at = created_at - interval '200 days'"
		       " WHERE id = (SELECT id FROM feedback WHERE coach_person_id = $1::uuid"
		       "              ORDER BY created_at DESC LIMIT 1)", coach, NULL, NULL));
	free(owner_sql("DELETE FROM feedback WHERE id IN (SELECT id FROM feedback"
		       " WHERE coach_person_id = $1::uuid ORDER BY created_at LIMIT 3)",
		       coach, NULL, NULL));
	bad = feedback_count_mismatches();
	assert_string_equal(bad, "");
	free(bad);

	/* The report: feedback over time, month by month, as the rows have it;
	 * a month of fewer than 5 participants with feedback is suppressed. */
	char *want = owner_sql("SELECT sum(n) FROM (SELECT count(*) n, count(DISTINCT f.enrollment_id) p"
			       "  FROM feedback f JOIN enrollment x ON x.institution_id = f.institution_id"
			       "   AND x.id = f.enrollment_id WHERE x.cohort_id = $1::uuid"
			       " GROUP BY date_trunc('month', f.created_at AT TIME ZONE 'UTC')) t"
			       " WHERE p >= 5", cohort, NULL, NULL);
	Triad__V1__Response *r = report(&op, code, NULL, 0);
	expect_status(r, TRIAD__V1__CODE__CODE_OK, NULL, NULL);
	const Triad__V1__ReturnReport *rep = r->return_report;
	double total = 0;
	int months = 0;
	for (size_t i = 0; i < rep->n_figures; i++) {
		if (strcmp(rep->figures[i]->figure, "feedback_by_month") == 0 &&
		    !rep->figures[i]->suppressed) {
			total += rep->figures[i]->value;
			months++;
		}
	}
	assert_true(months >= 2);
	assert_true(total == atof(want));
	free(want);
	rpc_free(r);
	free(owner_sql("DELETE FROM feedback WHERE coach_person_id = $1::uuid", coach, NULL, NULL));
	free(owner_sql("DELETE FROM coaching_relation WHERE coach_person_id = $1::uuid", coach,
		       NULL, NULL));
	free(coach);
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
		cmocka_unit_test(test_feedback_counts_follow_the_rows),
	};
	return harness_run_group_tests(tests, group_setup, group_teardown);
}

/*
 * test_visibility.c: who sees which row inside an institution is the
 * views' own business, not the routes'. As the daemon's role, in a
 * transaction opened with triad_begin() for a caller, a statement without
 * any predicate (SELECT count(*) FROM enrollment_v) returns only the rows
 * that caller may see: a participant her own, a coach the feedback they
 * wrote and their relations, a member her community, staff everything, a
 * machine nothing of anyone's.
 */
#include "harness.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Ids of the fixture (uuid text). */
static char inst[37], anna[37], bert[37], coach[37];

/*
 * One institution with two participants, Anna and Bert, each with a
 * completed enrollment, a claim, a coaching relation with the same coach,
 * a piece of feedback from that coach, and a community of their own. Made
 * as the schema owner, whom row-level security does not confine.
 */
static int
setup(void **state)
{
	char stem[48], sql[4096];
	test_unique(stem, sizeof stem, "vis");
	snprintf(sql, sizeof sql,
		 "DO $$\n"
		 "DECLARE\n"
		 "    i uuid; a uuid; b uuid; c uuid; p uuid; o uuid; k uuid;\n"
		 "    ea uuid; eb uuid; ra uuid; rb uuid; ca uuid; cb uuid;\n"
		 "BEGIN\n"
		 "    INSERT INTO institution (slug, name) VALUES ('%s', 'Visibility')\n"
		 "    RETURNING id INTO i;\n"
		 "    INSERT INTO person (name, email) VALUES ('Anna', '%s-a@example.org')\n"
		 "    RETURNING id INTO a;\n"
		 "    INSERT INTO person (name, email) VALUES ('Bert', '%s-b@example.org')\n"
		 "    RETURNING id INTO b;\n"
		 "    INSERT INTO person (name, email) VALUES ('Coach', '%s-c@example.org')\n"
		 "    RETURNING id INTO c;\n"
		 "    INSERT INTO member (institution_id, person_id) VALUES (i, a), (i, b), (i, c);\n"
		 "    INSERT INTO programme (institution_id, code, name, award, ects, duration_months,\n"
		 "                           language, mode)\n"
		 "    VALUES (i, 'VIS', 'Visibility', 'degree', 60, 24, 'en', 'part_time')\n"
		 "    RETURNING id INTO p;\n"
		 "    INSERT INTO learning_outcome (institution_id, programme_id, code, description,\n"
		 "                                  credits)\n"
		 "    VALUES (i, p, 'LO1', 'Sees only what is theirs', 5) RETURNING id INTO o;\n"
		 "    INSERT INTO cohort (institution_id, programme_id, name, starts_on, ends_on)\n"
		 "    VALUES (i, p, 'K1', '2024-09-01', '2026-07-01') RETURNING id INTO k;\n"
		 "    INSERT INTO enrollment (institution_id, person_id, track, cohort_id, status,\n"
		 "                            placement)\n"
		 "    VALUES (i, a, 'programme', k, 'completed', 'placed') RETURNING id INTO ea;\n"
		 "    INSERT INTO enrollment (institution_id, person_id, track, cohort_id, status,\n"
		 "                            placement)\n"
		 "    VALUES (i, b, 'programme', k, 'completed', 'placed') RETURNING id INTO eb;\n"
		 "    INSERT INTO prior_learning_claim (institution_id, person_id, outcome_id, evidence)\n"
		 "    VALUES (i, a, o, 'Anna''s evidence'), (i, b, o, 'Bert''s evidence');\n"
		 "    INSERT INTO coaching_relation (institution_id, enrollment_id, coach_person_id,\n"
		 "                                   kind, status, starts_on)\n"
		 "    VALUES (i, ea, c, 'workplace_coach', 'active', current_date - 7)\n"
		 "    RETURNING id INTO ra;\n"
		 "    INSERT INTO coaching_relation (institution_id, enrollment_id, coach_person_id,\n"
		 "                                   kind, status, starts_on)\n"
		 "    VALUES (i, eb, c, 'workplace_coach', 'active', current_date - 7)\n"
		 "    RETURNING id INTO rb;\n"
		 "    INSERT INTO feedback (institution_id, relation_id, enrollment_id, coach_person_id,\n"
		 "                          situation, behaviour)\n"
		 "    VALUES (i, ra, ea, c, 'At the meeting', 'Anna listened'),\n"
		 "           (i, rb, eb, c, 'At the meeting', 'Bert listened');\n"
		 "    INSERT INTO community (institution_id, name, kind, starts_on)\n"
		 "    VALUES (i, 'Anna''s community', 'professional', current_date) RETURNING id INTO ca;\n"
		 "    INSERT INTO community (institution_id, name, kind, starts_on)\n"
		 "    VALUES (i, 'Bert''s community', 'professional', current_date) RETURNING id INTO cb;\n"
		 "    INSERT INTO community_member (institution_id, community_id, person_id, role,\n"
		 "                                  affiliation)\n"
		 "    VALUES (i, ca, a, 'member', 'participant'), (i, cb, b, 'member', 'participant');\n"
		 "END\n"
		 "$$",
		 stem, stem, stem, stem);
	free(owner_sql(sql, NULL, NULL, NULL));

	char *v = owner_sql("SELECT id FROM institution WHERE slug = $1", stem, NULL, NULL);
	assert_non_null(v);
	snprintf(inst, sizeof inst, "%s", v);
	free(v);
	const char *names[3] = {"a", "b", "c"};
	char *ids[3] = {anna, bert, coach};
	for (int n = 0; n < 3; n++) {
		char email[80];
		snprintf(email, sizeof email, "%s-%s@example.org", stem, names[n]);
		v = owner_sql("SELECT id FROM person WHERE email = $1", email, NULL, NULL);
		assert_non_null(v);
		snprintf(ids[n], 37, "%s", v);
		free(v);
	}
	return 0;
}

/*
 * Rows of view that the caller (person, NULL for a machine; staff) sees in
 * the institution, asked with no predicate at all, as the daemon's role.
 */
static long
visible(const char *view, const char *person, bool staff)
{
	PGconn *pg = PQconnectdb(env_required("TRIAD_TEST_DB"));
	assert_int_equal(PQstatus(pg), CONNECTION_OK);
	PGresult *r = PQexec(pg, "BEGIN");
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	const char *p[3] = {inst, person, staff ? "true" : "false"};
	r = PQexecParams(pg, "SELECT triad_begin($1, NULL, NULL, NULL, $2::uuid, $3::boolean, NULL)",
			 3, NULL, p, NULL, NULL, 0);
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	PQclear(r);
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", view);   /* no WHERE at all */
	r = PQexec(pg, sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(pg));
	long n = atol(PQgetvalue(r, 0, 0));
	PQclear(r);
	PQfinish(pg);
	return n;
}

/* The person a view shows the caller, when it shows exactly one row. */
static char *
only_person(const char *view, const char *column, const char *person)
{
	PGconn *pg = PQconnectdb(env_required("TRIAD_TEST_DB"));
	assert_int_equal(PQstatus(pg), CONNECTION_OK);
	PQclear(PQexec(pg, "BEGIN"));
	const char *p[2] = {inst, person};
	PGresult *r = PQexecParams(pg, "SELECT triad_begin($1, NULL, NULL, NULL, $2::uuid)", 2,
				   NULL, p, NULL, NULL, 0);
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	PQclear(r);
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT %s::text FROM %s", column, view);
	r = PQexec(pg, sql);
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	assert_int_equal(PQntuples(r), 1);
	char *out = test_strdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	PQfinish(pg);
	return out;
}

static const char *const personal_views[] = {
	"enrollment_v", "claim_v", "relation_v", "feedback_v", "alumnus_v",
};

static void
test_a_participant_sees_her_own(void **state)
{
	for (size_t i = 0; i < sizeof personal_views / sizeof personal_views[0]; i++) {
		assert_int_equal(visible(personal_views[i], anna, false), 1);
		assert_int_equal(visible(personal_views[i], bert, false), 1);
	}
	char *who = only_person("enrollment_v", "person_id", anna);
	assert_string_equal(who, anna);
	free(who);
	who = only_person("claim_v", "person_id", bert);
	assert_string_equal(who, bert);
	free(who);
	who = only_person("feedback_v", "participant_person_id", anna);
	assert_string_equal(who, anna);
	free(who);
	who = only_person("relation_v", "participant_person_id", bert);
	assert_string_equal(who, bert);
	free(who);
	/* Her community and its members, not the other's. */
	assert_int_equal(visible("community_v", anna, false), 1);
	assert_int_equal(visible("community_member_v", anna, false), 1);
	who = only_person("community_member_v", "person_id", anna);
	assert_string_equal(who, anna);
	free(who);
}

static void
test_a_coach_sees_what_they_wrote(void **state)
{
	assert_int_equal(visible("feedback_v", coach, false), 2);
	assert_int_equal(visible("enrollment_v", coach, false), 0);
	assert_int_equal(visible("claim_v", coach, false), 0);
	/* Their own relations, with both coachees. */
	assert_int_equal(visible("relation_v", coach, false), 2);
	assert_int_equal(visible("community_v", coach, false), 0);
}

static void
test_a_machine_sees_no_one(void **state)
{
	for (size_t i = 0; i < sizeof personal_views / sizeof personal_views[0]; i++)
		assert_int_equal(visible(personal_views[i], NULL, false), 0);
	assert_int_equal(visible("community_v", NULL, false), 0);
	assert_int_equal(visible("employer_view_v", NULL, false), 0);
}

static void
test_staff_see_everyone(void **state)
{
	for (size_t i = 0; i < sizeof personal_views / sizeof personal_views[0]; i++)
		assert_int_equal(visible(personal_views[i], NULL, true), 2);
	assert_int_equal(visible("community_v", NULL, true), 2);
	assert_int_equal(visible("community_member_v", NULL, true), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_participant_sees_her_own),
		cmocka_unit_test(test_a_coach_sees_what_they_wrote),
		cmocka_unit_test(test_a_machine_sees_no_one),
		cmocka_unit_test(test_staff_see_everyone),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}

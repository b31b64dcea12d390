/*
 * test_hot_plans.c: the statements of the busiest requests use their
 * indexes. With enough feedback that a scan of the table costs far more
 * than an index range (an institution of its own: 400 participants, 40
 * coaches, 40,000 feedback rows), each statement is explained as the
 * daemon's role, in a transaction scoped as triad_begin() scopes it, once
 * with the plan PostgreSQL makes for the values (custom) and once with the
 * plan of a prepared statement that ignores them (generic). A plan that
 * reads feedback or coaching_relation by a sequential scan fails the test,
 * as does one that no longer reaches feedback through an index.
 *
 * The statements: ListFeedback for an enrollment (the route's text, and
 * the same without its optional filters), the feedback GiveFeedback reads
 * back, the relation it reads, and ListCoachees (the query the coach's
 * narrow path runs, as the schema owner it runs as). Each also answers
 * with the rows the caller may see, so that a plan cannot pass by
 * returning nothing. A page of feedback reads no more rows than the page,
 * and a person's export no more feedback than hers.
 */
#include "harness.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PARTICIPANTS 400
#define COACHES 40
#define PER_RELATION 100
#define STR(x) #x
#define XSTR(x) STR(x)

static PGconn *own, *app;
static char inst[37], coach[37], other_coach[37], participant[37], enrollment[37],
	relation[37], feedback[37];

static PGresult *
exec_params(PGconn *pg, const char *sql, int n, const char *const *params)
{
	PGresult *res = PQexecParams(pg, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(pg));
	return res;
}

static void
exec_ok(PGconn *pg, const char *sql)
{
	PQclear(exec_params(pg, sql, 0, NULL));
}

/* The first cell of sql's answer into out (37 bytes: an id). */
static void
one_id(PGconn *pg, const char *sql, int n, const char *const *params, char out[37])
{
	PGresult *res = exec_params(pg, sql, n, params);
	if (PQntuples(res) != 1)
		fail_msg("%s: %d rows", sql, PQntuples(res));
	snprintf(out, 37, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
}

/*
 * One institution's worth of the feedback mix, as the schema owner in one
 * statement: participant n (1..400) is enrolled and coached by coach
 * (n - 1) % 40 + 1, and every relation has 100 feedback rows.
 */
static void
make_data(void)
{
	char slug[64];
	test_unique(slug, sizeof slug, "plans-");
	const char *p[1] = {slug};
	one_id(own, "INSERT INTO institution (slug, name) VALUES ($1, 'Plans') RETURNING id", 1,
	       p, inst);
	const char *q[1] = {inst};
	PQclear(exec_params(own,
		"WITH prog AS ("
		"  INSERT INTO programme (institution_id, code, name, award, ects, duration_months,"
		"                         language, mode)"
		"  VALUES ($1, 'PLANS', 'Plans', 'certificate', 30, 12, 'nl', 'part_time')"
		"  RETURNING id),"
		" coh AS ("
		"  INSERT INTO cohort (institution_id, programme_id, name, starts_on, ends_on)"
		"  SELECT $1, id, 'Plans', current_date - 365, current_date + 365 FROM prog"
		"  RETURNING id),"
		" pp AS (SELECT g AS n, gen_random_uuid() AS person_id,"
		"               gen_random_uuid() AS enrollment_id, gen_random_uuid() AS relation_id"
		"          FROM generate_series(1, " XSTR(PARTICIPANTS) ") g),"
		" cc AS (SELECT g AS n, gen_random_uuid() AS person_id"
		"          FROM generate_series(1, " XSTR(COACHES) ") g),"
		" persons AS ("
		"  INSERT INTO person (id, name, email)"
		"  SELECT person_id, 'Plans participant ' || n,"
		"         'plans.p' || n || '.' || $1 || '@plans.example' FROM pp"
		"  UNION ALL"
		"  SELECT person_id, 'Plans coach ' || n,"
		"         'plans.c' || n || '.' || $1 || '@plans.example' FROM cc"
		"  RETURNING id),"
		" members AS ("
		"  INSERT INTO member (institution_id, person_id)"
		"  SELECT $1, id FROM persons RETURNING person_id),"
		" enr AS ("
		"  INSERT INTO enrollment (institution_id, id, person_id, track, cohort_id, status,"
		"                          placement)"
		"  SELECT $1, pp.enrollment_id, pp.person_id, 'programme', coh.id, 'active', 'placed'"
		"    FROM pp CROSS JOIN coh"
		"   WHERE EXISTS (SELECT 1 FROM members m WHERE m.person_id = pp.person_id)"
		"  RETURNING id),"
		" rel AS ("
		"  INSERT INTO coaching_relation (institution_id, id, enrollment_id, coach_person_id,"
		"                                 kind, status, starts_on)"
		"  SELECT $1, pp.relation_id, pp.enrollment_id, cc.person_id, 'workplace_coach',"
		"         'active', current_date - 30"
		"    FROM pp JOIN cc ON cc.n = (pp.n - 1) % " XSTR(COACHES) " + 1"
		"   WHERE EXISTS (SELECT 1 FROM enr WHERE enr.id = pp.enrollment_id)"
		"  RETURNING id, enrollment_id, coach_person_id)"
		" INSERT INTO feedback (institution_id, relation_id, enrollment_id, coach_person_id,"
		"                       situation, behaviour, created_at)"
		" SELECT $1, rel.id, rel.enrollment_id, rel.coach_person_id, 'In the meeting ' || g,"
		"        'You summarised the options.', now() - g * interval '1 hour'"
		"   FROM rel CROSS JOIN generate_series(1, " XSTR(PER_RELATION) ") g",
		1, q));
	exec_ok(own, "ANALYZE feedback");
	exec_ok(own, "ANALYZE coaching_relation");
	exec_ok(own, "ANALYZE enrollment");

	/* Participant 1, her enrollment and relation, her coach (coach 1),
	 * and coach 2, who coaches others. */
	one_id(own, "SELECT p.id FROM person p WHERE p.email = 'plans.p1.' || $1 || '@plans.example'",
	       1, q, participant);
	const char *r[2] = {inst, participant};
	one_id(own, "SELECT id FROM enrollment WHERE institution_id = $1 AND person_id = $2", 2, r,
	       enrollment);
	const char *e[2] = {inst, enrollment};
	one_id(own, "SELECT id FROM coaching_relation WHERE institution_id = $1"
		    " AND enrollment_id = $2", 2, e, relation);
	one_id(own, "SELECT coach_person_id FROM coaching_relation WHERE institution_id = $1"
		    " AND enrollment_id = $2", 2, e, coach);
	one_id(own, "SELECT p.id FROM person p WHERE p.email = 'plans.c2.' || $1 || '@plans.example'",
	       1, q, other_coach);
	const char *f[2] = {inst, relation};
	one_id(own, "SELECT id FROM feedback WHERE institution_id = $1 AND relation_id = $2"
		    " ORDER BY id LIMIT 1", 2, f, feedback);
}

static int
setup(void **state)
{
	own = PQconnectdb(env_required("TRIAD_TEST_OWNER_DB"));
	if (PQstatus(own) != CONNECTION_OK)
		fail_msg("owner connection: %s", PQerrorMessage(own));
	app = PQconnectdb(env_required("TRIAD_TEST_DB"));
	if (PQstatus(app) != CONNECTION_OK)
		fail_msg("app connection: %s", PQerrorMessage(app));
	exec_ok(own, "SET client_min_messages = warning");
	make_data();
	return 0;
}

static int
teardown(void **state)
{
	PQfinish(app);
	PQfinish(own);
	return 0;
}

/*
 * Opens a transaction on pg scoped as triad_begin() scopes a request: the
 * institution (NULL for none), the caller's person (NULL for none) and
 * whether it is staff. The settings are the ones triad_begin() sets.
 */
static void
scope(PGconn *pg, const char *institution, const char *person, bool staff)
{
	exec_ok(pg, "BEGIN");
	const char *p[3] = {institution, person, staff ? "true" : "false"};
	PQclear(exec_params(pg,
		"SELECT set_config('triad.institution_id', coalesce($1, ''), true),"
		"       set_config('triad.person_id', coalesce($2, ''), true),"
		"       set_config('triad.staff', $3, true),"
		"       set_config('triad.organisation_id', '', true),"
		"       set_config('triad.principal_id', '', true),"
		"       set_config('triad.wrote_id', '', true)",
		3, p));
}

/*
 * The plan of sql with params, as text: generic (prepared, with
 * plan_cache_mode = force_generic_plan) or custom. In the transaction
 * scope() opened.
 */
static char *
explain_of(PGconn *pg, const char *explain, const char *sql, int n, const char *const *params,
	   bool generic)
{
	char buf[8192];
	PGresult *res;
	if (generic) {
		exec_ok(pg, "SET LOCAL plan_cache_mode = force_generic_plan");
		snprintf(buf, sizeof buf, "PREPARE hot_plan AS %s", sql);
		exec_ok(pg, buf);
		char args[1024] = "";
		size_t len = 0;
		for (int i = 0; i < n; i++) {
			char *lit = PQescapeLiteral(pg, params[i], strlen(params[i]));
			assert_non_null(lit);
			len += (size_t)snprintf(args + len, sizeof args - len, "%s%s", i ? ", " : "",
						lit);
			PQfreemem(lit);
		}
		snprintf(buf, sizeof buf, "%s EXECUTE hot_plan(%s)", explain, args);
		res = exec_params(pg, buf, 0, NULL);
	} else {
		snprintf(buf, sizeof buf, "%s %s", explain, sql);
		res = exec_params(pg, buf, n, params);
	}
	size_t size = 1, len = 0;
	for (int i = 0; i < PQntuples(res); i++)
		size += strlen(PQgetvalue(res, i, 0)) + 1;
	char *out = malloc(size);
	assert_non_null(out);
	out[0] = '\0';
	for (int i = 0; i < PQntuples(res); i++)
		len += (size_t)snprintf(out + len, size - len, "%s\n", PQgetvalue(res, i, 0));
	PQclear(res);
	if (generic)
		exec_ok(pg, "DEALLOCATE hot_plan");
	return out;
}

static char *
plan_of(PGconn *pg, const char *sql, int n, const char *const *params, bool generic)
{
	return explain_of(pg, "EXPLAIN", sql, n, params, generic);
}

/*
 * The most rows of feedback any one node of sql's plan read (actual rows
 * times loops), running it: a page that stops early reads no more than its
 * page, one that reads all of an enrollment's feedback and sorts it reads
 * them all.
 */
static long
feedback_rows_read(PGconn *pg, const char *sql, int n, const char *const *params, bool generic)
{
	char *plan = explain_of(pg, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)", sql, n,
				params, generic);
	long most = 0;
	for (char *line = plan; line != NULL && *line != '\0';) {
		char *end = strchr(line, '\n');
		if (end != NULL)
			*end = '\0';
		const char *rows = strstr(line, "(actual rows=");
		const char *loops = rows != NULL ? strstr(rows, " loops=") : NULL;
		if (strstr(line, " on feedback ") != NULL && loops != NULL) {
			long read = strtol(rows + strlen("(actual rows="), NULL, 10) *
				    strtol(loops + strlen(" loops="), NULL, 10);
			if (read > most)
				most = read;
		}
		line = end != NULL ? end + 1 : NULL;
	}
	free(plan);
	return most;
}

/* The plan reaches feedback (when it reads it) and coaching_relation by an
 * index, never by a sequential scan, and runs no subquery per row of
 * feedback. */
static void
expect_indexed(const char *what, const char *plan, bool reads_feedback)
{
	/* The table itself, not feedback_request or feedback_month, which
	 * may be small enough to scan. */
	if (strstr(plan, "Seq Scan on feedback ") != NULL ||
	    strstr(plan, "Seq Scan on coaching_relation ") != NULL)
		fail_msg("%s scans a whole table:\n%s", what, plan);
	/* Visibility is decided once per statement: a subquery in a filter is
	 * run once and probed by hash ("hashed SubPlan"), never per row. */
	if (reads_feedback && strstr(plan, "(SubPlan ") != NULL)
		fail_msg("%s decides visibility row by row:\n%s", what, plan);
	if (reads_feedback && strstr(plan, "Index Scan using feedback_") == NULL &&
	    strstr(plan, "Index Only Scan using feedback_") == NULL &&
	    strstr(plan, "Bitmap Index Scan on feedback_") == NULL)
		fail_msg("%s reads feedback through no index:\n%s", what, plan);
}

/* How many rows sql answers with params. */
static int
rows_of(PGconn *pg, const char *sql, int n, const char *const *params)
{
	PGresult *res = exec_params(pg, sql, n, params);
	int rows = PQntuples(res);
	PQclear(res);
	return rows;
}

/* Both plans of sql, as the caller scope() describes, then its rows. */
static int
check(const char *what, const char *institution, const char *person, bool staff,
      const char *sql, int n, const char *const *params, bool reads_feedback)
{
	for (int generic = 0; generic <= 1; generic++) {
		scope(app, institution, person, staff);
		char *plan = plan_of(app, sql, n, params, generic);
		char label[256];
		snprintf(label, sizeof label, "%s (%s plan)", what, generic ? "generic" : "custom");
		expect_indexed(label, plan, reads_feedback);
		free(plan);
		exec_ok(app, "ROLLBACK");
	}
	scope(app, institution, person, staff);
	int rows = rows_of(app, sql, n, params);
	exec_ok(app, "ROLLBACK");
	return rows;
}

/* ListFeedback's statement (daemon/svc_triangle.c), with its optional
 * enrollment and page token. */
static const char list_route_sql[] =
	"SELECT * FROM feedback_v WHERE id = ANY (ARRAY("
	"SELECT id FROM feedback_seen WHERE (nullif($1, '') IS NULL OR enrollment_id = nullif($1, '')::uuid)"
	" AND (nullif($2, '') IS NULL OR id > nullif($2, '')::uuid) ORDER BY id LIMIT $3::int))"
	" ORDER BY id";

/* The same for one enrollment, first page. */
static const char list_shape_sql[] =
	"SELECT * FROM feedback_v WHERE id = ANY (ARRAY("
	"SELECT id FROM feedback_seen WHERE enrollment_id = $1::uuid"
	" ORDER BY id LIMIT $2::int)) ORDER BY id";

/* The same for one enrollment, first page. */
static const char list_sql[] =
	"SELECT * FROM feedback_v WHERE enrollment_id = $1::uuid ORDER BY id LIMIT $2::int";

static void
test_list_feedback_of_an_enrollment_uses_its_index(void **state)
{
	const char *route[3] = {enrollment, "", "20"};
	const char *shape[2] = {enrollment, "20"};

	/* The coach on the active relation, the participant, staff. */
	assert_int_equal(check("ListFeedback as the coach", inst, coach, false, list_sql, 2, shape,
			       true),
			 20);
	scope(app, inst, coach, false);
	char *plan = plan_of(app, list_route_sql, 3, route, false);
	expect_indexed("ListFeedback's route statement as the coach", plan, true);
	free(plan);
	assert_int_equal(rows_of(app, list_route_sql, 3, route), 20);
	exec_ok(app, "ROLLBACK");

	assert_int_equal(check("ListFeedback as the participant", inst, participant, false,
			       list_sql, 2, shape, true),
			 20);
	assert_int_equal(check("ListFeedback as staff", inst, NULL, true, list_sql, 2, shape, true),
			 20);
	/* Another coach sees none of it, by the same plan. */
	assert_int_equal(check("ListFeedback as another coach", inst, other_coach, false, list_sql,
			       2, shape, true),
			 0);
}

/*
 * A page of an enrollment's feedback costs the same however much feedback
 * the enrollment has: the route reads the page's rows from an index and
 * stops, rather than reading all PER_RELATION of them and sorting. With
 * both plans, as the coach, the participant and staff; the next page
 * follows on.
 */
static void
test_list_feedback_stops_after_its_page(void **state)
{
	const char *shape[2] = {enrollment, "20"};
	const struct {
		const char *who, *person;
		bool staff;
	} callers[] = {{"the coach", coach, false}, {"the participant", participant, false},
		       {"staff", NULL, true}};

	for (size_t c = 0; c < sizeof callers / sizeof callers[0]; c++) {
		assert_int_equal(check("ListFeedback's shape", inst, callers[c].person,
				       callers[c].staff, list_shape_sql, 2, shape, true),
				 20);
		for (int generic = 0; generic <= 1; generic++) {
			scope(app, inst, callers[c].person, callers[c].staff);
			long read = feedback_rows_read(app, list_shape_sql, 2, shape, generic);
			exec_ok(app, "ROLLBACK");
			if (read > 20)
				fail_msg("a page of 20 for %s (%s plan) read %ld rows of feedback",
					 callers[c].who, generic ? "generic" : "custom", read);
		}
	}

	/* The second page starts after the first's last id. */
	const char *first[3] = {enrollment, "", "20"};
	scope(app, inst, coach, false);
	PGresult *res = exec_params(app, list_route_sql, 3, first);
	assert_int_equal(PQntuples(res), 20);
	char last[37];
	snprintf(last, sizeof last, "%s", PQgetvalue(res, 19, 0));
	PQclear(res);
	const char *second[3] = {enrollment, last, "20"};
	res = exec_params(app, list_route_sql, 3, second);
	assert_int_equal(PQntuples(res), 20);
	assert_true(strcmp(PQgetvalue(res, 0, 0), last) > 0);
	PQclear(res);
	exec_ok(app, "ROLLBACK");
}

static void
test_give_feedback_reads_by_key(void **state)
{
	const char *rel[1] = {relation};
	assert_int_equal(check("GiveFeedback's relation", inst, coach, false,
			       "SELECT * FROM coaching_relation WHERE id = $1::uuid FOR KEY SHARE", 1,
			       rel, false),
			 1);
	const char *fb[1] = {feedback};
	assert_int_equal(check("GiveFeedback's answer", inst, coach, false,
			       "SELECT * FROM feedback_v WHERE id = $1::uuid", 1, fb, true),
			 1);
	assert_int_equal(check("GiveFeedback's answer to another coach", inst, other_coach, false,
			       "SELECT * FROM feedback_v WHERE id = $1::uuid", 1, fb, true),
			 0);
}

static void
test_list_coachees_uses_the_coach_index(void **state)
{
	/* The narrow path runs its query as the schema owner: explained as
	 * the owner, across institutions (no tenant set). */
	const char *c[1] = {coach};
	for (int generic = 0; generic <= 1; generic++) {
		scope(own, NULL, NULL, false);
		char *plan = plan_of(own, "SELECT * FROM triad_coachees_of($1::uuid)", 1, c, generic);
		expect_indexed(generic ? "ListCoachees (generic plan)" : "ListCoachees (custom plan)",
			       plan, true);
		expect_contains(plan, "coaching_relation_coach");
		free(plan);
		exec_ok(own, "ROLLBACK");
	}
	/* The coach's ten coachees, through the daemon's route as its role. */
	scope(app, NULL, coach, false);
	assert_int_equal(rows_of(app, "SELECT * FROM triad_coachees($1) ORDER BY institution_slug,"
				      " participant_name, relation_id LIMIT 100 OFFSET 0",
				 1, c),
			 PARTICIPANTS / COACHES);
	/* The inner function called by the daemon's role itself is held to
	 * row-level security: without an institution it sees nothing. */
	assert_int_equal(rows_of(app, "SELECT * FROM triad_coachees_of($1::uuid)", 1, c), 0);
	exec_ok(app, "ROLLBACK");
}

/* Rows of feedback read so far in the open transaction, by scans of any kind. */
static long
feedback_read_in_transaction(PGconn *pg)
{
	PGresult *res = exec_params(pg,
		"SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)"
		"  FROM pg_stat_xact_user_tables WHERE relname = 'feedback'", 0, NULL);
	long n = PQntuples(res) == 1 ? strtol(PQgetvalue(res, 0, 0), NULL, 10) : -1;
	PQclear(res);
	return n;
}

/*
 * A person's export reads her feedback, not the institution's: the
 * participant's (PER_RELATION rows about her) and the coach's (those she
 * gave, PER_RELATION per coachee), each out of 40,000.
 */
static void
test_export_reads_only_her_feedback(void **state)
{
	const struct {
		const char *who, *person;
		long hers;
	} people[] = {{"the participant", participant, PER_RELATION},
		      {"the coach", coach, (long)PARTICIPANTS / COACHES * PER_RELATION}};

	for (size_t i = 0; i < sizeof people / sizeof people[0]; i++) {
		scope(app, inst, people[i].person, false);
		/* The institution's audit trail is not empty: the export then
		 * looks up which entries are hers. */
		const char *f[1] = {feedback};
		PQclear(exec_params(app, "SELECT triad_audit('feedback.give', 'feedback', $1::uuid,"
					 " NULL, gen_random_uuid())", 1, f));
		long before = feedback_read_in_transaction(app);
		const char *p[2] = {inst, people[i].person};
		PGresult *res = exec_params(app, "SELECT triad_my_data_in($1, $2, NULL)::text", 2, p);
		assert_int_equal(PQntuples(res), 1);
		PQclear(res);
		long read = feedback_read_in_transaction(app) - before;
		exec_ok(app, "ROLLBACK");
		if (before < 0 || read > 3 * people[i].hers)
			fail_msg("the export of %s read %ld rows of feedback for her %ld", people[i].who,
				 read, people[i].hers);
	}
}

/*
 * No function of the schema is a SQL function that PostgreSQL can never
 * inline: one that writes, or returns void. Such a function's body is
 * planned again in every transaction that calls it, where a PL/pgSQL
 * function's statements keep their plans for the session. Left out: the
 * SECURITY DEFINER calls of mail and webhook delivery and of a sign-in
 * with a code, made once per batch, mail or attempt, off the path of the
 * busiest requests.
 */
static void
test_no_write_is_planned_per_call(void **state)
{
	(void)state;
	PGresult *res = exec_params(own,
		"SELECT p.proname FROM pg_proc p"
		"  JOIN pg_namespace n ON n.oid = p.pronamespace"
		"  JOIN pg_language l ON l.oid = p.prolang"
		" WHERE n.nspname = 'public' AND l.lanname = 'sql'"
		"   AND (p.prorettype = 'void'::regtype"
		"        OR p.prosrc ~* '\\m(insert|update|delete)\\M')"
		"   AND p.proname NOT IN ('triad_outbox_claim', 'triad_outbox_result',"
		"                         'triad_signin_code_attempt', 'triad_webhook_claim')"
		" ORDER BY 1", 0, NULL);
	char names[512] = "";
	for (int i = 0; i < PQntuples(res); i++) {
		size_t len = strlen(names);
		snprintf(names + len, sizeof names - len, "%s%s", i ? ", " : "", PQgetvalue(res, i, 0));
	}
	int n = PQntuples(res);
	PQclear(res);
	if (n != 0)
		fail_msg("SQL functions planned on every call (make them PL/pgSQL): %s", names);
	/* The rule sees the functions it is about. */
	res = exec_params(own,
		"SELECT count(*) FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang"
		" WHERE l.lanname = 'plpgsql' AND p.proname IN ('triad_idempotency_store',"
		"       'triad_wrote', 'triad_notify', 'triad_audit', 'triad_feedback_give')",
		0, NULL);
	assert_string_equal(PQgetvalue(res, 0, 0), "5");
	PQclear(res);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_feedback_of_an_enrollment_uses_its_index),
		cmocka_unit_test(test_list_feedback_stops_after_its_page),
		cmocka_unit_test(test_give_feedback_reads_by_key),
		cmocka_unit_test(test_list_coachees_uses_the_coach_index),
		cmocka_unit_test(test_export_reads_only_her_feedback),
		cmocka_unit_test(test_no_write_is_planned_per_call),
	};
	return harness_run_group_tests(tests, setup, teardown);
}

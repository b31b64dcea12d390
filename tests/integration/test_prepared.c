/*
 * test_prepared.c: route statements as the daemon prepares them.
 *
 * A statement with optional filters is prepared as one text per shape (see
 * daemon/prepared.h). Here the hot lists' shapes are prepared as the
 * daemon's role, after triad_begin(), and explained with the generic plan
 * that a prepared statement ends up with (plan_cache_mode =
 * force_generic_plan): each filter the request set must be an index
 * condition. The plans are those of the benchmark's data (institution
 * bench, tests/bench/scale_feedback.sql, loaded small when absent). The same statement written as one text, as it was, is
 * explained too, to show that the check can fail: its generic plan cannot
 * use the index for a filter that may be absent.
 */
#include "harness.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prepared.h"
#include "registry.h"

#define K(x) TRIAD__V1__REQUEST__BODY_##x

static PGconn *pg;
static const char slug[] = "bench";

static void
exec_ok(const char *sql, int n, const char *const *params)
{
	PGresult *r = PQexecParams(pg, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(pg));
	PQclear(r);
}

/* The data of the feedback benchmark at a small size (unless a larger one
 * is loaded already): plans follow the statistics of a database with some
 * thousands of rows, not those of the tests' handful. */
static void
load_bench_data(void)
{
	char cmd[4096], out[4096];
	snprintf(cmd, sizeof cmd,
		 "psql -X -q -v ON_ERROR_STOP=1 -v coaches=40 -v per_coach=10 -v feedback=40000 "
		 "-d '%s' -f '%s/tests/bench/scale_feedback.sql' 2>&1",
		 env_required("TRIAD_TEST_OWNER_DB"), TRIAD_SOURCE_DIR);
	if (run_capture(cmd, out, sizeof out) != 0)
		fail_msg("loading the benchmark's data failed: %s", out);
}

static int
setup(void **state)
{
	pg = PQconnectdb(env_required("TRIAD_TEST_DB"));
	if (PQstatus(pg) != CONNECTION_OK)
		fail_msg("cannot connect: %s", PQerrorMessage(pg));
	load_bench_data();
	if (!registry_register_statements())
		fail_msg("out of memory");
	return 0;
}

static int
teardown(void **state)
{
	PQfinish(pg);
	return 0;
}

/*
 * The generic plan of sql (declared types as the daemon declares them: see
 * prep_find()) executed with args (an SQL list of literals), as staff of
 * the test's institution. Returns the plan's lines joined by newlines.
 */
static char *
generic_plan(const char *sql, const char *args)
{
	static char plan[65536];
	const PrepStmt *ps = prep_find(sql) >= 0 ? prep_get(prep_find(sql)) : NULL;
	const char *p[1] = {slug};

	exec_ok("BEGIN", 0, NULL);
	exec_ok("SELECT triad_begin($1, NULL, NULL, NULL, NULL, true, NULL)", 1, p);
	exec_ok("SET LOCAL plan_cache_mode = force_generic_plan", 0, NULL);
	PGresult *r = PQprepare(pg, "plan_check", sql, ps != NULL ? ps->ntypes : 0,
				ps != NULL && ps->ntypes ? ps->types : NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fail_msg("prepare %s: %s", sql, PQerrorMessage(pg));
	PQclear(r);
	char explain[512];
	snprintf(explain, sizeof explain, "EXPLAIN (COSTS OFF) EXECUTE plan_check(%s)", args);
	r = PQexec(pg, explain);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", explain, PQerrorMessage(pg));
	size_t n = 0;
	plan[0] = '\0';
	for (int i = 0; i < PQntuples(r); i++)
		n += (size_t)snprintf(plan + n, n < sizeof plan ? sizeof plan - n : 0, "%s\n",
				      PQgetvalue(r, i, 0));
	PQclear(r);
	exec_ok("ROLLBACK", 0, NULL);
	exec_ok("DEALLOCATE plan_check", 0, NULL);
	return plan;
}

/* True when some line of plan is an index condition that contains cond (a column
 * compared to a parameter, say). */
static bool
index_cond_on(const char *plan, const char *cond)
{
	for (const char *l = plan; l != NULL && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *end = strchr(l, '\n');
		size_t len = end != NULL ? (size_t)(end - l) : strlen(l);
		char line[1024];
		snprintf(line, sizeof line, "%.*s", (int)len, l);
		if (strstr(line, "Index Cond") != NULL && strstr(line, cond) != NULL)
			return true;
	}
	return false;
}

/* The text the daemon runs for row kind's statement s with values. */
static const char *
shape_of(Triad__V1__Request__BodyCase kind, int s, int n, const char *const *values)
{
	const Route *r = registry_find(kind);
	assert_non_null(r);
	const char *sql = prep_shape_sql(&r->stmts[s], NULL, n, values);
	assert_non_null(sql);
	assert_true(prep_find(sql) >= 0);
	return sql;
}

static const char some_id[] = "0b6f1c1e-0000-4000-8000-000000000001";

static void
test_list_feedback_by_enrollment_uses_its_index(void **state)
{
	const char *v[3] = {some_id, "", "21"};
	const char *sql = shape_of(K(LIST_FEEDBACK), 0, 3, v);
	char args[128];
	snprintf(args, sizeof args, "'%s', '', '21'", some_id);
	const char *plan = generic_plan(sql, args);
	if (!index_cond_on(plan, "enrollment_id = (NULLIF($1"))
		fail_msg("ListFeedback by enrollment: no index condition on enrollment_id in\n%s",
			 plan);
}

static void
test_list_feedback_next_page_uses_its_index(void **state)
{
	const char *v[3] = {some_id, some_id, "21"};
	const char *sql = shape_of(K(LIST_FEEDBACK), 0, 3, v);
	char args[160];
	snprintf(args, sizeof args, "'%s', '%s', '21'", some_id, some_id);
	const char *plan = generic_plan(sql, args);
	if (!index_cond_on(plan, "enrollment_id = (NULLIF($1") || !index_cond_on(plan, "id > (NULLIF($2"))
		fail_msg("ListFeedback's next page: no index condition on enrollment_id and id "
			 "in\n%s", plan);
}

static void
test_list_relations_by_enrollment_uses_its_index(void **state)
{
	const char *v[4] = {some_id, "", "", "21"};
	const char *sql = shape_of(K(LIST_RELATIONS), 0, 4, v);
	char args[160];
	snprintf(args, sizeof args, "'%s', '', '', '21'", some_id);
	const char *plan = generic_plan(sql, args);
	if (!index_cond_on(plan, "enrollment_id = (NULLIF($1"))
		fail_msg("ListRelations by enrollment: no index condition on enrollment_id in\n%s",
			 plan);
}

static void
test_get_feedback_uses_its_key(void **state)
{
	const char *v[1] = {some_id};
	const char *sql = shape_of(K(GET_FEEDBACK), 0, 1, v);
	char args[128];
	snprintf(args, sizeof args, "'%s'", some_id);
	const char *plan = generic_plan(sql, args);
	if (!index_cond_on(plan, "id = (NULLIF($1"))
		fail_msg("GetFeedback: no index condition on id in\n%s", plan);
}

/* The check can fail: the statement as one text, with its filter
 * optional, has a generic plan that filters enrollments row by row. */
static void
test_one_text_for_every_shape_cannot_use_the_index(void **state)
{
	const Route *r = registry_find(K(LIST_FEEDBACK));
	char args[128];
	snprintf(args, sizeof args, "'%s', '', '21'", some_id);
	const char *plan = generic_plan(r->stmts[0].sql, args);
	if (index_cond_on(plan, "enrollment_id = (NULLIF($1"))
		fail_msg("the unshaped statement used the index after all: the check above "
			 "proves nothing\n%s", plan);
}

/* The shapes of a statement, as the daemon derives them. */
static void
test_shapes_of_optional_filters(void **state)
{
	Shapes sh;
	assert_true(shapes_build("SELECT * FROM t WHERE (nullif($1, '') IS NULL OR a = "
				 "nullif($1, '')::uuid) AND (nullif($2, '')::uuid IS NULL OR "
				 "(b, c) > (SELECT x.b, x.c FROM x WHERE x.id = $2::uuid AND "
				 "x.s <> ')')) ORDER BY id LIMIT $3::int",
				 3, &sh));
	assert_int_equal(sh.nopt, 2);
	assert_int_equal(sh.nshapes, 4);
	assert_string_equal(sh.sql[0], "SELECT * FROM t WHERE true AND true ORDER BY id LIMIT "
				       "$3::int");
	assert_string_equal(sh.sql[1], "SELECT * FROM t WHERE (a = nullif($1, '')::uuid) AND "
				       "true ORDER BY id LIMIT $3::int");
	assert_string_equal(sh.sql[3],
			    "SELECT * FROM t WHERE (a = nullif($1, '')::uuid) AND ((b, c) > "
			    "(SELECT x.b, x.c FROM x WHERE x.id = $2::uuid AND x.s <> ')')) "
			    "ORDER BY id LIMIT $3::int");
	/* A parameter a shape drops is declared text; the others inferred. */
	assert_int_equal(sh.ntypes[0], 3);
	assert_int_equal(sh.types[0][0], 25);
	assert_int_equal(sh.types[0][1], 25);
	assert_int_equal(sh.types[0][2], 0);
	assert_int_equal(sh.ntypes[3], 0);
	const char *unset[3] = {"", NULL, "5"}, *first[3] = {"x", "", "5"};
	assert_int_equal(shapes_pick(&sh, 3, unset), 0);
	assert_int_equal(shapes_pick(&sh, 3, first), 1);
	shapes_free(&sh);

	assert_true(shapes_build("SELECT 1 WHERE $1 = 'a'", 1, &sh));
	assert_int_equal(sh.nshapes, 1);
	assert_string_equal(sh.sql[0], "SELECT 1 WHERE $1 = 'a'");
	shapes_free(&sh);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shapes_of_optional_filters),
		cmocka_unit_test(test_list_feedback_by_enrollment_uses_its_index),
		cmocka_unit_test(test_list_feedback_next_page_uses_its_index),
		cmocka_unit_test(test_list_relations_by_enrollment_uses_its_index),
		cmocka_unit_test(test_get_feedback_uses_its_key),
		cmocka_unit_test(test_one_text_for_every_shape_cannot_use_the_index),
	};
	return harness_run_group_tests(tests, setup, teardown);
}

/*
 * test_registry_db.c: the registry's database check against the real
 * schema: every statement of the tree prepares with a column for every
 * reply field, `triadd check` says so, and rows broken on purpose are
 * refused with the row, the statement and the field named. Also the
 * published permission table: proto/PERMISSIONS.md is what
 * `triadd routes` prints.
 */
#include "harness.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"

#define K(x) TRIAD__V1__REQUEST__BODY_##x
#define R(x) TRIAD__V1__RESPONSE__BODY_##x

static PGconn *pg;

static int
setup(void **state)
{
	pg = PQconnectdb(env_required("TRIAD_TEST_DB"));
	if (PQstatus(pg) != CONNECTION_OK)
		fail_msg("cannot connect: %s", PQerrorMessage(pg));
	return 0;
}

static int
teardown(void **state)
{
	PQfinish(pg);
	return 0;
}

static void
test_the_tree_prepares(void **state)
{
	char err[512] = "";
	if (!registry_check_db(env_required("TRIAD_TEST_DB"), err, sizeof err))
		fail_msg("%s", err);
}

static void
test_triadd_check_passes(void **state)
{
	char cmd[2048], out[4096];
	snprintf(cmd, sizeof cmd, "'%s' check --db '%s' 2>&1", env_required("TRIADD"),
		 env_required("TRIAD_TEST_DB"));
	int rc = run_capture(cmd, out, sizeof out);
	if (rc != 0)
		fail_msg("triadd check exited %d: %s", rc, out);
	expect_contains(out, "every request has a row");
}

static void
expect_refused(const Route *rows, const char *const *want)
{
	const Route *tables[1] = {rows};
	char err[512] = "";
	if (registry_check_db_tables(pg, tables, 1, err, sizeof err))
		fail_msg("a broken row passed the database check");
	for (; *want != NULL; want++) {
		if (strstr(err, *want) == NULL)
			fail_msg("the problem \"%s\" does not mention \"%s\"", err, *want);
	}
}

static void
test_a_statement_that_does_not_prepare(void **state)
{
	static const Route rows[] = {
		{K(GET_COHORT), VERB_COHORT_READ, R(COHORT), ROUTE_READ,
		 {{"SELECT * FROM cohort_vv WHERE id = $1::uuid", {"id"}}}},
		{0},
	};
	expect_refused(rows, (const char *const[]){"row get_cohort", "statement 1",
						    "does not prepare", "cohort_vv", NULL});
}

static void
test_a_column_without_a_field(void **state)
{
	static const Route rows[] = {
		{K(GET_COHORT), VERB_COHORT_READ, R(COHORT), ROUTE_READ,
		 {{"SELECT c.*, 1 AS shoe_size FROM cohort_v c WHERE id = $1::uuid", {"id"}}}},
		{0},
	};
	expect_refused(rows, (const char *const[]){"row get_cohort", "column shoe_size",
						    "triad.v1.Cohort", NULL});
}

static void
test_a_field_without_a_column(void **state)
{
	static const Route rows[] = {
		{K(GET_COHORT), VERB_COHORT_READ, R(COHORT), ROUTE_READ,
		 {{"SELECT id, programme_id FROM cohort_v WHERE id = $1::uuid", {"id"}}}},
		{0},
	};
	expect_refused(rows, (const char *const[]){"row get_cohort", "reply field",
						    "triad.v1.Cohort.name", "no column", NULL});
}

static void
test_a_parameter_the_row_does_not_give(void **state)
{
	static const Route rows[] = {
		{K(GET_COHORT), VERB_COHORT_READ, R(COHORT), ROUTE_READ,
		 {{"SELECT * FROM cohort_v WHERE id = $1::uuid AND name = $2", {"id"}}}},
		{0},
	};
	expect_refused(rows, (const char *const[]){"row get_cohort", "takes 2 parameters",
						    "gives 1", NULL});
}

/* Every shape of a statement with optional filters is checked, as the
 * daemon prepares it, and the problem names the shape. */
static void
test_a_shape_that_does_not_prepare(void **state)
{
	static const Route rows[] = {
		{K(LIST_COHORTS), VERB_COHORT_READ, R(COHORTS), ROUTE_READ,
		 {{"SELECT * FROM cohort_v WHERE (nullif($1, '') IS NULL OR no_such_column = $1)"
		   " AND (nullif($2, '') IS NULL OR id > nullif($2, '')::uuid)"
		   " ORDER BY id LIMIT $3::int",
		   {"programme_id", "page_token", "$limit"}, "cohorts"}}, NULL, true},
		{0},
	};
	expect_refused(rows, (const char *const[]){"row list_cohorts", "statement 1",
						    "shape with $1 set", "does not prepare",
						    "no_such_column", NULL});
}

/* Partners read who may do what in proto/PERMISSIONS.md; it is generated
 * by `triadd routes` and must not go stale. */
static void
test_permissions_md_is_current(void **state)
{
	char cmd[2048];
	static char out[256 * 1024];
	snprintf(cmd, sizeof cmd, "'%s' routes", env_required("TRIADD"));
	assert_int_equal(run_capture(cmd, out, sizeof out), 0);

	char path[1024];
	snprintf(path, sizeof path, "%s/proto/PERMISSIONS.md", TRIAD_SOURCE_DIR);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		fail_msg("cannot read %s", path);
	static char doc[512 * 1024];
	size_t n = fread(doc, 1, sizeof doc - 1, f);
	doc[n] = '\0';
	fclose(f);
	if (strstr(doc, out) == NULL)
		fail_msg("proto/PERMISSIONS.md is stale: regenerate it with "
			 "`bash proto/permissions.sh` (it embeds `triadd routes`)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_tree_prepares),
		cmocka_unit_test(test_triadd_check_passes),
		cmocka_unit_test(test_a_statement_that_does_not_prepare),
		cmocka_unit_test(test_a_column_without_a_field),
		cmocka_unit_test(test_a_field_without_a_column),
		cmocka_unit_test(test_a_parameter_the_row_does_not_give),
		cmocka_unit_test(test_a_shape_that_does_not_prepare),
		cmocka_unit_test(test_permissions_md_is_current),
	};
	return harness_run_group_tests(tests, setup, teardown);
}

/*
 * test_db_errors.c: PostgreSQL's integrity errors as the answers people
 * get: constraint_status() with the fields PostgreSQL really sends for a
 * not-null, unique, foreign-key and check violation (checked against
 * PostgreSQL 15's messages), never a bare SQLSTATE.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dispatch.h"

#define K(x) TRIAD__V1__REQUEST__BODY_##x

static Triad__V1__Code
status(const char *sqlstate, const char *table, const char *constraint, const char *column,
       const char *detail, Triad__V1__Request__BodyCase kind, char field[160], char msg[256])
{
	DbOutcome out = {.code = TRIAD__V1__CODE__CODE_FAILED_PRECONDITION, .message = "raw",
			 .table = table, .constraint = constraint, .field = column,
			 .detail = detail, .failed_stmt = 0};
	snprintf(out.sqlstate, sizeof out.sqlstate, "%s", sqlstate);
	return constraint_status(&out, kind, field, 160, msg, 256);
}

static void
test_unique_names_the_nested_field(void **state)
{
	char field[160], msg[256];
	assert_int_equal(status("23505", "programme", "programme_institution_id_code_key", NULL,
				"Key (institution_id, code)=(0b6f..., MPM) already exists.",
				K(CREATE_PROGRAMME), field, msg),
			 TRIAD__V1__CODE__CODE_ALREADY_EXISTS);
	assert_string_equal(field, "create_programme.programme.code");
	assert_string_equal(msg, "there is already a programme with this code");
	assert_null(strstr(msg, "MPM"));
}

static void
test_check_names_the_column(void **state)
{
	char field[160], msg[256];
	assert_int_equal(status("23514", "person", "person_email_check", NULL,
				"Failing row contains (...).", K(CREATE_PERSON), field, msg),
			 TRIAD__V1__CODE__CODE_INVALID_ARGUMENT);
	assert_string_equal(field, "create_person.email");
	assert_string_equal(msg, "email is not allowed for a person (rule person_email_check)");
}

static void
test_a_table_wide_check_is_a_precondition(void **state)
{
	char field[160], msg[256];
	assert_int_equal(status("23514", "role_grant", "role_grant_check", NULL, NULL,
				K(CREATE_GRANT), field, msg),
			 TRIAD__V1__CODE__CODE_FAILED_PRECONDITION);
	assert_string_equal(field, "");
	assert_string_equal(msg, "the role grant would break the rule role_grant_check");
}

static void
test_not_null_names_the_field(void **state)
{
	char field[160], msg[256];
	assert_int_equal(status("23502", "cohort", NULL, "name", NULL, K(CREATE_COHORT), field, msg),
			 TRIAD__V1__CODE__CODE_INVALID_ARGUMENT);
	assert_string_equal(field, "create_cohort.cohort.name");
	assert_string_equal(msg, "name is required for a cohort");
}

static void
test_foreign_keys(void **state)
{
	char field[160], msg[256];
	assert_int_equal(status("23503", "enrollment", "enrollment_employer_id_fkey", NULL,
				"Key (employer_id)=(0b6f...) is not present in table \"organisation\".",
				K(ENROLL), field, msg),
			 TRIAD__V1__CODE__CODE_NOT_FOUND);
	assert_string_equal(field, "enroll.employer_id");
	assert_string_equal(msg, "employer_id names nothing that exists");

	assert_int_equal(status("23503", "module", "module_programme_fkey", NULL,
				"Key (institution_id, id)=(a, b) is still referenced from table "
				"\"module\".", K(DELETE_PROGRAMME), field, msg),
			 TRIAD__V1__CODE__CODE_FAILED_PRECONDITION);
	assert_string_equal(field, "");
	assert_string_equal(msg, "it is still used by a module and cannot be removed");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unique_names_the_nested_field),
		cmocka_unit_test(test_check_names_the_column),
		cmocka_unit_test(test_a_table_wide_check_is_a_precondition),
		cmocka_unit_test(test_not_null_names_the_field),
		cmocka_unit_test(test_foreign_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

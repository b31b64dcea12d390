/*
 * test_registry.c: the request registry's start-up check, on the tree and
 * on rows broken on purpose. (The database half, which prepares every
 * statement, is tested against PostgreSQL in tests/integration/
 * test_registry_db.c.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dispatch.h"
#include "registry.h"

#define K(x) TRIAD__V1__REQUEST__BODY_##x
#define R(x) TRIAD__V1__RESPONSE__BODY_##x

static void
handler(Call *call, const Triad__V1__Request *req)
{
}

static void
test_the_tree_passes(void **state)
{
	char err[512] = "";
	if (!registry_check(err, sizeof err))
		fail_msg("%s", err);
}

/* Every request kind of the envelope finds its row, named after its field. */
static void
test_every_kind_has_its_row(void **state)
{
	const ProtobufCMessageDescriptor *d = &triad__v1__request__descriptor;
	for (unsigned i = 0; i < d->n_fields; i++) {
		if (!(d->fields[i].flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
			continue;
		const Route *r = registry_find((Triad__V1__Request__BodyCase)d->fields[i].id);
		if (r == NULL)
			fail_msg("no row for %s", d->fields[i].name);
		assert_string_equal(route_name(r), d->fields[i].name);
	}
	assert_null(registry_find(TRIAD__V1__REQUEST__BODY__NOT_SET));
	assert_null(registry_find((Triad__V1__Request__BodyCase)9999));
}

/* Checks one table of rows (not the whole envelope) and expects the
 * problem to mention every string of want. */
static void
expect_broken(const Route *rows, const char *const *want)
{
	const Route *tables[1] = {rows};
	char err[512] = "";
	if (registry_check_table(tables, 1, false, err, sizeof err))
		fail_msg("a broken table passed the check");
	for (; *want != NULL; want++) {
		if (strstr(err, *want) == NULL)
			fail_msg("the problem \"%s\" does not mention \"%s\"", err, *want);
	}
}

static void
test_a_misspelt_path_is_refused(void **state)
{
	static const Route rows[] = {
		{K(ENROLL), VERB_ENROLL, R(ENROLLMENT), ROUTE_WRITE,
		 {{"SELECT $1, $2", {"person_id", "cohort.idd"}}}},
		{0},
	};
	expect_broken(rows, (const char *const[]){"row enroll", "statement 1", "$2",
						   "cohort.idd", NULL});
}

static void
test_a_nested_path_resolves_and_a_wrong_one_does_not(void **state)
{
	static const Route good[] = {
		{K(CREATE_RUN), VERB_COHORT_WRITE, R(RUN), ROUTE_WRITE,
		 {{"SELECT $1, $2", {"run.module_id", "$request_id"}}}},
		{0},
	};
	const Route *tables[1] = {good};
	char err[512] = "";
	if (!registry_check_table(tables, 1, false, err, sizeof err))
		fail_msg("%s", err);

	static const Route bad[] = {
		{K(CREATE_RUN), VERB_COHORT_WRITE, R(RUN), ROUTE_WRITE,
		 {{"SELECT $1", {"run.module_id.more"}}}},
		{0},
	};
	expect_broken(bad, (const char *const[]){"row create_run", "run.module_id.more", NULL});
}

static void
test_an_unknown_magic_name_is_refused(void **state)
{
	static const Route rows[] = {
		{K(GET_COHORT), VERB_COHORT_READ, R(COHORT), ROUTE_READ,
		 {{"SELECT $1, $2", {"id", "$idempotency_key"}}}},
		{0},
	};
	expect_broken(rows, (const char *const[]){"row get_cohort", "$idempotency_key", NULL});
}

/* A field that takes a key names a kind the database knows, and is text. */
static void
test_a_key_of_an_unknown_kind_or_field_is_refused(void **state)
{
	static const Route unknown[] = {
		{K(GET_COHORT), VERB_COHORT_READ, R(COHORT), ROUTE_READ,
		 {{"SELECT $1", {"id@cohrot"}}}},
		{0},
	};
	static const Route not_text[] = {
		{K(CREATE_RUN), VERB_COHORT_WRITE, R(RUN), ROUTE_WRITE,
		 {{"SELECT $1, $2", {"run.capacity@cohort", "$request_id"}}}},
		{0},
	};
	static const Route fine[] = {
		{K(GET_COHORT), VERB_COHORT_READ, R(COHORT), ROUTE_READ,
		 {{"SELECT $1", {"id@cohort"}}}},
		{0},
	};
	const Route *tables[1] = {fine};
	char err[512] = "";

	expect_broken(unknown, (const char *const[]){"row get_cohort", "$1", "cohrot", NULL});
	expect_broken(not_text, (const char *const[]){"row create_run", "only a text field",
						      "run.capacity", NULL});
	if (!registry_check_table(tables, 1, false, err, sizeof err))
		fail_msg("%s", err);
}

static void
test_a_verb_without_policy_is_refused(void **state)
{
	static const Route rows[] = {
		{K(GET_COHORT), VERB_COUNT_, R(COHORT), ROUTE_READ, {{"SELECT $1", {"id"}}}},
		{0},
	};
	expect_broken(rows, (const char *const[]){"row get_cohort", "no policy", NULL});
}

static void
test_a_write_without_idempotency_is_refused(void **state)
{
	static const Route rows[] = {
		{K(CREATE_COHORT), VERB_COHORT_WRITE, R(COHORT), ROUTE_WRITES,
		 {{"SELECT $1", {"cohort.name"}}}},
		{0},
	};
	expect_broken(rows, (const char *const[]){"row create_cohort", "idempotency", NULL});
}

static void
test_parameters_must_match_the_sql(void **state)
{
	static const Route rows[] = {
		{K(GET_COHORT), VERB_COHORT_READ, R(COHORT), ROUTE_READ,
		 {{"SELECT $1, $2", {"id"}}}},
		{0},
	};
	expect_broken(rows, (const char *const[]){"row get_cohort", "uses $2", "gives 1", NULL});
}

static void
test_a_list_target_must_be_a_repeated_message(void **state)
{
	static const Route rows[] = {
		{K(LIST_COHORTS), VERB_COHORT_READ, R(COHORTS), ROUTE_READ,
		 {{"SELECT $1", {"page_token"}, "next_page_token"}}, NULL, true},
		{0},
	};
	expect_broken(rows, (const char *const[]){"row list_cohorts", "next_page_token",
						   "repeated message", NULL});
}

static void
test_a_row_needs_a_handler_or_statements(void **state)
{
	static const Route none[] = {
		{K(PING), VERB_PING, R(PING), ROUTE_READ},
		{0},
	};
	expect_broken(none, (const char *const[]){"row ping", "handler or statements", NULL});
	static const Route both[] = {
		{K(PING), VERB_PING, R(PING), ROUTE_READ, {{"SELECT 1", {NULL}}}, .handler = handler},
		{0},
	};
	expect_broken(both, (const char *const[]){"row ping", "handler or statements", NULL});
}

static void
test_two_rows_for_one_request_are_refused(void **state)
{
	static const Route rows[] = {
		{K(PING), VERB_PING, R(PING), ROUTE_READ, .handler = handler},
		{K(PING), VERB_PING, R(PING), ROUTE_READ, .handler = handler},
		{0},
	};
	expect_broken(rows, (const char *const[]){"ping", "two rows", NULL});
}

/* A kind of the envelope without a row: the complete check names it. */
static void
test_a_request_without_a_row_is_refused(void **state)
{
	static const Route rows[] = {
		{K(PING), VERB_PING, R(PING), ROUTE_READ, .handler = handler},
		{0},
	};
	const Route *tables[1] = {rows};
	char err[512] = "";
	assert_false(registry_check_table(tables, 1, true, err, sizeof err));
	assert_non_null(strstr(err, "has no row"));
	assert_non_null(strstr(err, "hello"));
}

static void
test_the_published_table_lists_every_request(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	registry_print(f, false);
	fclose(f);
	assert_non_null(strstr(buf, "| `enroll` | enroll | institution |"));
	assert_non_null(strstr(buf, "| `decide_claim` | claim_decide | institution | assessor |"));
	free(buf);

	f = open_memstream(&buf, &len);
	assert_non_null(f);
	registry_print(f, true);
	fclose(f);
	assert_non_null(strstr(buf, "{\"request\": \"give_feedback\", \"verb\": \"feedback_give\""));
	assert_non_null(strstr(buf, "\"idempotent\": true"));
	assert_int_equal(buf[0], '[');
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_tree_passes),
		cmocka_unit_test(test_every_kind_has_its_row),
		cmocka_unit_test(test_a_misspelt_path_is_refused),
		cmocka_unit_test(test_a_nested_path_resolves_and_a_wrong_one_does_not),
		cmocka_unit_test(test_an_unknown_magic_name_is_refused),
		cmocka_unit_test(test_a_key_of_an_unknown_kind_or_field_is_refused),
		cmocka_unit_test(test_a_verb_without_policy_is_refused),
		cmocka_unit_test(test_a_write_without_idempotency_is_refused),
		cmocka_unit_test(test_parameters_must_match_the_sql),
		cmocka_unit_test(test_a_list_target_must_be_a_repeated_message),
		cmocka_unit_test(test_a_row_needs_a_handler_or_statements),
		cmocka_unit_test(test_two_rows_for_one_request_are_refused),
		cmocka_unit_test(test_a_request_without_a_row_is_refused),
		cmocka_unit_test(test_the_published_table_lists_every_request),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

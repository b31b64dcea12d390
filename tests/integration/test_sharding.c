/*
 * test_sharding.c: the schema is ready to be sharded by institution.
 *
 * Citus is not packaged for Debian 12, so its rules are checked over the
 * catalog instead (sql/functions/placement.sql says where each table goes):
 *   - every table has a placement;
 *   - a distributed (tenant) table has institution_id NOT NULL, and its
 *     primary key, every unique index and every foreign key to another
 *     distributed table include it, at the same place on both sides;
 *   - no foreign key goes from a reference or local table to a distributed one.
 * Each rule is also run against tables broken on purpose in a schema of the
 * test's own, which it must report.
 */
#include "harness.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static PGconn *pg;

/*
 * Each table of schema $1 with its placement: from triad_table_placement()
 * for the service's own schema, and for any other schema by the same
 * default (a table with institution_id is distributed).
 */
#define PLACED                                                                              \
	"WITH placed AS ("                                                                  \
	" SELECT c.oid, c.relname,"                                                         \
	"        CASE WHEN n.nspname = current_schema()"                                    \
	"             THEN (SELECT p.placement FROM triad_table_placement() p"              \
	"                    WHERE p.table_name = c.relname)"                               \
	"             WHEN EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid"   \
	"                           AND a.attname = 'institution_id' AND NOT a.attisdropped)" \
	"             THEN 'distributed' END AS placement,"                                 \
	"        (SELECT a.attnum FROM pg_attribute a WHERE a.attrelid = c.oid"             \
	"          AND a.attname = 'institution_id' AND NOT a.attisdropped) AS tenant_col"   \
	"   FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"                  \
	"  WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')) "

/* The rules: each query lists what breaks its rule, or returns nothing. */
static const struct {
	const char *rule;
	const char *sql;
} rules[] = {
	{"every table has a placement",
	 PLACED "SELECT relname FROM placed WHERE placement IS NULL"},
	{"a tenant table's institution_id is NOT NULL",
	 PLACED "SELECT relname FROM placed p JOIN pg_attribute a"
		" ON a.attrelid = p.oid AND a.attnum = p.tenant_col"
		" WHERE p.placement = 'distributed' AND NOT a.attnotnull"},
	{"a tenant table's primary key and unique indexes include institution_id",
	 PLACED "SELECT p.relname || '.' || ic.relname FROM placed p"
		" JOIN pg_index i ON i.indrelid = p.oid JOIN pg_class ic ON ic.oid = i.indexrelid"
		" WHERE p.placement = 'distributed' AND (i.indisunique OR i.indisprimary)"
		"   AND NOT p.tenant_col = ANY (i.indkey::int2[])"},
	{"a foreign key between tenant tables includes institution_id on both sides",
	 PLACED "SELECT f.relname || '.' || con.conname FROM placed f"
		" JOIN pg_constraint con ON con.conrelid = f.oid AND con.contype = 'f'"
		" JOIN placed t ON t.oid = con.confrelid"
		" WHERE f.placement = 'distributed' AND t.placement = 'distributed'"
		"   AND NOT EXISTS (SELECT 1 FROM generate_subscripts(con.conkey, 1) k"
		"                    WHERE con.conkey[k] = f.tenant_col"
		"                      AND con.confkey[k] = t.tenant_col)"},
	{"no foreign key goes from a shared table to a tenant table",
	 PLACED "SELECT f.relname || '.' || con.conname FROM placed f"
		" JOIN pg_constraint con ON con.conrelid = f.oid AND con.contype = 'f'"
		" JOIN placed t ON t.oid = con.confrelid"
		" WHERE f.placement IS DISTINCT FROM 'distributed' AND t.placement = 'distributed'"},
	{"a reference table has no institution_id",
	 PLACED "SELECT relname FROM placed"
		" WHERE placement = 'reference' AND tenant_col IS NOT NULL"},
};

/* What rule i finds in schema, as "a, b" (malloc'd), or NULL for nothing. */
static char *
violations(int i, const char *schema)
{
	char sql[4096];
	snprintf(sql, sizeof sql, "SELECT string_agg(x, ', ' ORDER BY x) FROM (%s) v(x)",
		 rules[i].sql);
	const char *params[1] = {schema};
	PGresult *res = PQexecParams(pg, sql, 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", rules[i].rule, PQerrorMessage(pg));
	char *out = PQgetisnull(res, 0, 0) ? NULL : test_strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return out;
}

static void
exec_ok(const char *sql)
{
	PGresult *res = PQexec(pg, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(pg));
	PQclear(res);
}

static int
setup(void **state)
{
	pg = PQconnectdb(env_required("TRIAD_TEST_OWNER_DB"));
	if (PQstatus(pg) != CONNECTION_OK)
		fail_msg("cannot connect: %s", PQerrorMessage(pg));
	exec_ok("SET client_min_messages = warning");
	return 0;
}

static int
teardown(void **state)
{
	PQfinish(pg);
	return 0;
}

static void
test_the_schema_keeps_the_rules(void **state)
{
	PGresult *res = PQexec(pg, "SELECT current_schema()");
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	char *schema = test_strdup(PQgetvalue(res, 0, 0));
	PQclear(res);

	int broken = 0;
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
		char *v = violations((int)i, schema);
		if (v != NULL) {
			print_error("rule broken: %s: %s\n", rules[i].rule, v);
			broken++;
		}
		free(v);
	}
	free(schema);
	assert_int_equal(broken, 0);
}

static void
test_the_placement_names_the_shared_tables(void **state)
{
	static const char *const shared[] = {"person", "organisation", "principal", "api_token"};
	for (size_t i = 0; i < sizeof shared / sizeof shared[0]; i++) {
		char *p = owner_sql("SELECT placement FROM triad_table_placement()"
				    " WHERE table_name = $1",
				    shared[i], NULL, NULL);
		assert_non_null(p);
		assert_string_equal(p, "reference");
		free(p);
	}
	/* The tenants' tables are distributed, the enrollments among them. */
	char *n = owner_sql("SELECT count(*) FILTER (WHERE placement = 'distributed') >= 20"
			    "   AND bool_and(placement = 'distributed') FILTER"
			    "       (WHERE table_name IN ('enrollment', 'feedback', 'cohort'))"
			    " FROM triad_table_placement()",
			    NULL, NULL, NULL);
	assert_string_equal(n, "t");
	free(n);
}

/* Tables that break each rule once, in a schema of this test's own. */
static void
test_each_rule_reports_what_breaks_it(void **state)
{
	exec_ok("DROP SCHEMA IF EXISTS sharding_probe CASCADE");
	exec_ok("CREATE SCHEMA sharding_probe");
	exec_ok("CREATE TABLE sharding_probe.shared (id int PRIMARY KEY)");
	exec_ok("CREATE TABLE sharding_probe.tenant (institution_id int NOT NULL, id int,"
		" PRIMARY KEY (institution_id, id))");
	exec_ok("CREATE TABLE sharding_probe.bad_key (institution_id int NOT NULL,"
		" id int PRIMARY KEY, code text, UNIQUE (institution_id, code))");
	exec_ok("CREATE TABLE sharding_probe.nullable (institution_id int, id int)");
	exec_ok("CREATE TABLE sharding_probe.bad_fk (institution_id int NOT NULL, id int,"
		" tenant_id int, PRIMARY KEY (institution_id, id),"
		" UNIQUE (institution_id, tenant_id),"
		" FOREIGN KEY (tenant_id, institution_id)"
		"  REFERENCES sharding_probe.tenant (institution_id, id))");
	exec_ok("ALTER TABLE sharding_probe.shared ADD COLUMN tenant_inst int,"
		" ADD COLUMN tenant_id int, ADD FOREIGN KEY (tenant_inst, tenant_id)"
		" REFERENCES sharding_probe.tenant (institution_id, id)");

	/* Outside the service's schema nothing is listed: "shared" has no place. */
	static const char *const want[] = {
		"shared",
		"nullable",
		"bad_key.bad_key_pkey",
		"bad_fk.bad_fk_tenant_id_institution_id_fkey",
		"shared.shared_tenant_inst_tenant_id_fkey",
		NULL,
	};
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
		char *v = violations((int)i, "sharding_probe");
		if (want[i] == NULL)
			assert_null(v);
		else if (v == NULL)
			fail_msg("rule '%s' found nothing; want %s", rules[i].rule, want[i]);
		else
			assert_string_equal(v, want[i]);
		free(v);
	}
	exec_ok("DROP SCHEMA sharding_probe CASCADE");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_schema_keeps_the_rules),
		cmocka_unit_test(test_the_placement_names_the_shared_tables),
		cmocka_unit_test(test_each_rule_reports_what_breaks_it),
	};
	return harness_run_group_tests(tests, setup, teardown);
}

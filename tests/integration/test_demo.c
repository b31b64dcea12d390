/*
 * test_demo.c: the demo data of sql/demo loads, as deploy/quickstart.sh
 * loads it (each file in one transaction, as the schema owner, in name
 * order), and loads a second time without change; and what the demo
 * promises is there: the completion rules of Metropool, HvA MPM and
 * Fontys MiZ, HvA's papers in micro, meso and macro context with
 * submissions and assessments, a Metropool participant who met every rule
 * and completed, and one who misses verified hours and sees why.
 */
#include "harness.h"

#include <dirent.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static Triadd d;

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Loads every file of sql/demo once, in name order. */
static void
load_demo(void)
{
	char dir[1024], path[2048];
	snprintf(dir, sizeof dir, "%s/sql/demo", TRIAD_SOURCE_DIR);
	DIR *dh = opendir(dir);
	assert_non_null(dh);
	char *names[64];
	size_t n = 0;
	for (struct dirent *de; (de = readdir(dh)) != NULL && n < 64;) {
		size_t len = strlen(de->d_name);
		if (len > 4 && strcmp(de->d_name + len - 4, ".sql") == 0)
			names[n++] = test_strdup(de->d_name);
	}
	closedir(dh);
	assert_true(n > 0);
	qsort(names, n, sizeof names[0], by_name);

	PGconn *pg = PQconnectdb(env_required("TRIAD_TEST_OWNER_DB"));
	assert_int_equal(PQstatus(pg), CONNECTION_OK);
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		FILE *f = fopen(path, "r");
		assert_non_null(f);
		fseek(f, 0, SEEK_END);
		long size = ftell(f);
		fseek(f, 0, SEEK_SET);
		char *sql = malloc((size_t)size + 1);
		assert_non_null(sql);
		assert_int_equal(fread(sql, 1, (size_t)size, f), (size_t)size);
		sql[size] = '\0';
		fclose(f);
		/* One transaction per file, as psql -1 does. */
		PGresult *r = PQexec(pg, "BEGIN");
		PQclear(r);
		r = PQexec(pg, sql);
		if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
			fail_msg("sql/demo/%s: %s", names[i], PQerrorMessage(pg));
		PQclear(r);
		r = PQexec(pg, "COMMIT");
		assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
		PQclear(r);
		free(sql);
		free(names[i]);
	}
	PQfinish(pg);
}

static int
setup(void **state)
{
	(void)state;
	triadd_start(&d, NULL);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
	return 0;
}

#define ENROLLMENT_OF(email)                                                                  \
	"(SELECT e.id FROM enrollment e JOIN person p ON p.id = e.person_id WHERE p.email = '" \
	email "' ORDER BY e.created_at DESC LIMIT 1)"

/* What loading the demo again must not change: the rows of the demo's
 * institutions in the tables its parts fill (not the audit trail: the
 * journey plan is set again on every load, as a request would). */
#define DEMO_COUNTS                                                                           \
	"SELECT string_agg(n::text, '/') FROM (SELECT t, (xpath('/row/c/text()',"               \
	" query_to_xml(format('SELECT count(*) AS c FROM %I x JOIN institution i"                \
	" ON i.id = x.institution_id WHERE i.slug IN (''hva'', ''fontys'', ''nsob'')', t),"     \
	" false, true, '')))[1]::text::int AS n FROM unnest(ARRAY['enrollment', 'assignment',"  \
	" 'submission', 'assessment', 'placement', 'hours_entry', 'logbook_chapter',"           \
	" 'conversation', 'completion_rule']) t) c"

static void
test_demo_loads_twice(void **state)
{
	(void)state;
	load_demo();
	char *before = owner_sql(DEMO_COUNTS, NULL, NULL, NULL);
	load_demo();
	char *after = owner_sql(DEMO_COUNTS, NULL, NULL, NULL);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void
test_demo_completion(void **state)
{
	(void)state;
	char *s;

	/* The rules of the three programmes are data. */
	s = owner_sql("SELECT string_agg(i.slug || ':' || p.code, ' ' ORDER BY i.slug)"
		      " FROM completion_rule r JOIN programme p ON p.id = r.programme_id"
		      " JOIN institution i ON i.id = r.institution_id"
		      " WHERE i.slug IN ('nsob', 'hva', 'fontys')", NULL, NULL, NULL);
	assert_string_equal(s, "fontys:MiZ hva:MPM nsob:METROPOOL");
	free(s);

	/* Fleur met every rule and completed. */
	s = owner_sql("SELECT e.status || ' ' || triad_completion_ready(e.id)::text"
		      " FROM enrollment e WHERE e.id = " ENROLLMENT_OF("fleur.afgerond@denkbeeldig.example"),
		      NULL, NULL, NULL);
	assert_string_equal(s, "completed true");
	free(s);

	/* Gijs misses verified hours, and that is the one rule unmet. */
	s = owner_sql("SELECT string_agg(rule || ': ' || evidence, '; ')"
		      " FROM triad_completion_check(" ENROLLMENT_OF("gijs.urentekort@denkbeeldig.example")
		      ") WHERE NOT met", NULL, NULL, NULL);
	assert_string_equal(s, "at least 160 verified internship hours: 152 of 160 hours verified "
			       "by the host supervisor");
	free(s);

	/* He sees why through the client as well (here as the operator). */
	char out[8192];
	char cmd[2048];
	snprintf(cmd, sizeof cmd,
		 "env TRIAD_ADDR=%s XDG_CONFIG_HOME=/nonexistent TRIAD_TOKEN='%s' '%s' "
		 "--institution nsob certificate check gijs.urentekort@denkbeeldig.example "
		 "</dev/null 2>&1",
		 d.addr, test_token(), env_required("TRIAD"));
	assert_int_equal(run_capture(cmd, out, sizeof out), 0);
	expect_contains(out, "4 of 5 completion rules met");
	expect_contains(out, "UNMET  at least 160 verified internship hours: 152 of 160 hours");
}

static void
test_demo_hva_assessment(void **state)
{
	(void)state;
	char *s;

	s = owner_sql("SELECT string_agg(a.code || ':' || a.context || ':' || a.kind, ' '"
		      " ORDER BY a.code) FROM assignment a JOIN programme p ON p.id = a.programme_id"
		      " JOIN institution i ON i.id = a.institution_id"
		      " WHERE i.slug = 'hva' AND p.code = 'MPM'", NULL, NULL, NULL);
	assert_string_equal(s, "INT:macro:intervention P1:micro:paper P2:meso:paper P3:macro:paper "
			       "P4:macro:paper P5::final");
	free(s);
	s = owner_sql("SELECT count(*) FROM submission s JOIN assignment_instance i"
		      " ON i.id = s.instance_id JOIN assignment a ON a.id = i.assignment_id"
		      " WHERE a.code = 'P1' AND i.enrollment_id = "
		      ENROLLMENT_OF("annelies.anekdote@sg-denkbeeldig.example"), NULL, NULL, NULL);
	assert_string_equal(s, "2");
	free(s);
	s = owner_sql("SELECT string_agg(a.code || '=' || x.status, ' ' ORDER BY a.code)"
		      " FROM assessment x JOIN assignment_instance i ON i.id = x.instance_id"
		      " JOIN assignment a ON a.id = i.assignment_id WHERE i.enrollment_id = "
		      ENROLLMENT_OF("annelies.anekdote@sg-denkbeeldig.example"), NULL, NULL, NULL);
	assert_string_equal(s, "P1=released P2=recorded");
	free(s);
	s = owner_sql("SELECT scale FROM assessment_setting s JOIN programme p ON p.id = s.programme_id"
		      " JOIN institution i ON i.id = s.institution_id"
		      " WHERE i.slug = 'fontys' AND p.code = 'MiZ'", NULL, NULL, NULL);
	assert_string_equal(s, "mark");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_demo_loads_twice),
		cmocka_unit_test(test_demo_completion),
		cmocka_unit_test(test_demo_hva_assessment),
	};
	return harness_run_group_tests(tests, setup, teardown);
}

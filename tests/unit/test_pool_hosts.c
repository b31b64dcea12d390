/*
 * test_pool_hosts.c: the servers of a multi-host conninfo, as the pool
 * hands them to libpq. Each attempt lists every server, each with its own
 * address and port whatever the order, and the order changes between
 * attempts (libpq 15 has no load_balance_hosts). And the options the
 * daemon adds to every connection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>

#include "pool.h"

/* The value of keyword of a connection being started. */
static char *
option(PGconn *pg, const char *keyword, char *buf, size_t size)
{
	PQconninfoOption *opts = PQconninfo(pg);
	assert_non_null(opts);
	buf[0] = '\0';
	for (PQconninfoOption *o = opts; o->keyword != NULL; o++)
		if (strcmp(o->keyword, keyword) == 0 && o->val != NULL)
			snprintf(buf, size, "%s", o->val);
	PQconninfoFree(opts);
	return buf;
}

static Pool *
pool_for(struct event_base *base, Config *cfg, const char *db, char err[256])
{
	config_defaults(cfg);
	cfg->pool_size = 1;
	snprintf(cfg->db, sizeof cfg->db, "%s", db);
	return pool_new(base, cfg, err);
}

static void
test_every_order_keeps_pairs(void **state)
{
	struct event_base *base = event_base_new();
	Config cfg;
	char err[256] = "";
	/* Ports nothing listens on: the attempts fail, which is all right. */
	Pool *pool = pool_for(base, &cfg,
			      "host=127.0.0.1,127.0.0.2,127.0.0.3 port=1,2,3 dbname=triad "
			      "target_session_attrs=read-write", err);
	assert_non_null(pool);
	assert_int_equal(pool->nhosts, 3);
	int first[3] = {0, 0, 0};
	for (int n = 0; n < 300; n++) {
		char host[256], addr[256], port[256], tsa[64];
		PGconn *pg = pool_connect_start(pool);
		assert_non_null(pg);
		option(pg, "host", host, sizeof host);
		option(pg, "hostaddr", addr, sizeof addr);
		option(pg, "port", port, sizeof port);
		assert_string_equal(option(pg, "target_session_attrs", tsa, sizeof tsa),
				    "read-write");
		/* Three entries each, server i always with port i. */
		int a, b, c, pa, pb, pc;
		assert_int_equal(sscanf(addr, "127.0.0.%d,127.0.0.%d,127.0.0.%d", &a, &b, &c), 3);
		assert_int_equal(sscanf(port, "%d,%d,%d", &pa, &pb, &pc), 3);
		assert_int_equal(a, pa);
		assert_int_equal(b, pb);
		assert_int_equal(c, pc);
		assert_int_equal(a + b + c, 6);
		assert_int_equal(a * b * c, 6);
		assert_string_equal(host, addr);
		first[a - 1]++;
		PQfinish(pg);
	}
	/* Each server comes first about a third of the time. */
	for (int i = 0; i < 3; i++)
		assert_true(first[i] > 50);
	pool_free(pool);
	event_base_free(base);
}

static void
test_one_port_for_all_and_names(void **state)
{
	struct event_base *base = event_base_new();
	Config cfg;
	char err[256] = "";
	Pool *pool = pool_for(base, &cfg, "postgres://localhost:9,127.0.0.1:8/triad", err);
	assert_non_null(pool);
	assert_int_equal(pool->nhosts, 2);
	assert_string_equal(pool->hosts[0].host, "localhost");
	assert_non_null(pool->hosts[0].addr);        /* resolved now, not on the loop */
	assert_string_equal(pool->hosts[0].port, "9");
	assert_string_equal(pool->hosts[1].port, "8");
	pool_free(pool);

	pool = pool_for(base, &cfg, "host=127.0.0.1,127.0.0.2 port=7 dbname=triad", err);
	assert_non_null(pool);
	assert_string_equal(pool->hosts[0].port, "7");
	assert_string_equal(pool->hosts[1].port, "7");
	pool_free(pool);

	/* A socket directory needs no address. */
	pool = pool_for(base, &cfg, "host=/nonexistent/sock dbname=triad", err);
	assert_non_null(pool);
	assert_null(pool->hosts[0].addr);
	pool_free(pool);
	event_base_free(base);
}

static void
test_mismatched_lists_are_refused(void **state)
{
	struct event_base *base = event_base_new();
	Config cfg;
	char err[256] = "";
	assert_null(pool_for(base, &cfg, "host=127.0.0.1,127.0.0.2,127.0.0.3 port=1,2", err));
	assert_string_equal(err, "db: 2 port numbers for 3 hosts");
	assert_null(pool_for(base, &cfg, "host=a,b hostaddr=127.0.0.1", err));
	assert_string_equal(err, "db: 2 host names but 1 hostaddr values");
	event_base_free(base);
}

/*
 * The server cancels a statement before the daemon gives up on it, and
 * keeps one generic plan per prepared statement (pool.c); a conninfo that
 * sets options of its own keeps them as they are.
 */
static void
test_options_of_the_daemons_connections(void **state)
{
	(void)state;
	struct event_base *base = event_base_new();
	Config cfg;
	char err[256] = "", opts[256];
	Pool *pool = pool_for(base, &cfg, "host=127.0.0.1 port=1 dbname=triad", err);
	assert_non_null(pool);
	PGconn *pg = pool_connect_start(pool);
	assert_non_null(pg);
	char want[128];
	snprintf(want, sizeof want, "-c statement_timeout=%d -c plan_cache_mode=force_generic_plan",
		 cfg.db_timeout_ms * 3 / 4);
	assert_string_equal(option(pg, "options", opts, sizeof opts), want);
	PQfinish(pg);
	pool_free(pool);

	pool = pool_for(base, &cfg, "host=127.0.0.1 port=1 dbname=triad options='-c work_mem=8MB'",
			err);
	assert_non_null(pool);
	pg = pool_connect_start(pool);
	assert_non_null(pg);
	assert_string_equal(option(pg, "options", opts, sizeof opts), "-c work_mem=8MB");
	PQfinish(pg);
	pool_free(pool);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_order_keeps_pairs),
		cmocka_unit_test(test_one_port_for_all_and_names),
		cmocka_unit_test(test_mismatched_lists_are_refused),
		cmocka_unit_test(test_options_of_the_daemons_connections),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

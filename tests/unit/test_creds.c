/*
 * test_creds.c: whose credentials changed since a session checked them
 * (daemon/creds.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "creds.h"

static Creds *
creds_new(void)
{
	Creds *c = calloc(1, sizeof *c);
	assert_non_null(c);
	creds_all(c);   /* listening: the first epoch */
	return c;
}

/* The uuid-shaped id number n. */
static const char *
id_of(unsigned n, char buf[CREDS_ID_LEN + 1])
{
	snprintf(buf, CREDS_ID_LEN + 1, "%08x-0000-4000-8000-000000000000", n);
	return buf;
}

static void
test_a_change_concerns_its_own_id_only(void **state)
{
	(void)state;
	Creds *c = creds_new();
	char tok[CREDS_ID_LEN + 1], who[CREDS_ID_LEN + 1], other[CREDS_ID_LEN + 1];
	id_of(1, tok);
	id_of(2, who);
	id_of(3, other);

	CredsStamp never = {0, 0};
	assert_false(creds_current(c, never, tok, who));
	CredsStamp s = creds_stamp(c);
	assert_true(creds_current(c, s, tok, who));

	creds_one(c, other);
	assert_true(creds_current(c, s, tok, who));
	creds_one(c, who);
	assert_false(creds_current(c, s, tok, who));
	assert_false(creds_current(c, s, "", who));
	assert_true(creds_current(c, s, tok, ""));

	/* Checked again after the change: current until the next one. */
	CredsStamp again = creds_stamp(c);
	assert_true(creds_current(c, again, tok, who));
	creds_one(c, tok);
	assert_false(creds_current(c, again, tok, who));
	free(c);
}

static void
test_everybody_checks_again(void **state)
{
	(void)state;
	Creds *c = creds_new();
	char tok[CREDS_ID_LEN + 1], who[CREDS_ID_LEN + 1];
	id_of(1, tok);
	id_of(2, who);

	CredsStamp s = creds_stamp(c);
	creds_all(c);
	assert_false(creds_current(c, s, tok, who));
	/* A payload that is not an id concerns everybody. */
	s = creds_stamp(c);
	creds_one(c, "not-an-id");
	assert_false(creds_current(c, s, tok, who));
	free(c);
}

/* At most CREDS_CHANGED_MAX ids are kept: one more empties the table and
 * moves the epoch on, so nobody misses a change. */
static void
test_the_table_is_bounded(void **state)
{
	(void)state;
	Creds *c = creds_new();
	char id[CREDS_ID_LEN + 1], tok[CREDS_ID_LEN + 1];
	id_of(0xffffffu, tok);
	CredsStamp s = creds_stamp(c);
	uint64_t epoch = c->epoch;

	for (unsigned i = 0; i < CREDS_CHANGED_MAX; i++)
		creds_one(c, id_of(i, id));
	assert_int_equal(c->n, CREDS_CHANGED_MAX);
	assert_int_equal(c->epoch, epoch);
	assert_true(creds_current(c, s, tok, ""));
	/* The same ids again: no room is taken. */
	creds_one(c, id_of(7, id));
	assert_int_equal(c->n, CREDS_CHANGED_MAX);
	assert_false(creds_current(c, s, tok, id_of(7, id)));

	creds_one(c, id_of(CREDS_CHANGED_MAX, id));
	assert_int_equal(c->n, 0);
	assert_int_equal(c->epoch, epoch + 1);
	assert_false(creds_current(c, s, tok, ""));
	CredsStamp after = creds_stamp(c);
	assert_true(creds_current(c, after, tok, id_of(7, id)));
	free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_change_concerns_its_own_id_only),
		cmocka_unit_test(test_everybody_checks_again),
		cmocka_unit_test(test_the_table_is_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

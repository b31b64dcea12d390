/*
 * Unit tests for client/when.c: times typed in the user's zone become
 * instants in UTC, and instants are shown in that zone with the offset.
 * The zone is a POSIX TZ string, so no time zone database is needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "when.h"

/* Central European time: +01:00, and +02:00 from the last Sunday of March. */
static int
setup(void **state)
{
	(void)state;
	setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
	tzset();
	when_set_utc(false);
	return 0;
}

static void
expect_parse(const char *typed, const char *want)
{
	char out[64];

	if (!when_parse(typed, out, sizeof out))
		fail_msg("'%s' was not read as a time", typed);
	assert_string_equal(out, want);
}

static void
expect_refused(const char *typed)
{
	char out[64];

	if (when_parse(typed, out, sizeof out))
		fail_msg("'%s' was read as %s", typed, out);
}

static void
test_parse_local(void **state)
{
	(void)state;
	expect_parse("2026-10-01 14:00", "2026-10-01T12:00:00Z");
	expect_parse("2026-10-01T14:00", "2026-10-01T12:00:00Z");
	expect_parse("2026-12-01 09:30:15", "2026-12-01T08:30:15Z");
	/* With an offset, that instant, whatever the zone. */
	expect_parse("2026-10-01T14:00:00Z", "2026-10-01T14:00:00Z");
	expect_parse("2026-10-01T14:00:00.250+02:00", "2026-10-01T12:00:00Z");
	expect_parse("2026-10-01 09:00-0500", "2026-10-01T14:00:00Z");
	/* Not a day, not a time, not a form, and a time the clock skips. */
	expect_refused("2026-02-30 10:00");
	expect_refused("2026-02-03 24:00");
	expect_refused("next tuesday");
	expect_refused("2026-10-01");
	expect_refused("2026-10-01 14:00 CEST");
	expect_refused("2026-03-29 02:30");
	expect_refused("");
}

static void
test_parse_utc(void **state)
{
	(void)state;
	when_set_utc(true);
	expect_parse("2026-10-01 14:00", "2026-10-01T14:00:00Z");
	expect_parse("2026-10-01T14:00:00+02:00", "2026-10-01T12:00:00Z");
	when_set_utc(false);
}

static void
test_format(void **state)
{
	char buf[WHEN_MAX];

	(void)state;
	assert_string_equal(when_format("2026-10-01T12:00:00Z", PRINT_TEXT, buf, sizeof buf),
			    "2026-10-01 14:00 +02:00");
	assert_string_equal(when_format("2026-10-01T12:00:00Z", PRINT_JSON, buf, sizeof buf),
			    "2026-10-01T14:00:00+02:00");
	assert_string_equal(when_format("2026-12-01T08:30:00Z", PRINT_CSV, buf, sizeof buf),
			    "2026-12-01T09:30:00+01:00");
	/* What is not an instant is shown as it is. */
	assert_string_equal(when_format("", PRINT_TEXT, buf, sizeof buf), "");
	assert_string_equal(when_format("2026-10-01", PRINT_TEXT, buf, sizeof buf), "2026-10-01");
	assert_string_equal(when_format("soon", PRINT_JSON, buf, sizeof buf), "soon");

	when_set_utc(true);
	assert_string_equal(when_format("2026-10-01T14:00:00+02:00", PRINT_TEXT, buf, sizeof buf),
			    "2026-10-01 12:00 UTC");
	assert_string_equal(when_format("2026-10-01T12:00:00Z", PRINT_JSON, buf, sizeof buf),
			    "2026-10-01T12:00:00Z");
	when_set_utc(false);

	/* Where the local zone is UTC, so is what is shown. */
	setenv("TZ", "UTC", 1);
	tzset();
	assert_string_equal(when_format("2026-10-01T12:00:00Z", PRINT_JSON, buf, sizeof buf),
			    "2026-10-01T12:00:00Z");
	setup(NULL);
}

/* Cells a command fills itself are shown by their column's name. */
static void
test_cells(void **state)
{
	static const char *const headers[] = {"id", "created_at", "at", "due_on"};
	const char *cells[] = {"t-1", "2026-10-01T12:00:00Z", "2026-12-01T08:30:00Z", "2026-10-01"};
	char bufs[4][WHEN_MAX];

	(void)state;
	when_cells(4, headers, cells, PRINT_TEXT, bufs);
	assert_string_equal(cells[0], "t-1");
	assert_string_equal(cells[1], "2026-10-01 14:00 +02:00");
	assert_string_equal(cells[2], "2026-12-01 09:30 +01:00");
	assert_string_equal(cells[3], "2026-10-01");
}

/* Times as microseconds: what a request's *_us twin gets, and what an
 * answer's *_us shows as. */
static void
test_microseconds(void **state)
{
	char buf[WHEN_MAX], utc[32];

	(void)state;
	assert_int_equal(when_us("2024-02-29T23:59:59Z"), 1709251199000000LL);
	assert_int_equal(when_us("1999-12-31T23:59:59Z"), 946684799000000LL);
	assert_int_equal(when_us("1969-12-31T23:59:59Z"), -1000000LL);
	assert_int_equal(when_us("2024-02-29 23:59"), 0);
	assert_int_equal(when_us("2024-02-29T23:59:59Zx"), 0);
	assert_int_equal(when_us(""), 0);
	/* What people type goes as the same instant in both fields. */
	assert_true(when_parse("2026-10-01T14:00+02:00", utc, sizeof utc));
	assert_int_equal(when_us(utc), 1790856000000000LL);
	/* From *_us when set, to the second; the text twin otherwise. */
	assert_string_equal(when_us_text(1709251199999999LL, "ignored", buf, sizeof buf),
			    "2024-02-29T23:59:59Z");
	assert_string_equal(when_us_text(0, "2026-01-01T00:00:00Z", buf, sizeof buf),
			    "2026-01-01T00:00:00Z");
	assert_string_equal(when_us_text(0, NULL, buf, sizeof buf), "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_parse_local, setup),
		cmocka_unit_test_setup(test_parse_utc, setup),
		cmocka_unit_test_setup(test_format, setup),
		cmocka_unit_test_setup(test_cells, setup),
		cmocka_unit_test_setup(test_microseconds, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

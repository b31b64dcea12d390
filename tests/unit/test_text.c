/*
 * test_text.c: UTF-8 and NUL checks of request strings on the wire (by
 * frame_scan(), before decoding), and clean text in answers.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "frame.h"
#include "text.h"
#include "triad/v1/envelope.pb-c.h"

#define U8(s) (const uint8_t *)(s), sizeof(s) - 1

static void
test_utf8(void **state)
{
	assert_true(text_utf8_valid(U8("")));
	assert_true(text_utf8_valid(U8("plain ascii")));
	assert_true(text_utf8_valid(U8("Caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80")));
	assert_false(text_utf8_valid(U8("\xc3")));              /* cut short */
	assert_false(text_utf8_valid(U8("\xc0\xaf")));          /* overlong '/' */
	assert_false(text_utf8_valid(U8("\xe0\x80\xaf")));      /* overlong, 3 bytes */
	assert_false(text_utf8_valid(U8("\xed\xa0\x80")));      /* a surrogate */
	assert_false(text_utf8_valid(U8("\xf4\x90\x80\x80")));  /* above U+10FFFF */
	assert_false(text_utf8_valid(U8("\xff")));
	assert_false(text_utf8_valid(U8("a\x80z")));            /* a lone continuation */
}

static void
test_make_utf8_replaces_only_what_is_broken(void **state)
{
	char s[] = "ok \xc3\xa9 then \xff\xc3 and \xe2\x82";
	assert_string_equal(text_make_utf8(s), "ok \xc3\xa9 then ?? and ??");
	char t[] = "id '0b6f\xe2\x82";   /* a quote cut in the middle of a character */
	text_make_utf8(t);
	assert_true(text_utf8_valid((const uint8_t *)t, strlen(t)));
}

static void
test_a_nul_in_a_nested_string_is_named(void **state)
{
	/* situation = "before\0after" written by hand: tag 2 of GiveFeedbackRequest. */
	const uint8_t body[] = {0x12, 12, 'b', 'e', 'f', 'o', 'r', 'e', 0, 'a', 'f', 't', 'e', 'r'};
	uint8_t frame[64];
	size_t n = 0;
	frame[n++] = 0x08;   /* id = 9 */
	frame[n++] = 9;
	/* give_feedback is field number TRIAD__V1__REQUEST__BODY_GIVE_FEEDBACK */
	unsigned tag = (TRIAD__V1__REQUEST__BODY_GIVE_FEEDBACK << 3) | 2;
	frame[n++] = (uint8_t)(tag | 0x80);
	frame[n++] = (uint8_t)(tag >> 7);
	frame[n++] = sizeof body;
	memcpy(frame + n, body, sizeof body);
	n += sizeof body;

	FrameScan p;
	assert_int_equal(frame_scan(frame, n, &p), SCAN_BAD_TEXT);
	assert_string_equal(p.field, "give_feedback.situation");
	assert_string_equal(p.text_why, "contains a NUL byte");
	assert_int_equal(p.id, 9);

	/* The same with bytes that are not UTF-8. */
	frame[n - 6] = 0xff;
	assert_int_equal(frame_scan(frame, n, &p), SCAN_BAD_TEXT);
	assert_string_equal(p.field, "give_feedback.situation");
	assert_string_equal(p.text_why, "is not valid UTF-8");
	char msg[256];
	frame_scan_message(SCAN_BAD_TEXT, &p, msg, sizeof msg);
	assert_string_equal(msg, "give_feedback.situation is not valid UTF-8: text must be UTF-8, "
			    "without NUL bytes");

	/* And clean text passes. */
	frame[n - 6] = ' ';
	assert_int_equal(frame_scan(frame, n, &p), SCAN_OK);
}

static void
test_top_level_strings_and_unknown_fields(void **state)
{
	/* institution = "\xc3" (field 3); an unknown field 999 with a NUL is
	 * never read as text. */
	const uint8_t bad[] = {0x08, 1, 0x1a, 1, 0xc3};
	FrameScan p;
	assert_int_equal(frame_scan(bad, sizeof bad, &p), SCAN_BAD_TEXT);
	assert_string_equal(p.field, "institution");
	const uint8_t unknown[] = {0x08, 1, 0xba, 0x3e, 2, 'a', 0};
	assert_int_equal(frame_scan(unknown, sizeof unknown, &p), SCAN_OK);
}

/* text_copy() and text_u64() write what snprintf() would, cut alike. */
static void
test_copy_join_and_numbers_match_snprintf(void **state)
{
	static const uint64_t nums[] = {0, 7, 10, 99, 12345678901234ULL, UINT64_MAX};
	static const int64_t snums[] = {0, 7, -1, -10, 99, -12345678901234LL, INT64_MAX, INT64_MIN};
	static const char *strs[] = {"", "a", "institution", "exactly-8"};
	char got[48], want[48];

	(void)state;
	for (size_t size = 1; size <= sizeof got; size++) {
		for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
			text_u64(got, size, nums[i]);
			snprintf(want, size, "%" PRIu64, nums[i]);
			assert_string_equal(got, want);
		}
		for (size_t i = 0; i < sizeof snums / sizeof snums[0]; i++) {
			text_i64(got, size, snums[i]);
			snprintf(want, size, "%" PRId64, snums[i]);
			assert_string_equal(got, want);
		}
		for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
			text_copy(got, size, strs[i]);
			snprintf(want, size, "%s", strs[i]);
			assert_string_equal(got, want);
			for (size_t j = 0; j < sizeof strs / sizeof strs[0]; j++) {
				text_join(got, size, strs[i], ".", strs[j]);
				snprintf(want, size, "%s.%s", strs[i], strs[j]);
				assert_string_equal(got, want);
			}
		}
	}
}

/* text_time_us(): triad_ts()'s text of an instant given in microseconds. */
static void
test_time_us(void **state)
{
	static const struct {
		int64_t us;
		const char *text;
	} cases[] = {
		{0, "1970-01-01T00:00:00Z"},
		{999999, "1970-01-01T00:00:00Z"},
		{1709251199000000LL, "2024-02-29T23:59:59Z"},
		{1709251199999999LL, "2024-02-29T23:59:59Z"},
		{1709251200000000LL, "2024-03-01T00:00:00Z"},
		{946684799000000LL, "1999-12-31T23:59:59Z"},
		{946684800000000LL, "2000-01-01T00:00:00Z"},
		{-1, "1969-12-31T23:59:59Z"},
		{-1000000, "1969-12-31T23:59:59Z"},
		{-1000001, "1969-12-31T23:59:58Z"},
		{-62135596800000000LL, "0001-01-01T00:00:00Z"},
		{253402300799000000LL, "9999-12-31T23:59:59Z"},
		{253402300800000000LL, "10000-01-01T00:00:00Z"},
		{INT64_MAX, "294247-01-10T04:00:54Z"},
	};
	char buf[TEXT_TIME_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_string_equal(text_time_us(buf, sizeof buf, cases[i].us), cases[i].text);
	/* The farthest past still has its '-' and fits. */
	assert_true(text_time_us(buf, sizeof buf, INT64_MIN)[0] == '-');
	assert_true(strlen(buf) < sizeof buf);
	/* The exact form keeps the fraction, towards the past before 1970. */
	assert_string_equal(text_time_us_exact(buf, sizeof buf, 1709251199250000LL),
			    "2024-02-29T23:59:59.250000Z");
	assert_string_equal(text_time_us_exact(buf, sizeof buf, 1709251199000000LL),
			    "2024-02-29T23:59:59Z");
	assert_string_equal(text_time_us_exact(buf, sizeof buf, -1), "1969-12-31T23:59:59.999999Z");
	assert_true(strlen(text_time_us_exact(buf, sizeof buf, INT64_MIN)) < sizeof buf);
	/* Too small a buffer gets nothing rather than a cut time. */
	assert_string_equal(text_time_us(buf, TEXT_TIME_MAX - 1, 0), "");

	/* Against strftime() every 7 hours, 13 minutes and 17.3 seconds from
	 * 1900 to 2100. */
	for (int64_t us = -2208988800000000LL; us < 4102444800000000LL; us += 26017300000LL) {
		time_t t = (time_t)(us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000));
		struct tm tm;
		char want[TEXT_TIME_MAX];
		assert_non_null(gmtime_r(&t, &tm));
		strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%SZ", &tm);
		assert_string_equal(text_time_us(buf, sizeof buf, us), want);
	}
	/* And against gmtime_r()'s fields every 97 days, 5 hours and 3 seconds
	 * from the year -5000 to 12000, leap days, centuries and year 0 among
	 * them. */
	for (int64_t s = -219936000000LL; s < 316539000000LL; s += 8399103) {
		time_t t = (time_t)s;
		struct tm tm;
		long long y;
		int mo, d, h, mi, se;
		assert_non_null(gmtime_r(&t, &tm));
		text_time_us(buf, sizeof buf, s * 1000000);
		assert_int_equal(sscanf(buf, "%lld-%d-%dT%d:%d:%dZ", &y, &mo, &d, &h, &mi, &se), 6);
		assert_int_equal(y, (long long)tm.tm_year + 1900);
		assert_int_equal(mo, tm.tm_mon + 1);
		assert_int_equal(d, tm.tm_mday);
		assert_int_equal(h, tm.tm_hour);
		assert_int_equal(mi, tm.tm_min);
		assert_int_equal(se, tm.tm_sec);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_make_utf8_replaces_only_what_is_broken),
		cmocka_unit_test(test_a_nul_in_a_nested_string_is_named),
		cmocka_unit_test(test_top_level_strings_and_unknown_fields),
		cmocka_unit_test(test_copy_join_and_numbers_match_snprintf),
		cmocka_unit_test(test_time_us),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests for client/print.c: JSON and CSV escaping and the three
 * renderings of a Table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "print.h"

/* Capture what fn writes for s into a malloc'd string. */
static char *
capture(void (*fn)(FILE *, const char *), const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fn(f, s);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void
expect_json(const char *in, const char *want)
{
	char *got = capture(print_json_string, in);

	assert_string_equal(got, want);
	free(got);
}

static void
expect_csv(const char *in, const char *want)
{
	char *got = capture(print_csv_field, in);

	assert_string_equal(got, want);
	free(got);
}

static void
test_json_escaping(void **state)
{
	(void)state;
	expect_json(NULL, "null");
	expect_json("", "\"\"");
	expect_json("plain", "\"plain\"");
	expect_json("say \"hi\"", "\"say \\\"hi\\\"\"");
	expect_json("back\\slash", "\"back\\\\slash\"");
	expect_json("a\nb\tc\rd\be\ff", "\"a\\nb\\tc\\rd\\be\\ff\"");
	expect_json("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
	expect_json("/ stays", "\"/ stays\"");
	/* Valid UTF-8 passes through unchanged. */
	expect_json("Müller – 日本 😀", "\"Müller – 日本 😀\"");
	/* Anything else becomes U+FFFD, one per bad byte. */
	expect_json("a\xff" "b", "\"a\\ufffdb\"");
	expect_json("\xc3", "\"\\ufffd\"");                      /* cut short */
	expect_json("\xc0\xaf", "\"\\ufffd\\ufffd\"");           /* overlong */
	expect_json("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""); /* surrogate */
	expect_json("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* > U+10FFFF */
	expect_json("\x80x", "\"\\ufffdx\"");                    /* stray continuation */
}

static void
test_csv_quoting(void **state)
{
	(void)state;
	expect_csv(NULL, "");
	expect_csv("", "");
	expect_csv("plain text", "plain text");
	expect_csv("a,b", "\"a,b\"");
	expect_csv("say \"hi\"", "\"say \"\"hi\"\"\"");
	expect_csv("\"", "\"\"\"\"");
	expect_csv("two\nlines", "\"two\nlines\"");
	expect_csv("cr\r", "\"cr\r\"");
	expect_csv(" spaced ", " spaced ");
	expect_csv("Müller", "Müller");
}

static Table *
sample(void)
{
	static const char *const headers[] = {"id", "name", "note"};
	static const char *const r1[] = {"1", "Müller", "a,b"};
	static const char *const r2[] = {"22", "O\"Brien", NULL};
	Table *t = table_new(3, headers);

	assert_non_null(t);
	assert_true(table_add_row(t, r1));
	assert_true(table_add_row(t, r2));
	assert_int_equal(table_rows(t), 2);
	return t;
}

static char *
render(const Table *t, PrintFormat f, bool record)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	if (record)
		assert_true(table_print_record(t, f, out));
	else
		assert_true(table_print(t, f, out));
	assert_int_equal(fclose(out), 0);
	return buf;
}

static void
expect_render(const Table *t, PrintFormat f, bool record, const char *want)
{
	char *got = render(t, f, record);

	assert_string_equal(got, want);
	free(got);
}

static void
test_table_text_aligned(void **state)
{
	Table *t = sample();

	(void)state;
	/* Widths count characters, not bytes: "Müller" is six columns. The
	 * last column is not padded and empty trailing cells leave no blanks. */
	expect_render(t, PRINT_TEXT, false,
		      "ID  NAME     NOTE\n"
		      "1   Müller   a,b\n"
		      "22  O\"Brien\n");
	table_free(t);
}

static void
test_table_json(void **state)
{
	Table *t = sample();

	(void)state;
	expect_render(t, PRINT_JSON, false,
		      "[{\"id\":\"1\",\"name\":\"Müller\",\"note\":\"a,b\"},"
		      "{\"id\":\"22\",\"name\":\"O\\\"Brien\",\"note\":null}]\n");
	expect_render(t, PRINT_JSON, true,
		      "{\"id\":\"1\",\"name\":\"Müller\",\"note\":\"a,b\"}\n");
	table_free(t);
}

static void
test_table_csv(void **state)
{
	Table *t = sample();

	(void)state;
	expect_render(t, PRINT_CSV, false,
		      "id,name,note\r\n"
		      "1,Müller,\"a,b\"\r\n"
		      "22,\"O\"\"Brien\",\r\n");
	expect_render(t, PRINT_CSV, true, "id,name,note\r\n1,Müller,\"a,b\"\r\n");
	table_free(t);
}

static void
test_table_record_text(void **state)
{
	Table *t = sample();

	(void)state;
	expect_render(t, PRINT_TEXT, true,
		      "id:   1\n"
		      "name: Müller\n"
		      "note: a,b\n");
	table_free(t);
}

static void
test_table_empty(void **state)
{
	static const char *const headers[] = {"id", "name"};
	Table *t = table_new(2, headers);

	(void)state;
	expect_render(t, PRINT_TEXT, false, "ID  NAME\n");
	expect_render(t, PRINT_JSON, false, "[]\n");
	expect_render(t, PRINT_CSV, false, "id,name\r\n");
	table_free(t);
	table_free(NULL);
}

static void
test_text_sanitized(void **state)
{
	static const char *const headers[] = {"x", "y"};
	static const char *const row[] = {"\x1b[31mred\ttab", "\xc2\x9b" "2J\nz"};
	Table *t = table_new(2, headers);

	(void)state;
	assert_true(table_add_row(t, row));
	/* No escape byte, CSI or newline from a cell reaches the terminal. */
	expect_render(t, PRINT_TEXT, false,
		      "X             Y\n"
		      "?[31mred tab  ?2J z\n");
	assert_int_equal(print_text_width("\xc2\x9b" "2J\nz"), 5);
	table_free(t);
}

static void
test_many_rows(void **state)
{
	static const char *const headers[] = {"n"};
	Table *t = table_new(1, headers);
	char num[16];
	char *out;

	(void)state;
	for (int i = 0; i < 1000; i++) {
		const char *row[1] = {num};

		snprintf(num, sizeof num, "%d", i);
		assert_true(table_add_row(t, row));
	}
	assert_int_equal(table_rows(t), 1000);
	out = render(t, PRINT_CSV, false);
	assert_non_null(strstr(out, "\r\n999\r\n"));
	free(out);
	table_free(t);
}

static void
test_json_kinds(void **state)
{
	static const char *const headers[] = {"code", "capacity", "hours", "full", "fee", "note"};
	static const char *const r1[] = {"MPM", "25", "7.5", "true", "17950.00", "x"};
	static const char *const r2[] = {"007", "", "n/a", "yes", "-1e+20", NULL};
	Table *t = table_new(6, headers);

	(void)state;
	assert_non_null(t);
	table_set_kind(t, 1, CELL_NUMBER);
	table_set_kind(t, 2, CELL_NUMBER);
	table_set_kind(t, 3, CELL_BOOL);
	table_set_kind(t, 4, CELL_NUMBER);
	assert_true(table_add_row(t, r1));
	assert_true(table_add_row(t, r2));
	/* Numbers and truth values as JSON has them; a cell that is not one
	 * stays a string, an empty one is null; text columns are untouched. */
	expect_render(t, PRINT_JSON, false,
		      "[{\"code\":\"MPM\",\"capacity\":25,\"hours\":7.5,\"full\":true,"
		      "\"fee\":17950.00,\"note\":\"x\"},"
		      "{\"code\":\"007\",\"capacity\":null,\"hours\":\"n/a\",\"full\":\"yes\","
		      "\"fee\":-1e+20,\"note\":null}]\n");
	/* CSV says what the cells say. */
	expect_render(t, PRINT_CSV, true,
		      "code,capacity,hours,full,fee,note\r\nMPM,25,7.5,true,17950.00,x\r\n");
	table_free(t);

	assert_true(print_is_json_number("0"));
	assert_true(print_is_json_number("-0.5"));
	assert_true(print_is_json_number("1E5"));
	assert_false(print_is_json_number("01"));
	assert_false(print_is_json_number("1."));
	assert_false(print_is_json_number(".5"));
	assert_false(print_is_json_number("inf"));
	assert_false(print_is_json_number("nan"));
	assert_false(print_is_json_number("1e"));
	assert_false(print_is_json_number(""));
	assert_false(print_is_json_number(NULL));
}

static void
test_table_width(void **state)
{
	static const char *const headers[] = {"id", "title", "place", "n"};
	static const char title[] =
		"A symposium on change management in municipal care, with a long subtitle";
	static const char place[] = "Tilburg, the big lecture hall on the ground floor of building C";
	static const char *const r1[] = {"0f8fad5b-d9cb-469f", title, "Amsterdam", "3"};
	static const char *const r2[] = {"b2", "Short", place, "12"};
	Table *t = table_new(4, headers);
	char *out, *line;
	size_t longest = 0;

	(void)state;
	assert_true(table_add_row(t, r1));
	assert_true(table_add_row(t, r2));
	/* Without a width nothing is cut. */
	out = render(t, PRINT_TEXT, false);
	assert_non_null(strstr(out, "with a long subtitle"));
	free(out);

	table_set_width(t, 60);
	out = render(t, PRINT_TEXT, false);
	for (line = out; *line != '\0';) {
		size_t n = strcspn(line, "\n");
		char *copy = strndup(line, n);

		if (print_text_width(copy) > longest)
			longest = print_text_width(copy);
		free(copy);
		line += n + (line[n] == '\n');
	}
	/* Both long columns of text narrowed, each cut with an ellipsis; the
	 * ids, the numbers and the headers as they were. */
	assert_true(longest <= 60);
	assert_non_null(strstr(out, "ID                  TITLE"));
	assert_non_null(strstr(out, "0f8fad5b-d9cb-469f  A symposium on c\u2026  Amsterdam          3\n"));
	assert_non_null(strstr(out, "b2                  Short              "
				    "Tilburg, the big\u2026  12\n"));
	assert_null(strstr(out, "subtitle"));
	assert_null(strstr(out, "building C"));
	free(out);

	/* Columns of text narrow no further than their headers or 8
	 * characters; a column of single words, such as ids, not at all. */
	table_set_width(t, 10);
	out = render(t, PRINT_TEXT, false);
	assert_non_null(strstr(out, "0f8fad5b-d9cb-469f  A sympo\u2026  Amsterd\u2026  3\n"));
	free(out);
	table_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_escaping),
		cmocka_unit_test(test_csv_quoting),
		cmocka_unit_test(test_table_text_aligned),
		cmocka_unit_test(test_table_json),
		cmocka_unit_test(test_table_csv),
		cmocka_unit_test(test_table_record_text),
		cmocka_unit_test(test_table_empty),
		cmocka_unit_test(test_text_sanitized),
		cmocka_unit_test(test_many_rows),
		cmocka_unit_test(test_json_kinds),
		cmocka_unit_test(test_table_width),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * print.h: output for people and for scripts.
 *
 * A command that returns records fills a Table (column names and rows of
 * strings) and prints it in the format the user chose:
 *   PRINT_TEXT  aligned columns under upper-cased headers, for a terminal;
 *               control characters in cells are replaced so that data from
 *               the server cannot move the cursor or recolour the screen.
 *   PRINT_JSON  a JSON array of objects keyed by column name, or one object;
 *               all values are strings, a NULL cell is null; invalid UTF-8
 *               becomes U+FFFD so the output is always valid JSON.
 *   PRINT_CSV   RFC 4180: a header line, then one line per row, CRLF line
 *               ends, fields quoted when they hold a comma, quote, CR or LF.
 */
#ifndef TRIAD_CLIENT_PRINT_H
#define TRIAD_CLIENT_PRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum PrintFormat {
	PRINT_TEXT = 0,
	PRINT_JSON,
	PRINT_CSV,
} PrintFormat;

/* Columns and rows of strings; every string is copied in. */
typedef struct Table Table;

/*
 * A table with ncols columns named by headers[0..ncols-1] (lower-case
 * snake_case names read best: they are JSON keys and CSV headers as given,
 * and upper-cased for the terminal). Returns NULL when out of memory.
 */
Table *table_new(size_t ncols, const char *const *headers);

/* Free the table and its strings. NULL is a no-op. */
void table_free(Table *t);

/*
 * Append a row of ncols cells, copying them; a NULL cell means "no value".
 * Fails only when out of memory, leaving the table as it was.
 */
__attribute__((warn_unused_result))
bool table_add_row(Table *t, const char *const *cells);

/* Number of rows added so far. */
size_t table_rows(const Table *t);

/*
 * Print all rows to out: a text table, a JSON array (followed by a newline)
 * or CSV with a header line. Returns false when writing to out failed.
 */
__attribute__((warn_unused_result))
bool table_print(const Table *t, PrintFormat format, FILE *out);

/*
 * Print the first row as one record, for commands that show one thing:
 * "name: value" lines with aligned values, a single JSON object, or CSV with
 * a header line. The table must have at least one row. Returns false when
 * writing to out failed.
 */
__attribute__((warn_unused_result))
bool table_print_record(const Table *t, PrintFormat format, FILE *out);

/*
 * Building blocks for JSON with nested lists, such as an object with an
 * array of objects in one member: the members of row (`"k":"v",...`,
 * without braces), and all rows as an array (without a newline).
 */
void table_print_json_members(const Table *t, size_t row, FILE *out);
void table_print_json_array(const Table *t, FILE *out);

/* Write s as a JSON string literal, quotes included; NULL writes null. */
void print_json_string(FILE *out, const char *s);

/* Write s as one CSV field, quoted only when RFC 4180 requires it. */
void print_csv_field(FILE *out, const char *s);

/*
 * Write s for a terminal: tab, CR and LF become spaces and other control
 * characters (C0, DEL, C1) a question mark, so text from the server cannot
 * send escape sequences. NULL writes nothing.
 */
void print_sanitized(FILE *out, const char *s);

/*
 * s as one word for a POSIX shell, for commands printed for the user to
 * run: s itself when it holds only letters, digits and "%+,./:=@_-",
 * otherwise s in single quotes (each ' written as '\''), in buf. Returns
 * s or buf. A quoted result that does not fit in len bytes is cut short.
 */
const char *print_shell_word(const char *s, char *buf, size_t len);

/*
 * Columns that s takes on a terminal after control characters have been
 * replaced: one per UTF-8 character (wide characters are not special-cased).
 */
size_t print_text_width(const char *s);

#endif

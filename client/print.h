/*
 * print.h: output for people and for scripts.
 *
 * A command that returns records fills a Table (column names and rows of
 * strings) and prints it in the format the user chose:
 *   PRINT_TEXT  aligned columns under upper-cased headers, for a terminal;
 *               control characters in cells are replaced so that data from
 *               the server cannot move the cursor or recolour the screen.
 *               A table given a width (table_set_width) is kept to it by
 *               narrowing its widest columns, whose cells are then cut
 *               short with an ellipsis.
 *   PRINT_JSON  a JSON array of objects keyed by column name, or one object;
 *               values are strings, but for the columns marked as numbers
 *               or truth values (table_set_kind), and a NULL cell is null;
 *               invalid UTF-8 becomes U+FFFD so the output is always valid
 *               JSON.
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
 * What the cells of a column are, for JSON: text (a string), numbers (a
 * JSON number, written as the cell spells it: 7.5, 17950.00) or truth
 * values (true or false). A cell that is not what its column says, such as
 * an empty one in a column of numbers, is written as null for an empty
 * cell and as a string otherwise. Text and CSV show every cell as it is.
 */
typedef enum CellKind {
	CELL_TEXT = 0,
	CELL_NUMBER,
	CELL_BOOL,
} CellKind;

/* How wide the client keeps its text tables unless told --wide (table_set_width()). */
#define PRINT_TABLE_WIDTH 100

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

/* Say what column col holds (CELL_TEXT until then). */
void table_set_kind(Table *t, size_t col, CellKind kind);

/*
 * Keep the text rendering to width columns (0, the default: no limit).
 * When the columns do not fit, the widest column of text (one with white
 * space in some cell: names, titles, questions) is narrowed one place at a
 * time, but not below its header's width or 8, and a cell wider than its
 * column is cut to a character less than the column and ends in "\u2026"
 * (an ellipsis). Columns of single words (ids, e-mail addresses, codes,
 * dates) stay whole: they are what people copy. A table that cannot narrow
 * enough is printed as narrow as it goes.
 */
void table_set_width(Table *t, size_t width);

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

/*
 * Write the cell s of a column of kind as a JSON value (see CellKind): a
 * number or true/false as they are when s is one, null for NULL, and a
 * string otherwise.
 */
void print_json_value(FILE *out, const char *s, CellKind kind);

/* True when s is a number as JSON writes them: -12, 7.5, 1e+20. */
bool print_is_json_number(const char *s);

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

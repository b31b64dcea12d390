/*
 * print.c: tables as aligned text, JSON and CSV.
 */
#include "print.h"

#include <assert.h>
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct Table {
	size_t ncols;
	char **headers;  /* ncols owned strings */
	CellKind *kinds; /* ncols, owned */
	char **cells;    /* nrows * ncols owned strings or NULL, row-major */
	size_t nrows;
	size_t cap;      /* rows that cells has room for */
	size_t width;    /* the text rendering's limit; 0 for none */
};

Table *
table_new(size_t ncols, const char *const *headers)
{
	Table *t;

	assert(ncols > 0);
	t = calloc(1, sizeof *t);
	if (t == NULL)
		return NULL;
	t->ncols = ncols;
	t->headers = calloc(ncols, sizeof *t->headers);
	t->kinds = calloc(ncols, sizeof *t->kinds);
	if (t->headers == NULL || t->kinds == NULL) {
		free(t->headers);
		free(t->kinds);
		free(t);
		return NULL;
	}
	for (size_t i = 0; i < ncols; i++) {
		t->headers[i] = strdup(headers[i]);
		if (t->headers[i] == NULL) {
			table_free(t);
			return NULL;
		}
	}
	return t;
}

void
table_free(Table *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	if (t->headers != NULL)
		for (size_t i = 0; i < t->ncols; i++)
			free(t->headers[i]);
	free(t->headers);
	free(t->kinds);
	free(t);
}

void
table_set_kind(Table *t, size_t col, CellKind kind)
{
	assert(col < t->ncols);
	t->kinds[col] = kind;
}

void
table_set_width(Table *t, size_t width)
{
	t->width = width;
}

bool
table_add_row(Table *t, const char *const *cells)
{
	char **row;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **grown;

		if (cap > SIZE_MAX / sizeof *grown / t->ncols)
			return false;
		grown = realloc(t->cells, cap * t->ncols * sizeof *grown);
		if (grown == NULL)
			return false;
		t->cells = grown;
		t->cap = cap;
	}
	row = t->cells + t->nrows * t->ncols;
	for (size_t i = 0; i < t->ncols; i++) {
		row[i] = NULL;
		if (cells[i] != NULL && (row[i] = strdup(cells[i])) == NULL) {
			while (i-- > 0)
				free(row[i]);
			return false;
		}
	}
	t->nrows++;
	return true;
}

size_t
table_rows(const Table *t)
{
	return t->nrows;
}

/*
 * Length of the well-formed UTF-8 sequence at s (1..4), or 0 when the bytes
 * there are not one (stray continuation byte, overlong form, surrogate,
 * beyond U+10FFFF, or cut short).
 */
static size_t
utf8_sequence(const unsigned char *s)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;

		return s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;

		return s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 &&
			       (s[3] & 0xC0) == 0x80 ? 4 : 0;
	}
	return 0;
}

void
print_json_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (s == NULL) {
		fputs("null", out);
		return;
	}
	putc('"', out);
	while (*p != '\0') {
		size_t n = utf8_sequence(p);

		if (n == 0) {
			fputs("\\ufffd", out);
			p++;
			continue;
		}
		if (n > 1) {
			fwrite(p, 1, n, out);
			p += n;
			continue;
		}
		switch (*p) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\b': fputs("\\b", out); break;
		case '\f': fputs("\\f", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (*p < 0x20 || *p == 0x7F)
				fprintf(out, "\\u%04x", *p);
			else
				putc(*p, out);
		}
		p++;
	}
	putc('"', out);
}

bool
print_is_json_number(const char *s)
{
	const char *p = s;

	if (s == NULL)
		return false;
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		p += strspn(p, "0123456789");
	else
		return false;
	if (*p == '.') {
		size_t n = strspn(++p, "0123456789");

		if (n == 0)
			return false;
		p += n;
	}
	if (*p == 'e' || *p == 'E') {
		size_t n;

		p++;
		if (*p == '+' || *p == '-')
			p++;
		if ((n = strspn(p, "0123456789")) == 0)
			return false;
		p += n;
	}
	return *p == '\0';
}

void
print_json_value(FILE *out, const char *s, CellKind kind)
{
	bool as_is = false;

	switch (kind) {
	case CELL_TEXT:
		break;
	case CELL_NUMBER:
		as_is = print_is_json_number(s);
		break;
	case CELL_BOOL:
		as_is = s != NULL && (strcmp(s, "true") == 0 || strcmp(s, "false") == 0);
		break;
	}
	if (as_is)
		fputs(s, out);
	else if (kind != CELL_TEXT && s != NULL && s[0] == '\0')
		fputs("null", out);
	else
		print_json_string(out, s);
}

void
print_csv_field(FILE *out, const char *s)
{
	if (s == NULL)
		return;
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, out);
		return;
	}
	putc('"', out);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			putc('"', out);
		putc(*s, out);
	}
	putc('"', out);
}

/* What a byte of cell text looks like on a terminal: layout whitespace
 * becomes a space, other control characters a question mark. */
static int
text_char(unsigned char c)
{
	if (c == '\t' || c == '\n' || c == '\r')
		return ' ';
	if (c < 0x20 || c == 0x7F)
		return '?';
	return c;
}

size_t
print_text_width(const char *s)
{
	size_t w = 0;

	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++)
		if ((*p & 0xC0) != 0x80)
			w++;
	return w;
}

/*
 * Write s for a terminal and pad it with spaces to width columns. C0 and C1
 * control characters never reach the terminal (see text_char); U+0080..U+009F
 * arrive as the two bytes C2 80..C2 9F. With limit (> 0), s takes at most
 * limit columns: a longer one is cut to limit - 1 and ends in an ellipsis.
 */
static void
text_cell_cut(FILE *out, const char *s, size_t width, size_t limit, bool upper)
{
	size_t w = print_text_width(s), shown = 0;
	bool cut = limit > 0 && w > limit;

	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
		int c = text_char(*p);

		if ((*p & 0xC0) != 0x80 && cut && shown++ == limit - 1)
			break;
		if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) {
			c = '?';
			p++;
		}
		putc(upper ? toupper(c) : c, out);
	}
	if (cut) {
		fputs("\u2026", out);
		w = limit;
	}
	for (; w < width; w++)
		putc(' ', out);
}

static void
text_cell(FILE *out, const char *s, size_t width, bool upper)
{
	text_cell_cut(out, s, width, 0, upper);
}

void
print_sanitized(FILE *out, const char *s)
{
	text_cell(out, s, 0, false);
}

const char *
print_shell_word(const char *s, char *buf, size_t len)
{
	size_t used = 0;

	if (s[0] != '\0' && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "0123456789%+,./:=@_-") == strlen(s))
		return s;
	if (len == 0)
		return buf;
	buf[used++] = '\'';
	for (; *s != '\0' && used + 5 < len; s++) {
		if (*s == '\'') {
			memcpy(buf + used, "'\\''", 4);
			used += 4;
		} else
			buf[used++] = *s;
	}
	if (used + 1 < len)
		buf[used++] = '\'';
	buf[used < len ? used : len - 1] = '\0';
	return buf;
}

static const char *
cell(const Table *t, size_t row, size_t col)
{
	return t->cells[row * t->ncols + col];
}

/*
 * The narrowest column col, natural columns wide, may become: a column of
 * text (some cell has white space in it) down to its header or 8, and a
 * column of single words (ids, e-mail addresses, codes, dates: what people
 * copy, and what a cut would make useless) not at all.
 */
static size_t
narrowest(const Table *t, size_t col, size_t natural)
{
	size_t floor = print_text_width(t->headers[col]);
	bool text = false;

	for (size_t r = 0; r < t->nrows && !text; r++) {
		const char *s = cell(t, r, col);

		text = s != NULL && strpbrk(s, " \t\r\n") != NULL;
	}
	if (!text)
		return natural;
	if (floor < 8)
		floor = 8;
	return natural < floor ? natural : floor;
}

/*
 * Narrow the columns of widths width[0..n-1] (two spaces between them)
 * until they fit in limit, the widest first, as table_set_width() says.
 */
static void
fit_columns(const Table *t, size_t *width, size_t limit)
{
	size_t total = 2 * (t->ncols - 1), *floor = calloc(t->ncols, sizeof *floor);

	if (floor == NULL)
		return;
	for (size_t c = 0; c < t->ncols; c++) {
		total += width[c];
		floor[c] = narrowest(t, c, width[c]);
	}
	while (total > limit) {
		size_t widest = t->ncols;

		for (size_t c = 0; c < t->ncols; c++)
			if (width[c] > floor[c] && (widest == t->ncols || width[c] > width[widest]))
				widest = c;
		if (widest == t->ncols)
			break;
		width[widest]--;
		total--;
	}
	free(floor);
}

static bool
print_text(const Table *t, FILE *out)
{
	size_t *width = calloc(t->ncols, sizeof *width);
	size_t c, r;

	if (width == NULL)
		return false;
	for (c = 0; c < t->ncols; c++) {
		width[c] = print_text_width(t->headers[c]);
		for (r = 0; r < t->nrows; r++) {
			size_t w = print_text_width(cell(t, r, c));

			if (w > width[c])
				width[c] = w;
		}
	}
	if (t->width > 0)
		fit_columns(t, width, t->width);
	/*
	 * Row 0 is the header line. A line ends after its last non-empty cell,
	 * unpadded, so that no line carries trailing blanks.
	 */
	for (r = 0; r <= t->nrows; r++) {
		size_t end = t->ncols;

		while (r > 0 && end > 1 && print_text_width(cell(t, r - 1, end - 1)) == 0)
			end--;
		for (c = 0; c < end; c++) {
			bool last = c + 1 == end;
			const char *s = r == 0 ? t->headers[c] : cell(t, r - 1, c);

			text_cell_cut(out, s, last ? 0 : width[c], t->width > 0 ? width[c] : 0,
				      r == 0);
			if (!last)
				fputs("  ", out);
		}
		putc('\n', out);
	}
	free(width);
	return true;
}

void
table_print_json_members(const Table *t, size_t row, FILE *out)
{
	for (size_t c = 0; c < t->ncols; c++) {
		if (c > 0)
			putc(',', out);
		print_json_string(out, t->headers[c]);
		putc(':', out);
		print_json_value(out, cell(t, row, c), t->kinds[c]);
	}
}

static void
print_json_row(const Table *t, size_t row, FILE *out)
{
	putc('{', out);
	table_print_json_members(t, row, out);
	putc('}', out);
}

void
table_print_json_array(const Table *t, FILE *out)
{
	putc('[', out);
	for (size_t r = 0; r < t->nrows; r++) {
		if (r > 0)
			putc(',', out);
		print_json_row(t, r, out);
	}
	putc(']', out);
}

static void
print_csv_line(FILE *out, const char *const *fields, size_t n)
{
	for (size_t c = 0; c < n; c++) {
		if (c > 0)
			putc(',', out);
		print_csv_field(out, fields[c]);
	}
	fputs("\r\n", out);
}

bool
table_print(const Table *t, PrintFormat format, FILE *out)
{
	switch (format) {
	case PRINT_TEXT:
		if (!print_text(t, out))
			return false;
		break;
	case PRINT_JSON:
		table_print_json_array(t, out);
		putc('\n', out);
		break;
	case PRINT_CSV:
		print_csv_line(out, (const char *const *)t->headers, t->ncols);
		for (size_t r = 0; r < t->nrows; r++)
			print_csv_line(out, (const char *const *)t->cells + r * t->ncols, t->ncols);
		break;
	}
	return fflush(out) == 0 && !ferror(out);
}

bool
table_print_record(const Table *t, PrintFormat format, FILE *out)
{
	size_t width = 0;

	assert(t->nrows >= 1);
	switch (format) {
	case PRINT_TEXT:
		for (size_t c = 0; c < t->ncols; c++)
			if (print_text_width(t->headers[c]) > width)
				width = print_text_width(t->headers[c]);
		for (size_t c = 0; c < t->ncols; c++) {
			text_cell(out, t->headers[c], 0, false);
			putc(':', out);
			text_cell(out, "", width - print_text_width(t->headers[c]) + 1, false);
			text_cell(out, cell(t, 0, c), 0, false);
			putc('\n', out);
		}
		break;
	case PRINT_JSON:
		print_json_row(t, 0, out);
		putc('\n', out);
		break;
	case PRINT_CSV:
		print_csv_line(out, (const char *const *)t->headers, t->ncols);
		print_csv_line(out, (const char *const *)t->cells, t->ncols);
		break;
	}
	return fflush(out) == 0 && !ferror(out);
}

/*
 * fields.h: messages of the contract filled from options and printed as
 * cells, by their protobuf-c descriptors, so that a command need not spell
 * out each field (see call.h for the commands built on it).
 *
 * Options to fields. --duration-months fills duration_months: dashes
 * become underscores. When no field has that name, the first of NAME_id,
 * NAMEs, NAME_codes, NAME_cents and NAME_on that exists is taken:
 * --programme fills programme_id, --specialisation specialisations, --line
 * line_codes, --fee fee_cents, --starts starts_on. --no-NAME sets the bool
 * field NAME names to false. A command may rename further
 * ("start=start_moments") or say that an option fills no field ("reject=").
 *
 * Values. Strings as given; whole numbers (from 0) and numbers (7.5) in
 * decimal; enums by their words (names_of() in names.h); bools are flags;
 * a *_cents field is an amount in euros: "17950", "17,950.00", "17950.5"
 * or "EUR 17,950". A time (a *_at field, since) as people type it,
 * "2026-10-01 14:00" in their time zone or RFC 3339, sent in UTC (when.h),
 * in the field and in its *_us twin.
 * A number alone in its oneof (PRESENCE in access.proto) is marked given,
 * so that 0 is sent. A repeated field gets every occurrence of its option
 * in order, and an empty value adds nothing, so that --staff '' empties
 * the list.
 *
 * Cells. Strings as they are, times in the reader's time zone with the
 * offset (when.h), repeated values joined by ", "; numbers in decimal,
 * which JSON writes as numbers and not strings; enums
 * labelled ("intake planned") on a terminal and named ("intake-planned")
 * in JSON and CSV; bools yes/no on a terminal, true/false otherwise; a
 * *_cents field as "EUR 17,950.00" on a terminal and "17950.00" otherwise,
 * in a column named without the suffix ("fee"). Fields that hold messages
 * are not cells. A time's *_us twin is no cell of its own: the time shows
 * once, under the text field's name, from *_us when the server sent it.
 */
#ifndef TRIAD_CLIENT_FIELDS_H
#define TRIAD_CLIENT_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <protobuf-c/protobuf-c.h>

#include "print.h"

/* The most columns a message has here; more are left out. */
#define FIELDS_MAX_COLUMNS 32

typedef enum FieldsResult {
	FIELDS_OK = 0,
	FIELDS_INVALID,   /* the value does not fit the field; why says how */
	FIELDS_NO_MEMORY,
} FieldsResult;

/*
 * A message of type d with every field at its default, to be freed with
 * fields_free() together with everything the fields_set*() functions put
 * in it. NULL when out of memory.
 */
ProtobufCMessage *fields_new(const ProtobufCMessageDescriptor *d);

/* Free a message from fields_new() or from unpacking. NULL is a no-op. */
void fields_free(ProtobufCMessage *m);

/* The field an option fills. */
typedef struct FieldsOption {
	const ProtobufCFieldDescriptor *field; /* NULL: the option fills no field */
	bool negate;                           /* --no-NAME of a bool field */
} FieldsOption;

/*
 * The field of d that --option fills (see the top of this file), with
 * renames a space-separated list of "option=field" and "option=" words.
 * False when the option names no field and renames does not say so.
 */
__attribute__((warn_unused_result))
bool fields_for_option(const ProtobufCMessageDescriptor *d, const char *option,
		       const char *renames, FieldsOption *out);

/*
 * Set field f of m from the text values[0..n-1]: the last of them for a
 * single field, all but empty ones for a repeated one, which they replace.
 * On FIELDS_INVALID why says what was wrong ("'x' (expected a number such
 * as 7.5)" or, for an enum, which words are valid) and m is unchanged.
 */
__attribute__((warn_unused_result))
FieldsResult fields_set(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
			const char *const *values, size_t n, char *why, size_t whylen);

/* Set a bool field. */
void fields_set_bool(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, bool value);

/*
 * Set the field called name, when m has one, to a copy of value (a string
 * field) or to value (a whole number field). False only when out of memory.
 */
__attribute__((warn_unused_result))
bool fields_set_named(ProtobufCMessage *m, const char *name, const char *value);
void fields_set_named_int(ProtobufCMessage *m, const char *name, int64_t value);

/* The string field called name, or "" when m has none. */
const char *fields_get_named(const ProtobufCMessage *m, const char *name);

/*
 * Put sub in the message field f of m, freeing what was there; m owns sub
 * from now on. For a field of a oneof, the oneof's case is set to f.
 */
void fields_put_message(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
			ProtobufCMessage *sub);

/*
 * The message in field f of m (NULL when unset), and with take, taken out
 * of m, which then no longer frees it.
 */
ProtobufCMessage *fields_message(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
				 bool take);

/*
 * The int64 field X_us of d that holds the time of the string field X
 * (microseconds since the epoch; X is its deprecated text twin), or NULL.
 * fields_is_time_us() says whether f is such an X_us: lists and JSON
 * show the time once, under X, taken from X_us when it is set.
 */
const ProtobufCFieldDescriptor *fields_time_us(const ProtobufCMessageDescriptor *d,
					       const ProtobufCFieldDescriptor *f);
bool fields_is_time_us(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f);

/* The first repeated message field of d, such as the programmes of a reply; or NULL. */
const ProtobufCFieldDescriptor *fields_items(const ProtobufCMessageDescriptor *d);

/*
 * Parse an amount in euros (see the top of this file) into cents: digits,
 * optionally grouped in threes by commas, optionally a point and one or
 * two decimals, optionally after "EUR" or "€". False for anything else,
 * negative amounts and amounts too large to count in cents.
 */
__attribute__((warn_unused_result))
bool fields_parse_money(const char *s, int64_t *cents);

/*
 * cents as euros with two decimals: "EUR 17,950.00" for a terminal,
 * "17950.00" for JSON and CSV. Returns buf.
 */
const char *fields_format_money(int64_t cents, PrintFormat format, char *buf, size_t len);

/* Parse a finite number from 0, such as "60" or "7.5", with nothing around it. */
__attribute__((warn_unused_result))
bool fields_parse_number(const char *s, double *out);

/* The column name of f: its name, without the _cents of an amount. Returns buf. */
const char *fields_header(const ProtobufCFieldDescriptor *f, char *buf, size_t len);

/*
 * The fields of d that are cells, in order, into out[0..max-1]; with only
 * (space-separated column names) just those, in that order. Returns how
 * many; names in only that are no column are left out.
 */
size_t fields_columns(const ProtobufCMessageDescriptor *d, const char *only,
		      const ProtobufCFieldDescriptor **out, size_t max);

/*
 * What f's cells are in JSON: numbers (whole numbers, numbers, amounts),
 * truth values (bools), or text (strings, enums, and every repeated field,
 * whose cells join its values).
 */
CellKind fields_kind(const ProtobufCFieldDescriptor *f);

/* Field f of m as a cell, malloc'd; NULL when out of memory. */
char *fields_cell(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
		  PrintFormat format);

/*
 * Write m to out as a JSON object: every cell as a member (as fields_cell()
 * with PRINT_JSON, of the kind fields_kind() says), a message field as an
 * object or null, a repeated one as an array of objects.
 */
void fields_print_json(FILE *out, const ProtobufCMessage *m);

/*
 * The next word of the space-separated *list into buf, moving *list past
 * it. False at the end of the list (or when list is NULL).
 */
bool fields_next_word(const char **list, char *buf, size_t len);

#endif

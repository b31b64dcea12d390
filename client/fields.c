/*
 * fields.c: messages filled from options and printed as cells, by their
 * descriptors (see fields.h).
 */
#include "fields.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "names.h"
#include "when.h"

/* The member of message m at byte offset off. */
#define MEMBER(m, off) ((void *)((char *)(m) + (off)))
#define CMEMBER(m, off) ((const void *)((const char *)(m) + (off)))

/* One value of any field type that fields_set() handles. */
typedef union Value {
	char *s;
	int32_t i32;
	uint32_t u32;
	int64_t i64;
	uint64_t u64;
	double d;
	float f;
	protobuf_c_boolean b;
	int e;
} Value;

ProtobufCMessage *
fields_new(const ProtobufCMessageDescriptor *d)
{
	ProtobufCMessage *m = malloc(d->sizeof_message);

	if (m != NULL)
		protobuf_c_message_init(d, m);
	return m;
}

void
fields_free(ProtobufCMessage *m)
{
	protobuf_c_message_free_unpacked(m, NULL);
}

bool
fields_next_word(const char **list, char *buf, size_t len)
{
	const char *p = *list;
	size_t n;

	if (p == NULL)
		return false;
	p += strspn(p, " ");
	n = strcspn(p, " ");
	if (n == 0)
		return false;
	snprintf(buf, len, "%.*s", (int)n, p);
	*list = p + n;
	return true;
}

/* The size of one value of field type t, as the generated structs hold it. */
static size_t
value_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		return 4;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return 8;
	case PROTOBUF_C_TYPE_FLOAT:
		return sizeof(float);
	case PROTOBUF_C_TYPE_DOUBLE:
		return sizeof(double);
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_ENUM:
		return sizeof(int);
	case PROTOBUF_C_TYPE_STRING:
		return sizeof(char *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(ProtobufCMessage *);
	}
	return 0;
}

static bool
is_int64(ProtobufCType t)
{
	return t == PROTOBUF_C_TYPE_INT64 || t == PROTOBUF_C_TYPE_SINT64 ||
	       t == PROTOBUF_C_TYPE_SFIXED64;
}

/* Whether f holds an amount of euro cents. */
static bool
is_money(const ProtobufCFieldDescriptor *f)
{
	size_t n = strlen(f->name);

	return is_int64(f->type) && n > 6 && strcmp(f->name + n - 6, "_cents") == 0;
}

/* The field renames gives for option, into buf ("" for none); false when it names none. */
static bool
renamed(const char *renames, const char *option, char *buf, size_t len)
{
	size_t olen = strlen(option);
	char word[128];

	while (fields_next_word(&renames, word, sizeof word)) {
		if (strncmp(word, option, olen) == 0 && word[olen] == '=') {
			snprintf(buf, len, "%s", word + olen + 1);
			return true;
		}
	}
	return false;
}

bool
fields_for_option(const ProtobufCMessageDescriptor *d, const char *option, const char *renames,
		  FieldsOption *out)
{
	static const char *const suffixes[] = {"", "_id", "s", "_codes", "_cents", "_on"};
	char name[128];

	out->field = NULL;
	out->negate = false;
	if (renamed(renames, option, name, sizeof name)) {
		if (name[0] == '\0')
			return true;
		out->field = protobuf_c_message_descriptor_get_field_by_name(d, name);
		return out->field != NULL;
	}
	if (strncmp(option, "no-", 3) == 0) {
		FieldsOption yes;

		if (fields_for_option(d, option + 3, renames, &yes) && yes.field != NULL &&
		    yes.field->type == PROTOBUF_C_TYPE_BOOL &&
		    yes.field->label != PROTOBUF_C_LABEL_REPEATED) {
			out->field = yes.field;
			out->negate = true;
			return true;
		}
	}
	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		const ProtobufCFieldDescriptor *f;

		snprintf(name, sizeof name, "%s%s", option, suffixes[i]);
		for (char *p = name; *p != '\0'; p++)
			if (*p == '-')
				*p = '_';
		f = protobuf_c_message_descriptor_get_field_by_name(d, name);
		if (f != NULL && f->type != PROTOBUF_C_TYPE_MESSAGE) {
			out->field = f;
			return true;
		}
	}
	return false;
}

bool
fields_parse_money(const char *s, int64_t *cents)
{
	const int64_t max_units = (INT64_MAX - 99) / 100;
	int64_t units = 0;
	int digits = 0, group = -1, frac = 0, nfrac = 0;

	if (s == NULL)
		return false;
	if (strncasecmp(s, "EUR", 3) == 0 || strncmp(s, "\u20ac", strlen("\u20ac")) == 0) {
		s += s[0] == 'E' || s[0] == 'e' ? 3 : strlen("\u20ac");
		s += strspn(s, " ");
	}
	/* group: digits since the last comma, or -1 before the first. */
	for (; isdigit((unsigned char)*s) || *s == ','; s++) {
		int d = *s - '0';

		if (*s == ',') {
			if (digits == 0 || (group >= 0 && group != 3) || (group < 0 && digits > 3))
				return false;
			group = 0;
			continue;
		}
		if (units > (max_units - d) / 10)
			return false;
		units = units * 10 + d;
		digits++;
		if (group >= 0)
			group++;
	}
	if (digits == 0 || (group >= 0 && group != 3))
		return false;
	if (*s == '.') {
		for (s++; isdigit((unsigned char)*s); s++) {
			if (nfrac == 2)
				return false;
			frac = frac * 10 + (*s - '0');
			nfrac++;
		}
		if (nfrac == 0)
			return false;
		if (nfrac == 1)
			frac *= 10;
	}
	if (*s != '\0')
		return false;
	*cents = units * 100 + frac;
	return true;
}

const char *
fields_format_money(int64_t cents, PrintFormat format, char *buf, size_t len)
{
	uint64_t v = cents < 0 ? -(uint64_t)cents : (uint64_t)cents;
	char digits[32], grouped[48];
	size_t n, used = 0;

	snprintf(digits, sizeof digits, "%" PRIu64, v / 100);
	n = strlen(digits);
	for (size_t i = 0; i < n; i++) {
		if (format == PRINT_TEXT && i > 0 && (n - i) % 3 == 0)
			grouped[used++] = ',';
		grouped[used++] = digits[i];
	}
	grouped[used] = '\0';
	snprintf(buf, len, "%s%s%s.%02u", format == PRINT_TEXT ? "EUR " : "",
		 cents < 0 ? "-" : "", grouped, (unsigned)(v % 100));
	return buf;
}

bool
fields_parse_number(const char *s, double *out)
{
	size_t n = s != NULL ? strlen(s) : 0;
	char *end;
	double v;

	/* Digits and at most one point, with a digit somewhere: no signs, exponents, hex. */
	if (n == 0 || strspn(s, "0123456789.") != n || strchr(s, '.') != strrchr(s, '.') ||
	    strcspn(s, "0123456789") == n)
		return false;
	v = strtod(s, &end);
	if (*end != '\0' || !isfinite(v))
		return false;
	*out = v;
	return true;
}

/* Parse one text value for field f into v; why says what is wrong. */
static FieldsResult
parse_value(const ProtobufCFieldDescriptor *f, const char *s, Value *v, char *why, size_t len)
{
	unsigned long n;
	const char *expected = NULL;

	memset(v, 0, sizeof *v);
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING: {
		char utc[32];

		/* A time as typed, in the local zone (when.h), goes as UTC. */
		if (when_is_time_name(f->name)) {
			if (!when_parse(s, utc, sizeof utc)) {
				snprintf(why, len, "'%s' (expected a day and time such as "
					 "'2026-10-01 14:00', in %s, or RFC 3339)", s,
					 when_utc() ? "UTC" : "your time zone");
				return FIELDS_INVALID;
			}
			s = utc;
		}
		v->s = strdup(s);
		return v->s != NULL ? FIELDS_OK : FIELDS_NO_MEMORY;
	}
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		if (cli_parse_ulong(s, 0, INT32_MAX, &n))
			v->i32 = (int32_t)n;
		else
			expected = "a whole number such as 12";
		break;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		if (cli_parse_ulong(s, 0, UINT32_MAX, &n))
			v->u32 = (uint32_t)n;
		else
			expected = "a whole number such as 12";
		break;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		if (is_money(f)) {
			if (!fields_parse_money(s, &v->i64))
				expected = "euros such as 17950 or 17,950.00";
		} else if (cli_parse_ulong(s, 0, INT64_MAX, &n))
			v->i64 = (int64_t)n;
		else
			expected = "a whole number such as 12";
		break;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		if (cli_parse_ulong(s, 0, UINT64_MAX, &n))
			v->u64 = n;
		else
			expected = "a whole number such as 12";
		break;
	case PROTOBUF_C_TYPE_DOUBLE:
	case PROTOBUF_C_TYPE_FLOAT:
		if (!fields_parse_number(s, &v->d))
			expected = "a number such as 60 or 7.5";
		else if (f->type == PROTOBUF_C_TYPE_FLOAT)
			v->f = (float)v->d;
		break;
	case PROTOBUF_C_TYPE_BOOL:
		if (strcasecmp(s, "true") == 0 || strcasecmp(s, "yes") == 0)
			v->b = 1;
		else if (strcasecmp(s, "false") != 0 && strcasecmp(s, "no") != 0)
			expected = "yes or no";
		break;
	case PROTOBUF_C_TYPE_ENUM: {
		const NameMap *m = names_of(f->descriptor);

		if (m == NULL)
			return FIELDS_NO_MEMORY;
		if (!names_parse(m, s, &v->e)) {
			names_explain(m, s, why, len);
			return FIELDS_INVALID;
		}
		break;
	}
	case PROTOBUF_C_TYPE_BYTES:
	case PROTOBUF_C_TYPE_MESSAGE:
		snprintf(why, len, "'%s' (this field is not set from the command line)", s);
		return FIELDS_INVALID;
	}
	if (expected != NULL) {
		snprintf(why, len, "'%s' (expected %s)", s, expected);
		return FIELDS_INVALID;
	}
	return FIELDS_OK;
}

/* Free a string held by field f unless it is the field's default. */
static void
free_string(const ProtobufCFieldDescriptor *f, char *s)
{
	if (s != NULL && s != (const char *)f->default_value)
		free(s);
}

FieldsResult
fields_set(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, const char *const *values,
	   size_t n, char *why, size_t whylen)
{
	size_t size = value_size(f->type), count = 0;
	bool string = f->type == PROTOBUF_C_TYPE_STRING;
	FieldsResult rc = FIELDS_OK;
	char *arr, **old;
	size_t *quantity;
	Value v;

	if (f->label != PROTOBUF_C_LABEL_REPEATED) {
		if (n == 0)
			return FIELDS_OK;
		if ((rc = parse_value(f, values[n - 1], &v, why, whylen)) != FIELDS_OK)
			return rc;
		if (string)
			free_string(f, *(char **)MEMBER(m, f->offset));
		memcpy(MEMBER(m, f->offset), &v, size);
		if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
			*(uint32_t *)MEMBER(m, f->quantifier_offset) = f->id;
		/* A time goes as its *_us twin too, which a server reads first. */
		const ProtobufCFieldDescriptor *us = fields_time_us(m->descriptor, f);
		if (us != NULL)
			*(int64_t *)MEMBER(m, us->offset) = when_us(v.s);
		return FIELDS_OK;
	}

	arr = n > 0 ? calloc(n, size) : NULL;
	if (n > 0 && arr == NULL)
		return FIELDS_NO_MEMORY;
	for (size_t i = 0; i < n && rc == FIELDS_OK; i++) {
		if (values[i][0] == '\0')
			continue;
		if ((rc = parse_value(f, values[i], &v, why, whylen)) == FIELDS_OK)
			memcpy(arr + count++ * size, &v, size);
	}
	quantity = MEMBER(m, f->quantifier_offset);
	old = MEMBER(m, f->offset);
	if (rc != FIELDS_OK) {
		for (size_t i = 0; string && i < count; i++)
			free(((char **)arr)[i]);
		free(arr);
		return rc;
	}
	for (size_t i = 0; string && i < *quantity; i++)
		free(((char **)*old)[i]);
	free(*old);
	if (count == 0) {
		free(arr);
		arr = NULL;
	}
	*old = arr;
	*quantity = count;
	return FIELDS_OK;
}

void
fields_set_bool(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, bool value)
{
	*(protobuf_c_boolean *)MEMBER(m, f->offset) = value;
	/* A bool alone in its oneof (PRESENCE) is sent, even as false. */
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		*(uint32_t *)MEMBER(m, f->quantifier_offset) = f->id;
}

bool
fields_set_named(ProtobufCMessage *m, const char *name, const char *value)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);
	char why[8];

	if (f == NULL || f->type != PROTOBUF_C_TYPE_STRING || f->label == PROTOBUF_C_LABEL_REPEATED)
		return true;
	return fields_set(m, f, &value, 1, why, sizeof why) == FIELDS_OK;
}

void
fields_set_named_int(ProtobufCMessage *m, const char *name, int64_t value)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);

	if (f == NULL || f->label == PROTOBUF_C_LABEL_REPEATED)
		return;
	if (f->type == PROTOBUF_C_TYPE_INT32 || f->type == PROTOBUF_C_TYPE_UINT32)
		*(int32_t *)MEMBER(m, f->offset) = (int32_t)value;
	else if (is_int64(f->type) || f->type == PROTOBUF_C_TYPE_UINT64)
		*(int64_t *)MEMBER(m, f->offset) = value;
}

const char *
fields_get_named(const ProtobufCMessage *m, const char *name)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);
	const char *s;

	if (f == NULL || f->type != PROTOBUF_C_TYPE_STRING || f->label == PROTOBUF_C_LABEL_REPEATED)
		return "";
	s = *(char *const *)CMEMBER(m, f->offset);
	return s != NULL ? s : "";
}

ProtobufCMessage *
fields_message(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, bool take)
{
	ProtobufCMessage **slot = MEMBER(m, f->offset), *sub;

	if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
	    *(uint32_t *)MEMBER(m, f->quantifier_offset) != f->id)
		return NULL;
	sub = *slot;
	if (take)
		*slot = NULL;
	return sub;
}

void
fields_put_message(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, ProtobufCMessage *sub)
{
	ProtobufCMessage *old = fields_message(m, f, false);

	if (old != NULL && old != sub)
		fields_free(old);
	*(ProtobufCMessage **)MEMBER(m, f->offset) = sub;
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		*(uint32_t *)MEMBER(m, f->quantifier_offset) = f->id;
}

const ProtobufCFieldDescriptor *
fields_time_us(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f)
{
	char name[128];
	const ProtobufCFieldDescriptor *us;

	if (f->type != PROTOBUF_C_TYPE_STRING || f->label == PROTOBUF_C_LABEL_REPEATED ||
	    !when_is_time_name(f->name) || strlen(f->name) + 4 > sizeof name)
		return NULL;
	snprintf(name, sizeof name, "%s_us", f->name);
	us = protobuf_c_message_descriptor_get_field_by_name(d, name);
	return us != NULL && us->type == PROTOBUF_C_TYPE_INT64 ? us : NULL;
}

bool
fields_is_time_us(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f)
{
	char name[128];
	size_t n = strlen(f->name);
	const ProtobufCFieldDescriptor *text;

	if (f->type != PROTOBUF_C_TYPE_INT64 || n <= 3 || n >= sizeof name ||
	    strcmp(f->name + n - 3, "_us") != 0)
		return false;
	snprintf(name, sizeof name, "%.*s", (int)(n - 3), f->name);
	text = protobuf_c_message_descriptor_get_field_by_name(d, name);
	return text != NULL && fields_time_us(d, text) == f;
}

const ProtobufCFieldDescriptor *
fields_items(const ProtobufCMessageDescriptor *d)
{
	for (unsigned i = 0; i < d->n_fields; i++)
		if (d->fields[i].label == PROTOBUF_C_LABEL_REPEATED &&
		    d->fields[i].type == PROTOBUF_C_TYPE_MESSAGE)
			return &d->fields[i];
	return NULL;
}

const char *
fields_header(const ProtobufCFieldDescriptor *f, char *buf, size_t len)
{
	size_t n = strlen(f->name);

	snprintf(buf, len, "%.*s", (int)(is_money(f) ? n - 6 : n), f->name);
	return buf;
}

size_t
fields_columns(const ProtobufCMessageDescriptor *d, const char *only,
	       const ProtobufCFieldDescriptor **out, size_t max)
{
	char word[64], header[64];
	size_t n = 0;

	if (only == NULL) {
		for (unsigned i = 0; i < d->n_fields && n < max; i++)
			if (d->fields[i].type != PROTOBUF_C_TYPE_MESSAGE &&
			    !fields_is_time_us(d, &d->fields[i]))
				out[n++] = &d->fields[i];
		return n;
	}
	while (n < max && fields_next_word(&only, word, sizeof word))
		for (unsigned i = 0; i < d->n_fields; i++)
			if (d->fields[i].type != PROTOBUF_C_TYPE_MESSAGE &&
			    strcmp(fields_header(&d->fields[i], header, sizeof header), word) == 0) {
				out[n++] = &d->fields[i];
				break;
			}
	return n;
}

/* One value of field f at p as text; a string or buf. */
static const char *
value_text(const ProtobufCFieldDescriptor *f, const void *p, PrintFormat format, char *buf,
	   size_t len)
{
	const NameMap *m;
	const char *w;

	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		w = *(char *const *)p;
		if (w != NULL && when_is_time_name(f->name))
			return when_format(w, format, buf, len);
		return w != NULL ? w : "";
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		snprintf(buf, len, "%" PRId32, *(const int32_t *)p);
		return buf;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		snprintf(buf, len, "%" PRIu32, *(const uint32_t *)p);
		return buf;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		if (is_money(f))
			return fields_format_money(*(const int64_t *)p, format, buf, len);
		snprintf(buf, len, "%" PRId64, *(const int64_t *)p);
		return buf;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		snprintf(buf, len, "%" PRIu64, *(const uint64_t *)p);
		return buf;
	case PROTOBUF_C_TYPE_DOUBLE:
		snprintf(buf, len, "%.15g", *(const double *)p);
		return buf;
	case PROTOBUF_C_TYPE_FLOAT:
		snprintf(buf, len, "%.7g", (double)*(const float *)p);
		return buf;
	case PROTOBUF_C_TYPE_BOOL:
		if (format == PRINT_TEXT)
			return *(const protobuf_c_boolean *)p ? "yes" : "no";
		return *(const protobuf_c_boolean *)p ? "true" : "false";
	case PROTOBUF_C_TYPE_ENUM:
		m = names_of(f->descriptor);
		w = m == NULL ? NULL
		    : format == PRINT_TEXT ? names_label(m, *(const int *)p)
					   : names_name(m, *(const int *)p);
		if (w != NULL)
			return w;
		snprintf(buf, len, "%d", *(const int *)p);
		return buf;
	case PROTOBUF_C_TYPE_BYTES:
	case PROTOBUF_C_TYPE_MESSAGE:
		break;
	}
	return "";
}

CellKind
fields_kind(const ProtobufCFieldDescriptor *f)
{
	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return CELL_TEXT;
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
	case PROTOBUF_C_TYPE_FLOAT:
		return CELL_NUMBER;
	case PROTOBUF_C_TYPE_BOOL:
		return CELL_BOOL;
	case PROTOBUF_C_TYPE_ENUM:
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_BYTES:
	case PROTOBUF_C_TYPE_MESSAGE:
		break;
	}
	return CELL_TEXT;
}

char *
fields_cell(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, PrintFormat format)
{
	char buf[64], *joined = NULL;
	size_t size = value_size(f->type), n, len = 0;
	const char *arr;
	FILE *out;

	const ProtobufCFieldDescriptor *us = fields_time_us(m->descriptor, f);
	if (us != NULL) {
		/* A time: from its *_us twin, shown as its text would be. */
		char text[WHEN_MAX];
		const char *t = when_us_text(*(const int64_t *)CMEMBER(m, us->offset),
					     *(char *const *)CMEMBER(m, f->offset), text, sizeof text);
		return strdup(when_format(t, format, buf, sizeof buf));
	}
	if (f->label != PROTOBUF_C_LABEL_REPEATED)
		return strdup(value_text(f, CMEMBER(m, f->offset), format, buf, sizeof buf));
	n = *(const size_t *)CMEMBER(m, f->quantifier_offset);
	arr = *(const char *const *)CMEMBER(m, f->offset);
	if ((out = open_memstream(&joined, &len)) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%s", i > 0 ? ", " : "",
			value_text(f, arr + i * size, format, buf, sizeof buf));
	if (fclose(out) != 0) {
		free(joined);
		return NULL;
	}
	return joined;
}

void
fields_print_json(FILE *out, const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	char header[64];
	bool first = true;

	putc('{', out);
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];

		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
		    *(const uint32_t *)CMEMBER(m, f->quantifier_offset) != f->id)
			continue;
		/* A time is printed once, as its text twin is. */
		if (fields_is_time_us(d, f))
			continue;
		if (!first)
			putc(',', out);
		first = false;
		print_json_string(out, fields_header(f, header, sizeof header));
		putc(':', out);
		if (f->type == PROTOBUF_C_TYPE_MESSAGE && f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)CMEMBER(m, f->quantifier_offset);
			ProtobufCMessage *const *subs = *(ProtobufCMessage *const *const *)
				CMEMBER(m, f->offset);

			putc('[', out);
			for (size_t j = 0; j < n; j++) {
				if (j > 0)
					putc(',', out);
				fields_print_json(out, subs[j]);
			}
			putc(']', out);
		} else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
			const ProtobufCMessage *sub = *(ProtobufCMessage *const *)CMEMBER(m, f->offset);

			if (sub != NULL)
				fields_print_json(out, sub);
			else
				fputs("null", out);
		} else {
			char *cell = fields_cell(m, f, PRINT_JSON);

			print_json_value(out, cell != NULL ? cell : "", fields_kind(f));
			free(cell);
		}
	}
	putc('}', out);
}

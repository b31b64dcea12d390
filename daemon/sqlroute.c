/*
 * sqlroute.c: the generic handler behind registry rows with statements.
 */
#include "sqlroute.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "freelist.h"
#include "log.h"
#include "pool.h"
#include "prepared.h"
#include "svc_util.h"
#include "text.h"

/* ---- allocations that live until the answer is sent ---- */

/*
 * One arena for all of them: each use (binding a request, building an
 * answer) marks it first and releases to its mark when done, so uses may
 * nest (sending an answer may take the next request) and nothing is freed
 * piece by piece.
 */
static Arena route_arena;
static bool route_arena_ready;

static ArenaMark
scratch_mark(void)
{
	if (!route_arena_ready) {
		arena_init(&route_arena, 16384, (size_t)1 << 30);
		route_arena_ready = true;
	}
	return arena_mark(&route_arena);
}

/* n zeroed elements of size bytes from a, or NULL. */
static void *
arena_calloc(Arena *a, size_t n, size_t size)
{
	size_t bytes = n * size;

	if (size != 0 && n > SIZE_MAX / size)
		return NULL;
	void *p = arena_alloc(a, bytes);
	if (p != NULL)
		memset(p, 0, bytes);
	return p;
}

/* ---- enums: SQL text is the value name without its prefix, lower case ---- */

/*
 * Length of the prefix every value name of e carries: the enum's name in
 * upper snake case and '_' (ModuleKind -> "MODULE_KIND_"), as the style
 * guide for protobuf enums has it. 0 when a value does not carry it.
 */
static size_t
enum_prefix_len(const ProtobufCEnumDescriptor *e)
{
	char prefix[96];
	size_t n = 0;
	for (const char *c = e->short_name; *c && n + 3 < sizeof prefix; c++) {
		if (*c >= 'A' && *c <= 'Z' && c != e->short_name)
			prefix[n++] = '_';
		prefix[n++] = (char)(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c);
	}
	prefix[n++] = '_';
	for (unsigned i = 0; i < e->n_values; i++) {
		if (strncmp(e->values[i].name, prefix, n) != 0)
			return 0;
	}
	return n;
}

static bool
enum_to_sql(const ProtobufCEnumDescriptor *e, int value, char *out, size_t size)
{
	const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(e, value);
	if (v == NULL)
		return false;
	if (value == 0) {
		out[0] = '\0';
		return true;
	}
	size_t i = 0;
	for (const char *c = v->name + enum_prefix_len(e); *c && i + 1 < size; c++)
		out[i++] = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
	out[i] = '\0';
	return true;
}

static int
enum_from_sql(const ProtobufCEnumDescriptor *e, const char *text)
{
	size_t plen = enum_prefix_len(e);
	for (unsigned i = 0; i < e->n_values; i++) {
		const char *name = e->values[i].name + plen;
		size_t k = 0;
		while (name[k] && text[k] &&
		       (name[k] >= 'A' && name[k] <= 'Z' ? name[k] - 'A' + 'a' : name[k]) == text[k])
			k++;
		if (name[k] == '\0' && text[k] == '\0')
			return e->values[i].value;
	}
	return 0;
}

int
sqlroute_enum(const ProtobufCEnumDescriptor *e, const char *text)
{
	return enum_from_sql(e, text);
}

bool
sqlroute_enum_name(const ProtobufCEnumDescriptor *e, int value, char *out, size_t size)
{
	return enum_to_sql(e, value, out, size);
}

/* ---- request fields to parameters ---- */

static const ProtobufCMessage *
request_body(const Triad__V1__Request *req)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field(&triad__v1__request__descriptor, req->body_case);
	return f != NULL ? *(const ProtobufCMessage *const *)((const char *)req + f->offset) : NULL;
}

/* Text array literal {"a","b"} for a repeated string field. */
static char *
pg_array(Arena *a, char **items, size_t n)
{
	size_t len = 3;
	for (size_t i = 0; i < n; i++)
		len += 3 + 2 * strlen(items[i]);
	char *out = arena_calloc(a, len, 1), *o = out;
	if (out == NULL)
		return NULL;
	*o++ = '{';
	for (size_t i = 0; i < n; i++) {
		if (i)
			*o++ = ',';
		*o++ = '"';
		for (const char *c = items[i]; *c; c++) {
			if (*c == '"' || *c == '\\')
				*o++ = '\\';
			*o++ = *c;
		}
		*o++ = '"';
	}
	*o++ = '}';
	*o = '\0';
	return out;
}

static bool
is_id_field(const char *name)
{
	size_t n = strlen(name);
	return strcmp(name, "id") == 0 || strcmp(name, "page_token") == 0 ||
	       (n > 3 && strcmp(name + n - 3, "_id") == 0);
}

/* Why a field could not become a parameter: the answer to give. */
typedef struct BindError {
	Triad__V1__Code code;
	char field[128];
	char message[256];
} BindError;

static bool __attribute__((format(printf, 4, 5)))
bind_error(BindError *e, Triad__V1__Code code, const char *field, const char *fmt, ...)
{
	va_list ap;
	e->code = code;
	snprintf(e->field, sizeof e->field, "%s", field != NULL ? field : "");
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof e->message, fmt, ap);
	va_end(ap);
	return false;
}

/*
 * The single field of d of the given type named by the first len bytes of
 * base followed by suffix (a time's two fields are "X" and "X_us"), or NULL.
 */
static const ProtobufCFieldDescriptor *
field_named(const ProtobufCMessageDescriptor *d, const char *base, size_t len,
	    const char *suffix, ProtobufCType type)
{
	char name[128];
	size_t sl = strlen(suffix);

	if (len + sl >= sizeof name)
		return NULL;
	memcpy(name, base, len);
	memcpy(name + len, suffix, sl + 1);
	const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, name);
	return f != NULL && f->type == type && f->label != PROTOBUF_C_LABEL_REPEATED ? f : NULL;
}

/*
 * The value of the int64 field "X_us" of msg when f is its string twin "X"
 * and it is set (not 0).
 */
static bool
time_twin_value(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f, int64_t *us)
{
	const ProtobufCFieldDescriptor *t = field_named(msg->descriptor, f->name, strlen(f->name),
							"_us", PROTOBUF_C_TYPE_INT64);
	if (t == NULL)
		return false;
	*us = *(const int64_t *)((const char *)msg + t->offset);
	return *us != 0;
}

/*
 * The text of the field at path (such as "programme.code") of body, as a
 * query parameter. Sets *out to NULL for an unset message on the way and
 * for a number left out of its oneof. With keyed, the field may hold a
 * natural key instead of an id (see registry.h, "path@kind"). Returns
 * false with the answer in e when the value is malformed.
 */
static bool
field_param(BindError *e, const char *body_name, const ProtobufCMessage *body, const char *path,
	    bool keyed, Arena *a, const char **out)
{
	char seg[64];
	const ProtobufCMessage *msg = body;
	const char *p = path;

	*out = NULL;
	for (;;) {
		size_t n = strcspn(p, ".");
		size_t segn = n < sizeof seg - 1 ? n : sizeof seg - 1;
		memcpy(seg, p, segn);
		seg[segn] = '\0';
		const ProtobufCFieldDescriptor *f =
			protobuf_c_message_descriptor_get_field_by_name(msg->descriptor, seg);
		if (f == NULL) {
			log_error("bug", "what=sqlroute_param path=%s", path);
			return bind_error(e, TRIAD__V1__CODE__CODE_INTERNAL, NULL,
					  "internal error (route)");
		}
		const char *at = (const char *)msg + f->offset;
		if (p[n] == '.') {
			msg = *(const ProtobufCMessage *const *)at;
			if (msg == NULL)
				return true;   /* an unset message: every field NULL */
			p += n + 1;
			continue;
		}
		/* A number alone in its oneof (a proto3 optional field, see
		 * PRESENCE in access.proto) that was left out is NULL. */
		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
		    *(const uint32_t *)((const char *)msg + f->quantifier_offset) != f->id)
			return true;
		char *buf = arena_calloc(a, TEXT_TIME_MAX, 1);
		if (buf == NULL)
			return bind_error(e, TRIAD__V1__CODE__CODE_UNAVAILABLE, NULL,
					  "server is out of memory");
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t count = *(const size_t *)((const char *)msg + f->quantifier_offset);
			*out = pg_array(a, *(char **const *)at, count);
			return *out != NULL || bind_error(e, TRIAD__V1__CODE__CODE_UNAVAILABLE, NULL,
							  "server is out of memory");
		}
		switch (f->type) {
		case PROTOBUF_C_TYPE_STRING: {
			const char *s = *(const char *const *)at;
			/* A time given as its int64 twin X_us wins over the
			 * deprecated text X. */
			int64_t us;
			if (time_twin_value(msg, f, &us)) {
				*out = text_time_us_exact(buf, TEXT_TIME_MAX, us);
				return true;
			}
			/* Bounds what a queued job holds; no field of the domain is
			 * longer (the schema's checks are tighter still). */
			if (strlen(s) > SQLROUTE_TEXT_MAX) {
				char field[128];
				snprintf(field, sizeof field, "%s.%s", body_name, path);
				return bind_error(e, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, field,
						  "%s is longer than %d characters", f->name,
						  SQLROUTE_TEXT_MAX);
			}
			if (keyed && strlen(s) > SQLROUTE_KEY_MAX) {
				char field[128];
				snprintf(field, sizeof field, "%s.%s", body_name, path);
				return bind_error(e, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, field,
						  "%s is longer than %d characters", f->name,
						  SQLROUTE_KEY_MAX);
			}
			if (!keyed && is_id_field(f->name) && s[0] != '\0' && !is_uuid(s)) {
				char field[128];
				snprintf(field, sizeof field, "%s.%s", body_name, path);
				return bind_error(e, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, field,
						  "%s '%.64s' is not an id (ids look like 0b6f1c1e-...)",
						  f->name, s);
			}
			*out = s;
			return true;
		}
		case PROTOBUF_C_TYPE_INT32:
		case PROTOBUF_C_TYPE_SINT32:
		case PROTOBUF_C_TYPE_SFIXED32:
			text_i64(buf, 32, *(const int32_t *)at);
			break;
		case PROTOBUF_C_TYPE_UINT32:
		case PROTOBUF_C_TYPE_FIXED32:
			text_u64(buf, 32, *(const uint32_t *)at);
			break;
		case PROTOBUF_C_TYPE_INT64:
		case PROTOBUF_C_TYPE_SINT64:
		case PROTOBUF_C_TYPE_SFIXED64:
			text_i64(buf, 32, *(const int64_t *)at);
			break;
		case PROTOBUF_C_TYPE_UINT64:
		case PROTOBUF_C_TYPE_FIXED64:
			text_u64(buf, 32, *(const uint64_t *)at);
			break;
		case PROTOBUF_C_TYPE_DOUBLE:
			snprintf(buf, 32, "%.17g", *(const double *)at);
			break;
		case PROTOBUF_C_TYPE_FLOAT:
			snprintf(buf, 32, "%.9g", (double)*(const float *)at);
			break;
		case PROTOBUF_C_TYPE_BOOL:
			text_copy(buf, 32, *(const protobuf_c_boolean *)at ? "true" : "false");
			break;
		case PROTOBUF_C_TYPE_ENUM: {
			int v = *(const int *)at;
			if (!enum_to_sql(f->descriptor, v, buf, 32)) {
				char field[128];
				snprintf(field, sizeof field, "%s.%s", body_name, path);
				return bind_error(e, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, field,
						  "%d is not a valid %s", v, f->name);
			}
			break;
		}
		default:
			log_error("bug", "what=sqlroute_param_type path=%s", path);
			return bind_error(e, TRIAD__V1__CODE__CODE_INTERNAL, NULL,
					  "internal error (route)");
		}
		*out = buf;
		return true;
	}
}

/* ---- result columns to reply fields ---- */

/* Parses a text[] value such as {a,"b c",NULL} into strings in the arena. */
static bool
parse_pg_array(Arena *a, const char *text, char ***items, size_t *n)
{
	size_t len = strlen(text), count = 0;
	*items = NULL;
	*n = 0;
	if (len < 2 || text[0] != '{')
		return true;
	char **out = arena_calloc(a, len, sizeof *out);
	char *buf = arena_calloc(a, len + 1, 1);
	if (out == NULL || buf == NULL)
		return false;
	const char *p = text + 1;
	while (*p && *p != '}') {
		char *start = buf;
		bool quoted = *p == '"';
		if (quoted) {
			p++;
			while (*p && *p != '"') {
				if (*p == '\\' && p[1])
					p++;
				*buf++ = *p++;
			}
			if (*p == '"')
				p++;
		} else {
			while (*p && *p != ',' && *p != '}')
				*buf++ = *p++;
		}
		*buf++ = '\0';
		if (quoted || strcmp(start, "NULL") != 0)
			out[count++] = start;
		if (*p == ',')
			p++;
	}
	*items = out;
	*n = count;
	return true;
}

static bool
set_field(ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f, char *v, Arena *a)
{
	char *at = (char *)msg + f->offset;

	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		if (f->type != PROTOBUF_C_TYPE_STRING)
			return true;
		return parse_pg_array(a, v, (char ***)at, (size_t *)((char *)msg + f->quantifier_offset));
	}
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		*(char **)at = v;
		break;
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		*(int32_t *)at = (int32_t)strtol(v, NULL, 10);
		break;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		*(uint32_t *)at = (uint32_t)strtoul(v, NULL, 10);
		break;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		*(int64_t *)at = strtoll(v, NULL, 10);
		break;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		*(uint64_t *)at = strtoull(v, NULL, 10);
		break;
	case PROTOBUF_C_TYPE_DOUBLE:
		*(double *)at = strtod(v, NULL);
		break;
	case PROTOBUF_C_TYPE_FLOAT:
		*(float *)at = strtof(v, NULL);
		break;
	case PROTOBUF_C_TYPE_BOOL:
		*(protobuf_c_boolean *)at = v[0] == 't';
		break;
	case PROTOBUF_C_TYPE_ENUM:
		*(int *)at = enum_from_sql(f->descriptor, v);
		break;
	default:
		return true;   /* nested messages are not filled from columns */
	}
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		*(uint32_t *)((char *)msg + f->quantifier_offset) = f->id;
	return true;
}

const ProtobufCFieldDescriptor *
sqlroute_time_twin(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f)
{
	size_t n = f != NULL ? strlen(f->name) : 0;

	if (n <= 3 || strcmp(f->name + n - 3, "_us") != 0 || f->type != PROTOBUF_C_TYPE_INT64 ||
	    f->label == PROTOBUF_C_LABEL_REPEATED)
		return NULL;
	return field_named(d, f->name, n - 3, "", PROTOBUF_C_TYPE_STRING);
}

/* Where a column of a result goes: its field, and for a time its text twin. */
typedef struct ColField {
	const ProtobufCFieldDescriptor *field, *twin;
} ColField;

/*
 * The field of d named like each column of r (NULL where none is), and
 * the text twin of each time column (*ntwins of them), looked up once per
 * result rather than once per row.
 */
static const ColField *
column_fields(const ProtobufCMessageDescriptor *d, const PGresult *r, Arena *a, size_t *ntwins)
{
	ColField *cols = arena_calloc(a, (size_t)PQnfields(r) + 1, sizeof *cols);
	*ntwins = 0;
	for (int j = 0; cols != NULL && j < PQnfields(r); j++) {
		cols[j].field = protobuf_c_message_descriptor_get_field_by_name(d, PQfname(r, j));
		cols[j].twin = sqlroute_time_twin(d, cols[j].field);
		*ntwins += cols[j].twin != NULL;
	}
	return cols;
}

/* Sets the text twin of the time field just set from a column. */
static void
set_twin(ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f,
	 const ProtobufCFieldDescriptor *twin, char *buf)
{
	int64_t us = *(const int64_t *)((const char *)msg + f->offset);
	*(char **)((char *)msg + twin->offset) = text_time_us(buf, TEXT_TIME_MAX, us);
	if (twin->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		*(uint32_t *)((char *)msg + twin->quantifier_offset) = twin->id;
}

/*
 * Sets every field of msg that has a column in row (cols from
 * column_fields()); the text twins of its times go into times, room for
 * as many as column_fields() counted.
 */
static bool
fill_row(ProtobufCMessage *msg, const ColField *cols, const PGresult *r, int row, Arena *a,
	 char (*times)[TEXT_TIME_MAX])
{
	size_t k = 0;

	for (int j = 0; j < PQnfields(r); j++) {
		if (cols[j].field == NULL || PQgetisnull(r, row, j)) {
			k += cols[j].twin != NULL;
			continue;
		}
		if (!set_field(msg, cols[j].field, PQgetvalue(r, row, j), a))
			return false;
		if (cols[j].twin != NULL)
			set_twin(msg, cols[j].field, cols[j].twin, times[k++]);
	}
	return true;
}

bool
sqlroute_fill(ProtobufCMessage *msg, const PGresult *r, int row, SqlTimes *times)
{
	for (int j = 0; j < PQnfields(r); j++) {
		const ProtobufCFieldDescriptor *f =
			protobuf_c_message_descriptor_get_field_by_name(msg->descriptor, PQfname(r, j));
		if (f == NULL || PQgetisnull(r, row, j))
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED)
			return false;
		if (!set_field(msg, f, PQgetvalue(r, row, j), NULL))
			return false;
		const ProtobufCFieldDescriptor *twin = sqlroute_time_twin(msg->descriptor, f);
		if (twin == NULL)
			continue;
		if (times == NULL || times->n >= SQLROUTE_TIMES_MAX)
			return false;
		set_twin(msg, f, twin, times->text[times->n++]);
	}
	return true;
}

static ProtobufCMessage *
message_new(Arena *a, const ProtobufCMessageDescriptor *d)
{
	ProtobufCMessage *m = arena_calloc(a, 1, d->sizeof_message);
	if (m != NULL)
		protobuf_c_message_init(d, m);
	return m;
}

typedef struct RouteCtx {
	Call *call;
	const Route *route;
} RouteCtx;

/*
 * Puts the rows of r into the repeated message field named into. A paged
 * list asked for one row more than the page: when it came, the page has a
 * next_page_token (the last row's id, or for a list paged by position, the
 * position after this page).
 */
static bool
fill_list(ProtobufCMessage *reply, const char *into, const PGresult *r, const Call *call,
	  const Route *route, Arena *a)
{
	int limit = call->page_limit;
	bool paged = route->paged || route->paged_by_position;
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field_by_name(reply->descriptor, into);
	if (f == NULL || f->label != PROTOBUF_C_LABEL_REPEATED || f->type != PROTOBUF_C_TYPE_MESSAGE)
		return false;
	int n = PQntuples(r);
	if (paged && n > limit) {
		n = limit;
		const ProtobufCFieldDescriptor *next =
			protobuf_c_message_descriptor_get_field_by_name(reply->descriptor,
									"next_page_token");
		int idcol = PQfnumber(r, "id");
		if (route->paged_by_position) {
			char *pos = arena_calloc(a, 16, 1);
			if (pos == NULL)
				return false;
			text_i64(pos, 16, call->page_offset + n);
			if (next != NULL)
				*(char **)((char *)reply + next->offset) = pos;
		} else if (next != NULL && idcol >= 0) {
			*(char **)((char *)reply + next->offset) = PQgetvalue(r, n - 1, idcol);
		}
	}
	ProtobufCMessage **items = arena_calloc(a, (size_t)n + 1, sizeof *items);
	size_t ntwins;
	const ColField *fields = column_fields(f->descriptor, r, a, &ntwins);
	/* The text of every time of the page in one allocation. */
	char (*times)[TEXT_TIME_MAX] = arena_calloc(a, (size_t)n * ntwins + 1, TEXT_TIME_MAX);
	if (items == NULL || fields == NULL || times == NULL)
		return false;
	for (int i = 0; i < n; i++) {
		items[i] = message_new(a, f->descriptor);
		if (items[i] == NULL ||
		    !fill_row(items[i], fields, r, i, a, times + (size_t)i * ntwins))
			return false;
	}
	*(ProtobufCMessage ***)((char *)reply + f->offset) = items;
	*(size_t *)((char *)reply + f->quantifier_offset) = (size_t)n;
	return true;
}

/*
 * The field a single-row statement that found nothing names: its only
 * parameter taken from the request body ("get_enrollment.id"), or NULL when
 * it takes none or several (then no one field named the missing thing).
 */
static const char *
not_found_field(const Call *call, const SqlStmt *st, char *out, size_t size)
{
	char path[96];
	const char *kind, *only = NULL;

	for (int p = 0; p < ROUTE_MAX_PARAMS && st->params[p] != NULL; p++) {
		if (st->params[p][0] == '$')
			continue;
		if (only != NULL || !route_param_split(st->params[p], path, sizeof path, &kind))
			return NULL;
		only = st->params[p];
	}
	if (only == NULL || !route_param_split(only, path, sizeof path, &kind))
		return NULL;
	snprintf(out, size, "%s.%s", call->route, path);
	return out;
}

static void
route_done(void *arg, const DbOutcome *out)
{
	RouteCtx *ctx = arg;
	Call *call = ctx->call;
	const Route *route = ctx->route;
	ArenaMark mark = scratch_mark();
	Arena *a = &route_arena;

	free(ctx);
	if (call_db_failed(call, out, NULL))
		return;

	const ProtobufCFieldDescriptor *rf =
		protobuf_c_message_descriptor_get_field(&triad__v1__response__descriptor,
							route->reply);
	ProtobufCMessage *reply = rf != NULL ? message_new(a, rf->descriptor) : NULL;
	bool ok = reply != NULL;
	for (int i = 0; ok && i < out->nresults; i++) {
		const PGresult *r = out->results[i];
		const char *into = route->stmts[i].into;
		if (into != NULL) {
			ok = fill_list(reply, into, r, call, route, a);
			continue;
		}
		if (PQntuples(r) != 1) {
			char field[160];
			call_fail(call, TRIAD__V1__CODE__CODE_NOT_FOUND,
				  not_found_field(call, &route->stmts[i], field, sizeof field), "%s",
				  route->not_found != NULL ? route->not_found : "not found");
			arena_release(a, mark);
			return;
		}
		size_t ntwins;
		const ColField *fields = column_fields(reply->descriptor, r, a, &ntwins);
		char (*times)[TEXT_TIME_MAX] = arena_calloc(a, ntwins + 1, TEXT_TIME_MAX);
		ok = fields != NULL && times != NULL && fill_row(reply, fields, r, 0, a, times);
	}
	if (!ok) {
		log_error("bug", "what=sqlroute_reply conn_slot=%" PRIu32 " id=%" PRIu64 " route=%s",
			  call->conn.slot, call->request_id, call->route);
		call_fail(call, TRIAD__V1__CODE__CODE_INTERNAL, NULL, "internal error (reply)");
		arena_release(a, mark);
		return;
	}
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	resp.body_case = (Triad__V1__Response__BodyCase)route->reply;
	*(ProtobufCMessage **)((char *)&resp + rf->offset) = reply;
	call_answer(call, &resp);
	arena_release(a, mark);
}

/* ---- natural keys ---- */

/* What sqlroute_keys() waits on: the keys, and whom to tell. */
typedef struct KeysCtx {
	Call *call;
	size_t n;
	char **ids;                 /* the values given; then the ids */
	bool *asked;                /* which of them the database is asked about */
	SqlKeysDone done;
	void *arg;
} KeysCtx;

static void
keys_ctx_free(KeysCtx *k)
{
	for (size_t i = 0; k != NULL && i < k->n; i++)
		free(k->ids[i]);
	if (k != NULL) {
		free(k->ids);
		free(k->asked);
	}
	free(k);
}

/* Whether the database must be asked what value names as a kind. */
static bool
key_needs_lookup(const char *kind, const char *value)
{
	if (value == NULL)
		return false;
	if (value[0] == '\0')
		return strncmp(kind, "my_", 3) == 0;
	return !is_uuid(value);
}

static void
keys_done(void *arg, const DbOutcome *out)
{
	KeysCtx *k = arg;
	Call *call = k->call;
	size_t r = 0;

	if (call_db_failed(call, out, NULL)) {
		k->done(call, NULL, k->arg);
		keys_ctx_free(k);
		return;
	}
	for (size_t i = 0; i < k->n; i++) {
		/* One statement per key asked about, in order. */
		if (!k->asked[i] || r >= (size_t)out->nresults)
			continue;
		const PGresult *res = out->results[r++];
		char *id = strdup(PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : "");
		if (id == NULL) {
			list_answer_oom(call);
			k->done(call, NULL, k->arg);
			keys_ctx_free(k);
			return;
		}
		free(k->ids[i]);
		k->ids[i] = id;
	}
	k->done(call, k->ids, k->arg);
	keys_ctx_free(k);
}

/* Which id a natural key names (sql/functions/names.sql). */
const char sqlroute_key_sql[] = "SELECT triad_key($1, $2, $3)";

void
sqlroute_keys(Call *call, const SqlKey *keys, size_t n, SqlKeysDone done, void *arg)
{
	KeysCtx *k = calloc(1, sizeof *k);
	bool lookup = false;

	if (k == NULL || (k->ids = calloc(n ? n : 1, sizeof *k->ids)) == NULL ||
	    (k->asked = calloc(n ? n : 1, sizeof *k->asked)) == NULL) {
		keys_ctx_free(k);
		list_answer_oom(call);
		done(call, NULL, arg);
		return;
	}
	k->call = call;
	k->n = n;
	k->done = done;
	k->arg = arg;
	for (size_t i = 0; i < n; i++) {
		if (keys[i].value != NULL && (k->ids[i] = strdup(keys[i].value)) == NULL) {
			keys_ctx_free(k);
			list_answer_oom(call);
			done(call, NULL, arg);
			return;
		}
		k->asked[i] = key_needs_lookup(keys[i].kind, keys[i].value);
		lookup = lookup || k->asked[i];
	}
	if (!lookup) {
		done(call, k->ids, arg);
		keys_ctx_free(k);
		return;
	}
	DbJob *job = call_lookup_job(call, keys_done, k);
	for (size_t i = 0; job != NULL && i < n; i++) {
		if (!k->asked[i])
			continue;
		const char *params[3] = {keys[i].kind, keys[i].value, keys[i].field};
		if (!call_job_add(call, job, sqlroute_key_sql, 3, params))
			job = NULL;
	}
	if (job == NULL) {
		done(call, NULL, arg);
		keys_ctx_free(k);
		return;
	}
	pool_submit(call->srv->pool, job);
}

/* ---- the generic handler ---- */

/* A route's statements with their parameters, copied, until the keys among
 * them have been looked up. */
typedef struct Bound {
	const Route *route;
	int nparams[ROUTE_MAX_STMTS];
	char *params[ROUTE_MAX_STMTS][ROUTE_MAX_PARAMS];   /* owned; NULL is SQL NULL */
	/* The keys, one per field however many statements use it (at most
	 * ROUTE_MAX_KEYS: registry_check()); paths say which parameters each
	 * fills, fields name them in messages. */
	size_t nkeys;
	SqlKey keys[ROUTE_MAX_KEYS];
	char fields[ROUTE_MAX_KEYS][128];
	char paths[ROUTE_MAX_KEYS][128];
} Bound;

/* Bound parameters freed, kept for the next requests (freelist.h). */
static FreeList bound_cache = {.cap = 32};

static void
bound_free(Bound *b)
{
	if (b == NULL)
		return;
	for (int s = 0; s < ROUTE_MAX_STMTS; s++)
		for (int n = 0; n < b->nparams[s]; n++)
			free(b->params[s][n]);
	freelist_give(&bound_cache, b);
}

void
sqlroute_free(void)
{
	freelist_clear(&bound_cache);
	if (route_arena_ready)
		arena_trim(&route_arena);
}

/* Runs the route's statements with the keys' ids in place. */
static void
bound_run(Call *call, char *const *ids, void *arg)
{
	Bound *b = arg;
	const Route *route = b->route;

	if (ids == NULL) {
		bound_free(b);
		return;
	}
	RouteCtx *ctx = malloc(sizeof *ctx);
	DbJob *job = ctx != NULL ? call_job(call, route_done, ctx) : NULL;
	if (job == NULL) {
		if (ctx == NULL)
			list_answer_oom(call);
		free(ctx);
		bound_free(b);
		return;
	}
	ctx->call = call;
	ctx->route = route;
	for (int s = 0; s < ROUTE_MAX_STMTS && route->stmts[s].sql != NULL; s++) {
		const char *params[ROUTE_MAX_PARAMS];
		for (int n = 0; n < b->nparams[s]; n++) {
			char path[128];
			const char *kind = NULL;
			params[n] = b->params[s][n];
			if (!route_param_split(route->stmts[s].params[n], path, sizeof path, &kind) ||
			    kind == NULL)
				continue;
			for (size_t k = 0; k < b->nkeys; k++) {
				if (strcmp(b->paths[k], path) == 0 && ids[k] != NULL)
					params[n] = ids[k];
			}
		}
		/* The shape of its optional filters that the request set
		 * (prepared.h); the statement itself when it has none. */
		const char *sql = prep_shape_sql(&route->stmts[s], route->stmts[s].sql,
						 b->nparams[s], params);
		if (!call_job_add(call, job, sql, b->nparams[s], params)) {
			free(ctx);
			bound_free(b);
			return;
		}
	}
	/* The job copied its parameters. */
	bound_free(b);
	pool_submit(call->srv->pool, job);
}

/*
 * Binds every parameter of route from req into b (copies), collecting the
 * keys. False with the answer in e when a field is refused.
 */
static bool
bind_route(BindError *e, const Route *route, const char *body_name,
	   const ProtobufCMessage *body, const char *person, const char *limit,
	   const char *offset, const char *request_id, const char *min_group, Bound *b)
{
	ArenaMark mark = scratch_mark();
	Arena *a = &route_arena;
	bool ok = true;

	for (int s = 0; ok && s < ROUTE_MAX_STMTS && route->stmts[s].sql != NULL; s++) {
		const SqlStmt *st = &route->stmts[s];
		for (int n = 0; ok && n < ROUTE_MAX_PARAMS && st->params[n] != NULL; n++) {
			const char *src = st->params[n], *value = NULL, *kind = NULL;
			char path[128];
			if (strcmp(src, "$request_id") == 0)
				value = request_id;
			else if (strcmp(src, "$person") == 0)
				value = person;
			else if (strcmp(src, "$limit") == 0)
				value = limit;
			else if (strcmp(src, "$offset") == 0)
				value = offset;
			else if (strcmp(src, "$min_group") == 0)
				value = min_group;
			else if (!route_param_split(src, path, sizeof path, &kind))
				ok = bind_error(e, TRIAD__V1__CODE__CODE_INTERNAL, NULL,
						"internal error (route)");
			else
				ok = field_param(e, body_name, body, path, kind != NULL, a, &value);
			if (!ok)
				break;
			if (b == NULL)
				continue;
			b->nparams[s] = n + 1;
			if (value != NULL && (b->params[s][n] = strdup(value)) == NULL)
				ok = bind_error(e, TRIAD__V1__CODE__CODE_UNAVAILABLE, NULL,
						"server is out of memory");
			if (!ok || kind == NULL)
				continue;
			size_t k = 0;
			while (k < b->nkeys && strcmp(b->paths[k], path) != 0)
				k++;
			if (k < b->nkeys)
				continue;
			if (k == ROUTE_MAX_KEYS) {
				ok = bind_error(e, TRIAD__V1__CODE__CODE_INTERNAL, NULL,
						"internal error (route)");
				continue;
			}
			text_copy(b->paths[k], sizeof b->paths[k], path);
			text_join(b->fields[k], sizeof b->fields[k], body_name, ".", path);
			b->keys[k].field = b->fields[k];
			b->keys[k].kind = kind;
			b->keys[k].value = b->params[s][n];
			b->nkeys++;
		}
	}
	arena_release(a, mark);
	return ok;
}

/*
 * The page_token of a list paged by position into call->page_offset: empty
 * for the first page, else a position an earlier page of the list gave.
 * False, with the call answered, for anything else.
 */
static bool
position_token(Call *call, const ProtobufCMessage *body)
{
	const ProtobufCFieldDescriptor *pt =
		protobuf_c_message_descriptor_get_field_by_name(body->descriptor, "page_token");
	const char *token = pt != NULL ? *(char *const *)((const char *)body + pt->offset) : "";
	char *end;
	long v;

	call->page_offset = 0;
	if (token == NULL || token[0] == '\0')
		return true;
	errno = 0;
	v = strtol(token, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0 || v > 1000000000 || !isdigit((unsigned char)token[0])) {
		char field[160];
		snprintf(field, sizeof field, "%s.page_token", call->route);
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, field,
			  "page_token is not one this list gave: pass back next_page_token "
			  "unchanged, or leave it empty for the first page");
		return false;
	}
	call->page_offset = (int)v;
	return true;
}

void
sqlroute_handle(Call *call, const Triad__V1__Request *req)
{
	const Route *route = call->row;
	const ProtobufCMessage *body = request_body(req);

	if (body == NULL) {
		call_fail(call, TRIAD__V1__CODE__CODE_INTERNAL, NULL, "internal error (no body)");
		return;
	}
	if (route->paged || route->paged_by_position) {
		const ProtobufCFieldDescriptor *ps =
			protobuf_c_message_descriptor_get_field_by_name(body->descriptor, "page_size");
		char field[160];
		snprintf(field, sizeof field, "%s.page_size", call->route);
		if (!check_page_size(call, field,
				     ps ? *(const int32_t *)((const char *)body + ps->offset) : 0,
				     &call->page_limit))
			return;
	}
	if (route->paged_by_position && !position_token(call, body))
		return;
	char limit[16], offset[16];
	text_i64(limit, sizeof limit, call->page_limit + 1);
	text_i64(offset, sizeof offset, call->page_offset);

	Bound *b = freelist_take(&bound_cache, sizeof *b);
	BindError e;
	if (b == NULL) {
		list_answer_oom(call);
		return;
	}
	b->route = route;
	char min_group[16];
	text_i64(min_group, sizeof min_group, call->srv->cfg.report_min_group);
	if (!bind_route(&e, route, call->route, body, call->principal->person_id, limit, offset,
			call_request_id_text(call), min_group, b)) {
		call_fail(call, e.code, e.field[0] ? e.field : NULL, "%s", e.message);
		bound_free(b);
		return;
	}
	sqlroute_keys(call, b->keys, b->nkeys, bound_run, b);
}

bool
sqlroute_bind_check(const Route *route, const Triad__V1__Request *req, char *err, size_t size)
{
	const ProtobufCMessage *body = request_body(req);
	BindError e = {0};
	bool ok = body != NULL &&
		  bind_route(&e, route, route_name(route), body, "", "1", "0", "1", "5", NULL);

	if (!ok)
		snprintf(err, size, "%s%s%s", e.field, e.field[0] ? ": " : "", e.message);
	return ok;
}

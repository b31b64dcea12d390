/*
 * registry.c: the rows of every area, found by request kind, and the checks
 * that stop triadd before it serves a row that cannot work.
 */
#include "registry.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "prepared.h"
#include "sqlroute.h"

static const Route *const areas[] = {
	session_routes, directory_routes, credential_routes, audit_routes, catalogue_routes,
	enrollment_routes, triangle_routes, community_routes, event_routes, notify_routes,
	privacy_routes, stream_routes,
	journey_routes, internship_routes, assessment_routes, report_routes, webhook_routes,
	certificate_routes,
};
#define NAREAS (sizeof areas / sizeof areas[0])

/* Request.body field numbers stay well below this (envelope.proto). */
#define KIND_MAX 1024

static const Route *by_kind[KIND_MAX];
static const char *name_by_kind[KIND_MAX];
static bool indexed;

static const ProtobufCFieldDescriptor *body_field(Triad__V1__Request__BodyCase kind);

static void
registry_index(void)
{
	for (size_t t = 0; t < NAREAS; t++) {
		for (const Route *r = areas[t]; r->kind != 0; r++) {
			if ((unsigned)r->kind < KIND_MAX && by_kind[r->kind] == NULL) {
				const ProtobufCFieldDescriptor *f = body_field(r->kind);
				by_kind[r->kind] = r;
				name_by_kind[r->kind] = f != NULL ? f->name : "unknown";
			}
		}
	}
	indexed = true;
}

const Route *
registry_find(Triad__V1__Request__BodyCase kind)
{
	if (!indexed)
		registry_index();
	return (unsigned)kind < KIND_MAX ? by_kind[kind] : NULL;
}

static const ProtobufCFieldDescriptor *
body_field(Triad__V1__Request__BodyCase kind)
{
	return protobuf_c_message_descriptor_get_field(&triad__v1__request__descriptor,
						       (unsigned)kind);
}

static const ProtobufCFieldDescriptor *
reply_field(Triad__V1__Response__BodyCase kind)
{
	return protobuf_c_message_descriptor_get_field(&triad__v1__response__descriptor,
						       (unsigned)kind);
}

const char *
route_name(const Route *r)
{
	if (r == NULL || (unsigned)r->kind >= KIND_MAX)
		return "unknown";
	if (!indexed)
		registry_index();
	return name_by_kind[r->kind] != NULL ? name_by_kind[r->kind] : "unknown";
}

Verb
route_verb(const Route *r, const Call *call, const Triad__V1__Request *req)
{
	if (r->hook != NULL && r->hook->when(call, req))
		return r->hook->alt;
	return r->verb;
}

/* ---- parameters that take keys ---- */

/* The kinds of key triad_key() knows (sql/functions/names.sql). */
static const char *const key_kinds[] = {
	"programme", "module", "outcome", "cohort", "run", "person", "coach", "organisation",
	"enrollment", "my_enrollment", "relation", "my_relation",
};

bool
route_key_kind_known(const char *kind)
{
	for (size_t i = 0; kind != NULL && i < sizeof key_kinds / sizeof key_kinds[0]; i++) {
		if (strcmp(kind, key_kinds[i]) == 0)
			return true;
	}
	return false;
}

bool
route_param_split(const char *param, char *path, size_t size, const char **kind)
{
	const char *at = strchr(param, '@');
	size_t n = at != NULL ? (size_t)(at - param) : strlen(param);

	*kind = at != NULL ? at + 1 : NULL;
	if (n >= size)
		return false;
	memcpy(path, param, n);
	path[n] = '\0';
	return true;
}

/* ---- the static check ---- */

static bool __attribute__((format(printf, 3, 4)))
problem(char *err, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
	return false;
}

static const char *const magic_names[] = {
	"$request_id", "$person", "$limit", "$offset", "$min_group",
};

static bool
is_magic(const char *name)
{
	for (size_t i = 0; i < sizeof magic_names / sizeof magic_names[0]; i++) {
		if (strcmp(name, magic_names[i]) == 0)
			return true;
	}
	return false;
}

/*
 * The field at path ("run.module_id") of messages of type d, or NULL.
 * Every segment but the last must be a message field.
 */
static const ProtobufCFieldDescriptor *
resolve_path(const ProtobufCMessageDescriptor *d, const char *path)
{
	char seg[64];
	for (const char *p = path;;) {
		size_t n = strcspn(p, ".");
		if (n == 0 || n >= sizeof seg)
			return NULL;
		memcpy(seg, p, n);
		seg[n] = '\0';
		const ProtobufCFieldDescriptor *f =
			protobuf_c_message_descriptor_get_field_by_name(d, seg);
		if (f == NULL || p[n] == '\0')
			return f;
		if (f->type != PROTOBUF_C_TYPE_MESSAGE || f->label == PROTOBUF_C_LABEL_REPEATED)
			return NULL;
		d = f->descriptor;
		p += n + 1;
	}
}

/* True when sqlroute.c can turn a field of this kind into a parameter. */
static bool
param_type_ok(const ProtobufCFieldDescriptor *f)
{
	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return f->type == PROTOBUF_C_TYPE_STRING;
	return f->type != PROTOBUF_C_TYPE_MESSAGE && f->type != PROTOBUF_C_TYPE_BYTES;
}

/* The highest $n in sql. */
static int
highest_param(const char *sql)
{
	int max = 0;
	for (const char *p = strchr(sql, '$'); p != NULL; p = strchr(p + 1, '$')) {
		int n = atoi(p + 1);
		if (n > max)
			max = n;
	}
	return max;
}

static bool
check_row(const Route *r, char *err, size_t size)
{
	const ProtobufCFieldDescriptor *bf = body_field(r->kind);
	const char *name = bf != NULL ? bf->name : "?";

	if (bf == NULL)
		return problem(err, size, "a row names request kind %d, which Request.body lacks",
			       (int)r->kind);
	if (reply_field(r->reply) == NULL)
		return problem(err, size, "row %s: reply case %d is not a field of Response.body",
			       name, (int)r->reply);
	if (!auth_verb_known(r->verb))
		return problem(err, size, "row %s: verb %d has no policy in the access table", name,
			       (int)r->verb);
	if (r->hook != NULL && (!auth_verb_known(r->hook->alt) || r->hook->when == NULL))
		return problem(err, size, "row %s: the verb hook's verb has no policy", name);
	if ((r->flags & ROUTE_WRITES) && !(r->flags & (ROUTE_IDEMPOTENT | ROUTE_PUBLIC)))
		return problem(err, size, "row %s: it writes but does not honour idempotency keys",
			       name);
	if ((r->flags & (ROUTE_IDEMPOTENT | ROUTE_EVENT)) && !(r->flags & ROUTE_WRITES))
		return problem(err, size, "row %s: only writes are idempotent or emit events", name);
	if ((r->handler == NULL) == (r->stmts[0].sql == NULL))
		return problem(err, size, "row %s: give either a handler or statements", name);
	if (r->tenant_field != NULL && resolve_path((const ProtobufCMessageDescriptor *)bf->descriptor, r->tenant_field) == NULL)
		return problem(err, size, "row %s: tenant field %s is not a field of %s", name,
			       r->tenant_field, ((const ProtobufCMessageDescriptor *)bf->descriptor)->name);

	const ProtobufCMessageDescriptor *reply =
		(const ProtobufCMessageDescriptor *)reply_field(r->reply)->descriptor;
	const char *keyed[ROUTE_MAX_STMTS * ROUTE_MAX_PARAMS];
	int nkeyed = 0;
	for (int s = 0; s < ROUTE_MAX_STMTS && r->stmts[s].sql != NULL; s++) {
		const SqlStmt *st = &r->stmts[s];
		int n = 0;
		for (; n < ROUTE_MAX_PARAMS && st->params[n] != NULL; n++) {
			const char *src = st->params[n];
			if (src[0] == '$') {
				if (!is_magic(src))
					return problem(err, size, "row %s, statement %d: $%d: no magic "
						       "name %s", name, s + 1, n + 1, src);
				continue;
			}
			char path[128];
			const char *kind;
			const ProtobufCFieldDescriptor *f =
				route_param_split(src, path, sizeof path, &kind)
					? resolve_path((const ProtobufCMessageDescriptor *)bf->descriptor, path)
					: NULL;
			if (f == NULL)
				return problem(err, size, "row %s, statement %d: $%d: %s is not a "
					       "field of %s", name, s + 1, n + 1, src,
					       ((const ProtobufCMessageDescriptor *)bf->descriptor)->name);
			if (!param_type_ok(f))
				return problem(err, size, "row %s, statement %d: $%d: %s cannot be "
					       "a parameter", name, s + 1, n + 1, src);
			if (kind != NULL && !route_key_kind_known(kind))
				return problem(err, size, "row %s, statement %d: $%d: no kind of key "
					       "called %s", name, s + 1, n + 1, kind);
			if (kind != NULL && (f->type != PROTOBUF_C_TYPE_STRING ||
					     f->label == PROTOBUF_C_LABEL_REPEATED))
				return problem(err, size, "row %s, statement %d: $%d: only a text "
					       "field takes a key, not %s", name, s + 1, n + 1, path);
			if (kind != NULL) {
				int k = 0;
				while (k < nkeyed && strncmp(keyed[k], src, strlen(path) + 1) != 0)
					k++;
				if (k == nkeyed && (keyed[nkeyed++] = src, nkeyed > ROUTE_MAX_KEYS))
					return problem(err, size, "row %s: more than %d fields take "
						       "keys", name, ROUTE_MAX_KEYS);
			}
		}
		if (highest_param(st->sql) != n)
			return problem(err, size, "row %s, statement %d: the SQL uses $%d but the "
				       "row gives %d parameters", name, s + 1,
				       highest_param(st->sql), n);
		if (st->into != NULL) {
			const ProtobufCFieldDescriptor *f =
				protobuf_c_message_descriptor_get_field_by_name(reply, st->into);
			if (f == NULL || f->label != PROTOBUF_C_LABEL_REPEATED ||
			    f->type != PROTOBUF_C_TYPE_MESSAGE)
				return problem(err, size, "row %s, statement %d: %s is not a "
					       "repeated message field of %s", name, s + 1,
					       st->into, reply->name);
		}
	}
	if (r->paged && r->paged_by_position)
		return problem(err, size, "row %s: a list is paged by id or by position, not both",
			       name);
	/* Every list pages (envelope.proto, PAGING): a list request answered
	 * by rows is paged one way or the other. */
	if (strncmp(name, "list_", 5) == 0 && !r->paged && !r->paged_by_position) {
		for (int s = 0; s < ROUTE_MAX_STMTS && r->stmts[s].sql != NULL; s++) {
			if (r->stmts[s].into != NULL)
				return problem(err, size, "row %s: a list must page (paged or "
					       "paged_by_position)", name);
		}
	}
	if (r->paged || r->paged_by_position) {
		const ProtobufCFieldDescriptor *next =
			protobuf_c_message_descriptor_get_field_by_name(reply, "next_page_token");
		const ProtobufCFieldDescriptor *size_f =
			protobuf_c_message_descriptor_get_field_by_name(
				(const ProtobufCMessageDescriptor *)bf->descriptor, "page_size");
		if (next == NULL || size_f == NULL || size_f->type != PROTOBUF_C_TYPE_INT32)
			return problem(err, size, "row %s: a paged list needs page_size in %s and "
				       "next_page_token in %s", name, ((const ProtobufCMessageDescriptor *)bf->descriptor)->name,
				       reply->name);
	}
	return true;
}

bool
registry_check_table(const Route *const *tables, size_t ntables, bool complete, char *err,
		     size_t size)
{
	static unsigned char seen[KIND_MAX];

	memset(seen, 0, sizeof seen);
	for (size_t t = 0; t < ntables; t++) {
		for (const Route *r = tables[t]; r->kind != 0; r++) {
			if (!check_row(r, err, size))
				return false;
			if ((unsigned)r->kind >= KIND_MAX || seen[r->kind]++)
				return problem(err, size, "request %s has two rows", route_name(r));
		}
	}
	const ProtobufCMessageDescriptor *req = &triad__v1__request__descriptor;
	for (unsigned i = 0; complete && i < req->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &req->fields[i];
		if (f->type != PROTOBUF_C_TYPE_MESSAGE ||
		    !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
			continue;
		if (f->id >= KIND_MAX || !seen[f->id])
			return problem(err, size, "request %s (Request.body = %u) has no row",
				       f->name, f->id);
	}
	return true;
}

bool
registry_check(char *err, size_t size)
{
	return registry_check_table(areas, NAREAS, true, err, size);
}

/* ---- the database check ---- */

/* Type oids of the catalogue (pg_type.dat), stable across versions. */
enum {
	OID_BOOL = 16, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23, OID_FLOAT4 = 700,
	OID_FLOAT8 = 701, OID_NUMERIC = 1700, OID_TEXT_ARRAY = 1009, OID_VARCHAR_ARRAY = 1015,
	OID_UUID_ARRAY = 2951,
};

/* Whether sqlroute.c's set_field() reads a column of type oid into f. */
static bool
column_type_ok(const ProtobufCFieldDescriptor *f, Oid oid)
{
	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return f->type == PROTOBUF_C_TYPE_STRING &&
		       (oid == OID_TEXT_ARRAY || oid == OID_VARCHAR_ARRAY || oid == OID_UUID_ARRAY);
	switch (f->type) {
	case PROTOBUF_C_TYPE_BOOL:
		return oid == OID_BOOL;
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_ENUM:
		return true;
	case PROTOBUF_C_TYPE_MESSAGE:
	case PROTOBUF_C_TYPE_BYTES:
		return false;
	default:
		return oid == OID_INT2 || oid == OID_INT4 || oid == OID_INT8 || oid == OID_NUMERIC ||
		       oid == OID_FLOAT4 || oid == OID_FLOAT8;
	}
}

/*
 * Columns that views and parent checks carry for the statements' own use
 * (ordering, paging, filtering, the row that makes a list NOT_FOUND) and
 * that no reply field takes, by the message their rows fill. Any other
 * column without a field stops the daemon.
 */
static const struct {
	const char *message;
	const char *columns;     /* space separated */
} carried[] = {
	{"triad.v1.Session", "at"},
	{"triad.v1.Enrollment", "arrival"},
	{"triad.v1.AttendanceRecord", "id"},
	{"triad.v1.ProgressModule", "sequence"},
	{"triad.v1.Partner", "id"},
	{"triad.v1.CoachingRelation", "participant_person_id"},
	{"triad.v1.Feedback", "at participant_person_id"},
	{"triad.v1.EmployerView", "id"},
	{"triad.v1.Consent", "id"},
	{"triad.v1.CommunityMember", "current"},
	{"triad.v1.QuestionPerson", "at"},
	{"triad.v1.Product", "question_community_id question_organisation_id at"},
	{"triad.v1.Board", "programme"},
	{"triad.v1.BoardMember", "starts"},
	{"triad.v1.BoardMeeting", "held"},
	{"triad.v1.Event", "at"},
	{"triad.v1.EventRegistration", "arrival"},
	{"triad.v1.TopicSuggestion", "at"},
	{"triad.v1.AmbassadorActivity", "held created_at"},
	/* A list's parent, looked up first so that an invisible one is
	 * NOT_FOUND rather than an empty list. */
	{"triad.v1.ListCommunityMembersReply", "seen"},
	{"triad.v1.ListCommunityOrganisationsReply", "seen"},
	{"triad.v1.ListQuestionPeopleReply", "seen"},
	{"triad.v1.ListProductsReply", "seen"},
	{"triad.v1.ListBoardMembersReply", "seen"},
	{"triad.v1.ListBoardMeetingsReply", "seen"},
	{"triad.v1.ListAgendaItemsReply", "seen"},
	{"triad.v1.ListRegistrationsReply", "id"},
	{"triad.v1.ListTopicsReply", "id"},
	{"triad.v1.ListAmbassadorActivitiesReply", "found"},
	{"triad.v1.ListWebhookDeliveriesReply", "seen"},
};

static bool
column_carried(const ProtobufCMessageDescriptor *d, const char *column)
{
	size_t n = strlen(column);
	for (size_t i = 0; i < sizeof carried / sizeof carried[0]; i++) {
		if (strcmp(carried[i].message, d->name) != 0)
			continue;
		for (const char *c = carried[i].columns; *c;) {
			size_t len = strcspn(c, " ");
			if (len == n && strncmp(c, column, n) == 0)
				return true;
			c += len + (c[len] == ' ');
		}
	}
	return false;
}

/* What one message of the reply gets from the statements of a row. */
typedef struct Target {
	const ProtobufCMessageDescriptor *d;
	unsigned char filled[256];     /* by field index */
} Target;

static Target *
target_for(Target *targets, int *n, const ProtobufCMessageDescriptor *d)
{
	for (int i = 0; i < *n; i++) {
		if (targets[i].d == d)
			return &targets[i];
	}
	Target *t = &targets[(*n)++];
	memset(t, 0, sizeof *t);
	t->d = d;
	return t;
}

static void
mark_filled(Target *t, const char *field)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field_by_name(t->d, field);
	if (f != NULL && (size_t)(f - t->d->fields) < sizeof t->filled)
		t->filled[f - t->d->fields] = 1;
}

static int
stmt_nparams(const SqlStmt *st)
{
	int nparams = 0;
	while (nparams < ROUTE_MAX_PARAMS && st->params[nparams] != NULL)
		nparams++;
	return nparams;
}

bool
registry_register_statements(void)
{
	if (prep_register(sqlroute_key_sql, 0, NULL) < 0 || prep_register(call_store_sql, 0, NULL) < 0)
		return false;
	for (size_t t = 0; t < NAREAS; t++) {
		for (const Route *r = areas[t]; r->kind != 0; r++) {
			for (int s = 0; r->handler == NULL && s < ROUTE_MAX_STMTS && r->stmts[s].sql != NULL;
			     s++) {
				if (!prep_register_shapes(&r->stmts[s], r->stmts[s].sql,
							  stmt_nparams(&r->stmts[s])))
					return false;
			}
		}
	}
	return true;
}

/* Checks one statement of a row, as one of its shapes: it prepares with the
 * parameters the row gives, and its columns fill reply fields. */
static bool
check_stmt_db(PGconn *pg, const Route *r, int s, const char *sql, int ntypes, const Oid *types,
	      const char *shape, Target *targets, int *ntargets, char *err, size_t size)
{
	int nparams = stmt_nparams(&r->stmts[s]);
	const char *name = route_name(r);
	const ProtobufCMessageDescriptor *reply =
		(const ProtobufCMessageDescriptor *)reply_field(r->reply)->descriptor;
	const SqlStmt *st = &r->stmts[s];
	{
		PGresult *res = PQprepare(pg, "", sql, ntypes, ntypes ? types : NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			problem(err, size, "row %s, statement %d%s does not prepare: %s", name, s + 1,
				shape, PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) ?: "no message");
			PQclear(res);
			return false;
		}
		PQclear(res);
		res = PQdescribePrepared(pg, "");
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			problem(err, size, "row %s, statement %d cannot be described: %s", name,
				s + 1, PQerrorMessage(pg));
			PQclear(res);
			return false;
		}
		if (PQnparams(res) != nparams) {
			problem(err, size, "row %s, statement %d takes %d parameters; the row gives "
				"%d", name, s + 1, PQnparams(res), nparams);
			PQclear(res);
			return false;
		}
		const ProtobufCMessageDescriptor *d = reply;
		Target *into = target_for(targets, ntargets, reply);
		if (st->into != NULL) {
			const ProtobufCFieldDescriptor *lf =
				protobuf_c_message_descriptor_get_field_by_name(reply, st->into);
			mark_filled(into, st->into);
			d = lf->descriptor;
			into = target_for(targets, ntargets, d);
		}
		for (int c = 0; c < PQnfields(res); c++) {
			const char *col = PQfname(res, c);
			const ProtobufCFieldDescriptor *f =
				protobuf_c_message_descriptor_get_field_by_name(d, col);
			if (f == NULL && column_carried(d, col))
				continue;
			if (f == NULL) {
				problem(err, size, "row %s, statement %d: column %s has no field in %s",
					name, s + 1, col, d->name);
				PQclear(res);
				return false;
			}
			if (!column_type_ok(f, PQftype(res, c))) {
				problem(err, size, "row %s, statement %d: column %s (type oid %u) "
					"cannot fill %s.%s", name, s + 1, col, PQftype(res, c),
					d->name, f->name);
				PQclear(res);
				return false;
			}
			mark_filled(into, col);
			/* A time column X_us fills the text twin X too (sqlroute.c). */
			const ProtobufCFieldDescriptor *twin = sqlroute_time_twin(d, f);
			if (twin != NULL)
				mark_filled(into, twin->name);
		}
		PQclear(res);
	}
	return true;
}

static bool
check_row_db(PGconn *pg, const Route *r, char *err, size_t size)
{
	const char *name = route_name(r);
	const ProtobufCMessageDescriptor *reply =
		(const ProtobufCMessageDescriptor *)reply_field(r->reply)->descriptor;
	Target targets[ROUTE_MAX_STMTS + 1];
	int ntargets = 0;

	for (int s = 0; s < ROUTE_MAX_STMTS && r->stmts[s].sql != NULL; s++) {
		const SqlStmt *st = &r->stmts[s];
		int nparams = stmt_nparams(st);
		Shapes sh;
		if (!shapes_build(st->sql, nparams, &sh))
			return problem(err, size, "row %s: out of memory", name);
		/* Every shape the daemon may run (prepared.h), each as it is
		 * prepared on the pool's connections. */
		for (int k = 0; k < sh.nshapes; k++) {
			char shape[96] = "";
			if (sh.nopt > 0) {
				size_t n = (size_t)snprintf(shape, sizeof shape, " (shape with");
				for (int o = 0; o < sh.nopt && n < sizeof shape; o++)
					n += (size_t)snprintf(shape + n, sizeof shape - n, " $%d %s",
							      sh.opt[o], k & (1 << o) ? "set" : "unset");
				if (n < sizeof shape)
					snprintf(shape + n, sizeof shape - n, ")");
			}
			if (!check_stmt_db(pg, r, s, sh.sql[k], sh.ntypes[k], sh.types[k], shape, targets,
					   &ntargets, err, size)) {
				shapes_free(&sh);
				return false;
			}
		}
		shapes_free(&sh);
	}
	if (r->paged || r->paged_by_position)
		mark_filled(target_for(targets, &ntargets, reply), "next_page_token");
	for (int t = 0; t < ntargets; t++) {
		for (unsigned i = 0; i < targets[t].d->n_fields && i < sizeof targets[t].filled; i++) {
			if (!targets[t].filled[i])
				return problem(err, size, "row %s: reply field %s.%s has no column",
					       name, targets[t].d->name, targets[t].d->fields[i].name);
		}
	}
	return true;
}

bool
registry_check_db_tables(PGconn *pg, const Route *const *tables, size_t ntables, char *err,
			 size_t size)
{
	char one[512];
	int problems = 0;

	/* Every row is checked, so that one run names every problem; the
	 * first goes to err and the others to stderr. */
	for (size_t t = 0; t < ntables; t++) {
		for (const Route *r = tables[t]; r->kind != 0; r++) {
			if (r->handler != NULL || check_row_db(pg, r, one, sizeof one))
				continue;
			if (problems++ == 0)
				snprintf(err, size, "%s", one);
			else
				fprintf(stderr, "triadd: also: %s\n", one);
		}
	}
	return problems == 0;
}

bool
registry_check_db(const char *conninfo, char *err, size_t size)
{
	PGconn *pg = PQconnectdb(conninfo);
	if (PQstatus(pg) != CONNECTION_OK) {
		problem(err, size, "cannot connect to the database to check the routes: %s",
			PQerrorMessage(pg));
		PQfinish(pg);
		return false;
	}
	bool ok = registry_check_db_tables(pg, areas, NAREAS, err, size);
	PQfinish(pg);
	return ok;
}

/* ---- the published table ---- */

static void
json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		if ((unsigned char)*s < 0x20)
			fprintf(out, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

static void
print_roles(FILE *out, Verb verb, bool json)
{
	const char *roles[16];
	size_t n = auth_verb_roles(verb, roles, 16);
	const char *scope = auth_verb_scope(verb);

	if (json) {
		fputc('[', out);
		for (size_t i = 0; i < n; i++) {
			if (i)
				fputc(',', out);
			json_string(out, roles[i]);
		}
		fputc(']', out);
		return;
	}
	if (strcmp(scope, "public") == 0) {
		fputs("anyone, before signing in", out);
		return;
	}
	if (strcmp(scope, "session") == 0) {
		fputs("anyone signed in", out);
		return;
	}
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%s", i ? ", " : "", roles[i]);
}

static const Route **
sorted_rows(size_t *count)
{
	const ProtobufCMessageDescriptor *req = &triad__v1__request__descriptor;
	const Route **rows = calloc(req->n_fields, sizeof *rows);
	size_t n = 0;
	/* In the envelope's order, which groups the areas. */
	for (unsigned i = 0; rows != NULL && i < req->n_fields; i++) {
		const Route *r = registry_find((Triad__V1__Request__BodyCase)req->fields[i].id);
		if (r != NULL && (req->fields[i].flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
			rows[n++] = r;
	}
	*count = n;
	return rows;
}

void
registry_print(FILE *out, bool json)
{
	size_t n;
	const Route **rows = sorted_rows(&n);

	if (rows == NULL)
		return;
	if (json) {
		fputs("[\n", out);
		for (size_t i = 0; i < n; i++) {
			const Route *r = rows[i];
			fputs("  {\"request\": ", out);
			json_string(out, route_name(r));
			fputs(", \"verb\": ", out);
			json_string(out, auth_verb_name(r->verb));
			fputs(", \"scope\": ", out);
			json_string(out, auth_verb_scope(r->verb));
			fputs(", \"roles\": ", out);
			print_roles(out, r->verb, true);
			if (r->hook != NULL) {
				fputs(", \"variant\": {\"when\": ", out);
				json_string(out, r->hook->why);
				fputs(", \"verb\": ", out);
				json_string(out, auth_verb_name(r->hook->alt));
				fputs(", \"scope\": ", out);
				json_string(out, auth_verb_scope(r->hook->alt));
				fputs(", \"roles\": ", out);
				print_roles(out, r->hook->alt, true);
				fputc('}', out);
			}
			/* What the server does, for the contract's comments
			 * (proto/contract.py): paging, and the statements. */
			fprintf(out, ", \"paged\": \"%s\", \"handler\": %s, \"secret\": %s, "
				"\"not_found\": ",
				r->paged ? "id" : r->paged_by_position ? "position" : "",
				r->handler != NULL ? "true" : "false",
				r->flags & ROUTE_SECRET ? "true" : "false");
			json_string(out, r->not_found != NULL ? r->not_found : "");
			fputs(", \"statements\": [", out);
			for (int s = 0; s < ROUTE_MAX_STMTS && r->stmts[s].sql != NULL; s++) {
				fputs(s ? ", {\"sql\": " : "{\"sql\": ", out);
				json_string(out, r->stmts[s].sql);
				fputs(", \"into\": ", out);
				json_string(out, r->stmts[s].into != NULL ? r->stmts[s].into : "");
				fputs(", \"params\": [", out);
				for (int p = 0; p < ROUTE_MAX_PARAMS && r->stmts[s].params[p] != NULL; p++) {
					if (p)
						fputs(", ", out);
					json_string(out, r->stmts[s].params[p]);
				}
				fputs("]}", out);
			}
			fprintf(out, "], \"writes\": %s, \"idempotent\": %s, \"event\": %s, "
				"\"streams\": %s}%s\n",
				r->flags & ROUTE_WRITES ? "true" : "false",
				r->flags & ROUTE_IDEMPOTENT ? "true" : "false",
				r->flags & ROUTE_EVENT ? "true" : "false",
				r->flags & ROUTE_STREAMS ? "true" : "false", i + 1 < n ? "," : "");
		}
		fputs("]\n", out);
		free(rows);
		return;
	}
	fputs("| Request | Verb | Scope | Who may call it | Writes | Idempotent | Event |\n"
	      "| --- | --- | --- | --- | --- | --- | --- |\n", out);
	for (size_t i = 0; i < n; i++) {
		const Route *r = rows[i];
		fprintf(out, "| `%s` | %s | %s | ", route_name(r), auth_verb_name(r->verb),
			auth_verb_scope(r->verb));
		print_roles(out, r->verb, false);
		if (r->hook != NULL) {
			fprintf(out, "; %s: %s (%s) ", r->hook->why, auth_verb_name(r->hook->alt),
				auth_verb_scope(r->hook->alt));
			print_roles(out, r->hook->alt, false);
		}
		fprintf(out, " | %s | %s | %s |\n", r->flags & ROUTE_WRITES ? "yes" : "no",
			r->flags & ROUTE_IDEMPOTENT ? "yes" : (r->flags & ROUTE_WRITES ? "no" : "-"),
			r->flags & ROUTE_EVENT ? "yes" : "no");
	}
	free(rows);
}

/*
 * dispatch.c: from a request to its row, the one authorisation, and the
 * Call life cycle.
 */
#include "dispatch.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/sha.h>

#include "clock.h"
#include "frame.h"
#include "freelist.h"
#include "log.h"
#include "metrics.h"
#include "pool.h"
#include "registry.h"
#include "sqlroute.h"
#include "stream.h"
#include "tenants.h"
#include "text.h"

/* Calls answered, kept for the next requests (freelist.h). */
static FreeList call_cache = {.cap = 256};

static void
call_free(Call *call)
{
	principal_unref(call->principal);
	free(call->answer);
	freelist_give(&call_cache, call);
}

void
dispatch_free(void)
{
	freelist_clear(&call_cache);
}

/* Sends a packed answer (stored, or being committed) with this call's id. */
static void
call_answer_packed(Call *call, const uint8_t *bytes, size_t len)
{
	Triad__V1__Response *resp = frame_unpack_response(bytes, len, NULL);
	/* Every stored answer was packed with its status (call_answer() sets
	 * one first); without it, call_answer() would lend a stack status to a
	 * message that free_unpacked() then frees. */
	if (resp != NULL && resp->status == NULL) {
		triad__v1__response__free_unpacked(resp, NULL);
		resp = NULL;
	}
	if (resp == NULL) {
		log_error("bug", "what=stored_answer_unpack conn_slot=%" PRIu32 " id=%" PRIu64 " route=%s",
			  call->conn.slot, call->request_id, call->route);
		call_fail(call, TRIAD__V1__CODE__CODE_INTERNAL, NULL,
			  "the stored answer of this idempotency key cannot be read");
		return;
	}
	call->held = NULL;
	call_answer(call, resp);
	triad__v1__response__free_unpacked(resp, NULL);
}

/*
 * A committed write. One that wrote domain events: the listeners are told
 * (stream_events_committed()). One that changes tokens or grants: every
 * session checks its credentials in full at its next request, before the
 * answer goes out (the NOTIFY of the change may come later; other daemons
 * rely on it).
 */
static void
write_committed(const Call *call)
{
	if (call->row == NULL || !(call->row->flags & ROUTE_WRITES))
		return;
	if (call->row->flags & ROUTE_EVENT)
		stream_events_committed(call->srv->stream);
	switch (call->row->verb) {
	case VERB_CREATE_GRANT:
	case VERB_REVOKE_GRANT:
	case VERB_REVOKE_TOKEN:
	case VERB_PERSON_ERASE:
	case VERB_PERSON_ERASE_SERVICE:
		stream_credentials_changed(call->srv->stream);
		break;
	default:
		break;
	}
}

static void
idempotent_committed(void *arg, const DbOutcome *out)
{
	Call *call = arg;
	if (out->code == TRIAD__V1__CODE__CODE_OK) {
		write_committed(call);
		call_answer_packed(call, call->answer, call->answer_len);
		return;
	}
	if (out->code == TRIAD__V1__CODE__CODE_OUTCOME_UNKNOWN)
		call_fail(call, out->code, NULL, "%s", out->message);
	else
		call_fail(call, out->code, NULL, "the change could not be saved (%s)",
			  out->message);
}

const char call_store_sql[] =
	"SELECT triad_idempotency_store($1, nullif($2, '')::bytea, $3::boolean)";

/*
 * An OK answer of a held job: packed, stored with the key (without the
 * secret of a ROUTE_SECRET answer) and committed; it is sent once that has
 * happened. True when the call now waits for the commit.
 */
static bool
call_answer_commit(Call *call, const Triad__V1__Response *resp)
{
	DbJob *job = call->held;
	bool secret = (call->row->flags & ROUTE_SECRET) != 0;
	size_t len = frame_response_size(resp);
	char *hex = secret ? NULL : malloc(2 * len + 3);

	call->held = NULL;
	call->answer = malloc(len ? len : 1);
	if (call->answer == NULL || (!secret && hex == NULL)) {
		free(hex);
		return false;
	}
	call->answer_len = frame_response_pack(resp, call->answer);
	if (!secret)
		bytea_literal(call->answer, len, hex);
	const char *params[3] = {call->idempotency_key, secret ? "" : hex, secret ? "true" : "false"};
	bool ok = db_job_commit(job, call_store_sql, 3, params, idempotent_committed, call);
	free(hex);
	return ok;
}

void
call_answer(Call *call, Triad__V1__Response *resp)
{
	Triad__V1__Status ok = TRIAD__V1__STATUS__INIT;

	resp->id = call->request_id;
	if (resp->status == NULL)
		resp->status = &ok;
	if (call->held != NULL && resp->status->code == TRIAD__V1__CODE__CODE_OK) {
		if (call_answer_commit(call, resp))
			return;   /* idempotent_committed() sends it */
		call_fail(call, TRIAD__V1__CODE__CODE_UNAVAILABLE, NULL, "server is out of memory");
		return;
	}
	call->held = NULL;
	if (resp->status->code == TRIAD__V1__CODE__CODE_OK)
		write_committed(call);
	if (resp->status->code == TRIAD__V1__CODE__CODE_OK && call->row != NULL &&
	    (int)resp->body_case != (int)call->row->reply)
		log_error("bug", "what=reply_case conn_slot=%" PRIu32 " id=%" PRIu64 " route=%s "
			  "got=%d want=%d", call->conn.slot, call->request_id, call->route,
			  (int)resp->body_case, (int)call->row->reply);
	if (resp->status->code != TRIAD__V1__CODE__CODE_OK)
		call->srv->stats.responses_error++;
	uint64_t took = now_us() - call->started_us;
	metrics_request(call->row != NULL ? (unsigned)call->row->kind : 0, took);
	log_debug("request_done", "conn_slot=%" PRIu32 " id=%" PRIu64 " kind=%s code=%d us=%" PRIu64,
		  call->conn.slot, call->request_id, call->route, (int)resp->status->code, took);
	conn_send_answer(call->srv, call->conn, resp);
	call_free(call);
}

static void
call_vfail(Call *call, Triad__V1__Code code, const char *field, const char *fmt, va_list ap)
{
	char msg[512];
	Triad__V1__Status st = TRIAD__V1__STATUS__INIT;
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;

	vsnprintf(msg, sizeof msg, fmt, ap);
	/* Messages may quote what a client sent, cut at a byte count. */
	text_make_utf8(msg);
	st.code = code;
	st.message = msg;
	if (field != NULL)
		st.field = (char *)field;
	resp.status = &st;
	call_answer(call, &resp);
}

void
call_fail(Call *call, Triad__V1__Code code, const char *field, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	call_vfail(call, code, field, fmt, ap);
	va_end(ap);
}

bool
call_authorize(Call *call, Verb verb, const char *institution)
{
	const char *tenant = NULL;
	if (institution == NULL)
		institution = call->institution;

	switch (auth_decide(call->principal, verb, institution, &tenant)) {
	case AUTH_ALLOW:
		if (tenant != NULL) {
			text_copy(call->tenant_buf, sizeof call->tenant_buf, tenant);
			call->tenant = call->tenant_buf;
		}
		return true;
	case AUTH_DENY: {
		const char *who = auth_verb_who(verb);
		call_fail(call, TRIAD__V1__CODE__CODE_PERMISSION_DENIED, NULL,
			  "you may not %s%s%s%s%s%s", auth_verb_phrase(verb),
			  *institution ? " at " : "", institution, who != NULL ? ": " : "",
			  who != NULL ? who : "", who != NULL ? " may" : "");
		return false;
	}
	case AUTH_NOT_FOUND:
		call_fail(call, TRIAD__V1__CODE__CODE_NOT_FOUND, "institution",
			  "institution '%s' not found", institution);
		return false;
	case AUTH_NEED_INSTITUTION:
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, "institution",
			  "say which institution this is about (Request.institution; "
			  "in the client: --institution)");
		return false;
	}
	return false;
}

/* The done callback of a held job: the handler's (kept in the Call, which
 * outlives the job), with the job at hand for call_answer(). */
static void
held_done(void *arg, const DbOutcome *out)
{
	Call *call = arg;
	call->held = out->job;
	call->held_done(call->held_arg, out);
}

/* Makes job a held one when the call's request is to be done once. */
static bool
call_job_hold(Call *call, DbJob *job, DbDoneFn *done, void **arg)
{
	if (call->row == NULL || !(call->row->flags & ROUTE_IDEMPOTENT) ||
	    call->idempotency_key[0] == '\0' || call->principal == NULL || call->replaying)
		return true;
	char ttl[16];
	text_i64(ttl, sizeof ttl, call->srv->cfg.idempotency_ttl_s);
	if (!db_job_hold(job, call->idempotency_key, call->request_hash, call->route, ttl))
		return false;
	call->held_done = *done;
	call->held_arg = *arg;
	*done = held_done;
	*arg = call;
	return true;
}

const char *
call_request_id_text(Call *call)
{
	if (call->request_id_text[0] == '\0')
		text_u64(call->request_id_text, sizeof call->request_id_text, call->request_id);
	return call->request_id_text;
}

void
call_job_owner(const Call *call, DbJob *job)
{
	if (job == NULL)
		return;
	job->owner = pool_owner_conn(call->conn.slot, call->conn.gen);
	job->conn_slot = call->conn.slot;
	job->request_id = call->request_id;
	if (call->principal != NULL)
		job->principal = pool_owner_principal(call->principal->id);
}

/* The done callback of a job that checked the credentials in full: when
 * the check passed (the job succeeded, or failed at one of its own
 * statements, after the begin), the session may skip it until its token
 * or grants change (creds.h). */
static void
checked_done(void *arg, const DbOutcome *out)
{
	Call *call = arg;
	DbDoneFn done = call->check_done;
	void *done_arg = call->check_arg;

	if (call->principal != NULL && (out->code == TRIAD__V1__CODE__CODE_OK || out->failed_stmt >= 0))
		call->principal->checked = call->check_stamp;
	call->check_stamp = (CredsStamp){0, 0};
	call->check_done = NULL;
	call->check_arg = NULL;
	done(done_arg, out);
}

/*
 * The cheap begin (auth.h, Principal.checked): the job sets who the caller
 * is without the database checking the token and the grants again when no
 * change of the session's token or principal was heard of since its last
 * full check (the LISTEN connection is up), the token has not expired, and
 * the institution is one of the caller's grants (an id). Otherwise the job
 * checks in full and, when that passes, says so for the next requests.
 */
static void
call_job_begin(Call *call, DbJob *job, int grants)
{
	Principal *p = call->principal;

	if (p == NULL || p->token_id[0] == '\0' || !p->token_expiry_known)
		return;
	const Creds *creds = stream_credentials(call->srv->stream);
	if (creds == NULL)
		return;
	uint64_t epoch = creds->epoch;
	bool expired = p->token_expires_us != 0 && now_us() >= p->token_expires_us;
	bool tenant_ok = call->tenant == NULL || (grants > 0 && is_uuid(call->tenant));
	char id[37];
	/* An operator's institution, by slug or id: its id from the map. */
	if (!tenant_ok && p->operator && tenants_lookup(call->srv->pool, call->tenant, epoch, id)) {
		char *dup = strdup(id);
		if (dup != NULL) {
			free(job->institution);
			job->institution = dup;
			tenant_ok = true;
		}
	}
	if (creds_current(creds, p->checked, p->token_id, p->id) && !expired && tenant_ok) {
		job->begin_fast = true;
		return;
	}
	/* One check in flight per call: a job the call sends meanwhile
	 * checks in full too, without saying so. */
	if (expired || !tenant_ok || call->check_done != NULL)
		return;
	call->check_stamp = creds_stamp(creds);
	call->check_done = job->done;
	call->check_arg = job->arg;
	job->done = checked_done;
	job->arg = call;
}

static DbJob *
call_job_scoped(Call *call, DbDoneFn done, void *arg, bool hold)
{
	const Principal *p = call->principal;
	DbJob *job = db_job_new(done, arg);
	char grants[16];

	call_job_owner(call, job);
	/* The request's own job changes data when its route does, and writes
	 * its domain events (registry.h); its lookups only read. */
	if (job != NULL && hold && call->row != NULL && (call->row->flags & ROUTE_WRITES))
		job->writes = true;
	if (job != NULL && hold && call->row != NULL && (call->row->flags & ROUTE_EVENT))
		job->event_route = call->route;
	if (job != NULL && hold && !call_job_hold(call, job, &job->done, &job->arg)) {
		db_job_free(job);
		job = NULL;
	}
	int n = call->tenant != NULL ? auth_grant_count(p, call->tenant) : -1;

	text_i64(grants, sizeof grants, n);
	/* Who the caller is in the tenant, for the views' visibility rules. */
	const char *person = p != NULL && p->person_id[0] != '\0' ? p->person_id : NULL;
	const char *org = auth_organisation(p, call->tenant);
	if (job != NULL && !db_job_scope(job, call->tenant, p != NULL ? p->token_id : NULL,
					 p != NULL ? p->id : NULL, n >= 0 ? grants : NULL, person,
					 auth_is_staff(p, call->tenant), org[0] != '\0' ? org : NULL)) {
		db_job_free(job);
		job = NULL;
	}
	if (job != NULL)
		call_job_begin(call, job, n);
	if (job != NULL && p != NULL && p->token_id[0] != '\0' && !job->begin_fast)
		call->srv->stats.credential_checks++;
	if (job == NULL)
		call_fail(call, TRIAD__V1__CODE__CODE_UNAVAILABLE, NULL, "server is out of memory");
	return job;
}

DbJob *
call_job(Call *call, DbDoneFn done, void *arg)
{
	return call_job_scoped(call, done, arg, true);
}

DbJob *
call_lookup_job(Call *call, DbDoneFn done, void *arg)
{
	return call_job_scoped(call, done, arg, false);
}

bool
call_job_add(Call *call, DbJob *job, const char *sql, int nparams, const char *const *params)
{
	if (db_job_add(job, sql, nparams, params))
		return true;
	db_job_free(job);
	log_error("bug", "what=job_add conn_slot=%" PRIu32 " id=%" PRIu64 " route=%s",
		  call->conn.slot, call->request_id, call->route);
	call_fail(call, TRIAD__V1__CODE__CODE_INTERNAL, NULL, "internal error (job_add)");
	return false;
}

/* The stored first answer of a repeated request, read back. */
static void
replay_done(void *arg, const DbOutcome *out)
{
	Call *call = arg;
	if (call_db_failed(call, out, NULL))
		return;
	const PGresult *r = out->results[0];
	size_t len = 0;
	unsigned char *bytes = PQntuples(r) == 1 && !PQgetisnull(r, 0, 0)
		? PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 0), &len) : NULL;
	if (bytes == NULL) {
		call_fail(call, TRIAD__V1__CODE__CODE_INTERNAL, NULL,
			  "the stored answer of this idempotency key cannot be read");
		return;
	}
	call_answer_packed(call, bytes, len);
	PQfreemem(bytes);
}

/* A repeat of a request done already: its first answer, read in a job of
 * its own (the claim's transaction was rolled back). */
static void
call_replay(Call *call)
{
	const char *params[1] = {call->idempotency_key};
	call->replaying = true;
	DbJob *job = call_job(call, replay_done, call);
	if (job != NULL && call_job_add(call, job, "SELECT triad_idempotency_answer($1)", 1,
					params))
		pool_submit(call->srv->pool, job);
}

/*
 * The request field a table column came from: the body's own field of that
 * name, or one inside a message field of the body ("create_programme.
 * programme.code"). Written into field; false when none matches.
 */
static bool
column_field(Triad__V1__Request__BodyCase kind, const char *column, char *field, size_t size)
{
	const ProtobufCFieldDescriptor *bf =
		protobuf_c_message_descriptor_get_field(&triad__v1__request__descriptor, kind);
	if (bf == NULL || column == NULL || *column == '\0')
		return false;
	const ProtobufCMessageDescriptor *d = bf->descriptor;
	if (protobuf_c_message_descriptor_get_field_by_name(d, column) != NULL) {
		snprintf(field, size, "%s.%s", bf->name, column);
		return true;
	}
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (f->type == PROTOBUF_C_TYPE_MESSAGE && f->label != PROTOBUF_C_LABEL_REPEATED &&
		    protobuf_c_message_descriptor_get_field_by_name(f->descriptor, column) != NULL) {
			snprintf(field, size, "%s.%s.%s", bf->name, f->name, column);
			return true;
		}
	}
	return false;
}

/* The first column named in a DETAIL such as "Key (institution_id, code)=(...)
 * already exists.", skipping institution_id, which no caller sets. */
static void
detail_column(const char *detail, char *out, size_t size)
{
	const char *p = detail != NULL ? strstr(detail, "Key (") : NULL;
	out[0] = '\0';
	if (p == NULL)
		return;
	p += 5;
	while (*p != '\0' && *p != ')') {
		size_t n = strcspn(p, ",)");
		if (n != strlen("institution_id") || strncmp(p, "institution_id", n) != 0) {
			snprintf(out, size, "%.*s", (int)n, p);
			return;
		}
		p += n;
		while (*p == ',' || *p == ' ')
			p++;
	}
}

Triad__V1__Code
constraint_status(const DbOutcome *out, Triad__V1__Request__BodyCase kind, char *field,
		  size_t fsize, char *message, size_t msize)
{
	char column[64] = "", what[64];
	const char *table = out->table != NULL ? out->table : "record";
	const char *name = out->constraint != NULL ? out->constraint : "";
	bool known;

	field[0] = '\0';
	snprintf(what, sizeof what, "%s", table);
	for (char *c = what; *c; c++)
		*c = *c == '_' ? ' ' : *c;
	if (strcmp(out->sqlstate, "23502") == 0) {          /* not_null_violation */
		snprintf(column, sizeof column, "%s", out->field != NULL ? out->field : "");
		known = column_field(kind, column, field, fsize);
		snprintf(message, msize, "%s is required for a %s", column[0] ? column : "a value",
			 what);
		return TRIAD__V1__CODE__CODE_INVALID_ARGUMENT;
	}
	if (strcmp(out->sqlstate, "23505") == 0) {          /* unique_violation */
		detail_column(out->detail, column, sizeof column);
		known = column_field(kind, column, field, fsize);
		snprintf(message, msize, "there is already a %s with this %s", what,
			 column[0] ? column : "key");
		return TRIAD__V1__CODE__CODE_ALREADY_EXISTS;
	}
	if (strcmp(out->sqlstate, "23503") == 0) {          /* foreign_key_violation */
		detail_column(out->detail, column, sizeof column);
		if (out->detail != NULL && strstr(out->detail, "still referenced") != NULL) {
			/* TABLE_NAME is then the table that still refers to it. */
			snprintf(message, msize, "it is still used by a %s and cannot be removed",
				 what);
			return TRIAD__V1__CODE__CODE_FAILED_PRECONDITION;
		}
		known = column_field(kind, column, field, fsize);
		snprintf(message, msize, "%s names nothing that exists",
			 column[0] ? column : "a reference");
		return TRIAD__V1__CODE__CODE_NOT_FOUND;
	}
	/* check_violation and the rest: constraints are <table>_<column>_check
	 * by default. */
	size_t tl = strlen(table), nl = strlen(name);
	if (strncmp(name, table, tl) == 0 && name[tl] == '_' && nl > tl + 7 &&
	    strcmp(name + nl - 6, "_check") == 0)
		snprintf(column, sizeof column, "%.*s", (int)(nl - tl - 7), name + tl + 1);
	known = column_field(kind, column, field, fsize);
	if (known) {
		snprintf(message, msize, "%s is not allowed for a %s (rule %s)", column, what, name);
		return TRIAD__V1__CODE__CODE_INVALID_ARGUMENT;
	}
	snprintf(message, msize, "the %s would break the rule %s", what, name);
	return TRIAD__V1__CODE__CODE_FAILED_PRECONDITION;
}

bool
call_db_failed(Call *call, const DbOutcome *out, const char *what_failed)
{
	if (out->code == TRIAD__V1__CODE__CODE_OK)
		return false;
	call->held = NULL;
	if (strcmp(out->sqlstate, "TRIDP") == 0 && !call->replaying) {
		call_replay(call);
		return true;
	}
	/* The schema's own errors are written for people and may name a field;
	 * PostgreSQL's data errors (class 22: a bad date, a bad number) say what
	 * was wrong with a value. Anything else gets a generic sentence. */
	bool own = out->sqlstate[0] == 'T' && out->sqlstate[1] == 'R';
	bool data = out->sqlstate[0] == '2' && out->sqlstate[1] == '2';
	if (strcmp(out->sqlstate, "57014") == 0) {
		/* The server-side statement timeout: PostgreSQL cancelled the
		 * statement, and with it the transaction. */
		call_fail(call, TRIAD__V1__CODE__CODE_DEADLINE_EXCEEDED, NULL,
			  "the database took longer than the server allows and cancelled the "
			  "request: it was not done; try again");
	} else if (out->sqlstate[0] == '2' && out->sqlstate[1] == '3') {
		char field[160], msg[256];
		Triad__V1__Code code = constraint_status(
			out, call->row != NULL ? call->row->kind : TRIAD__V1__REQUEST__BODY__NOT_SET,
			field, sizeof field, msg, sizeof msg);
		call_fail(call, code, field[0] ? field : NULL, "%s", msg);
	} else if (own || data || out->sqlstate[0] == '\0' ||
	    out->code == TRIAD__V1__CODE__CODE_UNAVAILABLE)
		call_fail(call, out->code, own ? out->field : NULL, "%s", out->message);
	else if (what_failed != NULL)
		call_fail(call, out->code, NULL, "%s", what_failed);
	else {
		/* No SQLSTATE for people: the log has it, with the request. */
		log_warn("db_failed", "route=%s id=%" PRIu64 " sqlstate=%s", call->route,
			 call->request_id, out->sqlstate);
		call_fail(call, out->code, NULL,
			  "the database could not do this request; the server's log has the "
			  "details (request %" PRIu64 ")", call->request_id);
	}
	return true;
}

/* The institution the request is about: Request.institution, or the body
 * field the row names. NULL when that field is empty or too long to be one. */
static const char *
request_tenant(const Route *row, const Triad__V1__Request *req, char *field, size_t size)
{
	if (row->tenant_field == NULL)
		return req->institution;
	const ProtobufCFieldDescriptor *bf =
		protobuf_c_message_descriptor_get_field(&triad__v1__request__descriptor, req->body_case);
	const ProtobufCMessage *body =
		*(const ProtobufCMessage *const *)((const char *)req + bf->offset);
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field_by_name(body->descriptor, row->tenant_field);
	const char *value = *(const char *const *)((const char *)body + f->offset);
	snprintf(field, size, "%s.%s", bf->name, row->tenant_field);
	return value[0] != '\0' && strlen(value) <= INSTITUTION_ARG_MAX ? value : NULL;
}

/*
 * What makes two requests the same for an idempotency key: the request
 * kind, the institution (as authorisation resolved it: its id for callers
 * with grants there, whether they named it by slug or id; NULL for none)
 * and the body, packed. A bytea literal.
 */
static void
request_hash(const Triad__V1__Request *req, const char *tenant,
	     char out[2 + 2 * SHA256_DIGEST_LENGTH + 1])
{
	const ProtobufCFieldDescriptor *bf =
		protobuf_c_message_descriptor_get_field(&triad__v1__request__descriptor, req->body_case);
	const ProtobufCMessage *body =
		*(const ProtobufCMessage *const *)((const char *)req + bf->offset);
	uint8_t digest[SHA256_DIGEST_LENGTH], buf[512];
	ProtobufCBufferSimple packed = PROTOBUF_C_BUFFER_SIMPLE_INIT(buf);

	packed.base.append(&packed.base, strlen(bf->name) + 1, (const uint8_t *)bf->name);
	if (tenant == NULL)
		tenant = "";
	packed.base.append(&packed.base, strlen(tenant) + 1, (const uint8_t *)tenant);
	protobuf_c_message_pack_to_buffer(body, &packed.base);
	SHA256(packed.data, packed.len, digest);
	PROTOBUF_C_BUFFER_SIMPLE_CLEAR(&packed);
	bytea_literal(digest, SHA256_DIGEST_LENGTH, out);
}

void
dispatch_request(Conn *c, Triad__V1__Request *req, uint64_t arrived_us)
{
	const Route *row = registry_find(req->body_case);
	Call *call = freelist_take(&call_cache, sizeof *call);

	if (call == NULL) {
		conn_fail(c, TRIAD__V1__CODE__CODE_UNAVAILABLE, "server is out of memory");
		return;
	}
	*call = (Call){
		.srv = c->srv,
		.conn = c->ref,
		.request_id = req->id,
		.row = row,
		.route = route_name(row),
		.started_us = arrived_us,
		.principal = principal_ref(c->principal),
	};
	c->in_flight++;
	c->srv->stats.requests++;

	char tenant_field[96] = "institution";
	const char *tenant = NULL;
	bool handled = false;
	if (strlen(req->institution) > INSTITUTION_ARG_MAX) {
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, "institution",
			  "institution is longer than %d characters", INSTITUTION_ARG_MAX);
	} else if (strlen(req->idempotency_key) > IDEMPOTENCY_KEY_MAX) {
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, "idempotency_key",
			  "idempotency_key is longer than %d characters", IDEMPOTENCY_KEY_MAX);
	} else if (row == NULL) {
		if (req->body_case == TRIAD__V1__REQUEST__BODY__NOT_SET && req->base.n_unknown_fields == 0)
			call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, "body",
				  "request has no body: set exactly one request kind");
		else
			call_fail(call, TRIAD__V1__CODE__CODE_UNIMPLEMENTED, "body",
				  "this server does not implement that request kind; "
				  "it speaks protocol version %d", TRIAD_PROTOCOL_VERSION);
	} else if (!(row->flags & ROUTE_PUBLIC) && c->state != CONN_ST_READY) {
		call_fail(call, TRIAD__V1__CODE__CODE_UNAUTHENTICATED, NULL,
			  "no session: the first request on a connection must be a Hello");
		conn_close_after_flush(c);
	} else if ((tenant = request_tenant(row, req, tenant_field, sizeof tenant_field)) == NULL) {
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, tenant_field,
			  "say which institution: its id or its slug, of at most %d characters",
			  INSTITUTION_ARG_MAX);
	} else {
		text_copy(call->institution, sizeof call->institution, req->institution);
		text_copy(call->idempotency_key, sizeof call->idempotency_key, req->idempotency_key);
		/* The one place where access is decided: before any handler runs. */
		if (call_authorize(call, route_verb(row, call, req), tenant)) {
			if ((row->flags & ROUTE_IDEMPOTENT) && req->idempotency_key[0] != '\0')
				request_hash(req, call->tenant, call->request_hash);
			if (row->kind == TRIAD__V1__REQUEST__BODY_HELLO)
				c->hello_pending = true;
			(row->handler != NULL ? row->handler : sqlroute_handle)(call, req);
			handled = true;
		}
	}
	/* A Hello refused before its handler gives back the place it took
	 * among the sessions, and its connection ends, as any failed Hello's. */
	if (!handled && req->body_case == TRIAD__V1__REQUEST__BODY_HELLO &&
	    c->state == CONN_ST_HELLO) {
		conn_hello_failed(c);
		conn_close_after_flush(c);
	}
}

/*
 * svc_internship.c: the internship (placements, plans, hours, documents)
 * and intervision, as registry rows (see registry.h) over the functions of
 * sql/functions/internship.sql, plus three hand-written handlers:
 * creating a placement may mint an invite for the host supervisor (only
 * the daemon makes secrets), and documents carry bytes, which rows with
 * statements do not bind or answer.
 *
 * Who sees which placement, entry, document or case is the database's: the
 * views apply it from the caller triad_begin() describes. "$person" is
 * passed only where it says who acts: the participant writing her own, the
 * supervisor whose name goes on a decision, the member bringing a case.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pool.h"
#include "sqlroute.h"
#include "svc_util.h"

#define K(x) TRIAD__V1__REQUEST__BODY_##x
#define R(x) TRIAD__V1__RESPONSE__BODY_##x
#define ID(n) "nullif($" #n ", '')::uuid"
#define PAGE(n) " AND (nullif($" #n ", '') IS NULL OR id > nullif($" #n ", '')::uuid)"
/* The placement named by the participant key in $n (see triad_placement_find). */
#define PLACEMENT(n, field) "triad_placement_find($" #n ", '" field "')"

/* A chunk of a document read back: the default and the most. */
#define DOCUMENT_READ_DEFAULT (256 * 1024)
#define DOCUMENT_READ_MAX (512 * 1024)

static void svc_placement_create(Call *call, const Triad__V1__Request *req);
static void svc_document_put(Call *call, const Triad__V1__Request *req);
static void svc_document_get(Call *call, const Triad__V1__Request *req);

const Route internship_routes[] = {
	/* ---- placements and plans ---- */
	{.kind = K(CREATE_PLACEMENT), .verb = VERB_INTERNSHIP_WRITE, .reply = R(CREATE_PLACEMENT),
	 .flags = ROUTE_WRITE | ROUTE_SECRET, .handler = svc_placement_create},
	{K(GET_PLACEMENT), VERB_INTERNSHIP_READ, R(PLACEMENT), ROUTE_READ,
	 {{"SELECT * FROM placement_v WHERE id = " PLACEMENT(1, "get_placement.participant"),
	   {"participant"}}},
	 "internship placement not found"},
	{K(LIST_PLACEMENTS), VERB_INTERNSHIP_READ, R(PLACEMENTS), ROUTE_READ,
	 {{"SELECT * FROM placement_v WHERE true" PAGE(1) " ORDER BY id LIMIT $2::int",
	   {"page_token", "$limit"}, "placements"}},
	 NULL, true},
	{K(WRITE_PLACEMENT_PLAN), VERB_INTERNSHIP_OWN, R(PLACEMENT), ROUTE_WRITE,
	 {{"SELECT * FROM triad_placement_plan_write($1, $2, $3, $4::numeric)",
	   {"motivation", "research_question", "$person", "$request_id"}}}},
	{K(DECIDE_PLACEMENT_PLAN), VERB_INTERNSHIP_WRITE, R(PLACEMENT), ROUTE_WRITE,
	 {{"SELECT * FROM triad_placement_plan_decide("
	   PLACEMENT(1, "decide_placement_plan.participant") ", $2::boolean, $3, $4::numeric)",
	   {"participant", "approve", "note", "$request_id"}}}},
	{K(SET_INTERNSHIP_MINIMUM), VERB_INTERNSHIP_WRITE, R(INTERNSHIP_MINIMUM), ROUTE_WRITE,
	 {{"SELECT * FROM triad_internship_minimum_set(" ID(1) ", $2::float8, $3::numeric)",
	   {"programme_id@programme", "hours", "$request_id"}}}},

	/* ---- hours ---- */
	{K(LOG_HOURS), VERB_INTERNSHIP_OWN, R(HOURS_ENTRY), ROUTE_WRITE,
	 {{"SELECT * FROM triad_hours_log($1, $2::float8, $3, $4, $5::numeric)",
	   {"day", "hours", "description", "$person", "$request_id"}}}},
	/* Answers with every entry it submitted (at most a year's days), in
	 * one reply: ListHoursReply without a next page. */
	{K(SUBMIT_HOURS), VERB_INTERNSHIP_OWN, R(HOURS), ROUTE_WRITE,
	 {{"SELECT * FROM triad_hours_submit($1::text[], $2, $3::numeric)",
	   {"days", "$person", "$request_id"}, "entries"},
	  {"SELECT ''::text AS next_page_token", {NULL}}}},
	/* The decision names the supervisor: the caller's person, never a field. */
	{K(VERIFY_HOURS), VERB_HOURS_DECIDE, R(HOURS_ENTRY), ROUTE_WRITE,
	 {{"SELECT * FROM triad_hours_decide($1, $2, true, '', $3, $4::numeric)",
	   {"participant", "day", "$person", "$request_id"}}}},
	{K(REJECT_HOURS), VERB_HOURS_DECIDE, R(HOURS_ENTRY), ROUTE_WRITE,
	 {{"SELECT * FROM triad_hours_decide($1, $2, false, $3, $4, $5::numeric)",
	   {"participant", "day", "reason", "$person", "$request_id"}}}},
	{K(REOPEN_HOURS), VERB_HOURS_REOPEN, R(HOURS_ENTRY), ROUTE_WRITE,
	 {{"SELECT * FROM triad_hours_reopen(" PLACEMENT(1, "reopen_hours.participant")
	   ", $2, $3, $4::numeric)",
	   {"participant", "day", "reason", "$request_id"}}}},
	{K(LIST_HOURS), VERB_INTERNSHIP_READ, R(HOURS), ROUTE_READ,
	 {{"SELECT * FROM triad_hours_list($1, $2) ORDER BY participant_email, day, id"
	   " LIMIT $3::int OFFSET $4::int",
	   {"participant", "status", "$limit", "$offset"}, "entries"}},
	 .paged_by_position = true},

	/* ---- documents ---- */
	{.kind = K(PUT_DOCUMENT), .verb = VERB_INTERNSHIP_OWN, .reply = R(DOCUMENT),
	 .flags = ROUTE_WRITE, .handler = svc_document_put},
	{.kind = K(GET_DOCUMENT), .verb = VERB_DOCUMENT_READ, .reply = R(GET_DOCUMENT),
	 .flags = ROUTE_READ, .handler = svc_document_get},
	{K(LIST_DOCUMENTS), VERB_DOCUMENT_READ, R(DOCUMENTS), ROUTE_READ,
	 {{"SELECT * FROM document_v WHERE placement_id = "
	   PLACEMENT(1, "list_documents.participant") " ORDER BY kind, created_at_us, id"
	   " LIMIT $2::int OFFSET $3::int",
	   {"participant", "$limit", "$offset"}, "documents"}},
	 .paged_by_position = true},

	/* ---- intervision ---- */
	{K(CREATE_INTERVISION_SESSION), VERB_INTERVISION_WRITE, R(INTERVISION_SESSION), ROUTE_WRITE,
	 {{"SELECT * FROM triad_intervision_session_create($1, $2, " ID(3) ", $4::boolean,"
	   " $5::numeric)",
	   {"group", "starts_at", "facilitator@person", "record_history", "$request_id"}}}},
	{K(LIST_INTERVISION_SESSIONS), VERB_INTERVISION_READ, R(INTERVISION_SESSIONS), ROUTE_READ,
	 {{"SELECT * FROM triad_intervision_sessions($1) ORDER BY starts_at_us, group_name, id"
	   " LIMIT $2::int OFFSET $3::int",
	   {"group", "$limit", "$offset"}, "sessions"}},
	 .paged_by_position = true},
	{K(BRING_CASE), VERB_INTERVISION_CASE, R(INTERVISION_CASE), ROUTE_WRITE,
	 {{"SELECT * FROM triad_intervision_case_bring($1, $2, $3, $4, $5::numeric)",
	   {"session", "title", "text", "$person", "$request_id"}}}},
	{K(LIST_CASES), VERB_INTERVISION_READ, R(INTERVISION_CASES), ROUTE_READ,
	 {{"SELECT * FROM triad_intervision_cases($1) ORDER BY created_at_us, id"
	   " LIMIT $2::int OFFSET $3::int",
	   {"session", "$limit", "$offset"}, "cases"}},
	 .paged_by_position = true},
	{K(RECORD_INTERVISION_ATTENDANCE), VERB_INTERVISION_WRITE, R(INTERVISION_ATTENDANCE),
	 ROUTE_WRITE,
	 {{"SELECT * FROM triad_intervision_attendance_record($1, $2, $3, $4::numeric)",
	   {"session", "participant", "status", "$request_id"}}}},
	{K(LIST_INTERVISION_ATTENDANCE), VERB_INTERVISION_READ, R(INTERVISION_ATTENDANCE_LIST),
	 ROUTE_READ,
	 {{"SELECT * FROM triad_intervision_attendance($1)"
	   " ORDER BY participant_name, participant_email LIMIT $2::int OFFSET $3::int",
	   {"session", "$limit", "$offset"}, "attendance"}},
	 .paged_by_position = true},

	{0},
};

/* ---- CreatePlacement ---- */

typedef struct PlacementCtx {
	Call *call;
	char code[SECRET_LEN + 1];
	char starts_on[11], ends_on[11];
} PlacementCtx;

static void
placement_ctx_free(PlacementCtx *ctx)
{
	if (ctx != NULL)
		explicit_bzero(ctx->code, sizeof ctx->code);
	free(ctx);
}

static void
placement_done(void *arg, const DbOutcome *out)
{
	PlacementCtx *ctx = arg;
	Call *call = ctx->call;

	if (!call_db_failed(call, out, NULL)) {
		Triad__V1__CreatePlacementReply reply = TRIAD__V1__CREATE_PLACEMENT_REPLY__INIT;
		Triad__V1__InternshipPlacement pl = TRIAD__V1__INTERNSHIP_PLACEMENT__INIT;
		Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
		SqlTimes pl_times = {0};
		if (PQntuples(out->results[0]) != 1 || !sqlroute_fill(&pl.base, out->results[0], 0, &pl_times)) {
			log_error("bug", "what=placement_reply");
			call_fail(call, TRIAD__V1__CODE__CODE_INTERNAL, NULL, "internal error (reply)");
			placement_ctx_free(ctx);
			return;
		}
		reply.placement = &pl;
		/* The supervisor could not sign in yet: here is his invite. */
		reply.invite_code = PQntuples(out->results[1]) == 1 ? ctx->code : "";
		resp.body_case = TRIAD__V1__RESPONSE__BODY_CREATE_PLACEMENT;
		resp.create_placement = &reply;
		call_answer(call, &resp);
	}
	placement_ctx_free(ctx);
}

/*
 * With the enrollment, the organisation and the supervisor found (ids):
 * creates the placement and, in the same transaction, the supervisor's
 * invite when he cannot sign in yet (triad_coach_invite: the invite a new
 * coach gets).
 */
static void
placement_create_found(Call *call, char *const *ids, void *arg)
{
	PlacementCtx *ctx = arg;
	char prefix[SECRET_PREFIX_LEN + 1], hash_text[2 + 2 * SECRET_HASH_LEN + 1];
	uint8_t hash[SECRET_HASH_LEN];

	if (ids == NULL) {
		placement_ctx_free(ctx);
		return;
	}
	if (!check_id(call, "create_placement.enrollment_id", ids[0], true) ||
	    !check_id(call, "create_placement.organisation_id", ids[1], true) ||
	    !check_id(call, "create_placement.supervisor", ids[2], true)) {
		placement_ctx_free(ctx);
		return;
	}
	if (!secret_new("inv", ctx->code, prefix, hash)) {
		placement_ctx_free(ctx);
		call_fail(call, TRIAD__V1__CODE__CODE_UNAVAILABLE, NULL,
			  "the server could not make an invite code; try again");
		return;
	}
	secret_hash_to_bytea(hash, hash_text);
	const char *pl[6] = {ids[0], ids[1], ids[2], ctx->starts_on, ctx->ends_on,
			     call_request_id_text(call)};
	const char *inv[5] = {ids[2], prefix, hash_text, call_request_id_text(call), ctx->code};
	DbJob *job = call_job(call, placement_done, ctx);
	if (job == NULL ||
	    !call_job_add(call, job,
			  "SELECT * FROM triad_placement_create($1::uuid, $2::uuid, $3::uuid, $4, $5,"
			  " $6::numeric)", 6, pl) ||
	    !call_job_add(call, job,
			  "SELECT id FROM triad_coach_invite($1::uuid, $2, $3::bytea, $5, $4::numeric)"
			  " AS id", 5, inv)) {
		placement_ctx_free(ctx);
		return;
	}
	pool_submit(call->srv->pool, job);
}

/* The enrollment by id or key, the organisation by id, name or registry
 * number, the supervisor by id or e-mail address. */
static void
svc_placement_create(Call *call, const Triad__V1__Request *req)
{
	const Triad__V1__CreatePlacementRequest *m = req->create_placement;
	PlacementCtx *ctx;

	if (!check_text(call, "create_placement.enrollment_id", m->enrollment_id, 1,
			SQLROUTE_KEY_MAX) ||
	    !check_text(call, "create_placement.organisation_id", m->organisation_id, 1,
			SQLROUTE_KEY_MAX) ||
	    !check_text(call, "create_placement.supervisor", m->supervisor, 1, SQLROUTE_KEY_MAX) ||
	    !check_text(call, "create_placement.starts_on", m->starts_on, 0, 10) ||
	    !check_text(call, "create_placement.ends_on", m->ends_on, 0, 10))
		return;
	if ((ctx = calloc(1, sizeof *ctx)) == NULL) {
		list_answer_oom(call);
		return;
	}
	ctx->call = call;
	snprintf(ctx->starts_on, sizeof ctx->starts_on, "%s", m->starts_on);
	snprintf(ctx->ends_on, sizeof ctx->ends_on, "%s", m->ends_on);
	const SqlKey keys[3] = {
		{"create_placement.enrollment_id", "enrollment", m->enrollment_id},
		{"create_placement.organisation_id", "organisation", m->organisation_id},
		{"create_placement.supervisor", "coach", m->supervisor},
	};
	sqlroute_keys(call, keys, 3, placement_create_found, ctx);
}

/* ---- documents ---- */

static void
document_put_done(void *arg, const DbOutcome *out)
{
	Call *call = arg;

	if (call_db_failed(call, out, NULL))
		return;
	Triad__V1__Document doc = TRIAD__V1__DOCUMENT__INIT;
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	SqlTimes doc_times = {0};
	if (PQntuples(out->results[0]) != 1 || !sqlroute_fill(&doc.base, out->results[0], 0, &doc_times)) {
		log_error("bug", "what=document_reply");
		call_fail(call, TRIAD__V1__CODE__CODE_INTERNAL, NULL, "internal error (reply)");
		return;
	}
	resp.body_case = TRIAD__V1__RESPONSE__BODY_DOCUMENT;
	resp.document = &doc;
	call_answer(call, &resp);
}

/*
 * One chunk of the caller's own document. The size is checked against the
 * server's limit before anything is stored; the bytes go to the database
 * as a bytea literal; the rules of resuming are triad_document_put()'s.
 */
static void
svc_document_put(Call *call, const Triad__V1__Request *req)
{
	const Triad__V1__PutDocumentRequest *m = req->put_document;
	int64_t max = call->srv->cfg.document_max_bytes;
	char kind[32], size[24], offset[24];

	if (!check_text(call, "put_document.media_type", m->media_type, 0, 200) ||
	    !check_text(call, "put_document.sha256", m->sha256, 0, 64))
		return;
	if (!sqlroute_enum_name(&triad__v1__document_kind__descriptor, (int)m->kind, kind,
				sizeof kind)) {
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, "put_document.kind",
			  "kind %d is not a kind of document", (int)m->kind);
		return;
	}
	if (m->size > max) {
		call_fail(call, TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED, "put_document.size",
			  "the document is %lld bytes; this server keeps documents of at most %lld "
			  "bytes", (long long)m->size, (long long)max);
		return;
	}
	if (m->offset < 0 || m->offset > m->size) {
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, "put_document.offset",
			  "offset must be between 0 and the document's size");
		return;
	}
	char *data = malloc(2 * m->data.len + 3);
	if (data == NULL) {
		list_answer_oom(call);
		return;
	}
	bytea_literal(m->data.data, m->data.len, data);
	snprintf(size, sizeof size, "%lld", (long long)m->size);
	snprintf(offset, sizeof offset, "%lld", (long long)m->offset);
	const char *params[8] = {kind, m->media_type, size, m->sha256, offset, data,
				 call->principal->person_id, call_request_id_text(call)};
	DbJob *job = call_job(call, document_put_done, call);
	bool ok = job != NULL &&
		  call_job_add(call, job,
			       "SELECT * FROM triad_document_put($1, $2, $3::bigint, lower($4),"
			       " $5::bigint, $6::bytea, $7, $8::numeric)", 8, params);
	free(data);   /* the job copied it */
	if (ok)
		pool_submit(call->srv->pool, job);
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A bytea in PostgreSQL's hex output ("\x0a1b...") into a new buffer. */
static bool
bytea_decode(const char *text, uint8_t **out, size_t *len)
{
	size_t n = strlen(text);

	*out = NULL;
	*len = 0;
	if (n < 2 || text[0] != '\\' || text[1] != 'x' || n % 2 != 0)
		return false;
	*len = (n - 2) / 2;
	if ((*out = malloc(*len ? *len : 1)) == NULL)
		return false;
	for (size_t i = 0; i < *len; i++) {
		int hi = hex_digit(text[2 + 2 * i]), lo = hex_digit(text[3 + 2 * i]);
		if (hi < 0 || lo < 0) {
			free(*out);
			*out = NULL;
			return false;
		}
		(*out)[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

typedef struct DocumentGetCtx {
	Call *call;
	int64_t offset;
} DocumentGetCtx;

static void
document_get_done(void *arg, const DbOutcome *out)
{
	DocumentGetCtx *ctx = arg;
	Call *call = ctx->call;
	int64_t offset = ctx->offset;

	free(ctx);
	if (call_db_failed(call, out, NULL))
		return;
	const PGresult *r = out->results[0];
	Triad__V1__Document doc = TRIAD__V1__DOCUMENT__INIT;
	Triad__V1__GetDocumentReply reply = TRIAD__V1__GET_DOCUMENT_REPLY__INIT;
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	int col = PQfnumber(r, "data");
	uint8_t *bytes = NULL;
	size_t len = 0;
	SqlTimes doc_times = {0};
	if (PQntuples(r) != 1 || col < 0 || !sqlroute_fill(&doc.base, r, 0, &doc_times) ||
	    !bytea_decode(PQgetvalue(r, 0, col), &bytes, &len)) {
		log_error("bug", "what=document_read_reply");
		call_fail(call, TRIAD__V1__CODE__CODE_INTERNAL, NULL, "internal error (reply)");
		return;
	}
	reply.document = &doc;
	reply.offset = offset;
	reply.data.data = bytes;
	reply.data.len = len;
	resp.body_case = TRIAD__V1__RESPONSE__BODY_GET_DOCUMENT;
	resp.get_document = &reply;
	call_answer(call, &resp);
	free(bytes);
}

/*
 * Up to max_bytes of a submitted document from offset: never more than
 * fits a frame with room to spare, so a client reads any document with
 * any frame limit, chunk by chunk.
 */
static void
svc_document_get(Call *call, const Triad__V1__Request *req)
{
	const Triad__V1__GetDocumentRequest *m = req->get_document;
	int64_t max = m->max_bytes > 0 ? m->max_bytes : DOCUMENT_READ_DEFAULT;
	int64_t frame = call->srv->cfg.max_frame_bytes - 1024;
	char kind[32], offset[24], limit[16];
	DocumentGetCtx *ctx;

	if (!check_text(call, "get_document.participant", m->participant, 0, SQLROUTE_KEY_MAX))
		return;
	if (!sqlroute_enum_name(&triad__v1__document_kind__descriptor, (int)m->kind, kind,
				sizeof kind)) {
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, "get_document.kind",
			  "kind %d is not a kind of document", (int)m->kind);
		return;
	}
	if (m->offset < 0) {
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, "get_document.offset",
			  "offset must not be negative");
		return;
	}
	if (max > DOCUMENT_READ_MAX)
		max = DOCUMENT_READ_MAX;
	if (max > frame)
		max = frame > 1 ? frame : 1;
	if ((ctx = malloc(sizeof *ctx)) == NULL) {
		list_answer_oom(call);
		return;
	}
	ctx->call = call;
	ctx->offset = m->offset;
	snprintf(offset, sizeof offset, "%lld", (long long)m->offset);
	snprintf(limit, sizeof limit, "%lld", (long long)max);
	const char *params[4] = {m->participant, kind, offset, limit};
	DbJob *job = call_job(call, document_get_done, ctx);
	if (job == NULL ||
	    !call_job_add(call, job,
			  "SELECT * FROM triad_document_read($1, $2, $3::bigint, $4::int)", 4,
			  params)) {
		free(ctx);
		return;
	}
	pool_submit(call->srv->pool, job);
}

/*
 * svc_triangle.c: the workplace triangle. Agreements and partners, coaching
 * relations, feedback requests, feedback, consent and advisory judgements,
 * as registry rows (see registry.h) over the functions of
 * sql/functions/triangle.sql, plus two hand-written handlers:
 * creating or approving a relation may have to mint an invite for the
 * coach, and only the daemon makes secrets.
 *
 * Who sees which relation, feedback or employer's row is the database's:
 * the views apply it from the caller triad_begin() describes, so no row
 * here filters by the caller. "$person" is passed only where it says who
 * acts (the proposer, the asker, the coach, the consenting participant).
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

static void svc_relation_create(Call *call, const Triad__V1__Request *req);
static void svc_relation_approve(Call *call, const Triad__V1__Request *req);

const Route triangle_routes[] = {
	/* ---- agreements and partners ---- */
	{K(CREATE_AGREEMENT), VERB_PARTNER_WRITE, R(AGREEMENT), ROUTE_WRITE,
	 {{"SELECT * FROM triad_agreement_create(" ID(1) ", nullif($2, ''), $3, $4, $5::numeric,"
	   " $6::int, $7::int, $8::text[], $9::text[], $10::text[], $11::numeric)",
	   {"agreement.organisation_id@organisation", "agreement.kind", "agreement.starts_on",
	    "agreement.ends_on", "agreement.hours_per_week", "agreement.change_assignments",
	    "agreement.internship_places", "agreement.contacts", "agreement.ambassadors",
	    "agreement.members", "$request_id"}}}},
	{K(GET_AGREEMENT), VERB_PARTNER_READ, R(AGREEMENT), ROUTE_READ,
	 {{"SELECT * FROM agreement_v WHERE id = " ID(1), {"id"}}}, "agreement not found"},
	{K(LIST_AGREEMENTS), VERB_PARTNER_READ, R(AGREEMENTS), ROUTE_READ,
	 {{"SELECT * FROM agreement_v WHERE (nullif($1, '') IS NULL OR organisation_id = " ID(1) ")"
	   PAGE(2) " ORDER BY id LIMIT $3::int",
	   {"organisation_id@organisation", "page_token", "$limit"}, "agreements"}}, NULL, true},
	{K(END_AGREEMENT), VERB_PARTNER_WRITE, R(AGREEMENT), ROUTE_WRITE,
	 {{"SELECT * FROM triad_agreement_end(" ID(1) ", $2, $3::numeric)",
	   {"id", "ends_on", "$request_id"}}}},
	{K(LIST_PARTNERS), VERB_PARTNER_READ, R(PARTNERS), ROUTE_READ,
	 {{"SELECT * FROM partner_v WHERE true" PAGE(1) " ORDER BY id LIMIT $2::int",
	   {"page_token", "$limit"}, "partners"}}, NULL, true},

	/* ---- relations ---- */
	/* Creating or approving a relation may have to mint an invite for
	 * the coach, and only the daemon makes secrets. */
	{.kind = K(CREATE_RELATION), .verb = VERB_RELATION_WRITE, .reply = R(CREATE_RELATION),
	 .flags = ROUTE_WRITE | ROUTE_SECRET, .handler = svc_relation_create},
	{K(PROPOSE_RELATION), VERB_RELATION_PROPOSE, R(RELATION), ROUTE_WRITE,
	 {{"SELECT * FROM triad_relation_create(" ID(1) ", " ID(2) ", nullif($3, ''), '', '',"
	   " 'proposed', $4, $5::numeric)",
	   {"enrollment_id@my_enrollment", "coach_person_id@coach", "kind", "$person", "$request_id"}}}},
	{.kind = K(APPROVE_RELATION), .verb = VERB_RELATION_WRITE, .reply = R(CREATE_RELATION),
	 .flags = ROUTE_WRITE | ROUTE_SECRET, .handler = svc_relation_approve},
	{K(END_RELATION), VERB_RELATION_WRITE, R(RELATION), ROUTE_WRITE,
	 {{"SELECT * FROM triad_relation_set(" ID(1) ", 'ended', $2::numeric)",
	   {"id@relation", "$request_id"}}}},
	/* Staff see every relation; a participant their own (to ask for feedback). */
	{K(LIST_RELATIONS), VERB_RELATION_READ, R(RELATIONS), ROUTE_READ,
	 {{"SELECT * FROM relation_v WHERE (nullif($1, '') IS NULL OR enrollment_id = " ID(1) ")"
	   "   AND (nullif($2, '') IS NULL OR coach_person_id = " ID(2) ")" PAGE(3)
	   " ORDER BY id LIMIT $4::int",
	   {"enrollment_id@enrollment", "coach_person_id@person", "page_token", "$limit"},
	   "relations"}},
	 NULL, true},
	/* A coach's own view, across institutions: no tenant, the caller's person. */
	{K(LIST_COACHEES), VERB_COACHEES, R(COACHEES), ROUTE_READ,
	 {{"SELECT * FROM triad_coachees($1)"
	   " ORDER BY institution_slug, participant_name, relation_id LIMIT $2::int OFFSET $3::int",
	   {"$person", "$limit", "$offset"}, "coachees"}},
	 .paged_by_position = true},
	{K(LIST_FEEDBACK_REQUESTS), VERB_COACHEES, R(FEEDBACK_REQUESTS), ROUTE_READ,
	 {{"SELECT * FROM triad_coach_requests($1)"
	   " ORDER BY overdue DESC, due_on NULLS LAST, created_at_us, id LIMIT $2::int OFFSET $3::int",
	   {"$person", "$limit", "$offset"}, "requests"}},
	 .paged_by_position = true},
	/* Inside one institution: the participant's own, the coach's, staff all. */
	{K(LIST_SENT_FEEDBACK_REQUESTS), VERB_FEEDBACK_READ, R(SENT_FEEDBACK_REQUESTS), ROUTE_READ,
	 {{"SELECT * FROM feedback_request_v"
	   " WHERE (nullif($1, '') IS NULL OR relation_id = " ID(1) ")"
	   "   AND ($2::boolean OR answered_at_us IS NULL)" PAGE(3) " ORDER BY id LIMIT $4::int",
	   {"relation_id@relation", "include_answered", "page_token", "$limit"}, "requests"}},
	 NULL, true},

	/* ---- feedback ---- */
	{K(REQUEST_FEEDBACK), VERB_FEEDBACK_REQUEST, R(FEEDBACK_REQUEST), ROUTE_WRITE,
	 {{"SELECT * FROM triad_feedback_request_create(" ID(1) ", " ID(2) ", " ID(3) ", $4, $5,"
	   " $6, $7, $8::numeric)",
	   {"relation_id@my_relation", "outcome_id@outcome", "module_id@module", "assignment",
	    "question", "due_on",
	    "$person", "$request_id"}}}},
	{K(GIVE_FEEDBACK), VERB_FEEDBACK_GIVE, R(FEEDBACK), ROUTE_WRITE,
	 {{"SELECT * FROM triad_feedback_give(" ID(1) ", $2, $3, $4, $5, " ID(6) ", " ID(7) ", "
	   ID(8) ", $9, $10::numeric)",
	   {"relation_id", "situation", "behaviour", "effect", "suggestion", "outcome_id@outcome",
	    "module_id@module", "request_id", "$person", "$request_id"}}}},
	{K(EDIT_FEEDBACK), VERB_FEEDBACK_GIVE, R(FEEDBACK), ROUTE_WRITE,
	 {{"SELECT * FROM triad_feedback_edit(" ID(1) ", $2, $3, $4, $5, $6, $7::numeric)",
	   {"id", "situation", "behaviour", "effect", "suggestion", "$person", "$request_id"}}}},
	{K(GET_FEEDBACK), VERB_FEEDBACK_READ, R(FEEDBACK), ROUTE_READ,
	 {{"SELECT * FROM feedback_v WHERE id = " ID(1), {"id"}}}, "feedback not found"},
	{K(LIST_FEEDBACK), VERB_FEEDBACK_READ, R(FEEDBACK_LIST), ROUTE_READ,
	 /* The page's ids first, from an index that stops after them, then their rows. */
	 {{"SELECT * FROM feedback_v WHERE id = ANY (ARRAY("
	   "SELECT id FROM feedback_seen WHERE (nullif($1, '') IS NULL OR enrollment_id = " ID(1) ")"
	   PAGE(2) " ORDER BY id LIMIT $3::int)) ORDER BY id",
	   {"enrollment_id@enrollment", "page_token", "$limit"}, "feedback"}},
	 NULL, true},

	/* ---- consent, the employer's view, judgements ---- */
	{K(SET_CONSENT), VERB_CONSENT_SET, R(CONSENT), ROUTE_WRITE,
	 {{"SELECT * FROM triad_consent_set(" ID(1) ", " ID(2) ", coalesce(nullif($3, ''), 'none'),"
	   " $4, $5::numeric)",
	   {"enrollment_id@my_enrollment", "organisation_id@organisation", "level", "$person",
	    "$request_id"}}}},
	{K(LIST_EMPLOYER_VIEW), VERB_EMPLOYER_VIEW, R(EMPLOYER_VIEW), ROUTE_READ,
	 {{"SELECT * FROM employer_view_v WHERE true" PAGE(1) " ORDER BY id LIMIT $2::int",
	   {"page_token", "$limit"}, "participants"},
	  {"SELECT f.* FROM feedback_v f"
	   "  JOIN employer_view_v v ON v.enrollment_id = f.enrollment_id"
	   " WHERE v.consent = 'full' ORDER BY f.at DESC LIMIT 500",
	   {NULL}, "feedback"}},
	 NULL, true},
	/* A participant her own, an organisation those given to it, staff all. */
	{K(LIST_CONSENTS), VERB_CONSENT_READ, R(CONSENTS), ROUTE_READ,
	 {{"SELECT * FROM consent_v WHERE (nullif($1, '') IS NULL OR enrollment_id = " ID(1) ")"
	   "   AND (nullif($2, '') IS NULL OR organisation_id = " ID(2) ")" PAGE(3)
	   " ORDER BY id LIMIT $4::int",
	   {"enrollment_id@enrollment", "organisation_id@organisation", "page_token", "$limit"},
	   "consents"}},
	 NULL, true},
	/* Assessors all, the participant those about her, an organisation its own. */
	{K(LIST_ADVISORY_JUDGEMENTS), VERB_JUDGEMENT_READ, R(ADVISORY_JUDGEMENTS), ROUTE_READ,
	 {{"SELECT * FROM judgement_v WHERE (nullif($1, '') IS NULL OR enrollment_id = " ID(1) ")"
	   PAGE(2) " ORDER BY id LIMIT $3::int",
	   {"enrollment_id@enrollment", "page_token", "$limit"}, "judgements"}},
	 NULL, true},
	{K(ADD_ADVISORY_JUDGEMENT), VERB_JUDGEMENT_ADD, R(ADVISORY_JUDGEMENT), ROUTE_WRITE,
	 {{"SELECT * FROM triad_judgement_add(" ID(1) ", $2, $3, $4::numeric)",
	   {"enrollment_id@enrollment", "subject", "text", "$request_id"}}}},

	{0},
};

/* ---- CreateRelation and ApproveRelation ---- */

typedef struct RelationCtx {
	Call *call;
	char code[SECRET_LEN + 1];
	char kind[32];
	char starts_on[11], ends_on[11];
} RelationCtx;

/*
 * The coach's invite (audited, and mailed with its code), when the coach
 * (the person COACH, an SQL expression over $1) cannot sign in yet: $2 its
 * prefix, $3 its hash, $4 the request, $5 the code for the mail. Returns
 * the invite's id, or no row when the coach can sign in.
 */
#define RELATION_INVITE_SQL(COACH) \
	"SELECT id FROM triad_coach_invite(" COACH ", $2, $3::bytea, $5, $4::numeric) AS id"

static const char create_invite_sql[] = RELATION_INVITE_SQL("$1::uuid");
static const char approve_invite_sql[] =
	RELATION_INVITE_SQL("(SELECT coach_person_id FROM coaching_relation WHERE id = $1::uuid)");

static void
relation_ctx_free(RelationCtx *ctx)
{
	if (ctx != NULL)
		explicit_bzero(ctx->code, sizeof ctx->code);
	free(ctx);
}

static void
relation_done(void *arg, const DbOutcome *out)
{
	RelationCtx *ctx = arg;
	Call *call = ctx->call;

	if (!call_db_failed(call, out, NULL)) {
		const PGresult *r = out->results[0];
		Triad__V1__CreateRelationReply reply = TRIAD__V1__CREATE_RELATION_REPLY__INIT;
		Triad__V1__CoachingRelation rel = TRIAD__V1__COACHING_RELATION__INIT;
		Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
		rel.id = cell(r, 0, 0);
		rel.enrollment_id = cell(r, 0, 1);
		rel.participant_name = cell(r, 0, 2);
		rel.coach_person_id = cell(r, 0, 3);
		rel.coach_name = cell(r, 0, 4);
		rel.kind = (Triad__V1__RelationKind)sqlroute_enum(&triad__v1__relation_kind__descriptor,
								   cell(r, 0, 5));
		rel.status = (Triad__V1__RelationStatus)sqlroute_enum(
			&triad__v1__relation_status__descriptor, cell(r, 0, 6));
		rel.starts_on = cell(r, 0, 7);
		rel.ends_on = cell(r, 0, 8);
		reply.relation = &rel;
		/* The coach could not sign in yet: here is their invite. */
		reply.invite_code = PQntuples(out->results[1]) == 1 ? ctx->code : "";
		resp.body_case = TRIAD__V1__RESPONSE__BODY_CREATE_RELATION;
		resp.create_relation = &reply;
		call_answer(call, &resp);
	}
	relation_ctx_free(ctx);
}

/*
 * Runs sql (the relation's function, params[0..n-1]) and then invite_sql
 * (with key as its $1) in one transaction, and answers with the relation
 * and, when the coach could not sign in yet, their invite code. Takes ctx.
 */
static void
relation_submit(Call *call, RelationCtx *ctx, const char *sql, int n, const char *const *params,
		const char *invite_sql, const char *key)
{
	char prefix[SECRET_PREFIX_LEN + 1], hash_text[2 + 2 * SECRET_HASH_LEN + 1];
	uint8_t hash[SECRET_HASH_LEN];

	if (!secret_new("inv", ctx->code, prefix, hash)) {
		relation_ctx_free(ctx);
		call_fail(call, TRIAD__V1__CODE__CODE_UNAVAILABLE, NULL,
			  "the server could not make an invite code; try again");
		return;
	}
	secret_hash_to_bytea(hash, hash_text);
	const char *inv[5] = {key, prefix, hash_text, call_request_id_text(call), ctx->code};
	DbJob *job = call_job(call, relation_done, ctx);
	if (job == NULL || !call_job_add(call, job, sql, n, params) ||
	    !call_job_add(call, job, invite_sql, 5, inv)) {
		relation_ctx_free(ctx);
		return;
	}
	pool_submit(call->srv->pool, job);
}

/* With the enrollment and the coach found (ids[0], ids[1]). */
static void
relation_create_found(Call *call, char *const *ids, void *arg)
{
	RelationCtx *ctx = arg;

	if (ids == NULL) {
		relation_ctx_free(ctx);
		return;
	}
	if (!check_id(call, "create_relation.enrollment_id", ids[0], true) ||
	    !check_id(call, "create_relation.coach_person_id", ids[1], true)) {
		relation_ctx_free(ctx);
		return;
	}
	const char *rel[6] = {ids[0], ids[1], ctx->kind, ctx->starts_on, ctx->ends_on,
			      call_request_id_text(call)};
	relation_submit(call, ctx,
			"SELECT * FROM triad_relation_create($1::uuid, $2::uuid, nullif($3, ''), $4,"
			" $5, 'active', NULL, $6::numeric)", 6, rel, create_invite_sql, ids[1]);
}

/* The enrollment by id or key, the coach by id or e-mail address. */
static void
svc_relation_create(Call *call, const Triad__V1__Request *req)
{
	const Triad__V1__CreateRelationRequest *m = req->create_relation;
	RelationCtx *ctx;

	if (!check_text(call, "create_relation.enrollment_id", m->enrollment_id, 1,
			SQLROUTE_KEY_MAX) ||
	    !check_text(call, "create_relation.coach_person_id", m->coach_person_id, 1,
			SQLROUTE_KEY_MAX) ||
	    !check_text(call, "create_relation.starts_on", m->starts_on, 0, 10) ||
	    !check_text(call, "create_relation.ends_on", m->ends_on, 0, 10))
		return;
	if ((ctx = calloc(1, sizeof *ctx)) == NULL) {
		list_answer_oom(call);
		return;
	}
	if (!sqlroute_enum_name(&triad__v1__relation_kind__descriptor, (int)m->kind, ctx->kind,
				sizeof ctx->kind)) {
		free(ctx);
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, "create_relation.kind",
			  "kind %d is not a relation kind", (int)m->kind);
		return;
	}
	ctx->call = call;
	snprintf(ctx->starts_on, sizeof ctx->starts_on, "%s", m->starts_on);
	snprintf(ctx->ends_on, sizeof ctx->ends_on, "%s", m->ends_on);
	const SqlKey keys[2] = {
		{"create_relation.enrollment_id", "enrollment", m->enrollment_id},
		{"create_relation.coach_person_id", "coach", m->coach_person_id},
	};
	sqlroute_keys(call, keys, 2, relation_create_found, ctx);
}

/* With the relation found (ids[0]): approving a participant's proposal
 * issues what creating the relation would: the grant for a coach who can
 * sign in, an invite for one who cannot. */
static void
relation_approve_found(Call *call, char *const *ids, void *arg)
{
	RelationCtx *ctx = arg;

	if (ids == NULL) {
		relation_ctx_free(ctx);
		return;
	}
	if (!check_id(call, "approve_relation.id", ids[0], true)) {
		relation_ctx_free(ctx);
		return;
	}
	const char *params[2] = {ids[0], call_request_id_text(call)};
	relation_submit(call, ctx, "SELECT * FROM triad_relation_set($1::uuid, 'active', $2::numeric)",
			2, params, approve_invite_sql, ids[0]);
}

/* The relation by id, or by its coach's e-mail address. */
static void
svc_relation_approve(Call *call, const Triad__V1__Request *req)
{
	const Triad__V1__ApproveRelationRequest *m = req->approve_relation;
	RelationCtx *ctx;

	if (!check_text(call, "approve_relation.id", m->id, 1, SQLROUTE_KEY_MAX))
		return;
	if ((ctx = calloc(1, sizeof *ctx)) == NULL) {
		list_answer_oom(call);
		return;
	}
	ctx->call = call;
	const SqlKey key = {"approve_relation.id", "relation", m->id};
	sqlroute_keys(call, &key, 1, relation_approve_found, ctx);
}

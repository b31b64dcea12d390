/*
 * dispatch.c: the table of request kinds and the Call life cycle.
 */
#include "dispatch.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "pool.h"
#include "sqlroute.h"
#include "svc.h"

typedef struct Route {
	Triad__V1__Request__BodyCase kind;
	const char *name;
	bool needs_session;   /* false only for the Hello itself */
	Handler handler;
} Route;

#define ROUTE(kind, name, session, fn) {TRIAD__V1__REQUEST__BODY_##kind, name, session, fn}

static const Route routes[] = {
	ROUTE(HELLO, "hello", false, svc_session_hello),
	ROUTE(PING, "ping", true, svc_session_ping),
	ROUTE(REDEEM_INVITE, "redeem_invite", false, svc_session_redeem_invite),
	ROUTE(WHO_AM_I, "who_am_i", true, svc_session_who_am_i),
	ROUTE(CREATE_INSTITUTION, "create_institution", true, svc_institution_create),
	ROUTE(GET_INSTITUTION, "get_institution", true, svc_institution_get),
	ROUTE(LIST_INSTITUTIONS, "list_institutions", true, svc_institution_list),
	ROUTE(CREATE_PERSON, "create_person", true, svc_person_create),
	ROUTE(GET_PERSON, "get_person", true, svc_person_get),
	ROUTE(LIST_PERSONS, "list_persons", true, svc_person_list),
	ROUTE(CREATE_ORGANISATION, "create_organisation", true, svc_org_create),
	ROUTE(GET_ORGANISATION, "get_organisation", true, svc_org_get),
	ROUTE(LIST_ORGANISATIONS, "list_organisations", true, svc_org_list),
	ROUTE(CREATE_GRANT, "create_grant", true, svc_grant_create),
	ROUTE(LIST_GRANTS, "list_grants", true, svc_grant_list),
	ROUTE(REVOKE_GRANT, "revoke_grant", true, svc_grant_revoke),
	ROUTE(CREATE_TOKEN, "create_token", true, svc_token_create),
	ROUTE(LIST_TOKENS, "list_tokens", true, svc_token_list),
	ROUTE(REVOKE_TOKEN, "revoke_token", true, svc_token_revoke),
	ROUTE(CREATE_INVITE, "create_invite", true, svc_invite_create),
	ROUTE(LIST_INVITES, "list_invites", true, svc_invite_list),
	ROUTE(REVOKE_INVITE, "revoke_invite", true, svc_invite_revoke),
	ROUTE(LIST_AUDIT, "list_audit", true, svc_audit_list),
	/* The domain's areas: table rows in svc_catalogue.c, svc_enrollment.c,
	 * svc_triangle.c, svc_community.c and svc_event.c, run by sqlroute.c. */
#define SQL(kind, name) ROUTE(kind, name, true, sqlroute_handle)
	SQL(CREATE_PROGRAMME, "create_programme"),
	SQL(GET_PROGRAMME, "get_programme"),
	SQL(LIST_PROGRAMMES, "list_programmes"),
	SQL(UPDATE_PROGRAMME, "update_programme"),
	SQL(DELETE_PROGRAMME, "delete_programme"),
	SQL(CREATE_LEARNING_LINE, "create_learning_line"),
	SQL(GET_LEARNING_LINE, "get_learning_line"),
	SQL(LIST_LEARNING_LINES, "list_learning_lines"),
	SQL(UPDATE_LEARNING_LINE, "update_learning_line"),
	SQL(DELETE_LEARNING_LINE, "delete_learning_line"),
	SQL(CREATE_LEARNING_OUTCOME, "create_learning_outcome"),
	SQL(GET_LEARNING_OUTCOME, "get_learning_outcome"),
	SQL(LIST_LEARNING_OUTCOMES, "list_learning_outcomes"),
	SQL(UPDATE_LEARNING_OUTCOME, "update_learning_outcome"),
	SQL(DELETE_LEARNING_OUTCOME, "delete_learning_outcome"),
	SQL(CREATE_MODULE, "create_module"),
	SQL(GET_MODULE, "get_module"),
	SQL(LIST_MODULES, "list_modules"),
	SQL(UPDATE_MODULE, "update_module"),
	SQL(DELETE_MODULE, "delete_module"),
	SQL(ADD_PREREQUISITE, "add_prerequisite"),
	SQL(REMOVE_PREREQUISITE, "remove_prerequisite"),
	SQL(CREATE_COHORT, "create_cohort"),
	SQL(GET_COHORT, "get_cohort"),
	SQL(LIST_COHORTS, "list_cohorts"),
	SQL(CREATE_RUN, "create_run"),
	SQL(GET_RUN, "get_run"),
	SQL(LIST_RUNS, "list_runs"),
	SQL(CREATE_SESSION, "create_session"),
	SQL(LIST_SESSIONS, "list_sessions"),
	SQL(CREATE_SUBGROUP, "create_subgroup"),
	SQL(ADD_SUBGROUP_MEMBER, "add_subgroup_member"),
	SQL(LIST_SUBGROUPS, "list_subgroups"),
	SQL(ENROLL, "enroll"),
	SQL(GET_ENROLLMENT, "get_enrollment"),
	SQL(LIST_ENROLLMENTS, "list_enrollments"),
	SQL(TRANSITION_ENROLLMENT, "transition_enrollment"),
	SQL(LIST_WAITLIST, "list_waitlist"),
	SQL(RECORD_EXEMPTION, "record_exemption"),
	SQL(RECORD_ATTENDANCE, "record_attendance"),
	SQL(LIST_ATTENDANCE, "list_attendance"),
	SQL(RESOLVE_BLOCK, "resolve_block"),
	SQL(COMPLETE_MODULE, "complete_module"),
	SQL(CLAIM_PRIOR_LEARNING, "claim_prior_learning"),
	SQL(DECIDE_CLAIM, "decide_claim"),
	SQL(LIST_CLAIMS, "list_claims"),
	SQL(GET_PROGRESS, "get_progress"),
	SQL(CREATE_AGREEMENT, "create_agreement"),
	SQL(GET_AGREEMENT, "get_agreement"),
	SQL(LIST_AGREEMENTS, "list_agreements"),
	SQL(END_AGREEMENT, "end_agreement"),
	SQL(LIST_PARTNERS, "list_partners"),
	ROUTE(CREATE_RELATION, "create_relation", true, svc_relation_create),
	SQL(PROPOSE_RELATION, "propose_relation"),
	SQL(APPROVE_RELATION, "approve_relation"),
	SQL(END_RELATION, "end_relation"),
	SQL(LIST_RELATIONS, "list_relations"),
	SQL(LIST_COACHEES, "list_coachees"),
	SQL(REQUEST_FEEDBACK, "request_feedback"),
	SQL(LIST_FEEDBACK_REQUESTS, "list_feedback_requests"),
	SQL(GIVE_FEEDBACK, "give_feedback"),
	SQL(EDIT_FEEDBACK, "edit_feedback"),
	SQL(GET_FEEDBACK, "get_feedback"),
	SQL(LIST_FEEDBACK, "list_feedback"),
	SQL(SET_CONSENT, "set_consent"),
	SQL(LIST_EMPLOYER_VIEW, "list_employer_view"),
	SQL(ADD_ADVISORY_JUDGEMENT, "add_advisory_judgement"),
	SQL(CREATE_COMMUNITY, "create_community"),
	SQL(GET_COMMUNITY, "get_community"),
	SQL(LIST_COMMUNITIES, "list_communities"),
	SQL(ADD_COMMUNITY_MEMBER, "add_community_member"),
	SQL(REMOVE_COMMUNITY_MEMBER, "remove_community_member"),
	SQL(LIST_COMMUNITY_MEMBERS, "list_community_members"),
	SQL(ADD_COMMUNITY_ORGANISATION, "add_community_organisation"),
	SQL(LIST_COMMUNITY_ORGANISATIONS, "list_community_organisations"),
	SQL(CREATE_QUESTION, "create_question"),
	SQL(GET_QUESTION, "get_question"),
	SQL(LIST_QUESTIONS, "list_questions"),
	SQL(TRANSITION_QUESTION, "transition_question"),
	SQL(LINK_QUESTION_PERSON, "link_question_person"),
	SQL(LIST_QUESTION_PEOPLE, "list_question_people"),
	SQL(ADD_PRODUCT, "add_product"),
	SQL(LIST_PRODUCTS, "list_products"),
	SQL(GIVE_PRODUCT_FEEDBACK, "give_product_feedback"),
	SQL(CREATE_BOARD, "create_board"),
	SQL(GET_BOARD, "get_board"),
	SQL(LIST_BOARDS, "list_boards"),
	SQL(ADD_BOARD_MEMBER, "add_board_member"),
	SQL(LIST_BOARD_MEMBERS, "list_board_members"),
	SQL(CREATE_BOARD_MEETING, "create_board_meeting"),
	SQL(LIST_BOARD_MEETINGS, "list_board_meetings"),
	SQL(ADD_AGENDA_ITEM, "add_agenda_item"),
	SQL(LIST_AGENDA_ITEMS, "list_agenda_items"),
	SQL(CREATE_EVENT, "create_event"),
	SQL(GET_EVENT, "get_event"),
	SQL(LIST_EVENTS, "list_events"),
	SQL(REGISTER_FOR_EVENT, "register_for_event"),
	SQL(CANCEL_REGISTRATION, "cancel_registration"),
	SQL(LIST_REGISTRATIONS, "list_registrations"),
	SQL(RECORD_EVENT_ATTENDANCE, "record_event_attendance"),
	SQL(SUGGEST_TOPIC, "suggest_topic"),
	SQL(LIST_TOPICS, "list_topics"),
	SQL(SET_EVENT_CAPACITY, "set_event_capacity"),
	SQL(LIST_ALUMNI, "list_alumni"),
	SQL(CREATE_AMBASSADOR, "create_ambassador"),
	SQL(LIST_AMBASSADORS, "list_ambassadors"),
	SQL(END_AMBASSADOR, "end_ambassador"),
	SQL(RECORD_AMBASSADOR_ACTIVITY, "record_ambassador_activity"),
	SQL(LIST_AMBASSADOR_ACTIVITIES, "list_ambassador_activities"),
#undef SQL
};

static const Route *
route_find(Triad__V1__Request__BodyCase kind)
{
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		if (routes[i].kind == kind)
			return &routes[i];
	}
	return NULL;
}

uint64_t
now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void
call_answer(Call *call, Triad__V1__Response *resp)
{
	Triad__V1__Status ok = TRIAD__V1__STATUS__INIT;

	resp->id = call->request_id;
	if (resp->status == NULL)
		resp->status = &ok;
	if (resp->status->code != TRIAD__V1__CODE__CODE_OK)
		call->srv->stats.responses_error++;
	log_debug("request_done", "conn_slot=%" PRIu32 " id=%" PRIu64 " kind=%s code=%d us=%" PRIu64,
		  call->conn.slot, call->request_id, call->route, (int)resp->status->code,
		  now_us() - call->started_us);
	conn_send_answer(call->srv, call->conn, resp);
	principal_unref(call->principal);
	free(call);
}

static void
call_vfail(Call *call, Triad__V1__Code code, const char *field, const char *fmt, va_list ap)
{
	char msg[512];
	Triad__V1__Status st = TRIAD__V1__STATUS__INIT;
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;

	vsnprintf(msg, sizeof msg, fmt, ap);
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
			snprintf(call->tenant_buf, sizeof call->tenant_buf, "%s", tenant);
			call->tenant = call->tenant_buf;
		}
		return true;
	case AUTH_DENY:
		call_fail(call, TRIAD__V1__CODE__CODE_PERMISSION_DENIED, NULL,
			  "you may not %s%s%s", auth_verb_phrase(verb),
			  *institution ? " at " : "", institution);
		return false;
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

DbJob *
call_job(Call *call, DbDoneFn done, void *arg)
{
	const Principal *p = call->principal;
	DbJob *job = db_job_new(done, arg);
	char grants[16];
	int n = call->tenant != NULL ? auth_grant_count(p, call->tenant) : -1;

	snprintf(grants, sizeof grants, "%d", n);
	if (job != NULL && !db_job_scope(job, call->tenant, p != NULL ? p->token_id : NULL,
					 p != NULL ? p->id : NULL, n >= 0 ? grants : NULL)) {
		db_job_free(job);
		job = NULL;
	}
	if (job == NULL)
		call_fail(call, TRIAD__V1__CODE__CODE_UNAVAILABLE, NULL, "server is out of memory");
	return job;
}

bool
call_job_add(Call *call, DbJob *job, const char *sql, int nparams, const char *const *params)
{
	if (db_job_add(job, sql, nparams, params))
		return true;
	db_job_free(job);
	log_error("bug", "what=job_add route=%s", call->route);
	call_fail(call, TRIAD__V1__CODE__CODE_INTERNAL, NULL, "internal error (job_add)");
	return false;
}

bool
call_db_failed(Call *call, const DbOutcome *out, const char *what_failed)
{
	if (out->code == TRIAD__V1__CODE__CODE_OK)
		return false;
	/* The schema's own errors are written for people and may name a field;
	 * PostgreSQL's data errors (class 22: a bad date, a bad number) say what
	 * was wrong with a value. Anything else gets a generic sentence. */
	bool own = out->sqlstate[0] == 'T' && out->sqlstate[1] == 'R';
	bool data = out->sqlstate[0] == '2' && out->sqlstate[1] == '2';
	if (own || data || out->sqlstate[0] == '\0' ||
	    out->code == TRIAD__V1__CODE__CODE_UNAVAILABLE)
		call_fail(call, out->code, own ? out->field : NULL, "%s", out->message);
	else if (what_failed != NULL)
		call_fail(call, out->code, NULL, "%s", what_failed);
	else
		call_fail(call, out->code, NULL, "the request failed in the database (%s)",
			  out->sqlstate);
	return true;
}

void
dispatch_request(Conn *c, Triad__V1__Request *req)
{
	const Route *route = route_find(req->body_case);
	Call *call = malloc(sizeof *call);

	if (call == NULL) {
		conn_fail(c, TRIAD__V1__CODE__CODE_UNAVAILABLE, "server is out of memory");
		triad__v1__request__free_unpacked(req, NULL);
		return;
	}
	*call = (Call){
		.srv = c->srv,
		.conn = c->ref,
		.request_id = req->id,
		.route = route != NULL ? route->name : "unknown",
		.started_us = now_us(),
		.principal = principal_ref(c->principal),
	};
	snprintf(call->request_id_text, sizeof call->request_id_text, "%" PRIu64, req->id);
	c->in_flight++;
	c->srv->stats.requests++;

	if (strlen(req->institution) > INSTITUTION_ARG_MAX) {
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, "institution",
			  "institution is longer than %d characters", INSTITUTION_ARG_MAX);
	} else if (strlen(req->idempotency_key) > IDEMPOTENCY_KEY_MAX) {
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, "idempotency_key",
			  "idempotency_key is longer than %d characters", IDEMPOTENCY_KEY_MAX);
	} else if (route == NULL) {
		if (req->body_case == TRIAD__V1__REQUEST__BODY__NOT_SET && req->base.n_unknown_fields == 0)
			call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, "body",
				  "request has no body: set exactly one request kind");
		else
			call_fail(call, TRIAD__V1__CODE__CODE_UNIMPLEMENTED, "body",
				  "this server does not implement that request kind; "
				  "it speaks protocol version %d", TRIAD_PROTOCOL_VERSION);
	} else if (route->needs_session && c->state != CONN_ST_READY) {
		call_fail(call, TRIAD__V1__CODE__CODE_UNAUTHENTICATED, NULL,
			  "no session: the first request on a connection must be a Hello");
		conn_close_after_flush(c);
	} else {
		snprintf(call->institution, sizeof call->institution, "%s", req->institution);
		snprintf(call->idempotency_key, sizeof call->idempotency_key, "%s",
			 req->idempotency_key);
		if (route->kind == TRIAD__V1__REQUEST__BODY_HELLO)
			c->hello_pending = true;
		route->handler(call, req);
	}
	triad__v1__request__free_unpacked(req, NULL);
}

/*
 * test_access.c: tenants, tokens, invites, the access matrix, row-level
 * security and the audit trail, against a real triadd and PostgreSQL.
 */
#include "harness.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static Triadd d;
static Sess op;                 /* the operator's session */

/* ---- building blocks ---- */

#define REQ(var) Triad__V1__Request var = TRIAD__V1__REQUEST__INIT

static char *
create_institution(char slug_out[64])
{
	REQ(req);
	Triad__V1__CreateInstitutionRequest m = TRIAD__V1__CREATE_INSTITUTION_REQUEST__INIT;
	test_unique(slug_out, 64, "inst");
	m.slug = slug_out;
	m.name = "Test institution";
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_INSTITUTION;
	req.create_institution = &m;
	Triad__V1__Response *r = rpc_ok(&op, NULL, &req);
	assert_string_equal(r->institution->slug, slug_out);
	char *id = strdup(r->institution->id);
	rpc_free(r);
	return id;
}

static char *
create_person(Sess *s, const char *inst, const char *stem)
{
	char email[128];
	test_unique(email, sizeof email, stem);
	strcat(email, "@example.org");
	return make_person(s, inst, stem, email);
}

static char *
create_org(void)
{
	REQ(req);
	Triad__V1__CreateOrganisationRequest m = TRIAD__V1__CREATE_ORGANISATION_REQUEST__INIT;
	m.name = "Gemeente Voorbeeld";
	m.kind = TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_MUNICIPALITY;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_ORGANISATION;
	req.create_organisation = &m;
	Triad__V1__Response *r = rpc_ok(&op, NULL, &req);
	char *id = strdup(r->organisation->id);
	rpc_free(r);
	return id;
}

/* Invites a person; returns the code (and the invite id in id_out). */
static char *
invite(const char *inst, const char *person, Triad__V1__Role role, Triad__V1__StaffTitle title,
       const char *org, char **id_out)
{
	REQ(req);
	Triad__V1__CreateInviteRequest m = TRIAD__V1__CREATE_INVITE_REQUEST__INIT;
	m.person_id = (char *)person;
	m.role = role;
	m.title = title;
	m.organisation_id = (char *)(org ? org : "");
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_INVITE;
	req.create_invite = &m;
	Triad__V1__Response *r = rpc_ok(&op, inst, &req);
	char *code = strdup(r->create_invite->code);
	assert_int_equal(strncmp(code, "inv_", 4), 0);
	assert_int_equal(strlen(code), 47);
	if (id_out != NULL)
		*id_out = strdup(r->create_invite->invite->id);
	rpc_free(r);
	return code;
}

/* Redeems a code on a fresh connection, without a session. */
static Triad__V1__Response *
redeem(const char *code)
{
	int fd = tc_connect(d.addr);
	REQ(req);
	Triad__V1__RedeemInviteRequest m = TRIAD__V1__REDEEM_INVITE_REQUEST__INIT;
	m.code = (char *)code;
	m.token_label = "test";
	req.id = 7;
	req.body_case = TRIAD__V1__REQUEST__BODY_REDEEM_INVITE;
	req.redeem_invite = &m;
	tc_send(fd, &req);
	Triad__V1__Response *r = tc_recv(fd, 10000, NULL);
	assert_non_null(r);
	close(fd);
	return r;
}

static char *
redeem_ok(const char *code)
{
	Triad__V1__Response *r = redeem(code);
	if (r->status->code != TRIAD__V1__CODE__CODE_OK)
		fail_msg("redeem: %s", r->status->message);
	char *token = strdup(r->redeem_invite->token);
	rpc_free(r);
	return token;
}

/* Opens a connection with token and returns the Hello's status code. */
static Triad__V1__Code
hello_code(const char *token, char *message, size_t size)
{
	int fd = tc_connect(d.addr);
	tc_send_hello_token(fd, 1, token);
	Triad__V1__Response *r = tc_recv(fd, 10000, NULL);
	assert_non_null(r);
	Triad__V1__Code code = r->status->code;
	if (message != NULL)
		snprintf(message, size, "%s", r->status->message);
	rpc_free(r);
	if (code != TRIAD__V1__CODE__CODE_OK)
		assert_true(tc_closed(fd, 5000));
	close(fd);
	return code;
}

/* ---- the world: two institutions, one principal of each role in each ---- */

enum { R_OP, R_ADMIN, R_STAFF, R_PARTICIPANT, R_COACH, R_EMPLOYER, R_PARTNER, R_ASSESSOR,
       NROLES };
static const char *const role_label[NROLES] = {
	"operator", "admin", "staff", "participant", "coach", "employer", "partner", "assessor",
};

typedef struct Tenant {
	char slug[64];
	char *id;
	char *org;
	char *person;             /* a person of this tenant to act on */
	char *token[NROLES];
} Tenant;

static Tenant A, B;

static void
tenant_build(Tenant *t)
{
	t->id = create_institution(t->slug);
	t->org = create_org();
	t->person = create_person(&op, t->slug, "subject");
	t->token[R_OP] = (char *)test_token();

	static const struct {
		int idx;
		Triad__V1__Role role;
		Triad__V1__StaffTitle title;
		bool org;
	} roles[] = {
		{R_ADMIN, TRIAD__V1__ROLE__ROLE_INSTITUTION_ADMIN, 0, false},
		{R_STAFF, TRIAD__V1__ROLE__ROLE_PROGRAMME_STAFF,
		 TRIAD__V1__STAFF_TITLE__STAFF_TITLE_LECTURER, false},
		{R_PARTICIPANT, TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0, false},
		{R_COACH, TRIAD__V1__ROLE__ROLE_WORKPLACE_COACH, 0, false},
		{R_EMPLOYER, TRIAD__V1__ROLE__ROLE_EMPLOYER_CONTACT, 0, true},
		{R_ASSESSOR, TRIAD__V1__ROLE__ROLE_PROGRAMME_STAFF,
		 TRIAD__V1__STAFF_TITLE__STAFF_TITLE_ASSESSOR, false},
	};
	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
		char *person = create_person(&op, t->slug, role_label[roles[i].idx]);
		char *code = invite(t->slug, person, roles[i].role, roles[i].title,
				    roles[i].org ? t->org : NULL, NULL);
		t->token[roles[i].idx] = redeem_ok(code);
		free(code);
		free(person);
	}
	/* A partner system, made by the operator for the institution. */
	REQ(req);
	Triad__V1__CreateTokenRequest m = TRIAD__V1__CREATE_TOKEN_REQUEST__INIT;
	m.machine_name = "acme-hr-sync";
	m.organisation_id = t->org;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_TOKEN;
	req.create_token = &m;
	Triad__V1__Response *r = rpc_ok(&op, t->slug, &req);
	assert_int_equal(r->create_token->principal->kind,
			 TRIAD__V1__PRINCIPAL_KIND__PRINCIPAL_KIND_MACHINE);
	t->token[R_PARTNER] = strdup(r->create_token->token);
	rpc_free(r);
}

static int
setup(void **state)
{
	/* Many deliberate failures here; the limit has its own test below. */
	triadd_start(&d, "signin_failures_max = 1000\n");
	op = sess_open(d.addr, test_token());
	tenant_build(&A);
	tenant_build(&B);
	return 0;
}

static int
teardown(void **state)
{
	sess_close(&op);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
	return 0;
}

/* ---- the matrix ---- */

/*
 * Expected outcome per role (operator, admin, staff (lecturer),
 * participant, coach, employer, partner, assessor), acting on its own
 * institution and on the other one:
 *   A  allowed past the access check (OK, or a later error about the
 *      request itself: the catalogue and enrollment rows send empty bodies)
 *   D  PERMISSION_DENIED
 *   N  NOT_FOUND for the institution: it does not exist for the caller
 * Written out by hand: it is the specification, not a copy of auth.c.
 */
static const struct {
	const char *rpc;
	const char *own;
	const char *other;
} expected[] = {
	{"ping",                "AAAAAAAA", "AAAAAAAA"},
	{"who_am_i",            "AAAAAAAA", "AAAAAAAA"},
	{"create_institution",  "ADDDDDDD", "ADDDDDDD"},
	{"get_institution",     "AAAAAAAA", "ANNNNNNN"},
	{"list_institutions",   "AAAAAAAA", "AAAAAAAA"},
	{"create_person",       "AADDDDDD", "ANNNNNNN"},
	{"get_person",          "AAADDDDA", "ANNNNNNN"},
	{"list_persons",        "AAADDDDA", "ANNNNNNN"},
	{"create_organisation", "AADDDDDD", "AADDDDDD"},
	{"get_organisation",    "AAAAAAAA", "AAAAAAAA"},
	{"list_organisations",  "AAAAAAAA", "AAAAAAAA"},
	{"create_grant",        "AADDDDDD", "ANNNNNNN"},
	{"list_grants",         "AADDDDDD", "ANNNNNNN"},
	{"revoke_grant",        "AADDDDDD", "ANNNNNNN"},
	{"create_token",        "AAAAAAAA", "AAAAAAAA"},
	{"create_machine",      "AADDDDDD", "ANNNNNNN"},
	{"list_tokens",         "AAAAAAAA", "AAAAAAAA"},
	{"revoke_token",        "AAAAAAAA", "AAAAAAAA"},
	{"sign_out",            "AAAAAAAA", "AAAAAAAA"},
	{"create_invite",       "AADDDDDD", "ANNNNNNN"},
	{"list_invites",        "AADDDDDD", "ANNNNNNN"},
	{"revoke_invite",       "AADDDDDD", "ANNNNNNN"},
	{"list_audit",          "AADDDDDD", "ANNNNNNN"},
	/* catalogue */
	{"create_programme",        "AAADDDDA", "ANNNNNNN"},
	{"get_programme",           "AAAAAAAA", "ANNNNNNN"},
	{"list_programmes",         "AAAAAAAA", "ANNNNNNN"},
	{"update_programme",        "AAADDDDA", "ANNNNNNN"},
	{"delete_programme",        "AAADDDDA", "ANNNNNNN"},
	{"create_learning_line",    "AAADDDDA", "ANNNNNNN"},
	{"get_learning_line",       "AAAAAAAA", "ANNNNNNN"},
	{"list_learning_lines",     "AAAAAAAA", "ANNNNNNN"},
	{"update_learning_line",    "AAADDDDA", "ANNNNNNN"},
	{"delete_learning_line",    "AAADDDDA", "ANNNNNNN"},
	{"create_learning_outcome", "AAADDDDA", "ANNNNNNN"},
	{"get_learning_outcome",    "AAAAAAAA", "ANNNNNNN"},
	{"list_learning_outcomes",  "AAAAAAAA", "ANNNNNNN"},
	{"update_learning_outcome", "AAADDDDA", "ANNNNNNN"},
	{"delete_learning_outcome", "AAADDDDA", "ANNNNNNN"},
	{"create_module",           "AAADDDDA", "ANNNNNNN"},
	{"get_module",              "AAAAAAAA", "ANNNNNNN"},
	{"list_modules",            "AAAAAAAA", "ANNNNNNN"},
	{"update_module",           "AAADDDDA", "ANNNNNNN"},
	{"delete_module",           "AAADDDDA", "ANNNNNNN"},
	{"add_prerequisite",        "AAADDDDA", "ANNNNNNN"},
	{"remove_prerequisite",     "AAADDDDA", "ANNNNNNN"},
	/* cohorts, runs, enrollment */
	{"create_cohort",           "AAADDDDA", "ANNNNNNN"},
	{"get_cohort",              "AAAAADAA", "ANNNNNNN"},
	{"list_cohorts",            "AAAAADAA", "ANNNNNNN"},
	{"create_run",              "AAADDDDA", "ANNNNNNN"},
	{"get_run",                 "AAAAADAA", "ANNNNNNN"},
	{"list_runs",               "AAAAADAA", "ANNNNNNN"},
	{"create_session",          "AAADDDDA", "ANNNNNNN"},
	{"list_sessions",           "AAAAADAA", "ANNNNNNN"},
	{"create_subgroup",         "AAADDDDA", "ANNNNNNN"},
	{"add_subgroup_member",     "AAADDDDA", "ANNNNNNN"},
	{"list_subgroups",          "AAAAADAA", "ANNNNNNN"},
	/* The partner here is an organisation's system: its role may enroll,
	 * but only that organisation's employees (test_enrollment); the
	 * empty person of this attempt is no one's employee, out of its sight:
	 * NOT_FOUND naming enroll.person_id, past the access check. */
	{"enroll",                  "AAADDDAA", "ANNNNNNN"},
	{"get_enrollment",          "AAAADDDA", "ANNNNNNN"},
	{"list_enrollments",        "AAAADDDA", "ANNNNNNN"},
	{"transition_enrollment",   "AAADDDDA", "ANNNNNNN"},
	{"list_waitlist",           "AAAADDDA", "ANNNNNNN"},
	{"record_exemption",        "AAADDDDA", "ANNNNNNN"},
	{"record_attendance",       "AAADDDDA", "ANNNNNNN"},
	{"list_attendance",         "AAAADDDA", "ANNNNNNN"},
	{"resolve_block",           "AAADDDDA", "ANNNNNNN"},
	{"complete_module",         "AAADDDDA", "ANNNNNNN"},
	{"claim_prior_learning",    "DDDADDDD", "DNNNNNNN"},
	{"decide_claim",            "DDDDDDDA", "DNNNNNNN"},
	{"list_claims",             "AAAADDDA", "ANNNNNNN"},
	{"get_progress",            "AAAADDDA", "ANNNNNNN"},
	/* the workplace triangle */
	{"create_agreement",        "AAADDDDA", "ANNNNNNN"},
	{"get_agreement",           "AAADDDDA", "ANNNNNNN"},
	{"list_agreements",         "AAADDDDA", "ANNNNNNN"},
	{"end_agreement",           "AAADDDDA", "ANNNNNNN"},
	{"list_partners",           "AAADDDDA", "ANNNNNNN"},
	{"create_relation",         "AAADDDDA", "ANNNNNNN"},
	{"propose_relation",        "DDDADDDD", "DNNNNNNN"},
	{"approve_relation",        "AAADDDDA", "ANNNNNNN"},
	{"end_relation",            "AAADDDDA", "ANNNNNNN"},
	{"list_relations",          "AAAAADDA", "ANNNNNNN"},
	{"list_coachees",           "AAAAAAAA", "AAAAAAAA"},
	{"request_feedback",        "DDDADDDD", "DNNNNNNN"},
	{"list_feedback_requests",  "AAAAAAAA", "AAAAAAAA"},
	{"give_feedback",           "DAADADDA", "DNNNNNNN"},
	{"edit_feedback",           "DAADADDA", "DNNNNNNN"},
	{"get_feedback",            "AAAAADDA", "ANNNNNNN"},
	{"list_feedback",           "AAAAADDA", "ANNNNNNN"},
	{"set_consent",             "DDDADDDD", "DNNNNNNN"},
	{"list_employer_view",      "DDDDDAAD", "DNNNNNNN"},
	{"add_advisory_judgement",  "DDDDDADD", "DNNNNNNN"},
	/* communities */
	{"create_community",            "AAADDDDA", "ANNNNNNN"},
	{"get_community",               "AAAAAAAA", "ANNNNNNN"},
	{"list_communities",            "AAAAAAAA", "ANNNNNNN"},
	{"add_community_member",        "AAADDDDA", "ANNNNNNN"},
	{"remove_community_member",     "AAADDDDA", "ANNNNNNN"},
	{"list_community_members",      "AAAAAAAA", "ANNNNNNN"},
	{"add_community_organisation",  "AAADDDDA", "ANNNNNNN"},
	{"list_community_organisations", "AAAAAAAA", "ANNNNNNN"},
	/* practice questions and products */
	{"create_question",             "AAADDAAA", "ANNNNNNN"},
	{"get_question",                "AAAAAAAA", "ANNNNNNN"},
	{"list_questions",              "AAAAAAAA", "ANNNNNNN"},
	{"transition_question",         "AAADDDDA", "ANNNNNNN"},
	{"link_question_person",        "AAADDDDA", "ANNNNNNN"},
	{"list_question_people",        "AAAAAAAA", "ANNNNNNN"},
	{"add_product",                 "AAADDDDA", "ANNNNNNN"},
	{"list_products",               "AAAAAAAA", "ANNNNNNN"},
	{"give_product_feedback",       "DDDDDAAD", "DNNNNNNN"},
	/* advisory boards */
	{"create_board",                "AAADDDDA", "ANNNNNNN"},
	{"get_board",                   "AAAAAAAA", "ANNNNNNN"},
	{"list_boards",                 "AAAAAAAA", "ANNNNNNN"},
	{"add_board_member",            "AAADDDDA", "ANNNNNNN"},
	{"list_board_members",          "AAAAAAAA", "ANNNNNNN"},
	{"create_board_meeting",        "AAADDDDA", "ANNNNNNN"},
	{"list_board_meetings",         "AAAAAAAA", "ANNNNNNN"},
	{"add_agenda_item",             "AAADDDDA", "ANNNNNNN"},
	{"list_agenda_items",           "AAAAAAAA", "ANNNNNNN"},
	/* events */
	{"create_event",                "AAADDDDA", "ANNNNNNN"},
	{"get_event",                   "AAAAAAAA", "ANNNNNNN"},
	{"list_events",                 "AAAAAAAA", "ANNNNNNN"},
	{"register_for_event",          "AAAAAAAA", "ANNNNNNN"},
	{"cancel_registration",         "AAAAAAAA", "ANNNNNNN"},
	{"list_registrations",          "AAAAAAAA", "ANNNNNNN"},
	{"record_event_attendance",     "AAADDDDA", "ANNNNNNN"},
	{"suggest_topic",               "DAAAAAAA", "DNNNNNNN"},
	{"list_topics",                 "AAAAAAAA", "ANNNNNNN"},
	{"set_event_capacity",          "AAADDDDA", "ANNNNNNN"},
	/* alumni and ambassadors */
	{"list_alumni",                 "AAAAAAAA", "ANNNNNNN"},
	{"create_ambassador",           "AAADDDDA", "ANNNNNNN"},
	{"list_ambassadors",            "AAADDDDA", "ANNNNNNN"},
	{"end_ambassador",              "AAADDDDA", "ANNNNNNN"},
	{"record_ambassador_activity",  "AAADDDDA", "ANNNNNNN"},
	{"list_ambassador_activities",  "AAADDDDA", "ANNNNNNN"},
	/* the notification outbox: staff; codes in it are the database's to
	 * show (test_notify, test_client_notify) */
	{"list_notifications",          "AAADDDDA", "ANNNNNNN"},
	{"get_notification",            "AAADDDDA", "ANNNNNNN"},
	/* signing in by e-mail comes before a session: anyone */
	{"start_email_sign_in",         "AAAAAAAA", "AAAAAAAA"},
	{"sign_in_with_code",           "AAAAAAAA", "AAAAAAAA"},
	/* privacy: anyone exports her own data (there is no one else's to
	 * name; a partner system has none), wherever she asks from; erasing
	 * is the institution admin's, in her own institution (test_privacy:
	 * the operator's in the whole service) */
	{"export_my_data",              "AAAAAAAA", "AAAAAAAA"},
	{"erase_person",                "AADDDDDD", "ANNNNNNN"},
	/* one's own, and finding by name */
	{"get_me",                      "AAAAAAAA", "AAAAAAAA"},
	{"find_persons",                "AAAAAAAA", "ANNNNNNN"},
	{"find_organisations",          "AAAAAAAA", "AAAAAAAA"},
	{"list_consents",               "AAAADAAA", "ANNNNNNN"},
	{"list_advisory_judgements",    "AADADAAA", "ANNNNNNN"},
	{"list_sent_feedback_requests", "AAAAADDA", "ANNNNNNN"},
	/* the partners' event stream */
	{"list_domain_events",          "AAADDAAA", "ANNNNNNN"},
	{"subscribe",                   "AAADDAAA", "ANNNNNNN"},
	{"ack_events",                  "AAADDAAA", "ANNNNNNN"},
	/* webhooks: a partner system its own, an institution admin all of
	 * the institution's; an operator has no view of the events to send */
	{"create_webhook",              "DADDDDAD", "DNNNNNNN"},
	{"list_webhooks",               "DADDDDAD", "DNNNNNNN"},
	{"delete_webhook",              "DADDDDAD", "DNNNNNNN"},
	{"rotate_webhook_secret",       "DADDDDAD", "DNNNNNNN"},
	{"list_webhook_deliveries",     "DADDDDAD", "DNNNNNNN"},
	{"redeliver_webhook",           "DADDDDAD", "DNNNNNNN"},
	/* the learning journey: staff plan and record conversations and set
	 * the programme's plan; the participant writes her logbook; staff and
	 * coaches comment; an employer contact may ask for a timeline (what
	 * it shows is the consent's to say: test_journey) */
	{"set_journey_plan",             "AAADDDDA", "ANNNNNNN"},
	{"get_journey",                  "AAAADDDA", "ANNNNNNN"},
	{"plan_conversation",            "AAADDDDA", "ANNNNNNN"},
	{"record_conversation",          "AAADDDDA", "ANNNNNNN"},
	{"get_conversation",             "AAAAADDA", "ANNNNNNN"},
	{"list_conversations",           "AAAAADDA", "ANNNNNNN"},
	{"link_chapter",                 "AAADDDDA", "ANNNNNNN"},
	{"add_conversation_action",      "AAADDDDA", "ANNNNNNN"},
	{"complete_conversation_action", "AAAAADDA", "ANNNNNNN"},
	{"list_conversation_actions",    "AAAAADDA", "ANNNNNNN"},
	{"save_chapter",                 "DDDADDDD", "DNNNNNNN"},
	{"submit_chapter",               "DDDADDDD", "DNNNNNNN"},
	{"share_chapter",                "DDDADDDD", "DNNNNNNN"},
	{"get_chapter",                  "AAAAADDA", "ANNNNNNN"},
	{"list_chapters",                "AAAAADDA", "ANNNNNNN"},
	/* a coach passes the role check, and the database refuses one who
	 * is not the participant's programme coach (PERMISSION_DENIED) */
	{"comment_chapter",              "DAADDDDA", "DNNNNNNN"},
	{"list_chapter_comments",        "AAAAADDA", "ANNNNNNN"},
	{"list_timeline",                "AAAAAADA", "ANNNNNNN"},
	/* the internship: staff place and decide, the participant writes her
	 * own, the host supervisor (a workplace coach) verifies; documents
	 * are the participant's and staff's */
	{"create_placement",              "AAADDDDA", "ANNNNNNN"},
	{"get_placement",                 "AAAAADDA", "ANNNNNNN"},
	{"list_placements",               "AAAAADDA", "ANNNNNNN"},
	{"write_placement_plan",          "DDDADDDD", "DNNNNNNN"},
	{"decide_placement_plan",         "AAADDDDA", "ANNNNNNN"},
	{"set_internship_minimum",        "AAADDDDA", "ANNNNNNN"},
	{"log_hours",                     "DDDADDDD", "DNNNNNNN"},
	{"submit_hours",                  "DDDADDDD", "DNNNNNNN"},
	{"verify_hours",                  "DDDDADDD", "DNNNNNNN"},
	{"reject_hours",                  "DDDDADDD", "DNNNNNNN"},
	{"reopen_hours",                  "AAADDDDA", "ANNNNNNN"},
	{"list_hours",                    "AAAAADDA", "ANNNNNNN"},
	{"put_document",                  "DDDADDDD", "DNNNNNNN"},
	{"get_document",                  "AAAADDDA", "ANNNNNNN"},
	{"list_documents",                "AAAADDDA", "ANNNNNNN"},
	/* intervision: staff plan and record, members bring cases */
	{"create_intervision_session",    "AAADDDDA", "ANNNNNNN"},
	{"list_intervision_sessions",     "AAAADDDA", "ANNNNNNN"},
	{"bring_case",                    "DDDADDDD", "DNNNNNNN"},
	{"list_cases",                    "AAAADDDA", "ANNNNNNN"},
	{"record_intervision_attendance", "AAADDDDA", "ANNNNNNN"},
	{"list_intervision_attendance",   "AAAADDDA", "ANNNNNNN"},
	/* reports: staff the whole, an employer and its system their own
	 * organisation's figures; participants and coaches not at all */
	{"report_return",                 "AAADDAAA", "ANNNNNNN"},
	/* certificates: admins, deans and programme managers issue and revoke
	 * (not a lecturer, not an assessor); staff and the participant see
	 * them; only admins rotate the signing key */
	{"issue_certificate",             "AADDDDDD", "ANNNNNNN"},
	{"get_certificate",               "AAAADDDA", "ANNNNNNN"},
	{"list_certificates",             "AAAADDDA", "ANNNNNNN"},
	{"revoke_certificate",            "AADDDDDD", "ANNNNNNN"},
	{"rotate_credential_key",         "AADDDDDD", "ANNNNNNN"},
	{"list_credential_keys",          "AAADDDDA", "ANNNNNNN"},
	/* assessment (seed 002): staff set up assignments, policies and
	 * rules; participants tailor and submit their own work; only the
	 * assessor records, releases or corrects a result: operators, admins,
	 * lecturers, coaches (host supervisors among them), employer contacts,
	 * partner systems and participants are refused; exemptions from the
	 * completion rules are the programme manager's (test_assessment) */
	{"set_assessment_policy",         "AAADDDDA", "ANNNNNNN"},
	{"get_assessment_policy",         "AAAAADDA", "ANNNNNNN"},
	{"set_completion_rules",          "AAADDDDA", "ANNNNNNN"},
	{"get_completion_rules",          "AAAAADDA", "ANNNNNNN"},
	{"create_assignment",             "AAADDDDA", "ANNNNNNN"},
	{"get_assignment",                "AAAAADDA", "ANNNNNNN"},
	{"list_assignments",              "AAAAADDA", "ANNNNNNN"},
	{"tailor_assignment",             "DDDADDDD", "DNNNNNNN"},
	{"decide_tailoring",              "AAADDDDA", "ANNNNNNN"},
	{"list_assignment_instances",     "AAAADDDA", "ANNNNNNN"},
	{"submit_work",                   "DDDADDDD", "DNNNNNNN"},
	{"list_submissions",              "AAAADDDA", "ANNNNNNN"},
	{"record_assessment",             "DDDDDDDA", "DNNNNNNN"},
	{"release_assessment",            "DDDDDDDA", "DNNNNNNN"},
	{"correct_assessment",            "DDDDDDDA", "DNNNNNNN"},
	{"get_assessment_record",         "AAAADDDA", "ANNNNNNN"},
	{"check_completion",              "AAAADDDA", "ANNNNNNN"},
	{"exempt_completion",             "DDDDDDDD", "DNNNNNNN"},
	{"get_transcript",                "AAAADDDA", "ANNNNNNN"},
};

/* The request kind of a route-table RPC, by the name of its oneof field. */
static int
body_case_named(const char *name)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field_by_name(&triad__v1__request__descriptor, name);
	return f != NULL && f->id >= 40 ? (int)f->id : 0;
}

/* A fresh grant in t, made by the operator, for a revoke attempt. */
static char *
fresh_grant(Tenant *t)
{
	char *person = create_person(&op, t->slug, "grantee");
	REQ(req);
	Triad__V1__CreateGrantRequest m = TRIAD__V1__CREATE_GRANT_REQUEST__INIT;
	m.person_id = person;
	m.role = TRIAD__V1__ROLE__ROLE_PARTICIPANT;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_GRANT;
	req.create_grant = &m;
	Triad__V1__Response *r = rpc_ok(&op, t->slug, &req);
	char *id = strdup(r->grant->id);
	rpc_free(r);
	free(person);
	return id;
}

/* Makes one attempt of rpc by session s on tenant t; returns its code. */
static Triad__V1__Code
attempt(Sess *s, const char *rpc_name, Tenant *t)
{
	REQ(req);
	const char *inst = t->slug;
	char *scratch = NULL;
	char buf[96];
	Triad__V1__Ping ping = TRIAD__V1__PING__INIT;
	Triad__V1__WhoAmIRequest who = TRIAD__V1__WHO_AM_IREQUEST__INIT;
	Triad__V1__CreateInstitutionRequest ci = TRIAD__V1__CREATE_INSTITUTION_REQUEST__INIT;
	Triad__V1__GetInstitutionRequest gi = TRIAD__V1__GET_INSTITUTION_REQUEST__INIT;
	Triad__V1__ListInstitutionsRequest li = TRIAD__V1__LIST_INSTITUTIONS_REQUEST__INIT;
	Triad__V1__CreatePersonRequest cp = TRIAD__V1__CREATE_PERSON_REQUEST__INIT;
	Triad__V1__GetPersonRequest gp = TRIAD__V1__GET_PERSON_REQUEST__INIT;
	Triad__V1__ListPersonsRequest lp = TRIAD__V1__LIST_PERSONS_REQUEST__INIT;
	Triad__V1__CreateOrganisationRequest co = TRIAD__V1__CREATE_ORGANISATION_REQUEST__INIT;
	Triad__V1__GetOrganisationRequest go = TRIAD__V1__GET_ORGANISATION_REQUEST__INIT;
	Triad__V1__ListOrganisationsRequest lo = TRIAD__V1__LIST_ORGANISATIONS_REQUEST__INIT;
	Triad__V1__CreateGrantRequest cg = TRIAD__V1__CREATE_GRANT_REQUEST__INIT;
	Triad__V1__ListGrantsRequest lg = TRIAD__V1__LIST_GRANTS_REQUEST__INIT;
	Triad__V1__RevokeGrantRequest rg = TRIAD__V1__REVOKE_GRANT_REQUEST__INIT;
	Triad__V1__CreateTokenRequest ct = TRIAD__V1__CREATE_TOKEN_REQUEST__INIT;
	Triad__V1__ListTokensRequest lt = TRIAD__V1__LIST_TOKENS_REQUEST__INIT;
	Triad__V1__RevokeTokenRequest rt = TRIAD__V1__REVOKE_TOKEN_REQUEST__INIT;
	Triad__V1__CreateInviteRequest cv = TRIAD__V1__CREATE_INVITE_REQUEST__INIT;
	Triad__V1__ListInvitesRequest lv = TRIAD__V1__LIST_INVITES_REQUEST__INIT;
	Triad__V1__RevokeInviteRequest rv = TRIAD__V1__REVOKE_INVITE_REQUEST__INIT;
	Triad__V1__ListAuditRequest la = TRIAD__V1__LIST_AUDIT_REQUEST__INIT;

#define BODY(KIND, field, msg) \
	(req.body_case = TRIAD__V1__REQUEST__BODY_##KIND, req.field = &msg)
	if (strcmp(rpc_name, "ping") == 0) {
		BODY(PING, ping, ping);
		ping.database = true;
	} else if (strcmp(rpc_name, "who_am_i") == 0) {
		BODY(WHO_AM_I, who_am_i, who);
	} else if (strcmp(rpc_name, "create_institution") == 0) {
		test_unique(buf, sizeof buf, "matrix");
		ci.slug = buf;
		ci.name = "Matrix";
		BODY(CREATE_INSTITUTION, create_institution, ci);
	} else if (strcmp(rpc_name, "get_institution") == 0) {
		gi.id = t->slug;
		BODY(GET_INSTITUTION, get_institution, gi);
	} else if (strcmp(rpc_name, "list_institutions") == 0) {
		BODY(LIST_INSTITUTIONS, list_institutions, li);
	} else if (strcmp(rpc_name, "create_person") == 0) {
		test_unique(buf, sizeof buf, "matrix");
		strcat(buf, "@example.org");
		cp.name = "Matrix Person";
		cp.email = buf;
		BODY(CREATE_PERSON, create_person, cp);
	} else if (strcmp(rpc_name, "get_person") == 0) {
		gp.id = t->person;
		BODY(GET_PERSON, get_person, gp);
	} else if (strcmp(rpc_name, "list_persons") == 0) {
		BODY(LIST_PERSONS, list_persons, lp);
	} else if (strcmp(rpc_name, "create_organisation") == 0) {
		co.name = "Ziekenhuis Voorbeeld";
		co.kind = TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_HOSPITAL;
		BODY(CREATE_ORGANISATION, create_organisation, co);
	} else if (strcmp(rpc_name, "get_organisation") == 0) {
		go.id = t->org;
		BODY(GET_ORGANISATION, get_organisation, go);
	} else if (strcmp(rpc_name, "list_organisations") == 0) {
		BODY(LIST_ORGANISATIONS, list_organisations, lo);
	} else if (strcmp(rpc_name, "create_grant") == 0) {
		cg.person_id = t->person;
		cg.role = TRIAD__V1__ROLE__ROLE_PARTICIPANT;
		BODY(CREATE_GRANT, create_grant, cg);
	} else if (strcmp(rpc_name, "list_grants") == 0) {
		BODY(LIST_GRANTS, list_grants, lg);
	} else if (strcmp(rpc_name, "revoke_grant") == 0) {
		rg.id = scratch = fresh_grant(t);
		BODY(REVOKE_GRANT, revoke_grant, rg);
	} else if (strcmp(rpc_name, "create_token") == 0) {
		ct.label = "matrix";
		ct.expires_in_days = 1;
		field_give(&ct.base, "expires_in_days");
		BODY(CREATE_TOKEN, create_token, ct);
	} else if (strcmp(rpc_name, "create_machine") == 0) {
		ct.machine_name = "matrix-machine";
		BODY(CREATE_TOKEN, create_token, ct);
	} else if (strcmp(rpc_name, "list_tokens") == 0) {
		BODY(LIST_TOKENS, list_tokens, lt);
	} else if (strcmp(rpc_name, "revoke_token") == 0) {
		/* A token of the caller's own, made just now. */
		Triad__V1__Request mk = TRIAD__V1__REQUEST__INIT;
		Triad__V1__CreateTokenRequest mkt = TRIAD__V1__CREATE_TOKEN_REQUEST__INIT;
		mkt.label = "to-revoke";
		mk.body_case = TRIAD__V1__REQUEST__BODY_CREATE_TOKEN;
		mk.create_token = &mkt;
		Triad__V1__Response *r = rpc_ok(s, NULL, &mk);
		rt.id = scratch = strdup(r->create_token->token_info->id);
		rpc_free(r);
		BODY(REVOKE_TOKEN, revoke_token, rt);
	} else if (strcmp(rpc_name, "sign_out") == 0) {
		/* On a session of a token of the caller's own, made just now: signing
		 * out ends that session, not the one the matrix goes on with. */
		Triad__V1__Request mk = TRIAD__V1__REQUEST__INIT;
		Triad__V1__CreateTokenRequest mkt = TRIAD__V1__CREATE_TOKEN_REQUEST__INIT;
		Triad__V1__SignOutRequest so = TRIAD__V1__SIGN_OUT_REQUEST__INIT;
		mkt.label = "to-sign-out";
		mk.body_case = TRIAD__V1__REQUEST__BODY_CREATE_TOKEN;
		mk.create_token = &mkt;
		Triad__V1__Response *made = rpc_ok(s, NULL, &mk);
		Sess other = sess_open(d.addr, made->create_token->token);
		rpc_free(made);
		BODY(SIGN_OUT, sign_out, so);
		Triad__V1__Response *r = rpc(&other, inst, &req);
		Triad__V1__Code code = r->status->code;
		rpc_free(r);
		sess_close(&other);
		return code;
	} else if (strcmp(rpc_name, "subscribe") == 0) {
		/* On a session of its own, as sign_out: a subscription streams
		 * events on the connection that asked for it. */
		Triad__V1__Request mk = TRIAD__V1__REQUEST__INIT;
		Triad__V1__CreateTokenRequest mkt = TRIAD__V1__CREATE_TOKEN_REQUEST__INIT;
		Triad__V1__SubscribeRequest sub = TRIAD__V1__SUBSCRIBE_REQUEST__INIT;
		mkt.label = "to-subscribe";
		mk.body_case = TRIAD__V1__REQUEST__BODY_CREATE_TOKEN;
		mk.create_token = &mkt;
		Triad__V1__Response *made = rpc_ok(s, NULL, &mk);
		Sess other = sess_open(d.addr, made->create_token->token);
		rpc_free(made);
		BODY(SUBSCRIBE, subscribe, sub);
		Triad__V1__Response *r = rpc(&other, inst, &req);
		Triad__V1__Code code = r->status->code;
		rpc_free(r);
		sess_close(&other);
		return code;
	} else if (strcmp(rpc_name, "create_invite") == 0) {
		cv.person_id = t->person;
		cv.role = TRIAD__V1__ROLE__ROLE_PARTICIPANT;
		BODY(CREATE_INVITE, create_invite, cv);
	} else if (strcmp(rpc_name, "list_invites") == 0) {
		BODY(LIST_INVITES, list_invites, lv);
	} else if (strcmp(rpc_name, "revoke_invite") == 0) {
		free(invite(t->slug, t->person, TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0, NULL, &scratch));
		rv.id = scratch;
		BODY(REVOKE_INVITE, revoke_invite, rv);
	} else if (strcmp(rpc_name, "list_audit") == 0) {
		BODY(LIST_AUDIT, list_audit, la);
	} else if (body_case_named(rpc_name) != 0) {
		/* Catalogue and enrollment: an empty body of the right kind. The
		 * access decision comes before any look at the body. */
		const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(
			&triad__v1__request__descriptor, (unsigned)body_case_named(rpc_name));
		const ProtobufCMessageDescriptor *md = f->descriptor;
		scratch = calloc(1, md->sizeof_message);
		protobuf_c_message_init(md, scratch);
		req.body_case = (Triad__V1__Request__BodyCase)f->id;
		*(void **)((char *)&req + f->offset) = scratch;
	} else {
		fail_msg("no attempt written for %s", rpc_name);
	}
#undef BODY
	Triad__V1__Response *r = rpc(s, inst, &req);
	Triad__V1__Code code = r->status->code;
	/* Hidden: the institution itself is not found. */
	if (code == TRIAD__V1__CODE__CODE_NOT_FOUND && strcmp(r->status->field, "institution") != 0)
		code = TRIAD__V1__CODE__CODE_OK;
	rpc_free(r);
	free(scratch);
	return code;
}

static char
outcome_letter(Triad__V1__Code code)
{
	switch (code) {
	case TRIAD__V1__CODE__CODE_PERMISSION_DENIED:
		return 'D';
	case TRIAD__V1__CODE__CODE_NOT_FOUND:
		return 'N';
	case TRIAD__V1__CODE__CODE_UNAUTHENTICATED:
	case TRIAD__V1__CODE__CODE_INTERNAL:
	case TRIAD__V1__CODE__CODE_UNAVAILABLE:
		return '?';
	default:
		return 'A';
	}
}

static void
test_access_matrix(void **state)
{
	int mismatches = 0;
	Sess sess[NROLES];
	for (int role = 0; role < NROLES; role++)
		sess[role] = sess_open(d.addr, A.token[role]);

	for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
		for (int side = 0; side < 2; side++) {
			char got[NROLES + 1] = {0};
			for (int role = 0; role < NROLES; role++)
				got[role] = outcome_letter(attempt(&sess[role], expected[i].rpc,
								   side == 0 ? &A : &B));
			const char *want = side == 0 ? expected[i].own : expected[i].other;
			if (strcmp(got, want) != 0) {
				print_error("%-20s %-5s want %s got %s\n", expected[i].rpc,
					    side == 0 ? "own" : "other", want, got);
				mismatches++;
			}
		}
	}
	for (int role = 0; role < NROLES; role++)
		sess_close(&sess[role]);
	assert_int_equal(mismatches, 0);
}

/* Every request a session can send has a row above: a new RPC cannot ship
 * without its line in the specification. Hello and RedeemInvite open
 * sessions and are tested on their own. */
static void
test_access_matrix_covers_every_request(void **state)
{
	const ProtobufCMessageDescriptor *req = &triad__v1__request__descriptor;
	int missing = 0;
	for (unsigned i = 0; i < req->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &req->fields[i];
		if (f->id < 11 || f->id == TRIAD__V1__REQUEST__BODY_REDEEM_INVITE)
			continue;
		bool found = false;
		for (size_t k = 0; k < sizeof expected / sizeof expected[0] && !found; k++)
			found = strcmp(expected[k].rpc, f->name) == 0;
		if (!found) {
			print_error("no access matrix row for %s\n", f->name);
			missing++;
		}
	}
	assert_int_equal(missing, 0);
}

/* Another tenant's resource, named by id inside one's own tenant, looks
 * exactly like a resource that does not exist. */
static void
test_other_tenants_ids_do_not_exist(void **state)
{
	Sess admin = sess_open(d.addr, A.token[R_ADMIN]);
	static const char *const nobody = "00000000-0000-4000-8000-000000000000";
	char msg_theirs[256], msg_none[256];

	for (int k = 0; k < 2; k++) {
		REQ(req);
		Triad__V1__GetPersonRequest gp = TRIAD__V1__GET_PERSON_REQUEST__INIT;
		gp.id = k == 0 ? B.person : (char *)nobody;
		req.body_case = TRIAD__V1__REQUEST__BODY_GET_PERSON;
		req.get_person = &gp;
		Triad__V1__Response *r = rpc(&admin, A.slug, &req);
		assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_NOT_FOUND);
		snprintf(k == 0 ? msg_theirs : msg_none, 256, "%s", r->status->message);
		rpc_free(r);
	}
	assert_string_equal(msg_theirs, msg_none);

	/* Revoking the other tenant's invite, in one's own: not found either. */
	char *inv_b = NULL;
	free(invite(B.slug, B.person, TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0, NULL, &inv_b));
	REQ(req);
	Triad__V1__RevokeInviteRequest rv = TRIAD__V1__REVOKE_INVITE_REQUEST__INIT;
	rv.id = inv_b;
	req.body_case = TRIAD__V1__REQUEST__BODY_REVOKE_INVITE;
	req.revoke_invite = &rv;
	Triad__V1__Response *r = rpc(&admin, A.slug, &req);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_NOT_FOUND);
	assert_string_equal(r->status->message, "invite not found");
	rpc_free(r);
	/* And B's invite is untouched: it can still be redeemed. */
	free(inv_b);
	sess_close(&admin);
}

/* ---- tokens ---- */

static void
test_bad_tokens_are_unauthenticated(void **state)
{
	char msg[256];
	const char *tok = test_token();
	char wrong[64];

	assert_int_equal(hello_code("", msg, sizeof msg), TRIAD__V1__CODE__CODE_UNAUTHENTICATED);
	assert_int_equal(hello_code("hunter2", msg, sizeof msg),
			 TRIAD__V1__CODE__CODE_UNAUTHENTICATED);
	assert_non_null(strstr(msg, "not a triad token"));
	/* Wrong length: one character short, one too many. */
	snprintf(wrong, sizeof wrong, "%.*s", (int)strlen(tok) - 1, tok);
	assert_int_equal(hello_code(wrong, msg, sizeof msg), TRIAD__V1__CODE__CODE_UNAUTHENTICATED);
	snprintf(wrong, sizeof wrong, "%sA", tok);
	assert_int_equal(hello_code(wrong, msg, sizeof msg), TRIAD__V1__CODE__CODE_UNAUTHENTICATED);
	/* Right form, right prefix, wrong secret: unknown. */
	snprintf(wrong, sizeof wrong, "%s", tok);
	wrong[strlen(wrong) - 1] = wrong[strlen(wrong) - 1] == 'A' ? 'B' : 'A';
	assert_int_equal(hello_code(wrong, msg, sizeof msg), TRIAD__V1__CODE__CODE_UNAUTHENTICATED);
	assert_string_equal(msg, "the token is not known to this service; check it or create a new one");

	/* Revoked: a token made and revoked through the protocol. */
	Sess s = sess_open(d.addr, A.token[R_COACH]);
	REQ(mk);
	Triad__V1__CreateTokenRequest ct = TRIAD__V1__CREATE_TOKEN_REQUEST__INIT;
	ct.label = "laptop";
	mk.body_case = TRIAD__V1__REQUEST__BODY_CREATE_TOKEN;
	mk.create_token = &ct;
	Triad__V1__Response *r = rpc_ok(&s, NULL, &mk);
	char *secret = strdup(r->create_token->token);
	char *id = strdup(r->create_token->token_info->id);
	rpc_free(r);
	assert_int_equal(hello_code(secret, NULL, 0), TRIAD__V1__CODE__CODE_OK);
	REQ(rv);
	Triad__V1__RevokeTokenRequest rt = TRIAD__V1__REVOKE_TOKEN_REQUEST__INIT;
	rt.id = id;
	rv.body_case = TRIAD__V1__REQUEST__BODY_REVOKE_TOKEN;
	rv.revoke_token = &rt;
	r = rpc_ok(&s, NULL, &rv);
	assert_string_not_equal(r->token->revoked_at, "");
	rpc_free(r);
	assert_int_equal(hello_code(secret, msg, sizeof msg), TRIAD__V1__CODE__CODE_UNAUTHENTICATED);
	assert_string_equal(msg, "the token has been revoked; create a new one");

	/* Expired: a token made with an expiry, then backdated by the owner. */
	ct.expires_in_days = 1;
	field_give(&ct.base, "expires_in_days");
	r = rpc_ok(&s, NULL, &mk);
	char *secret2 = strdup(r->create_token->token);
	free(owner_sql("UPDATE api_token SET expires_at = now() - interval '1 minute' "
		       "WHERE id = $1::uuid", r->create_token->token_info->id, NULL, NULL));
	rpc_free(r);
	assert_int_equal(hello_code(secret2, msg, sizeof msg), TRIAD__V1__CODE__CODE_UNAUTHENTICATED);
	assert_string_equal(msg, "the token has expired; create a new one");
	sess_close(&s);
	free(secret);
	free(secret2);
	free(id);
}

static void
test_revoked_token_stops_an_open_session(void **state)
{
	Sess s = sess_open(d.addr, A.token[R_STAFF]);
	REQ(mk);
	Triad__V1__CreateTokenRequest ct = TRIAD__V1__CREATE_TOKEN_REQUEST__INIT;
	mk.body_case = TRIAD__V1__REQUEST__BODY_CREATE_TOKEN;
	mk.create_token = &ct;
	Triad__V1__Response *r = rpc_ok(&s, NULL, &mk);
	char *secret = strdup(r->create_token->token);
	char *id = strdup(r->create_token->token_info->id);
	rpc_free(r);

	Sess other = sess_open(d.addr, secret);
	REQ(rv);
	Triad__V1__RevokeTokenRequest rt = TRIAD__V1__REVOKE_TOKEN_REQUEST__INIT;
	rt.id = id;
	rv.body_case = TRIAD__V1__REQUEST__BODY_REVOKE_TOKEN;
	rv.revoke_token = &rt;
	rpc_free(rpc_ok(&s, NULL, &rv));

	/* The session opened with it is refused at its next request. */
	REQ(who);
	Triad__V1__WhoAmIRequest w = TRIAD__V1__WHO_AM_IREQUEST__INIT;
	who.body_case = TRIAD__V1__REQUEST__BODY_WHO_AM_I;
	who.who_am_i = &w;
	r = rpc(&other, NULL, &who);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_UNAUTHENTICATED);
	rpc_free(r);
	sess_close(&other);
	sess_close(&s);
	free(secret);
	free(id);
}

static void
test_revoked_grant_stops_an_open_session(void **state)
{
	char *person = create_person(&op, A.slug, "short-lived-admin");
	char *token = invite_and_redeem(&op, d.addr, A.slug, person,
					TRIAD__V1__ROLE__ROLE_INSTITUTION_ADMIN, 0, NULL);
	Sess admin = sess_open(d.addr, token);
	REQ(lp);
	Triad__V1__ListPersonsRequest l = TRIAD__V1__LIST_PERSONS_REQUEST__INIT;
	lp.body_case = TRIAD__V1__REQUEST__BODY_LIST_PERSONS;
	lp.list_persons = &l;
	rpc_free(rpc_ok(&admin, A.slug, &lp));

	/* The operator takes the role away while the session is open. */
	REQ(who);
	Triad__V1__WhoAmIRequest w = TRIAD__V1__WHO_AM_IREQUEST__INIT;
	who.body_case = TRIAD__V1__REQUEST__BODY_WHO_AM_I;
	who.who_am_i = &w;
	Triad__V1__Response *r = rpc_ok(&admin, NULL, &who);
	assert_int_equal(r->who_am_i->n_grants, 1);
	char *grant = strdup(r->who_am_i->grants[0]->id);
	rpc_free(r);
	REQ(rv);
	Triad__V1__RevokeGrantRequest rg = TRIAD__V1__REVOKE_GRANT_REQUEST__INIT;
	rg.id = grant;
	rv.body_case = TRIAD__V1__REQUEST__BODY_REVOKE_GRANT;
	rv.revoke_grant = &rg;
	rpc_free(rpc_ok(&op, A.slug, &rv));

	/* Its next request in that institution is refused. */
	r = rpc(&admin, A.slug, &lp);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_UNAUTHENTICATED);
	assert_string_equal(r->status->message,
			    "your roles at this institution have changed; sign in again");
	rpc_free(r);
	sess_close(&admin);
	free(grant);
	free(token);
	free(person);
}

static void
test_failed_signins_are_rate_limited_and_logged_once(void **state)
{
	char msg[256];
	/* Our own daemon, so the limit does not touch the other tests. */
	Triadd own;
	triadd_start(&own, NULL);
	Triadd saved = d;
	d = own;
	for (int i = 0; i < 10; i++)
		assert_int_equal(hello_code("trd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", msg,
					    sizeof msg), TRIAD__V1__CODE__CODE_UNAUTHENTICATED);
	/* That token is now turned away without a lookup... */
	assert_int_equal(hello_code("trd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", msg,
				    sizeof msg), TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED);
	assert_string_equal(msg, "this token has failed too often in the last minute; check it, "
				 "and wait a minute before trying it again");
	/* ...but a good token from the same address still signs in, and
	 * another bad one is still told what is wrong. */
	assert_int_equal(hello_code(test_token(), msg, sizeof msg), TRIAD__V1__CODE__CODE_OK);
	assert_int_equal(hello_code("trd_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB", msg,
				    sizeof msg), TRIAD__V1__CODE__CODE_UNAUTHENTICATED);
	d = saved;
	assert_int_equal(triadd_stop(&own, SIGTERM), 0);
	char cmd[256], out[4096];
	snprintf(cmd, sizeof cmd, "grep -c 'event=signin_rate_limited' %s", own.log);
	assert_int_equal(run_capture(cmd, out, sizeof out), 0);
	assert_int_equal(atoi(out), 1);
}

/* ---- invites ---- */

static void
test_invites_reused_expired_revoked(void **state)
{
	char *person = create_person(&op, A.slug, "invitee");
	char *id = NULL;

	/* Used once, then refused. */
	char *code = invite(A.slug, person, TRIAD__V1__ROLE__ROLE_WORKPLACE_COACH, 0, NULL, NULL);
	free(redeem_ok(code));
	Triad__V1__Response *r = redeem(code);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_FAILED_PRECONDITION);
	assert_non_null(strstr(r->status->message, "already been used"));
	rpc_free(r);
	free(code);

	/* Expired. */
	code = invite(A.slug, person, TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0, NULL, &id);
	free(owner_sql("UPDATE invite SET expires_at = now() - interval '1 second' WHERE id = $1::uuid",
		       id, NULL, NULL));
	r = redeem(code);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_FAILED_PRECONDITION);
	assert_string_equal(r->status->message, "this invite has expired; ask for a new one");
	rpc_free(r);
	free(code);
	free(id);

	/* Revoked. */
	code = invite(A.slug, person, TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0, NULL, &id);
	REQ(req);
	Triad__V1__RevokeInviteRequest rv = TRIAD__V1__REVOKE_INVITE_REQUEST__INIT;
	rv.id = id;
	req.body_case = TRIAD__V1__REQUEST__BODY_REVOKE_INVITE;
	req.revoke_invite = &rv;
	rpc_free(rpc_ok(&op, A.slug, &req));
	r = redeem(code);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_FAILED_PRECONDITION);
	assert_string_equal(r->status->message, "this invite has been withdrawn; ask for a new one");
	rpc_free(r);

	/* Unknown and malformed codes. */
	code[strlen(code) - 1] = code[strlen(code) - 1] == 'A' ? 'B' : 'A';
	r = redeem(code);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_NOT_FOUND);
	rpc_free(r);
	r = redeem("inv_short");
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT);
	assert_string_equal(r->status->field, "redeem_invite.code");
	rpc_free(r);
	free(code);
	free(id);
	free(person);
}

/* ---- row-level security ---- */

static long
count_as_daemon(const char *institution, const char *table)
{
	PGconn *pg = PQconnectdb(env_required("TRIAD_TEST_DB"));
	assert_int_equal(PQstatus(pg), CONNECTION_OK);
	PGresult *r = PQexec(pg, "BEGIN");
	PQclear(r);
	if (institution != NULL) {
		const char *p[1] = {institution};
		r = PQexecParams(pg, "SELECT triad_begin($1, NULL, NULL)", 1, NULL, p, NULL, NULL, 0);
		assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
		PQclear(r);
	}
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);   /* no WHERE at all */
	r = PQexec(pg, sql);
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	long n = atol(PQgetvalue(r, 0, 0));
	PQclear(r);
	PQfinish(pg);
	return n;
}

static long
count_as_owner(const char *institution_id, const char *table)
{
	PGconn *pg = PQconnectdb(env_required("TRIAD_TEST_OWNER_DB"));
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE institution_id = $1::uuid", table);
	const char *p[1] = {institution_id};
	PGresult *r = PQexecParams(pg, sql, 1, NULL, p, NULL, NULL, 0);
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	long n = atol(PQgetvalue(r, 0, 0));
	PQclear(r);
	PQfinish(pg);
	return n;
}

static void
test_row_level_security_holds(void **state)
{
	static const char *const tables[] = {"member", "role_grant", "invite", "audit_event"};
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		long a = count_as_daemon(A.id, tables[i]);
		long b = count_as_daemon(B.slug, tables[i]);
		/* Exactly the tenant's own rows, though the query has no WHERE. */
		assert_true(a > 0);
		assert_int_equal(a, count_as_owner(A.id, tables[i]));
		assert_int_equal(b, count_as_owner(B.id, tables[i]));
		/* With no tenant set, nothing at all. */
		assert_int_equal(count_as_daemon(NULL, tables[i]), 0);
	}

	/* Every table that carries institution_id, now and in every later
	 * migration, has row-level security on, with a policy, and every view
	 * over them runs as the caller. */
	PGconn *pg = PQconnectdb(env_required("TRIAD_TEST_OWNER_DB"));
	PGresult *r = PQexec(pg,
		"SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid"
		" JOIN pg_namespace n ON n.oid = c.relnamespace"
		" WHERE n.nspname = 'public' AND a.attname = 'institution_id' AND c.relkind = 'r'"
		"   AND (NOT c.relrowsecurity"
		"        OR NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid))");
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	if (PQntuples(r) != 0)
		fail_msg("table without row-level security: %s", PQgetvalue(r, 0, 0));
	PQclear(r);
	r = PQexec(pg,
		"SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
		" WHERE n.nspname = 'public' AND c.relkind = 'v'"
		"   AND NOT coalesce('security_invoker=true' = ANY (c.reloptions), false)");
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	if (PQntuples(r) != 0)
		fail_msg("view that bypasses row-level security: %s", PQgetvalue(r, 0, 0));
	PQclear(r);
	PQfinish(pg);
}

/* ---- audit ---- */

static void
test_audit_written_and_immutable(void **state)
{
	Sess admin = sess_open(d.addr, A.token[R_ADMIN]);
	char *person = create_person(&admin, A.slug, "audited");
	REQ(req);
	Triad__V1__ListAuditRequest la = TRIAD__V1__LIST_AUDIT_REQUEST__INIT;
	la.resource_kind = "person";
	la.resource_id = person;
	req.body_case = TRIAD__V1__REQUEST__BODY_LIST_AUDIT;
	req.list_audit = &la;
	Triad__V1__Response *r = rpc_ok(&admin, A.slug, &req);
	assert_int_equal(r->audit->n_events, 1);
	assert_string_equal(r->audit->events[0]->action, "person.create");
	assert_string_equal(r->audit->events[0]->institution_id, A.id);
	assert_string_equal(r->audit->events[0]->outcome, "ok");
	assert_true(r->audit->events[0]->request_id >= 100);
	rpc_free(r);
	sess_close(&admin);

	/* The daemon's role cannot rewrite history. */
	PGconn *pg = PQconnectdb(env_required("TRIAD_TEST_DB"));
	static const char *const attempts[] = {
		"UPDATE audit_event SET action = 'nothing'",
		"DELETE FROM audit_event",
		"UPDATE service_audit_event SET action = 'nothing'",
		"DELETE FROM service_audit_event",
		"INSERT INTO operator (principal_id) SELECT id FROM principal LIMIT 1",
	};
	for (size_t i = 0; i < sizeof attempts / sizeof attempts[0]; i++) {
		PGresult *res = PQexec(pg, attempts[i]);
		assert_int_equal(PQresultStatus(res), PGRES_FATAL_ERROR);
		assert_string_equal(PQresultErrorField(res, PG_DIAG_SQLSTATE), "42501");
		PQclear(res);
	}
	PQfinish(pg);
	free(person);
}

static void
test_bootstrap_refuses_a_second_time_without_force(void **state)
{
	char cmd[2048], out[4096];
	snprintf(cmd, sizeof cmd, "'%s' bootstrap --db '%s' 2>&1", env_required("TRIADD"),
		 env_required("TRIAD_TEST_OWNER_DB"));
	assert_int_equal(run_capture(cmd, out, sizeof out), 1);
	assert_non_null(strstr(out, "an operator already exists"));
	/* --force works, and is audited. */
	char forced_token[128];
	triadd_bootstrap(forced_token, sizeof forced_token);
	assert_string_not_equal(forced_token, test_token());
	REQ(req);
	Triad__V1__ListAuditRequest la = TRIAD__V1__LIST_AUDIT_REQUEST__INIT;
	la.resource_kind = "token";
	la.page_size = 500;
	req.body_case = TRIAD__V1__REQUEST__BODY_LIST_AUDIT;
	req.list_audit = &la;
	Triad__V1__Response *r = rpc_ok(&op, NULL, &req);
	bool forced = false;
	for (size_t i = 0; i < r->audit->n_events; i++)
		forced |= strcmp(r->audit->events[i]->action, "bootstrap.force") == 0;
	assert_true(forced);
	rpc_free(r);
}

static void
test_whoami_and_defaults(void **state)
{
	Sess coach = sess_open(d.addr, A.token[R_COACH]);
	REQ(req);
	Triad__V1__WhoAmIRequest w = TRIAD__V1__WHO_AM_IREQUEST__INIT;
	req.body_case = TRIAD__V1__REQUEST__BODY_WHO_AM_I;
	req.who_am_i = &w;
	Triad__V1__Response *r = rpc_ok(&coach, NULL, &req);
	assert_int_equal(r->who_am_i->n_grants, 1);
	assert_int_equal(r->who_am_i->grants[0]->role, TRIAD__V1__ROLE__ROLE_WORKPLACE_COACH);
	assert_string_equal(r->who_am_i->institutions[0]->slug, A.slug);
	assert_non_null(r->who_am_i->person);
	rpc_free(r);
	sess_close(&coach);

	/* An admin with grants in one institution need not name it. */
	Sess admin = sess_open(d.addr, A.token[R_ADMIN]);
	REQ(lp);
	Triad__V1__ListPersonsRequest l = TRIAD__V1__LIST_PERSONS_REQUEST__INIT;
	l.page_size = 2;
	lp.body_case = TRIAD__V1__REQUEST__BODY_LIST_PERSONS;
	lp.list_persons = &l;
	r = rpc_ok(&admin, NULL, &lp);
	assert_int_equal(r->persons->n_persons, 2);
	assert_string_not_equal(r->persons->next_page_token, "");
	/* The next page starts after the last one of this page. */
	char *token = strdup(r->persons->next_page_token);
	rpc_free(r);
	l.page_token = token;
	r = rpc_ok(&admin, NULL, &lp);
	assert_true(r->persons->n_persons >= 1);
	assert_true(strcmp(r->persons->persons[0]->id, token) > 0);
	rpc_free(r);
	l.page_token = "";
	free(token);
	sess_close(&admin);

	/* An operator must name it. */
	r = rpc(&op, NULL, &lp);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT);
	assert_string_equal(r->status->field, "institution");
	rpc_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_access_matrix_covers_every_request),
		cmocka_unit_test(test_access_matrix),
		cmocka_unit_test(test_other_tenants_ids_do_not_exist),
		cmocka_unit_test(test_bad_tokens_are_unauthenticated),
		cmocka_unit_test(test_revoked_token_stops_an_open_session),
		cmocka_unit_test(test_revoked_grant_stops_an_open_session),
		cmocka_unit_test(test_failed_signins_are_rate_limited_and_logged_once),
		cmocka_unit_test(test_invites_reused_expired_revoked),
		cmocka_unit_test(test_row_level_security_holds),
		cmocka_unit_test(test_audit_written_and_immutable),
		cmocka_unit_test(test_bootstrap_refuses_a_second_time_without_force),
		cmocka_unit_test(test_whoami_and_defaults),
	};
	return harness_run_group_tests(tests, setup, teardown);
}

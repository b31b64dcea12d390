/*
 * test_self.c: every person finds their own, by the names people use,
 * through the protocol against a real daemon and PostgreSQL.
 *
 * One institution with two programmes (MPM and MIZ) that share an outcome
 * code and a module code, an employer with a registry number, and:
 *   anna   a participant in MPM, whose employer is the organisation; she
 *          consents to it, has a coach and asks her for feedback;
 *   bert   a participant in MPM and in MIZ, same employer, no consent;
 *   carla  anna's workplace coach, who signs in with her relation's invite;
 *   dirk   the organisation's employer contact;
 *   sara   an assessor, leo a lecturer.
 * A second institution holds a person that the first cannot see.
 *
 * The fixture itself is made with keys (e-mail addresses, codes, names,
 * the registry number) rather than ids where a request takes one.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CODE(x) TRIAD__V1__CODE__CODE_##x

static Triadd d;
static Sess op;

static char inst[64], other[64];
static char org_name[96], org_number[64];
static char *org;
static char anna_email[96], bert_email[96], carla_email[96], dirk_email[96], sara_email[96],
	leo_email[96], hidden_email[96];
static char *anna_token, *bert_token, *carla_token, *dirk_token, *sara_token, *leo_token;
static char *anna_enrollment, *bert_mpm, *bert_miz;
static char cohort_mpm[64], cohort_miz[64];

/* ---- building blocks ---- */

/* Sends body m as the request kind called name (its field in Request.body). */
static Triad__V1__Response *
ask(Sess *s, const char *institution, const char *name, void *m)
{
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field_by_name(&triad__v1__request__descriptor, name);

	assert_non_null(f);
	req.body_case = (Triad__V1__Request__BodyCase)f->id;
	*(void **)((char *)&req + f->offset) = m;
	return rpc(s, institution, &req);
}

static Triad__V1__Response *
ask_ok(Sess *s, const char *institution, const char *name, void *m)
{
	Triad__V1__Response *r = ask(s, institution, name, m);
	if (r->status->code != CODE(OK))
		fail_msg("%s: %s (field %s)", name, r->status->message, r->status->field);
	return r;
}

/* A session of token; the caller closes it. */
static Sess
as(const char *token)
{
	return sess_open(d.addr, token);
}

static void
email(char *buf, size_t size, const char *stem)
{
	char u[80];
	test_unique(u, sizeof u, stem);
	snprintf(buf, size, "%s@example.org", u);
}

static void
outcome(const char *programme_code, const char *code)
{
	Triad__V1__CreateLearningOutcomeRequest m = TRIAD__V1__CREATE_LEARNING_OUTCOME_REQUEST__INIT;
	Triad__V1__LearningOutcome o = TRIAD__V1__LEARNING_OUTCOME__INIT;
	o.programme_id = (char *)programme_code;
	o.code = (char *)code;
	o.description = "Leads change in a public organisation";
	o.credits = 5;
	m.outcome = &o;
	rpc_free(ask_ok(&op, inst, "create_learning_outcome", &m));
}

static void
module(const char *programme_code, const char *code)
{
	Triad__V1__CreateModuleRequest m = TRIAD__V1__CREATE_MODULE_REQUEST__INIT;
	Triad__V1__Module mod = TRIAD__V1__MODULE__INIT;
	mod.programme_id = (char *)programme_code;
	mod.code = (char *)code;
	mod.name = "Public value";
	mod.kind = TRIAD__V1__MODULE_KIND__MODULE_KIND_CORE;
	mod.sequence = 1;
	mod.credits = 5;
	m.module = &mod;
	rpc_free(ask_ok(&op, inst, "create_module", &m));
}

static void
cohort(const char *programme_code, const char *stem, char name[64])
{
	Triad__V1__CreateCohortRequest m = TRIAD__V1__CREATE_COHORT_REQUEST__INIT;
	Triad__V1__Cohort c = TRIAD__V1__COHORT__INIT;
	test_unique(name, 64, stem);
	c.programme_id = (char *)programme_code;
	c.name = name;
	c.starts_on = "2026-09-01";
	c.ends_on = "2028-06-30";
	m.cohort = &c;
	rpc_free(ask_ok(&op, inst, "create_cohort", &m));
}

/* Enrolls the person with this e-mail in the cohort with this name, with
 * the organisation (by registry number) as employer; returns the id. */
static char *
enroll(const char *who, const char *cohort_name)
{
	Triad__V1__EnrollRequest m = TRIAD__V1__ENROLL_REQUEST__INIT;
	m.person_id = (char *)who;
	m.cohort_id = (char *)cohort_name;
	m.employer_id = org_number;
	m.hours_per_week = 8;
	Triad__V1__Response *r = ask_ok(&op, inst, "enroll", &m);
	char *id = test_strdup(r->enrollment->id);
	rpc_free(r);
	return id;
}

static char *
person(const char *inst_slug, const char *name, const char *mail)
{
	return make_person(&op, inst_slug, name, mail);
}

static int
setup(void **state)
{
	triadd_start(&d, NULL);
	op = sess_open(d.addr, test_token());
	make_institution(&op, "self", "Self-service tests", inst);
	make_institution(&op, "selfb", "Another institution", other);

	free(make_programme(&op, inst, "MPM", 0));
	free(make_programme(&op, inst, "MIZ", 0));
	outcome("MPM", "LO1");
	outcome("miz", "LO1");          /* programme codes in any case */
	module("MPM", "M1");
	module("MIZ", "M1");
	cohort("MPM", "Metropool ", cohort_mpm);
	cohort("MIZ", "Zorg ", cohort_miz);

	Triad__V1__CreateOrganisationRequest co = TRIAD__V1__CREATE_ORGANISATION_REQUEST__INIT;
	test_unique(org_name, sizeof org_name, "Gemeente Voorbeeld ");
	test_unique(org_number, sizeof org_number, "KVK");
	co.name = org_name;
	co.kind = TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_MUNICIPALITY;
	co.registry_number = org_number;
	Triad__V1__Response *r = ask_ok(&op, NULL, "create_organisation", &co);
	assert_string_equal(r->organisation->registry_number, org_number);
	org = test_strdup(r->organisation->id);
	rpc_free(r);

	email(anna_email, sizeof anna_email, "anna");
	email(bert_email, sizeof bert_email, "bert");
	email(carla_email, sizeof carla_email, "carla");
	email(dirk_email, sizeof dirk_email, "dirk");
	email(sara_email, sizeof sara_email, "sara");
	email(leo_email, sizeof leo_email, "leo");
	email(hidden_email, sizeof hidden_email, "hidden");
	free(person(inst, "Anna de Vries", anna_email));
	free(person(inst, "Bert Bakker", bert_email));
	free(person(inst, "Dirk Dekker", dirk_email));
	free(person(inst, "Sara Smit", sara_email));
	free(person(inst, "Leo Linden", leo_email));
	free(person(other, "Hidden Elsewhere", hidden_email));
	/* Carla is known to the service, not to the institution. */
	free(person(other, "Carla Coach", carla_email));

	anna_enrollment = enroll(anna_email, cohort_mpm);
	bert_mpm = enroll(bert_email, cohort_mpm);
	bert_miz = enroll(bert_email, cohort_miz);

	/* Invites by e-mail address, the organisation by its name in another case. */
	char upper[96];
	snprintf(upper, sizeof upper, "%s", org_name);
	for (char *c = upper; *c; c++)
		*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c);
	anna_token = invite_and_redeem(&op, d.addr, inst, anna_email,
				       TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0, NULL);
	bert_token = invite_and_redeem(&op, d.addr, inst, bert_email,
				       TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0, NULL);
	dirk_token = invite_and_redeem(&op, d.addr, inst, dirk_email,
				       TRIAD__V1__ROLE__ROLE_EMPLOYER_CONTACT, 0, upper);
	sara_token = invite_and_redeem(&op, d.addr, inst, sara_email,
				       TRIAD__V1__ROLE__ROLE_PROGRAMME_STAFF,
				       TRIAD__V1__STAFF_TITLE__STAFF_TITLE_ASSESSOR, NULL);
	leo_token = invite_and_redeem(&op, d.addr, inst, leo_email,
				      TRIAD__V1__ROLE__ROLE_PROGRAMME_STAFF,
				      TRIAD__V1__STAFF_TITLE__STAFF_TITLE_LECTURER, NULL);

	/* Carla becomes Anna's coach: the enrollment by Anna's e-mail, the
	 * coach by hers; she signs in with the relation's invite. */
	Triad__V1__CreateRelationRequest cr = TRIAD__V1__CREATE_RELATION_REQUEST__INIT;
	cr.enrollment_id = anna_email;
	cr.coach_person_id = carla_email;
	cr.kind = TRIAD__V1__RELATION_KIND__RELATION_KIND_WORKPLACE_COACH;
	r = ask_ok(&op, inst, "create_relation", &cr);
	assert_string_equal(r->create_relation->relation->enrollment_id, anna_enrollment);
	assert_string_not_equal(r->create_relation->invite_code, "");
	int fd = tc_connect(d.addr);
	Triad__V1__RedeemInviteRequest rm = TRIAD__V1__REDEEM_INVITE_REQUEST__INIT;
	Triad__V1__Request rd = TRIAD__V1__REQUEST__INIT;
	rm.code = r->create_relation->invite_code;
	rd.id = 7;
	rd.body_case = TRIAD__V1__REQUEST__BODY_REDEEM_INVITE;
	rd.redeem_invite = &rm;
	tc_send(fd, &rd);
	rpc_free(r);
	r = tc_recv(fd, 10000, NULL);
	assert_non_null(r);
	assert_int_equal(r->status->code, CODE(OK));
	carla_token = test_strdup(r->redeem_invite->token);
	rpc_free(r);
	close(fd);
	return 0;
}

static int
teardown(void **state)
{
	sess_close(&op);
	free(org);
	free(anna_token);
	free(bert_token);
	free(carla_token);
	free(dirk_token);
	free(sara_token);
	free(leo_token);
	free(anna_enrollment);
	free(bert_mpm);
	free(bert_miz);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
	return 0;
}

/* ---- a participant's own ---- */

static size_t
enrollments_seen(const char *token, char **first)
{
	Sess s = as(token);
	Triad__V1__ListEnrollmentsRequest m = TRIAD__V1__LIST_ENROLLMENTS_REQUEST__INIT;
	Triad__V1__Response *r = ask_ok(&s, inst, "list_enrollments", &m);
	size_t n = r->enrollments->n_enrollments;
	if (first != NULL)
		*first = n > 0 ? test_strdup(r->enrollments->enrollments[0]->person_id) : NULL;
	rpc_free(r);
	sess_close(&s);
	return n;
}

static void
test_a_participant_lists_her_own_enrollments(void **state)
{
	char *who = NULL;

	/* Only her own: once refused her, now hers and no one else's. */
	assert_int_equal(enrollments_seen(anna_token, &who), 1);
	char *anna_person = owner_sql("SELECT id FROM person WHERE email = $1", anna_email, NULL,
				      NULL);
	assert_string_equal(who, anna_person);
	free(who);
	free(anna_person);
	assert_int_equal(enrollments_seen(bert_token, NULL), 2);

	/* Bert's enrollment by its id is not hers to see. */
	Sess s = as(anna_token);
	Triad__V1__GetEnrollmentRequest g = TRIAD__V1__GET_ENROLLMENT_REQUEST__INIT;
	g.id = bert_mpm;
	expect_status_free(ask(&s, inst, "get_enrollment", &g), CODE(NOT_FOUND),
			   "enrollment not found", NULL);
	/* Nor by filtering for his e-mail address: he is no one she may see. */
	Triad__V1__ListEnrollmentsRequest l = TRIAD__V1__LIST_ENROLLMENTS_REQUEST__INIT;
	l.person_id = bert_email;
	char want[256];
	snprintf(want, sizeof want, "no person with e-mail address \"%s\" here", bert_email);
	expect_status_free(ask(&s, inst, "list_enrollments", &l), CODE(NOT_FOUND), want,
			   "list_enrollments.person_id");
	sess_close(&s);
}

static void
test_her_own_enrollment_is_the_default(void **state)
{
	/* Anna has one: progress without naming it. */
	Sess s = as(anna_token);
	Triad__V1__GetProgressRequest p = TRIAD__V1__GET_PROGRESS_REQUEST__INIT;
	Triad__V1__Response *r = ask_ok(&s, inst, "get_progress", &p);
	assert_string_equal(r->progress->enrollment_id, anna_enrollment);
	assert_string_equal(r->progress->programme_code, "MPM");
	rpc_free(r);
	sess_close(&s);

	/* Bert has two: he is asked which, with the choices as keys. */
	s = as(bert_token);
	r = ask(&s, inst, "get_progress", &p);
	expect_status(r, CODE(INVALID_ARGUMENT), NULL, "get_progress.enrollment_id");
	char want[256];
	snprintf(want, sizeof want, "MPM/%s", cohort_mpm);
	expect_contains(r->status->message, "you have 2 enrollments; say which: ");
	expect_contains(r->status->message, want);
	snprintf(want, sizeof want, "MIZ/%s", cohort_miz);
	expect_contains(r->status->message, want);
	rpc_free(r);

	/* ... and names it by programme code, or cohort name in another case. */
	p.enrollment_id = "miz";
	r = ask_ok(&s, inst, "get_progress", &p);
	assert_string_equal(r->progress->enrollment_id, bert_miz);
	rpc_free(r);
	char lower[64];
	snprintf(lower, sizeof lower, "%s", cohort_mpm);
	for (char *c = lower; *c; c++)
		*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
	p.enrollment_id = lower;
	r = ask_ok(&s, inst, "get_progress", &p);
	assert_string_equal(r->progress->enrollment_id, bert_mpm);
	rpc_free(r);
	sess_close(&s);

	/* Another's enrollment by key is not found, in the same words as one
	 * that does not exist. */
	s = as(anna_token);
	char key[160], msg_theirs[256], msg_none[256];
	snprintf(key, sizeof key, "%s/MPM", bert_email);
	p.enrollment_id = key;
	r = ask(&s, inst, "get_progress", &p);
	expect_status(r, CODE(NOT_FOUND), NULL, "get_progress.enrollment_id");
	snprintf(msg_theirs, sizeof msg_theirs, "%s", r->status->message);
	rpc_free(r);
	snprintf(key, sizeof key, "nobody-%s/MPM", bert_email);
	r = ask(&s, inst, "get_progress", &p);
	expect_status(r, CODE(NOT_FOUND), NULL, "get_progress.enrollment_id");
	snprintf(msg_none, sizeof msg_none, "%s", r->status->message);
	rpc_free(r);
	snprintf(want, sizeof want, "no enrollment \"%s/MPM\" that you may see", bert_email);
	assert_string_equal(msg_theirs, want);
	snprintf(want, sizeof want, "no enrollment \"nobody-%s/MPM\" that you may see",
		 bert_email);
	assert_string_equal(msg_none, want);
	sess_close(&s);
}

static void
test_claims_by_code_in_her_own_programme(void **state)
{
	/* LO1 is in both programmes: Anna's own wins. */
	Sess s = as(anna_token);
	Triad__V1__ClaimPriorLearningRequest c = TRIAD__V1__CLAIM_PRIOR_LEARNING_REQUEST__INIT;
	c.outcome_id = "lo1";
	c.evidence = "Led the merger of two municipal services";
	Triad__V1__Response *r = ask_ok(&s, inst, "claim_prior_learning", &c);
	assert_string_equal(r->claim->outcome_code, "LO1");
	rpc_free(r);
	Triad__V1__ListClaimsRequest l = TRIAD__V1__LIST_CLAIMS_REQUEST__INIT;
	r = ask_ok(&s, inst, "list_claims", &l);
	assert_int_equal(r->claims->n_claims, 1);
	rpc_free(r);
	sess_close(&s);

	/* Bert follows both: he is asked which. */
	s = as(bert_token);
	r = ask(&s, inst, "claim_prior_learning", &c);
	expect_status(r, CODE(INVALID_ARGUMENT), NULL, "claim_prior_learning.outcome_id");
	expect_contains(r->status->message, "\"lo1\" fits 2 learning outcomes; say which: "
					    "MIZ/LO1, MPM/LO1");
	rpc_free(r);
	c.outcome_id = "MIZ/LO1";
	rpc_free(ask_ok(&s, inst, "claim_prior_learning", &c));
	/* His claims, not Anna's. */
	r = ask_ok(&s, inst, "list_claims", &l);
	assert_int_equal(r->claims->n_claims, 1);
	assert_string_equal(r->claims->claims[0]->person_name, "Bert Bakker");
	rpc_free(r);
	sess_close(&s);
}

/* ---- consent: the participant, the employer with and without it ---- */

static void
test_consent_and_what_the_employer_sees(void **state)
{
	/* Anna consents, naming the organisation by registry number. */
	Sess s = as(anna_token);
	Triad__V1__SetConsentRequest sc = TRIAD__V1__SET_CONSENT_REQUEST__INIT;
	sc.organisation_id = org_number;
	sc.level = TRIAD__V1__CONSENT_LEVEL__CONSENT_LEVEL_PROGRESS;
	Triad__V1__Response *r = ask_ok(&s, inst, "set_consent", &sc);
	assert_string_equal(r->consent->enrollment_id, anna_enrollment);
	assert_string_equal(r->consent->organisation_name, org_name);
	rpc_free(r);
	Triad__V1__ListConsentsRequest lc = TRIAD__V1__LIST_CONSENTS_REQUEST__INIT;
	r = ask_ok(&s, inst, "list_consents", &lc);
	assert_int_equal(r->consents->n_consents, 1);
	assert_int_equal(r->consents->consents[0]->level,
			 TRIAD__V1__CONSENT_LEVEL__CONSENT_LEVEL_PROGRESS);
	rpc_free(r);
	sess_close(&s);

	/* Bert gave none: his list is empty. Then he sets none for his MPM
	 * enrollment, named by programme: his own list shows it, the
	 * employer's does not. */
	s = as(bert_token);
	r = ask_ok(&s, inst, "list_consents", &lc);
	assert_int_equal(r->consents->n_consents, 0);
	rpc_free(r);
	sc.enrollment_id = "MPM";
	sc.organisation_id = org_name;
	sc.level = TRIAD__V1__CONSENT_LEVEL__CONSENT_LEVEL_NONE;
	r = ask_ok(&s, inst, "set_consent", &sc);
	assert_string_equal(r->consent->enrollment_id, bert_mpm);
	rpc_free(r);
	r = ask_ok(&s, inst, "list_consents", &lc);
	assert_int_equal(r->consents->n_consents, 1);
	rpc_free(r);
	sess_close(&s);

	/* The employer's contact sees Anna, who consented, at her level, and
	 * not Bert, who did not. */
	s = as(dirk_token);
	r = ask_ok(&s, inst, "list_consents", &lc);
	assert_int_equal(r->consents->n_consents, 1);
	assert_string_equal(r->consents->consents[0]->participant_name, "Anna de Vries");
	assert_int_equal(r->consents->consents[0]->level,
			 TRIAD__V1__CONSENT_LEVEL__CONSENT_LEVEL_PROGRESS);
	rpc_free(r);
	Triad__V1__ListEmployerViewRequest ev = TRIAD__V1__LIST_EMPLOYER_VIEW_REQUEST__INIT;
	r = ask_ok(&s, inst, "list_employer_view", &ev);
	assert_int_equal(r->employer_view->n_participants, 1);
	assert_string_equal(r->employer_view->participants[0]->participant_name, "Anna de Vries");
	rpc_free(r);

	/* A judgement on Anna by her e-mail address; on Bert, nothing to name. */
	Triad__V1__AddAdvisoryJudgementRequest j = TRIAD__V1__ADD_ADVISORY_JUDGEMENT_REQUEST__INIT;
	j.enrollment_id = anna_email;
	j.text = "The new intake procedure works; the teams use it.";
	r = ask_ok(&s, inst, "add_advisory_judgement", &j);
	assert_string_equal(r->advisory_judgement->enrollment_id, anna_enrollment);
	rpc_free(r);
	j.enrollment_id = bert_email;
	char want[256];
	snprintf(want, sizeof want, "no enrollment \"%s\" that you may see", bert_email);
	expect_status_free(ask(&s, inst, "add_advisory_judgement", &j), CODE(NOT_FOUND), want,
			   "add_advisory_judgement.enrollment_id");
	sess_close(&s);
}

/* ---- advisory judgements: assessors and the participant read them ---- */

static size_t
judgements_seen(const char *token, Triad__V1__Code *code)
{
	Sess s = as(token);
	Triad__V1__ListAdvisoryJudgementsRequest m = TRIAD__V1__LIST_ADVISORY_JUDGEMENTS_REQUEST__INIT;
	Triad__V1__Response *r = ask(&s, inst, "list_advisory_judgements", &m);
	size_t n = r->status->code == CODE(OK) ? r->advisory_judgements->n_judgements : 0;
	*code = r->status->code;
	if (n > 0)
		assert_string_equal(r->advisory_judgements->judgements[0]->participant_name,
				    "Anna de Vries");
	rpc_free(r);
	sess_close(&s);
	return n;
}

static void
test_the_judgement_reaches_assessors_and_the_participant(void **state)
{
	Triad__V1__Code code;

	/* Written in the test before this one. */
	assert_int_equal(judgements_seen(sara_token, &code), 1);
	assert_int_equal(judgements_seen(anna_token, &code), 1);
	assert_int_equal(judgements_seen(dirk_token, &code), 1);
	assert_int_equal(judgements_seen(bert_token, &code), 0);
	assert_int_equal(code, CODE(OK));
	/* A lecturer is not an assessor. */
	judgements_seen(leo_token, &code);
	assert_int_equal(code, CODE(PERMISSION_DENIED));
}

/* ---- the coach, and feedback requests ---- */

static void
test_the_coach_lists_relations_and_requests(void **state)
{
	/* Anna asks her only coach without naming the relation. */
	Sess s = as(anna_token);
	Triad__V1__RequestFeedbackRequest q = TRIAD__V1__REQUEST_FEEDBACK_REQUEST__INIT;
	q.question = "How did I chair the steering group?";
	q.module_id = "M1";
	Triad__V1__Response *r = ask_ok(&s, inst, "request_feedback", &q);
	assert_string_equal(r->feedback_request->coach_name, "Carla Coach");
	rpc_free(r);
	Triad__V1__ListSentFeedbackRequestsRequest ls = TRIAD__V1__LIST_SENT_FEEDBACK_REQUESTS_REQUEST__INIT;
	r = ask_ok(&s, inst, "list_sent_feedback_requests", &ls);
	assert_int_equal(r->sent_feedback_requests->n_requests, 1);
	rpc_free(r);
	/* By the coach's e-mail address too. */
	ls.relation_id = carla_email;
	r = ask_ok(&s, inst, "list_sent_feedback_requests", &ls);
	assert_int_equal(r->sent_feedback_requests->n_requests, 1);
	rpc_free(r);
	sess_close(&s);

	/* Bert sent none, and has no coach to ask. */
	s = as(bert_token);
	Triad__V1__ListSentFeedbackRequestsRequest none = TRIAD__V1__LIST_SENT_FEEDBACK_REQUESTS_REQUEST__INIT;
	r = ask_ok(&s, inst, "list_sent_feedback_requests", &none);
	assert_int_equal(r->sent_feedback_requests->n_requests, 0);
	rpc_free(r);
	q.module_id = "";
	expect_status_free(ask(&s, inst, "request_feedback", &q), CODE(NOT_FOUND), NULL,
			   "request_feedback.relation_id");
	sess_close(&s);

	/* Carla lists her relations: Anna's, not Bert's. */
	s = as(carla_token);
	Triad__V1__ListRelationsRequest lr = TRIAD__V1__LIST_RELATIONS_REQUEST__INIT;
	r = ask_ok(&s, inst, "list_relations", &lr);
	assert_int_equal(r->relations->n_relations, 1);
	assert_string_equal(r->relations->relations[0]->participant_name, "Anna de Vries");
	rpc_free(r);
	r = ask_ok(&s, inst, "list_sent_feedback_requests", &none);
	assert_int_equal(r->sent_feedback_requests->n_requests, 1);
	rpc_free(r);
	/* She finds Anna by name, and not Bert. */
	Triad__V1__FindPersonsRequest fp = TRIAD__V1__FIND_PERSONS_REQUEST__INIT;
	fp.query = "de vries";
	r = ask_ok(&s, inst, "find_persons", &fp);
	assert_int_equal(r->persons->n_persons, 1);
	assert_string_equal(r->persons->persons[0]->email, anna_email);
	rpc_free(r);
	fp.query = "Bakker";
	r = ask_ok(&s, inst, "find_persons", &fp);
	assert_int_equal(r->persons->n_persons, 0);
	rpc_free(r);
	sess_close(&s);
}

/* ---- GetMe ---- */

static void
test_me_for_each_role(void **state)
{
	Sess s = as(anna_token);
	Triad__V1__GetMeRequest m = TRIAD__V1__GET_ME_REQUEST__INIT;
	Triad__V1__Response *r = ask_ok(&s, NULL, "get_me", &m);
	Triad__V1__MeReply *me = r->me;
	assert_string_equal(me->email, anna_email);
	assert_int_equal(me->n_roles, 1);
	assert_string_equal(me->roles[0]->institution_slug, inst);
	assert_int_equal(me->roles[0]->role, TRIAD__V1__ROLE__ROLE_PARTICIPANT);
	assert_int_equal(me->n_enrollments, 1);
	assert_string_equal(me->enrollments[0]->id, anna_enrollment);
	assert_string_equal(me->enrollments[0]->programme_code, "MPM");
	assert_string_equal(me->enrollments[0]->cohort_name, cohort_mpm);
	assert_string_equal(me->enrollments[0]->employer_name, org_name);
	assert_int_equal(me->n_relations, 1);
	assert_string_equal(me->relations[0]->side, "participant");
	assert_string_equal(me->relations[0]->coach_email, carla_email);
	assert_int_equal(me->n_consents, 1);
	assert_string_equal(me->consents[0]->organisation_name, org_name);
	assert_int_equal(me->n_requests_sent, 1);
	assert_int_equal(me->n_requests_received, 0);
	rpc_free(r);
	sess_close(&s);

	/* Bert: two enrollments, nothing else. */
	s = as(bert_token);
	r = ask_ok(&s, NULL, "get_me", &m);
	assert_int_equal(r->me->n_enrollments, 2);
	assert_int_equal(r->me->n_relations, 0);
	assert_int_equal(r->me->n_consents, 0);
	rpc_free(r);
	sess_close(&s);

	/* Carla: coach of Anna, with Anna's request waiting. */
	s = as(carla_token);
	r = ask_ok(&s, NULL, "get_me", &m);
	me = r->me;
	assert_int_equal(me->n_enrollments, 0);
	assert_int_equal(me->n_relations, 1);
	assert_string_equal(me->relations[0]->side, "coach");
	assert_string_equal(me->relations[0]->participant_email, anna_email);
	assert_int_equal(me->n_requests_received, 1);
	assert_string_equal(me->requests_received[0]->participant_name, "Anna de Vries");
	assert_int_equal(me->n_roles, 1);
	assert_int_equal(me->roles[0]->role, TRIAD__V1__ROLE__ROLE_WORKPLACE_COACH);
	rpc_free(r);
	sess_close(&s);

	/* Dirk: employer contact for the organisation. */
	s = as(dirk_token);
	r = ask_ok(&s, NULL, "get_me", &m);
	assert_int_equal(r->me->n_roles, 1);
	assert_string_equal(r->me->roles[0]->organisation_name, org_name);
	rpc_free(r);
	sess_close(&s);

	/* A partner system has no person. */
	char name[80];
	char *machine = make_machine(&op, inst, org, "self-sync", name);
	s = as(machine);
	r = ask(&s, NULL, "get_me", &m);
	expect_status(r, CODE(FAILED_PRECONDITION), NULL, NULL);
	rpc_free(r);
	sess_close(&s);
	free(machine);
}

/* ---- keys ---- */

static void
test_keys_resolve_in_any_case(void **state)
{
	/* A programme by code, the institution by its slug in capitals. */
	char upper[64];
	snprintf(upper, sizeof upper, "%s", inst);
	for (char *c = upper; *c; c++)
		*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c);
	Sess s = as(sara_token);
	Triad__V1__GetProgrammeRequest gp = TRIAD__V1__GET_PROGRAMME_REQUEST__INIT;
	gp.id = "mpm";
	Triad__V1__Response *r = ask_ok(&s, upper, "get_programme", &gp);
	assert_string_equal(r->programme->code, "MPM");
	rpc_free(r);

	/* A person by e-mail address in capitals. */
	char mail[96];
	snprintf(mail, sizeof mail, "%s", anna_email);
	for (char *c = mail; *c; c++)
		*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c);
	Triad__V1__GetPersonRequest gpe = TRIAD__V1__GET_PERSON_REQUEST__INIT;
	gpe.id = mail;
	r = ask_ok(&s, inst, "get_person", &gpe);
	assert_string_equal(r->person->email, anna_email);
	rpc_free(r);

	/* A cohort by name, a run by cohort and module. */
	Triad__V1__ListEnrollmentsRequest le = TRIAD__V1__LIST_ENROLLMENTS_REQUEST__INIT;
	le.cohort_id = cohort_mpm;
	r = ask_ok(&s, inst, "list_enrollments", &le);
	assert_int_equal(r->enrollments->n_enrollments, 2);
	rpc_free(r);
	sess_close(&s);

	/* An organisation by name and by registry number. */
	s = as(anna_token);
	Triad__V1__GetOrganisationRequest go = TRIAD__V1__GET_ORGANISATION_REQUEST__INIT;
	go.id = org_number;
	r = ask_ok(&s, NULL, "get_organisation", &go);
	assert_string_equal(r->organisation->id, org);
	rpc_free(r);
	go.id = org_name;
	r = ask_ok(&s, NULL, "get_organisation", &go);
	assert_string_equal(r->organisation->registry_number, org_number);
	rpc_free(r);
	Triad__V1__FindOrganisationsRequest fo = TRIAD__V1__FIND_ORGANISATIONS_REQUEST__INIT;
	fo.query = org_number;
	r = ask_ok(&s, NULL, "find_organisations", &fo);
	assert_int_equal(r->organisations->n_organisations, 1);
	rpc_free(r);
	sess_close(&s);

	/* A partner system for the organisation, named by registry number; its
	 * grant holds the organisation's id. */
	char name[80];
	Triad__V1__CreateTokenRequest ct = TRIAD__V1__CREATE_TOKEN_REQUEST__INIT;
	test_unique(name, sizeof name, "hr-sync-");
	ct.machine_name = name;
	ct.organisation_id = org_number;
	r = ask_ok(&op, inst, "create_token", &ct);
	s = as(r->create_token->token);
	rpc_free(r);
	Triad__V1__WhoAmIRequest who = TRIAD__V1__WHO_AM_IREQUEST__INIT;
	r = ask_ok(&s, NULL, "who_am_i", &who);
	assert_int_equal(r->who_am_i->n_grants, 1);
	assert_string_equal(r->who_am_i->grants[0]->organisation_id, org);
	rpc_free(r);
	sess_close(&s);
}

static void
test_an_ambiguous_key_lists_the_choices(void **state)
{
	/* The operator has no programme of their own: M1 is in both. */
	Triad__V1__GetModuleRequest gm = TRIAD__V1__GET_MODULE_REQUEST__INIT;
	gm.id = "M1";
	Triad__V1__Response *r = ask(&op, inst, "get_module", &gm);
	expect_status(r, CODE(INVALID_ARGUMENT), "\"M1\" fits 2 modules; say which: MIZ/M1, MPM/M1",
		      "get_module.id");
	rpc_free(r);
	gm.id = "mpm/m1";
	r = ask_ok(&op, inst, "get_module", &gm);
	assert_string_equal(r->module->code, "M1");
	rpc_free(r);

	/* Two organisations of one name: each with its registry number. */
	char number2[64];
	Triad__V1__CreateOrganisationRequest co = TRIAD__V1__CREATE_ORGANISATION_REQUEST__INIT;
	test_unique(number2, sizeof number2, "KVK");
	co.name = org_name;
	co.kind = TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_EMPLOYER;
	co.registry_number = number2;
	rpc_free(ask_ok(&op, NULL, "create_organisation", &co));
	Triad__V1__GetOrganisationRequest go = TRIAD__V1__GET_ORGANISATION_REQUEST__INIT;
	go.id = org_name;
	r = ask(&op, NULL, "get_organisation", &go);
	expect_status(r, CODE(INVALID_ARGUMENT), NULL, "get_organisation.id");
	expect_contains(r->status->message, org_number);
	expect_contains(r->status->message, number2);
	rpc_free(r);
	/* A registry number is taken once. */
	expect_status_free(ask(&op, NULL, "create_organisation", &co), CODE(ALREADY_EXISTS), NULL,
			   "create_organisation.registry_number");
}

static void
test_an_invisible_key_is_not_found(void **state)
{
	/* The person of the other institution, named in this one, is not found
	 * in the same words as someone who does not exist. */
	char want[256], nobody[128];
	Triad__V1__GetPersonRequest gp = TRIAD__V1__GET_PERSON_REQUEST__INIT;
	gp.id = hidden_email;
	snprintf(want, sizeof want, "no person with e-mail address \"%s\" here", hidden_email);
	expect_status_free(ask(&op, inst, "get_person", &gp), CODE(NOT_FOUND), want,
			   "get_person.id");
	snprintf(nobody, sizeof nobody, "nobody-%s", hidden_email);
	gp.id = nobody;
	snprintf(want, sizeof want, "no person with e-mail address \"%s\" here", nobody);
	expect_status_free(ask(&op, inst, "get_person", &gp), CODE(NOT_FOUND), want,
			   "get_person.id");

	/* Its programme codes are not this institution's either. */
	free(make_programme(&op, other, "ELSEWHERE", 0));
	Triad__V1__GetProgrammeRequest gpr = TRIAD__V1__GET_PROGRAMME_REQUEST__INIT;
	gpr.id = "ELSEWHERE";
	expect_status_free(ask(&op, inst, "get_programme", &gpr), CODE(NOT_FOUND),
			   "no programme with code \"ELSEWHERE\"", "get_programme.id");

	/* A participant finds herself and her coach, no one else. */
	Sess s = as(anna_token);
	Triad__V1__FindPersonsRequest fp = TRIAD__V1__FIND_PERSONS_REQUEST__INIT;
	Triad__V1__Response *r = ask_ok(&s, inst, "find_persons", &fp);
	assert_int_equal(r->persons->n_persons, 2);
	rpc_free(r);
	fp.query = "bert";
	r = ask_ok(&s, inst, "find_persons", &fp);
	assert_int_equal(r->persons->n_persons, 0);
	rpc_free(r);
	sess_close(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_participant_lists_her_own_enrollments),
		cmocka_unit_test(test_her_own_enrollment_is_the_default),
		cmocka_unit_test(test_claims_by_code_in_her_own_programme),
		cmocka_unit_test(test_consent_and_what_the_employer_sees),
		cmocka_unit_test(test_the_judgement_reaches_assessors_and_the_participant),
		cmocka_unit_test(test_the_coach_lists_relations_and_requests),
		cmocka_unit_test(test_me_for_each_role),
		cmocka_unit_test(test_keys_resolve_in_any_case),
		cmocka_unit_test(test_an_ambiguous_key_lists_the_choices),
		cmocka_unit_test(test_an_invisible_key_is_not_found),
	};
	return harness_run_group_tests(tests, setup, teardown);
}

/*
 * test_community.c: professional learning communities through the
 * protocol against a real daemon and PostgreSQL: communities with their
 * members and organisations, practice questions (the whole transition
 * table, its preconditions, questions that run across cohorts), products
 * and the owner's feedback, who sees what for every role, advisory boards
 * with terms, meetings and agenda items, and what an empty request gets.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define REQ(var) Triad__V1__Request var = TRIAD__V1__REQUEST__INIT
#define CODE(x) TRIAD__V1__CODE__CODE_##x
#define QS(x) TRIAD__V1__QUESTION_STATUS__QUESTION_STATUS_##x
#define AFF(x) TRIAD__V1__AFFILIATION__AFFILIATION_##x
#define CROLE(x) TRIAD__V1__COMMUNITY_ROLE__COMMUNITY_ROLE_##x
#define QROLE(x) TRIAD__V1__QUESTION_ROLE__QUESTION_ROLE_##x
#define PKIND(x) TRIAD__V1__PRODUCT_KIND__PRODUCT_KIND_##x
#define BKIND(x) TRIAD__V1__BOARD_KIND__BOARD_KIND_##x
#define BROLE(x) TRIAD__V1__BOARD_ROLE__BOARD_ROLE_##x
#define CKIND(x) TRIAD__V1__COMMUNITY_KIND__COMMUNITY_KIND_##x
#define ORG(x) TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_##x
#define AGR(x) TRIAD__V1__AGREEMENT_KIND__AGREEMENT_KIND_##x
#define ROLE(x) TRIAD__V1__ROLE__ROLE_##x

#define NO_COMMUNITY "community not found"
#define NO_QUESTION "practice question not found"
#define NO_PRODUCT "product not found"
#define NO_BOARD "board not found"

static Triadd d;
static Sess op;
static int uniq;

/* The institution: one programme with two cohorts. */
static struct {
	char slug[64];
	char *programme;
	char programme_code[32];
	char *cohort1, *cohort2;
	char cohort1_name[64], cohort2_name[64];
	char *staff_token;       /* a lecturer: staff, not an operator */
} A;
static char other_slug[64];  /* another institution */

/* True when the audit trail of A has action on resource. */
static bool
audited(const char *resource, const char *action)
{
	REQ(req);
	Triad__V1__ListAuditRequest m = TRIAD__V1__LIST_AUDIT_REQUEST__INIT;
	m.resource_id = (char *)resource;
	m.page_size = 100;
	req.body_case = TRIAD__V1__REQUEST__BODY_LIST_AUDIT;
	req.list_audit = &m;
	Triad__V1__Response *r = rpc_ok(&op, A.slug, &req);
	bool found = false;
	for (size_t i = 0; i < r->audit->n_events; i++)
		found |= strcmp(r->audit->events[i]->action, action) == 0;
	rpc_free(r);
	return found;
}

/* ---- fixtures through the protocol ---- */

/* A person of A with a unique name (written to name, 80 bytes, if not NULL). */
static char *
mk_person(const char *stem, char *name_out)
{
	char name[80], email[128];
	test_unique(name, sizeof name, stem);
	snprintf(email, sizeof email, "%s@example.org", name);
	for (char *c = email; *c; c++) {
		if (*c == ' ')
			*c = '.';
	}
	if (name_out != NULL)
		snprintf(name_out, 80, "%s", name);
	return make_person(&op, A.slug, name, email);
}

static char *
mk_org(const char *stem, Triad__V1__OrganisationKind kind)
{
	return make_org(&op, stem, kind);
}

static char *
mk_cohort(char *name, size_t size)
{
	test_unique(name, size, "Zorg cohort");
	REQ(req);
	Triad__V1__CreateCohortRequest cc = TRIAD__V1__CREATE_COHORT_REQUEST__INIT;
	Triad__V1__Cohort c = TRIAD__V1__COHORT__INIT;
	c.programme_id = A.programme;
	c.name = name;
	c.starts_on = "2025-09-01";
	c.ends_on = "2027-08-31";
	cc.cohort = &c;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_COHORT;
	req.create_cohort = &cc;
	Triad__V1__Response *r = rpc_ok(&op, A.slug, &req);
	char *id = test_strdup(r->cohort->id);
	rpc_free(r);
	return id;
}

/* Enrolls person in cohort; returns the enrollment's id. */
static char *
enroll(const char *person, const char *cohort)
{
	REQ(req);
	Triad__V1__EnrollRequest m = TRIAD__V1__ENROLL_REQUEST__INIT;
	m.person_id = (char *)person;
	m.cohort_id = (char *)cohort;
	req.body_case = TRIAD__V1__REQUEST__BODY_ENROLL;
	req.enroll = &m;
	Triad__V1__Response *r = rpc_ok(&op, A.slug, &req);
	char *id = test_strdup(r->enrollment->id);
	rpc_free(r);
	return id;
}

static char *
login(const char *person, Triad__V1__Role role, const char *org)
{
	Triad__V1__StaffTitle title = role == ROLE(PROGRAMME_STAFF)
		? TRIAD__V1__STAFF_TITLE__STAFF_TITLE_LECTURER : 0;
	return invite_and_redeem(&op, d.addr, A.slug, person, role, title, org);
}

/* A partner system of org at A; its principal's name goes to name (80 bytes). */
static char *
mk_machine(const char *org, char *name)
{
	return make_machine(&op, A.slug, org, "zorg-sync", name);
}

static char *
mk_agreement(const char *org, Triad__V1__AgreementKind kind, const char *starts,
	     const char *ends)
{
	REQ(req);
	Triad__V1__CreateAgreementRequest m = TRIAD__V1__CREATE_AGREEMENT_REQUEST__INIT;
	Triad__V1__Agreement a = TRIAD__V1__AGREEMENT__INIT;
	a.organisation_id = (char *)org;
	a.kind = kind;
	a.starts_on = (char *)starts;
	a.ends_on = (char *)(ends != NULL ? ends : "");
	m.agreement = &a;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_AGREEMENT;
	req.create_agreement = &m;
	Triad__V1__Response *r = rpc_ok(&op, A.slug, &req);
	char *id = test_strdup(r->agreement->id);
	rpc_free(r);
	return id;
}

/* ---- the requests of community.proto ---- */

static Triad__V1__Response *
create_community(const char *name, Triad__V1__CommunityKind kind, const char *cohort,
		 const char *agreement, const char *starts)
{
	REQ(req);
	Triad__V1__CreateCommunityRequest m = TRIAD__V1__CREATE_COMMUNITY_REQUEST__INIT;
	m.name = (char *)name;
	m.theme = "Leiderschap en het leerklimaat op de werkplek";
	m.kind = kind;
	m.cohort_id = (char *)(cohort != NULL ? cohort : "");
	m.agreement_id = (char *)(agreement != NULL ? agreement : "");
	m.starts_on = (char *)(starts != NULL ? starts : "");
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_COMMUNITY;
	req.create_community = &m;
	return rpc(&op, A.slug, &req);
}

static char *
community_ok(void)
{
	char name[80];
	test_unique(name, sizeof name, "Leergemeenschap");
	Triad__V1__Response *r = create_community(name, CKIND(PROFESSIONAL), NULL, NULL,
						  "2025-09-01");
	expect_status(r, CODE(OK), NULL, NULL);
	char *id = test_strdup(r->community->id);
	rpc_free(r);
	return id;
}

static Triad__V1__Response *
get_community(Sess *s, const char *inst, const char *id)
{
	REQ(req);
	Triad__V1__GetCommunityRequest m = TRIAD__V1__GET_COMMUNITY_REQUEST__INIT;
	m.id = (char *)id;
	req.body_case = TRIAD__V1__REQUEST__BODY_GET_COMMUNITY;
	req.get_community = &m;
	return rpc(s, inst, &req);
}

/* True when the caller's list of communities holds id. */
static bool
lists_community(Sess *s, const char *id)
{
	REQ(req);
	Triad__V1__ListCommunitiesRequest m = TRIAD__V1__LIST_COMMUNITIES_REQUEST__INIT;
	m.page_size = 1000;
	req.body_case = TRIAD__V1__REQUEST__BODY_LIST_COMMUNITIES;
	req.list_communities = &m;
	Triad__V1__Response *r = rpc_ok(s, A.slug, &req);
	bool found = false;
	for (size_t i = 0; i < r->communities->n_communities; i++)
		found |= strcmp(r->communities->communities[i]->id, id) == 0;
	rpc_free(r);
	return found;
}

static Triad__V1__Response *
add_member(const char *community, const char *person, Triad__V1__CommunityRole role,
	   Triad__V1__Affiliation affiliation, const char *org)
{
	REQ(req);
	Triad__V1__AddCommunityMemberRequest m = TRIAD__V1__ADD_COMMUNITY_MEMBER_REQUEST__INIT;
	m.community_id = (char *)community;
	m.person_id = (char *)person;
	m.role = role;
	m.affiliation = affiliation;
	m.organisation_id = (char *)(org != NULL ? org : "");
	req.body_case = TRIAD__V1__REQUEST__BODY_ADD_COMMUNITY_MEMBER;
	req.add_community_member = &m;
	return rpc(&op, A.slug, &req);
}

static Triad__V1__Response *
list_members(Sess *s, const char *community, bool former)
{
	REQ(req);
	Triad__V1__ListCommunityMembersRequest m = TRIAD__V1__LIST_COMMUNITY_MEMBERS_REQUEST__INIT;
	m.community_id = (char *)community;
	m.include_former = former;
	m.page_size = 100;
	req.body_case = TRIAD__V1__REQUEST__BODY_LIST_COMMUNITY_MEMBERS;
	req.list_community_members = &m;
	return rpc(s, A.slug, &req);
}

static Triad__V1__Response *
remove_member(const char *community, const char *person)
{
	REQ(req);
	Triad__V1__RemoveCommunityMemberRequest m =
		TRIAD__V1__REMOVE_COMMUNITY_MEMBER_REQUEST__INIT;
	m.community_id = (char *)community;
	m.person_id = (char *)person;
	req.body_case = TRIAD__V1__REQUEST__BODY_REMOVE_COMMUNITY_MEMBER;
	req.remove_community_member = &m;
	return rpc(&op, A.slug, &req);
}

static Triad__V1__Response *
add_org(const char *community, const char *org, const char *agreement)
{
	REQ(req);
	Triad__V1__AddCommunityOrganisationRequest m =
		TRIAD__V1__ADD_COMMUNITY_ORGANISATION_REQUEST__INIT;
	m.community_id = (char *)community;
	m.organisation_id = (char *)org;
	m.network_agreement_id = (char *)(agreement != NULL ? agreement : "");
	req.body_case = TRIAD__V1__REQUEST__BODY_ADD_COMMUNITY_ORGANISATION;
	req.add_community_organisation = &m;
	return rpc(&op, A.slug, &req);
}

static Triad__V1__Response *
create_question(Sess *s, const char *community, const char *org, const char *title)
{
	REQ(req);
	Triad__V1__CreateQuestionRequest m = TRIAD__V1__CREATE_QUESTION_REQUEST__INIT;
	m.community_id = (char *)community;
	m.organisation_id = (char *)(org != NULL ? org : "");
	m.title = (char *)title;
	m.description = "Hoe houden we nieuwe collega's langer vast?";
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_QUESTION;
	req.create_question = &m;
	return rpc(s, A.slug, &req);
}

/* A question of org in community, written by staff; returns its id. */
static char *
question_ok(const char *community, const char *org, const char *title)
{
	Triad__V1__Response *r = create_question(&op, community, org, title);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->question->status, QS(PROPOSED));
	char *id = test_strdup(r->question->id);
	rpc_free(r);
	return id;
}

static Triad__V1__Response *
get_question(Sess *s, const char *id)
{
	REQ(req);
	Triad__V1__GetQuestionRequest m = TRIAD__V1__GET_QUESTION_REQUEST__INIT;
	m.id = (char *)id;
	req.body_case = TRIAD__V1__REQUEST__BODY_GET_QUESTION;
	req.get_question = &m;
	return rpc(s, A.slug, &req);
}

static Triad__V1__Response *
list_questions(Sess *s, const char *community)
{
	REQ(req);
	Triad__V1__ListQuestionsRequest m = TRIAD__V1__LIST_QUESTIONS_REQUEST__INIT;
	m.community_id = (char *)(community != NULL ? community : "");
	m.page_size = 100;
	req.body_case = TRIAD__V1__REQUEST__BODY_LIST_QUESTIONS;
	req.list_questions = &m;
	return rpc_ok(s, A.slug, &req);
}

static bool
has_question(Triad__V1__ListQuestionsReply *l, const char *id)
{
	for (size_t i = 0; i < l->n_questions; i++) {
		if (strcmp(l->questions[i]->id, id) == 0)
			return true;
	}
	return false;
}

static Triad__V1__Response *
transition(const char *id, Triad__V1__QuestionStatus status)
{
	REQ(req);
	Triad__V1__TransitionQuestionRequest m = TRIAD__V1__TRANSITION_QUESTION_REQUEST__INIT;
	m.id = (char *)id;
	m.status = status;
	req.body_case = TRIAD__V1__REQUEST__BODY_TRANSITION_QUESTION;
	req.transition_question = &m;
	return rpc(&op, A.slug, &req);
}

static void
transition_ok(const char *id, Triad__V1__QuestionStatus status)
{
	Triad__V1__Response *r = transition(id, status);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->question->status, status);
	rpc_free(r);
}

static Triad__V1__Response *
link_person(const char *question, const char *person, Triad__V1__QuestionRole role,
	    const char *enrollment, const char *work)
{
	REQ(req);
	Triad__V1__LinkQuestionPersonRequest m = TRIAD__V1__LINK_QUESTION_PERSON_REQUEST__INIT;
	m.question_id = (char *)question;
	m.person_id = (char *)person;
	m.role = role;
	m.enrollment_id = (char *)(enrollment != NULL ? enrollment : "");
	m.work = (char *)(work != NULL ? work : "");
	req.body_case = TRIAD__V1__REQUEST__BODY_LINK_QUESTION_PERSON;
	req.link_question_person = &m;
	return rpc(&op, A.slug, &req);
}

static Triad__V1__Response *
list_people(Sess *s, const char *question)
{
	REQ(req);
	Triad__V1__ListQuestionPeopleRequest m = TRIAD__V1__LIST_QUESTION_PEOPLE_REQUEST__INIT;
	m.question_id = (char *)question;
	req.body_case = TRIAD__V1__REQUEST__BODY_LIST_QUESTION_PEOPLE;
	req.list_question_people = &m;
	return rpc(s, A.slug, &req);
}

static Triad__V1__Response *
add_product(const char *question, const char *title)
{
	REQ(req);
	Triad__V1__AddProductRequest m = TRIAD__V1__ADD_PRODUCT_REQUEST__INIT;
	m.question_id = (char *)question;
	m.kind = PKIND(REPORT);
	m.title = (char *)title;
	m.description = "Adviesrapport voor het managementteam";
	req.body_case = TRIAD__V1__REQUEST__BODY_ADD_PRODUCT;
	req.add_product = &m;
	return rpc(&op, A.slug, &req);
}

static char *
product_ok(const char *question, const char *title)
{
	Triad__V1__Response *r = add_product(question, title);
	expect_status(r, CODE(OK), NULL, NULL);
	char *id = test_strdup(r->product->id);
	rpc_free(r);
	return id;
}

static Triad__V1__Response *
list_products(Sess *s, const char *question)
{
	REQ(req);
	Triad__V1__ListProductsRequest m = TRIAD__V1__LIST_PRODUCTS_REQUEST__INIT;
	m.question_id = (char *)question;
	req.body_case = TRIAD__V1__REQUEST__BODY_LIST_PRODUCTS;
	req.list_products = &m;
	return rpc(s, A.slug, &req);
}

static Triad__V1__Response *
give_feedback(Sess *s, const char *product, const char *text)
{
	REQ(req);
	Triad__V1__GiveProductFeedbackRequest m = TRIAD__V1__GIVE_PRODUCT_FEEDBACK_REQUEST__INIT;
	m.product_id = (char *)product;
	m.feedback = (char *)text;
	req.body_case = TRIAD__V1__REQUEST__BODY_GIVE_PRODUCT_FEEDBACK;
	req.give_product_feedback = &m;
	return rpc(s, A.slug, &req);
}

/* The message a random id gets from GetCommunity / GetQuestion. */
static void
expect_like_random(Triad__V1__Response *r, Triad__V1__Response *random_r)
{
	expect_status(random_r, CODE(NOT_FOUND), NULL, NULL);
	expect_status(r, CODE(NOT_FOUND), random_r->status->message, NULL);
	rpc_free(r);
	rpc_free(random_r);
}

static int
setup(void **state)
{
	srand((unsigned)getpid() ^ (unsigned)time(NULL));
	triadd_start(&d, NULL);
	op = sess_open(d.addr, test_token());

	test_unique(A.slug, sizeof A.slug, "com-a");
	test_unique(other_slug, sizeof other_slug, "com-b");
	const char *slugs[2] = {A.slug, other_slug};
	for (int i = 0; i < 2; i++) {
		REQ(req);
		Triad__V1__CreateInstitutionRequest ci =
			TRIAD__V1__CREATE_INSTITUTION_REQUEST__INIT;
		ci.slug = (char *)slugs[i];
		ci.name = "Community tests";
		req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_INSTITUTION;
		req.create_institution = &ci;
		rpc_free(rpc_ok(&op, NULL, &req));
	}

	REQ(rp);
	Triad__V1__CreateProgrammeRequest cp = TRIAD__V1__CREATE_PROGRAMME_REQUEST__INIT;
	Triad__V1__Programme p = TRIAD__V1__PROGRAMME__INIT;
	snprintf(A.programme_code, sizeof A.programme_code, "MIZ%d", ++uniq);
	p.code = A.programme_code;
	p.name = "Master in Zorg";
	p.award = TRIAD__V1__AWARD__AWARD_DEGREE;
	p.ects = 60;
	p.duration_months = 24;
	p.language = "nl";
	p.mode = TRIAD__V1__STUDY_MODE__STUDY_MODE_PART_TIME;
	cp.programme = &p;
	rp.body_case = TRIAD__V1__REQUEST__BODY_CREATE_PROGRAMME;
	rp.create_programme = &cp;
	Triad__V1__Response *r = rpc_ok(&op, A.slug, &rp);
	A.programme = test_strdup(r->programme->id);
	rpc_free(r);

	A.cohort1 = mk_cohort(A.cohort1_name, sizeof A.cohort1_name);
	A.cohort2 = mk_cohort(A.cohort2_name, sizeof A.cohort2_name);
	char *lecturer = mk_person("Docent", NULL);
	A.staff_token = login(lecturer, ROLE(PROGRAMME_STAFF), NULL);
	free(lecturer);
	return 0;
}

static int
teardown(void **state)
{
	free(A.programme);
	free(A.cohort1);
	free(A.cohort2);
	free(A.staff_token);
	sess_close(&op);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
	return 0;
}

/* ---- 1. communities, members, organisations ---- */

static void
test_communities(void **state)
{
	char name[80];
	test_unique(name, sizeof name, "Professionele leergemeenschap");
	char *hospital = mk_org("Ziekenhuis", ORG(HOSPITAL));
	char *agreement = mk_agreement(hospital,
				       AGR(PROFESSIONAL_WORKPLACE),
				       "2025-01-01", NULL);

	/* Kinds: a cohort's community needs its cohort, a professional one none. */
	expect_status_free(create_community(name, CKIND(COHORT), NULL, NULL, NULL), CODE(INVALID_ARGUMENT),
		    NULL, "create_community.cohort_id");
	expect_status_free(create_community(name, CKIND(PROFESSIONAL), A.cohort1, NULL, NULL),
		    CODE(INVALID_ARGUMENT), NULL, "create_community.cohort_id");
	expect_status_free(create_community(name, 0, NULL, NULL, NULL), CODE(INVALID_ARGUMENT), NULL,
		    "create_community.kind");
	expect_status_free(create_community("", CKIND(PROFESSIONAL), NULL, NULL, NULL),
		    CODE(INVALID_ARGUMENT), NULL, "create_community.name");
	char ghost[37];
	random_uuid(ghost);
	expect_status_free(create_community(name, CKIND(PROFESSIONAL), NULL, ghost, NULL), CODE(NOT_FOUND),
		    "agreement not found", "create_community.agreement_id");

	Triad__V1__Response *r = create_community(name, CKIND(PROFESSIONAL), NULL, agreement,
						  "2025-09-01");
	expect_status(r, CODE(OK), NULL, NULL);
	Triad__V1__Community *c = r->community;
	assert_string_equal(c->name, name);
	assert_int_equal(c->kind, CKIND(PROFESSIONAL));
	assert_string_equal(c->agreement_id, agreement);
	assert_string_equal(c->cohort_id, "");
	assert_string_equal(c->starts_on, "2025-09-01");
	assert_string_equal(c->ends_on, "");
	assert_int_equal(c->members, 0);
	char *community = test_strdup(c->id);
	rpc_free(r);
	assert_true(audited(community, "community.create"));

	/* Names are unique in the institution. */
	expect_status_free(create_community(name, CKIND(PROFESSIONAL), NULL, NULL, NULL),
		    CODE(ALREADY_EXISTS), NULL, "create_community.name");

	/* A cohort's learning community starts with the cohort. */
	char cname[80];
	test_unique(cname, sizeof cname, "Leergemeenschap cohort");
	r = create_community(cname, CKIND(COHORT), A.cohort1, NULL, NULL);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->community->cohort_id, A.cohort1);
	assert_string_equal(r->community->cohort_name, A.cohort1_name);
	assert_string_equal(r->community->starts_on, "2025-09-01");
	rpc_free(r);

	/* Members: persons of the institution with an affiliation. */
	char pname[80];
	char *p = mk_person("Deelnemer", pname);
	char *partner = mk_person("Partner", NULL);
	expect_status_free(add_member(community, p, CROLE(MEMBER), 0, NULL), CODE(INVALID_ARGUMENT), NULL,
		    "add_community_member.affiliation");
	expect_status_free(add_member(community, partner, 0, AFF(PARTNER), NULL), CODE(INVALID_ARGUMENT),
		    NULL, "add_community_member.organisation_id");
	expect_status_free(add_member(community, ghost, 0, AFF(PARTICIPANT), NULL), CODE(NOT_FOUND),
		    "person not found in this institution", "add_community_member.person_id");
	expect_status_free(add_member(ghost, p, 0, AFF(PARTICIPANT), NULL), CODE(NOT_FOUND), NO_COMMUNITY,
		    "add_community_member.community_id");
	r = add_member(community, p, 0, AFF(PARTICIPANT), NULL);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->community_member->role, CROLE(MEMBER));
	assert_int_equal(r->community_member->affiliation, AFF(PARTICIPANT));
	assert_string_equal(r->community_member->person_name, pname);
	assert_string_equal(r->community_member->left_on, "");
	char *membership = test_strdup(r->community_member->id);
	rpc_free(r);
	assert_true(audited(membership, "community_member.add"));
	r = add_member(community, partner, CROLE(GUEST), AFF(PARTNER), hospital);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->community_member->organisation_id, hospital);
	assert_true(strncmp(r->community_member->organisation_name, "Ziekenhuis", 10) == 0);
	rpc_free(r);

	/* Again: the current membership changes, audited. */
	r = add_member(community, p, CROLE(FACILITATOR), AFF(ALUMNUS), NULL);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->community_member->id, membership);
	assert_int_equal(r->community_member->role, CROLE(FACILITATOR));
	assert_int_equal(r->community_member->affiliation, AFF(ALUMNUS));
	rpc_free(r);
	assert_true(audited(membership, "community_member.update"));

	/* Leaving keeps the history. */
	r = remove_member(community, partner);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_not_equal(r->community_member->left_on, "");
	assert_string_equal(r->community_member->left_on, r->community_member->joined_on);
	char *left = test_strdup(r->community_member->id);
	rpc_free(r);
	assert_true(audited(left, "community_member.remove"));
	expect_status_free(remove_member(community, partner), CODE(NOT_FOUND),
		    "this person is not a current member of the community",
		    "remove_community_member.person_id");
	r = list_members(&op, community, false);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->community_members->n_members, 1);
	assert_string_equal(r->community_members->members[0]->person_id, p);
	rpc_free(r);
	r = list_members(&op, community, true);
	assert_int_equal(r->community_members->n_members, 2);
	rpc_free(r);

	/* Organisations: directly, or through a current professional network. */
	char *home = mk_org("Thuiszorg", ORG(CARE_PROVIDER));
	char *network_org = mk_org("Netwerk kleine zorgaanbieders",
				   ORG(OTHER));
	char *network = mk_agreement(network_org,
				     AGR(PROFESSIONAL_NETWORK),
				     "2025-01-01", NULL);
	char *old_network = mk_agreement(network_org,
					 AGR(PROFESSIONAL_NETWORK),
					 "2020-01-01", "2021-12-31");
	r = add_org(community, hospital, NULL);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->community_organisation->network_agreement_id, "");
	char *taking_part = test_strdup(r->community_organisation->id);
	rpc_free(r);
	assert_true(audited(taking_part, "community_organisation.add"));
	r = add_org(community, hospital, NULL);
	expect_status(r, CODE(ALREADY_EXISTS), NULL, "add_community_organisation.organisation_id");
	assert_non_null(strstr(r->status->message, "already takes part in this community"));
	rpc_free(r);
	r = add_org(community, home, agreement);
	expect_status(r, CODE(FAILED_PRECONDITION), NULL,
	       "add_community_organisation.network_agreement_id");
	assert_non_null(strstr(r->status->message, "professional network"));
	assert_non_null(strstr(r->status->message, "professional workplace agreement"));
	rpc_free(r);
	r = add_org(community, home, old_network);
	expect_status(r, CODE(FAILED_PRECONDITION), NULL,
	       "add_community_organisation.network_agreement_id");
	assert_non_null(strstr(r->status->message, "not current"));
	rpc_free(r);
	expect_status_free(add_org(community, home, ghost), CODE(NOT_FOUND), "agreement not found",
		    "add_community_organisation.network_agreement_id");
	r = add_org(community, home, network);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->community_organisation->network_agreement_id, network);
	rpc_free(r);

	REQ(lo);
	Triad__V1__ListCommunityOrganisationsRequest lom =
		TRIAD__V1__LIST_COMMUNITY_ORGANISATIONS_REQUEST__INIT;
	lom.community_id = community;
	lo.body_case = TRIAD__V1__REQUEST__BODY_LIST_COMMUNITY_ORGANISATIONS;
	lo.list_community_organisations = &lom;
	r = rpc_ok(&op, A.slug, &lo);
	assert_int_equal(r->community_organisations->n_organisations, 2);
	rpc_free(r);

	/* The counts: current members, organisations, open questions. */
	free(question_ok(community, hospital, "Inwerken van nieuwe verpleegkundigen"));
	r = get_community(&op, A.slug, community);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->community->members, 1);
	assert_int_equal(r->community->organisations, 2);
	assert_int_equal(r->community->open_questions, 1);
	rpc_free(r);

	/* Another institution's community is a missing one there. */
	expect_like_random(get_community(&op, other_slug, community),
			   get_community(&op, other_slug, ghost));

	free(taking_part);
	free(left);
	free(membership);
	free(p);
	free(partner);
	free(home);
	free(network_org);
	free(network);
	free(old_network);
	free(community);
	free(agreement);
	free(hospital);
}

/* ---- 2. the transition table of a practice question ---- */

static const char *const status_words[] = {"", "proposed", "accepted", "in progress",
					   "delivered", "evaluated"};

/* Every move from the question's current status (from) but the next one
 * is refused, naming both statuses and where it can go. */
static void
expect_only_next(const char *question, Triad__V1__QuestionStatus from)
{
	char want[256];
	for (int to = QS(PROPOSED); to <= QS(EVALUATED); to++) {
		if (to == (int)from + 1)
			continue;
		if (from == QS(EVALUATED))
			snprintf(want, sizeof want,
				 "a practice question cannot go from evaluated to %s "
				 "(evaluated is final)",
				 status_words[to]);
		else
			snprintf(want, sizeof want,
				 "a practice question cannot go from %s to %s "
				 "(from %s it can go to %s)",
				 status_words[from], status_words[to], status_words[from],
				 status_words[from + 1]);
		expect_status_free(transition(question, (Triad__V1__QuestionStatus)to),
			    CODE(FAILED_PRECONDITION), want, "transition_question.status");
	}
	/* Nothing moved. */
	Triad__V1__Response *r = get_question(&op, question);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->question->status, from);
	rpc_free(r);
}

static void
test_question_transitions(void **state)
{
	char *community = community_ok();
	char *org = mk_org("Zorggroep", ORG(CARE_PROVIDER));
	rpc_free(add_org(community, org, NULL));
	char cname[80];
	char *contact_person = mk_person("Contact zorggroep", cname);
	char *contact_token = login(contact_person, ROLE(EMPLOYER_CONTACT), org);
	Sess contact = sess_open(d.addr, contact_token);
	char *participant = mk_person("Student", NULL);
	char *enrollment = enroll(participant, A.cohort1);

	/* The contact writes it for their organisation. */
	Triad__V1__Response *r = create_question(&contact, community, NULL,
						 "Minder verzuim in de nachtdienst");
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->question->status, QS(PROPOSED));
	assert_string_equal(r->question->organisation_id, org);
	assert_string_equal(r->question->author_name, cname);
	assert_int_equal(r->question->participants, 0);
	assert_int_equal(r->question->products, 0);
	char *q = test_strdup(r->question->id);
	rpc_free(r);
	assert_true(audited(q, "question.create"));

	char ghost[37];
	random_uuid(ghost);
	expect_status_free(transition(ghost, QS(ACCEPTED)), CODE(NOT_FOUND), NO_QUESTION,
		    "transition_question.id");
	expect_status_free(transition(q, 0), CODE(INVALID_ARGUMENT), NULL, "transition_question.status");

	/* proposed: products wait for acceptance. */
	expect_only_next(q, QS(PROPOSED));
	r = add_product(q, "Rapport");
	expect_status(r, CODE(FAILED_PRECONDITION), NULL, NULL);
	assert_non_null(strstr(r->status->message, "still proposed"));
	rpc_free(r);
	transition_ok(q, QS(ACCEPTED));

	/* accepted: in progress only with a participant working on it. */
	expect_only_next(q, QS(ACCEPTED));
	expect_status_free(transition(q, QS(IN_PROGRESS)), CODE(FAILED_PRECONDITION),
		    "a practice question can go from accepted to in progress only with a "
		    "participant working on it; link a participant first",
		    NULL);
	r = link_person(q, participant, QROLE(COACH), NULL, NULL);
	expect_status_free(r, CODE(OK), NULL, NULL);
	expect_status_free(transition(q, QS(IN_PROGRESS)), CODE(FAILED_PRECONDITION), NULL, NULL);
	r = link_person(q, participant, QROLE(PARTICIPANT), enrollment, "interventie");
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->question_person->cohort_name, A.cohort1_name);
	rpc_free(r);
	transition_ok(q, QS(IN_PROGRESS));

	/* in progress: delivered only with a product. */
	expect_only_next(q, QS(IN_PROGRESS));
	expect_status_free(transition(q, QS(DELIVERED)), CODE(FAILED_PRECONDITION),
		    "a practice question can go from in progress to delivered only with a "
		    "product; add the product first",
		    NULL);
	char *p1 = product_ok(q, "Adviesrapport nachtdienst");
	char *p2 = product_ok(q, "Workshop roosteren");
	transition_ok(q, QS(DELIVERED));

	/* delivered: evaluated only with the owner's feedback on every product. */
	expect_only_next(q, QS(DELIVERED));
	r = give_feedback(&contact, p1, "Het advies is in drie teams ingevoerd.");
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->product->feedback, "Het advies is in drie teams ingevoerd.");
	assert_string_equal(r->product->feedback_by, cname);
	assert_string_not_equal(r->product->feedback_at, "");
	rpc_free(r);
	assert_true(audited(p1, "product.feedback"));
	expect_status_free(transition(q, QS(EVALUATED)), CODE(FAILED_PRECONDITION),
		    "a practice question can go from delivered to evaluated only when its "
		    "organisation has given feedback on every product; still without feedback: "
		    "\"Workshop roosteren\"",
		    NULL);
	expect_status_free(give_feedback(&contact, p2, ""), CODE(INVALID_ARGUMENT), NULL,
		    "give_product_feedback.feedback");
	rpc_free(give_feedback(&contact, p2, "Eerste indruk"));
	/* Feedback replaces the earlier feedback. */
	r = give_feedback(&contact, p2, "De workshop gaf teams taal voor het roostergesprek.");
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->product->feedback,
			    "De workshop gaf teams taal voor het roostergesprek.");
	rpc_free(r);
	transition_ok(q, QS(EVALUATED));

	/* evaluated is final. */
	expect_only_next(q, QS(EVALUATED));
	r = get_question(&op, q);
	assert_int_equal(r->question->participants, 1);
	assert_int_equal(r->question->products, 2);
	rpc_free(r);
	r = get_community(&op, A.slug, community);
	assert_int_equal(r->community->open_questions, 0);
	rpc_free(r);
	r = list_products(&op, q);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->products->n_products, 2);
	for (size_t i = 0; i < r->products->n_products; i++)
		assert_string_not_equal(r->products->products[i]->feedback, "");
	rpc_free(r);

	assert_true(audited(q, "question.accepted"));
	assert_true(audited(q, "question.in_progress"));
	assert_true(audited(q, "question.delivered"));
	assert_true(audited(q, "question.evaluated"));
	assert_true(audited(p2, "product.create"));

	sess_close(&contact);
	free(contact_token);
	free(contact_person);
	free(participant);
	free(enrollment);
	free(p1);
	free(p2);
	free(q);
	free(org);
	free(community);
}

/* ---- 3. a question that runs across cohorts ---- */

static void
test_question_across_cohorts(void **state)
{
	char *community = community_ok();
	char *org = mk_org("Ziekenhuis", ORG(HOSPITAL));
	rpc_free(add_org(community, org, NULL));
	char *q = question_ok(community, org, "Valpreventie op de afdeling geriatrie");
	char *s1 = mk_person("Student cohort 1", NULL);
	char *s2 = mk_person("Student cohort 2", NULL);
	char *e1 = enroll(s1, A.cohort1);
	char *e2 = enroll(s2, A.cohort2);

	/* The enrollment must be the person's own, and only participants have one. */
	expect_status_free(link_person(q, s1, QROLE(PARTICIPANT), e2, NULL), CODE(NOT_FOUND),
		    "enrollment not found among this person's enrollments",
		    "link_question_person.enrollment_id");
	expect_status_free(link_person(q, s1, QROLE(COACH), e1, NULL), CODE(INVALID_ARGUMENT), NULL,
		    "link_question_person.enrollment_id");
	expect_status_free(link_person(q, s1, 0, NULL, NULL), CODE(INVALID_ARGUMENT), NULL,
		    "link_question_person.role");

	Triad__V1__Response *r = link_person(q, s1, QROLE(PARTICIPANT), e1, "onderzoek");
	expect_status(r, CODE(OK), NULL, NULL);
	char *link1 = test_strdup(r->question_person->id);
	rpc_free(r);
	assert_true(audited(link1, "question_person.link"));
	rpc_free(link_person(q, s2, QROLE(PARTICIPANT), e2, "onderzoek"));

	r = get_question(&op, q);
	expect_status(r, CODE(OK), NULL, NULL);
	Triad__V1__PracticeQuestion *pq = r->question;
	assert_int_equal(pq->participants, 2);
	assert_int_equal(pq->n_cohorts, 2);
	bool ordered = strcmp(A.cohort1_name, A.cohort2_name) < 0;
	assert_string_equal(pq->cohorts[0], ordered ? A.cohort1_name : A.cohort2_name);
	assert_string_equal(pq->cohorts[1], ordered ? A.cohort2_name : A.cohort1_name);
	rpc_free(r);

	/* Linking again in the same role updates the link. */
	r = link_person(q, s1, QROLE(PARTICIPANT), e1, "interventie");
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->question_person->id, link1);
	assert_string_equal(r->question_person->work, "interventie");
	rpc_free(r);
	assert_true(audited(link1, "question_person.update"));
	r = list_people(&op, q);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->question_people->n_people, 2);
	for (size_t i = 0; i < r->question_people->n_people; i++) {
		Triad__V1__QuestionPerson *qp = r->question_people->people[i];
		assert_int_equal(qp->role, QROLE(PARTICIPANT));
		bool first = strcmp(qp->person_id, s1) == 0;
		assert_string_equal(qp->cohort_name, first ? A.cohort1_name : A.cohort2_name);
	}
	rpc_free(r);

	free(link1);
	free(s1);
	free(s2);
	free(e1);
	free(e2);
	free(q);
	free(org);
	free(community);
}

/* ---- 4. who sees what ---- */

static void
test_visibility(void **state)
{
	char *community = community_ok();
	char *own = mk_org("Zorgorganisatie", ORG(CARE_PROVIDER));
	char *other = mk_org("Verpleeghuis", ORG(CARE_PROVIDER));
	char *outside = mk_org("Apotheek", ORG(OTHER));
	rpc_free(add_org(community, own, NULL));
	rpc_free(add_org(community, other, NULL));

	/* People and their sign-ins. */
	char *member_p = mk_person("Deelnemer lid", NULL);
	char *outsider_p = mk_person("Deelnemer geen lid", NULL);
	char *coach_p = mk_person("Praktijkcoach", NULL);
	char *contact_p = mk_person("Contact eigen", NULL);
	char *other_contact_p = mk_person("Contact ander", NULL);
	char *member_contact_p = mk_person("Contact ander lid", NULL);
	free(enroll(member_p, A.cohort1));
	free(enroll(outsider_p, A.cohort1));
	char *member_t = login(member_p, ROLE(PARTICIPANT), NULL);
	char *outsider_t = login(outsider_p, ROLE(PARTICIPANT), NULL);
	char *coach_t = login(coach_p, ROLE(WORKPLACE_COACH), NULL);
	char *contact_t = login(contact_p, ROLE(EMPLOYER_CONTACT), own);
	char *other_contact_t = login(other_contact_p, ROLE(EMPLOYER_CONTACT), other);
	char *member_contact_t = login(member_contact_p, ROLE(EMPLOYER_CONTACT),
				       other);
	char machine_name[80];
	char *machine_t = mk_machine(own, machine_name);
	rpc_free(add_member(community, member_p, 0, AFF(PARTICIPANT), NULL));
	rpc_free(add_member(community, coach_p, 0, AFF(WORKPLACE_COACH), NULL));
	rpc_free(add_member(community, member_contact_p, CROLE(GUEST), AFF(PARTNER), other));

	Sess staff = sess_open(d.addr, A.staff_token);
	Sess member = sess_open(d.addr, member_t);
	Sess outsider = sess_open(d.addr, outsider_t);
	Sess coach = sess_open(d.addr, coach_t);
	Sess contact = sess_open(d.addr, contact_t);
	Sess other_contact = sess_open(d.addr, other_contact_t);
	Sess member_contact = sess_open(d.addr, member_contact_t);
	Sess machine = sess_open(d.addr, machine_t);

	/* Writing questions: staff name the organisation, a contact writes for
	 * their own only, a participant not at all. */
	expect_status_free(create_question(&staff, community, NULL, "Zonder organisatie"),
		    CODE(INVALID_ARGUMENT), NULL, "create_question.organisation_id");
	expect_status_free(create_question(&contact, community, NULL, ""), CODE(INVALID_ARGUMENT), NULL,
		    "create_question.title");
	expect_status_free(create_question(&contact, community, other, "Voor een ander"),
		    CODE(PERMISSION_DENIED), "you can write practice questions only for your own "
		    "organisation", NULL);
	expect_status_free(create_question(&member, community, own, "Als deelnemer"),
		    CODE(PERMISSION_DENIED), NULL, NULL);
	char ghost[37];
	random_uuid(ghost);
	expect_status_free(create_question(&contact, ghost, NULL, "Nergens"), CODE(NOT_FOUND),
		    NO_COMMUNITY, "create_question.community_id");

	Triad__V1__Response *r = create_question(&staff, community, outside, "Buiten");
	expect_status(r, CODE(FAILED_PRECONDITION), NULL, "create_question.organisation_id");
	assert_non_null(strstr(r->status->message, "does not take part in this community"));
	rpc_free(r);

	r = create_question(&contact, community, own, "Eigen vraag");
	expect_status(r, CODE(OK), NULL, NULL);
	char *q_own = test_strdup(r->question->id);
	rpc_free(r);
	r = create_question(&staff, community, other, "Vraag van het verpleeghuis");
	expect_status(r, CODE(OK), NULL, NULL);
	char *q_other = test_strdup(r->question->id);
	rpc_free(r);
	transition_ok(q_own, QS(ACCEPTED));
	char *product = product_ok(q_own, "Kennisclip");

	/* Staff: everything. */
	r = get_community(&staff, A.slug, community);
	expect_status_free(r, CODE(OK), NULL, NULL);
	assert_true(lists_community(&staff, community));
	r = list_members(&staff, community, false);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->community_members->n_members, 3);
	rpc_free(r);
	r = list_questions(&staff, community);
	assert_int_equal(r->questions->n_questions, 2);
	rpc_free(r);
	expect_status_free(list_products(&staff, q_own), CODE(OK), NULL, NULL);

	/* A participant who is a member, and a workplace coach who is one. */
	Sess *members[] = {&member, &coach};
	for (size_t i = 0; i < 2; i++) {
		expect_status_free(get_community(members[i], A.slug, community), CODE(OK), NULL, NULL);
		assert_true(lists_community(members[i], community));
		r = list_members(members[i], community, false);
		expect_status(r, CODE(OK), NULL, NULL);
		assert_int_equal(r->community_members->n_members, 3);
		rpc_free(r);
		r = list_questions(members[i], community);
		assert_int_equal(r->questions->n_questions, 2);
		rpc_free(r);
		expect_status_free(get_question(members[i], q_other), CODE(OK), NULL, NULL);
		r = list_products(members[i], q_own);
		expect_status(r, CODE(OK), NULL, NULL);
		assert_int_equal(r->products->n_products, 1);
		rpc_free(r);
		expect_status_free(list_people(members[i], q_own), CODE(OK), NULL, NULL);
	}

	/* A participant who is not a member: nothing, as if it did not exist. */
	expect_like_random(get_community(&outsider, A.slug, community),
			   get_community(&outsider, A.slug, ghost));
	expect_like_random(get_question(&outsider, q_own), get_question(&outsider, ghost));
	expect_status_free(list_members(&outsider, community, false), CODE(NOT_FOUND), NO_COMMUNITY, NULL);
	expect_status_free(list_products(&outsider, q_own), CODE(NOT_FOUND), NO_QUESTION, NULL);
	expect_status_free(list_people(&outsider, q_own), CODE(NOT_FOUND), NO_QUESTION, NULL);
	assert_false(lists_community(&outsider, community));
	r = list_questions(&outsider, community);
	assert_int_equal(r->questions->n_questions, 0);
	rpc_free(r);

	/* The owner's contact and its partner system: their organisation's
	 * questions and products, nothing else of the community. */
	Sess *owners[] = {&contact, &machine};
	for (size_t i = 0; i < 2; i++) {
		r = get_question(owners[i], q_own);
		expect_status(r, CODE(OK), NULL, NULL);
		assert_string_equal(r->question->organisation_id, own);
		rpc_free(r);
		r = list_questions(owners[i], NULL);
		assert_true(has_question(r->questions, q_own));
		assert_false(has_question(r->questions, q_other));
		rpc_free(r);
		r = list_questions(owners[i], community);
		assert_int_equal(r->questions->n_questions, 1);
		assert_string_equal(r->questions->questions[0]->id, q_own);
		rpc_free(r);
		r = list_products(owners[i], q_own);
		expect_status(r, CODE(OK), NULL, NULL);
		assert_int_equal(r->products->n_products, 1);
		assert_string_equal(r->products->products[0]->id, product);
		rpc_free(r);
		expect_status_free(list_people(owners[i], q_own), CODE(OK), NULL, NULL);
		expect_like_random(get_question(owners[i], q_other),
				   get_question(owners[i], ghost));
		expect_like_random(get_community(owners[i], A.slug, community),
				   get_community(owners[i], A.slug, ghost));
		expect_status_free(list_members(owners[i], community, false), CODE(NOT_FOUND),
			    NO_COMMUNITY, NULL);
		assert_false(lists_community(owners[i], community));
	}

	/* Another organisation's contact: the owner's question does not exist. */
	expect_like_random(get_question(&other_contact, q_own),
			   get_question(&other_contact, ghost));
	expect_status_free(list_products(&other_contact, q_own), CODE(NOT_FOUND), NO_QUESTION, NULL);
	expect_status_free(give_feedback(&other_contact, product, "Mooi"), CODE(NOT_FOUND), NO_PRODUCT,
		    "give_product_feedback.product_id");
	r = list_questions(&other_contact, NULL);
	assert_true(has_question(r->questions, q_other));
	assert_false(has_question(r->questions, q_own));
	rpc_free(r);

	/* Feedback: only the owner's contacts. Another organisation's contact
	 * who is a member sees the product but may not answer for the owner;
	 * staff may not either. */
	expect_status_free(list_products(&member_contact, q_own), CODE(OK), NULL, NULL);
	r = give_feedback(&member_contact, product, "Namens een ander");
	expect_status(r, CODE(PERMISSION_DENIED), NULL, NULL);
	assert_non_null(strstr(r->status->message, "only a contact of"));
	rpc_free(r);
	expect_status_free(give_feedback(&staff, product, "Namens de opleiding"), CODE(PERMISSION_DENIED),
		    NULL, NULL);
	expect_status_free(give_feedback(&op, product, "Namens de beheerder"), CODE(PERMISSION_DENIED),
		    NULL, NULL);
	expect_status_free(give_feedback(&member, product, "Als deelnemer"), CODE(PERMISSION_DENIED), NULL,
		    NULL);
	r = give_feedback(&machine, product, "Gekoppeld vanuit ons kwaliteitssysteem.");
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->product->feedback_by, machine_name);
	rpc_free(r);
	r = give_feedback(&contact, product, "Gebruikt in het inwerkprogramma.");
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->product->feedback, "Gebruikt in het inwerkprogramma.");
	rpc_free(r);

	/* A member who leaves sees nothing any more. */
	expect_status_free(remove_member(community, member_p), CODE(OK), NULL, NULL);
	expect_status_free(get_community(&member, A.slug, community), CODE(NOT_FOUND), NO_COMMUNITY, NULL);
	expect_status_free(get_question(&member, q_other), CODE(NOT_FOUND), NO_QUESTION, NULL);

	Sess *all[] = {&staff, &member, &outsider, &coach, &contact, &other_contact,
		       &member_contact, &machine};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		sess_close(all[i]);
	char *frees[] = {community, own, other, outside, member_p, outsider_p, coach_p, contact_p,
			 other_contact_p, member_contact_p, member_t, outsider_t, coach_t,
			 contact_t, other_contact_t, member_contact_t, machine_t, q_own, q_other,
			 product};
	for (size_t i = 0; i < sizeof frees / sizeof frees[0]; i++)
		free(frees[i]);
}

/* ---- 5. advisory boards ---- */

static Triad__V1__Response *
create_board(const char *name, Triad__V1__BoardKind kind, const char *programme)
{
	REQ(req);
	Triad__V1__CreateBoardRequest m = TRIAD__V1__CREATE_BOARD_REQUEST__INIT;
	m.name = (char *)name;
	m.kind = kind;
	m.programme_id = (char *)(programme != NULL ? programme : "");
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_BOARD;
	req.create_board = &m;
	return rpc(&op, A.slug, &req);
}

static Triad__V1__Response *
add_board_member(const char *board, const char *person, const char *org,
		 Triad__V1__BoardRole role, const char *starts, const char *ends)
{
	REQ(req);
	Triad__V1__AddBoardMemberRequest m = TRIAD__V1__ADD_BOARD_MEMBER_REQUEST__INIT;
	m.board_id = (char *)board;
	m.person_id = (char *)person;
	m.organisation_id = (char *)(org != NULL ? org : "");
	m.role = role;
	m.term_starts_on = (char *)(starts != NULL ? starts : "");
	m.term_ends_on = (char *)(ends != NULL ? ends : "");
	req.body_case = TRIAD__V1__REQUEST__BODY_ADD_BOARD_MEMBER;
	req.add_board_member = &m;
	return rpc(&op, A.slug, &req);
}

static Triad__V1__Response *
get_board(Sess *s, const char *id)
{
	REQ(req);
	Triad__V1__GetBoardRequest m = TRIAD__V1__GET_BOARD_REQUEST__INIT;
	m.id = (char *)id;
	req.body_case = TRIAD__V1__REQUEST__BODY_GET_BOARD;
	req.get_board = &m;
	return rpc(s, A.slug, &req);
}

static bool
lists_board(Sess *s, const char *id)
{
	REQ(req);
	Triad__V1__ListBoardsRequest m = TRIAD__V1__LIST_BOARDS_REQUEST__INIT;
	m.page_size = 1000;
	req.body_case = TRIAD__V1__REQUEST__BODY_LIST_BOARDS;
	req.list_boards = &m;
	Triad__V1__Response *r = rpc_ok(s, A.slug, &req);
	bool found = false;
	for (size_t i = 0; i < r->boards->n_boards; i++)
		found |= strcmp(r->boards->boards[i]->id, id) == 0;
	rpc_free(r);
	return found;
}

static Triad__V1__Response *
list_board_members(Sess *s, const char *board, bool past)
{
	REQ(req);
	Triad__V1__ListBoardMembersRequest m = TRIAD__V1__LIST_BOARD_MEMBERS_REQUEST__INIT;
	m.board_id = (char *)board;
	m.include_past = past;
	req.body_case = TRIAD__V1__REQUEST__BODY_LIST_BOARD_MEMBERS;
	req.list_board_members = &m;
	return rpc(s, A.slug, &req);
}

static Triad__V1__Response *
add_item(const char *meeting, const char *title, const char *question, const char *programme)
{
	REQ(req);
	Triad__V1__AddAgendaItemRequest m = TRIAD__V1__ADD_AGENDA_ITEM_REQUEST__INIT;
	m.meeting_id = (char *)meeting;
	m.title = (char *)title;
	m.question_id = (char *)(question != NULL ? question : "");
	m.programme_id = (char *)(programme != NULL ? programme : "");
	req.body_case = TRIAD__V1__REQUEST__BODY_ADD_AGENDA_ITEM;
	req.add_agenda_item = &m;
	return rpc(&op, A.slug, &req);
}

static Triad__V1__Response *
list_items_page(Sess *s, const char *meeting, int size, const char *token)
{
	REQ(req);
	Triad__V1__ListAgendaItemsRequest m = TRIAD__V1__LIST_AGENDA_ITEMS_REQUEST__INIT;
	m.meeting_id = (char *)meeting;
	m.page_size = size;
	m.page_token = (char *)token;
	req.body_case = TRIAD__V1__REQUEST__BODY_LIST_AGENDA_ITEMS;
	req.list_agenda_items = &m;
	return rpc(s, A.slug, &req);
}

static Triad__V1__Response *
list_items(Sess *s, const char *meeting)
{
	REQ(req);
	Triad__V1__ListAgendaItemsRequest m = TRIAD__V1__LIST_AGENDA_ITEMS_REQUEST__INIT;
	m.meeting_id = (char *)meeting;
	req.body_case = TRIAD__V1__REQUEST__BODY_LIST_AGENDA_ITEMS;
	req.list_agenda_items = &m;
	return rpc(s, A.slug, &req);
}

static void
test_boards(void **state)
{
	char name[80];
	test_unique(name, sizeof name, "Werkveldadviesraad");
	char ghost[37];
	random_uuid(ghost);
	expect_status_free(create_board("", BKIND(WORK_FIELD), NULL), CODE(INVALID_ARGUMENT), NULL,
		    "create_board.name");
	expect_status_free(create_board(name, 0, NULL), CODE(INVALID_ARGUMENT), NULL, "create_board.kind");
	expect_status_free(create_board(name, BKIND(WORK_FIELD), ghost), CODE(NOT_FOUND),
		    "programme not found", "create_board.programme_id");
	Triad__V1__Response *r = create_board(name, BKIND(WORK_FIELD), A.programme);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_string_equal(r->board->programme_code, A.programme_code);
	assert_int_equal(r->board->kind, BKIND(WORK_FIELD));
	char *board = test_strdup(r->board->id);
	rpc_free(r);
	assert_true(audited(board, "board.create"));
	expect_status_free(create_board(name, BKIND(SCIENTIFIC), A.programme), CODE(ALREADY_EXISTS), NULL,
		    "create_board.name");

	/* Terms: they never overlap for one person. */
	char *school = mk_org("Scholengroep", ORG(SCHOOL));
	char *chair = mk_person("Voorzitter", NULL);
	char *former = mk_person("Oud-lid", NULL);
	char *future = mk_person("Aankomend lid", NULL);
	char *outsider = mk_person("Geen lid", NULL);
	r = add_board_member(board, chair, school, BROLE(CHAIR), "2020-01-01", "2021-12-31");
	expect_status(r, CODE(OK), NULL, NULL);
	assert_false(r->board_member->current);
	assert_string_equal(r->board_member->organisation_id, school);
	rpc_free(r);
	r = add_board_member(board, chair, school, BROLE(CHAIR), "2021-06-01", "2022-06-30");
	expect_status(r, CODE(FAILED_PRECONDITION), NULL, "add_board_member.term_starts_on");
	assert_non_null(strstr(r->status->message, "from 2020-01-01 to 2021-12-31"));
	assert_non_null(strstr(r->status->message, "overlaps"));
	rpc_free(r);
	r = add_board_member(board, chair, school, BROLE(CHAIR), "2022-01-01", NULL);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_true(r->board_member->current);
	assert_int_equal(r->board_member->role, BROLE(CHAIR));
	assert_string_equal(r->board_member->term_ends_on, "");
	char *term = test_strdup(r->board_member->id);
	rpc_free(r);
	assert_true(audited(term, "board_member.add"));
	r = add_board_member(board, chair, NULL, 0, "2030-01-01", "2031-01-01");
	expect_status(r, CODE(FAILED_PRECONDITION), NULL, NULL);
	assert_non_null(strstr(r->status->message, "from 2022-01-01 without an end"));
	rpc_free(r);
	expect_status_free(add_board_member(board, former, NULL, 0, "2020-01-01", "2019-01-01"),
		    CODE(INVALID_ARGUMENT), NULL, "add_board_member.term_ends_on");
	expect_status_free(add_board_member(board, ghost, NULL, 0, NULL, NULL), CODE(NOT_FOUND),
		    "person not found in this institution", "add_board_member.person_id");
	r = add_board_member(board, former, NULL, 0, "2019-01-01", "2023-12-31");
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->board_member->role, BROLE(MEMBER));
	assert_false(r->board_member->current);
	rpc_free(r);
	r = add_board_member(board, future, NULL, BROLE(SECRETARY), "2999-01-01", NULL);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_false(r->board_member->current);
	rpc_free(r);

	r = list_board_members(&op, board, false);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->board_members->n_members, 1);
	assert_string_equal(r->board_members->members[0]->person_id, chair);
	assert_true(r->board_members->members[0]->current);
	rpc_free(r);
	r = list_board_members(&op, board, true);
	assert_int_equal(r->board_members->n_members, 4);
	rpc_free(r);
	r = get_board(&op, board);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->board->members, 1);
	rpc_free(r);

	/* A meeting with its agenda, in the order the items were added. */
	REQ(cm);
	Triad__V1__CreateBoardMeetingRequest cmm = TRIAD__V1__CREATE_BOARD_MEETING_REQUEST__INIT;
	cmm.board_id = board;
	cmm.place = "Wibauthuis";
	cm.body_case = TRIAD__V1__REQUEST__BODY_CREATE_BOARD_MEETING;
	cm.create_board_meeting = &cmm;
	expect_status_free(rpc(&op, A.slug, &cm), CODE(INVALID_ARGUMENT), NULL,
		    "create_board_meeting.held_on");
	cmm.held_on = "2026-11-12";
	r = rpc_ok(&op, A.slug, &cm);
	assert_string_equal(r->board_meeting->held_on, "2026-11-12");
	assert_string_equal(r->board_meeting->place, "Wibauthuis");
	char *meeting = test_strdup(r->board_meeting->id);
	rpc_free(r);
	assert_true(audited(meeting, "board_meeting.create"));

	char *community = community_ok();
	char *org = mk_org("Schoolbestuur", ORG(SCHOOL));
	rpc_free(add_org(community, org, NULL));
	char *q = question_ok(community, org, "Langer lopend onderzoek met dezelfde scholen");
	expect_status_free(add_item(meeting, "Vraag", ghost, NULL), CODE(NOT_FOUND), NO_QUESTION,
		    "add_agenda_item.question_id");
	expect_status_free(add_item(meeting, "Programma", NULL, ghost), CODE(NOT_FOUND),
		    "programme not found", "add_agenda_item.programme_id");
	expect_status_free(add_item(meeting, "", NULL, NULL), CODE(INVALID_ARGUMENT), NULL,
		    "add_agenda_item.title");
	expect_status_free(add_item(ghost, "Opening", NULL, NULL), CODE(NOT_FOUND), "meeting not found",
		    "add_agenda_item.meeting_id");
	r = add_item(meeting, "Opening en mededelingen", NULL, NULL);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->agenda_item->position, 1);
	char *item = test_strdup(r->agenda_item->id);
	rpc_free(r);
	assert_true(audited(item, "agenda_item.add"));
	r = add_item(meeting, "Praktijkvraag van het schoolbestuur", q, NULL);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->agenda_item->position, 2);
	assert_string_equal(r->agenda_item->question_title,
			    "Langer lopend onderzoek met dezelfde scholen");
	rpc_free(r);
	r = add_item(meeting, "Actualiteit van het curriculum", NULL, A.programme);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->agenda_item->position, 3);
	assert_string_equal(r->agenda_item->programme_code, A.programme_code);
	rpc_free(r);
	r = list_items(&op, meeting);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->agenda_items->n_items, 3);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(r->agenda_items->items[i]->position, (int)i + 1);
	assert_string_equal(r->agenda_items->items[1]->question_id, q);
	assert_string_equal(r->agenda_items->items[2]->programme_id, A.programme);
	rpc_free(r);

	/* The agenda pages in its own order, by position. */
	r = list_items_page(&op, meeting, 2, "");
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->agenda_items->n_items, 2);
	assert_int_equal(r->agenda_items->items[1]->position, 2);
	char *next = test_strdup(r->agenda_items->next_page_token);
	rpc_free(r);
	assert_string_not_equal(next, "");
	r = list_items_page(&op, meeting, 2, next);
	expect_status(r, CODE(OK), NULL, NULL);
	assert_int_equal(r->agenda_items->n_items, 1);
	assert_int_equal(r->agenda_items->items[0]->position, 3);
	assert_string_equal(r->agenda_items->next_page_token, "");
	rpc_free(r);
	free(next);
	expect_status_free(list_items_page(&op, meeting, 2, "not-a-position"),
			   CODE(INVALID_ARGUMENT), NULL, "list_agenda_items.page_token");
	expect_status_free(list_items_page(&op, meeting, 2, "-1"), CODE(INVALID_ARGUMENT), NULL,
			   "list_agenda_items.page_token");
	r = get_board(&op, board);
	assert_int_equal(r->board->meetings, 1);
	rpc_free(r);

	/* Who sees the board: staff, and members whose term holds today. */
	char *chair_t = login(chair, ROLE(EMPLOYER_CONTACT), school);
	char *former_t = login(former, ROLE(PARTICIPANT), NULL);
	char *outsider_t = login(outsider, ROLE(PARTICIPANT), NULL);
	Sess staff = sess_open(d.addr, A.staff_token);
	Sess chair_s = sess_open(d.addr, chair_t);
	Sess former_s = sess_open(d.addr, former_t);
	Sess outsider_s = sess_open(d.addr, outsider_t);
	Sess *seeing[] = {&staff, &chair_s};
	for (size_t i = 0; i < 2; i++) {
		expect_status_free(get_board(seeing[i], board), CODE(OK), NULL, NULL);
		assert_true(lists_board(seeing[i], board));
		expect_status_free(list_board_members(seeing[i], board, true), CODE(OK), NULL, NULL);
		r = list_items(seeing[i], meeting);
		expect_status(r, CODE(OK), NULL, NULL);
		assert_int_equal(r->agenda_items->n_items, 3);
		rpc_free(r);
	}
	Sess *blind[] = {&former_s, &outsider_s};
	for (size_t i = 0; i < 2; i++) {
		r = get_board(blind[i], board);
		expect_status_free(r, CODE(NOT_FOUND), NO_BOARD, NULL);
		expect_status_free(get_board(blind[i], ghost), CODE(NOT_FOUND), NO_BOARD, NULL);
		assert_false(lists_board(blind[i], board));
		expect_status_free(list_board_members(blind[i], board, false), CODE(NOT_FOUND), NO_BOARD,
			    NULL);
		expect_status_free(list_items(blind[i], meeting), CODE(NOT_FOUND), "meeting not found",
			    NULL);
	}
	sess_close(&staff);
	sess_close(&chair_s);
	sess_close(&former_s);
	sess_close(&outsider_s);

	char *frees[] = {board, school, chair, former, future, outsider, term, meeting, community,
			 org, q, item, chair_t, former_t, outsider_t};
	for (size_t i = 0; i < sizeof frees / sizeof frees[0]; i++)
		free(frees[i]);
}

/* ---- 6. empty requests ---- */

/*
 * Every request of community.proto with an empty body, as an operator and
 * as an employer contact: it fails with INVALID_ARGUMENT or NOT_FOUND (or
 * succeeds), and PERMISSION_DENIED comes only from the access table -- a
 * verb the role does not have -- never from the rules behind it.
 */
static void
test_empty_bodies(void **state)
{
	char *org = mk_org("Leeg", ORG(OTHER));
	char *person = mk_person("Contact leeg", NULL);
	char *token = login(person, ROLE(EMPLOYER_CONTACT), org);
	Sess contact = sess_open(d.addr, token);
	const ProtobufCMessageDescriptor *rd = &triad__v1__request__descriptor;
	int tried = 0;

	for (unsigned i = 0; i < rd->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &rd->fields[i];
		if (f->id < 120 || f->id > 148)
			continue;
		const ProtobufCMessageDescriptor *md = f->descriptor;
		const char *name = f->name;
		/* What the access table gives each of the two callers. */
		bool staff_only = strcmp(name, "create_question") != 0 &&
				  (strncmp(name, "create_", 7) == 0 || strncmp(name, "add_", 4) == 0 ||
				   strncmp(name, "remove_", 7) == 0 ||
				   strncmp(name, "transition_", 11) == 0 ||
				   strncmp(name, "link_", 5) == 0);
		bool contact_only = strcmp(name, "give_product_feedback") == 0;
		for (int who = 0; who < 2; who++) {
			void *body = calloc(1, md->sizeof_message);
			assert_non_null(body);
			protobuf_c_message_init(md, body);
			REQ(req);
			req.body_case = (Triad__V1__Request__BodyCase)f->id;
			*(void **)((char *)&req + f->offset) = body;
			Triad__V1__Response *r = rpc(who == 0 ? &op : &contact, A.slug, &req);
			Triad__V1__Code code = r->status->code;
			bool denied_by_verb = who == 0 ? contact_only : staff_only;
			if (denied_by_verb) {
				if (code != CODE(PERMISSION_DENIED))
					fail_msg("%s as %s: want PERMISSION_DENIED, got %d: %s", name,
						 who == 0 ? "operator" : "contact", code,
						 r->status->message);
			} else if (code != CODE(OK) && code != CODE(INVALID_ARGUMENT) &&
				   code != CODE(NOT_FOUND)) {
				fail_msg("%s as %s: got %d: %s", name, who == 0 ? "operator" : "contact",
					 code, r->status->message);
			}
			rpc_free(r);
			free(body);
			tried++;
		}
	}
	assert_int_equal(tried, 2 * 26);
	sess_close(&contact);
	free(token);
	free(person);
	free(org);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_communities),
		cmocka_unit_test(test_question_transitions),
		cmocka_unit_test(test_question_across_cohorts),
		cmocka_unit_test(test_visibility),
		cmocka_unit_test(test_boards),
		cmocka_unit_test(test_empty_bodies),
	};
	return harness_run_group_tests(tests, setup, teardown);
}

/*
 * test_idempotency.c: every request that honours Request.idempotency_key,
 * found in the registry rather than listed by hand, sent twice with the same
 * key: the second answer is the first one again (or, for answers that held a
 * secret, ALREADY_EXISTS), the change happened once (one set of audit rows,
 * none for the repeat), and the same key with another request is refused.
 * A request kind flagged ROUTE_IDEMPOTENT without a recipe here fails the
 * test, so a new write cannot ship uncovered.
 *
 * Also: a key whose request failed can be used again; keys of two
 * principals do not collide; a key expires after idempotency_ttl_s; and a
 * repeat sent while the first request still runs waits for its answer.
 */
#include "harness.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "registry.h"

#define REQ(var) Triad__V1__Request var = TRIAD__V1__REQUEST__INIT
#define CODE(x) TRIAD__V1__CODE__CODE_##x
#define BODY(req, KIND, field, msg)                                   \
	do {                                                          \
		(req)->body_case = TRIAD__V1__REQUEST__BODY_##KIND;   \
		(req)->field = &(msg);                                \
	} while (0)

static Triadd d;
static char inst[64];

/* The sessions of the fixture world, by role. */
static Sess op, part, assessor, coach, hr, host, partner, manager;

/* The fixture world. */
static char *employer, *programme, *upd_programme, *line, *outcome, *module, *cohort, *run;
static char *p_person, *p_enrollment, *coach_person, *relation, *community, *question,
	*delivered_product, *board, *meeting, *event, *ambassador;
/* The journey: a programme for its plan, a module whose chapter is open,
 * one whose chapter is submitted, and a conversation. */
static char *j_programme, *j_open_module, *j_done_module, *j_conversation;
/* The internship: the participant's host supervisor, a supervisor for new
 * placements, the intervision group she is in and its facilitator. */
static char *host_person, *supervisor, *ivgroup, *facilitator;

/* Request ids unique in the whole database, so that audit rows can be
 * counted by request id: the process id in the high bits, the session's
 * number next. */
static void
sess_ids(Sess *s, int n)
{
	s->next_id = ((uint64_t)(getpid() & 0xfffff) << 40) | ((uint64_t)n << 32) | 1;
}

/* A counter for unique values within this process. */
static int uniq;

static char *
unique(const char *stem)
{
	static char bufs[16][96];
	static int next;
	char *b = bufs[next++ % 16];
	test_unique(b, sizeof bufs[0], stem);
	return b;
}

/* ---- fixtures through the protocol ---- */

static char *
mk_person(const char *stem)
{
	char name[96], email[128];
	test_unique(name, sizeof name, stem);
	test_unique(email, sizeof email, "p");
	strcat(email, "@example.org");
	return make_person(&op, inst, name, email);
}

static char *
mk_programme(void)
{
	char code[32];
	snprintf(code, sizeof code, "IDP%d", ++uniq);
	return make_programme(&op, inst, code, 0);
}

static char *
mk_line(void)
{
	REQ(req);
	Triad__V1__CreateLearningLineRequest m = TRIAD__V1__CREATE_LEARNING_LINE_REQUEST__INIT;
	Triad__V1__LearningLine l = TRIAD__V1__LEARNING_LINE__INIT;
	char code[32];
	snprintf(code, sizeof code, "LL%d", ++uniq);
	l.programme_id = programme;
	l.code = code;
	l.name = "Leadership";
	m.line = &l;
	BODY(&req, CREATE_LEARNING_LINE, create_learning_line, m);
	Triad__V1__Response *r = rpc_ok(&op, inst, &req);
	char *id = test_strdup(r->learning_line->id);
	rpc_free(r);
	return id;
}

static char *
mk_outcome(void)
{
	REQ(req);
	Triad__V1__CreateLearningOutcomeRequest m = TRIAD__V1__CREATE_LEARNING_OUTCOME_REQUEST__INIT;
	Triad__V1__LearningOutcome o = TRIAD__V1__LEARNING_OUTCOME__INIT;
	char code[32];
	snprintf(code, sizeof code, "LO%d", ++uniq);
	o.programme_id = programme;
	o.code = code;
	o.description = "Analyses a policy problem";
	o.credits = 1;
	m.outcome = &o;
	BODY(&req, CREATE_LEARNING_OUTCOME, create_learning_outcome, m);
	Triad__V1__Response *r = rpc_ok(&op, inst, &req);
	char *id = test_strdup(r->learning_outcome->id);
	rpc_free(r);
	return id;
}

static char *
mk_module(void)
{
	REQ(req);
	Triad__V1__CreateModuleRequest m = TRIAD__V1__CREATE_MODULE_REQUEST__INIT;
	Triad__V1__Module mod = TRIAD__V1__MODULE__INIT;
	char code[32];
	snprintf(code, sizeof code, "MM%d", ++uniq);
	mod.programme_id = programme;
	mod.code = code;
	mod.name = "Public value";
	mod.kind = TRIAD__V1__MODULE_KIND__MODULE_KIND_ELECTIVE;
	mod.sequence = uniq;
	mod.credits = 1;
	m.module = &mod;
	BODY(&req, CREATE_MODULE, create_module, m);
	Triad__V1__Response *r = rpc_ok(&op, inst, &req);
	char *id = test_strdup(r->module->id);
	rpc_free(r);
	return id;
}

static char *
mk_run(const char *mod)
{
	REQ(req);
	Triad__V1__CreateRunRequest m = TRIAD__V1__CREATE_RUN_REQUEST__INIT;
	Triad__V1__ModuleRun r0 = TRIAD__V1__MODULE_RUN__INIT;
	r0.module_id = (char *)mod;
	r0.cohort_id = cohort;
	r0.capacity = 500;
	field_give(&r0.base, "capacity");
	m.run = &r0;
	BODY(&req, CREATE_RUN, create_run, m);
	Triad__V1__Response *r = rpc_ok(&op, inst, &req);
	char *id = test_strdup(r->run->id);
	rpc_free(r);
	return id;
}

static char *
mk_enrollment(const char *person)
{
	REQ(req);
	Triad__V1__EnrollRequest m = TRIAD__V1__ENROLL_REQUEST__INIT;
	m.person_id = (char *)person;
	m.cohort_id = cohort;
	m.employer_id = employer;
	m.hours_per_week = 8;
	BODY(&req, ENROLL, enroll, m);
	Triad__V1__Response *r = rpc_ok(&op, inst, &req);
	char *id = test_strdup(r->enrollment->id);
	rpc_free(r);
	return id;
}

/* An internship that began 60 days ago and ends in 30 (YYYY-MM-DD). */
static void
placement_dates(char starts[11], char ends[11])
{
	time_t now = time(NULL), a = now - 60 * 86400, b = now + 30 * 86400;
	struct tm tm;
	gmtime_r(&a, &tm);
	strftime(starts, 11, "%Y-%m-%d", &tm);
	gmtime_r(&b, &tm);
	strftime(ends, 11, "%Y-%m-%d", &tm);
}

/* A relation of the fixture participant with a new coach person. */
static char *
mk_relation(const char *enrollment, const char *coach_id, char **invite_code)
{
	REQ(req);
	Triad__V1__CreateRelationRequest m = TRIAD__V1__CREATE_RELATION_REQUEST__INIT;
	m.enrollment_id = (char *)enrollment;
	m.coach_person_id = (char *)coach_id;
	m.kind = TRIAD__V1__RELATION_KIND__RELATION_KIND_WORKPLACE_COACH;
	BODY(&req, CREATE_RELATION, create_relation, m);
	Triad__V1__Response *r = rpc_ok(&op, inst, &req);
	char *id = test_strdup(r->create_relation->relation->id);
	if (invite_code != NULL)
		*invite_code = test_strdup(r->create_relation->invite_code);
	rpc_free(r);
	return id;
}

static char *
redeem(const char *code)
{
	int fd = tc_connect(d.addr);
	REQ(req);
	Triad__V1__RedeemInviteRequest m = TRIAD__V1__REDEEM_INVITE_REQUEST__INIT;
	m.code = (char *)code;
	req.id = 7;
	BODY(&req, REDEEM_INVITE, redeem_invite, m);
	tc_send(fd, &req);
	Triad__V1__Response *r = tc_recv(fd, 10000, NULL);
	close(fd);
	assert_non_null(r);
	if (r->status->code != CODE(OK))
		fail_msg("redeem: %s", r->status->message);
	char *token = test_strdup(r->redeem_invite->token);
	rpc_free(r);
	return token;
}

static char *
mk_question(Triad__V1__QuestionStatus upto)
{
	REQ(req);
	Triad__V1__CreateQuestionRequest m = TRIAD__V1__CREATE_QUESTION_REQUEST__INIT;
	m.community_id = community;
	m.organisation_id = employer;
	m.title = unique("Roostervraag ");
	m.description = "How do teams plan night shifts?";
	BODY(&req, CREATE_QUESTION, create_question, m);
	Triad__V1__Response *r = rpc_ok(&op, inst, &req);
	char *id = test_strdup(r->question->id);
	rpc_free(r);
	static const Triad__V1__QuestionStatus path[] = {
		TRIAD__V1__QUESTION_STATUS__QUESTION_STATUS_ACCEPTED,
		TRIAD__V1__QUESTION_STATUS__QUESTION_STATUS_IN_PROGRESS,
		TRIAD__V1__QUESTION_STATUS__QUESTION_STATUS_DELIVERED,
	};
	for (size_t i = 0; i < 3 && (int)path[i] <= (int)upto; i++) {
		if (path[i] == TRIAD__V1__QUESTION_STATUS__QUESTION_STATUS_IN_PROGRESS) {
			REQ(lr);
			Triad__V1__LinkQuestionPersonRequest lm =
				TRIAD__V1__LINK_QUESTION_PERSON_REQUEST__INIT;
			lm.question_id = id;
			lm.person_id = p_person;
			lm.role = TRIAD__V1__QUESTION_ROLE__QUESTION_ROLE_PARTICIPANT;
			lm.enrollment_id = p_enrollment;
			lm.work = "interventie";
			BODY(&lr, LINK_QUESTION_PERSON, link_question_person, lm);
			rpc_free(rpc_ok(&op, inst, &lr));
		}
		if (path[i] == TRIAD__V1__QUESTION_STATUS__QUESTION_STATUS_DELIVERED) {
			REQ(pr);
			Triad__V1__AddProductRequest pm = TRIAD__V1__ADD_PRODUCT_REQUEST__INIT;
			pm.question_id = id;
			pm.kind = TRIAD__V1__PRODUCT_KIND__PRODUCT_KIND_REPORT;
			pm.title = "Adviesrapport";
			pm.description = "Advice on night shifts";
			pm.delivered_on = "2026-03-01";
			BODY(&pr, ADD_PRODUCT, add_product, pm);
			Triad__V1__Response *r2 = rpc_ok(&op, inst, &pr);
			free(delivered_product);
			delivered_product = test_strdup(r2->product->id);
			rpc_free(r2);
		}
		REQ(tr);
		Triad__V1__TransitionQuestionRequest tm = TRIAD__V1__TRANSITION_QUESTION_REQUEST__INIT;
		tm.id = id;
		tm.status = path[i];
		BODY(&tr, TRANSITION_QUESTION, transition_question, tm);
		rpc_free(rpc_ok(&op, inst, &tr));
	}
	return id;
}

static char *
mk_event(int capacity, const char *starts_at)
{
	REQ(req);
	Triad__V1__CreateEventRequest m = TRIAD__V1__CREATE_EVENT_REQUEST__INIT;
	m.kind = TRIAD__V1__EVENT_KIND__EVENT_KIND_SYMPOSIUM;
	m.title = unique("Symposium ");
	m.description = "Teachers, alumni and schools";
	m.programme_id = programme;
	m.starts_at = (char *)starts_at;
	m.place = "Wibauthuis";
	m.capacity = capacity;
	field_give(&m.base, "capacity");
	BODY(&req, CREATE_EVENT, create_event, m);
	Triad__V1__Response *r = rpc_ok(&op, inst, &req);
	char *id = test_strdup(r->event->id);
	rpc_free(r);
	return id;
}

static char *
mk_ambassador(void)
{
	REQ(req);
	Triad__V1__CreateAmbassadorRequest m = TRIAD__V1__CREATE_AMBASSADOR_REQUEST__INIT;
	char *person = mk_person("Ambassadeur");
	m.person_id = person;
	m.programme_id = programme;
	m.organisation_id = employer;
	m.basis = TRIAD__V1__AMBASSADOR_BASIS__AMBASSADOR_BASIS_EXECUTIVE;
	m.starts_on = "2026-01-01";
	BODY(&req, CREATE_AMBASSADOR, create_ambassador, m);
	Triad__V1__Response *r = rpc_ok(&op, inst, &req);
	char *id = test_strdup(r->ambassador->id);
	rpc_free(r);
	free(person);
	return id;
}

/* ---- recipes: a valid request of each kind, and who sends it ----
 *
 * A recipe fills req's body (from static storage: the body lives until the
 * recipe is called again) and returns the session that sends it, and the
 * institution it acts in (NULL: none). Each call gives another request:
 * fresh values, or a fresh object to act on, made first without a key. */

typedef struct Recipe {
	Triad__V1__Request__BodyCase kind;
	Sess *(*fill)(Triad__V1__Request *req, const char **institution);
} Recipe;

#define RECIPE(name) static Sess *r_##name(Triad__V1__Request *req, const char **in)
#define ROW(KIND, name) {TRIAD__V1__REQUEST__BODY_##KIND, r_##name}

/* ---- directory and access ---- */

RECIPE(create_institution)
{
	static Triad__V1__CreateInstitutionRequest m;
	static char slug[64];
	m = (Triad__V1__CreateInstitutionRequest)TRIAD__V1__CREATE_INSTITUTION_REQUEST__INIT;
	test_unique(slug, sizeof slug, "idem-inst-");
	m.slug = slug;
	m.name = "Idempotency tests";
	BODY(req, CREATE_INSTITUTION, create_institution, m);
	*in = NULL;
	return &op;
}

RECIPE(create_person)
{
	static Triad__V1__CreatePersonRequest m;
	static char name[96], email[128];
	m = (Triad__V1__CreatePersonRequest)TRIAD__V1__CREATE_PERSON_REQUEST__INIT;
	test_unique(name, sizeof name, "Person");
	snprintf(email, sizeof email, "%s@example.org", name);
	m.name = name;
	m.email = email;
	BODY(req, CREATE_PERSON, create_person, m);
	return &op;
}

RECIPE(create_organisation)
{
	static Triad__V1__CreateOrganisationRequest m;
	static char name[96];
	m = (Triad__V1__CreateOrganisationRequest)TRIAD__V1__CREATE_ORGANISATION_REQUEST__INIT;
	test_unique(name, sizeof name, "Gemeente ");
	m.name = name;
	m.kind = TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_EMPLOYER;
	BODY(req, CREATE_ORGANISATION, create_organisation, m);
	*in = NULL;
	return &op;
}

RECIPE(create_grant)
{
	static Triad__V1__CreateGrantRequest m;
	static char *person;
	m = (Triad__V1__CreateGrantRequest)TRIAD__V1__CREATE_GRANT_REQUEST__INIT;
	free(person);
	person = mk_person("Grantee");
	m.person_id = person;
	m.role = TRIAD__V1__ROLE__ROLE_PROGRAMME_STAFF;
	m.title = TRIAD__V1__STAFF_TITLE__STAFF_TITLE_ASSESSOR;
	BODY(req, CREATE_GRANT, create_grant, m);
	return &op;
}

RECIPE(revoke_grant)
{
	static Triad__V1__RevokeGrantRequest m;
	static char *grant;
	REQ(g);
	r_create_grant(&g, in);
	Triad__V1__Response *r = rpc_ok(&op, inst, &g);
	free(grant);
	grant = test_strdup(r->grant->id);
	rpc_free(r);
	m = (Triad__V1__RevokeGrantRequest)TRIAD__V1__REVOKE_GRANT_REQUEST__INIT;
	m.id = grant;
	BODY(req, REVOKE_GRANT, revoke_grant, m);
	return &op;
}

RECIPE(create_token)
{
	static Triad__V1__CreateTokenRequest m;
	static char label[96];
	m = (Triad__V1__CreateTokenRequest)TRIAD__V1__CREATE_TOKEN_REQUEST__INIT;
	test_unique(label, sizeof label, "laptop ");
	m.label = label;
	m.expires_in_days = 30;
	field_give(&m.base, "expires_in_days");
	BODY(req, CREATE_TOKEN, create_token, m);
	*in = NULL;
	return &op;
}

RECIPE(revoke_token)
{
	static Triad__V1__RevokeTokenRequest m;
	static char *token;
	REQ(t);
	r_create_token(&t, in);
	Triad__V1__Response *r = rpc_ok(&op, NULL, &t);
	free(token);
	token = test_strdup(r->create_token->token_info->id);
	rpc_free(r);
	m = (Triad__V1__RevokeTokenRequest)TRIAD__V1__REVOKE_TOKEN_REQUEST__INIT;
	m.id = token;
	BODY(req, REVOKE_TOKEN, revoke_token, m);
	*in = NULL;
	return &op;
}

RECIPE(create_invite)
{
	static Triad__V1__CreateInviteRequest m;
	static char *person;
	m = (Triad__V1__CreateInviteRequest)TRIAD__V1__CREATE_INVITE_REQUEST__INIT;
	free(person);
	person = mk_person("Invitee");
	m.person_id = person;
	m.role = TRIAD__V1__ROLE__ROLE_PARTICIPANT;
	m.expires_in_days = 7;
	field_give(&m.base, "expires_in_days");
	BODY(req, CREATE_INVITE, create_invite, m);
	return &op;
}

RECIPE(revoke_invite)
{
	static Triad__V1__RevokeInviteRequest m;
	static char *invite;
	REQ(i);
	r_create_invite(&i, in);
	Triad__V1__Response *r = rpc_ok(&op, inst, &i);
	free(invite);
	invite = test_strdup(r->create_invite->invite->id);
	rpc_free(r);
	m = (Triad__V1__RevokeInviteRequest)TRIAD__V1__REVOKE_INVITE_REQUEST__INIT;
	m.id = invite;
	BODY(req, REVOKE_INVITE, revoke_invite, m);
	return &op;
}

/* ---- catalogue ---- */

RECIPE(create_programme)
{
	static Triad__V1__CreateProgrammeRequest m;
	static Triad__V1__Programme p;
	static char code[32];
	m = (Triad__V1__CreateProgrammeRequest)TRIAD__V1__CREATE_PROGRAMME_REQUEST__INIT;
	p = (Triad__V1__Programme)TRIAD__V1__PROGRAMME__INIT;
	snprintf(code, sizeof code, "IDC%d", ++uniq);
	p.code = code;
	p.name = "Master Publiek Management";
	p.award = TRIAD__V1__AWARD__AWARD_DEGREE;
	p.ects = 60;
	p.duration_months = 24;
	p.language = "nl";
	p.mode = TRIAD__V1__STUDY_MODE__STUDY_MODE_PART_TIME;
	p.fee_cents = 1000000;
	m.programme = &p;
	BODY(req, CREATE_PROGRAMME, create_programme, m);
	return &op;
}

RECIPE(update_programme)
{
	static Triad__V1__UpdateProgrammeRequest m;
	static Triad__V1__Programme p;
	static char name[96];
	m = (Triad__V1__UpdateProgrammeRequest)TRIAD__V1__UPDATE_PROGRAMME_REQUEST__INIT;
	p = (Triad__V1__Programme)TRIAD__V1__PROGRAMME__INIT;
	test_unique(name, sizeof name, "Metropool ");
	p.id = upd_programme;
	p.name = name;
	p.award = TRIAD__V1__AWARD__AWARD_CERTIFICATE;
	p.ects = 30;
	p.duration_months = 12;
	p.language = "en";
	p.mode = TRIAD__V1__STUDY_MODE__STUDY_MODE_EVENING;
	p.fee_cents = 990000;
	m.programme = &p;
	BODY(req, UPDATE_PROGRAMME, update_programme, m);
	return &op;
}

RECIPE(delete_programme)
{
	static Triad__V1__DeleteProgrammeRequest m;
	static char *id;
	m = (Triad__V1__DeleteProgrammeRequest)TRIAD__V1__DELETE_PROGRAMME_REQUEST__INIT;
	free(id);
	id = mk_programme();
	m.id = id;
	BODY(req, DELETE_PROGRAMME, delete_programme, m);
	return &op;
}

RECIPE(create_learning_line)
{
	static Triad__V1__CreateLearningLineRequest m;
	static Triad__V1__LearningLine l;
	static char code[32];
	m = (Triad__V1__CreateLearningLineRequest)TRIAD__V1__CREATE_LEARNING_LINE_REQUEST__INIT;
	l = (Triad__V1__LearningLine)TRIAD__V1__LEARNING_LINE__INIT;
	snprintf(code, sizeof code, "CL%d", ++uniq);
	l.programme_id = programme;
	l.code = code;
	l.name = "Professionele ontwikkeling";
	m.line = &l;
	BODY(req, CREATE_LEARNING_LINE, create_learning_line, m);
	return &op;
}

RECIPE(update_learning_line)
{
	static Triad__V1__UpdateLearningLineRequest m;
	static Triad__V1__LearningLine l;
	static char code[32];
	m = (Triad__V1__UpdateLearningLineRequest)TRIAD__V1__UPDATE_LEARNING_LINE_REQUEST__INIT;
	l = (Triad__V1__LearningLine)TRIAD__V1__LEARNING_LINE__INIT;
	snprintf(code, sizeof code, "UL%d", ++uniq);
	l.id = line;
	l.programme_id = programme;
	l.code = code;
	l.name = unique("Lijn ");
	m.line = &l;
	BODY(req, UPDATE_LEARNING_LINE, update_learning_line, m);
	return &op;
}

RECIPE(delete_learning_line)
{
	static Triad__V1__DeleteLearningLineRequest m;
	static char *id;
	m = (Triad__V1__DeleteLearningLineRequest)TRIAD__V1__DELETE_LEARNING_LINE_REQUEST__INIT;
	free(id);
	id = mk_line();
	m.id = id;
	BODY(req, DELETE_LEARNING_LINE, delete_learning_line, m);
	return &op;
}

RECIPE(create_learning_outcome)
{
	static Triad__V1__CreateLearningOutcomeRequest m;
	static Triad__V1__LearningOutcome o;
	static char code[32];
	m = (Triad__V1__CreateLearningOutcomeRequest)TRIAD__V1__CREATE_LEARNING_OUTCOME_REQUEST__INIT;
	o = (Triad__V1__LearningOutcome)TRIAD__V1__LEARNING_OUTCOME__INIT;
	snprintf(code, sizeof code, "CO%d", ++uniq);
	o.programme_id = programme;
	o.code = code;
	o.description = "Leads a change in a public organisation";
	o.credits = 2;
	m.outcome = &o;
	BODY(req, CREATE_LEARNING_OUTCOME, create_learning_outcome, m);
	return &op;
}

RECIPE(update_learning_outcome)
{
	static Triad__V1__UpdateLearningOutcomeRequest m;
	static Triad__V1__LearningOutcome o;
	static char code[32];
	m = (Triad__V1__UpdateLearningOutcomeRequest)TRIAD__V1__UPDATE_LEARNING_OUTCOME_REQUEST__INIT;
	o = (Triad__V1__LearningOutcome)TRIAD__V1__LEARNING_OUTCOME__INIT;
	snprintf(code, sizeof code, "UO%d", ++uniq);
	o.id = outcome;
	o.programme_id = programme;
	o.code = code;
	o.description = unique("Reflects on ");
	o.credits = 1.5;
	m.outcome = &o;
	BODY(req, UPDATE_LEARNING_OUTCOME, update_learning_outcome, m);
	return &op;
}

RECIPE(delete_learning_outcome)
{
	static Triad__V1__DeleteLearningOutcomeRequest m;
	static char *id;
	m = (Triad__V1__DeleteLearningOutcomeRequest)TRIAD__V1__DELETE_LEARNING_OUTCOME_REQUEST__INIT;
	free(id);
	id = mk_outcome();
	m.id = id;
	BODY(req, DELETE_LEARNING_OUTCOME, delete_learning_outcome, m);
	return &op;
}

RECIPE(create_module)
{
	static Triad__V1__CreateModuleRequest m;
	static Triad__V1__Module mod;
	static char code[32];
	m = (Triad__V1__CreateModuleRequest)TRIAD__V1__CREATE_MODULE_REQUEST__INIT;
	mod = (Triad__V1__Module)TRIAD__V1__MODULE__INIT;
	snprintf(code, sizeof code, "CM%d", ++uniq);
	mod.programme_id = programme;
	mod.code = code;
	mod.name = "Verandermanagement";
	mod.kind = TRIAD__V1__MODULE_KIND__MODULE_KIND_MASTERCLASS;
	mod.sequence = uniq;
	mod.credits = 2.5;
	m.module = &mod;
	BODY(req, CREATE_MODULE, create_module, m);
	return &op;
}

RECIPE(update_module)
{
	static Triad__V1__UpdateModuleRequest m;
	static Triad__V1__Module mod;
	static char code[32];
	m = (Triad__V1__UpdateModuleRequest)TRIAD__V1__UPDATE_MODULE_REQUEST__INIT;
	mod = (Triad__V1__Module)TRIAD__V1__MODULE__INIT;
	snprintf(code, sizeof code, "UM%d", ++uniq);
	mod.id = module;
	mod.programme_id = programme;
	mod.code = code;
	mod.name = unique("Module ");
	mod.kind = TRIAD__V1__MODULE_KIND__MODULE_KIND_ELECTIVE;
	mod.sequence = uniq;
	mod.credits = 3;
	m.module = &mod;
	BODY(req, UPDATE_MODULE, update_module, m);
	return &op;
}

RECIPE(delete_module)
{
	static Triad__V1__DeleteModuleRequest m;
	static char *id;
	m = (Triad__V1__DeleteModuleRequest)TRIAD__V1__DELETE_MODULE_REQUEST__INIT;
	free(id);
	id = mk_module();
	m.id = id;
	BODY(req, DELETE_MODULE, delete_module, m);
	return &op;
}

RECIPE(add_prerequisite)
{
	static Triad__V1__AddPrerequisiteRequest m;
	static char *a, *b;
	m = (Triad__V1__AddPrerequisiteRequest)TRIAD__V1__ADD_PREREQUISITE_REQUEST__INIT;
	free(a);
	free(b);
	b = mk_module();
	a = mk_module();
	m.module_id = a;
	m.required_module_id = b;
	BODY(req, ADD_PREREQUISITE, add_prerequisite, m);
	return &op;
}

RECIPE(remove_prerequisite)
{
	static Triad__V1__RemovePrerequisiteRequest m;
	REQ(add);
	r_add_prerequisite(&add, in);
	rpc_free(rpc_ok(&op, inst, &add));
	m = (Triad__V1__RemovePrerequisiteRequest)TRIAD__V1__REMOVE_PREREQUISITE_REQUEST__INIT;
	m.module_id = add.add_prerequisite->module_id;
	m.required_module_id = add.add_prerequisite->required_module_id;
	BODY(req, REMOVE_PREREQUISITE, remove_prerequisite, m);
	return &op;
}

/* ---- cohorts and enrollment ---- */

RECIPE(create_cohort)
{
	static Triad__V1__CreateCohortRequest m;
	static Triad__V1__Cohort c;
	m = (Triad__V1__CreateCohortRequest)TRIAD__V1__CREATE_COHORT_REQUEST__INIT;
	c = (Triad__V1__Cohort)TRIAD__V1__COHORT__INIT;
	c.programme_id = programme;
	c.name = unique("Metropool ");
	c.starts_on = "2026-10-26";
	c.ends_on = "2028-04-30";
	m.cohort = &c;
	BODY(req, CREATE_COHORT, create_cohort, m);
	return &op;
}

RECIPE(create_run)
{
	static Triad__V1__CreateRunRequest m;
	static Triad__V1__ModuleRun r0;
	static char *mod;
	m = (Triad__V1__CreateRunRequest)TRIAD__V1__CREATE_RUN_REQUEST__INIT;
	r0 = (Triad__V1__ModuleRun)TRIAD__V1__MODULE_RUN__INIT;
	free(mod);
	mod = mk_module();
	r0.module_id = mod;
	r0.cohort_id = cohort;
	r0.capacity = 25;
	field_give(&r0.base, "capacity");
	m.run = &r0;
	BODY(req, CREATE_RUN, create_run, m);
	return &op;
}

RECIPE(create_session)
{
	static Triad__V1__CreateSessionRequest m;
	static Triad__V1__Session s;
	m = (Triad__V1__CreateSessionRequest)TRIAD__V1__CREATE_SESSION_REQUEST__INIT;
	s = (Triad__V1__Session)TRIAD__V1__SESSION__INIT;
	s.run_id = run;
	s.starts_at = "2031-11-03T09:00:00Z";
	s.title = unique("Werkcollege ");
	m.session = &s;
	BODY(req, CREATE_SESSION, create_session, m);
	return &op;
}

RECIPE(create_subgroup)
{
	static Triad__V1__CreateSubgroupRequest m;
	static Triad__V1__Subgroup sg;
	m = (Triad__V1__CreateSubgroupRequest)TRIAD__V1__CREATE_SUBGROUP_REQUEST__INIT;
	sg = (Triad__V1__Subgroup)TRIAD__V1__SUBGROUP__INIT;
	sg.run_id = run;
	sg.name = unique("Intervisie ");
	sg.purpose = TRIAD__V1__SUBGROUP_PURPOSE__SUBGROUP_PURPOSE_INTERVISION;
	m.subgroup = &sg;
	BODY(req, CREATE_SUBGROUP, create_subgroup, m);
	return &op;
}

RECIPE(add_subgroup_member)
{
	static Triad__V1__AddSubgroupMemberRequest m;
	static char *subgroup;
	REQ(c);
	r_create_subgroup(&c, in);
	Triad__V1__Response *r = rpc_ok(&op, inst, &c);
	free(subgroup);
	subgroup = test_strdup(r->subgroup->id);
	rpc_free(r);
	m = (Triad__V1__AddSubgroupMemberRequest)TRIAD__V1__ADD_SUBGROUP_MEMBER_REQUEST__INIT;
	m.subgroup_id = subgroup;
	m.enrollment_id = p_enrollment;
	BODY(req, ADD_SUBGROUP_MEMBER, add_subgroup_member, m);
	return &op;
}

RECIPE(enroll)
{
	static Triad__V1__EnrollRequest m;
	static char *person;
	m = (Triad__V1__EnrollRequest)TRIAD__V1__ENROLL_REQUEST__INIT;
	free(person);
	person = mk_person("Deelnemer");
	m.person_id = person;
	m.cohort_id = cohort;
	m.employer_id = employer;
	m.hours_per_week = 8;
	BODY(req, ENROLL, enroll, m);
	return &op;
}

RECIPE(transition_enrollment)
{
	static Triad__V1__TransitionEnrollmentRequest m;
	static char *enrollment;
	char *person = mk_person("Instromer");
	free(enrollment);
	enrollment = mk_enrollment(person);
	free(person);
	m = (Triad__V1__TransitionEnrollmentRequest)TRIAD__V1__TRANSITION_ENROLLMENT_REQUEST__INIT;
	m.id = enrollment;
	m.status = TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_INTAKE_PLANNED;
	BODY(req, TRANSITION_ENROLLMENT, transition_enrollment, m);
	return &op;
}

RECIPE(record_exemption)
{
	static Triad__V1__RecordExemptionRequest m;
	static char *mod;
	m = (Triad__V1__RecordExemptionRequest)TRIAD__V1__RECORD_EXEMPTION_REQUEST__INIT;
	free(mod);
	mod = mk_module();
	m.person_id = p_person;
	m.module_id = mod;
	m.reason = "ten years as policy advisor";
	BODY(req, RECORD_EXEMPTION, record_exemption, m);
	return &op;
}

RECIPE(record_attendance)
{
	static Triad__V1__RecordAttendanceRequest m;
	static char *session;
	REQ(c);
	r_create_session(&c, in);
	Triad__V1__Response *r = rpc_ok(&op, inst, &c);
	free(session);
	session = test_strdup(r->session->id);
	rpc_free(r);
	m = (Triad__V1__RecordAttendanceRequest)TRIAD__V1__RECORD_ATTENDANCE_REQUEST__INIT;
	m.session_id = session;
	m.enrollment_id = p_enrollment;
	m.status = TRIAD__V1__ATTENDANCE_STATUS__ATTENDANCE_STATUS_PRESENT;
	BODY(req, RECORD_ATTENDANCE, record_attendance, m);
	return &op;
}

RECIPE(resolve_block)
{
	static Triad__V1__ResolveBlockRequest m;
	static char *enrollment;
	char *person = mk_person("Geblokkeerd");
	free(enrollment);
	enrollment = mk_enrollment(person);
	free(person);
	/* How a block comes about is test_enrollment's subject. */
	free(owner_sql("UPDATE enrollment SET blocked_reason = 'missed a session that cannot be"
		       " missed' WHERE id = $1::uuid",
		       enrollment, NULL, NULL));
	m = (Triad__V1__ResolveBlockRequest)TRIAD__V1__RESOLVE_BLOCK_REQUEST__INIT;
	m.enrollment_id = enrollment;
	m.resolution = "repeated with the next cohort";
	BODY(req, RESOLVE_BLOCK, resolve_block, m);
	return &op;
}

RECIPE(complete_module)
{
	static Triad__V1__CompleteModuleRequest m;
	static char *mod;
	free(mod);
	mod = mk_module();
	free(mk_run(mod));
	m = (Triad__V1__CompleteModuleRequest)TRIAD__V1__COMPLETE_MODULE_REQUEST__INIT;
	m.enrollment_id = p_enrollment;
	m.module_id = mod;
	BODY(req, COMPLETE_MODULE, complete_module, m);
	return &op;
}

RECIPE(claim_prior_learning)
{
	static Triad__V1__ClaimPriorLearningRequest m;
	static char *o;
	m = (Triad__V1__ClaimPriorLearningRequest)TRIAD__V1__CLAIM_PRIOR_LEARNING_REQUEST__INIT;
	free(o);
	o = mk_outcome();
	m.outcome_id = o;
	m.evidence = "Wrote the municipality's policy analysis, 2024";
	BODY(req, CLAIM_PRIOR_LEARNING, claim_prior_learning, m);
	return &part;
}

RECIPE(decide_claim)
{
	static Triad__V1__DecideClaimRequest m;
	static char *claim;
	REQ(c);
	r_claim_prior_learning(&c, in);
	Triad__V1__Response *r = rpc_ok(&part, inst, &c);
	free(claim);
	claim = test_strdup(r->claim->id);
	rpc_free(r);
	m = (Triad__V1__DecideClaimRequest)TRIAD__V1__DECIDE_CLAIM_REQUEST__INIT;
	m.id = claim;
	m.validate = true;
	m.reason = "evidence shows the outcome at master level";
	BODY(req, DECIDE_CLAIM, decide_claim, m);
	return &assessor;
}

/* ---- the workplace triangle ---- */

RECIPE(create_agreement)
{
	static Triad__V1__CreateAgreementRequest m;
	static Triad__V1__Agreement a;
	static char *contacts[] = {"J. de Vries (HR)"};
	static char *org;
	m = (Triad__V1__CreateAgreementRequest)TRIAD__V1__CREATE_AGREEMENT_REQUEST__INIT;
	a = (Triad__V1__Agreement)TRIAD__V1__AGREEMENT__INIT;
	free(org);
	org = make_org(&op, "Gemeente Haarlem ", TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_EMPLOYER);
	a.organisation_id = org;
	a.kind = TRIAD__V1__AGREEMENT_KIND__AGREEMENT_KIND_PROFESSIONAL_WORKPLACE;
	a.starts_on = "2025-09-01";
	a.hours_per_week = 16;
	a.change_assignments = 2;
	a.internship_places = 1;
	a.contacts = contacts;
	a.n_contacts = 1;
	m.agreement = &a;
	BODY(req, CREATE_AGREEMENT, create_agreement, m);
	return &op;
}

RECIPE(end_agreement)
{
	static Triad__V1__EndAgreementRequest m;
	static char *agreement;
	REQ(c);
	r_create_agreement(&c, in);
	Triad__V1__Response *r = rpc_ok(&op, inst, &c);
	free(agreement);
	agreement = test_strdup(r->agreement->id);
	rpc_free(r);
	m = (Triad__V1__EndAgreementRequest)TRIAD__V1__END_AGREEMENT_REQUEST__INIT;
	m.id = agreement;
	m.ends_on = "2027-08-31";
	BODY(req, END_AGREEMENT, end_agreement, m);
	return &op;
}

RECIPE(create_relation)
{
	static Triad__V1__CreateRelationRequest m;
	static char *person;
	m = (Triad__V1__CreateRelationRequest)TRIAD__V1__CREATE_RELATION_REQUEST__INIT;
	free(person);
	person = mk_person("Coach");
	m.enrollment_id = p_enrollment;
	m.coach_person_id = person;
	m.kind = TRIAD__V1__RELATION_KIND__RELATION_KIND_CONFIDANT;
	BODY(req, CREATE_RELATION, create_relation, m);
	return &op;
}

RECIPE(propose_relation)
{
	static Triad__V1__ProposeRelationRequest m;
	static char *person;
	m = (Triad__V1__ProposeRelationRequest)TRIAD__V1__PROPOSE_RELATION_REQUEST__INIT;
	free(person);
	person = mk_person("Mentor");
	m.enrollment_id = p_enrollment;
	m.coach_person_id = person;
	m.kind = TRIAD__V1__RELATION_KIND__RELATION_KIND_ALUMNI_COACH;
	BODY(req, PROPOSE_RELATION, propose_relation, m);
	return &part;
}

RECIPE(approve_relation)
{
	static Triad__V1__ApproveRelationRequest m;
	static char *rel;
	REQ(p);
	r_propose_relation(&p, in);
	Triad__V1__Response *r = rpc_ok(&part, inst, &p);
	free(rel);
	rel = test_strdup(r->relation->id);
	rpc_free(r);
	m = (Triad__V1__ApproveRelationRequest)TRIAD__V1__APPROVE_RELATION_REQUEST__INIT;
	m.id = rel;
	BODY(req, APPROVE_RELATION, approve_relation, m);
	return &op;
}

RECIPE(end_relation)
{
	static Triad__V1__EndRelationRequest m;
	static char *rel;
	char *person = mk_person("Vertrouwenspersoon");
	free(rel);
	rel = mk_relation(p_enrollment, person, NULL);
	free(person);
	m = (Triad__V1__EndRelationRequest)TRIAD__V1__END_RELATION_REQUEST__INIT;
	m.id = rel;
	BODY(req, END_RELATION, end_relation, m);
	return &op;
}

RECIPE(request_feedback)
{
	static Triad__V1__RequestFeedbackRequest m;
	m = (Triad__V1__RequestFeedbackRequest)TRIAD__V1__REQUEST_FEEDBACK_REQUEST__INIT;
	m.relation_id = relation;
	m.assignment = "Stakeholder analysis";
	m.question = unique("How did I lead the meeting? ");
	m.due_on = "2031-01-15";
	BODY(req, REQUEST_FEEDBACK, request_feedback, m);
	return &part;
}

RECIPE(give_feedback)
{
	static Triad__V1__GiveFeedbackRequest m;
	m = (Triad__V1__GiveFeedbackRequest)TRIAD__V1__GIVE_FEEDBACK_REQUEST__INIT;
	m.relation_id = relation;
	m.situation = unique("Tuesday's stakeholder meeting ");
	m.behaviour = "You summarised both positions before proposing";
	m.effect = "The team agreed on a next step";
	m.suggestion = "Try it with the alderman too";
	BODY(req, GIVE_FEEDBACK, give_feedback, m);
	return &coach;
}

RECIPE(edit_feedback)
{
	static Triad__V1__EditFeedbackRequest m;
	static char *feedback;
	REQ(g);
	r_give_feedback(&g, in);
	Triad__V1__Response *r = rpc_ok(&coach, inst, &g);
	free(feedback);
	feedback = test_strdup(r->feedback->id);
	rpc_free(r);
	m = (Triad__V1__EditFeedbackRequest)TRIAD__V1__EDIT_FEEDBACK_REQUEST__INIT;
	m.id = feedback;
	m.situation = unique("Thursday's council meeting ");
	m.behaviour = "You asked before you advised";
	m.effect = "The alderman changed the agenda";
	m.suggestion = "Keep doing it";
	BODY(req, EDIT_FEEDBACK, edit_feedback, m);
	return &coach;
}

RECIPE(set_consent)
{
	static Triad__V1__SetConsentRequest m;
	static int n;
	m = (Triad__V1__SetConsentRequest)TRIAD__V1__SET_CONSENT_REQUEST__INIT;
	m.enrollment_id = p_enrollment;
	m.organisation_id = employer;
	m.level = ++n % 2 ? TRIAD__V1__CONSENT_LEVEL__CONSENT_LEVEL_FULL
			  : TRIAD__V1__CONSENT_LEVEL__CONSENT_LEVEL_PROGRESS;
	BODY(req, SET_CONSENT, set_consent, m);
	return &part;
}

RECIPE(ack_events)
{
	static Triad__V1__AckEventsRequest m;
	static char cursor[32];
	static int n;
	m = (Triad__V1__AckEventsRequest)TRIAD__V1__ACK_EVENTS_REQUEST__INIT;
	snprintf(cursor, sizeof cursor, "1-%d", ++n);
	m.cursor = cursor;
	BODY(req, ACK_EVENTS, ack_events, m);
	return &op;
}

/* A webhook of the partner system, made for the request at hand. */
static char *
mk_webhook(void)
{
	REQ(req);
	Triad__V1__CreateWebhookRequest m = TRIAD__V1__CREATE_WEBHOOK_REQUEST__INIT;
	m.url = "https://webhook.invalid/idempotency";
	BODY(&req, CREATE_WEBHOOK, create_webhook, m);
	Triad__V1__Response *r = rpc_ok(&partner, inst, &req);
	char *id = test_strdup(r->webhook_secret->webhook->id);
	rpc_free(r);
	return id;
}

RECIPE(create_webhook)
{
	static Triad__V1__CreateWebhookRequest m;
	static char url[128];
	static int n;
	m = (Triad__V1__CreateWebhookRequest)TRIAD__V1__CREATE_WEBHOOK_REQUEST__INIT;
	snprintf(url, sizeof url, "https://webhook.invalid/idempotency/%d", ++n);
	m.url = url;
	BODY(req, CREATE_WEBHOOK, create_webhook, m);
	return &partner;
}

RECIPE(delete_webhook)
{
	static Triad__V1__DeleteWebhookRequest m;
	static char *id;
	free(id);
	id = mk_webhook();
	m = (Triad__V1__DeleteWebhookRequest)TRIAD__V1__DELETE_WEBHOOK_REQUEST__INIT;
	m.id = id;
	BODY(req, DELETE_WEBHOOK, delete_webhook, m);
	return &partner;
}

RECIPE(rotate_webhook_secret)
{
	static Triad__V1__RotateWebhookSecretRequest m;
	static char *id;
	free(id);
	id = mk_webhook();
	m = (Triad__V1__RotateWebhookSecretRequest)TRIAD__V1__ROTATE_WEBHOOK_SECRET_REQUEST__INIT;
	m.id = id;
	BODY(req, ROTATE_WEBHOOK_SECRET, rotate_webhook_secret, m);
	return &partner;
}

RECIPE(redeliver_webhook)
{
	static Triad__V1__RedeliverWebhookRequest m;
	static char *id;
	free(id);
	id = mk_webhook();
	m = (Triad__V1__RedeliverWebhookRequest)TRIAD__V1__REDELIVER_WEBHOOK_REQUEST__INIT;
	m.webhook_id = id;
	m.failed_since = "2026-01-01T00:00:00Z";
	BODY(req, REDELIVER_WEBHOOK, redeliver_webhook, m);
	return &partner;
}

RECIPE(add_advisory_judgement)
{
	static Triad__V1__AddAdvisoryJudgementRequest m;
	m = (Triad__V1__AddAdvisoryJudgementRequest)TRIAD__V1__ADD_ADVISORY_JUDGEMENT_REQUEST__INIT;
	m.enrollment_id = p_enrollment;
	m.subject = "intervention";
	m.text = unique("The intervention changed how our team plans ");
	BODY(req, ADD_ADVISORY_JUDGEMENT, add_advisory_judgement, m);
	return &hr;
}

/* ---- communities, practice questions, boards ---- */

RECIPE(create_community)
{
	static Triad__V1__CreateCommunityRequest m;
	m = (Triad__V1__CreateCommunityRequest)TRIAD__V1__CREATE_COMMUNITY_REQUEST__INIT;
	m.name = unique("Leergemeenschap ");
	m.theme = "Night shifts";
	m.kind = TRIAD__V1__COMMUNITY_KIND__COMMUNITY_KIND_PROFESSIONAL;
	m.starts_on = "2026-01-01";
	BODY(req, CREATE_COMMUNITY, create_community, m);
	return &op;
}

RECIPE(add_community_member)
{
	static Triad__V1__AddCommunityMemberRequest m;
	static char *person;
	m = (Triad__V1__AddCommunityMemberRequest)TRIAD__V1__ADD_COMMUNITY_MEMBER_REQUEST__INIT;
	free(person);
	person = mk_person("Lid");
	m.community_id = community;
	m.person_id = person;
	m.role = TRIAD__V1__COMMUNITY_ROLE__COMMUNITY_ROLE_GUEST;
	m.affiliation = TRIAD__V1__AFFILIATION__AFFILIATION_PARTNER;
	m.organisation_id = employer;
	BODY(req, ADD_COMMUNITY_MEMBER, add_community_member, m);
	return &op;
}

RECIPE(remove_community_member)
{
	static Triad__V1__RemoveCommunityMemberRequest m;
	REQ(a);
	r_add_community_member(&a, in);
	rpc_free(rpc_ok(&op, inst, &a));
	m = (Triad__V1__RemoveCommunityMemberRequest)TRIAD__V1__REMOVE_COMMUNITY_MEMBER_REQUEST__INIT;
	m.community_id = community;
	m.person_id = a.add_community_member->person_id;
	BODY(req, REMOVE_COMMUNITY_MEMBER, remove_community_member, m);
	return &op;
}

RECIPE(add_community_organisation)
{
	static Triad__V1__AddCommunityOrganisationRequest m;
	static char *org;
	m = (Triad__V1__AddCommunityOrganisationRequest)TRIAD__V1__ADD_COMMUNITY_ORGANISATION_REQUEST__INIT;
	free(org);
	org = make_org(&op, "Zorggroep ", TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_EMPLOYER);
	m.community_id = community;
	m.organisation_id = org;
	BODY(req, ADD_COMMUNITY_ORGANISATION, add_community_organisation, m);
	return &op;
}

RECIPE(create_question)
{
	static Triad__V1__CreateQuestionRequest m;
	m = (Triad__V1__CreateQuestionRequest)TRIAD__V1__CREATE_QUESTION_REQUEST__INIT;
	m.community_id = community;
	m.organisation_id = employer;
	m.title = unique("Hoe roosteren teams? ");
	m.description = "Night shifts and the people who work them";
	BODY(req, CREATE_QUESTION, create_question, m);
	return &op;
}

RECIPE(transition_question)
{
	static Triad__V1__TransitionQuestionRequest m;
	static char *q;
	free(q);
	q = mk_question(TRIAD__V1__QUESTION_STATUS__QUESTION_STATUS_PROPOSED);
	m = (Triad__V1__TransitionQuestionRequest)TRIAD__V1__TRANSITION_QUESTION_REQUEST__INIT;
	m.id = q;
	m.status = TRIAD__V1__QUESTION_STATUS__QUESTION_STATUS_ACCEPTED;
	BODY(req, TRANSITION_QUESTION, transition_question, m);
	return &op;
}

RECIPE(link_question_person)
{
	static Triad__V1__LinkQuestionPersonRequest m;
	static char *q;
	free(q);
	q = mk_question(TRIAD__V1__QUESTION_STATUS__QUESTION_STATUS_ACCEPTED);
	m = (Triad__V1__LinkQuestionPersonRequest)TRIAD__V1__LINK_QUESTION_PERSON_REQUEST__INIT;
	m.question_id = q;
	m.person_id = p_person;
	m.role = TRIAD__V1__QUESTION_ROLE__QUESTION_ROLE_PARTICIPANT;
	m.enrollment_id = p_enrollment;
	m.work = "interventie";
	BODY(req, LINK_QUESTION_PERSON, link_question_person, m);
	return &op;
}

RECIPE(add_product)
{
	static Triad__V1__AddProductRequest m;
	m = (Triad__V1__AddProductRequest)TRIAD__V1__ADD_PRODUCT_REQUEST__INIT;
	m.question_id = question;
	m.kind = TRIAD__V1__PRODUCT_KIND__PRODUCT_KIND_WORKSHOP;
	m.title = unique("Workshop roosteren ");
	m.description = "Teams plan their own shifts";
	m.delivered_on = "2026-05-01";
	BODY(req, ADD_PRODUCT, add_product, m);
	return &op;
}

RECIPE(give_product_feedback)
{
	static Triad__V1__GiveProductFeedbackRequest m;
	m = (Triad__V1__GiveProductFeedbackRequest)TRIAD__V1__GIVE_PRODUCT_FEEDBACK_REQUEST__INIT;
	m.product_id = delivered_product;
	m.feedback = unique("Het advies is ingevoerd in team ");
	BODY(req, GIVE_PRODUCT_FEEDBACK, give_product_feedback, m);
	return &hr;
}

RECIPE(create_board)
{
	static Triad__V1__CreateBoardRequest m;
	m = (Triad__V1__CreateBoardRequest)TRIAD__V1__CREATE_BOARD_REQUEST__INIT;
	m.name = unique("Werkveldcommissie ");
	m.kind = TRIAD__V1__BOARD_KIND__BOARD_KIND_WORK_FIELD;
	m.programme_id = programme;
	BODY(req, CREATE_BOARD, create_board, m);
	return &op;
}

RECIPE(add_board_member)
{
	static Triad__V1__AddBoardMemberRequest m;
	static char *person;
	m = (Triad__V1__AddBoardMemberRequest)TRIAD__V1__ADD_BOARD_MEMBER_REQUEST__INIT;
	free(person);
	person = mk_person("Commissielid");
	m.board_id = board;
	m.person_id = person;
	m.organisation_id = employer;
	m.role = TRIAD__V1__BOARD_ROLE__BOARD_ROLE_MEMBER;
	m.term_starts_on = "2026-01-01";
	BODY(req, ADD_BOARD_MEMBER, add_board_member, m);
	return &op;
}

RECIPE(create_board_meeting)
{
	static Triad__V1__CreateBoardMeetingRequest m;
	m = (Triad__V1__CreateBoardMeetingRequest)TRIAD__V1__CREATE_BOARD_MEETING_REQUEST__INIT;
	m.board_id = board;
	m.held_on = "2026-03-10";
	m.place = unique("Wibauthuis room ");
	m.minutes = "";
	BODY(req, CREATE_BOARD_MEETING, create_board_meeting, m);
	return &op;
}

RECIPE(add_agenda_item)
{
	static Triad__V1__AddAgendaItemRequest m;
	m = (Triad__V1__AddAgendaItemRequest)TRIAD__V1__ADD_AGENDA_ITEM_REQUEST__INIT;
	m.meeting_id = meeting;
	m.title = unique("Curriculum 2027 ");
	m.notes = "The programme's new learning lines";
	BODY(req, ADD_AGENDA_ITEM, add_agenda_item, m);
	return &op;
}

/* ---- events and ambassadors ---- */

RECIPE(create_event)
{
	static Triad__V1__CreateEventRequest m;
	m = (Triad__V1__CreateEventRequest)TRIAD__V1__CREATE_EVENT_REQUEST__INIT;
	m.kind = TRIAD__V1__EVENT_KIND__EVENT_KIND_SYMPOSIUM;
	m.title = unique("Symposium teacher leadership ");
	m.description = "Teachers, alumni and schools share what changed";
	m.programme_id = programme;
	m.starts_at = "2031-03-12T15:00:00Z";
	m.place = "Wibauthuis, Amsterdam";
	m.capacity = 40;
	field_give(&m.base, "capacity");
	BODY(req, CREATE_EVENT, create_event, m);
	return &op;
}

RECIPE(set_event_capacity)
{
	static Triad__V1__SetEventCapacityRequest m;
	static int n;
	m = (Triad__V1__SetEventCapacityRequest)TRIAD__V1__SET_EVENT_CAPACITY_REQUEST__INIT;
	m.id = event;
	m.capacity = 500 + ++n;
	BODY(req, SET_EVENT_CAPACITY, set_event_capacity, m);
	return &op;
}

RECIPE(register_for_event)
{
	static Triad__V1__RegisterForEventRequest m;
	static char *person;
	m = (Triad__V1__RegisterForEventRequest)TRIAD__V1__REGISTER_FOR_EVENT_REQUEST__INIT;
	free(person);
	person = mk_person("Bezoeker");
	m.event_id = event;
	m.person_id = person;
	BODY(req, REGISTER_FOR_EVENT, register_for_event, m);
	return &op;
}

/* A registration made without a key, for the requests about one. */
static char *
mk_registration(const char *ev)
{
	REQ(reg);
	const char *in;
	r_register_for_event(&reg, &in);
	reg.register_for_event->event_id = (char *)ev;
	Triad__V1__Response *r = rpc_ok(&op, inst, &reg);
	char *id = test_strdup(r->registration->id);
	rpc_free(r);
	return id;
}

RECIPE(cancel_registration)
{
	static Triad__V1__CancelRegistrationRequest m;
	static char *registration;
	free(registration);
	registration = mk_registration(event);
	m = (Triad__V1__CancelRegistrationRequest)TRIAD__V1__CANCEL_REGISTRATION_REQUEST__INIT;
	m.id = registration;
	BODY(req, CANCEL_REGISTRATION, cancel_registration, m);
	return &op;
}

RECIPE(record_event_attendance)
{
	static Triad__V1__RecordEventAttendanceRequest m;
	static char *registration, *ev;
	/* Attendance is recorded once the event has begun: registered for
	 * while it was ahead, then moved into the past behind the daemon's back. */
	free(ev);
	ev = mk_event(500, "2031-03-12T15:00:00Z");
	free(registration);
	registration = mk_registration(ev);
	free(owner_sql("UPDATE event SET starts_at = now() - interval '1 hour' WHERE id = $1::uuid",
		       ev, NULL, NULL));
	m = (Triad__V1__RecordEventAttendanceRequest)TRIAD__V1__RECORD_EVENT_ATTENDANCE_REQUEST__INIT;
	m.registration_id = registration;
	m.status = TRIAD__V1__ATTENDANCE_STATUS__ATTENDANCE_STATUS_PRESENT;
	BODY(req, RECORD_EVENT_ATTENDANCE, record_event_attendance, m);
	return &op;
}

RECIPE(suggest_topic)
{
	static Triad__V1__SuggestTopicRequest m;
	m = (Triad__V1__SuggestTopicRequest)TRIAD__V1__SUGGEST_TOPIC_REQUEST__INIT;
	m.event_id = event;
	m.text = unique("Workload and autonomy ");
	BODY(req, SUGGEST_TOPIC, suggest_topic, m);
	return &part;
}

RECIPE(create_ambassador)
{
	static Triad__V1__CreateAmbassadorRequest m;
	static char *person;
	m = (Triad__V1__CreateAmbassadorRequest)TRIAD__V1__CREATE_AMBASSADOR_REQUEST__INIT;
	free(person);
	person = mk_person("Ambassadeur");
	m.person_id = person;
	m.programme_id = programme;
	m.organisation_id = employer;
	m.basis = TRIAD__V1__AMBASSADOR_BASIS__AMBASSADOR_BASIS_EXECUTIVE;
	m.starts_on = "2026-01-01";
	BODY(req, CREATE_AMBASSADOR, create_ambassador, m);
	return &op;
}

RECIPE(end_ambassador)
{
	static Triad__V1__EndAmbassadorRequest m;
	static char *amb;
	free(amb);
	amb = mk_ambassador();
	m = (Triad__V1__EndAmbassadorRequest)TRIAD__V1__END_AMBASSADOR_REQUEST__INIT;
	m.id = amb;
	m.ends_on = "2027-12-31";
	BODY(req, END_AMBASSADOR, end_ambassador, m);
	return &op;
}

RECIPE(record_ambassador_activity)
{
	static Triad__V1__RecordAmbassadorActivityRequest m;
	m = (Triad__V1__RecordAmbassadorActivityRequest)TRIAD__V1__RECORD_AMBASSADOR_ACTIVITY_REQUEST__INIT;
	m.ambassador_id = ambassador;
	m.kind = TRIAD__V1__ACTIVITY_KIND__ACTIVITY_KIND_TALK;
	m.held_on = "2026-02-01";
	m.description = unique("Talk at the directors' meeting ");
	m.reach = 40;
	BODY(req, RECORD_AMBASSADOR_ACTIVITY, record_ambassador_activity, m);
	return &op;
}

/* ---- privacy ---- */

/* A fresh person of the institution, erased from it by the operator. */
RECIPE(erase_person)
{
	static Triad__V1__ErasePersonRequest m;
	static char *person;
	m = (Triad__V1__ErasePersonRequest)TRIAD__V1__ERASE_PERSON_REQUEST__INIT;
	free(person);
	person = mk_person("Vergeten");
	m.person = person;
	BODY(req, ERASE_PERSON, erase_person, m);
	return &op;
}


/* ---- the learning journey ---- */

/* A module of the fixture programme whose one session (in the fixture
 * cohort) was held yesterday, so that its logbook chapter is open. */
static char *
mk_open_module(void)
{
	char *mod = mk_module();
	char *r = mk_run(mod);
	REQ(req);
	Triad__V1__CreateSessionRequest m = TRIAD__V1__CREATE_SESSION_REQUEST__INIT;
	Triad__V1__Session s = TRIAD__V1__SESSION__INIT;
	char at[32];
	time_t t = time(NULL) - 86400;
	strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	s.run_id = r;
	s.starts_at = at;
	s.title = "Laatste moduledag";
	m.session = &s;
	m.record_history = true;
	BODY(&req, CREATE_SESSION, create_session, m);
	rpc_free(rpc_ok(&op, inst, &req));
	free(r);
	return mod;
}

/* The participant saves (and with submit, submits) the chapter of mod. */
static void
write_chapter(const char *mod, bool submit)
{
	REQ(req);
	Triad__V1__SaveChapterRequest m = TRIAD__V1__SAVE_CHAPTER_REQUEST__INIT;
	m.module_id = (char *)mod;
	m.text = "Wat ik leerde over de stad en haar bewoners.";
	BODY(&req, SAVE_CHAPTER, save_chapter, m);
	rpc_free(rpc_ok(&part, inst, &req));
	if (submit) {
		REQ(sub);
		Triad__V1__SubmitChapterRequest sm = TRIAD__V1__SUBMIT_CHAPTER_REQUEST__INIT;
		sm.module_id = (char *)mod;
		BODY(&sub, SUBMIT_CHAPTER, submit_chapter, sm);
		rpc_free(rpc_ok(&part, inst, &sub));
	}
}

RECIPE(set_journey_plan)
{
	static Triad__V1__SetJourneyPlanRequest m;
	static int n;
	m = (Triad__V1__SetJourneyPlanRequest)TRIAD__V1__SET_JOURNEY_PLAN_REQUEST__INIT;
	m.programme_id = j_programme;
	m.development_conversations = ++n % 20;
	field_give(&m.base, "development_conversations");
	BODY(req, SET_JOURNEY_PLAN, set_journey_plan, m);
	return &op;
}

RECIPE(plan_conversation)
{
	static Triad__V1__PlanConversationRequest m;
	static char at[32];
	static int n;
	m = (Triad__V1__PlanConversationRequest)TRIAD__V1__PLAN_CONVERSATION_REQUEST__INIT;
	snprintf(at, sizeof at, "2031-05-%02d 10:00", ++n % 28 + 1);
	m.enrollment_id = p_enrollment;
	m.kind = TRIAD__V1__CONVERSATION_KIND__CONVERSATION_KIND_DEVELOPMENT;
	m.planned_at = at;
	BODY(req, PLAN_CONVERSATION, plan_conversation, m);
	return &assessor;
}

/* A fresh conversation, planned without a key. */
static char *
mk_conversation(void)
{
	REQ(p);
	const char *in;
	r_plan_conversation(&p, &in);
	Triad__V1__Response *r = rpc_ok(&assessor, inst, &p);
	char *id = test_strdup(r->conversation->id);
	rpc_free(r);
	return id;
}

RECIPE(record_conversation)
{
	static Triad__V1__RecordConversationRequest m;
	static char *conv;
	free(conv);
	conv = mk_conversation();
	m = (Triad__V1__RecordConversationRequest)TRIAD__V1__RECORD_CONVERSATION_REQUEST__INIT;
	m.conversation = conv;
	m.notes = unique("Besproken: de leervragen ");
	field_give(&m.base, "notes");
	m.private_note = "Let op werkdruk";
	field_give(&m.base, "private_note");
	BODY(req, RECORD_CONVERSATION, record_conversation, m);
	return &assessor;
}

RECIPE(link_chapter)
{
	static Triad__V1__LinkChapterRequest m;
	static char *conv;
	free(conv);
	conv = mk_conversation();
	m = (Triad__V1__LinkChapterRequest)TRIAD__V1__LINK_CHAPTER_REQUEST__INIT;
	m.conversation = conv;
	m.module_id = j_done_module;
	BODY(req, LINK_CHAPTER, link_chapter, m);
	return &assessor;
}

RECIPE(add_conversation_action)
{
	static Triad__V1__AddConversationActionRequest m;
	m = (Triad__V1__AddConversationActionRequest)TRIAD__V1__ADD_CONVERSATION_ACTION_REQUEST__INIT;
	m.conversation = j_conversation;
	m.description = unique("Lees Termeer over netwerksturing ");
	m.owner = p_person;
	m.due_on = "2031-06-01";
	BODY(req, ADD_CONVERSATION_ACTION, add_conversation_action, m);
	return &assessor;
}

RECIPE(complete_conversation_action)
{
	static Triad__V1__CompleteConversationActionRequest m;
	static char *action;
	REQ(a);
	const char *ain;
	r_add_conversation_action(&a, &ain);
	Triad__V1__Response *r = rpc_ok(&assessor, inst, &a);
	free(action);
	action = test_strdup(r->conversation_action->id);
	rpc_free(r);
	m = (Triad__V1__CompleteConversationActionRequest)
		TRIAD__V1__COMPLETE_CONVERSATION_ACTION_REQUEST__INIT;
	m.action = action;
	BODY(req, COMPLETE_CONVERSATION_ACTION, complete_conversation_action, m);
	return &part;
}

RECIPE(save_chapter)
{
	static Triad__V1__SaveChapterRequest m;
	m = (Triad__V1__SaveChapterRequest)TRIAD__V1__SAVE_CHAPTER_REQUEST__INIT;
	m.module_id = j_open_module;
	m.text = unique("Concept: wat ik leerde ");
	BODY(req, SAVE_CHAPTER, save_chapter, m);
	return &part;
}

RECIPE(submit_chapter)
{
	static Triad__V1__SubmitChapterRequest m;
	static char *mod;
	free(mod);
	mod = mk_open_module();
	write_chapter(mod, false);
	m = (Triad__V1__SubmitChapterRequest)TRIAD__V1__SUBMIT_CHAPTER_REQUEST__INIT;
	m.module_id = mod;
	BODY(req, SUBMIT_CHAPTER, submit_chapter, m);
	return &part;
}

RECIPE(share_chapter)
{
	static Triad__V1__ShareChapterRequest m;
	static int n;
	m = (Triad__V1__ShareChapterRequest)TRIAD__V1__SHARE_CHAPTER_REQUEST__INIT;
	m.module_id = j_done_module;
	m.coach = ++n % 2 ? coach_person : "";
	BODY(req, SHARE_CHAPTER, share_chapter, m);
	return &part;
}

RECIPE(comment_chapter)
{
	static Triad__V1__CommentChapterRequest m;
	m = (Triad__V1__CommentChapterRequest)TRIAD__V1__COMMENT_CHAPTER_REQUEST__INIT;
	m.enrollment_id = p_enrollment;
	m.module_id = j_done_module;
	m.text = unique("Mooi hoe je de drie perspectieven verbindt ");
	BODY(req, COMMENT_CHAPTER, comment_chapter, m);
	return &assessor;
}

/* ---- the internship and intervision ---- */

/* A day of the fixture participant's internship not used before, counted
 * back from today (the placement began 60 days ago). */
static const char *
fresh_day(void)
{
	static char day[11];
	static int back;
	time_t t = time(NULL) - (time_t)(back++) * 86400;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(day, sizeof day, "%Y-%m-%d", &tm);
	return day;
}

/* The fixture participant logs a fresh day (and submits it, and has the
 * host verify it, as far as upto says), without keys; returns the day. */
static const char *
hours_upto(Triad__V1__HoursStatus upto)
{
	static char day[11];
	snprintf(day, sizeof day, "%s", fresh_day());
	REQ(l);
	Triad__V1__LogHoursRequest lm = TRIAD__V1__LOG_HOURS_REQUEST__INIT;
	lm.day = day;
	lm.hours = 7.5;
	lm.description = "Veldwerk in de wijk";
	BODY(&l, LOG_HOURS, log_hours, lm);
	rpc_free(rpc_ok(&part, inst, &l));
	if (upto == TRIAD__V1__HOURS_STATUS__HOURS_STATUS_DRAFT)
		return day;
	REQ(sb);
	Triad__V1__SubmitHoursRequest sm = TRIAD__V1__SUBMIT_HOURS_REQUEST__INIT;
	char *days[1] = {day};
	sm.days = days;
	sm.n_days = 1;
	BODY(&sb, SUBMIT_HOURS, submit_hours, sm);
	rpc_free(rpc_ok(&part, inst, &sb));
	if (upto == TRIAD__V1__HOURS_STATUS__HOURS_STATUS_SUBMITTED)
		return day;
	REQ(v);
	Triad__V1__VerifyHoursRequest vm = TRIAD__V1__VERIFY_HOURS_REQUEST__INIT;
	vm.participant = p_enrollment;
	vm.day = day;
	BODY(&v, VERIFY_HOURS, verify_hours, vm);
	rpc_free(rpc_ok(&host, inst, &v));
	return day;
}

/* A fresh participant placed under a fresh supervisor (who gets an invite). */
RECIPE(create_placement)
{
	static Triad__V1__CreatePlacementRequest m;
	static char *enrollment, starts[11], ends[11];
	char *person = mk_person("Stagiair");
	free(supervisor);
	supervisor = mk_person("Stagebegeleider");
	free(enrollment);
	enrollment = mk_enrollment(person);
	free(person);
	placement_dates(starts, ends);
	m = (Triad__V1__CreatePlacementRequest)TRIAD__V1__CREATE_PLACEMENT_REQUEST__INIT;
	m.enrollment_id = enrollment;
	m.organisation_id = employer;
	m.supervisor = supervisor;
	m.starts_on = starts;
	m.ends_on = ends;
	BODY(req, CREATE_PLACEMENT, create_placement, m);
	return &op;
}

RECIPE(write_placement_plan)
{
	static Triad__V1__WritePlacementPlanRequest m;
	m = (Triad__V1__WritePlacementPlanRequest)TRIAD__V1__WRITE_PLACEMENT_PLAN_REQUEST__INIT;
	m.motivation = unique("Een onbekende organisatie ");
	m.research_question = unique("Hoe werkt de wijkaanpak? ");
	BODY(req, WRITE_PLACEMENT_PLAN, write_placement_plan, m);
	return &part;
}

/* A plan the participant has just written, approved. */
RECIPE(decide_placement_plan)
{
	static Triad__V1__DecidePlacementPlanRequest m;
	REQ(w);
	r_write_placement_plan(&w, in);
	rpc_free(rpc_ok(&part, inst, &w));
	m = (Triad__V1__DecidePlacementPlanRequest)TRIAD__V1__DECIDE_PLACEMENT_PLAN_REQUEST__INIT;
	m.participant = p_enrollment;
	m.approve = true;
	m.note = unique("Een haalbare vraag ");
	BODY(req, DECIDE_PLACEMENT_PLAN, decide_placement_plan, m);
	return &op;
}

RECIPE(set_internship_minimum)
{
	static Triad__V1__SetInternshipMinimumRequest m;
	m = (Triad__V1__SetInternshipMinimumRequest)TRIAD__V1__SET_INTERNSHIP_MINIMUM_REQUEST__INIT;
	m.programme_id = programme;
	m.hours = 100 + ++uniq;
	BODY(req, SET_INTERNSHIP_MINIMUM, set_internship_minimum, m);
	return &op;
}

RECIPE(log_hours)
{
	static Triad__V1__LogHoursRequest m;
	static char day[11];
	snprintf(day, sizeof day, "%s", fresh_day());
	m = (Triad__V1__LogHoursRequest)TRIAD__V1__LOG_HOURS_REQUEST__INIT;
	m.day = day;
	m.hours = 8;
	m.description = "Interviews met beleidsmakers";
	BODY(req, LOG_HOURS, log_hours, m);
	return &part;
}

RECIPE(submit_hours)
{
	static Triad__V1__SubmitHoursRequest m;
	static char day[11], *days[1] = {day};
	snprintf(day, sizeof day, "%s", hours_upto(TRIAD__V1__HOURS_STATUS__HOURS_STATUS_DRAFT));
	m = (Triad__V1__SubmitHoursRequest)TRIAD__V1__SUBMIT_HOURS_REQUEST__INIT;
	m.days = days;
	m.n_days = 1;
	BODY(req, SUBMIT_HOURS, submit_hours, m);
	return &part;
}

RECIPE(verify_hours)
{
	static Triad__V1__VerifyHoursRequest m;
	static char day[11];
	snprintf(day, sizeof day, "%s", hours_upto(TRIAD__V1__HOURS_STATUS__HOURS_STATUS_SUBMITTED));
	m = (Triad__V1__VerifyHoursRequest)TRIAD__V1__VERIFY_HOURS_REQUEST__INIT;
	m.participant = p_enrollment;
	m.day = day;
	BODY(req, VERIFY_HOURS, verify_hours, m);
	return &host;
}

RECIPE(reject_hours)
{
	static Triad__V1__RejectHoursRequest m;
	static char day[11];
	snprintf(day, sizeof day, "%s", hours_upto(TRIAD__V1__HOURS_STATUS__HOURS_STATUS_SUBMITTED));
	m = (Triad__V1__RejectHoursRequest)TRIAD__V1__REJECT_HOURS_REQUEST__INIT;
	m.participant = p_enrollment;
	m.day = day;
	m.reason = "Op deze dag was de afdeling gesloten";
	BODY(req, REJECT_HOURS, reject_hours, m);
	return &host;
}

RECIPE(reopen_hours)
{
	static Triad__V1__ReopenHoursRequest m;
	static char day[11];
	snprintf(day, sizeof day, "%s", hours_upto(TRIAD__V1__HOURS_STATUS__HOURS_STATUS_VERIFIED));
	m = (Triad__V1__ReopenHoursRequest)TRIAD__V1__REOPEN_HOURS_REQUEST__INIT;
	m.participant = p_enrollment;
	m.day = day;
	m.reason = "Getekend voor de verkeerde dag";
	BODY(req, REOPEN_HOURS, reopen_hours, m);
	return &op;
}

/* A fresh reflection in one chunk: submitted at once. */
RECIPE(put_document)
{
	static Triad__V1__PutDocumentRequest m;
	static char text[128], sha[65];
	uint8_t digest[32];
	snprintf(text, sizeof text, "%s", unique("Wat ik leerde buiten mijn comfortzone "));
	SHA256((const uint8_t *)text, strlen(text), digest);
	for (int i = 0; i < 32; i++)
		snprintf(sha + 2 * i, 3, "%02x", digest[i]);
	m = (Triad__V1__PutDocumentRequest)TRIAD__V1__PUT_DOCUMENT_REQUEST__INIT;
	m.kind = TRIAD__V1__DOCUMENT_KIND__DOCUMENT_KIND_REFLECTION;
	m.media_type = "text/plain";
	m.size = (int64_t)strlen(text);
	m.sha256 = sha;
	m.data.data = (uint8_t *)text;
	m.data.len = strlen(text);
	BODY(req, PUT_DOCUMENT, put_document, m);
	return &part;
}

/* A session of the fixture intervision group on a fresh day. */
RECIPE(create_intervision_session)
{
	static Triad__V1__CreateIntervisionSessionRequest m;
	static char when[32];
	static int n;
	snprintf(when, sizeof when, "2031-%02d-%02dT13:00:00Z", 1 + n / 28, 1 + n % 28);
	n++;
	m = (Triad__V1__CreateIntervisionSessionRequest)
		TRIAD__V1__CREATE_INTERVISION_SESSION_REQUEST__INIT;
	m.group = ivgroup;
	m.starts_at = when;
	m.facilitator = facilitator;
	BODY(req, CREATE_INTERVISION_SESSION, create_intervision_session, m);
	return &op;
}

static char *
mk_iv_session(void)
{
	REQ(c);
	const char *in;
	r_create_intervision_session(&c, &in);
	Triad__V1__Response *r = rpc_ok(&op, inst, &c);
	char *id = test_strdup(r->intervision_session->id);
	rpc_free(r);
	return id;
}

RECIPE(bring_case)
{
	static Triad__V1__BringCaseRequest m;
	static char *session;
	free(session);
	session = mk_iv_session();
	m = (Triad__V1__BringCaseRequest)TRIAD__V1__BRING_CASE_REQUEST__INIT;
	m.session = session;
	m.title = "Een wethouder die afhaakt";
	m.text = unique("Hoe houd ik het team bij elkaar? ");
	BODY(req, BRING_CASE, bring_case, m);
	return &part;
}

RECIPE(record_intervision_attendance)
{
	static Triad__V1__RecordIntervisionAttendanceRequest m;
	static char *session;
	free(session);
	session = mk_iv_session();
	m = (Triad__V1__RecordIntervisionAttendanceRequest)
		TRIAD__V1__RECORD_INTERVISION_ATTENDANCE_REQUEST__INIT;
	m.session = session;
	m.participant = p_enrollment;
	m.status = TRIAD__V1__ATTENDANCE_STATUS__ATTENDANCE_STATUS_PRESENT;
	BODY(req, RECORD_INTERVISION_ATTENDANCE, record_intervision_attendance, m);
	return &op;
}

/* ---- certificates ---- */

/* A new participant's enrollment, taken to completed. */
static char *
mk_completed_enrollment(void)
{
	static const Triad__V1__EnrollmentStatus steps[] = {
		TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_INTAKE_PLANNED,
		TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ADMITTED,
		TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ACTIVE,
		TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_COMPLETED,
	};
	char *person = mk_person("Geslaagd");
	char *enrollment = mk_enrollment(person);
	free(person);
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		Triad__V1__Response *r = move_enrollment(&op, inst, enrollment, steps[i]);
		if (r->status->code == CODE(FAILED_PRECONDITION) &&
		    steps[i] == TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_COMPLETED) {
			/* The programme has completion rules by now (exempt_completion's
			 * recipe sets some): the manager exempts, then it completes. */
			rpc_free(r);
			REQ(x);
			Triad__V1__ExemptCompletionRequest em =
				TRIAD__V1__EXEMPT_COMPLETION_REQUEST__INIT;
			em.participant = enrollment;
			em.reason = "Completed elsewhere";
			BODY(&x, EXEMPT_COMPLETION, exempt_completion, em);
			rpc_free(rpc_ok(&manager, inst, &x));
			r = move_enrollment(&op, inst, enrollment, steps[i]);
		}
		expect_status(r, CODE(OK), NULL, NULL);
		rpc_free(r);
	}
	return enrollment;
}

/* Revokes the certificate the completion of enrollment issued, so that
 * another can be issued. */
static void
revoke_completion_certificate(const char *enrollment)
{
	char *id = owner_sql("SELECT id FROM certificate WHERE enrollment_id = $1"
			     " AND revoked_at IS NULL", enrollment, NULL, NULL);
	REQ(rr);
	Triad__V1__RevokeCertificateRequest rm = TRIAD__V1__REVOKE_CERTIFICATE_REQUEST__INIT;
	rm.certificate = id;
	rm.reason = "to issue it again";
	BODY(&rr, REVOKE_CERTIFICATE, revoke_certificate, rm);
	rpc_free(rpc_ok(&op, inst, &rr));
	free(id);
}

RECIPE(issue_certificate)
{
	static Triad__V1__IssueCertificateRequest m;
	static char *enrollment;
	free(enrollment);
	enrollment = mk_completed_enrollment();
	revoke_completion_certificate(enrollment);
	m = (Triad__V1__IssueCertificateRequest)TRIAD__V1__ISSUE_CERTIFICATE_REQUEST__INIT;
	m.participant = enrollment;
	BODY(req, ISSUE_CERTIFICATE, issue_certificate, m);
	return &op;
}

/* The certificate the completion issued. */
RECIPE(revoke_certificate)
{
	static Triad__V1__RevokeCertificateRequest m;
	static char *certificate;
	char *enrollment = mk_completed_enrollment();
	free(certificate);
	certificate = owner_sql("SELECT id FROM certificate WHERE enrollment_id = $1"
				" AND revoked_at IS NULL", enrollment, NULL, NULL);
	free(enrollment);
	m = (Triad__V1__RevokeCertificateRequest)TRIAD__V1__REVOKE_CERTIFICATE_REQUEST__INIT;
	m.certificate = certificate;
	m.reason = "issued to the wrong enrollment";
	BODY(req, REVOKE_CERTIFICATE, revoke_certificate, m);
	return &op;
}

/* The body is empty: another request is the same in another institution. */
RECIPE(rotate_credential_key)
{
	static Triad__V1__RotateCredentialKeyRequest m;
	static char other[64];
	static int calls;
	if (other[0] == '\0')
		make_institution(&op, "idem-keys-", "Keys", other);
	m = (Triad__V1__RotateCredentialKeyRequest)TRIAD__V1__ROTATE_CREDENTIAL_KEY_REQUEST__INIT;
	BODY(req, ROTATE_CREDENTIAL_KEY, rotate_credential_key, m);
	*in = calls++ % 2 == 0 ? inst : other;
	return &op;
}

/* ---- assignments, assessments, completion ---- */

/* A new assignment of the participant's programme that assesses a new
 * outcome, with a version of her work handed in (without keys): its code
 * and the outcome's code into the buffers. */
static void
mk_assessable(char code[32], char outcome_code[32])
{
	REQ(o);
	Triad__V1__CreateLearningOutcomeRequest om = TRIAD__V1__CREATE_LEARNING_OUTCOME_REQUEST__INIT;
	Triad__V1__LearningOutcome lo = TRIAD__V1__LEARNING_OUTCOME__INIT;
	snprintf(outcome_code, 32, "AO%d", ++uniq);
	lo.programme_id = programme;
	lo.code = outcome_code;
	lo.description = "Onderzoekt de eigen praktijk";
	lo.credits = 1;
	om.outcome = &lo;
	BODY(&o, CREATE_LEARNING_OUTCOME, create_learning_outcome, om);
	rpc_free(rpc_ok(&op, inst, &o));

	REQ(a);
	Triad__V1__CreateAssignmentRequest am = TRIAD__V1__CREATE_ASSIGNMENT_REQUEST__INIT;
	char *outcomes[1] = {outcome_code};
	snprintf(code, 32, "AS%d", ++uniq);
	am.programme_id = programme;
	am.code = code;
	am.title = "Paper in de eigen praktijk";
	am.kind = TRIAD__V1__ASSIGNMENT_KIND__ASSIGNMENT_KIND_PAPER;
	am.outcomes = outcomes;
	am.n_outcomes = 1;
	BODY(&a, CREATE_ASSIGNMENT, create_assignment, am);
	rpc_free(rpc_ok(&op, inst, &a));

	REQ(w);
	Triad__V1__SubmitWorkRequest wm = TRIAD__V1__SUBMIT_WORK_REQUEST__INIT;
	wm.assignment = code;
	wm.body = "Mijn paper, versie 1";
	BODY(&w, SUBMIT_WORK, submit_work, wm);
	rpc_free(rpc_ok(&part, inst, &w));
}

RECIPE(set_assessment_policy)
{
	static Triad__V1__SetAssessmentPolicyRequest m;
	m = (Triad__V1__SetAssessmentPolicyRequest)TRIAD__V1__SET_ASSESSMENT_POLICY_REQUEST__INIT;
	m.programme_id = programme;
	m.pass_mark = 5 + ++uniq % 5;
	field_give(&m.base, "pass_mark");
	BODY(req, SET_ASSESSMENT_POLICY, set_assessment_policy, m);
	return &op;
}

RECIPE(set_completion_rules)
{
	static Triad__V1__SetCompletionRulesRequest m;
	m = (Triad__V1__SetCompletionRulesRequest)TRIAD__V1__SET_COMPLETION_RULES_REQUEST__INIT;
	m.programme_id = programme;
	m.min_conversations = 1 + ++uniq % 9;
	field_give(&m.base, "min_conversations");
	BODY(req, SET_COMPLETION_RULES, set_completion_rules, m);
	return &op;
}

RECIPE(create_assignment)
{
	static Triad__V1__CreateAssignmentRequest m;
	static char code[32];
	static char *outcomes[1];
	snprintf(code, sizeof code, "CA%d", ++uniq);
	outcomes[0] = outcome;
	m = (Triad__V1__CreateAssignmentRequest)TRIAD__V1__CREATE_ASSIGNMENT_REQUEST__INIT;
	m.programme_id = programme;
	m.code = code;
	m.title = "Paper 1: het leren van leerlingen";
	m.kind = TRIAD__V1__ASSIGNMENT_KIND__ASSIGNMENT_KIND_PAPER;
	m.context = TRIAD__V1__CONTEXT_LEVEL__CONTEXT_LEVEL_MICRO;
	m.semester = 1;
	m.outcomes = outcomes;
	m.n_outcomes = 1;
	BODY(req, CREATE_ASSIGNMENT, create_assignment, m);
	return &op;
}

RECIPE(tailor_assignment)
{
	static Triad__V1__TailorAssignmentRequest m;
	static char code[32], oc[32];
	mk_assessable(code, oc);
	m = (Triad__V1__TailorAssignmentRequest)TRIAD__V1__TAILOR_ASSIGNMENT_REQUEST__INIT;
	m.assignment = code;
	m.organisation = employer;
	m.question = unique("Hoe leren mijn collega's van elkaar? ");
	BODY(req, TAILOR_ASSIGNMENT, tailor_assignment, m);
	return &part;
}

RECIPE(decide_tailoring)
{
	static Triad__V1__DecideTailoringRequest m;
	REQ(t);
	r_tailor_assignment(&t, in);
	rpc_free(rpc_ok(&part, inst, &t));
	m = (Triad__V1__DecideTailoringRequest)TRIAD__V1__DECIDE_TAILORING_REQUEST__INIT;
	m.assignment = t.tailor_assignment->assignment;
	m.participant = p_enrollment;
	m.approve = true;
	BODY(req, DECIDE_TAILORING, decide_tailoring, m);
	return &op;
}

RECIPE(submit_work)
{
	static Triad__V1__SubmitWorkRequest m;
	static char code[32], oc[32];
	mk_assessable(code, oc);
	m = (Triad__V1__SubmitWorkRequest)TRIAD__V1__SUBMIT_WORK_REQUEST__INIT;
	m.assignment = code;
	m.title = "Tweede versie";
	m.body = unique("Mijn paper, na feedback ");
	BODY(req, SUBMIT_WORK, submit_work, m);
	return &part;
}

/* The outcome the last recorded assessment's result names. */
static char last_outcome[32];

RECIPE(record_assessment)
{
	static Triad__V1__RecordAssessmentRequest m;
	static char code[32], oc[32], result[48];
	static char *results[1] = {result}, *evidence[1] = {"submission"};
	mk_assessable(code, oc);
	snprintf(result, sizeof result, "%s=good", oc);
	snprintf(last_outcome, sizeof last_outcome, "%s", oc);
	m = (Triad__V1__RecordAssessmentRequest)TRIAD__V1__RECORD_ASSESSMENT_REQUEST__INIT;
	m.assignment = code;
	m.participant = p_enrollment;
	m.results = results;
	m.n_results = 1;
	m.feedback = "Een zorgvuldig onderzoek in de eigen praktijk";
	m.evidence = evidence;
	m.n_evidence = 1;
	BODY(req, RECORD_ASSESSMENT, record_assessment, m);
	return &assessor;
}

RECIPE(release_assessment)
{
	static Triad__V1__ReleaseAssessmentRequest m;
	REQ(a);
	r_record_assessment(&a, in);
	rpc_free(rpc_ok(&assessor, inst, &a));
	m = (Triad__V1__ReleaseAssessmentRequest)TRIAD__V1__RELEASE_ASSESSMENT_REQUEST__INIT;
	m.assignment = a.record_assessment->assignment;
	m.participant = p_enrollment;
	BODY(req, RELEASE_ASSESSMENT, release_assessment, m);
	return &assessor;
}

RECIPE(correct_assessment)
{
	static Triad__V1__CorrectAssessmentRequest m;
	static char oc[32];
	REQ(r);
	r_release_assessment(&r, in);
	rpc_free(rpc_ok(&assessor, inst, &r));
	snprintf(oc, sizeof oc, "%s", last_outcome);
	m = (Triad__V1__CorrectAssessmentRequest)TRIAD__V1__CORRECT_ASSESSMENT_REQUEST__INIT;
	m.assignment = r.release_assessment->assignment;
	m.participant = p_enrollment;
	m.outcome = oc;
	m.result = "sufficient";
	m.reason = "Rekenfout in de beoordeling";
	BODY(req, CORRECT_ASSESSMENT, correct_assessment, m);
	return &assessor;
}

/* A fresh enrollment of a programme whose rules it does not meet. */
RECIPE(exempt_completion)
{
	static Triad__V1__ExemptCompletionRequest m;
	static char *enrollment;
	REQ(s);
	Triad__V1__SetCompletionRulesRequest sm = TRIAD__V1__SET_COMPLETION_RULES_REQUEST__INIT;
	sm.programme_id = programme;
	sm.min_conversations = 9;
	field_give(&sm.base, "min_conversations");
	BODY(&s, SET_COMPLETION_RULES, set_completion_rules, sm);
	rpc_free(rpc_ok(&op, inst, &s));
	char *person = mk_person("Vrijgestelde");
	free(enrollment);
	enrollment = mk_enrollment(person);
	free(person);
	m = (Triad__V1__ExemptCompletionRequest)TRIAD__V1__EXEMPT_COMPLETION_REQUEST__INIT;
	m.participant = enrollment;
	m.reason = "Vervangende opdracht met goed resultaat";
	BODY(req, EXEMPT_COMPLETION, exempt_completion, m);
	return &manager;
}

static const Recipe recipes[] = {
	ROW(CREATE_INSTITUTION, create_institution),
	ROW(CREATE_PERSON, create_person),
	ROW(CREATE_ORGANISATION, create_organisation),
	ROW(CREATE_GRANT, create_grant),
	ROW(REVOKE_GRANT, revoke_grant),
	ROW(CREATE_TOKEN, create_token),
	ROW(REVOKE_TOKEN, revoke_token),
	ROW(CREATE_INVITE, create_invite),
	ROW(REVOKE_INVITE, revoke_invite),
	ROW(CREATE_PROGRAMME, create_programme),
	ROW(UPDATE_PROGRAMME, update_programme),
	ROW(DELETE_PROGRAMME, delete_programme),
	ROW(CREATE_LEARNING_LINE, create_learning_line),
	ROW(UPDATE_LEARNING_LINE, update_learning_line),
	ROW(DELETE_LEARNING_LINE, delete_learning_line),
	ROW(CREATE_LEARNING_OUTCOME, create_learning_outcome),
	ROW(UPDATE_LEARNING_OUTCOME, update_learning_outcome),
	ROW(DELETE_LEARNING_OUTCOME, delete_learning_outcome),
	ROW(CREATE_MODULE, create_module),
	ROW(UPDATE_MODULE, update_module),
	ROW(DELETE_MODULE, delete_module),
	ROW(ADD_PREREQUISITE, add_prerequisite),
	ROW(REMOVE_PREREQUISITE, remove_prerequisite),
	ROW(CREATE_COHORT, create_cohort),
	ROW(CREATE_RUN, create_run),
	ROW(CREATE_SESSION, create_session),
	ROW(CREATE_SUBGROUP, create_subgroup),
	ROW(ADD_SUBGROUP_MEMBER, add_subgroup_member),
	ROW(ENROLL, enroll),
	ROW(TRANSITION_ENROLLMENT, transition_enrollment),
	ROW(RECORD_EXEMPTION, record_exemption),
	ROW(RECORD_ATTENDANCE, record_attendance),
	ROW(RESOLVE_BLOCK, resolve_block),
	ROW(COMPLETE_MODULE, complete_module),
	ROW(CLAIM_PRIOR_LEARNING, claim_prior_learning),
	ROW(DECIDE_CLAIM, decide_claim),
	ROW(CREATE_AGREEMENT, create_agreement),
	ROW(END_AGREEMENT, end_agreement),
	ROW(CREATE_RELATION, create_relation),
	ROW(PROPOSE_RELATION, propose_relation),
	ROW(APPROVE_RELATION, approve_relation),
	ROW(END_RELATION, end_relation),
	ROW(REQUEST_FEEDBACK, request_feedback),
	ROW(GIVE_FEEDBACK, give_feedback),
	ROW(EDIT_FEEDBACK, edit_feedback),
	ROW(SET_CONSENT, set_consent),
	ROW(ADD_ADVISORY_JUDGEMENT, add_advisory_judgement),
	ROW(CREATE_COMMUNITY, create_community),
	ROW(ADD_COMMUNITY_MEMBER, add_community_member),
	ROW(REMOVE_COMMUNITY_MEMBER, remove_community_member),
	ROW(ADD_COMMUNITY_ORGANISATION, add_community_organisation),
	ROW(CREATE_QUESTION, create_question),
	ROW(TRANSITION_QUESTION, transition_question),
	ROW(LINK_QUESTION_PERSON, link_question_person),
	ROW(ADD_PRODUCT, add_product),
	ROW(GIVE_PRODUCT_FEEDBACK, give_product_feedback),
	ROW(CREATE_BOARD, create_board),
	ROW(ADD_BOARD_MEMBER, add_board_member),
	ROW(CREATE_BOARD_MEETING, create_board_meeting),
	ROW(ADD_AGENDA_ITEM, add_agenda_item),
	ROW(CREATE_EVENT, create_event),
	ROW(SET_EVENT_CAPACITY, set_event_capacity),
	ROW(REGISTER_FOR_EVENT, register_for_event),
	ROW(CANCEL_REGISTRATION, cancel_registration),
	ROW(RECORD_EVENT_ATTENDANCE, record_event_attendance),
	ROW(SUGGEST_TOPIC, suggest_topic),
	ROW(CREATE_AMBASSADOR, create_ambassador),
	ROW(END_AMBASSADOR, end_ambassador),
	ROW(RECORD_AMBASSADOR_ACTIVITY, record_ambassador_activity),
	ROW(SET_JOURNEY_PLAN, set_journey_plan),
	ROW(PLAN_CONVERSATION, plan_conversation),
	ROW(RECORD_CONVERSATION, record_conversation),
	ROW(LINK_CHAPTER, link_chapter),
	ROW(ADD_CONVERSATION_ACTION, add_conversation_action),
	ROW(COMPLETE_CONVERSATION_ACTION, complete_conversation_action),
	ROW(SAVE_CHAPTER, save_chapter),
	ROW(SUBMIT_CHAPTER, submit_chapter),
	ROW(SHARE_CHAPTER, share_chapter),
	ROW(COMMENT_CHAPTER, comment_chapter),
	ROW(ERASE_PERSON, erase_person),
	ROW(ACK_EVENTS, ack_events),
	ROW(CREATE_WEBHOOK, create_webhook),
	ROW(DELETE_WEBHOOK, delete_webhook),
	ROW(ROTATE_WEBHOOK_SECRET, rotate_webhook_secret),
	ROW(REDELIVER_WEBHOOK, redeliver_webhook),
	ROW(CREATE_PLACEMENT, create_placement),
	ROW(WRITE_PLACEMENT_PLAN, write_placement_plan),
	ROW(DECIDE_PLACEMENT_PLAN, decide_placement_plan),
	ROW(SET_INTERNSHIP_MINIMUM, set_internship_minimum),
	ROW(LOG_HOURS, log_hours),
	ROW(SUBMIT_HOURS, submit_hours),
	ROW(VERIFY_HOURS, verify_hours),
	ROW(REJECT_HOURS, reject_hours),
	ROW(REOPEN_HOURS, reopen_hours),
	ROW(PUT_DOCUMENT, put_document),
	ROW(CREATE_INTERVISION_SESSION, create_intervision_session),
	ROW(BRING_CASE, bring_case),
	ROW(RECORD_INTERVISION_ATTENDANCE, record_intervision_attendance),
	ROW(ISSUE_CERTIFICATE, issue_certificate),
	ROW(REVOKE_CERTIFICATE, revoke_certificate),
	ROW(ROTATE_CREDENTIAL_KEY, rotate_credential_key),
	ROW(SET_ASSESSMENT_POLICY, set_assessment_policy),
	ROW(SET_COMPLETION_RULES, set_completion_rules),
	ROW(CREATE_ASSIGNMENT, create_assignment),
	ROW(TAILOR_ASSIGNMENT, tailor_assignment),
	ROW(DECIDE_TAILORING, decide_tailoring),
	ROW(SUBMIT_WORK, submit_work),
	ROW(RECORD_ASSESSMENT, record_assessment),
	ROW(RELEASE_ASSESSMENT, release_assessment),
	ROW(CORRECT_ASSESSMENT, correct_assessment),
	ROW(EXEMPT_COMPLETION, exempt_completion),
};

static const Recipe *
recipe_for(Triad__V1__Request__BodyCase kind)
{
	for (size_t i = 0; i < sizeof recipes / sizeof recipes[0]; i++) {
		if (recipes[i].kind == kind)
			return &recipes[i];
	}
	return NULL;
}

/* ---- the world ---- */

static int
setup(void **state)
{
	(void)state;
	char token[128];
	triadd_bootstrap(token, sizeof token);
	/* Certificates are signed with keys sealed under a master key. */
	char key[256], extra[320];
	harness_tmp_path(key, sizeof key, "credential.key");
	FILE *f = fopen(key, "w");
	assert_non_null(f);
	fputs("ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(key, 0600), 0);
	snprintf(extra, sizeof extra, "credential_key_file = %s\n", key);
	triadd_start(&d, extra);
	op = sess_open(d.addr, token);
	sess_ids(&op, 1);

	test_unique(inst, sizeof inst, "idem-");
	REQ(req);
	Triad__V1__CreateInstitutionRequest ci = TRIAD__V1__CREATE_INSTITUTION_REQUEST__INIT;
	ci.slug = inst;
	ci.name = "Idempotency";
	BODY(&req, CREATE_INSTITUTION, create_institution, ci);
	rpc_free(rpc_ok(&op, NULL, &req));

	employer = make_org(&op, "Gemeente Utrecht ",
			    TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_EMPLOYER);
	programme = mk_programme();
	upd_programme = mk_programme();
	line = mk_line();
	outcome = mk_outcome();
	module = mk_module();
	{
		REQ(c);
		const char *in;
		r_create_cohort(&c, &in);
		Triad__V1__Response *r = rpc_ok(&op, inst, &c);
		cohort = test_strdup(r->cohort->id);
		rpc_free(r);
	}
	char *run_module = mk_module();
	run = mk_run(run_module);
	free(run_module);

	/* The participant, enrolled with the employer, signed in. */
	p_person = mk_person("Deelnemer Roos");
	p_enrollment = mk_enrollment(p_person);
	char *ptok = invite_and_redeem(&op, d.addr, inst, p_person,
				       TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0, NULL);
	part = sess_open(d.addr, ptok);
	sess_ids(&part, 2);
	free(ptok);

	/* An assessor. */
	char *a_person = mk_person("Assessor");
	char *atok = invite_and_redeem(&op, d.addr, inst, a_person,
				       TRIAD__V1__ROLE__ROLE_PROGRAMME_STAFF,
				       TRIAD__V1__STAFF_TITLE__STAFF_TITLE_ASSESSOR, NULL);
	assessor = sess_open(d.addr, atok);
	sess_ids(&assessor, 3);
	free(a_person);
	free(atok);

	/* A programme manager, who exempts from completion rules. */
	char *m_person = mk_person("Manager");
	char *mtok = invite_and_redeem(&op, d.addr, inst, m_person,
				       TRIAD__V1__ROLE__ROLE_PROGRAMME_STAFF,
				       TRIAD__V1__STAFF_TITLE__STAFF_TITLE_PROGRAMME_MANAGER, NULL);
	manager = sess_open(d.addr, mtok);
	sess_ids(&manager, 7);
	free(m_person);
	free(mtok);

	/* The participant's workplace coach, signed in with the relation's invite. */
	coach_person = mk_person("Coach Jan");
	char *code = NULL;
	relation = mk_relation(p_enrollment, coach_person, &code);
	assert_true(code != NULL && *code != '\0');
	char *ctok = redeem(code);
	coach = sess_open(d.addr, ctok);
	sess_ids(&coach, 4);
	free(code);
	free(ctok);

	/* The employer's contact. */
	char *h_person = mk_person("HR Utrecht");
	char *htok = invite_and_redeem(&op, d.addr, inst, h_person,
				       TRIAD__V1__ROLE__ROLE_EMPLOYER_CONTACT, 0, employer);
	hr = sess_open(d.addr, htok);
	sess_ids(&hr, 5);
	free(h_person);
	free(htok);

	/* A partner system of the institution, for its webhooks. */
	char wname[80];
	char *wtok = make_machine(&op, inst, NULL, "idem-partner", wname);
	partner = sess_open(d.addr, wtok);
	sess_ids(&partner, 31);
	free(wtok);

	/* Communities, a practice question of the employer, a board, an event. */
	{
		REQ(c);
		const char *in;
		r_create_community(&c, &in);
		Triad__V1__Response *r = rpc_ok(&op, inst, &c);
		community = test_strdup(r->community->id);
		rpc_free(r);
		REQ(o);
		r_add_community_organisation(&o, &in);
		o.add_community_organisation->organisation_id = employer;
		rpc_free(rpc_ok(&op, inst, &o));
	}
	free(mk_question(TRIAD__V1__QUESTION_STATUS__QUESTION_STATUS_DELIVERED));
	question = mk_question(TRIAD__V1__QUESTION_STATUS__QUESTION_STATUS_ACCEPTED);
	{
		REQ(c);
		const char *in;
		r_create_board(&c, &in);
		Triad__V1__Response *r = rpc_ok(&op, inst, &c);
		board = test_strdup(r->board->id);
		rpc_free(r);
		REQ(m);
		r_create_board_meeting(&m, &in);
		r = rpc_ok(&op, inst, &m);
		meeting = test_strdup(r->board_meeting->id);
		rpc_free(r);
	}
	event = mk_event(500, "2031-03-12T15:00:00Z");
	ambassador = mk_ambassador();
	/* The journey. */
	j_programme = mk_programme();
	j_open_module = mk_open_module();
	j_done_module = mk_open_module();
	write_chapter(j_done_module, true);
	j_conversation = mk_conversation();

	/* The participant's internship, with a host supervisor signed in by
	 * the placement's invite; an intervision group she is in. */
	{
		REQ(c);
		Triad__V1__CreatePlacementRequest m = TRIAD__V1__CREATE_PLACEMENT_REQUEST__INIT;
		char starts[11], ends[11];
		placement_dates(starts, ends);
		host_person = mk_person("Stagebegeleider Gemeente");
		m.enrollment_id = p_enrollment;
		m.organisation_id = employer;
		m.supervisor = host_person;
		m.starts_on = starts;
		m.ends_on = ends;
		BODY(&c, CREATE_PLACEMENT, create_placement, m);
		Triad__V1__Response *r = rpc_ok(&op, inst, &c);
		char *stok = redeem(r->create_placement->invite_code);
		rpc_free(r);
		host = sess_open(d.addr, stok);
		sess_ids(&host, 30);
		free(stok);

		REQ(g);
		const char *in;
		r_create_subgroup(&g, &in);
		r = rpc_ok(&op, inst, &g);
		ivgroup = test_strdup(r->subgroup->id);
		rpc_free(r);
		REQ(a);
		Triad__V1__AddSubgroupMemberRequest am = TRIAD__V1__ADD_SUBGROUP_MEMBER_REQUEST__INIT;
		am.subgroup_id = ivgroup;
		am.enrollment_id = p_enrollment;
		BODY(&a, ADD_SUBGROUP_MEMBER, add_subgroup_member, am);
		rpc_free(rpc_ok(&op, inst, &a));
		facilitator = mk_person("Trainer Intervisie");
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	sess_close(&part);
	sess_close(&assessor);
	sess_close(&coach);
	sess_close(&hr);
	sess_close(&host);
	sess_close(&partner);
	sess_close(&manager);
	sess_close(&op);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
	char **all[] = {&employer, &programme, &upd_programme, &line, &outcome, &module, &cohort,
			&run, &p_person, &p_enrollment, &coach_person, &relation, &community,
			&question, &delivered_product, &board, &meeting, &event, &ambassador,
			&j_programme, &j_open_module, &j_done_module, &j_conversation,
			&host_person, &supervisor, &ivgroup, &facilitator};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
		free(*all[i]);
		*all[i] = NULL;
	}
	return 0;
}

/* ---- checks ---- */

/* Audit rows written by the request with this id, in institutions and
 * service-wide. */
static long
audit_rows(uint64_t request_id)
{
	char id[24];
	snprintf(id, sizeof id, "%" PRIu64, request_id);
	char *n = owner_sql("SELECT (SELECT count(*) FROM audit_event WHERE request_id = $1::numeric)"
			    "     + (SELECT count(*) FROM service_audit_event"
			    "         WHERE request_id = $1::numeric)",
			    id, NULL, NULL);
	long v = atol(n);
	free(n);
	return v;
}

/* Domain events written by the request with this id (the stream's outbox). */
static long
event_rows(uint64_t request_id)
{
	char id[24];
	snprintf(id, sizeof id, "%" PRIu64, request_id);
	char *n = owner_sql("SELECT count(*) FROM domain_event WHERE request_id = $1::numeric", id,
			    NULL, NULL);
	long v = atol(n);
	free(n);
	return v;
}

/* The packed answer with its id set to id (the rest as it came). */
static uint8_t *
packed(Triad__V1__Response *r, uint64_t id, size_t *len)
{
	uint64_t was = r->id;
	r->id = id;
	*len = triad__v1__response__get_packed_size(r);
	uint8_t *buf = malloc(*len + 1);
	assert_non_null(buf);
	triad__v1__response__pack(r, buf);
	r->id = was;
	return buf;
}

/* Appends a line to the list of failures. */
static void
note(char *fails, size_t size, const char *name, const char *fmt, ...)
{
	size_t n = strlen(fails);
	va_list ap;
	if (n + 1 >= size)
		return;
	snprintf(fails + n, size - n, "  %s: ", name);
	n = strlen(fails);
	va_start(ap, fmt);
	vsnprintf(fails + n, size - n, fmt, ap);
	va_end(ap);
	n = strlen(fails);
	snprintf(fails + n, size - n, "\n");
}

static const char *
or_empty(const char *s)
{
	return s != NULL ? s : "";
}

/* Runs the checks for one request kind; notes what is wrong in fails. */
static void
check_kind(const Route *row, const Recipe *rc, char *fails, size_t size)
{
	const char *name = route_name(row);
	bool secret = (row->flags & ROUTE_SECRET) != 0;
	char key[80];
	snprintf(key, sizeof key, "idem-%s-%d-%d", name, (int)getpid(), ++uniq);

	REQ(req);
	const char *in = inst;
	Sess *s = rc->fill(&req, &in);
	if ((int)req.body_case != (int)row->kind) {
		note(fails, size, name, "its recipe made a request of another kind (%d)",
		     (int)req.body_case);
		return;
	}
	req.idempotency_key = key;

	/* First: done. */
	Triad__V1__Response *r1 = rpc(s, in, &req);
	uint64_t id1 = req.id;
	if (r1->status->code != CODE(OK)) {
		note(fails, size, name, "first request: code %d: %s (field %s)",
		     r1->status->code, r1->status->message, r1->status->field);
		rpc_free(r1);
		return;
	}
	long audit1 = audit_rows(id1);
	long events1 = event_rows(id1);

	/* The same again, with the same key. */
	Triad__V1__Response *r2 = rpc(s, in, &req);
	uint64_t id2 = req.id;
	if (secret) {
		if (r2->status->code != CODE(ALREADY_EXISTS) ||
		    strcmp(or_empty(r2->status->field), "idempotency_key") != 0)
			note(fails, size, name,
			     "repeat of a secret answer: want ALREADY_EXISTS (idempotency_key), "
			     "got code %d: %s (field %s)",
			     r2->status->code, r2->status->message, r2->status->field);
		else if (r2->body_case != TRIAD__V1__RESPONSE__BODY__NOT_SET)
			note(fails, size, name, "the repeat of a secret answer carries a body");
	} else if (r2->status->code != CODE(OK)) {
		note(fails, size, name, "repeat: want OK, got code %d: %s (field %s)",
		     r2->status->code, r2->status->message, r2->status->field);
	} else {
		if (r2->id != id2)
			note(fails, size, name, "repeat answered with id %" PRIu64 ", not %" PRIu64,
			     r2->id, id2);
		size_t n1, n2;
		uint8_t *b1 = packed(r1, 0, &n1), *b2 = packed(r2, 0, &n2);
		if (n1 != n2 || memcmp(b1, b2, n1) != 0)
			note(fails, size, name, "the repeat's answer differs from the first "
			     "(%zu and %zu bytes packed)", n1, n2);
		free(b1);
		free(b2);
	}
	long audit2 = audit_rows(id2);
	if (audit1 < 1)
		note(fails, size, name, "the first request wrote no audit row (request id %" PRIu64
		     ")", id1);
	if (audit2 != 0)
		note(fails, size, name, "the repeat wrote %ld audit row(s): done twice", audit2);
	/* A request flagged ROUTE_EVENT writes its domain events with the change,
	 * and only then; others write none. */
	if ((row->flags & ROUTE_EVENT) && events1 < 1)
		note(fails, size, name, "is flagged ROUTE_EVENT but wrote no domain event "
		     "(request id %" PRIu64 ")", id1);
	if (!(row->flags & ROUTE_EVENT) && events1 != 0)
		note(fails, size, name, "is not flagged ROUTE_EVENT but wrote %ld domain event(s)",
		     events1);
	if (event_rows(id2) != 0)
		note(fails, size, name, "the repeat wrote domain events: done twice");
	rpc_free(r1);
	rpc_free(r2);

	/* Another request with the same key. */
	REQ(other);
	const char *in2 = inst;
	Sess *s2 = rc->fill(&other, &in2);
	other.idempotency_key = key;
	assert_ptr_equal(s2, s);
	Triad__V1__Response *r3 = rpc(s2, in2, &other);
	uint64_t id3 = other.id;
	if (r3->status->code != CODE(FAILED_PRECONDITION) ||
	    strcmp(or_empty(r3->status->field), "idempotency_key") != 0)
		note(fails, size, name,
		     "another request with the same key: want FAILED_PRECONDITION "
		     "(idempotency_key), got code %d: %s (field %s)",
		     r3->status->code, r3->status->message, r3->status->field);
	rpc_free(r3);
	long audit3 = audit_rows(id3);
	if (audit3 != 0)
		note(fails, size, name, "the refused request wrote %ld audit row(s)", audit3);
}

/* A new token of the operator's and a session opened with it. */
static Sess
op_token_session(int n, char **token_id)
{
	REQ(req);
	Triad__V1__CreateTokenRequest m = TRIAD__V1__CREATE_TOKEN_REQUEST__INIT;
	m.label = unique("sign-out ");
	BODY(&req, CREATE_TOKEN, create_token, m);
	Triad__V1__Response *r = rpc_ok(&op, NULL, &req);
	Sess s = sess_open(d.addr, r->create_token->token);
	*token_id = test_strdup(r->create_token->token_info->id);
	rpc_free(r);
	sess_ids(&s, n);
	return s;
}

/* Whether the token with this id has been revoked. */
static bool
token_revoked(const char *id)
{
	char *v = owner_sql("SELECT revoked_at IS NOT NULL FROM api_token WHERE id = $1::uuid", id,
			    NULL, NULL);
	bool revoked = v != NULL && v[0] == 't';
	free(v);
	return revoked;
}

/*
 * SignOut ends the session it is sent on, so its repeat comes on another
 * session of the same principal: it gets the first answer again (the first
 * token, revoked) and revokes nothing more; the same key with another
 * request is refused.
 */
static void
test_sign_out_done_once(void **state)
{
	(void)state;
	char key[80], *first, *second;
	snprintf(key, sizeof key, "idem-sign-out-%d", (int)getpid());
	Sess a = op_token_session(20, &first), b = op_token_session(21, &second);

	REQ(req);
	Triad__V1__SignOutRequest m = TRIAD__V1__SIGN_OUT_REQUEST__INIT;
	BODY(&req, SIGN_OUT, sign_out, m);
	req.idempotency_key = key;
	Triad__V1__Response *r1 = rpc_ok(&a, NULL, &req);
	assert_string_equal(r1->token->id, first);
	assert_string_not_equal(r1->token->revoked_at, "");
	assert_true(tc_closed(a.fd, 5000));
	assert_true(token_revoked(first));
	assert_true(audit_rows(req.id) >= 1);

	Triad__V1__Response *r2 = rpc_ok(&b, NULL, &req);
	size_t n1, n2;
	uint8_t *b1 = packed(r1, 0, &n1), *b2 = packed(r2, 0, &n2);
	assert_true(n1 == n2 && memcmp(b1, b2, n1) == 0);
	free(b1);
	free(b2);
	assert_false(token_revoked(second));
	assert_int_equal(audit_rows(req.id), 0);

	REQ(other);
	Triad__V1__RevokeTokenRequest rt = TRIAD__V1__REVOKE_TOKEN_REQUEST__INIT;
	rt.id = second;
	BODY(&other, REVOKE_TOKEN, revoke_token, rt);
	other.idempotency_key = key;
	Triad__V1__Response *r3 = rpc(&b, NULL, &other);
	expect_status(r3, CODE(FAILED_PRECONDITION), NULL, "idempotency_key");
	assert_false(token_revoked(second));
	rpc_free(r1);
	rpc_free(r2);
	rpc_free(r3);
	sess_close(&a);
	sess_close(&b);
	free(first);
	free(second);
}

/* ---- 1. every request that honours keys, found in the registry ---- */

static void
test_every_write_is_done_once(void **state)
{
	(void)state;
	const ProtobufCMessageDescriptor *rd = &triad__v1__request__descriptor;
	static char fails[32768];
	int covered = 0, idempotent = 0;

	fails[0] = '\0';
	for (unsigned i = 0; i < rd->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &rd->fields[i];
		if (f->label != PROTOBUF_C_LABEL_NONE || !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
			continue;
		const Route *row = registry_find((Triad__V1__Request__BodyCase)f->id);
		if (row == NULL) {
			note(fails, sizeof fails, f->name, "no row in the registry");
			continue;
		}
		if ((row->flags & ROUTE_WRITES) && !(row->flags & ROUTE_IDEMPOTENT) &&
		    !(row->flags & ROUTE_PUBLIC))
			note(fails, sizeof fails, f->name, "writes but does not honour keys");
		if (!(row->flags & ROUTE_IDEMPOTENT))
			continue;
		idempotent++;
		/* It ends the session it is sent on: test_sign_out_done_once. */
		if (row->kind == TRIAD__V1__REQUEST__BODY_SIGN_OUT) {
			covered++;
			continue;
		}
		const Recipe *rc = recipe_for(row->kind);
		if (rc == NULL) {
			note(fails, sizeof fails, route_name(row),
			     "honours idempotency keys but has no recipe in test_idempotency.c");
			continue;
		}
		check_kind(row, rc, fails, sizeof fails);
		covered++;
	}
	print_message("idempotency: %d request kinds honour keys, %d checked\n", idempotent,
		      covered);
	assert_true(idempotent > 0);
	if (fails[0] != '\0')
		fail_msg("requests that are not done once:\n%s", fails);
}

/* ---- 2. a failed request does not use up its key ---- */

static void
test_failed_request_can_be_retried(void **state)
{
	(void)state;
	char key[64];
	snprintf(key, sizeof key, "idem-retry-%d", (int)getpid());
	REQ(req);
	const char *in = inst;
	r_create_person(&req, &in);
	char *name = req.create_person->name;
	req.create_person->name = "";
	req.idempotency_key = key;
	Triad__V1__Response *r = rpc(&op, in, &req);
	expect_status(r, CODE(INVALID_ARGUMENT), NULL, "create_person.name");
	rpc_free(r);
	/* Mended, the same key goes through, and is then held. */
	req.create_person->name = name;
	Triad__V1__Response *r1 = rpc_ok(&op, in, &req);
	uint64_t id1 = req.id;
	assert_true(audit_rows(id1) >= 1);
	Triad__V1__Response *r2 = rpc_ok(&op, in, &req);
	assert_string_equal(r2->person->id, r1->person->id);
	assert_int_equal(audit_rows(req.id), 0);
	rpc_free(r1);
	rpc_free(r2);

	/* Refused by the database, after the key was claimed: the claim goes
	 * with the rolled-back transaction. A fresh enrollment cannot be
	 * completed; the same request again is refused again, not replayed;
	 * the right move with the same key is then done. */
	snprintf(key, sizeof key, "idem-retry-db-%d", (int)getpid());
	REQ(t);
	r_transition_enrollment(&t, &in);
	t.transition_enrollment->status = TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_COMPLETED;
	t.idempotency_key = key;
	r = rpc(&op, inst, &t);
	expect_status(r, CODE(FAILED_PRECONDITION), NULL, NULL);
	assert_int_equal(audit_rows(t.id), 0);
	Triad__V1__Response *again = rpc(&op, inst, &t);
	expect_status(again, CODE(FAILED_PRECONDITION), r->status->message, NULL);
	rpc_free(r);
	rpc_free(again);
	t.transition_enrollment->status =
		TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_INTAKE_PLANNED;
	r1 = rpc_ok(&op, inst, &t);
	assert_true(audit_rows(t.id) >= 1);
	assert_int_equal(r1->enrollment->status,
			 TRIAD__V1__ENROLLMENT_STATUS__ENROLLMENT_STATUS_INTAKE_PLANNED);
	r2 = rpc_ok(&op, inst, &t);
	assert_int_equal(audit_rows(t.id), 0);
	rpc_free(r1);
	rpc_free(r2);
}

/* ---- 3. keys belong to principals ---- */

static void
test_keys_of_two_principals_do_not_collide(void **state)
{
	(void)state;
	char key[64];
	snprintf(key, sizeof key, "idem-shared-%d", (int)getpid());
	/* The participant and the coach send different requests under one key. */
	REQ(a);
	const char *in = inst;
	r_suggest_topic(&a, &in);
	a.idempotency_key = key;
	Triad__V1__Response *ra = rpc_ok(&part, inst, &a);
	REQ(b);
	r_suggest_topic(&b, &in);
	b.idempotency_key = key;
	Triad__V1__Response *rb = rpc_ok(&coach, inst, &b);
	assert_string_not_equal(ra->topic->id, rb->topic->id);
	assert_string_equal(rb->topic->text, b.suggest_topic->text);
	rpc_free(rb);
	/* Even the very same request is the coach's own, done again. */
	r_suggest_topic(&b, &in);
	b.idempotency_key = "idem-same";
	a = b;
	rpc_free(ra);
	ra = rpc_ok(&part, inst, &a);
	rb = rpc_ok(&coach, inst, &b);
	assert_string_not_equal(ra->topic->id, rb->topic->id);
	assert_true(audit_rows(a.id) >= 1);
	assert_true(audit_rows(b.id) >= 1);
	rpc_free(ra);
	rpc_free(rb);
}

/* ---- 4. keys expire ---- */

static void
test_keys_expire(void **state)
{
	(void)state;
	Triadd d2;
	char token[128];
	triadd_bootstrap(token, sizeof token);
	triadd_start(&d2, "idempotency_ttl_s = 60\n");
	Sess s = sess_open(d2.addr, token);
	sess_ids(&s, 6);

	char key[64];
	snprintf(key, sizeof key, "idem-ttl-%d", (int)getpid());
	REQ(req);
	const char *in = inst;
	r_create_session(&req, &in);
	req.idempotency_key = key;
	Triad__V1__Response *r1 = rpc_ok(&s, inst, &req);
	Triad__V1__Response *r2 = rpc_ok(&s, inst, &req);
	assert_string_equal(r2->session->id, r1->session->id);
	assert_int_equal(audit_rows(req.id), 0);
	rpc_free(r2);

	/* Older than the TTL: the key is free, the request done anew. */
	char *n = owner_sql("UPDATE idempotency_key SET created_at = now() - interval '2 minutes'"
			    " WHERE key = $1",
			    key, NULL, NULL);
	assert_string_equal(n, "1");
	free(n);
	Triad__V1__Response *r3 = rpc_ok(&s, inst, &req);
	assert_string_not_equal(r3->session->id, r1->session->id);
	assert_true(audit_rows(req.id) >= 1);
	/* And held again from then on. */
	Triad__V1__Response *r4 = rpc_ok(&s, inst, &req);
	assert_string_equal(r4->session->id, r3->session->id);
	assert_int_equal(audit_rows(req.id), 0);
	rpc_free(r1);
	rpc_free(r3);
	rpc_free(r4);
	sess_close(&s);
	assert_int_equal(triadd_stop(&d2, SIGTERM), 0);
}

/* ---- 5. a repeat sent while the first is still running ---- */

static void
test_concurrent_repeat_waits(void **state)
{
	(void)state;
	char key[64];
	snprintf(key, sizeof key, "idem-race-%d", (int)getpid());
	REQ(req);
	const char *in = inst;
	r_create_session(&req, &in);
	req.idempotency_key = key;
	req.institution = inst;
	/* Both sent before either is answered: the second waits for the
	 * first's key, then gets its answer. */
	uint64_t ids[2];
	for (int i = 0; i < 2; i++) {
		ids[i] = req.id = op.next_id++;
		tc_send(op.fd, &req);
	}
	Triad__V1__Response *r[2];
	for (int i = 0; i < 2; i++) {
		r[i] = tc_recv(op.fd, 10000, NULL);
		assert_non_null(r[i]);
		expect_status(r[i], CODE(OK), NULL, NULL);
	}
	assert_string_equal(r[0]->session->id, r[1]->session->id);
	assert_int_equal(audit_rows(ids[0]) + audit_rows(ids[1]), 1);
	rpc_free(r[0]);
	rpc_free(r[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_write_is_done_once),
		cmocka_unit_test(test_sign_out_done_once),
		cmocka_unit_test(test_failed_request_can_be_retried),
		cmocka_unit_test(test_keys_of_two_principals_do_not_collide),
		cmocka_unit_test(test_keys_expire),
		cmocka_unit_test(test_concurrent_repeat_waits),
	};
	return harness_run_group_tests(tests, setup, teardown);
}

/*
 * auth.c: the access table, secrets, and the limiter for failed sign-ins.
 */
#include "auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

Principal *
principal_new(void)
{
	Principal *p = calloc(1, sizeof *p);
	if (p != NULL)
		p->refs = 1;
	return p;
}

Principal *
principal_ref(Principal *p)
{
	if (p != NULL)
		p->refs++;
	return p;
}

void
principal_unref(Principal *p)
{
	if (p == NULL || --p->refs > 0)
		return;
	free(p->grants);
	free(p);
}

/* ---- the access table ---- */

typedef enum Scope {
	SCOPE_PUBLIC,   /* before a session: the request itself proves who asks */
	SCOPE_SESSION,  /* anyone with a session; acts on their own things */
	SCOPE_SHARED,   /* shared data: operators, or a listed role anywhere */
	SCOPE_SERVICE,  /* the service itself: operators only */
	SCOPE_TENANT,   /* one institution: operators, or a listed role in it */
} Scope;

#define R(role) (1u << TRIAD__V1__ROLE__ROLE_##role)
#define OP R(OPERATOR)
#define ADMIN R(INSTITUTION_ADMIN)
#define STAFF R(PROGRAMME_STAFF)
/* Programme staff with the title assessor, on top of their role. */
#define ASSESSOR (1u << 16)
/* Programme staff who run a programme: its dean, who is ultimately
 * responsible for it, and its programme manager, the participants' point of
 * contact; both hold the intake conversations (seed 004). On top of their
 * role. */
#define MANAGER (1u << 17)
#define PARTICIPANT R(PARTICIPANT)
#define COACH R(WORKPLACE_COACH)
#define PARTNER R(PARTNER_INTEGRATION)
#define ANYONE (R(INSTITUTION_ADMIN) | R(PROGRAMME_STAFF) | R(PARTICIPANT) | \
		R(WORKPLACE_COACH) | R(EMPLOYER_CONTACT) | R(PARTNER_INTEGRATION))

typedef struct Policy {
	const char *name;     /* for the published table: "catalogue_read" */
	Scope scope;
	uint32_t roles;       /* for SHARED and TENANT */
	const char *phrase;   /* "you may not <phrase>" */
} Policy;

static const Policy policies[VERB_COUNT_] = {
	[VERB_HELLO] = {"hello", SCOPE_PUBLIC, 0, "open a session"},
	[VERB_REDEEM_INVITE] = {"redeem_invite", SCOPE_PUBLIC, 0, "redeem invites"},
	[VERB_PING] = {"ping", SCOPE_SESSION, 0, "ping"},
	[VERB_WHO_AM_I] = {"who_am_i", SCOPE_SESSION, 0, "ask who you are"},
	[VERB_CREATE_INSTITUTION] = {"create_institution", SCOPE_SERVICE, 0, "create institutions"},
	[VERB_GET_INSTITUTION] = {"get_institution", SCOPE_TENANT, OP | ANYONE, "see this institution"},
	[VERB_LIST_INSTITUTIONS] = {"list_institutions", SCOPE_SESSION, 0, "list institutions"},
	[VERB_CREATE_PERSON] = {"create_person", SCOPE_TENANT, OP | ADMIN | MANAGER, "add persons"},
	[VERB_GET_PERSON] = {"get_person", SCOPE_TENANT, OP | ADMIN | STAFF, "see persons"},
	[VERB_LIST_PERSONS] = {"list_persons", SCOPE_TENANT, OP | ADMIN | STAFF, "list persons"},
	[VERB_CREATE_ORGANISATION] = {"create_organisation", SCOPE_SHARED, OP | ADMIN, "create organisations"},
	[VERB_GET_ORGANISATION] = {"get_organisation", SCOPE_SHARED, OP | ANYONE, "see organisations"},
	[VERB_LIST_ORGANISATIONS] = {"list_organisations", SCOPE_SHARED, OP | ANYONE, "list organisations"},
	[VERB_CREATE_GRANT] = {"create_grant", SCOPE_TENANT, OP | ADMIN, "grant roles"},
	[VERB_LIST_GRANTS] = {"list_grants", SCOPE_TENANT, OP | ADMIN, "list grants"},
	[VERB_REVOKE_GRANT] = {"revoke_grant", SCOPE_TENANT, OP | ADMIN, "revoke grants"},
	[VERB_CREATE_TOKEN] = {"create_token", SCOPE_SESSION, 0, "create tokens"},
	[VERB_CREATE_MACHINE] = {"create_machine", SCOPE_TENANT, OP | ADMIN, "create partner systems"},
	[VERB_LIST_TOKENS] = {"list_tokens", SCOPE_SESSION, 0, "list tokens"},
	[VERB_REVOKE_TOKEN] = {"revoke_token", SCOPE_SESSION, 0, "revoke tokens"},
	[VERB_CREATE_INVITE] = {"create_invite", SCOPE_TENANT, OP | ADMIN | MANAGER, "invite persons"},
	[VERB_INVITE_STAFF] = {"invite_staff", SCOPE_TENANT, OP | ADMIN,
			       "invite institution admins, programme staff or partner systems"},
	[VERB_LIST_INVITES] = {"list_invites", SCOPE_TENANT, OP | ADMIN, "list invites"},
	[VERB_REVOKE_INVITE] = {"revoke_invite", SCOPE_TENANT, OP | ADMIN, "revoke invites"},
	[VERB_LIST_AUDIT] = {"list_audit", SCOPE_TENANT, OP | ADMIN, "read the audit trail"},
	[VERB_LIST_SERVICE_AUDIT] = {"list_service_audit", SCOPE_SERVICE, 0, "read the service's audit trail"},
	[VERB_CATALOGUE_READ] = {"catalogue_read", SCOPE_TENANT, OP | ANYONE, "read the catalogue"},
	[VERB_CATALOGUE_WRITE] = {"catalogue_write", SCOPE_TENANT, OP | ADMIN | STAFF, "change the catalogue"},
	[VERB_COHORT_READ] = {"cohort_read", SCOPE_TENANT, OP | ADMIN | STAFF | PARTICIPANT | COACH | PARTNER,
			      "see cohorts and runs"},
	[VERB_COHORT_WRITE] = {"cohort_write", SCOPE_TENANT, OP | ADMIN | STAFF, "plan cohorts and runs"},
	[VERB_ENROLL] = {"enroll", SCOPE_TENANT, OP | ADMIN | STAFF | PARTNER, "enroll participants"},
	/* Participants too: the views show them their own and no one else's. */
	[VERB_ENROLLMENT_READ] = {"enrollment_read", SCOPE_TENANT, OP | ADMIN | STAFF | PARTICIPANT,
				  "see enrollments"},
	[VERB_ENROLLMENT_WRITE] = {"enrollment_write", SCOPE_TENANT, OP | ADMIN | STAFF, "change enrollments"},
	[VERB_CLAIM_CREATE] = {"claim_create", SCOPE_TENANT, PARTICIPANT, "claim prior learning"},
	[VERB_CLAIM_DECIDE] = {"claim_decide", SCOPE_TENANT, ASSESSOR, "decide on prior learning (assessors only)"},
	[VERB_PROGRESS_READ] = {"progress_read", SCOPE_TENANT, OP | ADMIN | STAFF | PARTICIPANT, "see progress"},
	[VERB_PARTNER_READ] = {"partner_read", SCOPE_TENANT, OP | ADMIN | STAFF, "see partners and agreements"},
	[VERB_PARTNER_WRITE] = {"partner_write", SCOPE_TENANT, OP | ADMIN | STAFF, "record agreements"},
	[VERB_RELATION_READ] = {"relation_read", SCOPE_TENANT, OP | ADMIN | STAFF | PARTICIPANT | COACH,
				"see coaching relations"},
	[VERB_RELATION_WRITE] = {"relation_write", SCOPE_TENANT, OP | ADMIN | STAFF, "manage coaching relations"},
	[VERB_RELATION_PROPOSE] = {"relation_propose", SCOPE_TENANT, PARTICIPANT, "propose a coach"},
	[VERB_COACHEES] = {"coachees", SCOPE_SESSION, 0, "list coachees"},
	[VERB_FEEDBACK_REQUEST] = {"feedback_request", SCOPE_TENANT, PARTICIPANT, "ask for feedback"},
	[VERB_FEEDBACK_GIVE] = {"feedback_give", SCOPE_TENANT, ADMIN | STAFF | COACH, "give feedback"},
	[VERB_FEEDBACK_READ] = {"feedback_read", SCOPE_TENANT, OP | ADMIN | STAFF | PARTICIPANT | COACH,
				"read feedback"},
	[VERB_CONSENT_SET] = {"consent_set", SCOPE_TENANT, PARTICIPANT, "give consent"},
	[VERB_EMPLOYER_VIEW] = {"employer_view", SCOPE_TENANT, R(EMPLOYER_CONTACT) | PARTNER,
				"see an employer's participants"},
	[VERB_JUDGEMENT_ADD] = {"judgement_add", SCOPE_TENANT, R(EMPLOYER_CONTACT), "add an advisory judgement"},
	/* Communities: who sees which community is the database's to say. */
	[VERB_COMMUNITY_READ] = {"community_read", SCOPE_TENANT, OP | ANYONE, "see communities"},
	[VERB_COMMUNITY_WRITE] = {"community_write", SCOPE_TENANT, OP | ADMIN | STAFF, "manage communities"},
	[VERB_QUESTION_READ] = {"question_read", SCOPE_TENANT, OP | ANYONE, "see practice questions"},
	[VERB_QUESTION_CREATE] = {"question_create", SCOPE_TENANT, OP | ADMIN | STAFF | R(EMPLOYER_CONTACT) | PARTNER,
				  "write practice questions"},
	[VERB_QUESTION_WRITE] = {"question_write", SCOPE_TENANT, OP | ADMIN | STAFF, "manage practice questions"},
	[VERB_PRODUCT_FEEDBACK] = {"product_feedback", SCOPE_TENANT, R(EMPLOYER_CONTACT) | PARTNER,
				   "give an organisation's feedback on products"},
	[VERB_BOARD_READ] = {"board_read", SCOPE_TENANT, OP | ANYONE, "see advisory boards"},
	[VERB_BOARD_WRITE] = {"board_write", SCOPE_TENANT, OP | ADMIN | STAFF, "manage advisory boards"},
	[VERB_EVENT_READ] = {"event_read", SCOPE_TENANT, OP | ANYONE, "see events"},
	[VERB_EVENT_WRITE] = {"event_write", SCOPE_TENANT, OP | ADMIN | STAFF, "plan events"},
	[VERB_EVENT_REGISTER] = {"event_register", SCOPE_TENANT, OP | ANYONE, "register for events"},
	[VERB_TOPIC_SUGGEST] = {"topic_suggest", SCOPE_TENANT, ANYONE, "suggest topics"},
	[VERB_ALUMNI_READ] = {"alumni_read", SCOPE_TENANT, OP | ANYONE, "see alumni"},
	[VERB_AMBASSADOR_READ] = {"ambassador_read", SCOPE_TENANT, OP | ADMIN | STAFF, "see ambassadors"},
	[VERB_AMBASSADOR_WRITE] = {"ambassador_write", SCOPE_TENANT, OP | ADMIN | STAFF, "manage ambassadors"},
	[VERB_EMAIL_SIGNIN] = {"email_signin", SCOPE_PUBLIC, 0, "sign in by e-mail"},
	/* Staff read their institution's outbox; which codes they see in it is
	 * the database's to say (notification_v). */
	[VERB_NOTIFICATION_READ] = {"notification_read", SCOPE_TENANT, OP | ADMIN | STAFF,
				    "read the notification outbox"},
	[VERB_SERVICE_NOTIFICATION_READ] = {"service_notification_read", SCOPE_SERVICE, 0,
					    "read the service's notification outbox"},
	/* Privacy: a person exports her own data, whatever her roles; erasing
	 * is the institution admin's in her institution and the operator's in
	 * the service. */
	[VERB_EXPORT_OWN_DATA] = {"export_own_data", SCOPE_SESSION, 0, "export your data"},
	[VERB_PERSON_ERASE] = {"person_erase", SCOPE_TENANT, OP | ADMIN, "erase persons"},
	[VERB_PERSON_ERASE_SERVICE] = {"person_erase_service", SCOPE_SERVICE, 0,
				       "erase persons from the whole service"},
	[VERB_ME] = {"me", SCOPE_SESSION, 0, "see your own"},
	/* Who sees whom is the database's (person_v). */
	[VERB_PERSON_FIND] = {"person_find", SCOPE_TENANT, OP | ANYONE, "find persons"},
	[VERB_CONSENT_READ] = {"consent_read", SCOPE_TENANT,
			       OP | ADMIN | STAFF | PARTICIPANT | R(EMPLOYER_CONTACT) | PARTNER,
			       "see consents"},
	/* Written for the programme's assessors; the participant and the
	 * organisation that wrote it read it too. */
	[VERB_JUDGEMENT_READ] = {"judgement_read", SCOPE_TENANT,
				 OP | ADMIN | ASSESSOR | PARTICIPANT | R(EMPLOYER_CONTACT) | PARTNER,
				 "read advisory judgements"},
	/* Which events each of them sees is the database's (triad_stream_visible()). */
	[VERB_EVENT_STREAM] = {"event_stream", SCOPE_TENANT,
			       OP | ADMIN | STAFF | R(EMPLOYER_CONTACT) | PARTNER,
			       "read the event stream"},
	/* The learning journey: which conversation, chapter or timeline entry
	 * a caller sees is the database's to say (journey.sql). */
	[VERB_CONVERSATION_READ] = {"conversation_read", SCOPE_TENANT,
				    OP | ADMIN | STAFF | PARTICIPANT | COACH, "see conversations"},
	[VERB_CONVERSATION_WRITE] = {"conversation_write", SCOPE_TENANT, OP | ADMIN | STAFF,
				     "plan and record conversations"},
	[VERB_ACTION_COMPLETE] = {"action_complete", SCOPE_TENANT,
				  OP | ADMIN | STAFF | PARTICIPANT | COACH, "complete agreed actions"},
	[VERB_LOGBOOK_READ] = {"logbook_read", SCOPE_TENANT, OP | ADMIN | STAFF | PARTICIPANT | COACH,
			       "read logbooks"},
	[VERB_LOGBOOK_WRITE] = {"logbook_write", SCOPE_TENANT, PARTICIPANT, "write a logbook"},
	[VERB_LOGBOOK_COMMENT] = {"logbook_comment", SCOPE_TENANT, ADMIN | STAFF | COACH,
				  "comment on logbook chapters"},
	[VERB_TIMELINE_READ] = {"timeline_read", SCOPE_TENANT,
				OP | ADMIN | STAFF | PARTICIPANT | COACH | R(EMPLOYER_CONTACT),
				"see a participant's timeline"},
	/* The internship: host supervisors hold the workplace-coach role (they
	 * are onboarded as coaches are); which placement is whose is the
	 * database's to say (placement_v, hours_v). */
	[VERB_INTERNSHIP_READ] = {"internship_read", SCOPE_TENANT, OP | ADMIN | STAFF | PARTICIPANT | COACH,
				  "see internships"},
	[VERB_INTERNSHIP_WRITE] = {"internship_write", SCOPE_TENANT, OP | ADMIN | STAFF,
				   "manage internships"},
	[VERB_INTERNSHIP_OWN] = {"internship_own", SCOPE_TENANT, PARTICIPANT,
				 "write an internship's plan, hours or documents (participants only)"},
	[VERB_HOURS_DECIDE] = {"hours_decide", SCOPE_TENANT, COACH,
			       "verify or reject internship hours (host supervisors only)"},
	[VERB_HOURS_REOPEN] = {"hours_reopen", SCOPE_TENANT, OP | ADMIN | STAFF,
			       "reopen verified internship hours (staff only)"},
	[VERB_DOCUMENT_READ] = {"document_read", SCOPE_TENANT, OP | ADMIN | STAFF | PARTICIPANT,
				"read internship documents"},
	/* Who sees which session and case is the database's (intervision_*_v). */
	[VERB_INTERVISION_READ] = {"intervision_read", SCOPE_TENANT, OP | ADMIN | STAFF | PARTICIPANT,
				   "see intervision"},
	[VERB_INTERVISION_WRITE] = {"intervision_write", SCOPE_TENANT, OP | ADMIN | STAFF,
				    "plan intervision sessions"},
	[VERB_INTERVISION_CASE] = {"intervision_case", SCOPE_TENANT, PARTICIPANT, "bring a case"},
	/* Staff get the whole report; an employer contact or an organisation's
	 * partner system only its organisation's figures (report.sql). */
	[VERB_REPORT_RETURN] = {"report_return", SCOPE_TENANT,
				OP | ADMIN | STAFF | R(EMPLOYER_CONTACT) | PARTNER,
				"see a programme's return"},
	/* Webhooks: a partner system manages its own, an institution admin all of
	 * the institution's (webhook_v); what each is sent is its owner's view. */
	[VERB_WEBHOOK] = {"webhook", SCOPE_TENANT, ADMIN | PARTNER, "manage webhooks"},
	/* Certificates (svc_certificate.c): which certificate a participant
	 * sees is the database's to say (certificate_v: her own). */
	[VERB_CERTIFICATE_ISSUE] = {"certificate_issue", SCOPE_TENANT, OP | ADMIN | MANAGER,
				    "issue certificates"},
	[VERB_CERTIFICATE_READ] = {"certificate_read", SCOPE_TENANT, OP | ADMIN | STAFF | PARTICIPANT,
				   "see certificates"},
	[VERB_CERTIFICATE_REVOKE] = {"certificate_revoke", SCOPE_TENANT, OP | ADMIN | MANAGER,
				     "revoke certificates"},
	[VERB_CREDENTIAL_KEY_ROTATE] = {"credential_key_rotate", SCOPE_TENANT, OP | ADMIN,
					"rotate the institution's signing key"},
	[VERB_CREDENTIAL_KEY_READ] = {"credential_key_read", SCOPE_TENANT, OP | ADMIN | STAFF,
				      "list the institution's signing keys"},
	/* Assessment (seed 002): assessors alone grade. Coaches, host
	 * supervisors, employer contacts, partner systems, participants and
	 * even operators never record a result. Which instance, submission or
	 * assessment a caller sees is the database's (assessment.sql). */
	[VERB_ASSIGNMENT_READ] = {"assignment_read", SCOPE_TENANT, OP | ADMIN | STAFF | PARTICIPANT | COACH,
				  "see assignments"},
	[VERB_ASSIGNMENT_WRITE] = {"assignment_write", SCOPE_TENANT, OP | ADMIN | STAFF,
				   "set up assignments, assessment policies and completion rules"},
	[VERB_ASSIGNMENT_OWN] = {"assignment_own", SCOPE_TENANT, PARTICIPANT,
				 "tailor or submit work (participants only)"},
	[VERB_SUBMISSION_READ] = {"submission_read", SCOPE_TENANT, OP | ADMIN | STAFF | PARTICIPANT,
				  "see submitted work"},
	[VERB_ASSESSMENT_RECORD] = {"assessment_record", SCOPE_TENANT, ASSESSOR,
				    "record, release or correct assessments (assessors only)"},
	[VERB_ASSESSMENT_READ] = {"assessment_read", SCOPE_TENANT, OP | ADMIN | STAFF | PARTICIPANT,
				  "see assessments"},
	[VERB_COMPLETION_READ] = {"completion_read", SCOPE_TENANT, OP | ADMIN | STAFF | PARTICIPANT,
				  "check completion or read transcripts"},
	[VERB_COMPLETION_EXEMPT] = {"completion_exempt", SCOPE_TENANT, MANAGER,
				    "exempt an enrollment from its completion rules"},
};

const char *
auth_verb_phrase(Verb verb)
{
	return verb < VERB_COUNT_ && policies[verb].phrase != NULL ? policies[verb].phrase
								   : "do this";
}

/* Who may, for the refusals where the roles alone would leave people
 * guessing: "...: <who> may". */
static const char *const who_may[VERB_COUNT_] = {
	[VERB_CREATE_PERSON] = "institution admins, deans and programme managers",
	[VERB_CREATE_INVITE] = "institution admins, deans and programme managers",
	[VERB_INVITE_STAFF] = "only institution admins",
	[VERB_CERTIFICATE_ISSUE] = "institution admins, deans and programme managers",
	[VERB_CERTIFICATE_REVOKE] = "institution admins, deans and programme managers",
	[VERB_CREDENTIAL_KEY_ROTATE] = "only institution admins",
	[VERB_ASSESSMENT_RECORD] = "only programme staff with the title assessor",
	[VERB_COMPLETION_EXEMPT] = "only the programme's dean or programme manager",
};

const char *
auth_verb_who(Verb verb)
{
	return verb < VERB_COUNT_ ? who_may[verb] : NULL;
}

bool
auth_verb_known(Verb verb)
{
	return verb < VERB_COUNT_ && policies[verb].name != NULL;
}

const char *
auth_verb_name(Verb verb)
{
	return auth_verb_known(verb) ? policies[verb].name : "?";
}

static const struct {
	uint32_t bit;
	const char *name;
} role_bits[] = {
	{OP, "operator"},
	{ADMIN, "institution_admin"},
	{STAFF, "programme_staff"},
	{ASSESSOR, "assessor"},
	{MANAGER, "programme_manager"},
	{PARTICIPANT, "participant"},
	{COACH, "workplace_coach"},
	{R(EMPLOYER_CONTACT), "employer_contact"},
	{PARTNER, "partner_integration"},
};

const char *
auth_verb_scope(Verb verb)
{
	static const char *const names[] = {
		[SCOPE_PUBLIC] = "public",
		[SCOPE_SESSION] = "session",
		[SCOPE_SHARED] = "shared",
		[SCOPE_SERVICE] = "service",
		[SCOPE_TENANT] = "institution",
	};
	return auth_verb_known(verb) ? names[policies[verb].scope] : "?";
}

size_t
auth_verb_roles(Verb verb, const char **names, size_t max)
{
	size_t n = 0;
	if (!auth_verb_known(verb))
		return 0;
	const Policy *pol = &policies[verb];
	if (pol->scope == SCOPE_SERVICE)
		return max > 0 ? (names[0] = "operator", 1) : 0;
	if (pol->scope == SCOPE_PUBLIC || pol->scope == SCOPE_SESSION)
		return 0;
	for (size_t i = 0; i < sizeof role_bits / sizeof role_bits[0] && n < max; i++) {
		if (pol->roles & role_bits[i].bit)
			names[n++] = role_bits[i].name;
	}
	return n;
}

/* Slugs are lower case and named in any case; ids in canonical form. */
static bool
grant_in(const SessionGrant *g, const char *institution)
{
	return strcasecmp(g->institution_id, institution) == 0 ||
	       strcasecmp(g->slug, institution) == 0;
}

/* The role bits a grant gives. */
static uint32_t
grant_bits(const SessionGrant *g)
{
	uint32_t bits = 1u << g->role;
	if (g->role == TRIAD__V1__ROLE__ROLE_PROGRAMME_STAFF &&
	    g->title == TRIAD__V1__STAFF_TITLE__STAFF_TITLE_ASSESSOR)
		bits |= ASSESSOR;
	if (g->role == TRIAD__V1__ROLE__ROLE_PROGRAMME_STAFF &&
	    (g->title == TRIAD__V1__STAFF_TITLE__STAFF_TITLE_DEAN ||
	     g->title == TRIAD__V1__STAFF_TITLE__STAFF_TITLE_PROGRAMME_MANAGER))
		bits |= MANAGER;
	return bits;
}

bool
auth_is_staff(const Principal *p, const char *tenant)
{
	if (p == NULL)
		return false;
	if (p->operator)
		return true;
	for (int i = 0; tenant != NULL && i < p->ngrants; i++) {
		if (grant_in(&p->grants[i], tenant) && (grant_bits(&p->grants[i]) & (ADMIN | STAFF)))
			return true;
	}
	return false;
}

int
auth_grant_count(const Principal *p, const char *tenant)
{
	int n = 0;
	if (p == NULL || p->operator)
		return -1;
	for (int i = 0; tenant != NULL && i < p->ngrants; i++)
		n += grant_in(&p->grants[i], tenant);
	return n;
}

const char *
auth_organisation(const Principal *p, const char *tenant)
{
	for (int i = 0; p != NULL && tenant != NULL && i < p->ngrants; i++) {
		const SessionGrant *g = &p->grants[i];
		if (grant_in(g, tenant) && g->organisation_id[0] != '\0' &&
		    (g->role == TRIAD__V1__ROLE__ROLE_EMPLOYER_CONTACT ||
		     g->role == TRIAD__V1__ROLE__ROLE_PARTNER_INTEGRATION))
			return g->organisation_id;
	}
	return "";
}

AuthResult
auth_decide(const Principal *p, Verb verb, const char *institution, const char **tenant)
{
	*tenant = NULL;
	if (!auth_verb_known(verb))
		return AUTH_DENY;
	const Policy *pol = &policies[verb];
	if (pol->scope == SCOPE_PUBLIC)
		return AUTH_ALLOW;
	if (p == NULL)
		return AUTH_DENY;
	if (institution == NULL)
		institution = "";

	switch (pol->scope) {
	case SCOPE_PUBLIC:
	case SCOPE_SESSION:
		return AUTH_ALLOW;
	case SCOPE_SERVICE:
		return p->operator ? AUTH_ALLOW : AUTH_DENY;
	case SCOPE_SHARED:
		if (p->operator && (pol->roles & OP))
			return AUTH_ALLOW;
		for (int i = 0; i < p->ngrants; i++) {
			if (pol->roles & grant_bits(&p->grants[i]))
				return AUTH_ALLOW;
		}
		return AUTH_DENY;
	case SCOPE_TENANT:
		break;
	}

	if (p->operator) {
		if (!(pol->roles & OP))
			return AUTH_DENY;
		if (*institution == '\0')
			return AUTH_NEED_INSTITUTION;
		*tenant = institution;
		return AUTH_ALLOW;
	}
	/* Without a name, a caller whose grants are all in one place means it. */
	if (*institution == '\0') {
		if (p->ngrants == 0)
			return AUTH_DENY;
		institution = p->grants[0].institution_id;
		for (int i = 1; i < p->ngrants; i++) {
			if (strcmp(p->grants[i].institution_id, institution) != 0)
				return AUTH_NEED_INSTITUTION;
		}
	}
	bool member = false;
	for (int i = 0; i < p->ngrants; i++) {
		const SessionGrant *g = &p->grants[i];
		if (!grant_in(g, institution))
			continue;
		member = true;
		if (pol->roles & grant_bits(g)) {
			*tenant = g->institution_id;
			return AUTH_ALLOW;
		}
	}
	/* An institution the caller has nothing to do with does not exist for
	 * them: the same answer as for one that really does not exist. */
	return member ? AUTH_DENY : AUTH_NOT_FOUND;
}

/* ---- secrets ---- */

static const char b64url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void
hash_secret(const char *secret, uint8_t hash[SECRET_HASH_LEN])
{
	SHA256((const unsigned char *)secret, strlen(secret), hash);
}

bool
secret_new(const char *kind, char secret[SECRET_LEN + 1], char prefix[SECRET_PREFIX_LEN + 1],
	   uint8_t hash[SECRET_HASH_LEN])
{
	uint8_t raw[33];   /* 256 random bits, padded to a multiple of 3 */

	if (strlen(kind) != 3 || RAND_bytes(raw, 32) != 1)
		return false;
	raw[32] = 0;
	char *o = secret + snprintf(secret, SECRET_LEN + 1, "%s_", kind);
	for (int i = 0; i < 33; i += 3) {
		uint32_t v = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];
		*o++ = b64url[(v >> 18) & 63];
		*o++ = b64url[(v >> 12) & 63];
		*o++ = b64url[(v >> 6) & 63];
		if (i + 3 < 33)
			*o++ = b64url[v & 63];
	}
	*o = '\0';
	OPENSSL_cleanse(raw, sizeof raw);
	memcpy(prefix, secret, SECRET_PREFIX_LEN);
	prefix[SECRET_PREFIX_LEN] = '\0';
	hash_secret(secret, hash);
	return strlen(secret) == SECRET_LEN;
}

bool
secret_parse(const char *kind, const char *secret, char prefix[SECRET_PREFIX_LEN + 1],
	     uint8_t hash[SECRET_HASH_LEN])
{
	size_t klen = strlen(kind);

	if (strlen(secret) != SECRET_LEN || strncmp(secret, kind, klen) != 0 ||
	    secret[klen] != '_')
		return false;
	for (const char *c = secret + klen + 1; *c; c++) {
		if (strchr(b64url, *c) == NULL)
			return false;
	}
	memcpy(prefix, secret, SECRET_PREFIX_LEN);
	prefix[SECRET_PREFIX_LEN] = '\0';
	hash_secret(secret, hash);
	return true;
}

bool
secret_hash_equal(const uint8_t a[SECRET_HASH_LEN], const uint8_t b[SECRET_HASH_LEN])
{
	return CRYPTO_memcmp(a, b, SECRET_HASH_LEN) == 0;
}

void
bytea_literal(const uint8_t *bytes, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";
	out[0] = '\\';
	out[1] = 'x';
	for (size_t i = 0; i < len; i++) {
		out[2 + 2 * i] = hex[bytes[i] >> 4];
		out[3 + 2 * i] = hex[bytes[i] & 15];
	}
	out[2 + 2 * len] = '\0';
}

void
secret_hash_to_bytea(const uint8_t hash[SECRET_HASH_LEN], char out[2 + 2 * SECRET_HASH_LEN + 1])
{
	bytea_literal(hash, SECRET_HASH_LEN, out);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool
secret_hash_from_bytea(const char *text, uint8_t hash[SECRET_HASH_LEN])
{
	if (strncmp(text, "\\x", 2) != 0 || strlen(text) != 2 + 2 * SECRET_HASH_LEN)
		return false;
	for (int i = 0; i < SECRET_HASH_LEN; i++) {
		int hi = hexval(text[2 + 2 * i]), lo = hexval(text[3 + 2 * i]);
		if (hi < 0 || lo < 0)
			return false;
		hash[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* ---- one-time sign-in codes ---- */

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

bool
signin_code_new(char code[SIGNIN_CODE_SHOWN + 1])
{
	uint8_t raw[8];
	uint64_t bits = 0;
	char *o = code;

	if (RAND_bytes(raw, sizeof raw) != 1)
		return false;
	for (size_t i = 0; i < sizeof raw; i++)
		bits = bits << 8 | raw[i];
	OPENSSL_cleanse(raw, sizeof raw);
	for (int i = 0; i < SIGNIN_CODE_LEN; i++) {
		if (i > 0 && i % 4 == 0)
			*o++ = '-';
		*o++ = crockford[bits & 31];
		bits >>= 5;
	}
	*o = '\0';
	OPENSSL_cleanse(&bits, sizeof bits);
	return true;
}

bool
signin_code_parse(const char *typed, char code[SIGNIN_CODE_LEN + 1])
{
	size_t n = 0;

	for (const char *c = typed; *c; c++) {
		char ch = *c;
		if (ch == ' ' || ch == '-' || ch == '\t')
			continue;
		if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		if (ch == 'O')
			ch = '0';
		else if (ch == 'I' || ch == 'L')
			ch = '1';
		if (strchr(crockford, ch) == NULL || ch == '\0' || n == SIGNIN_CODE_LEN)
			return false;
		code[n++] = ch;
	}
	code[n] = '\0';
	return n == SIGNIN_CODE_LEN;
}

void
signin_code_hash(const char *email, const char *code, uint8_t hash[SECRET_HASH_LEN])
{
	static const char domain[] = "triad sign-in code";
	char canonical[SIGNIN_CODE_LEN + 1];
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int len = 0;

	if (!signin_code_parse(code, canonical))
		canonical[0] = '\0';
	/* Out of memory: a hash that matches nothing stored. */
	memset(hash, 0, SECRET_HASH_LEN);
	if (md == NULL)
		return;
	if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(md, domain, sizeof domain) == 1) {
		bool ok = true;
		for (const char *c = email; ok && *c; c++) {
			char lower = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
			ok = EVP_DigestUpdate(md, &lower, 1) == 1;
		}
		if (ok && EVP_DigestUpdate(md, "", 1) == 1 &&
		    EVP_DigestUpdate(md, canonical, strlen(canonical)) == 1)
			EVP_DigestFinal_ex(md, hash, &len);
	}
	EVP_MD_CTX_free(md);
	OPENSSL_cleanse(canonical, sizeof canonical);
}

/* ---- names ---- */

static const char *const role_names[] = {
	[TRIAD__V1__ROLE__ROLE_OPERATOR] = "operator",
	[TRIAD__V1__ROLE__ROLE_INSTITUTION_ADMIN] = "institution_admin",
	[TRIAD__V1__ROLE__ROLE_PROGRAMME_STAFF] = "programme_staff",
	[TRIAD__V1__ROLE__ROLE_PARTICIPANT] = "participant",
	[TRIAD__V1__ROLE__ROLE_WORKPLACE_COACH] = "workplace_coach",
	[TRIAD__V1__ROLE__ROLE_EMPLOYER_CONTACT] = "employer_contact",
	[TRIAD__V1__ROLE__ROLE_PARTNER_INTEGRATION] = "partner_integration",
};

static const char *const title_names[] = {
	[TRIAD__V1__STAFF_TITLE__STAFF_TITLE_DEAN] = "dean",
	[TRIAD__V1__STAFF_TITLE__STAFF_TITLE_PROGRAMME_MANAGER] = "programme_manager",
	[TRIAD__V1__STAFF_TITLE__STAFF_TITLE_LECTURER] = "lecturer",
	[TRIAD__V1__STAFF_TITLE__STAFF_TITLE_TRAINER] = "trainer",
	[TRIAD__V1__STAFF_TITLE__STAFF_TITLE_ASSESSOR] = "assessor",
};

static const char *const org_kind_names[] = {
	[TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_EMPLOYER] = "employer",
	[TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_SCHOOL] = "school",
	[TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_HOSPITAL] = "hospital",
	[TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_MUNICIPALITY] = "municipality",
	[TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_GOVERNMENT] = "government",
	[TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_CARE_PROVIDER] = "care_provider",
	[TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_OTHER] = "other",
};

#define NAME_TO_SQL(names, v) \
	((unsigned)(v) < sizeof names / sizeof names[0] ? names[v] : NULL)

static int
name_from_sql(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; s != NULL && i < n; i++) {
		if (names[i] != NULL && strcmp(names[i], s) == 0)
			return (int)i;
	}
	return 0;
}

const char *
role_to_sql(Triad__V1__Role role)
{
	return NAME_TO_SQL(role_names, role);
}

Triad__V1__Role
role_from_sql(const char *s)
{
	return (Triad__V1__Role)name_from_sql(role_names, sizeof role_names / sizeof role_names[0], s);
}

const char *
title_to_sql(Triad__V1__StaffTitle title)
{
	return NAME_TO_SQL(title_names, title);
}

Triad__V1__StaffTitle
title_from_sql(const char *s)
{
	return (Triad__V1__StaffTitle)name_from_sql(title_names,
						    sizeof title_names / sizeof title_names[0], s);
}

const char *
org_kind_to_sql(Triad__V1__OrganisationKind kind)
{
	return NAME_TO_SQL(org_kind_names, kind);
}

Triad__V1__OrganisationKind
org_kind_from_sql(const char *s)
{
	return (Triad__V1__OrganisationKind)name_from_sql(
		org_kind_names, sizeof org_kind_names / sizeof org_kind_names[0], s);
}

bool
is_uuid(const char *s)
{
	if (s == NULL || strlen(s) != UUID_LEN)
		return false;
	for (int i = 0; i < UUID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : hexval(s[i]) < 0)
			return false;
	}
	return true;
}

/* ---- failed sign-ins ---- */

static unsigned
slot_of(const char *addr)
{
	unsigned h = 2166136261u;   /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)addr; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h % AUTH_LIMITER_SLOTS;
}

bool
auth_limiter_allows(AuthLimiter *l, const char *addr, uint32_t limit, uint64_t now_ms)
{
	unsigned i = slot_of(addr);
	if (now_ms - l->slots[i].window_start_ms >= AUTH_FAIL_WINDOW_MS)
		return true;
	return l->slots[i].failures < limit;
}

bool
auth_limiter_fail(AuthLimiter *l, const char *addr, uint32_t limit, uint64_t now_ms)
{
	unsigned i = slot_of(addr);
	/* A slot starts a new window when its old one is over. While a window
	 * runs, every address hashed to the slot counts against it: collisions
	 * make addresses share a budget, never reset one. */
	if (now_ms - l->slots[i].window_start_ms >= AUTH_FAIL_WINDOW_MS ||
	    l->slots[i].failures == 0) {
		snprintf(l->slots[i].addr, sizeof l->slots[i].addr, "%s", addr);
		l->slots[i].window_start_ms = now_ms;
		l->slots[i].failures = 0;
	}
	return ++l->slots[i].failures == limit;
}

static unsigned
secret_slot(const uint8_t hash[SECRET_HASH_LEN])
{
	/* The hash is SHA-256 of what the peer sent: already well spread. */
	return ((unsigned)hash[0] << 8 | hash[1]) % AUTH_LIMITER_SLOTS;
}

bool
auth_limiter_secret_allows(AuthLimiter *l, const uint8_t hash[SECRET_HASH_LEN], uint32_t limit,
			   uint64_t now_ms)
{
	unsigned i = secret_slot(hash);
	if (memcmp(l->secrets[i].key, hash, AUTH_LIMITER_KEY) != 0 ||
	    now_ms - l->secrets[i].window_start_ms >= AUTH_FAIL_WINDOW_MS)
		return true;
	return l->secrets[i].failures < limit;
}

bool
auth_limiter_secret_fail(AuthLimiter *l, const uint8_t hash[SECRET_HASH_LEN], uint32_t limit,
			 uint64_t now_ms)
{
	unsigned i = secret_slot(hash);
	/* Another secret in the slot, or an old window: start afresh. Only an
	 * exact match may ever refuse, so a collision cannot refuse a valid
	 * token; at worst a bad one is looked up again. */
	if (memcmp(l->secrets[i].key, hash, AUTH_LIMITER_KEY) != 0 ||
	    now_ms - l->secrets[i].window_start_ms >= AUTH_FAIL_WINDOW_MS) {
		memcpy(l->secrets[i].key, hash, AUTH_LIMITER_KEY);
		l->secrets[i].window_start_ms = now_ms;
		l->secrets[i].failures = 0;
	}
	return ++l->secrets[i].failures == limit;
}

/*
 * auth.h: who is calling and what they may do.
 *
 * A Principal is loaded when a session opens (Hello) with all its grants,
 * in every institution. Every handler asks auth_decide() -- one table, deny
 * by default -- before it touches data; no handler has a check of its own.
 * Row-level security in PostgreSQL is the second wall behind this one.
 *
 * Tokens and invite codes are "<kind>_" followed by 43 characters of
 * base64url (256 random bits from OpenSSL's generator). The service stores
 * only their SHA-256 and a short prefix to find them by; hashes are
 * compared in constant time.
 */
#ifndef TRIAD_AUTH_H
#define TRIAD_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "creds.h"
#include "triad/v1/access.pb-c.h"

#define UUID_LEN 36
#define SECRET_LEN 47              /* "trd_" + 43 */
#define SECRET_PREFIX_LEN 12       /* "trd_" + 8: what the database indexes */
#define SECRET_HASH_LEN 32

typedef struct SessionGrant {
	char id[UUID_LEN + 1];
	char institution_id[UUID_LEN + 1];
	char slug[64];
	Triad__V1__Role role;
	Triad__V1__StaffTitle title;
	char organisation_id[UUID_LEN + 1];
} SessionGrant;

/*
 * The caller of a session. Shared by the connection and by every Call in
 * flight (reference counted), so a connection closing mid-request never
 * pulls it from under a handler.
 */
typedef struct Principal {
	int refs;
	char id[UUID_LEN + 1];
	char token_id[UUID_LEN + 1];     /* the token the session opened with */
	char name[201];
	Triad__V1__PrincipalKind kind;
	char person_id[UUID_LEN + 1];    /* empty for machines */
	bool operator;
	int ngrants;
	SessionGrant *grants;            /* owned */
	/* The cheap begin (dispatch.c call_job_scoped()): a request may skip
	 * the database's check of the token and the grants when the last
	 * full check succeeded, neither the token nor the principal's grants
	 * changed since it was sent (creds.h), and the token has not expired. */
	CredsStamp checked;              /* epoch 0: never checked */
	bool token_expiry_known;         /* the session opened with a token, read */
	uint64_t token_expires_us;       /* by now_us(); 0: it does not expire */
} Principal;

Principal *principal_new(void);
Principal *principal_ref(Principal *p);
void principal_unref(Principal *p);   /* NULL is a no-op */

/* The request kinds that auth_decide() knows. One per RPC (and a few
 * variants of one RPC that need other rights). */
typedef enum Verb {
	VERB_HELLO,                     /* before a session */
	VERB_REDEEM_INVITE,             /* before a session: the code is the credential */
	VERB_PING,
	VERB_WHO_AM_I,
	VERB_CREATE_INSTITUTION,
	VERB_GET_INSTITUTION,
	VERB_LIST_INSTITUTIONS,
	VERB_CREATE_PERSON,
	VERB_GET_PERSON,
	VERB_LIST_PERSONS,
	VERB_CREATE_ORGANISATION,
	VERB_GET_ORGANISATION,
	VERB_LIST_ORGANISATIONS,
	VERB_CREATE_GRANT,
	VERB_LIST_GRANTS,
	VERB_REVOKE_GRANT,
	VERB_CREATE_TOKEN,
	VERB_CREATE_MACHINE,            /* CreateToken with machine_name */
	VERB_LIST_TOKENS,
	VERB_REVOKE_TOKEN,
	VERB_CREATE_INVITE,             /* participants, coaches, employer contacts */
	VERB_INVITE_STAFF,              /* CreateInvite for admins, staff, partner systems */
	VERB_LIST_INVITES,
	VERB_REVOKE_INVITE,
	VERB_LIST_AUDIT,
	VERB_LIST_SERVICE_AUDIT,        /* ListAudit by an operator, no institution */
	VERB_CATALOGUE_READ,            /* programmes, lines, outcomes, modules */
	VERB_CATALOGUE_WRITE,
	VERB_COHORT_READ,               /* cohorts, runs, sessions, sub-groups */
	VERB_COHORT_WRITE,
	VERB_ENROLL,
	VERB_ENROLLMENT_READ,           /* enrollments, waitlists, attendance, claims */
	VERB_ENROLLMENT_WRITE,          /* transitions, exemptions, attendance, blocks */
	VERB_CLAIM_CREATE,              /* a participant claims prior learning */
	VERB_CLAIM_DECIDE,              /* an assessor validates or rejects */
	VERB_PROGRESS_READ,
	VERB_PARTNER_READ,              /* agreements, partners and their ledger */
	VERB_PARTNER_WRITE,
	VERB_RELATION_READ,
	VERB_RELATION_WRITE,            /* staff create, approve and end relations */
	VERB_RELATION_PROPOSE,          /* a participant proposes a coach */
	VERB_COACHEES,                  /* a coach's own coachees and requests, everywhere */
	VERB_FEEDBACK_REQUEST,          /* a participant asks for feedback */
	VERB_FEEDBACK_GIVE,             /* give or edit: needs an active relation too */
	VERB_FEEDBACK_READ,
	VERB_CONSENT_SET,
	VERB_EMPLOYER_VIEW,
	VERB_JUDGEMENT_ADD,
	VERB_COMMUNITY_READ,            /* members see their communities, staff all */
	VERB_COMMUNITY_WRITE,
	VERB_QUESTION_READ,             /* members, staff, and the owner's contacts */
	VERB_QUESTION_CREATE,           /* staff, or a work-field organisation's contact */
	VERB_QUESTION_WRITE,            /* staff move questions, link people, add products */
	VERB_PRODUCT_FEEDBACK,          /* the owning organisation's contact */
	VERB_BOARD_READ,                /* staff, and a board's own members */
	VERB_BOARD_WRITE,
	VERB_EVENT_READ,
	VERB_EVENT_WRITE,               /* plan events, capacity, attendance */
	VERB_EVENT_REGISTER,            /* oneself; staff anyone */
	VERB_TOPIC_SUGGEST,
	VERB_ALUMNI_READ,               /* staff all; anyone else themselves */
	VERB_AMBASSADOR_READ,
	VERB_AMBASSADOR_WRITE,
	VERB_EMAIL_SIGNIN,              /* before a session: a code by e-mail, and its use */
	VERB_NOTIFICATION_READ,         /* the institution's notification outbox */
	VERB_SERVICE_NOTIFICATION_READ, /* all of it: an operator naming no institution */
	VERB_EXPORT_OWN_DATA,           /* anyone: what the service holds about herself */
	VERB_PERSON_ERASE,              /* an institution admin, in her institution */
	VERB_PERSON_ERASE_SERVICE,      /* ErasePerson by an operator, no institution */
	VERB_ME,                        /* one's own roles, enrollments, relations, ... everywhere */
	VERB_PERSON_FIND,               /* persons by name or e-mail, as far as one may see them */
	VERB_CONSENT_READ,
	VERB_JUDGEMENT_READ,
	VERB_EVENT_STREAM,              /* the partners' event stream: list, subscribe, ack */
	VERB_CONVERSATION_READ,         /* staff all, the participant and the coach their own */
	VERB_CONVERSATION_WRITE,        /* staff plan and record conversations */
	VERB_ACTION_COMPLETE,           /* staff, or the owner of an agreed action */
	VERB_LOGBOOK_READ,
	VERB_LOGBOOK_WRITE,             /* the participant writes her own chapters */
	VERB_LOGBOOK_COMMENT,           /* staff and the programme coach */
	VERB_TIMELINE_READ,             /* what of a journey the caller may see */
	VERB_INTERNSHIP_READ,           /* placements and hours: staff, participant, host supervisor */
	VERB_INTERNSHIP_WRITE,          /* staff place participants, decide plans, set minimums */
	VERB_INTERNSHIP_OWN,            /* a participant's own plan, hours and documents */
	VERB_HOURS_DECIDE,              /* the host supervisor verifies or rejects hours */
	VERB_HOURS_REOPEN,              /* staff reopen a verification, with a reason */
	VERB_DOCUMENT_READ,
	VERB_INTERVISION_READ,
	VERB_INTERVISION_WRITE,         /* staff plan sessions and record attendance */
	VERB_INTERVISION_CASE,          /* a member brings a case */
	VERB_REPORT_RETURN,             /* a programme's return; employers their own figures */
	VERB_WEBHOOK,                   /* a partner system its own webhooks, an admin all */
	VERB_CERTIFICATE_ISSUE,         /* admins, deans and programme managers */
	VERB_CERTIFICATE_READ,          /* staff all; a participant her own */
	VERB_CERTIFICATE_REVOKE,        /* admins, deans and programme managers, with a reason */
	VERB_CREDENTIAL_KEY_ROTATE,     /* institution admins */
	VERB_CREDENTIAL_KEY_READ,       /* staff */
	VERB_ASSIGNMENT_READ,           /* assignments, the programme's policy and rules */
	VERB_ASSIGNMENT_WRITE,          /* staff set up assignments, policy, rules; approve tailoring */
	VERB_ASSIGNMENT_OWN,            /* a participant tailors and submits her own work */
	VERB_SUBMISSION_READ,           /* instances and submissions: staff, the participant */
	VERB_ASSESSMENT_RECORD,         /* record, release, correct: assessors only */
	VERB_ASSESSMENT_READ,
	VERB_COMPLETION_READ,           /* the completion check and the transcript */
	VERB_COMPLETION_EXEMPT,         /* a dean or programme manager exempts, with a reason */
	VERB_COUNT_
} Verb;

typedef enum AuthResult {
	AUTH_ALLOW,
	AUTH_DENY,              /* PERMISSION_DENIED */
	AUTH_NOT_FOUND,         /* the institution is not one the caller may know */
	AUTH_NEED_INSTITUTION,  /* INVALID_ARGUMENT: say which institution */
} AuthResult;

/*
 * True when p is an operator, or an institution admin or programme staff
 * in tenant (an institution id): the people who see all of an
 * institution's participants rather than only themselves.
 */
bool auth_is_staff(const Principal *p, const char *tenant);

/*
 * How many grants p holds in tenant (an institution id), or -1 for an
 * operator, whose rights do not come from grants.
 */
int auth_grant_count(const Principal *p, const char *tenant);

/*
 * The organisation p speaks for in tenant: that of its employer-contact
 * or partner-integration grant there, or "" when it has none.
 */
const char *auth_organisation(const Principal *p, const char *tenant);

/*
 * Decides whether p may do verb in institution (id or slug as the caller
 * gave it; may be empty). On AUTH_ALLOW, *tenant is what the transaction
 * must be scoped to: NULL for verbs outside any institution, the
 * institution's id for callers with grants in it, or the caller's text for
 * operators (resolved by the database, which answers NOT_FOUND for an
 * unknown one). Pure: no I/O, no state.
 */
AuthResult auth_decide(const Principal *p, Verb verb, const char *institution,
		       const char **tenant);

/* The verb's name in messages, such as "create grants". */
const char *auth_verb_phrase(Verb verb);

/* Who may do it, for a refusal that says so ("institution admins, deans
 * and programme managers"), or NULL where the roles tell no one anything. */
const char *auth_verb_who(Verb verb);

/* True when verb has a policy in the access table. */
bool auth_verb_known(Verb verb);

/* For the published permission table: the verb's name ("enrollment_read"),
 * its scope ("public", "session", "shared", "service" or "institution"),
 * and the roles that may use it (up to max names into names; none for the
 * public and session scopes, which anyone may use). */
const char *auth_verb_name(Verb verb);
const char *auth_verb_scope(Verb verb);
size_t auth_verb_roles(Verb verb, const char **names, size_t max);

/* --- secrets --- */

/*
 * Makes a new secret "<kind>_<43 chars>" (kind is "trd" or "inv") from 256
 * random bits, its lookup prefix and its hash. False if the random source
 * failed.
 */
__attribute__((warn_unused_result))
bool secret_new(const char *kind, char secret[SECRET_LEN + 1],
		char prefix[SECRET_PREFIX_LEN + 1], uint8_t hash[SECRET_HASH_LEN]);

/*
 * Checks the form of a secret the caller presented and computes its prefix
 * and hash. False when it is not "<kind>_" plus 43 base64url characters.
 */
__attribute__((warn_unused_result))
bool secret_parse(const char *kind, const char *secret, char prefix[SECRET_PREFIX_LEN + 1],
		  uint8_t hash[SECRET_HASH_LEN]);

/* Constant-time comparison of two hashes. */
bool secret_hash_equal(const uint8_t a[SECRET_HASH_LEN], const uint8_t b[SECRET_HASH_LEN]);

/* Any bytes as a bytea literal "\x<hex>" for a query parameter; out holds
 * 2 * len + 3 characters. */
void bytea_literal(const uint8_t *bytes, size_t len, char *out);

/* Hash as a bytea literal "\x<64 hex>" for a query parameter, and back from
 * a bytea value in text form. */
void secret_hash_to_bytea(const uint8_t hash[SECRET_HASH_LEN],
			  char out[2 + 2 * SECRET_HASH_LEN + 1]);
__attribute__((warn_unused_result))
bool secret_hash_from_bytea(const char *text, uint8_t hash[SECRET_HASH_LEN]);

/* --- one-time sign-in codes --- */

/*
 * A code sent by e-mail to sign in with: 12 characters of Crockford's
 * base32 (60 random bits), shown as "XXXX-XXXX-XXXX". Short enough to type,
 * and safe because each code allows a few attempts only, lives minutes,
 * and few are sent per address (sql/functions/notify.sql). Stored as the
 * SHA-256 of the code bound to the address, so a stolen table of hashes
 * cannot be tried against every address at once.
 */
#define SIGNIN_CODE_LEN 12                       /* without the dashes */
#define SIGNIN_CODE_SHOWN (SIGNIN_CODE_LEN + 2)  /* "XXXX-XXXX-XXXX" */

/* A new code, as shown. False if the random source failed. */
__attribute__((warn_unused_result))
bool signin_code_new(char code[SIGNIN_CODE_SHOWN + 1]);

/*
 * The code a person typed, in its canonical form (12 characters, upper
 * case, no dashes): spaces and dashes are dropped, case is ignored, and O,
 * I and L are read as 0, 1 and 1. False when what is left is not a code.
 */
__attribute__((warn_unused_result))
bool signin_code_parse(const char *typed, char code[SIGNIN_CODE_LEN + 1]);

/* The stored hash of a code (canonical or as shown) for address email
 * (compared without case). */
void signin_code_hash(const char *email, const char *code, uint8_t hash[SECRET_HASH_LEN]);

/* --- names shared with SQL --- */

const char *role_to_sql(Triad__V1__Role role);              /* NULL if invalid */
Triad__V1__Role role_from_sql(const char *s);
const char *title_to_sql(Triad__V1__StaffTitle title);      /* NULL if unset */
Triad__V1__StaffTitle title_from_sql(const char *s);
const char *org_kind_to_sql(Triad__V1__OrganisationKind kind);
Triad__V1__OrganisationKind org_kind_from_sql(const char *s);

/* True when s is a UUID in canonical text form. */
bool is_uuid(const char *s);

/* --- failed sign-ins --- */

/*
 * Failed sign-ins (a Hello or invite redemption whose secret the service
 * does not know) are counted per minute in two ways:
 *
 *  - per secret, by the hash of the token or code presented: once one has
 *    failed limit times, it is refused at once, without asking the
 *    database. This stops the common flood, a client retrying a bad token
 *    in a loop, and never touches a valid token, which does not fail.
 *  - per source address: an address over the limit is not refused (a valid
 *    token behind the same NAT must still sign in), but its sign-ins share
 *    one place in the database queue (pool_owner_addr()), so a flood from
 *    any number of connections gets one client's share of the database.
 *
 * Guessing is hopeless either way (256-bit secrets); the limits protect the
 * database, not the secrets. Each table has AUTH_LIMITER_SLOTS slots; an
 * address that collides with another shares its budget (it can only be
 * sent to the shared queue sooner), while a secret keeps its own count or
 * is forgotten (it can only be checked by the database again).
 */
#define AUTH_FAIL_WINDOW_MS 60000
#define AUTH_LIMITER_SLOTS 1024
#define AUTH_LIMITER_KEY 16        /* bytes of a secret's hash kept */

typedef struct AuthLimiter {
	struct {
		char addr[48];
		uint64_t window_start_ms;
		uint32_t failures;
	} slots[AUTH_LIMITER_SLOTS];
	struct {
		uint8_t key[AUTH_LIMITER_KEY];
		uint64_t window_start_ms;
		uint32_t failures;
	} secrets[AUTH_LIMITER_SLOTS];
} AuthLimiter;

/* True when addr has had fewer than limit failures in the current window. */
bool auth_limiter_allows(AuthLimiter *l, const char *addr, uint32_t limit, uint64_t now_ms);

/*
 * Records a failed sign-in from addr. Returns true exactly once per window,
 * when addr reaches the limit, so the caller logs it once.
 */
bool auth_limiter_fail(AuthLimiter *l, const char *addr, uint32_t limit, uint64_t now_ms);

/* True when the secret with this hash has failed fewer than limit times
 * in its current window. */
bool auth_limiter_secret_allows(AuthLimiter *l, const uint8_t hash[SECRET_HASH_LEN],
				uint32_t limit, uint64_t now_ms);

/* Records a failure of the secret with this hash; true exactly once per
 * window, when it reaches the limit. */
bool auth_limiter_secret_fail(AuthLimiter *l, const uint8_t hash[SECRET_HASH_LEN],
			      uint32_t limit, uint64_t now_ms);

#endif

/*
 * registry.h: every request kind, one row each.
 *
 * A Route is everything the daemon knows about one request kind: its body
 * and reply cases in the envelope, the access verb auth_decide() is asked
 * about, what it does to data (writes, honours idempotency keys, emits a
 * domain event, streams), and either a handler written in C or the
 * statements that sqlroute.c runs for it. Each area keeps its rows in its
 * own file (svc_<area>.c); names and message types come from the protobuf-c
 * descriptors, so no list of names is kept by hand.
 *
 * registry_check() refuses a registry with a request kind that has no row,
 * a row whose parameter path or magic name does not resolve, a verb without
 * a policy, or a write that ignores idempotency keys. registry_check_db()
 * prepares and describes every statement on a real connection and refuses
 * one that does not prepare, takes another number of parameters than its
 * row gives, or returns a column that no reply field takes (or leaves a
 * reply field without a column). triadd runs both before it serves and
 * `triadd check` runs them without serving.
 */
#ifndef TRIAD_REGISTRY_H
#define TRIAD_REGISTRY_H

#include <stdbool.h>
#include <stdio.h>

#include <libpq-fe.h>

#include "auth.h"
#include "triad/v1/envelope.pb-c.h"

typedef struct Call Call;
typedef void (*Handler)(Call *call, const Triad__V1__Request *req);

#define ROUTE_MAX_STMTS 8
#define ROUTE_MAX_PARAMS 12
#define ROUTE_MAX_KEYS 8         /* fields of one row that take keys */

/*
 * One statement of a route. params name where each $n comes from:
 *   "path.to.field"  a field of the request body (nested by '.'); fields
 *                    called id, *_id and page_token must be ids or empty
 *   "path@kind"      a field that holds an id or the natural key of a kind
 *                    of thing ("cohort_id@cohort": a cohort's id or name;
 *                    the kinds are triad_key()'s, sql/functions/names.sql).
 *                    Before the statements run, sqlroute.c asks the
 *                    database which id a key names, within what the caller
 *                    may see, and passes that id; a key that names nothing
 *                    is NOT_FOUND, one that fits several INVALID_ARGUMENT.
 *                    The kinds my_enrollment and my_relation also fill in
 *                    the caller's own when the field is empty.
 *   "$request_id"    the request's id, for the audit row
 *   "$person"        the caller's person id ("" for machines), only where
 *                    it says who acts: the claimant, the coach giving
 *                    feedback, the person registering, the coach whose
 *                    coachees are listed
 *   "$limit"         the page size asked for, plus one
 *   "$min_group"     the server's minimum group size for reports
 *                    (report_min_group), below which a figure about
 *                    persons is suppressed
 * No statement passes who the caller is for the sake of visibility: the
 * transaction knows it (triad_begin() sets the person, whether it is staff
 * there and the organisation it speaks for; dispatch.c call_job()), and
 * the views that hold rows about people apply the rules themselves, so a
 * statement that forgets a predicate still sees only the caller's rows.
 * The caller's standing (staff, organisation) is read there by the
 * functions too, never passed.
 * into says where the rows go: NULL for the reply's own fields (exactly
 * one row, or NOT_FOUND), or the name of a repeated message field of the
 * reply (every row).
 */
typedef struct SqlStmt {
	const char *sql;
	const char *params[ROUTE_MAX_PARAMS];
	const char *into;
} SqlStmt;

/* What a request kind does. */
enum {
	ROUTE_PUBLIC = 1u << 0,      /* answered before a session opens */
	ROUTE_WRITES = 1u << 1,      /* changes data */
	ROUTE_IDEMPOTENT = 1u << 2,  /* honours Request.idempotency_key */
	ROUTE_EVENT = 1u << 3,       /* emits a domain event for partners */
	ROUTE_STREAMS = 1u << 4,     /* answers with more than one frame */
	ROUTE_SECRET = 1u << 5,      /* its answer holds a secret shown once: a
					repeat with the same key is told so rather
					than given the secret again */
};
/* The usual combinations. */
#define ROUTE_READ 0u
#define ROUTE_WRITE (ROUTE_WRITES | ROUTE_IDEMPOTENT | ROUTE_EVENT)   /* the domain's writes */
#define ROUTE_ACCESS_WRITE (ROUTE_WRITES | ROUTE_IDEMPOTENT)          /* grants, tokens, ... */

/*
 * For the few requests whose verb depends on what is asked: the verb is
 * alt when when() says so, and the row's verb otherwise. why says when, for
 * the published table ("with machine_name").
 */
typedef struct VerbHook {
	bool (*when)(const Call *call, const Triad__V1__Request *req);
	Verb alt;
	const char *why;
} VerbHook;

typedef struct Route {
	Triad__V1__Request__BodyCase kind;
	Verb verb;
	Triad__V1__Response__BodyCase reply;
	unsigned flags;
	SqlStmt stmts[ROUTE_MAX_STMTS];
	/* NOT_FOUND message when a single-row statement finds nothing. */
	const char *not_found;
	/* For lists: the reply has next_page_token, and the list statement
	 * asked for $limit rows ordered by id, after the id in page_token. */
	bool paged;
	/* For lists in an order of their own (arrival, position): the list
	 * statement asks for $limit rows at $offset in that order, and
	 * page_token is the position where the page starts. */
	bool paged_by_position;
	/* The C handler; NULL for rows answered by sqlroute_handle(). */
	Handler handler;
	const VerbHook *hook;
	/* A body field naming the institution the request is about, when it
	 * is not Request.institution (GetInstitution's id). */
	const char *tenant_field;
} Route;

/* The areas' tables, each ended by a row of kind 0. */
extern const Route session_routes[];
extern const Route directory_routes[];
extern const Route credential_routes[];
extern const Route audit_routes[];
extern const Route catalogue_routes[];
extern const Route enrollment_routes[];
extern const Route triangle_routes[];
extern const Route community_routes[];
extern const Route event_routes[];
extern const Route notify_routes[];
extern const Route privacy_routes[];
extern const Route stream_routes[];
extern const Route journey_routes[];
extern const Route internship_routes[];
extern const Route report_routes[];
extern const Route webhook_routes[];
extern const Route certificate_routes[];
extern const Route assessment_routes[];

/*
 * A statement parameter as a row names it: the body field's path (up to
 * '@') into path, and the kind of key it takes in *kind (NULL when it
 * takes only ids). False when path does not fit in size.
 */
bool route_param_split(const char *param, char *path, size_t size, const char **kind);

/* True when kind is one of the kinds of key a field may take. */
bool route_key_kind_known(const char *kind);

/* The row of a request kind, or NULL. */
const Route *registry_find(Triad__V1__Request__BodyCase kind);

/* The request's name: its field name in Request.body ("enroll"). */
const char *route_name(const Route *r);

/* The verb r is authorised by for req. */
Verb route_verb(const Route *r, const Call *call, const Triad__V1__Request *req);

/*
 * Checks the rows against the descriptors and the access table. False with
 * the first problem in err, naming the row and the field.
 */
__attribute__((warn_unused_result))
bool registry_check(char *err, size_t size);

/* The same for any table of rows: what the unit tests hand broken rows to. */
__attribute__((warn_unused_result))
bool registry_check_table(const Route *const *tables, size_t ntables, bool complete, char *err,
			  size_t size);

/*
 * Prepares and describes every statement of tables on pg (a connection of
 * the daemon's role) and compares the result columns with the reply fields.
 * False with the first problem in err. Blocks: for start-up and checks only.
 */
__attribute__((warn_unused_result))
bool registry_check_db_tables(PGconn *pg, const Route *const *tables, size_t ntables, char *err,
			      size_t size);
__attribute__((warn_unused_result))
bool registry_check_db(const char *conninfo, char *err, size_t size);

/*
 * Registers every route statement, one text per shape of its optional
 * filters (prepared.h), and the statements every request may send (the
 * look-up of natural keys, the idempotency store), to be prepared on each
 * pool connection. Idempotent. False when memory ran out.
 */
__attribute__((warn_unused_result))
bool registry_register_statements(void);

/* Prints the permission table: Markdown, or JSON when json. */
void registry_print(FILE *out, bool json);

#endif

/*
 * sqlroute.h: request kinds answered by a table row instead of a hand
 * written handler.
 *
 * Most of the catalogue and enrollment requests have the same shape: check
 * access, take some fields of the request, run one or more statements in
 * one transaction (usually a call of a function from sql/migrations that
 * enforces the domain's rules under row locks and writes the audit row),
 * and turn the rows into the reply. A SqlRoute says exactly that, and
 * sqlroute_handle() does it, using protobuf-c's descriptors to read request
 * fields by name and to fill reply fields from result columns of the same
 * name. Column types follow the field: text, numbers, booleans, enums
 * (the SQL text is the enum value's name without its prefix, in lower
 * case: 'intake_planned' for ENROLLMENT_STATUS_INTAKE_PLANNED) and text
 * arrays for repeated strings.
 */
#ifndef TRIAD_SQLROUTE_H
#define TRIAD_SQLROUTE_H

#include <stdbool.h>

#include "auth.h"
#include "dispatch.h"

#define SQLROUTE_MAX_STMTS 3
#define SQLROUTE_MAX_PARAMS 12
#define SQLROUTE_TEXT_MAX 16384      /* longest text field accepted */

/*
 * One statement. params name where each $n comes from:
 *   "path.to.field"  a field of the request body (nested by '.'); fields
 *                    called id, *_id and page_token must be ids or empty
 *   "$request_id"    the request's id, for the audit row
 *   "$person"        the caller's person id ("" for machines)
 *   "$limit"         the page size asked for, plus one
 *   "$idempotency_key"  Request.idempotency_key ("" when none)
 *   "$organisation"  the organisation the caller speaks for in the tenant
 *                    (employer contact, partner integration), or ""
 *   "$staff"         "true" when the caller is staff of the tenant (or an
 *                    operator), who see every participant; "false" for
 *                    participants, who see only themselves
 * into says where the rows go: NULL for the reply's own fields (exactly
 * one row, or NOT_FOUND), or the name of a repeated message field of the
 * reply (every row).
 */
typedef struct SqlStmt {
	const char *sql;
	const char *params[SQLROUTE_MAX_PARAMS];
	const char *into;
} SqlStmt;

typedef struct SqlRoute {
	Triad__V1__Request__BodyCase kind;
	Verb verb;
	Triad__V1__Response__BodyCase reply_case;
	SqlStmt stmts[SQLROUTE_MAX_STMTS];
	/* NOT_FOUND message when a single-row statement finds nothing. */
	const char *not_found;
	/* For lists: the reply has next_page_token, and the list statement
	 * asked for $limit rows ordered by id. */
	bool paged;
} SqlRoute;

/* The route for a request kind, or NULL. Routes come from every area's
 * table (svc_catalogue.c, svc_enrollment.c, svc_triangle.c, svc_community.c,
 * svc_event.c). */
const SqlRoute *sqlroute_find(Triad__V1__Request__BodyCase kind);

/* The Handler for every kind that has a route. */
void sqlroute_handle(Call *call, const Triad__V1__Request *req);

/*
 * Enum values and their SQL text (the value's name without its prefix, in
 * lower case), for hand-written handlers that share the convention.
 * sqlroute_enum_name() gives "" for 0 and false for an unknown value.
 */
int sqlroute_enum(const ProtobufCEnumDescriptor *e, const char *text);
bool sqlroute_enum_name(const ProtobufCEnumDescriptor *e, int value, char *out, size_t size);

/* The areas' tables, NULL-kind terminated. */
extern const SqlRoute catalogue_routes[];
extern const SqlRoute enrollment_routes[];
extern const SqlRoute triangle_routes[];
extern const SqlRoute community_routes[];
extern const SqlRoute event_routes[];

#endif

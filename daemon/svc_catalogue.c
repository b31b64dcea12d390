/*
 * svc_catalogue.c: programmes, learning lines, learning outcomes, modules
 * and prerequisites, as registry rows (see registry.h). The rules live in
 * the functions of sql/functions/catalogue.sql: every change is one
 * call of triad_<thing>_<verb>(), which checks the fields (naming the one
 * at fault), writes the audit row and returns the result shaped like the
 * reply; reads are one SELECT from the *_v views, where row-level security
 * keeps them inside the caller's institution.
 */
#include "sqlroute.h"

/* ---- Statements ---- */

/* Paged lists: $n = '' means "no filter" / "first page"; page tokens are
 * ids, and the list is in id order. */
#define AFTER(n) "(" n " = '' OR id > nullif(" n ", '')::uuid)"
#define IN_PROGRAMME "($1 = '' OR programme_id = nullif($1, '')::uuid)"

static const char programme_create[] =
	"SELECT * FROM triad_programme_create($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
static const char programme_get[] =
	"SELECT * FROM programme_v WHERE id = triad_cat_require_id($1, 'get_programme.id')";
static const char programme_list[] =
	"SELECT * FROM programme_v WHERE " AFTER("$1") " ORDER BY id LIMIT $2::int";
static const char programme_update[] =
	"SELECT * FROM triad_programme_update($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
static const char programme_delete[] = "SELECT * FROM triad_programme_delete($1, $2)";

static const char line_create[] = "SELECT * FROM triad_learning_line_create($1, $2, $3, $4)";
static const char line_get[] =
	"SELECT * FROM learning_line_v WHERE id = triad_cat_require_id($1, 'get_learning_line.id')";
static const char line_list[] =
	"SELECT * FROM learning_line_v WHERE " IN_PROGRAMME " AND " AFTER("$2")
	" ORDER BY id LIMIT $3::int";
static const char line_update[] = "SELECT * FROM triad_learning_line_update($1, $2, $3, $4)";
static const char line_delete[] = "SELECT * FROM triad_learning_line_delete($1, $2)";

static const char outcome_create[] =
	"SELECT * FROM triad_learning_outcome_create($1, $2, $3, $4, $5)";
static const char outcome_get[] =
	"SELECT * FROM learning_outcome_v"
	" WHERE id = triad_cat_require_id($1, 'get_learning_outcome.id')";
static const char outcome_list[] =
	"SELECT * FROM learning_outcome_v WHERE " IN_PROGRAMME " AND " AFTER("$2")
	" ORDER BY id LIMIT $3::int";
static const char outcome_update[] =
	"SELECT * FROM triad_learning_outcome_update($1, $2, $3, $4, $5)";
static const char outcome_delete[] = "SELECT * FROM triad_learning_outcome_delete($1, $2)";

static const char module_create[] =
	"SELECT * FROM triad_module_create($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
static const char module_get[] =
	"SELECT * FROM module_v WHERE id = triad_cat_require_id($1, 'get_module.id')";
static const char module_list[] =
	"SELECT * FROM module_v WHERE " IN_PROGRAMME " AND " AFTER("$2")
	" ORDER BY id LIMIT $3::int";
static const char module_update[] =
	"SELECT * FROM triad_module_update($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
static const char module_delete[] = "SELECT * FROM triad_module_delete($1, $2)";

static const char prerequisite_add[] = "SELECT * FROM triad_prerequisite_add($1, $2, $3)";
static const char prerequisite_remove[] = "SELECT * FROM triad_prerequisite_remove($1, $2, $3)";

/* ---- Parameters: the fields a create and an update share ---- */

#define PROGRAMME_FIELDS                                                                   \
	"programme.name", "programme.award", "programme.ects", "programme.duration_months",  \
	"programme.language", "programme.mode", "programme.start_moments",                   \
	"programme.fee_cents", "programme.specialisations", "programme.standalone_share"
#define MODULE_FIELDS                                                                      \
	"module.name", "module.kind", "module.sequence", "module.credits",                   \
	"module.attendance_mandatory", "module.cannot_be_missed", "module.line_codes",       \
	"module.outcome_codes", "module.staff"
#define RID "$request_id"

/* ---- The table ---- */

/* One statement; its single row is the reply (or NOT_FOUND). */
#define ONE(sql, ...) {{sql, {__VA_ARGS__}, NULL}}
/* One statement; its rows fill the reply's repeated field `into`. */
#define MANY(sql, into, ...) {{sql, {__VA_ARGS__}, into}}

#define FLAGS_READ ROUTE_READ
#define FLAGS_WRITE ROUTE_WRITE
#define ROUTE(kind, verb, reply, stmts, not_found, paged)                                  \
	{TRIAD__V1__REQUEST__BODY_##kind, VERB_CATALOGUE_##verb,                             \
	 TRIAD__V1__RESPONSE__BODY_##reply, FLAGS_##verb, stmts, not_found, paged}

const Route catalogue_routes[] = {
	ROUTE(CREATE_PROGRAMME, WRITE, PROGRAMME,
	      ONE(programme_create, "programme.code", PROGRAMME_FIELDS, RID), NULL, false),
	ROUTE(GET_PROGRAMME, READ, PROGRAMME,
	      ONE(programme_get, "id@programme"), "programme not found", false),
	ROUTE(LIST_PROGRAMMES, READ, PROGRAMMES,
	      MANY(programme_list, "programmes", "page_token", "$limit"), NULL, true),
	ROUTE(UPDATE_PROGRAMME, WRITE, PROGRAMME,
	      ONE(programme_update, "programme.id@programme", PROGRAMME_FIELDS, RID), NULL, false),
	ROUTE(DELETE_PROGRAMME, WRITE, PROGRAMME,
	      ONE(programme_delete, "id@programme", RID), NULL, false),

	ROUTE(CREATE_LEARNING_LINE, WRITE, LEARNING_LINE,
	      ONE(line_create, "line.programme_id@programme", "line.code", "line.name", RID), NULL, false),
	ROUTE(GET_LEARNING_LINE, READ, LEARNING_LINE,
	      ONE(line_get, "id"), "learning line not found", false),
	ROUTE(LIST_LEARNING_LINES, READ, LEARNING_LINES,
	      MANY(line_list, "lines", "programme_id@programme", "page_token", "$limit"), NULL, true),
	ROUTE(UPDATE_LEARNING_LINE, WRITE, LEARNING_LINE,
	      ONE(line_update, "line.id", "line.code", "line.name", RID), NULL, false),
	ROUTE(DELETE_LEARNING_LINE, WRITE, LEARNING_LINE,
	      ONE(line_delete, "id", RID), NULL, false),

	ROUTE(CREATE_LEARNING_OUTCOME, WRITE, LEARNING_OUTCOME,
	      ONE(outcome_create, "outcome.programme_id@programme", "outcome.code", "outcome.description",
		  "outcome.credits", RID), NULL, false),
	ROUTE(GET_LEARNING_OUTCOME, READ, LEARNING_OUTCOME,
	      ONE(outcome_get, "id@outcome"), "learning outcome not found", false),
	ROUTE(LIST_LEARNING_OUTCOMES, READ, LEARNING_OUTCOMES,
	      MANY(outcome_list, "outcomes", "programme_id@programme", "page_token", "$limit"), NULL, true),
	ROUTE(UPDATE_LEARNING_OUTCOME, WRITE, LEARNING_OUTCOME,
	      ONE(outcome_update, "outcome.id@outcome", "outcome.code", "outcome.description",
		  "outcome.credits", RID), NULL, false),
	ROUTE(DELETE_LEARNING_OUTCOME, WRITE, LEARNING_OUTCOME,
	      ONE(outcome_delete, "id@outcome", RID), NULL, false),

	ROUTE(CREATE_MODULE, WRITE, MODULE,
	      ONE(module_create, "module.programme_id@programme", "module.code", MODULE_FIELDS, RID), NULL,
	      false),
	ROUTE(GET_MODULE, READ, MODULE,
	      ONE(module_get, "id@module"), "module not found", false),
	ROUTE(LIST_MODULES, READ, MODULES,
	      MANY(module_list, "modules", "programme_id@programme", "page_token", "$limit"), NULL, true),
	ROUTE(UPDATE_MODULE, WRITE, MODULE,
	      ONE(module_update, "module.id@module", "module.code", MODULE_FIELDS, RID), NULL, false),
	ROUTE(DELETE_MODULE, WRITE, MODULE,
	      ONE(module_delete, "id@module", RID), NULL, false),

	ROUTE(ADD_PREREQUISITE, WRITE, MODULE,
	      ONE(prerequisite_add, "module_id@module", "required_module_id@module", RID), NULL, false),
	ROUTE(REMOVE_PREREQUISITE, WRITE, MODULE,
	      ONE(prerequisite_remove, "module_id@module", "required_module_id@module", RID), NULL, false),
	{0},
};

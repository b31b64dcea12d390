/*
 * prepared.h: the statements that pool connections prepare, and the shapes
 * of statements with optional filters.
 *
 * A statement registered here (by the address of its text: static texts
 * only) gets a stable name, "t<id>". db.c prepares it on a connection the
 * first time a job runs it there (PQsendPrepare pipelined before the
 * execution, so nothing waits), remembers that per connection, and runs it
 * with PQsendQueryPrepared from then on; a new connection starts with none.
 * Statements that were not registered run unnamed, planned each time.
 *
 * Optional filters. A route statement written with a clause
 *     (nullif($N, '') IS NULL OR <condition>)
 * (or with nullif($N, '')::uuid) filters on $N only when the request set
 * it. Prepared once, such a statement gets one generic plan for both
 * cases, which can use no index for the condition. So each such statement
 * is registered as one text per shape: for every subset of its optional
 * parameters that is set, the clauses of the others become true and the
 * clauses of those set become (<condition>). The daemon picks the shape
 * from the values (set: not NULL and not empty), so each shape has a plan
 * of its own. A parameter that a shape no longer mentions is declared as
 * text, so that the shape still takes every parameter of the row.
 */
#ifndef TRIAD_PREPARED_H
#define TRIAD_PREPARED_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#define PREP_MAX_PARAMS 16
/* Optional parameters of one statement that get shapes of their own; a
 * statement with more keeps one text (2^4 shapes at most). */
#define SHAPE_MAX_OPT 4

typedef struct PrepStmt {
	const char *sql;
	int ntypes;                      /* 0: every type inferred */
	Oid types[PREP_MAX_PARAMS];      /* 0: inferred */
} PrepStmt;

/*
 * Registers sql (its address, which must stay valid) with ntypes declared
 * parameter types (NULL, 0: inferred). Returns its id, the id it already
 * had, or -1 when memory ran out (the statement then runs unnamed).
 */
int prep_register(const char *sql, int ntypes, const Oid *types);

/* The id of a registered text (by address), or -1. */
int prep_find(const char *sql);

/* The statement of id (0 <= id < prep_count()). */
const PrepStmt *prep_get(int id);
int prep_count(void);

/* Its name on every connection: "t<id>". */
void prep_name(int id, char out[16]);

/* Forgets every registration and frees the shapes' texts. */
void prep_reset(void);

/* ---- shapes ---- */

typedef struct Shapes {
	int nopt;                        /* optional parameters */
	int opt[SHAPE_MAX_OPT];          /* their numbers, 1-based ($N) */
	int nshapes;                     /* 1 << nopt */
	char **sql;                      /* the text of each shape, indexed by the
					    set of optional parameters that are set
					    (bit k: opt[k]); owned */
	Oid types[1 << SHAPE_MAX_OPT][PREP_MAX_PARAMS]; /* text (25) for a
					    parameter the statement mentions and a
					    shape does not; 0 (inferred) for the others */
	int ntypes[1 << SHAPE_MAX_OPT];  /* types given to PQprepare: 0 when
					    every one is inferred */
} Shapes;

/*
 * Expands sql into its shapes; nparams is how many parameters the row
 * gives. False when memory ran out. A statement without optional clauses
 * (or with more than SHAPE_MAX_OPT) has one shape, its own text (copied).
 */
__attribute__((warn_unused_result))
bool shapes_build(const char *sql, int nparams, Shapes *out);
void shapes_free(Shapes *s);

/* The shape for the parameter values given (params[n] is $n+1). */
int shapes_pick(const Shapes *s, int nparams, const char *const *params);

/*
 * Registers the shapes of route statement key (any stable address, such as
 * the SqlStmt) so that prep_shape_sql() finds them; the registry keeps
 * them. False when memory ran out.
 */
__attribute__((warn_unused_result))
bool prep_register_shapes(const void *key, const char *sql, int nparams);

/* The text to run for statement key with these values: the shape they
 * set, or fallback when key has no shapes. */
const char *prep_shape_sql(const void *key, const char *fallback, int nparams,
			   const char *const *params);

#endif

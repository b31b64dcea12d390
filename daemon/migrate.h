/*
 * migrate.h: the versioned schema and its code.
 *
 * Migrations are sql/migrations/NNNN_name.sql, compiled into the binary in
 * order (sql/embed.cmake). Version N is the N-th file. The database records
 * what it has applied in triad_schema_migrations. Migrations hold tables and
 * data, and go only forward.
 *
 * The functions and views are code: the files of sql/functions/, compiled
 * in the order sql/CMakeLists.txt gives, hold the current definition of
 * each, and a migrate drops them and creates them again (sql/README.md)
 * when the database runs other code than this binary's, recording the
 * code's hash in triad_schema_code.
 *
 * Both functions here use blocking libpq calls: they run from the command
 * line (`triadd migrate`) or at start-up before the event loop exists,
 * never on the loop.
 */
#ifndef TRIAD_MIGRATE_H
#define TRIAD_MIGRATE_H

#include <stdbool.h>
#include <stdio.h>

typedef struct Migration {
	int version;
	const char *name;
	const char *sql;
} Migration;

extern const Migration migrations[];
extern const int migrations_count;

typedef struct SchemaCode {
	const char *name; /* "functions/enrollment.sql" */
	const char *sql;
} SchemaCode;

extern const SchemaCode schema_code[];
extern const int schema_code_count;

/*
 * Applies every migration the database lacks, each in its own transaction
 * together with its record, then re-creates the functions and views from
 * schema_code in one more transaction (when they differ from the
 * database's, or a migration was applied), all under an advisory lock so
 * two migrators never interleave. Running it again changes nothing. Reports progress on out. On failure
 * err says what went wrong and in which file; a failure in the functions
 * leaves the previous ones in place.
 */
__attribute__((warn_unused_result))
bool migrate_apply(const char *conninfo, FILE *out, char err[512]);

/*
 * Checks that the database's schema is exactly the version this binary
 * was built for, and its functions and views exactly this binary's. On
 * mismatch err tells the operator what to run.
 */
__attribute__((warn_unused_result))
bool migrate_check(const char *conninfo, char err[512]);

#endif

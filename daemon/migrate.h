/*
 * migrate.h: the versioned schema.
 *
 * Migrations are sql/migrations/NNNN_name.sql, compiled into the binary in
 * order (sql/embed.cmake). Version N is the N-th file. The database records
 * what it has applied in triad_schema_migrations.
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

/*
 * Applies every migration the database lacks, each in its own transaction
 * together with its record, all under an advisory lock so two migrators
 * never interleave. Running it again applies nothing. Reports progress on
 * out. On failure err says what went wrong and which migration.
 */
__attribute__((warn_unused_result))
bool migrate_apply(const char *conninfo, FILE *out, char err[512]);

/*
 * Checks that the database's schema is exactly the version this binary
 * was built for. On mismatch err tells the operator what to run.
 */
__attribute__((warn_unused_result))
bool migrate_check(const char *conninfo, char err[512]);

#endif

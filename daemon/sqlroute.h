/*
 * sqlroute.h: request kinds answered by the statements of their registry
 * row (registry.h) instead of a hand-written handler.
 *
 * Most requests have the same shape: take some fields of the request, run
 * one or more statements in one transaction (usually a call of a function
 * from sql/functions that enforces the domain's rules under row locks and
 * writes the audit row), and turn the rows into the reply. A row with
 * statements says exactly that (the dispatcher has authorised the caller
 * already), and sqlroute_handle() does it, using protobuf-c's descriptors to read request
 * fields by name and to fill reply fields from result columns of the same
 * name. Column types follow the field: text, numbers, booleans, enums
 * (the SQL text is the enum value's name without its prefix, in lower
 * case: 'intake_planned' for ENROLLMENT_STATUS_INTAKE_PLANNED) and text
 * arrays for repeated strings.
 */
#ifndef TRIAD_SQLROUTE_H
#define TRIAD_SQLROUTE_H

#include <stdbool.h>

#include "dispatch.h"
#include "registry.h"
#include "text.h"

#define SQLROUTE_TEXT_MAX 16384      /* longest text field accepted */
#define SQLROUTE_KEY_MAX 400         /* longest natural key accepted */

/*
 * The Handler of every row without one of its own: binds the parameters its
 * statements name (see SqlStmt in registry.h), has the database find the
 * ids that the fields holding natural keys name (sqlroute_keys(), a look-up
 * before the request's own transaction, only when a key is given rather
 * than an id), runs the statements in one transaction and fills the reply.
 * The caller has been authorised already.
 */
void sqlroute_handle(Call *call, const Triad__V1__Request *req);

/*
 * Binds every body field route's statements name from req, exactly as
 * sqlroute_handle() does, and throws the values away: false with the
 * answer's field and message in err when one is refused. For the fuzzer
 * (tests/fuzz/fuzz_bind.c) and tests.
 */
__attribute__((warn_unused_result))
bool sqlroute_bind_check(const Route *route, const Triad__V1__Request *req, char *err, size_t size);

/* One field that holds an id or a natural key (registry.h, "path@kind"). */
typedef struct SqlKey {
	const char *field;   /* the request field, for messages: "get_progress.enrollment_id" */
	const char *kind;    /* the kind of key: "my_enrollment" */
	const char *value;   /* as given; NULL for a field of an unset message */
} SqlKey;

/*
 * Called with ids[i] the id that keys[i] names ("" when it stays empty,
 * NULL when it was NULL), valid until it returns; or with ids NULL when
 * the call has been answered with an error (a key not found or fitting
 * several things, the database unreachable), so that arg can be freed.
 */
typedef void (*SqlKeysDone)(Call *call, char *const *ids, void *arg);

/*
 * Finds the ids that keys name, for a handler that takes keys: values
 * that are ids already (or empty, but for the my_* kinds) are passed on
 * as they are, and done is called before this returns; otherwise the
 * database is asked (triad_key(), in a look-up job scoped like the
 * request's: call_lookup_job()) and done is called from its callback.
 * keys need not outlive this call.
 */
void sqlroute_keys(Call *call, const SqlKey *keys, size_t n, SqlKeysDone done, void *arg);

/* The look-up of a natural key, prepared on every connection. */
extern const char sqlroute_key_sql[];

/*
 * Room for the text twins of the time columns of one row (see
 * sqlroute_fill()): the text of each, kept next to the message it fills.
 */
#define SQLROUTE_TIMES_MAX 8
typedef struct SqlTimes {
	int n;
	char text[SQLROUTE_TIMES_MAX][TEXT_TIME_MAX];
} SqlTimes;

/*
 * Sets every field of msg that has a column of the same name in row of r,
 * as rows with statements do: strings point into r, so msg is good until r
 * is cleared (when the database callback returns). Scalars, enums and
 * strings only: false for a column whose field is repeated. For handlers
 * written in C that answer with a view's row.
 *
 * A time travels as an int64 column "X_us" (microseconds since the epoch,
 * triad_us() in SQL). When msg also has the deprecated string field "X",
 * it gets the same instant as text (text_time_us()), written into times,
 * which must live as long as msg; false when times has no room left.
 */
__attribute__((warn_unused_result))
bool sqlroute_fill(ProtobufCMessage *msg, const PGresult *r, int row, SqlTimes *times);

/*
 * The string field of d that is the text twin of the int64 field f ("X" for
 * "X_us"), or NULL when f is no such field or d has no such twin.
 */
const ProtobufCFieldDescriptor *sqlroute_time_twin(const ProtobufCMessageDescriptor *d,
						   const ProtobufCFieldDescriptor *f);

/*
 * Enum values and their SQL text (the value's name without its prefix, in
 * lower case), for hand-written handlers that share the convention.
 * sqlroute_enum_name() gives "" for 0 and false for an unknown value.
 */
int sqlroute_enum(const ProtobufCEnumDescriptor *e, const char *text);
bool sqlroute_enum_name(const ProtobufCEnumDescriptor *e, int value, char *out, size_t size);

/* Frees the memory kept between requests, once none is left (server_free()). */
void sqlroute_free(void);

#endif

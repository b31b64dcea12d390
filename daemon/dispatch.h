/*
 * dispatch.h: from a decoded Request to the handler that answers it.
 *
 * The dispatcher owns the unpacked Request and frees it when the handler
 * returns. The handler owns the Call until it answers: it must answer
 * exactly once, now or later (from a database callback), with call_answer()
 * or call_fail(), which free the Call. A handler that needs request fields
 * after it returns copies them.
 */
#ifndef TRIAD_DISPATCH_H
#define TRIAD_DISPATCH_H

#include <stdint.h>

#include "auth.h"
#include "conn.h"
#include "db.h"
#include "registry.h"
#include "server.h"
#include "triad/v1/envelope.pb-c.h"

/* Request.institution and .idempotency_key longer than these are refused. */
#define INSTITUTION_ARG_MAX 64
#define IDEMPOTENCY_KEY_MAX 128

struct Call {
	Server *srv;
	ConnRef conn;
	uint64_t request_id;
	char request_id_text[24];     /* for audit rows: call_request_id_text() */
	const Route *row;             /* the request kind's row; NULL when unknown */
	const char *route;            /* name of the request kind, for logs */
	uint64_t started_us;
	Principal *principal;         /* a reference; NULL before the session */
	char institution[INSTITUTION_ARG_MAX + 1];  /* Request.institution */
	char idempotency_key[IDEMPOTENCY_KEY_MAX + 1];  /* Request.idempotency_key */
	const char *tenant;           /* set by call_authorize(): see auth_decide() */
	int page_limit;               /* for lists: the page size asked for */
	int page_offset;              /* for lists paged by position: where this page starts */
	char tenant_buf[INSTITUTION_ARG_MAX + 1];
	/* Idempotency (rows flagged ROUTE_IDEMPOTENT, with a key): the hash of
	 * what was asked, as a bytea literal; the held job while its done
	 * callback runs; and the packed answer while it is being committed. */
	char request_hash[2 + 2 * 32 + 1];
	DbJob *held;
	DbDoneFn held_done;           /* the handler's callback of the held job */
	void *held_arg;
	bool replaying;               /* reading the stored answer of a repeat */
	/* A job that checks the credentials in full (call_job_scoped()): the
	 * stamp of when it was sent, and the done callback it wraps. */
	CredsStamp check_stamp;
	DbDoneFn check_done;
	void *check_arg;
	uint8_t *answer;
	size_t answer_len;
};

/* The request's id in decimal, for the audit rows of the statements it
 * runs: written when first asked for (most requests never ask). */
const char *call_request_id_text(Call *call);

/*
 * Runs one request from connection c. req stays the caller's (conn.c
 * unpacks it into an arena and releases it when this returns), so nothing
 * may keep a pointer into it. The request counts as in flight on c until
 * its Call is answered. arrived_us (now_us()) is when conn.c took the
 * batch of frames it came in: its latency counts from there.
 */
void dispatch_request(Conn *c, Triad__V1__Request *req, uint64_t arrived_us);

/* Frees the memory kept for calls, once no call is left (server_free()). */
void dispatch_free(void);

/* Sends resp (status OK unless set) as the answer to call and frees call. */
void call_answer(Call *call, Triad__V1__Response *resp);

/*
 * Answers call with an error status and frees call. field names the
 * offending request field for INVALID_ARGUMENT, or is NULL.
 */
void call_fail(Call *call, Triad__V1__Code code, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * Asks auth_decide() whether the caller may do verb in institution (NULL
 * means the request's own Request.institution). On refusal answers the
 * call (PERMISSION_DENIED, NOT_FOUND or INVALID_ARGUMENT) and returns
 * false. dispatch_request() calls it, once, for every request; handlers
 * never do.
 */
__attribute__((warn_unused_result))
bool call_authorize(Call *call, Verb verb, const char *institution);

/* Sets job's owners in the pool's fair queue: call's connection and, once
 * signed in, its principal. A NULL job is left alone. */
void call_job_owner(const Call *call, DbJob *job);

/*
 * A database job for this call, scoped to its tenant, session token and
 * principal. Answers the call with UNAVAILABLE and returns NULL when memory
 * runs out.
 *
 * For a request that honours idempotency keys and came with one, the job
 * is held (db_job_hold): it claims the key first, and call_answer() stores
 * an OK answer in the same transaction before it is sent, so a repeat gets
 * that answer (call_db_failed() sends it) whether or not the first answer
 * ever reached the client. A job per such call, at most.
 */
DbJob *call_job(Call *call, DbDoneFn done, void *arg);

/*
 * A job for a look-up that a request needs before its own job (the ids its
 * natural keys name: sqlroute_keys()): scoped like call_job()'s, so that it
 * sees what the caller may see, but never held, so that the request's own
 * job is the one that claims its idempotency key.
 */
DbJob *call_lookup_job(Call *call, DbDoneFn done, void *arg);

/*
 * Adds a statement to job, or, when the job is full or memory ran out,
 * frees the job, answers the call with INTERNAL and returns false.
 */
__attribute__((warn_unused_result))
bool call_job_add(Call *call, DbJob *job, const char *sql, int nparams,
		  const char *const *params);

/*
 * PostgreSQL's integrity errors (class 23: not-null, unique, foreign-key and
 * check violations), which the schema's keys and checks raise when a
 * function did not test first, as the status people get: a code, a
 * sentence in message, and in field the request field at fault ("" when
 * none matches), for a request of kind. No value from the request is
 * repeated. The one place these are turned into answers.
 */
Triad__V1__Code constraint_status(const DbOutcome *out, Triad__V1__Request__BodyCase kind,
				  char *field, size_t fsize, char *message, size_t msize);

/*
 * For a database callback: when out is not OK, answers the call with the
 * outcome's status (for SQL errors of the schema's own functions, their
 * message; for others a generic one, or what_failed when given) and
 * returns true.
 */
bool call_db_failed(Call *call, const DbOutcome *out, const char *what_failed);

/* The statement that stores a held job's answer with its idempotency key. */
extern const char call_store_sql[];

#endif

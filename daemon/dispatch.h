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

#include "conn.h"
#include "server.h"
#include "triad/v1/envelope.pb-c.h"

typedef struct Call {
	Server *srv;
	ConnRef conn;
	uint64_t request_id;
	const char *route;     /* name of the request kind, for logs */
	uint64_t started_us;
} Call;

typedef void (*Handler)(Call *call, const Triad__V1__Request *req);

/*
 * Runs one request from connection c. Takes ownership of req. The request
 * counts as in flight on c until its Call is answered.
 */
void dispatch_request(Conn *c, Triad__V1__Request *req);

/* Sends resp (status OK unless set) as the answer to call and frees call. */
void call_answer(Call *call, Triad__V1__Response *resp);

/*
 * Answers call with an error status and frees call. field names the
 * offending request field for INVALID_ARGUMENT, or is NULL.
 */
void call_fail(Call *call, Triad__V1__Code code, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Microseconds on the monotonic clock; for latencies and deadlines. */
uint64_t now_us(void);

#endif

/*
 * svc_util.h: what the handlers share: reading results, checking input,
 * and building paged lists.
 */
#ifndef TRIAD_SVC_UTIL_H
#define TRIAD_SVC_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "dispatch.h"
#include "text.h"

#define PAGE_SIZE_DEFAULT 50
#define PAGE_SIZE_MAX 500

/* The value at (row, col) as text; "" for SQL NULL. Valid while r lives,
 * which is until the database callback returns. */
static inline char *
cell(const PGresult *r, int row, int col)
{
	return PQgetvalue(r, row, col);
}

static inline bool
cell_bool(const PGresult *r, int row, int col)
{
	return PQgetvalue(r, row, col)[0] == 't';
}

/* Room for the text twin of one time field (text_time_us()). */
typedef char TimeText[TEXT_TIME_MAX];

/*
 * The time at (row, col), a triad_us() column (microseconds since the
 * epoch), into *us, and its deprecated text twin into *text, written into
 * buf (which must live as long as the message); 0 and "" for SQL NULL.
 */
void cell_time(const PGresult *r, int row, int col, int64_t *us, char **text, TimeText buf);

/*
 * The page size to use for a requested one, by the rule every list follows
 * (envelope.proto, PAGING): 0 is the default, more than PAGE_SIZE_MAX is
 * PAGE_SIZE_MAX. A negative size is refused by check_page_size().
 */
static inline int
page_size(int32_t requested)
{
	if (requested <= 0)
		return PAGE_SIZE_DEFAULT;
	return requested > PAGE_SIZE_MAX ? PAGE_SIZE_MAX : requested;
}

/* Each check answers the call with INVALID_ARGUMENT naming field (a dotted
 * path such as "create_person.email") and returns false when it fails. */
__attribute__((warn_unused_result))
bool check_text(Call *call, const char *field, const char *value, size_t min, size_t max);
__attribute__((warn_unused_result))
bool check_id(Call *call, const char *field, const char *value, bool required);
/* A list's page_size: negative is INVALID_ARGUMENT naming field; otherwise
 * *limit is page_size(requested). */
__attribute__((warn_unused_result))
bool check_page_size(Call *call, const char *field, int32_t requested, int *limit);
__attribute__((warn_unused_result))
bool check_page_token(Call *call, const char *field, const char *token, bool numeric);

/*
 * Whether field name of m was given: true for a field that is not alone in
 * a oneof, and for one that is (a proto3 optional number, see PRESENCE in
 * access.proto) when it was set, even to 0.
 */
bool field_given(const ProtobufCMessage *m, const char *name);

/* How to turn rows into one kind of protobuf message. */
typedef struct ListSpec {
	size_t msg_size;
	void (*init)(void *msg);
	/* times: ntimes buffers for this message's time texts (cell_time()). */
	void (*fill)(void *msg, const PGresult *r, int row, TimeText *times);
	int key_col;                 /* column whose value is the page token */
	int ntimes;                  /* time fields of one message */
} ListSpec;

/* A built list: items point into storage, strings into the PGresult or
 * times. */
typedef struct List {
	void **items;
	void *storage;
	TimeText *times;
	size_t n;
	char *next_page_token;
} List;

/*
 * Builds up to limit messages from r. The query asked for limit + 1 rows;
 * when it got them, next_page_token is the key of the last one returned.
 * Returns false when memory ran out.
 */
__attribute__((warn_unused_result))
bool list_build(const ListSpec *spec, const PGresult *r, int limit, List *out);
void list_free(List *l);

/* Answers UNAVAILABLE for a failed allocation; returns false. */
bool list_answer_oom(Call *call);

/* TransitionEnrollment (svc_certificate.c): a completion issues the
 * participant's certificate when this server can sign. */
void svc_enrollment_transition(Call *call, const Triad__V1__Request *req);

#endif

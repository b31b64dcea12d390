/*
 * test_strings.c: strings that are not text. A NUL byte in a string field
 * used to be answered OK and stored cut short ("before\0after" became
 * "before"); bytes that are not UTF-8 were echoed into Status.message, which
 * strict runtimes (Python, Go, Java) then could not decode, status code
 * included. Both are refused now, naming the field, before anything
 * reaches the database, and every answer is valid UTF-8.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "text.h"

static Triadd d;
static char inst[64];

static int
setup(void **state)
{
	triadd_start(&d, NULL);
	Sess op = sess_open(d.addr, test_token());
	make_institution(&op, "text", "Strings", inst);
	sess_close(&op);
	return 0;
}

static int
teardown(void **state)
{
	triadd_stop(&d, SIGTERM);
	return 0;
}

/* Packs a CreatePersonRequest with name and email, then replaces the
 * placeholder name (same length) by the raw bytes given. */
static void
send_person(int fd, uint64_t id, const char *raw_name, size_t raw_len, const char *email)
{
	char placeholder[64];
	memset(placeholder, 'Q', raw_len);
	placeholder[raw_len] = '\0';
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__CreatePersonRequest m = TRIAD__V1__CREATE_PERSON_REQUEST__INIT;
	m.name = placeholder;
	m.email = (char *)email;
	req.id = id;
	req.institution = inst;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_PERSON;
	req.create_person = &m;
	size_t n = triad__v1__request__get_packed_size(&req);
	uint8_t *buf = malloc(4 + n);
	assert_non_null(buf);
	triad__v1__request__pack(&req, buf + 4);
	uint8_t *at = memmem(buf + 4, n, placeholder, raw_len);
	assert_non_null(at);
	memcpy(at, raw_name, raw_len);
	buf[0] = (uint8_t)(n >> 24);
	buf[1] = (uint8_t)(n >> 16);
	buf[2] = (uint8_t)(n >> 8);
	buf[3] = (uint8_t)n;
	tc_send_raw(fd, buf, 4 + n);
	free(buf);
}

static void
expect_refused(Triad__V1__Response *r, const char *why)
{
	assert_non_null(r);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT);
	assert_string_equal(r->status->field, "create_person.name");
	expect_contains(r->status->message, why);
	assert_true(text_utf8_valid((const uint8_t *)r->status->message,
				    strlen(r->status->message)));
	rpc_free(r);
}

static void
test_a_nul_byte_is_refused_not_cut(void **state)
{
	int fd = tc_session(d.addr);
	char email[128];
	test_unique(email, sizeof email, "nul");
	strcat(email, "@example.org");
	static const char name[] = "before\0after";
	send_person(fd, 5, name, sizeof name - 1, email);
	expect_refused(tc_recv(fd, 10000, NULL), "contains a NUL byte");
	/* Nothing reached the database. */
	char *n = owner_sql("SELECT count(*) FROM person WHERE email = $1", email, NULL, NULL);
	assert_string_equal(n, "0");
	free(n);
	close(fd);
}

static void
test_bytes_that_are_not_utf8_are_refused(void **state)
{
	int fd = tc_session(d.addr);
	static const char name[] = "Caf\xe9 \xff\xfe";
	send_person(fd, 6, name, sizeof name - 1, "latin1@example.org");
	expect_refused(tc_recv(fd, 10000, NULL), "is not valid UTF-8");
	/* The connection goes on. */
	tc_send_ping(fd, 7, false);
	Triad__V1__Response *r = tc_recv(fd, 10000, NULL);
	assert_non_null(r);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
	rpc_free(r);
	close(fd);
}

/* A message that quotes a client's id, cut at 64 bytes in the middle of a
 * character, is still UTF-8. */
static void
test_a_quoted_value_cut_short_stays_utf8(void **state)
{
	int fd = tc_session(d.addr);
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__GetEventRequest m = TRIAD__V1__GET_EVENT_REQUEST__INIT;
	/* 63 bytes, then a 3-byte character: the message quotes 64 bytes of it,
	 * which ends inside that character. */
	char cut[128];
	memset(cut, 'x', 63);
	strcpy(cut + 63, "\xe2\x82\xac");
	m.id = cut;
	req.id = 8;
	/* An event is named by its id alone (a cohort's id field would take a
	 * name too, and be looked up). */
	req.body_case = TRIAD__V1__REQUEST__BODY_GET_EVENT;
	req.get_event = &m;
	req.institution = "no-such-place";
	tc_send(fd, &req);
	Triad__V1__Response *r = tc_recv(fd, 10000, NULL);
	assert_non_null(r);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT);
	expect_contains(r->status->message, "is not an id");
	assert_true(text_utf8_valid((const uint8_t *)r->status->message,
				    strlen(r->status->message)));
	rpc_free(r);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_nul_byte_is_refused_not_cut),
		cmocka_unit_test(test_bytes_that_are_not_utf8_are_refused),
		cmocka_unit_test(test_a_quoted_value_cut_short_stays_utf8),
	};
	return harness_run_group_tests(tests, setup, teardown);
}

/*
 * test_protocol.c: the protocol as a partner's program sees it, against a
 * real triadd and a real PostgreSQL.
 */
#include "harness.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frame.h"

static Triadd d;

static int
setup(void **state)
{
	triadd_start(&d, NULL);
	return 0;
}

static int
teardown(void **state)
{
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
	return 0;
}

static void
test_hello_reports_limits(void **state)
{
	int fd = tc_connect(d.addr);
	tc_send_hello(fd, 5, TRIAD_PROTOCOL_VERSION);
	Triad__V1__Response *r = tc_expect(fd, 5, TRIAD__V1__CODE__CODE_OK);
	assert_int_equal(r->body_case, TRIAD__V1__RESPONSE__BODY_HELLO);
	assert_int_equal(r->hello->protocol_version, TRIAD_PROTOCOL_VERSION);
	assert_string_equal(r->hello->server_version, "triadd/" TRIAD_VERSION);
	assert_int_equal(r->hello->max_frame_bytes, 1048576);
	assert_int_equal(r->hello->max_in_flight, 128);
	assert_int_equal(r->hello->idle_timeout_seconds, 300);
	triad__v1__response__free_unpacked(r, NULL);
	close(fd);
}

static void
test_ping_over_tcp(void **state)
{
	int fd = tc_session(d.addr);
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__Ping ping = TRIAD__V1__PING__INIT;
	ping.payload.data = (uint8_t *)"marco";
	ping.payload.len = 5;
	req.id = 2;
	req.body_case = TRIAD__V1__REQUEST__BODY_PING;
	req.ping = &ping;
	tc_send(fd, &req);
	Triad__V1__Response *r = tc_expect(fd, 2, TRIAD__V1__CODE__CODE_OK);
	assert_int_equal(r->body_case, TRIAD__V1__RESPONSE__BODY_PING);
	assert_false(r->ping->database);
	assert_int_equal(r->ping->payload.len, 5);
	assert_memory_equal(r->ping->payload.data, "marco", 5);
	assert_true(r->ping->server_time_us > 1700000000000000LL);
	triad__v1__response__free_unpacked(r, NULL);

	/* Through the database too. */
	ping.database = true;
	req.id = 3;
	tc_send(fd, &req);
	r = tc_expect(fd, 3, TRIAD__V1__CODE__CODE_OK);
	assert_true(r->ping->database);
	assert_memory_equal(r->ping->payload.data, "marco", 5);
	triad__v1__response__free_unpacked(r, NULL);
	close(fd);
}

/* Appends a frame holding Ping{id} to buf at *n. */
static void
put_ping(uint8_t *buf, size_t *n, uint64_t id)
{
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__Ping ping = TRIAD__V1__PING__INIT;

	req.id = id;
	req.body_case = TRIAD__V1__REQUEST__BODY_PING;
	req.ping = &ping;
	size_t len = triad__v1__request__pack(&req, buf + *n + FRAME_HEADER_BYTES);
	frame_put_u32(buf + *n, (uint32_t)len);
	*n += FRAME_HEADER_BYTES + len;
}

/*
 * Requests and a frame that ends the connection, in one write: the daemon
 * takes them as one batch, and the answers to the requests before the bad
 * frame come first, in order, then the refusal, then the close.
 */
static void
test_answers_before_the_goodbye(void **state)
{
	enum { N = 40 };
	static const uint8_t bad[][8] = {
		{0, 0, 0, 0},                                 /* empty */
		{0, 0, 0, 4, 0xff, 0xff, 0xff, 0xff},         /* not a Request */
	};
	static const size_t bad_len[] = {4, 8};
	static const char *why[] = {"empty frame: a frame must hold one Request",
				    "frame does not hold a valid Request message"};

	for (int b = 0; b < 2; b++) {
		uint8_t buf[N * 32 + 16];
		size_t n = 0;
		int fd = tc_session(d.addr);
		for (uint64_t id = 1; id <= N; id++)
			put_ping(buf, &n, id);
		memcpy(buf + n, bad[b], bad_len[b]);
		n += bad_len[b];
		tc_send_raw(fd, buf, n);
		for (uint64_t id = 1; id <= N; id++) {
			Triad__V1__Response *r = tc_recv(fd, 10000, NULL);
			assert_non_null(r);
			assert_int_equal(r->id, id);
			assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
			triad__v1__response__free_unpacked(r, NULL);
		}
		Triad__V1__Response *r = tc_expect(fd, 0, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT);
		assert_string_equal(r->status->message, why[b]);
		triad__v1__response__free_unpacked(r, NULL);
		assert_true(tc_closed(fd, 5000));
		close(fd);
	}
}

/*
 * More answers to one batch than the daemon stages (64 KB, conn.c). A read
 * takes up to 16 KB of frames, so the answers must be larger than the
 * requests: a Request without a body (6 bytes) is answered with an error
 * of some 80 bytes. 6,000 of them, every other one a ping, in one write:
 * the answers that do not fit go out after those staged, the stage fills
 * again, and every answer arrives once, in order.
 */
static void
test_answers_past_the_stage(void **state)
{
	enum { N = 6000 };
	size_t cap = (size_t)N * 16, n = 0;
	uint8_t *buf = malloc(cap);
	assert_non_null(buf);
	int fd = tc_session(d.addr);
	for (uint64_t id = 1; id <= N; id++) {
		if (id % 2 == 0) {
			put_ping(buf, &n, id);
			continue;
		}
		Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
		req.id = id;
		size_t len = triad__v1__request__pack(&req, buf + n + FRAME_HEADER_BYTES);
		frame_put_u32(buf + n, (uint32_t)len);
		n += FRAME_HEADER_BYTES + len;
	}
	assert_true(n <= cap);
	tc_send_raw(fd, buf, n);
	free(buf);
	size_t answered = 0;
	for (uint64_t id = 1; id <= N; id++) {
		Triad__V1__Response *r = tc_recv(fd, 10000, NULL);
		assert_non_null(r);
		if (r->id != id)
			fail_msg("answer %" PRIu64 " came where %" PRIu64 " was due", r->id, id);
		assert_int_equal(r->status->code, id % 2 == 0 ? TRIAD__V1__CODE__CODE_OK
							     : TRIAD__V1__CODE__CODE_INVALID_ARGUMENT);
		answered += triad__v1__response__get_packed_size(r) + FRAME_HEADER_BYTES;
		triad__v1__response__free_unpacked(r, NULL);
	}
	/* Four reads' worth of answers at least, each more than the stage. */
	assert_true(answered > 4 * 64 * 1024);
	close(fd);
}

static void
test_thousand_pipelined_requests(void **state)
{
	enum { N = 1000 };
	int fd = tc_session(d.addr);
	static bool seen[N + 1];
	memset(seen, 0, sizeof seen);

	/* All 1,000 go out before a single answer is read. */
	for (uint64_t id = 1; id <= N; id++)
		tc_send_ping(fd, id, id % 2 == 0);
	for (int i = 0; i < N; i++) {
		Triad__V1__Response *r = tc_recv(fd, 20000, NULL);
		assert_non_null(r);
		assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
		assert_true(r->id >= 1 && r->id <= N);
		assert_false(seen[r->id]);
		seen[r->id] = true;
		assert_int_equal(r->ping->database, r->id % 2 == 0);
		triad__v1__response__free_unpacked(r, NULL);
	}
	for (int id = 1; id <= N; id++)
		assert_true(seen[id]);
	close(fd);
}

static void
test_request_before_hello_is_unauthenticated(void **state)
{
	int fd = tc_connect(d.addr);
	tc_send_ping(fd, 9, false);
	Triad__V1__Response *r = tc_expect(fd, 9, TRIAD__V1__CODE__CODE_UNAUTHENTICATED);
	assert_string_equal(r->status->message,
			    "no session: the first request on a connection must be a Hello");
	triad__v1__response__free_unpacked(r, NULL);
	assert_true(tc_closed(fd, 5000));
	close(fd);
}

static void
test_unsupported_version(void **state)
{
	int fd = tc_connect(d.addr);
	tc_send_hello(fd, 1, 99);
	Triad__V1__Response *r = tc_expect(fd, 1, TRIAD__V1__CODE__CODE_FAILED_PRECONDITION);
	assert_string_equal(r->status->field, "hello.protocol_version");
	assert_string_equal(r->status->message,
			    "protocol version 99 is not supported; this server speaks version 1");
	triad__v1__response__free_unpacked(r, NULL);
	assert_true(tc_closed(fd, 5000));
	close(fd);
}

static void
test_second_hello_is_refused(void **state)
{
	int fd = tc_session(d.addr);
	tc_send_hello(fd, 2, TRIAD_PROTOCOL_VERSION);
	Triad__V1__Response *r = tc_expect(fd, 2, TRIAD__V1__CODE__CODE_FAILED_PRECONDITION);
	triad__v1__response__free_unpacked(r, NULL);
	/* The session goes on. */
	tc_send_ping(fd, 3, false);
	triad__v1__response__free_unpacked(tc_expect(fd, 3, TRIAD__V1__CODE__CODE_OK), NULL);
	close(fd);
}

static void
test_unknown_kind_and_missing_body(void **state)
{
	int fd = tc_session(d.addr);
	/* id=4 with field 99, which a newer client might send. */
	uint8_t unknown[] = {0, 0, 0, 5, 0x08, 0x04, 0x9a, 0x06, 0x00};
	tc_send_raw(fd, unknown, sizeof unknown);
	Triad__V1__Response *r = tc_expect(fd, 4, TRIAD__V1__CODE__CODE_UNIMPLEMENTED);
	triad__v1__response__free_unpacked(r, NULL);

	/* id=5 and nothing else. */
	uint8_t nobody[] = {0, 0, 0, 2, 0x08, 0x05};
	tc_send_raw(fd, nobody, sizeof nobody);
	r = tc_expect(fd, 5, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT);
	assert_string_equal(r->status->field, "body");
	triad__v1__response__free_unpacked(r, NULL);

	/* Neither costs the session. */
	tc_send_ping(fd, 6, true);
	triad__v1__response__free_unpacked(tc_expect(fd, 6, TRIAD__V1__CODE__CODE_OK), NULL);
	close(fd);
}

static void
test_invalid_field_is_named(void **state)
{
	int fd = tc_session(d.addr);
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__Ping ping = TRIAD__V1__PING__INIT;
	static uint8_t big[2000];
	ping.payload.data = big;
	ping.payload.len = sizeof big;
	req.id = 8;
	req.body_case = TRIAD__V1__REQUEST__BODY_PING;
	req.ping = &ping;
	tc_send(fd, &req);
	Triad__V1__Response *r = tc_expect(fd, 8, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT);
	assert_string_equal(r->status->field, "ping.payload");
	assert_string_equal(r->status->message, "payload is 2000 bytes; at most 1024 are echoed");
	triad__v1__response__free_unpacked(r, NULL);
	close(fd);
}

static void
test_client_gone_mid_request(void **state)
{
	/* Clients that vanish with database requests in flight, again and again:
	 * the answers find nobody, and nothing is touched after it is freed
	 * (the suite runs under AddressSanitizer). */
	for (int round = 0; round < 20; round++) {
		int fd = tc_session(d.addr);
		for (uint64_t id = 1; id <= 50; id++)
			tc_send_ping(fd, id, true);
		close(fd);
	}
	/* The daemon carries on. */
	int fd = tc_session(d.addr);
	tc_send_ping(fd, 1, true);
	triad__v1__response__free_unpacked(tc_expect(fd, 1, TRIAD__V1__CODE__CODE_OK), NULL);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello_reports_limits),
		cmocka_unit_test(test_ping_over_tcp),
		cmocka_unit_test(test_thousand_pipelined_requests),
		cmocka_unit_test(test_answers_before_the_goodbye),
		cmocka_unit_test(test_answers_past_the_stage),
		cmocka_unit_test(test_request_before_hello_is_unauthenticated),
		cmocka_unit_test(test_unsupported_version),
		cmocka_unit_test(test_second_hello_is_refused),
		cmocka_unit_test(test_unknown_kind_and_missing_body),
		cmocka_unit_test(test_invalid_field_is_named),
		cmocka_unit_test(test_client_gone_mid_request),
	};
	return harness_run_group_tests(tests, setup, teardown);
}

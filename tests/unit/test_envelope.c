/*
 * test_envelope.c: a Response written by the daemon reads back as sent, and
 * a Request a client packs is the Request the daemon takes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "frame.h"

static void
test_response_round_trip(void **state)
{
	struct evbuffer *out = evbuffer_new();
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	Triad__V1__Status st = TRIAD__V1__STATUS__INIT;
	Triad__V1__PingReply pong = TRIAD__V1__PING_REPLY__INIT;

	st.code = TRIAD__V1__CODE__CODE_INVALID_ARGUMENT;
	st.message = "payload is too long";
	st.field = "ping.payload";
	pong.server_time_us = 1790000000123456;
	pong.database = true;
	pong.payload.data = (uint8_t *)"abc";
	pong.payload.len = 3;
	resp.id = 0xfedcba9876543210u;
	resp.status = &st;
	resp.body_case = TRIAD__V1__RESPONSE__BODY_PING;
	resp.ping = &pong;
	assert_true(frame_append_response(out, &resp));

	size_t total = evbuffer_get_length(out);
	uint8_t *p = evbuffer_pullup(out, -1);
	assert_int_equal(frame_get_u32(p), total - FRAME_HEADER_BYTES);

	Triad__V1__Response *back = triad__v1__response__unpack(NULL, total - 4, p + 4);
	assert_non_null(back);
	assert_int_equal(back->id, 0xfedcba9876543210u);
	assert_int_equal(back->status->code, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT);
	assert_string_equal(back->status->message, "payload is too long");
	assert_string_equal(back->status->field, "ping.payload");
	assert_int_equal(back->body_case, TRIAD__V1__RESPONSE__BODY_PING);
	assert_int_equal(back->ping->server_time_us, 1790000000123456);
	assert_true(back->ping->database);
	assert_memory_equal(back->ping->payload.data, "abc", 3);
	triad__v1__response__free_unpacked(back, NULL);
	evbuffer_free(out);
}

static void
test_request_round_trip(void **state)
{
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__Hello hello = TRIAD__V1__HELLO__INIT;
	uint8_t buf[256];

	hello.protocol_version = 1;
	hello.token = "tok_abc";
	hello.client_name = "acme-hr-sync/2.3";
	req.id = 77;
	req.idempotency_key = "retry-me-once";
	req.body_case = TRIAD__V1__REQUEST__BODY_HELLO;
	req.hello = &hello;
	size_t n = triad__v1__request__pack(&req, buf + 4);
	frame_put_u32(buf, (uint32_t)n);

	struct evbuffer *in = evbuffer_new();
	evbuffer_add(in, buf, n + 4);
	uint32_t len = 0;
	assert_int_equal(frame_peek(in, 1024, &len), FRAME_READY);
	Triad__V1__Request *back = NULL;
	assert_int_equal(frame_take_request(in, len, &back), DECODE_OK);
	assert_int_equal(back->id, 77);
	assert_string_equal(back->idempotency_key, "retry-me-once");
	assert_int_equal(back->body_case, TRIAD__V1__REQUEST__BODY_HELLO);
	assert_int_equal(back->hello->protocol_version, 1);
	assert_string_equal(back->hello->token, "tok_abc");
	assert_string_equal(back->hello->client_name, "acme-hr-sync/2.3");
	triad__v1__request__free_unpacked(back, NULL);
	evbuffer_free(in);
}

static void
test_unknown_request_kind_keeps_unknown_field(void **state)
{
	/* id=5 and a field 99 (length-delimited, empty) from a newer client. */
	uint8_t buf[] = {0, 0, 0, 5, 0x08, 0x05, 0x9a, 0x06, 0x00};
	struct evbuffer *in = evbuffer_new();
	uint32_t len = 0;
	Triad__V1__Request *req = NULL;

	evbuffer_add(in, buf, sizeof buf);
	assert_int_equal(frame_peek(in, 1024, &len), FRAME_READY);
	assert_int_equal(frame_take_request(in, len, &req), DECODE_OK);
	assert_int_equal(req->id, 5);
	assert_int_equal(req->body_case, TRIAD__V1__REQUEST__BODY__NOT_SET);
	/* The dispatcher tells UNIMPLEMENTED from a missing body by this. */
	assert_int_equal(req->base.n_unknown_fields, 1);
	triad__v1__request__free_unpacked(req, NULL);
	evbuffer_free(in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_response_round_trip),
		cmocka_unit_test(test_request_round_trip),
		cmocka_unit_test(test_unknown_request_kind_keeps_unknown_field),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

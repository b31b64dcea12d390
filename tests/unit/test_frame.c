/*
 * test_frame.c: the frame reader under every way a peer can cut, pile up or
 * lie about its frames.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frame.h"

#define LIMIT 1024

/* Encodes a Request{id, ping{payload}} as a whole frame into buf. */
static size_t
encode_ping(uint8_t *buf, uint64_t id, const char *payload)
{
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__Ping ping = TRIAD__V1__PING__INIT;

	ping.payload.data = (uint8_t *)payload;
	ping.payload.len = strlen(payload);
	req.id = id;
	req.body_case = TRIAD__V1__REQUEST__BODY_PING;
	req.ping = &ping;
	size_t n = triad__v1__request__pack(&req, buf + FRAME_HEADER_BYTES);
	frame_put_u32(buf, (uint32_t)n);
	return n + FRAME_HEADER_BYTES;
}

static void
assert_ping(struct evbuffer *in, uint32_t len, uint64_t id, const char *payload)
{
	Triad__V1__Request *req = NULL;
	assert_int_equal(frame_take_request(in, len, &req), DECODE_OK);
	assert_non_null(req);
	assert_int_equal(req->id, id);
	assert_int_equal(req->body_case, TRIAD__V1__REQUEST__BODY_PING);
	assert_int_equal(req->ping->payload.len, strlen(payload));
	assert_memory_equal(req->ping->payload.data, payload, strlen(payload));
	triad__v1__request__free_unpacked(req, NULL);
}

static void
test_one_byte_at_a_time(void **state)
{
	uint8_t buf[256];
	size_t n = encode_ping(buf, 42, "hello, world");
	struct evbuffer *in = evbuffer_new();
	uint32_t len = 0;

	for (size_t i = 0; i < n; i++) {
		assert_int_equal(frame_peek(in, LIMIT, &len), FRAME_INCOMPLETE);
		evbuffer_add(in, buf + i, 1);
	}
	assert_int_equal(frame_peek(in, LIMIT, &len), FRAME_READY);
	assert_int_equal(len, n - FRAME_HEADER_BYTES);
	assert_ping(in, len, 42, "hello, world");
	assert_int_equal(evbuffer_get_length(in), 0);
	evbuffer_free(in);
}

static void
test_cut_at_every_position(void **state)
{
	uint8_t buf[256];
	size_t n = encode_ping(buf, 7, "cut me anywhere");

	for (size_t cut = 0; cut <= n; cut++) {
		struct evbuffer *in = evbuffer_new();
		uint32_t len = 0;
		evbuffer_add(in, buf, cut);
		assert_int_equal(frame_peek(in, LIMIT, &len),
				 cut == n ? FRAME_READY : FRAME_INCOMPLETE);
		evbuffer_add(in, buf + cut, n - cut);
		assert_int_equal(frame_peek(in, LIMIT, &len), FRAME_READY);
		assert_ping(in, len, 7, "cut me anywhere");
		evbuffer_free(in);
	}
}

static void
test_several_frames_in_one_read(void **state)
{
	uint8_t buf[512];
	size_t n = encode_ping(buf, 1, "a");
	n += encode_ping(buf + n, 2, "bb");
	n += encode_ping(buf + n, 3, "ccc");
	size_t half = encode_ping(buf + n, 4, "dddd");
	struct evbuffer *in = evbuffer_new();
	uint32_t len = 0;

	/* Three whole frames and half of a fourth arrive together. */
	evbuffer_add(in, buf, n + half / 2);
	const char *payloads[] = {"a", "bb", "ccc"};
	for (uint64_t id = 1; id <= 3; id++) {
		assert_int_equal(frame_peek(in, LIMIT, &len), FRAME_READY);
		assert_ping(in, len, id, payloads[id - 1]);
	}
	assert_int_equal(frame_peek(in, LIMIT, &len), FRAME_INCOMPLETE);
	evbuffer_add(in, buf + n + half / 2, half - half / 2);
	assert_int_equal(frame_peek(in, LIMIT, &len), FRAME_READY);
	assert_ping(in, len, 4, "dddd");
	evbuffer_free(in);
}

static void
test_length_zero(void **state)
{
	uint8_t hdr[4] = {0, 0, 0, 0};
	struct evbuffer *in = evbuffer_new();
	uint32_t len = 99;

	evbuffer_add(in, hdr, sizeof hdr);
	assert_int_equal(frame_peek(in, LIMIT, &len), FRAME_EMPTY);
	assert_int_equal(len, 0);
	evbuffer_free(in);
}

static void
test_length_over_limit_known_from_header(void **state)
{
	uint8_t hdr[4];
	struct evbuffer *in = evbuffer_new();
	uint32_t len = 0;

	frame_put_u32(hdr, LIMIT + 1);
	/* Only the header has arrived: the refusal must not wait for the body. */
	evbuffer_add(in, hdr, 3);
	assert_int_equal(frame_peek(in, LIMIT, &len), FRAME_INCOMPLETE);
	evbuffer_add(in, hdr + 3, 1);
	assert_int_equal(frame_peek(in, LIMIT, &len), FRAME_TOO_LARGE);
	assert_int_equal(len, LIMIT + 1);

	/* A frame exactly at the limit is fine. */
	evbuffer_drain(in, 4);
	frame_put_u32(hdr, LIMIT);
	evbuffer_add(in, hdr, 4);
	assert_int_equal(frame_peek(in, LIMIT, &len), FRAME_INCOMPLETE);
	frame_put_u32(hdr, 0xffffffffu);
	evbuffer_drain(in, 4);
	evbuffer_add(in, hdr, 4);
	assert_int_equal(frame_peek(in, LIMIT, &len), FRAME_TOO_LARGE);
	evbuffer_free(in);
}

static void
test_truncated_body_waits(void **state)
{
	uint8_t buf[256];
	size_t n = encode_ping(buf, 9, "truncated body");
	struct evbuffer *in = evbuffer_new();
	uint32_t len = 0;

	evbuffer_add(in, buf, n - 1);
	assert_int_equal(frame_peek(in, LIMIT, &len), FRAME_INCOMPLETE);
	assert_int_equal(evbuffer_get_length(in), n - 1);   /* nothing consumed */
	evbuffer_free(in);
}

static void
test_garbage_protobuf_is_refused_and_consumed(void **state)
{
	uint8_t buf[16] = {0, 0, 0, 6, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	struct evbuffer *in = evbuffer_new();
	Triad__V1__Request *req = (Triad__V1__Request *)1;
	uint32_t len = 0;

	evbuffer_add(in, buf, 10);
	assert_int_equal(frame_peek(in, LIMIT, &len), FRAME_READY);
	assert_int_equal(frame_take_request(in, len, &req), DECODE_GARBAGE);
	assert_null(req);
	assert_int_equal(evbuffer_get_length(in), 0);
	evbuffer_free(in);
}

static void
test_header_that_lies_short(void **state)
{
	uint8_t buf[256];
	size_t n = encode_ping(buf, 5, "a payload that is cut short");
	struct evbuffer *in = evbuffer_new();
	Triad__V1__Request *req = NULL;
	uint32_t len = 0;

	/* The header claims fewer bytes than the message has: the decoder sees
	 * a length-delimited field running past the end of the frame. */
	frame_put_u32(buf, (uint32_t)(n - FRAME_HEADER_BYTES - 5));
	evbuffer_add(in, buf, n);
	assert_int_equal(frame_peek(in, LIMIT, &len), FRAME_READY);
	assert_int_equal(frame_take_request(in, len, &req), DECODE_GARBAGE);
	/* The rest of the bytes are now the start of a bogus next frame. */
	assert_int_equal(evbuffer_get_length(in), 5);
	evbuffer_free(in);
}

static void
test_zero_id_is_refused(void **state)
{
	uint8_t buf[256];
	size_t n = encode_ping(buf, 0, "x");
	struct evbuffer *in = evbuffer_new();
	Triad__V1__Request *req = NULL;
	uint32_t len = 0;

	evbuffer_add(in, buf, n);
	assert_int_equal(frame_peek(in, LIMIT, &len), FRAME_READY);
	assert_int_equal(frame_take_request(in, len, &req), DECODE_ZERO_ID);
	assert_non_null(req);
	triad__v1__request__free_unpacked(req, NULL);
	assert_string_equal(frame_decode_message(DECODE_ZERO_ID),
			    "request id 0 is reserved for the server: use a non-zero id");
	evbuffer_free(in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_byte_at_a_time),
		cmocka_unit_test(test_cut_at_every_position),
		cmocka_unit_test(test_several_frames_in_one_read),
		cmocka_unit_test(test_length_zero),
		cmocka_unit_test(test_length_over_limit_known_from_header),
		cmocka_unit_test(test_truncated_body_waits),
		cmocka_unit_test(test_garbage_protobuf_is_refused_and_consumed),
		cmocka_unit_test(test_header_that_lies_short),
		cmocka_unit_test(test_zero_id_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

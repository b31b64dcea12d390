/*
 * test_frame.c: the frame reader under every way a peer can cut, pile up or
 * lie about its frames, and the scan that bounds what decoding one costs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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

/*
 * A batch read in place (FrameCursor, as conn.c reads): forty frames and
 * half of another, in two chains cut at every position (chains that
 * evbuffer_add_reference() keeps apart, so a frame across the cut must be
 * pulled up). Every frame comes out whole and in order, and after the
 * drain only the half frame is left.
 */
static void
test_cursor_reads_a_batch_across_chains(void **state)
{
	enum { N = 40 };
	uint8_t buf[N * 32 + 64];
	char payload[N + 1][16];
	size_t n = 0;

	for (int i = 0; i <= N; i++) {
		snprintf(payload[i], sizeof payload[i], "p%.*s", i % 11, "xxxxxxxxxxx");
		n += encode_ping(buf + n, (uint64_t)i + 1, payload[i]);
	}
	size_t last = encode_ping(buf + n, 99, "the half one");
	size_t whole = n, all = n + last / 2;
	(void)state;

	for (size_t cut = 0; cut <= all; cut++) {
		struct evbuffer *in = evbuffer_new();
		assert_non_null(in);
		assert_int_equal(evbuffer_add_reference(in, buf, cut, NULL, NULL), 0);
		assert_int_equal(evbuffer_add_reference(in, buf + cut, all - cut, NULL, NULL), 0);
		FrameCursor cur = {.in = in};
		uint32_t len = 0;
		for (int i = 0; i <= N; i++) {
			assert_int_equal(frame_cursor_peek(&cur, LIMIT, &len), FRAME_READY);
			const uint8_t *body = frame_cursor_body(&cur, len);
			assert_non_null(body);
			Triad__V1__Request *req = triad__v1__request__unpack(NULL, len, body);
			assert_non_null(req);
			assert_int_equal(req->id, (uint64_t)i + 1);
			assert_int_equal(req->ping->payload.len, strlen(payload[i]));
			assert_memory_equal(req->ping->payload.data, payload[i], strlen(payload[i]));
			triad__v1__request__free_unpacked(req, NULL);
			frame_cursor_skip(&cur, len);
			assert_true(cur.taken <= whole);
		}
		assert_int_equal(frame_cursor_peek(&cur, LIMIT, &len), FRAME_INCOMPLETE);
		frame_cursor_drain(&cur);
		assert_int_equal(cur.taken, 0);
		assert_int_equal(evbuffer_get_length(in), all - whole);
		assert_int_equal(frame_peek(in, LIMIT, &len), FRAME_INCOMPLETE);
		evbuffer_free(in);
	}
}

/* The cursor refuses as frame_peek() does, at the frame it has reached. */
static void
test_cursor_refuses_after_good_frames(void **state)
{
	uint8_t buf[256];
	size_t n = encode_ping(buf, 5, "fine");
	uint8_t big[4], empty[4] = {0, 0, 0, 0};
	struct evbuffer *in = evbuffer_new();
	FrameCursor cur = {.in = in};
	uint32_t len = 0;
	(void)state;

	frame_put_u32(big, LIMIT + 1);
	evbuffer_add(in, buf, n);
	evbuffer_add(in, empty, sizeof empty);
	evbuffer_add(in, buf, n);
	evbuffer_add(in, big, sizeof big);
	assert_int_equal(frame_cursor_peek(&cur, LIMIT, &len), FRAME_READY);
	frame_cursor_skip(&cur, len);
	assert_int_equal(frame_cursor_peek(&cur, LIMIT, &len), FRAME_EMPTY);
	frame_cursor_skip(&cur, 0);
	assert_int_equal(frame_cursor_peek(&cur, LIMIT, &len), FRAME_READY);
	frame_cursor_skip(&cur, len);
	assert_int_equal(frame_cursor_peek(&cur, LIMIT, &len), FRAME_TOO_LARGE);
	assert_int_equal(len, LIMIT + 1);
	frame_cursor_drain(&cur);
	assert_int_equal(evbuffer_get_length(in), sizeof big);
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

/* ---- frame_scan() ---- */

/* A growing buffer of wire bytes, for frames no encoder would write. */
typedef struct Wire {
	uint8_t *p;
	size_t len, cap;
} Wire;

static void
wire_byte(Wire *w, uint8_t b)
{
	if (w->len == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 256;
		w->p = realloc(w->p, w->cap);
		assert_non_null(w->p);
	}
	w->p[w->len++] = b;
}

static void
wire_varint(Wire *w, uint64_t v)
{
	while (v >= 0x80) {
		wire_byte(w, (uint8_t)(v | 0x80));
		v >>= 7;
	}
	wire_byte(w, (uint8_t)v);
}

static void
wire_tag(Wire *w, uint32_t field, unsigned wire)
{
	wire_varint(w, (uint64_t)field << 3 | wire);
}

/* Appends field (length-delimited) holding inner's bytes. */
static void
wire_message(Wire *w, uint32_t field, const Wire *inner)
{
	wire_tag(w, field, 2);
	wire_varint(w, inner->len);
	for (size_t i = 0; i < inner->len; i++)
		wire_byte(w, inner->p[i]);
}

/*
 * Request{id, create_programme{programme{start_moments: n empty strings}}}:
 * the shape of the repeated-field bomb.
 */
static Wire
programme_bomb(uint64_t id, size_t n)
{
	Wire prog = {0}, create = {0}, req = {0};
	for (size_t i = 0; i < n; i++) {
		wire_tag(&prog, 9, 2);   /* Programme.start_moments */
		wire_byte(&prog, 0);
	}
	wire_message(&create, 1, &prog);     /* CreateProgrammeRequest.programme */
	wire_tag(&req, 1, 0);                /* Request.id */
	wire_varint(&req, id);
	wire_message(&req, 40, &create);     /* Request.create_programme */
	free(prog.p);
	free(create.p);
	return req;
}

static void
test_scan_refuses_too_many_values_naming_the_field(void **state)
{
	FrameScan scan;
	/* id, create_programme and programme are three values of 10,000. */
	Wire ok = programme_bomb(7, FRAME_VALUES_MAX - 3);
	assert_int_equal(frame_scan(ok.p, ok.len, &scan), SCAN_OK);
	assert_int_equal(scan.values, FRAME_VALUES_MAX);
	assert_int_equal(scan.id, 7);
	Triad__V1__Request *req = triad__v1__request__unpack(NULL, ok.len, ok.p);
	assert_non_null(req);
	assert_int_equal(req->create_programme->programme->n_start_moments, FRAME_VALUES_MAX - 3);
	triad__v1__request__free_unpacked(req, NULL);
	free(ok.p);

	Wire bomb = programme_bomb(8, FRAME_VALUES_MAX - 2);
	assert_int_equal(frame_scan(bomb.p, bomb.len, &scan), SCAN_TOO_MANY_VALUES);
	assert_int_equal(scan.id, 8);
	assert_string_equal(scan.field, "create_programme.programme.start_moments");
	char msg[512];
	frame_scan_message(SCAN_TOO_MANY_VALUES, &scan, msg, sizeof msg);
	assert_string_equal(msg, "create_programme.programme.start_moments holds too many values: "
			    "a request may hold at most 10000 in all, each element of a "
			    "repeated field counting as one");
	free(bomb.p);

	/* The frame of the report: 1 MiB of empty strings, refused early. */
	Wire big = programme_bomb(9, 524000);
	assert_true(big.len <= 1u << 20);
	assert_int_equal(frame_scan(big.p, big.len, &scan), SCAN_TOO_MANY_VALUES);
	assert_int_equal(scan.values, FRAME_VALUES_MAX + 1);
	free(big.p);
}

static void
test_scan_counts_unknown_fields(void **state)
{
	FrameScan scan;
	Wire w = {0};

	wire_tag(&w, 1, 0);
	wire_varint(&w, 3);
	for (int i = 0; i < FRAME_UNKNOWN_MAX; i++) {
		wire_tag(&w, 100000 + (uint32_t)i, 0);   /* numbers no Request field has */
		wire_varint(&w, 1);
	}
	assert_int_equal(frame_scan(w.p, w.len, &scan), SCAN_OK);
	assert_int_equal(scan.unknown, FRAME_UNKNOWN_MAX);
	wire_tag(&w, 200000, 2);
	wire_varint(&w, 0);
	assert_int_equal(frame_scan(w.p, w.len, &scan), SCAN_TOO_MANY_UNKNOWN);
	assert_int_equal(scan.unknown_number, 200000);
	assert_int_equal(scan.id, 3);
	assert_string_equal(scan.field, "");
	free(w.p);
}

static void
test_scan_refuses_a_singular_message_twice(void **state)
{
	FrameScan scan;
	Wire empty = {0}, w = {0};

	wire_tag(&w, 1, 0);
	wire_varint(&w, 4);
	wire_message(&w, 11, &empty);   /* ping */
	assert_int_equal(frame_scan(w.p, w.len, &scan), SCAN_OK);
	wire_message(&w, 10, &empty);   /* hello: another member of the oneof is fine */
	assert_int_equal(frame_scan(w.p, w.len, &scan), SCAN_OK);
	wire_message(&w, 11, &empty);   /* ping again: protobuf-c would merge */
	assert_int_equal(frame_scan(w.p, w.len, &scan), SCAN_SINGULAR_TWICE);
	assert_string_equal(scan.field, "ping");
	free(w.p);
}

/*
 * The scan is never stricter than the decoder about the wire format: for
 * every cut and many corruptions of real requests, a frame the scan calls
 * malformed does not unpack, and one it passes unpacks exactly as before.
 * (Strings that are not text it refuses on purpose: SCAN_BAD_TEXT.)
 */
static void
test_scan_agrees_with_the_decoder(void **state)
{
	static const uint8_t values[] = {0x00, 0x01, 0x02, 0x05, 0x07, 0x0a, 0x7f, 0x80, 0xff};
	uint8_t buf[256];
	size_t n = encode_ping(buf, 300, "a payload of some length");
	Wire prog = programme_bomb(5, 3);
	const struct {
		const uint8_t *p;
		size_t len;
	} samples[] = {{buf + FRAME_HEADER_BYTES, n - FRAME_HEADER_BYTES}, {prog.p, prog.len}};

	for (size_t s = 0; s < sizeof samples / sizeof samples[0]; s++) {
		uint8_t copy[256];
		size_t len = samples[s].len;
		assert_true(len <= sizeof copy);
		for (size_t cut = 0; cut <= len; cut++) {
			for (size_t pos = 0; pos <= len; pos++) {
				for (size_t v = 0; v < sizeof values; v++) {
					FrameScan scan;
					memcpy(copy, samples[s].p, len);
					if (pos < cut)
						copy[pos] = values[v];
					else if (v > 0)
						continue;
					ScanStatus st = frame_scan(copy, cut, &scan);
					Triad__V1__Request *req =
						triad__v1__request__unpack(NULL, cut, copy);
					/* Bad text is a refusal of content, not of
					 * the wire format: the decoder takes it. */
					if (st == SCAN_MALFORMED)
						assert_null(req);
					else if (st != SCAN_BAD_TEXT)
						assert_int_equal(st, SCAN_OK);
					if (req != NULL && st == SCAN_OK)
						assert_int_equal(scan.id, req->id);
					triad__v1__request__free_unpacked(req, NULL);
				}
			}
		}
	}
	free(prog.p);
}

/*
 * Walks the schema under desc: every message has few enough fields for the
 * scan to track repeats, and nesting stays under FRAME_DEPTH_MAX.
 */
static unsigned
schema_depth(const ProtobufCMessageDescriptor *desc, unsigned depth)
{
	unsigned deepest = depth;
	assert_true(desc->n_fields <= 512);
	assert_true(depth < FRAME_DEPTH_MAX);   /* also stops a recursive schema */
	for (unsigned i = 0; i < desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &desc->fields[i];
		if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
			unsigned d = schema_depth(f->descriptor, depth + 1);
			if (d > deepest)
				deepest = d;
		}
	}
	return deepest;
}

static void
test_schema_fits_the_scan(void **state)
{
	unsigned depth = schema_depth(&triad__v1__request__descriptor, 0);
	assert_true(depth < FRAME_DEPTH_MAX);
}

/* A message of type d with every field at its default, on the heap. */
static ProtobufCMessage *
new_default(const ProtobufCMessageDescriptor *d)
{
	ProtobufCMessage *m = calloc(1, d->sizeof_message);
	assert_non_null(m);
	protobuf_c_message_init(d, m);
	return m;
}

/* Packs msg with protobuf-c's own packer into a fresh buffer. */
static uint8_t *
pack_full(const ProtobufCMessage *msg, size_t *len)
{
	*len = protobuf_c_message_get_packed_size(msg);
	uint8_t *b = malloc(*len + 1);
	assert_non_null(b);
	assert_int_equal(protobuf_c_message_pack(msg, b), *len);
	return b;
}

/* body in a frame, scanned and taken as the daemon takes it (conn.c). */
static Triad__V1__Request *
take_scanned(const uint8_t *body, size_t len, uint32_t member)
{
	struct evbuffer *in = evbuffer_new();
	uint8_t hdr[FRAME_HEADER_BYTES];
	FrameScan scan;
	Triad__V1__Request *req = NULL;

	assert_non_null(in);
	assert_int_equal(frame_scan(body, len, &scan), SCAN_OK);
	assert_int_equal(scan.member, member);
	frame_put_u32(hdr, (uint32_t)len);
	assert_int_equal(evbuffer_add(in, hdr, sizeof hdr), 0);
	assert_int_equal(evbuffer_add(in, body, len), 0);
	FrameCursor cur = {.in = in};
	uint32_t got = 0;
	assert_int_equal(frame_cursor_peek(&cur, (uint32_t)len, &got), FRAME_READY);
	assert_int_equal(got, len);
	const uint8_t *at = frame_cursor_body(&cur, got);
	assert_non_null(at);
	assert_memory_equal(at, body, len);
	assert_int_equal(frame_unpack_scanned(at, got, &scan, NULL, &req), DECODE_OK);
	frame_cursor_skip(&cur, got);
	frame_cursor_drain(&cur);
	assert_int_equal(evbuffer_get_length(in), 0);
	evbuffer_free(in);
	return req;
}

/*
 * The narrowed unpacking gives, for a Request of every kind, the message
 * protobuf-c's own unpacker gives: the same fields, packed the same. The
 * narrowed packer a client uses writes protobuf-c's bytes.
 */
static void
test_narrow_unpack_matches_protobuf_c(void **state)
{
	const ProtobufCMessageDescriptor *d = &triad__v1__request__descriptor;
	unsigned kinds = 0;

	(void)state;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
			continue;
		Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
		ProtobufCMessage *body = new_default(f->descriptor);
		req.id = 1000 + i;
		req.institution = "inst";
		req.idempotency_key = "key";
		*(uint32_t *)((char *)&req + f->quantifier_offset) = f->id;
		*(ProtobufCMessage **)((char *)&req + f->offset) = body;
		size_t len, len_fast, len_slow;
		uint8_t *wire = pack_full(&req.base, &len);
		uint8_t *packed = malloc(len + 1);
		assert_non_null(packed);
		assert_int_equal(frame_request_size(&req), len);
		assert_int_equal(frame_request_pack(&req, packed), len);
		assert_memory_equal(packed, wire, len);
		free(packed);

		Triad__V1__Request *fast = frame_unpack_request(wire, len, NULL);
		Triad__V1__Request *slow = triad__v1__request__unpack(NULL, len, wire);
		Triad__V1__Request *scanned = take_scanned(wire, len, f->id);
		assert_non_null(fast);
		assert_non_null(slow);
		assert_int_equal(scanned->body_case, f->id);
		assert_int_equal(scanned->id, req.id);
		triad__v1__request__free_unpacked(scanned, NULL);
		assert_ptr_equal(fast->base.descriptor, d);
		assert_int_equal(fast->body_case, f->id);
		assert_int_equal(fast->id, req.id);
		uint8_t *a = pack_full(&fast->base, &len_fast);
		uint8_t *b = pack_full(&slow->base, &len_slow);
		assert_int_equal(len_fast, len_slow);
		assert_memory_equal(a, b, len_fast);
		assert_memory_equal(a, wire, len);
		triad__v1__request__free_unpacked(fast, NULL);
		triad__v1__request__free_unpacked(slow, NULL);
		free(a);
		free(b);
		free(wire);
		free(body);
		kinds++;
	}
	assert_true(kinds > 100);
}

/* Two different kinds in one frame: the last wins, as in protobuf-c. */
static void
test_narrow_unpack_two_kinds(void **state)
{
	uint8_t buf[64];
	size_t n = 0;

	(void)state;
	buf[n++] = 0x08;   /* id = 5 */
	buf[n++] = 0x05;
	for (int k = 0; k < 2; k++) {
		const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(
			&triad__v1__request__descriptor,
			k == 0 ? TRIAD__V1__REQUEST__BODY_PING : TRIAD__V1__REQUEST__BODY_WHO_AM_I);
		assert_non_null(f);
		uint32_t tag = f->id << 3 | 2;
		while (tag >= 0x80) {
			buf[n++] = (uint8_t)(tag | 0x80);
			tag >>= 7;
		}
		buf[n++] = (uint8_t)tag;
		buf[n++] = 0;
	}
	Triad__V1__Request *fast = frame_unpack_request(buf, n, NULL);
	Triad__V1__Request *slow = triad__v1__request__unpack(NULL, n, buf);
	assert_non_null(fast);
	assert_non_null(slow);
	assert_int_equal(fast->body_case, TRIAD__V1__REQUEST__BODY_WHO_AM_I);
	assert_int_equal(slow->body_case, fast->body_case);
	assert_int_equal(fast->base.n_unknown_fields, slow->base.n_unknown_fields);
	/* The scan sees both: the full descriptor unpacks it, the last wins. */
	Triad__V1__Request *scanned = take_scanned(buf, n, UINT32_MAX);
	assert_int_equal(scanned->body_case, TRIAD__V1__REQUEST__BODY_WHO_AM_I);
	triad__v1__request__free_unpacked(scanned, NULL);
	triad__v1__request__free_unpacked(fast, NULL);
	triad__v1__request__free_unpacked(slow, NULL);
	/* Cut short, both refuse it. */
	assert_null(frame_unpack_request(buf, n - 1, NULL));
	assert_null(triad__v1__request__unpack(NULL, n - 1, buf));
}

/*
 * The narrowed packer writes, for a Response of every kind, protobuf-c's
 * bytes, and the narrowed unpacking reads them back as protobuf-c would.
 */
static void
test_narrow_pack_matches_protobuf_c(void **state)
{
	const ProtobufCMessageDescriptor *d = &triad__v1__response__descriptor;
	Triad__V1__Status st = TRIAD__V1__STATUS__INIT;
	uint8_t out[4096];
	unsigned kinds = 0;

	(void)state;
	st.code = TRIAD__V1__CODE__CODE_OK;
	st.message = "fine";
	for (unsigned i = 0; i <= d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = i < d->n_fields ? &d->fields[i] : NULL;
		if (f != NULL && !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
			continue;
		Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
		ProtobufCMessage *body = NULL;
		resp.id = 7 + i;
		resp.status = &st;
		if (f != NULL) {   /* the last round: no body, as an error has */
			body = new_default(f->descriptor);
			*(uint32_t *)((char *)&resp + f->quantifier_offset) = f->id;
			*(ProtobufCMessage **)((char *)&resp + f->offset) = body;
		}
		size_t len;
		uint8_t *want = pack_full(&resp.base, &len);
		assert_int_equal(frame_response_size(&resp), len);
		assert_true(len <= sizeof out);
		assert_int_equal(frame_response_pack(&resp, out), len);
		assert_memory_equal(out, want, len);
		/* What a client unpacks is protobuf-c's message too. */
		Triad__V1__Response *fast = frame_unpack_response(want, len, NULL);
		assert_non_null(fast);
		assert_ptr_equal(fast->base.descriptor, d);
		assert_int_equal(fast->body_case, resp.body_case);
		assert_int_equal(fast->id, resp.id);
		assert_int_equal(protobuf_c_message_get_packed_size(&fast->base), len);
		assert_int_equal(protobuf_c_message_pack(&fast->base, out), len);
		assert_memory_equal(out, want, len);
		triad__v1__response__free_unpacked(fast, NULL);
		free(want);
		free(body);
		kinds++;
	}
	assert_true(kinds > 100);
}

/* resp through frame_response_size/pack and frame_append_response, against protobuf-c. */
static void
assert_packs_as_protobuf_c(const Triad__V1__Response *resp)
{
	size_t len;
	uint8_t *want = pack_full(&resp->base, &len);
	uint8_t *got = malloc(len + 1);
	struct evbuffer *out = evbuffer_new();

	assert_non_null(got);
	assert_non_null(out);
	assert_int_equal(frame_response_size(resp), len);
	assert_int_equal(frame_response_pack(resp, got), len);
	assert_memory_equal(got, want, len);
	assert_true(frame_append_response(out, resp));
	assert_int_equal(evbuffer_get_length(out), FRAME_HEADER_BYTES + len);
	const uint8_t *framed = evbuffer_pullup(out, -1);
	assert_int_equal(frame_get_u32(framed), len);
	assert_memory_equal(framed + FRAME_HEADER_BYTES, want, len);
	evbuffer_free(out);
	free(got);
	free(want);
}

/*
 * Answers with what their envelope can hold: no id or the largest, no
 * status or one with every field, bodies empty, long and nested, a kind
 * set without its message, and unknown fields (which protobuf-c packs).
 */
static void
test_envelope_packs_as_protobuf_c(void **state)
{
	Triad__V1__Status st = TRIAD__V1__STATUS__INIT;
	Triad__V1__PingReply ping = TRIAD__V1__PING_REPLY__INIT;
	Triad__V1__ListInstitutionsReply list = TRIAD__V1__LIST_INSTITUTIONS_REPLY__INIT;
	Triad__V1__Institution inst[3] = {TRIAD__V1__INSTITUTION__INIT, TRIAD__V1__INSTITUTION__INIT,
					  TRIAD__V1__INSTITUTION__INIT};
	Triad__V1__Institution *items[3] = {&inst[0], &inst[1], &inst[2]};
	static uint8_t payload[300];
	static const uint64_t ids[] = {0, 1, 127, 128, UINT64_MAX};

	(void)state;
	st.code = TRIAD__V1__CODE__CODE_INVALID_ARGUMENT;
	st.message = "situation is required";
	st.field = "give_feedback.situation";
	memset(payload, 'p', sizeof payload);
	ping.server_time_us = 1764748800000000;
	ping.database = true;
	ping.payload.data = payload;
	ping.payload.len = sizeof payload;
	for (int i = 0; i < 3; i++) {
		inst[i].id = "0b6f1c1e-5d1e-4c1a-9a0b-000000000001";
		inst[i].slug = "nsob";
		inst[i].name = "Nederlandse School voor Openbaar Bestuur";
	}
	list.n_institutions = 3;
	list.institutions = items;
	list.next_page_token = "3";
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		for (int shape = 0; shape < 5; shape++) {
			Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
			resp.id = ids[i];
			resp.status = shape == 0 ? NULL : &st;
			if (shape == 2) {
				resp.body_case = TRIAD__V1__RESPONSE__BODY_PING;
				resp.ping = &ping;
			} else if (shape == 3) {
				resp.body_case = TRIAD__V1__RESPONSE__BODY_INSTITUTIONS;
				resp.institutions = &list;
			} else if (shape == 4) {
				resp.body_case = TRIAD__V1__RESPONSE__BODY_PING;   /* no message */
			}
			assert_packs_as_protobuf_c(&resp);
		}
	}
	/* Statuses of every shape: each field alone, lengths that take a
	 * second byte, a code from the future and a negative one. */
	static char longtext[200];
	memset(longtext, 'm', sizeof longtext - 1);
	const struct { int code; const char *message, *field; } sts[] = {
		{0, "", ""}, {0, NULL, NULL}, {5, "", ""}, {0, "no such group", ""},
		{0, "", "enroll.group"}, {3, longtext, "x"}, {127, "", ""}, {128, "a", ""},
		{-1, "", "f"}, {16, longtext, longtext},
	};
	for (size_t i = 0; i < sizeof sts / sizeof sts[0]; i++) {
		Triad__V1__Status one = TRIAD__V1__STATUS__INIT;
		Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
		one.code = (Triad__V1__Code)sts[i].code;
		one.message = (char *)sts[i].message;
		one.field = (char *)sts[i].field;
		resp.id = 77;
		resp.status = &one;
		resp.body_case = TRIAD__V1__RESPONSE__BODY_PING;
		resp.ping = &ping;
		assert_packs_as_protobuf_c(&resp);
	}
	/* A status with unknown fields, which protobuf-c packs. */
	uint8_t swire[] = {0x08, 0x05, 0xa0, 0x06, 0x01};   /* code 5, field 100 = 1 */
	Triad__V1__Status *ust = triad__v1__status__unpack(NULL, sizeof swire, swire);
	assert_non_null(ust);
	assert_int_equal(ust->base.n_unknown_fields, 1);
	Triad__V1__Response uresp = TRIAD__V1__RESPONSE__INIT;
	uresp.id = 78;
	uresp.status = ust;
	assert_packs_as_protobuf_c(&uresp);
	triad__v1__status__free_unpacked(ust, NULL);

	/* Unknown fields, as a stored answer from a newer server has them. */
	uint8_t wire[64];
	size_t n = 0;
	wire[n++] = 0x08;   /* id = 9 */
	wire[n++] = 0x09;
	wire[n++] = 0xf8;   /* field 1007 (unknown), varint 5 */
	wire[n++] = 0x3e;
	wire[n++] = 0x05;
	Triad__V1__Response *odd = triad__v1__response__unpack(NULL, n, wire);
	assert_non_null(odd);
	assert_int_equal(odd->base.n_unknown_fields, 1);
	assert_packs_as_protobuf_c(odd);
	triad__v1__response__free_unpacked(odd, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_byte_at_a_time),
		cmocka_unit_test(test_cut_at_every_position),
		cmocka_unit_test(test_several_frames_in_one_read),
		cmocka_unit_test(test_cursor_reads_a_batch_across_chains),
		cmocka_unit_test(test_cursor_refuses_after_good_frames),
		cmocka_unit_test(test_length_zero),
		cmocka_unit_test(test_length_over_limit_known_from_header),
		cmocka_unit_test(test_truncated_body_waits),
		cmocka_unit_test(test_garbage_protobuf_is_refused_and_consumed),
		cmocka_unit_test(test_header_that_lies_short),
		cmocka_unit_test(test_zero_id_is_refused),
		cmocka_unit_test(test_scan_refuses_too_many_values_naming_the_field),
		cmocka_unit_test(test_scan_counts_unknown_fields),
		cmocka_unit_test(test_scan_refuses_a_singular_message_twice),
		cmocka_unit_test(test_scan_agrees_with_the_decoder),
		cmocka_unit_test(test_schema_fits_the_scan),
		cmocka_unit_test(test_narrow_unpack_matches_protobuf_c),
		cmocka_unit_test(test_narrow_unpack_two_kinds),
		cmocka_unit_test(test_narrow_pack_matches_protobuf_c),
		cmocka_unit_test(test_envelope_packs_as_protobuf_c),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

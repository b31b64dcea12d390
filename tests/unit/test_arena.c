/*
 * test_arena.c: the decoding arena: alignment, its limit, what a release
 * gives back, nesting, and protobuf-c unpacking into it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"
#include "frame.h"

static void
test_alignment_and_distinct_bytes(void **state)
{
	Arena a;
	unsigned char *p[200];

	(void)state;
	arena_init(&a, 1024, 1 << 20);
	for (size_t i = 0; i < 200; i++) {
		size_t n = i % 37;
		p[i] = arena_alloc(&a, n);
		assert_non_null(p[i]);
		assert_int_equal((uintptr_t)p[i] % ARENA_ALIGN, 0);
		memset(p[i], (int)i, n);
	}
	/* Nothing overlaps: every allocation still holds its own byte. */
	for (size_t i = 0; i < 200; i++)
		for (size_t k = 0; k < i % 37; k++)
			assert_int_equal(p[i][k], (unsigned char)i);
	assert_false(a.failed);
	arena_trim(&a);
	assert_int_equal(a.held, 0);
}

static void
test_limit_fails_cleanly(void **state)
{
	Arena a;
	size_t got = 0;

	(void)state;
	arena_init(&a, 512, 4096);
	ArenaMark m = arena_mark(&a);
	for (;;) {
		void *p = arena_alloc(&a, 100);
		if (p == NULL)
			break;
		got++;
		assert_true(got < 1000);
	}
	/* Some fit, the limit holds, and the failure is remembered. */
	assert_true(got >= 20);
	assert_true(a.held <= 4096);
	assert_true(a.failed);
	/* One allocation larger than the limit fails at once. */
	assert_null(arena_alloc(&a, 5000));
	assert_null(arena_alloc(&a, SIZE_MAX));
	/* A release makes room again and clears the failure. */
	arena_release(&a, m);
	assert_false(a.failed);
	assert_non_null(arena_alloc(&a, 100));
	arena_trim(&a);
}

static void
test_release_reuses_and_frees_extra_blocks(void **state)
{
	Arena a;

	(void)state;
	arena_init(&a, 256, 1 << 20);
	ArenaMark empty = arena_mark(&a);
	void *first = arena_alloc(&a, 64);
	size_t one_block = a.held;
	ArenaMark m = arena_mark(&a);
	void *second = arena_alloc(&a, 64);
	assert_ptr_not_equal(first, second);
	/* More than a block: new blocks, given back on release. */
	for (int i = 0; i < 20; i++)
		assert_non_null(arena_alloc(&a, 200));
	assert_non_null(arena_alloc(&a, 10000));   /* a block of its own */
	assert_true(a.held > one_block);
	assert_int_equal(arena_used_since(&a, m), 64 + 20 * 208 + 10000);
	arena_release(&a, m);
	assert_int_equal(a.held, one_block);
	assert_int_equal(arena_used_since(&a, empty), 64);
	/* The same bytes are handed out again after the mark. */
	assert_ptr_equal(arena_alloc(&a, 64), second);
	arena_reset(&a);
	assert_ptr_equal(arena_alloc(&a, 64), first);
	assert_int_equal(a.held, one_block);
	arena_trim(&a);
	assert_int_equal(a.held, 0);
	/* An outsized first block is not kept once released. */
	assert_non_null(arena_alloc(&a, 100000));
	arena_reset(&a);
	assert_int_equal(a.held, 0);
}

static void
test_marks_nest(void **state)
{
	Arena a;

	(void)state;
	arena_init(&a, 128, 1 << 20);
	ArenaMark outer = arena_mark(&a);
	char *o = arena_alloc(&a, 100);
	strcpy(o, "outer");
	ArenaMark inner = arena_mark(&a);
	for (int i = 0; i < 10; i++)
		memset(arena_alloc(&a, 100), 'x', 100);
	arena_release(&a, inner);
	/* The outer allocation survives the inner release. */
	assert_string_equal(o, "outer");
	arena_release(&a, outer);
	assert_int_equal(arena_used_since(&a, outer), 0);
	arena_trim(&a);
}

/* A Request with a few fields of every shape, packed. */
static size_t
pack_request(uint8_t *buf, size_t size)
{
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__Ping ping = TRIAD__V1__PING__INIT;

	ping.payload.data = (uint8_t *)"hello";
	ping.payload.len = 5;
	ping.database = true;
	req.id = 77;
	req.institution = "school";
	req.idempotency_key = "k1";
	req.body_case = TRIAD__V1__REQUEST__BODY_PING;
	req.ping = &ping;
	assert_true(triad__v1__request__get_packed_size(&req) <= size);
	return triad__v1__request__pack(&req, buf);
}

static void
test_unpack_into_arena(void **state)
{
	Arena a;
	uint8_t buf[256];
	size_t n = pack_request(buf, sizeof buf);

	(void)state;
	arena_init(&a, 4096, frame_unpack_max_bytes((uint32_t)n));
	ArenaMark m = arena_mark(&a);
	Triad__V1__Request *req = frame_unpack_request(buf, n, arena_allocator(&a));
	assert_non_null(req);
	assert_int_equal(req->id, 77);
	assert_string_equal(req->institution, "school");
	assert_string_equal(req->idempotency_key, "k1");
	assert_int_equal(req->body_case, TRIAD__V1__REQUEST__BODY_PING);
	assert_true(req->ping->database);
	assert_memory_equal(req->ping->payload.data, "hello", 5);
	assert_true(arena_used_since(&a, m) > 0);
	assert_true(arena_used_since(&a, m) <= frame_unpack_max_bytes((uint32_t)n));
	/* No block beyond the first: nothing to give back but the bytes. */
	arena_release(&a, m);
	assert_int_equal(arena_used_since(&a, m), 0);
	arena_trim(&a);
}

static void
test_unpack_out_of_arena(void **state)
{
	Arena a;
	uint8_t buf[256];
	size_t n = pack_request(buf, sizeof buf);

	(void)state;
	/* Room for the Request struct but not for its fields. */
	arena_init(&a, 64, 64 + 64);
	Triad__V1__Request *req = frame_unpack_request(buf, n, arena_allocator(&a));
	assert_null(req);
	assert_true(a.failed);
	arena_trim(&a);
	assert_int_equal(a.held, 0);
}

static size_t
put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

/* The deepest search for a repeated field below the Request. */
#define PATH_MAX_DEPTH 4

typedef struct Worst {
	const ProtobufCFieldDescriptor *path[PATH_MAX_DEPTH + 1];
	unsigned depth;          /* fields in path, the repeated one last */
	size_t cost;             /* what one of its elements costs to unpack */
} Worst;

/* Finds, below d, the repeated field whose elements cost the most. */
static void
find_worst(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor **path,
	   unsigned depth, Worst *w)
{
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		path[depth] = f;
		if (f->label == PROTOBUF_C_LABEL_REPEATED &&
		    (f->type == PROTOBUF_C_TYPE_MESSAGE || f->type == PROTOBUF_C_TYPE_STRING)) {
			size_t cost = f->type == PROTOBUF_C_TYPE_MESSAGE
				? ((const ProtobufCMessageDescriptor *)f->descriptor)->sizeof_message
				: 1;
			if (cost > w->cost || w->depth == 0) {
				memcpy(w->path, path, (depth + 1) * sizeof *path);
				w->depth = depth + 1;
				w->cost = cost;
			}
		} else if (f->type == PROTOBUF_C_TYPE_MESSAGE && f->label != PROTOBUF_C_LABEL_REPEATED &&
			   depth + 1 < PATH_MAX_DEPTH) {
			find_worst(f->descriptor, path, depth + 1, w);
		}
	}
}

/*
 * The bound holds for the most expensive frame a peer may send: as many
 * values as frame_scan() lets through, each an empty element of the
 * repeated field of the protocol whose elements cost the most.
 */
static void
test_bound_holds_for_many_values(void **state)
{
	static uint8_t a_buf[1 << 17], b_buf[1 << 17];
	const ProtobufCFieldDescriptor *path[PATH_MAX_DEPTH + 1];
	Worst w = {0};
	Arena a;

	(void)state;
	find_worst(&triad__v1__request__descriptor, path, 0, &w);
	assert_true(w.depth >= 2);

	/* The elements, then each enclosing message around them. */
	uint8_t *cur = a_buf, *other = b_buf;
	const ProtobufCFieldDescriptor *rep = w.path[w.depth - 1];
	size_t n = 0;
	for (unsigned i = 0; i < FRAME_VALUES_MAX - w.depth; i++) {
		n += put_varint(cur + n, (uint64_t)rep->id << 3 | 2);
		cur[n++] = 0;
	}
	for (unsigned d = w.depth - 1; d-- > 0;) {
		size_t m = put_varint(other, (uint64_t)w.path[d]->id << 3 | 2);
		m += put_varint(other + m, n);
		memcpy(other + m, cur, n);
		n += m;
		uint8_t *t = cur;
		cur = other;
		other = t;
	}
	/* id = 1 in front. */
	memmove(cur + 2, cur, n);
	cur[0] = 0x08;
	cur[1] = 0x01;
	n += 2;

	FrameScan scan;
	assert_int_equal(frame_scan(cur, n, &scan), SCAN_OK);
	assert_int_equal(scan.values, FRAME_VALUES_MAX);
	size_t bound = frame_unpack_max_bytes((uint32_t)n);
	arena_init(&a, 64 * 1024, bound);
	ArenaMark m = arena_mark(&a);
	Triad__V1__Request *req = frame_unpack_request(cur, n, arena_allocator(&a));
	assert_non_null(req);
	assert_false(a.failed);
	assert_int_equal(req->body_case, w.path[0]->id);
	assert_true(a.held <= bound);
	assert_true(arena_used_since(&a, m) <= bound);
	arena_trim(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alignment_and_distinct_bytes),
		cmocka_unit_test(test_limit_fails_cleanly),
		cmocka_unit_test(test_release_reuses_and_frees_extra_blocks),
		cmocka_unit_test(test_marks_nest),
		cmocka_unit_test(test_unpack_into_arena),
		cmocka_unit_test(test_unpack_out_of_arena),
		cmocka_unit_test(test_bound_holds_for_many_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_unpack.c: the lean unpacker (unpack.h) against protobuf-c's own, for
 * a Request of every kind with every field set, for each of their bytes
 * changed, and for the cases it leaves to protobuf-c; and the daemon's
 * packing of an answer of every kind, likewise filled.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"
#include "frame.h"
#include "unpack.h"

/* How a message is filled: typical values, or the extremes of each type. */
enum { TYPICAL, EXTREME };

#define FILL_DEPTH 4

static char *
dup_text(const char *s)
{
	char *d = strdup(s);
	assert_non_null(d);
	return d;
}

/* One value of field f at dst, in the style asked for; k tells elements apart. */
static void
fill_value(const ProtobufCFieldDescriptor *f, void *dst, int style, unsigned k, unsigned depth);

static ProtobufCMessage *
new_filled(const ProtobufCMessageDescriptor *d, int style, unsigned depth)
{
	ProtobufCMessage *m = calloc(1, d->sizeof_message);
	assert_non_null(m);
	protobuf_c_message_init(d, m);
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		void *member = (char *)m + f->offset;
		if (f->type == PROTOBUF_C_TYPE_MESSAGE && depth + 1 >= FILL_DEPTH)
			continue;
		if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			uint32_t *which = (uint32_t *)((char *)m + f->quantifier_offset);
			if (*which != 0)
				continue;   /* one member of each oneof */
			fill_value(f, member, style, i, depth);
			*which = f->id;
		} else if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = 3, size = unpack_element_size(f->type);
			char *arr = calloc(n, size);
			assert_non_null(arr);
			for (unsigned e = 0; e < n; e++)
				fill_value(f, arr + e * size, style, i * 7 + e, depth);
			*(void **)member = arr;
			*(size_t *)((char *)m + f->quantifier_offset) = n;
		} else {
			fill_value(f, member, style, i, depth);
			if (f->quantifier_offset != 0)
				*(protobuf_c_boolean *)((char *)m + f->quantifier_offset) = 1;
		}
	}
	return m;
}

static void
fill_value(const ProtobufCFieldDescriptor *f, void *dst, int style, unsigned k, unsigned depth)
{
	char text[64];
	bool x = style == EXTREME;

	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		*(int32_t *)dst = x ? (k % 2 ? INT32_MIN : INT32_MAX) : -7 - (int32_t)k;
		break;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		*(uint32_t *)dst = x ? UINT32_MAX : 300 + k;
		break;
	case PROTOBUF_C_TYPE_ENUM: {
		const ProtobufCEnumDescriptor *e = f->descriptor;
		*(int32_t *)dst = e->values[x ? e->n_values - 1 : (k % e->n_values)].value;
		break;
	}
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		*(int64_t *)dst = x ? (k % 2 ? INT64_MIN : INT64_MAX) : 1764748800000000 + (int64_t)k;
		break;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		*(uint64_t *)dst = x ? UINT64_MAX : 1u << 20 | k;
		break;
	case PROTOBUF_C_TYPE_FLOAT:
		*(float *)dst = x ? -1e38f : 0.5f + (float)k;
		break;
	case PROTOBUF_C_TYPE_DOUBLE:
		*(double *)dst = x ? -1e308 : 4.25 + k;
		break;
	case PROTOBUF_C_TYPE_BOOL:
		*(protobuf_c_boolean *)dst = 1;
		break;
	case PROTOBUF_C_TYPE_STRING:
		if (x)
			snprintf(text, sizeof text, "%u: Zoë tells the ward — “yes” ✓ %0140u", k, k);
		else
			snprintf(text, sizeof text, "%s-%u", f->name, k);
		*(char **)dst = dup_text(text);
		break;
	case PROTOBUF_C_TYPE_BYTES: {
		ProtobufCBinaryData *bd = dst;
		bd->len = x ? 200 : 5;
		bd->data = calloc(1, bd->len);
		assert_non_null(bd->data);
		bd->data[1] = (uint8_t)k;
		break;
	}
	case PROTOBUF_C_TYPE_MESSAGE:
		*(ProtobufCMessage **)dst = new_filled(f->descriptor, style, depth + 1);
		break;
	}
}

static uint8_t *
pack(const ProtobufCMessage *m, size_t *len)
{
	*len = protobuf_c_message_get_packed_size(m);
	uint8_t *b = malloc(*len + 1);
	assert_non_null(b);
	assert_int_equal(protobuf_c_message_pack(m, b), *len);
	return b;
}

/* m packs to exactly wire (len bytes). */
static void
assert_packs_to(const ProtobufCMessage *m, const uint8_t *wire, size_t len)
{
	size_t n;
	uint8_t *b = pack(m, &n);
	assert_int_equal(n, len);
	assert_memory_equal(b, wire, len);
	free(b);
}

/* Request of kind f (a member of the body oneof), filled in style. */
static Triad__V1__Request *
filled_request(const ProtobufCFieldDescriptor *f, int style)
{
	Triad__V1__Request *req = calloc(1, sizeof *req);
	assert_non_null(req);
	triad__v1__request__init(req);
	req->id = style == EXTREME ? UINT64_MAX : 77;
	req->institution = dup_text("nsob");
	req->idempotency_key = dup_text(style == EXTREME ? "k-0123456789abcdef" : "k");
	*(uint32_t *)((char *)req + f->quantifier_offset) = f->id;
	*(ProtobufCMessage **)((char *)req + f->offset) = new_filled(f->descriptor, style, 0);
	return req;
}

/*
 * Every kind, every field set, both styles: the lean unpacker reads the
 * whole Request and each body by itself, with malloc and with an arena,
 * and the results pack back to the very bytes protobuf-c wrote. The
 * daemon's path (frame_unpack_request, narrowed) gives the same.
 */
static void
test_every_kind_every_field(void **state)
{
	const ProtobufCMessageDescriptor *d = &triad__v1__request__descriptor;
	Arena arena;
	unsigned kinds = 0;

	(void)state;
	arena_init(&arena, 4096, 1 << 24);
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
			continue;
		for (int style = TYPICAL; style <= EXTREME; style++) {
			Triad__V1__Request *req = filled_request(f, style);
			size_t len, blen;
			uint8_t *wire = pack(&req->base, &len);
			const ProtobufCMessage *body = *(ProtobufCMessage **)((char *)req + f->offset);
			uint8_t *bwire = pack(body, &blen);

			ProtobufCMessage *whole = unpack_lean(d, NULL, wire, len);
			assert_non_null(whole);
			assert_packs_to(whole, wire, len);
			protobuf_c_message_free_unpacked(whole, NULL);

			ProtobufCMessage *alone = unpack_lean(f->descriptor, NULL, bwire, blen);
			assert_non_null(alone);
			assert_ptr_equal(alone->descriptor, f->descriptor);
			assert_packs_to(alone, bwire, blen);
			protobuf_c_message_free_unpacked(alone, NULL);

			ArenaMark mark = arena_mark(&arena);
			ProtobufCMessage *in_arena = unpack_lean(d, arena_allocator(&arena), wire, len);
			assert_non_null(in_arena);
			assert_packs_to(in_arena, wire, len);
			arena_release(&arena, mark);

			Triad__V1__Request *daemon = frame_unpack_request(wire, len, NULL);
			assert_non_null(daemon);
			assert_packs_to(&daemon->base, wire, len);
			triad__v1__request__free_unpacked(daemon, NULL);

			triad__v1__request__free_unpacked(req, NULL);
			free(wire);
			free(bwire);
		}
		kinds++;
	}
	assert_true(kinds > 100);
	arena_trim(&arena);
}

/*
 * Every byte of some filled requests set to values that change its meaning
 * (a continuation bit, a wire type, a length), and every truncation:
 * whatever the lean unpacker accepts, protobuf-c accepts too, and reads
 * the same. It must accept a good share of them, or it tests nothing.
 */
static void
test_changed_bytes_read_as_protobuf_c(void **state)
{
	static const uint8_t values[] = {0x00, 0x01, 0x02, 0x05, 0x08, 0x7f, 0x80, 0xff};
	const ProtobufCMessageDescriptor *d = &triad__v1__request__descriptor;
	unsigned tried = 0, lean = 0, kinds = 0;

	(void)state;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) || kinds++ % 5 != 0)
			continue;
		Triad__V1__Request *req = filled_request(f, TYPICAL);
		size_t len;
		uint8_t *wire = pack(&req->base, &len);
		uint8_t *copy = malloc(len + 1);
		assert_non_null(copy);
		for (size_t pos = 0; pos <= len; pos++) {
			for (size_t v = 0; v <= sizeof values; v++) {
				size_t n = len;
				memcpy(copy, wire, len);
				if (v == sizeof values)
					n = pos;   /* cut short here */
				else if (pos < len)
					copy[pos] = values[v];
				else
					continue;
				ProtobufCMessage *a = unpack_lean(d, NULL, copy, n);
				ProtobufCMessage *b = protobuf_c_message_unpack(d, NULL, n, copy);
				tried++;
				if (a != NULL) {
					size_t blen;
					lean++;
					assert_non_null(b);
					uint8_t *bwire = pack(b, &blen);
					assert_packs_to(a, bwire, blen);
					free(bwire);
				}
				protobuf_c_message_free_unpacked(a, NULL);
				protobuf_c_message_free_unpacked(b, NULL);
			}
		}
		triad__v1__request__free_unpacked(req, NULL);
		free(wire);
		free(copy);
	}
	print_message("%u changed requests, %u read by the lean unpacker\n", tried, lean);
	assert_true(tried > 10000);
	assert_true(lean > tried / 4);
}

/* Appends a key (field number, wire type) to b at *n. */
static void
put_key(uint8_t *b, size_t *n, uint32_t number, unsigned wire)
{
	uint64_t k = (uint64_t)number << 3 | wire;
	while (k >= 0x80) {
		b[(*n)++] = (uint8_t)(k | 0x80);
		k >>= 7;
	}
	b[(*n)++] = (uint8_t)k;
}

static uint32_t
field_number(const ProtobufCMessageDescriptor *d, const char *name)
{
	const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, name);
	assert_non_null(f);
	return f->id;
}

/*
 * What it reads as protobuf-c does: a string given twice (the last wins),
 * a bool whose only bits lie past 64, an int32 from a ten-byte varint. And
 * what it leaves to protobuf-c: an unknown field, a message given twice, a
 * oneof set twice, a wire type that does not fit, group wire types.
 */
static void
test_odd_but_valid_and_left_alone(void **state)
{
	const ProtobufCMessageDescriptor *d = &triad__v1__request__descriptor;
	uint32_t ping = field_number(d, "ping"), who = field_number(d, "who_am_i");
	uint32_t inst = field_number(d, "institution");
	uint32_t database = field_number(&triad__v1__ping__descriptor, "database");
	uint8_t b[64];
	size_t n;

	(void)state;
	/* institution "a" then "bc"; Ping{database: 10-byte varint, bits past 64 only} */
	n = 0;
	put_key(b, &n, inst, 2);
	b[n++] = 1;
	b[n++] = 'a';
	put_key(b, &n, inst, 2);
	b[n++] = 2;
	b[n++] = 'b';
	b[n++] = 'c';
	put_key(b, &n, ping, 2);
	b[n++] = 11;
	put_key(b, &n, database, 0);
	for (int i = 0; i < 9; i++)
		b[n++] = 0x80;
	b[n++] = 0x02;
	Triad__V1__Request *lean = (Triad__V1__Request *)unpack_lean(d, NULL, b, n);
	Triad__V1__Request *pbc = triad__v1__request__unpack(NULL, n, b);
	assert_non_null(lean);
	assert_non_null(pbc);
	assert_string_equal(lean->institution, "bc");
	assert_string_equal(pbc->institution, "bc");
	assert_int_equal(lean->ping->database, pbc->ping->database);
	assert_true(lean->ping->database);
	triad__v1__request__free_unpacked(lean, NULL);
	triad__v1__request__free_unpacked(pbc, NULL);

	/* Bools in every shape a varint takes: zero spelt long, bits late. */
	const struct {
		uint8_t bytes[10];
		size_t len;
	} bools[] = {
		{{0x00}, 1}, {{0x01}, 1}, {{0x80, 0x00}, 2}, {{0x80, 0x01}, 2}, {{0xff, 0x7f}, 2},
		{{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 10},
	};
	for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++) {
		n = 0;
		put_key(b, &n, ping, 2);
		b[n++] = (uint8_t)(1 + bools[i].len);
		put_key(b, &n, database, 0);
		memcpy(b + n, bools[i].bytes, bools[i].len);
		n += bools[i].len;
		lean = (Triad__V1__Request *)unpack_lean(d, NULL, b, n);
		pbc = triad__v1__request__unpack(NULL, n, b);
		assert_non_null(lean);
		assert_non_null(pbc);
		assert_int_equal(lean->ping->database, pbc->ping->database);
		triad__v1__request__free_unpacked(lean, NULL);
		triad__v1__request__free_unpacked(pbc, NULL);
	}

	const struct {
		const char *why;
		uint8_t bytes[16];
		size_t len;
		bool pbc_takes;
	} left[] = {
		{"unknown field 9999", {0xf8, 0xe1, 0x04, 0x01}, 4, true},
		{"group wire type", {0x0b}, 1, false},
		{"id as a length", {0x0a, 0x01, 0x00}, 3, false},
		{"tag 0", {0x00, 0x01}, 2, false},
		{"unterminated varint", {0x08, 0x80, 0x80}, 3, false},
	};
	for (size_t i = 0; i < sizeof left / sizeof left[0]; i++) {
		ProtobufCMessage *a = unpack_lean(d, NULL, left[i].bytes, left[i].len);
		ProtobufCMessage *c = protobuf_c_message_unpack(d, NULL, left[i].len, left[i].bytes);
		if (a != NULL)
			fail_msg("lean unpacker took: %s", left[i].why);
		assert_int_equal(c != NULL, left[i].pbc_takes);
		protobuf_c_message_free_unpacked(c, NULL);
	}

	/* A oneof set twice, and a message field twice (protobuf-c merges). */
	for (int twice = 0; twice < 2; twice++) {
		n = 0;
		put_key(b, &n, ping, 2);
		b[n++] = 0;
		put_key(b, &n, twice == 0 ? who : ping, 2);
		b[n++] = 0;
		assert_null(unpack_lean(d, NULL, b, n));
		Triad__V1__Request *r = frame_unpack_request(b, n, NULL);
		assert_non_null(r);
		assert_int_equal(r->body_case, twice == 0 ? TRIAD__V1__REQUEST__BODY_WHO_AM_I
							  : TRIAD__V1__REQUEST__BODY_PING);
		triad__v1__request__free_unpacked(r, NULL);
	}
}

/* When the arena runs out midway, nothing is left half made. */
static void
test_arena_runs_out(void **state)
{
	const ProtobufCMessageDescriptor *d = &triad__v1__request__descriptor;
	const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, "give_feedback");
	Triad__V1__Request *req;
	size_t len;
	uint8_t *wire;
	Arena arena;

	(void)state;
	assert_non_null(f);
	req = filled_request(f, EXTREME);
	wire = pack(&req->base, &len);
	arena_init(&arena, 256, 256);
	for (size_t max = 256; max < 1 << 16; max += 64) {
		arena_set_max(&arena, max);
		ArenaMark mark = arena_mark(&arena);
		ProtobufCMessage *m = unpack_lean(d, arena_allocator(&arena), wire, len);
		if (m != NULL) {
			assert_packs_to(m, wire, len);
			arena_release(&arena, mark);
			break;
		}
		assert_true(arena.failed);
		arena_release(&arena, mark);
	}
	arena_trim(&arena);
	triad__v1__request__free_unpacked(req, NULL);
	free(wire);
}

/* Every message of the protocol lists its fields by number, as the
 * lookups (unpack_find_field()) need, and each is found. */
static void
check_sorted(const ProtobufCMessageDescriptor *d, const ProtobufCMessageDescriptor **seen,
	     size_t *nseen)
{
	for (size_t i = 0; i < *nseen; i++)
		if (seen[i] == d)
			return;
	assert_true(*nseen < 1024);
	seen[(*nseen)++] = d;
	for (unsigned i = 0; i < d->n_fields; i++) {
		unsigned hint = 0;
		if (i > 0)
			assert_true(d->fields[i - 1].id < d->fields[i].id);
		assert_ptr_equal(unpack_find_field(d, d->fields[i].id, &hint), &d->fields[i]);
		assert_ptr_equal(unpack_find_field(d, d->fields[i].id, &hint),
				 &d->fields[i]);   /* from a hint that misses */
		if (d->fields[i].type == PROTOBUF_C_TYPE_MESSAGE)
			check_sorted(d->fields[i].descriptor, seen, nseen);
	}
	unsigned hint = 0;
	assert_null(unpack_find_field(d, 0, &hint));
	assert_null(unpack_find_field(d, 536870911, &hint));
}

static void
test_fields_sorted_by_number(void **state)
{
	static const ProtobufCMessageDescriptor *seen[1024];
	size_t nseen = 0;

	(void)state;
	check_sorted(&triad__v1__request__descriptor, seen, &nseen);
	check_sorted(&triad__v1__response__descriptor, seen, &nseen);
	assert_true(nseen > 100);
}

/* frame_response_size() and frame_response_pack() against protobuf-c. */
static void
assert_answer_packs_as_protobuf_c(const Triad__V1__Response *resp)
{
	size_t len;
	uint8_t *want = pack(&resp->base, &len);
	uint8_t *b = malloc(len + 16);

	assert_non_null(b);
	assert_int_equal(frame_response_size(resp), len);
	assert_int_equal(frame_response_pack(resp, b), len);
	assert_memory_equal(b, want, len);
	free(want);
	free(b);
}

/*
 * An answer of every kind with every field set, in both styles, packs to
 * protobuf-c's bytes through the daemon's path (its narrowed descriptors
 * and the envelope and status it writes itself: frame.c).
 */
static void
test_every_answer_packs_as_protobuf_c(void **state)
{
	const ProtobufCMessageDescriptor *d = &triad__v1__response__descriptor;
	unsigned kinds = 0;

	(void)state;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
			continue;
		for (int style = TYPICAL; style <= EXTREME; style++) {
			Triad__V1__Response *resp = calloc(1, sizeof *resp);
			assert_non_null(resp);
			triad__v1__response__init(resp);
			resp->id = style == EXTREME ? UINT64_MAX : 9;
			ProtobufCMessage *body = new_filled(f->descriptor, style, 0);
			*(uint32_t *)((char *)resp + f->quantifier_offset) = f->id;
			*(ProtobufCMessage **)((char *)resp + f->offset) = body;
			assert_answer_packs_as_protobuf_c(resp);
			triad__v1__response__free_unpacked(resp, NULL);
		}
		kinds++;
	}
	assert_true(kinds > 100);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields_sorted_by_number),
		cmocka_unit_test(test_every_kind_every_field),
		cmocka_unit_test(test_changed_bytes_read_as_protobuf_c),
		cmocka_unit_test(test_odd_but_valid_and_left_alone),
		cmocka_unit_test(test_arena_runs_out),
		cmocka_unit_test(test_every_answer_packs_as_protobuf_c),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

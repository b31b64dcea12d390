/*
 * frame.c: reading and writing length-prefixed protobuf frames.
 */
#include "frame.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "text.h"

/* Field indexes tracked per message for SCAN_SINGULAR_TWICE; every message of
 * the protocol has fewer fields (test_frame.c checks that). */
#define SCAN_FIELDS_TRACKED 512

typedef struct ScanState {
	FrameScan *out;
	size_t path_len;        /* of out->field, the path of the current message */
} ScanState;

/*
 * A field's tag and wire type, read as protobuf-c reads them (at most five
 * bytes, the number truncated to 32 bits). Returns the bytes used, 0 when
 * the tag is cut or too long.
 */
static size_t
scan_tag(const uint8_t *p, size_t len, uint32_t *tag, unsigned *wire)
{
	size_t max = len > 5 ? 5 : len;
	uint32_t t = (uint32_t)(p[0] & 0x7f) >> 3;
	unsigned shift = 4;

	*wire = p[0] & 7;
	if ((p[0] & 0x80) == 0) {
		*tag = t;
		return 1;
	}
	for (size_t i = 1; i < max; i++) {
		t |= (uint32_t)(p[i] & 0x7f) << shift;
		shift += 7;
		if ((p[i] & 0x80) == 0) {
			*tag = t;
			return i + 1;
		}
	}
	return 0;
}

/* The length of the varint at p (at most ten bytes), or 0 when it is cut. */
static size_t
scan_varint(const uint8_t *p, size_t len)
{
	size_t max = len > 10 ? 10 : len;
	for (size_t i = 0; i < max; i++) {
		if ((p[i] & 0x80) == 0)
			return i + 1;
	}
	return 0;
}

static uint64_t
varint_value(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
	return v;
}

/*
 * The bytes a length-delimited value occupies, prefix included, with the
 * prefix's length in *prefix; 0 when the prefix is bad or the value runs
 * past the end. The length is read as protobuf-c reads it: five bytes at
 * most, 32 bits.
 */
static size_t
scan_delimited(const uint8_t *p, size_t len, size_t *prefix)
{
	size_t max = len < 5 ? len : 5;
	uint32_t v = 0;
	unsigned shift = 0;
	size_t i;

	for (i = 0; i < max; i++) {
		v |= (uint32_t)(p[i] & 0x7f) << shift;
		shift += 7;
		if ((p[i] & 0x80) == 0)
			break;
	}
	if (i == max)
		return 0;
	*prefix = i + 1;
	if (*prefix + (size_t)v > len)
		return 0;
	return *prefix + v;
}

/* Elements in a packed repeated value of n bytes, counted as protobuf-c does. */
static size_t
packed_count(ProtobufCType type, const uint8_t *p, size_t n)
{
	size_t count = 0;

	switch (type) {
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_FLOAT:
		return n / 4;
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return n / 8;
	case PROTOBUF_C_TYPE_BOOL:
		return n;
	default:
		for (size_t i = 0; i < n; i++)
			count += (p[i] & 0x80) == 0;
		return count;
	}
}

static bool
packable(ProtobufCType type)
{
	return type != PROTOBUF_C_TYPE_STRING && type != PROTOBUF_C_TYPE_BYTES &&
	       type != PROTOBUF_C_TYPE_MESSAGE;
}

/* Appends ".name" (or "name" at the top) to the path; returns the old length. */
static size_t
path_push(ScanState *st, const char *name)
{
	size_t old = st->path_len;
	char *f = st->out->field;
	int n = snprintf(f + old, FRAME_FIELD_PATH_MAX - old, "%s%s", old > 0 ? "." : "", name);
	if (n > 0)
		st->path_len = old + (size_t)n < FRAME_FIELD_PATH_MAX ? old + (size_t)n
								      : FRAME_FIELD_PATH_MAX - 1;
	return old;
}

static void
path_pop(ScanState *st, size_t old)
{
	st->path_len = old;
	st->out->field[old] = '\0';
}

/*
 * Scans one message of type desc in p[0..len) at nesting depth, counting
 * into st->out. On a refusal st->out->field is left naming the field.
 */
static ScanStatus
scan_message(ScanState *st, const ProtobufCMessageDescriptor *desc, const uint8_t *p,
	     size_t len, unsigned depth)
{
	FrameScan *out = st->out;
	uint64_t seen[SCAN_FIELDS_TRACKED / 64] = {0};
	const uint8_t *end = p + len;

	while (p < end) {
		uint32_t tag;
		unsigned wire;
		size_t used = scan_tag(p, (size_t)(end - p), &tag, &wire);
		if (used == 0)
			return SCAN_MALFORMED;
		p += used;

		size_t rem = (size_t)(end - p), vlen = 0, prefix = 0;
		switch (wire) {
		case 0:
			vlen = scan_varint(p, rem);
			break;
		case 1:
			vlen = rem >= 8 ? 8 : 0;
			break;
		case 2:
			vlen = scan_delimited(p, rem, &prefix);
			break;
		case 5:
			vlen = rem >= 4 ? 4 : 0;
			break;
		default:
			return SCAN_MALFORMED;   /* groups and wire types 6 and 7 */
		}
		if (vlen == 0)
			return SCAN_MALFORMED;
		const uint8_t *val = p;
		p += vlen;

		const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(desc, tag);
		if (f == NULL) {
			out->values++;
			out->unknown++;
			out->unknown_number = tag;
			if (out->unknown > FRAME_UNKNOWN_MAX)
				return SCAN_TOO_MANY_UNKNOWN;
			if (out->values > FRAME_VALUES_MAX)
				return SCAN_TOO_MANY_VALUES;
			continue;
		}
		if (depth == 0 && f->id == 1 && wire == 0)
			out->id = varint_value(val, vlen);   /* the last one wins, as in protobuf-c */

		size_t n = 1;
		if (f->label == PROTOBUF_C_LABEL_REPEATED && wire == 2 &&
		    ((f->flags & PROTOBUF_C_FIELD_FLAG_PACKED) || packable(f->type)))
			n = packed_count(f->type, val + prefix, vlen - prefix);
		if (n > FRAME_VALUES_MAX || out->values + n > FRAME_VALUES_MAX) {
			out->values = FRAME_VALUES_MAX + 1;
			path_push(st, f->name);
			return SCAN_TOO_MANY_VALUES;
		}
		out->values += (uint32_t)n;

		if (f->type == PROTOBUF_C_TYPE_STRING && wire == 2) {
			const uint8_t *s = val + prefix;
			size_t slen = vlen - prefix;
			out->text_why = memchr(s, 0, slen) != NULL ? "contains a NUL byte"
				: !text_utf8_valid(s, slen) ? "is not valid UTF-8" : NULL;
			if (out->text_why != NULL) {
				path_push(st, f->name);
				return SCAN_BAD_TEXT;
			}
		}
		if (f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		if (wire != 2)
			return SCAN_MALFORMED;
		size_t idx = (size_t)(f - desc->fields);
		if (f->label != PROTOBUF_C_LABEL_REPEATED && idx < SCAN_FIELDS_TRACKED) {
			uint64_t bit = (uint64_t)1 << (idx % 64);
			if (seen[idx / 64] & bit) {
				path_push(st, f->name);
				return SCAN_SINGULAR_TWICE;
			}
			seen[idx / 64] |= bit;
		}
		size_t old = path_push(st, f->name);
		if (depth + 1 >= FRAME_DEPTH_MAX)
			return SCAN_TOO_DEEP;
		ScanStatus rc = scan_message(st, f->descriptor, val + prefix, vlen - prefix, depth + 1);
		if (rc != SCAN_OK)
			return rc;
		path_pop(st, old);
	}
	return SCAN_OK;
}

ScanStatus
frame_scan(const uint8_t *body, size_t len, FrameScan *out)
{
	ScanState st = {.out = out};

	memset(out, 0, sizeof *out);
	return scan_message(&st, &triad__v1__request__descriptor, body, len, 0);
}

void
frame_scan_message(ScanStatus st, const FrameScan *scan, char *buf, size_t size)
{
	switch (st) {
	case SCAN_TOO_MANY_VALUES:
		snprintf(buf, size, "%s holds too many values: a request may hold at most %d "
			 "in all, each element of a repeated field counting as one",
			 scan->field[0] != '\0' ? scan->field : "the request", FRAME_VALUES_MAX);
		return;
	case SCAN_TOO_MANY_UNKNOWN:
		snprintf(buf, size, "more than %d fields this server does not know (the last "
			 "has number %" PRIu32 "); is the client newer than the server?",
			 FRAME_UNKNOWN_MAX, scan->unknown_number);
		return;
	case SCAN_SINGULAR_TWICE:
		snprintf(buf, size, "%s appears more than once; it holds one message", scan->field);
		return;
	case SCAN_TOO_DEEP:
		snprintf(buf, size, "messages are nested more than %d deep", FRAME_DEPTH_MAX);
		return;
	case SCAN_BAD_TEXT:
		snprintf(buf, size, "%s %s: text must be UTF-8, without NUL bytes", scan->field,
			 scan->text_why);
		return;
	case SCAN_OK:
	case SCAN_MALFORMED:
		break;
	}
	snprintf(buf, size, "%s", frame_decode_message(DECODE_GARBAGE));
}

const uint8_t *
frame_body(struct evbuffer *in, uint32_t body_len)
{
	const uint8_t *p = evbuffer_pullup(in, (ev_ssize_t)(FRAME_HEADER_BYTES + (size_t)body_len));
	return p != NULL ? p + FRAME_HEADER_BYTES : NULL;
}

FrameStatus
frame_peek(struct evbuffer *in, uint32_t max_body, uint32_t *body_len)
{
	uint8_t hdr[FRAME_HEADER_BYTES];

	if (evbuffer_copyout(in, hdr, sizeof hdr) != (ev_ssize_t)sizeof hdr)
		return FRAME_INCOMPLETE;
	*body_len = frame_get_u32(hdr);
	if (*body_len == 0)
		return FRAME_EMPTY;
	if (*body_len > max_body)
		return FRAME_TOO_LARGE;
	if (evbuffer_get_length(in) - FRAME_HEADER_BYTES < *body_len)
		return FRAME_INCOMPLETE;
	return FRAME_READY;
}

DecodeStatus
frame_take_request(struct evbuffer *in, uint32_t body_len, Triad__V1__Request **out)
{
	size_t total = FRAME_HEADER_BYTES + (size_t)body_len;
	/* Make the frame contiguous; usually it already is and this is free. */
	const uint8_t *p = evbuffer_pullup(in, (ev_ssize_t)total);

	*out = NULL;
	if (p != NULL)
		*out = triad__v1__request__unpack(NULL, body_len, p + FRAME_HEADER_BYTES);
	evbuffer_drain(in, total);

	if (*out == NULL)
		return DECODE_GARBAGE;
	if ((*out)->id == 0)
		return DECODE_ZERO_ID;
	return DECODE_OK;
}

const char *
frame_decode_message(DecodeStatus st)
{
	switch (st) {
	case DECODE_OK:
		return "ok";
	case DECODE_GARBAGE:
		return "frame does not hold a valid Request message";
	case DECODE_ZERO_ID:
		return "request id 0 is reserved for the server: use a non-zero id";
	}
	return "unknown decode status";
}

bool
frame_append_response(struct evbuffer *out, const Triad__V1__Response *resp)
{
	size_t len = triad__v1__response__get_packed_size(resp);
	struct evbuffer_iovec vec;

	if (len > UINT32_MAX - FRAME_HEADER_BYTES)
		return false;
	if (evbuffer_reserve_space(out, (ev_ssize_t)(len + FRAME_HEADER_BYTES), &vec, 1) != 1)
		return false;
	uint8_t *p = vec.iov_base;
	frame_put_u32(p, (uint32_t)len);
	size_t packed = triad__v1__response__pack(resp, p + FRAME_HEADER_BYTES);
	(void)packed;
	vec.iov_len = len + FRAME_HEADER_BYTES;
	return evbuffer_commit_space(out, &vec, 1) == 0;
}

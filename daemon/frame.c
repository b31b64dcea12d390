/*
 * frame.c: reading and writing length-prefixed protobuf frames.
 */
#include "frame.h"

#include <assert.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "unpack.h"

/* Field indexes tracked per message for SCAN_SINGULAR_TWICE; every message of
 * the protocol has fewer fields (test_frame.c checks that). */
#define SCAN_FIELDS_TRACKED 512

typedef struct ScanState {
	FrameScan *out;
	/* The fields that lead to the message being scanned: names[i] holds the
	 * one at depth i. The path is written out only on a refusal. */
	const char *names[FRAME_DEPTH_MAX + 1];
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

/*
 * The length of the value of wire type wire at p (len bytes left), with
 * its length prefix for a delimited one in *prefix: 0 when it runs past
 * the end, and for groups and wire types 6 and 7, which no message here
 * has.
 */
static size_t
scan_value(unsigned wire, const uint8_t *p, size_t len, size_t *prefix)
{
	switch (wire) {
	case 0:
		return scan_varint(p, len);
	case 1:
		return len >= 8 ? 8 : 0;
	case 2:
		return scan_delimited(p, len, prefix);
	case 5:
		return len >= 4 ? 4 : 0;
	default:
		return 0;
	}
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

/*
 * Narrowed descriptors. Request and Response are each one large oneof (a
 * member per request kind) beside a few plain fields, and protobuf-c walks
 * every field of a descriptor to size, pack, unpack (allocating repeated
 * fields, checking required ones) and free a message: some 200 fields for
 * a Ping. A narrowed descriptor is the same message's descriptor with only
 * the plain fields and one member of the oneof, in the same order, so the
 * bytes it packs and the message it unpacks are exactly the full one's
 * whenever no other member is set (or present on the wire). The message
 * struct, its init function and thus the descriptor an unpacked message
 * points to stay the full ones. Built on first use, one per member, and
 * kept for the life of the process.
 */
typedef struct NarrowSet {
	const ProtobufCMessageDescriptor *full;
	bool ready, usable;
	uint32_t max_id;
	uint8_t *kind;            /* by field number: 0 none, 1 plain, 2 oneof member */
	const ProtobufCMessageDescriptor **by_case;   /* by member number (0: none set) */
} NarrowSet;

enum { NARROW_NONE, NARROW_PLAIN, NARROW_MEMBER };

static NarrowSet narrow_request = {.full = &triad__v1__request__descriptor};
static NarrowSet narrow_response = {.full = &triad__v1__response__descriptor};

static bool __attribute__((noinline))
narrow_prepare_first(NarrowSet *ns)
{
	const ProtobufCMessageDescriptor *d = ns->full;
	size_t oneof_offset = 0;
	bool have_oneof = false;

	ns->ready = true;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (f->id > ns->max_id)
			ns->max_id = f->id;
		if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			/* One oneof only: two would need a member of each. */
			if (have_oneof && f->quantifier_offset != oneof_offset)
				return false;
			have_oneof = true;
			oneof_offset = f->quantifier_offset;
		}
	}
	if (!have_oneof || ns->max_id > 65535)
		return false;
	ns->kind = calloc((size_t)ns->max_id + 1, 1);
	ns->by_case = calloc((size_t)ns->max_id + 1, sizeof *ns->by_case);
	if (ns->kind == NULL || ns->by_case == NULL) {
		free(ns->kind);
		free(ns->by_case);
		ns->kind = NULL;
		ns->by_case = NULL;
		return false;
	}
	for (unsigned i = 0; i < d->n_fields; i++)
		ns->kind[d->fields[i].id] = (d->fields[i].flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
						    ? NARROW_MEMBER : NARROW_PLAIN;
	ns->usable = true;
	return true;
}

/* Whether ns can be narrowed; prepared on first use. */
static inline bool
narrow_prepare(NarrowSet *ns)
{
	return ns->ready ? ns->usable : narrow_prepare_first(ns);
}

/* The full descriptor narrowed to its plain fields and member id (0: none). */
static const ProtobufCMessageDescriptor *
narrow_build(const ProtobufCMessageDescriptor *full, uint32_t id)
{
	unsigned n = 0, nr = 0;

	for (unsigned i = 0; i < full->n_fields; i++)
		if (!(full->fields[i].flags & PROTOBUF_C_FIELD_FLAG_ONEOF) || full->fields[i].id == id)
			n++;
	size_t bytes = sizeof(ProtobufCMessageDescriptor) + n * sizeof(ProtobufCFieldDescriptor) +
		       (n + 1) * sizeof(ProtobufCIntRange) + n * sizeof(unsigned) +
		       full->n_fields * sizeof(unsigned);
	ProtobufCMessageDescriptor *d = calloc(1, bytes);
	if (d == NULL)
		return NULL;
	ProtobufCFieldDescriptor *fields = (ProtobufCFieldDescriptor *)(d + 1);
	ProtobufCIntRange *ranges = (ProtobufCIntRange *)(fields + n);
	unsigned *by_name = (unsigned *)(ranges + n + 1);
	unsigned *map = by_name + n;   /* full index -> narrow index, or UINT_MAX */

	n = 0;
	for (unsigned i = 0; i < full->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &full->fields[i];
		map[i] = (unsigned)-1;
		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && f->id != id)
			continue;
		if (n == 0 || f->id != fields[n - 1].id + 1)
			ranges[nr++] = (ProtobufCIntRange){(int)f->id, n};
		map[i] = n;
		fields[n++] = *f;
	}
	ranges[nr] = (ProtobufCIntRange){0, n};
	unsigned k = 0;
	for (unsigned i = 0; i < full->n_fields; i++) {
		unsigned m = map[full->fields_sorted_by_name[i]];
		if (m != (unsigned)-1)
			by_name[k++] = m;
	}
	*d = *full;
	d->n_fields = n;
	d->fields = fields;
	d->fields_sorted_by_name = by_name;
	d->n_field_ranges = nr;
	d->field_ranges = ranges;
	return d;
}

/* The narrowed descriptor for member id, or NULL (use the full one). */
static const ProtobufCMessageDescriptor *
narrow_for(NarrowSet *ns, uint32_t id)
{
	if (!narrow_prepare(ns) || id > ns->max_id || (id != 0 && ns->kind[id] != NARROW_MEMBER))
		return NULL;
	if (ns->by_case[id] == NULL)
		ns->by_case[id] = narrow_build(ns->full, id);
	return ns->by_case[id];
}

/* Every narrowed descriptor of ns, built now; false when one could not be. */
static bool
narrow_build_all(NarrowSet *ns)
{
	if (!narrow_prepare(ns))
		return true;   /* the full descriptor serves every kind */
	for (uint32_t id = 0; id <= ns->max_id; id++)
		if ((id == 0 || ns->kind[id] == NARROW_MEMBER) && narrow_for(ns, id) == NULL)
			return false;
	return true;
}

bool
frame_narrow_prepare(void)
{
	return narrow_build_all(&narrow_request) && narrow_build_all(&narrow_response);
}

/*
 * The one member of ns's oneof present at the top level of a message's
 * bytes (0 when none), or UINT32_MAX when several are, or the bytes are
 * not well formed there: then only the full descriptor unpacks them alike.
 */
static uint32_t
narrow_wire_case(NarrowSet *ns, const uint8_t *p, size_t len)
{
	const uint8_t *end = p + len;
	uint32_t found = 0;

	if (!narrow_prepare(ns))
		return UINT32_MAX;
	while (p < end) {
		uint32_t tag;
		unsigned wire;
		size_t used = scan_tag(p, (size_t)(end - p), &tag, &wire), prefix = 0;
		if (used == 0)
			return UINT32_MAX;
		p += used;
		size_t vlen = scan_value(wire, p, (size_t)(end - p), &prefix);
		if (vlen == 0)
			return UINT32_MAX;
		p += vlen;
		if (tag <= ns->max_id && ns->kind[tag] == NARROW_MEMBER) {
			if (found != 0 && found != tag)
				return UINT32_MAX;
			found = tag;
		}
	}
	return found;
}

/* The largest message struct reachable from d, walking at most depth levels. */
static size_t
largest_message(const ProtobufCMessageDescriptor *d, const ProtobufCMessageDescriptor **seen,
		size_t *nseen, size_t cap)
{
	size_t max = d->sizeof_message;

	for (size_t i = 0; i < *nseen; i++)
		if (seen[i] == d)
			return 0;
	if (*nseen == cap)
		return SIZE_MAX / 4;   /* too many to walk: no useful bound */
	seen[(*nseen)++] = d;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		size_t m = largest_message(f->descriptor, seen, nseen, cap);
		if (m > max)
			max = m;
	}
	return max;
}

size_t
frame_unpack_max_bytes(uint32_t body_len)
{
	static size_t largest;

	if (largest == 0) {
		static const ProtobufCMessageDescriptor *seen[1024];
		size_t nseen = 0;
		largest = largest_message(&triad__v1__request__descriptor, seen, &nseen, 1024);
	}
	/*
	 * What protobuf-c allocates for a frame frame_scan() passed: the bytes
	 * of strings, bytes and unknown fields (at most the body) with a NUL
	 * each; and per value (FRAME_VALUES_MAX, the Request itself one more)
	 * at most a message struct, its required-field bitmap (up to 64 bytes),
	 * its scanned-member slabs (below 2 x 48 bytes per member), a repeated
	 * element (16) or unknown-field record (24), each allocation rounded up
	 * to ARENA_ALIGN (at most 4 per value). Twice that for the ends of
	 * blocks an allocation did not fit in, and a block header per block.
	 */
	size_t per_value = largest + 64 + 96 + 24 + 16 + 4 * 16 + 1;
	return 2 * ((size_t)body_len + (size_t)(FRAME_VALUES_MAX + 1) * per_value) + 64 * 1024;
}

/*
 * body, which holds member id of ns's oneof (0: none; UINT32_MAX: several,
 * or not known to be well formed), unpacked with the narrowed descriptor.
 */
static ProtobufCMessage *
narrow_unpack_member(NarrowSet *ns, uint32_t id, const uint8_t *body, size_t len,
		     ProtobufCAllocator *alloc)
{
	const ProtobufCMessageDescriptor *d = id != UINT32_MAX ? narrow_for(ns, id) : NULL;
	ProtobufCMessage *m = d != NULL ? unpack_lean(d, alloc, body, len) : NULL;

	return m != NULL ? m : protobuf_c_message_unpack(d != NULL ? d : ns->full, alloc, len, body);
}

/* body unpacked with ns's narrowed descriptor for the member it holds. */
static ProtobufCMessage *
narrow_unpack(NarrowSet *ns, const uint8_t *body, size_t len, ProtobufCAllocator *alloc)
{
	return narrow_unpack_member(ns, narrow_wire_case(ns, body, len), body, len, alloc);
}

/* Room for a copy of a Request or a Response. */
typedef union NarrowCopy {
	Triad__V1__Request req;
	Triad__V1__Response resp;
} NarrowCopy;

/*
 * msg (of ns's message, member set) as it packs with ns's narrowed
 * descriptor: a copy in *copy that carries that descriptor. msg itself is
 * not touched.
 */
static const ProtobufCMessage *
narrow_view(NarrowSet *ns, const ProtobufCMessage *msg, uint32_t member, NarrowCopy *copy)
{
	const ProtobufCMessageDescriptor *d = narrow_for(ns, member);

	assert(msg->descriptor == ns->full && ns->full->sizeof_message <= sizeof *copy);
	memcpy(copy, msg, ns->full->sizeof_message);
	ProtobufCMessage *m = (ProtobufCMessage *)copy;
	if (d != NULL)
		m->descriptor = d;
	return m;
}

/* msg packed into out as narrow_view() has it, or its size when out is NULL. */
static size_t
narrow_pack(NarrowSet *ns, const ProtobufCMessage *msg, uint32_t member, uint8_t *out)
{
	NarrowCopy copy;
	const ProtobufCMessage *m = narrow_view(ns, msg, member, &copy);

	return out != NULL ? protobuf_c_message_pack(m, out) : protobuf_c_message_get_packed_size(m);
}

/*
 * Answers. A Response is its id (1), its status (2) and one member of its
 * body (10 and up), in that order, each left out when zero or unset. Packing
 * those three by hand sizes the status and the body once, where protobuf-c
 * sizes every message of the answer twice (once for the length of the
 * whole, once more as it writes each length), and walks the Response's own
 * fields in both passes. The bytes are protobuf-c's (test_frame checks).
 */
typedef struct EnvelopeSizes {
	const ProtobufCMessage *status, *body;
	uint32_t member;
	bool status_by_hand;            /* no unknown fields: packed here */
	size_t message_len, field_len;  /* its strings, when by hand */
	size_t status_len, body_len, total;
} EnvelopeSizes;

static size_t
varint_size(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static uint8_t *
put_varint(uint8_t *o, uint64_t v)
{
	while (v >= 0x80) {
		*o++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*o++ = (uint8_t)v;
	return o;
}

/* A string field's key and length prefix and bytes, len > 0 (proto3 omits ""). */
static size_t
string_field_size(size_t len)
{
	return len == 0 ? 0 : 1 + varint_size(len) + len;
}

static uint8_t *
put_string_field(uint8_t *o, uint32_t number, const char *s, size_t len)
{
	if (len == 0)
		return o;
	*o++ = (uint8_t)(number << 3 | 2);
	o = put_varint(o, len);
	memcpy(o, s, len);
	return o + len;
}

/*
 * Sizes a Status (every answer has one) as protobuf-c packs it: the code
 * as an int32 varint (a negative one in ten bytes), then the message and
 * the field, each left out when zero or empty.
 */
static size_t
status_measure(const Triad__V1__Status *st, EnvelopeSizes *es)
{
	es->message_len = st->message != NULL && st->message[0] != '\0' ? strlen(st->message) : 0;
	es->field_len = st->field != NULL && st->field[0] != '\0' ? strlen(st->field) : 0;
	return (st->code != 0 ? 1 + varint_size((uint64_t)(int64_t)(int32_t)st->code) : 0) +
	       string_field_size(es->message_len) + string_field_size(es->field_len);
}

static uint8_t *
status_write(const Triad__V1__Status *st, const EnvelopeSizes *es, uint8_t *o)
{
	if (st->code != 0) {
		*o++ = 1 << 3;
		o = put_varint(o, (uint64_t)(int64_t)(int32_t)st->code);
	}
	o = put_string_field(o, 2, st->message, es->message_len);
	return put_string_field(o, 3, st->field, es->field_len);
}

/*
 * Sizes resp as envelope_write() packs it. False when it holds what only
 * protobuf-c's packer writes alike (unknown fields, a body that is not a
 * message): then the caller packs it with the narrowed descriptor.
 */
static bool
envelope_measure(const Triad__V1__Response *resp, EnvelopeSizes *es)
{
	const ProtobufCMessageDescriptor *d = narrow_for(&narrow_response, resp->body_case);

	if (d == NULL || resp->base.n_unknown_fields != 0)
		return false;
	es->status = resp->status != NULL ? &resp->status->base : NULL;
	es->body = NULL;
	es->member = resp->body_case;
	es->total = resp->id != 0 ? 1 + varint_size(resp->id) : 0;
	if (es->status != NULL) {
		es->status_by_hand = es->status->n_unknown_fields == 0;
		es->status_len = es->status_by_hand ? status_measure(resp->status, es)
						    : protobuf_c_message_get_packed_size(es->status);
		es->total += 1 + varint_size(es->status_len) + es->status_len;
	}
	if (es->member != 0) {
		/* The narrowed descriptor's last field is the member. */
		const ProtobufCFieldDescriptor *f = &d->fields[d->n_fields - 1];
		if (f->id != es->member || f->type != PROTOBUF_C_TYPE_MESSAGE)
			return false;
		es->body = *(const ProtobufCMessage *const *)((const char *)resp + f->offset);
	}
	if (es->body != NULL) {
		es->body_len = protobuf_c_message_get_packed_size(es->body);
		es->total += varint_size((uint64_t)es->member << 3) + varint_size(es->body_len) +
			     es->body_len;
	}
	return true;
}

/* Writes the Response es measured, with id, at out; returns the end. */
static uint8_t *
envelope_write(const EnvelopeSizes *es, uint64_t id, uint8_t *out)
{
	uint8_t *o = out;

	if (id != 0) {
		*o++ = 1 << 3;   /* field 1, varint */
		o = put_varint(o, id);
	}
	if (es->status != NULL) {
		*o++ = 2 << 3 | 2;   /* field 2, length-delimited */
		o = put_varint(o, es->status_len);
		if (es->status_by_hand)
			o = status_write((const Triad__V1__Status *)es->status, es, o);
		else
			o += protobuf_c_message_pack(es->status, o);
	}
	if (es->body != NULL) {
		o = put_varint(o, (uint64_t)es->member << 3 | 2);
		o = put_varint(o, es->body_len);
		o += protobuf_c_message_pack(es->body, o);
	}
	return o;
}

Triad__V1__Request *
frame_unpack_request(const uint8_t *body, size_t len, ProtobufCAllocator *alloc)
{
	return (Triad__V1__Request *)narrow_unpack(&narrow_request, body, len, alloc);
}

Triad__V1__Response *
frame_unpack_response(const uint8_t *body, size_t len, ProtobufCAllocator *alloc)
{
	return (Triad__V1__Response *)narrow_unpack(&narrow_response, body, len, alloc);
}

size_t
frame_request_size(const Triad__V1__Request *req)
{
	return narrow_pack(&narrow_request, &req->base, req->body_case, NULL);
}

size_t
frame_request_pack(const Triad__V1__Request *req, uint8_t *out)
{
	return narrow_pack(&narrow_request, &req->base, req->body_case, out);
}

size_t
frame_response_size(const Triad__V1__Response *resp)
{
	EnvelopeSizes es;

	if (envelope_measure(resp, &es))
		return es.total;
	return narrow_pack(&narrow_response, &resp->base, resp->body_case, NULL);
}

size_t
frame_response_pack(const Triad__V1__Response *resp, uint8_t *out)
{
	EnvelopeSizes es;

	if (envelope_measure(resp, &es))
		return (size_t)(envelope_write(&es, resp->id, out) - out);
	return narrow_pack(&narrow_response, &resp->base, resp->body_case, out);
}

static bool
packable(ProtobufCType type)
{
	return type != PROTOBUF_C_TYPE_STRING && type != PROTOBUF_C_TYPE_BYTES &&
	       type != PROTOBUF_C_TYPE_MESSAGE;
}

/*
 * Writes the dotted path of the field at fault into out->field: the fields
 * leading to the message at depth, then name (NULL: the message itself).
 */
static void
path_set(ScanState *st, unsigned depth, const char *name)
{
	char *f = st->out->field;
	size_t len = 0;

	f[0] = '\0';
	for (unsigned i = 0; i <= depth; i++) {
		const char *part = i < depth ? st->names[i] : name;
		if (part == NULL)
			break;
		int n = snprintf(f + len, FRAME_FIELD_PATH_MAX - len, "%s%s", len > 0 ? "." : "", part);
		if (n < 0)
			break;
		len += (size_t)n;
		if (len >= FRAME_FIELD_PATH_MAX - 1) {
			len = FRAME_FIELD_PATH_MAX - 1;
			break;
		}
	}
	f[len] = '\0';
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
	unsigned hint = 0;

	while (p < end) {
		uint32_t tag;
		unsigned wire;
		size_t used = scan_tag(p, (size_t)(end - p), &tag, &wire);
		if (used == 0)
			return SCAN_MALFORMED;
		p += used;

		size_t rem = (size_t)(end - p), prefix = 0;
		size_t vlen = scan_value(wire, p, rem, &prefix);
		if (vlen == 0)
			return SCAN_MALFORMED;
		const uint8_t *val = p;
		p += vlen;

		const ProtobufCFieldDescriptor *f = unpack_find_field(desc, tag, &hint);
		if (f == NULL) {
			out->values++;
			out->unknown++;
			out->unknown_number = tag;
			if (out->unknown > FRAME_UNKNOWN_MAX) {
				path_set(st, depth, NULL);
				return SCAN_TOO_MANY_UNKNOWN;
			}
			if (out->values > FRAME_VALUES_MAX) {
				path_set(st, depth, NULL);
				return SCAN_TOO_MANY_VALUES;
			}
			continue;
		}
		if (depth == 0 && f->id == 1 && wire == 0)
			out->id = varint_value(val, vlen);   /* the last one wins, as in protobuf-c */
		if (depth == 0 && (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
			out->member = out->member == 0 || out->member == f->id ? f->id : UINT32_MAX;

		size_t n = 1;
		if (f->label == PROTOBUF_C_LABEL_REPEATED && wire == 2 &&
		    ((f->flags & PROTOBUF_C_FIELD_FLAG_PACKED) || packable(f->type)))
			n = packed_count(f->type, val + prefix, vlen - prefix);
		if (n > FRAME_VALUES_MAX || out->values + n > FRAME_VALUES_MAX) {
			out->values = FRAME_VALUES_MAX + 1;
			path_set(st, depth, f->name);
			return SCAN_TOO_MANY_VALUES;
		}
		out->values += (uint32_t)n;

		if (f->type == PROTOBUF_C_TYPE_STRING && wire == 2) {
			const uint8_t *s = val + prefix;
			size_t slen = vlen - prefix;
			out->text_why = memchr(s, 0, slen) != NULL ? "contains a NUL byte"
				: !text_utf8_valid(s, slen) ? "is not valid UTF-8" : NULL;
			if (out->text_why != NULL) {
				path_set(st, depth, f->name);
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
				path_set(st, depth, f->name);
				return SCAN_SINGULAR_TWICE;
			}
			seen[idx / 64] |= bit;
		}
		if (depth + 1 >= FRAME_DEPTH_MAX) {
			path_set(st, depth, f->name);
			return SCAN_TOO_DEEP;
		}
		st->names[depth] = f->name;
		ScanStatus rc = scan_message(st, f->descriptor, val + prefix, vlen - prefix, depth + 1);
		if (rc != SCAN_OK)
			return rc;
	}
	return SCAN_OK;
}

ScanStatus
frame_scan(const uint8_t *body, size_t len, FrameScan *out)
{
	ScanState st = {.out = out};

	/* All but the path, which only a refusal writes (path_set()). */
	memset(out, 0, offsetof(FrameScan, field));
	out->field[0] = '\0';
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

/*
 * The cursor's frames are read where they lie, without draining each: a
 * drain runs the input's callbacks (the bufferevent's watermark check,
 * which re-adds its read event), a few hundred instructions a frame. The
 * cursor keeps where the input's first chain starts and how long it is;
 * what it has passed is drained at once when the next frame does not lie
 * in that chain too, so nothing is pulled up twice.
 */
static void
cursor_front(FrameCursor *cur)
{
	/* Pulling up exactly the first chain copies nothing. */
	cur->front_len = evbuffer_get_contiguous_space(cur->in);
	cur->front = cur->front_len > 0 ? evbuffer_pullup(cur->in, (ev_ssize_t)cur->front_len)
					: NULL;
	if (cur->front == NULL)
		cur->front_len = 0;
}

FrameStatus
frame_cursor_peek(FrameCursor *cur, uint32_t max_body, uint32_t *body_len)
{
	uint8_t hdr[FRAME_HEADER_BYTES];
	size_t have = evbuffer_get_length(cur->in) - cur->taken;

	if (have < FRAME_HEADER_BYTES)
		return FRAME_INCOMPLETE;
	if (cur->taken + FRAME_HEADER_BYTES > cur->front_len) {
		frame_cursor_drain(cur);
		cursor_front(cur);
	}
	if (cur->taken + FRAME_HEADER_BYTES <= cur->front_len)
		memcpy(hdr, cur->front + cur->taken, sizeof hdr);
	else if (evbuffer_copyout(cur->in, hdr, sizeof hdr) != (ev_ssize_t)sizeof hdr)
		return FRAME_INCOMPLETE;   /* the header spans chains */
	*body_len = frame_get_u32(hdr);
	if (*body_len == 0)
		return FRAME_EMPTY;
	if (*body_len > max_body)
		return FRAME_TOO_LARGE;
	if (have - FRAME_HEADER_BYTES < *body_len)
		return FRAME_INCOMPLETE;
	return FRAME_READY;
}

const uint8_t *
frame_cursor_body(FrameCursor *cur, uint32_t body_len)
{
	size_t total = FRAME_HEADER_BYTES + (size_t)body_len;

	if (cur->taken + total <= cur->front_len)
		return cur->front + cur->taken + FRAME_HEADER_BYTES;
	frame_cursor_drain(cur);
	if (evbuffer_pullup(cur->in, (ev_ssize_t)total) == NULL)
		return NULL;
	cursor_front(cur);
	return cur->front_len >= total ? cur->front + FRAME_HEADER_BYTES : NULL;
}

void
frame_cursor_skip(FrameCursor *cur, uint32_t body_len)
{
	cur->taken += FRAME_HEADER_BYTES + (size_t)body_len;
}

void
frame_cursor_drain(FrameCursor *cur)
{
	if (cur->taken > 0)
		evbuffer_drain(cur->in, cur->taken);
	cur->taken = 0;
	cur->front = NULL;
	cur->front_len = 0;
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
	return frame_take_request_with(in, body_len, NULL, out);
}

DecodeStatus
frame_take_request_with(struct evbuffer *in, uint32_t body_len, ProtobufCAllocator *alloc,
			Triad__V1__Request **out)
{
	size_t total = FRAME_HEADER_BYTES + (size_t)body_len;
	/* Make the frame contiguous; usually it already is and this is free. */
	const uint8_t *p = evbuffer_pullup(in, (ev_ssize_t)total);

	*out = NULL;
	if (p != NULL)
		*out = (Triad__V1__Request *)narrow_unpack(&narrow_request, p + FRAME_HEADER_BYTES,
							    body_len, alloc);
	evbuffer_drain(in, total);

	if (*out == NULL)
		return DECODE_GARBAGE;
	if ((*out)->id == 0)
		return DECODE_ZERO_ID;
	return DECODE_OK;
}

DecodeStatus
frame_unpack_scanned(const uint8_t *body, uint32_t body_len, const FrameScan *scan,
		     Arena *arena, Triad__V1__Request **out)
{
	ProtobufCAllocator *alloc = arena != NULL ? arena_allocator(arena) : NULL;
	const ProtobufCMessageDescriptor *d =
		scan->member != UINT32_MAX ? narrow_for(&narrow_request, scan->member) : NULL;
	ProtobufCMessage *m = NULL;

	/* The lean unpacker leaves unknown fields to protobuf-c, and what it
	 * allocated before giving up goes back to the arena. */
	if (d != NULL && scan->unknown == 0) {
		ArenaMark mark = {0};
		if (arena != NULL)
			mark = arena_mark(arena);
		m = unpack_lean(d, alloc, body, body_len);
		if (m == NULL && arena != NULL)
			arena_release(arena, mark);
	}
	if (m == NULL)
		m = protobuf_c_message_unpack(d != NULL ? d : narrow_request.full, alloc, body_len,
					      body);
	*out = (Triad__V1__Request *)m;
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

/* An answer measured for framing: by the envelope, or whole (narrowed). */
typedef struct Framed {
	EnvelopeSizes es;
	NarrowCopy copy;
	const ProtobufCMessage *whole;   /* NULL: by the envelope */
	size_t len;                      /* the body of the frame */
} Framed;

static void
framed_measure(Framed *f, const Triad__V1__Response *resp)
{
	f->whole = NULL;
	if (envelope_measure(resp, &f->es)) {
		f->len = f->es.total;
		return;
	}
	f->whole = narrow_view(&narrow_response, &resp->base, resp->body_case, &f->copy);
	f->len = protobuf_c_message_get_packed_size(f->whole);
}

/* Writes the frame (header and body, 4 + f->len bytes) at p. */
static void
framed_write(Framed *f, const Triad__V1__Response *resp, uint8_t *p)
{
	frame_put_u32(p, (uint32_t)f->len);
	if (f->whole == NULL)
		envelope_write(&f->es, resp->id, p + FRAME_HEADER_BYTES);
	else
		protobuf_c_message_pack(f->whole, p + FRAME_HEADER_BYTES);
}

bool
frame_stage_response(FrameStage *st, const Triad__V1__Response *resp, size_t max)
{
	Framed f;

	framed_measure(&f, resp);
	if (f.len > max || FRAME_HEADER_BYTES + f.len > max - st->len)
		return false;
	size_t need = st->len + FRAME_HEADER_BYTES + f.len;
	if (need > st->cap) {
		size_t cap = st->cap != 0 ? st->cap : 4096;
		while (cap < need)
			cap *= 2;
		uint8_t *buf = realloc(st->buf, cap);
		if (buf == NULL)
			return false;
		st->buf = buf;
		st->cap = cap;
	}
	framed_write(&f, resp, st->buf + st->len);
	st->len = need;
	return true;
}

void
frame_stage_free(FrameStage *st)
{
	free(st->buf);
	*st = (FrameStage){0};
}

bool
frame_append_response(struct evbuffer *out, const Triad__V1__Response *resp)
{
	struct evbuffer_iovec vec;
	Framed f;

	framed_measure(&f, resp);
	if (f.len > UINT32_MAX - FRAME_HEADER_BYTES)
		return false;
	if (evbuffer_reserve_space(out, (ev_ssize_t)(f.len + FRAME_HEADER_BYTES), &vec, 1) != 1)
		return false;
	framed_write(&f, resp, vec.iov_base);
	vec.iov_len = f.len + FRAME_HEADER_BYTES;
	return evbuffer_commit_space(out, &vec, 1) == 0;
}

/*
 * unpack.c: a lean unpacker for protobuf-c messages (unpack.h).
 *
 * Every value is read as protobuf-c's unpacker reads it (protobuf-c.c,
 * parse_required_member() and its helpers): a 32-bit varint keeps the low
 * 32 bits of the value, a bool is true when any of its bytes carries a bit,
 * a string gets a NUL after its bytes, empty bytes have no data. Whatever
 * does not fit those rules returns false, and the caller's caller asks
 * protobuf-c, which then accepts or refuses it as it always has.
 */
#include "unpack.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Deeper nesting is left to protobuf-c (the frame scan refuses it first). */
#define LEAN_DEPTH_MAX 64
/* A message with repeated fields and more fields than this: likewise. */
#define LEAN_FIELDS_MAX 256

enum { WIRE_VARINT = 0, WIRE_64BIT = 1, WIRE_LENGTH = 2, WIRE_32BIT = 5 };

static void *
system_alloc(void *data, size_t size)
{
	(void)data;
	return malloc(size);
}

static void
system_free(void *data, void *p)
{
	(void)data;
	free(p);
}

/* malloc() and free(), as protobuf-c's own default allocator. */
static ProtobufCAllocator system_allocator = {system_alloc, system_free, NULL};

/*
 * The varint at p (rem bytes left), of at most max bytes: its length, or 0
 * when it does not end within them.
 */
static inline size_t
get_varint(const uint8_t *p, size_t rem, size_t max, uint64_t *v)
{
	uint64_t r = 0;
	size_t n = rem < max ? rem : max;

	for (size_t i = 0; i < n; i++) {
		r |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			*v = r;
			return i + 1;
		}
	}
	return 0;
}

/* One field's key and the extent of its value. */
typedef struct Value {
	uint32_t tag;
	unsigned wire;
	const uint8_t *at;       /* the value (after the length, for WIRE_LENGTH) */
	size_t len;              /* its bytes */
} Value;

/*
 * Reads the key and value at *p (before end) into *v and moves *p past
 * them. False on what protobuf-c would refuse or reads otherwise: a tag of
 * 0 or over 32 bits, an unterminated varint, a length past the end, the
 * wire types 3 and 4 (groups).
 */
static inline bool
next_value(const uint8_t **p, const uint8_t *end, Value *v)
{
	const uint8_t *at = *p;
	uint64_t key, n;
	size_t used;

	if (at[0] < 0x80) {
		key = at[0];
		used = 1;
	} else if ((used = get_varint(at, (size_t)(end - at), 5, &key)) == 0) {
		return false;
	}
	if ((key >> 3) == 0 || (key >> 3) > UINT32_MAX)
		return false;
	v->tag = (uint32_t)(key >> 3);
	v->wire = (unsigned)(key & 7);
	at += used;
	switch (v->wire) {
	case WIRE_VARINT:
		v->at = at;
		v->len = get_varint(at, (size_t)(end - at), 10, &n);
		if (v->len == 0)
			return false;
		break;
	case WIRE_64BIT:
	case WIRE_32BIT:
		v->at = at;
		v->len = v->wire == WIRE_64BIT ? 8 : 4;
		if ((size_t)(end - at) < v->len)
			return false;
		break;
	case WIRE_LENGTH:
		if ((used = get_varint(at, (size_t)(end - at), 5, &n)) == 0 ||
		    n > (uint64_t)(end - at) - used)
			return false;
		v->at = at + used;
		v->len = (size_t)n;
		break;
	default:
		return false;
	}
	*p = v->at + v->len;
	return true;
}


size_t
unpack_element_size(ProtobufCType type)
{
	switch (type) {
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return 8;
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	default:
		return 4;
	}
}

static bool
packable(ProtobufCType type)
{
	return type != PROTOBUF_C_TYPE_STRING && type != PROTOBUF_C_TYPE_BYTES &&
	       type != PROTOBUF_C_TYPE_MESSAGE;
}

static ProtobufCMessage *lean_message(const ProtobufCMessageDescriptor *d, ProtobufCAllocator *a,
				      const uint8_t *data, size_t len, unsigned depth);

/*
 * Stores v, a value of field f, at dst. replace: dst holds the field's
 * current value (a singular field), which a string or bytes value frees;
 * a message field set already is left to protobuf-c (it merges).
 */
static bool
store_value(const ProtobufCFieldDescriptor *f, const Value *v, void *dst, ProtobufCAllocator *a,
	    bool replace, unsigned depth)
{
	uint64_t n = 0;

	switch (f->type) {
	case PROTOBUF_C_TYPE_BOOL: {
		if (v->wire != WIRE_VARINT)
			return false;
		protobuf_c_boolean b = 0;
		for (size_t i = 0; i < v->len; i++)
			b |= (v->at[i] & 0x7f) != 0;
		*(protobuf_c_boolean *)dst = b;
		return true;
	}
	case PROTOBUF_C_TYPE_ENUM:
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_UINT64:
		if (v->wire != WIRE_VARINT)
			return false;
		get_varint(v->at, v->len, 10, &n);
		if (f->type == PROTOBUF_C_TYPE_INT64 || f->type == PROTOBUF_C_TYPE_UINT64)
			*(uint64_t *)dst = n;
		else
			*(uint32_t *)dst = (uint32_t)n;
		return true;
	case PROTOBUF_C_TYPE_DOUBLE: {
		if (v->wire != WIRE_64BIT)
			return false;
		for (int i = 0; i < 8; i++)
			n |= (uint64_t)v->at[i] << (8 * i);   /* little-endian on the wire */
		memcpy(dst, &n, 8);
		return true;
	}
	case PROTOBUF_C_TYPE_STRING: {
		if (v->wire != WIRE_LENGTH)
			return false;
		char *s = a->alloc(a->allocator_data, v->len + 1);
		if (s == NULL)
			return false;
		memcpy(s, v->at, v->len);
		s[v->len] = '\0';
		char **ps = dst;
		if (replace && *ps != NULL && *ps != f->default_value)
			a->free(a->allocator_data, *ps);
		*ps = s;
		return true;
	}
	case PROTOBUF_C_TYPE_BYTES: {
		if (v->wire != WIRE_LENGTH)
			return false;
		uint8_t *b = NULL;
		if (v->len > 0) {
			if ((b = a->alloc(a->allocator_data, v->len)) == NULL)
				return false;
			memcpy(b, v->at, v->len);
		}
		ProtobufCBinaryData *bd = dst;
		const ProtobufCBinaryData *def = f->default_value;
		if (replace && bd->data != NULL && (def == NULL || bd->data != def->data))
			a->free(a->allocator_data, bd->data);
		bd->data = b;
		bd->len = v->len;
		return true;
	}
	case PROTOBUF_C_TYPE_MESSAGE: {
		ProtobufCMessage **pm = dst;
		if (v->wire != WIRE_LENGTH ||
		    (replace && *pm != NULL && *pm != f->default_value))
			return false;
		ProtobufCMessage *sub = lean_message(f->descriptor, a, v->at, v->len, depth + 1);
		if (sub == NULL)
			return false;
		*pm = sub;
		return true;
	}
	default:
		/* sint, fixed and float: the protocol has none; protobuf-c reads them */
		return false;
	}
}

/*
 * Gives each repeated field of m its array, sized by a first pass over the
 * message's fields (protobuf-c counts them the same way). count[i] is
 * field i's; the counts in m are left at 0 to be filled.
 */
static bool
size_arrays(const ProtobufCMessageDescriptor *d, ProtobufCAllocator *a, ProtobufCMessage *m,
	    const uint8_t *p, const uint8_t *end, uint32_t *count)
{
	unsigned hint = 0;
	Value v;

	memset(count, 0, d->n_fields * sizeof *count);
	while (p < end) {
		if (!next_value(&p, end, &v))
			return false;
		const ProtobufCFieldDescriptor *f = unpack_find_field(d, v.tag, &hint);
		if (f == NULL)
			return false;   /* unknown: protobuf-c keeps it */
		if (f->label != PROTOBUF_C_LABEL_REPEATED)
			continue;
		if (v.wire == WIRE_LENGTH && packable(f->type))
			return false;   /* packed */
		count[f - d->fields]++;
	}
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (count[i] == 0)
			continue;
		void *arr = a->alloc(a->allocator_data, unpack_element_size(f->type) * count[i]);
		if (arr == NULL)
			return false;
		*(void **)((char *)m + f->offset) = arr;
		*(size_t *)((char *)m + f->quantifier_offset) = 0;
	}
	return true;
}

/* Reads the fields at data (len bytes) into m, initialised. */
static bool
fill(const ProtobufCMessageDescriptor *d, ProtobufCAllocator *a, ProtobufCMessage *m,
     const uint8_t *data, size_t len, unsigned depth)
{
	const uint8_t *p = data, *end = data + len;
	uint32_t count[LEAN_FIELDS_MAX];
	bool repeated = false;
	unsigned hint = 0;
	Value v;

	for (unsigned i = 0; i < d->n_fields; i++) {
		if (d->fields[i].label == PROTOBUF_C_LABEL_REQUIRED)
			return false;
		if (d->fields[i].label == PROTOBUF_C_LABEL_REPEATED)
			repeated = true;
	}
	if (repeated && (d->n_fields > LEAN_FIELDS_MAX || !size_arrays(d, a, m, p, end, count)))
		return false;
	while (p < end) {
		if (!next_value(&p, end, &v))
			return false;
		const ProtobufCFieldDescriptor *f = unpack_find_field(d, v.tag, &hint);
		if (f == NULL)
			return false;
		void *member = (char *)m + f->offset;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t *n = (size_t *)((char *)m + f->quantifier_offset);
			if (*n >= count[f - d->fields])
				return false;
			char *slot = *(char **)member + unpack_element_size(f->type) * *n;
			if (!store_value(f, &v, slot, a, false, depth))
				return false;
			(*n)++;
		} else if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			uint32_t *which = (uint32_t *)((char *)m + f->quantifier_offset);
			if (*which != 0 || !store_value(f, &v, member, a, false, depth))
				return false;   /* set twice: protobuf-c frees the first */
			*which = f->id;
		} else {
			if (!store_value(f, &v, member, a, true, depth))
				return false;
			if (f->quantifier_offset != 0)
				*(protobuf_c_boolean *)((char *)m + f->quantifier_offset) = 1;
		}
	}
	return true;
}

static ProtobufCMessage *
lean_message(const ProtobufCMessageDescriptor *d, ProtobufCAllocator *a, const uint8_t *data,
	     size_t len, unsigned depth)
{
	if (depth > LEAN_DEPTH_MAX || d->message_init == NULL)
		return NULL;
	ProtobufCMessage *m = a->alloc(a->allocator_data, d->sizeof_message);
	if (m == NULL)
		return NULL;
	protobuf_c_message_init(d, m);
	if (!fill(d, a, m, data, len, depth)) {
		protobuf_c_message_free_unpacked(m, a);
		return NULL;
	}
	return m;
}

ProtobufCMessage *
unpack_lean(const ProtobufCMessageDescriptor *desc, ProtobufCAllocator *allocator,
	    const uint8_t *data, size_t len)
{
	return lean_message(desc, allocator != NULL ? allocator : &system_allocator, data, len, 0);
}

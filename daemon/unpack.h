/*
 * unpack.h: a lean unpacker for protobuf-c messages, driven by the same
 * descriptors.
 *
 * protobuf_c_message_unpack() reads a message in two passes: it records
 * every field it meets in a table (slabs of "scanned members"), keeps a
 * bitmap of required fields, then walks the table to fill the message. For
 * the small requests of the protocol that bookkeeping costs more than the
 * fields themselves. unpack_lean() fills the message as it reads, in one
 * pass (two for a message with repeated fields, whose arrays are counted
 * first), and gives up on what it does not handle, leaving that to
 * protobuf-c:
 *   - unknown fields, and proto2's required fields;
 *   - a message field given twice (protobuf-c merges the two), a oneof set
 *     twice, packed repeated fields;
 *   - anything protobuf-c would refuse (a wire type that does not fit the
 *     field, a truncated value, a tag over 32 bits);
 *   - the types the protocol does not use: sint, fixed and float.
 * Where it succeeds, the message is the one protobuf-c's unpacker gives:
 * the same values, from the same allocator, freed by
 * protobuf_c_message_free_unpacked().
 */
#ifndef TRIAD_UNPACK_H
#define TRIAD_UNPACK_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

/*
 * data (len bytes) unpacked as a message of type desc with allocator
 * (NULL: malloc), or NULL where protobuf-c must decide (above) or memory
 * ran out; whatever was allocated has been given back to allocator then.
 */
ProtobufCMessage *unpack_lean(const ProtobufCMessageDescriptor *desc,
			      ProtobufCAllocator *allocator, const uint8_t *data, size_t len);

/* The bytes of one element of a repeated field of type t (protobuf-c's layout). */
size_t unpack_element_size(ProtobufCType type);

/*
 * The field of d numbered id, or NULL: a binary search of d's fields, which
 * protoc-c sorts by number (test_unpack checks every descriptor of the
 * protocol), tried first at *hint, the field after the one found last,
 * since fields mostly come in order.
 */
static inline const ProtobufCFieldDescriptor *
unpack_find_field(const ProtobufCMessageDescriptor *d, uint32_t id, unsigned *hint)
{
	unsigned lo = 0, hi = d->n_fields;

	if (*hint < d->n_fields && d->fields[*hint].id == id)
		return &d->fields[(*hint)++];
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (d->fields[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < d->n_fields && d->fields[lo].id == id) {
		*hint = lo + 1;
		return &d->fields[lo];
	}
	return NULL;
}

#endif

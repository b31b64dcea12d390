/*
 * fuzz_envelope.c: libFuzzer target for the request envelope, every request
 * kind: the input is the body of one frame, a packed Request.
 *
 * The bytes go through the daemon's own decoder (frame_take_request) as one
 * whole frame. What decodes is packed again, to the size promised. When it
 * holds only fields that triad's .proto files define, the packed form must be
 * stable: it reads back with the same id and kind, and packs to the same
 * bytes. Unknown fields are only packed: protobuf-c keeps and re-emits them
 * as they came, and some that it accepts (field number 0 in a long varint)
 * it refuses to read back, which is the library's affair and harmless to the
 * daemon, which never packs a Request. The seeds
 * (tests/fuzz/corpus/fuzz_envelope/, written by envelope_seeds) hold one
 * Request of each kind, so the fuzzer starts inside every body message.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Packs req into a malloc'd buffer; *len is its size. */
static uint8_t *
pack(const Triad__V1__Request *req, size_t *len)
{
	*len = triad__v1__request__get_packed_size(req);
	uint8_t *buf = malloc(*len ? *len : 1);
	if (buf == NULL)
		abort();
	if (triad__v1__request__pack(req, buf) != *len)
		abort();   /* the size it promised is not the size it wrote */
	return buf;
}

/* True when m or a message inside it kept fields its descriptor does not know. */
static bool
has_unknown_fields(const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	const char *base = (const char *)m;

	if (m->n_unknown_fields > 0)
		return true;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
		    *(const uint32_t *)(base + f->quantifier_offset) != f->id)
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)(base + f->quantifier_offset);
			ProtobufCMessage *const *v = *(ProtobufCMessage *const *const *)(base + f->offset);
			for (size_t j = 0; j < n; j++)
				if (has_unknown_fields(v[j]))
					return true;
		} else {
			const ProtobufCMessage *sub = *(ProtobufCMessage *const *)(base + f->offset);
			if (sub != NULL && has_unknown_fields(sub))
				return true;
		}
	}
	return false;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > UINT32_MAX)
		return 0;
	/* The scan that runs before decoding never crashes and agrees with
	 * the decoder: what it calls malformed, protobuf-c refuses too. A
	 * string it refuses is named. */
	FrameScan scan;
	ScanStatus ss = frame_scan(data, size, &scan);
	if (ss == SCAN_BAD_TEXT && (scan.field[0] == '\0' || scan.text_why == NULL))
		abort();

	uint8_t header[FRAME_HEADER_BYTES];
	frame_put_u32(header, (uint32_t)size);
	struct evbuffer *in = evbuffer_new();
	if (in == NULL)
		abort();
	evbuffer_add(in, header, sizeof header);
	evbuffer_add(in, data, size);

	Triad__V1__Request *req = NULL;
	DecodeStatus ds = frame_take_request(in, (uint32_t)size, &req);
	if (evbuffer_get_length(in) != 0)
		abort();   /* the frame is consumed in every case */
	evbuffer_free(in);
	if (ds == DECODE_GARBAGE) {
		if (req != NULL)
			abort();
		return 0;
	}
	if (ss == SCAN_MALFORMED)
		abort();   /* the scan refused what the decoder reads */
	if (req == NULL || (ds == DECODE_ZERO_ID) != (req->id == 0))
		abort();

	size_t len1, len2;
	uint8_t *once = pack(req, &len1);
	if (!has_unknown_fields(&req->base)) {
		Triad__V1__Request *again = triad__v1__request__unpack(NULL, len1, once);
		if (again == NULL)
			abort();   /* what we packed does not read back */
		if (again->id != req->id || again->body_case != req->body_case)
			abort();
		uint8_t *twice = pack(again, &len2);
		if (len1 != len2 || memcmp(once, twice, len1) != 0)
			abort();   /* packing is not stable */
		free(twice);
		triad__v1__request__free_unpacked(again, NULL);
	}
	free(once);
	triad__v1__request__free_unpacked(req, NULL);
	return 0;
}

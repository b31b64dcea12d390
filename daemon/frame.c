/*
 * frame.c: reading and writing length-prefixed protobuf frames.
 */
#include "frame.h"

#include <string.h>

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

/*
 * frame.h: the wire framing, on libevent buffers.
 *
 * A frame is a 4-byte unsigned big-endian body length followed by the body,
 * one serialised protobuf message. The reader never consumes a partial
 * frame and never needs more memory than one frame of the configured limit;
 * the writer appends whole frames only.
 */
#ifndef TRIAD_FRAME_H
#define TRIAD_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/buffer.h>

#include "triad/v1/envelope.pb-c.h"

#define FRAME_HEADER_BYTES 4

typedef enum FrameStatus {
	FRAME_INCOMPLETE,   /* not a whole frame yet: wait for more bytes */
	FRAME_READY,        /* a whole frame is at the front of the buffer */
	FRAME_EMPTY,        /* the header announces a zero-length body */
	FRAME_TOO_LARGE,    /* the header announces a body over the limit */
} FrameStatus;

/*
 * Looks at the front of in without consuming anything. On FRAME_READY,
 * FRAME_EMPTY and FRAME_TOO_LARGE, *body_len is the announced length, which
 * on FRAME_TOO_LARGE is known as soon as the header has arrived, so an
 * oversized frame is refused before its body is read.
 */
FrameStatus frame_peek(struct evbuffer *in, uint32_t max_body, uint32_t *body_len);

typedef enum DecodeStatus {
	DECODE_OK,
	DECODE_GARBAGE,     /* the bytes are not a Request */
	DECODE_ZERO_ID,     /* id 0 is reserved for the server */
} DecodeStatus;

/*
 * Consumes the frame that frame_peek() reported READY (body_len bytes after
 * the header) and unpacks it. On DECODE_OK and DECODE_ZERO_ID,
 * *out is the unpacked Request, which the caller frees with
 * triad__v1__request__free_unpacked(); on DECODE_GARBAGE *out is NULL.
 * The frame is consumed in every case.
 */
DecodeStatus frame_take_request(struct evbuffer *in, uint32_t body_len,
				Triad__V1__Request **out);

/* Short, stable description of a DecodeStatus for error messages. */
const char *frame_decode_message(DecodeStatus st);

/*
 * Appends resp to out as one frame. Returns false only when memory runs
 * out, in which case out is unchanged.
 */
__attribute__((warn_unused_result))
bool frame_append_response(struct evbuffer *out, const Triad__V1__Response *resp);

/* Big-endian helpers shared by the readers and writers of frames. */
static inline void
frame_put_u32(uint8_t b[4], uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

static inline uint32_t
frame_get_u32(const uint8_t b[4])
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

#endif

/*
 * frame.h: the wire framing, on libevent buffers.
 *
 * A frame is a 4-byte unsigned big-endian body length followed by the body,
 * one serialised protobuf message. The reader never consumes a partial
 * frame and never needs more memory than one frame of the configured limit;
 * nothing is reserved from the length a header announces, so a partial
 * frame holds only the bytes that have arrived. The writer appends whole
 * frames only.
 */
#ifndef TRIAD_FRAME_H
#define TRIAD_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/buffer.h>

#include "arena.h"
#include "triad/v1/envelope.pb-c.h"

#define FRAME_HEADER_BYTES 4

/*
 * What one frame may make the daemon do, whatever max_frame_bytes says
 * (envelope.proto, LIMITS, is the contract these implement):
 *   FRAME_PRESESSION_MAX_BYTES  largest frame body read before a session is
 *                               open: a Hello or an invite redemption fits
 *                               in a few hundred bytes;
 *   FRAME_VALUES_MAX            field values in one Request, at every depth,
 *                               each element of a repeated field counting as
 *                               one: what bounds the work of decoding it;
 *   FRAME_UNKNOWN_MAX           fields this server does not know, in total;
 *   FRAME_DEPTH_MAX             messages nested inside one another.
 */
#define FRAME_PRESESSION_MAX_BYTES 8192
#define FRAME_VALUES_MAX 10000
#define FRAME_UNKNOWN_MAX 64
#define FRAME_DEPTH_MAX 32
/* Room for the dotted path of the field a refusal names. */
#define FRAME_FIELD_PATH_MAX 160

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

/*
 * The same, unpacking with alloc (NULL: malloc, as above). With an arena's
 * allocator (arena.h) the Request lives until the arena is released and is
 * not freed by itself. DECODE_GARBAGE also when alloc runs out of room.
 */
DecodeStatus frame_take_request_with(struct evbuffer *in, uint32_t body_len,
				     ProtobufCAllocator *alloc, Triad__V1__Request **out);

/*
 * triad__v1__request__unpack(), as fast for a Request of any kind as for
 * one with few fields: the same result, byte for byte. alloc NULL: malloc.
 */
Triad__V1__Request *frame_unpack_request(const uint8_t *body, size_t len,
					 ProtobufCAllocator *alloc);

/*
 * An upper bound of the bytes protobuf-c allocates to unpack a frame body
 * of body_len bytes that frame_scan() passed: the limit of the arena it is
 * unpacked into.
 */
size_t frame_unpack_max_bytes(uint32_t body_len);

/* triad__v1__response__get_packed_size() and __pack(), likewise. */
size_t frame_response_size(const Triad__V1__Response *resp);
size_t frame_response_pack(const Triad__V1__Response *resp, uint8_t *out);

/*
 * The other direction, for clients (triad-bench) and for answers stored
 * with their idempotency key: triad__v1__response__unpack(),
 * triad__v1__request__get_packed_size() and __pack(), likewise.
 */
Triad__V1__Response *frame_unpack_response(const uint8_t *body, size_t len,
					   ProtobufCAllocator *alloc);
size_t frame_request_size(const Triad__V1__Request *req);
size_t frame_request_pack(const Triad__V1__Request *req, uint8_t *out);

/*
 * The narrowed descriptors are built on first use, which is not safe when
 * threads share them: a client with threads calls this before it starts
 * them, and all are built then. False when memory ran out.
 */
bool frame_narrow_prepare(void);

typedef enum ScanStatus {
	SCAN_OK,                /* within the limits: unpacking is cheap */
	SCAN_MALFORMED,         /* not a Request: the decoder would refuse it too */
	SCAN_TOO_MANY_VALUES,   /* more than FRAME_VALUES_MAX values */
	SCAN_TOO_MANY_UNKNOWN,  /* more than FRAME_UNKNOWN_MAX unknown fields */
	SCAN_SINGULAR_TWICE,    /* a field holding one message appears twice */
	SCAN_TOO_DEEP,          /* messages nested deeper than FRAME_DEPTH_MAX */
	SCAN_BAD_TEXT,          /* a string field is not UTF-8 or holds a NUL byte */
} ScanStatus;

/* What frame_scan() learnt about a frame body. */
typedef struct FrameScan {
	uint64_t id;            /* Request.id as the decoder would read it; 0 if absent */
	uint32_t values;        /* values counted up to where the scan stopped */
	uint32_t unknown;       /* unknown fields counted likewise */
	uint32_t unknown_number; /* on SCAN_TOO_MANY_UNKNOWN: the number of the last one */
	const char *text_why;   /* on SCAN_BAD_TEXT: "is not valid UTF-8" or
				   "contains a NUL byte" */
	uint32_t member;        /* on SCAN_OK: the number of the member of Request's
				   oneof the body holds; 0 none, UINT32_MAX several */
	/* On a refusal other than SCAN_MALFORMED: the field at fault as a dotted
	 * path from the Request ("create_programme.start_moments"); for unknown
	 * fields the message that holds them ("" for the Request itself). */
	char field[FRAME_FIELD_PATH_MAX];
} FrameScan;

/*
 * Reads the wire format of a Request body without unpacking anything, and
 * says whether unpacking it stays within the limits above. It allocates
 * nothing, and stops at the first value over a limit, so its cost is linear
 * in the bytes it reads and small even for a frame built to be expensive.
 * It accepts exactly what protobuf-c's unpacker accepts, except that it
 * refuses (SCAN_SINGULAR_TWICE) a message-typed field that is not repeated
 * and appears twice in the same message: protobuf-c would merge the two,
 * at a cost that grows with the square of their elements; and that it
 * refuses (SCAN_BAD_TEXT) a string field that is not UTF-8 or holds a NUL
 * byte, which protobuf-c checks neither of (a C string would end at the
 * NUL: "before\0after" would silently become "before"). A frame that
 * passes is unpacked with frame_unpack_scanned().
 */
ScanStatus frame_scan(const uint8_t *body, size_t len, FrameScan *out);

/*
 * frame_unpack_request() for a body that frame_scan() passed (SCAN_OK) as
 * scan: what the scan learnt is not read again. Statuses as
 * frame_take_request_with(); the Request is allocated from arena (NULL:
 * malloc, freed with triad__v1__request__free_unpacked()). Nothing is
 * consumed.
 */
DecodeStatus frame_unpack_scanned(const uint8_t *body, uint32_t body_len, const FrameScan *scan,
				  Arena *arena, Triad__V1__Request **out);

/*
 * A batch of frames read in place from the front of an input: the bytes of
 * the frames passed (taken) stay in it until frame_cursor_drain(), which
 * the reader calls once after the batch, and which the cursor may call
 * itself. Start with {.in = in}. While the cursor reads, nothing else may
 * change the input, but for draining all of it, after which the cursor is
 * only drained.
 */
typedef struct FrameCursor {
	struct evbuffer *in;
	size_t taken;
	const uint8_t *front;   /* the input's first chain, front_len bytes */
	size_t front_len;       /* (0: not looked at yet) */
} FrameCursor;

/* frame_peek() for the frame after those the cursor has passed. */
FrameStatus frame_cursor_peek(FrameCursor *cur, uint32_t max_body, uint32_t *body_len);

/*
 * The body of that frame, once frame_cursor_peek() said FRAME_READY with
 * body_len, made contiguous; NULL when memory runs out. The pointer lasts
 * until the next call on the cursor.
 */
const uint8_t *frame_cursor_body(FrameCursor *cur, uint32_t body_len);

/* Passes that frame (its header and body_len bytes). */
void frame_cursor_skip(FrameCursor *cur, uint32_t body_len);

/* Consumes the frames passed. */
void frame_cursor_drain(FrameCursor *cur);

/*
 * A sentence for the peer about a refusal by frame_scan() (not SCAN_OK or
 * SCAN_MALFORMED), written into buf.
 */
void frame_scan_message(ScanStatus st, const FrameScan *scan, char *buf, size_t size);

/* Short, stable description of a DecodeStatus for error messages. */
const char *frame_decode_message(DecodeStatus st);

/*
 * Appends resp to out as one frame. Returns false only when memory runs
 * out, in which case out is unchanged.
 */
__attribute__((warn_unused_result))
bool frame_append_response(struct evbuffer *out, const Triad__V1__Response *resp);

/*
 * Answers framed back to back in memory, to be added to an output at once:
 * each addition to an evbuffer runs its callbacks, and a batch of
 * pipelined requests has as many answers.
 */
typedef struct FrameStage {
	uint8_t *buf;
	size_t len, cap;
} FrameStage;

/*
 * Appends resp to st as one frame. False, and st unchanged, when st would
 * hold more than max bytes, or memory runs out: the caller adds st's bytes
 * to the output and resp after them.
 */
bool frame_stage_response(FrameStage *st, const Triad__V1__Response *resp, size_t max);
void frame_stage_free(FrameStage *st);

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

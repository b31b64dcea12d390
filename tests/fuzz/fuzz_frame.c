/*
 * fuzz_frame.c: libFuzzer target for the frame reader and the envelope
 * decoder, fed the way a socket feeds them.
 *
 * The first input byte picks the chunk size, so the fuzzer explores frames
 * split across reads as well as many frames in one read; the rest is the
 * byte stream a peer sends. The reader must never crash, leak, read out of
 * bounds or buffer more than one frame of the limit.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "frame.h"

#define LIMIT 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t chunk = (size_t)data[0] % 64 + 1;
	data++;
	size--;

	struct evbuffer *in = evbuffer_new();
	size_t off = 0;
	bool dead = false;
	while (!dead && off < size) {
		size_t n = size - off < chunk ? size - off : chunk;
		evbuffer_add(in, data + off, n);
		off += n;
		for (;;) {
			uint32_t len = 0;
			FrameStatus fs = frame_peek(in, LIMIT, &len);
			if (fs == FRAME_INCOMPLETE)
				break;
			if (fs != FRAME_READY) {
				dead = true;   /* the daemon closes here */
				break;
			}
			Triad__V1__Request *req = NULL;
			DecodeStatus ds = frame_take_request(in, len, &req);
			if (req != NULL)
				triad__v1__request__free_unpacked(req, NULL);
			if (ds != DECODE_OK) {
				dead = true;
				break;
			}
		}
		if (evbuffer_get_length(in) > LIMIT + FRAME_HEADER_BYTES + chunk)
			abort();   /* buffered more than one frame: a bound is broken */
	}
	evbuffer_free(in);

	/* The client side decodes Responses from the same kind of bytes. */
	Triad__V1__Response *resp = triad__v1__response__unpack(NULL, size, data);
	if (resp != NULL)
		triad__v1__response__free_unpacked(resp, NULL);
	return 0;
}

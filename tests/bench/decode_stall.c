/*
 * decode_stall: how long the event loop stalls on the most expensive frames a
 * peer can send, measured on the daemon's own path: frame_scan() of the body,
 * then, for a frame that passes, protobuf-c's unpack and the free after the
 * handler. Prints one line per frame; not a test: it times, people read it.
 *
 *   decode_stall [RUNS]      (default 20 runs of each frame; the worst is shown)
 *
 * Build it without sanitizers for the figure that matters (a Release build
 * tree); under ASan everything is several times slower.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "frame.h"

#define MIB (1u << 20)

typedef struct Buf {
	uint8_t *p;
	size_t len, cap;
} Buf;

static void
put(Buf *b, const void *src, size_t n)
{
	if (n == 0)
		return;
	if (b->len + n > b->cap) {
		while (b->len + n > b->cap)
			b->cap = b->cap ? b->cap * 2 : 4096;
		b->p = realloc(b->p, b->cap);
		if (b->p == NULL)
			abort();
	}
	memcpy(b->p + b->len, src, n);
	b->len += n;
}

static void
varint(Buf *b, uint64_t v)
{
	uint8_t t[10];
	size_t n = 0;
	while (v >= 0x80) {
		t[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	t[n++] = (uint8_t)v;
	put(b, t, n);
}

static void
field_bytes(Buf *b, uint32_t field, const Buf *inner)
{
	varint(b, (uint64_t)field << 3 | 2);
	varint(b, inner->len);
	put(b, inner->p, inner->len);
}

/* Request{id 1, create_programme{programme{start_moments: n strings of len bytes}}}. */
static Buf
programme(size_t n, size_t len)
{
	Buf prog = {0}, create = {0}, req = {0}, s = {0};
	char *str = calloc(1, len + 1);
	memset(str, 's', len);
	put(&s, str, len);
	for (size_t i = 0; i < n; i++)
		field_bytes(&prog, 9, &s);
	field_bytes(&create, 1, &prog);
	varint(&req, 1 << 3);
	varint(&req, 1);
	field_bytes(&req, 40, &create);
	free(str);
	free(prog.p);
	free(create.p);
	free(s.p);
	return req;
}

/* Request{id 1, ping{payload of len bytes}}. */
static Buf
ping(size_t len)
{
	Buf p = {0}, payload = {0}, req = {0};
	uint8_t *x = calloc(1, len);
	put(&payload, x, len);
	field_bytes(&p, 2, &payload);
	varint(&req, 1 << 3);
	varint(&req, 1);
	field_bytes(&req, 11, &p);
	free(x);
	free(payload.p);
	free(p.p);
	return req;
}

/* Request{id 1} and n unknown length-delimited fields of len bytes each. */
static Buf
unknown(size_t n, size_t len)
{
	Buf req = {0}, v = {0};
	uint8_t *x = calloc(1, len);
	put(&v, x, len);
	varint(&req, 1 << 3);
	varint(&req, 1);
	for (size_t i = 0; i < n; i++)
		field_bytes(&req, 100000 + (uint32_t)i, &v);
	free(x);
	free(v.p);
	return req;
}

static double
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The daemon's path for one frame; returns its scan status. */
static ScanStatus
take(const Buf *b, bool unbounded)
{
	FrameScan scan;
	ScanStatus st = unbounded ? SCAN_OK : frame_scan(b->p, b->len, &scan);
	if (st == SCAN_OK) {
		Triad__V1__Request *r = triad__v1__request__unpack(NULL, b->len, b->p);
		if (r == NULL)
			abort();
		triad__v1__request__free_unpacked(r, NULL);
	}
	return st;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/*
 * Runs the frame runs times; prints the median and the worst run (on a busy
 * machine the worst includes the scheduler's pauses) and keeps the largest
 * median in *worst_median.
 */
static void
measure(const char *what, const Buf *b, int runs, bool unbounded, double *worst_median)
{
	double *t = calloc((size_t)runs, sizeof *t);
	ScanStatus st = SCAN_OK;
	if (t == NULL)
		abort();
	for (int i = 0; i < runs; i++) {
		double t0 = now_ms();
		st = take(b, unbounded);
		t[i] = now_ms() - t0;
	}
	qsort(t, (size_t)runs, sizeof *t, cmp_double);
	double median = t[runs / 2], worst = t[runs - 1];
	printf("%-58s %8zu bytes  %-8s median %8.3f ms  worst %8.3f ms\n", what, b->len,
	       unbounded ? "(before)" : st == SCAN_OK ? "passes" : "refused", median, worst);
	if (!unbounded && median > *worst_median)
		*worst_median = median;
	free(t);
}

int
main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 20;
	double worst = 0, ignored = 0;
	if (runs < 1)
		runs = 1;

	Buf bomb = programme(524000, 0);
	Buf many_empty = programme(FRAME_VALUES_MAX - 3, 0);
	Buf many_full = programme(FRAME_VALUES_MAX - 3, (MIB - 64) / (FRAME_VALUES_MAX - 3) - 3);
	Buf big_ping = ping(MIB - 32);
	Buf unknowns = unknown(FRAME_UNKNOWN_MAX, (MIB - 64) / FRAME_UNKNOWN_MAX - 8);
	Buf presession = programme(FRAME_PRESESSION_MAX_BYTES / 2 - 16, 0);

	printf("decode stall per frame, %d runs each (scan + unpack + free as the daemon does)\n",
	       runs);
	measure("bomb: 524,000 empty repeated strings, old path (no scan)", &bomb, runs > 3 ? 3 : runs,
		true, &ignored);
	measure("bomb: 524,000 empty repeated strings", &bomb, runs, false, &worst);
	measure("9,997 empty repeated strings (at the value limit)", &many_empty, runs, false,
		&worst);
	measure("9,997 repeated strings filling 1 MiB", &many_full, runs, false, &worst);
	measure("one 1 MiB bytes field", &big_ping, runs, false, &worst);
	measure("64 unknown fields filling 1 MiB", &unknowns, runs, false, &worst);
	measure("largest pre-session frame of empty strings (8 KiB)", &presession, runs, false,
		&worst);
	printf("most expensive frame on the daemon's path: %.3f ms (median)\n", worst);
	free(bomb.p);
	free(many_empty.p);
	free(many_full.p);
	free(big_ping.p);
	free(unknowns.p);
	free(presession.p);
	return 0;
}

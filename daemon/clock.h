/*
 * clock.h: the daemon's one clock for latencies and deadlines.
 *
 * Below every module that measures time (db.c, pool.c, dispatch.c, the
 * handlers), so none of them reaches up into another for it.
 */
#ifndef TRIAD_CLOCK_H
#define TRIAD_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Microseconds on the monotonic clock. */
static inline uint64_t
now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

#endif

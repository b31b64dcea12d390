/*
 * faults.h: what the fault tests share on top of the integration harness:
 * the daemon's counters from its operations port, connections from a chosen
 * source address, and frames that no well-behaved client would send.
 *
 * Fault tests drive a real triadd (harness.h) the way a misbehaving peer
 * would and check, from outside, that the peer harms nobody else.
 */
#ifndef TRIAD_TEST_FAULTS_H
#define TRIAD_TEST_FAULTS_H

#include "harness.h"

/*
 * The value of counter or gauge name on d's /metrics (the harness starts
 * every daemon with an operations port); fails the test when absent.
 */
uint64_t fault_metric(const Triadd *d, const char *name);

/*
 * Asks fault_metric() until it equals want, for at most timeout_ms; fails
 * the test, showing the last value, if it never does. For waiting until the
 * daemon has seen something the test did (a connection, bytes).
 */
void fault_wait_metric(const Triadd *d, const char *name, uint64_t want, int timeout_ms);

/* A blocking TCP connection to addr from the local address src (such as "127.0.0.2"). */
int fault_connect_from(const char *src, const char *addr);

/*
 * The wire bytes of one whole frame holding
 * Request{id, create_programme{programme{start_moments: n empty strings}}}:
 * each element costs the decoder an allocation and two bytes on the wire.
 * n = 524,000 fills the default frame limit of 1 MiB. Caller frees.
 */
uint8_t *fault_programme_bomb(uint64_t id, size_t n, size_t *len);

/*
 * The first size bytes of the frame of Request{id, ping{payload of
 * payload_len bytes}}, whose whole length goes to *frame_len. Caller frees.
 */
uint8_t *fault_ping_frame(uint64_t id, size_t payload_len, size_t *frame_len);

/* Sends what the peer takes of len bytes; false when the peer has gone. */
bool fault_send_some(int fd, const uint8_t *p, size_t len, size_t *sent);

#endif

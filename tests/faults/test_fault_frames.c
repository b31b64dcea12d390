/*
 * test_fault_frames.c: peers whose frames are built to cost the daemon time
 * or memory, and the bystanders who must not notice (issue 12, "No peer
 * harms another").
 */
#include "faults.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "frame.h"

static void
ping_ok(int fd, uint64_t id)
{
	tc_send_ping(fd, id, false);
	triad__v1__response__free_unpacked(tc_expect(fd, id, TRIAD__V1__CODE__CODE_OK), NULL);
}

/*
 * Eight connections without a session each send a 1 MiB frame of 524,000
 * empty strings, which took the loop 0.7 s each to decode. Each is refused
 * from its header, before the body is read; a signed-in client pinging all
 * the while sees no stall.
 */
static void
test_presession_bomb_refused_from_its_header(void **state)
{
	enum { BOMBS = 8 };
	Triadd d;
	triadd_start(&d, NULL);
	int good = tc_session(d.addr);
	size_t blen;
	uint8_t *bomb = fault_programme_bomb(1, 524000, &blen);
	assert_true(blen - FRAME_HEADER_BYTES <= 1u << 20);   /* within max_frame_bytes */
	char want[160];
	snprintf(want, sizeof want, "frame of %zu bytes exceeds the limit of %d bytes before a "
		 "session is open; send a Hello first", blen - FRAME_HEADER_BYTES,
		 FRAME_PRESESSION_MAX_BYTES);

	int fds[BOMBS];
	size_t sent[BOMBS];
	bool sending[BOMBS], answered[BOMBS];
	for (int i = 0; i < BOMBS; i++) {
		fds[i] = tc_connect(d.addr);
		sent[i] = 0;
		sending[i] = true;
		answered[i] = false;
	}
	uint64_t ping_id = 100, ping_at = 0, worst = 0;
	int pending = BOMBS, pings = 0;
	uint64_t deadline = ms_now() + 20000;
	while (pending > 0 || ping_at != 0) {
		if (ms_now() > deadline)
			fail_msg("%d bombs unanswered after 20 s", pending);
		if (ping_at == 0 && pending > 0) {
			tc_send_ping(good, ++ping_id, false);
			ping_at = ms_now();
		}
		struct pollfd p[BOMBS + 1];
		for (int i = 0; i < BOMBS; i++) {
			p[i].fd = answered[i] ? -1 : fds[i];
			p[i].events = POLLIN | (sending[i] ? POLLOUT : 0);
			p[i].revents = 0;
		}
		p[BOMBS] = (struct pollfd){.fd = good, .events = POLLIN};
		assert_true(poll(p, BOMBS + 1, 1000) >= 0);
		for (int i = 0; i < BOMBS; i++) {
			if ((p[i].revents & POLLOUT) &&
			    (!fault_send_some(fds[i], bomb, blen, &sent[i]) || sent[i] == blen))
				sending[i] = false;
			if (p[i].revents & (POLLIN | POLLHUP | POLLERR)) {
				Triad__V1__Response *r =
					tc_expect(fds[i], 0, TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED);
				assert_string_equal(r->status->message, want);
				triad__v1__response__free_unpacked(r, NULL);
				answered[i] = true;
				sending[i] = false;
				pending--;
			}
		}
		if (p[BOMBS].revents & POLLIN) {
			Triad__V1__Response *r = tc_expect(good, ping_id, TRIAD__V1__CODE__CODE_OK);
			triad__v1__response__free_unpacked(r, NULL);
			uint64_t rtt = ms_now() - ping_at;
			worst = rtt > worst ? rtt : worst;
			ping_at = 0;
			pings++;
		}
	}
	print_message("%d pings during the bombs; the slowest took %llu ms\n", pings,
		      (unsigned long long)worst);
	/* Decoding the eight stalled the loop for 5.4 s; a generous bound. */
	assert_true(worst < 1000);
	assert_int_equal(fault_metric(&d, "triad_frames_refused_total"), BOMBS);
	for (int i = 0; i < BOMBS; i++) {
		assert_true(tc_closed(fds[i], 5000));
		close(fds[i]);
	}
	ping_ok(good, 1);
	close(good);
	free(bomb);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
}

/*
 * After the Hello a frame may be as large as max_frame_bytes, but not cost
 * more than FRAME_VALUES_MAX values to decode: the bomb is answered with
 * INVALID_ARGUMENT naming the field, by its id, and the session goes on.
 */
static void
test_repeated_field_bomb_after_hello(void **state)
{
	Triadd d;
	triadd_start(&d, NULL);
	int s = tc_session(d.addr);
	size_t blen;
	uint8_t *bomb = fault_programme_bomb(5, 524000, &blen);
	tc_send_raw(s, bomb, blen);
	free(bomb);
	Triad__V1__Response *r = tc_expect(s, 5, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT);
	assert_string_equal(r->status->field, "create_programme.programme.start_moments");
	assert_string_equal(r->status->message,
			    "create_programme.programme.start_moments holds too many values: a "
			    "request may hold at most 10000 in all, each element of a repeated "
			    "field counting as one");
	triad__v1__response__free_unpacked(r, NULL);
	ping_ok(s, 6);

	/* Fields the server does not know: a few are fine, 65 are not. */
	uint8_t frame[4 + 2 + 65 * 4];
	size_t n = 4;
	frame[n++] = 0x08;   /* id 7 */
	frame[n++] = 0x07;
	for (int i = 0; i < 65; i++) {
		uint32_t tag = (uint32_t)(100000 + i) << 3;   /* varint fields 100000... */
		frame[n++] = (uint8_t)(tag | 0x80);
		frame[n++] = (uint8_t)((tag >> 7) | 0x80);
		frame[n++] = (uint8_t)(tag >> 14);
		frame[n++] = 0x01;
	}
	frame_put_u32(frame, (uint32_t)(n - 4));
	tc_send_raw(s, frame, n);
	r = tc_expect(s, 7, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT);
	assert_non_null(strstr(r->status->message, "more than 64 fields this server does not know"));
	triad__v1__response__free_unpacked(r, NULL);
	ping_ok(s, 8);
	assert_int_equal(fault_metric(&d, "triad_frames_refused_total"), 2);
	close(s);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
}

/*
 * Sends the first bytes of a 1000-byte frame on fd, then one byte every
 * 100 ms (faster than the idle timeout), until the daemon answers or 5 s
 * pass. Returns the answer (NULL if none) and the time since the first byte.
 */
static Triad__V1__Response *
drip(int fd, uint64_t *elapsed)
{
	uint8_t hdr[4], b = 0;
	frame_put_u32(hdr, 1000);
	uint64_t t0 = ms_now();
	tc_send_raw(fd, hdr, sizeof hdr);
	while (ms_now() - t0 < 5000) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 100) > 0) {   /* the pace of the drip, not a wait for the daemon */
			Triad__V1__Response *r = tc_recv(fd, 1000, NULL);
			*elapsed = ms_now() - t0;
			return r;
		}
		if (send(fd, &b, 1, MSG_NOSIGNAL) != 1)
			break;
	}
	*elapsed = ms_now() - t0;
	return NULL;
}

/*
 * A frame must arrive within frame_timeout_ms of its first byte: bytes that
 * trickle in no longer keep a connection, with or without a session, alive.
 */
static void
test_dripping_sender_closed_at_the_frame_deadline(void **state)
{
	Triadd d;
	triadd_start(&d, "frame_timeout_ms = 500\nidle_timeout_ms = 300\n");
	const char *want = "a frame must arrive within 500 ms of its first byte; closing";

	int s = tc_session(d.addr);
	uint64_t elapsed = 0;
	Triad__V1__Response *r = drip(s, &elapsed);
	if (r == NULL)
		fail_msg("a byte every 100 ms kept the connection for %llu ms",
			 (unsigned long long)elapsed);
	assert_int_equal(r->id, 0);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_DEADLINE_EXCEEDED);
	assert_string_equal(r->status->message, want);
	triad__v1__response__free_unpacked(r, NULL);
	assert_true(elapsed >= 400 && elapsed < 3000);
	assert_true(tc_closed(s, 5000));
	close(s);

	/* Before the Hello, too: the frame's deadline comes before the Hello's. */
	int u = tc_connect(d.addr);
	r = drip(u, &elapsed);
	assert_non_null(r);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_DEADLINE_EXCEEDED);
	assert_string_equal(r->status->message, want);
	triad__v1__response__free_unpacked(r, NULL);
	assert_true(tc_closed(u, 5000));
	close(u);

	assert_int_equal(fault_metric(&d, "triad_frame_timeouts_total"), 2);
	assert_true(triadd_log_contains(&d, "event=frame_timeout"));
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
}

/*
 * Partial frames share one budget, and the slowest sender pays for it.
 * Against a budget of 8,192 bytes: s[0] sends 3,800 bytes of a frame
 * first (the oldest, but fast), s[1] then 200 (the slowest), s[2] 3,800,
 * and s[3] 400, which pushes the total over. s[1] is closed; the others
 * finish their frames.
 */
static void
test_partial_frame_budget_closes_the_slowest(void **state)
{
	enum { N = 4 };
	static const size_t sent[N] = {3800, 200, 3800, 400};
	Triadd d;
	triadd_start(&d, "max_frame_bytes = 4096\npartial_frames_max_bytes = 8192\n");
	int s[N];
	size_t flen;
	uint8_t *frame[N];
	uint64_t held = 0;
	for (int i = 0; i < N; i++) {
		s[i] = tc_session(d.addr);
		frame[i] = fault_ping_frame(10 + (uint64_t)i, 3900, &flen);
	}
	for (int i = 0; i < N; i++) {
		tc_send_raw(s[i], frame[i], sent[i]);
		held += sent[i];
		if (i < N - 1)   /* the daemon has seen it before the next begins */
			fault_wait_metric(&d, "triad_partial_frame_bytes", held, 5000);
	}
	Triad__V1__Response *r = tc_expect(s[1], 0, TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED);
	assert_non_null(strstr(r->status->message, "the server holds too many partial frames "
						   "and yours arrives the slowest (200 bytes in"));
	triad__v1__response__free_unpacked(r, NULL);
	assert_true(tc_closed(s[1], 5000));
	assert_int_equal(fault_metric(&d, "triad_partial_frame_evictions_total"), 1);
	assert_int_equal(fault_metric(&d, "triad_partial_frame_bytes"), 8000);

	for (int i = 0; i < N; i++) {
		if (i == 1)
			continue;
		tc_send_raw(s[i], frame[i] + sent[i], flen - sent[i]);
		/* Answered (the payload is over Ping's limit; what counts is the answer). */
		r = tc_recv(s[i], 10000, NULL);
		assert_non_null(r);
		assert_int_equal(r->id, 10 + i);
		triad__v1__response__free_unpacked(r, NULL);
		ping_ok(s[i], 20);
	}
	assert_int_equal(fault_metric(&d, "triad_partial_frame_bytes"), 0);
	for (int i = 0; i < N; i++) {
		close(s[i]);
		free(frame[i]);
	}
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_presession_bomb_refused_from_its_header),
		cmocka_unit_test(test_repeated_field_bomb_after_hello),
		cmocka_unit_test(test_dripping_sender_closed_at_the_frame_deadline),
		cmocka_unit_test(test_partial_frame_budget_closes_the_slowest),
	};
	return harness_run_group_tests(tests, NULL, NULL);
}

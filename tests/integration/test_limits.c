/*
 * test_limits.c: every limit a peer can run into, and that one peer's
 * mistake never reaches another.
 */
#include "harness.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frame.h"

static void
ping_ok(int fd, uint64_t id, bool db)
{
	tc_send_ping(fd, id, db);
	triad__v1__response__free_unpacked(tc_expect(fd, id, TRIAD__V1__CODE__CODE_OK), NULL);
}

static void
test_200_concurrent_connections(void **state)
{
	enum { N = 200 };
	Triadd d;
	int fds[N];

	triadd_start(&d, NULL);
	for (int i = 0; i < N; i++)
		fds[i] = tc_session(d.addr);
	/* All send, then all read: the 200 are truly open at once. */
	for (int i = 0; i < N; i++)
		tc_send_ping(fds[i], (uint64_t)i + 10, true);
	for (int i = 0; i < N; i++) {
		Triad__V1__Response *r = tc_expect(fds[i], (uint64_t)i + 10, TRIAD__V1__CODE__CODE_OK);
		assert_true(r->ping->database);
		triad__v1__response__free_unpacked(r, NULL);
		close(fds[i]);
	}
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
}

static void
test_bad_frames_close_only_their_connection(void **state)
{
	Triadd d;
	triadd_start(&d, NULL);
	int good = tc_session(d.addr);

	/* Oversized: refused from the header alone. */
	int fd = tc_session(d.addr);
	uint8_t hdr[4];
	frame_put_u32(hdr, 2u << 20);
	tc_send_raw(fd, hdr, 4);
	Triad__V1__Response *r = tc_expect(fd, 0, TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED);
	assert_string_equal(r->status->message,
			    "frame of 2097152 bytes exceeds the limit of 1048576 bytes");
	triad__v1__response__free_unpacked(r, NULL);
	assert_true(tc_closed(fd, 5000));
	close(fd);

	/* Oversized with the body really sent: the answer still arrives. */
	fd = tc_session(d.addr);
	size_t big = (1u << 20) + 100;
	uint8_t *buf = calloc(1, big + 4);
	frame_put_u32(buf, (uint32_t)big);
	tc_send_raw(fd, buf, 4 + 65536);
	r = tc_expect(fd, 0, TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED);
	triad__v1__response__free_unpacked(r, NULL);
	free(buf);
	assert_true(tc_closed(fd, 5000));
	close(fd);

	/* Garbage. */
	fd = tc_session(d.addr);
	uint8_t garbage[] = {0, 0, 0, 4, 0xff, 0xff, 0xff, 0xff};
	tc_send_raw(fd, garbage, sizeof garbage);
	r = tc_expect(fd, 0, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT);
	assert_string_equal(r->status->message, "frame does not hold a valid Request message");
	triad__v1__response__free_unpacked(r, NULL);
	assert_true(tc_closed(fd, 5000));
	close(fd);

	/* Empty. */
	fd = tc_session(d.addr);
	uint8_t empty[] = {0, 0, 0, 0};
	tc_send_raw(fd, empty, sizeof empty);
	r = tc_expect(fd, 0, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT);
	assert_string_equal(r->status->message, "empty frame: a frame must hold one Request");
	triad__v1__response__free_unpacked(r, NULL);
	assert_true(tc_closed(fd, 5000));
	close(fd);

	/* The bystander never noticed. */
	ping_ok(good, 2, true);
	close(good);
	assert_true(triadd_log_contains(&d, "event=frame_refused"));
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
}

static void
test_connection_limit(void **state)
{
	Triadd d;
	triadd_start(&d, "max_connections = 3\n");
	int fds[3];
	for (int i = 0; i < 3; i++)
		fds[i] = tc_session(d.addr);

	int extra = tc_connect(d.addr);
	Triad__V1__Response *r = tc_expect(extra, 0, TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED);
	assert_string_equal(r->status->message,
			    "the server has reached its connection limit (3); try again later");
	triad__v1__response__free_unpacked(r, NULL);
	assert_true(tc_closed(extra, 5000));
	close(extra);

	/* The three are unharmed; when one leaves there is room again. */
	ping_ok(fds[0], 2, false);
	close(fds[2]);
	/* Room comes when the daemon has read the close: ask until it has. */
	int again = -1;
	uint64_t deadline = ms_now() + 10000;
	while (again < 0 && ms_now() < deadline) {
		int fd = tc_connect(d.addr);
		tc_send_hello(fd, 1, TRIAD_PROTOCOL_VERSION);
		r = tc_recv(fd, 10000, NULL);
		assert_non_null(r);
		if (r->status->code == TRIAD__V1__CODE__CODE_OK) {
			again = fd;
		} else {
			assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED);
			close(fd);
			usleep(10000);   /* between attempts of a bounded poll */
		}
		triad__v1__response__free_unpacked(r, NULL);
	}
	if (again < 0)
		fail_msg("no room within 10 s of a connection leaving");
	ping_ok(again, 2, false);
	close(again);
	close(fds[0]);
	close(fds[1]);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
}

static void
test_hello_and_idle_timeouts(void **state)
{
	Triadd d;
	triadd_start(&d, "hello_timeout_ms = 300\nidle_timeout_ms = 600\n");

	int silent = tc_connect(d.addr);
	uint64_t t0 = ms_now();
	Triad__V1__Response *r = tc_expect(silent, 0, TRIAD__V1__CODE__CODE_DEADLINE_EXCEEDED);
	assert_string_equal(r->status->message, "no Hello within 300 ms; closing");
	assert_true(ms_now() - t0 < 3000);
	triad__v1__response__free_unpacked(r, NULL);
	assert_true(tc_closed(silent, 5000));
	close(silent);

	int idle = tc_session(d.addr);
	t0 = ms_now();
	r = tc_expect(idle, 0, TRIAD__V1__CODE__CODE_DEADLINE_EXCEEDED);
	assert_true(ms_now() - t0 >= 500);
	triad__v1__response__free_unpacked(r, NULL);
	assert_true(tc_closed(idle, 5000));
	close(idle);

	/* A request every 200 ms keeps a session open past two idle periods
	 * (the timer, armed once, finds the newer frames when it fires); the
	 * period counts from its last request. */
	int active = tc_session(d.addr);
	t0 = ms_now();
	uint64_t last = t0;
	for (uint64_t id = 10; ms_now() - t0 < 1500; id++) {
		bool timed_out = false;
		tc_send_ping(active, id, false);
		last = ms_now();
		triad__v1__response__free_unpacked(tc_expect(active, id, TRIAD__V1__CODE__CODE_OK), NULL);
		assert_null(tc_recv(active, 200, &timed_out));
		assert_true(timed_out);
	}
	r = tc_expect(active, 0, TRIAD__V1__CODE__CODE_DEADLINE_EXCEEDED);
	assert_true(ms_now() - last >= 590);
	assert_string_equal(r->status->message, "idle for 600 ms; closing");
	triad__v1__response__free_unpacked(r, NULL);
	assert_true(tc_closed(active, 5000));
	close(active);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
}

/* With plain (TLS off) the connection writes its answers itself (conn.c). */
static void
in_flight_limit(bool plain)
{
	enum { N = 300 };
	Triadd d;
	triadd_start(&d, plain ? "max_in_flight = 4\nmax_output_bytes = 4096\nmax_frame_bytes = 4096\n"
				 "tls = off\n"
			       : "max_in_flight = 4\nmax_output_bytes = 4096\nmax_frame_bytes = 4096\n");
	int fd = tc_session(d.addr);
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__Ping ping = TRIAD__V1__PING__INIT;
	static uint8_t payload[1000];
	ping.payload.data = payload;
	ping.payload.len = sizeof payload;
	req.body_case = TRIAD__V1__REQUEST__BODY_PING;
	req.ping = &ping;
	/* 300 KB of requests whose answers are as large, sent before reading:
	 * the daemon must stop reading rather than buffer without bound. */
	for (uint64_t id = 1; id <= N; id++) {
		req.id = id;
		ping.database = id % 3 == 0;
		tc_send(fd, &req);
	}
	for (int i = 0; i < N; i++) {
		Triad__V1__Response *r = tc_recv(fd, 20000, NULL);
		assert_non_null(r);
		assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
		assert_int_equal(r->ping->payload.len, sizeof payload);
		triad__v1__response__free_unpacked(r, NULL);
	}
	/* A plain connection wrote its answers itself; over TLS the
	 * bufferevent writes them all. */
	if (plain) {
		assert_true(triadd_metric(&d, "triad_conn_writes_direct_total") > 0);
	} else {
		assert_int_equal(triadd_metric(&d, "triad_conn_writes_direct_total"), 0);
	}
	close(fd);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
}

static void
test_in_flight_limit_slows_instead_of_failing(void **state)
{
	in_flight_limit(false);
}

static void
test_in_flight_limit_slows_plain_connections_too(void **state)
{
	in_flight_limit(true);
}

/*
 * A client that does not read fills the socket of a plain connection. The
 * answers the socket does not take wait in the bufferevent, which writes
 * them as the client reads, whole and in order, and then hands the writing
 * back to the connection (conn.c, "Writing answers").
 */
static void
test_full_socket_hands_answers_to_the_bufferevent(void **state)
{
	enum { N = 300, PAYLOAD = 1000, AFTER = 10 };
	Triadd d;
	(void)state;
	triadd_start(&d, "tls = off\nmax_in_flight = 4\nmax_output_bytes = 4096\n"
			 "max_frame_bytes = 4096\n");
	int fd = tc_connect_plain_narrow(d.addr);
	tc_send_hello(fd, 1, TRIAD_PROTOCOL_VERSION);
	triad__v1__response__free_unpacked(tc_expect(fd, 1, TRIAD__V1__CODE__CODE_OK), NULL);

	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__Ping ping = TRIAD__V1__PING__INIT;
	static uint8_t payload[PAYLOAD];
	ping.payload.data = payload;
	ping.payload.len = sizeof payload;
	req.body_case = TRIAD__V1__REQUEST__BODY_PING;
	req.ping = &ping;
	for (uint64_t id = 2; id < 2 + N; id++) {
		memset(payload, (int)(id % 251), sizeof payload);
		req.id = id;
		tc_send(fd, &req);
	}
	for (uint64_t id = 2; id < 2 + N; id++) {
		Triad__V1__Response *r = tc_recv(fd, 20000, NULL);
		assert_non_null(r);
		assert_int_equal(r->id, id);
		assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
		assert_int_equal(r->ping->payload.len, sizeof payload);
		memset(payload, (int)(id % 251), sizeof payload);
		assert_memory_equal(r->ping->payload.data, payload, sizeof payload);
		triad__v1__response__free_unpacked(r, NULL);
	}
	assert_true(triadd_metric(&d, "triad_conn_writes_blocked_total") > 0);

	/* Drained, the connection writes its answers itself again. */
	long direct = triadd_metric(&d, "triad_conn_writes_direct_total");
	for (uint64_t id = 1000; id < 1000 + AFTER; id++)
		ping_ok(fd, id, false);
	assert_true(triadd_metric(&d, "triad_conn_writes_direct_total") >= direct + AFTER);
	close(fd);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
}

static void
test_full_queue_is_resource_exhausted(void **state)
{
	enum { N = 200 };
	Triadd d;
	triadd_start(&d, "pool_size = 1\ndb_queue_max = 2\n");
	int fd = tc_session(d.addr);
	ping_ok(fd, 1000, true);    /* the one connection is up */
	for (uint64_t id = 1; id <= N; id++)
		tc_send_ping(fd, id, true);
	int ok = 0, exhausted = 0;
	for (int i = 0; i < N; i++) {
		Triad__V1__Response *r = tc_recv(fd, 20000, NULL);
		assert_non_null(r);
		if (r->status->code == TRIAD__V1__CODE__CODE_OK) {
			ok++;
		} else {
			assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED);
			assert_non_null(strstr(r->status->message, "the server is busy"));
			exhausted++;
		}
		triad__v1__response__free_unpacked(r, NULL);
	}
	assert_int_equal(ok + exhausted, N);
	/* At least one running and two queued made it. */
	assert_true(ok >= 3);
	assert_true(exhausted > 0);
	close(fd);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_200_concurrent_connections),
		cmocka_unit_test(test_bad_frames_close_only_their_connection),
		cmocka_unit_test(test_connection_limit),
		cmocka_unit_test(test_hello_and_idle_timeouts),
		cmocka_unit_test(test_in_flight_limit_slows_instead_of_failing),
		cmocka_unit_test(test_in_flight_limit_slows_plain_connections_too),
		cmocka_unit_test(test_full_socket_hands_answers_to_the_bufferevent),
		cmocka_unit_test(test_full_queue_is_resource_exhausted),
	};
	return harness_run_group_tests(tests, NULL, NULL);
}

/*
 * test_fault_admission.c: connections that never sign in, and the clients
 * that do: the first have limits of their own and cannot take the seats of
 * the second.
 */
#include "faults.h"

#include <string.h>
#include <unistd.h>

/* A signed-in connection from address src. */
static int
session_from(const char *src, const char *addr)
{
	int fd = fault_connect_from(src, addr);
	tc_send_hello_token(fd, 1, test_token());
	triad__v1__response__free_unpacked(tc_expect(fd, 1, TRIAD__V1__CODE__CODE_OK), NULL);
	return fd;
}

static void
test_unauthenticated_per_address_and_apart_from_sessions(void **state)
{
	Triadd d;
	(void)test_token();   /* bootstrap before the daemon counts anything */
	triadd_start(&d, "max_unauthenticated_per_address = 4\nmax_connections = 2\n");

	/* Four connections that say nothing fill their address's share. */
	int quiet[4];
	for (int i = 0; i < 4; i++)
		quiet[i] = tc_connect(d.addr);
	fault_wait_metric(&d, "triad_connections_unauthenticated", 4, 5000);
	int extra = tc_connect(d.addr);
	Triad__V1__Response *r = tc_expect(extra, 0, TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED);
	assert_string_equal(r->status->message,
			    "too many connections without a session from your address (4); "
			    "sign in on the ones you have, or close them");
	triad__v1__response__free_unpacked(r, NULL);
	assert_true(tc_closed(extra, 5000));
	close(extra);
	/* One from elsewhere gets in while there is room; it signs in later. */
	int late = fault_connect_from("127.0.0.7", d.addr);
	fault_wait_metric(&d, "triad_connections_unauthenticated", 5, 5000);

	/* Another address is not affected, and the four take none of the two
	 * seats of max_connections. */
	int a = session_from("127.0.0.2", d.addr);
	int b = session_from("127.0.0.2", d.addr);
	int c = fault_connect_from("127.0.0.2", d.addr);
	r = tc_expect(c, 0, TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED);
	assert_string_equal(r->status->message,
			    "the server has reached its connection limit (2); try again later");
	triad__v1__response__free_unpacked(r, NULL);
	close(c);
	assert_int_equal(fault_metric(&d, "triad_sessions_open"), 2);
	assert_int_equal(fault_metric(&d, "triad_connections_unauthenticated"), 5);
	assert_int_equal(fault_metric(&d, "triad_connections_rejected_unauthenticated_total"), 1);

	/* By now the sessions are full: its Hello is refused, by the Hello's id. */
	tc_send_hello_token(late, 9, test_token());
	r = tc_expect(late, 9, TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED);
	assert_string_equal(r->status->message,
			    "the server has reached its connection limit (2); try again later");
	triad__v1__response__free_unpacked(r, NULL);
	assert_true(tc_closed(late, 5000));
	close(late);

	/* The signed-in clients never noticed. */
	tc_send_ping(a, 2, false);
	triad__v1__response__free_unpacked(tc_expect(a, 2, TRIAD__V1__CODE__CODE_OK), NULL);
	tc_send_ping(b, 2, false);
	triad__v1__response__free_unpacked(tc_expect(b, 2, TRIAD__V1__CODE__CODE_OK), NULL);
	close(a);
	close(b);
	for (int i = 0; i < 4; i++)
		close(quiet[i]);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
}

static void
test_unauthenticated_total(void **state)
{
	Triadd d;
	triadd_start(&d, "max_unauthenticated = 3\n");
	const char *from[] = {"127.0.0.3", "127.0.0.4", "127.0.0.5"};
	int quiet[3];
	for (int i = 0; i < 3; i++)
		quiet[i] = fault_connect_from(from[i], d.addr);
	fault_wait_metric(&d, "triad_connections_unauthenticated", 3, 5000);
	int extra = fault_connect_from("127.0.0.6", d.addr);
	Triad__V1__Response *r = tc_expect(extra, 0, TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED);
	assert_string_equal(r->status->message,
			    "too many connections are waiting to sign in (3); try again later");
	triad__v1__response__free_unpacked(r, NULL);
	close(extra);
	/* One signs in: its place is free for another. */
	tc_send_hello_token(quiet[0], 1, test_token());
	triad__v1__response__free_unpacked(tc_expect(quiet[0], 1, TRIAD__V1__CODE__CODE_OK), NULL);
	assert_int_equal(fault_metric(&d, "triad_connections_unauthenticated"), 2);
	int next = session_from("127.0.0.6", d.addr);
	close(next);
	for (int i = 0; i < 3; i++)
		close(quiet[i]);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
}

/* A Hello refused before it is looked at (an institution longer than any)
 * closes its connection and gives its place among the sessions back:
 * sending such Hellos cannot keep genuine ones out. */
static void
test_a_refused_hello_gives_its_place_back(void **state)
{
	Triadd d;
	triadd_start(&d, "max_connections = 1\n");
	char long_name[80];
	memset(long_name, 'x', 65);
	long_name[65] = '\0';
	for (int i = 0; i < 3; i++) {
		int fd = tc_connect(d.addr);
		Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
		Triad__V1__Hello hello = TRIAD__V1__HELLO__INIT;
		hello.protocol_version = 1;
		hello.token = (char *)test_token();
		req.id = 1;
		req.institution = long_name;
		req.body_case = TRIAD__V1__REQUEST__BODY_HELLO;
		req.hello = &hello;
		tc_send(fd, &req);
		triad__v1__response__free_unpacked(
			tc_expect(fd, 1, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT), NULL);
		assert_true(tc_closed(fd, 5000));
		close(fd);
	}
	int ok = session_from("127.0.0.7", d.addr);
	close(ok);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_refused_hello_gives_its_place_back),
		cmocka_unit_test(test_unauthenticated_per_address_and_apart_from_sessions),
		cmocka_unit_test(test_unauthenticated_total),
	};
	return harness_run_group_tests(tests, NULL, NULL);
}

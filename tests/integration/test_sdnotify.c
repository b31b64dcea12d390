/*
 * test_sdnotify.c: what systemd hears from triadd under Type=notify. The
 * test plays the service manager: it binds the datagram socket that
 * NOTIFY_SOCKET names and asks for a watchdog through WATCHDOG_USEC, then
 * reads what the daemon says: READY=1 once it serves, WATCHDOG=1 again and
 * again from the loop, RELOADING=1 then READY=1 around a SIGHUP, and
 * STOPPING=1 on SIGTERM.
 */
#include "harness.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* The watchdog interval the test asks for; the daemon pings at half of it. */
#define WATCHDOG_USEC "400000"

static int sock = -1;
static char sock_path[108];

static int
setup(void **state)
{
	(void)state;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	harness_tmp_path(sock_path, sizeof sock_path, "notify.sock");
	assert_true(strlen(sock_path) < sizeof sa.sun_path);
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock_path);
	unlink(sock_path);
	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(sock >= 0);
	assert_int_equal(bind(sock, (struct sockaddr *)&sa, sizeof sa), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	close(sock);
	unlink(sock_path);
	return 0;
}

/*
 * Reads datagrams for up to timeout_ms until one holds want as a whole
 * line; appends every message read to seen (one per line, '|' between
 * assignments) so a failure shows what came. Returns whether want came.
 */
static bool
await(const char *want, int timeout_ms, char *seen, size_t seen_size)
{
	uint64_t deadline = ms_now() + (uint64_t)timeout_ms;
	for (;;) {
		int64_t left = (int64_t)(deadline - ms_now());
		if (left <= 0)
			return false;
		struct pollfd p = {.fd = sock, .events = POLLIN};
		int n = poll(&p, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		char msg[1024];
		ssize_t len = recv(sock, msg, sizeof msg - 1, 0);
		assert_true(len >= 0);
		msg[len] = '\0';
		size_t used = strlen(seen);
		snprintf(seen + used, seen_size - used, "%s\n", msg);
		for (char *v = seen + used; *v != '\0' && v[1] != '\0'; v++) {
			if (*v == '\n')
				*v = '|';
		}
		for (char *line = strtok(msg, "\n"); line != NULL; line = strtok(NULL, "\n")) {
			if (strcmp(line, want) == 0)
				return true;
		}
	}
}

/* Throws away what an earlier daemon left in the socket. */
static void
drain_socket(void)
{
	char msg[1024];
	while (recv(sock, msg, sizeof msg, MSG_DONTWAIT) >= 0)
		;
}

static void
expect_message(const char *want, int timeout_ms)
{
	char seen[8192] = "";
	if (!await(want, timeout_ms, seen, sizeof seen))
		fail_msg("no %s within %d ms; the daemon sent:\n%s", want, timeout_ms,
			 seen[0] != '\0' ? seen : "(nothing)\n");
}

static void
test_ready_watchdog_reload_stop(void **state)
{
	(void)state;
	Triadd d;
	drain_socket();
	setenv("NOTIFY_SOCKET", sock_path, 1);
	setenv("WATCHDOG_USEC", WATCHDOG_USEC, 1);
	unsetenv("WATCHDOG_PID");
	triadd_start(&d, NULL);
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");

	/* Ready: and then it does serve. */
	expect_message("READY=1", 10000);
	int fd = tc_session(d.addr);
	close(fd);

	/* The watchdog keeps coming, from the loop, without any traffic: three
	 * pings take a second at 200 ms each; ten seconds is room for a slow
	 * machine, not for a missing timer. */
	for (int i = 0; i < 3; i++)
		expect_message("WATCHDOG=1", 10000);

	/* A reload is announced and ends in READY=1 again. */
	assert_int_equal(kill(d.pid, SIGHUP), 0);
	expect_message("RELOADING=1", 10000);
	expect_message("READY=1", 10000);

	/* A stop is announced before the daemon goes. */
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
	expect_message("STOPPING=1", 1000);
}

/* Without WATCHDOG_USEC there is no ping: READY=1 and nothing else. */
static void
test_no_watchdog_unless_asked(void **state)
{
	(void)state;
	Triadd d;
	drain_socket();
	setenv("NOTIFY_SOCKET", sock_path, 1);
	unsetenv("WATCHDOG_USEC");
	triadd_start(&d, NULL);
	unsetenv("NOTIFY_SOCKET");
	expect_message("READY=1", 10000);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
	char seen[8192] = "";
	bool stopping = await("STOPPING=1", 1000, seen, sizeof seen);
	assert_true(stopping);
	assert_null(strstr(seen, "WATCHDOG=1"));
	assert_false(triadd_log_contains(&d, "event=watchdog "));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ready_watchdog_reload_stop),
		cmocka_unit_test(test_no_watchdog_unless_asked),
	};
	return harness_run_group_tests(tests, setup, teardown);
}

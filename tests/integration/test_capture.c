/*
 * test_capture.c: what a packet capture of a session shows. tcpdump
 * records the loopback traffic of a signed-in client that also creates a
 * new token (a secret going the other way); neither token may appear in
 * the capture. The same capture of a daemon with tls = off shows both,
 * which is what the check would catch.
 *
 * Capturing needs root (CI runs as root); elsewhere the test is skipped.
 */
#include "harness.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct Capture {
	pid_t pid;
	char file[256];   /* the pcap */
	char log[256];    /* tcpdump's stderr */
} Capture;

static bool
file_contains(const char *path, const void *needle, size_t len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return false;
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	rewind(f);
	char *buf = malloc((size_t)size + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	bool found = memmem(buf, (size_t)size, needle, len) != NULL;
	free(buf);
	return found;
}

/* Starts tcpdump on the loopback traffic of addr's port; returns once it
 * captures (it says "listening on" when it does). */
static void
capture_start(Capture *c, const char *addr, const char *name)
{
	char base[200];
	snprintf(base, sizeof base, "%s.pcap", name);
	harness_tmp_path(c->file, sizeof c->file, base);
	snprintf(base, sizeof base, "%s.tcpdump", name);
	harness_tmp_path(c->log, sizeof c->log, base);
	char filter[64];
	snprintf(filter, sizeof filter, "tcp port %s", strrchr(addr, ':') + 1);

	c->pid = fork();
	assert_true(c->pid >= 0);
	if (c->pid == 0) {
		int fd = open(c->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0)
			_exit(127);
		dup2(fd, STDERR_FILENO);
		dup2(fd, STDOUT_FILENO);
		execlp("tcpdump", "tcpdump", "-i", "lo", "-n", "-U", "-s", "0", "-Z", "root",
		       "--immediate-mode", "-w", c->file,
		       filter, (char *)NULL);
		_exit(127);
	}
	uint64_t deadline = ms_now() + 10000;
	char text[1024];
	for (;;) {
		FILE *f = fopen(c->log, "r");
		size_t n = f != NULL ? fread(text, 1, sizeof text - 1, f) : 0;
		if (f != NULL)
			fclose(f);
		text[n] = '\0';
		if (strstr(text, "listening on") != NULL)
			return;
		int status;
		if (waitpid(c->pid, &status, WNOHANG) == c->pid)
			fail_msg("tcpdump exited: %s", text);
		if (ms_now() > deadline)
			fail_msg("tcpdump did not start capturing within 10 s: %s", text);
		poll(NULL, 0, 10);   /* between two looks at tcpdump's output */
	}
}

/*
 * Stops tcpdump once it has written everything before: a marker sent last
 * on the captured port must be in the file first (packets are written in
 * the order they come).
 */
static void
capture_stop(Capture *c, const char *addr)
{
	static const char marker[] = "END-OF-CAPTURE-MARKER";
	int fd = tc_connect_plain(addr);
	tc_send_raw(fd, marker, strlen(marker));
	uint64_t deadline = ms_now() + 10000;
	while (!file_contains(c->file, marker, strlen(marker))) {
		if (ms_now() > deadline)
			fail_msg("tcpdump did not write the marker within 10 s");
		poll(NULL, 0, 10);   /* between two looks at the capture */
	}
	close(fd);

	int status;
	kill(c->pid, SIGINT);
	assert_int_equal(waitpid(c->pid, &status, 0), c->pid);
	assert_true(WIFEXITED(status));
}

/* Signs in with the suite's token and creates one more; returns the new
 * token (malloc'd). */
static char *
session_with_secrets(const Triadd *d)
{
	char cmd[2048], out[8192];
	snprintf(cmd, sizeof cmd,
		 "env TRIAD_ADDR=%s TRIAD_TOKEN=%s XDG_CONFIG_HOME=/nonexistent '%s' --json "
		 "token create --label capture </dev/null 2>/dev/null",
		 d->addr, test_token(), env_required("TRIAD"));
	assert_int_equal(run_capture(cmd, out, sizeof out), 0);
	const char *p = strstr(out, "\"token\":\"");
	assert_non_null(p);
	p += strlen("\"token\":\"");
	return strndup(p, strcspn(p, "\""));
}

static int
setup(void **state)
{
	return 0;
}

static int
teardown(void **state)
{
	return 0;
}

static void
run_case(bool tls)
{
	Triadd d;
	Capture c;
	triadd_start(&d, tls ? NULL : "tls = off\n");
	capture_start(&c, d.addr, tls ? "tls" : "plain");
	char *made = session_with_secrets(&d);
	capture_stop(&c, d.addr);
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);

	/* Over TLS the capture holds TLS records (a handshake record's header). */
	if (tls)
		assert_true(file_contains(c.file, "\x16\x03", 2));
	const char *tok = test_token();
	bool saw_sent = file_contains(c.file, tok, strlen(tok));
	bool saw_made = file_contains(c.file, made, strlen(made));
	free(made);
	if (tls) {
		assert_false(saw_sent);
		assert_false(saw_made);
	} else {
		/* What the check looks for is there when nothing hides it. */
		assert_true(saw_sent);
		assert_true(saw_made);
	}
}

static void
test_tls_capture_shows_no_token(void **state)
{
	if (geteuid() != 0)
		skip();   /* capturing needs root */
	run_case(true);
}

static void
test_plain_capture_shows_the_tokens(void **state)
{
	if (geteuid() != 0)
		skip();
	run_case(false);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_capture_shows_no_token),
		cmocka_unit_test(test_plain_capture_shows_the_tokens),
	};
	return harness_run_group_tests(tests, setup, teardown);
}

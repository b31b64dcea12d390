/*
 * test_accept_flood.c: a daemon out of descriptors says so once. accept()
 * failing with EMFILE used to be logged every 100 ms for as long as it
 * lasted; now one accept_failed line marks the start and one
 * accept_recovered line, with the number of failures in between, the end.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define FLOOD 200

/* Lines of the daemon's log that contain needle. */
static int
log_lines(const Triadd *d, const char *needle)
{
	FILE *f = fopen(d->log, "r");
	char line[4096];
	int n = 0;
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL)
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

static void
test_out_of_descriptors_is_logged_once(void **state)
{
	/* The daemon gets few descriptors; this process keeps its own. */
	struct rlimit old, low;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = 64;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	Triadd d;
	/* Plain TCP: what is tried here is accept(), and a TLS handshake per
	 * connection would only take the loop's time from it. */
	triadd_start(&d, "tls = off\n");
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);

	int fds[FLOOD];
	for (int i = 0; i < FLOOD; i++)
		fds[i] = tc_connect(d.addr);
	uint64_t until = ms_now() + 10000;
	while (!triadd_log_contains(&d, "event=accept_failed") && ms_now() < until)
		;
	assert_true(triadd_log_contains(&d, "event=accept_failed"));
	/* A second and a half of failing, about fifteen pauses of the listener
	 * (fewer on a loaded machine): still one line. */
	uint64_t end = ms_now() + 1500;
	while (ms_now() < end)
		assert_int_equal(log_lines(&d, "event=accept_failed"), 1);

	for (int i = 0; i < FLOOD; i++)
		close(fds[i]);
	until = ms_now() + 10000;
	while (!triadd_log_contains(&d, "event=accept_recovered") && ms_now() < until)
		tc_closed(tc_connect(d.addr), 10);
	assert_true(triadd_log_contains(&d, "event=accept_recovered"));
	/* The first episode ended with the count of what it did not log. (While
	 * the daemon closes what it had accepted, accepting may fail again for a
	 * moment: another episode, again one line at each end.) */
	FILE *f = fopen(d.log, "r");
	char line[4096];
	long failures = -1;
	while (failures < 0 && f != NULL && fgets(line, sizeof line, f) != NULL) {
		const char *p = strstr(line, "event=accept_recovered failures=");
		if (p != NULL)
			failures = strtol(p + strlen("event=accept_recovered failures="), NULL, 10);
	}
	if (f != NULL)
		fclose(f);
	if (failures < 3)
		fail_msg("the first episode counted %ld failures; a second and a half of "
			 "pauses makes at least 3", failures);
	triadd_stop(&d, SIGTERM);
	int failed = log_lines(&d, "event=accept_failed");
	int recovered = log_lines(&d, "event=accept_recovered");
	assert_true(failed == recovered || failed == recovered + 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_out_of_descriptors_is_logged_once),
	};
	return harness_run_group_tests(tests, NULL, NULL);
}

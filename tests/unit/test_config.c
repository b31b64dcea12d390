/*
 * test_config.c: settings from defaults, files and flags, and the errors a
 * person gets when one is wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

/* Writes text to a temporary file and returns its path (static buffer). */
static const char *
write_temp(const char *text)
{
	static char path[64];
	snprintf(path, sizeof path, "/tmp/triad-test-config-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void
test_defaults(void **state)
{
	Config c;
	char err[CONFIG_ERR_MAX];

	config_defaults(&c);
	assert_string_equal(c.listen, "127.0.0.1:7411");
	assert_int_equal(c.max_frame_bytes, 1048576);
	assert_int_equal(c.pool_size, 16);
	assert_int_equal(c.log_level, LOG_INFO);
	assert_true(config_validate(&c, err));
}

static void
test_set_errors_name_the_setting(void **state)
{
	Config c;
	char err[CONFIG_ERR_MAX];

	config_defaults(&c);
	assert_false(config_set(&c, "max_frame", "10", err));
	assert_string_equal(err, "unknown setting 'max_frame'");
	assert_false(config_set(&c, "pool_size", "four", err));
	assert_string_equal(err, "pool_size: 'four' is not a whole number");
	assert_false(config_set(&c, "pool_size", "0", err));
	assert_string_equal(err, "pool_size: 0 is out of range (1 to 256)");
	assert_false(config_set(&c, "pool_size", "3x", err));
	assert_false(config_set(&c, "log_level", "loud", err));
	assert_string_equal(err, "log_level: 'loud' is not one of debug, info, warn, error");
	/* A failed set leaves the old value. */
	assert_int_equal(c.pool_size, 16);
	assert_true(config_set(&c, "pool_size", "8", err));
	assert_int_equal(c.pool_size, 8);
}

static void
test_file_values_apply(void **state)
{
	Config c;
	char err[CONFIG_ERR_MAX];
	const char *path = write_temp(
		"; comment\n"
		"[triadd]\n"
		"listen = 0.0.0.0:9000\n"
		"db = host=/run/pg dbname=triad\n"
		"max_in_flight = 16\n"
		"log_level = debug\n");

	config_defaults(&c);
	assert_true(config_load_file(&c, path, err));
	assert_string_equal(c.listen, "0.0.0.0:9000");
	assert_string_equal(c.db, "host=/run/pg dbname=triad");
	assert_int_equal(c.max_in_flight, 16);
	assert_int_equal(c.log_level, LOG_DEBUG);
	unlink(path);
}

static void
test_file_errors_name_file_and_line(void **state)
{
	Config c;
	char err[CONFIG_ERR_MAX];
	char want[CONFIG_ERR_MAX];

	const char *path = write_temp("[triadd]\npool_size = 2\nmax_conections = 5\n");
	config_defaults(&c);
	assert_false(config_load_file(&c, path, err));
	snprintf(want, sizeof want, "%s: unknown setting 'max_conections' (line 3)", path);
	assert_string_equal(err, want);
	unlink(path);

	path = write_temp("[server]\nlisten = 1.2.3.4:5\n");
	config_defaults(&c);
	assert_false(config_load_file(&c, path, err));
	snprintf(want, sizeof want, "%s: unknown section [server] (expected [triadd]) (line 2)", path);
	assert_string_equal(err, want);
	unlink(path);

	path = write_temp("[triadd]\nthis line has no equals sign\n");
	config_defaults(&c);
	assert_false(config_load_file(&c, path, err));
	snprintf(want, sizeof want, "%s: line 2: syntax error", path);
	assert_string_equal(err, want);
	unlink(path);

	config_defaults(&c);
	assert_false(config_load_file(&c, "/nonexistent/triadd.conf", err));
	assert_string_equal(err, "/nonexistent/triadd.conf: cannot open: No such file or directory");
}

static void
test_validate(void **state)
{
	Config c;
	char err[CONFIG_ERR_MAX];

	config_defaults(&c);
	assert_true(config_set(&c, "listen", "localhost", err));
	assert_false(config_validate(&c, err));
	assert_string_equal(err, "listen: 'localhost' is not HOST:PORT");

	config_defaults(&c);
	assert_true(config_set(&c, "max_output_bytes", "65536", err));
	assert_true(config_set(&c, "max_frame_bytes", "131072", err));
	assert_false(config_validate(&c, err));
	assert_string_equal(err, "max_output_bytes (65536) must be at least max_frame_bytes (131072)");
}

static void
test_reload_keeps_what_needs_a_restart(void **state)
{
	Config cur, next;
	char err[CONFIG_ERR_MAX];

	config_defaults(&cur);
	next = cur;
	assert_true(config_set(&next, "listen", "127.0.0.1:9999", err));
	assert_true(config_set(&next, "pool_size", "9", err));
	assert_true(config_set(&next, "max_in_flight", "7", err));
	assert_true(config_set(&next, "log_level", "warn", err));

	assert_int_equal(config_apply_reload(&cur, &next), 2);
	assert_string_equal(cur.listen, "127.0.0.1:7411");
	assert_int_equal(cur.pool_size, 16);
	assert_int_equal(cur.max_in_flight, 7);
	assert_int_equal(cur.log_level, LOG_WARN);
	log_set_level(LOG_INFO);
}

int
main(void)
{
	log_set_level(LOG_ERROR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_set_errors_name_the_setting),
		cmocka_unit_test(test_file_values_apply),
		cmocka_unit_test(test_file_errors_name_file_and_line),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_reload_keeps_what_needs_a_restart),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

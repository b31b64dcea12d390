/*
 * test_signin_limiter.c: failed sign-ins counted per address and per
 * secret; a secret is only ever refused for its own failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth.h"

static void
hash_of(uint8_t hash[SECRET_HASH_LEN], int n)
{
	memset(hash, 0, SECRET_HASH_LEN);
	hash[0] = (uint8_t)(n >> 8);
	hash[1] = (uint8_t)n;
	hash[2] = 0x5a;
	hash[20] = (uint8_t)n;
}

static void
test_address_reaches_its_limit_once_per_window(void **state)
{
	AuthLimiter *l = calloc(1, sizeof *l);
	uint64_t t = 1000000;
	for (int i = 0; i < 9; i++) {
		assert_false(auth_limiter_fail(l, "192.0.2.1", 10, t));
		assert_true(auth_limiter_allows(l, "192.0.2.1", 10, t));
	}
	assert_true(auth_limiter_fail(l, "192.0.2.1", 10, t));   /* the one to log */
	assert_false(auth_limiter_allows(l, "192.0.2.1", 10, t));
	assert_false(auth_limiter_fail(l, "192.0.2.1", 10, t));
	assert_true(auth_limiter_allows(l, "192.0.2.2", 10, t));
	assert_true(auth_limiter_allows(l, "192.0.2.1", 10, t + AUTH_FAIL_WINDOW_MS));
	free(l);
}

static void
test_secret_is_refused_only_for_its_own_failures(void **state)
{
	AuthLimiter *l = calloc(1, sizeof *l);
	uint8_t bad[SECRET_HASH_LEN], other[SECRET_HASH_LEN], same_slot[SECRET_HASH_LEN];
	uint64_t t = 1000000;
	hash_of(bad, 1);
	hash_of(other, 2);
	hash_of(same_slot, 1);
	same_slot[5] = 0xee;         /* same slot (first two bytes), another secret */
	for (int i = 0; i < 9; i++)
		assert_false(auth_limiter_secret_fail(l, bad, 10, t));
	assert_true(auth_limiter_secret_fail(l, bad, 10, t));
	assert_false(auth_limiter_secret_allows(l, bad, 10, t));
	assert_true(auth_limiter_secret_allows(l, other, 10, t));
	assert_true(auth_limiter_secret_allows(l, same_slot, 10, t));
	/* The window ends. */
	assert_true(auth_limiter_secret_allows(l, bad, 10, t + AUTH_FAIL_WINDOW_MS));
	/* Another secret failing in the slot takes it over: the first is
	 * forgotten (looked up again), never the other way round. */
	assert_false(auth_limiter_secret_fail(l, same_slot, 10, t + 1));
	assert_true(auth_limiter_secret_allows(l, bad, 10, t + 1));
	free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_address_reaches_its_limit_once_per_window),
		cmocka_unit_test(test_secret_is_refused_only_for_its_own_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

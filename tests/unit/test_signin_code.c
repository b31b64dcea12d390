/*
 * test_signin_code.c: one-time sign-in codes (auth.h): their form, how a
 * typed code is read, and their hash, bound to the address.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "auth.h"

static void
test_new_codes_are_typable_and_differ(void **state)
{
	char a[SIGNIN_CODE_SHOWN + 1], b[SIGNIN_CODE_SHOWN + 1], canon[SIGNIN_CODE_LEN + 1];

	assert_true(signin_code_new(a));
	assert_true(signin_code_new(b));
	assert_int_equal(strlen(a), SIGNIN_CODE_SHOWN);
	assert_int_equal(a[4], '-');
	assert_int_equal(a[9], '-');
	assert_string_not_equal(a, b);
	/* Only Crockford's letters: no I, L, O or U. */
	for (const char *c = a; *c; c++)
		assert_non_null(strchr("0123456789ABCDEFGHJKMNPQRSTVWXYZ-", *c));
	assert_true(signin_code_parse(a, canon));
	assert_int_equal(strlen(canon), SIGNIN_CODE_LEN);
}

static void
test_typed_codes(void **state)
{
	char canon[SIGNIN_CODE_LEN + 1];

	assert_true(signin_code_parse("K7QD-9XRM-2HTW", canon));
	assert_string_equal(canon, "K7QD9XRM2HTW");
	/* Case, spaces and dashes do not matter; O, I and L are 0, 1, 1. */
	assert_true(signin_code_parse(" k7qd 9xrm-2htw ", canon));
	assert_string_equal(canon, "K7QD9XRM2HTW");
	assert_true(signin_code_parse("O0Il-LLLL-OOOO", canon));
	assert_string_equal(canon, "001111110000");

	static const char *const bad[] = {"", "K7QD-9XRM-2HT", "K7QD-9XRM-2HTWX",
					  "K7QD-9XRM-2HTU", "K7QD_9XRM_2HTW", "K7QD-9XRM-2HT\xc3\xa9"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_false(signin_code_parse(bad[i], canon));
}

static void
test_hash_is_bound_to_the_address(void **state)
{
	uint8_t a[SECRET_HASH_LEN], b[SECRET_HASH_LEN], c[SECRET_HASH_LEN], d[SECRET_HASH_LEN];

	signin_code_hash("Anna@Example.org", "K7QD-9XRM-2HTW", a);
	signin_code_hash("anna@example.org", "k7qd9xrm2htw", b);
	signin_code_hash("bob@example.org", "K7QD-9XRM-2HTW", c);
	signin_code_hash("anna@example.org", "K7QD-9XRM-2HTX", d);
	assert_true(secret_hash_equal(a, b));
	assert_false(secret_hash_equal(a, c));
	assert_false(secret_hash_equal(a, d));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_codes_are_typable_and_differ),
		cmocka_unit_test(test_typed_codes),
		cmocka_unit_test(test_hash_is_bound_to_the_address),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

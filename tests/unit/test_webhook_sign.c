/*
 * test_webhook_sign.c: what a webhook endpoint checks (webhook.h): the
 * Triad-Signature of a body, against HMAC-SHA256 values computed by
 * Python's hmac module; and which URLs may be registered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "webhook.h"

static const char body[] = "{\"id\":\"x\"}";

static void
test_signature_matches_an_independent_hmac(void **state)
{
	(void)state;
	char sig[WEBHOOK_SIGNATURE_MAX];

	/* hmac.new(b"whk_test-secret", b"1764676800." + body, hashlib.sha256) */
	assert_true(webhook_sign("whk_test-secret", NULL, 1764676800, body, strlen(body), sig,
				 sizeof sig));
	assert_string_equal(sig, "t=1764676800,v1=7d990e5f988049967556bc0dc13d614bd7c921b3f0e9b0e"
				 "7c3cd5d9474fec081");
	/* After a rotation: a second v1, with the old secret. */
	assert_true(webhook_sign("whk_test-secret", "whk_old", 1764676800, body, strlen(body), sig,
				 sizeof sig));
	assert_string_equal(sig, "t=1764676800,v1=7d990e5f988049967556bc0dc13d614bd7c921b3f0e9b0e"
				 "7c3cd5d9474fec081,v1=9c7cbb39af310ac0253700ba8cfbb551285a49f2de9"
				 "aba722e9b0b20bbc26cb8");
	/* An empty old secret is none. */
	assert_true(webhook_sign("whk_test-secret", "", 1764676800, body, strlen(body), sig,
				 sizeof sig));
	assert_null(strstr(sig + 20, "v1="));
	/* Too small a buffer: refused, not cut. */
	assert_false(webhook_sign("whk_test-secret", NULL, 1764676800, body, strlen(body), sig, 40));
}

static void
test_urls(void **state)
{
	(void)state;
	WebhookUrl u;
	char why[160];

	assert_true(webhook_url_parse("https://hr.example.org/triad/events?x=1", &u, why,
				      sizeof why));
	assert_true(u.https);
	assert_string_equal(u.host, "hr.example.org");
	assert_int_equal(u.port, 443);
	assert_string_equal(u.target, "/triad/events?x=1");

	assert_true(webhook_url_parse("HTTP://127.0.0.1:8080", &u, why, sizeof why));
	assert_false(u.https);
	assert_int_equal(u.port, 8080);
	assert_string_equal(u.target, "/");

	assert_true(webhook_url_parse("http://[::1]:9000/h", &u, why, sizeof why));
	assert_string_equal(u.host, "::1");
	assert_int_equal(u.port, 9000);

	assert_false(webhook_url_parse("ftp://example.org/x", &u, why, sizeof why));
	assert_non_null(strstr(why, "https://"));
	assert_false(webhook_url_parse("https://user:pw@example.org/", &u, why, sizeof why));
	assert_non_null(strstr(why, "password"));
	assert_false(webhook_url_parse("https://example.org/a b", &u, why, sizeof why));
	assert_false(webhook_url_parse("https://example.org/#top", &u, why, sizeof why));
	assert_false(webhook_url_parse("https:///nohost", &u, why, sizeof why));
	assert_false(webhook_url_parse("example.org/hook", &u, why, sizeof why));
}

static void
test_private_addresses(void **state)
{
	(void)state;
	const char *private_[] = {"127.0.0.1", "10.0.0.1", "172.16.5.4", "172.31.255.255",
				  "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
				  "224.0.0.1", "::1", "::", "fd00::1", "fe80::1", "::ffff:10.0.0.1",
				  "localhost", "LOCALHOST"};
	const char *public_[] = {"93.184.216.34", "172.32.0.1", "100.128.0.1", "8.8.8.8",
				 "2001:db8::1", "::ffff:8.8.8.8", "example.org"};
	for (size_t i = 0; i < sizeof private_ / sizeof private_[0]; i++)
		if (!webhook_host_private(private_[i]))
			fail_msg("%s should count as private", private_[i]);
	for (size_t i = 0; i < sizeof public_ / sizeof public_[0]; i++)
		if (webhook_host_private(public_[i]))
			fail_msg("%s should not count as private", public_[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signature_matches_an_independent_hmac),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_private_addresses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

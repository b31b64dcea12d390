/*
 * test_proxy.c: the PROXY protocol header, v1 and v2: whole, fed one byte
 * at a time, and lying or malformed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "proxy.h"

/*
 * Parses buf as it arrives one byte at a time: every proper prefix must be
 * INCOMPLETE, the whole must give want. Returns the last header parsed.
 */
static ProxyHeader
parse_bytewise(const uint8_t *buf, size_t len, ProxyStatus want)
{
	ProxyHeader h;
	const char *why = NULL;
	for (size_t i = 0; i < len; i++) {
		ProxyStatus st = proxy_parse(buf, i, &h, &why);
		if (st != PROXY_INCOMPLETE)
			fail_msg("prefix of %zu bytes: status %d (%s)", i, st, why ? why : "");
	}
	ProxyStatus st = proxy_parse(buf, len, &h, &why);
	if (st != want)
		fail_msg("whole header: status %d, want %d (%s)", st, want, why ? why : "");
	if (st == PROXY_INVALID)
		assert_non_null(why);
	return h;
}

static const char *
addr_text(const ProxyHeader *h, char *buf, size_t size, unsigned *port)
{
	if (h->src.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)&h->src;
		*port = ntohs(a->sin_port);
		return inet_ntop(AF_INET, &a->sin_addr, buf, (socklen_t)size);
	}
	const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&h->src;
	*port = ntohs(a->sin6_port);
	return inet_ntop(AF_INET6, &a->sin6_addr, buf, (socklen_t)size);
}

static void
expect_addr(const ProxyHeader *h, const char *addr, unsigned port)
{
	char buf[64];
	unsigned p = 0;
	assert_true(h->has_addr);
	assert_string_equal(addr_text(h, buf, sizeof buf, &p), addr);
	assert_int_equal(p, port);
}

static void
test_v1_tcp4_and_what_follows(void **state)
{
	/* The header, then the first frame: only the header is taken. */
	static const char in[] = "PROXY TCP4 192.0.2.10 10.0.0.1 56324 7411\r\n\x00\x00\x00\x05";
	size_t hlen = strlen("PROXY TCP4 192.0.2.10 10.0.0.1 56324 7411\r\n");
	ProxyHeader h = parse_bytewise((const uint8_t *)in, hlen, PROXY_DONE);
	assert_int_equal(h.len, hlen);
	expect_addr(&h, "192.0.2.10", 56324);
	const char *why;
	assert_int_equal(proxy_parse((const uint8_t *)in, sizeof in - 1, &h, &why), PROXY_DONE);
	assert_int_equal(h.len, hlen);
}

static void
test_v1_tcp6_and_unknown(void **state)
{
	static const char six[] = "PROXY TCP6 2001:db8::7 2001:db8::1 443 7411\r\n";
	ProxyHeader h = parse_bytewise((const uint8_t *)six, strlen(six), PROXY_DONE);
	expect_addr(&h, "2001:db8::7", 443);
	static const char unknown[] = "PROXY UNKNOWN ffff:f...f:ffff 65535 65535\r\n";
	h = parse_bytewise((const uint8_t *)unknown, strlen(unknown), PROXY_DONE);
	assert_false(h.has_addr);
	assert_int_equal(h.len, strlen(unknown));
}

static void
test_v1_malformed(void **state)
{
	static const char *const bad[] = {
		"PROXY TCP4 192.0.2.10 10.0.0.1 56324\r\n",          /* five fields */
		"PROXY TCP4 192.0.2.10 10.0.0.1 56324 7411 x\r\n",   /* seven */
		"PROXY TCP4 192.0.2.10  10.0.0.1 56324 7411\r\n",    /* two spaces */
		"PROXY TCP4 2001:db8::7 10.0.0.1 56324 7411\r\n",    /* v6 as TCP4 */
		"PROXY TCP6 192.0.2.10 10.0.0.1 56324 7411\r\n",
		"PROXY TCP4 192.0.2.10 10.0.0.1 65536 7411\r\n",     /* port too big */
		"PROXY TCP4 192.0.2.10 10.0.0.1 -1 7411\r\n",
		"PROXY UDP4 192.0.2.10 10.0.0.1 1 7411\r\n",
		"PROXY TCP4 192.0.2.10 10.0.0.1 1 7411\n",           /* LF alone */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ProxyHeader h;
		const char *why = NULL;
		if (proxy_parse((const uint8_t *)bad[i], strlen(bad[i]), &h, &why) != PROXY_INVALID)
			fail_msg("accepted: %s", bad[i]);
		assert_non_null(why);
	}
	/* No CRLF within 107 bytes: refused, not waited for. */
	char longline[200];
	memset(longline, '1', sizeof longline);
	memcpy(longline, "PROXY TCP4 ", 11);
	ProxyHeader h;
	const char *why;
	assert_int_equal(proxy_parse((const uint8_t *)longline, PROXY_V1_MAX - 1, &h, &why),
			 PROXY_INCOMPLETE);
	assert_int_equal(proxy_parse((const uint8_t *)longline, PROXY_V1_MAX, &h, &why),
			 PROXY_INVALID);
}

static void
test_no_header_is_refused_at_once(void **state)
{
	/* A client's first frame: four bytes of length, then protobuf. */
	static const uint8_t frame[] = {0, 0, 0, 9, 0x08, 0x01};
	ProxyHeader h;
	const char *why;
	assert_int_equal(proxy_parse(frame, 1, &h, &why), PROXY_INVALID);
	assert_string_equal(why, "the connection did not start with a PROXY protocol header");
	assert_int_equal(proxy_parse((const uint8_t *)"PROXZ", 5, &h, &why), PROXY_INVALID);
	assert_int_equal(proxy_parse((const uint8_t *)"PROX", 4, &h, &why), PROXY_INCOMPLETE);
}

static const uint8_t sig[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
				0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

static size_t
v2(uint8_t *out, uint8_t ver_cmd, uint8_t fam, const uint8_t *body, size_t blen)
{
	memcpy(out, sig, 12);
	out[12] = ver_cmd;
	out[13] = fam;
	out[14] = (uint8_t)(blen >> 8);
	out[15] = (uint8_t)blen;
	if (blen > 0)
		memcpy(out + 16, body, blen);
	return 16 + blen;
}

static void
test_v2_ipv4_ipv6_with_tlvs(void **state)
{
	uint8_t buf[256];
	/* 198.51.100.9:4242 -> 127.0.0.1:7411, then a TLV (type 0x05, a
	 * unique id of 4 bytes) that is skipped. */
	const uint8_t four[] = {198, 51, 100, 9, 127, 0, 0, 1, 0x10, 0x92, 0x1c, 0xf3,
				0x05, 0x00, 0x04, 'a', 'b', 'c', 'd'};
	size_t n = v2(buf, 0x21, 0x11, four, sizeof four);
	ProxyHeader h = parse_bytewise(buf, n, PROXY_DONE);
	assert_int_equal(h.len, n);
	expect_addr(&h, "198.51.100.9", 4242);

	uint8_t six[36] = {0x20, 0x01, 0x0d, 0xb8};
	six[15] = 0x09;
	six[16] = 0x20;
	six[17] = 0x01;
	six[31] = 0x01;
	six[32] = 0x01;
	six[33] = 0xbb;
	n = v2(buf, 0x21, 0x21, six, sizeof six);
	h = parse_bytewise(buf, n, PROXY_DONE);
	expect_addr(&h, "2001:db8::9", 443);
}

static void
test_v2_local_and_unspec_keep_the_socket_address(void **state)
{
	uint8_t buf[64];
	size_t n = v2(buf, 0x20, 0x00, NULL, 0);        /* LOCAL: a health check */
	ProxyHeader h = parse_bytewise(buf, n, PROXY_DONE);
	assert_false(h.has_addr);
	assert_int_equal(h.len, 16);
	const uint8_t unix_addrs[8] = {0};
	n = v2(buf, 0x21, 0x31, unix_addrs, sizeof unix_addrs);  /* AF_UNIX: ignored */
	h = parse_bytewise(buf, n, PROXY_DONE);
	assert_false(h.has_addr);
	assert_int_equal(h.len, n);
}

static void
test_v2_malformed_and_oversized(void **state)
{
	uint8_t buf[64];
	const uint8_t four[12] = {0};
	ProxyHeader h;
	const char *why;
	size_t n = v2(buf, 0x11, 0x11, four, sizeof four);      /* version 1 */
	assert_int_equal(proxy_parse(buf, n, &h, &why), PROXY_INVALID);
	n = v2(buf, 0x22, 0x11, four, sizeof four);             /* command 2 */
	assert_int_equal(proxy_parse(buf, n, &h, &why), PROXY_INVALID);
	n = v2(buf, 0x21, 0x11, four, 8);                       /* IPv4 cut short */
	assert_int_equal(proxy_parse(buf, n, &h, &why), PROXY_INVALID);
	n = v2(buf, 0x21, 0x21, four, 12);                      /* IPv6 cut short */
	assert_int_equal(proxy_parse(buf, n, &h, &why), PROXY_INVALID);
	/* A length beyond the bound is refused from the preamble alone. */
	memcpy(buf, sig, 12);
	buf[12] = 0x21;
	buf[13] = 0x11;
	buf[14] = 0xff;
	buf[15] = 0xff;
	assert_int_equal(proxy_parse(buf, 16, &h, &why), PROXY_INVALID);
	assert_string_equal(why, "PROXY v2 header longer than 1024 bytes");
	/* The largest allowed length waits for its bytes. */
	buf[14] = (PROXY_V2_MAX - 16) >> 8;
	buf[15] = (PROXY_V2_MAX - 16) & 0xff;
	assert_int_equal(proxy_parse(buf, 16, &h, &why), PROXY_INCOMPLETE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1_tcp4_and_what_follows),
		cmocka_unit_test(test_v1_tcp6_and_unknown),
		cmocka_unit_test(test_v1_malformed),
		cmocka_unit_test(test_no_header_is_refused_at_once),
		cmocka_unit_test(test_v2_ipv4_ipv6_with_tlvs),
		cmocka_unit_test(test_v2_local_and_unspec_keep_the_socket_address),
		cmocka_unit_test(test_v2_malformed_and_oversized),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

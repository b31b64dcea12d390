/*
 * test_vcjwt.c: the cryptography of certificates (daemon/vcjwt.c) without a
 * daemon: base64url against RFC 4648's vectors; a VC-JWT of each algorithm
 * whose signature OpenSSL verifies over exactly header.payload, and not
 * after one byte changes; a sealed key that opens only under its master key
 * and its own kid; a public JWK without a private part; and a master key
 * file refused when others may read it or it is not 64 hex digits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include "vcjwt.h"

static const uint8_t master[VCJWT_MASTER_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
static const uint8_t other_master[VCJWT_MASTER_LEN] = {9, 9, 9};

static void
test_b64url(void **state)
{
	static const struct {
		const char *in, *out;
	} v[] = {{"", ""}, {"f", "Zg"}, {"fo", "Zm8"}, {"foo", "Zm9v"}, {"foob", "Zm9vYg"},
		 {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}, {"\xfb\xff", "-_8"}};
	char out[32];
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		size_t n = vcjwt_b64url((const uint8_t *)v[i].in, strlen(v[i].in), out);
		assert_string_equal(out, v[i].out);
		assert_int_equal(n, strlen(v[i].out));
	}
}

static int
b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '-' ? 62 : c == '_' ? 63 : -1;
}

static size_t
b64url_decode(const char *s, size_t len, uint8_t *out)
{
	size_t n = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < len; i++) {
		int v = b64val(s[i]);
		assert_true(v >= 0);
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	return n;
}

/* Verifies jwt's signature with pkey as a JWS verifier would. */
static bool
signature_ok(EVP_PKEY *pkey, const char *alg, const char *jwt)
{
	const char *dot2 = strrchr(jwt, '.');
	uint8_t sig[128], der[160];
	size_t slen = b64url_decode(dot2 + 1, strlen(dot2 + 1), sig);
	const uint8_t *s = sig;
	size_t len = slen;
	bool ed = strcmp(alg, "EdDSA") == 0;
	if (!ed) {
		/* r || s back to DER for OpenSSL. */
		assert_int_equal(slen, 64);
		ECDSA_SIG *es = ECDSA_SIG_new();
		ECDSA_SIG_set0(es, BN_bin2bn(sig, 32, NULL), BN_bin2bn(sig + 32, 32, NULL));
		uint8_t *p = der;
		len = (size_t)i2d_ECDSA_SIG(es, &p);
		ECDSA_SIG_free(es);
		s = der;
	}
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	bool ok = EVP_DigestVerifyInit(md, NULL, ed ? NULL : EVP_sha256(), NULL, pkey) == 1 &&
		  EVP_DigestVerify(md, s, len, (const uint8_t *)jwt, (size_t)(dot2 - jwt)) == 1;
	EVP_MD_CTX_free(md);
	return ok;
}

static void
sign_and_check(const char *alg)
{
	const char *kid = "https://triad.example/institutions/hva/jwks.json#k1";
	const char *payload = "{\"id\":\"urn:uuid:1\",\"name\":\"Meesterschap \\\"MPM\\\"\"}";
	EVP_PKEY *pkey;
	char *jwk, *sealed;

	assert_true(vcjwt_key_new(alg, kid, master, &pkey, &jwk, &sealed));
	assert_non_null(strstr(jwk, kid));
	assert_null(strstr(jwk, "\"d\""));
	assert_null(strstr(sealed, "PRIVATE"));

	char *jwt = vcjwt_sign(pkey, alg, kid, payload);
	assert_non_null(jwt);
	/* header.payload.signature, the header naming alg and kid. */
	const char *dot1 = strchr(jwt, '.');
	uint8_t header[512], body[512];
	size_t hl = b64url_decode(jwt, (size_t)(dot1 - jwt), header);
	header[hl] = '\0';
	char want[512];
	snprintf(want, sizeof want, "{\"alg\":\"%s\",\"kid\":\"%s\",\"typ\":\"JWT\"}", alg, kid);
	assert_string_equal((char *)header, want);
	const char *dot2 = strrchr(jwt, '.');
	size_t bl = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), body);
	body[bl] = '\0';
	assert_string_equal((char *)body, payload);
	assert_true(signature_ok(pkey, alg, jwt));

	/* One byte of the payload changed: the signature no longer holds. */
	char *bad = strdup(jwt);
	bad[dot1 - jwt + 5] = bad[dot1 - jwt + 5] == 'A' ? 'B' : 'A';
	assert_false(signature_ok(pkey, alg, bad));
	free(bad);

	/* The sealed key opens under its master key and kid only, and signs
	 * what the public half verifies. */
	EVP_PKEY *opened = vcjwt_key_open(sealed, kid, master);
	assert_non_null(opened);
	char *jwt2 = vcjwt_sign(opened, alg, kid, payload);
	assert_true(signature_ok(pkey, alg, jwt2));
	char *jwk2 = vcjwt_public_jwk(opened, alg, kid);
	assert_string_equal(jwk, jwk2);
	assert_null(vcjwt_key_open(sealed, kid, other_master));
	assert_null(vcjwt_key_open(sealed, "https://triad.example/other#k1", master));
	sealed[30] = sealed[30] == '0' ? '1' : '0';
	assert_null(vcjwt_key_open(sealed, kid, master));
	assert_null(vcjwt_key_open("zz", kid, master));
	/* A key of one kind does not sign as the other. */
	assert_null(vcjwt_sign(pkey, strcmp(alg, "EdDSA") == 0 ? "ES256" : "EdDSA", kid, payload));

	EVP_PKEY_free(opened);
	EVP_PKEY_free(pkey);
	free(jwk);
	free(jwk2);
	free(sealed);
	free(jwt);
	free(jwt2);
}

static void
test_eddsa(void **state)
{
	sign_and_check("EdDSA");
}

static void
test_es256(void **state)
{
	sign_and_check("ES256");
}

static void
test_unknown_alg(void **state)
{
	EVP_PKEY *pkey;
	char *jwk, *sealed;
	assert_false(vcjwt_alg_known("RS256"));
	assert_false(vcjwt_key_new("none", "k", master, &pkey, &jwk, &sealed));
	assert_null(pkey);
}

static void
test_master_file(void **state)
{
	char path[] = "/tmp/test_vcjwt_XXXXXX";
	char err[256];
	uint8_t key[VCJWT_MASTER_LEN];
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *hex = "000102030405060708090a0b0c0d0e0f101112131415161718191A1B1C1D1E1F\n";
	assert_int_equal(write(fd, hex, strlen(hex)), (ssize_t)strlen(hex));
	close(fd);
	assert_int_equal(chmod(path, 0600), 0);
	assert_true(vcjwt_master_load(path, key, err));
	assert_int_equal(key[0], 0);
	assert_int_equal(key[31], 0x1f);

	assert_int_equal(chmod(path, 0644), 0);
	assert_false(vcjwt_master_load(path, key, err));
	assert_non_null(strstr(err, "make it 0600"));

	assert_int_equal(chmod(path, 0600), 0);
	FILE *f = fopen(path, "w");
	fputs("too short\n", f);
	fclose(f);
	assert_false(vcjwt_master_load(path, key, err));
	assert_non_null(strstr(err, "64 hexadecimal digits"));
	unlink(path);
	assert_false(vcjwt_master_load(path, key, err));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64url),
		cmocka_unit_test(test_eddsa),
		cmocka_unit_test(test_es256),
		cmocka_unit_test(test_unknown_alg),
		cmocka_unit_test(test_master_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * vcjwt.c: signing keys and VC-JWTs with OpenSSL's EVP API (see vcjwt.h).
 */
#include "vcjwt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#define NONCE_LEN 12
#define TAG_LEN 16
#define PRIVATE_MAX 128          /* a private key's raw form (key_private), at most */

bool
vcjwt_alg_known(const char *alg)
{
	return alg != NULL && (strcmp(alg, "EdDSA") == 0 || strcmp(alg, "ES256") == 0);
}

size_t
vcjwt_b64url(const uint8_t *in, size_t len, char *out)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char *o = out;
	size_t i = 0;

	for (; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		*o++ = tab[v >> 18 & 63];
		*o++ = tab[v >> 12 & 63];
		*o++ = tab[v >> 6 & 63];
		*o++ = tab[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		*o++ = tab[v >> 18 & 63];
		*o++ = tab[v >> 12 & 63];
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		*o++ = tab[v >> 18 & 63];
		*o++ = tab[v >> 12 & 63];
		*o++ = tab[v >> 6 & 63];
	}
	*o = '\0';
	return (size_t)(o - out);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes exactly n bytes of hex from s; false on anything else. */
static bool
unhex(const char *s, size_t slen, uint8_t *out, size_t n)
{
	if (slen != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

bool
vcjwt_master_load(const char *path, uint8_t master[VCJWT_MASTER_LEN], char err[256])
{
	char buf[130];
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, 256, "credential_key_file %s: %s", path, strerror(errno));
		return false;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, 256, "credential_key_file %s: not a regular file", path);
		close(fd);
		return false;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(err, 256, "credential_key_file %s: others may read or write it "
			 "(mode %03o); make it 0600", path, (unsigned)(st.st_mode & 0777));
		close(fd);
		return false;
	}
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 0) {
		snprintf(err, 256, "credential_key_file %s: %s", path, strerror(errno));
		return false;
	}
	size_t len = (size_t)n;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	bool ok = unhex(buf, len, master, VCJWT_MASTER_LEN);
	OPENSSL_cleanse(buf, sizeof buf);
	if (!ok)
		snprintf(err, 256, "credential_key_file %s: must hold 64 hexadecimal digits "
			 "(openssl rand -hex 32)", path);
	return ok;
}

/* AES-256-GCM of in under master with aad; out gets nonce||ct||tag. */
static bool
seal(const uint8_t *master, const char *aad, const uint8_t *in, size_t len, uint8_t *out,
     size_t *outlen)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, m = 0;
	bool ok = c != NULL && RAND_bytes(out, NONCE_LEN) == 1 &&
		  EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, master, out) == 1 &&
		  EVP_EncryptUpdate(c, NULL, &n, (const uint8_t *)aad, (int)strlen(aad)) == 1 &&
		  EVP_EncryptUpdate(c, out + NONCE_LEN, &n, in, (int)len) == 1 &&
		  EVP_EncryptFinal_ex(c, out + NONCE_LEN + n, &m) == 1 &&
		  EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_LEN,
				      out + NONCE_LEN + n + m) == 1;
	EVP_CIPHER_CTX_free(c);
	*outlen = NONCE_LEN + (size_t)n + (size_t)m + TAG_LEN;
	return ok;
}

static bool
unseal(const uint8_t *master, const char *aad, const uint8_t *in, size_t len, uint8_t *out,
       size_t *outlen)
{
	if (len < NONCE_LEN + TAG_LEN + 1)
		return false;
	size_t ctlen = len - NONCE_LEN - TAG_LEN;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, m = 0;
	bool ok = c != NULL &&
		  EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, master, in) == 1 &&
		  EVP_DecryptUpdate(c, NULL, &n, (const uint8_t *)aad, (int)strlen(aad)) == 1 &&
		  EVP_DecryptUpdate(c, out, &n, in + NONCE_LEN, (int)ctlen) == 1 &&
		  EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN,
				      (void *)(in + NONCE_LEN + ctlen)) == 1 &&
		  EVP_DecryptFinal_ex(c, out + n, &m) == 1;
	EVP_CIPHER_CTX_free(c);
	*outlen = (size_t)n + (size_t)m;
	return ok;
}

/* Appends s to a JSON document as a string, escaped. */
static void
json_str(BIO *b, const char *s)
{
	BIO_write(b, "\"", 1);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			BIO_printf(b, "\\%c", ch);
		else if (ch < 0x20)
			BIO_printf(b, "\\u%04x", ch);
		else
			BIO_write(b, s, 1);
	}
	BIO_write(b, "\"", 1);
}

/* What BIO b holds, as a malloc'd string; NULL when memory ran out. */
static char *
bio_string(BIO *b)
{
	char *data;
	long len = BIO_get_mem_data(b, &data);
	char *out = len >= 0 ? malloc((size_t)len + 1) : NULL;
	if (out != NULL) {
		memcpy(out, data, (size_t)len);
		out[len] = '\0';
	}
	return out;
}

static bool
key_is(EVP_PKEY *pkey, const char *alg)
{
	if (strcmp(alg, "EdDSA") == 0)
		return EVP_PKEY_is_a(pkey, "ED25519");
	return EVP_PKEY_is_a(pkey, "EC");
}

char *
vcjwt_public_jwk(EVP_PKEY *pkey, const char *alg, const char *kid)
{
	uint8_t x[32], y[32];
	char xs[64], ys[64];
	BIO *b;

	if (!vcjwt_alg_known(alg) || !key_is(pkey, alg))
		return NULL;
	if (strcmp(alg, "EdDSA") == 0) {
		size_t len = sizeof x;
		if (EVP_PKEY_get_raw_public_key(pkey, x, &len) != 1 || len != sizeof x)
			return NULL;
		vcjwt_b64url(x, len, xs);
	} else {
		BIGNUM *bx = NULL, *by = NULL;
		bool ok = EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, &bx) == 1 &&
			  EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &by) == 1 &&
			  BN_bn2binpad(bx, x, sizeof x) == sizeof x &&
			  BN_bn2binpad(by, y, sizeof y) == sizeof y;
		BN_free(bx);
		BN_free(by);
		if (!ok)
			return NULL;
		vcjwt_b64url(x, sizeof x, xs);
		vcjwt_b64url(y, sizeof y, ys);
	}
	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return NULL;
	if (strcmp(alg, "EdDSA") == 0)
		BIO_printf(b, "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\"", xs);
	else
		BIO_printf(b, "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"", xs, ys);
	BIO_printf(b, ",\"alg\":\"%s\",\"use\":\"sig\",\"kid\":", alg);
	json_str(b, kid);
	BIO_write(b, "}", 1);
	char *out = bio_string(b);
	BIO_free(b);
	return out;
}

/*
 * A private key at rest, before sealing: 'E' and the 32 bytes of an Ed25519
 * key, or 'P' and the 32 bytes of a P-256 scalar followed by the 65 bytes of
 * its public point (uncompressed). Raw forms open in microseconds, where
 * OpenSSL's PEM decoders take milliseconds.
 */
static bool
key_private(EVP_PKEY *k, const char *alg, uint8_t out[PRIVATE_MAX], size_t *len)
{
	if (strcmp(alg, "EdDSA") == 0) {
		size_t n = 32;
		out[0] = 'E';
		if (EVP_PKEY_get_raw_private_key(k, out + 1, &n) != 1 || n != 32)
			return false;
		*len = 33;
		return true;
	}
	BIGNUM *d = NULL;
	size_t publen = 0;
	out[0] = 'P';
	bool ok = EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1 &&
		  BN_bn2binpad(d, out + 1, 32) == 32 &&
		  EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, out + 33, 65,
						  &publen) == 1 &&
		  publen == 65 && out[33] == 0x04;
	BN_clear_free(d);
	*len = 98;
	return ok;
}

static EVP_PKEY *
key_from_private(const uint8_t *p, size_t len)
{
	if (len == 33 && p[0] == 'E')
		return EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, p + 1, 32);
	if (len != 98 || p[0] != 'P')
		return NULL;
	EVP_PKEY *k = NULL;
	BIGNUM *d = BN_secure_new();
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (d != NULL && bld != NULL && ctx != NULL && BN_bin2bn(p + 1, 32, d) != NULL &&
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) == 1 &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) == 1 &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, p + 33, 65) == 1 &&
	    (params = OSSL_PARAM_BLD_to_param(bld)) != NULL &&
	    EVP_PKEY_fromdata_init(ctx) == 1 &&
	    EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_KEYPAIR, params) != 1)
		k = NULL;
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	BN_clear_free(d);
	return k;
}

bool
vcjwt_key_new(const char *alg, const char *kid, const uint8_t master[VCJWT_MASTER_LEN],
	      EVP_PKEY **pkey, char **jwk, char **sealed_hex)
{
	EVP_PKEY *k = NULL;
	uint8_t plain[PRIVATE_MAX], sealed[PRIVATE_MAX + NONCE_LEN + TAG_LEN];
	size_t plen = 0, slen = 0;
	char *hex = NULL, *pub = NULL;

	*pkey = NULL;
	*jwk = *sealed_hex = NULL;
	if (!vcjwt_alg_known(alg))
		return false;
	k = strcmp(alg, "EdDSA") == 0 ? EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")
				      : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (k == NULL || (pub = vcjwt_public_jwk(k, alg, kid)) == NULL)
		goto fail;
	if (!key_private(k, alg, plain, &plen) ||
	    !seal(master, kid, plain, plen, sealed, &slen)) {
		OPENSSL_cleanse(plain, sizeof plain);
		goto fail;
	}
	OPENSSL_cleanse(plain, sizeof plain);
	if ((hex = malloc(2 * slen + 1)) == NULL)
		goto fail;
	for (size_t i = 0; i < slen; i++)
		snprintf(hex + 2 * i, 3, "%02x", sealed[i]);
	*pkey = k;
	*jwk = pub;
	*sealed_hex = hex;
	return true;
fail:
	EVP_PKEY_free(k);
	free(pub);
	free(hex);
	return false;
}

EVP_PKEY *
vcjwt_key_open(const char *sealed_hex, const char *kid, const uint8_t master[VCJWT_MASTER_LEN])
{
	uint8_t sealed[PRIVATE_MAX + NONCE_LEN + TAG_LEN];
	uint8_t plain[PRIVATE_MAX + NONCE_LEN + TAG_LEN];
	size_t hlen = strlen(sealed_hex), plen = 0;
	EVP_PKEY *k = NULL;

	if (hlen % 2 == 0 && hlen / 2 <= sizeof sealed &&
	    unhex(sealed_hex, hlen, sealed, hlen / 2) &&
	    unseal(master, kid, sealed, hlen / 2, plain, &plen))
		k = key_from_private(plain, plen);
	OPENSSL_cleanse(plain, sizeof plain);
	return k;
}

/* An ECDSA signature in DER as r || s of 32 bytes each. */
static bool
ecdsa_raw(const uint8_t *der, size_t len, uint8_t out[64])
{
	const uint8_t *p = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)len);
	if (sig == NULL)
		return false;
	const BIGNUM *r, *s;
	ECDSA_SIG_get0(sig, &r, &s);
	bool ok = BN_bn2binpad(r, out, 32) == 32 && BN_bn2binpad(s, out + 32, 32) == 32;
	ECDSA_SIG_free(sig);
	return ok;
}

char *
vcjwt_sign(EVP_PKEY *pkey, const char *alg, const char *kid, const char *payload)
{
	BIO *hb = NULL;
	char *header = NULL, *out = NULL;
	EVP_MD_CTX *md = NULL;
	uint8_t sig[128], raw[64];
	size_t siglen = sizeof sig;

	if (!vcjwt_alg_known(alg) || !key_is(pkey, alg))
		return NULL;
	if ((hb = BIO_new(BIO_s_mem())) == NULL)
		return NULL;
	BIO_printf(hb, "{\"alg\":\"%s\",\"kid\":", alg);
	json_str(hb, kid);
	BIO_printf(hb, ",\"typ\":\"JWT\"}");
	header = bio_string(hb);
	BIO_free(hb);
	if (header == NULL)
		return NULL;

	size_t hlen = strlen(header), plen = strlen(payload);
	size_t cap = 4 * ((hlen + 2) / 3) + 4 * ((plen + 2) / 3) + 4 * ((64 + 2) / 3) + 4;
	if ((out = malloc(cap)) == NULL)
		goto fail;
	size_t n = vcjwt_b64url((const uint8_t *)header, hlen, out);
	out[n++] = '.';
	n += vcjwt_b64url((const uint8_t *)payload, plen, out + n);
	bool ed = strcmp(alg, "EdDSA") == 0;
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(md, NULL, ed ? NULL : EVP_sha256(), NULL, pkey) != 1 ||
	    EVP_DigestSign(md, sig, &siglen, (const uint8_t *)out, n) != 1)
		goto fail;
	const uint8_t *s = sig;
	size_t slen = siglen;
	if (!ed) {
		if (!ecdsa_raw(sig, siglen, raw))
			goto fail;
		s = raw;
		slen = sizeof raw;
	}
	out[n++] = '.';
	vcjwt_b64url(s, slen, out + n);
	EVP_MD_CTX_free(md);
	free(header);
	return out;
fail:
	EVP_MD_CTX_free(md);
	free(header);
	free(out);
	return NULL;
}

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
#include <openssl/pem.h>
#include <openssl/rand.h>

#define NONCE_LEN 12
#define TAG_LEN 16
#define SEALED_MAX 2048          /* bytes of a sealed PEM: far above either kind */

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

bool
vcjwt_key_new(const char *alg, const char *kid, const uint8_t master[VCJWT_MASTER_LEN],
	      EVP_PKEY **pkey, char **jwk, char **sealed_hex)
{
	EVP_PKEY *k = NULL;
	BIO *pem = NULL;
	uint8_t sealed[SEALED_MAX + NONCE_LEN + TAG_LEN];
	size_t slen = 0;
	char *hex = NULL, *pub = NULL;

	*pkey = NULL;
	*jwk = *sealed_hex = NULL;
	if (!vcjwt_alg_known(alg))
		return false;
	k = strcmp(alg, "EdDSA") == 0 ? EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")
				      : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (k == NULL || (pub = vcjwt_public_jwk(k, alg, kid)) == NULL)
		goto fail;
	if ((pem = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_PrivateKey(pem, k, NULL, NULL, 0, NULL, NULL) != 1)
		goto fail;
	char *data;
	long len = BIO_get_mem_data(pem, &data);
	bool sealed_ok = len > 0 && len <= SEALED_MAX &&
			 seal(master, kid, (const uint8_t *)data, (size_t)len, sealed, &slen);
	if (len > 0)
		OPENSSL_cleanse(data, (size_t)len);
	if (!sealed_ok)
		goto fail;
	if ((hex = malloc(2 * slen + 1)) == NULL)
		goto fail;
	for (size_t i = 0; i < slen; i++)
		snprintf(hex + 2 * i, 3, "%02x", sealed[i]);
	BIO_free_all(pem);
	pem = NULL;
	*pkey = k;
	*jwk = pub;
	*sealed_hex = hex;
	return true;
fail:
	BIO_free_all(pem);
	EVP_PKEY_free(k);
	free(pub);
	free(hex);
	return false;
}

EVP_PKEY *
vcjwt_key_open(const char *sealed_hex, const char *kid, const uint8_t master[VCJWT_MASTER_LEN])
{
	uint8_t sealed[SEALED_MAX + NONCE_LEN + TAG_LEN];
	uint8_t plain[SEALED_MAX + 1];
	size_t hlen = strlen(sealed_hex), plen = 0;
	EVP_PKEY *k = NULL;

	if (hlen % 2 != 0 || hlen / 2 > sizeof sealed ||
	    !unhex(sealed_hex, hlen, sealed, hlen / 2) ||
	    !unseal(master, kid, sealed, hlen / 2, plain, &plen) || plen > SEALED_MAX) {
		OPENSSL_cleanse(plain, sizeof plain);
		return NULL;
	}
	BIO *b = BIO_new_mem_buf(plain, (int)plen);
	if (b != NULL)
		k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
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

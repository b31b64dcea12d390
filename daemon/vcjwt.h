/*
 * vcjwt.h: the cryptography of certificates: signing keys, sealed at rest,
 * and VC-JWTs (compact JWS) signed with them. OpenSSL's EVP API only; no
 * I/O but reading the master key file, no state.
 *
 * Algorithms: "EdDSA" (Ed25519) and "ES256" (ECDSA on P-256 with SHA-256,
 * the signature as r || s, 64 bytes, as RFC 7518 wants). Signing takes
 * microseconds, so the loop may call it inline.
 *
 * A private key at rest is its raw form (vcjwt.c, key_private) sealed with
 * AES-256-GCM under the master key: nonce (12 random bytes) || ciphertext || tag (16), with the
 * key's kid as additional authenticated data, so a sealed key copied onto
 * another key's row does not open. Hex-encoded for the database.
 */
#ifndef TRIAD_VCJWT_H
#define TRIAD_VCJWT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define VCJWT_MASTER_LEN 32

/* True when alg is one this module signs with. */
bool vcjwt_alg_known(const char *alg);

/*
 * Reads the master key from path: 64 hexadecimal digits (32 bytes, as
 * `openssl rand -hex 32` writes them), optionally followed by a newline.
 * Refuses a file that others than its owner may read or write. False with
 * a sentence in err.
 */
__attribute__((warn_unused_result))
bool vcjwt_master_load(const char *path, uint8_t master[VCJWT_MASTER_LEN], char err[256]);

/*
 * Makes a new key of alg. On success *pkey is the key (the caller frees
 * it with EVP_PKEY_free), *jwk its public half as a JWK with kid, alg and
 * use "sig", and *sealed_hex its private half sealed under master; both
 * strings are malloc'd, the caller frees them.
 */
__attribute__((warn_unused_result))
bool vcjwt_key_new(const char *alg, const char *kid, const uint8_t master[VCJWT_MASTER_LEN],
		   EVP_PKEY **pkey, char **jwk, char **sealed_hex);

/*
 * Opens a sealed key (as vcjwt_key_new made it, for the same kid) under
 * master. NULL when the seal does not open: another master key, another
 * kid, or damage.
 */
EVP_PKEY *vcjwt_key_open(const char *sealed_hex, const char *kid,
			 const uint8_t master[VCJWT_MASTER_LEN]);

/*
 * The public JWK of pkey (kid, alg and use "sig" added), malloc'd; NULL
 * when memory ran out or the key is of another kind than alg.
 */
char *vcjwt_public_jwk(EVP_PKEY *pkey, const char *alg, const char *kid);

/*
 * Signs payload (JSON text) as a compact JWS with header
 * {"alg":alg,"kid":kid,"typ":"JWT"}. The result is malloc'd; NULL when
 * signing failed.
 */
char *vcjwt_sign(EVP_PKEY *pkey, const char *alg, const char *kid, const char *payload);

/* base64url without padding of len bytes into out (room for
 * 4 * ((len + 2) / 3) + 1 bytes); returns the length written. */
size_t vcjwt_b64url(const uint8_t *in, size_t len, char *out);

#endif

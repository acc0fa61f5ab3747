/* SPDX-License-Identifier: BSD-2-Clause */
/* crypto: randomness, ids, digests and comparisons every other module builds on. */
#ifndef TESSERA_CRYPTO_H
#define TESSERA_CRYPTO_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UUID_LEN 36
#define SHA256_LEN 32

int crypto_random(void *buf, size_t len);
/* nbytes random bytes as 2*nbytes lowercase hex plus NUL (Medplum's generateSecret). */
int crypto_random_hex(char *out, size_t nbytes);
int crypto_uuid_v4(char out[UUID_LEN + 1]);
/* RFC 9562 version 7: the Unix time in milliseconds, then 74 random bits. Rows keyed by it
 * are appended at the end of their B-tree instead of at a random leaf (the login table). */
int crypto_uuid_v7(char out[UUID_LEN + 1]);
bool crypto_is_uuid(const char *s);
bool crypto_is_hex(const char *s, size_t len);
void crypto_sha256(const void *data, size_t len, uint8_t out[SHA256_LEN]);
void crypto_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len, uint8_t out[SHA256_LEN]);
/* HMAC of a secret under the configured hash_key: what is stored instead of the secret. */
int crypto_keyed_hash(const char *secret, uint8_t out[SHA256_LEN]);
/* A public reference for an id that is itself a secret (a Login's, see domain/login.h
 * login_ref): the first CRYPTO_REF_LEN hex digits of HMAC(hash_key, "<kind>-ref:" + id).
 * 0, or -1 without a hash_key (out is then "-"). */
#define CRYPTO_REF_LEN 24
int crypto_keyed_ref(const char *kind, const char *id, char out[CRYPTO_REF_LEN + 1]);
/* Constant-time equality; lengths must match (a length mismatch is not secret). */
bool crypto_equal(const void *a, size_t alen, const void *b, size_t blen);
bool crypto_streq(const char *a, const char *b);
/* base64url without padding; returns malloc'd NUL-terminated strings (NULL on failure). */
char *crypto_b64url_encode(const void *data, size_t len);
uint8_t *crypto_b64url_decode(const char *s, size_t slen, size_t *outlen);
/* Text cjose may be given to decode as base64url: the URL alphabet only (no padding) and no
 * length of 4n+1. cjose asserts, aborting the whole process, on some other texts ("a===",
 * "abcde="): every attacker-supplied JWS or JWK member passes this check first. */
bool crypto_b64url_ok(const char *s, size_t n);
/* A compact JWS's shape: three parts separated by dots, each crypto_b64url_ok. */
bool crypto_compact_jws_ok(const char *token);
/* Standard base64 (for Basic auth). */
uint8_t *crypto_b64_decode(const char *s, size_t slen, size_t *outlen);
void crypto_hex(const uint8_t *in, size_t len, char *out);
int crypto_unhex(const char *hex, uint8_t *out, size_t outcap, size_t *outlen);

#endif

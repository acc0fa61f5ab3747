/* SPDX-License-Identifier: BSD-2-Clause */
/* crypto: thin wrappers over OpenSSL and cjose so callers never touch raw APIs. */
#include "core/crypto.h"
#include "core/config.h"

#include <cjose/base64.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int crypto_random(void *buf, size_t len)
{
	return RAND_bytes(buf, (int)len) == 1 ? 0 : -1;
}

void crypto_hex(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

int crypto_unhex(const char *hex, uint8_t *out, size_t outcap, size_t *outlen)
{
	size_t n = strlen(hex);
	if (n % 2 || n / 2 > outcap)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*outlen = n / 2;
	return 0;
}

int crypto_random_hex(char *out, size_t nbytes)
{
	uint8_t buf[128];
	if (nbytes > sizeof buf || crypto_random(buf, nbytes) < 0)
		return -1;
	crypto_hex(buf, nbytes, out);
	OPENSSL_cleanse(buf, nbytes);
	return 0;
}

/* Stamps the version and the RFC 9562 variant into 16 bytes and writes them as 8-4-4-4-12. */
static void uuid_format(uint8_t b[16], unsigned version, char out[UUID_LEN + 1])
{
	b[6] = (uint8_t)((b[6] & 0x0f) | (version << 4));
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	char h[33];
	crypto_hex(b, 16, h);
	memcpy(out, h, 8);
	out[8] = '-';
	memcpy(out + 9, h + 8, 4);
	out[13] = '-';
	memcpy(out + 14, h + 12, 4);
	out[18] = '-';
	memcpy(out + 19, h + 16, 4);
	out[23] = '-';
	memcpy(out + 24, h + 20, 12);
	out[36] = '\0';
}

int crypto_uuid_v4(char out[UUID_LEN + 1])
{
	uint8_t b[16];
	if (crypto_random(b, sizeof b) < 0)
		return -1;
	uuid_format(b, 4, out);
	return 0;
}

int crypto_uuid_v7(char out[UUID_LEN + 1])
{
	uint8_t b[16];
	if (crypto_random(b, sizeof b) < 0)
		return -1;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	for (int i = 0; i < 6; i++)
		b[i] = (uint8_t)(ms >> (40 - 8 * i));
	uuid_format(b, 7, out);
	return 0;
}

bool crypto_is_uuid(const char *s)
{
	if (!s || strlen(s) != UUID_LEN)
		return false;
	for (int i = 0; i < UUID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : hexval(s[i]) < 0)
			return false;
	}
	return true;
}

bool crypto_is_hex(const char *s, size_t len)
{
	if (!s || strlen(s) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (hexval(s[i]) < 0)
			return false;
	return true;
}

void crypto_sha256(const void *data, size_t len, uint8_t out[SHA256_LEN])
{
	EVP_Digest(data, len, out, NULL, EVP_sha256(), NULL);
}

void crypto_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len, uint8_t out[SHA256_LEN])
{
	unsigned int n = SHA256_LEN;
	HMAC(EVP_sha256(), key, (int)keylen, data, len, out, &n);
}

/* HMAC-SHA256 under hash_key with the key's inner and outer SHA-256 states computed once:
 * each keyed hash then costs two context copies and two short digests (the one-shot HMAC()
 * of OpenSSL 3 fetches the algorithm and sets the key up every call, about 10 µs here). The
 * states are keyed on the hex text itself, compared on every call: a new value, even at a
 * freed string's address, is set up again. */
static struct {
	char hex[257];
	EVP_MD_CTX *inner, *outer, *work;
} hk;

static int keyed_setup(void)
{
	if (!cfg.hash_key || strlen(cfg.hash_key) >= sizeof hk.hex)
		return -1;
	if (hk.inner && !strcmp(hk.hex, cfg.hash_key))
		return 0;
	uint8_t key[128], block[64], pad[64];
	size_t keylen = 0;
	int rc = -1;
	hk.hex[0] = '\0';
	if (!hk.inner && (!(hk.inner = EVP_MD_CTX_new()) || !(hk.outer = EVP_MD_CTX_new()) || !(hk.work = EVP_MD_CTX_new())))
		goto out;
	if (crypto_unhex(cfg.hash_key, key, sizeof key, &keylen) < 0 || keylen < 32)
		goto out;
	memset(block, 0, sizeof block);
	if (keylen > sizeof block)
		crypto_sha256(key, keylen, block);
	else
		memcpy(block, key, keylen);
	for (int i = 0; i < 64; i++)
		pad[i] = block[i] ^ 0x36;
	if (EVP_DigestInit_ex(hk.inner, EVP_sha256(), NULL) != 1 || EVP_DigestUpdate(hk.inner, pad, 64) != 1)
		goto out;
	for (int i = 0; i < 64; i++)
		pad[i] = block[i] ^ 0x5c;
	if (EVP_DigestInit_ex(hk.outer, EVP_sha256(), NULL) != 1 || EVP_DigestUpdate(hk.outer, pad, 64) != 1)
		goto out;
	snprintf(hk.hex, sizeof hk.hex, "%s", cfg.hash_key);
	rc = 0;
out:
	OPENSSL_cleanse(key, sizeof key);
	OPENSSL_cleanse(block, sizeof block);
	OPENSSL_cleanse(pad, sizeof pad);
	return rc;
}

int crypto_keyed_hash(const char *secret, uint8_t out[SHA256_LEN])
{
	uint8_t inner[SHA256_LEN];
	unsigned n = 0;
	if (keyed_setup() < 0)
		return -1;
	if (EVP_MD_CTX_copy_ex(hk.work, hk.inner) != 1 || EVP_DigestUpdate(hk.work, secret, strlen(secret)) != 1 ||
	    EVP_DigestFinal_ex(hk.work, inner, &n) != 1 || EVP_MD_CTX_copy_ex(hk.work, hk.outer) != 1 ||
	    EVP_DigestUpdate(hk.work, inner, sizeof inner) != 1 || EVP_DigestFinal_ex(hk.work, out, &n) != 1)
		return -1;
	return 0;
}

int crypto_keyed_ref(const char *kind, const char *id, char out[CRYPTO_REF_LEN + 1])
{
	char input[128], hex[2 * SHA256_LEN + 1];
	uint8_t mac[SHA256_LEN];
	snprintf(input, sizeof input, "%s-ref:%s", kind, id ? id : "");
	if (crypto_keyed_hash(input, mac) < 0) {
		snprintf(out, CRYPTO_REF_LEN + 1, "-");
		return -1;
	}
	crypto_hex(mac, SHA256_LEN, hex);
	memcpy(out, hex, CRYPTO_REF_LEN);
	out[CRYPTO_REF_LEN] = '\0';
	return 0;
}

bool crypto_equal(const void *a, size_t alen, const void *b, size_t blen)
{
	return alen == blen && CRYPTO_memcmp(a, b, alen) == 0;
}

bool crypto_streq(const char *a, const char *b)
{
	return a && b && crypto_equal(a, strlen(a), b, strlen(b));
}

char *crypto_b64url_encode(const void *data, size_t len)
{
	char *out = NULL;
	size_t outlen;
	cjose_err err;
	if (!cjose_base64url_encode(data, len, &out, &outlen, &err))
		return NULL;
	return out;
}

static bool b64_alphabet(const char *s, size_t n, bool url)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			  (url ? (c == '-' || c == '_') : (c == '+' || c == '/' || c == '='));
		if (!ok)
			return false;
	}
	return true;
}

bool crypto_b64url_ok(const char *s, size_t n)
{
	return b64_alphabet(s, n, true) && n % 4 != 1;
}

bool crypto_compact_jws_ok(const char *token)
{
	const char *dot1 = token ? strchr(token, '.') : NULL, *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	return dot2 && crypto_b64url_ok(token, (size_t)(dot1 - token)) &&
	       crypto_b64url_ok(dot1 + 1, (size_t)(dot2 - dot1 - 1)) && crypto_b64url_ok(dot2 + 1, strlen(dot2 + 1));
}

uint8_t *crypto_b64url_decode(const char *s, size_t slen, size_t *outlen)
{
	uint8_t *out = NULL;
	cjose_err err;
	if (!crypto_b64url_ok(s, slen))
		return NULL;
	if (!cjose_base64url_decode(s, slen, &out, outlen, &err))
		return NULL;
	return out;
}

/* '=' only as the last one or two characters: cjose asserts (aborting the whole process) on
 * padding anywhere else, and an Authorization header is enough to send it some. */
static bool b64_padding_ok(const char *s, size_t n)
{
	size_t pad = 0;
	while (pad < n && pad < 2 && s[n - 1 - pad] == '=')
		pad++;
	return !memchr(s, '=', n - pad);
}

uint8_t *crypto_b64_decode(const char *s, size_t slen, size_t *outlen)
{
	uint8_t *out = NULL;
	cjose_err err;
	if (!b64_alphabet(s, slen, false) || slen % 4 != 0 || !b64_padding_ok(s, slen))
		return NULL;
	if (!cjose_base64_decode(s, slen, &out, outlen, &err))
		return NULL;
	return out;
}

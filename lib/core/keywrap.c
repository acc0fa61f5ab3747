/* SPDX-License-Identifier: BSD-2-Clause */
/* keywrap: authenticated encryption of key material with OpenSSL EVP. */
#include "core/keywrap.h"
#include "core/config.h"
#include "core/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IV_LEN 12
#define TAG_LEN 16
#define KEK_LEN 32

static bool load_kek(uint8_t kek[KEK_LEN])
{
	size_t n = 0;
	return cfg.key_encryption_key && *cfg.key_encryption_key &&
	       crypto_unhex(cfg.key_encryption_key, kek, KEK_LEN, &n) == 0 && n == KEK_LEN;
}

bool keywrap_enabled(void)
{
	uint8_t kek[KEK_LEN];
	bool ok = load_kek(kek);
	OPENSSL_cleanse(kek, sizeof kek);
	return ok;
}

/* One GCM pass; encrypt or decrypt. Returns the output length or -1. */
static int gcm(bool encrypt, const uint8_t *kek, const uint8_t *iv, const char *aad, const uint8_t *in, int inlen,
	       uint8_t *out, uint8_t *tag)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int len = 0, fin = 0, ok = ctx != NULL;
	ok = ok && EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, kek, iv, encrypt ? 1 : 0);
	ok = ok && EVP_CipherUpdate(ctx, NULL, &len, (const uint8_t *)aad, (int)strlen(aad));
	ok = ok && EVP_CipherUpdate(ctx, out, &len, in, inlen);
	if (ok && !encrypt)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag);
	ok = ok && EVP_CipherFinal_ex(ctx, out + len, &fin);
	if (ok && encrypt)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag);
	EVP_CIPHER_CTX_free(ctx);
	return ok ? len + fin : -1;
}

char *keywrap_seal(const uint8_t key[32], const char *plain, const char *aad)
{
	size_t n = strlen(plain);
	uint8_t *buf = malloc(IV_LEN + n + TAG_LEN);
	char *out = NULL;
	if (buf && crypto_random(buf, IV_LEN) == 0) {
		int len = gcm(true, key, buf, aad, (const uint8_t *)plain, (int)n, buf + IV_LEN, buf + IV_LEN + n);
		if (len == (int)n)
			out = crypto_b64url_encode(buf, IV_LEN + n + TAG_LEN);
	}
	free(buf);
	return out;
}

char *keywrap_open(const uint8_t key[32], const char *sealed, const char *aad)
{
	size_t n = 0;
	uint8_t *raw = crypto_b64url_decode(sealed, strlen(sealed), &n);
	char *out = NULL;
	if (raw && n > IV_LEN + TAG_LEN) {
		size_t clen = n - IV_LEN - TAG_LEN;
		out = malloc(clen + 1);
		int len = out ? gcm(false, key, raw, aad, raw + IV_LEN, (int)clen, (uint8_t *)out, raw + IV_LEN + clen) : -1;
		if (len == (int)clen) {
			out[clen] = '\0';
		} else {
			free(out);
			out = NULL;
		}
	}
	free(raw);
	return out;
}

char *keywrap_wrap(const char *plain, const char *kid)
{
	uint8_t kek[KEK_LEN];
	char *out = load_kek(kek) ? keywrap_seal(kek, plain, kid) : NULL;
	OPENSSL_cleanse(kek, sizeof kek);
	return out;
}

char *keywrap_unwrap(const char *wrapped, const char *kid)
{
	uint8_t kek[KEK_LEN];
	char *out = load_kek(kek) ? keywrap_open(kek, wrapped, kid) : NULL;
	OPENSSL_cleanse(kek, sizeof kek);
	return out;
}

/* The key of the "h1." form: derived from hash_key under a label per kind of secret. */
static bool derived_key(const char *label, uint8_t key[32])
{
	return crypto_keyed_hash(label, key) == 0;
}

char *keywrap_seal_stored(const char *label, const char *plain, const char *aad)
{
	char *sealed = NULL, *out = NULL;
	uint8_t key[32];
	bool kek = keywrap_enabled();
	if (kek)
		sealed = keywrap_wrap(plain, aad);
	else if (derived_key(label, key))
		sealed = keywrap_seal(key, plain, aad);
	OPENSSL_cleanse(key, sizeof key);
	if (sealed) {
		size_t n = strlen(sealed) + 4;
		out = malloc(n);
		if (out)
			snprintf(out, n, "%s.%s", kek ? "k1" : "h1", sealed);
		free(sealed);
	}
	return out;
}

char *keywrap_open_stored(const char *label, const char *stored, const char *aad)
{
	char *plain = NULL;
	uint8_t key[32];
	if (!stored)
		return NULL;
	if (!strncmp(stored, "k1.", 3))
		plain = keywrap_unwrap(stored + 3, aad);
	else if (!strncmp(stored, "h1.", 3) && derived_key(label, key))
		plain = keywrap_open(key, stored + 3, aad);
	OPENSSL_cleanse(key, sizeof key);
	return plain;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* password: hashing and checking with libscrypt. */
#include "core/password.h"
#include "core/config.h"

#include <libscrypt.h>
#include <openssl/crypto.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int password_hash(const char *password, char out[PASSWORD_HASH_LEN])
{
	uint32_t n = (uint32_t)1 << cfg.scrypt_n_log2;
	return libscrypt_hash(out, password, n, (uint8_t)cfg.scrypt_r, (uint8_t)cfg.scrypt_p) > 0 ? 0 : -1;
}

bool password_verify(const char *password, const char *mcf)
{
	char copy[PASSWORD_HASH_LEN];
	if (!mcf || strlen(mcf) >= sizeof copy || strncmp(mcf, "$s1$", 4))
		return false;
	/* libscrypt_check writes into its argument. */
	strcpy(copy, mcf);
	bool ok = libscrypt_check(copy, password) > 0;
	OPENSSL_cleanse(copy, sizeof copy);
	return ok;
}

bool password_needs_rehash(const char *mcf)
{
	char params[16];
	/* MCF: $s1$NNrrpp$salt$hash with NN = log2(N) and r, p as two hex digits each. */
	snprintf(params, sizeof params, "$s1$%02x%02x%02x$", cfg.scrypt_n_log2, cfg.scrypt_r, cfg.scrypt_p);
	return !mcf || strncmp(mcf, params, strlen(params)) != 0;
}

void password_dummy_verify(const char *password)
{
	static char dummy[PASSWORD_HASH_LEN];
	static int made_with = -1;
	if (made_with != cfg.scrypt_n_log2) {
		password_hash("tessera-dummy-password", dummy);
		made_with = cfg.scrypt_n_log2;
	}
	(void)password_verify(password, dummy);
}

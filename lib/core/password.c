/* SPDX-License-Identifier: BSD-2-Clause */
/* password: hashing and checking with libscrypt; bcrypt hashes brought from Medplum are checked
 * with libxcrypt until the next sign-in replaces them (PROTOCOL.md §S.23). */
#include "core/password.h"
#include "core/config.h"

#include <crypt.h>
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

bool password_is_bcrypt(const char *mcf)
{
	static const char alphabet[] = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	if (!mcf || strlen(mcf) != 60 || mcf[0] != '$' || mcf[1] != '2' || !strchr("aby", mcf[2]) || mcf[3] != '$' ||
	    mcf[4] < '0' || mcf[4] > '9' || mcf[5] < '0' || mcf[5] > '9' || mcf[6] != '$')
		return false;
	int cost = (mcf[4] - '0') * 10 + (mcf[5] - '0');
	/* A higher cost would let an imported row make every sign-in of that account take minutes. */
	if (cost < 4 || cost > PASSWORD_BCRYPT_MAX_COST)
		return false;
	return strspn(mcf + 7, alphabet) == 53;
}

/* libxcrypt's crypt_r recomputes the hash with the stored salt and cost; the two strings are
 * compared in constant time. */
static bool bcrypt_verify(const char *password, const char *mcf)
{
	static struct crypt_data data;
	memset(&data, 0, sizeof data);
	const char *out = crypt_r(password, mcf, &data);
	bool ok = out && out[0] == '$' && strlen(out) == 60 && CRYPTO_memcmp(out, mcf, 60) == 0;
	OPENSSL_cleanse(&data, sizeof data);
	return ok;
}

bool password_verify(const char *password, const char *mcf)
{
	char copy[PASSWORD_HASH_LEN];
	if (password_is_bcrypt(mcf))
		return bcrypt_verify(password, mcf);
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
	/* A bcrypt hash (imported) is always replaced by scrypt. MCF: $s1$NNrrpp$salt$hash with NN = log2(N) and r, p as two hex digits each. */
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

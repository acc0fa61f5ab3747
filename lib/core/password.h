/* SPDX-License-Identifier: BSD-2-Clause */
/* password: scrypt (libscrypt) MCF hashes with the configured cost. */
#ifndef TESSERA_PASSWORD_H
#define TESSERA_PASSWORD_H
#include <stdbool.h>
#include <stddef.h>

#define PASSWORD_HASH_LEN 128

/* Imported bcrypt hashes above this cost are refused (a sign-in would take too long). */
#define PASSWORD_BCRYPT_MAX_COST 14

int password_hash(const char *password, char out[PASSWORD_HASH_LEN]);
/* Checks scrypt hashes ($s1$) and the bcrypt hashes ($2a$, $2b$, $2y$) of accounts imported from
 * Medplum (libxcrypt's crypt_r); constant-time comparison either way. */
bool password_verify(const char *password, const char *mcf);
/* A well-formed bcrypt hash of a cost Tessera accepts (4 to PASSWORD_BCRYPT_MAX_COST). */
bool password_is_bcrypt(const char *mcf);
/* True when the hash is not scrypt of the configured cost (rehash on sign-in: bcrypt always). */
bool password_needs_rehash(const char *mcf);
/* Burns the same time as a real check, for unknown users. */
void password_dummy_verify(const char *password);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* password: scrypt (libscrypt) MCF hashes with the configured cost. */
#ifndef TESSERA_PASSWORD_H
#define TESSERA_PASSWORD_H
#include <stdbool.h>
#include <stddef.h>

#define PASSWORD_HASH_LEN 128

int password_hash(const char *password, char out[PASSWORD_HASH_LEN]);
bool password_verify(const char *password, const char *mcf);
/* True when the hash was made with a cost other than the configured one (rehash on sign-in). */
bool password_needs_rehash(const char *mcf);
/* Burns the same time as a real check, for unknown users. */
void password_dummy_verify(const char *password);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* keywrap: AES-256-GCM wrapping of private signing keys under the configured
 * key_encryption_key, so a database dump alone does not leak them. The kid is bound as
 * associated data: a wrapped key cannot be swapped onto another row. */
#ifndef TESSERA_KEYWRAP_H
#define TESSERA_KEYWRAP_H
#include <stdbool.h>
#include <stdint.h>

bool keywrap_enabled(void);
/* Both return malloc'd strings or NULL. Wrapped form: base64url(iv || ciphertext || tag). */
char *keywrap_wrap(const char *plain, const char *kid);
char *keywrap_unwrap(const char *wrapped, const char *kid);
/* The same AES-256-GCM under any 32-byte key, with aad as associated data (csrf.h's show-once
 * cookie). Both return malloc'd strings or NULL (open: also for a wrong key, aad or tampering). */
char *keywrap_seal(const uint8_t key[32], const char *plain, const char *aad);
char *keywrap_open(const uint8_t key[32], const char *sealed, const char *aad);
/* A secret sealed for storage in a row: "k1.<sealed>" under key_encryption_key when it is set,
 * else "h1.<sealed>" under a key derived from hash_key with label (one label per kind of
 * secret: "key:mfa-secret", "key:idp-secret"); aad binds it to its place. Open reads either
 * form, so setting key_encryption_key later keeps older rows readable. malloc'd or NULL. */
char *keywrap_seal_stored(const char *label, const char *plain, const char *aad);
char *keywrap_open_stored(const char *label, const char *stored, const char *aad);

#endif

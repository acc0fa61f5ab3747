/* SPDX-License-Identifier: BSD-2-Clause */
/* keys: the signing keys. Created on first use (ES256 by default, RS256 supported), stored in
 * MariaDB, cached for key_cache_seconds, exported as a JWKS. The newest active key signs;
 * every key not yet expired verifies, so rotation keeps old tokens valid until they expire. */
#ifndef TESSERA_KEYS_H
#define TESSERA_KEYS_H
#include "core/db.h"
#include <cjose/jwk.h>
#include <jansson.h>
#include <stdbool.h>

struct signing_key {
	char kid[37];
	char alg[8];
	bool active;
	cjose_jwk_t *jwk;
};

/* Loads (or refreshes) the cache, creating a key when none is active. 0 on success. */
int keys_load(void);
const struct signing_key *keys_signer(void);
const struct signing_key *keys_find(const char *kid);
/* True when the last keys_find failed because the keys could not be read. */
bool keys_unavailable(void);
/* True when the last key load failed because the active signing key is wrapped and
 * key_encryption_key cannot unwrap it (not set, or a different key): answer 503. */
bool keys_unusable(void);
/* {"keys":[...public parts...]} */
json_t *keys_jwks(void);
/* The same as served (compact JSON), kept until the keys are read again; NULL on failure. */
const char *keys_jwks_text(void);
/* The keys' status for the resource API's JsonWebKey (never the key material): rows kid, alg,
 * active, versionId, lastUpdated, created, retired, expires (instants or NULL), newest first
 * (oldest_first: the other way), those named by ids (comma-separated; NULL: all), from offset,
 * at most limit. keys_status_count: how many the same ids name. 0 or -1. */
int keys_status(const char *ids, unsigned limit, unsigned offset, bool oldest_first, struct db_result *out);
int keys_status_count(const char *ids, long long *count);
/* Makes a new key and stores it active. Used on first use and by `tessera-admin keys rotate`. */
int keys_create(const char *alg, char kid_out[37]);
void keys_reset_cache(void);
/* How many wrapped keys still in use key_encryption_key cannot unwrap (missing or a different
 * key); -1 when the database cannot be asked. */
int keys_check_wrapped(void);
/* tessera-admin keys list: rows kid, alg, active, wrapped, created_at, expires_at ('-' for
 * none), jwk (as stored: wrapped or not) of the keys still in use, newest first. 0 or -1. */
int keys_list_in_use(struct db_result *out);
/* How many keys are in use (signing_only: how many sign); -1 when they cannot be counted. */
long long keys_count(bool signing_only);
/* Rotation's first half, in the caller's transaction: the active key stops signing and keeps
 * verifying for keep seconds. 0 or -1. */
int keys_retire_active(long keep);
/* Wraps every plain key under key_encryption_key (the caller checked it is set): 0 and *wrapped
 * the number done, 1 a key could not be wrapped or written, -1 the keys cannot be read. */
int keys_wrap_plain(unsigned *wrapped);
/* tessera-admin purge: deletes the retired keys whose verification ended more than keep
 * seconds ago (no token they signed is accepted any more; their private halves should not
 * linger). The signing key is never deleted. The number deleted, or -1. */
long long keys_purge_expired(long long keep);

#endif

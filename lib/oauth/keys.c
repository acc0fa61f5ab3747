/* SPDX-License-Identifier: BSD-2-Clause */
/* keys: creation, storage and caching of JWS signing keys. */
#include "oauth/keys.h"
#include "core/keywrap.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/db.h"
#include "core/fhir.h"
#include "core/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_KEYS 16

static struct signing_key keys[MAX_KEYS];
static int nkeys;
static time_t loaded_at;
static json_t *jwks_cache;  /* built once per key load: the JWKS is fetched far more often than keys change */
static char *jwks_text;     /* and its text, as served */
static int unreadable_active;
static bool unusable;         /* the last keys_load failed because the active key cannot be read */ /* active keys the last read could not use (wrapped, no or a wrong key_encryption_key) */

void keys_reset_cache(void)
{
	for (int i = 0; i < nkeys; i++)
		cjose_jwk_release(keys[i].jwk);
	nkeys = 0;
	loaded_at = 0;
	unreadable_active = 0;
	json_decref(jwks_cache);
	jwks_cache = NULL;
	free(jwks_text);
	jwks_text = NULL;
}

static cjose_jwk_t *generate(const char *alg)
{
	cjose_err err;
	if (!strcmp(alg, "RS256")) {
		static const uint8_t e[] = { 1, 0, 1 };
		return cjose_jwk_create_RSA_random(2048, e, sizeof e, &err);
	}
	return cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, &err);
}

int keys_create(const char *alg, char kid[37])
{
	cjose_err err;
	cjose_jwk_t *jwk = generate(alg);
	if (!jwk || crypto_uuid_v4(kid) < 0) {
		cjose_jwk_release(jwk);
		return -1;
	}
	char *json = cjose_jwk_to_json(jwk, true, &err);
	cjose_jwk_release(jwk);
	if (!json)
		return -1;
	bool wrap = keywrap_enabled();
	char *stored = wrap ? keywrap_wrap(json, kid) : json;
	int rc = stored ? db_exec(NULL, "INSERT INTO signing_key (id, alg, jwk, wrapped) VALUES (?, ?, ?, ?)", "sssi", kid,
				  alg, stored, (long long)wrap)
			: -1;
	if (wrap)
		free(stored);
	memset(json, 0, strlen(json));
	free(json);
	return rc;
}

static const char *const select_keys =
	"SELECT id, alg, jwk, active, wrapped FROM signing_key "
	"WHERE active OR expires_at > UTC_TIMESTAMP(3) ORDER BY active DESC, created_at DESC LIMIT 16";

static int read_keys(void)
{
	struct db_result r;
	if (db_query(&r, select_keys, "") < 0)
		return -1;
	keys_reset_cache();
	for (unsigned i = 0; i < r.nrows && nkeys < MAX_KEYS; i++) {
		cjose_err err;
		const char *kid = db_cell(&r, i, 0);
		bool wrapped = !strcmp(db_cell(&r, i, 4), "1");
		char *json = wrapped ? keywrap_unwrap(db_cell(&r, i, 2), kid) : strdup(db_cell(&r, i, 2));
		cjose_jwk_t *jwk = json ? cjose_jwk_import(json, strlen(json), &err) : NULL;
		if (json) {
			memset(json, 0, strlen(json));
			free(json);
		}
		bool active = !strcmp(db_cell(&r, i, 3), "1");
		if (!jwk && !json) {
			log_error("signing key %s is wrapped and key_encryption_key %s", kid,
				  keywrap_enabled() ? "cannot unwrap it (a different key?)" : "is not set");
			unreadable_active += active;
			continue;
		}
		if (!jwk) {
			log_error("signing key %s cannot be read: %s", db_cell(&r, i, 0), err.message);
			unreadable_active += active;
			continue;
		}
		struct signing_key *k = &keys[nkeys++];
		snprintf(k->kid, sizeof k->kid, "%s", db_cell(&r, i, 0));
		snprintf(k->alg, sizeof k->alg, "%s", db_cell(&r, i, 1));
		k->active = active;
		k->jwk = jwk;
	}
	for (size_t i = 0; i < (size_t)r.nrows * r.ncols; i++)
		if (r.cells[i])
			memset(r.cells[i], 0, r.lens[i]);
	db_result_free(&r);
	loaded_at = time(NULL);
	return 0;
}

/* Several processes may start at once on an empty database. A named lock makes one of them
 * on each server create the first key; across the nodes of a Galera cluster (GET_LOCK is
 * local to a node) the one-active-key index decides (sql/028): the loser's insert is a
 * duplicate, and it reads the winner's key. */
static int create_first_key(void)
{
	struct db_result r;
	if (db_query(&r, "SELECT GET_LOCK('tessera_keygen', 10)", "") < 0)
		return -1;
	db_result_free(&r);
	int rc = read_keys();
	if (rc == 0 && unreadable_active && (nkeys == 0 || !keys[0].active)) {
		unusable = true; /* never replace a key we cannot read with a new one */
		rc = -1;
	}
	if (rc == 0 && (nkeys == 0 || !keys[0].active)) {
		char kid[37];
		rc = keys_create(cfg.signing_alg, kid);
		if (rc < 0 && (db_duplicate() || db_deadlock()))
			rc = 0; /* another node made it first */
		if (rc == 0)
			rc = read_keys();
	}
	if (db_query(&r, "SELECT RELEASE_LOCK('tessera_keygen')", "") == 0)
		db_result_free(&r);
	return rc;
}

bool keys_unusable(void)
{
	return unusable;
}

int keys_load(void)
{
	unusable = false;
	if (nkeys && keys[0].active && time(NULL) - loaded_at < cfg.key_cache_seconds)
		return 0;
	if (read_keys() < 0)
		return -1;
	if (nkeys == 0 || !keys[0].active) {
		/* The signing key exists but cannot be read (wrapped, and key_encryption_key missing or
		 * wrong): fail, as when the database is away (503), rather than make a new key that
		 * would invalidate every token and leave two active keys behind. */
		if (unreadable_active) {
			log_error("no usable signing key: set the key_encryption_key that wrapped it");
			unusable = true;
			return -1;
		}
		return create_first_key();
	}
	return 0;
}

int keys_check_wrapped(void)
{
	struct db_result r;
	if (db_query(&r, "SELECT id, jwk FROM signing_key WHERE wrapped AND (active OR expires_at > UTC_TIMESTAMP(3))",
		     "") < 0)
		return -1;
	int bad = 0;
	for (unsigned i = 0; i < r.nrows; i++) {
		char *json = keywrap_unwrap(db_cell(&r, i, 1), db_cell(&r, i, 0));
		if (json) {
			memset(json, 0, strlen(json));
			free(json);
		} else {
			bad++;
		}
	}
	for (size_t i = 0; i < (size_t)r.nrows * r.ncols; i++)
		if (r.cells[i])
			memset(r.cells[i], 0, r.lens[i]);
	db_result_free(&r);
	return bad;
}

int keys_list_in_use(struct db_result *out)
{
	return db_query(out,
			"SELECT id, alg, active, wrapped, created_at, COALESCE(expires_at, '-'), jwk FROM signing_key "
			"WHERE active OR expires_at > UTC_TIMESTAMP(3) ORDER BY created_at DESC",
			"");
}

long long keys_count(bool signing_only)
{
	struct db_result r;
	if (db_query(&r,
		     signing_only ? "SELECT COUNT(*) FROM signing_key WHERE active"
				  : "SELECT COUNT(*) FROM signing_key WHERE active OR expires_at > UTC_TIMESTAMP(3)",
		     "") < 0)
		return -1;
	long long n = r.nrows ? strtoll(db_cell(&r, 0, 0), NULL, 10) : 0;
	db_result_free(&r);
	return n;
}

int keys_retire_active(long keep)
{
	return db_exec(NULL,
		       "UPDATE signing_key SET active = FALSE, retired_at = UTC_TIMESTAMP(3), "
		       "expires_at = UTC_TIMESTAMP(3) + INTERVAL ? SECOND WHERE active",
		       "i", (long long)keep);
}

int keys_wrap_plain(unsigned *wrapped)
{
	struct db_result r;
	*wrapped = 0;
	if (db_query(&r, "SELECT id, jwk FROM signing_key WHERE NOT wrapped", "") < 0)
		return -1;
	int rc = 0;
	for (unsigned i = 0; i < r.nrows && rc == 0; i++) {
		char *sealed = keywrap_wrap(db_cell(&r, i, 1), db_cell(&r, i, 0));
		rc = sealed && db_exec(NULL, "UPDATE signing_key SET jwk = ?, wrapped = TRUE WHERE id = ? AND NOT wrapped", "ss",
				       sealed, db_cell(&r, i, 0)) == 0
			     ? 0
			     : 1;
		free(sealed);
	}
	if (rc == 0)
		*wrapped = r.nrows;
	db_result_free(&r);
	return rc;
}

const struct signing_key *keys_signer(void)
{
	if (keys_load() < 0 || !nkeys || !keys[0].active)
		return NULL;
	return &keys[0];
}

/* Set when the last keys_find could not read the keys (database away): the caller must
 * answer 503, not treat the token as invalid (a 401 makes the SDK drop its session). */
static bool find_failed;

bool keys_unavailable(void)
{
	return find_failed;
}

const struct signing_key *keys_find(const char *kid)
{
	find_failed = false;
	if (keys_load() < 0) {
		find_failed = true;
		return NULL;
	}
	for (int i = 0; i < nkeys; i++)
		if (!strcmp(keys[i].kid, kid))
			return &keys[i];
	/* A key made by another process since we cached: look once more. */
	if (time(NULL) != loaded_at) {
		if (read_keys() < 0) {
			find_failed = true;
			return NULL;
		}
		for (int i = 0; i < nkeys; i++)
			if (!strcmp(keys[i].kid, kid))
				return &keys[i];
	}
	return NULL;
}

#define KEY_STATUS_COLUMNS                                                                                          \
	"SELECT id, alg, active, " FHIR_VERSION_SQL("COALESCE(retired_at, created_at)") ", "                       \
	FHIR_INSTANT_SQL("COALESCE(retired_at, created_at)") ", " FHIR_INSTANT_SQL("created_at") ", "               \
	FHIR_INSTANT_SQL("retired_at") ", " FHIR_INSTANT_SQL("expires_at") " FROM signing_key "                     \
	"WHERE ? IS NULL OR FIND_IN_SET(id, ?) "

int keys_status(const char *ids, unsigned limit, unsigned offset, bool oldest_first, struct db_result *out)
{
	return db_query(out,
			oldest_first ? KEY_STATUS_COLUMNS "ORDER BY created_at, id LIMIT ? OFFSET ?"
				     : KEY_STATUS_COLUMNS "ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
			"ssii", ids, ids, (long long)limit, (long long)offset);
}

int keys_status_count(const char *ids, long long *count)
{
	struct db_result r;
	if (db_query(&r, "SELECT COUNT(*) FROM signing_key WHERE ? IS NULL OR FIND_IN_SET(id, ?)", "ss", ids, ids) < 0)
		return -1;
	*count = db_cell(&r, 0, 0) ? strtoll(db_cell(&r, 0, 0), NULL, 10) : 0;
	db_result_free(&r);
	return 0;
}

long long keys_purge_expired(long long keep)
{
	return db_purge("DELETE FROM signing_key WHERE NOT active AND expires_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND "
			"LIMIT " DB_PURGE_BATCH_TEXT,
			keep);
}

json_t *keys_jwks(void)
{
	if (keys_load() < 0)
		return NULL;
	if (jwks_cache)
		return json_incref(jwks_cache);
	json_t *list = json_array();
	for (int i = 0; i < nkeys; i++) {
		cjose_err err;
		char *pub = cjose_jwk_to_json(keys[i].jwk, false, &err);
		json_t *j = pub ? json_loads(pub, 0, NULL) : NULL;
		free(pub);
		if (!j)
			continue;
		json_object_del(j, "kid");
		json_object_set_new(j, "kid", json_string(keys[i].kid));
		json_object_set_new(j, "alg", json_string(keys[i].alg));
		json_object_set_new(j, "use", json_string("sig"));
		json_array_append_new(list, j);
	}
	jwks_cache = json_pack("{s:o}", "keys", list);
	return json_incref(jwks_cache);
}

const char *keys_jwks_text(void)
{
	json_t *j = keys_jwks();
	if (!j)
		return NULL;
	json_decref(j);
	if (!jwks_text)
		jwks_text = json_dumps(jwks_cache, JSON_COMPACT);
	return jwks_text;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* extauth: external identity provider round trips (see extauth.h). */
#include "domain/extauth.h"
#include "core/crypto.h"
#include "core/db.h"
#include "core/text.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INVALID_STATE "Invalid state"

/* base64url of 32 bytes into out (43 characters), the bytes wiped. 0 or -1. */
static int b64_into(uint8_t bytes[32], char out[EXTAUTH_TEXT_LEN])
{
	char *b = crypto_b64url_encode(bytes, 32);
	OPENSSL_cleanse(bytes, 32);
	if (!b)
		return -1;
	text_copy(out, EXTAUTH_TEXT_LEN, b);
	free(b);
	return 0;
}

/* base64url(HMAC(hash_key, "<label>:<id>")) into out (43 characters). 0 or -1. */
static int derive(const char *label, const char *id, char out[EXTAUTH_TEXT_LEN])
{
	char input[80];
	uint8_t mac[SHA256_LEN];
	snprintf(input, sizeof input, "%s:%s", label, id);
	return crypto_keyed_hash(input, mac) < 0 ? -1 : b64_into(mac, out);
}

static int browser_hash(const char *secret, uint8_t out[SHA256_LEN])
{
	char input[EXTAUTH_TEXT_LEN + 16];
	snprintf(input, sizeof input, "ext-browser:%s", secret);
	return crypto_keyed_hash(input, out);
}

int extauth_start(const char *client_id, const char *domain, json_t *request, char state[EXTAUTH_TEXT_LEN],
		  char browser_secret[EXTAUTH_TEXT_LEN])
{
	char id[37], mac[EXTAUTH_TEXT_LEN];
	uint8_t random[32], hash[SHA256_LEN];
	if (crypto_uuid_v4(id) < 0 || crypto_random(random, sizeof random) < 0 || b64_into(random, browser_secret) < 0)
		return -1;
	char *text = json_dumps(request, JSON_COMPACT);
	int rc = text && browser_hash(browser_secret, hash) == 0 && derive("ext-state", id, mac) == 0 ? 0 : -1;
	/* Spent and abandoned trips go as new ones come (a few at a time, oldest first). */
	if (rc == 0)
		rc = db_exec(NULL, "DELETE FROM external_auth WHERE created_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND "
				   "ORDER BY created_at LIMIT 20", "i", (long long)EXTAUTH_KEEP_SECONDS);
	if (rc == 0)
		rc = db_exec(NULL, "INSERT INTO external_auth (id, browser_hash, client_id, domain, request) VALUES (?, ?, ?, ?, ?)",
			     "sbsss", id, hash, (size_t)sizeof hash, client_id && *client_id ? client_id : NULL,
			     domain && *domain ? domain : NULL, text);
	free(text);
	if (rc == 0)
		snprintf(state, EXTAUTH_TEXT_LEN, "%s.%s", id, mac);
	return rc;
}

long long extauth_purge(void)
{
	return db_purge("DELETE FROM external_auth WHERE created_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND "
			"LIMIT " DB_PURGE_BATCH_TEXT,
			EXTAUTH_KEEP_SECONDS);
}

int extauth_secrets(const char *trip_id, char verifier[EXTAUTH_TEXT_LEN], char challenge[EXTAUTH_TEXT_LEN],
		    char nonce[EXTAUTH_TEXT_LEN])
{
	if (derive("ext-pkce", trip_id, verifier) < 0 || derive("ext-nonce", trip_id, nonce) < 0)
		return -1;
	uint8_t digest[SHA256_LEN];
	crypto_sha256(verifier, strlen(verifier), digest);
	return b64_into(digest, challenge);
}

/* "<uuid>.<43 characters>" with the right MAC: the trip id into id. */
static bool state_ok(const char *state, char id[37])
{
	char mac[EXTAUTH_TEXT_LEN];
	if (!state || strlen(state) != 36 + 1 + 43 || state[36] != '.')
		return false;
	memcpy(id, state, 36);
	id[36] = '\0';
	if (!crypto_is_uuid(id) || derive("ext-state", id, mac) < 0)
		return false;
	return crypto_streq(mac, state + 37);
}

int extauth_finish(const char *state, const char *browser_secret, struct extauth *out, struct refusal *err)
{
	memset(out, 0, sizeof *out);
	uint8_t hash[SHA256_LEN];
	if (!state_ok(state, out->id) || !browser_secret || strlen(browser_secret) >= EXTAUTH_TEXT_LEN)
		return refuse(err, 400, INVALID_STATE, "state");
	if (browser_hash(browser_secret, hash) < 0)
		return -1;
	struct db_result r;
	if (db_query(&r, "SELECT browser_hash, client_id, domain, request FROM external_auth WHERE id = ? AND used_at IS NULL "
			 "AND created_at > UTC_TIMESTAMP(3) - INTERVAL 600 SECOND",
		     "s", out->id) < 0)
		return -1;
	bool mine = r.nrows && crypto_equal(db_cell(&r, 0, 0), db_len(&r, 0, 0), hash, sizeof hash);
	if (mine) {
		text_copy(out->client_id, sizeof out->client_id, db_cell(&r, 0, 1));
		text_copy(out->domain, sizeof out->domain, db_cell(&r, 0, 2));
		out->request = db_cell(&r, 0, 3) ? json_loads(db_cell(&r, 0, 3), 0, NULL) : NULL;
	}
	db_result_free(&r);
	/* Another browser's state (login CSRF) is refused without spending the trip. */
	if (!mine || !json_is_object(out->request)) {
		extauth_free(out);
		return refuse(err, 400, INVALID_STATE, "state");
	}
	unsigned long long n = 0;
	if (db_exec(&n, "UPDATE external_auth SET used_at = UTC_TIMESTAMP(3) WHERE id = ? AND used_at IS NULL", "s",
		    out->id) < 0) {
		extauth_free(out);
		return -1;
	}
	if (n != 1) {
		extauth_free(out);
		return refuse(err, 400, INVALID_STATE, "state");
	}
	return 0;
}

void extauth_free(struct extauth *t)
{
	json_decref(t->request);
	t->request = NULL;
}

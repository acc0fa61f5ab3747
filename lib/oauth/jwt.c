/* SPDX-License-Identifier: BSD-2-Clause */
/* jwt: signing and verification through cjose. */
#include "oauth/jwt.h"
#include "core/config.h"
#include "core/crypto.h"
#include "oauth/keys.h"

#include <cjose/header.h>
#include <cjose/jws.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TOKEN 8192

char *jwt_sign(json_t *claims, long lifetime, time_t now)
{
	const struct signing_key *key = keys_signer();
	if (!key)
		return NULL;
	json_object_set_new(claims, "iat", json_integer(now));
	json_object_set_new(claims, "nbf", json_integer(now));
	json_object_set_new(claims, "iss", json_string(cfg.issuer));
	json_object_set_new(claims, "exp", json_integer(now + lifetime));
	char *payload = json_dumps(claims, JSON_COMPACT);
	if (!payload)
		return NULL;
	cjose_err err;
	cjose_header_t *hdr = cjose_header_new(&err);
	char *out = NULL;
	if (hdr && cjose_header_set(hdr, CJOSE_HDR_ALG, key->alg, &err) &&
	    cjose_header_set(hdr, CJOSE_HDR_KID, key->kid, &err) && cjose_header_set(hdr, "typ", "JWT", &err)) {
		cjose_jws_t *jws = cjose_jws_sign(key->jwk, hdr, (const uint8_t *)payload, strlen(payload), &err);
		const char *ser = NULL;
		if (jws && cjose_jws_export(jws, &ser, &err))
			out = strdup(ser);
		cjose_jws_release(jws);
	}
	cjose_header_release(hdr);
	free(payload);
	return out;
}

json_t *jwt_peek(const char *token)
{
	const char *dot1 = strchr(token, '.');
	const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	if (!dot2 || strchr(dot2 + 1, '.') || strlen(token) > MAX_TOKEN)
		return NULL;
	size_t len;
	uint8_t *raw = crypto_b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), &len);
	if (!raw)
		return NULL;
	json_t *j = json_loadb((const char *)raw, len, JSON_REJECT_DUPLICATES, NULL);
	free(raw);
	if (j && !json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static json_t *fail(const char **why, const char *reason, json_t *claims)
{
	if (why)
		*why = reason;
	json_decref(claims);
	return NULL;
}

/* The signature checks of the tokens verified last: API clients present the same access token
 * on every call, and verifying ES256 costs more than the rest of a request's own work. Keyed by
 * the SHA-256 of the whole token, signature included, so only byte-identical tokens hit; the
 * key must still be known, and the claims' times are checked on every use. */
enum { VERIFIED_SLOTS = 128 };
static struct verified {
	uint8_t digest[SHA256_LEN];
	char kid[64];
	json_t *claims;
} verified[VERIFIED_SLOTS];

static struct verified *verified_slot(const uint8_t digest[SHA256_LEN])
{
	return &verified[(digest[0] | digest[1] << 8) % VERIFIED_SLOTS];
}

static json_t *verified_get(const uint8_t digest[SHA256_LEN])
{
	struct verified *v = verified_slot(digest);
	if (!v->claims || !crypto_equal(v->digest, SHA256_LEN, digest, SHA256_LEN) || !keys_find(v->kid))
		return NULL;
	return json_incref(v->claims);
}

static void verified_put(const uint8_t digest[SHA256_LEN], const char *kid, json_t *claims)
{
	struct verified *v = verified_slot(digest);
	if (strlen(kid) >= sizeof v->kid)
		return;
	json_decref(v->claims);
	memcpy(v->digest, digest, SHA256_LEN);
	strcpy(v->kid, kid);
	v->claims = json_incref(claims);
}

static json_t *verify_signature(const char *token, const uint8_t digest[SHA256_LEN], const char **why)
{
	cjose_err err;
	cjose_jws_t *jws = cjose_jws_import(token, strlen(token), &err);
	if (!jws)
		return fail(why, "malformed", NULL);
	cjose_header_t *hdr = cjose_jws_get_protected(jws);
	const char *alg = cjose_header_get(hdr, CJOSE_HDR_ALG, &err);
	const char *kid = cjose_header_get(hdr, CJOSE_HDR_KID, &err);
	const struct signing_key *key = NULL;
	json_t *claims = NULL;
	uint8_t *plain = NULL;
	size_t plain_len = 0;
	const char *reason = NULL;
	/* The algorithm is judged before any key lookup, so forged headers cost no query. */
	if (!alg || (strcmp(alg, "ES256") && strcmp(alg, "RS256")))
		reason = "algorithm not allowed";
	else if (!kid || !(key = keys_find(kid)))
		reason = kid && keys_unavailable() ? JWT_KEYS_UNAVAILABLE : "unknown key";
	else if (strcmp(alg, key->alg))
		reason = "algorithm does not match key";
	else if (!cjose_jws_verify(jws, key->jwk, &err))
		reason = "bad signature";
	else if (!cjose_jws_get_plaintext(jws, &plain, &plain_len, &err))
		reason = "malformed";
	else if (!(claims = json_loadb((const char *)plain, plain_len, JSON_REJECT_DUPLICATES, NULL)) ||
		 !json_is_object(claims))
		reason = "malformed claims";
	else
		verified_put(digest, kid, claims);
	cjose_jws_release(jws);
	return reason ? fail(why, reason, claims) : claims;
}

json_t *jwt_verify(const char *token, const char **why)
{
	if (!token || strlen(token) > MAX_TOKEN || !crypto_compact_jws_ok(token))
		return fail(why, "malformed", NULL);
	uint8_t digest[SHA256_LEN];
	crypto_sha256(token, strlen(token), digest);
	json_t *claims = verified_get(digest);
	if (!claims && !(claims = verify_signature(token, digest, why)))
		return NULL;
	time_t now = time(NULL);
	json_t *iss = json_object_get(claims, "iss"), *exp = json_object_get(claims, "exp"),
	       *nbf = json_object_get(claims, "nbf");
	if (!json_is_string(iss) || strcmp(json_string_value(iss), cfg.issuer))
		return fail(why, "wrong issuer", claims);
	if (!json_is_integer(exp) || json_integer_value(exp) <= now)
		return fail(why, JWT_EXPIRED, claims);
	if (nbf && (!json_is_integer(nbf) || json_integer_value(nbf) > now))
		return fail(why, "not yet valid", claims);
	return claims;
}

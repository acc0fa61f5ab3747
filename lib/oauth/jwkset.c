/* SPDX-License-Identifier: BSD-2-Clause */
/* jwkset: a compact JWS verified with a key of a JWK Set someone else published (RFC 7517).
 * The algorithm is the caller's allow-list's, never the token's choice: a header alg outside it
 * (none, HS256 with a public key as the secret) fails before any key is touched, and a key is
 * tried only when its type and curve fit that algorithm and its own alg and use (when stated)
 * agree. */
#include "oauth/jwkset.h"
#include "core/crypto.h"

#include <cjose/header.h>
#include <cjose/jwk.h>
#include <cjose/jws.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KEYS 16
#define MIN_RSA_BYTES 256 /* 2048-bit moduli at least */

static bool listed(const char *alg, const char *const *algs)
{
	for (; alg && *algs; algs++)
		if (!strcmp(alg, *algs))
			return true;
	return false;
}

static bool member_is(json_t *key, const char *name, const char *value)
{
	const char *v = json_string_value(json_object_get(key, name));
	return v && !strcmp(v, value);
}

static bool rsa_strong(json_t *key)
{
	const char *n = json_string_value(json_object_get(key, "n"));
	size_t len = 0;
	uint8_t *raw = n ? crypto_b64url_decode(n, strlen(n), &len) : NULL;
	free(raw);
	return raw && len >= MIN_RSA_BYTES;
}

/* The key may verify alg: its kty (and crv) fit, its alg and use agree when present. */
static bool key_fits(json_t *key, const char *alg)
{
	if (!json_is_object(key))
		return false;
	json_t *kalg = json_object_get(key, "alg"), *use = json_object_get(key, "use");
	if ((kalg && !member_is(key, "alg", alg)) || (use && !member_is(key, "use", "sig")))
		return false;
	if (!strcmp(alg, "ES256"))
		return member_is(key, "kty", "EC") && member_is(key, "crv", "P-256");
	if (!strcmp(alg, "ES384"))
		return member_is(key, "kty", "EC") && member_is(key, "crv", "P-384");
	if (!strncmp(alg, "RS", 2) || !strncmp(alg, "PS", 2))
		return member_is(key, "kty", "RSA") && rsa_strong(key);
	return false;
}

/* The public half only: a JWK Set that carries private members is still used for verifying. */
static bool verifies_with(cjose_jws_t *jws, json_t *key)
{
	json_t *pub = json_deep_copy(key);
	const char *const private_members[] = { "d", "p", "q", "dp", "dq", "qi", "oth", "k" };
	for (size_t i = 0; pub && i < sizeof private_members / sizeof *private_members; i++)
		json_object_del(pub, private_members[i]);
	cjose_err err;
	cjose_jwk_t *jwk = pub ? cjose_jwk_import_json((cjose_header_t *)pub, &err) : NULL;
	bool ok = jwk && cjose_jws_verify(jws, jwk, &err);
	cjose_jwk_release(jwk);
	json_decref(pub);
	return ok;
}

static json_t *payload_of(cjose_jws_t *jws)
{
	uint8_t *plain = NULL;
	size_t len = 0;
	cjose_err err;
	if (!cjose_jws_get_plaintext(jws, &plain, &len, &err))
		return NULL;
	json_t *claims = json_loadb((const char *)plain, len, JSON_REJECT_DUPLICATES, NULL);
	if (claims && !json_is_object(claims)) {
		json_decref(claims);
		claims = NULL;
	}
	return claims;
}

int jwkset_verify(json_t *jwks, const char *compact, const char *const *algs, json_t **payload)
{
	*payload = NULL;
	json_t *keys = json_object_get(jwks, "keys");
	if (!json_is_array(keys) || !compact)
		return 1;
	cjose_err err;
	cjose_jws_t *jws = cjose_jws_import(compact, strlen(compact), &err);
	if (!jws)
		return 1;
	cjose_header_t *hdr = cjose_jws_get_protected(jws);
	const char *alg = cjose_header_get(hdr, CJOSE_HDR_ALG, &err);
	const char *kid = cjose_header_get(hdr, CJOSE_HDR_KID, &err);
	bool ok = false;
	size_t i;
	json_t *key;
	if (listed(alg, algs))
		json_array_foreach(keys, i, key) {
			if (i >= MAX_KEYS || ok)
				break;
			/* With a kid, only that key; without one, every key that fits. */
			if ((!kid || member_is(key, "kid", kid)) && key_fits(key, alg))
				ok = verifies_with(jws, key);
		}
	if (ok)
		*payload = payload_of(jws);
	cjose_jws_release(jws);
	return *payload ? 0 : 1;
}

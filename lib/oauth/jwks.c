/* SPDX-License-Identifier: BSD-2-Clause */
/* jwks: another party's signatures, verified against its key set (see jwks.h). */
#include "oauth/jwks.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/fetch.h"

#include <cjose/cjose.h>
#include <openssl/bn.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

const char *const jwks_default_algs[] = { "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
					  "ES256", "ES384", "ES512", NULL };

/* A token longer than this is no id_token or assertion anyone sends. */
#define MAX_JWS 16384
#define CACHE_SLOTS 16

struct cached_set {
	char *uri;
	json_t *set;
	time_t fetched;
};

static struct cached_set cache[CACHE_SLOTS];

void jwks_reset_cache(void)
{
	for (int i = 0; i < CACHE_SLOTS; i++) {
		free(cache[i].uri);
		json_decref(cache[i].set);
		memset(&cache[i], 0, sizeof cache[i]);
	}
}

static struct cached_set *slot_for(const char *uri)
{
	struct cached_set *oldest = &cache[0];
	for (int i = 0; i < CACHE_SLOTS; i++) {
		if (cache[i].uri && strcmp(cache[i].uri, uri) == 0)
			return &cache[i];
		if (!cache[i].uri || (oldest->uri && cache[i].fetched < oldest->fetched))
			oldest = &cache[i];
	}
	free(oldest->uri);
	json_decref(oldest->set);
	memset(oldest, 0, sizeof *oldest);
	return oldest;
}

static bool is_key_set(const json_t *set)
{
	return json_is_object(set) && json_is_array(json_object_get(set, "keys"));
}

/* Fetches the set at uri into its slot. 0, or 1/-1 as fetch does (502 for a reply that is no JWKS). */
static int fetch_set(const char *uri, struct cached_set *slot, struct refusal *err)
{
	json_t *set;
	int rc = fetch_get_json(uri, NULL, &set, NULL, err);
	if (rc != 0)
		return rc;
	if (!is_key_set(set)) {
		json_decref(set);
		return refuse(err, 502, JWKS_BAD_SET, NULL);
	}
	if (!slot->uri && !(slot->uri = strdup(uri))) {
		json_decref(set);
		return -1;
	}
	json_decref(slot->set);
	slot->set = set;
	slot->fetched = time(NULL);
	return 0;
}

/* The cached set of uri, fetched when missing or older than jwks_cache_seconds. */
static int cached_set(const char *uri, struct cached_set **out, struct refusal *err)
{
	struct cached_set *slot = slot_for(uri);
	*out = slot;
	if (slot->set && time(NULL) - slot->fetched < cfg.jwks_cache_seconds)
		return 0;
	return fetch_set(uri, slot, err);
}

static bool alg_allowed(const char *alg, const char *const *algs)
{
	if (!alg)
		return false;
	for (const char *const *a = algs; *a; a++)
		if (strcmp(*a, alg) == 0)
			return true;
	return false;
}

/* The key type an algorithm needs: an RSA key for RS and PS, an EC key for ES. */
static const char *kty_for(const char *alg)
{
	if (alg[0] == 'R' || alg[0] == 'P')
		return "RSA";
	if (alg[0] == 'E')
		return "EC";
	return NULL;
}

static bool key_fits(json_t *key, const char *alg, const char *kid)
{
	const char *kty = json_string_value(json_object_get(key, "kty"));
	const char *use = json_string_value(json_object_get(key, "use"));
	const char *kalg = json_string_value(json_object_get(key, "alg"));
	const char *kkid = json_string_value(json_object_get(key, "kid"));
	const char *want = kty_for(alg);
	if (!kty || !want || strcmp(kty, want))
		return false;
	if ((use && strcmp(use, "sig")) || (kalg && strcmp(kalg, alg)))
		return false;
	return !kid || (kkid && strcmp(kkid, kid) == 0);
}

/* A JWK's base64url integer member ("n", "e") as a number; NULL when it has none. */
static BIGNUM *jwk_number(json_t *key, const char *member)
{
	const char *text = json_string_value(json_object_get(key, member));
	size_t len = 0;
	uint8_t *raw = text ? crypto_b64url_decode(text, strlen(text), &len) : NULL;
	if (!raw)
		return NULL;
	BIGNUM *bn = BN_bin2bn(raw, (int)len, NULL);
	free(raw);
	return bn;
}

/* cjose decodes these members of a JWK when it reads one; each must be text it can be given
 * (crypto_b64url_ok: on some others it asserts and the process aborts, found by
 * tests/fuzz/fuzz_jwks). */
static bool members_decodable(json_t *key)
{
	static const char *const members[] = { "x", "y", "n", "e", "d", "p", "q", "dp", "dq", "qi", "k", NULL };
	for (const char *const *m = members; *m; m++) {
		const char *text = json_string_value(json_object_get(key, *m));
		if (text && !crypto_b64url_ok(text, strlen(text)))
			return false;
	}
	return true;
}

/* The key as cjose reads it, or NULL (members it could not be given, or a key it refuses). */
static cjose_jwk_t *jwk_import(json_t *key)
{
	if (!members_decodable(key))
		return NULL;
	char *text = json_dumps(key, JSON_COMPACT);
	cjose_err cerr;
	cjose_jwk_t *jwk = text ? cjose_jwk_import(text, strlen(text), &cerr) : NULL;
	free(text);
	return jwk;
}

/* An RSA key's modulus of at least 2048 bits, counted from "n" itself (exact, where cjose's
 * keysize rounds to bytes), and a public exponent that is odd and at least 3 (with e = 1 every
 * value is its own signature). */
static bool rsa_strong(json_t *key)
{
	BIGNUM *n = jwk_number(key, "n"), *e = jwk_number(key, "e");
	bool ok = n && e && BN_num_bits(n) >= 2048 && BN_is_odd(e) && !BN_is_one(e);
	BN_free(n);
	BN_free(e);
	return ok;
}

/* The curve an ES algorithm signs on (RFC 7518 §3.4); NULL for any other algorithm. */
static const char *curve_for(const char *alg)
{
	return !strcmp(alg, "ES256") ? "P-256" : !strcmp(alg, "ES384") ? "P-384" : !strcmp(alg, "ES512") ? "P-521" : NULL;
}

/* PROTOCOL.md §7.2.5: a key strong enough for its algorithm. RSA under 2048 bits is refused
 * (RFC 7518 §3.3, §3.5); an EC key must be on the algorithm's own curve (RFC 7518 §3.4), else a
 * P-384 key would verify ES256 signatures with half its strength, or the hash would not match.
 * The one rule for keys verified (jwks_verify) and keys stored (jwks_key_unfit). */
static bool key_strong(json_t *key, const char *alg)
{
	if (kty_for(alg)[0] == 'R')
		return rsa_strong(key);
	const char *crv = json_string_value(json_object_get(key, "crv"));
	const char *want = curve_for(alg);
	return crv && want && !strcmp(crv, want);
}

/* The members of a private or symmetric JWK (RFC 7518 §6.2.2, §6.3.2, §6.4.1). */
static bool has_private_member(json_t *key)
{
	static const char *const members[] = { "d", "p", "q", "dp", "dq", "qi", "oth", "k", NULL };
	for (const char *const *m = members; *m; m++)
		if (json_object_get(key, *m))
			return true;
	return false;
}

static bool optional_string(json_t *key, const char *member)
{
	json_t *v = json_object_get(key, member);
	return !v || json_is_string(v);
}

/* The key as cjose reads it: its members decode and, for EC, the point is on its curve. */
static bool key_imports(json_t *key)
{
	cjose_jwk_t *jwk = jwk_import(key);
	cjose_jwk_release(jwk);
	return jwk != NULL;
}

const char *jwks_key_unfit(json_t *key)
{
	if (!json_is_object(key))
		return JWKS_UNFIT_MALFORMED;
	if (has_private_member(key))
		return JWKS_UNFIT_PRIVATE;
	const char *kty = json_string_value(json_object_get(key, "kty"));
	const char *alg = json_string_value(json_object_get(key, "alg"));
	if (!kty || (strcmp(kty, "EC") && strcmp(kty, "RSA")) || !optional_string(key, "alg") ||
	    !optional_string(key, "use") || !optional_string(key, "kid"))
		return JWKS_UNFIT_MALFORMED;
	/* A label names a signature algorithm of the key's own type, or the key could never be used. */
	if (alg && (!alg_allowed(alg, jwks_default_algs) || strcmp(kty_for(alg), kty)))
		return JWKS_UNFIT_MALFORMED;
	if (!key_imports(key))
		return JWKS_UNFIT_MALFORMED;
	/* Unlabelled, an RSA key is judged by its size; an EC key fits its own curve's algorithm
	 * (cjose reads only P-256, P-384 and P-521). */
	if (!alg)
		return kty[0] == 'E' || rsa_strong(key) ? NULL : JWKS_UNFIT_WEAK;
	return key_strong(key, alg) ? NULL : JWKS_UNFIT_WEAK;
}

/* 1: some key of the set with this kid (or any, without a kid) fits and verifies; 0: a key
 * fits but none verifies; -2: only keys too weak for the algorithm fit; -1: no key fits (an
 * unknown kid: worth fetching the set again). */
static int verify_with_set(cjose_jws_t *jws, json_t *set, const char *alg, const char *kid)
{
	bool fitted = false, weak = false;
	size_t i;
	json_t *key;
	json_array_foreach(json_object_get(set, "keys"), i, key) {
		if (!json_is_object(key) || !key_fits(key, alg, kid))
			continue;
		if (!key_strong(key, alg)) {
			weak = true;
			continue;
		}
		cjose_jwk_t *jwk = jwk_import(key);
		if (!jwk)
			continue;
		fitted = true;
		cjose_err cerr;
		bool good = cjose_jws_verify(jws, jwk, &cerr);
		cjose_jwk_release(jwk);
		if (good)
			return 1;
	}
	return fitted ? 0 : weak ? -2 : -1;
}

static const char *set_refusal(int v)
{
	return v == 0 ? JWKS_BAD_SIGNATURE : v == -2 ? JWKS_WEAK_KEY : JWKS_NO_KEY;
}

static int payload_of(cjose_jws_t *jws, json_t **payload, struct refusal *err)
{
	uint8_t *plain = NULL;
	size_t len = 0;
	cjose_err cerr;
	if (!cjose_jws_get_plaintext(jws, &plain, &len, &cerr))
		return refuse(err, 400, JWKS_MALFORMED, NULL);
	json_t *claims = json_loadb((const char *)plain, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(claims)) {
		json_decref(claims);
		return refuse(err, 400, JWKS_MALFORMED, NULL);
	}
	*payload = claims;
	return 0;
}

/* The signature check against the inline set or the URL's, with one refetch for an unknown kid. */
static int check_signature(cjose_jws_t *jws, const char *alg, const char *kid, const char *jwks_uri,
			   json_t *inline_jwks, struct refusal *err)
{
	if (inline_jwks) {
		if (!is_key_set(inline_jwks))
			return refuse(err, 400, JWKS_BAD_SET, NULL);
		int v = verify_with_set(jws, inline_jwks, alg, kid);
		return v == 1 ? 0 : refuse(err, 400, set_refusal(v), NULL);
	}
	if (!jwks_uri || !*jwks_uri)
		return refuse(err, 400, JWKS_NO_KEY, NULL);
	struct cached_set *slot;
	int rc = cached_set(jwks_uri, &slot, err);
	if (rc != 0)
		return rc;
	int v = verify_with_set(jws, slot->set, alg, kid);
	if (v != 1 && time(NULL) - slot->fetched >= JWKS_REFETCH_SECONDS) {
		/* The party may have rotated its keys since the set was cached (a new kid, or a kid
		 * reused for a new key). */
		if ((rc = fetch_set(jwks_uri, slot, err)) != 0)
			return rc;
		v = verify_with_set(jws, slot->set, alg, kid);
	}
	return v == 1 ? 0 : refuse(err, 400, set_refusal(v), NULL);
}

int jwks_verify(const char *jwks_uri, json_t *inline_jwks, const char *compact_jws, const char *const *algs,
		json_t **payload, struct refusal *err)
{
	*payload = NULL;
	/* The shape first: cjose aborts the process on some texts (crypto_compact_jws_ok). */
	if (!compact_jws || strlen(compact_jws) > MAX_JWS || !crypto_compact_jws_ok(compact_jws))
		return refuse(err, 400, JWKS_MALFORMED, NULL);
	cjose_err cerr;
	cjose_jws_t *jws = cjose_jws_import(compact_jws, strlen(compact_jws), &cerr);
	if (!jws)
		return refuse(err, 400, JWKS_MALFORMED, NULL);
	cjose_header_t *hdr = cjose_jws_get_protected(jws);
	const char *alg = cjose_header_get(hdr, CJOSE_HDR_ALG, &cerr);
	const char *kid = cjose_header_get(hdr, CJOSE_HDR_KID, &cerr);
	int rc;
	/* The algorithm is judged first: "none" and HMAC never reach a key. */
	if (!alg_allowed(alg, algs ? algs : jwks_default_algs) || !kty_for(alg))
		rc = refuse(err, 400, JWKS_ALG_REFUSED, NULL);
	else if ((rc = check_signature(jws, alg, kid, jwks_uri, inline_jwks, err)) == 0)
		rc = payload_of(jws, payload, err);
	cjose_jws_release(jws);
	return rc;
}

static bool audience_matches(json_t *aud, const char *audience)
{
	if (json_is_string(aud))
		return strcmp(json_string_value(aud), audience) == 0;
	size_t i;
	json_t *a;
	json_array_foreach(aud, i, a)
		if (json_is_string(a) && strcmp(json_string_value(a), audience) == 0)
			return true;
	return false;
}

int jwks_check_claims(json_t *claims, const char *issuer, const char *audience, const char *nonce,
		      time_t now, long leeway_seconds, struct refusal *err)
{
	const char *iss = json_string_value(json_object_get(claims, "iss"));
	json_t *exp = json_object_get(claims, "exp"), *nbf = json_object_get(claims, "nbf");
	json_t *iat = json_object_get(claims, "iat");
	const char *got_nonce = json_string_value(json_object_get(claims, "nonce"));
	if (issuer && (!iss || strcmp(iss, issuer)))
		return refuse(err, 400, "Token issuer does not match", NULL);
	if (audience && !audience_matches(json_object_get(claims, "aud"), audience))
		return refuse(err, 400, "Token audience does not match", NULL);
	if (!json_is_number(exp) || json_number_value(exp) + (double)leeway_seconds <= (double)now)
		return refuse(err, 400, "Token expired", NULL);
	if ((json_is_number(nbf) && json_number_value(nbf) - (double)leeway_seconds > (double)now) ||
	    (json_is_number(iat) && json_number_value(iat) - (double)leeway_seconds > (double)now))
		return refuse(err, 400, "Token not yet valid", NULL);
	if (nonce && (!got_nonce || strcmp(got_nonce, nonce)))
		return refuse(err, 400, "Token nonce does not match", NULL);
	return 0;
}

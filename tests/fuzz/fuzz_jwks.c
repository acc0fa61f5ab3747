/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for another party's key sets and signatures (lib/oauth/jwks.c), inline sets
 * only (no network). The first byte chooses what the rest is:
 *  0  a JWK Set: every key judged by jwks_key_unfit, and a token signed with the fuzz key
 *     verified against the set: it may verify only when the set holds the fuzz key's public
 *     half (compared as cjose reads and writes it back), and a key found fit has no private
 *     member and is EC or RSA;
 *  1  a token, verified against the fuzz set (the fuzz EC key, an RSA key): whatever verifies
 *     carries one of the two payloads signed in advance (no forgery, ECDSA malleability or not);
 *  2  claims, checked by jwks_check_claims: accepted claims have this issuer, audience and
 *     nonce, an exp ahead and no nbf or iat ahead (with the leeway);
 *  3  a payload, signed with the fuzz key: it must verify exactly when it is a JSON object
 *     (no false refusal), and give that object back.
 * The keys are fixed (made for this file only; the RSA key's private half was thrown away) so
 * the seed corpus can hold sets and tokens that verify.
 * FUZZ_SOURCES: lib/oauth/jwks.c lib/core/crypto.c lib/core/fetch.c lib/core/config.c lib/core/log.c lib/core/refusal.c lib/core/text.c */
#include "fuzz.h"
#include "core/crypto.h"
#include "oauth/jwks.h"

#include <cjose/cjose.h>

#define ISSUER "https://idp.example.com"
#define AUDIENCE "tessera"
#define NONCE "n-0S6_WzA2Mj"
#define NOW 1700000000
#define LEEWAY 60

static const char ec_private[] =
	"{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"fuzz-ec\",\"x\":\"7MtKmoUZO9ksOQ1z0luCYietyKK6FGzTq3GBZDdu5jc\","
	"\"y\":\"srFoFUPvoKKkz_G5PK1Jt2HLbQcjs0I_g2EZsBRzYoo\",\"d\":\"zerhL8mHL-gdUgL6s_2hDnUd6qGF2YDvGHKJS_biWqw\"}";
static const char rsa_public[] = 
	"{\"kty\":\"RSA\",\"n\":\"z7RRZdPUHskR_M3zNlFVv8edNGokpvokq_tDe4gQnj5QyI0EFcLlru96hl1UWyg6alx36fP"
	"JSkuVADAzwW9MKwLMokNpZBYtASgFpNpQAvCIt0QAJZroLlHiPvXqxL7xFHQ6CCoKnXcYcYdioLtWLjKxVvTP86uSXGTV9uh"
	"LRNSzLnpoNIu_0YLoKbS6OwnBYGbvwG9CZrmInOFLk5VOl8RHspEP_q2jAqLctd5_gYFj-yfkZE00vSgq2IPadqIZlRKRDUc"
	"M80aVr3vCUlq4WLS90EjeiBX9njietYhqv-vhvITBo7BjNvQFpCoee6SFN350MNAb1QSbJgFlg002BQ\",\"e\":\"AQAB\""
	",\"kid\":\"rsa-1\",\"use\":\"sig\"}";
/* RS256 by the RSA key above (kid rsa-1): its payload is the second one a token may carry. */
static const char rsa_token[] = 
	"eyJhbGciOiJSUzI1NiIsImtpZCI6InJzYS0xIn0.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLmNvbSIsImF1ZCI6InRl"
	"c3NlcmEiLCJleHAiOjQxMDI0NDQ4MDAsIm5vbmNlIjoibi0wUzZfV3pBMk1qIn0.fRm2fRDOuA_3O6MdkPi0cI_gQOYnWVK4"
	"gzaDoQFY84Bl3qCct1QvdHIbwa9GtHfgWJNHYzvOBDiaj6x9VQ2rHjElpd2EszAEFcRSjqlRNvDOW4-_24Kcuy84P2vnTxc2"
	"1sxgHhzyhmdQ5AFZCIyvCZRYYUHUyo92-HB8vOnRgNJlDq9NiYm6RKNfSdeyDBAj-RSOp0ykUEy0u3DW6QxE35gBIXfIvc3-"
	"rRjuikcJKLFQwil0S8cvrQgEZlh7MXggiMiVgEcKQ2S-gUoeZiJResPdDErZ7_cnJO0_JLS_zJvgskCyX90OF3H7MvFmxFT3"
	"XWXzwielo2tE991oVeqqbw";
static const char ec_payload[] =
	"{\"iss\":\"" ISSUER "\",\"aud\":\"" AUDIENCE "\",\"exp\":4102444800,\"nonce\":\"" NONCE "\"}";

static cjose_jwk_t *ec_key;
static json_t *fuzz_set, *payloads[2];
static char *ec_token, ec_x[64], ec_y[64];


/* The public coordinates of a JWK as cjose reads and writes it back ("" when it is no EC key). */
static void coordinates(json_t *key, char x[64], char y[64])
{
	x[0] = y[0] = '\0';
	/* cjose itself aborts on some member texts (see jwks.c's members_decodable). */
	static const char *const members[] = { "x", "y", "n", "e", "d", "p", "q", "dp", "dq", "qi", "k", NULL };
	for (const char *const *m = members; *m; m++) {
		const char *v = json_string_value(json_object_get(key, *m));
		if (v && !crypto_b64url_ok(v, strlen(v)))
			return;
	}
	char *text = json_dumps(key, JSON_COMPACT);
	cjose_err err;
	cjose_jwk_t *jwk = text ? cjose_jwk_import(text, strlen(text), &err) : NULL;
	free(text);
	char *pub = jwk && cjose_jwk_get_kty(jwk, &err) == CJOSE_JWK_KTY_EC ? cjose_jwk_to_json(jwk, false, &err) : NULL;
	json_t *back = pub ? json_loads(pub, 0, NULL) : NULL;
	const char *bx = json_string_value(json_object_get(back, "x")), *by = json_string_value(json_object_get(back, "y"));
	if (bx && by && strlen(bx) < 64 && strlen(by) < 64) {
		strcpy(x, bx);
		strcpy(y, by);
	}
	json_decref(back);
	free(pub);
	cjose_jwk_release(jwk);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_config();
	cjose_err err;
	ec_key = cjose_jwk_import(ec_private, strlen(ec_private), &err);
	json_t *ec = json_loads(ec_private, 0, NULL);
	json_object_del(ec, "d");
	fuzz_set = json_pack("{s:[o, o]}", "keys", ec, json_loads(rsa_public, 0, NULL));
	ec_token = fuzz_sign(ec_key, "ES256", "fuzz-ec", (const uint8_t *)ec_payload, strlen(ec_payload));
	payloads[0] = json_loads(ec_payload, 0, NULL);
	json_t *rsa_claims = NULL;
	struct refusal why;
	coordinates(ec, ec_x, ec_y);
	if (!ec_key || !fuzz_set || !ec_token || !payloads[0] || !ec_x[0] ||
	    jwks_verify(NULL, fuzz_set, rsa_token, NULL, &rsa_claims, &why) != 0)
		abort();
	payloads[1] = rsa_claims;
	return 0;
}

static bool holds_fuzz_key(json_t *set)
{
	size_t i;
	json_t *key;
	json_array_foreach(json_object_get(set, "keys"), i, key) {
		char x[64], y[64];
		coordinates(key, x, y);
		if (!strcmp(x, ec_x) && !strcmp(y, ec_y))
			return true;
	}
	return false;
}

static bool has_private_member(json_t *key)
{
	static const char *const members[] = { "d", "p", "q", "dp", "dq", "qi", "oth", "k", NULL };
	for (const char *const *m = members; *m; m++)
		if (json_object_get(key, *m))
			return true;
	return false;
}

static void judge_keys(json_t *set)
{
	size_t i;
	json_t *key;
	if (!json_object_get(set, "kty") && jwks_key_unfit(set) == NULL)
		abort(); /* a set, or anything without a kty, is no key */
	json_array_foreach(json_object_get(set, "keys"), i, key) {
		if (jwks_key_unfit(key))
			continue;
		const char *kty = json_string_value(json_object_get(key, "kty"));
		if (has_private_member(key) || !kty || (strcmp(kty, "EC") && strcmp(kty, "RSA")))
			abort();
	}
}

static void set_mode(const uint8_t *data, size_t size)
{
	json_t *set = json_loadb((const char *)data, size, 0, NULL);
	if (!set)
		return;
	judge_keys(set);
	json_t *payload = NULL;
	struct refusal why;
	int rc = jwks_verify(NULL, set, ec_token, NULL, &payload, &why);
	if (rc == 0 && (!holds_fuzz_key(set) || !json_equal(payload, payloads[0])))
		abort();
	if (rc == 1 && (!why.text || why.status != 400))
		abort();
	json_decref(payload);
	json_decref(set);
}

static void token_mode(const uint8_t *data, size_t size)
{
	char *token = fuzz_string(data, size);
	json_t *payload = NULL;
	struct refusal why;
	int rc = jwks_verify(NULL, fuzz_set, token, NULL, &payload, &why);
	if (rc == 0 && !json_equal(payload, payloads[0]) && !json_equal(payload, payloads[1]))
		abort();
	if (rc == 1 && !why.text)
		abort();
	json_decref(payload);
	free(token);
}

static bool audience_in(json_t *aud)
{
	if (json_is_string(aud))
		return !strcmp(json_string_value(aud), AUDIENCE);
	size_t i;
	json_t *a;
	json_array_foreach(aud, i, a)
		if (json_is_string(a) && !strcmp(json_string_value(a), AUDIENCE))
			return true;
	return false;
}

static bool not_ahead(json_t *v)
{
	return !json_is_number(v) || json_number_value(v) - LEEWAY <= NOW;
}

static void claims_mode(const uint8_t *data, size_t size)
{
	json_t *claims = json_loadb((const char *)data, size, 0, NULL);
	struct refusal why;
	if (!claims)
		return;
	if (jwks_check_claims(claims, ISSUER, AUDIENCE, NONCE, NOW, LEEWAY, &why) == 0) {
		const char *iss = json_string_value(json_object_get(claims, "iss"));
		const char *nonce = json_string_value(json_object_get(claims, "nonce"));
		json_t *exp = json_object_get(claims, "exp");
		if (!iss || strcmp(iss, ISSUER) || !nonce || strcmp(nonce, NONCE) ||
		    !audience_in(json_object_get(claims, "aud")) ||
		    !json_is_number(exp) || json_number_value(exp) + LEEWAY <= NOW ||
		    !not_ahead(json_object_get(claims, "nbf")) || !not_ahead(json_object_get(claims, "iat")))
			abort();
	}
	/* Without the expectations only the times are judged. */
	jwks_check_claims(claims, NULL, NULL, NULL, NOW, LEEWAY, &why);
	json_decref(claims);
}

static void payload_mode(const uint8_t *data, size_t size)
{
	char *token = fuzz_sign(ec_key, "ES256", "fuzz-ec", data, size);
	if (!token)
		return;
	json_t *expected = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	json_t *payload = NULL;
	struct refusal why;
	int rc = jwks_verify(NULL, fuzz_set, token, NULL, &payload, &why);
	bool object = json_is_object(expected);
	if ((rc == 0) != object || (rc == 0 && !json_equal(payload, expected)))
		abort();
	json_decref(expected);
	json_decref(payload);
	free(token);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 4) {
	case 0:
		set_mode(data + 1, size - 1);
		break;
	case 1:
		token_mode(data + 1, size - 1);
		break;
	case 2:
		claims_mode(data + 1, size - 1);
		break;
	default:
		payload_mode(data + 1, size - 1);
	}
	return 0;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for JWT parsing (lib/oauth/jwt.c): jwt_peek and jwt_verify. The keys module is
 * replaced by an in-memory ES256 key (no database), so verification runs its whole path:
 * the first byte chooses between fuzzing the token text itself and signing the rest as a
 * payload with the real key, which makes the claim checks (iss, exp, nbf) reachable.
 * Properties: verified claims are an object with this issuer and an exp still ahead, and
 * a failure always gives a reason.
 * FUZZ_SOURCES: lib/oauth/jwt.c lib/core/crypto.c lib/core/config.c */
#include "fuzz.h"
#include "oauth/jwt.h"
#include "oauth/keys.h"

#include <cjose/jws.h>

static struct signing_key key = { .kid = "fuzz-key", .alg = "ES256", .active = true };

const struct signing_key *keys_signer(void)
{
	return &key;
}

const struct signing_key *keys_find(const char *kid)
{
	return strcmp(kid, key.kid) ? NULL : &key;
}

bool keys_unavailable(void)
{
	return false;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_config();
	cjose_err err;
	key.jwk = cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, &err);
	if (!key.jwk)
		abort();
	return 0;
}


static void verify(const char *token)
{
	const char *why = NULL;
	json_t *claims = jwt_verify(token, &why);
	if (claims) {
		json_t *iss = json_object_get(claims, "iss"), *exp = json_object_get(claims, "exp");
		if (!json_is_object(claims) || !json_is_string(iss) || strcmp(json_string_value(iss), cfg.issuer) ||
		    !json_is_integer(exp) || json_integer_value(exp) <= time(NULL))
			abort();
	} else if (!why) {
		abort();
	}
	json_decref(claims);
	json_decref(jwt_peek(token));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	char *token = data[0] & 1 ? fuzz_sign(key.jwk, "ES256", key.kid, data + 1, size - 1)
				   : fuzz_string(data + 1, size - 1);
	if (token)
		verify(token);
	free(token);
	return 0;
}

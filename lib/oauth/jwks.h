/* SPDX-License-Identifier: BSD-2-Clause */
/* jwks: verifying a compact JWS signed by someone else (an identity provider's id_token, a
 * client's assertion) against that party's JSON Web Key Set: fetched from its URL through
 * core/fetch (cached per process for jwks_cache_seconds, fetched again once when no cached key
 * verifies the token — a rotation — at most every JWKS_REFETCH_SECONDS per URL so forged tokens
 * cannot make the server hammer the URL), or given inline.
 * The algorithm must be in the caller's allow-list (never "none", never an HMAC: a public key
 * is no shared secret) and match the key's type; a key whose "use" is not "sig" is skipped. */
#ifndef TESSERA_JWKS_H
#define TESSERA_JWKS_H
#include "core/refusal.h"

#include <jansson.h>
#include <time.h>

#define JWKS_REFETCH_SECONDS 10

/* The algorithms of a public-key signature (the default allow-list when algs is NULL). */
extern const char *const jwks_default_algs[];

/* Refusal texts (400; callers speaking a wire contract use their own). */
#define JWKS_MALFORMED "Invalid token"
#define JWKS_ALG_REFUSED "Token algorithm not allowed"
#define JWKS_NO_KEY "Token signing key not found"
#define JWKS_BAD_SIGNATURE "Invalid token signature"
#define JWKS_WEAK_KEY "Token signing key too weak"
#define JWKS_BAD_SET "Invalid JWKS"

/* Verifies compact_jws against inline_jwks ({"keys":[...]}) when given, else the set at
 * jwks_uri. 0 with *payload (a new JSON object) when the signature is good; 1 refused (400 for
 * the token, 502/504 when the set could not be fetched or is no JWKS); -1 failure.
 * Only the signature is checked here: the claims are jwks_check_claims's. */
int jwks_verify(const char *jwks_uri, json_t *inline_jwks, const char *compact_jws, const char *const *algs,
		json_t **payload, struct refusal *err);

/* The usual claims of a verified token: iss equal to issuer (when given), aud equal to or
 * containing audience (when given), exp in the future and nbf/iat not in the future (with
 * leeway_seconds of clock skew), nonce equal (when given). 0, or 1 with err (400). */
int jwks_check_claims(json_t *claims, const char *issuer, const char *audience, const char *nonce,
		      time_t now, long leeway_seconds, struct refusal *err);

/* Why a JWK may not be kept as another party's public signing key (a client's "jwks"), or
 * NULL when it may: a private or symmetric key (any of d, p, q, dp, dq, qi, oth, k), a
 * malformed one (not an EC or RSA key cjose reads, an EC point off its curve, an "alg" that is
 * no signature algorithm of its type), or one too weak for its algorithm by the rule
 * jwks_verify applies (RSA under 2048 bits or with e = 1, an EC key labelled for another
 * curve's algorithm). PROTOCOL.md §7.2.5. */
#define JWKS_UNFIT_MALFORMED "Invalid jwks: malformed key"
#define JWKS_UNFIT_PRIVATE "Invalid jwks: private key"
#define JWKS_UNFIT_WEAK "Invalid jwks: key too weak"
const char *jwks_key_unfit(json_t *key);

/* Forgets every cached set (tests). */
void jwks_reset_cache(void);

#endif

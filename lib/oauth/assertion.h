/* SPDX-License-Identifier: BSD-2-Clause */
/* assertion: JWTs other parties sign and present to Tessera (RFC 7523): client assertions
 * (private_key_jwt, RFC 7523 §2.2) and authorization grants (jwt-bearer, RFC 7523 §2.1).
 * Their claims are checked the same way for both (PROTOCOL.md §7.2.5): iss, aud (the token
 * endpoint or the issuer), an exp at most five minutes ahead, nbf, iat and a jti (whose single
 * use the domain records). No database here. */
#ifndef TESSERA_ASSERTION_H
#define TESSERA_ASSERTION_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct refusal;

#define ASSERTION_CLIENT_TYPE "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#define ASSERTION_GRANT_TYPE "urn:ietf:params:oauth:grant-type:jwt-bearer"
/* The furthest ahead an assertion's exp may be: a stolen one is useful that long at most, and
 * its jti is kept that long. */
#define ASSERTION_MAX_LIFETIME 300
/* Clock skew granted to iat and nbf (not to exp). */
#define ASSERTION_LEEWAY 30

/* The signing algorithms accepted from others (RFC 7518 names). */
extern const char *const assertion_algs[];

/* Which kind of assertion a refusal speaks of: its text starts "Invalid client assertion" or
 * "Invalid assertion". */
enum assertion_kind { ASSERTION_CLIENT, ASSERTION_GRANT };

/* What an assertion says before its signature is checked, to find the keys. */
struct assertion_peek {
	char iss[256];
	char sub[256];
};
/* The shape (three base64url parts, a JSON object payload) and iss, sub as strings; for a client
 * assertion iss must equal sub (RFC 7523 §3 item 2.B). 0, or 1 refused (err). */
int assertion_peek(const char *jwt, enum assertion_kind kind, struct assertion_peek *p, struct refusal *err);

/* The verified claims: iss is issuer; aud names the token endpoint or Tessera's issuer; exp is
 * in the future and at most ASSERTION_MAX_LIFETIME ahead; nbf and iat are not in the future;
 * jti is present. *jti (borrowed from claims) and *exp are set on success. 0, or 1 refused. */
int assertion_claims_ok(json_t *claims, enum assertion_kind kind, const char *issuer, time_t now, const char **jti,
			long long *exp, struct refusal *err);

/* Whether a value is one of Tessera's own audiences: the token endpoint or the issuer. */
bool assertion_names_tessera(const char *value);

/* The claims in which issuers name the client an assertion is for, in the order checked:
 * client_id (RFC 8693 §4.3, RFC 9068 §2.2), azp (OpenID Connect Core §2; Entra ID v2, Auth0),
 * cid (Okta), appid (Entra ID v1). */
extern const char *const assertion_client_claims[];

/* The binding of a grant assertion to one client (PROTOCOL.md §7.2.6). names: the client's
 * names, NULL-terminated (its Tessera id, and the id its issuer knows it by when that may bind).
 * Every naming claim present must be a string equal to one of names; when none is present, aud
 * must hold one of names beside Tessera's audience (which assertion_claims_ok checked). 0, or 1
 * refused (invalid_grant: "…: <claim> must be a string", "…: issued for another client",
 * "…: client not named"). */
int assertion_for_client(json_t *claims, const char *const names[], struct refusal *err);

/* The refusal of a signature that does not verify with the keys at hand, in kind's words. */
int assertion_refuse_signature(enum assertion_kind kind, struct refusal *err);
/* The refusal of an iss that is not the expected issuer. */
int assertion_refuse_issuer(enum assertion_kind kind, struct refusal *err);
/* The refusal of a jti seen before. */
int assertion_refuse_replay(enum assertion_kind kind, struct refusal *err);

#endif

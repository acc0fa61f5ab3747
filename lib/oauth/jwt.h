/* SPDX-License-Identifier: BSD-2-Clause */
/* jwt: compact JWS tokens. Signing adds the header {alg, kid, typ} and iat/nbf/iss/exp;
 * verification pins the algorithm to the key's own (no "none", no HS/RS confusion) and checks
 * the signature, iss, exp and nbf with no clock tolerance, as Medplum does. */
#ifndef TESSERA_JWT_H
#define TESSERA_JWT_H
#include <jansson.h>
#include <stddef.h>
#include <time.h>

/* Signs claims (borrowed; iat, nbf, iss and exp are added). Returns a malloc'd token. */
char *jwt_sign(json_t *claims, long lifetime_seconds, time_t now);
/* The reason when the signing keys could not be read (database away): not the token's fault. */
#define JWT_KEYS_UNAVAILABLE "signing keys unavailable"
/* The reason for a token whose signature and issuer are good but whose time is over. */
#define JWT_EXPIRED "expired"
/* Returns the verified claims (a new reference, read-only: the claims of recently verified
 * tokens are shared from a small cache) or NULL with a short reason. */
json_t *jwt_verify(const char *token, const char **why);
/* Decodes the payload without verifying (for error paths that only need a field). */
json_t *jwt_peek(const char *token);

#endif

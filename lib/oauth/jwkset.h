/* SPDX-License-Identifier: BSD-2-Clause */
/* jwkset: verifying a compact JWS with a key of a JWK Set that another party published
 * (a client's inline "jwks"), the algorithm taken from an allow-list. */
#ifndef TESSERA_JWKSET_H
#define TESSERA_JWKSET_H
#include <jansson.h>

/* 0 verified (*payload: the claims object, new reference), 1 not (no key of jwks, an algorithm
 * outside algs, a malformed token or payload). */
int jwkset_verify(json_t *jwks, const char *compact, const char *const *algs, json_t **payload);

#endif

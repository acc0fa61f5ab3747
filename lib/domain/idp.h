/* SPDX-License-Identifier: BSD-2-Clause */
/* idp: an upstream identity provider's configuration (Medplum's IdentityProvider: authorizeUrl,
 * tokenUrl, tokenAuthMethod, userInfoUrl, clientId, clientSecret, usePkce, useSubject; Tessera
 * adds issuer and jwksUri) as stored on a ClientApplication or a DomainConfiguration.
 * The clientSecret is sealed at rest (core/keywrap, like TOTP secrets): the stored JSON holds
 * clientSecretSealed instead, and neither member is ever handed out. The owners of the rows
 * (clients.c, domains.c) call idp_keep_secret and idp_seal before writing and idp_strip before
 * answering. */
#ifndef TESSERA_IDP_H
#define TESSERA_IDP_H
#include "core/refusal.h"

#include <jansson.h>

/* The stored member holding the sealed secret. */
#define IDP_SEALED "clientSecretSealed"

/* Replaces idp.clientSecret (if any) by its sealed form. 0, or -1 (no key to seal with). */
int idp_seal(json_t *idp);
/* Removes both secret members (what any answer shows). */
void idp_strip(json_t *idp);
/* The upstream client secret opened: malloc'd (free with idp_secret_free), or NULL when none
 * is configured or it cannot be opened (logged). A plain clientSecret stored before sealing
 * existed is still read. */
char *idp_secret(json_t *idp);
void idp_secret_free(char *secret);

/* PROTOCOL.md §12.2: an update that omits clientSecret keeps the secret sealed in `stored` (the
 * identity provider as stored: JSON text, or NULL) only while tokenUrl, the one address the
 * secret is sent to, keeps its origin (scheme, host, port); else the secret must come again,
 * lest whoever may edit the provider point tokenUrl at a server of theirs and receive it.
 * 0 (idp holds the sealed secret, or there was none), 1 refused (400 IDP_SECRET_REQUIRED). */
#define IDP_SECRET_REQUIRED "clientSecret is required when tokenUrl changes"
int idp_keep_secret(json_t *idp, const char *stored, struct refusal *err);

/* Where the IdP's id_tokens are verified: the expected issuer and its JWKS URL, from the
 * configuration (issuer, jwksUri) or else from its discovery document
 * (<issuer>/.well-known/openid-configuration; without a configured issuer, at the origin of
 * authorizeUrl). The discovery documents are cached per process like key sets. 0 with both
 * malloc'd, 1 refused (502/504: the document could not be had or names no issuer or
 * jwks_uri), -1 failure. */
int idp_verification(json_t *idp, char **issuer, char **jwks_uri, struct refusal *err);

#endif

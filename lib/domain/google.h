/* SPDX-License-Identifier: BSD-2-Clause */
/* google: sign-in with a Google ID token (PROTOCOL.md §6.3, POST /auth/google): the token is
 * verified against Google's keys (google_jwks_uri; RS256 only; iss google_issuer, aud the
 * googleClientId, exp), the googleClientId is the server's (google_client_id) or a project's
 * own (Project.site[].googleClientId, which then binds the project), an email of a federated
 * domain is sent to its IdP instead, and createUser makes the user when none exists. */
#ifndef TESSERA_GOOGLE_H
#define TESSERA_GOOGLE_H
#include "core/refusal.h"
#include "domain/flow.h"

#include <jansson.h>
#include <stdbool.h>

struct google_request {
	const char *google_client_id, *credential;
	bool create_user;
	struct login_request login;   /* project_id, client_id, scope, nonce, PKCE, ... */
};

/* 0 with *out the Login, or with *redirect ({domain, authorizeUrl}: the email's domain signs in
 * elsewhere; no Login then); 1 refused (400), -1. */
int google_login(const struct google_request *g, struct login *out, json_t **redirect, struct refusal *err);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* tokens: access, ID and refresh tokens with exactly the claims of PROTOCOL.md §3, and the token
 * response of §3.1. */
#ifndef TESSERA_TOKENS_H
#define TESSERA_TOKENS_H
#include <jansson.h>
#include <time.h>

struct token_grant {
	const char *login_id;
	const char *user_id;           /* token sub: User, ClientApplication or Bot id */
	const char *client_id;         /* NULL or "" when no client */
	const char *scope;
	const char *nonce;             /* NULL: no nonce claim */
	const char *email;             /* only when scope has "email" and the user is a User */
	const char *profile_type;
	const char *profile_id;
	const char *profile_display;
	const char *project_id;
	const char *project_display;
	const char *patient;           /* launch patient, or the profile id for a Patient */
	const char *encounter;         /* launch encounter (PROTOCOL.md §11.2) */
	const char *refresh_secret;    /* NULL: no refresh token */
	/* A self-contained access token (client_credentials, no Login row): its id (jti, also
	 * its login_id), the client's not_before generation it was issued under (cnb) and the
	 * first 16 hex digits of SHA-256 of the keyed hash of the secret that obtained it (skh).
	 * Bearer checks compare all three with the client's row on every use. NULL: a Login's. */
	const char *jti;
	long long cnb;
	const char *skh;
	time_t auth_time;
	long access_lifetime;
	long refresh_lifetime;
};

/* Builds the whole §3.1 response; NULL when signing fails. */
json_t *tokens_response(const struct token_grant *g);
/* Only the access token (used by tests and benchmarks). */
char *tokens_access(const struct token_grant *g, time_t now);

#endif

/* auth: who is calling. A Bearer token is verified and its Login re-read on every request
 * (revocation is immediate); Basic client_id:secret is accepted on every authenticated
 * endpoint (spec §4) as an in-memory client login. */
#ifndef TESSERA_AUTH_H
#define TESSERA_AUTH_H
#include "login.h"
#include "ratelimit.h"
#include <jansson.h>
#include <stdbool.h>

struct request;

struct auth {
	bool basic;
	struct login login;
	char project_id[37];
	char profile_type[32];
	char profile_id[37];
	bool admin;
	bool super_admin;
	json_t *claims;            /* the verified access token claims (Bearer only) */
	struct rl_override rl;     /* the project's rateLimit / authRateLimit */
};

/* 0 authenticated, 1 not authenticated, -1 database error. */
int auth_authenticate(struct request *req, struct auth *a);
/* The same for a bare access token (introspection). */
int auth_from_token(const char *token, struct auth *a);
/* The same for a Login the caller already trusts (a page session): its membership, admin and
 * super admin flags exactly as a Bearer token of that Login would have them. */
int auth_from_login(const char *login_id, struct auth *a);
void auth_free(struct auth *a);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* auth: who is calling. A Bearer token is verified and its Login re-read on every request
 * (revocation is immediate); Basic client_id:secret is accepted on every authenticated
 * endpoint (PROTOCOL.md §4) as an in-memory client login. */
#ifndef TESSERA_AUTH_H
#define TESSERA_AUTH_H
#include "core/db.h"
#include "core/refusal.h"
#include "domain/login.h"
#include "domain/ratelimit.h"
#include <jansson.h>
#include <stdbool.h>

struct request;

/* The caller's membership details: project, profile, policy and user, which /auth/me and
 * userinfo build their documents from. A Bearer token's are read with its Login in the
 * same query, so those routes cost one round trip. */
enum auth_detail {
	AD_PROJECT_NAME, AD_PROJECT_DESCRIPTION, AD_STRICT_MODE, AD_POLICY_ID, AD_IDENTIFIER, AD_USER_TYPE,
	AD_USER_ID, AD_DISPLAY, AD_PROFILE_RESOURCE, AD_PROFILE_UPDATED, AD_CLIENT_DESCRIPTION, AD_CLIENT_STATUS,
	AD_CLIENT_URIS, AD_POLICY_RESOURCE, AD_EMAIL, AD_EMAIL_VERIFIED, AD_USER_IDENTIFIER, AD_MFA_ENROLLED,
	AD_FIRST_NAME, AD_LAST_NAME, AD_ADMIN, AD_SUPER_ADMIN, AD_ACCESS, AD_COUNT
};

struct auth {
	bool basic;
	bool stateless;            /* a self-contained token (login.id is its jti; no Login row) */
	long long exp;             /* stateless: when it expires (Unix time) */
	struct login login;
	char project_id[37];
	char profile_type[32];
	char profile_id[37];
	bool admin;
	bool super_admin;
	bool third_party;          /* signed in through a registered client: no admin rights (review 4) */
	json_t *claims;            /* the verified access token claims (Bearer only) */
	struct rl_override rl;     /* the project's rateLimit / authRateLimit */
	struct db_result detail;   /* one row; the auth_detail columns start at detail_base */
	unsigned detail_base;
	bool on_behalf;            /* X-Medplum-On-Behalf-Of: the membership fields above are the target's */
};

/* 0 authenticated, 1 not authenticated, -1 database error. */
int auth_authenticate(struct request *req, struct auth *a);
/* True when the request presents a Bearer token (auth_authenticate then reads its Login). */
bool auth_is_bearer(const struct request *req);
/* The same for a bare access token (introspection). */
int auth_from_token(const char *token, struct auth *a);
/* The same for a Login the caller already trusts (a page session): its membership, admin and
 * super admin flags exactly as a Bearer token of that Login would have them. */
int auth_from_login(const char *login_id, struct auth *a);
/* Reads the details if the authentication did not (Basic): 0, 1 membership gone, -1 database
 * error. Then auth_detail_cell gives a column, NULL for SQL NULL. */
int auth_load_detail(struct auth *a);
const char *auth_detail_cell(const struct auth *a, enum auth_detail col);
void auth_free(struct auth *a);

/* X-Medplum-On-Behalf-Of (PROTOCOL.md §4): an admin of the caller's project (or a super admin)
 * acts as another membership of that project, named "ProjectMembership/<id>" or by its profile
 * ("Patient/<id>", ...): the membership, profile, admin flag (and so the access policy) become
 * the target's; the audit actor stays the caller (set before). value NULL or "": nothing.
 * 0, 1 refused (403 not an admin, 400 AUTH_ON_BEHALF_INVALID), -1. */
#define AUTH_ON_BEHALF_INVALID "Invalid X-Medplum-On-Behalf-Of"
int auth_on_behalf(struct auth *a, const char *value, struct refusal *err);

/* What introspection reports of a token. */
struct auth_subject {
	bool usable;               /* a granted access token, not revoked, its membership active */
	char project_id[37];
	char user_id[37];
	char scope[1025];
	char client_id[37];
	char profile_type[32];
	char profile_id[37];
	json_t *claims;            /* usable: the verified claims */
};
struct client;
/* Introspection by a client in one round trip: the calling client's row (*caller, for the
 * caller's secret check) and the token's state (a Login's or a self-contained token's) in one
 * query. 0 the caller exists (its secret not checked yet), 1 no such client, -1 database
 * error (or the signing keys unavailable). */
int auth_introspect(const char *caller_id, const char *token, struct client *caller, struct auth_subject *t);
void auth_subject_free(struct auth_subject *t);

#endif

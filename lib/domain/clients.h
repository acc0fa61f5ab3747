/* SPDX-License-Identifier: BSD-2-Clause */
/* clients: ClientApplication lookup and secret verification. Secrets are stored only as
 * keyed hashes (HMAC-SHA256 under hash_key) and compared in constant time. */
#ifndef TESSERA_CLIENTS_H
#define TESSERA_CLIENTS_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "domain/projects.h"
#include "domain/ratelimit.h"
#include "domain/store.h"

struct client {
	char id[37];
	char project_id[37];
	char membership_id[37];    /* empty when the client has no membership */
	char name[256];
	char project_name[PROJECT_NAME_SIZE];
	char status[16];
	bool has_secret, has_retiring;
	uint8_t secret_hash[32];
	uint8_t retiring_hash[32];
	bool pkce_optional;
	char auth_method[32];      /* tokenEndpointAuthMethod: "none" or the method every grant must use */
	long access_lifetime;      /* seconds */
	long refresh_lifetime;
	bool project_super_admin;
	char redirect_uris[4096];  /* JSON array text, "" when none */
	char allowed_origins[2048];
	char default_scope[1025];  /* space-separated */
	struct rl_override rl;     /* the project's systemSetting limits */
	bool membership_active;
	long long tokens_not_before; /* the generation self-contained tokens must carry (cnb) */
	bool has_policy;           /* its membership names access policies (IP rules may apply) */
	bool pkce_s256;            /* its codes need PKCE with S256 (a registered public client) */
	char grant_types[128];     /* registered grant_types (JSON array text); "" for a client made by an admin */
	/* It registered itself (RFC 7591): a third party's app, whose every sign-in passes the
	 * consent page (PROTOCOL.md §5.5); false for a client an admin made and Medplum's. */
	bool registered;
};

/* PROTOCOL.md §7.6: a client made by registration may use only the grant types it registered
 * (RFC 7591 §2), refresh_token also when it registered authorization_code (the grant that
 * issues refresh tokens); registered ("" not registered: every grant, as before) is a client's
 * grant_types. */
bool clients_grant_allowed(const char *registered, const char *grant);
/* PROTOCOL.md §7.1: the client may be given authorization codes (every route that starts a
 * sign-in for it asks: authorize, the sign-in page, /auth/login, /auth/newuser, federation). */
bool clients_codes_allowed(const struct client *c);
/* The refusal text of an unregistered grant (RFC 6749 unauthorized_client). */
#define CLIENTS_GRANT_REFUSED "Client not authorized for this grant type"

/* SET clause raising a client's tokens_not_before: every self-contained token issued before
 * is refused from now on (a generation, never lower than the last, from the database clock). */
#define CLIENTS_RAISE_NOT_BEFORE \
	"tokens_not_before = GREATEST(tokens_not_before + 1, CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED))"

/* The client's defaultScope joined by spaces; -1 when it has none. */
int clients_default_scope(const struct client *c, char *out, size_t outlen);
/* Exact match against the registered redirect URIs (no prefix matching). */
bool clients_redirect_ok(const struct client *c, const char *uri);
/* Origin check of §5.1 step 2: true when the client lists no origins or lists this one. */
bool clients_origin_ok(const struct client *c, const char *origin);

/* The active client's identityProvider as stored (its secret sealed, domain/idp.h), or NULL
 * when it has none. 0 or -1. */
int clients_identity_provider(const char *client_id, json_t **idp);
/* An identity provider written without its clientSecret (never handed out) keeps the stored
 * one (its sealed form copied into idp) while tokenUrl keeps its origin (idp_keep_secret,
 * §12.2); with a version, only the row still at that version counts. 0, 1 refused (400), -1. */
int clients_keep_idp_secret(const char *client_id, const char *version, json_t *idp, struct refusal *err);
/* tessera-admin client set --identity-provider: replaces (NULL: removes) the client's identity
 * provider, checked as the resource API does; without clientSecret the stored one is kept.
 * 0, 1 refused (400 invalid, 404 no such client), -1. */
int clients_set_identity_provider(const char *client_id, json_t *identity_provider, struct refusal *err);
/* 0 found, 1 not found (including ids that are not UUIDs), -1 database error. */
int clients_get(const char *id, struct client *c);
/* The columns clients_get reads (CLIENTS_NCOLUMNS, aliases c, p, m: the client, its project and its
 * membership in it), for a query that reads a client with something else in the same round trip
 * (Basic authentication, introspection);
 * clients_from_row fills *c from the first row's first CLIENTS_NCOLUMNS columns. */
#define CLIENTS_COLUMNS \
	"c.id, c.project_id, c.name, c.status, c.secret_hash, " \
	"IF(c.retiring_secret_expires_at IS NULL OR c.retiring_secret_expires_at > UTC_TIMESTAMP(3), " \
	"c.retiring_secret_hash, NULL), c.pkce_optional, " \
	"c.access_token_lifetime, c.refresh_token_lifetime, m.id, p.name, p.super_admin, c.redirect_uris, " \
	"c.allowed_origins, c.default_scope, p.system_setting, c.token_endpoint_auth_method, m.active, c.tokens_not_before, " \
	"m.access_policy_id IS NOT NULL OR COALESCE(JSON_LENGTH(m.access), 0) > 0, c.pkce_s256, " \
	"JSON_EXTRACT(c.registration, '$.grant_types'), c.registration_token_hash IS NOT NULL"
#define CLIENTS_NCOLUMNS 23
/* 1 when a Bot (type "Bot") or else a ClientApplication of this id belongs to the project, 0 not, -1. */
int clients_agent_in_project(const char *type, const char *id, const char *project_id);
struct db_result;
void clients_from_row(const struct db_result *r, struct client *c);

/* What the reads of a self-contained access token need of its claims (checked by the caller):
 * its id, its client, the digest prefix of the secret that obtained it, its scope (NULL: ""),
 * the client generation it carries (cnb) and when it was issued. */
struct token_ref {
	const char *jti, *client_id, *skh, *scope;
	long long cnb, iat;
};
/* Read models that start from a client, one round trip each (the caller frees out):
 * - a self-contained token's session: a row of lib/domain/sessionrow.h's layout (revoked when
 *   the token was revoked, the client is not active, or its generation or secret moved on);
 *   no row when the client or its membership is gone;
 * - Basic authentication: CLIENTS_COLUMNS, then the detail columns (auth.h enum auth_detail);
 * - introspection by client caller_id: CLIENTS_COLUMNS (the caller, for its secret check), then
 *   whether the token is usable, its project_id, user_id, scope, client_id, profile_type and
 *   profile_id; the token is a Login's (login_id), a self-contained one (t), or neither (both
 *   NULL: not usable). No row: no such caller.
 * 0 or -1 each. */
int clients_read_token_session(const struct token_ref *t, struct db_result *out);
int clients_read_basic(const char *id, struct db_result *out);
int clients_read_introspection(const char *caller_id, const char *login_id, const struct token_ref *t,
			       struct db_result *out);
/* The client's sign-in branding (§6.16): {"welcomeString"?, "logo"?} from its signInForm,
 * written to *out. 0 found, 1 not found, -1 database error. */
int clients_branding(const char *id, json_t **out);
/* Accepts the current secret, and the retiring one when allow_retiring. */
bool clients_secret_ok(const struct client *c, const char *secret, bool allow_retiring);
/* Usable for client credentials: active status and an active membership. */
bool clients_usable(const struct client *c);
/* A tokenEndpointAuthMethod Tessera knows: none, client_secret_basic, client_secret_post,
 * private_key_jwt. */
bool clients_auth_method_valid(const char *method);
/* Confidential: tokenEndpointAuthMethod names a method, so every grant must authenticate with it. */
bool clients_confidential(const struct client *c);
/* The client may authenticate with method (client_secret_basic, client_secret_post,
 * private_key_jwt): its tokenEndpointAuthMethod is that one, or "none" (any). So a client
 * registered for keys never gets in with its secret, nor one registered for a secret with keys. */
bool clients_method_allowed(const struct client *c, const char *method);
/* The client's keys for private_key_jwt: its jwksUri (uri, "" when none) and its inline JWK Set
 * (*jwks, NULL when none; the caller releases it). 0, 1 no such client, -1. */
int clients_keys(const char *id, char *uri, size_t urilen, json_t **jwks);
/* Why a JWK Set may not be a client's inline "jwks", or NULL when it may: a JWK Set of 1..16
 * public EC or RSA signing keys, each as strong as jwks_verify will want it (oauth/jwks.h
 * jwks_key_unfit: no private, malformed or weak key), at most 16 KiB. The texts are the
 * refusals' (400). */
#define CLIENTS_JWKS_INVALID "Invalid jwks"
#define CLIENTS_JWKS_TOO_LARGE "Invalid jwks: at most 16 keys and 16 KiB"
const char *clients_jwks_problem(json_t *jwks);
/* Sets the client's jwksUri and/or inline jwks (NULL: unchanged). 0, 1 no such client, -1. */
int clients_set_keys(const char *id, const char *jwks_uri, json_t *jwks);
/* Sets tokenEndpointAuthMethod (a valid one) of an existing client: 0, 1 no such client, -1. */
int clients_set_auth_method(const char *id, const char *method);
/* tessera-admin client create: the new client's redirect URIs (a JSON array's text, or NULL),
 * PKCE made optional, default scope and sign-in form (JSON text, or NULL). 0 or -1. */
int clients_set_console(const char *id, const char *redirect_uris, bool pkce_optional, const char *default_scope,
			const char *sign_in_form);
/* tessera-admin client list: rows id, project_id, name, status of the project's clients (NULL:
 * every project's), oldest first. 0 or -1. */
int clients_list_rows(const char *project_id, struct db_result *out);
/* The longest refresh or access token lifetime any client sets for itself, in seconds (0 when
 * none does or they cannot be read): how long a retired signing key must keep verifying. */
long clients_longest_lifetime(void);
/* Creates a client in a project with its membership; writes a fresh secret (64 hex) to
 * secret_out. One transaction. */
int clients_create(const char *project_id, const char *name, const char *description, char id_out[37],
		   char secret_out[65]);
/* The same two rows inside the caller's transaction (a new project's default client). */
int clients_insert(const char *project_id, const char *name, const char *description, char id_out[37],
		   char secret_out[65]);

/* A client as the admin API and the admin pages create it (PROTOCOL.md §9.2). */
struct client_new {
	const char *project_id;
	const char *name;
	const char *description;        /* NULL for none */
	const char *redirect_uris;      /* JSON array text, NULL for none */
	const char *access_lifetime;    /* "1h" style, NULL for the default */
	const char *refresh_lifetime;
	const char *access_policy_id;   /* NULL or "" for none; checked against the project */
	const char *auth_method;        /* tokenEndpointAuthMethod (valid); NULL for "none" */
};

#include "domain/members.h"
/* The client, its membership (with the access policy) and its settings in one transaction.
 * 0 (id and the fresh secret filled: show it once, it is stored only as a keyed hash),
 * 1 refused (err: an unknown policy or one of another project), -1. */
int clients_admin_create(const struct client_new *n, char id_out[37], char secret_out[65], struct refusal *err);

/* The project's clients for the admin pages: [{id, name, description?, status, created,
 * retiring (bool), retiringUntil?}] by name (at most 500). 0 or -1. Never a secret. */
int clients_list(const char *project_id, json_t **out);

/* How long the secret a rotation replaces keeps working at the token endpoint by default. */
#define CLIENT_RETIRING_SECONDS (24 * 3600)
/* Gives the project's client a fresh secret (64 hex, to show once; stored as a keyed hash).
 * retire_seconds > 0: the old secret stays accepted as the retiring secret (token endpoint
 * only, never Basic) for that long; 0: it stops at once. A previous retiring secret ends
 * either way. One UPDATE. 0, 1 no such client in this project, -1. */
int clients_rotate_secret(const char *project_id, const char *client_id, long retire_seconds, char secret_out[65]);

/* Ends the retiring secret of a rotation now (a leaked secret) and every self-contained token
 * issued before (tokens_not_before). 0, 1 no such client in this project, -1. */
int clients_end_retiring(const char *project_id, const char *client_id);
/* A Bot row (its membership is the caller's, in the same transaction). 0 or -1. */
int clients_insert_bot(const char *id, const char *project_id, const char *name, const char *description,
		       const char *resource_json);
/* The project of a Bot into project_out: 0, 1 no such bot, -1. */
int clients_bot_project(const char *id, char project_out[37]);

/* ---- lib/domain/clientstore.c: ClientApplication resources ---- */

/* A checked ClientApplication (clients_store.check) brought from another server with its id and
 * its secret kept (tessera-admin import; Medplum stores the secret itself, Tessera its keyed
 * hash; NULL: a fresh one nobody is told), with its own membership (membership_id: the id to
 * keep, or NULL); no transaction of its own.
 * 0, -1. */
int clients_import(const char *project_id, const char *id, const char *membership_id, json_t *client,
		   const char *secret);
/* ClientApplication resources for the resource API: every field (redirectUris, pkceOptional,
 * jwksUri, jwks, signInForm, identityProvider, allowedOrigin, defaultScope, lifetimes,
 * tokenEndpointAuthMethod, status); the secret is made at creation and shown in that answer
 * only; an identity provider's clientSecret is never handed out (an update without it keeps
 * it). A delete revokes the client's sessions and removes its membership, in one transaction. */
extern const struct resource_store clients_store;

/* A client registered at /oauth2/register (RFC 7591; PROTOCOL.md §7.6): its checked metadata,
 * JSON texts where a column holds JSON (NULL: none). */
struct client_registration {
	const char *name;
	const char *method;        /* tokenEndpointAuthMethod */
	const char *redirect_uris; /* JSON array text */
	const char *jwks;          /* JSON text */
	const char *jwks_uri;
	const char *scope;         /* defaultScope, space-separated */
	const char *registration;  /* the metadata as read back (client_name, grant_types, ...) */
	bool public_client;        /* none: no secret, PKCE with S256 */
};
/* The client and its membership in the caller's transaction, with the keyed hash of its
 * registration access token. secret: 64 hex, or "" for a public client. 0 or -1. */
int clients_register(const char *project_id, const struct client_registration *r, const uint8_t token_hash[32],
		     char id_out[37], char secret_out[65]);
/* A registered client's row: registration_token_hash, name, token_endpoint_auth_method,
 * redirect_uris, jwks, jwks_uri, default_scope, registration, issued (Unix time), project_id.
 * 0, 1 none (or not registered), -1. The caller frees out. */
int clients_registration_get(const char *id, struct db_result *out);
/* Replaces a registered client's metadata (its method stays). 0 or -1. */
int clients_registration_update(const char *id, const struct client_registration *r);
/* Deletes a client with its membership, its sessions revoked, in one transaction. 0, 2 gone, -1. */
int clients_delete(const char *id);

/* Whether a user's sign-in through this client may carry the user's administrator rights: 1
 * when the client is one the project made (an admin, the resource API, tessera-admin), 0 when it
 * registered itself (RFC 7591: a third party's app, PROTOCOL.md §7.6) or is gone, -1. */
int clients_first_party(const char *id);

#endif

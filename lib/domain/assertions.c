/* SPDX-License-Identifier: BSD-2-Clause */
/* assertions: private_key_jwt client authentication and the single use of assertions
 * (RFC 7523 §2.2, §3; PROTOCOL.md §7.2.5). */
#include "domain/assertions.h"
#include "core/crypto.h"
#include "core/db.h"
#include "core/refusal.h"
#include "domain/flow.h"
#include "domain/idp.h"
#include "domain/people.h"
#include "oauth/assertion.h"
#include "oauth/jwks.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char METHOD[] = "private_key_jwt";

int assertions_use_jti(const char *issuer, const char *jti, long long exp)
{
	/* The key: SHA-256 of issuer NUL jti, so any jti text fits and issuers never collide. */
	size_t il = strlen(issuer), jl = strlen(jti);
	char buf[512];
	if (il + jl + 1 > sizeof buf)
		return 1;
	memcpy(buf, issuer, il + 1);
	memcpy(buf + il + 1, jti, jl);
	uint8_t id[SHA256_LEN];
	crypto_sha256(buf, il + 1 + jl, id);
	/* A row whose assertion has expired (purge not yet run) is taken over: inserted 1,
	 * taken over 2, still in force 0 (unchanged) — the replay. */
	unsigned long long n = 0;
	if (db_exec(&n,
		    "INSERT INTO assertion_jti (id, expires_at) VALUES (?, FROM_UNIXTIME(?)) ON DUPLICATE KEY UPDATE "
		    "expires_at = IF(expires_at < UTC_TIMESTAMP(), VALUES(expires_at), expires_at)",
		    "bi", id, sizeof id, exp) < 0)
		return -1;
	return n == 0 ? 1 : 0;
}

static int refuse_client(struct refusal *err, const char *text)
{
	refuse(err, 401, text, NULL);
	err->oauth_error = "invalid_client";
	return 1;
}

/* The signature with the client's keys, inline or fetched from its jwksUri (lib/oauth/jwks.c:
 * cached, fetched again once for an unknown kid, under the upstream fetch policy). 0 verified
 * (*claims), 1 refused, -1. */
static int verify_with_client_keys(const char *client_id, const char *assertion, json_t **claims, struct refusal *err)
{
	char uri[2049];
	json_t *jwks = NULL;
	int rc = clients_keys(client_id, uri, sizeof uri, &jwks);
	if (rc != 0)
		return rc < 0 ? -1 : refuse_client(err, "Client not found");
	if (!jwks && !uri[0])
		return refuse_client(err, "Client must have a JWK Set URL");
	struct refusal why = { 0 };
	rc = jwks_verify(jwks ? NULL : uri, jwks, assertion, assertion_algs, claims, &why);
	json_decref(jwks);
	if (rc <= 0)
		return rc;
	/* The client's key server failed it (unreachable, hanging, no JWKS): its fault, not ours. */
	if (why.status >= 500)
		return refuse_client(err, "Client JWK Set unavailable");
	return assertion_refuse_signature(ASSERTION_CLIENT, err);
}

int assertions_client(const char *type, const char *assertion, const char *named_id, struct client *c,
		      struct refusal *err)
{
	memset(c, 0, sizeof *c);
	if (!type || strcmp(type, ASSERTION_CLIENT_TYPE))
		return refuse_client(err, "Unsupported client assertion type");
	struct assertion_peek p;
	if (assertion_peek(assertion, ASSERTION_CLIENT, &p, err))
		return 1;
	/* RFC 7523 §3 item 2.B: a client_id beside the assertion must be its issuer. */
	if (named_id && *named_id && strcmp(named_id, p.iss))
		return refuse_client(err, "Invalid client");
	int rc = clients_get(p.iss, c);
	if (rc != 0)
		return rc < 0 ? -1 : refuse_client(err, "Client not found");
	if (!clients_method_allowed(c, METHOD))
		return refuse_client(err, "Client authentication method not allowed");
	json_t *claims = NULL;
	if ((rc = verify_with_client_keys(c->id, assertion, &claims, err)) != 0)
		return rc;
	const char *jti = NULL;
	long long exp = 0;
	rc = assertion_claims_ok(claims, ASSERTION_CLIENT, c->id, time(NULL), &jti, &exp, err);
	/* Only a verified assertion spends its jti: nobody can use up another client's ids. */
	if (rc == 0 && (rc = assertions_use_jti(c->id, jti, exp)) == 1)
		assertion_refuse_replay(ASSERTION_CLIENT, err);
	json_decref(claims);
	return rc;
}

/* ---- the jwt-bearer grant (RFC 7523 §2.1; PROTOCOL.md §7.2.6) ---- */

static int grant_refused(struct refusal *err, const char *error, const char *text)
{
	return refuse_oauth(err, 400, error, text);
}

/* The names that bind an assertion to this client (PROTOCOL.md §7.2.6): its Tessera id, and the
 * id its issuer knows it by (identityProvider.clientId, set by the project's admin) unless that
 * would name someone else: one of Tessera's own audiences (every assertion names those) or
 * another client's Tessera id (an admin could otherwise claim another project's assertions).
 * 0, -1. */
static int client_names(const char *client_id, json_t *idp, const char *names[3])
{
	const char *upstream = json_string_value(json_object_get(idp, "clientId"));
	names[0] = client_id;
	names[1] = names[2] = NULL;
	if (!upstream || !*upstream || assertion_names_tessera(upstream))
		return 0;
	if (strcmp(upstream, client_id)) {
		struct client other;
		int rc = clients_get(upstream, &other);
		if (rc < 0)
			return -1;
		if (rc == 0) /* another client's id: not this client's name */
			return 0;
	}
	names[1] = upstream;
	return 0;
}

/* The signature with the trusted issuer's keys, the claims and the binding to the client, the jti
 * spent last: an assertion refused here, for another client too, stays usable by its own.
 * 0 (*claims), 1, -1. */
static int verify_grant(const char *issuer, const char *jwks_uri, const char *const names[], const char *assertion,
			json_t **claims, struct refusal *err)
{
	struct refusal why = { 0 };
	int rc = jwks_verify(jwks_uri, NULL, assertion, assertion_algs, claims, &why);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		/* The issuer's key server failed: its 502/504, as token exchange answers. */
		if (why.status >= 500)
			return *err = why, 1;
		return assertion_refuse_signature(ASSERTION_GRANT, err);
	}
	const char *jti = NULL;
	long long exp = 0;
	rc = assertion_claims_ok(*claims, ASSERTION_GRANT, issuer, time(NULL), &jti, &exp, err);
	if (rc == 0)
		rc = assertion_for_client(*claims, names, err);
	if (rc == 0 && (rc = assertions_use_jti(issuer, jti, exp)) == 1)
		assertion_refuse_replay(ASSERTION_GRANT, err);
	return rc;
}

/* Who the assertion is about: with useSubject its sub (a membership's externalId), else its
 * email (not marked unverified), else a sub that is an email address. */
static int grant_subject(json_t *idp, json_t *claims, char email[321], const char **external_id, struct refusal *err)
{
	const char *sub = json_string_value(json_object_get(claims, "sub"));
	const char *e = json_string_value(json_object_get(claims, "email"));
	*external_id = NULL;
	email[0] = '\0';
	if (json_is_true(json_object_get(idp, "useSubject"))) {
		*external_id = sub;
		return 0;
	}
	if (!e && sub && strchr(sub, '@'))
		e = sub;
	if (!e || !strchr(e, '@') || strlen(e) > 320 || json_is_false(json_object_get(claims, "email_verified")))
		return grant_refused(err, "invalid_grant", "Assertion does not name a user");
	people_lower_email(e, email, 321);
	return 0;
}

int assertions_grant_login(const struct assertion_grant *g, struct login *out, struct refusal *err)
{
	json_t *idp = NULL, *claims = NULL;
	char *issuer = NULL, *jwks_uri = NULL;
	struct assertion_peek p;
	int rc = clients_identity_provider(g->client_id, &idp);
	if (rc == 0 && !idp)
		rc = grant_refused(err, "unauthorized_client", "Client has no trusted assertion issuer");
	if (rc == 0)
		rc = idp_verification(idp, &issuer, &jwks_uri, err);
	if (rc == 0)
		rc = assertion_peek(g->assertion, ASSERTION_GRANT, &p, err);
	if (rc == 0 && strcmp(p.iss, issuer))
		rc = assertion_refuse_issuer(ASSERTION_GRANT, err);
	const char *names[3];
	if (rc == 0)
		rc = client_names(g->client_id, idp, names);
	if (rc == 0)
		rc = verify_grant(issuer, jwks_uri, names, g->assertion, &claims, err);
	char email[321];
	const char *external_id = NULL;
	if (rc == 0)
		rc = grant_subject(idp, claims, email, &external_id, err);
	if (rc == 0) {
		struct login_request lr = { .client_id = g->client_id, .scope = g->scope && *g->scope ? g->scope : "openid",
					    .remote_addr = g->remote_addr, .user_agent = g->user_agent };
		struct external_identity who = { .method = "jwt-bearer", .email = email[0] ? email : NULL,
						 .external_id = external_id, .first_membership = true, .confines = true };
		/* The issuer is the client's IdP, its project admin's choice: confined (§S.25). */
		rc = flow_external_login(&lr, &who, out, err);
		/* The flow's 400s (User not found, ...) are this grant's invalid_grant. */
		if (rc == 1 && err->status == 400)
			err->oauth_error = "invalid_grant";
	}
	json_decref(claims);
	json_decref(idp);
	free(issuer);
	free(jwks_uri);
	return rc;
}

long long assertions_purge(long long seconds)
{
	return db_purge("DELETE FROM assertion_jti WHERE expires_at < UTC_TIMESTAMP() - INTERVAL ? SECOND "
			"LIMIT " DB_PURGE_BATCH_TEXT,
			seconds);
}

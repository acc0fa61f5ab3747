/* SPDX-License-Identifier: BSD-2-Clause */
/* assertions: private_key_jwt client authentication and the single use of assertions
 * (RFC 7523 §2.2, §3; PROTOCOL.md §7.2.5). */
#include "domain/assertions.h"
#include "core/crypto.h"
#include "core/db.h"
#include "core/refusal.h"
#include "oauth/assertion.h"
#include "oauth/jwks.h"

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

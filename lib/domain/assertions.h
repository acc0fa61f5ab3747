/* SPDX-License-Identifier: BSD-2-Clause */
/* assertions: JWTs presented to Tessera by others (RFC 7523): client authentication by
 * private_key_jwt (RFC 7523 §2.2) and the single use of every assertion's jti, recorded in
 * its table (assertion_jti) until the assertion expires. PROTOCOL.md §7.2.5. */
#ifndef TESSERA_ASSERTIONS_H
#define TESSERA_ASSERTIONS_H
#include "domain/clients.h"

struct refusal;

/* Records issuer's jti as used until exp (Unix time). 0 first use, 1 used before (a replay),
 * -1 database error. One statement. */
int assertions_use_jti(const char *issuer, const char *jti, long long exp);
/* tessera-admin purge: deletes the used ids of assertions that expired more than seconds ago
 * (an expired assertion is refused for its exp). The number deleted, or -1. */
long long assertions_purge(long long seconds);

/* Client authentication by assertion: client_assertion_type, client_assertion, and the
 * client_id the request names ("" or NULL: none; else it must be the assertion's issuer).
 * The client is read (*c), its method must allow private_key_jwt, the signature must verify
 * with its keys, the claims must hold and the jti be new. 0 authenticated, 1 refused (err:
 * 401 invalid_client), -1 failure. The client's status and membership are the caller's to
 * judge, as for a secret. */
int assertions_client(const char *type, const char *assertion, const char *named_id, struct client *c,
		      struct refusal *err);

/* The jwt-bearer grant (RFC 7523 §2.1; PROTOCOL.md §7.2.6): an assertion of the client's
 * trusted issuer (its identityProvider: issuer and JWKS, configured or discovered) about a
 * user of the client's project. */
struct assertion_grant {
	const char *client_id;     /* the client, authenticated as its method demands (the caller) */
	const char *assertion;
	const char *scope;         /* NULL: openid */
	const char *remote_addr, *user_agent;
};
#include "domain/login.h"
/* Verifies the assertion (issuer, signature, aud, exp, jti single use) and finds its user: by
 * email, or with useSubject by sub as the membership's externalId, in the client's project only.
 * 0 with the Login (membership chosen, not yet granted), 1 refused (400 invalid_grant,
 * unauthorized_client; 502/504 when the issuer's keys cannot be had), -1. */
int assertions_grant_login(const struct assertion_grant *g, struct login *out, struct refusal *err);

#endif

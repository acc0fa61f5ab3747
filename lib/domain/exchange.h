/* SPDX-License-Identifier: BSD-2-Clause */
/* exchange: token exchange (PROTOCOL.md §7.2.4, §6.5; RFC 8693): an access token of the client's
 * identity provider becomes a Login of that client. The token is validated by the IdP's
 * userinfo (200 with the person's claims) and, when it is a JWT whose iss is the IdP's issuer,
 * by its signature against the IdP's JWKS too (and its sub must be userinfo's); the person is
 * matched by email or, with useSubject, by sub → membership externalId in the client's project;
 * membership_id chooses among several memberships (else the first). */
#ifndef TESSERA_EXCHANGE_H
#define TESSERA_EXCHANGE_H
#include "core/refusal.h"
#include "domain/login.h"

struct exchange_request {
	const char *client_id, *subject_token, *membership_id, *scope, *nonce;
	const char *remote_addr, *user_agent;
	/* How the client authenticated, verified by the caller (client_secret_basic,
	 * client_secret_post, private_key_jwt); NULL: it did not. A confidential client (one whose
	 * tokenEndpointAuthMethod names a method) is refused without (RFC 8693 §2.1). */
	const char *client_auth;
};

/* 0 with the Login (membership chosen, not yet granted); 1 refused (OAuth errors; 404 for an
 * unknown client; 429, 502, 504 for the IdP's), -1. */
int exchange_login(const struct exchange_request *x, struct login *out, struct refusal *err);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* federation: signing in through an external identity provider (PROTOCOL.md §6.4, §12;
 * §12.1, §S.6, §S.7, §S.14). Two legs:
 *  - begin: the login request to continue (the client's, as Medplum's ExternalAuthState, or
 *    the sign-in page's) is checked as a sign-in would check it, kept server side in a trip
 *    (domain/extauth.h), and the browser is sent to the IdP's authorizeUrl with Tessera's
 *    own state, nonce and PKCE S256 challenge;
 *  - complete: the trip the returning state names (MAC, this browser, once), the code
 *    redeemed at the IdP's tokenUrl (client_secret_basic or client_secret_post, the verifier),
 *    the id_token's signature verified against the IdP's JWKS and its iss, aud, exp and nonce
 *    checked, the user matched by email (within the configured domain) or by sub →
 *    membership externalId (useSubject), and the Login created (authMethod "external").
 * The IdP is the client's identityProvider when the client has one, else the email domain's. */
#ifndef TESSERA_FEDERATION_H
#define TESSERA_FEDERATION_H
#include "core/refusal.h"
#include "domain/extauth.h"
#include "domain/login.h"

#include <jansson.h>
#include <stdbool.h>

/* The login request members a trip keeps (Medplum's ExternalAuthState, less returnTo). */
struct federation_request {
	const char *client_id, *project_id, *scope, *nonce, *launch, *code_challenge, *code_challenge_method;
	const char *redirect_uri, *resource_type;
	const char *domain;       /* the email domain whose IdP to use when the client has none */
	bool page;                /* started by Tessera's sign-in pages: they continue it */
	const char *page_state;   /* the page flow's client state, given back at the end */
};

/* Reads a Medplum ExternalAuthState (the JSON `state` a client puts on the authorize URL) into
 * r (pointing into the parsed JSON, which the caller keeps until done; *json is set). Every
 * member optional, strings only. 0, or 1 with 400 "Invalid state". */
int federation_parse_request(const char *text, json_t **json, struct federation_request *r, struct refusal *err);

/* Begin: *location (malloc'd) is the IdP URL to send the browser to, browser_secret the value
 * of the EXTAUTH_COOKIE cookie to set. 0, 1 refused (404 unknown client, 400 "Identity
 * provider not found", a sign-in's own refusals), -1. */
int federation_begin(const struct federation_request *r, char **location, char browser_secret[EXTAUTH_TEXT_LEN],
		     struct refusal *err);

/* Complete: the trip's Login in *l and its request in *request (owned by the caller). 0, 1
 * refused (400 the code, state or identity; 502/504 the IdP failed), -1. */
int federation_complete(const char *code, const char *state, const char *browser_secret, const char *remote_addr,
			const char *user_agent, struct login *l, json_t **request, struct refusal *err);

#endif

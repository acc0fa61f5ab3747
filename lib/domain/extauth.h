/* SPDX-License-Identifier: BSD-2-Clause */
/* extauth: the round trips through an external identity provider (table external_auth,
 * PROTOCOL.md §6.4, §12.1, §S.7, §S.14). A trip starts when Tessera sends a browser to
 * the IdP and ends, once, when the IdP sends it back to /auth/external:
 *  - the `state` the IdP carries is "<trip id>.<MAC>" (HMAC under hash_key): forged or altered
 *    states are refused before any lookup;
 *  - the browser that started the trip holds a random cookie whose keyed hash the row keeps:
 *    a state replayed from another browser (login CSRF) is refused;
 *  - a trip is spent on its first return (a replayed state is refused) and lasts 10 minutes;
 *  - the PKCE verifier (S256) and the nonce sent to the IdP are derived from the trip id under
 *    hash_key: real, server-side, never stored, never in the browser. */
#ifndef TESSERA_EXTAUTH_H
#define TESSERA_EXTAUTH_H
#include "core/refusal.h"

#include <jansson.h>

#define EXTAUTH_COOKIE "tessera-external"
#define EXTAUTH_SECONDS 600 /* also in extauth.c's SQL */
/* Spent and abandoned trips are deleted once they are this old: as new trips start (a few at
 * a time) and by tessera-admin purge (all of them). Well past EXTAUTH_SECONDS, so a trip is
 * never deleted while its browser may still come back. */
#define EXTAUTH_KEEP_SECONDS 3600
/* A state, the browser secret, a verifier, challenge or nonce fit in this (with the NUL). */
#define EXTAUTH_TEXT_LEN 96

struct extauth {
	char id[37];
	char client_id[37];    /* the client whose identityProvider was used, or "" */
	char domain[254];      /* else the DomainConfiguration's domain */
	json_t *request;       /* the login request to continue (owned; extauth_free) */
};

/* Stores a new trip; out: the state for the IdP and the browser secret for the cookie. 0 or -1. */
int extauth_start(const char *client_id, const char *domain, json_t *request, char state[EXTAUTH_TEXT_LEN],
		  char browser_secret[EXTAUTH_TEXT_LEN]);
/* The trip's PKCE pair and nonce (derived; the same for the same trip id). 0 or -1. */
int extauth_secrets(const char *trip_id, char verifier[EXTAUTH_TEXT_LEN], char challenge[EXTAUTH_TEXT_LEN],
		    char nonce[EXTAUTH_TEXT_LEN]);
/* The trip a returning state names, checked (MAC, browser, age) and spent. 0 (out filled), 1
 * refused ("Invalid state", 400), -1. */
int extauth_finish(const char *state, const char *browser_secret, struct extauth *out, struct refusal *err);
void extauth_free(struct extauth *t);
/* tessera-admin purge: deletes every trip older than EXTAUTH_KEEP_SECONDS (the request it
 * carried names a client, a redirect URI and perhaps a login hint: nothing to keep). The number
 * deleted, or -1. */
long long extauth_purge(void);

#endif

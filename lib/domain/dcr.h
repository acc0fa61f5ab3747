/* SPDX-License-Identifier: BSD-2-Clause */
/* dcr: dynamic client registration (RFC 7591) and its management (RFC 7592) at /oauth2/register
 * (PROTOCOL.md §7.6). A project opens it (project.client_registration); a registration needs one
 * of the project's initial access tokens (client_registration_token: made by a project admin,
 * shown once, stored as keyed hashes, with an expiry and a number of uses). Each registered
 * client gets a registration access token (keyed hash at rest) to read, replace and delete its
 * registration. Refusals are RFC 7591 §3.2.2 errors (invalid_redirect_uri,
 * invalid_client_metadata) or 401 invalid_token. */
#ifndef TESSERA_DCR_H
#define TESSERA_DCR_H
#include "core/refusal.h"

#include <jansson.h>

/* Initial access tokens live at most this long, and serve at most this many registrations. */
#define DCR_TOKEN_MAX_SECONDS (30L * 86400)
#define DCR_TOKEN_MAX_USES 1000

/* A new initial access token of the project (64 hex, to show once): valid expires_in seconds,
 * for uses registrations. *out: {token, id, expiresAt, uses} (id names it to list and revoke).
 * 0 or -1. */
int dcr_issue_token(const char *project_id, long expires_in, int uses, const char *created_by, json_t **out);
/* The project's initial access tokens, newest first, never their secrets: *out an array of
 * {id, createdAt, expiresAt, usesLeft, state ("usable", "expired" or "used up")}. 0 or -1. */
int dcr_list_tokens(const char *project_id, json_t **out);
/* Deletes an initial access token (it registers nothing more), in the caller's transaction;
 * project_id: whose it was. 0, 1 no such token, -1. */
int dcr_revoke_token(const char *id, char project_id[37]);

/* tessera-admin purge: deletes the initial access tokens that can no longer register a client
 * (expired or used up) and were made more than keep seconds ago (the rule of security requests).
 * The number deleted, or -1. */
long long dcr_purge_tokens(long long keep);

/* POST /oauth2/register: initial_token (the bearer, NULL when none), the metadata. 0 with
 * *out (201's body), 1 refused (err), -1. */
int dcr_register(const char *initial_token, json_t *metadata, json_t **out, struct refusal *err);
/* GET, PUT and DELETE /oauth2/register/:clientId with the client's registration access token.
 * 0 (out: the registration; none for delete), 1 refused, -1. */
int dcr_read(const char *client_id, const char *access_token, json_t **out, struct refusal *err);
int dcr_update(const char *client_id, const char *access_token, json_t *metadata, json_t **out, struct refusal *err);
int dcr_delete(const char *client_id, const char *access_token, struct refusal *err);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* exchange: an IdP's access token for a Login of the client (see exchange.h). */
#include "domain/exchange.h"
#include "core/fetch.h"
#include "core/text.h"
#include "domain/clients.h"
#include "domain/flow.h"
#include "domain/idp.h"
#include "domain/people.h"
#include "oauth/jwks.h"
#include "oauth/jwt.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define VERIFY_FAILED "Failed to verify code - check your identity provider configuration"

static const char *member(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int invalid(struct refusal *err, const char *text)
{
	return refuse_oauth(err, 400, "invalid_request", text);
}

/* The client and its identity provider. 0, 1 (404 unknown, 400 Invalid client, 401 a
 * confidential client that did not authenticate), -1. */
static int client_idp(const char *client_id, const char *client_auth, json_t **idp, struct refusal *err)
{
	struct client c;
	*idp = NULL;
	if (!client_id || !*client_id)
		return invalid(err, "Invalid client");
	int rc = clients_get(client_id, &c);
	if (rc != 0)
		return rc < 0 ? -1 : refuse(err, 404, "Not found", NULL);
	if (strcmp(c.status, "active"))
		return invalid(err, "Invalid client");
	/* PROTOCOL.md §7.6: registration offers no token exchange, so a registered client has none
	 * (here, not in the handler, so /auth/exchange is held to it too). */
	if (!clients_grant_allowed(c.grant_types, "urn:ietf:params:oauth:grant-type:token-exchange"))
		return refuse_oauth(err, 400, "unauthorized_client", CLIENTS_GRANT_REFUSED);
	/* PROTOCOL.md §7.2.4: a confidential client proves itself before its IdP is asked anything;
	 * the token endpoint verified how (its own method), /auth/exchange carries no credentials. */
	if (clients_confidential(&c) && !client_auth)
		return refuse_oauth(err, 401, "invalid_client", "Client authentication required");
	if (clients_identity_provider(client_id, idp) < 0)
		return -1;
	return *idp ? 0 : invalid(err, "Invalid client");
}

/* The IdP's userinfo for the token: its claims (JSON, or a JWT's payload verified against the
 * IdP's keys). 0, 1, -1. */
static int userinfo(json_t *idp, const char *token, json_t **claims, struct refusal *err)
{
	const char *url = member(idp, "userInfoUrl");
	*claims = NULL;
	if (!url || (strncasecmp(url, "https://", 8) && strncasecmp(url, "http://", 7)))
		return invalid(err, "Invalid user info URL - check your identity provider configuration");
	struct fetch_reply reply;
	int rc = fetch_get(url, token, &reply, err);
	if (rc != 0)
		return rc;
	const char *ct = reply.content_type ? reply.content_type : "";
	if (reply.status == 429)
		rc = refuse_oauth(err, 429, "invalid_request", "Too Many Requests");
	else if (reply.status != 200)
		rc = invalid(err, VERIFY_FAILED);
	else if (strstr(ct, "application/json"))
		rc = (*claims = json_loadb(reply.body, reply.len, 0, NULL)) && json_is_object(*claims) ? 0 : invalid(err, VERIFY_FAILED);
	else if (strstr(ct, "application/jwt")) {
		char *issuer = NULL, *jwks_uri = NULL;
		rc = idp_verification(idp, &issuer, &jwks_uri, err);
		if (rc == 0)
			rc = jwks_verify(jwks_uri, NULL, reply.body, NULL, claims, err);
		if (rc == 1 && err->status == 400)
			rc = invalid(err, VERIFY_FAILED);
		free(issuer);
		free(jwks_uri);
	} else {
		char text[160];
		snprintf(text, sizeof text, "Failed to verify code - unsupported content type: %s", ct);
		rc = refuse_copy(err, 400, text, NULL);
		err->oauth_error = "invalid_request";
	}
	fetch_reply_free(&reply);
	if (rc != 0 && *claims) {
		json_decref(*claims);
		*claims = NULL;
	}
	return rc;
}

/* A subject token that is a JWT of the IdP's own issuer is verified by signature as well
 * (and names the same subject as userinfo). Opaque tokens, and JWTs of other issuers, rest on
 * userinfo alone. 0, 1, -1. */
static int check_jwt_subject(json_t *idp, const char *token, json_t *info, struct refusal *err)
{
	json_t *peek = jwt_peek(token);
	const char *iss = member(peek, "iss");
	char *issuer = NULL, *jwks_uri = NULL;
	int rc = 0;
	if (iss && idp_verification(idp, &issuer, &jwks_uri, err) == 0 && !strcmp(iss, issuer)) {
		json_t *claims = NULL;
		rc = jwks_verify(jwks_uri, NULL, token, NULL, &claims, err);
		if (rc == 0)
			rc = jwks_check_claims(claims, issuer, NULL, NULL, time(NULL), 60, err);
		if (rc == 0 && member(claims, "sub") && member(info, "sub") && strcmp(member(claims, "sub"), member(info, "sub")))
			rc = invalid(err, "Invalid subject_token");
		else if (rc == 1 && err->status == 400)
			rc = invalid(err, "Invalid subject_token");
		json_decref(claims);
	}
	free(issuer);
	free(jwks_uri);
	json_decref(peek);
	return rc;
}

int exchange_login(const struct exchange_request *x, struct login *out, struct refusal *err)
{
	json_t *idp, *info = NULL;
	int rc = client_idp(x->client_id, x->client_auth, &idp, err);
	if (rc == 0 && (!x->subject_token || !*x->subject_token))
		rc = invalid(err, "Invalid subject_token");
	if (rc == 0)
		rc = userinfo(idp, x->subject_token, &info, err);
	if (rc == 0)
		rc = check_jwt_subject(idp, x->subject_token, info, err);
	char email[321] = "";
	const char *sub = NULL;
	if (rc == 0 && json_is_true(json_object_get(idp, "useSubject"))) {
		sub = member(info, "sub");
		if (!sub || !*sub || strlen(sub) > 255)
			rc = invalid(err, "External token does not contain subject");
	} else if (rc == 0) {
		const char *e = member(info, "email");
		if (!e || !strchr(e, '@') || strlen(e) > 320 || json_is_false(json_object_get(info, "email_verified")))
			rc = invalid(err, "External token does not contain email address");
		else
			people_lower_email(e, email, sizeof email);
	}
	if (rc == 0) {
		struct login_request lr = { .client_id = x->client_id, .scope = x->scope && *x->scope ? x->scope : "openid offline",
					    .nonce = x->nonce, .remote_addr = x->remote_addr, .user_agent = x->user_agent };
		struct external_identity who = { .method = "exchange", .email = email[0] ? email : NULL, .external_id = sub,
						 .membership_id = x->membership_id && *x->membership_id ? x->membership_id : NULL,
						 .first_membership = true };
		rc = flow_external_login(&lr, &who, out, err);
		if (rc == 1 && !err->oauth_error && err->status == 400)
			err->oauth_error = "invalid_request";
	}
	json_decref(info);
	json_decref(idp);
	return rc;
}

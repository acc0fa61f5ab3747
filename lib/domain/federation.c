/* SPDX-License-Identifier: BSD-2-Clause */
/* federation: the external identity provider round trip (see federation.h). */
#include "domain/federation.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/fetch.h"
#include "core/text.h"
#include "domain/clients.h"
#include "domain/domains.h"
#include "domain/flow.h"
#include "domain/idp.h"
#include "domain/people.h"
#include "http/redirect.h"
#include "oauth/jwks.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define IDP_NOT_FOUND "Identity provider not found"
#define CODE_FAILED "Failed to verify code - check your identity provider configuration"
#define BAD_IDP_ANSWER "Invalid response from identity provider"
/* Clock skew allowed between Tessera and an IdP on exp, nbf and iat. */
#define LEEWAY_SECONDS 60

static const char *const request_members[] = { "clientId", "projectId", "scope", "nonce", "launch", "codeChallenge",
					       "codeChallengeMethod", "redirectUri", "resourceType", "domain", NULL };

static const char *member(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The request of a trip as r says, with only the known members (strings, bounded). */
static void request_fields(json_t *j, struct federation_request *r)
{
	memset(r, 0, sizeof *r);
	r->client_id = member(j, "clientId");
	r->project_id = member(j, "projectId");
	r->scope = member(j, "scope");
	r->nonce = member(j, "nonce");
	r->launch = member(j, "launch");
	r->code_challenge = member(j, "codeChallenge");
	r->code_challenge_method = member(j, "codeChallengeMethod");
	r->redirect_uri = member(j, "redirectUri");
	r->resource_type = member(j, "resourceType");
	r->domain = member(j, "domain");
	r->page = json_is_true(json_object_get(j, "page"));
	r->page_state = member(j, "pageState");
}

int federation_parse_request(const char *text, json_t **json, struct federation_request *r, struct refusal *err)
{
	*json = text ? json_loads(text, JSON_REJECT_DUPLICATES, NULL) : NULL;
	bool ok = json_is_object(*json);
	for (int i = 0; ok && request_members[i]; i++) {
		json_t *v = json_object_get(*json, request_members[i]);
		/* An empty string is the SDK's "none" (clientId ""), a null as good as absent. */
		if (json_is_null(v) || (json_is_string(v) && !*json_string_value(v)))
			json_object_del(*json, request_members[i]);
		else if (v && (!json_is_string(v) || json_string_length(v) > 2048))
			ok = false;
	}
	if (!ok) {
		json_decref(*json);
		*json = NULL;
		return refuse(err, 400, "Invalid state", "state");
	}
	request_fields(*json, r);
	/* What only Tessera's own pages may set never comes from a client's state. */
	r->page = false;
	r->page_state = NULL;
	return 0;
}

static void lower_copy(char *out, size_t cap, const char *in)
{
	size_t i = 0;
	for (; in && in[i] && i + 1 < cap; i++)
		out[i] = (char)((in[i] >= 'A' && in[i] <= 'Z') ? in[i] - 'A' + 'a' : in[i]);
	out[i] = '\0';
}

/* The IdP to use: the client's (idp_client set to it) or else the domain's. 0, 1 (400), -1. */
static int find_idp(const char *client_id, const char *domain, json_t **idp, char idp_client[37],
		    char idp_domain[254], struct refusal *err)
{
	*idp = NULL;
	idp_client[0] = idp_domain[0] = '\0';
	if (client_id && *client_id) {
		if (clients_identity_provider(client_id, idp) < 0)
			return -1;
		if (*idp) {
			text_copy(idp_client, 37, client_id);
			return 0;
		}
	}
	if (domain && *domain) {
		lower_copy(idp_domain, 254, domain);
		if (domains_identity_provider(idp_domain, idp) < 0)
			return -1;
		if (json_is_object(*idp))
			return 0;
		json_decref(*idp);
		*idp = NULL;
	}
	idp_domain[0] = '\0';
	return refuse(err, 400, IDP_NOT_FOUND, NULL);
}

/* The callback Tessera gives every IdP (its redirect_uri, registered there). */
static void callback_url(char *out, size_t cap)
{
	snprintf(out, cap, "%sauth/external", cfg.base_url);
}

static struct login_request login_request_of(const struct federation_request *r)
{
	return (struct login_request){
		.client_id = r->client_id, .project_id = r->project_id, .scope = r->scope, .nonce = r->nonce,
		.launch = r->launch, .code_challenge = r->code_challenge, .code_challenge_method = r->code_challenge_method,
		.resource_type = r->resource_type,
		/* Only the pages' flow binds its redirect URI to the code (§7.1); an SDK's is checked here. */
		.redirect_uri = r->page ? r->redirect_uri : NULL,
		.page = r->page,
	};
}

/* The request as the trip keeps it. */
static json_t *trip_request(const struct federation_request *r)
{
	json_t *j = json_object();
	const char *values[] = { r->client_id, r->project_id, r->scope, r->nonce, r->launch, r->code_challenge,
				 r->code_challenge_method, r->redirect_uri, r->resource_type, r->domain };
	for (int i = 0; request_members[i]; i++)
		if (values[i] && *values[i])
			json_object_set_new(j, request_members[i], json_string(values[i]));
	if (r->page)
		json_object_set_new(j, "page", json_true());
	if (r->page && r->page_state)
		json_object_set_new(j, "pageState", json_string(r->page_state));
	return j;
}

/* The client and its redirect URI, checked before the browser leaves (exact match). */
static int check_client_redirect(const struct federation_request *r, struct refusal *err)
{
	if (!r->redirect_uri)
		return 0;
	struct client c;
	int rc = r->client_id ? clients_get(r->client_id, &c) : 1;
	if (rc != 0)
		return rc < 0 ? -1 : refuse(err, 400, "Invalid redirect URI", "redirectUri");
	return clients_redirect_ok(&c, r->redirect_uri) ? 0 : refuse(err, 400, "Invalid redirect URI", "redirectUri");
}

static char *authorize_location(json_t *idp, const char *state, const char *trip_id)
{
	const char *authorize = member(idp, "authorizeUrl"), *client = member(idp, "clientId");
	char verifier[EXTAUTH_TEXT_LEN], challenge[EXTAUTH_TEXT_LEN], nonce[EXTAUTH_TEXT_LEN], callback[2100];
	if (!authorize || !client || !fetch_url_allowed(authorize) || extauth_secrets(trip_id, verifier, challenge, nonce) < 0)
		return NULL;
	callback_url(callback, sizeof callback);
	struct url_builder u;
	url_start(&u, authorize);
	url_param(&u, "response_type", "code");
	url_param(&u, "client_id", client);
	url_param(&u, "redirect_uri", callback);
	url_param(&u, "scope", "openid profile email");
	url_param(&u, "state", state);
	url_param(&u, "nonce", nonce);
	if (json_is_true(json_object_get(idp, "usePkce"))) {
		url_param(&u, "code_challenge", challenge);
		url_param(&u, "code_challenge_method", "S256");
	}
	char *out = url_get(&u) ? strdup(url_get(&u)) : NULL;
	url_free(&u);
	return out;
}

int federation_begin(const struct federation_request *r, char **location, char browser_secret[EXTAUTH_TEXT_LEN],
		     struct refusal *err)
{
	*location = NULL;
	json_t *idp;
	char idp_client[37], idp_domain[254], project[37], state[EXTAUTH_TEXT_LEN];
	struct login_request lr = login_request_of(r);
	/* The sign-in's own checks first: client, project, PKCE, launch. */
	int rc = flow_check_request(&lr, project, err);
	if (rc == 0)
		rc = check_client_redirect(r, err);
	if (rc == 0)
		rc = find_idp(r->client_id, r->domain, &idp, idp_client, idp_domain, err);
	if (rc != 0)
		return rc;
	json_t *kept = trip_request(r);
	rc = extauth_start(idp_client, idp_domain, kept, state, browser_secret);
	json_decref(kept);
	if (rc == 0) {
		char id[37];
		text_copy(id, sizeof id, state); /* the state starts with the trip id */
		id[36] = '\0';
		*location = authorize_location(idp, state, id);
		if (!*location)
			rc = refuse(err, 400, "Failed to construct URL for the domain", NULL);
	}
	json_decref(idp);
	return rc;
}

/* ---- the return leg ---- */

static char *escaped(const char *s)
{
	return curl_easy_escape(NULL, s ? s : "", 0);
}

/* grant_type=authorization_code&code=…&redirect_uri=…[&code_verifier=…][&client_id=…&client_secret=…] */
static char *token_form(json_t *idp, const char *code, const char *verifier, const char *secret, bool post_auth)
{
	char callback[2100];
	callback_url(callback, sizeof callback);
	char *c = escaped(code), *cb = escaped(callback), *v = escaped(verifier);
	char *id = escaped(member(idp, "clientId")), *sec = escaped(secret);
	char *form = NULL;
	if (c && cb && v && id && sec) {
		size_t n = strlen(c) + strlen(cb) + strlen(v) + strlen(id) + strlen(sec) + 200;
		if ((form = malloc(n))) {
			int len = snprintf(form, n, "grant_type=authorization_code&code=%s&redirect_uri=%s", c, cb);
			if (json_is_true(json_object_get(idp, "usePkce")))
				len += snprintf(form + len, n - (size_t)len, "&code_verifier=%s", v);
			if (post_auth)
				snprintf(form + len, n - (size_t)len, "&client_id=%s%s%s", id, secret ? "&client_secret=" : "",
					 secret ? sec : "");
		}
	}
	curl_free(c);
	curl_free(cb);
	curl_free(v);
	curl_free(id);
	if (sec) {
		memset(sec, 0, strlen(sec));
		curl_free(sec);
	}
	return form;
}

/* The code redeemed at the IdP's token endpoint: its answer (with an id_token). 0, 1, -1. */
static int redeem_code(json_t *idp, const char *code, const char *verifier, json_t **answer, struct refusal *err)
{
	*answer = NULL;
	const char *token_url = member(idp, "tokenUrl");
	if (!token_url)
		return refuse(err, 400, CODE_FAILED, NULL);
	const char *method = member(idp, "tokenAuthMethod");
	bool post_auth = method && !strcmp(method, "client_secret_post");
	char *secret = idp_secret(idp);
	char *form = token_form(idp, code, verifier, secret, post_auth || !secret);
	struct fetch_reply reply;
	int rc = form ? fetch_post_form(token_url, form, post_auth || !secret ? NULL : member(idp, "clientId"), secret, &reply,
				       err)
		      : -1;
	idp_secret_free(secret);
	if (form) {
		memset(form, 0, strlen(form));
		free(form);
	}
	if (rc != 0)
		return rc;
	json_t *body = NULL;
	if (reply.status < 200 || reply.status > 299)
		rc = refuse(err, 400, CODE_FAILED, NULL);
	else if (!(body = json_loadb(reply.body, reply.len, 0, NULL)) || !member(body, "id_token"))
		rc = refuse(err, 502, BAD_IDP_ANSWER, NULL);
	else
		*answer = json_incref(body);
	json_decref(body);
	fetch_reply_free(&reply);
	return rc;
}

/* The id_token verified: signature against the IdP's JWKS, iss, aud (its clientId), exp, nonce. */
static int verify_id_token(json_t *idp, const char *id_token, const char *nonce, json_t **claims, struct refusal *err)
{
	char *issuer = NULL, *jwks_uri = NULL;
	int rc = idp_verification(idp, &issuer, &jwks_uri, err);
	if (rc == 0)
		rc = jwks_verify(jwks_uri, NULL, id_token, NULL, claims, err);
	if (rc == 0 && (rc = jwks_check_claims(*claims, issuer, member(idp, "clientId"), nonce, time(NULL),
					      LEEWAY_SECONDS, err)) != 0) {
		json_decref(*claims);
		*claims = NULL;
	}
	free(issuer);
	free(jwks_uri);
	return rc;
}

/* §6.4: who the id_token names — sub (useSubject) or a lower-cased email, within the domain. */
static int identity_of(json_t *idp, json_t *claims, const char *domain, char email[321], const char **sub,
		       struct refusal *err)
{
	email[0] = '\0';
	*sub = NULL;
	if (json_is_true(json_object_get(idp, "useSubject"))) {
		*sub = member(claims, "sub");
		return *sub && **sub && strlen(*sub) <= 255 ? 0 : refuse(err, 400, "External token does not contain subject", NULL);
	}
	const char *e = member(claims, "email");
	if (!e || !*e || strlen(e) > 320 || !strchr(e, '@'))
		return refuse(err, 400, "External token does not contain email address", NULL);
	/* An address the IdP itself says it has not verified vouches for no one. */
	if (json_is_false(json_object_get(claims, "email_verified")))
		return refuse(err, 400, "External email address is not verified", NULL);
	people_lower_email(e, email, 321);
	if (domain && *domain) {
		const char *at = strrchr(email, '@');
		if (!at || strcmp(at + 1, domain))
			return refuse(err, 400, "Email address does not match domain", NULL);
	}
	return 0;
}

/* An id_token without the email (OpenID providers may keep it for UserInfo, as
 * oidc-provider does): the IdP's userinfo with the access token the code brought, whose sub
 * must be the id_token's. Only email and email_verified are taken from it. 0, 1, -1. */
static int email_from_userinfo(json_t *idp, json_t *answer, json_t *claims, struct refusal *err)
{
	const char *userinfo = member(idp, "userInfoUrl"), *access = member(answer, "access_token");
	if (member(claims, "email") || json_is_true(json_object_get(idp, "useSubject")) || !userinfo || !access)
		return 0;
	json_t *info;
	int rc = fetch_get_json(userinfo, access, &info, NULL, err);
	if (rc != 0)
		return rc;
	const char *sub = member(info, "sub");
	if (sub && member(claims, "sub") && !strcmp(sub, member(claims, "sub")) && member(info, "email")) {
		json_object_set(claims, "email", json_object_get(info, "email"));
		if (json_object_get(info, "email_verified"))
			json_object_set(claims, "email_verified", json_object_get(info, "email_verified"));
	}
	json_decref(info);
	return 0;
}

/* The IdP half of the return: code → verified claims. 0, 1, -1. */
static int upstream_claims(const struct extauth *trip, json_t *idp, const char *code, json_t **claims, struct refusal *err)
{
	char verifier[EXTAUTH_TEXT_LEN], challenge[EXTAUTH_TEXT_LEN], nonce[EXTAUTH_TEXT_LEN];
	json_t *answer;
	if (extauth_secrets(trip->id, verifier, challenge, nonce) < 0)
		return -1;
	int rc = redeem_code(idp, code, verifier, &answer, err);
	if (rc != 0)
		return rc;
	rc = verify_id_token(idp, member(answer, "id_token"), nonce, claims, err);
	if (rc == 0 && (rc = email_from_userinfo(idp, answer, *claims, err)) != 0) {
		json_decref(*claims);
		*claims = NULL;
	}
	json_decref(answer);
	return rc;
}

int federation_complete(const char *code, const char *state, const char *browser_secret, const char *remote_addr,
			const char *user_agent, struct login *l, json_t **request, struct refusal *err)
{
	*request = NULL;
	struct extauth trip;
	int rc = extauth_finish(state, browser_secret, &trip, err);
	if (rc != 0)
		return rc;
	json_t *idp = NULL, *claims = NULL;
	char idp_client[37], idp_domain[254], email[321];
	const char *sub;
	rc = find_idp(trip.client_id, trip.domain, &idp, idp_client, idp_domain, err);
	if (rc == 0)
		rc = upstream_claims(&trip, idp, code, &claims, err);
	if (rc == 0)
		rc = identity_of(idp, claims, trip.domain, email, &sub, err);
	if (rc == 0) {
		struct federation_request r;
		request_fields(trip.request, &r);
		struct login_request lr = login_request_of(&r);
		lr.remote_addr = remote_addr;
		lr.user_agent = user_agent;
		/* §6.4's default; a page sign-in keeps the client's own (or openid). */
		if (!lr.scope && !r.page)
			lr.scope = "openid offline";
		/* A domain's IdP owns the addresses of its domain (identity_of checked the domain); a
		 * client's IdP is its project admin's choice and proves no address beyond the project,
		 * so its session stays in that project (PROTOCOL.md §S.25). */
		struct external_identity who = { .method = "external", .email = email[0] ? email : NULL, .external_id = sub,
						 .proves_email = idp_domain[0] && !idp_client[0],
						 .confines = idp_client[0] != '\0' };
		rc = flow_external_login(&lr, &who, l, err);
	}
	json_decref(claims);
	json_decref(idp);
	if (rc == 0)
		*request = json_incref(trip.request);
	extauth_free(&trip);
	return rc;
}

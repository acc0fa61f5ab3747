/* SPDX-License-Identifier: BSD-2-Clause */
/* tessera-session: the session stage: GET /auth/me (§6.10), /oauth2/logout (§7.4),
 * /oauth2/introspect (§7.5, client-authenticated: PROTOCOL.md §S.8), /oauth2/revoke, and dynamic
 * client registration at /oauth2/register (§7.6, client-registration.c). */
#include "http/app.h"
#include "client-registration.h"
#include "domain/fields.h"
#include "domain/pipeline.h"
#include "domain/assertions.h"
#include "domain/audit.h"
#include "domain/auth.h"
#include "domain/clients.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/db.h"
#include "domain/flow.h"
#include "domain/login.h"
#include "oauth/jwt.h"
#include "domain/me.h"
#include "domain/userinfo.h"
#include "http/request.h"
#include "http/response.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int me(struct request *req)
{
	json_t *doc;
	int rc = me_build(req->auth, &doc);
	if (rc != 0) {
		if (rc > 0)
			send_unauthorized(req);
		return rc < 0 ? -1 : 0;
	}
	send_json(req, 200, doc, NULL);
	return 0;
}

static int logout(struct request *req)
{
	const struct auth *a = req->auth;
	audit_stage(&(struct audit_event){ .type = AUDIT_LOGOUT });
	if (a->stateless ? login_revoke_token(a->login.id, a->login.client_id, a->exp) < 0
			 : !a->basic && login_revoke(a->login.id) < 0)
		return -1;
	char cookie[600] = "";
	if (a->login.client_id[0])
		flow_cookie_header(a->login.client_id, NULL, cookie, sizeof cookie);
	json_t *o = outcome_new("ok", "information", "informational", "All OK", NULL);
	send_json(req, 200, o, cookie);
	return 0;
}

static json_t *inactive(void)
{
	return json_pack("{s:b}", "active", false);
}

/* The answer for a usable token seen by a caller of project_id: active only for that project. */
static json_t *introspection(const struct auth_subject *t, const char *project_id)
{
	if (!t->usable || strcmp(t->project_id, project_id))
		return inactive();
	json_t *body = json_pack("{s:b, s:O, s:O, s:O, s:s, s:s, s:s, s:s}", "active", true, "iat",
				 json_object_get(t->claims, "iat"), "exp", json_object_get(t->claims, "exp"), "iss",
				 json_object_get(t->claims, "iss"), "sub", t->user_id, "scope", t->scope, "token_type",
				 "Bearer", "username", t->user_id);
	if (body && t->client_id[0])
		json_object_set_new(body, "client_id", json_string(t->client_id));
	if (body && !strcmp(t->profile_type, "Patient"))
		json_object_set_new(body, "patient", json_string(t->profile_id));
	return body;
}

/* A bearer caller (two queries: its own session, then the token). 0, 1 refused, -1. */
static int introspect_as_bearer(struct request *req, struct auth_subject *t, char project_id[37])
{
	struct auth caller;
	int rc = auth_authenticate(req, &caller);
	if (rc == 0) {
		snprintf(project_id, 37, "%s", caller.project_id);
		snprintf(req->log_client, sizeof req->log_client, "%s", caller.login.client_id);
	}
	auth_free(&caller);
	if (rc != 0)
		return rc;
	struct auth a;
	rc = auth_from_token(req_param(req, "token"), &a);
	if (rc == 0) {
		t->usable = a.login.granted;
		snprintf(t->project_id, sizeof t->project_id, "%s", a.project_id);
		snprintf(t->user_id, sizeof t->user_id, "%s", a.login.user_id);
		snprintf(t->scope, sizeof t->scope, "%s", a.login.scope);
		snprintf(t->client_id, sizeof t->client_id, "%s", a.login.client_id);
		snprintf(t->profile_type, sizeof t->profile_type, "%s", a.profile_type);
		snprintf(t->profile_id, sizeof t->profile_id, "%s", a.profile_id);
		t->claims = json_incref(a.claims);
	}
	auth_free(&a);
	return rc < 0 ? -1 : 0;
}

static bool asserting(struct request *req)
{
	return req_param(req, "client_assertion") || req_param(req, "client_assertion_type");
}

/* A client assertion (private_key_jwt, PROTOCOL.md §7.2.5), never beside another method.
 * 0 authenticated (*c), 1 refused (sent), -1. */
static int asserted_client(struct request *req, struct client *c)
{
	if (req->authorization || req_param(req, "client_secret")) {
		send_oauth_error(req, 400, "invalid_request", "Multiple client authentication methods");
		return 1;
	}
	struct refusal err = { 0 };
	int rc = assertions_client(req_param(req, "client_assertion_type"), req_param(req, "client_assertion"),
				   req_param(req, "client_id"), c, &err);
	if (rc > 0)
		send_oauth_error(req, err.status, err.oauth_error, err.text);
	return rc;
}

/* The token's state for a client that authenticated with an assertion. 0, 1 refused (sent), -1. */
static int introspect_as_asserted(struct request *req, struct auth_subject *t, char project_id[37])
{
	struct client c, again;
	int rc = asserted_client(req, &c);
	if (rc != 0)
		return rc;
	rc = auth_introspect(c.id, req_param(req, "token"), &again, t);
	if (rc == 0 && !clients_usable(&again))
		rc = 1;
	if (rc == 0) {
		snprintf(project_id, 37, "%s", again.project_id);
		snprintf(req->log_client, sizeof req->log_client, "%s", again.id);
	}
	if (rc == 1)
		send_oauth_error(req, 401, "invalid_client", "Client authentication required");
	return rc;
}

/* §7.5, client-authenticated (PROTOCOL.md §S.8): the caller is a client (Basic, only its
 * current secret, as Basic everywhere; client_secret_post; or private_key_jwt), each only when
 * its tokenEndpointAuthMethod allows that method, or holds a bearer token; its project bounds
 * what it may learn. A client caller and the token are read in one query. */
static int introspect(struct request *req)
{
	char project_id[37] = "";
	struct auth_subject t = { 0 };
	int rc;
	if (auth_is_bearer(req)) {
		rc = introspect_as_bearer(req, &t, project_id);
	} else if (asserting(req)) {
		rc = introspect_as_asserted(req, &t, project_id);
		if (rc == 1) {
			auth_subject_free(&t);
			return 0;
		}
	} else {
		char id[128] = "", secret[256] = "";
		bool basic = req->authorization != NULL;
		if (basic && (strncmp(req->authorization, "Basic ", 6) ||
			      !parse_basic_auth(req->authorization, id, sizeof id, secret, sizeof secret)))
			rc = 1;
		else {
			if (!basic) {
				snprintf(id, sizeof id, "%s", req_param(req, "client_id") ? req_param(req, "client_id") : "");
				snprintf(secret, sizeof secret, "%s", req_param(req, "client_secret") ? req_param(req, "client_secret") : "");
			}
			struct client c;
			rc = id[0] && secret[0] ? auth_introspect(id, req_param(req, "token"), &c, &t) : 1;
			if (rc == 0 && (!clients_secret_ok(&c, secret, !basic) || !clients_usable(&c) ||
					!clients_method_allowed(&c, basic ? "client_secret_basic" : "client_secret_post")))
				rc = 1;
			if (rc == 0) {
				snprintf(project_id, sizeof project_id, "%s", c.project_id);
				snprintf(req->log_client, sizeof req->log_client, "%s", c.id);
			}
		}
		memset(secret, 0, sizeof secret);
	}
	if (rc != 0) {
		auth_subject_free(&t);
		if (rc < 0)
			return -1;
		send_oauth_error(req, 401, "invalid_client", "Client authentication required");
		return 0;
	}
	json_t *body = introspection(&t, project_id);
	auth_subject_free(&t);
	send_json(req, 200, body, NULL);
	return 0;
}

static int userinfo(struct request *req)
{
	json_t *info;
	int rc = userinfo_build(req->auth, &info);
	if (rc != 0) {
		if (rc > 0)
			send_unauthorized(req);
		return rc < 0 ? -1 : 0;
	}
	send_json(req, 200, info, NULL);
	return 0;
}

/* §6.15: only the caller's own sessions; anyone else's login is "not found". */
static int revoke_session(struct request *req)
{
	const struct auth *a = req->auth;
	const char *id = req_param(req, "loginId");
	char entity[48];
	snprintf(entity, sizeof entity, "Login/%s", id);
	audit_stage(&(struct audit_event){ .type = AUDIT_SESSION_REVOKED, .entity = entity });
	/* A confined session ends only its own project's sessions (PROTOCOL.md §S.25). */
	int rc = login_revoke_own(id, a->login.user_id, auth_sessions_project(a));
	if (rc < 0)
		return -1;
	if (rc == 1)
		send_not_found(req);
	else
		send_all_ok(req);
	return 0;
}

/* Who revokes: a verified client (id), or nobody (id ""). 0, 1 refused (sent), -1. */
static int revoking_client(struct request *req, char id[128])
{
	if (asserting(req)) {
		struct client c;
		int rc = asserted_client(req, &c);
		if (rc == 0)
			snprintf(id, 128, "%s", c.id);
		return rc;
	}
	char secret[256] = "";
	if (req->authorization && !parse_basic_auth(req->authorization, id, 128, secret, sizeof secret)) {
		send_oauth_error(req, 401, "invalid_client", "Invalid client");
		return 1;
	}
	if (!req->authorization) {
		snprintf(id, 128, "%s", req_param(req, "client_id") ? req_param(req, "client_id") : "");
		snprintf(secret, sizeof secret, "%s", req_param(req, "client_secret") ? req_param(req, "client_secret") : "");
	}
	if (!id[0])
		return 0;
	bool presented = secret[0] || req->authorization;
	struct client c;
	int rc = clients_get(id, &c);
	bool ok = rc == 0 && clients_secret_ok(&c, secret, true) &&
		  clients_method_allowed(&c, req->authorization ? "client_secret_basic" : "client_secret_post");
	memset(secret, 0, sizeof secret);
	if (rc < 0)
		return -1;
	/* A public client may only name itself; a confidential one (tokenEndpointAuthMethod)
	 * authenticates with its method (RFC 7009 §2.1). */
	if (!presented && !(rc == 0 && clients_confidential(&c)))
		return 0;
	if (!ok) {
		send_oauth_error(req, 401, "invalid_client", presented ? "Invalid client" : "Client authentication required");
		return 1;
	}
	return 0;
}

/* RFC 7009. The token's login is revoked when the caller may: a presented client identity
 * must be the token's client (and a presented secret or assertion must verify); a token of a
 * login without a client is revoked on possession. Unknown or invalid tokens get 200 too. */
static int revoke_token(struct request *req)
{
	char id[128] = "";
	int who = revoking_client(req, id);
	if (who != 0)
		return who < 0 ? -1 : 0;
	const char *why = NULL;
	json_t *claims = jwt_verify(req_param(req, "token"), &why);
	if (!claims && why && !strcmp(why, JWT_KEYS_UNAVAILABLE))
		return -1;
	const char *login_id = json_string_value(json_object_get(claims, "login_id"));
	const char *token_client = json_string_value(json_object_get(claims, "client_id"));
	/* A self-contained token (jti, no Login; only access tokens have one) goes to the
	 * revocation table until it expires; its project is its client's. */
	const char *jti = json_string_value(json_object_get(claims, "jti"));
	json_t *exp = json_object_get(claims, "exp");
	int rc = 0;
	if (login_id && (!id[0] || (token_client && !strcmp(id, token_client))) && (id[0] || !token_client)) {
		struct client tc;
		if (!jti)
			rc = login_revoke_audited(login_id, AUDIT_TOKEN_REVOKED);
		else if (token_client && json_is_integer(exp) && crypto_is_uuid(jti) && (rc = clients_get(token_client, &tc)) >= 0)
			rc = login_revoke_token_audited(jti, rc == 0 ? tc.project_id : NULL, token_client,
							(long long)json_integer_value(exp), AUDIT_TOKEN_REVOKED);
	}
	json_decref(claims);
	if (rc < 0)
		return -1;
	send_json(req, 200, json_object(), NULL);
	return 0;
}

static bool is_uuid(const char *v)
{
	return crypto_is_uuid(v);
}

static const struct input revoke_session_inputs[] = {
	{ "loginId", IN_TOKEN, true, 36, "Login ID is required.", is_uuid },
	{ 0 },
};

static const struct input revoke_token_inputs[] = {
	{ "token", IN_TOKEN, true, 8192, "Missing token", NULL },
	FIELD_TOKEN_TYPE_HINT,
	FIELD_CLIENT_ID_TOKEN,
	FIELD_CLIENT_SECRET_REVOKE,
	FIELDS_CLIENT_ASSERTION,
	{ 0 },
};

static const struct input introspect_inputs[] = {
	{ "token", IN_TOKEN, true, 8192, "Token to introspect must be provided", NULL },
	FIELD_TOKEN_TYPE_HINT,
	FIELD_CLIENT_ID_TOKEN,
	FIELD_CLIENT_SECRET,
	FIELDS_CLIENT_ASSERTION,
	{ 0 },
};

static const struct route routes[] = {
	{ "GET", "/auth/me", me, NULL, ROUTE_AUTH },
	{ "GET POST", "/oauth2/logout", logout, NULL, ROUTE_AUTH },
	{ "GET POST", "/oauth2/userinfo", userinfo, NULL, ROUTE_AUTH },
	{ "POST", "/auth/revoke", revoke_session, revoke_session_inputs, ROUTE_AUTH },
	{ "POST", "/oauth2/revoke", revoke_token, revoke_token_inputs, ROUTE_OAUTH | ROUTE_FORM_ONLY },
	{ "POST", "/oauth2/introspect", introspect, introspect_inputs, ROUTE_TEXT_ERRORS },
	/* Dynamic client registration (client-registration.c); the bearer is a registration token. */
	{ "POST", "/oauth2/register", register_client, NULL, ROUTE_OAUTH },
	{ "GET", "/oauth2/register/:clientId", read_registration, NULL, ROUTE_OAUTH },
	{ "PUT", "/oauth2/register/:clientId", update_registration, NULL, ROUTE_OAUTH },
	{ "DELETE", "/oauth2/register/:clientId", delete_registration, NULL, ROUTE_OAUTH },
	{ 0 },
};

int main(void)
{
	return pipeline_run("tessera-session", routes);
}

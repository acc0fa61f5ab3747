/* tessera-session: the session stage: GET /auth/me (§6.10), /oauth2/logout (§7.4) and
 * /oauth2/introspect (§7.5, client-authenticated: stricter.md row 8). */
#include "app.h"
#include "auth.h"
#include "clients.h"
#include "config.h"
#include "db.h"
#include "jwt.h"
#include "me.h"
#include "request.h"
#include "response.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int me(struct request *req)
{
	json_t *doc = me_build(req->auth);
	if (!doc) {
		if (db_unavailable())
			return -1;
		send_unauthorized(req);
		return 0;
	}
	send_json(req, 200, doc, NULL);
	return 0;
}

static int logout(struct request *req)
{
	const struct auth *a = req->auth;
	if (!a->basic && login_revoke(a->login.id) < 0)
		return -1;
	char cookie[600] = "";
	if (a->login.client_id[0])
		snprintf(cookie, sizeof cookie,
			 "Set-Cookie: medplum-%s=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly;%s "
			 "SameSite=%s\r\n",
			 a->login.client_id, cfg.cookie_secure ? " Secure;" : "", cfg.cookie_secure ? "None" : "Lax");
	json_t *o = outcome_new("ok", "information", "informational", "All OK", NULL);
	send_json(req, 200, o, cookie);
	return 0;
}

/* The caller of /oauth2/introspect must be a client (Basic or client_secret_post) or hold a
 * bearer token; its project bounds what it may learn. 0 ok, 1 refused, -1 database error. */
static int introspection_caller(struct request *req, char project_id[37])
{
	struct auth caller;
	int rc = auth_authenticate(req, &caller);
	if (rc == 0) {
		snprintf(project_id, 37, "%s", caller.project_id);
		snprintf(req->log_client, sizeof req->log_client, "%s", caller.login.client_id);
	}
	auth_free(&caller);
	if (rc != 1 || req->authorization)
		return rc;
	const char *id = req_param(req, "client_id"), *secret = req_param(req, "client_secret");
	struct client c;
	if (!id || !secret || (rc = clients_get(id, &c)) == 1)
		return 1;
	if (rc < 0)
		return -1;
	if (!clients_secret_ok(&c, secret, true) || !clients_usable(&c))
		return 1;
	snprintf(project_id, 37, "%s", c.project_id);
	snprintf(req->log_client, sizeof req->log_client, "%s", c.id);
	return 0;
}

static int introspect(struct request *req)
{
	char project_id[37] = "";
	int rc = introspection_caller(req, project_id);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		send_oauth_error(req, 401, "invalid_client", "Client authentication required");
		return 0;
	}
	struct auth t;
	rc = auth_from_token(req_param(req, "token"), &t);
	if (rc < 0) {
		auth_free(&t);
		return -1;
	}
	json_t *body;
	if (rc == 1 || strcmp(t.project_id, project_id) || !t.login.granted) {
		body = json_pack("{s:b}", "active", false);
	} else {
		body = json_pack("{s:b, s:O, s:O, s:O, s:s, s:s, s:s, s:s}", "active", true, "iat",
				 json_object_get(t.claims, "iat"), "exp", json_object_get(t.claims, "exp"), "iss",
				 json_object_get(t.claims, "iss"), "sub", t.login.user_id, "scope", t.login.scope,
				 "token_type", "Bearer", "username", t.login.user_id);
		if (t.login.client_id[0])
			json_object_set_new(body, "client_id", json_string(t.login.client_id));
		if (!strcmp(t.profile_type, "Patient"))
			json_object_set_new(body, "patient", json_string(t.profile_id));
	}
	auth_free(&t);
	send_json(req, 200, body, NULL);
	return 0;
}

static const struct input introspect_inputs[] = {
	{ "token", IN_TOKEN, true, 8192, "Token to introspect must be provided", NULL },
	{ "token_type_hint", IN_TOKEN, false, 64, "Invalid token_type_hint", NULL },
	{ "client_id", IN_TOKEN, false, 127, "Invalid client", NULL },
	{ "client_secret", IN_TOKEN, false, 255, "Invalid secret", NULL },
	{ 0 },
};

static const struct route routes[] = {
	{ "GET", "/auth/me", me, NULL, ROUTE_AUTH },
	{ "GET POST", "/oauth2/logout", logout, NULL, ROUTE_AUTH },
	{ "POST", "/oauth2/introspect", introspect, introspect_inputs, ROUTE_TEXT_ERRORS },
	{ 0 },
};

int main(void)
{
	return app_run("tessera-session", routes);
}

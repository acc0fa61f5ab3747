/* SPDX-License-Identifier: BSD-2-Clause */
/* tessera-authorize: GET and POST /oauth2/authorize (PROTOCOL.md §7.1). Checks the client and its
 * exact redirect URI, reuses an existing session for prompt=none when the browser proves it
 * with its own SSO cookie (id_token_hint only names the expected user, §S.17),
 * and otherwise continues to Tessera's own sign-in page at <app_base_url>oauth. */
#include "http/app.h"
#include "domain/fields.h"
#include "domain/pipeline.h"
#include "domain/clients.h"
#include "core/config.h"
#include "core/crypto.h"
#include "domain/launches.h"
#include "domain/login.h"
#include "domain/flow.h"
#include "oauth/jwt.h"
#include "oauth/smart.h"
#include "http/redirect.h"
#include "http/request.h"
#include "http/response.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* GET reads the query, POST the form body; max_age and id_token_hint always come from the
 * query (Medplum's behaviour). */
static const char *param(const struct request *req, const char *name)
{
	return strcmp(req->method, "POST") ? req_query_param(req, name) : req_body_param(req, name);
}

static int send_redirect(struct request *req, const char *url)
{
	char header[8300];
	if (redirect_header(url, header, sizeof header) < 0) {
		send_text(req, 400, "Invalid redirect URI", NULL);
		return 0;
	}
	send_empty(req, 302, header);
	return 0;
}

/* Step 3: errors go back to the client's redirect URI with error, description and state. */
static int redirect_error(struct request *req, const char *redirect_uri, const char *error, const char *text)
{
	struct url_builder u;
	url_start(&u, redirect_uri);
	url_param(&u, "error", error);
	url_param(&u, "error_description", text);
	const char *state = param(req, "state");
	url_param(&u, "state", state ? state : "");
	int rc = send_redirect(req, url_get(&u));
	url_free(&u);
	return rc;
}

/* The launch parameter, when given, must name a stored launch of the project (the client's;
 * a reused session's): 0 fine, 1 unknown or another project's (PROTOCOL.md §11.2), -1
 * database failure (503, not an "Invalid launch" redirect to the client). */
static int launch_check(const struct request *req, const char *project)
{
	const char *launch = param(req, "launch");
	if (!launch || !*launch)
		return 0;
	if (!crypto_is_uuid(launch))
		return 1;
	return launches_exists(launch, project);
}

/* aud, when given, must name this server: same scheme and host as base_url. */
static bool audience_ok(const char *aud)
{
	size_t scheme = strcspn(cfg.base_url, ":");
	const char *host = cfg.base_url + scheme + 3;
	size_t prefix = (size_t)(host - cfg.base_url) + strcspn(host, "/");
	return !strncmp(aud, cfg.base_url, prefix) && (aud[prefix] == '\0' || aud[prefix] == '/');
}

/* Returns a redirect error (as a description) for step 3, or NULL when the request is fine
 * (the launch, which needs the database, is launch_check's). */
static const char *step3_error(struct request *req, const char **error, const char *scope)
{
	const char *aud = param(req, "aud");
	const char *challenge = param(req, "code_challenge"), *method = param(req, "code_challenge_method");
	*error = "invalid_request";
	if (!scope || !*scope)
		return "Missing scope";
	if (!smart_scope_wellformed(scope)) {
		*error = "invalid_scope";
		return "Invalid scope";
	}
	if (!param(req, "response_type") || strcmp(param(req, "response_type"), "code")) {
		*error = "unsupported_response_type";
		return "Invalid response type";
	}
	if (param(req, "request")) {
		*error = "request_not_supported";
		return "Unsupported request parameter";
	}
	if (aud && !audience_ok(aud))
		return "Invalid audience";
	if (challenge && *challenge && (!method || !*method))
		return "Missing code challenge method";
	if (method && *method && strcmp(method, "S256") && strcmp(method, "plain"))
		return "Invalid code challenge method";
	return NULL;
}

/* The login the browser's SSO cookie medplum-<clientId> is bound to: 0 found, 1 none, -1. */
static int cookie_login(struct request *req, const struct client *c, char login_id[37])
{
	char name[64], value[65];
	snprintf(name, sizeof name, "medplum-%s", c->id);
	if (!req_cookie(req, name, value, sizeof value) || !crypto_is_hex(value, 32))
		return 1;
	return login_by_cookie(value, login_id);
}

/* max_age can only shorten the server's own limit, never lengthen it (§S.17); a
 * malformed one allows no session at all. */
static long session_age_limit(const struct request *req)
{
	const char *max_age = req_query_param(req, "max_age");
	if (!max_age)
		return FLOW_SESSION_SECONDS;
	char *end;
	long asked = strtol(max_age, &end, 10);
	if (end == max_age || *end || asked < 0)
		return -1;
	return asked < FLOW_SESSION_SECONDS ? asked : FLOW_SESSION_SECONDS;
}

/* The user an id_token_hint names (its sub) when it is one of Tessera's own tokens. An expired
 * one still names its user (relying parties renew silently with the last ID token they hold;
 * the signature and issuer were checked before the expiry). 0 named, 1 nobody, -1 no keys. */
static int hint_user(const char *hint, char user[37])
{
	const char *why = NULL;
	json_t *claims = jwt_verify(hint, &why);
	if (!claims && why && !strcmp(why, JWT_KEYS_UNAVAILABLE))
		return -1;
	if (!claims && why && !strcmp(why, JWT_EXPIRED))
		claims = jwt_peek(hint);
	const char *sub = json_string_value(json_object_get(claims, "sub"));
	snprintf(user, 37, "%s", sub && crypto_is_uuid(sub) ? sub : "");
	json_decref(claims);
	return user[0] ? 0 : 1;
}

/* Step 4: the session this browser proves with its own cookie, for this client and younger
 * than the allowed age. id_token_hint is no proof: it only names the user the client expects,
 * and a session of anyone else is no session (login_required). 0, 1 none, -1. */
static int find_session(struct request *req, const struct client *c, struct login *l)
{
	char login_id[37] = "", expected[37];
	int rc = cookie_login(req, c, login_id);
	if (rc == 0)
		rc = flow_load(login_id, l);
	if (rc != 0)
		return rc;
	bool usable = l->granted && !l->revoked && l->membership_id[0] && !strcmp(l->client_id, c->id) &&
		      time(NULL) - l->auth_time <= session_age_limit(req);
	const char *hint = req_query_param(req, "id_token_hint");
	if (!usable || !hint)
		return usable ? 0 : 1;
	rc = hint_user(hint, expected);
	return rc != 0 ? rc : strcmp(expected, l->user_id) ? 1 : 0;
}

/* The session is reused: new nonce and PKCE, bound to this redirect URI, not yet granted. */
static int reopen_session(struct request *req, struct login *l, const char *redirect_uri)
{
	const char *nonce = param(req, "nonce"), *challenge = param(req, "code_challenge");
	const char *method = param(req, "code_challenge_method"), *launch = param(req, "launch");
	if (login_reopen(l->id, nonce, challenge && *challenge ? challenge : NULL, method && *method ? method : NULL,
			 launch && *launch ? launch : NULL, redirect_uri) < 0)
		return -1;
	l->granted = false;
	return 0;
}

static int code_redirect(struct request *req, struct login *l, const char *redirect_uri)
{
	json_t *result;
	char cookie[33], header[512] = "";
	int rc = flow_result(l, &result, cookie);
	if (rc == 2)
		return redirect_error(req, redirect_uri, "consent_required", "Consent required");
	if (rc != 0)
		return -1;
	const char *code = json_string_value(json_object_get(result, "code"));
	if (!code) {
		json_decref(result);
		return redirect_error(req, redirect_uri, "login_required", "Login required");
	}
	struct url_builder u;
	url_start(&u, redirect_uri);
	url_param(&u, "code", code);
	const char *state = param(req, "state");
	url_param(&u, "state", state ? state : "");
	json_decref(result);
	if (cookie[0])
		flow_cookie_header(l->client_id, cookie, header, sizeof header);
	char location[8300];
	rc = redirect_header(url_get(&u), location, sizeof location);
	url_free(&u);
	if (rc < 0)
		return -1;
	strncat(header, location, sizeof header - strlen(header) - 1);
	send_empty(req, 302, header);
	return 0;
}

static const char *const forwarded[] = {
	"response_type", "client_id", "redirect_uri", "state", "scope", "code_challenge", "code_challenge_method",
	"nonce", "launch", "prompt", "aud", NULL,
};

/* Step 5: on to the sign-in page with every received parameter. Never a login id: a URL
 * leaks (history, logs, Referer), and a login id is a bearer secret of its flow. */
static int to_signin(struct request *req, const char *scope)
{
	char base[2100];
	snprintf(base, sizeof base, "%soauth", cfg.app_base_url);
	struct url_builder u;
	url_start(&u, base);
	for (int i = 0; forwarded[i]; i++)
		url_param(&u, forwarded[i], !strcmp(forwarded[i], "scope") ? scope : param(req, forwarded[i]));
	int rc = send_redirect(req, url_get(&u));
	url_free(&u);
	return rc;
}

/* RFC 6749 §3.1: request parameters must not be repeated; which copy would count is
 * ambiguous (the sign-in page or a proxy might read another one than Tessera checked). */
static bool repeated_parameter(const struct request *req)
{
	static const char *const also[] = { "max_age", "id_token_hint", "request", "response_mode", NULL };
	for (size_t i = 0; i < req->nparams; i++)
		for (size_t j = i + 1; j < req->nparams; j++) {
			if (strcmp(req->params[i].name, req->params[j].name))
				continue;
			for (int k = 0; forwarded[k]; k++)
				if (!strcmp(forwarded[k], req->params[i].name))
					return true;
			for (int k = 0; also[k]; k++)
				if (!strcmp(also[k], req->params[i].name))
					return true;
		}
	return false;
}

static int authorize(struct request *req)
{
	struct client c;
	if (repeated_parameter(req)) {
		send_text(req, 400, "Parameters must not be repeated", NULL);
		return 0;
	}
	const char *client_id = param(req, "client_id"), *redirect_uri = param(req, "redirect_uri");
	int rc = client_id ? clients_get(client_id, &c) : 1;
	if (rc < 0)
		return -1;
	if (rc == 1 || strcmp(c.status, "active")) {
		send_text(req, 400, "Client not found", NULL);
		return 0;
	}
	if (!redirect_uri || !*redirect_uri) {
		send_text(req, 400, "Missing redirect URI", NULL);
		return 0;
	}
	if (!valid_uri(redirect_uri) || !clients_redirect_ok(&c, redirect_uri)) {
		send_text(req, 400, "Invalid redirect URI", NULL);
		return 0;
	}
	/* RFC 6749 §4.1.2.1: client and redirect URI verified, so the client hears it; a client
	 * registered without authorization_code gets no code, whatever else it asks. */
	if (!clients_codes_allowed(&c))
		return redirect_error(req, redirect_uri, "unauthorized_client", CLIENTS_GRANT_REFUSED);
	const char *scope = param(req, "scope"), *error;
	char default_scope[1025] = "";
	if ((!scope || !*scope) && clients_default_scope(&c, default_scope, sizeof default_scope) == 0)
		scope = default_scope;
	const char *problem = step3_error(req, &error, scope);
	/* A registered public client (PROTOCOL.md §7.6) uses PKCE with S256. */
	const char *method = param(req, "code_challenge_method");
	if (!problem && c.pkce_s256 && (!method || strcmp(method, "S256"))) {
		error = "invalid_request";
		problem = "PKCE with S256 required";
	}
	if (!problem && (rc = launch_check(req, c.project_id)) != 0) {
		if (rc < 0)
			return -1;
		problem = "Invalid launch";
	}
	if (problem)
		return redirect_error(req, redirect_uri, error, problem);
	/* Only prompt=none reuses a session: Tessera's sign-in page cannot continue one (it would
	 * need the login id in its URL), so every other prompt signs in afresh. */
	const char *prompt = param(req, "prompt");
	if (!prompt || strcmp(prompt, "none"))
		return to_signin(req, scope);
	struct login l;
	rc = find_session(req, &c, &l);
	if (rc < 0)
		return -1;
	if (rc == 1)
		return redirect_error(req, redirect_uri, "login_required", "Login required");
	/* OIDC Core §3.1.2.6: a registered client's every code needs the consent page, and consent
	 * is not remembered (PROTOCOL.md §5.5), so a session never answers it without one. */
	if (c.registered)
		return redirect_error(req, redirect_uri, "consent_required", "Consent required");
	if ((rc = launch_check(req, l.project_id)) != 0)
		return rc < 0 ? -1 : redirect_error(req, redirect_uri, "invalid_request", "Invalid launch");
	if (reopen_session(req, &l, redirect_uri) < 0)
		return -1;
	return code_redirect(req, &l, redirect_uri);
}

static const struct input authorize_inputs[] = {
	FIELDS_AUTHORIZE_REQUEST,
	{ "max_age", IN_TOKEN, false, 10, "Invalid max_age", NULL },
	{ "id_token_hint", IN_TOKEN, false, 8192, "Invalid id_token_hint", NULL },
	{ 0 },
};

static const struct route routes[] = {
	{ "GET POST", "/oauth2/authorize", authorize, authorize_inputs, ROUTE_TEXT_ERRORS },
	{ 0 },
};

int main(void)
{
	return pipeline_run("tessera-authorize", routes);
}

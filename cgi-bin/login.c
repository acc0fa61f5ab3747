/* SPDX-License-Identifier: BSD-2-Clause */
/* tessera-login: the domain, credentials, profile and scope stages as JSON for the SDK
 * (PROTOCOL.md §6.1, 6.2, 6.6, 6.7, 6.8, 6.16), MFA (mfa-routes.c, §6.9), registration (register.c: §6.11-6.13), and as HTML
 * pages for browsers (pages.c: /signin, /oauth, /oauth/profile, /oauth/consent). The state
 * machine itself is lib/flow.c. */
#include "oauth/smart.h"
#include "http/app.h"
#include "domain/pipeline.h"
#include "domain/clients.h"
#include "core/config.h"
#include "core/crypto.h"
#include "domain/domains.h"
#include "domain/flow.h"
#include "stage.h"
#include "external.h"
#include "core/fetch.h"
#include "http/redirect.h"
#include "mfa-routes.h"
#include "pages.h"
#include "register.h"
#include "http/refuse.h"
#include "http/request.h"
#include "http/response.h"
#include "domain/fields.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int stage_send_result(struct request *req, struct login *l)
{
	json_t *body;
	char cookie[33], header[512] = "";
	int rc = flow_result(l, &body, cookie);
	if (rc < 0)
		return -1;
	if (rc == 1 || rc == 2) {
		struct refusal err = { .status = 400, .text = rc == 1 ? "Login revoked" : FLOW_CONSENT_PAGES_ONLY };
		send_refusal(req, &err);
		return 0;
	}
	if (cookie[0])
		flow_cookie_header(l->client_id, cookie, header, sizeof header);
	snprintf(req->log_login, sizeof req->log_login, "%s", l->id);
	send_json(req, 200, body, header);
	return 0;
}

static bool password_long_enough(const char *v)
{
	return strlen(v) >= 5;
}

static int login(struct request *req)
{
	struct login_request lr = {
		.email = req_param(req, "email"), .password = req_param(req, "password"),
		.project_id = req_param(req, "projectId"), .client_id = req_param(req, "clientId"),
		.resource_type = req_param(req, "resourceType"), .scope = req_param(req, "scope"),
		.nonce = req_param(req, "nonce"), .launch = req_param(req, "launch"),
		.code_challenge = req_param(req, "codeChallenge"),
		.code_challenge_method = req_param(req, "codeChallengeMethod"), .origin = req->origin,
		.remote_addr = req->remote_addr, .user_agent = req->user_agent,
	};
	const char *remember = req_param(req, "remember");
	lr.remember = remember && !strcmp(remember, "true");
	struct login l;
	struct refusal err;
	int rc = flow_password_login(&lr, &l, &err);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		send_refusal(req, &err);
		return 0;
	}
	return stage_send_result(req, &l);
}

/* Loads the login named by a parameter; sends 404 and returns 1 when there is none. */
static int load_login(struct request *req, const char *id, struct login *l)
{
	int rc = flow_load(id, l);
	if (rc == 1)
		send_not_found(req);
	return rc;
}

static int login_status(struct request *req)
{
	const char *id = req->path_params[0];
	if (!crypto_is_uuid(id)) {
		send_bad_request(req, "Login ID is required", NULL);
		return 0;
	}
	struct login l;
	int rc = load_login(req, id, &l);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (l.granted || l.was_granted || l.revoked) {
		send_bad_request(req, l.granted || l.was_granted ? "Login already granted" : "Login revoked", NULL);
		return 0;
	}
	/* Possession of the id is all this route asks for, so it never hands out a second code
	 * beside one the sign-in already has (the stage that issued it answered with it). */
	if (l.code_outstanding) {
		send_bad_request(req, "Login code already issued", NULL);
		return 0;
	}
	return stage_send_result(req, &l);
}

static int profile(struct request *req)
{
	struct login l;
	struct refusal err;
	int rc = load_login(req, req_param(req, "login"), &l);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	rc = flow_set_membership(&l, req_param(req, "profile"), &err);
	if (rc == 1) {
		send_refusal(req, &err);
		return 0;
	}
	return rc < 0 ? -1 : stage_send_result(req, &l);
}

static int scope(struct request *req)
{
	struct login l;
	struct refusal err;
	int rc = load_login(req, req_param(req, "login"), &l);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	rc = flow_set_scope(&l, req_param(req, "scope"), &err);
	if (rc == 1) {
		send_refusal(req, &err);
		return 0;
	}
	return rc < 0 ? -1 : stage_send_result(req, &l);
}

static int clientinfo(struct request *req)
{
	json_t *info;
	int rc = clients_branding(req->path_params[0], &info);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		send_not_found(req);
		return 0;
	}
	send_json(req, 200, info, NULL);
	return 0;
}

/* §6.1: an email domain with an external identity provider answers with an authorize URL:
 * Tessera's own start of the round trip (external.c), which keeps the login request server
 * side and sends the browser on to the IdP with a state of its own (PROTOCOL.md §S.14, §12.1). A
 * client may append a Medplum ExternalAuthState as `state`, as Medplum's app does. */
static json_t *domain_redirect(const char *domain, json_t *idp)
{
	const char *authorize = json_string_value(json_object_get(idp, "authorizeUrl"));
	const char *client = json_string_value(json_object_get(idp, "clientId"));
	if (!authorize || !client || !fetch_url_allowed(authorize))
		return NULL;
	char base[2100];
	snprintf(base, sizeof base, "%sauth/external/authorize", cfg.base_url);
	struct url_builder u;
	url_start(&u, base);
	url_param(&u, "domain", domain);
	json_t *answer = url_get(&u) ? json_pack("{s:s, s:s}", "domain", domain, "authorizeUrl", url_get(&u)) : NULL;
	url_free(&u);
	return answer;
}

static int method(struct request *req)
{
	char domain[256];
	const char *at = strrchr(req_param(req, "email"), '@');
	snprintf(domain, sizeof domain, "%s", at + 1);
	for (char *p = domain; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	json_t *idp;
	if (domains_identity_provider(domain, &idp) < 0)
		return -1;
	if (!idp) {
		send_json(req, 200, json_object(), NULL);
		return 0;
	}
	json_t *answer = domain_redirect(domain, idp);
	json_decref(idp);
	if (!answer) {
		send_bad_request(req, "Failed to construct URL for the domain", NULL);
		return 0;
	}
	send_json(req, 200, answer, NULL);
	return 0;
}

static const struct input login_inputs[] = {
	FIELD_EMAIL_SIGNIN,
	{ "password", IN_STRING, true, 1024, "Invalid password, must be at least 5 characters", password_long_enough },
	FIELD_STAGE_PROJECT_ID,
	FIELDS_SIGNIN_REQUEST,
	{ 0 },
};

static const struct input profile_inputs[] = {
	FIELD_LOGIN,
	{ "profile", IN_TOKEN, true, 64, "Missing profile", NULL },
	{ 0 },
};

static const struct input scope_inputs[] = {
	FIELD_LOGIN,
	FIELD_SCOPE_REQUIRED,
	FIELD_SMART_SCOPE,
	{ 0 },
};

static const struct input method_inputs[] = {
	FIELD_EMAIL_SIGNIN,
	{ 0 },
};

static const struct route routes[] = {
	{ "POST", "/auth/method", method, method_inputs, 0 },
	/* External identity providers (external.c, §6.4). */
	{ "GET", "/auth/external/authorize", external_authorize, external_authorize_inputs, 0 },
	{ "GET", "/auth/external", external_callback, external_callback_inputs, 0 },
	{ "POST", "/auth/google", external_google, external_google_inputs, 0 },
	{ "POST", "/auth/login", login, login_inputs, 0 },
	{ "GET", "/auth/login/:login", login_status, NULL, 0 },
	{ "POST", "/auth/profile", profile, profile_inputs, 0 },
	{ "POST", "/auth/scope", scope, scope_inputs, 0 },
	{ "GET", "/auth/clientinfo/:clientId", clientinfo, NULL, 0 },
	{ "POST", "/auth/newuser", register_newuser, register_newuser_inputs, 0 },
	{ "POST", "/auth/newproject", register_newproject, register_newproject_inputs, 0 },
	{ "POST", "/auth/newpatient", register_newpatient, register_newpatient_inputs, 0 },
	/* The second factor (mfa-routes.c, §6.9). */
	/* The account's own second factor: never from a session confined to a project (§S.25). */
	{ "GET", "/auth/mfa/status", mfa_status, NULL, ROUTE_AUTH | ROUTE_ACCOUNT_WIDE },
	{ "POST", "/auth/mfa/enroll", mfa_enroll, mfa_token_inputs, ROUTE_AUTH | ROUTE_ACCOUNT_WIDE },
	{ "POST", "/auth/mfa/disable", mfa_disable, mfa_token_inputs, ROUTE_AUTH | ROUTE_ACCOUNT_WIDE },
	{ "POST", "/auth/mfa/verify", mfa_verify, mfa_verify_inputs, 0 },
	{ "POST", "/auth/mfa/login-enroll", mfa_login_enroll, mfa_login_enroll_inputs, 0 },
	{ "POST", "/auth/mfa/send-email", mfa_send_email_route, mfa_send_email_inputs, 0 },
	/* The same stages as HTML pages for browsers (pages.c). */
	{ "GET", "/signin", pages_signin_get, pages_signin_inputs, ROUTE_PAGE },
	{ "POST", "/signin", pages_signin_post, pages_signin_inputs, ROUTE_PAGE | ROUTE_CSRF },
	{ "GET", "/oauth", pages_signin_get, pages_signin_inputs, ROUTE_PAGE },
	{ "POST", "/oauth", pages_signin_post, pages_signin_inputs, ROUTE_PAGE | ROUTE_CSRF },
	{ "GET", "/oauth/profile", pages_profile_get, pages_stage_inputs, ROUTE_PAGE },
	{ "POST", "/oauth/profile", pages_profile_post, pages_stage_inputs, ROUTE_PAGE | ROUTE_CSRF },
	{ "GET", "/oauth/consent", pages_consent_get, pages_stage_inputs, ROUTE_PAGE },
	{ "POST", "/oauth/consent", pages_consent_post, pages_stage_inputs, ROUTE_PAGE | ROUTE_CSRF },
	{ "GET", "/oauth/mfa", pages_mfa_get, mfa_page_inputs, ROUTE_PAGE },
	{ "POST", "/oauth/mfa", pages_mfa_post, mfa_page_inputs, ROUTE_PAGE | ROUTE_CSRF },
	{ "GET", "/register", pages_register_get, pages_register_inputs, ROUTE_PAGE },
	{ "POST", "/register", pages_register_post, pages_register_inputs, ROUTE_PAGE | ROUTE_CSRF },
	{ "GET", "/register/project", pages_register_project_get, NULL, ROUTE_PAGE },
	{ "POST", "/register/project", pages_register_project_post, NULL, ROUTE_PAGE | ROUTE_CSRF },
	{ "GET", "/account", pages_account_get, NULL, ROUTE_PAGE | ROUTE_PAGE_SESSION },
	{ "POST", "/account", pages_account_post, NULL, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "GET", "/account/mfa", pages_account_mfa_get, NULL, ROUTE_PAGE | ROUTE_PAGE_SESSION | ROUTE_ACCOUNT_WIDE },
	{ "POST", "/account/mfa", pages_account_mfa_post, NULL,
	  ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION | ROUTE_ACCOUNT_WIDE },
	{ 0 },
};

int main(void)
{
	return pipeline_run("tessera-login", routes);
}

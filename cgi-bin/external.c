/* SPDX-License-Identifier: BSD-2-Clause */
/* external: the browser's round trip through an external identity provider (PROTOCOL.md §6.4,
 * §12). GET /auth/external/authorize takes a Medplum ExternalAuthState as `state` (what
 * signInWithExternalAuth and the authorizeUrl of /auth/method put there) and sends the browser
 * to the IdP with Tessera's own state; GET /auth/external is where the IdP sends it back. The
 * decisions are lib/domain/federation.c's. */
#include "external.h"
#include "pages.h"
#include "core/config.h"
#include "domain/fields.h"
#include "domain/flow.h"
#include "domain/google.h"
#include "oauth/smart.h"
#include "stage.h"
#include "external-trip.h"
#include "http/cookie.h"
#include "http/redirect.h"
#include "http/request.h"
#include "http/refuse.h"
#include "http/response.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The members of the SDK's authorize URL that are the IdP's business (client_id, redirect_uri,
 * scope, PKCE) are taken from the IdP's configuration and the trip instead: declared so their
 * size is checked, never read. */
const struct input external_authorize_inputs[] = {
	FIELD_EXTERNAL_AUTH_STATE,
	{ "domain", IN_STRING, false, 253, "Invalid domain", NULL },
	{ "response_type", IN_STRING, false, 64, "Invalid response_type", NULL },
	{ "client_id", IN_STRING, false, 1024, "Invalid client_id", NULL },
	{ "redirect_uri", IN_STRING, false, 2048, "Invalid redirect_uri", NULL },
	{ "scope", IN_STRING, false, 1024, "Invalid scope", NULL },
	{ "code_challenge", IN_STRING, false, 128, "Invalid code challenge", NULL },
	{ "code_challenge_method", IN_STRING, false, 8, "Invalid code challenge method", NULL },
	{ 0 },
};

const struct input external_callback_inputs[] = {
	{ "code", IN_STRING, false, 4096, "Missing code", NULL },
	FIELD_STATE,
	{ "error", IN_STRING, false, 256, "Invalid error", NULL },
	{ "error_description", IN_STRING, false, 1024, "Invalid error", NULL },
	{ "iss", IN_STRING, false, 2048, "Invalid iss", NULL },
	{ "session_state", IN_STRING, false, 1024, "Invalid session_state", NULL },
	{ 0 },
};

int external_authorize(struct request *req)
{
	json_t *json = NULL;
	struct federation_request r;
	struct refusal err;
	const char *state = req_param(req, "state");
	if (federation_parse_request(state ? state : "{}", &json, &r, &err) != 0) {
		send_refusal(req, &err);
		return 0;
	}
	if (req_param(req, "domain") && !r.domain)
		r.domain = req_param(req, "domain");
	int rc = external_begin(req, &r);
	json_decref(json);
	return rc;
}

/* §6.4's ending for a client (the SDK): with a membership and a redirect URI the client
 * registered, <redirectUri>?login=…&code=…; else the sign-in app continues the Login. */
static int to_client(struct request *req, struct login *l, json_t *request)
{
	const char *redirect = json_string_value(json_object_get(request, "redirectUri"));
	struct url_builder u;
	if (l->membership_id[0] && redirect && l->client_id[0]) {
		json_t *result;
		char cookie[33], header[512] = "";
		int rc = flow_result(l, &result, cookie);
		if (rc == 2) {
			send_bad_request(req, FLOW_CONSENT_PAGES_ONLY, NULL);
			return 0;
		}
		if (rc != 0)
			return -1;
		const char *code = json_string_value(json_object_get(result, "code"));
		if (cookie[0]) {
			flow_cookie_header(l->client_id, cookie, header, sizeof header);
			req_add_header(req, header);
		}
		url_start(&u, redirect);
		url_param(&u, "login", l->id);
		url_param(&u, "code", code);
		json_decref(result);
	} else {
		char base[2100];
		bool launch = json_object_get(request, "launch") != NULL;
		snprintf(base, sizeof base, "%s%s", cfg.app_base_url, launch ? "oauth" : "signin");
		url_start(&u, base);
		url_param(&u, "login", l->id);
		url_param(&u, "scope", l->scope);
		url_param(&u, "nonce", l->nonce);
		if (l->code_challenge[0]) {
			url_param(&u, "code_challenge", l->code_challenge);
			url_param(&u, "code_challenge_method", l->code_challenge_method);
		}
	}
	int rc = url_get(&u) ? external_found(req, url_get(&u)) : -1;
	url_free(&u);
	return rc;
}

const struct input external_google_inputs[] = {
	{ "googleClientId", IN_STRING, true, 255, "Missing googleClientId", NULL },
	{ "googleCredential", IN_STRING, true, 16384, "Missing googleCredential", NULL },
	{ "createUser", IN_BOOL, false, 5, "Invalid createUser", NULL },
	{ "projectId", IN_STRING, false, 64, "Invalid projectId", NULL },
	FIELDS_SIGNIN_REQUEST,
	{ 0 },
};

/* POST /auth/google (§6.3): the SDK's startGoogleLogin. */
int external_google(struct request *req)
{
	const char *create = req_param(req, "createUser");
	struct google_request g = {
		.google_client_id = req_param(req, "googleClientId"), .credential = req_param(req, "googleCredential"),
		.create_user = create && !strcmp(create, "true"),
		.login = { .project_id = req_param(req, "projectId"), .client_id = req_param(req, "clientId"),
			   .resource_type = req_param(req, "resourceType"), .scope = req_param(req, "scope"),
			   .nonce = req_param(req, "nonce"), .launch = req_param(req, "launch"),
			   .code_challenge = req_param(req, "codeChallenge"),
			   .code_challenge_method = req_param(req, "codeChallengeMethod"),
			   .remote_addr = req->remote_addr, .user_agent = req->user_agent },
	};
	struct login l;
	json_t *redirect;
	struct refusal err;
	int rc = google_login(&g, &l, &redirect, &err);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		send_refusal(req, &err);
		return 0;
	}
	if (redirect) {
		send_json(req, 200, redirect, NULL);
		return 0;
	}
	return stage_send_result(req, &l);
}

int external_callback(struct request *req)
{
	const char *code = req_param(req, "code"), *state = req_param(req, "state");
	if (!code || !*code) {
		send_bad_request(req, "Missing code", "code");
		return 0;
	}
	if (!state || !*state) {
		send_bad_request(req, "Missing state", "state");
		return 0;
	}
	char browser[EXTAUTH_TEXT_LEN] = "";
	req_cookie(req, EXTAUTH_COOKIE, browser, sizeof browser);
	/* The trip is spent whatever the outcome: the cookie goes. */
	external_trip_cookie(req, "");
	struct login l;
	json_t *request;
	struct refusal err;
	int rc = federation_complete(code, state, browser, req->remote_addr, req->user_agent, &l, &request, &err);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		send_refusal(req, &err);
		return 0;
	}
	snprintf(req->log_login, sizeof req->log_login, "%s", l.id);
	if (json_is_true(json_object_get(request, "page")))
		rc = pages_next_stage(req, &l, json_string_value(json_object_get(request, "pageState")));
	else
		rc = to_client(req, &l, request);
	json_decref(request);
	return rc;
}

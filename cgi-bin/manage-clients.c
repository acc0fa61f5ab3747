/* SPDX-License-Identifier: BSD-2-Clause */
/* The admin API's clients and bots: POST /admin/projects/:projectId/client and /bot (§9.2). */
#include "manage-api.h"
#include "domain/audit.h"
#include "domain/clients.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/db.h"
#include "domain/members.h"
#include "domain/policies.h"
#include "http/request.h"
#include "http/response.h"
#include "core/text.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REDIRECT_URIS 32

/* ---- POST /admin/projects/:projectId/client and /bot (§9.2) ---- */

static bool lifetime_ok(const char *v)
{
	return isdigit((unsigned char)v[0]) && config_parse_duration(v) > 0;
}

/* The access policy a new client or bot names (accessPolicy), parsed but not yet checked
 * against the project: 0 (id filled or ""), 1 answered. */
static int policy_named(struct request *req, char id[37])
{
	struct member_fields f = { 0 };
	struct refusal err;
	json_t *top = json_object();
	if (json_object_get(req->json, "accessPolicy"))
		json_object_set(top, "accessPolicy", json_object_get(req->json, "accessPolicy"));
	int rc = members_parse_fields(top, &f, &err);
	json_decref(top);
	if (rc == 1)
		send_refusal(req, &err);
	text_copy(id, 37, f.access_policy_id);
	return rc;
}

/* The access policy of a new bot, checked inside the caller's transaction: 0, 1 answered, -1. */
static int policy_of(struct request *req, const char *project, char id[37])
{
	struct member_fields f = { 0 };
	struct refusal err;
	int rc = policy_named(req, id);
	text_copy(f.access_policy_id, sizeof f.access_policy_id, id);
	if (rc == 0)
		rc = policies_check_named(&f, project, &err);
	if (rc == 1 && !req->headers_sent)
		send_refusal(req, &err);
	return rc;
}

/* redirectUris (an array of absolute http(s) URIs) plus the older single redirectUri, as
 * the JSON array the client_application table keeps; NULL when there are none. 0 or 1
 * answered. */
static int redirect_uris(struct request *req, json_t **out)
{
	*out = NULL;
	json_t *list = json_object_get(req->json, "redirectUris"), *v;
	if (list && !json_is_null(list) && (!json_is_array(list) || json_array_size(list) > MAX_REDIRECT_URIS)) {
		send_invalid(req, "Invalid redirectUris", "redirectUris");
		return 1;
	}
	json_t *uris = json_array();
	size_t i;
	json_array_foreach(list, i, v) {
		const char *s = json_string_value(v);
		if (!s || strlen(s) > 2048 || !valid_uri(s)) {
			json_decref(uris);
			send_invalid(req, "Invalid redirectUris", "redirectUris");
			return 1;
		}
		json_array_append(uris, v);
	}
	const char *single = param_or_null(req, "redirectUri");
	if (single)
		json_array_append_new(uris, json_string(single));
	if (json_array_size(uris))
		*out = uris;
	else
		json_decref(uris);
	return 0;
}

int create_client(struct request *req)
{
	const char *project = req->admin_project;
	char policy[37], id[37], secret[65];
	json_t *uris = NULL;
	int rc = policy_named(req, policy);
	if (rc == 0)
		rc = redirect_uris(req, &uris);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	const char *name = req_param(req, "name"), *description = param_or_null(req, "description");
	const char *access = param_or_null(req, "accessTokenLifetime"), *refresh = param_or_null(req, "refreshTokenLifetime");
	const char *auth_method = param_or_null(req, "tokenEndpointAuthMethod");
	char *uris_text = uris ? json_dumps(uris, JSON_COMPACT) : NULL;
	struct client_new n = { project, name, description, uris_text, access, refresh, policy, auth_method };
	struct refusal err;
	audit_change(AUDIT_CLIENT_CREATED, project, NULL, NULL);
	rc = clients_admin_create(&n, id, secret, &err);
	free(uris_text);
	if (rc != 0) {
		json_decref(uris);
		if (rc == 1)
			send_refusal(req, &err);
		return rc < 0 ? -1 : 0;
	}
	/* The secret is in this answer and nowhere else: only its keyed hash is stored. */
	json_t *c = json_pack("{s:s, s:s, s:{s:s}, s:s, s:s, s:s}", "resourceType", "ClientApplication", "id", id, "meta",
			      "project", project, "name", name, "status", "active", "secret", secret);
	if (description)
		json_object_set_new(c, "description", json_string(description));
	if (uris)
		json_object_set_new(c, "redirectUris", uris);
	if (access)
		json_object_set_new(c, "accessTokenLifetime", json_string(access));
	if (refresh)
		json_object_set_new(c, "refreshTokenLifetime", json_string(refresh));
	json_object_set_new(c, "tokenEndpointAuthMethod", json_string(auth_method ? auth_method : "none"));
	snprintf(req->log_client, sizeof req->log_client, "%s", id);
	send_fhir(req, 201, c);
	memset(secret, 0, sizeof secret);
	return 0;
}

static bool runtime_ok(const char *v)
{
	return !strcmp(v, "awslambda") || !strcmp(v, "vmcontext");
}

int create_bot(struct request *req)
{
	const char *project = req->admin_project;
	char policy[37], id[37], membership[37];
	int rc;
	const char *name = req_param(req, "name"), *description = param_or_null(req, "description");
	const char *runtime = param_or_null(req, "runtimeVersion");
	if (crypto_uuid_v4(id) < 0)
		return -1;
	json_t *bot = json_pack("{s:s, s:s, s:{s:s}, s:s}", "resourceType", "Bot", "id", id, "meta", "project", project,
				"name", name);
	if (description)
		json_object_set_new(bot, "description", json_string(description));
	if (runtime)
		json_object_set_new(bot, "runtimeVersion", json_string(runtime));
	char *text = json_dumps(bot, JSON_COMPACT);
	audit_change(AUDIT_CLIENT_CREATED, project, "Bot", id);
	if (!text || db_begin() < 0) {
		free(text);
		json_decref(bot);
		return -1;
	}
	rc = policy_of(req, project, policy);
	if (rc == 0)
		rc = clients_insert_bot(id, project, name, description, text);
	if (rc == 0) {
		struct member_fields f = { .active = true };
		text_copy(f.access_policy_id, sizeof f.access_policy_id, policy);
		rc = members_insert(project, "Bot", id, "Bot", id, &f, membership) == 0 ? 0 : -1;
	}
	free(text);
	rc = db_finish(rc);
	if (rc != 0) {
		json_decref(bot);
		return rc < 0 ? -1 : 0;
	}
	send_fhir(req, 201, bot);
	return 0;
}

/* ---- input tables ---- */

/* A method this flat form can set up: private_key_jwt needs its keys (a JWK Set or its URL),
 * which the resource API (ClientApplication jwks, jwksUri) registers and checks. */
static bool secret_method_valid(const char *method)
{
	return clients_auth_method_valid(method) && strcmp(method, "private_key_jwt");
}

const struct input client_inputs[] = {
	{ "name", IN_STRING, true, 0, "Client name is required", NULL },
	{ "name", IN_STRING, true, 0, "Client name must be between 1 and 255 characters", one_line_name },
	FIELD_DESCRIPTION,
	FIELD_APP_REDIRECT_URI,
	{ "accessTokenLifetime", IN_TOKEN, false, 16, "Invalid accessTokenLifetime", lifetime_ok },
	{ "refreshTokenLifetime", IN_TOKEN, false, 16, "Invalid refreshTokenLifetime", lifetime_ok },
	/* none (the default: a code with PKCE needs no secret), or the one method every grant must use. */
	{ "tokenEndpointAuthMethod", IN_TOKEN, false, 31, "Invalid tokenEndpointAuthMethod", secret_method_valid },
	{ 0 },
};

const struct input bot_inputs[] = {
	{ "name", IN_STRING, true, 0, "Bot name is required", NULL },
	{ "name", IN_STRING, true, 0, "Bot name must be between 1 and 255 characters", one_line_name },
	FIELD_DESCRIPTION,
	{ "runtimeVersion", IN_TOKEN, false, 16, "Invalid runtimeVersion", runtime_ok },
	{ 0 },
};

/* SPDX-License-Identifier: BSD-2-Clause */
/* tessera-scim: SCIM 2.0 at /scim/v2 (issue 18; RFC 7643, RFC 7644; PROTOCOL.md §10): the Users a
 * directory (Okta, Entra ID) provisions into its project, and the discovery documents
 * ServiceProviderConfig, Schemas and ResourceTypes. A program of its own, like tessera-fhir:
 * another protocol with its own error family (every error a SCIM Error, route flag ROUTE_SCIM)
 * and content type (application/scim+json). The decisions are lib/domain/scim.c's; this file is
 * HTTP only. */
#include "http/app.h"
#include "core/config.h"
#include "core/refusal.h"
#include "domain/pipeline.h"
#include "domain/scim.h"
#include "http/refuse.h"
#include "http/request.h"
#include "http/response.h"

#include <stdio.h>
#include <string.h>

#define LIST_SCHEMA "urn:ietf:params:scim:api:messages:2.0:ListResponse"
#define USER_SCHEMA "urn:ietf:params:scim:schemas:core:2.0:User"

/* The documents' meta.location, under the configured base URL. */
static json_t *located(json_t *doc, const char *resource_type, const char *path)
{
	char location[700];
	snprintf(location, sizeof location, "%sscim/v2/%s", cfg.base_url, path);
	json_object_set_new(doc, "meta", json_pack("{s:s, s:s}", "resourceType", resource_type, "location", location));
	return doc;
}

static int service_provider_config(struct request *req)
{
	json_t *doc = json_pack(
		"{s:[s], s:{s:b}, s:{s:b, s:i, s:i}, s:{s:b, s:i}, s:{s:b}, s:{s:b}, s:{s:b}, s:[{s:s, s:s, s:s, s:b}, "
		"{s:s, s:s, s:s}]}",
		"schemas", "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig", "patch", "supported", 1, "bulk",
		"supported", 0, "maxOperations", 0, "maxPayloadSize", 0, "filter", "supported", 1, "maxResults",
		SCIM_MAX_COUNT, "changePassword", "supported", 0, "sort", "supported", 0, "etag", "supported", 0,
		"authenticationSchemes", "type", "oauthbearertoken", "name", "OAuth Bearer Token", "description",
		"An access token of a project admin ClientApplication (client_credentials)", "primary", 1, "type",
		"httpbasic", "name", "HTTP Basic", "description", "The client id and secret of a project admin ClientApplication");
	send_scim(req, 200, located(doc, "ServiceProviderConfig", "ServiceProviderConfig"), NULL);
	return 0;
}

/* One attribute of the User schema (RFC 7643 §7). */
static json_t *attribute(const char *name, const char *type, bool required, bool case_exact, const char *mutability,
			 const char *uniqueness, const char *description)
{
	return json_pack("{s:s, s:s, s:b, s:b, s:b, s:s, s:s, s:s, s:s}", "name", name, "type", type, "multiValued", 0,
			 "required", required, "caseExact", case_exact, "mutability", mutability, "returned", "default",
			 "uniqueness", uniqueness, "description", description);
}

static json_t *user_schema(void)
{
	json_t *name = attribute("name", "complex", false, false, "readWrite", "none",
				 "The person's name (of a server account: read-only here)");
	json_object_set_new(name, "subAttributes",
			    json_pack("[o, o]", attribute("givenName", "string", false, false, "readWrite", "none", "Given name"),
				      attribute("familyName", "string", false, false, "readWrite", "none", "Family name")));
	json_t *emails = attribute("emails", "complex", false, false, "readWrite", "none",
				   "One address is kept: the primary one, else the first");
	json_object_set_new(emails, "multiValued", json_true());
	json_object_set_new(emails, "subAttributes",
			    json_pack("[o, o]", attribute("value", "string", false, false, "readWrite", "none", "The address"),
				      attribute("primary", "boolean", false, false, "readWrite", "none", "The kept address")));
	json_t *attrs = json_pack(
		"[o, o, o, o, o, o]",
		attribute("userName", "string", true, false, "readWrite", "server", "Unique in the project"),
		attribute("externalId", "string", false, true, "readWrite", "server", "The directory's id, unique in the project"),
		name, emails,
		attribute("active", "boolean", false, false, "readWrite", "none", "false ends the user's sessions at once"),
		attribute("userType", "string", false, true, "immutable", "none", "Practitioner (default), Patient or RelatedPerson"));
	json_t *doc = json_pack("{s:[s], s:s, s:s, s:s, s:o}", "schemas", "urn:ietf:params:scim:schemas:core:2.0:Schema",
				"id", USER_SCHEMA, "name", "User", "description", "A member of the project", "attributes", attrs);
	return located(doc, "Schema", "Schemas/" USER_SCHEMA);
}

static json_t *user_resource_type(void)
{
	json_t *doc = json_pack("{s:[s], s:s, s:s, s:s, s:s, s:s}", "schemas",
				"urn:ietf:params:scim:schemas:core:2.0:ResourceType", "id", "User", "name", "User", "endpoint",
				"/Users", "description", "A member of the project", "schema", USER_SCHEMA);
	return located(doc, "ResourceType", "ResourceTypes/User");
}

static int send_list_of(struct request *req, json_t *one)
{
	send_scim(req, 200,
		  json_pack("{s:[s], s:i, s:i, s:i, s:[o]}", "schemas", LIST_SCHEMA, "totalResults", 1, "itemsPerPage", 1,
			    "startIndex", 1, "Resources", one),
		  NULL);
	return 0;
}

static int send_one_of(struct request *req, json_t *one, const char *id, const char *want)
{
	if (strcmp(id, want)) {
		json_decref(one);
		send_scim_error(req, 404, NULL, "Not found");
	} else {
		send_scim(req, 200, one, NULL);
	}
	return 0;
}

static int schemas(struct request *req)
{
	return send_list_of(req, user_schema());
}

static int schema(struct request *req)
{
	return send_one_of(req, user_schema(), req->path_params[0], USER_SCHEMA);
}

static int resource_types(struct request *req)
{
	return send_list_of(req, user_resource_type());
}

static int resource_type(struct request *req)
{
	return send_one_of(req, user_resource_type(), req->path_params[0], "User");
}

/* ---- Users ---- */

/* The caller's project: 0, or 1 answered (403). */
static int project_of(struct request *req, char project[37])
{
	struct refusal err = { 0 };
	int rc = scim_caller_project(req->auth, project, &err);
	if (rc == 1)
		send_refusal(req, &err);
	return rc;
}

/* A body must be a JSON object (application/scim+json, application/json): 415 for another type. */
static bool json_body(struct request *req)
{
	if (req->body_kind == BODY_JSON && json_is_object(req->json))
		return true;
	if (req->body_kind == BODY_NONE)
		send_scim_error(req, 400, "invalidSyntax", "A JSON body is required");
	else
		send_scim_error(req, 415, NULL, "The body must be application/scim+json");
	return false;
}

/* A User answered with its version (ETag) and, when created, its Location. */
static void send_user(struct request *req, int status, json_t *user)
{
	json_t *meta = json_object_get(user, "meta");
	const char *version = json_string_value(json_object_get(meta, "version"));
	const char *location = json_string_value(json_object_get(meta, "location"));
	char line[800];
	if (version && strlen(version) < 100) {
		snprintf(line, sizeof line, "ETag: %s\r\n", version);
		req_add_header(req, line);
	}
	if (status == 201 && location) {
		snprintf(line, sizeof line, "Location: %s\r\n", location);
		req_add_header(req, line);
	}
	send_scim(req, status, user, NULL);
}

/* Answers a domain verdict: the User, a refusal, or a failure (-1). */
static int answer(struct request *req, int rc, int status, json_t *user, const struct refusal *err)
{
	if (rc == 0)
		send_user(req, status, user);
	else if (rc == 1)
		send_refusal(req, err);
	return rc < 0 ? -1 : 0;
}

static int list_users(struct request *req)
{
	char project[37];
	int rc = project_of(req, project);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	struct refusal err = { 0 };
	json_t *list = NULL;
	rc = scim_list(project, req_query_param(req, "filter"), req_query_param(req, "startIndex"),
		       req_query_param(req, "count"), &list, &err);
	if (rc == 0)
		send_scim(req, 200, list, NULL);
	else if (rc == 1)
		send_refusal(req, &err);
	return rc < 0 ? -1 : 0;
}

enum user_call { USER_CREATE, USER_READ, USER_REPLACE, USER_PATCH };

/* One User route: the caller's project, the body when the call has one, the domain's verdict. */
static int user_route(struct request *req, enum user_call call)
{
	char project[37];
	int rc = project_of(req, project);
	if (rc != 0 || (call != USER_READ && !json_body(req)))
		return rc < 0 ? -1 : 0;
	struct refusal err = { 0 };
	json_t *user = NULL;
	const char *id = req->path_params[0];
	switch (call) {
	case USER_CREATE: rc = scim_create(project, req->json, &user, &err); break;
	case USER_READ: rc = scim_get(project, id, &user, &err); break;
	case USER_REPLACE: rc = scim_replace(project, id, req->json, &user, &err); break;
	case USER_PATCH: rc = scim_patch(project, id, req->json, &user, &err); break;
	}
	return answer(req, rc, call == USER_CREATE ? 201 : 200, user, &err);
}

static int create_user(struct request *req)
{
	return user_route(req, USER_CREATE);
}

static int read_user(struct request *req)
{
	return user_route(req, USER_READ);
}

static int replace_user(struct request *req)
{
	return user_route(req, USER_REPLACE);
}

static int patch_user(struct request *req)
{
	return user_route(req, USER_PATCH);
}

static int delete_user(struct request *req)
{
	char project[37];
	int rc = project_of(req, project);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	struct refusal err = { 0 };
	rc = scim_delete(project, req->path_params[0], &err);
	if (rc == 0)
		send_empty(req, 204, NULL);
	else if (rc == 1)
		send_refusal(req, &err);
	return rc < 0 ? -1 : 0;
}

/* Any other path or method under /scim/v2: a SCIM Error too (the dispatcher's own 404 and 405
 * would be OperationOutcomes). */
static int elsewhere(struct request *req)
{
	static const char *const known[] = { "/scim/v2/Users", "/scim/v2/ServiceProviderConfig", "/scim/v2/Schemas",
					     "/scim/v2/ResourceTypes", NULL };
	for (int i = 0; known[i]; i++) {
		size_t n = strlen(known[i]);
		if (!strncmp(req->path, known[i], n) && (req->path[n] == '\0' || req->path[n] == '/')) {
			send_scim_error(req, 405, NULL, "Method not allowed");
			return 0;
		}
	}
	send_scim_error(req, 404, NULL, "Not found");
	return 0;
}

#define S ROUTE_SCIM
#define A (ROUTE_AUTH | ROUTE_SCIM)
#define ANY "GET POST PUT PATCH DELETE"
static const struct route routes[] = {
	{ "GET", "/scim/v2/ServiceProviderConfig", service_provider_config, NULL, S },
	{ "GET", "/scim/v2/Schemas", schemas, NULL, S },
	{ "GET", "/scim/v2/Schemas/:id", schema, NULL, S },
	{ "GET", "/scim/v2/ResourceTypes", resource_types, NULL, S },
	{ "GET", "/scim/v2/ResourceTypes/:id", resource_type, NULL, S },
	{ "GET", "/scim/v2/Users", list_users, NULL, A },
	{ "POST", "/scim/v2/Users", create_user, NULL, A },
	{ "GET", "/scim/v2/Users/:id", read_user, NULL, A },
	{ "PUT", "/scim/v2/Users/:id", replace_user, NULL, A },
	{ "PATCH", "/scim/v2/Users/:id", patch_user, NULL, A },
	{ "DELETE", "/scim/v2/Users/:id", delete_user, NULL, A },
	{ ANY, "/scim/v2/:a", elsewhere, NULL, S },
	{ ANY, "/scim/v2/:a/:b", elsewhere, NULL, S },
	{ ANY, "/scim/v2/:a/:b/:c", elsewhere, NULL, S },
	{ 0 },
};

int main(void)
{
	return pipeline_run("tessera-scim", routes);
}

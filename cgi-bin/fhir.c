/* SPDX-License-Identifier: BSD-2-Clause */
/* tessera-fhir: the resource API at /fhir/R4/<Type> for the types Tessera owns (issue 16):
 * create, read, update, delete and search, meta.versionId as the ETag with If-Match (412),
 * OperationOutcome errors, a Bundle for searches. Who may do what is decided in
 * lib/domain/resources.c with the caller's effective access policy (PROTOCOL.md §11); this
 * file is HTTP only. The unmodified SDK's createResource, readResource, updateResource,
 * deleteResource and searchResources use these routes. */
#include "http/app.h"
#include "core/config.h"
#include "core/refusal.h"
#include "domain/auth.h"
#include "domain/pipeline.h"
#include "domain/policies.h"
#include "domain/resources.h"
#include "http/refuse.h"
#include "http/request.h"
#include "http/response.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_COUNT 20
#define MAX_COUNT 1000
#define MAX_OFFSET 10000

static void send_error(struct request *req, const struct refusal *err)
{
	switch (err->status) {
	case 403: send_forbidden(req); break;
	case 404: send_not_found(req); break;
	case 409: send_conflict(req, err->text); break;
	case 412: send_outcome(req, 412, "precondition-failed", "processing", err->text, NULL); break;
	default: send_refusal(req, err);
	}
}

/* The caller's effective policy: 0, 1 answered (401: the membership is gone), -1. */
static int caller_of(struct request *req, struct resource_caller *c)
{
	const struct auth *a = req->auth;
	memset(c, 0, sizeof *c);
	int rc = policies_effective(a->login.membership_id, a->login.scope, !a->third_party, &c->policy);
	if (rc == 1)
		send_unauthorized(req);
	if (rc != 0)
		return rc;
	c->project = a->project_id;
	c->super_admin = a->super_admin;
	return 0;
}

/* The ETag (the version) and, for a create, the Location of a resource. */
static void send_resource(struct request *req, int status, json_t *r)
{
	const char *type = json_string_value(json_object_get(r, "resourceType"));
	const char *id = json_string_value(json_object_get(r, "id"));
	const char *version = json_string_value(json_object_get(json_object_get(r, "meta"), "versionId"));
	char line[512];
	if (version) {
		snprintf(line, sizeof line, "ETag: W/\"%s\"\r\n", version);
		req_add_header(req, line);
	}
	if (status == 201 && type && id && version) {
		snprintf(line, sizeof line, "Location: %sfhir/R4/%s/%s/_history/%s\r\n", cfg.base_url, type, id, version);
		req_add_header(req, line);
	}
	send_fhir(req, status, r);
}

/* A body must be JSON (application/json or any application/...+json): 415 for anything else. */
static bool json_body(struct request *req)
{
	if (req->body_kind == BODY_JSON && json_is_object(req->json))
		return true;
	if (req->body_kind == BODY_NONE)
		send_bad_request(req, "Missing body", NULL);
	else
		send_outcome(req, 415, "unsupported-media-type", "not-supported", "Unsupported media type", NULL);
	return false;
}

static int finish(struct request *req, struct resource_caller *c, int rc, const struct refusal *err)
{
	json_decref(c->policy);
	if (rc == 1)
		send_error(req, err);
	return rc < 0 ? -1 : 0;
}

/* What a route does with the resource once the caller is known: 0 done (*out: the resource to
 * send, when the route answers with one), 1 refused (err), -1. */
typedef int resource_step(struct request *req, const struct resource_caller *c, json_t **out, struct refusal *err);

/* The shape of the read, create, update and delete routes: the JSON body checked (with_body),
 * the caller's policy, the step, then the resource with status (status 0: the all-ok outcome)
 * or the refusal. */
static int serve(struct request *req, bool with_body, int status, resource_step *step)
{
	if (with_body && !json_body(req))
		return 0;
	struct resource_caller c;
	int rc = caller_of(req, &c);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	struct refusal err = { 0 };
	json_t *r = NULL;
	rc = step(req, &c, &r, &err);
	if (rc == 0 && status)
		send_resource(req, status, r);
	else if (rc == 0)
		send_all_ok(req);
	return finish(req, &c, rc, &err);
}

static int read_step(struct request *req, const struct resource_caller *c, json_t **out, struct refusal *err)
{
	return resources_read(c, req->path_params[0], req->path_params[1], out, err);
}

static int create_step(struct request *req, const struct resource_caller *c, json_t **out, struct refusal *err)
{
	return resources_create(c, req->path_params[0], req->json, out, err);
}

static int update_step(struct request *req, const struct resource_caller *c, json_t **out, struct refusal *err)
{
	return resources_update(c, req->path_params[0], req->path_params[1], req_header(req, "HTTP_IF_MATCH"), req->json,
				out, err);
}

static int delete_step(struct request *req, const struct resource_caller *c, json_t **out, struct refusal *err)
{
	(void)out;
	return resources_delete(c, req->path_params[0], req->path_params[1], req_header(req, "HTTP_IF_MATCH"), err);
}

static int read_one(struct request *req) { return serve(req, false, 200, read_step); }
static int create(struct request *req) { return serve(req, true, 201, create_step); }
static int update(struct request *req) { return serve(req, true, 200, update_step); }
static int delete(struct request *req) { return serve(req, false, 0, delete_step); }

/* A whole number in 0..max. */
static bool bounded(const char *v, long max, unsigned *out)
{
	char *end;
	long n = strtol(v, &end, 10);
	if (!*v || *end || n < 0 || n > max)
		return false;
	*out = (unsigned)n;
	return true;
}

/* A second (or later) date: the values become an array; false past four (one per bound). */
static bool repeat_date(json_t *params, const char *value)
{
	json_t *v = json_object_get(params, "date");
	if (json_is_string(v)) {
		json_t *list = json_pack("[O]", v);
		json_object_set_new(params, "date", list);
		v = list;
	}
	if (json_array_size(v) >= 4)
		return false;
	json_array_append_new(v, json_string(value));
	return true;
}

/* Search controls (_count, _offset, _sort, _elements, _project, _total, _format) and the
 * filters (every other query parameter). 0, or 1 answered. */
static int search_of(struct request *req, struct resource_search *s)
{
	static char base[600];
	snprintf(base, sizeof base, "%sfhir/R4/", cfg.base_url);
	*s = (struct resource_search){ .params = json_object(), .count = DEFAULT_COUNT, .base_url = base };
	for (size_t i = 0; i < req->nparams; i++) {
		const struct param *p = &req->params[i];
		if (p->from_body)
			continue;
		const char *bad = NULL;
		if (!strcmp(p->name, "_count")) {
			if (!bounded(p->value, MAX_COUNT, &s->count))
				bad = "Invalid _count";
		} else if (!strcmp(p->name, "_offset")) {
			if (!bounded(p->value, MAX_OFFSET, &s->offset))
				bad = "Invalid _offset";
		} else if (!strcmp(p->name, "_sort")) {
			if (!strcmp(p->value, "_lastUpdated"))
				s->oldest_first = true;
			else if (strcmp(p->value, "-_lastUpdated"))
				bad = "Invalid _sort";
		} else if (!strcmp(p->name, "_elements")) {
			s->elements = p->value;
		} else if (!strcmp(p->name, "_project")) {
			s->project = p->value;
		} else if (!strcmp(p->name, "_total") || !strcmp(p->name, "_format") || !strcmp(p->name, "_summary")) {
			continue;
		} else if (!strcmp(p->name, "date") && json_object_get(s->params, p->name)) {
			/* a range: date=ge...&date=lt... */
			if (!repeat_date(s->params, p->value))
				bad = "Repeated search parameter";
		} else if (json_object_get(s->params, p->name)) {
			bad = "Repeated search parameter";
		} else {
			json_object_set_new(s->params, p->name, json_string(p->value));
		}
		if (bad) {
			json_decref(s->params);
			send_bad_request(req, bad, p->name);
			return 1;
		}
	}
	return 0;
}

static int search(struct request *req)
{
	struct resource_search s;
	if (search_of(req, &s) != 0)
		return 0;
	struct resource_caller c;
	int rc = caller_of(req, &c);
	if (rc != 0) {
		json_decref(s.params);
		return rc < 0 ? -1 : 0;
	}
	struct refusal err = { 0 };
	json_t *bundle = NULL;
	rc = resources_search(&c, req->path_params[0], &s, &bundle, &err);
	if (rc == 0)
		send_fhir(req, 200, bundle);
	rc = finish(req, &c, rc, &err);
	/* only now: a refusal may name a parameter by the text the parameters hold */
	json_decref(s.params);
	return rc;
}

#define T "/fhir/R4/:type"
static const struct route routes[] = {
	{ "GET", T, search, NULL, ROUTE_AUTH },
	{ "POST", T, create, NULL, ROUTE_AUTH },
	{ "GET", T "/:id", read_one, NULL, ROUTE_AUTH },
	{ "PUT", T "/:id", update, NULL, ROUTE_AUTH },
	{ "DELETE", T "/:id", delete, NULL, ROUTE_AUTH },
	{ 0 },
};

int main(void)
{
	return pipeline_run("tessera-fhir", routes);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* manage-policy-page: /manage/projects/:projectId/policies, the project's AccessPolicy
 * resources for its admins (PROTOCOL.md §9.3, §11.1, §11.3): the list, a new policy (a name: it
 * starts granting nothing), a policy's name, its resource access entries as JSON text and its IP
 * rules (name, value, allow or block) as rows, checked and written by the owner with the resource
 * API's own check (policies_store.check, .update with the form's version, lib/domain/policies.c),
 * and deleting it (policies_store.remove, as the resource API does: a membership that still names
 * it then gets nothing from it, never full access). Text that is not JSON is refused before
 * anything is checked or written. */
#include "manage-pages.h"
#include "domain/audit.h"
#include "domain/members.h"
#include "domain/policies.h"
#include "http/page.h"
#include "http/request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POLICY_MISSING "This project has no such access policy."
/* IP rule rows on the form: the stored ones and this many empty ones (the owner allows 64). */
#define BLANK_RULES 2
#define MAX_FORM_RULES 64

static const struct manage_notice notices[] = {
	{ "saved", "The access policy was saved." },
	{ "created", "The access policy was created. It grants nothing until it names resources." },
	{ "deleted", "The access policy was deleted." },
	{ NULL, NULL },
};

/* ------------------------------------------------------------------ the list, a new policy */

static int show_policies(struct request *req, const struct admin_page *p, int status, json_t *ctx)
{
	json_t *list = NULL;
	struct store_query q = { .project = p->project, .limit = 200, .oldest_first = true };
	if (policies_store.find(&q, &list, NULL) < 0) {
		json_decref(ctx);
		return -1;
	}
	size_t i;
	json_t *pol;
	json_array_foreach(list, i, pol) {
		json_object_set_new(pol, "entries", json_integer((json_int_t)json_array_size(json_object_get(pol, "resource"))));
		json_object_set_new(pol, "rules", json_integer((json_int_t)json_array_size(json_object_get(pol, "ipAccessRule"))));
	}
	json_object_set_new(ctx, "policies", list);
	json_object_set_new(ctx, "any", json_boolean(json_array_size(list) > 0));
	manage_notice(ctx, req, notices);
	return manage_send(req, status, "manage-policies", ctx);
}

int manage_policies_get(struct request *req)
{
	struct admin_page p;
	int rc = manage_require_admin(req, &p);
	if (rc != 0)
		return rc;
	json_t *ctx = manage_project_context(req, &p, "Access policies", "policies");
	return ctx ? show_policies(req, &p, 200, ctx) : -1;
}

int manage_policies_post(struct request *req)
{
	struct admin_page p;
	int rc = manage_require_admin(req, &p);
	if (rc != 0)
		return rc;
	const char *name = req_body_param(req, "name");
	json_t *body = json_pack("{s:s, s:[]}", "name", name ? name : "", "resource"), *checked = NULL;
	struct refusal err = { 0 };
	char id[37] = "";
	rc = name && *name ? policies_store.check(body, NULL, p.project, &checked, &err)
			   : refuse(&err, 400, "A name is required", "name");
	if (rc == 0) {
		manage_page_audit(&p, AUDIT_RESOURCE_CREATED, "AccessPolicy", NULL);
		rc = policies_store.insert(p.project, checked, id, NULL, &err);
	}
	json_decref(checked);
	json_decref(body);
	if (rc == 1) {
		json_t *ctx = manage_project_context(req, &p, "Access policies", "policies");
		if (ctx) {
			json_object_set_new(ctx, "name", json_string(name ? name : ""));
			manage_refusal(ctx, &err);
		}
		return ctx ? show_policies(req, &p, 400, ctx) : -1;
	}
	if (rc < 0)
		return -1;
	char rest[120];
	snprintf(rest, sizeof rest, "policies/%s?done=created", id);
	return manage_see_other(req, &p, rest);
}

/* ------------------------------------------------------------------ one policy */

/* The form from a policy (stored, or as posted with its text): name, the entries as JSON text,
 * the IP rules as rows plus empty ones. */
static void fill_form(json_t *ctx, json_t *pol, const char *resource_text)
{
	manage_set_text(ctx, "name", pol, "name");
	char *text = resource_text ? NULL : json_dumps(json_object_get(pol, "resource"), JSON_INDENT(2));
	json_object_set_new(ctx, "resource", json_string(resource_text ? resource_text : text ? text : "[]"));
	free(text);
	json_t *rows = json_array(), *rules = json_object_get(pol, "ipAccessRule"), *r;
	size_t i, n = json_array_size(rules);
	for (i = 0; i < n + BLANK_RULES && i < MAX_FORM_RULES; i++) {
		r = json_array_get(rules, i);
		const char *action = json_string_value(json_object_get(r, "action"));
		json_t *row = json_pack("{s:I, s:I, s:b}", "index", (json_int_t)i, "number", (json_int_t)i + 1, "block",
					action && !strcmp(action, "block"));
		manage_set_text(row, "rule_name", r, "name");
		manage_set_text(row, "value", r, "value");
		json_array_append_new(rows, row);
	}
	json_object_set_new(ctx, "rules", rows);
}

/* The IP rules of the form's rows (a row without a value is left out). */
static json_t *posted_rules(const struct request *req)
{
	json_t *rules = json_array();
	for (int i = 0; i < MAX_FORM_RULES; i++) {
		char key[32];
		snprintf(key, sizeof key, "ip%d_value", i);
		const char *value = req_body_param(req, key);
		if (!value || !*value)
			continue;
		json_t *r = json_object();
		manage_put_text(r, "value", value);
		snprintf(key, sizeof key, "ip%d_name", i);
		manage_put_text(r, "name", req_body_param(req, key));
		snprintf(key, sizeof key, "ip%d_action", i);
		manage_put_text(r, "action", req_body_param(req, key));
		json_array_append_new(rules, r);
	}
	return rules;
}

static json_t *policy_context(struct request *req, const struct admin_page *p, const char *title, json_t *stored)
{
	json_t *ctx = manage_project_context(req, p, title, "policies");
	if (!ctx)
		return NULL;
	json_object_set_new(ctx, "policy_id", json_string(json_string_value(json_object_get(stored, "id"))));
	json_object_set_new(ctx, "version",
			    json_string(json_string_value(json_object_get(json_object_get(stored, "meta"), "versionId"))));
	json_object_set_new(ctx, "policy_name", json_string(json_string_value(json_object_get(stored, "name"))));
	return ctx;
}

int manage_policy_get(struct request *req)
{
	struct admin_page p;
	json_t *pol = NULL;
	int rc = manage_resource_of(req, &p, &policies_store, POLICY_MISSING, &pol);
	if (rc != 0)
		return rc;
	json_t *ctx = policy_context(req, &p, "Access policy", pol);
	if (ctx)
		fill_form(ctx, pol, NULL);
	json_decref(pol);
	if (!ctx)
		return -1;
	manage_notice(ctx, req, notices);
	return manage_send(req, 200, "manage-policy", ctx);
}

/* The resource the form describes over the stored one (its compartment stays): 0, or 1 with err
 * when the entries are not a JSON array. */
static int posted_policy(const struct request *req, json_t *stored, json_t **out, struct refusal *err)
{
	const char *text = req_body_param(req, "resource");
	json_error_t jerr;
	json_t *entries = json_loads(text && *text ? text : "[]", JSON_REJECT_DUPLICATES, &jerr);
	*out = json_deep_copy(stored);
	json_object_del(*out, "id");
	json_object_del(*out, "meta");
	manage_put_text(*out, "name", req_body_param(req, "name"));
	json_object_set_new(*out, "ipAccessRule", posted_rules(req));
	if (!entries) {
		char why[300];
		snprintf(why, sizeof why, "The resource access entries are not valid JSON (line %d, column %d: %s)", jerr.line,
			 jerr.column, jerr.text);
		return refuse_copy(err, 400, why, "resource");
	}
	if (!json_is_array(entries)) {
		json_decref(entries);
		return refuse(err, 400, "The resource access entries must be a JSON array ([ … ])", "resource");
	}
	json_object_set_new(*out, "resource", entries);
	return 0;
}

int manage_policy_post(struct request *req)
{
	struct admin_page p;
	json_t *stored = NULL, *body = NULL;
	int rc = manage_resource_of(req, &p, &policies_store, POLICY_MISSING, &stored);
	if (rc != 0)
		return rc;
	struct refusal err = { 0 };
	rc = posted_policy(req, stored, &body, &err);
	if (rc == 0)
		rc = manage_resource_update(&p, &policies_store, req->path_params[1], body, stored,
					    req_body_param(req, "version"), AUDIT_RESOURCE_UPDATED, &err);
	json_t *ctx = rc == 1 ? policy_context(req, &p, "Access policy", stored) : NULL;
	if (ctx) {
		fill_form(ctx, body, req_body_param(req, "resource") ? req_body_param(req, "resource") : "");
		manage_refusal(ctx, &err);
	}
	json_decref(body);
	json_decref(stored);
	if (rc == 1)
		return ctx ? manage_send(req, err.status == 409 ? 409 : 400, "manage-policy", ctx) : -1;
	if (rc < 0)
		return -1;
	char rest[120];
	snprintf(rest, sizeof rest, "policies/%s?done=saved", req->path_params[1]);
	return manage_see_other(req, &p, rest);
}

/* What deleting takes away: the members who name the policy get no access from it. */
static void set_consequence(json_t *ctx, long long members)
{
	char text[200];
	if (members == 0)
		snprintf(text, sizeof text, "No member uses this policy.");
	else
		snprintf(text, sizeof text, "%lld %s this policy; they will get no access from it (never full access).",
			 members, members == 1 ? "member uses" : "members use");
	json_object_set_new(ctx, "consequence", json_string(text));
}

/* The confirmation: deleting is not undone by going back, and a stray click must not do it. */
int manage_policy_delete_get(struct request *req)
{
	struct admin_page p;
	json_t *pol = NULL;
	int rc = manage_resource_of(req, &p, &policies_store, POLICY_MISSING, &pol);
	if (rc != 0)
		return rc;
	long long members = members_using_policy(p.project, req->path_params[1]);
	json_t *ctx = members < 0 ? NULL : policy_context(req, &p, "Delete an access policy", pol);
	json_decref(pol);
	if (!ctx)
		return -1;
	set_consequence(ctx, members);
	return manage_send(req, 200, "manage-policy-delete", ctx);
}

int manage_policy_delete_post(struct request *req)
{
	struct admin_page p;
	json_t *stored = NULL;
	int rc = manage_resource_of(req, &p, &policies_store, POLICY_MISSING, &stored);
	if (rc != 0)
		return rc;
	json_decref(stored);
	if (!manage_delete_confirmed(req))
		return page_message(req, 400, "Not deleted", MANAGE_DELETE_UNCONFIRMED);
	const char *version = req_body_param(req, "version");
	struct refusal err = { 0 };
	manage_page_audit(&p, AUDIT_RESOURCE_DELETED, "AccessPolicy", req->path_params[1]);
	rc = version && strlen(version) <= 40 ? policies_store.remove(req->path_params[1], version, &err) : 2;
	if (rc == 2)
		return page_message(req, 409, "Not deleted", "The access policy was changed meanwhile: open it again.");
	if (rc == 1)
		return page_message(req, err.status, "Not deleted", err.text);
	return rc < 0 ? -1 : manage_see_other(req, &p, "policies?done=deleted");
}

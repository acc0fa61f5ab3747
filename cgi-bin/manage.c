/* tessera-manage: the admin API (spec §9) under /admin/, and the admin pages under /manage/
 * (manage-pages.c). Project admins act on their own
 * project, super admins on any: invite (lib/invite.c), clients, bots, members, a project-scoped
 * user's password, the project's email templates and brand name; super admins also set any
 * user's password and purge old logins and audit events. Every route needs authentication
 * (401) and an admin (403 "Forbidden"); every multi-row change is one transaction. */
#include "admin.h"
#include "app.h"
#include "audit.h"
#include "auth.h"
#include "clients.h"
#include "config.h"
#include "crypto.h"
#include "db.h"
#include "fhir.h"
#include "invite.h"
#include "log.h"
#include "manage-audit.h"
#include "manage-pages.h"
#include "login.h"
#include "mail.h"
#include "members.h"
#include "mfa.h"
#include "password.h"
#include "people.h"
#include "pwpolicy.h"
#include "request.h"
#include "response.h"
#include "template.h"
#include "text.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_REDIRECT_URIS 32

/* ---- who may act where ---- */

/* The project a route acts on (lib/admin.c: the rule the admin pages share): 0 (project
 * filled), 1 answered (403 Forbidden, or 404 for a super admin's unknown project), -1. */
static int admin_project(struct request *req, const char *path_project, char project[37])
{
	int rc = admin_project_for(req->auth, path_project, project);
	if (rc == 403)
		send_forbidden(req);
	else if (rc == 404)
		send_not_found(req);
	return rc <= 0 ? rc : 1;
}

static int super_only(struct request *req)
{
	if (req->auth->super_admin)
		return 0;
	send_forbidden(req);
	return 1;
}

/* ---- small helpers ---- */

/* The audit event of an admin change to entity type/id of project, written with the change. */
static void audit_change(const char *event, const char *project, const char *type, const char *id)
{
	char entity[80] = "";
	if (type && id)
		snprintf(entity, sizeof entity, "%s/%s", type, id);
	audit_stage(&(struct audit_event){ .type = event, .project_id = project, .entity = entity });
}

static bool param_true(const struct request *req, const char *name)
{
	const char *v = req_param(req, name);
	return v && !strcmp(v, "true");
}

static const char *param_or_null(const struct request *req, const char *name)
{
	const char *v = req_param(req, name);
	return v && *v ? v : NULL;
}

/* A validation failure found by a handler, in the shape the input tables give (§1.3). */
static void send_invalid(struct request *req, const char *text, const char *field)
{
	char id[37];
	crypto_uuid_v4(id);
	send_outcome(req, 400, id, "invalid", text, field);
}

static void send_member_error(struct request *req, const struct member_error *err)
{
	if (err->status == 409)
		send_conflict(req, err->text);
	else if (err->status == 404)
		send_not_found(req);
	else
		send_bad_request(req, err->text, err->expression);
}

/* ---- POST /admin/projects/:projectId/invite (§9.1) ---- */

/* The membership fields of an invite: externalId, accessPolicy, access and admin at the top
 * level, then the "membership" object over them. 0, or 1 answered. */
static int invite_fields(struct request *req, struct invite_request *in)
{
	struct member_error err;
	struct member_fields *f = &in->fields;
	f->active = true;
	f->admin = param_true(req, "admin");
	f->external_id = param_or_null(req, "externalId");
	if (strcmp(req->auth->login.user_type, "User") == 0)
		f->invited_by = req->auth->login.user_id;
	json_t *top = json_object();
	static const char *const keys[] = { "accessPolicy", "access", NULL };
	for (int i = 0; keys[i]; i++)
		if (json_object_get(req->json, keys[i]))
			json_object_set(top, keys[i], json_object_get(req->json, keys[i]));
	int rc = members_parse_fields(top, f, &err);
	json_decref(top); /* f keeps borrowed values that req->json still owns */
	json_t *m = json_object_get(req->json, "membership");
	if (rc == 0 && m && !json_is_null(m)) {
		rc = members_parse_fields(m, f, &err);
		json_t *profile = json_object_get(m, "profile");
		if (profile && !json_is_null(profile))
			in->profile = profile; /* checked by invite_user */
	}
	if (rc != 0)
		send_member_error(req, &err);
	return rc;
}

static int invite(struct request *req)
{
	char project[37];
	int rc = admin_project(req, req->path_params[0], project);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	const char *scope = req_param(req, "scope");
	struct invite_request in = {
		.project_id = project,
		.resource_type = req_param(req, "resourceType"),
		.first_name = req_param(req, "firstName"),
		.last_name = req_param(req, "lastName"),
		.email = param_or_null(req, "email"),
		.password = param_or_null(req, "password"),
		.scope_project = scope && !strcmp(scope, "project"),
		.send_email = !(req_param(req, "sendEmail") && !strcmp(req_param(req, "sendEmail"), "false")),
		.upsert = param_true(req, "upsert"),
		.force_new_membership = param_true(req, "forceNewMembership"),
		.mfa_required = param_true(req, "mfaRequired"),
	};
	if (!in.email && !param_or_null(req, "externalId")) {
		send_invalid(req, "Either email or externalId is required", "email");
		return 0;
	}
	if (invite_fields(req, &in) != 0)
		return 0;
	if (in.password && (rc = pwpolicy_answer(req, in.password, "password")) != 0)
		return rc < 0 ? -1 : 0;
	struct invite_result res;
	struct member_error err;
	audit_change(AUDIT_INVITE, project, NULL, NULL);
	rc = invite_user(&in, &res, &err);
	if (rc != 0) {
		if (rc == 1)
			send_member_error(req, &err);
		return rc < 0 ? -1 : 0;
	}
	if (res.outbox_id[0] && mail_deliver(res.outbox_id) < 0)
		log_error("invite: the outbox could not be read after the commit");
	json_t *m;
	if (members_get(res.membership_id, &m, NULL) != 0)
		return -1;
	send_fhir(req, 200, m);
	return 0;
}

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
	struct member_error err;
	json_t *top = json_object();
	if (json_object_get(req->json, "accessPolicy"))
		json_object_set(top, "accessPolicy", json_object_get(req->json, "accessPolicy"));
	int rc = members_parse_fields(top, &f, &err);
	json_decref(top);
	if (rc == 1)
		send_member_error(req, &err);
	text_copy(id, 37, f.access_policy_id);
	return rc;
}

/* The access policy of a new bot, checked inside the caller's transaction: 0, 1 answered, -1. */
static int policy_of(struct request *req, const char *project, char id[37])
{
	struct member_fields f = { 0 };
	struct member_error err;
	int rc = policy_named(req, id);
	text_copy(f.access_policy_id, sizeof f.access_policy_id, id);
	if (rc == 0)
		rc = members_check_policies(&f, project, &err);
	if (rc == 1 && !req->headers_sent)
		send_member_error(req, &err);
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

static int create_client(struct request *req)
{
	char project[37], policy[37], id[37], secret[65];
	json_t *uris = NULL;
	int rc = admin_project(req, req->path_params[0], project);
	if (rc == 0)
		rc = policy_named(req, policy);
	if (rc == 0)
		rc = redirect_uris(req, &uris);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	const char *name = req_param(req, "name"), *description = param_or_null(req, "description");
	const char *access = param_or_null(req, "accessTokenLifetime"), *refresh = param_or_null(req, "refreshTokenLifetime");
	char *uris_text = uris ? json_dumps(uris, JSON_COMPACT) : NULL;
	struct client_new n = { project, name, description, uris_text, access, refresh, policy };
	struct member_error err;
	audit_change(AUDIT_CLIENT_CREATED, project, NULL, NULL);
	rc = clients_admin_create(&n, id, secret, &err);
	free(uris_text);
	if (rc != 0) {
		json_decref(uris);
		if (rc == 1)
			send_member_error(req, &err);
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
	snprintf(req->log_client, sizeof req->log_client, "%s", id);
	send_fhir(req, 201, c);
	memset(secret, 0, sizeof secret);
	return 0;
}

static bool runtime_ok(const char *v)
{
	return !strcmp(v, "awslambda") || !strcmp(v, "vmcontext");
}

static int create_bot(struct request *req)
{
	char project[37], policy[37], id[37], membership[37];
	int rc = admin_project(req, req->path_params[0], project);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
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
		rc = db_exec(NULL, "INSERT INTO bot (id, project_id, name, description, resource) VALUES (?, ?, ?, ?, ?)",
			     "sssss", id, project, name, description, text);
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

/* ---- /admin/projects/:projectId/members/:membershipId ---- */

/* The membership of the path, in the admin's project: 0 (*m filled), 1 answered (404, or 403
 * for another project's membership), -1. */
static int load_member(struct request *req, json_t **m)
{
	char project[37], owner[37];
	int rc = admin_project(req, req->path_params[0], project);
	if (rc == 0)
		rc = members_get(req->path_params[1], m, owner);
	if (rc == 1 && !req->headers_sent)
		send_not_found(req);
	if (rc == 0 && strcmp(owner, project)) {
		json_decref(*m);
		send_forbidden(req);
		rc = 1;
	}
	return rc;
}

static int get_member(struct request *req)
{
	json_t *m;
	int rc = load_member(req, &m);
	if (rc == 0)
		send_fhir(req, 200, m);
	return rc < 0 ? -1 : 0;
}

/* Replaces the membership with the body (a ProjectMembership of the same id). Who it joins
 * (project, user, profile) never changes; fields left out of the body take their defaults. */
static int update_member(struct request *req)
{
	json_t *m;
	int rc = load_member(req, &m);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	char project[37];
	text_copy(project, sizeof project, json_string_value(json_object_get(json_object_get(m, "meta"), "project")));
	json_decref(m);
	const char *type = req_param(req, "resourceType"), *id = req_param(req, "id");
	if (!type || strcmp(type, "ProjectMembership")) {
		send_bad_request(req, "Incorrect resource type", NULL);
		return 0;
	}
	if (!id || strcmp(id, req->path_params[1])) {
		send_bad_request(req, "Incorrect ID", NULL);
		return 0;
	}
	struct member_fields f = { .active = true };
	struct member_error err = { 0 };
	rc = members_parse_fields(req->json, &f, &err);
	if (rc == 0) {
		if (db_begin() < 0)
			return -1;
		audit_change(AUDIT_MEMBER_UPDATED, project, "ProjectMembership", req->path_params[1]);
		rc = members_check_policies(&f, project, &err);
		if (rc == 0 && (rc = members_update(req->path_params[1], &f)) == 1) {
			err = (struct member_error){ .status = 409 };
			snprintf(err.text, sizeof err.text, "The externalId or userName belongs to another member");
		}
		rc = db_finish(rc);
	}
	if (rc == 1)
		send_member_error(req, &err);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (members_get(req->path_params[1], &m, NULL) != 0)
		return -1;
	send_fhir(req, 200, m);
	return 0;
}

static int delete_member(struct request *req)
{
	json_t *m;
	int rc = load_member(req, &m);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	audit_change(AUDIT_MEMBER_DELETED, json_string_value(json_object_get(json_object_get(m, "meta"), "project")),
		     "ProjectMembership", req->path_params[1]);
	json_decref(m);
	struct member_error err;
	rc = members_delete(req->path_params[1], &err);
	if (rc == 1)
		send_member_error(req, &err);
	else if (rc == 0)
		send_all_ok(req);
	return rc < 0 ? -1 : 0;
}

/* ---- passwords ---- */

/* Sets a user's password through the password policy and ends the user's sessions. */
static int set_password(struct request *req, const char *email, const char *project)
{
	struct person p;
	int rc = people_find_user(email, project, &p);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		send_bad_request(req, "User not found", NULL);
		return 0;
	}
	const char *password = req_param(req, "password");
	rc = pwpolicy_answer(req, password, "password");
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	char hash[PASSWORD_HASH_LEN];
	if (password_hash(password, hash) < 0 || db_begin() < 0)
		return -1;
	audit_change(AUDIT_ADMIN_PASSWORD, project, "User", p.id);
	rc = people_set_password(p.id, hash, false);
	if (rc == 0)
		rc = login_revoke_user(p.id, NULL);
	if (db_finish(rc) != 0)
		return -1;
	send_all_ok(req);
	return 0;
}

/* A project admin sets the password of a user scoped to the admin's project. */
static int project_setpassword(struct request *req)
{
	char project[37];
	int rc = admin_project(req, NULL, project);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	return set_password(req, req_param(req, "email"), project);
}

static int super_setpassword(struct request *req)
{
	if (super_only(req))
		return 0;
	return set_password(req, req_param(req, "email"), param_or_null(req, "projectId"));
}

/* ---- POST /admin/super/purge ---- */

static bool before_ok(const char *v)
{
	char utc[20];
	return fhir_datetime_utc(v, utc);
}

static bool purge_type_ok(const char *v)
{
	return !strcmp(v, "AuditEvent") || !strcmp(v, "Login");
}

static int super_purge(struct request *req)
{
	if (super_only(req))
		return 0;
	char before[20];
	fhir_datetime_utc(req_param(req, "before"), before);
	audit_change(AUDIT_PURGE, NULL, NULL, NULL);
	const char *sql = !strcmp(req_param(req, "resourceType"), "Login")
				  ? "DELETE FROM login WHERE updated_at < ? LIMIT 5000"
				  : "DELETE FROM audit_event WHERE recorded < ? LIMIT 5000";
	/* In batches, so a large purge never holds long locks on a busy table. */
	unsigned long long n;
	do {
		if (db_exec(&n, sql, "s", before) < 0)
			return -1;
	} while (n == 5000);
	send_all_ok(req);
	return 0;
}

/* ---- /admin/projects/:projectId/email-templates[/:name] ---- */

static bool template_known(const char *name)
{
	static const char *const names[] = { "invite", "invite-existing", "reset", "welcome", "verify-email", NULL };
	for (int i = 0; names[i]; i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

static json_t *template_json(const struct db_result *r, unsigned row)
{
	return json_pack("{s:s, s:s, s:s, s:s*, s:s}", "name", db_cell(r, row, 0), "subject", db_cell(r, row, 1), "bodyText",
			 db_cell(r, row, 2), "bodyHtml", db_cell(r, row, 3), "lastUpdated", db_cell(r, row, 4));
}

static const char *const select_template =
	"SELECT name, subject, body_text, body_html, DATE_FORMAT(updated_at, '%Y-%m-%dT%H:%i:%s.%fZ') FROM email_template "
	"WHERE project_id = ?";

/* The project and the template name of the path: 0, 1 answered (an unknown name is 404), -1. */
static int template_target(struct request *req, char project[37])
{
	int rc = admin_project(req, req->path_params[0], project);
	if (rc == 0 && req->path_params[1] && !template_known(req->path_params[1])) {
		send_not_found(req);
		rc = 1;
	}
	return rc;
}

static int list_templates(struct request *req)
{
	char project[37], sql[512];
	int rc = template_target(req, project);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	struct db_result r;
	snprintf(sql, sizeof sql, "%s ORDER BY name", select_template);
	if (db_query(&r, sql, "s", project) < 0)
		return -1;
	json_t *list = json_array();
	for (unsigned i = 0; i < r.nrows; i++)
		json_array_append_new(list, template_json(&r, i));
	db_result_free(&r);
	send_json(req, 200, json_pack("{s:o}", "templates", list), NULL);
	return 0;
}

/* Sends the stored template (200), or 404 when the project has none of that name. */
static int send_template(struct request *req, const char *project)
{
	char sql[512];
	struct db_result r;
	snprintf(sql, sizeof sql, "%s AND name = ?", select_template);
	if (db_query(&r, sql, "ss", project, req->path_params[1]) < 0)
		return -1;
	if (r.nrows)
		send_json(req, 200, template_json(&r, 0), NULL);
	else
		send_not_found(req);
	db_result_free(&r);
	return 0;
}

static int get_template(struct request *req)
{
	char project[37];
	int rc = template_target(req, project);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	return send_template(req, project);
}

/* A template part must compile (an empty context renders every section as skipped). */
static bool compiles(struct request *req, const char *source, bool html, const char *field)
{
	const char *err = "invalid template";
	char *out = html ? template_render(source, NULL, &err) : template_render_text(source, NULL, &err);
	if (out) {
		free(out);
		return true;
	}
	char text[160];
	snprintf(text, sizeof text, "Invalid template: %s", err);
	send_invalid(req, text, field);
	return false;
}

static int put_template(struct request *req)
{
	char project[37];
	int rc = template_target(req, project);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	const char *subject = req_param(req, "subject"), *text = req_param(req, "bodyText");
	const char *html = param_or_null(req, "bodyHtml");
	if (!compiles(req, subject, false, "subject") || !compiles(req, text, false, "bodyText") ||
	    (html && !compiles(req, html, true, "bodyHtml")))
		return 0;
	audit_change(AUDIT_TEMPLATE, project, NULL, NULL);
	if (db_exec(NULL,
		    "INSERT INTO email_template (project_id, name, subject, body_text, body_html) VALUES (?, ?, ?, ?, ?) "
		    "ON DUPLICATE KEY UPDATE subject = VALUES(subject), body_text = VALUES(body_text), "
		    "body_html = VALUES(body_html), updated_at = UTC_TIMESTAMP(3)",
		    "sssss", project, req->path_params[1], subject, text, html) < 0)
		return -1;
	return send_template(req, project);
}

static int delete_template(struct request *req)
{
	char project[37];
	int rc = template_target(req, project);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	unsigned long long n;
	audit_change(AUDIT_TEMPLATE, project, NULL, NULL);
	if (db_exec(&n, "DELETE FROM email_template WHERE project_id = ? AND name = ?", "ss", project,
		    req->path_params[1]) < 0)
		return -1;
	if (n)
		send_all_ok(req);
	else
		send_not_found(req);
	return 0;
}

/* ---- /admin/projects/:projectId/settings ---- */

static int send_settings(struct request *req, const char *project)
{
	struct db_result r;
	if (db_query(&r, "SELECT id, name, brand_name, mfa_required, allowed_mfa_methods FROM project WHERE id = ?", "s",
		     project) < 0)
		return -1;
	if (r.nrows)
		send_json(req, 200,
			  json_pack("{s:s, s:s, s:s?, s:b, s:o}", "id", db_cell(&r, 0, 0), "name", db_cell(&r, 0, 1),
				    "brandName", db_cell(&r, 0, 2), "mfaRequired", text_true(db_cell(&r, 0, 3)),
				    "allowedMfaMethods", mfa_methods_json(mfa_methods_parse(db_cell(&r, 0, 4)))),
			  NULL);
	else
		send_not_found(req);
	db_result_free(&r);
	return 0;
}

static int get_settings(struct request *req)
{
	char project[37];
	int rc = admin_project(req, req->path_params[0], project);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	return send_settings(req, project);
}

/* brandName names the project in its emails ("Welcome to <brand>"); absent, null or "" goes
 * back to the default. mfaRequired (every member must use a second factor) and
 * allowedMfaMethods ("totp", "email" or "totp,email") stay as they are when absent. */
static int post_settings(struct request *req)
{
	char project[37];
	int rc = admin_project(req, req->path_params[0], project);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	audit_change(AUDIT_SETTINGS, project, NULL, NULL);
	const char *required = param_or_null(req, "mfaRequired"), *methods = param_or_null(req, "allowedMfaMethods");
	if (db_exec(NULL,
		    "UPDATE project SET brand_name = ?, mfa_required = COALESCE(?, mfa_required), "
		    "allowed_mfa_methods = COALESCE(?, allowed_mfa_methods), updated_at = UTC_TIMESTAMP(3) WHERE id = ?",
		    "ssss", param_or_null(req, "brandName"), required ? (strcmp(required, "true") ? "0" : "1") : NULL,
		    methods, project) < 0)
		return -1;
	return send_settings(req, project);
}

/* "totp", "email" or both, comma-separated, each once. */
static bool valid_mfa_methods(const char *v)
{
	return !strcmp(v, "totp") || !strcmp(v, "email") || !strcmp(v, "totp,email") || !strcmp(v, "email,totp");
}

/* ---- input tables ---- */

static bool scope_ok(const char *v)
{
	return !strcmp(v, "project") || !strcmp(v, "server");
}

static bool one_line_name(const char *v)
{
	return valid_chars_between(v, 1, 255);
}

static bool one_line(const char *v)
{
	return !strpbrk(v, "\r\n");
}

#define PASSWORD_INPUTS(required)                                                                                      \
	{ "password", IN_STRING, required, 0, "Invalid password, must be at least 8 characters", pwpolicy_min_ok },    \
	{ "password", IN_STRING, required, 0, "Password must be no more than 72 characters", pwpolicy_max_ok }

static const struct input invite_inputs[] = {
	{ "resourceType", IN_TOKEN, true, 32, "Resource type is required", invite_profile_type_ok },
	{ "firstName", IN_STRING, true, 0, "First name is required", NULL },
	{ "firstName", IN_STRING, true, 0, "First name must be between 1 and 128 characters", valid_person_name },
	{ "lastName", IN_STRING, true, 0, "Last name is required", NULL },
	{ "lastName", IN_STRING, true, 0, "Last name must be between 1 and 128 characters", valid_person_name },
	{ "email", IN_EMAIL, false, 254, "Valid email address is required", NULL },
	{ "externalId", IN_STRING, false, 255, "Invalid externalId", one_line_name },
	{ "scope", IN_TOKEN, false, 8, "Invalid scope", scope_ok },
	PASSWORD_INPUTS(false),
	{ "sendEmail", IN_BOOL, false, 5, "Invalid sendEmail", NULL },
	{ "upsert", IN_BOOL, false, 5, "Invalid upsert", NULL },
	{ "forceNewMembership", IN_BOOL, false, 5, "Invalid forceNewMembership", NULL },
	{ "mfaRequired", IN_BOOL, false, 5, "Invalid mfaRequired", NULL },
	{ "admin", IN_BOOL, false, 5, "Invalid admin", NULL },
	{ 0 },
};

static const struct input client_inputs[] = {
	{ "name", IN_STRING, true, 0, "Client name is required", NULL },
	{ "name", IN_STRING, true, 0, "Client name must be between 1 and 255 characters", one_line_name },
	{ "description", IN_STRING, false, 4096, "Invalid description", NULL },
	{ "redirectUri", IN_URI, false, 2048, "Invalid redirectUri", NULL },
	{ "accessTokenLifetime", IN_TOKEN, false, 16, "Invalid accessTokenLifetime", lifetime_ok },
	{ "refreshTokenLifetime", IN_TOKEN, false, 16, "Invalid refreshTokenLifetime", lifetime_ok },
	{ 0 },
};

static const struct input bot_inputs[] = {
	{ "name", IN_STRING, true, 0, "Bot name is required", NULL },
	{ "name", IN_STRING, true, 0, "Bot name must be between 1 and 255 characters", one_line_name },
	{ "description", IN_STRING, false, 4096, "Invalid description", NULL },
	{ "runtimeVersion", IN_TOKEN, false, 16, "Invalid runtimeVersion", runtime_ok },
	{ 0 },
};

static const struct input member_path_inputs[] = { { 0 } };

static const struct input member_update_inputs[] = {
	{ "resourceType", IN_TOKEN, false, 64, "Incorrect resource type", NULL },
	{ "id", IN_TOKEN, false, 64, "Incorrect ID", NULL },
	{ 0 },
};

static const struct input setpassword_inputs[] = {
	{ "email", IN_EMAIL, true, 320, "Valid email address is required", NULL },
	PASSWORD_INPUTS(true),
	{ 0 },
};

static const struct input super_setpassword_inputs[] = {
	{ "email", IN_EMAIL, true, 320, "Valid email address is required", NULL },
	PASSWORD_INPUTS(true),
	{ "projectId", IN_UUID, false, 36, "Invalid projectId", NULL },
	{ 0 },
};

static const struct input purge_inputs[] = {
	{ "resourceType", IN_TOKEN, true, 16, "Invalid resource type", purge_type_ok },
	{ "before", IN_TOKEN, true, 40, "Invalid before date", before_ok },
	{ 0 },
};

static const struct input template_inputs[] = {
	{ "subject", IN_STRING, true, 998, "Subject is required", NULL },
	{ "subject", IN_STRING, true, 998, "Subject must be one line", one_line },
	{ "bodyText", IN_STRING, true, 0, "bodyText is required", NULL },
	{ "bodyHtml", IN_STRING, false, 0, "Invalid bodyHtml", NULL },
	{ 0 },
};

static const struct input settings_inputs[] = {
	{ "brandName", IN_STRING, false, 255, "Brand name must be between 1 and 255 characters", one_line_name },
	{ "mfaRequired", IN_BOOL, false, 5, "Invalid mfaRequired", NULL },
	{ "allowedMfaMethods", IN_TOKEN, false, 16, "Invalid allowedMfaMethods", valid_mfa_methods },
	{ 0 },
};

#define P "/admin/projects/:projectId"
#define M "/manage/projects/:projectId"
static const struct route routes[] = {
	{ "POST", "/admin/projects/setpassword", project_setpassword, setpassword_inputs, ROUTE_AUTH },
	{ "POST", P "/invite", invite, invite_inputs, ROUTE_AUTH },
	{ "POST", P "/client", create_client, client_inputs, ROUTE_AUTH },
	{ "POST", P "/bot", create_bot, bot_inputs, ROUTE_AUTH },
	{ "GET", P "/members/:membershipId", get_member, member_path_inputs, ROUTE_AUTH },
	{ "POST", P "/members/:membershipId", update_member, member_update_inputs, ROUTE_AUTH },
	{ "DELETE", P "/members/:membershipId", delete_member, member_path_inputs, ROUTE_AUTH },
	{ "GET", P "/email-templates", list_templates, NULL, ROUTE_AUTH },
	{ "GET", P "/email-templates/:name", get_template, NULL, ROUTE_AUTH },
	{ "PUT", P "/email-templates/:name", put_template, template_inputs, ROUTE_AUTH },
	{ "DELETE", P "/email-templates/:name", delete_template, NULL, ROUTE_AUTH },
	{ "GET", P "/settings", get_settings, NULL, ROUTE_AUTH },
	{ "GET", P "/audit", manage_audit_list, manage_audit_inputs, ROUTE_AUTH },
	{ "POST", P "/settings", post_settings, settings_inputs, ROUTE_AUTH },
	{ "POST", "/admin/super/setpassword", super_setpassword, super_setpassword_inputs, ROUTE_AUTH },
	{ "POST", "/admin/super/purge", super_purge, purge_inputs, ROUTE_AUTH },
	/* The admin pages for browsers (manage-pages.c): the page session, not a bearer token. */
	{ "GET", M "/members", manage_members_get, manage_members_inputs, ROUTE_PAGE },
	{ "GET", M "/members/:membershipId/remove", manage_remove_get, NULL, ROUTE_PAGE },
	{ "POST", M "/members/:membershipId/remove", manage_remove_post, NULL, ROUTE_PAGE },
	{ "POST", M "/members/:membershipId/resend", manage_resend_post, NULL, ROUTE_PAGE },
	{ "GET", M "/invite", manage_invite_get, NULL, ROUTE_PAGE },
	{ "POST", M "/invite", manage_invite_post, NULL, ROUTE_PAGE },
	{ "GET", M "/clients", manage_clients_get, NULL, ROUTE_PAGE },
	{ "POST", M "/clients", manage_clients_post, NULL, ROUTE_PAGE },
	{ "POST", M "/clients/:clientId/rotate", manage_rotate_post, NULL, ROUTE_PAGE },
	{ "GET", M "/clients/:clientId/secret", manage_secret_get, NULL, ROUTE_PAGE },
	{ 0 },
};

int main(void)
{
	return app_run("tessera-manage", routes);
}

/* tessera-session: the session stage: GET /auth/me (§6.10), /oauth2/logout (§7.4) and
 * /oauth2/introspect (§7.5, client-authenticated: stricter.md row 8). */
#include "app.h"
#include "auth.h"
#include "clients.h"
#include "config.h"
#include "db.h"
#include "jwt.h"
#include "request.h"
#include "response.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *reference(const char *type, const char *id, const char *display)
{
	char ref[80];
	snprintf(ref, sizeof ref, "%s/%s", type, id);
	json_t *r = json_pack("{s:s}", "reference", ref);
	if (display && *display)
		json_object_set_new(r, "display", json_string(display));
	return r;
}

static json_t *json_cell(const struct db_result *r, unsigned col)
{
	const char *v = db_cell(r, 0, col);
	return v ? json_loads(v, 0, NULL) : NULL;
}

static json_t *load_project(const char *id)
{
	struct db_result r;
	if (db_query(&r, "SELECT name, description, strict_mode, super_admin FROM project WHERE id = ?", "s", id) < 0)
		return NULL;
	json_t *p = NULL;
	if (r.nrows == 1) {
		p = json_pack("{s:s, s:s, s:s, s:b, s:b}", "resourceType", "Project", "id", id, "name", db_cell(&r, 0, 0),
			      "strictMode", !strcmp(db_cell(&r, 0, 2), "1"), "superAdmin", !strcmp(db_cell(&r, 0, 3), "1"));
		if (db_cell(&r, 0, 1))
			json_object_set_new(p, "description", json_string(db_cell(&r, 0, 1)));
	}
	db_result_free(&r);
	return p;
}

/* The profile resource: a ClientApplication (never its secret) or a stored FHIR profile. */
static json_t *load_profile(const char *type, const char *id)
{
	struct db_result r;
	json_t *p = NULL;
	if (!strcmp(type, "ClientApplication")) {
		if (db_query(&r, "SELECT name, description, status, redirect_uris FROM client_application WHERE id = ?", "s",
			     id) < 0)
			return NULL;
		if (r.nrows == 1) {
			p = json_pack("{s:s, s:s, s:s, s:s}", "resourceType", type, "id", id, "name", db_cell(&r, 0, 0), "status",
				      db_cell(&r, 0, 2));
			if (db_cell(&r, 0, 1))
				json_object_set_new(p, "description", json_string(db_cell(&r, 0, 1)));
			json_t *uris = json_cell(&r, 3);
			if (uris)
				json_object_set_new(p, "redirectUris", uris);
		}
	} else {
		if (db_query(&r, "SELECT resource FROM profile WHERE id = ? AND resource_type = ?", "ss", id, type) < 0)
			return NULL;
		if (r.nrows == 1)
			p = json_cell(&r, 0);
	}
	db_result_free(&r);
	return p;
}

static const char *const select_display =
	"SELECT COALESCE((SELECT display FROM profile WHERE id = ?), (SELECT name FROM client_application WHERE id = ?), "
	"(SELECT name FROM bot WHERE id = ?), (SELECT email FROM user WHERE id = ?))";

static json_t *display_reference(const char *type, const char *id)
{
	struct db_result r;
	const char *display = NULL;
	if (db_query(&r, select_display, "ssss", id, id, id, id) == 0)
		display = db_cell(&r, 0, 0);
	json_t *ref = reference(type, id, display);
	db_result_free(&r);
	return ref;
}

static json_t *load_membership(const char *id, const char *project_name, char *policy_id, size_t policy_len)
{
	struct db_result r;
	if (db_query(&r,
		     "SELECT project_id, user_type, user_id, profile_type, profile_id, admin, access_policy_id, identifier, "
		     "user_configuration FROM project_membership WHERE id = ?",
		     "s", id) < 0)
		return NULL;
	json_t *m = NULL;
	if (r.nrows == 1) {
		m = json_pack("{s:s, s:s, s:o, s:o, s:o, s:b}", "resourceType", "ProjectMembership", "id", id, "project",
			      reference("Project", db_cell(&r, 0, 0), project_name), "user",
			      display_reference(db_cell(&r, 0, 1), db_cell(&r, 0, 2)), "profile",
			      display_reference(db_cell(&r, 0, 3), db_cell(&r, 0, 4)), "admin",
			      !strcmp(db_cell(&r, 0, 5), "1"));
		json_t *ident = json_cell(&r, 7);
		if (ident)
			json_object_set_new(m, "identifier", ident);
		snprintf(policy_id, policy_len, "%s", db_cell(&r, 0, 6) ? db_cell(&r, 0, 6) : "");
		if (policy_id[0])
			json_object_set_new(m, "accessPolicy", reference("AccessPolicy", policy_id, NULL));
	}
	db_result_free(&r);
	return m;
}

/* No policy means full access within the project, as Medplum computes it. */
static json_t *load_access_policy(const char *policy_id)
{
	if (policy_id[0]) {
		struct db_result r;
		if (db_query(&r, "SELECT resource FROM access_policy WHERE id = ?", "s", policy_id) < 0)
			return NULL;
		json_t *p = r.nrows == 1 ? json_cell(&r, 0) : NULL;
		db_result_free(&r);
		if (p)
			return p;
	}
	return json_pack("{s:s, s:[{s:s}]}", "resourceType", "AccessPolicy", "resource", "resourceType", "*");
}

static json_t *default_config(bool admin, bool super_admin)
{
	json_t *menu = json_pack(
		"[{s:s, s:[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}, {s:s, s:s}, {s:s, s:s}, {s:s, s:s}]}]", "title",
		"Favorites", "link", "name", "Patients", "target", "/Patient", "name", "Practitioners", "target",
		"/Practitioner", "name", "Organizations", "target", "/Organization", "name", "Service Requests",
		"target", "/ServiceRequest", "name", "Diagnostic Reports", "target", "/DiagnosticReport", "name",
		"Questionnaires", "target", "/Questionnaire");
	if (admin)
		json_array_append_new(menu, json_pack("{s:s, s:[{s:s, s:s}]}", "title", "Admin", "link", "name",
						      "Project", "target", "/admin/project"));
	if (super_admin)
		json_array_append_new(menu, json_pack("{s:s, s:[{s:s, s:s}]}", "title", "Super Admin", "link", "name",
						      "Super Admin", "target", "/admin/super"));
	return json_pack("{s:s, s:o}", "resourceType", "UserConfiguration", "menu", menu);
}

static json_t *load_user(const char *id, bool *mfa_enrolled)
{
	struct db_result r;
	if (db_query(&r, "SELECT email, identifier, mfa_enrolled, first_name, last_name FROM user WHERE id = ?", "s",
		     id) < 0)
		return NULL;
	json_t *u = NULL;
	if (r.nrows == 1) {
		u = json_pack("{s:s, s:s, s:s, s:s, s:s}", "resourceType", "User", "id", id, "email", db_cell(&r, 0, 0),
			      "firstName", db_cell(&r, 0, 3), "lastName", db_cell(&r, 0, 4));
		json_t *ident = json_cell(&r, 1);
		if (ident)
			json_object_set_new(u, "identifier", ident);
		*mfa_enrolled = !strcmp(db_cell(&r, 0, 2), "1");
	}
	db_result_free(&r);
	return u;
}

static json_t *load_sessions(const char *user_id)
{
	struct db_result r;
	if (db_query(&r,
		     "SELECT id, DATE_FORMAT(updated_at, '%Y-%m-%dT%H:%i:%s.%fZ'), auth_method, remote_address, user_agent "
		     "FROM login WHERE user_id = ? AND updated_at > UTC_TIMESTAMP(3) - INTERVAL 1 HOUR "
		     "AND membership_id IS NOT NULL AND NOT revoked ORDER BY updated_at DESC LIMIT 100",
		     "s", user_id) < 0)
		return NULL;
	json_t *list = json_array();
	for (unsigned i = 0; i < r.nrows; i++)
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s*, s:s*}", "id", db_cell(&r, i, 0), "lastUpdated",
						      db_cell(&r, i, 1), "authMethod", db_cell(&r, i, 2), "remoteAddress",
						      db_cell(&r, i, 3), "userAgent", db_cell(&r, i, 4)));
	db_result_free(&r);
	return list;
}

static json_t *load_user_memberships(const char *user_id, const char *project_id)
{
	struct db_result r;
	if (db_query(&r,
		     "SELECT id, profile_type, profile_id, admin, identifier FROM project_membership "
		     "WHERE user_id = ? AND project_id = ? AND active LIMIT 100",
		     "ss", user_id, project_id) < 0)
		return NULL;
	json_t *list = json_array();
	for (unsigned i = 0; i < r.nrows; i++)
		json_array_append_new(list, json_pack("{s:s, s:s, s:o, s:b}", "resourceType", "ProjectMembership", "id",
						      db_cell(&r, i, 0), "profile",
						      display_reference(db_cell(&r, i, 1), db_cell(&r, i, 2)), "admin",
						      !strcmp(db_cell(&r, i, 3), "1")));
	db_result_free(&r);
	return list;
}

static int add_user_parts(json_t *me, const struct auth *a)
{
	bool mfa = false;
	json_t *user = load_user(a->login.user_id, &mfa);
	json_t *sessions = a->basic ? json_array() : load_sessions(a->login.user_id);
	json_t *memberships = load_user_memberships(a->login.user_id, a->project_id);
	if (!user || !sessions || !memberships) {
		json_decref(user);
		json_decref(sessions);
		json_decref(memberships);
		return -1;
	}
	json_object_set_new(me, "user", user);
	json_object_set_new(me, "security", json_pack("{s:b, s:o, s:o}", "mfaEnrolled", mfa, "sessions", sessions,
						      "memberships", memberships));
	return 0;
}

static int me(struct request *req)
{
	const struct auth *a = req->auth;
	char policy_id[37] = "";
	json_t *project = load_project(a->project_id);
	const char *pname = project ? json_string_value(json_object_get(project, "name")) : NULL;
	json_t *membership = project ? load_membership(a->login.membership_id, pname, policy_id, sizeof policy_id) : NULL;
	json_t *profile = membership ? load_profile(a->profile_type, a->profile_id) : NULL;
	json_t *policy = profile ? load_access_policy(policy_id) : NULL;
	if (!policy) {
		json_decref(project);
		json_decref(membership);
		json_decref(profile);
		return db_unavailable() ? -1 : (send_unauthorized(req), 0);
	}
	json_t *me = json_pack("{s:o, s:o, s:o, s:o, s:o}", "project", project, "membership", membership, "profile",
			       profile, "config", default_config(a->admin, a->super_admin), "accessPolicy", policy);
	if (!strcmp(a->login.user_type, "User") && add_user_parts(me, a) < 0) {
		json_decref(me);
		return -1;
	}
	send_json(req, 200, me, NULL);
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

/* me: builds the /auth/me document. */
#include "me.h"
#include "text.h"
#include "fhir.h"
#include "auth.h"
#include "db.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const char *const select_membership =
	"SELECT p.name, p.description, p.strict_mode, p.super_admin, m.admin, m.access_policy_id, m.identifier, "
	"m.user_type, m.user_id, m.profile_type, m.profile_id, COALESCE(pr.display, c.name, b.name), pr.resource, "
	"c.description, c.status, c.redirect_uris, ap.resource, u.email "
	"FROM project_membership m JOIN project p ON p.id = m.project_id "
	"LEFT JOIN profile pr ON pr.id = m.profile_id "
	"LEFT JOIN client_application c ON c.id = m.profile_id "
	"LEFT JOIN bot b ON b.id = m.profile_id "
	"LEFT JOIN access_policy ap ON ap.id = m.access_policy_id "
	"LEFT JOIN user u ON u.id = m.user_id "
	"WHERE m.id = ?";

enum { C_PNAME, C_PDESC, C_STRICT, C_SUPER, C_ADMIN, C_POLICY, C_IDENT, C_UTYPE, C_UID, C_PTYPE, C_PID, C_DISPLAY,
       C_RESOURCE, C_CDESC, C_CSTATUS, C_CURIS, C_POLICY_RES, C_EMAIL };

static json_t *cell_json(const struct db_result *r, unsigned row, unsigned col)
{
	const char *v = db_cell(r, row, col);
	return v ? json_loads(v, 0, NULL) : NULL;
}

static void set_cell(json_t *o, const char *key, const struct db_result *r, unsigned col)
{
	if (db_cell(r, 0, col))
		json_object_set_new(o, key, json_string(db_cell(r, 0, col)));
}

static json_t *project_of(const struct db_result *r, const char *project_id)
{
	json_t *p = json_pack("{s:s, s:s, s:s, s:b, s:b}", "resourceType", "Project", "id", project_id, "name",
			      db_cell(r, 0, C_PNAME), "strictMode", text_true(db_cell(r, 0, C_STRICT)), "superAdmin",
			      text_true(db_cell(r, 0, C_SUPER)));
	set_cell(p, "description", r, C_PDESC);
	return p;
}

/* A ClientApplication profile never carries its secret; other profiles are stored FHIR JSON. */
static json_t *profile_of(const struct db_result *r)
{
	const char *type = db_cell(r, 0, C_PTYPE);
	if (strcmp(type, "ClientApplication"))
		return cell_json(r, 0, C_RESOURCE);
	json_t *p = json_pack("{s:s, s:s, s:s, s:s}", "resourceType", type, "id", db_cell(r, 0, C_PID), "name",
			      db_cell(r, 0, C_DISPLAY), "status", db_cell(r, 0, C_CSTATUS) ? db_cell(r, 0, C_CSTATUS) : "active");
	set_cell(p, "description", r, C_CDESC);
	json_t *uris = cell_json(r, 0, C_CURIS);
	if (uris)
		json_object_set_new(p, "redirectUris", uris);
	return p;
}

static json_t *membership_of(const struct db_result *r, const char *id, const char *project_id)
{
	const char *utype = db_cell(r, 0, C_UTYPE);
	const char *user_display = !strcmp(utype, "User") ? db_cell(r, 0, C_EMAIL) : db_cell(r, 0, C_DISPLAY);
	json_t *m = json_pack("{s:s, s:s, s:o, s:o, s:o, s:b}", "resourceType", "ProjectMembership", "id", id, "project",
			      fhir_reference("Project", project_id, db_cell(r, 0, C_PNAME)), "user",
			      fhir_reference(utype, db_cell(r, 0, C_UID), user_display), "profile",
			      fhir_reference(db_cell(r, 0, C_PTYPE), db_cell(r, 0, C_PID), db_cell(r, 0, C_DISPLAY)), "admin",
			      text_true(db_cell(r, 0, C_ADMIN)));
	json_t *ident = cell_json(r, 0, C_IDENT);
	if (ident)
		json_object_set_new(m, "identifier", ident);
	if (db_cell(r, 0, C_POLICY))
		json_object_set_new(m, "accessPolicy", fhir_reference("AccessPolicy", db_cell(r, 0, C_POLICY), NULL));
	return m;
}

/* No policy means full access within the project, as Medplum computes it. */
static json_t *policy_of(const struct db_result *r)
{
	json_t *p = cell_json(r, 0, C_POLICY_RES);
	return p ? p : json_pack("{s:s, s:[{s:s}]}", "resourceType", "AccessPolicy", "resource", "resourceType", "*");
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
		u = json_pack("{s:s, s:s, s:s*, s:s, s:s}", "resourceType", "User", "id", id, "email", db_cell(&r, 0, 0),
			      "firstName", db_cell(&r, 0, 3), "lastName", db_cell(&r, 0, 4));
		json_t *ident = cell_json(&r, 0, 1);
		if (ident)
			json_object_set_new(u, "identifier", ident);
		*mfa_enrolled = text_true(db_cell(&r, 0, 2));
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
		     "SELECT m.id, m.profile_type, m.profile_id, m.admin, pr.display FROM project_membership m "
		     "LEFT JOIN profile pr ON pr.id = m.profile_id WHERE m.user_id = ? AND m.project_id = ? AND m.active "
		     "LIMIT 100",
		     "ss", user_id, project_id) < 0)
		return NULL;
	json_t *list = json_array();
	for (unsigned i = 0; i < r.nrows; i++)
		json_array_append_new(list, json_pack("{s:s, s:s, s:o, s:b}", "resourceType", "ProjectMembership", "id",
						      db_cell(&r, i, 0), "profile",
						      fhir_reference(db_cell(&r, i, 1), db_cell(&r, i, 2), db_cell(&r, i, 4)),
						      "admin", text_true(db_cell(&r, i, 3))));
	db_result_free(&r);
	return list;
}

static int add_user_parts(json_t *me, const struct auth *a)
{
	bool mfa = false;
	json_t *user = load_user(a->login.user_id, &mfa);
	json_t *sessions = load_sessions(a->login.user_id);
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

json_t *me_build(const struct auth *a)
{
	struct db_result r;
	if (db_query(&r, select_membership, "s", a->login.membership_id) < 0)
		return NULL;
	json_t *profile = r.nrows == 1 ? profile_of(&r) : NULL;
	json_t *me = NULL;
	if (profile)
		me = json_pack("{s:o, s:o, s:o, s:o, s:o}", "project", project_of(&r, a->project_id), "membership",
			       membership_of(&r, a->login.membership_id, a->project_id), "profile", profile, "config",
			       default_config(text_true(db_cell(&r, 0, C_ADMIN)), text_true(db_cell(&r, 0, C_SUPER))),
			       "accessPolicy", policy_of(&r));
	db_result_free(&r);
	if (me && !strcmp(a->login.user_type, "User") && add_user_parts(me, a) < 0) {
		json_decref(me);
		me = NULL;
	}
	return me;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* me: builds the /auth/me document. */
#include "domain/me.h"
#include "core/text.h"
#include "core/fhir.h"
#include "domain/auth.h"
#include "core/db.h"
#include "domain/login.h"
#include "domain/policies.h"
#include "domain/members.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define D(col) auth_detail_cell(a, col)

static json_t *json_of(const char *text)
{
	return text ? json_loads(text, 0, NULL) : NULL;
}

static void set_string(json_t *o, const char *key, const char *value)
{
	if (value)
		json_object_set_new(o, key, json_string(value));
}

static json_t *project_of(const struct auth *a)
{
	json_t *p = json_pack("{s:s, s:s, s:s, s:b, s:b}", "resourceType", "Project", "id", a->project_id, "name",
			      D(AD_PROJECT_NAME), "strictMode", text_true(D(AD_STRICT_MODE)), "superAdmin",
			      text_true(D(AD_SUPER_ADMIN)));
	set_string(p, "description", D(AD_PROJECT_DESCRIPTION));
	return p;
}

/* A ClientApplication profile never carries its secret; other profiles are stored FHIR JSON. */
static json_t *profile_of(const struct auth *a)
{
	if (strcmp(a->profile_type, "ClientApplication"))
		return json_of(D(AD_PROFILE_RESOURCE));
	json_t *p = json_pack("{s:s, s:s, s:s, s:s}", "resourceType", a->profile_type, "id", a->profile_id, "name",
			      D(AD_DISPLAY), "status", D(AD_CLIENT_STATUS) ? D(AD_CLIENT_STATUS) : "active");
	set_string(p, "description", D(AD_CLIENT_DESCRIPTION));
	json_t *uris = json_of(D(AD_CLIENT_URIS));
	if (uris)
		json_object_set_new(p, "redirectUris", uris);
	return p;
}

static json_t *membership_of(const struct auth *a)
{
	const char *utype = D(AD_USER_TYPE);
	const char *user_display = !strcmp(utype, "User") ? D(AD_EMAIL) : D(AD_DISPLAY);
	json_t *m = json_pack("{s:s, s:s, s:o, s:o, s:o, s:b}", "resourceType", "ProjectMembership", "id",
			      a->login.membership_id, "project", fhir_reference("Project", a->project_id, D(AD_PROJECT_NAME)),
			      "user", fhir_reference(utype, D(AD_USER_ID), user_display), "profile",
			      fhir_reference(a->profile_type, a->profile_id, D(AD_DISPLAY)), "admin",
			      text_true(D(AD_ADMIN)));
	json_t *ident = json_of(D(AD_IDENTIFIER));
	if (ident)
		json_object_set_new(m, "identifier", ident);
	if (D(AD_POLICY_ID))
		json_object_set_new(m, "accessPolicy", fhir_reference("AccessPolicy", D(AD_POLICY_ID), NULL));
	return m;
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

static json_t *user_of(const struct auth *a)
{
	json_t *u = json_pack("{s:s, s:s, s:s*, s:s, s:s}", "resourceType", "User", "id", a->login.user_id, "email",
			      D(AD_EMAIL), "firstName", D(AD_FIRST_NAME), "lastName", D(AD_LAST_NAME));
	json_t *ident = json_of(D(AD_USER_IDENTIFIER));
	if (ident)
		json_object_set_new(u, "identifier", ident);
	return u;
}

/* Sessions are logins whose tokens were issued: a sign-in still in progress is not listed, its
 * id being the bearer secret of that flow (issue 14). */
static json_t *load_sessions(const char *user_id)
{
	struct db_result r;
	if (login_sessions(user_id, &r) < 0)
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
	if (members_of_user_in(user_id, project_id, &r) < 0)
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
	if (!D(AD_EMAIL))
		return 1;
	json_t *sessions = load_sessions(a->login.user_id);
	json_t *memberships = load_user_memberships(a->login.user_id, a->project_id);
	if (!sessions || !memberships) {
		json_decref(sessions);
		json_decref(memberships);
		return -1;
	}
	json_object_set_new(me, "user", user_of(a));
	json_object_set_new(me, "security", json_pack("{s:b, s:o, s:o}", "mfaEnrolled", text_true(D(AD_MFA_ENROLLED)),
						      "sessions", sessions, "memberships", memberships));
	return 0;
}

int me_build(struct auth *a, json_t **out)
{
	*out = NULL;
	int rc = auth_load_detail(a);
	if (rc != 0)
		return rc;
	/* The effective policy (§11.1): the membership's policies, its parameters, the admin rules
	 * and the login's SMART scopes. */
	json_t *policy;
	/* From the authentication's row: no second round trip (unless access[] names policies). */
	struct policies_membership pm = {
		.project_id = a->project_id, .profile_type = a->profile_type, .profile_id = a->profile_id,
		.admin = !a->third_party && text_true(D(AD_ADMIN)),
		.super_admin = !a->third_party && text_true(D(AD_SUPER_ADMIN)),
		.policy_id = D(AD_POLICY_ID), .policy_text = D(AD_POLICY_RESOURCE), .access_text = D(AD_ACCESS),
	};
	if ((rc = policies_effective_of(&pm, a->login.scope, &policy)) != 0)
		return rc;
	json_t *profile = profile_of(a);
	if (!profile) {
		json_decref(policy);
		return 1;
	}
	json_t *me = json_pack("{s:o, s:o, s:o, s:o, s:o}", "project", project_of(a), "membership", membership_of(a),
			       "profile", profile, "config", default_config(text_true(D(AD_ADMIN)), text_true(D(AD_SUPER_ADMIN))), "accessPolicy",
			       policy);
	if (!me)
		return 1;
	if (!strcmp(a->login.user_type, "User") && (rc = add_user_parts(me, a)) != 0) {
		json_decref(me);
		return rc;
	}
	*out = me;
	return 0;
}

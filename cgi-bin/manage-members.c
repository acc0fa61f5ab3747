/* SPDX-License-Identifier: BSD-2-Clause */
/* The admin API's members: POST /admin/projects/:projectId/invite (lib/invite.c) and
 * GET, POST and DELETE /admin/projects/:projectId/members/:membershipId (lib/members.c). */
#include "manage-api.h"
#include "domain/audit.h"
#include "domain/auth.h"
#include "core/db.h"
#include "domain/invite.h"
#include "core/log.h"
#include "mail/mail.h"
#include "domain/members.h"
#include "domain/policies.h"
#include "domain/pwpolicy.h"
#include "http/request.h"
#include "http/response.h"
#include "core/text.h"

#include <stdio.h>
#include <string.h>

/* ---- POST /admin/projects/:projectId/invite (§9.1) ---- */

/* The membership fields of an invite: externalId, accessPolicy, access and admin at the top
 * level, then the "membership" object over them. 0, or 1 answered. */
static int invite_fields(struct request *req, struct invite_request *in)
{
	struct refusal err;
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
		send_refusal(req, &err);
	return rc;
}

int invite(struct request *req)
{
	const char *project = req->admin_project;
	int rc;
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
	struct refusal err;
	audit_change(AUDIT_INVITE, project, NULL, NULL);
	rc = invite_user(&in, &res, &err);
	if (rc != 0) {
		if (rc == 1)
			send_refusal(req, &err);
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

/* ---- /admin/projects/:projectId/members/:membershipId ---- */

/* The membership of the path, in the admin's project: 0 (*m filled), 1 answered (404, or 403
 * for another project's membership), -1. */
static int load_member(struct request *req, json_t **m)
{
	const char *project = req->admin_project;
	char owner[37];
	int rc = members_get(req->path_params[1], m, owner);
	if (rc == 1 && !req->headers_sent)
		send_not_found(req);
	if (rc == 0 && strcmp(owner, project)) {
		json_decref(*m);
		send_forbidden(req);
		rc = 1;
	}
	return rc;
}

int get_member(struct request *req)
{
	json_t *m;
	int rc = load_member(req, &m);
	if (rc == 0)
		send_fhir(req, 200, m);
	return rc < 0 ? -1 : 0;
}

/* Replaces the membership with the body (a ProjectMembership of the same id). Who it joins
 * (project, user, profile) never changes; fields left out of the body take their defaults. */
int update_member(struct request *req)
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
	struct refusal err = { 0 };
	rc = members_parse_fields(req->json, &f, &err);
	if (rc == 0) {
		if (db_begin() < 0)
			return -1;
		audit_change(AUDIT_MEMBER_UPDATED, project, "ProjectMembership", req->path_params[1]);
		rc = policies_check_named(&f, project, &err);
		if (rc == 0)
			rc = members_keep_owner(req->path_params[1], &f, &err);
		if (rc == 0 && (rc = members_update(req->path_params[1], &f)) == 1)
			refuse(&err, 409, "The externalId or userName belongs to another member", NULL);
		rc = db_finish(rc);
	}
	if (rc == 1)
		send_refusal(req, &err);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (members_get(req->path_params[1], &m, NULL) != 0)
		return -1;
	send_fhir(req, 200, m);
	return 0;
}

int delete_member(struct request *req)
{
	json_t *m;
	int rc = load_member(req, &m);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	audit_change(AUDIT_MEMBER_DELETED, json_string_value(json_object_get(json_object_get(m, "meta"), "project")),
		     "ProjectMembership", req->path_params[1]);
	json_decref(m);
	struct refusal err;
	rc = members_delete(req->path_params[1], &err);
	if (rc == 1)
		send_refusal(req, &err);
	else if (rc == 0)
		send_all_ok(req);
	return rc < 0 ? -1 : 0;
}

/* ---- input tables ---- */

static bool scope_ok(const char *v)
{
	return !strcmp(v, "project") || !strcmp(v, "server");
}

const struct input invite_inputs[] = {
	{ "resourceType", IN_TOKEN, true, 32, "Resource type is required", invite_profile_type_ok },
	{ "firstName", IN_STRING, true, 0, "First name is required", NULL },
	{ "firstName", IN_STRING, true, 0, "First name must be between 1 and 128 characters", valid_person_name },
	{ "lastName", IN_STRING, true, 0, "Last name is required", NULL },
	{ "lastName", IN_STRING, true, 0, "Last name must be between 1 and 128 characters", valid_person_name },
	{ "email", IN_EMAIL, false, 254, "Valid email address is required", NULL },
	{ "externalId", IN_STRING, false, 255, "Invalid externalId", one_line_name },
	{ "scope", IN_TOKEN, false, 8, "Invalid scope", scope_ok },
	FIELD_NEW_PASSWORD("password", false),
	FIELD_SEND_EMAIL,
	{ "upsert", IN_BOOL, false, 5, "Invalid upsert", NULL },
	{ "forceNewMembership", IN_BOOL, false, 5, "Invalid forceNewMembership", NULL },
	FIELD_MFA_REQUIRED,
	{ "admin", IN_BOOL, false, 5, "Invalid admin", NULL },
	{ 0 },
};

const struct input member_path_inputs[] = { { 0 } };

const struct input member_update_inputs[] = {
	{ "resourceType", IN_TOKEN, false, 64, "Incorrect resource type", NULL },
	{ "id", IN_TOKEN, false, 64, "Incorrect ID", NULL },
	{ 0 },
};

/* SPDX-License-Identifier: BSD-2-Clause */
/* manage-member-page: /manage/projects/:projectId/members/:membershipId, one member for the
 * project's admins (PROTOCOL.md §9.3): administrator or not, active or not, the access policy
 * (none, or one of the project's), and a person's sessions in this project with "Sign out
 * everywhere" (every session of this membership ends; the person's sessions in other projects
 * are not this project's to end). The owner stays an active administrator, and an admin does
 * not take their own rights away (nobody would be left to give them back). Deactivating ends
 * the member's sessions in the same transaction as the change and its audit event. */
#include "manage-pages.h"
#include "core/db.h"
#include "core/fhir.h"
#include "core/text.h"
#include "domain/audit.h"
#include "domain/login.h"
#include "domain/members.h"
#include "domain/policies.h"
#include "http/page.h"
#include "http/request.h"

#include <stdio.h>
#include <string.h>

/* The member's user id and kind from the membership resource. */
static void user_of(json_t *m, char type[32], char id[37])
{
	const char *ref = json_string_value(json_object_get(json_object_get(m, "user"), "reference"));
	const char *slash = ref ? strchr(ref, '/') : NULL;
	snprintf(type, 32, "%.*s", slash ? (int)(slash - ref) : 0, ref ? ref : "");
	snprintf(id, 37, "%s", slash ? slash + 1 : "");
}

static int sessions_of(json_t *ctx, json_t *m)
{
	char type[32], user[37];
	user_of(m, type, user);
	if (strcmp(type, "User"))
		return 0; /* a client's or bot's tokens are its secret's business (Clients) */
	struct db_result r;
	if (login_membership_sessions(user, json_string_value(json_object_get(m, "id")), &r) < 0)
		return -1;
	json_t *list = json_array();
	for (unsigned i = 0; i < r.nrows; i++)
		json_array_append_new(list, json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?, s:s?}", "created", db_cell(&r, i, 0),
						      "used", db_cell(&r, i, 1), "method", db_cell(&r, i, 2), "address",
						      db_cell(&r, i, 3), "agent", db_cell(&r, i, 4), "client", db_cell(&r, i, 5)));
	db_result_free(&r);
	json_object_set_new(ctx, "person", json_true());
	json_object_set_new(ctx, "any_sessions", json_boolean(json_array_size(list) > 0));
	json_object_set_new(ctx, "sessions", list);
	return 0;
}

static json_t *member_context(struct request *req, const struct admin_page *p, json_t *m)
{
	json_t *ctx = manage_project_context(req, p, "Member", "members");
	if (!ctx)
		return NULL;
	char policy[37] = "";
	fhir_reference_id(json_object_get(m, "accessPolicy"), "AccessPolicy", policy);
	json_object_set_new(ctx, "member", json_string(manage_member_display(m)));
	json_object_set_new(ctx, "membership_id", json_string(json_string_value(json_object_get(m, "id"))));
	json_object_set_new(ctx, "email", json_string(json_string_value(json_object_get(json_object_get(m, "user"), "display"))));
	json_object_set_new(ctx, "admin_checked", json_boolean(json_is_true(json_object_get(m, "admin"))));
	json_object_set_new(ctx, "active_checked", json_boolean(json_is_true(json_object_get(m, "active"))));
	if (manage_policy_choices(ctx, p->project, policy, "no_policy") < 0 || sessions_of(ctx, m) < 0) {
		json_decref(ctx);
		return NULL;
	}
	return ctx;
}

/* The admin rule, then the member of the path: 0, 1 answered, -1. */
static int member_page(struct request *req, struct admin_page *p, json_t **m)
{
	int rc = manage_require_admin(req, p);
	return rc == 0 ? manage_member_of(req, p, m) : rc;
}

static const struct manage_notice notices[] = {
	{ "saved", "The member was saved." },
	{ "signedout", "Every session of this member in this project has ended." },
	{ NULL, NULL },
};

int manage_member_get(struct request *req)
{
	struct admin_page p;
	json_t *m = NULL;
	int rc = member_page(req, &p, &m);
	if (rc != 0)
		return rc;
	json_t *ctx = member_context(req, &p, m);
	json_decref(m);
	if (!ctx)
		return -1;
	manage_notice(ctx, req, notices);
	return manage_send(req, 200, "manage-member", ctx);
}

static bool ticked(const struct request *req, const char *name)
{
	const char *v = req_body_param(req, name);
	return v && !strcmp(v, "true");
}

/* Why this change is not made, or NULL: the owner stays an active admin; an admin keeps their
 * own rights. */
static const char *kept_rights(const struct admin_page *p, json_t *m, bool owner, bool admin, bool active)
{
	char type[32], user[37];
	user_of(m, type, user);
	if (owner && (!admin || !active))
		return "The owner of the project stays an active administrator.";
	if (!strcmp(user, p->login->user_id) && (!admin || !active) && !p->super_admin)
		return "You cannot take away your own administrator rights or access.";
	return NULL;
}

/* The new fields over the stored ones (access[], identifier... kept). 0, 1 refused, -1. */
static int save_member(const struct admin_page *p, json_t *m, bool admin, bool active, const char *policy,
		       struct refusal *err)
{
	struct member_fields f = { .active = true };
	int rc = members_parse_fields(m, &f, err);
	if (rc != 0)
		return rc < 0 ? -1 : 1;
	f.admin = admin;
	f.active = active;
	text_copy(f.access_policy_id, sizeof f.access_policy_id, policy ? policy : "");
	const char *id = json_string_value(json_object_get(m, "id"));
	if (db_begin() < 0)
		return -1;
	manage_page_audit(p, AUDIT_MEMBER_UPDATED, "ProjectMembership", id);
	rc = policies_check_named(&f, p->project, err);
	if (rc == 0 && (rc = members_update(id, &f)) == 1)
		refuse(err, 409, "The externalId or userName belongs to another member", NULL);
	/* An inactive member's sessions end with the change (the bearer check refuses them too). */
	if (rc == 0 && !active)
		rc = login_revoke_membership(id);
	return db_finish(rc);
}

int manage_member_post(struct request *req)
{
	struct admin_page p;
	json_t *m = NULL;
	int rc = member_page(req, &p, &m);
	if (rc != 0)
		return rc;
	const char *policy = req_body_param(req, "accessPolicy");
	bool admin = ticked(req, "admin"), active = ticked(req, "active");
	int owner = members_is_owner(req->path_params[1]);
	const char *why = owner < 0 ? NULL : kept_rights(&p, m, owner == 1, admin, active);
	struct refusal err = { 0 };
	if (owner < 0)
		rc = -1;
	else if (why)
		rc = refuse(&err, 400, why, NULL);
	else if (policy && *policy && !crypto_is_uuid(policy))
		rc = refuse(&err, 400, "Choose one of this project's access policies", NULL);
	else
		rc = save_member(&p, m, admin, active, policy && *policy ? policy : NULL, &err);
	if (rc == 1) {
		json_t *ctx = member_context(req, &p, m);
		json_decref(m);
		if (!ctx)
			return -1;
		page_field_error(ctx, "member", err.text);
		return manage_send(req, err.status == 409 ? 409 : 400, "manage-member", ctx);
	}
	json_decref(m);
	if (rc < 0)
		return -1;
	char rest[120];
	snprintf(rest, sizeof rest, "members/%s?done=saved", req->path_params[1]);
	return manage_see_other(req, &p, rest);
}

int manage_signout_post(struct request *req)
{
	struct admin_page p;
	json_t *m = NULL;
	int rc = member_page(req, &p, &m);
	if (rc != 0)
		return rc;
	json_decref(m);
	if (db_begin() < 0)
		return -1;
	manage_page_audit(&p, AUDIT_SESSION_REVOKED, "ProjectMembership", req->path_params[1]);
	if (db_finish(login_revoke_membership(req->path_params[1])) < 0)
		return -1;
	char rest[120];
	snprintf(rest, sizeof rest, "members/%s?done=signedout", req->path_params[1]);
	return manage_see_other(req, &p, rest);
}

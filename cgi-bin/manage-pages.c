/* SPDX-License-Identifier: BSD-2-Clause */
/* manage-pages: the admin pages for browsers (tessera-manage), under /manage/projects/:projectId.
 * A project admin signed in on the pages (the page session, csrf.h) lists the members, invites
 * a person (with or without the invite email), resends a pending invite, removes a member,
 * lists the clients, creates one and rotates its secret. Who may act where is the admin API's
 * rule (lib/admin.c, on the session's Login as if it were a bearer token): a project admin on
 * their own project, a super admin on any; everyone else gets a 403 page.
 *
 * Every change calls the lib function the admin API calls (invite_user, invite_resend,
 * members_delete, clients_admin_create, clients_rotate_secret); every form carries the CSRF
 * token and ends in a 303 (post-redirect-get). A new secret is shown once without being stored
 * or put in a URL: it travels sealed in the show-once cookie to the page that shows it, which
 * clears the cookie. */
#include "manage-pages.h"
#include "domain/admin.h"
#include "domain/auth.h"
#include "domain/clients.h"
#include "core/config.h"
#include "core/crypto.h"
#include "http/csrf.h"
#include "domain/flow.h"
#include "domain/invite.h"
#include "core/log.h"
#include "mail/mail.h"
#include "domain/members.h"
#include "domain/audit.h"
#include "http/page.h"
#include "domain/projects.h"
#include "http/response.h"
#include "core/text.h"
#include "domain/fields.h"
#include "domain/policies.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The show-once cookie goes only to the admin pages. */
#define SHOWN_PATH "manage/"

/* The page session's caller read as a bearer token of it would be: 0 (*a), 1 none, -1. */
static int caller(struct request *req, struct admin_page *p, struct auth *a)
{
	memset(p, 0, sizeof *p);
	p->login = req->page_login;
	int rc = auth_from_login(p->login->id, a);
	p->super_admin = rc == 0 && a->super_admin;
	return rc;
}

int manage_require_admin(struct request *req, struct admin_page *p)
{
	struct auth a;
	int rc = caller(req, p, &a);
	if (rc < 0)
		return -1;
	rc = rc == 1 ? 403 : admin_project_for(&a, req->path_params[0], p->project);
	auth_free(&a);
	if (rc == 403)
		return page_message_link(req, 403, "Not allowed",
					 "Only the administrators of this project can manage it.", "account",
					 "Back to your account") < 0 ? -1 : 1;
	if (rc == 404)
		return page_message(req, 404, "Not found", "There is no such project.") < 0 ? -1 : 1;
	if (rc < 0)
		return -1;
	return projects_name(p->project, p->project_name, sizeof p->project_name);
}

void manage_page_audit(const struct admin_page *p, const char *event, const char *type, const char *id)
{
	char entity[80] = "";
	if (type && id)
		snprintf(entity, sizeof entity, "%s/%s", type, id);
	audit_stage(&(struct audit_event){ .type = event, .project_id = p->project, .agent_type = "User",
					   .agent_id = p->login->user_id, .entity = entity });
}

/* The project's pages, in the order of the navigation. */
static const struct {
	const char *path, *label;
} tabs[] = {
	{ "members", "Members" }, { "invite", "Invite a person" }, { "clients", "Clients" }, { "bots", "Bots" },
	{ "policies", "Access policies" },
	{ "settings", "Settings" }, { "templates", "Email templates" }, { "audit", "Audit events" }, { NULL, NULL },
};

json_t *manage_project_context(struct request *req, const struct admin_page *p, const char *title, const char *tab)
{
	json_t *ctx = page_form_context(req, title);
	if (!ctx)
		return NULL;
	char base[2200];
	snprintf(base, sizeof base, "%smanage/projects/%s/", cfg.app_base_url, p->project);
	json_object_set_new(ctx, "project_name", json_string(p->project_name));
	json_object_set_new(ctx, "base", json_string(base));
	json_object_set_new(ctx, "wide", json_true());
	json_t *nav = json_array();
	for (int i = 0; tabs[i].path; i++) {
		char href[2300];
		snprintf(href, sizeof href, "%s%s", base, tabs[i].path);
		json_array_append_new(nav, json_pack("{s:s, s:s, s:b}", "href", href, "label", tabs[i].label, "current",
						     !strcmp(tabs[i].path, tab)));
	}
	if (p->super_admin) {
		char href[2300];
		snprintf(href, sizeof href, "%smanage/super", cfg.app_base_url);
		json_array_append_new(nav, json_pack("{s:s, s:s, s:b}", "href", href, "label", "All projects", "current", 0));
	}
	json_object_set_new(ctx, "nav", nav);
	return ctx;
}

int manage_require_super(struct request *req, struct admin_page *p)
{
	struct auth a;
	int rc = caller(req, p, &a);
	if (rc < 0)
		return -1;
	auth_free(&a);
	if (!p->super_admin)
		return page_answered(page_message_link(req, 403, "Not allowed", "Only super administrators can see this page.",
						       "account", "Back to your account"));
	return 0;
}

int manage_policy_choices(json_t *ctx, const char *project, const char *chosen, const char *none_key)
{
	json_t *list = NULL;
	struct store_query q = { .project = project, .limit = 200, .oldest_first = true };
	if (policies_store.find(&q, &list, NULL) < 0)
		return -1;
	json_t *choices = json_array();
	size_t i;
	json_t *p;
	json_array_foreach(list, i, p) {
		const char *id = json_string_value(json_object_get(p, "id"));
		const char *name = json_string_value(json_object_get(p, "name"));
		json_array_append_new(choices, json_pack("{s:s, s:s, s:b}", "id", id, "name", name ? name : id, "selected",
							 chosen && !strcmp(chosen, id)));
	}
	json_decref(list);
	json_object_set_new(ctx, "policies", choices);
	json_object_set_new(ctx, none_key, json_boolean(!chosen || !*chosen));
	return 0;
}

void manage_notice(json_t *ctx, const struct request *req, const struct manage_notice *table)
{
	const char *done = req_param(req, "done");
	for (int i = 0; done && table[i].done; i++)
		if (!strcmp(done, table[i].done))
			json_object_set_new(ctx, "notice", json_string(table[i].text));
}

int manage_send(struct request *req, int status, const char *name, json_t *ctx)
{
	return page_send(req, status, name, ctx, NULL);
}

int manage_see_other(struct request *req, const struct admin_page *p, const char *rest)
{
	char path[200];
	snprintf(path, sizeof path, "manage/projects/%s/%s", p->project, rest);
	page_see_other(req, path);
	return 0;
}

/* ------------------------------------------------------------------ members */

static const struct manage_notice notices[] = {
	{ "invited", "The invite was sent." },
	{ "added", "The person was added. No email was sent." },
	{ "resent", "A new invite was sent. The earlier link no longer works." },
	{ "removed", "The member was removed. Their sessions have ended." },
	{ NULL, NULL },
};

const struct input manage_done_inputs[] = {
	{ "done", IN_TOKEN, false, 16, "Unknown notice", NULL },
	{ 0 },
};

static bool confirms_delete(const char *v)
{
	return !strcmp(v, "delete");
}

const struct input manage_delete_inputs[] = {
	{ "confirm", IN_TOKEN, true, 6, MANAGE_DELETE_UNCONFIRMED, confirms_delete },
	{ 0 },
};

bool manage_delete_confirmed(const struct request *req)
{
	const char *v = req_body_param(req, "confirm");
	return v && confirms_delete(v);
}

int manage_members_get(struct request *req)
{
	struct admin_page p;
	int rc = manage_require_admin(req, &p);
	if (rc != 0)
		return rc;
	json_t *list;
	if (members_list(p.project, &list) < 0)
		return -1;
	json_t *ctx = manage_project_context(req, &p, "Members", "members");
	if (!ctx) {
		json_decref(list);
		return -1;
	}
	json_object_set_new(ctx, "members", list);
	json_object_set_new(ctx, "any", json_boolean(json_array_size(list) > 0));
	manage_notice(ctx, req, notices);
	return manage_send(req, 200, "manage-members", ctx);
}

int manage_member_of(struct request *req, const struct admin_page *p, json_t **m)
{
	char owner[37];
	int rc = members_get(req->path_params[1], m, owner);
	if (rc == 1)
		return page_message(req, 404, "Not found", "There is no such member.") < 0 ? -1 : 1;
	if (rc == 0 && strcmp(owner, p->project)) {
		json_decref(*m);
		return page_message(req, 403, "Not allowed", "This member belongs to another project.") < 0 ? -1 : 1;
	}
	return rc;
}

const char *manage_member_display(json_t *m)
{
	const char *d = json_string_value(json_object_get(json_object_get(m, "profile"), "display"));
	if (!d || !*d)
		d = json_string_value(json_object_get(json_object_get(m, "user"), "display"));
	return d ? d : "this member";
}

/* The confirmation: removing is not undone by going back. */
int manage_remove_get(struct request *req)
{
	struct admin_page p;
	json_t *m;
	int rc = manage_require_admin(req, &p);
	if (rc == 0)
		rc = manage_member_of(req, &p, &m);
	if (rc != 0)
		return rc;
	json_t *ctx = manage_project_context(req, &p, "Remove a member", "members");
	if (ctx) {
		json_object_set_new(ctx, "member", json_string(manage_member_display(m)));
		json_object_set_new(ctx, "membership_id", json_string(req->path_params[1]));
	}
	json_decref(m);
	return ctx ? manage_send(req, 200, "manage-remove", ctx) : -1;
}

/* A post on the member of the path: the CSRF token, the admin rule, the member in this project.
 * 0, 1 answered, -1. */
static int member_post(struct request *req, struct admin_page *p)
{
	json_t *m;
	int rc = manage_require_admin(req, p);
	if (rc == 0)
		rc = manage_member_of(req, p, &m);
	if (rc == 0)
		json_decref(m);
	return rc;
}

int manage_remove_post(struct request *req)
{
	struct admin_page p;
	int rc = member_post(req, &p);
	if (rc != 0)
		return rc;
	struct refusal err;
	manage_page_audit(&p, AUDIT_MEMBER_DELETED, "ProjectMembership", req->path_params[1]);
	rc = members_delete(req->path_params[1], &err);
	if (rc == 1)
		return page_message_link(req, err.status, "Not removed", err.text, "account", "Back to your account");
	return rc < 0 ? -1 : manage_see_other(req, &p, "members?done=removed");
}

int manage_resend_post(struct request *req)
{
	char outbox[37];
	struct admin_page p;
	int rc = member_post(req, &p);
	if (rc != 0)
		return rc;
	struct refusal err;
	manage_page_audit(&p, AUDIT_INVITE, "ProjectMembership", req->path_params[1]);
	rc = invite_resend(p.project, req->path_params[1], outbox, &err);
	if (rc == 1)
		return page_message(req, err.status, "Not sent", err.text);
	if (rc < 0)
		return -1;
	if (mail_deliver(outbox) < 0)
		log_error("resend: the outbox could not be read after the commit");
	return manage_see_other(req, &p, "members?done=resent");
}

/* ------------------------------------------------------------------ invite */

static const struct input invite_fields[] = {
	FIELD_PERSON_NAMES,
	{ "email", IN_EMAIL, true, 254, "A valid email address is required", NULL },
	{ "resourceType", IN_TOKEN, true, 32, "Choose Practitioner, Patient or Related person", invite_profile_type_ok },
	{ "admin", IN_BOOL, false, 5, "Invalid choice", NULL },
	{ "sendEmail", IN_BOOL, false, 5, "Invalid choice", NULL },
	{ 0 },
};
static const char *const invite_kept[] = { "firstName", "lastName", "email", NULL };

static void invite_choices(json_t *ctx, const struct request *req, bool first)
{
	const char *type = req_body_param(req, "resourceType");
	const char *admin = req_body_param(req, "admin"), *send = req_body_param(req, "sendEmail");
	if (!type || !invite_profile_type_ok(type))
		type = "Practitioner";
	json_object_set_new(ctx, type, json_true());
	json_object_set_new(ctx, "admin_checked", json_boolean(admin && !strcmp(admin, "true")));
	/* "Send email" starts ticked; an unticked box sends nothing, so only a post can untick it. */
	json_object_set_new(ctx, "send_checked", json_boolean(first || (send && !strcmp(send, "true"))));
}

int manage_invite_get(struct request *req)
{
	struct admin_page p;
	int rc = manage_require_admin(req, &p);
	if (rc != 0)
		return rc;
	json_t *ctx = manage_project_context(req, &p, "Invite a person", "invite");
	if (!ctx)
		return -1;
	invite_choices(ctx, req, true);
	return manage_send(req, 200, "manage-invite", ctx);
}

int manage_invite_post(struct request *req)
{
	struct admin_page p;
	int rc = manage_require_admin(req, &p);
	if (rc != 0)
		return rc;
	json_t *ctx = manage_project_context(req, &p, "Invite a person", "invite");
	if (!ctx)
		return -1;
	invite_choices(ctx, req, false);
	if (page_check_fields(req, invite_fields, invite_kept, ctx) > 0)
		return manage_send(req, 400, "manage-invite", ctx);
	const char *send = req_body_param(req, "sendEmail"), *admin = req_body_param(req, "admin");
	struct invite_request in = {
		.project_id = p.project,
		.resource_type = req_body_param(req, "resourceType"),
		.first_name = req_body_param(req, "firstName"),
		.last_name = req_body_param(req, "lastName"),
		.email = req_body_param(req, "email"),
		.send_email = send && !strcmp(send, "true"),
		.fields = { .active = true, .admin = admin && !strcmp(admin, "true"), .invited_by = p.login->user_id },
	};
	struct invite_result res;
	struct refusal err;
	manage_page_audit(&p, AUDIT_INVITE, NULL, NULL);
	rc = invite_user(&in, &res, &err);
	if (rc == 1) {
		page_field_error(ctx, "email", err.text);
		return manage_send(req, err.status == 404 ? 404 : err.status == 409 ? 409 : 400, "manage-invite", ctx);
	}
	json_decref(ctx);
	if (rc < 0)
		return -1;
	if (res.outbox_id[0] && mail_deliver(res.outbox_id) < 0)
		log_error("invite: the outbox could not be read after the commit");
	return manage_see_other(req, &p, res.outbox_id[0] ? "members?done=invited" : "members?done=added");
}

/* ------------------------------------------------------------------ clients */

static bool redirect_ok(const char *v)
{
	return !*v || valid_uri(v);
}

static bool client_name_ok(const char *v)
{
	return valid_chars_between(v, 1, 255);
}

static const struct input client_fields[] = {
	{ "name", IN_STRING, true, 1020, "Client name must be between 1 and 255 characters", client_name_ok },
	{ "description", IN_STRING, false, 4096, "The description is too long", NULL },
	{ "redirectUri", IN_STRING, false, 2048, "Enter an absolute http or https address", redirect_ok },
	{ 0 },
};
static const char *const client_kept[] = { "name", "description", "redirectUri", NULL };

static int show_clients(struct request *req, struct admin_page *p, int status, json_t *ctx)
{
	json_t *list;
	if (clients_list(p->project, &list) < 0) {
		json_decref(ctx);
		return -1;
	}
	json_object_set_new(ctx, "clients", list);
	json_object_set_new(ctx, "any", json_boolean(json_array_size(list) > 0));
	return manage_send(req, status, "manage-clients", ctx);
}

int manage_clients_get(struct request *req)
{
	struct admin_page p;
	int rc = manage_require_admin(req, &p);
	if (rc != 0)
		return rc;
	json_t *ctx = manage_project_context(req, &p, "Clients", "clients");
	return ctx ? show_clients(req, &p, 200, ctx) : -1;
}

int manage_show_secret(struct request *req, const struct admin_page *p, const char *kind, const char *id,
		       char secret[65])
{
	char aad[120], rest[120];
	snprintf(aad, sizeof aad, "%s:%s", p->login->id, id);
	int rc = csrf_show_once(req, SHOWN_PATH, aad, secret);
	OPENSSL_cleanse(secret, 65);
	if (rc < 0)
		return -1;
	snprintf(rest, sizeof rest, "%s/%s/secret", kind, id);
	return manage_see_other(req, p, rest);
}

void manage_take_secret(struct request *req, const struct admin_page *p, const char *id, json_t *ctx)
{
	char aad[120], secret[65];
	snprintf(aad, sizeof aad, "%s:%s", p->login->id, id);
	if (csrf_take_shown(req, SHOWN_PATH, aad, secret, sizeof secret)) {
		json_object_set_new(ctx, "secret", json_string(secret));
		OPENSSL_cleanse(secret, sizeof secret);
	}
}

int manage_clients_post(struct request *req)
{
	char id[37], secret[65], uris[2100] = "";
	struct admin_page p;
	int rc = manage_require_admin(req, &p);
	if (rc != 0)
		return rc;
	json_t *ctx = manage_project_context(req, &p, "Clients", "clients");
	if (!ctx)
		return -1;
	if (page_check_fields(req, client_fields, client_kept, ctx) > 0)
		return show_clients(req, &p, 400, ctx);
	json_decref(ctx);
	const char *description = req_body_param(req, "description"), *uri = req_body_param(req, "redirectUri");
	if (uri && *uri) {
		json_t *list = json_pack("[s]", uri);
		char *text = list ? json_dumps(list, JSON_COMPACT) : NULL;
		json_decref(list);
		if (!text)
			return -1;
		text_copy(uris, sizeof uris, text);
		free(text);
	}
	struct client_new n = { p.project, req_body_param(req, "name"), description && *description ? description : NULL,
				uris[0] ? uris : NULL, NULL, NULL, NULL, NULL };
	struct refusal err;
	manage_page_audit(&p, AUDIT_CLIENT_CREATED, NULL, NULL);
	rc = clients_admin_create(&n, id, secret, &err);
	if (rc != 0)
		return -1; /* no access policy is named, so nothing can be refused */
	snprintf(req->log_client, sizeof req->log_client, "%s", id);
	return manage_show_secret(req, &p, "clients", id, secret);
}

int manage_rotate_post(struct request *req)
{
	char secret[65];
	struct admin_page p;
	int rc = manage_require_admin(req, &p);
	if (rc != 0)
		return rc;
	const char *keep = req_body_param(req, "keepOld");
	manage_page_audit(&p, AUDIT_CLIENT_ROTATED, "ClientApplication", req->path_params[1]);
	rc = clients_rotate_secret(p.project, req->path_params[1],
				   keep && !strcmp(keep, "true") ? CLIENT_RETIRING_SECONDS : 0, secret);
	if (rc == 1)
		return page_message(req, 404, "Not found", "This project has no such client.");
	if (rc < 0)
		return -1;
	snprintf(req->log_client, sizeof req->log_client, "%s", req->path_params[1]);
	return manage_show_secret(req, &p, "clients", req->path_params[1], secret);
}

/* Shows the secret the cookie carries, once; the client must be this project's. */
int manage_secret_get(struct request *req)
{
	struct admin_page p;
	struct client c;
	int rc = manage_require_admin(req, &p);
	if (rc != 0)
		return rc;
	rc = clients_get(req->path_params[1], &c);
	if (rc < 0)
		return -1;
	if (rc == 1 || strcmp(c.project_id, p.project))
		return page_message(req, 404, "Not found", "This project has no such client.");
	json_t *ctx = manage_project_context(req, &p, "Client secret", "clients");
	if (!ctx)
		return -1;
	json_object_set_new(ctx, "client_id", json_string(c.id));
	json_object_set_new(ctx, "client_name", json_string(c.name));
	manage_take_secret(req, &p, c.id, ctx);
	return manage_send(req, 200, "manage-secret", ctx);
}

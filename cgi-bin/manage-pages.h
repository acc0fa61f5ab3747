/* SPDX-License-Identifier: BSD-2-Clause */
/* manage-pages: the admin pages tessera-manage serves to browsers (see manage-pages.c). */
#ifndef TESSERA_MANAGE_PAGES_H
#define TESSERA_MANAGE_PAGES_H
#include "http/app.h"
#include "domain/login.h"
#include "domain/projects.h"
#include "domain/store.h"
#include <jansson.h>
#include <stdbool.h>

/* Who is acting, on which project. */
struct admin_page {
	const struct login *login; /* the page session's (ROUTE_PAGE_SESSION) */
	char project[37];
	char project_name[PROJECT_NAME_SIZE];
	bool super_admin;          /* may act on every project, and on what only the operator sets */
};
/* The admin rule for the page session's user (the admin API's, lib/domain/admin.c): 0 (p
 * filled), 1 answered (a 403 or 404 page), -1. */
int manage_require_admin(struct request *req, struct admin_page *p);
/* A super admin's page (no project): 0 (p->login set), 1 answered (the 403 page), -1. */
int manage_require_super(struct request *req, struct admin_page *p);
/* A super admin's page: CSRF token, the super admins' navigation with `tab` current
 * (manage-super-page.c). */
json_t *manage_super_context(struct request *req, const char *title, const char *tab);
/* A form page of the project: CSRF token, the project, the navigation with `tab` current. */
json_t *manage_project_context(struct request *req, const struct admin_page *p, const char *title, const char *tab);
/* Renders templates/<name>.html (takes ctx). 0 or -1. */
int manage_send(struct request *req, int status, const char *name, json_t *ctx);
/* 303 to a page of the project ("members?done=removed"). 0. */
int manage_see_other(struct request *req, const struct admin_page *p, const char *rest);
/* The membership of the path (its second parameter), in this project: 0 (*m, the caller's), 1
 * answered (404, or 403 for another project's membership, as the admin API answers), -1. */
int manage_member_of(struct request *req, const struct admin_page *p, json_t **m);
/* The notice a page shows after a change (?done=<done>): the table ends with { NULL, NULL }. */
struct manage_notice {
	const char *done, *text;
};
void manage_notice(json_t *ctx, const struct request *req, const struct manage_notice *table);
/* The member's name for a page: the profile's display, else the user's. */
const char *manage_member_display(json_t *m);
/* The project's access policies as choices ("policies": [{id, name, selected}], at most 200)
 * with `chosen` selected, and none_key true when none is. 0 or -1. */
int manage_policy_choices(json_t *ctx, const char *project, const char *chosen, const char *none_key);
/* A new secret goes, sealed for this session and resource, to the show-once page
 * <kind>/<id>/secret (a 303); secret is wiped. 0 or -1. */
int manage_show_secret(struct request *req, const struct admin_page *p, const char *kind, const char *id,
		       char secret[65]);
/* The secret the show-once cookie carries for id, if any, as ctx's "secret"; the cookie is cleared. */
void manage_take_secret(struct request *req, const struct admin_page *p, const char *id, json_t *ctx);
/* The admin rule, then the resource of the path (its second parameter) in this project from
 * store: 0 (*r), 1 answered (403; 404 with `missing` for none or another project's), -1. */
int manage_resource_of(struct request *req, struct admin_page *p, const struct resource_store *store, const char *missing,
		       json_t **r);
/* The form's resource checked by the store's owner, then written over the stored one with the
 * form's version (409 "changed meanwhile" when it moved) and the audit event `event` of
 * <store type>/<id>: 0, 1 (err), -1. (manage-client-page.c) */
int manage_resource_update(const struct admin_page *p, const struct resource_store *store, const char *id, json_t *body,
			   json_t *stored, const char *version, const char *event, struct refusal *err);
/* The identity provider fields of a form (templates/manage-client.html's fieldset, also on the
 * domain page) from a stored identityProvider (its client secret never shown), and back: NULL
 * when no address is given; an empty client secret is left out (the stored one stays). */
void manage_fill_idp(json_t *ctx, json_t *idp);
json_t *manage_posted_idp(const struct request *req);
/* A refusal on a form page: beside its field (err->expression) and at the top (form_error). */
void manage_refusal(json_t *ctx, const struct refusal *err);
/* ctx[key] = c[member] as text ("" when absent); o[key] = v, or removed when v is empty; a
 * ticked checkbox (value "true"). (manage-client-page.c) */
void manage_set_text(json_t *ctx, const char *key, json_t *c, const char *member);
void manage_put_text(json_t *o, const char *key, const char *v);
bool manage_ticked(const struct request *req, const char *name);
/* The audit event of a change made through the pages, written with the change. */
void manage_page_audit(const struct admin_page *p, const char *event, const char *type, const char *id);

/* /manage/projects/:projectId/members: the list; ?done= names a notice. */
int manage_members_get(struct request *req);
/* …/members/:membershipId/remove (a confirmation, then the removal) and …/resend. */
int manage_remove_get(struct request *req);
int manage_remove_post(struct request *req);
int manage_resend_post(struct request *req);
/* …/invite */
int manage_invite_get(struct request *req);
int manage_invite_post(struct request *req);
/* …/clients (list and create), …/clients/:clientId/rotate, …/clients/:clientId/secret. */
int manage_clients_get(struct request *req);
int manage_clients_post(struct request *req);
int manage_rotate_post(struct request *req);
int manage_secret_get(struct request *req);

/* ?done= of a page that shows a notice after a change. */
extern const struct input manage_done_inputs[];
/* The post that deletes (an access policy, an email domain): its confirmation page's field
 * confirm=delete, which no other form sends, so a forged or stray post deletes nothing. */
extern const struct input manage_delete_inputs[];
#define MANAGE_DELETE_UNCONFIRMED "Not deleted: deleting is confirmed on its own page. Open it and choose Delete there."
/* Whether the posted form (its body, never the query) is the confirmation page's. */
bool manage_delete_confirmed(const struct request *req);
/* …/settings (manage-settings-page.c) */
int manage_settings_get(struct request *req);
int manage_settings_post(struct request *req);
/* …/members/:membershipId (role, access, access policy; sessions) and …/signout
 * (manage-member-page.c) */
int manage_member_get(struct request *req);
int manage_member_post(struct request *req);
int manage_signout_post(struct request *req);
/* …/templates, …/templates/:name (edit, test), …/preview, …/reset (manage-templates-page.c) */
int manage_templates_get(struct request *req);
int manage_template_get(struct request *req);
int manage_template_post(struct request *req);
int manage_template_preview_get(struct request *req);
int manage_template_reset_post(struct request *req);
/* /manage/super: projects, keys, the outbox; …/outbox/retry, …/outbox/:id/retry; …/users
 * (manage-super-page.c) */
int manage_super_get(struct request *req);
int manage_super_retry_all_post(struct request *req);
int manage_super_retry_one_post(struct request *req);
int manage_super_users_get(struct request *req);
/* …/clients/:clientId (every field) and …/revoke (manage-client-page.c) */
int manage_client_get(struct request *req);
int manage_client_post(struct request *req);
int manage_client_revoke_post(struct request *req);
/* …/audit (filters, paging) and …/audit.csv (manage-audit-page.c) */
int manage_audit_get(struct request *req);
int manage_audit_csv(struct request *req);
/* …/bots (list, create), …/bots/:botId (every field), …/rotate, …/secret (manage-bot-page.c) */
int manage_bots_get(struct request *req);
int manage_bots_post(struct request *req);
int manage_bot_get(struct request *req);
int manage_bot_post(struct request *req);
int manage_bot_rotate_post(struct request *req);
int manage_bot_secret_get(struct request *req);
/* …/policies (list, create), …/policies/:policyId (name, entries, IP rules), …/delete
 * (manage-policy-page.c) */
int manage_policies_get(struct request *req);
int manage_policies_post(struct request *req);
int manage_policy_get(struct request *req);
int manage_policy_post(struct request *req);
int manage_policy_delete_get(struct request *req);
int manage_policy_delete_post(struct request *req);
/* /manage/super/domains (list, create), /manage/super/domains/:domainId (the identity provider),
 * …/delete (manage-domain-page.c) */
int manage_domains_get(struct request *req);
int manage_domains_post(struct request *req);
int manage_domain_get(struct request *req);
int manage_domain_post(struct request *req);
int manage_domain_delete_get(struct request *req);
int manage_domain_delete_post(struct request *req);

#endif

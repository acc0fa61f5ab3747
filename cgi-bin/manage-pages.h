/* SPDX-License-Identifier: BSD-2-Clause */
/* manage-pages: the admin pages tessera-manage serves to browsers (see manage-pages.c). */
#ifndef TESSERA_MANAGE_PAGES_H
#define TESSERA_MANAGE_PAGES_H
#include "http/app.h"
#include "domain/login.h"
#include <jansson.h>
#include <stdbool.h>

/* Who is acting, on which project. */
struct admin_page {
	const struct login *login; /* the page session's (ROUTE_PAGE_SESSION) */
	char project[37];
	char project_name[256];
	bool super_admin;          /* may act on every project, and on what only the operator sets */
};
/* The admin rule for the page session's user (the admin API's, lib/domain/admin.c): 0 (p
 * filled), 1 answered (a 403 or 404 page), -1. */
int manage_require_admin(struct request *req, struct admin_page *p);
/* A super admin's page (no project): 0 (p->login set), 1 answered (the 403 page), -1. */
int manage_require_super(struct request *req, struct admin_page *p);
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

#endif

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
/* A form page of the project: CSRF token, the project, the navigation with `tab` current. */
json_t *manage_project_context(struct request *req, const struct admin_page *p, const char *title, const char *tab);
/* Renders templates/<name>.html (takes ctx). 0 or -1. */
int manage_send(struct request *req, int status, const char *name, json_t *ctx);
/* 303 to a page of the project ("members?done=removed"). 0. */
int manage_see_other(struct request *req, const struct admin_page *p, const char *rest);
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
/* …/audit (filters, paging) and …/audit.csv (manage-audit-page.c) */
int manage_audit_get(struct request *req);
int manage_audit_csv(struct request *req);

#endif

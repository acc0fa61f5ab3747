/* SPDX-License-Identifier: BSD-2-Clause */
/* manage-api: the admin API of tessera-manage under /admin/ (PROTOCOL.md §9). The route table is in
 * manage.c; each concern's handlers and input tables are in their own file, and what they
 * share is in manage-api.c. */
#ifndef TESSERA_MANAGE_API_H
#define TESSERA_MANAGE_API_H
#include "http/app.h"

#include "domain/fields.h"
#include "domain/members.h"
#include "http/refuse.h"

void audit_change(const char *event, const char *project, const char *type, const char *id);
bool param_true(const struct request *req, const char *name);
const char *param_or_null(const struct request *req, const char *name);
void send_invalid(struct request *req, const char *text, const char *field);
bool one_line_name(const char *v);


/* POST …/invite and GET, POST, DELETE …/members/:membershipId (manage-members.c). */
extern const struct input invite_inputs[];
extern const struct input member_path_inputs[];
extern const struct input member_update_inputs[];
int invite(struct request *req);
int get_member(struct request *req);
int update_member(struct request *req);
int delete_member(struct request *req);

/* POST …/client and …/bot (manage-clients.c). */
extern const struct input client_inputs[];
extern const struct input bot_inputs[];
int create_client(struct request *req);
int create_bot(struct request *req);

/* POST /admin/projects/setpassword and /admin/super/setpassword (manage-passwords.c). */
extern const struct input setpassword_inputs[];
extern const struct input super_setpassword_inputs[];
int project_setpassword(struct request *req);
int super_setpassword(struct request *req);

/* POST /admin/super/purge (manage-purge.c). */
extern const struct input purge_inputs[];
int super_purge(struct request *req);

/* …/email-templates and …/email-templates/:name (manage-templates.c). */
extern const struct input template_inputs[];
int list_templates(struct request *req);
int get_template(struct request *req);
int put_template(struct request *req);
/* Why an override of template `name` cannot be stored (the field at fault; the message in why),
 * or NULL: every part must compile, and a template whose default shows {{link}} must show it. */
const char *manage_template_problem(const char *name, const char *subject, const char *text, const char *html,
				    char *why, size_t cap);
int delete_template(struct request *req);

/* GET and POST …/settings (manage-settings.c). */
extern const struct input settings_inputs[];
int get_settings(struct request *req);
int post_settings(struct request *req);
extern const struct input registration_token_inputs[];
int post_registration_token(struct request *req);

#endif

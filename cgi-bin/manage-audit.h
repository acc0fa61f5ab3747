/* SPDX-License-Identifier: BSD-2-Clause */
/* manage-audit: GET /admin/projects/:projectId/audit (see manage-audit.c). */
#ifndef TESSERA_MANAGE_AUDIT_H
#define TESSERA_MANAGE_AUDIT_H
#include "http/input.h"

struct request;

extern const struct input manage_audit_inputs[];
int manage_audit_list(struct request *req);

/* Shared with the audit page (manage-audit-page.c). The user filter: "Type/<uuid>" or "<uuid>";
 * its id. */
#include <stdbool.h>
#include <stddef.h>
const char *manage_audit_user_id(const char *v);
bool manage_audit_user_ok(const char *v);
/* An ISO date or date-time the filters accept. */
bool manage_audit_date_ok(const char *v);
/* "Login/<id>" → "Login/<ref>": a login id is a bearer secret while its sign-in runs. */
void manage_audit_login_reference(const char *id, char *out, size_t outlen);

#endif

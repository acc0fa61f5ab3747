/* SPDX-License-Identifier: BSD-2-Clause */
/* overrides: a project's own versions of the email templates (email_template rows), which
 * lib/mail/mail.c prefers to the files. Rows read here have the columns name, subject,
 * body_text, body_html, updated (ISO 8601 UTC). */
#ifndef TESSERA_OVERRIDES_H
#define TESSERA_OVERRIDES_H
#include "core/db.h"

/* Every override of the project, by name. 0 or -1. */
int overrides_list(const char *project_id, struct db_result *out);
/* One override (no row when the project has none of that name). 0 or -1. */
int overrides_get(const char *project_id, const char *name, struct db_result *out);
/* Creates or replaces an override. 0 or -1. */
int overrides_put(const char *project_id, const char *name, const char *subject, const char *body_text,
		  const char *body_html);
/* 0 deleted, 1 the project had none of that name, -1. */
int overrides_delete(const char *project_id, const char *name);

#endif

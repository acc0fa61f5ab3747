/* SPDX-License-Identifier: BSD-2-Clause */
/* overrides: email_template rows. */
#include "mail/overrides.h"

#define SELECT_OVERRIDE \
	"SELECT name, subject, body_text, body_html, DATE_FORMAT(updated_at, '%Y-%m-%dT%H:%i:%s.%fZ') FROM email_template " \
	"WHERE project_id = ?"

int overrides_list(const char *project_id, struct db_result *out)
{
	return db_query(out, SELECT_OVERRIDE " ORDER BY name", "s", project_id);
}

int overrides_get(const char *project_id, const char *name, struct db_result *out)
{
	return db_query(out, SELECT_OVERRIDE " AND name = ?", "ss", project_id, name);
}

int overrides_put(const char *project_id, const char *name, const char *subject, const char *body_text,
		  const char *body_html)
{
	return db_exec(NULL,
		       "INSERT INTO email_template (project_id, name, subject, body_text, body_html) VALUES (?, ?, ?, ?, ?) "
		       "ON DUPLICATE KEY UPDATE subject = VALUES(subject), body_text = VALUES(body_text), "
		       "body_html = VALUES(body_html), updated_at = UTC_TIMESTAMP(3)",
		       "sssss", project_id, name, subject, body_text, body_html);
}

int overrides_delete(const char *project_id, const char *name)
{
	unsigned long long n = 0;
	if (db_exec(&n, "DELETE FROM email_template WHERE project_id = ? AND name = ?", "ss", project_id, name) < 0)
		return -1;
	return n ? 0 : 1;
}

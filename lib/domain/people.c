/* SPDX-License-Identifier: BSD-2-Clause */
/* people: users, profiles and memberships. */
#include "domain/people.h"
#include "core/crypto.h"
#include "core/db.h"
#include "domain/members.h"
#include "core/text.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

void people_lower_email(const char *email, char *out, size_t outlen)
{
	text_copy(out, outlen, email);
	for (char *p = out; *p; p++)
		*p = (char)tolower((unsigned char)*p);
}

static const char *const select_user =
	"SELECT id, project_id, email, first_name, last_name, password_hash, email_verified FROM user ";

static int fill(struct db_result *r, struct person *p)
{
	int found = r->nrows > 0;
	if (found) {
		text_copy(p->id, sizeof p->id, db_cell(r, 0, 0));
		text_copy(p->project_id, sizeof p->project_id, db_cell(r, 0, 1));
		text_copy(p->email, sizeof p->email, db_cell(r, 0, 2));
		text_copy(p->first_name, sizeof p->first_name, db_cell(r, 0, 3));
		text_copy(p->last_name, sizeof p->last_name, db_cell(r, 0, 4));
		text_copy(p->password_hash, sizeof p->password_hash, db_cell(r, 0, 5));
		p->email_verified = text_true(db_cell(r, 0, 6));
	}
	db_result_free(r);
	return found ? 0 : 1;
}

int people_find_user(const char *email, const char *project_id, struct person *p)
{
	char lower[321], sql[256];
	struct db_result r;
	people_lower_email(email, lower, sizeof lower);
	snprintf(sql, sizeof sql, "%sWHERE scope_key = ? AND email = ?", select_user);
	if (db_query(&r, sql, "ss", project_id ? project_id : "", lower) < 0)
		return -1;
	return fill(&r, p);
}

int people_get_user(const char *id, struct person *p)
{
	char sql[256];
	struct db_result r;
	if (!crypto_is_uuid(id))
		return 1;
	snprintf(sql, sizeof sql, "%sWHERE id = ?", select_user);
	if (db_query(&r, sql, "s", id) < 0)
		return -1;
	return fill(&r, p);
}

int people_create_user(const char *email, const char *first, const char *last, const char *password_hash,
		       const char *project_id, char id[37])
{
	char lower[321];
	people_lower_email(email, lower, sizeof lower);
	if (crypto_uuid_v4(id) < 0)
		return -1;
	if (db_exec(NULL,
		    "INSERT INTO user (id, project_id, email, first_name, last_name, password_hash) VALUES (?, ?, ?, ?, ?, ?)",
		    "ssssss", id, project_id && *project_id ? project_id : NULL, lower[0] ? lower : NULL, first, last,
		    password_hash) < 0)
		return db_duplicate() ? 1 : -1;
	return 0;
}

int people_create_profile(const char *type, const char *project_id, const char *first, const char *last,
			  const char *email, char id[37])
{
	char display[260];
	if (crypto_uuid_v4(id) < 0)
		return -1;
	json_t *p = json_pack("{s:s, s:s, s:{s:s}, s:[{s:[s], s:s}]}", "resourceType", type, "id", id, "meta", "project",
			      project_id, "name", "given", first, "family", last);
	if (p && email && *email)
		json_object_set_new(p, "telecom", json_pack("[{s:s, s:s, s:s}]", "system", "email", "use", "work", "value", email));
	char *json = p ? json_dumps(p, JSON_COMPACT) : NULL;
	json_decref(p);
	if (!json)
		return -1;
	snprintf(display, sizeof display, "%s %s", first, last);
	int rc = db_exec(NULL, "INSERT INTO profile (id, resource_type, project_id, display, resource) VALUES (?, ?, ?, ?, ?)",
			 "sssss", id, type, project_id, display, json);
	free(json);
	return rc;
}

int people_create_membership(const char *project_id, const char *user_id, const char *profile_type,
			     const char *profile_id, bool admin, const char *access_policy_id, char id[37])
{
	struct member_fields f = { .active = true, .admin = admin };
	text_copy(f.access_policy_id, sizeof f.access_policy_id, access_policy_id);
	return members_insert(project_id, "User", user_id, profile_type, profile_id, &f, id) == 0 ? 0 : -1;
}

int people_set_password(const char *user_id, const char *password_hash, bool verify_email)
{
	return db_exec(NULL,
		       "UPDATE user SET password_hash = ?, email_verified = email_verified OR ?, updated_at = UTC_TIMESTAMP(3) "
		       "WHERE id = ?",
		       "sis", password_hash, (long long)verify_email, user_id);
}

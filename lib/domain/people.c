/* SPDX-License-Identifier: BSD-2-Clause */
/* people: users, profiles and memberships. */
#include "domain/people.h"
#include "core/crypto.h"
#include "core/db.h"
#include "domain/members.h"
#include "domain/storequery.h"
#include "core/text.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* A LIKE pattern: before, then text lower-cased with LIKE's own characters made literal, then
 * after. */
static void like_pattern(char *pattern, size_t cap, const char *before, const char *text, const char *after)
{
	char lower[321];
	people_lower_email(text ? text : "", lower, sizeof lower);
	size_t w = 0;
	for (const char *c = before; *c && w + 1 < cap; c++)
		pattern[w++] = *c;
	for (const char *c = lower; *c && w + 3 + strlen(after) < cap; c++) {
		if (*c == '%' || *c == '_' || *c == '\\')
			pattern[w++] = '\\';
		pattern[w++] = *c;
	}
	for (const char *c = after; *c && w + 1 < cap; c++)
		pattern[w++] = *c;
	pattern[w] = '\0';
}

int people_search(const char *prefix, struct db_result *out)
{
	char pattern[700];
	like_pattern(pattern, sizeof pattern, "", prefix, "%");
	return db_query(out,
			"SELECT u.id, u.email, u.first_name, u.last_name, u.project_id, "
			"(SELECT COUNT(*) FROM project_membership m WHERE m.user_id = u.id AND m.user_type = 'User') "
			"FROM user u WHERE u.email LIKE ? ORDER BY u.email, u.id LIMIT 100",
			"s", pattern);
}

int people_domain_has_accounts(const char *domain)
{
	char pattern[700];
	like_pattern(pattern, sizeof pattern, "%@", domain, "");
	struct db_result r;
	if (db_query(&r, "SELECT 1 FROM user WHERE email LIKE ? LIMIT 1", "s", pattern) < 0)
		return -1;
	int found = r.nrows > 0;
	db_result_free(&r);
	return found;
}

int people_import_user(const struct person_import *u)
{
	char lower[321];
	people_lower_email(u->email ? u->email : "", lower, sizeof lower);
	if (db_exec(NULL,
		    "INSERT INTO user (id, project_id, email, first_name, last_name, password_hash, external_id, email_verified) "
		    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		    "sssssssi", u->id, u->project_id && *u->project_id ? u->project_id : NULL, lower[0] ? lower : NULL,
		    u->first_name, u->last_name, u->password_hash, u->external_id, (long long)u->email_verified) < 0)
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

int people_create_super_admin(const char id[37], const char *email, const char *password_hash)
{
	return db_exec(NULL,
		       "INSERT INTO user (id, email, email_verified, first_name, last_name, password_hash, admin) "
		       "VALUES (?, ?, TRUE, 'Super', 'Admin', ?, TRUE)",
		       "sss", id, email, password_hash);
}

int people_first_super_admin(char *email, size_t len)
{
	struct db_result r;
	if (db_query(&r,
		     "SELECT u.email FROM user u JOIN project_membership m ON m.user_id = u.id "
		     "JOIN project p ON p.id = m.project_id WHERE p.super_admin AND m.admin "
		     "ORDER BY u.created_at LIMIT 1",
		     "") < 0)
		return -1;
	int found = r.nrows > 0;
	if (found)
		snprintf(email, len, "%s", db_cell(&r, 0, 0));
	db_result_free(&r);
	return found;
}

int people_user_may_join(const char *id, const char *project_id)
{
	struct db_result r;
	if (db_query(&r, "SELECT 1 FROM user WHERE id = ? AND (project_id IS NULL OR project_id = ?)", "ss", id, project_id) < 0)
		return -1;
	int found = r.nrows > 0;
	db_result_free(&r);
	return found;
}

int people_profile_in_project(const char *id, const char *type, const char *project_id)
{
	if (!crypto_is_uuid(id))
		return 0;
	struct db_result r;
	if (db_query(&r, "SELECT 1 FROM profile WHERE id = ? AND resource_type = ? AND project_id = ?", "sss", id, type,
		     project_id) < 0)
		return -1;
	int found = r.nrows > 0;
	db_result_free(&r);
	return found;
}

/* ---- Patient, Practitioner and RelatedPerson resources (the resource API) ---- */

#define MAX_PROFILE_JSON 65536

/* "given family" of the first name, for the profile's display. */
static void display_of(json_t *p, char *out, size_t cap)
{
	json_t *n = json_array_get(json_object_get(p, "name"), 0);
	const char *given = json_string_value(json_array_get(json_object_get(n, "given"), 0));
	const char *family = json_string_value(json_object_get(n, "family"));
	const char *text = json_string_value(json_object_get(n, "text"));
	if (given || family)
		snprintf(out, cap, "%s%s%s", given ? given : "", given && family ? " " : "", family ? family : "");
	else
		snprintf(out, cap, "%s", text ? text : "");
}

static bool array_of_objects(json_t *p, const char *key, size_t max)
{
	json_t *v = json_object_get(p, key);
	if (!v)
		return true;
	if (!json_is_array(v) || json_array_size(v) > max)
		return false;
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e) if (!json_is_object(e)) return false;
	return true;
}

static int profile_check(const char *type, json_t *body, json_t **out, struct refusal *err)
{
	if (!array_of_objects(body, "name", 16) || !array_of_objects(body, "telecom", 32) ||
	    !array_of_objects(body, "identifier", 64) || !array_of_objects(body, "address", 16))
		return refuse(err, 400, "Invalid resource", NULL);
	json_t *p = json_deep_copy(body);
	json_object_del(p, "id");
	json_object_del(p, "meta");
	json_object_set_new(p, "resourceType", json_string(type));
	char *text = json_dumps(p, JSON_COMPACT);
	size_t len = text ? strlen(text) : 0;
	free(text);
	if (!len || len > MAX_PROFILE_JSON) {
		json_decref(p);
		return len ? refuse(err, 400, "Resource too large", NULL) : -1;
	}
	*out = p;
	return 0;
}

#define PROFILE_COLUMNS \
	"SELECT id, project_id, resource, DATE_FORMAT(updated_at, '%Y%m%d%H%i%s%f'), " \
	"DATE_FORMAT(updated_at, '%Y-%m-%dT%H:%i:%s.%fZ') FROM profile "

static json_t *profile_row(const char *type, const struct db_result *r, unsigned i)
{
	json_t *p = json_loads(db_cell(r, i, 2), 0, NULL);
	if (!json_is_object(p)) {
		json_decref(p);
		p = json_object();
	}
	json_object_set_new(p, "resourceType", json_string(type));
	json_object_set_new(p, "id", json_string(db_cell(r, i, 0)));
	json_t *meta = json_pack("{s:s, s:s, s:s}", "project", db_cell(r, i, 1), "versionId", db_cell(r, i, 3),
				 "lastUpdated", db_cell(r, i, 4));
	json_object_set_new(p, "meta", meta);
	return p;
}

static int profile_get(const char *type, const char *id, json_t **out)
{
	*out = NULL;
	if (!crypto_is_uuid(id))
		return 1;
	struct db_result r;
	if (db_query(&r, PROFILE_COLUMNS "WHERE id = ? AND resource_type = ?", "ss", id, type) < 0)
		return -1;
	if (r.nrows)
		*out = profile_row(type, &r, 0);
	db_result_free(&r);
	return *out ? 0 : 1;
}

/* A profile's search (PROTOCOL.md §11.5): name as a prefix of any given, family or text of any
 * HumanName, email among the email telecoms, both case-insensitive (LOWER of the JSON text). */
#define PROFILE_WHERE(TYPE)                                                                                          \
	STORE_WHERE("project_id = ?",                                                                                  \
		    "JSON_SEARCH(LOWER(resource), 'one', LOWER(?), NULL, '$.name[*].family', '$.name[*].given[*]', "   \
		    "'$.name[*].text') IS NOT NULL",                                                                    \
		    "JSON_CONTAINS(LOWER(JSON_EXTRACT(resource, '$.telecom')), JSON_OBJECT('system', 'email', 'value', ?))", \
		    "JSON_CONTAINS(JSON_EXTRACT(resource, '$.identifier'), ?)")                                        \
	"AND resource_type = '" TYPE "' "

static int profile_insert(const char *type, const char *project, json_t *p, char id[37])
{
	char display[512];
	display_of(p, display, sizeof display);
	if (store_new_id(id) < 0)
		return -1;
	/* The stored resource carries its id and project like people_create_profile's: /auth/me
	 * and the token's profile hand it out as stored. */
	json_object_set_new(p, "id", json_string(id));
	json_object_set_new(p, "meta", json_pack("{s:s}", "project", project));
	char *text = json_dumps(p, JSON_COMPACT);
	int rc = text
			 ? db_exec(NULL, "INSERT INTO profile (id, resource_type, project_id, display, resource) VALUES (?, ?, ?, ?, ?)",
				   "sssss", id, type, project, display, text)
			 : -1;
	free(text);
	return rc < 0 ? -1 : 0;
}

static int profile_update(const char *type, const char *id, const char *version, json_t *p)
{
	char display[512];
	display_of(p, display, sizeof display);
	char *text = json_dumps(p, JSON_COMPACT);
	unsigned long long n = 0;
	int rc = text ? db_exec(&n,
				"UPDATE profile SET display = ?, resource = ?, "
				"updated_at = GREATEST(UTC_TIMESTAMP(3), updated_at + INTERVAL 1000 MICROSECOND) "
				"WHERE id = ? AND resource_type = ? AND DATE_FORMAT(updated_at, '%Y%m%d%H%i%s%f') = ?",
				"sssss", display, text, id, type, version)
		      : -1;
	free(text);
	return rc < 0 ? -1 : n == 1 ? 0 : 2;
}

/* A profile a membership still names stays (its member would be left without one). */
static int profile_remove(const char *type, const char *id, const char *version, struct refusal *err)
{
	unsigned long long n = 0;
	if (db_exec(&n,
		    "DELETE FROM profile WHERE id = ? AND resource_type = ? AND DATE_FORMAT(updated_at, '%Y%m%d%H%i%s%f') = ? "
		    "AND NOT EXISTS (SELECT 1 FROM project_membership m WHERE m.profile_id = ?)",
		    "ssss", id, type, version, id) < 0)
		return -1;
	if (n == 1)
		return 0;
	int used = members_profile_used(id);
	if (used < 0)
		return -1;
	return used ? refuse(err, 400, "Profile is in use by a membership", NULL) : 2;
}

#define PROFILE_STORE(name, TYPE)                                                                                       \
	static int name##_get(const char *id, json_t **out) { return profile_get(TYPE, id, out); }                      \
	static json_t *name##_row(const struct db_result *r, unsigned i) { return profile_row(TYPE, r, i); }          \
	static int name##_find(const struct store_query *q, json_t **rows, long long *total)                           \
	{                                                                                                              \
		return store_find_rows(q, 2,                                                                           \
				       q->oldest_first ? PROFILE_COLUMNS PROFILE_WHERE(TYPE) STORE_OLDEST               \
						       : PROFILE_COLUMNS PROFILE_WHERE(TYPE) STORE_NEWEST,              \
				       "SELECT COUNT(*) FROM profile " PROFILE_WHERE(TYPE), name##_row, rows, total);   \
	}                                                                                                              \
	static int name##_check(json_t *body, json_t *stored, const char *project, json_t **out, struct refusal *err)  \
	{                                                                                                              \
		(void)stored;                                                                                          \
		(void)project;                                                                                         \
		return profile_check(TYPE, body, out, err);                                                            \
	}                                                                                                              \
	static int name##_insert(const char *project, json_t *p, char id[37], json_t **once, struct refusal *err)      \
	{                                                                                                              \
		(void)once;                                                                                            \
		(void)err;                                                                                             \
		return profile_insert(TYPE, project, p, id);                                                           \
	}                                                                                                              \
	static int name##_update(const char *id, const char *version, json_t *p, struct refusal *err)                  \
	{                                                                                                              \
		(void)err;                                                                                             \
		return profile_update(TYPE, id, version, p);                                                           \
	}                                                                                                              \
	static int name##_remove(const char *id, const char *version, struct refusal *err)                             \
	{                                                                                                              \
		return profile_remove(TYPE, id, version, err);                                                         \
	}                                                                                                              \
	const struct resource_store people_##name##_store = { .type = TYPE,                                            \
							      .get = name##_get,                                      \
							      .find = name##_find,                                    \
							      .find_by = STORE_BY_NAME | STORE_BY_EMAIL | STORE_BY_IDENTIFIER, \
							      .check = name##_check,                                  \
							      .insert = name##_insert,                                \
							      .update = name##_update,                                \
							      .remove = name##_remove };

PROFILE_STORE(patient, "Patient")
PROFILE_STORE(practitioner, "Practitioner")
PROFILE_STORE(related, "RelatedPerson")

int people_mark_verified(const char *user_id)
{
	return db_exec(NULL, "UPDATE user SET email_verified = TRUE, updated_at = UTC_TIMESTAMP(3) WHERE id = ?", "s",
		       user_id);
}

int people_reset_account(const char *user_id)
{
	return db_exec(NULL,
		       "UPDATE user SET password_hash = NULL, mfa_secret = NULL, mfa_enrolled = FALSE, mfa_methods = NULL, "
		       "mfa_last_step = NULL, updated_at = UTC_TIMESTAMP(3) WHERE id = ?",
		       "s", user_id);
}

int people_require_mfa(const char *user_id)
{
	return db_exec(NULL, "UPDATE user SET mfa_required = TRUE WHERE id = ?", "s", user_id);
}

int people_lock_user(const char *user_id)
{
	struct db_result r;
	if (db_query(&r, "SELECT id FROM user WHERE id = ? FOR UPDATE", "s", user_id) < 0)
		return -1;
	db_result_free(&r);
	return 0;
}

int people_mail_address(const char *user_id, struct db_result *out)
{
	return db_query(out, "SELECT email, CONCAT(first_name, ' ', last_name) FROM user WHERE id = ?", "s", user_id);
}

int people_find_for_signin(const char *project_id, const char *email, struct db_result *out)
{
	/* scope_key (COALESCE(project_id, '')) rather than project_id: the unique key is (scope_key, email),
	 * so these are two index lookups; on project_id the query scanned the whole table (bench/run
	 * --growth: no sign-in completed at all with 1,000,000 users). */
	return db_query(out,
			"SELECT id, password_hash, mfa_enrolled FROM user WHERE scope_key IN ('', ?) AND email = ? "
			"ORDER BY project_id IS NULL LIMIT 1",
			"ss", project_id ? project_id : "", email);
}

int people_lock_verified(const char *user_id, bool *verified)
{
	struct db_result r;
	if (db_query(&r, "SELECT email_verified FROM user WHERE id = ? FOR UPDATE", "s", user_id) < 0)
		return -1;
	*verified = r.nrows == 0 || text_true(db_cell(&r, 0, 0));
	db_result_free(&r);
	return 0;
}

int people_profile_of(const char *profile_id, struct db_result *out)
{
	return db_query(out, "SELECT resource_type, project_id FROM profile WHERE id = ?", "s", profile_id);
}

int people_profile_by_email(const char *project_id, const char *resource_type, const char *email,
			    struct db_result *out)
{
	return db_query(out,
			"SELECT id FROM profile WHERE project_id = ? AND resource_type = ? AND JSON_CONTAINS("
			"JSON_EXTRACT(resource, '$.telecom'), JSON_OBJECT('system', 'email', 'value', ?)) "
			"ORDER BY created_at LIMIT 1",
			"sss", project_id, resource_type, email);
}

/* ---- SCIM 2.0 ---- */

int people_scim_update_user(const char *user_id, const char *first, const char *last, const char *email)
{
	char lower[321] = "";
	if (email)
		people_lower_email(email, lower, sizeof lower);
	/* A new address is not proven yet (set before email changes: MariaDB assigns left to right). */
	if (db_exec(NULL,
		    "UPDATE user SET email_verified = IF(email <=> ?, email_verified, FALSE), email = ?, first_name = ?, "
		    "last_name = ?, updated_at = UTC_TIMESTAMP(3) WHERE id = ?",
		    "sssss", lower[0] ? lower : NULL, lower[0] ? lower : NULL, first, last, user_id) < 0)
		return db_duplicate() ? 1 : -1;
	return 0;
}

int people_scim_rename_profile(const char *profile_id, const char *first, const char *last)
{
	char display[260];
	snprintf(display, sizeof display, "%s %s", first, last);
	return db_exec(NULL,
		       "UPDATE profile SET resource = JSON_SET(resource, '$.name', JSON_ARRAY(JSON_OBJECT('given', "
		       "JSON_ARRAY(?), 'family', ?))), display = ?, updated_at = UTC_TIMESTAMP(3) WHERE id = ?",
		       "ssss", first, last, display, profile_id);
}

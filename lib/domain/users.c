/* SPDX-License-Identifier: BSD-2-Clause */
/* users: the User resources (§11.5). */
#include "domain/users.h"
#include "core/crypto.h"
#include "core/db.h"
#include "domain/audit.h"
#include "core/fhir.h"
#include "core/text.h"
#include "domain/login.h"
#include "domain/members.h"
#include "domain/people.h"
#include "domain/shape.h"
#include "domain/storequery.h"
#include "http/input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define USER_COLUMNS \
	"SELECT id, project_id, email, email_verified, first_name, last_name, external_id, identifier, mfa_enrolled, " \
	"mfa_required, " FHIR_VERSION_SQL("updated_at") ", " FHIR_INSTANT_SQL("updated_at") " "

/* A project's users: scoped to it, or members of it. A join on the ids of both (each found by an
 * index on the project) rather than "project_id = ? OR id IN (...)", which reads every user. */
#define USER_REACH                                                                                                 \
	"JOIN (SELECT user_id AS reach_id FROM project_membership WHERE user_type = 'User' AND project_id = ? "       \
	"UNION SELECT id FROM user WHERE project_id = ?) reach ON reach.reach_id = user.id "
#define USER_WHERE(project_cond)                                                                                   \
	STORE_WHERE(project_cond, "CONCAT(' ', first_name, ' ', last_name) LIKE CONCAT('% ', ?)", "email = ?",       \
		    "JSON_CONTAINS(identifier, ?)")

static const char *const user_fields[] = {
	"firstName", "lastName", "email", "emailVerified", "externalId", "identifier", "mfaEnrolled", "mfaRequired",
	"project", NULL,
};

static json_t *user_row(const struct db_result *r, unsigned i)
{
	json_t *u = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:b}", "resourceType", "User", "id", db_cell(r, i, 0),
			      "firstName", db_cell(r, i, 4), "lastName", db_cell(r, i, 5), "emailVerified",
			      text_true(db_cell(r, i, 3)), "mfaEnrolled", text_true(db_cell(r, i, 8)), "mfaRequired",
			      text_true(db_cell(r, i, 9)));
	if (db_cell(r, i, 2))
		json_object_set_new(u, "email", json_string(db_cell(r, i, 2)));
	if (db_cell(r, i, 6))
		json_object_set_new(u, "externalId", json_string(db_cell(r, i, 6)));
	json_t *ids = db_cell(r, i, 7) ? json_loads(db_cell(r, i, 7), 0, NULL) : NULL;
	if (json_is_array(ids) && json_array_size(ids))
		json_object_set(u, "identifier", ids);
	json_decref(ids);
	const char *project = db_cell(r, i, 1);
	if (project)
		json_object_set_new(u, "project", fhir_reference("Project", project, NULL));
	fhir_set_meta(u, project, db_cell(r, i, 10), db_cell(r, i, 11));
	return u;
}

static int user_get(const char *id, json_t **out)
{
	return store_get_row(USER_COLUMNS "FROM user WHERE id = ?", id, user_row, out);
}

static int user_find(const struct store_query *q, json_t **rows, long long *total)
{
	if (!q->project)
		return store_find_rows(q, 2,
				       q->oldest_first ? USER_COLUMNS "FROM user " USER_WHERE("? IS NULL") STORE_OLDEST
						       : USER_COLUMNS "FROM user " USER_WHERE("? IS NULL") STORE_NEWEST,
				       "SELECT COUNT(*) FROM user " USER_WHERE("? IS NULL"), user_row, rows, total);
	return store_find_rows(q, 3,
			       q->oldest_first ? USER_COLUMNS "FROM user " USER_REACH USER_WHERE("TRUE") STORE_OLDEST
					       : USER_COLUMNS "FROM user " USER_REACH USER_WHERE("TRUE") STORE_NEWEST,
			       "SELECT COUNT(*) FROM user " USER_REACH USER_WHERE("TRUE"), user_row, rows, total);
}

static int user_linked(const char *id, const char *project)
{
	struct db_result r;
	if (db_query(&r,
		     "SELECT 1 FROM user WHERE id = ? AND id IN (SELECT user_id FROM project_membership WHERE "
		     "user_type = 'User' AND project_id = ?)",
		     "ss", id, project) < 0)
		return -1;
	int linked = r.nrows > 0;
	db_result_free(&r);
	return linked;
}

/* The project a body names must be the one the user is (to be) scoped to. */
static bool project_kept(json_t *body, json_t *stored, const char *project)
{
	char named[37];
	if (!shape_reference(body, "project", "Project", named))
		return false;
	if (!named[0])
		return true;
	const char *scoped = stored ? json_string_value(json_object_get(json_object_get(stored, "meta"), "project"))
				    : project;
	return scoped && !strcmp(named, scoped);
}

static int user_check(json_t *body, json_t *stored, const char *project, json_t **out, struct refusal *err)
{
	const char *first, *last, *email, *external;
	json_t *ids = NULL;
	int verified = 0, mfa_required = 0;
	if (stored) {
		verified = json_is_true(json_object_get(stored, "emailVerified"));
		mfa_required = json_is_true(json_object_get(stored, "mfaRequired"));
	}
	if (!shape_string(body, "firstName", 128, &first) || !first)
		return refuse(err, 400, "Invalid firstName", "firstName");
	if (!shape_string(body, "lastName", 128, &last) || !last)
		return refuse(err, 400, "Invalid lastName", "lastName");
	if (!shape_string(body, "email", 320, &email) || (email && !valid_email(email)))
		return refuse(err, 400, "Invalid email", "email");
	if (!shape_bool(body, "emailVerified", &verified))
		return refuse(err, 400, "Invalid emailVerified", "emailVerified");
	/* A new user's address is not taken on the creator's word: the person proves it (the reset
	 * link). Later, only super admins change it (read-only for project admins). */
	if (!stored)
		verified = 0;
	if (!shape_bool(body, "mfaRequired", &mfa_required))
		return refuse(err, 400, "Invalid mfaRequired", "mfaRequired");
	if (!shape_string(body, "externalId", 255, &external))
		return refuse(err, 400, "Invalid externalId", "externalId");
	if (!project_kept(body, stored, project))
		return refuse(err, 400, "Invalid project", "project");
	if (!shape_identifiers(body, "identifier", 20, &ids))
		return refuse(err, 400, "Invalid identifier", "identifier");
	json_t *u = json_pack("{s:s, s:s, s:b, s:b}", "firstName", first, "lastName", last, "emailVerified", verified,
			      "mfaRequired", mfa_required);
	if (email) {
		char lower[321];
		people_lower_email(email, lower, sizeof lower);
		json_object_set_new(u, "email", json_string(lower));
	}
	if (external)
		json_object_set_new(u, "externalId", json_string(external));
	if (ids)
		json_object_set_new(u, "identifier", ids);
	*out = u;
	return 0;
}

static const char *str_of(json_t *u, const char *key)
{
	return json_string_value(json_object_get(u, key));
}

static int duplicate(struct refusal *err)
{
	return refuse(err, 409, "Email already registered", "email");
}

static int user_insert(const char *project, json_t *u, char id[37], json_t **once, struct refusal *err)
{
	(void)once;
	/* A member's address would make a second account of it in the project (PROTOCOL.md §10.4). */
	int taken = str_of(u, "email") ? members_email_taken(project, str_of(u, "email"), NULL) : 0;
	if (taken != 0)
		return taken < 0 ? -1 : duplicate(err);
	char *ids = json_object_get(u, "identifier") ? json_dumps(json_object_get(u, "identifier"), JSON_COMPACT) : NULL;
	int rc = store_new_id(id) < 0 ? -1
		 : db_exec(NULL,
			   "INSERT INTO user (id, project_id, email, email_verified, first_name, last_name, external_id, "
			   "identifier, mfa_required) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			   "sssisssss", id, project, str_of(u, "email"),
			   (long long)json_is_true(json_object_get(u, "emailVerified")), str_of(u, "firstName"),
			   str_of(u, "lastName"), str_of(u, "externalId"), ids,
			   json_is_true(json_object_get(u, "mfaRequired")) ? "1" : "0");
	free(ids);
	if (rc < 0)
		return db_duplicate() ? duplicate(err) : -1;
	return 0;
}

static int user_update(const char *id, const char *version, json_t *u, struct refusal *err)
{
	int taken = str_of(u, "email") ? members_email_shared(id, str_of(u, "email")) : 0;
	if (taken != 0)
		return taken < 0 ? -1 : duplicate(err);
	char *ids = json_object_get(u, "identifier") ? json_dumps(json_object_get(u, "identifier"), JSON_COMPACT) : NULL;
	unsigned long long n = 0;
	int rc = db_exec(&n,
			 "UPDATE user SET email = ?, email_verified = ?, first_name = ?, last_name = ?, external_id = ?, "
			 "identifier = ?, mfa_required = ?, updated_at = " FHIR_NEXT_UPDATE_SQL("updated_at")
			 " WHERE id = ? AND " FHIR_VERSION_IS_SQL("updated_at"),
			 "sisssssss", str_of(u, "email"), (long long)json_is_true(json_object_get(u, "emailVerified")),
			 str_of(u, "firstName"), str_of(u, "lastName"), str_of(u, "externalId"), ids,
			 json_is_true(json_object_get(u, "mfaRequired")) ? "1" : "0", id, version);
	free(ids);
	if (rc < 0)
		return db_duplicate() ? duplicate(err) : -1;
	return n == 1 ? 0 : 2;
}

struct user_removal {
	const char *id, *version;
	unsigned long long n;
};

static int user_remove_steps(void *p)
{
	struct user_removal *r = p;
	r->n = 0;
	int rc = db_exec(&r->n,
			 "DELETE FROM user WHERE id = ? AND " FHIR_VERSION_IS_SQL("updated_at")
			 " AND id NOT IN (SELECT user_id FROM project_membership WHERE user_type = 'User')",
			 "ss", r->id, r->version);
	if (rc == 0 && r->n == 1)
		rc = login_revoke_user(r->id, NULL);
	return rc;
}

/* The user and its sessions (revoked) in one transaction, unless it is still a member; run
 * again after a lost deadlock or certification conflict. */
static int user_remove(const char *id, const char *version, struct refusal *err)
{
	struct user_removal r = { id, version, 0 };
	if (audit_transaction(user_remove_steps, &r) != 0)
		return -1;
	unsigned long long n = r.n;
	if (n == 1)
		return 0;
	int linked = 0;
	json_t *still = NULL;
	if (user_get(id, &still) < 0)
		return -1;
	if (still) {
		const char *v = json_string_value(json_object_get(json_object_get(still, "meta"), "versionId"));
		linked = v && !strcmp(v, version);
	}
	json_decref(still);
	return linked ? refuse(err, 400, "User is still a member of a project", NULL) : 2;
}

const struct resource_store users_store = {
	.type = "User",
	.get = user_get,
	.find = user_find,
	.find_by = STORE_BY_NAME | STORE_BY_EMAIL | STORE_BY_IDENTIFIER,
	.linked = user_linked,
	.fields = user_fields,
	.check = user_check,
	.insert = user_insert,
	.update = user_update,
	.remove = user_remove,
};

/* SPDX-License-Identifier: BSD-2-Clause */
/* members: ProjectMembership rows for the admin API. */
#include "domain/members.h"
#include "core/crypto.h"
#include "core/db.h"
#include "domain/audit.h"
#include "domain/login.h"
#include "domain/sessionrow.h"
#include "core/fhir.h"
#include "http/input.h"
#include "core/text.h"
#include "domain/storequery.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ENTRIES 64      /* access[] and identifier[] entries */
#define MAX_NAME 255        /* external_id and user_name columns */

/* A member that is absent keeps *out; null clears it; anything but a boolean is refused. */
static int parse_bool(json_t *obj, const char *field, bool *out, bool null_value, struct refusal *err)
{
	json_t *v = json_object_get(obj, field);
	if (!v)
		return 0;
	if (json_is_null(v))
		*out = null_value;
	else if (json_is_boolean(v))
		*out = json_is_true(v);
	else
		return refuse_copy(err, 400, field[1] == 'd' ? "admin must be a boolean" : "active must be a boolean", field);
	return 0;
}

static int parse_name(json_t *obj, const char *field, const char **out, const char *message, struct refusal *err)
{
	json_t *v = json_object_get(obj, field);
	if (!v)
		return 0;
	if (json_is_null(v) || (json_is_string(v) && !*json_string_value(v))) {
		*out = NULL;
		return 0;
	}
	const char *s = json_string_value(v);
	if (!s || strlen(s) > MAX_NAME || !valid_text(s) || strpbrk(s, "\t\r\n"))
		return refuse_copy(err, 400, message, field);
	*out = s;
	return 0;
}

/* Each access entry: {"policy": {"reference": "AccessPolicy/<uuid>"}, "parameter": [...]?}. */
static bool access_ok(json_t *access)
{
	size_t i;
	json_t *e;
	char id[37];
	if (!json_is_array(access) || json_array_size(access) > MAX_ENTRIES)
		return false;
	json_array_foreach(access, i, e) {
		json_t *params = json_object_get(e, "parameter");
		if (!json_is_object(e) || !fhir_reference_id(json_object_get(e, "policy"), "AccessPolicy", id) ||
		    (params && (!json_is_array(params) || json_array_size(params) > MAX_ENTRIES)))
			return false;
	}
	return true;
}

int members_parse_fields(json_t *obj, struct member_fields *f, struct refusal *err)
{
	if (!json_is_object(obj))
		return refuse_copy(err, 400, "Invalid membership", "membership");
	if (parse_bool(obj, "admin", &f->admin, false, err) || parse_bool(obj, "active", &f->active, true, err) ||
	    parse_name(obj, "externalId", &f->external_id, "Invalid externalId", err) ||
	    parse_name(obj, "userName", &f->user_name, "Invalid userName", err))
		return 1;
	json_t *v = json_object_get(obj, "accessPolicy");
	if (json_is_null(v))
		f->access_policy_id[0] = '\0';
	else if (v && !fhir_reference_id(v, "AccessPolicy", f->access_policy_id))
		return refuse_copy(err, 400, "Invalid accessPolicy", "accessPolicy");
	v = json_object_get(obj, "access");
	if (v && !json_is_null(v) && !access_ok(v))
		return refuse_copy(err, 400, "Invalid access", "access");
	if (v)
		f->access = json_is_null(v) || json_array_size(v) == 0 ? NULL : v;
	v = json_object_get(obj, "identifier");
	if (v && !json_is_null(v) && (!json_is_array(v) || json_array_size(v) > MAX_ENTRIES))
		return refuse_copy(err, 400, "Invalid identifier", "identifier");
	if (v)
		f->identifier = json_is_null(v) ? NULL : v;
	v = json_object_get(obj, "userConfiguration");
	char id[37];
	if (v && !json_is_null(v) && !fhir_reference_id(v, "UserConfiguration", id))
		return refuse_copy(err, 400, "Invalid userConfiguration", "userConfiguration");
	if (v)
		f->user_configuration = json_is_null(v) ? NULL : v;
	return 0;
}

/* JSON text of a value, or NULL; *ok false when out of memory. */
static char *dump(json_t *v, bool *ok)
{
	char *s = v ? json_dumps(v, JSON_COMPACT) : NULL;
	if (v && !s)
		*ok = false;
	return s;
}

/* Runs an INSERT or UPDATE whose arguments are the settable fields (in the order active, admin,
 * access_policy_id, access, identifier, user_configuration, external_id, user_name) followed by
 * the extra string arguments. */
static int write_fields(const char *sql, const struct member_fields *f, const char *fmt_tail, const char *a,
			const char *b, const char *c, const char *d, const char *e, const char *g, const char *h)
{
	bool ok = true;
	char *access = dump(f->access, &ok), *ident = dump(f->identifier, &ok), *conf = dump(f->user_configuration, &ok);
	char fmt[32];
	snprintf(fmt, sizeof fmt, "iissssss%s", fmt_tail);
	int rc = -1;
	if (ok)
		rc = db_exec(NULL, sql, fmt, (long long)f->active, (long long)f->admin,
			     f->access_policy_id[0] ? f->access_policy_id : NULL, access, ident, conf, f->external_id,
			     f->user_name, a, b, c, d, e, g, h);
	free(access);
	free(ident);
	free(conf);
	if (rc < 0)
		return db_duplicate() ? 1 : -1;
	return 0;
}

static int insert_as(const char *project_id, const char *user_type, const char *user_id, const char *profile_type,
		     const char *profile_id, const struct member_fields *f, const char *id)
{
	return write_fields("INSERT INTO project_membership (active, admin, access_policy_id, access, identifier, "
			    "user_configuration, external_id, user_name, id, project_id, user_type, user_id, profile_type, "
			    "profile_id, invited_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			    f, "sssssss", id, project_id, user_type, user_id, profile_type, profile_id, f->invited_by);
}

int members_insert(const char *project_id, const char *user_type, const char *user_id, const char *profile_type,
		   const char *profile_id, const struct member_fields *f, char id[37])
{
	if (crypto_uuid_v4(id) < 0)
		return -1;
	return insert_as(project_id, user_type, user_id, profile_type, profile_id, f, id);
}

int members_insert_with_id(const char *project_id, const char *user_type, const char *user_id, const char *profile_type,
			   const char *profile_id, const struct member_fields *f, const char id[37])
{
	return insert_as(project_id, user_type, user_id, profile_type, profile_id, f, id);
}

int members_update(const char *id, const struct member_fields *f)
{
	return write_fields("UPDATE project_membership SET active = ?, admin = ?, access_policy_id = ?, access = ?, "
			    "identifier = ?, user_configuration = ?, external_id = ?, user_name = ?, "
			    "updated_at = UTC_TIMESTAMP(3) WHERE id = ?",
			    f, "s", id, NULL, NULL, NULL, NULL, NULL, NULL);
}

/* The project owner's membership is never deleted: 0 not the owner's, 1 refused, -1. */
int members_is_owner(const char *id)
{
	struct db_result r;
	if (db_query(&r,
		     "SELECT 1 FROM project_membership m JOIN project p ON p.id = m.project_id "
		     "WHERE m.id = ? AND m.user_id = p.owner_user_id",
		     "s", id) < 0)
		return -1;
	bool owner = r.nrows > 0;
	db_result_free(&r);
	return owner;
}

/* The owner stays an active administrator whichever way a membership is rewritten (the resource
 * API, the admin API, an upserting invite, the admin pages, SCIM; PROTOCOL.md §9.3, §10, §11.5):
 * another admin must not lock the owner out of the project. 0 allowed, 1 refused, -1. */
int members_keep_owner(const char *id, const struct member_fields *f, struct refusal *err)
{
	int owner = f->active && f->admin ? 0 : members_is_owner(id);
	if (owner <= 0)
		return owner;
	return refuse(err, 400, "The owner of the project stays an active administrator", NULL);
}

static int owner_kept(const char *id, struct refusal *err)
{
	int owner = members_is_owner(id);
	if (owner < 0)
		return -1;
	return owner ? refuse(err, 400, "Cannot delete the owner of the project", NULL) : 0;
}

/* Run again after a lost deadlock or certification conflict (members_delete). */
static int member_delete_steps(void *p)
{
	const char *id = p;
	int rc = login_revoke_membership(id);
	if (rc == 0)
		rc = db_exec(NULL, "DELETE FROM project_membership WHERE id = ?", "s", id);
	return rc;
}

int members_delete(const char *id, struct refusal *err)
{
	int rc = owner_kept(id, err);
	if (rc != 0)
		return rc;
	/* Its sessions end with it (the bearer check would refuse them anyway: no membership). */
	return audit_transaction(member_delete_steps, (void *)id) == 0 ? 0 : -1;
}

int members_list(const char *project_id, json_t **out)
{
	struct db_result r;
	*out = NULL;
	if (db_query(&r,
		     "SELECT m.id, m.user_type, COALESCE(pr.display, c.name, b.name, ''), u.email, m.admin, m.active, "
		     "m.user_id = p.owner_user_id, " MEMBERS_RESENDABLE_INVITE " "
		     "FROM project_membership m JOIN project p ON p.id = m.project_id "
		     "LEFT JOIN user u ON u.id = m.user_id AND m.user_type = 'User' "
		     "LEFT JOIN profile pr ON pr.id = m.profile_id "
		     "LEFT JOIN client_application c ON c.id = m.profile_id "
		     "LEFT JOIN bot b ON b.id = m.profile_id "
		     "WHERE m.project_id = ? ORDER BY m.user_type DESC, 3, m.created_at LIMIT 1000",
		     "s", project_id) < 0)
		return -1;
	*out = json_array();
	for (unsigned i = 0; i < r.nrows; i++) {
		json_t *m = json_pack("{s:s, s:s, s:s, s:s?, s:b, s:b, s:b, s:b}", "id", db_cell(&r, i, 0), "userType",
				      db_cell(&r, i, 1), "name", db_cell(&r, i, 2), "email", db_cell(&r, i, 3), "admin",
				      text_true(db_cell(&r, i, 4)), "active", text_true(db_cell(&r, i, 5)), "owner",
				      text_true(db_cell(&r, i, 6)), "invited", text_true(db_cell(&r, i, 7)));
		if (m)
			json_array_append_new(*out, m);
	}
	db_result_free(&r);
	return 0;
}

int members_find(const char *project_id, const char *user_id, char id_out[37], char profile_out[80])
{
	struct db_result r;
	if (db_query(&r,
		     "SELECT id, CONCAT(profile_type, '/', profile_id) FROM project_membership WHERE project_id = ? "
		     "AND user_id = ? ORDER BY created_at LIMIT 1",
		     "ss", project_id, user_id) < 0)
		return -1;
	int rc = r.nrows ? 0 : 1;
	if (rc == 0) {
		text_copy(id_out, 37, db_cell(&r, 0, 0));
		text_copy(profile_out, 80, db_cell(&r, 0, 1));
	}
	db_result_free(&r);
	return rc;
}

static const char *const select_member =
	"SELECT m.project_id, p.name, m.user_type, m.user_id, m.profile_type, m.profile_id, m.active, m.admin, "
	"m.access_policy_id, m.access, m.external_id, m.user_name, m.invited_by, m.user_configuration, m.identifier, "
	"DATE_FORMAT(m.updated_at, '%Y-%m-%dT%H:%i:%s.%fZ'), u.email, COALESCE(pr.display, c.name, b.name), iu.email "
	"FROM project_membership m JOIN project p ON p.id = m.project_id "
	"LEFT JOIN user u ON u.id = m.user_id AND m.user_type = 'User' "
	"LEFT JOIN profile pr ON pr.id = m.profile_id "
	"LEFT JOIN client_application c ON c.id = m.profile_id "
	"LEFT JOIN bot b ON b.id = m.profile_id "
	"LEFT JOIN user iu ON iu.id = m.invited_by "
	"WHERE m.id = ?";

enum { M_PROJECT, M_PNAME, M_UTYPE, M_UID, M_PTYPE, M_PID, M_ACTIVE, M_ADMIN, M_POLICY, M_ACCESS, M_EXTERNAL,
       M_USERNAME, M_INVITED, M_USERCONF, M_IDENT, M_UPDATED, M_EMAIL, M_DISPLAY, M_INVITER };

static void set_json_cell(json_t *o, const char *key, const struct db_result *r, unsigned col)
{
	json_t *v = db_cell(r, 0, col) ? json_loads(db_cell(r, 0, col), 0, NULL) : NULL;
	if (v)
		json_object_set_new(o, key, v);
}

static void set_string_cell(json_t *o, const char *key, const struct db_result *r, unsigned col)
{
	if (db_cell(r, 0, col))
		json_object_set_new(o, key, json_string(db_cell(r, 0, col)));
}

int members_get(const char *id, json_t **out, char project_out[37])
{
	*out = NULL;
	if (!crypto_is_uuid(id))
		return 1;
	struct db_result r;
	if (db_query(&r, select_member, "s", id) < 0)
		return -1;
	if (r.nrows == 0) {
		db_result_free(&r);
		return 1;
	}
	const char *utype = db_cell(&r, 0, M_UTYPE);
	const char *user_display = !strcmp(utype, "User") ? db_cell(&r, 0, M_EMAIL) : db_cell(&r, 0, M_DISPLAY);
	json_t *m = json_pack("{s:s, s:s, s:{s:s, s:s}, s:o, s:o, s:o, s:b, s:b}", "resourceType", "ProjectMembership",
			      "id", id, "meta", "project", db_cell(&r, 0, M_PROJECT), "lastUpdated",
			      db_cell(&r, 0, M_UPDATED), "project",
			      fhir_reference("Project", db_cell(&r, 0, M_PROJECT), db_cell(&r, 0, M_PNAME)), "user",
			      fhir_reference(utype, db_cell(&r, 0, M_UID), user_display), "profile",
			      fhir_reference(db_cell(&r, 0, M_PTYPE), db_cell(&r, 0, M_PID), db_cell(&r, 0, M_DISPLAY)),
			      "active", text_true(db_cell(&r, 0, M_ACTIVE)), "admin", text_true(db_cell(&r, 0, M_ADMIN)));
	if (m) {
		if (db_cell(&r, 0, M_POLICY))
			json_object_set_new(m, "accessPolicy", fhir_reference("AccessPolicy", db_cell(&r, 0, M_POLICY), NULL));
		set_json_cell(m, "access", &r, M_ACCESS);
		set_string_cell(m, "externalId", &r, M_EXTERNAL);
		set_string_cell(m, "userName", &r, M_USERNAME);
		if (db_cell(&r, 0, M_INVITED))
			json_object_set_new(m, "invitedBy",
					    fhir_reference("User", db_cell(&r, 0, M_INVITED), db_cell(&r, 0, M_INVITER)));
		set_json_cell(m, "userConfiguration", &r, M_USERCONF);
		set_json_cell(m, "identifier", &r, M_IDENT);
		if (project_out)
			text_copy(project_out, 37, db_cell(&r, 0, M_PROJECT));
	}
	db_result_free(&r);
	*out = m;
	return m ? 0 : -1;
}

/* ---- ProjectMembership resources (the resource API; lib/domain/memberstore.c checks a new
 * one's parties) ---- */

int members_get_resource(const char *id, json_t **out)
{
	int rc = members_get(id, out, NULL);
	if (rc != 0)
		return rc;
	struct db_result r;
	if (db_query(&r, "SELECT " FHIR_VERSION_SQL("updated_at") " FROM project_membership WHERE id = ?", "s", id) < 0) {
		json_decref(*out);
		*out = NULL;
		return -1;
	}
	json_t *meta = json_object_get(*out, "meta");
	if (db_cell(&r, 0, 0))
		json_object_set_new(meta, "versionId", json_string(db_cell(&r, 0, 0)));
	db_result_free(&r);
	return 0;
}

#define MEMBER_WHERE STORE_WHERE("project_id = ?", "? IS NULL", "? IS NULL", "JSON_CONTAINS(identifier, ?)")

static json_t *member_id_row(const struct db_result *r, unsigned i)
{
	return json_string(db_cell(r, i, 0));
}

/* The page's ids in SQL (PROTOCOL.md §11.5), then each membership as members_get makes it: at most
 * _count of them (STORE_SCAN when C still filters). */
int members_find_resources(const struct store_query *q, json_t **rows, long long *total)
{
	json_t *ids = NULL;
	*rows = NULL;
	if (store_find_rows(q, 2,
			    q->oldest_first ? "SELECT id FROM project_membership " MEMBER_WHERE STORE_OLDEST
					    : "SELECT id FROM project_membership " MEMBER_WHERE STORE_NEWEST,
			    "SELECT COUNT(*) FROM project_membership " MEMBER_WHERE, member_id_row, &ids, total) < 0)
		return -1;
	*rows = json_array();
	int rc = 0;
	size_t i;
	json_t *id;
	json_array_foreach(ids, i, id) {
		json_t *m = NULL;
		rc = members_get_resource(json_string_value(id), &m);
		if (rc == 0)
			json_array_append_new(*rows, m);
		else if (rc == 1)
			rc = 0; /* deleted meanwhile */
		else
			break;
	}
	json_decref(ids);
	return rc < 0 ? -1 : 0;
}

int members_resource_fields(json_t *m, struct member_fields *f, struct refusal *err)
{
	memset(f, 0, sizeof *f);
	f->active = true;
	return members_parse_fields(m, f, err);
}

int members_update_resource(const char *id, const char *version, json_t *m, struct refusal *err)
{
	struct member_fields f;
	if (members_resource_fields(m, &f, err) != 0)
		return -1;
	int owner = members_keep_owner(id, &f, err);
	if (owner != 0)
		return owner < 0 ? -1 : 1;
	bool ok = true;
	char *access = dump(f.access, &ok), *ident = dump(f.identifier, &ok), *conf = dump(f.user_configuration, &ok);
	unsigned long long n = 0;
	int rc = ok ? db_exec(&n,
			      "UPDATE project_membership SET active = ?, admin = ?, access_policy_id = ?, access = ?, identifier = ?, "
			      "user_configuration = ?, external_id = ?, user_name = ?, updated_at = " FHIR_NEXT_UPDATE_SQL("updated_at")
			      " WHERE id = ? AND " FHIR_VERSION_IS_SQL("updated_at"),
			      "iissssssss", (long long)f.active, (long long)f.admin,
			      f.access_policy_id[0] ? f.access_policy_id : NULL, access, ident, conf, f.external_id, f.user_name, id,
			      version)
		    : -1;
	free(access);
	free(ident);
	free(conf);
	if (rc < 0)
		return db_duplicate() ? refuse(err, 409, "externalId or userName already used in this project", NULL) : -1;
	return n == 1 ? 0 : 2;
}

struct member_removal {
	const char *id, *version;
	unsigned long long n;
};

static int member_remove_steps(void *p)
{
	struct member_removal *r = p;
	r->n = 0;
	int rc = db_exec(&r->n, "DELETE FROM project_membership WHERE id = ? AND " FHIR_VERSION_IS_SQL("updated_at"), "ss",
			 r->id, r->version);
	if (rc == 0 && r->n == 1)
		rc = login_revoke_membership(r->id);
	return rc;
}

/* The owner's membership stays; the membership's sessions end with it (one transaction, run
 * again after a lost deadlock or certification conflict). */
int members_remove_resource(const char *id, const char *version, struct refusal *err)
{
	int rc = owner_kept(id, err);
	if (rc != 0)
		return rc;
	struct member_removal r = { id, version, 0 };
	if (audit_transaction(member_remove_steps, &r) != 0)
		return -1;
	return r.n == 1 ? 0 : 2;
}

int members_insert_for_client(const char *membership_id, const char *project_id, const char *client_id)
{
	return db_exec(NULL,
		       "INSERT INTO project_membership (id, project_id, user_type, user_id, profile_type, profile_id) "
		       "VALUES (?, ?, 'ClientApplication', ?, 'ClientApplication', ?)",
		       "ssss", membership_id, project_id, client_id, client_id);
}

long long members_using_policy(const char *project_id, const char *policy_id)
{
	struct db_result r;
	if (db_query(&r,
		     "SELECT COUNT(*) FROM project_membership WHERE project_id = ? AND (access_policy_id <=> ? OR "
		     "COALESCE(JSON_CONTAINS(JSON_EXTRACT(access, '$[*].policy.reference'), "
		     "JSON_QUOTE(CONCAT('AccessPolicy/', ?))), FALSE))",
		     "sss", project_id, policy_id, policy_id) < 0)
		return -1;
	long long n = r.nrows == 1 ? atoll(db_cell(&r, 0, 0)) : 0;
	db_result_free(&r);
	return n;
}

int members_set_client_policy(const char *client_id, const char *project_id, const char *policy_id)
{
	return db_exec(NULL, "UPDATE project_membership SET access_policy_id = ? WHERE user_id = ? AND project_id = ?", "sss",
		       policy_id, client_id, project_id);
}

int members_set_client_admin(const char *client_id, const char *project_id, bool admin)
{
	return db_exec(NULL,
		       "UPDATE project_membership SET admin = ?, updated_at = UTC_TIMESTAMP(3) WHERE user_id = ? "
		       "AND project_id = ? AND user_type = 'ClientApplication'",
		       "iss", (long long)admin, client_id, project_id);
}

int members_delete_of_client(const char *client_id)
{
	return db_exec(NULL, "DELETE FROM project_membership WHERE user_id = ? AND user_type = 'ClientApplication'", "s",
		       client_id);
}

int members_delete_of_bot(const char *bot_id)
{
	return db_exec(NULL, "DELETE FROM project_membership WHERE user_id = ? AND user_type = 'Bot'", "s", bot_id);
}

int members_of_user_in(const char *user_id, const char *project_id, struct db_result *out)
{
	return db_query(out,
			"SELECT m.id, m.profile_type, m.profile_id, m.admin, pr.display FROM project_membership m "
			"LEFT JOIN profile pr ON pr.id = m.profile_id WHERE m.user_id = ? AND m.project_id = ? AND m.active "
			"LIMIT 100",
			"ss", user_id, project_id);
}

int members_for_signin(const char *user_id, const char *project_id, const char *profile_type, struct db_result *out)
{
	return db_query(out,
			"SELECT m.id, m.project_id, p.name, m.profile_type, m.profile_id, COALESCE(pr.display, c.name), "
			"m.identifier FROM project_membership m JOIN project p ON p.id = m.project_id "
			"LEFT JOIN profile pr ON pr.id = m.profile_id LEFT JOIN client_application c ON c.id = m.profile_id "
			"WHERE m.user_id = ? AND (? IS NULL OR m.project_id = ?) AND (? IS NULL OR m.profile_type = ?) "
			"ORDER BY m.created_at LIMIT 100",
			"sssss", user_id, project_id, project_id, profile_type, profile_type);
}

int members_chosen(const char *membership_id, struct db_result *out)
{
	return db_query(out,
			"SELECT m.user_id, m.active, m.project_id, p.super_admin, "
			"p.email_verification_required AND m.user_type = 'User' AND NOT COALESCE(u.email_verified, TRUE), "
			"COALESCE(JSON_CONTAINS(p.features, '\"google-auth-required\"'), FALSE) "
			"FROM project_membership m JOIN project p ON p.id = m.project_id "
			"LEFT JOIN user u ON u.id = m.user_id AND m.user_type = 'User' WHERE m.id = ?",
			"s", membership_id);
}

/* SQL: a User membership m of a project with its user u, for the email checks below. */
#define MEMBER_EMAIL_FROM \
	"SELECT 1 FROM project_membership m JOIN user u ON u.id = m.user_id AND m.user_type = 'User' " \
	"WHERE m.project_id = ? AND u.email = ? "

/* 1 when the query (two or three string arguments; c may be NULL) finds a row, 0, -1. */
static int any_row(const char *sql, const char *fmt, const char *a, const char *b, const char *c)
{
	struct db_result r;
	if (db_query(&r, sql, fmt, a, b, c) < 0)
		return -1;
	int found = r.nrows > 0;
	db_result_free(&r);
	return found;
}

int members_email_in_scope(const char *project_id, const char *email, const char *scope_key)
{
	return any_row(MEMBER_EMAIL_FROM "AND u.scope_key = ? LIMIT 1", "sss", project_id, email, scope_key);
}

int members_elsewhere(const char *user_id, const char *project_id)
{
	struct db_result r;
	if (db_query(&r,
		     "SELECT 1 FROM project_membership WHERE user_id = ? AND user_type = 'User' AND project_id <> ? LIMIT 1",
		     "ss", user_id, project_id) < 0)
		return -1;
	int found = r.nrows > 0;
	db_result_free(&r);
	return found;
}

int members_resend_target(const char *membership_id, const char *project_id, struct db_result *out)
{
	return db_query(out,
			"SELECT u.id, u.email, u.first_name, u.last_name, " MEMBERS_RESENDABLE_INVITE ", "
			"NOT EXISTS (SELECT 1 FROM project_membership o WHERE o.user_id = u.id AND o.user_type = 'User' "
			"AND o.project_id <> m.project_id), u.project_id IS NULL "
			"FROM project_membership m JOIN user u ON u.id = m.user_id AND m.user_type = 'User' "
			"WHERE m.id = ? AND m.project_id = ? FOR UPDATE",
			"ss", membership_id, project_id);
}

int members_profile_used(const char *profile_id)
{
	struct db_result r;
	if (db_query(&r, "SELECT 1 FROM project_membership WHERE profile_id = ? LIMIT 1", "s", profile_id) < 0)
		return -1;
	int used = r.nrows > 0;
	db_result_free(&r);
	return used;
}

/* The columns of lib/domain/sessionrow.h's details, by the membership alone. */
static const char *const select_detail =
	"SELECT " SESSIONROW_DETAIL_COLUMNS "FROM project_membership m JOIN project p ON p.id = m.project_id "
	SESSIONROW_DETAIL_JOINS "WHERE m.id = ?";

int members_read_detail(const char *membership_id, struct db_result *out)
{
	return db_query(out, select_detail, "s", membership_id);
}

#define ACCESS_SELECT \
	"SELECT m.project_id, m.profile_type, m.profile_id, m.admin, p.super_admin, m.access_policy_id, " \
	"m.access, ap.resource FROM project_membership m JOIN project p ON p.id = m.project_id " \
	"LEFT JOIN access_policy ap ON ap.id = m.access_policy_id AND ap.project_id = m.project_id "

int members_read_access(const char *key, bool by_login, struct db_result *out)
{
	return db_query(out,
			by_login ? ACCESS_SELECT "JOIN login l ON l.membership_id = m.id WHERE l.id = ?"
				 : ACCESS_SELECT "WHERE m.id = ?",
			"s", key);
}

int members_email_shared(const char *user_id, const char *email)
{
	return any_row("SELECT 1 FROM project_membership mine JOIN project_membership m ON m.project_id = mine.project_id "
		       "AND m.user_type = 'User' AND m.deprovisioned_at IS NULL JOIN user u ON u.id = m.user_id "
		       "WHERE mine.user_id = ? AND mine.user_type = 'User' AND u.email = ? AND u.id <> mine.user_id LIMIT 1",
		       "ss", user_id, email, NULL);
}

int members_email_clash(const char *project_id, const char *user_id)
{
	return any_row("SELECT 1 FROM project_membership m JOIN user u ON u.id = m.user_id AND m.user_type = 'User' "
		       "JOIN user joining ON joining.id = ? AND joining.email = u.email AND joining.id <> u.id "
		       "WHERE m.project_id = ? AND m.deprovisioned_at IS NULL LIMIT 1",
		       "ss", user_id, project_id, NULL);
}

/* The SCIM Users' other reads and writes are in memberscim.c. */
int members_email_taken(const char *project_id, const char *email, const char *except_user)
{
	/* user.email's collation (utf8mb4_unicode_ci) compares without case, as the unique key does. */
	return any_row(MEMBER_EMAIL_FROM "AND m.deprovisioned_at IS NULL AND u.id <> ? LIMIT 1", "sss", project_id, email,
		       except_user ? except_user : "");
}

int members_user_by_external_id(const char *project_id, const char *external_id, char user_id[37])
{
	struct db_result r;
	user_id[0] = '\0';
	if (db_query(&r,
		     "SELECT user_id FROM project_membership WHERE project_id = ? AND external_id = ? AND user_type = 'User' "
		     "AND deprovisioned_at IS NULL",
		     "ss", project_id, external_id) < 0)
		return -1;
	int found = r.nrows > 0 && db_cell(&r, 0, 0);
	if (found)
		snprintf(user_id, 37, "%s", db_cell(&r, 0, 0));
	db_result_free(&r);
	return found ? 0 : 1;
}

int members_on_behalf(const char *project_id, const char *membership_id, const char *profile_type,
		      const char *profile_id, struct db_result *out)
{
	return db_query(out,
			"SELECT id, profile_type, profile_id, admin FROM project_membership WHERE project_id = ? AND active "
			"AND deprovisioned_at IS NULL AND ((? IS NOT NULL AND id = ?) OR (? IS NULL AND profile_type = ? AND "
			"profile_id = ?)) ORDER BY created_at LIMIT 1",
			"ssssss", project_id, membership_id, membership_id, membership_id, profile_type, profile_id);
}

int members_active_by_profile(const char *profile_type, const char *profile_id, struct db_result *out)
{
	return db_query(out,
			"SELECT id, user_id, project_id FROM project_membership WHERE profile_type = ? AND profile_id = ? AND "
			"active AND deprovisioned_at IS NULL AND user_type = 'User' ORDER BY created_at LIMIT 1",
			"ss", profile_type, profile_id);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* policies: stored AccessPolicy rows and the effective policy of a membership. */
#include "domain/policies.h"
#include "core/crypto.h"
#include "core/db.h"
#include "core/fhir.h"
#include "core/text.h"
#include "domain/accesspolicy.h"
#include "domain/members.h"
#include "domain/shape.h"
#include "domain/storequery.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A stored policy as the builder takes it (its id set from the row), or, when the row is
 * missing, a policy that grants nothing. */
static json_t *policy_json(const char *id, const char *text)
{
	json_t *p = text ? json_loads(text, 0, NULL) : NULL;
	if (!json_is_object(p)) {
		json_decref(p);
		p = json_pack("{s:s, s:[]}", "resourceType", "AccessPolicy", "resource");
	}
	if (id)
		json_object_set_new(p, "id", json_string(id));
	return p;
}

enum { L_PROJECT, L_PTYPE, L_PID, L_ADMIN, L_SUPER, L_POLICY_ID, L_ACCESS, L_POLICY };

struct loaded {
	struct ap_membership m;
	char project[37];
	char profile[80];
	json_t *policies;
};

/* Fills *out from a membership's columns (what members_read_access reads; access_policy read only
 * within the membership's project); the policies access[] names take one more query. 0, -1. */
static int fill(struct loaded *out, const char *project, const char *ptype, const char *pid, bool admin, bool super,
		const char *policy_id, const char *policy_text, const char *access_text)
{
	memset(out, 0, sizeof *out);
	text_copy(out->project, sizeof out->project, project);
	snprintf(out->profile, sizeof out->profile, "%s/%s", ptype ? ptype : "", pid ? pid : "");
	out->m.admin = admin;
	out->m.super_admin = super;
	out->policies = json_array();
	if (policy_id)
		json_array_append_new(out->policies, json_pack("{s:o}", "policy", policy_json(policy_id, policy_text)));
	json_t *access = access_text ? json_loads(access_text, 0, NULL) : NULL;
	struct db_result r;
	if (json_array_size(access)) {
		/* Every policy access[] names, in one query; a missing one stays a policy of nothing. */
		json_t *ids = json_array();
		size_t i;
		json_t *e;
		char id[37];
		json_array_foreach(access, i, e) if (fhir_reference_id(json_object_get(e, "policy"), "AccessPolicy", id))
			json_array_append_new(ids, json_string(id));
		char *ids_text = json_dumps(ids, JSON_COMPACT);
		json_decref(ids);
		int rc = ids_text ? db_query(&r,
					     "SELECT id, resource FROM access_policy WHERE project_id = ? "
					     "AND JSON_CONTAINS(?, JSON_QUOTE(id))",
					     "ss", out->project, ids_text)
				  : -1;
		free(ids_text);
		if (rc < 0) {
			json_decref(access);
			json_decref(out->policies);
			return -1;
		}
		json_array_foreach(access, i, e) {
			const char *text = NULL;
			bool named = fhir_reference_id(json_object_get(e, "policy"), "AccessPolicy", id);
			for (unsigned k = 0; named && k < r.nrows; k++)
				if (!strcmp(db_cell(&r, k, 0), id))
					text = db_cell(&r, k, 1);
			json_t *entry = json_pack("{s:o}", "policy", policy_json(named ? id : NULL, text));
			json_t *params = json_object_get(e, "parameter");
			if (json_is_array(params))
				json_object_set(entry, "parameter", params);
			json_array_append_new(out->policies, entry);
		}
		db_result_free(&r);
	}
	json_decref(access);
	out->m.policies = out->policies;
	out->m.profile = out->profile;
	out->m.project_id = out->project;
	return 0;
}

/* The membership by its id, or (by_login) the membership of that Login: 0 loaded, 1 none, -1. */
static int load(const char *key, bool by_login, struct loaded *out)
{
	memset(out, 0, sizeof *out);
	if (!crypto_is_uuid(key))
		return 1;
	struct db_result r;
	if (members_read_access(key, by_login, &r) < 0)
		return -1;
	if (r.nrows == 0) {
		db_result_free(&r);
		return 1;
	}
	int rc = fill(out, db_cell(&r, 0, L_PROJECT), db_cell(&r, 0, L_PTYPE), db_cell(&r, 0, L_PID),
		      text_true(db_cell(&r, 0, L_ADMIN)), text_true(db_cell(&r, 0, L_SUPER)), db_cell(&r, 0, L_POLICY_ID),
		      db_cell(&r, 0, L_POLICY), db_cell(&r, 0, L_ACCESS));
	db_result_free(&r);
	return rc;
}

int policies_effective_of(const struct policies_membership *pm, const char *scope, json_t **out)
{
	*out = NULL;
	struct loaded l;
	if (fill(&l, pm->project_id, pm->profile_type, pm->profile_id, pm->admin, pm->super_admin, pm->policy_id,
		 pm->policy_text, pm->access_text) < 0)
		return -1;
	*out = accesspolicy_build(&l.m, scope);
	json_decref(l.policies);
	return *out ? 0 : -1;
}

int policies_effective(const char *membership_id, const char *scope, bool admin_rights, json_t **out)
{
	*out = NULL;
	struct loaded l;
	int rc = load(membership_id, false, &l);
	if (rc != 0)
		return rc;
	if (!admin_rights)
		l.m.admin = l.m.super_admin = false;
	*out = accesspolicy_build(&l.m, scope);
	json_decref(l.policies);
	return *out ? 0 : -1;
}

static int ip_check(const char *id, bool by_login, const char *addr)
{
	struct loaded l;
	int rc = load(id, by_login, &l);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	json_t *p = accesspolicy_build(&l.m, NULL);
	json_decref(l.policies);
	if (!p)
		return -1;
	bool ok = accesspolicy_ip_allowed(json_object_get(p, "ipAccessRule"), addr ? addr : "");
	json_decref(p);
	return ok ? 0 : 1;
}

int policies_ip_check(const char *membership_id, const char *addr)
{
	return ip_check(membership_id, false, addr);
}

int policies_ip_check_login(const char *login_id, const char *addr)
{
	return ip_check(login_id, true, addr);
}

/* ---- AccessPolicy resources (the resource API) ---- */

#define MAX_ENTRIES 256
#define MAX_RULES 64

static bool type_name_ok(const char *s)
{
	if (!strcmp(s, "*"))
		return true;
	if (!*s || strlen(s) > 64)
		return false;
	for (const char *c = s; *c; c++)
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9')))
			return false;
	return true;
}

static bool field_name_ok(const char *s)
{
	if (!*s || strlen(s) > 128)
		return false;
	for (const char *c = s; *c; c++)
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '.' ||
		      *c == '_'))
			return false;
	return true;
}

static bool interaction_ok(const char *s)
{
	const char *known[] = { "read", "vread", "history", "search", "create", "update", "delete" };
	for (size_t i = 0; i < 7; i++)
		if (!strcmp(s, known[i]))
			return true;
	return false;
}

/* criteria "<the entry's type or *>?<query>" */
static bool criteria_ok(const char *criteria, const char *type)
{
	size_t n = strcspn(criteria, "?");
	return criteria[n] == '?' && ((n == 1 && criteria[0] == '*') || (n == strlen(type) && !strncmp(criteria, type, n)));
}

static json_t *checked_compartment(json_t *o, bool *ok)
{
	json_t *c = json_object_get(o, "compartment");
	if (!c || json_is_null(c))
		return NULL;
	const char *ref = json_string_value(json_object_get(c, "reference"));
	if (!json_is_object(c) || !ref || !*ref || strlen(ref) > 256) {
		*ok = false;
		return NULL;
	}
	return json_pack("{s:s}", "reference", ref);
}

static int check_entry(json_t *e, json_t **out, struct refusal *err)
{
	const char *type = json_string_value(json_object_get(e, "resourceType")), *criteria;
	json_t *list;
	int readonly = -1;
	bool ok = true;
	if (!json_is_object(e) || !type || !type_name_ok(type))
		return refuse(err, 400, "Invalid AccessPolicy.resource.resourceType", "resource");
	if (json_object_get(e, "writeConstraint"))
		return refuse(err, 400, "AccessPolicy.resource.writeConstraint is not supported", "resource");
	json_t *n = json_pack("{s:s}", "resourceType", type);
	if (!shape_string(e, "criteria", 2048, &criteria) || (criteria && !criteria_ok(criteria, type))) {
		json_decref(n);
		return refuse(err, 400, "Invalid AccessPolicy.resource.criteria", "resource");
	}
	if (criteria)
		json_object_set_new(n, "criteria", json_string(criteria));
	if (!shape_bool(e, "readonly", &readonly))
		ok = false;
	else if (readonly >= 0)
		json_object_set_new(n, "readonly", json_boolean(readonly));
	const char *lists[] = { "interaction", "hiddenFields", "readonlyFields" };
	for (size_t i = 0; ok && i < 3; i++) {
		ok = shape_strings(e, lists[i], i == 0 ? 7 : 64, 128, i == 0 ? interaction_ok : field_name_ok, &list);
		if (ok && list)
			json_object_set(n, lists[i], list);
	}
	json_t *c = checked_compartment(e, &ok);
	if (c)
		json_object_set_new(n, "compartment", c);
	if (!ok) {
		json_decref(n);
		return refuse(err, 400, "Invalid AccessPolicy.resource", "resource");
	}
	*out = n;
	return 0;
}

static int check_rule(json_t *r, json_t **out, struct refusal *err)
{
	const char *name = NULL, *value = json_string_value(json_object_get(r, "value"));
	const char *action = json_string_value(json_object_get(r, "action"));
	if (!json_is_object(r) || !shape_string(r, "name", 255, &name) || !accesspolicy_ip_value_valid(value) || !action ||
	    (strcmp(action, "allow") && strcmp(action, "block")))
		return refuse(err, 400, "Invalid AccessPolicy.ipAccessRule", "ipAccessRule");
	*out = json_pack("{s:s, s:s}", "value", value, "action", action);
	if (name)
		json_object_set_new(*out, "name", json_string(name));
	return 0;
}

static int policy_check(json_t *body, json_t *stored, const char *project, json_t **out, struct refusal *err)
{
	(void)stored;
	(void)project;
	const char *name;
	bool ok = true;
	if (!shape_string(body, "name", 255, &name))
		return refuse(err, 400, "Invalid AccessPolicy.name", "name");
	json_t *resources = json_object_get(body, "resource"), *rules = json_object_get(body, "ipAccessRule");
	if ((resources && !json_is_array(resources)) || json_array_size(resources) > MAX_ENTRIES)
		return refuse(err, 400, "Invalid AccessPolicy.resource", "resource");
	if ((rules && !json_is_array(rules)) || json_array_size(rules) > MAX_RULES)
		return refuse(err, 400, "Invalid AccessPolicy.ipAccessRule", "ipAccessRule");
	json_t *p = json_pack("{s:s, s:[]}", "resourceType", "AccessPolicy", "resource");
	if (name)
		json_object_set_new(p, "name", json_string(name));
	json_t *c = checked_compartment(body, &ok);
	if (!ok) {
		json_decref(p);
		return refuse(err, 400, "Invalid AccessPolicy.compartment", "compartment");
	}
	if (c)
		json_object_set_new(p, "compartment", c);
	size_t i;
	json_t *e, *n = NULL;
	json_array_foreach(resources, i, e) {
		if (check_entry(e, &n, err)) {
			json_decref(p);
			return 1;
		}
		json_array_append_new(json_object_get(p, "resource"), n);
	}
	if (json_array_size(rules)) {
		json_t *list = json_array();
		json_object_set_new(p, "ipAccessRule", list);
		json_array_foreach(rules, i, e) {
			if (check_rule(e, &n, err)) {
				json_decref(p);
				return 1;
			}
			json_array_append_new(list, n);
		}
	}
	*out = p;
	return 0;
}

#define POLICY_COLUMNS "SELECT id, project_id, resource, " FHIR_VERSION_SQL("updated_at") ", " FHIR_INSTANT_SQL("updated_at") " FROM access_policy "

static json_t *policy_row(const struct db_result *r, unsigned i)
{
	json_t *p = json_loads(db_cell(r, i, 2), 0, NULL);
	if (!json_is_object(p)) {
		json_decref(p);
		p = json_pack("{s:s, s:[]}", "resourceType", "AccessPolicy", "resource");
	}
	json_object_set_new(p, "resourceType", json_string("AccessPolicy"));
	json_object_set_new(p, "id", json_string(db_cell(r, i, 0)));
	fhir_set_meta(p, db_cell(r, i, 1), db_cell(r, i, 3), db_cell(r, i, 4));
	return p;
}

static int policy_get(const char *id, json_t **out)
{
	return store_get_row(POLICY_COLUMNS "WHERE id = ?", id, policy_row, out);
}

#define POLICY_WHERE STORE_WHERE("project_id = ?", "name LIKE ?", "? IS NULL", "? IS NULL")

static int policy_find(const struct store_query *q, json_t **rows, long long *total)
{
	return store_find_rows(q, 2, q->oldest_first ? POLICY_COLUMNS POLICY_WHERE STORE_OLDEST : POLICY_COLUMNS POLICY_WHERE STORE_NEWEST,
			       "SELECT COUNT(*) FROM access_policy " POLICY_WHERE, policy_row, rows, total);
}

static int policy_insert(const char *project, json_t *p, char id[37], json_t **once, struct refusal *err)
{
	(void)once;
	(void)err;
	if (store_new_id(id) < 0)
		return -1;
	char *text = json_dumps(p, JSON_COMPACT);
	int rc = text ? db_exec(NULL, "INSERT INTO access_policy (id, project_id, name, resource) VALUES (?, ?, ?, ?)", "ssss",
				id, project, json_string_value(json_object_get(p, "name")), text)
		      : -1;
	free(text);
	return rc < 0 ? -1 : 0;
}

static int policy_update(const char *id, const char *version, json_t *p, struct refusal *err)
{
	(void)err;
	char *text = json_dumps(p, JSON_COMPACT);
	unsigned long long n = 0;
	int rc = text ? db_exec(&n,
				"UPDATE access_policy SET name = ?, resource = ?, updated_at = " FHIR_NEXT_UPDATE_SQL("updated_at")
				" WHERE id = ? AND " FHIR_VERSION_IS_SQL("updated_at"),
				"ssss", json_string_value(json_object_get(p, "name")), text, id, version)
		      : -1;
	free(text);
	return rc < 0 ? -1 : n == 1 ? 0 : 2;
}

static int policy_remove(const char *id, const char *version, struct refusal *err)
{
	(void)err;
	unsigned long long n = 0;
	if (db_exec(&n, "DELETE FROM access_policy WHERE id = ? AND " FHIR_VERSION_IS_SQL("updated_at"), "ss", id, version) < 0)
		return -1;
	return n == 1 ? 0 : 2;
}

const struct resource_store policies_store = {
	.type = "AccessPolicy",
	.get = policy_get,
	.find = policy_find,
	.find_by = STORE_BY_NAME,
	.check = policy_check,
	.insert = policy_insert,
	.update = policy_update,
	.remove = policy_remove,
};

int policies_in_project(const char *policy_id, const char *project_id)
{
	if (!crypto_is_uuid(policy_id))
		return 0;
	struct db_result r;
	if (db_query(&r, "SELECT 1 FROM access_policy WHERE id = ? AND project_id = ?", "ss", policy_id, project_id) < 0)
		return -1;
	int found = r.nrows > 0;
	db_result_free(&r);
	return found;
}

/* 0 the policy exists in the project, 1 refused, -1. */
static int check_policy(const char *id, const char *project_id, struct refusal *err)
{
	struct db_result r;
	if (db_query(&r, "SELECT project_id FROM access_policy WHERE id = ?", "s", id) < 0)
		return -1;
	const char *why = r.nrows == 0 ? "does not exist" : strcmp(db_cell(&r, 0, 0), project_id) ? "does not belong to this project" : NULL;
	db_result_free(&r);
	if (!why)
		return 0;
	char text[160];
	snprintf(text, sizeof text, "Access policy AccessPolicy/%s %s", id, why);
	return refuse_copy(err, 400, text, NULL);
}

int policies_check_named(const struct member_fields *f, const char *project_id, struct refusal *err)
{
	int rc = f->access_policy_id[0] ? check_policy(f->access_policy_id, project_id, err) : 0;
	size_t i;
	json_t *e;
	char id[37];
	json_array_foreach(f->access, i, e) {
		if (rc != 0)
			break;
		if (fhir_reference_id(json_object_get(e, "policy"), "AccessPolicy", id))
			rc = check_policy(id, project_id, err);
	}
	return rc;
}

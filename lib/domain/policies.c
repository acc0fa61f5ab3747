/* policies: stored AccessPolicy rows and the effective policy of a membership. */
#include "domain/policies.h"
#include "core/crypto.h"
#include "core/db.h"
#include "core/fhir.h"
#include "core/text.h"
#include "domain/accesspolicy.h"

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

#define LOAD_SELECT \
	"SELECT m.project_id, m.profile_type, m.profile_id, m.admin, p.super_admin, m.access_policy_id, " \
	"m.access, ap.resource FROM project_membership m JOIN project p ON p.id = m.project_id " \
	"LEFT JOIN access_policy ap ON ap.id = m.access_policy_id AND ap.project_id = m.project_id "

/* The membership by its id, or (by_login) the membership of that Login: 0 loaded, 1 none, -1. */
static int load(const char *key, bool by_login, struct loaded *out)
{
	memset(out, 0, sizeof *out);
	if (!crypto_is_uuid(key))
		return 1;
	struct db_result r;
	if (db_query(&r,
		     by_login ? LOAD_SELECT "JOIN login l ON l.membership_id = m.id WHERE l.id = ?"
			      : LOAD_SELECT "WHERE m.id = ?",
		     "s", key) < 0)
		return -1;
	if (r.nrows == 0) {
		db_result_free(&r);
		return 1;
	}
	text_copy(out->project, sizeof out->project, db_cell(&r, 0, L_PROJECT));
	snprintf(out->profile, sizeof out->profile, "%s/%s", db_cell(&r, 0, L_PTYPE), db_cell(&r, 0, L_PID));
	out->m.admin = text_true(db_cell(&r, 0, L_ADMIN));
	out->m.super_admin = text_true(db_cell(&r, 0, L_SUPER));
	out->policies = json_array();
	if (db_cell(&r, 0, L_POLICY_ID))
		json_array_append_new(out->policies, json_pack("{s:o}", "policy",
							       policy_json(db_cell(&r, 0, L_POLICY_ID),
									   db_cell(&r, 0, L_POLICY))));
	json_t *access = db_cell(&r, 0, L_ACCESS) ? json_loads(db_cell(&r, 0, L_ACCESS), 0, NULL) : NULL;
	db_result_free(&r);
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

int policies_effective(const char *membership_id, const char *scope, json_t **out)
{
	*out = NULL;
	struct loaded l;
	int rc = load(membership_id, false, &l);
	if (rc != 0)
		return rc;
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

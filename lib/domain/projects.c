/* SPDX-License-Identifier: BSD-2-Clause */
/* projects: the Project rows' settings. */
#include "domain/projects.h"
#include "core/config.h"
#include "core/db.h"
#include "core/text.h"
#include "core/crypto.h"
#include "core/fhir.h"
#include "domain/audit.h"
#include "domain/login.h"
#include "domain/policies.h"
#include "domain/ratelimit.h"
#include "domain/shape.h"
#include "http/input.h"
#include "domain/storequery.h"

#include <stdlib.h>
#include <string.h>

int projects_settings(const char *project_id, struct project_settings *out)
{
	struct db_result r;
	if (db_query(&r,
		     "SELECT id, name, brand_name, mfa_required, allowed_mfa_methods, email_verification_required, "
		     "client_registration FROM project "
		     "WHERE id = ?",
		     "s", project_id) < 0)
		return -1;
	int rc = r.nrows ? 0 : 1;
	if (rc == 0) {
		text_copy(out->id, sizeof out->id, db_cell(&r, 0, 0));
		text_copy(out->name, sizeof out->name, db_cell(&r, 0, 1));
		text_copy(out->brand_name, sizeof out->brand_name, db_cell(&r, 0, 2));
		out->mfa_required = text_true(db_cell(&r, 0, 3));
		text_copy(out->allowed_mfa_methods, sizeof out->allowed_mfa_methods, db_cell(&r, 0, 4));
		out->email_verification_required = text_true(db_cell(&r, 0, 5));
		out->client_registration = text_true(db_cell(&r, 0, 6));
	}
	db_result_free(&r);
	return rc;
}

int projects_update_settings(const char *project_id, const char *brand_name, const char *mfa_required,
			     const char *allowed_mfa_methods, const char *email_verification_required,
			     const char *client_registration)
{
	return db_exec(NULL,
		       "UPDATE project SET brand_name = ?, mfa_required = COALESCE(?, mfa_required), "
		       "allowed_mfa_methods = COALESCE(?, allowed_mfa_methods), "
		       "email_verification_required = COALESCE(?, email_verification_required), "
		       "client_registration = COALESCE(?, client_registration), updated_at = UTC_TIMESTAMP(3) WHERE id = ?",
		       "ssssss", brand_name, mfa_required, allowed_mfa_methods, email_verification_required,
		       client_registration, project_id);
}

int projects_set_client_registration(const char *project_id, bool open)
{
	return db_exec(NULL, "UPDATE project SET client_registration = ?, updated_at = UTC_TIMESTAMP(3) WHERE id = ?", "is",
		       (long long)open, project_id);
}

int projects_email_verification_required(const char *project_id)
{
	struct db_result r;
	if (db_query(&r, "SELECT email_verification_required FROM project WHERE id = ?", "s", project_id) < 0)
		return -1;
	int required = r.nrows > 0 && text_true(db_cell(&r, 0, 0));
	db_result_free(&r);
	return required;
}

int projects_name(const char *project_id, char *name, unsigned cap)
{
	struct db_result r;
	if (db_query(&r, "SELECT name FROM project WHERE id = ?", "s", project_id) < 0)
		return -1;
	text_copy(name, cap, r.nrows ? db_cell(&r, 0, 0) : "");
	db_result_free(&r);
	return 0;
}

/* ---- Project resources (the resource API) ---- */

static const char *const known_features[] = { "ai", "aws-comprehend", "aws-textract", "bots", "cron", "email",
					       "google-auth-required", "graphql-introspection",
					       "websocket-subscriptions", "transaction-bundles", "validate-terminology",
					       NULL };

static bool feature_ok(const char *s)
{
	for (const char *const *f = known_features; *f; f++)
		if (!strcmp(*f, s))
			return true;
	return false;
}

/* [{name, valueString|valueBoolean|valueInteger|valueDecimal}], at most 64. */
static bool settings_ok(json_t *list)
{
	if (!list || json_is_null(list))
		return true;
	if (!json_is_array(list) || json_array_size(list) > 64)
		return false;
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e) {
		const char *name;
		if (!json_is_object(e) || !shape_string(e, "name", 255, &name) || !name)
			return false;
		size_t values = 0;
		const char *k;
		json_t *v;
		json_object_foreach(e, k, v) {
			if (!strcmp(k, "name"))
				continue;
			if ((!strcmp(k, "valueString") && json_is_string(v) && strlen(json_string_value(v)) <= 4096 &&
			     valid_text(json_string_value(v))) ||
			    (!strcmp(k, "valueBoolean") && json_is_boolean(v)) ||
			    (!strcmp(k, "valueInteger") && json_is_integer(v)) ||
			    (!strcmp(k, "valueDecimal") && json_is_number(v)))
				values++;
			else
				return false;
		}
		if (values != 1)
			return false;
	}
	return true;
}

/* site: [{name, domain[]?, googleClientId?, recaptchaSiteKey?}], at most 16 (PROTOCOL.md §6.3). */
static bool sites_ok(json_t *list, json_t **out)
{
	*out = NULL;
	if (!list || json_is_null(list))
		return true;
	if (!json_is_array(list) || json_array_size(list) > 16)
		return false;
	json_t *sites = json_array();
	size_t i;
	json_t *e, *domains;
	json_array_foreach(list, i, e) {
		const char *name, *google, *recaptcha;
		if (!json_is_object(e) || !shape_string(e, "name", 255, &name) || !name ||
		    !shape_string(e, "googleClientId", 255, &google) || !shape_string(e, "recaptchaSiteKey", 255, &recaptcha) ||
		    !shape_strings(e, "domain", 32, 253, valid_text, &domains)) {
			json_decref(sites);
			return false;
		}
		json_t *site = json_pack("{s:s}", "name", name);
		if (json_array_size(domains))
			json_object_set(site, "domain", domains);
		if (google)
			json_object_set_new(site, "googleClientId", json_string(google));
		if (recaptcha)
			json_object_set_new(site, "recaptchaSiteKey", json_string(recaptcha));
		json_array_append_new(sites, site);
	}
	*out = sites;
	return true;
}

/* The server's own Google client id (google_client_id) signs in to no project in particular, so
 * no project may list it (PROTOCOL.md §6.3). */
static bool lists_server_google_client(json_t *sites)
{
	size_t i;
	json_t *site;
	json_array_foreach(sites, i, site) {
		const char *id = json_string_value(json_object_get(site, "googleClientId"));
		if (id && *cfg.google_client_id && !strcmp(id, cfg.google_client_id))
			return true;
	}
	return false;
}

static int project_check(json_t *body, json_t *stored, const char *project, json_t **out, struct refusal *err)
{
	const char *name, *description;
	int strict = 1, super = 0;
	json_t *features;
	char policy[37];
	if (!shape_string(body, "name", 255, &name) || !name)
		return refuse(err, 400, "Project name is required", "name");
	/* 255 characters may be 1020 bytes: every reader holds PROJECT_NAME_MAX bytes (§11.5). */
	if (strlen(name) > PROJECT_NAME_MAX)
		return refuse(err, 400, "Project name must be at most 255 bytes", "name");
	if (!shape_string(body, "description", 4096, &description))
		return refuse(err, 400, "Invalid description", "description");
	if (!shape_bool(body, "strictMode", &strict) || !shape_bool(body, "superAdmin", &super))
		return refuse(err, 400, "Invalid Project", NULL);
	if (!shape_strings(body, "features", 16, 64, feature_ok, &features))
		return refuse(err, 400, "Invalid features", "features");
	if (!settings_ok(json_object_get(body, "setting")))
		return refuse(err, 400, "Invalid setting", "setting");
	if (!settings_ok(json_object_get(body, "systemSetting")))
		return refuse(err, 400, "Invalid systemSetting", "systemSetting");
	if (!shape_reference(body, "defaultPatientAccessPolicy", "AccessPolicy", policy))
		return refuse(err, 400, "Invalid defaultPatientAccessPolicy", "defaultPatientAccessPolicy");
	json_t *sites;
	if (!sites_ok(json_object_get(body, "site"), &sites))
		return refuse(err, 400, "Invalid site", "site");
	if (lists_server_google_client(sites)) {
		json_decref(sites);
		return refuse(err, 400, PROJECTS_GOOGLE_CLIENT_TAKEN, "site");
	}
	/* The policy of patients who register themselves must be this project's own. */
	if (policy[0] && stored) {
		int rc = policies_in_project(policy, project);
		if (rc <= 0)
			json_decref(sites);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return refuse(err, 400, "Invalid defaultPatientAccessPolicy", "defaultPatientAccessPolicy");
	} else if (policy[0]) {
		json_decref(sites);
		return refuse(err, 400, "Invalid defaultPatientAccessPolicy", "defaultPatientAccessPolicy");
	}
	json_t *p = json_pack("{s:s, s:s, s:b, s:b}", "resourceType", "Project", "name", name, "strictMode", strict,
			      "superAdmin", super);
	if (description)
		json_object_set_new(p, "description", json_string(description));
	if (features)
		json_object_set(p, "features", features);
	const char *lists[] = { "setting", "systemSetting" };
	for (size_t i = 0; i < 2; i++)
		if (json_array_size(json_object_get(body, lists[i])))
			json_object_set(p, lists[i], json_object_get(body, lists[i]));
	if (policy[0])
		json_object_set_new(p, "defaultPatientAccessPolicy", fhir_reference("AccessPolicy", policy, NULL));
	if (json_array_size(sites))
		json_object_set(p, "site", sites);
	json_decref(sites);
	*out = p;
	return 0;
}

#define PROJECT_COLUMNS \
	"SELECT id, name, description, super_admin, strict_mode, owner_user_id, features, default_patient_access_policy_id, " \
	"setting, system_setting, " FHIR_VERSION_SQL("updated_at") ", " FHIR_INSTANT_SQL("updated_at") ", site FROM project "

static void set_json(json_t *o, const char *key, const char *text)
{
	json_t *v = text ? json_loads(text, 0, NULL) : NULL;
	if (v)
		json_object_set_new(o, key, v);
}

static json_t *project_row(const struct db_result *r, unsigned i)
{
	json_t *p = json_pack("{s:s, s:s, s:s, s:b, s:b}", "resourceType", "Project", "id", db_cell(r, i, 0), "name",
			      db_cell(r, i, 1), "superAdmin", text_true(db_cell(r, i, 3)), "strictMode",
			      text_true(db_cell(r, i, 4)));
	if (db_cell(r, i, 2))
		json_object_set_new(p, "description", json_string(db_cell(r, i, 2)));
	if (db_cell(r, i, 5))
		json_object_set_new(p, "owner", fhir_reference("User", db_cell(r, i, 5), NULL));
	set_json(p, "features", db_cell(r, i, 6));
	if (db_cell(r, i, 7))
		json_object_set_new(p, "defaultPatientAccessPolicy", fhir_reference("AccessPolicy", db_cell(r, i, 7), NULL));
	set_json(p, "setting", db_cell(r, i, 8));
	set_json(p, "systemSetting", db_cell(r, i, 9));
	set_json(p, "site", db_cell(r, i, 12));
	/* A project is its own: meta.project is its id. */
	fhir_set_meta(p, db_cell(r, i, 0), db_cell(r, i, 10), db_cell(r, i, 11));
	return p;
}

static int project_get(const char *id, json_t **out)
{
	return store_get_row(PROJECT_COLUMNS "WHERE id = ?", id, project_row, out);
}

#define PROJECT_WHERE STORE_WHERE("id = ?", "name LIKE ?", "? IS NULL", "? IS NULL")

static int project_find(const struct store_query *q, json_t **rows, long long *total)
{
	return store_find_rows(q, 2, q->oldest_first ? PROJECT_COLUMNS PROJECT_WHERE STORE_OLDEST : PROJECT_COLUMNS PROJECT_WHERE STORE_NEWEST,
			       "SELECT COUNT(*) FROM project " PROJECT_WHERE, project_row, rows, total);
}

static char *member_text(json_t *p, const char *key)
{
	json_t *v = json_object_get(p, key);
	return v ? json_dumps(v, JSON_COMPACT) : NULL;
}

/* The same id twice in one site is one claim: whether sites[0..before) lists it. */
static bool listed_before(json_t *sites, size_t before, const char *id)
{
	for (size_t i = 0; i < before; i++) {
		const char *other = json_string_value(json_object_get(json_array_get(sites, i), "googleClientId"));
		if (other && !strcmp(other, id))
			return true;
	}
	return false;
}

/* The project's Google client ids are the ones its site lists now: its rows are replaced, and an
 * id another project holds fails the primary key (400; the caller's transaction rolls back the
 * whole write). Inside the caller's transaction. 0, 1, -1. */
static int claim_google_clients(const char *project, json_t *p, struct refusal *err)
{
	if (db_exec(NULL, "DELETE FROM project_google_client WHERE project_id = ?", "s", project) < 0)
		return -1;
	json_t *sites = json_object_get(p, "site");
	size_t i;
	json_t *site;
	json_array_foreach(sites, i, site) {
		const char *id = json_string_value(json_object_get(site, "googleClientId"));
		if (!id || listed_before(sites, i, id))
			continue;
		if (db_exec(NULL, "INSERT INTO project_google_client (google_client_id, project_id) VALUES (?, ?)", "ss", id,
			    project) < 0)
			return db_duplicate() ? refuse(err, 400, PROJECTS_GOOGLE_CLIENT_TAKEN, "site") : -1;
	}
	return 0;
}

static bool lists_google_client(json_t *p)
{
	size_t i;
	json_t *site;
	json_array_foreach(json_object_get(p, "site"), i, site) if (json_object_get(site, "googleClientId")) return true;
	return false;
}

/* A Project write: the row and its Google client ids, run again after a lost deadlock. */
struct project_write {
	const char *id, *version;
	json_t *p;
	struct refusal *err;
};

static int project_insert_row(const char *id, json_t *p)
{
	char *features = member_text(p, "features"), *setting = member_text(p, "setting"),
	     *system = member_text(p, "systemSetting"), *site = member_text(p, "site");
	int rc = db_exec(NULL,
			 "INSERT INTO project (id, name, description, super_admin, strict_mode, features, setting, system_setting, "
			 "site) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			 "sssiissss", id, json_string_value(json_object_get(p, "name")),
			 json_string_value(json_object_get(p, "description")),
			 (long long)json_is_true(json_object_get(p, "superAdmin")),
			 (long long)json_is_true(json_object_get(p, "strictMode")), features, setting, system, site);
	free(site);
	free(features);
	free(setting);
	free(system);
	return rc < 0 ? -1 : 0;
}

static int project_insert_steps(void *ctx)
{
	struct project_write *w = ctx;
	int rc = project_insert_row(w->id, w->p);
	return rc == 0 ? claim_google_clients(w->id, w->p, w->err) : rc;
}

/* A site without Google client ids is one statement: tessera-admin import (which maps no site)
 * writes projects inside its own transaction, where this opens none. */
static int project_insert(const char *project, json_t *p, char id[37], json_t **once, struct refusal *err)
{
	(void)project;
	(void)once;
	if (store_new_id(id) < 0)
		return -1;
	if (!lists_google_client(p))
		return project_insert_row(id, p);
	return audit_transaction(project_insert_steps, &(struct project_write){ id, NULL, p, err });
}

static bool lists_feature(json_t *p, const char *feature)
{
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(p, "features"), i, f) {
		const char *v = json_string_value(f);
		if (v && !strcmp(v, feature))
			return true;
	}
	return false;
}

/* Whether the stored project has google-auth-required, its row locked until the write ends: 1, 0, -1. */
static int google_required_now(const char *id)
{
	struct db_result r;
	if (db_query(&r,
		     "SELECT COALESCE(JSON_CONTAINS(features, '\"google-auth-required\"'), FALSE) FROM project "
		     "WHERE id = ? FOR UPDATE",
		     "s", id) < 0)
		return -1;
	int on = r.nrows == 1 && text_true(db_cell(&r, 0, 0));
	db_result_free(&r);
	return on;
}

/* Turning google-auth-required on ends the project's sessions that the feature would have refused
 * (any method but google, §5.2) in the write's transaction: a password session made before it must
 * not outlive it. Already on: nothing new to end. */
static int end_refused_sessions(const char *id, int was_on, json_t *p)
{
	if (was_on || !lists_feature(p, "google-auth-required"))
		return 0;
	return login_revoke_project_except(id, "google") < 0 ? -1 : 0;
}

static int project_update_steps(void *ctx)
{
	struct project_write *w = ctx;
	json_t *p = w->p;
	int was_on = google_required_now(w->id);
	if (was_on < 0)
		return -1;
	char policy[37] = "";
	fhir_reference_id(json_object_get(p, "defaultPatientAccessPolicy"), "AccessPolicy", policy);
	char *features = member_text(p, "features"), *setting = member_text(p, "setting"),
	     *system = member_text(p, "systemSetting"), *site = member_text(p, "site");
	unsigned long long n = 0;
	int rc = db_exec(&n,
			 "UPDATE project SET name = ?, description = ?, super_admin = ?, strict_mode = ?, features = ?, "
			 "setting = ?, system_setting = ?, default_patient_access_policy_id = ?, site = ?, "
			 "updated_at = " FHIR_NEXT_UPDATE_SQL("updated_at") " WHERE id = ? AND " FHIR_VERSION_IS_SQL("updated_at"),
			 "ssiisssssss", json_string_value(json_object_get(p, "name")),
			 json_string_value(json_object_get(p, "description")),
			 (long long)json_is_true(json_object_get(p, "superAdmin")),
			 (long long)json_is_true(json_object_get(p, "strictMode")), features, setting, system,
			 policy[0] ? policy : NULL, site, w->id, w->version);
	free(site);
	free(features);
	free(setting);
	free(system);
	if (rc < 0)
		return -1;
	if (n != 1)
		return 2;
	rc = claim_google_clients(w->id, p, w->err);
	return rc == 0 ? end_refused_sessions(w->id, was_on, p) : rc;
}

static int project_update(const char *id, const char *version, json_t *p, struct refusal *err)
{
	return audit_transaction(project_update_steps, &(struct project_write){ id, version, p, err });
}

const struct resource_store projects_store = {
	.type = "Project",
	.get = project_get,
	.find = project_find,
	.find_by = STORE_BY_NAME,
	.check = project_check,
	.insert = project_insert,
	.update = project_update,
	.remove = NULL,
};

int projects_insert(const char *id, const char *name, const char *owner_user_id)
{
	return db_exec(NULL, "INSERT INTO project (id, name, owner_user_id, strict_mode) VALUES (?, ?, ?, TRUE)", "sss", id,
		       name, owner_user_id);
}

int projects_create_named(const char *id, const char *name)
{
	return db_exec(NULL, "INSERT INTO project (id, name) VALUES (?, ?)", "ss", id, name);
}

int projects_insert_super_admin(const char *id, const char *owner_user_id)
{
	return db_exec(NULL, "INSERT INTO project (id, name, super_admin, owner_user_id) VALUES (?, 'Super Admin', TRUE, ?)",
		       "ss", id, owner_user_id);
}

int projects_set_registration(const char *project_id, const char *policy_id)
{
	return db_exec(NULL, "UPDATE project SET default_patient_access_policy_id = ?, updated_at = UTC_TIMESTAMP(3) WHERE id = ?",
		       "ss", policy_id, project_id);
}

int projects_rate_limits(const char *project_id, struct rl_override *out)
{
	struct db_result r;
	if (db_query(&r, "SELECT system_setting FROM project WHERE id = ?", "s", project_id) < 0)
		return -1;
	int rc = r.nrows ? 0 : 1;
	ratelimit_parse_settings(r.nrows ? db_cell(&r, 0, 0) : NULL, out);
	db_result_free(&r);
	return rc;
}

/* The systemSetting list without the two limits, then with them when set. */
static json_t *with_limits(const char *text, int rate, int auth)
{
	json_t *old = text ? json_loads(text, 0, NULL) : NULL, *list = json_array();
	size_t i;
	json_t *s;
	json_array_foreach(old, i, s) {
		const char *name = json_string_value(json_object_get(s, "name"));
		if (!name || (strcmp(name, "rateLimit") && strcmp(name, "authRateLimit")))
			json_array_append(list, s);
	}
	json_decref(old);
	if (rate > 0)
		json_array_append_new(list, json_pack("{s:s, s:i}", "name", "rateLimit", "valueInteger", rate));
	if (auth > 0)
		json_array_append_new(list, json_pack("{s:s, s:i}", "name", "authRateLimit", "valueInteger", auth));
	return list;
}

int projects_set_rate_limits(const char *project_id, int rate, int auth)
{
	struct db_result r;
	int rc = db_query(&r, "SELECT system_setting FROM project WHERE id = ? FOR UPDATE", "s", project_id);
	if (rc == 0) {
		json_t *list = with_limits(r.nrows ? db_cell(&r, 0, 0) : NULL, rate, auth);
		db_result_free(&r);
		char *text = json_array_size(list) ? json_dumps(list, JSON_COMPACT) : NULL;
		json_decref(list);
		rc = db_exec(NULL, "UPDATE project SET system_setting = ?, updated_at = UTC_TIMESTAMP(3) WHERE id = ?", "ss", text,
			     project_id);
		free(text);
	}
	return rc;
}

int projects_import_links(const char *project_id, const char *owner, const char *policy)
{
	return db_exec(NULL,
		       "UPDATE project SET owner_user_id = COALESCE(?, owner_user_id), "
		       "default_patient_access_policy_id = COALESCE(?, default_patient_access_policy_id) WHERE id = ?",
		       "sss", owner, policy, project_id);
}

int projects_by_google_client_id(const char *google_client_id, const char *project_id, char out[37])
{
	struct db_result r;
	out[0] = '\0';
	if (db_query(&r,
		     "SELECT project_id FROM project_google_client WHERE google_client_id = ? AND (? IS NULL OR project_id = ?)",
		     "sss", google_client_id, project_id, project_id) < 0)
		return -1;
	int n = (int)r.nrows;
	if (n == 1)
		text_copy(out, 37, db_cell(&r, 0, 0));
	db_result_free(&r);
	return n;
}

int projects_exists(const char *project_id)
{
	struct db_result r;
	if (db_query(&r, "SELECT 1 FROM project WHERE id = ?", "s", project_id) < 0)
		return -1;
	int rc = r.nrows ? 0 : 1;
	db_result_free(&r);
	return rc;
}

int projects_list(const char *only_project_id, struct db_result *out)
{
	return only_project_id ? db_query(out, "SELECT id, name FROM project WHERE id = ?", "s", only_project_id)
			       : db_query(out, "SELECT id, name FROM project ORDER BY name, id LIMIT 200", "");
}

int projects_list_all(struct db_result *out)
{
	return db_query(out, "SELECT id, name, super_admin FROM project ORDER BY created_at", "");
}

int projects_search(const char *part, struct db_result *out)
{
	char pattern[1100];
	size_t w = 0;
	pattern[w++] = '%';
	/* LIKE's own characters are literal in what the admin typed. */
	for (const char *c = part ? part : ""; *c && w + 4 < sizeof pattern; c++) {
		if (*c == '%' || *c == '_' || *c == '\\')
			pattern[w++] = '\\';
		pattern[w++] = *c;
	}
	pattern[w++] = '%';
	pattern[w] = '\0';
	return db_query(out, "SELECT id, name FROM project WHERE name LIKE ? ORDER BY created_at DESC, id LIMIT 100", "s",
			pattern);
}

int projects_patient_policy(const char *project_id, char name[PROJECT_NAME_SIZE], char policy[37])
{
	struct db_result r;
	name[0] = policy[0] = '\0';
	if (db_query(&r, "SELECT name, default_patient_access_policy_id FROM project WHERE id = ?", "s", project_id) < 0)
		return -1;
	int rc = r.nrows ? 0 : 1;
	if (rc == 0) {
		text_copy(name, PROJECT_NAME_SIZE, db_cell(&r, 0, 0));
		text_copy(policy, 37, db_cell(&r, 0, 1));
	}
	db_result_free(&r);
	return rc;
}

int projects_brand(const char *project_id, char *brand, unsigned brand_cap, char *name, unsigned name_cap)
{
	struct db_result r;
	if (db_query(&r, "SELECT COALESCE(NULLIF(brand_name, ''), 'Tessera'), name FROM project WHERE id = ?", "s",
		     project_id) < 0)
		return -1;
	int rc = r.nrows ? 0 : 1;
	if (rc == 0) {
		text_copy(brand, brand_cap, db_cell(&r, 0, 0));
		text_copy(name, name_cap, db_cell(&r, 0, 1));
	}
	db_result_free(&r);
	return rc;
}

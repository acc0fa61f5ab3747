/* SPDX-License-Identifier: BSD-2-Clause */
/* userconfigs: the UserConfiguration resources (§11.5). */
#include "domain/userconfigs.h"
#include "core/crypto.h"
#include "core/db.h"
#include "core/fhir.h"
#include "domain/shape.h"
#include "domain/storequery.h"
#include "http/input.h"

#include <stdlib.h>
#include <string.h>

#define MAX_CONFIG_JSON 65536
#define MAX_ITEMS 100

#define CONFIG_COLUMNS \
	"SELECT id, project_id, resource, " FHIR_VERSION_SQL("updated_at") ", " FHIR_INSTANT_SQL("updated_at") " "
#define CONFIG_WHERE STORE_WHERE("project_id = ?", "name LIKE ?", "? IS NULL", "? IS NULL")

static const char *const config_fields[] = { "name", "menu", "search", "option", NULL };

static json_t *config_row(const struct db_result *r, unsigned i)
{
	json_t *c = db_cell(r, i, 2) ? json_loads(db_cell(r, i, 2), 0, NULL) : NULL;
	if (!json_is_object(c)) {
		json_decref(c);
		c = json_object();
	}
	json_object_set_new(c, "resourceType", json_string("UserConfiguration"));
	json_object_set_new(c, "id", json_string(db_cell(r, i, 0)));
	fhir_set_meta(c, db_cell(r, i, 1), db_cell(r, i, 3), db_cell(r, i, 4));
	return c;
}

static int config_get(const char *id, json_t **out)
{
	return store_get_row(CONFIG_COLUMNS "FROM user_configuration WHERE id = ?", id, config_row, out);
}

static int config_find(const struct store_query *q, json_t **rows, long long *total)
{
	return store_find_rows(q, 2,
			       q->oldest_first ? CONFIG_COLUMNS "FROM user_configuration " CONFIG_WHERE STORE_OLDEST
					       : CONFIG_COLUMNS "FROM user_configuration " CONFIG_WHERE STORE_NEWEST,
			       "SELECT COUNT(*) FROM user_configuration " CONFIG_WHERE, config_row, rows, total);
}

/* An element of menu, search or option (depth 0), or of a menu's link (depth 1): members that
 * are one-line texts, booleans or integers, and at depth 0 arrays of such elements. */
static bool element_ok(json_t *e, int depth)
{
	if (!json_is_object(e) || json_object_size(e) > 16)
		return false;
	const char *k;
	json_t *v;
	json_object_foreach(e, k, v) {
		if (strlen(k) > 64)
			return false;
		if (json_is_string(v)) {
			if (strlen(json_string_value(v)) > 2048 || !valid_text(json_string_value(v)))
				return false;
		} else if (json_is_array(v) && depth == 0) {
			size_t i;
			json_t *x;
			if (json_array_size(v) > MAX_ITEMS)
				return false;
			json_array_foreach(v, i, x) if (!element_ok(x, depth + 1)) return false;
		} else if (!json_is_boolean(v) && !json_is_integer(v)) {
			return false;
		}
	}
	return true;
}

static bool list_ok(json_t *body, const char *key)
{
	json_t *v = json_object_get(body, key);
	if (!v)
		return true;
	if (!json_is_array(v) || json_array_size(v) > MAX_ITEMS)
		return false;
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e) if (!element_ok(e, 0)) return false;
	return true;
}

static int config_check(json_t *body, json_t *stored, const char *project, json_t **out, struct refusal *err)
{
	(void)stored;
	(void)project;
	const char *name;
	if (!shape_string(body, "name", 255, &name))
		return refuse(err, 400, "Invalid name", "name");
	const char *lists[] = { "menu", "search", "option" };
	for (size_t i = 0; i < 3; i++)
		if (!list_ok(body, lists[i]))
			return refuse(err, 400, "Invalid UserConfiguration", lists[i]);
	json_t *c = json_object();
	if (name)
		json_object_set_new(c, "name", json_string(name));
	for (size_t i = 0; i < 3; i++)
		if (json_object_get(body, lists[i]))
			json_object_set(c, lists[i], json_object_get(body, lists[i]));
	char *text = json_dumps(c, JSON_COMPACT);
	size_t len = text ? strlen(text) : 0;
	free(text);
	if (!len || len > MAX_CONFIG_JSON) {
		json_decref(c);
		return len ? refuse(err, 400, "Resource too large", NULL) : -1;
	}
	*out = c;
	return 0;
}

static int config_insert(const char *project, json_t *c, char id[37], json_t **once, struct refusal *err)
{
	(void)once;
	(void)err;
	char *text = json_dumps(c, JSON_COMPACT);
	int rc = text && store_new_id(id) == 0
			 ? db_exec(NULL, "INSERT INTO user_configuration (id, project_id, name, resource) VALUES (?, ?, ?, ?)",
				   "ssss", id, project, json_string_value(json_object_get(c, "name")), text)
			 : -1;
	free(text);
	return rc < 0 ? -1 : 0;
}

static int config_update(const char *id, const char *version, json_t *c, struct refusal *err)
{
	(void)err;
	char *text = json_dumps(c, JSON_COMPACT);
	unsigned long long n = 0;
	int rc = text ? db_exec(&n,
				"UPDATE user_configuration SET name = ?, resource = ?, updated_at = "
				FHIR_NEXT_UPDATE_SQL("updated_at") " WHERE id = ? AND " FHIR_VERSION_IS_SQL("updated_at"),
				"ssss", json_string_value(json_object_get(c, "name")), text, id, version)
		      : -1;
	free(text);
	return rc < 0 ? -1 : n == 1 ? 0 : 2;
}

static int config_remove(const char *id, const char *version, struct refusal *err)
{
	(void)err;
	unsigned long long n = 0;
	if (db_exec(&n, "DELETE FROM user_configuration WHERE id = ? AND " FHIR_VERSION_IS_SQL("updated_at"), "ss", id,
		    version) < 0)
		return -1;
	return n == 1 ? 0 : 2;
}

const struct resource_store userconfigs_store = {
	.type = "UserConfiguration",
	.get = config_get,
	.find = config_find,
	.find_by = STORE_BY_NAME,
	.fields = config_fields,
	.check = config_check,
	.insert = config_insert,
	.update = config_update,
	.remove = config_remove,
};

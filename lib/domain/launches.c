/* SPDX-License-Identifier: BSD-2-Clause */
/* launches: SmartAppLaunch rows. */
#include "domain/launches.h"
#include "core/crypto.h"
#include "core/db.h"
#include "core/fhir.h"
#include "domain/people.h"
#include "domain/shape.h"
#include "domain/storequery.h"

#include <string.h>

int launches_exists(const char *id, const char *project)
{
	struct db_result r;
	const char *p = project && *project ? project : NULL;
	if (db_query(&r, "SELECT 1 FROM smart_app_launch WHERE id = ? AND (? IS NULL OR project_id = ?)", "sss", id, p, p) < 0)
		return -1;
	int rc = r.nrows > 0 ? 0 : 1;
	db_result_free(&r);
	return rc;
}

static int launch_check(json_t *body, json_t *stored, const char *project, json_t **out, struct refusal *err)
{
	(void)stored;
	char patient[37], encounter[37];
	if (!shape_reference(body, "patient", "Patient", patient))
		return refuse(err, 400, "Invalid patient", "patient");
	if (!shape_reference(body, "encounter", "Encounter", encounter))
		return refuse(err, 400, "Invalid encounter", "encounter");
	if (patient[0]) {
		int found = people_profile_in_project(patient, "Patient", project);
		if (found < 0)
			return -1;
		if (!found)
			return refuse(err, 400, "Invalid patient", "patient");
	}
	*out = json_pack("{s:s}", "resourceType", "SmartAppLaunch");
	if (patient[0])
		json_object_set_new(*out, "patient", fhir_reference("Patient", patient, NULL));
	if (encounter[0])
		json_object_set_new(*out, "encounter", fhir_reference("Encounter", encounter, NULL));
	return 0;
}

#define LAUNCH_COLUMNS \
	"SELECT id, project_id, patient_id, encounter_id, " FHIR_VERSION_SQL("updated_at") ", " \
	FHIR_INSTANT_SQL("updated_at") " FROM smart_app_launch "

static json_t *launch_row(const struct db_result *r, unsigned i)
{
	json_t *l = json_pack("{s:s, s:s}", "resourceType", "SmartAppLaunch", "id", db_cell(r, i, 0));
	if (db_cell(r, i, 2))
		json_object_set_new(l, "patient", fhir_reference("Patient", db_cell(r, i, 2), NULL));
	if (db_cell(r, i, 3))
		json_object_set_new(l, "encounter", fhir_reference("Encounter", db_cell(r, i, 3), NULL));
	fhir_set_meta(l, db_cell(r, i, 1), db_cell(r, i, 4), db_cell(r, i, 5));
	return l;
}

static int launch_get(const char *id, json_t **out)
{
	return store_get_row(LAUNCH_COLUMNS "WHERE id = ?", id, launch_row, out);
}

#define LAUNCH_WHERE STORE_WHERE("project_id = ?", "? IS NULL", "? IS NULL", "? IS NULL")

static int launch_find(const struct store_query *q, json_t **rows, long long *total)
{
	return store_find_rows(q, 2, q->oldest_first ? LAUNCH_COLUMNS LAUNCH_WHERE STORE_OLDEST : LAUNCH_COLUMNS LAUNCH_WHERE STORE_NEWEST,
			       "SELECT COUNT(*) FROM smart_app_launch " LAUNCH_WHERE, launch_row, rows, total);
}

static void ids_of(json_t *l, char patient[37], char encounter[37])
{
	patient[0] = encounter[0] = '\0';
	fhir_reference_id(json_object_get(l, "patient"), "Patient", patient);
	fhir_reference_id(json_object_get(l, "encounter"), "Encounter", encounter);
}

static int launch_insert(const char *project, json_t *l, char id[37], json_t **once, struct refusal *err)
{
	(void)once;
	(void)err;
	char patient[37], encounter[37];
	ids_of(l, patient, encounter);
	if (crypto_uuid_v4(id) < 0)
		return -1;
	return db_exec(NULL, "INSERT INTO smart_app_launch (id, project_id, patient_id, encounter_id) VALUES (?, ?, ?, ?)",
		       "ssss", id, project, patient[0] ? patient : NULL, encounter[0] ? encounter : NULL) < 0
		       ? -1
		       : 0;
}

static int launch_update(const char *id, const char *version, json_t *l, struct refusal *err)
{
	(void)err;
	char patient[37], encounter[37];
	ids_of(l, patient, encounter);
	unsigned long long n = 0;
	if (db_exec(&n,
		    "UPDATE smart_app_launch SET patient_id = ?, encounter_id = ?, updated_at = " FHIR_NEXT_UPDATE_SQL("updated_at")
		    " WHERE id = ? AND " FHIR_VERSION_IS_SQL("updated_at"),
		    "ssss", patient[0] ? patient : NULL, encounter[0] ? encounter : NULL, id, version) < 0)
		return -1;
	return n == 1 ? 0 : 2;
}

static int launch_remove(const char *id, const char *version, struct refusal *err)
{
	(void)err;
	unsigned long long n = 0;
	if (db_exec(&n, "DELETE FROM smart_app_launch WHERE id = ? AND " FHIR_VERSION_IS_SQL("updated_at"), "ss", id,
		    version) < 0)
		return -1;
	return n == 1 ? 0 : 2;
}

const struct resource_store launches_store = {
	.type = "SmartAppLaunch",
	.get = launch_get,
	.find = launch_find,
	.check = launch_check,
	.insert = launch_insert,
	.update = launch_update,
	.remove = launch_remove,
};

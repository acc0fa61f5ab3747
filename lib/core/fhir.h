/* SPDX-License-Identifier: BSD-2-Clause */
/* fhir: small builders for the FHIR shapes every stage returns (references). */
#ifndef TESSERA_FHIR_H
#define TESSERA_FHIR_H
#include <jansson.h>
#include <stdbool.h>

/* {"reference":"Type/id","display":"..."}; display omitted when NULL or empty. */
json_t *fhir_reference(const char *type, const char *id, const char *display);

/* The id of a Reference object {"reference":"<type>/<uuid>"}: false for anything else (another
 * type, a missing or malformed reference, an id that is not a UUID). */
bool fhir_reference_id(json_t *ref, const char *type, char id_out[37]);

/* An ISO 8601 date or date-time (YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|±HH:MM]) as the UTC
 * "YYYY-MM-DD HH:MM:SS" MariaDB compares with. false for anything else. */
bool fhir_datetime_utc(const char *s, char out[20]);

/* A resource's version and last update come from its row's updated_at (DATETIME(3), UTC), so
 * every writer that moves updated_at makes a new version: SQL expressions for the versionId
 * (digits), the lastUpdated instant, the next updated_at (always later than the current one,
 * even within one millisecond) and a WHERE condition on the version a writer read. */
#define FHIR_VERSION_SQL(col) "DATE_FORMAT(" col ", '%Y%m%d%H%i%s%f')"
#define FHIR_INSTANT_SQL(col) "DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%s.%fZ')"
#define FHIR_NEXT_UPDATE_SQL(col) "GREATEST(UTC_TIMESTAMP(3), " col " + INTERVAL 1000 MICROSECOND)"
#define FHIR_VERSION_IS_SQL(col) FHIR_VERSION_SQL(col) " = ?"

/* Sets meta {project (unless NULL), versionId, lastUpdated} on a resource. */
void fhir_set_meta(json_t *resource, const char *project, const char *version, const char *last_updated);

#endif

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

#endif

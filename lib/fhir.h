/* fhir: small builders for the FHIR shapes every stage returns (references). */
#ifndef TESSERA_FHIR_H
#define TESSERA_FHIR_H
#include <jansson.h>

/* {"reference":"Type/id","display":"..."}; display omitted when NULL or empty. */
json_t *fhir_reference(const char *type, const char *id, const char *display);

#endif

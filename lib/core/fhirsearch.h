/* SPDX-License-Identifier: BSD-2-Clause */
/* fhirsearch: FHIR search parameters matched against a resource's JSON, with no database: the
 * criteria of access policies (PROTOCOL.md §11.1, "Patient?_compartment=Patient/<id>") and the
 * resource API's search filters that SQL does not answer (§11.5: the owners' find takes _id, name,
 * email and identifier; what is left is matched here) use the same rules.
 *
 * A query is "a=1&b=2,3": every parameter must match (AND), any of a parameter's comma-separated
 * values may (OR). Percent-escapes are decoded. Parameters:
 *   _id            the resource's id
 *   _project       meta.project
 *   _compartment   Type/id: the resource is that resource, or refers to it anywhere inside
 *   name           a string name (starts with, case-insensitive), or a HumanName's text,
 *                  family or any given name (the same)
 *   email          email, or a telecom with system email (case-insensitive, exact)
 *   identifier     identifier[]: system|value, |value, system| or value
 *   anything else  the top-level member of that name: a string (case-insensitive, exact), a
 *                  boolean ("true"/"false"), a number, a Reference (Type/id or the id), or an
 *                  array of these (any element)
 * A modifier (name:exact), a prefix-less unknown member or a malformed query matches nothing:
 * criteria fail closed. */
#ifndef TESSERA_FHIRSEARCH_H
#define TESSERA_FHIRSEARCH_H
#include <jansson.h>
#include <stdbool.h>

/* Every parameter of the query matches the resource ("" and NULL match everything). */
bool fhirsearch_match(json_t *resource, const char *query);
/* One parameter (already decoded) against the resource. */
bool fhirsearch_param(json_t *resource, const char *name, const char *value);
/* Splits criteria "Type?query": type_out gets the type (at most 64 bytes, else false), *query
 * points after '?' ("" when there is none). */
bool fhirsearch_split(const char *criteria, char type_out[65], const char **query);

#endif

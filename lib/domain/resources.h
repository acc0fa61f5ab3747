/* SPDX-License-Identifier: BSD-2-Clause */
/* resources: the resource API (/fhir/R4/<Type>, issue 16) for the types Tessera owns. Every
 * access is decided here with the caller's effective policy (lib/domain/accesspolicy.h): the
 * type must be reachable for the interaction, the resource must belong to the caller's project
 * (super admins: any) and match an entry's criteria; hidden fields are removed from everything
 * handed out, hidden and read-only fields keep their stored values on an update, and a write
 * must leave a resource the caller could still write. The owners of the tables
 * (lib/domain/store.h) read, check and write.
 *
 * Refusals (struct refusal): 403 Forbidden (the type or interaction is not allowed, or a write
 * the criteria refuse), 404 Not found (unknown, another project's, or not readable: never
 * whether it exists), 412 Precondition Failed (If-Match names another version), 400 with the
 * owner's text for a body it refuses. */
#ifndef TESSERA_RESOURCES_H
#define TESSERA_RESOURCES_H
#include "core/refusal.h"
#include "domain/store.h"
#include <jansson.h>
#include <stdbool.h>

struct resource_caller {
	json_t *policy;          /* the effective AccessPolicy */
	const char *project;     /* the caller's project */
	bool super_admin;
};

/* The owner of a type, or NULL when Tessera does not serve it. */
const struct resource_store *resources_store(const char *type);

/* Each: 0 done (*out), 1 refused (err), -1 failure. */
int resources_read(const struct resource_caller *c, const char *type, const char *id, json_t **out,
		   struct refusal *err);
int resources_search(const struct resource_caller *c, const char *type, const struct resource_search *s,
		     json_t **bundle, struct refusal *err);
/* *out is the created resource, with members shown only once (a client's secret). */
int resources_create(const struct resource_caller *c, const char *type, json_t *body, json_t **out,
		     struct refusal *err);
/* if_match: the version the client holds (NULL: none). */
int resources_update(const struct resource_caller *c, const char *type, const char *id, const char *if_match,
		     json_t *body, json_t **out, struct refusal *err);
int resources_delete(const struct resource_caller *c, const char *type, const char *id, const char *if_match,
		     struct refusal *err);

/* Keeps only the named top-level members (and resourceType, id, meta). */
void resources_elements(json_t *resource, const char *elements);

#endif

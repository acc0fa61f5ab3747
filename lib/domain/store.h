/* SPDX-License-Identifier: BSD-2-Clause */
/* store: what the resource API (lib/domain/resources.c) asks of the module that owns a
 * resource type's table. Each owner (policies, clients, members, projects, domains, launches,
 * people) declares one `const struct resource_store`; resources.c decides who may do what with
 * the caller's effective policy, the owners only read, check and write their rows.
 *
 * A resource handed out carries id and meta {project (not for global types), versionId,
 * lastUpdated}; versionId is the row's updated_at as digits (core/fhir.h FHIR_VERSION_SQL). */
#ifndef TESSERA_STORE_H
#define TESSERA_STORE_H
#include "core/crypto.h"
#include "core/refusal.h"
#include <jansson.h>
#include <stdbool.h>

/* How many rows a search reads before filtering (criteria, parameters) and paging. */
#define STORE_SCAN 1000

struct resource_store {
	const char *type;
	bool global;      /* no project: only super admins (DomainConfiguration) */
	/* 0 found (*out), 1 not found (also for ids that are not UUIDs), -1. */
	int (*get)(const char *id, json_t **out);
	/* The newest STORE_SCAN resources of a project (NULL: of every project). 0 or -1. */
	int (*list)(const char *project, json_t **out);
	/* The body as it would be stored (*out, without id and meta), checked: stored is the
	 * current resource on an update, NULL on a create. 0, 1 refused (err), -1. */
	int (*check)(json_t *body, json_t *stored, const char *project, json_t **out, struct refusal *err);
	/* Inserts a checked resource in project: 0 (id_out; *shown_once may receive members shown
	 * only in this answer, such as a client's secret), 1 refused, -1. NULL: no create.
	 * id_out arrives empty for a new id, or holding the id to keep (tessera-admin import keeps
	 * the ids of a Medplum export: store_new_id). Opens no transaction of its own. */
	int (*insert)(const char *project, json_t *resource, char id_out[37], json_t **shown_once, struct refusal *err);
	/* Replaces the row if its version is still `version`: 0, 1 refused, 2 the version moved, -1. */
	int (*update)(const char *id, const char *version, json_t *resource, struct refusal *err);
	/* Deletes the row if its version is still `version`: 0, 1 refused, 2 moved, -1. NULL: no delete. */
	int (*remove)(const char *id, const char *version, struct refusal *err);
};

/* The id of a new row: the one id holds when it is a UUID (an import keeps it), else a fresh
 * UUID v4. 0 or -1. */
static inline int store_new_id(char id[37])
{
	return crypto_is_uuid(id) ? 0 : crypto_uuid_v4(id);
}

#endif

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
#include "core/refusal.h"
#include <jansson.h>
#include <stdbool.h>

/* How many rows a search reads before filtering (criteria, parameters) and paging. */
#define STORE_SCAN 1000

/* A search (the stores that search in SQL see it too). */
struct resource_search {
	json_t *params;          /* {name: value} filters (fhirsearch), controls excluded; a
	                          * repeated date is an array of its values */
	unsigned count;          /* _count */
	unsigned offset;         /* _offset */
	bool oldest_first;       /* _sort=_lastUpdated (default: newest first) */
	const char *elements;    /* _elements: comma-separated top-level members, or NULL */
	const char *project;     /* _project (super admins), or NULL */
	const char *base_url;    /* "<baseUrl>fhir/R4/" for fullUrl */
};

struct resource_store {
	const char *type;
	bool global;      /* no project: only super admins (DomainConfiguration) */
	/* 0 found (*out), 1 not found (also for ids that are not UUIDs), -1. */
	int (*get)(const char *id, json_t **out);
	/* The newest STORE_SCAN resources of a project (NULL: of every project). 0 or -1. */
	int (*list)(const char *project, json_t **out);
	/* Optional (NULL: list and filter in memory): a store that filters, sorts and pages in SQL
	 * itself (AuditEvent). The page (*out, at most q->count resources after q->offset) of a
	 * project (NULL: every project) with q's parameters; a parameter it does not know is
	 * refused (400). 0, 1 refused (err), -1. */
	int (*search)(const char *project, const struct resource_search *q, json_t **out, struct refusal *err);
	/* A read-only type (Login, AuditEvent, UserSecurityRequest) leaves check, insert, update
	 * and remove NULL: every write is 403, whatever the policy says. */
	/* The body as it would be stored (*out, without id and meta), checked: stored is the
	 * current resource on an update, NULL on a create. 0, 1 refused (err), -1. */
	int (*check)(json_t *body, json_t *stored, const char *project, json_t **out, struct refusal *err);
	/* Inserts a checked resource in project: 0 (id_out; *shown_once may receive members shown
	 * only in this answer, such as a client's secret), 1 refused, -1. NULL: no create. */
	int (*insert)(const char *project, json_t *resource, char id_out[37], json_t **shown_once, struct refusal *err);
	/* Replaces the row if its version is still `version`: 0, 1 refused, 2 the version moved, -1. */
	int (*update)(const char *id, const char *version, json_t *resource, struct refusal *err);
	/* Deletes the row if its version is still `version`: 0, 1 refused, 2 moved, -1. NULL: no delete. */
	int (*remove)(const char *id, const char *version, struct refusal *err);
};

#endif

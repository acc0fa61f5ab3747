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

/* How many rows a search reads when it must filter in C (a policy's criteria, a hidden field,
 * a parameter SQL does not answer) before paging. */
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

/* A search the owner answers in SQL (PROTOCOL.md §11.5): filters (NULL: none), order and page. */
struct store_query {
	const char *project;     /* meta.project (a User: also the projects of its memberships); NULL any */
	const char *ids;         /* _id: comma-separated ids (FIND_IN_SET) */
	const char *name_like;   /* name: a LIKE pattern, the value with %, _ and \ escaped, then % */
	const char *email;       /* email: lower-cased, exact */
	const char *identifier;  /* identifier: JSON {"system"?, "value"} for JSON_CONTAINS */
	unsigned limit, offset;
	bool oldest_first;       /* _sort=_lastUpdated; else newest first */
};

/* Which filters a store's find answers (the others cannot match its resources). */
enum { STORE_BY_NAME = 1, STORE_BY_EMAIL = 2, STORE_BY_IDENTIFIER = 4 };

/* The WHERE clause of a find, bound by store_find_rows (lib/domain/storequery.h) in this order:
 * the project (any `?` of the statement's joins before the WHERE, then "? IS NULL OR"
 * project_cond), _id, name, email, identifier. Each cond holds one `?`; a filter a store does not
 * answer is "? IS NULL". */
#define STORE_WHERE(project_cond, name_cond, email_cond, identifier_cond)                                   \
	"WHERE (? IS NULL OR " project_cond ") AND (? IS NULL OR FIND_IN_SET(id, ?)) AND (? IS NULL OR " name_cond \
	") AND (? IS NULL OR " email_cond ") AND (? IS NULL OR " identifier_cond ") "
#define STORE_NEWEST "ORDER BY updated_at DESC, id LIMIT ? OFFSET ?"
#define STORE_OLDEST "ORDER BY updated_at, id LIMIT ? OFFSET ?"

struct resource_store {
	const char *type;
	bool global;      /* no project: only super admins (DomainConfiguration) */
	/* 0 found (*out), 1 not found (also for ids that are not UUIDs), -1. */
	int (*get)(const char *id, json_t **out);
	/* The page of resources the query selects (*rows, an array) and, when total is not NULL,
	 * how many match in all. 0 or -1. NULL only for a store with search (below). */
	int (*find)(const struct store_query *q, json_t **rows, long long *total);
	unsigned find_by;         /* STORE_BY_* */
	/* A resource that belongs to a project by other means than meta.project (a User by a
	 * membership): 1 yes, 0 no, -1. Such a resource is readable there, never writable. */
	int (*linked)(const char *id, const char *project);
	/* The top-level members a body may have besides resourceType, id and meta (NULL-terminated);
	 * any other is refused (400). NULL: the owner's check decides. */
	const char *const *fields;
	/* Optional (NULL: find): a store that takes the search's parameters itself, all of them in
	 * its own SQL (AuditEvent: dates, types, entities). The page (*out, at most q->count resources after q->offset) of a
	 * project (NULL: every project) with q's parameters; a parameter it does not know is
	 * refused (400). 0, 1 refused (err), -1. */
	int (*search)(const char *project, const struct resource_search *q, json_t **out, struct refusal *err);
	/* A read-only type (Login, AuditEvent, UserSecurityRequest) leaves check, insert, update
	 * and remove NULL: every write is 403, whatever the policy says. */
	/* The body as it would be stored (*out, without id and meta), checked: stored is the
	 * current resource on an update, NULL on a create. 0, 1 refused (err), -1. */
	int (*check)(json_t *body, json_t *stored, const char *project, json_t **out, struct refusal *err);
	/* Inserts a checked resource in project: 0 (id_out; *shown_once may receive members shown
	 * only in this answer, such as a client's secret), 1 refused, -1. NULL: no create.
	 * id_out arrives empty for a new id, or holding the id to keep (tessera-admin import keeps
	 * the ids of a Medplum export: store_new_id). Opens no transaction of its own. */
	int (*insert)(const char *project, json_t *resource, char id_out[37], json_t **shown_once, struct refusal *err);
	/* Replaces the row if its version is still `version`: 0, 1 refused, 2 the version moved, -1.
	 * NULL: no update. */
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

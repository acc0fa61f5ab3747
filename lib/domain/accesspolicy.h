/* SPDX-License-Identifier: BSD-2-Clause */
/* accesspolicy: the effective access policy of a membership (PROTOCOL.md §11.1), the SMART
 * scopes of its login intersected with it (§11.2), the IP rules (§11.3, §S.10), and the
 * decisions the resource API takes with it: may this caller read, search, create, update or
 * delete this resource, which fields are hidden, which cannot be changed. Pure: no database
 * (lib/domain/policies.c loads the stored policies and calls it).
 *
 * Decisions where the protocol is silent or Medplum is loose:
 * - A policy that names no resource grants nothing (Medplum falls back to full access); only
 *   a membership with no policy at all gets the full-access entry {resourceType: "*"}.
 * - The administration types (ACCESSPOLICY_ADMIN_TYPES) are never reached through "*": a
 *   member's own policy entries for them are dropped, and only the admin rules grant them.
 *   One exception for every member who is not an admin: a read-only Login entry for their own
 *   sign-ins, "Login?profile=<profile>" (PROTOCOL.md §11.4).
 * - The admin rules are applied before the SMART scopes, so a narrow scope narrows an admin's
 *   application too (Medplum adds the admin entries after the scopes).
 * - A scope's letters become the entry's interactions (c create, r read/vread/history, u
 *   update, d delete, s search), intersected with the entry's own; readonly is set when no
 *   write is left.
 * - A policy's compartment applies to each of its entries that has none of its own.
 * - Hidden and read-only fields are the union over every entry for the type (the strictest).
 * - Criteria whose type is neither the entry's nor "*", unknown parameters and unresolved
 *   %parameters match nothing. */
#ifndef TESSERA_ACCESSPOLICY_H
#define TESSERA_ACCESSPOLICY_H
#include <jansson.h>
#include <stdbool.h>

/* Interactions, as bits. */
enum {
	AP_READ = 1, AP_VREAD = 2, AP_HISTORY = 4, AP_SEARCH = 8, AP_CREATE = 16, AP_UPDATE = 32, AP_DELETE = 64,
	AP_READS = AP_READ | AP_VREAD | AP_HISTORY | AP_SEARCH,
	AP_WRITES = AP_CREATE | AP_UPDATE | AP_DELETE,
	AP_ALL = AP_READS | AP_WRITES,
};

/* Project-administration resource types (§11.1 step 5), NULL-terminated. */
extern const char *const ACCESSPOLICY_ADMIN_TYPES[];
bool accesspolicy_admin_type(const char *type);

struct ap_membership {
	/* The membership's policies in order: [{"policy": <AccessPolicy JSON>, "parameter": [...]?}]
	 * (the membership's accessPolicy first, without parameters, then access[]); NULL or []
	 * when it has none. Borrowed. */
	json_t *policies;
	const char *profile;      /* the membership's profile, "Patient/<id>" */
	const char *project_id;
	bool admin;               /* a project admin */
	bool super_admin;         /* a member of a superAdmin project */
};

/* The effective AccessPolicy for a login with this scope (NULL or "" for none). NULL when out
 * of memory. */
json_t *accesspolicy_build(const struct ap_membership *m, const char *scope);

/* Substitutes the parameters into every string of a policy (a copy is returned): %name.id and
 * %name from params [{name, valueString|valueReference}], then the implicit profile and patient. */
json_t *accesspolicy_substitute(json_t *policy, json_t *params, const char *profile);

/* Whether some entry for the type allows any of the interactions in ops (criteria not
 * considered: the type is reachable at all). */
bool accesspolicy_allows_type(json_t *policy, const char *type, unsigned ops);
/* Whether some entry for the type allows an interaction in ops and its criteria and
 * compartment match the resource. */
bool accesspolicy_allows(json_t *policy, const char *type, json_t *resource, unsigned ops);
/* Whether some entry for the type allows an interaction in ops with neither criteria nor a
 * compartment: every resource of the type in the caller's reach is allowed (a search can then
 * be filtered and paged by the database alone). */
bool accesspolicy_allows_all(json_t *policy, const char *type, unsigned ops);
/* Whether an entry for the type hides the top-level member `field` or a path inside it. */
bool accesspolicy_hides(json_t *policy, const char *type, const char *field);
/* Removes the hidden fields (dotted paths) of every entry for the type. */
void accesspolicy_hide(json_t *policy, const char *type, json_t *resource);
/* An update: the hidden and read-only fields of the type take their stored values again
 * (removed when the stored resource has none), so they can neither be read nor changed. */
void accesspolicy_restore(json_t *policy, const char *type, json_t *updated, json_t *stored);

/* IP access rules (§11.3): the first rule whose value matches the address decides (allow or
 * block; any other action blocks); no match allows. A value matches when it is "*", equals
 * the address, is a CIDR network containing it (IPv4 or IPv6, §S.10), or a string prefix of
 * it. IPv4-mapped IPv6 addresses are matched as IPv4. */
bool accesspolicy_ip_allowed(json_t *rules, const char *addr);
bool accesspolicy_ip_rule_matches(const char *value, const char *addr);
/* A rule value a policy may store: "*", an address or prefix of one, or a CIDR network. */
bool accesspolicy_ip_value_valid(const char *value);

#endif

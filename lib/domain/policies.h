/* SPDX-License-Identifier: BSD-2-Clause */
/* policies: the access_policy table's owner. Loads a membership's stored policies and builds
 * its effective policy (lib/domain/accesspolicy.c, PROTOCOL.md §11); checks the IP rules at
 * sign-in, refresh and client credentials (§11.3); and the AccessPolicy resource's rows for
 * the resource API. */
#ifndef TESSERA_POLICIES_H
#define TESSERA_POLICIES_H
#include <jansson.h>
#include <stdbool.h>
#include "domain/store.h"

/* The effective AccessPolicy of a membership for a login's scope (NULL or ""): 0 (*out set),
 * 1 no such membership, -1 database failure. A policy the membership names that is gone, or
 * belongs to another project, grants nothing (never full access). Without admin_rights (a token
 * of a registered client, auth.third_party) the membership's admin and super admin rules are
 * left out. */
int policies_effective(const char *membership_id, const char *scope, bool admin_rights, json_t **out);
/* The same from the membership's columns a caller has read already (the authentication's
 * query: /auth/me costs no second round trip unless the membership's access[] names
 * policies). policy_text must be the access_policy row of that id within the membership's
 * project (NULL when missing). 0 or -1. */
struct policies_membership {
	const char *project_id, *profile_type, *profile_id;
	bool admin, super_admin;
	const char *policy_id, *policy_text, *access_text;
};
int policies_effective_of(const struct policies_membership *pm, const char *scope, json_t **out);

/* The IP rules of the membership's policies against an address: 0 allowed, 1 blocked
 * (400 "IP address not allowed"), -1 database failure. No membership: allowed (the caller
 * refuses it for its own reason). */
int policies_ip_check(const char *membership_id, const char *addr);
/* The same for the membership of a Login (the refresh grant). */
int policies_ip_check_login(const char *login_id, const char *addr);
#define POLICIES_IP_REFUSED "IP address not allowed"

/* The policy exists in the project: 1 yes, 0 no, -1. */
int policies_in_project(const char *policy_id, const char *project_id);
/* Every access policy a membership's fields name (accessPolicy and access[].policy) must exist
 * and belong to the project: Medplum's texts "Access policy AccessPolicy/<id> does not exist"
 * and "... does not belong to this project". 0, 1 refused (err filled), -1 database failure. */
struct member_fields;
struct refusal;
int policies_check_named(const struct member_fields *f, const char *project_id, struct refusal *err);

/* AccessPolicy resources (name, compartment, resource[], ipAccessRule[]) for the resource API:
 * entries and rules are checked (resource types, criteria of the entry's type, interactions,
 * field names, IP rule values and actions); writeConstraint is refused (not enforced). */
extern const struct resource_store policies_store;

#endif

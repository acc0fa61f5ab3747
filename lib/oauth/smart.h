/* SPDX-License-Identifier: BSD-2-Clause */
/* smart: SMART App Launch scope words (PROTOCOL.md §11.2): parsing and the "is covered by" rule the
 * scope stage applies (§6.8). */
#ifndef TESSERA_SMART_H
#define TESSERA_SMART_H
#include <stdbool.h>
#include <stddef.h>

struct smart_scope {
	char type[8];          /* patient | user | system */
	char resource[65];     /* a resource type or * */
	char perms[6];         /* subset of "cruds", in that order */
	const char *criteria;  /* points into the parsed word after '?', or NULL */
	size_t criteria_len;
};

/* Parses one scope word; false when the word is not a SMART scope. */
bool smart_parse(const char *word, size_t len, struct smart_scope *out);
/* Every SMART word of `requested` is covered by a SMART word of `granted` (same type and
 * resource, permissions a subset, identical criteria when the granted one has any).
 * Non-SMART words are not checked (Medplum's rule). */
bool smart_scope_covered(const char *granted, const char *requested);

/* Every word that starts like a SMART scope (patient/, user/, system/) is one: false for a
 * malformed one such as "patient/Observation.rw" or "user/Patient.readx" (invalid_scope). */
bool smart_scope_wellformed(const char *scope);

/* Whether a token of this scope is narrowed (PROTOCOL.md §11.2): it has a SMART word, and none
 * of its SMART words is a whole one (resource "*", every permission, no criteria). A scope
 * without SMART words (openid, offline_access) narrows nothing. The admin API and acting on
 * behalf of others are for unnarrowed tokens only: the resource API drops what a narrowed
 * scope does not name, administration types included. */
bool smart_scope_narrows(const char *scope);

#endif

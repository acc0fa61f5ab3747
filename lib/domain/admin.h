/* SPDX-License-Identifier: BSD-2-Clause */
/* admin: who may administer which project (PROTOCOL.md §9 verifyProjectAdmin), one rule for the admin
 * API (cgi-bin/manage-api.c) and the admin pages (cgi-bin/manage-pages.c). */
#ifndef TESSERA_ADMIN_H
#define TESSERA_ADMIN_H
#include <jansson.h>
#include <stdbool.h>

struct auth;

/* The project a caller may act on: a super admin (a member of a super_admin project) on the
 * path's project, which must exist; a project admin on their own project only (another
 * project's id is refused; Medplum silently uses the caller's own project instead). A NULL
 * path_project means the caller's own project. Returns 0 (project filled), 403 not allowed,
 * 404 no such project (super admins), -1 database failure. */
int admin_project_for(const struct auth *a, const char *path_project, char project[37]);

/* Whether the caller's credentials carry administrator rights at all: a token narrowed by a
 * SMART scope (smart_scope_narrows: what an app the admin signed in to gets) does not, as the
 * resource API drops the administration types from it; a page session, Basic and an unnarrowed
 * token do. The admin API's guard and X-Medplum-On-Behalf-Of ask it first. */
bool admin_rights_whole(const struct auth *a);

/* The projects the caller administers, as [{id, name}] ordered by name: their own project for
 * a project admin, every project (at most 200) for a super admin, [] for anyone else. 0 or -1. */
int admin_projects_of(const struct auth *a, json_t **out);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* projects: the Project rows' settings that admins read and change. */
#ifndef TESSERA_PROJECTS_H
#define TESSERA_PROJECTS_H
#include <stdbool.h>

struct db_result;
#include "domain/store.h"

/* The longest project name in bytes: what its readers hold (PROJECT_NAME_SIZE buffers in
 * project_settings, mailing, clients, grants, the admin and registration pages), so what
 * registration, the resource API and tessera-admin accept. A longer stored name (an old row, an
 * import) is cut before a character by text_copy, never inside one (it was: GET settings 500). */
#define PROJECT_NAME_MAX 255
/* The longest brand name in bytes: what struct project_settings holds, so what the admin API and
 * the settings page accept (a longer one would be cut mid-character on every read). */
#define PROJECT_BRAND_MAX 255
/* Buffers that hold a project's name or brand: every reader sizes from these. */
#define PROJECT_NAME_SIZE (PROJECT_NAME_MAX + 1)
#define PROJECT_BRAND_SIZE (PROJECT_BRAND_MAX + 1)

struct project_settings {
	char id[37];
	char name[PROJECT_NAME_MAX + 1];
	char brand_name[PROJECT_BRAND_MAX + 1]; /* "" when the project has none */
	bool mfa_required;
	char allowed_mfa_methods[32];
	bool email_verification_required; /* members with unverified addresses cannot sign in */
	bool client_registration;  /* accepts dynamic client registration (PROTOCOL.md §7.6) */
};

/* 0 read, 1 no such project, -1 database failure. */
int projects_settings(const char *project_id, struct project_settings *out);
/* Sets the brand name (NULL or "" goes back to the default); mfa_required ("0"/"1"),
 * allowed_mfa_methods, email_verification_required and client_registration ("0"/"1") stay as
 * they are when NULL. 0 or -1. */
int projects_update_settings(const char *project_id, const char *brand_name, const char *mfa_required,
			     const char *allowed_mfa_methods, const char *email_verification_required,
			     const char *client_registration);
/* Opens (true) or closes dynamic client registration for the project (PROTOCOL.md §7.6),
 * nothing else changed. 0 or -1. */
int projects_set_client_registration(const char *project_id, bool open);
/* Whether the project refuses sign-in to unverified addresses: 1 yes, 0 no (or no such
 * project), -1. */
int projects_email_verification_required(const char *project_id);
/* The project's name into name (cap bytes, "" when there is no such project). 0 or -1. */
int projects_name(const char *project_id, char *name, unsigned cap);

/* Project resources for the resource API: name, description, strictMode, superAdmin, features,
 * setting, systemSetting, site (each googleClientId held by this project alone, in the table
 * project_google_client written in the same transaction), defaultPatientAccessPolicy (an AccessPolicy of the project itself:
 * it opens patient self-registration, §6.11); owner is read-only. meta.project is the
 * project's own id. Created by super admins only; never deleted here. */
extern const struct resource_store projects_store;

/* A new project owned by a user, in strict mode (PROTOCOL.md §6.12). 0 or -1. */
int projects_insert(const char *id, const char *name, const char *owner_user_id);
/* tessera-admin project create: a project the operator names, without an owner. 0 or -1. */
int projects_create_named(const char *id, const char *name);
/* The first super admin's project (tessera-admin seed, setup), owned by that user. 0 or -1. */
int projects_insert_super_admin(const char *id, const char *owner_user_id);

/* Patient self-registration (§6.11) opened with this AccessPolicy of the project, or closed
 * (NULL). The caller has checked the policy is the project's. 0 or -1. */
int projects_set_registration(const char *project_id, const char *policy_id);
/* The project's own per-IP limits (systemSetting rateLimit, authRateLimit; 0: the server's). 0,
 * 1 no such project, -1. */
struct rl_override;
int projects_rate_limits(const char *project_id, struct rl_override *out);
/* Sets them (0 removes the project's own, back to the server's), keeping every other
 * systemSetting; inside the caller's transaction (the row is locked until it ends). Only the
 * operator's to change: super admins. 0 or -1. */
int projects_set_rate_limits(const char *project_id, int rate_limit, int auth_rate_limit);
/* An imported project's owner (a User) and defaultPatientAccessPolicy (its own AccessPolicy);
 * NULL leaves each as it is. 0 or -1. */
int projects_import_links(const char *project_id, const char *owner_user_id, const char *patient_policy_id);
/* The project that holds this Google client id (PROTOCOL.md §6.3: one at most; its site lists it),
 * when it is project_id or project_id is NULL: 1 with out, 0 none, -1. */
int projects_by_google_client_id(const char *google_client_id, const char *project_id, char out[37]);
/* The refusal of a site that lists a Google client id another project holds, or the server's own. */
#define PROJECTS_GOOGLE_CLIENT_TAKEN "googleClientId is already in use"
/* 0 the project exists, 1 not, -1. */
int projects_exists(const char *project_id);
/* Rows id, name: every project by name (at most 200), or the one given. 0 or -1. */
int projects_list(const char *only_project_id, struct db_result *out);
/* tessera-admin project list: rows id, name, super_admin (SQL boolean) of every project,
 * oldest first. 0 or -1. */
int projects_list_all(struct db_result *out);
/* The newest projects (at most 100) whose name contains `part` ("" every one), for super
 * admins: rows id, name. 0 or -1. */
int projects_search(const char *part, struct db_result *out);
/* The project's name and its defaultPatientAccessPolicy ("" when none): 0, 1 no such project, -1. */
int projects_patient_policy(const char *project_id, char name[PROJECT_NAME_SIZE], char policy[37]);

/* The project's brand ("Tessera" when it has none) and name: 0, 1 no such project, -1. */
int projects_brand(const char *project_id, char *brand, unsigned brand_cap, char *name, unsigned name_cap);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* people: the User, profile (Practitioner, Patient, RelatedPerson) and ProjectMembership rows
 * that registration, invites and tessera-admin write and read. None of these opens a
 * transaction: a caller that writes several rows groups them in its own. */
#ifndef TESSERA_PEOPLE_H
#define TESSERA_PEOPLE_H
#include "core/db.h"
#include "core/password.h"
#include "domain/store.h"
#include <stdbool.h>
#include <stddef.h>

struct person {
	char id[37];
	char project_id[37];       /* empty for a server-scoped user */
	char email[321];
	char first_name[129];
	char last_name[129];
	char password_hash[PASSWORD_HASH_LEN]; /* empty when none is set */
	bool email_verified;
};

/* Emails are stored and compared lower-cased (PROTOCOL.md §14). */
void people_lower_email(const char *email, char *out, size_t outlen);

/* The user with this email in one scope: project-scoped to project_id, or server-scoped when
 * project_id is NULL or empty. 0 found, 1 none, -1 database failure. */
int people_find_user(const char *email, const char *project_id, struct person *p);
/* Users of every scope whose email starts with prefix (lower-cased; "" lists the newest), for
 * super admins: rows id, email, first name, last name, project id (NULL: server-scoped), the
 * number of memberships; at most 100. 0 or -1. */
int people_search(const char *prefix, struct db_result *out);
/* By id: 0, 1 none, -1. */
int people_get_user(const char *id, struct person *p);
/* Whether any user of any scope has an address at this email domain (tessera-admin import: an
 * identity provider brought for the domain would sign them in). 1 yes, 0 no, -1. */
int people_domain_has_accounts(const char *domain);

/* A new user (email lower-cased; NULL or "" for a user known only by a membership's
 * externalId; password_hash and project_id may be NULL). Returns 0, 1 when
 * that email is already registered in that scope (the unique key), -1. */
int people_create_user(const char *email, const char *first, const char *last, const char *password_hash,
		       const char *project_id, char id_out[37]);
/* A user brought from another server with its id kept (tessera-admin import): email lower-cased,
 * the password hash as exported (bcrypt; NULL for none), project_id NULL or "" for a
 * server-scoped user. 0, 1 the email is taken in that scope, -1. */
struct person_import {
	const char *id, *project_id, *email, *first_name, *last_name, *password_hash, *external_id;
	bool email_verified;
};
int people_import_user(const struct person_import *u);
/* A profile resource named after the person, with the email as a work telecom. */
int people_create_profile(const char *type, const char *project_id, const char *first, const char *last,
			  const char *email, char id_out[37]);
/* A membership of a User in a project (access_policy_id may be NULL). */
int people_create_membership(const char *project_id, const char *user_id, const char *profile_type,
			     const char *profile_id, bool admin, const char *access_policy_id, char id_out[37]);

/* A new password hash for a user (and email_verified, when the link proved the address). */
int people_set_password(const char *user_id, const char *password_hash, bool verify_email);
/* The first super admin's user (tessera-admin seed, setup): server-wide, verified, named Super
 * Admin, admin; email lower-cased by the caller. 0 or -1. */
int people_create_super_admin(const char id[37], const char *email, const char *password_hash);
/* The email of the oldest admin member of a super admin project into email (len bytes): 1 found,
 * 0 none, -1 (tessera-admin setup asks whether a first super admin exists). */
int people_first_super_admin(char *email, size_t len);

/* The profile exists, is of this type and belongs to the project: 1 yes, 0 no, -1. */
int people_profile_in_project(const char *id, const char *type, const char *project_id);
/* 1 when the User exists and is server-wide or of this project (it may join it), 0 not, -1. */
int people_user_may_join(const char *id, const char *project_id);

/* Patient, Practitioner and RelatedPerson resources for the resource API: stored as sent (at
 * most 64 KiB; name, telecom, identifier and address must be arrays of objects), display from
 * the first name; a profile that a membership names cannot be deleted. */
extern const struct resource_store people_patient_store;
extern const struct resource_store people_practitioner_store;
extern const struct resource_store people_related_store;

/* The user proved the address (a verify-email link). 0 or -1. */
int people_mark_verified(const char *user_id);
/* An account made by someone else for an address that is not theirs, taken back for its owner:
 * no password, no second factor (its sessions are the caller's to end). 0 or -1. */
int people_reset_account(const char *user_id);
/* The user must use a second factor from now on. 0 or -1. */
int people_require_mfa(const char *user_id);

/* Locks the user's row until the caller's transaction ends (requests that count per user
 * then count one after another). 0 or -1. */
int people_lock_user(const char *user_id);
/* One row: the user's email and full name (to write to them). 0 or -1. */
int people_mail_address(const char *user_id, struct db_result *out);

/* The user a sign-in's email names: the project's own user first, else the server's (project
 * NULL: the server's only). One row id, password_hash, mfa_enrolled, or none. 0 or -1. */
int people_find_for_signin(const char *project_id, const char *email, struct db_result *out);

/* The user's email_verified, the row locked until the transaction ends (concurrent invites of
 * one user take turns). 0 (*verified set; a missing user counts as verified) or -1. */
int people_lock_verified(const char *user_id, bool *verified);
/* One row resource_type, project_id of a profile, or none. 0 or -1. */
int people_profile_of(const char *profile_id, struct db_result *out);
/* The project's oldest profile of that type whose telecom has this email: one row id, or none.
 * 0 or -1. */
int people_profile_by_email(const char *project_id, const char *resource_type, const char *email,
			    struct db_result *out);


/* ---- SCIM 2.0 (lib/domain/scim.c): a project-scoped user the directory manages ---- */
/* New names and email (lower-cased; NULL or "" for none) of a user. 0, 1 the email is taken in
 * the user's scope, -1. */
int people_scim_update_user(const char *user_id, const char *first, const char *last, const char *email);
/* The profile's name (and display) follow the directory's: name becomes [{given, family}]. 0 or -1. */
int people_scim_rename_profile(const char *profile_id, const char *first, const char *last);

#endif

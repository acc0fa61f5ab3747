/* SPDX-License-Identifier: BSD-2-Clause */
/* registration: self-registration (PROTOCOL.md §6.11-6.13), shared by the JSON routes of
 * tessera-login (/auth/newuser, /auth/newproject, /auth/newpatient) and the /register pages.
 * A new user gets a Login without a membership; a new project (the user its admin) or a
 * patient membership in a project open to registration then gives that Login its membership.
 * Every multi-row change is one transaction: a refused or failed registration leaves nothing.
 * Refusals carry Medplum's texts (and the field, for the ones a person can correct). */
#ifndef TESSERA_REGISTRATION_H
#define TESSERA_REGISTRATION_H
#include "domain/flow.h"
#include "domain/projects.h"
#include <stdbool.h>

/* Validator for input tables: project names 4..72 characters (code points, as Medplum counts
 * them), never a control character. Person names: valid_person_name (input.h). */
bool registration_project_name_ok(const char *v);

/* A project's name and its open-registration policy (empty when it has none), for a page that
 * offers patient registration. 0, 1 no such project, -1 database failure. */
int registration_project(const char *project_id, char name[PROJECT_NAME_SIZE], char policy[37]);

/* /auth/newuser: lr carries email, password, projectId ("new", a project open to registration,
 * or NULL), client, scope, nonce, PKCE. Creates the user (scoped to the project when one is
 * given), unverified, with a verify-email link emailed to the address (after the response),
 * and its Login. 0 (out filled), 1 refused (err filled), -1 failure. */
int registration_new_user(const char *first_name, const char *last_name, const struct login_request *lr,
			  struct login *out, struct refusal *err);
/* A user made by a sign-in an upstream vouched for (POST /auth/google with createUser, §6.3): the
 * refusals of /auth/newuser (registerEnabled; a concrete projectId must exist, 404, and accept
 * open registration), then the user (lr->email, verified, no password; scoped to lr->project_id
 * when it is concrete) and its Login (authMethod method, no membership) in one transaction, so a
 * refused or failed attempt leaves no user. 0 (out filled), 1 refused, 2 the address was
 * registered meanwhile (sign in instead), -1. */
int registration_vouched_user(const char *method, const char *first_name, const char *last_name,
			      const struct login_request *lr, struct login *out, struct refusal *err);
/* /auth/newproject: the project, its default client, the owner's Practitioner profile and admin
 * membership, the Login placed in it and the welcome email (§13.3, sent after the commit).
 * 0 (l filled: the Login with its membership), 1 refused, -1. */
int registration_new_project(const char *login_id, const char *project_name, struct login *l,
			     struct refusal *err);
/* /auth/newpatient: a Patient profile and membership under the project's default patient
 * access policy. 0 (l filled), 1 refused, -1. When the project requires verified addresses
 * (emailVerificationRequired) and this one is not, the membership is made but not chosen:
 * *verify_first is true and the person signs in after using the emailed link. */
int registration_new_patient(const char *login_id, const char *project_id, struct login *l, bool *verify_first,
			     struct refusal *err);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* users: User resources for the resource API (PROTOCOL.md §11.5). A User is handed out with
 * firstName, lastName, email, emailVerified, externalId, identifier, mfaEnrolled, mfaRequired
 * and project (a project-scoped user); never its password hash, MFA secret or TOTP state.
 *
 * - Reach: a project admin reads the users of the project's memberships and the users scoped
 *   to the project, and writes only the latter (a server-wide user may belong to other
 *   projects); super admins reach every user.
 * - A created User is scoped to the project it is created in and has no password: the person
 *   sets one through the password reset (POST /auth/resetpassword), as an invited one would.
 *   passwordHash and mfaSecret are refused as unknown fields; emailVerified starts false whatever
 *   the body says.
 * - A User who is still a member of a project is not deleted (400): the memberships go first. */
#ifndef TESSERA_USERS_H
#define TESSERA_USERS_H
#include "domain/store.h"

extern const struct resource_store users_store;

#endif

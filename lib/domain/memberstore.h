/* SPDX-License-Identifier: BSD-2-Clause */
/* memberstore: ProjectMembership resources for the resource API (lib/domain/resources.c). A new
 * membership names a user (a User of the server or of this project, or this project's
 * ClientApplication or Bot, its own profile) and a profile of this project, and the access
 * policies it names must be the project's: those rows belong to people, clients and policies,
 * whose modules themselves build memberships through members, so the checks stand here, above
 * all of them, and the rows are read and written by members. An update keeps project, user and
 * profile; the owner's membership cannot be deleted; a deleted membership's sessions are
 * revoked with it. */
#ifndef TESSERA_MEMBERSTORE_H
#define TESSERA_MEMBERSTORE_H
#include "domain/store.h"

extern const struct resource_store members_store;

#endif

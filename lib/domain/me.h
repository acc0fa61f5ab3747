/* SPDX-License-Identifier: BSD-2-Clause */
/* me: the session details document of GET /auth/me (PROTOCOL.md §6.10), read with as few queries
 * as possible: the membership with its project, profile, policy and user comes with the
 * authentication (lib/auth.c); users need two more (recent sessions, memberships in the
 * project). */
#ifndef TESSERA_ME_H
#define TESSERA_ME_H
#include <jansson.h>

struct auth;

/* 0 (*out filled), 1 the membership or its user vanished (→ 401), -1 the database failed. */
int me_build(struct auth *a, json_t **out);

#endif

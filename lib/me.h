/* me: the session details document of GET /auth/me (spec §6.10), read with as few queries
 * as possible: one for the membership with its project, profile and policy, and for users
 * three more (user, recent sessions, memberships in the project). */
#ifndef TESSERA_ME_H
#define TESSERA_ME_H
#include <jansson.h>

struct auth;

/* NULL when the membership vanished (→ 401) or the database failed (db_unavailable()). */
json_t *me_build(const struct auth *a);

#endif

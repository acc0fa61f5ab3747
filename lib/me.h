/* me: the session details document of GET /auth/me (spec §6.10), read with as few queries
 * as possible: the membership with its project, profile, policy and user comes with the
 * authentication (lib/auth.c); users need two more (recent sessions, memberships in the
 * project). */
#ifndef TESSERA_ME_H
#define TESSERA_ME_H
#include <jansson.h>

struct auth;

/* NULL when the membership vanished (→ 401) or the database failed (db_unavailable()). */
json_t *me_build(struct auth *a);

#endif

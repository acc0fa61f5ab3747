/* userinfo: the OpenID Connect UserInfo claims of spec §7.3, from the profile resource and
 * the user, chosen by the login's scope. */
#ifndef TESSERA_USERINFO_H
#define TESSERA_USERINFO_H
#include <jansson.h>

struct auth;

/* NULL when the profile vanished or the database failed (db_unavailable()). */
json_t *userinfo_build(struct auth *a);

#endif

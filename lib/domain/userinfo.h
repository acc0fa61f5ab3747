/* SPDX-License-Identifier: BSD-2-Clause */
/* userinfo: the OpenID Connect UserInfo claims of PROTOCOL.md §7.3, from the profile resource and
 * the user, chosen by the login's scope. */
#ifndef TESSERA_USERINFO_H
#define TESSERA_USERINFO_H
#include <jansson.h>

struct auth;

/* 0 (*out filled), 1 the membership vanished (→ 401), -1 the database failed. */
int userinfo_build(struct auth *a, json_t **out);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* register: self-registration for tessera-login (PROTOCOL.md §6.11-6.13): /auth/newuser creates a
 * user and a Login without a membership; /auth/newproject and /auth/newpatient give that
 * Login its membership and answer with a code. */
#ifndef TESSERA_REGISTER_H
#define TESSERA_REGISTER_H
#include "http/app.h"

extern const struct input register_newuser_inputs[];
extern const struct input register_newproject_inputs[];
extern const struct input register_newpatient_inputs[];

int register_newuser(struct request *req);
int register_newproject(struct request *req);
int register_newpatient(struct request *req);

#endif

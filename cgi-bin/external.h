/* SPDX-License-Identifier: BSD-2-Clause */
/* external: the external identity provider routes of tessera-login (external.c). */
#ifndef TESSERA_EXTERNAL_H
#define TESSERA_EXTERNAL_H
#include "http/app.h"
#include "domain/federation.h"

extern const struct input external_authorize_inputs[];
extern const struct input external_callback_inputs[];
int external_authorize(struct request *req);
int external_callback(struct request *req);
extern const struct input external_google_inputs[];
int external_google(struct request *req);

#endif

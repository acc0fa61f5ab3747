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
/* Sends the browser to the IdP for r (the cookie of the trip set); refusals answered in the
 * route's family. 0/1 answered, -1. The sign-in pages start their trips through it too. */
int external_begin(struct request *req, const struct federation_request *r);

#endif

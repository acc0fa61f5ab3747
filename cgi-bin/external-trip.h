/* SPDX-License-Identifier: BSD-2-Clause */
/* external-trip: the start of a round trip to an external IdP (external-trip.c). */
#ifndef TESSERA_EXTERNAL_TRIP_H
#define TESSERA_EXTERNAL_TRIP_H
#include "domain/extauth.h"
#include "domain/federation.h"
#include "http/request.h"

/* Sends the browser to the IdP for r (the cookie of the trip set); refusals answered in the
 * route's family. 0/1 answered, -1. The sign-in pages start their trips through it too. */
int external_begin(struct request *req, const struct federation_request *r);
/* Sets (value) or clears ("") the trip's cookie. */
void external_trip_cookie(struct request *req, const char *value);
/* A 302 to url; a URL that cannot be a Location header is a 400. 0 answered. */
int external_found(struct request *req, const char *url);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* external-trip: the start of a round trip to an external IdP, shared by the /auth/external
 * routes (external.c) and the sign-in pages (pages.c) without either reaching into the other. */
#include "external-trip.h"
#include "http/cookie.h"
#include "http/redirect.h"
#include "http/refuse.h"
#include "http/response.h"

#include <stdlib.h>

/* The trip's cookie: sent back on the IdP's top-level redirect (Lax), for the trip's lifetime. */
void external_trip_cookie(struct request *req, const char *value)
{
	char line[512];
	if (cookie_header(line, sizeof line,
			  &(struct cookie){ EXTAUTH_COOKIE, value, value[0] ? EXTAUTH_SECONDS : 0, "/", "Lax" }) == 0)
		req_add_header(req, line);
}

int external_found(struct request *req, const char *url)
{
	char location[8300];
	if (redirect_header(url, location, sizeof location) < 0) {
		send_bad_request(req, "Invalid redirect URI", NULL);
		return 0;
	}
	req_add_header(req, location);
	send_empty(req, 302, NULL);
	return 0;
}

int external_begin(struct request *req, const struct federation_request *r)
{
	char *location, secret[EXTAUTH_TEXT_LEN];
	struct refusal err;
	int rc = federation_begin(r, &location, secret, &err);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		send_refusal(req, &err);
		return 0;
	}
	external_trip_cookie(req, secret);
	rc = external_found(req, location);
	free(location);
	return rc;
}

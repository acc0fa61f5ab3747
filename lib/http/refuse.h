/* SPDX-License-Identifier: BSD-2-Clause */
/* refuse: the one way to send a refusal (core/refusal.h), in the error family of the route
 * being served: an OAuth error (ROUTE_OAUTH), plain text (ROUTE_TEXT_ERRORS), an HTML page
 * (ROUTE_PAGE), else an OperationOutcome with Medplum's shapes (404 "Not found", 429 with
 * Retry-After and the rate-limit body or the throttled outcome). */
#ifndef TESSERA_REFUSE_H
#define TESSERA_REFUSE_H

struct refusal;
struct request;

/* Sends r; returns 1 (answered), or -1 when the page could not be rendered (nothing sent). */
int send_refusal(struct request *req, const struct refusal *r);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* refuse: a refusal in the route's error family. */
#include "http/refuse.h"
#include "core/refusal.h"
#include "http/app.h"
#include "http/page.h"
#include "http/request.h"
#include "http/response.h"

#include <stdio.h>

static const char *oauth_error_of(const struct refusal *r)
{
	if (r->oauth_error)
		return r->oauth_error;
	switch (r->status) {
	case 401: return "invalid_client";
	case 403: return "access_denied";
	case 429: return "slow_down";
	default: return "invalid_request";
	}
}

static const char *page_title(int status)
{
	switch (status) {
	case 403: return "Not allowed";
	case 404: return "Not found";
	case 410: return "This link has expired";
	case 429: return "Too many attempts";
	default: return "Something is not right";
	}
}

static int send_page(struct request *req, const struct refusal *r)
{
	char retry[48];
	if (r->status == 429) {
		snprintf(retry, sizeof retry, "Retry-After: %ld\r\n", response_retry_seconds(r->retry_ms));
		req_add_header(req, retry);
	}
	return page_message(req, r->status, page_title(r->status), r->text) < 0 ? -1 : 1;
}

/* The OperationOutcome issue code of a refusal's status (an upstream's failure is no "invalid"
 * input: 502 "exception", 504 "timeout"). */
static const char *outcome_code(int status)
{
	switch (status) {
	case 401: return "login";
	case 403: return "forbidden";
	case 502: return "exception";
	case 504: return "timeout";
	default: return "invalid";
	}
}

static void send_outcome_family(struct request *req, const struct refusal *r)
{
	if (r->status == 429 && (r->limit > 0 || r->consumed > 0))
		response_rate_limited(req, r->consumed, r->limit, r->retry_ms);
	else if (r->status == 429)
		response_throttled(req, response_retry_seconds(r->retry_ms), r->text);
	else if (r->status == 404)
		send_not_found(req);
	else if (r->status == 409)
		send_conflict(req, r->text);
	else
		send_outcome(req, r->status, NULL, outcome_code(r->status), r->text, r->expression);
}

int send_refusal(struct request *req, const struct refusal *r)
{
	if ((req->route_flags & ROUTE_SCIM) && r->status != 429)
		send_scim_error(req, r->status, r->scim_type, r->text);
	else if (req->route_flags & ROUTE_OAUTH)
		send_oauth_error(req, r->status, oauth_error_of(r), r->text);
	else if (req->route_flags & ROUTE_PAGE)
		return send_page(req, r);
	else if (req->route_flags & ROUTE_TEXT_ERRORS)
		send_text(req, r->status, r->text, NULL);
	else
		send_outcome_family(req, r);
	return 1;
}

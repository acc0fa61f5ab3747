/* SPDX-License-Identifier: BSD-2-Clause */
/* pagesession: the Login behind a browser's page session. */
#include "domain/pagesession.h"
#include "http/csrf.h"
#include "domain/flow.h"
#include "http/page.h"
#include "http/request.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int page_session(const struct request *req, struct login *l)
{
	char id[37];
	if (!csrf_bound_login(req, BIND_SESSION, id))
		return 1;
	int rc = flow_load(id, l);
	if (rc != 0)
		return rc;
	bool fresh = l->auth_time > 0 && time(NULL) - l->auth_time < SESSION_SECONDS;
	return !l->revoked && fresh && !strcmp(l->user_type, "User") && l->membership_id[0] && !flow_mfa_pending(l) ? 0 : 1;
}

int page_require_session(struct request *req, struct login *l)
{
	int rc = page_session(req, l);
	if (rc == 1) {
		csrf_unbind(req, BIND_SESSION);
		page_see_other(req, "signin");
	}
	if (rc == 0)
		snprintf(req->log_login, sizeof req->log_login, "%s", l->id);
	return rc;
}

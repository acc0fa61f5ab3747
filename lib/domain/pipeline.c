/* SPDX-License-Identifier: BSD-2-Clause */
/* pipeline: the domain's steps of the request pipeline. */
#include "domain/pipeline.h"
#include "domain/admin.h"
#include "domain/audit.h"
#include "domain/auth.h"
#include "domain/grantcount.h"
#include "domain/login.h"
#include "domain/pagesession.h"
#include "http/csrf.h"
#include "http/refuse.h"
#include "http/response.h"
#include "http/page.h"
#include "domain/ratelimit.h"
#include "core/keywrap.h"
#include "core/log.h"
#include "oauth/keys.h"
#include "http/request.h"

#include <stdio.h>
#include <string.h>

/* One request at a time per process: the authentication of the current one, and the Login of
 * its page session. */
static struct auth current;
static struct login page_login;

/* Every request counts for its client IP, in the node's shared counters (no round trip). */
static void count(struct request *req, unsigned route_flags, bool early_error)
{
	(void)route_flags;
	(void)early_error;
	ratelimit_count(req);
}

static int authenticate(struct request *req)
{
	memset(&current, 0, sizeof current);
	int rc = auth_authenticate(req, &current);
	if (rc == 0)
		ratelimit_use_project(req, &current.rl);
	if (rc >= 0 && ratelimit_refuse(req))
		return 2;
	if (rc != 0)
		return rc;
	req->auth = &current;
	snprintf(req->log_login, sizeof req->log_login, "%s", current.login.id);
	snprintf(req->log_client, sizeof req->log_client, "%s", current.login.client_id);
	/* A Basic caller has no Login of its own: its in-memory one is not recorded. */
	audit_set_actor(&(struct audit_actor){ .project_id = current.project_id, .profile_type = current.profile_type,
					       .profile_id = current.profile_id, .client_id = current.login.client_id,
					       .login_id = current.basic ? NULL : current.login.id });
	/* After the actor is set: the real caller stays the author of what is done on behalf. */
	struct refusal err;
	rc = auth_on_behalf(&current, req_header(req, "HTTP_X_MEDPLUM_ON_BEHALF_OF"), &err);
	if (rc == 1) {
		send_refusal(req, &err);
		return 2;
	}
	return rc;
}

static void release(struct request *req)
{
	req->auth = NULL;
	req->page_login = NULL;
	req->admin_project[0] = '\0';
	audit_set_actor(NULL);
	auth_free(&current);
	memset(&current, 0, sizeof current);
}

/* A POST without this browser's CSRF token is refused before the page session is read: a
 * forged form learns nothing, not even whether the browser is signed in. */
/* The admin rule of the admin API (lib/domain/admin.c), for the routes that declare it. */
static int admin_guard(struct request *req, unsigned route_flags)
{
	/* A token an app got with a narrow SMART scope is not the admin's whole hand (review 4). */
	bool narrowed = req->auth && !admin_rights_whole(req->auth);
	if ((route_flags & (ROUTE_ADMIN | ROUTE_SUPER_ADMIN)) && narrowed) {
		send_forbidden(req);
		return 1;
	}
	if ((route_flags & ROUTE_SUPER_ADMIN) && !(req->auth && req->auth->super_admin)) {
		send_forbidden(req);
		return 1;
	}
	if (!(route_flags & ROUTE_ADMIN))
		return 0;
	if (!req->auth)
		return -1; /* ROUTE_ADMIN without ROUTE_AUTH: a declaration error, never a way in */
	int rc = admin_project_for(req->auth, req->path_params[0], req->admin_project);
	if (rc == 403)
		send_forbidden(req);
	else if (rc == 404)
		send_not_found(req);
	return rc <= 0 ? rc : 1;
}

/* An account-wide action (ROUTE_ACCOUNT_WIDE) from a session confined to its project: a
 * bearer's Login, or the page session's (PROTOCOL.md §S.25). 0 allowed, 1 refused (sent). */
static int account_guard(struct request *req, unsigned route_flags)
{
	bool confined = (req->auth && req->auth->login.confined) || (req->page_login && req->page_login->confined);
	if (!(route_flags & ROUTE_ACCOUNT_WIDE) || !confined)
		return 0;
	if (route_flags & ROUTE_PAGE)
		return page_message(req, 403, "Not allowed here", LOGIN_CONFINED_TEXT) < 0 ? -1 : 1;
	send_refusal(req, &(struct refusal){ .status = 403, .text = LOGIN_CONFINED_TEXT });
	return 1;
}

static int guard(struct request *req, unsigned route_flags)
{
	int rc = admin_guard(req, route_flags);
	if (rc != 0)
		return rc;
	if ((route_flags & ROUTE_CSRF) && !strcmp(req->method, "POST") && !csrf_check(req))
		return page_forbidden(req) < 0 ? -1 : 1;
	if (route_flags & ROUTE_PAGE_SESSION) {
		rc = page_require_session(req, &page_login);
		if (rc != 0)
			return rc;
		req->page_login = &page_login;
	}
	return account_guard(req, route_flags);
}

static int error_page(struct request *req, const char *text)
{
	return page_message(req, 400, "This link is not valid", text);
}

static void end(bool success)
{
	audit_finish(success);
}

/* Said once at start-up, not only on the first token request: wrapped signing keys that
 * this configuration cannot unwrap. The program still starts (discovery and the pages work);
 * what needs a key answers 503 until the key is set. */
static void start(void)
{
	ratelimit_start();
	int unreadable = keys_check_wrapped();
	if (unreadable > 0)
		log_error("start-up: %d wrapped signing key(s) cannot be unwrapped: key_encryption_key %s; "
			  "tokens cannot be issued or verified until it is the key that wrapped them",
			  unreadable, keywrap_enabled() ? "is a different key" : "is not set");
}

static const char *unavailable(void)
{
	return keys_unusable() ? "Service unavailable: the signing keys cannot be read" : NULL;
}

/* Batched writes (the per-minute client_credentials counts): due, or when the program stops. */
static void idle(bool stopping_now)
{
	if (grantcount_flush(stopping_now) < 0)
		log_error("client_credentials counts could not be written (kept for the next attempt)");
}

const struct app_steps pipeline_steps = {
	.count = count,
	.over_limit = ratelimit_refuse,
	.authenticate = authenticate,
	.release = release,
	.guard = guard,
	.error_page = error_page,
	.begin = audit_request,
	.end = end,
	.start = start,
	.unavailable = unavailable,
	.idle_due = grantcount_due_ms,
	.idle = idle,
};

int pipeline_run(const char *program, const struct route *routes)
{
	return app_run(program, routes, &pipeline_steps);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* app: the FastCGI loop every program shares, on the ground floor of http/. A program declares
 * a route table; app parses the request, matches the route, checks its declared inputs, runs
 * the handler, maps failures to the right error family, and logs one line. The steps that need
 * more than HTTP (the per-IP limiter, authentication, audit, the HTML error page) are given to
 * it as a table of functions (struct app_steps) by the layer that owns them: lib/domain/pipeline.c. */
#ifndef TESSERA_APP_H
#define TESSERA_APP_H
#include "http/input.h"
#include "http/request.h"

enum route_flags {
	ROUTE_AUTH = 1,      /* 401 unless Bearer or Basic authenticated */
	ROUTE_OAUTH = 2,     /* OAuth error bodies; repeated parameters refused (RFC 6749 §3.1) */
	ROUTE_TEXT_ERRORS = 4, /* input errors as plain text (introspect, authorize) */
	ROUTE_FORM_ONLY = 8, /* body must be application/x-www-form-urlencoded; no query parameters */
	ROUTE_PAGE = 16,     /* a browser page: input errors as an HTML page (lib/page.c) */
	ROUTE_LIMIT_LATE = 32, /* the handler applies the per-IP limit itself, once it knows the
				* project (ratelimit_refuse; the token endpoint) */
	ROUTE_CSRF = 64,     /* a page whose POST must carry this browser's CSRF token, else 403 */
	ROUTE_PAGE_SESSION = 128, /* a page for a signed-in browser: without a page session, 303 to
				   * /signin; with one, req->page_login is its Login */
	ROUTE_ADMIN = 256,   /* with ROUTE_AUTH: the caller administers the project of the route's first
			      * path parameter (or its own project when the route has none), else 403
			      * (404 for a super admin's unknown project); req->admin_project is it */
	ROUTE_SUPER_ADMIN = 512, /* with ROUTE_AUTH: a super admin only, else 403 */
	ROUTE_SCIM = 1024,   /* SCIM 2.0 (RFC 7644 §3.12): every error, the dispatcher's too, is a SCIM
			      * Error body (application/scim+json, status as a string, scimType) */
	ROUTE_ACCOUNT_WIDE = 2048, /* acts on the account, beyond the caller's project (its password,
				    * second factor, ...): refused (403) to a session confined to its
				    * project (a bearer's or the page session's; PROTOCOL.md §S.25) */
};
/* The flags the pipeline's guard step checks. */
#define ROUTE_GUARDS (ROUTE_CSRF | ROUTE_PAGE_SESSION | ROUTE_ADMIN | ROUTE_SUPER_ADMIN | ROUTE_ACCOUNT_WIDE)

/* 0 or 1 when a response was sent (both mean answered, so a helper that answers may be
 * returned as it is); -1 on failure (503 if the database is away or steps->unavailable names a
 * cause, else 500). */
typedef int (*handler_fn)(struct request *req);

struct route {
	const char *methods;     /* "GET", "POST", "GET POST" */
	const char *pattern;     /* "/auth/login/:login" */
	handler_fn handler;
	const struct input *inputs;
	unsigned flags;
};

/* The steps app runs but does not own. Any of them may be NULL: no limiter, no audit, input
 * errors of pages as plain text, and ROUTE_AUTH routes refused with 401 (nobody can prove who
 * they are without an authenticator). */
struct app_steps {
	/* Counts the request for its client IP. */
	void (*count)(struct request *req, unsigned route_flags, bool early_error);
	/* Answers 429 and returns true when the request is over its limit. */
	bool (*over_limit)(struct request *req);
	/* A ROUTE_AUTH request: 0 authenticated (req->auth and its log ids set), 1 not
	 * authenticated, 2 already answered (over the project's limit), -1 failure. */
	int (*authenticate)(struct request *req);
	/* Releases what authenticate set up; called once per request. */
	void (*release)(struct request *req);
	/* The guards a route declares (ROUTE_CSRF, ROUTE_PAGE_SESSION), after its inputs are
	 * checked: 0 the handler may run, 1 answered (refused), -1 failure. */
	int (*guard)(struct request *req, unsigned route_flags);
	/* An HTML page for a ROUTE_PAGE input error: 0 sent, -1 not. */
	int (*error_page)(struct request *req, const char *text);
	/* Around each request: begin before the route runs, end after (success: status < 400). */
	void (*begin)(const struct request *req);
	void (*end)(bool success);
	/* Once, after the configuration is loaded and before the first request: checks that
	 * report what would fail later (wrapped signing keys nobody can unwrap). */
	void (*start)(void);
	/* After a failure (-1) while the database is up: the text of a 503 when its cause is
	 * one that time or an operator fixes (the signing keys cannot be read), else NULL (500). */
	const char *(*unavailable)(void);
	/* Work kept for later (batched writes): milliseconds until it is due, -1 none. The loop
	 * runs `idle` after a response once it is due, and while waiting for the next request
	 * (a poll of the listening socket with that timeout), and once more when it stops. */
	long (*idle_due)(void);
	void (*idle)(bool stopping);
};

int app_run(const char *program, const struct route *routes, const struct app_steps *steps);
/* Runs fn(arg) after the response has been handed to the web server (FCGX_Finish), so slow
 * follow-up work (an SMTP attempt) adds nothing to the response time. At most 4 per request;
 * outside app_run (tests) it runs at once. */
void app_after_response(void (*fn)(const char *arg), const char *arg);
/* Route matching, exposed for tests: fills req->path_params. */
const struct route *app_match(const struct route *routes, struct request *req, bool *method_mismatch);
/* Runs one parsed request through the pipeline (used by app_run and by tests/fuzzers). */
void app_handle(const struct route *routes, const struct app_steps *steps, struct request *req,
		enum req_error parse_error);

#endif

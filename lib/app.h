/* app: the FastCGI loop every program shares. A program declares a route table; app parses
 * the request, matches the route, checks its declared inputs and authentication, runs the
 * handler, maps failures to the right error family, and logs one line. */
#ifndef TESSERA_APP_H
#define TESSERA_APP_H
#include "input.h"
#include "request.h"

enum route_flags {
	ROUTE_AUTH = 1,      /* 401 unless Bearer or Basic authenticated */
	ROUTE_OAUTH = 2,     /* OAuth error bodies; repeated parameters refused (RFC 6749 §3.1) */
	ROUTE_TEXT_ERRORS = 4, /* input errors as plain text (introspect, authorize) */
	ROUTE_FORM_ONLY = 8, /* body must be application/x-www-form-urlencoded; no query parameters */
	ROUTE_PAGE = 16,     /* a browser page: input errors as an HTML page (lib/page.c) */
	ROUTE_LIMIT_LATE = 32, /* the handler applies the per-IP limit itself, once it knows the
				* project (ratelimit_refuse; the token endpoint) */
};

/* 0 when a response was sent; -1 on failure (503 if the database is away, else 500). */
typedef int (*handler_fn)(struct request *req);

struct route {
	const char *methods;     /* "GET", "POST", "GET POST" */
	const char *pattern;     /* "/auth/login/:login" */
	handler_fn handler;
	const struct input *inputs;
	unsigned flags;
};

int app_run(const char *program, const struct route *routes);
/* Runs fn(arg) after the response has been handed to the web server (FCGX_Finish), so slow
 * follow-up work (an SMTP attempt) adds nothing to the response time. At most 4 per request;
 * outside app_run (tests) it runs at once. */
void app_after_response(void (*fn)(const char *arg), const char *arg);
/* Route matching, exposed for tests: fills req->path_params. */
const struct route *app_match(const struct route *routes, struct request *req, bool *method_mismatch);
/* Runs one parsed request through the pipeline (used by app_run and by tests/fuzzers). */
void app_handle(const struct route *routes, struct request *req, enum req_error parse_error);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* app: FastCGI accept loop, dispatch and per-request logging. */
#include "http/app.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/db.h"
#include "core/log.h"
#include "http/response.h"

#include <fcgiapp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static bool method_listed(const char *methods, const char *method)
{
	size_t n = strlen(method);
	for (const char *p = methods; (p = strstr(p, method)); p += n)
		if ((p == methods || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

/* Matches "/a/:x/b" against the path; captured segments go to req->path_params. */
static bool pattern_match(const char *pattern, struct request *req)
{
	const char *p = pattern, *s = req->path;
	int captured = 0;
	char *caps[MAX_PATH_PARAMS] = { 0 };
	while (*p && *s) {
		if (*p == ':') {
			size_t seg = strcspn(s, "/");
			if (seg == 0 || captured >= MAX_PATH_PARAMS)
				goto no;
			caps[captured++] = strndup(s, seg);
			s += seg;
			p += strcspn(p, "/");
		} else if (*p++ != *s++) {
			goto no;
		}
	}
	if (*p || *s)
		goto no;
	for (int i = 0; i < MAX_PATH_PARAMS; i++) {
		free(req->path_params[i]);
		req->path_params[i] = caps[i];
	}
	return true;
no:
	for (int i = 0; i < captured; i++)
		free(caps[i]);
	return false;
}

const struct route *app_match(const struct route *routes, struct request *req, bool *method_mismatch)
{
	*method_mismatch = false;
	/* A path refused by the parser (longer than 2048 bytes) matches nothing. */
	if (!req->path)
		return NULL;
	for (const struct route *r = routes; r->pattern; r++) {
		if (!pattern_match(r->pattern, req))
			continue;
		if (method_listed(r->methods, req->method) ||
		    (!strcmp(req->method, "HEAD") && method_listed(r->methods, "GET")))
			return r;
		*method_mismatch = true;
	}
	return NULL;
}

static const struct app_steps no_steps;

static const char *parse_error_text(enum req_error e);

static void send_input_error(struct request *req, const struct app_steps *steps, unsigned flags, const char *text,
			     const char *field)
{
	if (flags & ROUTE_OAUTH)
		send_oauth_error(req, 400, "invalid_request", text);
	else if (flags & ROUTE_SCIM) /* a body over the limit is no fault of its syntax */
		send_scim_error(req, 400, strcmp(text, parse_error_text(REQ_TOO_LARGE)) ? "invalidSyntax" : NULL, text);
	else if (flags & ROUTE_PAGE) {
		/* Only hidden fields reach this (typed fields are the handler's, shown beside
		 * the field): a tampered or truncated link. */
		if (!steps->error_page || steps->error_page(req, text) < 0)
			send_text(req, 400, text, NULL);
	}
	else if (flags & ROUTE_TEXT_ERRORS)
		send_text(req, 400, text, NULL);
	else {
		/* Medplum's invalidRequest shape: a random id and the field as expression. */
		char id[37];
		crypto_uuid_v4(id);
		send_outcome(req, 400, id, "invalid", text, field);
	}
}

static const char *parse_error_text(enum req_error e)
{
	switch (e) {
	case REQ_TOO_LARGE: return "File too large";
	case REQ_BAD_JSON: return "Content could not be parsed";
	case REQ_BAD_ENCODING: return "Invalid encoding: text must be valid UTF-8 without NUL bytes";
	case REQ_FIELD_TOO_LONG: return "Field too long";
	case REQ_DUPLICATE: return "Parameters must not be repeated";
	default: return "Invalid request";
	}
}

static void preflight(struct request *req)
{
	char extra[1024] = "";
	const char *asked = req_header(req, "HTTP_ACCESS_CONTROL_REQUEST_HEADERS");
	if (cors_origin_allowed(req->origin) && (!asked || (valid_header_list(asked))))
		snprintf(extra, sizeof extra,
			 "Access-Control-Allow-Methods: GET,HEAD,PUT,PATCH,POST,DELETE\r\n"
			 "Access-Control-Allow-Headers: %s\r\nAccess-Control-Max-Age: 600\r\n",
			 asked ? asked : "Authorization,Content-Type,X-Medplum");
	send_empty(req, 204, extra);
}

static bool over_limit(struct request *req, const struct app_steps *steps)
{
	return steps->over_limit && steps->over_limit(req);
}

/* A failure (-1): 503 when something comes back by itself or by an operator's fix (the
 * database, the signing keys), else 500. */
static void send_failure(struct request *req, const struct app_steps *steps)
{
	const char *why = NULL;
	if (db_unavailable())
		send_unavailable(req);
	else if (steps->unavailable && (why = steps->unavailable()) != NULL)
		send_outcome(req, 503, "unavailable", "transient", why, NULL);
	else
		send_server_error(req);
}

/* Authenticates a ROUTE_AUTH request; true when the handler may run, else answered. */
static bool authenticated(struct request *req, const struct app_steps *steps)
{
	int rc = steps->authenticate ? steps->authenticate(req) : 1;
	if (rc == 0)
		return true;
	if (rc < 0)
		send_failure(req, steps);
	else if (rc == 1)
		send_unauthorized(req);
	return false;
}

static void run_route(const struct route *r, const struct app_steps *steps, struct request *req)
{
	unsigned flags = r->flags;
	struct input_error ie;
	if (!input_check(req, r->inputs, &ie)) {
		if ((flags & ROUTE_LIMIT_LATE) && over_limit(req, steps))
			return;
		return send_input_error(req, steps, flags, ie.message, ie.name);
	}
	int rc = 0;
	if ((flags & ROUTE_GUARDS) && steps->guard)
		rc = steps->guard(req, flags);
	else if (flags & ROUTE_GUARDS)
		rc = -1; /* a guard nobody can check is a failure, never a way past it */
	if (rc == 0)
		rc = r->handler(req);
	if (rc < 0 && !req->headers_sent)
		send_failure(req, steps);
}

void app_handle(const struct route *routes, const struct app_steps *steps, struct request *req,
		enum req_error parse_error)
{
	bool wrong_method;
	if (!steps)
		steps = &no_steps;
	const struct route *r = parse_error == REQ_NOMEM ? NULL : app_match(routes, req, &wrong_method);
	unsigned flags = r ? r->flags : 0;
	req->route = r ? r->pattern : "-";
	req->route_flags = flags;
	req->scim = flags & ROUTE_SCIM;
	if (parse_error == REQ_NOMEM)
		return send_server_error(req);
	bool early = parse_error || ((flags & ROUTE_FORM_ONLY) && req->body_kind != BODY_FORM) ||
		     ((flags & ROUTE_FORM_ONLY) && req->nparams && !req->params[0].from_body) ||
		     ((flags & ROUTE_OAUTH) && req->duplicate);
	/* Every request counts for its client IP, whatever follows. */
	if (steps->count)
		steps->count(req, flags, early);
	/* A project's limits replace the configured ones once the project is known: after
	 * authentication, or in the handler (ROUTE_LIMIT_LATE). Other requests are decided now;
	 * those early refusals below must not let a flood through either. */
	bool late = flags & (ROUTE_AUTH | ROUTE_LIMIT_LATE);
	if (!late && over_limit(req, steps))
		return;
	/* A path too long or not decodable is left NULL: no route can match it, and the
	 * request is at fault, whatever its method. */
	if (!req->path)
		return send_input_error(req, steps, 0, parse_error_text(parse_error), NULL);
	if (!strcmp(req->method, "OPTIONS"))
		return preflight(req);
	if (!r) {
		if (wrong_method)
			return send_outcome(req, 405, NULL, "not-supported", "Method not allowed", NULL);
		return send_not_found(req);
	}
	if (early && late && over_limit(req, steps))
		return;
	if (parse_error)
		return send_input_error(req, steps, flags, parse_error_text(parse_error), NULL);
	if ((flags & ROUTE_FORM_ONLY) && req->body_kind != BODY_FORM)
		return send_text(req, 400, "Unsupported content type", NULL);
	if ((flags & ROUTE_FORM_ONLY) && req->nparams && !req->params[0].from_body)
		return send_input_error(req, steps, flags, "Parameters must be sent in the request body", NULL);
	if ((flags & ROUTE_OAUTH) && req->duplicate)
		return send_input_error(req, steps, flags, parse_error_text(REQ_DUPLICATE), req->duplicate);
	/* Who is calling comes first (Medplum authenticates before any validator runs): an
	 * anonymous caller learns nothing about a route's inputs. */
	if (!(flags & ROUTE_AUTH) || authenticated(req, steps))
		run_route(r, steps, req);
	if (steps->release)
		steps->release(req);
}

static double elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* One line per request. The login is named by its reference (domain/login.h login_ref), as in
 * the audit events: a login id is a bearer secret while its sign-in is in progress. */
static void log_request(const struct request *req, const struct timespec *t0)
{
	char ref[CRYPTO_REF_LEN + 1] = "-";
	if (req->log_login[0])
		crypto_keyed_ref("login", req->log_login, ref);
	log_info("request=%s method=%s route=%s status=%d ms=%.2f login=%s client=%s", req->request_id, req->method,
		 req->route ? req->route : "-", req->status, elapsed_ms(t0), ref,
		 req->log_client[0] ? req->log_client : "-");
}

#define MAX_AFTER 4
static struct {
	void (*fn)(const char *arg);
	char arg[64];
} after[MAX_AFTER];
static int nafter;
static bool serving;

void app_after_response(void (*fn)(const char *arg), const char *arg)
{
	if (!serving || nafter == MAX_AFTER) {
		fn(arg);
		return;
	}
	after[nafter].fn = fn;
	snprintf(after[nafter].arg, sizeof after[nafter].arg, "%s", arg);
	nafter++;
}

static void run_after_response(void)
{
	for (int i = 0; i < nafter; i++)
		after[i].fn(after[i].arg);
	nafter = 0;
}

/* libfcgi ends each connection with a lingering close: shutdown, then read until the web
 * server has closed its end (at most 2 s). That guards TCP against a reset discarding the
 * reply; on a unix socket the reply stays readable after close, and the wait costs each
 * request a sleep and a wake-up. A detached request is closed at once. */
static bool listens_on_unix_socket(int fd)
{
	struct sockaddr_storage sa;
	socklen_t len = sizeof sa;
	return getsockname(fd, (struct sockaddr *)&sa, &len) == 0 && sa.ss_family == AF_UNIX;
}

/* What the lingering close still does for a detached request: take the rest of the input up
 * to the end-of-stdin record. Apache sends that record on its own after the parameters, and
 * a connection closed before it arrives fails Apache's write: 503 for a reply already sent. */
static void finish_input(FCGX_Request *fcgi)
{
	char rest[4096];
	while (FCGX_GetStr(rest, sizeof rest, fcgi->in) > 0)
		;
}

/* A page that takes a form post without the CSRF guard is a declaration error, found before
 * the program serves anything rather than by an attacker. */
static bool routes_guarded(const struct route *routes)
{
	for (const struct route *r = routes; r->pattern; r++)
		if ((r->flags & ROUTE_PAGE) && method_listed(r->methods, "POST") && !(r->flags & ROUTE_CSRF)) {
			log_error("route %s %s: a page's POST must declare ROUTE_CSRF", r->methods, r->pattern);
			return false;
		}
	return true;
}

/* Work the steps keep for later: done when due; while none is due, the wait for the next
 * request (poll of the listening socket, fd 0) lasts at most until it is. */
static void idle_work(const struct app_steps *steps)
{
	if (!steps->idle_due || !steps->idle)
		return;
	long due = steps->idle_due();
	if (due > 0) {
		struct pollfd p = { .fd = 0, .events = POLLIN };
		if (poll(&p, 1, (int)(due > 60000 ? 60000 : due)) != 0)
			return; /* a request (or an error): serve it first */
		due = steps->idle_due();
	}
	if (due == 0)
		steps->idle(false);
}

static volatile sig_atomic_t stopping;

/* TERM: finish the request in hand, do the kept work, stop. The handler does not restart
 * the accept: libfcgi then returns (FCGX_ShutdownPending). */
static void on_term(int sig)
{
	(void)sig;
	stopping = 1;
	FCGX_ShutdownPending();
}

int app_run(const char *program, const struct route *routes, const struct app_steps *steps)
{
	if (!steps)
		steps = &no_steps;
	log_set_program(program);
	char err[512];
	if (config_load(err, sizeof err) < 0) {
		log_error("configuration: %s", err);
		return 1;
	}
	if (!routes_guarded(routes))
		return 1;
	if (steps->start)
		steps->start();
	signal(SIGPIPE, SIG_IGN);
	if (FCGX_Init() != 0)
		return 1;
	FCGX_Request fcgi;
	FCGX_InitRequest(&fcgi, 0, 0);
	bool unix_socket = listens_on_unix_socket(0);
	if (steps->idle)
		sigaction(SIGTERM, &(struct sigaction){ .sa_handler = on_term }, NULL);
	serving = true;
	while (!stopping && FCGX_Accept_r(&fcgi) >= 0) {
		struct timespec t0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		struct request req = { 0 };
		crypto_uuid_v4(req.request_id);
		enum req_error pe = request_read(&req, &fcgi);
		if (steps->begin)
			steps->begin(&req);
		app_handle(routes, steps, &req, pe);
		if (steps->end)
			steps->end(req.status > 0 && req.status < 400);
		if (!req.headers_sent)
			send_server_error(&req);
		if (cfg.log_requests)
			log_request(&req, &t0);
		request_free(&req);
		if (unix_socket) {
			finish_input(&fcgi);
			FCGX_Detach(&fcgi);
		}
		FCGX_Finish_r(&fcgi);
		run_after_response();
		if (!stopping)
			idle_work(steps);
	}
	if (steps->idle)
		steps->idle(true);
	db_close();
	config_free();
	return 0;
}

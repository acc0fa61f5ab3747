/* SPDX-License-Identifier: BSD-2-Clause */
/* request: one FastCGI request turned into checked, typed parts: method, path (from
 * REQUEST_URI, so lighttpd and Apache agree), query and body parameters, JSON, cookies and
 * the Authorization header. Hard caps on sizes; invalid UTF-8 and NUL bytes are refused. */
#ifndef TESSERA_REQUEST_H
#define TESSERA_REQUEST_H
#include <fcgiapp.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum body_kind { BODY_NONE, BODY_FORM, BODY_JSON, BODY_OTHER };

enum req_error {
	REQ_OK = 0,
	REQ_TOO_LARGE,      /* body over max_body */
	REQ_BAD_JSON,       /* unparseable JSON, or not an object */
	REQ_BAD_ENCODING,   /* bad percent-encoding, invalid UTF-8 or a NUL byte */
	REQ_FIELD_TOO_LONG, /* one value over max_field */
	REQ_DUPLICATE,      /* a parameter given twice (refused on OAuth routes) */
	REQ_NOMEM,
};

struct param {
	char *name;
	char *value;      /* NUL-terminated; never contains NUL (refused at parse time) */
	bool from_body;
};

#define MAX_PATH_PARAMS 4

struct request {
	FCGX_Request *fcgi;
	const char *method;
	char *path;                /* decoded path without query, /api prefix removed */
	const char *query;
	const char *content_type;
	enum body_kind body_kind;
	char *body;
	size_t body_len;
	struct param *params;
	size_t nparams;
	json_t *json;              /* the JSON body object, if any */
	const char *authorization;
	const char *origin;
	const char *user_agent;
	const char *cookie_header;
	char remote_addr[64];
	char request_id[37];
	const char *duplicate;     /* name of a repeated parameter, if any */
	char *path_params[MAX_PATH_PARAMS];
	/* filled by app and auth as the request goes on */
	int status;
	const char *route;
	unsigned route_flags;      /* the matched route's flags (app.h ROUTE_*): its error family */
	bool scim;                 /* the route speaks SCIM (ROUTE_SCIM): response.c answers every
				    * error as a SCIM Error */
	struct auth *auth;
	struct login *page_login; /* the page session's Login (ROUTE_PAGE_SESSION) */
	char admin_project[37];    /* the project the caller administers here (ROUTE_ADMIN) */
	bool headers_sent;
	char *headers;             /* response header lines added by req_add_header */
	size_t headers_len;
	char log_login[37];        /* ids for the request log line; never secrets */
	char log_client[37];
	struct {                   /* lib/ratelimit.c; the RateLimit header is written from it */
		bool counted;      /* hits is known for this request */
		bool auth_class;   /* /auth/..., /oauth2/... (not /auth/me) */
		long long hits;    /* requests of this IP in this window, this one included */
		int limit;         /* the limit that applies: configured, or the project's */
		int reset;         /* seconds until the window ends */
		long retry_after;  /* > 0: refused for another reason (account, client); the header
				    * says r=0 and this t */
	} rl;
};

/* Reads the request from FastCGI. Returns REQ_OK or the first error met; the request is
 * always safe to pass to request_free. */
enum req_error request_read(struct request *req, FCGX_Request *fcgi);
/* Parses without FastCGI: the unit tests and fuzzers use this. */
enum req_error request_parse(struct request *req, const char *method, const char *uri,
			     const char *content_type, const char *body, size_t body_len);
void request_free(struct request *req);
/* Adds a response header line ("Name: value\r\n"), sent with whatever answer the request
 * gets: a cookie set by a library function reaches the response without the caller carrying
 * a buffer. A line with a bare CR or LF inside, or no CRLF at its end, is refused (-1). */
int req_add_header(struct request *req, const char *line);

const char *req_param(const struct request *req, const char *name);
/* Only from the query string, or only from the body (POST forms). */
const char *req_query_param(const struct request *req, const char *name);
const char *req_body_param(const struct request *req, const char *name);
const char *req_header(const struct request *req, const char *cgi_name);
/* Cookie value by name, copied into out; false if absent or too long. */
bool req_cookie(const struct request *req, const char *name, char *out, size_t outlen);

/* The client's address: REMOTE_ADDR, or X-Forwarded-For when the peer is a trusted proxy. */
void client_address(struct request *req, const char *forwarded);
bool address_listed(const char *list, const char *addr);

/* Decoders, exposed for tests and fuzzers. */
enum req_error parse_urlencoded(const char *s, size_t len, struct request *req, bool from_body);
bool utf8_valid(const char *s, size_t len);
/* Splits "Basic base64(id:secret)"; returns false on any malformation. */
bool parse_basic_auth(const char *header, char *id, size_t idlen, char *secret, size_t secretlen);

#endif

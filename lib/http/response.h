/* SPDX-License-Identifier: BSD-2-Clause */
/* response: every byte that goes back to the client. Standard security headers and CORS
 * (PROTOCOL.md §1.2) on everything; OperationOutcome and OAuth error bodies with the exact status
 * mapping of §1.3; no-store on token responses. */
#ifndef TESSERA_RESPONSE_H
#define TESSERA_RESPONSE_H
#include <jansson.h>
#include <stdbool.h>

struct request;

/* Extra header lines ("Name: value\r\n"...) may be passed as NULL. */
void send_json(struct request *req, int status, json_t *body, const char *extra_headers);
/* A JSON body already serialized (a document served unchanged many times: the JWKS). */
void send_json_text(struct request *req, int status, const char *text);
/* A FHIR resource (application/fhir+json). */
void send_fhir(struct request *req, int status, json_t *body);
void send_text(struct request *req, int status, const char *text, const char *extra_headers);
/* A body of any type (a download: the caller adds its Content-Disposition). */
void send_typed(struct request *req, int status, const char *content_type, const char *body, size_t len);
void send_empty(struct request *req, int status, const char *extra_headers);
/* An HTML page with its own Content-Security-Policy value (csp; NULL keeps the API's, which
 * forbids forms); every other header is the same as for the API. */
void send_html(struct request *req, int status, const char *html, const char *csp, const char *extra_headers);

/* SCIM 2.0 (RFC 7644): a resource or list as application/scim+json, and the Error body
 * {"schemas":[...Error], "status":"400", "scimType"?, "detail"} (RFC 7644 section 3.12). On a SCIM route
 * (req->scim) every OperationOutcome below is sent as a SCIM Error instead. */
void send_scim(struct request *req, int status, json_t *body, const char *extra_headers);
void send_scim_error(struct request *req, int status, const char *scim_type, const char *detail);
/* OperationOutcome answers. */
void send_outcome(struct request *req, int status, const char *id, const char *code,
		  const char *text, const char *expression);
void send_bad_request(struct request *req, const char *text, const char *expression);
void send_unauthorized(struct request *req);
void send_forbidden(struct request *req);
void send_not_found(struct request *req);
void send_conflict(struct request *req, const char *text);
void send_all_ok(struct request *req);
/* 429 too-many-requests (code throttled) with the rate-limit-reset extension (seconds until
 * the limit lifts) and Retry-After: Medplum's MFA attempt limit (auth/mfalimit.ts). */
void response_throttled(struct request *req, long retry_after, const char *text);
void send_unavailable(struct request *req);
void send_server_error(struct request *req);

/* 429 with Medplum's rate limiter body (PROTOCOL.md §1.3) and Retry-After (whole seconds, at least
 * 1); the RateLimit header then says r=0. */
void response_rate_limited(struct request *req, long long consumed, long long limit, long long ms_before_next);
/* The RateLimit header line for this request ("" when nothing was counted). */
void rate_limit_header(const struct request *req, char *out, size_t len);

/* OAuth error: {"error":..., "error_description":...}; 401 invalid_client adds WWW-Authenticate. */
void send_oauth_error(struct request *req, int status, const char *error, const char *description);

json_t *outcome_new(const char *id, const char *severity, const char *code, const char *text,
		    const char *expression);
int outcome_status(const char *id, const char *code);
/* The CORS headers for this request (empty string when the origin is not allowed). */
void cors_headers(const struct request *req, char *out, size_t outlen);
bool cors_origin_allowed(const char *origin);

/* "RateLimit: \"requests\";r=<remaining>;t=<reset>\r\n"; negative values are written as 0. */
void response_ratelimit_header(char *out, size_t len, long long remaining, long long reset);
/* The Retry-After value (whole seconds, at least 1) for a wait in milliseconds. */
long response_retry_seconds(long long ms);

#endif

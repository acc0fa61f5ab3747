/* SPDX-License-Identifier: BSD-2-Clause */
/* response: headers, bodies and error shapes. */
#include "http/response.h"
#include "core/config.h"
#include "http/request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void response_ratelimit_header(char *out, size_t len, long long remaining, long long reset)
{
	snprintf(out, len, "RateLimit: \"requests\";r=%lld;t=%lld\r\n", remaining > 0 ? remaining : 0,
		 reset > 0 ? reset : 0);
}

long response_retry_seconds(long long ms)
{
	long s = (long)((ms + 999) / 1000);
	return s < 1 ? 1 : s;
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 302: return "Found";
	case 303: return "See Other";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Status";
	}
}

static const char *const cors_prefixes[] = {
	"/.well-known/", "/admin/", "/auth/", "/email/", "/fhir/", "/fhircast/", "/oauth2/",
	"/keyvalue/", "/storage/", NULL,
};

bool cors_origin_allowed(const char *origin)
{
	if (!origin || !*origin || strlen(origin) > 512)
		return false;
	/* Medplum's appBaseUrl.startsWith(origin), but only at a whole origin: a bare prefix
	 * would let "https://app.example.co" in for "https://app.example.com/". */
	size_t olen = strlen(origin);
	if (!strncmp(cfg.app_base_url, origin, olen) &&
	    (cfg.app_base_url[olen] == '/' || cfg.app_base_url[olen] == '\0'))
		return true;
	if (!strcmp(cfg.allowed_origins, "*"))
		return true;
	const char *list = cfg.allowed_origins;
	while (*list) {
		while (*list == ' ' || *list == ',')
			list++;
		size_t n = strcspn(list, ",");
		size_t t = n;
		while (t && list[t - 1] == ' ')
			t--;
		if (t == olen && !strncmp(list, origin, olen))
			return true;
		list += n;
	}
	return false;
}

void cors_headers(const struct request *req, char *out, size_t outlen)
{
	out[0] = '\0';
	bool cors_path = false;
	for (int i = 0; cors_prefixes[i]; i++)
		if (req->path && !strncmp(req->path, cors_prefixes[i], strlen(cors_prefixes[i])))
			cors_path = true;
	if (!cors_path || !cors_origin_allowed(req->origin))
		return;
	/* The origin was checked above: only an allowed value is reflected, and it holds no CR/LF. */
	if (strpbrk(req->origin, "\r\n"))
		return;
	snprintf(out, outlen,
		 "Access-Control-Allow-Origin: %s\r\nVary: Origin\r\nAccess-Control-Allow-Credentials: true\r\n"
		 "Access-Control-Expose-Headers: Content-Location,ETag,Last-Modified,Location,RateLimit\r\n",
		 req->origin);
}

#define API_CSP "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none';"

void rate_limit_header(const struct request *req, char *out, size_t len)
{
	out[0] = '\0';
	if (req->rl.retry_after > 0)
		response_ratelimit_header(out, len, 0, req->rl.retry_after);
	else if (req->rl.counted && req->rl.limit >= 0)
		response_ratelimit_header(out, len, (long long)req->rl.limit - req->rl.hits, req->rl.reset);
}

/* csp: the Content-Security-Policy value; NULL for the API's (HTML pages bring their own). */
static void write_head_csp(struct request *req, int status, const char *content_type, size_t length,
			   const char *extra, const char *csp)
{
	FCGX_Stream *out = req->fcgi ? req->fcgi->out : NULL;
	req->status = status;
	req->headers_sent = true;
	if (!out)
		return;
	char cors[1024], limit[96] = "";
	cors_headers(req, cors, sizeof cors);
	rate_limit_header(req, limit, sizeof limit);
	FCGX_FPrintF(out,
		     "Status: %d %s\r\n"
		     "Cache-Control: no-store, no-cache, must-revalidate\r\n"
		     "Pragma: no-cache\r\n"
		     "%s"
		     "Content-Security-Policy: %s\r\n"
		     "Referrer-Policy: no-referrer\r\n"
		     "X-Content-Type-Options: nosniff\r\n"
		     "X-Frame-Options: DENY\r\n"
		     "X-XSS-Protection: 1; mode=block\r\n"
		     "Permissions-Policy: camera=(), microphone=(), geolocation=(), payment=()\r\n"
		     "X-Request-Id: %s\r\n"
		     "%s%s%s%s",
		     status, reason(status),
		     !strncmp(cfg.base_url, "https:", 6)
			     ? "Strict-Transport-Security: max-age=63072000; includeSubDomains; preload\r\n"
			     : "",
		     csp && !strpbrk(csp, "\r\n") ? csp : API_CSP, req->request_id, limit, cors, extra ? extra : "",
		     req->headers ? req->headers : "");
	if (content_type)
		FCGX_FPrintF(out, "Content-Type: %s\r\nContent-Length: %lu\r\n", content_type, (unsigned long)length);
	else
		FCGX_FPrintF(out, "Content-Length: 0\r\n");
	FCGX_PutS("\r\n", out);
}

static void write_head(struct request *req, int status, const char *content_type, size_t length,
		       const char *extra)
{
	write_head_csp(req, status, content_type, length, extra, NULL);
}

static void write_body(struct request *req, const char *body, size_t len)
{
	if (req->fcgi && len && strcmp(req->method, "HEAD") != 0)
		FCGX_PutStr(body, (int)len, req->fcgi->out);
}

static void send_json_typed(struct request *req, int status, json_t *body, const char *type, const char *extra)
{
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (!text) {
		write_head(req, 500, "application/json", 32, NULL);
		write_body(req, "{\"msg\":\"Internal Server Error\"}\n", 32);
		return;
	}
	size_t len = strlen(text);
	write_head(req, status, type, len, extra);
	write_body(req, text, len);
	free(text);
}

void send_typed(struct request *req, int status, const char *content_type, const char *body, size_t len)
{
	write_head(req, status, content_type, len, NULL);
	write_body(req, body, len);
}

void send_json_text(struct request *req, int status, const char *text)
{
	size_t len = strlen(text);
	write_head(req, status, "application/json; charset=utf-8", len, NULL);
	write_body(req, text, len);
}

void send_json(struct request *req, int status, json_t *body, const char *extra)
{
	send_json_typed(req, status, body, "application/json; charset=utf-8", extra);
}

void send_fhir(struct request *req, int status, json_t *body)
{
	send_json_typed(req, status, body, "application/fhir+json; charset=utf-8", NULL);
}

void send_text(struct request *req, int status, const char *text, const char *extra)
{
	size_t len = strlen(text);
	write_head(req, status, "text/plain; charset=utf-8", len, extra);
	write_body(req, text, len);
}


void send_html(struct request *req, int status, const char *html, const char *csp, const char *extra)
{
	size_t len = strlen(html);
	write_head_csp(req, status, "text/html; charset=utf-8", len, extra, csp);
	write_body(req, html, len);
}

void send_empty(struct request *req, int status, const char *extra)
{
	write_head(req, status, NULL, 0, extra);
}

int outcome_status(const char *id, const char *code)
{
	static const struct { const char *id; int status; } map[] = {
		{ "ok", 200 }, { "created", 201 }, { "accepted", 202 }, { "found", 302 },
		{ "not-modified", 304 }, { "unauthorized", 401 }, { "forbidden", 403 },
		{ "not-found", 404 }, { "conflict", 409 }, { "gone", 410 },
		{ "precondition-failed", 412 }, { "multiple-matches", 412 },
		{ "content-too-large", 413 }, { "unsupported-media-type", 415 },
		{ "business-rule", 422 }, { "too-many-requests", 429 }, { "server-timeout", 504 },
		{ "unavailable", 503 },
	};
	for (size_t i = 0; id && i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(map[i].id, id))
			return map[i].status;
	return code && !strcmp(code, "exception") ? 500 : 400;
}

json_t *outcome_new(const char *id, const char *severity, const char *code, const char *text,
		    const char *expression)
{
	json_t *issue = json_pack("{s:s, s:s, s:{s:s}}", "severity", severity, "code", code, "details", "text", text);
	if (expression)
		json_object_set_new(issue, "expression", json_pack("[s]", expression));
	json_t *o = json_pack("{s:s}", "resourceType", "OperationOutcome");
	if (id)
		json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "issue", json_pack("[o]", issue));
	return o;
}

#define SCIM_TYPE "application/scim+json; charset=utf-8"
#define SCIM_ERROR "urn:ietf:params:scim:api:messages:2.0:Error"

void send_scim(struct request *req, int status, json_t *body, const char *extra)
{
	send_json_typed(req, status, body, SCIM_TYPE, extra);
}

void send_scim_error(struct request *req, int status, const char *scim_type, const char *detail)
{
	char code[8];
	snprintf(code, sizeof code, "%d", status);
	json_t *e = json_pack("{s:[s], s:s, s:s}", "schemas", SCIM_ERROR, "status", code, "detail", detail ? detail : "");
	if (scim_type)
		json_object_set_new(e, "scimType", json_string(scim_type));
	send_scim(req, status, e, NULL);
}

void send_outcome(struct request *req, int status, const char *id, const char *code, const char *text,
		  const char *expression)
{
	if (req->scim) {
		send_scim_error(req, status, NULL, text);
		return;
	}
	const char *severity = id && !strcmp(id, "ok") ? "information" : "error";
	json_t *o = outcome_new(id, severity, code, text, expression);
	json_object_set_new(o, "extension",
			    json_pack("[{s:s, s:[{s:s, s:s}]}]", "url",
				      "https://medplum.com/fhir/StructureDefinition/tracing", "extension", "url",
				      "requestId", "valueId", req->request_id));
	send_json_typed(req, status, o, "application/fhir+json; charset=utf-8", NULL);
}

/* 429 with the seconds until the limit lifts: Medplum's rate-limit-reset extension
 * (valueUnsignedInt) and Retry-After. */
void response_throttled(struct request *req, long retry_after, const char *text)
{
	char header[64];
	if (retry_after < 1)
		retry_after = 1;
	snprintf(header, sizeof header, "Retry-After: %ld\r\n", retry_after);
	if (req->scim) {
		json_t *e = json_pack("{s:[s], s:s, s:s}", "schemas", SCIM_ERROR, "status", "429", "detail", text);
		send_scim(req, 429, e, header);
		return;
	}
	json_t *o = outcome_new("too-many-requests", "error", "throttled", text, NULL);
	json_object_set_new(o, "extension",
			    json_pack("[{s:s, s:I}, {s:s, s:[{s:s, s:s}]}]", "url",
				      "https://medplum.com/fhir/StructureDefinition/rate-limit-reset", "valueUnsignedInt",
				      (json_int_t)retry_after, "url", "https://medplum.com/fhir/StructureDefinition/tracing",
				      "extension", "url", "requestId", "valueId", req->request_id));
	send_json_typed(req, 429, o, "application/fhir+json; charset=utf-8", header);
}

void send_bad_request(struct request *req, const char *text, const char *expression)
{
	send_outcome(req, 400, NULL, "invalid", text, expression);
}

void send_unauthorized(struct request *req)
{
	send_outcome(req, 401, "unauthorized", "login", "Unauthorized", NULL);
}

void send_forbidden(struct request *req)
{
	send_outcome(req, 403, "forbidden", "forbidden", "Forbidden", NULL);
}

void send_conflict(struct request *req, const char *text)
{
	send_outcome(req, 409, "conflict", "conflict", text, NULL);
}

void send_not_found(struct request *req)
{
	send_outcome(req, 404, "not-found", "not-found", "Not found", NULL);
}

void send_all_ok(struct request *req)
{
	send_outcome(req, 200, "ok", "informational", "All OK", NULL);
}

void send_unavailable(struct request *req)
{
	send_outcome(req, 503, "unavailable", "transient", "Service unavailable: the database cannot be reached", NULL);
}

void send_server_error(struct request *req)
{
	if (req->scim) {
		send_scim_error(req, 500, NULL, "Internal Server Error");
		return;
	}
	json_t *body = json_pack("{s:s}", "msg", "Internal Server Error");
	send_json(req, 500, body, NULL);
}

void send_oauth_error(struct request *req, int status, const char *error, const char *description)
{
	char extra[600] = "";
	/* A refused bearer token is challenged as one (RFC 6750 §3); client credentials with Basic. */
	if (status == 401 && !strcmp(error, "invalid_token"))
		snprintf(extra, sizeof extra, "WWW-Authenticate: Bearer error=\"invalid_token\"\r\n");
	else if (status == 401)
		snprintf(extra, sizeof extra, "WWW-Authenticate: Basic realm=\"%s\"\r\n", cfg.base_url);
	json_t *body = json_pack("{s:s, s:s}", "error", error, "error_description", description);
	send_json(req, status, body, extra);
}

void response_rate_limited(struct request *req, long long consumed, long long limit, long long ms_before_next)
{
	if (ms_before_next < 0)
		ms_before_next = 0;
	long retry = response_retry_seconds(ms_before_next);
	/* The header must then say r=0, so the SDK waits for the reset before its retry. */
	if (req->rl.retry_after <= 0)
		req->rl.retry_after = retry;
	/* Medplum's body (PROTOCOL.md §1.3): a rate-limiter-flexible RateLimiterRes spread into the
	 * diagnostics, sent with plain res.json. */
	char diagnostics[200], extra[64];
	snprintf(diagnostics, sizeof diagnostics,
		 "{\"_remainingPoints\":0,\"_msBeforeNext\":%lld,\"_consumedPoints\":%lld,\"_isFirstInDuration\":false,"
		 "\"limit\":%lld}",
		 ms_before_next, consumed, limit);
	snprintf(extra, sizeof extra, "Retry-After: %ld\r\n", retry);
	if (req->scim) {
		json_t *e = json_pack("{s:[s], s:s, s:s}", "schemas", SCIM_ERROR, "status", "429", "detail", "Too Many Requests");
		send_scim(req, 429, e, extra);
		return;
	}
	json_t *body = json_pack("{s:s, s:s, s:[{s:s, s:s, s:{s:s}, s:s}]}", "resourceType", "OperationOutcome", "id",
				 "too-many-requests", "issue", "severity", "error", "code", "throttled", "details", "text",
				 "Too Many Requests", "diagnostics", diagnostics);
	send_json(req, 429, body, extra);
}

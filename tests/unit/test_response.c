/* SPDX-License-Identifier: BSD-2-Clause */
/* response: OperationOutcome status mapping and shape (PROTOCOL.md §1.3), CORS (PROTOCOL.md §1.2). */
#include "tests.h"

#include "core/config.h"
#include "http/request.h"
#include "http/response.h"
#include "http/app.h"
#include "http/refuse.h"
#include "core/refusal.h"

#include <string.h>

static void setup(void)
{
	test_config_load();
}

static void set(const char *key, const char *value)
{
	char err[256];
	ck_assert_int_eq(config_set(key, value, err, sizeof err), 0);
}

START_TEST(test_outcome_status)
{
	static const struct { const char *id; int status; } map[] = {
		{ "ok", 200 }, { "created", 201 }, { "accepted", 202 }, { "found", 302 }, { "not-modified", 304 },
		{ "unauthorized", 401 }, { "forbidden", 403 }, { "not-found", 404 }, { "conflict", 409 },
		{ "gone", 410 }, { "precondition-failed", 412 }, { "multiple-matches", 412 },
		{ "content-too-large", 413 }, { "unsupported-media-type", 415 }, { "business-rule", 422 },
		{ "too-many-requests", 429 }, { "server-timeout", 504 },
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		ck_assert_msg(outcome_status(map[i].id, "invalid") == map[i].status, "%s", map[i].id);
		/* the id decides, whatever the issue code */
		ck_assert_msg(outcome_status(map[i].id, "exception") == map[i].status, "%s", map[i].id);
		ck_assert_msg(outcome_status(map[i].id, NULL) == map[i].status, "%s", map[i].id);
	}
	/* Tessera's own addition for a database outage */
	ck_assert_int_eq(outcome_status("unavailable", "transient"), 503);
	/* otherwise: code exception gives 500, anything else 400 */
	ck_assert_int_eq(outcome_status("no-such-id", "exception"), 500);
	ck_assert_int_eq(outcome_status(NULL, "exception"), 500);
	ck_assert_int_eq(outcome_status("no-such-id", "invalid"), 400);
	ck_assert_int_eq(outcome_status(NULL, "invalid"), 400);
	ck_assert_int_eq(outcome_status(NULL, NULL), 400);
	ck_assert_int_eq(outcome_status("3f2a1c1e-0000-4000-8000-000000000000", "invalid"), 400);
	ck_assert_int_eq(outcome_status("OK", "invalid"), 400);
	ck_assert_int_eq(outcome_status("not-found ", "invalid"), 400);
	ck_assert_int_eq(outcome_status("", "Exception"), 400);
}
END_TEST

START_TEST(test_outcome_shape)
{
	json_t *o = outcome_new("not-found", "error", "not-found", "Not found", NULL);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(json_string_value(json_object_get(o, "resourceType")), "OperationOutcome");
	ck_assert_str_eq(json_string_value(json_object_get(o, "id")), "not-found");
	json_t *issues = json_object_get(o, "issue");
	ck_assert(json_is_array(issues));
	ck_assert_uint_eq(json_array_size(issues), 1);
	json_t *issue = json_array_get(issues, 0);
	ck_assert_str_eq(json_string_value(json_object_get(issue, "severity")), "error");
	ck_assert_str_eq(json_string_value(json_object_get(issue, "code")), "not-found");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(issue, "details"), "text")), "Not found");
	ck_assert_ptr_null(json_object_get(issue, "expression"));
	ck_assert_uint_eq(json_object_size(issue), 3);
	ck_assert_uint_eq(json_object_size(o), 3);
	json_decref(o);

	o = outcome_new(NULL, "error", "invalid", "Email already registered", "email");
	ck_assert_ptr_null(json_object_get(o, "id"));
	ck_assert_uint_eq(json_object_size(o), 2);
	issue = json_array_get(json_object_get(o, "issue"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(issue, "code")), "invalid");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(issue, "details"), "text")),
			 "Email already registered");
	json_t *expr = json_object_get(issue, "expression");
	ck_assert(json_is_array(expr));
	ck_assert_uint_eq(json_array_size(expr), 1);
	ck_assert_str_eq(json_string_value(json_array_get(expr, 0)), "email");
	json_decref(o);

	/* the exact compact form of PROTOCOL.md §1.3's allOk */
	o = outcome_new("ok", "information", "informational", "All OK", NULL);
	char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	ck_assert_str_eq(text, "{\"id\":\"ok\",\"issue\":[{\"code\":\"informational\",\"details\":{\"text\":\"All OK\"},"
			       "\"severity\":\"information\"}],\"resourceType\":\"OperationOutcome\"}");
	free(text);
	json_decref(o);
}
END_TEST

START_TEST(test_send_without_fcgi)
{
	struct request req;
	memset(&req, 0, sizeof req);
	req.method = "GET";
	req.path = (char *)"/auth/me";
	send_not_found(&req);
	ck_assert_int_eq(req.status, 404);
	ck_assert(req.headers_sent);
	send_unauthorized(&req);
	ck_assert_int_eq(req.status, 401);
	send_forbidden(&req);
	ck_assert_int_eq(req.status, 403);
	send_all_ok(&req);
	ck_assert_int_eq(req.status, 200);
	send_bad_request(&req, "Invalid", "email");
	ck_assert_int_eq(req.status, 400);
	send_unavailable(&req);
	ck_assert_int_eq(req.status, 503);
	send_server_error(&req);
	ck_assert_int_eq(req.status, 500);
	send_oauth_error(&req, 401, "invalid_client", "Invalid client");
	ck_assert_int_eq(req.status, 401);
	send_empty(&req, 204, NULL);
	ck_assert_int_eq(req.status, 204);
}
END_TEST

START_TEST(test_cors_origin_allowed)
{
	set("app_base_url", "https://app.example.com/");
	ck_assert(cors_origin_allowed("https://app.example.com"));
	ck_assert(cors_origin_allowed("https://app.example.com/"));
	ck_assert(!cors_origin_allowed("https://evil.example.com"));
	ck_assert(!cors_origin_allowed("https://app.example.com.evil.com"));
	ck_assert(!cors_origin_allowed("http://app.example.com"));
	ck_assert(!cors_origin_allowed("https://app.example.com:8443"));
	/* a prefix of app_base_url is allowed only when it ends at a whole origin */
	ck_assert(!cors_origin_allowed("https://app.example.co"));
	ck_assert(!cors_origin_allowed("https://app"));
	ck_assert(!cors_origin_allowed("h"));
	ck_assert(!cors_origin_allowed(NULL));
	ck_assert(!cors_origin_allowed(""));
	ck_assert(!cors_origin_allowed("null"));

	set("allowed_origins", "https://a.example, https://b.example ,http://localhost:3000");
	ck_assert(cors_origin_allowed("https://a.example"));
	ck_assert(cors_origin_allowed("https://b.example"));
	ck_assert(cors_origin_allowed("http://localhost:3000"));
	ck_assert(cors_origin_allowed("https://app.example.com"));
	ck_assert(!cors_origin_allowed("https://a.exampl"));
	ck_assert(!cors_origin_allowed("https://a.example.evil"));
	ck_assert(!cors_origin_allowed("https://c.example"));
	ck_assert(!cors_origin_allowed("http://localhost:30000"));
	ck_assert(!cors_origin_allowed("https://a.example, https://b.example"));
	ck_assert(!cors_origin_allowed(" https://a.example"));

	set("allowed_origins", "*");
	ck_assert(cors_origin_allowed("https://anything.example"));
	ck_assert(cors_origin_allowed("http://localhost:1"));
	ck_assert(!cors_origin_allowed(NULL));
	ck_assert(!cors_origin_allowed(""));
	char big[600];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ck_assert(!cors_origin_allowed(big));

	set("allowed_origins", "");
	ck_assert(!cors_origin_allowed("https://anything.example"));
}
END_TEST

static const char *const cors_paths[] = {
	"/.well-known/openid-configuration", "/admin/projects/x/invite", "/auth/login", "/email/v1/send",
	"/fhir/R4/Patient", "/fhircast/STU2", "/oauth2/token", "/keyvalue/v1/x", "/storage/x",
};

START_TEST(test_cors_headers_paths)
{
	set("app_base_url", "https://app.example.com/");
	struct request req;
	memset(&req, 0, sizeof req);
	req.origin = "https://app.example.com";
	req.path = (char *)cors_paths[_i];
	char out[1024];
	memset(out, 'X', sizeof out);
	cors_headers(&req, out, sizeof out);
	ck_assert_msg(strstr(out, "Access-Control-Allow-Origin: https://app.example.com\r\n") != NULL, "%s: '%s'",
		      req.path, out);
	ck_assert_ptr_nonnull(strstr(out, "Access-Control-Allow-Credentials: true\r\n"));
	ck_assert_ptr_nonnull(strstr(out, "Vary: Origin\r\n"));
	ck_assert_ptr_nonnull(strstr(out, "Access-Control-Expose-Headers: Content-Location,ETag,Last-Modified,Location"));
	size_t n = strlen(out);
	ck_assert(n >= 2 && !strcmp(out + n - 2, "\r\n"));

	/* the same path with a foreign origin: nothing */
	req.origin = "https://evil.example.com";
	cors_headers(&req, out, sizeof out);
	ck_assert_str_eq(out, "");
	req.origin = NULL;
	cors_headers(&req, out, sizeof out);
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_cors_headers_other_paths)
{
	set("app_base_url", "https://app.example.com/");
	set("allowed_origins", "*");
	static const char *const paths[] = {
		"/signin", "/", "/auth", "/oauth2", "/authx/login", "/healthcheck", "/scim/v2/Users", "/api/auth/login",
		"auth/login", "/Auth/login",
	};
	struct request req;
	memset(&req, 0, sizeof req);
	req.origin = "https://app.example.com";
	char out[1024];
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		req.path = (char *)paths[i];
		memset(out, 'X', sizeof out);
		cors_headers(&req, out, sizeof out);
		ck_assert_msg(out[0] == '\0', "CORS headers on %s", paths[i]);
	}
	req.path = NULL;
	cors_headers(&req, out, sizeof out);
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_cors_headers_no_injection)
{
	set("allowed_origins", "*");
	struct request req;
	memset(&req, 0, sizeof req);
	req.path = (char *)"/auth/login";
	char out[1024];
	req.origin = "https://x.example\r\nSet-Cookie: a=b";
	cors_headers(&req, out, sizeof out);
	ck_assert_str_eq(out, "");
	req.origin = "https://x.example\nX: y";
	cors_headers(&req, out, sizeof out);
	ck_assert_str_eq(out, "");
	req.origin = "https://x.example";
	cors_headers(&req, out, sizeof out);
	ck_assert_ptr_nonnull(strstr(out, "Access-Control-Allow-Origin: https://x.example\r\n"));
}
END_TEST

START_TEST(test_refusal_shapes)
{
	struct refusal r;
	ck_assert_int_eq(refuse(&r, 400, "Invalid code", "code"), 1);
	ck_assert_int_eq(r.status, 400);
	ck_assert_str_eq(r.text, "Invalid code");
	ck_assert_str_eq(r.expression, "code");
	ck_assert_ptr_null(r.oauth_error);
	ck_assert_int_eq(refuse_oauth(&r, 400, "invalid_grant", "Invalid grant"), 1);
	ck_assert_str_eq(r.oauth_error, "invalid_grant");
	ck_assert_ptr_null(r.expression);
	ck_assert_int_eq(refuse_wait(&r, "Too many", -5, 3, 5), 1);
	ck_assert_int_eq(r.status, 429);
	ck_assert_int_eq(r.retry_ms, 0);
	ck_assert_int_eq(r.limit, 5);
	char long_text[400];
	memset(long_text, 'x', sizeof long_text - 1);
	long_text[sizeof long_text - 1] = '\0';
	ck_assert_int_eq(refuse_copy(&r, 400, long_text, NULL), 1);
	ck_assert_ptr_eq(r.text, r.buf);
	ck_assert_uint_eq(strlen(r.text), sizeof r.buf - 1);
}
END_TEST

/* Without a FastCGI stream only the status is recorded: each family answers with the refusal's. */
START_TEST(test_send_refusal_families)
{
	static const unsigned families[] = { 0, ROUTE_OAUTH, ROUTE_TEXT_ERRORS };
	static const int statuses[] = { 400, 401, 403, 404, 429 };
	for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
		for (size_t s = 0; s < sizeof statuses / sizeof statuses[0]; s++) {
			struct request req = { .method = "POST", .route_flags = families[f] };
			struct refusal r;
			refuse(&r, statuses[s], "No", NULL);
			ck_assert_int_eq(send_refusal(&req, &r), 1);
			ck_assert_int_eq(req.status, statuses[s]);
			ck_assert(req.headers_sent);
		}
}
END_TEST

Suite *response_suite(void)
{
	Suite *s = suite_create("response");
	TCase *tc = tcase_create("response");
	tcase_add_checked_fixture(tc, setup, test_config_free);
	tcase_add_test(tc, test_outcome_status);
	tcase_add_test(tc, test_outcome_shape);
	tcase_add_test(tc, test_send_without_fcgi);
	tcase_add_test(tc, test_cors_origin_allowed);
	tcase_add_loop_test(tc, test_cors_headers_paths, 0, (int)(sizeof cors_paths / sizeof cors_paths[0]));
	tcase_add_test(tc, test_cors_headers_other_paths);
	tcase_add_test(tc, test_cors_headers_no_injection);
	tcase_add_test(tc, test_refusal_shapes);
	tcase_add_test(tc, test_send_refusal_families);
	suite_add_tcase(s, tc);
	return s;
}

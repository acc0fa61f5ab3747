/* SPDX-License-Identifier: BSD-2-Clause */
/* csrf: form tokens bound to the browser's cookie, the login-to-browser binding cookie; page:
 * the origin of a client's redirect URI for the page CSP. */
#include "tests.h"

#include "core/config.h"
#include "http/csrf.h"
#include "http/page.h"
#include "http/request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FORM "application/x-www-form-urlencoded"
#define LOGIN_ID "3f2a1c1e-5b6d-4e7f-8a9b-0c1d2e3f4a5b"

static struct request req;
static struct request res; /* where the functions that only add headers add them */
static char cookies[512];

/* The header lines a request was given for its response ("" when none). */
#define HEADERS(r) ((r).headers ? (r).headers : "")

static void setup(void)
{
	test_config_load();
	memset(&req, 0, sizeof req);
}

static void teardown(void)
{
	request_free(&req);
	request_free(&res);
	config_free();
}

/* A POST with this form body and Cookie header (NULL: none). */
static void post(const char *body, const char *cookie_header)
{
	request_free(&req);
	ck_assert_int_eq(request_parse(&req, "POST", "/oauth", FORM, body, strlen(body)), REQ_OK);
	req.cookie_header = cookie_header;
}

/* The value of the Set-Cookie line for name in headers, copied to out. */
static bool set_cookie_value(const char *headers, const char *name, char *out, size_t outlen)
{
	char prefix[64];
	snprintf(prefix, sizeof prefix, "Set-Cookie: %s=", name);
	const char *p = strstr(headers, prefix);
	if (!p)
		return false;
	p += strlen(prefix);
	size_t n = strcspn(p, ";\r");
	if (n >= outlen)
		return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

/* A first visit: a fresh cookie (HttpOnly, SameSite=Lax) and a token derived from it. */
static void first_visit(char token[65], char cookie[33])
{
	post("x=1", NULL);
	ck_assert_int_eq(csrf_token(&req, token), 0);
	ck_assert_uint_eq(strlen(token), 64);
	ck_assert(set_cookie_value(HEADERS(req), CSRF_COOKIE, cookie, 33));
	ck_assert_uint_eq(strlen(cookie), 32);
	ck_assert_ptr_nonnull(strstr(HEADERS(req), "HttpOnly;"));
	ck_assert_ptr_nonnull(strstr(HEADERS(req), "SameSite=Lax"));
}

START_TEST(test_token_round_trip)
{
	char token[65], cookie[33], body[256], again[65];
	first_visit(token, cookie);
	snprintf(cookies, sizeof cookies, "other=1; %s=%s", CSRF_COOKIE, cookie);
	snprintf(body, sizeof body, "email=a%%40b.c&%s=%s", CSRF_FIELD, token);
	post(body, cookies);
	ck_assert(csrf_check(&req));
	/* The browser has a cookie now: the same token, no new cookie. */
	ck_assert_int_eq(csrf_token(&req, again), 0);
	ck_assert_str_eq(again, token);
	ck_assert_str_eq(HEADERS(req), "");
}
END_TEST

START_TEST(test_token_refused)
{
	char token[65], cookie[33], body[256], other[33] = "0123456789abcdef0123456789abcdef";
	first_visit(token, cookie);
	snprintf(cookies, sizeof cookies, "%s=%s", CSRF_COOKIE, cookie);
	/* no field, an empty one, a wrong one, one with a byte changed */
	post("email=a", cookies);
	ck_assert(!csrf_check(&req));
	post("csrf=", cookies);
	ck_assert(!csrf_check(&req));
	post("csrf=00", cookies);
	ck_assert(!csrf_check(&req));
	token[10] = token[10] == 'a' ? 'b' : 'a';
	snprintf(body, sizeof body, "%s=%s", CSRF_FIELD, token);
	post(body, cookies);
	ck_assert(!csrf_check(&req));
	token[10] = token[10] == 'a' ? 'b' : 'a';
	/* the right field without the cookie, or with another browser's cookie */
	post(body, NULL);
	ck_assert(!csrf_check(&req));
	snprintf(cookies, sizeof cookies, "%s=%s", CSRF_COOKIE, other);
	post(body, cookies);
	ck_assert(!csrf_check(&req));
	/* a cookie not of our shape is replaced, never used */
	char fresh[65];
	snprintf(cookies, sizeof cookies, "%s=short", CSRF_COOKIE);
	post(body, cookies);
	ck_assert(!csrf_check(&req));
	ck_assert_int_eq(csrf_token(&req, fresh), 0);
	ck_assert_ptr_nonnull(strstr(HEADERS(req), "Set-Cookie: " CSRF_COOKIE "="));
}
END_TEST

START_TEST(test_token_keyed)
{
	/* Another hash_key gives another token for the same cookie. */
	char token[65], cookie[33], again[65], err[256];
	first_visit(token, cookie);
	snprintf(cookies, sizeof cookies, "%s=%s", CSRF_COOKIE, cookie);
	ck_assert_int_eq(config_set("hash_key", "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100", err,
				    sizeof err),
			 0);
	post("x=1", cookies);
	ck_assert_int_eq(csrf_token(&req, again), 0);
	ck_assert_str_ne(again, token);
}
END_TEST

START_TEST(test_login_binding)
{
	char value[160];
	ck_assert_int_eq(csrf_bind(&res, BIND_SIGNIN, LOGIN_ID), 0);
	ck_assert_ptr_nonnull(strstr(HEADERS(res), "Path=/oauth;"));
	ck_assert_ptr_nonnull(strstr(HEADERS(res), "HttpOnly;"));
	ck_assert(set_cookie_value(HEADERS(res), LOGIN_COOKIE, value, sizeof value));
	snprintf(cookies, sizeof cookies, "%s=%s", LOGIN_COOKIE, value);
	post("x=1", cookies);
	ck_assert(csrf_bound(&req, BIND_SIGNIN, LOGIN_ID));
	/* another login, no cookie, a forged MAC, a cookie for another login */
	ck_assert(!csrf_bound(&req, BIND_SIGNIN, "3f2a1c1e-5b6d-4e7f-8a9b-0c1d2e3f4a5c"));
	ck_assert(!csrf_bound(&req, BIND_SIGNIN, NULL));
	ck_assert(!csrf_bound(&req, BIND_SIGNIN, "not-a-uuid"));
	post("x=1", NULL);
	ck_assert(!csrf_bound(&req, BIND_SIGNIN, LOGIN_ID));
	value[strlen(value) - 1] = value[strlen(value) - 1] == '0' ? '1' : '0';
	snprintf(cookies, sizeof cookies, "%s=%s", LOGIN_COOKIE, value);
	post("x=1", cookies);
	ck_assert(!csrf_bound(&req, BIND_SIGNIN, LOGIN_ID));
	snprintf(cookies, sizeof cookies, "%s=%s", LOGIN_COOKIE, LOGIN_ID);
	post("x=1", cookies);
	ck_assert(!csrf_bound(&req, BIND_SIGNIN, LOGIN_ID));
	/* only UUIDs are bound */
	request_free(&res);
	ck_assert_int_eq(csrf_bind(&res, BIND_SIGNIN, "x; Path=/"), -1);
	ck_assert_str_eq(HEADERS(res), "");
	csrf_unbind(&res, BIND_SIGNIN);
	ck_assert_ptr_nonnull(strstr(HEADERS(res), "Set-Cookie: " LOGIN_COOKIE "=; Max-Age=0; Path=/oauth;"));
	/* pages under a path of their origin: the cookie follows them there */
	char err[256];
	ck_assert_int_eq(config_set("app_base_url", "https://id.example.com/clinic/", err, sizeof err), 0);
	request_free(&res);
	ck_assert_int_eq(csrf_bind(&res, BIND_SIGNIN, LOGIN_ID), 0);
	ck_assert_ptr_nonnull(strstr(HEADERS(res), "; Path=/clinic/oauth; HttpOnly;"));
}
END_TEST

/* The session and registration bindings: their own cookie, path and MAC; one kind never
 * passes for another. */
START_TEST(test_session_binding)
{
	char value[160], id[37];
	ck_assert_int_eq(csrf_bind(&res, BIND_SESSION, LOGIN_ID), 0);
	ck_assert_ptr_nonnull(strstr(HEADERS(res), "Set-Cookie: " SESSION_COOKIE "="));
	ck_assert_ptr_nonnull(strstr(HEADERS(res), "; Max-Age=28800; Path=/; HttpOnly;"));
	ck_assert(set_cookie_value(HEADERS(res), SESSION_COOKIE, value, sizeof value));
	snprintf(cookies, sizeof cookies, "%s=%s", SESSION_COOKIE, value);
	post("x=1", cookies);
	ck_assert(csrf_bound_login(&req, BIND_SESSION, id));
	ck_assert_str_eq(id, LOGIN_ID);
	ck_assert(csrf_bound(&req, BIND_SESSION, LOGIN_ID));
	ck_assert(!csrf_bound(&req, BIND_SIGNIN, LOGIN_ID));
	/* a sign-in binding's value in the session cookie is refused, and so the other way */
	snprintf(cookies, sizeof cookies, "%s=%s; %s=%s", LOGIN_COOKIE, value, REGISTER_COOKIE, value);
	post("x=1", cookies);
	ck_assert(!csrf_bound(&req, BIND_SIGNIN, LOGIN_ID));
	ck_assert(!csrf_bound(&req, BIND_REGISTER, LOGIN_ID));
	ck_assert(!csrf_bound_login(&req, BIND_SESSION, id));
	ck_assert_str_eq(id, "");
	/* the registration binding goes only to the register pages */
	request_free(&res);
	ck_assert_int_eq(csrf_bind(&res, BIND_REGISTER, LOGIN_ID), 0);
	ck_assert_ptr_nonnull(strstr(HEADERS(res), "Set-Cookie: " REGISTER_COOKIE "="));
	ck_assert_ptr_nonnull(strstr(HEADERS(res), "; Path=/register; HttpOnly;"));
	request_free(&res);
	csrf_unbind(&res, BIND_SESSION);
	ck_assert_ptr_nonnull(strstr(HEADERS(res), "Set-Cookie: " SESSION_COOKIE "=; Max-Age=0; Path=/;"));
}
END_TEST

START_TEST(test_page_origin)
{
	static const struct { const char *url, *origin; } cases[] = {
		{ "https://app.example.com/callback?x=1", "https://app.example.com" },
		{ "http://127.0.0.1:3000/cb", "http://127.0.0.1:3000" },
		{ "https://app.example.com", "https://app.example.com" },
		{ "https://[::1]:8443/x", "https://[::1]:8443" },
		{ "https://app.example.com#frag", "https://app.example.com" },
		{ "myapp://callback", "" },
		{ "javascript:alert(1)", "" },
		{ "https:///path", "" },
		{ "https://user@evil.example/", "" },
		{ "https://a.example;script-src *", "" },
		{ "https://a.example 'unsafe-inline'", "" },
		{ "", "" },
	};
	char out[512];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		page_origin(cases[i].url, out, sizeof out);
		ck_assert_msg(!strcmp(out, cases[i].origin), "%s gave '%s'", cases[i].url, out);
	}
	/* an origin that does not fit is left out, never cut */
	char small[16];
	page_origin("https://a-long-host.example.com/", small, sizeof small);
	ck_assert_str_eq(small, "");
}
END_TEST

/* The show-once cookie opens only for the aad it was sealed for, and taking it clears it. */
START_TEST(test_show_once)
{
	char value[2048], cookie[2100], out[65];
	const char *secret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	ck_assert_int_eq(csrf_show_once(&res, "manage/", LOGIN_ID ":client-1", secret), 0);
	ck_assert(strstr(HEADERS(res), "SameSite=Strict") && strstr(HEADERS(res), "HttpOnly") && strstr(HEADERS(res), "manage/"));
	ck_assert(!strstr(HEADERS(res), secret));
	ck_assert(set_cookie_value(HEADERS(res), SHOWN_COOKIE, value, sizeof value));
	snprintf(cookie, sizeof cookie, SHOWN_COOKIE "=%s", value);
	post("", cookie);
	ck_assert(!csrf_take_shown(&req, "manage/", LOGIN_ID ":client-2", out, sizeof out));
	ck_assert(strstr(HEADERS(req), "Max-Age=0"));
	free(req.headers); /* forget the first answer's lines */
	req.headers = NULL;
	req.headers_len = 0;
	ck_assert(csrf_take_shown(&req, "manage/", LOGIN_ID ":client-1", out, sizeof out));
	ck_assert_str_eq(out, secret);
	ck_assert(strstr(HEADERS(req), "Max-Age=0"));
	value[10] ^= 1; /* tampered */
	snprintf(cookie, sizeof cookie, SHOWN_COOKIE "=%s", value);
	post("", cookie);
	ck_assert(!csrf_take_shown(&req, "manage/", LOGIN_ID ":client-1", out, sizeof out));
	post("", NULL);
	ck_assert(!csrf_take_shown(&req, "manage/", LOGIN_ID ":client-1", out, sizeof out));
}
END_TEST

Suite *csrf_suite(void)
{
	Suite *s = suite_create("csrf");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_token_round_trip);
	tcase_add_test(tc, test_token_refused);
	tcase_add_test(tc, test_token_keyed);
	tcase_add_test(tc, test_login_binding);
	tcase_add_test(tc, test_session_binding);
	tcase_add_test(tc, test_page_origin);
	tcase_add_test(tc, test_show_once);
	suite_add_tcase(s, tc);
	return s;
}

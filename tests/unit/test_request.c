/* SPDX-License-Identifier: BSD-2-Clause */
/* request: form, query and JSON decoding with their limits; UTF-8; Basic auth; cookies. */
#include "tests.h"

#include "http/app.h"
#include "core/config.h"
#include "http/app.h"
#include "http/request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FORM "application/x-www-form-urlencoded"

static struct request req;

static void setup(void)
{
	test_config_load();
	memset(&req, 0, sizeof req);
}

static void teardown(void)
{
	request_free(&req);
	config_free();
}

static enum req_error parse(const char *method, const char *uri, const char *ct, const char *body)
{
	request_free(&req);
	return request_parse(&req, method, uri, ct, body, body ? strlen(body) : 0);
}

static enum req_error parse_form(const char *body)
{
	return parse("POST", "/oauth2/token", FORM, body);
}

static void set(const char *key, const char *value)
{
	char err[256];
	ck_assert_int_eq(config_set(key, value, err, sizeof err), 0);
}

START_TEST(test_form_decoding)
{
	ck_assert_int_eq(parse_form("a=1&b=hello+world&c=%41%62&d=&e&f=%E2%82%AC&g%20h=x%2By&i=b=c"), REQ_OK);
	ck_assert_int_eq(req.body_kind, BODY_FORM);
	ck_assert_uint_eq(req.nparams, 8);
	ck_assert_str_eq(req_param(&req, "a"), "1");
	ck_assert_str_eq(req_param(&req, "b"), "hello world");
	ck_assert_str_eq(req_param(&req, "c"), "Ab");
	ck_assert_str_eq(req_param(&req, "d"), "");
	ck_assert_str_eq(req_param(&req, "e"), "");
	ck_assert_str_eq(req_param(&req, "f"), "\xe2\x82\xac");
	ck_assert_str_eq(req_param(&req, "g h"), "x+y");
	ck_assert_str_eq(req_param(&req, "i"), "b=c");
	ck_assert_ptr_null(req_param(&req, "z"));
	ck_assert_ptr_null(req.duplicate);
	for (size_t i = 0; i < req.nparams; i++)
		ck_assert(req.params[i].from_body);
	ck_assert_str_eq(req.method, "POST");
}
END_TEST

START_TEST(test_form_empty_segments)
{
	ck_assert_int_eq(parse_form("&&a=1&&b+c=2&"), REQ_OK);
	ck_assert_uint_eq(req.nparams, 2);
	ck_assert_str_eq(req_param(&req, "a"), "1");
	ck_assert_str_eq(req_param(&req, "b c"), "2");
	ck_assert_int_eq(parse_form("&"), REQ_OK);
	ck_assert_uint_eq(req.nparams, 0);
	ck_assert_int_eq(parse_form("=v"), REQ_OK);
	ck_assert_uint_eq(req.nparams, 1);
	ck_assert_str_eq(req_param(&req, ""), "v");
}
END_TEST

START_TEST(test_query_and_path)
{
	ck_assert_int_eq(parse("GET", "/oauth2/authorize?response_type=code&scope=openid+profile", NULL, NULL), REQ_OK);
	ck_assert_str_eq(req.path, "/oauth2/authorize");
	ck_assert_str_eq(req.query, "response_type=code&scope=openid+profile");
	ck_assert_int_eq(req.body_kind, BODY_NONE);
	ck_assert_uint_eq(req.nparams, 2);
	ck_assert_str_eq(req_param(&req, "response_type"), "code");
	ck_assert_str_eq(req_param(&req, "scope"), "openid profile");
	ck_assert(!req.params[0].from_body);
	ck_assert(!req.params[1].from_body);

	ck_assert_int_eq(parse("GET", "/auth/me", NULL, NULL), REQ_OK);
	ck_assert_str_eq(req.path, "/auth/me");
	ck_assert_str_eq(req.query, "");
	ck_assert_uint_eq(req.nparams, 0);

	/* The query and the body both count, the body's marked as such. */
	ck_assert_int_eq(parse("POST", "/oauth2/token?a=1", FORM, "b=2"), REQ_OK);
	ck_assert_uint_eq(req.nparams, 2);
	ck_assert(!req.params[0].from_body);
	ck_assert(req.params[1].from_body);
}
END_TEST

START_TEST(test_path_prefix_and_decoding)
{
	static const struct { const char *uri; const char *path; } v[] = {
		{ "/api/auth/login", "/auth/login" },
		{ "/api/oauth2/token?x=1", "/oauth2/token" },
		{ "/api/", "/" },
		{ "/api", "/api" },
		{ "/apix/auth", "/apix/auth" },
		{ "/auth/api/x", "/auth/api/x" },
		{ "/auth/%6Cogin", "/auth/login" },
		{ "/a+b", "/a+b" },
		{ "/", "/" },
		{ "", "/" },
		{ "relative/path", "/" },
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		ck_assert_int_eq(parse("GET", v[i].uri, NULL, NULL), REQ_OK);
		ck_assert_msg(!strcmp(req.path, v[i].path), "uri '%s' gave path '%s'", v[i].uri, req.path);
	}
	ck_assert_int_eq(parse(NULL, NULL, NULL, NULL), REQ_OK);
	ck_assert_str_eq(req.path, "/");
	ck_assert_str_eq(req.method, "GET");
	ck_assert_int_eq(parse("GET", "/x%00y", NULL, NULL), REQ_BAD_ENCODING);
	ck_assert_int_eq(parse("GET", "/x%zz", NULL, NULL), REQ_BAD_ENCODING);
	ck_assert_int_eq(parse("GET", "/x%C0%80", NULL, NULL), REQ_BAD_ENCODING);
}
END_TEST

START_TEST(test_path_too_long)
{
	char uri[2100];
	memset(uri, 'a', sizeof uri - 1);
	uri[0] = '/';
	uri[sizeof uri - 1] = '\0';
	ck_assert_int_eq(parse("GET", uri, NULL, NULL), REQ_FIELD_TOO_LONG);
	/* no path: no route matches (app_match once read the missing path and crashed) */
	static const struct route routes[] = { { "GET", "/:id", NULL, NULL, 0 }, { 0 } };
	bool wrong_method;
	ck_assert_ptr_null(app_match(routes, &req, &wrong_method));
	uri[2048] = '\0';
	ck_assert_int_eq(parse("GET", uri, NULL, NULL), REQ_OK);
	ck_assert_uint_eq(strlen(req.path), 2048);
}
END_TEST

static int no_handler(struct request *r)
{
	(void)r;
	ck_abort_msg("a request without a path reached a handler");
	return -1;
}

/* Found by tests/valgrind/run: a path over 2048 bytes (or one that does not decode) left
 * req.path NULL, and route matching dereferenced it: any such URL crashed the program. */
START_TEST(test_unparsed_path_is_bad_request)
{
	static const struct route routes[] = { { "GET", "/auth/:x", no_handler, NULL, 0 }, { 0 } };
	static const char *const uris[] = { NULL, "/auth/%ff%fe", "/auth/%zz" };
	char long_uri[2100];
	memset(long_uri, 'a', sizeof long_uri - 1);
	memcpy(long_uri, "/auth/", 6);
	long_uri[sizeof long_uri - 1] = '\0';
	for (size_t i = 0; i < sizeof uris / sizeof uris[0]; i++) {
		enum req_error err = parse("GET", uris[i] ? uris[i] : long_uri, NULL, NULL);
		ck_assert_int_ne(err, REQ_OK);
		ck_assert_ptr_null(req.path);
		app_handle(routes, NULL, &req, err);
		ck_assert_int_eq(req.status, 400);
	}
}
END_TEST

static const char *const bad_encodings[] = {
	"a=%G1", "a=%1G", "a=%", "a=%4", "a=x%", "%=1", "a%4=1", "a=%zz", "a=%%41",
	/* NUL */
	"a=%00", "%00=a", "a=x%00y",
	/* invalid UTF-8 */
	"a=%C0%80",          /* overlong NUL */
	"a=%C1%BF",          /* overlong */
	"a=%E0%80%80",       /* overlong 3-byte */
	"a=%F0%80%80%80",    /* overlong 4-byte */
	"a=%ED%A0%80",       /* high surrogate */
	"a=%ED%BF%BF",       /* low surrogate */
	"a=%F4%90%80%80",    /* above U+10FFFF */
	"a=%F5%80%80%80",    /* F5 lead */
	"a=%F8%88%80%80%80", /* 5-byte form */
	"a=%FF", "a=%FE",
	"a=%80",             /* lone continuation */
	"a=%C3",             /* truncated at end */
	"a=%C3&b=1",         /* truncated before & */
	"a=%E2%82",          /* truncated 3-byte */
	"a=%F0%9F%98",       /* truncated 4-byte */
	"a=%C3%28",          /* bad continuation */
	"a=%E2%28%A1",
	"%C3=1",             /* in a name */
};

START_TEST(test_form_bad_encoding)
{
	const char *body = bad_encodings[_i];
	ck_assert_msg(parse_form(body) == REQ_BAD_ENCODING, "body '%s' not refused", body);
	/* the same in the query string */
	char uri[128];
	snprintf(uri, sizeof uri, "/oauth2/authorize?%s", body);
	ck_assert_msg(parse("GET", uri, NULL, NULL) == REQ_BAD_ENCODING, "query '%s' not refused", body);
}
END_TEST

START_TEST(test_form_raw_bytes)
{
	/* A raw NUL in the body (not escaped) */
	request_free(&req);
	ck_assert_int_eq(request_parse(&req, "POST", "/x", FORM, "a=b\0c", 5), REQ_BAD_ENCODING);
	request_free(&req);
	ck_assert_int_eq(request_parse(&req, "POST", "/x", FORM, "a\0=b", 4), REQ_BAD_ENCODING);
	/* Raw invalid UTF-8 */
	ck_assert_int_eq(parse_form("a=\xc0\x80"), REQ_BAD_ENCODING);
	ck_assert_int_eq(parse_form("a=\xed\xa0\x80"), REQ_BAD_ENCODING);
	ck_assert_int_eq(parse_form("a=\xe2\x82"), REQ_BAD_ENCODING);
	/* Raw valid UTF-8 */
	ck_assert_int_eq(parse_form("name=Jos\xc3\xa9&city=M\xc3\xbcnchen"), REQ_OK);
	ck_assert_str_eq(req_param(&req, "name"), "Jos\xc3\xa9");
	ck_assert_str_eq(req_param(&req, "city"), "M\xc3\xbcnchen");
}
END_TEST

START_TEST(test_form_valid_utf8)
{
	ck_assert_int_eq(parse_form("a=%C3%A9&b=%E2%82%AC&c=%F0%9F%98%80&d=%F4%8F%BF%BF&e=%ED%9F%BF&f=%EE%80%80&g=%C2%80"),
			 REQ_OK);
	ck_assert_str_eq(req_param(&req, "a"), "\xc3\xa9");
	ck_assert_str_eq(req_param(&req, "b"), "\xe2\x82\xac");
	ck_assert_str_eq(req_param(&req, "c"), "\xf0\x9f\x98\x80");
	ck_assert_str_eq(req_param(&req, "d"), "\xf4\x8f\xbf\xbf");
	ck_assert_str_eq(req_param(&req, "e"), "\xed\x9f\xbf");
	ck_assert_str_eq(req_param(&req, "f"), "\xee\x80\x80");
	ck_assert_str_eq(req_param(&req, "g"), "\xc2\x80");
}
END_TEST

START_TEST(test_utf8_valid)
{
	ck_assert(utf8_valid("", 0));
	ck_assert(utf8_valid("plain ascii ~", 13));
	ck_assert(utf8_valid("\xc2\x80", 2));
	ck_assert(utf8_valid("\xdf\xbf", 2));
	ck_assert(utf8_valid("\xe0\xa0\x80", 3));
	ck_assert(utf8_valid("\xed\x9f\xbf", 3));       /* U+D7FF */
	ck_assert(utf8_valid("\xee\x80\x80", 3));       /* U+E000 */
	ck_assert(utf8_valid("\xef\xbf\xbf", 3));
	ck_assert(utf8_valid("\xf0\x90\x80\x80", 4));
	ck_assert(utf8_valid("\xf4\x8f\xbf\xbf", 4));   /* U+10FFFF */
	ck_assert(utf8_valid("a\xc3\xa9z", 4));

	ck_assert(!utf8_valid("a\0b", 3));
	ck_assert(!utf8_valid("\x80", 1));
	ck_assert(!utf8_valid("\xbf", 1));
	ck_assert(!utf8_valid("\xc0\x80", 2));
	ck_assert(!utf8_valid("\xc1\xbf", 2));
	ck_assert(!utf8_valid("\xe0\x9f\xbf", 3));
	ck_assert(!utf8_valid("\xed\xa0\x80", 3));
	ck_assert(!utf8_valid("\xed\xbf\xbf", 3));
	ck_assert(!utf8_valid("\xf0\x8f\xbf\xbf", 4));
	ck_assert(!utf8_valid("\xf4\x90\x80\x80", 4));
	ck_assert(!utf8_valid("\xf5\x80\x80\x80", 4));
	ck_assert(!utf8_valid("\xf7\xbf\xbf\xbf", 4));
	ck_assert(!utf8_valid("\xf8\x88\x80\x80\x80", 5));
	ck_assert(!utf8_valid("\xfe", 1));
	ck_assert(!utf8_valid("\xff", 1));
	ck_assert(!utf8_valid("\xc3", 1));
	ck_assert(!utf8_valid("\xe2\x82", 2));
	ck_assert(!utf8_valid("\xf0\x9f\x98", 3));
	ck_assert(!utf8_valid("\xc3\x28", 2));
	ck_assert(!utf8_valid("\xe2\x28\xa1", 3));
	ck_assert(!utf8_valid("\xf0\x9f\x98\x28", 4));
	/* The length given is what counts: a sequence cut by it is invalid. */
	ck_assert(!utf8_valid("\xc3\xa9", 1));
	ck_assert(!utf8_valid("ab\xe2\x82\xac", 4));
	ck_assert(utf8_valid("ab\xe2\x82\xac", 2));
}
END_TEST

START_TEST(test_duplicates)
{
	ck_assert_int_eq(parse_form("a=1&b=2&a=3"), REQ_OK);
	ck_assert_ptr_nonnull(req.duplicate);
	ck_assert_str_eq(req.duplicate, "a");
	ck_assert_uint_eq(req.nparams, 3);
	ck_assert_str_eq(req_param(&req, "a"), "1");

	/* The first repeated name is the one reported. */
	ck_assert_int_eq(parse_form("x=1&y=1&y=2&x=2"), REQ_OK);
	ck_assert_str_eq(req.duplicate, "y");

	/* Query and body together */
	ck_assert_int_eq(parse("POST", "/oauth2/token?client_id=a", FORM, "client_id=b"), REQ_OK);
	ck_assert_ptr_nonnull(req.duplicate);
	ck_assert_str_eq(req.duplicate, "client_id");

	/* An empty repetition is still one. */
	ck_assert_int_eq(parse_form("scope&scope="), REQ_OK);
	ck_assert_ptr_nonnull(req.duplicate);

	ck_assert_int_eq(parse_form("a=1&b=1&ab=1"), REQ_OK);
	ck_assert_ptr_null(req.duplicate);
}
END_TEST

static const char *const json_types[] = {
	"application/json",
	"application/fhir+json",
	"application/scim+json",
	"application/json; charset=utf-8",
	"application/fhir+json; charset=UTF-8",
	"application/scim+json;charset=utf-8",
	"Application/JSON",
	"application/json ; charset=utf-8",
};

START_TEST(test_json_content_types)
{
	const char *ct = json_types[_i];
	ck_assert_int_eq(parse("POST", "/auth/login", ct, "{\"email\":\"a@b.com\",\"password\":\"pw\"}"), REQ_OK);
	ck_assert_msg(req.body_kind == BODY_JSON, "'%s' not parsed as JSON", ct);
	ck_assert_ptr_nonnull(req.json);
	ck_assert_uint_eq(req.nparams, 2);
	ck_assert_str_eq(req_param(&req, "email"), "a@b.com");
	ck_assert_str_eq(req_param(&req, "password"), "pw");
}
END_TEST

START_TEST(test_other_content_types)
{
	static const char *const other[] = {
		"text/plain", "application/jsonx", "text/json", "application/xml", "application/problem+xml",
		"application/x-www-form-urlencodedx", "multipart/form-data; boundary=x",
	};
	for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
		ck_assert_int_eq(parse("POST", "/auth/login", other[i], "{\"a\":\"1\"}"), REQ_OK);
		ck_assert_msg(req.body_kind == BODY_OTHER, "'%s' classified as %d", other[i], req.body_kind);
		ck_assert_uint_eq(req.nparams, 0);
		ck_assert_ptr_null(req.json);
		ck_assert_str_eq(req.body, "{\"a\":\"1\"}");
		ck_assert_uint_eq(req.body_len, 9);
	}
	/* A form body under text/plain is not read as a form. */
	ck_assert_int_eq(parse("POST", "/oauth2/token", "text/plain", "grant_type=client_credentials"), REQ_OK);
	ck_assert_uint_eq(req.nparams, 0);
	ck_assert_ptr_null(req_param(&req, "grant_type"));
	/* No content type at all */
	ck_assert_int_eq(parse("POST", "/oauth2/token", NULL, "a=1"), REQ_OK);
	ck_assert_int_eq(req.body_kind, BODY_NONE);
	ck_assert_uint_eq(req.nparams, 0);
	ck_assert_int_eq(parse("POST", "/oauth2/token", "", "a=1"), REQ_OK);
	ck_assert_int_eq(req.body_kind, BODY_NONE);
	/* An empty body is no body, whatever its type. */
	ck_assert_int_eq(parse("POST", "/auth/login", "application/json", ""), REQ_OK);
	ck_assert_int_eq(req.body_kind, BODY_NONE);
	ck_assert_ptr_null(req.json);
	/* The form type with parameters */
	ck_assert_int_eq(parse("POST", "/oauth2/token", FORM "; charset=UTF-8", "a=1"), REQ_OK);
	ck_assert_int_eq(req.body_kind, BODY_FORM);
	ck_assert_str_eq(req_param(&req, "a"), "1");
}
END_TEST

START_TEST(test_json_flattening)
{
	ck_assert_int_eq(parse("POST", "/auth/login", "application/json",
			       "{\"s\":\"x y\",\"t\":true,\"f\":false,\"i\":42,\"neg\":-7,\"o\":{\"a\":\"1\"},"
			       "\"arr\":[\"1\"],\"n\":null,\"r\":1.5,\"u\":\"\\u00e9\",\"e\":\"\"}"),
			 REQ_OK);
	ck_assert_str_eq(req_param(&req, "s"), "x y");
	ck_assert_str_eq(req_param(&req, "t"), "true");
	ck_assert_str_eq(req_param(&req, "f"), "false");
	ck_assert_str_eq(req_param(&req, "i"), "42");
	ck_assert_str_eq(req_param(&req, "neg"), "-7");
	ck_assert_str_eq(req_param(&req, "u"), "\xc3\xa9");
	ck_assert_str_eq(req_param(&req, "e"), "");
	ck_assert_ptr_null(req_param(&req, "o"));
	ck_assert_ptr_null(req_param(&req, "a"));
	ck_assert_ptr_null(req_param(&req, "arr"));
	ck_assert_ptr_null(req_param(&req, "n"));
	ck_assert_ptr_null(req_param(&req, "r"));
	ck_assert_uint_eq(req.nparams, 7);
	for (size_t i = 0; i < req.nparams; i++)
		ck_assert(req.params[i].from_body);
	/* nested values stay available in the JSON */
	ck_assert(json_is_object(json_object_get(req.json, "o")));
	ck_assert(json_is_array(json_object_get(req.json, "arr")));
	ck_assert(json_is_null(json_object_get(req.json, "n")));
	ck_assert_ptr_null(req.duplicate);

	/* Query and JSON body together: a repeated name is a duplicate. */
	ck_assert_int_eq(parse("POST", "/auth/login?email=x", "application/json", "{\"email\":\"y\"}"), REQ_OK);
	ck_assert_ptr_nonnull(req.duplicate);
	ck_assert_str_eq(req.duplicate, "email");
}
END_TEST

START_TEST(test_json_bad)
{
	static const char *const bad[] = {
		"{\"a\":1,\"a\":2}", "{\"a\":\"x\",\"b\":{},\"a\":\"y\"}", "[1,2]", "\"str\"", "42", "true", "null",
		"{", "{'a':1}", "{\"a\":1}x", "{\"a\":1}{}", "{\"a\":}", "not json",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		enum req_error e = parse("POST", "/auth/login", "application/json", bad[i]);
		ck_assert_msg(e == REQ_BAD_JSON, "'%s' gave %d", bad[i], e);
	}
}
END_TEST

START_TEST(test_json_bad_encoding)
{
	static const char *const bad[] = {
		"{\"a\":\"x\\u0000y\"}",          /* escaped NUL in a value */
		"{\"a\\u0000b\":\"x\"}",          /* escaped NUL in a key */
		"{\"o\":{\"a\":\"\\u0000\"}}",    /* escaped NUL in a nested value */
		"{\"a\":\"\xc0\x80\"}",           /* overlong */
		"{\"a\":\"\xed\xa0\x80\"}",       /* surrogate encoded in UTF-8 */
		"{\"a\":\"\xff\"}",
		"{\"a\":\"\xc3\"}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		enum req_error e = parse("POST", "/auth/login", "application/json", bad[i]);
		ck_assert_msg(e == REQ_BAD_ENCODING, "body %zu gave %d", i, e);
	}
	request_free(&req);
	ck_assert_int_eq(request_parse(&req, "POST", "/auth/login", "application/json", "{\"a\":\"\0\"}", 8),
			 REQ_BAD_ENCODING);
}
END_TEST

START_TEST(test_body_too_large)
{
	set("max_body", "16");
	ck_assert_int_eq(parse_form("a=12345678901234"), REQ_OK);       /* 16 bytes */
	ck_assert_int_eq(parse_form("a=123456789012345"), REQ_TOO_LARGE); /* 17 bytes */
	ck_assert_int_eq(parse("POST", "/auth/login", "application/json", "{\"a\":\"1234567890\"}"), REQ_TOO_LARGE);
	ck_assert_int_eq(parse("POST", "/x", "text/plain", "12345678901234567"), REQ_TOO_LARGE);
	/* the query string has the same bound */
	ck_assert_int_eq(parse("GET", "/x?a=12345678901234", NULL, NULL), REQ_OK);
	ck_assert_int_eq(parse("GET", "/x?a=123456789012345", NULL, NULL), REQ_TOO_LARGE);
}
END_TEST

START_TEST(test_field_too_long)
{
	set("max_field", "8");
	ck_assert_int_eq(parse_form("a=12345678"), REQ_OK);
	ck_assert_int_eq(parse_form("a=123456789"), REQ_FIELD_TOO_LONG);
	/* decoded length counts: 8 escapes are 8 bytes */
	ck_assert_int_eq(parse_form("a=%41%41%41%41%41%41%41%41"), REQ_OK);
	ck_assert_int_eq(parse("GET", "/x?a=123456789", NULL, NULL), REQ_FIELD_TOO_LONG);
	ck_assert_int_eq(parse("POST", "/x", "application/json", "{\"a\":\"123456789\"}"), REQ_FIELD_TOO_LONG);
	ck_assert_int_eq(parse("POST", "/x", "application/json", "{\"a\":\"12345678\"}"), REQ_OK);
	ck_assert_int_eq(parse("POST", "/x", "application/json", "{\"a\":123456789}"), REQ_FIELD_TOO_LONG);

	set("max_field", "8192");
	char body[400];
	memset(body, 'n', 257);
	strcpy(body + 257, "=1");
	ck_assert_int_eq(parse_form(body), REQ_FIELD_TOO_LONG);
	strcpy(body + 256, "=1");
	ck_assert_int_eq(parse_form(body), REQ_OK);
}
END_TEST

START_TEST(test_too_many_params)
{
	char *body = malloc(256 * 8 + 16);
	size_t n = 0;
	for (int i = 0; i < 256; i++)
		n += (size_t)sprintf(body + n, "%sp%d=1", i ? "&" : "", i);
	ck_assert_int_eq(parse_form(body), REQ_OK);
	ck_assert_uint_eq(req.nparams, 256);
	strcpy(body + n, "&q=1");
	ck_assert_int_eq(parse_form(body), REQ_TOO_LARGE);
	free(body);
}
END_TEST

START_TEST(test_request_free_resets)
{
	ck_assert_int_eq(parse("POST", "/api/auth/login?x=1", "application/json", "{\"a\":\"b\"}"), REQ_OK);
	request_free(&req);
	ck_assert_ptr_null(req.params);
	ck_assert_uint_eq(req.nparams, 0);
	ck_assert_ptr_null(req.path);
	ck_assert_ptr_null(req.body);
	ck_assert_ptr_null(req.json);
	request_free(&req); /* twice is harmless */
}
END_TEST

START_TEST(test_basic_auth)
{
	char id[64], secret[64];
	ck_assert(parse_basic_auth("Basic Y2xpZW50OnNlY3JldA==", id, sizeof id, secret, sizeof secret));
	ck_assert_str_eq(id, "client");
	ck_assert_str_eq(secret, "secret");
	/* split on the first colon */
	ck_assert(parse_basic_auth("Basic aWQ6c2U6Y3JldA==", id, sizeof id, secret, sizeof secret));
	ck_assert_str_eq(id, "id");
	ck_assert_str_eq(secret, "se:cret");
	ck_assert(parse_basic_auth("Basic aWQ6", id, sizeof id, secret, sizeof secret));
	ck_assert_str_eq(id, "id");
	ck_assert_str_eq(secret, "");

	ck_assert(!parse_basic_auth(NULL, id, sizeof id, secret, sizeof secret));
	ck_assert(!parse_basic_auth("", id, sizeof id, secret, sizeof secret));
	ck_assert(!parse_basic_auth("Basic", id, sizeof id, secret, sizeof secret));
	ck_assert(!parse_basic_auth("Basic ", id, sizeof id, secret, sizeof secret));
	ck_assert(!parse_basic_auth("Basic bm9jb2xvbg==", id, sizeof id, secret, sizeof secret)); /* no colon */
	ck_assert(!parse_basic_auth("basic Y2xpZW50OnNlY3JldA==", id, sizeof id, secret, sizeof secret));
	ck_assert(!parse_basic_auth("BASIC Y2xpZW50OnNlY3JldA==", id, sizeof id, secret, sizeof secret));
	ck_assert(!parse_basic_auth("Bearer Y2xpZW50OnNlY3JldA==", id, sizeof id, secret, sizeof secret));
	ck_assert(!parse_basic_auth("Basic  Y2xpZW50OnNlY3JldA==", id, sizeof id, secret, sizeof secret));
	ck_assert(!parse_basic_auth("Basic Y2xpZW50OnNlY3JldA", id, sizeof id, secret, sizeof secret));
	ck_assert(!parse_basic_auth("Basic Y2xpZW50OnNlY3JldA==\r\n", id, sizeof id, secret, sizeof secret));
	ck_assert(!parse_basic_auth("Basic !!!!", id, sizeof id, secret, sizeof secret));
	ck_assert(!parse_basic_auth("Basic Y2xp-_50OnNlY3JldA==", id, sizeof id, secret, sizeof secret));
	ck_assert(!parse_basic_auth("Basic YQA6Yg==", id, sizeof id, secret, sizeof secret)); /* "a\0:b" */
	/* fuzz_authorization: padding inside the base64 made cjose assert and the program abort */
	ck_assert(!parse_basic_auth("Basic Bs54c=99998i", id, sizeof id, secret, sizeof secret));
	ck_assert(!parse_basic_auth("Basic Y2xp=W50OnNlY3JldA==", id, sizeof id, secret, sizeof secret));

	/* RFC 6749 §2.3.1: both parts are form-urlencoded inside the base64 */
	ck_assert(parse_basic_auth("Basic bXklMkRjbGllbnQ6cyUyQmNyJTNBZXQ=", id, sizeof id, secret, sizeof secret));
	ck_assert_str_eq(id, "my-client");      /* my%2Dclient */
	ck_assert_str_eq(secret, "s+cr:et");    /* s%2Bcr%3Aet */
	ck_assert(parse_basic_auth("Basic YStiOmMrZA==", id, sizeof id, secret, sizeof secret)); /* a+b:c+d */
	ck_assert_str_eq(id, "a b");
	ck_assert_str_eq(secret, "c d");
	ck_assert(!parse_basic_auth("Basic aWQ6JXp6", id, sizeof id, secret, sizeof secret)); /* id:%zz */
	ck_assert(!parse_basic_auth("Basic aWQlOng=", id, sizeof id, secret, sizeof secret)); /* id%:x */
	ck_assert(!parse_basic_auth("Basic aWQ6JTAw", id, sizeof id, secret, sizeof secret)); /* id:%00 */

	/* lengths: the id and secret must fit with their NUL */
	char small[8];
	ck_assert(parse_basic_auth("Basic MTIzNDU2Nzp4", small, sizeof small, secret, sizeof secret)); /* 1234567:x */
	ck_assert_str_eq(small, "1234567");
	ck_assert(!parse_basic_auth("Basic MTIzNDU2Nzg5Ong=", small, sizeof small, secret, sizeof secret)); /* 123456789:x */
	ck_assert(!parse_basic_auth("Basic aWQ6MDEyMzQ1Njc4OQ==", id, sizeof id, small, sizeof small));   /* id:0123456789 */
}
END_TEST

START_TEST(test_cookies)
{
	char out[16];
	req.cookie_header = "a=1; xsid=no; sid=abc123;b=2";
	ck_assert(req_cookie(&req, "sid", out, sizeof out));
	ck_assert_str_eq(out, "abc123");
	ck_assert(req_cookie(&req, "a", out, sizeof out));
	ck_assert_str_eq(out, "1");
	ck_assert(req_cookie(&req, "b", out, sizeof out));
	ck_assert_str_eq(out, "2");
	ck_assert(!req_cookie(&req, "si", out, sizeof out));
	ck_assert(!req_cookie(&req, "c", out, sizeof out));
	char tiny[4];
	ck_assert(!req_cookie(&req, "sid", tiny, sizeof tiny));
	req.cookie_header = NULL;
	ck_assert(!req_cookie(&req, "sid", out, sizeof out));
}
END_TEST


/* X-Forwarded-For only from trusted proxies, walked from the right. */
START_TEST(test_client_address)
{
	struct request req;
	memset(&req, 0, sizeof req);
	set("trusted_proxies", "");
	snprintf(req.remote_addr, sizeof req.remote_addr, "10.0.0.1");
	client_address(&req, "6.6.6.6");
	ck_assert_str_eq(req.remote_addr, "10.0.0.1"); /* untrusted peer: header ignored */
	set("trusted_proxies", "10.0.0.1, 10.0.0.2");
	client_address(&req, "6.6.6.6, 1.2.3.4");
	ck_assert_str_eq(req.remote_addr, "1.2.3.4"); /* right-most hop */
	snprintf(req.remote_addr, sizeof req.remote_addr, "10.0.0.1");
	client_address(&req, "1.2.3.4, 10.0.0.2");
	ck_assert_str_eq(req.remote_addr, "1.2.3.4"); /* skips a second trusted proxy */
	snprintf(req.remote_addr, sizeof req.remote_addr, "10.0.0.1");
	client_address(&req, "1.2.3.4, <script>");
	ck_assert_str_eq(req.remote_addr, "10.0.0.1"); /* garbage hop: keep the peer */
	snprintf(req.remote_addr, sizeof req.remote_addr, "10.0.0.1");
	client_address(&req, "2001:db8::1");
	ck_assert_str_eq(req.remote_addr, "2001:db8::1");
	set("trusted_proxies", "");
}
END_TEST

START_TEST(test_added_headers)
{
	struct request req = { 0 };
	ck_assert_int_eq(req_add_header(&req, "Set-Cookie: a=1\r\n"), 0);
	ck_assert_int_eq(req_add_header(&req, "Location: /x\r\n"), 0);
	ck_assert_str_eq(req.headers, "Set-Cookie: a=1\r\nLocation: /x\r\n");
	/* a line that could smuggle a second header, or that does not end its line, is refused */
	ck_assert_int_eq(req_add_header(&req, "Set-Cookie: a=1\r\nX-Evil: 1\r\n"), -1);
	ck_assert_int_eq(req_add_header(&req, "X-A: 1\nX-B: 2\r\n"), -1);
	ck_assert_int_eq(req_add_header(&req, "X-A: 1"), -1);
	ck_assert_int_eq(req_add_header(&req, "\r\n"), -1);
	ck_assert_str_eq(req.headers, "Set-Cookie: a=1\r\nLocation: /x\r\n");
	request_free(&req);
	ck_assert_ptr_null(req.headers);
}
END_TEST

Suite *request_suite(void)
{
	Suite *s = suite_create("request");
	TCase *tc = tcase_create("parse");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_form_decoding);
	tcase_add_test(tc, test_form_empty_segments);
	tcase_add_test(tc, test_query_and_path);
	tcase_add_test(tc, test_path_prefix_and_decoding);
	tcase_add_test(tc, test_path_too_long);
	tcase_add_test(tc, test_unparsed_path_is_bad_request);
	tcase_add_loop_test(tc, test_form_bad_encoding, 0, (int)(sizeof bad_encodings / sizeof bad_encodings[0]));
	tcase_add_test(tc, test_form_raw_bytes);
	tcase_add_test(tc, test_form_valid_utf8);
	tcase_add_test(tc, test_utf8_valid);
	tcase_add_test(tc, test_duplicates);
	tcase_add_loop_test(tc, test_json_content_types, 0, (int)(sizeof json_types / sizeof json_types[0]));
	tcase_add_test(tc, test_other_content_types);
	tcase_add_test(tc, test_json_flattening);
	tcase_add_test(tc, test_json_bad);
	tcase_add_test(tc, test_json_bad_encoding);
	tcase_add_test(tc, test_body_too_large);
	tcase_add_test(tc, test_field_too_long);
	tcase_add_test(tc, test_too_many_params);
	tcase_add_test(tc, test_request_free_resets);
	tcase_add_test(tc, test_basic_auth);
	tcase_add_test(tc, test_cookies);
	tcase_add_test(tc, test_client_address);
	tcase_add_test(tc, test_added_headers);
	suite_add_tcase(s, tc);
	return s;
}

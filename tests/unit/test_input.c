/* SPDX-License-Identifier: BSD-2-Clause */
/* input: route input tables and the validators behind them. */
#include "tests.h"

#include "core/config.h"
#include "core/fhir.h"
#include "core/text.h"
#include "domain/members.h"
#include "http/input.h"
#include "http/request.h"

#include <string.h>

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

static void form(const char *body)
{
	request_free(&req);
	ck_assert_int_eq(request_parse(&req, "POST", "/auth/login", "application/x-www-form-urlencoded", body,
				       strlen(body)),
			 REQ_OK);
}

static bool only_yes(const char *v)
{
	return !strcmp(v, "yes");
}

static const struct input table[] = {
	{ "client_id", IN_UUID, true, 0, "Invalid client", NULL },
	{ "scope", IN_SCOPE, false, 20, "Invalid scope", NULL },
	{ "email", IN_EMAIL, false, 20, "Valid email address is required", NULL },
	{ "remember", IN_BOOL, false, 0, "Invalid remember", NULL },
	{ "confirm", IN_STRING, false, 0, "Must confirm", only_yes },
	{ NULL, IN_STRING, false, 0, NULL, NULL },
};

#define CID "client_id=123e4567-e89b-42d3-a456-426614174000"

static struct input_error check_fails(const char *body)
{
	struct input_error err = { "unset", "unset", false };
	form(body);
	ck_assert_msg(!input_check(&req, table, &err), "'%s' passed", body);
	return err;
}

START_TEST(test_input_ok)
{
	struct input_error err = { "unset", "unset", false };
	form(CID);
	ck_assert(input_check(&req, table, &err));
	ck_assert_str_eq(err.name, "unset"); /* untouched on success */
	form(CID "&scope=openid+profile&email=a%40b.com&remember=true&confirm=yes&extra=%01ignored");
	ck_assert(input_check(&req, table, &err));
	/* optional inputs given empty count as absent */
	form(CID "&scope=&email=&remember=");
	ck_assert(input_check(&req, table, &err));
	/* an empty table, or none, accepts anything */
	static const struct input none[] = { { NULL, IN_STRING, false, 0, NULL, NULL } };
	ck_assert(input_check(&req, none, &err));
	ck_assert(input_check(&req, NULL, &err));
}
END_TEST

START_TEST(test_input_required)
{
	struct input_error err = check_fails("scope=openid");
	ck_assert_str_eq(err.name, "client_id");
	ck_assert_str_eq(err.message, "Invalid client");
	ck_assert(err.missing);
	err = check_fails("client_id=");
	ck_assert_str_eq(err.name, "client_id");
	ck_assert(err.missing);
	err = check_fails("client_id=not-a-uuid");
	ck_assert_str_eq(err.name, "client_id");
	ck_assert_str_eq(err.message, "Invalid client");
	ck_assert(!err.missing);
	/* the first failing input in table order is reported */
	err = check_fails("email=bad&client_id=bad");
	ck_assert_str_eq(err.name, "client_id");
}
END_TEST

START_TEST(test_input_maxlen_and_types)
{
	struct input_error err;
	form(CID "&email=abcdefgh%40example.com"); /* exactly 20 */
	ck_assert(input_check(&req, table, &err));
	err = check_fails(CID "&email=abcdefghi%40example.com"); /* 21 */
	ck_assert_str_eq(err.name, "email");
	ck_assert_str_eq(err.message, "Valid email address is required");
	ck_assert(!err.missing);
	err = check_fails(CID "&email=not-an-email");
	ck_assert_str_eq(err.name, "email");
	err = check_fails(CID "&scope=openid++profile");
	ck_assert_str_eq(err.name, "scope");
	ck_assert_str_eq(err.message, "Invalid scope");
	err = check_fails(CID "&scope=openid+profile+email+phone"); /* valid but 26 > 20 */
	ck_assert_str_eq(err.name, "scope");
	err = check_fails(CID "&remember=1");
	ck_assert_str_eq(err.name, "remember");
	err = check_fails(CID "&confirm=no");
	ck_assert_str_eq(err.name, "confirm");
	ck_assert_str_eq(err.message, "Must confirm");
	err = check_fails(CID "&confirm=ye%01s");
	ck_assert_str_eq(err.name, "confirm");
	err = check_fails(CID "&confirm=yes&remember=TRUE");
	ck_assert_str_eq(err.name, "remember");
}
END_TEST

START_TEST(test_input_json)
{
	struct input_error err;
	static const char body[] = "{\"client_id\":\"123e4567-e89b-42d3-a456-426614174000\",\"remember\":true}";
	request_free(&req);
	ck_assert_int_eq(request_parse(&req, "POST", "/auth/login", "application/json", body, strlen(body)), REQ_OK);
	ck_assert(input_check(&req, table, &err));
	static const char bad[] = "{\"client_id\":{\"id\":\"123e4567-e89b-42d3-a456-426614174000\"}}";
	request_free(&req);
	ck_assert_int_eq(request_parse(&req, "POST", "/auth/login", "application/json", bad, strlen(bad)), REQ_OK);
	ck_assert(!input_check(&req, table, &err));
	ck_assert_str_eq(err.name, "client_id");
	ck_assert(err.missing);
}
END_TEST

START_TEST(test_valid_string)
{
	ck_assert(input_valid(IN_STRING, "hello world"));
	ck_assert(input_valid(IN_STRING, "line\none\ttab\r"));
	ck_assert(input_valid(IN_STRING, "Jos\xc3\xa9"));
	ck_assert(!input_valid(IN_STRING, "a\x01" "b"));
	ck_assert(!input_valid(IN_STRING, "\x1b[31m"));
	ck_assert(!input_valid(IN_STRING, "a\x1f"));
}
END_TEST

START_TEST(test_valid_token)
{
	ck_assert(input_valid(IN_TOKEN, "abc-123_.~"));
	ck_assert(input_valid(IN_TOKEN, "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"));
	ck_assert(input_valid(IN_TOKEN, "!\"#$%&'()*+,/:;<=>?@[\\]^`{|}"));
	ck_assert(!input_valid(IN_TOKEN, "a b"));
	ck_assert(!input_valid(IN_TOKEN, " ab"));
	ck_assert(!input_valid(IN_TOKEN, "ab "));
	ck_assert(!input_valid(IN_TOKEN, "a\tb"));
	ck_assert(!input_valid(IN_TOKEN, "a\nb"));
	ck_assert(!input_valid(IN_TOKEN, "a\rb"));
	ck_assert(!input_valid(IN_TOKEN, "a\x01" "b"));
	ck_assert(!input_valid(IN_TOKEN, "a\x7f"));
	ck_assert(!input_valid(IN_TOKEN, "Jos\xc3\xa9"));
}
END_TEST

START_TEST(test_valid_scope)
{
	ck_assert(input_valid(IN_SCOPE, "openid"));
	ck_assert(input_valid(IN_SCOPE, "openid profile email offline_access"));
	ck_assert(input_valid(IN_SCOPE, "patient/*.read user/Patient.rs launch/patient"));
	ck_assert(input_valid(IN_SCOPE, "!#[]~"));
	ck_assert(!input_valid(IN_SCOPE, ""));
	ck_assert(!input_valid(IN_SCOPE, " "));
	ck_assert(!input_valid(IN_SCOPE, "openid  profile"));
	ck_assert(!input_valid(IN_SCOPE, " openid"));
	ck_assert(!input_valid(IN_SCOPE, "openid "));
	ck_assert(!input_valid(IN_SCOPE, "open\"id"));
	ck_assert(!input_valid(IN_SCOPE, "open\\id"));
	ck_assert(!input_valid(IN_SCOPE, "openid\tprofile"));
	ck_assert(!input_valid(IN_SCOPE, "openid\nprofile"));
	ck_assert(!input_valid(IN_SCOPE, "openid\x7f"));
	ck_assert(!input_valid(IN_SCOPE, "sc\xc3\xb6pe"));
}
END_TEST

START_TEST(test_valid_uuid_bool)
{
	ck_assert(input_valid(IN_UUID, "123e4567-e89b-42d3-a456-426614174000"));
	ck_assert(!input_valid(IN_UUID, "123e4567-e89b-42d3-a456-42661417400"));
	ck_assert(!input_valid(IN_UUID, "medplum-cli"));
	ck_assert(input_valid(IN_BOOL, "true"));
	ck_assert(input_valid(IN_BOOL, "false"));
	ck_assert(!input_valid(IN_BOOL, "TRUE"));
	ck_assert(!input_valid(IN_BOOL, "1"));
	ck_assert(!input_valid(IN_BOOL, "yes"));
	ck_assert(!input_valid(IN_BOOL, "true "));
	ck_assert(!input_valid(IN_BOOL, ""));
}
END_TEST

START_TEST(test_valid_email)
{
	static const char *const good[] = {
		"a@b.com", "first.last+tag@sub.example.org", "x_y-z@example.co.uk", "admin@example.com",
	};
	static const char *const bad[] = {
		"", "a", "a.com", "@b.com", "a@", "a@b", "a@b.", "a@.com", "a@@b.com", "a@b@c.com",
		"a b@c.com", "a@b .com", "a@b.com\r\nBcc: x", "a@b.com\n", "a@b.com\r", "\ta@b.com",
		"<a@b.com>", "A <a@b.com>", "a@b.com,c@d.com", "a@b.com;x", "a\x7f@b.com", "a\x01@b.com",
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		ck_assert_msg(valid_email(good[i]), "'%s' refused", good[i]);
		ck_assert(input_valid(IN_EMAIL, good[i]));
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(!valid_email(bad[i]), "'%s' accepted", bad[i]);
		ck_assert(!input_valid(IN_EMAIL, bad[i]));
	}
}
END_TEST

START_TEST(test_valid_uri)
{
	static const char *const good[] = {
		"https://example.com/cb", "http://localhost:9615", "HTTPS://EXAMPLE.COM", "https://a.example/cb?x=1&y=2",
	};
	static const char *const bad[] = {
		"", "example.com", "//example.com", "ftp://example.com", "javascript:alert(1)", "https://", "http://",
		"https:///path", "https://exa mple.com", "https://a.com/\r\nX: y", "https://a.com/\x01", "https:example.com",
		"data:text/html,x",
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		ck_assert_msg(valid_uri(good[i]), "'%s' refused", good[i]);
		ck_assert(input_valid(IN_URI, good[i]));
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(!valid_uri(bad[i]), "'%s' accepted", bad[i]);
		ck_assert(!input_valid(IN_URI, bad[i]));
	}
}
END_TEST

START_TEST(test_valid_header_list)
{
	ck_assert(valid_header_list("Authorization, Content-Type, X-Medplum"));
	ck_assert(valid_header_list("authorization,content-type"));
	ck_assert(valid_header_list(""));
	ck_assert(!valid_header_list("a\r\nb"));
	ck_assert(!valid_header_list("a:b"));
	ck_assert(!valid_header_list("a;b"));
	char big[600];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ck_assert(!valid_header_list(big));
	big[512] = '\0';
	ck_assert(valid_header_list(big));
}
END_TEST

START_TEST(test_valid_names)
{
	ck_assert(valid_person_name("Ada"));
	ck_assert(valid_person_name("Ægir Þór"));
	ck_assert(!valid_person_name(""));
	ck_assert(!valid_person_name("a\nb"));
	ck_assert(!valid_person_name("tab\there"));
	char name[300];
	memset(name, 'x', 128);
	name[128] = '\0';
	ck_assert(valid_person_name(name));
	name[128] = 'x';
	name[129] = '\0';
	ck_assert(!valid_person_name(name));
	/* 128 two-byte characters are 128 characters, not 256 */
	for (int i = 0; i < 128; i++)
		memcpy(name + 2 * i, "\xc3\xa9", 2);
	name[256] = '\0';
	ck_assert(valid_person_name(name));
	ck_assert(valid_chars_between("four", 4, 72));
	ck_assert(!valid_chars_between("abc", 4, 72));
}
END_TEST

START_TEST(test_fhir_reference_id)
{
	char id[37];
	json_t *ok = json_pack("{s:s}", "reference", "AccessPolicy/123e4567-e89b-42d3-a456-426614174000");
	ck_assert(fhir_reference_id(ok, "AccessPolicy", id));
	ck_assert_str_eq(id, "123e4567-e89b-42d3-a456-426614174000");
	ck_assert(!fhir_reference_id(ok, "Access", id));
	ck_assert(!fhir_reference_id(ok, "Patient", id));
	json_t *bad[] = {
		json_pack("{s:s}", "reference", "AccessPolicy/1"),
		json_pack("{s:s}", "reference", "AccessPolicy/123e4567-e89b-42d3-a456-426614174000/x"),
		json_pack("{s:i}", "reference", 7),
		json_string("AccessPolicy/123e4567-e89b-42d3-a456-426614174000"),
		json_object(),
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(!fhir_reference_id(bad[i], "AccessPolicy", id), "bad[%zu] passed", i);
		json_decref(bad[i]);
	}
	ck_assert(!fhir_reference_id(NULL, "AccessPolicy", id));
	json_decref(ok);
}
END_TEST

/* The member fields an admin may set: shapes checked, absent members keep their values. */
static int parse(const char *text, struct member_fields *f, struct refusal *err)
{
	json_t *o = json_loads(text, 0, NULL);
	ck_assert_msg(o != NULL, "bad test JSON %s", text);
	int rc = members_parse_fields(o, f, err);
	json_decref(o);
	return rc;
}

START_TEST(test_member_fields)
{
	struct member_fields f = { .active = true, .admin = true, .external_id = "keep" };
	struct refusal err;
	ck_assert_int_eq(parse("{}", &f, &err), 0);
	ck_assert(f.active && f.admin);
	ck_assert_str_eq(f.external_id, "keep");
	ck_assert_int_eq(parse("{\"admin\": false, \"active\": null, \"externalId\": null, "
			       "\"accessPolicy\": {\"reference\": \"AccessPolicy/123e4567-e89b-42d3-a456-426614174000\"}}",
			       &f, &err),
			 0);
	ck_assert(!f.admin && f.active);
	ck_assert_ptr_null(f.external_id);
	ck_assert_str_eq(f.access_policy_id, "123e4567-e89b-42d3-a456-426614174000");

	static const struct { const char *json, *text; } bad[] = {
		{ "{\"admin\": \"true\"}", "admin must be a boolean" },
		{ "{\"active\": 0}", "active must be a boolean" },
		{ "{\"externalId\": 5}", "Invalid externalId" },
		{ "{\"externalId\": \"a\\nb\"}", "Invalid externalId" },
		{ "{\"userName\": [\"x\"]}", "Invalid userName" },
		{ "{\"accessPolicy\": \"AccessPolicy/123e4567-e89b-42d3-a456-426614174000\"}", "Invalid accessPolicy" },
		{ "{\"accessPolicy\": {\"reference\": \"Patient/123e4567-e89b-42d3-a456-426614174000\"}}", "Invalid accessPolicy" },
		{ "{\"access\": {}}", "Invalid access" },
		{ "{\"access\": [{\"policy\": {\"reference\": \"AccessPolicy/x\"}}]}", "Invalid access" },
		{ "{\"access\": [{\"policy\": {\"reference\": \"AccessPolicy/123e4567-e89b-42d3-a456-426614174000\"}, "
		  "\"parameter\": {}}]}", "Invalid access" },
		{ "{\"identifier\": \"x\"}", "Invalid identifier" },
		{ "{\"userConfiguration\": {\"reference\": \"User/1\"}}", "Invalid userConfiguration" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct member_fields g = { 0 };
		ck_assert_int_eq(parse(bad[i].json, &g, &err), 1);
		ck_assert_int_eq(err.status, 400);
		ck_assert_str_eq(err.text, bad[i].text);
	}
	ck_assert_int_eq(members_parse_fields(NULL, &f, &err), 1);
	ck_assert_str_eq(err.text, "Invalid membership");
}
END_TEST

/* A stored value longer than its buffer is cut before a character, never inside one. */
START_TEST(test_text_copy_utf8)
{
	char small[6];
	text_copy(small, sizeof small, "ab\xF0\x9F\x98\x80z"); /* "ab" + U+1F600 (4 bytes) + "z" */
	ck_assert_str_eq(small, "ab");
	text_copy(small, sizeof small, "a\xF0\x9F\x98\x80");
	ck_assert_str_eq(small, "a\xF0\x9F\x98\x80");
	text_copy(small, sizeof small, "\xC3\xA9\xC3\xA9\xC3\xA9");
	ck_assert_str_eq(small, "\xC3\xA9\xC3\xA9");
	text_copy(small, sizeof small, NULL);
	ck_assert_str_eq(small, "");
	text_copy(small, 1, "abc");
	ck_assert_str_eq(small, "");
	char name[256];
	char stored[64 * 4 + 1] = "";
	for (int i = 0; i < 64; i++)
		strcat(stored, "\xF0\x9F\x98\x80");
	text_copy(name, sizeof name, stored); /* 256 bytes into 255: 63 whole characters */
	ck_assert_uint_eq(strlen(name), 252);
	ck_assert(utf8_valid(name, strlen(name)));
}
END_TEST

Suite *input_suite(void)
{
	Suite *s = suite_create("input");
	TCase *tc = tcase_create("check");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_input_ok);
	tcase_add_test(tc, test_input_required);
	tcase_add_test(tc, test_input_maxlen_and_types);
	tcase_add_test(tc, test_input_json);
	suite_add_tcase(s, tc);

	TCase *v = tcase_create("validators");
	tcase_add_test(v, test_valid_string);
	tcase_add_test(v, test_text_copy_utf8);
	tcase_add_test(v, test_valid_token);
	tcase_add_test(v, test_valid_scope);
	tcase_add_test(v, test_valid_uuid_bool);
	tcase_add_test(v, test_valid_email);
	tcase_add_test(v, test_valid_uri);
	tcase_add_test(v, test_valid_header_list);
	tcase_add_test(v, test_valid_names);
	tcase_add_test(v, test_fhir_reference_id);
	tcase_add_test(v, test_member_fields);
	suite_add_tcase(s, v);
	return s;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* ratelimit: the pure parts — classes, buckets, the RateLimit header (parsed here the way
 * @medplum/core's rateLimitStatus does), project settings, the password delay, and the
 * header each request state gives. The database parts are tests/e2e/ratelimit.test.mjs. */
#include "tests.h"

#include "core/config.h"
#include "domain/ratelimit.h"
#include "http/request.h"
#include "http/response.h"

#include <stdlib.h>
#include <string.h>

static void setup(void)
{
	test_config_load();
}

START_TEST(test_class)
{
	ck_assert_int_eq(ratelimit_class("/auth/login"), RL_AUTH);
	ck_assert_int_eq(ratelimit_class("/auth/mfa/verify"), RL_AUTH);
	ck_assert_int_eq(ratelimit_class("/oauth2/token"), RL_AUTH);
	/* exactly /auth/me is exempt (Medplum), not what starts with it */
	ck_assert_int_eq(ratelimit_class("/auth/me"), RL_OTHER);
	ck_assert_int_eq(ratelimit_class("/auth/me/"), RL_AUTH);
	ck_assert_int_eq(ratelimit_class("/auth/mex"), RL_AUTH);
	ck_assert_int_eq(ratelimit_class("/auth"), RL_OTHER);
	ck_assert_int_eq(ratelimit_class("/oauth2"), RL_OTHER);
	/* the pages that take passwords, emails and link secrets count as auth (issue 14) */
	ck_assert_int_eq(ratelimit_class("/oauth"), RL_AUTH);
	ck_assert_int_eq(ratelimit_class("/oauth/mfa"), RL_AUTH);
	ck_assert_int_eq(ratelimit_class("/signin"), RL_AUTH);
	ck_assert_int_eq(ratelimit_class("/register/project"), RL_AUTH);
	ck_assert_int_eq(ratelimit_class("/resetpassword/sent"), RL_AUTH);
	ck_assert_int_eq(ratelimit_class("/setpassword/a/b"), RL_AUTH);
	ck_assert_int_eq(ratelimit_class("/verifyemail/a/b"), RL_AUTH);
	ck_assert_int_eq(ratelimit_class("/changepassword"), RL_AUTH);
	ck_assert_int_eq(ratelimit_class("/signinx"), RL_OTHER);
	ck_assert_int_eq(ratelimit_class("/account"), RL_OTHER);
	ck_assert_int_eq(ratelimit_class("/manage/projects"), RL_OTHER);
	ck_assert_int_eq(ratelimit_class("/.well-known/jwks.json"), RL_OTHER);
	ck_assert_int_eq(ratelimit_class("/admin/projects"), RL_OTHER);
	ck_assert_int_eq(ratelimit_class(NULL), RL_OTHER);
}
END_TEST

/* The throttle's account key: the user found, else the email as utf8mb4_unicode_ci folds it. */
START_TEST(test_login_account)
{
	char a[RATELIMIT_ACCOUNT_LEN], b[RATELIMIT_ACCOUNT_LEN];
	ck_assert(ratelimit_login_account("0a1b2c3d-0000-4000-8000-000000000000", "x@example.com", a, sizeof a));
	ck_assert_str_eq(a, "u:0a1b2c3d-0000-4000-8000-000000000000");
	ck_assert(ratelimit_login_account(NULL, "Victim@Exampl\u00e9.com", a, sizeof a));
	ck_assert(ratelimit_login_account("", "victim@example.com", b, sizeof b));
	ck_assert_str_eq(a, "e:victim@example.com");
	ck_assert_str_eq(a, b);
	ck_assert(!ratelimit_login_account(NULL, "victim@example.com", a, 8));
}
END_TEST

/* Pairs MariaDB 10.11 finds equal under utf8mb4_unicode_ci (checked there), and some it does
 * not: the fold must agree both ways. */
START_TEST(test_email_fold)
{
	static const char *const same[][2] = {
		{ "VICTIM@EXAMPLE.COM", "victim@example.com" },
		{ "victim@exampl\u00e9.com", "victim@example.com" },
		{ "victim@example.com\u00a0", "victim@example.com" },       /* PAD SPACE */
		{ "victim@example.com\u3000 ", "victim@example.com" },
		{ "\uff56ictim@example.com", "victim@example.com" },        /* fullwidth v */
		{ "vi\u0301ctim@example.com", "victim@example.com" },       /* combining accent */
		{ "stra\u00dfe@example.com", "strasse@example.com" },       /* sharp s = ss */
		{ "a\U0001F600@x.com", "a\U0001F601@x.com" },              /* above U+FFFF: all alike */
		{ "\u212a@x.com", "k@x.com" },                              /* Kelvin sign */
	};
	static const char *const differ[][2] = {
		{ "victim@example.com", "victim@example.co" },
		{ "\u00f8@x.com", "o@x.com" },                              /* o with stroke: its own letter */
		{ "\u0142@x.com", "l@x.com" },
		{ "\u00e6@x.com", "ae@x.com" },
		{ "a b@x.com", "ab@x.com" },
		{ "a\U0001F600@x.com", "a@x.com" },
	};
	char x[EMAIL_FOLD_SIZE(64)], y[EMAIL_FOLD_SIZE(64)];
	for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
		ck_assert_int_ge(email_fold(same[i][0], x, sizeof x), 0);
		ck_assert_int_ge(email_fold(same[i][1], y, sizeof y), 0);
		ck_assert_msg(!strcmp(x, y), "%s vs %s", same[i][0], same[i][1]);
	}
	for (size_t i = 0; i < sizeof differ / sizeof differ[0]; i++) {
		ck_assert_int_ge(email_fold(differ[i][0], x, sizeof x), 0);
		ck_assert_int_ge(email_fold(differ[i][1], y, sizeof y), 0);
		ck_assert_msg(strcmp(x, y), "%s vs %s", differ[i][0], differ[i][1]);
	}
	ck_assert_int_eq(email_fold("abc", x, 3), -1);
	ck_assert_str_eq(x, "");
	ck_assert_int_eq(email_fold("\xff", x, sizeof x), 4); /* a bad byte: U+10FFFF */
}
END_TEST

START_TEST(test_bucket)
{
	char a[96], b[96], c[96], d[96];
	ratelimit_key("127.0.0.1", RL_AUTH, a, sizeof a);
	ratelimit_key("127.0.0.1", RL_AUTH, b, sizeof b);
	ratelimit_key("127.0.0.1", RL_OTHER, c, sizeof c);
	ratelimit_key("127.0.0.2", RL_AUTH, d, sizeof d);
	ck_assert_str_eq(a, b);
	ck_assert_str_ne(a, c);
	ck_assert_str_ne(a, d);
	ck_assert_str_eq(a, "ip:a:127.0.0.1");
	/* an address longer than the key buffer is still a key, not a crash */
	char longip[300];
	memset(longip, '1', sizeof longip - 1);
	longip[sizeof longip - 1] = '\0';
	ck_assert_uint_eq(ratelimit_key(longip, RL_OTHER, d, sizeof d), sizeof d - 1);
	ck_assert_uint_eq(ratelimit_key(NULL, RL_OTHER, d, sizeof d), 5);
}
END_TEST

/* @medplum/core rateLimitStatus: split on ',', then ';' into exactly 3 trimmed parts; the
 * name is the first part without its first and last character; r= and t= integers. */
static void parse_like_sdk(const char *line, char *name, long *r, long *t)
{
	const char *prefix = "RateLimit: ";
	ck_assert(!strncmp(line, prefix, strlen(prefix)));
	const char *v = line + strlen(prefix);
	size_t len = strlen(v);
	ck_assert(len > 2 && !strcmp(v + len - 2, "\r\n"));
	char value[128];
	ck_assert_uint_lt(len - 2, sizeof value);
	memcpy(value, v, len - 2);
	value[len - 2] = '\0';
	ck_assert_ptr_null(strchr(value, ','));
	char *parts[4] = { 0 };
	int n = 0;
	for (char *save = NULL, *p = strtok_r(value, ";", &save); p; p = strtok_r(NULL, ";", &save))
		if (n < 4)
			parts[n++] = p;
	ck_assert_int_eq(n, 3);
	size_t nl = strlen(parts[0]);
	ck_assert(nl > 2 && parts[0][0] == '"' && parts[0][nl - 1] == '"');
	memcpy(name, parts[0] + 1, nl - 2);
	name[nl - 2] = '\0';
	ck_assert(!strncmp(parts[1], "r=", 2) && !strncmp(parts[2], "t=", 2));
	char *end;
	*r = strtol(parts[1] + 2, &end, 10);
	ck_assert(*end == '\0' && end != parts[1] + 2);
	*t = strtol(parts[2] + 2, &end, 10);
	ck_assert(*end == '\0' && end != parts[2] + 2);
}

START_TEST(test_header_format)
{
	char line[96], name[32];
	long r, t;
	response_ratelimit_header(line, sizeof line, 159, 41);
	ck_assert_str_eq(line, "RateLimit: \"requests\";r=159;t=41\r\n");
	parse_like_sdk(line, name, &r, &t);
	ck_assert_str_eq(name, "requests");
	ck_assert_int_eq(r, 159);
	ck_assert_int_eq(t, 41);
	/* over the limit: never a negative remainder */
	response_ratelimit_header(line, sizeof line, -5, 60);
	ck_assert_str_eq(line, "RateLimit: \"requests\";r=0;t=60\r\n");
	response_ratelimit_header(line, sizeof line, 2000000000LL, -1);
	ck_assert_str_eq(line, "RateLimit: \"requests\";r=2000000000;t=0\r\n");
}
END_TEST

START_TEST(test_header_of_request)
{
	struct request req;
	char line[96], name[32];
	long r, t;
	memset(&req, 0, sizeof req);
	/* nothing counted (limits off, or the database away): no header */
	rate_limit_header(&req, line, sizeof line);
	ck_assert_str_eq(line, "");
	req.rl.counted = true;
	req.rl.hits = 10;
	req.rl.limit = 160;
	req.rl.reset = 17;
	rate_limit_header(&req, line, sizeof line);
	parse_like_sdk(line, name, &r, &t);
	ck_assert_int_eq(r, 150);
	ck_assert_int_eq(t, 17);
	ck_assert(!ratelimit_exceeded(&req));
	req.rl.hits = 160;
	ck_assert(!ratelimit_exceeded(&req));  /* the 160th of 160 passes */
	req.rl.hits = 161;
	ck_assert(ratelimit_exceeded(&req));
	rate_limit_header(&req, line, sizeof line);
	parse_like_sdk(line, name, &r, &t);
	ck_assert_int_eq(r, 0);
	/* a disabled class (-1) never refuses and sends no header */
	req.rl.limit = -1;
	ck_assert(!ratelimit_exceeded(&req));
	rate_limit_header(&req, line, sizeof line);
	ck_assert_str_eq(line, "");
	/* refused for another reason: r=0 and that wait */
	req.rl.limit = 160;
	req.rl.hits = 1;
	req.rl.retry_after = 8;
	rate_limit_header(&req, line, sizeof line);
	ck_assert_str_eq(line, "RateLimit: \"requests\";r=0;t=8\r\n");
}
END_TEST

START_TEST(test_project_override)
{
	struct request req;
	memset(&req, 0, sizeof req);
	req.rl.counted = true;
	req.rl.auth_class = true;
	req.rl.limit = 160;
	struct rl_override o = { .rate_limit = 5, .auth_rate_limit = 0 };
	ratelimit_use_project(&req, &o);
	ck_assert_int_eq(req.rl.limit, 160);   /* auth class: no authRateLimit, default kept */
	o.auth_rate_limit = 3;
	ratelimit_use_project(&req, &o);
	ck_assert_int_eq(req.rl.limit, 3);
	req.rl.auth_class = false;
	req.rl.limit = 60000;
	ratelimit_use_project(&req, &o);
	ck_assert_int_eq(req.rl.limit, 5);
}
END_TEST

START_TEST(test_parse_settings)
{
	struct rl_override o;
	ratelimit_parse_settings("[{\"name\":\"rateLimit\",\"valueInteger\":100},"
				 "{\"name\":\"authRateLimit\",\"valueInteger\":7},"
				 "{\"name\":\"clientRateLimit\",\"valueDecimal\":12},"
				 "{\"name\":\"other\",\"valueInteger\":1}]",
				 &o);
	ck_assert_int_eq(o.rate_limit, 100);
	ck_assert_int_eq(o.auth_rate_limit, 7);
	ck_assert_int_eq(o.client_rate_limit, 12);
	/* not positive whole numbers, wrong types, bad JSON: ignored */
	ratelimit_parse_settings("[{\"name\":\"rateLimit\",\"valueInteger\":0},"
				 "{\"name\":\"authRateLimit\",\"valueInteger\":-1},"
				 "{\"name\":\"clientRateLimit\",\"valueDecimal\":1.5}]",
				 &o);
	ck_assert_int_eq(o.rate_limit, 0);
	ck_assert_int_eq(o.auth_rate_limit, 0);
	ck_assert_int_eq(o.client_rate_limit, 0);
	ratelimit_parse_settings("[{\"name\":\"rateLimit\",\"valueString\":\"5\"},{\"name\":\"authRateLimit\","
				 "\"valueInteger\":99999999999}, 3, null, {\"name\":1}]",
				 &o);
	ck_assert_int_eq(o.rate_limit, 0);
	ck_assert_int_eq(o.auth_rate_limit, 0);
	ratelimit_parse_settings("{\"rateLimit\":5}", &o);
	ck_assert_int_eq(o.rate_limit, 0);
	ratelimit_parse_settings("[{", &o);
	ck_assert_int_eq(o.rate_limit, 0);
	ratelimit_parse_settings(NULL, &o);
	ratelimit_parse_settings("", &o);
	ck_assert_int_eq(o.client_rate_limit, 0);
}
END_TEST

START_TEST(test_login_delay)
{
	ck_assert_int_eq(ratelimit_login_delay(0, 5, 900), 0);
	ck_assert_int_eq(ratelimit_login_delay(4, 5, 900), 0);
	ck_assert_int_eq(ratelimit_login_delay(5, 5, 900), 1);
	ck_assert_int_eq(ratelimit_login_delay(6, 5, 900), 2);
	ck_assert_int_eq(ratelimit_login_delay(10, 5, 900), 32);
	ck_assert_int_eq(ratelimit_login_delay(15, 5, 900), 900);
	ck_assert_int_eq(ratelimit_login_delay(2000000000, 5, 900), 900);
	ck_assert_int_eq(ratelimit_login_delay(3, 0, 60), 8);
	ck_assert_int_eq(ratelimit_login_delay(9, -1, 900), 0);  /* disabled */
	ck_assert_int_eq(ratelimit_login_delay(9, 5, 0), 0);
}
END_TEST

START_TEST(test_retry_seconds)
{
	ck_assert_int_eq(response_retry_seconds(0), 1);
	ck_assert_int_eq(response_retry_seconds(-30), 1);
	ck_assert_int_eq(response_retry_seconds(1), 1);
	ck_assert_int_eq(response_retry_seconds(1000), 1);
	ck_assert_int_eq(response_retry_seconds(1001), 2);
	ck_assert_int_eq(response_retry_seconds(41234), 42);
}
END_TEST

START_TEST(test_rate_limited_without_fcgi)
{
	struct request req;
	memset(&req, 0, sizeof req);
	req.method = "POST";
	response_rate_limited(&req, 161, 160, 41234);
	ck_assert_int_eq(req.status, 429);
	ck_assert(req.headers_sent);
	/* the header now tells the SDK to wait for the reset */
	ck_assert_int_eq(req.rl.retry_after, 42);
}
END_TEST

Suite *ratelimit_suite(void)
{
	Suite *s = suite_create("ratelimit");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, test_config_free);
	tcase_add_test(tc, test_class);
	tcase_add_test(tc, test_bucket);
	tcase_add_test(tc, test_header_format);
	tcase_add_test(tc, test_header_of_request);
	tcase_add_test(tc, test_project_override);
	tcase_add_test(tc, test_parse_settings);
	tcase_add_test(tc, test_login_delay);
	tcase_add_test(tc, test_login_account);
	tcase_add_test(tc, test_email_fold);
	tcase_add_test(tc, test_retry_seconds);
	tcase_add_test(tc, test_rate_limited_without_fcgi);
	suite_add_tcase(s, tc);
	return s;
}

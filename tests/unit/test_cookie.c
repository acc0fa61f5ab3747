/* SPDX-License-Identifier: BSD-2-Clause */
/* cookie: every Set-Cookie line is HttpOnly with a SameSite; Secure unless the configuration
 * relaxes it for plain-HTTP loopback development, and only then. */
#include "tests.h"

#include "core/config.h"
#include "http/cookie.h"

#include <string.h>

static char line[512];

/* Loads the configuration with these base URLs and cookie_secure setting. */
static void configure(const char *base, const char *app_base, const char *secure)
{
	char err[256];
	test_config_load();
	ck_assert_int_eq(config_set("base_url", base, err, sizeof err), 0);
	ck_assert_int_eq(config_set("app_base_url", app_base, err, sizeof err), 0);
	ck_assert_int_eq(config_set("cookie_secure", secure, err, sizeof err), 0);
}

static void build(const char *value, const char *same_site)
{
	ck_assert_int_eq(cookie_header(line, sizeof line, &(struct cookie){ "c", value, 60, "/p", same_site }), 0);
	ck_assert_ptr_nonnull(strstr(line, " HttpOnly;"));
	ck_assert_ptr_nonnull(strstr(line, " SameSite="));
	ck_assert_ptr_nonnull(strstr(line, " Path=/p;"));
	ck_assert_str_eq(line + strlen(line) - 2, "\r\n");
}

START_TEST(test_https_always_secure)
{
	/* cookie_secure = false cannot drop Secure on https or on a public host. */
	static const char *const bases[] = { "https://id.example.com/", "https://127.0.0.1:8443/", "http://id.example.com/",
					     "http://127.0.0.1.example.com/", "http://localhost.example.com/",
					     "http://10.0.0.1/" };
	for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++) {
		for (int relaxed = 0; relaxed < 2; relaxed++) {
			configure(bases[i], bases[i], relaxed ? "false" : "true");
			ck_assert(cookie_secure());
			build("v", "None");
			ck_assert_ptr_nonnull(strstr(line, " Secure;"));
			ck_assert_ptr_nonnull(strstr(line, "SameSite=None\r\n"));
			build("v", "Strict");
			ck_assert_ptr_nonnull(strstr(line, " Secure; SameSite=Strict\r\n"));
			config_free();
		}
	}
}
END_TEST

START_TEST(test_loopback_relaxed_only_when_configured)
{
	static const char *const bases[] = { "http://127.0.0.1:8080/", "http://localhost/", "http://[::1]:80/app/",
					     "http://127.1.2.3/" };
	for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++) {
		configure(bases[i], bases[i], "true");
		ck_assert(cookie_secure());
		config_free();
		configure(bases[i], bases[i], "false");
		ck_assert(!cookie_secure());
		build("v", "Lax");
		ck_assert_ptr_null(strstr(line, "Secure"));
		/* SameSite=None requires Secure: without it the cookie is Lax. */
		build("v", "None");
		ck_assert_ptr_nonnull(strstr(line, "SameSite=Lax\r\n"));
		config_free();
	}
	/* Both base URLs must be loopback. */
	configure("http://127.0.0.1:8080/", "https://app.example.com/", "false");
	ck_assert(cookie_secure());
	config_free();
}
END_TEST

START_TEST(test_clear_and_session_cookies)
{
	configure("https://id.example.com/", "https://id.example.com/", "true");
	build("", "Lax");
	ck_assert_ptr_nonnull(strstr(line, "Set-Cookie: c=; Max-Age=0; Path=/p; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly;"));
	ck_assert_int_eq(cookie_header(line, sizeof line, &(struct cookie){ "s", "v", 0, "/", "Lax" }), 0);
	ck_assert_ptr_null(strstr(line, "Max-Age"));
	ck_assert_str_eq(line, "Set-Cookie: s=v; Path=/; HttpOnly; Secure; SameSite=Lax\r\n");
	/* Too long for the buffer: refused, nothing half-written. */
	char small[16];
	ck_assert_int_eq(cookie_header(small, sizeof small, &(struct cookie){ "s", "v", 0, "/", "Lax" }), -1);
	ck_assert_str_eq(small, "");
	config_free();
}
END_TEST

Suite *cookie_suite(void)
{
	Suite *s = suite_create("cookie");
	TCase *tc = tcase_create("cookie");
	tcase_add_test(tc, test_https_always_secure);
	tcase_add_test(tc, test_loopback_relaxed_only_when_configured);
	tcase_add_test(tc, test_clear_and_session_cookies);
	suite_add_tcase(s, tc);
	return s;
}

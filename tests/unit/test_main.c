/* SPDX-License-Identifier: BSD-2-Clause */
/* Runs every suite; prints "N passed, N failed" and fails when any test failed. */
#include "tests.h"

#include "core/config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void test_env_reset(void)
{
	size_t n;
	const struct config_key *keys = config_keys(&n);
	for (size_t i = 0; i < n; i++) {
		char var[128] = "TESSERA_";
		size_t len = strlen(var);
		for (const char *p = keys[i].name; *p && len < sizeof var - 1; p++)
			var[len++] = (char)toupper((unsigned char)*p);
		var[len] = '\0';
		unsetenv(var);
	}
	setenv("TESSERA_CONFIG", "/dev/null", 1);
}

void test_config_load(void)
{
	char err[512] = "";
	test_env_reset();
	setenv("TESSERA_HASH_KEY", TEST_HASH_KEY, 1);
	setenv("TESSERA_DB_SOCKET", TEST_DB_SOCKET, 1);
	int rc = config_load(err, sizeof err);
	ck_assert_msg(rc == 0, "config_load failed: %s", err);
}

void test_config_free(void)
{
	config_free();
}

void test_write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	ck_assert_msg(f != NULL, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
}

int main(void)
{
	SRunner *sr = srunner_create(crypto_suite());
	srunner_add_suite(sr, accesspolicy_suite());
	srunner_add_suite(sr, request_suite());
	srunner_add_suite(sr, fetch_suite());
	srunner_add_suite(sr, input_suite());
	srunner_add_suite(sr, config_suite());
	srunner_add_suite(sr, jwt_suite());
	srunner_add_suite(sr, assertion_suite());
	srunner_add_suite(sr, response_suite());
	srunner_add_suite(sr, template_suite());
	srunner_add_suite(sr, csrf_suite());
	srunner_add_suite(sr, ratelimit_suite());
	srunner_add_suite(sr, pwpolicy_suite());
	srunner_add_suite(sr, password_suite());
	srunner_add_suite(sr, cookie_suite());
	srunner_add_suite(sr, mail_suite());
	srunner_add_suite(sr, totp_suite());
	srunner_add_suite(sr, dbfail_suite());
	srunner_add_suite(sr, shmcount_suite());
	srunner_add_suite(sr, scimfilter_suite());
	/* Each test runs in its own process (Check's default; CK_FORK=no in the environment
	 * turns it off for debugging), so static caches in the library never leak between tests. */
	srunner_run_all(sr, CK_NORMAL);
	int run = srunner_ntests_run(sr);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	printf("%d passed, %d failed\n", run - failed, failed);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests of libtessera (Check). One suite per module; test_main.c runs them all. */
#ifndef TESSERA_TESTS_H
#define TESSERA_TESTS_H
#include <check.h>

Suite *crypto_suite(void);
Suite *request_suite(void);
Suite *input_suite(void);
Suite *config_suite(void);
Suite *jwt_suite(void);
Suite *response_suite(void);
Suite *template_suite(void);
Suite *csrf_suite(void);
Suite *pwpolicy_suite(void);
Suite *password_suite(void);
Suite *mail_suite(void);
Suite *ratelimit_suite(void);
Suite *cookie_suite(void);
Suite *totp_suite(void);
Suite *dbfail_suite(void);
Suite *accesspolicy_suite(void);
Suite *shmcount_suite(void);
Suite *scimfilter_suite(void);
Suite *fetch_suite(void);
Suite *assertion_suite(void);

/* A 32-byte hash key used by every test that loads the configuration. */
#define TEST_HASH_KEY "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
/* A socket that does not exist, so any database access fails at once. */
#define TEST_DB_SOCKET "/nonexistent/tessera-unit-test.sock"

/* Removes every TESSERA_<KEY> override from the environment and points TESSERA_CONFIG at an
 * empty file (/dev/null), so the tests never depend on the machine's configuration. */
void test_env_reset(void);
/* test_env_reset, then TEST_HASH_KEY and TEST_DB_SOCKET, then config_load (asserted). */
void test_config_load(void);
/* Checked-fixture teardown: frees the configuration. */
void test_config_free(void);
/* Writes text to <dir>/<name> (asserted). */
void test_write_file(const char *dir, const char *name, const char *text);

#endif

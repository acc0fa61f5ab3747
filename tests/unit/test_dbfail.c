/* SPDX-License-Identifier: BSD-2-Clause */
/* A database failure is never "not found": with TEST_DB_SOCKET every query fails at once, and
 * the functions whose "not found" a handler turns into 400/401/404 must say -1 instead (the
 * dispatcher's 503). */
#include "tests.h"

#include "domain/auth.h"
#include "domain/clients.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/db.h"
#include "domain/flow.h"
#include "domain/me.h"
#include "domain/userinfo.h"

#include <stdlib.h>
#include <string.h>

#define SOME_ID "123e4567-e89b-42d3-a456-426614174000"

static void setup(void)
{
	test_config_load();
	ck_assert_str_eq(cfg.db_socket, TEST_DB_SOCKET);
}

static void teardown(void)
{
	db_close();
	test_config_free();
}

START_TEST(test_reads_fail_not_missing)
{
	struct client c;
	struct login l;
	ck_assert_int_eq(clients_get(SOME_ID, &c), -1);
	ck_assert(db_unavailable());
	/* A malformed id is not found without asking the database. */
	ck_assert_int_eq(clients_get("not-a-uuid", &c), 1);
	ck_assert_int_eq(flow_load(SOME_ID, &l), -1);
}
END_TEST

/* A Basic caller's details are read by me_build and userinfo_build: a failure is -1, not the
 * "membership vanished" that /auth/me and /oauth2/userinfo answer with 401. */
START_TEST(test_me_and_userinfo_fail)
{
	struct auth a;
	json_t *sentinel = json_object(), *out = sentinel;
	memset(&a, 0, sizeof a);
	a.basic = true;
	strcpy(a.login.membership_id, SOME_ID);
	strcpy(a.login.user_type, "ClientApplication");
	ck_assert_int_eq(me_build(&a, &out), -1);
	ck_assert_ptr_null(out);
	auth_free(&a);
	out = sentinel;
	ck_assert_int_eq(userinfo_build(&a, &out), -1);
	ck_assert_ptr_null(out);
	auth_free(&a);
	json_decref(sentinel);
}
END_TEST

/* A bearer token whose key cannot be read is -1 (503), not 1 (401: the SDK drops its session). */
START_TEST(test_bearer_keys_unavailable)
{
	const char *header = "{\"alg\":\"ES256\",\"kid\":\"" SOME_ID "\",\"typ\":\"JWT\"}";
	const char *claims = "{\"login_id\":\"" SOME_ID "\",\"exp\":4102444800}";
	char *h = crypto_b64url_encode(header, strlen(header)), *p = crypto_b64url_encode(claims, strlen(claims));
	ck_assert_ptr_nonnull(h);
	ck_assert_ptr_nonnull(p);
	char token[1024];
	snprintf(token, sizeof token, "%s.%s.c2lnbmF0dXJl", h, p);
	free(h);
	free(p);
	struct auth a;
	ck_assert_int_eq(auth_from_token(token, &a), -1);
	auth_free(&a);
}
END_TEST

Suite *dbfail_suite(void)
{
	Suite *s = suite_create("dbfail");
	TCase *tc = tcase_create("dbfail");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_reads_fail_not_missing);
	tcase_add_test(tc, test_me_and_userinfo_fail);
	tcase_add_test(tc, test_bearer_keys_unavailable);
	suite_add_tcase(s, tc);
	return s;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* jwt: jwt_peek on hand-built tokens; jwt_verify refusing what must fail before (or without)
 * a key. Signing needs keys from the database, so round trips are left to the e2e tests;
 * TEST_DB_SOCKET makes every key lookup fail at once. */
#include "tests.h"

#include "core/config.h"
#include "core/crypto.h"
#include "oauth/jwt.h"

#include <stdlib.h>
#include <string.h>

static void setup(void)
{
	test_config_load();
	ck_assert_str_eq(cfg.db_socket, TEST_DB_SOCKET);
}

/* base64url(header) "." base64url(payload) "." sig; malloc'd. */
static char *make_token(const char *header, const char *payload, const char *sig)
{
	char *h = crypto_b64url_encode(header, strlen(header));
	char *p = crypto_b64url_encode(payload, strlen(payload));
	ck_assert_ptr_nonnull(h);
	ck_assert_ptr_nonnull(p);
	size_t n = strlen(h) + strlen(p) + strlen(sig) + 3;
	char *t = malloc(n);
	ck_assert_ptr_nonnull(t);
	strcpy(t, h);
	strcat(t, ".");
	strcat(t, p);
	strcat(t, ".");
	strcat(t, sig);
	free(h);
	free(p);
	return t;
}

#define HDR "{\"alg\":\"ES256\",\"kid\":\"123e4567-e89b-42d3-a456-426614174000\",\"typ\":\"JWT\"}"
#define CLAIMS "{\"sub\":\"user-1\",\"login_id\":\"abc\",\"exp\":4102444800,\"n\":3}"
#define SIG "c2lnbmF0dXJlLW5vdC1jaGVja2Vk"

START_TEST(test_peek_valid)
{
	char *t = make_token(HDR, CLAIMS, SIG);
	json_t *j = jwt_peek(t);
	ck_assert_ptr_nonnull(j);
	ck_assert(json_is_object(j));
	ck_assert_str_eq(json_string_value(json_object_get(j, "sub")), "user-1");
	ck_assert_str_eq(json_string_value(json_object_get(j, "login_id")), "abc");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "n")), 3);
	json_decref(j);
	free(t);
	/* peek does not look at the signature at all, even an empty one */
	t = make_token(HDR, CLAIMS, "");
	j = jwt_peek(t);
	ck_assert_ptr_nonnull(j);
	json_decref(j);
	free(t);
}
END_TEST

START_TEST(test_peek_invalid)
{
	static const char *const payloads[] = { "[1,2]", "\"x\"", "42", "null", "not json", "{\"a\":1,\"a\":2}", "{", "" };
	for (size_t i = 0; i < sizeof payloads / sizeof payloads[0]; i++) {
		char *t = make_token(HDR, payloads[i], SIG);
		json_t *j = jwt_peek(t);
		ck_assert_msg(j == NULL, "payload '%s' accepted", payloads[i]);
		free(t);
	}
	char *good = make_token(HDR, CLAIMS, SIG);
	char *dot1 = strchr(good, '.');
	char *dot2 = strchr(dot1 + 1, '.');

	/* two parts, four parts, no dots */
	char buf[1024];
	snprintf(buf, sizeof buf, "%.*s", (int)(dot2 - good), good);
	ck_assert_ptr_null(jwt_peek(buf));
	snprintf(buf, sizeof buf, "%s.x", good);
	ck_assert_ptr_null(jwt_peek(buf));
	ck_assert_ptr_null(jwt_peek("abc"));
	ck_assert_ptr_null(jwt_peek(""));
	ck_assert_ptr_null(jwt_peek(".."));

	/* payload with characters outside base64url: '+', '/', '=' padding, space */
	static const char *const bad_chars[] = { "+", "/", "=", " " };
	for (size_t i = 0; i < sizeof bad_chars / sizeof bad_chars[0]; i++) {
		size_t hl = (size_t)(dot1 - good) + 1;
		snprintf(buf, sizeof buf, "%.*s%s%s", (int)hl, good, bad_chars[i], dot1 + 1);
		ck_assert_msg(jwt_peek(buf) == NULL, "'%s' in payload accepted", bad_chars[i]);
	}
	/* payload length % 4 == 1 */
	snprintf(buf, sizeof buf, "%.*sA%s", (int)(dot2 - good), good, dot2);
	ck_assert_ptr_null(jwt_peek(buf));
	free(good);

	/* over 8192 characters */
	char *big = malloc(9000);
	char pad[8000];
	memset(pad, 'x', sizeof pad - 1);
	pad[sizeof pad - 1] = '\0';
	snprintf(big, 9000, "{\"sub\":\"%s\"}", pad);
	char *t = make_token(HDR, big, SIG);
	ck_assert_uint_gt(strlen(t), 8192);
	ck_assert_ptr_null(jwt_peek(t));
	free(t);
	/* just under the limit is fine */
	pad[5000] = '\0';
	snprintf(big, 9000, "{\"sub\":\"%s\"}", pad);
	t = make_token(HDR, big, SIG);
	ck_assert_uint_le(strlen(t), 8192);
	json_t *j = jwt_peek(t);
	ck_assert_ptr_nonnull(j);
	json_decref(j);
	free(t);
	free(big);
}
END_TEST

static void assert_refused(const char *token, const char *reason)
{
	const char *why = "unset";
	json_t *claims = jwt_verify(token, &why);
	ck_assert_msg(claims == NULL, "token accepted: %s", token ? token : "(null)");
	ck_assert_msg(!strcmp(why, reason), "token %.60s: reason '%s', expected '%s'", token ? token : "(null)", why,
		      reason);
}

START_TEST(test_verify_malformed)
{
	assert_refused(NULL, "malformed");
	assert_refused("", "malformed");
	assert_refused("abc", "malformed");
	assert_refused("a.b", "malformed");
	assert_refused("a.b.c.d", "malformed");
	assert_refused("...", "malformed");

	char *good = make_token(HDR, CLAIMS, SIG);
	char buf[2048];
	static const char *const bad_chars[] = { "+", "/", "=", " ", "\n", "%", "\xc3\xa9" };
	for (size_t i = 0; i < sizeof bad_chars / sizeof bad_chars[0]; i++) {
		snprintf(buf, sizeof buf, "%s%s", good, bad_chars[i]);
		assert_refused(buf, "malformed");
		snprintf(buf, sizeof buf, "%s%s", bad_chars[i], good);
		assert_refused(buf, "malformed");
	}
	free(good);

	/* a header that is not JSON */
	char *t = make_token("not json", CLAIMS, SIG);
	assert_refused(t, "malformed");
	free(t);

	/* oversized */
	char *big = malloc(9000);
	memset(big, 'A', 8999);
	big[8999] = '\0';
	big[100] = '.';
	big[200] = '.';
	assert_refused(big, "malformed");
	free(big);

	/* why may be NULL */
	ck_assert_ptr_null(jwt_verify("a.b", NULL));
}
END_TEST

/* alg none is refused by the pinning, with or without a kid (the kid lookup fails first). */
START_TEST(test_verify_alg_none)
{
	char *t = make_token("{\"alg\":\"none\",\"typ\":\"JWT\"}", CLAIMS, "");
	assert_refused(t, "algorithm not allowed");
	free(t);
	t = make_token("{\"alg\":\"none\",\"typ\":\"JWT\"}", CLAIMS, SIG);
	assert_refused(t, "algorithm not allowed");
	free(t);
	t = make_token("{\"alg\":\"none\",\"kid\":\"123e4567-e89b-42d3-a456-426614174000\"}", CLAIMS, "");
	assert_refused(t, "algorithm not allowed");
	free(t);
	t = make_token("{\"typ\":\"JWT\"}", CLAIMS, SIG); /* no alg at all */
	ck_assert_ptr_null(jwt_verify(t, NULL));
	free(t);
}
END_TEST

START_TEST(test_verify_alg_not_allowed)
{
	static const char *const headers[] = {
		"{\"alg\":\"HS256\",\"kid\":\"123e4567-e89b-42d3-a456-426614174000\"}",
		"{\"alg\":\"HS256\"}",
		"{\"alg\":\"PS256\",\"kid\":\"k\"}",
		"{\"alg\":\"ES384\"}",
		"{\"alg\":\"RS512\",\"kid\":\"k\"}",
	};
	for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++) {
		char *t = make_token(headers[i], CLAIMS, SIG);
		assert_refused(t, "algorithm not allowed");
		free(t);
	}
}
END_TEST

START_TEST(test_verify_unknown_key)
{
	/* no kid: no key to look up */
	char *t = make_token("{\"alg\":\"ES256\",\"typ\":\"JWT\"}", CLAIMS, SIG);
	assert_refused(t, "unknown key");
	free(t);
	/* a kid, but the keys cannot be loaded (no database): not the token's fault, so the
	 * caller can answer 503 instead of 401 */
	t = make_token(HDR, CLAIMS, SIG);
	assert_refused(t, JWT_KEYS_UNAVAILABLE);
	free(t);
	t = make_token("{\"alg\":\"RS256\",\"kid\":\"x\"}", CLAIMS, SIG);
	assert_refused(t, JWT_KEYS_UNAVAILABLE);
	free(t);
}
END_TEST

Suite *jwt_suite(void)
{
	Suite *s = suite_create("jwt");
	TCase *tc = tcase_create("jwt");
	tcase_add_checked_fixture(tc, setup, test_config_free);
	tcase_add_test(tc, test_peek_valid);
	tcase_add_test(tc, test_peek_invalid);
	tcase_add_test(tc, test_verify_malformed);
	tcase_add_test(tc, test_verify_alg_none);
	tcase_add_test(tc, test_verify_alg_not_allowed);
	tcase_add_test(tc, test_verify_unknown_key);
	suite_add_tcase(s, tc);
	return s;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* totp: RFC 6238 Appendix B vectors (SHA-1, last 6 of the 8 digits), the window, code shapes,
 * the otpauth:// URI; qrpng: a real PNG in a data URL; mfa: method lists; the 429 answer. */
#include "tests.h"

#include "core/crypto.h"
#include "domain/mfa.h"
#include "core/qrpng.h"
#include "core/totp.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* base32 of the RFC's ASCII secret "12345678901234567890" */
#define RFC_SECRET "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

START_TEST(test_rfc6238_vectors)
{
	static const struct { long long t; const char *code; } v[] = {
		{ 59, "287082" }, { 1111111109, "081804" }, { 1111111111, "050471" },
		{ 1234567890, "005924" }, { 2000000000, "279037" }, { 20000000000LL, "353130" },
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		char code[7];
		ck_assert_int_eq(totp_code_at(RFC_SECRET, v[i].t / TOTP_STEP, code), 0);
		ck_assert_str_eq(code, v[i].code);
		long long step = -1;
		ck_assert_int_eq(totp_check(RFC_SECRET, v[i].code, (time_t)v[i].t, 0, &step), 0);
		ck_assert_int_eq(step, v[i].t / TOTP_STEP);
	}
}
END_TEST

START_TEST(test_window)
{
	time_t now = 1111111111;
	long long step, here = now / TOTP_STEP;
	char prev[7], next[7], far[7];
	ck_assert_int_eq(totp_code_at(RFC_SECRET, here - 1, prev), 0);
	ck_assert_int_eq(totp_code_at(RFC_SECRET, here + 1, next), 0);
	ck_assert_int_eq(totp_code_at(RFC_SECRET, here - 2, far), 0);
	ck_assert_int_eq(totp_check(RFC_SECRET, prev, now, 1, &step), 0);
	ck_assert_int_eq(step, here - 1);
	ck_assert_int_eq(totp_check(RFC_SECRET, next, now, 1, &step), 0);
	ck_assert_int_eq(step, here + 1);
	ck_assert_int_eq(totp_check(RFC_SECRET, far, now, 1, &step), 1);
	ck_assert_int_eq(totp_check(RFC_SECRET, prev, now, 0, &step), 1);
	ck_assert_int_eq(totp_check(RFC_SECRET, far, now, 2, &step), 0);
}
END_TEST

START_TEST(test_code_shapes)
{
	long long step;
	ck_assert(totp_code_shape("012345"));
	ck_assert(!totp_code_shape("12345"));
	ck_assert(!totp_code_shape("1234567"));
	ck_assert(!totp_code_shape("12a456"));
	ck_assert(!totp_code_shape(""));
	ck_assert(!totp_code_shape(NULL));
	ck_assert_int_eq(totp_check(RFC_SECRET, "28708", 59, 1, &step), 1);
	ck_assert_int_eq(totp_check(RFC_SECRET, " 287082", 59, 1, &step), 1);
	ck_assert_int_eq(totp_check("not base32!", "287082", 59, 1, &step), -1);
}
END_TEST

START_TEST(test_new_secret)
{
	char a[TOTP_SECRET_B32_LEN + 1], b[TOTP_SECRET_B32_LEN + 1], code[7];
	ck_assert_int_eq(totp_new_secret(a), 0);
	ck_assert_int_eq(totp_new_secret(b), 0);
	ck_assert_uint_eq(strlen(a), 32);
	ck_assert_uint_eq(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), 32);
	ck_assert_str_ne(a, b);
	ck_assert_int_eq(totp_code_at(a, 1000, code), 0);
	ck_assert(totp_code_shape(code));
}
END_TEST

START_TEST(test_uri)
{
	char *u = totp_uri("Acme: Health", "alice+x@example.com", RFC_SECRET);
	ck_assert_ptr_nonnull(u);
	ck_assert_str_eq(u, "otpauth://totp/Acme%20Health:alice%2Bx%40example.com?secret=" RFC_SECRET
			    "&issuer=Acme%20Health&algorithm=SHA1&digits=6&period=30");
	free(u);
}
END_TEST

START_TEST(test_qr_png)
{
	char *url = qrpng_data_url("otpauth://totp/Tessera:a%40b.c?secret=" RFC_SECRET "&issuer=Tessera");
	ck_assert_ptr_nonnull(url);
	const char *prefix = "data:image/png;base64,";
	ck_assert(!strncmp(url, prefix, strlen(prefix)));
	size_t n = 0;
	const char *b64 = url + strlen(prefix);
	uint8_t *png = crypto_b64_decode(b64, strlen(b64), &n);
	ck_assert_ptr_nonnull(png);
	ck_assert_uint_gt(n, 100);
	static const uint8_t magic[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	ck_assert(!memcmp(png, magic, 8));
	ck_assert(!memcmp(png + 12, "IHDR", 4));
	free(png);
	free(url);
}
END_TEST

START_TEST(test_methods)
{
	ck_assert_uint_eq(mfa_methods_parse("totp"), MFA_TOTP);
	ck_assert_uint_eq(mfa_methods_parse("email,totp"), MFA_TOTP | MFA_EMAIL);
	ck_assert_uint_eq(mfa_methods_parse("sms,,x"), 0);
	ck_assert_uint_eq(mfa_methods_parse(NULL), 0);
	json_t *j = mfa_methods_json(MFA_TOTP | MFA_EMAIL);
	char *s = json_dumps(j, JSON_COMPACT);
	ck_assert_str_eq(s, "[\"totp\",\"email\"]");
	free(s);
	json_decref(j);
}
END_TEST

Suite *totp_suite(void)
{
	Suite *s = suite_create("totp");
	TCase *tc = tcase_create("totp");
	tcase_add_test(tc, test_rfc6238_vectors);
	tcase_add_test(tc, test_window);
	tcase_add_test(tc, test_code_shapes);
	tcase_add_test(tc, test_new_secret);
	tcase_add_test(tc, test_uri);
	tcase_add_test(tc, test_qr_png);
	tcase_add_test(tc, test_methods);
	suite_add_tcase(s, tc);
	return s;
}

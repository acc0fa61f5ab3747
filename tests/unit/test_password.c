/* SPDX-License-Identifier: BSD-2-Clause */
/* password: scrypt hashes, and the bcrypt hashes of accounts imported from Medplum checked with
 * libxcrypt until the next sign-in replaces them (PROTOCOL.md §S.23). */
#include "tests.h"

#include "core/config.h"
#include "core/password.h"

#include <string.h>

/* bcryptjs.hashSync("medplum-old-password-1", 4), as Medplum stores it. */
#define BCRYPT_2B "$2b$04$YY5dTxwTubRIn2Xa3ozqruFYCr1x20WGNaQ8Ml601wwHDchZjrKyO"

START_TEST(bcrypt_verified)
{
	ck_assert(password_is_bcrypt(BCRYPT_2B));
	ck_assert(password_verify("medplum-old-password-1", BCRYPT_2B));
	ck_assert(!password_verify("medplum-old-password-2", BCRYPT_2B));
	ck_assert(!password_verify("", BCRYPT_2B));
	/* $2a$ and $2y$ are the same algorithm for passwords this short. */
	char other[61];
	strcpy(other, BCRYPT_2B);
	other[2] = 'a';
	ck_assert(password_verify("medplum-old-password-1", other));
	other[2] = 'y';
	ck_assert(password_verify("medplum-old-password-1", other));
	/* A bcrypt hash is always replaced at the next sign-in. */
	ck_assert(password_needs_rehash(BCRYPT_2B));
}
END_TEST

START_TEST(malformed_bcrypt_refused)
{
	char h[64];
	strcpy(h, BCRYPT_2B);
	h[59] = '\0'; /* one character short */
	ck_assert(!password_is_bcrypt(h) && !password_verify("medplum-old-password-1", h));
	strcpy(h, BCRYPT_2B);
	memcpy(h + 4, "31", 2); /* a cost that would make every sign-in take hours */
	ck_assert(!password_is_bcrypt(h) && !password_verify("medplum-old-password-1", h));
	memcpy(h + 4, "03", 2);
	ck_assert(!password_is_bcrypt(h));
	strcpy(h, BCRYPT_2B);
	h[2] = 'x'; /* no such variant */
	ck_assert(!password_is_bcrypt(h) && !password_verify("medplum-old-password-1", h));
	strcpy(h, BCRYPT_2B);
	h[20] = '!'; /* outside bcrypt's alphabet */
	ck_assert(!password_is_bcrypt(h));
	ck_assert(!password_is_bcrypt("$1$salt$md5crypt") && !password_verify("x", "$1$salt$md5crypt"));
	ck_assert(!password_is_bcrypt(NULL) && !password_verify("x", NULL));
}
END_TEST

START_TEST(scrypt_still_verified)
{
	test_config_load();
	cfg.scrypt_n_log2 = 10; /* fast: the check is the same at any cost */
	char h[PASSWORD_HASH_LEN];
	ck_assert_int_eq(password_hash("correct-horse-battery-9", h), 0);
	ck_assert(!strncmp(h, "$s1$", 4) && !password_is_bcrypt(h));
	ck_assert(password_verify("correct-horse-battery-9", h));
	ck_assert(!password_verify("correct-horse-battery-8", h));
	ck_assert(!password_needs_rehash(h));
	test_config_free();
}
END_TEST

Suite *password_suite(void)
{
	Suite *s = suite_create("password");
	TCase *tc = tcase_create("password");
	tcase_add_test(tc, bcrypt_verified);
	tcase_add_test(tc, malformed_bcrypt_refused);
	tcase_add_test(tc, scrypt_still_verified);
	suite_add_tcase(s, tc);
	return s;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* crypto: ids, random hex, digests against published vectors, base64 and the keyed hash. */
#include "tests.h"

#include "core/config.h"
#include "core/crypto.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void hex_of(const uint8_t *in, size_t len, char *out)
{
	crypto_hex(in, len, out);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

START_TEST(test_uuid_v4_format)
{
	static char ids[1000][UUID_LEN + 1];
	for (int i = 0; i < 1000; i++) {
		char *u = ids[i];
		ck_assert_int_eq(crypto_uuid_v4(u), 0);
		ck_assert_uint_eq(strlen(u), UUID_LEN);
		ck_assert_msg(crypto_is_uuid(u), "not a uuid: %s", u);
		for (int k = 0; k < UUID_LEN; k++) {
			if (k == 8 || k == 13 || k == 18 || k == 23)
				ck_assert_int_eq(u[k], '-');
			else
				ck_assert_msg(strchr("0123456789abcdef", u[k]) && u[k], "bad char in %s", u);
		}
		ck_assert_msg(u[14] == '4', "version nibble of %s", u);
		ck_assert_msg(strchr("89ab", u[19]) && u[19], "variant nibble of %s", u);
	}
	qsort(ids, 1000, sizeof ids[0], cmp_str);
	for (int i = 1; i < 1000; i++)
		ck_assert_str_ne(ids[i - 1], ids[i]);
}
END_TEST

/* Version 7 leads with the time: ids made in later milliseconds sort after earlier ones, and
 * the first 12 hex digits are the Unix time in ms. */
START_TEST(test_uuid_v7_time_ordered)
{
	char first[UUID_LEN + 1], later[UUID_LEN + 1];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	unsigned long long before = (unsigned long long)ts.tv_sec * 1000 + (unsigned long long)ts.tv_nsec / 1000000;
	ck_assert_int_eq(crypto_uuid_v7(first), 0);
	ck_assert(crypto_is_uuid(first));
	ck_assert_msg(first[14] == '7', "version nibble of %s", first);
	ck_assert_msg(strchr("89ab", first[19]) && first[19], "variant nibble of %s", first);
	char hex[13];
	memcpy(hex, first, 8);
	memcpy(hex + 8, first + 9, 4);
	hex[12] = '\0';
	unsigned long long ms = strtoull(hex, NULL, 16);
	ck_assert_msg(ms >= before && ms <= before + 1000, "time %llu vs %llu", ms, before);
	struct timespec pause = { 0, 2000000 };
	nanosleep(&pause, NULL);
	ck_assert_int_eq(crypto_uuid_v7(later), 0);
	ck_assert_msg(strcmp(first, later) < 0, "%s then %s", first, later);
	ck_assert_str_ne(first + 14, later + 14); /* and random after the time */
}
END_TEST

START_TEST(test_is_uuid)
{
	ck_assert(crypto_is_uuid("123e4567-e89b-42d3-a456-426614174000"));
	ck_assert(crypto_is_uuid("00000000-0000-0000-0000-000000000000"));
	ck_assert(crypto_is_uuid("ABCDEF01-2345-4789-ABCD-EF0123456789"));
	ck_assert(!crypto_is_uuid(NULL));
	ck_assert(!crypto_is_uuid(""));
	ck_assert(!crypto_is_uuid("123e4567-e89b-42d3-a456-42661417400"));    /* 35 */
	ck_assert(!crypto_is_uuid("123e4567-e89b-42d3-a456-4266141740000"));  /* 37 */
	ck_assert(!crypto_is_uuid("123e4567e-89b-42d3-a456-426614174000"));   /* dash moved */
	ck_assert(!crypto_is_uuid("123e4567-e89b-42d3-a456-42661417400g"));   /* non-hex */
	ck_assert(!crypto_is_uuid("123e4567 e89b 42d3 a456 426614174000"));   /* spaces */
	ck_assert(!crypto_is_uuid("123e4567-e89b-42d3-a456-426614174000\n"));
	ck_assert(!crypto_is_uuid("123e4567xe89b-42d3-a456-426614174000"));
	ck_assert(!crypto_is_uuid("{23e4567-e89b-42d3-a456-42661417400}"));
	ck_assert(!crypto_is_uuid("------------------------------------"));
}
END_TEST

START_TEST(test_random_hex)
{
	static const size_t sizes[] = { 0, 1, 16, 32, 128 };
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		char out[2 * 128 + 1];
		memset(out, 'X', sizeof out);
		ck_assert_int_eq(crypto_random_hex(out, sizes[s]), 0);
		ck_assert_uint_eq(strlen(out), 2 * sizes[s]);
		ck_assert_uint_eq(strspn(out, "0123456789abcdef"), 2 * sizes[s]);
		ck_assert(crypto_is_hex(out, 2 * sizes[s]));
	}
	char a[65], b[65];
	ck_assert_int_eq(crypto_random_hex(a, 32), 0);
	ck_assert_int_eq(crypto_random_hex(b, 32), 0);
	ck_assert_str_ne(a, b);
	char big[2 * 129 + 1];
	ck_assert_int_eq(crypto_random_hex(big, 129), -1);
}
END_TEST

START_TEST(test_sha256_vectors)
{
	uint8_t d[SHA256_LEN];
	char h[2 * SHA256_LEN + 1];
	crypto_sha256("abc", 3, d);
	hex_of(d, sizeof d, h);
	ck_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	crypto_sha256("", 0, d);
	hex_of(d, sizeof d, h);
	ck_assert_str_eq(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	crypto_sha256(two, strlen(two), d);
	hex_of(d, sizeof d, h);
	ck_assert_str_eq(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}
END_TEST

START_TEST(test_hmac_sha256_vectors)
{
	uint8_t d[SHA256_LEN];
	char h[2 * SHA256_LEN + 1];
	/* RFC 4231 test case 2 */
	const char *data = "what do ya want for nothing?";
	crypto_hmac_sha256("Jefe", 4, data, strlen(data), d);
	hex_of(d, sizeof d, h);
	ck_assert_str_eq(h, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	/* RFC 4231 test case 1 */
	uint8_t key[20];
	memset(key, 0x0b, sizeof key);
	crypto_hmac_sha256(key, sizeof key, "Hi There", 8, d);
	hex_of(d, sizeof d, h);
	ck_assert_str_eq(h, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	/* RFC 4231 test case 6: a key longer than the block size */
	uint8_t longkey[131];
	memset(longkey, 0xaa, sizeof longkey);
	const char *six = "Test Using Larger Than Block-Size Key - Hash Key First";
	crypto_hmac_sha256(longkey, sizeof longkey, six, strlen(six), d);
	hex_of(d, sizeof d, h);
	ck_assert_str_eq(h, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}
END_TEST

START_TEST(test_equal)
{
	ck_assert(crypto_equal("abcdef", 6, "abcdef", 6));
	ck_assert(crypto_equal("", 0, "", 0));
	ck_assert(!crypto_equal("abcdef", 6, "abcdeg", 6));
	ck_assert(!crypto_equal("bbcdef", 6, "abcdef", 6));
	ck_assert(!crypto_equal("abcdef", 6, "abcdefg", 7));
	ck_assert(!crypto_equal("abcdef", 6, "abcde", 5));
	ck_assert(crypto_streq("secret", "secret"));
	ck_assert(!crypto_streq("secret", "secreT"));
	ck_assert(!crypto_streq("secret", "secret2"));
	ck_assert(!crypto_streq("secret", ""));
	ck_assert(!crypto_streq(NULL, "secret"));
	ck_assert(!crypto_streq("secret", NULL));
	ck_assert(!crypto_streq(NULL, NULL));
}
END_TEST

START_TEST(test_b64url_known)
{
	static const struct { const char *in; size_t len; const char *out; } v[] = {
		{ "", 0, "" },         { "f", 1, "Zg" },          { "fo", 2, "Zm8" },
		{ "foo", 3, "Zm9v" },  { "foob", 4, "Zm9vYg" },   { "fooba", 5, "Zm9vYmE" },
		{ "foobar", 6, "Zm9vYmFy" }, { "\xfb\xff", 2, "-_8" }, { "\xff\xfe\xfd", 3, "__79" },
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		char *e = crypto_b64url_encode(v[i].in, v[i].len);
		ck_assert_ptr_nonnull(e);
		ck_assert_str_eq(e, v[i].out);
		free(e);
		size_t n = 99;
		uint8_t *d = crypto_b64url_decode(v[i].out, strlen(v[i].out), &n);
		ck_assert_msg(d != NULL, "decode of '%s' failed", v[i].out);
		ck_assert_uint_eq(n, v[i].len);
		ck_assert(memcmp(d, v[i].in, n) == 0);
		free(d);
	}
}
END_TEST

/* Every length from 0 to 70 (all three remainders many times), random bytes. */
START_TEST(test_b64url_roundtrip)
{
	size_t len = (size_t)_i;
	uint8_t in[70];
	ck_assert_int_eq(crypto_random(in, sizeof in), 0);
	char *e = crypto_b64url_encode(in, len);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(strlen(e), (4 * len + 2) / 3);
	ck_assert_ptr_null(strpbrk(e, "+/= \n"));
	size_t n = 12345;
	uint8_t *d = crypto_b64url_decode(e, strlen(e), &n);
	ck_assert_msg(d != NULL, "length %zu: decode of '%s' failed", len, e);
	ck_assert_uint_eq(n, len);
	ck_assert(len == 0 || memcmp(d, in, len) == 0);
	free(d);
	free(e);
}
END_TEST

START_TEST(test_b64url_rejects)
{
	static const char *const bad[] = {
		"Zm9v+w", "Zm/v", "Zm8=", "Zg==", "Zm 9v", " Zm9v", "Zm9v\n", "Zm9vY", "Z", "Zm9v.Zg", "Zm9\x80",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t n;
		uint8_t *d = crypto_b64url_decode(bad[i], strlen(bad[i]), &n);
		ck_assert_msg(d == NULL, "accepted '%s'", bad[i]);
	}
	/* A NUL inside the given length is not part of the alphabet either. */
	size_t n;
	ck_assert_ptr_null(crypto_b64url_decode("Zm\0v", 4, &n));
}
END_TEST

START_TEST(test_b64_standard)
{
	static const struct { const char *in; const char *out; size_t len; } v[] = {
		{ "Zm9vYmFy", "foobar", 6 }, { "Zm8=", "fo", 2 }, { "Zg==", "f", 1 }, { "+/8=", "\xfb\xff", 2 },
		{ "QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "Aladdin:open sesame", 19 }, { "", "", 0 },
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		size_t n = 99;
		uint8_t *d = crypto_b64_decode(v[i].in, strlen(v[i].in), &n);
		ck_assert_msg(d != NULL, "decode of '%s' failed", v[i].in);
		ck_assert_uint_eq(n, v[i].len);
		ck_assert(memcmp(d, v[i].out, n) == 0);
		free(d);
	}
	static const char *const bad[] = { "Zm8", "Zm9vY", "Zm-_", "Zm 9v", "Zm9v\n", "Zm9v!!!!", "Z===", "====",
					   "Zm=v", "=Zm9", "Zg==Zg==" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t n;
		uint8_t *d = crypto_b64_decode(bad[i], strlen(bad[i]), &n);
		ck_assert_msg(d == NULL, "accepted '%s'", bad[i]);
	}
}
END_TEST

/* Found by tests/fuzz/fuzz_authorization: '=' inside the text made cjose assert, so the header
 * "Authorization: Basic Bs54c=99998i" killed the FastCGI process. */
START_TEST(test_b64_padding_inside)
{
	static const char *const bad[] = { "Bs54c=99998i", "A=AA", "AA=A", "AAAA=AAA" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t n;
		ck_assert_ptr_null(crypto_b64_decode(bad[i], strlen(bad[i]), &n));
	}
}
END_TEST

START_TEST(test_hex)
{
	char h[16];
	crypto_hex((const uint8_t *)"\x00\xab\xff\x10", 4, h);
	ck_assert_str_eq(h, "00abff10");
	crypto_hex(NULL, 0, h);
	ck_assert_str_eq(h, "");

	uint8_t out[4];
	size_t n = 99;
	ck_assert_int_eq(crypto_unhex("00ABff10", out, sizeof out, &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert(memcmp(out, "\x00\xab\xff\x10", 4) == 0);
	ck_assert_int_eq(crypto_unhex("", out, sizeof out, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(crypto_unhex("abc", out, sizeof out, &n), -1);        /* odd */
	ck_assert_int_eq(crypto_unhex("0g", out, sizeof out, &n), -1);         /* non-hex */
	ck_assert_int_eq(crypto_unhex("g0", out, sizeof out, &n), -1);
	ck_assert_int_eq(crypto_unhex(" 0", out, sizeof out, &n), -1);
	ck_assert_int_eq(crypto_unhex("0011223344", out, sizeof out, &n), -1); /* over capacity */

	ck_assert(crypto_is_hex("09afAF", 6));
	ck_assert(!crypto_is_hex("09afAF", 5));
	ck_assert(!crypto_is_hex("09afAG", 6));
	ck_assert(!crypto_is_hex(NULL, 0));
}
END_TEST

static void expected_keyed(const char *hexkey, const char *secret, uint8_t out[SHA256_LEN])
{
	uint8_t key[128];
	size_t keylen;
	ck_assert_int_eq(crypto_unhex(hexkey, key, sizeof key, &keylen), 0);
	crypto_hmac_sha256(key, keylen, secret, strlen(secret), out);
}

static void set_key(const char *hexkey)
{
	char err[256];
	ck_assert_int_eq(config_set("hash_key", hexkey, err, sizeof err), 0);
}

#define KEY2 "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"
#define KEY3 "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20"

START_TEST(test_keyed_hash)
{
	uint8_t h1[SHA256_LEN], h2[SHA256_LEN], h1again[SHA256_LEN], want[SHA256_LEN];
	ck_assert_str_eq(cfg.hash_key, TEST_HASH_KEY);
	ck_assert_int_eq(crypto_keyed_hash("client-secret", h1), 0);
	expected_keyed(TEST_HASH_KEY, "client-secret", want);
	ck_assert(memcmp(h1, want, SHA256_LEN) == 0);

	/* Different secret, same key: different hash. */
	uint8_t other[SHA256_LEN];
	ck_assert_int_eq(crypto_keyed_hash("client-secreT", other), 0);
	ck_assert(memcmp(h1, other, SHA256_LEN) != 0);

	/* Different key: different hash, equal to HMAC under the new key. */
	set_key(KEY2);
	ck_assert_int_eq(crypto_keyed_hash("client-secret", h2), 0);
	ck_assert(memcmp(h1, h2, SHA256_LEN) != 0);
	expected_keyed(KEY2, "client-secret", want);
	ck_assert(memcmp(h2, want, SHA256_LEN) == 0);

	/* A key longer than SHA-256's block (80 bytes) is hashed first, as HMAC says. */
	set_key(KEY2 KEY3 "00112233445566778899aabbccddeeff");
	ck_assert_int_eq(crypto_keyed_hash("client-secret", h2), 0);
	expected_keyed(KEY2 KEY3 "00112233445566778899aabbccddeeff", "client-secret", want);
	ck_assert(memcmp(h2, want, SHA256_LEN) == 0);

	/* Back to the first key: the first hash again. */
	set_key(TEST_HASH_KEY);
	ck_assert_int_eq(crypto_keyed_hash("client-secret", h1again), 0);
	ck_assert(memcmp(h1, h1again, SHA256_LEN) == 0);
}
END_TEST

/* The key must follow the configured value, whatever addresses the allocator hands out:
 * change the key twice between two hashes (the third string may reuse the first's memory). */
START_TEST(test_keyed_hash_follows_value)
{
	uint8_t got[SHA256_LEN], want[SHA256_LEN];
	for (int round = 0; round < 4; round++) {
		set_key(TEST_HASH_KEY);
		ck_assert_int_eq(crypto_keyed_hash("s", got), 0);
		set_key(KEY2);
		set_key(KEY3);
		ck_assert_int_eq(crypto_keyed_hash("s", got), 0);
		expected_keyed(KEY3, "s", want);
		ck_assert_msg(memcmp(got, want, SHA256_LEN) == 0, "round %d: stale hash key used", round);
	}
}
END_TEST

START_TEST(test_keyed_hash_needs_key)
{
	uint8_t out[SHA256_LEN];
	ck_assert_int_eq(crypto_keyed_hash("x", out), 0);
	set_key("");
	ck_assert_int_eq(crypto_keyed_hash("x", out), -1);
	set_key("00112233445566778899aabbccddeeff00112233445566778899aabbccddee"); /* 31 bytes: too short */
	ck_assert_int_eq(crypto_keyed_hash("x", out), -1);
	set_key("not hex at all, not hex at all, not hex at all, not hex at all!!");
	ck_assert_int_eq(crypto_keyed_hash("x", out), -1);
	set_key(TEST_HASH_KEY "0"); /* odd length */
	ck_assert_int_eq(crypto_keyed_hash("x", out), -1);
	set_key(KEY2);
	ck_assert_int_eq(crypto_keyed_hash("x", out), 0);
}
END_TEST

START_TEST(test_keyed_hash_no_config)
{
	uint8_t out[SHA256_LEN];
	config_free();
	ck_assert_ptr_null(cfg.hash_key);
	ck_assert_int_eq(crypto_keyed_hash("x", out), -1);
}
END_TEST

Suite *crypto_suite(void)
{
	Suite *s = suite_create("crypto");
	TCase *tc = tcase_create("primitives");
	tcase_add_test(tc, test_uuid_v4_format);
	tcase_add_test(tc, test_uuid_v7_time_ordered);
	tcase_add_test(tc, test_is_uuid);
	tcase_add_test(tc, test_random_hex);
	tcase_add_test(tc, test_sha256_vectors);
	tcase_add_test(tc, test_hmac_sha256_vectors);
	tcase_add_test(tc, test_equal);
	tcase_add_test(tc, test_b64url_known);
	tcase_add_loop_test(tc, test_b64url_roundtrip, 0, 71);
	tcase_add_test(tc, test_b64url_rejects);
	tcase_add_test(tc, test_b64_standard);
	tcase_add_test(tc, test_b64_padding_inside);
	tcase_add_test(tc, test_hex);
	suite_add_tcase(s, tc);

	TCase *kh = tcase_create("keyed_hash");
	tcase_add_checked_fixture(kh, test_config_load, test_config_free);
	tcase_add_test(kh, test_keyed_hash);
	tcase_add_test(kh, test_keyed_hash_follows_value);
	tcase_add_test(kh, test_keyed_hash_needs_key);
	tcase_add_test(kh, test_keyed_hash_no_config);
	suite_add_tcase(s, kh);
	return s;
}

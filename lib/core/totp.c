/* SPDX-License-Identifier: BSD-2-Clause */
/* totp: RFC 6238 codes through liboath (see totp.h). */
#include "core/totp.h"
#include "core/crypto.h"

#include <curl/curl.h>
#include <liboath/oath.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool oath_ready(void)
{
	static bool ready;
	if (!ready)
		ready = oath_init() == OATH_OK;
	return ready;
}

int totp_new_secret(char out[TOTP_SECRET_B32_LEN + 1])
{
	char raw[TOTP_SECRET_BYTES], *b32 = NULL;
	size_t len = 0;
	int rc = -1;
	if (oath_ready() && crypto_random(raw, sizeof raw) == 0 &&
	    oath_base32_encode(raw, sizeof raw, &b32, &len) == OATH_OK && len == TOTP_SECRET_B32_LEN) {
		memcpy(out, b32, len);
		out[len] = '\0';
		rc = 0;
	}
	if (b32) {
		memset(b32, 0, len);
		free(b32);
	}
	memset(raw, 0, sizeof raw);
	return rc;
}

bool totp_code_shape(const char *code)
{
	return code && strlen(code) == TOTP_DIGITS && strspn(code, "0123456789") == TOTP_DIGITS;
}

/* The raw secret of its base32 form (malloc'd, *len set), NULL when it is not base32. */
static char *decode_secret(const char *b32, size_t *len)
{
	char *raw = NULL;
	if (!oath_ready() || !b32 || oath_base32_decode(b32, strlen(b32), &raw, len) != OATH_OK || *len == 0) {
		free(raw);
		return NULL;
	}
	return raw;
}

static void free_secret(char *raw, size_t len)
{
	if (raw)
		memset(raw, 0, len);
	free(raw);
}

int totp_code_at(const char *secret_b32, long long step, char out[TOTP_DIGITS + 1])
{
	size_t len;
	char *raw = decode_secret(secret_b32, &len);
	if (!raw)
		return -1;
	int rc = oath_totp_generate(raw, len, (time_t)(step * TOTP_STEP), TOTP_STEP, 0, TOTP_DIGITS, out);
	free_secret(raw, len);
	return rc == OATH_OK ? 0 : -1;
}

/* liboath's callback: 0 means equal. */
static int equal_code(void *handle, const char *test)
{
	return crypto_streq((const char *)handle, test) ? 0 : 1;
}

int totp_check(const char *secret_b32, const char *code, time_t now, int window, long long *step_out)
{
	if (!totp_code_shape(code))
		return 1;
	size_t len;
	char *raw = decode_secret(secret_b32, &len);
	if (!raw)
		return -1;
	int pos = 0;
	int rc = oath_totp_validate2_callback(raw, len, now, TOTP_STEP, 0, TOTP_DIGITS, (size_t)window, &pos, equal_code,
					      (void *)code);
	free_secret(raw, len);
	if (rc == OATH_INVALID_OTP)
		return 1;
	if (rc < 0)
		return -1;
	*step_out = (long long)(now / TOTP_STEP) + pos;
	return 0;
}

char *totp_uri(const char *issuer, const char *account, const char *secret_b32)
{
	char clean[256];
	size_t n = 0;
	for (const char *p = issuer; *p && n + 1 < sizeof clean; p++)
		if (*p != ':')
			clean[n++] = *p;
	clean[n] = '\0';
	char *i = curl_easy_escape(NULL, clean, 0), *a = curl_easy_escape(NULL, account, 0);
	char *out = NULL;
	if (i && a &&
	    asprintf(&out, "otpauth://totp/%s:%s?secret=%s&issuer=%s&algorithm=SHA1&digits=%d&period=%d", i, a, secret_b32,
		     i, TOTP_DIGITS, TOTP_STEP) < 0)
		out = NULL;
	curl_free(i);
	curl_free(a);
	return out;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for the second factor's inputs (lib/core/totp.c, lib/core/qrpng.c): a code as typed
 * and a base32 secret (split at the first NUL byte), and the issuer, account and secret that
 * make an otpauth:// URI and its QR PNG. Properties: only exactly six digits can match; the
 * code a secret gives for a step matches that step within a window of 0; the URI starts with
 * otpauth://totp/ and holds no space or control character; the QR data URL is a PNG.
 * FUZZ_SOURCES: lib/core/totp.c lib/core/qrpng.c lib/core/crypto.c lib/core/config.c */
#include "fuzz.h"
#include "core/qrpng.h"
#include "core/totp.h"

static void check_code(const char *code, const char *secret)
{
	long long step = 0;
	int rc = totp_check(secret, code, 1111111111, 1, &step);
	if (rc == 0 && (!totp_code_shape(code) || step < 1111111111 / 30 - 1 || step > 1111111111 / 30 + 1))
		abort();
	char mine[TOTP_DIGITS + 1];
	if (totp_code_at(secret, 4242, mine) == 0 &&
	    (!totp_code_shape(mine) || totp_check(secret, mine, 4242 * 30, 0, &step) != 0 || step != 4242))
		abort();
}

static void check_uri(const char *issuer, const char *account)
{
	char *uri = totp_uri(issuer, account, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
	if (!uri)
		return;
	if (strncmp(uri, "otpauth://totp/", 15))
		abort();
	for (const char *p = uri; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			abort();
	if (strlen(uri) < 600) {
		char *png = qrpng_data_url(uri);
		if (png && strncmp(png, "data:image/png;base64,iVBORw0KGgo", 33))
			abort();
		free(png);
	}
	free(uri);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *a, *b;
	fuzz_split(data, size, &a, &b);
	check_code(a, b);
	check_uri(a, b);
	free(a);
	free(b);
	return 0;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for the Cookie header (req_cookie in lib/http/request.c). The input is a cookie
 * name and a header, split at the first NUL byte. Every lookup goes to an output buffer of
 * exactly the size given, so AddressSanitizer catches a write one past its end; a value found
 * must be what the header says after "name=".
 * FUZZ_SOURCES: lib/http/request.c lib/core/crypto.c lib/core/config.c */
#include "fuzz.h"
#include "http/request.h"

static void lookup(const struct request *req, const char *name, size_t outlen)
{
	char *out = malloc(outlen);
	if (!out)
		abort();
	if (req_cookie(req, name, out, outlen)) {
		size_t n = strlen(out);
		if (n >= outlen)
			abort();
		char *pair = malloc(strlen(name) + n + 2);
		if (!pair)
			abort();
		sprintf(pair, "%s=%s", name, out);
		if (!strstr(req->cookie_header, pair))
			abort();
		free(pair);
	}
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *name, *header;
	fuzz_split(data, size, &name, &header);
	struct request req;
	memset(&req, 0, sizeof req);
	req.cookie_header = header;
	/* the sizes the programs use: 1 (degenerate), the CSRF cookie's 33, a login id's 64 */
	static const size_t sizes[] = { 1, 33, 64, 4096 };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		lookup(&req, name, sizes[i]);
	free(name);
	free(header);
	return 0;
}

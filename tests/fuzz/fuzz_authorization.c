/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for the Authorization header's Basic scheme (parse_basic_auth in
 * lib/http/request.c; Bearer tokens go to fuzz_jwt). The first byte picks the sizes of the id and
 * secret buffers, the rest is the header value. The buffers are exact-size heap blocks, so an
 * overflow shows; on success both parts are NUL-terminated within them.
 * FUZZ_SOURCES: lib/http/request.c lib/core/crypto.c lib/core/config.c */
#include "fuzz.h"
#include "http/request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t idlen = 1 + (data[0] & 0x0f) * 9, secretlen = 1 + (data[0] >> 4) * 17;
	char *header = fuzz_string(data + 1, size - 1);
	char *id = malloc(idlen), *secret = malloc(secretlen);
	if (!id || !secret)
		abort();
	if (parse_basic_auth(header, id, idlen, secret, secretlen)) {
		if (strlen(id) >= idlen || strlen(secret) >= secretlen || strncmp(header, "Basic ", 6))
			abort();
	}
	/* the sizes token.c and auth.c use, with the scheme forced on */
	char big_id[128], big_secret[256];
	char *basic = malloc(size + 6);
	if (!basic)
		abort();
	memcpy(basic, "Basic ", 6);
	memcpy(basic + 6, data + 1, size - 1);
	basic[size + 5] = '\0';
	(void)parse_basic_auth(basic, big_id, sizeof big_id, big_secret, sizeof big_secret);
	free(basic);
	free(id);
	free(secret);
	free(header);
	return 0;
}

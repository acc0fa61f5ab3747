/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for form decoding (lib/http/request.c): a request URI (path and query string)
 * and an application/x-www-form-urlencoded body, split at the first NUL byte. Whatever the
 * parser accepts must hold its promises: every parameter value is NUL-free valid UTF-8 within
 * max_field, and every parameter can be found again by name.
 * FUZZ_SOURCES: lib/http/request.c lib/core/crypto.c lib/core/config.c */
#include "fuzz.h"
#include "http/request.h"

FUZZ_INIT_CONFIG

static void check_params(const struct request *req)
{
	for (size_t i = 0; i < req->nparams; i++) {
		const struct param *p = &req->params[i];
		size_t n = strlen(p->value);
		if (!utf8_valid(p->value, n) || !utf8_valid(p->name, strlen(p->name)) || n > (size_t)cfg.max_field)
			abort();
		if (!req_param(req, p->name))
			abort();
	}
	if (req->path && (req->path[0] != '/' || !utf8_valid(req->path, strlen(req->path))))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *uri, *body;
	/* the body keeps any NUL bytes: the decoder must refuse those itself */
	size_t body_len = fuzz_split(data, size, &uri, &body);
	struct request req;
	memset(&req, 0, sizeof req);
	enum req_error err = request_parse(&req, "POST", uri, "application/x-www-form-urlencoded", body, body_len);
	if (err == REQ_OK)
		check_params(&req);
	request_free(&req);
	free(uri);
	free(body);
	return 0;
}

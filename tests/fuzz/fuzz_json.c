/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for JSON request bodies (lib/http/request.c): the whole input is the body of a
 * POST with an application/json content type. An accepted body is a JSON object whose flat
 * members became NUL-free, valid UTF-8 parameters.
 * FUZZ_SOURCES: lib/http/request.c lib/core/crypto.c lib/core/config.c */
#include "fuzz.h"
#include "http/request.h"

FUZZ_INIT_CONFIG

static void check_accepted(const struct request *req)
{
	if (!json_is_object(req->json) || req->body_kind != BODY_JSON)
		abort();
	for (size_t i = 0; i < req->nparams; i++) {
		const struct param *p = &req->params[i];
		if (!p->from_body || !utf8_valid(p->value, strlen(p->value)) || !json_object_get(req->json, p->name))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the first byte picks one of the JSON content types the classifier accepts */
	static const char *const types[] = { "application/json", "application/json; charset=utf-8",
					     "application/fhir+json", "APPLICATION/JSON" };
	if (size < 1)
		return 0;
	const char *type = types[data[0] % 4];
	char *body = fuzz_string(data + 1, size - 1);
	struct request req;
	memset(&req, 0, sizeof req);
	/* an empty body is no body at all, whatever the content type says */
	if (request_parse(&req, "POST", "/auth/login", type, body, size - 1) == REQ_OK && size > 1)
		check_accepted(&req);
	request_free(&req);
	free(body);
	return 0;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* jsonwebkeys: the signing keys' public parts and status (§11.5). */
#include "domain/jsonwebkeys.h"
#include "core/crypto.h"
#include "core/fhir.h"
#include "core/text.h"
#include "oauth/keys.h"

#include <string.h>

/* The public members of the served JWKS entry for kid (none once the key no longer verifies). */
static void add_public(json_t *k, json_t *jwks, const char *kid)
{
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(jwks, "keys"), i, e) {
		if (strcmp(json_string_value(json_object_get(e, "kid")) ? json_string_value(json_object_get(e, "kid")) : "",
			   kid))
			continue;
		const char *pub[] = { "kty", "crv", "x", "y", "n", "e" };
		for (size_t m = 0; m < sizeof pub / sizeof pub[0]; m++)
			if (json_object_get(e, pub[m]))
				json_object_set(k, pub[m], json_object_get(e, pub[m]));
	}
}

static json_t *key_row(const struct db_result *r, unsigned i, json_t *jwks)
{
	json_t *k = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:s}", "resourceType", "JsonWebKey", "id", db_cell(r, i, 0),
			      "kid", db_cell(r, i, 0), "alg", db_cell(r, i, 1), "use", "sig", "active",
			      text_true(db_cell(r, i, 2)), "created", db_cell(r, i, 5));
	if (db_cell(r, i, 6))
		json_object_set_new(k, "retired", json_string(db_cell(r, i, 6)));
	if (db_cell(r, i, 7))
		json_object_set_new(k, "expires", json_string(db_cell(r, i, 7)));
	add_public(k, jwks, db_cell(r, i, 0));
	fhir_set_meta(k, NULL, db_cell(r, i, 3), db_cell(r, i, 4));
	return k;
}

static int key_rows(const char *ids, unsigned limit, unsigned offset, bool oldest_first, json_t **rows)
{
	struct db_result r;
	*rows = NULL;
	if (keys_status(ids, limit, offset, oldest_first, &r) < 0)
		return -1;
	json_t *jwks = keys_jwks();
	*rows = json_array();
	for (unsigned i = 0; i < r.nrows; i++)
		json_array_append_new(*rows, key_row(&r, i, jwks));
	json_decref(jwks);
	db_result_free(&r);
	return 0;
}

static int key_get(const char *id, json_t **out)
{
	*out = NULL;
	if (!crypto_is_uuid(id))
		return 1;
	json_t *rows;
	if (key_rows(id, 1, 0, false, &rows) < 0)
		return -1;
	if (json_array_size(rows))
		*out = json_incref(json_array_get(rows, 0));
	json_decref(rows);
	return *out ? 0 : 1;
}

static int key_find(const struct store_query *q, json_t **rows, long long *total)
{
	if (key_rows(q->ids, q->limit, q->offset, q->oldest_first, rows) < 0)
		return -1;
	if (!total)
		return 0;
	size_t n = json_array_size(*rows);
	if (n < q->limit && (n > 0 || q->offset == 0)) {
		*total = (long long)q->offset + (long long)n;
		return 0;
	}
	return keys_status_count(q->ids, total);
}

const struct resource_store jsonwebkeys_store = {
	.type = "JsonWebKey",
	.global = true,
	.get = key_get,
	.find = key_find,
};

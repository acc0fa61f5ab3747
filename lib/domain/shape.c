/* SPDX-License-Identifier: BSD-2-Clause */
/* shape: resource body members. */
#include "domain/shape.h"
#include "core/fhir.h"
#include "http/input.h"

#include <string.h>

bool shape_string(json_t *o, const char *key, size_t max, const char **out)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v || json_is_null(v))
		return true;
	const char *s = json_string_value(v);
	if (!s || !valid_chars_between(s, 1, max))
		return false;
	*out = s;
	return true;
}

bool shape_identifiers(json_t *o, const char *key, size_t max, json_t **out)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v || json_is_null(v))
		return true;
	if (!json_is_array(v) || json_array_size(v) > max)
		return false;
	json_t *clean = json_array();
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e) {
		const char *system, *value;
		if (!json_is_object(e) || !shape_string(e, "system", 255, &system) || !shape_string(e, "value", 255, &value) ||
		    !value) {
			json_decref(clean);
			return false;
		}
		json_array_append_new(clean, system ? json_pack("{s:s, s:s}", "system", system, "value", value)
						    : json_pack("{s:s}", "value", value));
	}
	*out = clean;
	return true;
}

bool shape_bool(json_t *o, const char *key, int *out)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return true;
	if (!json_is_boolean(v))
		return false;
	*out = json_is_true(v);
	return true;
}

bool shape_uri(json_t *o, const char *key, const char **out)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v || json_is_null(v))
		return true;
	const char *s = json_string_value(v);
	if (!s || strlen(s) > 2048 || !valid_uri(s))
		return false;
	*out = s;
	return true;
}

bool shape_strings(json_t *o, const char *key, size_t max_items, size_t max_len, bool (*ok)(const char *),
		   json_t **out)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v || json_is_null(v))
		return true;
	if (!json_is_array(v) || json_array_size(v) > max_items)
		return false;
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e) {
		const char *s = json_string_value(e);
		if (!s || strlen(s) > max_len || !(ok ? ok(s) : valid_chars_between(s, 1, max_len)))
			return false;
	}
	*out = v;
	return true;
}

bool shape_reference(json_t *o, const char *key, const char *type, char id_out[37])
{
	json_t *v = json_object_get(o, key);
	id_out[0] = '\0';
	if (!v || json_is_null(v))
		return true;
	return fhir_reference_id(v, type, id_out);
}

bool shape_identity_provider(json_t *o, const char *key, json_t **out)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v || json_is_null(v))
		return true;
	if (!json_is_object(v))
		return false;
	/* issuer and jwksUri are Tessera's: where id_tokens are verified (domain/idp.h). */
	const char *urls[] = { "authorizeUrl", "tokenUrl", "userInfoUrl", "issuer", "jwksUri" };
	const char *texts[] = { "clientId", "clientSecret" };
	json_t *idp = json_object();
	const char *s;
	for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
		if (!shape_uri(v, urls[i], &s))
			goto bad;
		if (s)
			json_object_set_new(idp, urls[i], json_string(s));
	}
	for (size_t i = 0; i < 2; i++) {
		if (!shape_string(v, texts[i], 1024, &s))
			goto bad;
		if (s)
			json_object_set_new(idp, texts[i], json_string(s));
	}
	if (!shape_string(v, "tokenAuthMethod", 32, &s) ||
	    (s && strcmp(s, "client_secret_basic") && strcmp(s, "client_secret_post")))
		goto bad;
	if (s)
		json_object_set_new(idp, "tokenAuthMethod", json_string(s));
	const char *flags[] = { "usePkce", "useSubject" };
	for (size_t i = 0; i < 2; i++) {
		int b = -1;
		if (!shape_bool(v, flags[i], &b))
			goto bad;
		if (b >= 0)
			json_object_set_new(idp, flags[i], json_boolean(b));
	}
	*out = idp;
	return true;
bad:
	json_decref(idp);
	return false;
}

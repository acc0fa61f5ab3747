/* fhir: reference builder. */
#include "fhir.h"

#include "crypto.h"

#include <stdio.h>
#include <string.h>

json_t *fhir_reference(const char *type, const char *id, const char *display)
{
	char ref[80];
	snprintf(ref, sizeof ref, "%s/%s", type, id);
	json_t *r = json_pack("{s:s}", "reference", ref);
	if (display && *display)
		json_object_set_new(r, "display", json_string(display));
	return r;
}

bool fhir_reference_id(json_t *ref, const char *type, char id_out[37])
{
	const char *r = json_string_value(json_object_get(ref, "reference"));
	size_t n = strlen(type);
	if (!json_is_object(ref) || !r || strncmp(r, type, n) || r[n] != '/' || !crypto_is_uuid(r + n + 1))
		return false;
	memcpy(id_out, r + n + 1, 37);
	return true;
}

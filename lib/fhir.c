/* fhir: reference builder. */
#include "fhir.h"

#include <stdio.h>

json_t *fhir_reference(const char *type, const char *id, const char *display)
{
	char ref[80];
	snprintf(ref, sizeof ref, "%s/%s", type, id);
	json_t *r = json_pack("{s:s}", "reference", ref);
	if (display && *display)
		json_object_set_new(r, "display", json_string(display));
	return r;
}

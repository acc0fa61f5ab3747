/* SPDX-License-Identifier: BSD-2-Clause */
/* userinfo: claims from a FHIR profile (Practitioner, Patient, ...) and its user. */
#include "domain/userinfo.h"
#include "domain/auth.h"
#include "core/text.h"
#include "core/db.h"
#include "domain/grant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *first_string(json_t *array)
{
	return json_string_value(json_array_get(array, 0));
}

/* The first HumanName: given, family and a formatted "given family". */
static void add_name(json_t *out, json_t *profile)
{
	json_t *name = json_array_get(json_object_get(profile, "name"), 0);
	const char *given = first_string(json_object_get(name, "given"));
	const char *family = json_string_value(json_object_get(name, "family"));
	char full[600];
	snprintf(full, sizeof full, "%s%s%s", given ? given : "", given && family ? " " : "", family ? family : "");
	json_object_set_new(out, "name", json_string(full));
	json_object_set_new(out, "given_name", json_string(given ? given : ""));
	json_object_set_new(out, "middle_name", json_string(""));
	json_object_set_new(out, "family_name", json_string(family ? family : ""));
}

static const char *telecom(json_t *profile, const char *system)
{
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get(profile, "telecom"), i, t)
		if (!strcmp(json_string_value(json_object_get(t, "system")) ? json_string_value(json_object_get(t, "system")) : "", system))
			return json_string_value(json_object_get(t, "value"));
	return NULL;
}

static void add_profile_claims(json_t *out, json_t *profile, const struct auth *a, const char *updated)
{
	char ref[80];
	snprintf(ref, sizeof ref, "%s/%s", a->profile_type, a->profile_id);
	json_object_set_new(out, "profile", json_string(ref));
	json_object_set_new(out, "locale", json_string("en-US"));
	const char *birth = json_string_value(json_object_get(profile, "birthDate"));
	json_object_set_new(out, "birthdate", json_string(birth ? birth : ""));
	json_object_set_new(out, "updated_at", json_integer(updated ? strtoll(updated, NULL, 10) : 0));
	add_name(out, profile);
	static const char *const empty[] = { "website", "zoneinfo", "gender", "preferred_username", "picture", "nickname" };
	for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++)
		json_object_set_new(out, empty[i], json_string(""));
}

static void add_address(json_t *out, json_t *profile)
{
	json_t *addr = json_array_get(json_object_get(profile, "address"), 0);
	const char *text = json_string_value(json_object_get(addr, "text"));
	char formatted[1024] = "";
	if (text) {
		snprintf(formatted, sizeof formatted, "%s", text);
	} else {
		const char *parts[] = { first_string(json_object_get(addr, "line")),
					json_string_value(json_object_get(addr, "city")),
					json_string_value(json_object_get(addr, "state")),
					json_string_value(json_object_get(addr, "postalCode")) };
		for (size_t i = 0; i < 4; i++)
			if (parts[i])
				snprintf(formatted + strlen(formatted), sizeof formatted - strlen(formatted), "%s%s",
					 formatted[0] ? ", " : "", parts[i]);
	}
	json_object_set_new(out, "address", json_pack("{s:s}", "formatted", formatted));
}

int userinfo_build(struct auth *a, json_t **result)
{
	*result = NULL;
	int rc = auth_load_detail(a);
	if (rc != 0)
		return rc;
	const char *resource = auth_detail_cell(a, AD_PROFILE_RESOURCE);
	json_t *profile = resource ? json_loads(resource, 0, NULL) : NULL;
	if (!profile)
		profile = json_object();
	/* The ID token's subject (OIDC Core §5.3.2: a relying party must find them equal), where
	 * Medplum answers the profile id; the profile stays reachable as the fhirUser claim. */
	json_t *out = json_pack("{s:s}", "sub", a->login.user_id);
	if (a->profile_type[0] && a->profile_id[0]) {
		char fhir_user[80];
		snprintf(fhir_user, sizeof fhir_user, "%s/%s", a->profile_type, a->profile_id);
		json_object_set_new(out, "fhirUser", json_string(fhir_user));
	}
	const char *scope = a->login.scope;
	if (scope_has(scope, "profile"))
		add_profile_claims(out, profile, a, auth_detail_cell(a, AD_PROFILE_UPDATED));
	if (scope_has(scope, "email")) {
		const char *email = auth_detail_cell(a, AD_EMAIL);
		bool verified = email && text_true(auth_detail_cell(a, AD_EMAIL_VERIFIED));
		if (!email)
			email = telecom(profile, "email");
		json_object_set_new(out, "email", json_string(email ? email : ""));
		json_object_set_new(out, "email_verified", json_boolean(verified));
	}
	if (scope_has(scope, "phone")) {
		const char *phone = telecom(profile, "phone");
		json_object_set_new(out, "phone_number", json_string(phone ? phone : ""));
		json_object_set_new(out, "phone_number_verified", json_false());
	}
	if (scope_has(scope, "address"))
		add_address(out, profile);
	json_decref(profile);
	*result = out;
	return 0;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* extbearer: external auth providers' bearer tokens (see extbearer.h). */
#include "domain/extbearer.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/fetch.h"
#include "core/text.h"
#include "domain/flow.h"
#include "domain/idp.h"
#include "domain/members.h"
#include "oauth/jwks.h"
#include "oauth/jwt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CACHE_SLOTS 64
#define CACHE_SECONDS 3600

struct remembered {
	uint8_t digest[SHA256_LEN];
	char login_id[37];
	time_t until;
};

static struct remembered cache[CACHE_SLOTS];

static struct remembered *slot_of(const uint8_t digest[SHA256_LEN])
{
	return &cache[digest[0] % CACHE_SLOTS];
}

/* The userinfo URL of the provider whose issuer this is, into out; false when none. */
static bool provider_of(const char *iss, char *out, size_t cap)
{
	char list[4096];
	text_copy(list, sizeof list, cfg.external_auth_providers);
	char *save = NULL;
	for (char *pair = strtok_r(list, ",", &save); pair; pair = strtok_r(NULL, ",", &save)) {
		char issuer[1024], userinfo[2048];
		if (sscanf(pair, " %1023s %2047s", issuer, userinfo) == 2 && !strcmp(issuer, iss)) {
			text_copy(out, cap, userinfo);
			return true;
		}
	}
	return false;
}

/* "Patient/<uuid>" (Patient, Practitioner, RelatedPerson): the parts; false otherwise (Medplum's
 * search strings are not taken). */
static bool fhir_user(json_t *claims, char type[32], char id[37])
{
	const char *v = json_string_value(json_object_get(claims, "fhirUser"));
	if (!v)
		v = json_string_value(json_object_get(json_object_get(claims, "ext"), "fhirUser"));
	const char *slash = v ? strchr(v, '/') : NULL;
	if (!slash || (size_t)(slash - v) >= 32 || !crypto_is_uuid(slash + 1))
		return false;
	memcpy(type, v, (size_t)(slash - v));
	type[slash - v] = '\0';
	text_copy(id, 37, slash + 1);
	return !strcmp(type, "Patient") || !strcmp(type, "Practitioner") || !strcmp(type, "RelatedPerson");
}

/* The token verified by the issuer's keys (from its discovery document) and exp. 0, 1, -1. */
static int verified(const char *token, const char *iss, json_t **claims)
{
	json_t *idp = json_pack("{s:s}", "issuer", iss);
	char *issuer = NULL, *jwks_uri = NULL;
	struct refusal err;
	int rc = idp ? idp_verification(idp, &issuer, &jwks_uri, &err) : -1;
	if (rc == 0)
		rc = jwks_verify(jwks_uri, NULL, token, NULL, claims, &err);
	if (rc == 0 && (rc = jwks_check_claims(*claims, issuer, NULL, NULL, time(NULL), 60, &err)) != 0) {
		json_decref(*claims);
		*claims = NULL;
	}
	free(issuer);
	free(jwks_uri);
	json_decref(idp);
	return rc < 0 ? -1 : rc ? 1 : 0;
}

/* userinfo answers 200 to the token. 0, 1, -1. */
static int userinfo_accepts(const char *url, const char *token)
{
	json_t *info;
	long status = 0;
	struct refusal err;
	int rc = fetch_get_json(url, token, &info, &status, &err);
	json_decref(info);
	return rc != 0 ? rc : status == 200 ? 0 : 1;
}

/* The Login for a fresh token: the membership of fhirUser, a new Login. 0, 1, -1. */
static int new_login(json_t *claims, char login_id[37])
{
	char type[32], id[37];
	if (!fhir_user(claims, type, id))
		return 1;
	struct db_result r;
	if (members_active_by_profile(type, id, &r) < 0)
		return -1;
	int rc = 1;
	struct login l;
	if (r.nrows == 1) {
		rc = flow_external_session(db_cell(&r, 0, 1), db_cell(&r, 0, 0), db_cell(&r, 0, 2), &l);
		if (rc == 0)
			text_copy(login_id, 37, l.id);
	}
	db_result_free(&r);
	return rc;
}

int extbearer_login(const char *token, char login_id[37])
{
	if (!*cfg.external_auth_providers)
		return 2;
	json_t *peek = jwt_peek(token);
	const char *iss = json_string_value(json_object_get(peek, "iss"));
	char userinfo[2048];
	bool ours = iss && provider_of(iss, userinfo, sizeof userinfo);
	char issuer[1024];
	text_copy(issuer, sizeof issuer, iss);
	json_decref(peek);
	if (!ours)
		return 2;
	uint8_t digest[SHA256_LEN];
	crypto_sha256(token, strlen(token), digest);
	struct remembered *m = slot_of(digest);
	if (m->until > time(NULL) && crypto_equal(m->digest, SHA256_LEN, digest, SHA256_LEN)) {
		text_copy(login_id, 37, m->login_id);
		return 0;
	}
	json_t *claims = NULL;
	int rc = verified(token, issuer, &claims);
	if (rc == 0)
		rc = userinfo_accepts(userinfo, token);
	if (rc == 0)
		rc = new_login(claims, login_id);
	if (rc == 0) {
		json_t *exp = json_object_get(claims, "exp");
		time_t until = time(NULL) + CACHE_SECONDS;
		if (json_is_integer(exp) && (time_t)json_integer_value(exp) < until)
			until = (time_t)json_integer_value(exp);
		memcpy(m->digest, digest, SHA256_LEN);
		text_copy(m->login_id, sizeof m->login_id, login_id);
		m->until = until;
	}
	json_decref(claims);
	return rc;
}

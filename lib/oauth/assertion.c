/* SPDX-License-Identifier: BSD-2-Clause */
/* assertion: the claims of JWTs others sign for Tessera (RFC 7523 §3; PROTOCOL.md §7.2.5). */
#include "oauth/assertion.h"
#include "core/config.h"
#include "core/refusal.h"
#include "oauth/jwt.h"

#include <stdio.h>
#include <string.h>

const char *const assertion_algs[] = { "ES256", "ES384", "RS256", "RS384", "PS256", NULL };

/* A client assertion fails client authentication (RFC 6749 §5.2: invalid_client, 401 as
 * Tessera's other client authentication refusals); a grant assertion is an invalid grant
 * (RFC 7523 §3.1). The text names the kind and the fault. */
static int refuse_as(enum assertion_kind kind, const char *fault, struct refusal *err)
{
	char text[128];
	snprintf(text, sizeof text, "Invalid %sassertion%s", kind == ASSERTION_CLIENT ? "client " : "", fault);
	if (kind == ASSERTION_CLIENT) {
		refuse_copy(err, 401, text, NULL);
		err->oauth_error = "invalid_client";
	} else {
		refuse_copy(err, 400, text, NULL);
		err->oauth_error = "invalid_grant";
	}
	return 1;
}

int assertion_refuse_signature(enum assertion_kind kind, struct refusal *err)
{
	return refuse_as(kind, " signature", err);
}

int assertion_refuse_issuer(enum assertion_kind kind, struct refusal *err)
{
	return refuse_as(kind, " issuer", err);
}

int assertion_refuse_replay(enum assertion_kind kind, struct refusal *err)
{
	return refuse_as(kind, ": already used", err);
}

static bool copy_string(json_t *claims, const char *name, char *out, size_t outlen)
{
	const char *v = json_string_value(json_object_get(claims, name));
	if (!v || !*v || strlen(v) >= outlen)
		return false;
	memcpy(out, v, strlen(v) + 1);
	return true;
}

int assertion_peek(const char *jwt, enum assertion_kind kind, struct assertion_peek *p, struct refusal *err)
{
	memset(p, 0, sizeof *p);
	json_t *claims = jwt ? jwt_peek(jwt) : NULL;
	if (!claims)
		return refuse_as(kind, "", err);
	bool iss = copy_string(claims, "iss", p->iss, sizeof p->iss);
	bool sub = copy_string(claims, "sub", p->sub, sizeof p->sub);
	json_decref(claims);
	if (!iss || (kind == ASSERTION_CLIENT && (!sub || strcmp(p->iss, p->sub))))
		return refuse_as(kind, " issuer", err);
	if (!sub)
		return refuse_as(kind, " subject", err);
	return 0;
}

bool assertion_names_tessera(const char *value)
{
	char token_endpoint[2048];
	snprintf(token_endpoint, sizeof token_endpoint, "%soauth2/token", cfg.base_url);
	return value && (!strcmp(value, token_endpoint) || !strcmp(value, cfg.issuer));
}

/* RFC 7523 §3 item 3: aud is a string or an array, and one of its values must identify us. */
static bool audience_ok(json_t *aud)
{
	if (json_is_string(aud))
		return assertion_names_tessera(json_string_value(aud));
	size_t i;
	json_t *v;
	json_array_foreach(aud, i, v) if (assertion_names_tessera(json_string_value(v))) return true;
	return false;
}

static bool time_not_future(json_t *claims, const char *name, time_t now)
{
	json_t *v = json_object_get(claims, name);
	return !v || (json_is_integer(v) && json_integer_value(v) <= now + ASSERTION_LEEWAY);
}

int assertion_claims_ok(json_t *claims, enum assertion_kind kind, const char *issuer, time_t now, const char **jti,
			long long *exp, struct refusal *err)
{
	const char *iss = json_string_value(json_object_get(claims, "iss"));
	if (!iss || strcmp(iss, issuer))
		return refuse_as(kind, " issuer", err);
	if (!audience_ok(json_object_get(claims, "aud")))
		return refuse_as(kind, " audience", err);
	json_t *e = json_object_get(claims, "exp");
	if (!json_is_integer(e))
		return refuse_as(kind, ": exp required", err);
	if (json_integer_value(e) <= now)
		return refuse_as(kind, ": expired", err);
	if (json_integer_value(e) > now + ASSERTION_MAX_LIFETIME)
		return refuse_as(kind, ": exp more than 5 minutes ahead", err);
	if (!time_not_future(claims, "nbf", now) || !time_not_future(claims, "iat", now))
		return refuse_as(kind, ": not yet valid", err);
	const char *j = json_string_value(json_object_get(claims, "jti"));
	if (!j || !*j || strlen(j) > 255)
		return refuse_as(kind, ": jti required", err);
	*jti = j;
	*exp = (long long)json_integer_value(e);
	return 0;
}

/* ---- the client a grant assertion is for (PROTOCOL.md §7.2.6) ---- */

const char *const assertion_client_claims[] = { "client_id", "azp", "cid", "appid", NULL };

static bool one_of(const char *value, const char *const names[])
{
	for (size_t i = 0; value && names[i]; i++)
		if (!strcmp(value, names[i]))
			return true;
	return false;
}

/* aud (a string or an array) holds one of names. */
static bool audience_names(json_t *aud, const char *const names[])
{
	if (json_is_string(aud))
		return one_of(json_string_value(aud), names);
	size_t i;
	json_t *v;
	json_array_foreach(aud, i, v) if (one_of(json_string_value(v), names)) return true;
	return false;
}

int assertion_for_client(json_t *claims, const char *const names[], struct refusal *err)
{
	bool named = false;
	for (size_t i = 0; assertion_client_claims[i]; i++) {
		const char *claim = assertion_client_claims[i];
		json_t *v = json_object_get(claims, claim);
		if (!v)
			continue;
		/* A claim of another type is refused, not skipped: skipping it would let an assertion
		 * that names another client in an unexpected shape fall through to aud. */
		if (!json_is_string(v)) {
			char fault[64];
			snprintf(fault, sizeof fault, ": %s must be a string", claim);
			return refuse_as(ASSERTION_GRANT, fault, err);
		}
		/* Any claim naming someone else refuses it: the issuer said it is for another client. */
		if (!one_of(json_string_value(v), names))
			return refuse_as(ASSERTION_GRANT, ": issued for another client", err);
		named = true;
	}
	if (!named && !audience_names(json_object_get(claims, "aud"), names))
		return refuse_as(ASSERTION_GRANT, ": client not named", err);
	return 0;
}

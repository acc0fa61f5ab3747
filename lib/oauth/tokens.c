/* SPDX-License-Identifier: BSD-2-Clause */
/* tokens: claim sets and the token response. */
#include "oauth/tokens.h"
#include "core/fhir.h"
#include "core/config.h"
#include "oauth/jwt.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool present(const char *s)
{
	return s && *s;
}

static void set_str(json_t *o, const char *key, const char *v)
{
	if (present(v))
		json_object_set_new(o, key, json_string(v));
}

static void profile_ref(const struct token_grant *g, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", g->profile_type, g->profile_id);
}

/* aud = client_id, omitted when there is no client (§3). */
static void client_claims(json_t *c, const struct token_grant *g)
{
	set_str(c, "client_id", g->client_id);
	set_str(c, "aud", g->client_id);
	set_str(c, "login_id", g->login_id);
}

char *tokens_access(const struct token_grant *g, time_t now)
{
	char profile[80];
	profile_ref(g, profile, sizeof profile);
	json_t *c = json_object();
	client_claims(c, g);
	set_str(c, "sub", g->user_id);
	set_str(c, "username", g->user_id);
	json_object_set_new(c, "scope", json_string(g->scope ? g->scope : ""));
	set_str(c, "profile", profile);
	set_str(c, "email", g->email);
	if (present(g->jti)) {
		set_str(c, "jti", g->jti);
		json_object_set_new(c, "cnb", json_integer(g->cnb));
		set_str(c, "skh", g->skh);
	}
	char *t = jwt_sign(c, g->access_lifetime, now);
	json_decref(c);
	return t;
}

static char *id_token(const struct token_grant *g, time_t now)
{
	char profile[80];
	profile_ref(g, profile, sizeof profile);
	json_t *c = json_object();
	client_claims(c, g);
	set_str(c, "fhirUser", profile);
	set_str(c, "email", g->email);
	set_str(c, "sub", g->user_id);
	set_str(c, "nonce", g->nonce);
	json_object_set_new(c, "auth_time", json_integer(g->auth_time));
	char *t = jwt_sign(c, cfg.id_token_lifetime, now);
	json_decref(c);
	return t;
}

static char *refresh_token(const struct token_grant *g, time_t now)
{
	json_t *c = json_object();
	client_claims(c, g);
	set_str(c, "refresh_secret", g->refresh_secret);
	char *t = jwt_sign(c, g->refresh_lifetime, now);
	json_decref(c);
	return t;
}

json_t *tokens_response(const struct token_grant *g)
{
	time_t now = time(NULL);
	char *access = tokens_access(g, now), *id = id_token(g, now);
	char *refresh = present(g->refresh_secret) ? refresh_token(g, now) : NULL;
	json_t *r = NULL;
	if (access && id && (refresh || !present(g->refresh_secret))) {
		char style[1024];
		snprintf(style, sizeof style, "%sfhir/R4/.well-known/smart-styles.json", cfg.base_url);
		r = json_pack("{s:s, s:I, s:s, s:s, s:s}", "token_type", "Bearer", "expires_in",
			      (json_int_t)g->access_lifetime, "scope", g->scope ? g->scope : "", "id_token", id,
			      "access_token", access);
		set_str(r, "refresh_token", refresh);
		json_object_set_new(r, "project", fhir_reference("Project", g->project_id, g->project_display));
		json_object_set_new(r, "profile", fhir_reference(g->profile_type, g->profile_id, g->profile_display));
		set_str(r, "patient", g->patient);
		set_str(r, "encounter", g->encounter);
		json_object_set_new(r, "smart_style_url", json_string(style));
		json_object_set_new(r, "need_patient_banner", json_boolean(present(g->patient)));
	}
	free(access);
	free(id);
	free(refresh);
	return r;
}

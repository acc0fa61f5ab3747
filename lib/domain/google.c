/* SPDX-License-Identifier: BSD-2-Clause */
/* google: POST /auth/google's decisions (see google.h). */
#include "domain/google.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/text.h"
#include "domain/domains.h"
#include "domain/people.h"
#include "domain/projects.h"
#include "domain/registration.h"
#include "http/redirect.h"
#include "oauth/jwks.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const google_algs[] = { "RS256", NULL };

static const char *member(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The project a googleClientId binds: none for the server's own id, else the project that holds
 * it (one at most, PROTOCOL.md §6.3), which must be projectId when one was named. 0, 1 (400), -1. */
static int google_project(const char *gcid, const char *project_id, char project[37], struct refusal *err)
{
	text_copy(project, 37, project_id);
	if (*cfg.google_client_id && !strcmp(gcid, cfg.google_client_id))
		return 0;
	bool concrete = project_id && crypto_is_uuid(project_id);
	int n = projects_by_google_client_id(gcid, concrete ? project_id : NULL, project);
	if (n < 0)
		return -1;
	return n == 1 ? 0 : refuse(err, 400, "Invalid googleClientId", NULL);
}

/* The credential's verified claims: Google's signature (RS256), iss, aud, exp. 0, 1, -1. */
static int verify_credential(const char *gcid, const char *credential, json_t **claims, struct refusal *err)
{
	int rc = jwks_verify(cfg.google_jwks_uri, NULL, credential, google_algs, claims, err);
	if (rc == 0 && (rc = jwks_check_claims(*claims, cfg.google_issuer, gcid, NULL, time(NULL), 60, err)) != 0) {
		json_decref(*claims);
		*claims = NULL;
	}
	/* A key set that could not be had is the upstream's failure (502/504); anything else the token's. */
	if (rc == 1 && err->status == 400)
		refuse_copy(err, 400, err->text, "googleCredential");
	return rc;
}

/* §6.3: an email of a federated domain is answered as /auth/method answers it. */
static int federated_domain(const char *email, json_t **redirect)
{
	const char *at = strrchr(email, '@');
	int rc = domains_configured(at ? at + 1 : "");
	if (rc != 1)
		return rc;
	char base[2100];
	snprintf(base, sizeof base, "%sauth/external/authorize", cfg.base_url);
	struct url_builder u;
	url_start(&u, base);
	url_param(&u, "domain", at + 1);
	*redirect = url_get(&u) ? json_pack("{s:s, s:s}", "domain", at + 1, "authorizeUrl", url_get(&u)) : NULL;
	url_free(&u);
	return *redirect ? 1 : -1;
}

/* createUser: a user from the token's names, without a password, made as /auth/newuser would
 * make one (registerEnabled, a project open to registration), with its Login. 0, 1, 2 made
 * meanwhile, -1. */
static int create_user(json_t *claims, struct login_request *lr, const char *email, struct login *out,
		       struct refusal *err)
{
	char first[129], last[129];
	text_copy(first, sizeof first, member(claims, "given_name") ? member(claims, "given_name") : "");
	text_copy(last, sizeof last, member(claims, "family_name") ? member(claims, "family_name") : "");
	lr->email = email;
	return registration_vouched_user("google", first, last, lr, out, err);
}

int google_login(const struct google_request *g, struct login *out, json_t **redirect, struct refusal *err)
{
	*redirect = NULL;
	char project[37], email[321];
	json_t *claims = NULL;
	struct login_request lr = g->login;
	/* projectId only as a UUID or "new" (§6.3). */
	if (lr.project_id && strcmp(lr.project_id, "new") && !crypto_is_uuid(lr.project_id))
		lr.project_id = NULL;
	int rc = google_project(g->google_client_id, lr.project_id, project, err);
	if (rc == 0)
		rc = verify_credential(g->google_client_id, g->credential, &claims, err);
	if (rc != 0)
		return rc;
	const char *e = member(claims, "email");
	if (!e || !strchr(e, '@') || strlen(e) > 320 || json_is_false(json_object_get(claims, "email_verified"))) {
		json_decref(claims);
		return refuse(err, 400, "Invalid google credentials", NULL);
	}
	people_lower_email(e, email, sizeof email);
	rc = federated_domain(email, redirect);
	if (rc != 0) {
		json_decref(claims);
		return rc < 0 ? -1 : 0;
	}
	lr.project_id = project[0] ? project : NULL;
	if (!lr.scope || !*lr.scope)
		lr.scope = "openid offline";
	/* Google proves the address (email_verified) of every account it signs in. */
	struct external_identity who = { .method = "google", .email = email, .proves_email = true,
					 .allow_no_membership = g->create_user || (project[0] && !strcmp(project, "new")) };
	rc = flow_external_login(&lr, &who, out, err);
	if (rc == 1 && g->create_user && !strcmp(err->text, "User not found")) {
		rc = create_user(claims, &lr, email, out, err);
		if (rc == 2)
			rc = flow_external_login(&lr, &who, out, err);
	}
	json_decref(claims);
	return rc;
}

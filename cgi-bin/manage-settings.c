/* SPDX-License-Identifier: BSD-2-Clause */
/* The admin API's project settings: GET and POST /admin/projects/:projectId/settings (brand
 * name, MFA policy, email verification). */
#include "manage-api.h"
#include "domain/audit.h"
#include "domain/auth.h"
#include "domain/dcr.h"
#include "domain/projects.h"
#include "domain/mfa.h"
#include "http/request.h"
#include "http/response.h"

#include <stdlib.h>
#include <string.h>

/* ---- /admin/projects/:projectId/settings ---- */

static int send_settings(struct request *req, const char *project)
{
	struct project_settings ps;
	int rc = projects_settings(project, &ps);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		send_not_found(req);
		return 0;
	}
	send_json(req, 200,
		  json_pack("{s:s, s:s, s:s?, s:b, s:o, s:b, s:b}", "id", ps.id, "name", ps.name, "brandName",
			    ps.brand_name[0] ? ps.brand_name : NULL, "mfaRequired", ps.mfa_required, "allowedMfaMethods",
			    mfa_methods_json(mfa_methods_parse(ps.allowed_mfa_methods)), "emailVerificationRequired",
			    ps.email_verification_required, "clientRegistration", ps.client_registration),
		  NULL);
	return 0;
}

int get_settings(struct request *req)
{
	return send_settings(req, req->admin_project);
}

/* An IN_BOOL parameter as the SQL value "1" or "0", NULL when absent (the column stays). */
static const char *bool_or_null(const char *v)
{
	return v ? (strcmp(v, "true") ? "0" : "1") : NULL;
}

/* brandName names the project in its emails ("Welcome to <brand>"); absent, null or "" goes
 * back to the default. mfaRequired (every member must use a second factor),
 * allowedMfaMethods ("totp", "email" or "totp,email") and emailVerificationRequired (members
 * whose address is not verified cannot sign in to the project) and clientRegistration (dynamic client
 * registration is open to holders of the project's initial access tokens) stay as they are when absent. */
int post_settings(struct request *req)
{
	const char *project = req->admin_project;
	audit_change(AUDIT_SETTINGS, project, NULL, NULL);
	const char *required = param_or_null(req, "mfaRequired"), *methods = param_or_null(req, "allowedMfaMethods");
	const char *verified = param_or_null(req, "emailVerificationRequired");
	const char *registration = param_or_null(req, "clientRegistration");
	if (projects_update_settings(project, param_or_null(req, "brandName"), bool_or_null(required), methods,
				     bool_or_null(verified), bool_or_null(registration)) < 0)
		return -1;
	return send_settings(req, project);
}

/* ---- /admin/projects/:projectId/client-registration-tokens (PROTOCOL.md §7.6) ---- */

/* An initial access token for dynamic client registration: shown once in the answer, stored
 * as a keyed hash; expiresIn seconds (default a day, at most 30 days), uses (default 1). */
int post_registration_token(struct request *req)
{
	const char *expires = param_or_null(req, "expiresIn"), *uses = param_or_null(req, "uses");
	json_t *out = NULL;
	audit_change(AUDIT_SETTINGS, req->admin_project, NULL, NULL);
	if (dcr_issue_token(req->admin_project, expires ? atol(expires) : 86400, uses ? atoi(uses) : 1,
			    req->auth->login.user_type[0] && !strcmp(req->auth->login.user_type, "User") ? req->auth->login.user_id : NULL,
			    &out) < 0)
		return -1;
	send_json(req, 201, out, NULL);
	return 0;
}

static bool number_between(const char *v, long low, long high)
{
	char *end = NULL;
	long n = strtol(v, &end, 10);
	return end != v && !*end && n >= low && n <= high && strspn(v, "0123456789") == strlen(v);
}

static bool valid_expiry(const char *v)
{
	return number_between(v, 60, DCR_TOKEN_MAX_SECONDS);
}

static bool valid_uses(const char *v)
{
	return number_between(v, 1, DCR_TOKEN_MAX_USES);
}

/* "totp", "email" or both, comma-separated, each once. */
static bool valid_mfa_methods(const char *v)
{
	return !strcmp(v, "totp") || !strcmp(v, "email") || !strcmp(v, "totp,email") || !strcmp(v, "email,totp");
}

/* ---- input tables ---- */

const struct input settings_inputs[] = {
	{ "brandName", IN_STRING, false, PROJECT_BRAND_MAX, "Brand name must be between 1 and 255 characters", one_line_name },
	FIELD_MFA_REQUIRED,
	{ "allowedMfaMethods", IN_TOKEN, false, 16, "Invalid allowedMfaMethods", valid_mfa_methods },
	{ "emailVerificationRequired", IN_BOOL, false, 5, "Invalid emailVerificationRequired", NULL },
	/* Dynamic client registration at /oauth2/register (PROTOCOL.md §7.6), with initial tokens. */
	{ "clientRegistration", IN_BOOL, false, 5, "Invalid clientRegistration", NULL },
	{ 0 },
};

const struct input registration_token_inputs[] = {
	{ "expiresIn", IN_TOKEN, false, 8, "Invalid expiresIn", valid_expiry },
	{ "uses", IN_TOKEN, false, 4, "Invalid uses", valid_uses },
	{ 0 },
};

/* SPDX-License-Identifier: BSD-2-Clause */
/* The admin API's project settings: GET and POST /admin/projects/:projectId/settings (brand
 * name, MFA policy, email verification). */
#include "manage-api.h"
#include "domain/audit.h"
#include "domain/projects.h"
#include "domain/mfa.h"
#include "http/request.h"
#include "http/response.h"

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
		  json_pack("{s:s, s:s, s:s?, s:b, s:o, s:b}", "id", ps.id, "name", ps.name, "brandName",
			    ps.brand_name[0] ? ps.brand_name : NULL, "mfaRequired", ps.mfa_required, "allowedMfaMethods",
			    mfa_methods_json(mfa_methods_parse(ps.allowed_mfa_methods)), "emailVerificationRequired",
			    ps.email_verification_required),
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
 * whose address is not verified cannot sign in to the project) stay as they are when absent. */
int post_settings(struct request *req)
{
	const char *project = req->admin_project;
	audit_change(AUDIT_SETTINGS, project, NULL, NULL);
	const char *required = param_or_null(req, "mfaRequired"), *methods = param_or_null(req, "allowedMfaMethods");
	const char *verified = param_or_null(req, "emailVerificationRequired");
	if (projects_update_settings(project, param_or_null(req, "brandName"), bool_or_null(required), methods,
				     bool_or_null(verified)) < 0)
		return -1;
	return send_settings(req, project);
}

/* "totp", "email" or both, comma-separated, each once. */
static bool valid_mfa_methods(const char *v)
{
	return !strcmp(v, "totp") || !strcmp(v, "email") || !strcmp(v, "totp,email") || !strcmp(v, "email,totp");
}

/* ---- input tables ---- */

const struct input settings_inputs[] = {
	{ "brandName", IN_STRING, false, 255, "Brand name must be between 1 and 255 characters", one_line_name },
	{ "mfaRequired", IN_BOOL, false, 5, "Invalid mfaRequired", NULL },
	{ "allowedMfaMethods", IN_TOKEN, false, 16, "Invalid allowedMfaMethods", valid_mfa_methods },
	{ "emailVerificationRequired", IN_BOOL, false, 5, "Invalid emailVerificationRequired", NULL },
	{ 0 },
};

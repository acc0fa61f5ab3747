/* SPDX-License-Identifier: BSD-2-Clause */
/* manage-settings-page: /manage/projects/:projectId/settings, the project's settings for its
 * admins (PROTOCOL.md §9.3): brand name, the MFA rule and the methods allowed, whether unverified
 * addresses may sign in, patient self-registration (closed, or open with one of the project's
 * access policies), dynamic client registration (open or closed, PROTOCOL.md §7.6) and, for super admins only, the project's own rate limits (a project admin who
 * could raise them would lift a limit set for their project; they see them read-only).
 * One transaction for every change; the audit event with it. */
#include "manage-pages.h"
#include "manage-api.h"
#include "core/db.h"
#include "core/text.h"
#include "domain/audit.h"
#include "domain/policies.h"
#include "domain/projects.h"
#include "domain/ratelimit.h"
#include "http/input.h"
#include "http/page.h"
#include "http/request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A limit per minute: empty (the server's), or 1 to 10,000,000. */
static bool limit_ok(const char *v)
{
	if (!*v)
		return true;
	if (strlen(v) > 8 || strspn(v, "0123456789") != strlen(v))
		return false;
	long n = strtol(v, NULL, 10);
	return n >= 1 && n <= 10000000;
}

static bool policy_choice_ok(const char *v)
{
	return !*v || crypto_is_uuid(v);
}

static const struct input settings_fields[] = {
	{ "brandName", IN_STRING, false, PROJECT_BRAND_MAX, "The brand name must be one line of at most 255 characters", one_line_name },
	{ "mfaRequired", IN_BOOL, false, 5, "Invalid choice", NULL },
	{ "totp", IN_BOOL, false, 5, "Invalid choice", NULL },
	{ "email", IN_BOOL, false, 5, "Invalid choice", NULL },
	{ "emailVerificationRequired", IN_BOOL, false, 5, "Invalid choice", NULL },
	{ "clientRegistration", IN_BOOL, false, 5, "Invalid choice", NULL },
	{ "registration", IN_STRING, false, 36, "Choose one of this project's access policies", policy_choice_ok },
	{ "rateLimit", IN_STRING, false, 8, "Enter a whole number from 1 to 10000000, or leave it empty", limit_ok },
	{ "authRateLimit", IN_STRING, false, 8, "Enter a whole number from 1 to 10000000, or leave it empty", limit_ok },
	{ 0 },
};
static const char *const settings_kept[] = { "brandName", "rateLimit", "authRateLimit", NULL };

static bool ticked(const struct request *req, const char *name)
{
	const char *v = req_body_param(req, name);
	return v && !strcmp(v, "true");
}

static void set_limit(json_t *ctx, const char *key, int value)
{
	char text[16] = "";
	if (value > 0)
		snprintf(text, sizeof text, "%d", value);
	json_object_set_new(ctx, key, json_string(text));
}

/* The form filled from the stored settings. */
static int stored_settings(json_t *ctx, const struct admin_page *p)
{
	struct project_settings ps;
	struct rl_override rl;
	char name[PROJECT_NAME_SIZE], policy[37];
	if (projects_settings(p->project, &ps) != 0 || projects_rate_limits(p->project, &rl) != 0 ||
	    projects_patient_policy(p->project, name, policy) != 0)
		return -1;
	json_object_set_new(ctx, "brandName", json_string(ps.brand_name));
	json_object_set_new(ctx, "mfa_checked", json_boolean(ps.mfa_required));
	json_object_set_new(ctx, "totp_checked", json_boolean(strstr(ps.allowed_mfa_methods, "totp") != NULL));
	json_object_set_new(ctx, "email_checked", json_boolean(strstr(ps.allowed_mfa_methods, "email") != NULL));
	json_object_set_new(ctx, "verify_checked", json_boolean(ps.email_verification_required));
	json_object_set_new(ctx, "dcr_checked", json_boolean(ps.client_registration));
	set_limit(ctx, "rateLimit", rl.rate_limit);
	set_limit(ctx, "authRateLimit", rl.auth_rate_limit);
	return manage_policy_choices(ctx, p->project, policy, "closed");
}

static json_t *settings_context(struct request *req, const struct admin_page *p)
{
	json_t *ctx = manage_project_context(req, p, "Settings", "settings");
	if (ctx)
		json_object_set_new(ctx, "super_admin", json_boolean(p->super_admin));
	return ctx;
}

int manage_settings_get(struct request *req)
{
	struct admin_page p;
	int rc = manage_require_admin(req, &p);
	if (rc != 0)
		return rc;
	json_t *ctx = settings_context(req, &p);
	if (!ctx || stored_settings(ctx, &p) < 0) {
		json_decref(ctx);
		return -1;
	}
	static const struct manage_notice saved[] = { { "saved", "The settings were saved." }, { NULL, NULL } };
	manage_notice(ctx, req, saved);
	return manage_send(req, 200, "manage-settings", ctx);
}

/* The posted choices back in the form (a refused post shows what was sent). */
static int posted_choices(json_t *ctx, const struct request *req, const struct admin_page *p)
{
	json_object_set_new(ctx, "mfa_checked", json_boolean(ticked(req, "mfaRequired")));
	json_object_set_new(ctx, "totp_checked", json_boolean(ticked(req, "totp")));
	json_object_set_new(ctx, "email_checked", json_boolean(ticked(req, "email")));
	json_object_set_new(ctx, "verify_checked", json_boolean(ticked(req, "emailVerificationRequired")));
	json_object_set_new(ctx, "dcr_checked", json_boolean(ticked(req, "clientRegistration")));
	return manage_policy_choices(ctx, p->project, req_body_param(req, "registration"), "closed");
}

/* Checks that need the project: at least one MFA method, the policy is the project's own.
 * The number of fields in error, or -1. */
static int project_checks(json_t *ctx, const struct request *req, const struct admin_page *p)
{
	int errors = 0;
	if (!ticked(req, "totp") && !ticked(req, "email")) {
		page_field_error(ctx, "methods", "Allow at least one second factor");
		errors++;
	}
	const char *policy = req_body_param(req, "registration");
	if (policy && *policy) {
		int in = policies_in_project(policy, p->project);
		if (in < 0)
			return -1;
		if (!in) {
			page_field_error(ctx, "registration", "Choose one of this project's access policies");
			errors++;
		}
	}
	return errors;
}

static int save(const struct request *req, const struct admin_page *p)
{
	const char *brand = req_body_param(req, "brandName"), *policy = req_body_param(req, "registration");
	const char *methods = ticked(req, "totp") && ticked(req, "email") ? "totp,email" : ticked(req, "totp") ? "totp" : "email";
	int rc = db_begin();
	if (rc == 0)
		rc = projects_update_settings(p->project, brand && *brand ? brand : NULL, ticked(req, "mfaRequired") ? "1" : "0",
					      methods, ticked(req, "emailVerificationRequired") ? "1" : "0",
					      ticked(req, "clientRegistration") ? "1" : "0");
	if (rc == 0)
		rc = projects_set_registration(p->project, policy && *policy ? policy : NULL);
	if (rc == 0 && p->super_admin) {
		const char *rate = req_body_param(req, "rateLimit"), *auth = req_body_param(req, "authRateLimit");
		rc = projects_set_rate_limits(p->project, rate ? atoi(rate) : 0, auth ? atoi(auth) : 0);
	}
	return db_finish(rc);
}

int manage_settings_post(struct request *req)
{
	struct admin_page p;
	int rc = manage_require_admin(req, &p);
	if (rc != 0)
		return rc;
	/* Rate limits are the operator's: a project admin's form has no such fields, so a post that
	 * carries them was made by hand. */
	const char *rate = req_body_param(req, "rateLimit"), *auth = req_body_param(req, "authRateLimit");
	if (!p.super_admin && ((rate && *rate) || (auth && *auth)))
		return page_answered(page_message_link(req, 403, "Not allowed",
						       "Only a super administrator can change the rate limits of a project.",
						       "account", "Back to your account"));
	json_t *ctx = settings_context(req, &p);
	if (!ctx)
		return -1;
	int errors = page_check_fields(req, settings_fields, settings_kept, ctx);
	int more = posted_choices(ctx, req, &p) < 0 ? -1 : project_checks(ctx, req, &p);
	if (more < 0) {
		json_decref(ctx);
		return -1;
	}
	if (errors + more > 0)
		return manage_send(req, 400, "manage-settings", ctx);
	json_decref(ctx);
	manage_page_audit(&p, AUDIT_SETTINGS, NULL, NULL);
	if (save(req, &p) < 0)
		return -1;
	return manage_see_other(req, &p, "settings?done=saved");
}

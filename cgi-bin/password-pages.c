/* SPDX-License-Identifier: BSD-2-Clause */
/* password-pages: the password pages of tessera-password for browsers. /resetpassword asks
 * for an email and always gives the same answer; the email's link /setpassword/:id/:secret
 * (also an invite's) asks for a new password twice; /verifyemail/:id/:secret confirms an
 * address with one button; /changepassword lets a user signed in on the pages (the page
 * session, csrf.h) choose a new password. Links that are unknown, used or expired are
 * answered with a 4xx page before anything is asked.
 *
 * The logic is lib/account.c, the same functions as the JSON routes in password.c. Every
 * form carries the CSRF token and ends in a 303 (post-redirect-get). A GET never uses a link:
 * mail scanners that open links must not spend them. */
#include "password-pages.h"
#include "domain/account.h"
#include "core/config.h"
#include "http/csrf.h"
#include "domain/flow.h"
#include "http/page.h"
#include "domain/pagesession.h"
#include "domain/people.h"
#include "domain/pwpolicy.h"
#include "http/response.h"
#include "domain/fields.h"

#include <stdio.h>
#include <string.h>


static const char *const nothing_kept[] = { NULL };

/* A new password and its repetition (the spec's messages for the password, §6.14). */
static const struct input new_password_fields[] = {
	FIELD_NEW_PASSWORD("password", true),
	FIELD_CONFIRM_PASSWORD,
	{ 0 },
};

static const struct input change_fields[] = {
	{ "oldPassword", IN_STRING, true, 1024, "Enter your current password", NULL },
	FIELD_NEW_PASSWORD("password", true),
	FIELD_CONFIRM_PASSWORD,
	{ 0 },
};

static const struct input reset_fields[] = {
	FIELD_EMAIL_ACCOUNT,
	{ 0 },
};
static const char *const reset_kept[] = { "email", NULL };

const struct input password_pages_reset_inputs[] = {
	{ "projectId", IN_UUID, false, 36, "This link names no project", NULL },
	{ 0 },
};

/* The second password must repeat the first (checked once both are otherwise valid). */
static int check_confirm(const struct request *req, json_t *ctx, int errors)
{
	const char *a = req_body_param(req, "password"), *b = req_body_param(req, "confirm");
	if (errors == 0 && strcmp(a, b)) {
		page_field_error(ctx, "confirm", "The passwords do not match");
		errors++;
	}
	return errors;
}

/* ------------------------------------------------------------------ reset */

static int show_reset(struct request *req, int status, json_t *ctx)
{
	page_hidden(ctx, "projectId", req_param(req, "projectId"));
	return page_answered(page_send(req, status, "resetpassword", ctx, NULL));
}

int password_pages_reset_get(struct request *req)
{
	json_t *ctx = page_form_context(req, "Reset your password");
	return ctx ? show_reset(req, 200, ctx) : -1;
}

int password_pages_reset_post(struct request *req)
{
	json_t *ctx = page_form_context(req, "Reset your password");
	if (!ctx)
		return -1;
	if (page_check_fields(req, reset_fields, reset_kept, ctx) > 0)
		return show_reset(req, 400, ctx);
	struct refusal err;
	int rc = account_reset_password(req_body_param(req, "email"), req_param(req, "projectId"), NULL, true, NULL, &err);
	if (rc == 1) {
		page_field_error(ctx, "email", err.text);
		return show_reset(req, 400, ctx);
	}
	json_decref(ctx);
	if (rc < 0)
		return -1;
	/* The same answer whether or not an account has this email. */
	page_see_other(req, "resetpassword/sent");
	return 0;
}

int password_pages_reset_sent(struct request *req)
{
	return page_message_link(req, 200, "Check your email",
					  "If an account exists for that address, we sent it a link to choose a new password. "
					  "The link works once, for one hour.",
					  "signin", "Back to sign in");
}

/* ------------------------------------------------------------------ links */

/* A link's refusal as a page: unknown or wrong → 404, spent → 410. */
static int link_refused(struct request *req, const struct refusal *err)
{
	if (!strcmp(err->text, "Already used"))
		return page_answered(page_message_link(req, 410, "This link has already been used",
					      "Each link works once. Ask for a new one if you still need it.", "resetpassword",
					      "Reset your password"));
	if (!strcmp(err->text, "Expired"))
		return page_answered(page_message_link(req, 410, "This link has expired",
					      "Links work for a limited time. Ask for a new one.", "resetpassword",
					      "Reset your password"));
	return page_answered(page_message_link(req, err->status == 404 ? 404 : 400, "This link is not valid",
				      "Check that the whole link was copied from the email.", "resetpassword",
				      "Reset your password"));
}

/* Checks the link in the path: 0 usable (its user's email in email), 1 refused (page sent), -1. */
static int open_link(struct request *req, enum account_link kind, char email[321])
{
	struct secreq sr;
	struct refusal err;
	struct person p;
	int rc = account_check_link(kind, req->path_params[0], req->path_params[1], &sr, &err);
	if (rc == 1)
		return link_refused(req, &err);
	if (rc == 0)
		rc = people_get_user(sr.user_id, &p);
	if (rc == 1)
		return link_refused(req, &(struct refusal){ .status = 404, .text = "Not found" });
	if (rc == 0)
		snprintf(email, 321, "%s", p.email);
	return rc;
}

/* The form's action: the link itself (id and secret stay in the path). */
static void link_context(struct request *req, json_t *ctx, const char *email)
{
	char action[2200];
	snprintf(action, sizeof action, "%s%s", cfg.app_base_url, req->path + 1);
	json_object_set_new(ctx, "action", json_string(action));
	json_object_set_new(ctx, "email", json_string(email));
}

static int show_setpassword(struct request *req, int status, json_t *ctx, const char *email)
{
	link_context(req, ctx, email);
	return page_answered(page_send(req, status, "setpassword", ctx, NULL));
}

int password_pages_set_get(struct request *req)
{
	char email[321];
	int rc = open_link(req, ACCOUNT_SET_PASSWORD, email);
	if (rc != 0)
		return rc;
	json_t *ctx = page_form_context(req, "Choose a password");
	return ctx ? show_setpassword(req, 200, ctx, email) : -1;
}

int password_pages_set_post(struct request *req)
{
	char email[321];
	int rc = open_link(req, ACCOUNT_SET_PASSWORD, email);
	if (rc != 0)
		return rc;
	json_t *ctx = page_form_context(req, "Choose a password");
	if (!ctx)
		return -1;
	if (check_confirm(req, ctx, page_check_fields(req, new_password_fields, nothing_kept, ctx)) > 0)
		return show_setpassword(req, 400, ctx, email);
	struct refusal err;
	rc = account_set_password(req->path_params[0], req->path_params[1], req_body_param(req, "password"), req->remote_addr,
				  &err);
	if (rc == 1 && err.expression) {
		page_field_error(ctx, "password", err.text);
		return show_setpassword(req, 400, ctx, email);
	}
	json_decref(ctx);
	if (rc != 0)
		return rc < 0 ? -1 : link_refused(req, &err);
	page_see_other(req, "setpassword/done");
	return 0;
}

int password_pages_set_done(struct request *req)
{
	return page_message_link(req, 200, "Your password is set",
					  "Use it to sign in from now on. Sessions signed in before have ended.", "signin",
					  "Sign in");
}

int password_pages_verify_get(struct request *req)
{
	char email[321];
	int rc = open_link(req, ACCOUNT_VERIFY_EMAIL, email);
	if (rc != 0)
		return rc;
	json_t *ctx = page_form_context(req, "Confirm your email address");
	if (!ctx)
		return -1;
	link_context(req, ctx, email);
	return page_answered(page_send(req, 200, "verifyemail", ctx, NULL));
}

int password_pages_verify_post(struct request *req)
{
	struct refusal err;
	int rc = account_verify_email(req->path_params[0], req->path_params[1], &err);
	if (rc != 0)
		return rc < 0 ? -1 : link_refused(req, &err);
	page_see_other(req, "verifyemail/done");
	return 0;
}

int password_pages_verify_done(struct request *req)
{
	return page_message_link(req, 200, "Your email address is confirmed", "Thank you.", "signin", "Sign in");
}

/* ------------------------------------------------------------------ change (signed in) */

static int show_change(struct request *req, int status, json_t *ctx, const struct login *l)
{
	struct person p;
	int rc = people_get_user(l->user_id, &p);
	if (rc < 0) {
		json_decref(ctx);
		return -1;
	}
	json_object_set_new(ctx, "email", json_string(rc == 0 ? p.email : ""));
	return page_answered(page_send(req, status, "changepassword", ctx, NULL));
}

int password_pages_change_get(struct request *req)
{
	const struct login *l = req->page_login;
	json_t *ctx = page_form_context(req, "Change your password");
	return ctx ? show_change(req, 200, ctx, l) : -1;
}

int password_pages_change_post(struct request *req)
{
	const struct login *l = req->page_login;
	json_t *ctx = page_form_context(req, "Change your password");
	if (!ctx)
		return -1;
	if (check_confirm(req, ctx, page_check_fields(req, change_fields, nothing_kept, ctx)) > 0)
		return show_change(req, 400, ctx, l);
	struct refusal err;
	int rc = account_change_password(l->user_type, l->user_id, l->id, req_body_param(req, "oldPassword"),
				     req_body_param(req, "password"), &err);
	if (rc == 1) {
		/* The account speaks of newPassword; the form's field is password. */
		page_field_error(ctx, err.expression && !strcmp(err.expression, "oldPassword") ? "oldPassword" : "password",
				 err.text);
		return show_change(req, 400, ctx, l);
	}
	json_decref(ctx);
	if (rc < 0)
		return -1;
	page_see_other(req, "changepassword/done");
	return 0;
}

int password_pages_change_done(struct request *req)
{
	return page_message_link(req, 200, "Your password is changed",
					  "Other sessions of your account have ended; this one goes on.", "account",
					  "Back to your account");
}

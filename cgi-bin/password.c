/* SPDX-License-Identifier: BSD-2-Clause */
/* tessera-password: the password life cycle (PROTOCOL.md §6.14) as JSON for the SDK:
 * /auth/setpassword completes an invite or reset link, /auth/resetpassword makes a reset link
 * and emails it (never telling whether the email exists), /auth/changepassword for a signed-in
 * user, /auth/verifyemail. The logic is lib/account.c, shared with the
 * pages (password-pages.c). */
#include "domain/account.h"
#include "http/app.h"
#include "domain/pipeline.h"
#include "domain/auth.h"
#include "password-pages.h"
#include "domain/pwpolicy.h"
#include "http/refuse.h"
#include "http/request.h"
#include "http/response.h"
#include "domain/fields.h"

#include <string.h>

/* An account refusal as an OperationOutcome (404 not-found, else 400 with the field). */
static int answer(struct request *req, int rc, const struct refusal *err)
{
	if (rc == 0)
		send_all_ok(req);
	else if (rc == 1)
		send_refusal(req, err);
	return rc < 0 ? -1 : 0;
}

static int setpassword(struct request *req)
{
	struct refusal err;
	int rc = account_set_password(req_param(req, "id"), req_param(req, "secret"), req_param(req, "password"),
				      req->remote_addr, &err);
	return answer(req, rc, &err);
}

static int verifyemail(struct request *req)
{
	struct refusal err;
	int rc = account_verify_email(req_param(req, "id"), req_param(req, "secret"), &err);
	return answer(req, rc, &err);
}

static int resetpassword(struct request *req)
{
	const char *send_email = req_param(req, "sendEmail");
	bool send = !(send_email && !strcmp(send_email, "false"));
	/* sendEmail:false is honoured for an admin only (lib/account.h): the caller is read only
	 * then; bad credentials make an anonymous caller, as no credentials do. */
	struct auth a = { 0 };
	int rc = send || !req_header(req, "HTTP_AUTHORIZATION") ? 1 : auth_authenticate(req, &a);
	if (rc < 0) {
		auth_free(&a);
		return -1;
	}
	struct refusal err;
	rc = account_reset_password(req_param(req, "email"), req_param(req, "projectId"), req_param(req, "redirectUri"), send,
				    rc == 0 ? &a : NULL, &err);
	auth_free(&a);
	return answer(req, rc, &err);
}

static int changepassword(struct request *req)
{
	const struct auth *a = req->auth;
	struct refusal err;
	int rc = account_change_password(a->login.user_type, a->login.user_id, a->basic ? NULL : a->login.id,
					 req_param(req, "oldPassword"), req_param(req, "newPassword"), &err);
	return answer(req, rc, &err);
}

static const struct input setpassword_inputs[] = {
	FIELDS_SECURITY_REQUEST,
	FIELD_NEW_PASSWORD("password", true),
	{ 0 },
};

static const struct input verifyemail_inputs[] = {
	FIELDS_SECURITY_REQUEST,
	{ 0 },
};

static const struct input resetpassword_inputs[] = {
	FIELD_EMAIL_ACCOUNT,
	FIELD_PROJECT_ID,
	FIELD_APP_REDIRECT_URI,
	FIELD_SEND_EMAIL,
	{ 0 },
};

static const struct input changepassword_inputs[] = {
	{ "oldPassword", IN_STRING, true, 1024, "Missing oldPassword", NULL },
	FIELD_NEW_PASSWORD("newPassword", true),
	{ 0 },
};

static const struct route routes[] = {
	{ "POST", "/auth/setpassword", setpassword, setpassword_inputs, 0 },
	{ "POST", "/auth/resetpassword", resetpassword, resetpassword_inputs, 0 },
	{ "POST", "/auth/changepassword", changepassword, changepassword_inputs, ROUTE_AUTH | ROUTE_ACCOUNT_WIDE },
	{ "POST", "/auth/verifyemail", verifyemail, verifyemail_inputs, 0 },
	/* The same as HTML pages for browsers (password-pages.c). */
	{ "GET", "/resetpassword", password_pages_reset_get, password_pages_reset_inputs, ROUTE_PAGE },
	{ "POST", "/resetpassword", password_pages_reset_post, password_pages_reset_inputs, ROUTE_PAGE | ROUTE_CSRF },
	{ "GET", "/resetpassword/sent", password_pages_reset_sent, NULL, ROUTE_PAGE },
	{ "GET", "/setpassword/done", password_pages_set_done, NULL, ROUTE_PAGE },
	{ "GET", "/setpassword/:id/:secret", password_pages_set_get, NULL, ROUTE_PAGE },
	{ "POST", "/setpassword/:id/:secret", password_pages_set_post, NULL, ROUTE_PAGE | ROUTE_CSRF },
	{ "GET", "/verifyemail/done", password_pages_verify_done, NULL, ROUTE_PAGE },
	{ "GET", "/verifyemail/:id/:secret", password_pages_verify_get, NULL, ROUTE_PAGE },
	{ "POST", "/verifyemail/:id/:secret", password_pages_verify_post, NULL, ROUTE_PAGE | ROUTE_CSRF },
	{ "GET", "/changepassword", password_pages_change_get, NULL, ROUTE_PAGE | ROUTE_PAGE_SESSION | ROUTE_ACCOUNT_WIDE },
	{ "POST", "/changepassword", password_pages_change_post, NULL,
	  ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION | ROUTE_ACCOUNT_WIDE },
	{ "GET", "/changepassword/done", password_pages_change_done, NULL, ROUTE_PAGE },
	{ 0 },
};

int main(void)
{
	return pipeline_run("tessera-password", routes);
}

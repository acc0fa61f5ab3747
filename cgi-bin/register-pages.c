/* SPDX-License-Identifier: BSD-2-Clause */
/* register-pages: /register for browsers (tessera-login). An account first (first and last
 * name, email, password), then either a new project (/register/project: the user its admin,
 * like /auth/newproject) or, with ?projectId=<id> of a project that allows patient
 * registration, a patient membership there (like /auth/newpatient). Either way the browser
 * ends signed in on the pages (a page session, csrf.h) at /account.
 *
 * The registration itself is lib/registration.c, the same functions as the JSON routes in
 * register.c. Between the account and the project the new user's login is bound to this
 * browser by the tessera-register cookie (its id never appears in a URL). */
#include "pages.h"
#include "core/config.h"
#include "http/csrf.h"
#include "http/page.h"
#include "domain/pwpolicy.h"
#include "domain/projects.h"
#include "domain/registration.h"
#include "http/response.h"
#include "domain/fields.h"

#include <stdio.h>
#include <string.h>


/* A project that wants verified addresses: the person signs in once the link is used. */
#define VERIFY_FIRST_TEXT                                                                                            \
	"Your account is ready. To confirm your email address, open the link we just emailed you; "                  \
	"then sign in. No email? Use \"Forgot password?\" on the sign-in page: its link confirms your "       \
	"address too."

/* The fields a person types, with the spec's messages (§6.11), each shown beside its field. */
static const struct input account_fields[] = {
	FIELD_PERSON_NAMES,
	FIELD_EMAIL_ACCOUNT,
	FIELD_REGISTER_PASSWORD,
	{ 0 },
};
static const char *const account_kept[] = { "firstName", "lastName", "email", NULL };

static const struct input project_fields[] = {
	FIELD_PROJECT_NAME,
	{ 0 },
};
static const char *const project_kept[] = { "projectName", NULL };

const struct input pages_register_inputs[] = {
	{ "projectId", IN_UUID, false, 36, "This registration link names no project", NULL },
	{ 0 },
};

/* The project of a patient registration (?projectId=): 0 open to patients (name filled), 1
 * refused (page sent), -1. Without a projectId: 0, name "". */
static int patient_project(struct request *req, char name[PROJECT_NAME_SIZE])
{
	const char *project = req_param(req, "projectId");
	char policy[37];
	name[0] = '\0';
	if (!project || !*project)
		return 0;
	int rc = registration_project(project, name, policy);
	if (rc == 1)
		return page_answered(page_message(req, 404, "Registration", "This project does not exist."));
	if (rc == 0 && !policy[0])
		return page_answered(page_message(req, 403, "Registration", "Project does not allow open registration"));
	return rc;
}

/* registerEnabled false: no page at all (Medplum's text). */
static int disabled(struct request *req)
{
	if (cfg.register_enabled)
		return 0;
	return page_answered(page_message(req, 403, "Registration", "Registration is disabled"));
}

static int show_account(struct request *req, int status, const char *project_name, json_t *ctx)
{
	json_object_set_new(ctx, "project_name", json_string(project_name));
	page_hidden(ctx, "projectId", req_param(req, "projectId"));
	return page_answered(page_send(req, status, "register", ctx, NULL));
}

int pages_register_get(struct request *req)
{
	char project_name[PROJECT_NAME_SIZE];
	int rc = disabled(req);
	if (rc == 0)
		rc = patient_project(req, project_name);
	if (rc != 0)
		return rc;
	json_t *ctx = page_form_context(req, project_name[0] ? "Register" : "Create an account");
	return ctx ? show_account(req, 200, project_name, ctx) : -1;
}

/* The end of a registration: the new user signed in on the pages, at /account. */
static int signed_in(struct request *req, const char *login_id)
{
	csrf_unbind(req, BIND_REGISTER);
	if (csrf_bind(req, BIND_SESSION, login_id) < 0)
		return -1;
	page_see_other(req, "account");
	return 1;
}

/* A refusal of a registration step: beside its field when it names one (show sends the form
 * again), else as a page. Takes ctx. */
static int refused(struct request *req, const struct refusal *err, json_t *ctx, const char *project_name,
		   int (*show)(struct request *, int, const char *, json_t *))
{
	if (err->expression) {
		page_field_error(ctx, err->expression, err->text);
		return show(req, 400, project_name, ctx);
	}
	json_decref(ctx);
	return page_answered(page_message(req, err->status == 404 ? 404 : 400, "Registration", err->text));
}

int pages_register_post(struct request *req)
{
	char project_name[PROJECT_NAME_SIZE];
	int rc = disabled(req);
	if (rc == 0)
		rc = patient_project(req, project_name);
	if (rc != 0)
		return rc;
	json_t *ctx = page_form_context(req, project_name[0] ? "Register" : "Create an account");
	if (!ctx)
		return -1;
	if (page_check_fields(req, account_fields, account_kept, ctx) > 0)
		return show_account(req, 400, project_name, ctx);
	const char *project = project_name[0] ? req_param(req, "projectId") : NULL;
	struct login_request lr = {
		.email = req_body_param(req, "email"), .password = req_body_param(req, "password"), .project_id = project,
		.remote_addr = req->remote_addr, .user_agent = req->user_agent,
	};
	struct login l;
	struct refusal err;
	rc = registration_new_user(req_body_param(req, "firstName"), req_body_param(req, "lastName"), &lr, &l, &err);
	if (rc == 1)
		return refused(req, &err, ctx, project_name, show_account);
	json_decref(ctx);
	if (rc < 0)
		return -1;
	snprintf(req->log_login, sizeof req->log_login, "%s", l.id);
	if (project) {
		/* A patient: the membership at once, no second page. */
		char login_id[37];
		snprintf(login_id, sizeof login_id, "%s", l.id);
		bool verify_first;
		rc = registration_new_patient(login_id, project, &l, &verify_first, &err);
		if (rc != 0)
			return rc < 0 ? -1 : page_message(req, 400, "Registration", err.text);
		if (verify_first)
			return page_message_link(req, 200, "Check your email", VERIFY_FIRST_TEXT, "signin",
							  "Sign in");
		return signed_in(req, l.id);
	}
	if (csrf_bind(req, BIND_REGISTER, l.id) < 0)
		return -1;
	page_see_other(req, "register/project");
	return 0;
}

/* ------------------------------------------------------------------ the new project */

/* The new user's login this browser holds: 0 (id filled), 1 refused (page sent). */
static int registering(struct request *req, char login_id[37])
{
	if (csrf_bound_login(req, BIND_REGISTER, login_id))
		return 0;
	return page_answered(page_message_link(req, 403, "This registration has expired",
				      "It was started in another browser or too long ago.", "register", "Start again"));
}

static int show_project(struct request *req, int status, const char *unused, json_t *ctx)
{
	(void)unused;
	return page_answered(page_send(req, status, "register-project", ctx, NULL));
}

int pages_register_project_get(struct request *req)
{
	char login_id[37];
	int rc = disabled(req);
	if (rc == 0)
		rc = registering(req, login_id);
	if (rc != 0)
		return rc;
	json_t *ctx = page_form_context(req, "Create a project");
	return ctx ? show_project(req, 200, NULL, ctx) : -1;
}

int pages_register_project_post(struct request *req)
{
	char login_id[37];
	int rc = disabled(req);
	if (rc == 0)
		rc = registering(req, login_id);
	if (rc != 0)
		return rc;
	json_t *ctx = page_form_context(req, "Create a project");
	if (!ctx)
		return -1;
	if (page_check_fields(req, project_fields, project_kept, ctx) > 0)
		return show_project(req, 400, NULL, ctx);
	struct login l;
	struct refusal err = { 0 };
	snprintf(req->log_login, sizeof req->log_login, "%s", login_id);
	rc = registration_new_project(login_id, req_body_param(req, "projectName"), &l, &err);
	if (rc == 1)
		return refused(req, &err, ctx, NULL, show_project);
	json_decref(ctx);
	if (rc < 0)
		return -1;
	return signed_in(req, l.id);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* The admin API's passwords: POST /admin/projects/setpassword (a project admin, for a user
 * scoped to the project) and POST /admin/super/setpassword (a super admin, for any user). */
#include "manage-api.h"
#include "domain/audit.h"
#include "core/db.h"
#include "domain/login.h"
#include "core/password.h"
#include "domain/people.h"
#include "domain/pwpolicy.h"
#include "http/request.h"
#include "http/response.h"
#include "domain/fields.h"



/* ---- passwords ---- */

/* Sets a user's password through the password policy and ends the user's sessions. */
static int set_password(struct request *req, const char *email, const char *project)
{
	struct person p;
	int rc = people_find_user(email, project, &p);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		send_bad_request(req, "User not found", NULL);
		return 0;
	}
	const char *password = req_param(req, "password");
	rc = pwpolicy_answer(req, password, "password");
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	char hash[PASSWORD_HASH_LEN];
	if (password_hash(password, hash) < 0 || db_begin() < 0)
		return -1;
	audit_change(AUDIT_ADMIN_PASSWORD, project, "User", p.id);
	rc = people_set_password(p.id, hash, false);
	if (rc == 0)
		rc = login_revoke_user(p.id, NULL);
	if (db_finish(rc) != 0)
		return -1;
	send_all_ok(req);
	return 0;
}

/* A project admin sets the password of a user scoped to the admin's project. */
int project_setpassword(struct request *req)
{
	return set_password(req, req_param(req, "email"), req->admin_project);
}

int super_setpassword(struct request *req)
{
	return set_password(req, req_param(req, "email"), param_or_null(req, "projectId"));
}

/* ---- input tables ---- */

const struct input setpassword_inputs[] = {
	FIELD_EMAIL_SIGNIN,
	FIELD_NEW_PASSWORD("password", true),
	{ 0 },
};

const struct input super_setpassword_inputs[] = {
	FIELD_EMAIL_SIGNIN,
	FIELD_NEW_PASSWORD("password", true),
	FIELD_PROJECT_ID,
	{ 0 },
};

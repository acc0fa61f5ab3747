/* SPDX-License-Identifier: BSD-2-Clause */
/* register: /auth/newuser, /auth/newproject, /auth/newpatient (PROTOCOL.md §6.11-6.13) as JSON for
 * the SDK. The registration itself is lib/registration.c, shared with the /register pages. */
#include "register.h"
#include "domain/pwpolicy.h"
#include "domain/registration.h"
#include "http/refuse.h"
#include "oauth/smart.h"
#include "http/response.h"
#include "stage.h"
#include "domain/fields.h"

#include <stdio.h>
#include <string.h>

/* A stage's answer: the refusal, or the login's result (§5.3). */
static int answer(struct request *req, int rc, struct login *l, const struct refusal *err)
{
	if (rc == 1)
		send_refusal(req, err);
	return rc < 0 ? -1 : rc == 1 ? 0 : stage_send_result(req, l);
}

int register_newuser(struct request *req)
{
	const char *remember = req_param(req, "remember");
	struct login_request lr = {
		.email = req_param(req, "email"), .password = req_param(req, "password"),
		.project_id = req_param(req, "projectId"), .client_id = req_param(req, "clientId"),
		.scope = req_param(req, "scope"), .nonce = req_param(req, "nonce"),
		.code_challenge = req_param(req, "codeChallenge"),
		.code_challenge_method = req_param(req, "codeChallengeMethod"), .remote_addr = req->remote_addr,
		.user_agent = req->user_agent, .remember = remember && !strcmp(remember, "true"),
	};
	struct login l;
	struct refusal err;
	int rc = registration_new_user(req_param(req, "firstName"), req_param(req, "lastName"), &lr, &l, &err);
	if (rc != 0) {
		if (rc == 1)
			send_refusal(req, &err);
		return rc < 0 ? -1 : 0;
	}
	/* Never a code here: the next stage (newproject or newpatient) gives the membership. */
	snprintf(req->log_login, sizeof req->log_login, "%s", l.id);
	send_json(req, 200, json_pack("{s:s}", "login", l.id), NULL);
	return 0;
}

int register_newproject(struct request *req)
{
	struct login l;
	struct refusal err = { 0 };
	int rc = registration_new_project(req_param(req, "login"), req_param(req, "projectName"), &l, &err);
	return answer(req, rc, &l, &err);
}

int register_newpatient(struct request *req)
{
	struct login l;
	struct refusal err = { 0 };
	bool verify_first;
	int rc = registration_new_patient(req_param(req, "login"), req_param(req, "projectId"), &l, &verify_first, &err);
	if (rc == 0 && verify_first) {
		/* Medplum's LoginAuthenticationResponse field: no code until the emailed link is used. */
		send_json(req, 200, json_pack("{s:s, s:b}", "login", l.id, "emailVerificationRequired", true), NULL);
		return 0;
	}
	return answer(req, rc, &l, &err);
}

const struct input register_newuser_inputs[] = {
	FIELD_PERSON_NAMES,
	FIELD_EMAIL_ACCOUNT,
	FIELD_REGISTER_PASSWORD,
	FIELD_STAGE_PROJECT_ID,
	FIELD_CLIENT_ID_STAGE,
	FIELD_SCOPE,
	FIELD_SMART_SCOPE,
	FIELD_NONCE,
	FIELDS_PKCE_STAGE,
	FIELD_REMEMBER,
	{ 0 },
};

const struct input register_newproject_inputs[] = {
	FIELD_LOGIN_UUID,
	FIELD_PROJECT_NAME,
	{ 0 },
};

const struct input register_newpatient_inputs[] = {
	FIELD_LOGIN,
	{ "projectId", IN_TOKEN, true, 64, "Project ID is required", NULL },
	{ 0 },
};

/* SPDX-License-Identifier: BSD-2-Clause */
/* mfa-routes: /auth/mfa/status, enroll, disable (a signed-in user), verify, login-enroll and
 * send-email (a sign-in in progress), PROTOCOL.md §6.9. The rules are lib/mfaflow.c's; this file
 * turns their outcomes into Medplum's answers. */
#include "mfa-routes.h"
#include "domain/auth.h"
#include "domain/fields.h"
#include "domain/flow.h"
#include "domain/mfa.h"
#include "domain/mfaflow.h"
#include "http/refuse.h"
#include "http/response.h"
#include "stage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct input mfa_verify_inputs[] = {
	FIELD_LOGIN,
	FIELD_MFA_TOKEN,
	{ 0 },
};

const struct input mfa_login_enroll_inputs[] = {
	FIELD_LOGIN,
	FIELD_MFA_TOKEN_OPTIONAL,
	{ "method", IN_TOKEN, false, 16, "Invalid MFA method", NULL },
	{ 0 },
};

const struct input mfa_send_email_inputs[] = {
	FIELD_LOGIN,
	{ 0 },
};

const struct input mfa_token_inputs[] = {
	FIELD_MFA_TOKEN,
	{ 0 },
};

/* The signed-in caller's user: a User's login only (a client has no second factor). */
static const char *caller_user(struct request *req)
{
	const struct auth *a = req->auth;
	if (a->basic || strcmp(a->login.user_type, "User")) {
		send_forbidden(req);
		return NULL;
	}
	return a->login.user_id;
}

int mfa_status(struct request *req)
{
	const char *user = caller_user(req);
	bool enrolled;
	if (!user)
		return 0;
	int rc = mfaflow_user_enrolled(user, &enrolled);
	if (rc != 0)
		return rc < 0 ? -1 : (send_not_found(req), 0);
	if (enrolled) {
		send_json(req, 200, json_pack("{s:b}", "enrolled", true), NULL);
		return 0;
	}
	char *uri, *qr;
	/* The secret is this session's own (issue 14, finding 6): another session sees another. */
	if (mfa_enroll_material(user, req->auth->login.id, req->auth->project_id, &uri, &qr, NULL) < 0)
		return -1;
	send_json(req, 200, json_pack("{s:b, s:s, s:s}", "enrolled", false, "enrollUri", uri, "enrollQrCode", qr), NULL);
	free(uri);
	free(qr);
	return 0;
}

/* enroll and disable: a TOTP code of the caller's secret; allOk when done. */
static int user_step(struct request *req, bool enroll)
{
	struct refusal r;
	const char *user = caller_user(req), *token = req_param(req, "token");
	if (!user)
		return 0;
	int rc = enroll ? mfaflow_enroll(user, req->auth->login.id, token, &r) : mfaflow_disable(user, token, &r);
	if (rc < 0)
		return -1;
	if (rc == 1)
		return send_refusal(req, &r);
	send_all_ok(req);
	return 0;
}

int mfa_enroll(struct request *req)
{
	return user_step(req, true);
}

int mfa_disable(struct request *req)
{
	return user_step(req, false);
}

/* The login a stage names; 404 when there is none (sent, 1). */
static int load_login(struct request *req, struct login *l)
{
	int rc = flow_load(req_param(req, "login"), l);
	if (rc == 1)
		send_not_found(req);
	if (rc == 0)
		snprintf(req->log_login, sizeof req->log_login, "%s", l->id);
	return rc;
}

enum login_stage { STAGE_VERIFY, STAGE_LOGIN_ENROLL, STAGE_SEND_EMAIL };

/* A stage of a sign-in in progress; the answer is sendLoginResult (code, memberships, ...),
 * allOk for send-email, or the refusal. */
static int login_stage(struct request *req, enum login_stage stage)
{
	struct login l;
	struct refusal r;
	int rc = load_login(req, &l);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	const char *token = req_param(req, "token");
	rc = stage == STAGE_VERIFY	   ? mfaflow_verify(&l, token, &r)
	     : stage == STAGE_LOGIN_ENROLL ? mfaflow_login_enroll(&l, req_param(req, "method"), token, &r)
					   : mfaflow_send_email(&l, &r);
	if (rc < 0)
		return -1;
	if (rc == 1)
		return send_refusal(req, &r);
	if (stage != STAGE_SEND_EMAIL)
		return stage_send_result(req, &l);
	send_all_ok(req);
	return 0;
}

int mfa_verify(struct request *req)
{
	return login_stage(req, STAGE_VERIFY);
}

int mfa_login_enroll(struct request *req)
{
	return login_stage(req, STAGE_LOGIN_ENROLL);
}

int mfa_send_email_route(struct request *req)
{
	return login_stage(req, STAGE_SEND_EMAIL);
}

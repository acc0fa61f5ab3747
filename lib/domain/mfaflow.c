/* SPDX-License-Identifier: BSD-2-Clause */
/* mfaflow: the MFA stages and their refusals (see mfaflow.h). */
#include "domain/mfaflow.h"
#include "domain/audit.h"
#include "domain/clients.h"
#include "core/db.h"
#include "domain/flow.h"
#include "domain/mfa.h"
#include "domain/usermfa.h"
#include "core/text.h"

#include <string.h>

/* A sign-in vouched for by a project's own IdP never verifies nor enrolls the account's second
 * factor (PROTOCOL.md §S.25): the project's MFA rule binds password sign-ins (§5.3), and an
 * enrollment made here would set the factor of every project's sign-in. 0, or 1 (403). */
static int check_not_confined(const struct login *l, struct refusal *r)
{
	return l->confined ? refuse(r, 403, LOGIN_CONFINED_TEXT, NULL) : 0;
}

/* Revoked, granted (now or before: a reopened session) or already verified logins take no code. */
static int check_login_open(const struct login *l, struct refusal *r)
{
	if (l->revoked)
		return refuse(r, 400, "Login revoked", NULL);
	if (l->granted || l->was_granted)
		return refuse(r, 400, "Login granted", NULL);
	if (l->mfa_verified)
		return refuse(r, 400, "Login already verified", NULL);
	return 0;
}

/* A code check's verdict as a refusal (wrong: the route's own text). */
static int verdict(const struct mfa_check *c, const char *wrong, const char *no_secret, struct refusal *r)
{
	switch (c->verdict) {
	case MFA_ACCEPTED:
		return 0;
	case MFA_LIMITED:
		return refuse_wait(r, "Too many attempts, try again later", (long long)c->retry_after * 1000, 0, 0);
	case MFA_EXPIRED:
		return refuse(r, 400, "Login expired", NULL);
	case MFA_NO_SECRET:
		return refuse(r, 400, no_secret, NULL);
	default:
		return refuse(r, 400, wrong, NULL);
	}
}

/* A sign-in's code check as an audit event: a failure at once (its response is a refusal, which
 * drops staged events), a success with the verification that follows. */
static int audit_check(const struct login *l, const struct mfa_check *c)
{
	/* Before a profile is chosen the login's project is the client's: its admins see the event. */
	struct client client;
	const char *project = l->project_id;
	int rc = !project[0] && l->client_id[0] ? clients_get(l->client_id, &client) : 1;
	if (rc < 0)
		return -1;
	if (rc == 0)
		project = client.project_id;
	struct audit_event e = { .project_id = project, .agent_type = "User", .agent_id = l->user_id };
	if (c->verdict == MFA_ACCEPTED) {
		e.type = AUDIT_MFA_SUCCESS;
		audit_stage(&e);
		return 0;
	}
	e.type = AUDIT_MFA_FAILURE;
	e.reason = c->verdict == MFA_LIMITED	  ? "too many attempts"
		   : c->verdict == MFA_EXPIRED	  ? "login expired"
		   : c->verdict == MFA_NO_SECRET ? "no secret"
						  : "wrong code";
	return audit_write(&e);
}

/* Marks the login verified (and enrolls, adopting p when given); a login that changed
 * meanwhile is revoked. */
static int verified(struct login *l, unsigned enroll, const struct mfa_pending *p, struct refusal *r)
{
	int rc = mfa_login_verified(l, enroll, p);
	return rc == 1 ? refuse(r, 400, "Login revoked", NULL) : rc == 2 ? refuse(r, 400, "Already enrolled", NULL) : rc;
}

int mfaflow_verify(struct login *l, const char *token, struct refusal *r)
{
	struct mfa_check c;
	if (check_not_confined(l, r) || check_login_open(l, r))
		return 1;
	if (!l->mfa_enrolled)
		return refuse(r, 400, "User not enrolled in MFA", NULL);
	unsigned offered = flow_mfa_offered(l);
	if (mfa_check_login(l, token, offered & MFA_TOTP, offered & MFA_EMAIL, &c) < 0 || audit_check(l, &c) < 0)
		return -1;
	int rc = verdict(&c, "Invalid MFA token", "User not enrolled in MFA", r);
	return rc == 0 ? verified(l, 0, NULL, r) : rc;
}

int mfaflow_login_enroll(struct login *l, const char *method, const char *token, struct refusal *r)
{
	struct mfa_check c;
	unsigned m = method && *method ? mfa_methods_parse(method) : MFA_TOTP;
	if (check_not_confined(l, r))
		return 1;
	if (l->mfa_enrolled)
		return refuse(r, 400, "Already enrolled", NULL);
	if (check_login_open(l, r))
		return 1;
	if ((m != MFA_TOTP && m != MFA_EMAIL) || !(m & l->mfa_allowed))
		return refuse(r, 400, "Invalid MFA method", NULL);
	if (!token || !*token)
		return refuse(r, 400, "Missing token", NULL);
	/* TOTP: a code of the secret shown to this login, never one stored on the user before. */
	struct mfa_pending p;
	int rc = m == MFA_TOTP ? mfa_check_pending(l->id, l->user_id, l->auth_time, token, &c, &p)
			       : mfa_check_login(l, token, false, true, &c);
	if (rc < 0 || audit_check(l, &c) < 0)
		rc = -1;
	else
		rc = verdict(&c, "Invalid MFA token", "Secret not found", r);
	if (rc == 0)
		rc = verified(l, m, m == MFA_TOTP ? &p : NULL, r);
	if (m == MFA_TOTP)
		mfa_pending_clear(&p);
	return rc;
}

int mfaflow_send_email(struct login *l, struct refusal *r)
{
	long retry_after = 0;
	if (check_not_confined(l, r) || check_login_open(l, r))
		return 1;
	if (!flow_mfa_pending(l))
		return refuse(r, 400, "User not enrolled in MFA", NULL);
	unsigned usable = l->mfa_enrolled ? flow_mfa_offered(l) : l->mfa_allowed;
	if (!(usable & MFA_EMAIL) || !l->email[0])
		return refuse(r, 400, "Email MFA is not enabled", NULL);
	int rc = mfa_send_email(l, &retry_after);
	return rc == 1 ? refuse_wait(r, "A code was sent a moment ago, try again later", (long long)retry_after * 1000, 0, 0) : rc;
}

int mfaflow_user_enrolled(const char *user_id, bool *enrolled)
{
	return user_mfa_enrolled(user_id, enrolled);
}

/* A TOTP code of a signed-in user: the per-user limit, replay and counting (lib/mfa.c). */
static int user_code(const char *user_id, const char *token, struct refusal *r)
{
	struct mfa_check c;
	if (mfa_check_user(user_id, token, &c) < 0)
		return -1;
	return verdict(&c, "Invalid token", "Secret not found", r);
}

int mfaflow_enroll(const char *user_id, const char *login_id, const char *token, struct refusal *r)
{
	bool enrolled;
	struct mfa_check c;
	struct mfa_pending p;
	int rc = mfaflow_user_enrolled(user_id, &enrolled);
	if (rc != 0)
		return rc < 0 ? -1 : refuse(r, 400, "Secret not found", NULL);
	if (enrolled)
		return refuse(r, 400, "Already enrolled", NULL);
	/* The code must be of the secret this session was shown (status or the account page). */
	rc = mfa_check_pending(login_id, user_id, 0, token, &c, &p);
	if (rc == 0)
		rc = verdict(&c, "Invalid token", "Secret not found", r);
	if (rc == 0) {
		rc = mfa_enroll_session(user_id, login_id, &p);
		rc = rc == 1 ? refuse(r, 400, "Already enrolled", NULL) : rc == 2 ? refuse(r, 400, "Secret not found", NULL) : rc;
	}
	mfa_pending_clear(&p);
	return rc;
}

int mfaflow_disable(const char *user_id, const char *token, struct refusal *r)
{
	bool enrolled;
	int rc = mfaflow_user_enrolled(user_id, &enrolled);
	if (rc != 0)
		return rc < 0 ? -1 : refuse(r, 400, "User not enrolled in MFA", NULL);
	if (!enrolled)
		return refuse(r, 400, "User not enrolled in MFA", NULL);
	rc = user_code(user_id, token, r);
	if (rc != 0)
		return rc;
	/* Not enrolled and no secret, together: the old secret's codes end with the enrollment,
	 * and the next enrollment is offered a fresh secret. */
	return user_mfa_disable(user_id);
}

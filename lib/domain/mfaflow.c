/* mfaflow: the MFA stages and their refusals (see mfaflow.h). */
#include "domain/mfaflow.h"
#include "domain/audit.h"
#include "domain/clients.h"
#include "core/db.h"
#include "domain/flow.h"
#include "domain/mfa.h"
#include "core/text.h"

#include <string.h>

static int refuse(struct mfa_refusal *r, int status, const char *text, long retry_after)
{
	*r = (struct mfa_refusal){ status, text, retry_after };
	return 1;
}

/* Revoked, granted or already verified logins take no code. */
static int check_login_open(const struct flow_login *l, struct mfa_refusal *r)
{
	if (l->revoked)
		return refuse(r, 400, "Login revoked", 0);
	if (l->granted)
		return refuse(r, 400, "Login granted", 0);
	if (l->mfa_verified)
		return refuse(r, 400, "Login already verified", 0);
	return 0;
}

/* A code check's verdict as a refusal (wrong: the route's own text). */
static int verdict(const struct mfa_check *c, const char *wrong, const char *no_secret, struct mfa_refusal *r)
{
	switch (c->verdict) {
	case MFA_ACCEPTED:
		return 0;
	case MFA_LIMITED:
		return refuse(r, 429, "Too many attempts, try again later", c->retry_after);
	case MFA_EXPIRED:
		return refuse(r, 400, "Login expired", 0);
	case MFA_NO_SECRET:
		return refuse(r, 400, no_secret, 0);
	default:
		return refuse(r, 400, wrong, 0);
	}
}

/* A sign-in's code check as an audit event: a failure at once (its response is a refusal, which
 * drops staged events), a success with the verification that follows. */
static int audit_check(const struct flow_login *l, const struct mfa_check *c)
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

/* Marks the login verified (and enrolls); a login that changed meanwhile is revoked. */
static int verified(struct flow_login *l, unsigned enroll, struct mfa_refusal *r)
{
	int rc = mfa_login_verified(l, enroll);
	return rc == 1 ? refuse(r, 400, "Login revoked", 0) : rc;
}

int mfaflow_verify(struct flow_login *l, const char *token, struct mfa_refusal *r)
{
	struct mfa_check c;
	if (check_login_open(l, r))
		return 1;
	if (!l->mfa_enrolled)
		return refuse(r, 400, "User not enrolled in MFA", 0);
	unsigned offered = flow_mfa_offered(l);
	if (mfa_check_login(l, token, offered & MFA_TOTP, offered & MFA_EMAIL, &c) < 0 || audit_check(l, &c) < 0)
		return -1;
	int rc = verdict(&c, "Invalid MFA token", "User not enrolled in MFA", r);
	return rc == 0 ? verified(l, 0, r) : rc;
}

int mfaflow_login_enroll(struct flow_login *l, const char *method, const char *token, struct mfa_refusal *r)
{
	struct mfa_check c;
	unsigned m = method && *method ? mfa_methods_parse(method) : MFA_TOTP;
	if (l->mfa_enrolled)
		return refuse(r, 400, "Already enrolled", 0);
	if (check_login_open(l, r))
		return 1;
	if ((m != MFA_TOTP && m != MFA_EMAIL) || !(m & l->mfa_allowed))
		return refuse(r, 400, "Invalid MFA method", 0);
	if (!token || !*token)
		return refuse(r, 400, "Missing token", 0);
	if (mfa_check_login(l, token, m == MFA_TOTP, m == MFA_EMAIL, &c) < 0 || audit_check(l, &c) < 0)
		return -1;
	int rc = verdict(&c, "Invalid MFA token", "Secret not found", r);
	return rc == 0 ? verified(l, m, r) : rc;
}

int mfaflow_send_email(struct flow_login *l, struct mfa_refusal *r)
{
	long retry_after = 0;
	if (check_login_open(l, r))
		return 1;
	if (!flow_mfa_pending(l))
		return refuse(r, 400, "User not enrolled in MFA", 0);
	unsigned usable = l->mfa_enrolled ? flow_mfa_offered(l) : l->mfa_allowed;
	if (!(usable & MFA_EMAIL) || !l->email[0])
		return refuse(r, 400, "Email MFA is not enabled", 0);
	int rc = mfa_send_email(l, &retry_after);
	return rc == 1 ? refuse(r, 429, "A code was sent a moment ago, try again later", retry_after) : rc;
}

int mfaflow_user_enrolled(const char *user_id, bool *enrolled)
{
	struct db_result res;
	if (db_query(&res, "SELECT mfa_enrolled FROM user WHERE id = ?", "s", user_id) < 0)
		return -1;
	int rc = res.nrows ? 0 : 1;
	*enrolled = rc == 0 && text_true(db_cell(&res, 0, 0));
	db_result_free(&res);
	return rc;
}

/* The user's state for enroll and disable: 1 refused (no user, no secret), 0, -1. */
static int user_state(const char *user_id, bool *enrolled, struct mfa_refusal *r)
{
	char secret[33];
	int rc = mfaflow_user_enrolled(user_id, enrolled);
	if (rc != 0)
		return rc < 0 ? -1 : refuse(r, 400, "Secret not found", 0);
	rc = mfa_secret(user_id, false, secret);
	memset(secret, 0, sizeof secret);
	return rc == 1 ? refuse(r, 400, "Secret not found", 0) : rc;
}

/* A TOTP code of a signed-in user: the per-user limit, replay and counting (lib/mfa.c). */
static int user_code(const char *user_id, const char *token, struct mfa_refusal *r)
{
	struct mfa_check c;
	if (mfa_check_user(user_id, token, &c) < 0)
		return -1;
	return verdict(&c, "Invalid token", "Secret not found", r);
}

int mfaflow_enroll(const char *user_id, const char *login_id, const char *token, struct mfa_refusal *r)
{
	bool enrolled;
	if (mfaflow_user_enrolled(user_id, &enrolled) < 0)
		return -1;
	if (enrolled)
		return refuse(r, 400, "Already enrolled", 0);
	int rc = user_state(user_id, &enrolled, r);
	if (rc == 0)
		rc = user_code(user_id, token, r);
	if (rc != 0 || db_begin() < 0)
		return rc != 0 ? rc : -1;
	/* The session that enrolled has just given the second factor: it stays signed in. */
	rc = db_exec(NULL,
		     "UPDATE user SET mfa_enrolled = TRUE, mfa_methods = 'totp', updated_at = UTC_TIMESTAMP(3) WHERE id = ?",
		     "s", user_id);
	if (rc == 0 && login_id)
		rc = db_exec(NULL, "UPDATE login SET mfa_verified = TRUE WHERE id = ? AND user_id = ?", "ss", login_id, user_id);
	return db_finish(rc);
}

int mfaflow_disable(const char *user_id, const char *token, struct mfa_refusal *r)
{
	bool enrolled;
	int rc = user_state(user_id, &enrolled, r);
	if (rc == 0 && !enrolled)
		rc = refuse(r, 400, "User not enrolled in MFA", 0);
	if (rc == 0)
		rc = user_code(user_id, token, r);
	if (rc != 0 || db_begin() < 0)
		return rc != 0 ? rc : -1;
	/* Not enrolled and a new secret, together: the old secret's codes end with the enrollment. */
	rc = db_exec(NULL,
		     "UPDATE user SET mfa_enrolled = FALSE, mfa_methods = NULL, updated_at = UTC_TIMESTAMP(3) WHERE id = ?",
		     "s", user_id);
	if (rc == 0)
		rc = mfa_secret_renew(user_id);
	return db_finish(rc);
}

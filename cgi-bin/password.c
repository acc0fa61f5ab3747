/* tessera-password: the password life cycle (spec §6.14): /auth/setpassword completes an
 * invite or reset link, /auth/resetpassword makes a reset link and emails it (never telling
 * whether the email exists), /auth/changepassword for a signed-in user, /auth/verifyemail. Links are
 * security requests (lib/secreq.c); every new password passes lib/pwpolicy.c. A new password
 * ends the user's other sessions (as newer Medplum does for setpassword). */
#include "app.h"
#include "auth.h"
#include "crypto.h"
#include "db.h"
#include "log.h"
#include "login.h"
#include "mail.h"
#include "password.h"
#include "people.h"
#include "pwpolicy.h"
#include "request.h"
#include "response.h"
#include "secreq.h"
#include "text.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

static void send_secreq_error(struct request *req, const struct secreq_error *err)
{
	if (err->status == 404)
		send_not_found(req);
	else
		send_bad_request(req, err->text, NULL);
}

/* Consumes the request and applies the change in one transaction; -1 on failure, 1 when the
 * request was used meanwhile (answered). */
static int redeem(struct request *req, const struct secreq *sr, const char *password_hash)
{
	if (db_begin() < 0)
		return -1;
	int rc = secreq_consume(sr->id);
	if (rc == 0)
		rc = password_hash ? people_set_password(sr->user_id, password_hash, true)
				   : db_exec(NULL, "UPDATE user SET email_verified = TRUE, updated_at = UTC_TIMESTAMP(3) WHERE id = ?",
					     "s", sr->user_id);
	if (rc == 0 && password_hash)
		rc = login_revoke_user(sr->user_id, NULL);
	if (rc == 0)
		rc = db_commit();
	if (rc != 0) {
		db_rollback();
		if (rc == 1)
			send_bad_request(req, "Already used", NULL);
		return rc;
	}
	return 0;
}

static int setpassword(struct request *req)
{
	static const char *const types[] = { "invite", "reset", NULL };
	static const struct secreq_want want = { types, "Invalid request type", false };
	struct secreq sr;
	struct secreq_error err;
	const char *password = req_param(req, "password");
	int rc = secreq_check(req_param(req, "id"), req_param(req, "secret"), &want, &sr, &err);
	if (rc == 1)
		send_secreq_error(req, &err);
	if (rc == 0)
		rc = pwpolicy_answer(req, password, "password");
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	char hash[PASSWORD_HASH_LEN];
	if (password_hash(password, hash) < 0)
		return -1;
	rc = redeem(req, &sr, hash);
	if (rc == 0)
		send_all_ok(req);
	return rc < 0 ? -1 : 0;
}

static int verifyemail(struct request *req)
{
	static const char *const types[] = { "verify-email", NULL };
	static const struct secreq_want want = { types, "Invalid user security request type", true };
	struct secreq sr;
	struct secreq_error err;
	int rc = secreq_check(req_param(req, "id"), req_param(req, "secret"), &want, &sr, &err);
	if (rc == 1)
		send_secreq_error(req, &err);
	if (rc == 0 && (rc = redeem(req, &sr, NULL)) == 0)
		send_all_ok(req);
	return rc < 0 ? -1 : 0;
}

/* 0 when the email's domain signs in elsewhere (answered), 1 when it does not, -1. */
static int external_domain(struct request *req, const char *email)
{
	char domain[256];
	people_lower_email(strrchr(email, '@') + 1, domain, sizeof domain);
	struct db_result r;
	if (db_query(&r, "SELECT 1 FROM domain_configuration WHERE domain = ?", "s", domain) < 0)
		return -1;
	int external = r.nrows > 0;
	db_result_free(&r);
	if (!external)
		return 1;
	send_bad_request(req, "Cannot reset password for external auth. Contact your system administrator.", NULL);
	return 0;
}

static bool text_false(const char *v)
{
	return v && !strcmp(v, "false");
}

/* The reset request and its email (§13.2) in one transaction, delivered after the commit.
 * With sendEmail false only the request is made (custom emails, §13.5). */
static int reset_link(const struct person *p, const char *redirect_uri, bool send_email)
{
	char id[37], secret[SECREQ_SECRET_LEN + 1], outbox[37] = "", name[260];
	snprintf(name, sizeof name, "%s %s", p->first_name, p->last_name);
	if (db_begin() < 0)
		return -1;
	int rc = secreq_create("reset", p->id, p->project_id, redirect_uri, id, secret);
	if (rc == 0 && send_email) {
		json_t *vars = json_pack("{s:s, s:s}", "id", id, "secret", secret);
		struct mail_message m = { p->project_id[0] ? p->project_id : NULL, "reset", p->email, name, vars };
		rc = vars ? mail_enqueue(&m, outbox) : -1;
		json_decref(vars);
		/* An address the outbox refuses: the request stays, nothing is sent. */
		if (rc == 1) {
			log_error("resetpassword: the reset email was refused for user %s", p->id);
			rc = 0;
		}
	}
	if (rc == 0)
		rc = db_commit();
	OPENSSL_cleanse(secret, sizeof secret);
	if (rc != 0) {
		db_rollback();
		return -1;
	}
	if (outbox[0] && mail_deliver(outbox) < 0)
		log_error("resetpassword: the outbox could not be read after the commit");
	return 0;
}

static int resetpassword(struct request *req)
{
	const char *email = req_param(req, "email");
	int rc = external_domain(req, email);
	if (rc <= 0)
		return rc;
	struct person p;
	rc = people_find_user(email, req_param(req, "projectId"), &p);
	if (rc < 0)
		return -1;
	/* No such user: the same answer, so the endpoint does not reveal who has an account. */
	if (rc == 0 && reset_link(&p, req_param(req, "redirectUri"), !text_false(req_param(req, "sendEmail"))) < 0)
		return -1;
	send_all_ok(req);
	return 0;
}

static int changepassword(struct request *req)
{
	const struct auth *a = req->auth;
	const char *old = req_param(req, "oldPassword"), *fresh = req_param(req, "newPassword");
	struct person p = { 0 };
	int rc = strcmp(a->login.user_type, "User") ? 1 : people_get_user(a->login.user_id, &p);
	if (rc < 0)
		return -1;
	/* A client or bot has no password to change. */
	if (!p.password_hash[0]) {
		password_dummy_verify(old);
		send_bad_request(req, "Existing password not set", "oldPassword");
		return 0;
	}
	if (!password_verify(old, p.password_hash)) {
		send_bad_request(req, "Incorrect password", "oldPassword");
		return 0;
	}
	rc = pwpolicy_answer(req, fresh, "newPassword");
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	char hash[PASSWORD_HASH_LEN];
	if (password_hash(fresh, hash) < 0 || db_begin() < 0)
		return -1;
	/* The caller's own session stays; every other one ends. */
	if (people_set_password(p.id, hash, false) < 0 || login_revoke_user(p.id, a->basic ? NULL : a->login.id) < 0 ||
	    db_commit() < 0) {
		db_rollback();
		return -1;
	}
	send_all_ok(req);
	return 0;
}

static const struct input setpassword_inputs[] = {
	{ "id", IN_UUID, true, 36, "Invalid request ID", NULL },
	{ "secret", IN_TOKEN, true, 256, "Missing secret", NULL },
	{ "password", IN_STRING, true, 0, "Invalid password, must be at least 8 characters", pwpolicy_min_ok },
	{ "password", IN_STRING, true, 0, "Password must be no more than 72 characters", pwpolicy_max_ok },
	{ 0 },
};

static const struct input verifyemail_inputs[] = {
	{ "id", IN_UUID, true, 36, "Invalid request ID", NULL },
	{ "secret", IN_TOKEN, true, 256, "Missing secret", NULL },
	{ 0 },
};

static const struct input resetpassword_inputs[] = {
	{ "email", IN_EMAIL, true, 72, "Valid email address between 3 and 72 characters is required", NULL },
	{ "projectId", IN_UUID, false, 36, "Invalid projectId", NULL },
	{ "redirectUri", IN_URI, false, 2048, "Invalid redirectUri", NULL },
	{ "sendEmail", IN_BOOL, false, 5, "Invalid sendEmail", NULL },
	{ 0 },
};

static const struct input changepassword_inputs[] = {
	{ "oldPassword", IN_STRING, true, 1024, "Missing oldPassword", NULL },
	{ "newPassword", IN_STRING, true, 0, "Invalid password, must be at least 8 characters", pwpolicy_min_ok },
	{ "newPassword", IN_STRING, true, 0, "Password must be no more than 72 characters", pwpolicy_max_ok },
	{ 0 },
};

static const struct route routes[] = {
	{ "POST", "/auth/setpassword", setpassword, setpassword_inputs, 0 },
	{ "POST", "/auth/resetpassword", resetpassword, resetpassword_inputs, 0 },
	{ "POST", "/auth/changepassword", changepassword, changepassword_inputs, ROUTE_AUTH },
	{ "POST", "/auth/verifyemail", verifyemail, verifyemail_inputs, 0 },
	{ 0 },
};

int main(void)
{
	return app_run("tessera-password", routes);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* account: set, reset and change passwords; verify emails (see account.h). */
#include "domain/account.h"
#include "http/app.h"
#include "domain/audit.h"
#include "domain/auth.h"
#include "core/db.h"
#include "core/log.h"
#include "domain/login.h"
#include "domain/mailing.h"
#include "mail/mail.h"
#include "core/password.h"
#include "domain/people.h"
#include "domain/pwpolicy.h"
#include "domain/ratelimit.h"
#include "core/text.h"
#include "domain/domains.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

int account_check_link(enum account_link kind, const char *id, const char *secret, struct secreq *sr,
		       struct refusal *err)
{
	static const char *const set_types[] = { "invite", "reset", NULL };
	static const char *const verify_types[] = { "verify-email", NULL };
	static const struct secreq_want set = { set_types, "Invalid request type", false };
	static const struct secreq_want verify = { verify_types, "Invalid user security request type", true };
	struct refusal e;
	int rc = secreq_check(id, secret, kind == ACCOUNT_SET_PASSWORD ? &set : &verify, sr, &e);
	if (rc == 1)
		refuse(err, e.status, e.text, NULL);
	return rc;
}

struct redemption {
	const struct secreq *sr;
	const char *password_hash;
};

static int redemption_steps(void *ctx)
{
	const struct redemption *d = ctx;
	int rc = secreq_consume(d->sr->id);
	if (rc == 0)
		rc = d->password_hash ? people_set_password(d->sr->user_id, d->password_hash, true)
				      : people_mark_verified(d->sr->user_id);
	if (rc == 0 && d->password_hash)
		rc = login_revoke_user(d->sr->user_id, NULL);
	if (rc == 0 && d->password_hash)
		audit_stage(&(struct audit_event){ .type = AUDIT_PASSWORD_SET, .project_id = d->sr->project_id,
						   .agent_type = "User", .agent_id = d->sr->user_id });
	return rc;
}

/* Consumes the request and applies the change in one transaction (run again when it loses a
 * deadlock or a Galera certification conflict: the user's Logins may be refreshed through
 * another node meanwhile): 0, 1 when the request was used meanwhile ("Already used"), -1. */
static int redeem(const struct secreq *sr, const char *password_hash, struct refusal *err)
{
	int rc = db_transaction(redemption_steps, &(struct redemption){ sr, password_hash });
	if (rc != 0)
		return rc < 0 ? -1 : refuse(err, 400, "Already used", NULL);
	return 0;
}

/* A new password passes the policy and is hashed: 0, 1 refused (naming field), -1. */
static int new_password_hash(const char *password, const char *field, char hash[PASSWORD_HASH_LEN],
			     struct refusal *err)
{
	int rc = pwpolicy_check(password);
	if (rc != 0)
		return rc < 0 ? -1 : refuse(err, 400, PWPOLICY_BREACHED, field);
	return password_hash(password, hash) < 0 ? -1 : 0;
}

int account_set_password(const char *id, const char *secret, const char *password, const char *ip,
			 struct refusal *err)
{
	struct secreq sr;
	char hash[PASSWORD_HASH_LEN];
	int rc = account_check_link(ACCOUNT_SET_PASSWORD, id, secret, &sr, err);
	if (rc == 0)
		rc = new_password_hash(password, "password", hash, err);
	if (rc == 0)
		rc = redeem(&sr, hash, err);
	/* The mailbox's owner is on this address: the per-account ceiling (failures from many
	 * addresses, which a reset does not clear) must not keep them out of their own account. */
	if (rc == 0 && ratelimit_login_known(sr.user_id, ip) < 0)
		log_error("setpassword: the address was not marked known to the account's throttle");
	return rc;
}

int account_verify_email(const char *id, const char *secret, struct refusal *err)
{
	struct secreq sr;
	int rc = account_check_link(ACCOUNT_VERIFY_EMAIL, id, secret, &sr, err);
	return rc == 0 ? redeem(&sr, NULL, err) : rc;
}

/* 1 when the email's domain signs in elsewhere, 0 when it does not, -1. */
static int external_domain(const char *email)
{
	char domain[256];
	const char *at = strrchr(email, '@');
	people_lower_email(at ? at + 1 : "", domain, sizeof domain);
	return domains_configured(domain);
}

/* A reset that is answered before its work is done (issue 14, finding 9): before the response
 * a known and an unknown email cost the same two lookups; the reset request, its email row and
 * the audit event (known) or the audit event alone (unknown) are written after it, so the
 * response time tells nothing. A FastCGI process serves one request at a time: one pending. */
static struct {
	bool known;
	bool send_email;
	struct person p;
	char redirect_uri[2049];
} pending;

/* The request, its email (§13.2) and its audit event in one transaction, then the email's
 * first delivery attempt. With send_email false only the request is made (§13.5). Over the
 * account's limit (lib/secreq.c) nothing is made and nothing superseded. */
static int reset_link(void)
{
	const struct person *p = &pending.p;
	char id[37], secret[SECREQ_SECRET_LEN + 1], outbox[37] = "", name[260], link[SECREQ_LINK_LEN];
	snprintf(name, sizeof name, "%s %s", p->first_name, p->last_name);
	if (db_begin() < 0)
		return -1;
	int rc = secreq_create("reset", p->id, p->project_id, pending.redirect_uri, id, secret);
	if (rc == 1) {
		db_rollback();
		return audit_write_held("too many reset emails");
	}
	audit_stage_held();
	if (rc == 0 && pending.send_email)
		rc = secreq_link("reset", id, secret, link, sizeof link);
	if (rc == 0 && pending.send_email) {
		json_t *vars = json_pack("{s:s}", "link", link);
		struct mail_message m = { p->project_id[0] ? p->project_id : NULL, "reset", p->email, name, vars, false, NULL, NULL };
		rc = vars ? mailing_enqueue(&m, outbox) : -1;
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
	OPENSSL_cleanse(link, sizeof link);
	if (rc != 0) {
		db_rollback();
		return -1;
	}
	if (outbox[0] && mail_deliver(outbox) < 0)
		log_error("resetpassword: the outbox could not be read after the commit");
	return 0;
}

static void reset_after_response(const char *unused)
{
	(void)unused;
	/* Concurrent resets can deadlock (the user's row lock, the request table's gaps): InnoDB
	 * rolled the loser back, and its whole transaction is run again, a few times at most. */
	int rc = -1;
	for (int tries = 0; tries < 4; tries++) {
		rc = pending.known ? reset_link() : audit_write_held(NULL);
		if (!(rc < 0 && db_deadlock()))
			break;
		audit_finish(false); /* forget what the lost transaction staged */
	}
	if (rc < 0) {
		log_error("resetpassword: the reset was not recorded (database failure after the response)");
		audit_finish(false); /* forget what the failed transaction staged */
	}
	OPENSSL_cleanse(&pending, sizeof pending);
}

/* Medplum's custom-email flow (§13.5): a reset without its email, for a Bot to send. Only an
 * admin of the user's project (or a super admin) may ask for one: from anyone else it would
 * make a link nobody receives, cancelling the one the user was sent. */
static bool may_skip_email(const struct auth *caller, const struct person *p)
{
	return caller && (caller->super_admin || (caller->admin && p->project_id[0] &&
						  !strcmp(caller->project_id, p->project_id)));
}

int account_reset_password(const char *email, const char *project_id, const char *redirect_uri, bool send_email,
			   const struct auth *caller, struct refusal *err)
{
	int rc = external_domain(email);
	if (rc != 0)
		return rc < 0 ? -1
			      : refuse(err, 400, "Cannot reset password for external auth. Contact your system administrator.",
				       NULL);
	memset(&pending, 0, sizeof pending);
	rc = people_find_user(email, project_id, &pending.p);
	if (rc < 0)
		return -1;
	const char *project = project_id ? project_id : "";
	/* No such user: the same answer, so the caller cannot tell who has an account. */
	if (rc != 0)
		audit_hold(&(struct audit_event){ .type = AUDIT_PASSWORD_RESET, .reason = "unknown email", .project_id = project,
						  .agent_type = "", .agent_id = "" });
	else if (!send_email && !may_skip_email(caller, &pending.p))
		audit_hold(&(struct audit_event){ .type = AUDIT_PASSWORD_RESET, .reason = "sendEmail false needs an admin",
						  .project_id = project_id ? project_id : pending.p.project_id,
						  .agent_type = "User", .agent_id = pending.p.id });
	else {
		pending.known = true;
		pending.send_email = send_email;
		text_copy(pending.redirect_uri, sizeof pending.redirect_uri, redirect_uri);
		audit_hold(&(struct audit_event){ .type = AUDIT_PASSWORD_RESET, .project_id = project_id ? project_id : pending.p.project_id,
						  .agent_type = "User", .agent_id = pending.p.id });
	}
	app_after_response(reset_after_response, "");
	return 0;
}

struct password_change {
	const char *user_id;
	const char *hash;
	const char *keep_login_id;
};

/* The caller's own session stays; every other one ends. Run again when it loses a deadlock or
 * a Galera certification conflict (another node refreshing one of the user's Logins). */
static int password_change_steps(void *ctx)
{
	const struct password_change *c = ctx;
	audit_stage(&(struct audit_event){ .type = AUDIT_PASSWORD_CHANGED, .agent_type = "User", .agent_id = c->user_id });
	if (people_set_password(c->user_id, c->hash, false) < 0 || login_revoke_user(c->user_id, c->keep_login_id) < 0)
		return -1;
	return 0;
}

int account_change_password(const char *user_type, const char *user_id, const char *keep_login_id,
			    const char *old_password, const char *new_password, struct refusal *err)
{
	struct person p = { 0 };
	int rc = strcmp(user_type, "User") ? 1 : people_get_user(user_id, &p);
	if (rc < 0)
		return -1;
	/* A client or bot has no password to change. */
	if (!p.password_hash[0]) {
		password_dummy_verify(old_password);
		return refuse(err, 400, "Existing password not set", "oldPassword");
	}
	if (!password_verify(old_password, p.password_hash))
		return refuse(err, 400, "Incorrect password", "oldPassword");
	char hash[PASSWORD_HASH_LEN];
	rc = new_password_hash(new_password, "newPassword", hash, err);
	if (rc != 0)
		return rc;
	struct password_change c = { p.id, hash, keep_login_id };
	return db_transaction(password_change_steps, &c) == 0 ? 0 : -1;
}

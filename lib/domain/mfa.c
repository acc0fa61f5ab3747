/* SPDX-License-Identifier: BSD-2-Clause */
/* mfa: secrets, code checks, limits and emailed codes of the second factor (see mfa.h). */
#include "domain/mfa.h"
#include "core/config.h"
#include "domain/projects.h"
#include "core/crypto.h"
#include "core/db.h"
#include "domain/login.h"
#include "domain/loginmfa.h"
#include "domain/usermfa.h"
#include "core/keywrap.h"
#include "core/log.h"
#include "domain/mailing.h"
#include "mail/mail.h"
#include "core/qrpng.h"
#include "core/text.h"
#include "core/totp.h"
#include "domain/people.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

unsigned mfa_methods_parse(const char *csv)
{
	unsigned bits = 0;
	char copy[64], *save = NULL;
	text_copy(copy, sizeof copy, csv);
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		bits |= !strcmp(t, "totp") ? MFA_TOTP : !strcmp(t, "email") ? MFA_EMAIL : 0;
	return bits;
}

json_t *mfa_methods_json(unsigned bits)
{
	json_t *a = json_array();
	if (bits & MFA_TOTP)
		json_array_append_new(a, json_string("totp"));
	if (bits & MFA_EMAIL)
		json_array_append_new(a, json_string("email"));
	return a;
}

/* ------------------------------------------------------------------ sealed secrets */

static void secret_aad(const char *user_id, char aad[48])
{
	snprintf(aad, 48, "mfa:%s", user_id);
}

#define MFA_SEAL_LABEL "key:mfa-secret"

/* "k1.<sealed>" under key_encryption_key, else "h1.<sealed>" under the hash_key-derived key. */
static char *seal(const char *user_id, const char *secret)
{
	char aad[48];
	secret_aad(user_id, aad);
	return keywrap_seal_stored(MFA_SEAL_LABEL, secret, aad);
}

static int unseal(const char *user_id, const char *stored, char out[33])
{
	char aad[48];
	secret_aad(user_id, aad);
	char *plain = keywrap_open_stored(MFA_SEAL_LABEL, stored, aad);
	int rc = plain && strlen(plain) < 33 ? 0 : -1;
	if (rc == 0)
		strcpy(out, plain);
	else
		log_error("mfa: the TOTP secret of user %s cannot be opened (key changed?)", user_id);
	if (plain) {
		OPENSSL_cleanse(plain, strlen(plain));
		free(plain);
	}
	return rc;
}

static int read_secret(const char *user_id, char out[33])
{
	char stored[256];
	int rc = user_mfa_secret(user_id, stored, sizeof stored);
	return rc == 0 ? unseal(user_id, stored, out) : rc;
}

int mfa_reset(const char *user_id)
{
	return user_mfa_reset(user_id);
}

/* ------------------------------------------------------------------ enrollment secrets */

/* Why per login (issue 14, finding 6): a secret stored on the user before enrollment was shown
 * to every later session, and whoever saw it once held the second factor for good. A pending
 * secret lives on the login that asked, for mfa_login_lifetime seconds, sealed like the
 * user's (same associated data, so adoption is a copy of the sealed text). */
void mfa_pending_clear(struct mfa_pending *p)
{
	OPENSSL_cleanse(p, sizeof *p);
}

/* The login's fresh pending secret, sealed and open: 0, 1 none (or expired), -1. */
static int read_pending(const char *login_id, const char *user_id, struct mfa_pending *p)
{
	char stored[sizeof p->sealed];
	memset(p, 0, sizeof *p);
	int rc = login_mfa_pending(login_id, user_id, cfg.mfa_login_lifetime, stored, sizeof stored);
	if (rc == 0)
		rc = unseal(user_id, stored, p->secret);
	if (rc == 0)
		text_copy(p->sealed, sizeof p->sealed, stored);
	return rc;
}

/* A new pending secret on the login, unless it holds a fresh one (a concurrent request's wins). */
static int store_pending(const char *login_id, const char *user_id)
{
	char secret[TOTP_SECRET_B32_LEN + 1];
	if (totp_new_secret(secret) < 0)
		return -1;
	char *sealed = seal(user_id, secret);
	OPENSSL_cleanse(secret, sizeof secret);
	if (!sealed)
		return -1;
	int rc = login_mfa_store_pending(login_id, user_id, sealed, cfg.mfa_login_lifetime);
	free(sealed);
	return rc;
}

/* The login's pending secret, made when it has none or it expired. 0 or -1. */
static int pending_secret(const char *login_id, const char *user_id, struct mfa_pending *p)
{
	int rc = read_pending(login_id, user_id, p);
	if (rc != 1)
		return rc;
	if (store_pending(login_id, user_id) < 0)
		return -1;
	rc = read_pending(login_id, user_id, p);
	return rc == 1 ? -1 : rc;
}

int mfa_enroll_material(const char *user_id, const char *login_id, const char *project_id, char **uri, char **qr,
			char secret_out[33])
{
	struct mfa_pending p;
	char email[321], brand[PROJECT_BRAND_SIZE];
	*uri = *qr = NULL;
	if (pending_secret(login_id, user_id, &p) < 0)
		return -1;
	if (user_mfa_label(user_id, project_id, email, sizeof email, brand, sizeof brand) < 0) {
		mfa_pending_clear(&p);
		return -1;
	}
	*uri = totp_uri(brand, email, p.secret);
	if (secret_out)
		memcpy(secret_out, p.secret, sizeof p.secret);
	mfa_pending_clear(&p);
	*qr = *uri ? qrpng_data_url(*uri) : NULL;
	if (*qr)
		return 0;
	free(*uri);
	*uri = NULL;
	return -1;
}

/* ------------------------------------------------------------------ limits */

static long at_least_one(long seconds)
{
	return seconds > 1 ? seconds : 1;
}

/* One attempt of the login's allowance (one conditional UPDATE): 0 taken, 1 none left. */
static int take_login_attempt(const char *login_id, time_t auth_time, long *retry_after)
{
	int rc = login_mfa_take_attempt(login_id, cfg.mfa_login_attempts);
	if (rc <= 0)
		return rc;
	*retry_after = at_least_one((long)(auth_time + cfg.mfa_login_lifetime - time(NULL)));
	return 1;
}

/* One attempt of the user's window (mfa_user_window seconds; a new window once the old one
 * ended): 0 taken, 1 none left, -1. */
static int take_user_attempt(const char *user_id, long *retry_after)
{
	long long now = (long long)time(NULL), window = cfg.mfa_user_window, since;
	int rc = user_mfa_take_attempt(user_id, now, window, cfg.mfa_user_attempts, &since);
	if (rc == 1)
		*retry_after = at_least_one((long)(since + window - now));
	return rc;
}

/* Attempts are taken before the code is checked, so parallel guesses cannot pass the limits
 * and a limited caller learns nothing about the code. 0 taken, 1 limited, -1. */
static int take_attempt(const char *login_id, const char *user_id, time_t auth_time, long *retry_after)
{
	int rc = login_id ? take_login_attempt(login_id, auth_time, retry_after) : 0;
	return rc == 0 ? take_user_attempt(user_id, retry_after) : rc;
}

/* Only wrong codes use up the user's window: a right one gives its attempt back. */
static int give_back(const char *user_id)
{
	return user_mfa_give_back(user_id);
}

/* ------------------------------------------------------------------ checks */

/* TOTP: 0 accepted (the step claimed), 1 wrong or replayed, 2 no secret, -1. */
static int check_totp(const char *user_id, const char *code)
{
	char secret[33];
	long long step;
	int rc = read_secret(user_id, secret);
	if (rc != 0)
		return rc == 1 ? 2 : -1;
	rc = totp_check(secret, code, time(NULL), cfg.mfa_window, &step);
	OPENSSL_cleanse(secret, sizeof secret);
	if (rc != 0)
		return rc;
	/* The step only moves forward: a code (or an older one) already used is refused. */
	return user_mfa_claim_step(user_id, step);
}

static int email_code_hash(const char *login_id, const char *code, uint8_t out[32])
{
	char text[64];
	snprintf(text, sizeof text, "mfa-email:%s:%s", login_id, code);
	int rc = crypto_keyed_hash(text, out);
	OPENSSL_cleanse(text, sizeof text);
	return rc;
}

/* The login's emailed code, used up by the one UPDATE that matches it: 0, 1 wrong, -1. */
static int check_email(const char *login_id, const char *code)
{
	uint8_t hash[32];
	if (!totp_code_shape(code) || email_code_hash(login_id, code, hash) < 0)
		return totp_code_shape(code) ? -1 : 1;
	return login_mfa_use_email_code(login_id, hash);
}

static int conclude(const char *user_id, int rc, struct mfa_check *c)
{
	if (rc < 0)
		return -1;
	c->verdict = rc == 0 ? MFA_ACCEPTED : rc == 2 ? MFA_NO_SECRET : MFA_WRONG;
	return rc == 1 ? 0 : give_back(user_id);
}

/* The attempt is taken first; 1 (c says why) when the code is not to be checked. */
static int before_check(const char *login_id, const char *user_id, time_t auth_time, struct mfa_check *c)
{
	memset(c, 0, sizeof *c);
	if (login_id && time(NULL) - auth_time > cfg.mfa_login_lifetime) {
		c->verdict = MFA_EXPIRED;
		return 1;
	}
	int rc = take_attempt(login_id, user_id, auth_time, &c->retry_after);
	if (rc == 1)
		c->verdict = MFA_LIMITED;
	return rc;
}

int mfa_check_login(const struct login *l, const char *code, bool totp, bool email, struct mfa_check *c)
{
	int rc = before_check(l->id, l->user_id, l->auth_time, c);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	rc = totp ? check_totp(l->user_id, code) : 1;
	if (rc != 0 && rc != -1 && email) {
		int e = check_email(l->id, code);
		rc = e == 0 ? 0 : e < 0 ? -1 : rc;
	}
	return conclude(l->user_id, rc, c);
}

int mfa_check_user(const char *user_id, const char *code, struct mfa_check *c)
{
	int rc = before_check(NULL, user_id, 0, c);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	return conclude(user_id, check_totp(user_id, code), c);
}

/* A first code of the login's pending secret: 0 right (p keeps the sealed secret and the
 * step), 1 wrong, 2 none, -1. No step is claimed here: adoption spends it. */
static int check_pending(const char *login_id, const char *user_id, const char *code, struct mfa_pending *p)
{
	int rc = read_pending(login_id, user_id, p);
	if (rc != 0)
		return rc == 1 ? 2 : -1;
	rc = totp_check(p->secret, code, time(NULL), cfg.mfa_window, &p->step);
	OPENSSL_cleanse(p->secret, sizeof p->secret);
	return rc;
}

int mfa_check_pending(const char *login_id, const char *user_id, time_t auth_time, const char *code,
		      struct mfa_check *c, struct mfa_pending *p)
{
	memset(p, 0, sizeof *p);
	int rc = before_check(auth_time ? login_id : NULL, user_id, auth_time, c);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	return conclude(user_id, check_pending(login_id, user_id, code, p), c);
}

/* Only the confirmed secret is kept: the pending one becomes the user's, its step spent (no
 * replay on another login), and every other session's offer is dropped. Conditional, so two
 * sessions cannot both enroll. After the login's own update (which matches p->sealed).
 * 0, 1 already enrolled, -1. */
static int adopt(const char *user_id, const struct mfa_pending *p)
{
	int rc = user_mfa_adopt(user_id, p->sealed, p->step);
	if (rc != 0)
		return rc;
	return login_mfa_forget_pending(user_id);
}

/* Enrollment with a method that has no secret (email). 0, 1 already enrolled, -1. */
static int enroll_without_secret(const char *user_id, unsigned methods)
{
	char csv[16];
	snprintf(csv, sizeof csv, "%s%s%s", methods & MFA_TOTP ? "totp" : "",
		 (methods & MFA_TOTP) && (methods & MFA_EMAIL) ? "," : "", methods & MFA_EMAIL ? "email" : "");
	return user_mfa_enroll_methods(user_id, csv);
}

/* The login verified; with p, only while it still holds that pending secret: 0, 1 changed, -1. */
static int mark_login(const struct login *l, const struct mfa_pending *p)
{
	return login_mfa_verified(l->id, p ? p->sealed : NULL);
}

struct verification {
	const struct login *l;
	unsigned enroll_methods;
	const struct mfa_pending *p;
};

static int verification_steps(void *ctx)
{
	const struct verification *v = ctx;
	int rc = mark_login(v->l, v->p);
	if (rc == 0 && v->enroll_methods) {
		rc = v->p ? adopt(v->l->user_id, v->p) : enroll_without_secret(v->l->user_id, v->enroll_methods);
		rc = rc == 1 ? 2 : rc;
	}
	return rc;
}

int mfa_login_verified(struct login *l, unsigned enroll_methods, const struct mfa_pending *p)
{
	/* Run again when it loses a deadlock or a Galera certification conflict. */
	int rc = db_transaction(verification_steps, &(struct verification){ l, enroll_methods, p });
	if (rc != 0)
		return rc;
	l->mfa_verified = true;
	if (enroll_methods) {
		l->mfa_enrolled = true;
		l->mfa_methods = enroll_methods;
	}
	return 0;
}

struct enrollment {
	const char *user_id;
	const char *login_id;
	const struct mfa_pending *p;
};

static int enrollment_steps(void *ctx)
{
	const struct enrollment *e = ctx;
	/* The session that enrolled has just given the second factor: it stays signed in. */
	int rc = login_mfa_enrolling_session(e->login_id, e->user_id, e->p->sealed);
	if (rc == 1)
		rc = 2; /* replaced meanwhile: the code was of a secret no longer shown */
	if (rc == 0)
		rc = adopt(e->user_id, e->p);
	return rc;
}

int mfa_enroll_session(const char *user_id, const char *login_id, const struct mfa_pending *p)
{
	return db_transaction(enrollment_steps, &(struct enrollment){ user_id, login_id, p });
}

/* ------------------------------------------------------------------ emailed codes */

/* Six uniformly random digits (rejection sampling: no modulo bias). */
static int random_code(char out[7])
{
	uint32_t v;
	do {
		if (crypto_random(&v, sizeof v) < 0)
			return -1;
	} while (v >= 4294000000u); /* the largest multiple of 10^6 below 2^32 */
	snprintf(out, 7, "%06u", (unsigned)(v % 1000000u));
	return 0;
}

/* 1 (retry_after set) while the last code is younger than MFA_EMAIL_RESEND_SECONDS. */
static int too_soon(const char *login_id, long *retry_after)
{
	long left;
	if (login_mfa_email_code_left(login_id, &left) < 0)
		return -1;
	long wait = left - (MFA_EMAIL_SECONDS - MFA_EMAIL_RESEND_SECONDS);
	if (wait <= 0)
		return 0;
	*retry_after = wait;
	return 1;
}

/* The code's hash on the login and its email in the outbox, in one transaction. */
static int enqueue_code(const struct login *l, const char *code, char outbox[37])
{
	uint8_t hash[32];
	struct db_result r;
	if (email_code_hash(l->id, code, hash) < 0)
		return -1;
	if (people_mail_address(l->user_id, &r) < 0)
		return -1;
	json_t *vars = json_pack("{s:s, s:i}", "code", code, "minutes", MFA_EMAIL_SECONDS / 60);
	/* The code is the secret itself: always the shipped template, never a project's. */
	struct mail_message m = { l->project_id[0] ? l->project_id : NULL, "mfa-code", db_cell(&r, 0, 0),
				  db_cell(&r, 0, 1), vars, true, NULL, NULL };
	int rc = db_begin();
	if (rc == 0)
		rc = login_mfa_set_email_code(l->id, hash, MFA_EMAIL_SECONDS);
	if (rc == 0)
		rc = m.to_address && vars ? mailing_enqueue(&m, outbox) : -1;
	rc = db_finish(rc);
	json_decref(vars);
	db_result_free(&r);
	return rc == 0 ? 0 : -1;
}

int mfa_send_email(const struct login *l, long *retry_after)
{
	char code[7], outbox[37] = "";
	int rc = too_soon(l->id, retry_after);
	if (rc != 0)
		return rc;
	if (random_code(code) < 0)
		return -1;
	rc = enqueue_code(l, code, outbox);
	OPENSSL_cleanse(code, sizeof code);
	if (rc < 0)
		return -1;
	if (mail_deliver(outbox) < 0)
		log_error("mfa: the outbox could not be read after the commit");
	return 0;
}

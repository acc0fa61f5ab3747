/* SPDX-License-Identifier: BSD-2-Clause */
/* mfa: the second factor of a sign-in (PROTOCOL.md §6.9, PROTOCOL.md §S.1 and §S.11).
 *
 * - TOTP secrets (lib/totp.c) are stored sealed with AES-256-GCM (lib/keywrap.c) under
 *   key_encryption_key when it is set ("k1." prefix), else under a key derived from hash_key
 *   ("h1."), with "mfa:<user id>" as associated data: a dump alone does not give them away
 *   and a sealed secret cannot be moved to another user. An enrollment secret is made per
 *   login that asks (enrollment during sign-in, /auth/mfa/status, the pages) and kept on that
 *   login; only the one a code confirms becomes the user's (issue 14, finding 6). Nobody who
 *   must enroll is locked out, and no secret shown to one session is enrolled by another.
 * - A TOTP step is used once: user.mfa_last_step only moves forward (one conditional UPDATE),
 *   so a code seen by someone else is worthless inside its window too.
 * - Emailed codes: 6 random digits, stored as a keyed hash bound to the login, valid
 *   MFA_EMAIL_SECONDS, used once, sent through the outbox (template mfa-code).
 * - Codes are limited per login (login.mfa_attempts: every code given, cfg.mfa_login_attempts)
 *   and per user (wrong codes in a fixed window, cfg.mfa_user_attempts per
 *   cfg.mfa_user_window). The attempt is taken with a conditional UPDATE before the code is
 *   checked (a right code gives the user's back), so parallel guesses cannot pass a limit;
 *   past either every code is refused with 429 and the seconds until it lifts. The second
 *   factor must follow the password within cfg.mfa_login_lifetime. */
#ifndef TESSERA_MFA_H
#define TESSERA_MFA_H
#include <jansson.h>
#include <stdbool.h>
#include <time.h>

#define MFA_TOTP 1u
#define MFA_EMAIL 2u
#define MFA_EMAIL_SECONDS 600
#define MFA_EMAIL_RESEND_SECONDS 30

struct login;

/* "totp,email" → bits (unknown words ignored); bits → ["totp","email"]. */
unsigned mfa_methods_parse(const char *csv);
json_t *mfa_methods_json(unsigned bits);

/* An operator's reset (a user who lost the device): not enrolled, no secret, no failures. The
 * user enrolls again at the next sign-in that requires it. 0, 1 no such user, -1. */
int mfa_reset(const char *user_id);

/* A secret offered for enrollment: fresh per login that asks, kept on that login (sealed) for
 * cfg.mfa_login_lifetime seconds; the user's secret only once a code confirmed it. */
struct mfa_pending {
	char sealed[256]; /* as stored: adoption copies it when the login still holds it */
	char secret[33];  /* base32, open; cleared after use */
	long long step;   /* the step a confirming code matched */
};
void mfa_pending_clear(struct mfa_pending *p);
/* enrollUri (otpauth://, issuer = the project's brand, account = email) and enrollQrCode (PNG
 * data URL) of the login's pending secret, made when missing; secret_out (may be NULL) gets
 * the secret itself (the pages show it as text). Both malloc'd. 0 or -1. */
int mfa_enroll_material(const char *user_id, const char *login_id, const char *project_id, char **uri, char **qr,
			char secret_out[33]);

/* What a code check decided. */
enum mfa_verdict {
	MFA_ACCEPTED,
	MFA_WRONG,     /* counted as a failure */
	MFA_LIMITED,   /* too many failures: 429, retry_after seconds */
	MFA_EXPIRED,   /* the login is older than mfa_login_lifetime: "Login expired" */
	MFA_NO_SECRET, /* a TOTP check without a secret */
};

struct mfa_check {
	enum mfa_verdict verdict;
	long retry_after;
};

/* A code given for a login: TOTP when totp is set (the user's secret), else or then the
 * login's emailed code when email is set. The limits and the login's age are checked first;
 * a wrong code is counted. 0 (c filled) or -1. */
int mfa_check_login(const struct login *l, const char *code, bool totp, bool email, struct mfa_check *c);
/* A TOTP code of a signed-in user (disable): per-user limit, replay, counting. */
int mfa_check_user(const char *user_id, const char *code, struct mfa_check *c);
/* A first code of the login's pending secret (MFA_NO_SECRET without one). auth_time set: a
 * sign-in (login-enroll), with the login's limits and age; 0: a signed-in session's enroll,
 * the per-user limit only. On MFA_ACCEPTED p is what mfa_login_verified or
 * mfa_enroll_session adopt. 0 (c filled) or -1. */
int mfa_check_pending(const char *login_id, const char *user_id, time_t auth_time, const char *code,
		      struct mfa_check *c, struct mfa_pending *p);

/* Marks the login verified; with enroll_methods (not 0) also enrolls the user with those
 * methods, in one transaction, adopting p as the user's secret when given (TOTP). 0, 1 the
 * login changed meanwhile (revoked, granted, verified, another pending secret), 2 the user
 * is enrolled already, -1. */
int mfa_login_verified(struct login *l, unsigned enroll_methods, const struct mfa_pending *p);
/* A signed-in session's enrollment: p (its login's confirmed pending secret) becomes the
 * user's and the session counts as verified. 0, 1 already enrolled, 2 the pending secret
 * changed meanwhile, -1. */
int mfa_enroll_session(const char *user_id, const char *login_id, const struct mfa_pending *p);

/* Issues an emailed code for the login and puts it in the outbox (sent after the commit).
 * 0 sent or queued, 1 too soon after the last one (*retry_after), -1. */
int mfa_send_email(const struct login *l, long *retry_after);

#endif

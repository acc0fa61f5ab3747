/* mfa: the second factor of a sign-in (spec §6.9, stricter.md rows 1 and 11).
 *
 * - TOTP secrets (lib/totp.c) are stored sealed with AES-256-GCM (lib/keywrap.c) under
 *   key_encryption_key when it is set ("k1." prefix), else under a key derived from hash_key
 *   ("h1."), with "mfa:<user id>" as associated data: a dump alone does not give them away
 *   and a sealed secret cannot be moved to another user. A secret is created when one is
 *   needed (enrollment during sign-in, /auth/mfa/status), so nobody who must enroll is locked
 *   out.
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

#define MFA_TOTP 1u
#define MFA_EMAIL 2u
#define MFA_EMAIL_SECONDS 600
#define MFA_EMAIL_RESEND_SECONDS 30

struct flow_login;

/* "totp,email" → bits (unknown words ignored); bits → ["totp","email"]. */
unsigned mfa_methods_parse(const char *csv);
json_t *mfa_methods_json(unsigned bits);

/* The user's TOTP secret (base32) into out: 0, 1 none (create false), -1. With create, a new
 * secret is made and stored when there is none (a concurrent creator's secret wins). */
int mfa_secret(const char *user_id, bool create, char out[33]);
/* Replaces the secret with a new one (after disabling). 0 or -1. */
int mfa_secret_renew(const char *user_id);
/* An operator's reset (a user who lost the device): not enrolled, no secret, no failures. The
 * user enrolls again at the next sign-in that requires it. 0, 1 no such user, -1. */
int mfa_reset(const char *user_id);
/* enrollUri (otpauth://, issuer = the project's brand, account = email) and enrollQrCode (PNG
 * data URL) of the user's secret, created when missing. Both malloc'd. 0 or -1. */
int mfa_enroll_material(const char *user_id, const char *project_id, char **uri, char **qr);

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
int mfa_check_login(const struct flow_login *l, const char *code, bool totp, bool email, struct mfa_check *c);
/* A TOTP code of a signed-in user (enroll, disable): per-user limit, replay, counting. */
int mfa_check_user(const char *user_id, const char *code, struct mfa_check *c);

/* Marks the login verified; with enroll_methods (not 0) also enrolls the user with those
 * methods, in one transaction. 0, 1 the login changed meanwhile (revoked, granted,
 * verified), -1. */
int mfa_login_verified(struct flow_login *l, unsigned enroll_methods);

/* Issues an emailed code for the login and puts it in the outbox (sent after the commit).
 * 0 sent or queued, 1 too soon after the last one (*retry_after), -1. */
int mfa_send_email(const struct flow_login *l, long *retry_after);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* account: the password life cycle (PROTOCOL.md §6.14), shared by the JSON routes of tessera-password
 * (/auth/setpassword, /auth/resetpassword, /auth/changepassword, /auth/verifyemail) and the
 * pages (/setpassword/:id/:secret, /resetpassword, /verifyemail/:id/:secret, /changepassword).
 * Links are security requests (lib/secreq.c); every new password passes lib/pwpolicy.c; a new
 * password ends the user's other sessions (as newer Medplum does for setpassword). Refusals
 * carry Medplum's texts and, where a person can correct them, the field. */
#ifndef TESSERA_ACCOUNT_H
#define TESSERA_ACCOUNT_H
#include "core/refusal.h"
#include "domain/secreq.h"
#include <stdbool.h>


enum account_link {
	ACCOUNT_SET_PASSWORD,      /* invite and reset links: /auth/setpassword */
	ACCOUNT_VERIFY_EMAIL,      /* verify-email links: /auth/verifyemail */
};

/* Checks a link without using it (a page shows an expired or used link before asking for
 * anything). 0 (sr filled), 1 refused (err: 404 unknown; "Already used", "Expired",
 * "Incorrect secret", a wrong type), -1 database failure. */
int account_check_link(enum account_link kind, const char *id, const char *secret, struct secreq *sr,
		       struct refusal *err);
/* Completes an invite or reset link with a new password (sets email_verified; ends the user's
 * sessions); the address that used it (ip, may be NULL) becomes known to the account's password
 * throttle (ratelimit_login_known). 0, 1 refused, -1. */
int account_set_password(const char *id, const char *secret, const char *password, const char *ip,
			 struct refusal *err);
/* Completes a verify-email link. 0, 1 refused, -1. */
int account_verify_email(const char *id, const char *secret, struct refusal *err);
/* A reset link for the user with this email in this scope (project_id NULL or "": server
 * scope), emailed (§13.2) unless send_email is false, which only an admin of the user's
 * project or a super admin (caller, may be NULL) may ask: from anyone else nothing is made.
 * No such user is not an error: the answer must not tell who has an account. The lookups run
 * now, the writes after the response (app_after_response), alike for every email; at most
 * account_email_limit links per account an hour (lib/secreq.c). 0, 1 refused (the email's
 * domain signs in elsewhere), -1. */
struct auth;
int account_reset_password(const char *email, const char *project_id, const char *redirect_uri, bool send_email,
			   const struct auth *caller, struct refusal *err);
/* A signed-in user's new password: the old one must match. Every other session of the user
 * ends; keep_login_id (may be NULL) stays. 0, 1 refused, -1. */
int account_change_password(const char *user_type, const char *user_id, const char *keep_login_id,
			    const char *old_password, const char *new_password, struct refusal *err);

#endif

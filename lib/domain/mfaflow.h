/* SPDX-License-Identifier: BSD-2-Clause */
/* mfaflow: the MFA stages (PROTOCOL.md §6.9) with their refusals in Medplum's words, shared by the
 * JSON routes (cgi-bin/mfa.c) and the pages (cgi-bin/mfa-pages.c) so each rule exists once:
 * a login's second factor (verify), enrollment during sign-in (login-enroll), an emailed
 * code (send-email), and a signed-in user's enroll and disable. */
#ifndef TESSERA_MFAFLOW_H
#define TESSERA_MFAFLOW_H
#include <stdbool.h>

#include "core/refusal.h"

struct login;


/* Each returns 0 done, 1 refused (r filled), -1 failure. */
/* verify: the login's enrolled method(s); the login becomes verified. */
int mfaflow_verify(struct login *l, const char *token, struct refusal *r);
/* login-enroll: method "totp" (the secret shown to this login) or "email" (a code sent by
 * send-email); the login becomes verified and the user enrolled with that method (and, for
 * TOTP, that secret). */
int mfaflow_login_enroll(struct login *l, const char *method, const char *token, struct refusal *r);
/* send-email: a code to the user's address for a login that owes its second factor. */
int mfaflow_send_email(struct login *l, struct refusal *r);
/* A signed-in user: enroll with a TOTP code of the secret /auth/mfa/status (or the account
 * page) showed to this session, login_id (which counts as verified from now on, so it stays
 * signed in); disable with a code (the secret is dropped). */
int mfaflow_enroll(const char *user_id, const char *login_id, const char *token, struct refusal *r);
int mfaflow_disable(const char *user_id, const char *token, struct refusal *r);
/* The user's enrolled flag: 0 (*enrolled set), 1 no such user, -1. */
int mfaflow_user_enrolled(const char *user_id, bool *enrolled);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* usermfa: the user owner's part for a User's second factor — the sealed TOTP secret, the
 * last step used, enrollment and methods, the failure window. lib/domain/mfa.c holds the
 * rules; the statements on those columns are here (the rest of the user row is people.c's). */
#ifndef TESSERA_USERMFA_H
#define TESSERA_USERMFA_H
#include "core/db.h"
#include <stdbool.h>
#include <stddef.h>

/* The user's sealed secret: 0 (copied), 1 none, -1. */
int user_mfa_secret(const char *user_id, char *sealed, size_t cap);
/* Whether the user enrolled: 0 (*enrolled set), 1 no such user, -1. */
int user_mfa_enrolled(const char *user_id, bool *enrolled);
/* The address and the project's brand (NULL project: Tessera's) for the authenticator app's
 * label. 0 (email and brand copied), -1. */
int user_mfa_label(const char *user_id, const char *project_id, char *email, size_t email_cap, char *brand,
		   size_t brand_cap);
/* Everything about the second factor forgotten (an operator's reset for a lost device):
 * 0, 1 no such user, -1. */
int user_mfa_reset(const char *user_id);
/* Turned off by the user: not enrolled, no secret. 0 or -1. */
int user_mfa_disable(const char *user_id);
/* One failure of the user's window of window seconds (a new window once the old one ended),
 * unless max are used: 0 taken, 1 none left (*window_start set), -1. */
int user_mfa_take_attempt(const char *user_id, long long now, long long window, int max, long long *window_start);
/* A right code gives its attempt back. 0 or -1. */
int user_mfa_give_back(const char *user_id);
/* Claims a TOTP step: only a step later than the last one used. 0 claimed, 1 not, -1. */
int user_mfa_claim_step(const char *user_id, long long step);
/* Adopts a pending secret (its step used) unless enrolled already: 0, 1 enrolled already, -1. */
int user_mfa_adopt(const char *user_id, const char *sealed, long long step);
/* Enrolls with methods that need no secret ("email"): 0, 1 enrolled already, -1. */
int user_mfa_enroll_methods(const char *user_id, const char *methods_csv);

/* The second factor's rule for a user: one row mfa_enrolled, mfa_required, mfa_methods,
 * email, whether a project in scope (the membership, else the project, else all the user's)
 * requires it, and the methods every such project allows (BIT_AND of the SET's numbers; no
 * project: all bits). 0 or -1. */
int user_mfa_rule(const char *user_id, const char *membership_id, const char *project_id, struct db_result *out);

#endif

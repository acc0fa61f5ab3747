/* SPDX-License-Identifier: BSD-2-Clause */
/* loginmfa: the login module's part for a Login's second factor — its pending TOTP secret
 * (sealed; shown to this login only), its attempts, its emailed code (a keyed hash) and its
 * verified flag. lib/domain/mfa.c holds the rules; the statements on those columns are here. */
#ifndef TESSERA_LOGINMFA_H
#define TESSERA_LOGINMFA_H
#include <stddef.h>
#include <stdint.h>

/* The login's pending secret, sealed, when younger than lifetime seconds: 0 (copied into
 * sealed), 1 none, expired or too long for cap, -1. */
int login_mfa_pending(const char *login_id, const char *user_id, int lifetime, char *sealed, size_t cap);
/* Stores a new sealed pending secret unless the login holds a fresh one (a concurrent
 * request's wins). 0 or -1. */
int login_mfa_store_pending(const char *login_id, const char *user_id, const char *sealed, int lifetime);
/* Every pending secret of the user's logins is forgotten (one was just adopted). 0 or -1. */
int login_mfa_forget_pending(const char *user_id);
/* One of the login's max attempts: 0 taken, 1 none left, -1. */
int login_mfa_take_attempt(const char *login_id, int max);
/* Uses up the login's emailed code when hash is its unexpired one: 0 used, 1 wrong, -1. */
int login_mfa_use_email_code(const char *login_id, const uint8_t hash[32]);
/* A new emailed code's hash, valid for seconds. 0 or -1. */
int login_mfa_set_email_code(const char *login_id, const uint8_t hash[32], int seconds);
/* Seconds the login's emailed code has left (-1 when it has none). 0 or -1. */
int login_mfa_email_code_left(const char *login_id, long *left);
/* The second factor given: never for a granted or revoked login; with sealed, only while the
 * login still holds that pending secret. 0 marked, 1 not, -1. */
int login_mfa_verified(const char *login_id, const char *sealed);
/* The session that enrolls from the account page: verified while it holds sealed. 0, 1 not, -1. */
int login_mfa_enrolling_session(const char *login_id, const char *user_id, const char *sealed);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* totp: RFC 6238 time-based one-time passwords (HMAC-SHA-1, 6 digits, 30-second steps) with
 * liboath: new secrets, the otpauth:// enrollment URI authenticator apps read, and checking a
 * code within a window of steps. Which steps were already used is lib/mfa.c's business: the
 * check reports the step that matched. */
#ifndef TESSERA_TOTP_H
#define TESSERA_TOTP_H
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define TOTP_STEP 30
#define TOTP_DIGITS 6
#define TOTP_SECRET_BYTES 20          /* 160 bits, RFC 4226 §4's recommendation */
#define TOTP_SECRET_B32_LEN 32        /* base32 of 20 bytes, no padding */

/* A new random secret as base32 (RFC 4648 alphabet, no padding). 0 or -1. */
int totp_new_secret(char out[TOTP_SECRET_B32_LEN + 1]);
/* True for exactly TOTP_DIGITS ASCII digits. */
bool totp_code_shape(const char *code);
/* The code of a step (for tests): 0 or -1. */
int totp_code_at(const char *secret_b32, long long step, char out[TOTP_DIGITS + 1]);
/* Checks code against the steps now/30 - window .. now/30 + window, comparing in constant
 * time. 0 matched (*step_out = the step), 1 no match, -1 unusable secret. */
int totp_check(const char *secret_b32, const char *code, time_t now, int window, long long *step_out);
/* otpauth://totp/<issuer>:<account>?secret=..&issuer=..&algorithm=SHA1&digits=6&period=30
 * (Key Uri Format); colons are removed from the issuer (they separate it from the account).
 * Returns a malloc'd string or NULL. */
char *totp_uri(const char *issuer, const char *account, const char *secret_b32);

#endif

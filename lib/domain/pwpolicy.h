/* SPDX-License-Identifier: BSD-2-Clause */
/* pwpolicy: the one password policy of every route that sets a password (PROTOCOL.md §14): byte
 * lengths 8..72, and common or breached passwords refused offline with libpwquality and its
 * cracklib dictionary (PROTOCOL.md §S.13: Medplum asks an online service instead). */
#ifndef TESSERA_PWPOLICY_H
#define TESSERA_PWPOLICY_H
#include <stdbool.h>

#define PASSWORD_MIN_BYTES 8
#define PASSWORD_MAX_BYTES 72   /* the limit bcrypt had; kept for Medplum parity */
#define PWPOLICY_BREACHED "Password found in breach database"

/* Byte-length validators for input tables. */
bool pwpolicy_length_ok(const char *password); /* 8..72 */
bool pwpolicy_min_ok(const char *password);    /* at least 8 */
bool pwpolicy_max_ok(const char *password);    /* at most 72 */

/* 0 acceptable; 1 common or breached (answer PWPOLICY_BREACHED); -1 the dictionary cannot be
 * used (an installation fault: refuse rather than let every password through). */
int pwpolicy_check(const char *password);
/* pwpolicy_check for a route: a refusal is answered with 400 PWPOLICY_BREACHED naming the
 * field. 0 acceptable, 1 refused and answered, -1 failure (not answered). */
struct request;
int pwpolicy_answer(struct request *req, const char *password, const char *field);

#endif

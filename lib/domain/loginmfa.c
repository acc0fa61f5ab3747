/* SPDX-License-Identifier: BSD-2-Clause */
/* loginmfa: a Login's second-factor columns. */
#include "domain/loginmfa.h"
#include "core/db.h"
#include "core/text.h"

#include <stdlib.h>
#include <string.h>

#define PENDING_FRESH "mfa_pending_at > UTC_TIMESTAMP(3) - INTERVAL ? SECOND"

int login_mfa_pending(const char *login_id, const char *user_id, int lifetime, char *sealed, size_t cap)
{
	struct db_result r;
	sealed[0] = '\0';
	if (db_query(&r,
		     "SELECT mfa_pending_secret FROM login WHERE id = ? AND user_id = ? AND mfa_pending_secret IS NOT NULL "
		     "AND " PENDING_FRESH,
		     "ssi", login_id, user_id, (long long)lifetime) < 0)
		return -1;
	const char *stored = r.nrows ? db_cell(&r, 0, 0) : NULL;
	int rc = stored && strlen(stored) < cap ? 0 : 1;
	if (rc == 0)
		text_copy(sealed, cap, stored);
	db_result_free(&r);
	return rc;
}

int login_mfa_store_pending(const char *login_id, const char *user_id, const char *sealed, int lifetime)
{
	return db_exec(NULL,
		       "UPDATE login SET mfa_pending_secret = ?, mfa_pending_at = UTC_TIMESTAMP(3) "
		       "WHERE id = ? AND user_id = ? AND (mfa_pending_secret IS NULL OR NOT (" PENDING_FRESH "))",
		       "sssi", sealed, login_id, user_id, (long long)lifetime);
}

int login_mfa_forget_pending(const char *user_id)
{
	return db_exec(NULL,
		       "UPDATE login SET mfa_pending_secret = NULL, mfa_pending_at = NULL "
		       "WHERE user_id = ? AND mfa_pending_secret IS NOT NULL",
		       "s", user_id);
}

int login_mfa_take_attempt(const char *login_id, int max)
{
	unsigned long long n = 0;
	if (db_exec(&n, "UPDATE login SET mfa_attempts = mfa_attempts + 1 WHERE id = ? AND mfa_attempts < ?", "si",
		    login_id, (long long)max) < 0)
		return -1;
	return n == 1 ? 0 : 1;
}

int login_mfa_use_email_code(const char *login_id, const uint8_t hash[32])
{
	unsigned long long n = 0;
	if (db_exec(&n,
		    "UPDATE login SET email_mfa_hash = NULL, email_mfa_expires_at = NULL WHERE id = ? AND email_mfa_hash = ? "
		    "AND email_mfa_expires_at > UTC_TIMESTAMP(3)",
		    "sb", login_id, hash, (size_t)32) < 0)
		return -1;
	return n == 1 ? 0 : 1;
}

int login_mfa_set_email_code(const char *login_id, const uint8_t hash[32], int seconds)
{
	return db_exec(NULL,
		       "UPDATE login SET email_mfa_hash = ?, email_mfa_expires_at = UTC_TIMESTAMP(3) + INTERVAL ? SECOND "
		       "WHERE id = ?",
		       "bis", hash, (size_t)32, (long long)seconds, login_id);
}

int login_mfa_email_code_left(const char *login_id, long *left)
{
	struct db_result r;
	*left = -1;
	if (db_query(&r,
		     "SELECT TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(3), email_mfa_expires_at) FROM login "
		     "WHERE id = ? AND email_mfa_expires_at IS NOT NULL",
		     "s", login_id) < 0)
		return -1;
	if (r.nrows && db_cell(&r, 0, 0))
		*left = strtol(db_cell(&r, 0, 0), NULL, 10);
	db_result_free(&r);
	return 0;
}

int login_mfa_verified(const char *login_id, const char *sealed)
{
	unsigned long long n = 0;
	int rc = sealed ? db_exec(&n,
				  "UPDATE login SET mfa_verified = TRUE, updated_at = UTC_TIMESTAMP(3) WHERE id = ? AND "
				  "NOT mfa_verified AND NOT granted AND NOT revoked AND mfa_pending_secret = ?",
				  "ss", login_id, sealed)
			: db_exec(&n,
				  "UPDATE login SET mfa_verified = TRUE, updated_at = UTC_TIMESTAMP(3) "
				  "WHERE id = ? AND NOT mfa_verified AND NOT granted AND NOT revoked",
				  "s", login_id);
	return rc < 0 ? -1 : n == 1 ? 0 : 1;
}

int login_mfa_enrolling_session(const char *login_id, const char *user_id, const char *sealed)
{
	unsigned long long n = 0;
	if (db_exec(&n,
		    "UPDATE login SET mfa_verified = TRUE, updated_at = UTC_TIMESTAMP(3) "
		    "WHERE id = ? AND user_id = ? AND mfa_pending_secret = ?",
		    "sss", login_id, user_id, sealed) < 0)
		return -1;
	return n == 1 ? 0 : 1;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* usermfa: a User's second-factor columns. */
#include "domain/usermfa.h"
#include "core/db.h"
#include "core/text.h"

#include <stdlib.h>
#include <string.h>

int user_mfa_secret(const char *user_id, char *sealed, size_t cap)
{
	struct db_result r;
	sealed[0] = '\0';
	if (db_query(&r, "SELECT mfa_secret FROM user WHERE id = ?", "s", user_id) < 0)
		return -1;
	const char *stored = r.nrows ? db_cell(&r, 0, 0) : NULL;
	int rc = stored && *stored && strlen(stored) < cap ? 0 : 1;
	if (rc == 0)
		text_copy(sealed, cap, stored);
	db_result_free(&r);
	return rc;
}

int user_mfa_enrolled(const char *user_id, bool *enrolled)
{
	struct db_result r;
	if (db_query(&r, "SELECT mfa_enrolled FROM user WHERE id = ?", "s", user_id) < 0)
		return -1;
	int rc = r.nrows ? 0 : 1;
	*enrolled = rc == 0 && text_true(db_cell(&r, 0, 0));
	db_result_free(&r);
	return rc;
}

int user_mfa_label(const char *user_id, const char *project_id, char *email, size_t email_cap, char *brand,
		   size_t brand_cap)
{
	struct db_result r;
	if (db_query(&r,
		     "SELECT u.email, (SELECT COALESCE(NULLIF(p.brand_name, ''), 'Tessera') FROM project p WHERE p.id = ?) "
		     "FROM user u WHERE u.id = ?",
		     "ss", project_id && *project_id ? project_id : NULL, user_id) < 0)
		return -1;
	text_copy(email, email_cap, r.nrows && db_cell(&r, 0, 0) ? db_cell(&r, 0, 0) : user_id);
	text_copy(brand, brand_cap, r.nrows && db_cell(&r, 0, 1) ? db_cell(&r, 0, 1) : "Tessera");
	db_result_free(&r);
	return 0;
}

int user_mfa_reset(const char *user_id)
{
	unsigned long long n = 0;
	if (db_exec(&n,
		    "UPDATE user SET mfa_enrolled = FALSE, mfa_methods = NULL, mfa_secret = NULL, mfa_last_step = NULL, "
		    "mfa_failures = 0, mfa_failures_since = NULL, updated_at = UTC_TIMESTAMP(3) WHERE id = ?",
		    "s", user_id) < 0)
		return -1;
	return n == 1 ? 0 : 1;
}

int user_mfa_disable(const char *user_id)
{
	return db_exec(NULL,
		       "UPDATE user SET mfa_enrolled = FALSE, mfa_methods = NULL, mfa_secret = NULL, "
		       "updated_at = UTC_TIMESTAMP(3) WHERE id = ?",
		       "s", user_id);
}

#define WINDOW_ACTIVE "(mfa_failures_since IS NOT NULL AND mfa_failures_since > ? - ?)"

/* MariaDB assigns left to right, so the count is computed against the old start. */
int user_mfa_take_attempt(const char *user_id, long long now, long long window, int max, long long *window_start)
{
	unsigned long long n = 0;
	if (db_exec(&n,
		    "UPDATE user SET mfa_failures = IF(" WINDOW_ACTIVE ", mfa_failures + 1, 1), "
		    "mfa_failures_since = IF(" WINDOW_ACTIVE ", mfa_failures_since, ?) "
		    "WHERE id = ? AND NOT (" WINDOW_ACTIVE " AND mfa_failures >= ?)",
		    "iiiiisiii", now, window, now, window, now, user_id, now, window, (long long)max) < 0)
		return -1;
	if (n == 1)
		return 0;
	struct db_result r;
	if (db_query(&r, "SELECT COALESCE(mfa_failures_since, 0) FROM user WHERE id = ?", "s", user_id) < 0)
		return -1;
	*window_start = r.nrows ? strtoll(db_cell(&r, 0, 0), NULL, 10) : now;
	db_result_free(&r);
	return 1;
}

int user_mfa_give_back(const char *user_id)
{
	return db_exec(NULL, "UPDATE user SET mfa_failures = GREATEST(mfa_failures - 1, 0) WHERE id = ?", "s", user_id);
}

int user_mfa_claim_step(const char *user_id, long long step)
{
	unsigned long long n = 0;
	if (db_exec(&n, "UPDATE user SET mfa_last_step = ? WHERE id = ? AND (mfa_last_step IS NULL OR mfa_last_step < ?)",
		    "isi", step, user_id, step) < 0)
		return -1;
	return n == 1 ? 0 : 1;
}

int user_mfa_adopt(const char *user_id, const char *sealed, long long step)
{
	unsigned long long n = 0;
	if (db_exec(&n,
		    "UPDATE user SET mfa_secret = ?, mfa_last_step = ?, mfa_enrolled = TRUE, mfa_methods = 'totp', "
		    "updated_at = UTC_TIMESTAMP(3) WHERE id = ? AND NOT mfa_enrolled",
		    "sis", sealed, step, user_id) < 0)
		return -1;
	return n == 1 ? 0 : 1;
}

int user_mfa_enroll_methods(const char *user_id, const char *methods_csv)
{
	unsigned long long n = 0;
	if (db_exec(&n,
		    "UPDATE user SET mfa_enrolled = TRUE, mfa_methods = ?, updated_at = UTC_TIMESTAMP(3) "
		    "WHERE id = ? AND NOT mfa_enrolled",
		    "ss", methods_csv, user_id) < 0)
		return -1;
	return n == 1 ? 0 : 1;
}

int user_mfa_rule(const char *user_id, const char *membership_id, const char *project_id, struct db_result *out)
{
	const char *m = membership_id, *p = project_id;
	return db_query(out,
			"SELECT u.mfa_enrolled, u.mfa_required, u.mfa_methods, u.email, "
			"(SELECT COALESCE(MAX(p.mfa_required), 0) FROM project_membership m JOIN project p ON p.id = m.project_id "
			" WHERE m.user_id = u.id AND (? IS NULL OR m.id = ?) AND (? IS NULL OR m.project_id = ?)), "
			"(SELECT BIT_AND(p.allowed_mfa_methods + 0) FROM project_membership m JOIN project p ON p.id = m.project_id "
			" WHERE m.user_id = u.id AND (? IS NULL OR m.id = ?) AND (? IS NULL OR m.project_id = ?)) "
			"FROM user u WHERE u.id = ?",
			"sssssssss", m, m, p, p, m, m, p, p, user_id);
}

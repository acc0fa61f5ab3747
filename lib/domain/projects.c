/* SPDX-License-Identifier: BSD-2-Clause */
/* projects: the Project rows' settings. */
#include "domain/projects.h"
#include "core/db.h"
#include "core/text.h"

int projects_settings(const char *project_id, struct project_settings *out)
{
	struct db_result r;
	if (db_query(&r,
		     "SELECT id, name, brand_name, mfa_required, allowed_mfa_methods, email_verification_required FROM project "
		     "WHERE id = ?",
		     "s", project_id) < 0)
		return -1;
	int rc = r.nrows ? 0 : 1;
	if (rc == 0) {
		text_copy(out->id, sizeof out->id, db_cell(&r, 0, 0));
		text_copy(out->name, sizeof out->name, db_cell(&r, 0, 1));
		text_copy(out->brand_name, sizeof out->brand_name, db_cell(&r, 0, 2));
		out->mfa_required = text_true(db_cell(&r, 0, 3));
		text_copy(out->allowed_mfa_methods, sizeof out->allowed_mfa_methods, db_cell(&r, 0, 4));
		out->email_verification_required = text_true(db_cell(&r, 0, 5));
	}
	db_result_free(&r);
	return rc;
}

int projects_update_settings(const char *project_id, const char *brand_name, const char *mfa_required,
			     const char *allowed_mfa_methods, const char *email_verification_required)
{
	return db_exec(NULL,
		       "UPDATE project SET brand_name = ?, mfa_required = COALESCE(?, mfa_required), "
		       "allowed_mfa_methods = COALESCE(?, allowed_mfa_methods), "
		       "email_verification_required = COALESCE(?, email_verification_required), updated_at = UTC_TIMESTAMP(3) "
		       "WHERE id = ?",
		       "sssss", brand_name, mfa_required, allowed_mfa_methods, email_verification_required, project_id);
}

int projects_email_verification_required(const char *project_id)
{
	struct db_result r;
	if (db_query(&r, "SELECT email_verification_required FROM project WHERE id = ?", "s", project_id) < 0)
		return -1;
	int required = r.nrows > 0 && text_true(db_cell(&r, 0, 0));
	db_result_free(&r);
	return required;
}

int projects_name(const char *project_id, char *name, unsigned cap)
{
	struct db_result r;
	if (db_query(&r, "SELECT name FROM project WHERE id = ?", "s", project_id) < 0)
		return -1;
	text_copy(name, cap, r.nrows ? db_cell(&r, 0, 0) : "");
	db_result_free(&r);
	return 0;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* memberscim: the memberships that SCIM 2.0 shows as Users (PROTOCOL.md §10): their search with a
 * SCIM filter turned into SQL, one of them, and SCIM's writes (declared in members.h, beside the
 * other membership operations; lib/domain/scim.c builds the resources). A second file of the
 * members family: both own project_membership. */
#include "domain/members.h"
#include "core/db.h"
#include "core/fhir.h"
#include "core/scimfilter.h"
#include "core/crypto.h"
#include "core/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCIM_COLUMNS                                                                                                  \
	"m.id, m.user_id, m.profile_type, m.profile_id, m.active, m.external_id, m.user_name, u.email, u.first_name, " \
	"u.last_name, u.project_id, DATE_FORMAT(m.created_at, '%Y-%m-%dT%H:%i:%s.%fZ'), "                             \
	"DATE_FORMAT(GREATEST(m.updated_at, u.updated_at), '%Y-%m-%dT%H:%i:%s.%fZ'), "                                \
	FHIR_VERSION_SQL("GREATEST(m.updated_at, u.updated_at)") ", m.user_id = p.owner_user_id "
#define SCIM_FROM                                                                                                     \
	"FROM project_membership m JOIN user u ON u.id = m.user_id JOIN project p ON p.id = m.project_id "           \
	"WHERE m.project_id = ? AND m.user_type = 'User' AND m.deprovisioned_at IS NULL "                             \
	"AND m.profile_type IN ('Patient', 'Practitioner', 'RelatedPerson') "

/* A filter as SQL over m and u, every value a placeholder (vals in order). userName is the
 * membership's, or for a membership without one the email, else the profile id (as scim.c shows
 * it); it and emails compare case-insensitively (the columns' collation, RFC 7643 caseExact
 * false), externalId exactly (caseExact true). */
static int filter_sql(const struct scimfilter *f, int node, char *out, size_t len, const char **vals, size_t *n)
{
	const struct scimfilter_node *x = &f->nodes[node];
	if (x->kind != SF_CMP) {
		char l[2048], r[2048];
		if (filter_sql(f, x->left, l, sizeof l, vals, n) < 0 || filter_sql(f, x->right, r, sizeof r, vals, n) < 0)
			return -1;
		return snprintf(out, len, "(%s %s %s)", l, x->kind == SF_AND ? "AND" : "OR", r) < (int)len ? 0 : -1;
	}
	const char *sql = x->attr == SF_EXTERNAL_ID ? "m.external_id = ? COLLATE utf8mb4_bin"
			  : x->attr == SF_EMAIL	    ? "u.email = ?"
						    : "(m.user_name = ? OR (m.user_name IS NULL AND COALESCE(u.email, m.profile_id) = ?))";
	vals[(*n)++] = x->value;
	if (x->attr == SF_USER_NAME)
		vals[(*n)++] = x->value;
	return snprintf(out, len, "%s", sql) < (int)len ? 0 : -1;
}

int members_scim_search(const char *project_id, const struct scimfilter *filter, unsigned offset, unsigned count,
			long long *total, struct db_result *out)
{
	const char *vals[2 * SCIMFILTER_MAX_TERMS];
	size_t n = 0;
	char where[4096] = "TRUE", sql[6144];
	memset(out, 0, sizeof *out);
	if (filter && filter->root >= 0 && filter_sql(filter, filter->root, where, sizeof where, vals, &n) < 0)
		return -1;
	struct db_result r;
	snprintf(sql, sizeof sql, "SELECT COUNT(*) " SCIM_FROM "AND %s", where);
	if (db_query(&r, sql, "sv", project_id, n, vals) < 0)
		return -1;
	*total = strtoll(db_cell(&r, 0, 0) ? db_cell(&r, 0, 0) : "0", NULL, 10);
	db_result_free(&r);
	if (count == 0 || *total <= (long long)offset)
		return 0;
	/* The columns hold DATE_FORMAT's % signs: they go in as an argument, not as the format. */
	snprintf(sql, sizeof sql, "SELECT %s" SCIM_FROM "AND %s ORDER BY m.created_at, m.id LIMIT ? OFFSET ?", SCIM_COLUMNS,
		 where);
	return db_query(out, sql, "svii", project_id, n, vals, (long long)count, (long long)offset);
}

int members_scim_get(const char *project_id, const char *id, bool for_update, struct db_result *out)
{
	memset(out, 0, sizeof *out);
	if (!crypto_is_uuid(id))
		return 1;
	if (db_query(out,
		     for_update ? "SELECT " SCIM_COLUMNS SCIM_FROM "AND m.id = ? FOR UPDATE"
				: "SELECT " SCIM_COLUMNS SCIM_FROM "AND m.id = ?",
		     "ss", project_id, id) < 0)
		return -1;
	if (out->nrows == 1)
		return 0;
	db_result_free(out);
	return 1;
}

int members_scim_set(const char *id, bool active, const char *user_name, const char *external_id)
{
	if (db_exec(NULL,
		    "UPDATE project_membership SET active = ?, user_name = ?, external_id = ?, updated_at = UTC_TIMESTAMP(3) "
		    "WHERE id = ?",
		    "isss", (long long)active, user_name, external_id, id) < 0)
		return db_duplicate() ? 1 : -1;
	return 0;
}

int members_scim_deprovision(const char *id)
{
	return db_exec(NULL,
		       "UPDATE project_membership SET active = FALSE, user_name = NULL, external_id = NULL, "
		       "deprovisioned_at = UTC_TIMESTAMP(3), updated_at = UTC_TIMESTAMP(3) WHERE id = ?",
		       "s", id);
}

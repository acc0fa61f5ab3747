/* SPDX-License-Identifier: BSD-2-Clause */
/* storequery: an owner's search statements bound and run (PROTOCOL.md §11.5). */
#include "domain/storequery.h"
#include "core/crypto.h"

#include <stdlib.h>

/* The filters in STORE_WHERE's order: the project (project_binds times), then _id, name, email,
 * identifier, each twice ("? IS NULL OR cond"); a page adds LIMIT and OFFSET. */
static int run(struct db_result *r, const char *sql, const struct store_query *q, unsigned project_binds, bool page)
{
	const char *p = q->project;
	long long limit = q->limit, offset = q->offset;
	if (project_binds == 3)
		return page ? db_query(r, sql, "sssssssssssii", p, p, p, q->ids, q->ids, q->name_like, q->name_like,
				       q->email, q->email, q->identifier, q->identifier, limit, offset)
			    : db_query(r, sql, "sssssssssss", p, p, p, q->ids, q->ids, q->name_like, q->name_like,
				       q->email, q->email, q->identifier, q->identifier);
	return page ? db_query(r, sql, "ssssssssssii", p, p, q->ids, q->ids, q->name_like, q->name_like, q->email,
			       q->email, q->identifier, q->identifier, limit, offset)
		    : db_query(r, sql, "ssssssssss", p, p, q->ids, q->ids, q->name_like, q->name_like, q->email,
			       q->email, q->identifier, q->identifier);
}

int store_find_rows(const struct store_query *q, unsigned project_binds, const char *page_sql, const char *count_sql,
		    json_t *(*row)(const struct db_result *r, unsigned i), json_t **rows, long long *total)
{
	struct db_result r;
	*rows = NULL;
	if (run(&r, page_sql, q, project_binds, true) < 0)
		return -1;
	*rows = json_array();
	for (unsigned i = 0; i < r.nrows; i++)
		json_array_append_new(*rows, row(&r, i));
	unsigned n = r.nrows;
	db_result_free(&r);
	if (!total)
		return 0;
	/* A short page that did not start past the end tells the total without counting. */
	if (n < q->limit && (n > 0 || q->offset == 0)) {
		*total = (long long)q->offset + n;
		return 0;
	}
	if (run(&r, count_sql, q, project_binds, false) < 0) {
		json_decref(*rows);
		*rows = NULL;
		return -1;
	}
	*total = db_cell(&r, 0, 0) ? strtoll(db_cell(&r, 0, 0), NULL, 10) : 0;
	db_result_free(&r);
	return 0;
}

int store_get_row(const char *sql, const char *id, json_t *(*row)(const struct db_result *r, unsigned i),
		  json_t **out)
{
	*out = NULL;
	if (!crypto_is_uuid(id))
		return 1;
	struct db_result r;
	if (db_query(&r, sql, "s", id) < 0)
		return -1;
	if (r.nrows)
		*out = row(&r, 0);
	db_result_free(&r);
	return *out ? 0 : 1;
}

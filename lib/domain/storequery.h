/* SPDX-License-Identifier: BSD-2-Clause */
/* storequery: runs an owner's search statements (lib/domain/store.h STORE_WHERE) with the
 * filters of a struct store_query bound in their fixed order, so every owner's find is the
 * same few lines and every search filters, orders and pages in the database (PROTOCOL.md
 * §11.5). Touches no table itself: the statements are the owner's. */
#ifndef TESSERA_STOREQUERY_H
#define TESSERA_STOREQUERY_H
#include "core/db.h"
#include "domain/store.h"

/* The page: page_sql (the owner's SELECT ... STORE_WHERE(...) STORE_NEWEST or STORE_OLDEST, as
 * q->oldest_first asks), whose first project_binds `?` (2, or 3 for a statement that joins on the
 * project before its WHERE) are the project, each row made by row(); then, when total is not
 * NULL, the count (count_sql: SELECT COUNT(*) ... with the same joins and STORE_WHERE), asked only
 * when the page does not already tell it. 0 or -1. */
int store_find_rows(const struct store_query *q, unsigned project_binds, const char *page_sql, const char *count_sql,
		    json_t *(*row)(const struct db_result *r, unsigned i), json_t **rows, long long *total);

/* One resource by id (sql takes it as its only parameter), made by row(): 0 (*out), 1 when the id
 * is not a UUID or there is no such row, -1. */
int store_get_row(const char *sql, const char *id, json_t *(*row)(const struct db_result *r, unsigned i),
		  json_t **out);

#endif

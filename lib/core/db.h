/* SPDX-License-Identifier: BSD-2-Clause */
/* db: one MariaDB connection per process, prepared statements only (cached per process),
 * lazy reconnect. When the server is away every call fails fast and db_unavailable() says
 * so, which the dispatcher turns into 503; the next request simply tries again. */
#ifndef TESSERA_DB_H
#define TESSERA_DB_H
#include <stdbool.h>
#include <stddef.h>

struct db_result {
	unsigned nrows;
	unsigned ncols;
	char **cells;             /* nrows*ncols values, NULL for SQL NULL, always NUL-terminated */
	unsigned long *lens;
};

/* Argument formats: 's' char* (NULL → SQL NULL), 'i' long long, 'b' (const void*, size_t) bytes,
 * 'n' SQL NULL (no argument consumed), 'v' (size_t n, const char *const *values): n strings, for
 * a statement whose placeholders are built at run time (a SCIM filter). */
int db_exec(unsigned long long *affected, const char *sql, const char *fmt, ...);
/* db_exec that reports mysql_stmt_insert_id: the AUTO_INCREMENT value, or the value an
 * INSERT ... ON DUPLICATE KEY UPDATE x = LAST_INSERT_ID(expr) set (lib/ratelimit.c). */
int db_exec_id(unsigned long long *insert_id, const char *sql, const char *fmt, ...);
int db_query(struct db_result *res, const char *sql, const char *fmt, ...);
/* Purges: a DELETE of one integer parameter (an age in seconds) that ends in
 * "LIMIT " DB_PURGE_BATCH_TEXT, run until a batch deletes fewer rows, so a large purge never
 * holds long locks on a busy table. The number deleted, or -1. */
#define DB_PURGE_BATCH 5000
#define DB_PURGE_BATCH_TEXT "5000"
long long db_purge(const char *sql, long long seconds);
void db_result_free(struct db_result *res);
static inline const char *db_cell(const struct db_result *r, unsigned row, unsigned col)
{
	return row < r->nrows && col < r->ncols ? r->cells[row * r->ncols + col] : NULL;
}
static inline unsigned long db_len(const struct db_result *r, unsigned row, unsigned col)
{
	return row < r->nrows && col < r->ncols ? r->lens[row * r->ncols + col] : 0;
}

/* One trivial round trip to the database (health checks): 0 when it answered. */
int db_ping(void);
int db_begin(void);
int db_commit(void);
void db_rollback(void);
/* Called by db_commit inside the transaction before COMMIT; a failure rolls back. */
void db_before_commit(int (*hook)(void));
/* Ends a transaction whose steps returned rc: 0 committed, else rolled back (rc kept; a
 * failed commit is -1). */
int db_finish(int rc);
/* True when the last failure was a lost or refused connection (→ 503). */
bool db_unavailable(void);
/* True when the last failure was a duplicate key (ER_DUP_ENTRY). */
bool db_duplicate(void);
/* True when the last failure was a stored function that is missing or may not be executed
 * (a database not migrated yet, or an account without EXECUTE). */
bool db_routine_refused(void);
/* The last statement lost a deadlock (or waited too long for a lock): InnoDB rolled it back,
 * and the whole transaction may simply be run again. */
bool db_deadlock(void);
/* How many times in all a transaction is run when it keeps losing deadlocks or Galera
 * certification conflicts (both error 1213, the latter from COMMIT). */
#define DB_TRIES 4
/* Runs steps(ctx) in one transaction and commits it; when it loses a deadlock or a Galera
 * certification conflict (rolled back whole), runs it again, DB_TRIES times in all. steps
 * returns 0 to commit, anything else to roll back; it must be safe to run again (no effect
 * outside the database). Returns 0 committed, else steps' value or -1. */
int db_transaction(int (*steps)(void *ctx), void *ctx);
void db_close(void);
/* Runs a script of statements separated by semicolons at line ends (migrations only). */
int db_run_script(const char *sql, char *err, size_t errlen);

#endif

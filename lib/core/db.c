/* SPDX-License-Identifier: BSD-2-Clause */
/* db: MariaDB Connector/C with a per-process prepared statement cache. */
#include "core/db.h"
#include "core/config.h"
#include "core/log.h"

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STMT_CACHE 64
#define MAX_ARGS 32
#define MAX_COLUMNS 48 /* the session row of lib/auth.c is the widest */

static MYSQL *conn;
/* Keyed by a copy of the statement's text: callers may build it in a stack buffer
 * (lib/people.c does), so their pointer would dangle once they return. */
static struct { char *sql; MYSQL_STMT *stmt; } cache[STMT_CACHE];
static bool unavailable, duplicate, in_transaction;
static unsigned last_error;

static bool connection_error(unsigned err)
{
	return err == CR_SERVER_GONE_ERROR || err == CR_SERVER_LOST || err == CR_CONNECTION_ERROR ||
	       err == CR_CONN_HOST_ERROR || err == ER_CONNECTION_KILLED || err == CR_COMMANDS_OUT_OF_SYNC ||
	       err == ER_UNKNOWN_STMT_HANDLER || err == 4031 /* ER_CLIENT_INTERACTION_TIMEOUT */ ||
	       err == ER_SERVER_SHUTDOWN || err == CR_SERVER_LOST_EXTENDED;
}

void db_close(void)
{
	for (int i = 0; i < STMT_CACHE; i++) {
		if (cache[i].stmt)
			mysql_stmt_close(cache[i].stmt);
		free(cache[i].sql);
		cache[i].sql = NULL;
		cache[i].stmt = NULL;
	}
	if (conn)
		mysql_close(conn);
	conn = NULL;
	in_transaction = false;
}

static int db_connect(void)
{
	if (conn)
		return 0;
	conn = mysql_init(NULL);
	if (!conn)
		return -1;
	unsigned timeout = 2;
	mysql_optionsv(conn, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_optionsv(conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	const char *socket = cfg.db_socket && *cfg.db_socket ? cfg.db_socket : NULL;
	if (!mysql_real_connect(conn, socket ? NULL : cfg.db_host, cfg.db_user, cfg.db_password, cfg.db_name,
				(unsigned)cfg.db_port, socket, 0)) {
		log_error("database connect failed: %s", mysql_error(conn));
		mysql_close(conn);
		conn = NULL;
		unavailable = true;
		return -1;
	}
	/* UTC everywhere: DATETIME columns are compared with UTC_TIMESTAMP() semantics. */
	mysql_query(conn, "SET time_zone = '+00:00'");
	return 0;
}

static MYSQL_STMT *prepare(const char *sql)
{
	int free_slot = -1;
	for (int i = 0; i < STMT_CACHE; i++) {
		if (cache[i].sql && !strcmp(cache[i].sql, sql))
			return cache[i].stmt;
		if (!cache[i].sql && free_slot < 0)
			free_slot = i;
	}
	char *key = strdup(sql);
	MYSQL_STMT *st = key ? mysql_stmt_init(conn) : NULL;
	if (!st) {
		free(key);
		return NULL;
	}
	if (mysql_stmt_prepare(st, sql, strlen(sql))) {
		free(key);
		unsigned err = mysql_stmt_errno(st);
		log_error("prepare failed (%u): %s", err, mysql_stmt_error(st));
		unavailable = connection_error(err);
		last_error = err;
		mysql_stmt_close(st);
		return NULL;
	}
	if (free_slot < 0) {
		/* Full: evict one statement rather than leak; programs use far fewer. */
		free_slot = (int)(((uintptr_t)sql >> 4) % STMT_CACHE);
		mysql_stmt_close(cache[free_slot].stmt);
		free(cache[free_slot].sql);
	}
	cache[free_slot].sql = key;
	cache[free_slot].stmt = st;
	return st;
}

struct args {
	MYSQL_BIND bind[MAX_ARGS];
	long long ints[MAX_ARGS];
	unsigned long lens[MAX_ARGS];
	unsigned n;
};

static int bind_args(struct args *a, const char *fmt, va_list ap)
{
	memset(a, 0, sizeof *a);
	for (const char *f = fmt; f && *f; f++) {
		if (a->n >= MAX_ARGS)
			return -1;
		MYSQL_BIND *b = &a->bind[a->n];
		switch (*f) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s) {
				b->buffer_type = MYSQL_TYPE_NULL;
				break;
			}
			b->buffer_type = MYSQL_TYPE_STRING;
			b->buffer = (void *)s;
			a->lens[a->n] = strlen(s);
			b->length = &a->lens[a->n];
			break;
		}
		case 'b': {
			const void *p = va_arg(ap, const void *);
			size_t len = va_arg(ap, size_t);
			b->buffer_type = p ? MYSQL_TYPE_BLOB : MYSQL_TYPE_NULL;
			b->buffer = (void *)p;
			a->lens[a->n] = len;
			b->length = &a->lens[a->n];
			break;
		}
		case 'i':
			a->ints[a->n] = va_arg(ap, long long);
			b->buffer_type = MYSQL_TYPE_LONGLONG;
			b->buffer = &a->ints[a->n];
			break;
		case 'n':
			b->buffer_type = MYSQL_TYPE_NULL;
			break;
		case 'v': {
			size_t count = va_arg(ap, size_t);
			const char *const *values = va_arg(ap, const char *const *);
			if (count > MAX_ARGS - a->n)
				return -1;
			for (size_t i = 0; i < count; i++, a->n++) {
				b = &a->bind[a->n];
				b->buffer_type = values[i] ? MYSQL_TYPE_STRING : MYSQL_TYPE_NULL;
				b->buffer = (void *)values[i];
				a->lens[a->n] = values[i] ? strlen(values[i]) : 0;
				b->length = &a->lens[a->n];
			}
			continue;
		}
		default:
			return -1;
		}
		a->n++;
	}
	return 0;
}

static int fetch_all(MYSQL_STMT *st, struct db_result *res)
{
	MYSQL_RES *meta = mysql_stmt_result_metadata(st);
	if (!meta)
		return 0;
	unsigned ncols = mysql_num_fields(meta);
	mysql_free_result(meta);
	if (ncols > MAX_COLUMNS)
		return -1;
	MYSQL_BIND out[MAX_COLUMNS];
	unsigned long lens[MAX_COLUMNS];
	my_bool nulls[MAX_COLUMNS];
	char small[MAX_COLUMNS][256];
	memset(out, 0, sizeof out);
	for (unsigned c = 0; c < ncols; c++) {
		out[c].buffer_type = MYSQL_TYPE_STRING;
		out[c].buffer = small[c];
		out[c].buffer_length = sizeof small[c];
		out[c].length = &lens[c];
		out[c].is_null = &nulls[c];
	}
	if (mysql_stmt_bind_result(st, out))
		return -1;
	res->ncols = ncols;
	unsigned cap = 0;
	for (;;) {
		int rc = mysql_stmt_fetch(st);
		if (rc == MYSQL_NO_DATA)
			break;
		if (rc == 1)
			return -1;
		if (res->nrows == cap) {
			cap = cap ? cap * 2 : 4;
			char **cells = realloc(res->cells, (size_t)cap * ncols * sizeof *cells);
			unsigned long *l = realloc(res->lens, (size_t)cap * ncols * sizeof *l);
			if (cells)
				res->cells = cells;
			if (l)
				res->lens = l;
			if (!cells || !l)
				return -1;
		}
		for (unsigned c = 0; c < ncols; c++) {
			size_t idx = (size_t)res->nrows * ncols + c;
			res->cells[idx] = NULL;
			res->lens[idx] = 0;
			if (nulls[c])
				continue;
			char *v = malloc(lens[c] + 1);
			if (!v)
				return -1;
			if (lens[c] <= sizeof small[c]) {
				memcpy(v, small[c], lens[c]);
			} else {
				/* Truncated into the small buffer: fetch the whole column. */
				MYSQL_BIND big = { 0 };
				unsigned long got = 0;
				big.buffer_type = MYSQL_TYPE_STRING;
				big.buffer = v;
				big.buffer_length = lens[c] + 1;
				big.length = &got;
				if (mysql_stmt_fetch_column(st, &big, c, 0)) {
					free(v);
					return -1;
				}
			}
			v[lens[c]] = '\0';
			res->cells[idx] = v;
			res->lens[idx] = lens[c];
		}
		res->nrows++;
	}
	return 0;
}

/* One attempt; returns 0, -1 on error, -2 when the connection broke and a retry may help. */
static int run(unsigned long long *affected, unsigned long long *insert_id, struct db_result *res, const char *sql,
	       struct args *a)
{
	if (db_connect() < 0)
		return -1;
	MYSQL_STMT *st = prepare(sql);
	if (!st)
		return unavailable ? -2 : -1;
	unsigned err = 0;
	if (mysql_stmt_bind_param(st, a->bind) || mysql_stmt_execute(st)) {
		err = mysql_stmt_errno(st);
	} else {
		if (affected)
			*affected = mysql_stmt_affected_rows(st);
		if (insert_id)
			*insert_id = mysql_stmt_insert_id(st);
		if (res && fetch_all(st, res) < 0)
			err = mysql_stmt_errno(st) ? mysql_stmt_errno(st) : CR_UNKNOWN_ERROR;
		mysql_stmt_free_result(st);
		if (!err)
			return 0;
	}
	duplicate = err == ER_DUP_ENTRY;
	last_error = err;
	if (connection_error(err)) {
		unavailable = true;
		return -2;
	}
	log_error("statement failed (%u): %s", err, mysql_stmt_error(st));
	return -1;
}

static int execute(unsigned long long *affected, unsigned long long *insert_id, struct db_result *res,
		   const char *sql, const char *fmt, va_list ap)
{
	struct args a;
	unavailable = duplicate = false;
	last_error = 0;
	if (res)
		memset(res, 0, sizeof *res);
	if (bind_args(&a, fmt, ap) < 0)
		return -1;
	int rc = run(affected, insert_id, res, sql, &a);
	if (rc == -2 && !in_transaction) {
		/* A stale connection (server restarted) gets one fresh try. */
		db_close();
		if (res) {
			db_result_free(res);
			memset(res, 0, sizeof *res);
		}
		unavailable = false;
		rc = run(affected, insert_id, res, sql, &a);
	}
	if (rc == -2)
		db_close();
	if (rc < 0 && res)
		db_result_free(res);
	return rc < 0 ? -1 : 0;
}

int db_exec(unsigned long long *affected, const char *sql, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = execute(affected, NULL, NULL, sql, fmt, ap);
	va_end(ap);
	return rc;
}

int db_exec_id(unsigned long long *insert_id, const char *sql, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = execute(NULL, insert_id, NULL, sql, fmt, ap);
	va_end(ap);
	return rc;
}

int db_query(struct db_result *res, const char *sql, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = execute(NULL, NULL, res, sql, fmt, ap);
	va_end(ap);
	return rc;
}

void db_result_free(struct db_result *res)
{
	if (!res)
		return;
	for (size_t i = 0; res->cells && i < (size_t)res->nrows * res->ncols; i++)
		free(res->cells[i]);
	free(res->cells);
	free(res->lens);
	memset(res, 0, sizeof *res);
}

static int simple(const char *what)
{
	unavailable = false;
	if (db_connect() < 0)
		return -1;
	if (mysql_query(conn, what)) {
		unsigned err = mysql_errno(conn);
		unavailable = connection_error(err);
		log_error("%s failed (%u): %s", what, err, mysql_error(conn));
		if (unavailable)
			db_close();
		return -1;
	}
	return 0;
}

int db_begin(void)
{
	if (simple("START TRANSACTION") < 0) {
		/* The connection may have gone stale while idle: one fresh try. */
		if (!unavailable || simple("START TRANSACTION") < 0)
			return -1;
	}
	in_transaction = true;
	return 0;
}

static int (*commit_hook)(void);

void db_before_commit(int (*hook)(void))
{
	commit_hook = hook;
}

int db_commit(void)
{
	/* The hook (lib/audit.c) writes inside the transaction, so its rows commit with it. */
	if (commit_hook && commit_hook() < 0) {
		db_rollback();
		return -1;
	}
	in_transaction = false;
	return simple("COMMIT");
}

void db_rollback(void)
{
	in_transaction = false;
	if (conn && mysql_query(conn, "ROLLBACK"))
		db_close();
}

int db_finish(int rc)
{
	if (rc == 0)
		rc = db_commit();
	if (rc != 0)
		db_rollback();
	return rc;
}

bool db_unavailable(void)
{
	return unavailable;
}

bool db_duplicate(void)
{
	return duplicate;
}

bool db_deadlock(void)
{
	return last_error == ER_LOCK_DEADLOCK || last_error == ER_LOCK_WAIT_TIMEOUT;
}

bool db_routine_refused(void)
{
	return last_error == ER_SP_DOES_NOT_EXIST || last_error == ER_PROCACCESS_DENIED_ERROR;
}

int db_run_script(const char *sql, char *err, size_t errlen)
{
	if (db_connect() < 0) {
		snprintf(err, errlen, "cannot connect to the database");
		return -1;
	}
	mysql_set_server_option(conn, MYSQL_OPTION_MULTI_STATEMENTS_ON);
	int rc = 0;
	if (mysql_query(conn, sql)) {
		snprintf(err, errlen, "%s", mysql_error(conn));
		rc = -1;
	}
	/* Drain every result of the multi-statement script, stopping at the first error. */
	while (rc == 0) {
		MYSQL_RES *r = mysql_store_result(conn);
		if (r)
			mysql_free_result(r);
		int next = mysql_next_result(conn);
		if (next > 0) {
			snprintf(err, errlen, "%s", mysql_error(conn));
			rc = -1;
		}
		if (next != 0)
			break;
	}
	mysql_set_server_option(conn, MYSQL_OPTION_MULTI_STATEMENTS_OFF);
	return rc;
}

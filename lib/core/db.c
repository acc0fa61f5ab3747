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
#include <time.h>

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
	       err == ER_SERVER_SHUTDOWN || err == CR_SERVER_LOST_EXTENDED ||
	       /* A Galera node out of the primary component (or still joining) refuses queries:
		* as good as away; the next connection goes to another node. */
	       err == ER_UNKNOWN_COM_ERROR;
}

/* ---- the Galera nodes (db_hosts) ----
 * Each web node lists the cluster's nodes, its own first. A connection goes to the first node
 * that accepts it and is ready (in the primary component); a node that failed is skipped for
 * HOST_RETRY_SECONDS; a connection to any node but the first is closed between transactions
 * after RETURN_SECONDS, so a recovered preferred node gets its web node back. */
#define MAX_HOSTS 8
#define HOST_RETRY_SECONDS 5
#define RETURN_SECONDS 10

static struct db_host { char name[128]; unsigned port; time_t failed_at; } hosts[MAX_HOSTS];
static int nhosts = -1; /* -1: db_hosts not parsed yet */
static int current_host = -1;
static time_t connected_at;

static void parse_hosts(void)
{
	nhosts = 0;
	const char *p = cfg.db_hosts ? cfg.db_hosts : "";
	while (*p && nhosts < MAX_HOSTS) {
		size_t len = strcspn(p, ",");
		char item[160];
		snprintf(item, sizeof item, "%.*s", (int)(len < sizeof item ? len : sizeof item - 1), p);
		char *colon = strrchr(item, ':');
		struct db_host *h = &hosts[nhosts];
		if (colon)
			*colon = '\0';
		snprintf(h->name, sizeof h->name, "%s", item[0] == ' ' ? item + 1 : item);
		h->port = colon ? (unsigned)strtoul(colon + 1, NULL, 10) : (unsigned)cfg.db_port;
		h->failed_at = 0;
		if (h->name[0])
			nhosts++;
		p += len + (p[len] == ',');
	}
}

static bool use_hosts(void)
{
	if (nhosts < 0)
		parse_hosts();
	return nhosts > 0;
}

static void host_failed(void)
{
	if (current_host >= 0 && current_host < nhosts)
		hosts[current_host].failed_at = time(NULL);
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

/* One connection attempt to host (NULL: the socket or db_host), port. */
static MYSQL *open_connection(const char *host, unsigned port, const char *socket)
{
	MYSQL *c = mysql_init(NULL);
	if (!c)
		return NULL;
	unsigned timeout = 2;
	mysql_optionsv(c, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_optionsv(c, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if (!mysql_real_connect(c, host, cfg.db_user, cfg.db_password, cfg.db_name, port, socket, 0)) {
		log_error("database connect failed: %s", mysql_error(c));
		mysql_close(c);
		return NULL;
	}
	/* UTC everywhere: DATETIME columns are compared with UTC_TIMESTAMP() semantics. */
	mysql_query(c, "SET time_zone = '+00:00'");
	return c;
}

/* A Galera node that is joining or has lost the primary component accepts connections but
 * refuses queries (ER_UNKNOWN_COM_ERROR): such a node is not ready. */
static bool node_ready(MYSQL *c)
{
	if (mysql_query(c, "SELECT 1"))
		return false;
	MYSQL_RES *r = mysql_store_result(c);
	if (r)
		mysql_free_result(r);
	return true;
}

/* The first ready node, in order of preference: those that did not fail lately, then any. */
static MYSQL *connect_cluster(void)
{
	time_t now = time(NULL);
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < nhosts; i++) {
			bool resting = now - hosts[i].failed_at < HOST_RETRY_SECONDS;
			if (resting != (pass == 1))
				continue;
			MYSQL *c = open_connection(hosts[i].name, hosts[i].port, NULL);
			if (c && node_ready(c)) {
				current_host = i;
				connected_at = now;
				hosts[i].failed_at = 0;
				return c;
			}
			if (c) {
				log_error("database node %s:%u is not ready (not in the primary component)", hosts[i].name,
					  hosts[i].port);
				mysql_close(c);
			}
			hosts[i].failed_at = now;
		}
	return NULL;
}

/* Between transactions, a connection to a fallback node is dropped after a while so the
 * next one tries the preferred node again. */
static void return_to_preferred(void)
{
	if (conn && !in_transaction && current_host > 0 && time(NULL) - connected_at >= RETURN_SECONDS)
		db_close();
}

static int db_connect(void)
{
	if (use_hosts())
		return_to_preferred();
	if (conn)
		return 0;
	if (use_hosts()) {
		conn = connect_cluster();
	} else {
		const char *socket = cfg.db_socket && *cfg.db_socket ? cfg.db_socket : NULL;
		conn = open_connection(socket ? NULL : cfg.db_host, (unsigned)cfg.db_port, socket);
	}
	if (!conn) {
		unavailable = true;
		return -1;
	}
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
		if (unavailable)
			host_failed();
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
		host_failed();
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

long long db_purge(const char *sql, long long seconds)
{
	long long total = 0;
	unsigned long long n;
	do {
		if (db_exec(&n, sql, "i", seconds) < 0)
			return -1;
		total += (long long)n;
	} while (n == DB_PURGE_BATCH);
	return total;
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
	last_error = 0;
	if (db_connect() < 0)
		return -1;
	if (mysql_query(conn, what)) {
		unsigned err = mysql_errno(conn);
		/* Kept for db_deadlock: a Galera certification conflict fails the COMMIT itself. */
		last_error = err;
		unavailable = connection_error(err);
		log_error("%s failed (%u): %s", what, err, mysql_error(conn));
		if (unavailable) {
			host_failed();
			db_close();
		}
		return -1;
	}
	return 0;
}

int db_ping(void)
{
	if (simple("DO 1") < 0) {
		/* A connection gone stale while idle: one fresh try (on the next node if it is away). */
		if (!unavailable || simple("DO 1") < 0)
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

int db_transaction(int (*steps)(void *ctx), void *ctx)
{
	int rc = -1;
	for (int tries = 0; tries < DB_TRIES; tries++) {
		if (db_begin() < 0)
			return -1;
		rc = db_finish(steps(ctx));
		if (!(rc == -1 && db_deadlock()))
			break;
		log_info("transaction lost a deadlock or a certification conflict: running it again (%d of %d)",
			 tries + 2, DB_TRIES);
	}
	return rc;
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

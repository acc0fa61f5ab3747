/* SPDX-License-Identifier: BSD-2-Clause */
/* tessera-ceiling: the machine's ceilings for bench/run, through the same pipeline as Tessera's
 * programs (lib/app.c: request parsing, routing, one log line; lib/db.c: one connection per
 * process, cached prepared statements). Built by `make bench/tessera-ceiling`, never installed.
 *
 *   GET  /bench/noop    a constant answer, no database work
 *   GET  /bench/select  one primary-key SELECT on a small table (bench_select, 1,000 rows)
 *   POST /bench/insert  one durable autocommit INSERT (a random UUID key, like a Login row)
 *
 * The tables live in their own database (tessera_bench, bench/ceiling.sql); bench/run points
 * TESSERA_DB_NAME at it. */
#include "http/app.h"
#include "core/crypto.h"
#include "core/db.h"
#include "http/response.h"

#include <stdio.h>
#include <stdlib.h>

static int noop(struct request *req)
{
	send_json(req, 200, json_pack("{s:s}", "status", "ok"), NULL);
	return 0;
}

static int select_one(struct request *req)
{
	struct db_result r;
	long long id = 1 + random() % 1000;
	if (db_query(&r, "SELECT id, name, value FROM bench_select WHERE id = ?", "i", id) < 0)
		return -1;
	if (r.nrows != 1) {
		db_result_free(&r);
		send_not_found(req);
		return 0;
	}
	send_json(req, 200, json_pack("{s:s, s:s}", "name", db_cell(&r, 0, 1), "value", db_cell(&r, 0, 2)), NULL);
	db_result_free(&r);
	return 0;
}

static int insert_one(struct request *req)
{
	char id[UUID_LEN + 1];
	if (crypto_uuid_v4(id) < 0)
		return -1;
	if (db_exec(NULL, "INSERT INTO bench_insert (id, user_agent, remote_address) VALUES (?, ?, ?)", "sss", id,
		    req->user_agent, req->remote_addr) < 0)
		return -1;
	send_json(req, 200, json_pack("{s:s}", "id", id), NULL);
	return 0;
}

static const struct route routes[] = {
	{ "GET", "/bench/noop", noop, NULL, 0 },
	{ "GET", "/bench/select", select_one, NULL, 0 },
	{ "POST", "/bench/insert", insert_one, NULL, 0 },
	{ 0 },
};

int main(void)
{
	return app_run("tessera-ceiling", routes, NULL);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* grantcount: batched per-minute client_credentials counts (see grantcount.h). */
#include "domain/grantcount.h"
#include "core/config.h"
#include "core/db.h"
#include "core/log.h"
#include "core/text.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Distinct (client, minute) pairs of one batch; a batch that fills up is written at once. */
enum { SLOTS = 32 };
static struct slot {
	char client_id[37];
	char project_id[37];
	long long minute;          /* Unix time / 60 */
	unsigned grants;
	char remote_addr[64];
	char user_agent[513];
} slots[SLOTS];
static int used;
static long long since_ms;     /* when the batch's first grant was added */

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void grantcount_add(const char *client_id, const char *project_id, const char *remote_addr, const char *user_agent)
{
	long long minute = (long long)time(NULL) / 60;
	struct slot *s = NULL;
	for (int i = 0; i < used && !s; i++)
		if (slots[i].minute == minute && !strcmp(slots[i].client_id, client_id))
			s = &slots[i];
	if (!s) {
		if (used == SLOTS && grantcount_flush(true) < 0) {
			log_error("client_credentials counts: a full batch could not be written; %u grants dropped", slots[0].grants);
			memmove(slots, slots + 1, sizeof slots[0] * (SLOTS - 1));
			used--;
		}
		if (!used)
			since_ms = now_ms();
		s = &slots[used++];
		memset(s, 0, sizeof *s);
		text_copy(s->client_id, sizeof s->client_id, client_id);
		text_copy(s->project_id, sizeof s->project_id, project_id);
		s->minute = minute;
	}
	s->grants++;
	text_copy(s->remote_addr, sizeof s->remote_addr, remote_addr ? remote_addr : "");
	text_copy(s->user_agent, sizeof s->user_agent, user_agent ? user_agent : "");
}

long grantcount_due_ms(void)
{
	if (!used)
		return -1;
	long long due = since_ms + GRANTCOUNT_BATCH_MS - now_ms();
	return due > 0 ? (long)due : 0;
}

/* Each web node adds to rows of its own (node_name, else the host name): on a Galera cluster
 * two nodes adding to one row would fail each other's certification at every flush. */
static const char *node(void)
{
	static char name[65];
	if (!name[0]) {
		if (cfg.node_name && *cfg.node_name)
			text_copy(name, sizeof name, cfg.node_name);
		else if (gethostname(name, sizeof name - 1) < 0)
			name[0] = '\0';
	}
	return name;
}

/* The batch's rows; run again whole by db_transaction when it loses a deadlock (two processes
 * of one node add to the same rows: ON DUPLICATE KEY takes next-key locks). */
static int write_batch(void *unused)
{
	(void)unused;
	for (int i = 0; i < used; i++)
		if (db_exec(NULL,
			    "INSERT INTO client_grant_minute (client_id, minute, node, project_id, grants, remote_address, "
			    "user_agent) VALUES (?, FROM_UNIXTIME(?), ?, ?, ?, NULLIF(?, ''), NULLIF(?, '')) ON DUPLICATE KEY UPDATE "
			    "grants = grants + VALUES(grants), remote_address = VALUES(remote_address), "
			    "user_agent = VALUES(user_agent), updated_at = UTC_TIMESTAMP(3)",
			    "sississ", slots[i].client_id, slots[i].minute * 60, node(), slots[i].project_id,
			    (long long)slots[i].grants, slots[i].remote_addr, slots[i].user_agent) < 0)
			return -1;
	return 0;
}

int grantcount_flush(bool force)
{
	if (!used || (!force && grantcount_due_ms() > 0))
		return 0;
	/* One transaction for the whole batch (one redo-log flush); ON DUPLICATE KEY adds up. */
	if (db_transaction(write_batch, NULL) != 0) {
		/* Kept, and due again in a second: a process that gets no request still writes it. */
		since_ms = now_ms() - GRANTCOUNT_BATCH_MS + GRANTCOUNT_RETRY_MS;
		return -1;
	}
	used = 0;
	return 0;
}

long long grantcount_purge(long long seconds)
{
	return db_purge("DELETE FROM client_grant_minute WHERE minute < UTC_TIMESTAMP() - INTERVAL ? SECOND "
			"LIMIT " DB_PURGE_BATCH_TEXT,
			seconds);
}

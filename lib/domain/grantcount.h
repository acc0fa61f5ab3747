/* SPDX-License-Identifier: BSD-2-Clause */
/* grantcount: client_credentials grants counted per client and minute, for the audit API.
 * A self-contained token writes no row when it is issued, so each process adds its grants up
 * in memory and writes them in batches: one multi-row upsert into client_grant_minute once a
 * batch is GRANTCOUNT_BATCH_MS old, after the response that completed it, or while the
 * process waits for its next request (lib/http/app.c's idle step), and when it stops. */
#ifndef TESSERA_GRANTCOUNT_H
#define TESSERA_GRANTCOUNT_H
#include <stdbool.h>

#define GRANTCOUNT_BATCH_MS 1000
/* After a failed write (the database away), the batch is tried again this much later. */
#define GRANTCOUNT_RETRY_MS 1000

/* One grant of a client of a project, from an address and user agent (the batch keeps the
 * latest of each minute). */
void grantcount_add(const char *client_id, const char *project_id, const char *remote_addr, const char *user_agent);
/* Milliseconds until the pending batch is due (0: now), -1 when nothing is pending. */
long grantcount_due_ms(void);
/* Writes the pending batch (when due, or always with force). 0, -1 database error (the counts
 * stay pending and are tried again). */
int grantcount_flush(bool force);

/* tessera-admin purge: deletes the per-minute counts older than seconds (they are audit
 * records, kept as long as audit events). The number deleted, or -1. */
long long grantcount_purge(long long seconds);

#endif

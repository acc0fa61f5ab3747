/* SPDX-License-Identifier: BSD-2-Clause */
/* admin-purge: tessera-admin purge [--days N] [--audit-days A]: deletes what has outlived its
 * use, one kind of row after the other, each in batches (db_purge) so a large purge never holds
 * long locks on a busy table. A line per kind as it finishes (how many, how long), then one
 * summary line. Every table whose rows expire is here (docs/OPERATIONS.md "Purging"). */
#include "admin.h"
#include "core/config.h"
#include "core/db.h"
#include "domain/dcr.h"
#include "domain/extauth.h"
#include "domain/login.h"
#include "oauth/keys.h"
#include "setup.h"

#include <stdio.h>
#include <stdlib.h>

/* A kind of row: its label in the progress line and the summary, and how it goes: an owner
 * module's purge (run), or a statement of its own with its age (sql, seconds). */
struct purge_kind {
	const char *label;
	long long (*run)(long long seconds);
	const char *sql;
	long long seconds;
};

static long long trips(long long seconds)
{
	(void)seconds;
	return extauth_purge();
}

/* A --name N option in days (0..36500): 0 and *days set, or 2 (the message printed). */
static int days_option(int argc, char **argv, const char *name, long *days)
{
	const char *d = option(argc, argv, name);
	char *end = NULL;
	if (d)
		*days = strtol(d, &end, 10);
	if ((d && (*end || end == d)) || *days < 0 || *days > 36500) {
		fprintf(stderr, "tessera-admin: %s takes a number of days (0 to 36500)\n", name);
		return 2;
	}
	return 0;
}

int cmd_purge(int argc, char **argv)
{
	static const char *const known[] = { "--days", "--audit-days", NULL };
	if (!options_ok(argc, argv, 2, known))
		return 2;
	long days = 30, audit_days = 365;
	if (days_option(argc, argv, "--days", &days) || days_option(argc, argv, "--audit-days", &audit_days))
		return 2;
	long long keep = days * 86400LL, audit_keep = audit_days * 86400LL;
	const struct purge_kind kinds[] = {
		{ "logins", login_purge_idle, NULL, keep + cfg.refresh_token_lifetime },
		{ "security requests", NULL,
		  "DELETE FROM security_request WHERE (used OR expires_at < UTC_TIMESTAMP(3)) "
		  "AND created_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND LIMIT " DB_PURGE_BATCH_TEXT,
		  keep },
		{ "sent emails", NULL,
		  "DELETE FROM email_outbox WHERE status = 'sent' "
		  "AND sent_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND LIMIT " DB_PURGE_BATCH_TEXT,
		  keep },
		/* A revocation is needed only while its token could still be presented. */
		{ "expired token revocations", NULL,
		  "DELETE FROM token_revocation WHERE expires_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND "
		  "LIMIT " DB_PURGE_BATCH_TEXT,
		  60 },
		/* A used jti is needed only until its assertion expires (lib/domain/assertions.c). */
		{ "used assertion ids", NULL,
		  "DELETE FROM assertion_jti WHERE expires_at < UTC_TIMESTAMP() - INTERVAL ? SECOND "
		  "LIMIT " DB_PURGE_BATCH_TEXT,
		  60 },
		{ "external sign-in trips", trips, NULL, EXTAUTH_KEEP_SECONDS },
		{ "registration tokens", dcr_purge_tokens, NULL, keep },
		{ "expired signing keys", keys_purge_expired, NULL, keep },
		/* A row that marks an address known to an account (signed_in) stays 30 days (lib/ratelimit.c). */
		{ "password delays", NULL,
		  "DELETE FROM login_throttle WHERE last_failure < UNIX_TIMESTAMP() - ? "
		  "AND (signed_in IS NULL OR signed_in < UNIX_TIMESTAMP() - 2592000) LIMIT " DB_PURGE_BATCH_TEXT,
		  86400 },
		{ "audit events", NULL,
		  "DELETE FROM audit_event WHERE recorded < UTC_TIMESTAMP(3) - INTERVAL ? SECOND LIMIT " DB_PURGE_BATCH_TEXT,
		  audit_keep },
		/* The per-minute client_credentials counts are audit events too (lib/domain/grantcount.c). */
		{ "client credentials counts", NULL,
		  "DELETE FROM client_grant_minute WHERE minute < UTC_TIMESTAMP() - INTERVAL ? SECOND "
		  "LIMIT " DB_PURGE_BATCH_TEXT,
		  audit_keep },
	};
	enum { NKINDS = sizeof kinds / sizeof kinds[0] };
	long long counts[NKINDS];
	double start = setup_now();
	for (int i = 0; i < NKINDS; i++) {
		double t0 = setup_now();
		counts[i] = kinds[i].run ? kinds[i].run(kinds[i].seconds) : db_purge(kinds[i].sql, kinds[i].seconds);
		if (counts[i] < 0) {
			fprintf(stderr, "tessera-admin: purge stopped at %s; what is listed above is done, run it again\n",
				kinds[i].label);
			return 1;
		}
		printf("[%d/%d] %s: %lld (%.1f s)\n", i + 1, NKINDS, kinds[i].label, counts[i], setup_now() - t0);
		fflush(stdout);
	}
	printf("purged:");
	for (int i = 0; i < NKINDS; i++)
		printf("%s %lld %s", i ? "," : "", counts[i], kinds[i].label);
	printf(" (%.1f s)\n", setup_now() - start);
	return 0;
}

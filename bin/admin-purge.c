/* SPDX-License-Identifier: BSD-2-Clause */
/* admin-purge: tessera-admin purge [--days N] [--audit-days A]: deletes what has outlived its
 * use, one kind of row after the other, each in batches (db_purge) so a large purge never holds
 * long locks on a busy table, each by the module that owns its table. A line per kind as it finishes (how many, how long), then one
 * summary line. Every table whose rows expire is here (docs/OPERATIONS.md "Purging"). */
#include "admin.h"
#include "core/config.h"
#include "domain/assertions.h"
#include "domain/audit.h"
#include "domain/dcr.h"
#include "domain/extauth.h"
#include "domain/grantcount.h"
#include "domain/login.h"
#include "domain/ratelimit.h"
#include "domain/secreq.h"
#include "mail/mail.h"
#include "oauth/keys.h"
#include "setup.h"

#include <stdio.h>
#include <stdlib.h>

/* A kind of row: its label in the progress line and the summary, its owner module's purge and
 * the age it is given. */
struct purge_kind {
	const char *label;
	long long (*run)(long long seconds);
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
		{ "logins", login_purge_idle, keep + cfg.refresh_token_lifetime },
		{ "security requests", secreq_purge, keep },
		{ "sent emails", mail_purge_sent, keep },
		/* A revocation is needed only while its token could still be presented. */
		{ "expired token revocations", login_purge_revocations, 60 },
		/* A used jti is needed only until its assertion expires. */
		{ "used assertion ids", assertions_purge, 60 },
		{ "external sign-in trips", trips, EXTAUTH_KEEP_SECONDS },
		{ "registration tokens", dcr_purge_tokens, keep },
		{ "expired signing keys", keys_purge_expired, keep },
		{ "password delays", ratelimit_purge_delays, 86400 },
		{ "audit events", audit_purge_older, audit_keep },
		/* The per-minute client_credentials counts are audit records too. */
		{ "client credentials counts", grantcount_purge, audit_keep },
	};
	enum { NKINDS = sizeof kinds / sizeof kinds[0] };
	long long counts[NKINDS];
	double start = setup_now();
	for (int i = 0; i < NKINDS; i++) {
		double t0 = setup_now();
		counts[i] = kinds[i].run(kinds[i].seconds);
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

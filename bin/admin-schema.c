/* SPDX-License-Identifier: BSD-2-Clause */
/* admin-schema: the schema and the signing key, for setup (steps 4 and 5) and upgrade. */
#include "admin.h"
#include "setup.h"
#include "core/config.h"
#include "core/db.h"
#include "oauth/keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The migrations as the migration account: 0, or 1 when they failed (`then` says what to run
 * after the fix). */
static int run_migrations(const char *then)
{
	char err[512];
	if (use_migration_account(err, sizeof err) < 0)
		return setup_fail("%s", err);
	char *args[] = { "tessera-admin", "migrate", NULL };
	int rc = cmd_migrate(2, args);
	db_close();
	if (rc)
		return setup_fail("the migrations failed (above): fix the cause, then run %s", then);
	return 0;
}

/* A signing key when none signs: *n the active keys there were, kid the one created. 0, or 1
 * (`account` says whose password to check when the keys cannot be read). */
static int ensure_signing_key(long *n, char kid[37], const char *account)
{
	long long signing = keys_count(true);
	if (signing < 0)
		return account ? setup_fail("cannot read the signing keys as %s: is the password in tessera.conf the account's?",
					    account)
			       : setup_fail("cannot read the signing keys");
	*n = (long)signing;
	if (*n == 0 && keys_create(cfg.signing_alg, kid) < 0)
		return setup_fail("could not create a signing key");
	return 0;
}

int reload_config(void)
{
	char err[512];
	db_close();
	if (config_load(err, sizeof err) < 0)
		return setup_fail("configuration: %s", err);
	return 0;
}

int step_migrations(struct setup *s, const char *title)
{
	setup_step(s, "%s", title);
	if (reload_config() || run_migrations("tessera-admin setup again"))
		return 1;
	setup_done(s, "schema current");
	return 0;
}

int step_signing_key(struct setup *s)
{
	setup_step(s, "signing key");
	if (reload_config())
		return 1;
	long n;
	char kid[37];
	if (ensure_signing_key(&n, kid, cfg.db_user))
		return 1;
	if (n == 0)
		setup_done(s, "created %s (%s, wrapped with key_encryption_key)", kid, cfg.signing_alg);
	else
		setup_done(s, "%ld signing key%s already (rotate with tessera-admin keys rotate)", n, n == 1 ? "" : "s");
	return 0;
}

/* tessera-admin upgrade [--if-reachable]: the new migrations of an upgrade, and a signing key
 * if none signs. --if-reachable (the package's postinst): an installation not set up yet, or a
 * database that cannot be reached, is a note and exit 0, not a failure. */
int cmd_upgrade(int argc, char **argv)
{
	bool lenient = argc == 3 && !strcmp(argv[2], "--if-reachable");
	if (argc > 3 || (argc == 3 && !lenient)) {
		fprintf(stderr, "usage: tessera-admin upgrade [--if-reachable]\n");
		return 2;
	}
	char err[512];
	double t0 = setup_now();
	if (config_load(err, sizeof err) < 0)
		return setup_fail("configuration: %s", err);
	if (!*cfg.hash_key) {
		printf("tessera-admin upgrade: not set up yet (no hash_key): run tessera-admin setup\n");
		return lenient ? 0 : 1;
	}
	struct db_result r;
	if (db_query(&r, "SELECT 1", "") < 0) {
		if (lenient) {
			printf("tessera-admin upgrade: the database cannot be reached; run tessera-admin upgrade once it "
			       "can\n");
			return 0;
		}
		return setup_fail("the database cannot be reached: start MariaDB (systemctl start mariadb), then run "
			    "tessera-admin upgrade");
	}
	db_result_free(&r);
	db_close();
	printf("tessera-admin upgrade: migrations as the migration account\n");
	long n;
	char kid[37];
	if (run_migrations("tessera-admin upgrade") || reload_config() || ensure_signing_key(&n, kid, NULL))
		return 1;
	db_close();
	printf("upgrade complete in %.1f s: schema current, %s\n", setup_now() - t0,
	       n ? "signing key in place" : "signing key created");
	return 0;
}

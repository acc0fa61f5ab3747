/* SPDX-License-Identifier: BSD-2-Clause */
/* admin-migrate: the schema's migrations (sql/NNN_*.sql, applied once each, recorded in
 * schema_migration) and the account that runs them. */
#include "admin.h"
#include "core/config.h"
#include "core/db.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	rewind(f);
	char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = '\0';
	fclose(f);
	return buf;
}

static void default_sql_dir(char *out, size_t len)
{
	const char *env = getenv("TESSERA_SQL_DIR");
	if (env) {
		snprintf(out, len, "%s", env);
		return;
	}
	/* Run from a build tree: ../sql next to bin/; installed: PKGDATADIR/sql. */
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	char *slash = n > 0 ? (exe[n] = '\0', strrchr(exe, '/')) : NULL;
	if (slash) {
		*slash = '\0';
		char probe[PATH_MAX + 32];
		snprintf(probe, sizeof probe, "%s/../sql/001_init.sql", exe);
		if (access(probe, R_OK) == 0) {
			snprintf(out, len, "%s/../sql", exe);
			return;
		}
	}
	snprintf(out, len, "%s/sql", PKGDATADIR);
}

static int migrations_table(void)
{
	char err[512];
	if (db_run_script("CREATE TABLE IF NOT EXISTS schema_migration (version INT NOT NULL PRIMARY KEY, "
			  "name VARCHAR(255) NOT NULL, applied_at DATETIME(3) NOT NULL DEFAULT UTC_TIMESTAMP(3)) "
			  "ENGINE=InnoDB",
			  err, sizeof err) < 0) {
		fprintf(stderr, "tessera-admin: %s\n", err);
		return -1;
	}
	return 0;
}

static int applied(int version)
{
	struct db_result r;
	if (db_query(&r, "SELECT 1 FROM schema_migration WHERE version = ?", "i", (long long)version) < 0)
		return -1;
	int found = r.nrows > 0;
	db_result_free(&r);
	return found;
}

static int apply(const char *dir, const char *name, int version)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	char *sql = read_file(path);
	if (!sql) {
		fprintf(stderr, "tessera-admin: %s: %s\n", path, strerror(errno));
		return -1;
	}
	char err[1024];
	int rc = db_run_script(sql, err, sizeof err);
	free(sql);
	if (rc < 0) {
		fprintf(stderr, "tessera-admin: migration %s failed: %s\n", name, err);
		return -1;
	}
	if (db_exec(NULL, "INSERT INTO schema_migration (version, name) VALUES (?, ?)", "is", (long long)version,
		    name) < 0)
		return -1;
	printf("applied %s\n", name);
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int only_migrations(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	return n > 8 && d->d_name[0] >= '0' && d->d_name[0] <= '9' && !strcmp(d->d_name + n - 4, ".sql");
}

int cmd_migrate(int argc, char **argv)
{
	static const char *const known[] = { "--sql-dir", NULL };
	if (!options_ok(argc, argv, 2, known))
		return 2;
	char dir[PATH_MAX];
	const char *given = option(argc, argv, "--sql-dir");
	if (given)
		snprintf(dir, sizeof dir, "%s", given);
	else
		default_sql_dir(dir, sizeof dir);
	struct dirent **list;
	int n = scandir(dir, &list, only_migrations, by_name);
	if (n < 0) {
		fprintf(stderr, "tessera-admin: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	int rc = migrations_table();
	int count = 0;
	for (int i = 0; i < n; i++) {
		int version = atoi(list[i]->d_name);
		int done = rc == 0 ? applied(version) : -1;
		if (done < 0 || (!done && apply(dir, list[i]->d_name, version) < 0))
			rc = -1;
		else if (!done)
			count++;
		free(list[i]);
	}
	free(list);
	if (rc == 0)
		printf("migrations current (%d applied now)\n", count);
	return rc == 0 ? 0 : 1;
}

int admin_pending_migrations(void)
{
	char dir[PATH_MAX];
	default_sql_dir(dir, sizeof dir);
	struct dirent **list;
	int n = scandir(dir, &list, only_migrations, by_name);
	if (n < 0)
		return -1;
	int pending = 0;
	for (int i = 0; i < n; i++) {
		if (applied(atoi(list[i]->d_name)) != 1)
			pending++;
		free(list[i]);
	}
	free(list);
	return pending;
}

/* DDL needs the migration account, kept in the root-only admin file (admin_config) that the
 * web programs never read; everything else uses the web programs' account. Without that file
 * (a single-account installation) migrations run as db_user. */
int use_migration_account(char *err, size_t len)
{
	int rc = config_load_admin(err, len);
	if (rc < 0)
		return -1;
	if (rc == 1 || !*cfg.db_admin_user) {
		fprintf(stderr, "tessera-admin: no migration account in the admin file: migrating as db_user\n");
		return 0;
	}
	if (config_set("db_user", cfg.db_admin_user, err, len) < 0)
		return -1;
	return config_set("db_password", cfg.db_admin_password, err, len) < 0 ? -1 : 0;
}

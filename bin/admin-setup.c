/* SPDX-License-Identifier: BSD-2-Clause */
/* admin-setup: `tessera-admin setup` (a machine with a MariaDB server to a signed-in admin) and
 * `tessera-admin upgrade` (new migrations after a package upgrade).
 *
 * setup, as root, in steps that each say what they did:
 *   1. configuration: base_url and the database settings (flags, else what tessera.conf says,
 *      else a question when stdin is a terminal and --non-interactive is not given)
 *   2. MariaDB (as its root, by default over the unix socket): the database, the web
 *      programs' account (SELECT, INSERT, UPDATE, DELETE, EXECUTE only) and the migration
 *      account (ALL on the database); passwords generated once, then kept
 *   3. files: tessera.conf (root:tessera 0640: the web programs read it) gets the web account,
 *      hash_key and key_encryption_key; the migration account goes to the admin file
 *      (tessera-admin.conf, root 0600), which only tessera-admin reads
 *   4. migrations, as the migration account
 *   5. a signing key, when none signs
 *   6. the first super admin, when there is none (its password printed once)
 *   7. with --web apache|lighttpd: the web server's snippet and modules, the systemd units
 * Every step is idempotent: a second run changes nothing and says so. The files, the schema and
 * the web server are in modules of their own (setup.h). */
#include "admin.h"
#include "setup.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/db.h"
#include "core/password.h"
#include "domain/people.h"
#include "oauth/keys.h"

#include <mysql.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PLACEHOLDER_BASE_URL "https://auth.example.com/"
#define MIGRATION_USER "tessera_migrate"

/* ------------------------------------------------------------ options and questions */

static bool valid_name(const char *s)
{
	if (!*s || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

static bool valid_host(const char *s)
{
	if (!*s || strlen(s) > 255)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(".-_%:", *s))
			return false;
	return true;
}

/* A line from the terminal, or the default when the answer is empty. */
static void ask(const char *question, const char *def, char *out, size_t len)
{
	printf("%s [%s]: ", question, def);
	fflush(stdout);
	char line[512];
	if (!fgets(line, sizeof line, stdin))
		line[0] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	char *p = line;
	while (isspace((unsigned char)*p))
		p++;
	snprintf(out, len, "%s", *p ? p : def);
}

static void default_base_url(char *out, size_t len)
{
	char host[256] = "localhost";
	gethostname(host, sizeof host - 1);
	host[sizeof host - 1] = '\0';
	snprintf(out, len, "https://%s/", host);
}

static int usage_setup(void)
{
	fprintf(stderr,
		"usage: tessera-admin setup [--non-interactive] [--base-url URL] [--admin-email E]\n"
		"         [--admin-password-file F | --admin-password P] [--reset-admin-password]\n"
		"         [--db-socket PATH | --db-host H [--db-port N]] [--db-name N] [--db-root-user U]\n"
		"         [--db-root-password-file F] [--db-account-host H] [--smtp-url URL] [--smtp-from FROM]\n"
		"         [--web apache|lighttpd|none]\n"
		"  Creates the database and its two accounts, the keys, the schema and the first super admin;\n"
		"  safe to run again. As root, on a machine with a MariaDB server (apt-get install mariadb-server).\n");
	return 2;
}

static int parse_setup(int argc, char **argv, struct setup *s)
{
	struct {
		const char *name;
		const char **value;
	} opts[] = {
		{ "--base-url", &s->base_url },
		{ "--admin-email", &s->admin_email },
		{ "--admin-password", &s->admin_password },
		{ "--admin-password-file", &s->admin_password_file },
		{ "--db-socket", &s->db_socket },
		{ "--db-host", &s->db_host },
		{ "--db-port", &s->db_port },
		{ "--db-name", &s->db_name },
		{ "--db-root-user", &s->db_root_user },
		{ "--db-root-password-file", &s->db_root_password_file },
		{ "--db-account-host", &s->account_host },
		{ "--smtp-url", &s->smtp_url },
		{ "--smtp-from", &s->smtp_from },
		{ "--web", &s->web },
	};
	s->interactive = isatty(0) && isatty(1);
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return usage_setup();
		if (!strcmp(argv[i], "--non-interactive")) {
			s->interactive = false;
			continue;
		}
		if (!strcmp(argv[i], "--reset-admin-password")) {
			s->reset_admin_password = true;
			continue;
		}
		bool known = false;
		for (size_t k = 0; k < sizeof opts / sizeof opts[0]; k++)
			if (!strcmp(argv[i], opts[k].name)) {
				if (i + 1 >= argc)
					return setup_fail("%s needs a value", argv[i]), usage_setup();
				*opts[k].value = argv[++i];
				known = true;
			}
		if (!known)
			return setup_fail("unexpected argument '%s'", argv[i]), usage_setup();
	}
	if (s->web && strcmp(s->web, "apache") && strcmp(s->web, "lighttpd") && strcmp(s->web, "none"))
		return setup_fail("--web takes apache, lighttpd or none"), 2;
	if (s->db_socket && s->db_host)
		return setup_fail("give --db-socket or --db-host, not both"), 2;
	if (s->db_host && !valid_host(s->db_host))
		return setup_fail("--db-host: '%s' is not a host name", s->db_host), 2;
	if (s->db_name && !valid_name(s->db_name))
		return setup_fail("--db-name: letters, digits and _ only"), 2;
	if (s->db_root_user && !*s->db_root_user)
		return setup_fail("--db-root-user is empty"), 2;
	if (s->account_host && !valid_host(s->account_host))
		return setup_fail("--db-account-host: '%s' is not a host name or pattern", s->account_host), 2;
	if (s->db_port) {
		char *end;
		long p = strtol(s->db_port, &end, 10);
		if (*end || p < 1 || p > 65535)
			return setup_fail("--db-port takes a port number"), 2;
	}
	return 0;
}

/* A password from a file (first line) or the option; the file keeps it out of `ps`. */
static int read_secret_file(const char *path, char *out, size_t len)
{
	char *text = slurp(path);
	if (!text)
		return setup_fail("cannot read %s: %s", path, strerror(errno));
	text[strcspn(text, "\r\n")] = '\0';
	snprintf(out, len, "%s", text);
	memset(text, 0, strlen(text));
	free(text);
	return 0;
}

/* ------------------------------------------------------------ step 1: configuration */

static int step_configuration(struct setup *s)
{
	setup_step(s, "configuration: %s", s->conf_path);
	char *text = slurp(s->conf_path);
	if (!text)
		return setup_fail("cannot read %s: %s (reinstall the package, or copy conf/tessera.conf.example there)",
			    s->conf_path, strerror(errno));
	char current[512];
	file_value(text, "base_url", current, sizeof current);
	if (s->base_url)
		snprintf(s->base, sizeof s->base, "%s", s->base_url);
	else if (*current && strcmp(current, PLACEHOLDER_BASE_URL))
		snprintf(s->base, sizeof s->base, "%s", current);
	else if (s->interactive) {
		char def[300];
		default_base_url(def, sizeof def);
		ask("Public base URL of Tessera", def, s->base, sizeof s->base);
	} else {
		free(text);
		return setup_fail("no base URL: pass --base-url https://your.host/ (the address browsers and clients use)");
	}
	if (strncmp(s->base, "https://", 8) && strncmp(s->base, "http://", 7)) {
		free(text);
		return setup_fail("the base URL must start with https:// (or http://), not '%s'", s->base);
	}
	if (s->base[strlen(s->base) - 1] != '/' && strlen(s->base) + 1 < sizeof s->base)
		strcat(s->base, "/");
	file_value(text, "db_password", s->web_password, sizeof s->web_password);
	file_value(text, "hash_key", s->hash_key, sizeof s->hash_key);
	file_value(text, "key_encryption_key", s->kek, sizeof s->kek);
	/* An older tessera.conf may hold the migration account: it moves to the admin file. */
	char old_user[81], old_password[65];
	file_value(text, "db_admin_user", old_user, sizeof old_user);
	file_value(text, "db_admin_password", old_password, sizeof old_password);
	free(text);

	char *admin = slurp(s->admin_path);
	if (admin) {
		file_value(admin, "db_admin_user", s->migrate_user, sizeof s->migrate_user);
		file_value(admin, "db_admin_password", s->migrate_password, sizeof s->migrate_password);
		memset(admin, 0, strlen(admin));
		free(admin);
	} else if (errno != ENOENT) {
		return setup_fail("cannot read %s: %s (run as root)", s->admin_path, strerror(errno));
	}
	if (!*s->migrate_user && *old_user) {
		snprintf(s->migrate_user, sizeof s->migrate_user, "%s", old_user);
		snprintf(s->migrate_password, sizeof s->migrate_password, "%s", old_password);
	}
	if (!*s->migrate_user)
		snprintf(s->migrate_user, sizeof s->migrate_user, MIGRATION_USER);
	if (!valid_name(s->migrate_user))
		return setup_fail("db_admin_user '%s' in %s: letters, digits and _ only", s->migrate_user, s->admin_path);
	bool new_web = !*s->web_password || !strcmp(s->web_password, "change-me");
	bool new_migrate = !*s->migrate_password;
	if ((new_web && crypto_random_hex(s->web_password, 16) < 0) ||
	    (new_migrate && crypto_random_hex(s->migrate_password, 16) < 0))
		return setup_fail("no random numbers");
	bool new_hash = !*s->hash_key, new_kek = !*s->kek;
	if ((new_hash && crypto_random_hex(s->hash_key, 32) < 0) || (new_kek && crypto_random_hex(s->kek, 32) < 0))
		return setup_fail("no random numbers");
	setup_done(s, "base URL %s; passwords %s; hash_key %s, key_encryption_key %s", s->base,
	     new_web || new_migrate ? "generated" : "kept", new_hash ? "generated" : "kept", new_kek ? "generated" : "kept");
	return 0;
}

/* ------------------------------------------------------------ step 2: MariaDB */

static int root_query(MYSQL *m, const char *sql)
{
	if (mysql_query(m, sql) != 0)
		return setup_fail("MariaDB refused a statement (%s): %s", mysql_error(m),
			    "check that the root account may create databases and users");
	MYSQL_RES *r = mysql_store_result(m);
	if (r)
		mysql_free_result(r);
	return 0;
}

/* `'text'` with MariaDB's escapes, into out. */
static void quoted(MYSQL *m, const char *text, char *out, size_t len)
{
	char esc[2 * 256 + 1];
	size_t n = strlen(text);
	if (n > 255)
		n = 255;
	mysql_real_escape_string(m, esc, text, (unsigned long)n);
	snprintf(out, len, "'%s'", esc);
}

static int account(MYSQL *m, const char *user, const char *host, const char *password, const char *grants,
		   const char *db)
{
	char sql[1024], u[300], h[600], p[600];
	quoted(m, user, u, sizeof u);
	quoted(m, host, h, sizeof h);
	quoted(m, password, p, sizeof p);
	snprintf(sql, sizeof sql, "CREATE USER IF NOT EXISTS %s@%s IDENTIFIED BY %s", u, h, p);
	if (root_query(m, sql))
		return 1;
	snprintf(sql, sizeof sql, "ALTER USER %s@%s IDENTIFIED BY %s", u, h, p);
	if (root_query(m, sql))
		return 1;
	/* Exactly these rights: whatever an earlier hand set-up granted more goes. */
	snprintf(sql, sizeof sql, "REVOKE ALL PRIVILEGES, GRANT OPTION FROM %s@%s", u, h);
	if (root_query(m, sql))
		return 1;
	snprintf(sql, sizeof sql, "GRANT %s ON `%s`.* TO %s@%s", grants, db, u, h);
	return root_query(m, sql);
}

static int step_database(struct setup *s, const char *db_socket, const char *db_host, int db_port, const char *db_name)
{
	const char *root = s->db_root_user ? s->db_root_user : "root";
	setup_step(s, "MariaDB: database %s and its accounts (as %s, %s%s)", db_name, root, db_host ? "host " : "socket ",
	     db_host ? db_host : db_socket);
	char root_password[256] = "";
	if (s->db_root_password_file && read_secret_file(s->db_root_password_file, root_password, sizeof root_password))
		return 1;
	MYSQL *m = mysql_init(NULL);
	unsigned timeout = 5;
	mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if (!mysql_real_connect(m, db_host, root, *root_password ? root_password : NULL, NULL, (unsigned)db_port,
				db_host ? NULL : db_socket, 0)) {
		unsigned code = mysql_errno(m);
		setup_fail("cannot connect to MariaDB as %s at %s: %s", root, db_host ? db_host : db_socket, mysql_error(m));
		if (code == 1045 || code == 1698)
			fprintf(stderr, "  MariaDB's root signs in over the unix socket as the system's root: run this as "
					"root, or pass --db-root-user and --db-root-password-file\n");
		else
			fprintf(stderr, "  Is a MariaDB server installed and running? apt-get install mariadb-server; "
					"systemctl start mariadb; or pass --db-socket PATH / --db-host HOST\n");
		mysql_close(m);
		return 1;
	}
	memset(root_password, 0, sizeof root_password);
	const char *host = s->account_host ? s->account_host : "localhost";
	char sql[512];
	snprintf(sql, sizeof sql,
		 "CREATE DATABASE IF NOT EXISTS `%s` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci", db_name);
	char web_user[81];
	snprintf(web_user, sizeof web_user, "%s", cfg.db_user);
	int rc = root_query(m, sql) ||
		 account(m, web_user, host, s->web_password, "SELECT, INSERT, UPDATE, DELETE, EXECUTE", db_name) ||
		 account(m, s->migrate_user, host, s->migrate_password, "ALL PRIVILEGES", db_name);
	mysql_close(m);
	if (rc)
		return 1;
	setup_done(s, "database %s; %s@%s: SELECT, INSERT, UPDATE, DELETE, EXECUTE; %s@%s: ALL on %s", db_name, web_user,
	     host, s->migrate_user, host, db_name);
	return 0;
}

/* ------------------------------------------------------------ step 3: files */

static int step_files(struct setup *s, const char *db_socket, const char *db_host, int db_port, const char *db_name)
{
	setup_step(s, "files: %s (the web programs'), %s (root only)", s->conf_path, s->admin_path);
	char *text = slurp(s->conf_path);
	if (!text)
		return setup_fail("cannot read %s: %s", s->conf_path, strerror(errno));
	char port[16];
	snprintf(port, sizeof port, "%d", db_port);
	struct kv set[12];
	size_t n = 0;
	set[n++] = (struct kv){ "base_url", s->base };
	if (db_host) {
		set[n++] = (struct kv){ "db_host", db_host };
		set[n++] = (struct kv){ "db_port", port };
		set[n++] = (struct kv){ "db_socket", "" };
	} else {
		set[n++] = (struct kv){ "db_socket", db_socket };
	}
	set[n++] = (struct kv){ "db_name", db_name };
	set[n++] = (struct kv){ "db_password", s->web_password };
	set[n++] = (struct kv){ "hash_key", s->hash_key };
	set[n++] = (struct kv){ "key_encryption_key", s->kek };
	if (s->smtp_url)
		set[n++] = (struct kv){ "smtp_url", s->smtp_url };
	if (s->smtp_from)
		set[n++] = (struct kv){ "smtp_from", s->smtp_from };
	static const char *const drop[] = { "db_admin_user", "db_admin_password", NULL };
	char *conf = conf_with(text, set, n, drop);
	bool changed = conf && strcmp(conf, text);
	free(text);
	if (!conf)
		return setup_fail("out of memory");
	/* The web programs run as the group tessera (the package's system user). */
	struct group *g = getgrnam("tessera");
	gid_t gid = g ? g->gr_gid : (gid_t)-1;
	mode_t mode = g ? 0640 : 0600;
	struct stat st;
	bool right = stat(s->conf_path, &st) == 0 && (st.st_mode & 07777) == mode && st.st_uid == 0 &&
		     st.st_gid == (g ? gid : 0);
	int rc = changed || !right ? write_file(s->conf_path, conf, gid, mode) : 0;
	free(conf);
	if (rc)
		return 1;

	char admin[512];
	snprintf(admin, sizeof admin,
		 "# The migration account (DDL), read by tessera-admin alone: keep it root:root, mode 0600.\n"
		 "# Written by tessera-admin setup; the web programs read tessera.conf, never this file.\n"
		 "db_admin_user = %s\n"
		 "db_admin_password = %s\n",
		 s->migrate_user, s->migrate_password);
	char *old = slurp(s->admin_path);
	bool admin_changed = !old || strcmp(old, admin);
	free(old);
	bool admin_right = stat(s->admin_path, &st) == 0 && (st.st_mode & 07777) == 0600 && st.st_uid == 0;
	if ((admin_changed || !admin_right) && write_file(s->admin_path, admin, (gid_t)-1, 0600))
		return 1;
	memset(admin, 0, sizeof admin);
	setup_done(s, "%s %s (%s), %s %s (root, 0600)", s->conf_path, changed ? "written" : "unchanged",
	     g ? "root:tessera 0640" : "root 0600: no group tessera", s->admin_path,
	     admin_changed ? "written" : "unchanged");
	return 0;
}

static int step_admin(struct setup *s)
{
	setup_step(s, "first super admin");
	char existing[321] = "";
	int any = people_first_super_admin(existing, sizeof existing);
	if (any < 0)
		return setup_fail("cannot read the users");
	if (s->admin_email)
		snprintf(s->email, sizeof s->email, "%s", s->admin_email);
	else if (any)
		snprintf(s->email, sizeof s->email, "%s", existing);
	else if (s->interactive)
		ask("Email of the first super admin", "admin@example.com", s->email, sizeof s->email);
	else
		return setup_fail("no super admin yet: pass --admin-email you@example.com");
	for (char *p = s->email; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (!strchr(s->email, '@') || strlen(s->email) > 320)
		return setup_fail("'%s' is not an email address", s->email);

	char password[128] = "";
	if (s->admin_password_file && read_secret_file(s->admin_password_file, password, sizeof password))
		return 1;
	if (!*password && s->admin_password)
		snprintf(password, sizeof password, "%s", s->admin_password);
	if (*password && (strlen(password) < 8 || strlen(password) > 72))
		return setup_fail("the admin password must be 8 to 72 characters");

	char user[37];
	int found = admin_find(s->email, user);
	if (found < 0)
		return setup_fail("cannot read the users");
	bool set_password = !found || s->reset_admin_password;
	if (set_password && !*password) {
		if (crypto_random_hex(s->generated_password, 10) < 0)
			return setup_fail("no random numbers");
		snprintf(password, sizeof password, "%s", s->generated_password);
	}
	char hash[PASSWORD_HASH_LEN];
	if (set_password && password_hash(password, hash) < 0)
		return setup_fail("could not hash the password");
	if (!found) {
		if (admin_create(s->email, hash) < 0)
			return setup_fail("could not create the admin %s", s->email);
		setup_done(s, "created %s", s->email);
	} else if (set_password) {
		if (people_set_password(user, hash, false) < 0)
			return setup_fail("could not set the password of %s", s->email);
		setup_done(s, "%s exists: password set", s->email);
	} else {
		setup_done(s, "%s exists: unchanged (--reset-admin-password sets a new password)", s->email);
	}
	memset(password, 0, sizeof password);
	return 0;
}

/* ------------------------------------------------------------ commands */

int cmd_setup(int argc, char **argv)
{
	struct setup s = { 0 };
	int prc = parse_setup(argc, argv, &s);
	if (prc)
		return prc;
	if (geteuid() != 0)
		return setup_fail("setup writes /etc/tessera and creates MariaDB accounts: run it as root "
			    "(sudo tessera-admin setup ...)");
	s.t0 = setup_now();
	conf_file_path(s.conf_path, sizeof s.conf_path);
	char err[512];
	if (config_load(err, sizeof err) < 0) {
		setup_fail("configuration: %s", err);
		fprintf(stderr, "  Fix that line of %s, then run setup again (db_admin_user and db_admin_password "
				"belong in the root-only %s/tessera/tessera-admin.conf, mode 0600)\n",
			s.conf_path, SYSCONFDIR);
		return 1;
	}
	admin_file_path(s.admin_path, sizeof s.admin_path);
	const char *db_host = s.db_host;
	const char *db_socket = s.db_socket ? s.db_socket : db_host ? NULL : *cfg.db_socket ? cfg.db_socket : "/run/mysqld/mysqld.sock";
	int db_port = s.db_port ? atoi(s.db_port) : db_host ? cfg.db_port : 0;
	char db_name[65];
	snprintf(db_name, sizeof db_name, "%s", s.db_name ? s.db_name : cfg.db_name);
	if (!valid_name(db_name) || !valid_name(cfg.db_user))
		return setup_fail("db_name and db_user in %s: letters, digits and _ only", s.conf_path);

	if (step_configuration(&s) || step_database(&s, db_socket, db_host, db_port, db_name) ||
	    step_files(&s, db_socket, db_host, db_port, db_name) ||
	    step_migrations(&s, "migrations (as the migration account)") || step_signing_key(&s) || step_admin(&s))
		goto failed;
	if (s.web && strcmp(s.web, "none") && step_web(&s))
		goto failed;
	db_close();
	printf("\nTessera is set up at %s\n", s.base);
	printf("  sign in     %ssignin\n", s.base);
	printf("  admin       %s\n", s.email);
	if (*s.generated_password)
		printf("  password    %s   (shown once: keep it, or run setup --reset-admin-password)\n",
		       s.generated_password);
	if (!s.web)
		printf("  web server  tessera-admin setup --web apache (or lighttpd) enables its configuration\n");
	printf("setup complete in %.1f s: database %s, schema current, admin %s\n", setup_now() - s.t0, db_name, s.email);
	memset(&s, 0, sizeof s);
	return 0;
failed:
	db_close();
	memset(&s, 0, sizeof s);
	fprintf(stderr, "tessera-admin: setup stopped (nothing done twice when run again after the fix)\n");
	return 1;
}

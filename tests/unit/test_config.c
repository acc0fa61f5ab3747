/* SPDX-License-Identifier: BSD-2-Clause */
/* config: defaults, derived values, the file, environment overrides, validation, durations. */
#include "tests.h"

#include "core/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char path[64];

static void setup(void)
{
	test_env_reset();
	path[0] = '\0';
}

static void teardown(void)
{
	if (path[0])
		unlink(path);
	config_free();
}

static int load(char *err, size_t errlen)
{
	err[0] = '\0';
	return config_load(err, errlen);
}

static void load_ok(void)
{
	char err[512];
	int rc = load(err, sizeof err);
	ck_assert_msg(rc == 0, "config_load failed: %s", err);
}

static void write_config(const char *text)
{
	snprintf(path, sizeof path, "/tmp/tessera-unit-XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	size_t n = strlen(text);
	ck_assert_int_eq(write(fd, text, n), (ssize_t)n);
	close(fd);
	setenv("TESSERA_CONFIG", path, 1);
}

START_TEST(test_defaults)
{
	load_ok();
	ck_assert_str_eq(cfg.base_url, "http://127.0.0.1:8080/");
	ck_assert_str_eq(cfg.issuer, "http://127.0.0.1:8080/");
	ck_assert_str_eq(cfg.app_base_url, "http://127.0.0.1:8080/");
	ck_assert_str_eq(cfg.db_host, "localhost");
	ck_assert_int_eq(cfg.db_port, 3306);
	ck_assert_str_eq(cfg.db_socket, "");
	ck_assert_str_eq(cfg.db_user, "tessera");
	ck_assert_str_eq(cfg.db_name, "tessera");
	ck_assert_str_eq(cfg.hash_key, "");
	ck_assert_int_eq(cfg.access_token_lifetime, 3600);
	ck_assert_int_eq(cfg.refresh_token_lifetime, 1209600);
	ck_assert_int_eq(cfg.id_token_lifetime, 3600);
	ck_assert_int_eq(cfg.code_lifetime, 60);
	ck_assert_int_eq(cfg.scrypt_n_log2, 15);
	ck_assert_int_eq(cfg.max_body, 1048576);
	ck_assert_int_eq(cfg.max_field, 8192);
	ck_assert_str_eq(cfg.allowed_origins, "");
	ck_assert(cfg.cookie_secure);
	ck_assert_str_eq(cfg.signing_alg, "ES256");
	ck_assert_int_eq(cfg.key_cache_seconds, 60);
	ck_assert_int_eq(cfg.auth_rate_limit, 160);
	ck_assert_int_eq(cfg.rate_limit, 60000);
	ck_assert(cfg.register_enabled);
	ck_assert(cfg.log_requests);
}
END_TEST

/* Without TESSERA_CONFIG the default file is optional. */
START_TEST(test_default_file_optional)
{
	unsetenv("TESSERA_CONFIG");
	if (access(SYSCONFDIR "/tessera/tessera.conf", F_OK) == 0)
		return; /* installed on this machine: nothing to learn here */
	load_ok();
	ck_assert_str_eq(cfg.base_url, "http://127.0.0.1:8080/");
}
END_TEST

START_TEST(test_derived_urls)
{
	setenv("TESSERA_BASE_URL", "https://api.example.com", 1);
	load_ok();
	ck_assert_str_eq(cfg.base_url, "https://api.example.com/");
	ck_assert_str_eq(cfg.issuer, "https://api.example.com/");
	ck_assert_str_eq(cfg.app_base_url, "https://api.example.com/");

	setenv("TESSERA_BASE_URL", "https://api.example.com/fhir/", 1);
	setenv("TESSERA_APP_BASE_URL", "https://app.example.com", 1);
	setenv("TESSERA_ISSUER", "https://issuer.example.com/", 1);
	load_ok();
	ck_assert_str_eq(cfg.base_url, "https://api.example.com/fhir/");
	ck_assert_str_eq(cfg.app_base_url, "https://app.example.com/");
	ck_assert_str_eq(cfg.issuer, "https://issuer.example.com/");

	/* Reloading starts from the defaults again. */
	unsetenv("TESSERA_BASE_URL");
	unsetenv("TESSERA_APP_BASE_URL");
	unsetenv("TESSERA_ISSUER");
	load_ok();
	ck_assert_str_eq(cfg.issuer, "http://127.0.0.1:8080/");
	ck_assert_str_eq(cfg.app_base_url, "http://127.0.0.1:8080/");
}
END_TEST

START_TEST(test_config_set)
{
	char err[256];
	load_ok();
	err[0] = '\0';
	ck_assert_int_eq(config_set("no_such_key", "1", err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "no_such_key"));
	ck_assert_int_eq(config_set("BASE_URL", "x", err, sizeof err), -1);

	static const char *const bad_ints[] = { "abc", "12x", "", "1.5", "0x10", "99999999999", "-99999999999" };
	for (size_t i = 0; i < sizeof bad_ints / sizeof bad_ints[0]; i++) {
		err[0] = '\0';
		ck_assert_msg(config_set("db_port", bad_ints[i], err, sizeof err) == -1, "'%s' accepted", bad_ints[i]);
		ck_assert_ptr_nonnull(strstr(err, "db_port"));
		ck_assert_int_eq(cfg.db_port, 3306);
	}
	ck_assert_int_eq(config_set("rate_limit", "-1", err, sizeof err), 0);
	ck_assert_int_eq(cfg.rate_limit, -1);
	ck_assert_int_eq(config_set("db_port", "2147483647", err, sizeof err), 0);
	ck_assert_int_eq(cfg.db_port, 2147483647);

	static const char *const truths[] = { "true", "yes", "1", "on" };
	static const char *const falsehoods[] = { "false", "no", "0", "off" };
	for (size_t i = 0; i < 4; i++) {
		ck_assert_int_eq(config_set("cookie_secure", falsehoods[i], err, sizeof err), 0);
		ck_assert(!cfg.cookie_secure);
		ck_assert_int_eq(config_set("cookie_secure", truths[i], err, sizeof err), 0);
		ck_assert(cfg.cookie_secure);
	}
	static const char *const bad_bools[] = { "maybe", "", "TRUE", "2", "y" };
	for (size_t i = 0; i < sizeof bad_bools / sizeof bad_bools[0]; i++) {
		err[0] = '\0';
		ck_assert_msg(config_set("register_enabled", bad_bools[i], err, sizeof err) == -1, "'%s' accepted",
			      bad_bools[i]);
		ck_assert_ptr_nonnull(strstr(err, "register_enabled"));
		ck_assert(cfg.register_enabled);
	}

	ck_assert_int_eq(config_set("smtp_from", "X <x@example.com>", err, sizeof err), 0);
	ck_assert_str_eq(cfg.smtp_from, "X <x@example.com>");
}
END_TEST

START_TEST(test_env_override)
{
	setenv("TESSERA_ACCESS_TOKEN_LIFETIME", "120", 1);
	setenv("TESSERA_COOKIE_SECURE", "false", 1);
	setenv("TESSERA_DB_PASSWORD", "s3cret", 1);
	load_ok();
	ck_assert_int_eq(cfg.access_token_lifetime, 120);
	ck_assert(!cfg.cookie_secure);
	ck_assert_str_eq(cfg.db_password, "s3cret");

	char err[256];
	setenv("TESSERA_ACCESS_TOKEN_LIFETIME", "2h", 1);
	ck_assert_int_eq(load(err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "access_token_lifetime"));
}
END_TEST

START_TEST(test_validation)
{
	char err[256];
	setenv("TESSERA_CODE_LIFETIME", "600", 1);
	load_ok();
	ck_assert_int_eq(cfg.code_lifetime, 600);
	setenv("TESSERA_CODE_LIFETIME", "601", 1);
	ck_assert_int_eq(load(err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "code_lifetime"));
	setenv("TESSERA_CODE_LIFETIME", "0", 1);
	ck_assert_int_eq(load(err, sizeof err), -1);
	unsetenv("TESSERA_CODE_LIFETIME");

	setenv("TESSERA_SIGNING_ALG", "RS256", 1);
	load_ok();
	ck_assert_str_eq(cfg.signing_alg, "RS256");
	static const char *const bad_algs[] = { "HS256", "none", "es256", "" };
	for (size_t i = 0; i < sizeof bad_algs / sizeof bad_algs[0]; i++) {
		setenv("TESSERA_SIGNING_ALG", bad_algs[i], 1);
		ck_assert_msg(load(err, sizeof err) == -1, "signing_alg '%s' accepted", bad_algs[i]);
		ck_assert_ptr_nonnull(strstr(err, "signing_alg"));
	}
	unsetenv("TESSERA_SIGNING_ALG");

	setenv("TESSERA_SCRYPT_N_LOG2", "9", 1);
	ck_assert_int_eq(load(err, sizeof err), -1);
	setenv("TESSERA_SCRYPT_N_LOG2", "23", 1);
	ck_assert_int_eq(load(err, sizeof err), -1);
	setenv("TESSERA_SCRYPT_N_LOG2", "10", 1);
	load_ok();
	setenv("TESSERA_SCRYPT_R", "0", 1);
	ck_assert_int_eq(load(err, sizeof err), -1);
}
END_TEST

START_TEST(test_file)
{
	write_config("# Tessera test configuration\n"
		     "\n"
		     "   # an indented comment\n"
		     "base_url = https://files.example.com\n"
		     "db_port=3307\n"
		     "\tcookie_secure\t=\tfalse\t\n"
		     "access_token_lifetime = 900   \n"
		     "smtp_from = Tessera <noreply@example.com>\n"
		     "db_password = a=b#c\n"
		     "allowed_origins =\n"
		     "hash_key = " TEST_HASH_KEY "\n"
		     "register_enabled = no"); /* no final newline */
	load_ok();
	ck_assert_str_eq(cfg.base_url, "https://files.example.com/");
	ck_assert_str_eq(cfg.issuer, "https://files.example.com/");
	ck_assert_int_eq(cfg.db_port, 3307);
	ck_assert(!cfg.cookie_secure);
	ck_assert_int_eq(cfg.access_token_lifetime, 900);
	ck_assert_str_eq(cfg.smtp_from, "Tessera <noreply@example.com>");
	ck_assert_str_eq(cfg.db_password, "a=b#c");
	ck_assert_str_eq(cfg.allowed_origins, "");
	ck_assert_str_eq(cfg.hash_key, TEST_HASH_KEY);
	ck_assert(!cfg.register_enabled);
	ck_assert_int_eq(cfg.refresh_token_lifetime, 1209600); /* untouched keys keep defaults */

	/* the environment wins over the file */
	setenv("TESSERA_DB_PORT", "3308", 1);
	load_ok();
	ck_assert_int_eq(cfg.db_port, 3308);
	ck_assert_int_eq(cfg.access_token_lifetime, 900);
}
END_TEST

START_TEST(test_file_unknown_key)
{
	char err[512];
	write_config("# ok\nbase_url = https://x.example\nbase_ulr = https://y.example\n");
	ck_assert_int_eq(load(err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, path));
	ck_assert_ptr_nonnull(strstr(err, ":3:"));
	ck_assert_ptr_nonnull(strstr(err, "base_ulr"));
}
END_TEST

/* Issue 14, finding 8: the web programs' file never holds the migration account. */
START_TEST(test_admin_keys_refused_in_main_file)
{
	char err[512];
	write_config("db_user = tessera\ndb_admin_password = all-privileges\n");
	ck_assert_int_eq(load(err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, ":2:"));
	ck_assert_ptr_nonnull(strstr(err, "admin_config"));
	ck_assert_ptr_null(strstr(err, "all-privileges"));
	unlink(path);
	write_config("db_admin_user = tessera_migrate\n");
	ck_assert_int_eq(load(err, sizeof err), -1);
	/* Nor from the environment, which the web server gives its programs too. */
	unlink(path);
	path[0] = '\0';
	setenv("TESSERA_CONFIG", "/dev/null", 1);
	setenv("TESSERA_DB_ADMIN_PASSWORD", "all-privileges", 1);
	load_ok();
	ck_assert_str_eq(cfg.db_admin_password, "");
	unsetenv("TESSERA_DB_ADMIN_PASSWORD");
}
END_TEST

static char admin_path[64];

static void write_admin(const char *text, mode_t mode)
{
	snprintf(admin_path, sizeof admin_path, "/tmp/tessera-unit-admin-XXXXXX");
	int fd = mkstemp(admin_path);
	ck_assert_int_ge(fd, 0);
	size_t n = strlen(text);
	ck_assert_int_eq(write(fd, text, n), (ssize_t)n);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
	setenv("TESSERA_ADMIN_CONFIG", admin_path, 1);
}

/* The admin file: only the two keys, and only when nobody but its owner can read it. */
START_TEST(test_admin_file)
{
	char err[512];
	write_admin("# migrations\ndb_admin_user = tessera_migrate\ndb_admin_password = s3cret\n", 0600);
	load_ok();
	ck_assert_str_eq(cfg.db_admin_user, "");
	ck_assert_int_eq(config_load_admin(err, sizeof err), 0);
	ck_assert_str_eq(cfg.db_admin_user, "tessera_migrate");
	ck_assert_str_eq(cfg.db_admin_password, "s3cret");

	ck_assert_int_eq(chmod(admin_path, 0640), 0);
	ck_assert_int_eq(config_load_admin(err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "0600"));
	unlink(admin_path);

	write_admin("db_admin_user = m\nhash_key = 00\n", 0600);
	load_ok();
	ck_assert_int_eq(config_load_admin(err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, ":2:"));
	unlink(admin_path);

	/* Named but missing: an error (only the default path may be absent). */
	ck_assert_int_eq(config_load_admin(err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, admin_path));
	unsetenv("TESSERA_ADMIN_CONFIG");
}
END_TEST

START_TEST(test_file_no_equals)
{
	char err[512];
	write_config("base_url = https://x.example\n\njust some words\n");
	ck_assert_int_eq(load(err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, ":3:"));
	ck_assert_ptr_nonnull(strstr(err, "expected key = value"));
}
END_TEST

START_TEST(test_file_bad_value)
{
	char err[512];
	write_config("db_port = many\n");
	ck_assert_int_eq(load(err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, ":1:"));
	ck_assert_ptr_nonnull(strstr(err, "db_port"));
}
END_TEST

START_TEST(test_file_missing)
{
	char err[512];
	setenv("TESSERA_CONFIG", "/nonexistent/tessera.conf", 1);
	ck_assert_int_eq(load(err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/tessera.conf"));
}
END_TEST

START_TEST(test_keys_table)
{
	size_t n = 0;
	const struct config_key *k = config_keys(&n);
	ck_assert_uint_ge(n, 30);
	for (size_t i = 0; i < n; i++) {
		ck_assert_ptr_nonnull(k[i].name);
		ck_assert_ptr_nonnull(k[i].default_value);
		ck_assert_ptr_nonnull(k[i].help);
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(k[i].name, k[j].name);
	}
}
END_TEST

/* docs/CONFIGURATION.md lists every key with its type and default, and nothing else. */
START_TEST(test_keys_documented)
{
	const char *srcdir = getenv("srcdir");
	char docpath[1024];
	snprintf(docpath, sizeof docpath, "%s/docs/CONFIGURATION.md", srcdir && *srcdir ? srcdir : ".");
	FILE *f = fopen(docpath, "r");
	ck_assert_msg(f != NULL, "%s: %s", docpath, strerror(errno));
	static char doc[65536];
	size_t len = fread(doc, 1, sizeof doc - 1, f);
	fclose(f);
	doc[len] = '\0';

	size_t n;
	const struct config_key *k = config_keys(&n);
	static const char *const types[] = { "string", "int", "bool" };
	for (size_t i = 0; i < n; i++) {
		char row[512];
		if (*k[i].default_value)
			snprintf(row, sizeof row, "| `%s` | %s | `%s` | %s |", k[i].name, types[k[i].type],
				 k[i].default_value, k[i].help);
		else
			snprintf(row, sizeof row, "| `%s` | %s | (empty) | %s |", k[i].name, types[k[i].type], k[i].help);
		ck_assert_msg(strstr(doc, row) != NULL, "not documented: %s", row);
	}
	/* every documented row is a key */
	size_t rows = 0;
	for (char *line = strtok(doc, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line, "| `", 3))
			continue;
		rows++;
		char name[128];
		size_t l = strcspn(line + 3, "`");
		ck_assert_uint_lt(l, sizeof name);
		memcpy(name, line + 3, l);
		name[l] = '\0';
		bool found = false;
		for (size_t i = 0; i < n; i++)
			found = found || !strcmp(k[i].name, name);
		ck_assert_msg(found, "documented but unknown: %s", name);
	}
	ck_assert_uint_eq(rows, n);
}
END_TEST

START_TEST(test_duration)
{
	ck_assert_int_eq(config_parse_duration("60s"), 60);
	ck_assert_int_eq(config_parse_duration("0s"), 0);
	ck_assert_int_eq(config_parse_duration("1m"), 60);
	ck_assert_int_eq(config_parse_duration("1h"), 3600);
	ck_assert_int_eq(config_parse_duration("1d"), 86400);
	ck_assert_int_eq(config_parse_duration("2w"), 1209600);
	ck_assert_int_eq(config_parse_duration("1y"), 31557600);
	ck_assert_int_eq(config_parse_duration("007s"), 7);
	ck_assert_int_eq(config_parse_duration("100000000s"), 100000000);
	static const char *const bad[] = {
		"", "10", "h", "s", "-1s", "+1s", "1x", "1hh", "1H", " 1h", "1h ", "1 h", "1.5h", "1e3s", "0x1h",
		"100000001s", "99999999999999999999999s",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(config_parse_duration(bad[i]) == -1, "'%s' accepted", bad[i]);
	ck_assert_int_eq(config_parse_duration(NULL), -1);
}
END_TEST

Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("load");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_default_file_optional);
	tcase_add_test(tc, test_derived_urls);
	tcase_add_test(tc, test_config_set);
	tcase_add_test(tc, test_env_override);
	tcase_add_test(tc, test_validation);
	tcase_add_test(tc, test_file);
	tcase_add_test(tc, test_file_unknown_key);
	tcase_add_test(tc, test_file_no_equals);
	tcase_add_test(tc, test_admin_keys_refused_in_main_file);
	tcase_add_test(tc, test_admin_file);
	tcase_add_test(tc, test_file_bad_value);
	tcase_add_test(tc, test_file_missing);
	suite_add_tcase(s, tc);

	TCase *t = tcase_create("table");
	tcase_add_test(t, test_keys_table);
	tcase_add_test(t, test_keys_documented);
	tcase_add_test(t, test_duration);
	suite_add_tcase(s, t);
	return s;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* config: defaults, file and environment, driven by one key table. */
#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct config cfg;

#define K(name, type, def, help) { #name, type, offsetof(struct config, name), def, help, false }
/* A key only the admin file (admin_config) may set: see config_load_admin. */
#define KA(name, type, def, help) { #name, type, offsetof(struct config, name), def, help, true }
static const struct config_key keys[] = {
	K(base_url, CK_STRING, "http://127.0.0.1:8080/", "Public base URL of the API; a trailing / is added"),
	K(issuer, CK_STRING, "", "JWT iss; empty means base_url"),
	K(app_base_url, CK_STRING, "", "Base URL of the sign-in pages; empty means base_url"),
	K(db_host, CK_STRING, "localhost", "MariaDB host (ignored when db_socket is set)"),
	K(db_port, CK_INT, "3306", "MariaDB TCP port"),
	K(db_socket, CK_STRING, "", "MariaDB unix socket path"),
	K(db_hosts, CK_STRING, "", "Galera nodes as host:port,host:port,... (this node's own first): connect to the first ready one, fail over to the next; set, it replaces db_socket, db_host and db_port"),
	K(node_name, CK_STRING, "", "This web node's name, kept in per-node rows (the per-minute client_credentials counts) so nodes never write the same row; empty means the host name"),
	K(db_user, CK_STRING, "tessera", "MariaDB user of the web programs"),
	K(db_password, CK_STRING, "", "MariaDB password"),
	K(admin_config, CK_STRING, "", "Root-only file (mode 0600) with db_admin_user and db_admin_password, read by tessera-admin alone; empty means <sysconfdir>/tessera/tessera-admin.conf"),
	KA(db_admin_user, CK_STRING, "", "MariaDB user for tessera-admin migrate (DDL), only in admin_config; empty means db_user"),
	KA(db_admin_password, CK_STRING, "", "Password of db_admin_user, only in admin_config"),
	K(db_name, CK_STRING, "tessera", "MariaDB database"),
	K(smtp_url, CK_STRING, "smtp://127.0.0.1:25", "SMTP server: smtp:// (STARTTLS when offered) or smtps://"),
	K(smtp_user, CK_STRING, "", "SMTP AUTH user"),
	K(smtp_password, CK_STRING, "", "SMTP AUTH password"),
	K(smtp_from, CK_STRING, "Tessera <noreply@localhost>", "From header of outgoing mail"),
	K(mail_max_attempts, CK_INT, "10", "Delivery attempts per email before it is marked failed (30 s backoff doubling, at most 1 h)"),
	K(hash_key, CK_STRING, "", "Hex key (32+ bytes) for the keyed hashes of client and request secrets; required"),
	K(access_token_lifetime, CK_INT, "3600", "Access token lifetime in seconds"),
	K(refresh_token_lifetime, CK_INT, "1209600", "Refresh token lifetime in seconds"),
	K(id_token_lifetime, CK_INT, "3600", "ID token lifetime in seconds"),
	K(code_lifetime, CK_INT, "60", "Authorization code lifetime in seconds (at most 600)"),
	K(scrypt_n_log2, CK_INT, "15", "scrypt cost: N = 2^scrypt_n_log2"),
	K(scrypt_r, CK_INT, "8", "scrypt block size r"),
	K(scrypt_p, CK_INT, "1", "scrypt parallelism p"),
	K(max_body, CK_INT, "1048576", "Largest accepted request body in bytes"),
	K(max_field, CK_INT, "8192", "Largest accepted single input field in bytes"),
	K(allowed_origins, CK_STRING, "", "CORS origins besides app_base_url: comma-separated list or *"),
	K(cookie_secure, CK_BOOL, "true", "Mark cookies Secure; false is obeyed only for plain-HTTP loopback base URLs"),
	K(signing_alg, CK_STRING, "ES256", "Algorithm of newly created signing keys: ES256 or RS256"),
	K(key_encryption_key, CK_STRING, "", "Hex key (32 bytes) wrapping private signing keys at rest; empty: not wrapped"),
	K(key_cache_seconds, CK_INT, "60", "How long a program caches signing keys"),
	K(client_cache_seconds, CK_INT, "10", "Unused since issue 15 (every client_credentials grant reads its client); accepted so older files still load"),
	K(trusted_proxies, CK_STRING, "", "Comma-separated peer addresses whose X-Forwarded-For is believed"),
	K(auth_rate_limit, CK_INT, "160", "Requests per minute per IP on /auth and /oauth2"),
	K(rate_limit, CK_INT, "60000", "Requests per minute per IP elsewhere; -1 disables rate limits"),
	K(client_rate_limit, CK_INT, "600", "client_credentials tokens per minute per client (sliding 60 s); -1 disables"),
	K(ratelimit_table, CK_STRING, "/dev/shm/tessera-ratelimit", "The node's rate-limit counters: a file every FastCGI process maps (on tmpfs); one per node and instance"),
	K(ratelimit_buckets, CK_INT, "65536", "Size of a new ratelimit_table in buckets of 16 bytes (distinct addresses and clients per minute, with room)"),
	K(login_delay_after, CK_INT, "5", "Password failures per account and IP before each attempt waits; -1 disables"),
	K(login_delay_max, CK_INT, "900", "Longest wait in seconds after a password failure (the wait doubles from 1 s)"),
	K(login_account_delay_after, CK_INT, "100", "Password failures per account from all addresses (a day) before each attempt from an address that never signed in to it waits; -1 disables"),
	K(login_account_delay_max, CK_INT, "300", "Longest wait in seconds of the per-account delay (the wait doubles from 1 s)"),
	K(account_email_limit, CK_INT, "3", "Password reset and email verification links per account per hour; -1: no limit"),
	K(register_enabled, CK_BOOL, "true", "Allow self-registration"),
	K(log_requests, CK_BOOL, "true", "One log line per request on stderr"),
	K(templates_dir, CK_STRING, "", "Directory of the HTML page templates; empty means <pkgdatadir>/templates"),
	K(mfa_window, CK_INT, "1", "TOTP: 30-second steps accepted before and after the current one (0..10)"),
	K(mfa_login_attempts, CK_INT, "5", "Second-factor codes (right or wrong) accepted for checking per sign-in; then 429"),
	K(mfa_user_attempts, CK_INT, "10", "Wrong second-factor codes allowed per user in mfa_user_window before 429"),
	K(mfa_user_window, CK_INT, "900", "Seconds of the per-user window of wrong second-factor codes"),
	K(mfa_login_lifetime, CK_INT, "900", "Seconds after the password within which the second factor must be given"),
	K(upstream_allow_networks, CK_STRING, "", "Comma-separated CIDR networks that upstream requests (identity providers, JWKS) may reach although loopback, private or link-local; empty: public addresses only"),
	K(upstream_allow_http, CK_BOOL, "false", "Allow plain http:// upstream URLs (identity providers, JWKS); https only when false"),
	K(upstream_connect_timeout_ms, CK_INT, "3000", "Milliseconds an upstream request may take to connect"),
	K(upstream_timeout_ms, CK_INT, "10000", "Milliseconds an upstream request may take in all"),
	K(upstream_max_bytes, CK_INT, "1048576", "Largest upstream response body in bytes"),
	K(jwks_cache_seconds, CK_INT, "300", "How long a fetched JWKS (an identity provider's or a client's keys) is cached per process"),
	K(external_auth_providers, CK_STRING, "", "Bearer tokens of other issuers accepted on the API: comma-separated \"<issuer> <userInfoUrl>\" pairs (a JWT with that iss, a fhirUser claim, verified by the issuer's keys and a 200 from userinfo)"),
	K(google_client_id, CK_STRING, "", "The server's Google client id for POST /auth/google (projects may add their own in Project.site)"),
	K(google_issuer, CK_STRING, "https://accounts.google.com", "The iss of Google ID tokens"),
	K(google_jwks_uri, CK_STRING, "https://www.googleapis.com/oauth2/v3/certs", "Google's signing keys (JWKS URL) for Google ID tokens"),
};
#undef K
#undef KA

const struct config_key *config_keys(size_t *count)
{
	*count = sizeof keys / sizeof keys[0];
	return keys;
}

static const struct config_key *find_key(const char *name)
{
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1") || !strcmp(v, "on"))
		*out = true;
	else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0") || !strcmp(v, "off"))
		*out = false;
	else
		return -1;
	return 0;
}

int config_set(const char *name, const char *value, char *err, size_t errlen)
{
	const struct config_key *k = find_key(name);
	if (!k) {
		snprintf(err, errlen, "unknown configuration key '%s'", name);
		return -1;
	}
	char *field = (char *)&cfg + k->offset;
	switch (k->type) {
	case CK_STRING: {
		char *copy = strdup(value);
		if (!copy)
			return -1;
		free(*(char **)field);
		*(char **)field = copy;
		return 0;
	}
	case CK_INT: {
		char *end;
		errno = 0;
		long v = strtol(value, &end, 10);
		if (errno || end == value || *end || v < INT_MIN || v > INT_MAX) {
			snprintf(err, errlen, "%s: '%s' is not an integer", name, value);
			return -1;
		}
		*(int *)field = (int)v;
		return 0;
	}
	case CK_BOOL:
		if (parse_bool(value, (bool *)field) < 0) {
			snprintf(err, errlen, "%s: '%s' is not true or false", name, value);
			return -1;
		}
		return 0;
	}
	return -1;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* One key = value line of a file; a key belongs to one file only (admin: the admin file). */
static int load_line(char *s, bool admin, const char *where, char *err, size_t errlen)
{
	char *eq = strchr(s, '=');
	if (!eq) {
		snprintf(err, errlen, "%s: expected key = value", where);
		return -1;
	}
	*eq = '\0';
	const char *name = trim(s);
	const struct config_key *k = find_key(name);
	if (k && k->admin_file && !admin) {
		/* Why refuse rather than ignore: the web programs read this file, so the migration
		 * account's password must not be in it at all (issue 14, finding 8). */
		snprintf(err, errlen, "%s: %s belongs in the admin file (admin_config), which only tessera-admin reads",
			 where, name);
		return -1;
	}
	if (k && !k->admin_file && admin) {
		snprintf(err, errlen, "%s: only db_admin_user and db_admin_password belong in the admin file", where);
		return -1;
	}
	char msg[256];
	if (config_set(name, trim(eq + 1), msg, sizeof msg) < 0) {
		snprintf(err, errlen, "%s: %s", where, msg);
		return -1;
	}
	return 0;
}

static int load_lines(FILE *f, const char *path, bool admin, char *err, size_t errlen)
{
	char line[4096], where[1100];
	int lineno = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		char *s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		snprintf(where, sizeof where, "%s:%d", path, lineno);
		if (load_line(s, admin, where, err, errlen) < 0)
			return -1;
	}
	return 0;
}

static int load_file(const char *path, bool must_exist, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		if (!must_exist && errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	int rc = load_lines(f, path, false, err, errlen);
	fclose(f);
	return rc;
}

static int load_env(char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		char var[128] = "TESSERA_";
		size_t n = strlen(var);
		for (const char *p = keys[i].name; *p && n < sizeof var - 1; p++)
			var[n++] = (char)toupper((unsigned char)*p);
		var[n] = '\0';
		/* The migration account never comes from the environment: the web programs have one. */
		const char *v = keys[i].admin_file ? NULL : getenv(var);
		if (v && config_set(keys[i].name, v, err, errlen) < 0)
			return -1;
	}
	return 0;
}

static int with_slash(char **url)
{
	size_t n = strlen(*url);
	if (n && (*url)[n - 1] == '/')
		return 0;
	char *s = malloc(n + 2);
	if (!s)
		return -1;
	memcpy(s, *url, n);
	s[n] = '/';
	s[n + 1] = '\0';
	free(*url);
	*url = s;
	return 0;
}

static int derive_defaults(char *err, size_t errlen)
{
	if (with_slash(&cfg.base_url) < 0)
		return -1;
	if (!*cfg.issuer && config_set("issuer", cfg.base_url, err, errlen) < 0)
		return -1;
	if (!*cfg.app_base_url && config_set("app_base_url", cfg.base_url, err, errlen) < 0)
		return -1;
	if (with_slash(&cfg.app_base_url) < 0)
		return -1;
	if (!*cfg.templates_dir && config_set("templates_dir", PKGDATADIR "/templates", err, errlen) < 0)
		return -1;
	if (cfg.code_lifetime < 1 || cfg.code_lifetime > 600) {
		snprintf(err, errlen, "code_lifetime must be between 1 and 600 seconds");
		return -1;
	}
	if (strcmp(cfg.signing_alg, "ES256") && strcmp(cfg.signing_alg, "RS256")) {
		snprintf(err, errlen, "signing_alg must be ES256 or RS256");
		return -1;
	}
	if (cfg.mfa_window < 0 || cfg.mfa_window > 10 || cfg.mfa_login_attempts < 1 || cfg.mfa_user_attempts < 1 ||
	    cfg.mfa_user_window < 1 || cfg.mfa_login_lifetime < 60) {
		snprintf(err, errlen, "mfa settings out of range (mfa_window 0..10, attempts and windows positive)");
		return -1;
	}
	/* A key that cannot be used must stop the program: ignored, it left new signing keys and
	 * second-factor secrets unwrapped, in plain text, without a word. */
	if (*cfg.key_encryption_key) {
		size_t n = strlen(cfg.key_encryption_key);
		bool hex = n == 64;
		for (size_t i = 0; hex && i < n; i++)
			hex = isxdigit((unsigned char)cfg.key_encryption_key[i]) != 0;
		if (!hex) {
			snprintf(err, errlen, "key_encryption_key must be 64 hex characters (32 bytes), not %zu characters%s",
				 n, n == 64 ? " with a non-hex one" : "");
			return -1;
		}
	}
	if (cfg.upstream_connect_timeout_ms < 1 || cfg.upstream_timeout_ms < 1 || cfg.upstream_max_bytes < 1024 ||
	    cfg.jwks_cache_seconds < 0) {
		snprintf(err, errlen, "upstream settings out of range (timeouts positive, upstream_max_bytes at least 1024)");
		return -1;
	}
	if (cfg.mail_max_attempts < 1) {
		snprintf(err, errlen, "mail_max_attempts must be at least 1");
		return -1;
	}
	if (cfg.scrypt_n_log2 < 10 || cfg.scrypt_n_log2 > 22 || cfg.scrypt_r < 1 || cfg.scrypt_p < 1) {
		snprintf(err, errlen, "scrypt cost out of range");
		return -1;
	}
	return 0;
}

int config_load(char *err, size_t errlen)
{
	config_free();
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (config_set(keys[i].name, keys[i].default_value, err, errlen) < 0)
			return -1;
	const char *path = getenv("TESSERA_CONFIG");
	if (load_file(path ? path : SYSCONFDIR "/tessera/tessera.conf", path != NULL, err, errlen) < 0)
		return -1;
	if (load_env(err, errlen) < 0)
		return -1;
	return derive_defaults(err, errlen);
}

/* Readable by nobody but its owner, and owned by root or whoever runs tessera-admin (a
 * development tree): the password in it has every privilege on the database. */
static int admin_file_private(FILE *f, const char *path, char *err, size_t errlen)
{
	struct stat st;
	if (fstat(fileno(f), &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077) || (st.st_uid != 0 && st.st_uid != geteuid())) {
		snprintf(err, errlen, "%s: must be a regular file of mode 0600 owned by root (it holds the migration password)",
			 path);
		return -1;
	}
	return 0;
}

int config_load_admin(char *err, size_t errlen)
{
	const char *path = *cfg.admin_config ? cfg.admin_config : SYSCONFDIR "/tessera/tessera-admin.conf";
	FILE *f = fopen(path, "re");
	if (!f) {
		if (!*cfg.admin_config && errno == ENOENT)
			return 1;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	int rc = admin_file_private(f, path, err, errlen);
	if (rc == 0)
		rc = load_lines(f, path, true, err, errlen);
	fclose(f);
	return rc;
}

void config_free(void)
{
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (keys[i].type != CK_STRING)
			continue;
		char **field = (char **)((char *)&cfg + keys[i].offset);
		free(*field);
		*field = NULL;
	}
}

long config_parse_duration(const char *s)
{
	if (!s || !isdigit((unsigned char)*s))
		return -1;
	char *end;
	errno = 0;
	long n = strtol(s, &end, 10);
	if (errno || end[0] == '\0' || end[1] != '\0' || n > 100000000L)
		return -1;
	switch (*end) {
	case 's': return n;
	case 'm': return n * 60;
	case 'h': return n * 3600;
	case 'd': return n * 86400;
	case 'w': return n * 7 * 86400;
	case 'y': return (long)(n * 365.25 * 86400);
	default: return -1;
	}
}

long config_duration_or(const char *s, long fallback)
{
	long v = s ? config_parse_duration(s) : -1;
	return v > 0 ? v : fallback;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* config: the one configuration file (TESSERA_CONFIG, default /etc/tessera/tessera.conf) with
 * TESSERA_<KEY> environment overrides. Every key lives in one table so documentation and
 * behaviour cannot drift (tests compare docs/CONFIGURATION.md against config_keys()).
 * The migration account (db_admin_user, db_admin_password) lives in a second, root-only file
 * (admin_config) that only tessera-admin reads: the web programs' file never holds it. */
#ifndef TESSERA_CONFIG_H
#define TESSERA_CONFIG_H
#include <stdbool.h>
#include <stddef.h>

struct config {
	char *base_url;          /* always ends in '/' */
	char *issuer;            /* defaults to base_url */
	char *app_base_url;      /* defaults to base_url */
	char *db_host;
	int db_port;
	char *db_socket;
	char *db_hosts;          /* Galera: host:port,... in order of preference; overrides the rest */
	char *node_name;         /* this web node's name in per-node rows; empty: the host name */
	char *db_user;
	char *db_password;
	char *db_name;
	char *smtp_url;
	char *smtp_user;
	char *smtp_password;
	char *smtp_from;
	int mail_max_attempts;   /* delivery attempts before an outbox row is 'failed' */
	char *hash_key;          /* hex; keys the hashes of client and request secrets */
	int access_token_lifetime;
	int refresh_token_lifetime;
	int id_token_lifetime;
	int code_lifetime;
	int scrypt_n_log2;
	int scrypt_r;
	int scrypt_p;
	int max_body;
	int max_field;
	char *allowed_origins;
	bool cookie_secure;
	char *signing_alg;
	char *key_encryption_key;
	char *admin_config;      /* the root-only file of the migration account */
	char *db_admin_user;     /* only from admin_config (config_load_admin) */
	char *db_admin_password;
	int key_cache_seconds;
	int client_cache_seconds;
	char *trusted_proxies;
	int auth_rate_limit;
	int rate_limit;
	int client_rate_limit;
	char *ratelimit_table;   /* the shared counters' file (lib/core/shmcount.h) */
	int ratelimit_buckets;
	int login_delay_after;
	int login_delay_max;
	int login_account_delay_after;
	int login_account_delay_max;
	int account_email_limit;
	bool register_enabled;
	bool log_requests;
	char *templates_dir;     /* the page templates; defaults to PKGDATADIR "/templates" */
	int mfa_window;          /* TOTP steps accepted either side of now (Medplum's mfaAuthenticatorWindow) */
	int mfa_login_attempts;  /* wrong second-factor codes per sign-in */
	int mfa_user_attempts;   /* wrong second-factor codes per user and mfa_user_window */
	int mfa_user_window;     /* seconds */
	int mfa_login_lifetime;  /* seconds after the password within which the second factor must follow */
	char *upstream_allow_networks; /* CIDR list upstream requests may reach though not public (core/fetch.h) */
	bool upstream_allow_http;      /* upstream URLs may be plain http:// */
	int upstream_connect_timeout_ms;
	int upstream_timeout_ms;
	int upstream_max_bytes;
	int jwks_cache_seconds;        /* how long a fetched JWKS is kept (oauth/jwks.h) */
	char *google_client_id;        /* the server's own Google client id (§6.3) */
	char *external_auth_providers; /* "issuer userInfoUrl, ...": bearer tokens of other issuers (§4) */
	char *google_issuer;
	char *google_jwks_uri;
};

struct config_key {
	const char *name;
	enum { CK_STRING, CK_INT, CK_BOOL } type;
	size_t offset;
	const char *default_value;
	const char *help;
	bool admin_file;         /* set only by the admin file, never by tessera.conf or the environment */
};

extern struct config cfg;

/* Loads defaults, then the file, then the environment. Returns 0, or -1 with a message in err. */
int config_load(char *err, size_t errlen);
/* tessera-admin only: reads admin_config (db_admin_user, db_admin_password) after
 * config_load, refusing a file others could read. 0, 1 no file at the default path, -1 with a
 * message in err. */
int config_load_admin(char *err, size_t errlen);
/* Applies one key=value pair; used by the loader and the tests. */
int config_set(const char *key, const char *value, char *err, size_t errlen);
const struct config_key *config_keys(size_t *count);
void config_free(void);
/* Lifetime strings such as "60s", "1h", "2w" (Medplum's ^\d+[smhdwy]$); -1 if malformed. */
long config_parse_duration(const char *s);
/* A client's lifetime string, or the fallback when it is absent or malformed. */
long config_duration_or(const char *s, long fallback);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* setup: what the modules of `tessera-admin setup` and `upgrade` share: the answers a setup
 * works out (struct setup), its progress lines (admin-progress.c), and each module's steps.
 * setup's order and its commands are in admin-setup.c; the configuration files in
 * admin-conffile.c; the schema and the signing key (steps 4 and 5, and all of upgrade) in
 * admin-schema.c; the web server (step 7) in admin-web.c. */
#ifndef TESSERA_SETUP_H
#define TESSERA_SETUP_H
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define STEPS 6

struct setup {
	bool interactive;
	const char *base_url, *admin_email, *admin_password, *admin_password_file;
	const char *db_socket, *db_host, *db_port, *db_name, *db_root_user, *db_root_password_file;
	const char *account_host, *smtp_url, *smtp_from, *web;
	bool reset_admin_password;
	/* worked out */
	char conf_path[PATH_MAX], admin_path[PATH_MAX];
	char web_password[65], migrate_password[65], migrate_user[81];
	char hash_key[65], kek[65];
	char base[512], email[321], generated_password[33];
	int step;
	double t0, step_t0;
};

/* Progress: "[n/STEPS] what" as a step starts, its outcome with the seconds it took, and an
 * error line (1, to return). */
double setup_now(void);
void setup_step(struct setup *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void setup_done(struct setup *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int setup_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* admin-conffile.c: the admin file's and tessera.conf's paths, a file's text (NULL: unreadable;
 * the caller frees it), a key's value in it, a file written through a temporary and rename
 * with its group (-1: root's) and mode, and tessera.conf with keys set: each key's first
 * uncommented line is replaced, a missing key is appended, the lines of `drop` are commented
 * out; comments and other keys stay as they are. */
struct kv {
	const char *key, *value;
};
void admin_file_path(char *out, size_t len);
void conf_file_path(char *out, size_t len);
char *slurp(const char *path);
void file_value(const char *text, const char *key, char *out, size_t len);
int write_file(const char *path, const char *text, gid_t group, mode_t mode);
char *conf_with(const char *text, const struct kv *set, size_t nset, const char *const *drop);

/* admin-schema.c: the configuration read again (after the files changed), steps 4 and 5. */
int reload_config(void);
int step_migrations(struct setup *s, const char *title);
int step_signing_key(struct setup *s);

/* admin-web.c: step 7, the web server's configuration and services (--web). */
int step_web(struct setup *s);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* tessera-admin: operator commands. migrate, seed, project and client management.
 * Secrets are printed once, at creation, and stored only hashed. */
#include "admin.h"
#include "domain/clients.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/db.h"
#include "domain/projects.h"
#include "domain/login.h"
#include "oauth/keys.h"
#include "core/keywrap.h"
#include "core/password.h"
#include "domain/people.h"
#include "mail/mail.h"

#include <jansson.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

static int cmd_seed(int argc, char **argv)
{
	static const char *const known[] = { "--email", "--password", NULL };
	if (!options_ok(argc, argv, 2, known))
		return 2;
	const char *e = option(argc, argv, "--email");
	const char *given = option(argc, argv, "--password");
	char email[321], generated[33], hash[PASSWORD_HASH_LEN], user[37];
	snprintf(email, sizeof email, "%s", e && *e ? e : "admin@example.com");
	lower(email);
	if (given && (strlen(given) < 8 || strlen(given) > 72)) {
		fprintf(stderr, "tessera-admin: password must be between 8 and 72 characters\n");
		return 2;
	}
	if (!given && crypto_random_hex(generated, 16) == 0)
		given = generated;
	int found = admin_find(email, user);
	if (found < 0 || password_hash(given, hash) < 0)
		return 1;
	if (found) {
		if (people_set_password(user, hash, false) < 0)
			return 1;
		printf("admin exists: %s (password set)\n", email);
	} else if (admin_create(email, hash) < 0) {
		fprintf(stderr, "tessera-admin: could not create the admin\n");
		return 1;
	} else {
		printf("admin created: %s\n", email);
	}
	printf("email: %s\npassword: %s\n", email, given);
	return 0;
}

static int cmd_project(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[2], "create")) {
		char id[37];
		if (!*argv[3] || strlen(argv[3]) > PROJECT_NAME_MAX) {
			fprintf(stderr, "tessera-admin: a project name is 1 to %d bytes\n", PROJECT_NAME_MAX);
			return 2;
		}
		crypto_uuid_v4(id);
		if (projects_create_named(id, argv[3]) < 0)
			return 1;
		printf("%s\n", id);
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[2], "set"))
		return admin_project_set(argc, argv);
	if (argc == 3 && !strcmp(argv[2], "list")) {
		struct db_result r;
		if (projects_list_all(&r) < 0)
			return 1;
		for (unsigned i = 0; i < r.nrows; i++)
			printf("%s\t%s%s\n", db_cell(&r, i, 0), db_cell(&r, i, 1),
			       !strcmp(db_cell(&r, i, 2), "1") ? "\t(super admin)" : "");
		db_result_free(&r);
		return 0;
	}
	return admin_usage();
}

/* 1 the project exists, 0 not (or not a project id), -1. */
static int project_exists(const char *id)
{
	if (!crypto_is_uuid(id))
		return 0;
	int rc = projects_exists(id);
	return rc < 0 ? -1 : rc == 0;
}

/* Redirect URIs (repeatable), PKCE-optional, default scope and sign-in welcome text. */
static int client_settings(int argc, char **argv, const char *id)
{
	json_t *uris = json_array();
	for (int i = 3; i + 1 < argc; i += 2)
		if (!strcmp(argv[i], "--redirect-uri"))
			json_array_append_new(uris, json_string(argv[i + 1]));
	const char *pkce = option(argc, argv, "--pkce-optional"), *welcome = option(argc, argv, "--welcome");
	json_t *form = welcome ? json_pack("{s:s}", "welcomeString", welcome) : NULL;
	char *uris_text = json_array_size(uris) ? json_dumps(uris, JSON_COMPACT) : NULL;
	char *form_text = form ? json_dumps(form, JSON_COMPACT) : NULL;
	int rc = clients_set_console(id, uris_text, pkce && !strcmp(pkce, "true"), option(argc, argv, "--default-scope"),
				     form_text);
	free(uris_text);
	free(form_text);
	json_decref(uris);
	json_decref(form);
	return rc;
}

/* --jwks: a public JWK Set as JSON text (private_key_jwt's keys); NULL when absent. 0, 2 bad. */
static int jwks_option(int argc, char **argv, json_t **jwks)
{
	const char *text = option(argc, argv, "--jwks");
	*jwks = text ? json_loads(text, JSON_REJECT_DUPLICATES, NULL) : NULL;
	const char *unfit = text ? clients_jwks_problem(*jwks) : NULL;
	if (unfit) {
		json_decref(*jwks);
		*jwks = NULL;
		fprintf(stderr, "tessera-admin: --jwks: %s (a JWK Set of 1..16 public EC or RSA signing keys: RSA of 2048 bits "
				"or more, EC on its algorithm's curve)\n", unfit);
		return 2;
	}
	return 0;
}

/* client set: the settings of an existing client an operator may change: the token endpoint's
 * authentication method and the keys of private_key_jwt. */
static int client_set(int argc, char **argv, const char *id, const char *auth_method)
{
	const char *uri = option(argc, argv, "--jwks-uri");
	json_t *jwks = NULL;
	if (!id || (!auth_method && !uri && !option(argc, argv, "--jwks")))
		return admin_usage();
	if (jwks_option(argc, argv, &jwks))
		return 2;
	int rc = uri || jwks ? clients_set_keys(id, uri, jwks) : 0;
	json_decref(jwks);
	if (rc == 0 && auth_method)
		rc = clients_set_auth_method(id, auth_method);
	if (rc == 1)
		fprintf(stderr, "tessera-admin: no client %s\n", id);
	return rc == 0 ? 0 : rc < 0 ? 1 : 2;
}

static int cmd_client(int argc, char **argv)
{
	static const char *const known[] = { "--project", "--name", "--description", "--redirect-uri", "--pkce-optional",
					     "--default-scope", "--welcome", "--token-endpoint-auth-method", "--id", "--jwks-uri",
					     "--jwks", "--admin", "--identity-provider", NULL };
	if (argc < 3 || !options_ok(argc, argv, 3, known))
		return admin_usage();
	const char *project = option(argc, argv, "--project");
	const char *auth_method = option(argc, argv, "--token-endpoint-auth-method");
	if (auth_method && !clients_auth_method_valid(auth_method)) {
		fprintf(stderr, "tessera-admin: --token-endpoint-auth-method: none, client_secret_basic, client_secret_post "
				"or private_key_jwt\n");
		return 2;
	}
	if (!strcmp(argv[2], "set") && option(argc, argv, "--identity-provider") && option(argc, argv, "--id") &&
	    !auth_method)
		return admin_client_identity_provider(option(argc, argv, "--id"), option(argc, argv, "--identity-provider"));
	if (!strcmp(argv[2], "set"))
		return client_set(argc, argv, option(argc, argv, "--id"), auth_method);
	if (!strcmp(argv[2], "create")) {
		const char *name = option(argc, argv, "--name");
		/* --admin true: a project admin client, e.g. a directory's SCIM provisioning (PROTOCOL.md §10.1). */
		const char *admin = option(argc, argv, "--admin");
		if (!project || !name || !*name || strlen(name) > 255 || (admin && strcmp(admin, "true") && strcmp(admin, "false")))
			return admin_usage();
		int exists = project_exists(project);
		if (exists <= 0) {
			fprintf(stderr, "tessera-admin: no project %s\n", project);
			return exists < 0 ? 1 : 2;
		}
		char id[37], secret[65];
		if (clients_create(project, name, option(argc, argv, "--description"), id, secret) < 0 ||
		    client_settings(argc, argv, id) < 0 || (auth_method && clients_set_auth_method(id, auth_method) != 0))
			return 1;
		if (admin && members_set_client_admin(id, project, !strcmp(admin, "true")) < 0)
			return 1;
		printf("client_id: %s\nclient_secret: %s\n", id, secret);
		return 0;
	}
	if (!strcmp(argv[2], "list")) {
		struct db_result r;
		if (clients_list_rows(project, &r) < 0)
			return 1;
		for (unsigned i = 0; i < r.nrows; i++)
			printf("%s\t%s\t%s\t%s\n", db_cell(&r, i, 0), db_cell(&r, i, 1), db_cell(&r, i, 2), db_cell(&r, i, 3));
		db_result_free(&r);
		return 0;
	}
	return admin_usage();
}

static int cmd_keys_list(void)
{
	struct db_result r;
	if (keys_list_in_use(&r) < 0)
		return 1;
	int unreadable = 0;
	for (unsigned i = 0; i < r.nrows; i++) {
		const char *state = "plain";
		if (!strcmp(db_cell(&r, i, 3), "1")) {
			char *json = keywrap_unwrap(db_cell(&r, i, 6), db_cell(&r, i, 0));
			state = json ? "wrapped" : "wrapped, cannot unwrap";
			unreadable += !json;
			if (json) {
				memset(json, 0, strlen(json));
				free(json);
			}
		}
		printf("%s\t%s\t%s\t%s\tcreated %s\texpires %s\n", db_cell(&r, i, 0), db_cell(&r, i, 1),
		       !strcmp(db_cell(&r, i, 2), "1") ? "signing" : "verify-only", state, db_cell(&r, i, 4),
		       db_cell(&r, i, 5));
	}
	db_result_free(&r);
	if (unreadable)
		fprintf(stderr, "tessera-admin: %d wrapped key(s) cannot be unwrapped: key_encryption_key %s\n", unreadable,
			keywrap_enabled() ? "is a different key" : "is not set");
	return unreadable ? 1 : 0;
}

/* The old keys stop signing at once but keep verifying until every token they signed has
 * expired: the longest lifetime of any token plus a margin for clock skew. */
static long longest_token_lifetime(void)
{
	long longest = cfg.access_token_lifetime;
	if (cfg.refresh_token_lifetime > longest)
		longest = cfg.refresh_token_lifetime;
	if (cfg.id_token_lifetime > longest)
		longest = cfg.id_token_lifetime;
	long clients_longest = clients_longest_lifetime();
	if (clients_longest > longest)
		longest = clients_longest;
	return longest + 300;
}

struct rotation {
	long keep;   /* seconds the retired keys keep verifying */
	char kid[37];
};

/* Retire the signing key and make the next one, in one transaction: db_transaction runs it
 * again when a rotation on another node won the race (the UPDATE and the one-active-key index
 * conflict, sql/028), so both rotations take effect one after the other and one key signs. */
static int rotation_steps(void *ctx)
{
	struct rotation *rot = ctx;
	if (keys_retire_active(rot->keep) < 0)
		return -1;
	return keys_create(cfg.signing_alg, rot->kid);
}

static int cmd_keys_rotate(void)
{
	struct rotation rot = { .keep = longest_token_lifetime() };
	if (db_transaction(rotation_steps, &rot) != 0)
		return 1;
	printf("new signing key %s (%s)%s; previous keys verify for %ld more seconds\n", rot.kid, cfg.signing_alg,
	       keywrap_enabled() ? ", wrapped" : "", rot.keep);
	return 0;
}

static int cmd_keys_wrap(void)
{
	if (!keywrap_enabled()) {
		fprintf(stderr, "tessera-admin: key_encryption_key is not set (64 hex characters)\n");
		return 2;
	}
	unsigned wrapped = 0;
	int rc = keys_wrap_plain(&wrapped);
	if (rc < 0)
		return 1;
	printf("%u key(s) wrapped\n", wrapped);
	return rc;
}

static int cmd_keys(int argc, char **argv)
{
	if (argc != 3)
		return admin_usage();
	if (!strcmp(argv[2], "list"))
		return cmd_keys_list();
	if (!strcmp(argv[2], "rotate"))
		return cmd_keys_rotate();
	if (!strcmp(argv[2], "wrap"))
		return cmd_keys_wrap();
	return admin_usage();
}

struct backlog {
	long long pending, failed, oldest;  /* messages; seconds the oldest pending one has waited */
};

/* The outbox's pending and failed messages; every count -1 when they cannot be read. */
static struct backlog outbox_backlog(void)
{
	struct backlog b = { 0, 0, 0 };
	struct db_result r;
	if (mail_outbox_counts(&r) < 0)
		return (struct backlog){ -1, -1, -1 };
	for (unsigned i = 0; i < r.nrows; i++) {
		if (!strcmp(db_cell(&r, i, 0), "pending")) {
			b.pending = strtoll(db_cell(&r, i, 1), NULL, 10);
			b.oldest = strtoll(db_cell(&r, i, 2), NULL, 10);
		} else if (!strcmp(db_cell(&r, i, 0), "failed")) {
			b.failed = strtoll(db_cell(&r, i, 1), NULL, 10);
		}
	}
	db_result_free(&r);
	return b;
}

static int cmd_status(void)
{
	long long keys = keys_count(false);
	if (keys < 0) {
		printf("database: unreachable\n");
		return 1;
	}
	int pending = admin_pending_migrations();
	struct backlog outbox = outbox_backlog();
	printf("database: reachable\n");
	printf("migrations: %s\n", pending == 0 ? "current" : pending < 0 ? "unknown (no sql directory)" : "PENDING");
	printf("signing keys: %lld (signing: %lld)\n", keys, keys_count(true));
	int unreadable = keys_check_wrapped();
	if (unreadable > 0)
		printf("signing keys: %d wrapped key(s) cannot be unwrapped: key_encryption_key %s\n", unreadable,
		       keywrap_enabled() ? "is a different key" : "is not set");
	printf("outbox: %lld pending (oldest %lld s), %lld failed\n", outbox.pending, outbox.oldest, outbox.failed);
	return pending == 0 && unreadable == 0 ? 0 : 1;
}

/* Needs no configuration: documentation tests compare this list with docs/CONFIGURATION.md. */
static int cmd_config(void)
{
	size_t n;
	const struct config_key *keys = config_keys(&n);
	for (size_t i = 0; i < n; i++)
		printf("%s\t%s\n", keys[i].name, keys[i].default_value);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return admin_usage();
	if (!strcmp(argv[1], "config"))
		return argc == 2 ? cmd_config() : admin_usage();
	/* setup and upgrade load the configuration themselves (setup writes it). */
	if (!strcmp(argv[1], "setup") || !strcmp(argv[1], "upgrade")) {
		int rc = !strcmp(argv[1], "setup") ? cmd_setup(argc, argv) : cmd_upgrade(argc, argv);
		db_close();
		config_free();
		return rc;
	}
	char err[512];
	if (config_load(err, sizeof err) < 0) {
		fprintf(stderr, "tessera-admin: configuration: %s\n", err);
		return 1;
	}
	if (!strcmp(argv[1], "migrate") && use_migration_account(err, sizeof err) < 0) {
		fprintf(stderr, "tessera-admin: configuration: %s\n", err);
		return 1;
	}
	int rc;
	if (!strcmp(argv[1], "migrate"))
		rc = cmd_migrate(argc, argv);
	else if (!strcmp(argv[1], "seed"))
		rc = cmd_seed(argc, argv);
	else if (!strcmp(argv[1], "project"))
		rc = cmd_project(argc, argv);
	else if (!strcmp(argv[1], "domain"))
		rc = cmd_domain(argc, argv);
	else if (!strcmp(argv[1], "client"))
		rc = cmd_client(argc, argv);
	else if (!strcmp(argv[1], "client-registration"))
		rc = cmd_client_registration(argc, argv);
	else if (!strcmp(argv[1], "user"))
		rc = cmd_user(argc, argv);
	else if (!strcmp(argv[1], "member"))
		rc = cmd_member(argc, argv);
	else if (!strcmp(argv[1], "mail"))
		rc = cmd_mail(argc, argv);
	else if (!strcmp(argv[1], "keys"))
		rc = cmd_keys(argc, argv);
	else if (!strcmp(argv[1], "status"))
		rc = argc == 2 ? cmd_status() : admin_usage();
	else if (!strcmp(argv[1], "purge"))
		rc = cmd_purge(argc, argv);
	else if (!strcmp(argv[1], "import"))
		rc = cmd_import(argc, argv);
	else
		rc = admin_usage();
	if (rc == 1 && db_unavailable())
		fprintf(stderr, "tessera-admin: the database cannot be reached\n");
	db_close();
	config_free();
	return rc;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* admin-util: what the tessera-admin commands share: options, the usage text, the super admin. */
#include "admin.h"
#include "core/crypto.h"
#include "core/db.h"

#include <jansson.h>

#include <stdio.h>
#include <string.h>

const char *option(int argc, char **argv, const char *name)
{
	for (int i = 0; i + 1 < argc; i++)
		if (!strcmp(argv[i], name))
			return argv[i + 1];
	return NULL;
}

/* Options must be known and each take a value; anything else is a usage error. */
bool options_ok(int argc, char **argv, int first, const char *const *known)
{
	for (int i = first; i < argc; i += 2) {
		bool ok = false;
		for (const char *const *k = known; *k; k++)
			ok |= !strcmp(argv[i], *k);
		if (!ok || i + 1 >= argc) {
			fprintf(stderr, "tessera-admin: unexpected argument '%s'\n", argv[i]);
			return false;
		}
	}
	return true;
}

int admin_usage(void)
{
	fprintf(stderr,
		"usage: tessera-admin COMMAND [options]\n"
		"  setup [--non-interactive] [--base-url URL] [--admin-email E] [--web apache|lighttpd] ...\n"
		"                                        database, accounts, keys, schema, first super admin\n"
		"                                        (as root; setup --help lists every option)\n"
		"  upgrade [--if-reachable]              new migrations after a package upgrade\n"
		"  migrate [--sql-dir DIR]               apply pending migrations\n"
		"  seed [--email E] [--password P]       super-admin project and admin user\n"
		"  project create NAME                   create a project, print its id\n"
		"  project list                          list projects\n"
		"  project set --id ID --client-registration on|off\n"
		"                                        open or close dynamic client registration\n"
		"  client create --project ID --name N [--redirect-uri URI]... [--pkce-optional true]\n"
		"        [--default-scope S] [--welcome TEXT] [--token-endpoint-auth-method M] [--admin true]\n"
		"                                        create a client, print id and secret once\n"
		"  client set --id ID [--token-endpoint-auth-method none|client_secret_basic|client_secret_post|\n"
		"        private_key_jwt] [--jwks-uri URL] [--jwks JSON]\n"
		"                                        none: a code with PKCE needs no secret (default);\n"
		"                                        a method: every grant must authenticate with it;\n"
		"                                        private_key_jwt's keys: inline JWK Set or its URL\n"
		"  client set --id ID --identity-provider FILE|-|none\n"
		"                                        the client's external IdP (IdentityProvider JSON;\n"
		"                                        its clientSecret is sealed, never printed)\n"
		"  client list [--project ID]            list clients\n"
		"  client-registration token create --project ID [--uses N] [--expires-in SECONDS]\n"
		"                                        an initial access token for /oauth2/register, printed\n"
		"                                        once (uses 1..1000, default 1; 60 s..30 days, default 1 day)\n"
		"  client-registration token list --project ID | token revoke --id ID\n"
		"                                        the project's tokens (no secrets); revoke one\n"
		"  domain set --domain D --identity-provider FILE|-\n"
		"                                        users of the email domain D sign in at that IdP\n"
		"  domain list | domain remove --domain D\n"
		"  user create --email E --first F --last L [--password P] [--project ID]\n"
		"  user mfa-reset --user ID              turn MFA off and drop the secret (a lost device)\n"
		"  member add --project ID --user ID [--profile Practitioner|Patient|RelatedPerson] [--admin true]\n"
		"  import FILE [--dry-run] [--into-existing]\n"
		"                                        bring a Medplum export (Bundle or NDJSON) in: users keep\n"
		"                                        their passwords; new rows for projects already here, and\n"
		"                                        domains with accounts here, only with --into-existing;\n"
		"                                        docs/MIGRATING.md\n"
		"  config                                list configuration keys and defaults\n"
		"  keys list|rotate|wrap                 signing keys: list, new key (old one verifies until\n"
		"                                        its tokens expire), wrap with key_encryption_key\n"
		"  mail send-test --to ADDRESS [--name N] [--project ID] [--template NAME]\n"
		"                                        queue a message (template test) and try to send it\n"
		"  mail status                           outbox counts: pending, sending, sent, failed\n"
		"  mail retry                            pending mail due now, failed mail pending again\n"
		"  status                                database, migrations, keys, outbox backlog\n"
		"  purge [--days N] [--audit-days A]     delete what has expired: logins idle N days (30) past\n"
		"                                        their refresh lifetime, spent requests, registration\n"
		"                                        tokens and signing keys, sent mail, after N days;\n"
		"                                        revocations, assertion ids, sign-in trips once\n"
		"                                        useless; audit events older than A days (365)\n");
	return 2;
}

int admin_find(const char *email, char user_id[37])
{
	struct db_result r;
	if (db_query(&r, "SELECT id FROM user WHERE scope_key = '' AND email = ?", "s", email) < 0)
		return -1;
	int found = r.nrows > 0;
	if (found)
		snprintf(user_id, 37, "%s", db_cell(&r, 0, 0));
	db_result_free(&r);
	return found;
}

int admin_create(const char *email, const char *hash)
{
	char project[37], user[37], profile[37], membership[37];
	if (crypto_uuid_v4(project) || crypto_uuid_v4(user) || crypto_uuid_v4(profile) || crypto_uuid_v4(membership))
		return -1;
	json_t *res = json_pack("{s:s, s:s, s:[{s:[s], s:s}], s:[{s:s, s:s, s:s}], s:{s:s}}", "resourceType",
				"Practitioner", "id", profile, "name", "given", "Super", "family", "Admin", "telecom",
				"system", "email", "use", "work", "value", email, "meta", "project", project);
	char *json = json_dumps(res, JSON_COMPACT);
	json_decref(res);
	int rc = -1;
	if (json && db_begin() == 0) {
		rc = db_exec(NULL, "INSERT INTO project (id, name, super_admin, owner_user_id) VALUES (?, 'Super Admin', TRUE, ?)",
			     "ss", project, user) ||
		     db_exec(NULL,
			     "INSERT INTO user (id, email, email_verified, first_name, last_name, password_hash, admin) "
			     "VALUES (?, ?, TRUE, 'Super', 'Admin', ?, TRUE)",
			     "sss", user, email, hash) ||
		     db_exec(NULL,
			     "INSERT INTO profile (id, resource_type, project_id, display, resource) "
			     "VALUES (?, 'Practitioner', ?, 'Super Admin', ?)",
			     "sss", profile, project, json) ||
		     db_exec(NULL,
			     "INSERT INTO project_membership (id, project_id, user_type, user_id, profile_type, profile_id, admin) "
			     "VALUES (?, ?, 'User', ?, 'Practitioner', ?, TRUE)",
			     "ssss", membership, project, user, profile);
		rc = rc == 0 ? db_commit() : (db_rollback(), -1);
	}
	free(json);
	return rc;
}

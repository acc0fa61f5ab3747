/* SPDX-License-Identifier: BSD-2-Clause */
/* admin-util: what the tessera-admin commands share: options, the usage text, the super admin. */
#include "admin.h"
#include "core/crypto.h"
#include "core/db.h"
#include "domain/people.h"
#include "domain/projects.h"

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
	struct person p;
	int rc = people_find_user(email, NULL, &p);
	if (rc == 0)
		snprintf(user_id, 37, "%s", p.id);
	return rc < 0 ? -1 : rc == 0;
}

int admin_create(const char *email, const char *hash)
{
	char project[37], user[37], profile[37], membership[37];
	if (crypto_uuid_v4(project) || crypto_uuid_v4(user) || db_begin() < 0)
		return -1;
	/* The project, its owner, the owner's Practitioner and admin membership: all or none. */
	int rc = projects_insert_super_admin(project, user) ||
		 people_create_super_admin(user, email, hash) ||
		 people_create_profile("Practitioner", project, "Super", "Admin", email, profile) ||
		 people_create_membership(project, user, "Practitioner", profile, true, NULL, membership);
	return rc == 0 ? db_commit() : (db_rollback(), -1);
}

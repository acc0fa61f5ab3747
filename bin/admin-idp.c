/* SPDX-License-Identifier: BSD-2-Clause */
/* admin-idp: external identity providers from the command line (PROTOCOL.md §12):
 *   tessera-admin domain set --domain D --identity-provider FILE   (FILE "-": standard input)
 *   tessera-admin domain list | domain remove --domain D
 *   tessera-admin client set --id ID --identity-provider FILE|none
 * The configuration is JSON (Medplum's IdentityProvider); its clientSecret is read from a file
 * or standard input, never from the command line (where ps and shell histories would keep it),
 * sealed at rest and never printed. */
#include "admin.h"
#include "domain/clients.h"
#include "domain/domains.h"
#include "domain/idp.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static json_t *read_identity_provider(const char *path)
{
	json_error_t e;
	json_t *idp = !strcmp(path, "-") ? json_loadf(stdin, JSON_REJECT_DUPLICATES, &e)
					 : json_load_file(path, JSON_REJECT_DUPLICATES, &e);
	if (!json_is_object(idp)) {
		fprintf(stderr, "tessera-admin: %s: not a JSON object (%s)\n", path, idp ? "wrong type" : e.text);
		json_decref(idp);
		return NULL;
	}
	return idp;
}

static int refused(const struct refusal *err)
{
	fprintf(stderr, "tessera-admin: %s\n", err->text);
	return 2;
}

int admin_client_identity_provider(const char *id, const char *path)
{
	json_t *idp = NULL;
	if (strcmp(path, "none") && !(idp = read_identity_provider(path)))
		return 2;
	struct refusal err;
	int rc = clients_set_identity_provider(id, idp, &err);
	json_decref(idp);
	if (rc == 0)
		printf("client %s: identity provider %s\n", id, idp ? "set" : "removed");
	return rc == 0 ? 0 : rc < 0 ? 1 : refused(&err);
}

static int domain_list(void)
{
	json_t *all;
	if (domains_list(&all) < 0)
		return 1;
	size_t i;
	json_t *d;
	json_array_foreach(all, i, d) {
		json_t *idp = json_object_get(d, "identityProvider");
		printf("%s\t%s\t%s\n", json_string_value(json_object_get(d, "domain")),
		       json_string_value(json_object_get(idp, "authorizeUrl")) ?: "-",
		       json_string_value(json_object_get(idp, "clientId")) ?: "-");
	}
	json_decref(all);
	return 0;
}

int cmd_domain(int argc, char **argv)
{
	static const char *const known[] = { "--domain", "--identity-provider", NULL };
	if (argc < 3 || !options_ok(argc, argv, 3, known))
		return admin_usage();
	const char *domain = option(argc, argv, "--domain"), *path = option(argc, argv, "--identity-provider");
	if (!strcmp(argv[2], "list") && argc == 3)
		return domain_list();
	if (!strcmp(argv[2], "remove") && domain) {
		int rc = domains_remove(domain);
		if (rc == 1)
			fprintf(stderr, "tessera-admin: no domain %s\n", domain);
		return rc == 0 ? 0 : rc < 0 ? 1 : 2;
	}
	if (!strcmp(argv[2], "set") && domain && path) {
		json_t *idp = read_identity_provider(path);
		if (!idp)
			return 2;
		struct refusal err;
		int rc = domains_set(domain, idp, &err);
		json_decref(idp);
		if (rc == 0)
			printf("domain %s: identity provider set\n", domain);
		return rc == 0 ? 0 : rc < 0 ? 1 : refused(&err);
	}
	return admin_usage();
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* admin-dcr: dynamic client registration from the command line (PROTOCOL.md §7.6):
 *   tessera-admin client-registration token create --project ID [--uses N] [--expires-in SECONDS]
 *   tessera-admin client-registration token list --project ID
 *   tessera-admin client-registration token revoke --id ID
 *   tessera-admin project set --id ID --client-registration on|off
 * The same owner modules as the admin API (dcr, projects) and the same audit event
 * (settings-updated of the project), each change with its event in one transaction. A token is
 * printed once, at creation; list shows ids, dates and uses, never a secret. */
#include "admin.h"
#include "core/crypto.h"
#include "core/db.h"
#include "domain/audit.h"
#include "domain/dcr.h"
#include "domain/projects.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *message, const char *detail)
{
	fprintf(stderr, "tessera-admin: %s%s\n", message, detail ? detail : "");
	return 2;
}

/* A whole number from low to high: 0 and *value set, or 2 (the message printed). */
static int number_option(int argc, char **argv, const char *name, long low, long high, long *value)
{
	const char *v = option(argc, argv, name);
	if (!v)
		return 0;
	char *end = NULL;
	long n = strtol(v, &end, 10);
	if (end == v || *end || strspn(v, "0123456789") != strlen(v) || n < low || n > high) {
		fprintf(stderr, "tessera-admin: %s takes a whole number from %ld to %ld\n", name, low, high);
		return 2;
	}
	*value = n;
	return 0;
}

/* The project named by --project: 0 (its settings in ps), 2 (the message printed), 1. */
static int named_project(int argc, char **argv, struct project_settings *ps)
{
	const char *id = option(argc, argv, "--project");
	if (!id)
		return fail("--project ID is required (tessera-admin project list shows the ids)", NULL);
	int rc = crypto_is_uuid(id) ? projects_settings(id, ps) : 1;
	if (rc == 1) {
		fprintf(stderr, "tessera-admin: no project %s (tessera-admin project list shows the ids)\n", id);
		return 2;
	}
	return rc < 0 ? 1 : 0;
}

static int settings_event(const char *project)
{
	return audit_write(&(struct audit_event){ .type = AUDIT_SETTINGS, .project_id = project });
}

struct creation {
	const char *project;
	long expires_in, uses;
	json_t *token;
};

static int creation_steps(void *ctx)
{
	struct creation *c = ctx;
	json_decref(c->token);
	c->token = NULL;
	return dcr_issue_token(c->project, c->expires_in, (int)c->uses, NULL, &c->token) < 0 || settings_event(c->project) < 0
		       ? -1
		       : 0;
}

static int token_create(int argc, char **argv)
{
	struct project_settings ps;
	struct creation c = { .expires_in = 86400, .uses = 1 };
	int rc = named_project(argc, argv, &ps);
	if (rc != 0)
		return rc;
	if (number_option(argc, argv, "--uses", 1, DCR_TOKEN_MAX_USES, &c.uses) ||
	    number_option(argc, argv, "--expires-in", 60, DCR_TOKEN_MAX_SECONDS, &c.expires_in))
		return 2;
	c.project = ps.id;
	if (db_transaction(creation_steps, &c) != 0) {
		json_decref(c.token);
		return 1;
	}
	printf("token: %s\nid: %s\nexpires: %s\nuses: %ld\n", json_string_value(json_object_get(c.token, "token")),
	       json_string_value(json_object_get(c.token, "id")), json_string_value(json_object_get(c.token, "expiresAt")),
	       c.uses);
	printf("The token is shown only now: give it to the developer who registers the client.\n");
	json_decref(c.token);
	if (!ps.client_registration)
		fprintf(stderr, "tessera-admin: note: client registration is off for this project; turn it on with "
				"tessera-admin project set --id %s --client-registration on\n",
			ps.id);
	return 0;
}

static int token_list(int argc, char **argv)
{
	struct project_settings ps;
	int rc = named_project(argc, argv, &ps);
	json_t *all = NULL;
	if (rc != 0)
		return rc;
	if (dcr_list_tokens(ps.id, &all) < 0)
		return 1;
	size_t i;
	json_t *t;
	json_array_foreach(all, i, t) {
		printf("%s\tcreated %s\texpires %s\t%lld uses left\t%s\n", json_string_value(json_object_get(t, "id")),
		       json_string_value(json_object_get(t, "createdAt")), json_string_value(json_object_get(t, "expiresAt")),
		       (long long)json_integer_value(json_object_get(t, "usesLeft")),
		       json_string_value(json_object_get(t, "state")));
	}
	if (json_array_size(all) == 0)
		fprintf(stderr, "tessera-admin: project %s has no registration tokens\n", ps.id);
	json_decref(all);
	return 0;
}

struct revocation {
	const char *id;
	char project[37];
};

static int revocation_steps(void *ctx)
{
	struct revocation *r = ctx;
	int rc = dcr_revoke_token(r->id, r->project);
	return rc != 0 ? rc : settings_event(r->project) < 0 ? -1 : 0;
}

static int token_revoke(int argc, char **argv)
{
	struct revocation r = { .id = option(argc, argv, "--id") };
	if (!r.id)
		return fail("--id ID is required (tessera-admin client-registration token list --project ID shows them)", NULL);
	int rc = db_transaction(revocation_steps, &r);
	if (rc == 1) {
		fprintf(stderr, "tessera-admin: no registration token %s (tessera-admin client-registration token list "
				"--project ID shows them)\n",
			r.id);
		return 2;
	}
	if (rc != 0)
		return 1;
	printf("registration token %s revoked (project %s)\n", r.id, r.project);
	return 0;
}

int cmd_client_registration(int argc, char **argv)
{
	static const char *const known[] = { "--project", "--uses", "--expires-in", "--id", NULL };
	if (argc < 4 || strcmp(argv[2], "token"))
		return admin_usage();
	if (!options_ok(argc, argv, 4, known))
		return 2;
	bool for_project = option(argc, argv, "--project") != NULL, limits = option(argc, argv, "--uses") ||
									    option(argc, argv, "--expires-in");
	if (!strcmp(argv[3], "create") && !option(argc, argv, "--id"))
		return token_create(argc, argv);
	if (!strcmp(argv[3], "list") && !limits && !option(argc, argv, "--id"))
		return token_list(argc, argv);
	if (!strcmp(argv[3], "revoke") && !limits && !for_project)
		return token_revoke(argc, argv);
	return admin_usage();
}

struct switch_change {
	const char *project;
	bool open;
};

static int switch_steps(void *ctx)
{
	struct switch_change *c = ctx;
	return projects_set_client_registration(c->project, c->open) < 0 || settings_event(c->project) < 0 ? -1 : 0;
}

/* project set --id ID --client-registration on|off */
int admin_project_set(int argc, char **argv)
{
	static const char *const known[] = { "--id", "--client-registration", NULL };
	if (!options_ok(argc, argv, 3, known))
		return 2;
	const char *id = option(argc, argv, "--id"), *open = option(argc, argv, "--client-registration");
	if (!id || !open)
		return admin_usage();
	if (strcmp(open, "on") && strcmp(open, "off"))
		return fail("--client-registration takes on or off", NULL);
	struct project_settings ps;
	int rc = crypto_is_uuid(id) ? projects_settings(id, &ps) : 1;
	if (rc == 1) {
		fprintf(stderr, "tessera-admin: no project %s (tessera-admin project list shows the ids)\n", id);
		return 2;
	}
	if (rc < 0 || db_transaction(switch_steps, &(struct switch_change){ ps.id, !strcmp(open, "on") }) != 0)
		return 1;
	printf("project %s: client registration %s\n", ps.id, open);
	return 0;
}

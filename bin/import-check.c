/* SPDX-License-Identifier: BSD-2-Clause */
/* import-check: every resource of a Medplum export checked before anything is written: its type,
 * id and size, the project it belongs to, the fields Tessera keeps for it, and what it names
 * (duplicate ids, duplicate emails in one scope, memberships naming another project's user).
 * The owners' own checks (clients_store.check, ...) run again when the rows are written. */
#include "import.h"
#include "core/crypto.h"
#include "core/password.h"
#include "domain/people.h"
#include "domain/domains.h"
#include "domain/projects.h"
#include "domain/shape.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Larger than any identity resource Medplum makes; a profile is kept up to 64 KiB as well. */
#define IMPORT_MAX_RESOURCE 65536
#define IMPORT_MAX_ERRORS 50

const char *const import_type_names[IK_COUNT] = { "Project",     "AccessPolicy",      "Practitioner",
						  "Patient",     "RelatedPerson",     "User",
						  "ClientApplication", "Bot", "ProjectMembership",
						  "DomainConfiguration" };

void import_error(struct import *im, const char *where, const char *message)
{
	if (++im->errors <= IMPORT_MAX_ERRORS)
		fprintf(stderr, "%s%s %s: %s\n", im->progress ? "\n" : "", im->file, where, message);
	else if (im->errors == IMPORT_MAX_ERRORS + 1)
		fprintf(stderr, "%s: more errors follow; fix these first\n", im->file);
}

void import_item_error(struct import *im, const struct import_item *it, const char *message)
{
	char where[128];
	/* Only a UUID is shown: the file's own text could hold terminal escapes. */
	if (it->kind < IK_COUNT && crypto_is_uuid(it->id))
		snprintf(where, sizeof where, "%s (%s/%s)", it->where, import_type_names[it->kind], it->id);
	else
		snprintf(where, sizeof where, "%s", it->where);
	import_error(im, where, message);
}

static enum import_kind kind_of(const char *type)
{
	for (int k = 0; type && k < IK_COUNT; k++)
		if (!strcmp(type, import_type_names[k]))
			return (enum import_kind)k;
	return IK_SKIPPED;
}

void import_add(struct import *im, json_t *res, const char *where)
{
	if (im->n == im->cap) {
		size_t cap = im->cap ? im->cap * 2 : 256;
		struct import_item *grown = realloc(im->items, cap * sizeof *grown);
		if (!grown) {
			json_decref(res);
			import_error(im, where, "out of memory");
			return;
		}
		im->items = grown;
		im->cap = cap;
	}
	struct import_item *it = &im->items[im->n++];
	memset(it, 0, sizeof *it);
	it->res = res;
	snprintf(it->where, sizeof it->where, "%s", where);
	it->kind = kind_of(json_string_value(json_object_get(res, "resourceType")));
	const char *id = json_string_value(json_object_get(res, "id"));
	if (id && strlen(id) < sizeof it->id)
		snprintf(it->id, sizeof it->id, "%s", id);
}

/* "Project/<uuid>" of a reference member, into id ("" when absent): false when malformed. */
static bool project_reference(json_t *o, const char *key, char id[37])
{
	return shape_reference(o, key, "Project", id);
}

/* The project an item belongs to: the Project itself, a User's or membership's `project`,
 * everything else meta.project; server users and domains none. */
static bool find_project(struct import *im, struct import_item *it)
{
	const char *meta_project = json_string_value(json_object_get(json_object_get(it->res, "meta"), "project"));
	switch (it->kind) {
	case IK_PROJECT:
		snprintf(it->project, sizeof it->project, "%s", it->id);
		return true;
	case IK_DOMAIN:
		return true;
	case IK_USER:
	case IK_MEMBERSHIP:
		if (!project_reference(it->res, "project", it->project)) {
			import_item_error(im, it, "project must be a reference {\"reference\": \"Project/<id>\"}");
			return false;
		}
		if (it->kind == IK_MEMBERSHIP && !it->project[0]) {
			import_item_error(im, it, "a ProjectMembership needs its project");
			return false;
		}
		return true;
	default:
		if (!meta_project || !crypto_is_uuid(meta_project)) {
			import_item_error(im, it, "meta.project must name the project (a UUID): export with Medplum's project ids");
			return false;
		}
		snprintf(it->project, sizeof it->project, "%s", meta_project);
		return true;
	}
}

static bool email_ok(const char *e)
{
	const char *at = e ? strchr(e, '@') : NULL;
	if (!at || at == e || !at[1] || strchr(at + 1, '@') || strlen(e) > 320)
		return false;
	for (const unsigned char *p = (const unsigned char *)e; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

/* What no owner's check looks at for a User (Tessera has no User resource). */
static bool user_ok(struct import *im, const struct import_item *it)
{
	json_t *u = it->res;
	const char *s;
	int b = 0;
	const char *email = json_string_value(json_object_get(u, "email"));
	if (json_object_get(u, "email") && !email_ok(email))
		return import_item_error(im, it, "email must be an address local@domain of at most 320 bytes"), false;
	if (!shape_string(u, "externalId", 255, &s))
		return import_item_error(im, it, "externalId must be a string of at most 255 characters"), false;
	if (!email && !s)
		return import_item_error(im, it, "a User needs an email or an externalId"), false;
	if (!shape_string(u, "firstName", 128, &s) || !shape_string(u, "lastName", 128, &s))
		return import_item_error(im, it, "firstName and lastName must be strings of at most 128 characters"), false;
	if (!shape_bool(u, "emailVerified", &b))
		return import_item_error(im, it, "emailVerified must be true or false"), false;
	json_t *hash = json_object_get(u, "passwordHash");
	if (hash && !json_is_null(hash) && !password_is_bcrypt(json_string_value(hash)))
		return import_item_error(im, it,
					 "passwordHash is not a bcrypt hash ($2a$/$2b$, cost 4 to 14): remove passwordHash "
					 "and the user sets a password with \"Forgot password?\""),
		       false;
	return true;
}

static bool bot_ok(struct import *im, const struct import_item *it)
{
	const char *name, *description;
	if (!shape_string(it->res, "name", 255, &name) || !name)
		return import_item_error(im, it, "a Bot needs a name of at most 255 characters"), false;
	if (!shape_string(it->res, "description", 4096, &description))
		return import_item_error(im, it, "description must be a string of at most 4096 characters"), false;
	return true;
}

/* One item on its own. */
static bool item_ok(struct import *im, struct import_item *it)
{
	if (!json_string_value(json_object_get(it->res, "resourceType")))
		return import_item_error(im, it, "resourceType is missing: is this a FHIR resource?"), false;
	if (it->kind == IK_SKIPPED)
		return true;
	if (!crypto_is_uuid(it->id))
		return import_item_error(im, it, "id must be a UUID (Medplum's ids are; keep them in the export)"), false;
	char *text = json_dumps(it->res, JSON_COMPACT);
	size_t len = text ? strlen(text) : 0;
	free(text);
	if (len > IMPORT_MAX_RESOURCE)
		return import_item_error(im, it, "the resource is larger than 64 KiB: shorten its fields"), false;
	if (!find_project(im, it))
		return false;
	if (it->kind == IK_USER)
		return user_ok(im, it);
	if (it->kind == IK_BOT)
		return bot_ok(im, it);
	return true;
}

/* The export itself or this server holds the project. */
static bool project_known(struct import *im, json_t *projects, const struct import_item *it)
{
	if (!it->project[0] || json_object_get(projects, it->project))
		return true;
	int rc = projects_exists(it->project);
	if (rc == 0)
		return true;
	char msg[160];
	snprintf(msg, sizeof msg, "project %s is neither in the export nor on this server%s", it->project,
		 rc < 0 ? " (the database cannot be read)" : ": export the Project too");
	import_item_error(im, it, msg);
	return false;
}

/* The same id twice, and the same email twice in one scope (a project's, or the server's). */
static void duplicates(struct import *im, json_t *ids, json_t *emails)
{
	for (size_t i = 0; i < im->n; i++) {
		struct import_item *it = &im->items[i];
		if (it->kind == IK_SKIPPED || it->bad)
			continue;
		char key[400], msg[200];
		snprintf(key, sizeof key, "%s/%s", import_type_names[it->kind], it->id);
		json_t *seen = json_object_get(ids, key);
		if (seen) {
			snprintf(msg, sizeof msg, "the same id as %s: keep one of them", json_string_value(seen));
			import_item_error(im, it, msg);
		} else {
			json_object_set_new(ids, key, json_string(it->where));
		}
		const char *email = json_string_value(json_object_get(it->res, "email"));
		if (it->kind != IK_USER || !email)
			continue;
		char lower[321];
		people_lower_email(email, lower, sizeof lower);
		snprintf(key, sizeof key, "%s|%s", it->project, lower);
		if ((seen = json_object_get(emails, key))) {
			snprintf(msg, sizeof msg, "the email is also the User's at %s (one account per email and project)",
				 json_string_value(seen));
			import_item_error(im, it, msg);
		} else {
			json_object_set_new(emails, key, json_string(it->where));
		}
	}
}

/* A membership may name a User of its own project or of the server, never another project's. */
static void membership_users(struct import *im, json_t *user_index)
{
	for (size_t i = 0; i < im->n; i++) {
		struct import_item *it = &im->items[i];
		char uid[37];
		if (it->kind != IK_MEMBERSHIP || it->bad || !shape_reference(it->res, "user", "User", uid) || !uid[0])
			continue;
		json_t *at = json_object_get(user_index, uid);
		if (!at)
			continue; /* on the server already (or not): the membership check decides */
		struct import_item *u = &im->items[json_integer_value(at)];
		if (u->project[0] && strcmp(u->project, it->project)) {
			char msg[200];
			snprintf(msg, sizeof msg, "user User/%s (%s) belongs to project %s, not this membership's", uid, u->where,
				 u->project);
			import_item_error(im, it, msg);
		} else if (!u->group[0]) {
			/* A server user is written with the first project that names it. */
			snprintf(u->group, sizeof u->group, "%s", it->project);
		}
	}
}

/* Project ids are no secret: an export that names a project of this server may write into it
 * only when the operator says so (--into-existing; import-write.c refuses its new rows). Noted
 * here, before anything is written. */
static void server_projects(struct import *im)
{
	im->server_projects = json_object();
	for (size_t i = 0; i < im->n; i++) {
		const struct import_item *it = &im->items[i];
		if (it->kind == IK_SKIPPED || it->bad || !it->group[0] || json_object_get(im->server_projects, it->group))
			continue;
		int rc = projects_exists(it->group);
		if (rc < 0)
			import_item_error(im, it, "the database cannot be read");
		else
			json_object_set_new(im->server_projects, it->group, json_boolean(rc == 0));
	}
}

/* A new DomainConfiguration signs in every account of its domain at its identity provider: one
 * for a domain whose people already have accounts here takes the operator's word too. */
static void domain_accounts(struct import *im)
{
	for (size_t i = 0; !im->into_existing && i < im->n; i++) {
		const struct import_item *it = &im->items[i];
		const char *domain = json_string_value(json_object_get(it->res, "domain"));
		if (it->kind != IK_DOMAIN || it->bad || !domain)
			continue;
		json_t *row = NULL;
		int here = domains_store.get(it->id, &row);
		json_decref(row);
		int rc = here == 1 ? people_domain_has_accounts(domain) : here;
		if (rc < 0)
			import_item_error(im, it, "the database cannot be read");
		else if (rc == 1)
			import_item_error(im, it, "the email domain already has accounts on this server, which its identity "
						  "provider would sign in: if they are this export's people, run the import "
						  "with --into-existing");
	}
}

unsigned import_check(struct import *im)
{
	json_t *projects = json_object(), *ids = json_object(), *emails = json_object(), *users = json_object();
	for (size_t i = 0; i < im->n; i++) {
		struct import_item *it = &im->items[i];
		if (!item_ok(im, it))
			it->bad = true;
		else if (it->kind == IK_PROJECT)
			json_object_set_new(projects, it->id, json_true());
	}
	for (size_t i = 0; i < im->n; i++) {
		struct import_item *it = &im->items[i];
		if (it->kind == IK_SKIPPED || it->bad)
			continue;
		if (!project_known(im, projects, it))
			continue;
		snprintf(it->group, sizeof it->group, "%s", it->project);
		if (it->kind == IK_USER)
			json_object_set_new(users, it->id, json_integer((json_int_t)i));
	}
	duplicates(im, ids, emails);
	membership_users(im, users);
	server_projects(im);
	domain_accounts(im);
	json_decref(projects);
	json_decref(ids);
	json_decref(emails);
	json_decref(users);
	return im->errors;
}

void import_free(struct import *im)
{
	for (size_t i = 0; i < im->n; i++)
		json_decref(im->items[i].res);
	free(im->items);
	json_decref(im->unmapped);
	json_decref(im->server_projects);
}

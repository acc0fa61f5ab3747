/* SPDX-License-Identifier: BSD-2-Clause */
/* import-write: the rows of one project of a Medplum export, written in one transaction through
 * the owner modules (projects, policies, people, clients, members, domains), with Medplum's ids
 * kept: a row already there is counted and left alone, so a second run changes nothing. */
#include "import.h"
#include "core/db.h"
#include "core/fhir.h"
#include "domain/clients.h"
#include "domain/domains.h"
#include "domain/members.h"
#include "domain/memberstore.h"
#include "domain/people.h"
#include "domain/policies.h"
#include "domain/projects.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The members Tessera keeps of each type (besides resourceType, id and meta); the others are
 * reported as not mapped. Profiles are kept whole (NULL). */
static const char *const mapped[IK_COUNT] = {
	[IK_PROJECT] = " name description strictMode features setting systemSetting owner defaultPatientAccessPolicy ",
	[IK_POLICY] = " name compartment resource ipAccessRule ",
	[IK_USER] = " firstName lastName email emailVerified passwordHash project externalId ",
	[IK_CLIENT] = " name description secret status redirectUri redirectUris launchUri pkceOptional jwksUri "
		      "identityProvider accessTokenLifetime refreshTokenLifetime allowedOrigin defaultScope signInForm "
		      "tokenEndpointAuthMethod ",
	[IK_BOT] = " name description ",
	[IK_MEMBERSHIP] = " project user profile accessPolicy access admin active externalId userName identifier "
			  "userConfiguration ",
	[IK_DOMAIN] = " domain identityProvider ",
};

static bool is_mapped(enum import_kind kind, const char *key)
{
	char word[80];
	if (!strcmp(key, "resourceType") || !strcmp(key, "id") || !strcmp(key, "meta") || !mapped[kind])
		return true;
	snprintf(word, sizeof word, " %s ", key);
	return strstr(mapped[kind], word) != NULL;
}

static void count_unmapped(struct import *im, const char *what)
{
	json_object_set_new(im->unmapped, what, json_integer(json_integer_value(json_object_get(im->unmapped, what)) + 1));
}

/* What the export holds that Tessera does not keep, "Type.member" (and whole types) with counts. */
void import_note_unmapped(struct import *im)
{
	im->unmapped = json_object();
	for (size_t i = 0; i < im->n; i++) {
		const struct import_item *it = &im->items[i];
		char what[128];
		if (it->kind == IK_SKIPPED) {
			snprintf(what, sizeof what, "%s (not identity data: not imported)",
				 json_string_value(json_object_get(it->res, "resourceType")));
			count_unmapped(im, what);
			continue;
		}
		const char *key;
		json_t *v;
		json_object_foreach(it->res, key, v) {
			/* superAdmin is dropped: Tessera's super admin project is the one tessera-admin seed makes. */
			if (!is_mapped(it->kind, key) || (it->kind == IK_PROJECT && !strcmp(key, "superAdmin"))) {
				snprintf(what, sizeof what, "%s.%.80s", import_type_names[it->kind], key);
				count_unmapped(im, what);
			}
		}
	}
}

/* A copy of the members Tessera keeps. */
static json_t *kept(const struct import_item *it)
{
	json_t *copy = json_object();
	const char *key;
	json_t *v;
	json_object_foreach(it->res, key, v) if (is_mapped(it->kind, key) && strcmp(key, "id") && strcmp(key, "meta"))
		json_object_set(copy, key, v);
	return copy;
}

static const struct resource_store *store_of(enum import_kind kind)
{
	switch (kind) {
	case IK_PROJECT: return &projects_store;
	case IK_POLICY: return &policies_store;
	case IK_PRACTITIONER: return &people_practitioner_store;
	case IK_PATIENT: return &people_patient_store;
	case IK_RELATED: return &people_related_store;
	case IK_CLIENT: return &clients_store;
	case IK_MEMBERSHIP: return &members_store;
	case IK_DOMAIN: return &domains_store;
	default: return NULL;
	}
}

/* Where a row of this id is: 0 here already (this project, or global), 1 nowhere, 2 another
 * project's, -1. */
static int existing(const struct import_item *it)
{
	char project[37] = "";
	int rc;
	if (it->kind == IK_PROJECT)
		return projects_exists(it->id);
	if (it->kind == IK_USER) {
		struct person p;
		rc = people_get_user(it->id, &p);
		if (rc == 0)
			snprintf(project, sizeof project, "%s", p.project_id);
	} else if (it->kind == IK_BOT) {
		rc = clients_bot_project(it->id, project);
	} else {
		json_t *row = NULL;
		rc = store_of(it->kind)->get(it->id, &row);
		const char *p = json_string_value(json_object_get(json_object_get(row, "meta"), "project"));
		snprintf(project, sizeof project, "%s", p ? p : "");
		json_decref(row);
	}
	if (rc != 0)
		return rc;
	return strcmp(project, it->project) ? 2 : 0;
}

/* The export's membership of this client (its id is kept for the client's own), or NULL. */
static struct import_item *membership_of_client(struct import *im, const char *client)
{
	for (size_t i = 0; i < im->n; i++) {
		struct import_item *it = &im->items[i];
		char id[37] = "";
		if (it->kind == IK_MEMBERSHIP && !it->bad &&
		    fhir_reference_id(json_object_get(it->res, "user"), "ClientApplication", id) && !strcmp(id, client))
			return it;
	}
	return NULL;
}

/* Through the owner's check and insert, keeping the id. */
static int insert_checked(struct import *im, struct import_item *it, json_t *body)
{
	const struct resource_store *s = store_of(it->kind);
	struct refusal err = { 0 };
	json_t *out = NULL, *once = NULL;
	int rc = s->check(body, NULL, it->project, &out, &err);
	char id[37];
	snprintf(id, sizeof id, "%s", it->id);
	if (rc == 0 && it->kind == IK_CLIENT) {
		struct import_item *m = membership_of_client(im, it->id);
		rc = clients_import(it->project, id, m ? m->id : NULL, out, json_string_value(json_object_get(it->res, "secret")));
	}
	else if (rc == 0)
		rc = s->insert(it->project, out, id, &once, &err);
	json_decref(out);
	json_decref(once);
	if (rc == 1)
		import_item_error(im, it, err.text);
	return rc;
}

static int insert_user(struct import *im, const struct import_item *it)
{
	json_t *u = it->res;
	const char *hash = json_string_value(json_object_get(u, "passwordHash"));
	const char *first = json_string_value(json_object_get(u, "firstName"));
	const char *last = json_string_value(json_object_get(u, "lastName"));
	struct person_import p = { .id = it->id, .project_id = it->project, .email = json_string_value(json_object_get(u, "email")),
				   .first_name = first ? first : "", .last_name = last ? last : "", .password_hash = hash,
				   .external_id = json_string_value(json_object_get(u, "externalId")),
				   .email_verified = json_is_true(json_object_get(u, "emailVerified")) };
	int rc = people_import_user(&p);
	if (rc == 1)
		import_item_error(im, it,
				  "an account with this email already exists on this server with another id: remove it "
				  "from the export (or the server) and run the import again");
	return rc;
}

/* A ClientApplication's own membership is made with the client; the export's only brings its
 * access policy. */
static int client_membership(struct import *im, const struct import_item *it, const char *client)
{
	char policy[37] = "";
	if (!fhir_reference_id(json_object_get(it->res, "accessPolicy"), "AccessPolicy", policy) && json_object_get(it->res, "accessPolicy"))
		return import_item_error(im, it, "accessPolicy must be a reference to an AccessPolicy"), 1;
	if (!policy[0])
		return 0;
	int in = policies_in_project(policy, it->project);
	if (in <= 0)
		return in < 0 ? -1 : (import_item_error(im, it, "the access policy is not one of this project's"), 1);
	return members_set_client_policy(client, it->project, policy);
}

static int insert_item(struct import *im, struct import_item *it)
{
	json_t *body = kept(it);
	int rc;
	if (it->kind == IK_USER) {
		rc = insert_user(im, it);
	} else if (it->kind == IK_BOT) {
		char *text = json_dumps(body, JSON_COMPACT);
		rc = text ? clients_insert_bot(it->id, it->project, json_string_value(json_object_get(body, "name")),
					       json_string_value(json_object_get(body, "description")), text)
			  : -1;
		free(text);
	} else {
		/* Set once the policies and users are in (projects_import_links). */
		json_object_del(body, "owner");
		json_object_del(body, "defaultPatientAccessPolicy");
		rc = insert_checked(im, it, body);
	}
	json_decref(body);
	return rc;
}

/* Memberships of a ClientApplication came with their client (clients_import kept the id):
 * created with it, or already here with it. */
static int write_client_membership(struct import *im, struct import_item *it, const char *client)
{
	const struct import_item *c = NULL;
	for (size_t i = 0; !c && i < im->n; i++)
		if (im->items[i].kind == IK_CLIENT && !strcmp(im->items[i].id, client))
			c = &im->items[i];
	if (!c || !c->fresh) {
		int where = existing(it);
		if (where != 0)
			return where < 0 ? -1 : (import_item_error(im, it, "the membership of a ClientApplication comes with "
									   "its client: export the ClientApplication too"), 1);
		im->existing[IK_MEMBERSHIP]++;
		return 0;
	}
	int rc = client_membership(im, it, client);
	if (rc == 0)
		im->created[IK_MEMBERSHIP]++;
	return rc;
}

static int write_item(struct import *im, struct import_item *it)
{
	char client[37] = "";
	it->fresh = false;
	if (it->kind == IK_MEMBERSHIP &&
	    fhir_reference_id(json_object_get(it->res, "user"), "ClientApplication", client) && client[0])
		return write_client_membership(im, it, client);
	int where = existing(it);
	if (where < 0)
		return -1;
	if (where == 2) {
		import_item_error(im, it, "this id is already another project's on this server: was the export edited?");
		return 1;
	}
	if (where == 0) {
		im->existing[it->kind]++;
		return 0;
	}
	if (json_is_true(json_object_get(im->server_projects, it->group)) && !im->into_existing) {
		char msg[300];
		snprintf(msg, sizeof msg,
			 "project %s is already on this server and this row is new to it: if this export is that project's "
			 "own (a later export of a project imported before), run the import with --into-existing",
			 it->group);
		import_item_error(im, it, msg);
		return 1;
	}
	int rc = insert_item(im, it);
	if (rc == 0)
		im->created[it->kind]++;
	it->fresh = rc == 0;
	return rc;
}

/* The project's owner and defaultPatientAccessPolicy, once its users and policies exist. */
static int project_links(struct import *im, const struct import_item *it)
{
	char owner[37] = "", policy[37] = "";
	fhir_reference_id(json_object_get(it->res, "owner"), "User", owner);
	fhir_reference_id(json_object_get(it->res, "defaultPatientAccessPolicy"), "AccessPolicy", policy);
	if (policy[0]) {
		int in = policies_in_project(policy, it->id);
		if (in < 0)
			return -1;
		if (!in)
			return import_item_error(im, it, "defaultPatientAccessPolicy is not one of the project's AccessPolicies"), 1;
	}
	if (owner[0]) {
		struct person p;
		int rc = people_get_user(owner, &p);
		if (rc < 0)
			return -1;
		if (rc == 1 || (p.project_id[0] && strcmp(p.project_id, it->id)))
			return import_item_error(im, it, "the owner is not a User of this project or of the server"), 1;
	}
	return owner[0] || policy[0] ? projects_import_links(it->id, owner[0] ? owner : NULL, policy[0] ? policy : NULL) : 0;
}

int import_write_group(struct import *im, const char *group, bool commit)
{
	if (db_begin() < 0)
		return -1;
	int rc = 0;
	unsigned created_projects = im->created[IK_PROJECT];
	for (int kind = 0; rc >= 0 && kind < IK_COUNT; kind++)
		for (size_t i = 0; rc >= 0 && i < im->n; i++) {
			struct import_item *it = &im->items[i];
			if (it->kind == (enum import_kind)kind && !it->bad && !strcmp(it->group, group)) {
				int one = write_item(im, it);
				rc = one < 0 ? -1 : rc | one;
			}
		}
	/* Only a project made now gets its links (a second run changes nothing). */
	for (size_t i = 0; rc == 0 && im->created[IK_PROJECT] > created_projects && i < im->n; i++)
		if (im->items[i].kind == IK_PROJECT && !strcmp(im->items[i].id, group))
			rc = project_links(im, &im->items[i]);
	if (rc == 0 && commit)
		return db_commit() < 0 ? -1 : 0;
	db_rollback();
	return rc;
}

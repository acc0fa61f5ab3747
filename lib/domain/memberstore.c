/* SPDX-License-Identifier: BSD-2-Clause */
/* memberstore: the ProjectMembership resource of the resource API (see memberstore.h). */
#include "domain/memberstore.h"
#include "core/fhir.h"
#include "core/text.h"
#include "domain/clients.h"
#include "domain/members.h"
#include "domain/people.h"
#include "domain/policies.h"

#include <string.h>

static const char *const member_user_types[] = { "User", "ClientApplication", "Bot", NULL };
static const char *const member_profile_types[] = { "Patient", "Practitioner", "RelatedPerson", "ClientApplication",
						    "Bot", NULL };

/* A reference to one of types: its type and id. */
static bool typed_reference(json_t *ref, const char *const *types, char type[32], char id[37])
{
	for (const char *const *t = types; *t; t++)
		if (fhir_reference_id(ref, *t, id)) {
			text_copy(type, 32, *t);
			return true;
		}
	return false;
}

/* The user and profile of a new membership exist and may join this project: a User that is
 * server-scoped or of this project; a ClientApplication or Bot of this project, its own
 * profile; a Patient, Practitioner or RelatedPerson profile of this project. 0, 1, -1. */
static int check_parties(const char *project, const char *utype, const char *uid, const char *ptype, const char *pid,
			 struct refusal *err)
{
	bool agent = strcmp(utype, "User") != 0;
	if (agent && (strcmp(ptype, utype) || strcmp(pid, uid)))
		return refuse(err, 400, "Invalid membership.profile", "profile");
	if (!agent && (!strcmp(ptype, "ClientApplication") || !strcmp(ptype, "Bot")))
		return refuse(err, 400, "Invalid membership.profile", "profile");
	int found = !strcmp(utype, "User") ? people_user_may_join(uid, project) : clients_agent_in_project(utype, uid, project);
	if (found < 0)
		return -1;
	if (!found)
		return refuse(err, 400, "Invalid membership.user", "user");
	if (agent)
		return 0;
	found = people_profile_in_project(pid, ptype, project);
	if (found < 0)
		return -1;
	return found ? 0 : refuse(err, 400, "Invalid membership.profile", "profile");
}

static int check(json_t *body, json_t *stored, const char *project, json_t **out, struct refusal *err)
{
	struct member_fields f = { .active = true };
	int rc = members_parse_fields(body, &f, err);
	if (rc == 0)
		rc = policies_check_named(&f, project, err);
	if (rc != 0)
		return rc;
	char utype[32], uid[37], ptype[32], pid[37];
	/* project, user and profile are the stored ones on an update */
	json_t *who = stored ? stored : body;
	if (!typed_reference(json_object_get(who, "user"), member_user_types, utype, uid))
		return refuse(err, 400, "Invalid membership.user", "user");
	if (!typed_reference(json_object_get(who, "profile"), member_profile_types, ptype, pid))
		return refuse(err, 400, "Invalid membership.profile", "profile");
	if (!stored && (rc = check_parties(project, utype, uid, ptype, pid, err)) != 0)
		return rc;
	json_t *m = json_pack("{s:s, s:o, s:o, s:o, s:b, s:b}", "resourceType", "ProjectMembership", "project",
			      fhir_reference("Project", project, NULL), "user", fhir_reference(utype, uid, NULL), "profile",
			      fhir_reference(ptype, pid, NULL), "active", f.active, "admin", f.admin);
	if (f.access_policy_id[0])
		json_object_set_new(m, "accessPolicy", fhir_reference("AccessPolicy", f.access_policy_id, NULL));
	if (f.access)
		json_object_set(m, "access", f.access);
	if (f.identifier)
		json_object_set(m, "identifier", f.identifier);
	if (f.user_configuration)
		json_object_set(m, "userConfiguration", f.user_configuration);
	if (f.external_id)
		json_object_set_new(m, "externalId", json_string(f.external_id));
	if (f.user_name)
		json_object_set_new(m, "userName", json_string(f.user_name));
	*out = m;
	return 0;
}

static int insert(const char *project, json_t *m, char id[37], json_t **once, struct refusal *err)
{
	(void)once;
	struct member_fields f;
	char utype[32], uid[37], ptype[32], pid[37];
	if (members_resource_fields(m, &f, err) != 0 ||
	    !typed_reference(json_object_get(m, "user"), member_user_types, utype, uid) ||
	    !typed_reference(json_object_get(m, "profile"), member_profile_types, ptype, pid))
		return -1;
	char existing[37], profile[80];
	int rc = members_find(project, uid, existing, profile);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return refuse(err, 409, "User is already a member of this project", NULL);
	/* A second account of a member's address in the project (PROTOCOL.md §10.4). */
	rc = strcmp(utype, "User") ? 0 : members_email_clash(project, uid);
	if (rc != 0)
		return rc < 0 ? -1 : refuse(err, 409, "Email already registered", "user");
	rc = store_new_id(id) < 0 ? -1 : members_insert_with_id(project, utype, uid, ptype, pid, &f, id);
	if (rc == 1)
		return refuse(err, 409, "externalId or userName already used in this project", NULL);
	return rc;
}

const struct resource_store members_store = {
	.type = "ProjectMembership",
	.get = members_get_resource,
	.find = members_find_resources,
	.find_by = STORE_BY_IDENTIFIER,
	.check = check,
	.insert = insert,
	.update = members_update_resource,
	.remove = members_remove_resource,
};

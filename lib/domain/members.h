/* SPDX-License-Identifier: BSD-2-Clause */
/* members: ProjectMembership rows as the admin API reads and writes them (PROTOCOL.md §2, §9): the
 * whole resource as JSON, the fields an admin may set, and the access policies they name. Like
 * people.h, nothing here opens a transaction: callers group their writes in their own. */
#ifndef TESSERA_MEMBERS_H
#define TESSERA_MEMBERS_H
#include "core/db.h"
#include "core/refusal.h"
#include "domain/store.h"
#include <jansson.h>
#include <stdbool.h>

/* The fields of a membership beyond who it joins (project, user, profile). */
struct member_fields {
	bool active;
	bool admin;
	char access_policy_id[37];   /* "" for none */
	json_t *access;              /* [{policy:{reference}, parameter?:[...]}] or NULL; borrowed */
	json_t *identifier;          /* array or NULL; borrowed */
	json_t *user_configuration;  /* a Reference object or NULL; borrowed */
	const char *external_id;     /* NULL for none */
	const char *user_name;       /* NULL for none */
	const char *invited_by;      /* a User id or NULL */
};


/* Reads the member fields an admin may set from a JSON object (an invite's "membership", a
 * replaced ProjectMembership): admin, active, accessPolicy, access, externalId, userName,
 * identifier, userConfiguration. Members that are absent keep the value already in *f; a
 * member of the wrong shape is refused. 0, or 1 with err filled. */
int members_parse_fields(json_t *obj, struct member_fields *f, struct refusal *err);

/* The access policies the fields name are checked by policies_check_named (policies.h). */

/* Inserts a membership of a User, ClientApplication or Bot. 0, 1 duplicate (the project's
 * externalId or userName is taken), -1. */
int members_insert(const char *project_id, const char *user_type, const char *user_id, const char *profile_type,
		   const char *profile_id, const struct member_fields *f, char id_out[37]);
/* The same with the id chosen by the caller (an id staged in an audit event before the
 * transaction that may run again). 0, 1 duplicate, -1. */
int members_insert_with_id(const char *project_id, const char *user_type, const char *user_id, const char *profile_type,
			   const char *profile_id, const struct member_fields *f, const char id[37]);
/* The membership is the project owner's: 1 yes, 0 no, -1. */
int members_is_owner(const char *id);
int members_keep_owner(const char *id, const struct member_fields *f, struct refusal *err);
/* Replaces the settable fields of a membership. 0, 1 duplicate externalId/userName, -1. */
int members_update(const char *id, const struct member_fields *f);

/* Deletes a membership and, in the same transaction, revokes its logins (their tokens get 401
 * at once). The project owner's membership is refused: 400 "Cannot delete the owner of the
 * project". 0, 1 refused (err filled), -1. Opens its own transaction. */
int members_delete(const char *id, struct refusal *err);

/* SQL (over membership m and its user u): the member's invite is this project's own and still
 * pending -- an invite request of m's project, address not verified, no password -- and the
 * account belongs to no other project. Only such an invite may be resent: a new set-password
 * link for an account with a password or other memberships would open more than this
 * project's invite (issue 14, finding 5). */
#define MEMBERS_RESENDABLE_INVITE                                                                                     \
	"(m.user_type = 'User' AND u.email IS NOT NULL AND NOT u.email_verified AND u.password_hash IS NULL "          \
	"AND EXISTS (SELECT 1 FROM security_request s WHERE s.user_id = u.id AND s.type = 'invite' "                   \
	"AND s.project_id = m.project_id) " MEMBERS_ONLY_HERE ")"
/* SQL: the user u of membership m has no membership in another project. */
#define MEMBERS_ONLY_HERE                                                                                             \
	"AND NOT EXISTS (SELECT 1 FROM project_membership o WHERE o.user_id = u.id AND o.user_type = 'User' "           \
	"AND o.project_id <> m.project_id)"

/* The project's members for the admin pages, by name: [{id, userType, name, email?, admin,
 * active, owner, invited}] (at most 1000). invited: MEMBERS_RESENDABLE_INVITE, the members
 * whose invite can be resent. 0 or -1. */
int members_list(const char *project_id, json_t **out);

/* The ProjectMembership resource; project_out (may be NULL) receives its project id.
 * 0 found, 1 not found (also for ids that are not UUIDs), -1. */
int members_get(const char *id, json_t **out, char project_out[37]);

/* The membership of this User in this project (the oldest, when forceNewMembership made
 * several): 0 found (id and profile "Type/id" filled), 1 none, -1. */
int members_find(const char *project_id, const char *user_id, char id_out[37], char profile_out[80]);

/* The rows of ProjectMembership resources for the resource API (lib/domain/memberstore.c,
 * which checks a new one's parties, declares the store): the resource_store operations of the
 * same names (store.h). members_resource_fields reads the settable fields of a resource body
 * (members_parse_fields over defaults: active, nothing else). */
int members_get_resource(const char *id, json_t **out);
int members_find_resources(const struct store_query *q, json_t **rows, long long *total);
int members_resource_fields(json_t *m, struct member_fields *f, struct refusal *err);
int members_update_resource(const char *id, const char *version, json_t *m, struct refusal *err);
int members_remove_resource(const char *id, const char *version, struct refusal *err);

/* A client's own membership of its project (its profile is itself). 0 or -1. */
int members_insert_for_client(const char *membership_id, const char *project_id, const char *client_id);
/* How many of the project's memberships name the access policy (accessPolicy or access[].policy):
 * what deleting it takes from (the console's confirmation page). The count, or -1. */
long long members_using_policy(const char *project_id, const char *policy_id);
/* The access policy of a client's membership of a project. 0 or -1. */
int members_set_client_policy(const char *client_id, const char *project_id, const char *policy_id);
/* Makes a client's membership a project admin, or not (a SCIM provisioning client: PROTOCOL.md
 * §10.1). 0 or -1. */
int members_set_client_admin(const char *client_id, const char *project_id, bool admin);
/* Every membership of a client that is being deleted. 0 or -1. */
int members_delete_of_client(const char *client_id);
/* Every membership of a bot that is being deleted. 0 or -1. */
int members_delete_of_bot(const char *bot_id);

/* A user's active memberships of one project, at most 100; rows id, profile_type, profile_id,
 * admin, the profile's display. 0 or -1. */
int members_of_user_in(const char *user_id, const char *project_id, struct db_result *out);

/* The memberships a sign-in may choose from (project and profile type NULL: any), oldest
 * first, at most 100; rows id, project_id, project name, profile_type, profile_id, the
 * profile's display, identifier (JSON). 0 or -1. */
int members_for_signin(const char *user_id, const char *project_id, const char *profile_type, struct db_result *out);
/* The user of the membership with this externalId in the project (§5.1 step 5, federation's
 * useSubject). 0 found, 1 none, -1. */
int members_user_by_external_id(const char *project_id, const char *external_id, char user_id[37]);
/* X-Medplum-On-Behalf-Of: the active membership of the project with this id, or (membership_id
 * NULL) whose profile is profile_type/profile_id; one row id, profile_type, profile_id, admin.
 * 0 or -1. */
int members_on_behalf(const char *project_id, const char *membership_id, const char *profile_type,
		      const char *profile_id, struct db_result *out);
/* An external provider's fhirUser (PROTOCOL.md §4): the oldest active membership of a user whose
 * profile this is; one row id, user_id, project_id, or none. 0 or -1. */
int members_active_by_profile(const char *profile_type, const char *profile_id, struct db_result *out);
/* The membership a sign-in chose; one row user_id, active, project_id, the project's
 * super_admin, whether the project refuses this user's unverified address, and whether it has
 * the feature google-auth-required. 0 or -1. */
int members_chosen(const char *membership_id, struct db_result *out);

/* 1 when a member of the project has this email at this user scope ("" server-wide), 0, -1. */
int members_email_in_scope(const char *project_id, const char *email, const char *scope_key);
/* 1 when the user belongs to a project other than this one, 0 not, -1. */
int members_elsewhere(const char *user_id, const char *project_id);
/* A member's user for a resend, locked: one row user id, email, first and last name, whether
 * the invite may be resent (MEMBERS_RESENDABLE_INVITE), whether the user belongs to no other
 * project, whether the user is server-wide. 0 or -1. */
int members_resend_target(const char *membership_id, const char *project_id, struct db_result *out);

/* 1 when a membership has this profile, 0 not, -1. */
int members_profile_used(const char *profile_id);

/* The caller's details by the membership alone (Basic authentication's and a page session's
 * are read with their client or Login): lib/domain/sessionrow.h's detail columns; no row when
 * the membership is gone. 0 or -1. */
int members_read_detail(const char *membership_id, struct db_result *out);
/* What the effective access policy is built from, of the membership key (by_login: of the
 * Login key): one row project_id, profile_type, profile_id, admin, the project's super_admin,
 * access_policy_id, access (JSON), the named policy's resource (within the project). 0 or -1. */
int members_read_access(const char *key, bool by_login, struct db_result *out);

/* ---- SCIM 2.0 Users (PROTOCOL.md §10; lib/domain/scim.c builds the resources; the reads and
 * writes in lib/domain/memberscim.c, members_email_taken in members.c) ---- */

/* The columns of a SCIM User row, in this order: */
enum members_scim_col {
	MS_ID, MS_USER_ID, MS_PROFILE_TYPE, MS_PROFILE_ID, MS_ACTIVE, MS_EXTERNAL_ID, MS_USER_NAME, MS_EMAIL,
	MS_FIRST_NAME, MS_LAST_NAME, MS_USER_PROJECT, MS_CREATED, MS_MODIFIED, MS_VERSION, MS_OWNER, MS_NCOLS
};
struct scimfilter;
/* A page of the project's SCIM Users (memberships of Users with a Patient, Practitioner or
 * RelatedPerson profile, not deprovisioned), oldest first, that match the filter (NULL: all):
 * offset rows skipped, at most count rows; *total: how many match. 0 or -1. */
int members_scim_search(const char *project_id, const struct scimfilter *filter, unsigned offset, unsigned count,
			long long *total, struct db_result *out);
/* One SCIM User of the project (for_update: its row locked until the transaction ends). 0 found
 * (one row), 1 none (not a UUID, another project's, not a User's, deprovisioned), -1. */
int members_scim_get(const char *project_id, const char *id, bool for_update, struct db_result *out);
/* The fields SCIM sets on a membership. 0, 1 the userName or externalId is taken, -1. */
int members_scim_set(const char *id, bool active, const char *user_name, const char *external_id);
/* Deprovisions (SCIM DELETE): inactive, userName and externalId released, 404 to SCIM from now. */
int members_scim_deprovision(const char *id);
/* 1 when a live (not deprovisioned) membership of this project belongs to a user with this email
 * (compared without case, either scope) other than except_user (NULL: any), 0, -1. A project's
 * user must not take a member's address: a password sign-in to the project would find two
 * accounts, and the project-scoped one would shadow the member (PROTOCOL.md §10.4). */
int members_email_taken(const char *project_id, const char *email, const char *except_user);
/* 1 when a live member of any project user_id belongs to is another user with this email: the
 * address a change of user_id's email must not take (the same rule). 0, -1. */
int members_email_shared(const char *user_id, const char *email);
/* 1 when user_id, joining project_id, would bring an email another live member already has (the
 * same rule for a new membership), 0, -1. */
int members_email_clash(const char *project_id, const char *user_id);

#endif

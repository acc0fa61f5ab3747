/* SPDX-License-Identifier: BSD-2-Clause */
/* invite: adds a person to a project (PROTOCOL.md §9.1, Medplum's inviteUser), for the admin API
 * and later SCIM. One transaction holds everything: the User (new; an existing verified one
 * reused unchanged; an existing unverified one reset, see invite.c reset_unverified), the
 * invite's security request for a new or reset user, the profile (given, reused by
 * email, or new), the membership (new, or updated with upsert) and the invite email in the
 * outbox. A refused invite leaves nothing behind. */
#ifndef TESSERA_INVITE_H
#define TESSERA_INVITE_H
#include "domain/members.h"
#include <jansson.h>
#include <stdbool.h>

struct invite_request {
	const char *project_id;
	const char *resource_type;   /* Patient | Practitioner | RelatedPerson */
	const char *first_name, *last_name;
	const char *email;           /* NULL or "" without one (then external_id is set) */
	const char *password;        /* NULL: an unguessable random one */
	bool scope_project;          /* scope "project" */
	bool send_email;
	bool upsert, force_new_membership, mfa_required;
	json_t *profile;             /* membership.profile, a Reference, or NULL; borrowed */
	struct member_fields fields; /* externalId, accessPolicy, access, admin with membership's on top */
};

struct invite_result {
	char membership_id[37];
	char user_id[37];
	bool existing_user;
	bool account_reset;          /* an existing unverified account was reset (password, MFA, sessions) */
	char outbox_id[37];          /* "" when no email was written */
};

/* The profile types an invite makes (resourceType): Patient, Practitioner, RelatedPerson. */
bool invite_profile_type_ok(const char *v);

/* 0 committed (result filled: deliver result->outbox_id after this), 1 refused (err: status
 * 400, 404 or 409 and Medplum's text), -1 failure. */
int invite_user(const struct invite_request *in, struct invite_result *out, struct refusal *err);

/* Resends the project's own pending invite of a member (MEMBERS_RESENDABLE_INVITE: no password,
 * no other project): a new invite security request (superseding this project's older links)
 * and the invite email, in one transaction. 0 (outbox_id filled: deliver it after this), 1
 * refused (err: 404 no such member of this project, 400 not a pending invite of this project,
 * or a member of other projects too), -1. */
int invite_resend(const char *project_id, const char *membership_id, char outbox_id[37], struct refusal *err);

#endif

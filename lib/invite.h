/* invite: adds a person to a project (spec §9.1, Medplum's inviteUser), for the admin API
 * and later SCIM. One transaction holds everything: the User (new, or an existing one reused
 * unchanged), the invite's security request for a new user, the profile (given, reused by
 * email, or new), the membership (new, or updated with upsert) and the invite email in the
 * outbox. A refused invite leaves nothing behind. */
#ifndef TESSERA_INVITE_H
#define TESSERA_INVITE_H
#include "members.h"
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
	char outbox_id[37];          /* "" when no email was written */
};

/* 0 committed (result filled: deliver result->outbox_id after this), 1 refused (err: status
 * 400, 404 or 409 and Medplum's text), -1 failure. */
int invite_user(const struct invite_request *in, struct invite_result *out, struct member_error *err);

#endif

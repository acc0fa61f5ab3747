/* SPDX-License-Identifier: BSD-2-Clause */
/* invite: the §9.1 algorithm in one transaction. */
#include "domain/invite.h"
#include "core/crypto.h"
#include "core/db.h"
#include "core/log.h"
#include "domain/login.h"
#include "domain/mailing.h"
#include "mail/mail.h"
#include "core/password.h"
#include "domain/people.h"
#include "domain/policies.h"
#include "domain/secreq.h"
#include "core/text.h"
#include "domain/members.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#define ALREADY_MEMBER "User is already a member of this project"

bool invite_profile_type_ok(const char *v)
{
	return !strcmp(v, "Patient") || !strcmp(v, "Practitioner") || !strcmp(v, "RelatedPerson");
}

/* Patients, users known by externalId and scope "project" belong to the project. */
static bool project_scoped(const struct invite_request *in)
{
	return !strcmp(in->resource_type, "Patient") || in->fields.external_id || in->scope_project;
}

/* Step 2: a member of this project with this email at the other scope is a conflict. */
static int other_scope_member(const struct invite_request *in, const char *email, struct refusal *err)
{
	int found = members_email_in_scope(in->project_id, email, project_scoped(in) ? "" : in->project_id);
	return found < 0 ? -1 : found ? refuse_copy(err, 409, ALREADY_MEMBER, NULL) : 0;
}

/* An unverified account was never shown to belong to its address: anyone can register one
 * for another person's address (pre-hijacking, issue 14 finding 3), and an invite not yet
 * accepted is unverified too. An invite reaching one resets it -- its password, second factor
 * and sessions end -- and the invitee then gets a set-password link, so whoever made the
 * account never receives the membership. */
static int reset_unverified(const char *user_id)
{
	int rc = people_reset_account(user_id);
	return rc == 0 ? login_revoke_user(user_id, NULL) : rc;
}

/* The existing user, locked (concurrent invites of one user take turns) and read again under
 * the lock; reset when unverified. 0 or -1. */
static int lock_existing(const char *user_id, struct invite_result *out)
{
	out->existing_user = true;
	text_copy(out->user_id, sizeof out->user_id, user_id);
	bool verified;
	if (people_lock_verified(user_id, &verified) < 0)
		return -1;
	out->account_reset = !verified;
	return out->account_reset ? reset_unverified(user_id) : 0;
}

/* The user to invite: the existing one of this email and scope (locked, so concurrent invites
 * of one user take turns), else a new one. 0, 1 refused, -1; a duplicate on insert (a
 * concurrent invite created it first) is -2, for the caller to try once more. */
static int find_or_create_user(const struct invite_request *in, const char *email, const char *hash,
			       struct invite_result *out, struct refusal *err)
{
	const char *scope = project_scoped(in) ? in->project_id : NULL;
	if (email[0]) {
		int rc = in->force_new_membership ? 0 : other_scope_member(in, email, err);
		if (rc != 0)
			return rc;
		struct person p;
		rc = people_find_user(email, scope, &p);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return lock_existing(p.id, out);
	}
	int rc = people_create_user(email, in->first_name, in->last_name, hash, scope, out->user_id);
	if (rc == 1)
		return -2;
	if (rc == 0 && in->mfa_required)
		rc = people_require_mfa(out->user_id);
	return rc;
}

/* Step 4: the given profile (it must be this project's, of the requested type), else the
 * project's profile of that type with this email, else a new one. 0, 1 refused, -1. */
static int choose_profile(const struct invite_request *in, const char *email, char id[37], struct refusal *err)
{
	struct db_result r;
	if (in->profile) {
		const char *ref = json_string_value(json_object_get(in->profile, "reference"));
		const char *slash = ref ? strchr(ref, '/') : NULL;
		if (!slash || !crypto_is_uuid(slash + 1))
			return refuse_copy(err, 400, "Invalid membership.profile", "membership.profile");
		if (people_profile_of(slash + 1, &r) < 0)
			return -1;
		int rc = 0;
		if (r.nrows == 0)
			rc = refuse_copy(err, 404, "Not found", NULL);
		else if (strcmp(db_cell(&r, 0, 1), in->project_id))
			rc = refuse_copy(err, 400, "Profile does not belong to project", NULL);
		else if (strcmp(db_cell(&r, 0, 0), in->resource_type) || strncmp(ref, in->resource_type, (size_t)(slash - ref)) ||
			 strlen(in->resource_type) != (size_t)(slash - ref))
			rc = refuse_copy(err, 400, "Profile resourceType does not match request", NULL);
		else
			text_copy(id, 37, slash + 1);
		db_result_free(&r);
		return rc;
	}
	if (email[0]) {
		if (people_profile_by_email(in->project_id, in->resource_type, email, &r) < 0)
			return -1;
		int found = r.nrows > 0;
		if (found)
			text_copy(id, 37, db_cell(&r, 0, 0));
		db_result_free(&r);
		if (found)
			return 0;
	}
	return people_create_profile(in->resource_type, in->project_id, in->first_name, in->last_name,
				     email[0] ? email : NULL, id);
}

/* Step 6: a new membership, or with upsert the existing one updated (same profile only). */
static int place_membership(const struct invite_request *in, const char *user_id, const char *profile_id,
			    char membership[37], struct refusal *err)
{
	char existing_profile[80], wanted[80];
	int rc = in->force_new_membership ? 1 : members_find(in->project_id, user_id, membership, existing_profile);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		rc = members_insert(in->project_id, "User", user_id, in->resource_type, profile_id, &in->fields, membership);
		/* The project's externalId (or userName) names another member already. */
		return rc == 1 ? refuse_copy(err, 409, ALREADY_MEMBER, NULL) : rc;
	}
	if (!in->upsert)
		return refuse_copy(err, 409, ALREADY_MEMBER, NULL);
	snprintf(wanted, sizeof wanted, "%s/%s", in->resource_type, profile_id);
	if (strcmp(wanted, existing_profile))
		return refuse_copy(err, 409, ALREADY_MEMBER " with a different profile", NULL);
	if ((rc = members_keep_owner(membership, &in->fields, err)) != 0)
		return rc;
	rc = members_update(membership, &in->fields);
	return rc == 1 ? refuse_copy(err, 409, ALREADY_MEMBER, NULL) : rc;
}

/* 1 when the user belongs to a project other than this one, 0 not, -1. */
static int member_elsewhere(const char *user_id, const char *project_id)
{
	return members_elsewhere(user_id, project_id);
}

/* Whether the invite email carries a set-password link: for a new user, or a reset one. */
static bool with_link(const struct invite_result *out)
{
	return !out->existing_user || out->account_reset;
}

/* Step 7: the invite email into the outbox: with the set-password link (link non-empty), or
 * invite-existing. A link that opens more than this project's membership never goes through
 * the project's own template, which its admin could point at a host of theirs: an account
 * with other memberships, and any server-scoped account. Using the link verifies the address,
 * and a verified global account is what every later invite, from any project, reuses as it is
 * (an admin who wrapped {{link}} in a URL of their own would hold it: pre-hijacking). */
static int write_email(const struct invite_request *in, const char *email, const char *link, struct invite_result *out)
{
	char name[260];
	snprintf(name, sizeof name, "%s %s", in->first_name, in->last_name);
	int elsewhere = link[0] ? member_elsewhere(out->user_id, in->project_id) : 0;
	if (elsewhere < 0)
		return -1;
	bool files_only = link[0] && (elsewhere == 1 || !project_scoped(in));
	json_t *vars = link[0] ? json_pack("{s:s}", "link", link) : json_object();
	struct mail_message m = { in->project_id, link[0] ? "invite" : "invite-existing", email, name, vars, files_only, NULL, NULL };
	int rc = vars ? mailing_enqueue(&m, out->outbox_id) : -1;
	json_decref(vars);
	if (rc == 1) {
		/* Refused by the outbox (logged there): the invite stands, without an email. */
		log_error("invite: the email to user %s was refused", out->user_id);
		out->outbox_id[0] = '\0';
		rc = 0;
	}
	return rc;
}

static int attempt(const struct invite_request *in, const char *email, const char *hash, struct invite_result *out,
		   struct refusal *err)
{
	char request_id[37] = "", secret[SECREQ_SECRET_LEN + 1] = "", profile[37], link[SECREQ_LINK_LEN] = "";
	memset(out, 0, sizeof *out);
	if (db_begin() < 0)
		return -1;
	int rc = find_or_create_user(in, email, hash, out, err);
	if (rc == 0 && with_link(out))
		rc = secreq_create("invite", out->user_id, in->project_id, NULL, request_id, secret);
	if (rc == 0 && with_link(out))
		rc = secreq_link("invite", request_id, secret, link, sizeof link);
	if (rc == 0)
		rc = choose_profile(in, email, profile, err);
	if (rc == 0)
		rc = policies_check_named(&in->fields, in->project_id, err);
	if (rc == 0)
		rc = place_membership(in, out->user_id, profile, out->membership_id, err);
	if (rc == 0 && email[0] && in->send_email)
		rc = write_email(in, email, link, out);
	OPENSSL_cleanse(secret, sizeof secret);
	OPENSSL_cleanse(link, sizeof link);
	if (rc == 0)
		rc = db_commit();
	if (rc != 0)
		db_rollback();
	return rc;
}

int invite_user(const struct invite_request *in, struct invite_result *out, struct refusal *err)
{
	char email[321] = "", hash[PASSWORD_HASH_LEN];
	if (in->email && *in->email)
		people_lower_email(in->email, email, sizeof email);
	/* Hashed before the transaction: scrypt takes tens of milliseconds. Without one the new
	 * account has no password (NULL) until its link is used: "has a password" then tells an
	 * accepted invite from a pending one (invite_resend). */
	if (in->password && password_hash(in->password, hash) < 0)
		return -1;
	const char *h = in->password ? hash : NULL;
	/* -2: a concurrent invite made the same user first; a lost deadlock (concurrent invites
	 * of one project lock the same index gaps): both are run again, a few times at most. */
	int rc = -1;
	for (int tries = 0; tries < 4; tries++) {
		rc = attempt(in, email, h, out, err);
		if (rc != -2 && !(rc == -1 && db_deadlock()))
			break;
	}
	return rc == -2 ? refuse_copy(err, 409, ALREADY_MEMBER, NULL) : rc;
}

/* The member's user for a resend, locked (two resends of one invite take turns, and the last
 * link sent is the one that works): 0 (filled), 1 refused, -1. */
static int resend_target(const char *project_id, const char *membership_id, char user_id[37], char email[321],
			 char name[260], bool *server_scoped, struct refusal *err)
{
	struct db_result r;
	if (members_resend_target(membership_id, project_id, &r) < 0)
		return -1;
	int rc = 0;
	if (r.nrows == 0)
		rc = refuse(err, 404, "Not found", NULL);
	else if (!text_true(db_cell(&r, 0, 5)))
		rc = refuse(err, 400, "This member belongs to other projects too: they can reset their password from the "
				      "sign-in page", NULL);
	else if (!db_cell(&r, 0, 1) || !text_true(db_cell(&r, 0, 4)))
		rc = refuse(err, 400, "This member has no pending invite", NULL);
	else {
		text_copy(user_id, 37, db_cell(&r, 0, 0));
		text_copy(email, 321, db_cell(&r, 0, 1));
		snprintf(name, 260, "%s %s", db_cell(&r, 0, 2), db_cell(&r, 0, 3));
		*server_scoped = text_true(db_cell(&r, 0, 6));
	}
	db_result_free(&r);
	return rc;
}

int invite_resend(const char *project_id, const char *membership_id, char outbox_id[37], struct refusal *err)
{
	char request_id[37], secret[SECREQ_SECRET_LEN + 1] = "", link[SECREQ_LINK_LEN] = "", user_id[37], email[321],
		name[260];
	bool server_scoped = true;
	outbox_id[0] = '\0';
	if (!crypto_is_uuid(membership_id))
		return refuse_copy(err, 404, "Not found", NULL);
	if (db_begin() < 0)
		return -1;
	int rc = resend_target(project_id, membership_id, user_id, email, name, &server_scoped, err);
	if (rc == 0)
		rc = secreq_create("invite", user_id, project_id, NULL, request_id, secret);
	if (rc == 0)
		rc = secreq_link("invite", request_id, secret, link, sizeof link);
	if (rc == 0) {
		json_t *vars = json_pack("{s:s}", "link", link);
		/* As write_email: a server-scoped account's link never goes through the override. */
		struct mail_message m = { project_id, "invite", email, name, vars, server_scoped, NULL, NULL };
		rc = vars ? mailing_enqueue(&m, outbox_id) : -1;
		json_decref(vars);
		if (rc == 1)
			rc = refuse_copy(err, 400, "The invite email could not be written for this address", NULL);
	}
	OPENSSL_cleanse(secret, sizeof secret);
	OPENSSL_cleanse(link, sizeof link);
	if (rc == 0)
		rc = db_commit();
	if (rc != 0) {
		db_rollback();
		outbox_id[0] = '\0';
	}
	return rc;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* admin-people: users and memberships from the command line (operators, and the tests'
 * fixtures, until the admin API and invites arrive). */
#include "admin.h"
#include "core/crypto.h"
#include "core/db.h"
#include "http/input.h"
#include "domain/mfa.h"
#include "core/password.h"
#include "domain/people.h"
#include "domain/pwpolicy.h"

#include <stdio.h>
#include <string.h>

static bool text_ok(const char *s, size_t max)
{
	return s && *s && strlen(s) <= max && valid_text(s);
}

static int user_create(int argc, char **argv)
{
	static const char *const known[] = { "--email", "--first", "--last", "--password", "--project", NULL };
	if (!options_ok(argc, argv, 3, known))
		return 2;
	const char *email = option(argc, argv, "--email"), *first = option(argc, argv, "--first");
	const char *last = option(argc, argv, "--last"), *pw = option(argc, argv, "--password");
	const char *project = option(argc, argv, "--project");
	if (!email || !valid_email(email) || !text_ok(first, 128) || !text_ok(last, 128) ||
	    (pw && !pwpolicy_length_ok(pw)) || (project && !crypto_is_uuid(project)))
		return admin_usage();
	char id[37], hash[PASSWORD_HASH_LEN];
	if (pw && password_hash(pw, hash) < 0)
		return 1;
	int rc = people_create_user(email, first, last, pw ? hash : NULL, project, id);
	if (rc == 1)
		fprintf(stderr, "tessera-admin: a user with that email already exists in that scope\n");
	/* The operator vouches for the address (unlike self-registration, lib/registration.c). */
	if (rc == 0 && people_mark_verified(id) < 0)
		rc = -1;
	if (rc != 0)
		return 1;
	printf("user_id: %s\n", id);
	return 0;
}

static int member_add(int argc, char **argv)
{
	static const char *const known[] = { "--project", "--user", "--profile", "--admin", NULL };
	if (!options_ok(argc, argv, 3, known))
		return 2;
	const char *project = option(argc, argv, "--project"), *user = option(argc, argv, "--user");
	const char *type = option(argc, argv, "--profile"), *admin = option(argc, argv, "--admin");
	type = type ? type : "Practitioner";
	if (!project || !user || !crypto_is_uuid(project) || !crypto_is_uuid(user) ||
	    (strcmp(type, "Practitioner") && strcmp(type, "Patient") && strcmp(type, "RelatedPerson")))
		return admin_usage();
	struct person p;
	int found = people_get_user(user, &p);
	if (found != 0) {
		fprintf(stderr, "tessera-admin: no user %s\n", user);
		return found < 0 ? 1 : 2;
	}
	char profile[37], membership[37];
	int rc = db_begin();
	if (rc == 0)
		rc = people_create_profile(type, project, p.first_name, p.last_name, p.email, profile) ||
		     people_create_membership(project, user, type, profile, admin && !strcmp(admin, "true"), NULL, membership);
	rc = rc == 0 ? db_commit() : (db_rollback(), -1);
	if (rc < 0)
		return 1;
	printf("membership_id: %s\nprofile: %s/%s\n", membership, type, profile);
	return 0;
}

/* A user who lost their second factor: MFA off and the secret gone (lib/mfa.c mfa_reset). */
static int user_mfa_reset(int argc, char **argv)
{
	static const char *const known[] = { "--user", NULL };
	if (!options_ok(argc, argv, 3, known))
		return 2;
	const char *user = option(argc, argv, "--user");
	if (!user || !crypto_is_uuid(user))
		return admin_usage();
	int rc = mfa_reset(user);
	if (rc == 1)
		fprintf(stderr, "tessera-admin: no user %s\n", user);
	if (rc != 0)
		return rc < 0 ? 1 : 2;
	printf("mfa reset: user %s enrolls again at the next sign-in that requires it\n", user);
	return 0;
}

int cmd_user(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[2], "create"))
		return user_create(argc, argv);
	return argc >= 3 && !strcmp(argv[2], "mfa-reset") ? user_mfa_reset(argc, argv) : admin_usage();
}

int cmd_member(int argc, char **argv)
{
	return argc >= 3 && !strcmp(argv[2], "add") ? member_add(argc, argv) : admin_usage();
}

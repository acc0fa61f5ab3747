/* admin-people: users and memberships from the command line (operators, and the tests'
 * fixtures, until the admin API and invites arrive). */
#include "admin.h"
#include "crypto.h"
#include "db.h"
#include "input.h"
#include "password.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
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
	    (pw && (strlen(pw) < 8 || strlen(pw) > 72)) || (project && !crypto_is_uuid(project)))
		return admin_usage();
	char lower[321], id[37], hash[PASSWORD_HASH_LEN];
	snprintf(lower, sizeof lower, "%s", email);
	for (char *p = lower; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (crypto_uuid_v4(id) < 0 || (pw && password_hash(pw, hash) < 0))
		return 1;
	if (db_exec(NULL,
		    "INSERT INTO user (id, project_id, email, first_name, last_name, password_hash) VALUES (?, ?, ?, ?, ?, ?)",
		    "ssssss", id, project, lower, first, last, pw ? hash : NULL) < 0) {
		if (db_duplicate())
			fprintf(stderr, "tessera-admin: a user with that email already exists in that scope\n");
		return 1;
	}
	printf("user_id: %s\n", id);
	return 0;
}

static int load_names(const char *user, char *first, char *last, char *email)
{
	struct db_result r;
	if (db_query(&r, "SELECT first_name, last_name, email FROM user WHERE id = ?", "s", user) < 0)
		return -1;
	int found = r.nrows > 0;
	if (found) {
		snprintf(first, 129, "%s", db_cell(&r, 0, 0));
		snprintf(last, 129, "%s", db_cell(&r, 0, 1));
		snprintf(email, 321, "%s", db_cell(&r, 0, 2));
	}
	db_result_free(&r);
	return found;
}

/* A profile resource named after the user, in the membership's project. */
static char *profile_json(const char *type, const char *id, const char *project, const char *first, const char *last,
			  const char *email)
{
	json_t *p = json_pack("{s:s, s:s, s:[{s:[s], s:s}], s:[{s:s, s:s}], s:{s:s}}", "resourceType", type, "id", id,
			      "name", "given", first, "family", last, "telecom", "system", "email", "value", email, "meta",
			      "project", project);
	char *s = json_dumps(p, JSON_COMPACT);
	json_decref(p);
	return s;
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
	char first[129], last[129], email[321], profile[37], membership[37], display[260];
	int found = load_names(user, first, last, email);
	if (found <= 0) {
		fprintf(stderr, "tessera-admin: no user %s\n", user);
		return found < 0 ? 1 : 2;
	}
	if (crypto_uuid_v4(profile) < 0 || crypto_uuid_v4(membership) < 0)
		return 1;
	char *json = profile_json(type, profile, project, first, last, email);
	snprintf(display, sizeof display, "%s %s", first, last);
	int rc = json && db_begin() == 0 ? 0 : -1;
	if (rc == 0)
		rc = db_exec(NULL, "INSERT INTO profile (id, resource_type, project_id, display, resource) VALUES (?, ?, ?, ?, ?)",
			     "sssss", profile, type, project, display, json) ||
		     db_exec(NULL,
			     "INSERT INTO project_membership (id, project_id, user_type, user_id, profile_type, profile_id, admin) "
			     "VALUES (?, ?, 'User', ?, ?, ?, ?)",
			     "sssssi", membership, project, user, type, profile, (long long)(admin && !strcmp(admin, "true")));
	rc = rc == 0 ? db_commit() : (db_rollback(), -1);
	free(json);
	if (rc < 0)
		return 1;
	printf("membership_id: %s\nprofile: %s/%s\n", membership, type, profile);
	return 0;
}

int cmd_user(int argc, char **argv)
{
	return argc >= 3 && !strcmp(argv[2], "create") ? user_create(argc, argv) : admin_usage();
}

int cmd_member(int argc, char **argv)
{
	return argc >= 3 && !strcmp(argv[2], "add") ? member_add(argc, argv) : admin_usage();
}

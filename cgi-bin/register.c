/* register: /auth/newuser, /auth/newproject, /auth/newpatient (spec §6.11-6.13). Every
 * multi-row change is one transaction: a refused or failed registration leaves nothing. A new
 * project's welcome email is written to the outbox in that transaction, sent after it. */
#include "register.h"
#include "clients.h"
#include "config.h"
#include "crypto.h"
#include "db.h"
#include "flow.h"
#include "log.h"
#include "mail.h"
#include "password.h"
#include "people.h"
#include "pwpolicy.h"
#include "response.h"
#include "stage.h"
#include "text.h"

#include <stdio.h>
#include <string.h>

static bool project_name_ok(const char *v)
{
	return valid_chars_between(v, 4, 72);
}

/* registerEnabled: false refuses self-registration with Medplum's text (§6.11). */
static bool registration_refused(struct request *req)
{
	if (cfg.register_enabled)
		return false;
	send_bad_request(req, "Registration is disabled", NULL);
	return true;
}

static bool concrete_project(const char *project_id)
{
	return project_id && *project_id && strcmp(project_id, "new");
}

/* 0 the project exists (its open-registration policy, if any, in policy), 1 not found, -1. */
static int project_policy(const char *project_id, char policy[37])
{
	struct db_result r;
	policy[0] = '\0';
	if (!crypto_is_uuid(project_id))
		return 1;
	if (db_query(&r, "SELECT default_patient_access_policy_id FROM project WHERE id = ?", "s", project_id) < 0)
		return -1;
	int found = r.nrows > 0;
	if (found)
		text_copy(policy, 37, db_cell(&r, 0, 0));
	db_result_free(&r);
	return found ? 0 : 1;
}

/* The client binding of §6.11: the client must exist and, when both are given, belong to
 * the body's project. A user scoped to a project can only be made where that project allows
 * open registration (stricter than Medplum, which lets anyone create users in any project:
 * such a user, its password chosen by a stranger, would be reused by a later invite). */
static int check_target(struct request *req, const char *client_id, const char *project_id)
{
	if (client_id && *client_id) {
		struct client c;
		int rc = clients_get(client_id, &c);
		if (rc != 0) {
			if (rc == 1)
				send_not_found(req);
			return rc;
		}
		if (concrete_project(project_id) && strcmp(project_id, c.project_id)) {
			send_bad_request(req, "Client and project do not match", NULL);
			return 1;
		}
	}
	if (!concrete_project(project_id))
		return 0;
	char policy[37];
	int rc = project_policy(project_id, policy);
	if (rc == 1)
		send_not_found(req);
	else if (rc == 0 && !policy[0]) {
		send_bad_request(req, "Project does not allow open registration", NULL);
		rc = 1;
	}
	return rc;
}

int register_newuser(struct request *req)
{
	if (registration_refused(req))
		return 0;
	const char *project_id = req_param(req, "projectId"), *remember = req_param(req, "remember");
	struct login_request lr = {
		.email = req_param(req, "email"), .password = req_param(req, "password"), .project_id = project_id,
		.client_id = req_param(req, "clientId"), .scope = req_param(req, "scope"), .nonce = req_param(req, "nonce"),
		.code_challenge = req_param(req, "codeChallenge"),
		.code_challenge_method = req_param(req, "codeChallengeMethod"), .remote_addr = req->remote_addr,
		.user_agent = req->user_agent, .remember = remember && !strcmp(remember, "true"),
	};
	int rc = check_target(req, lr.client_id, project_id);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	struct flow_error err;
	char bound[37];
	rc = flow_check_request(&lr, bound, &err);
	if (rc != 0) {
		if (rc == 1)
			stage_send_error(req, &err);
		return rc < 0 ? -1 : 0;
	}
	/* The user's scope comes from the body's projectId, not the client's (§17 item 14). */
	const char *scope_project = concrete_project(project_id) ? project_id : NULL;
	struct person existing;
	rc = people_find_user(lr.email, scope_project, &existing);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		send_bad_request(req, "Email already registered", "email");
		return 0;
	}
	rc = pwpolicy_answer(req, lr.password, "password");
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	char hash[PASSWORD_HASH_LEN], user_id[37];
	if (password_hash(lr.password, hash) < 0)
		return -1;
	struct flow_login l;
	if (db_begin() < 0)
		return -1;
	rc = people_create_user(lr.email, req_param(req, "firstName"), req_param(req, "lastName"), hash, scope_project,
				user_id);
	if (rc == 0)
		rc = flow_start(&lr, user_id, bound, &l);
	if (rc == 0)
		rc = db_commit();
	if (rc != 0) {
		db_rollback();
		/* Registered meanwhile by a concurrent request: the unique key decided. */
		if (rc == 1)
			send_bad_request(req, "Email already registered", "email");
		return rc < 0 ? -1 : 0;
	}
	snprintf(req->log_login, sizeof req->log_login, "%s", l.id);
	send_json(req, 200, json_pack("{s:s}", "login", l.id), NULL);
	return 0;
}

/* Loads the login of a registration stage: 0 loaded and still without a membership; 1
 * answered (404, or "Login already has a membership"); -1. */
static int load_open_login(struct request *req, struct flow_login *l)
{
	int rc = flow_load(req_param(req, "login"), l);
	if (rc == 1)
		send_not_found(req);
	else if (rc == 0 && l->membership_id[0]) {
		send_bad_request(req, "Login already has a membership", NULL);
		rc = 1;
	}
	return rc;
}

/* The login's user (registration logins are always Users). 0, 1 answered, -1. */
static int login_user(struct request *req, const struct flow_login *l, struct person *p)
{
	int rc = strcmp(l->user_type, "User") ? 1 : people_get_user(l->user_id, p);
	if (rc == 1)
		send_not_found(req);
	return rc;
}

/* The start of newproject and newpatient: registration allowed, the login found and still
 * without a membership, its user. 0, 1 answered, -1. */
static int open_stage(struct request *req, struct flow_login *l, struct person *p)
{
	if (registration_refused(req))
		return 1;
	int rc = load_open_login(req, l);
	return rc == 0 ? login_user(req, l, p) : rc;
}

/* Ends a registration transaction: commit (then deliver the email written with it, if
 * any) and answer with the code, or roll back and answer with the refusal. */
static int finish(struct request *req, struct flow_login *l, int rc, const struct flow_error *err, const char *outbox)
{
	if (rc == 0 && db_commit() == 0) {
		if (outbox && outbox[0] && mail_deliver(outbox) < 0)
			log_error("newproject: the outbox could not be read after the commit");
		return stage_send_result(req, l);
	}
	db_rollback();
	if (rc == 1) {
		stage_send_error(req, err);
		return 0;
	}
	return -1;
}

/* The project welcome email to its owner (§13.3), written with the project. A refused
 * address does not stop the registration. 0 or -1. */
static int welcome_email(const char *project, const struct person *p, char outbox[37])
{
	char name[260];
	snprintf(name, sizeof name, "%s %s", p->first_name, p->last_name);
	json_t *vars = json_pack("{s:s}", "first_name", p->first_name);
	struct mail_message m = { project, "welcome", p->email, name, vars };
	int rc = vars ? mail_enqueue(&m, outbox) : -1;
	json_decref(vars);
	if (rc == 1) {
		log_error("newproject: the welcome email was refused for user %s", p->id);
		outbox[0] = '\0';
		rc = 0;
	}
	return rc;
}

int register_newproject(struct request *req)
{
	struct flow_login l;
	struct person p;
	int rc = open_stage(req, &l, &p);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	const char *name = req_param(req, "projectName");
	char project[37], client[37], secret[65], client_name[300], client_desc[300], profile[37], membership[37];
	snprintf(client_name, sizeof client_name, "%s Default Client", name);
	snprintf(client_desc, sizeof client_desc, "Default client for %s", name);
	struct flow_error err = { 0 };
	if (crypto_uuid_v4(project) < 0 || db_begin() < 0)
		return -1;
	/* The project, its default client with its membership, the owner's Practitioner and
	 * admin membership, and the login placed in it: all or nothing (§6.12). */
	rc = db_exec(NULL, "INSERT INTO project (id, name, owner_user_id, strict_mode) VALUES (?, ?, ?, TRUE)", "sss",
		     project, name, p.id);
	if (rc == 0)
		rc = clients_insert(project, client_name, client_desc, client, secret);
	if (rc == 0)
		rc = people_create_profile("Practitioner", project, p.first_name, p.last_name, p.email, profile);
	if (rc == 0)
		rc = people_create_membership(project, p.id, "Practitioner", profile, true, NULL, membership);
	if (rc == 0)
		rc = flow_join_project(&l, project, membership, &err);
	char outbox[37] = "";
	if (rc == 0)
		rc = welcome_email(project, &p, outbox);
	return finish(req, &l, rc, &err, outbox);
}

int register_newpatient(struct request *req)
{
	struct flow_login l;
	struct person p;
	int rc = open_stage(req, &l, &p);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	const char *project = req_param(req, "projectId");
	if (!p.project_id[0] || strcmp(p.project_id, project)) {
		send_bad_request(req, "User must be scoped to the project", NULL);
		return 0;
	}
	char policy[37], profile[37], membership[37];
	rc = project_policy(project, policy);
	if (rc != 0)
		return rc < 0 ? -1 : (send_not_found(req), 0);
	if (!policy[0]) {
		send_bad_request(req, "Project does not allow open registration", NULL);
		return 0;
	}
	struct flow_error err = { 0 };
	if (db_begin() < 0)
		return -1;
	rc = people_create_profile("Patient", project, p.first_name, p.last_name, p.email, profile);
	if (rc == 0)
		rc = people_create_membership(project, p.id, "Patient", profile, false, policy, membership);
	if (rc == 0)
		rc = flow_set_membership(&l, membership, &err);
	return finish(req, &l, rc, &err, NULL);
}

const struct input register_newuser_inputs[] = {
	{ "firstName", IN_STRING, true, 512, "First name must be between 1 and 128 characters", valid_person_name },
	{ "lastName", IN_STRING, true, 512, "Last name must be between 1 and 128 characters", valid_person_name },
	{ "email", IN_EMAIL, true, 72, "Valid email address between 3 and 72 characters is required", NULL },
	{ "password", IN_STRING, true, 0, "Password must be between 8 and 72 characters", pwpolicy_length_ok },
	{ "projectId", IN_TOKEN, false, 36, "Invalid projectId", stage_project_id_ok },
	{ "clientId", IN_TOKEN, false, 127, "Not found", NULL },
	{ "scope", IN_SCOPE, false, 1024, "Invalid scope", NULL },
	{ "nonce", IN_STRING, false, 512, "Invalid nonce", NULL },
	{ "codeChallenge", IN_TOKEN, false, 128, "Invalid code challenge", NULL },
	{ "codeChallengeMethod", IN_TOKEN, false, 8, "Invalid code challenge method", NULL },
	{ "remember", IN_BOOL, false, 5, "Invalid remember", NULL },
	{ 0 },
};

const struct input register_newproject_inputs[] = {
	{ "login", IN_UUID, true, 36, "Login ID is required.", NULL },
	{ "projectName", IN_STRING, true, 288, "Project name must be between 4 and 72 characters", project_name_ok },
	{ 0 },
};

const struct input register_newpatient_inputs[] = {
	{ "login", IN_TOKEN, true, 64, "Missing login", NULL },
	{ "projectId", IN_TOKEN, true, 64, "Project ID is required", NULL },
	{ 0 },
};

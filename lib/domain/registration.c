/* SPDX-License-Identifier: BSD-2-Clause */
/* registration: self-registration for the routes and the pages (see registration.h). */
#include "domain/registration.h"
#include "domain/members.h"
#include "http/app.h"
#include "domain/clients.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/db.h"
#include "domain/audit.h"
#include "http/input.h"
#include "core/log.h"
#include "domain/mailing.h"
#include "mail/mail.h"
#include "core/password.h"
#include "domain/people.h"
#include "domain/projects.h"
#include "domain/pwpolicy.h"
#include "domain/secreq.h"
#include "core/text.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

bool registration_project_name_ok(const char *v)
{
	return valid_chars_between(v, 4, 72);
}

/* registerEnabled: false refuses self-registration with Medplum's text (§6.11). */
static bool registration_refused(struct refusal *err)
{
	return !cfg.register_enabled && refuse(err, 400, "Registration is disabled", NULL);
}

static bool concrete_project(const char *project_id)
{
	return project_id && *project_id && strcmp(project_id, "new");
}

int registration_project(const char *project_id, char name[PROJECT_NAME_SIZE], char policy[37])
{
	name[0] = policy[0] = '\0';
	if (!crypto_is_uuid(project_id))
		return 1;
	return projects_patient_policy(project_id, name, policy);
}

/* The client binding of §6.11: the client must exist and, when both are given, belong to
 * the body's project. A user scoped to a project can only be made where that project allows
 * open registration (stricter than Medplum, which lets anyone create users in any project:
 * such a user, its password chosen by a stranger, would be reused by a later invite). */
static int check_target(const char *client_id, const char *project_id, struct refusal *err)
{
	if (client_id && *client_id) {
		struct client c;
		int rc = clients_get(client_id, &c);
		if (rc != 0)
			return rc < 0 ? -1 : refuse(err, 404, "Not found", NULL);
		if (concrete_project(project_id) && strcmp(project_id, c.project_id))
			return refuse(err, 400, "Client and project do not match", NULL);
	}
	if (!concrete_project(project_id))
		return 0;
	char name[PROJECT_NAME_SIZE], policy[37];
	int rc = registration_project(project_id, name, policy);
	if (rc != 0)
		return rc < 0 ? -1 : refuse(err, 404, "Not found", NULL);
	return policy[0] ? 0 : refuse(err, 400, "Project does not allow open registration", NULL);
}

static void deliver(const char *outbox_id)
{
	if (mail_deliver(outbox_id) < 0)
		log_error("registration: the outbox could not be read after the commit");
}

/* A self-registered address is not verified (anyone can type another person's address):
 * a verify-email request and its email, in the registration's transaction. An address the
 * outbox refuses leaves the request without an email. 0 or -1. */
static int verification_email(const char *user_id, const char *email, const char *name, const char *project,
			      char outbox[37])
{
	char id[37], secret[SECREQ_SECRET_LEN + 1], link[SECREQ_LINK_LEN];
	outbox[0] = '\0';
	int rc = secreq_create("verify-email", user_id, project, NULL, id, secret);
	if (rc == 0)
		rc = secreq_link("verify-email", id, secret, link, sizeof link);
	json_t *vars = rc == 0 ? json_pack("{s:s}", "link", link) : NULL;
	struct mail_message m = { project, "verify-email", email, name, vars, false, NULL, NULL };
	if (rc == 0)
		rc = vars ? mailing_enqueue(&m, outbox) : -1;
	json_decref(vars);
	OPENSSL_cleanse(secret, sizeof secret);
	OPENSSL_cleanse(link, sizeof link);
	if (rc == 1) {
		log_error("newuser: the verification email was refused for user %s", user_id);
		outbox[0] = '\0';
		rc = 0;
	}
	return rc;
}

struct new_user {
	const struct login_request *lr;
	const char *first_name, *last_name, *scope_project, *bound;
	struct login *out;
	char hash[PASSWORD_HASH_LEN], outbox[37];
};

/* One attempt, run again after a lost deadlock or certification conflict: its own user id,
 * outbox row and login. */
static int new_user_steps(void *p)
{
	struct new_user *u = p;
	char user_id[37], name[260], email[321];
	u->outbox[0] = '\0';
	snprintf(name, sizeof name, "%s %s", u->first_name, u->last_name);
	people_lower_email(u->lr->email, email, sizeof email);
	int rc = people_create_user(u->lr->email, u->first_name, u->last_name, u->hash, u->scope_project, user_id);
	if (rc == 0)
		rc = verification_email(user_id, email, name, u->scope_project, u->outbox);
	if (rc == 0)
		rc = flow_start(u->lr, "password", user_id, u->bound, u->out);
	return rc;
}

int registration_new_user(const char *first_name, const char *last_name, const struct login_request *lr,
			  struct login *out, struct refusal *err)
{
	if (registration_refused(err))
		return 1;
	int rc = check_target(lr->client_id, lr->project_id, err);
	if (rc != 0)
		return rc;
	char bound[37];
	rc = flow_check_request(lr, bound, err);
	if (rc != 0)
		return rc;
	/* The user's scope comes from the body's projectId, not the client's (§17 item 14). */
	const char *scope_project = concrete_project(lr->project_id) ? lr->project_id : NULL;
	struct person existing;
	rc = people_find_user(lr->email, scope_project, &existing);
	if (rc <= 0)
		return rc < 0 ? -1 : refuse(err, 400, "Email already registered", "email");
	/* Nor a second account of a member's address in the project (a server account's): the
	 * project-scoped one would be found first at sign-in, and shut the member out (§10.4). */
	rc = scope_project ? members_email_taken(scope_project, lr->email, NULL) : 0;
	if (rc != 0)
		return rc < 0 ? -1 : refuse(err, 400, "Email already registered", "email");
	rc = pwpolicy_check(lr->password);
	if (rc != 0)
		return rc < 0 ? -1 : refuse(err, 400, PWPOLICY_BREACHED, "password");
	struct new_user u = { lr, first_name, last_name, scope_project, bound, out, "", "" };
	if (password_hash(lr->password, u.hash) < 0)
		return -1;
	rc = audit_transaction(new_user_steps, &u);
	if (rc != 0)
		/* Registered meanwhile by a concurrent request: the unique key decided. */
		return rc < 0 ? -1 : refuse(err, 400, "Email already registered", "email");
	if (u.outbox[0])
		app_after_response(deliver, u.outbox);
	return 0;
}

struct vouched_user {
	const struct login_request *lr;
	const char *method, *first_name, *last_name, *scope_project, *bound;
	struct login *out;
};

/* The user (no password; the upstream proved the address) and its Login. Each attempt its own
 * ids; 1 when the address was registered meanwhile (the unique key). */
static int vouched_user_steps(void *p)
{
	struct vouched_user *u = p;
	char user_id[37];
	int rc = people_create_user(u->lr->email, u->first_name, u->last_name, NULL, u->scope_project, user_id);
	if (rc == 0)
		rc = people_mark_verified(user_id);
	if (rc == 0)
		rc = flow_start(u->lr, u->method, user_id, u->bound, u->out);
	return rc;
}

int registration_vouched_user(const char *method, const char *first_name, const char *last_name,
			      const struct login_request *lr, struct login *out, struct refusal *err)
{
	if (registration_refused(err))
		return 1;
	int rc = check_target(lr->client_id, lr->project_id, err);
	char bound[37];
	if (rc == 0)
		rc = flow_check_request(lr, bound, err);
	if (rc != 0)
		return rc;
	const char *scope_project = concrete_project(lr->project_id) ? lr->project_id : NULL;
	rc = audit_transaction(vouched_user_steps,
			       &(struct vouched_user){ lr, method, first_name, last_name, scope_project, bound, out });
	return rc == 1 ? 2 : rc;
}

/* The login of a registration stage and its user: 0 loaded and still without a membership;
 * 1 refused (not found, or "Login already has a membership"); -1. */
static int load_open_login(const char *login_id, struct login *l, struct person *p, struct refusal *err)
{
	int rc = flow_load(login_id, l);
	if (rc != 0)
		return rc < 0 ? -1 : refuse(err, 404, "Not found", NULL);
	/* A new project (owned by the account) or a patient membership is the account's doing, never
	 * a project's own IdP's (PROTOCOL.md §S.25). */
	if (l->confined)
		return refuse(err, 403, LOGIN_CONFINED_TEXT, NULL);
	if (l->membership_id[0])
		return refuse(err, 400, "Login already has a membership", NULL);
	/* Registration logins are always Users. */
	rc = strcmp(l->user_type, "User") ? 1 : people_get_user(l->user_id, p);
	if (rc != 0)
		return rc < 0 ? -1 : refuse(err, 404, "Not found", NULL);
	return 0;
}

/* The start of newproject and newpatient: registration allowed, the login open, its user. */
static int open_stage(const char *login_id, struct login *l, struct person *p, struct refusal *err)
{
	return registration_refused(err) ? 1 : load_open_login(login_id, l, p, err);
}

/* A registration stage's transaction, run again after a lost deadlock or certification
 * conflict, each attempt from the login as it was loaded (an attempt whose COMMIT failed has
 * already marked it joined); then the email written with it (if any) is delivered. Returns 0
 * committed, 1 refused, -1. */
struct stage {
	int (*steps)(struct stage *s);
	struct login *l, before;
	const struct person *p;
	const char *project, *name, *policy;
	bool verify_first;
	struct refusal *err;
	char outbox[37];
};

static int stage_steps(void *p)
{
	struct stage *s = p;
	*s->l = s->before;
	s->outbox[0] = '\0';
	return s->steps(s);
}

static int run_stage(struct stage *s)
{
	s->before = *s->l;
	int rc = audit_transaction(stage_steps, s);
	if (rc == 0) {
		if (s->outbox[0] && mail_deliver(s->outbox) < 0)
			log_error("registration: the outbox could not be read after the commit");
		return 0;
	}
	return rc == 1 ? 1 : -1;
}

/* The project welcome email to its owner (§13.3), written with the project. A refused
 * address does not stop the registration. 0 or -1. */
static int welcome_email(const char *project, const struct person *p, char outbox[37])
{
	char name[260];
	snprintf(name, sizeof name, "%s %s", p->first_name, p->last_name);
	json_t *vars = json_pack("{s:s}", "first_name", p->first_name);
	struct mail_message m = { project, "welcome", p->email, name, vars, false, NULL, NULL };
	int rc = vars ? mailing_enqueue(&m, outbox) : -1;
	json_decref(vars);
	if (rc == 1) {
		log_error("newproject: the welcome email was refused for user %s", p->id);
		outbox[0] = '\0';
		rc = 0;
	}
	return rc;
}

/* The project, its default client with its membership, the owner's Practitioner and admin
 * membership, and the login placed in it: all or nothing (§6.12). Each attempt its own ids. */
static int new_project_steps(struct stage *s)
{
	const struct person *p = s->p;
	char project[37], client[37], secret[65], client_name[300], client_desc[300], profile[37], membership[37];
	snprintf(client_name, sizeof client_name, "%s Default Client", s->name);
	snprintf(client_desc, sizeof client_desc, "Default client for %s", s->name);
	if (crypto_uuid_v4(project) < 0)
		return -1;
	int rc = projects_insert(project, s->name, p->id);
	if (rc == 0)
		rc = clients_insert(project, client_name, client_desc, client, secret);
	memset(secret, 0, sizeof secret);
	if (rc == 0)
		rc = people_create_profile("Practitioner", project, p->first_name, p->last_name, p->email, profile);
	if (rc == 0)
		rc = people_create_membership(project, p->id, "Practitioner", profile, true, NULL, membership);
	if (rc == 0)
		rc = flow_join_project(s->l, project, membership, s->err);
	if (rc == 0)
		rc = welcome_email(project, p, s->outbox);
	return rc;
}

int registration_new_project(const char *login_id, const char *name, struct login *l, struct refusal *err)
{
	struct person p;
	int rc = open_stage(login_id, l, &p, err);
	if (rc != 0)
		return rc;
	return run_stage(&(struct stage){ .steps = new_project_steps, .l = l, .p = &p, .name = name, .err = err });
}

/* The patient's profile and membership, and the login placed in it unless the address must be
 * verified first. Each attempt its own ids. */
static int new_patient_steps(struct stage *s)
{
	const struct person *p = s->p;
	char profile[37], membership[37];
	int rc = people_create_profile("Patient", s->project, p->first_name, p->last_name, p->email, profile);
	if (rc == 0)
		rc = people_create_membership(s->project, p->id, "Patient", profile, false, s->policy, membership);
	if (rc == 0 && !s->verify_first)
		rc = flow_set_membership(s->l, membership, s->err);
	return rc;
}

int registration_new_patient(const char *login_id, const char *project, struct login *l, bool *verify_first,
			     struct refusal *err)
{
	*verify_first = false;
	struct person p;
	int rc = open_stage(login_id, l, &p, err);
	if (rc != 0)
		return rc;
	if (!p.project_id[0] || strcmp(p.project_id, project))
		return refuse(err, 400, "User must be scoped to the project", NULL);
	char name[PROJECT_NAME_SIZE], policy[37];
	rc = registration_project(project, name, policy);
	if (rc != 0)
		return rc < 0 ? -1 : refuse(err, 404, "Not found", NULL);
	if (!policy[0])
		return refuse(err, 400, "Project does not allow open registration", NULL);
	int required = p.email_verified ? 0 : projects_email_verification_required(project);
	if (required < 0)
		return -1;
	/* A project that wants verified addresses gets its patient now, and the sign-in once the
	 * emailed link is used: the login stays without a membership. */
	*verify_first = required == 1;
	return run_stage(&(struct stage){ .steps = new_patient_steps, .l = l, .p = &p, .project = project,
					  .policy = policy, .verify_first = *verify_first, .err = err });
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* flow: the login state machine (PROTOCOL.md §5). */
#include "domain/flow.h"
#include "http/cookie.h"
#include "domain/audit.h"
#include "core/text.h"
#include "core/fhir.h"
#include "domain/clients.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/db.h"
#include "domain/grant.h"
#include "domain/mfa.h"
#include "domain/policies.h"
#include "core/password.h"
#include "domain/ratelimit.h"
#include "oauth/smart.h"
#include "domain/people.h"
#include "domain/launches.h"
#include "domain/members.h"
#include "domain/usermfa.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* §5.1 step 3: PKCE is optional here but, when sent, must be well-formed. */
static int check_pkce(const struct login_request *lr, struct refusal *err)
{
	const char *c = lr->code_challenge, *m = lr->code_challenge_method;
	bool has_c = c && *c, has_m = m && *m;
	if (has_c && !has_m)
		return refuse(err, 400, "Invalid code challenge", "code_challenge");
	if (has_m && (!has_c || (strcmp(m, "plain") && strcmp(m, "S256"))))
		return refuse(err, 400, "Invalid code challenge method", "code_challenge_method");
	/* RFC 7636 §4.2: 43..128 characters of [A-Za-z0-9-._~]. */
	if (has_c && (strlen(c) < 43 || strlen(c) > 128 || strspn(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
								   "0123456789-._~") != strlen(c)))
		return refuse(err, 400, "Invalid code challenge", "code_challenge");
	return 0;
}

bool flow_project_id_ok(const char *v)
{
	return !strcmp(v, "new") || crypto_is_uuid(v);
}

/* §6.2 project binding through the client, §5.1 steps 2-3. */
static int bind_client(const struct login_request *lr, struct client *c, char project[37], struct refusal *err)
{
	text_copy(project, 37, lr->project_id);
	if (!lr->client_id || !*lr->client_id)
		return check_pkce(lr, err);
	int rc = clients_get(lr->client_id, c);
	if (rc < 0)
		return -1;
	if (rc == 1 || strcmp(c->status, "active"))
		return refuse(err, 404, "Not found", NULL);
	/* Every sign-in for a client ends in a code: none for a client registered without
	 * authorization_code (PROTOCOL.md §7.1), refused before any credential is looked at. */
	if (!clients_codes_allowed(c))
		return refuse(err, 400, CLIENTS_GRANT_REFUSED, NULL);
	/* A third party's app (it registered itself) gets a code only after a person allowed it on
	 * the consent page (PROTOCOL.md §5.5): refused here before any credential is looked at. */
	if (c->registered && !lr->page)
		return refuse(err, 400, FLOW_CONSENT_PAGES_ONLY, NULL);
	if (lr->project_id && *lr->project_id && strcmp(lr->project_id, c->project_id))
		return refuse(err, 400, "Invalid projectId", "projectId");
	text_copy(project, 37, c->project_id);
	if (!clients_origin_ok(c, lr->origin))
		return refuse(err, 400, "Invalid origin", NULL);
	/* A registered public client (RFC 7591, PROTOCOL.md §7.6) uses S256, never plain or nothing. */
	if (c->pkce_s256 && (!lr->code_challenge_method || strcmp(lr->code_challenge_method, "S256")))
		return refuse(err, 400, "Invalid code challenge method", "code_challenge_method");
	return c->pkce_optional ? 0 : check_pkce(lr, err);
}

static int check_launch(const char *launch, const char *project, struct refusal *err)
{
	if (!launch || !*launch)
		return 0;
	if (!crypto_is_uuid(launch))
		return refuse(err, 404, "Not found", NULL);
	int rc = launches_exists(launch, project);
	return rc == 1 ? refuse(err, 404, "Not found", NULL) : rc;
}

struct user_row {
	char id[37];
	char hash[PASSWORD_HASH_LEN];
	bool mfa_enrolled;
};

/* §5.1 step 5: a project-scoped user of that project first, else the server-scoped user. */
static int find_user(const char *email, const char *project, struct user_row *u)
{
	struct db_result r;
	bool scoped = project[0] && strcmp(project, "new");
	if (people_find_for_signin(scoped ? project : NULL, email, &r) < 0)
		return -1;
	int found = r.nrows > 0;
	if (found) {
		text_copy(u->id, sizeof u->id, db_cell(&r, 0, 0));
		text_copy(u->hash, sizeof u->hash, db_cell(&r, 0, 1));
		u->mfa_enrolled = text_true(db_cell(&r, 0, 2));
	}
	db_result_free(&r);
	return found;
}

/* A refused sign-in, recorded whether or not the email is known (the same work either way). */
static int refuse_signin(const char *project, const struct user_row *u, const char *reason, struct refusal *err)
{
	bool scoped = project[0] && strcmp(project, "new");
	if (audit_write(&(struct audit_event){ .type = AUDIT_SIGNIN_FAILURE, .reason = reason,
					       .project_id = scoped ? project : "", .agent_type = u ? "User" : "",
					       .agent_id = u ? u->id : "" }) < 0)
		return -1;
	return refuse(err, 400, "Email or password is invalid", NULL);
}

/* Unknown email and wrong password take the same time and get the same answer. */
static int authenticate(const struct login_request *lr, const char *project, struct user_row *u,
			struct refusal *err)
{
	char email[321];
	text_copy(email, sizeof email, lr->email);
	for (char *p = email; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	int found = find_user(email, project, u);
	if (found < 0)
		return -1;
	/* Growing delays per account (lib/ratelimit.h), decided before any hash is computed. The
	 * account is the one found, not the email as typed: the lookup's collation finds it under
	 * many spellings, and each must not open a fresh count. Unknown emails are delayed alike
	 * (keyed by the email as that collation folds it), so the delay tells nothing either. */
	char account[RATELIMIT_ACCOUNT_LEN];
	struct rl_login st;
	if (!ratelimit_login_account(found ? u->id : NULL, email, account, sizeof account))
		return refuse(err, 400, "Email or password is invalid", NULL);
	int wait = ratelimit_login_check(account, lr->remote_addr, &st);
	if (wait < 0)
		return -1;
	if (wait)
		return refuse_wait(err, "Too Many Requests", st.retry_ms, st.failures, st.limit);
	bool ok;
	const char *reason;
	if (!found || !u->hash[0]) {
		password_dummy_verify(lr->password);
		ok = false;
		reason = found ? "no password set" : "unknown email";
	} else {
		ok = password_verify(lr->password, u->hash);
		reason = "wrong password";
	}
	if (ratelimit_login_result(account, lr->remote_addr, ok, &st) < 0)
		return -1;
	if (!ok)
		return refuse_signin(project, found ? u : NULL, reason, err);
	if (password_needs_rehash(u->hash)) {
		char fresh[PASSWORD_HASH_LEN];
		if (password_hash(lr->password, fresh) == 0)
			people_set_password(u->id, fresh, false);
	}
	return 0;
}

static int insert_login(const struct login_request *lr, const struct user_row *u, const char *project,
			const char *method, bool confined, struct login *l)
{
	memset(l, 0, sizeof *l);
	char nonce[37];
	/* Time-ordered like every Login id (lib/login.c). */
	if (crypto_uuid_v7(l->id) < 0 || crypto_uuid_v4(nonce) < 0)
		return -1;
	text_copy(l->user_type, sizeof l->user_type, "User");
	text_copy(l->user_id, sizeof l->user_id, u->id);
	text_copy(l->client_id, sizeof l->client_id, lr->client_id);
	l->project_new = !strcmp(project, "new");
	text_copy(l->project_id, sizeof l->project_id, l->project_new ? "" : project);
	text_copy(l->profile_type, sizeof l->profile_type, lr->resource_type);
	text_copy(l->auth_method, sizeof l->auth_method, method);
	l->confined = confined;
	l->auth_time = time(NULL);
	text_copy(l->scope, sizeof l->scope, lr->scope && *lr->scope ? lr->scope : "openid");
	text_copy(l->nonce, sizeof l->nonce, lr->nonce && *lr->nonce ? lr->nonce : nonce);
	text_copy(l->redirect_uri, sizeof l->redirect_uri, lr->redirect_uri);
	text_copy(l->code_challenge, sizeof l->code_challenge, lr->code_challenge);
	text_copy(l->code_challenge_method, sizeof l->code_challenge_method, lr->code_challenge_method);
	text_copy(l->remote_addr, sizeof l->remote_addr, lr->remote_addr);
	l->refresh_allowed = lr->remember || scope_has(l->scope, "offline") || scope_has(l->scope, "offline_access");
	l->mfa_enrolled = u->mfa_enrolled;
	return login_insert(l, lr->launch && *lr->launch ? lr->launch : NULL, lr->user_agent);
}

static int query_memberships(const struct login *l, struct db_result *r)
{
	return members_for_signin(l->user_id, l->project_id[0] ? l->project_id : NULL,
				  l->profile_type[0] ? l->profile_type : NULL, r);
}

json_t *flow_memberships(const struct login *l)
{
	struct db_result r;
	if (query_memberships(l, &r) < 0)
		return NULL;
	json_t *list = json_array();
	for (unsigned i = 0; i < r.nrows; i++) {
		json_t *m = json_pack("{s:s, s:o, s:o}", "id", db_cell(&r, i, 0), "project",
				      fhir_reference("Project", db_cell(&r, i, 1), db_cell(&r, i, 2)), "profile",
				      fhir_reference(db_cell(&r, i, 3), db_cell(&r, i, 4), db_cell(&r, i, 5)));
		json_t *ident = db_cell(&r, i, 6) ? json_loads(db_cell(&r, i, 6), 0, NULL) : NULL;
		if (ident)
			json_object_set_new(m, "identifier", ident);
		json_array_append_new(list, m);
	}
	db_result_free(&r);
	return list;
}

/* §5.1 step 8: no membership → "User not found" (unless a project is to be created); exactly
 * one → chosen at once. */
static int choose_single_membership(struct login *l, struct refusal *err)
{
	if (l->project_new)
		return 0;
	struct db_result r;
	if (query_memberships(l, &r) < 0)
		return -1;
	unsigned n = r.nrows;
	char only[37] = "";
	if (n == 1)
		text_copy(only, sizeof only, db_cell(&r, 0, 0));
	db_result_free(&r);
	if (n == 0)
		return refuse(err, 400, "User not found", NULL);
	return n == 1 ? flow_set_membership(l, only, err) : 0;
}

/* The vouched-for user: by externalId in the project, or by email. 0, 1 refused, -1. */
static int find_vouched(const struct external_identity *who, const char *project, struct user_row *u,
			struct refusal *err)
{
	if (who->external_id) {
		if (!project[0] || !strcmp(project, "new"))
			return refuse(err, 400, "Project ID is required for external ID", NULL);
		int rc = members_user_by_external_id(project, who->external_id, u->id);
		return rc == 1 ? refuse(err, 400, "User not found", NULL) : rc;
	}
	if (!who->email || !*who->email)
		return refuse(err, 400, "Missing email or externalId", "externalId");
	int found = find_user(who->email, project, u);
	return found < 0 ? -1 : found ? 0 : refuse(err, 400, "User not found", NULL);
}

/* An unverified account was never shown to belong to its address: anyone can register one for
 * another person's address (pre-hijacking). When the upstream owns the address (Google, a
 * domain's own IdP), its owner has now proved it, so the account is taken back as an invite
 * takes it back: its password, second factor and sessions end, and the address is verified.
 * Otherwise whoever registered it would keep signing in with their password next to the owner,
 * into whatever the owner makes there (a new project). PROTOCOL.md §S.19. 0 or -1. */
static int claim_unverified(const struct external_identity *who, const struct user_row *u)
{
	if (!who || !who->proves_email || who->external_id)
		return 0;
	bool verified;
	int rc = db_begin();
	if (rc == 0)
		rc = people_lock_verified(u->id, &verified);
	if (rc == 0 && !verified) {
		rc = people_reset_account(u->id);
		if (rc == 0)
			rc = login_revoke_user(u->id, NULL);
		if (rc == 0)
			rc = people_mark_verified(u->id);
	}
	return db_finish(rc);
}

/* The membership of a vouched-for login: the one asked for, the first (token exchange), or
 * as for a password (exactly one → chosen; none → "User not found"). */
static int choose_vouched_membership(struct login *l, const struct external_identity *who, struct refusal *err)
{
	if (!who->membership_id && !who->first_membership) {
		int rc = choose_single_membership(l, err);
		return rc == 1 && who->allow_no_membership && !strcmp(err->text, "User not found") ? 0 : rc;
	}
	struct db_result r;
	if (query_memberships(l, &r) < 0)
		return -1;
	char chosen[37] = "";
	for (unsigned i = 0; i < r.nrows && !chosen[0]; i++)
		if (!who->membership_id || !strcmp(db_cell(&r, i, 0), who->membership_id))
			text_copy(chosen, sizeof chosen, db_cell(&r, i, 0));
	db_result_free(&r);
	if (!chosen[0])
		return refuse(err, 400, "User not found", NULL);
	return flow_set_membership(l, chosen, err);
}

/* A sign-in (§5.1): the client and launch checks, the user (the password's, or who an upstream
 * vouched for), the Login and its membership. who NULL: a password sign-in. */
static int sign_in(const struct login_request *lr, const struct external_identity *who, struct login *l,
		   struct refusal *err)
{
	struct client c;
	char project[37];
	struct user_row u = { 0 };
	int rc = bind_client(lr, &c, project, err);
	if (rc == 0)
		rc = check_launch(lr->launch, project, err);
	if (rc == 0)
		rc = who ? find_vouched(who, project, &u, err) : authenticate(lr, project, &u, err);
	if (rc == 0)
		rc = claim_unverified(who, &u);
	if (rc == 0)
		rc = insert_login(lr, &u, project, who ? who->method : "password", who && who->confines, l);
	if (rc != 0)
		return rc;
	rc = who ? choose_vouched_membership(l, who, err) : choose_single_membership(l, err);
	if (rc == 0)
		rc = flow_mfa_policy(l);
	/* A refused sign-in (no or an unusable membership) leaves no Login behind. */
	if (rc == 1 && login_delete_unplaced(l->id) < 0)
		return -1;
	return rc;
}

int flow_password_login(const struct login_request *lr, struct login *l, struct refusal *err)
{
	return sign_in(lr, NULL, l, err);
}

int flow_external_login(const struct login_request *lr, const struct external_identity *who, struct login *l,
			struct refusal *err)
{
	return sign_in(lr, who, l, err);
}

/* Whether the membership's project has the feature google-auth-required: 1, 0, -1. */
static int google_required(const char *membership_id)
{
	struct db_result r;
	if (members_chosen(membership_id, &r) < 0)
		return -1;
	int required = text_true(db_cell(&r, 0, 5));
	db_result_free(&r);
	return required;
}

int flow_external_session(const char *user_id, const char *membership_id, const char *project_id, struct login *l)
{
	struct user_row u = { 0 };
	text_copy(u.id, sizeof u.id, user_id);
	struct login_request lr = { .scope = "openid" };
	/* Placed without flow_set_membership, so its google-auth-required rule is checked here (§5.2). */
	int rc = google_required(membership_id);
	if (rc != 0)
		return rc;
	rc = insert_login(&lr, &u, project_id, "external", true, l);
	if (rc == 0)
		rc = login_place(l->id, membership_id, project_id, false) == 0 ? 0 : -1;
	if (rc == 0)
		rc = login_redeem_code(l->id, NULL, NULL) == 0 ? 0 : -1;
	return rc;
}

int flow_check_request(const struct login_request *lr, char project[37], struct refusal *err)
{
	struct client c;
	int rc = bind_client(lr, &c, project, err);
	return rc == 0 ? check_launch(lr->launch, project, err) : rc;
}

int flow_start(const struct login_request *lr, const char *method, const char *user_id, const char *project,
	       struct login *l)
{
	struct user_row u = { 0 };
	text_copy(u.id, sizeof u.id, user_id);
	int rc = insert_login(lr, &u, project, method, false, l);
	return rc == 0 ? flow_mfa_policy(l) : rc;
}

int flow_load(const char *id, struct login *l)
{
	int rc = login_load(id, l);
	return rc == 0 ? flow_mfa_policy(l) : rc;
}

int flow_mfa_policy(struct login *l)
{
	l->mfa_required = false;
	l->mfa_methods = 0;
	l->mfa_allowed = MFA_TOTP | MFA_EMAIL;
	if (strcmp(l->user_type, "User"))
		return 0;
	const char *m = l->membership_id[0] ? l->membership_id : NULL, *p = l->project_id[0] ? l->project_id : NULL;
	struct db_result r;
	if (user_mfa_rule(l->user_id, m, p, &r) < 0)
		return -1;
	if (r.nrows) {
		l->mfa_enrolled = text_true(db_cell(&r, 0, 0));
		l->mfa_required = text_true(db_cell(&r, 0, 1)) || text_true(db_cell(&r, 0, 4));
		l->mfa_methods = db_cell(&r, 0, 2) ? mfa_methods_parse(db_cell(&r, 0, 2)) : MFA_TOTP;
		text_copy(l->email, sizeof l->email, db_cell(&r, 0, 3));
		unsigned allowed = (unsigned)strtoul(db_cell(&r, 0, 5) ? db_cell(&r, 0, 5) : "3", NULL, 10) & 3u;
		l->mfa_allowed = allowed ? allowed : MFA_TOTP;
	}
	db_result_free(&r);
	return 0;
}

int flow_check_open(const struct login *l, struct refusal *err)
{
	if (l->revoked)
		return refuse(err, 400, "Login revoked", NULL);
	if (l->granted || l->was_granted)
		return refuse(err, 400, "Login granted", NULL);
	return 0;
}

/* MFA gates every code: flow_result is the only place that reveals one, and every stage
 * (credentials, profile, scope, status) answers through it (PROTOCOL.md §S.1). */
bool flow_mfa_pending(const struct login *l)
{
	return (l->mfa_enrolled || l->mfa_required) && !strcmp(l->auth_method, "password") && !l->mfa_verified;
}

bool flow_mfa_enroll_pending(const struct login *l)
{
	return flow_mfa_pending(l) && !l->mfa_enrolled;
}

unsigned flow_mfa_offered(const struct login *l)
{
	unsigned both = l->mfa_methods & l->mfa_allowed;
	return both ? both : l->mfa_methods ? l->mfa_methods : MFA_TOTP;
}

/* §5.3 steps 1-2: enrollment (with this login's own secret, made when needed) or the second factor. */
static int mfa_result(struct login *l, json_t **out)
{
	if (!flow_mfa_enroll_pending(l)) {
		*out = json_pack("{s:s, s:b, s:o, s:s}", "login", l->id, "mfaRequired", true, "mfaMethods",
				 mfa_methods_json(flow_mfa_offered(l)), "email", l->email);
		return *out ? 0 : -1;
	}
	*out = json_pack("{s:s, s:b, s:o}", "login", l->id, "mfaEnrollRequired", true, "allowedMfaMethods",
			 mfa_methods_json(l->mfa_allowed));
	if (!*out || !(l->mfa_allowed & MFA_TOTP))
		return *out ? 0 : -1;
	char *uri, *qr;
	const char *project = l->project_id[0] ? l->project_id : NULL;
	if (mfa_enroll_material(l->user_id, l->id, project, &uri, &qr, NULL) < 0)
		return -1;
	json_object_set_new(*out, "enrollUri", json_string(uri));
	json_object_set_new(*out, "enrollQrCode", json_string(qr));
	free(uri);
	free(qr);
	return 0;
}

int flow_set_membership(struct login *l, const char *membership_id, struct refusal *err)
{
	if (flow_check_open(l, err))
		return 1;
	if (l->membership_id[0])
		return refuse(err, 400, "Login profile already set", NULL);
	struct db_result r;
	if (!crypto_is_uuid(membership_id))
		return refuse(err, 400, "Profile not found", NULL);
	if (members_chosen(membership_id, &r) < 0)
		return -1;
	int rc = 0;
	if (r.nrows == 0)
		rc = refuse(err, 400, "Profile not found", NULL);
	else if (strcmp(db_cell(&r, 0, 0), l->user_id) || (l->project_id[0] && strcmp(db_cell(&r, 0, 2), l->project_id)))
		rc = refuse(err, 400, "Invalid profile", NULL);
	else if (!text_true(db_cell(&r, 0, 1)))
		rc = refuse(err, 400, "Profile not active", NULL);
	/* The project's feature google-auth-required admits Google sign-ins only (§5.2): a password,
	 * an external IdP or an exchanged token is refused here, wherever it leads to this project. */
	else if (text_true(db_cell(&r, 0, 5)) && strcmp(l->auth_method, "google"))
		rc = refuse(err, 400, "Google authentication is required", NULL);
	else if (text_true(db_cell(&r, 0, 4)))
		rc = refuse(err, 400, FLOW_EMAIL_UNVERIFIED, NULL);
	bool super_admin = rc == 0 && text_true(db_cell(&r, 0, 3));
	char project[37];
	text_copy(project, sizeof project, rc == 0 ? db_cell(&r, 0, 2) : NULL);
	db_result_free(&r);
	if (rc)
		return rc;
	/* The IP rules of the membership's policies, against where the sign-in came from (§11.3). */
	if ((rc = policies_ip_check(membership_id, l->remote_addr)) != 0)
		return rc < 0 ? -1 : refuse(err, 400, POLICIES_IP_REFUSED, NULL);
	/* A launch of another project gives this membership no context (§11.2). */
	if ((rc = login_launch_outside(l->id, project)) != 0)
		return rc < 0 ? -1 : refuse(err, 400, "Invalid launch", NULL);
	/* Super-admin sessions never get refresh tokens (§3). */
	if (super_admin)
		l->refresh_allowed = false;
	rc = login_place(l->id, membership_id, project, l->refresh_allowed);
	if (rc != 0)
		return rc < 0 ? -1 : refuse(err, 400, "Login profile already set", NULL);
	text_copy(l->membership_id, sizeof l->membership_id, membership_id);
	/* The chosen membership narrows the projects whose MFA rule applies. */
	return flow_mfa_policy(l);
}

int flow_join_project(struct login *l, const char *project_id, const char *membership_id, struct refusal *err)
{
	if (flow_check_open(l, err))
		return 1;
	if (l->membership_id[0])
		return refuse(err, 400, "Login already has a membership", NULL);
	int rc = login_launch_outside(l->id, project_id);
	if (rc != 0)
		return rc < 0 ? -1 : refuse(err, 400, "Invalid launch", NULL);
	rc = login_join_project(l->id, membership_id, project_id);
	if (rc != 0)
		return rc < 0 ? -1 : refuse(err, 400, "Login already has a membership", NULL);
	text_copy(l->membership_id, sizeof l->membership_id, membership_id);
	text_copy(l->project_id, sizeof l->project_id, project_id);
	l->project_new = false;
	return flow_mfa_policy(l);
}

int flow_set_scope(struct login *l, const char *scope, struct refusal *err)
{
	if (flow_check_open(l, err))
		return 1;
	if (!smart_scope_covered(l->scope, scope))
		return refuse(err, 400, "Invalid scope", NULL);
	if (login_set_scope(l->id, scope) < 0)
		return -1;
	text_copy(l->scope, sizeof l->scope, scope);
	return 0;
}

/* A fresh code on every reveal: only its hash is stored, and an older code stops working. */
static int issue_code(struct login *l, char code[33], char cookie[33])
{
	uint8_t code_hash[32], cookie_hash[32];
	if (crypto_random_hex(code, 16) < 0)
		return -1;
	crypto_sha256(code, 32, code_hash);
	bool with_cookie = l->client_id[0] != '\0';
	cookie[0] = '\0';
	if (with_cookie) {
		if (crypto_random_hex(cookie, 16) < 0)
			return -1;
		crypto_sha256(cookie, 32, cookie_hash);
	}
	return login_issue_code(l->id, code_hash, cfg.code_lifetime, with_cookie ? cookie_hash : NULL);
}

int flow_result(struct login *l, json_t **out, char cookie[33])
{
	*out = NULL;
	cookie[0] = '\0';
	if (flow_mfa_pending(l))
		return mfa_result(l, out);
	if (l->project_new && !l->membership_id[0]) {
		*out = json_pack("{s:s}", "login", l->id);
		return 0;
	}
	if (l->membership_id[0]) {
		char code[33];
		/* The last guard of §5.5: whatever stage got here, no consent, no code. */
		int rc = l->consented ? 0 : flow_third_party(l);
		if (rc != 0)
			return rc < 0 ? -1 : 2;
		rc = issue_code(l, code, cookie);
		if (rc != 0)
			return rc < 0 ? -1 : 1;
		*out = json_pack("{s:s, s:s}", "login", l->id, "code", code);
		return 0;
	}
	json_t *memberships = flow_memberships(l);
	if (!memberships)
		return -1;
	*out = json_pack("{s:s, s:o}", "login", l->id, "memberships", memberships);
	return 0;
}

int flow_third_party(const struct login *l)
{
	if (!l->client_id[0])
		return 0;
	int first = clients_first_party(l->client_id);
	return first < 0 ? -1 : !first;
}

void flow_cookie_header(const char *client_id, const char *value, char *out, size_t outlen)
{
	char name[80];
	snprintf(name, sizeof name, "medplum-%s", client_id);
	/* SameSite=None (the SDK's cross-site fetches); lib/cookie.c makes it Lax on plain-HTTP loopback. */
	cookie_header(out, outlen, &(struct cookie){ name, value ? value : "", FLOW_SESSION_SECONDS, "/", "None" });
}

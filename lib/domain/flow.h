/* SPDX-License-Identifier: BSD-2-Clause */
/* flow: the login state machine of PROTOCOL.md §5, shared by the JSON API (/auth/...) and the sign-in
 * pages. A Login moves: credentials checked → [MFA] → membership chosen → [scope] → code →
 * tokens. Possession of the login id is the credential between stages (as in Medplum), so
 * every stage re-checks revoked/granted and MFA before it hands out a code. */
#ifndef TESSERA_FLOW_H
#define TESSERA_FLOW_H
#include "core/refusal.h"
#include "domain/login.h"
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>


struct login_request {
	const char *email;
	const char *password;
	const char *project_id;    /* may be "new" */
	const char *client_id;
	const char *resource_type;
	const char *scope;
	const char *nonce;
	const char *launch;
	const char *code_challenge;
	const char *code_challenge_method;
	const char *redirect_uri;  /* bound to the code (from /oauth2/authorize) */
	const char *origin;
	const char *remote_addr;
	const char *user_agent;
	bool remember;
	/* The sign-in pages' own flow (cgi-bin/pages.c, and a federated trip they began): the only
	 * one that asks a person's consent, so the only one a registered client may use (§5.5). */
	bool page;
};


/* The refusal of a membership whose project requires verified addresses
 * (emailVerificationRequired) for a user whose address is not verified (issue 14, finding 3). */
#define FLOW_EMAIL_UNVERIFIED "Email not verified"

/* A registered client's sign-in anywhere but the sign-in pages (PROTOCOL.md §5.5): a person
 * consents on the pages before each of its codes, and the JSON API has no such stage. */
#define FLOW_CONSENT_PAGES_ONLY "This client signs in through /oauth2/authorize only"

/* The outcome of a stage: 0 ok, 1 refused (err filled), -1 database failure. */
int flow_password_login(const struct login_request *lr, struct login *out, struct refusal *err);
/* Who an upstream party vouched for (an external IdP's id_token, a Google credential, a
 * token exchange's userinfo): the user is found by email (project-scoped first, §5.1 step 5)
 * or by the externalId of a membership of the login's project; no password and no second
 * factor here (the IdP's own). */
struct external_identity {
	const char *method;          /* "external", "google", "exchange": the Login's authMethod */
	const char *email;           /* lower-cased */
	const char *external_id;     /* instead of email: needs a project */
	const char *membership_id;   /* token exchange's membership_id: that membership only */
	bool first_membership;       /* token exchange: several memberships → the first */
	bool allow_no_membership;    /* Google createUser, projectId "new" */
	bool proves_email;           /* the upstream owns the address (Google, a domain's IdP) */
	bool confines;               /* a project chose the upstream (a client's identityProvider):
				      * the session stays in that project (PROTOCOL.md §S.25) */
};
/* A sign-in vouched for by an upstream party: the client, project, PKCE and launch checks of
 * a password sign-in, then the user (400 "User not found"), the Login and its membership. */
int flow_external_login(const struct login_request *lr, const struct external_identity *who, struct login *out,
			struct refusal *err);
/* A Login for a bearer token of an external auth provider (§4): authMethod "external", scope
 * openid, placed in the membership and granted at once, confined to its project (the token
 * names one project's profile, never the account: §S.25). 0, 1 the project admits Google
 * sign-ins only (google-auth-required, §5.2), -1. */
int flow_external_session(const char *user_id, const char *membership_id, const char *project_id,
			  struct login *out);
/* The projectId a credentials stage may name: a UUID, or "new" (§6.2). */
bool flow_project_id_ok(const char *v);
/* Registration (§6.11): the client, project, PKCE and launch checks of a sign-in, without a
 * password check; project receives the project the login is bound to. 0, 1 refused, -1. */
int flow_check_request(const struct login_request *lr, char project[37], struct refusal *err);
/* A Login (authMethod method: "password", or the upstream's that vouched for a new user) for a
 * user who was just created (the request checked by flow_check_request); no membership is
 * chosen (the user has none yet). 0 or -1. */
int flow_start(const struct login_request *lr, const char *method, const char *user_id, const char *project,
	       struct login *out);
/* A new project's admin membership for a login (§6.12); the login is bound to that project
 * from now on. Refuses a revoked, granted or already placed login. 0, 1, -1. */
int flow_join_project(struct login *l, const char *project_id, const char *membership_id, struct refusal *err);
int flow_load(const char *login_id, struct login *l);            /* 0, 1 not found, -1 */
int flow_set_membership(struct login *l, const char *membership_id, struct refusal *err);
int flow_set_scope(struct login *l, const char *scope, struct refusal *err);
/* Both stages that come after credentials refuse a login that is revoked or granted, now or
 * before (was_granted): "Login revoked", "Login granted". */
int flow_check_open(const struct login *l, struct refusal *err);

/* 1 when the login's client registered itself (RFC 7591, a third party's app, or it is gone):
 * each of its codes needs the consent page (PROTOCOL.md §5.5); 0 (no client, or one an admin
 * made), -1. */
int flow_third_party(const struct login *l);

/* True while the login still owes its second factor: no code until it is given. */
bool flow_mfa_pending(const struct login *l);
/* True when the second factor is owed by a user who has not enrolled yet (enrollment during
 * sign-in, §5.3 mfaEnrollRequired). */
bool flow_mfa_enroll_pending(const struct login *l);
/* The methods an enrolled user may answer with: enrolled ∩ allowed, else enrolled (a project
 * that forbids the user's only method must not lock them out). */
unsigned flow_mfa_offered(const struct login *l);
/* Re-reads the login's MFA rule: the user's flags and the projects in its scope (the chosen
 * membership's, else the project it is bound to, else every project of the user). 0 or -1. */
int flow_mfa_policy(struct login *l);

/* sendLoginResult (§5.3). When the result carries a code, a fresh code (and, with a
 * client, a fresh SSO cookie value written to cookie_out) is issued and stored hashed.
 * 0, 1 refused, 2 no code: the client registered itself and the person has not consented in
 * this request (l->consented, set by the consent page only; §5.5), -1. */
int flow_result(struct login *l, json_t **out, char cookie_out[33]);
/* The memberships a login may choose from (id, project and profile references). */
json_t *flow_memberships(const struct login *l);
/* How long a signed-in session can be reused through its SSO cookie (the cookie's Max-Age and
 * the limit of /oauth2/authorize, which max_age can only shorten). */
#define FLOW_SESSION_SECONDS 3600
/* Set-Cookie header line for the SSO cookie medplum-<clientId> (empty value clears it). */
void flow_cookie_header(const char *client_id, const char *value, char *out, size_t outlen);

#endif

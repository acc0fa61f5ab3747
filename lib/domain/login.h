/* SPDX-License-Identifier: BSD-2-Clause */
/* login: the Login rows, one per sign-in or session (PROTOCOL.md §2 "Login"). */
#ifndef TESSERA_LOGIN_H
#define TESSERA_LOGIN_H
#include "core/crypto.h"
#include "domain/store.h"

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct db_result;
struct request;

/* The Login row, the one type every stage reads it into: the sign-in stages, the MFA gate, the
 * page session, the token endpoint and the bearer's authentication. A few members come from
 * the rows a read joins (marked); a read fills what it selects and leaves the rest zero. */
struct login {
	char id[37];
	char user_type[32];
	char user_id[37];
	char client_id[37];
	char project_id[37];       /* restriction chosen at sign-in */
	bool project_new;
	char profile_type[32];
	char membership_id[37];
	char auth_method[16];
	/* Vouched for only by an identity provider a project chose (PROTOCOL.md §S.25): the session
	 * acts within its project and never on the account (its password, second factor, email,
	 * sessions elsewhere). Recorded when the Login is made. */
	bool confined;
	time_t auth_time;
	char scope[1025];
	char nonce[513];
	char redirect_uri[2049];
	char code_challenge[129];
	char code_challenge_method[8];
	bool refresh_allowed;
	bool mfa_verified;
	bool granted;
	bool revoked;
	/* Its tokens were issued once (granted_at): a session reopened by /oauth2/authorize is not
	 * granted again until its new code is redeemed, yet its id is in those tokens (login_id),
	 * so no stage that trusts the id alone may continue it. */
	bool was_granted;
	bool code_outstanding;     /* a code was issued and has neither expired nor been redeemed */
	bool mfa_enrolled;         /* of the user */
	char remote_addr[64];
	/* The second factor's rule for this login (flow_mfa_policy): the user's mfa_required or
	 * a project in the login's scope that requires it; the methods the user enrolled and
	 * those every project in scope allows (mfa.h MFA_TOTP, MFA_EMAIL). */
	bool mfa_required;
	unsigned mfa_methods;
	unsigned mfa_allowed;
	char email[321];           /* of the user */
	bool code_expired;         /* the code is past its expiry (login_find_code) */
	bool membership_active;    /* of the membership (login_find_code) */
	/* Not stored: the person allowed this client on the consent page in this very request
	 * (PROTOCOL.md §5.5); without it flow_result gives a registered client no code. */
	bool consented;
};

/* The members of struct login, to name the columns of a read. */
enum login_member {
	LM_ID, LM_USER_TYPE, LM_USER_ID, LM_CLIENT_ID, LM_PROJECT_ID, LM_PROJECT_NEW, LM_PROFILE_TYPE, LM_MEMBERSHIP_ID,
	LM_AUTH_METHOD, LM_CONFINED, LM_AUTH_TIME, LM_SCOPE, LM_NONCE, LM_REDIRECT_URI, LM_CODE_CHALLENGE, LM_CODE_CHALLENGE_METHOD,
	LM_REFRESH_ALLOWED, LM_MFA_VERIFIED, LM_GRANTED, LM_REVOKED, LM_WAS_GRANTED, LM_CODE_OUTSTANDING, LM_MFA_ENROLLED,
	LM_REMOTE_ADDR, LM_CODE_EXPIRED, LM_MEMBERSHIP_ACTIVE
};
/* The one place a Login row is parsed, whichever read selected it: column k of the first row
 * (k < n) into member columns[k] (enum login_member); other members are left as they are. */
void login_take_row(const struct db_result *r, const unsigned char *columns, unsigned n, struct login *l);

/* The refusal (403) of an account-wide action to a confined session (PROTOCOL.md §S.25). */
#define LOGIN_CONFINED_TEXT "Not allowed for a session from this project's identity provider"

/* ---- a sign-in's Login, stage by stage (lib/domain/flow.c drives them) ---- */

/* A new sign-in's Login (l as flow filled it; launch_id and user_agent may be NULL). 0 or -1. */
int login_insert(const struct login *l, const char *launch_id, const char *user_agent);
/* A refused sign-in leaves no Login: deletes it while it has no membership. 0 or -1. */
int login_delete_unplaced(const char *id);
/* The row (the MFA rule fields are flow's to fill): 0, 1 no such login (or not a UUID), -1. */
int login_load(const char *id, struct login *l);
/* The membership chosen (and its project); only once, and never for a granted or revoked
 * login: 0 placed, 1 not, -1. */
int login_place(const char *id, const char *membership_id, const char *project_id, bool refresh_allowed);
/* The membership of a project just created for this login (project_new ends): 0, 1 not, -1. */
int login_join_project(const char *id, const char *membership_id, const char *project_id);
int login_set_scope(const char *id, const char *scope);
/* The Login names a SmartAppLaunch that is not of this project (or is gone): 1, else 0; -1. */
int login_launch_outside(const char *id, const char *project_id);
/* A new code (its hash, valid lifetime seconds) and, with cookie_hash, the SSO cookie; never for
 * a granted or revoked login: 0 issued, 1 not, -1. */
int login_issue_code(const char *id, const uint8_t code_hash[32], int lifetime, const uint8_t cookie_hash[32]);


/* The Login an authorization code belongs to: 1 found (out filled), 0 no such code, -1. */
int login_find_code(const char *code, struct login *out);
/* Redeems a login's code: granted now, with the digest of its first refresh secret (NULL: no
 * refresh token) and how the client authenticated (NULL: not at all; an earlier binding is
 * never weakened). 0 redeemed, 1 not (redeemed or revoked meanwhile: a reuse), -1. */
int login_redeem_code(const char *id, const uint8_t refresh_digest[32], const char *client_auth);
/* Rotates a refresh token: only while the login still holds old_digest and is not revoked.
 * 0 rotated, 1 not (the old token was used already: a reuse), -1. */
int login_rotate_refresh(const char *id, const uint8_t old_digest[32], const uint8_t new_digest[32],
			 const char *client_auth, const char *remote_addr, const char *user_agent);

/* The Login an SSO cookie value (32 hex digits) is bound to: 0 (id filled), 1 none, -1. */
int login_by_cookie(const char *cookie_value, char id[37]);
/* A session reused by /oauth2/authorize: a new nonce, PKCE and launch (NULL keeps the old),
 * bound to redirect_uri, not granted until its new code is redeemed. 0 or -1. */
int login_reopen(const char *id, const char *nonce, const char *code_challenge, const char *challenge_method,
		 const char *launch_id, const char *redirect_uri);

/* Revokes a self-contained access token (no Login row: client_credentials) by its id until
 * it expires (exp, Unix time): a row of token_revocation, read on every use. 0 or -1. */
int login_revoke_token(const char *jti, const char *client_id, long long exp);
/* The same with an audit event of the token's project (RFC 7009 revocation), one transaction. */
int login_revoke_token_audited(const char *jti, const char *project_id, const char *client_id, long long exp,
			       const char *audit_type);
int login_revoke(const char *id);
/* Revokes a login and records why (AUDIT_REFRESH_REUSE, AUDIT_CODE_REUSE) in one transaction. */
int login_revoke_audited(const char *id, const char *audit_type);
/* Revokes every session of a user but one (except_id; NULL for none): a new password ends
 * the sessions the old one opened. */
int login_revoke_user(const char *user_id, const char *except_id);
/* Revokes one of a user's own sessions, within project_id when it is not NULL (a confined
 * caller's, §S.25): 0 revoked (or revoked already), 1 no such login of that user there (anyone
 * else's is "not found"), -1. */
int login_revoke_own(const char *id, const char *user_id, const char *project_id);
/* Ends every session of a membership (it is being deleted). 0 or -1. */
int login_revoke_membership(const char *membership_id);
/* Ends every session of a client: its own tokens and the sign-ins made through it. 0 or -1. */
int login_revoke_client(const char *client_id);
/* Ends a project's sessions made by any method but `method` (its google-auth-required feature was
 * turned on, PROTOCOL.md §5.2); joins the caller's transaction. 0 or -1. */
int login_revoke_project_except(const char *project_id, const char *method);
/* A user's sessions of the last hour whose tokens were issued (a sign-in still in progress is
 * not listed: its id is the bearer secret of that flow), newest first, at most 100; only those
 * of project_id when it is not NULL (a confined caller's, §S.25). Columns: id, lastUpdated
 * (ISO 8601 UTC), auth_method, remote_address, user_agent. 0 or -1. */
int login_sessions(const char *user_id, const char *project_id, struct db_result *out);
/* The sessions of one membership that are not revoked and were used in the last 8 hours (the
 * longest a page session lasts; a token's own lifetime is shorter), newest first, at most 100,
 * for its project's admins (the member's user id picks the index). Never the id (a bearer secret while a sign-in runs). Columns:
 * created (ISO 8601 UTC), last used, auth_method, remote_address, user_agent, client_id. 0 or -1. */
int login_membership_sessions(const char *user_id, const char *membership_id, struct db_result *out);
/* Deletes the Logins untouched for seconds, in batches; the number deleted, or -1. */
long long login_purge_idle(long long seconds);
/* tessera-admin purge: deletes the revocations of self-contained tokens (token_revocation)
 * whose token expired more than seconds ago: one presented later is refused as expired. The
 * number deleted, or -1. */
long long login_purge_revocations(long long seconds);

/* A login id is a bearer secret while its sign-in is in progress (issue 14): whatever others
 * can read (audit events, log lines, the sign-in pages' URLs) names a login by its reference
 * instead: the first 12 bytes of HMAC(hash_key, "login-ref:" + id) in hex. 24 digits, a shape
 * no secret has, so the log checks still tell a reference from a code. Equal ids give equal
 * references, so the events of one login still correlate. 0, or -1 without a hash_key (out
 * is then "-"). */
#define LOGIN_REF_LEN CRYPTO_REF_LEN
int login_ref(const char *login_id, char out[LOGIN_REF_LEN + 1]);

/* ---- read models: what a hot path needs about a Login, with the rows around it, in one
 * round trip each (the caller frees out) ---- */

/* A Bearer token's session: the Login (not yet checked for revocation) with its membership,
 * project and the caller's details, a row of lib/domain/sessionrow.h's layout; no row when the
 * Login or its membership is gone. 0 or -1. */
int login_read_session(const char *id, struct db_result *out);
/* What a token response needs (lib/domain/grant.c takes the row): user_type, user_id,
 * client_id, scope, nonce, auth_time (Unix), the membership's profile_type and profile_id, the
 * profile's display, project_id, the project's name, the user's email, the client's access and
 * refresh token lifetimes, the launch's patient, refresh_hash, revoked, the membership's
 * active, the client's status and tokenEndpointAuthMethod, how the client authenticated when
 * the refresh token was issued. No row: no such Login with a membership. 0 or -1. */
int login_read_grant(const char *id, struct db_result *out);
/* A project's events (every project's when f->project_id is NULL), newest first unless
 * f->oldest_first (audit.h struct audit_filter, enum audit_column): the audit_event rows and
 * the events the Login rows record (a sign-in or client_credentials token at created_at, the
 * authorization_code token at granted_at, the latest refresh at refreshed_at; named
 * "<login ref>.signin|code|refresh") and the per-minute client_credentials counts
 * (grantcount.c), read rather than written per token so the hot paths keep one durable write.
 * 0 or -1. */
struct audit_filter;
int login_audit_search(const struct audit_filter *f, long limit, long offset, struct db_result *out);
/* One event by its id: an audit_event row's (a UUID), or a login's ("<ref>.<kind>", ref the
 * login's reference, "" for none). The per-minute counts are not read by id. 0 or -1. */
int login_audit_get(const char *id, const char *ref, struct db_result *out);

/* Deletes the Logins last changed before a UTC time ("YYYY-MM-DD HH:MM:SS"), in batches so
 * that a large purge never holds long locks on a busy table. 0 or -1. */
int login_purge(const char *before);

/* Login resources for the resource API (PROTOCOL.md §11.4): read and search only, named by
 * their reference (login_ref), never carrying a code, cookie, refresh secret or token hash.
 * Who sees which is the effective policy's: a member their own sign-ins, a project admin the
 * project's, a super admin all. */
extern const struct resource_store login_store;

#endif

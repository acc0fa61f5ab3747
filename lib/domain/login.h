/* login: the Login rows, one per sign-in or session (spec §2 "Login"). */
#ifndef TESSERA_LOGIN_H
#define TESSERA_LOGIN_H
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct client;
struct request;

struct login {
	char id[37];
	char user_type[32];
	char user_id[37];
	char client_id[37];
	char membership_id[37];
	char auth_method[16];
	time_t auth_time;
	char scope[1025];
	bool revoked;
	bool granted;
};

/* A Login as the sign-in stages, the MFA gate and the page session see it. */
struct flow_login {
	char id[37];
	char user_type[32];
	char user_id[37];
	char client_id[37];
	char project_id[37];       /* restriction chosen at sign-in */
	bool project_new;
	char profile_type[32];
	char membership_id[37];
	char auth_method[16];
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
	bool mfa_enrolled;         /* of the user */
	char remote_addr[64];
	/* The second factor's rule for this login (flow_mfa_policy): the user's mfa_required or
	 * a project in the login's scope that requires it; the methods the user enrolled and
	 * those every project in scope allows (mfa.h MFA_TOTP, MFA_EMAIL). */
	bool mfa_required;
	unsigned mfa_methods;
	unsigned mfa_allowed;
	char email[321];
};

/* The one durable write of a client_credentials grant, made only if the client is still
 * active, in its project and has this keyed secret hash (current, or retiring and unexpired):
 * 0 written, 1 not (the client changed), -1 database error. */
int login_create_for_client(const struct client *c, const uint8_t secret_hash[32], const char *scope,
			    const struct request *req, struct login *out);
int login_revoke(const char *id);
/* Revokes a login and records why (AUDIT_REFRESH_REUSE, AUDIT_CODE_REUSE) in one transaction. */
int login_revoke_audited(const char *id, const char *audit_type);
/* Revokes every session of a user but one (except_id; NULL for none): a new password ends
 * the sessions the old one opened. */
int login_revoke_user(const char *user_id, const char *except_id);

/* Deletes the Logins last changed before a UTC time ("YYYY-MM-DD HH:MM:SS"), in batches so
 * that a large purge never holds long locks on a busy table. 0 or -1. */
int login_purge(const char *before);

#endif

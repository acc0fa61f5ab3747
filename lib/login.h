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

/* A login id is a bearer secret while its sign-in is in progress (issue 14): whatever others
 * can read (audit events, log lines, the sign-in pages' URLs) names a login by its reference
 * instead: the first 12 bytes of HMAC(hash_key, "login-ref:" + id) in hex. 24 digits, a shape
 * no secret has, so the log checks still tell a reference from a code. Equal ids give equal
 * references, so the events of one login still correlate. 0, or -1 without a hash_key (out
 * is then "-"). */
#define LOGIN_REF_LEN 24
int login_ref(const char *login_id, char out[LOGIN_REF_LEN + 1]);

#endif

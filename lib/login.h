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
 * active, in its project, has this keyed secret hash (current, or retiring and unexpired)
 * and allows the authentication method used (auth_method: client_secret_basic or _post):
 * 0 written, 1 not (the client changed), -1 database error. */
int login_create_for_client(const struct client *c, const uint8_t secret_hash[32], const char *auth_method,
			    const char *scope, const struct request *req, struct login *out);
int login_revoke(const char *id);
/* Revokes a login and records why (AUDIT_REFRESH_REUSE, AUDIT_CODE_REUSE) in one transaction. */
int login_revoke_audited(const char *id, const char *audit_type);
/* Revokes every session of a user but one (except_id; NULL for none): a new password ends
 * the sessions the old one opened. */
int login_revoke_user(const char *user_id, const char *except_id);

#endif

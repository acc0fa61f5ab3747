/* login: creating and revoking Login rows. */
#include "domain/login.h"
#include "core/text.h"
#include "core/crypto.h"
#include "core/db.h"
#include "domain/audit.h"
#include "http/request.h"

#include <stdio.h>
#include <string.h>

int login_ref(const char *login_id, char out[LOGIN_REF_LEN + 1])
{
	return crypto_keyed_ref("login", login_id, out);
}

int login_revoke_token(const char *jti, const char *client_id, long long exp)
{
	/* Kept until a minute after the token expires (tessera-admin purge): a token presented
	 * later is refused for its exp anyway. */
	return db_exec(NULL,
		       "INSERT IGNORE INTO token_revocation (jti, client_id, expires_at) VALUES (?, NULLIF(?, ''), FROM_UNIXTIME(?))",
		       "ssi", jti, client_id ? client_id : "", exp);
}

int login_revoke_token_audited(const char *jti, const char *project_id, const char *client_id, long long exp,
			       const char *audit_type)
{
	char entity[48];
	snprintf(entity, sizeof entity, "Login/%s", jti);
	if (db_begin() < 0)
		return -1;
	if (login_revoke_token(jti, client_id, exp) < 0 ||
	    audit_write(&(struct audit_event){ .type = audit_type, .project_id = project_id,
					       .agent_type = "ClientApplication", .agent_id = client_id,
					       .entity = entity }) < 0 ||
	    db_commit() < 0) {
		db_rollback();
		return -1;
	}
	return 0;
}

int login_revoke(const char *id)
{
	return db_exec(NULL, "UPDATE login SET revoked = TRUE, updated_at = UTC_TIMESTAMP(3) WHERE id = ?", "s", id);
}

int login_revoke_user(const char *user_id, const char *except_id)
{
	return db_exec(NULL,
		       "UPDATE login SET revoked = TRUE, updated_at = UTC_TIMESTAMP(3) "
		       "WHERE user_id = ? AND NOT revoked AND id <> COALESCE(?, '')",
		       "ss", user_id, except_id);
}

/* The login's project and user, read inside the revoking transaction. */
static int revoke_subject(const char *id, char project[37], char user_type[32], char user_id[37])
{
	struct db_result r;
	if (db_query(&r, "SELECT project_id, user_type, user_id FROM login WHERE id = ? FOR UPDATE", "s", id) < 0)
		return -1;
	text_copy(project, 37, db_cell(&r, 0, 0));
	text_copy(user_type, 32, db_cell(&r, 0, 1));
	text_copy(user_id, 37, db_cell(&r, 0, 2));
	db_result_free(&r);
	return 0;
}

int login_revoke_audited(const char *id, const char *audit_type)
{
	char project[37], user_type[32], user_id[37], entity[48];
	snprintf(entity, sizeof entity, "Login/%s", id);
	if (db_begin() < 0)
		return -1;
	if (revoke_subject(id, project, user_type, user_id) < 0 || login_revoke(id) < 0 ||
	    audit_write(&(struct audit_event){ .type = audit_type, .project_id = project, .agent_type = user_type,
					       .agent_id = user_id, .entity = entity }) < 0 ||
	    db_commit() < 0) {
		db_rollback();
		return -1;
	}
	return 0;
}

int login_purge(const char *before)
{
	unsigned long long n;
	do {
		if (db_exec(&n, "DELETE FROM login WHERE updated_at < ? LIMIT 5000", "s", before) < 0)
			return -1;
	} while (n == 5000);
	return 0;
}

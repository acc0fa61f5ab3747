/* login: creating and revoking Login rows. */
#include "login.h"
#include "text.h"
#include "clients.h"
#include "crypto.h"
#include "db.h"
#include "request.h"

#include <stdio.h>
#include <string.h>

int login_create_for_client(const struct client *c, const uint8_t secret_hash[32], const char *scope,
			    const struct request *req, struct login *l)
{
	memset(l, 0, sizeof *l);
	if (crypto_uuid_v4(l->id) < 0)
		return -1;
	text_copy(l->user_type, sizeof l->user_type, "ClientApplication");
	text_copy(l->user_id, sizeof l->user_id, c->id);
	text_copy(l->client_id, sizeof l->client_id, c->id);
	text_copy(l->membership_id, sizeof l->membership_id, c->membership_id);
	text_copy(l->auth_method, sizeof l->auth_method, "client");
	text_copy(l->scope, sizeof l->scope, scope);
	l->granted = true;
	l->auth_time = time(NULL);
	char ua[513];
	text_copy(ua, sizeof ua, req->user_agent);
	/* The client's row is re-checked as the row is written: the caller may have read it from a
	 * cache, or an admin may disable the client or rotate its secret in between. Comparing keyed
	 * hashes in SQL reveals nothing: nobody can choose an HMAC output without hash_key. */
	unsigned long long inserted = 0;
	if (db_exec(&inserted,
		    "INSERT INTO login (id, user_type, user_id, client_id, project_id, membership_id, auth_method, "
		    "auth_time, scope, granted, remote_address, user_agent) "
		    "SELECT ?, 'ClientApplication', c.id, c.id, c.project_id, m.id, 'client', FROM_UNIXTIME(?), ?, TRUE, "
		    "?, ? FROM client_application c JOIN project_membership m ON m.user_id = c.id AND m.project_id = c.project_id "
		    "WHERE c.id = ? AND m.id = ? AND c.status = 'active' AND (c.secret_hash = ? OR "
		    "(c.retiring_secret_hash = ? AND (c.retiring_secret_expires_at IS NULL OR "
		    "c.retiring_secret_expires_at > UTC_TIMESTAMP(3))))",
		    "sisssssbb", l->id, (long long)l->auth_time, l->scope, req->remote_addr, ua, c->id, c->membership_id,
		    secret_hash, (size_t)32, secret_hash, (size_t)32) < 0)
		return -1;
	return inserted == 1 ? 0 : 1;
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

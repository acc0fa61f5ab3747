/* login: creating and revoking Login rows. */
#include "login.h"
#include "text.h"
#include "clients.h"
#include "crypto.h"
#include "db.h"
#include "request.h"

#include <stdio.h>
#include <string.h>

int login_create_for_client(const struct client *c, const char *scope, const struct request *req,
			    struct login *l)
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
	return db_exec(NULL,
		       "INSERT INTO login (id, user_type, user_id, client_id, project_id, membership_id, auth_method, "
		       "auth_time, scope, granted, remote_address, user_agent) "
		       "VALUES (?, 'ClientApplication', ?, ?, ?, ?, 'client', FROM_UNIXTIME(?), ?, TRUE, ?, ?)",
		       "sssssisss", l->id, c->id, c->id, c->project_id, c->membership_id, (long long)l->auth_time,
		       l->scope, req->remote_addr, ua);
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

/* secreq: create, check and consume security requests. */
#include "domain/secreq.h"
#include "core/crypto.h"
#include "core/db.h"
#include "core/text.h"

#include <stdint.h>
#include <string.h>

/* Lifetimes of spec §2 (auth/securityrequest.ts): the shortest for resets. */
static long lifetime(const char *type)
{
	return !strcmp(type, "reset") ? 3600 : 7 * 24 * 3600;
}

int secreq_create(const char *type, const char *user_id, const char *project_id, const char *redirect_uri,
		  char id[37], char secret[SECREQ_SECRET_LEN + 1])
{
	uint8_t h[SHA256_LEN];
	if (crypto_uuid_v4(id) < 0 || crypto_random_hex(secret, SECREQ_SECRET_LEN / 2) < 0 ||
	    crypto_keyed_hash(secret, h) < 0)
		return -1;
	/* An older link that reached the wrong inbox stops working once a new one is asked for. */
	if (db_exec(NULL, "UPDATE security_request SET used = TRUE WHERE user_id = ? AND type = ? AND NOT used", "ss",
		    user_id, type) < 0)
		return -1;
	return db_exec(NULL,
		       "INSERT INTO security_request (id, type, user_id, project_id, secret_hash, redirect_uri, expires_at) "
		       "VALUES (?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(3) + INTERVAL ? SECOND)",
		       "ssssbsi", id, type, user_id, project_id && *project_id ? project_id : NULL, h, sizeof h,
		       redirect_uri && *redirect_uri ? redirect_uri : NULL, (long long)lifetime(type));
}

static int refuse(struct secreq_error *err, int status, const char *text)
{
	*err = (struct secreq_error){ status, text };
	return 1;
}

static bool accepted(const char *type, const char *const *accept)
{
	for (; *accept; accept++)
		if (!strcmp(type, *accept))
			return true;
	return false;
}

int secreq_check(const char *id, const char *secret, const struct secreq_want *want, struct secreq *out,
		 struct secreq_error *err)
{
	memset(out, 0, sizeof *out);
	if (!crypto_is_uuid(id))
		return refuse(err, 404, "Not found");
	struct db_result r;
	if (db_query(&r,
		     "SELECT type, user_id, project_id, redirect_uri, used, expires_at <= UTC_TIMESTAMP(3), secret_hash "
		     "FROM security_request WHERE id = ?",
		     "s", id) < 0)
		return -1;
	int rc = 0;
	uint8_t h[SHA256_LEN];
	bool used = r.nrows && text_true(db_cell(&r, 0, 4));
	bool wrong_type = r.nrows && !accepted(db_cell(&r, 0, 0), want->types);
	if (r.nrows == 0)
		rc = refuse(err, 404, "Not found");
	else if (wrong_type && (want->type_first || !used))
		rc = refuse(err, 400, want->wrong_type_text);
	else if (used)
		rc = refuse(err, 400, "Already used");
	else if (text_true(db_cell(&r, 0, 5)))
		rc = refuse(err, 400, "Expired");
	else if (crypto_keyed_hash(secret, h) < 0)
		rc = -1;
	else if (!crypto_equal(h, sizeof h, db_cell(&r, 0, 6), db_len(&r, 0, 6)))
		rc = refuse(err, 400, "Incorrect secret");
	if (rc == 0) {
		text_copy(out->id, sizeof out->id, id);
		text_copy(out->type, sizeof out->type, db_cell(&r, 0, 0));
		text_copy(out->user_id, sizeof out->user_id, db_cell(&r, 0, 1));
		text_copy(out->project_id, sizeof out->project_id, db_cell(&r, 0, 2));
		text_copy(out->redirect_uri, sizeof out->redirect_uri, db_cell(&r, 0, 3));
	}
	db_result_free(&r);
	return rc;
}

int secreq_consume(const char *id)
{
	unsigned long long n = 0;
	if (db_exec(&n, "UPDATE security_request SET used = TRUE WHERE id = ? AND NOT used AND expires_at > UTC_TIMESTAMP(3)",
		    "s", id) < 0)
		return -1;
	return n == 1 ? 0 : 1;
}

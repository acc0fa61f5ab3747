/* SPDX-License-Identifier: BSD-2-Clause */
/* secreq: create, check and consume security requests. */
#include "domain/secreq.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/db.h"
#include "core/fhir.h"
#include "core/text.h"
#include "domain/people.h"
#include "domain/storequery.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Lifetimes of PROTOCOL.md §2 (auth/securityrequest.ts): the shortest for resets. */
static long lifetime(const char *type)
{
	return !strcmp(type, "reset") ? 3600 : 7 * 24 * 3600;
}

/* Links a stranger can ask for (reset; verify-email) are limited per account, else anyone
 * could mail-bomb an address, and each new link would cancel the last. 1 limited, 0, -1. */
static int limited(const char *type, const char *user_id)
{
	if (cfg.account_email_limit < 0 || (strcmp(type, "reset") && strcmp(type, "verify-email")))
		return 0;
	struct db_result r;
	/* The user's row locked first, so concurrent requests count one after another. */
	if (people_lock_user(user_id) < 0)
		return -1;
	if (db_query(&r,
		     "SELECT COUNT(*) FROM security_request WHERE user_id = ? AND type = ? "
		     "AND created_at > UTC_TIMESTAMP(3) - INTERVAL 1 HOUR",
		     "ss", user_id, type) < 0)
		return -1;
	int n = atoi(db_cell(&r, 0, 0) ? db_cell(&r, 0, 0) : "0");
	db_result_free(&r);
	return n >= cfg.account_email_limit;
}

int secreq_create(const char *type, const char *user_id, const char *project_id, const char *redirect_uri,
		  char id[37], char secret[SECREQ_SECRET_LEN + 1])
{
	int rc = limited(type, user_id);
	if (rc != 0)
		return rc;
	uint8_t h[SHA256_LEN];
	if (crypto_uuid_v4(id) < 0 || crypto_random_hex(secret, SECREQ_SECRET_LEN / 2) < 0 ||
	    crypto_keyed_hash(secret, h) < 0)
		return -1;
	/* An older link that reached the wrong inbox stops working once a new one is asked for.
	 * Invites are superseded per project: one project's invite must not cancel another's. */
	if (db_exec(NULL,
		    "UPDATE security_request SET used = TRUE WHERE user_id = ? AND type = ? AND NOT used "
		    "AND (type <> 'invite' OR project_id <=> ?)",
		    "sss", user_id, type, project_id && *project_id ? project_id : NULL) < 0)
		return -1;
	return db_exec(NULL,
		       "INSERT INTO security_request (id, type, user_id, project_id, secret_hash, redirect_uri, expires_at) "
		       "VALUES (?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(3) + INTERVAL ? SECOND)",
		       "ssssbsi", id, type, user_id, project_id && *project_id ? project_id : NULL, h, sizeof h,
		       redirect_uri && *redirect_uri ? redirect_uri : NULL, (long long)lifetime(type));
}

int secreq_link(const char *type, const char *id, const char *secret, char *out, size_t outlen)
{
	const char *page = !strcmp(type, "verify-email") ? "verifyemail" : "setpassword";
	int n = snprintf(out, outlen, "%s%s/%s/%s", cfg.app_base_url, page, id, secret);
	return n > 0 && (size_t)n < outlen ? 0 : -1;
}

static bool accepted(const char *type, const char *const *accept)
{
	for (; *accept; accept++)
		if (!strcmp(type, *accept))
			return true;
	return false;
}

int secreq_check(const char *id, const char *secret, const struct secreq_want *want, struct secreq *out,
		 struct refusal *err)
{
	memset(out, 0, sizeof *out);
	if (!crypto_is_uuid(id))
		return refuse(err, 404, "Not found", NULL);
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
		rc = refuse(err, 404, "Not found", NULL);
	else if (wrong_type && (want->type_first || !used))
		rc = refuse(err, 400, want->wrong_type_text, NULL);
	else if (used)
		rc = refuse(err, 400, "Already used", NULL);
	else if (text_true(db_cell(&r, 0, 5)))
		rc = refuse(err, 400, "Expired", NULL);
	else if (crypto_keyed_hash(secret, h) < 0)
		rc = -1;
	else if (!crypto_equal(h, sizeof h, db_cell(&r, 0, 6), db_len(&r, 0, 6)))
		rc = refuse(err, 400, "Incorrect secret", NULL);
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

/* ---- UserSecurityRequest resources (the resource API, PROTOCOL.md §11.4) ---- */

/* Never the secret's hash: a reader learns the request exists, its type, user and use. A
 * request is never changed but for `used`, so its version is its creation. */
#define SECREQ_RESOURCE_SELECT \
	"SELECT * FROM (SELECT id, type, user_id, project_id, used, redirect_uri, " FHIR_VERSION_SQL("created_at") \
	" AS version, " FHIR_INSTANT_SQL("created_at") " AS last_updated, created_at AS updated_at " \
	"FROM security_request) x "
#define SECREQ_RESOURCE_WHERE STORE_WHERE("project_id = ?", "? IS NULL", "? IS NULL", "? IS NULL")

static json_t *secreq_resource(const struct db_result *r, unsigned i)
{
	json_t *s = json_pack("{s:s, s:s, s:s, s:o, s:b}", "resourceType", "UserSecurityRequest", "id", db_cell(r, i, 0),
			      "type", db_cell(r, i, 1), "user", fhir_reference("User", db_cell(r, i, 2), NULL), "used",
			      text_true(db_cell(r, i, 4)));
	if (db_cell(r, i, 5))
		json_object_set_new(s, "redirectUri", json_string(db_cell(r, i, 5)));
	fhir_set_meta(s, db_cell(r, i, 3), db_cell(r, i, 6), db_cell(r, i, 7));
	return s;
}

static int secreq_get_resource(const char *id, json_t **out)
{
	*out = NULL;
	if (!crypto_is_uuid(id))
		return 1;
	struct db_result r;
	if (db_query(&r, SECREQ_RESOURCE_SELECT "WHERE id = ?", "s", id) < 0)
		return -1;
	if (r.nrows)
		*out = secreq_resource(&r, 0);
	db_result_free(&r);
	return *out ? 0 : 1;
}

static int secreq_find_resources(const struct store_query *q, json_t **rows, long long *total)
{
	return store_find_rows(q, 1,
			       q->oldest_first ? SECREQ_RESOURCE_SELECT SECREQ_RESOURCE_WHERE STORE_OLDEST
					       : SECREQ_RESOURCE_SELECT SECREQ_RESOURCE_WHERE STORE_NEWEST,
			       "SELECT COUNT(*) FROM (" SECREQ_RESOURCE_SELECT SECREQ_RESOURCE_WHERE ") c", secreq_resource,
			       rows, total);
}

/* Read only: requests are made by invites, resets and verifications, never through the API. */
const struct resource_store secreq_store = {
	.type = "UserSecurityRequest",
	.get = secreq_get_resource,
	.find = secreq_find_resources,
};

long long secreq_purge(long long keep)
{
	return db_purge("DELETE FROM security_request WHERE (used OR expires_at < UTC_TIMESTAMP(3)) "
			"AND created_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND LIMIT " DB_PURGE_BATCH_TEXT,
			keep);
}

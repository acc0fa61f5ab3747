/* SPDX-License-Identifier: BSD-2-Clause */
/* bots: the Bot resources (§11.5). */
#include "domain/bots.h"
#include "core/crypto.h"
#include "core/db.h"
#include "domain/audit.h"
#include "core/fhir.h"
#include "domain/login.h"
#include "domain/members.h"
#include "domain/shape.h"
#include "domain/storequery.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The whole stored resource is bounded: source code belongs in a Binary, not here. */
#define MAX_BOT_JSON 65536

#define BOT_COLUMNS \
	"SELECT id, project_id, name, description, resource, " FHIR_VERSION_SQL("updated_at") ", " \
	FHIR_INSTANT_SQL("updated_at") " "
#define BOT_WHERE \
	STORE_WHERE("project_id = ?", "name LIKE ?", "? IS NULL", "JSON_CONTAINS(JSON_EXTRACT(resource, '$.identifier'), ?)")

static const char *const bot_fields[] = {
	"name", "description", "identifier", "runtimeVersion", "sourceCode", "executableCode", "cronString", "timeout",
	"secret", /* accepted and ignored: the create's answer sent back as an update */
	NULL,
};

static json_t *bot_row(const struct db_result *r, unsigned i)
{
	json_t *b = db_cell(r, i, 4) ? json_loads(db_cell(r, i, 4), 0, NULL) : NULL;
	if (!json_is_object(b)) {
		json_decref(b);
		b = json_object();
	}
	/* only the members a Bot may have: rows the admin pages wrote carry their own id and meta
	 * (and no row holds a secret: check never copies one) */
	const char *k;
	json_t *v;
	void *tmp;
	json_object_foreach_safe(b, tmp, k, v) {
		const char *const *f = bot_fields;
		while (*f && strcmp(*f, k))
			f++;
		if (!*f)
			json_object_del(b, k);
	}
	json_object_set_new(b, "resourceType", json_string("Bot"));
	json_object_set_new(b, "id", json_string(db_cell(r, i, 0)));
	json_object_set_new(b, "name", json_string(db_cell(r, i, 2)));
	if (db_cell(r, i, 3))
		json_object_set_new(b, "description", json_string(db_cell(r, i, 3)));
	fhir_set_meta(b, db_cell(r, i, 1), db_cell(r, i, 5), db_cell(r, i, 6));
	return b;
}

static int bot_get(const char *id, json_t **out)
{
	return store_get_row(BOT_COLUMNS "FROM bot WHERE id = ?", id, bot_row, out);
}

static int bot_find(const struct store_query *q, json_t **rows, long long *total)
{
	return store_find_rows(q, 2,
			       q->oldest_first ? BOT_COLUMNS "FROM bot " BOT_WHERE STORE_OLDEST
					       : BOT_COLUMNS "FROM bot " BOT_WHERE STORE_NEWEST,
			       "SELECT COUNT(*) FROM bot " BOT_WHERE, bot_row, rows, total);
}

/* An Attachment: contentType, url, title as one-line texts. */
static bool attachment(json_t *body, const char *key, json_t *out)
{
	json_t *a = json_object_get(body, key);
	if (!a || json_is_null(a))
		return true;
	if (!json_is_object(a))
		return false;
	json_t *clean = json_object();
	const char *keys[] = { "contentType", "url", "title" };
	const size_t max[] = { 128, 2048, 255 };
	for (size_t i = 0; i < 3; i++) {
		const char *s;
		if (!shape_string(a, keys[i], max[i], &s)) {
			json_decref(clean);
			return false;
		}
		if (s)
			json_object_set_new(clean, keys[i], json_string(s));
	}
	json_object_set_new(out, key, clean);
	return true;
}

static int bot_check(json_t *body, json_t *stored, const char *project, json_t **out, struct refusal *err)
{
	(void)stored;
	(void)project;
	const char *name, *description, *runtime, *cron;
	json_t *ids = NULL, *timeout = json_object_get(body, "timeout");
	if (!shape_string(body, "name", 255, &name) || !name)
		return refuse(err, 400, "Bot name is required", "name");
	if (!shape_string(body, "description", 4096, &description))
		return refuse(err, 400, "Invalid description", "description");
	if (!shape_string(body, "runtimeVersion", 16, &runtime) ||
	    (runtime && strcmp(runtime, "awslambda") && strcmp(runtime, "vmcontext") && strcmp(runtime, "fission")))
		return refuse(err, 400, "Invalid runtimeVersion", "runtimeVersion");
	if (!shape_string(body, "cronString", 255, &cron))
		return refuse(err, 400, "Invalid cronString", "cronString");
	if (timeout && !json_is_null(timeout) &&
	    (!json_is_integer(timeout) || json_integer_value(timeout) < 1 || json_integer_value(timeout) > 900))
		return refuse(err, 400, "Invalid timeout", "timeout");
	if (!shape_identifiers(body, "identifier", 20, &ids))
		return refuse(err, 400, "Invalid identifier", "identifier");
	json_t *b = json_pack("{s:s}", "name", name);
	if (ids)
		json_object_set_new(b, "identifier", ids);
	const char *texts[][2] = { { "description", description }, { "runtimeVersion", runtime }, { "cronString", cron } };
	for (size_t i = 0; i < 3; i++)
		if (texts[i][1])
			json_object_set_new(b, texts[i][0], json_string(texts[i][1]));
	if (timeout && json_is_integer(timeout))
		json_object_set(b, "timeout", timeout);
	if (!attachment(body, "sourceCode", b) || !attachment(body, "executableCode", b)) {
		json_decref(b);
		return refuse(err, 400, "Invalid attachment", "sourceCode");
	}
	char *text = json_dumps(b, JSON_COMPACT);
	size_t len = text ? strlen(text) : 0;
	free(text);
	if (!len || len > MAX_BOT_JSON) {
		json_decref(b);
		return len ? refuse(err, 400, "Resource too large", NULL) : -1;
	}
	*out = b;
	return 0;
}

static const char *str_of(json_t *b, const char *key)
{
	return json_string_value(json_object_get(b, key));
}

/* The secret is shown once; only its keyed hash is stored. */
static int bot_insert(const char *project, json_t *b, char id[37], json_t **once, struct refusal *err)
{
	(void)err;
	char secret[65];
	uint8_t h[32];
	char *text = json_dumps(b, JSON_COMPACT);
	int rc = text && store_new_id(id) == 0 && crypto_random_hex(secret, 32) == 0 && crypto_keyed_hash(secret, h) == 0
			 ? db_exec(NULL,
				   "INSERT INTO bot (id, project_id, name, description, secret_hash, resource) VALUES (?, ?, ?, "
				   "?, ?, ?)",
				   "ssssbs", id, project, str_of(b, "name"), str_of(b, "description"), h, sizeof h, text)
			 : -1;
	free(text);
	if (rc == 0)
		*once = json_pack("{s:s}", "secret", secret);
	memset(secret, 0, sizeof secret);
	return rc < 0 ? -1 : 0;
}

static int bot_update(const char *id, const char *version, json_t *b, struct refusal *err)
{
	(void)err;
	char *text = json_dumps(b, JSON_COMPACT);
	unsigned long long n = 0;
	int rc = text ? db_exec(&n,
				"UPDATE bot SET name = ?, description = ?, resource = ?, updated_at = "
				FHIR_NEXT_UPDATE_SQL("updated_at") " WHERE id = ? AND " FHIR_VERSION_IS_SQL("updated_at"),
				"sssss", str_of(b, "name"), str_of(b, "description"), text, id, version)
		      : -1;
	free(text);
	return rc < 0 ? -1 : n == 1 ? 0 : 2;
}

struct bot_removal {
	const char *id, *version;
	unsigned long long n;
};

static int bot_remove_steps(void *p)
{
	struct bot_removal *r = p;
	r->n = 0;
	int rc = db_exec(&r->n, "DELETE FROM bot WHERE id = ? AND " FHIR_VERSION_IS_SQL("updated_at"), "ss", r->id, r->version);
	if (rc == 0 && r->n == 1)
		rc = members_delete_of_bot(r->id);
	if (rc == 0 && r->n == 1)
		rc = login_revoke_user(r->id, NULL);
	return rc;
}

/* The bot, its memberships and its sessions (revoked) in one transaction, run again after a
 * lost deadlock or certification conflict. */
static int bot_remove(const char *id, const char *version, struct refusal *err)
{
	(void)err;
	struct bot_removal r = { id, version, 0 };
	if (audit_transaction(bot_remove_steps, &r) != 0)
		return -1;
	return r.n == 1 ? 0 : 2;
}

int bots_rotate_secret(const char *project, const char *id, char secret_out[65])
{
	uint8_t h[32];
	unsigned long long n = 0;
	if (crypto_random_hex(secret_out, 32) < 0 || crypto_keyed_hash(secret_out, h) < 0)
		return -1;
	int rc = db_exec(&n, "UPDATE bot SET secret_hash = ? WHERE id = ? AND project_id = ?", "bss", h, sizeof h, id,
			 project);
	if (rc < 0 || n != 1)
		memset(secret_out, 0, 65);
	return rc < 0 ? -1 : n == 1 ? 0 : 1;
}

const struct resource_store bots_store = {
	.type = "Bot",
	.get = bot_get,
	.find = bot_find,
	.find_by = STORE_BY_NAME | STORE_BY_IDENTIFIER,
	.fields = bot_fields,
	.check = bot_check,
	.insert = bot_insert,
	.update = bot_update,
	.remove = bot_remove,
};

/* SPDX-License-Identifier: BSD-2-Clause */
/* clients: reads and creates ClientApplication rows. */
#include "domain/clients.h"
#include "core/text.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/db.h"
#include "domain/audit.h"
#include "domain/login.h"
#include "domain/idp.h"
#include "domain/members.h"
#include "domain/policies.h"
#include "core/fhir.h"
#include "domain/sessionrow.h"
#include "domain/shape.h"
#include "http/input.h"
#include "oauth/jwks.h"
#include "oauth/smart.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const select_client =
	"SELECT STRAIGHT_JOIN " CLIENTS_COLUMNS " FROM client_application c JOIN project p ON p.id = c.project_id "
	"LEFT JOIN project_membership m ON m.user_id = c.id AND m.project_id = c.project_id WHERE c.id = ? LIMIT 1";

static bool copy_hash(uint8_t out[32], const struct db_result *r, unsigned col)
{
	if (!db_cell(r, 0, col) || db_len(r, 0, col) != 32)
		return false;
	memcpy(out, db_cell(r, 0, col), 32);
	return true;
}

void clients_from_row(const struct db_result *r, struct client *c)
{
	memset(c, 0, sizeof *c);
	text_copy(c->id, sizeof c->id, db_cell(r, 0, 0));
	text_copy(c->project_id, sizeof c->project_id, db_cell(r, 0, 1));
	text_copy(c->name, sizeof c->name, db_cell(r, 0, 2));
	text_copy(c->status, sizeof c->status, db_cell(r, 0, 3));
	c->has_secret = copy_hash(c->secret_hash, r, 4);
	c->has_retiring = copy_hash(c->retiring_hash, r, 5);
	c->pkce_optional = text_true(db_cell(r, 0, 6));
	c->access_lifetime = config_duration_or(db_cell(r, 0, 7), cfg.access_token_lifetime);
	c->refresh_lifetime = config_duration_or(db_cell(r, 0, 8), cfg.refresh_token_lifetime);
	text_copy(c->membership_id, sizeof c->membership_id, db_cell(r, 0, 9));
	text_copy(c->project_name, sizeof c->project_name, db_cell(r, 0, 10));
	c->project_super_admin = text_true(db_cell(r, 0, 11));
	text_copy(c->redirect_uris, sizeof c->redirect_uris, db_cell(r, 0, 12));
	text_copy(c->allowed_origins, sizeof c->allowed_origins, db_cell(r, 0, 13));
	text_copy(c->default_scope, sizeof c->default_scope, db_cell(r, 0, 14));
	ratelimit_parse_settings(db_cell(r, 0, 15), &c->rl);
	text_copy(c->auth_method, sizeof c->auth_method, db_cell(r, 0, 16));
	c->membership_active = text_true(db_cell(r, 0, 17));
	c->tokens_not_before = db_cell(r, 0, 18) ? atoll(db_cell(r, 0, 18)) : 0;
	c->has_policy = text_true(db_cell(r, 0, 19));
	c->pkce_s256 = text_true(db_cell(r, 0, 20));
	text_copy(c->grant_types, sizeof c->grant_types, db_cell(r, 0, 21));
	c->registered = text_true(db_cell(r, 0, 22));
}

int clients_get(const char *id, struct client *c)
{
	memset(c, 0, sizeof *c);
	if (!crypto_is_uuid(id))
		return 1;
	struct db_result r;
	if (db_query(&r, select_client, "s", id) < 0)
		return -1;
	if (r.nrows == 0) {
		db_result_free(&r);
		return 1;
	}
	clients_from_row(&r, c);
	db_result_free(&r);
	return 0;
}

int clients_branding(const char *id, json_t **out)
{
	*out = NULL;
	struct db_result r;
	if (!crypto_is_uuid(id))
		return 1;
	if (db_query(&r, "SELECT sign_in_form FROM client_application WHERE id = ?", "s", id) < 0)
		return -1;
	if (r.nrows == 0) {
		db_result_free(&r);
		return 1;
	}
	json_t *form = db_cell(&r, 0, 0) ? json_loads(db_cell(&r, 0, 0), 0, NULL) : NULL;
	db_result_free(&r);
	*out = json_object();
	json_t *welcome = json_object_get(form, "welcomeString"), *logo = json_object_get(form, "logo");
	if (json_is_string(welcome))
		json_object_set(*out, "welcomeString", welcome);
	if (json_is_object(logo))
		json_object_set(*out, "logo", logo);
	json_decref(form);
	return 0;
}

bool clients_secret_ok(const struct client *c, const char *secret, bool allow_retiring)
{
	uint8_t h[32];
	if (!secret || !*secret || crypto_keyed_hash(secret, h) < 0)
		return false;
	/* Both comparisons always run so timing does not tell which secret matched. */
	bool current = c->has_secret && crypto_equal(h, 32, c->secret_hash, 32);
	bool retiring = c->has_retiring && crypto_equal(h, 32, c->retiring_hash, 32);
	return current || (allow_retiring && retiring);
}

bool clients_usable(const struct client *c)
{
	return !strcmp(c->status, "active") && c->membership_id[0] && c->membership_active;
}

static const char *const auth_methods[] = { "none", "client_secret_basic", "client_secret_post", "private_key_jwt",
					    NULL };

bool clients_auth_method_valid(const char *method)
{
	for (const char *const *m = auth_methods; method && *m; m++)
		if (!strcmp(method, *m))
			return true;
	return false;
}

bool clients_confidential(const struct client *c)
{
	return c->auth_method[0] && strcmp(c->auth_method, "none");
}

bool clients_method_allowed(const struct client *c, const char *method)
{
	return !clients_confidential(c) || (method && !strcmp(c->auth_method, method));
}

int clients_keys(const char *id, char *uri, size_t urilen, json_t **jwks)
{
	*jwks = NULL;
	uri[0] = '\0';
	if (!crypto_is_uuid(id))
		return 1;
	struct db_result r;
	if (db_query(&r, "SELECT jwks_uri, jwks FROM client_application WHERE id = ?", "s", id) < 0)
		return -1;
	if (r.nrows == 0) {
		db_result_free(&r);
		return 1;
	}
	text_copy(uri, urilen, db_cell(&r, 0, 0));
	if (db_cell(&r, 0, 1))
		*jwks = json_loads(db_cell(&r, 0, 1), 0, NULL);
	db_result_free(&r);
	return 0;
}

int clients_set_auth_method(const char *id, const char *method)
{
	if (!crypto_is_uuid(id))
		return 1;
	unsigned long long n = 0;
	struct db_result r;
	if (db_exec(&n, "UPDATE client_application SET token_endpoint_auth_method = ?, updated_at = UTC_TIMESTAMP(3) WHERE id = ?",
		    "ss", method, id) < 0)
		return -1;
	if (n == 1)
		return 0;
	/* Zero rows changed: no such client, or the method was already this one. */
	if (db_query(&r, "SELECT 1 FROM client_application WHERE id = ?", "s", id) < 0)
		return -1;
	int rc = r.nrows == 1 ? 0 : 1;
	db_result_free(&r);
	return rc;
}

int clients_set_console(const char *id, const char *redirect_uris, bool pkce_optional, const char *default_scope,
			const char *sign_in_form)
{
	return db_exec(NULL,
		       "UPDATE client_application SET redirect_uris = ?, pkce_optional = ?, default_scope = ?, "
		       "sign_in_form = ? WHERE id = ?",
		       "sisss", redirect_uris, (long long)pkce_optional, default_scope, sign_in_form, id);
}

int clients_list_rows(const char *project_id, struct db_result *out)
{
	return db_query(out,
			"SELECT id, project_id, name, status FROM client_application WHERE ? IS NULL OR project_id = ? "
			"ORDER BY created_at",
			"ss", project_id, project_id);
}

long clients_longest_lifetime(void)
{
	long longest = 0;
	struct db_result r;
	if (db_query(&r, "SELECT refresh_token_lifetime FROM client_application WHERE refresh_token_lifetime IS NOT NULL "
			 "UNION SELECT access_token_lifetime FROM client_application WHERE access_token_lifetime IS NOT NULL",
		     "") < 0)
		return 0;
	for (unsigned i = 0; i < r.nrows; i++) {
		long v = config_parse_duration(db_cell(&r, i, 0));
		if (v > longest)
			longest = v;
	}
	db_result_free(&r);
	return longest;
}

int clients_agent_in_project(const char *type, const char *id, const char *project_id)
{
	struct db_result r;
	if ((!strcmp(type, "Bot") ? db_query(&r, "SELECT 1 FROM bot WHERE id = ? AND project_id = ?", "ss", id, project_id)
				  : db_query(&r, "SELECT 1 FROM client_application WHERE id = ? AND project_id = ?", "ss", id,
					     project_id)) < 0)
		return -1;
	int found = r.nrows > 0;
	db_result_free(&r);
	return found;
}

int clients_insert(const char *project_id, const char *name, const char *description, char id[37], char secret[65])
{
	char membership[37];
	uint8_t h[32];
	if (crypto_uuid_v4(id) < 0 || crypto_uuid_v4(membership) < 0 || crypto_random_hex(secret, 32) < 0 ||
	    crypto_keyed_hash(secret, h) < 0)
		return -1;
	if (db_exec(NULL,
		    "INSERT INTO client_application (id, project_id, name, description, secret_hash) VALUES (?, ?, ?, ?, ?)",
		    "ssssb", id, project_id, name, description, h, sizeof h) < 0 ||
	    members_insert_for_client(membership, project_id, id) < 0)
		return -1;
	return 0;
}

struct client_create {
	const char *project_id, *name, *description;
	char *id, *secret;
};

/* Each attempt makes its own id and secret: the ones handed back are the committed ones. */
static int client_create_steps(void *p)
{
	struct client_create *c = p;
	return clients_insert(c->project_id, c->name, c->description, c->id, c->secret);
}

int clients_create(const char *project_id, const char *name, const char *description, char id[37],
		   char secret[65])
{
	struct client_create c = { project_id, name, description, id, secret };
	return audit_transaction(client_create_steps, &c) == 0 ? 0 : -1;
}

static bool listed(const char *json_array, const char *value)
{
	json_t *list = json_array[0] ? json_loads(json_array, 0, NULL) : NULL;
	bool found = false;
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v)
		found |= json_is_string(v) && !strcmp(json_string_value(v), value);
	json_decref(list);
	return found;
}

bool clients_grant_allowed(const char *registered, const char *grant)
{
	if (!registered || !registered[0])
		return true;
	return listed(registered, grant) || (!strcmp(grant, "refresh_token") && listed(registered, "authorization_code"));
}

bool clients_codes_allowed(const struct client *c)
{
	return clients_grant_allowed(c->grant_types, "authorization_code");
}

bool clients_redirect_ok(const struct client *c, const char *uri)
{
	return uri && *uri && listed(c->redirect_uris, uri);
}

bool clients_origin_ok(const struct client *c, const char *origin)
{
	json_t *list = c->allowed_origins[0] ? json_loads(c->allowed_origins, 0, NULL) : NULL;
	bool open = !list || json_array_size(list) == 0;
	json_decref(list);
	return open || !origin || listed(c->allowed_origins, origin);
}

int clients_default_scope(const struct client *c, char *out, size_t outlen)
{
	if (!c->default_scope[0])
		return -1;
	snprintf(out, outlen, "%s", c->default_scope);
	return 0;
}

struct admin_create {
	const struct client_new *n;
	char *id, *secret;
	struct refusal *err;
};

/* One attempt (run again after a lost deadlock): its own id and secret, like clients_create. */
static int admin_create_steps(void *p)
{
	struct admin_create *a = p;
	const struct client_new *n = a->n;
	char *id = a->id;
	struct member_fields f = { .active = true };
	if (n->access_policy_id)
		text_copy(f.access_policy_id, sizeof f.access_policy_id, n->access_policy_id);
	int rc = policies_check_named(&f, n->project_id, a->err);
	if (rc == 0)
		rc = clients_insert(n->project_id, n->name, n->description, id, a->secret);
	if (rc == 0)
		rc = db_exec(NULL,
			     "UPDATE client_application SET redirect_uris = ?, access_token_lifetime = ?, "
			     "refresh_token_lifetime = ?, token_endpoint_auth_method = ? WHERE id = ?",
			     "sssss", n->redirect_uris, n->access_lifetime, n->refresh_lifetime,
			     n->auth_method ? n->auth_method : "none", id);
	if (rc == 0 && f.access_policy_id[0])
		rc = members_set_client_policy(id, n->project_id, f.access_policy_id);
	return rc;
}

int clients_admin_create(const struct client_new *n, char id[37], char secret[65], struct refusal *err)
{
	return audit_transaction(admin_create_steps, &(struct admin_create){ n, id, secret, err });
}

int clients_list(const char *project_id, json_t **out)
{
	struct db_result r;
	*out = NULL;
	if (db_query(&r,
		     "SELECT id, name, description, status, DATE_FORMAT(created_at, '%Y-%m-%d %H:%i UTC'), "
		     "retiring_secret_hash IS NOT NULL AND (retiring_secret_expires_at IS NULL OR "
		     "retiring_secret_expires_at > UTC_TIMESTAMP(3)), "
		     "DATE_FORMAT(retiring_secret_expires_at, '%Y-%m-%d %H:%i UTC') "
		     "FROM client_application WHERE project_id = ? ORDER BY name, id LIMIT 500",
		     "s", project_id) < 0)
		return -1;
	*out = json_array();
	for (unsigned i = 0; i < r.nrows; i++) {
		json_t *c = json_pack("{s:s, s:s, s:s?, s:s, s:s, s:b, s:s?}", "id", db_cell(&r, i, 0), "name",
				      db_cell(&r, i, 1), "description", db_cell(&r, i, 2), "status", db_cell(&r, i, 3),
				      "created", db_cell(&r, i, 4), "retiring", text_true(db_cell(&r, i, 5)), "retiringUntil",
				      db_cell(&r, i, 6));
		if (c)
			json_array_append_new(*out, c);
	}
	db_result_free(&r);
	return 0;
}

int clients_rotate_secret(const char *project_id, const char *client_id, long retire_seconds, char secret[65])
{
	uint8_t h[32];
	if (!crypto_is_uuid(client_id))
		return 1;
	if (crypto_random_hex(secret, 32) < 0 || crypto_keyed_hash(secret, h) < 0)
		return -1;
	unsigned long long n = 0;
	/* One statement: the current hash becomes the retiring one (MariaDB evaluates SET left to
	 * right, so retiring_secret_hash takes the old secret_hash before it is replaced). */
	int rc = retire_seconds > 0
			 ? db_exec(&n,
				   "UPDATE client_application SET retiring_secret_hash = secret_hash, "
				   "retiring_secret_expires_at = UTC_TIMESTAMP(3) + INTERVAL ? SECOND, secret_hash = ?, "
				   "updated_at = UTC_TIMESTAMP(3) WHERE id = ? AND project_id = ?",
				   "ibss", (long long)retire_seconds, h, sizeof h, client_id, project_id)
			 : db_exec(&n,
				   "UPDATE client_application SET retiring_secret_hash = NULL, retiring_secret_expires_at = NULL, "
				   "secret_hash = ?, " CLIENTS_RAISE_NOT_BEFORE ", updated_at = UTC_TIMESTAMP(3) "
				   "WHERE id = ? AND project_id = ?",
				   "bss", h, sizeof h, client_id, project_id);
	if (rc < 0)
		return -1;
	return n == 1 ? 0 : 1;
}

int clients_end_retiring(const char *project_id, const char *client_id)
{
	unsigned long long n = 0;
	if (db_exec(&n,
		    "UPDATE client_application SET retiring_secret_hash = NULL, retiring_secret_expires_at = NULL, "
		    CLIENTS_RAISE_NOT_BEFORE ", updated_at = UTC_TIMESTAMP(3) WHERE id = ? AND project_id = ?",
		    "ss", client_id, project_id) < 0)
		return -1;
	return n == 1 ? 0 : 1;
}

int clients_insert_bot(const char *id, const char *project_id, const char *name, const char *description,
		       const char *resource_json)
{
	return db_exec(NULL, "INSERT INTO bot (id, project_id, name, description, resource) VALUES (?, ?, ?, ?, ?)",
		       "sssss", id, project_id, name, description, resource_json);
}

/* ---- a client's public keys (private_key_jwt) ---- */

#define MAX_JWKS_TEXT 16384
#define MAX_JWKS_KEYS 16

const char *clients_jwks_problem(json_t *jwks)
{
	json_t *keys = json_object_get(jwks, "keys");
	if (!json_is_object(jwks) || !json_is_array(keys) || json_array_size(keys) == 0)
		return CLIENTS_JWKS_INVALID;
	char *text = json_dumps(jwks, JSON_COMPACT);
	bool fits = text && strlen(text) <= MAX_JWKS_TEXT && json_array_size(keys) <= MAX_JWKS_KEYS;
	bool readable = text && valid_text(text);
	free(text);
	if (!fits)
		return CLIENTS_JWKS_TOO_LARGE;
	if (!readable)
		return CLIENTS_JWKS_INVALID;
	/* Each key as jwks_verify would judge it, so nothing is stored that could never verify,
	 * and no private key is kept (PROTOCOL.md §7.2.5). */
	size_t i;
	json_t *k;
	json_array_foreach(keys, i, k) {
		const char *why = jwks_key_unfit(k);
		if (why)
			return why;
	}
	return NULL;
}

int clients_set_keys(const char *id, const char *jwks_uri, json_t *jwks)
{
	if (!crypto_is_uuid(id))
		return 1;
	char *text = jwks ? json_dumps(jwks, JSON_COMPACT) : NULL;
	unsigned long long n = 0;
	int rc = db_exec(&n, "UPDATE client_application SET jwks_uri = COALESCE(?, jwks_uri), jwks = COALESCE(?, jwks), "
			     "updated_at = UTC_TIMESTAMP(3) WHERE id = ?",
			 "sss", jwks_uri, text, id);
	free(text);
	return rc < 0 ? -1 : n == 1 ? 0 : 1;
}

int clients_first_party(const char *id)
{
	struct db_result r;
	if (!crypto_is_uuid(id))
		return 0;
	if (db_query(&r, "SELECT registration_token_hash IS NULL FROM client_application WHERE id = ?", "s", id) < 0)
		return -1;
	int first = r.nrows == 1 && text_true(db_cell(&r, 0, 0));
	db_result_free(&r);
	return first;
}

int clients_bot_project(const char *id, char project[37])
{
	struct db_result r;
	if (!crypto_is_uuid(id))
		return 1;
	if (db_query(&r, "SELECT project_id FROM bot WHERE id = ?", "s", id) < 0)
		return -1;
	int rc = r.nrows ? 0 : 1;
	if (r.nrows)
		text_copy(project, 37, db_cell(&r, 0, 0));
	db_result_free(&r);
	return rc;
}

/* ---- read models that start from a client: one round trip each (lib/domain/auth.c takes
 * the rows) ---- */

/* A self-contained token (client_credentials: no Login) read as a session row, from its
 * client's row: the same columns, "revoked" when its id is in token_revocation, the client is
 * not active, its not_before generation passed the token's (cnb), or the secret that obtained
 * it (skh) is neither the current one nor an unexpired retiring one. */
static const char *const select_token_session =
	"SELECT STRAIGHT_JOIN 'ClientApplication', cl.id, cl.id, m.id, 'client', ?, ?, "
	"(r.jti IS NOT NULL OR cl.status <> 'active' OR cl.tokens_not_before > ? OR NOT "
	"(COALESCE(LEFT(SHA2(cl.secret_hash, 256), 16) = ?, FALSE) OR (COALESCE(LEFT(SHA2(cl.retiring_secret_hash, 256), 16) = ?, FALSE) "
	"AND (cl.retiring_secret_expires_at IS NULL OR cl.retiring_secret_expires_at > UTC_TIMESTAMP(3))))), "
	"TRUE, m.project_id, m.profile_type, m.profile_id, m.admin, m.active, p.super_admin, p.system_setting, FALSE, "
	SESSIONROW_CLIENT_DETAIL_COLUMNS(cl)
	"FROM client_application cl JOIN project_membership m ON m.user_id = cl.id AND m.project_id = cl.project_id "
	"JOIN project p ON p.id = m.project_id "
	SESSIONROW_POLICY_JOIN
	"LEFT JOIN token_revocation r ON r.jti = ? WHERE cl.id = ? LIMIT 1";

int clients_read_token_session(const struct token_ref *t, struct db_result *out)
{
	return db_query(out, select_token_session, "isissss", t->iat, t->scope ? t->scope : "", t->cnb, t->skh, t->skh,
			t->jti, t->client_id);
}

/* A client with its project and its membership in it, as clients_get joins them (aliases c, p, m). */
#define CLIENTS_FROM \
	" FROM client_application c JOIN project p ON p.id = c.project_id " \
	"LEFT JOIN project_membership m ON m.user_id = c.id AND m.project_id = c.project_id "

/* Basic: the client and the membership details /auth/me and userinfo need. The client's
 * membership has the client as its profile, so the detail columns' client is the client read
 * here. */
static const char *const select_basic =
	"SELECT STRAIGHT_JOIN " CLIENTS_COLUMNS ", " SESSIONROW_CLIENT_DETAIL_COLUMNS(c) CLIENTS_FROM
	SESSIONROW_POLICY_JOIN "WHERE c.id = ? LIMIT 1";

int clients_read_basic(const char *id, struct db_result *out)
{
	return db_query(out, select_basic, "s", id);
}

/* The token's part of the introspection query: whether it is usable, then whose it is. */
#define INTROSPECT_LOGIN \
	", (tl.id IS NOT NULL AND NOT tl.revoked AND tl.granted AND tm.active), tm.project_id, tl.user_id, tl.scope, " \
	"tl.client_id, tm.profile_type, tm.profile_id"
#define INTROSPECT_LOGIN_JOIN \
	"LEFT JOIN (login tl JOIN project_membership tm ON tm.id = tl.membership_id) ON tl.id = ? "
#define INTROSPECT_STATELESS \
	", (tc.id IS NOT NULL AND tr.jti IS NULL AND tc.status = 'active' AND tc.tokens_not_before <= ? AND " \
	"(COALESCE(LEFT(SHA2(tc.secret_hash, 256), 16) = ?, FALSE) OR (COALESCE(LEFT(SHA2(tc.retiring_secret_hash, 256), 16) = ?, FALSE) " \
	"AND (tc.retiring_secret_expires_at IS NULL OR tc.retiring_secret_expires_at > UTC_TIMESTAMP(3)))) AND tm.active), " \
	"tm.project_id, tc.id, ?, tc.id, tm.profile_type, tm.profile_id"
#define INTROSPECT_STATELESS_JOIN \
	"LEFT JOIN (client_application tc JOIN project_membership tm ON tm.user_id = tc.id AND tm.project_id = tc.project_id) " \
	"ON tc.id = ? LEFT JOIN token_revocation tr ON tr.jti = ? "

static const char *const introspect_login =
	"SELECT STRAIGHT_JOIN " CLIENTS_COLUMNS INTROSPECT_LOGIN CLIENTS_FROM INTROSPECT_LOGIN_JOIN "WHERE c.id = ? LIMIT 1";
static const char *const introspect_stateless =
	"SELECT STRAIGHT_JOIN " CLIENTS_COLUMNS INTROSPECT_STATELESS CLIENTS_FROM INTROSPECT_STATELESS_JOIN "WHERE c.id = ? LIMIT 1";
/* The caller is the token's own client (a service checking its token): its row is the token's. */
#define INTROSPECT_SELF \
	", (tr.jti IS NULL AND c.status = 'active' AND c.tokens_not_before <= ? AND " \
	"(COALESCE(LEFT(SHA2(c.secret_hash, 256), 16) = ?, FALSE) OR (COALESCE(LEFT(SHA2(c.retiring_secret_hash, 256), 16) = ?, FALSE) " \
	"AND (c.retiring_secret_expires_at IS NULL OR c.retiring_secret_expires_at > UTC_TIMESTAMP(3)))) AND m.active), " \
	"m.project_id, c.id, ?, c.id, m.profile_type, m.profile_id"
static const char *const introspect_self =
	"SELECT STRAIGHT_JOIN " CLIENTS_COLUMNS INTROSPECT_SELF CLIENTS_FROM "LEFT JOIN token_revocation tr ON tr.jti = ? "
	"WHERE c.id = ? LIMIT 1";
static const char *const introspect_none =
	"SELECT " CLIENTS_COLUMNS ", FALSE, NULL, NULL, NULL, NULL, NULL, NULL" CLIENTS_FROM "WHERE c.id = ? LIMIT 1";

int clients_read_introspection(const char *caller_id, const char *login_id, const struct token_ref *t,
			       struct db_result *out)
{
	if (login_id)
		return db_query(out, introspect_login, "ss", login_id, caller_id);
	if (!t)
		return db_query(out, introspect_none, "s", caller_id);
	const char *scope = t->scope ? t->scope : "";
	return !strcmp(t->client_id, caller_id)
		       ? db_query(out, introspect_self, "isssss", t->cnb, t->skh, t->skh, scope, t->jti, caller_id)
		       : db_query(out, introspect_stateless, "issssss", t->cnb, t->skh, t->skh, scope, t->client_id, t->jti,
				  caller_id);
}

/* ---- registered clients (RFC 7591, RFC 7592; PROTOCOL.md §7.6) ---- */

int clients_register(const char *project_id, const struct client_registration *r, const uint8_t token_hash[32],
		     char id[37], char secret[65])
{
	int rc = clients_insert(project_id, r->name, NULL, id, secret);
	if (rc == 0)
		rc = db_exec(NULL,
			     "UPDATE client_application SET token_endpoint_auth_method = ?, redirect_uris = ?, jwks = ?, "
			     "jwks_uri = ?, default_scope = ?, registration = ?, registration_token_hash = ?, pkce_s256 = ?, "
			     "secret_hash = IF(?, NULL, secret_hash) WHERE id = ?",
			     "ssssssbiis", r->method, r->redirect_uris, r->jwks, r->jwks_uri, r->scope, r->registration,
			     token_hash, (size_t)32, (long long)r->public_client, (long long)r->public_client, id);
	/* A public client has no secret to show. */
	if (rc == 0 && r->public_client)
		memset(secret, 0, 65);
	return rc;
}

int clients_registration_get(const char *id, struct db_result *out)
{
	memset(out, 0, sizeof *out);
	if (!crypto_is_uuid(id))
		return 1;
	if (db_query(out,
		     "SELECT registration_token_hash, name, token_endpoint_auth_method, redirect_uris, jwks, jwks_uri, "
		     "default_scope, registration, UNIX_TIMESTAMP(created_at), project_id FROM client_application "
		     "WHERE id = ? AND registration_token_hash IS NOT NULL",
		     "s", id) < 0)
		return -1;
	return out->nrows == 1 ? 0 : 1;
}

int clients_registration_update(const char *id, const struct client_registration *r)
{
	return db_exec(NULL,
		       "UPDATE client_application SET name = ?, redirect_uris = ?, jwks = ?, jwks_uri = ?, default_scope = ?, "
		       "registration = ?, updated_at = UTC_TIMESTAMP(3) WHERE id = ? AND registration_token_hash IS NOT NULL",
		       "sssssss", r->name, r->redirect_uris, r->jwks, r->jwks_uri, r->scope, r->registration, id);
}

int clients_identity_provider(const char *client_id, json_t **idp)
{
	*idp = NULL;
	if (!crypto_is_uuid(client_id))
		return 0;
	struct db_result r;
	if (db_query(&r, "SELECT identity_provider FROM client_application WHERE id = ? AND status = 'active'", "s",
		     client_id) < 0)
		return -1;
	if (r.nrows && db_cell(&r, 0, 0)) {
		*idp = json_loads(db_cell(&r, 0, 0), 0, NULL);
		if (!json_is_object(*idp)) {
			json_decref(*idp);
			*idp = NULL;
		}
	}
	db_result_free(&r);
	return 0;
}

int clients_keep_idp_secret(const char *client_id, const char *version, json_t *idp, struct refusal *err)
{
	if (!idp || json_object_get(idp, "clientSecret"))
		return 0;
	/* A stale version finds no row: the update that follows answers it (409), not this rule. */
	struct db_result r;
	if ((version ? db_query(&r, "SELECT identity_provider FROM client_application WHERE id = ? AND "
				FHIR_VERSION_IS_SQL("updated_at"), "ss", client_id, version)
		     : db_query(&r, "SELECT identity_provider FROM client_application WHERE id = ?", "s", client_id)) < 0)
		return -1;
	int rc = idp_keep_secret(idp, r.nrows ? db_cell(&r, 0, 0) : NULL, err);
	db_result_free(&r);
	return rc;
}

int clients_set_identity_provider(const char *client_id, json_t *identity_provider, struct refusal *err)
{
	json_t *idp = NULL;
	json_t *body = json_pack("{s:O?}", "identityProvider", identity_provider);
	bool ok = body && shape_identity_provider(body, "identityProvider", &idp);
	json_decref(body);
	if (!ok)
		return refuse(err, 400, "Invalid identityProvider", "identityProvider");
	int kept = clients_keep_idp_secret(client_id, NULL, idp, err);
	if (kept != 0) {
		json_decref(idp);
		return kept;
	}
	char *text = NULL;
	int rc = !idp || (idp_seal(idp) == 0 && (text = json_dumps(idp, JSON_COMPACT))) ? 0 : -1;
	unsigned long long n = 0;
	if (rc == 0)
		rc = db_exec(&n,
			     "UPDATE client_application SET identity_provider = ?, updated_at = "
			     FHIR_NEXT_UPDATE_SQL("updated_at") " WHERE id = ?", "ss", text, client_id);
	free(text);
	json_decref(idp);
	return rc < 0 ? -1 : n == 1 ? 0 : refuse(err, 404, "Not found", NULL);
}

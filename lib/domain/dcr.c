/* SPDX-License-Identifier: BSD-2-Clause */
/* dcr: dynamic client registration (RFC 7591, RFC 7592; PROTOCOL.md §7.6). */
#include "domain/dcr.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/db.h"
#include "core/fhir.h"
#include "core/text.h"
#include "domain/audit.h"
#include "domain/clients.h"
#include "domain/projects.h"
#include "http/input.h"
#include "oauth/smart.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_REDIRECT_URIS 16
#define DEFAULT_NAME "Registered client"

/* ---- initial access tokens ---- */

int dcr_issue_token(const char *project_id, long expires_in, int uses, const char *created_by, json_t **out)
{
	char id[37], token[65];
	uint8_t h[32];
	*out = NULL;
	if (crypto_uuid_v4(id) < 0 || crypto_random_hex(token, 32) < 0 || crypto_keyed_hash(token, h) < 0)
		return -1;
	if (db_exec(NULL,
		    "INSERT INTO client_registration_token (id, project_id, token_hash, expires_at, uses_left, created_by) "
		    "VALUES (?, ?, ?, UTC_TIMESTAMP(3) + INTERVAL ? SECOND, ?, ?)",
		    "ssbiis", id, project_id, h, sizeof h, (long long)expires_in, (long long)uses, created_by) < 0)
		return -1;
	time_t until = time(NULL) + expires_in;
	struct tm tm;
	char when[32];
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&until, &tm));
	*out = json_pack("{s:s, s:s, s:s, s:i}", "token", token, "id", id, "expiresAt", when, "uses", uses);
	memset(token, 0, sizeof token);
	return *out ? 0 : -1;
}

int dcr_list_tokens(const char *project_id, json_t **out)
{
	struct db_result r;
	*out = NULL;
	if (db_query(&r,
		     "SELECT id, " FHIR_INSTANT_SQL("created_at") ", " FHIR_INSTANT_SQL("expires_at") ", uses_left, "
		     "expires_at <= UTC_TIMESTAMP(3) FROM client_registration_token WHERE project_id = ? "
		     "ORDER BY created_at DESC, id",
		     "s", project_id) < 0)
		return -1;
	*out = json_array();
	for (unsigned i = 0; *out && i < r.nrows; i++) {
		long long uses = strtoll(db_cell(&r, i, 3), NULL, 10);
		const char *state = text_true(db_cell(&r, i, 4)) ? "expired" : uses <= 0 ? "used up" : "usable";
		json_array_append_new(*out, json_pack("{s:s, s:s, s:s, s:I, s:s}", "id", db_cell(&r, i, 0), "createdAt",
						      db_cell(&r, i, 1), "expiresAt", db_cell(&r, i, 2), "usesLeft", uses,
						      "state", state));
	}
	db_result_free(&r);
	return *out ? 0 : -1;
}

int dcr_revoke_token(const char *id, char project_id[37])
{
	struct db_result r;
	if (!crypto_is_uuid(id))
		return 1;
	if (db_query(&r, "SELECT project_id FROM client_registration_token WHERE id = ? FOR UPDATE", "s", id) < 0)
		return -1;
	int rc = r.nrows == 1 ? 0 : 1;
	if (rc == 0)
		text_copy(project_id, 37, db_cell(&r, 0, 0));
	db_result_free(&r);
	if (rc == 0 && db_exec(NULL, "DELETE FROM client_registration_token WHERE id = ?", "s", id) < 0)
		rc = -1;
	return rc;
}

/* Spends one use of an initial access token in the caller's transaction: 0 (its project),
 * 1 unknown, expired or used up, -1. */
static int spend_token(const uint8_t hash[32], char project_id[37])
{
	struct db_result r;
	if (db_query(&r,
		     "SELECT id, project_id FROM client_registration_token WHERE token_hash = ? AND uses_left > 0 "
		     "AND expires_at > UTC_TIMESTAMP(3) FOR UPDATE",
		     "b", hash, (size_t)32) < 0)
		return -1;
	int rc = r.nrows == 1 ? 0 : 1;
	if (rc == 0) {
		text_copy(project_id, 37, db_cell(&r, 0, 1));
		rc = db_exec(NULL, "UPDATE client_registration_token SET uses_left = uses_left - 1 WHERE id = ?", "s",
			     db_cell(&r, 0, 0));
	}
	db_result_free(&r);
	return rc;
}

/* created_at bounds every row this deletes: a range on client_registration_token_created
 * (migration 043) reads only the rows older than the retention. */
long long dcr_purge_tokens(long long keep)
{
	return db_purge("DELETE FROM client_registration_token WHERE (uses_left <= 0 OR expires_at < UTC_TIMESTAMP(3)) "
			"AND created_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND LIMIT " DB_PURGE_BATCH_TEXT,
			keep);
}

/* ---- metadata (RFC 7591 §2) ---- */

static int bad_metadata(struct refusal *err, const char *text)
{
	return refuse_oauth(err, 400, "invalid_client_metadata", text);
}

static int bad_redirect(struct refusal *err, const char *text)
{
	return refuse_oauth(err, 400, "invalid_redirect_uri", text);
}

/* https with a host, or http to the loopback interface (RFC 8252 §7.3); exact strings: no
 * fragment, no wildcard, no user information. */
static bool redirect_ok(const char *uri)
{
	if (!uri || strlen(uri) > 2048 || !valid_uri(uri) || strpbrk(uri, "#*\\ "))
		return false;
	bool https = !strncmp(uri, "https://", 8), http = !strncmp(uri, "http://", 7);
	if (!https && !http)
		return false;
	const char *host = uri + (https ? 8 : 7);
	size_t len = strcspn(host, "/?");
	if (len == 0 || memchr(host, '@', len))
		return false;
	if (https)
		return true;
	static const char *const loopback[] = { "127.0.0.1", "[::1]", "localhost", NULL };
	for (const char *const *l = loopback; *l; l++) {
		size_t n = strlen(*l);
		if (!strncmp(host, *l, n) && (n == len || host[n] == ':'))
			return true;
	}
	return false;
}

static bool listed(const char *v, const char *const *set)
{
	for (; v && *set; set++)
		if (!strcmp(v, *set))
			return true;
	return false;
}

/* The metadata as Tessera keeps it. Arrays and jwks are new references (meta_free). */
struct meta {
	const char *name;
	const char *method;
	json_t *uris, *grants, *jwks;
	const char *jwks_uri;
	const char *scope;
};

static void meta_free(struct meta *m)
{
	json_decref(m->uris);
	json_decref(m->grants);
	json_decref(m->jwks);
}

static const char *const methods[] = { "none", "client_secret_basic", "client_secret_post", "private_key_jwt", NULL };
static const char *const grant_types[] = { "authorization_code", "refresh_token", "client_credentials", NULL };

static int check_grants(json_t *body, struct meta *m, struct refusal *err)
{
	json_t *g = json_object_get(body, "grant_types"), *r = json_object_get(body, "response_types");
	size_t i;
	json_t *v;
	if (!g)
		m->grants = json_pack("[s]", "authorization_code");
	else if (json_is_array(g) && json_array_size(g) > 0 && json_array_size(g) <= 3)
		m->grants = json_incref(g);
	json_array_foreach(m->grants, i, v) if (!listed(json_string_value(v), grant_types)) return bad_metadata(err, "Unsupported grant_types");
	if (!m->grants)
		return bad_metadata(err, "Unsupported grant_types");
	const char *response = json_string_value(json_array_get(r, 0));
	if (r && (!json_is_array(r) || json_array_size(r) != 1 || !response || strcmp(response, "code")))
		return bad_metadata(err, "Unsupported response_types");
	bool client_credentials = false;
	json_array_foreach(m->grants, i, v) client_credentials |= !strcmp(json_string_value(v), "client_credentials");
	if (client_credentials && !strcmp(m->method, "none"))
		return bad_metadata(err, "A public client cannot use client_credentials");
	return 0;
}

static bool grants_client_credentials(json_t *grants)
{
	size_t i;
	json_t *v;
	json_array_foreach(grants, i, v) if (json_is_string(v) && !strcmp(json_string_value(v), "client_credentials")) return true;
	return false;
}

static bool wants_code(const struct meta *m)
{
	size_t i;
	json_t *v;
	json_array_foreach(m->grants, i, v) if (!strcmp(json_string_value(v), "authorization_code")) return true;
	return false;
}

static int check_redirects(json_t *body, struct meta *m, struct refusal *err)
{
	json_t *u = json_object_get(body, "redirect_uris");
	if (!u || (json_is_array(u) && json_array_size(u) == 0))
		return wants_code(m) ? bad_redirect(err, "Redirect URI is required") : 0;
	if (!json_is_array(u) || json_array_size(u) > MAX_REDIRECT_URIS)
		return bad_redirect(err, "Invalid redirect URI");
	size_t i;
	json_t *v;
	json_array_foreach(u, i, v) if (!redirect_ok(json_string_value(v))) return bad_redirect(err, "Invalid redirect URI");
	m->uris = json_incref(u);
	return 0;
}

static int check_keys(json_t *body, struct meta *m, struct refusal *err)
{
	json_t *jwks = json_object_get(body, "jwks"), *uri = json_object_get(body, "jwks_uri");
	if (jwks && uri)
		return bad_metadata(err, "jwks and jwks_uri are exclusive");
	const char *unfit = jwks ? clients_jwks_problem(jwks) : NULL;
	if (unfit)
		return bad_metadata(err, unfit);
	m->jwks_uri = json_string_value(uri);
	if (uri && (!m->jwks_uri || strlen(m->jwks_uri) > 2048 || !valid_uri(m->jwks_uri) || strncmp(m->jwks_uri, "https://", 8)))
		return bad_metadata(err, "Invalid jwks_uri");
	if (!strcmp(m->method, "private_key_jwt") && !jwks && !uri)
		return bad_metadata(err, "private_key_jwt needs jwks or jwks_uri");
	m->jwks = json_incref(jwks);
	return 0;
}

static int check_meta(json_t *body, struct meta *m, struct refusal *err)
{
	memset(m, 0, sizeof *m);
	if (!json_is_object(body))
		return bad_metadata(err, "Client metadata must be a JSON object");
	json_t *method = json_object_get(body, "token_endpoint_auth_method"), *name = json_object_get(body, "client_name"),
	       *scope = json_object_get(body, "scope");
	m->method = method ? json_string_value(method) : "client_secret_basic";
	if (!listed(m->method, methods))
		return bad_metadata(err, "Unsupported token_endpoint_auth_method");
	m->name = name ? json_string_value(name) : DEFAULT_NAME;
	if (!m->name || !*m->name || strlen(m->name) > 255 || !valid_text(m->name) || strchr(m->name, '\n'))
		return bad_metadata(err, "Invalid client_name");
	m->scope = json_string_value(scope);
	if (scope && (!m->scope || strlen(m->scope) > 1024 || !valid_scope(m->scope) || !smart_scope_wellformed(m->scope)))
		return bad_metadata(err, "Invalid scope");
	return check_grants(body, m, err) || check_redirects(body, m, err) || check_keys(body, m, err);
}

/* The columns of a checked registration: JSON texts freed by cols_free. */
struct cols {
	char *uris, *jwks, *registration;
	struct client_registration r;
};

static void cols_free(struct cols *c)
{
	free(c->uris);
	free(c->jwks);
	free(c->registration);
}

static int cols_of(const struct meta *m, struct cols *c)
{
	memset(c, 0, sizeof *c);
	json_t *reg = json_pack("{s:s, s:O, s:[s], s:s}", "client_name", m->name, "grant_types", m->grants, "response_types",
				"code", "token_endpoint_auth_method", m->method);
	if (reg && m->scope)
		json_object_set_new(reg, "scope", json_string(m->scope));
	c->registration = reg ? json_dumps(reg, JSON_COMPACT) : NULL;
	json_decref(reg);
	c->uris = m->uris ? json_dumps(m->uris, JSON_COMPACT) : NULL;
	c->jwks = m->jwks ? json_dumps(m->jwks, JSON_COMPACT) : NULL;
	c->r = (struct client_registration){ .name = m->name, .method = m->method, .redirect_uris = c->uris,
					     .jwks = c->jwks, .jwks_uri = m->jwks_uri, .scope = m->scope,
					     .registration = c->registration, .public_client = !strcmp(m->method, "none") };
	return c->registration && (!m->uris || c->uris) && (!m->jwks || c->jwks) ? 0 : -1;
}

/* ---- the answers ---- */

static json_t *client_uri(const char *id)
{
	char buf[2200];
	snprintf(buf, sizeof buf, "%soauth2/register/%s", cfg.base_url, id);
	return json_string(buf);
}

static void set_json_text(json_t *o, const char *key, const char *text)
{
	json_t *v = text ? json_loads(text, 0, NULL) : NULL;
	if (v)
		json_object_set_new(o, key, v);
}

/* The registration as read back from the client's row (clients_registration_get's columns). */
static json_t *registration_of(const struct db_result *r, const char *id)
{
	json_t *o = db_cell(r, 0, 7) ? json_loads(db_cell(r, 0, 7), 0, NULL) : NULL;
	if (!json_is_object(o)) {
		json_decref(o);
		o = json_object();
	}
	json_object_set_new(o, "client_id", json_string(id));
	json_object_set_new(o, "client_id_issued_at", json_integer(atoll(db_cell(r, 0, 8) ? db_cell(r, 0, 8) : "0")));
	json_object_set_new(o, "registration_client_uri", client_uri(id));
	set_json_text(o, "redirect_uris", db_cell(r, 0, 3));
	set_json_text(o, "jwks", db_cell(r, 0, 4));
	if (db_cell(r, 0, 5))
		json_object_set_new(o, "jwks_uri", json_string(db_cell(r, 0, 5)));
	return o;
}

static int send_back(const char *id, json_t **out)
{
	struct db_result r;
	int rc = clients_registration_get(id, &r);
	if (rc == 0)
		*out = registration_of(&r, id);
	db_result_free(&r);
	return rc == 0 ? 0 : -1;
}

/* ---- POST /oauth2/register ---- */

/* The event of a registration's change, written with it; the client acts for itself. */
static void audit_client(const char *type, const char *project, const char *id)
{
	char entity[64];
	snprintf(entity, sizeof entity, "ClientApplication/%s", id);
	audit_stage(&(struct audit_event){ .type = type, .project_id = project, .agent_type = "ClientApplication",
					   .agent_id = id, .entity = entity });
}

/* One try of the registration's transaction: 0, 1 refused, -1 (a lost deadlock is tried again). */
static int register_once(const uint8_t initial[32], const struct cols *c, char id[37], char secret[65],
			 char access[65], struct refusal *err)
{
	char project[37];
	uint8_t access_hash[32];
	if (crypto_random_hex(access, 32) < 0 || crypto_keyed_hash(access, access_hash) < 0 || db_begin() < 0)
		return -1;
	int rc = spend_token(initial, project);
	if (rc == 1)
		refuse_oauth(err, 401, "invalid_token", "Invalid initial access token");
	struct project_settings ps;
	if (rc == 0 && (rc = projects_settings(project, &ps)) == 0 && !ps.client_registration)
		rc = refuse_oauth(err, 403, "access_denied", "Client registration is not enabled for this project");
	if (rc == 0)
		rc = clients_register(project, &c->r, access_hash, id, secret);
	if (rc == 0)
		audit_client(AUDIT_CLIENT_CREATED, project, id);
	if ((rc = db_finish(rc)) != 0)
		audit_staged_forget();
	return rc;
}

int dcr_register(const char *initial_token, json_t *metadata, json_t **out, struct refusal *err)
{
	*out = NULL;
	if (!initial_token || !*initial_token)
		return refuse_oauth(err, 401, "invalid_token", "Initial access token required");
	struct meta m;
	struct cols c = { 0 };
	int rc = check_meta(metadata, &m, err);
	if (rc == 0)
		rc = cols_of(&m, &c);
	uint8_t initial[32];
	if (rc == 0 && crypto_keyed_hash(initial_token, initial) < 0)
		rc = -1;
	char id[37], secret[65] = "", access[65] = "";
	for (int tries = 0; rc == 0 && tries < 4; tries++)
		if ((rc = register_once(initial, &c, id, secret, access, err)) != -1 || !db_deadlock())
			break;
	if (rc == 0 && (rc = send_back(id, out)) == 0) {
		json_object_set_new(*out, "registration_access_token", json_string(access));
		/* A secret only for the methods that use one (a private_key_jwt client's stays unknown). */
		if (secret[0] && strncmp(m.method, "client_secret_", 14) == 0) {
			json_object_set_new(*out, "client_secret", json_string(secret));
			json_object_set_new(*out, "client_secret_expires_at", json_integer(0));
		}
	}
	memset(secret, 0, sizeof secret);
	memset(access, 0, sizeof access);
	cols_free(&c);
	meta_free(&m);
	return rc;
}

/* ---- RFC 7592: the client's own registration ---- */

/* The registered client whose registration access token this is, else 401 (whether the client
 * exists or not: nothing tells a guessed id from a wrong token). 0 (*r), 1, -1. */
static int registered(const char *id, const char *access_token, struct db_result *r, struct refusal *err)
{
	uint8_t h[32];
	int rc = clients_registration_get(id, r);
	if (rc < 0)
		return -1;
	bool ok = rc == 0 && access_token && *access_token && crypto_keyed_hash(access_token, h) == 0 && db_cell(r, 0, 0) &&
		  crypto_equal(h, 32, db_cell(r, 0, 0), db_len(r, 0, 0));
	if (ok)
		return 0;
	db_result_free(r);
	return refuse_oauth(err, 401, "invalid_token", "Invalid registration access token");
}

int dcr_read(const char *client_id, const char *access_token, json_t **out, struct refusal *err)
{
	struct db_result r;
	int rc = registered(client_id, access_token, &r, err);
	if (rc != 0)
		return rc;
	*out = registration_of(&r, client_id);
	db_result_free(&r);
	return 0;
}

int dcr_update(const char *client_id, const char *access_token, json_t *metadata, json_t **out, struct refusal *err)
{
	struct db_result r;
	int rc = registered(client_id, access_token, &r, err);
	if (rc != 0)
		return rc;
	char method[32], project[37];
	text_copy(method, sizeof method, db_cell(&r, 0, 2));
	text_copy(project, sizeof project, db_cell(&r, 0, 9));
	json_t *was = db_cell(&r, 0, 7) ? json_loads(db_cell(&r, 0, 7), 0, NULL) : NULL;
	bool had_client_credentials = grants_client_credentials(json_object_get(was, "grant_types"));
	json_decref(was);
	db_result_free(&r);
	const char *named = json_string_value(json_object_get(metadata, "client_id"));
	if (!named || strcmp(named, client_id))
		return bad_metadata(err, "client_id must be the registered client's");
	struct meta m;
	struct cols c = { 0 };
	rc = check_meta(metadata, &m, err);
	/* The method decides whether a secret exists: it is kept for the client's life. */
	if (rc == 0 && strcmp(m.method, method))
		rc = bad_metadata(err, "token_endpoint_auth_method cannot change");
	/* A token of the client's own (no user, its membership's reach) is what an initial access
	 * token was given for, never something the client adds to itself later. */
	if (rc == 0 && !had_client_credentials && grants_client_credentials(m.grants))
		rc = bad_metadata(err, "grant_types cannot gain client_credentials");
	if (rc == 0)
		rc = cols_of(&m, &c);
	if (rc == 0) {
		audit_client(AUDIT_CLIENT_UPDATED, project, client_id);
		rc = clients_registration_update(client_id, &c.r);
	}
	if (rc == 0)
		rc = send_back(client_id, out);
	cols_free(&c);
	meta_free(&m);
	return rc;
}

int dcr_delete(const char *client_id, const char *access_token, struct refusal *err)
{
	struct db_result r;
	int rc = registered(client_id, access_token, &r, err);
	if (rc != 0)
		return rc;
	char project[37];
	text_copy(project, sizeof project, db_cell(&r, 0, 9));
	db_result_free(&r);
	audit_client(AUDIT_RESOURCE_DELETED, project, client_id);
	if (clients_delete(client_id) < 0) {
		audit_staged_forget();
		return -1;
	}
	return 0;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* clientstore: the ClientApplication resources of the resource API and of tessera-admin import
 * (clients_store, clients_import in clients.h): the shape of a client's body, its row as a
 * resource, its writes. A second file of the clients family (both own client_application):
 * clients.c has the client as the protocol reads it (secrets, keys, redirect URIs, the read
 * models). */
#include "domain/clients.h"
#include "domain/idp.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/db.h"
#include "domain/audit.h"
#include "core/fhir.h"
#include "core/text.h"
#include "domain/login.h"
#include "domain/members.h"
#include "domain/policies.h"
#include "domain/shape.h"
#include "domain/storequery.h"
#include "http/input.h"
#include "oauth/smart.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* private_key_jwt needs keys to check assertions with: inline, or at a URL. */
static bool keys_for_method(const char *method, json_t *jwks, const char *jwks_uri)
{
	return !method || strcmp(method, "private_key_jwt") || jwks || jwks_uri;
}

#define MAX_URIS 32

static bool lifetime_valid(const char *v)
{
	size_t n = strspn(v, "0123456789");
	return n > 0 && strchr("smhdwy", v[n]) && v[n] && !v[n + 1] && config_parse_duration(v) > 0;
}

static bool scope_word_ok(const char *s)
{
	return valid_scope(s) && !strchr(s, ' ') && smart_scope_wellformed(s);
}

static bool logo_ok(json_t *logo)
{
	const char *url = json_string_value(json_object_get(logo, "url"));
	return json_is_object(logo) && url && strlen(url) <= 65536 &&
	       (!strncmp(url, "https://", 8) || !strncmp(url, "data:image/", 11)) && valid_text(url);
}

/* signInForm {welcomeString?, logo?: Attachment with an https: or data:image/ url}. */
static bool sign_in_form(json_t *body, json_t **out)
{
	json_t *f = json_object_get(body, "signInForm");
	*out = NULL;
	if (!f || json_is_null(f))
		return true;
	const char *welcome;
	json_t *logo = json_object_get(f, "logo");
	if (!json_is_object(f) || !shape_string(f, "welcomeString", 512, &welcome) || (logo && !logo_ok(logo)))
		return false;
	*out = json_object();
	if (welcome)
		json_object_set_new(*out, "welcomeString", json_string(welcome));
	if (logo) {
		json_t *l = json_object();
		const char *keys[] = { "url", "contentType", "title" };
		for (size_t i = 0; i < 3; i++) {
			const char *v = json_string_value(json_object_get(logo, keys[i]));
			if (v && valid_text(v))
				json_object_set_new(l, keys[i], json_string(v));
		}
		json_object_set_new(*out, "logo", l);
	}
	return true;
}

static int client_check(json_t *body, json_t *stored, const char *project, json_t **out, struct refusal *err)
{
	(void)stored;
	(void)project;
	const char *name, *description, *status, *launch, *jwks, *single, *access, *refresh, *method;
	json_t *uris, *origins, *scopes, *idp = NULL, *form = NULL;
	int pkce = 0;
	if (!shape_string(body, "name", 255, &name) || !name)
		return refuse(err, 400, "Client name is required", "name");
	if (!shape_string(body, "description", 4096, &description))
		return refuse(err, 400, "Invalid description", "description");
	if (!shape_string(body, "status", 16, &status) ||
	    (status && strcmp(status, "active") && strcmp(status, "off") && strcmp(status, "error")))
		return refuse(err, 400, "Invalid status", "status");
	if (!shape_strings(body, "redirectUris", MAX_URIS, 2048, valid_uri, &uris) || !shape_uri(body, "redirectUri", &single))
		return refuse(err, 400, "Invalid redirectUris", "redirectUris");
	if (!shape_uri(body, "launchUri", &launch))
		return refuse(err, 400, "Invalid launchUri", "launchUri");
	if (!shape_uri(body, "jwksUri", &jwks))
		return refuse(err, 400, "Invalid jwksUri", "jwksUri");
	json_t *keyset = json_object_get(body, "jwks");
	if (json_is_null(keyset))
		keyset = NULL;
	const char *unfit = keyset ? clients_jwks_problem(keyset) : NULL;
	if (unfit)
		return refuse(err, 400, unfit, "jwks");
	if (!shape_bool(body, "pkceOptional", &pkce))
		return refuse(err, 400, "Invalid pkceOptional", "pkceOptional");
	if (!shape_string(body, "accessTokenLifetime", 16, &access) || (access && !lifetime_valid(access)))
		return refuse(err, 400, "Invalid accessTokenLifetime", "accessTokenLifetime");
	if (!shape_string(body, "refreshTokenLifetime", 16, &refresh) || (refresh && !lifetime_valid(refresh)))
		return refuse(err, 400, "Invalid refreshTokenLifetime", "refreshTokenLifetime");
	if (!shape_strings(body, "allowedOrigin", MAX_URIS, 2048, valid_uri, &origins))
		return refuse(err, 400, "Invalid allowedOrigin", "allowedOrigin");
	if (!shape_strings(body, "defaultScope", 64, 1024, scope_word_ok, &scopes))
		return refuse(err, 400, "Invalid defaultScope", "defaultScope");
	if (!shape_string(body, "tokenEndpointAuthMethod", 32, &method) || (method && !clients_auth_method_valid(method)))
		return refuse(err, 400, "Invalid tokenEndpointAuthMethod", "tokenEndpointAuthMethod");
	if (!keys_for_method(method, keyset, jwks))
		return refuse(err, 400, "private_key_jwt needs jwks or jwksUri", "tokenEndpointAuthMethod");
	if (!shape_identity_provider(body, "identityProvider", &idp))
		return refuse(err, 400, "Invalid identityProvider", "identityProvider");
	if (!sign_in_form(body, &form)) {
		json_decref(idp);
		return refuse(err, 400, "Invalid signInForm", "signInForm");
	}
	json_t *c = json_pack("{s:s, s:s, s:s, s:b, s:s}", "resourceType", "ClientApplication", "name", name, "status",
			      status ? status : "active", "pkceOptional", pkce, "tokenEndpointAuthMethod",
			      method ? method : "none");
	json_t *all = json_array();
	size_t i;
	json_t *v;
	json_array_foreach(uris, i, v) json_array_append(all, v);
	if (single)
		json_array_append_new(all, json_string(single));
	if (json_array_size(all))
		json_object_set(c, "redirectUris", all);
	json_decref(all);
	const char *texts[][2] = { { "description", description }, { "launchUri", launch }, { "jwksUri", jwks },
				   { "accessTokenLifetime", access }, { "refreshTokenLifetime", refresh } };
	for (i = 0; i < 5; i++)
		if (texts[i][1])
			json_object_set_new(c, texts[i][0], json_string(texts[i][1]));
	if (json_array_size(origins))
		json_object_set(c, "allowedOrigin", origins);
	if (json_array_size(scopes)) {
		size_t total = 0;
		json_array_foreach(scopes, i, v) total += strlen(json_string_value(v)) + 1;
		if (total > 1024) {
			json_decref(c);
			json_decref(idp);
			json_decref(form);
			return refuse(err, 400, "Invalid defaultScope", "defaultScope");
		}
		json_object_set(c, "defaultScope", scopes);
	}
	if (idp)
		json_object_set_new(c, "identityProvider", idp);
	if (keyset)
		json_object_set(c, "jwks", keyset);
	if (form)
		json_object_set_new(c, "signInForm", form);
	*out = c;
	return 0;
}

#define CLIENT_RESOURCE_COLUMNS \
	"SELECT id, project_id, name, description, status, redirect_uris, launch_uri, pkce_optional, jwks_uri, " \
	"identity_provider, access_token_lifetime, refresh_token_lifetime, allowed_origins, default_scope, " \
	"sign_in_form, token_endpoint_auth_method, jwks, " FHIR_VERSION_SQL("updated_at") ", " FHIR_INSTANT_SQL("updated_at") \
	" FROM client_application "

static void set_json_text(json_t *o, const char *key, const char *text)
{
	json_t *v = text ? json_loads(text, 0, NULL) : NULL;
	if (v)
		json_object_set_new(o, key, v);
}

/* Never a secret: not the client's (only its keyed hash is stored), not its identity
 * provider's clientSecret. */
static json_t *client_row(const struct db_result *r, unsigned i)
{
	json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}", "resourceType", "ClientApplication", "id",
			      db_cell(r, i, 0), "name", db_cell(r, i, 2), "status", db_cell(r, i, 4), "pkceOptional",
			      text_true(db_cell(r, i, 7)), "tokenEndpointAuthMethod", db_cell(r, i, 15));
	const char *texts[][2] = { { "description", db_cell(r, i, 3) }, { "launchUri", db_cell(r, i, 6) },
				   { "jwksUri", db_cell(r, i, 8) }, { "accessTokenLifetime", db_cell(r, i, 10) },
				   { "refreshTokenLifetime", db_cell(r, i, 11) } };
	for (size_t k = 0; k < 5; k++)
		if (texts[k][1])
			json_object_set_new(c, texts[k][0], json_string(texts[k][1]));
	set_json_text(c, "redirectUris", db_cell(r, i, 5));
	set_json_text(c, "identityProvider", db_cell(r, i, 9));
	idp_strip(json_object_get(c, "identityProvider"));
	set_json_text(c, "allowedOrigin", db_cell(r, i, 12));
	if (db_cell(r, i, 13) && *db_cell(r, i, 13)) {
		json_t *scopes = json_array();
		char buf[1025];
		text_copy(buf, sizeof buf, db_cell(r, i, 13));
		char *save = NULL;
		for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
			json_array_append_new(scopes, json_string(w));
		json_object_set_new(c, "defaultScope", scopes);
	}
	set_json_text(c, "signInForm", db_cell(r, i, 14));
	set_json_text(c, "jwks", db_cell(r, i, 16));
	fhir_set_meta(c, db_cell(r, i, 1), db_cell(r, i, 17), db_cell(r, i, 18));
	return c;
}

static int client_get_resource(const char *id, json_t **out)
{
	return store_get_row(CLIENT_RESOURCE_COLUMNS "WHERE id = ?", id, client_row, out);
}

#define CLIENT_WHERE STORE_WHERE("project_id = ?", "name LIKE ?", "? IS NULL", "? IS NULL")

static int client_find_resources(const struct store_query *q, json_t **rows, long long *total)
{
	return store_find_rows(q, 2,
			       q->oldest_first ? CLIENT_RESOURCE_COLUMNS CLIENT_WHERE STORE_OLDEST
					       : CLIENT_RESOURCE_COLUMNS CLIENT_WHERE STORE_NEWEST,
			       "SELECT COUNT(*) FROM client_application " CLIENT_WHERE, client_row, rows, total);
}

/* The column values of a checked client: JSON texts (freed by the caller) and strings. */
struct client_cols {
	char *uris, *idp, *origins, *form, *jwks;
	char scope[1025];
};

static void cols_free(struct client_cols *k)
{
	free(k->uris);
	free(k->idp);
	free(k->origins);
	free(k->form);
	free(k->jwks);
}

static char *dump_member(json_t *c, const char *key)
{
	json_t *v = json_object_get(c, key);
	return v ? json_dumps(v, JSON_COMPACT) : NULL;
}

static void cols_of(json_t *c, struct client_cols *k)
{
	memset(k, 0, sizeof *k);
	k->uris = dump_member(c, "redirectUris");
	k->idp = dump_member(c, "identityProvider");
	k->origins = dump_member(c, "allowedOrigin");
	k->form = dump_member(c, "signInForm");
	k->jwks = dump_member(c, "jwks");
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(c, "defaultScope"), i, v) {
		size_t len = strlen(k->scope);
		snprintf(k->scope + len, sizeof k->scope - len, "%s%s", len ? " " : "", json_string_value(v));
	}
}

static const char *str_of(json_t *c, const char *key)
{
	return json_string_value(json_object_get(c, key));
}

#define CLIENT_SET \
	"name = ?, description = ?, status = ?, redirect_uris = ?, launch_uri = ?, pkce_optional = ?, jwks_uri = ?, " \
	"identity_provider = ?, access_token_lifetime = ?, refresh_token_lifetime = ?, allowed_origins = ?, " \
	"default_scope = ?, sign_in_form = ?, token_endpoint_auth_method = ?, jwks = ?, "

static int client_write(const char *sql, json_t *c, const struct client_cols *k, const char *id, const char *version,
			unsigned long long *n)
{
	return db_exec(n, sql, "sssssisssssssssss", str_of(c, "name"), str_of(c, "description"), str_of(c, "status"),
		       k->uris, str_of(c, "launchUri"), (long long)json_is_true(json_object_get(c, "pkceOptional")),
		       str_of(c, "jwksUri"), k->idp, str_of(c, "accessTokenLifetime"), str_of(c, "refreshTokenLifetime"),
		       k->origins, k->scope[0] ? k->scope : NULL, k->form, str_of(c, "tokenEndpointAuthMethod"), k->jwks, id,
		       version);
}

struct client_insert {
	const char *project;
	json_t *c;
	struct client_cols *k;
	char *id, *secret;
};

static int client_insert_steps(void *p)
{
	struct client_insert *a = p;
	int rc = clients_insert(a->project, str_of(a->c, "name"), str_of(a->c, "description"), a->id, a->secret);
	if (rc == 0)
		rc = client_write("UPDATE client_application SET " CLIENT_SET "updated_at = UTC_TIMESTAMP(3) WHERE id = ? "
				  "AND ? IS NULL",
				  a->c, a->k, a->id, NULL, NULL);
	return rc;
}

/* The client, its membership and its secret in one transaction; the secret is shown once. */
static int client_insert_resource(const char *project, json_t *c, char id[37], json_t **once, struct refusal *err)
{
	(void)err;
	char secret[65];
	struct client_cols k;
	if (idp_seal(json_object_get(c, "identityProvider")) < 0)
		return -1;
	cols_of(c, &k);
	/* Run again after a lost deadlock or certification conflict, with a new id and secret:
	 * the secret shown is the committed attempt's. */
	struct client_insert ins = { project, c, &k, id, secret };
	int rc = audit_transaction(client_insert_steps, &ins);
	cols_free(&k);
	if (rc != 0) {
		memset(secret, 0, sizeof secret);
		return -1;
	}
	*once = json_pack("{s:s}", "secret", secret);
	memset(secret, 0, sizeof secret);
	return 0;
}

static int client_update_resource(const char *id, const char *version, json_t *c, struct refusal *err)
{
	/* An identity provider sent without its clientSecret (never handed out) keeps the stored one
	 * while tokenUrl keeps its origin (§12.2). */
	json_t *idp = json_object_get(c, "identityProvider");
	int kept = clients_keep_idp_secret(id, version, idp, err);
	if (kept != 0)
		return kept;
	struct client_cols k;
	if (idp_seal(idp) < 0)
		return -1;
	cols_of(c, &k);
	unsigned long long n = 0;
	int rc = client_write("UPDATE client_application SET " CLIENT_SET "updated_at = " FHIR_NEXT_UPDATE_SQL("updated_at")
			      " WHERE id = ? AND " FHIR_VERSION_IS_SQL("updated_at"),
			      c, &k, id, version, &n);
	cols_free(&k);
	return rc < 0 ? -1 : n == 1 ? 0 : 2;
}

struct client_remove {
	const char *id, *version;
	unsigned long long n;
};

static int client_remove_steps(void *p)
{
	struct client_remove *r = p;
	r->n = 0;
	int rc = db_exec(&r->n, "DELETE FROM client_application WHERE id = ? AND (? IS NULL OR " FHIR_VERSION_IS_SQL("updated_at") ")",
			 "sss", r->id, r->version, r->version);
	if (rc == 0 && r->n == 1)
		rc = login_revoke_client(r->id);
	if (rc == 0 && r->n == 1)
		rc = members_delete_of_client(r->id);
	return rc;
}

/* The client (of that version, or any when version is NULL), its membership, and its sessions
 * (revoked) in one transaction, run again after a lost deadlock or certification conflict. */
static int client_remove_resource(const char *id, const char *version, struct refusal *err)
{
	(void)err;
	struct client_remove r = { id, version, 0 };
	if (audit_transaction(client_remove_steps, &r) != 0)
		return -1;
	return r.n == 1 ? 0 : 2;
}

/* A registered client's own DELETE (RFC 7592): any version. */
int clients_delete(const char *id)
{
	return client_remove_resource(id, NULL, NULL);
}

int clients_import(const char *project_id, const char *id, const char *membership_id, json_t *c, const char *secret)
{
	char fresh[65], membership[37];
	uint8_t h[32];
	snprintf(membership, sizeof membership, "%s", membership_id ? membership_id : "");
	if ((!secret && crypto_random_hex(fresh, 32) < 0) || crypto_keyed_hash(secret ? secret : fresh, h) < 0 ||
	    store_new_id(membership) < 0)
		return -1;
	OPENSSL_cleanse(fresh, sizeof fresh);
	struct client_cols k;
	cols_of(c, &k);
	int rc = db_exec(NULL,
			 "INSERT INTO client_application (id, project_id, name, description, secret_hash) VALUES (?, ?, ?, ?, ?)",
			 "ssssb", id, project_id, str_of(c, "name"), str_of(c, "description"), h, sizeof h);
	if (rc == 0)
		rc = members_insert_for_client(membership, project_id, id);
	if (rc == 0)
		rc = client_write("UPDATE client_application SET " CLIENT_SET "updated_at = UTC_TIMESTAMP(3) WHERE id = ? "
				  "AND ? IS NULL",
				  c, &k, id, NULL, NULL);
	cols_free(&k);
	return rc < 0 ? -1 : 0;
}

const struct resource_store clients_store = {
	.type = "ClientApplication",
	.get = client_get_resource,
	.find = client_find_resources,
	.find_by = STORE_BY_NAME,
	.check = client_check,
	.insert = client_insert_resource,
	.update = client_update_resource,
	.remove = client_remove_resource,
};

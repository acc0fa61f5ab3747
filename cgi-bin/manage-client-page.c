/* SPDX-License-Identifier: BSD-2-Clause */
/* manage-client-page: /manage/projects/:projectId/clients/:clientId, one client for the project's
 * admins (PROTOCOL.md §9.3): every field the resource API lets an admin set (name, description,
 * status, redirect URIs, PKCE, allowed origins, default scope, JWKS URI, the inline JWK Set, the
 * token endpoint's authentication, token lifetimes, the identity provider) over the stored
 * resource, so members the form does not show (signInForm, launchUri) stay; checked and written by the owner
 * (clients_store.check, .update) with the version the form was made from (a client changed
 * meanwhile is not overwritten). An identity provider's client secret is never shown: left
 * empty, the stored one stays. "End the previous secret now" stops the retiring secret of a
 * rotation (a leaked secret) and every token issued before. */
#include "manage-pages.h"
#include "core/text.h"
#include "domain/audit.h"
#include "domain/clients.h"
#include "http/page.h"
#include "oauth/jwks.h"
#include "http/request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int manage_resource_of(struct request *req, struct admin_page *p, const struct resource_store *store, const char *missing,
		       json_t **r)
{
	int rc = manage_require_admin(req, p);
	if (rc != 0)
		return rc;
	rc = store->get(req->path_params[1], r);
	if (rc < 0)
		return -1;
	const char *project = rc == 0 ? json_string_value(json_object_get(json_object_get(*r, "meta"), "project")) : NULL;
	if (rc == 1 || !project || strcmp(project, p->project)) {
		if (rc == 0)
			json_decref(*r);
		return page_answered(page_message(req, 404, "Not found", missing));
	}
	return 0;
}

/* The admin rule, then the client of the path in this project: 0 (*c, the resource), 1
 * answered (403, 404), -1. */
static int client_page(struct request *req, struct admin_page *p, json_t **c)
{
	return manage_resource_of(req, p, &clients_store, "This project has no such client.", c);
}

/* A JSON array of strings as lines, and back. */
static char *lines_of(json_t *list)
{
	size_t cap = 1, i;
	json_t *v;
	json_array_foreach(list, i, v) cap += strlen(json_string_value(v) ? json_string_value(v) : "") + 1;
	char *out = calloc(1, cap);
	json_array_foreach(list, i, v) if (out && json_string_value(v)) {
		strcat(out, json_string_value(v));
		strcat(out, "\n");
	}
	return out;
}

static json_t *list_of(const char *text, const char *separators)
{
	json_t *list = json_array();
	char *copy = strdup(text ? text : ""), *save = NULL;
	for (char *w = copy ? strtok_r(copy, separators, &save) : NULL; w; w = strtok_r(NULL, separators, &save))
		json_array_append_new(list, json_string(w));
	free(copy);
	return list;
}

void manage_set_text(json_t *ctx, const char *key, json_t *c, const char *member)
{
	const char *v = json_string_value(json_object_get(c, member));
	json_object_set_new(ctx, key, json_string(v ? v : ""));
}

static void set_lines(json_t *ctx, const char *key, json_t *list)
{
	char *text = lines_of(list);
	json_object_set_new(ctx, key, json_string(text ? text : ""));
	free(text);
}

/* The inline JWK Set as the form shows it: indented JSON, "" when none. */
static void set_keys(json_t *ctx, json_t *jwks)
{
	char *text = jwks ? json_dumps(jwks, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_object_set_new(ctx, "jwks", json_string(text ? text : ""));
	free(text);
}

/* The form filled from a resource (stored, or as posted). */
static void fill_form(json_t *ctx, json_t *c)
{
	static const char *const texts[] = { "name", "description", "jwksUri", "accessTokenLifetime", "refreshTokenLifetime",
					     NULL };
	for (int i = 0; texts[i]; i++)
		manage_set_text(ctx, texts[i], c, texts[i]);
	set_lines(ctx, "redirectUris", json_object_get(c, "redirectUris"));
	set_lines(ctx, "allowedOrigin", json_object_get(c, "allowedOrigin"));
	char *scope = lines_of(json_object_get(c, "defaultScope"));
	for (char *s = scope; s && *s; s++)
		if (*s == '\n')
			*s = ' ';
	json_object_set_new(ctx, "defaultScope", json_string(scope ? scope : ""));
	free(scope);
	json_object_set_new(ctx, "pkce_checked", json_boolean(json_is_true(json_object_get(c, "pkceOptional"))));
	const char *status = json_string_value(json_object_get(c, "status"));
	json_object_set_new(ctx, "off_selected", json_boolean(status && !strcmp(status, "off")));
	const char *method = json_string_value(json_object_get(c, "tokenEndpointAuthMethod"));
	static const char *const methods[] = { "none", "client_secret_basic", "client_secret_post", "private_key_jwt", NULL };
	json_t *choices = json_array();
	for (int i = 0; methods[i]; i++)
		json_array_append_new(choices, json_pack("{s:s, s:b}", "name", methods[i], "selected",
							 method ? !strcmp(method, methods[i]) : i == 0));
	json_object_set_new(ctx, "methods", choices);
	set_keys(ctx, json_object_get(c, "jwks"));
	manage_fill_idp(ctx, json_object_get(c, "identityProvider"));
}

void manage_fill_idp(json_t *ctx, json_t *idp)
{
	static const char *const idp_texts[] = { "authorizeUrl", "tokenUrl", "userInfoUrl", "issuer", "clientId", NULL };
	for (int i = 0; idp_texts[i]; i++)
		manage_set_text(ctx, idp_texts[i], idp, idp_texts[i]);
	json_object_set_new(ctx, "idpJwksUri", json_string(json_string_value(json_object_get(idp, "jwksUri")) ?
								   json_string_value(json_object_get(idp, "jwksUri")) : ""));
	json_object_set_new(ctx, "usePkce_checked", json_boolean(json_is_true(json_object_get(idp, "usePkce"))));
	json_object_set_new(ctx, "useSubject_checked", json_boolean(json_is_true(json_object_get(idp, "useSubject"))));
}

static json_t *client_context(struct request *req, const struct admin_page *p, json_t *stored)
{
	json_t *ctx = manage_project_context(req, p, "Client", "clients");
	if (!ctx)
		return NULL;
	json_t *meta = json_object_get(stored, "meta");
	json_object_set_new(ctx, "client_id", json_string(json_string_value(json_object_get(stored, "id"))));
	json_object_set_new(ctx, "version", json_string(json_string_value(json_object_get(meta, "versionId"))));
	json_object_set_new(ctx, "client_name", json_string(json_string_value(json_object_get(stored, "name"))));
	return ctx;
}

static const struct manage_notice notices[] = {
	{ "saved", "The client was saved." },
	{ "revoked", "The previous secret no longer works, and every token issued before has ended." },
	{ NULL, NULL },
};

int manage_client_get(struct request *req)
{
	struct admin_page p;
	json_t *c = NULL;
	int rc = client_page(req, &p, &c);
	if (rc != 0)
		return rc;
	json_t *ctx = client_context(req, &p, c);
	if (ctx)
		fill_form(ctx, c);
	json_decref(c);
	if (!ctx)
		return -1;
	manage_notice(ctx, req, notices);
	return manage_send(req, 200, "manage-client", ctx);
}

void manage_put_text(json_t *o, const char *key, const char *v)
{
	if (v && *v)
		json_object_set_new(o, key, json_string(v));
	else
		json_object_del(o, key);
}

bool manage_ticked(const struct request *req, const char *name)
{
	const char *v = req_body_param(req, name);
	return v && !strcmp(v, "true");
}

json_t *manage_posted_idp(const struct request *req)
{
	static const char *const keys[] = { "authorizeUrl", "tokenUrl", "userInfoUrl", "issuer", "clientId", "clientSecret", NULL };
	json_t *idp = json_object();
	for (int i = 0; keys[i]; i++)
		manage_put_text(idp, keys[i], req_body_param(req, keys[i]));
	manage_put_text(idp, "jwksUri", req_body_param(req, "idpJwksUri"));
	if (!json_object_get(idp, "authorizeUrl") && !json_object_get(idp, "tokenUrl")) {
		json_decref(idp);
		return NULL;
	}
	json_object_set_new(idp, "usePkce", json_boolean(manage_ticked(req, "usePkce")));
	json_object_set_new(idp, "useSubject", json_boolean(manage_ticked(req, "useSubject")));
	return idp;
}

/* The stored resource with the form's fields over it. */
static json_t *posted_client(const struct request *req, json_t *stored)
{
	json_t *c = json_deep_copy(stored);
	json_object_del(c, "id");
	json_object_del(c, "meta");
	json_object_del(c, "redirectUri");
	static const char *const texts[] = { "name", "description", "jwksUri", "accessTokenLifetime", "refreshTokenLifetime",
					     "tokenEndpointAuthMethod", NULL };
	for (int i = 0; texts[i]; i++)
		manage_put_text(c, texts[i], req_body_param(req, texts[i]));
	const char *status = req_body_param(req, "status");
	json_object_set_new(c, "status", json_string(status && !strcmp(status, "off") ? "off" : "active"));
	json_object_set_new(c, "pkceOptional", json_boolean(manage_ticked(req, "pkceOptional")));
	json_object_set_new(c, "redirectUris", list_of(req_body_param(req, "redirectUris"), "\r\n"));
	json_object_set_new(c, "allowedOrigin", list_of(req_body_param(req, "allowedOrigin"), "\r\n"));
	json_object_set_new(c, "defaultScope", list_of(req_body_param(req, "defaultScope"), " \t\r\n"));
	json_t *idp = manage_posted_idp(req);
	if (idp)
		json_object_set_new(c, "identityProvider", idp);
	else
		json_object_del(c, "identityProvider");
	return c;
}

/* The posted JWK Set over c: emptied removes it, a form without the field keeps the stored
 * one; its keys are the owner's to judge (clients_jwks_problem). 0, or 1 with err when the text
 * is not JSON. */
static int posted_keys(const struct request *req, json_t *c, struct refusal *err)
{
	const char *text = req_body_param(req, "jwks");
	if (!text)
		return 0;
	if (!text[strspn(text, " \t\r\n")]) {
		json_object_del(c, "jwks");
		return 0;
	}
	json_error_t jerr;
	json_t *jwks = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (!jwks) {
		char why[300];
		snprintf(why, sizeof why, "The JWK Set is not valid JSON (line %d, column %d: %s)", jerr.line, jerr.column, jerr.text);
		return refuse_copy(err, 400, why, "jwks");
	}
	json_object_set_new(c, "jwks", jwks);
	return 0;
}

int manage_resource_update(const struct admin_page *p, const struct resource_store *store, const char *id, json_t *body,
			   json_t *stored, const char *version, const char *event, struct refusal *err)
{
	json_t *checked = NULL;
	int rc = store->check(body, stored, p->project, &checked, err);
	if (rc == 0 && (!version || strlen(version) > 40))
		rc = refuse(err, 409, "It was changed meanwhile: open it again", NULL);
	if (rc == 0) {
		manage_page_audit(p, event, store->type, id);
		rc = store->update(id, version, checked, err);
		if (rc == 2)
			rc = refuse(err, 409, "It was changed meanwhile: open it again", NULL);
	}
	json_decref(checked);
	return rc;
}

void manage_refusal(json_t *ctx, const struct refusal *err)
{
	page_field_error(ctx, err->expression ? err->expression : "form", err->text);
	page_field_error(ctx, "form", err->text);
}

int manage_client_post(struct request *req)
{
	struct admin_page p;
	json_t *stored = NULL;
	int rc = client_page(req, &p, &stored);
	if (rc != 0)
		return rc;
	json_t *body = posted_client(req, stored);
	struct refusal err = { 0 };
	rc = posted_keys(req, body, &err);
	if (rc == 0)
		rc = manage_resource_update(&p, &clients_store, req->path_params[1], body, stored,
					    req_body_param(req, "version"), AUDIT_CLIENT_UPDATED, &err);
	if (rc == 1) {
		json_t *ctx = client_context(req, &p, stored);
		if (ctx) {
			fill_form(ctx, body);
			/* As typed, even when it is not JSON; but a private key is not sent back. */
			bool secret = err.text && !strcmp(err.text, JWKS_UNFIT_PRIVATE);
			if (req_body_param(req, "jwks"))
				json_object_set_new(ctx, "jwks", json_string(secret ? "" : req_body_param(req, "jwks")));
			manage_refusal(ctx, &err);
		}
		json_decref(body);
		json_decref(stored);
		return ctx ? manage_send(req, err.status == 409 ? 409 : 400, "manage-client", ctx) : -1;
	}
	json_decref(body);
	json_decref(stored);
	if (rc < 0)
		return -1;
	char rest[120];
	snprintf(rest, sizeof rest, "clients/%s?done=saved", req->path_params[1]);
	return manage_see_other(req, &p, rest);
}

int manage_client_revoke_post(struct request *req)
{
	struct admin_page p;
	json_t *c = NULL;
	int rc = client_page(req, &p, &c);
	if (rc != 0)
		return rc;
	json_decref(c);
	manage_page_audit(&p, AUDIT_CLIENT_ROTATED, "ClientApplication", req->path_params[1]);
	if (clients_end_retiring(p.project, req->path_params[1]) < 0)
		return -1;
	char rest[120];
	snprintf(rest, sizeof rest, "clients/%s?done=revoked", req->path_params[1]);
	return manage_see_other(req, &p, rest);
}

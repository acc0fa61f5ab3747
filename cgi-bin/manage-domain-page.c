/* SPDX-License-Identifier: BSD-2-Clause */
/* manage-domain-page: /manage/super/domains, the email domains and their identity providers
 * (DomainConfiguration, a global resource: super admins only, PROTOCOL.md §9.3): the list, a new
 * domain (its provider's two addresses), a domain's identity provider (the client page's fields, manage_fill_idp and
 * manage_posted_idp), checked and written by the owner with the resource API's check
 * (domains_store.check, .insert, .update with the form's version, lib/domain/domains.c), and
 * deleting it. The upstream client secret is never shown: an empty field keeps the stored one,
 * which the owner keeps sealed (idp_seal). */
#include "manage-pages.h"
#include "domain/audit.h"
#include "domain/domains.h"
#include "http/page.h"
#include "http/request.h"

#include <stdio.h>
#include <string.h>

#define DOMAIN_MISSING "There is no such email domain."

static const struct manage_notice notices[] = {
	{ "saved", "The email domain was saved." },
	{ "deleted", "The email domain was deleted." },
	{ NULL, NULL },
};

/* Events of the global resource go to the super admin's own project. */
static void domain_audit(struct admin_page *p, const char *event, const char *id)
{
	snprintf(p->project, sizeof p->project, "%s", p->login->project_id);
	manage_page_audit(p, event, "DomainConfiguration", id);
}

/* The form's resource: the domain and its identity provider. */
static json_t *posted_domain(const struct request *req)
{
	json_t *d = json_object(), *idp = manage_posted_idp(req);
	manage_put_text(d, "domain", req_body_param(req, "domain"));
	if (idp)
		json_object_set_new(d, "identityProvider", idp);
	return d;
}

static int show_domains(struct request *req, int status, json_t *ctx)
{
	json_t *list = NULL;
	struct store_query q = { .limit = 200, .oldest_first = true };
	if (domains_store.find(&q, &list, NULL) < 0) {
		json_decref(ctx);
		return -1;
	}
	json_object_set_new(ctx, "domains", list);
	json_object_set_new(ctx, "any", json_boolean(json_array_size(list) > 0));
	manage_notice(ctx, req, notices);
	return manage_send(req, status, "manage-domains", ctx);
}

int manage_domains_get(struct request *req)
{
	struct admin_page p;
	int rc = manage_require_super(req, &p);
	if (rc != 0)
		return rc;
	json_t *ctx = manage_super_context(req, "Email domains", "domains");
	if (ctx)
		manage_fill_idp(ctx, NULL);
	return ctx ? show_domains(req, 200, ctx) : -1;
}

int manage_domains_post(struct request *req)
{
	struct admin_page p;
	int rc = manage_require_super(req, &p);
	if (rc != 0)
		return rc;
	json_t *body = posted_domain(req), *checked = NULL;
	struct refusal err = { 0 };
	char id[37] = "";
	rc = domains_store.check(body, NULL, NULL, &checked, &err);
	if (rc == 0) {
		domain_audit(&p, AUDIT_RESOURCE_CREATED, NULL);
		rc = domains_store.insert(NULL, checked, id, NULL, &err);
	}
	json_decref(checked);
	json_t *ctx = rc == 1 ? manage_super_context(req, "Email domains", "domains") : NULL;
	if (ctx) {
		manage_set_text(ctx, "domain", body, "domain");
		manage_fill_idp(ctx, json_object_get(body, "identityProvider"));
		manage_refusal(ctx, &err);
	}
	json_decref(body);
	if (rc == 1)
		return ctx ? show_domains(req, err.status == 409 ? 409 : 400, ctx) : -1;
	if (rc < 0)
		return -1;
	char path[120];
	snprintf(path, sizeof path, "manage/super/domains/%s?done=saved", id);
	page_see_other(req, path);
	return 0;
}

/* The super admin rule, then the domain of the path: 0 (*d), 1 answered, -1. */
static int domain_page(struct request *req, struct admin_page *p, json_t **d)
{
	int rc = manage_require_super(req, p);
	if (rc != 0)
		return rc;
	rc = domains_store.get(req->path_params[0], d);
	if (rc == 1)
		return page_answered(page_message(req, 404, "Not found", DOMAIN_MISSING));
	return rc;
}

static json_t *domain_context(struct request *req, const char *title, json_t *stored)
{
	json_t *ctx = manage_super_context(req, title, "domains");
	if (!ctx)
		return NULL;
	json_object_set_new(ctx, "domain_id", json_string(json_string_value(json_object_get(stored, "id"))));
	json_object_set_new(ctx, "version",
			    json_string(json_string_value(json_object_get(json_object_get(stored, "meta"), "versionId"))));
	json_object_set_new(ctx, "domain_name", json_string(json_string_value(json_object_get(stored, "domain"))));
	return ctx;
}

int manage_domain_get(struct request *req)
{
	struct admin_page p;
	json_t *d = NULL;
	int rc = domain_page(req, &p, &d);
	if (rc != 0)
		return rc;
	json_t *ctx = domain_context(req, "Email domain", d);
	if (ctx) {
		manage_set_text(ctx, "domain", d, "domain");
		manage_fill_idp(ctx, json_object_get(d, "identityProvider"));
		manage_notice(ctx, req, notices);
	}
	json_decref(d);
	return ctx ? manage_send(req, 200, "manage-domain", ctx) : -1;
}

int manage_domain_post(struct request *req)
{
	struct admin_page p;
	json_t *stored = NULL;
	int rc = domain_page(req, &p, &stored);
	if (rc != 0)
		return rc;
	json_t *body = posted_domain(req);
	struct refusal err = { 0 };
	snprintf(p.project, sizeof p.project, "%s", p.login->project_id);
	rc = manage_resource_update(&p, &domains_store, req->path_params[0], body, stored, req_body_param(req, "version"),
				    AUDIT_RESOURCE_UPDATED, &err);
	json_t *ctx = rc == 1 ? domain_context(req, "Email domain", stored) : NULL;
	if (ctx) {
		manage_set_text(ctx, "domain", body, "domain");
		manage_fill_idp(ctx, json_object_get(body, "identityProvider"));
		manage_refusal(ctx, &err);
	}
	json_decref(body);
	json_decref(stored);
	if (rc == 1)
		return ctx ? manage_send(req, err.status == 409 ? 409 : 400, "manage-domain", ctx) : -1;
	if (rc < 0)
		return -1;
	char path[120];
	snprintf(path, sizeof path, "manage/super/domains/%s?done=saved", req->path_params[0]);
	page_see_other(req, path);
	return 0;
}

/* The confirmation: deleting is not undone by going back, and a stray click must not do it. It
 * says what the domain's people lose: the round trip through its identity provider. */
int manage_domain_delete_get(struct request *req)
{
	struct admin_page p;
	json_t *d = NULL;
	int rc = domain_page(req, &p, &d);
	if (rc != 0)
		return rc;
	json_t *ctx = domain_context(req, "Delete an email domain", d);
	if (ctx)
		manage_set_text(ctx, "authorize_url", json_object_get(d, "identityProvider"), "authorizeUrl");
	json_decref(d);
	return ctx ? manage_send(req, 200, "manage-domain-delete", ctx) : -1;
}

int manage_domain_delete_post(struct request *req)
{
	struct admin_page p;
	json_t *stored = NULL;
	int rc = domain_page(req, &p, &stored);
	if (rc != 0)
		return rc;
	json_decref(stored);
	if (!manage_delete_confirmed(req))
		return page_message(req, 400, "Not deleted", MANAGE_DELETE_UNCONFIRMED);
	const char *version = req_body_param(req, "version");
	struct refusal err = { 0 };
	domain_audit(&p, AUDIT_RESOURCE_DELETED, req->path_params[0]);
	rc = version && strlen(version) <= 40 ? domains_store.remove(req->path_params[0], version, &err) : 2;
	if (rc == 2)
		return page_message(req, 409, "Not deleted", "The email domain was changed meanwhile: open it again.");
	if (rc == 1)
		return page_message(req, err.status, "Not deleted", err.text);
	if (rc < 0)
		return -1;
	page_see_other(req, "manage/super/domains?done=deleted");
	return 0;
}

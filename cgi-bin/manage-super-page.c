/* SPDX-License-Identifier: BSD-2-Clause */
/* manage-super-page: the super admins' pages (PROTOCOL.md §9.3) under /manage/super: every
 * project (each linking to its own pages), the signing keys' rotation status (never key
 * material), the mail outbox (counts, the pending and failed messages without their bodies, and
 * Retry, for one message or all), and the users of every project found by the start of their
 * email. Anyone else gets the 403 page. */
#include "manage-pages.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/db.h"
#include "core/log.h"
#include "domain/people.h"
#include "domain/projects.h"
#include "http/input.h"
#include "http/page.h"
#include "http/request.h"
#include "mail/mail.h"
#include "oauth/keys.h"

#include <stdio.h>
#include <string.h>

json_t *manage_super_context(struct request *req, const char *title, const char *tab)
{
	json_t *ctx = page_form_context(req, title);
	if (!ctx)
		return NULL;
	char base[2200];
	snprintf(base, sizeof base, "%smanage/super", cfg.app_base_url);
	json_object_set_new(ctx, "base", json_string(base));
	json_object_set_new(ctx, "wide", json_true());
	json_object_set_new(ctx, "overview_current", json_boolean(!strcmp(tab, "overview")));
	json_object_set_new(ctx, "users_current", json_boolean(!strcmp(tab, "users")));
	json_object_set_new(ctx, "domains_current", json_boolean(!strcmp(tab, "domains")));
	return ctx;
}

/* Each row of r as an object of the named columns (NULL cells left out). */
static json_t *rows_of(const struct db_result *r, const char *const *names)
{
	json_t *list = json_array();
	for (unsigned i = 0; i < r->nrows; i++) {
		json_t *o = json_object();
		for (unsigned k = 0; names[k]; k++)
			if (db_cell(r, i, k))
				json_object_set_new(o, names[k], json_string(db_cell(r, i, k)));
		json_array_append_new(list, o);
	}
	return list;
}

static int add_rows(json_t *ctx, const char *key, int rc, struct db_result *r, const char *const *names)
{
	if (rc < 0)
		return -1;
	json_object_set_new(ctx, key, rows_of(r, names));
	db_result_free(r);
	return 0;
}

static const struct manage_notice notices[] = {
	{ "retried", "The messages are due now; the mailer sends them within seconds." },
	{ NULL, NULL },
};

int manage_super_get(struct request *req)
{
	struct admin_page p;
	int rc = manage_require_super(req, &p);
	if (rc != 0)
		return rc;
	json_t *ctx = manage_super_context(req, "Super admin", "overview");
	if (!ctx)
		return -1;
	static const char *const project_cols[] = { "id", "name", NULL };
	static const char *const key_cols[] = { "kid", "alg", "active", "version", "updated", "created", "retired", "expires", NULL };
	static const char *const count_cols[] = { "status", "count", "age", NULL };
	static const char *const mail_cols[] = { "id", "created", "status", "template", "recipient", "attempts", "error", "next", NULL };
	const char *part = req_param(req, "project");
	if (part && (strlen(part) > 255 || !valid_chars_between(part, 0, 255)))
		part = NULL;
	json_object_set_new(ctx, "project", json_string(part ? part : ""));
	struct db_result r;
	if (add_rows(ctx, "projects", projects_search(part, &r), &r, project_cols) < 0 ||
	    add_rows(ctx, "keys", keys_status(NULL, 20, 0, false, &r), &r, key_cols) < 0 ||
	    add_rows(ctx, "counts", mail_outbox_counts(&r), &r, count_cols) < 0 ||
	    add_rows(ctx, "messages", mail_outbox_open(&r), &r, mail_cols) < 0) {
		json_decref(ctx);
		return -1;
	}
	json_object_set_new(ctx, "any_messages", json_boolean(json_array_size(json_object_get(ctx, "messages")) > 0));
	manage_notice(ctx, req, notices);
	return page_send(req, 200, "manage-super", ctx, NULL);
}

/* Retry one message (id) or all (NULL). */
static int retry(struct request *req, const char *id)
{
	struct admin_page p;
	int rc = manage_require_super(req, &p);
	if (rc != 0)
		return rc;
	if (id && !crypto_is_uuid(id))
		return page_answered(page_message(req, 404, "Not found", "There is no such message."));
	unsigned long long pending, failed;
	if (mail_outbox_retry(id, &pending, &failed) < 0)
		return -1;
	log_info("outbox retry by a super admin: %llu pending due now, %llu failed pending again", pending, failed);
	page_see_other(req, "manage/super?done=retried");
	return 0;
}

int manage_super_retry_all_post(struct request *req)
{
	return retry(req, NULL);
}

int manage_super_retry_one_post(struct request *req)
{
	return retry(req, req->path_params[0]);
}

int manage_super_users_get(struct request *req)
{
	struct admin_page p;
	int rc = manage_require_super(req, &p);
	if (rc != 0)
		return rc;
	json_t *ctx = manage_super_context(req, "Users", "users");
	if (!ctx)
		return -1;
	const char *q = req_param(req, "email");
	if (q && (strlen(q) > 320 || !valid_chars_between(q, 0, 320))) {
		page_field_error(ctx, "email", "Enter the start of an email address");
		return page_send(req, 400, "manage-users", ctx, NULL);
	}
	static const char *const user_cols[] = { "id", "email", "first", "last", "project", "memberships", NULL };
	struct db_result r;
	if (add_rows(ctx, "users", people_search(q ? q : "", &r), &r, user_cols) < 0) {
		json_decref(ctx);
		return -1;
	}
	json_object_set_new(ctx, "email", json_string(q ? q : ""));
	json_object_set_new(ctx, "any", json_boolean(json_array_size(json_object_get(ctx, "users")) > 0));
	return page_send(req, 200, "manage-users", ctx, NULL);
}

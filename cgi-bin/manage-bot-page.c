/* SPDX-License-Identifier: BSD-2-Clause */
/* manage-bot-page: /manage/projects/:projectId/bots, the project's bots for its admins
 * (PROTOCOL.md §9.3): the list, a new bot (its secret shown once, like a client's), a bot's
 * every field the resource API lets an admin set (name, description, identifiers, runtime
 * version, cron string, timeout, source and executable code attachments), checked and written
 * by the owner (bots_store.check, .update, lib/domain/bots.c) with the version the form was made
 * from, and a new secret (bots_rotate_secret: the earlier one stops working at once). */
#include "manage-pages.h"
#include "domain/audit.h"
#include "domain/bots.h"
#include "http/page.h"
#include "http/request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BOT_MISSING "This project has no such bot."

static const char *const runtimes[] = { "vmcontext", "awslambda", "fission", NULL };
static const char *const attachment_keys[] = { "contentType", "url", "title", NULL };

static void runtime_choices(json_t *ctx, const char *chosen)
{
	json_t *list = json_array();
	for (int i = 0; runtimes[i]; i++)
		json_array_append_new(list, json_pack("{s:s, s:b}", "name", runtimes[i], "selected",
						      chosen && !strcmp(chosen, runtimes[i])));
	json_object_set_new(ctx, "runtimes", list);
}

/* The form filled from a resource (stored, or as posted). */
static void fill_form(json_t *ctx, json_t *b)
{
	static const char *const texts[] = { "name", "description", "cronString", NULL };
	for (int i = 0; texts[i]; i++)
		manage_set_text(ctx, texts[i], b, texts[i]);
	json_t *timeout = json_object_get(b, "timeout");
	char number[32] = "";
	if (json_is_integer(timeout))
		snprintf(number, sizeof number, "%lld", (long long)json_integer_value(timeout));
	else if (json_is_string(timeout))
		snprintf(number, sizeof number, "%.30s", json_string_value(timeout));
	json_object_set_new(ctx, "timeout", json_string(number));
	runtime_choices(ctx, json_string_value(json_object_get(b, "runtimeVersion")));
	/* identifier[] as lines "system|value" (or "value") */
	size_t i, cap = 1;
	json_t *id, *ids = json_object_get(b, "identifier");
	json_array_foreach(ids, i, id) cap += 2 + strlen(json_string_value(json_object_get(id, "system")) ?
								json_string_value(json_object_get(id, "system")) : "") +
			strlen(json_string_value(json_object_get(id, "value")) ? json_string_value(json_object_get(id, "value")) : "");
	char *lines = calloc(1, cap);
	json_array_foreach(ids, i, id) if (lines) {
		const char *system = json_string_value(json_object_get(id, "system"));
		const char *value = json_string_value(json_object_get(id, "value"));
		if (system) {
			strcat(lines, system);
			strcat(lines, "|");
		}
		strcat(lines, value ? value : "");
		strcat(lines, "\n");
	}
	json_object_set_new(ctx, "identifier", json_string(lines ? lines : ""));
	free(lines);
	static const char *const attachments[][2] = { { "sourceCode", "Source code" }, { "executableCode", "Executable code" } };
	json_t *list = json_array();
	for (size_t a = 0; a < 2; a++) {
		json_t *att = json_pack("{s:s, s:s}", "key", attachments[a][0], "legend", attachments[a][1]);
		for (int k = 0; attachment_keys[k]; k++)
			manage_set_text(att, attachment_keys[k], json_object_get(b, attachments[a][0]), attachment_keys[k]);
		json_array_append_new(list, att);
	}
	json_object_set_new(ctx, "attachments", list);
}

/* identifier[] of the form's lines: "system|value" or "value". */
static json_t *posted_identifiers(const char *text)
{
	json_t *list = json_array();
	char *copy = strdup(text ? text : ""), *save = NULL;
	for (char *line = copy ? strtok_r(copy, "\r\n", &save) : NULL; line; line = strtok_r(NULL, "\r\n", &save)) {
		char *bar = strchr(line, '|');
		json_t *id = json_object();
		if (bar) {
			*bar = '\0';
			json_object_set_new(id, "system", json_string(line));
			line = bar + 1;
		}
		json_object_set_new(id, "value", json_string(line));
		json_array_append_new(list, id);
	}
	free(copy);
	return list;
}

/* The resource of the form (the owner's check decides what is valid). */
static json_t *posted_bot(const struct request *req)
{
	json_t *b = json_object();
	static const char *const texts[] = { "name", "description", "cronString", "runtimeVersion", NULL };
	for (int i = 0; texts[i]; i++)
		manage_put_text(b, texts[i], req_body_param(req, texts[i]));
	const char *timeout = req_body_param(req, "timeout");
	if (timeout && *timeout) {
		char *end = NULL;
		long long n = strtoll(timeout, &end, 10);
		json_object_set_new(b, "timeout", end && !*end ? json_integer(n) : json_string(timeout));
	}
	json_t *ids = posted_identifiers(req_body_param(req, "identifier"));
	if (json_array_size(ids))
		json_object_set_new(b, "identifier", ids);
	else
		json_decref(ids);
	static const char *const attachments[] = { "sourceCode", "executableCode", NULL };
	for (int a = 0; attachments[a]; a++) {
		json_t *att = json_object();
		for (int k = 0; attachment_keys[k]; k++) {
			char key[64];
			snprintf(key, sizeof key, "%s_%s", attachments[a], attachment_keys[k]);
			manage_put_text(att, attachment_keys[k], req_body_param(req, key));
		}
		if (json_object_size(att))
			json_object_set_new(b, attachments[a], att);
		else
			json_decref(att);
	}
	return b;
}

static const struct manage_notice notices[] = {
	{ "saved", "The bot was saved." },
	{ NULL, NULL },
};

/* ------------------------------------------------------------------ the list, a new bot */

static int show_bots(struct request *req, const struct admin_page *p, int status, json_t *ctx)
{
	json_t *list = NULL;
	struct store_query q = { .project = p->project, .limit = 200, .oldest_first = true };
	if (bots_store.find(&q, &list, NULL) < 0) {
		json_decref(ctx);
		return -1;
	}
	json_object_set_new(ctx, "bots", list);
	json_object_set_new(ctx, "any", json_boolean(json_array_size(list) > 0));
	if (!json_object_get(ctx, "runtimes"))
		runtime_choices(ctx, NULL);
	return manage_send(req, status, "manage-bots", ctx);
}

int manage_bots_get(struct request *req)
{
	struct admin_page p;
	int rc = manage_require_admin(req, &p);
	if (rc != 0)
		return rc;
	json_t *ctx = manage_project_context(req, &p, "Bots", "bots");
	return ctx ? show_bots(req, &p, 200, ctx) : -1;
}

int manage_bots_post(struct request *req)
{
	struct admin_page p;
	int rc = manage_require_admin(req, &p);
	if (rc != 0)
		return rc;
	json_t *body = posted_bot(req), *checked = NULL, *once = NULL;
	struct refusal err = { 0 };
	char id[37] = "";
	rc = bots_store.check(body, NULL, p.project, &checked, &err);
	if (rc == 0) {
		manage_page_audit(&p, AUDIT_CLIENT_CREATED, NULL, NULL);
		rc = bots_store.insert(p.project, checked, id, &once, &err);
	}
	json_decref(checked);
	if (rc == 1) {
		json_t *ctx = manage_project_context(req, &p, "Bots", "bots");
		if (ctx) {
			fill_form(ctx, body);
			manage_refusal(ctx, &err);
		}
		json_decref(body);
		return ctx ? show_bots(req, &p, 400, ctx) : -1;
	}
	json_decref(body);
	if (rc < 0 || !once) {
		json_decref(once);
		return -1;
	}
	char secret[65];
	snprintf(secret, sizeof secret, "%s", json_string_value(json_object_get(once, "secret")));
	json_decref(once);
	snprintf(req->log_client, sizeof req->log_client, "%s", id);
	return manage_show_secret(req, &p, "bots", id, secret);
}

/* ------------------------------------------------------------------ one bot */

static json_t *bot_context(struct request *req, const struct admin_page *p, json_t *stored, const char *title)
{
	json_t *ctx = manage_project_context(req, p, title, "bots");
	if (!ctx)
		return NULL;
	json_object_set_new(ctx, "bot_id", json_string(json_string_value(json_object_get(stored, "id"))));
	json_object_set_new(ctx, "version",
			    json_string(json_string_value(json_object_get(json_object_get(stored, "meta"), "versionId"))));
	json_object_set_new(ctx, "bot_name", json_string(json_string_value(json_object_get(stored, "name"))));
	return ctx;
}

int manage_bot_get(struct request *req)
{
	struct admin_page p;
	json_t *b = NULL;
	int rc = manage_resource_of(req, &p, &bots_store, BOT_MISSING, &b);
	if (rc != 0)
		return rc;
	json_t *ctx = bot_context(req, &p, b, "Bot");
	if (ctx)
		fill_form(ctx, b);
	json_decref(b);
	if (!ctx)
		return -1;
	manage_notice(ctx, req, notices);
	return manage_send(req, 200, "manage-bot", ctx);
}

int manage_bot_post(struct request *req)
{
	struct admin_page p;
	json_t *stored = NULL;
	int rc = manage_resource_of(req, &p, &bots_store, BOT_MISSING, &stored);
	if (rc != 0)
		return rc;
	json_t *body = posted_bot(req);
	struct refusal err = { 0 };
	rc = manage_resource_update(&p, &bots_store, req->path_params[1], body, stored, req_body_param(req, "version"),
				    AUDIT_CLIENT_UPDATED, &err);
	json_t *ctx = rc == 1 ? bot_context(req, &p, stored, "Bot") : NULL;
	if (ctx) {
		fill_form(ctx, body);
		manage_refusal(ctx, &err);
	}
	json_decref(body);
	json_decref(stored);
	if (rc == 1)
		return ctx ? manage_send(req, err.status == 409 ? 409 : 400, "manage-bot", ctx) : -1;
	if (rc < 0)
		return -1;
	char rest[120];
	snprintf(rest, sizeof rest, "bots/%s?done=saved", req->path_params[1]);
	return manage_see_other(req, &p, rest);
}

int manage_bot_rotate_post(struct request *req)
{
	struct admin_page p;
	json_t *b = NULL;
	int rc = manage_resource_of(req, &p, &bots_store, BOT_MISSING, &b);
	if (rc != 0)
		return rc;
	json_decref(b);
	char secret[65];
	manage_page_audit(&p, AUDIT_CLIENT_ROTATED, "Bot", req->path_params[1]);
	rc = bots_rotate_secret(p.project, req->path_params[1], secret);
	if (rc == 1)
		return page_message(req, 404, "Not found", BOT_MISSING);
	if (rc < 0)
		return -1;
	snprintf(req->log_client, sizeof req->log_client, "%s", req->path_params[1]);
	return manage_show_secret(req, &p, "bots", req->path_params[1], secret);
}

/* Shows the secret the cookie carries, once; the bot must be this project's. */
int manage_bot_secret_get(struct request *req)
{
	struct admin_page p;
	json_t *b = NULL;
	int rc = manage_resource_of(req, &p, &bots_store, BOT_MISSING, &b);
	if (rc != 0)
		return rc;
	json_t *ctx = bot_context(req, &p, b, "Bot secret");
	json_decref(b);
	if (!ctx)
		return -1;
	manage_take_secret(req, &p, req->path_params[1], ctx);
	return manage_send(req, 200, "manage-bot-secret", ctx);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* The admin API's email templates: /admin/projects/:projectId/email-templates[/:name], the
 * project's overrides of the template files (lib/mail.c prefers them). */
#include "manage-api.h"
#include "domain/audit.h"
#include "core/db.h"
#include "mail/mail.h"
#include "mail/overrides.h"
#include "core/text.h"
#include "http/request.h"
#include "http/response.h"
#include "core/template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- /admin/projects/:projectId/email-templates[/:name] ---- */

static json_t *template_json(const struct db_result *r, unsigned row)
{
	return json_pack("{s:s, s:s, s:s, s:s*, s:s}", "name", db_cell(r, row, 0), "subject", db_cell(r, row, 1), "bodyText",
			 db_cell(r, row, 2), "bodyHtml", db_cell(r, row, 3), "lastUpdated", db_cell(r, row, 4));
}

/* The project and the template name of the path: 0, 1 answered (an unknown name is 404), -1. */
static int template_target(struct request *req, char project[37])
{
	text_copy(project, 37, req->admin_project);
	if (req->path_params[1] && !mail_template_overridable(req->path_params[1])) {
		send_not_found(req);
		return 1;
	}
	return 0;
}

int list_templates(struct request *req)
{
	char project[37];
	int rc = template_target(req, project);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	struct db_result r;
	if (overrides_list(project, &r) < 0)
		return -1;
	json_t *list = json_array();
	for (unsigned i = 0; i < r.nrows; i++)
		json_array_append_new(list, template_json(&r, i));
	db_result_free(&r);
	send_json(req, 200, json_pack("{s:o}", "templates", list), NULL);
	return 0;
}

/* Sends the stored template (200), or 404 when the project has none of that name. */
static int send_template(struct request *req, const char *project)
{
	struct db_result r;
	if (overrides_get(project, req->path_params[1], &r) < 0)
		return -1;
	if (r.nrows)
		send_json(req, 200, template_json(&r, 0), NULL);
	else
		send_not_found(req);
	db_result_free(&r);
	return 0;
}

int get_template(struct request *req)
{
	char project[37];
	int rc = template_target(req, project);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	return send_template(req, project);
}

/* A template part must compile (an empty context renders every section as skipped). */
static bool compiles(const char *source, bool html, char *why, size_t cap)
{
	const char *err = "invalid template";
	char *out = html ? template_render(source, NULL, &err) : template_render_text(source, NULL, &err);
	if (out) {
		free(out);
		return true;
	}
	snprintf(why, cap, "Invalid template: %s", err);
	return false;
}

/* Templates never see a secret, only {{link}}: an override of a template whose default shows
 * the link must show it too (in each body), or the person would get an email without a way in.
 * Rendered with only the link set, so a {{link}} in a comment or a skipped section fails. */
static bool shows_link(const char *name, const char *source, bool html, char *why, size_t cap)
{
	if (!mail_template_needs_link(name) || !source || mail_template_renders_link(source, html))
		return true;
	snprintf(why, cap, "Template must contain {{link}}");
	return false;
}

const char *manage_template_problem(const char *name, const char *subject, const char *text, const char *html,
				    char *why, size_t cap)
{
	if (!compiles(subject, false, why, cap))
		return "subject";
	if (!compiles(text, false, why, cap))
		return "bodyText";
	if (html && !compiles(html, true, why, cap))
		return "bodyHtml";
	if (!shows_link(name, text, false, why, cap))
		return "bodyText";
	if (!shows_link(name, html, true, why, cap))
		return "bodyHtml";
	return NULL;
}

int put_template(struct request *req)
{
	char project[37];
	int rc = template_target(req, project);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	const char *subject = req_param(req, "subject"), *text = req_param(req, "bodyText");
	const char *html = param_or_null(req, "bodyHtml");
	char why[160];
	const char *field = manage_template_problem(req->path_params[1], subject, text, html, why, sizeof why);
	if (field) {
		send_invalid(req, why, field);
		return 0;
	}
	audit_change(AUDIT_TEMPLATE, project, NULL, NULL);
	if (overrides_put(project, req->path_params[1], subject, text, html) < 0)
		return -1;
	return send_template(req, project);
}

int delete_template(struct request *req)
{
	char project[37];
	int rc = template_target(req, project);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	audit_change(AUDIT_TEMPLATE, project, NULL, NULL);
	rc = overrides_delete(project, req->path_params[1]);
	if (rc < 0)
		return -1;
	if (rc == 0)
		send_all_ok(req);
	else
		send_not_found(req);
	return 0;
}

/* ---- input tables ---- */

static bool one_line(const char *v)
{
	return !strpbrk(v, "\r\n");
}

const struct input template_inputs[] = {
	{ "subject", IN_STRING, true, 998, "Subject is required", NULL },
	{ "subject", IN_STRING, true, 998, "Subject must be one line", one_line },
	{ "bodyText", IN_STRING, true, 0, "bodyText is required", NULL },
	{ "bodyHtml", IN_STRING, false, 0, "Invalid bodyHtml", NULL },
	{ 0 },
};

/* SPDX-License-Identifier: BSD-2-Clause */
/* manage-templates-page: /manage/projects/:projectId/templates[/:name], the project's email
 * templates for its admins (PROTOCOL.md §9.3): the overridable ones (invite, invite-existing,
 * reset, welcome, verify-email), each edited (subject, text, optional HTML document) with the
 * admin API's checks (manage_template_problem), shown rendered as the next email would be (the
 * HTML in a sandboxed frame: no script, no request of its own), sent to the admin's own address
 * ("Send me a test", with a sample link that opens nothing) and reset to the shipped text. The
 * emailed MFA code always uses the shipped template (a project that could wrap {{code}} in a
 * link of its own would collect second factors), so it is listed as fixed. */
#include "manage-pages.h"
#include "manage-api.h"
#include "core/config.h"
#include "core/db.h"
#include "core/log.h"
#include "domain/audit.h"
#include "domain/mailing.h"
#include "domain/people.h"
#include "http/page.h"
#include "http/request.h"
#include "http/response.h"
#include "mail/mail.h"
#include "mail/overrides.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[] = { "invite", "invite-existing", "reset", "welcome", "verify-email", NULL };

static const char *describe(const char *name)
{
	return !strcmp(name, "invite")		 ? "A new person is invited (with a link to set a password)"
	       : !strcmp(name, "invite-existing") ? "Someone who has an account is added to the project"
	       : !strcmp(name, "reset")		 ? "Forgot password: the link to set a new one"
	       : !strcmp(name, "welcome")	 ? "A new project was registered"
					 : "Confirm an email address";
}

int manage_templates_get(struct request *req)
{
	struct admin_page p;
	int rc = manage_require_admin(req, &p);
	if (rc != 0)
		return rc;
	struct db_result r;
	if (overrides_list(p.project, &r) < 0)
		return -1;
	json_t *ctx = manage_project_context(req, &p, "Email templates", "templates"), *list = json_array();
	for (int i = 0; names[i]; i++) {
		bool custom = false;
		for (unsigned j = 0; j < r.nrows; j++)
			custom |= !strcmp(db_cell(&r, j, 0), names[i]);
		json_array_append_new(list, json_pack("{s:s, s:s, s:b}", "name", names[i], "about", describe(names[i]), "custom",
						      custom));
	}
	db_result_free(&r);
	if (!ctx) {
		json_decref(list);
		return -1;
	}
	json_object_set_new(ctx, "templates", list);
	return manage_send(req, 200, "manage-templates", ctx);
}

/* The values a preview and a test email get: a sample link that opens nothing. */
static json_t *sample_vars(const char *first_name)
{
	char link[2300];
	snprintf(link, sizeof link, "%ssetpassword/00000000-0000-4000-8000-000000000000/sample-link-opens-nothing",
		 cfg.app_base_url);
	return json_pack("{s:s, s:s}", "link", link, "first_name", first_name && *first_name ? first_name : "Ada");
}

/* The email this template makes now (the override, else the files) for the admin's own
 * address, with the sample values. 0 (m filled; release with sample_done), -1. */
struct sample {
	struct db_result me;
	json_t *vars;
	struct mail_message m;
};

static int sample_of(const struct admin_page *p, const char *name, struct sample *s)
{
	if (people_mail_address(p->login->user_id, &s->me) < 0)
		return -1;
	if (s->me.nrows == 0 || !db_cell(&s->me, 0, 0)) {
		db_result_free(&s->me);
		return -1;
	}
	s->vars = sample_vars(NULL);
	s->m = (struct mail_message){ .project_id = p->project, .template_name = name, .to_address = db_cell(&s->me, 0, 0),
				      .to_name = db_cell(&s->me, 0, 1), .vars = s->vars };
	return 0;
}

static void sample_done(struct sample *s)
{
	json_decref(s->vars);
	db_result_free(&s->me);
}

/* The rendered email: subject and text on the page, the HTML part on its own page. */
static int render_sample(const struct admin_page *p, const char *name, char **subject, char **text, char **html)
{
	struct sample s;
	if (sample_of(p, name, &s) < 0)
		return -1;
	int rc = mailing_preview(&s.m, subject, text, html);
	sample_done(&s);
	return rc;
}

static int preview(json_t *ctx, const struct admin_page *p, const char *name)
{
	char *subject = NULL, *text = NULL, *html = NULL;
	int rc = render_sample(p, name, &subject, &text, &html);
	if (rc == 0) {
		json_object_set_new(ctx, "preview_subject", json_string(subject));
		json_object_set_new(ctx, "preview_text", json_string(text));
	}
	free(subject);
	free(text);
	free(html);
	return rc < 0 ? -1 : 0;
}

/* The form from the stored override, else from the shipped files. */
static int stored_source(json_t *ctx, const struct admin_page *p, const char *name)
{
	struct db_result r;
	if (overrides_get(p->project, name, &r) < 0)
		return -1;
	if (r.nrows) {
		json_object_set_new(ctx, "subject", json_string(db_cell(&r, 0, 1)));
		json_object_set_new(ctx, "bodyText", json_string(db_cell(&r, 0, 2)));
		json_object_set_new(ctx, "bodyHtml", json_string(db_cell(&r, 0, 3) ? db_cell(&r, 0, 3) : ""));
		json_object_set_new(ctx, "custom", json_true());
		db_result_free(&r);
		return 0;
	}
	db_result_free(&r);
	char *subject = NULL, *text = NULL;
	if (mail_template_files(name, &subject, &text) != 0)
		return -1;
	json_object_set_new(ctx, "subject", json_string(subject));
	json_object_set_new(ctx, "bodyText", json_string(text));
	free(subject);
	free(text);
	return 0;
}

/* The admin rule, then the template of the path: 0, 1 answered (403, 404), -1. */
static int template_page(struct request *req, struct admin_page *p, const char **name)
{
	int rc = manage_require_admin(req, p);
	if (rc != 0)
		return rc;
	*name = req->path_params[1];
	if (mail_template_overridable(*name))
		return 0;
	return page_answered(page_message(req, 404, "Not found", "There is no such email template."));
}

static json_t *template_context(struct request *req, const struct admin_page *p, const char *name)
{
	json_t *ctx = manage_project_context(req, p, "Email template", "templates");
	if (ctx) {
		json_object_set_new(ctx, "name", json_string(name));
		json_object_set_new(ctx, "about", json_string(describe(name)));
		json_object_set_new(ctx, "needs_link", json_boolean(mail_template_needs_link(name)));
	}
	return ctx;
}

static const struct manage_notice notices[] = {
	{ "saved", "The template was saved." },
	{ "sent", "A test email was sent to your address." },
	{ "reset", "The template is the shipped one again." },
	{ NULL, NULL },
};

int manage_template_get(struct request *req)
{
	struct admin_page p;
	const char *name;
	int rc = template_page(req, &p, &name);
	if (rc != 0)
		return rc;
	json_t *ctx = template_context(req, &p, name);
	if (!ctx || stored_source(ctx, &p, name) < 0 || preview(ctx, &p, name) < 0) {
		json_decref(ctx);
		return -1;
	}
	manage_notice(ctx, req, notices);
	return manage_send(req, 200, "manage-template", ctx);
}

static bool one_line(const char *v)
{
	return !strpbrk(v, "\r\n");
}

static const struct input template_fields[] = {
	{ "subject", IN_STRING, true, 998, "The subject is required", NULL },
	{ "subject", IN_STRING, true, 998, "The subject must be one line", one_line },
	{ "bodyText", IN_STRING, true, 0, "The text is required", NULL },
	{ "bodyHtml", IN_STRING, false, 0, "Invalid HTML", NULL },
	{ 0 },
};
static const char *const template_kept[] = { "subject", "bodyText", "bodyHtml", NULL };

static int save(struct request *req, const struct admin_page *p, const char *name)
{
	json_t *ctx = template_context(req, p, name);
	if (!ctx)
		return -1;
	const char *subject = req_body_param(req, "subject"), *text = req_body_param(req, "bodyText");
	const char *html = req_body_param(req, "bodyHtml");
	if (html && !*html)
		html = NULL;
	char why[160];
	const char *field = NULL;
	if (page_check_fields(req, template_fields, template_kept, ctx) == 0 &&
	    (field = manage_template_problem(name, subject, text, html, why, sizeof why)))
		page_field_error(ctx, field, why);
	if (json_object_get(ctx, "subject_error") || json_object_get(ctx, "bodyText_error") ||
	    json_object_get(ctx, "bodyHtml_error"))
		return manage_send(req, 400, "manage-template", ctx);
	json_decref(ctx);
	manage_page_audit(p, AUDIT_TEMPLATE, NULL, NULL);
	if (overrides_put(p->project, name, subject, text, html) < 0)
		return -1;
	char rest[120];
	snprintf(rest, sizeof rest, "templates/%s?done=saved", name);
	return manage_see_other(req, p, rest);
}

/* The template as stored now, to the admin's own address only. */
static int send_test(struct request *req, const struct admin_page *p, const char *name)
{
	struct sample s;
	if (sample_of(p, name, &s) < 0)
		return -1;
	char outbox[37];
	int rc = db_begin();
	if (rc == 0)
		rc = mailing_enqueue(&s.m, outbox);
	rc = db_finish(rc);
	sample_done(&s);
	if (rc == 1)
		return page_answered(page_message(req, 400, "Not sent", "The email could not be made from this template."));
	if (rc < 0)
		return -1;
	if (mail_deliver(outbox) < 0)
		log_error("template test: the outbox could not be read after the commit");
	char rest[120];
	snprintf(rest, sizeof rest, "templates/%s?done=sent", name);
	return manage_see_other(req, p, rest);
}

int manage_template_post(struct request *req)
{
	struct admin_page p;
	const char *name;
	int rc = template_page(req, &p, &name);
	if (rc != 0)
		return rc;
	const char *action = req_body_param(req, "action");
	if (action && !strcmp(action, "test"))
		return send_test(req, &p, name);
	return save(req, &p, name);
}

/* The HTML part as the email would carry it, alone, under a CSP that runs nothing and loads
 * nothing but images (an email's own inline styles apply). */
#define PREVIEW_CSP \
	"default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; sandbox; base-uri 'none'; " \
	"form-action 'none'; frame-ancestors 'none'"

int manage_template_preview_get(struct request *req)
{
	struct admin_page p;
	const char *name;
	int rc = template_page(req, &p, &name);
	if (rc != 0)
		return rc;
	char *subject = NULL, *text = NULL, *html = NULL;
	rc = render_sample(&p, name, &subject, &text, &html);
	if (rc == 0)
		send_html(req, 200, html, PREVIEW_CSP, NULL);
	free(subject);
	free(text);
	free(html);
	if (rc == 1)
		return page_answered(page_message(req, 400, "No preview", "The email could not be made from this template."));
	return rc;
}

int manage_template_reset_post(struct request *req)
{
	struct admin_page p;
	const char *name;
	int rc = template_page(req, &p, &name);
	if (rc != 0)
		return rc;
	manage_page_audit(&p, AUDIT_TEMPLATE, NULL, NULL);
	if (overrides_delete(p.project, name) < 0)
		return -1;
	char rest[120];
	snprintf(rest, sizeof rest, "templates/%s?done=reset", name);
	return manage_see_other(req, &p, rest);
}

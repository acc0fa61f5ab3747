/* SPDX-License-Identifier: BSD-2-Clause */
/* page: templated HTML pages with their own Content-Security-Policy (see page.h). */
#include "http/page.h"
#include "core/config.h"
#include "core/crypto.h"
#include "http/csrf.h"
#include "http/input.h"
#include "core/log.h"
#include "http/request.h"
#include "http/response.h"
#include "core/template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

json_t *page_context(const char *title)
{
	char css[2100];
	snprintf(css, sizeof css, "%stessera.css", cfg.app_base_url);
	return json_pack("{s:s, s:s, s:s, s:s}", "product", "Tessera", "title", title, "css", css, "app_base_url",
			 cfg.app_base_url);
}

void page_hidden(json_t *ctx, const char *name, const char *value)
{
	if (!value || !*value)
		return;
	json_t *list = json_object_get(ctx, "hidden");
	if (!list) {
		list = json_array();
		json_object_set_new(ctx, "hidden", list);
	}
	json_array_append_new(list, json_pack("{s:s, s:s}", "name", name, "value", value));
}

void page_origin(const char *url, char *out, size_t outlen)
{
	out[0] = '\0';
	size_t scheme;
	if (!strncmp(url, "https://", 8))
		scheme = 8;
	else if (!strncmp(url, "http://", 7))
		scheme = 7;
	else
		return;
	size_t host = strcspn(url + scheme, "/?#");
	/* host, optional port; no userinfo and nothing that would end a CSP source expression */
	static const char allowed[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]";
	if (host == 0 || strspn(url + scheme, allowed) < host || scheme + host >= outlen)
		return;
	memcpy(out, url, scheme + host);
	out[scheme + host] = '\0';
}

int page_send(struct request *req, int status, const char *name, json_t *ctx, const char *form_origin)
{
	const char *err = NULL;
	char *html = template_render_page(cfg.templates_dir, name, ctx, &err);
	json_decref(ctx);
	if (!html) {
		log_error("template %s/%s.html: %s", cfg.templates_dir, name, err ? err : "failed");
		return -1;
	}
	char csp[700];
	bool extra_origin = form_origin && *form_origin && strlen(form_origin) < 512;
	snprintf(csp, sizeof csp,
		 "default-src 'none'; style-src 'self'; img-src 'self' data: https:; form-action 'self'%s%s; "
		 "frame-ancestors 'none'; base-uri 'none'",
		 extra_origin ? " " : "", extra_origin ? form_origin : "");
	send_html(req, status, html, csp, NULL);
	free(html);
	return 0;
}

int page_message(struct request *req, int status, const char *title, const char *message)
{
	json_t *ctx = page_context(title);
	json_object_set_new(ctx, "message", json_string(message));
	return page_send(req, status, "message", ctx, NULL);
}

int page_message_link(struct request *req, int status, const char *title, const char *message, const char *href,
		      const char *link_text)
{
	char url[2200];
	json_t *ctx = page_context(title);
	snprintf(url, sizeof url, "%s%s", cfg.app_base_url, href);
	json_object_set_new(ctx, "message", json_string(message));
	json_object_set_new(ctx, "link", json_pack("{s:s, s:s}", "href", url, "text", link_text));
	return page_send(req, status, "message", ctx, NULL);
}

json_t *page_form_context(struct request *req, const char *title)
{
	char token[65];
	if (csrf_token(req, token) < 0)
		return NULL;
	json_t *ctx = page_context(title);
	json_object_set_new(ctx, CSRF_FIELD, json_string(token));
	return ctx;
}

void page_field_error(json_t *ctx, const char *field, const char *message)
{
	char key[64];
	if (!field || !message)
		return;
	snprintf(key, sizeof key, "%s_error", field);
	json_object_set_new(ctx, key, json_string(message));
}

int page_check_fields(const struct request *req, const struct input *inputs, const char *const *keep, json_t *ctx)
{
	int errors = 0;
	for (const struct input *in = inputs; in->name; in++) {
		char key[64];
		snprintf(key, sizeof key, "%s_error", in->name);
		if (json_object_get(ctx, key))
			continue; /* a field's first message only */
		struct input one[2] = { *in, { 0 } };
		struct input_error ie;
		if (!input_check(req, one, &ie)) {
			page_field_error(ctx, in->name, ie.message);
			errors++;
		}
	}
	for (; keep && *keep; keep++) {
		const char *v = req_body_param(req, *keep);
		if (v && strlen(v) <= 1024)
			json_object_set_new(ctx, *keep, json_string(v));
	}
	return errors;
}

int page_forbidden(struct request *req)
{
	return page_message(req, 403, "This form has expired",
			    "For your safety the form could not be accepted. Go back, reload the page and try again.");
}

void page_see_other(struct request *req, const char *path)
{
	char line[2200];
	snprintf(line, sizeof line, "Location: %s%s\r\n", cfg.app_base_url, path);
	if (strpbrk(path, "\r\n") || req_add_header(req, line) < 0)
		send_server_error(req);
	else
		send_empty(req, 303, NULL);
}

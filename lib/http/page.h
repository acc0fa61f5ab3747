/* SPDX-License-Identifier: BSD-2-Clause */
/* page: HTML pages rendered from the templates in cfg.templates_dir (lib/template.c escapes
 * every value), sent with a page Content-Security-Policy: no scripts, styles only from this
 * origin, forms only to this origin and, when a page's form may end in a redirect to an OAuth
 * client, to that client's origin too. */
#ifndef TESSERA_PAGE_H
#define TESSERA_PAGE_H
#include <jansson.h>
#include <stddef.h>

struct input;

struct request;

/* A new context for a page: product, title, stylesheet and the app base URL. */
json_t *page_context(const char *title);
/* Appends {"name":..,"value":..} to the context's "hidden" array (hidden form fields);
 * NULL or empty values are left out. */
void page_hidden(json_t *ctx, const char *name, const char *value);
/* The origin (scheme://host[:port]) of an http(s) URL for a CSP source list; "" when the
 * URL has none or holds characters a source expression cannot carry. */
void page_origin(const char *url, char *out, size_t outlen);
/* Renders <name>.html in the layout and sends it. form_origin (may be NULL or "") is added to
 * form-action. Takes ownership of ctx. Returns 0, or -1 when the template cannot be rendered
 * (logged; nothing sent). */
int page_send(struct request *req, int status, const char *name, json_t *ctx, const char *form_origin);
/* A page with a heading and a message (errors and notices). */
int page_message(struct request *req, int status, const char *title, const char *message);
/* page_message with a link under the message: href is a path under app_base_url ("signin"). */
int page_message_link(struct request *req, int status, const char *title, const char *message, const char *href,
		      const char *link_text);

/* ------------------------------------------------------------------ forms */

/* page_context plus the CSRF token "csrf" (and its cookie, with the response, on a browser's
 * first form). NULL when no token can be made. */
json_t *page_form_context(struct request *req, const char *title);
/* A field's message beside it: {"<field>_error": message}; NULL field or message: nothing. */
void page_field_error(json_t *ctx, const char *field, const char *message);
/* Checks the typed fields of a form one by one against an input table, putting each
 * field's first message beside it, and copies the values of the fields named in keep
 * (NULL-terminated; never a password) into ctx to fill the form again. Returns the number of
 * fields in error. */
int page_check_fields(const struct request *req, const struct input *inputs, const char *const *keep, json_t *ctx);
/* The 403 page of a post whose CSRF token does not match the browser. */
int page_forbidden(struct request *req);
/* 303 See Other to <app_base_url><path> (post-redirect-get). */
void page_see_other(struct request *req, const char *path);

/* A page sender's 0 (sent) or -1 as the verdict of a step that may answer: 1 answered, -1. */
static inline int page_answered(int rc)
{
	return rc < 0 ? -1 : 1;
}

#endif

/* page: HTML pages rendered from the templates in cfg.templates_dir (lib/template.c escapes
 * every value), sent with a page Content-Security-Policy: no scripts, styles only from this
 * origin, forms only to this origin and, when a page's form may end in a redirect to an OAuth
 * client, to that client's origin too. */
#ifndef TESSERA_PAGE_H
#define TESSERA_PAGE_H
#include <jansson.h>
#include <stddef.h>

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
int page_send(struct request *req, int status, const char *name, json_t *ctx, const char *form_origin,
	      const char *extra_headers);
/* A page with a heading and a message (errors and notices). */
int page_message(struct request *req, int status, const char *title, const char *message, const char *extra_headers);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* template: a small logic-less template engine (a Mustache subset) for the sign-in pages and the
 * email bodies. Values come from a jansson object; every {{name}} is HTML-escaped, so a page built
 * from user-controlled values cannot inject markup.
 *
 * Syntax:
 *   {{name}}          the value, HTML-escaped (plain in text mode); dotted names walk objects
 *                     ({{client.name}}), {{.}} is the current context itself. Strings print as
 *                     they are, numbers and booleans as JSON text; null, missing, objects and
 *                     arrays print nothing.
 *   {{{name}}}        the value unescaped. Only for trusted, pre-rendered HTML (the layout's
 *                     {{{content}}}): never pass user input to a triple-brace tag.
 *   {{#name}}..{{/name}}  section: skipped for false, null, missing, "" and []; repeated for every
 *                     element of an array with the element as the innermost context; otherwise
 *                     rendered once with the value as the innermost context. Names not found in
 *                     an inner context are looked up in the outer ones.
 *   {{^name}}..{{/name}}  inverted section: rendered exactly when {{#name}} would be skipped.
 *   {{! comment }}    dropped.
 * Section and comment tags alone on a line take their line with them (as in Mustache), so text
 * emails do not fill up with blank lines.
 *
 * Limits: templates up to 1 MiB, sections nested up to 32 deep, output up to 8 MiB and a bounded
 * amount of work per render; beyond them, and for unclosed tags or mismatched sections, a render
 * returns NULL and sets *err (when err is not NULL) to a static message.
 *
 * Results are malloc'd NUL-terminated strings for the caller to free. The context is only read. */
#ifndef TESSERA_TEMPLATE_H
#define TESSERA_TEMPLATE_H
#include <jansson.h>
#include <stdbool.h>

#define TEMPLATE_MAX_SOURCE (1024 * 1024)
#define TEMPLATE_MAX_OUTPUT (8 * 1024 * 1024)
#define TEMPLATE_MAX_DEPTH 32

/* Renders source with ctx (may be NULL), HTML-escaping every {{name}}. */
char *template_render(const char *source, json_t *ctx, const char **err);

/* Renders source with ctx for a text/plain body: {{name}} is not escaped and values are copied
 * as they are. Header values need their own CR/LF protection; this is for bodies only. */
char *template_render_text(const char *source, json_t *ctx, const char **err);

/* Renders <dir>/<name>.html, then <dir>/layout.html with the page's output as {{{content}}} on
 * top of ctx. Files are read once per process and kept parsed in memory. name must be a plain
 * file name (no '/', not starting with '.'). */
char *template_render_page(const char *dir, const char *name, json_t *ctx, const char **err);

/* Renders the file <dir>/<file> (a plain file name such as "reset.txt") with ctx, HTML-escaped
 * or as text; cached like the pages. A missing file fails with "cannot read template". */
char *template_render_file(const char *dir, const char *file, json_t *ctx, bool html, const char **err);

/* Frees the cached templates (so tests and leak checkers see a clean exit, or to reload). */
void template_cache_clear(void);

#endif

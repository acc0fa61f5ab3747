/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for lib/template.c. The input is a template and a JSON context, split at the
 * first NUL byte (or, without one, in half); invalid JSON gives an empty context, so the parser
 * and renderer are exercised either way. Both the HTML and the text mode render each input, and
 * every HTML result is checked to contain no character that escaping must have removed unless the
 * template itself holds it. */
#include "core/template.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static json_t *context(const uint8_t *data, size_t size)
{
	json_t *ctx = json_loadb((const char *)data, size, JSON_ALLOW_NUL, NULL);
	return ctx ? ctx : json_object();
}

/* With no '<' in the template, escaped values cannot have produced one either. */
static void check_escaped(const char *source, const char *html)
{
	if (html && !strchr(source, '<') && !strstr(source, "{{{") && strchr(html, '<'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t split = nul ? (size_t)(nul - data) : size / 2;
	size_t rest = nul ? split + 1 : split;
	char *source = malloc(split + 1);
	if (!source)
		return 0;
	memcpy(source, data, split);
	source[split] = '\0';
	json_t *ctx = context(data + rest, size - rest);
	const char *err = NULL;
	char *html = template_render(source, ctx, &err);
	check_escaped(source, html);
	char *text = template_render_text(source, ctx, &err);
	/* text output is never longer than HTML output, so whatever renders as HTML renders as text */
	if (html && !text)
		abort();
	free(html);
	free(text);
	json_decref(ctx);
	free(source);
	return 0;
}

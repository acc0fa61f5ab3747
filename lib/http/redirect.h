/* SPDX-License-Identifier: BSD-2-Clause */
/* redirect: building client redirect URLs with correctly encoded query parameters. */
#ifndef TESSERA_REDIRECT_H
#define TESSERA_REDIRECT_H
#include <stddef.h>

struct url_builder {
	char *buf;
	size_t len, cap;
	char sep;      /* '?' before the first parameter, '&' after */
};

void url_start(struct url_builder *u, const char *base);
/* Appends name=value (value percent-encoded); NULL values are skipped. */
void url_param(struct url_builder *u, const char *name, const char *value);
/* The finished URL (owned by the builder until url_free). NULL if memory ran out. */
const char *url_get(const struct url_builder *u);
void url_free(struct url_builder *u);
/* "Location: <url>\r\n" for a 302; false if the URL holds CR/LF (never sent). */
int redirect_header(const char *url, char *out, size_t outlen);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* redirect: URL building (libcurl does the percent-encoding). */
#include "http/redirect.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void append(struct url_builder *u, const char *s)
{
	size_t n = strlen(s);
	if (!u->buf && u->cap)
		return;
	if (u->len + n + 1 > u->cap) {
		size_t cap = (u->len + n + 1) * 2;
		char *b = realloc(u->buf, cap);
		if (!b) {
			free(u->buf);
			u->buf = NULL;
			u->cap = 1;
			return;
		}
		u->buf = b;
		u->cap = cap;
	}
	memcpy(u->buf + u->len, s, n + 1);
	u->len += n;
}

void url_start(struct url_builder *u, const char *base)
{
	memset(u, 0, sizeof *u);
	append(u, base);
	u->sep = strchr(base, '?') ? '&' : '?';
}

void url_param(struct url_builder *u, const char *name, const char *value)
{
	if (!value)
		return;
	char sep[2] = { u->sep, '\0' };
	char *v = curl_easy_escape(NULL, value, 0);
	append(u, sep);
	append(u, name);
	append(u, "=");
	append(u, v ? v : "");
	curl_free(v);
	u->sep = '&';
}

const char *url_get(const struct url_builder *u)
{
	return u->buf;
}

void url_free(struct url_builder *u)
{
	free(u->buf);
	memset(u, 0, sizeof *u);
}

int redirect_header(const char *url, char *out, size_t outlen)
{
	if (!url || strpbrk(url, "\r\n") || strlen(url) + 13 >= outlen)
		return -1;
	snprintf(out, outlen, "Location: %s\r\n", url);
	return 0;
}

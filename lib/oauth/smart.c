/* SPDX-License-Identifier: BSD-2-Clause */
/* smart: SMART scope syntax. */
#include "oauth/smart.h"

#include <ctype.h>
#include <string.h>

/* v1 names map to v2 letters: read → rs, write → cud, * → cruds. */
static bool parse_perms(const char *p, size_t n, char out[6])
{
	if (n == 4 && !strncmp(p, "read", 4)) {
		strcpy(out, "rs");
		return true;
	}
	if (n == 5 && !strncmp(p, "write", 5)) {
		strcpy(out, "cud");
		return true;
	}
	if (n == 1 && *p == '*') {
		strcpy(out, "cruds");
		return true;
	}
	/* c?r?u?d?s? in this order, at least one letter */
	const char *order = "cruds";
	size_t o = 0, k = 0;
	for (size_t i = 0; i < n; i++) {
		while (order[o] && order[o] != p[i])
			o++;
		if (!order[o])
			return false;
		out[k++] = order[o++];
	}
	out[k] = '\0';
	return k > 0;
}

bool smart_parse(const char *w, size_t len, struct smart_scope *s)
{
	memset(s, 0, sizeof *s);
	const char *q = memchr(w, '?', len);
	size_t base = q ? (size_t)(q - w) : len;
	const char *slash = memchr(w, '/', base);
	if (!slash)
		return false;
	size_t tlen = (size_t)(slash - w);
	if (!((tlen == 7 && !strncmp(w, "patient", 7)) || (tlen == 4 && !strncmp(w, "user", 4)) ||
	      (tlen == 6 && !strncmp(w, "system", 6))))
		return false;
	const char *res = slash + 1;
	const char *dot = memchr(res, '.', base - (size_t)(res - w));
	if (!dot)
		return false;
	size_t rlen = (size_t)(dot - res);
	if (rlen == 0 || rlen >= sizeof s->resource)
		return false;
	if (!(rlen == 1 && *res == '*'))
		for (size_t i = 0; i < rlen; i++)
			if (!isalnum((unsigned char)res[i]) && res[i] != '_')
				return false;
	if (!parse_perms(dot + 1, base - (size_t)(dot + 1 - w), s->perms))
		return false;
	memcpy(s->type, w, tlen);
	memcpy(s->resource, res, rlen);
	if (q) {
		s->criteria = q + 1;
		s->criteria_len = len - base - 1;
	}
	return true;
}

static bool perms_subset(const char *want, const char *have)
{
	for (; *want; want++)
		if (!strchr(have, *want))
			return false;
	return true;
}

static bool covered_by_any(const struct smart_scope *want, const char *granted)
{
	for (const char *p = granted; *p;) {
		size_t n = strcspn(p, " ");
		struct smart_scope have;
		if (n && smart_parse(p, n, &have) && !strcmp(have.type, want->type) &&
		    !strcmp(have.resource, want->resource) && perms_subset(want->perms, have.perms) &&
		    (!have.criteria || (want->criteria && have.criteria_len == want->criteria_len &&
					!memcmp(have.criteria, want->criteria, have.criteria_len))))
			return true;
		p += n;
		while (*p == ' ')
			p++;
	}
	return false;
}

bool smart_scope_covered(const char *granted, const char *requested)
{
	for (const char *p = requested; *p;) {
		size_t n = strcspn(p, " ");
		struct smart_scope want;
		if (n && smart_parse(p, n, &want) && !covered_by_any(&want, granted))
			return false;
		p += n;
		while (*p == ' ')
			p++;
	}
	return true;
}

bool smart_scope_wellformed(const char *scope)
{
	for (const char *p = scope ? scope : ""; *p;) {
		size_t n = strcspn(p, " ");
		struct smart_scope s;
		bool smart_like = (n >= 8 && !strncmp(p, "patient/", 8)) || (n >= 5 && !strncmp(p, "user/", 5)) ||
				  (n >= 7 && !strncmp(p, "system/", 7));
		if (smart_like && !smart_parse(p, n, &s))
			return false;
		p += n;
		while (*p == ' ')
			p++;
	}
	return true;
}

bool smart_scope_narrows(const char *scope)
{
	bool smart = false;
	for (const char *p = scope ? scope : ""; *p;) {
		size_t n = strcspn(p, " ");
		struct smart_scope s;
		if (n && smart_parse(p, n, &s)) {
			if (!strcmp(s.resource, "*") && !strcmp(s.perms, "cruds") && !s.criteria)
				return false;
			smart = true;
		}
		p += n;
		while (*p == ' ')
			p++;
	}
	return smart;
}

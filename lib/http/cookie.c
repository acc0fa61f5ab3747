/* SPDX-License-Identifier: BSD-2-Clause */
/* cookie: Set-Cookie lines (see cookie.h). */
#include "http/cookie.h"
#include "core/config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

bool cookie_loopback_http(const char *url)
{
	static const char *const hosts[] = { "127.", "[::1]", "localhost", NULL };
	if (!url || strncasecmp(url, "http://", 7))
		return false;
	const char *host = url + 7;
	for (int i = 0; hosts[i]; i++) {
		size_t n = strlen(hosts[i]);
		if (strncasecmp(host, hosts[i], n))
			continue;
		/* 127.x.y.z: only digits and dots may follow; the others must end the host. */
		const char *end = host + n;
		if (i == 0)
			end += strspn(end, "0123456789.");
		if (*end == '\0' || *end == ':' || *end == '/')
			return true;
	}
	return false;
}

bool cookie_secure(void)
{
	if (cfg.cookie_secure)
		return true;
	return !(cookie_loopback_http(cfg.base_url) && cookie_loopback_http(cfg.app_base_url));
}

int cookie_header(char *out, size_t outlen, const struct cookie *c)
{
	bool secure = cookie_secure(), clear = !c->value || !*c->value;
	const char *same_site = !secure && !strcmp(c->same_site, "None") ? "Lax" : c->same_site;
	char age[32] = "";
	if (clear || c->max_age > 0)
		snprintf(age, sizeof age, " Max-Age=%d;", clear ? 0 : c->max_age);
	int n = snprintf(out, outlen, "Set-Cookie: %s=%s;%s Path=%s;%s HttpOnly;%s SameSite=%s\r\n", c->name,
			 clear ? "" : c->value, age, c->path, clear ? " Expires=Thu, 01 Jan 1970 00:00:00 GMT;" : "",
			 secure ? " Secure;" : "", same_site);
	if (n < 0 || (size_t)n >= outlen) {
		if (outlen)
			out[0] = '\0';
		return -1;
	}
	return 0;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* cookie: the one builder of Set-Cookie lines. Every cookie Tessera sets is HttpOnly, has a
 * SameSite and is Secure; Secure is dropped only when the configuration relaxes it
 * (cookie_secure = false) AND both base URLs are plain-HTTP loopback (http://127.0.0.1,
 * http://[::1], http://localhost): Chromium drops Secure cookies there (docs/ARCHITECTURE.md "Cookies"). With
 * Secure gone SameSite=None (which requires Secure) becomes Lax. */
#ifndef TESSERA_COOKIE_H
#define TESSERA_COOKIE_H
#include <stdbool.h>
#include <stddef.h>

struct cookie {
	const char *name;
	const char *value;         /* "" clears the cookie (Max-Age=0 and an Expires in 1970) */
	int max_age;               /* seconds; 0: a session cookie (none sent) unless clearing */
	const char *path;
	const char *same_site;     /* "Strict", "Lax" or "None" */
};

/* True for http://127.x.x.x, http://[::1] and http://localhost, with any port and path. */
bool cookie_loopback_http(const char *url);
/* Whether cookies carry Secure under the loaded configuration. */
bool cookie_secure(void);
/* Writes "Set-Cookie: ...\r\n" into out. 0, or -1 when it does not fit (out is then ""). */
int cookie_header(char *out, size_t outlen, const struct cookie *c);

#endif

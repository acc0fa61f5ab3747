/* csrf: browser-bound form tokens and the in-progress login cookie (see csrf.h). */
#include "csrf.h"
#include "config.h"
#include "crypto.h"
#include "request.h"
#include "response.h"

#include <stdio.h>
#include <string.h>

/* hex HMAC-SHA256(hash_key, prefix + value) */
static int mac_hex(const char *prefix, const char *value, char out[65])
{
	char data[160];
	uint8_t mac[SHA256_LEN];
	if ((size_t)snprintf(data, sizeof data, "%s%s", prefix, value) >= sizeof data)
		return -1;
	if (crypto_keyed_hash(data, mac) < 0)
		return -1;
	crypto_hex(mac, sizeof mac, out);
	return 0;
}

/* The browser's CSRF cookie when it has the shape we issue (32 hex digits). */
static bool csrf_cookie(const struct request *req, char value[33])
{
	return req_cookie(req, CSRF_COOKIE, value, 33) && crypto_is_hex(value, 32);
}

int csrf_token(const struct request *req, char token[65], char *headers, size_t headers_len)
{
	char value[33];
	if (!csrf_cookie(req, value)) {
		if (crypto_random_hex(value, 16) < 0)
			return -1;
		char line[160];
		snprintf(line, sizeof line, "Set-Cookie: %s=%s; Path=/; HttpOnly;%s SameSite=Lax\r\n", CSRF_COOKIE, value,
			 cfg.cookie_secure ? " Secure;" : "");
		header_append(headers, headers_len, line);
	}
	return mac_hex("csrf:", value, token);
}

bool csrf_check(const struct request *req)
{
	char value[33], expected[65];
	const char *field = req_body_param(req, CSRF_FIELD);
	if (!field || !csrf_cookie(req, value) || mac_hex("csrf:", value, expected) < 0)
		return false;
	return crypto_streq(field, expected);
}

/* The binding cookie goes only to the stage pages: <path of app_base_url>oauth ("/oauth" when
 * the pages are at the root of their origin). */
static void login_cookie_path(char *out, size_t outlen)
{
	const char *host = strstr(cfg.app_base_url, "://");
	const char *path = host ? strchr(host + 3, '/') : NULL;
	snprintf(out, outlen, "%soauth", path && !strpbrk(path, ";\r\n") ? path : "/");
}

int csrf_bind_login(const char *login_id, char *headers, size_t headers_len)
{
	char mac[65], line[2400], path[2100];
	if (!crypto_is_uuid(login_id) || mac_hex("login:", login_id, mac) < 0)
		return -1;
	login_cookie_path(path, sizeof path);
	snprintf(line, sizeof line, "Set-Cookie: %s=%s.%s; Max-Age=%d; Path=%s; HttpOnly;%s SameSite=Lax\r\n",
		 LOGIN_COOKIE, login_id, mac, LOGIN_COOKIE_SECONDS, path, cfg.cookie_secure ? " Secure;" : "");
	header_append(headers, headers_len, line);
	return 0;
}

void csrf_unbind_login(char *headers, size_t headers_len)
{
	char line[2300], path[2100];
	login_cookie_path(path, sizeof path);
	snprintf(line, sizeof line, "Set-Cookie: %s=; Max-Age=0; Path=%s; HttpOnly;%s SameSite=Lax\r\n", LOGIN_COOKIE,
		 path, cfg.cookie_secure ? " Secure;" : "");
	header_append(headers, headers_len, line);
}

bool csrf_login_bound(const struct request *req, const char *login_id)
{
	char value[UUID_LEN + 1 + 64 + 1], expected[65];
	if (!login_id || !crypto_is_uuid(login_id) || !req_cookie(req, LOGIN_COOKIE, value, sizeof value))
		return false;
	if (strlen(value) != UUID_LEN + 1 + 64 || value[UUID_LEN] != '.')
		return false;
	value[UUID_LEN] = '\0';
	/* The id is not secret (the form posts it), only the MAC is: compare that in constant time. */
	if (strcmp(value, login_id) || mac_hex("login:", login_id, expected) < 0)
		return false;
	return crypto_streq(value + UUID_LEN + 1, expected);
}

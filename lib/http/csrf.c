/* SPDX-License-Identifier: BSD-2-Clause */
/* csrf: browser-bound form tokens and the in-progress login cookie (see csrf.h). */
#include "http/csrf.h"
#include "http/cookie.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/keywrap.h"
#include "http/request.h"
#include "http/response.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
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

int csrf_token(struct request *req, char token[65])
{
	char value[33];
	if (!csrf_cookie(req, value)) {
		if (crypto_random_hex(value, 16) < 0)
			return -1;
		char line[200];
		cookie_header(line, sizeof line, &(struct cookie){ CSRF_COOKIE, value, 0, "/", "Lax" });
		req_add_header(req, line);
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

/* The binding cookies: name, MAC prefix (so one kind never passes for another), the path
 * under app_base_url's own path, lifetime. */
static const struct {
	const char *cookie, *prefix, *path;
	int seconds;
} bindings[] = {
	[BIND_SIGNIN] = { LOGIN_COOKIE, "login:", "oauth", LOGIN_COOKIE_SECONDS },
	[BIND_REGISTER] = { REGISTER_COOKIE, "register:", "register", LOGIN_COOKIE_SECONDS },
	[BIND_SESSION] = { SESSION_COOKIE, "session:", "", SESSION_SECONDS },
};

/* <path of app_base_url><suffix> ("/oauth" when the pages are at the root of their origin):
 * each cookie goes only to the pages that read it. */
static void cookie_path(const char *suffix, char *out, size_t outlen)
{
	const char *host = strstr(cfg.app_base_url, "://");
	const char *path = host ? strchr(host + 3, '/') : NULL;
	snprintf(out, outlen, "%s%s", path && !strpbrk(path, ";\r\n") ? path : "/", suffix);
}

int csrf_bind(struct request *req, enum csrf_binding b, const char *login_id)
{
	char mac[65], value[37 + 65], line[2400], path[2100];
	if (!crypto_is_uuid(login_id) || mac_hex(bindings[b].prefix, login_id, mac) < 0)
		return -1;
	cookie_path(bindings[b].path, path, sizeof path);
	snprintf(value, sizeof value, "%s.%s", login_id, mac);
	cookie_header(line, sizeof line, &(struct cookie){ bindings[b].cookie, value, bindings[b].seconds, path, "Lax" });
	return req_add_header(req, line);
}

void csrf_unbind(struct request *req, enum csrf_binding b)
{
	char line[2300], path[2100];
	cookie_path(bindings[b].path, path, sizeof path);
	cookie_header(line, sizeof line, &(struct cookie){ bindings[b].cookie, "", 0, path, "Lax" });
	req_add_header(req, line);
}

bool csrf_bound_login(const struct request *req, enum csrf_binding b, char login_id[37])
{
	char value[UUID_LEN + 1 + 64 + 1], expected[65];
	login_id[0] = '\0';
	if (!req_cookie(req, bindings[b].cookie, value, sizeof value))
		return false;
	if (strlen(value) != UUID_LEN + 1 + 64 || value[UUID_LEN] != '.')
		return false;
	value[UUID_LEN] = '\0';
	if (!crypto_is_uuid(value) || mac_hex(bindings[b].prefix, value, expected) < 0)
		return false;
	/* The id is not secret (forms post it), only the MAC is: compare that in constant time. */
	if (!crypto_streq(value + UUID_LEN + 1, expected))
		return false;
	memcpy(login_id, value, UUID_LEN + 1);
	return true;
}

bool csrf_bound(const struct request *req, enum csrf_binding b, const char *login_id)
{
	char bound[37];
	return login_id && csrf_bound_login(req, b, bound) && !strcmp(bound, login_id);
}

/* The show-once key: HMAC-SHA256(hash_key, a label of its own), so it is never a key used
 * for anything else. */
static bool shown_key(uint8_t key[SHA256_LEN])
{
	return crypto_keyed_hash("key:show-once-cookie", key) == 0;
}

static void shown_cookie(struct request *req, const char *path_suffix, const char *value, int seconds)
{
	char line[4400], path[2100];
	cookie_path(path_suffix, path, sizeof path);
	cookie_header(line, sizeof line, &(struct cookie){ SHOWN_COOKIE, seconds > 0 ? value : "", seconds, path, "Strict" });
	req_add_header(req, line);
}

int csrf_show_once(struct request *req, const char *path_suffix, const char *aad, const char *value)
{
	uint8_t key[SHA256_LEN];
	char *sealed = shown_key(key) ? keywrap_seal(key, value, aad) : NULL;
	OPENSSL_cleanse(key, sizeof key);
	if (!sealed || strlen(sealed) > 2000) {
		free(sealed);
		return -1;
	}
	shown_cookie(req, path_suffix, sealed, SHOWN_SECONDS);
	free(sealed);
	return 0;
}

bool csrf_take_shown(struct request *req, const char *path_suffix, const char *aad, char *out, size_t outlen)
{
	char sealed[2048];
	uint8_t key[SHA256_LEN];
	out[0] = '\0';
	if (!req_cookie(req, SHOWN_COOKIE, sealed, sizeof sealed) || !sealed[0])
		return false;
	shown_cookie(req, path_suffix, "", 0);
	char *plain = shown_key(key) ? keywrap_open(key, sealed, aad) : NULL;
	OPENSSL_cleanse(key, sizeof key);
	bool ok = plain && strlen(plain) < outlen;
	if (ok)
		memcpy(out, plain, strlen(plain) + 1);
	if (plain) {
		OPENSSL_cleanse(plain, strlen(plain));
		free(plain);
	}
	return ok;
}

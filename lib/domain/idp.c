/* SPDX-License-Identifier: BSD-2-Clause */
/* idp: the stored form of an upstream identity provider (see idp.h). */
#include "domain/idp.h"
#include "core/config.h"
#include "core/fetch.h"
#include "core/keywrap.h"
#include "core/log.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SEAL_LABEL "key:idp-secret"
#define SEAL_AAD "idp-client-secret"

int idp_seal(json_t *idp)
{
	const char *plain = json_string_value(json_object_get(idp, "clientSecret"));
	if (!plain)
		return 0;
	char *sealed = keywrap_seal_stored(SEAL_LABEL, plain, SEAL_AAD);
	if (!sealed)
		return -1;
	json_object_set_new(idp, IDP_SEALED, json_string(sealed));
	json_object_del(idp, "clientSecret");
	free(sealed);
	return 0;
}

void idp_strip(json_t *idp)
{
	json_object_del(idp, "clientSecret");
	json_object_del(idp, IDP_SEALED);
}

char *idp_secret(json_t *idp)
{
	const char *sealed = json_string_value(json_object_get(idp, IDP_SEALED));
	if (sealed) {
		char *plain = keywrap_open_stored(SEAL_LABEL, sealed, SEAL_AAD);
		if (!plain)
			log_error("idp: the upstream client secret cannot be opened (key changed?)");
		return plain;
	}
	const char *legacy = json_string_value(json_object_get(idp, "clientSecret"));
	return legacy ? strdup(legacy) : NULL;
}

void idp_secret_free(char *secret)
{
	if (secret) {
		OPENSSL_cleanse(secret, strlen(secret));
		free(secret);
	}
}

/* ---- the stored secret kept across an update (PROTOCOL.md §12.2) ---- */

/* "scheme://authority" of url lower-cased, without the scheme's default port: malloc'd, or NULL
 * when url has no "://". The authority runs to the first '/', '?', '#' or '\\' and keeps any
 * userinfo, so two spellings that might reach different hosts never compare equal (a false
 * "changed" costs only typing the secret again). */
static char *url_origin(const char *url)
{
	const char *sep = strstr(url, "://");
	if (!sep || sep == url)
		return NULL;
	size_t scheme = (size_t)(sep - url), authority = strcspn(sep + 3, "/?#\\");
	char *o = strndup(url, scheme + 3 + authority);
	if (!o)
		return NULL;
	for (char *c = o; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	static const char *const defaults[][2] = { { "https://", ":443" }, { "http://", ":80" } };
	size_t n = strlen(o);
	for (size_t i = 0; i < 2; i++) {
		size_t p = strlen(defaults[i][1]);
		if (!strncmp(o, defaults[i][0], strlen(defaults[i][0])) && n > p && !strcmp(o + n - p, defaults[i][1]))
			o[n - p] = '\0';
	}
	return o;
}

/* Both absent, or both with one origin. */
static bool same_origin(const char *a, const char *b)
{
	if (!a || !b)
		return !a && !b;
	char *x = url_origin(a), *y = url_origin(b);
	bool same = x && y && !strcmp(x, y);
	free(x);
	free(y);
	return same;
}

int idp_keep_secret(json_t *idp, const char *stored, struct refusal *err)
{
	if (!idp || json_object_get(idp, "clientSecret"))
		return 0;
	json_t *old = stored ? json_loads(stored, 0, NULL) : NULL;
	const char *sealed = json_string_value(json_object_get(old, IDP_SEALED));
	int rc = 0;
	if (sealed && same_origin(json_string_value(json_object_get(idp, "tokenUrl")),
				  json_string_value(json_object_get(old, "tokenUrl"))))
		json_object_set_new(idp, IDP_SEALED, json_string(sealed));
	else if (sealed)
		rc = refuse(err, 400, IDP_SECRET_REQUIRED, "identityProvider");
	json_decref(old);
	return rc;
}

/* ---- discovery documents, cached per process ---- */

#define DISCOVERY_SLOTS 8

struct discovery {
	char *url;
	char *issuer;
	char *jwks_uri;
	time_t fetched;
};

static struct discovery discoveries[DISCOVERY_SLOTS];

static void discovery_clear(struct discovery *d)
{
	free(d->url);
	free(d->issuer);
	free(d->jwks_uri);
	memset(d, 0, sizeof *d);
}

static struct discovery *discovery_slot(const char *url)
{
	struct discovery *oldest = &discoveries[0];
	for (int i = 0; i < DISCOVERY_SLOTS; i++) {
		if (discoveries[i].url && strcmp(discoveries[i].url, url) == 0)
			return &discoveries[i];
		if (!discoveries[i].url || (oldest->url && discoveries[i].fetched < oldest->fetched))
			oldest = &discoveries[i];
	}
	discovery_clear(oldest);
	return oldest;
}

/* <issuer>/.well-known/openid-configuration (OpenID Connect Discovery §4), or the same at the
 * origin (scheme://host[:port]) of authorizeUrl when no issuer is configured. */
static char *discovery_url(json_t *idp)
{
	const char *issuer = json_string_value(json_object_get(idp, "issuer"));
	char *base = NULL, *out = NULL;
	if (issuer) {
		base = strdup(issuer);
	} else {
		CURLU *u = curl_url();
		char *scheme = NULL, *host = NULL, *port = NULL;
		const char *auth = json_string_value(json_object_get(idp, "authorizeUrl"));
		if (u && auth && curl_url_set(u, CURLUPART_URL, auth, 0) == CURLUE_OK &&
		    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
		    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
			curl_url_get(u, CURLUPART_PORT, &port, 0);
			size_t n = strlen(scheme) + strlen(host) + (port ? strlen(port) : 0) + 8;
			if ((base = malloc(n)))
				snprintf(base, n, "%s://%s%s%s", scheme, host, port ? ":" : "", port ? port : "");
		}
		curl_free(scheme);
		curl_free(host);
		curl_free(port);
		curl_url_cleanup(u);
	}
	if (base) {
		size_t n = strlen(base);
		while (n && base[n - 1] == '/')
			base[--n] = '\0';
		size_t len = n + sizeof "/.well-known/openid-configuration";
		if ((out = malloc(len)))
			snprintf(out, len, "%s/.well-known/openid-configuration", base);
	}
	free(base);
	return out;
}

static int discover(const char *url, struct discovery **out, struct refusal *err)
{
	struct discovery *d = discovery_slot(url);
	*out = d;
	if (d->url && time(NULL) - d->fetched < cfg.jwks_cache_seconds)
		return 0;
	json_t *doc;
	int rc = fetch_get_json(url, NULL, &doc, NULL, err);
	if (rc != 0)
		return rc;
	const char *issuer = json_string_value(json_object_get(doc, "issuer"));
	const char *jwks = json_string_value(json_object_get(doc, "jwks_uri"));
	if (!issuer || !jwks) {
		json_decref(doc);
		return refuse(err, 502, "Identity provider discovery document is invalid", NULL);
	}
	discovery_clear(d);
	d->url = strdup(url);
	d->issuer = strdup(issuer);
	d->jwks_uri = strdup(jwks);
	d->fetched = time(NULL);
	json_decref(doc);
	if (!d->url || !d->issuer || !d->jwks_uri) {
		discovery_clear(d);
		return -1;
	}
	return 0;
}

int idp_verification(json_t *idp, char **issuer, char **jwks_uri, struct refusal *err)
{
	const char *conf_issuer = json_string_value(json_object_get(idp, "issuer"));
	const char *conf_jwks = json_string_value(json_object_get(idp, "jwksUri"));
	*issuer = *jwks_uri = NULL;
	struct discovery *d = NULL;
	if (!conf_issuer || !conf_jwks) {
		char *url = discovery_url(idp);
		if (!url)
			return refuse(err, 502, "Identity provider discovery document is invalid", NULL);
		int rc = discover(url, &d, err);
		free(url);
		if (rc != 0)
			return rc;
	}
	*issuer = strdup(conf_issuer ? conf_issuer : d->issuer);
	*jwks_uri = strdup(conf_jwks ? conf_jwks : d->jwks_uri);
	if (!*issuer || !*jwks_uri) {
		free(*issuer);
		free(*jwks_uri);
		*issuer = *jwks_uri = NULL;
		return -1;
	}
	return 0;
}

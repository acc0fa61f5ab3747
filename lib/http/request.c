/* SPDX-License-Identifier: BSD-2-Clause */
/* request: parsing with hard limits. Everything that comes from the network passes here. */
#include "http/request.h"
#include "core/config.h"
#include "core/crypto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < len) {
		unsigned char c = s[i];
		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t n;
		unsigned min;
		unsigned cp;
		if ((c & 0xe0) == 0xc0) { n = 1; cp = c & 0x1f; min = 0x80; }
		else if ((c & 0xf0) == 0xe0) { n = 2; cp = c & 0x0f; min = 0x800; }
		else if ((c & 0xf8) == 0xf0) { n = 3; cp = c & 0x07; min = 0x10000; }
		else return false;
		if (n >= len - i)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

static int hexdigit(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* Decodes %XX and (for forms) '+'; refuses bad escapes, NULs and invalid UTF-8. */
static char *url_decode(const char *s, size_t len, bool plus_is_space, enum req_error *err)
{
	char *out = malloc(len + 1);
	if (!out) {
		*err = REQ_NOMEM;
		return NULL;
	}
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%') {
			if (len - i < 3)
				goto bad;
			int hi = hexdigit(s[i + 1]), lo = hexdigit(s[i + 2]);
			if (hi < 0 || lo < 0)
				goto bad;
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else if (s[i] == '+' && plus_is_space) {
			out[o++] = ' ';
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	if (!utf8_valid(out, o))
		goto bad;
	return out;
bad:
	free(out);
	*err = REQ_BAD_ENCODING;
	return NULL;
}

static enum req_error add_param(struct request *req, char *name, char *value, bool from_body)
{
	if ((int)strlen(value) > cfg.max_field || strlen(name) > 256) {
		free(name);
		free(value);
		return REQ_FIELD_TOO_LONG;
	}
	for (size_t i = 0; i < req->nparams; i++)
		if (strcmp(req->params[i].name, name) == 0 && !req->duplicate)
			req->duplicate = req->params[i].name;
	if (req->nparams >= 256) {
		free(name);
		free(value);
		return REQ_TOO_LARGE;
	}
	struct param *p = realloc(req->params, (req->nparams + 1) * sizeof *p);
	if (!p) {
		free(name);
		free(value);
		return REQ_NOMEM;
	}
	req->params = p;
	p[req->nparams++] = (struct param){ name, value, from_body };
	return REQ_OK;
}

enum req_error parse_urlencoded(const char *s, size_t len, struct request *req, bool from_body)
{
	size_t i = 0;
	while (i < len) {
		size_t end = i;
		while (end < len && s[end] != '&')
			end++;
		if (end > i) {
			const char *eq = memchr(s + i, '=', end - i);
			size_t nlen = eq ? (size_t)(eq - (s + i)) : end - i;
			enum req_error err = REQ_OK;
			char *name = url_decode(s + i, nlen, true, &err);
			if (!name)
				return err;
			char *value = eq ? url_decode(eq + 1, (size_t)(s + end - eq - 1), true, &err) : strdup("");
			if (!value) {
				free(name);
				return err ? err : REQ_NOMEM;
			}
			if ((err = add_param(req, name, value, from_body)) != REQ_OK)
				return err;
		}
		i = end + 1;
	}
	return REQ_OK;
}

/* Flat members of a JSON object become parameters too, so route tables check both
 * encodings the same way; nested values stay in req->json for handlers that want them. */
static enum req_error parse_json_body(struct request *req)
{
	if (!utf8_valid(req->body, req->body_len))
		return REQ_BAD_ENCODING;
	json_error_t jerr;
	req->json = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!req->json) {
		/* jansson refuses \u0000 itself: report it as the NUL byte it is */
		enum json_error_code code = json_error_code(&jerr);
		bool nul = code == json_error_null_character || code == json_error_null_byte_in_key;
		return nul ? REQ_BAD_ENCODING : REQ_BAD_JSON;
	}
	if (!json_is_object(req->json))
		return REQ_BAD_JSON;
	const char *key;
	json_t *v;
	json_object_foreach(req->json, key, v) {
		char *value;
		if (json_is_string(v)) {
			if (strlen(json_string_value(v)) != json_string_length(v))
				return REQ_BAD_ENCODING;
			value = strdup(json_string_value(v));
		} else if (json_is_true(v)) {
			value = strdup("true");
		} else if (json_is_false(v)) {
			value = strdup("false");
		} else if (json_is_integer(v)) {
			char buf[32];
			snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
			value = strdup(buf);
		} else {
			continue;
		}
		char *name = strdup(key);
		if (!value || !name) {
			free(value);
			free(name);
			return REQ_NOMEM;
		}
		enum req_error err = add_param(req, name, value, true);
		if (err)
			return err;
	}
	return REQ_OK;
}

static enum body_kind classify(const char *ct)
{
	if (!ct || !*ct)
		return BODY_NONE;
	size_t n = strcspn(ct, ";");
	while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	if (n == 33 && !strncasecmp(ct, "application/x-www-form-urlencoded", n))
		return BODY_FORM;
	if (n == 16 && !strncasecmp(ct, "application/json", n))
		return BODY_JSON;
	if (n > 17 && !strncasecmp(ct, "application/", 12) && !strncasecmp(ct + n - 5, "+json", 5))
		return BODY_JSON;
	return BODY_OTHER;
}

static enum req_error parse_path(struct request *req, const char *uri)
{
	if (!uri || uri[0] != '/')
		uri = "/";
	size_t n = strcspn(uri, "?#");
	enum req_error err = REQ_OK;
	if (n > 2048)
		return REQ_FIELD_TOO_LONG;
	req->path = url_decode(uri, n, false, &err);
	if (!req->path)
		return err;
	/* Medplum mounts everything at / and at /api/ too. */
	if (!strncmp(req->path, "/api/", 5))
		memmove(req->path, req->path + 4, strlen(req->path + 4) + 1);
	req->query = uri[n] == '?' ? uri + n + 1 : "";
	if (strlen(req->query) > (size_t)cfg.max_body)
		return REQ_TOO_LARGE;
	return parse_urlencoded(req->query, strlen(req->query), req, false);
}

static enum req_error parse_body(struct request *req)
{
	req->body_kind = req->body_len ? classify(req->content_type) : BODY_NONE;
	if (req->body_kind == BODY_FORM)
		return parse_urlencoded(req->body, req->body_len, req, true);
	if (req->body_kind == BODY_JSON)
		return parse_json_body(req);
	return REQ_OK;
}

enum req_error request_parse(struct request *req, const char *method, const char *uri,
			     const char *content_type, const char *body, size_t body_len)
{
	req->method = method ? method : "GET";
	req->content_type = content_type;
	if (body_len > (size_t)cfg.max_body)
		return REQ_TOO_LARGE;
	req->body = malloc(body_len + 1);
	if (!req->body)
		return REQ_NOMEM;
	memcpy(req->body, body ? body : "", body_len);
	req->body[body_len] = '\0';
	req->body_len = body_len;
	enum req_error err = parse_path(req, uri);
	if (err)
		return err;
	return parse_body(req);
}

static enum req_error read_body(struct request *req)
{
	const char *cl = FCGX_GetParam("CONTENT_LENGTH", req->fcgi->envp);
	long len = cl && *cl ? strtol(cl, NULL, 10) : 0;
	if (len < 0)
		len = 0;
	if (len > cfg.max_body)
		return REQ_TOO_LARGE;
	req->body = malloc((size_t)len + 1);
	if (!req->body)
		return REQ_NOMEM;
	int got = len ? FCGX_GetStr(req->body, (int)len, req->fcgi->in) : 0;
	req->body_len = got > 0 ? (size_t)got : 0;
	req->body[req->body_len] = '\0';
	return REQ_OK;
}

bool address_listed(const char *list, const char *addr)
{
	size_t n = strlen(addr);
	while (list && *list) {
		list += strspn(list, " ,");
		size_t len = strcspn(list, " ,");
		if (len && len == n && !strncmp(list, addr, n))
			return true;
		list += len;
	}
	return false;
}

/* X-Forwarded-For is believed only from a configured proxy, and then walked from the
 * right: the first address that is not itself a trusted proxy is the client. */
void client_address(struct request *req, const char *forwarded)
{
	if (!forwarded || !address_listed(cfg.trusted_proxies, req->remote_addr))
		return;
	char hops[1024];
	snprintf(hops, sizeof hops, "%s", forwarded);
	for (char *end = hops + strlen(hops); end > hops;) {
		char *comma = end;
		while (comma > hops && comma[-1] != ',')
			comma--;
		char *hop = comma + strspn(comma, " ");
		*end = '\0';
		while (end > hop && end[-1] == ' ')
			*--end = '\0';
		if (*hop && strlen(hop) < sizeof req->remote_addr && strspn(hop, "0123456789abcdefABCDEF.:") == strlen(hop)) {
			snprintf(req->remote_addr, sizeof req->remote_addr, "%s", hop);
			if (!address_listed(cfg.trusted_proxies, hop))
				return;
		} else {
			return;
		}
		end = comma > hops ? comma - 1 : hops;
	}
}

enum req_error request_read(struct request *req, FCGX_Request *fcgi)
{
	char **env = fcgi->envp;
	req->fcgi = fcgi;
	req->method = FCGX_GetParam("REQUEST_METHOD", env);
	if (!req->method)
		req->method = "GET";
	req->content_type = FCGX_GetParam("CONTENT_TYPE", env);
	req->authorization = FCGX_GetParam("HTTP_AUTHORIZATION", env);
	req->origin = FCGX_GetParam("HTTP_ORIGIN", env);
	req->user_agent = FCGX_GetParam("HTTP_USER_AGENT", env);
	req->cookie_header = FCGX_GetParam("HTTP_COOKIE", env);
	const char *addr = FCGX_GetParam("REMOTE_ADDR", env);
	snprintf(req->remote_addr, sizeof req->remote_addr, "%s", addr ? addr : "");
	client_address(req, FCGX_GetParam("HTTP_X_FORWARDED_FOR", env));
	enum req_error err = parse_path(req, FCGX_GetParam("REQUEST_URI", env));
	if (err)
		return err;
	if ((err = read_body(req)) != REQ_OK)
		return err;
	return parse_body(req);
}

void request_free(struct request *req)
{
	for (size_t i = 0; i < req->nparams; i++) {
		free(req->params[i].name);
		free(req->params[i].value);
	}
	for (int i = 0; i < MAX_PATH_PARAMS; i++)
		free(req->path_params[i]);
	free(req->params);
	free(req->path);
	free(req->body);
	json_decref(req->json);
	free(req->headers);
	memset(req, 0, sizeof *req);
}

int req_add_header(struct request *req, const char *line)
{
	size_t n = strlen(line);
	/* One line: its only CR and LF are the CRLF that ends it (no header injection). */
	if (n < 3 || strcmp(line + n - 2, "\r\n") || strcspn(line, "\r\n") != n - 2)
		return -1;
	char *grown = realloc(req->headers, req->headers_len + n + 1);
	if (!grown)
		return -1;
	memcpy(grown + req->headers_len, line, n + 1);
	req->headers = grown;
	req->headers_len += n;
	return 0;
}

const char *req_param(const struct request *req, const char *name)
{
	for (size_t i = 0; i < req->nparams; i++)
		if (strcmp(req->params[i].name, name) == 0)
			return req->params[i].value;
	return NULL;
}

static const char *param_where(const struct request *req, const char *name, bool from_body)
{
	for (size_t i = 0; i < req->nparams; i++)
		if (req->params[i].from_body == from_body && strcmp(req->params[i].name, name) == 0)
			return req->params[i].value;
	return NULL;
}

const char *req_query_param(const struct request *req, const char *name)
{
	return param_where(req, name, false);
}

const char *req_body_param(const struct request *req, const char *name)
{
	return param_where(req, name, true);
}

const char *req_header(const struct request *req, const char *cgi_name)
{
	return req->fcgi ? FCGX_GetParam(cgi_name, req->fcgi->envp) : NULL;
}

bool req_cookie(const struct request *req, const char *name, char *out, size_t outlen)
{
	const char *s = req->cookie_header;
	size_t nlen = strlen(name);
	while (s && *s) {
		while (*s == ' ' || *s == ';')
			s++;
		const char *end = strchr(s, ';');
		size_t len = end ? (size_t)(end - s) : strlen(s);
		if (len > nlen && !strncmp(s, name, nlen) && s[nlen] == '=') {
			size_t vlen = len - nlen - 1;
			if (vlen >= outlen)
				return false;
			memcpy(out, s + nlen + 1, vlen);
			out[vlen] = '\0';
			return true;
		}
		s = end;
	}
	return false;
}

/* RFC 6749 §2.3.1: id and secret are form-urlencoded before base64 (oauth4webapi encodes
 * even '-' of a UUID as %2D). Medplum's SDK sends them raw, which decoding leaves as they
 * are: client ids are UUIDs and secrets hex. The result is never longer than the input. */
static bool form_decode_in_place(char *s)
{
	enum req_error err = REQ_OK;
	size_t len = strlen(s);
	char *d = url_decode(s, len, true, &err);
	if (!d)
		return false;
	size_t dlen = strlen(d);
	memcpy(s, d, dlen + 1);
	memset(d, 0, dlen);
	free(d);
	return true;
}

bool parse_basic_auth(const char *header, char *id, size_t idlen, char *secret, size_t secretlen)
{
	if (!header || strncmp(header, "Basic ", 6) != 0)
		return false;
	const char *b64 = header + 6;
	size_t outlen;
	uint8_t *raw = crypto_b64_decode(b64, strlen(b64), &outlen);
	if (!raw)
		return false;
	bool ok = false;
	uint8_t *colon = memchr(raw, ':', outlen);
	if (colon && !memchr(raw, '\0', outlen)) {
		size_t il = (size_t)(colon - raw), sl = outlen - il - 1;
		if (il < idlen && sl < secretlen) {
			memcpy(id, raw, il);
			id[il] = '\0';
			memcpy(secret, colon + 1, sl);
			secret[sl] = '\0';
			ok = form_decode_in_place(id) && form_decode_in_place(secret);
			if (!ok)
				memset(secret, 0, secretlen);
		}
	}
	memset(raw, 0, outlen);
	free(raw);
	return ok;
}
